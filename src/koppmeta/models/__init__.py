"""Models: pooling effect sizes, from one random-effects meta-analysis to millions at once.

- :mod:`~koppmeta.models.engine`: the one implementation of the intercept-only fit (every tau^2
  estimator, tests, intervals, Q, I^2), run on batches of analyses;
- :mod:`~koppmeta.models.heterogeneity`: tau^2 estimators for a model matrix and the Q-profile interval;
- :mod:`~koppmeta.models.univariate`: :func:`meta_analysis` and its result :class:`MetaAnalysis`;
- :mod:`~koppmeta.models.batch`: :func:`~koppmeta.models.batch.fit_many`, many analyses in one call;
- :mod:`~koppmeta.models.regression`: meta-regression, subgroups, the permutation test;
- :mod:`~koppmeta.models.multilevel`: three-level models and cluster-robust (CR2) standard errors;
- :mod:`~koppmeta.models.rare`: Mantel-Haenszel, Peto and the binomial GLMM for rare events;
- :mod:`~koppmeta.models.bayes`: the Bayesian normal-normal model by numerical integration;
- :mod:`~koppmeta.models.compare`: one table of the same data pooled by several methods.

This package keeps the names of the former module ``koppmeta.models`` (``from koppmeta.models import
meta_analysis`` works as before); the public names are also those of ``koppmeta`` itself.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from . import univariate as _univariate
from .univariate import (
    TESTS,
    MetaAnalysis,
    MissingDataWarning,
    fit_at_tau2,
    format_p,
    meta_analysis,
    pi_method,
)

__all__ = ["MetaAnalysis", "MissingDataWarning", "meta_analysis", "fit_at_tau2", "format_p", "pi_method", "TESTS"]


_SUBMODULES = ("engine", "heterogeneity", "univariate", "batch", "regression", "multilevel", "rare", "bayes", "compare")


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:  # imported on first use
        return import_module(f"{__name__}.{name}")
    # any other name the former module koppmeta.models held
    try:
        return getattr(_univariate, name)
    except AttributeError:
        raise AttributeError(f"module 'koppmeta.models' has no attribute {name!r}") from None
