"""Small-study effects and publication bias: Egger, Begg, trim and fill, PET-PEESE, fail-safe N.

Each function takes a fitted :class:`koppmeta.MetaAnalysis` and reproduces metafor
3.8-1 (``regtest(model="lm")``, ``ranktest()``, ``trimfill()``, ``fsn()``) to 1e-6;
``tests/test_bias.py`` checks this against reference values written by
``tests/r/make_fixtures_bias.R``.

These methods look for an association between effect size and precision ("funnel
plot asymmetry"). Such an association can come from publication bias, but also from
true differences between small and large studies, so a significant test is a reason to
look closer, not proof of bias (Sterne et al. 2011, BMJ 343:d4002).
"""

from __future__ import annotations

import math
from functools import partial
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..models import heterogeneity as het
from .._validation import check_choice, numeric_vector
from ..exceptions import FewStudiesWarning, KnappHartungWarning
from ..models.univariate import MetaAnalysis, meta_analysis
from ..results import PooledResult, Result, deprecated_alias
from .. import formatting
from ..formatting import text as _num
from .sensitivity import check_fit, check_k

__all__ = [
    "RegressionTest", "egger_test", "BeggTest", "begg_test", "TrimAndFill", "trim_and_fill",
    "PetPeese", "pet_peese", "FailSafeN", "fail_safe_n",
]

#: A p-value after a statistic, as metafor prints it (``< .0001``, ``= 0.1234``).
_p = partial(formatting.pvalue, style="metafor-equals")


def _deprecated(cls: str, old: str, new: str) -> property:
    def get(self):
        warnings.warn(f"{cls}.{old} is now called {new}; the old name will be removed in the next release.",
                      DeprecationWarning, stacklevel=2)
        return getattr(self, new)

    return property(get, doc=f"Deprecated name of :attr:`{new}`.")


# ---------------------------------------------------------------------------
# Regression tests (Egger, PET, PEESE)
# ---------------------------------------------------------------------------

_PREDICTORS = {"sei": "standard error", "vi": "sampling variance", "ninv": "inverse of the total sample size",
               "sqrtninv": "inverse of the square root of the total sample size"}
_MODELS = ("lm", "rma")
#: Below this many studies the small-study tests and trim-and-fill warn (Sterne et al. 2011, BMJ 343:d4002).
FEW_STUDIES = 10


def warn_few_studies(func: str, k: int) -> None:
    """A :class:`koppmeta.FewStudiesWarning` when ``k`` is below :data:`FEW_STUDIES`."""
    if k < FEW_STUDIES:
        warnings.warn(f"{func}: only {k} studies; with fewer than {FEW_STUDIES} the test has too little power to tell "
                      "small-study effects from chance (Sterne et al. 2011, BMJ 343:d4002), so read it with care.",
                      FewStudiesWarning, stacklevel=3)


@dataclass(frozen=True)
class RegressionTest(Result):
    """Weighted regression of the effects on their standard errors (or variances).

    The model ``y_i = b0 + b1 x_i + e_i`` with weights ``1/v_i`` and a multiplicative
    error variance ``Var(e_i) = phi v_i`` (ordinary weighted least squares, R's ``lm``),
    where ``x_i = sqrt(v_i)`` (``predictor="sei"``) or ``x_i = v_i`` (``"vi"``).

    Attributes
    ----------
    k : int
        Number of studies.
    predictor : {"sei", "vi", "ninv", "sqrtninv"}
    stat, df, pval : float
        t statistic of the slope ``b1`` (the test of funnel-plot asymmetry), its degrees
        of freedom ``k - 2`` and its two-sided p-value. With ``model="rma"`` the z (or
        Knapp-Hartung t) statistic of the mixed-effects meta-regression; ``df`` is NaN for z.
    model : {"lm", "rma"}
        Weighted regression with multiplicative dispersion, or mixed-effects meta-regression.
    slope, slope_se : float
        ``b1`` and its standard error (``stat`` and ``pval`` above are its test).
    limit_estimate, limit_se, limit_stat, limit_pval : float
        The intercept ``b0`` -- the effect expected in a study of infinite precision
        ("limit estimate") -- its standard error, t statistic and two-sided p-value.
    limit_ci_low, limit_ci_high : float
        Confidence interval of ``b0`` (t distribution with ``k - 2`` df) at ``level``.

    The intercept's numbers were called ``estimate, se, intercept_stat, intercept_pval, ci_low,
    ci_high``; those names still work for one release (with a DeprecationWarning), because beside
    ``stat`` and ``pval`` (the slope's test) they read as if they belonged to the same coefficient.
    level : float
        Confidence level in percent.
    """

    k: int
    predictor: str
    stat: float
    df: int
    pval: float
    slope: float
    slope_se: float
    limit_estimate: float
    limit_se: float
    limit_stat: float
    limit_pval: float
    limit_ci_low: float
    limit_ci_high: float
    level: float
    title: str = "Regression test for funnel plot asymmetry"
    model: str = "lm"

    estimate = _deprecated("RegressionTest", "estimate", "limit_estimate")
    se = _deprecated("RegressionTest", "se", "limit_se")
    ci_low = _deprecated("RegressionTest", "ci_low", "limit_ci_low")
    ci_high = _deprecated("RegressionTest", "ci_high", "limit_ci_high")
    intercept_stat = _deprecated("RegressionTest", "intercept_stat", "limit_stat")
    intercept_pval = _deprecated("RegressionTest", "intercept_pval", "limit_pval")

    def _records(self) -> list[dict[str, Any]]:
        return [{"k": self.k, "predictor": self.predictor, "stat": self.stat, "df": self.df, "pval": self.pval,
                 "slope": self.slope, "slope_se": self.slope_se, "limit_estimate": self.limit_estimate,
                 "limit_se": self.limit_se, "limit_stat": self.limit_stat, "limit_pval": self.limit_pval,
                 "limit_ci_low": self.limit_ci_low, "limit_ci_high": self.limit_ci_high, "level": self.level,
                 "model": self.model}]

    def summary(self, digits: int = 4) -> str:
        """Text report (after metafor's ``print.regtest``) that says what each number is."""
        f = partial(_num, digits=digits)
        lv = f"{self.level:g}%"
        how = ("weighted regression with multiplicative dispersion (weights 1/vi)" if self.model == "lm"
               else "mixed-effects meta-regression (the model's tau^2 estimator and test)")
        stat = f"t = {f(self.stat)}, df = {self.df}" if not math.isnan(self.df) else f"z = {f(self.stat)}"
        return "\n".join([
            f"{self.title} (k = {self.k})",
            f"Model: {how}, predictor: {self.predictor} ({_PREDICTORS[self.predictor]})",
            "",
            f"Test for funnel plot asymmetry (slope on the {_PREDICTORS[self.predictor]}; 0 if small and large "
            f"studies agree): {stat}, p {_p(self.pval)}",
            f"Slope: {f(self.slope)} (se {f(self.slope_se)})",
            f"Limit estimate (intercept: expected effect of a study with {_PREDICTORS[self.predictor]} 0): "
            f"{f(self.limit_estimate)} (se {f(self.limit_se)}; {lv} CI: {f(self.limit_ci_low)} to "
            f"{f(self.limit_ci_high)}; t = {f(self.limit_stat)}, p {_p(self.limit_pval)})",
        ])

    def _heading(self) -> str:
        return f"{self.title} (k = {self.k}, predictor {self.predictor})"

    def _describe(self) -> list[tuple[str, str, str]]:
        lv = f"{self.level:g}%"
        return [
            ("t (slope)", _num(self.stat), f"test of asymmetry, df = {self.df}"),
            ("p", formatting.pvalue(self.pval), "two-sided p-value of the slope"),
            ("Slope", f"{_num(self.slope)} (se {_num(self.slope_se)})", f"change in effect per unit of {self.predictor}"),
            ("Limit estimate", f"{_num(self.limit_estimate)} "
             f"{formatting.interval(self.limit_ci_low, self.limit_ci_high, 4, plain=True, missing='NA')}",
             f"intercept with {lv} CI: effect in a study of infinite precision"),
        ]


