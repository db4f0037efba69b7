"""Forest-style plot of published estimates (no pooling, no weights)."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import matplotlib.ticker
import matplotlib.transforms
import pandas as pd
from matplotlib.figure import Figure

from ._common import check_lang, fmt_number, ratio_ticks as _ratio_ticks, shorten as _shorten, style

__all__ = ["estimates_plot"]


def estimates_plot(
    table,
    *,
    estimate: str = "estimate",
    ci_low: str = "ci_low",
    ci_high: str = "ci_high",
    label: str = "label",
    group: str | None = None,
    ratio: bool = False,
    lang: str = "en",
    digits: int = 2,
    xlabel: str | None = None,
    title: str | None = None,
    lower_is_better: bool = True,
    headers: tuple[str, str] | None = None,
    k: str | None = None,
) -> Figure:
    """Forest-style plot of published estimates with their intervals (no pooling, no weights).

    Used to put reviews' pooled results side by side. Rows without an interval are drawn as a
    hollow marker; rows without an estimate are listed with "not reported". ``group`` starts a
    new titled block for each value (for example one block per outcome). Ratio measures are drawn
    on a log axis. ``headers`` = (label column header, estimate column header) draws a header
    row with a rule; ``k`` names a column with the number of studies of each row, shown as
    "k = n" after the label (nothing when empty).
    """
    t = check_lang("estimates_plot", lang)
    rows = []  # (y, kind, text, est, lo, hi)
    y = 0.0
    if headers is not None:
        y -= 1
        rows.append((y, "header", "", None, None, None))
    groups = [(None, table)] if group is None else list(table.groupby(group, sort=False))
    for gname, sub in groups:
        if gname is not None:
            y -= 1
            rows.append((y, "head", str(gname), None, None, None))
        for _, r in sub.iterrows():
            y -= 1
            text = str(r[label])
            if k is not None and r[k] == r[k] and r[k] is not None and r[k] is not pd.NA:
                text += f" (k = {int(r[k])})"
            rows.append((y, "row", text, r[estimate], r[ci_low], r[ci_high]))
        y -= 0.4
    n = len(rows)
    sep = "; " if lang == "nl" else ", "
    with style():
        fig = plt.figure(figsize=(7.4, 0.9 + 0.24 * n))
        gs = fig.add_gridspec(1, 3, width_ratios=[3.0, 2.6, 1.6], wspace=0.02)
        ax_l, ax, ax_r = fig.add_subplot(gs[0]), fig.add_subplot(gs[1]), fig.add_subplot(gs[2])
        for yy, kind, text, est, lo, hi in rows:
            if kind == "header":
                ax_l.text(0.02, yy, headers[0], va="center", ha="left", fontweight="bold", gid="header-label")
                ax_r.text(1.0, yy, headers[1], va="center", ha="right", fontweight="bold", gid="header-estimate")
                for a in (ax_l, ax, ax_r):
                    a.axhline(yy - 0.5, color="0.3", lw=0.6, clip_on=False, gid="header-rule")
                continue
            if kind == "head":
                ax_l.text(0, yy, text, va="center", ha="left", fontweight="bold")
                continue
            ax_l.text(0.02, yy, _shorten(text, 52), va="center", ha="left")
            if est is None or (isinstance(est, float) and math.isnan(est)):
                ax_r.text(1.0, yy, "NA", va="center", ha="right", color="0.4")
                continue
            has_ci = lo is not None and hi is not None and not (math.isnan(lo) or math.isnan(hi))
            if has_ci:
                ax.hlines(yy, lo, hi, color="0.15", lw=0.9)
                ax.plot(est, yy, marker="D", ms=5, color="#2b5c8a")
                txt = f"{fmt_number(est, digits, lang)} [{fmt_number(lo, digits, lang)}{sep}{fmt_number(hi, digits, lang)}]"
            else:
                ax.plot(est, yy, marker="D", ms=5, mfc="white", mec="#2b5c8a")
                txt = fmt_number(est, digits, lang)
            ax_r.text(1.0, yy, txt, va="center", ha="right")
        lo_y, hi_y = y - 0.3, 0.3
        for a in (ax_l, ax, ax_r):
            a.set_ylim(lo_y, hi_y)
        for a in (ax_l, ax_r):
            a.axis("off")
            a.set_xlim(0, 1)
        null = 1.0 if ratio else 0.0
        top = rows[0][0] - 0.5 if headers is not None else hi_y  # the line of no effect stops at the header rule
        ax.vlines(null, lo_y, top, color="0.3", lw=0.8, gid="null-line")
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.patch.set_alpha(0.0)
        if ratio:
            ax.set_xscale("log")
            _ratio_ticks(ax, lang)
        else:
            ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: fmt_number(v, 1, lang)))
        if xlabel:
            ax.set_xlabel(xlabel)
        left, right = ("favours_left", "favours_right") if lower_is_better else ("favours_right", "favours_left")
        below = matplotlib.transforms.blended_transform_factory(ax.transData, ax.transAxes)
        ax.annotate("\u2190 " + t[left], xy=(null, 0), xycoords=below, xytext=(-5, -22), textcoords="offset points",
                    ha="right", va="top", fontsize=7, color="0.3")
        ax.annotate(t[right] + " \u2192", xy=(null, 0), xycoords=below, xytext=(5, -22), textcoords="offset points",
                    ha="left", va="top", fontsize=7, color="0.3")
        ax.xaxis.labelpad = 16
        if title:
            fig.suptitle(title, x=0.02, ha="left", fontweight="bold")
    return fig
