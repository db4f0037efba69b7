"""Moved to :mod:`koppmeta.project.explore`; this name works for one release with a ``DeprecationWarning``."""

from ._moved import forward

__getattr__ = forward(__name__, "koppmeta.project.explore")