def _predictor_values(func: str, fit: MetaAnalysis, predictor: str, ni: Any) -> np.ndarray:
    """The predictor of a regression test: sqrt(vi), vi, 1/ni or 1/sqrt(ni) (metafor ``regtest``)."""
    v = fit.vi
    if predictor == "sei":
        return np.sqrt(v)
    if predictor == "vi":
        return v
    if ni is None:
        raise ValueError(f"{func}: predictor={predictor!r} needs the total sample size of each study; pass ni=[...] "
                         f"({fit.k} values, in the order of the studies).")
    n = numeric_vector(func, "ni", ni, fit.labels)
    if n.size != fit.k:
        raise ValueError(f"{func}: argument 'ni' has {n.size} values but the model has k = {fit.k} studies.")
    if not (n > 0).all():
        i = int(np.flatnonzero(~(n > 0))[0])
        raise ValueError(f"{func}: argument 'ni', study {fit.labels[i]!r} (row {i + 1}): value {n[i]:g} is not "
                         "allowed; sample sizes must be greater than 0.")
    return 1.0 / n if predictor == "ninv" else 1.0 / np.sqrt(n)


def _wls_regression(func: str, fit: MetaAnalysis, predictor: str, level: float, title: str,
                    x: np.ndarray | None = None) -> RegressionTest:
    y, v = fit.yi, fit.vi
    k = fit.k
    if x is None:
        x = np.sqrt(v) if predictor == "sei" else v
    if np.ptp(x) == 0:
        what = f"sampling variances are equal ({v[0]:g})" if predictor in ("sei", "vi") else \
            f"values of the predictor ({_PREDICTORS[predictor]}) are equal ({x[0]:g})"
        raise ValueError(f"{func}: all {what}, so the regression on the {_PREDICTORS[predictor]} cannot be "
                         "fitted (metafor: the model matrix is not of full rank).")
    sw = np.sqrt(1.0 / v)
    Xw = np.column_stack([sw, sw * x])
    Q, R = np.linalg.qr(Xw)
    if abs(R[1, 1]) <= 1e-10 * abs(R[0, 0]):
        raise ValueError(f"{func}: the {_PREDICTORS[predictor]}s are (nearly) collinear with the intercept; "
                         "the regression cannot be fitted.")
    b = np.linalg.solve(R, Q.T @ (sw * y))
    resid = sw * y - Xw @ b
    df = k - 2
    phi = float(resid @ resid) / df
    Rinv = np.linalg.inv(R)
    cov = phi * (Rinv @ Rinv.T)
    se = np.sqrt(np.diag(cov))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = b / se
    pv = 2 * stats.t.sf(np.abs(t), df)
    crit = float(stats.t.isf((1 - level / 100) / 2, df))
    return RegressionTest(
        k=k, predictor=predictor, stat=float(t[1]), df=df, pval=float(pv[1]), slope=float(b[1]),
        slope_se=float(se[1]), limit_estimate=float(b[0]), limit_se=float(se[0]), limit_stat=float(t[0]),
        limit_pval=float(pv[0]), limit_ci_low=float(b[0] - crit * se[0]), limit_ci_high=float(b[0] + crit * se[0]),
        level=level, title=title)


def _rma_regression(func: str, fit: MetaAnalysis, predictor: str, x: np.ndarray, title: str) -> RegressionTest:
    """metafor's default ``regtest``: the mixed-effects meta-regression of the effects on the predictor."""
    from ..models.regression import meta_regression

    if np.ptp(x) == 0:
        raise ValueError(f"{func}: all values of the predictor ({_PREDICTORS[predictor]}) are equal ({x[0]:g}), so the "
                         "regression cannot be fitted (metafor: the model matrix is not of full rank).")
    test = "knha" if fit.test != "z" else "z"
    reg = meta_regression(fit.yi, fit.vi, pd.DataFrame({predictor: x}), method=fit.method, test=test,
                          level=fit.level, labels=fit.labels)
    c = reg.coefficients
    slope, icpt = c.loc[predictor], c.iloc[0]
    df = float(reg.df) if test == "knha" else math.nan
    return RegressionTest(
        k=fit.k, predictor=predictor, stat=float(slope["stat"]), df=df, pval=float(slope["pval"]),
        slope=float(slope["estimate"]), slope_se=float(slope["se"]), limit_estimate=float(icpt["estimate"]),
        limit_se=float(icpt["se"]), limit_stat=float(icpt["stat"]), limit_pval=float(icpt["pval"]),
        limit_ci_low=float(icpt["ci_low"]), limit_ci_high=float(icpt["ci_high"]), level=fit.level, title=title,
        model="rma")


