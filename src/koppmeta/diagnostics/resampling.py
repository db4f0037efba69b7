"""Bootstrap of a meta-analysis, built on the vectorised engine (:func:`koppmeta.fit_many`).

Two schemes (Viechtbauer 2007, J Educ Behav Stat 32:39-60; the ``boot`` examples on the metafor
website):

- ``"nonparametric"``: resample the k studies with replacement and refit;
- ``"parametric"``: draw new effects ``y*_i ~ N(mu, v_i + tau^2)`` from the fitted model and refit.

All replicates are fitted in one batch, so 10,000 replicates of a 13-study meta-analysis take a
fraction of a second. Percentile intervals are reported for the pooled estimate and for tau^2.
"""

from __future__ import annotations

import math
from functools import partial
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import formatting
from .._validation import check_choice, check_level
from ..exceptions import ConvergenceWarning
from ..models.univariate import MetaAnalysis
from ..results import Result

__all__ = ["BootstrapResult", "bootstrap"]

KINDS = ("nonparametric", "parametric")


@dataclass(frozen=True)
class BootstrapResult(Result):
    """Result of :func:`bootstrap`. ``replicates`` holds one row per bootstrap fit.

    Attributes
    ----------
    estimate, ci_low, ci_high : float
        The model's pooled estimate and its bootstrap percentile interval at ``level``.
    se : float
        Bootstrap standard error of the pooled estimate (sd of the replicates).
    tau2, tau2_ci_low, tau2_ci_high : float
        The model's tau^2 and its percentile interval.
    kind, n_boot, seed, level, measure, n_failed, notes
        Settings and what happened. ``estimate_ci``, ``tau2_ci`` (tuples) and ``se_boot`` are
        the old names; they still work for one release with a DeprecationWarning.
    """

    kind: str
    n_boot: int
    seed: int | None
    level: float
    estimate: float
    ci_low: float
    ci_high: float
    se: float
    tau2: float
    tau2_ci_low: float
    tau2_ci_high: float
    n_failed: int
    replicates: pd.DataFrame = field(repr=False, compare=False)
    notes: tuple[str, ...] = ()
    measure: str | None = None

    def _old(self, old: str, new: str):
        warnings.warn(f"BootstrapResult.{old} is now {new}; the old name will be removed in the next release.",
                      DeprecationWarning, stacklevel=3)

    @property
    def estimate_ci(self) -> tuple[float, float]:
        """Deprecated: ``(ci_low, ci_high)``."""
        self._old("estimate_ci", "ci_low, ci_high")
        return (self.ci_low, self.ci_high)

    @property
    def tau2_ci(self) -> tuple[float, float]:
        """Deprecated: ``(tau2_ci_low, tau2_ci_high)``."""
        self._old("tau2_ci", "tau2_ci_low, tau2_ci_high")
        return (self.tau2_ci_low, self.tau2_ci_high)

    @property
    def se_boot(self) -> float:
        """Deprecated: ``se``."""
        self._old("se_boot", "se")
        return self.se

    def _records(self) -> list[dict[str, Any]]:
        return [{"statistic": "estimate", "value": self.estimate, "se": self.se, "ci_low": self.ci_low,
                 "ci_high": self.ci_high},
                {"statistic": "tau2", "value": self.tau2, "se": math.nan, "ci_low": self.tau2_ci_low,
                 "ci_high": self.tau2_ci_high}]

    def _heading(self) -> str:
        return f"{self.kind.capitalize()} bootstrap ({self.n_boot} replicates; seed = {self.seed})"

    def _notes(self) -> tuple[str, ...]:
        failed = (f"{self.n_failed} replicates could not be fitted and were left out.",) if self.n_failed else ()
        return failed + tuple(self.notes)

    def _describe(self) -> list[tuple[str, str, str]]:
        f, lv = formatting.text, f"{self.level:g}%"
        return [
            ("Pooled estimate", f"{f(self.estimate)} {formatting.interval(self.ci_low, self.ci_high, 4, plain=True)}",
             f"{lv} percentile interval; bootstrap standard error {f(self.se)}"),
            ("tau^2", f"{f(self.tau2)} {formatting.interval(self.tau2_ci_low, self.tau2_ci_high, 4, plain=True)}",
             f"between-study variance, {lv} percentile interval"),
        ]

    def summary(self, digits: int = 4) -> str:
        f = partial(formatting.text, digits=digits)
        lv = f"{self.level:g}%"
        lines = [
            self._heading(),
            "",
            f"Pooled estimate: {f(self.estimate)} ({lv} percentile interval: {f(self.ci_low)} to "
            f"{f(self.ci_high)}; bootstrap standard error {f(self.se)})",
            f"tau^2 (between-study variance): {f(self.tau2)} ({lv} percentile interval: {f(self.tau2_ci_low)} to "
            f"{f(self.tau2_ci_high)})",
        ]
        lines += [f"Note: {n}" for n in self._notes()]
        return "\n".join(lines)


