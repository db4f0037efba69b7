"""Shared pieces of every figure: the style file, the words in English and Dutch, number
formatting (decimal comma in Dutch), ratio-axis ticks, text measurement and deterministic saving."""

from __future__ import annotations

from .. import formatting as _fmt
from .. import translations as _tr

import math
from collections.abc import Sequence
from contextlib import contextmanager
from functools import lru_cache
from importlib import resources
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path

from .._validation import check_choice
from .palette import ROB_COLOURS, ROB_LEVELS, ROB_SYMBOLS  # noqa: F401 - re-exported (koppmeta.project.explore uses them)

STYLE = str(resources.files("koppmeta.plotting").joinpath("koppmeta.mplstyle"))
LANGS = ("en", "nl")

# A4 page: text width 6.3 in (16 cm), one column 3.1 in, text height 9.4 in.
A4_WIDTH = 6.3
A4_COLUMN = 3.1
A4_HEIGHT = 9.4

TEXT = _tr.PLOT_TEXT  # the words of every figure, in the translation table
MEASURE_LABEL = _tr.PLOT_MEASURE_LABEL

from ..results import RATIO_MEASURES  # noqa: E402 - one definition, in results


@contextmanager
def style():
    """Context manager applying the koppmeta style file."""
    with plt.style.context(STYLE):
        yield


def fmt_number(x: float, digits: int = 2, lang: str = "en") -> str:
    """Format a number for a figure: :func:`koppmeta.formatting.number` with ``NA`` for a missing value."""
    return _fmt.number(x, digits, lang, missing="NA")


def fmt_p(p: float, lang: str) -> str:
    """``"< 0.001"`` or ``"= 0.123"`` (decimal comma in Dutch)."""
    return _fmt.pvalue(p, 3, lang, style="equals")


def fmt_bracket(lo: float, hi: float, digits: int, lang: str) -> str:
    """``"[0.34, 0.70]"``; Dutch ``"[0,34; 0,70]"`` (a prediction interval without its estimate)."""
    return _fmt.interval(lo, hi, digits, lang, missing="NA")


def fmt_interval(est: float, lo: float, hi: float, digits: int, lang: str) -> str:
    """``"0.49 [0.34, 0.70]"``; Dutch ``"0,49 [0,34; 0,70]"`` (a comma would be ambiguous next to decimal commas)."""
    return _fmt.estimate_ci(est, lo, hi, digits, lang, missing="NA")


def shorten(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 1] + "\u2026"


@lru_cache(maxsize=4096)
def text_width(s: str, size: float, bold: bool = False) -> float:
    """Width of ``s`` in points in the house font (DejaVu Sans) at ``size`` points."""
    if not s:
        return 0.0
    prop = FontProperties(family="DejaVu Sans", size=size, weight="bold" if bold else "normal")
    w = 0.0
    for line in s.split("\n"):
        w = max(w, text_to_path.get_text_width_height_descent(line, prop, ismath=False)[0])
    return float(w)


def fit_text(s: str, width_pts: float, size: float, bold: bool = False) -> str:
    """``s`` shortened with an ellipsis so that it is at most ``width_pts`` wide."""
    width_pts += 0.01  # rounding: a column measured from this very text must hold it
    if text_width(s, size, bold) <= width_pts:
        return s
    lo, hi = 1, len(s)
    while lo < hi:  # longest prefix that fits with the ellipsis
        mid = (lo + hi + 1) // 2
        if text_width(s[:mid].rstrip() + "\u2026", size, bold) <= width_pts:
            lo = mid
        else:
            hi = mid - 1
    return s[:lo].rstrip() + "\u2026"


def check_lang(func: str, lang: str) -> dict:
    check_choice(func, "lang", lang, LANGS)
    return TEXT[lang]


def ci_header(measure: str | None, level: float, t: dict) -> str:
    """Header of the interval column: ``"RR [95% CI]"``, Dutch ``"RR [95%-BI]"``; without a measure
    ``"Effect size [95% CI]"``."""
    return f"{measure or t['bubble_y']} [{t['ci'].format(level=f'{float(level):g}')}]"


def measure_label(measure: str | None, lang: str) -> str:
    return MEASURE_LABEL[lang].get(measure, measure or MEASURE_LABEL[lang][None])


RATIO_LADDER = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


def ratio_limits(lo: float, hi: float) -> tuple[float, float]:
    """Round a ratio range outwards to the 1-2-5 ladder, always including 1."""
    lo, hi = min(lo, 1.0), max(hi, 1.0)
    a = max([c for c in RATIO_LADDER if c <= lo * (1 + 1e-9)], default=RATIO_LADDER[0])
    b = min([c for c in RATIO_LADDER if c >= hi * (1 - 1e-9)], default=RATIO_LADDER[-1])
    return a, b


