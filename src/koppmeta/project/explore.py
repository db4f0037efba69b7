"""The evidence base in a browser: one self-contained HTML page for students (``reports/explore.html``).

:func:`build_explore` reads the trial table and the reviews table, and precomputes with koppmeta's own
functions every selection the page's filters can make (intervention type, outcome, parental disorder,
child age, study quality / risk of bias and time point), keeping only the selections that hold at least
one row of ``data/studies.csv``. For each it stores the trials (:func:`koppmeta.project.evidence.effects_for`),
the rows that could not be used and why, and, from two trials on, the pooled result with the methods
for few trials (REML τ², Hartung-Knapp interval and the prediction interval, :func:`koppmeta.meta_analysis`)
beside the classic z test and the fixed-effect model. Every number shown is formatted here, by the
figures' own formatter (decimal comma in Dutch); the page's script only looks these up and draws them
(the evidence map, the table of trials, the forest plot as SVG). No second engine in the browser.

The page works from ``file://`` with no network: style, script and data sit inside the one file.
English and Dutch are switchable on the page.

    >>> from koppmeta.project.explore import SELECTION_FILTERS
    >>> SELECTION_FILTERS[:2]
    ('intervention_type', 'outcome')
"""

from __future__ import annotations

import itertools
import json
import functools
import math
import re
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special

from .evidence import effects_for
from .. import translations as tr
from ..models.univariate import meta_analysis
from ..results import RATIO_MEASURES, back_transform
from ..plotting._common import (
    MEASURE_LABEL,
    ROB_COLOURS,
    ROB_LEVELS,
    ROB_SYMBOLS,
    TEXT,
    fmt_interval,
    fmt_number,
    fmt_p,
    ratio_limits,
)

__all__ = ["build_explore", "write_explore", "explore_data", "write_report_page", "SELECTION_FILTERS",
           "selection_key", "MAIN_METHOD", "INDEX_LINK", "add_explore_command"]

LANGS = ("en", "nl")
ALL = "all"
# the filters in the order the page shows them; "timepoint" is not a column but the choice of follow-up
SELECTION_FILTERS = ("intervention_type", "outcome", "parent_disorder", "child_age", "risk_of_bias", "timepoint")
TRIAL_FILTERS = ("intervention_type", "parent_disorder", "child_age", "risk_of_bias")  # trial attributes
MIN_POOL = 2
# the few-trials analysis shown first, then the comparison rows (when compare_methods is not available)
MAIN_METHOD = {"method": "REML", "test": "adhoc"}  # as the report and the command line: ad hoc Hartung-Knapp
COMPARISON = (("REML", "adhoc"), ("REML", "knha"), ("REML", "z"), ("FE", "z"))
DIGITS = 2
SOURCE_NUMBERS = ("n1", "n2", "events1", "events2", "percent1", "percent2", "m1", "sd1", "m2", "sd2",
                  "reported_estimate", "reported_ci_low", "reported_ci_high", "reported_p")
REVIEW_NUMBERS = ("k", "n", "estimate", "ci_low", "ci_high", "p", "i2")

# words of the page per language: koppmeta.translations.explore_words() (codes from the data that are
# not listed there are shown as the code, underscores as spaces, in both languages)
UI, CODES = tr.explore_words()
# the footer names files; Dutch output names no file path
UI["nl"]["footer"] = "Gemaakt door koppmeta uit de tabellen met studies en reviews van het project."

# words per language: koppmeta.translations.REVIEW_TIME
REVIEW_TIME = tr.REVIEW_TIME

# colours of the page: text on a light tint of the project's risk-of-bias colours (WCAG AA, checked in
# tests/test_explore.py); the colour itself marks the border and the symbol carries the meaning
ROB_TINT = {"low": "#e3f3e8", "some_concerns": "#fcf1cc", "high": "#f7dcd9", "unclear": "#eceef0"}
ROB_INK = {"low": "#14532d", "some_concerns": "#5a4300", "high": "#7f1d1d", "unclear": "#2f3438"}


def selection_key(sel: dict) -> str:
    """The page's lookup key of a selection: the filter values joined by ``|`` in :data:`SELECTION_FILTERS` order."""
    return "|".join(str(sel[f]) for f in SELECTION_FILTERS)


def _label(kind: str, code, lang: str) -> str:
    code = str(code)
    return CODES[lang].get(kind, {}).get(code, code.replace("_", " "))


