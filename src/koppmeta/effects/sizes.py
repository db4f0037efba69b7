"""Effect sizes and their sampling variances, and conversions between them.

The main entry point is :func:`effect_sizes`, which works like metafor's
``escalc()``: it returns a copy of a table with the columns ``yi`` (effect size)
and ``vi`` (sampling variance) appended. Group 1 is always the intervention arm,
so a negative SMD or a log risk ratio below 0 means fewer symptoms or fewer
events with the intervention.

Every formula matches metafor 3.8+ (``escalc`` with its defaults) and names its
source. Conversions from reported results (confidence intervals, t, F,
eta-squared, odds ratios, percentages) are separate functions; the rows they
make carry an ``es_method`` column that says which conversion was applied and
an ``approximate`` flag where information was lost on the way.
"""

from __future__ import annotations


import numpy as np
import pandas as pd
from scipy import special

from .._dist import norm_isf
from ..results import RATIO_MEASURES, deprecated_alias

from .._validation import (
    check_choice,
    check_level,
    check_nonnegative,
    check_positive,
    check_same_length,
    numeric_vector,
    study_name,
)

MEASURES = ("SMD", "MD", "RR", "OR", "RD")

_ROLES = {
    "SMD": ("m1", "sd1", "n1", "m2", "sd2", "n2"),
    "MD": ("m1", "sd1", "n1", "m2", "sd2", "n2"),
    "RR": ("events1", "n1", "events2", "n2"),
    "OR": ("events1", "n1", "events2", "n2"),
    "RD": ("events1", "n1", "events2", "n2"),
}

__all__ = [
    "MEASURES",
    "effect_sizes",
    "hedges_correction",
    "smd",
    "mean_difference",
    "two_by_two",
    "from_ci",
    "from_p",
    "logor_to_smd",
    "smd_to_logor",
    "smd_from_d",
    "d_from_t",
    "d_from_f",
    "d_from_eta2",
    "counts_from_percent",
]


# ---------------------------------------------------------------------------
# standardized and raw mean differences


def hedges_correction(df: np.ndarray) -> np.ndarray:
    """Exact small-sample correction factor J(m) for a standardized mean difference.

    ``J(m) = Gamma(m/2) / (sqrt(m/2) * Gamma((m-1)/2))`` with ``m = n1 + n2 - 2``,
    computed on the log scale so it does not overflow for large ``m``.

    Source: Hedges (1981), J Educ Stat 6(2):107-128, equation 6e; the same
    expression as metafor's ``.cmicalc()``.
    """
    m = np.asarray(df, dtype=float)
    return np.exp(special.gammaln(m / 2) - 0.5 * np.log(m / 2) - special.gammaln((m - 1) / 2))


def smd(m1, sd1, n1, m2, sd2, n2) -> tuple[np.ndarray, np.ndarray]:
    """Hedges' g and its large-sample variance (metafor ``measure="SMD"``, ``vtype="LS"``).

    ``d = (m1 - m2) / s_p`` with the pooled SD
    ``s_p = sqrt(((n1-1) sd1^2 + (n2-1) sd2^2) / (n1 + n2 - 2))``;
    ``g = J(n1 + n2 - 2) d`` (exact correction, :func:`hedges_correction`);
    ``v = 1/n1 + 1/n2 + g^2 / (2 (n1 + n2))``.

    Sources: Hedges (1981), J Educ Stat 6:107-128 (g and J); Hedges & Olkin (1985),
    Statistical Methods for Meta-Analysis, p. 86, eq. 15 (variance), as metafor's
    default ``vtype="LS"`` uses it with g in place of d.
    """
    m1, sd1, n1, m2, sd2, n2 = (np.asarray(x, dtype=float) for x in (m1, sd1, n1, m2, sd2, n2))
    mi = n1 + n2 - 2
    sdp = np.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / mi)
    g = hedges_correction(mi) * (m1 - m2) / sdp
    return g, _g_variance(g, n1, n2)


