"""Three-level meta-analysis and cluster-robust (CR2) inference.

Three-level model
-----------------
Effects ``i`` nested in clusters ``j`` (samples, studies, trials, districts):

    y_ij = mu + u_j + w_ij + e_ij,   u_j ~ N(0, sigma2_1),  w_ij ~ N(0, sigma2_2),  e_ij ~ N(0, v_ij)

with ``sigma2_1`` the variance between clusters (level 3), ``sigma2_2`` the variance of
effects within a cluster (level 2) and ``v_ij`` the known sampling variances (level 1)
(Konstantopoulos 2011, Res Synth Methods 2:61-76). The marginal covariance is
block diagonal, ``V_j = diag(v_j + sigma2_2) + sigma2_1 * 1 1'``, the same model as
metafor's ``rma.mv(yi, vi, random = ~ 1 | cluster/effect)``.

Estimation: ``mu`` by generalized least squares; the variance components by maximising
the (restricted) log-likelihood over ``sigma2_1, sigma2_2 >= 0``. Each block is inverted
in closed form (Sherman-Morrison), so one evaluation of the likelihood, its gradient and
its Hessian costs O(k). The maximiser is a projected Newton method with the exact
(observed) Hessian, falling back to Fisher scoring where the Hessian is not negative
definite, with step halving; it is started from three points and its answer is compared
with the maxima on the boundary (each component fixed at 0, and both), so that a
boundary optimum is found exactly (metafor optimises over log(sigma2) and reports such
optima as tiny positive numbers). Derivatives (Harville 1977, J Am Stat Assoc
72:320-338; ``Q = V^-1`` for ML and ``Q = P`` for REML, ``P = V^-1 - V^-1 X
(X'V^-1 X)^-1 X'V^-1``, ``V_1 = Z Z'`` (cluster membership), ``V_2 = I``)::

    d l / d s_a        = -1/2 tr(Q V_a) + 1/2 y'P V_a P y
    d2 l / d s_a d s_b =  1/2 tr(Q V_a Q V_b) - y'P V_a P V_b P y     (profile/REML)

Cluster-robust inference
------------------------
:func:`robust` computes the cluster-robust (sandwich) variance of the pooled estimate
with the bias-reduced linearization adjustment CR2 (Bell & McCaffrey 2002, Surv Methodol
28:169-181; Pustejovsky & Tipton 2018, J Bus Econ Stat 36:672-683; Tipton 2015, Psychol
Methods 20:375-393) and a t test with Satterthwaite degrees of freedom, exactly as R
clubSandwich's ``coef_test(fit, vcov = "CR2", cluster = ..., test = "Satterthwaite")``
with the fitted model as working model (its inverse-variance weights).
"""

from __future__ import annotations

import math
from functools import partial
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from .._dist import chi2_sf, norm_isf, norm_sf, t_isf, t_sf

from .._validation import (
    check_choice,
    check_level,
    effect_inputs,
    resolve_column,
    study_name,
)
from .heterogeneity import ConvergenceError, ConvergenceWarning
from .. import formatting
from .univariate import MetaAnalysis
from ..results import PooledResult, Result, StudyColumns, deprecated_alias

__all__ = ["ThreeLevelResult", "RobustResult", "three_level", "robust", "METHODS", "TESTS", "ADJUSTMENTS"]

METHODS = ("REML", "ML")
TESTS = ("z", "t", "knha")
ADJUSTMENTS = ("CR0", "CR1", "CR1p", "CR2")

METHOD_NAMES = {"REML": "restricted maximum likelihood", "ML": "maximum likelihood"}
ADJUST_NAMES = {
    "CR0": "CR0, no small-sample adjustment",
    "CR1": "CR1, residuals scaled by sqrt(m / (m - 1))",
    "CR1p": "CR1p, residuals scaled by sqrt(m / (m - p))",
    "CR2": "CR2, bias-reduced linearization",
}

#: Newton iterations stop when no variance component moves by more than this
#: (relative to max(1, sigma2)).
XTOL = 1e-13
MAXITER = 500
#: Eigenvalues below this are treated as 0 in the CR2 inverse square root (as clubSandwich).
EIGEN_TOL = 1e-12


# ---------------------------------------------------------------------------
# Likelihood of the nested model (intercept only), in closed form per cluster
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Eval:
    ll: float
    grad: np.ndarray
    hess: np.ndarray  # observed Hessian of the (profile or restricted) log-likelihood
    info: np.ndarray  # expected information
    estimate: float
    var: float  # (1' V^-1 1)^-1
    rss: float  # r' V^-1 r
    wdiag: np.ndarray  # diag(V^-1)