def _tp_label(tp, lang: str) -> str:
    if tp in ("longest", "shortest"):
        return UI[lang][tp]
    m = float(tp)
    return UI[lang]["post"] if m == 0 else UI[lang]["months"].format(m=_num_text(m, lang))


def _decimals(x: float) -> int:
    s = repr(float(x))
    if "e" in s or "E" in s:
        return 6
    return 0 if s.endswith(".0") else len(s.split(".")[1])


def _num_text(x, lang: str) -> str:
    """A number from the data as printed in the source (no rounding), decimal comma in Dutch."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return fmt_number(float(x), _decimals(x), lang)


def _both(f, *args, **kw) -> dict:
    return {lang: f(*args, lang=lang, **kw) for lang in LANGS}


def _clean(v):
    """JSON-safe value: NaN and pandas' missing values become None, numpy scalars plain Python."""
    if v is None:
        return None
    if isinstance(v, (float, np.floating)):
        return None if math.isnan(v) else float(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if v is pd.NA or v is pd.NaT:
        return None
    return v


def _route_text(route: str, approximate: bool, lang: str) -> str:
    words = CODES[lang]["route"]
    if route in words:
        s = words[route]
    elif route.startswith("reported "):
        s = words["reported"].format(m=route.split()[1])
    else:
        s = route
    return s + (f" ({UI[lang]['approximate']})" if approximate else "")


def _reason_text(reason: str, lang: str) -> str:
    words = CODES[lang]["reason"]
    if reason in words:
        return words[reason]
    if reason.startswith("time point"):
        return words["time point"]
    return reason if lang == "en" else "niet bruikbaar (zie de notitie in de gegevens)"


def _axis(measure: str, lo: float, hi: float) -> dict:
    """Axis limits and tick labels (both languages) on the analysis scale, from the figures' own helpers."""
    from matplotlib.figure import Figure

    from ..plotting._common import number_formatter, ratio_ticks

    ratio = measure in RATIO_MEASURES
    ticks = {}
    for lang in LANGS:
        ax = Figure().add_subplot()
        if ratio:
            a, b = ratio_limits(math.exp(lo), math.exp(hi))
            ax.set_xscale("log")
            ax.set_xlim(a, b)
            ratio_ticks(ax, lang)
        else:
            span = max(hi - lo, 0.2)
            a, b = min(lo, 0.0) - 0.05 * span, max(hi, 0.0) + 0.05 * span
            ax.set_xlim(a, b)
            ax.xaxis.set_major_formatter(number_formatter(lang))
        fmt = ax.xaxis.get_major_formatter()
        vals = [v for v in ax.get_xticks() if a - 1e-12 <= v <= b + 1e-12]
        ticks[lang] = [fmt(v, i) for i, v in enumerate(vals)]
    pos = [math.log(v) if ratio else float(v) for v in vals]
    return {"min": math.log(a) if ratio else a, "max": math.log(b) if ratio else b, "ticks": pos,
            "labels": ticks, "null": 0.0}


def _fit_numbers(fit, lang: str) -> dict:
    back = fit.back_transform
    out = {"estimate_ci": fmt_interval(back(fit.estimate), back(fit.ci_low), back(fit.ci_high), DIGITS, lang),
           "pval": fmt_p(fit.pval, lang)}
    if fit.method != "FE":
        sep = "; " if lang == "nl" else ", "
        out["pi"] = f"[{fmt_number(back(fit.pi_low), DIGITS, lang)}{sep}{fmt_number(back(fit.pi_high), DIGITS, lang)}]"
        out["heterogeneity"] = (f"τ² = {fmt_number(fit.tau2, 3, lang)}{sep}I² = {fmt_number(fit.i2, 0, lang)}%"
                                f"{sep}Q = {fmt_number(fit.q, 2, lang)} ({tr.PLOT_TEXT[lang]['df']} = {fit.q_df}{sep}p {fmt_p(fit.q_pval, lang)})")
    else:
        out["pi"] = "\u2013"
        out["heterogeneity"] = "\u2013"
    return out


def _fit_values(fit) -> dict:
    """The unrounded numbers of a fit, as koppmeta computed them (the test compares these exactly)."""
    return {k: _clean(getattr(fit, k)) for k in ("k", "estimate", "se", "ci_low", "ci_high", "pi_low", "pi_high",
                                                 "pval", "tau2", "i2", "q", "method", "test")}


def _comparison(eff: pd.DataFrame, measure: str, main) -> list[dict]:
    """The few-trials method comparison: one :func:`meta_analysis` per row of :data:`COMPARISON`."""
    rows = []
    for method, test in COMPARISON:
        fit = main if (method, test) == (main.method, main.test) else meta_analysis(
            eff["yi"].to_numpy(), eff["vi"].to_numpy(), method=method, test=test, measure=measure)
        rows.append({"key": f"{method}_{test}", "label": {lang: UI[lang][f"{method}_{test}"] for lang in LANGS},
                     "values": _fit_values(fit), "text": {lang: _fit_numbers(fit, lang) for lang in LANGS}})
    return rows


def _pool(eff: pd.DataFrame, measure: str) -> dict:
    """Everything the page shows for one set of trials: pooled numbers, comparison and forest plot."""
    k = len(eff)
    ratio = measure in RATIO_MEASURES
    back = functools.partial(back_transform, measure=measure)
    yi, vi = eff["yi"].to_numpy(float), eff["vi"].to_numpy(float)
    z = float(special.ndtri(0.975))  # a single trial: its normal-based 95% CI, as MetaAnalysis.studies gives it
    lo_i, hi_i = yi - z * np.sqrt(vi), yi + z * np.sqrt(vi)
    out = {"k": k, "measure": measure, "pooled": None, "methods": []}
    weights = [None] * k
    if k >= MIN_POOL:
        main = meta_analysis(yi, vi, method=MAIN_METHOD["method"], test=MAIN_METHOD["test"], measure=measure,
                             labels=list(eff["effect_id"]))
        per = main.studies
        lo_i, hi_i = per["ci_low"].to_numpy(float), per["ci_high"].to_numpy(float)
        weights = [float(w) for w in per["weight"]]
        out["pooled"] = {"values": _fit_values(main), "text": {lang: _fit_numbers(main, lang) for lang in LANGS}}
        out["methods"] = _comparison(eff, measure, main)
    rows = []
    for i, (_, r) in enumerate(eff.iterrows()):
        rows.append({"effect_id": r["effect_id"], "y": float(yi[i]), "lo": float(lo_i[i]), "hi": float(hi_i[i]),
                     "weight": weights[i], "rob": _clean(r["risk_of_bias"]),
                     "text": {lang: fmt_interval(back(yi[i]), back(lo_i[i]), back(hi_i[i]), DIGITS, lang) for lang in LANGS},
                     "weight_text": None if weights[i] is None else
                     {lang: fmt_number(weights[i], 1, lang) + "%" for lang in LANGS}})
    span = [min(lo_i)] + [max(hi_i)]
    if out["pooled"]:
        v = out["pooled"]["values"]
        span += [v["ci_low"], v["ci_high"], v["pi_low"], v["pi_high"]]
    span = [s for s in span if s is not None and math.isfinite(s)]
    out["forest"] = {"rows": rows, "axis": _axis(measure, min(span), max(span)),
                     "xlabel": {lang: MEASURE_LABEL[lang].get(measure, measure) for lang in LANGS}}
    if out["pooled"]:
        v = out["pooled"]["values"]
        out["forest"]["pooled"] = {"y": v["estimate"], "lo": v["ci_low"], "hi": v["ci_high"],
                                   "pi_lo": v["pi_low"], "pi_hi": v["pi_high"],
                                   "text": {lang: out["pooled"]["text"][lang]["estimate_ci"] for lang in LANGS}}
    return out


def _effect_rows(studies: pd.DataFrame) -> dict:
    """Per row of the trial table: what the page shows, each source number with its text in both languages."""
    out = {}
    for _, r in studies.iterrows():
        nums = {c: _both(_num_text, r[c]) for c in SOURCE_NUMBERS if c in r.index and _clean(r[c]) is not None}
        tp = _clean(r.get("timepoint_months"))
        out[r["effect_id"]] = {
            "study_id": r["study_id"], "citation": r["citation"],
            **{c: _clean(r.get(c)) for c in ("intervention_type", "outcome", "parent_disorder", "child_age",
                                             "risk_of_bias", "reported_measure")},
            "months": None if tp is None else _both(_num_text, tp),
            "numbers": nums, "quote": r["source_quote"], "location": r["source_location"], "source": r["source"],
            "outcome_measure": _clean(r.get("outcome_measure")),
        }
    return out


def _review_rows(reviews: pd.DataFrame) -> list[dict]:
    out = []
    for _, r in reviews.iterrows():
        if str(r.get("pooled")) != "yes" or _clean(r.get("estimate")) is None:
            continue
        tp = _clean(r.get("timepoint"))
        out.append({
            "result_id": r["result_id"], "citation": r["citation"], "outcome": _clean(r.get("outcome")),
            "intervention_type": _clean(r.get("intervention_type")), "measure": _clean(r.get("measure")),
            "timepoint": None if tp is None else {lang: _review_time(str(tp), lang) for lang in LANGS},
            "model": None if _clean(r.get("model")) is None else {lang: _label("model", r["model"], lang) for lang in LANGS},
            "numbers": {c: _both(_num_text, r[c]) for c in REVIEW_NUMBERS if c in r.index and _clean(r[c]) is not None},
            "quote": r["source_quote"], "location": r["source_location"], "source": r["source"]})
    return out


def _review_time(tp: str, lang: str) -> str:
    """A review's time point code in words: ``post``, ``12m``, ``9-18m``, ``>=24m``, ``short_term`` ..."""
    words = REVIEW_TIME[lang]
    if tp in words:
        return words[tp]
    m = re.fullmatch(r"(>=|<=)?([0-9.]+)(?:-([0-9.]+))?m", tp)
    if m:
        sign = {">=": "≥ ", "<=": "≤ "}.get(m.group(1) or "", "")
        span = _num_text(float(m.group(2)), lang) + ("" if m.group(3) is None else "–" + _num_text(float(m.group(3)), lang))
        return words["months"].format(m=sign + span)
    return tp.replace("_", " ")


def _timepoints(rows: pd.DataFrame) -> list:
    months = sorted({float(m) for m in rows["timepoint_months"].dropna()})
    return ["longest", "shortest"] + months


def explore_data(studies: pd.DataFrame | None = None, reviews: pd.DataFrame | None = None) -> dict:
    """Every selection the page's filters can make, with what koppmeta computes for it (a JSON-able dict).

    Keys of ``selections`` are :func:`selection_key` strings; only selections holding at least one row of
    the trial table are listed. Each points into ``results``, one per distinct set of rows, holding the
    trials used (``effects``), the rows that could not be used with the reason (``unused``) and, from two
    trials on, the pooled result (``pooled``), the method comparison (``methods``) and the forest plot's
    numbers (``forest``).
    """
    from .data import load_reviews, load_studies

    studies = load_studies() if studies is None else studies
    reviews = load_reviews() if reviews is None else reviews
    trial_filters = [f for f in TRIAL_FILTERS if f in studies.columns]
    outcomes = sorted(studies["outcome"].dropna().unique())
    order = {f: list(CODES["en"].get(f, {})) for f in trial_filters}  # the codebook's order, new codes after
    order["risk_of_bias"] = list(ROB_LEVELS)
    options = {f: [ALL] + sorted(studies[f].dropna().astype(str).unique(),
                                 key=lambda v, f=f: (order[f].index(v) if v in order[f] else len(order[f]), v))
               for f in trial_filters}
    selections, results, result_index = {}, [], {}
    for outcome in outcomes:
        rows_o = studies[studies["outcome"] == outcome]
        for tp in _timepoints(rows_o):
            try:
                eff = effects_for(studies, outcome, timepoint=tp)
            except ValueError as exc:  # several usable rows of one trial at this time point: not a selection
                if "several usable rows" in str(exc):
                    continue
                raise
            unused = [(eid, reason) for eid, reason in eff.attrs["unused"]]
            eff.attrs = {}  # pandas copies attrs on every operation; the list is kept in ``unused``
            eff_ids = eff["effect_id"].to_numpy(object)
            if tp not in ("longest", "shortest"):
                unused = [(e, r) for e, r in unused if not r.startswith("time point")]
            unused_rows = rows_o.set_index("effect_id").loc[[e for e, _ in unused]] if unused else rows_o.iloc[:0]
            # one boolean mask per filter value, so that each combination is a few array operations
            masks = {}
            for f in trial_filters:
                for v in options[f]:
                    if v == ALL:
                        masks[f, v] = (np.ones(len(eff), bool), np.ones(len(unused), bool))
                    else:
                        masks[f, v] = ((eff[f].notna() & (eff[f].astype(str) == v)).to_numpy(bool),
                                       (unused_rows[f].notna() & (unused_rows[f].astype(str) == v)).to_numpy(bool))
            for combo in itertools.product(*(options[f] for f in trial_filters)):
                sel = dict(zip(trial_filters, combo))
                m_eff = np.ones(len(eff), bool)
                m_un = np.ones(len(unused), bool)
                for f, v in sel.items():
                    m_eff = m_eff & masks[f, v][0]
                    m_un = m_un & masks[f, v][1]
                if not m_eff.any() and not m_un.any():
                    continue
                ids = tuple(eff_ids[m_eff])
                un = tuple(u for u, keep in zip(unused, m_un) if keep)
                rid = result_index.get((outcome, ids, un))
                if rid is None:
                    sub = eff[m_eff].reset_index(drop=True)
                    res = {"outcome": outcome, "effects": list(ids),
                           "unused": [{"effect_id": e, "reason": {lang: _reason_text(r, lang) for lang in LANGS}}
                                      for e, r in un],
                           "approximate": [bool(a) for a in sub["approximate"]],
                           "route": [{lang: _route_text(r, a, lang) for lang in LANGS}
                                     for r, a in zip(sub["route"], sub["approximate"])]}
                    if len(sub):
                        res.update(_pool(sub, sub["measure"].iloc[0]))
                    else:
                        res.update({"k": 0, "pooled": None, "methods": [], "forest": None})
                    rid = result_index[(outcome, ids, un)] = len(results)
                    results.append(res)
                full = {"outcome": outcome, "timepoint": tp if isinstance(tp, str) else _tp_code(tp), **sel}
                for f in TRIAL_FILTERS:
                    full.setdefault(f, ALL)
                selections[selection_key(full)] = rid
    tp_codes = sorted({k.split("|")[-1] for k in selections}, key=_tp_sort)
    filters = []
    for f in SELECTION_FILTERS:
        if f == "outcome":
            values = outcomes
        elif f == "timepoint":
            values = tp_codes
        elif f in trial_filters:
            values = options[f]
        else:
            continue  # a column the data no longer has: no filter for it
        labels = {lang: {str(v): (UI[lang]["all"] if v == ALL else _tp_label(v, lang) if f == "timepoint"
                                  else _label(f, v, lang)) for v in values} for lang in LANGS}
        filters.append({"name": f, "values": [str(v) for v in values], "labels": labels})
    default = {f: ALL for f in TRIAL_FILTERS}
    default["timepoint"] = "longest"
    default.update(outcome=max(
        outcomes, key=lambda o: (results[selections.get(selection_key({**default, "outcome": o}), 0)]["k"]
                                 if selection_key({**default, "outcome": o}) in selections else -1, -outcomes.index(o))))
    return {
        "key_order": list(SELECTION_FILTERS), "default": default,
        "filters": filters, "selections": selections, "results": results,
        "rows": _effect_rows(studies), "reviews": _review_rows(reviews),
        "map": _map(studies, trial_filters),
        "ui": UI, "codes": {lang: {"intervention_type": CODES[lang]["intervention_type"]} for lang in LANGS},
        "rob": {"levels": list(ROB_LEVELS), "symbol": ROB_SYMBOLS, "colour": ROB_COLOURS, "tint": ROB_TINT,
                "ink": ROB_INK, "labels": {lang: {k: _label("risk_of_bias", k, lang) for k in ROB_LEVELS} for lang in LANGS}},
        "measure_label": {lang: {m: MEASURE_LABEL[lang].get(m, m) for m in ("RR", "SMD", "OR", "HR")} for lang in LANGS},
    }


def _tp_code(m: float) -> str:
    return f"{m:g}"


def _tp_sort(code: str):
    return (0, code) if code in ("longest", "shortest") else (1, float(code))


def _map(studies: pd.DataFrame, trial_filters: list[str]) -> list[dict]:
    """The evidence map's entries: one per trial x outcome x intervention type, with what the filters need."""
    usable = set()
    for outcome in studies["outcome"].dropna().unique():
        for tp in ("longest", "shortest"):
            usable |= set(effects_for(studies, outcome, timepoint=tp)["study_id"] + "|" + outcome)
    worst = {lvl: i for i, lvl in enumerate(("low", "some_concerns", "unclear", "high"))}
    out = {}
    for _, r in studies.iterrows():
        key = (r["study_id"], r["outcome"], _clean(r["intervention_type"]))
        e = out.setdefault(key, {"study_id": r["study_id"], "citation": r["citation"], "outcome": r["outcome"],
                                 "intervention_type": key[2], "usable": f"{r['study_id']}|{r['outcome']}" in usable,
                                 **{f: set() for f in trial_filters if f != "intervention_type"}})
        for f in trial_filters:
            if f == "intervention_type":
                continue
            v = _clean(r[f])
            if v is not None:
                e[f].add(str(v))
    rows = []
    for e in out.values():
        robs = sorted(e.get("risk_of_bias", set()), key=lambda v: worst.get(v, 99))
        rows.append({**{k: (sorted(v) if isinstance(v, set) else v) for k, v in e.items()},
                     "rob": robs[-1] if robs else None})
    return sorted(rows, key=lambda e: (e["outcome"], str(e["intervention_type"]), e["study_id"]))


def build_explore(studies: pd.DataFrame | None = None, reviews: pd.DataFrame | None = None, lang: str = "en") -> str:
    """The explore page as one self-contained HTML document (a string); ``lang`` is the language it opens in."""
    from .._validation import check_choice

    check_choice("build_explore", "lang", lang, LANGS)
    data = explore_data(studies, reviews)
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    payload = payload.replace("</", "<\\/")  # no "</script>" inside the data block
    template = resources.files("koppmeta.project").joinpath("templates/explore.html").read_text(encoding="utf-8")
    return (template.replace("{{LANG}}", lang).replace("{{TITLE}}", UI[lang]["title"])
            .replace("{{DATA}}", payload))


def write_explore(path: str | Path, lang: str = "en", studies: pd.DataFrame | None = None,
                  reviews: pd.DataFrame | None = None) -> Path:
    """Write the explore page to ``path`` (UTF-8); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(build_explore(studies, reviews, lang=lang), encoding="utf-8")
    return path


# the landing page's sentence on the explore page (reports/index.html)
INDEX_LINK = ("<p><a href='explore.html'>Explore the evidence base in your browser</a>: filter the trials by "
              "intervention type, outcome, parental disorder, child age, study quality and time point, see the "
              "pooled result and forest plot for your choice beside the reviews' published results, and click any "
              "number to read the sentence it comes from (one offline file, English and Dutch).</p>")


def write_report_page(reports: str | Path, root: str | Path | None = None) -> Path:
    """The main job's hook (:func:`koppmeta.project.reproduce.run`): ``reports/explore.html``, opening in English.

    ``root`` is the project folder whose ``data/`` is read (default: the one found from the working folder).
    """
    from .data import load_reviews, load_studies

    studies = reviews = None
    if root is not None:
        studies = load_studies(Path(root) / "data" / "studies.csv")
        reviews = load_reviews(Path(root) / "data" / "reviews.csv")
    return write_explore(Path(reports) / "explore.html", lang="en", studies=studies, reviews=reviews)


def add_explore_command(subparsers) -> None:
    """Register ``koppmeta explore [--lang nl|en] [--output PATH]`` on the command line's subparsers."""
    p = subparsers.add_parser("explore", help="the evidence base as one offline HTML page for students")
    p.add_argument("--lang", default="en", choices=LANGS, help="language the page opens in (switchable on the page)")
    p.add_argument("--output", default=None, help="file to write (default: reports/explore.html)")
    p.add_argument("--data", default=None, help="trial table (default: data/studies.csv)")
    p.add_argument("--reviews", default=None, help="reviews table (default: data/reviews.csv)")
    p.set_defaults(func=_explore_command)


def _explore_command(args) -> int:
    from .data import DataError, load_reviews, load_studies
    from .paths import reports_dir

    try:
        output = Path(args.output) if args.output else reports_dir() / "explore.html"
        studies, reviews = load_studies(args.data), load_reviews(args.reviews)
    except (FileNotFoundError, DataError) as exc:
        raise SystemExit(f"koppmeta explore: {exc}") from None
    path = write_explore(output, lang=args.lang, studies=studies, reviews=reviews)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")
    return 0
