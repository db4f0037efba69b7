"""Risk-of-bias figures as robvis draws them (McGuinness & Higgins 2021, Res Synth Methods 12:55-61).

- :func:`rob_traffic_light`: one row per study, one column per RoB 2 domain plus the overall
  judgement; a coloured circle with a symbol for each judgement (colour is never the only cue).
- :func:`rob_summary`: one horizontal bar per domain, split into the share of studies (or of
  the weight, for example the participants or the meta-analytic weight) judged low, some
  concerns, high and unclear.

Both take a DataFrame and column names, so they work with any set of domains the data holds
(RoB 2: D1-D5 and overall; RoB 1 and ROBINS-I domains with their own names), in English or Dutch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .. import translations as tr
from ._common import A4_WIDTH, check_lang, fit_text, fmt_number, style, text_width
from .palette import C_EMPTY, C_GRID, C_MUTED, C_SEPARATOR, ROB_COLOURS, ROB_LEVELS, ROB_SYMBOLS
from .forest import normalise_rob

__all__ = ["rob_traffic_light", "rob_summary"]

WORDS = tr.ROB_PLOT_TEXT


def _domains(func: str, data: pd.DataFrame, domains, overall: str | None, lang: str) -> list[tuple[str, str, str]]:
    """(column, short header, long name) for each domain column, then the overall column."""
    if domains is None:
        domains = {}
    elif isinstance(domains, str):
        raise TypeError(f"{func}: argument 'domains' must be a list of column names or a dict column -> name, not one string.")
    if not isinstance(domains, Mapping):
        domains = {c: None for c in domains}
    out = []
    for j, (col, name) in enumerate(domains.items(), 1):
        if name is None:
            key = f"D{j}"
            name = tr.term("rob_domain", key, lang) if key in tr.TERMS["rob_domain"] else str(col)
        elif isinstance(name, Mapping):
            name = name[lang]
        out.append((col, f"D{j}", str(name)))
    if overall is not None:
        out.append((overall, tr.term("rob_domain", "overall", lang), tr.term("rob_domain", "overall", lang)))
    if not out:
        raise ValueError(f"{func}: give at least one domain column or the overall column.")
    missing = [c for c, _, _ in out if c not in data.columns]
    if missing:
        raise ValueError(f"{func}: column(s) {', '.join(map(repr, missing))} not in the data; columns: "
                         f"{', '.join(map(str, data.columns))}.")
    return out


def _judgements(func: str, data: pd.DataFrame, cols, labels) -> dict[str, list]:
    return {c: normalise_rob(func, c, data[c].tolist(), labels) for c, _, _ in cols}


def _legend(ax_or_fig, lang: str, present, **kw):
    handles = [Patch(facecolor=ROB_COLOURS[lv], edgecolor="none",
                     label=f"{ROB_SYMBOLS[lv]}  {tr.term('risk_of_bias', lv, lang)}") for lv in ROB_LEVELS if lv in present]
    return ax_or_fig.legend(handles=handles, title=WORDS[lang]["judgement"], frameon=False, fontsize=7, title_fontsize=7.5, **kw)


def rob_traffic_light(data: pd.DataFrame, ax=None, lang: str = "en", *, study: str = "study",
                      domains: Sequence[str] | Mapping | None = None, overall: str | None = "overall",
                      title: str | None = None) -> Figure:
    """Traffic-light plot: studies × domains (plus the overall judgement), as robvis ``rob_traffic_light``.

    Parameters
    ----------
    data : DataFrame
        One row per study.
    study : str
        Column with the study labels.
    domains : list of columns, or dict column -> display name ({"en": ..., "nl": ...} allowed)
        Domain judgements; listed in order as D1, D2, ... (RoB 2 names by default).
    overall : str or None
        Column with the overall judgement (drawn last, as "Overall" / "Totaaloordeel").
    ax : matplotlib Axes, optional
        Draw the grid into this Axes (labels to its left, legend to its right); its figure is returned.
    lang : {"en", "nl"}
    title : str, optional

    Judgements: ``low``, ``some_concerns``, ``high``, ``unclear`` (any case, spaces or hyphens);
    an empty cell is drawn as an empty circle. An unknown value is an error naming the study.
    """
    func = "rob_traffic_light"
    check_lang(func, lang)
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{func}: argument 'data' must be a DataFrame; got {type(data).__name__}.")
    if study not in data.columns:
        raise ValueError(f"{func}: study column {study!r} not in the data; columns: {', '.join(map(str, data.columns))}.")
    data = data.reset_index(drop=True)
    labels = data[study].astype(str).tolist()
    dup = data[study].duplicated(keep=False)
    if dup.any():
        raise ValueError(f"{func}: one row per study is needed; repeated: {', '.join(sorted(set(data.loc[dup, study].astype(str))))}.")
    cols = _domains(func, data, domains, overall, lang)
    judg = _judgements(func, data, cols, labels)
    n, m = len(labels), len(cols)
    w = WORDS[lang]
    present = {j for c in judg.values() for j in c if j}
    label_w = 1.9
    with style():
        row_h = 0.24
        has_domains = m > 1
        legend_lines = (m - 1 if has_domains else 0)
        height = 0.75 + row_h * n + 0.14 * max(legend_lines, 4) + 0.45
        col_w = max(0.42, max(text_width(head, 7, True) for _, head, _ in cols) / 72 + 0.12)
        width = min(A4_WIDTH, label_w + col_w * m + 2.2)
        top = 1 - 0.55 / height
        own = ax is None
        if own:
            fig = plt.figure(figsize=(width, height))
            grid_h = row_h * (n + 1) / height
            ax = fig.add_axes([label_w / width, top - grid_h, col_w * m / width, grid_h])
        else:
            fig = ax.figure
        ax.set_xlim(-0.5, m - 0.5)
        ax.set_ylim(n - 0.5, -1.5)
        ax.axis("off")
        for j, (_, head, _) in enumerate(cols):
            ax.text(j, -1, head, ha="center", va="center", fontsize=7, fontweight="bold")
        for j, (col, _, _) in enumerate(cols):
            for i, v in enumerate(judg[col]):
                face = ROB_COLOURS[v] if v else "white"
                ax.scatter([j], [i], s=150, color=face, edgecolors=C_EMPTY if not v else face, linewidths=0.6, zorder=3,
                           gid=f"light-{i}-{j}")
                if v:
                    ax.text(j, i, ROB_SYMBOLS[v], ha="center", va="center_baseline", fontsize=8, color="white",
                            fontweight="bold", zorder=4)
            if j == m - 1 and overall is not None and m > 1:
                ax.axvline(j - 0.5, color=C_SEPARATOR, lw=0.6)
        ax.hlines(np.arange(n) + 0.5, -0.5, m - 0.5, color=C_GRID, lw=0.5, zorder=1)
        for i, lab in enumerate(labels):
            ax.annotate(fit_text(lab, (label_w - 0.15) * 72, 7.5), xy=(-0.5, i), xycoords="data", xytext=(-6, 0),
                        textcoords="offset points", ha="right", va="center", fontsize=7.5, annotation_clip=False,
                        gid=f"study-{i}")
        ax.annotate(w["study"], xy=(-0.5, -1), xytext=(-6, 0), textcoords="offset points", ha="right", va="center",
                    fontsize=7, fontweight="bold", annotation_clip=False)
        dom_text = "\n".join(f"{head}: {name}" for _, head, name in cols[: m - (overall is not None)]) if has_domains else ""
        if not own:
            ax.set_title(title or w["t_light"], loc="left", fontsize=9, fontweight="bold")
            _legend(ax, lang, present or {"unclear"}, loc="upper left", bbox_to_anchor=(1.02, 1.0))
            if dom_text:
                ax.text(0, -0.02, dom_text, transform=ax.transAxes, fontsize=6.8, ha="left", va="top", color=C_MUTED,
                        linespacing=1.3)
            return fig
        fig.text(0.02, 1 - 0.12 / height, title or w["t_light"], fontsize=9, fontweight="bold", ha="left", va="top")
        legend_x = (label_w + col_w * m + 0.15) / width
        _legend(fig, lang, present or {"unclear"}, loc="upper left", bbox_to_anchor=(legend_x, top))
        if dom_text:
            fig.text(0.02, (0.14 * legend_lines + 0.12) / height, dom_text, fontsize=6.8, ha="left", va="top", color=C_MUTED,
                     linespacing=1.3)
    return fig


def rob_summary(data: pd.DataFrame, ax=None, lang: str = "en", *, domains: Sequence[str] | Mapping | None = None,
                overall: str | None = "overall", weights: str | None = None, weights_label: str | Mapping | None = None,
                study: str | None = None, title: str | None = None) -> Figure:
    """Summary bar chart: per domain the share of studies (or of the weight) per judgement, as robvis ``rob_summary``.

    ``weights``: a column of non-negative numbers (participants, meta-analytic weight); without it
    each study counts once. ``weights_label`` names it in the note under the chart. ``study``: a
    study column; when given, each study must appear once. ``ax``: draw the bars into this Axes
    (domain names to its left, legend to its right); its figure is returned.
    """
    func = "rob_summary"
    check_lang(func, lang)
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{func}: argument 'data' must be a DataFrame; got {type(data).__name__}.")
    data = data.reset_index(drop=True)
    labels = data[study].astype(str).tolist() if study else [f"row {i + 1}" for i in range(len(data))]
    if study and data[study].duplicated().any():
        raise ValueError(f"{func}: one row per study is needed; repeated: "
                         f"{', '.join(sorted(set(data.loc[data[study].duplicated(), study].astype(str))))}.")
    cols = _domains(func, data, domains, overall, lang)
    judg = _judgements(func, data, cols, labels)
    if weights is None:
        wts = np.ones(len(data))
    else:
        if weights not in data.columns:
            raise ValueError(f"{func}: weights column {weights!r} not in the data.")
        wts = pd.to_numeric(data[weights], errors="coerce").to_numpy(dtype=float)
        bad = [labels[i] for i in range(len(wts)) if not (wts[i] >= 0)]
        if bad:
            raise ValueError(f"{func}: weights column {weights!r} must hold a number >= 0 for every study; "
                             f"missing or negative for {', '.join(bad)}.")
    w = WORDS[lang]
    m = len(cols)
    present = set()
    with style():
        height = 0.95 + 0.32 * m + 0.35
        own = ax is None
        if own:
            fig = plt.figure(figsize=(A4_WIDTH, height))
            ax = fig.add_axes([2.6 / A4_WIDTH, 0.75 / height, 2.3 / A4_WIDTH, 0.32 * m / height])
        else:
            fig = ax.figure
        for j, (col, head, name) in enumerate(cols):
            y = m - 1 - j
            left = 0.0
            total = sum(wt for wt, v in zip(wts, judg[col]) if v)
            for lv in ROB_LEVELS:
                share = 100 * sum(wt for wt, v in zip(wts, judg[col]) if v == lv) / total if total > 0 else 0.0
                if share <= 0:
                    continue
                present.add(lv)
                ax.barh(y, share, left=left, color=ROB_COLOURS[lv], edgecolor="white", height=0.7, gid=f"bar-{j}-{lv}")
                if share >= 9:
                    ax.text(left + share / 2, y, fmt_number(share, 0, lang), ha="center", va="center", fontsize=6.5, color="white",
                            fontweight="bold")
                left += share
            full = name if head == name else f"{head}: {name}"
            ax.text(-2, y, fit_text(full, 2.5 * 72, 7.5), ha="right", va="center", fontsize=7.5,
                    fontweight="bold" if head == name else "normal")
        ax.set_xlim(0, 100)
        ax.set_ylim(-0.6, m - 0.4)
        ax.set_yticks([])
        ax.set_xticks([0, 25, 50, 75, 100])
        ax.set_xlabel(w["share_weight"] if weights else w["share_studies"], fontsize=7.5)
        for s in ("top", "right", "left"):
            ax.spines[s].set_visible(False)
        if weights:
            what = weights_label[lang] if isinstance(weights_label, Mapping) else (weights_label or weights)
            note = w["weighted"].format(what=what)
        else:
            note = w["unweighted"]
        note = note.capitalize() + f" (n = {len(data)})."
        if not own:
            _legend(ax, lang, present or {"unclear"}, loc="center left", bbox_to_anchor=(1.02, 0.5))
            ax.set_title(title or w["t_summary"], loc="left", fontsize=9, fontweight="bold")
            ax.text(0, -0.35, note, transform=ax.transAxes, fontsize=6.8, color=C_MUTED, ha="left", va="top")
            return fig
        _legend(fig, lang, present or {"unclear"}, loc="center left", bbox_to_anchor=(5.05 / A4_WIDTH, (0.75 + 0.16 * m) / height))
        fig.text(0.02, 1 - 0.12 / height, title or w["t_summary"], fontsize=9, fontweight="bold", ha="left", va="top")
        fig.text(0.02, 0.1 / height, note, fontsize=6.8, color=C_MUTED, ha="left", va="bottom")
    return fig