class _Nested:
    """Effects ``y`` (variances ``v``) in clusters ``codes`` (0..J-1); evaluates the likelihood."""

    def __init__(self, y: np.ndarray, v: np.ndarray, codes: np.ndarray, n_clusters: int, reml: bool):
        self.y, self.v, self.codes, self.J, self.reml = y, v, codes, n_clusters, reml
        self.k = len(y)

    def _sum(self, x: np.ndarray) -> np.ndarray:
        return np.bincount(self.codes, weights=x, minlength=self.J)

    def ll(self, s: np.ndarray) -> float:
        return self.evaluate(s, derivatives=False).ll

    def evaluate(self, s: np.ndarray, derivatives: bool = True) -> _Eval:
        s1, s2 = float(s[0]), float(s[1])
        y, cd, k = self.y, self.codes, self.k
        d = self.v + s2
        a = 1.0 / d
        A, B = self._sum(a), self._sum(a * a)
        c = 1.0 + s1 * A  # V_j^-1 = diag(a) - g_j a a',  g_j = s1 / c_j
        g = s1 / c
        sum_m = float(np.sum(A / c))  # 1'V^-1 1
        est = float(np.sum(self._sum(a * y) / c)) / sum_m
        r = y - est
        ar = self._sum(a * r)
        u = a * r - g[cd] * a * ar[cd]  # V^-1 r (= P y)
        rss = float(np.sum(a * r * r) - np.sum(g * ar * ar))
        logdet = float(np.sum(np.log(d)) + np.sum(np.log(c)))
        if self.reml:
            ll = -0.5 * ((k - 1) * math.log(2 * math.pi) - math.log(k) + logdet + math.log(sum_m) + rss)
        else:
            ll = -0.5 * (k * math.log(2 * math.pi) + logdet + rss)
        wdiag = a - g[cd] * a * a
        if not derivatives:
            return _Eval(ll, np.empty(0), np.empty(0), np.empty(0), est, 1.0 / sum_m, rss, wdiag)
        C = self._sum(a**3)
        S = 1.0 / sum_m
        # traces tr(V^-1 V_a) and tr(V^-1 V_a V^-1 V_b), V_1 = ZZ', V_2 = I
        tr = np.array([sum_m, float(np.sum(a) - np.sum(g * B))])
        tt = np.empty((2, 2))
        tt[0, 0] = np.sum((A / c) ** 2)
        tt[0, 1] = tt[1, 0] = np.sum(B / c**2)
        tt[1, 1] = np.sum(B - 2 * g * C + g * g * B * B)
        if self.reml:  # P = V^-1 - S m m', m = V^-1 1 (= a / c_j within cluster j)
            mVm = np.array([tt[0, 0], tt[0, 1]])  # m'V_1 m, m'V_2 m
            tr = tr - S * mVm
            mm = np.empty((2, 2))  # (V_a m)' V^-1 (V_b m)
            mm[0, 0] = np.sum(A**3 / c**3)
            mm[0, 1] = mm[1, 0] = np.sum(A * B / c**3)
            mm[1, 1] = np.sum((C - g * B * B) / c**2)
            tt = tt - 2 * S * mm + S * S * np.outer(mVm, mVm)
        U = self._sum(u)
        z = (U[cd], u)  # V_1 u, V_2 u
        grad = -0.5 * tr + 0.5 * np.array([np.sum(U * U), np.sum(u * u)])
        m = a / c[cd]

        def p_form(x1: np.ndarray, x2: np.ndarray) -> float:  # x1' P x2
            q = np.sum(a * x1 * x2) - np.sum(g * self._sum(a * x1) * self._sum(a * x2))
            return float(q - S * np.dot(m, x1) * np.dot(m, x2))

        quad = np.array([[p_form(z[0], z[0]), p_form(z[0], z[1])], [0.0, p_form(z[1], z[1])]])
        quad[1, 0] = quad[0, 1]
        info = 0.5 * tt
        return _Eval(ll, grad, info - quad, info, est, S, rss, wdiag)


def _newton(model: _Nested, start: np.ndarray, free: np.ndarray) -> tuple[np.ndarray, float, bool, int]:
    """Projected Newton maximisation over ``s >= 0`` of the components marked ``free``."""
    s = np.where(free, np.maximum(start, 0.0), 0.0)
    cur = model.evaluate(s)
    for it in range(1, MAXITER + 1):
        move = free & ~((s <= 0) & (cur.grad <= 0))
        if not move.any():
            return s, cur.ll, True, it
        g = cur.grad[move]
        H = -cur.hess[np.ix_(move, move)]
        try:
            np.linalg.cholesky(H)
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            F = cur.info[np.ix_(move, move)]
            try:
                step = np.linalg.solve(F, g)
            except np.linalg.LinAlgError:
                step = g.copy()
        t = 1.0
        while True:
            new = s.copy()
            new[move] = np.maximum(s[move] + t * step, 0.0)
            ll_new = model.ll(new)
            if ll_new >= cur.ll:
                break
            t /= 2
            if t < 1e-12:
                new = s
                break
        change = float(np.max(np.abs(new - s) / np.maximum(1.0, np.abs(s))))
        if new is s or change <= XTOL:
            # converged when the projected gradient is negligible
            cur = model.evaluate(new)
            pg = np.where((new <= 0) & (cur.grad < 0), 0.0, cur.grad)[free]
            ok = bool(np.all(np.abs(pg) <= 1e-6 * max(1.0, abs(cur.ll))))
            return new, cur.ll, ok, it
        s = new
        cur = model.evaluate(s)
    return s, cur.ll, False, MAXITER


