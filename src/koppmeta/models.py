"""Fixed- and random-effects meta-analysis: :func:`meta_analysis` and its result.

The model: ``y_i = mu + u_i + e_i`` with ``u_i ~ N(0, tau^2)`` and
``e_i ~ N(0, v_i)`` (v_i known). ``mu`` is estimated by weighted least squares
with weights ``1/(v_i + tau^2)`` after tau^2 has been estimated
(:mod:`koppmeta.heterogeneity`). Inference is either a z test (normal
distribution) or the Knapp-Hartung method (Knapp & Hartung 2003, Stat Med
22:2693-2710): the variance is scaled by ``s^2 = sum w_i (y_i - mu)^2 / (k-1)``
and a t distribution with k-1 degrees of freedom is used, exactly as metafor's
``test="knha"`` (no truncation of s^2 at 1).

The prediction interval is ``mu +/- crit * sqrt(se^2 + tau^2)`` with the same
critical value as the confidence interval (metafor ``predict()`` default).
Heterogeneity: Cochran's Q with the fixed-effect weights; ``I^2 = 100 tau^2 / (tau^2 + s^2)``
and ``H^2 = (tau^2 + s^2) / s^2`` with the "typical" within-study variance
``s^2 = (k-1) / tr(P_0)`` (Higgins & Thompson 2002, Stat Med 21:1539-1558, eq. 9;
metafor's definition). For the fixed-effect model ``I^2 = max(0, (Q - df)/Q)`` and
``H^2 = Q/df``.
"""

from __future__ import annotations

import html
import math
import warnings
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from . import heterogeneity as het
from ._validation import (
    check_choice,
    check_level,
    check_positive,
    check_same_length,
    effect_inputs,
    study_name,
)

TESTS = ("z", "knha")


class MissingDataWarning(UserWarning):
    """Studies were left out because of missing values (only with ``missing="drop"``)."""

__all__ = ["MetaAnalysis", "MissingDataWarning", "meta_analysis", "TESTS"]


