"""Rare binary outcomes from arm counts: Mantel-Haenszel and Peto pooling.

With few trials and few events the inverse-variance model of :func:`koppmeta.meta_analysis`
rests on per-study log ratios whose variances are poor (and need a continuity correction
when a cell is zero). The methods here pool the 2x2 tables themselves and need no correction:

- :func:`mantel_haenszel`: odds ratio, risk ratio or risk difference (Mantel & Haenszel 1959,
  J Natl Cancer Inst 22:719-748; variance of the log OR: Robins, Breslow & Greenland 1986,
  Biometrics 42:311-323; log RR: Greenland & Robins 1985, Biometrics 41:55-68; RD: Sato,
  Greenland & Robins 1989, Biometrics 45:1323-1324), with for the OR the Cochran-Mantel-Haenszel
  test and the Breslow-Day test with Tarone's correction (Tarone 1985, Biometrika 72:91-95);
- :func:`peto`: the one-step (Peto) odds ratio (Yusuf et al. 1985, Prog Cardiovasc Dis
  27:335-371).

Both are fixed-effect (common-effect) methods; numbers equal metafor 3.8's ``rma.mh`` and
``rma.peto`` with their defaults (``tests/r/make_fixtures_rare.R``, ``tests/test_rare.py``).

Zero cells, as metafor: the pooled estimate uses the counts as they are. The per-study effects
``yi, vi`` (shown in the study table and used only for Cochran's Q) get 1/2 added to each cell
of a table with a zero, and a table with no events in either arm (or only events in both) has
no per-study effect: it is left out of Q, and the result says so in ``dropped``.
"""

from __future__ import annotations

import math
from functools import partial
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special

from .._validation import check_choice, check_level, make_labels, numeric_vector, resolve_column
from ..effects.sizes import two_by_two
from .. import formatting
from ..results import PooledResult

__all__ = ["RareEventsResult", "mantel_haenszel", "peto", "binomial_glmm", "MH_MEASURES"]

MH_MEASURES = ("OR", "RR", "RD")

_METHOD_NAMES = {"MH": "Mantel-Haenszel", "Peto": "Peto (one-step)", "GLMM": "binomial-normal (GLMM, fixed study effects)"}


