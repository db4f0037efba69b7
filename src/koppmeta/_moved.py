"""Old import paths of modules that moved, kept for one release.

The statistics modules moved into folders by role (:mod:`koppmeta.effects`, :mod:`koppmeta.models`,
:mod:`koppmeta.diagnostics`), the KOPP project into :mod:`koppmeta.project`. Every old path in
:data:`MOVED` still imports, with a ``DeprecationWarning`` that names the new place, and gives the
*same* module object as the new path (so classes, ``isinstance`` and module state are shared):

>>> import warnings, importlib
>>> with warnings.catch_warnings(record=True):
...     warnings.simplefilter("always")
...     old = importlib.import_module("koppmeta.engine")
>>> old is importlib.import_module("koppmeta.models.engine")
True

No file is left at the old place: :class:`AliasFinder`, put on ``sys.meta_path`` by
``koppmeta/__init__.py``, answers the old names from this table. ``python -m koppmeta.cli`` still
runs the command (with the warning). ``koppmeta.models`` kept its name: it is now a package whose
``__init__`` exports what the module did.
"""

from __future__ import annotations

import sys
import types
import warnings
from importlib import import_module
from typing import Any

__all__ = ["MOVED", "AliasFinder", "install", "moved", "warn_moved"]

# Old module path -> new module path.
MOVED = {
    # effect sizes, reading trial tables and RevMan files
    "koppmeta.effect_sizes": "koppmeta.effects.sizes",
    "koppmeta.own_data": "koppmeta.effects.own_data",
    "koppmeta.revman": "koppmeta.effects.revman",
    # models (koppmeta.models itself is now the package)
    "koppmeta.engine": "koppmeta.models.engine",
    "koppmeta.fast": "koppmeta.models.batch",
    "koppmeta.heterogeneity": "koppmeta.models.heterogeneity",
    "koppmeta.regression": "koppmeta.models.regression",
    "koppmeta.multilevel": "koppmeta.models.multilevel",
    "koppmeta.rare": "koppmeta.models.rare",
    "koppmeta.bayes": "koppmeta.models.bayes",
    "koppmeta.compare": "koppmeta.models.compare",
    # diagnostics of a pooled result
    "koppmeta.bias": "koppmeta.diagnostics.bias",
    "koppmeta.sensitivity": "koppmeta.diagnostics.sensitivity",
    "koppmeta.resampling": "koppmeta.diagnostics.resampling",
    "koppmeta.gosh": "koppmeta.diagnostics.gosh",
    "koppmeta.rob": "koppmeta.diagnostics.rob",
    # reports
    "koppmeta.findings": "koppmeta.reporting.findings",
    # the KOPP project
    "koppmeta.overlap": "koppmeta.project.overlap",
    "koppmeta.paths": "koppmeta.project.paths",
    "koppmeta.data": "koppmeta.project.data",
    "koppmeta.evidence": "koppmeta.project.evidence",
    "koppmeta.explore": "koppmeta.project.explore",
    "koppmeta.reproduce": "koppmeta.project.reproduce",
    "koppmeta.cli": "koppmeta.project.cli",
    "koppmeta.reporting.report": "koppmeta.project.report",
}

_HERE = __file__
_PACKAGE_DIR = __file__[: -len("_moved.py")]
_PACKAGE_INIT = _PACKAGE_DIR + "__init__.py"


def _stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the code that used the old name: past this module,
    ``koppmeta/__init__.py``, the packages' module ``__getattr__`` and the import machinery (whose
    ``_bootstrap`` frames ``warnings`` skips itself)."""
    level, frame = 2, sys._getframe(2)  # frame: the caller of warn_moved
    while frame is not None:
        name = frame.f_code.co_filename
        if "importlib" in name and "_bootstrap" in name:
            pass  # not counted by warnings either
        elif (name in (_HERE, _PACKAGE_INIT) or name.endswith(("importlib/__init__.py", "importlib\\__init__.py"))
              or (frame.f_code.co_name == "__getattr__" and name.startswith(_PACKAGE_DIR))):
            level += 1
        else:
            break
        frame = frame.f_back
    return level


def warn_moved(old: str, new: str) -> None:
    """Warn that ``old`` is now ``new``, pointing at the caller's code."""
    warnings.warn(f"{old} moved to {new}; the old name works until the next release.",
                  DeprecationWarning, stacklevel=_stacklevel())


def moved(old: str, new_module: str, attr: str | None = None) -> Any:
    """Warn that ``old`` is now in ``new_module`` and return the module (or its attribute ``attr``)."""
    warn_moved(old, f"{new_module}.{attr}" if attr else new_module)
    module = import_module(new_module)
    return getattr(module, attr) if attr else module


class _AliasLoader:
    """Loads an old name as the module already loaded (or loaded now) under its new name."""

    def __init__(self, old: str, new: str):
        self.old, self.new = old, new

    def create_module(self, spec):
        warn_moved(self.old, self.new)
        module = import_module(self.new)
        self._spec = module.__spec__
        return module

    def exec_module(self, module) -> None:
        # the import system set __spec__ to the alias's spec: give the module its own back
        module.__spec__ = self._spec

    def get_code(self, fullname: str):
        """``python -m OLD``: run the new module as the main program, after the warning."""
        return compile(f"from koppmeta._moved import run_moved\nrun_moved({self.old!r}, {self.new!r})\n",
                       f"<{self.old} moved to {self.new}>", "exec")


def run_moved(old: str, new: str) -> None:
    """Body of ``python -m OLD``."""
    import runpy

    warnings.warn(f"python -m {old} moved to python -m {new}; the old name works until the next release.",
                  DeprecationWarning, stacklevel=2)
    runpy.run_module(new, run_name="__main__", alter_sys=True)


class AliasFinder:
    """A ``sys.meta_path`` finder that answers the old module paths of :data:`MOVED`."""

    @classmethod
    def find_spec(cls, fullname: str, path=None, target=None):
        new = MOVED.get(fullname)
        if new is None:
            return None
        from importlib.machinery import ModuleSpec

        return ModuleSpec(fullname, _AliasLoader(fullname, new))


class _Package(types.ModuleType):
    """``koppmeta`` itself: loading an old module path must not replace a public name of the same spelling
    (``koppmeta.effect_sizes`` and ``koppmeta.gosh`` are functions; the old modules were named like them)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and f"koppmeta.{name}" in MOVED:
            current = self.__dict__.get(name)
            if current is not None and not isinstance(current, types.ModuleType):
                return
        super().__setattr__(name, value)


def install(package: types.ModuleType) -> None:
    """Put the finder on ``sys.meta_path`` (once) and protect the package's public names."""
    if not any(f is AliasFinder for f in sys.meta_path):
        sys.meta_path.insert(0, AliasFinder)
    package.__class__ = _Package