@dataclass(frozen=True)
class MetaAnalysis:
    """Result of :func:`meta_analysis`. All numbers are unrounded floats.

    Attributes
    ----------
    k : int
        Number of studies.
    estimate, se : float
        Pooled effect and its standard error (Knapp-Hartung scaled when ``test="knha"``).
    stat, pval : float
        z (or t) statistic and its two-sided p-value for H0: effect = 0.
    df : float
        Degrees of freedom of the t distribution (``k - 1``) for ``test="knha"``; NaN for z.
    ci_low, ci_high : float
        Confidence interval of the pooled effect at ``level``.
    pi_low, pi_high : float
        Prediction interval for the effect in a new study.
    tau2 : float
        Between-study variance; ``tau2_ci`` its Q-profile interval (None for FE; computed on first use).
    i2, i2_ci, h2, h2_ci : float, tuple
        I^2 in percent and H^2, with intervals derived from ``tau2_ci``.
    q, q_df, q_pval : float
        Cochran's Q test of heterogeneity.
    method, test, level, measure : str, str, float, str or None
        Settings; ``measure`` is used only to show ratio measures back-transformed.
    studies : pandas.DataFrame
        Per-study table: ``label, yi, vi, ci_low, ci_high, weight`` (weight in percent).
    """

    k: int
    estimate: float
    se: float
    stat: float
    pval: float
    df: float
    ci_low: float
    ci_high: float
    pi_low: float
    pi_high: float
    tau2: float
    i2: float
    h2: float
    q: float
    q_df: int
    q_pval: float
    method: str
    test: str
    level: float
    measure: str | None
    converged: bool = True
    iterations: int = 0
    notes: tuple[str, ...] = ()
    _yi: np.ndarray = field(default=None, repr=False, compare=False)
    _vi: np.ndarray = field(default=None, repr=False, compare=False)
    _labels: tuple = field(default=(), repr=False, compare=False)
    _vt: float = field(default=math.nan, repr=False, compare=False)

    # -- computed on first use (Q-profile root finding and the per-study table cost more than the fit)
    @cached_property
    def tau2_ci(self) -> tuple[float, float] | None:
        """Q-profile confidence interval for tau^2 (None for the fixed-effect model or k = 1)."""
        if self.method == "FE" or self.k < 2:
            return None
        return het.q_profile_ci(self._yi, self._vi, np.ones((self.k, 1)), self.level)

    @cached_property
    def i2_ci(self) -> tuple[float, float] | None:
        """I^2 interval from the tau^2 interval: ``100 tau^2 / (s^2 + tau^2)`` at each bound."""
        t = self.tau2_ci
        return None if t is None else (100 * t[0] / (self._vt + t[0]), 100 * t[1] / (self._vt + t[1]))

    @cached_property
    def h2_ci(self) -> tuple[float, float] | None:
        """H^2 interval from the tau^2 interval: ``tau^2 / s^2 + 1`` at each bound."""
        t = self.tau2_ci
        return None if t is None else (t[0] / self._vt + 1, t[1] / self._vt + 1)

    @cached_property
    def studies(self) -> pd.DataFrame:
        """Per-study table: label, yi, vi, ci_low, ci_high (normal-based) and weight (percent)."""
        y, v = self._yi, self._vi
        z = float(special.ndtri(1 - (1 - self.level / 100) / 2))
        w = 1.0 / (v + self.tau2)
        return pd.DataFrame({"label": self.labels, "yi": y, "vi": v, "ci_low": y - z * np.sqrt(v),
                             "ci_high": y + z * np.sqrt(v), "weight": w / w.sum() * 100})

    # -- derived -----------------------------------------------------------
    @property
    def tau(self) -> float:
        """Square root of tau^2."""
        return math.sqrt(self.tau2)

    @property
    def labels(self) -> list[str]:
        """Study labels; "Study 1", "Study 2", ... when none were given."""
        if self._labels is None:
            return [f"Study {i + 1}" for i in range(self.k)]
        return list(self._labels)

    @property
    def yi(self) -> np.ndarray:
        return self._yi.copy()

    @property
    def vi(self) -> np.ndarray:
        return self._vi.copy()

    @property
    def weights(self) -> np.ndarray:
        """Weights in percent, as metafor's ``weights()``."""
        w = 1.0 / (self._vi + self.tau2)
        return w / w.sum() * 100

    @property
    def is_ratio(self) -> bool:
        return self.measure in ("RR", "OR", "HR", "IRR")

    # -- output ------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """One-row table of the results (unrounded), convenient for stacking several analyses."""
        row: dict[str, Any] = {
            "k": self.k, "method": self.method, "test": self.test, "level": self.level,
            "estimate": self.estimate, "se": self.se, "stat": self.stat, "pval": self.pval, "df": self.df,
            "ci_low": self.ci_low, "ci_high": self.ci_high, "pi_low": self.pi_low, "pi_high": self.pi_high,
            "tau2": self.tau2,
            "tau2_ci_low": self.tau2_ci[0] if self.tau2_ci else math.nan,
            "tau2_ci_high": self.tau2_ci[1] if self.tau2_ci else math.nan,
            "i2": self.i2,
            "i2_ci_low": self.i2_ci[0] if self.i2_ci else math.nan,
            "i2_ci_high": self.i2_ci[1] if self.i2_ci else math.nan,
            "h2": self.h2, "q": self.q, "q_df": self.q_df, "q_pval": self.q_pval,
        }
        if self.is_ratio:
            row.update({"estimate_exp": math.exp(self.estimate), "ci_low_exp": math.exp(self.ci_low),
                        "ci_high_exp": math.exp(self.ci_high), "pi_low_exp": math.exp(self.pi_low),
                        "pi_high_exp": math.exp(self.pi_high)})
        return pd.DataFrame([row])

    def summary(self, digits: int = 4) -> str:
        """Text report that says in words what each number is (after metafor's ``print.rma``)."""
        return _summary_text(self, digits)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return _summary_html(self)


# ---------------------------------------------------------------------------


def _fmt_p(p: float, digits: int = 4) -> str:
    if math.isnan(p):
        return "NA"
    return "<.0001" if p < 1e-4 else f"{p:.{digits}f}"


def _model_title(r: MetaAnalysis) -> str:
    if r.method == "FE":
        return f"Fixed-effect (common-effect) model (k = {r.k})"
    return f"Random-effects model (k = {r.k}; tau^2 estimator: {r.method}, {het.METHOD_NAMES[r.method]})"