def egger_test(fit: MetaAnalysis, model: str = "lm", predictor: str = "sei", ni: Any = None) -> RegressionTest:
    """Regression test for funnel plot asymmetry (Egger's test and its variants; metafor ``regtest``).

    Egger et al. (1997), "Bias in meta-analysis detected by a simple, graphical test",
    BMJ 315:629-634, regress the standardized effect on precision,
    ``y_i / se_i = a + b (1 / se_i) + e_i`` (ordinary least squares) and test ``a = 0``
    with a t test on ``k - 2`` df. Dividing by ``1/se_i`` shows that this is the same as the
    weighted regression ``y_i = b + a se_i + e_i`` with weights ``1/v_i`` (and a
    multiplicative error variance) -- the form metafor fits with ``model="lm"`` (the
    default here, classic Egger). So the returned ``stat, df, pval`` test the slope on
    ``se_i`` (Egger's intercept ``a``), and the intercept ``limit_estimate`` (Egger's slope ``b``)
    with its confidence interval is the "limit estimate": the effect expected in a study
    with standard error 0 (PET, see :func:`pet_peese`).

    ``model="rma"`` is metafor's default ``regtest``: the mixed-effects meta-regression
    ``y_i = b + a x_i + u_i + e_i`` with the tau^2 estimator and test of ``fit`` (a z test, or
    Knapp-Hartung t with k - 2 df; :func:`koppmeta.meta_regression`); ``fit.test="adhoc"``
    is run as ``"knha"`` (meta-regression has no ad hoc variant here).

    ``predictor``: ``"sei"`` (standard error, Egger), ``"vi"`` (variance, PEESE),
    ``"ninv"`` (1 / total sample size: Peters et al. 2006, JAMA 295:676-680, with
    ``model="lm"``) or ``"sqrtninv"`` (1 / sqrt of the total sample size); the last two need
    ``ni``. With fewer than 10 studies a :class:`koppmeta.FewStudiesWarning` is issued.

    Parameters
    ----------
    fit : MetaAnalysis
        Its effects ``yi``, variances ``vi``, ``level`` (and for ``model="rma"`` its method and test).
    model : {"lm", "rma"}
    predictor : {"sei", "vi", "ninv", "sqrtninv"}
    ni : array-like, optional
        Total sample size of each study, in the order of the studies (for ``"ninv"``, ``"sqrtninv"``).

    Returns
    -------
    RegressionTest
        ``stat`` (t or z), ``df`` (k - 2, NaN for a z test), ``pval``, ``slope``,
        ``estimate`` (limit estimate), ``se``, ``ci_low``, ``ci_high``.

    Raises
    ------
    ValueError
        Fewer than 3 studies, a predictor whose values are all equal, ``ni`` missing or invalid.
    """
    func = "egger_test"
    fit = check_fit(func, fit)
    check_choice(func, "model", model, _MODELS)
    check_choice(func, "predictor", predictor, tuple(_PREDICTORS))
    check_k(func, fit, 3, "a regression with two coefficients needs k - 2 >= 1 residual degrees of freedom")
    x = _predictor_values(func, fit, predictor, ni)
    warn_few_studies(func, fit.k)
    title = ("Egger's regression test for funnel plot asymmetry" if predictor == "sei" else
             "Peters' regression test for funnel plot asymmetry" if predictor == "ninv" else
             "Regression test for funnel plot asymmetry")
    if model == "rma":
        return _rma_regression(func, fit, predictor, x, title)
    return _wls_regression(func, fit, predictor, fit.level, title, x)


# ---------------------------------------------------------------------------
# Begg and Mazumdar's rank correlation test
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BeggTest(Result):
    """Result of :func:`begg_test`.

    Attributes
    ----------
    k : int
    tau : float
        Kendall's tau (tau-b) between the standardized effects and their variances.
    stat : float
        ``T``, the number of concordant pairs (exact test), or the z statistic (normal
        approximation, used when there are ties).
    pval : float
        Two-sided p-value.
    exact : bool
        True when the exact null distribution of Kendall's statistic was used.
    notes : tuple of str
    """

    k: int
    tau: float
    stat: float
    pval: float
    exact: bool
    notes: tuple[str, ...] = ()

    def _records(self) -> list[dict[str, Any]]:
        return [{"k": self.k, "tau": self.tau, "stat": self.stat, "pval": self.pval, "exact": self.exact}]

    def summary(self, digits: int = 4) -> str:
        how = (f"exact null distribution of Kendall's statistic; number of concordant pairs: {formatting.text(self.stat, 0)}"
               if self.exact else f"normal approximation (ties present); z = {_num(self.stat, digits)}")
        lines = [f"Begg and Mazumdar's rank correlation test for funnel plot asymmetry (k = {self.k})", "",
                 "Kendall's tau between the standardized effects and their variances "
                 "(0 if small and large studies agree):",
                 f"tau = {_num(self.tau, digits)}, p {_p(self.pval)} ({how})"]
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _heading(self) -> str:
        return f"Begg and Mazumdar's rank correlation test (k = {self.k})"

    def _describe(self) -> list[tuple[str, str, str]]:
        return [
            ("Kendall's tau", _num(self.tau), "rank correlation of standardized effects with variances"),
            ("p", formatting.pvalue(self.pval), "two-sided, " + ("exact" if self.exact else "normal approximation")),
        ]


def _kendall_tau_b(x: np.ndarray, y: np.ndarray) -> float:
    sx = np.sign(x[:, None] - x[None, :])
    sy = np.sign(y[:, None] - y[None, :])
    iu = np.triu_indices(len(x), 1)
    a, b = sx[iu], sy[iu]
    den = math.sqrt(float(np.sum(a * a)) * float(np.sum(b * b)))
    return float(np.sum(a * b)) / den if den > 0 else math.nan


def _kendall_lower_cdf(q: int, n: int) -> float:
    """P(T <= q) for T, the number of concordant pairs among n items under independence.

    T has the distribution of the number of inversions of a random permutation
    (Kendall 1938, Biometrika 30:81-93), computed by the recursion
    ``P_n(t) = (1/n) sum_{j=0}^{n-1} P_{n-1}(t - j)``. Only the lower tail is summed, where
    the recursion is numerically exact to rounding.
    """
    if q < 0:
        return 0.0
    dist = np.array([1.0])
    for m in range(2, n + 1):
        csum = np.concatenate([[0.0], np.cumsum(dist)])
        t = np.arange(len(dist) + m - 1)
        hi = np.minimum(t, len(dist) - 1) + 1
        lo = np.maximum(0, t - m + 1)
        dist = (csum[hi] - csum[lo]) / m
    return float(min(1.0, dist[: q + 1].sum()))