def _fit_variance_components(model: _Nested) -> tuple[np.ndarray, bool, int, list[str]]:
    """Global maximum over the quadrant: interior search from three starts plus the boundaries."""
    y, v = model.y, model.v
    w = 1.0 / v
    b_fe = float(np.sum(w * y) / np.sum(w))
    # metafor's starting value: total = max(0.002, var(y - b_FE) - 1/mean(1/v)), split equally
    total = max(0.002, float(np.var(y - b_fe, ddof=1)) - 1.0 / float(np.mean(w)))
    starts = [np.array([total / 2, total / 2]), np.array([total, total / 100]), np.array([total / 100, total])]
    candidates = []
    iters = 0
    for st in starts:
        s, ll, ok, it = _newton(model, st, np.array([True, True]))
        candidates.append((ll, ok, s))
        iters += it
    for free in (np.array([False, True]), np.array([True, False])):
        s, ll, ok, it = _newton(model, np.array([total, total]), free)
        candidates.append((ll, ok, s))
        iters += it
    zero = np.zeros(2)
    candidates.append((model.ll(zero), True, zero))
    best_ll = max(c[0] for c in candidates if c[1]) if any(c[1] for c in candidates) else -math.inf
    notes: list[str] = []
    if not math.isfinite(best_ll):
        # last resort: bounded quasi-Newton with tight tolerances
        from scipy import optimize

        res = optimize.minimize(lambda x: -model.ll(x), np.array([total / 2, total / 2]),
                                jac=lambda x: -model.evaluate(x).grad, method="L-BFGS-B",
                                bounds=[(0, None), (0, None)], options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 10000})
        if not res.success:
            raise ConvergenceError(
                "three_level: the (restricted) likelihood could not be maximised over the two variance "
                f"components (Newton and L-BFGS-B failed: {res.message}). Check the data (tiny or huge sampling variances?).")
        warnings.warn("three_level: Newton's method did not converge; the variance components were found by L-BFGS-B "
                      "and may be less precise.", ConvergenceWarning, stacklevel=3)
        return np.asarray(res.x, dtype=float), False, iters + int(res.nit), ["fallback: L-BFGS-B"]
    # among converged candidates with the highest likelihood (ties within 1e-12) take the first
    for ll, ok, s in candidates:
        if ok and ll >= best_ll - 1e-12 * max(1.0, abs(best_ll)):
            return s, True, iters, notes
    raise AssertionError("unreachable")  # pragma: no cover


# ---------------------------------------------------------------------------
# Input handling
# ---------------------------------------------------------------------------


def _is_missing(x: Any) -> bool:
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    try:
        return bool(isinstance(x, (float, np.floating)) and np.isnan(x))
    except TypeError:  # pragma: no cover
        return False


def _cluster_codes(func: str, arg: str, values: Any, labels, k: int) -> tuple[np.ndarray, list[str]]:
    """Integer codes 0..J-1 (in order of first appearance) and the cluster names."""
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{func}: argument {arg!r} must be one cluster identifier per effect "
                        f"(a sequence or a column name with 'data'), not the single string {values!r}.")
    if isinstance(values, pd.DataFrame):
        raise TypeError(f"{func}: argument {arg!r} must be one column of cluster identifiers, not a DataFrame.")
    if np.ndim(values) == 0:
        raise TypeError(f"{func}: argument {arg!r} must be a sequence of cluster identifiers; got {values!r}.")
    raw = values.to_list() if isinstance(values, pd.Series) else list(np.asarray(values, dtype=object).ravel())
    if np.ndim(values) > 1:
        raise ValueError(f"{func}: argument {arg!r} must be one-dimensional; got shape {np.shape(values)}.")
    if len(raw) != k:
        raise ValueError(f"{func}: argument {arg!r} has {len(raw)} entries but there are {k} effects; "
                         "give one cluster identifier per effect.")
    for i, x in enumerate(raw):
        if _is_missing(x):
            raise ValueError(f"{func}: argument {arg!r}, {study_name(labels, i)}: the cluster is missing. "
                             "Every effect must belong to a cluster; missing values are not dropped silently.")
    codes, uniques = pd.factorize(pd.Series(raw, dtype=object), sort=False)
    return codes.astype(np.intp), [str(u) for u in uniques]


