"""Figures: forest and funnel plots in English or Dutch, saved deterministically.

Every figure uses the house style file ``koppmeta.mplstyle`` (next to this
module) and is saved through :func:`save_figure`, which writes PNG (300 dpi),
SVG and PDF without embedded dates, so an unchanged figure gives byte-identical
files on every run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import matplotlib.ticker
import matplotlib.transforms
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Polygon
from scipy import stats

from .._validation import check_choice
from ..models import MetaAnalysis

__all__ = ["forest_plot", "funnel_plot", "estimates_plot", "save_figure", "style", "fmt_number", "TEXT"]

STYLE = str(resources.files(__package__).joinpath("koppmeta.mplstyle"))
LANGS = ("en", "nl")

TEXT = {
    "en": {
        "study": "Study", "weight": "Weight", "ci": "{level}% CI", "re_model": "RE model ({method})",
        "fe_model": "FE model", "pi": "Prediction interval", "favours_left": "Favours intervention",
        "favours_right": "Favours control", "heterogeneity": "Heterogeneity: τ² = {tau2}, I² = {i2}%, Q = {q} (df = {df}, p {p})",
        "test": "Test for overall effect: {stat} = {value} (p {p})", "funnel_x": "Effect size", "funnel_y": "Standard error",
        "pooled": "Pooled estimate", "filled": "Imputed studies (trim-and-fill, {k0})",
        "filled_estimate": "Estimate after trim-and-fill",
    },
    "nl": {
        "study": "Studie", "weight": "Gewicht", "ci": "{level}%-BI", "re_model": "RE-model ({method})",
        "fe_model": "FE-model", "pi": "Predictie-interval", "favours_left": "In het voordeel van interventie",
        "favours_right": "In het voordeel van controle", "heterogeneity": "Heterogeniteit: τ² = {tau2}, I² = {i2}%, Q = {q} (df = {df}, p {p})",
        "test": "Toets voor het totale effect: {stat} = {value} (p {p})", "funnel_x": "Effectgrootte", "funnel_y": "Standaardfout",
        "pooled": "Gepoolde schatting", "filled": "Toegevoegde studies (trim-and-fill, {k0})",
        "filled_estimate": "Schatting na trim-and-fill",
    },
}

MEASURE_LABEL = {
    "en": {"RR": "Risk ratio", "OR": "Odds ratio", "HR": "Hazard ratio", "SMD": "Standardized mean difference (Hedges' g)",
           "MD": "Mean difference", "RD": "Risk difference", None: "Effect size"},
    "nl": {"RR": "Relatief risico", "OR": "Oddsratio", "HR": "Hazardratio", "SMD": "Gestandaardiseerd gemiddeld verschil (Hedges' g)",
           "MD": "Gemiddeld verschil", "RD": "Risicoverschil", None: "Effectgrootte"},
}


@contextmanager
def style():
    """Context manager applying the koppmeta style file."""
    with plt.style.context(STYLE):
        yield


def fmt_number(x: float, digits: int = 2, lang: str = "en") -> str:
    """Format a number for display: fixed decimals, a true minus sign, decimal comma for Dutch."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "NA"
    s = f"{x:.{digits}f}"
    if s.startswith("-") and float(s) == 0:
        s = s[1:]
    s = s.replace("-", "\u2212")
    return s.replace(".", ",") if lang == "nl" else s


def _fmt_p(p: float, lang: str) -> str:
    if p < 0.001:
        return "< " + fmt_number(0.001, 3, lang)
    return "= " + fmt_number(p, 3, lang)


