"""Sensitivity analyses of a fitted meta-analysis: leave-one-out, influence, cumulative, Baujat.

Every function takes a :class:`koppmeta.MetaAnalysis` and refits the same model
(same tau^2 estimator ``fit.method``, test ``fit.test`` and level ``fit.level``) to
subsets of its studies, as metafor's ``leave1out()``, ``influence()``, ``cumul()``
and ``baujat()`` do. The numbers agree with metafor 3.8-1 to 1e-6
(``tests/test_sensitivity.py``, reference values from ``tests/r/make_fixtures_bias.R``).

One detail follows metafor exactly: a Knapp-Hartung model refitted to a single
study cannot use a t distribution with k - 1 = 0 degrees of freedom, so that one
refit uses the z test (metafor: 'Setting argument test="z" since k=1'); a warning
says so.

Notation (one study i deleted): ``mu`` and ``tau^2`` are the full model's estimate
and heterogeneity, ``mu_(i)``, ``tau^2_(i)`` and ``Var(mu_(i))`` those of the model
fitted without study i, ``s^2_(i)`` its Knapp-Hartung scale factor (1 for the z
test), ``w_i = 1/(v_i + tau^2)`` and ``h_i = w_i / sum_j w_j`` the leverage (hat value).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from tqdm.auto import tqdm

from .._validation import numeric_vector, study_name
from .. import formatting
from ..models.univariate import MetaAnalysis, meta_analysis
from ..exceptions import KnappHartungWarning
from ..results import Result, TableResult

__all__ = ["leave_one_out", "influence", "InfluenceResult", "cumulative", "baujat"]

#: Refits at or above this many studies show a progress bar unless ``progress`` says otherwise.
PROGRESS_MIN_K = 200

_COLUMNS = ["estimate", "se", "stat", "pval", "ci_low", "ci_high", "q", "q_pval", "tau2", "i2", "h2"]
#: What the columns of the refitted models mean (shown by the tables' ``summary()``).
_MEANINGS = {"k": "studies in the model", "estimate": "pooled effect", "se": "its standard error",
             "stat": "test statistic for H0: effect = 0", "pval": "its two-sided p-value",
             "ci_low": "lower confidence limit", "ci_high": "upper confidence limit",
             "q": "Cochran's Q", "q_pval": "p-value of the test of heterogeneity",
             "tau2": "between-study variance", "i2": "I^2 (percent)", "h2": "H^2",
             "x": "contribution to the heterogeneity statistic Q", "y": "influence on the pooled estimate"}


def _table(fit: MetaAnalysis, out: pd.DataFrame, heading: str) -> TableResult:
    return TableResult(out, heading=heading, explanations=_MEANINGS, measure=fit.measure, level=fit.level)



# ---------------------------------------------------------------------------
# shared helpers (also used by koppmeta.diagnostics.bias)
# ---------------------------------------------------------------------------


def check_fit(func: str, fit: Any) -> MetaAnalysis:
    """``fit`` itself if it is a :class:`MetaAnalysis`; else a TypeError that names ``func``."""
    if not isinstance(fit, MetaAnalysis):
        raise TypeError(
            f"{func}: argument 'fit' must be a MetaAnalysis returned by koppmeta.meta_analysis() "
            f"(a model without moderators, as metafor requires here); got {type(fit).__name__}."
        )
    return fit


def check_k(func: str, fit: MetaAnalysis, minimum: int, why: str) -> None:
    """A ValueError naming ``func`` and ``why`` when ``fit`` has fewer than ``minimum`` studies."""
    if fit.k < minimum:
        raise ValueError(f"{func}: needs at least {minimum} studies ({why}); the model has k = {fit.k}.")


def _refit(fit: MetaAnalysis, idx: Sequence[int] | np.ndarray) -> MetaAnalysis:
    """The model of ``fit`` refitted to the studies at positions ``idx`` (in that order)."""
    idx = np.asarray(idx, dtype=int)
    labels = fit.labels
    test = fit.test
    if test == "knha" and idx.size < 2:
        test = "z"  # as metafor: 'Setting argument test="z" since k=1'
    with warnings.catch_warnings():
        # the user was already told when the model itself was fitted
        warnings.simplefilter("ignore", KnappHartungWarning)
        return meta_analysis(fit.yi[idx], fit.vi[idx], method=fit.method, test=test, level=fit.level,
                             labels=[labels[i] for i in idx], measure=fit.measure)


def _rows_many(fit: MetaAnalysis, sets: Sequence[np.ndarray], progress: bool) -> pd.DataFrame:
    """The model of ``fit`` refitted to each index set at once through :func:`koppmeta.fit_many`.

    Sets of one study under Knapp-Hartung are fitted with the z test, as metafor does.
    """
    from ..models.batch import fit_many

    n, k = len(sets), fit.k
    Y = np.full((n, k), np.nan)
    V = np.full((n, k), np.nan)
    y, v = fit.yi, fit.vi
    for r, idx in enumerate(sets):
        Y[r, : len(idx)] = y[idx]
        V[r, : len(idx)] = v[idx]
    sizes = np.array([len(idx) for idx in sets])
    out = pd.DataFrame(np.nan, index=range(n), columns=_COLUMNS)
    single = (sizes == 1) & (fit.test == "knha")
    with warnings.catch_warnings():
        # the user was already told when the model itself was fitted
        warnings.simplefilter("ignore", KnappHartungWarning)
        for rows, test in ((~single, fit.test), (single, "z")):
            if rows.any():
                res = fit_many(Y[rows], V[rows], method=fit.method, test=test, level=fit.level, progress=progress)
                out.loc[rows, _COLUMNS] = res[_COLUMNS].to_numpy()
    return out


def _s2w(sub: MetaAnalysis) -> float:
    """Knapp-Hartung scale factor of a fitted model (1 for the z test): Var(mu) * sum(w)."""
    if sub.test != "knha":
        return 1.0
    return sub.se**2 * float(np.sum(1.0 / (sub.vi + sub.tau2)))


def _want_progress(progress: bool | None, n: int) -> bool:
    if progress is None:
        return n >= PROGRESS_MIN_K
    if not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"argument 'progress' must be True, False or None; got {progress!r}.")
    return bool(progress)


def _row(sub: MetaAnalysis) -> dict[str, float]:
    return {"estimate": sub.estimate, "se": sub.se, "stat": sub.stat, "pval": sub.pval, "ci_low": sub.ci_low,
            "ci_high": sub.ci_high, "q": sub.q, "q_pval": sub.q_pval, "tau2": sub.tau2, "i2": sub.i2, "h2": sub.h2}


def _warn_z_fallback(func: str, fit: MetaAnalysis, which: str) -> None:
    warnings.warn(
        f"{func}: {which} contains a single study, for which the Knapp-Hartung t test is undefined "
        "(k - 1 = 0 degrees of freedom); that row uses the z test, as metafor does.",
        UserWarning, stacklevel=3,
    )


# ---------------------------------------------------------------------------
# leave-one-out
# ---------------------------------------------------------------------------


def leave_one_out(fit: MetaAnalysis, *, progress: bool | None = None) -> TableResult:
    """Refit the model once without each study (metafor ``leave1out()``).

    Parameters
    ----------
    fit : MetaAnalysis
        The model; it is refitted with the same ``method``, ``test`` and ``level``.
    progress : bool, optional
        Show a progress bar; by default only for ``k >= 200`` studies.

    Returns
    -------
    koppmeta.results.TableResult
        A DataFrame with one row per omitted study, in input order, indexed by the omitted study's
        label (index name ``"omitted"``). Columns ``estimate, se, stat, pval, ci_low,
        ci_high`` (the pooled effect without that study), ``q, q_pval`` (Cochran's Q
        test), ``tau2, i2, h2`` (heterogeneity; tau2 is 0 for ``method="FE"``).

    Raises
    ------
    TypeError
        If ``fit`` is not a :class:`~koppmeta.MetaAnalysis`.
    ValueError
        If the model has fewer than 2 studies (metafor: "Stopped because k = 1").

    Notes
    -----
    A leave-one-out analysis shows how much a single study drives the pooled result
    (Viechtbauer & Cheung 2010, Res Synth Methods 1:112-125). With a
    Knapp-Hartung model and k = 2 each refit holds one study and uses the z test
    (metafor does the same), and a warning says so.

    Examples
    --------
    >>> import koppmeta
    >>> es = koppmeta.datasets.load_bcg("RR")  # log risk ratios yi and their variances vi
    >>> fit = koppmeta.meta_analysis("yi", "vi", data=es, labels="label")
    >>> from koppmeta.diagnostics.sensitivity import leave_one_out
    >>> leave_one_out(fit)[["estimate", "tau2"]].shape
    (13, 2)
    """
    func = "leave_one_out"
    fit = check_fit(func, fit)
    check_k(func, fit, 2, "one study is left out at a time")
    k = fit.k
    out = _rows_many(fit, [np.delete(np.arange(k), i) for i in range(k)], _want_progress(progress, k))
    if fit.test == "knha" and k == 2:
        _warn_z_fallback(func, fit, "each leave-one-out model")
    out.index = pd.Index(fit.labels, name="omitted")
    return _table(fit, out, f"Leave-one-out analysis (k = {k}; each row: the model without that study)")


# ---------------------------------------------------------------------------
# influence diagnostics
# ---------------------------------------------------------------------------


_INF_DOC = {
    "rstudent": "externally studentized residual: (y_i - mu_(i)) / sqrt(s2_(i) (v_i + tau2_(i)) + Var(mu_(i)))",
    "dffits": "change in the fitted value when study i is deleted, in standard deviations",
    "cook_d": "Cook's distance: (mu - mu_(i))^2 / Var(mu)",
    "cov_r": "covariance ratio: Var(mu_(i)) / Var(mu) (below 1: deleting study i makes the estimate more precise)",
    "tau2_del": "tau^2 estimated without study i",
    "q_del": "Cochran's Q without study i",
    "hat": "leverage (hat value): w_i / sum w",
    "weight": "weight of study i in the model, in percent",
    "dfbetas": "change in the pooled estimate when study i is deleted, in standard errors",
}


@dataclass(frozen=True)
class InfluenceResult(Result):
    """Case-deletion diagnostics of a meta-analysis (metafor ``influence.rma.uni()``).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per study (input order, indexed by label) with columns ``rstudent,
        dffits, cook_d, cov_r, tau2_del, q_del, hat, weight, dfbetas`` (metafor's
        ``rstudent, dffits, cook.d, cov.r, tau2.del, QE.del, hat, weight`` and
        ``dfbs$intrcpt``).
    is_influential : pandas.Series of bool
        metafor's flag ("*"): a study is influential when at least one of
        ``|dffits| > 3 sqrt(p/(k-p))``, ``pchisq(cook_d, df=p) > 0.5``,
        ``hat > 3 p/k`` or ``|dfbetas| > 1`` holds (p = 1 coefficient here).
        The covariance ratio is reported but, as in metafor, not used for the flag.
    thresholds : dict
        The cut-offs used for this k.
    k, p : int
        Number of studies and of model coefficients.
    method, test : str
        Settings of the model.
    notes : tuple of str
        Anything unusual (e.g. a z test used for a single remaining study).
    """

    table: pd.DataFrame = field(repr=False, compare=False)
    is_influential: pd.Series = field(repr=False, compare=False)
    thresholds: dict[str, float]
    k: int
    p: int
    method: str
    test: str
    notes: tuple[str, ...] = ()

    @property
    def influential(self) -> list[str]:
        """Labels of the studies flagged as influential."""
        return [str(lab) for lab, f in zip(self.table.index, self.is_influential) if f]

    def to_frame(self) -> pd.DataFrame:
        """The diagnostics table with the flag as a boolean column ``influential``."""
        return self._table()

    def _table(self) -> pd.DataFrame:
        out = self.table.copy()
        out["influential"] = self.is_influential.to_numpy()
        return out

    def _records(self) -> list[dict[str, Any]]:
        return self._table().reset_index().to_dict("records")

    def _heading(self) -> str:
        return f"Influence diagnostics (k = {self.k}; model: {self.method}, test: {self.test})"

    def _describe(self) -> list[tuple[str, str, str]]:
        th = self.thresholds
        rows = [(name, "", desc) for name, desc in _INF_DOC.items()]
        rows.append(("influential", ", ".join(self.influential) or "none",
                     f"metafor's rules: |dffits| > {formatting.text(th['dffits'], 3)}, pchisq(cook_d, {self.p}) > 0.5, "
                     f"hat > {formatting.text(th['hat'], 3)} or |dfbetas| > 1"))
        return rows

    def summary(self, digits: int = 4) -> str:
        """Text report: the table, what each column means, and the rules behind the flag."""
        frame = self.to_frame()
        shown = frame.drop(columns="influential").copy()
        txt = shown.to_string(float_format=lambda x: formatting.text(x, digits))
        lines = txt.split("\n")
        flags = ["" for _ in range(len(lines))]
        for j, f in enumerate(frame["influential"], start=len(lines) - len(frame)):
            flags[j] = " *" if f else ""
        body = "\n".join(a + b for a, b in zip(lines, flags))
        th = self.thresholds
        out = [
            self._heading(),
            "",
            body,
            "",
            "Columns:",
            *[f"  {name:<9} {desc}" for name, desc in _INF_DOC.items()],
            "",
            "A study is marked '*' (influential) when at least one of these holds (metafor's rules):",
            f"  |dffits| > {formatting.text(th['dffits'], 4)} (3 sqrt(p/(k-p))); pchisq(cook_d, df = {self.p}) > 0.5; "
            f"hat > {formatting.text(th['hat'], 4)} (3p/k); |dfbetas| > 1.",
            f"Influential: {', '.join(self.influential) if self.influential else 'none'}.",
        ]
        out += [f"Note: {n}" for n in self.notes]
        return "\n".join(out)


def influence(fit: MetaAnalysis, *, progress: bool | None = None) -> InfluenceResult:
    """Outlier and influence diagnostics by deleting one study at a time (metafor ``influence()``).

    For each study i the model is refitted without it (same estimator and test), giving
    ``mu_(i)``, ``tau^2_(i)``, ``Var(mu_(i))``, ``Q_(i)`` and the Knapp-Hartung factor
    ``s^2_(i)`` (1 for the z test). With ``h_i = w_i / sum w`` (full model weights):

    - ``rstudent_i = (y_i - mu_(i)) / sqrt(s^2_(i) (v_i + tau^2_(i)) + Var(mu_(i)))``;
    - ``dffits_i = (mu - mu_(i)) / sqrt(s^2_(i) h_i (v_i + tau^2_(i)))``;
    - ``cook_d_i = (mu - mu_(i))^2 / Var(mu)``;
    - ``cov_r_i = Var(mu_(i)) / Var(mu)``;
    - ``dfbetas_i = (mu - mu_(i)) / sqrt(s^2_(i) / sum_j 1/(v_j + tau^2_(i)))``,
      the sum running over all k studies, as in metafor;
    - ``hat_i = h_i`` and ``weight_i = 100 h_i``.

    These are the case-deletion diagnostics of Viechtbauer & Cheung (2010), "Outlier and
    influence diagnostics for meta-analysis", Res Synth Methods 1:112-125 (after
    Belsley, Kuh & Welsch 1980 and Cook 1977), in the form metafor computes them.
    A study is flagged when ``|dffits| > 3 sqrt(p/(k-p))``, ``pchisq(cook_d, p) > 0.5``,
    ``hat > 3p/k`` or ``|dfbetas| > 1`` (metafor 3.8-1, ``R/influence.rma.uni.r``; p = 1).

    Parameters
    ----------
    fit : MetaAnalysis
    progress : bool, optional
        Show a progress bar; by default only for ``k >= 200`` studies.

    Returns
    -------
    InfluenceResult

    Raises
    ------
    TypeError
        If ``fit`` is not a :class:`~koppmeta.MetaAnalysis`.
    ValueError
        If the model has fewer than 2 studies.
    """
    func = "influence"
    fit = check_fit(func, fit)
    check_k(func, fit, 2, "each study is deleted in turn")
    k, p = fit.k, 1
    y, v = fit.yi, fit.vi
    mu, var_mu = fit.estimate, fit.se**2
    w = 1.0 / (v + fit.tau2)
    hat = w / w.sum()
    notes: list[str] = []
    cols = {c: np.empty(k) for c in ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "q_del", "dfbetas")}
    for i in tqdm(range(k), desc="influence", disable=not _want_progress(progress, k)):
        sub = _refit(fit, np.delete(np.arange(k), i))
        s2w = _s2w(sub)
        mu_d, var_d, t2_d = sub.estimate, sub.se**2, sub.tau2
        diff = mu - mu_d
        resid = y[i] - mu_d
        if abs(resid) < 100 * np.finfo(float).eps:
            resid = 0.0
        vb_del = 1.0 / float(np.sum(1.0 / (v + t2_d)))
        with np.errstate(divide="ignore", invalid="ignore"):
            cols["rstudent"][i] = resid / math.sqrt(v[i] * s2w + var_d + t2_d * s2w)
            cols["dffits"][i] = diff / math.sqrt(s2w * hat[i] * (t2_d + v[i])) if s2w > 0 else math.nan
            cols["dfbetas"][i] = diff / math.sqrt(s2w * vb_del) if s2w > 0 else math.nan
            cols["cook_d"][i] = diff * diff / var_mu if var_mu > 0 else math.nan
            cols["cov_r"][i] = var_d / var_mu if var_mu > 0 else math.nan
        cols["tau2_del"][i] = t2_d
        cols["q_del"][i] = sub.q
    if fit.test == "knha" and k == 2:
        notes.append("with k = 2 each model without one study holds a single study and uses the z test (as metafor)")
    table = pd.DataFrame({"rstudent": cols["rstudent"], "dffits": cols["dffits"], "cook_d": cols["cook_d"],
                          "cov_r": cols["cov_r"], "tau2_del": cols["tau2_del"], "q_del": cols["q_del"],
                          "hat": hat, "weight": 100 * hat, "dfbetas": cols["dfbetas"]},
                         index=pd.Index(fit.labels, name="label"))
    bad = [c for c in table.columns if table[c].isna().any()]
    if bad:
        notes.append(
            f"column(s) {', '.join(bad)} are undefined (NaN) for some studies: the model's variance or a "
            "Knapp-Hartung scale factor is 0 (all remaining effects equal); such values are not used for the flag"
        )
    thr = {"dffits": 3 * math.sqrt(p / (k - p)), "cook_d_pchisq": 0.5, "hat": 3 * p / k, "dfbetas": 1.0}
    flag = ((np.abs(table["dffits"]) > thr["dffits"])
            | (stats.chi2.cdf(table["cook_d"], df=p) > 0.5)
            | (table["hat"] > thr["hat"])
            | (np.abs(table["dfbetas"]) > 1)).fillna(False).astype(bool)
    flag.name = "influential"
    return InfluenceResult(table=table, is_influential=flag, thresholds=thr, k=k, p=p, method=fit.method,
                           test=fit.test, notes=tuple(notes))


# ---------------------------------------------------------------------------
# cumulative meta-analysis
# ---------------------------------------------------------------------------


def _order_keys(func: str, fit: MetaAnalysis, order: Any) -> np.ndarray:
    """Sort keys (one per study) for :func:`cumulative`, checked."""
    labels = fit.labels
    if isinstance(order, str):
        cols = [c for c in fit.studies.columns]
        if order not in cols:
            raise ValueError(f"{func}: argument 'order' {order!r} is not a column of fit.studies. "
                             f"Available columns: {', '.join(cols)}; or give one sort key per study.")
        keys = fit.studies[order].to_numpy()
    else:
        if np.ndim(order) != 1:
            raise ValueError(f"{func}: argument 'order' must be one-dimensional (one sort key per study); "
                             f"got shape {np.shape(order)}.")
        keys = np.asarray(list(order.to_list() if isinstance(order, pd.Series) else order), dtype=object)
    if len(keys) != fit.k:
        raise ValueError(f"{func}: argument 'order' has {len(keys)} entries but the model has {fit.k} studies; "
                         "give one sort key per study (in the order of the studies).")
    numeric = all(isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_))
                  for x in keys)
    if numeric:
        return numeric_vector(func, "order", list(keys), labels)
    for i, x in enumerate(keys):
        if x is None or (isinstance(x, float) and math.isnan(x)):
            raise ValueError(f"{func}: argument 'order', {study_name(labels, i)}: value is missing; "
                             "every study needs a sort key.")
        if not isinstance(x, str):
            raise TypeError(f"{func}: argument 'order', {study_name(labels, i)}: value {x!r} of type "
                            f"{type(x).__name__}; sort keys must be all numbers or all strings.")
    return keys


def cumulative(fit: MetaAnalysis, order: Any = None, *, decreasing: bool = False,
               progress: bool | None = None) -> TableResult:
    """Cumulative meta-analysis: add the studies one at a time (metafor ``cumul()``).

    Row j is the model (same estimator, test and level) fitted to the first j studies
    in the chosen order.

    Parameters
    ----------
    fit : MetaAnalysis
    order : array-like or str, optional
        Sort keys, one per study in input order (e.g. publication years), or the name of
        a column of ``fit.studies`` (``"yi"``, ``"vi"``, ``"weight"``, ...). Studies are
        added in increasing order of the key; ties keep their input order (a stable
        sort, like R's ``order()``). Default: input order. Text keys are sorted by
        code point (R sorts by the locale's collation, which can differ for mixed case).
    decreasing : bool
        Add the studies in decreasing order of the key (ties still in input order).
    progress : bool, optional
        Show a progress bar; by default only for ``k >= 200`` studies.

    Returns
    -------
    koppmeta.results.TableResult
        A DataFrame with one row per step, indexed by the label of the study added at that step (index
        name ``"added"``); columns ``k`` (studies so far), ``estimate, se, stat, pval,
        ci_low, ci_high, q, q_pval, tau2, i2, h2``.

    Notes
    -----
    Lau et al. (1992), N Engl J Med 327:248-254, introduced the cumulative meta-analysis.
    The first row holds one study: tau^2 = 0, Q = 0, and a Knapp-Hartung model uses the
    z test for that row, as metafor does (a warning says so).
    """
    func = "cumulative"
    fit = check_fit(func, fit)
    if not isinstance(decreasing, (bool, np.bool_)):
        raise TypeError(f"{func}: argument 'decreasing' must be True or False; got {decreasing!r}.")
    k = fit.k
    if order is None:
        perm = np.arange(k)
    else:
        keys = _order_keys(func, fit, order)
        ranks = pd.Series(keys).rank(method="dense").to_numpy()
        perm = np.argsort(-ranks if decreasing else ranks, kind="stable")
    out = _rows_many(fit, [perm[:j] for j in range(1, k + 1)], _want_progress(progress, k))
    out.insert(0, "k", np.arange(1, k + 1))
    if fit.test == "knha":
        _warn_z_fallback(func, fit, "the first cumulative model")
    labels = fit.labels
    out.index = pd.Index([labels[i] for i in perm], name="added")
    return _table(fit, out, f"Cumulative meta-analysis (k = {k}; row j: the model of the first j studies)")


# ---------------------------------------------------------------------------
# Baujat plot coordinates
# ---------------------------------------------------------------------------


def baujat(fit: MetaAnalysis, *, progress: bool | None = None) -> TableResult:
    """Coordinates of the Baujat plot (metafor ``baujat()``; Baujat et al. 2002, Stat Med 21:2641-2652).

    - ``x_i = (y_i - mu)^2 / (v_i + tau^2)``: the study's contribution to the
      heterogeneity statistic (for ``method="FE"`` the x_i sum to Cochran's Q;
      otherwise it is the squared Pearson residual);
    - ``y_i = (mu_(i) - mu)^2 / Var(mu_(i))``: its influence on the pooled estimate,
      with ``mu_(i)`` and ``Var(mu_(i))`` from the model refitted without study i
      (same estimator and test); ``progress`` as in :func:`influence`.

    Returns a :class:`koppmeta.results.TableResult`: a DataFrame with columns ``x`` and ``y``, one row per
    study in input order, indexed by label.
    """
    func = "baujat"
    fit = check_fit(func, fit)
    check_k(func, fit, 2, "each study is deleted in turn")
    k = fit.k
    x = (fit.yi - fit.estimate) ** 2 / (fit.tau2 + fit.vi)
    yv = np.empty(k)
    for i in tqdm(range(k), desc="baujat", disable=not _want_progress(progress, k)):
        sub = _refit(fit, np.delete(np.arange(k), i))
        if sub.se == 0:
            raise ValueError(f"{func}: without {study_name(fit.labels, i)} the pooled estimate has standard error 0 "
                             "(all remaining effects are equal under the Knapp-Hartung method); its influence is undefined.")
        yv[i] = (sub.estimate - fit.estimate) ** 2 / sub.se**2
    if fit.test == "knha" and k == 2:
        _warn_z_fallback(func, fit, "each model without one study")
    return _table(fit, pd.DataFrame({"x": x, "y": yv}, index=pd.Index(fit.labels, name="label")),
                  f"Baujat plot coordinates (k = {k})")