def _summary_text(r: MetaAnalysis, digits: int) -> str:
    f = lambda x: "NA" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"  # noqa: E731
    lv = f"{r.level:g}%"
    lines = [_model_title(r), ""]
    if r.method != "FE":
        ci = f" ({lv} CI: {f(r.tau2_ci[0])} to {f(r.tau2_ci[1])})" if r.tau2_ci else ""
        lines.append(f"tau^2 (estimated amount of total heterogeneity): {f(r.tau2)}{ci}")
        lines.append(f"tau   (square root of estimated tau^2 value):      {f(r.tau)}")
        ci = f" ({lv} CI: {r.i2_ci[0]:.2f}% to {r.i2_ci[1]:.2f}%)" if r.i2_ci else ""
        lines.append(f"I^2   (total heterogeneity / total variability):   {r.i2:.2f}%{ci}")
        lines.append(f"H^2   (total variability / sampling variability):  {r.h2:.2f}")
    else:
        lines.append(f"I^2   (total heterogeneity / total variability):   {r.i2:.2f}%")
        lines.append(f"H^2   (total variability / sampling variability):  {r.h2:.2f}")
    lines += ["", "Test for heterogeneity (do the studies differ more than chance allows?):",
              f"Q(df = {r.q_df}) = {f(r.q)}, p-val {('< .0001' if r.q_pval < 1e-4 else '= ' + f(r.q_pval))}", ""]
    stat = "tval" if r.test == "knha" else "zval"
    lines.append("Model results (pooled effect" + (", Knapp-Hartung t test with df = %d" % r.df if r.test == "knha" else ", z test") + "):")
    head = ["estimate", "se", stat, "pval", "ci.lb", "ci.ub"]
    vals = [f(r.estimate), f(r.se), f(r.stat), _fmt_p(r.pval, digits), f(r.ci_low), f(r.ci_high)]
    widths = [max(len(h), len(v)) for h, v in zip(head, vals)]
    lines.append("  ".join(h.rjust(w) for h, w in zip(head, widths)))
    lines.append("  ".join(v.rjust(w) for v, w in zip(vals, widths)))
    lines.append("")
    lines.append(f"Prediction interval (where {lv} of true effects in new studies are expected): {f(r.pi_low)} to {f(r.pi_high)}")
    if r.is_ratio:
        e = lambda x: f"{math.exp(x):.{digits}f}"  # noqa: E731
        lines.append(
            f"Back-transformed ({r.measure}): {e(r.estimate)} ({lv} CI: {e(r.ci_low)} to {e(r.ci_high)}; "
            f"prediction interval {e(r.pi_low)} to {e(r.pi_high)})"
        )
    for note in r.notes:
        lines.append(f"Note: {note}")
    return "\n".join(lines)


def _summary_html(r: MetaAnalysis) -> str:
    esc = html.escape
    f = lambda x: f"{x:.4f}"  # noqa: E731
    lv = f"{r.level:g}%"
    rows = [
        ("Pooled estimate", f(r.estimate), "weighted average effect"),
        (f"{lv} CI", f"{f(r.ci_low)} to {f(r.ci_high)}", "confidence interval of the pooled effect"),
        ("SE", f(r.se), "standard error" + (" (Knapp-Hartung)" if r.test == "knha" else "")),
        ("t" if r.test == "knha" else "z", f(r.stat), "test statistic for H0: effect = 0"),
        ("p", _fmt_p(r.pval), "two-sided p-value"),
        ("Prediction interval", f"{f(r.pi_low)} to {f(r.pi_high)}", "range of true effects in a new study"),
    ]
    if r.is_ratio:
        rows.insert(2, (f"{r.measure} (back-transformed)",
                        f"{math.exp(r.estimate):.4f} [{math.exp(r.ci_low):.4f}, {math.exp(r.ci_high):.4f}]",
                        "on the ratio scale"))
    if r.method != "FE":
        tci = f" [{f(r.tau2_ci[0])}, {f(r.tau2_ci[1])}]" if r.tau2_ci else ""
        ici = f" [{r.i2_ci[0]:.1f}, {r.i2_ci[1]:.1f}]" if r.i2_ci else ""
        rows += [("tau²", f(r.tau2) + tci, "between-study variance (Q-profile CI)"),
                 ("I²", f"{r.i2:.1f}%" + ici, "share of variability due to heterogeneity")]
    rows += [("Q", f"{f(r.q)} (df = {r.q_df}, p = {_fmt_p(r.q_pval)})", "test of heterogeneity")]
    body = "".join(f"<tr><th style='text-align:left'>{esc(a)}</th><td>{esc(b)}</td><td style='color:#666'>{esc(c)}</td></tr>"
                   for a, b, c in rows)
    return (f"<div class='koppmeta-result'><p><b>{esc(_model_title(r))}</b></p>"
            f"<table>{body}</table></div>")


# ---------------------------------------------------------------------------