def forest_plot(
    fit: MetaAnalysis,
    *,
    lang: str = "en",
    digits: int = 2,
    sort: str | None = None,
    show_pi: bool = True,
    lower_is_better: bool = True,
    title: str | None = None,
    xlabel: str | None = None,
    ax=None,
) -> Figure:
    """Forest plot of a meta-analysis: one row per study, the pooled diamond and the prediction interval.

    Parameters
    ----------
    fit : MetaAnalysis
        Result of :func:`koppmeta.meta_analysis`.
    lang : {"en", "nl"}
        Language of every label; Dutch uses the decimal comma.
    digits : int
        Decimals in the ``estimate [ci_low, ci_high]`` column.
    sort : {None, "estimate", "weight", "label"}
        Row order; None keeps the input order.
    show_pi : bool
        Draw the prediction interval as a bar under the diamond (random-effects models).
    lower_is_better : bool
        Whether values left of the line of no effect favour the intervention (sets the
        "favours" labels under the axis).
    ax : matplotlib Axes, optional
        Draw the plot panel into this Axes (its figure is returned); text columns are then
        placed beside it in axes coordinates.

    Returns
    -------
    matplotlib.figure.Figure
        Ratio measures (``fit.measure`` RR, OR, HR) are drawn on a log axis with ratio tick labels.
    """
    check_choice("forest_plot", "lang", lang, LANGS)
    if not isinstance(fit, MetaAnalysis):
        raise TypeError(f"forest_plot: expected a MetaAnalysis result; got {type(fit).__name__}.")
    check_choice("forest_plot", "sort", "none" if sort is None else sort, ("none", "estimate", "weight", "label"))
    t = TEXT[lang]
    tab = fit.studies.copy()
    if sort == "estimate":
        tab = tab.sort_values("yi", kind="mergesort")
    elif sort == "weight":
        tab = tab.sort_values("weight", ascending=False, kind="mergesort")
    elif sort == "label":
        tab = tab.sort_values("label", kind="mergesort")
    ratio = fit.is_ratio
    tr = np.exp if ratio else (lambda x: x)
    k = len(tab)
    has_pi = show_pi and fit.method != "FE"
    n_rows = k + 3 + (1 if has_pi else 0)
    with style():
        if ax is None:
            height = 1.0 + 0.22 * n_rows
            fig = plt.figure(figsize=(7.4, height))
            gs = fig.add_gridspec(1, 3, width_ratios=[2.3, 2.8, 2.6], wspace=0.02)
            ax_l, ax, ax_r = fig.add_subplot(gs[0]), fig.add_subplot(gs[1]), fig.add_subplot(gs[2])
        else:
            fig = ax.figure
            ax_l = ax_r = None
        # rows from the bottom: heterogeneity text (two lines), prediction interval, pooled diamond, studies
        y_het = 0.9
        y_pi = 2.5 if has_pi else None
        y_pool = 2.5 + (1 if has_pi else 0)
        ys = np.arange(k, 0, -1, dtype=float) + y_pool
        y_head = ys[0] + 1.2 if k else y_pool + 1.2
        lo, hi = tab["ci_low"].to_numpy(), tab["ci_high"].to_numpy()
        w = tab["weight"].to_numpy()
        sizes = 12 + 110 * np.sqrt(w / w.max())
        ax.hlines(ys, tr(lo), tr(hi), color="0.15", lw=0.9, zorder=2)
        ax.scatter(tr(tab["yi"].to_numpy()), ys, s=sizes, marker="s", color="#2b5c8a", zorder=3, linewidths=0)
        est, cl, ch = fit.estimate, fit.ci_low, fit.ci_high
        diamond = Polygon([[tr(cl), y_pool], [tr(est), y_pool + 0.32], [tr(ch), y_pool], [tr(est), y_pool - 0.32]],
                          closed=True, facecolor="#b22222", edgecolor="#b22222", zorder=4)
        ax.add_patch(diamond)
        if has_pi:
            ax.hlines(y_pi, tr(fit.pi_low), tr(fit.pi_high), color="#b22222", lw=2.2, zorder=3)
        null = 1.0 if ratio else 0.0
        ax.axvline(null, color="0.3", lw=0.8, zorder=1)
        ax.axvline(tr(est), color="#b22222", lw=0.6, ls=(0, (3, 3)), zorder=1)
        ax.set_ylim(0.2, y_head + 0.8)
        ax.patch.set_alpha(0.0)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        if ratio:
            ax.set_xscale("log")
            _ratio_ticks(ax, lang)
        else:
            ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: fmt_number(v, 1, lang)))
        ax.set_xlabel(xlabel or MEASURE_LABEL[lang].get(fit.measure, MEASURE_LABEL[lang][None]))
        left, right = ("favours_left", "favours_right") if lower_is_better else ("favours_right", "favours_left")
        below = matplotlib.transforms.blended_transform_factory(ax.transData, ax.transAxes)
        ax.annotate("\u2190 " + t[left], xy=(null, 0), xycoords=below, xytext=(-5, -22), textcoords="offset points",
                    ha="right", va="top", fontsize=7, color="0.3")
        ax.annotate(t[right] + " \u2192", xy=(null, 0), xycoords=below, xytext=(5, -22), textcoords="offset points",
                    ha="left", va="top", fontsize=7, color="0.3")
        ax.xaxis.labelpad = 16
        model = t["fe_model"] if fit.method == "FE" else t["re_model"].format(method=fit.method)
        ci_head = t["ci"].format(level=f"{fit.level:g}")
        fmt = lambda x: fmt_number(float(tr(x)), digits, lang)  # noqa: E731
        rows_l = [(y, lab, "normal") for y, lab in zip(ys, tab["label"])] + [(y_pool, model, "bold")]
        sep = "; " if lang == "nl" else ", "  # a comma would be ambiguous next to decimal commas
        rows_r = [(y, f"{fmt(a)} [{fmt(b)}{sep}{fmt(c)}]", f"{fmt_number(wt, 1, lang)}%")
                  for y, a, b, c, wt in zip(ys, tab["yi"], lo, hi, w)]
        rows_r.append((y_pool, f"{fmt(est)} [{fmt(cl)}{sep}{fmt(ch)}]", "100%"))
        if has_pi:
            rows_l.append((y_pi, t["pi"], "normal"))
            rows_r.append((y_pi, f"[{fmt(fit.pi_low)}{sep}{fmt(fit.pi_high)}]", ""))
        if ax_l is not None:
            for a in (ax_l, ax_r):
                a.set_ylim(ax.get_ylim())
                a.axis("off")
            ax_l.set_xlim(0, 1)
            ax_r.set_xlim(0, 1)
            for y, lab, weight in rows_l:
                ax_l.text(0.0, y, _shorten(str(lab), 42), va="center", ha="left", fontweight=weight)
            ax_l.text(0.0, y_head, t["study"], va="center", ha="left", fontweight="bold")
            for y, ci_txt, wt_txt in rows_r:
                ax_r.text(0.70, y, ci_txt, va="center", ha="right", fontweight="bold" if y == y_pool else "normal")
                ax_r.text(1.0, y, wt_txt, va="center", ha="right")
            ax_r.text(0.70, y_head, f"{fit.measure or ''} [{ci_head}]".strip(), va="center", ha="right", fontweight="bold")
            ax_r.text(1.0, y_head, t["weight"], va="center", ha="right", fontweight="bold")
            het = t["heterogeneity"].format(tau2=fmt_number(fit.tau2, 3, lang), i2=fmt_number(fit.i2, 0, lang),
                                            q=fmt_number(fit.q, 2, lang), df=fit.q_df, p=_fmt_p(fit.q_pval, lang))
            test = t["test"].format(stat="t" if fit.test == "knha" else "z", value=fmt_number(fit.stat, 2, lang),
                                    p=_fmt_p(fit.pval, lang))
            ax_l.text(0.0, y_het, het + "\n" + test, va="center", ha="left", fontsize=7, color="0.25", clip_on=False)
        if title:
            fig.suptitle(title, x=0.02, ha="left", fontweight="bold")
    return fig


