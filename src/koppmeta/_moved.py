"""Old import paths of the modules that moved to :mod:`koppmeta.project`, kept for one release.

``koppmeta.paths``, ``koppmeta.data``, ``koppmeta.evidence``, ``koppmeta.reproduce``, ``koppmeta.cli``,
``koppmeta.explore`` and ``koppmeta.reporting.report`` still answer, each with a ``DeprecationWarning``
that names the new place, so that code written against the flat layout keeps running while it is updated.
"""

from __future__ import annotations

import warnings
from importlib import import_module
from typing import Any, Callable

__all__ = ["moved", "forward"]


def moved(old: str, new_module: str, attr: str | None = None, stacklevel: int = 3) -> Any:
    """Warn that ``old`` is now in ``new_module`` and return the module (or its attribute ``attr``)."""
    new = f"{new_module}.{attr}" if attr else new_module
    warnings.warn(f"{old} moved to {new}; the old name works until the next release.",
                  DeprecationWarning, stacklevel=stacklevel)
    module = import_module(new_module)
    return getattr(module, attr) if attr else module


def forward(old_module: str, new_module: str) -> Callable[[str], Any]:
    """A module ``__getattr__`` that hands every public name of ``new_module`` out under ``old_module``."""

    def __getattr__(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        target = import_module(new_module)
        if not hasattr(target, name):
            raise AttributeError(f"module {old_module!r} has no attribute {name!r}")
        return moved(f"{old_module}.{name}", new_module, name)

    return __getattr__
