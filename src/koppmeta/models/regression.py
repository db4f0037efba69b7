"""Meta-regression, subgroup analysis and permutation tests.

The mixed-effects meta-regression model (Raudenbush 2009, in Cooper, Hedges & Valentine
(eds.), *The Handbook of Research Synthesis and Meta-Analysis*, 2nd ed., ch. 16;
Viechtbauer 2010, J Stat Softw 36(3), section 2.3) is

    y_i = x_i' beta + u_i + e_i,   u_i ~ N(0, tau^2),   e_i ~ N(0, v_i),

with ``x_i`` the i-th row of the model matrix ``X`` (an intercept, then one column per
numeric moderator and one dummy column per non-reference level of a categorical
moderator). ``tau^2`` (the *residual* heterogeneity) is estimated with
:func:`koppmeta.models.heterogeneity.estimate_tau2` for the same ``X``; ``beta`` by weighted
least squares with ``W = diag(1 / (v_i + tau^2))``:

    b = (X'WX)^-1 X'W y,   Var(b) = (X'WX)^-1.

With ``test="knha"`` (Knapp & Hartung 2003, Stat Med 22:2693-2710, eq. 8-9) Var(b) is
multiplied by ``s^2 = sum w_i (y_i - x_i'b)^2 / (k - p)`` and t / F distributions with
``k - p`` denominator degrees of freedom are used. Everything follows metafor's
``rma.uni()``; ``tests/test_regression.py`` checks the numbers against it.

The permutation tests follow metafor's ``permutest()`` (Follmann & Proschan 1999,
Biometrics 55:732-737 for the sign-flipping test of the pooled effect; Higgins &
Thompson 2004, Stat Med 23:1663-1682, section 5, and Viechtbauer et al. 2015,
Psychol Methods 20:360-374 for permuting the model matrix in meta-regression).
"""

from __future__ import annotations

import dataclasses
import math
from functools import partial
import warnings
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from .. import formatting
from . import engine
from . import heterogeneity as het
from .._validation import check_choice, check_level, effect_inputs, resolve_column, study_name
from ..exceptions import KnappHartungWarning
from .univariate import MetaAnalysis, fit_at_tau2, format_p, meta_analysis
from ..results import Result, SharedFromModel, StudyColumns

__all__ = [
    "MetaRegression",
    "PermutationResult",
    "SubgroupAnalysis",
    "meta_regression",
    "permutation_test",
    "subgroup_analysis",
]

INTERCEPT = "intercept"

#: Tests of the model functions here (the ad hoc variant exists for the intercept-only model).
TESTS = ("z", "knha")
SUBGROUP_TESTS = ("z", "knha", "adhoc")  # adhoc: separate tau^2 per group only
_TEST_WORDS = {"z": "z", "knha": "Knapp-Hartung t", "adhoc": "ad hoc Knapp-Hartung t"}

#: Tolerance when comparing permuted statistics with the observed one (metafor
#: ``permutest``'s ``comptol``, ``sqrt(.Machine$double.eps)``): a permuted statistic counts
#: as "at least as extreme" when it is larger than the observed one minus this amount, so
#: that arrangements equivalent to the observed data are counted despite rounding.
PERMUTATION_TOL = float(np.sqrt(np.finfo(float).eps))

#: Above this many permutations a progress bar is shown by default.
PROGRESS_THRESHOLD = 2000


# ---------------------------------------------------------------------------
# Moderators -> model matrix
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Term:
    """How one moderator column becomes columns of the model matrix."""

    column: str
    kind: str  # "numeric" or "categorical"
    levels: tuple = ()  # categorical: all levels in order (reference included)
    reference: Any = None

    @property
    def names(self) -> list[str]:
        if self.kind == "numeric":
            return [self.column]
        return [f"{self.column}[{lev}]" for lev in self.levels if lev != self.reference]

    def encode(self, func: str, values: pd.Series, labels: list[str] | None, what: str) -> np.ndarray:
        """Columns of the model matrix for ``values`` (one row per entry)."""
        if self.kind == "numeric":
            return _numeric_column(func, self.column, values, labels, what)[:, None]
        vals = _categorical_values(func, self.column, values, labels, what)
        known = list(self.levels)
        out = np.zeros((len(vals), len(known) - 1))
        others = [lev for lev in known if lev != self.reference]
        for i, val in enumerate(vals):
            if val not in known:
                raise ValueError(
                    f"{func}: {what} column {self.column!r}, {_row_name(labels, i, what)}: level {val!r} was not in "
                    f"the data the model was fitted to. Known levels: {', '.join(map(repr, known))}."
                )
            if val != self.reference:
                out[i, others.index(val)] = 1.0
        return out


def _row_name(labels: list[str] | None, i: int, what: str) -> str:
    return study_name(labels, i) if what == "moderators" else f"row {i + 1}"


def _is_categorical(s: pd.Series) -> bool:
    return (isinstance(s.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(s.dtype)
            or pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype))


def _is_missing(x: Any) -> bool:
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    return isinstance(x, (float, np.floating)) and math.isnan(x)


def _numeric_column(func: str, col: str, values: pd.Series, labels: list[str] | None, what: str) -> np.ndarray:
    out = np.empty(len(values))
    for i, x in enumerate(values.to_list()):
        if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer, np.floating)) and not _is_missing(x):
            raise TypeError(f"{func}: {what} column {col!r}, {_row_name(labels, i, what)}: value {x!r} is not a number "
                            "(this column is numeric in the model).")
        if _is_missing(x):
            raise ValueError(f"{func}: {what} column {col!r}, {_row_name(labels, i, what)}: value is missing (NaN). "
                             "Missing moderator values are not dropped silently: remove the study or fill in the value.")
        if not math.isfinite(float(x)):
            raise ValueError(f"{func}: {what} column {col!r}, {_row_name(labels, i, what)}: value {x} is infinite; "
                             "moderator values must be finite.")
        out[i] = float(x)
    return out


def _categorical_values(func: str, col: str, values: pd.Series, labels: list[str] | None, what: str) -> list:
    vals = values.to_list()
    for i, x in enumerate(vals):
        if _is_missing(x):
            raise ValueError(f"{func}: {what} column {col!r}, {_row_name(labels, i, what)}: value is missing. "
                             "Missing moderator values are not dropped silently: remove the study or give it a level.")
    return vals


def _sorted_levels(vals: list) -> list:
    uniq = list(dict.fromkeys(vals))
    try:
        return sorted(uniq)
    except TypeError:
        return sorted(uniq, key=str)


def _make_term(func: str, col: str, s: pd.Series, reference: dict, labels: list[str] | None,
               notes: list[str]) -> _Term:
    if not _is_categorical(s):
        if not (pd.api.types.is_integer_dtype(s.dtype) or pd.api.types.is_float_dtype(s.dtype)):
            raise TypeError(f"{func}: moderators column {col!r} has type {s.dtype}; a moderator must be numeric "
                            "(int, float) or categorical (text, bool, pandas Categorical).")
        if col in reference:
            raise ValueError(f"{func}: argument 'reference' names {col!r}, but that moderator is numeric; a reference "
                             "level applies only to categorical moderators (convert it with .astype('category') to "
                             "treat its values as levels).")
        return _Term(col, "numeric")
    vals = _categorical_values(func, col, s, labels, "moderators")
    if isinstance(s.dtype, pd.CategoricalDtype):
        present = set(vals)
        levels = [c for c in s.cat.categories if c in present]
        unused = [c for c in s.cat.categories if c not in present]
        if unused:
            notes.append(f"moderator {col!r}: categories without studies were left out of the model: "
                         f"{', '.join(map(repr, unused))}")
    else:
        if pd.api.types.is_object_dtype(s.dtype):
            nums = [i for i, x in enumerate(vals) if isinstance(x, (int, float, np.integer, np.floating))
                    and not isinstance(x, (bool, np.bool_))]
            if nums and len(nums) < len(vals):
                i = next(j for j in range(len(vals)) if j not in set(nums))
                raise TypeError(
                    f"{func}: moderators column {col!r} mixes numbers and text ({study_name(labels, i)} has "
                    f"{vals[i]!r}). Convert it to numbers (a numeric moderator) or to a pandas Categorical "
                    "(a categorical moderator) explicitly.")
        levels = _sorted_levels(vals)
    if len(levels) < 2:
        raise ValueError(f"{func}: moderators column {col!r} has only one level ({levels[0]!r}); a categorical "
                         "moderator needs at least two levels.")
    if col in reference:
        ref = reference[col]
        if ref not in levels:
            matches = [lev for lev in levels if str(lev) == str(ref)]
            if len(matches) != 1:
                raise ValueError(f"{func}: argument 'reference': level {ref!r} is not a level of moderator {col!r}. "
                                 f"Levels: {', '.join(map(repr, levels))}.")
            ref = matches[0]
    else:
        ref = levels[0]
    return _Term(col, "categorical", tuple(levels), ref)


