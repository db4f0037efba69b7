"""Diagnostic figures: contour-enhanced funnel, bubble (meta-regression), Baujat, GOSH,
cumulative and leave-one-out forest plots.

Each function takes the result of the matching analysis (:func:`koppmeta.trim_and_fill`,
:func:`koppmeta.meta_regression`, :func:`koppmeta.baujat`, :func:`koppmeta.gosh`,
:func:`koppmeta.cumulative`, :func:`koppmeta.leave_one_out`), draws it in the house style
with every label in English or Dutch, and returns the matplotlib Figure.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import matplotlib.pyplot as plt
import matplotlib.ticker
import matplotlib.transforms as mtransforms
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from ..models.univariate import MetaAnalysis
from ._common import (
    RATIO_MEASURES,
    check_lang,
    ci_header,
    fmt_interval,
    fmt_number,
    measure_label,
    number_formatter,
    ratio_limits,
    ratio_ticks,
    style,
    text_width,
)
from .layout import Col, Row, draw_table
from .palette import C_BAND, C_EMPTY, C_MUTED, C_NULL, C_POOLED, C_STUDY, SHADES

__all__ = ["funnel_plot", "bubble_plot", "baujat_plot", "gosh_plot", "cumulative_plot", "leave_one_out_plot"]


def _need_columns(func: str, arg: str, table, cols: Sequence[str], made_by: str) -> None:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"{func}: argument {arg!r} must be the DataFrame returned by {made_by}; got {type(table).__name__}.")
    missing = [c for c in cols if c not in table.columns]
    if missing:
        raise ValueError(f"{func}: argument {arg!r} lacks column(s) {', '.join(map(repr, missing))}; expected the "
                         f"table returned by {made_by} (columns {', '.join(cols)}).")
    if len(table) == 0:
        raise ValueError(f"{func}: argument {arg!r} has no rows.")


def _new_axes(ax, size):
    if ax is None:
        fig, ax = plt.subplots(figsize=size)
    else:
        fig = ax.figure
    return fig, ax


# ---------------------------------------------------------------------------
# funnel
# ---------------------------------------------------------------------------


def funnel_plot(fit: MetaAnalysis, ax=None, lang: str = "en", *, contours: Sequence[float] = (0.10, 0.05, 0.01),
                trimfill=None) -> Figure:
    """Contour-enhanced funnel plot: effect sizes against standard errors.

    Shaded regions mark where a study's own two-sided p-value (Wald test of ``yi`` against 0,
    ``|yi| / sqrt(vi) > z_(1-c/2)``) falls between successive ``contours``, so a cluster of
    studies just inside a shaded region suggests selection on significance (Peters et al.
    2008, J Clin Epidemiol 61:991-996). The vertical line is the pooled estimate and the
    dashed lines its pseudo 95% limits ``estimate +/- 1.96 se``. With ``trimfill`` (a
    :func:`koppmeta.trim_and_fill` result) the imputed studies are drawn as open circles and
    the filled estimate as a dashed line. Ratio measures are shown on the log scale.
    """
    t = check_lang("funnel_plot", lang)
    if not isinstance(fit, MetaAnalysis):
        raise TypeError(f"funnel_plot: expected a MetaAnalysis result; got {type(fit).__name__}.")
    cs = sorted(float(c) for c in contours)
    if any(not 0 < c < 1 for c in cs):
        raise ValueError(f"funnel_plot: argument 'contours' must hold p-values between 0 and 1; got {list(contours)!r}.")
    se = np.sqrt(fit.vi)
    filled = trimfill is not None and trimfill.k0 > 0
    with style():
        fig, ax = _new_axes(ax, (5.2, 4.2))
        se_all = se if not filled else np.concatenate([se, np.sqrt(trimfill.filled["vi"].to_numpy())])
        top = float(se_all.max()) * 1.08
        grid = np.linspace(0, top, 60)
        shades = SHADES
        span = 1e6  # beyond any axis limit; the limits are set below
        bounds = [1.0] + cs[::-1]  # e.g. 1, 0.10, 0.05, 0.01
        for j, (c, shade) in enumerate(zip(cs[::-1], shades)):
            z = stats.norm.isf(c / 2)
            nxt = bounds[j + 2] if j + 2 < len(bounds) else None
            label = (t["p_region"].format(lo=fmt_number(nxt, 2, lang), hi=fmt_number(c, 2, lang)) if nxt is not None
                     else t["p_below"].format(c=fmt_number(c, 2, lang)))
            ax.fill_betweenx(grid, z * grid, span, color=shade, lw=0, label=label, gid=f"contour-{c:g}")
            ax.fill_betweenx(grid, -span, -z * grid, color=shade, lw=0)
        z95 = stats.norm.isf(0.025)
        ax.plot(fit.estimate - z95 * grid, grid, ls="--", color=C_EMPTY, lw=0.7, label=t["pseudo_ci"])
        ax.plot(fit.estimate + z95 * grid, grid, ls="--", color=C_EMPTY, lw=0.7)
        ax.axvline(fit.estimate, color=C_POOLED, lw=0.9, label=t["pooled"], gid="pooled-line")
        ax.scatter(fit.yi, se, s=18, color=C_STUDY, zorder=3, edgecolor="white", linewidth=0.4, label=t["observed"],
                   gid="studies")
        ys_all = fit.yi
        if filled:
            f = trimfill.filled
            ax.scatter(f["yi"], np.sqrt(f["vi"]), s=18, facecolor="white", edgecolor=C_STUDY, zorder=3,
                       label=t["filled"].format(k0=trimfill.k0), gid="filled")
            ax.axvline(trimfill.estimate, color=C_POOLED, lw=0.8, ls=(0, (4, 2)), label=t["filled_estimate"],
                       gid="filled-line")
            ys_all = np.concatenate([fit.yi, f["yi"].to_numpy()])
        ax.set_ylim(top, 0)
        lo = min(ys_all.min(), fit.estimate - z95 * top, -stats.norm.isf(cs[0] / 2) * top * 0.3)
        hi = max(ys_all.max(), fit.estimate + z95 * top, stats.norm.isf(cs[0] / 2) * top * 0.3)
        pad = (hi - lo) * 0.05
        ax.set_xlim(lo - pad, hi + pad)
        x_lab = f"log {fit.measure}" if fit.is_ratio else measure_label(fit.measure, lang) if fit.measure else t["funnel_x"]
        if fit.is_ratio:
            x_lab = f"{t['funnel_x']} (log {fit.measure})"
        ax.set_xlabel(x_lab)
        ax.set_ylabel(t["funnel_y"])
        ax.xaxis.set_major_formatter(number_formatter(lang))
        ax.yaxis.set_major_formatter(number_formatter(lang))
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=3, fontsize=7, frameon=False)
    return fig


# ---------------------------------------------------------------------------
# bubble plot
# ---------------------------------------------------------------------------


def bubble_plot(reg, ax=None, lang: str = "en", *, moderator: str | None = None, measure: str | None = None,
                show_pi: bool = False, labels: bool | int = False, xlabel: str | None = None,
                ylabel: str | None = None) -> Figure:
    """Bubble plot of a meta-regression: effect sizes against one numeric moderator.

    Each study is a circle with area proportional to its weight ``1 / (v_i + tau^2)`` in the
    mixed-effects model; the line is the fitted average effect ``b0 + b1 x`` with its
    confidence band (``MetaRegression.predict``; metafor ``regplot()``), optionally with the
    prediction band. Other moderators are held at their mean (numeric) or reference level
    (categorical).

    Parameters
    ----------
    reg : MetaRegression
        Result of :func:`koppmeta.meta_regression`.
    ax : matplotlib Axes, optional
        Draw into this Axes; its figure is returned.
    moderator : str, optional
        The numeric moderator on the x axis (required when the model has several).
    measure : str, optional
        Effect measure; ratio measures (RR, OR, HR, IRR) are drawn back-transformed on a log axis.
    labels : bool or int
        Label the studies: True for all, an integer n for the n largest residuals.
    """
    from ..models.regression import MetaRegression

    func = "bubble_plot"
    if isinstance(ax, str):  # the moderator was the second positional argument before ax took that place
        warnings.warn("bubble_plot(reg, 'moderator') is deprecated; name it: bubble_plot(reg, moderator='...').",
                      DeprecationWarning, stacklevel=2)
        ax, moderator = None, ax
    t = check_lang(func, lang)
    if not isinstance(reg, MetaRegression):
        raise TypeError(f"{func}: expected a MetaRegression (koppmeta.meta_regression) result; got {type(reg).__name__}.")
    terms = {tm.column: tm for tm in reg._terms}
    numeric = [c for c, tm in terms.items() if tm.kind == "numeric"]
    if moderator is None:
        if len(numeric) != 1:
            raise ValueError(f"{func}: the model has {len(numeric)} numeric moderators "
                             f"({', '.join(numeric) or 'none'}); name the one for the x axis with 'moderator'.")
        moderator = numeric[0]
    if moderator not in numeric:
        raise ValueError(f"{func}: 'moderator' must be a numeric moderator of the model; got {moderator!r}; "
                         f"numeric moderators: {', '.join(numeric) or '(none)'}.")
    ratio = measure in RATIO_MEASURES
    tr = np.exp if ratio else (lambda v: np.asarray(v, dtype=float))
    sdat = reg.studies
    x = sdat[moderator].to_numpy(dtype=float)
    y = reg.yi
    w = 1.0 / (reg.vi + reg.tau2)
    grid = np.linspace(x.min(), x.max(), 101)
    new = {moderator: grid}
    for c, tm in terms.items():
        if c != moderator:
            new[c] = [float(sdat[c].astype(float).mean())] * len(grid) if tm.kind == "numeric" else [tm.reference] * len(grid)
    pred = reg.predict(pd.DataFrame(new))
    with style():
        fig, ax = _new_axes(ax, (5.2, 3.9))
        if show_pi:
            ax.fill_between(grid, tr(pred["pi_low"]), tr(pred["pi_high"]), color=SHADES[0], lw=0, zorder=0, gid="pi-band",
                            label=t["pi"])
        ax.fill_between(grid, tr(pred["ci_low"]), tr(pred["ci_high"]), color=C_BAND, lw=0, zorder=1, gid="ci-band")
        ax.plot(grid, tr(pred["estimate"]), color=C_POOLED, lw=1.2, zorder=2, gid="fitted-line",
                label=t["fitted"].format(level=f"{reg.level:g}"))
        sizes = 400 * w / w.max()
        ax.scatter(x, tr(y), s=sizes, color=C_STUDY, alpha=0.55, edgecolor="white", linewidth=0.6, zorder=3,
                   gid="bubbles")
        null = 1.0 if ratio else 0.0
        ax.axhline(null, color=C_EMPTY, lw=0.7, ls=":", zorder=0)
        if ratio:
            ax.set_yscale("log")
            ax.set_ylim(*ratio_limits(float(tr(y).min()), float(tr(y).max())))
            ratio_ticks(ax, lang, axis="y")
        else:
            ax.yaxis.set_major_formatter(number_formatter(lang))
        ax.xaxis.set_major_formatter(number_formatter(lang))
        if labels:
            fitted = reg.predict()["estimate"].to_numpy()
            res = np.abs(y - fitted) * np.sqrt(w)
            pick = range(len(y)) if labels is True else np.argsort(-res)[: int(labels)]
            for i in pick:
                ax.annotate(str(reg.labels[i]), (x[i], tr(y[i])), xytext=(4, 4), textcoords="offset points", fontsize=6.5,
                            color=C_MUTED)
        ax.set_xlabel(xlabel or moderator)
        ax.set_ylabel(ylabel or measure_label(measure, lang) if measure else (ylabel or t["bubble_y"]))
        ax.legend(loc="best", fontsize=7, frameon=False)
    return fig


# ---------------------------------------------------------------------------
# Baujat
# ---------------------------------------------------------------------------


def baujat_plot(table: pd.DataFrame, ax=None, lang: str = "en", *, labels: bool | int | None = None) -> Figure:
    """Baujat plot (Baujat et al. 2002, Stat Med 21:2641-2652): each study's contribution to
    the heterogeneity (x) against its influence on the pooled estimate (y).

    Parameters
    ----------
    table : DataFrame
        :func:`koppmeta.baujat` (columns ``x, y``, indexed by study label).
    labels : bool or int, optional
        True labels every study, an integer n the n studies farthest from the origin
        (relative to the axis ranges); default: all when there are at most 20 studies, else 6.
    """
    func = "baujat_plot"
    t = check_lang(func, lang)
    _need_columns(func, "table", table, ("x", "y"), "koppmeta.baujat(fit)")
    x, y = table["x"].to_numpy(float), table["y"].to_numpy(float)
    names = [str(s) for s in table.index]
    with style():
        fig, ax = _new_axes(ax, (5.2, 4.0))
        ax.scatter(x, y, s=22, color=C_STUDY, edgecolor="white", linewidth=0.4, zorder=3, gid="points")
        if labels is None:
            labels = True if len(x) <= 20 else 6
        ax.set_xlim(0, x.max() * 1.08 if x.max() > 0 else 1)
        ax.set_ylim(0, y.max() * 1.08 if y.max() > 0 else 1)
        if labels:
            score = x / (x.max() or 1) + y / (y.max() or 1)
            pick = np.argsort(-score) if labels is True else np.argsort(-score)[: int(labels)]
            _place_labels(ax, x, y, names, pick, size=6.5)
        ax.set_xlabel(t["baujat_x"])
        ax.set_ylabel(t["baujat_y"])
        ax.xaxis.set_major_formatter(number_formatter(lang))
        ax.yaxis.set_major_formatter(number_formatter(lang))
    return fig


def _place_labels(ax, x, y, names, order, size: float) -> None:
    """Label points in ``order``, trying four positions each and skipping a label that would
    overlap an earlier label or a point (so crowded clusters keep only their first labels)."""
    fig = ax.figure
    to_pts = ax.transData + mtransforms.Affine2D().scale(72 / fig.dpi)
    pts = to_pts.transform(np.column_stack([x, y]))
    boxes: list[tuple[float, float, float, float]] = []
    w_h = size * 1.2
    for i in order:
        w = text_width(names[i], size)
        px, py = pts[i]
        for dx, dy, ha in ((4, 2, "left"), (4, -2 - w_h, "left"), (-4, 2, "right"), (-4, -2 - w_h, "right")):
            x0 = px + dx if ha == "left" else px + dx - w
            box = (x0, py + dy, x0 + w, py + dy + w_h)
            clash = any(not (box[2] < b[0] or box[0] > b[2] or box[3] < b[1] or box[1] > b[3]) for b in boxes)
            clash = clash or any(box[0] - 2 < qx < box[2] + 2 and box[1] - 2 < qy < box[3] + 2
                                 for j, (qx, qy) in enumerate(pts) if j != i)
            if not clash:
                boxes.append(box)
                ax.annotate(names[i], (x[i], y[i]), xytext=(dx, dy), textcoords="offset points", ha=ha, va="bottom",
                            fontsize=size, color=C_NULL, gid=f"label-{i}", parse_math=False)
                break


# ---------------------------------------------------------------------------
# GOSH
# ---------------------------------------------------------------------------


def gosh_plot(table: pd.DataFrame, ax=None, lang: str = "en", *, fit: MetaAnalysis | None = None,
              measure: str | None = None, bins: int = 40) -> Figure:
    """GOSH plot (Olkin, Dahabreh & Trikalinos 2012, Res Synth Methods 3:214-223): the pooled
    estimate against I^2 of every subset of studies, with marginal histograms.

    Parameters
    ----------
    table : DataFrame
        :func:`koppmeta.gosh` (columns ``estimate``, ``i2``).
    fit : MetaAnalysis, optional
        The full model: its estimate and I^2 are marked, and its measure sets the axis.
    measure : str, optional
        Effect measure when ``fit`` is not given; ratio measures are shown back-transformed
        on a log axis.
    bins : int
        Bins of the marginal histograms.
    ax : matplotlib Axes, optional
        Draw the scatter into this Axes (without the marginal histograms); its figure is returned.
    """
    func = "gosh_plot"
    t = check_lang(func, lang)
    _need_columns(func, "table", table, ("estimate", "i2"), "koppmeta.gosh(fit)")
    if fit is not None:
        measure = fit.measure
    ratio = measure in RATIO_MEASURES
    est = table["estimate"].to_numpy(float)
    i2 = table["i2"].to_numpy(float)
    xs = np.exp(est) if ratio else est
    n = len(est)
    with style():
        marginals = ax is None
        if marginals:
            fig = plt.figure(figsize=(5.2, 4.6))
            gs = fig.add_gridspec(2, 2, width_ratios=[4, 1], height_ratios=[1, 4], wspace=0.05, hspace=0.05)
            ax = fig.add_subplot(gs[1, 0])
            ax_top = fig.add_subplot(gs[0, 0], sharex=ax)
            ax_right = fig.add_subplot(gs[1, 1], sharey=ax)
        else:
            fig = ax.figure
        alpha = float(np.clip(30 / math.sqrt(n), 0.05, 0.8))
        ax.scatter(xs, i2, s=4, color=C_STUDY, alpha=alpha, linewidths=0, rasterized=n > 2000, gid="subsets")
        if ratio:
            ax.set_xscale("log")
            edges = np.exp(np.linspace(est.min(), est.max(), bins + 1))
        else:
            edges = np.linspace(est.min(), est.max(), bins + 1)
        if marginals:
            ax_top.hist(xs, bins=edges, color=C_STUDY, alpha=0.7, gid="hist-estimate")
            ax_right.hist(i2, bins=np.linspace(0, 100, bins + 1), orientation="horizontal", color=C_STUDY, alpha=0.7,
                          gid="hist-i2")
        if fit is not None:
            fx = math.exp(fit.estimate) if ratio else fit.estimate
            ax.scatter([fx], [fit.i2], s=60, marker="X", color=C_POOLED, edgecolor="white", linewidth=0.6, zorder=4,
                       gid="full-model", label=t["all_studies"])
            ax.legend(loc="best", fontsize=7, frameon=False)
        ax.set_ylim(-2, 102)
        if ratio:
            lo, hi = xs.min(), xs.max()
            ax.set_xlim(lo / 1.05, hi * 1.05)
            ratio_ticks(ax, lang)
            if len(ax.get_xticks()) < 3:
                ax.xaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1, 2, 3, 5)))
                ax.xaxis.set_major_formatter(number_formatter(lang, 2))
        else:
            ax.xaxis.set_major_formatter(number_formatter(lang))
        ax.yaxis.set_major_formatter(number_formatter(lang))
        ax.set_xlabel(t["gosh_x"] + (f" ({measure})" if measure else ""))
        ax.set_ylabel(t["gosh_y"])
        if marginals:
            for a in (ax_top, ax_right):
                a.tick_params(labelbottom=False, labelleft=False)
            ax_top.spines["left"].set_visible(False)
            ax_top.set_yticks([])
            ax_right.spines["bottom"].set_visible(False)
            ax_right.set_xticks([])
    return fig


# ---------------------------------------------------------------------------
# cumulative and leave-one-out forest plots
# ---------------------------------------------------------------------------


def cumulative_plot(table: pd.DataFrame, ax=None, lang: str = "en", *, fit: MetaAnalysis | None = None,
                    measure: str | None = None, digits: int = 2, title: str | None = None, xlabel: str | None = None,
                    width: float | None = None, xlim: tuple[float, float] | None = None) -> Figure:
    """Cumulative forest plot: row j is the model fitted to the first j studies (metafor
    ``forest(cumul(fit))``); the label shows the study added ("+ Author, year"), the column k the
    number of studies pooled.

    Parameters
    ----------
    table : DataFrame
        :func:`koppmeta.cumulative` (columns ``k, estimate, ci_low, ci_high, tau2, i2``; index: study added).
    fit : MetaAnalysis, optional
        The model it came from: sets the measure (ratio measures on a log axis); taken from
        ``table.fit`` when the table carries it.
    """
    return _sequence_forest("cumulative_plot", table, "added", fit=fit, measure=measure, lang=lang, digits=digits,
                            title=title, xlabel=xlabel, width=width, xlim=xlim, ax=ax, made_by="koppmeta.cumulative(fit)")


def leave_one_out_plot(table: pd.DataFrame, ax=None, lang: str = "en", *, fit: MetaAnalysis | None = None,
                       measure: str | None = None, digits: int = 2, title: str | None = None, xlabel: str | None = None,
                       width: float | None = None, xlim: tuple[float, float] | None = None) -> Figure:
    """Leave-one-out forest plot: row i is the model refitted without study i (metafor
    ``forest(leave1out(fit))``), with the estimate from all studies as a shaded band and a diamond.

    Parameters
    ----------
    table : DataFrame
        :func:`koppmeta.leave_one_out` (columns ``estimate, ci_low, ci_high, tau2, i2``; index: study omitted).
    fit : MetaAnalysis, optional
        The full model: drawn as the band and the bottom diamond; sets the measure. Taken from
        ``table.fit`` when the table carries it.
    """
    return _sequence_forest("leave_one_out_plot", table, "omitted", fit=fit, measure=measure, lang=lang, digits=digits,
                            title=title, xlabel=xlabel, width=width, xlim=xlim, ax=ax, made_by="koppmeta.leave_one_out(fit)")


def _sequence_forest(func, table, kind, *, fit, measure, lang, digits, title, xlabel, width, xlim, ax, made_by) -> Figure:
    """Rows and columns of a cumulative or leave-one-out forest plot for the shared layout."""
    t = check_lang(func, lang)
    _need_columns(func, "table", table, ("estimate", "ci_low", "ci_high", "tau2", "i2"), made_by)
    if fit is None and isinstance(getattr(table, "fit", None), MetaAnalysis):
        fit = table.fit
    if fit is not None:
        if not isinstance(fit, MetaAnalysis):
            raise TypeError(f"{func}: argument 'fit' must be a MetaAnalysis; got {type(fit).__name__}.")
        measure = fit.measure
    ratio = measure in RATIO_MEASURES
    tr = (lambda v: float(np.exp(v))) if ratio else float
    show_k = "k" in table.columns

    def cells(e, a, b, tau2, i2, k=None) -> dict:
        out = {"ci": fmt_interval(tr(e), tr(a), tr(b), digits, lang), "tau2": fmt_number(tau2, 3, lang),
               "i2": fmt_number(i2, 0, lang) + "%"}
        if show_k and k is not None and k == k:
            out["k"] = str(int(k))
        return out

    rows = []
    for j, (name, r) in enumerate(table.iterrows()):
        e, a, b = float(r["estimate"]), float(r["ci_low"]), float(r["ci_high"])
        rows.append(Row("study", t[kind].format(label=str(name)), tr(e), tr(a), tr(b),
                        cells(e, a, b, r["tau2"], r["i2"], r["k"] if show_k else None), gid=f"row-{j}", idx=j,
                        marker="o", size=4.0, mark_gid="points", line_gid="whiskers"))
    band = None
    if fit is not None and kind == "omitted":
        rows.append(Row("blank"))
        rows.append(Row("pooled", t["all_studies"], tr(fit.estimate), tr(fit.ci_low), tr(fit.ci_high),
                        cells(fit.estimate, fit.ci_low, fit.ci_high, fit.tau2, fit.i2, fit.k), gid="overall",
                        mark_gid="diamond-overall"))
        band = (tr(fit.ci_low), tr(fit.ci_high))
    level = fit.level if fit is not None else 95
    cols = ([Col("k", t["k_col"], side="left", align="right")] if show_k else []) + [
        Col("ci", ci_header(measure, level, t)),
        Col("tau2", t["tau2_col"]), Col("i2", t["i2_col"])]
    return draw_table(rows, cols, lang=lang, ratio=ratio, xlabel=xlabel or measure_label(measure, lang),
                      label_header=t["study"], title=title, xlim=xlim, width=width, ax=ax, band=band, func=func)