def _g_variance(g, n1, n2):
    """Large-sample variance of Hedges' g (metafor ``vtype="LS"``): ``1/n1 + 1/n2 + g^2 / (2 (n1 + n2))``."""
    return 1 / n1 + 1 / n2 + g**2 / (2 * (n1 + n2))


def mean_difference(m1, sd1, n1, m2, sd2, n2) -> tuple[np.ndarray, np.ndarray]:
    """Raw mean difference ``m1 - m2`` with variance ``sd1^2/n1 + sd2^2/n2``.

    Source: Borenstein, Hedges, Higgins & Rothstein (2009), Introduction to
    Meta-Analysis, eq. 4.3-4.5 (variances not assumed equal; metafor ``measure="MD"``,
    ``vtype="LS"``).
    """
    m1, sd1, n1, m2, sd2, n2 = (np.asarray(x, dtype=float) for x in (m1, sd1, n1, m2, sd2, n2))
    return m1 - m2, sd1**2 / n1 + sd2**2 / n2


# ---------------------------------------------------------------------------
# 2x2 tables


def two_by_two(measure: str, events1, n1, events2, n2, *, add: float = 0.5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Log risk ratio, log odds ratio or risk difference from event counts.

    Zero cells follow metafor's defaults (``add = 1/2, to = "only0", drop00 = FALSE``):
    a study with a zero in any of its four cells gets ``add`` added to all four
    cells (so the arm sizes grow by ``2 * add``); other studies are left as they are.
    Double-zero studies are kept and corrected the same way.

    Formulas (a, b = events / non-events in group 1; c, d in group 2; p = a/n):

    - RR: ``yi = log((a/n1) / (c/n2))``, ``vi = 1/a - 1/n1 + 1/c - 1/n2``
    - OR: ``yi = log(a d / (b c))``, ``vi = 1/a + 1/b + 1/c + 1/d``
    - RD: ``yi = p1 - p2``, ``vi = p1 (1-p1)/n1 + p2 (1-p2)/n2``

    Source: Borenstein et al. (2009), Introduction to Meta-Analysis, ch. 5
    (eq. 5.1-5.13); zero-cell rule as in metafor's ``escalc()`` documentation.

    Returns
    -------
    yi, vi, corrected
        ``corrected`` is a boolean array marking studies that received the zero-cell correction.
    """
    a = np.asarray(events1, dtype=float)
    c = np.asarray(events2, dtype=float)
    b = np.asarray(n1, dtype=float) - a
    d = np.asarray(n2, dtype=float) - c
    corrected = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    a, b, c, d = (np.where(corrected, x + add, x) for x in (a, b, c, d))
    n1a, n2a = a + b, c + d
    if measure == "RR":
        yi = np.log(a / n1a) - np.log(c / n2a)
        vi = 1 / a - 1 / n1a + 1 / c - 1 / n2a
    elif measure == "OR":
        yi = np.log(a) + np.log(d) - np.log(b) - np.log(c)
        vi = 1 / a + 1 / b + 1 / c + 1 / d
    elif measure == "RD":
        p1, p2 = a / n1a, c / n2a
        yi = p1 - p2
        vi = p1 * (1 - p1) / n1a + p2 * (1 - p2) / n2a
    else:  # pragma: no cover - guarded by callers
        raise ValueError(f"two_by_two: unknown measure {measure!r}; valid: RR, OR, RD.")
    return yi, vi, corrected


# ---------------------------------------------------------------------------
# the escalc-like entry point


def _column(func: str, data: pd.DataFrame, role: str, column: str, labels) -> np.ndarray:
    if column not in data.columns:
        raise ValueError(
            f"{func}: column {column!r} (for {role}) is not in the data. "
            f"Available columns: {', '.join(map(str, data.columns))}."
        )
    return numeric_vector(func, role, data[column], labels)


def effect_sizes(data: pd.DataFrame, measure: str, *, labels: str | None = None, label: str | None = None,
                 **columns: str) -> pd.DataFrame:
    """Compute effect sizes ``yi`` and sampling variances ``vi`` for each row of ``data``.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per study (or per effect).
    measure : {"SMD", "MD", "RR", "OR", "RD"}
        ``SMD``: Hedges' g (:func:`smd`); ``MD``: raw mean difference
        (:func:`mean_difference`); ``RR`` and ``OR``: log risk / odds ratio;
        ``RD``: risk difference (:func:`two_by_two`).
    labels : str, optional
        Column that names the studies; used in error messages. (``label`` is its old name; it still
        works for one release, with a DeprecationWarning.)
    **columns
        Which column of ``data`` holds each input. Roles and their default column names:

        - SMD, MD: ``m1, sd1, n1, m2, sd2, n2``
        - RR, OR, RD: ``events1, n1, events2, n2``; instead of ``n1``/``n2`` you may
          give ``nonevents1``/``nonevents2`` (arm size = events + non-events).
        - Any measure from a reported result with its confidence interval:
          ``estimate, ci_low, ci_high`` (ratio measures given on the ratio scale;
          see :func:`from_ci`).

    Returns
    -------
    pandas.DataFrame
        A copy of ``data`` with ``yi``, ``vi`` and ``es_method`` appended.
        ``es_method`` names the formula, and for 2x2 tables says when the zero-cell
        correction was applied.

    Raises
    ------
    ValueError, TypeError
        For an unknown measure or column, text in a numeric column, missing values,
        SD <= 0, arm sizes < 2 (SMD, MD) or < 1, events below 0 or above the arm size.
        The message names the argument, the study (label and row), the value and the rule.

    Examples
    --------
    >>> import koppmeta
    >>> bcg = koppmeta.datasets.load_bcg()
    >>> es = koppmeta.effect_sizes(bcg, "RR", events1="tpos", nonevents1="tneg",
    ...                            events2="cpos", nonevents2="cneg", labels="author")
    """
    func = "effect_sizes"
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{func}: argument 'data' must be a pandas DataFrame; got {type(data).__name__}.")
    check_choice(func, "measure", measure, MEASURES)
    if len(data) == 0:
        raise ValueError(f"{func}: the data have no rows.")
    label = deprecated_alias(func, "label", "labels", label, labels)
    labels = None
    if label is not None:
        if label not in data.columns:
            raise ValueError(f"{func}: label column {label!r} (argument 'labels') is not in the data. Available columns: "
                             f"{', '.join(map(str, data.columns))}.")
        labels = [str(x) for x in data[label]]

    out = data.copy()
    if {"estimate", "ci_low", "ci_high"} & set(columns):
        unknown = set(columns) - {"estimate", "ci_low", "ci_high"}
        if unknown or len(columns) != 3:
            raise ValueError(
                f"{func}: to convert reported results give exactly estimate=, ci_low= and ci_high= "
                f"(got {', '.join(sorted(columns))})."
            )
        est = _column(func, data, "estimate", columns["estimate"], labels)
        lo = _column(func, data, "ci_low", columns["ci_low"], labels)
        hi = _column(func, data, "ci_high", columns["ci_high"], labels)
        conv = from_ci(est, lo, hi, ratio=measure in RATIO_MEASURES, labels=labels)
        out["yi"] = conv["yi"].to_numpy()
        out["vi"] = conv["vi"].to_numpy()
        out["es_method"] = conv["es_method"].to_numpy()
        return out

    allowed = set(_ROLES[measure]) | ({"nonevents1", "nonevents2"} if measure in ("RR", "OR", "RD") else set())
    unknown = sorted(set(columns) - allowed)
    if unknown:
        raise ValueError(
            f"{func}: unknown column role(s) {', '.join(map(repr, unknown))} for measure {measure!r}. "
            f"Valid roles: {', '.join(sorted(allowed))} (or estimate, ci_low, ci_high)."
        )

    if measure in ("SMD", "MD"):
        vals = {r: _column(func, data, r, columns.get(r, r), labels) for r in _ROLES[measure]}
        for r in ("n1", "n2"):
            _check_group_size(func, r, vals[r], labels, minimum=2)
        for r in ("sd1", "sd2"):
            check_positive(func, r, vals[r], labels, rule="a standard deviation must be greater than 0")
        if measure == "SMD":
            yi, vi = smd(*(vals[r] for r in _ROLES[measure]))
            method = "SMD: Hedges' g, exact correction, large-sample variance"
        else:
            yi, vi = mean_difference(*(vals[r] for r in _ROLES[measure]))
            method = "MD: mean difference, unequal-variance SE"
        out["yi"], out["vi"], out["es_method"] = yi, vi, method
        return out

    # 2x2 tables
    e1 = _column(func, data, "events1", columns.get("events1", "events1"), labels)
    e2 = _column(func, data, "events2", columns.get("events2", "events2"), labels)
    n = {}
    for arm, ev in (("1", e1), ("2", e2)):
        if f"nonevents{arm}" in columns:
            if f"n{arm}" in columns:
                raise ValueError(f"{func}: give either n{arm}= or nonevents{arm}=, not both.")
            ne = _column(func, data, f"nonevents{arm}", columns[f"nonevents{arm}"], labels)
            check_nonnegative(func, f"nonevents{arm}", ne, labels, rule="a count cannot be negative")
            n[arm] = ev + ne
        else:
            n[arm] = _column(func, data, f"n{arm}", columns.get(f"n{arm}", f"n{arm}"), labels)
    for arm, ev in (("1", e1), ("2", e2)):
        _check_counts(func, arm, ev, n[arm], labels)
    yi, vi, corrected = two_by_two(measure, e1, n["1"], e2, n["2"])
    base = {"RR": "RR: log risk ratio", "OR": "OR: log odds ratio", "RD": "RD: risk difference"}[measure]
    out["yi"], out["vi"] = yi, vi
    out["es_method"] = np.where(corrected, base + "; 0.5 added to each cell (zero cell)", base)
    return out


def _check_group_size(func: str, arg: str, n: np.ndarray, labels, *, minimum: int) -> None:
    bad = np.flatnonzero((n < minimum) | (n != np.round(n)))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"{func}: argument {arg!r}, {study_name(labels, i)}: value {n[i]:g} is not allowed; "
            f"a group size must be a whole number of at least {minimum}."
        )


def _check_counts(func: str, arm: str, events: np.ndarray, n: np.ndarray, labels) -> None:
    _check_group_size(func, f"n{arm}", n, labels, minimum=1)
    for i in range(len(events)):
        if events[i] < 0 or events[i] != np.round(events[i]):
            raise ValueError(
                f"{func}: argument 'events{arm}', {study_name(labels, i)}: value {events[i]:g} is not allowed; "
                "an event count must be a whole number of at least 0."
            )
        if events[i] > n[i]:
            raise ValueError(
                f"{func}: argument 'events{arm}', {study_name(labels, i)}: value {events[i]:g} is not allowed; "
                f"events cannot exceed the group size n{arm} = {n[i]:g}."
            )


# ---------------------------------------------------------------------------
# conversions from reported results


def _z(level: float) -> float:
    return norm_isf((1 - level / 100) / 2)


def from_ci(estimate, ci_low, ci_high, *, ratio: bool, level: float = 95, labels=None) -> pd.DataFrame:
    """Effect size and variance from a reported estimate and its confidence interval.

    Ratio measures (RR, OR, HR) are moved to the log scale:
    ``yi = log(estimate)``, ``se = (log(ci_high) - log(ci_low)) / (2 z)``;
    differences (MD, SMD, RD) use ``se = (ci_high - ci_low) / (2 z)``, with
    ``z = Phi^-1(1 - (1 - level/100)/2)`` (1.959964 for 95%). ``vi = se^2``.

    Source: Higgins et al. (eds.), Cochrane Handbook for Systematic Reviews of
    Interventions, version 6.4 (2023), section 6.3.1 (standard errors from
    confidence intervals) and 6.3.2 (ratio measures on the log scale).

    Returns a DataFrame with ``yi, vi, es_method``; the interval must contain its
    estimate (and, for ratios, all three must be positive).
    """
    func = "from_ci"
    level = check_level(func, level)
    est = numeric_vector(func, "estimate", estimate, labels)
    lo = numeric_vector(func, "ci_low", ci_low, labels)
    hi = numeric_vector(func, "ci_high", ci_high, labels)
    check_same_length(func, estimate=est, ci_low=lo, ci_high=hi)
    for i in range(len(est)):
        if not lo[i] <= est[i] <= hi[i] or lo[i] == hi[i]:
            raise ValueError(
                f"{func}: {study_name(labels, i)}: interval [{lo[i]:g}, {hi[i]:g}] does not contain its estimate "
                f"{est[i]:g} or has zero width; a confidence interval must satisfy ci_low <= estimate <= ci_high."
            )
    z = _z(level)
    if ratio:
        for name, x in (("estimate", est), ("ci_low", lo), ("ci_high", hi)):
            check_positive(func, name, x, labels, rule="a ratio (RR, OR, HR) and its limits must be greater than 0")
        yi = np.log(est)
        se = (np.log(hi) - np.log(lo)) / (2 * z)
        method = f"log ratio from reported {level:g}% CI (Cochrane Handbook 6.3)"
    else:
        yi = est
        se = (hi - lo) / (2 * z)
        method = f"difference from reported {level:g}% CI (Cochrane Handbook 6.3)"
    return pd.DataFrame({"yi": yi, "vi": se**2, "es_method": method})


def from_p(estimate, p, *, ratio: bool, labels=None) -> pd.DataFrame:
    """Effect size and variance from a reported estimate and the exact two-sided p-value of its test.

    ``yi = log(estimate)`` for ratios (RR, OR, HR), ``yi = estimate`` for differences;
    ``se = |yi| / Phi^-1(1 - p/2)`` (the z of a Wald test with that p), ``vi = se^2``. Use it only
    where no interval is printed and the p-value is printed exactly (a bound such as ``p < .05``
    gives no standard error); the p-value is rounded in print, so the result is approximate.

    Sources: Higgins et al. (eds.), Cochrane Handbook for Systematic Reviews of Interventions,
    version 6.4 (2023), section 6.3.2 (standard errors from p-values); Altman & Bland (2011),
    BMJ 343:d2090.

    Returns a DataFrame with ``yi, vi, es_method``. An estimate at the null (0, or a ratio of 1)
    or a p-value of 0 or 1 carries no standard error and is refused, naming the study.
    """
    func = "from_p"
    est = numeric_vector(func, "estimate", estimate, labels)
    pv = numeric_vector(func, "p", p, labels)
    check_same_length(func, estimate=est, p=pv)
    if ratio:
        check_positive(func, "estimate", est, labels, rule="a ratio (RR, OR, HR) must be greater than 0")
    yi = np.log(est) if ratio else est
    for i in range(len(est)):
        if not 0 < pv[i] < 1:
            raise ValueError(f"{func}: argument 'p', {study_name(labels, i)}: value {pv[i]:g} is not allowed; "
                             "a p-value that gives a standard error lies strictly between 0 and 1.")
        if yi[i] == 0:
            raise ValueError(f"{func}: argument 'estimate', {study_name(labels, i)}: value {est[i]:g} is the null; "
                             "its p-value does not give a standard error.")
    se = np.abs(yi) / -special.ndtri(pv / 2)
    what = "log ratio" if ratio else "difference"
    return pd.DataFrame({"yi": yi, "vi": se**2,
                         "es_method": f"{what} with its variance from the reported p-value (Cochrane Handbook 6.3.2)"})


def logor_to_smd(yi, vi) -> pd.DataFrame:
    """Convert log odds ratios to standardized mean differences (logistic method).

    ``d = log(OR) * sqrt(3) / pi``, ``v_d = v_logOR * 3 / pi^2``.

    Source: Hasselblad & Hedges (1995), Psychol Bull 117:167-178; Borenstein et al.
    (2009), Introduction to Meta-Analysis, ch. 7, eq. 7.1-7.2.
    """
    y = numeric_vector("logor_to_smd", "yi", yi)
    v = numeric_vector("logor_to_smd", "vi", vi)
    check_same_length("logor_to_smd", yi=y, vi=v)
    return pd.DataFrame({"yi": y * np.sqrt(3) / np.pi, "vi": v * 3 / np.pi**2,
                         "es_method": "SMD from log OR (Hasselblad & Hedges 1995)"})


def smd_to_logor(yi, vi) -> pd.DataFrame:
    """Convert standardized mean differences to log odds ratios (logistic method).

    ``log(OR) = d * pi / sqrt(3)``, ``v_logOR = v_d * pi^2 / 3``.

    Source: Borenstein et al. (2009), Introduction to Meta-Analysis, ch. 7, eq. 7.3-7.4.
    """
    y = numeric_vector("smd_to_logor", "yi", yi)
    v = numeric_vector("smd_to_logor", "vi", vi)
    check_same_length("smd_to_logor", yi=y, vi=v)
    return pd.DataFrame({"yi": y * np.pi / np.sqrt(3), "vi": v * np.pi**2 / 3,
                         "es_method": "log OR from SMD (Hasselblad & Hedges 1995)"})


def _d_and_variance(d: np.ndarray, n1: np.ndarray, n2: np.ndarray) -> np.ndarray:
    # Borenstein et al. (2009), eq. 4.20
    return (n1 + n2) / (n1 * n2) + d**2 / (2 * (n1 + n2))


def _sizes(func: str, n1, n2, labels) -> tuple[np.ndarray, np.ndarray]:
    a = numeric_vector(func, "n1", n1, labels)
    b = numeric_vector(func, "n2", n2, labels)
    _check_group_size(func, "n1", a, labels, minimum=2)
    _check_group_size(func, "n2", b, labels, minimum=2)
    return a, b


def d_from_t(t, n1, n2, *, labels=None) -> pd.DataFrame:
    """Cohen's d from an independent-samples t statistic.

    ``d = t * sqrt(1/n1 + 1/n2)``; ``v = (n1 + n2)/(n1 n2) + d^2 / (2 (n1 + n2))``.
    The sign of ``t`` must follow group 1 minus group 2.

    Sources: Lipsey & Wilson (2001), Practical Meta-Analysis, table B10, eq. 2;
    variance: Borenstein et al. (2009), eq. 4.20.
    """
    func = "d_from_t"
    tt = numeric_vector(func, "t", t, labels)
    a, b = _sizes(func, n1, n2, labels)
    check_same_length(func, t=tt, n1=a, n2=b)
    d = tt * np.sqrt(1 / a + 1 / b)
    return pd.DataFrame({"yi": d, "vi": _d_and_variance(d, a, b), "es_method": "d from t (Lipsey & Wilson 2001)"})


def smd_from_d(d, n1, n2, *, kind: str = "d", labels=None) -> pd.DataFrame:
    """Hedges' g and its variance from a reported standardized mean difference and the arm sizes.

    ``kind="d"`` (Cohen's d, or a standardized difference whose type the source does not name):
    ``g = J(n1 + n2 - 2) d`` with the exact correction (:func:`hedges_correction`); ``kind="g"``
    (already corrected): ``g = d``. Variance ``v = 1/n1 + 1/n2 + g^2 / (2 (n1 + n2))``, as for
    means (:func:`smd`). The same numbers as metafor ``escalc(measure="SMD", di=, n1i=, n2i=)``
    for ``kind="d"``.

    Sources: Hedges (1981), J Educ Stat 6:107-128 (J); Hedges & Olkin (1985), Statistical
    Methods for Meta-Analysis, p. 86, eq. 15 (variance).

    Returns a DataFrame with ``yi, vi, es_method``.
    """
    func = "smd_from_d"
    if kind not in ("d", "g"):
        raise ValueError(f"{func}: kind must be 'd' (Cohen's d, corrected here) or 'g' (already corrected); got {kind!r}.")
    dd = numeric_vector(func, "d", d, labels)
    a, b = _sizes(func, n1, n2, labels)
    check_same_length(func, d=dd, n1=a, n2=b)
    g = hedges_correction(a + b - 2) * dd if kind == "d" else dd
    v = _g_variance(g, a, b)
    how = "Hedges' g from a reported d and the arm sizes (exact correction)" if kind == "d" else \
        "Hedges' g as reported, variance from the arm sizes"
    return pd.DataFrame({"yi": g, "vi": v, "es_method": how})


def d_from_f(f, n1, n2, *, sign, labels=None) -> pd.DataFrame:
    """Cohen's d from a two-group F statistic (one numerator degree of freedom).

    ``t = sign * sqrt(F)``, then as :func:`d_from_t`. ``sign`` (+1 or -1 per study)
    gives the direction, which F itself does not carry.

    Source: Lipsey & Wilson (2001), Practical Meta-Analysis, table B10, eq. 3.
    """
    func = "d_from_f"
    ff = numeric_vector(func, "f", f, labels)
    check_nonnegative(func, "f", ff, labels, rule="an F statistic cannot be negative")
    s = _signs(func, sign, len(ff), labels)
    out = d_from_t(s * np.sqrt(ff), n1, n2, labels=labels)
    out["es_method"] = "d from F with 1 numerator df (Lipsey & Wilson 2001)"
    return out


def d_from_eta2(eta2, n1, n2, *, sign, labels=None) -> pd.DataFrame:
    """Cohen's d from eta-squared of a two-group comparison.

    ``t = sign * sqrt(eta2 (n1 + n2 - 2) / (1 - eta2))`` (since
    ``eta2 = t^2 / (t^2 + df)``), then as :func:`d_from_t`.

    Source: Cohen (1988), Statistical Power Analysis, eq. 8.2.19; Lakens (2013),
    Front Psychol 4:863, eq. 12-13.
    """
    func = "d_from_eta2"
    e = numeric_vector(func, "eta2", eta2, labels)
    bad = np.flatnonzero((e < 0) | (e >= 1))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{func}: argument 'eta2', {study_name(labels, i)}: value {e[i]:g} is not allowed; eta-squared must lie in [0, 1).")
    a, b = _sizes(func, n1, n2, labels)
    s = _signs(func, sign, len(e), labels)
    t = s * np.sqrt(e * (a + b - 2) / (1 - e))
    out = d_from_t(t, a, b, labels=labels)
    out["es_method"] = "d from eta-squared (Cohen 1988; Lakens 2013)"
    return out


def _signs(func: str, sign, k: int, labels) -> np.ndarray:
    s = numeric_vector(func, "sign", np.broadcast_to(np.asarray(sign, dtype=object), (k,)), labels)
    bad = np.flatnonzero(~np.isin(s, (-1.0, 1.0)))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{func}: argument 'sign', {study_name(labels, i)}: value {s[i]:g} is not allowed; use +1 or -1.")
    return s


def counts_from_percent(percent, n, *, labels=None) -> pd.DataFrame:
    """Event counts from a reported percentage of ``n``, flagged as approximate.

    ``events = round(percent / 100 * n)`` (halves rounded up). The exact product is
    kept in ``events_exact``; every row has ``approximate = True`` because a
    rounded percentage (or a survival-based cumulative percentage) does not pin
    down the count. Use the result only where the counts themselves are not reported.
    """
    func = "counts_from_percent"
    p = numeric_vector(func, "percent", percent, labels)
    nn = numeric_vector(func, "n", n, labels)
    check_same_length(func, percent=p, n=nn)
    _check_group_size(func, "n", nn, labels, minimum=1)
    bad = np.flatnonzero((p < 0) | (p > 100))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{func}: argument 'percent', {study_name(labels, i)}: value {p[i]:g} is not allowed; a percentage lies in [0, 100].")
    exact = p / 100 * nn
    return pd.DataFrame({"events": np.floor(exact + 0.5), "events_exact": exact, "approximate": True,
                         "es_method": "counts from percentages of n (approximate)"})