def _moderator_frame(func: str, moderators: Any, data: pd.DataFrame | None, k: int) -> pd.DataFrame:
    if isinstance(moderators, str) or (isinstance(moderators, (list, tuple)) and moderators
                                       and all(isinstance(m, str) for m in moderators)):
        cols = [moderators] if isinstance(moderators, str) else list(moderators)
        if data is None:
            raise TypeError(f"{func}: argument 'moderators' names columns ({', '.join(map(repr, cols))}) but no "
                            "'data' was given; pass data=<DataFrame> or the moderator values themselves.")
        missing = [c for c in cols if c not in data.columns]
        if missing:
            raise ValueError(f"{func}: moderator column(s) {', '.join(map(repr, missing))} are not in the data. "
                             f"Available columns: {', '.join(map(str, data.columns))}.")
        if len(set(cols)) != len(cols):
            raise ValueError(f"{func}: argument 'moderators' names a column more than once: {cols}.")
        df = data[cols]
    elif isinstance(moderators, pd.DataFrame):
        df = moderators
    elif isinstance(moderators, pd.Series):
        df = moderators.to_frame(name=str(moderators.name) if moderators.name is not None else "x")
    elif isinstance(moderators, dict):
        df = pd.DataFrame(moderators)
    elif isinstance(moderators, np.ndarray):
        if moderators.ndim == 1:
            moderators = moderators[:, None]
        if moderators.ndim != 2:
            raise ValueError(f"{func}: argument 'moderators' must be one- or two-dimensional; got shape {moderators.shape}.")
        df = pd.DataFrame(moderators, columns=[f"x{j + 1}" for j in range(moderators.shape[1])])
    else:
        raise TypeError(f"{func}: argument 'moderators' must be a DataFrame, a Series, a dict of columns, an array, "
                        f"or column name(s) in 'data'; got {type(moderators).__name__}.")
    if df.shape[1] == 0:
        raise ValueError(f"{func}: argument 'moderators' has no columns; for a model without moderators use "
                         "koppmeta.meta_analysis().")
    names = [str(c) for c in df.columns]
    if len(set(names)) != len(names):
        raise ValueError(f"{func}: moderator column names must be unique; got {names}.")
    if len(df) != k:
        raise ValueError(f"{func}: argument 'moderators' has {len(df)} rows but there are {k} studies; give one row "
                         "per study (rows are matched by position).")
    out = df.reset_index(drop=True).copy()
    out.columns = names
    return out


def _check_rank(func: str, X: np.ndarray, names: list[str]) -> None:
    if np.linalg.matrix_rank(X) == X.shape[1]:
        return
    for j in range(1, X.shape[1] + 1):
        if np.linalg.matrix_rank(X[:, :j]) < j:
            raise ValueError(
                f"{func}: the model matrix is not of full rank: term {names[j - 1]!r} is a linear combination of "
                f"the terms before it ({', '.join(map(repr, names[:j - 1]))}), so its coefficient cannot be estimated. "
                "Remove the redundant moderator (or merge levels); terms are never dropped silently.")
    raise ValueError(f"{func}: the model matrix is not of full rank.")  # pragma: no cover


def _design(func: str, mods: pd.DataFrame, reference: dict, labels: list[str] | None,
            notes: list[str]) -> tuple[np.ndarray, list[str], tuple[_Term, ...]]:
    unknown = [c for c in reference if c not in mods.columns]
    if unknown:
        raise ValueError(f"{func}: argument 'reference' names {', '.join(map(repr, unknown))}, which "
                         f"{'is' if len(unknown) == 1 else 'are'} not a moderator. Moderators: {', '.join(mods.columns)}.")
    terms = tuple(_make_term(func, c, mods[c], reference, labels, notes) for c in mods.columns)
    cols = [np.ones((len(mods), 1))] + [t.encode(func, mods[t.column], labels, "moderators") for t in terms]
    names = [INTERCEPT] + [n for t in terms for n in t.names]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"{func}: two model terms would have the same name ({', '.join(map(repr, dup))}); "
                         "rename the moderator columns.")
    X = np.hstack(cols)
    _check_rank(func, X, names)
    return X, names, terms


# ---------------------------------------------------------------------------
# Fitting
# ---------------------------------------------------------------------------


def _inference(y, v, X, tau2: float, test: str):
    """Coefficients, their covariance matrix and the Knapp-Hartung factor ``s^2`` (1 for z)."""
    k, p = X.shape
    b, r, w, Ainv = het.wls(y, v, X, tau2)
    s2w = 1.0
    if test == "knha":
        rss = float(np.sum(w * r * r))
        s2w = 0.0 if rss <= np.finfo(float).eps else rss / (k - p)
    return b, s2w * Ainv, s2w


def _wald(b: np.ndarray, vb: np.ndarray, btt: np.ndarray) -> float:
    """``b_btt' Var(b_btt)^-1 b_btt``; infinite when Var(b_btt) is singular (s^2 = 0) and b_btt != 0."""
    bb = b[btt]
    try:
        L = np.linalg.cholesky(vb[np.ix_(btt, btt)])
    except np.linalg.LinAlgError:
        return math.inf if np.any(bb != 0) else 0.0
    z = np.linalg.solve(L, bb)
    return float(z @ z)


def _fast_fit(y, v, X, method: str, test: str, btt: np.ndarray):
    """Coefficients, test statistics and QM of one model (used inside permutation loops)."""
    tau2 = het.estimate_tau2(y, v, X, method).tau2
    b, vb, _ = _inference(y, v, X, tau2, test)
    se = np.sqrt(np.diag(vb))
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = b / se
    qm = _wald(b, vb, btt)
    if test == "knha":
        qm /= len(btt)
    return b, stat, qm