def meta_analysis(
    yi: Any,
    vi: Any,
    *,
    method: str = "REML",
    test: str = "z",
    level: float = 95,
    data: pd.DataFrame | None = None,
    labels: Any = None,
    measure: str | None = None,
    missing: str = "raise",
) -> MetaAnalysis:
    """Fixed- or random-effects meta-analysis of effect sizes ``yi`` with sampling variances ``vi``.

    Parameters
    ----------
    yi, vi : array-like or str
        Effect sizes and their sampling variances, or column names in ``data``.
    method : {"FE", "DL", "REML", "ML", "PM", "HE", "SJ", "HS", "EB"}
        tau^2 estimator (see :func:`koppmeta.heterogeneity.estimate_tau2`); "FE" fits
        the fixed-effect (common-effect) model.
    test : {"z", "knha"}
        z test, or the Knapp-Hartung adjustment with a t distribution.
    level : float
        Confidence level in percent.
    data : pandas.DataFrame, optional
        Table holding the columns named by ``yi``, ``vi`` and ``labels``.
    labels : array-like or str, optional
        Study labels (or a column name), used in tables, plots and error messages.
    measure : str, optional
        The effect measure ("RR", "OR", "SMD", ...); ratio measures are shown back-transformed.
    missing : {"raise", "drop"}
        A study with a missing ``yi`` or ``vi`` raises an error by default; ``"drop"`` leaves it
        out with a :class:`MissingDataWarning` that names every dropped study.

    Returns
    -------
    MetaAnalysis

    Raises
    ------
    ValueError, TypeError
        Unknown method or test (listing the valid ones), lengths that differ, empty input,
        text, missing or non-finite values, or variances that are not positive; the message
        names the argument, the study (label and row), the value and the rule.
    koppmeta.heterogeneity.ConvergenceError
        If an iterative estimator cannot reach a solution.

    Notes
    -----
    Numbers agree with metafor ``rma(yi, vi, method=..., test=...)`` to 1e-6 (see
    ``tests/test_parity_metafor.py``). Edge cases have defined answers (``tests/test_edge_cases.py``):

    - k = 1: the estimate is that study's effect, tau^2 = 0, Q = 0, I^2 = 0, H^2 = 1 (as metafor);
      ``test="knha"`` needs at least two studies.
    - All effects equal: tau^2 = 0 and Q = 0; with Knapp-Hartung the scaling factor is 0, so
      se = 0 (a note says so).
    - tau^2 on the boundary: estimators that would go negative return exactly 0; the Q-profile
      interval is (0, 0) when even tau^2 = 0 leaves Q below its lower critical value.
    - The upper Q-profile bound is searched without metafor's cap at tau^2 = 100 (metafor then
      reports "> 100"); with two studies it is often far above that.
    - ML/REML: Fisher scoring (Newton steps near the root) to a change below 1e-13. If it does not
      settle, every root of the score is found on a grid and refined, and the one with the highest
      likelihood is used, with a :class:`ConvergenceWarning`. If the likelihood at tau^2 = 0 is
      higher than at the solution, 0 is used (metafor's ``ll0check``), with a warning.
    - PM/EB: Brent's method to 1e-14; if no finite tau^2 reaches the target, a
      :class:`ConvergenceError` is raised. Results never contain a silent NaN.
    - The order of the studies does not change any result.

    Examples
    --------
    >>> import koppmeta
    >>> bcg = koppmeta.datasets.load_bcg()
    >>> es = koppmeta.effect_sizes(bcg, "RR", events1="tpos", nonevents1="tneg",
    ...                            events2="cpos", nonevents2="cneg")
    >>> fit = koppmeta.meta_analysis("yi", "vi", data=es, labels="label", measure="RR")
    >>> round(fit.estimate, 4)
    -0.7145
    """
    func = "meta_analysis"
    check_choice(func, "method", method, het.METHODS)
    check_choice(func, "test", test, TESTS)
    level = check_level(func, level)
    check_choice(func, "missing", missing, ("raise", "drop"))
    drop = missing == "drop"
    y, v, lab, k = effect_inputs(func, yi, vi, labels, data, allow_nan=drop)
    if drop:
        gone = np.flatnonzero(np.isnan(y) | np.isnan(v))
        if gone.size:
            names = [study_name(lab, int(i)) for i in gone]
            warnings.warn(f"{func}: {gone.size} of {k} studies dropped because yi or vi is missing: "
                          + "; ".join(names) + ".", MissingDataWarning, stacklevel=2)
            keep = np.setdiff1d(np.arange(k), gone)
            y, v = y[keep], v[keep]
            lab = [lab[i] for i in keep] if lab is not None else [f"Study {i + 1}" for i in keep]
            k = check_same_length(func, yi=y, vi=v)
    if not (v > 0).all():
        check_positive(func, "vi", v, lab, rule="sampling variances must be greater than 0")
    if test == "knha" and k < 2:
        raise ValueError(f"{func}: test='knha' needs at least 2 studies (its t distribution has k - 1 df); got k = {k}. Use test='z'.")
    notes: list[str] = []
    if method == "FE" and test == "knha":
        warnings.warn("meta_analysis: the Knapp-Hartung method is meant for random-effects models, not method='FE'.",
                      UserWarning, stacklevel=2)
    X = np.ones((k, 1))
    fit = het.estimate_tau2(y, v, X, method)
    if fit.note:
        notes.append(fit.note)
    if k == 1:
        notes.append("one study: heterogeneity cannot be estimated; tau^2 = 0")
    return _assemble(y, v, X, fit, method=method, test=test, level=level, labels=lab, measure=measure, notes=notes)