@dataclass(frozen=True)
class RareEventsResult(PooledResult):
    """Result of :func:`mantel_haenszel`, :func:`peto` (and the binomial GLMM). Unrounded floats.

    Attributes
    ----------
    k : int
        Number of tables given (including those that carry no information).
    estimate, se, stat, pval, ci_low, ci_high : float
        Pooled effect (log scale for OR and RR), its standard error, z statistic, two-sided
        p-value and confidence interval at ``level``.
    q, q_df, q_pval, i2, h2 : float
        Cochran's Q test of heterogeneity (for Peto: Peto's Q) with ``q_df`` degrees of freedom,
        and I^2 (percent) and H^2 derived from Q.
    tau2 : float
        0 (common-effect methods).
    cmh, cmh_pval, tarone, tarone_pval, bd, bd_pval : float
        For the Mantel-Haenszel OR: the Cochran-Mantel-Haenszel test (continuity-corrected, as
        metafor) and the Breslow-Day test of homogeneity with Tarone's correction, on ``k_pos - 1``
        df (``k_pos``: tables with a positive expected count and both outcomes present). NaN otherwise.
    method, measure, level, test : str, str, float, str
        ``"MH"`` or ``"Peto"``; ``"OR"``, ``"RR"`` or ``"RD"``; confidence level; ``"z"``.
    dropped : tuple of (label, reason)
        Tables left out of a part of the analysis, and why.
    notes : tuple of str
    studies : pandas.DataFrame
        One row per table: ``label, events1, n1, events2, n2, yi, vi, ci_low, ci_high, in_q``.
    """

    k: int
    q: float
    q_df: int
    q_pval: float
    i2: float
    h2: float
    method: str
    measure: str
    level: float
    tau2: float = 0.0
    cmh: float = math.nan
    cmh_pval: float = math.nan
    tarone: float = math.nan
    tarone_pval: float = math.nan
    bd: float = math.nan
    bd_pval: float = math.nan
    test: str = "z"
    dropped: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()
    studies: pd.DataFrame = field(default=None, repr=False, compare=False)

    @property
    def tau(self) -> float:
        return math.sqrt(self.tau2)

    @property
    def method_name(self) -> str:
        return _METHOD_NAMES.get(self.method, self.method)

    def _records(self) -> list[dict[str, Any]]:
        row: dict[str, Any] = {
            "k": self.k, "method": self.method, "measure": self.measure, "test": self.test, "level": self.level,
            "estimate": self.estimate, "se": self.se, "stat": self.stat, "pval": self.pval,
            "ci_low": self.ci_low, "ci_high": self.ci_high, "tau2": self.tau2,
            "q": self.q, "q_df": self.q_df, "q_pval": self.q_pval, "i2": self.i2, "h2": self.h2,
        }
        if self.measure == "OR" and self.method == "MH":
            row.update({"cmh": self.cmh, "cmh_pval": self.cmh_pval, "bd": self.bd, "bd_pval": self.bd_pval,
                        "tarone": self.tarone, "tarone_pval": self.tarone_pval})
        if self.is_ratio:
            row.update({f"{c}_exp": self.back_transform(row[c]) for c in ("estimate", "ci_low", "ci_high")})
        return [row]

    def summary(self, digits: int = 4) -> str:
        """Text report in words (after metafor's ``print.rma.mh`` / ``print.rma.peto``)."""
        f = partial(formatting.text, digits=digits)
        p = partial(formatting.pvalue, digits=digits)
        lv = f"{self.level:g}%"
        scale = {"OR": "log odds ratio", "RR": "log risk ratio", "RD": "risk difference"}[self.measure]
        if self.method == "GLMM":
            lines = [f"Random-effects model, {self.method_name} (k = {self.k}; {scale}; maximum likelihood)", "",
                     f"tau^2 (estimated amount of total heterogeneity): {f(self.tau2)}",
                     f"tau   (square root of estimated tau^2 value):      {f(self.tau)}"]
        else:
            lines = [f"Fixed-effect (common-effect) model, {self.method_name} method (k = {self.k}; {scale})", ""]
            lines.append(f"I^2 (total heterogeneity / total variability):  {formatting.percent(self.i2, 2)}")
            lines.append(f"H^2 (total variability / sampling variability): {formatting.text(self.h2, 2)}")
            lines += ["", "Test for heterogeneity (do the studies differ more than chance allows?):",
                      f"Q(df = {self.q_df}) = {f(self.q)}, p-val {formatting.pvalue(self.q_pval, digits, style='metafor-equals')}"]
        if self.method == "MH" and self.measure == "OR":
            lines += ["", "Tests of the 2x2 tables (Mantel-Haenszel odds ratio):",
                      f"Cochran-Mantel-Haenszel test (is the common OR 1?): CMH = {f(self.cmh)}, df = 1, p-val = {p(self.cmh_pval)}",
                      f"Tarone's test for heterogeneity (Breslow-Day, corrected): X^2 = {f(self.tarone)}, p-val = {p(self.tarone_pval)}"]
        lines += ["", "Model results (pooled effect, z test):"]
        head = ["estimate", "se", "zval", "pval", "ci.lb", "ci.ub"]
        vals = [f(self.estimate), f(self.se), f(self.stat), p(self.pval), f(self.ci_low), f(self.ci_high)]
        lines += formatting.columns(head, [vals], first_left=False)
        if self.is_ratio:
            def e(x):
                return f(self.back_transform(x))

            lines += ["", f"Back-transformed ({self.measure}): {e(self.estimate)} ({lv} CI: {e(self.ci_low)} to {e(self.ci_high)})"]
        for lab, why in self.dropped:
            lines.append(f"Left out: {lab}: {why}")
        for note in self.notes:
            lines.append(f"Note: {note}")
        return "\n".join(lines)

    def _heading(self) -> str:
        return self.summary().splitlines()[0]

    def _notes(self) -> tuple[str, ...]:
        return tuple(f"left out: {lab}: {why}" for lab, why in self.dropped) + tuple(self.notes)

    def _describe(self) -> list[tuple[str, str, str]]:
        f, p, lv = formatting.text, formatting.pvalue, f"{self.level:g}%"
        rows = [("Pooled estimate", f(self.estimate), {"OR": "log odds ratio", "RR": "log risk ratio",
                                                       "RD": "risk difference"}[self.measure]),
                (f"{lv} CI", f"{f(self.ci_low)} to {f(self.ci_high)}", "confidence interval of the pooled effect"),
                ("SE", f(self.se), "standard error"),
                ("z", f(self.stat), "test statistic for H0: no effect"),
                ("p", p(self.pval), "two-sided p-value")]
        if self.is_ratio:
            b = self.back_transform
            rows.insert(1, (f"{self.measure} (back-transformed)",
                            f"{f(b(self.estimate))} {formatting.interval(b(self.ci_low), b(self.ci_high), 4, plain=True)}",
                            "on the ratio scale"))
        if self.method == "GLMM":
            rows.append(("tau²", f(self.tau2), "between-study variance"))
        else:
            rows += [("I²", formatting.percent(self.i2, 1), "share of variability due to heterogeneity"),
                     ("Q", f"{f(self.q)} (df = {self.q_df}, p = {p(self.q_pval)})", "test of heterogeneity")]
        if self.method == "MH" and self.measure == "OR":
            rows += [("CMH", f"{f(self.cmh)} (p = {p(self.cmh_pval)})", "Cochran-Mantel-Haenszel test: is the common OR 1?"),
                     ("Tarone", f"{f(self.tarone)} (p = {p(self.tarone_pval)})", "Breslow-Day test of homogeneity, corrected")]
        return rows


