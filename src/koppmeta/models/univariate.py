"""Fixed- and random-effects meta-analysis: :func:`meta_analysis` and its result.

The model: ``y_i = mu + u_i + e_i`` with ``u_i ~ N(0, tau^2)`` and
``e_i ~ N(0, v_i)`` (v_i known). ``mu`` is estimated by weighted least squares
with weights ``1/(v_i + tau^2)`` after tau^2 has been estimated
(:mod:`koppmeta.models.heterogeneity`). Inference is either a z test (normal
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

import math
import warnings
from dataclasses import dataclass, field
from functools import partial, cached_property, lru_cache
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from .. import formatting
from . import engine
from . import heterogeneity as het
from ..results import PooledResult, construct
from ..exceptions import ConvergenceWarning, KnappHartungWarning, MissingDataWarning, MultiplePeaksWarning
from .._validation import (
    check_choice,
    check_level,
    check_positive,
    check_same_length,
    effect_inputs,
    study_name,
)

TESTS = engine.TESTS

__all__ = ["MetaAnalysis", "MissingDataWarning", "meta_analysis", "fit_at_tau2", "format_p", "TESTS"]


@dataclass(frozen=True)
class MetaAnalysis(PooledResult):
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
        Prediction interval for the effect in a new study; ``pi_method`` says how it was computed.
    tau2 : float
        Between-study variance; ``tau2_ci`` its Q-profile interval (None for FE; computed on first use).
    i2, i2_ci, h2, h2_ci : float, tuple
        I^2 in percent and H^2, with intervals derived from ``tau2_ci``.
    q, q_df, q_pval : float
        Cochran's Q test of heterogeneity.
    tau2_other, loglik_other : float
        ML/REML: another maximum of the (restricted) likelihood and its log-likelihood
        (NaN when the likelihood has a single maximum, and for the other estimators). The scan
        for it runs on first use, unless ``peak="global"`` or metafor's check against tau^2 = 0
        needed it during the fit.
    method, test, level, measure : str, str, float, str or None
        Settings; ``measure`` is used only to show ratio measures back-transformed.
    studies : pandas.DataFrame
        Per-study table: ``label, yi, vi, ci_low, ci_high, weight`` (weight in percent).
    """

    k: int
    df: float
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
    pi_method: str = ""
    _yi: np.ndarray = field(default=None, repr=False, compare=False)
    _vi: np.ndarray = field(default=None, repr=False, compare=False)
    _labels: tuple = field(default=(), repr=False, compare=False)
    _vt: float = field(default=math.nan, repr=False, compare=False)
    #: ``(tau2_other, loglik_other)``, or None: scan the likelihood for another maximum on first use
    _other: tuple[float, float] | None = field(default=(math.nan, math.nan), repr=False, compare=False)

    # -- computed on first use (the scan for another likelihood maximum, Q-profile root finding and the
    #    per-study table cost more than the fit)
    @cached_property
    def _other_peak(self) -> tuple[float, float]:
        if self._other is not None:
            return self._other
        b = engine.make_batch(self._yi[None, :], self._vi[None, :])
        t, ll = engine.other_peaks(b, np.array([self.tau2]), self.method == "REML")
        return float(t[0]), float(ll[0])

    tau2_other = property(lambda self: self._other_peak[0], doc="ML/REML: tau^2 at another maximum of the "
                          "(restricted) likelihood (NaN if it has one maximum).")
    loglik_other = property(lambda self: self._other_peak[1], doc="The (restricted) log-likelihood at "
                            "``tau2_other`` (NaN if the likelihood has one maximum).")

    @cached_property
    def tau2_ci(self) -> tuple[float, float] | None:
        """Q-profile confidence interval for tau^2 (None for the fixed-effect model or k = 1)."""
        if self.method == "FE" or self.k < 2:
            return None
        lo, hi, _ = engine.q_profile(engine.make_batch(self._yi[None, :], self._vi[None, :]), self.level)
        return (float(lo[0]), float(hi[0]))

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

    # -- output ------------------------------------------------------------
    def _heading(self) -> str:
        return _model_title(self)

    def _records(self) -> list[dict[str, Any]]:
        row: dict[str, Any] = {
            "k": self.k, "method": self.method, "test": self.test, "level": self.level, "measure": self.measure,
            "estimate": self.estimate, "se": self.se, "stat": self.stat, "pval": self.pval, "df": self.df,
            "ci_low": self.ci_low, "ci_high": self.ci_high, "pi_low": self.pi_low, "pi_high": self.pi_high,
            "tau2": self.tau2,
            "tau2_ci_low": self.tau2_ci[0] if self.tau2_ci else math.nan,
            "tau2_ci_high": self.tau2_ci[1] if self.tau2_ci else math.nan,
            "i2": self.i2,
            "i2_ci_low": self.i2_ci[0] if self.i2_ci else math.nan,
            "i2_ci_high": self.i2_ci[1] if self.i2_ci else math.nan,
            "h2": self.h2, "q": self.q, "q_df": self.q_df, "q_pval": self.q_pval,
            "tau2_other": self.tau2_other, "loglik_other": self.loglik_other,
        }
        if self.is_ratio:
            row.update({f"{c}_exp": self.back_transform(row[c]) for c in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high")})
        return [row]

    def summary(self, digits: int = 4) -> str:
        """Text report that says in words what each number is (after metafor's ``print.rma``)."""
        return _summary_text(self, digits)

    def _describe(self) -> list[tuple[str, str, str]]:
        f, p = formatting.text, formatting.pvalue
        lv = f"{self.level:g}%"
        rows = [
            ("Pooled estimate", f(self.estimate), "weighted average effect"),
            (f"{lv} CI", f"{f(self.ci_low)} to {f(self.ci_high)}", "confidence interval of the pooled effect"),
            ("SE", f(self.se), "standard error" + (" (Knapp-Hartung)" if self.test != "z" else "")),
            ("z" if self.test == "z" else "t", f(self.stat), "test statistic for H0: effect = 0"),
            ("p", p(self.pval), "two-sided p-value"),
            ("Prediction interval", f"{f(self.pi_low)} to {f(self.pi_high)}", "range of true effects in a new study"),
        ]
        if self.is_ratio:
            b = self.back_transform
            rows.insert(2, (f"{self.measure} (back-transformed)", f"{f(b(self.estimate))} "
                            f"{formatting.interval(b(self.ci_low), b(self.ci_high), 4, plain=True)}", "on the ratio scale"))
        if self.method != "FE":
            tci = f" {formatting.interval(*self.tau2_ci, 4, plain=True)}" if self.tau2_ci else ""
            ici = f" {formatting.interval(*self.i2_ci, 1, plain=True)}" if self.i2_ci else ""
            rows += [("tau²", f(self.tau2) + tci, "between-study variance (Q-profile CI)"),
                     ("I²", formatting.percent(self.i2, 1) + ici, "share of variability due to heterogeneity")]
        rows += [("Q", f"{f(self.q)} (df = {self.q_df}, p = {p(self.q_pval)})", "test of heterogeneity")]
        return rows


# ---------------------------------------------------------------------------


def format_p(p: float, digits: int = 4) -> str:
    """A p-value as metafor prints it: ``<.0001`` below 1e-4, else with ``digits`` decimals."""
    return formatting.pvalue(p, digits)


def _model_title(r: MetaAnalysis) -> str:
    if r.method == "FE":
        return f"Fixed-effect (common-effect) model (k = {r.k})"
    return f"Random-effects model (k = {r.k}; tau^2 estimator: {r.method}, {het.METHOD_NAMES[r.method]})"


def _summary_text(r: MetaAnalysis, digits: int) -> str:
    f = partial(formatting.text, digits=digits)
    lv = f"{r.level:g}%"
    lines = [_model_title(r), ""]
    if r.method != "FE":
        ci = f" ({lv} CI: {f(r.tau2_ci[0])} to {f(r.tau2_ci[1])})" if r.tau2_ci else ""
        lines.append(f"tau^2 (estimated amount of total heterogeneity): {f(r.tau2)}{ci}")
        lines.append(f"tau   (square root of estimated tau^2 value):      {f(r.tau)}")
        ci = f" ({lv} CI: {formatting.percent(r.i2_ci[0], 2)} to {formatting.percent(r.i2_ci[1], 2)})" if r.i2_ci else ""
        lines.append(f"I^2   (total heterogeneity / total variability):   {formatting.percent(r.i2, 2)}{ci}")
        lines.append(f"H^2   (total variability / sampling variability):  {formatting.text(r.h2, 2)}")
    else:
        lines.append(f"I^2   (total heterogeneity / total variability):   {formatting.percent(r.i2, 2)}")
        lines.append(f"H^2   (total variability / sampling variability):  {formatting.text(r.h2, 2)}")
    lines += ["", "Test for heterogeneity (do the studies differ more than chance allows?):",
              f"Q(df = {r.q_df}) = {f(r.q)}, p-val {formatting.pvalue(r.q_pval, digits, style='metafor-equals')}", ""]
    stat = "zval" if r.test == "z" else "tval"
    kh = {"knha": ", Knapp-Hartung t test with df = %d", "adhoc": ", ad hoc Knapp-Hartung t test (factor at least 1) with df = %d"}
    lines.append("Model results (pooled effect" + (kh[r.test] % r.df if r.test in kh else ", z test") + "):")
    head = ["estimate", "se", stat, "pval", "ci.lb", "ci.ub"]
    vals = [f(r.estimate), f(r.se), f(r.stat), format_p(r.pval, digits), f(r.ci_low), f(r.ci_high)]
    lines += formatting.columns(head, [vals], first_left=False)
    lines.append("")
    lines.append(f"Prediction interval (where {lv} of true effects in new studies are expected): {f(r.pi_low)} to {f(r.pi_high)}")
    if r.is_ratio:
        def e(x):
            return f(r.back_transform(x))

        lines.append(
            f"Back-transformed ({r.measure}): {e(r.estimate)} ({lv} CI: {e(r.ci_low)} to {e(r.ci_high)}; "
            f"prediction interval {e(r.pi_low)} to {e(r.pi_high)})"
        )
    if not math.isnan(r.tau2_other):
        lines.append(f"Note: the {'restricted ' if r.method == 'REML' else ''}likelihood has another maximum at "
                     f"tau^2 = {f(r.tau2_other)} (log-likelihood {f(r.loglik_other)}).")
    for note in r.notes:
        lines.append(f"Note: {note}")
    return "\n".join(lines)


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
    peak: str = "start",
) -> MetaAnalysis:
    """Fixed- or random-effects meta-analysis of effect sizes ``yi`` with sampling variances ``vi``.

    Parameters
    ----------
    yi, vi : array-like or str
        Effect sizes and their sampling variances, or column names in ``data``.
    method : {"FE", "DL", "REML", "ML", "PM", "HE", "SJ", "HS", "EB"}
        tau^2 estimator (see :func:`koppmeta.models.heterogeneity.estimate_tau2`); "FE" fits
        the fixed-effect (common-effect) model.
    test : {"z", "knha", "adhoc"}
        z test, or the Knapp-Hartung adjustment with a t distribution; ``"adhoc"`` is the
        ad hoc variant that never lets the adjustment shrink the variance (factor
        ``max(1, s^2)``; Knapp & Hartung 2003; metafor ``test="adhoc"``).
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
    peak : {"start", "global"}
        ML/REML where the likelihood has more than one maximum: ``"start"`` (default, metafor's
        answer) keeps the maximum reached by Fisher scoring from the HE estimate (after
        metafor's check against tau^2 = 0); ``"global"`` the highest maximum found. Either
        way ``tau2_other`` and ``loglik_other`` give the other one.

    Returns
    -------
    MetaAnalysis

    Raises
    ------
    ValueError, TypeError
        Unknown method or test (listing the valid ones), lengths that differ, empty input,
        text, missing or non-finite values, or variances that are not positive; the message
        names the argument, the study (label and row), the value and the rule.
    koppmeta.ConvergenceError
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
    - ML/REML: Fisher scoring (Newton steps near the root) to a change below 1e-13, kept inside a
      bracket where it oscillates (:mod:`koppmeta.models.engine`); this converges where metafor's plain
      Fisher scoring would report non-convergence. Only on degenerate data that never settles is
      the highest maximum of a scan of the score used, with a :class:`ConvergenceWarning`. If the
      likelihood at tau^2 = 0 is higher than at the solution, 0 is used (metafor's ``ll0check``),
      with a :class:`MultiplePeaksWarning`.
    - PM/EB: Brent's method to 1e-14; if no finite tau^2 reaches the target, a
      :class:`ConvergenceError` is raised. Results never contain a silent NaN.
    - The order of the studies does not change any result.

    Examples
    --------
    >>> import koppmeta
    >>> es = koppmeta.datasets.load_bcg("RR")  # log risk ratios yi and their variances vi
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
    if test != "z" and k < 2:
        raise ValueError(f"{func}: test='{test}' needs at least 2 studies (its t distribution has k - 1 df); got k = {k}. Use test='z'.")
    notes: list[str] = []
    if method == "FE" and test != "z":
        warnings.warn("meta_analysis: the Knapp-Hartung method is meant for random-effects models, not method='FE'.",
                      KnappHartungWarning, stacklevel=2)
    check_choice(func, "peak", peak, ("start", "global"))
    s = engine.single_batch(y, v)
    # the scan for another maximum runs here only where it decides tau^2 (peak="global") or a warning names
    # its result (metafor's ll0check); otherwise on first use of tau2_other (MetaAnalysis._other_peak)
    scan = peak == "global"
    one = None
    if method in ("ML", "REML") and k > 1:  # numbers throughout, unless Fisher scoring needs the batch
        one = engine.estimate_one(s, method, peak=peak, peaks=scan)
        if one is not None and not scan and one.ll0:
            one = engine.estimate_one(s, method, peak=peak)
            scan = True
    if one is None:
        est = engine.estimate_tau2(s.full(), method, peak=peak, peaks=scan)
        if not scan and est.ll0[0]:
            est = engine.estimate_tau2(s.full(), method, peak=peak)
            scan = True
        converged = bool(est.converged[0])
        one = engine.OneTau2(float(est.tau2[0]), bool(est.ll0[0]), float(est.tau2_other[0]),
                             float(est.loglik_other[0]), float(est.loglik[0]), est.one)
    else:
        converged = True
    tau2 = one.tau2
    if k > 1 and method in ("SJ",) and float(s.y @ s.y) == 0.0:
        notes.append("all effects are equal; tau^2 = 0")
    if not converged:
        notes.append("degenerate data: Fisher scoring did not settle; tau^2 is the highest maximum of a scan of the likelihood")
        warnings.warn(f"{func}: {method}: Fisher scoring did not settle in {engine.MAXITER_SCORING} iterations (the data "
                      f"are degenerate); tau^2 = {tau2:.6g} is the highest maximum of the likelihood found by a scan "
                      "of its score. Check the data, or compare with method='PM' or 'DL'.", ConvergenceWarning, stacklevel=2)
    if one.ll0:
        notes.append("likelihood higher at tau^2 = 0 than at the Fisher-scoring solution; tau^2 set to 0")
        warnings.warn(f"{func}: {method}: the likelihood is higher at tau^2 = 0 than at the Fisher-scoring solution; "
                      f"tau^2 set to 0 (as metafor). Its highest other maximum is at tau^2 = "
                      f"{one.tau2_other:.6g} (see tau2_other, loglik_other).", MultiplePeaksWarning, stacklevel=2)
    if k == 1:
        notes.append("one study: heterogeneity cannot be estimated; tau^2 = 0")
    return fit_at_tau2(y, v, tau2, method=method, test=test, level=level, labels=lab, measure=measure, notes=notes,
                       tau2_other=one.tau2_other, loglik_other=one.loglik_other, single=s,
                       converged=converged, sums=one.sums,
                       scan_later=not scan and method in ("ML", "REML") and k > 1 and converged)


@lru_cache(maxsize=256)
def pi_method(test: str, k: int) -> str:
    """How the prediction interval is computed, in words (metafor ``predict.rma``)."""
    if test == "z" or k < 2:
        return "estimate +/- z quantile x sqrt(tau^2 + se^2) (normal distribution)"
    return f"estimate +/- t quantile with {k - 1} df x sqrt(tau^2 + se^2), se from the {test} test"


def fit_at_tau2(y, v, tau2: float, *, method: str, test: str, level: float, labels=None, measure=None,
                notes=(), tau2_other: float = math.nan, loglik_other: float = math.nan, single=None,
                converged: bool = True, scan_later: bool = False, sums=None) -> MetaAnalysis:
    """The :class:`MetaAnalysis` of an intercept-only model at a given tau^2 (assembled by :func:`koppmeta.models.engine.assemble`).

    Used by :func:`meta_analysis` and wherever tau^2 comes from elsewhere (e.g. a common tau^2
    across subgroups). ``single``: :func:`koppmeta.models.engine.single_batch` of ``y, v`` if already built.
    ``scan_later``: ``tau2_other`` and ``loglik_other`` come from :func:`koppmeta.models.engine.other_peaks` on first
    use (instead of the values given). ``sums``: the estimation's sums at ``tau2``
    (:class:`koppmeta.models.engine.OneSums`), if it has them.
    """
    notes = list(notes)
    s = engine.single_batch(y, v) if single is None else single
    k = len(y)
    if k > 1:
        r = engine.assemble_one(s, tau2, method=method, test=test, level=level, sums=sums)
    else:
        full = engine.assemble(s.full(), np.array([tau2]), method=method, test=test, level=level)
        r = {key: float(full[key][0]) for key in engine.ASSEMBLED}
        r["all_equal"] = bool(full["all_equal"][0])
    if r.pop("all_equal"):
        notes.append("all effects are equal: the Knapp-Hartung scaling factor is 0, so se = 0")
    vt = r.pop("vt")
    del r["qgen0"]
    return construct(
        MetaAnalysis, **r, k=k, tau2=tau2, q_df=k - 1, method=method, test=test, level=level, measure=measure,
        converged=converged, iterations=0, notes=tuple(notes), pi_method=pi_method(test, k),
        _other=None if scan_later else (tau2_other, loglik_other), _yi=y, _vi=v,
        _labels=None if labels is None else tuple(labels), _vt=vt,
    )
