"""Where the project's folders are, found from the working directory.

Notebooks run from ``notebooks/``, the command line from anywhere inside the
repository; both find ``data/``, ``figures/`` and ``reports/`` through
:func:`project_root`.
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root(start: str | Path | None = None) -> Path:
    """The repository root: the nearest folder upwards holding ``pyproject.toml`` and ``data/``.

    ``KOPPMETA_ROOT`` in the environment overrides the search.
    """
    env = os.environ.get("KOPPMETA_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "data").is_dir():
            return folder
    raise FileNotFoundError(
        f"Could not find the koppmeta project folder (with pyproject.toml and data/) above {here}. "
        "Run from inside the repository or set KOPPMETA_ROOT."
    )


def data_dir() -> Path:
    return project_root() / "data"


def figures_dir() -> Path:
    """Where figures are written: ``figures/``, or ``KOPPMETA_FIGURES_DIR`` when set (the tests use a temporary folder)."""
    env = os.environ.get("KOPPMETA_FIGURES_DIR")
    return Path(env) if env else project_root() / "figures"


def reports_dir() -> Path:
    return project_root() / "reports"
