"""Shared pieces of every figure: the style file, the words in English and Dutch, number
formatting (decimal comma in Dutch), ratio-axis ticks, text measurement and deterministic saving."""

from __future__ import annotations

from .. import _format as _fmt

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

STYLE = str(resources.files("koppmeta.plotting").joinpath("koppmeta.mplstyle"))
LANGS = ("en", "nl")

# A4 page: text width 6.3 in (16 cm), one column 3.1 in, text height 9.4 in.
A4_WIDTH = 6.3
A4_COLUMN = 3.1
A4_HEIGHT = 9.4

# colours (colour-blind safe where they carry meaning)
C_STUDY = "#1f4e79"
C_SUBTOTAL = "0.2"
C_POOLED = "#b22222"
C_LINE = "0.15"
C_MUTED = "0.35"
ROB_COLOURS = {"low": "#2e9e4f", "some_concerns": "#e8b400", "high": "#c0392b", "unclear": "#9aa0a6"}
ROB_SYMBOLS = {"low": "+", "some_concerns": "\u2212", "high": "\u00d7", "unclear": "?"}
ROB_LEVELS = tuple(ROB_COLOURS)

TEXT = {
    "en": {
        "study": "Study", "weight": "Weight", "ci": "{level}% CI", "re_model": "RE model ({method})",
        "fe_model": "FE model", "pi": "Prediction interval", "favours_left": "Favours intervention",
        "favours_right": "Favours control",
        "heterogeneity": "Heterogeneity: τ² = {tau2}, I² = {i2}%, Q = {q} (df = {df}, p {p})",
        "heterogeneity_short": "Heterogeneity: τ² = {tau2}; I² = {i2}%; Q = {q}, df = {df} (p {p})",
        "test": "Test for overall effect: {stat} = {value} (p {p})", "funnel_x": "Effect size", "funnel_y": "Standard error",
        "pooled": "Pooled estimate", "filled": "Imputed studies (trim-and-fill, {k0})",
        "filled_estimate": "Estimate after trim-and-fill", "observed": "Studies",
        "subtotal": "Subtotal", "overall": "Overall ({model})", "group_k": "{name} (k = {k})",
        "subgroup_test": "Test for subgroup differences: {stat} = {value}, df = {df} (p {p})",
        "common_tau2": "one common τ² for all subgroups", "not_applicable": "Heterogeneity: not applicable",
        "rob": "Risk of bias", "rob_short": "RoB",
        "rob_legend": "Risk of bias: + low, \u2212 some concerns, \u00d7 high, ? unclear",
        "low": "low", "some_concerns": "some concerns", "high": "high", "unclear": "unclear",
        "p_region": "{lo} < p < {hi}", "p_below": "p < {c}", "pseudo_ci": "Pseudo 95% limits",
        "added": "+ {label}", "omitted": "\u2212 {label}", "cumulative": "Cumulative estimate",
        "loo": "Estimate without the study", "all_studies": "All studies",
        "baujat_x": "Contribution to overall heterogeneity (Q)", "baujat_y": "Influence on the pooled estimate",
        "gosh_x": "Pooled estimate of the subset", "gosh_y": "I² of the subset (%)", "count": "Subsets",
        "bubble_y": "Effect size", "fitted": "Fitted line ({level}% CI)",
        "i2_col": "I²", "tau2_col": "τ²",
        "method": "Method", "method_FE": "Fixed effect (inverse variance)", "method_REML-z": "Random effects (REML), z test",
        "method_REML-HKSJ": "Random effects (REML), Hartung-Knapp",
        "method_REML-HKSJ-adhoc": "Random effects (REML), Hartung-Knapp, ad hoc",
        "method_MH": "Mantel-Haenszel (fixed effect)", "method_Peto": "Peto (fixed effect)", "method_Bayes": "Bayesian ({prior})",
        "not_computed": "not computed", "tau_col": "τ",
        "methods_note": "Diamond: estimate with its {level}% interval (credible interval for the Bayesian row); "
                        "bar: prediction interval for a new study. {k}",
        "methods_k_note": "Mantel-Haenszel/Peto use the {k} studies with arm counts.",
        "methods_k_note_1": "Mantel-Haenszel/Peto use the one study with arm counts.",
        "prior_half-normal": "half-normal prior for τ, scale {scale}", "prior_half-cauchy": "half-Cauchy prior for τ, scale {scale}",
        "prior_uniform": "uniform prior for τ on [0, {scale}]", "prior_turner": "Turner et al. 2015 prior for τ",
        "prior_rhodes": "Rhodes et al. 2015 prior for τ", "prior_distribution": "own prior for τ",
        "short_half-normal": "half-normal prior, scale {scale}", "short_half-cauchy": "half-Cauchy prior, scale {scale}",
        "short_uniform": "uniform prior, [0, {scale}]", "short_turner": "Turner et al. 2015 prior",
        "short_rhodes": "Rhodes et al. 2015 prior", "short_distribution": "own prior",
        "observed_effect": "Observed", "shrunk": "Bayesian (shrinkage) estimate",
        "bayes_mu": "Average effect (posterior median)", "bayes_pi": "Predictive interval, new study",
        "bayes_note": "Bayesian random-effects model, {prior}; black: observed effect ({level}% CI), "
                      "grey: shrinkage estimate ({level}% credible interval). τ: posterior median {tau} "
                      "[{tau_lo}, {tau_hi}].",
    },
    "nl": {
        "study": "Studie", "weight": "Gewicht", "ci": "{level}%-BI", "re_model": "Variabele effecten ({method})",
        "fe_model": "FE-model", "pi": "Predictie-interval", "favours_left": "In het voordeel van interventie",
        "favours_right": "In het voordeel van controle",
        "heterogeneity": "Heterogeniteit: τ² = {tau2}, I² = {i2}%, Q = {q} (df = {df}, p {p})",
        "heterogeneity_short": "Heterogeniteit: τ² = {tau2}; I² = {i2}%; Q = {q}, df = {df} (p {p})",
        "test": "Toets voor het totale effect: {stat} = {value} (p {p})", "funnel_x": "Effectgrootte", "funnel_y": "Standaardfout",
        "pooled": "Gepoolde schatting", "filled": "Toegevoegde studies (trim-and-fill, {k0})",
        "filled_estimate": "Schatting na trim-and-fill", "observed": "Studies",
        "subtotal": "Subtotaal", "overall": "Totaal ({model})", "group_k": "{name} (k = {k})",
        "subgroup_test": "Toets voor verschil tussen subgroepen: {stat} = {value}, df = {df} (p {p})",
        "common_tau2": "één gemeenschappelijke τ² voor alle subgroepen", "not_applicable": "Heterogeniteit: niet van toepassing",
        "rob": "Risico op vertekening", "rob_short": "RoB",
        "rob_legend": "Risico op vertekening: + laag, \u2212 enige zorgen, \u00d7 hoog, ? onduidelijk",
        "low": "laag", "some_concerns": "enige zorgen", "high": "hoog", "unclear": "onduidelijk",
        "p_region": "{lo} < p < {hi}", "p_below": "p < {c}", "pseudo_ci": "Pseudo-95%-grenzen",
        "added": "+ {label}", "omitted": "\u2212 {label}", "cumulative": "Cumulatieve schatting",
        "loo": "Schatting zonder de studie", "all_studies": "Alle studies",
        "baujat_x": "Bijdrage aan de totale heterogeniteit (Q)", "baujat_y": "Invloed op de gepoolde schatting",
        "gosh_x": "Gepoolde schatting van de deelverzameling", "gosh_y": "I² van de deelverzameling (%)",
        "count": "Deelverzamelingen", "bubble_y": "Effectgrootte", "fitted": "Regressielijn ({level}%-BI)",
        "i2_col": "I²", "tau2_col": "τ²",
        "method": "Methode", "method_FE": "Vast effect (inverse variantie)", "method_REML-z": "Variabele effecten (REML), z-toets",
        "method_REML-HKSJ": "Variabele effecten (REML), Hartung-Knapp",
        "method_REML-HKSJ-adhoc": "Variabele effecten (REML), Hartung-Knapp, ad hoc",
        "method_MH": "Mantel-Haenszel (vast effect)", "method_Peto": "Peto (vast effect)", "method_Bayes": "Bayesiaans ({prior})",
        "not_computed": "niet berekend", "tau_col": "τ",
        "methods_note": "Ruit: schatting met {level}%-interval (geloofwaardigheidsinterval voor de bayesiaanse rij); "
                        "balk: predictie-interval voor een nieuwe studie. {k}",
        "methods_k_note": "Mantel-Haenszel/Peto gebruiken de {k} studies met aantallen per arm.",
        "methods_k_note_1": "Mantel-Haenszel/Peto gebruiken de ene studie met aantallen per arm.",
        "prior_half-normal": "halfnormale priorverdeling voor τ, schaal {scale}",
        "prior_half-cauchy": "half-Cauchy-priorverdeling voor τ, schaal {scale}",
        "prior_uniform": "uniforme priorverdeling voor τ op [0; {scale}]", "prior_turner": "priorverdeling voor τ van Turner e.a. 2015",
        "prior_rhodes": "priorverdeling voor τ van Rhodes e.a. 2015", "prior_distribution": "eigen priorverdeling voor τ",
        "short_half-normal": "halfnormaal, schaal {scale}", "short_half-cauchy": "half-Cauchy, schaal {scale}",
        "short_uniform": "uniform, [0; {scale}]", "short_turner": "Turner e.a. 2015",
        "short_rhodes": "Rhodes e.a. 2015", "short_distribution": "eigen priorverdeling",
        "observed_effect": "Waargenomen", "shrunk": "Bayesiaanse schatting (bijgesteld)",
        "bayes_mu": "Gemiddeld effect (mediaan achteraf)", "bayes_pi": "Voorspellingsinterval, nieuwe studie",
        "bayes_note": "Bayesiaans model met variabele effecten, {prior}; zwart: waargenomen effect ({level}%-BI), "
                      "grijs: bijgestelde schatting ({level}%-geloofwaardigheidsinterval). τ: mediaan achteraf {tau} "
                      "[{tau_lo}; {tau_hi}].",
    },
}