def ratio_ticks(ax, lang: str, axis: str = "x") -> None:
    """Ticks for a log axis showing ratios: 1-2-5 values in range, labelled as ratios (0.5, 1, 2).

    No two labels are closer than a ninth of the axis (in log units), nor so close on the page that
    their texts would touch: 1 and the decades are kept first, then the ends of the axis, then the 2s
    and 5s that fit between them.
    """

    def label(v, _=None) -> str:
        s = f"{v:.3f}".rstrip("0").rstrip(".") if v < 1 else f"{v:.2f}".rstrip("0").rstrip(".")
        return s.replace(".", ",") if lang == "nl" else s

    lo, hi = ax.get_xlim() if axis == "x" else ax.get_ylim()
    lo, hi = min(lo, hi), max(lo, hi)
    eps = 1e-9
    ticks = [c for c in RATIO_LADDER if lo * (1 - eps) <= c <= hi * (1 + eps)]
    if len(ticks) < 3:
        ticks = sorted(set(ticks) | {c for c in (0.25, 0.33, 0.67, 0.8, 1.25, 1.5, 3, 4) if lo <= c <= hi})
    else:  # labels at least a ninth of the axis apart: 1 first, then decades, then the ends, then 2s and 5s
        span = math.log10(hi / lo)
        sep = span / 9 * (1 - 1e-9)
        # the axis length and the tick labels' widths on the page, in points
        box = ax.get_position()
        length = (box.width * ax.figure.get_figwidth() if axis == "x" else box.height * ax.figure.get_figheight()) * 72
        size = FontProperties(size=matplotlib.rcParams[f"{axis}tick.labelsize"]).get_size_in_points()
        width = {c: text_width(label(c, None), size) if axis == "x" else size for c in ticks}

        def apart(c: float, o: float) -> bool:
            on_page = abs(math.log10(c / o)) / span * length
            return abs(math.log10(c / o)) >= sep and on_page >= (width[c] + width[o]) / 2 + 3

        decade = [c for c in ticks if math.isclose(math.log10(c) % 1, 0, abs_tol=1e-9)
                  or math.isclose(math.log10(c) % 1, 1, abs_tol=1e-9)]
        ends = [c for c in (ticks[0], ticks[-1]) if c not in decade]
        chosen: list[float] = []
        for c in [1, *decade, *ends, *ticks]:
            if c in ticks and c not in chosen and all(apart(c, o) for o in chosen):
                chosen.append(c)
        ticks = sorted(chosen)
    a = ax.xaxis if axis == "x" else ax.yaxis
    (ax.set_xticks if axis == "x" else ax.set_yticks)(ticks)

    a.set_major_formatter(matplotlib.ticker.FuncFormatter(label))
    a.set_minor_locator(matplotlib.ticker.NullLocator())
    a.set_minor_formatter(matplotlib.ticker.NullFormatter())


def number_formatter(lang: str, digits: int | None = None):
    """Tick formatter with the decimal comma for Dutch; decimals from the tick spacing unless given."""

    def f(v, pos=None):
        if digits is not None:
            return fmt_number(v, digits, lang)
        s = f"{v:.6g}"
        d = len(s.split(".")[1]) if "." in s and "e" not in s else 0
        return fmt_number(v, min(d, 4), lang)

    return matplotlib.ticker.FuncFormatter(f)


def save_figure(fig: Figure, path: str | Path, formats: Sequence[str] = ("png", "svg", "pdf"),
                dpi: int = 300) -> list[Path]:
    """Save ``fig`` as ``path`` with each suffix in ``formats``, with no embedded dates.

    PNG at ``dpi`` (300 by default); SVG with a fixed hash salt and text as paths; PDF
    without creation date, producer or creator. Saving an unchanged figure twice gives
    byte-identical files. A ``path`` ending in .png, .svg or .pdf writes that one format.
    Returns the written paths; parent folders are created.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"save_figure: argument 'fig' must be a matplotlib Figure; got {type(fig).__name__}.")
    base = Path(path)
    if base.suffix.lstrip(".").lower() in ("png", "svg", "pdf"):
        formats = (base.suffix.lstrip(".").lower(),)
        base = base.with_suffix("")
    if isinstance(formats, str):
        formats = (formats,)
    for ext in formats:
        check_choice("save_figure", "formats", ext, ("png", "svg", "pdf"))
    base.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "png": {"Software": None},
        "svg": {"Date": None, "Creator": None},
        "pdf": {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None},
    }
    out = []
    with style():
        for ext in formats:
            target = base.parent / f"{base.name}.{ext}"
            fig.savefig(target, format=ext, metadata=meta[ext], dpi=dpi if ext == "png" else None)
            out.append(target)
    return out