# ---------------------------------------------------------------------------
# Three-level result
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ThreeLevelResult(StudyColumns, PooledResult):
    """Result of :func:`three_level`. All numbers are unrounded floats.

    Attributes
    ----------
    k, n_clusters : int
        Number of effects and of clusters.
    estimate, se : float
        Pooled effect (GLS) and its standard error (Knapp-Hartung scaled when ``test="knha"``).
    stat, pval, df : float
        z (or t) statistic, its two-sided p-value and the t degrees of freedom (``k - 1``;
        NaN for ``test="z"``).
    ci_low, ci_high, pi_low, pi_high : float
        Confidence interval of the pooled effect and prediction interval for the true
        effect in a new cluster, ``estimate +/- crit * sqrt(se^2 + sigma2_1 + sigma2_2)``
        (metafor ``predict.rma.mv``).
    sigma2 : tuple of float
        ``(between clusters, within clusters)``: level-3 and level-2 variances.
    q, q_df, q_pval : float, int, float
        Cochran's Q with the sampling variances only (``sum w (y - ybar_w)^2``, ``w = 1/v``), df ``k - 1``.
    i2, i2_between, i2_within, sampling_share, s2_typical : float
        Multilevel I^2 in percent (see :func:`three_level`): total, level 3, level 2, and the
        share of sampling error (level 1); ``s2_typical`` is the typical sampling variance.
    loglik : float
        Log-likelihood at the estimates (restricted for REML, with all constants, as metafor's ``logLik``).
    s2w : float
        Knapp-Hartung scaling factor of the variance (1 unless ``test="knha"``).
    method, test, level : str, str, float
        Settings.
    studies : pandas.DataFrame
        Per-effect table: ``label, cluster, yi, vi, ci_low, ci_high, weight`` (weight in percent,
        from the diagonal of V^-1, as metafor's ``weights.rma.mv``).
    """

    k: int
    n_clusters: int
    df: float
    pi_low: float
    pi_high: float
    sigma2: tuple[float, float]
    q: float
    q_df: int
    q_pval: float
    i2: float
    i2_between: float
    i2_within: float
    sampling_share: float
    s2_typical: float
    loglik: float
    s2w: float
    method: str
    test: str
    level: float
    studies: pd.DataFrame = field(repr=False, compare=False)
    converged: bool = True
    iterations: int = 0
    notes: tuple[str, ...] = ()
    measure: str | None = None

    @property
    def sigma2_between(self) -> float:
        """Variance of the true effects between clusters (level 3)."""
        return self.sigma2[0]

    @property
    def sigma2_within(self) -> float:
        """Variance of the true effects within clusters (level 2)."""
        return self.sigma2[1]

    @property
    def labels(self) -> list[str]:
        return list(self.studies["label"])

    @property
    def cluster(self) -> list[str]:
        return list(self.studies["cluster"])

    @property
    def weights(self) -> np.ndarray:
        return self.studies["weight"].to_numpy()

    def _records(self) -> list[dict[str, Any]]:
        row = {
            "k": self.k, "n_clusters": self.n_clusters, "method": self.method, "test": self.test, "level": self.level,
            "estimate": self.estimate, "se": self.se, "stat": self.stat, "pval": self.pval, "df": self.df,
            "ci_low": self.ci_low, "ci_high": self.ci_high, "pi_low": self.pi_low, "pi_high": self.pi_high,
            "sigma2_between": self.sigma2[0], "sigma2_within": self.sigma2[1],
            "i2": self.i2, "i2_between": self.i2_between, "i2_within": self.i2_within,
            "sampling_share": self.sampling_share, "s2_typical": self.s2_typical,
            "q": self.q, "q_df": self.q_df, "q_pval": self.q_pval, "loglik": self.loglik,
        }
        return [row]

    def summary(self, digits: int = 4) -> str:
        """Text report that says in words what each number is (after metafor's ``print.rma.mv``)."""
        f = partial(formatting.text, digits=digits)
        lv = f"{self.level:g}%"
        sizes = self.studies.groupby("cluster", sort=False).size()
        lines = [
            f"Three-level random-effects model (k = {self.k} effects in {self.n_clusters} clusters; "
            f"{self.method}, {METHOD_NAMES[self.method]})",
            f"log-likelihood ({self.method}): {f(self.loglik)}",
            "",
            "Variance components:",
            f"  sigma^2 between clusters (level 3): {f(self.sigma2[0])}  (sqrt {f(math.sqrt(self.sigma2[0]))}; "
            f"{self.n_clusters} clusters)",
            f"  sigma^2 within clusters  (level 2): {f(self.sigma2[1])}  (sqrt {f(math.sqrt(self.sigma2[1]))}; "
            f"{self.k} effects, {sizes.min()} to {sizes.max()} per cluster)",
            "",
            "Where the variance lies (multilevel I^2, Cheung 2014; typical sampling variance "
            f"{f(self.s2_typical)}):",
            f"  between clusters (level 3):        {formatting.percent(self.i2_between, 2)}",
            f"  within clusters  (level 2):        {formatting.percent(self.i2_within, 2)}",
            f"  sampling error   (level 1):        {formatting.percent(self.sampling_share, 2)}",
            f"  I^2 (total heterogeneity / total variability): {formatting.percent(self.i2, 2)}",
            "",
            "Test for heterogeneity (do the effects differ more than sampling error allows?):",
            f"Q(df = {self.q_df}) = {f(self.q)}, p-val {formatting.pvalue(self.q_pval, digits, style='metafor-equals')}",
            "",
        ]
        if self.test == "z":
            what = "z test"
        elif self.test == "t":
            what = f"t test with df = {self.df:g}"
        else:
            what = f"Knapp-Hartung: variance scaled by {f(self.s2w)}, t test with df = {self.df:g}"
        stat = "zval" if self.test == "z" else "tval"
        lines.append(f"Model results (pooled effect, {what}):")
        head = ["estimate", "se", stat, "pval", "ci.lb", "ci.ub"]
        vals = [f(self.estimate), f(self.se), f(self.stat), formatting.pvalue(self.pval, digits), f(self.ci_low),
                f(self.ci_high)]
        lines += formatting.columns(head, [vals], first_left=False)
        lines.append("")
        lines.append(f"Prediction interval (where {lv} of true effects in a new cluster are expected): "
                     f"{f(self.pi_low)} to {f(self.pi_high)}")
        for note in self.notes:
            lines.append(f"Note: {note}")
        return "\n".join(lines)

    def _heading(self) -> str:
        return (f"Three-level random-effects model (k = {self.k} effects in {self.n_clusters} clusters; "
                f"{self.method})")

    def _describe(self) -> list[tuple[str, str, str]]:
        f, pv, pc = formatting.text, formatting.pvalue, formatting.percent
        lv = f"{self.level:g}%"
        statname = "z" if self.test == "z" else "t"
        rows = [
            ("Pooled estimate", f(self.estimate), "weighted (GLS) average effect"),
            (f"{lv} CI", f"{f(self.ci_low)} to {f(self.ci_high)}", "confidence interval of the pooled effect"),
            ("SE", f(self.se), "standard error" + (" (Knapp-Hartung)" if self.test == "knha" else "")),
            (statname, f(self.stat), "test statistic for H0: effect = 0" + (f" (df = {self.df:g})" if self.test != "z" else "")),
            ("p", pv(self.pval), "two-sided p-value"),
            ("Prediction interval", f"{f(self.pi_low)} to {f(self.pi_high)}", "range of true effects in a new cluster"),
            ("σ² between clusters", f(self.sigma2[0]), "level-3 variance"),
            ("σ² within clusters", f(self.sigma2[1]), "level-2 variance"),
            ("I² level 3 / level 2", f"{pc(self.i2_between, 1)} / {pc(self.i2_within, 1)}", "share of total variance (Cheung 2014)"),
            ("I² total", pc(self.i2, 1), f"heterogeneity; sampling error {pc(self.sampling_share, 1)}"),
            ("Q", f"{f(self.q)} (df = {self.q_df}, p = {pv(self.q_pval)})", "test of heterogeneity"),
        ]
        return rows