@lru_cache(maxsize=256)
def _critical(test: str, level: float, df: float) -> float:
    """Two-sided critical value of the normal (z) or t (knha) distribution."""
    alpha = 1 - level / 100
    return float(special.stdtrit(df, 1 - alpha / 2)) if test == "knha" else float(special.ndtri(1 - alpha / 2))


def _assemble(y, v, X, fit: het.Tau2Fit, *, method, test, level, labels, measure, notes) -> MetaAnalysis:
    """Pooled estimate and inference for an intercept-only model (X is a column of ones)."""
    k, p = X.shape
    tau2 = fit.tau2
    yc = y - y.mean()  # centred: the weighted sums below then carry no cancellation
    M = np.vstack([np.ones_like(yc), yc, yc * yc])
    w = 1.0 / (v[:, None] + np.array([tau2, 0.0]))  # column 0: model weights; column 1: fixed-effect weights
    (sw, s0), (swy, s0y), (swyy, s0yy) = (M @ w).tolist()
    est_c = swy / sw
    est = float(y.mean()) + est_c
    var = 1.0 / sw
    if test == "knha":
        rss = max(0.0, swyy - swy * est_c)
        s2w = 0.0 if rss <= np.finfo(float).eps else rss / (k - p)
        if s2w == 0.0:
            notes.append("all effects are equal: the Knapp-Hartung scaling factor is 0, so se = 0")
        var *= s2w
        df = float(k - p)
    else:
        df = math.nan
    crit = _critical(test, level, df if test == "knha" else 0.0)
    se = math.sqrt(var)
    if se > 0:
        stat = est / se
        pval = float(2 * (special.stdtr(df, -abs(stat)) if test == "knha" else special.ndtr(-abs(stat))))
    else:
        stat = math.copysign(math.inf, est) if est != 0 else math.nan
        pval = 0.0 if est != 0 else 1.0
    # heterogeneity with fixed-effect weights (metafor: QE, vt = (k-p)/tr(P), I^2, H^2)
    if k > p:
        q = max(0.0, s0yy - s0y * s0y / s0)
        q_pval = float(special.chdtrc(k - p, q))
        w0 = w[:, 1]
        vt = (k - p) / (s0 - float(w0 @ w0) / s0)
        if method == "FE":
            i2 = max(0.0, 100 * (q - (k - p)) / q) if q > 0 else 0.0
            h2 = q / (k - p)
        else:
            i2 = 100 * tau2 / (vt + tau2)
            h2 = tau2 / vt + 1
    else:
        q, q_pval, i2, h2, vt = 0.0, 1.0, 0.0, 1.0, math.nan
    pi_se = math.sqrt(var + tau2)
    return MetaAnalysis(
        k=k, estimate=est, se=se, stat=stat, pval=pval, df=df,
        ci_low=est - crit * se, ci_high=est + crit * se,
        pi_low=est - crit * pi_se, pi_high=est + crit * pi_se,
        tau2=tau2, i2=i2, h2=h2, q=q, q_df=k - p, q_pval=q_pval, method=method, test=test, level=level,
        measure=measure, converged=fit.converged, iterations=fit.iterations, notes=tuple(notes),
        _yi=y, _vi=v, _labels=None if labels is None else tuple(labels), _vt=vt,
    )
