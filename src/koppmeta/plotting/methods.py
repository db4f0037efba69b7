"""Few-trial figures: the method comparison and the Bayesian forest plot (shrinkage beside observed).

Both are descriptions of rows and columns for the shared layout (:mod:`koppmeta.plotting.layout`):
squares for studies, grey circles for shrinkage estimates, diamonds for pooled estimates, bars for
prediction intervals, and a right column ``estimate [low, high]``, in the forest plot's house style.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from ._common import check_lang, ci_header, fmt_bracket, fmt_interval, fmt_number, measure_label
from .layout import Col, Row, draw_table
from .palette import C_SHRUNK, C_STUDY

__all__ = ["method_comparison_plot", "bayesian_forest_plot", "prior_label"]

def prior_label(fit, lang: str = "en", short: bool = False) -> str:
    """The tau prior of a Bayesian result in words, in English or Dutch (decimal comma)."""
    t = check_lang("prior_label", lang)
    head = "short_" if short else "prior_"
    kind, value = (tuple(fit.tau_prior_spec) + (None, None))[:2] if fit.tau_prior_spec else ("distribution", None)
    scale = fmt_number(value, 2, lang).rstrip("0").rstrip(",.") if isinstance(value, float) else ""
    return t.get(f"{head}{kind}", t[f"{head}distribution"]).format(scale=scale)


def method_comparison_plot(comparison, ax=None, lang: str = "en", *, digits: int = 2, title: str | None = None,
                           xlabel: str | None = None, lower_is_better: bool = True, width: float | None = None,
                           xlim: tuple[float, float] | None = None) -> Figure:
    """The same data pooled by several methods (:func:`koppmeta.compare_methods`), one row per method.

    Each method's estimate and interval is a diamond; where the method has a prediction interval it
    is the bar below. Rows the method could not compute stay, marked "not computed". The column k
    gives the studies each method pooled; a note under the plot says what the intervals are, and which
    studies the count-based rows rest on.
    """
    func = "method_comparison_plot"
    t = check_lang(func, lang)
    tab = comparison.table
    tr = (lambda x: float(np.exp(x))) if comparison.is_ratio else float
    lv = f"{comparison.level:g}"
    rows: list[Row] = []
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
            rows.append(Row("empty", label, cells={"ci": t["not_computed"]}, gid=f"row-{key}"))
            continue
        rows.append(Row("pooled", label, tr(r["estimate"]), tr(r["ci_low"]), tr(r["ci_high"]),
                        {"k": str(int(r["k"])), "ci": fmt_interval(tr(r["estimate"]), tr(r["ci_low"]), tr(r["ci_high"]),
                                                                   digits, lang)},
                        gid=f"row-{key}", mark_gid=f"diamond-{key}"))
        if r["pi_low"] == r["pi_low"]:
            rows.append(Row("pi", t["pi"], math.nan, tr(r["pi_low"]), tr(r["pi_high"]),
                            {"ci": fmt_bracket(tr(r["pi_low"]), tr(r["pi_high"]), digits, lang)}, gid=f"row-pi-{key}",
                            indent=8.0, mark_gid=f"pi-{key}"))
    k_note = "" if not k_counts else (t["methods_k_note_1"] if k_counts == 1 else t["methods_k_note"].format(k=k_counts))
    note = t["methods_note"].format(level=lv, k=k_note).strip()
    cols = [Col("k", t["k_col"], side="left", align="right"),
            Col("ci", ci_header(comparison.measure, comparison.level, t))]
    return draw_table(rows, cols, lang=lang, ratio=comparison.is_ratio, xlabel=xlabel or measure_label(comparison.measure, lang),
                      label_header=t["method"], title=title, note=note, xlim=xlim, lower_is_better=lower_is_better,
                      width=width, ax=ax, func=func)


def bayesian_forest_plot(fit, ax=None, lang: str = "en", *, digits: int = 2, title: str | None = None,
                         xlabel: str | None = None, lower_is_better: bool = True, width: float | None = None,
                         xlim: tuple[float, float] | None = None) -> Figure:
    """Forest plot of :func:`koppmeta.bayesian_meta_analysis`: each study's observed effect (black, with its
    confidence interval) and below it the Bayesian (shrinkage) estimate of its true effect (grey, with its
    credible interval), then the average effect (posterior median and credible interval) and the
    predictive interval for a new study. The prior and the posterior of tau are stated under the plot.
    """
    func = "bayesian_forest_plot"
    t = check_lang(func, lang)
    tr = (lambda x: float(np.exp(x))) if fit.is_ratio else float
    lv = f"{fit.level:g}"
    st, sh = fit.studies, fit.shrinkage
    ci = lambda e, a, b: {"ci": fmt_interval(tr(e), tr(a), tr(b), digits, lang)}  # noqa: E731
    rows: list[Row] = []
    for i in range(fit.k):
        e, a, b = st["yi"].iloc[i], st["ci_low"].iloc[i], st["ci_high"].iloc[i]
        rows.append(Row("study", str(st["label"].iloc[i]), tr(e), tr(a), tr(b), ci(e, a, b), gid=f"study-{i}", idx=i,
                        colour=C_STUDY, mark_gid=f"point-study-{i}", line_gid=f"ci-study-{i}"))
        e, a, b = sh["median"].iloc[i], sh["ci_low"].iloc[i], sh["ci_high"].iloc[i]
        rows.append(Row("study", t["shrunk"], tr(e), tr(a), tr(b), ci(e, a, b), gid=f"shrunk-{i}", idx=i, indent=8.0,
                        muted=True, marker="o", colour=C_SHRUNK, mark_gid=f"point-shrunk-{i}", line_gid=f"ci-shrunk-{i}"))
    rows.append(Row("pooled", t["bayes_mu"], tr(fit.estimate), tr(fit.ci_low), tr(fit.ci_high),
                    ci(fit.estimate, fit.ci_low, fit.ci_high), gid="mu", mark_gid="diamond-mu"))
    rows.append(Row("pi", t["bayes_pi"], math.nan, tr(fit.pi_low), tr(fit.pi_high),
                    {"ci": fmt_bracket(tr(fit.pi_low), tr(fit.pi_high), digits, lang)}, gid="new", mark_gid="pi-new"))
    f = lambda x: fmt_number(x, 2, lang)  # noqa: E731
    note = t["bayes_note"].format(prior=prior_label(fit, lang), level=lv, tau=f(fit.tau_median), tau_lo=f(fit.tau_ci[0]),
                                  tau_hi=f(fit.tau_ci[1]))
    cols = [Col("ci", ci_header(fit.measure, fit.level, t))]
    return draw_table(rows, cols, lang=lang, ratio=fit.is_ratio, xlabel=xlabel or measure_label(fit.measure, lang),
                      label_header=t["study"], title=title, note=note, xlim=xlim, lower_is_better=lower_is_better,
                      width=width, ax=ax, func=func)

