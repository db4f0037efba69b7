"""Warnings and errors that koppmeta raises, defined in one place and exported from ``koppmeta``."""

from __future__ import annotations

__all__ = ["ConvergenceError", "ConvergenceWarning", "FewStudiesWarning", "KnappHartungWarning",
           "MissingDataWarning", "MultiplePeaksWarning"]


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


class KnappHartungWarning(UserWarning):
    """The Knapp-Hartung test was asked for where it is not meant to be used (e.g. a fixed-effect model).

    Functions that refit a model the user already fitted (leave-one-out, trim and fill) silence it
    by this class, since the user was told when the model itself was fitted.
    """
