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
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._validation import check_choice
from .models import MetaAnalysis

__all__ = ["BootstrapResult", "bootstrap"]

KINDS = ("nonparametric", "parametric")


@dataclass(frozen=True)
class BootstrapResult:
    """Result of :func:`bootstrap`. ``replicates`` holds one row per bootstrap fit."""

    kind: str
    n_boot: int
    seed: int | None
    level: float
    estimate: float
    estimate_ci: tuple[float, float]
    tau2: float
    tau2_ci: tuple[float, float]
    se_boot: float
    n_failed: int
    replicates: pd.DataFrame = field(repr=False, compare=False)
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({
            "statistic": ["estimate", "tau2"],
            "value": [self.estimate, self.tau2],
            "ci_low": [self.estimate_ci[0], self.tau2_ci[0]],
            "ci_high": [self.estimate_ci[1], self.tau2_ci[1]],
        })

    def summary(self, digits: int = 4) -> str:
        f = lambda x: f"{x:.{digits}f}"  # noqa: E731
        lv = f"{self.level:g}%"
        lines = [
            f"{self.kind.capitalize()} bootstrap ({self.n_boot} replicates; seed = {self.seed})",
            "",
            f"Pooled estimate: {f(self.estimate)} ({lv} percentile interval: {f(self.estimate_ci[0])} to "
            f"{f(self.estimate_ci[1])}; bootstrap standard error {f(self.se_boot)})",
            f"tau^2 (between-study variance): {f(self.tau2)} ({lv} percentile interval: {f(self.tau2_ci[0])} to "
            f"{f(self.tau2_ci[1])})",
        ]
        if self.n_failed:
            lines.append(f"Note: {self.n_failed} replicates could not be fitted and were left out.")
        for note in self.notes:
            lines.append(f"Note: {note}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return "<pre>" + self.summary().replace("&", "&amp;").replace("<", "&lt;") + "</pre>"


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
    from .fast import fit_many

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
    level = fit.level if level is None else float(level)
    rng = np.random.default_rng(seed)
    y, v = fit.yi, fit.vi
    k = fit.k
    if kind == "nonparametric":
        idx = rng.integers(0, k, size=(n_boot, k))
        Y, V = y[idx], v[idx]
    else:
        V = np.broadcast_to(v, (n_boot, k)).copy()
        Y = rng.normal(fit.estimate, np.sqrt(V + fit.tau2))
    from .heterogeneity import ConvergenceWarning

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
        estimate=fit.estimate, estimate_ci=q(est), tau2=fit.tau2, tau2_ci=q(t2),
        se_boot=float(np.std(est, ddof=1)) if est.size > 1 else math.nan, n_failed=int((~ok).sum()),
        replicates=res[["k", "estimate", "se", "tau2", "i2"]].assign(ok=ok), notes=notes,
    )