def three_level(
    yi: Any,
    vi: Any,
    cluster: Any,
    *,
    method: str = "REML",
    test: str = "z",
    level: float = 95,
    data: pd.DataFrame | None = None,
    labels: Any = None,
    measure: str | None = None,
) -> ThreeLevelResult:
    """Three-level meta-analysis: effects nested in clusters (samples, studies or trials).

    The model ``y_ij = mu + u_j + w_ij + e_ij`` with ``Var(u_j) = sigma2_1`` (between
    clusters, level 3), ``Var(w_ij) = sigma2_2`` (within clusters, level 2) and known
    sampling variances ``v_ij`` (Konstantopoulos 2011, Res Synth Methods 2:61-76;
    Cheung 2014, Psychol Methods 19:211-229). Every row is its own level-2 unit. It is the
    model of metafor's ``rma.mv(yi, vi, random = ~ 1 | cluster/effect)``, and the numbers
    agree with metafor to 1e-6 (``tests/test_multilevel.py``).

    Parameters
    ----------
    yi, vi : array-like or str
        Effect sizes and sampling variances (or column names in ``data``).
    cluster : array-like or str
        The cluster of each effect (any identifiers; or a column name in ``data``).
    method : {"REML", "ML"}
        Restricted or full maximum likelihood for the variance components.
    test : {"z", "t", "knha"}
        ``"z"``: normal distribution (metafor's default). ``"t"``: t distribution with
        ``k - 1`` df and the same standard error (metafor ``rma.mv(test = "t")``).
        ``"knha"``: Knapp-Hartung-type adjustment: the variance is multiplied by
        ``s2w = r'V^-1 r / (k - 1)`` and a t distribution with ``k - 1`` df is used
        (metafor >= 4.0, ``rma.mv(test = "knha")``; not available in metafor 3.8).
    level : float
        Confidence level in percent.
    data : pandas.DataFrame, optional
        Table holding the named columns.
    labels : array-like or str, optional
        Effect labels for tables and error messages.
    measure : str, optional
        The effect measure ("RR", "OR", "SMD", ...), kept with the result.

    Returns
    -------
    ThreeLevelResult

    Notes
    -----
    Pooled effect: ``mu = (1'V^-1 y) / (1'V^-1 1)``, ``se = (1'V^-1 1)^-1/2``. Prediction
    interval ``mu +/- crit sqrt(se^2 + sigma2_1 + sigma2_2)`` (metafor ``predict.rma.mv``).
    Log-likelihood (metafor's, REML with all constants)::

        ML:   -1/2 (k log 2pi + log|V| + r'V^-1 r)
        REML: -1/2 ((k-1) log 2pi - log k + log|V| + log(1'V^-1 1) + r'V^-1 r)

    Multilevel I^2 (Cheung 2014, Psychol Methods 19:211-229; the formula of dmetar's
    ``var.comp`` / ``mlm.variance.distribution``, Harrer et al. 2021, *Doing Meta-Analysis
    with R*, ch. 10): with the typical sampling variance of Higgins &
    Thompson (2002, Stat Med 21:1539-1558, eq. 9)
    ``s2 = (k - 1) sum(w) / ((sum w)^2 - sum(w^2))``, ``w = 1/v``::

        I2_level3 = 100 sigma2_1 / (sigma2_1 + sigma2_2 + s2)
        I2_level2 = 100 sigma2_2 / (sigma2_1 + sigma2_2 + s2)
        I2_total  = I2_level3 + I2_level2;  sampling share = 100 s2 / (sigma2_1 + sigma2_2 + s2)

    Raises
    ------
    ValueError, TypeError
        Unknown method/test, lengths that differ, missing or non-finite values, variances
        that are not positive, a missing cluster, fewer than 2 clusters, or data in which
        every cluster holds a single effect (then the two variances cannot be told apart;
        use :func:`koppmeta.meta_analysis`).
    """
    func = "three_level"
    check_choice(func, "method", method, METHODS)
    check_choice(func, "test", test, TESTS)
    level = check_level(func, level)
    y, v, lab, k = effect_inputs(func, yi, vi, labels, data)
    cl_raw = resolve_column(func, "cluster", cluster, data)
    codes, names = _cluster_codes(func, "cluster", cl_raw, lab, k)
    if lab is None:
        lab = [f"Effect {i + 1}" for i in range(k)]
    J = len(names)
    if J < 2:
        raise ValueError(f"{func}: argument 'cluster': all {k} effects are in one cluster ({names[0]!r}); at least 2 "
                         "clusters are needed to estimate the between-cluster variance.")
    if J == k:
        raise ValueError(f"{func}: argument 'cluster': every cluster holds a single effect ({k} effects, {J} clusters), "
                         "so the between- and within-cluster variances cannot be told apart. Use meta_analysis() "
                         "for a two-level random-effects model.")
    reml = method == "REML"
    model = _Nested(y, v, codes, J, reml)
    s, converged, iterations, notes = _fit_variance_components(model)
    ev = model.evaluate(s)
    s1, s2 = float(s[0]), float(s[1])
    if s1 == 0.0:
        notes.append("the between-cluster variance is estimated at the boundary 0")
    if s2 == 0.0:
        notes.append("the within-cluster variance is estimated at the boundary 0")

    est = ev.estimate
    var = ev.var
    s2w = 1.0
    if test == "z":
        df = math.nan
        crit = float(norm_isf((1 - level / 100) / 2))
    else:
        df = float(k - 1)
        crit = float(t_isf((1 - level / 100) / 2, df))
        if test == "knha":
            s2w = 0.0 if ev.rss <= np.finfo(float).eps else ev.rss / (k - 1)
            if s2w == 0.0:
                notes.append("all effects are equal: the Knapp-Hartung scaling factor is 0, so se = 0")
            var *= s2w
    se = math.sqrt(var)
    if se > 0:
        stat = est / se
        pval = float(2 * (norm_sf(abs(stat)) if test == "z" else t_sf(abs(stat), df)))
    else:
        stat = math.copysign(math.inf, est) if est != 0 else 0.0
        pval = 0.0 if est != 0 else 1.0
    pi_se = math.sqrt(var + s1 + s2)

    w = 1.0 / v
    ybar = float(np.sum(w * y) / np.sum(w))
    q = float(np.sum(w * (y - ybar) ** 2))
    q_pval = float(chi2_sf(q, k - 1))
    s2_typ = float((k - 1) * np.sum(w) / (np.sum(w) ** 2 - np.sum(w**2)))
    tot = s1 + s2 + s2_typ

    z = float(norm_isf((1 - level / 100) / 2))
    studies = pd.DataFrame({
        "label": lab, "cluster": [names[c] for c in codes], "yi": y, "vi": v,
        "ci_low": y - z * np.sqrt(v), "ci_high": y + z * np.sqrt(v),
        "weight": ev.wdiag / ev.wdiag.sum() * 100,
    })
    return ThreeLevelResult(
        k=k, n_clusters=J, estimate=est, se=se, stat=stat, pval=pval, df=df,
        ci_low=est - crit * se, ci_high=est + crit * se, pi_low=est - crit * pi_se, pi_high=est + crit * pi_se,
        sigma2=(s1, s2), q=q, q_df=k - 1, q_pval=q_pval,
        i2=100 * (s1 + s2) / tot, i2_between=100 * s1 / tot, i2_within=100 * s2 / tot,
        sampling_share=100 * s2_typ / tot, s2_typical=s2_typ, loglik=ev.ll, s2w=s2w,
        method=method, test=test, level=level, studies=studies,
        converged=converged, iterations=iterations, notes=tuple(notes), measure=measure,
    )