@dataclass(frozen=True)
class MetaRegression(StudyColumns, Result):
    """Result of :func:`meta_regression`. All numbers are unrounded floats.

    Attributes
    ----------
    k, p : int
        Number of studies and of coefficients (intercept included).
    coefficients : pandas.DataFrame
        Indexed ``"intercept"``, then the moderator terms (``"col"`` for a numeric moderator,
        ``"col[level]"`` for a level of a categorical one); columns
        ``estimate, se, stat, pval, ci_low, ci_high``.
    vcov : pandas.DataFrame
        Covariance matrix of the coefficients (Knapp-Hartung scaled for ``test="knha"``).
    df : float
        Denominator degrees of freedom ``k - p`` for ``test="knha"``; NaN for z tests.
    qm, qm_df, qm_pval : float, int, float
        Omnibus test of all moderator coefficients (H0: all are 0): chi-square with ``qm_df``
        df for z tests; for ``test="knha"`` ``qm`` is an F statistic with ``(qm_df, df)`` df.
    qe, qe_df, qe_pval : float, int, float
        Test of residual heterogeneity (fixed-effect weights; chi-square with ``k - p`` df).
    tau2, tau2_ci : float, tuple or None
        Residual between-study variance and its Q-profile interval (None for ``method="FE"``).
    i2, i2_ci, h2, h2_ci : float, tuple or None
        Residual I^2 (percent) and H^2 with intervals from ``tau2_ci``.
    r2 : float
        Percentage of heterogeneity accounted for by the moderators (see :func:`meta_regression`).
    tau2_intercept_only : float
        tau^2 of the model without moderators (same estimator), used for ``r2``.
    method, test, level, measure : str, str, float, str or None
        Settings; ``measure`` names the effect measure (ratio measures are on the log scale).
    references : dict
        Reference level of each categorical moderator.
    design : pandas.DataFrame
        The model matrix (one row per study, one column per coefficient).
    studies : pandas.DataFrame
        ``label, yi, vi`` and the moderator columns as given.
    """

    k: int
    p: int
    coefficients: pd.DataFrame = field(repr=False, compare=False)
    vcov: pd.DataFrame = field(repr=False, compare=False)
    df: float
    qm: float
    qm_df: int
    qm_pval: float
    qe: float
    qe_df: int
    qe_pval: float
    tau2: float
    tau2_ci: tuple[float, float] | None
    i2: float
    i2_ci: tuple[float, float] | None
    h2: float
    h2_ci: tuple[float, float] | None
    r2: float
    tau2_intercept_only: float
    method: str
    test: str
    level: float
    references: dict = field(compare=False)
    design: pd.DataFrame = field(repr=False, compare=False)
    studies: pd.DataFrame = field(repr=False, compare=False)
    converged: bool = True
    iterations: int = 0
    notes: tuple[str, ...] = ()
    _terms: tuple = field(default=(), repr=False, compare=False)
    measure: str | None = None

    # -- derived -----------------------------------------------------------
    @property
    def tau(self) -> float:
        """Square root of tau^2."""
        return math.sqrt(self.tau2)

    @property
    def labels(self) -> list[str]:
        return list(self.studies["label"])

    @property
    def terms(self) -> list[str]:
        """Names of the moderator coefficients (all coefficients except the intercept)."""
        return list(self.coefficients.index[1:])

    @property
    def moderators(self) -> list[str]:
        """Names of the moderator columns."""
        return [t.column for t in self._terms]

    def _crit(self, level: float) -> float:
        a = (1 - level / 100) / 2
        return float(stats.t.isf(a, self.df)) if self.test == "knha" else float(stats.norm.isf(a))

    # -- prediction --------------------------------------------------------
    def predict(self, newdata: Any = None) -> pd.DataFrame:
        """Predicted (average true) effect for moderator values, with confidence and prediction intervals.

        ``estimate = x0' b``, ``se = sqrt(x0' Var(b) x0)``, ``ci = estimate +/- crit * se`` and
        ``pi = estimate +/- crit * sqrt(se^2 + tau^2)`` with the critical value of the model's
        test (z, or t with ``k - p`` df), as metafor's ``predict(fit, newmods = ...)``.

        Parameters
        ----------
        newdata : pandas.DataFrame or dict, optional
            One row per prediction with every moderator column (categorical values must be
            levels seen in the fit). Without it, the fitted values of the studies are returned.

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high, pi_low, pi_high`` (index of ``newdata``,
            or the study labels).
        """
        func = "MetaRegression.predict"
        if newdata is None:
            X0 = self.design.to_numpy()
            index = pd.Index(self.labels, name="label")
        else:
            if isinstance(newdata, dict):
                lengths = {len(x) for x in newdata.values() if np.ndim(x) > 0}
                if len(lengths) > 1:
                    raise ValueError(f"{func}: the columns of 'newdata' have different lengths {sorted(lengths)}; "
                                     "give one value per prediction (a single value is repeated).")
                n = lengths.pop() if lengths else 1
                newdata = pd.DataFrame({c: [x] * n if np.ndim(x) == 0 else list(x) for c, x in newdata.items()})
            if not isinstance(newdata, pd.DataFrame):
                raise TypeError(f"{func}: argument 'newdata' must be a DataFrame or a dict of columns; "
                                f"got {type(newdata).__name__}.")
            missing = [c for c in self.moderators if c not in newdata.columns]
            if missing:
                raise ValueError(f"{func}: argument 'newdata' lacks the moderator column(s) "
                                 f"{', '.join(map(repr, missing))}; it needs {', '.join(map(repr, self.moderators))}.")
            if len(newdata) == 0:
                raise ValueError(f"{func}: argument 'newdata' has no rows.")
            cols = [np.ones((len(newdata), 1))] + [
                t.encode(func, newdata[t.column].reset_index(drop=True), None, "newdata") for t in self._terms]
            X0 = np.hstack(cols)
            index = newdata.index
        b = self.coefficients["estimate"].to_numpy()
        vb = self.vcov.to_numpy()
        est = X0 @ b
        se = np.sqrt(np.einsum("ij,jk,ik->i", X0, vb, X0))
        crit = self._crit(self.level)
        pse = np.sqrt(se**2 + self.tau2)
        return pd.DataFrame({"estimate": est, "se": se, "ci_low": est - crit * se, "ci_high": est + crit * se,
                             "pi_low": est - crit * pse, "pi_high": est + crit * pse}, index=index)

    # -- output ------------------------------------------------------------
    def to_frame(self, what: str = "coefficients") -> pd.DataFrame:
        """Tidy tables (unrounded).

        ``what="coefficients"``: one row per coefficient (column ``term`` first).
        ``what="model"``: one row with the model statistics (k, p, QM, QE, tau^2, I^2, H^2, R^2, ...).
        """
        check_choice("MetaRegression.to_frame", "what", what, ("coefficients", "model"))
        if what == "coefficients":
            return self.coefficients.reset_index().rename(columns={"index": "term"})
        return super().to_frame()

    def _records(self) -> list[dict[str, Any]]:
        return [{"k": self.k, "p": self.p, "method": self.method, "test": self.test, "level": self.level,
                 "measure": self.measure, "qm": self.qm, "qm_df": self.qm_df, "df": self.df, "qm_pval": self.qm_pval,
                 "qe": self.qe, "qe_df": self.qe_df, "qe_pval": self.qe_pval, "tau2": self.tau2,
                 "tau2_ci_low": self.tau2_ci[0] if self.tau2_ci else math.nan,
                 "tau2_ci_high": self.tau2_ci[1] if self.tau2_ci else math.nan,
                 "i2": self.i2, "h2": self.h2, "r2": self.r2}]

    def summary(self, digits: int = 4) -> str:
        """Text report that says in words what each number is (after metafor's ``print.rma``)."""
        return _regression_text(self, digits)

    def _heading(self) -> str:
        return _regression_title(self)

    def _table(self) -> pd.DataFrame:
        return self.coefficients

    def _describe(self) -> list[tuple[str, str, str]]:
        f, p = formatting.text, formatting.pvalue
        rows = []
        if self.method != "FE":
            tci = f" {formatting.interval(*self.tau2_ci, 4, plain=True)}" if self.tau2_ci else ""
            rows.append(("tau² (residual)", f"{f(self.tau2)}{tci}", "between-study variance not explained (Q-profile CI)"))
        rows += [
            ("I² (residual)", formatting.percent(self.i2, 1), "share of the remaining variability due to heterogeneity"),
            ("R²", formatting.percent(self.r2, 1), "share of heterogeneity accounted for by the moderators"),
            ("QM" if self.test == "z" else "F", f"{f(self.qm)} (df = {self.qm_df}"
             + (f", {self.df:g}" if self.test == "knha" else "") + f", p = {p(self.qm_pval)})", "test of all moderators"),
            ("QE", f"{f(self.qe)} (df = {self.qe_df}, p = {p(self.qe_pval)})", "test of residual heterogeneity"),
        ]
        if self.references:
            rows.append(("Reference levels", ", ".join(f"{c} = {lev!r}" for c, lev in self.references.items()),
                         "the intercept is the effect at these levels"))
        return rows


def _pline(p: float, digits: int = 4) -> str:
    return f"p-val {formatting.pvalue(p, digits, style='metafor-equals')}"


def _coef_table(tab: pd.DataFrame, stat_name: str, digits: int) -> list[str]:
    f = formatting.text
    head = ["", "estimate", "se", stat_name, "pval", "ci.lb", "ci.ub"]
    rows = [[str(name), f(r.estimate, digits), f(r.se, digits), f(r.stat, digits), format_p(r.pval, digits),
             f(r.ci_low, digits), f(r.ci_high, digits)] for name, r in tab.iterrows()]
    return formatting.columns(head, rows)


def _regression_title(r: MetaRegression) -> str:
    if r.method == "FE":
        return f"Fixed-effect meta-regression (k = {r.k}; {r.p} coefficients)"
    return (f"Mixed-effects meta-regression (k = {r.k}; {r.p} coefficients; tau^2 estimator: {r.method}, "
            f"{het.METHOD_NAMES[r.method]})")