def begg_test(fit: MetaAnalysis) -> BeggTest:
    """Begg and Mazumdar's rank correlation test (metafor ``ranktest()``).

    Begg & Mazumdar (1994), "Operating characteristics of a rank correlation test for
    publication bias", Biometrics 50:1088-1101: with the fixed-effect estimate
    ``theta = sum(y_i/v_i) / sum(1/v_i)`` and ``v*_i = v_i - 1/sum(1/v_j)`` (the variance
    of ``y_i - theta``), the standardized effects ``y*_i = (y_i - theta) / sqrt(v*_i)`` are
    correlated with ``v_i`` by Kendall's tau.

    The p-value is computed as metafor does (``cor.test(..., method="kendall",
    exact=TRUE)``): from the exact null distribution of the number of concordant pairs
    ``T = round((tau + 1) k (k - 1) / 4)`` when there are no ties, two-sided
    ``min(1, 2 P(T <= t))`` or ``min(1, 2 P(T >= t))``; with ties (e.g. equal variances)
    the normal approximation of Kendall's S with the tie-corrected variance
    (Kendall 1970, Rank Correlation Methods) is used and a warning is issued, as R does.

    Parameters
    ----------
    fit : MetaAnalysis
        Only its ``yi`` and ``vi`` are used (the test does not depend on tau^2).

    With fewer than 10 studies a :class:`koppmeta.FewStudiesWarning` is issued (too little power).

    Returns
    -------
    BeggTest

    Raises
    ------
    ValueError
        Fewer than 3 studies, or all variances (or all effects) equal, so that the rank
        correlation is undefined.
    """
    func = "begg_test"
    fit = check_fit(func, fit)
    check_k(func, fit, 3, "a rank correlation needs several studies")
    warn_few_studies(func, fit.k)
    y, v = fit.yi, fit.vi
    n = fit.k
    w = 1.0 / v
    theta = float(np.sum(w * y) / np.sum(w))
    vstar = v - 1.0 / np.sum(w)
    ystar = (y - theta) / np.sqrt(vstar)
    tau = _kendall_tau_b(ystar, v)
    if math.isnan(tau):
        raise ValueError(f"{func}: Kendall's tau is undefined because all sampling variances or all standardized "
                         "effects are equal.")
    ties = min(len(np.unique(ystar)), len(np.unique(v))) < n
    notes: list[str] = []
    if not ties:
        N = n * (n - 1) / 2
        q = int(round((tau + 1) * n * (n - 1) / 4))
        if q > n * (n - 1) / 4:
            p = _kendall_lower_cdf(int(N) - q, n)  # = P(T >= q) by symmetry
        else:
            p = _kendall_lower_cdf(q, n)
        pval = min(2 * p, 1.0)
        stat = float(q)
        exact = True
    else:
        def tie_counts(a: np.ndarray) -> np.ndarray:
            _, c = np.unique(a, return_counts=True)
            return c[c > 1].astype(float)
        xt, yt = tie_counts(ystar), tie_counts(v)
        T0 = n * (n - 1) / 2
        T1 = float(np.sum(xt * (xt - 1))) / 2
        T2 = float(np.sum(yt * (yt - 1))) / 2
        S = tau * math.sqrt((T0 - T1) * (T0 - T2))
        v0 = n * (n - 1) * (2 * n + 5)
        vt = float(np.sum(xt * (xt - 1) * (2 * xt + 5)))
        vu = float(np.sum(yt * (yt - 1) * (2 * yt + 5)))
        v1 = float(np.sum(xt * (xt - 1))) * float(np.sum(yt * (yt - 1)))
        v2 = float(np.sum(xt * (xt - 1) * (xt - 2))) * float(np.sum(yt * (yt - 1) * (yt - 2)))
        var_s = (v0 - vt - vu) / 18 + v1 / (2 * n * (n - 1)) + v2 / (9 * n * (n - 1) * (n - 2))
        stat = S / math.sqrt(var_s)
        pval = float(2 * min(stats.norm.cdf(stat), stats.norm.sf(stat)))
        exact = False
        msg = ("tied values (e.g. equal sampling variances): the exact p-value cannot be computed, "
               "so the normal approximation is used (as R's cor.test)")
        notes.append(msg)
        warnings.warn(f"{func}: {msg}.", UserWarning, stacklevel=2)
    return BeggTest(k=n, tau=tau, stat=stat, pval=pval, exact=exact, notes=tuple(notes))


# ---------------------------------------------------------------------------
# Trim and fill
# ---------------------------------------------------------------------------

KINDS = ("L0", "R0")
SIDES = ("left", "right")