# ---------------------------------------------------------------------------
# Cluster-robust inference
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RobustResult(PooledResult):
    """Cluster-robust test and confidence interval of the pooled effect (from :func:`robust`).

    Attributes
    ----------
    estimate : float
        The pooled effect of the fitted model (unchanged).
    se : float
        Cluster-robust standard error.
    stat, df, pval : float
        t statistic, Satterthwaite degrees of freedom and two-sided p-value.
    ci_low, ci_high : float
        Confidence interval ``estimate +/- t_{df} se`` at ``level``.
    se_model : float
        The model-based standard error, for comparison.
    kind : str
        Small-sample adjustment: CR0, CR1, CR1p or CR2 (``adjust`` is its old name, deprecated).
    k, n_clusters : int
        Number of effects and of independent clusters.
    model, method, level : str, str, float
        The fitted model ("three-level random-effects", "random-effects" or "fixed-effect
        (common-effect)"), its estimator and the confidence level.
    """

    k: int
    n_clusters: int
    df: float
    se_model: float
    kind: str
    model: str
    method: str
    level: float
    measure: str | None = None

    @property
    def adjust(self) -> str:
        """Deprecated name of :attr:`kind`."""
        warnings.warn("RobustResult.adjust is now called kind; the old name will be removed in the next release.",
                      DeprecationWarning, stacklevel=2)
        return self.kind

    def _records(self) -> list[dict[str, Any]]:
        return [{
            "k": self.k, "n_clusters": self.n_clusters, "model": self.model, "method": self.method,
            "kind": self.kind, "level": self.level, "estimate": self.estimate, "se": self.se,
            "stat": self.stat, "df": self.df, "pval": self.pval, "ci_low": self.ci_low, "ci_high": self.ci_high,
            "se_model": self.se_model,
        }]

    def summary(self, digits: int = 4) -> str:
        f = partial(formatting.text, digits=digits)
        lines = [
            f"Cluster-robust inference for the pooled effect ({ADJUST_NAMES[self.kind]}; "
            "t test with Satterthwaite degrees of freedom)",
            f"Model: {self.model} model ({self.method}), k = {self.k} effects, "
            f"{self.n_clusters} independent clusters for the robust variance",
            "",
        ]
        head = ["estimate", "se", "tval", "df", "pval", "ci.lb", "ci.ub"]
        vals = [f(self.estimate), f(self.se), f(self.stat), formatting.text(self.df, 2), formatting.pvalue(self.pval, digits),
                f(self.ci_low), f(self.ci_high)]
        lines += formatting.columns(head, [vals], first_left=False)
        lines += [
            "",
            f"se is the sandwich standard error, which stays valid if the model's variances or correlations are "
            f"wrong, as long as clusters are independent (model-based se: {f(self.se_model)}).",
            f"df (Satterthwaite) = {formatting.text(self.df, 2)}: the effective number of independent pieces of information; "
            f"with few clusters or a few dominant ones it is small and the interval ({self.level:g}%) widens.",
        ]
        if self.df < 4:
            lines.append("Note: df < 4; the Satterthwaite test is then unreliable (Tipton 2015) and the result "
                         "should be read with caution.")
        return "\n".join(lines)

    def _heading(self) -> str:
        return f"Cluster-robust inference (k = {self.k}, {self.n_clusters} clusters)"

    def _describe(self) -> list[tuple[str, str, str]]:
        f = formatting.text
        return [
            ("Pooled estimate", f(self.estimate), f"{self.model} model ({self.method})"),
            (f"{self.level:g}% CI", f"{f(self.ci_low)} to {f(self.ci_high)}", "cluster-robust confidence interval"),
            ("Robust SE", f(self.se), ADJUST_NAMES[self.kind]),
            ("t", f(self.stat), "test statistic for H0: effect = 0"),
            ("df", f(self.df, 2), "Satterthwaite degrees of freedom"),
            ("p", formatting.pvalue(self.pval), "two-sided p-value"),
            ("Model-based SE", f(self.se_model), "for comparison"),
        ]