def _shorten(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 1] + "\u2026"


def _ratio_ticks(ax, lang: str) -> None:
    lo, hi = ax.get_xlim()
    ticks = [c for c in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100) if lo <= c <= hi]
    if len(ticks) < 4:
        ticks = sorted(set(ticks) | {c for c in (0.25, 0.33, 0.67, 1.5, 3, 4) if lo <= c <= hi})
    elif len(ticks) > 5:  # wide ranges: decades plus the halves around 1, so labels never collide
        ticks = [c for c in ticks if c in (0.01, 0.1, 0.5, 1, 2, 10, 100)]
    ax.set_xticks(ticks)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: fmt_number(v, 2 if v < 1 else 0, lang)))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())


def funnel_plot(fit: MetaAnalysis, *, lang: str = "en", contours: Sequence[float] = (0.10, 0.05, 0.01),
                trimfill=None, ax=None) -> Figure:
    """Contour-enhanced funnel plot: effect sizes against standard errors.

    Shaded regions mark where a study's own two-sided p-value would fall below each of
    ``contours`` (Peters et al. 2008, J Clin Epidemiol 61:991-996); the vertical line is
    the pooled estimate and the dashed lines its pseudo 95% limits. With ``trimfill`` (a
    :func:`koppmeta.trim_and_fill` result) the imputed studies are drawn as open circles and
    the filled estimate as a dashed line.
    """
    check_choice("funnel_plot", "lang", lang, LANGS)
    t = TEXT[lang]
    se = np.sqrt(fit.vi)
    with style():
        if ax is None:
            fig, ax = plt.subplots(figsize=(5.2, 4.4))
        else:
            fig = ax.figure
        top = float(se.max()) * 1.08
        grid = np.linspace(0, top, 50)
        shades = ["0.93", "0.85", "0.75"]
        for c, shade in zip(sorted(contours, reverse=True), shades):
            z = stats.norm.isf(c / 2)
            span = 1e6  # beyond any axis limit; the limits are set below
            ax.fill_betweenx(grid, z * grid, span, color=shade, lw=0, label=f"p < {fmt_number(c, 2, lang)}")
            ax.fill_betweenx(grid, -span, -z * grid, color=shade, lw=0)
        z95 = stats.norm.isf(0.025)
        ax.plot(fit.estimate - z95 * grid, grid, ls="--", color="0.4", lw=0.7)
        ax.plot(fit.estimate + z95 * grid, grid, ls="--", color="0.4", lw=0.7)
        ax.axvline(fit.estimate, color="#b22222", lw=0.9, label=t["pooled"])
        ax.scatter(fit.yi, se, s=18, color="#2b5c8a", zorder=3, edgecolor="white", linewidth=0.4)
        if trimfill is not None and trimfill.k0 > 0:
            f = trimfill.filled
            ax.scatter(f["yi"], np.sqrt(f["vi"]), s=18, facecolor="white", edgecolor="#2b5c8a", zorder=3,
                       label=t["filled"].format(k0=trimfill.k0))
            ax.axvline(trimfill.estimate, color="#b22222", lw=0.8, ls="--", label=t["filled_estimate"])
        ax.set_ylim(top, 0)
        ys_all = fit.yi if trimfill is None or trimfill.k0 == 0 else np.concatenate([fit.yi, trimfill.filled["yi"].to_numpy()])
        pad = (abs(ys_all).max() + z95 * top) * 0.05
        ax.set_xlim(min(ys_all.min(), fit.estimate - z95 * top) - pad, max(ys_all.max(), fit.estimate + z95 * top) + pad)
        ax.set_xlabel(t["funnel_x"] + (f" (log {fit.measure})" if fit.is_ratio else ""))
        ax.set_ylabel(t["funnel_y"])
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, fontsize=7, frameon=False)
    return fig