@dataclass(frozen=True)
class TrimAndFill(PooledResult):
    """Result of :func:`trim_and_fill`.

    Attributes
    ----------
    k0 : int
        Estimated number of studies missing on ``side``.
    se_k0 : float
        Standard error of ``k0`` (NaN, with a note, when the L0 variance formula turns
        negative, as metafor reports it).
    p_k0 : float or None
        For the R0 estimator, the p-value of the test of ``k0 = 0`` (``0.5^(k0+1)``,
        Duval & Tweedie 2000b); None for L0.
    side : {"left", "right"}
        Side of the funnel plot on which studies are imputed.
    kind : {"L0", "R0"}
        The estimator of k0 (called ``estimator`` before; that name still works for one release).
    k : int
        Number of studies in the filled analysis (observed + ``k0``).
    estimate, se, stat, pval, ci_low, ci_high, tau2, i2 : float
        The pooled result after filling.
    original_estimate : float
        The pooled estimate of the observed studies, for comparison.
    filled : pandas.DataFrame
        The imputed studies: ``label`` ("Filled 1", ...), ``yi``, ``vi`` (empty when k0 = 0).
    fit : MetaAnalysis
        The model fitted to observed plus imputed studies (the input model when k0 = 0).
    iterations : int
        Iterations of the trimming algorithm.
    """

    k0: int
    se_k0: float
    p_k0: float | None
    side: str
    kind: str
    k: int
    tau2: float
    i2: float
    original_estimate: float
    filled: pd.DataFrame = field(repr=False, compare=False)
    fit: MetaAnalysis = field(repr=False, compare=False)
    iterations: int = 0
    notes: tuple[str, ...] = ()

    estimator = _deprecated("TrimAndFill", "estimator", "kind")

    @property
    def measure(self) -> str | None:
        return self.fit.measure

    @property
    def level(self) -> float:
        return self.fit.level

    def _records(self) -> list[dict[str, Any]]:
        """One row: k0 and the filled model's results (unrounded)."""
        row: dict[str, Any] = {
            "k0": self.k0, "se_k0": self.se_k0, "p_k0": self.p_k0 if self.p_k0 is not None else math.nan,
            "side": self.side, "kind": self.kind, "k": self.k, "estimate": self.estimate, "se": self.se,
            "stat": self.stat, "pval": self.pval, "ci_low": self.ci_low, "ci_high": self.ci_high,
            "tau2": self.tau2, "i2": self.i2, "original_estimate": self.original_estimate}
        return [row]

    def summary(self, digits: int = 4) -> str:
        """Text report: how many studies were imputed, where, and the pooled result after filling."""
        f = partial(_num, digits=digits)
        se = f(self.se_k0)
        lines = [f"Trim-and-fill analysis (estimator {self.kind}, {self.fit.method} model)", "",
                 f"Estimated number of missing studies on the {self.side} side: {self.k0} (SE = {se})"]
        if self.p_k0 is not None:
            lines.append(f"Test of H0: no missing studies (R0): p = {formatting.text(self.p_k0, 4)}")
        lines.append(f"Pooled estimate of the {self.k - self.k0} observed studies: {f(self.original_estimate)}")
        lv = f"{self.fit.level:g}%"
        if self.k0 > 0:
            lines.append(f"Pooled estimate with the {self.k0} imputed (mirror-image) "
                         f"stud{'y' if self.k0 == 1 else 'ies'} added (k = {self.k}): "
                         f"{f(self.estimate)} (se {f(self.se)}; {lv} CI: {f(self.ci_low)} to {f(self.ci_high)}; "
                         f"p {_p(self.pval)})")
            if self.fit.method != "FE":
                lines.append(f"tau^2 after filling: {f(self.tau2)}; I^2: {formatting.percent(self.i2, 2)}")
            if self.is_ratio:
                def e(x):
                    return f(self.back_transform(x))

                lines.append(f"Back-transformed ({self.fit.measure}): {e(self.estimate)} "
                             f"({lv} CI: {e(self.ci_low)} to {e(self.ci_high)})")
        else:
            lines.append("No studies were imputed; the result is that of the original model.")
        lines.append("The imputed studies are a sensitivity analysis under the assumption that asymmetry "
                     "is due to suppressed studies, not an estimate of the true effect.")
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _heading(self) -> str:
        return f"Trim and fill ({self.kind})"

    def _describe(self) -> list[tuple[str, str, str]]:
        lv = f"{self.fit.level:g}%"
        rows = [("Missing studies (k0)", f"{self.k0} ({self.side} side)", f"SE {_num(self.se_k0)}; estimator {self.kind}"),
                ("Original estimate", _num(self.original_estimate), f"{self.k - self.k0} observed studies"),
                ("Filled estimate", f"{_num(self.estimate)} {formatting.interval(self.ci_low, self.ci_high, 4, plain=True)}",
                 f"with imputed studies, {lv} CI (k = {self.k})"),
                ("p", formatting.pvalue(self.pval), "test of H0: effect = 0 after filling")]
        if self.fit.method != "FE":
            rows.append(("tau²", _num(self.tau2), "between-study variance after filling"))
        return rows


def _pooled_estimate(y: np.ndarray, v: np.ndarray, X: np.ndarray, method: str) -> np.ndarray:
    t2 = het.estimate_tau2(y, v, X, method).tau2
    return het.wls(y, v, X, t2)[0]