def _inv_sqrt_psd(G: np.ndarray) -> np.ndarray:
    """Symmetric ``G^{-1/2}`` with eigenvalues below EIGEN_TOL set to 0 (clubSandwich ``matrix_power``)."""
    vals, vecs = np.linalg.eigh((G + G.T) / 2)
    p = np.where(vals > EIGEN_TOL, np.abs(vals) ** -0.5, 0.0)
    return (vecs * p) @ vecs.T


def _sandwich(y: np.ndarray, blocks: list[np.ndarray], phis: list[np.ndarray], est: float,
              adjust: str, scale: float) -> tuple[float, float, float]:
    """Cluster-robust variance, Satterthwaite df and model-based variance ``M`` of the intercept of a GLS fit.

    ``blocks``: indices of each independent cluster; ``phis``: the working covariance of each
    cluster (weights ``W_j = Phi_j^-1``); ``scale``: the factor by which clubSandwich
    rescales Phi_j before the eigenvalue cut-off in CR2 (mean weight for rma.uni, 1 for rma.mv).

    With ``M = (sum_j 1'W_j 1)^-1``, residuals ``e_j`` and adjustment matrices ``A_j``::

        CR2:  A_j = R_j' (R_j (Phi_j - M 1 1') R_j')^{-1/2} R_j,   Phi_j = R_j'R_j (upper Cholesky)
        V_R  = M^2 sum_j (1'W_j A_j e_j)^2

    Satterthwaite df: with ``p_j = M 1'W_j A_j`` (row vector), ``g_j = p_j Phi_j p_j'`` and
    ``h_j = (p_j 1) M^{1/2}``, the matrix ``P = diag(g) - h h'`` gives
    ``df = (tr P)^2 / sum(P^2)`` (clubSandwich ``get_GH``/``get_P_array``/``Satterthwaite``).
    """
    J = len(blocks)
    Ws = [np.linalg.inv(ph) for ph in phis]
    M = 1.0 / sum(float(np.sum(W)) for W in Ws)
    factor = {"CR0": 1.0, "CR1": math.sqrt(J / (J - 1)), "CR1p": math.sqrt(J / (J - 1))}.get(adjust, 1.0)
    comps = np.empty(J)
    g = np.empty(J)
    h = np.empty(J)
    for j, (idx, ph, W) in enumerate(zip(blocks, phis, Ws)):
        n = len(idx)
        xw = W.sum(axis=0)  # 1'W_j
        if adjust == "CR2":
            ph_s = ph * scale
            R = np.linalg.cholesky(ph_s).T  # upper: ph_s = R'R
            G = R @ (ph_s - (M * scale) * np.ones((n, n))) @ R.T
            A = R.T @ _inv_sqrt_psd(G) @ R
            e_row = xw @ A
        else:
            e_row = xw * factor
        comps[j] = float(e_row @ (y[idx] - est))
        pj = M * e_row
        g[j] = float(pj @ ph @ pj)
        h[j] = float(np.sum(pj)) * math.sqrt(M)
    var = M * M * float(np.sum(comps**2))
    P = np.diag(g) - np.outer(h, h)
    df = float(np.trace(P) ** 2 / np.sum(P * P))
    return var, df, M


