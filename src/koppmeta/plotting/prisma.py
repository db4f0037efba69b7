"""PRISMA 2020 flow diagram (Page et al. 2021, BMJ 372:n71, figure 1), in English or Dutch.

:func:`prisma_flow` draws the flow from a small table of counts: identification (databases and
other sources), screening, retrieval and eligibility (with exclusions and their reasons) and
inclusion. A count that is not known is printed as "unknown" / "onbekend", never guessed, and a
note under the diagram can say how the counts were obtained.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from .. import translations as tr
from ._common import A4_WIDTH, check_lang, style
from .palette import C_BOX, C_BOX_END, C_BOX_HEAD, C_RULE

__all__ = ["prisma_flow", "BOXES"]

BOXES = ("identified_databases", "identified_other", "records_screened", "records_excluded", "reports_sought",
         "reports_not_retrieved", "reports_assessed", "reviews_included", "studies_included", "reports_included",
         "studies_in_synthesis")

WORDS = tr.PRISMA_PLOT_TEXT


def _counts(func: str, counts) -> dict[str, float]:
    if isinstance(counts, pd.DataFrame):
        missing = {"box", "count"} - set(counts.columns)
        if missing:
            raise ValueError(f"{func}: the counts table needs columns 'box' and 'count'; missing {sorted(missing)}.")
        counts = dict(zip(counts["box"], counts["count"]))
    if not isinstance(counts, Mapping):
        raise TypeError(f"{func}: argument 'counts' must be a DataFrame (box, count) or a dict; got {type(counts).__name__}.")
    out = {}
    for box, v in counts.items():
        if box not in BOXES and not str(box).startswith("excluded_"):
            raise ValueError(f"{func}: unknown box {box!r}; known boxes: {', '.join(BOXES)}, and excluded_<reason>.")
        v = float("nan") if v is None or (isinstance(v, str) and not v.strip()) else float(v)
        if v == v and (v < 0 or not float(v).is_integer()):
            raise ValueError(f"{func}: box {box!r}: count {v!r} must be a whole number >= 0 (or empty when unknown).")
        out[box] = v
    return out


def prisma_flow(counts, ax=None, lang: str = "en", *, title: str | None = None, note: str | None = None,
                reasons: Mapping[str, str] | None = None) -> Figure:
    """PRISMA 2020 flow diagram.

    Parameters
    ----------
    counts : DataFrame with columns ``box, count`` or dict box -> count
        Boxes: ``identified_databases, identified_other, records_screened, records_excluded,
        reports_sought, reports_not_retrieved, reports_assessed, reviews_included,
        studies_included, reports_included, studies_in_synthesis``, and any number of
        ``excluded_<reason>`` boxes (the reasons for exclusion). Empty / NaN = unknown.
    ax : matplotlib Axes, optional
        Draw the diagram into this Axes (its data limits are set to the diagram's size in inches).
    lang : {"en", "nl"}
    title, note : str, optional
        The title and a note under the diagram (for example how the counts were obtained).
    reasons : dict, optional
        Display text of ``excluded_<reason>`` boxes that are not among the built-in reasons.
    """
    func = "prisma_flow"
    check_lang(func, lang)
    c = _counts(func, counts)
    w = WORDS[lang]

    def n(box):
        v = c.get(box, math.nan)
        return w["unknown"] if v != v else tr.integer(v, lang)

    def txt(box, width=34):
        return textwrap.fill(w[box], width) + f"\n(n = {n(box)})"

    reasons = dict(reasons or {})
    excl = [b for b in c if b.startswith("excluded_")]
    excl_lines = [w["excluded"]] + [f"• {reasons.get(b, w.get(b, b))} (n = {n(b)})" for b in excl]
    with style():
        H = 6.85 + (0.45 if note else 0)
        if ax is None:
            fig = plt.figure(figsize=(A4_WIDTH, H))
            ax = fig.add_axes([0, 0, 1, 1])
        else:
            fig = ax.figure
        ax.set_xlim(0, A4_WIDTH)
        ax.set_ylim(0, H)
        ax.axis("off")

        def box(x, y, wdt, hgt, s, gid, fc=C_BOX, bold=False, size=7.2):
            ax.add_patch(FancyBboxPatch((x, y), wdt, hgt, boxstyle="round,pad=0,rounding_size=0.05", fc=fc, ec=C_RULE, lw=0.8, gid=gid))
            ax.text(x + wdt / 2, y + hgt / 2, s, ha="center", va="center", fontsize=size, fontweight="bold" if bold else "normal",
                    linespacing=1.25, gid=f"{gid}-text")

        def arrow(x0, y0, x1, y1):
            ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=8, lw=0.8, color=C_RULE))

        top = H - 0.55
        ax.text(0.1, H - 0.15, title or w["title"], fontsize=9.5, fontweight="bold", ha="left", va="top")
        # phase bands on the left
        bands = [(w["identification"], top - 1.0, 1.0), (w["screening"], top - 3.85, 2.75), (w["included"], top - 6.15, 2.1)]
        for label, y, hgt in bands:
            ax.add_patch(FancyBboxPatch((0.08, y), 0.3, hgt, boxstyle="round,pad=0,rounding_size=0.05", fc=C_BOX_HEAD, ec="none"))
            ax.text(0.23, y + hgt / 2, label, rotation=90, ha="center", va="center", fontsize=7.5, fontweight="bold")
        lx, bw = 0.55, 2.7   # left column (main flow)
        rx, rw = 3.5, 2.7    # right column (exclusions)
        y_id = top - 1.0
        box(lx, y_id, 2.6, 0.95, txt("identified_databases", 30), "identified_databases")
        box(rx, y_id, rw, 0.95, txt("identified_other", 34), "identified_other")
        y_scr = top - 1.95
        box(lx, y_scr, bw, 0.6, txt("records_screened"), "records_screened")
        box(rx, y_scr, rw, 0.6, txt("records_excluded"), "records_excluded")
        arrow(lx + 1.3, y_id, lx + 1.3, y_scr + 0.6)
        arrow(rx + rw / 2, y_id, lx + bw - 0.3, y_scr + 0.6)
        arrow(lx + bw, y_scr + 0.3, rx, y_scr + 0.3)
        y_sought = top - 2.85
        box(lx, y_sought, bw, 0.6, txt("reports_sought"), "reports_sought")
        box(rx, y_sought, rw, 0.6, txt("reports_not_retrieved"), "reports_not_retrieved")
        arrow(lx + bw / 2, y_scr, lx + bw / 2, y_sought + 0.6)
        arrow(lx + bw, y_sought + 0.3, rx, y_sought + 0.3)
        y_ass = top - 3.75
        box(lx, y_ass, bw, 0.6, txt("reports_assessed"), "reports_assessed")
        arrow(lx + bw / 2, y_sought, lx + bw / 2, y_ass + 0.6)
        y_inc = top - 5.0
        box(lx, y_inc, bw, 0.95, textwrap.fill(w["studies_included"], 34) + f" (n = {n('studies_included')})\n"
            + textwrap.fill(w["reports_included"], 34) + f" (n = {n('reports_included')})\n"
            + textwrap.fill(w["reviews_included"], 34) + f" (n = {n('reviews_included')})", "studies_included")
        arrow(lx + bw / 2, y_ass, lx + bw / 2, y_inc + 0.95)
        ex_text = "\n".join(textwrap.fill(s, 44, subsequent_indent="   ") for s in excl_lines)
        hgt = 0.3 + 0.14 * ex_text.count("\n") + 0.14
        y_syn = top - 6.1
        ax.add_patch(FancyBboxPatch((rx, y_syn + 0.35 - hgt / 2), rw, hgt, boxstyle="round,pad=0,rounding_size=0.05", fc=C_BOX,
                                    ec=C_RULE, lw=0.8, gid="excluded"))
        ax.text(rx + 0.1, y_syn + 0.35, ex_text, ha="left", va="center", fontsize=6.8, linespacing=1.25, gid="excluded-text")
        box(lx, y_syn, bw, 0.7, txt("studies_in_synthesis"), "studies_in_synthesis", fc=C_BOX_END)
        arrow(lx + bw / 2, y_inc, lx + bw / 2, y_syn + 0.7)
        arrow(lx + bw, y_syn + 0.35, rx, y_syn + 0.35)
        if note:
            ax.text(0.1, 0.1, textwrap.fill(note, 125), fontsize=6.5, color=C_RULE, ha="left", va="bottom", linespacing=1.3)
    return fig
