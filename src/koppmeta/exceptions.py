"""Warnings and errors that koppmeta raises, defined in one place and exported from ``koppmeta``."""

from __future__ import annotations

__all__ = ["ConvergenceError", "ConvergenceWarning", "FewStudiesWarning", "MissingDataWarning",
           "MultiplePeaksWarning"]


class ConvergenceError(RuntimeError):
    """An iterative estimator did not converge and no fallback could be used."""


class ConvergenceWarning(UserWarning):
    """An iterative estimator did not settle on degenerate data; the warning names the rows concerned."""


class MultiplePeaksWarning(UserWarning):
    """The (restricted) likelihood has more than one maximum; the result names the other one."""


class FewStudiesWarning(UserWarning):
    """A method was run on fewer studies than it needs to be informative (e.g. small-study tests with k < 10)."""


class MissingDataWarning(UserWarning):
    """Studies were left out because of missing values (only with ``missing="drop"``)."""
