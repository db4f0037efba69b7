"""Few-trial figures: the method comparison and the Bayesian forest plot (shrinkage beside observed).

Both are drawn by one row layout (:func:`_interval_rows`): a label column, the plot panel with
intervals (squares for studies, grey for shrinkage estimates, diamonds for pooled estimates, a bar
for prediction intervals) and a right column ``estimate [low, high]``, in the forest plot's house
style, fonts, number format (decimal comma in Dutch) and ratio axis (:mod:`koppmeta.plotting._common`).
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import matplotlib.ticker
import matplotlib.transforms as mtransforms
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from ._common import (
    A4_WIDTH,
    C_LINE,
    C_MUTED,
    C_POOLED,
    C_STUDY,
    check_lang,
    fit_text,
    fmt_interval,
    fmt_number,
    measure_label,
    number_formatter,
    ratio_limits,
    ratio_ticks,
    style,
    text_width,
)

__all__ = ["method_comparison_plot", "bayesian_forest_plot", "prior_label"]

C_SHRUNK = "0.55"


def prior_label(fit, lang: str = "en", short: bool = False) -> str:
    """The tau prior of a Bayesian result in words, in English or Dutch (decimal comma)."""
    t = check_lang("prior_label", lang)
    head = "short_" if short else "prior_"
    kind, value = (tuple(fit.tau_prior_spec) + (None, None))[:2] if fit.tau_prior_spec else ("distribution", None)
    scale = fmt_number(value, 2, lang).rstrip("0").rstrip(",.") if isinstance(value, float) else ""
    return t.get(f"{head}{kind}", t[f"{head}distribution"]).format(scale=scale)


def _interval_rows(rows, *, lang, ratio, xlabel, title, note, digits, lower_is_better=True, width=None):
    """Draw rows of ``dict(kind, label, est, lo, hi, extra)``; kinds: header, study, shrunk, pooled, pi, empty."""
    t = check_lang("plot", lang)
    tr = np.exp if ratio else (lambda x: x)
    fs = 7.5
    row_h = 13.0
    n = len(rows)
    label_w = max(text_width(r["label"], fs, r["kind"] in ("header", "pooled")) + (8 if r["kind"] == "shrunk" else 0)
                  for r in rows)
    right_txt = []
    for r in rows:
        if r["kind"] in ("study", "shrunk", "pooled") and r["est"] == r["est"]:
            right_txt.append(fmt_interval(float(tr(r["est"])), float(tr(r["lo"])), float(tr(r["hi"])), digits, lang))
        elif r["kind"] == "pi" and r["lo"] == r["lo"]:
            sep = "; " if lang == "nl" else ", "
            right_txt.append(f"[{fmt_number(float(tr(r['lo'])), digits, lang)}{sep}{fmt_number(float(tr(r['hi'])), digits, lang)}]")
        elif r["kind"] == "empty":
            right_txt.append(t["not_computed"])
        else:
            right_txt.append(r.get("right", ""))
    extra_head = rows[0].get("extra", "")
    extra_w = max([text_width(str(r.get("extra", "")), fs) for r in rows] + [0.0])
    right_w = max(text_width(s, fs) for s in right_txt) + 10
    fig_w = (width or A4_WIDTH) * 72
    label_col = min(label_w, fig_w * 0.45)
    left_w = label_col + (extra_w + 10 if extra_w else 0) + 10
    plot_w = max(fig_w - left_w - right_w - 12, 1.4 * 72)
    fig_w = left_w + plot_w + right_w + 12
    top = 24.0 if title else 6.0
    note_lines = note.count("\n") + 1 if note else 0
    bottom = 48.0 + 10.0 * note_lines
    fig_h = top + n * row_h + bottom
    with style():
        fig = plt.figure(figsize=(fig_w / 72, fig_h / 72))
        ax = fig.add_axes([(left_w + 4) / fig_w, bottom / fig_h, plot_w / fig_w, n * row_h / fig_h])
        if title:
            fig.text(4 / fig_w, 1 - 4 / fig_h, title, ha="left", va="top", fontweight="bold", fontsize=fs + 1.5, gid="title")
        base = mtransforms.blended_transform_factory(ax.transAxes, ax.transData)

        def put(anchor, dx, y, s, ha, bold=False, color="black", gid=None):
            if s:
                ax.text(anchor, y, s, transform=mtransforms.offset_copy(base, fig=fig, x=dx, y=0, units="points"), ha=ha,
                        va="center", fontsize=fs, fontweight="bold" if bold else "normal", color=color, clip_on=False,
                        parse_math=False, gid=gid)

        ys = -np.arange(n, dtype=float)
        vals = []
        for r, y, rt in zip(rows, ys, right_txt):
            bold = r["kind"] in ("header", "pooled")
            colour = C_MUTED if r["kind"] in ("shrunk", "empty") else "black"
            indent = 8 if r["kind"] == "shrunk" else 0
            put(0, -left_w + indent, y, fit_text(r["label"], label_col - indent, fs, bold), "left", bold, colour,
                gid=f"row-{r.get('gid', '')}-label")
            if extra_w:
                put(0, -left_w + label_col + 10 + extra_w / 2, y, str(r.get("extra", "")), "center", bold, colour)
            put(1, right_w, y, rt, "right", bold and r["kind"] == "header", colour, gid=f"row-{r.get('gid', '')}-text")
            if r["kind"] in ("study", "shrunk", "pooled", "pi") and r["lo"] == r["lo"]:
                vals += [float(tr(r["lo"])), float(tr(r["hi"]))]
        if ratio:
            ax.set_xscale("log")
            lo, hi = ratio_limits(max(min(vals), 0.01), min(max(vals), 100.0))
        else:
            lo, hi = min(min(vals), 0.0), max(max(vals), 0.0)
            pad = 0.05 * (hi - lo)
            lo, hi = lo - pad, hi + pad
        ax.set_xlim(lo, hi)
        ax.set_ylim(ys[-1] - 0.6, 0.5)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.patch.set_alpha(0.0)
        if ratio:
            ratio_ticks(ax, lang)
        else:
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
            ax.xaxis.set_major_formatter(number_formatter(lang))
            ax.set_xlim(lo, hi)
        for r, y in zip(rows, ys):
            if r["kind"] not in ("study", "shrunk", "pooled", "pi") or r["lo"] != r["lo"]:
                continue
            a, b = float(np.clip(tr(r["lo"]), lo, hi)), float(np.clip(tr(r["hi"]), lo, hi))
            gid = r.get("gid", "")
            if r["kind"] == "pi":
                ax.hlines(y, a, b, color=C_POOLED, lw=2.4, gid=f"pi-{gid}")
                continue
            e = float(np.clip(tr(r["est"]), lo, hi))
            if r["kind"] == "pooled":
                h = 0.34
                ax.add_patch(Polygon([[a, y], [e, y + h], [b, y], [e, y - h]], closed=True, facecolor=C_POOLED,
                                     edgecolor=C_POOLED, lw=0.5, zorder=4, gid=f"diamond-{gid}"))
            else:
                colour = C_STUDY if r["kind"] == "study" else C_SHRUNK
                ax.hlines(y, a, b, color=C_LINE if r["kind"] == "study" else C_SHRUNK, lw=0.8, zorder=2, gid=f"ci-{gid}")
                ax.plot([e], [y], marker="s" if r["kind"] == "study" else "o", ms=4.2, color=colour, zorder=3,
                        gid=f"point-{gid}")
        null = 1.0 if ratio else 0.0
        if lo < null < hi:
            ax.vlines(null, ys[-1] - 0.5, 0.5, color="0.25", lw=0.8, zorder=1, gid="null-line")
            below = mtransforms.blended_transform_factory(ax.transData, ax.transAxes)
            left, right = ("favours_left", "favours_right") if lower_is_better else ("favours_right", "favours_left")
            ax.annotate("\u2190 " + t[left], xy=(null, 0), xycoords=below, xytext=(-4, -19), textcoords="offset points",
                        ha="right", va="top", fontsize=fs - 0.8, color=C_MUTED)
            ax.annotate(t[right] + " \u2192", xy=(null, 0), xycoords=below, xytext=(4, -19), textcoords="offset points",
                        ha="left", va="top", fontsize=fs - 0.8, color=C_MUTED)
        ax.set_xlabel(xlabel)
        ax.xaxis.labelpad = 14
        ax.tick_params(axis="x", labelsize=fs)
        ax.xaxis.label.set_size(fs)
        if note:
            fig.text(4 / fig_w, 4 / fig_h, note, ha="left", va="bottom", fontsize=fs - 1, color=C_MUTED, gid="note",
                     wrap=False)
    return fig


def _wrap(text: str, width_pts: float, size: float) -> str:
    words, lines, cur = text.split(), [], ""
    for w in words:
        trial = f"{cur} {w}".strip()
        if text_width(trial, size) <= width_pts or not cur:
            cur = trial
        else:
            lines.append(cur)
            cur = w
    if cur:
        lines.append(cur)
    return "\n".join(lines)


def method_comparison_plot(comparison, *, lang: str = "en", digits: int = 2, title: str | None = None,
                           xlabel: str | None = None, lower_is_better: bool = True, width: float | None = None) -> Figure:
    """The same data pooled by several methods (:func:`koppmeta.compare_methods`), one row per method.

    Each method's estimate and interval is a diamond; where the method has a prediction interval it
    is the bar below. Rows the method could not compute stay, marked "not computed". A note under the
    plot says what the intervals are, and which studies the count-based rows rest on.
    """
    t = check_lang("method_comparison_plot", lang)
    tab = comparison.table
    ratio = comparison.is_ratio
    lv = f"{comparison.level:g}"
    head_est = f"{comparison.measure or ''} [{t['ci'].format(level=lv)}]".strip()
    rows = [{"kind": "header", "label": t["method"], "extra": "k", "right": head_est, "gid": "header"}]
    k_counts = None
    for _, r in tab.iterrows():
        key = r["key"]
        if key == "Bayes":
            label = t["method_Bayes"].format(prior=prior_label(comparison.fits["Bayes"], lang, short=True))
        else:
            label = t[f"method_{key}"]
        if key in ("MH", "Peto") and r["k"] == r["k"] and r["k"] < tab["k"].max():
            k_counts = int(r["k"])
        if r["estimate"] != r["estimate"]:
            rows.append({"kind": "empty", "label": label, "est": math.nan, "lo": math.nan, "hi": math.nan, "extra": "",
                         "gid": key})
            continue
        rows.append({"kind": "pooled", "label": label, "est": r["estimate"], "lo": r["ci_low"], "hi": r["ci_high"],
                     "extra": int(r["k"]), "gid": key})
        if r["pi_low"] == r["pi_low"]:
            rows.append({"kind": "pi", "label": "   " + t["pi"], "est": math.nan, "lo": r["pi_low"], "hi": r["pi_high"],
                         "extra": "", "gid": key})
    k_note = "" if not k_counts else (t["methods_k_note_1"] if k_counts == 1 else t["methods_k_note"].format(k=k_counts))
    note = t["methods_note"].format(level=lv, k=k_note).strip()
    note = _wrap(note, (width or A4_WIDTH) * 72 - 12, 6.5)
    return _interval_rows(rows, lang=lang, ratio=ratio, xlabel=xlabel or measure_label(comparison.measure, lang),
                          title=title, note=note, digits=digits, lower_is_better=lower_is_better, width=width)


def bayesian_forest_plot(fit, *, lang: str = "en", digits: int = 2, title: str | None = None,
                         xlabel: str | None = None, lower_is_better: bool = True, width: float | None = None) -> Figure:
    """Forest plot of :func:`koppmeta.bayesian_meta_analysis`: each study's observed effect (black, with its
    confidence interval) and below it the Bayesian (shrinkage) estimate of its true effect (grey, with its
    credible interval), then the average effect (posterior median and credible interval) and the
    predictive interval for a new study. The prior and the posterior of tau are stated under the plot.
    """
    t = check_lang("bayesian_forest_plot", lang)
    lv = f"{fit.level:g}"
    st, sh = fit.studies, fit.shrinkage
    head_est = f"{fit.measure or ''} [{t['ci'].format(level=lv)}]".strip()
    rows = [{"kind": "header", "label": t["study"], "right": head_est, "gid": "header"}]
    for i in range(fit.k):
        rows.append({"kind": "study", "label": str(st["label"].iloc[i]), "est": st["yi"].iloc[i], "lo": st["ci_low"].iloc[i],
                     "hi": st["ci_high"].iloc[i], "gid": f"study-{i}"})
        rows.append({"kind": "shrunk", "label": t["shrunk"], "est": sh["median"].iloc[i], "lo": sh["ci_low"].iloc[i],
                     "hi": sh["ci_high"].iloc[i], "gid": f"shrunk-{i}"})
    rows.append({"kind": "pooled", "label": t["bayes_mu"], "est": fit.estimate, "lo": fit.ci_low, "hi": fit.ci_high,
                 "gid": "mu"})
    rows.append({"kind": "pi", "label": t["bayes_pi"], "est": math.nan, "lo": fit.pi_low, "hi": fit.pi_high, "gid": "new"})
    f = lambda x: fmt_number(x, 2, lang)  # noqa: E731
    note = t["bayes_note"].format(prior=prior_label(fit, lang), level=lv, tau=f(fit.tau_median), tau_lo=f(fit.tau_ci[0]),
                                  tau_hi=f(fit.tau_ci[1]))
    note = _wrap(note, (width or A4_WIDTH) * 72 - 12, 6.5)
    return _interval_rows(rows, lang=lang, ratio=fit.is_ratio, xlabel=xlabel or measure_label(fit.measure, lang),
                          title=title, note=note, digits=digits, lower_is_better=lower_is_better, width=width)