def trim_and_fill(fit: MetaAnalysis, side: str | None = None, kind: str = "L0", *,
                  maxiter: int = 100, estimator: str | None = None) -> TrimAndFill:
    """Duval and Tweedie's trim-and-fill method (metafor ``trimfill()``).

    Algorithm (Duval & Tweedie 2000a, Biometrics 56:455-463; 2000b, JASA 95:89-98):
    orient the effects so that missing studies would lie on the left, sort them, and
    iterate: pool the ``k - k0`` smallest effects with the model's estimator, centre all
    k effects on that estimate (a difference within rounding error of 0 counts as 0),
    rank their absolute values (ties by order), and
    re-estimate ``k0`` from the signed ranks until it no longer changes:

    - L0: ``k0 = (4 S_r - k(k+1)) / (2k - 1)``, ``S_r`` the sum of the positive ranks;
      ``se(k0) = 4 sqrt(Var(S_r)) / (2k - 1)`` with
      ``Var(S_r) = (k(k+1)(2k+1) + 10 k0^3 + 27 k0^2 + 17 k0 - 18 k k0^2 - 18 k k0 + 6 k^2 k0) / 24``;
    - R0: ``k0 = gamma - 1``, ``gamma`` the length of the rightmost run of positive
      centred effects; ``se(k0) = sqrt(2 max(0, k0) + 2)``;

    then ``k0`` is rounded (half to even, like R) and truncated at 0. The ``k0`` most
    extreme studies are mirrored about the final trimmed estimate (``2 mu - y_i``, same
    ``v_i``) and the model is refitted to all ``k + k0`` studies.

    Parameters
    ----------
    fit : MetaAnalysis
        Its estimator (``fit.method``) is used throughout, as metafor does.
    side : {"left", "right"}, optional
        Side on which studies are missing. By default chosen as metafor does: from the
        sign of the slope in the meta-regression of ``yi`` on ``sqrt(vi)`` (same
        estimator): a negative slope puts the missing studies on the right, otherwise
        on the left.
    kind : {"L0", "R0"}
    maxiter : int
        Maximum number of iterations (metafor's default, 100).

    With fewer than 10 studies a :class:`koppmeta.FewStudiesWarning` is issued (too little power).

    Returns
    -------
    TrimAndFill

    Raises
    ------
    ValueError
        Unknown ``side`` or ``kind``; fewer than 2 studies (3 when ``side`` is
        chosen automatically); R0 when no centred effect is negative.
    koppmeta.exceptions.ConvergenceError
        If ``k0`` has not settled after ``maxiter`` iterations.

    Notes
    -----
    The filled model uses the test and level of ``fit``. metafor's ``trimfill()`` instead
    refits the filled data with its ``rma()`` defaults (``test="z"``, ``level=95``)
    unless they are passed to it; so for a Knapp-Hartung model the numbers here equal
    ``trimfill(fit, test="knha")``. When ``k0 = 0`` both return the original model.
    """
    func = "trim_and_fill"
    fit = check_fit(func, fit)
    kind = deprecated_alias(func, "estimator", "kind", estimator, kind, "L0")
    check_choice(func, "kind", kind, KINDS)
    if side is not None:
        check_choice(func, "side", side, SIDES)
    if isinstance(maxiter, bool) or not isinstance(maxiter, (int, np.integer)) or maxiter < 1:
        raise ValueError(f"{func}: argument 'maxiter' must be a positive integer; got {maxiter!r}.")
    check_k(func, fit, 2, "metafor stops with k = 1")
    warn_few_studies(func, fit.k)
    y, v = fit.yi, fit.vi
    k = fit.k
    method = fit.method
    notes: list[str] = []
    if side is None:
        check_k(func, fit, 3, "choosing the side needs a regression of yi on sqrt(vi); or pass side='left'/'right'")
        b = _pooled_estimate(y, v, np.column_stack([np.ones(k), np.sqrt(v)]), method)
        side = "right" if b[1] < 0 else "left"
    sgn = -1.0 if side == "right" else 1.0
    yo = sgn * y
    ix = np.argsort(yo, kind="stable")
    ys, vs = yo[ix], v[ix]
    k0, k0_prev, it = 0, -1, 0
    se_k0 = math.nan
    beta = math.nan
    while k0 != k0_prev:
        k0_prev = k0
        it += 1
        if it > maxiter:
            raise het.ConvergenceError(f"{func}: the trim-and-fill algorithm did not converge in {maxiter} iterations.")
        m = k - k0
        if m < 1:
            raise het.ConvergenceError(f"{func}: the trim-and-fill algorithm trimmed all {k} studies.")
        beta = float(_pooled_estimate(ys[:m], vs[:m], np.ones((m, 1)), method)[0])
        c = ys - beta
        # a study equal to the trimmed estimate up to rounding is centred at exactly 0 (sign 0)
        c[np.abs(c) <= 64 * np.finfo(float).eps * np.maximum(np.abs(ys), abs(beta))] = 0.0
        ranks = np.empty(k)
        ranks[np.argsort(np.abs(c), kind="stable")] = np.arange(1, k + 1)
        signed = np.sign(c) * ranks
        if kind == "R0":
            neg = -signed[signed < 0]
            if neg.size == 0:
                raise ValueError(f"{func}: with estimator 'R0' no centred effect is negative, so the run length is "
                                 "undefined (all effects equal the trimmed estimate); use estimator 'L0'.")
            k0_raw = (k - float(neg.max())) - 1
            se_raw = math.sqrt(2 * max(0.0, k0_raw) + 2)
        else:
            sr = float(np.sum(signed[signed > 0]))
            k0_raw = (4 * sr - k * (k + 1)) / (2 * k - 1)
            var_sr = (k * (k + 1) * (2 * k + 1) + 10 * k0_raw**3 + 27 * k0_raw**2 + 17 * k0_raw
                      - 18 * k * k0_raw**2 - 18 * k * k0_raw + 6 * k**2 * k0_raw) / 24
            se_raw = 4 * math.sqrt(var_sr) / (2 * k - 1) if var_sr >= 0 else math.nan
        k0 = max(0, int(round(k0_raw)))
        se_k0 = max(0.0, se_raw) if not math.isnan(se_raw) else math.nan
    if math.isnan(se_k0):
        notes.append("the variance formula of the L0 estimator is negative here, so se(k0) is undefined (NaN), "
                     "as in metafor")
    p_k0 = 0.5 ** (k0 + 1) if kind == "R0" else None
    if k0 > 0:
        fill_oriented = 2 * beta - ys[k - k0:]
        fill_y = sgn * fill_oriented
        fill_v = vs[k - k0:]
        fill_labels = [f"Filled {j + 1}" for j in range(k0)]
        filled = pd.DataFrame({"label": fill_labels, "yi": fill_y, "vi": fill_v})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", KnappHartungWarning)
            ffit = meta_analysis(np.concatenate([y, fill_y]), np.concatenate([v, fill_v]), method=method,
                                 test=fit.test, level=fit.level, labels=fit.labels + fill_labels, measure=fit.measure)
    else:
        filled = pd.DataFrame({"label": pd.Series([], dtype=object), "yi": pd.Series([], dtype=float),
                               "vi": pd.Series([], dtype=float)})
        ffit = fit
    return TrimAndFill(
        k0=k0, se_k0=se_k0, p_k0=p_k0, side=side, kind=kind, k=ffit.k, estimate=ffit.estimate,
        se=ffit.se, stat=ffit.stat, pval=ffit.pval, ci_low=ffit.ci_low, ci_high=ffit.ci_high, tau2=ffit.tau2,
        i2=ffit.i2, original_estimate=fit.estimate, filled=filled, fit=ffit, iterations=it, notes=tuple(notes))


