"""Where the project's folders are, inside the repository or in an installed package.

The curated evidence base lives in the repository's ``data/`` (the source of truth). The
package carries a copy of the same files in ``koppmeta/datasets/evidence/`` (kept equal by
``make sync-data`` and checked by ``tests/test_packaging.py``), so that
:func:`koppmeta.load_studies` works from any folder after ``pip install``.

:func:`data_dir` picks, in this order: ``$KOPPMETA_ROOT/data``; the ``data/`` of the koppmeta
repository that holds the current folder; the ``data/`` of the source checkout this module is
imported from (an editable install); the copy inside the installed package.

Outputs never go into the installed package: :func:`figures_dir` is ``KOPPMETA_FIGURES_DIR``,
else the repository's ``figures/``, else the current folder.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

__all__ = ["ProjectNotFoundError", "EVIDENCE_FILES", "project_root", "find_project_root", "data_dir",
           "packaged_data_dir", "figures_dir", "reports_dir"]

# The files of data/ that the package carries (the Makefile's sync-data target copies the same list).
EVIDENCE_FILES = ("studies.csv", "reviews.csv", "gaps.csv", "review_trials.csv", "datapackage.json", "README.md", "GAPS.md")


class ProjectNotFoundError(FileNotFoundError):
    """No koppmeta repository above the current folder (needed only by ``koppmeta reproduce``)."""


def _is_project(folder: Path) -> bool:
    """A koppmeta repository: pyproject.toml, data/datapackage.json and src/koppmeta/ together.

    All three are required so that a user's own project with a ``pyproject.toml`` and a ``data/``
    folder is never mistaken for this one.
    """
    return ((folder / "pyproject.toml").is_file() and (folder / "data" / "datapackage.json").is_file()
            and (folder / "src" / "koppmeta").is_dir())


def find_project_root(start: str | Path | None = None) -> Path | None:
    """The repository root above ``start`` (default: the current folder), or None outside one.

    ``KOPPMETA_ROOT`` in the environment overrides the search.
    """
    env = os.environ.get("KOPPMETA_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if _is_project(folder):
            return folder
    return None


def project_root(start: str | Path | None = None) -> Path:
    """The repository root: the nearest folder upwards holding ``pyproject.toml``, ``data/`` and ``src/koppmeta/``.

    ``KOPPMETA_ROOT`` in the environment overrides the search. Raises :class:`ProjectNotFoundError`
    (a ``FileNotFoundError``) outside a repository.
    """
    root = find_project_root(start)
    if root is None:
        here = Path(start or Path.cwd()).resolve()
        raise ProjectNotFoundError(
            f"Could not find the koppmeta project folder (with pyproject.toml, data/ and src/koppmeta/) above {here}. "
            "Run from inside a clone of the repository or set KOPPMETA_ROOT."
        )
    return root


def _source_checkout() -> Path | None:
    """The repository this module is imported from (editable install or PYTHONPATH=src), if any."""
    candidate = Path(__file__).resolve().parents[3]
    return candidate if _is_project(candidate) else None


def packaged_data_dir() -> Path:
    """The copy of the evidence base inside the installed package (read only)."""
    return Path(str(resources.files("koppmeta").joinpath("datasets", "evidence")))


def data_dir() -> Path:
    """The folder of the curated evidence base (see the module docstring for the order of the search)."""
    root = find_project_root() or _source_checkout()
    return root / "data" if root is not None else packaged_data_dir()


def figures_dir(root: Path | None = None) -> Path:
    """Where figures are written: ``KOPPMETA_FIGURES_DIR`` when set (the tests use a temporary folder),
    else ``figures/`` of the repository (``root`` when given, else found from the current folder),
    else the current folder (never the installed package)."""
    env = os.environ.get("KOPPMETA_FIGURES_DIR")
    if env:
        return Path(env)
    root = root if root is not None else find_project_root()
    return root / "figures" if root is not None else Path.cwd()


def reports_dir() -> Path:
    """``reports/`` of the repository, else ``reports/`` in the current folder."""
    root = find_project_root()
    return (root if root is not None else Path.cwd()) / "reports"
