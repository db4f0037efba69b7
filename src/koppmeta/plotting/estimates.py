"""Forest-style plot of published estimates (no pooling, no weights), drawn by the shared layout."""

from __future__ import annotations

import math

import pandas as pd
from matplotlib.figure import Figure

from ._common import check_lang, fmt_interval, fmt_number, measure_label
from .layout import Col, Row, draw_table
from .palette import C_STUDY

__all__ = ["estimates_plot"]


def _missing(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def estimates_plot(
    table: pd.DataFrame,
    ax=None,
    lang: str = "en",
    *,
    estimate: str = "estimate",
    ci_low: str = "ci_low",
    ci_high: str = "ci_high",
    label: str = "label",
    group: str | None = None,
    ratio: bool = False,
    digits: int = 2,
    xlabel: str | None = None,
    title: str | None = None,
    lower_is_better: bool = True,
    headers: tuple[str, str] | None = None,
    k: str | None = None,
    xlim: tuple[float, float] | None = None,
    width: float | None = None,
) -> Figure:
    """Forest-style plot of published estimates with their intervals (no pooling, no weights).

    Given a result of :func:`koppmeta.subgroup_analysis` (or :func:`koppmeta.meta_analysis`) instead of a
    table, it draws the pooled rows of its forest plot (:func:`forest_plot` with ``show_studies=False``):
    one diamond per subgroup with its k and weight, the overall diamond and the test for subgroup
    differences.

    Used to put reviews' pooled results side by side. ``table`` is a DataFrame with one row per
    estimate, on the display scale (ratios, not logs). Rows without an interval are drawn as a
    hollow marker; rows without an estimate are listed as "not reported". ``group`` starts a
    new titled block for each value (for example one block per outcome). Ratio measures
    (``ratio=True``) are drawn on a log axis. The header row is always drawn: ``headers`` =
    (label column header, estimate column header) replaces the default words. ``k`` names a column
    with the number of studies behind each estimate, shown as "(k = n)" after the label (nothing when empty).
    """
    func = "estimates_plot"
    t = check_lang(func, lang)
    from ..models.univariate import MetaAnalysis
    from ..models.regression import SubgroupAnalysis

    if isinstance(table, (MetaAnalysis, SubgroupAnalysis)):  # pooled results: their rows of the forest plot
        from .forest import forest_plot

        return forest_plot(table, ax, lang, show_studies=False, digits=digits, xlabel=xlabel, title=title,
                           lower_is_better=lower_is_better, xlim=xlim, width=width)
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"{func}: argument 'table' must be a DataFrame with columns {label!r}, {estimate!r}, "
                        f"{ci_low!r}, {ci_high!r}; got {type(table).__name__}.")
    need = [c for c in (label, estimate, ci_low, ci_high, group, k) if c is not None]
    missing = [c for c in need if c not in table.columns]
    if missing:
        raise ValueError(f"{func}: column(s) {', '.join(map(repr, missing))} not in 'table'; columns: "
                         f"{', '.join(map(str, table.columns))}.")
    rows: list[Row] = []
    blocks = [(None, table)] if group is None else list(table.groupby(group, sort=False))
    j = 0
    for b, (gname, sub) in enumerate(blocks):
        if b:
            rows.append(Row("blank"))
        if gname is not None:
            rows.append(Row("group", str(gname), gid=f"group-{b}"))
        for _, r in sub.iterrows():
            cells = {}
            text = str(r[label])
            if k is not None and not _missing(r[k]):
                text += f" (k = {int(r[k])})"
            est, lo, hi = r[estimate], r[ci_low], r[ci_high]
            if _missing(est):
                cells["est"] = t["not_reported"]
                rows.append(Row("study", text, cells=cells, gid=f"row-{j}", idx=j, muted=True))
            elif _missing(lo) or _missing(hi):
                cells["est"] = fmt_number(float(est), digits, lang)
                rows.append(Row("study", text, float(est), cells=cells, gid=f"row-{j}", idx=j, marker="D",
                                size=5.0, hollow=True, mark_gid=f"point-row-{j}"))
            else:
                cells["est"] = fmt_interval(float(est), float(lo), float(hi), digits, lang)
                rows.append(Row("study", text, float(est), float(lo), float(hi), cells, gid=f"row-{j}", idx=j,
                                marker="D", size=5.0, colour=C_STUDY, mark_gid="points", line_gid="whiskers"))
            j += 1
    head_label, head_est = headers if headers is not None else (t["source"], t["estimate_ci"])
    cols = [Col("est", head_est)]
    return draw_table(rows, cols, lang=lang, ratio=ratio, xlabel=xlabel or measure_label(None, lang),
                      label_header=head_label, title=title, xlim=xlim, lower_is_better=lower_is_better, width=width,
                      ax=ax, func=func)
