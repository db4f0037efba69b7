"""The one table-plus-panel layout of every forest-style figure.

A figure is a list of :class:`Row` (top to bottom) and a list of :class:`Col` (text columns left
and right of an interval panel). :func:`draw_table` measures every text in the house font, sizes the
columns and the panel so the figure fits an A4 page, and draws: the header (with group headers
spanning their columns, as "Intervention: Events / Total"), the label column (labels shortened with
an ellipsis only when they cannot fit), the text cells, risk-of-bias lights, and in the panel the
study markers (area proportional to the weight) with their whiskers, diamonds for pooled estimates,
bars for prediction intervals, the line of no effect and a dashed line at the pooled estimate.

Rules every figure obeys because this module draws it:

- the axis holds every interval; arrows appear only beyond a stated limit (``xlim``, or the ends
  0.001 and 1000 of the ratio ladder);
- vertical lines skip text rows, so no line crosses a heterogeneity line or a note;
- the "favours" labels stay inside the figure (moved inwards when the line of no effect is near an edge);
- every text carries a ``gid`` (``"<row gid>-<column key>"``, ``"header-<key>"``), every marker group too.

:func:`koppmeta.plotting.forest_plot`, the subgroup forest, :func:`cumulative_plot`,
:func:`leave_one_out_plot`, :func:`estimates_plot`, :func:`method_comparison_plot` and
:func:`bayesian_forest_plot` only describe their rows and columns.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import matplotlib.ticker
import matplotlib.transforms as mtransforms
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon

from ._common import (
    A4_HEIGHT,
    A4_WIDTH,
    check_lang,
    fit_text,
    number_formatter,
    ratio_limits,
    ratio_ticks,
    style,
    text_width,
)
from .palette import (
    C_BAND,
    C_LINE,
    C_MUTED,
    C_NULL,
    C_POOLED,
    C_RULE,
    C_STUDY,
    ROB_COLOURS,
    ROB_SYMBOLS,
)

__all__ = ["Row", "Col", "draw_table", "wrap"]

#: row kinds: what the panel draws for each
PANEL_KINDS = ("study", "pooled", "pi")
#: kinds whose label and cells are bold
BOLD_KINDS = ("group", "pooled")
GAP = 10.0  # points between columns
SLACK = 1.03  # rendered text (hinted glyphs) runs up to 3% wider than its outline; columns leave that room


def _tw(s: str, size: float, bold: bool = False) -> float:
    return text_width(s, size, bold) * SLACK


@dataclass
class Row:
    """One row of the table. Values ``est``, ``lo``, ``hi`` are on the display scale (ratios, not logs).

    kind: ``study`` (marker and whiskers), ``pooled`` (diamond), ``pi`` (bar), ``group`` (bold heading),
    ``text`` (small muted line spanning the table; vertical lines skip it), ``empty`` (muted, nothing
    drawn), ``blank``.
    """

    kind: str
    label: str = ""
    est: float = math.nan
    lo: float = math.nan
    hi: float = math.nan
    cells: dict = field(default_factory=dict)  # column key -> text (lights: judgement)
    gid: str = ""
    idx: int = -1  # study index in input order (orders the markers of a group)
    indent: float = 0.0
    bold: bool | None = None
    colour: str | None = None  # marker / diamond colour; text colour of muted rows
    muted: bool = False
    weight: float = math.nan  # relative weight in (0, 1]: marker area; nan: fixed size
    marker: str = "s"
    size: float = 4.2  # marker side in points when no weight
    hollow: bool = False
    mark_gid: str = ""  # markers (or the diamond, bar) sharing a gid are one artist
    line_gid: str = ""
    arrow_gid: str = ""
    suffix: str = ""  # kept whole after the label when the label must be shortened (", k = 13")
    short: tuple = ()  # shorter labels, tried in order where ``label`` does not fit, before anything is cut


@dataclass
class Col:
    """A text column: ``side`` "left" (between the labels and the panel) or "right" (after the panel).

    ``kind`` "lights" draws risk-of-bias circles from judgements (low, some_concerns, high, unclear).
    ``group`` is a header spanning consecutive columns with the same group.
    """

    key: str
    header: str
    side: str = "right"
    align: str = "right"
    group: str | None = None
    head_gid: str | None = None
    kind: str = "text"
    pooled_bold: bool = True


def wrap(text: str, width_pts: float, size: float, bold: bool = False) -> str:
    """``text`` broken into lines at most ``width_pts`` wide in the house font."""
    words, lines, cur = text.split(), [], ""
    for w in words:
        trial = f"{cur} {w}".strip()
        if text_width(trial, size, bold) <= width_pts or not cur:
            cur = trial
        else:
            lines.append(cur)
            cur = w
    if cur:
        lines.append(cur)
    return "\n".join(lines)


def _bold(r: Row) -> bool:
    return r.kind in BOLD_KINDS if r.bold is None else r.bold


def _finite(*xs) -> bool:
    return all(x is not None and isinstance(x, (int, float, np.floating, np.integer)) and math.isfinite(x) for x in xs)


def draw_table(
    rows: Sequence[Row],
    cols: Sequence[Col],
    *,
    lang: str,
    ratio: bool,
    xlabel: str,
    label_header: str,
    title: str | None = None,
    note: str | None = None,
    xlim: tuple[float, float] | None = None,
    lower_is_better: bool = True,
    favours: tuple[str, str] | None = None,
    width: float | None = None,
    ax=None,
    ref: float | None = None,
    band: tuple[float, float] | None = None,
    func: str = "forest_plot",
    null: float | None = None,
) -> Figure:
    """Lay out and draw ``rows`` with the text columns ``cols``; returns the figure.

    ``ref`` draws a dashed line at that value (the pooled estimate); ``band`` shades an interval
    behind the panel; ``xlim`` states the axis limits (intervals beyond them end in arrows).
    """
    t = check_lang(func, lang)
    rows = list(rows)
    n_head = 2 if any(c.group for c in cols) else 1
    n = n_head + len(rows)
    left_cols = [c for c in cols if c.side == "left"]
    right_cols = [c for c in cols if c.side == "right"]

    # ---- sizes (points) ----------------------------------------------------
    row_h = float(np.clip((A4_HEIGHT * 72 - 90) / n, 9.0, 13.5))
    fs0 = float(np.clip(row_h * 0.57, 5.5, 8.0))
    fig_w = (width or A4_WIDTH) * 72
    min_plot = 1.5 * 72

    def col_width(c: Col, fs: float) -> float:
        if c.kind == "lights":
            return max(row_h * 0.95, _tw(c.header, fs - 0.8, True) + 2)
        return max([_tw(c.header, fs, True)]
                   + [_tw(str(r.cells.get(c.key, "")), fs, _bold(r) and c.pooled_bold) for r in rows])

    def group_widths(cs: list[Col], widths: list[float], fs: float) -> None:
        """Widen the columns of a group so its header fits over them."""
        j = 0
        while j < len(cs):
            g = cs[j].group
            m = j
            while m < len(cs) and cs[m].group == g:
                m += 1
            if g:
                have = sum(widths[j:m]) + GAP * (m - j - 1)
                need = _tw(g, fs, True)
                if need > have:
                    for q in range(j, m):
                        widths[q] += (need - have) / (m - j)
            j = m

    def free(r: Row, widths: list[float]) -> float:
        """Room of the left columns that are empty in row ``r``, from the label column on."""
        room = 0.0
        for c, w in zip(left_cols, widths):
            if r.cells.get(c.key) not in (None, ""):
                break
            room += w + GAP
        return room

    def measure(fs: float) -> dict:
        lw = [col_width(c, fs) for c in left_cols]
        rw = [col_width(c, fs) for c in right_cols]
        group_widths(left_cols, lw, fs)
        group_widths(right_cols, rw, fs)
        label_w = max([_tw(label_header, fs, True)]
                      + [_tw(r.label + r.suffix, fs, _bold(r)) + r.indent for r in rows if r.kind == "study"] + [0.0])
        extra_w = sum(w + GAP for w in lw)
        # pooled and heading rows may run into the left columns as far as those are empty in the row
        spanning = [_tw(r.label + r.suffix, fs, _bold(r)) + r.indent - free(r, lw) for r in rows
                    if r.kind in ("group", "pooled", "pi", "empty")]
        label_w = max([label_w] + spanning)
        right_w = sum(GAP + w + (2 if c.kind == "lights" else 0) for c, w in zip(right_cols, rw)) + 4
        return dict(fs=fs, lw=lw, rw=rw, label_w=label_w, extra_w=extra_w, right_w=right_w,
                    room=fig_w - right_w - extra_w - GAP - min_plot - 8)

    m = measure(fs0)
    while ax is None and m["room"] < m["label_w"] and m["fs"] > 7.0:  # smaller type before shortening labels
        m = measure(m["fs"] - 0.5)
    fs, lw, rw, label_w, extra_w, right_w = m["fs"], m["lw"], m["rw"], m["label_w"], m["extra_w"], m["right_w"]
    fs_small = fs - 0.8
    note_size = fs - 1.0

    with style():
        if ax is None:
            label_col = min(label_w, max(m["room"], 80.0))
            left_w = label_col + GAP + extra_w
            plot_w = fig_w - left_w - right_w - 8
            if plot_w < min_plot:
                plot_w = min_plot
                fig_w = left_w + plot_w + right_w + 8
            if note:
                note = wrap(note, fig_w - 12, note_size)
            if title:  # a title wider than the figure breaks into lines
                title = wrap(title, fig_w - 8, fs + 1.5, bold=True)
            top = 24.0 + title.count("\n") * (fs + 1.5) * 1.25 if title else 6.0
            bottom = 56.0 + (note.count("\n") + 1) * note_size * 1.25 + 4 if note else 56.0
            fig_h = top + n * row_h + bottom
            fig = plt.figure(figsize=(fig_w / 72, fig_h / 72))
            ax = fig.add_axes([(left_w + 4) / fig_w, bottom / fig_h, plot_w / fig_w, n * row_h / fig_h])
            if title:
                fig.text(4 / fig_w, 1 - 4 / fig_h, title, ha="left", va="top", fontweight="bold", fontsize=fs + 1.5,
                         gid="title")
            if note:
                fig.text(4 / fig_w, 4 / fig_h, note, ha="left", va="bottom", fontsize=note_size, color=C_MUTED, gid="note")
        else:
            fig = ax.figure
            pos = ax.get_position()
            plot_w = pos.width * fig.get_figwidth() * 72
            row_h = pos.height * fig.get_figheight() * 72 / n
            label_col = min(label_w, 200.0)
            left_w = label_col + GAP + extra_w
            if title:
                ax.set_title(title, loc="left", fontweight="bold")
            if note:
                ax.text(0, -0.25, wrap(note, plot_w + left_w, note_size), transform=ax.transAxes, fontsize=note_size,
                        color=C_MUTED, ha="left", va="top", gid="note")

        base = mtransforms.blended_transform_factory(ax.transAxes, ax.transData)

        def at(dx: float):
            return mtransforms.offset_copy(base, fig=fig, x=dx, y=0, units="points")

        def put(anchor: float, dx: float, y: float, s: str, ha: str, gid: str = "", bold: bool = False,
                size: float = fs, color: str = "black"):
            if not s:
                return None
            return ax.text(anchor, y, s, transform=at(dx), ha=ha, va="center", fontsize=size, clip_on=False,
                           fontweight="bold" if bold else "normal", color=color, gid=gid or None, parse_math=False)

        # x of each column (anchor 0: from the panel's left edge, leftwards negative; anchor 1: from its right edge)
        x_label = -left_w
        pos_left, xc = [], x_label + label_col + GAP
        for w in lw:
            pos_left.append((xc, w))
            xc += w + GAP
        pos_right, xr = [], 0.0
        for c, w in zip(right_cols, rw):
            xr += GAP
            pos_right.append((xr, w))
            xr += w + (2 if c.kind == "lights" else 0)

        def cell_x(c: Col, x0: float, w: float) -> tuple[float, str]:
            return {"left": (x0, "left"), "center": (x0 + w / 2, "center"), "right": (x0 + w, "right")}[c.align]

        ys = -np.arange(n, dtype=float)
        y_head = ys[n_head - 1]
        # ---- header ----
        put(0, x_label, y_head, label_header, "left", "header-study", bold=True)
        for cs, ps, anchor in ((left_cols, pos_left, 0), (right_cols, pos_right, 1)):
            for j, (c, (x0, w)) in enumerate(zip(cs, ps)):
                size = fs_small if c.kind == "lights" else fs
                x, ha = cell_x(c, x0, w) if c.kind != "lights" else (x0 + w / 2, "center")
                put(anchor, x, y_head, c.header, ha, c.head_gid or f"header-{c.key}", bold=True, size=size)
                if c.group and (j == 0 or cs[j - 1].group != c.group):  # group header over its columns, with a rule
                    last = j
                    while last + 1 < len(cs) and cs[last + 1].group == c.group:
                        last += 1
                    b = ps[last][0] + ps[last][1]
                    put(anchor, (x0 + b) / 2, ys[0], c.group, "center", f"header-group-{c.group}", bold=True)
                    _rule(ax, fig, anchor, x0, b, ys[0] - 0.45)

        # ---- body ----
        body = list(zip(rows, ys[n_head:]))
        for r, y in body:
            bold = _bold(r)
            colour = C_MUTED if (r.muted or r.kind == "empty") else "black"
            if r.kind == "blank":
                continue
            if r.kind == "text":
                put(0, x_label + r.indent, y, r.label, "left", r.gid, size=fs_small, color=C_MUTED)
                continue
            room = label_col + (0.0 if r.kind == "study" else free(r, lw))  # pooled rows span empty left columns
            space = (room - r.indent) / SLACK - text_width(r.suffix, fs, bold)
            text = next((x for x in (r.label, *r.short) if text_width(x, fs, bold) <= space),
                        r.short[-1] if r.short else r.label)
            label = fit_text(text, space, fs, bold) + r.suffix
            put(0, x_label + r.indent, y, label, "left", f"{r.gid}-label" if r.gid else "", bold=bold, color=colour)
            for cs, ps, anchor in ((left_cols, pos_left, 0), (right_cols, pos_right, 1)):
                for c, (x0, w) in zip(cs, ps):
                    v = r.cells.get(c.key)
                    if v is None or v == "":
                        continue
                    if c.kind == "lights":
                        if v not in ROB_COLOURS:
                            continue
                        ax.scatter([anchor], [y], s=(row_h * 0.78) ** 2, marker="o", color=ROB_COLOURS[v], linewidths=0,
                                   transform=at(x0 + w / 2), clip_on=False, zorder=5, gid=f"rob-{r.idx}-{c.key.removeprefix('rob-')}-{v}")
                        sym = put(anchor, x0 + w / 2, y, ROB_SYMBOLS[v], "center", "", bold=True, size=fs_small,
                                  color="white")
                        sym.set_zorder(6)
                        continue
                    x, ha = cell_x(c, x0, w)
                    put(anchor, x, y, str(v), ha, f"{r.gid}-{c.key}", bold=bold and c.pooled_bold, color=colour)
        # header rule across the table
        span = (left_w + plot_w + right_w) / plot_w
        ax.add_line(Line2D([0, span], [y_head - 0.5] * 2, transform=at(-left_w), color=C_RULE, lw=0.6, clip_on=False,
                           gid="header-rule"))

        # ---- panel: limits ----
        if ratio:
            ax.set_xscale("log")
        vals = [v for r, _ in body if r.kind in PANEL_KINDS for v in (r.lo, r.hi, r.est) if _finite(v)]
        vals += list(band) if band is not None else []
        if ratio:
            vals = [v for v in vals if v > 0]
        if not vals:
            vals = [1.0] if ratio else [0.0]
        if xlim is None:
            if ratio:
                lo, hi = ratio_limits(min(vals), max(vals))
            else:
                lo, hi = min(min(vals), 0.0), max(max(vals), 0.0)
                pad = 0.04 * (hi - lo) if hi > lo else 1.0
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

        # ---- panel: marks ----
        clip = lambda v: float(np.clip(v, lo, hi))  # noqa: E731
        if band is not None:
            ax.fill_betweenx([ys[-1] - 0.5, y_head - 0.5], band[0], band[1], color=C_BAND, alpha=0.5, lw=0, zorder=0,
                             gid="full-band")
        markers: dict[str, list[tuple[Row, float]]] = {}
        whiskers: dict[str, list[tuple[Row, float]]] = {}
        for r, y in body:
            if r.kind == "study" and _finite(r.est):
                if _finite(r.lo, r.hi):
                    whiskers.setdefault(r.line_gid or f"ci-{r.gid}", []).append((r, y))
                markers.setdefault(r.mark_gid or f"point-{r.gid}", []).append((r, y))
            elif r.kind == "pooled" and _finite(r.est, r.lo, r.hi):
                xs = [clip(r.lo), clip(r.est), clip(r.hi), clip(r.est)]
                c = r.colour or C_POOLED
                ax.add_patch(Polygon([[xs[0], y], [xs[1], y + 0.36], [xs[2], y], [xs[3], y - 0.36]], closed=True,
                                     facecolor=c, edgecolor=c, lw=0.5, zorder=4, gid=r.mark_gid or f"diamond-{r.gid}"))
            elif r.kind == "pi" and _finite(r.lo, r.hi):
                c = r.colour or C_POOLED
                ax.hlines(y, clip(r.lo), clip(r.hi), color=c, lw=2.4, zorder=3, gid=r.mark_gid or f"pi-{r.gid}")
                for x in (r.lo, r.hi):
                    if lo <= x <= hi:
                        ax.vlines(x, y - 0.22, y + 0.22, color=c, lw=1.0, zorder=3)
        for gid, items in whiskers.items():
            ax.hlines([y for _, y in items], [clip(r.lo) for r, _ in items], [clip(r.hi) for r, _ in items],
                      color=(items[0][0].colour or C_LINE) if items[0][0].muted else C_LINE,
                      lw=0.8, zorder=2, gid=gid)
            for r, y in items:
                for x, edge, mk in ((r.lo, lo, "<"), (r.hi, hi, ">")):
                    if (x < edge) if mk == "<" else (x > edge):
                        ax.plot([edge], [y], marker=mk, ms=3.5, color=C_LINE, clip_on=False, zorder=3,
                                gid=r.arrow_gid or f"arrow-{r.gid}")
        for gid, items in markers.items():
            items = sorted(items, key=lambda ry: ry[0].idx)
            items = [(r, y) for r, y in items if lo <= r.est <= hi]
            if not items:
                continue
            sides = [max(math.sqrt(r.weight) * 0.8 * row_h, 2.5) if _finite(r.weight) else r.size for r, _ in items]
            r0 = items[0][0]
            face = "white" if r0.hollow else (r0.colour or C_STUDY)
            ax.scatter([r.est for r, _ in items], [y for _, y in items], s=np.square(sides), marker=r0.marker,
                       facecolors=face, edgecolors=r0.colour or C_STUDY, linewidths=0.8 if r0.hollow else 0, zorder=3,
                       gid=gid)

        # ---- lines: no effect, pooled estimate; they skip text rows ----
        spans, start = [], None
        for j, (r, y) in enumerate(body):
            if r.kind == "text":
                if start is not None:
                    spans.append((start, body[j - 1][1]))
                start = None
            elif start is None:
                start = y
        if start is not None:
            spans.append((start, body[-1][1]))
        last_mark = max([j for j, (r, _) in enumerate(body) if r.kind in PANEL_KINDS] + [0])
        y_end = body[last_mark][1] if body else ys[-1]
        spans = [(a, max(b, y_end)) for a, b in spans if a >= y_end]
        tops = [min(a + 0.5, y_head - 0.5) for a, _ in spans]
        bottoms = [b - 0.5 for _, b in spans]
        null = (1.0 if ratio else 0.0) if null is None else null
        if lo <= null <= hi and spans:
            ax.vlines([null] * len(spans), bottoms, tops, color=C_NULL, lw=0.8, zorder=1, gid="null-line")
        if ref is not None and lo < ref < hi and spans:
            ax.vlines([ref] * len(spans), bottoms, tops, color=C_POOLED, lw=0.6, ls=(0, (3, 3)), zorder=1, gid="pooled-line")

        # ---- axis label and "favours" labels, kept inside the figure ----
        ax.set_xlabel(xlabel)
        ax.xaxis.labelpad = 14
        ax.tick_params(axis="x", labelsize=fs)
        ax.xaxis.label.set_size(fs)
        if lo <= null <= hi:
            left_key, right_key = ("favours_left", "favours_right") if lower_is_better else ("favours_right", "favours_left")
            left_txt, right_txt = favours if favours is not None else (t[left_key], t[right_key])
            _favours(ax, fig, null, "\u2190 " + left_txt, right_txt + " \u2192", fs_small)
    return fig


def _rule(ax, fig, anchor: float, a: float, b: float, y: float) -> None:
    """A thin rule from ``a`` to ``b`` points (offsets from the panel edge ``anchor``) at row ``y``."""
    base = mtransforms.blended_transform_factory(ax.transAxes, ax.transData)
    width = (b - a) / (ax.get_position().width * fig.get_figwidth() * 72)
    ax.add_line(Line2D([anchor, anchor + width], [y, y], color=C_RULE, lw=0.4, clip_on=False,
                       transform=mtransforms.offset_copy(base, fig=fig, x=a, y=0, units="points")))


def _favours(ax, fig, null: float, left: str, right: str, size: float) -> None:
    """The two "favours" labels under the axis beside the line of no effect, moved inwards so that
    neither comes closer than 6 points to the figure's edge."""
    fig_w = fig.get_figwidth() * 72
    pos = ax.get_position()
    x0 = pos.x0 * fig_w
    plot_w = pos.width * fig_w
    lo, hi = ax.get_xlim()
    if ax.get_xscale() == "log":
        frac = (math.log(null) - math.log(lo)) / (math.log(hi) - math.log(lo))
    else:
        frac = (null - lo) / (hi - lo)
    x_null = x0 + frac * plot_w  # points from the figure's left edge
    margin = 6.0
    if text_width(left, size) + text_width(right, size) + 8 > fig_w - 2 * margin:
        left, right = _two_lines(left), _two_lines(right)
        ax.xaxis.labelpad += size * 1.25  # the axis label moves down by the second line
    wl, wr = text_width(left, size) * SLACK, text_width(right, size) * SLACK
    shift = 0.0  # both labels move together, so they never overlap each other
    if x_null + 4.0 + wr > fig_w - margin:
        shift = (fig_w - margin) - (x_null + 4.0 + wr)
    if x_null - 4.0 - wl + shift < margin:
        shift = margin - (x_null - 4.0 - wl)
    dx_l, dx_r = -4.0 + shift, 4.0 + shift
    below = mtransforms.blended_transform_factory(ax.transData, ax.transAxes)
    ax.annotate(left, xy=(null, 0), xycoords=below, xytext=(dx_l, -19), textcoords="offset points", ha="right",
                va="top", fontsize=size, color=C_MUTED, gid="favours-left", multialignment="right")
    ax.annotate(right, xy=(null, 0), xycoords=below, xytext=(dx_r, -19), textcoords="offset points", ha="left",
                va="top", fontsize=size, color=C_MUTED, gid="favours-right")


def _two_lines(s: str) -> str:
    """``s`` broken at the space nearest its middle."""
    spaces = [i for i, ch in enumerate(s) if ch == " "]
    if not spaces:
        return s
    i = min(spaces, key=lambda j: abs(j - len(s) / 2))
    return s[:i] + "\n" + s[i + 1:]
