"""Forest plots for a single meta-analysis and for a subgroup analysis.

The layout follows the Cochrane Handbook (v6.4, section 10.2 and RevMan's forest plot) and
metafor's ``forest.rma``: a text table to the left of the plot (study label and optional extra
columns such as events per arm, year or risk of bias), the plot panel (squares with area
proportional to the study's weight, whiskers for the confidence interval, diamonds for pooled
estimates, a bar for the prediction interval, the line of no effect), and to the right the
``estimate [ci_low, ci_high]`` and weight columns, optionally followed by risk-of-bias
traffic lights. Subgroup analyses get one block per subgroup with a subtotal diamond and a
heterogeneity line, then the overall diamond and the test for subgroup differences.

Every drawn element carries a ``gid`` (``"diamond-overall"``, ``"study-ci-3"``, ...), so tests
and users can find what was drawn; printed numbers are formatted from the result's own values.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..models.univariate import MetaAnalysis
from ._common import (
    check_lang,
    ci_header,
    fmt_bracket,
    fmt_interval,
    fmt_number,
    fmt_p,
    measure_label,
)
from .layout import Col, Row, draw_table
from .palette import C_POOLED, C_SUBTOTAL, ROB_LEVELS

__all__ = ["forest_plot", "normalise_rob"]

SORTS = ("estimate", "weight", "label", "precision")


# ---------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------


def _subgroup_members(sg) -> dict:
    """Input-order indices of each subgroup's studies.

    The common-tau^2 model stores the group of every study; otherwise each group's studies
    are found, in order, among the overall studies by (label, yi, vi).
    """
    st = sg.overall.studies
    if sg.model is not None and "group" in sg.model.studies.columns:
        g = sg.model.studies["group"].astype(str).to_numpy()
        return {name: [i for i in range(len(g)) if g[i] == name] for name in sg.groups}
    key = list(zip(st["label"], st["yi"], st["vi"]))
    used = np.zeros(len(key), dtype=bool)
    out = {}
    for name, fit in sg.groups.items():
        idx = []
        for row in zip(fit.studies["label"], fit.studies["yi"], fit.studies["vi"]):
            j = next((j for j in range(len(key)) if not used[j] and key[j] == row), None)
            if j is None:  # pragma: no cover - a SubgroupAnalysis always holds its studies
                raise ValueError(f"forest_plot: study {row[0]!r} of subgroup {name!r} is not among the overall studies.")
            used[j] = True
            idx.append(j)
        out[name] = idx
    return out


def normalise_rob(func: str, arg: str, values: Sequence, labels: Sequence[str]) -> list[str | None]:
    """Risk-of-bias judgements as ``low``, ``some_concerns``, ``high``, ``unclear`` (None when missing).

    Accepts any case, spaces or hyphens ("Some concerns"), and the RoB 1 wording
    "unclear risk", "low risk", "high risk".
    """
    out: list[str | None] = []
    for i, v in enumerate(values):
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
            out.append(None)
            continue
        s = str(v).strip().lower().replace("-", "_").replace(" ", "_")
        s = s.removesuffix("_risk")
        if s not in ROB_LEVELS:
            raise ValueError(f"{func}: argument {arg!r}, study {labels[i]!r} (row {i + 1}): unknown risk-of-bias judgement "
                             f"{v!r}; valid values: {', '.join(ROB_LEVELS)} (or missing).")
        out.append(s)
    return out


def _frame(func: str, arg: str, value: Any, k: int) -> pd.DataFrame:
    if isinstance(value, dict):
        value = pd.DataFrame(value)
    if isinstance(value, pd.Series):
        value = value.to_frame()
    if not isinstance(value, pd.DataFrame):
        raise TypeError(f"{func}: argument {arg!r} must be a DataFrame (one row per study, in input order); "
                        f"got {type(value).__name__}.")
    if len(value) != k:
        raise ValueError(f"{func}: argument {arg!r} has {len(value)} rows but the analysis has {k} studies; give one "
                         "row per study, in the order the studies were given to the analysis.")
    return value.reset_index(drop=True)


def _cell(v: Any, lang: str, digits: int) -> str:
    if v is None or v is pd.NA or (isinstance(v, (float, np.floating)) and math.isnan(v)):
        return ""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else fmt_number(float(v), digits, lang)
    return str(v)


# ---------------------------------------------------------------------------
# the plot
# ---------------------------------------------------------------------------


def forest_plot(
    result,
    ax=None,
    lang: str = "en",
    *,
    digits: int = 2,
    sort: str | None = None,
    columns: pd.DataFrame | dict | None = None,
    arms: pd.DataFrame | dict | None = None,
    rob: Any = None,
    show_pi: bool = True,
    show_studies: bool = True,
    show_weights: bool = True,
    show_heterogeneity: bool = True,
    group_labels: dict | None = None,
    lower_is_better: bool = True,
    favours: tuple[str, str] | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    xlim: tuple[float, float] | None = None,
    width: float | None = None,
    study_header: str | None = None,
) -> Figure:
    """Forest plot of a meta-analysis or of a subgroup analysis.

    Parameters
    ----------
    result : MetaAnalysis or SubgroupAnalysis
        :func:`koppmeta.meta_analysis` (one pooled diamond) or :func:`koppmeta.subgroup_analysis`
        (one block per subgroup with its subtotal diamond and heterogeneity line, then the
        overall diamond and the test for subgroup differences, which every subgroup figure shows).
    ax : matplotlib Axes, optional
        Draw the plot panel into this Axes; the text columns are placed beside it (leave
        room to its left and right). Its figure is returned.
    lang : {"en", "nl"}
        Language of every label; Dutch uses the decimal comma (and ``;`` inside intervals).
    digits : int
        Decimals of the ``estimate [ci_low, ci_high]`` column (ratio measures back-transformed).
    sort : {None, "estimate", "weight", "label", "precision"} or a column of ``columns``
        Order of the studies (within each subgroup); None keeps the input order. "weight"
        puts the heaviest study first; a leading "-" reverses any order ("-estimate").
    columns : DataFrame or dict of columns, optional
        Extra text columns between the label and the plot, one row per study in input
        order (for example year or follow-up); the column names are the headers.
    arms : DataFrame or dict of columns, optional
        Per-arm columns as RevMan and R meta show them, one row per study in input order:
        ``events1, n1, events2, n2`` (events / total per arm) or ``m1, sd1, n1, m2, sd2, n2``
        (mean, SD, N per arm; the names of :func:`koppmeta.effect_sizes`); arm 1 is the intervention.
        Pooled rows show the totals. A study without arm numbers gets empty cells.
    rob : str, sequence or DataFrame, optional
        Risk-of-bias traffic lights to the right of the weights: a column name of
        ``columns`` (that column is then drawn as lights, not as text), one judgement per
        study, or a DataFrame with one column per domain (RoB 2: D1...D5, Overall).
        Judgements: ``low``, ``some_concerns``, ``high``, ``unclear`` (missing: empty cell).
    show_pi : bool
        Draw the prediction interval of the (overall) random-effects model as a bar.
    show_studies : bool
        False draws only the pooled rows: for a subgroup analysis one diamond per subgroup (labelled
        with its k), the overall diamond and the test for subgroup differences.
    show_weights : bool
        Show the weight column (percent of the total weight of the overall model; subgroup
        rows show the sum of their studies' weights, as RevMan).
    show_heterogeneity : bool
        Lines with tau^2, I^2, Cochran's Q and the test of the overall effect.
    group_labels : dict, optional
        Display names for subgroups (for example translations).
    lower_is_better : bool
        Whether values left of the line of no effect favour the intervention.
    favours : (str, str), optional
        Own texts for the labels left and right of the line of no effect.
    title, xlabel : str, optional
        Figure title (top left) and axis label (default: the measure's name).
    xlim : (float, float), optional
        Axis limits on the display scale (ratios for ratio measures); intervals beyond them
        end in an arrow. By default the axis holds every interval (ratios: rounded outwards to
        the 1-2-5 ladder between 0.001 and 1000).
    width : float, optional
        Figure width in inches (default 6.3, the text width of an A4 page); it grows only if
        the text columns leave less than 1.5 in for the plot after labels are shortened.
    study_header : str, optional
        Header of the label column (default "Study" / "Studie").

    Returns
    -------
    matplotlib.figure.Figure
        Drawn by the shared layout (:mod:`koppmeta.plotting.layout`). Ratio measures (``measure``
        RR, OR, HR, IRR) are drawn on a log axis with ratio tick labels. Row heights shrink (down to
        6 pt type) so that up to about 80 rows fit on an A4 page; long labels are shortened with an
        ellipsis to fit their column.

    Notes
    -----
    Study intervals are ``yi +/- z_(1-alpha/2) sqrt(vi)`` (``result.studies``); the pooled
    rows show the model's interval (Knapp-Hartung t for ``test="knha"``). The prediction
    interval is ``mu +/- crit sqrt(se^2 + tau^2)`` as metafor's ``predict()``
    (Riley et al. 2011, BMJ 342:d549).
    """
    func = "forest_plot"
    t = check_lang(func, lang)
    from ..models.regression import SubgroupAnalysis

    if isinstance(result, SubgroupAnalysis):
        sub = True
        overall = result.overall
        members = _subgroup_members(result)
        blocks = [(name, fit, members[name]) for name, fit in result.groups.items()]
    elif isinstance(result, MetaAnalysis):
        sub = False
        overall = result
        blocks = [(None, result, list(range(result.k)))]
    else:
        raise TypeError(f"{func}: expected a MetaAnalysis (koppmeta.meta_analysis) or SubgroupAnalysis "
                        f"(koppmeta.subgroup_analysis) result; got {type(result).__name__}.")
    if not isinstance(digits, (int, np.integer)) or digits < 0:
        raise ValueError(f"{func}: argument 'digits' must be a whole number >= 0; got {digits!r}.")
    k = overall.k
    st = overall.studies.reset_index(drop=True)
    labels = [str(x) for x in st["label"]]
    extra = _frame(func, "columns", columns, k) if columns is not None else pd.DataFrame(index=range(k))
    rob_df = _rob_frame(func, rob, extra, k, labels, t)
    if rob_df is not None and isinstance(rob, str):
        extra = extra.drop(columns=rob)
    arm_cols, arm_cells = _arm_columns(func, arms, k, t, lang, digits)
    order_key = _order_key(func, sort, st, labels, extra)

    ratio = overall.is_ratio
    tr = (lambda x: float(np.exp(x))) if ratio else float
    fit_method = overall.method
    model = t["fe_model"] if fit_method == "FE" else t["re_model"].format(method=fit_method)
    model_short = model if fit_method == "FE" else model.replace(" (", ", ").rstrip(")")
    weights = st["weight"].to_numpy()
    w_max = weights.max()
    extra_cells = {f"col-{c}": [_cell(v, lang, digits) for v in extra[c]] for c in extra.columns}

    def ci(f) -> str:
        return fmt_interval(tr(f.estimate), tr(f.ci_low), tr(f.ci_high), digits, lang)

    def pooled_cells(f, idx, weight) -> dict:
        cells = {"ci": ci(f)}
        if show_weights:
            cells["weight"] = fmt_number(weight, 1, lang) + "%"
        cells.update(arm_cells(idx))
        return cells

    # ---- rows ----
    indent = 8.0 if sub else 0.0
    rows: list[Row] = []
    for name, fit_g, idx in blocks:
        idx = list(idx)
        if order_key is not None:
            idx = sorted(idx, key=lambda i: (order_key[i] if order_key[i] == order_key[i] else np.inf))
        shown = t["group_k"].format(name=(group_labels or {}).get(name, name), k=len(idx)) if sub else ""
        if sub and show_studies:
            rows.append(Row("group", shown, gid=f"head-{name}"))
        for i in idx if show_studies else ():
            s = st.iloc[i]
            cells = {"ci": fmt_interval(tr(s["yi"]), tr(s["ci_low"]), tr(s["ci_high"]), digits, lang)}
            if show_weights:
                cells["weight"] = fmt_number(float(weights[i]), 1, lang) + "%"
            cells.update({key: v[i] for key, v in extra_cells.items()})
            cells.update(arm_cells([i]))
            if rob_df is not None:
                cells.update({f"rob-{c}": rob_df[c].iloc[i] for c in rob_df.columns})
            rows.append(Row("study", labels[i], tr(s["yi"]), tr(s["ci_low"]), tr(s["ci_high"]), cells, gid=f"study-{i}",
                            idx=i, indent=indent, weight=float(weights[i] / w_max), mark_gid="study-squares",
                            line_gid="study-whiskers", arrow_gid=f"arrow-{i}"))
        if sub:
            rows.append(Row("pooled", t["subtotal"] if show_studies else shown, tr(fit_g.estimate), tr(fit_g.ci_low),
                            tr(fit_g.ci_high), pooled_cells(fit_g, idx, float(weights[idx].sum())), gid=f"group-{name}",
                            indent=indent if show_studies else 0.0, colour=C_SUBTOTAL, mark_gid=f"diamond-group-{name}"))
            if show_heterogeneity:
                rows.append(Row("text", _het_text(fit_g, t, lang, short=True), gid=f"het-group-{name}",
                                indent=indent if show_studies else 0.0))
        if show_studies or sub:
            rows.append(Row("blank"))
    label = t["overall"].format(model=model_short) if sub else model
    # where the model's name does not fit (per-arm columns leave it little room): "Overall (REML)", else "REML", whole
    short = (t["overall"].format(model=fit_method), fit_method) if fit_method != "FE" else ()
    rows.append(Row("pooled", label, tr(overall.estimate), tr(overall.ci_low), tr(overall.ci_high),
                    pooled_cells(overall, list(range(k)), 100.0), gid="overall", colour=C_POOLED,
                    mark_gid="diamond-overall", suffix=t["overall_k"].format(model="", k=k), short=short))
    if bool(show_pi) and fit_method != "FE" and k >= 2 and math.isfinite(overall.pi_low):
        rows.append(Row("pi", t["pi"], math.nan, tr(overall.pi_low), tr(overall.pi_high),
                        {"ci": fmt_bracket(tr(overall.pi_low), tr(overall.pi_high), digits, lang)}, gid="pi",
                        mark_gid="pi-bar"))
    if show_heterogeneity:
        rows.append(Row("text", _het_text(overall, t, lang, short=False), gid="het-overall"))
        rows.append(Row("text", _test_text(overall, t, lang), gid="test-overall"))
    if sub:  # every subgroup figure states the test for subgroup differences
        rows.append(Row("text", _subgroup_test_text(result, t, lang), gid="test-subgroups"))
    if rob_df is not None:
        rows.append(Row("text", t["rob_legend"], gid="rob-legend"))

    # ---- columns ----
    cols = arm_cols + [Col(f"col-{c}", str(c), side="left", align="center", head_gid=f"header-{c}", pooled_bold=False)
                       for c in extra.columns]
    cols.append(Col("ci", ci_header(overall.measure, overall.level, t)))
    if show_weights:
        cols.append(Col("weight", t["weight"]))
    if rob_df is not None:
        cols += [Col(f"rob-{c}", str(c), kind="lights", align="center", head_gid=f"header-rob-{c}") for c in rob_df.columns]
    return draw_table(rows, cols, lang=lang, ratio=ratio, xlabel=xlabel or measure_label(overall.measure, lang),
                      label_header=study_header or t["subgroup" if sub and not show_studies else "study"], title=title, xlim=xlim, lower_is_better=lower_is_better,
                      favours=favours, width=width, ax=ax, ref=tr(overall.estimate), func=func)


def _rob_frame(func: str, rob: Any, extra: pd.DataFrame, k: int, labels: list[str], t: dict) -> pd.DataFrame | None:
    """Risk-of-bias judgements as a DataFrame of normalised levels, one column per domain (or None)."""
    if rob is None:
        return None
    if isinstance(rob, str):
        if rob not in extra.columns:
            raise ValueError(f"{func}: argument 'rob' names column {rob!r}, which is not in 'columns'; "
                             f"columns: {', '.join(map(str, extra.columns)) or '(none)'}.")
        rob_df = extra[[rob]]
    elif isinstance(rob, (pd.DataFrame, dict)):
        rob_df = _frame(func, "rob", rob, k)
    else:
        vals = list(rob)
        if len(vals) != k:
            raise ValueError(f"{func}: argument 'rob' has {len(vals)} values but the analysis has {k} studies.")
        rob_df = pd.DataFrame({t["rob_short"]: vals})
    return pd.DataFrame({str(c): normalise_rob(func, "rob", rob_df[c].tolist(), labels) for c in rob_df.columns})


ARM_LAYOUTS = {
    "binary": (("events", "events{a}"), ("total", "n{a}")),
    "continuous": (("mean", "m{a}"), ("sd", "sd{a}"), ("n", "n{a}")),
}
#: Older names of the arm columns, accepted for one release with a DeprecationWarning.
_OLD_ARM_NAMES = {"mean1": "m1", "mean2": "m2"}


def _arm_columns(func: str, arms: Any, k: int, t: dict, lang: str, digits: int):
    """Per-arm columns (grouped under "Intervention" and "Control") and a function giving the cells of a
    set of studies: the study's own numbers, or for pooled rows the totals of events and participants."""
    if arms is None:
        return [], lambda idx: {}
    df = _frame(func, "arms", arms, k)
    old = [c for c in _OLD_ARM_NAMES if c in df.columns and _OLD_ARM_NAMES[c] not in df.columns]
    if old:
        many = len(old) > 1
        warnings.warn(f"{func}: argument 'arms': column{'s' if many else ''} {' and '.join(map(repr, old))} "
                      f"{'are' if many else 'is'} now called {' and '.join(repr(_OLD_ARM_NAMES[c]) for c in old)} "
                      "(the names of effect_sizes); the old names work until the next release.",
                      DeprecationWarning, stacklevel=4)
        df = df.rename(columns={c: _OLD_ARM_NAMES[c] for c in old})
    kind = next((kd for kd, spec in ARM_LAYOUTS.items()
                 if all(col.format(a=a) in df.columns for _, col in spec for a in (1, 2))), None)
    if kind is None:
        raise ValueError(f"{func}: argument 'arms' needs the columns events1, n1, events2, n2 (events / total per arm) "
                         f"or m1, sd1, n1, m2, sd2, n2; got {', '.join(map(str, df.columns)) or '(none)'}.")
    spec = ARM_LAYOUTS[kind]
    values = {}
    for _, col in spec:
        for a in (1, 2):
            name = col.format(a=a)
            v = pd.to_numeric(df[name], errors="coerce")
            bad = df[name].notna() & v.isna()
            if bad.any():
                j = int(np.flatnonzero(bad.to_numpy())[0])
                raise ValueError(f"{func}: argument 'arms', column {name!r} (row {j + 1}) is not a number: {df[name].iloc[j]!r}.")
            values[name] = v.to_numpy(float)
    cols = [Col(f"arm{a}-{word}", t[word], side="left", align="right", group=t["intervention" if a == 1 else "control"])
            for a in (1, 2) for word, _ in spec]

    def cells(idx: list[int]) -> dict:
        out = {}
        for a in (1, 2):
            for word, col in spec:
                v = values[col.format(a=a)][idx]
                if len(idx) == 1:
                    x = v[0]
                    counts = word in ("events", "total", "n") and float(x).is_integer()
                    out[f"arm{a}-{word}"] = "" if x != x else (str(int(x)) if counts else fmt_number(x, digits, lang))
                elif word in ("events", "total", "n") and len(idx) > 1 and np.isfinite(v).all():
                    out[f"arm{a}-{word}"] = str(int(v.sum()))
        return out

    return cols, cells


def _order_key(func: str, sort: str | None, st: pd.DataFrame, labels: list[str], extra: pd.DataFrame):
    """Sort key per study (input order) for ``sort``; None keeps the input order."""
    if sort is None:
        return None
    if not isinstance(sort, str):
        raise TypeError(f"{func}: argument 'sort' must be None or a string; got {type(sort).__name__}.")
    name = sort.lstrip("-")
    if name == "estimate":
        key = st["yi"].to_numpy()
    elif name == "weight":
        key = -st["weight"].to_numpy()
    elif name == "precision":
        key = st["vi"].to_numpy()
    elif name == "label":
        key = np.array(labels, dtype=object)
    elif name in extra.columns:
        key = extra[name].to_numpy()
    else:
        valid = list(SORTS) + [str(c) for c in extra.columns]
        raise ValueError(f"{func}: unknown sort {sort!r}; valid: None, {', '.join(valid)} (a leading '-' reverses).")
    if sort.startswith("-"):
        key = -pd.Series(key).rank(method="first").to_numpy()
    return key


def _het_text(fit: MetaAnalysis, t: dict, lang: str, short: bool) -> str:
    if fit.k < 2:
        return t["not_applicable"]
    p = fmt_p(fit.q_pval, lang)
    parts = []
    head = t["heterogeneity"].split(":")[0] + ": "
    if fit.method != "FE":
        parts.append(f"τ² = {fmt_number(fit.tau2, 3 if fit.tau2 < 10 else 1, lang)}")
    parts.append(f"I² = {fmt_number(fit.i2, 0, lang)}%")
    parts.append(f"Q = {fmt_number(fit.q, 2, lang)}, {t['df']} = {fit.q_df} (p {p})")
    return head + "; ".join(parts)


def _test_text(fit: MetaAnalysis, t: dict, lang: str) -> str:
    stat = f"t({fmt_number(fit.df, 0 if float(fit.df).is_integer() else 1, lang)})" if fit.test in ("knha", "adhoc") else "z"
    return t["test"].format(stat=stat, value=fmt_number(fit.stat, 2, lang), p=fmt_p(fit.pval, lang))


def _subgroup_test_text(sg, t: dict, lang: str) -> str:
    if sg.q_between_dist == "F":
        stat, df = "F", f"({sg.q_between_df}{'; ' if lang == 'nl' else ', '}{fmt_number(sg.q_between_df2, 0, lang)})"
    else:
        stat, df = "χ²", str(sg.q_between_df)
    s = t["subgroup_test"].format(stat=stat, value=fmt_number(sg.q_between, 2, lang), df=df, p=fmt_p(sg.q_between_pval, lang))
    if sg.i2_between is not None:
        s += f"; I² = {fmt_number(sg.i2_between, 0, lang)}%"
    if sg.common_tau2:
        s += f" ({t['common_tau2']})"
    return s