# ---------------------------------------------------------------------------
# PET-PEESE
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PetPeese(PooledResult):
    """Result of :func:`pet_peese`.

    Attributes
    ----------
    pet, peese : RegressionTest
        The two meta-regressions (on the standard error, and on the variance).
    chosen : {"PET", "PEESE"}
        The model whose intercept is reported.
    pet_pval_one_sided : float
        One-sided p-value of PET's intercept in the direction of its estimate
        (half the two-sided p-value).
    alpha : float
        Significance level of the decision.
    estimate, se, stat, pval, ci_low, ci_high : float
        Intercept of the chosen model (the bias-corrected effect), its standard error,
        t statistic, two-sided p-value and confidence interval.
    k : int
    level : float
    """

    pet: RegressionTest
    peese: RegressionTest
    chosen: str
    pet_pval_one_sided: float
    alpha: float
    k: int
    level: float

    def _records(self) -> list[dict[str, Any]]:
        """Two rows (PET, PEESE) with the intercept and slope of each, and which one was chosen."""
        return [{"model": name, "predictor": r.predictor, "estimate": r.limit_estimate, "se": r.limit_se,
                 "stat": r.limit_stat, "pval": r.limit_pval, "ci_low": r.limit_ci_low, "ci_high": r.limit_ci_high,
                 "slope": r.slope, "slope_se": r.slope_se, "slope_pval": r.pval, "df": r.df,
                 "chosen": name == self.chosen} for name, r in (("PET", self.pet), ("PEESE", self.peese))]

    def summary(self, digits: int = 4) -> str:
        f = partial(_num, digits=digits)
        lv = f"{self.level:g}%"

        def line(r: RegressionTest) -> str:
            return (f"intercept {f(r.limit_estimate)} (se {f(r.limit_se)}; {lv} CI {f(r.limit_ci_low)} to "
                    f"{f(r.limit_ci_high)}; two-sided p {_p(r.limit_pval)})")

        return "\n".join([
            f"PET-PEESE (k = {self.k}; weighted regressions with weights 1/vi, t tests with df = {self.pet.df})", "",
            f"PET   (effect ~ standard error): {line(self.pet)}",
            f"PEESE (effect ~ variance):       {line(self.peese)}",
            "",
            f"Rule (Stanley & Doucouliagos 2014): PEESE if PET's intercept differs from 0 in a one-sided test at "
            f"alpha = {self.alpha:g} (here one-sided p {_p(self.pet_pval_one_sided)}), otherwise PET.",
            f"Chosen: {self.chosen}. Bias-corrected estimate: {f(self.estimate)} "
            f"({lv} CI: {f(self.ci_low)} to {f(self.ci_high)})"])

    def _heading(self) -> str:
        return f"PET-PEESE (k = {self.k}): {self.chosen} chosen"

    def _describe(self) -> list[tuple[str, str, str]]:
        lv = f"{self.level:g}%"

        def est(e, lo, hi):
            return f"{_num(e)} {formatting.interval(lo, hi, 4, plain=True)}"

        pet, peese = self.pet, self.peese
        return [
            ("PET intercept", est(pet.limit_estimate, pet.limit_ci_low, pet.limit_ci_high),
             f"one-sided p {formatting.pvalue(self.pet_pval_one_sided)}"),
            ("PEESE intercept", est(peese.limit_estimate, peese.limit_ci_low, peese.limit_ci_high), f"{lv} CI"),
            ("Estimate", est(self.estimate, self.ci_low, self.ci_high),
             f"from {self.chosen}: PEESE if PET's one-sided p < {self.alpha:g}"),
        ]


def pet_peese(fit: MetaAnalysis, *, alpha: float = 0.05) -> PetPeese:
    """PET-PEESE: precision-effect test and estimate with the standard error (Stanley & Doucouliagos 2014).

    - PET: ``y_i = b0 + b1 se_i + e_i``, weights ``1/v_i`` (metafor
      ``regtest(fit, model="lm", predictor="sei")``, Stanley 2008, Oxford Bull Econ Stat
      70:103-127);
    - PEESE: ``y_i = b0 + b1 v_i + e_i``, weights ``1/v_i`` (``predictor="vi"``).

    Both are weighted least-squares regressions with a multiplicative error variance,
    t tests on ``k - 2`` df. The conditional estimator of Stanley & Doucouliagos (2014),
    "Meta-regression approximations to reduce publication selection bias", Res Synth
    Methods 5:60-78: if PET's intercept is significantly different from zero in a
    one-sided test at ``alpha`` -- here taken in the direction of PET's own estimate,
    i.e. two-sided p < 2 alpha -- there is a genuine effect and PEESE's intercept is
    reported (less biased when the effect is not 0); otherwise PET's intercept.

    Parameters
    ----------
    fit : MetaAnalysis
        Its ``yi``, ``vi`` and ``level`` are used (not tau^2).
    alpha : float
        One-sided significance level of PET's intercept test (default 0.05).

    Returns
    -------
    PetPeese

    Raises
    ------
    ValueError
        Fewer than 3 studies, all variances equal, or ``alpha`` outside (0, 0.5).
    """
    func = "pet_peese"
    fit = check_fit(func, fit)
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.integer, np.floating)) or not 0 < alpha < 0.5:
        raise ValueError(f"{func}: argument 'alpha' must be a number between 0 and 0.5 (one-sided level, e.g. 0.05); "
                         f"got {alpha!r}.")
    check_k(func, fit, 3, "a regression with two coefficients needs k - 2 >= 1 residual degrees of freedom")
    pet = _wls_regression(func, fit, "sei", fit.level, "PET: precision-effect test (regression on the standard error)")
    peese = _wls_regression(func, fit, "vi", fit.level, "PEESE: precision-effect estimate with standard error "
                                                        "(regression on the variance)")
    p1 = pet.limit_pval / 2
    chosen = "PEESE" if p1 < alpha else "PET"
    r = peese if chosen == "PEESE" else pet
    return PetPeese(pet=pet, peese=peese, chosen=chosen, pet_pval_one_sided=p1, alpha=float(alpha),
                    estimate=r.limit_estimate, se=r.limit_se, stat=r.limit_stat, pval=r.limit_pval,
                    ci_low=r.limit_ci_low, ci_high=r.limit_ci_high, k=fit.k, level=fit.level)


# ---------------------------------------------------------------------------
# Fail-safe N
# ---------------------------------------------------------------------------

FSN_KINDS = ("Rosenthal", "Orwin", "Rosenberg")


@dataclass(frozen=True)
class FailSafeN(Result):
    """Result of :func:`fail_safe_n`.

    Attributes
    ----------
    kind : {"Rosenthal", "Orwin", "Rosenberg"}
        The approach (called ``method`` before; that name still works for one release).
    fsn : int
        Number of unpublished null studies that would have to be added.
    alpha : float
        Significance level (Rosenthal: one-sided; Rosenberg: two-sided).
    pval : float or None
        p-value of the observed studies' combined test (Rosenthal: Stouffer, one-sided;
        Rosenberg: fixed-effect z test, two-sided); None for Orwin.
    mean_effect : float or None
        Average effect (Orwin: unweighted or weighted mean; Rosenberg: fixed-effect
        estimate); None for Rosenthal.
    target : float or None
        Orwin's target average effect; None otherwise.
    k : int
    """

    kind: str
    fsn: int
    alpha: float
    pval: float | None
    mean_effect: float | None
    target: float | None
    k: int
    weighted: bool = False

    method = _deprecated("FailSafeN", "method", "kind")

    def _records(self) -> list[dict[str, Any]]:
        return [{"kind": self.kind, "fsn": self.fsn, "alpha": self.alpha,
                 "pval": math.nan if self.pval is None else self.pval,
                 "mean_effect": math.nan if self.mean_effect is None else self.mean_effect,
                 "target": math.nan if self.target is None else self.target, "k": self.k}]

    def _meaning(self) -> str:
        if self.kind == "Rosenthal":
            return (f"studies with a null result that, added to the {self.k} observed ones, would make the combined "
                    f"(Stouffer) one-sided p-value reach {self.alpha:g}")
        if self.kind == "Rosenberg":
            return (f"studies with zero effect (and average weight) that would make the fixed-effect z test "
                    f"non-significant at two-sided {self.alpha:g}")
        return (f"studies with zero effect that would bring the {'weighted ' if self.weighted else ''}average effect "
                f"down to the target {formatting.text(self.target, 4)}")

    def summary(self, digits: int = 4) -> str:
        lines = [f"Fail-safe N ({self.kind} approach, k = {self.k})", "",
                 f"Fail-safe N: {self.fsn} ({self._meaning()})"]
        if self.mean_effect is not None:
            lines.append(f"Average effect of the observed studies: {_num(self.mean_effect, digits)}")
        if self.pval is not None:
            lines.append(f"p-value of the observed studies: {formatting.pvalue(self.pval)}")
        lines.append("The fail-safe N ignores heterogeneity and bias in the observed studies; prefer the other "
                     "methods in this module for conclusions.")
        return "\n".join(lines)

    def _heading(self) -> str:
        return f"Fail-safe N ({self.kind}, k = {self.k})"

    def _describe(self) -> list[tuple[str, str, str]]:
        rows = [("Fail-safe N", str(self.fsn), self._meaning())]
        if self.mean_effect is not None:
            rows.append(("Average effect", _num(self.mean_effect), "of the observed studies"))
        if self.pval is not None:
            rows.append(("p", formatting.pvalue(self.pval), "of the observed studies"))
        return rows