def _regression_text(r: MetaRegression, digits: int) -> str:
    f = partial(formatting.text, digits=digits)
    lv = f"{r.level:g}%"
    lines = [_regression_title(r), ""]
    if r.method != "FE":
        ci = f" ({lv} CI: {f(r.tau2_ci[0])} to {f(r.tau2_ci[1])})" if r.tau2_ci else ""
        lines.append(f"tau^2 (estimated amount of residual heterogeneity):     {f(r.tau2)}{ci}")
        lines.append(f"tau   (square root of estimated tau^2 value):             {f(r.tau)}")
    lines.append(f"I^2   (residual heterogeneity / unaccounted variability): {formatting.percent(r.i2, 2)}")
    lines.append(f"H^2   (unaccounted variability / sampling variability):   {formatting.text(r.h2, 2)}")
    if r.method == "FE":
        lines.append(f"R^2   (adjusted weighted R^2 of the fixed-effect model):   {formatting.percent(r.r2, 2)}")
    else:
        lines.append(f"R^2   (amount of heterogeneity accounted for):            {formatting.percent(r.r2, 2)}"
                     f"  [tau^2 without moderators: {f(r.tau2_intercept_only)}]")
    lines += ["", "Test for residual heterogeneity (do studies differ more than the moderators explain?):",
              f"QE(df = {r.qe_df}) = {f(r.qe)}, {_pline(r.qe_pval, digits)}", ""]
    which = f"coefficients 2:{r.p}" if r.p > 2 else "coefficient 2"
    lines.append(f"Test of moderators (H0: all moderator coefficients are 0; {which}):")
    if r.test == "knha":
        lines.append(f"F(df1 = {r.qm_df}, df2 = {r.df:g}) = {f(r.qm)}, {_pline(r.qm_pval, digits)}")
    else:
        lines.append(f"QM(df = {r.qm_df}) = {f(r.qm)}, {_pline(r.qm_pval, digits)}")
    lines.append("")
    lines.append("Model results (" + (f"Knapp-Hartung t tests with df = {r.df:g}" if r.test == "knha" else "z tests")
                 + f"; {lv} confidence intervals):")
    lines += _coef_table(r.coefficients, "tval" if r.test == "knha" else "zval", digits)
    if r.references:
        lines += ["", "Reference levels (the intercept is the effect at these levels and at 0 for numeric moderators): "
                  + ", ".join(f"{c} = {lev!r}" for c, lev in r.references.items())]
    for note in r.notes:
        lines.append(f"Note: {note}")
    return "\n".join(lines)


def _inputs(func: str, yi, vi, data, labels):
    y, v, lab, k = effect_inputs(func, yi, vi, labels, data)
    if lab is None:
        lab = [f"Study {i + 1}" for i in range(k)]
    return y, v, lab, k


def _fit_regression(y, v, X, names, *, method, test, level, studies, terms, notes, measure=None) -> MetaRegression:
    k, p = X.shape
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", het.ConvergenceWarning)
        fit = het.estimate_tau2(y, v, X, method)
    for wmsg in caught:  # keep the message with the result and pass the warning on
        if issubclass(wmsg.category, het.ConvergenceWarning):
            notes.append(str(wmsg.message))
        warnings.warn(wmsg.message, wmsg.category, stacklevel=3)
    if fit.note:
        notes.append(fit.note)
    tau2 = fit.tau2
    b, vb, s2w = _inference(y, v, X, tau2, test)
    if test == "knha" and s2w == 0.0:
        notes.append("the model fits the effects exactly: the Knapp-Hartung scaling factor is 0, so every se is 0")
    se = np.sqrt(np.diag(vb))
    if test == "knha":
        df = float(k - p)
        crit = float(stats.t.isf((1 - level / 100) / 2, df))
    else:
        df = math.nan
        crit = float(stats.norm.isf((1 - level / 100) / 2))
    stat = np.empty(p)
    pval = np.empty(p)
    for j in range(p):
        if se[j] > 0:
            stat[j] = b[j] / se[j]
            pval[j] = 2 * (stats.t.sf(abs(stat[j]), df) if test == "knha" else stats.norm.sf(abs(stat[j])))
        else:
            stat[j] = math.copysign(math.inf, b[j]) if b[j] != 0 else 0.0
            pval[j] = 0.0 if b[j] != 0 else 1.0
    coefficients = pd.DataFrame({"estimate": b, "se": se, "stat": stat, "pval": pval,
                                 "ci_low": b - crit * se, "ci_high": b + crit * se}, index=pd.Index(names))
    btt = np.arange(1, p)
    m = len(btt)
    qm = _wald(b, vb, btt)
    if test == "knha":
        qm /= m
        qm_pval = float(stats.f.sf(qm, m, df))
    else:
        qm_pval = float(stats.chi2.sf(qm, m))
    # residual heterogeneity (fixed-effect weights)
    _, r0, w0, A0i = het.wls(y, v, X, 0.0)
    qe = max(0.0, float(np.sum(w0 * r0 * r0)))
    qe_pval = float(stats.chi2.sf(qe, k - p))
    vt = (k - p) / het.trace_p(w0, X, A0i)
    ones = np.ones((k, 1))
    if method == "FE":
        i2 = max(0.0, 100 * (qe - (k - p)) / qe) if qe > 0 else 0.0
        h2 = qe / (k - p)
        tau2_ci = i2_ci = h2_ci = None
        # adjusted R^2 of the weighted least-squares regression with weights 1/v (metafor for FE models)
        tau2_re = 0.0
        if np.all(y == y[0]):
            r2 = 0.0
        else:
            _, rr, _, _ = het.wls(y, v, ones, 0.0)
            tss = float(np.sum(w0 * rr * rr))
            adj = 1 - (qe / tss) * (k - 1) / (k - p)
            r2 = max(0.0, 100 * adj)
    else:
        i2 = 100 * tau2 / (vt + tau2)
        h2 = tau2 / vt + 1
        t_lo, t_hi = het.q_profile_ci(y, v, X, level)
        tau2_ci = (t_lo, t_hi)
        i2_ci = (100 * t_lo / (vt + t_lo), 100 * t_hi / (vt + t_hi))
        h2_ci = (t_lo / vt + 1, t_hi / vt + 1)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", het.ConvergenceWarning)
            tau2_re = het.estimate_tau2(y, v, ones, method).tau2
        for wmsg in caught:
            if issubclass(wmsg.category, het.ConvergenceWarning):
                notes.append("model without moderators (for R^2): " + str(wmsg.message))
        r2 = 0.0 if tau2_re == 0 else max(0.0, 100 * (tau2_re - tau2) / tau2_re)
    references = {t.column: t.reference for t in terms if t.kind == "categorical"}
    return MetaRegression(
        k=k, p=p, coefficients=coefficients, vcov=pd.DataFrame(vb, index=names, columns=names), df=df,
        qm=qm, qm_df=m, qm_pval=qm_pval, qe=qe, qe_df=k - p, qe_pval=qe_pval,
        tau2=tau2, tau2_ci=tau2_ci, i2=i2, i2_ci=i2_ci, h2=h2, h2_ci=h2_ci, r2=r2, tau2_intercept_only=tau2_re,
        method=method, test=test, level=level, references=references,
        design=pd.DataFrame(X, columns=names), studies=studies,
        converged=fit.converged, iterations=fit.iterations, notes=tuple(notes), _terms=terms, measure=measure,
    )