def save_figure(fig: Figure, path: str | Path, formats: Sequence[str] = ("png", "svg", "pdf")) -> list[Path]:
    """Save ``fig`` as ``path`` with each suffix in ``formats``, with no embedded dates.

    PNG at 300 dpi; SVG with a fixed hash salt; PDF without creation date. Returns the
    written paths. Parent folders are created.
    """
    base = Path(path)
    if base.suffix.lstrip(".") in ("png", "svg", "pdf"):
        formats = (base.suffix.lstrip("."),)
        base = base.with_suffix("")
    base.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "png": {"Software": None},
        "svg": {"Date": None, "Creator": None},
        "pdf": {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None},
    }
    out = []
    with style():
        for ext in formats:
            check_choice("save_figure", "formats", ext, ("png", "svg", "pdf"))
            target = base.with_suffix("." + ext)
            fig.savefig(target, format=ext, metadata=meta[ext], dpi=300 if ext == "png" else None)
            out.append(target)
    return out


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
) -> Figure:
    """Forest-style plot of published estimates with their intervals (no pooling, no weights).

    Used to put reviews' pooled results side by side. Rows without an interval are drawn as a
    hollow marker; rows without an estimate are listed with "not reported". ``group`` starts a
    new titled block for each value (for example one block per outcome). Ratio measures are drawn
    on a log axis.
    """
    check_choice("estimates_plot", "lang", lang, LANGS)
    t = TEXT[lang]
    rows = []  # (y, kind, text, est, lo, hi)
    y = 0.0
    groups = [(None, table)] if group is None else list(table.groupby(group, sort=False))
    for gname, sub in groups:
        if gname is not None:
            y -= 1
            rows.append((y, "head", str(gname), None, None, None))
        for _, r in sub.iterrows():
            y -= 1
            rows.append((y, "row", str(r[label]), r[estimate], r[ci_low], r[ci_high]))
        y -= 0.4
    n = len(rows)
    sep = "; " if lang == "nl" else ", "
    with style():
        fig = plt.figure(figsize=(7.4, 0.9 + 0.24 * n))
        gs = fig.add_gridspec(1, 3, width_ratios=[3.0, 2.6, 1.6], wspace=0.02)
        ax_l, ax, ax_r = fig.add_subplot(gs[0]), fig.add_subplot(gs[1]), fig.add_subplot(gs[2])
        for yy, kind, text, est, lo, hi in rows:
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
        ax.axvline(null, color="0.3", lw=0.8)
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
