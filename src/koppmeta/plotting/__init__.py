"""Figures in English or Dutch, in one house style, saved deterministically.

- :func:`forest_plot`: a meta-analysis or a subgroup analysis (subtotal diamonds, prediction
  interval, weight and interval columns, per-arm columns, extra columns, risk-of-bias traffic lights);
- :func:`funnel_plot` (contour-enhanced, with trim-and-fill), :func:`bubble_plot`
  (meta-regression), :func:`baujat_plot`, :func:`gosh_plot`, :func:`cumulative_plot`,
  :func:`leave_one_out_plot`;
- :func:`estimates_plot`: published estimates side by side (or the pooled rows of a subgroup analysis);
- :func:`method_comparison_plot` (:func:`koppmeta.compare_methods`) and :func:`bayesian_forest_plot`
  (shrinkage estimates beside the observed ones);
- :func:`rob_traffic_light`, :func:`rob_summary` and :func:`prisma_flow`.

Every plot function is called as ``f(result, ax=None, lang="en", ...)``: the result (or the table
the function documents), an optional Axes to draw into, the language; everything else by keyword.
Every forest-style figure is a description of rows and columns drawn by one layout
(:mod:`koppmeta.plotting.layout`); every colour comes from :mod:`koppmeta.plotting.palette`; every
word from the translation table (:mod:`koppmeta.translations`). Figures use the style file
``koppmeta.mplstyle`` (next to this module; sizes fit an A4 page: 6.3 in text width, 3.1 in a
column) and are saved through :func:`save_figure`, which writes PNG (300 dpi), SVG and PDF without
embedded dates, so an unchanged figure gives byte-identical files on every run.
"""

from __future__ import annotations

from ._common import (
    A4_COLUMN,
    A4_HEIGHT,
    A4_WIDTH,
    LANGS,
    MEASURE_LABEL,
    STYLE,
    TEXT,
    fmt_number,
    save_figure,
    style,
)
from .diagnostics import baujat_plot, bubble_plot, cumulative_plot, funnel_plot, gosh_plot, leave_one_out_plot
from .estimates import estimates_plot
from .forest import forest_plot
from .prisma import prisma_flow
from .rob import rob_summary, rob_traffic_light
from .methods import bayesian_forest_plot, method_comparison_plot

__all__ = [
    "forest_plot",
    "funnel_plot",
    "bubble_plot",
    "baujat_plot",
    "gosh_plot",
    "cumulative_plot",
    "leave_one_out_plot",
    "estimates_plot",
    "rob_traffic_light",
    "rob_summary",
    "prisma_flow",
    "method_comparison_plot",
    "bayesian_forest_plot",
    "save_figure",
    "style",
    "fmt_number",
    "TEXT",
    "MEASURE_LABEL",
    "LANGS",
    "STYLE",
    "A4_WIDTH",
    "A4_COLUMN",
    "A4_HEIGHT",
]