def meta_regression(
    yi: Any,
    vi: Any,
    moderators: Any,
    *,
    method: str = "REML",
    test: str = "z",
    level: float = 95,
    data: pd.DataFrame | None = None,
    labels: Any = None,
    reference: dict | None = None,
    measure: str | None = None,
) -> MetaRegression:
    """Fixed- or mixed-effects meta-regression of ``yi`` on study-level moderators.

    Model and estimation: see the module docstring. Tests and statistics (metafor
    ``rma(yi, vi, mods = ~ ..., method, test)``; Viechtbauer 2010, J Stat Softw 36(3)):

    - coefficient tests: ``b_j / se_j`` against N(0, 1), or t with ``k - p`` df for ``"knha"``;
    - omnibus test of the moderators (all coefficients but the intercept, ``m = p - 1``):
      ``QM = b' Var(b)^-1 b`` over those coefficients, chi-square with ``m`` df; for
      ``"knha"`` ``QM / m`` against F(m, k - p) (Knapp & Hartung 2003, eq. 9);
    - residual heterogeneity: ``QE = sum (y_i - x_i' b_FE)^2 / v_i``, chi-square with ``k - p``
      df (Hedges & Olkin 1985, ch. 8); ``I^2 = 100 tau^2 / (tau^2 + s^2)`` and
      ``H^2 = (tau^2 + s^2) / s^2`` with ``s^2 = (k - p) / tr(P_0)`` (metafor's definition;
      for ``method="FE"``: ``I^2 = max(0, 100 (QE - (k-p)) / QE)``, ``H^2 = QE / (k-p)``);
    - ``R^2 = max(0, 100 (tau^2_0 - tau^2) / tau^2_0)``, the proportional reduction of tau^2
      against the model without moderators fitted with the same estimator (Raudenbush 2009,
      Handbook of Research Synthesis, 2nd ed., p. 304; López-López et al. 2014, Br J Math Stat
      Psychol 67:30-48), 0 when ``tau^2_0 = 0``. For ``method="FE"`` it is, as in metafor, the
      adjusted R^2 of the weighted least-squares regression with weights ``1 / v_i``;
    - ``tau2_ci``: Q-profile interval (Viechtbauer 2007, Stat Med 26:37-52) using the
      generalized Q statistic of the model.

    Parameters
    ----------
    yi, vi : array-like or str
        Effect sizes and sampling variances, or column names in ``data``.
    moderators : DataFrame, Series, dict, array, or column name(s) in ``data``
        One row per study (matched by position). Numeric columns (int, float) enter as they
        are; categorical columns (text/object, bool, pandas Categorical) are dummy-coded
        against a reference level: the first level in sorted order, or the first category
        of a pandas Categorical, unless ``reference`` names another. Integer-coded groups
        are numeric unless converted with ``.astype("category")``.
    method : {"FE", "DL", "REML", "ML", "PM", "HE", "SJ", "HS", "EB"}
        Estimator of the residual tau^2 (:func:`koppmeta.models.heterogeneity.estimate_tau2`).
    test : {"z", "knha"}
        z / chi-square tests, or Knapp-Hartung t / F tests.
    level : float
        Confidence level in percent.
    data : pandas.DataFrame, optional
        Table holding columns named by ``yi``, ``vi``, ``labels`` and ``moderators``.
    labels : array-like or str, optional
        Study labels (used in tables and error messages).
    reference : dict, optional
        ``{column: level}``: reference level of categorical moderators.
    measure : str, optional
        The effect measure ("RR", "OR", "SMD", ...), kept with the result (ratio measures are on the
        log scale).

    Returns
    -------
    MetaRegression
        Coefficient table indexed ``"intercept"`` then terms (``"ablat"``, ``"alloc[random]"``),
        ``qm, qm_df, qm_pval, qe, qe_df, qe_pval, tau2, tau2_ci, i2, h2, r2, k, p`` and
        :meth:`MetaRegression.predict`.

    Raises
    ------
    ValueError, TypeError
        Unknown method/test (listing valid ones); missing, infinite or non-numeric values
        (naming the column, study and row); a categorical moderator with one level; an
        unknown reference level; a redundant term (the model matrix is not of full rank;
        nothing is dropped silently); not more studies than coefficients.

    Examples
    --------
    >>> import koppmeta
    >>> es = koppmeta.datasets.load_bcg("RR")  # log risk ratios yi and their variances vi
    >>> fit = koppmeta.meta_regression("yi", "vi", ["ablat", "alloc"], data=es, labels="label")
    >>> list(fit.coefficients.index)
    ['intercept', 'ablat', 'alloc[random]', 'alloc[systematic]']
    """
    func = "meta_regression"
    check_choice(func, "method", method, het.METHODS)
    check_choice(func, "test", test, TESTS)
    level = check_level(func, level)
    if reference is None:
        reference = {}
    if not isinstance(reference, dict):
        raise TypeError(f"{func}: argument 'reference' must be a dict {{column: level}}; got {type(reference).__name__}.")
    y, v, lab, k = _inputs(func, yi, vi, data, labels)
    mods = _moderator_frame(func, moderators, data, k)
    notes: list[str] = []
    X, names, terms = _design(func, mods, reference, lab, notes)
    p = X.shape[1]
    if k <= p:
        raise ValueError(f"{func}: the model has {p} coefficients but only {k} studies; a meta-regression needs more "
                         "studies than coefficients (fewer moderators or levels, or more studies).")
    if method == "FE" and test == "knha":
        warnings.warn("meta_regression: the Knapp-Hartung method is meant for random-effects models, not method='FE'.",
                      KnappHartungWarning, stacklevel=2)
    studies = pd.concat([pd.DataFrame({"label": lab, "yi": y, "vi": v}), mods], axis=1)
    return _fit_regression(y, v, X, names, method=method, test=test, level=level, studies=studies,
                           terms=terms, notes=notes, measure=measure)


# ---------------------------------------------------------------------------
# Subgroup analysis
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SubgroupAnalysis(SharedFromModel, Result):
    """Result of :func:`subgroup_analysis`. All numbers are unrounded floats.

    Attributes
    ----------
    groups : dict[str, MetaAnalysis]
        One pooled result per group, in order of first appearance (for forest plots).
    overall : MetaAnalysis
        The pooled result over all studies (ignoring the groups).
    q_between, q_between_df, q_between_pval : float, int, float
        Test of subgroup differences (H0: all groups have the same average effect).
    q_between_dist : {"chi2", "F"}
        Its reference distribution: chi-square with ``q_between_df`` df, or (common tau^2
        with ``test="knha"``) F with ``(q_between_df, q_between_df2)`` df.
    q_between_df2 : float or None
        Denominator df ``k - G`` of the F test; None for chi-square.
    i2_between : float or None
        ``max(0, 100 (Q - df) / Q)`` for the chi-square test (as RevMan reports); None for F.
    common_tau2 : bool
        Whether one tau^2 was shared by all groups (mixed-effects model).
    tau2_common : float or None
        That common tau^2 (None with separate tau^2).
    model : MetaRegression or None
        The mixed-effects model with the group as moderator (common tau^2 only).
    method, test, level : str, str, float
        Settings.
    estimate, se, pval, ci_low, ci_high, measure : float, str or None
        Those of ``overall`` (the shared names of every result).
    """

    groups: dict = field(repr=False, compare=False)
    overall: MetaAnalysis = field(repr=False, compare=False)
    q_between: float
    q_between_df: int
    q_between_pval: float
    q_between_dist: str
    q_between_df2: float | None
    i2_between: float | None
    common_tau2: bool
    tau2_common: float | None
    model: MetaRegression | None = field(repr=False, compare=False)
    method: str
    test: str
    level: float
    group_name: str | None = None
    notes: tuple[str, ...] = ()

    _model: ClassVar[str] = "overall"  # estimate, se, pval, ci_low, ci_high: those of the overall model

    @property
    def k(self) -> int:
        return self.overall.k

    @property
    def measure(self) -> str | None:
        return self.overall.measure

    def _records(self) -> list[dict[str, Any]]:
        """One row per group, then a row ``"overall"`` (unrounded)."""
        return [{"group": name, "k": fit.k, "estimate": fit.estimate, "se": fit.se, "stat": fit.stat,
                 "pval": fit.pval, "df": fit.df, "ci_low": fit.ci_low, "ci_high": fit.ci_high,
                 "pi_low": fit.pi_low, "pi_high": fit.pi_high, "tau2": fit.tau2, "i2": fit.i2,
                 "q": fit.q, "q_df": fit.q_df, "q_pval": fit.q_pval}
                for name, fit in list(self.groups.items()) + [("overall", self.overall)]]

    def summary(self, digits: int = 4) -> str:
        """Text report: each group's pooled effect, the overall effect and the test of subgroup differences."""
        return _subgroup_text(self, digits)

    def _heading(self) -> str:
        kind = "common tau² (mixed-effects model)" if self.common_tau2 else "separate tau² per group"
        return f"Subgroup analysis{' by ' + self.group_name if self.group_name else ''} ({kind}, {self.method})"

    def _table(self) -> pd.DataFrame:
        return self.to_frame().set_index("group")[["k", "estimate", "ci_low", "ci_high", "pval", "tau2", "i2"]]

    def _describe(self) -> list[tuple[str, str, str]]:
        return [("Subgroup differences", _subgroup_test_line(self, 4), "H0: the groups share one average effect")]


def _subgroup_test_line(s: SubgroupAnalysis, digits: int) -> str:
    f = partial(formatting.text, digits=digits)
    if s.q_between_dist == "F":
        return f"F(df1 = {s.q_between_df}, df2 = {s.q_between_df2:g}) = {f(s.q_between)}, {_pline(s.q_between_pval, digits)}"
    i2 = f", I^2 = {formatting.percent(s.i2_between, 1)}" if s.i2_between is not None else ""
    return f"Chi^2(df = {s.q_between_df}) = {f(s.q_between)}, {_pline(s.q_between_pval, digits)}{i2}"