# ---------------------------------------------------------------------------
# input


def count_inputs(func: str, data, events1, n1, events2, n2, labels):
    """Checked arm counts ``(a, n1, c, n2, labels)``; every broken rule is reported at once.

    Rules: counts are whole numbers, events >= 0, arm sizes >= 1, events <= arm size.
    The message names the argument, the study (label and row), the value and the rule.
    """
    if data is not None and not isinstance(data, pd.DataFrame):
        raise TypeError(f"{func}: argument 'data' must be a pandas DataFrame; got {type(data).__name__}.")
    raw = {name: resolve_column(func, name, v, data) for name, v in
           (("events1", events1), ("n1", n1), ("events2", events2), ("n2", n2))}
    lab_raw = resolve_column(func, "labels", labels, data)
    try:
        k = len(raw["events1"])
    except TypeError:
        raise TypeError(f"{func}: argument 'events1' must be a sequence of counts or a column name; "
                        f"got {raw['events1']!r}.") from None
    lab = make_labels(func, lab_raw, k) if lab_raw is not None else None
    vals = {name: numeric_vector(func, name, v, lab) for name, v in raw.items()}
    lengths = {name: len(v) for name, v in vals.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"{func}: arguments must have one value per study, but "
                         + ", ".join(f"{n!r} has {m}" for n, m in lengths.items()) + ".")
    if k == 0:
        raise ValueError(f"{func}: no studies given (the inputs are empty).")
    names = lab if lab is not None else [f"Study {i + 1}" for i in range(k)]
    problems = []
    for i in range(k):
        where = f"study {names[i]!r} (row {i + 1})"
        for arm in ("1", "2"):
            e, n = vals[f"events{arm}"][i], vals[f"n{arm}"][i]
            if n != round(n) or n < 1:
                problems.append(f"argument 'n{arm}', {where}: value {n:g} is not allowed; an arm size must be a whole number of at least 1")
            if e != round(e) or e < 0:
                problems.append(f"argument 'events{arm}', {where}: value {e:g} is not allowed; an event count must be a whole number of at least 0")
            elif e > n:
                problems.append(f"argument 'events{arm}', {where}: value {e:g} is not allowed; events cannot exceed the arm size n{arm} = {n:g}")
    if problems:
        raise ValueError(f"{func}: {len(problems)} problem(s) in the counts:\n- " + "\n- ".join(problems))
    return vals["events1"], vals["n1"], vals["events2"], vals["n2"], names


def _z(level: float) -> float:
    return float(special.ndtri(1 - (1 - level / 100) / 2))


