"""Estimators of the between-study variance tau^2 and its Q-profile confidence interval.

All estimators work for a model matrix ``X`` (more columns for meta-regression); for the
intercept-only model :func:`estimate_tau2` and :func:`q_profile_ci` hand over to
:mod:`koppmeta.models.engine`, the one implementation used by ``meta_analysis`` and ``fit_many``. They follow the
definitions in Viechtbauer (2005), J Educ Behav Stat 30:261-293, and the code
paths of metafor's ``rma.uni()``; the parity tests compare them with metafor.

Notation: ``w = 1 / (v + tau2)``; ``b`` the weighted least-squares fit of ``y`` on
``X`` with weights ``w``; ``r = y - X b``; ``P = W - W X (X'WX)^-1 X'W``, so that
``y'Py = sum(w r^2)`` (the generalized Q statistic) and ``Py = w r``.

Convergence: Fisher scoring (ML, REML) stops when tau^2 changes by less than
``THRESHOLD`` (1e-13) between iterations (the engine also after two Newton steps, taking the
next one as quadratic convergence predicts it where that puts less than a tenth of the
threshold on tau^2); root finding (PM, EB, Q-profile) uses
Brent's method with absolute tolerance ``ROOT_TOL`` (1e-14). Both are tighter
than metafor's defaults (1e-5 and about 1.2e-4).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from . import engine
from .._dist import chi2_isf, chi2_ppf
from ..exceptions import ConvergenceError, ConvergenceWarning, MultiplePeaksWarning

THRESHOLD = engine.THRESHOLD
ROOT_TOL = engine.ROOT_TOL
MAXITER = 1000  # root finding
MAXITER_SCORING = engine.MAXITER_SCORING

METHODS = ("FE", "DL", "REML", "ML", "PM", "HE", "SJ", "HS", "EB")

METHOD_NAMES = {
    "FE": "fixed-effect (common-effect)",
    "DL": "DerSimonian-Laird",
    "REML": "restricted maximum likelihood",
    "ML": "maximum likelihood",
    "PM": "Paule-Mandel",
    "HE": "Hedges (variance components)",
    "SJ": "Sidik-Jonkman",
    "HS": "Hunter-Schmidt",
    "EB": "empirical Bayes (Morris)",
}


@dataclass(frozen=True)
class Tau2Fit:
    """Outcome of a tau^2 estimation."""

    tau2: float
    converged: bool
    iterations: int
    note: str = ""


def wls(y: np.ndarray, v: np.ndarray, X: np.ndarray, tau2: float):
    """Weighted least squares with weights 1/(v + tau2).

    Returns ``(b, r, w, Ainv)``: coefficients, residuals, weights and ``(X'WX)^-1``.
    """
    w = 1.0 / (v + tau2)
    XtW = X.T * w
    Ainv = np.linalg.inv(XtW @ X)
    b = Ainv @ (XtW @ y)
    r = y - X @ b
    return b, r, w, Ainv


def q_gen(y: np.ndarray, v: np.ndarray, X: np.ndarray, tau2: float) -> float:
    """Generalized Q statistic ``sum w (y - X b)^2`` with ``w = 1/(v + tau2)``."""
    _, r, w, _ = wls(y, v, X, tau2)
    return float(np.sum(w * r * r))


def _ones(X: np.ndarray) -> bool:
    return bool((X == 1.0).all())


def trace_p(w: np.ndarray, X: np.ndarray, Ainv: np.ndarray) -> float:
    """``tr(P) = sum(w) - tr((X'WX)^-1 X'W^2 X)``."""
    return float(np.sum(w) - np.trace(Ainv @ ((X.T * w**2) @ X)))


def _loglik(y, v, X, tau2: float, reml: bool) -> float:
    """(Restricted) log-likelihood of the random-effects model with moderators, as in metafor."""
    k, p = X.shape
    _, r, w, Ainv = wls(y, v, X, tau2)
    rss = np.sum(w * r * r)
    if reml:
        sign, logdet = np.linalg.slogdet((X.T * w) @ X)
        return float(-0.5 * (k - p) * np.log(2 * np.pi) - 0.5 * np.sum(np.log(v + tau2)) - 0.5 * logdet - 0.5 * rss)
    return float(-0.5 * k * np.log(2 * np.pi) - 0.5 * np.sum(np.log(v + tau2)) - 0.5 * rss)


def _solve_q(y, v, X, target: float, lower: float = 0.0) -> float:
    """Root of ``Q_gen(tau2) = target`` for tau2 > lower (Q_gen decreases in tau2)."""
    from scipy import optimize

    f = lambda t: q_gen(y, v, X, t) - target  # noqa: E731
    hi = max(100.0, 10.0 * lower, 1.0)
    n = 0
    while f(hi) > 0:
        hi *= 10
        n += 1
        if n > 30:
            raise ConvergenceError("no finite tau^2 makes the generalized Q statistic reach its target value.")
    return float(optimize.brentq(f, lower, hi, xtol=ROOT_TOL, rtol=4 * np.finfo(float).eps, maxiter=MAXITER))


def _score(y, v, X, tau2: float, reml: bool) -> float:
    """Derivative of the (restricted) log-likelihood in tau^2, times 2: ``y'PPy - tr(P)`` (REML)
    or ``y'PPy - sum w`` (ML)."""
    _, r, w, Ainv = wls(y, v, X, tau2)
    ypy = float(np.sum((w * r) ** 2))
    return ypy - (trace_p(w, X, Ainv) if reml else float(np.sum(w)))


def _maximize_likelihood(y, v, X, method: str) -> float:
    """Fallback for ML/REML when Fisher scoring oscillates: all roots of the score, then the best.

    The score is evaluated on a log-spaced grid of tau^2 up to well beyond the data's spread;
    every sign change is refined with Brent's method to ``ROOT_TOL``; the candidate (or the
    boundary tau^2 = 0) with the highest likelihood is returned. This finds the global maximum on
    the grid's resolution and is exact at it, unlike a bounded one-dimensional search.
    """
    from scipy import optimize

    reml = method == "REML"
    upper = max(100.0, 10 * float(np.var(y)) + 10 * float(np.max(v)))
    grid = np.concatenate([[0.0], np.geomspace(1e-10, upper, 400)])
    scores = np.array([_score(y, v, X, t, reml) for t in grid])
    candidates = [0.0]
    for a, b, fa, fb in zip(grid[:-1], grid[1:], scores[:-1], scores[1:]):
        if fa > 0 >= fb:  # a maximum: the score falls through zero
            candidates.append(float(optimize.brentq(lambda t: _score(y, v, X, t, reml), a, b,
                                                    xtol=ROOT_TOL, rtol=4 * np.finfo(float).eps, maxiter=MAXITER)))
    return max(candidates, key=lambda t: _loglik(y, v, X, t, reml))


def estimate_tau2(y: np.ndarray, v: np.ndarray, X: np.ndarray, method: str) -> Tau2Fit:
    """Estimate tau^2 with one of :data:`METHODS`.

    Formulas (k studies, p columns in X):

    - FE: tau^2 = 0.
    - DL: ``(Q - (k - p)) / tr(P_0)`` with ``P_0`` at tau^2 = 0 (DerSimonian & Laird 1986).
    - HE: ``(RSS_ols - tr(P_ols V)) / (k - p)`` (Hedges 1983).
    - HS: ``(Q - k) / sum(1/v)`` (Hunter & Schmidt 2004).
    - SJ: ``tau0 * Q_gen(tau0) / (k - p)`` with ``tau0 = mean((y - ybar)^2)`` (Sidik & Jonkman 2005).
    - PM: root of ``Q_gen(tau^2) = k - p`` (Paule & Mandel 1982; DerSimonian & Kacker 2007).
    - EB: root of ``k/(k-p) Q_gen(tau^2) = k`` (Morris 1983; Berkey et al. 1995), which is the
      same estimating equation as PM, solved the same way.
    - ML, REML: Fisher scoring from the HE estimate with step halving (Viechtbauer 2005,
      eq. 15-16); if the likelihood at tau^2 = 0 is higher than at the solution, 0 is taken.

    Negative values are truncated at 0. An intercept-only model (``X`` a column of ones) is
    estimated by :func:`koppmeta.models.engine.estimate_tau2`, a model with moderators by
    :func:`koppmeta.models.engine.design_tau2` (both vectorised; here a batch of one), which adds the
    warnings; on non-convergence of ML/REML with moderators the root of the score with the highest
    likelihood is used (with a :class:`ConvergenceWarning`).
    """
    k, p = X.shape
    if p == 1 and _ones(X):
        return _intercept_only(y, v, method)
    if k <= p:
        return Tau2Fit(0.0, True, 0, "too few studies to estimate heterogeneity; tau^2 set to 0")
    if method not in METHODS:
        raise ValueError(f"estimate_tau2: unknown method {method!r}; valid: {', '.join(METHODS)}.")
    t, conv, ll0 = (a[0] for a in engine.design_tau2(y[None, :], v[None, :], X[None, :, :], method))
    t = float(t)
    if method == "SJ" and float(np.mean((y - y.mean()) ** 2)) == 0.0:
        return Tau2Fit(0.0, True, 0, "all effects are equal; tau^2 = 0")
    if not conv:
        if method in ("PM", "EB"):
            raise ConvergenceError("no finite tau^2 makes the generalized Q statistic reach its target value.")
        t = _maximize_likelihood(y, v, X, method)
        warnings.warn(
            f"{method}: Fisher scoring did not converge in {engine.MAXITER_SCORING} iterations; tau^2 = {t:.6g} was "
            "found instead as the root of the likelihood's score with the highest likelihood. Check the data, or compare "
            "with method='PM' or 'DL'.", ConvergenceWarning, stacklevel=3)
        return Tau2Fit(t, True, engine.MAXITER_SCORING, "fallback: root of the score with the highest likelihood")
    if ll0:
        warnings.warn(f"{method}: the likelihood is higher at tau^2 = 0 than at the Fisher-scoring solution; "
                      "tau^2 set to 0.", MultiplePeaksWarning, stacklevel=3)
        return Tau2Fit(0.0, True, 0, "likelihood higher at 0")
    return Tau2Fit(t, True, 0)


def _intercept_only(y: np.ndarray, v: np.ndarray, method: str) -> Tau2Fit:
    """tau^2 of an intercept-only model from the engine (a batch of one), with its warnings."""
    est = engine.estimate_tau2(engine.make_batch(y[None, :], v[None, :]), method)
    t = float(est.tau2[0])
    if len(y) <= 1:
        return Tau2Fit(0.0, True, 0, "too few studies to estimate heterogeneity; tau^2 set to 0")
    if not est.converged[0]:
        warnings.warn(f"{method}: Fisher scoring did not settle (the data are degenerate); tau^2 = {t:.6g} is the "
                      "highest maximum of the likelihood found by a scan of its score.", ConvergenceWarning, stacklevel=3)
        return Tau2Fit(t, True, MAXITER_SCORING, "fallback: highest maximum of a scan of the likelihood")
    if est.ll0[0]:
        warnings.warn(f"{method}: the likelihood is higher at tau^2 = 0 than at the Fisher-scoring solution; "
                      "tau^2 set to 0.", MultiplePeaksWarning, stacklevel=3)
        return Tau2Fit(0.0, True, 0, "likelihood higher at 0")
    return Tau2Fit(t, True, 0)


def q_profile_ci(y: np.ndarray, v: np.ndarray, X: np.ndarray, level: float) -> tuple[float, float]:
    """Q-profile confidence interval for tau^2 (Viechtbauer 2007, Stat Med 26:37-52).

    The bounds solve ``Q_gen(tau^2) = chi2_{k-p; 1-alpha/2}`` (lower) and
    ``chi2_{k-p; alpha/2}`` (upper). A bound whose equation has no positive root is 0
    (if ``Q_gen(0)`` is below the lower critical value, both bounds are 0: the
    interval is the null set, as metafor reports it).
    Unlike metafor, the search for the upper bound is not capped at tau^2 = 100.
    """
    k, p = X.shape
    df = k - p
    if df < 1:
        return (float("nan"), float("nan"))
    if p == 1 and _ones(X):
        lo, hi, _ = engine.q_profile(engine.make_batch(y[None, :], v[None, :]), level)
        return (float(lo[0]), float(hi[0]))
    alpha = 1 - level / 100
    crit_u = chi2_isf(alpha / 2, df)
    crit_l = chi2_ppf(alpha / 2, df)
    q0 = q_gen(y, v, X, 0.0)
    if q0 < crit_l:
        return (0.0, 0.0)
    upper = _solve_q(y, v, X, crit_l)
    lower = 0.0 if q0 < crit_u else _solve_q(y, v, X, crit_u)
    return (lower, upper)
