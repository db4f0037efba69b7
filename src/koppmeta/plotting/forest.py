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
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib.pyplot as plt
import matplotlib.ticker
import matplotlib.transforms as mtransforms
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon

from ..models import MetaAnalysis
from ._common import (
    A4_HEIGHT,
    A4_WIDTH,
    C_LINE,
    C_MUTED,
    C_POOLED,
    C_STUDY,
    C_SUBTOTAL,
    ROB_COLOURS,
    ROB_LEVELS,
    ROB_SYMBOLS,
    check_lang,
    fit_text,
    fmt_interval,
    fmt_number,
    fmt_p,
    measure_label,
    number_formatter,
    ratio_limits,
    ratio_ticks,
    style,
    text_width,
)

__all__ = ["forest_plot", "normalise_rob"]

SORTS = ("estimate", "weight", "label", "precision")


@dataclass
class _Row:
    kind: str  # header, group, study, subtotal, het, overall, pi, text, blank
    text: str = ""
    i: int = -1  # study index in input order
    group: Any = None
    fit: Any = None
    weight: float = math.nan
    gid: str = ""
    extra: dict = field(default_factory=dict)


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
    *,
    lang: str = "en",
    digits: int = 2,
    sort: str | None = None,
    columns: pd.DataFrame | dict | None = None,
    rob: Any = None,
    show_pi: bool = True,
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
    ax=None,
) -> Figure:
    """Forest plot of a meta-analysis or of a subgroup analysis.

    Parameters
    ----------
    result : MetaAnalysis or SubgroupAnalysis
        :func:`koppmeta.meta_analysis` (one pooled diamond) or :func:`koppmeta.subgroup_analysis`
        (one block per subgroup with its subtotal diamond and heterogeneity line, then the
        overall diamond and the test for subgroup differences).
    lang : {"en", "nl"}
        Language of every label; Dutch uses the decimal comma (and ``;`` inside intervals).
    digits : int
        Decimals of the ``estimate [ci_low, ci_high]`` column (ratio measures back-transformed).
    sort : {None, "estimate", "weight", "label", "precision"} or a column of ``columns``
        Order of the studies (within each subgroup); None keeps the input order. "weight"
        puts the heaviest study first; a leading "-" reverses any order ("-estimate").
    columns : DataFrame or dict of columns, optional
        Extra text columns between the label and the plot, one row per study in input
        order (for example n per arm, events, year); the column names are the headers.
    rob : str, sequence or DataFrame, optional
        Risk-of-bias traffic lights to the right of the weights: a column name of
        ``columns`` (that column is then drawn as lights, not as text), one judgement per
        study, or a DataFrame with one column per domain (RoB 2: D1...D5, Overall).
        Judgements: ``low``, ``some_concerns``, ``high``, ``unclear`` (missing: empty cell).
    show_pi : bool
        Draw the prediction interval of the (overall) random-effects model as a bar.
    show_weights : bool
        Show the weight column (percent of the total weight of the overall model; subgroup
        rows show the sum of their studies' weights, as RevMan).
    show_heterogeneity : bool
        Lines with tau^2, I^2, Cochran's Q and the test of the overall effect (and of
        subgroup differences).
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
        the text columns leave less than 1.6 in for the plot after labels are shortened.
    study_header : str, optional
        Header of the label column (default "Study" / "Studie").
    ax : matplotlib Axes, optional
        Draw the plot panel into this Axes; the text columns are placed beside it (leave
        room to its left and right). Its figure is returned.

    Returns
    -------
    matplotlib.figure.Figure
        Ratio measures (``measure`` RR, OR, HR, IRR) are drawn on a log axis with ratio tick
        labels. Row heights shrink (down to 6 pt type) so that up to about 80 rows fit on an
        A4 page; long labels are shortened with an ellipsis to fit their column.

    Notes
    -----
    Study intervals are ``yi +/- z_(1-alpha/2) sqrt(vi)`` (``result.studies``); the pooled
    rows show the model's interval (Knapp-Hartung t for ``test="knha"``). The prediction
    interval is ``mu +/- crit sqrt(se^2 + tau^2)`` as metafor's ``predict()``
    (Riley et al. 2011, BMJ 342:d549).
    """
    func = "forest_plot"
    t = check_lang(func, lang)
    from ..regression import SubgroupAnalysis

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

    # risk of bias
    rob_df = None
    if rob is not None:
        if isinstance(rob, str):
            if rob not in extra.columns:
                raise ValueError(f"{func}: argument 'rob' names column {rob!r}, which is not in 'columns'; "
                                 f"columns: {', '.join(map(str, extra.columns)) or '(none)'}.")
            rob_df = extra[[rob]]
            extra = extra.drop(columns=rob)
        elif isinstance(rob, (pd.DataFrame, dict)):
            rob_df = _frame(func, "rob", rob, k)
        else:
            vals = list(rob)
            if len(vals) != k:
                raise ValueError(f"{func}: argument 'rob' has {len(vals)} values but the analysis has {k} studies.")
            rob_df = pd.DataFrame({t["rob_short"]: vals})
        rob_df = pd.DataFrame({str(c): normalise_rob(func, "rob", rob_df[c].tolist(), labels) for c in rob_df.columns})

    # sort order
    order_key = None
    if sort is not None:
        if not isinstance(sort, str):
            raise TypeError(f"{func}: argument 'sort' must be None or a string; got {type(sort).__name__}.")
        name = sort.lstrip("-")
        rev = sort.startswith("-")
        if name == "estimate":
            order_key = st["yi"].to_numpy()
        elif name == "weight":
            order_key = -st["weight"].to_numpy()
        elif name == "precision":
            order_key = st["vi"].to_numpy()
        elif name == "label":
            order_key = np.array(labels, dtype=object)
        elif name in extra.columns:
            order_key = extra[name].to_numpy()
        else:
            valid = list(SORTS) + [str(c) for c in extra.columns]
            raise ValueError(f"{func}: unknown sort {sort!r}; valid: None, {', '.join(valid)} (a leading '-' reverses).")
        if rev:
            ranks = pd.Series(order_key).rank(method="first").to_numpy()
            order_key = -ranks

    ratio = overall.is_ratio
    tr = np.exp if ratio else (lambda x: np.asarray(x, dtype=float))
    fit_method = overall.method
    model = t["fe_model"] if fit_method == "FE" else t["re_model"].format(method=fit_method)
    model_short = t["fe_model"] if fit_method == "FE" else t["re_model"].format(method=fit_method).replace(" (", ", ").rstrip(")")

    # ---- rows -------------------------------------------------------------
    rows: list[_Row] = [_Row("header")]
    weights = st["weight"].to_numpy()
    for name, fit_g, idx in blocks:
        idx = list(idx)
        if order_key is not None:
            idx = sorted(idx, key=lambda i: (order_key[i] if order_key[i] == order_key[i] else np.inf))
        if sub:
            shown = (group_labels or {}).get(name, name)
            rows.append(_Row("group", t["group_k"].format(name=shown, k=len(idx)), group=name, gid=f"head-{name}"))
        rows += [_Row("study", labels[i], i=i, gid=f"study-{i}") for i in idx]
        if sub:
            rows.append(_Row("subtotal", t["subtotal"], group=name, fit=fit_g,
                             weight=float(weights[idx].sum()), gid=f"group-{name}"))
            if show_heterogeneity:
                rows.append(_Row("het", _het_text(fit_g, t, lang, short=True), group=name, gid=f"het-group-{name}"))
            rows.append(_Row("blank"))
    if not sub:
        rows.append(_Row("blank"))
    rows.append(_Row("overall", t["overall"].format(model=model_short) if sub else model, fit=overall, weight=100.0,
                     gid="overall"))
    has_pi = bool(show_pi) and fit_method != "FE" and k >= 2 and math.isfinite(overall.pi_low)
    if has_pi:
        rows.append(_Row("pi", t["pi"], fit=overall, gid="pi"))
    if show_heterogeneity:
        rows.append(_Row("het", _het_text(overall, t, lang, short=False), gid="het-overall"))
        rows.append(_Row("het", _test_text(overall, t, lang), gid="test-overall"))
        if sub:
            rows.append(_Row("het", _subgroup_test_text(result, t, lang), gid="test-subgroups"))
    if rob_df is not None:
        rows.append(_Row("het", t["rob_legend"], gid="rob-legend"))
    n = len(rows)

    # ---- sizes (points) ----------------------------------------------------
    avail = A4_HEIGHT * 72 - 90
    row_h = float(np.clip(avail / n, 9.0, 13.5))
    fs = float(np.clip(row_h * 0.57, 5.5, 8.0))
    fs_small = fs - 0.8
    gap = 10.0
    ci_head = t["ci"].format(level=f"{overall.level:g}")
    est_header = f"{overall.measure} [{ci_head}]" if overall.measure else f"{t['bubble_y']} [{ci_head}]"
    fmt = lambda x: fmt_number(float(tr(x)), digits, lang)  # noqa: E731
    sep = "; " if lang == "nl" else ", "

    def est_text(r: _Row) -> str:
        if r.kind == "study":
            s = st.iloc[r.i]
            return fmt_interval(float(tr(s["yi"])), float(tr(s["ci_low"])), float(tr(s["ci_high"])), digits, lang)
        if r.kind in ("subtotal", "overall"):
            f = r.fit
            return fmt_interval(float(tr(f.estimate)), float(tr(f.ci_low)), float(tr(f.ci_high)), digits, lang)
        if r.kind == "pi":
            return f"[{fmt(r.fit.pi_low)}{sep}{fmt(r.fit.pi_high)}]"
        return ""

    def weight_text(r: _Row) -> str:
        if r.kind == "study":
            return fmt_number(float(weights[r.i]), 1, lang) + "%"
        if r.kind in ("subtotal", "overall"):
            return fmt_number(r.weight, 1, lang) + "%"
        return ""

    head_label = study_header or t["study"]
    bold_kinds = ("group", "subtotal", "overall")
    fig_w = (width or A4_WIDTH) * 72
    min_plot = 1.5 * 72

    def measure(fs: float) -> dict:
        fs_small = fs - 0.8
        label_w = max([text_width(head_label, fs, True)]
                      + [text_width(r.text, fs) + (8 if sub else 0) for r in rows if r.kind == "study"])
        ecols = []
        for c in extra.columns:
            cells = [_cell(v, lang, digits) for v in extra[c]]
            w = max([text_width(str(c), fs, True)] + [text_width(x, fs) for x in cells])
            ecols.append((str(c), cells, w))
        est_w = max([text_width(est_header, fs, True)] + [text_width(est_text(r), fs, r.kind in bold_kinds) for r in rows])
        wt_w = max(text_width(t["weight"], fs, True), text_width("100.0%", fs, True)) if show_weights else 0.0
        rcols = [(c, max(row_h * 0.95, text_width(c, fs_small, True) + 2)) for c in rob_df.columns] if rob_df is not None else []
        right_w = gap + est_w + (gap + wt_w if show_weights else 0) + (gap + sum(w + 2 for _, w in rcols) if rcols else 0) + 4
        extra_w = sum(w + gap for _, _, w in ecols)
        pooled_w = max([text_width(r.text, fs, r.kind in bold_kinds) + (8 if r.kind == "subtotal" else 0)
                        for r in rows if r.kind in ("group", "subtotal", "overall", "pi")] + [0.0])
        label_w = max(label_w, pooled_w - extra_w)  # pooled rows may use the extra columns' room
        return dict(fs=fs, fs_small=fs_small, label_w=label_w, ecols=ecols, est_w=est_w, wt_w=wt_w, rcols=rcols,
                    right_w=right_w, extra_w=extra_w, room=fig_w - right_w - extra_w - gap - min_plot - 8)

    m = measure(fs)
    while ax is None and m["room"] < m["label_w"] and m["fs"] > 7.0:  # smaller type before shortening labels
        m = measure(m["fs"] - 0.5)
    fs, fs_small, label_w, extra_cols = m["fs"], m["fs_small"], m["label_w"], m["ecols"]
    est_w, wt_w, rob_cols, right_w, extra_w = m["est_w"], m["wt_w"], m["rcols"], m["right_w"], m["extra_w"]

    with style():
        if ax is None:
            label_col = min(label_w, max(m["room"], 80.0))
            left_w = label_col + gap + extra_w
            plot_w = fig_w - left_w - right_w - 8
            if plot_w < min_plot:
                plot_w = min_plot
                fig_w = left_w + plot_w + right_w + 8
            top = (24.0 if title else 6.0)
            bottom = 56.0
            fig_h = top + n * row_h + bottom
            fig = plt.figure(figsize=(fig_w / 72, fig_h / 72))
            ax = fig.add_axes([(left_w + 4) / fig_w, bottom / fig_h, plot_w / fig_w, n * row_h / fig_h])
            if title:
                fig.text(4 / fig_w, 1 - 4 / fig_h, title, ha="left", va="top", fontweight="bold",
                         fontsize=fs + 1.5, gid="title")
        else:
            fig = ax.figure
            pos = ax.get_position()
            plot_w = pos.width * fig.get_figwidth() * 72
            row_h = pos.height * fig.get_figheight() * 72 / n
            label_col = min(label_w, 200.0)
            left_w = label_col + gap + extra_w
            if title:
                ax.set_title(title, loc="left", fontweight="bold")

        base = mtransforms.blended_transform_factory(ax.transAxes, ax.transData)

        def at(dx: float):
            return mtransforms.offset_copy(base, fig=fig, x=dx, y=0, units="points")

        def put(anchor: float, dx: float, y: float, s: str, ha: str, gid: str = "", bold: bool = False,
                size: float = fs, color: str = "black", style_: str = "normal"):
            if not s:
                return None
            return ax.text(anchor, y, s, transform=at(dx), ha=ha, va="center", fontsize=size, clip_on=False,
                           fontweight="bold" if bold else "normal", color=color, fontstyle=style_, gid=gid or None,
                           parse_math=False)

        ys = -np.arange(n, dtype=float)
        x_label = -left_w
        # ---- text columns ----
        for r, y in zip(rows, ys):
            bold = r.kind in bold_kinds
            if r.kind == "header":
                put(0, x_label, y, head_label, "left", "header-study", bold=True)
                xc = x_label + label_col + gap
                for name, _, w in extra_cols:
                    put(0, xc + w / 2, y, name, "center", f"header-{name}", bold=True)
                    xc += w + gap
                put(1, gap + est_w, y, est_header, "right", "header-ci", bold=True)
                if show_weights:
                    put(1, gap + est_w + gap + wt_w, y, t["weight"], "right", "header-weight", bold=True)
                xr = gap + est_w + (gap + wt_w if show_weights else 0) + gap
                for name, w in rob_cols:
                    put(1, xr + w / 2, y, name, "center", f"header-rob-{name}", bold=True, size=fs_small)
                    xr += w + 2
                continue
            if r.kind == "het":
                h = put(0, x_label + (8 if r.group is not None else 0), y, r.text, "left", r.gid, size=fs_small,
                        color=C_MUTED)
                h.set_bbox(dict(facecolor="white", edgecolor="none", pad=0.6))
                h.set_zorder(5)
                continue
            if r.kind == "blank":
                continue
            indent = 8 if (sub and r.kind in ("study", "subtotal")) else 0
            room = label_col if r.kind == "study" else label_col + gap + extra_w  # pooled rows have no extra cells
            text = fit_text(r.text, room - indent, fs, bold)
            put(0, x_label + indent, y, text, "left", f"{r.gid}-label", bold=bold)
            if r.kind == "study":
                xc = x_label + label_col + gap
                for name, cells, w in extra_cols:
                    put(0, xc + w / 2, y, cells[r.i], "center", f"study-{r.i}-col-{name}")
                    xc += w + gap
            put(1, gap + est_w, y, est_text(r), "right", f"{r.gid}-ci" if r.kind != "pi" else "pi-ci", bold=bold)
            if show_weights:
                put(1, gap + est_w + gap + wt_w, y, weight_text(r), "right", f"{r.gid}-weight", bold=bold)
            if r.kind == "study" and rob_df is not None:
                xr = gap + est_w + (gap + wt_w if show_weights else 0) + gap
                for name, w in rob_cols:
                    v = rob_df[name].iloc[r.i]
                    if v is not None and not pd.isna(v):
                        ax.scatter([1], [y], s=(row_h * 0.78) ** 2, marker="o", color=ROB_COLOURS[v], linewidths=0,
                                   transform=at(xr + w / 2), clip_on=False, zorder=5, gid=f"rob-{r.i}-{name}-{v}")
                        sym = put(1, xr + w / 2, y, ROB_SYMBOLS[v], "center", "", bold=True, size=fs_small, color="white")
                        sym.set_zorder(6)
                    xr += w + 2
        # header rule
        span = (left_w + plot_w + right_w) / plot_w
        fig_line = Line2D([0, span], [-0.5, -0.5], transform=at(-left_w), color="0.3", lw=0.6, clip_on=False,
                          gid="header-rule")
        ax.add_line(fig_line)

        # ---- plot panel ----
        study_rows = [(r, y) for r, y in zip(rows, ys) if r.kind == "study"]
        pooled_rows = [(r, y) for r, y in zip(rows, ys) if r.kind in ("subtotal", "overall")]
        # limits
        if ratio:
            ax.set_xscale("log")
        vals = np.concatenate([tr(st["ci_low"]), tr(st["ci_high"]), tr(st["yi"]),
                               [float(tr(v)) for r, _ in pooled_rows for v in (r.fit.ci_low, r.fit.ci_high)],
                               tr([overall.pi_low, overall.pi_high]) if has_pi else []])
        if xlim is None:
            # the axis holds every interval; arrows appear only beyond a stated xlim (or, for ratios,
            # beyond the ladder's ends 0.001 and 1000)
            if ratio:
                lo, hi = ratio_limits(vals.min(), vals.max())
            else:
                lo, hi = min(vals.min(), 0.0), max(vals.max(), 0.0)
                pad = 0.04 * (hi - lo)
                lo, hi = lo - pad, hi + pad
        else:
            if len(xlim) != 2 or not xlim[0] < xlim[1] or (ratio and xlim[0] <= 0):
                raise ValueError(f"{func}: argument 'xlim' must be (low, high) with low < high"
                                 + (" and low > 0 for a ratio measure" if ratio else "") + f"; got {xlim!r}.")
            lo, hi = float(xlim[0]), float(xlim[1])
        ax.set_xlim(lo, hi)
        ax.set_ylim(ys[-1] - 0.6, 0.5)
        ax.patch.set_alpha(0.0)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        if ratio:
            ratio_ticks(ax, lang)
        else:
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
            ax.xaxis.set_major_formatter(number_formatter(lang))
            ax.set_xlim(lo, hi)

        w_max = weights.max()
        est = tr(st["yi"].to_numpy())
        clo, chi = tr(st["ci_low"].to_numpy()), tr(st["ci_high"].to_numpy())
        y_of = {r.i: y for r, y in study_rows}
        yy = np.array([y_of[i] for i in range(k)])
        ax.hlines(yy, np.clip(clo, lo, hi), np.clip(chi, lo, hi), color=C_LINE, lw=0.8, zorder=2, gid="study-whiskers")
        side = np.maximum(np.sqrt(weights / w_max) * 0.8 * row_h, 2.5)
        inside = (est >= lo) & (est <= hi)
        ax.scatter(est[inside], yy[inside], s=side[inside] ** 2, marker="s", color=C_STUDY, linewidths=0, zorder=3,
                   gid="study-squares")
        for j in range(k):
            if clo[j] < lo:
                ax.plot([lo], [yy[j]], marker="<", ms=3.5, color=C_LINE, clip_on=False, zorder=3, gid=f"arrow-{j}")
            if chi[j] > hi:
                ax.plot([hi], [yy[j]], marker=">", ms=3.5, color=C_LINE, clip_on=False, zorder=3, gid=f"arrow-{j}")
        for r, y in pooled_rows:
            f = r.fit
            xs = [float(tr(f.ci_low)), float(tr(f.estimate)), float(tr(f.ci_high)), float(tr(f.estimate))]
            xs = list(np.clip(xs, lo, hi))
            h = 0.36
            colour = C_POOLED if r.kind == "overall" else C_SUBTOTAL
            ax.add_patch(Polygon([[xs[0], y], [xs[1], y + h], [xs[2], y], [xs[3], y - h]], closed=True,
                                 facecolor=colour, edgecolor=colour, lw=0.5, zorder=4,
                                 gid="diamond-overall" if r.kind == "overall" else f"diamond-group-{r.group}"))
        y_pi = None
        if has_pi:
            y_pi = next(y for r, y in zip(rows, ys) if r.kind == "pi")
            a, b = float(tr(overall.pi_low)), float(tr(overall.pi_high))
            ax.hlines(y_pi, max(a, lo), min(b, hi), color=C_POOLED, lw=2.4, zorder=3, gid="pi-bar")
            for x, inside_ in ((a, a >= lo), (b, b <= hi)):
                if inside_:
                    ax.vlines(x, y_pi - 0.22, y_pi + 0.22, color=C_POOLED, lw=1.0, zorder=3)
        null = 1.0 if ratio else 0.0
        y_last = (y_pi if y_pi is not None else pooled_rows[-1][1]) - 0.5
        if lo < null < hi:
            ax.vlines(null, y_last, -0.5, color="0.25", lw=0.8, zorder=1, gid="null-line")
        ax.vlines(float(tr(overall.estimate)), y_last, -0.5, color=C_POOLED, lw=0.6, ls=(0, (3, 3)), zorder=1,
                  gid="pooled-line")
        ax.set_xlabel(xlabel or measure_label(overall.measure, lang))
        ax.xaxis.labelpad = 14
        left, right = (("favours_left", "favours_right") if lower_is_better else ("favours_right", "favours_left"))
        left_txt, right_txt = favours if favours is not None else (t[left], t[right])
        below = mtransforms.blended_transform_factory(ax.transData, ax.transAxes)
        if lo < null < hi:
            ax.annotate("\u2190 " + left_txt, xy=(null, 0), xycoords=below, xytext=(-4, -19), textcoords="offset points",
                        ha="right", va="top", fontsize=fs_small, color=C_MUTED, gid="favours-left")
            ax.annotate(right_txt + " \u2192", xy=(null, 0), xycoords=below, xytext=(4, -19), textcoords="offset points",
                        ha="left", va="top", fontsize=fs_small, color=C_MUTED, gid="favours-right")
        ax.tick_params(axis="x", labelsize=fs)
        ax.xaxis.label.set_size(fs)
    return fig


def _het_text(fit: MetaAnalysis, t: dict, lang: str, short: bool) -> str:
    if fit.k < 2:
        return t["not_applicable"]
    p = fmt_p(fit.q_pval, lang)
    parts = []
    head = t["heterogeneity"].split(":")[0] + ": "
    if fit.method != "FE":
        parts.append(f"τ² = {fmt_number(fit.tau2, 3 if fit.tau2 < 10 else 1, lang)}")
    parts.append(f"I² = {fmt_number(fit.i2, 0, lang)}%")
    parts.append(f"Q = {fmt_number(fit.q, 2, lang)}, df = {fit.q_df} (p {p})")
    return head + "; ".join(parts)


def _test_text(fit: MetaAnalysis, t: dict, lang: str) -> str:
    stat = f"t({fmt_number(fit.df, 0 if float(fit.df).is_integer() else 1, lang)})" if fit.test == "knha" else "z"
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