MEASURE_LABEL = {
    "en": {"RR": "Risk ratio", "OR": "Odds ratio", "HR": "Hazard ratio", "IRR": "Incidence rate ratio",
           "SMD": "Standardized mean difference (Hedges' g)", "MD": "Mean difference", "RD": "Risk difference",
           None: "Effect size"},
    "nl": {"RR": "Relatief risico", "OR": "Oddsratio", "HR": "Hazardratio", "IRR": "Incidentiedichtheidsratio",
           "SMD": "Gestandaardiseerd gemiddeld verschil (Hedges' g)", "MD": "Gemiddeld verschil",
           "RD": "Risicoverschil", None: "Effectgrootte"},
}

RATIO_MEASURES = ("RR", "OR", "HR", "IRR")


@contextmanager
def style():
    """Context manager applying the koppmeta style file."""
    with plt.style.context(STYLE):
        yield


def fmt_number(x: float, digits: int = 2, lang: str = "en") -> str:
    """Format a number for a figure: :func:`koppmeta._format.number` with ``NA`` for a missing value."""
    return _fmt.number(x, digits, lang, missing="NA")


def fmt_p(p: float, lang: str) -> str:
    """``"< 0.001"`` or ``"= 0.123"`` (decimal comma in Dutch)."""
    return _fmt.pvalue(p, 3, lang, style="equals")


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
    """Ticks for a log axis showing ratios: 1-2-5 values in range, labelled as ratios (0.5, 1, 2)."""
    lo, hi = ax.get_xlim() if axis == "x" else ax.get_ylim()
    lo, hi = min(lo, hi), max(lo, hi)
    eps = 1e-9
    ticks = [c for c in RATIO_LADDER if lo * (1 - eps) <= c <= hi * (1 + eps)]
    if len(ticks) < 3:
        ticks = sorted(set(ticks) | {c for c in (0.25, 0.33, 0.67, 0.8, 1.25, 1.5, 3, 4) if lo <= c <= hi})
    elif len(ticks) > 7:  # wide ranges: decades plus the halves around 1, so labels never collide
        ticks = [c for c in ticks if math.isclose(math.log10(c) % 1, 0, abs_tol=1e-9)
                 or math.isclose(math.log10(c) % 1, 1, abs_tol=1e-9) or c in (0.5, 2) or math.isclose(c, lo) or math.isclose(c, hi)]
    a = ax.xaxis if axis == "x" else ax.yaxis
    (ax.set_xticks if axis == "x" else ax.set_yticks)(ticks)

    def label(v, _):
        s = f"{v:.3f}".rstrip("0").rstrip(".") if v < 1 else f"{v:.2f}".rstrip("0").rstrip(".")
        return s.replace(".", ",") if lang == "nl" else s

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