def bootstrap(fit: MetaAnalysis, *, n_boot: int = 1000, kind: str = "nonparametric", seed: int | None = None,
              level: float | None = None, progress: bool | None = None) -> BootstrapResult:
    """Bootstrap percentile intervals for the pooled estimate and tau^2 of ``fit``.

    Each replicate is refitted with the model's estimator and test. Replicates whose resample
    holds a single distinct study are still fitted (tau^2 = 0 there). Seeded: the same ``seed``
    gives the same replicates.

    Parameters
    ----------
    fit : MetaAnalysis
    n_boot : int
        Number of replicates (at least 100).
    kind : {"nonparametric", "parametric"}
    seed : int, optional
    level : float, optional
        Interval level in percent (default: the model's level).
    progress : bool, optional
        Progress bar over batches (default: only for more than 200,000 replicates).
    """
    from ..models.batch import fit_many

    func = "bootstrap"
    if not isinstance(fit, MetaAnalysis):
        raise TypeError(f"{func}: argument 'fit' must be a MetaAnalysis; got {type(fit).__name__}.")
    check_choice(func, "kind", kind, KINDS)
    if isinstance(n_boot, (bool, np.bool_)) or not isinstance(n_boot, (int, np.integer)) or n_boot < 100:
        raise ValueError(f"{func}: argument 'n_boot' is {n_boot!r}; it must be a whole number of at least 100.")
    if seed is not None and (isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer))):
        raise TypeError(f"{func}: argument 'seed' must be an integer or None; got {seed!r}.")
    if fit.k < 2:
        raise ValueError(f"{func}: the model has k = {fit.k} study; a bootstrap needs at least 2.")
    level = fit.level if level is None else check_level(func, level)
    rng = np.random.default_rng(seed)
    y, v = fit.yi, fit.vi
    k = fit.k
    if kind == "nonparametric":
        idx = rng.integers(0, k, size=(n_boot, k))
        Y, V = y[idx], v[idx]
    else:
        V = np.broadcast_to(v, (n_boot, k)).copy()
        Y = rng.normal(fit.estimate, np.sqrt(V + fit.tau2))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        res = fit_many(Y, V, method=fit.method, test=fit.test, level=level,
                       progress=progress if progress is not None else n_boot > 200_000)
    notes = tuple(str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning))
    ok = np.isfinite(res["estimate"].to_numpy()) & np.isfinite(res["tau2"].to_numpy())
    a = (1 - level / 100) / 2
    est = res.loc[ok, "estimate"].to_numpy()
    t2 = res.loc[ok, "tau2"].to_numpy()
    q = lambda x: (float(np.quantile(x, a)), float(np.quantile(x, 1 - a)))  # noqa: E731
    return BootstrapResult(
        kind=kind, n_boot=int(n_boot), seed=None if seed is None else int(seed), level=level,
        estimate=fit.estimate, ci_low=q(est)[0], ci_high=q(est)[1], tau2=fit.tau2, tau2_ci_low=q(t2)[0],
        tau2_ci_high=q(t2)[1], se=float(np.std(est, ddof=1)) if est.size > 1 else math.nan, n_failed=int((~ok).sum()),
        measure=fit.measure,
        replicates=res[["k", "estimate", "se", "tau2", "i2"]].assign(ok=ok), notes=notes,
    )
