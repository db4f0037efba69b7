"""Figures in English or Dutch, in one house style, saved deterministically.

- :func:`forest_plot`: a meta-analysis or a subgroup analysis (subtotal diamonds, prediction
  interval, weight and interval columns, extra columns, risk-of-bias traffic lights);
- :func:`funnel_plot` (contour-enhanced, with trim-and-fill), :func:`bubble_plot`
  (meta-regression), :func:`baujat_plot`, :func:`gosh_plot`, :func:`cumulative_plot`,
  :func:`leave_one_out_plot`;
- :func:`estimates_plot`: published estimates side by side;
- :func:`method_comparison_plot` (:func:`koppmeta.compare_methods`) and :func:`bayesian_forest_plot`
  (shrinkage estimates beside the observed ones).

Every figure uses the style file ``koppmeta.mplstyle`` (next to this module; sizes fit an A4
page: 6.3 in text width, 3.1 in a column) and is saved through :func:`save_figure`, which
writes PNG (300 dpi), SVG and PDF without embedded dates, so an unchanged figure gives
byte-identical files on every run.
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