def robust(fit: MetaAnalysis | ThreeLevelResult, cluster: Any = None, *, kind: str = "CR2",
           level: float | None = None, adjust: str | None = None) -> RobustResult:
    """Cluster-robust standard error, t test and confidence interval of the pooled effect.

    The sandwich estimator with the CR2 bias-reduced linearization adjustment (Bell &
    McCaffrey 2002, Surv Methodol 28:169-181; Pustejovsky & Tipton 2018, J Bus Econ Stat
    36:672-683; in meta-analysis Tipton 2015, Psychol Methods 20:375-393) and a t test with
    Satterthwaite degrees of freedom. The working model is the fitted model: weights
    ``W_j = Phi_j^-1`` with ``Phi_j = diag(v_i + tau^2)`` for a :class:`~koppmeta.MetaAnalysis`
    and ``Phi_j = V_j`` (the marginal covariance at the estimated variance components) for a
    :class:`ThreeLevelResult`. Numbers agree with R clubSandwich::

        coef_test(fit, vcov = kind, cluster = cluster, test = "Satterthwaite")
        conf_int(fit, vcov = kind, cluster = cluster, test = "Satterthwaite", level = level / 100)

    Formulas (intercept-only model, ``M = (sum_j 1'W_j 1)^-1``, residuals ``e_j = y_j - estimate``)::

        se^2 = M^2 sum_j (1'W_j A_j e_j)^2
        CR0: A_j = I;  CR1: A_j = sqrt(m/(m-1)) I;  CR1p: sqrt(m/(m-p)) I (p = 1 here)
        CR2: A_j = R_j' [R_j (Phi_j - 1 M 1') R_j']^{-1/2} R_j,  Phi_j = R_j'R_j

    so that, under the working model, ``E(se^2)`` equals the model-based variance for CR2.

    Parameters
    ----------
    fit : MetaAnalysis or ThreeLevelResult
        The fitted model.
    cluster : array-like, optional
        The independent cluster of each effect (in the order of the fit's effects). Required
        for a MetaAnalysis; for a ThreeLevelResult it defaults to the model's clusters, and a
        given clustering must contain each model cluster whole (random effects nested within it).
    kind : {"CR2", "CR0", "CR1", "CR1p"}
        Small-sample adjustment (clubSandwich's names). Called ``adjust`` before; that name still
        works for one release, with a DeprecationWarning.
    level : float, optional
        Confidence level in percent; defaults to the fit's level.

    Returns
    -------
    RobustResult
    """
    func = "robust"
    kind = deprecated_alias(func, "adjust", "kind", adjust, kind, "CR2")
    check_choice(func, "kind", kind, ADJUSTMENTS)
    if isinstance(fit, ThreeLevelResult):
        three = True
    elif isinstance(fit, MetaAnalysis):
        three = False
    else:
        raise TypeError(f"{func}: argument 'fit' must be a MetaAnalysis (from meta_analysis) or a ThreeLevelResult "
                        f"(from three_level); got {type(fit).__name__}.")
    level = fit.level if level is None else check_level(func, level)
    y = fit.yi
    v = fit.vi
    k = len(y)
    labels = fit.labels
    if cluster is None:
        if not three:
            raise ValueError(f"{func}: argument 'cluster' is required for a MetaAnalysis: give the cluster (study, "
                             "sample) of each effect, in the order of the fit's studies.")
        codes, names = _cluster_codes(func, "cluster", fit.cluster, labels, k)
    else:
        codes, names = _cluster_codes(func, "cluster", cluster, labels, k)
    J = len(names)
    if J < 2:
        raise ValueError(f"{func}: argument 'cluster': all effects are in one cluster; cluster-robust variance "
                         "estimation needs at least 2 clusters.")
    blocks = [np.flatnonzero(codes == j) for j in range(J)]
    if three:
        mcodes, mnames = _cluster_codes(func, "fit.cluster", fit.cluster, labels, k)
        for mc in range(len(mnames)):
            outer = np.unique(codes[mcodes == mc])
            if len(outer) > 1:
                raise ValueError(
                    f"{func}: argument 'cluster': the model's cluster {mnames[mc]!r} is split across robust clusters "
                    f"{', '.join(repr(names[o]) for o in outer[:3])}; the random effects must be nested within the "
                    "clustering variable (each model cluster inside one robust cluster).")
        s1, s2 = fit.sigma2
        phis = []
        for idx in blocks:
            same = mcodes[idx][:, None] == mcodes[idx][None, :]
            phis.append(np.diag(v[idx] + s2) + s1 * same)
        scale = 1.0
        model = "three-level random-effects"
    else:
        tau2 = fit.tau2
        phis = [np.diag(v[idx] + tau2) for idx in blocks]
        scale = float(np.mean(1.0 / (v + tau2)))
        model = "fixed-effect (common-effect)" if fit.method == "FE" else "random-effects"
    var, df, m_var = _sandwich(y, blocks, phis, fit.estimate, kind, scale)
    se_model = math.sqrt(m_var)
    se = math.sqrt(var)
    est = fit.estimate
    crit = float(t_isf((1 - level / 100) / 2, df))
    if se > 0:
        stat = est / se
        pval = float(2 * t_sf(abs(stat), df))
    else:
        stat = math.copysign(math.inf, est) if est != 0 else 0.0
        pval = 0.0 if est != 0 else 1.0
    return RobustResult(
        k=k, n_clusters=J, estimate=est, se=se, stat=stat, df=df, pval=pval,
        ci_low=est - crit * se, ci_high=est + crit * se, se_model=se_model,
        kind=kind, model=model, method=fit.method, level=level, measure=fit.measure,
    )