def _subgroup_text(s: SubgroupAnalysis, digits: int) -> str:
    f = partial(formatting.text, digits=digits)
    lv = f"{s.level:g}%"
    what = f" by {s.group_name}" if s.group_name else ""
    if s.common_tau2:
        head = (f"Subgroup analysis{what} (k = {s.k}; {len(s.groups)} groups; one common tau^2 for all groups, "
                f"mixed-effects model; estimator {s.method})")
    else:
        head = (f"Subgroup analysis{what} (k = {s.k}; {len(s.groups)} groups; a separate "
                + ("fixed-effect model" if s.method == "FE" else f"tau^2 per group; estimator {s.method}") + ")")
    lines = [head, "", f"Pooled effect per group ({_TEST_WORDS[s.test]} tests; {lv} CI):"]
    tab = s.to_frame()
    header = ["group", "k", "estimate", "se", "ci.lb", "ci.ub", "pval", "tau^2", "I^2"]
    rows = [[str(r.group), str(r.k), f(r.estimate), f(r.se), f(r.ci_low), f(r.ci_high), format_p(r.pval, digits),
             f(r.tau2), f"{formatting.percent(r.i2, 1)}"] for r in tab.itertuples()]
    widths = [max(len(h), *(len(r[j]) for r in rows)) for j, h in enumerate(header)]
    lines.append("  ".join((h.ljust(w) if j == 0 else h.rjust(w)) for j, (h, w) in enumerate(zip(header, widths))))
    lines += ["  ".join((c.ljust(w) if j == 0 else c.rjust(w)) for j, (c, w) in enumerate(zip(r, widths))) for r in rows]
    lines.append("")
    if s.common_tau2:
        lines.append(f"Common tau^2 (residual heterogeneity within groups): {f(s.tau2_common)}")
        lines.append("Test for subgroup differences (H0: the groups share one average effect; Wald test of the "
                     "group moderator in the mixed-effects model):")
    else:
        lines.append("Test for subgroup differences (H0: the groups share one average effect; Q of the group "
                     "estimates around their inverse-variance weighted mean):")
    lines.append(_subgroup_test_line(s, digits))
    for note in s.notes:
        lines.append(f"Note: {note}")
    return "\n".join(lines)


def _with_common_tau2(base: MetaAnalysis, **changes: Any) -> MetaAnalysis:
    """A group's MetaAnalysis with the inference of the common-tau^2 model.

    The group's own tau^2 interval does not apply (tau^2 was estimated from all groups),
    so ``tau2_ci``, ``i2_ci`` and ``h2_ci`` are None.
    """
    names = {f.name for f in dataclasses.fields(base)}
    no_ci = ("tau2_ci", "i2_ci", "h2_ci")
    changes.update({n: None for n in no_ci if n in names})
    out = dataclasses.replace(base, **changes)
    for n in no_ci:
        if n not in names:  # computed on first use: fix the value now
            out.__dict__[n] = None
    return out


def subgroup_analysis(
    yi: Any,
    vi: Any,
    groups: Any,
    *,
    labels: Any = None,
    method: str = "REML",
    test: str = "z",
    level: float = 95,
    common_tau2: bool = False,
    data: pd.DataFrame | None = None,
    measure: str | None = None,
) -> SubgroupAnalysis:
    """Pooled effect per subgroup and the test of subgroup differences.

    Two models (Borenstein et al. 2009, *Introduction to Meta-Analysis*, ch. 19, pp. 149-186;
    Cochrane Handbook v6.4, section 10.11.3):

    - ``common_tau2=False`` (default; RevMan and R meta): each group is pooled on its own
      (:func:`koppmeta.meta_analysis` with the group's studies, so each group has its own
      tau^2). The test of subgroup differences treats the G group estimates as a
      fixed-effect meta-analysis: ``Q_between = sum_g (est_g - est_bar)^2 / se_g^2`` with
      ``est_bar`` their inverse-variance weighted mean, chi-square with ``G - 1`` df. ``se_g``
      is each group's reported se (Knapp-Hartung scaled with ``test="knha"``; with
      ``test="adhoc"`` the scaling factor is at least 1, metafor's ad hoc variant, so a group whose
      trials agree closely cannot get a narrower interval than the z test gives it).
    - ``common_tau2=True``: the mixed-effects model with the group as a categorical
      moderator (one tau^2 for all groups; :func:`meta_regression`). The test of subgroup
      differences is its omnibus test QM (chi-square with G - 1 df, or F with (G - 1, k - G)
      df for ``test="knha"``). Each group's estimate is the group mean of that model
      (metafor ``rma(yi, vi, mods = ~ factor(group) - 1)``).

    Parameters
    ----------
    yi, vi : array-like or str
        Effect sizes and sampling variances, or column names in ``data``.
    groups : array-like or str
        Group of each study (or a column name); groups appear in results in order of first
        appearance and are named by ``str(value)``.
    labels : array-like or str, optional
        Study labels.
    method, test, level :
        As in :func:`koppmeta.meta_analysis`; ``test="adhoc"`` only with ``common_tau2=False``.
    common_tau2 : bool
        One tau^2 shared by all groups instead of one per group.
    data : pandas.DataFrame, optional
        Table holding the named columns.
    measure : str, optional
        Effect measure, passed on to each group's :class:`MetaAnalysis` (ratio measures are
        shown back-transformed).

    Returns
    -------
    SubgroupAnalysis
        ``groups`` (dict name -> MetaAnalysis), ``overall``, ``q_between``,
        ``q_between_df``, ``q_between_pval``; ``summary()``, ``to_frame()``.

    Raises
    ------
    ValueError, TypeError
        Invalid inputs (as :func:`koppmeta.meta_analysis`), a missing group, fewer than
        two groups, a group with one study when ``test`` is ``"knha"`` or ``"adhoc"`` and
        ``common_tau2=False`` (its t distribution would have 0 df), or ``test="adhoc"`` with
        ``common_tau2=True``.
    """
    func = "subgroup_analysis"
    check_choice(func, "method", method, het.METHODS)
    check_choice(func, "test", test, SUBGROUP_TESTS)
    level = check_level(func, level)
    if not isinstance(common_tau2, (bool, np.bool_)):
        raise TypeError(f"{func}: argument 'common_tau2' must be True or False; got {common_tau2!r}.")
    if test == "adhoc" and common_tau2:
        raise ValueError(f"{func}: test='adhoc' is available with one tau^2 per group (common_tau2=False); the "
                         "common-tau^2 model offers test='z' or 'knha'.")
    y, v, lab, k = _inputs(func, yi, vi, data, labels)
    group_name = groups if isinstance(groups, str) else getattr(groups, "name", None)
    g_raw = resolve_column(func, "groups", groups, data)
    if isinstance(g_raw, str) or np.ndim(g_raw) != 1:
        raise TypeError(f"{func}: argument 'groups' must be one group per study (a sequence or a column name in 'data').")
    g_vals = list(g_raw.to_list() if isinstance(g_raw, pd.Series) else list(g_raw))
    if len(g_vals) != k:
        raise ValueError(f"{func}: argument 'groups' has {len(g_vals)} entries but there are {k} studies.")
    for i, x in enumerate(g_vals):
        if _is_missing(x):
            raise ValueError(f"{func}: argument 'groups', {study_name(lab, i)}: the group is missing. Studies without "
                             "a group are not dropped silently: remove them or give them a group.")
    names = [str(x) for x in g_vals]
    by_name: dict[str, Any] = {}
    for x, n in zip(g_vals, names):
        if n in by_name and by_name[n] != x:
            raise ValueError(f"{func}: argument 'groups': the values {by_name[n]!r} and {x!r} have the same name {n!r}; "
                             "make the group values distinct as text.")
        by_name.setdefault(n, x)
    order = list(dict.fromkeys(names))
    if len(order) < 2:
        raise ValueError(f"{func}: argument 'groups' has only one group ({order[0]!r}); a subgroup analysis needs at "
                         "least two groups.")
    idx = {g: np.array([i for i, n in enumerate(names) if n == g]) for g in order}
    if test != "z" and not common_tau2:
        small = [g for g in order if len(idx[g]) < 2]
        if small:
            raise ValueError(f"{func}: group(s) {', '.join(map(repr, small))} have one study; with test={test!r} each "
                             "group needs at least 2 studies (its t distribution has k - 1 df). Use test='z' or "
                             "common_tau2=True.")
    notes: list[str] = []
    with warnings.catch_warnings():
        if method == "FE" and test != "z":
            warnings.simplefilter("ignore", UserWarning)
        overall = meta_analysis(y, v, method=method, test=test, level=level, labels=lab, measure=measure)
    if method == "FE" and test != "z":
        warnings.warn(f"{func}: the Knapp-Hartung method is meant for random-effects models, not method='FE'.",
                      KnappHartungWarning, stacklevel=2)
    fits: dict[str, MetaAnalysis] = {}
    model = None
    tau2_common = None
    if not common_tau2:
        for g in order:
            ii = idx[g]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # the FE + knha warning was given once above
                warnings.simplefilter("default", het.ConvergenceWarning)
                fits[g] = meta_analysis(y[ii], v[ii], method=method, test=test, level=level,
                                        labels=[lab[i] for i in ii], measure=measure)
        est = np.array([fits[g].estimate for g in order])
        se = np.array([fits[g].se for g in order])
        if np.any(se <= 0):
            bad = [g for g, s_ in zip(order, se) if s_ <= 0]
            raise ValueError(f"{func}: group(s) {', '.join(map(repr, bad))} have a standard error of 0 (all their "
                             "effects are equal under test='knha'), so the test of subgroup differences is undefined. "
                             "Use test='z'.")
        w = 1 / se**2
        mean = float(np.sum(w * est) / np.sum(w))
        q_between = float(np.sum(w * (est - mean) ** 2))
        q_df = len(order) - 1
        q_pval = float(stats.chi2.sf(q_between, q_df))
        dist, df2 = "chi2", None
    else:
        mods = pd.DataFrame({"group": pd.Categorical(names, categories=order)})
        X, tnames, terms = _design(func, mods, {}, lab, notes)
        if k <= X.shape[1]:
            raise ValueError(f"{func}: {k} studies in {len(order)} groups: the common-tau^2 model needs more studies "
                             "than groups.")
        studies = pd.concat([pd.DataFrame({"label": lab, "yi": y, "vi": v}), mods], axis=1)
        model = _fit_regression(y, v, X, tnames, method=method, test=test, level=level, studies=studies,
                                terms=terms, notes=list(notes), measure=measure)
        notes.extend(model.notes)
        tau2_common = model.tau2
        q_between, q_df, q_pval = model.qm, model.qm_df, model.qm_pval
        dist, df2 = ("F", model.df) if test == "knha" else ("chi2", None)
        # group means of the model with one coefficient per group (no intercept)
        Xg = X.copy()
        Xg[:, 0] = 1 - X[:, 1:].sum(axis=1)
        b, vb, _ = _inference(y, v, Xg, tau2_common, test)
        crit = model._crit(level)
        for j, g in enumerate(order):
            ii = idx[g]
            base = fit_at_tau2(y[ii], v[ii], tau2_common, method=method, test="z", level=level,
                               labels=[lab[i] for i in ii], measure=measure,
                               notes=["tau^2 is the common between-study variance of the mixed-effects model "
                                    "(estimated from all groups)"])
            est_g, se_g = float(b[j]), float(math.sqrt(vb[j, j]))
            if se_g > 0:
                st = est_g / se_g
                pv = float(2 * (stats.t.sf(abs(st), model.df) if test == "knha" else stats.norm.sf(abs(st))))
            else:
                st = math.copysign(math.inf, est_g) if est_g != 0 else 0.0
                pv = 0.0 if est_g != 0 else 1.0
            pse = math.sqrt(se_g**2 + tau2_common)
            fits[g] = _with_common_tau2(
                base, estimate=est_g, se=se_g, stat=st, pval=pv, df=model.df,
                ci_low=est_g - crit * se_g, ci_high=est_g + crit * se_g,
                pi_low=est_g - crit * pse, pi_high=est_g + crit * pse, test=test)
    i2_between = None
    if dist == "chi2":
        i2_between = max(0.0, 100 * (q_between - q_df) / q_between) if q_between > 0 else 0.0
    return SubgroupAnalysis(
        groups=fits, overall=overall, q_between=q_between, q_between_df=int(q_df), q_between_pval=q_pval,
        q_between_dist=dist, q_between_df2=df2, i2_between=i2_between, common_tau2=bool(common_tau2),
        tau2_common=tau2_common, model=model, method=method, test=test, level=level,
        group_name=str(group_name) if group_name is not None else None, notes=tuple(dict.fromkeys(notes)),
    )