def fail_safe_n(fit: MetaAnalysis, kind: str = "Rosenthal", target: float | None = None, *,
                alpha: float = 0.05, weighted: bool = False, method: str | None = None) -> FailSafeN:
    """Fail-safe N (metafor ``fsn()``): how many null studies would overturn the result.

    With ``z_i = y_i / sqrt(v_i)``, ``w_i = 1/v_i`` and k studies:

    - Rosenthal (1979), Psychol Bull 86:638-641 (Stouffer's method):
      ``z = |sum z_i| / sqrt(k)``, ``N = max(0, k (z / z_{1-alpha})^2 - k)``; ``pval`` is the
      one-sided p-value of ``z``.
    - Orwin (1983), J Educ Stat 8:157-159: ``N = max(0, k (ybar - target) / target)`` with
      ``ybar`` the unweighted mean effect (weighted by ``1/v_i`` if ``weighted=True``) and
      ``target`` by default ``ybar / 2`` (its sign is set to that of ``ybar``).
    - Rosenberg (2005), Evolution 59:464-468: ``N = max(0, k ((sum w_i y_i / z_{1-alpha/2})^2 - sum w_i) / sum w_i)``,
      the number of studies of zero effect and average weight that make the fixed-effect
      z test non-significant.

    ``N`` is rounded up to the next integer (to the nearest one when it is within
    1.5e-8 of it), as metafor.

    Parameters
    ----------
    fit : MetaAnalysis
        Its ``yi`` and ``vi`` are used (the tau^2 estimator does not matter).
    kind : {"Rosenthal", "Orwin", "Rosenberg"}
    target : float, optional
        Orwin only: the average effect considered negligible; must not be 0.
    alpha : float
        Significance level (one-sided for Rosenthal, two-sided for Rosenberg).
    weighted : bool
        Orwin only: use the inverse-variance weighted mean.

    Returns
    -------
    FailSafeN

    Raises
    ------
    ValueError
        Unknown kind (valid ones listed), ``target`` given for a kind other than
        Orwin or equal to 0, ``alpha`` outside (0, 1).
    """
    func = "fail_safe_n"
    fit = check_fit(func, fit)
    kind = deprecated_alias(func, "method", "kind", method, kind, "Rosenthal")
    check_choice(func, "kind", kind, FSN_KINDS)
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.integer, np.floating)) or not 0 < alpha < 1:
        raise ValueError(f"{func}: argument 'alpha' must be a number between 0 and 1 (e.g. 0.05); got {alpha!r}.")
    if not isinstance(weighted, (bool, np.bool_)):
        raise TypeError(f"{func}: argument 'weighted' must be True or False; got {weighted!r}.")
    if target is not None and kind != "Orwin":
        raise ValueError(f"{func}: argument 'target' is used only by kind='Orwin'; got kind={kind!r}.")
    if weighted and kind != "Orwin":
        raise ValueError(f"{func}: argument 'weighted' is used only by kind='Orwin'; got kind={kind!r}.")
    y, v = fit.yi, fit.vi
    k = fit.k
    pval = mean_effect = tgt = None
    if kind == "Rosenthal":
        z = abs(float(np.sum(y / np.sqrt(v)))) / math.sqrt(k)
        pval = float(stats.norm.sf(z))
        n = max(0.0, k * (z / stats.norm.isf(alpha)) ** 2 - k)
    elif kind == "Orwin":
        mean_effect = float(np.sum(y / v) / np.sum(1 / v)) if weighted else float(np.mean(y))
        if target is None:
            tgt = mean_effect / 2
        else:
            if isinstance(target, bool) or not isinstance(target, (int, float, np.integer, np.floating)) \
                    or not math.isfinite(target):
                raise TypeError(f"{func}: argument 'target' must be a finite number; got {target!r}.")
            tgt = float(target)
        if tgt == 0:
            raise ValueError(f"{func}: Orwin's target effect is 0 (the average effect is 0 or target=0 was given), "
                             "so the fail-safe N is infinite; give a non-zero target.")
        if math.copysign(1, tgt) != math.copysign(1, mean_effect):
            tgt = -tgt
        n = max(0.0, k * (mean_effect - tgt) / tgt)
    else:  # Rosenberg
        w = 1 / v
        mean_effect = float(np.sum(w * y) / np.sum(w))
        zval = mean_effect / math.sqrt(1 / float(np.sum(w)))
        wp = (float(np.sum(w * y)) / stats.norm.isf(alpha / 2)) ** 2 - float(np.sum(w))
        pval = float(2 * stats.norm.sf(abs(zval)))
        n = max(0.0, k * wp / float(np.sum(w)))
    fsn = int(math.ceil(n)) if abs(n - round(n)) >= math.sqrt(np.finfo(float).eps) else int(round(n))
    return FailSafeN(kind=kind, fsn=fsn, alpha=float(alpha), pval=pval, mean_effect=mean_effect, target=tgt,
                     k=k, weighted=bool(weighted))