def _study_table(labels, a, n1, c, n2, yi, vi, in_q, level) -> pd.DataFrame:
    z = _z(level)
    se = np.sqrt(vi)
    return pd.DataFrame({"label": labels, "events1": a, "n1": n1, "events2": c, "n2": n2, "yi": yi, "vi": vi,
                         "ci_low": yi - z * se, "ci_high": yi + z * se, "in_q": in_q})


def _escalc_like(measure, a, n1, c, n2):
    """Per-study yi, vi as metafor's escalc inside rma.mh/rma.peto (add 1/2 to tables with a zero; drop00)."""
    b, d = n1 - a, n2 - c
    no_info = ((a == 0) & (c == 0)) | ((b == 0) & (d == 0))
    if measure == "PETO":
        zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
        aa, bb, cc, dd = (np.where(zero, x + 0.5, x) for x in (a, b, c, d))
        m1, m2 = aa + bb, cc + dd
        nn = m1 + m2
        xt, yt = aa + cc, bb + dd
        e = xt * m1 / nn
        v = xt * yt * (m1 / nn) * (m2 / nn) / (nn - 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            yi, vi = (aa - e) / v, 1 / v
    else:
        yi, vi, _ = two_by_two(measure, a, n1, c, n2)
    yi = np.where(no_info, np.nan, yi)
    vi = np.where(no_info, np.nan, vi)
    return yi, vi, no_info


def _heterogeneity(q: float, df: int) -> tuple[float, float, float]:
    if df < 1:
        return 1.0, 0.0, 1.0
    return float(special.chdtrc(df, q)), (max(0.0, 100 * (q - df) / q) if q > 0 else 0.0), q / df


def _no_info_reason(a, n1, c, n2, i, measure, method) -> str:
    what = "no events in either arm" if a[i] == 0 and c[i] == 0 else "only events in both arms"
    if method == "MH" and measure == "RD":
        return f"{what}: no study effect on the log scale, so left out of Q; kept in the pooled risk difference"
    return f"{what}: carries no information on the {'odds' if measure in ('OR', 'PETO') else 'risk'} ratio; left out of Q"


# ---------------------------------------------------------------------------


def mantel_haenszel(data: pd.DataFrame | None = None, *, events1: Any, n1: Any, events2: Any, n2: Any,
                    measure: str = "OR", labels: Any = None, level: float = 95) -> RareEventsResult:
    """Mantel-Haenszel fixed-effect meta-analysis of 2x2 tables (odds ratio, risk ratio or risk difference).

    Parameters
    ----------
    data : pandas.DataFrame, optional
        Table holding the columns named by the other arguments (or pass arrays and no data).
    events1, n1, events2, n2 : str or array-like
        Events and arm sizes; group 1 is the intervention.
    measure : {"OR", "RR", "RD"}
    labels : str or array-like, optional
    level : float
        Confidence level in percent.

    Returns
    -------
    RareEventsResult
        ``estimate`` on the log scale for OR and RR. For the OR also ``cmh`` (Cochran-Mantel-Haenszel
        test, with continuity correction) and ``tarone`` (Breslow-Day test with Tarone's correction).

    Notes
    -----
    With ``a, b, c, d`` the cells (events and non-events in arm 1, then arm 2) and ``N`` the table total:

    - OR: ``OR_MH = sum(a d / N) / sum(b c / N)``; variance of ``log OR_MH`` by Robins, Breslow &
      Greenland (1986, Biometrics 42:311-323, eq. 12).
    - RR: ``RR_MH = sum(a n2 / N) / sum(c n1 / N)``; variance of the log by Greenland & Robins
      (1985, Biometrics 41:55-68, eq. 13).
    - RD: ``sum((a n2 - c n1) / N) / sum(n1 n2 / N)``; variance by Sato, Greenland & Robins
      (1989, Biometrics 45:1323-1324).
    - Cochran's Q uses the per-study ``yi, vi`` (1/2 added to tables with a zero cell) around the
      MH estimate, with df = (tables with a per-study effect) - 1, exactly as metafor ``rma.mh``.

    Tables with no events in either arm (or only events) are kept in the MH sums (for OR and RR they
    add nothing; for RD they count) and left out of Q; ``dropped`` names them.

    Examples
    --------
    >>> import koppmeta
    >>> bcg = koppmeta.datasets.load_bcg()
    >>> bcg["n1"], bcg["n2"] = bcg.tpos + bcg.tneg, bcg.cpos + bcg.cneg
    >>> fit = koppmeta.mantel_haenszel(bcg, events1="tpos", n1="n1", events2="cpos", n2="n2", measure="RR")
    >>> round(fit.estimate, 4)
    -0.4537
    """
    func = "mantel_haenszel"
    check_choice(func, "measure", measure, MH_MEASURES)
    level = check_level(func, level)
    a, n1v, c, n2v, lab = count_inputs(func, data, events1, n1, events2, n2, labels)
    k = len(a)
    b, d = n1v - a, n2v - c
    N = n1v + n2v
    z = _z(level)
    out: dict[str, Any] = {}
    if measure == "OR":
        P, Qc = (a + d) / N, (b + c) / N
        Ri, Si = a / N * d, b / N * c
        R, S = Ri.sum(), Si.sum()
        if R == 0 or S == 0:
            raise ValueError(f"{func}: the Mantel-Haenszel odds ratio is not defined for these tables: "
                             f"sum(a d / N) = {R:g} and sum(b c / N) = {S:g}; one of them is 0 (no events, or no "
                             "non-events, in one arm of every table). Use peto() or report the counts.")
        est = math.log(R / S)
        se = math.sqrt(0.5 * ((P * Ri).sum() / R**2 + (P * Si + Qc * Ri).sum() / (R * S) + (Qc * Si).sum() / S**2))
        xt, yt = a + c, b + d
        num = (abs((a - n1v / N * xt).sum()) - 0.5) ** 2
        out["cmh"] = float(num / (n1v / N * (n2v / N) * (xt * (yt / (N - 1)))).sum())
        out["cmh_pval"] = float(special.chdtrc(1, out["cmh"]))
        # Breslow-Day with Tarone's correction: expected a under the common OR
        psi = R / S
        if psi == 1:
            n11 = n1v / N * xt
        else:
            A = psi * (n1v + xt) + (n2v - xt)
            B = np.sqrt(A**2 - 4 * n1v * xt * psi * (psi - 1))
            n11 = (A - B) / (2 * (psi - 1))
        pos = (n11 > 0) & (xt > 0) & (yt > 0)
        kpos = int(pos.sum())
        e11 = n11[pos]
        e12, e21 = n1v[pos] - e11, xt[pos] - e11
        e22 = e11 - n1v[pos] - xt[pos] + N[pos]
        var = 1 / (1 / e11 + 1 / e12 + 1 / e21 + 1 / e22)
        dev = a[pos] - e11
        bd = max(0.0, float((dev**2 / var).sum()))
        tarone = max(0.0, bd - float(dev.sum()) ** 2 / float(var.sum()))
        out["bd"], out["tarone"] = bd, tarone
        out["bd_pval"] = float(special.chdtrc(kpos - 1, bd)) if kpos > 1 else math.nan
        out["tarone_pval"] = float(special.chdtrc(kpos - 1, tarone)) if kpos > 1 else math.nan
    elif measure == "RR":
        R, S = (a * (n2v / N)).sum(), (c * (n1v / N)).sum()
        if a.sum() == 0 or c.sum() == 0:
            raise ValueError(f"{func}: the Mantel-Haenszel risk ratio is not defined: arm "
                             f"{'1' if a.sum() == 0 else '2'} has no events in any table.")
        est = math.log(R / S)
        se = math.sqrt(((n1v / N) * (n2v / N) * (a + c) - (a / N) * c).sum() / (R * S))
    else:
        den = (n1v * (n2v / N)).sum()
        est = float((a * (n2v / N) - c * (n1v / N)).sum() / den)
        se = math.sqrt((est * (c * (n1v / N) ** 2 - a * (n2v / N) ** 2 + (n1v / N) * (n2v / N) * (n2v - n1v) / 2).sum()
                        + (a * (n2v - c) / N + c * (n1v - a) / N).sum() / 2) / den**2)
    yi, vi, no_info = _escalc_like(measure, a, n1v, c, n2v)
    ok = ~no_info
    kq = int(ok.sum())
    q = max(0.0, float(((yi[ok] - est) ** 2 / vi[ok]).sum())) if kq > 1 else 0.0
    q_pval, i2, h2 = _heterogeneity(q, kq - 1)
    dropped = tuple((lab[i], _no_info_reason(a, n1v, c, n2v, i, measure, "MH")) for i in np.flatnonzero(no_info))
    notes = []
    zero = ok & ((a == 0) | (b == 0) | (c == 0) | (d == 0))
    if zero.any():
        notes.append("1/2 added to each cell of " + ", ".join(lab[i] for i in np.flatnonzero(zero))
                     + " for the study's own effect (table and Q); the pooled estimate uses the counts as they are")
    return RareEventsResult(
        k=k, estimate=est, se=se, stat=est / se, pval=float(2 * special.ndtr(-abs(est / se))),
        ci_low=est - z * se, ci_high=est + z * se, q=q, q_df=max(kq - 1, 0), q_pval=q_pval, i2=i2, h2=h2,
        method="MH", measure=measure, level=level, dropped=dropped, notes=tuple(notes),
        studies=_study_table(lab, a, n1v, c, n2v, yi, vi, ok, level), **out)


def peto(data: pd.DataFrame | None = None, *, events1: Any, n1: Any, events2: Any, n2: Any,
         labels: Any = None, level: float = 95) -> RareEventsResult:
    """Peto's one-step odds ratio for 2x2 tables (a fixed-effect method for rare events).

    Per table, with ``x`` the events in both arms, ``N`` the total and ``n1, n2`` the arm sizes:
    ``O - E = a - x n1 / N`` and ``V = x (N - x) n1 n2 / (N^2 (N - 1))``; then
    ``log OR = sum(O - E) / sum(V)`` with ``se = 1 / sqrt(sum(V))``. Peto's heterogeneity statistic
    ``Q = sum((O - E)^2 / V) - (sum(O - E))^2 / sum(V)`` over tables with ``V > 0`` (df = tables with
    a per-study effect minus 1).

    Source: Yusuf, Peto, Lewis, Collins & Sleight (1985), Prog Cardiovasc Dis 27:335-371; the formulas
    as in the Cochrane Handbook v6.4, section 10.4.4.2, and metafor ``rma.peto`` (equal to 1e-6).
    Tables with no events (or only events) in both arms have ``V = 0`` and carry no information; they
    are named in ``dropped``. The method is biased when arms are very unequal or effects large
    (Bradburn et al. 2007, Stat Med 26:53-77).

    Examples
    --------
    >>> import koppmeta
    >>> bcg = koppmeta.datasets.load_bcg()
    >>> bcg["n1"], bcg["n2"] = bcg.tpos + bcg.tneg, bcg.cpos + bcg.cneg
    >>> round(koppmeta.peto(bcg, events1="tpos", n1="n1", events2="cpos", n2="n2").estimate, 4)
    -0.4744
    """
    func = "peto"
    level = check_level(func, level)
    a, n1v, c, n2v, lab = count_inputs(func, data, events1, n1, events2, n2, labels)
    k = len(a)
    N = n1v + n2v
    xt, yt = a + c, (n1v - a) + (n2v - c)
    E = xt * n1v / N
    V = xt * yt * (n1v / N) * (n2v / N) / (N - 1)
    sv = float(V.sum())
    if sv == 0:
        raise ValueError(f"{func}: one of the two outcomes never occurs in any table (every table has no events, or "
                         "only events), so Peto's method has no information.")
    est = float((a - E).sum()) / sv
    se = 1 / math.sqrt(sv)
    z = _z(level)
    yi, vi, no_info = _escalc_like("PETO", a, n1v, c, n2v)
    kq = int((~no_info).sum())
    posV = V > 0
    q = max(0.0, float(((a - E)[posV] ** 2 / V[posV]).sum()) - float((a - E).sum()) ** 2 / sv)
    if int(posV.sum()) > 1:
        q_pval, i2, h2 = _heterogeneity(q, kq - 1)
    else:
        q_pval, i2, h2 = 1.0, 0.0, 1.0
    dropped = tuple((lab[i], _no_info_reason(a, n1v, c, n2v, i, "PETO", "Peto")) for i in np.flatnonzero(no_info))
    return RareEventsResult(
        k=k, estimate=est, se=se, stat=est / se, pval=float(2 * special.ndtr(-abs(est / se))),
        ci_low=est - z * se, ci_high=est + z * se, q=q, q_df=max(kq - 1, 0), q_pval=q_pval, i2=i2, h2=h2,
        method="Peto", measure="OR", level=level, dropped=dropped,
        studies=_study_table(lab, a, n1v, c, n2v, yi, vi, ~no_info, level))


# ---------------------------------------------------------------------------
# binomial-normal model (GLMM) with fixed study effects

_GH_X, _GH_W = np.polynomial.hermite_e.hermegauss(7)
_GH_W = _GH_W / math.sqrt(2 * math.pi)
GLMM_MODELS = ("UM.FS",)


def _study_loglik(alpha, mu, tau, a, n1, c, n2):
    """log ∫ Bin(a; n1, expit(alpha + mu + tau u / 2)) Bin(c; n2, expit(alpha - tau u / 2)) φ(u) du
    (without the binomial coefficients), by adaptive Gauss-Hermite quadrature with 7 nodes centred at
    the conditional mode of u (as lme4's ``glmer(nAGQ = 7)``)."""
    def h(u):
        e1 = alpha + mu + tau * u / 2
        e0 = alpha - tau * u / 2
        return a * e1 - n1 * np.logaddexp(0, e1) + c * e0 - n2 * np.logaddexp(0, e0)

    if tau == 0:
        return float(h(np.array(0.0)))
    u = 0.0
    for _ in range(200):
        p1, p0 = special.expit(alpha + mu + tau * u / 2), special.expit(alpha - tau * u / 2)
        g = (tau / 2) * (a - n1 * p1) - (tau / 2) * (c - n2 * p0) - u
        hess = (tau / 2) ** 2 * (n1 * p1 * (1 - p1) + n2 * p0 * (1 - p0)) + 1
        step = g / hess
        u += step
        if abs(step) < 1e-14:
            break
    p1, p0 = special.expit(alpha + mu + tau * u / 2), special.expit(alpha - tau * u / 2)
    s = 1 / math.sqrt((tau / 2) ** 2 * (n1 * p1 * (1 - p1) + n2 * p0 * (1 - p0)) + 1)
    nodes = u + s * _GH_X
    vals = h(nodes) - 0.5 * nodes**2 + 0.5 * _GH_X**2
    top = float(vals.max())
    return top + math.log(float(np.sum(_GH_W * np.exp(vals - top))) * s)


def _profile(mu, tau, a, n1, c, n2):
    """Log-likelihood maximised over the study intercepts (each enters one study only)."""
    total = 0.0
    for i in range(len(a)):
        x0 = float(special.logit((c[i] + 0.5) / (n2[i] + 1)))
        r = optimize.minimize_scalar(lambda al: -_study_loglik(al, mu, tau, a[i], n1[i], c[i], n2[i]),
                                     bracket=(x0 - 1.0, x0), tol=1e-12)
        total -= r.fun
    return total


def binomial_glmm(data: pd.DataFrame | None = None, *, events1: Any, n1: Any, events2: Any, n2: Any,
                  measure: str = "OR", model: str = "UM.FS", labels: Any = None, level: float = 95) -> RareEventsResult:
    """Binomial-normal random-effects model for 2x2 tables (metafor ``rma.glmm(model="UM.FS")``).

    The unconditional model with fixed study effects: in study i, ``logit P(event) = alpha_i + (mu + u_i)/2``
    in arm 1 and ``alpha_i - u_i/2 + ...`` so that the log odds ratio is ``mu + u_i`` with
    ``u_i ~ N(0, tau^2)`` (metafor's ``coding = 1/2``); maximum likelihood, the integral over ``u_i``
    by adaptive Gauss-Hermite quadrature with 7 nodes (metafor's default ``nAGQ = 7`` with lme4).
    Source: Stijnen, Hamza & Özdemir (2010), Stat Med 29:3046-3067 (model 3); Jackson et al. (2018),
    Stat Med 37:1059-1085 (model 4). The standard error of ``mu`` is the inverse curvature of the
    profile log-likelihood (study intercepts and tau profiled out), as lme4's Hessian-based ``vcov``.

    Tables with no events (or only events) in both arms carry no information and are left out
    (named in ``dropped``), as metafor. Only ``measure="OR"`` and ``model="UM.FS"`` are offered;
    metafor's ``"UM.RS"`` and conditional models are not (an error says so).

    Agreement with metafor 3.8 / lme4 (run with a tight optimiser stopping rule): 1e-4
    (``tests/test_rare.py``; in practice about 1e-6 for the estimate). With lme4's default stopping
    rule its estimates can differ from the maximum by about 1e-4.
    The Wald and likelihood-ratio tests for heterogeneity of ``rma.glmm`` are not computed (``q`` NaN).
    """
    func = "binomial_glmm"
    check_choice(func, "measure", measure, ("OR",))
    if model not in GLMM_MODELS:
        raise ValueError(f"{func}: model {model!r} is not available; only 'UM.FS' (fixed study effects, as metafor's "
                         "default) is implemented. The 'UM.RS' and conditional models are not.")
    level = check_level(func, level)
    a, n1v, c, n2v, lab = count_inputs(func, data, events1, n1, events2, n2, labels)
    k_all = len(a)
    no_info = ((a == 0) & (c == 0)) | ((a == n1v) & (c == n2v))
    dropped = tuple((lab[i], _no_info_reason(a, n1v, c, n2v, i, "OR", "GLMM").replace("left out of Q", "left out"))
                    for i in np.flatnonzero(no_info))
    keep = ~no_info
    if keep.sum() < 2:
        raise ValueError(f"{func}: too few studies for the binomial-normal model: {int(keep.sum())} of {k_all} tables "
                         "have events (and non-events); at least 2 are needed to estimate tau^2. Use peto() or "
                         "mantel_haenszel().")
    A, N1, C, N2 = a[keep], n1v[keep], c[keep], n2v[keep]
    start_mu = float(np.log(((A + 0.5) * (N2 - C + 0.5)).sum() / ((C + 0.5) * (N1 - A + 0.5)).sum()))
    negll = lambda p: -_profile(p[0], abs(p[1]), A, N1, C, N2)  # noqa: E731
    best = optimize.minimize(negll, x0=[start_mu, 0.3], method="Nelder-Mead",
                             options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 5000})
    mu, tau = float(best.x[0]), abs(float(best.x[1]))
    if tau < 1e-6 and -negll([mu, 0.0]) >= -best.fun - 1e-10:
        tau = 0.0
        mu = float(optimize.minimize_scalar(lambda m: -_profile(m, 0.0, A, N1, C, N2), bracket=(mu - 0.1, mu),
                                            tol=1e-12).x)

    def prof_mu(m):
        if tau == 0.0:
            return _profile(m, 0.0, A, N1, C, N2)
        r = optimize.minimize_scalar(lambda t: -_profile(m, abs(t), A, N1, C, N2), bracket=(0.9 * tau, tau), tol=1e-11)
        return -r.fun

    h = 1e-4 * max(1.0, abs(mu))
    f0, fp, fm = prof_mu(mu), prof_mu(mu + h), prof_mu(mu - h)
    curv = -(fp - 2 * f0 + fm) / h**2
    if not curv > 0:
        raise FloatingPointError(f"{func}: the log-likelihood is not curved at its maximum; no standard error.")
    se = 1 / math.sqrt(curv)
    z = _z(level)
    yi, vi, _ = _escalc_like("OR", a, n1v, c, n2v)
    notes = ["heterogeneity tests of the GLMM (Wald, likelihood ratio) are not computed; tau^2 is its estimate"]
    if not best.success:  # pragma: no cover - Nelder-Mead with these tolerances converges for real tables
        notes.append("the optimiser reported: " + str(best.message))
    return RareEventsResult(
        k=int(keep.sum()), estimate=mu, se=se, stat=mu / se, pval=float(2 * special.ndtr(-abs(mu / se))),
        ci_low=mu - z * se, ci_high=mu + z * se, q=math.nan, q_df=int(keep.sum()) - 1, q_pval=math.nan,
        i2=math.nan, h2=math.nan, tau2=tau**2, method="GLMM", measure="OR", level=level, dropped=dropped,
        notes=tuple(notes), studies=_study_table(lab, a, n1v, c, n2v, yi, vi, keep, level))