# ---------------------------------------------------------------------------
# Permutation tests
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PermutationResult(Result):
    """Result of :func:`permutation_test`.

    Attributes
    ----------
    pval : float
        The headline permutation p-value: for a meta-analysis, that of the pooled effect;
        for a meta-regression, that of the omnibus test of the moderators (QM).
    coefficients : pandas.DataFrame
        Indexed like the model's coefficients; columns ``estimate, stat, pval_model``
        (the model's z/t test) and ``pval`` (permutation).
    qm, qm_df, qm_pval_model, qm_pval : float, int, float, float
        Omnibus statistic of the model (``stat^2`` for a meta-analysis), its model-based and
        permutation p-values.
    exact : bool
        Whether all distinct permutations were enumerated (exact test).
    n_permutations : int
        Number of arrangements evaluated (for a random test the observed data count as the first).
    n_failed : int
        Arrangements whose model could not be fitted (left out of the p-values).
    kind : str
        ``"sign flips"`` (meta-analysis) or ``"row permutations"`` (meta-regression).
    seed : int or None
        Seed of the random generator (None for an exact test or an unseeded run).
    stat_perm, qm_perm : numpy.ndarray
        The permutation distribution (n_permutations x p, and n_permutations).
    """

    pval: float
    coefficients: pd.DataFrame = field(repr=False, compare=False)
    qm: float
    qm_df: int
    qm_pval_model: float
    qm_pval: float
    exact: bool
    n_permutations: int
    n_failed: int
    kind: str
    method: str
    test: str
    seed: int | None
    stat_perm: np.ndarray = field(repr=False, compare=False)
    qm_perm: np.ndarray = field(repr=False, compare=False)
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row per coefficient (``term`` first) and a row ``"QM"`` for the omnibus test."""
        tab = self.coefficients.reset_index().rename(columns={"index": "term"})
        qm_row = pd.DataFrame([{"term": "QM", "estimate": math.nan, "stat": self.qm,
                                "pval_model": self.qm_pval_model, "pval": self.qm_pval}])
        out = pd.concat([tab, qm_row], ignore_index=True)
        out["exact"] = self.exact
        out["n_permutations"] = self.n_permutations
        return out

    def _records(self) -> list[dict[str, Any]]:
        return self.to_frame().to_dict("records")

    def _how(self) -> str:
        how = ("exact test over all " if self.exact else "random ") + f"{self.n_permutations} " + (
            "sign patterns of the effects" if self.kind == "sign flips" else "distinct row permutations of the moderators"
            if self.exact else "row permutations of the moderators")
        if not self.exact:
            how += f" (the observed data count as one; seed = {self.seed})"
        return how

    def _heading(self) -> str:
        return f"Permutation test ({self._how()}; {self.method}, {'Knapp-Hartung' if self.test == 'knha' else 'z'} tests)"

    def _table(self) -> pd.DataFrame:
        return self.coefficients

    def _describe(self) -> list[tuple[str, str, str]]:
        return [("p (permutation)", formatting.pvalue(self.pval), "share of arrangements at least as extreme (two-sided)"),
                ("QM" if self.test == "z" else "F", f"{formatting.text(self.qm)} (df = {self.qm_df}, permutation p = "
                 f"{formatting.pvalue(self.qm_pval)}, model p = {formatting.pvalue(self.qm_pval_model)})",
                 "omnibus test of the model")]

    def summary(self, digits: int = 4) -> str:
        """Text report of the permutation p-values next to the model-based ones."""
        f = partial(formatting.text, digits=digits)
        lines = [self._heading(), ""]
        head = ["", "estimate", "stat", "pval (model)", "pval (permutation)"]
        rows = [[str(n), f(r.estimate), f(r.stat), format_p(r.pval_model, digits), format_p(r.pval, digits)]
                for n, r in self.coefficients.iterrows()]
        if self.kind == "row permutations":
            rows.append([("F" if self.test == "knha" else "QM") + f" (df = {self.qm_df})", "", f(self.qm),
                         format_p(self.qm_pval_model, digits), format_p(self.qm_pval, digits)])
        lines += formatting.columns(head, rows)
        lines += ["", "The permutation p-value is the share of arrangements whose statistic is at least as extreme "
                      "as the observed one (two-sided)."]
        if not self.exact:
            se = math.sqrt(max(self.pval * (1 - self.pval), 1e-12) / self.n_permutations)
            lines.append(f"Monte Carlo standard error of the headline p-value: about {formatting.text(se, digits)}.")
        for note in self.notes:
            lines.append(f"Note: {note}")
        return "\n".join(lines)


def _multiset_permutations(codes: np.ndarray):
    """All distinct orderings of ``codes`` (lexicographic next-permutation; Knuth TAOCP 7.2.1.2, Algorithm L)."""
    a = sorted(int(c) for c in codes)
    n = len(a)
    while True:
        yield np.array(a)
        j = n - 2
        while j >= 0 and a[j] >= a[j + 1]:
            j -= 1
        if j < 0:
            return
        m = n - 1
        while a[j] >= a[m]:
            m -= 1
        a[j], a[m] = a[m], a[j]
        a[j + 1:] = reversed(a[j + 1:])


def permutation_test(
    fit: MetaAnalysis | MetaRegression,
    *,
    n_permutations: int = 1000,
    seed: int | None = None,
    progress: bool | None = None,
) -> PermutationResult:
    """Permutation test of a meta-analysis or meta-regression (metafor ``permutest()``).

    - Meta-analysis (no moderators): under H0 (average effect 0) the sign of each effect
      is arbitrary (Follmann & Proschan 1999, Biometrics 55:732-737). The model is refitted
      with the signs of the effects flipped; the p-value is the share of sign patterns with
      ``|stat*| >= |stat|``. With ``2^k <= n_permutations`` all ``2^k`` patterns are
      enumerated (exact test, as metafor's ``exact=TRUE``); otherwise ``n_permutations``
      random patterns are drawn, the first being the observed data (so p > 0).
    - Meta-regression: under H0 (no moderator effects) the moderators are exchangeable
      across studies (Higgins & Thompson 2004, Stat Med 23:1663-1682, section 5). The rows of
      the model matrix are permuted (effects and variances stay in place) and the model is
      refitted; p-values: share with ``|stat*_j| >= |stat_j|`` per coefficient and with
      ``QM* >= QM`` for the omnibus test (Viechtbauer et al. 2015, Psychol Methods
      20:360-374). The test is exact (all ``k! / prod(n_r!)`` distinct row orders, with
      ``n_r`` the multiplicities of identical rows) when that number is at most
      ``n_permutations``.

    Every refit uses the original model's ``method`` and ``test``. Comparisons allow a
    tolerance of :data:`PERMUTATION_TOL` (metafor's ``comptol``). Arrangements whose model
    cannot be fitted are left out and counted in ``n_failed``.

    Parameters
    ----------
    fit : MetaAnalysis or MetaRegression
        The fitted model.
    n_permutations : int
        Number of random arrangements (at least 2), and the limit up to which the exact
        test is used.
    seed : int, optional
        Seed of ``numpy.random.default_rng`` for the random test (reproducible results).
    progress : bool, optional
        Show a progress bar; by default only for more than 2000 arrangements.

    Returns
    -------
    PermutationResult
    """
    func = "permutation_test"
    if isinstance(fit, MetaAnalysis):
        X = np.ones((fit.k, 1))
        names = [INTERCEPT]
        kind = "sign flips"
        btt = np.array([0])
    elif isinstance(fit, MetaRegression):
        X = fit.design.to_numpy()
        names = list(fit.coefficients.index)
        kind = "row permutations"
        btt = np.arange(1, fit.p)
    elif isinstance(fit, SubgroupAnalysis):
        raise TypeError(f"{func}: a SubgroupAnalysis is not supported; test the group moderator with "
                        "permutation_test(meta_regression(yi, vi, groups)) or fit subgroup_analysis(..., "
                        "common_tau2=True) and pass its .model.")
    else:
        raise TypeError(f"{func}: argument 'fit' must be a MetaAnalysis or a MetaRegression; got {type(fit).__name__}.")
    if isinstance(n_permutations, (bool, np.bool_)) or not isinstance(n_permutations, (int, np.integer)):
        raise TypeError(f"{func}: argument 'n_permutations' must be an integer; got {n_permutations!r}.")
    if n_permutations < 2:
        raise ValueError(f"{func}: argument 'n_permutations' is {n_permutations}; it must be at least 2.")
    if seed is not None and (isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer))):
        raise TypeError(f"{func}: argument 'seed' must be an integer or None; got {seed!r}.")
    if progress is not None and not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"{func}: argument 'progress' must be True, False or None; got {progress!r}.")
    y, v = fit.yi, fit.vi
    k, p = X.shape
    method, test = fit.method, fit.test
    if kind == "sign flips" and test == "knha" and k < 2:
        raise ValueError(f"{func}: a Knapp-Hartung model with k = {k} study cannot be refitted.")
    if kind == "sign flips":
        n_exact = 2**k
        codes = uniq = None
    else:
        uniq, codes, counts = np.unique(X, axis=0, return_inverse=True, return_counts=True)
        codes = np.asarray(codes).ravel()
        n_exact = math.factorial(k)
        for c in counts:
            n_exact //= math.factorial(int(c))
    exact = n_exact <= n_permutations
    n_iter = int(n_exact) if exact else int(n_permutations)
    if progress is None:
        progress = n_iter > PROGRESS_THRESHOLD
    rng = None if exact else np.random.default_rng(seed)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", het.ConvergenceWarning)
        b_obs, stat_obs, qm_obs = _fast_fit(y, v, X, method, test, btt)

    from tqdm.auto import tqdm

    stat_perm = np.full((n_iter, p), np.nan)
    qm_perm = np.full(n_iter, np.nan)
    n_failed = 0
    n_fallback = 0
    if kind == "sign flips":
        # all sign patterns (or the seeded sample) at once through the vectorised engine
        from .batch import fit_many

        if exact:
            bits = np.arange(k)
            signs = 1 - 2 * ((np.arange(n_iter)[:, None] >> bits) & 1)
        else:
            signs = np.vstack([np.ones((1, k), dtype=int), 1 - 2 * rng.integers(0, 2, size=(n_iter - 1, k))])
        Y = signs * y
        chunk = 20_000
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", het.ConvergenceWarning)
            for start in tqdm(range(0, n_iter, chunk), disable=not progress, desc="permutations",
                              unit=f"{chunk} fits"):
                res = fit_many(Y[start:start + chunk], np.broadcast_to(v, (min(chunk, n_iter - start), k)),
                               method=method, test=test, level=fit.level)
                st = res["stat"].to_numpy()
                stat_perm[start:start + chunk, 0] = st
                qm_perm[start:start + chunk] = st * st
        n_failed = int(np.isnan(qm_perm).sum())
        n_fallback = sum(issubclass(w_.category, het.ConvergenceWarning) for w_ in caught)
    if kind != "sign flips":
        # all row orders (or the seeded sample) as batches of weighted least-squares problems
        if exact:
            orders = np.array([uniq_codes for uniq_codes in _multiset_permutations(codes)])
            Xall = uniq[orders]
        else:
            perms = [np.arange(k)] + [rng.permutation(k) for _ in range(n_iter - 1)]
            Xall = X[np.array(perms)]
        chunk = max(1, 200_000 // (k * p))
        for start in tqdm(range(0, n_iter, chunk), disable=not progress, desc="permutations", unit=f"{chunk} fits"):
            Xb = Xall[start:start + chunk]
            m = Xb.shape[0]
            yb, vb = np.broadcast_to(y, (m, k)), np.broadcast_to(v, (m, k))
            with np.errstate(divide="ignore", invalid="ignore"):
                t2, conv, _ = engine.design_tau2(yb, vb, Xb, method)
                st, qm = engine.design_tests(yb, vb, Xb, t2, test, btt)
            good = conv & ~np.isnan(st).any(axis=1) & ~np.isnan(qm)
            stat_perm[start:start + m][good] = st[good]
            qm_perm[start:start + m][good] = qm[good]
        n_failed = int(np.isnan(qm_perm).sum())
    ok = ~np.isnan(qm_perm)
    if not ok.any():
        raise het.ConvergenceError(f"{func}: no permuted model could be fitted.")
    tol = PERMUTATION_TOL
    pvals = np.mean(np.abs(stat_perm[ok]) >= np.abs(stat_obs) - tol, axis=0)
    qm_pval = float(np.mean(qm_perm[ok] >= qm_obs - tol))
    pvals = np.minimum(pvals, 1.0)
    if isinstance(fit, MetaAnalysis):
        est_model = np.array([fit.estimate])
        pval_model = np.array([fit.pval])
        qm_df = 1
        qm_pval_model = float(fit.pval)
        headline = float(pvals[0])
    else:
        est_model = fit.coefficients["estimate"].to_numpy()
        pval_model = fit.coefficients["pval"].to_numpy()
        qm_df = fit.qm_df
        qm_pval_model = fit.qm_pval
        headline = qm_pval
    coefficients = pd.DataFrame({"estimate": est_model, "stat": stat_obs, "pval_model": pval_model, "pval": pvals},
                                index=pd.Index(names))
    notes = []
    if n_failed:
        notes.append(f"{n_failed} of {n_iter} permuted models could not be fitted and were left out of the p-values")
    if n_fallback:
        notes.append(f"{n_fallback} permuted models gave a ConvergenceWarning from the tau^2 estimator (e.g. tau^2 "
                     "set to 0 because the likelihood is higher there); their estimates were used")
    return PermutationResult(
        pval=headline, coefficients=coefficients, qm=float(qm_obs), qm_df=int(qm_df), qm_pval_model=float(qm_pval_model),
        qm_pval=qm_pval, exact=bool(exact), n_permutations=n_iter, n_failed=n_failed, kind=kind, method=method,
        test=test, seed=None if exact else (None if seed is None else int(seed)), stat_perm=stat_perm,
        qm_perm=qm_perm, notes=tuple(notes),
    )
