"""Moved to :mod:`koppmeta.project.cli`; this name works for one release with a ``DeprecationWarning``."""

from ._moved import forward

__getattr__ = forward(__name__, "koppmeta.project.cli")

if __name__ == "__main__":
    import sys

    from ._moved import moved

    sys.exit(moved("python -m koppmeta.cli", "koppmeta.project.cli", "main", stacklevel=2)())
