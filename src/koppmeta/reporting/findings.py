"""Summary of findings with absolute effects and GRADE certainty, in English and Dutch.

:func:`summary_of_findings` turns pooled results into the table of a Cochrane review
(Cochrane Handbook v6.4, chapter 14, "Completing 'Summary of findings' tables and grading the
certainty of the evidence"): per outcome the relative effect with its interval, the risk without
and with the intervention per 1,000 at one or more baseline risks, the difference per 1,000, the
number needed to treat with its interval (Altman 1998, BMJ 317:1309-1312), the participants and
trials, and the certainty of the evidence (GRADE; Guyatt et al. 2008, BMJ 336:924-926) with the
downgrades the author states per domain, beside suggestions computed from the data.

Formulas, for a risk ratio RR with interval (RR_lo, RR_hi) and a baseline risk p:

- risk without the intervention, per 1,000: ``1000 p``; with it: ``1000 p RR`` (interval
  ``1000 p RR_lo`` to ``1000 p RR_hi``);
- difference per 1,000: ``1000 p (RR - 1)`` (interval ``1000 p (RR_lo - 1)`` to ``1000 p (RR_hi - 1)``);
- absolute risk reduction ``ARR = p (1 - RR)``, NNT = ``1 / ARR`` (positive: benefit, NNTB;
  negative: harm, NNTH). The interval of the NNT is the reciprocal of the interval of the ARR;
  when that interval contains 0 the NNT interval runs from NNTB ``1 / ARR_hi`` through infinity
  to NNTH ``1 / |ARR_lo|`` (Altman 1998, p. 1310, "Confidence intervals for NNT when the
  treatment effect is not significant").

Suggested downgrades (the author decides; each suggestion comes with its footnote):

- imprecision: one level when the interval includes no effect, one when the total number of
  participants is below the optimal information size (OIS: the size of one adequately powered
  trial, two-sided alpha 0.05, power 0.80, a relative risk reduction of 25% at the baseline risk,
  or a standardized difference of 0.2; GRADE guidelines 6, Guyatt et al. 2011, J Clin Epidemiol
  64:1283-1293, pp. 1286-1288);
- inconsistency: one level when I² is 50% or more, or when the prediction interval includes no
  effect while the confidence interval does not (GRADE guidelines 7, Guyatt et al. 2011,
  J Clin Epidemiol 64:1294-1302; Cochrane Handbook 10.10.2);
- risk of bias: one level when trials at high or unclear risk carry half of the weight or more,
  two when trials at high risk alone do;
- publication bias: never suggested from fewer than 10 trials (tests have too little power;
  Cochrane Handbook 13.3.5.4), which the footnote says;
- indirectness: a judgement only the author can make.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from scipy import stats

from .. import translations as tr
from .. import formatting
from .._validation import check_choice
from ..models.univariate import MetaAnalysis
from ..results import Result, back_transform, is_ratio

__all__ = ["summary_of_findings", "SummaryOfFindings", "PublishedEffect", "optimal_information_size", "nnt_interval", "DOMAINS"]

DOMAINS = ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias")
LEVELS = ("very_low", "low", "moderate", "high")

# the words of the table, its footnotes and the GRADE judgements, in koppmeta.translations (the one table)
WORDS = tr.FINDINGS_TEXT
TEST_NAME = tr.FINDINGS_TEST_NAME


@dataclass(frozen=True)
class PublishedEffect:
    """A pooled result as a review printed it, for :func:`summary_of_findings` beside re-analyses.

    ``estimate, ci_low, ci_high`` on the printed scale (a ratio for RR, OR, HR); ``k`` and ``i2``
    when printed (None otherwise). There is no prediction interval and no per-trial weight, so the
    inconsistency and risk-of-bias suggestions say that they cannot be computed.
    """

    measure: str
    estimate_printed: float
    ci_low_printed: float
    ci_high_printed: float
    k: int | None = None
    i2_printed: float | None = None
    source: str = ""

    def __post_init__(self):
        lo, est, hi = self.ci_low_printed, self.estimate_printed, self.ci_high_printed
        if not (lo <= est <= hi):
            raise ValueError(f"PublishedEffect: the interval {lo} to {hi} must contain the estimate {est}.")
        if is_ratio(self.measure) and not lo > 0:
            raise ValueError(f"PublishedEffect: a {self.measure} and its interval must be > 0; got {lo}.")

    def _t(self, x):
        return math.log(x) if is_ratio(self.measure) else x

    estimate = property(lambda self: self._t(self.estimate_printed))
    ci_low = property(lambda self: self._t(self.ci_low_printed))
    ci_high = property(lambda self: self._t(self.ci_high_printed))
    pi_low = property(lambda self: math.nan)
    pi_high = property(lambda self: math.nan)
    i2 = property(lambda self: math.nan if self.i2_printed is None else float(self.i2_printed))
    tau2 = property(lambda self: math.nan)
    method = property(lambda self: "published")
    test = property(lambda self: "published")
    level = property(lambda self: 95.0)


def optimal_information_size(*, baseline_risk: float | None = None, rrr: float = 0.25, smd: float = 0.2,
                             alpha: float = 0.05, power: float = 0.80) -> float:
    """Total participants of one adequately powered two-arm trial (GRADE's optimal information size).

    Binary outcome (``baseline_risk`` given): per arm ``(z_(1-alpha/2) + z_power)^2 [p0 (1 - p0) +
    p1 (1 - p1)] / (p0 - p1)^2`` with ``p1 = p0 (1 - rrr)``; continuous outcome: per arm
    ``2 (z_(1-alpha/2) + z_power)^2 / smd^2``. Returns twice the per-arm size, unrounded
    (Guyatt et al. 2011, J Clin Epidemiol 64:1283-1293, p. 1286).
    """
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    if baseline_risk is None:
        if not smd > 0:
            raise ValueError(f"optimal_information_size: argument 'smd' must be > 0; got {smd!r}.")
        return 2 * 2 * z**2 / smd**2
    p0 = float(baseline_risk)
    if not 0 < p0 < 1:
        raise ValueError(f"optimal_information_size: argument 'baseline_risk' must lie between 0 and 1; got {p0!r}.")
    if not 0 < rrr < 1:
        raise ValueError(f"optimal_information_size: argument 'rrr' must lie between 0 and 1; got {rrr!r}.")
    p1 = p0 * (1 - rrr)
    return 2 * z**2 * (p0 * (1 - p0) + p1 * (1 - p1)) / (p0 - p1) ** 2


def nnt_interval(arr: float, arr_low: float, arr_high: float) -> tuple[float, float, float, bool]:
    """NNT and its interval from an absolute risk reduction and its interval (Altman 1998).

    Returns ``(nnt, nnt_a, nnt_b, through_infinity)``: ``nnt = 1 / arr`` (negative = harm),
    ``nnt_a = 1 / arr_high`` and ``nnt_b = 1 / arr_low``. When ``arr_low < 0 < arr_high`` the
    interval is "NNTB ``nnt_a`` to infinity to NNTH ``|nnt_b|``" (``through_infinity`` True);
    otherwise it is the ordinary interval between ``nnt_a`` and ``nnt_b``.
    """
    inv = lambda x: math.inf if x == 0 else 1.0 / x  # noqa: E731
    return inv(arr), inv(arr_high), inv(arr_low), bool(arr_low < 0 < arr_high)


def _baselines(spec, outcome: str) -> list[tuple[float, str]]:
    if spec is None:
        return []
    if isinstance(spec, Mapping):
        spec = spec.get(outcome, [])
    if isinstance(spec, (int, float)):
        spec = [spec]
    out = []
    for j, b in enumerate(spec):
        risk, label = (b if isinstance(b, tuple) else (b, ""))
        risk = float(risk)
        if not 0 < risk < 1:
            raise ValueError(f"summary_of_findings: argument 'baseline_risks', outcome {outcome!r}, entry {j + 1}: "
                             f"value {risk!r} is not a risk between 0 and 1 (give 0.29, not 29).")
        out.append((risk, str(label)))
    return out


def _downgrade(value, outcome: str, domain: str) -> tuple[int, str]:
    n, why = (value if isinstance(value, tuple) else (value, ""))
    if n not in (0, 1, 2) or isinstance(n, bool):
        raise ValueError(f"summary_of_findings: argument 'downgrades', outcome {outcome!r}, domain {domain!r}: "
                         f"value {n!r} is not allowed; a GRADE downgrade is 0, 1 or 2 levels.")
    return int(n), str(why)


@dataclass(frozen=True)
class SummaryOfFindings(Result):
    """Result of :func:`summary_of_findings`: one row per outcome and baseline risk.

    ``rows`` holds the unrounded numbers (``to_frame()``); ``to_html(lang)``,
    ``to_docx(path_or_document, lang)`` and ``figure(lang)`` show them in English or Dutch.
    """

    rows: tuple = field(repr=False)
    settings: dict = field(default_factory=dict, repr=False)

    def _records(self) -> list[dict[str, Any]]:
        return [{k: v for k, v in r.items() if not k.startswith("_")} for r in self.rows]

    heading = "Summary of findings"

    def _table(self) -> pd.DataFrame:
        header, body, _ = self.cells("en")
        return pd.DataFrame(body, columns=header).set_index(header[0])

    def _notes(self) -> tuple[str, ...]:
        return tuple(f"{i}. {n}" for i, n in enumerate(self.cells("en")[2], start=1))

    # ------------------------------------------------------------------ display
    def cells(self, lang: str = "en") -> tuple[list[str], list[list[str]], list[str]]:
        """(header, rows of text cells, footnotes) in ``lang``; footnote markers are superscript numbers."""
        check_choice("SummaryOfFindings.cells", "lang", lang, formatting.LANGS)
        w = WORDS[lang]
        notes: list[str] = []

        def mark(text: str) -> str:
            if text not in notes:
                notes.append(text)
            return _sup(notes.index(text) + 1)

        header = [tr.term("column", c, lang) for c in
                  ("outcome", "relative_effect", "assumed", "corrected", "difference", "nnt", "participants", "certainty")]
        body = []
        for r in self.rows:
            d = r["digits"]
            m1 = mark(r["_fn_method"][lang])
            rel = f"{r['measure']} {tr.number(r['relative'], d, lang)} ({tr.interval(r['relative_ci_low'], r['relative_ci_high'], d, lang)}){m1}"
            if r["pi_low"] == r["pi_low"] and r["k"] >= 2:  # NaN for published results
                rel += mark(r["_fn_pi"][lang])
            if r["absolute"]:
                assumed = tr.integer(r["assumed_per_1000"], lang) + mark(r["_fn_baseline"][lang])
                corrected = (f"{tr.integer(r['corrected_per_1000'], lang)} ({tr.interval(r['corrected_ci_low'], r['corrected_ci_high'], 0, lang)})"
                             + mark(w["fn_abs"]))
                diff = _difference_text(r, lang)
                nnt = _nnt_text(r, lang) + mark(w["fn_nnt"])
            else:
                assumed = corrected = diff = nnt = "–"
                rel += mark(w["fn_smd"])
            k_txt = str(int(r["k"])) if r["k"] == r["k"] else "–"
            part = f"{tr.integer(r['participants'], lang) if r['participants'] == r['participants'] else '–'} ({k_txt})"
            cert = tr.term("certainty", r["certainty"], lang) + "".join(mark(t) for t in r["_fn_grade"][lang])
            body.append([r["outcome_label"][lang], rel, assumed, corrected, diff, nnt, part, cert])
        notes.append(w["start"])
        return header, body, notes

    def to_html(self, lang: str = "en", title: str | None = None) -> str:
        """An HTML table with a caption and numbered footnotes (no styles of its own)."""
        import html as _h

        header, body, notes = self.cells(lang)
        cap = _h.escape(title or WORDS[lang]["title"])
        out = [f'<table class="sof"><caption>{cap}</caption><thead><tr>'
               + "".join(f"<th>{_h.escape(h)}</th>" for h in header) + "</tr></thead><tbody>"]
        for row in body:
            out.append("<tr>" + "".join(f"<td>{_sup_html(_h.escape(c))}</td>" for c in row) + "</tr>")
        out.append("</tbody></table><ol class=\"footnotes\">")
        out += [f"<li>{_h.escape(n)}</li>" for n in notes]
        out.append("</ol>")
        return "\n".join(out)

    def to_docx(self, target=None, lang: str = "en", title: str | None = None):
        """Add the table (a real Word table) and its footnotes to a python-docx ``Document``.

        ``target``: a Document (the table is appended; it is returned) or a path (a new
        document is written there) or None (a new Document is returned).
        """
        from docx import Document
        from docx.shared import Pt

        doc = target if target is not None and not isinstance(target, (str, bytes)) and hasattr(target, "add_table") else Document()
        header, body, notes = self.cells(lang)
        doc.add_paragraph(title or WORDS[lang]["title"], style="Caption" if "Caption" in [s.name for s in doc.styles] else None)
        table = doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, header):
            cell.text = ""
            run = cell.paragraphs[0].add_run(text)
            run.bold = True
            run.font.size = Pt(8)
        for row in body:
            cells = table.add_row().cells
            for cell, text in zip(cells, row):
                _docx_text(cell.paragraphs[0], text, Pt(8))
        from . import docx_column_widths

        docx_column_widths(table, 25.0 if doc.sections[-1].page_width > doc.sections[-1].page_height else 16.5)
        for i, n in enumerate(notes, 1):
            p = doc.add_paragraph()
            _docx_text(p, (f"{i}. " if i < len(notes) else "") + n, Pt(7.5))
        if isinstance(target, (str, bytes)) or (target is not None and not hasattr(target, "add_table")):
            from . import save_docx

            save_docx(doc, target)
        return doc

    def figure(self, lang: str = "en", title: str | None = None):
        """The table as a matplotlib figure (A4 width), footnotes below it."""
        import matplotlib.pyplot as plt

        from ..plotting import style

        header, body, notes = self.cells(lang)
        body_plain = [[sup_plain(c) for c in row] for row in body]
        notes_txt = [(f"{i}. " if i < len(notes) else "") + n for i, n in enumerate(notes, 1)]
        import textwrap

        wrapped = [textwrap.fill(n, 150) for n in notes_txt]
        nlines = sum(n.count("\n") + 1 for n in wrapped)
        cellw = [0.13, 0.15, 0.10, 0.13, 0.16, 0.13, 0.08, 0.12]
        wrap_cells = [[textwrap.fill(c, max(8, int(w * 130)), break_long_words=False) for c, w in zip(row, cellw)] for row in body_plain]
        head = [textwrap.fill(h, max(8, int(w * 130)), break_long_words=False) for h, w in zip(header, cellw)]
        row_lines = [max(c.count("\n") + 1 for c in row) for row in [head] + wrap_cells]
        table_h = 0.16 * sum(row_lines) + 0.1 * len(row_lines)
        height = 0.45 + table_h + 0.115 * nlines + 0.2
        with style():
            fig = plt.figure(figsize=(11.0, height))
            top = 1 - 0.4 / height
            ax = fig.add_axes([0.01, top - table_h / height, 0.98, table_h / height])
            ax.axis("off")
            t = ax.table(cellText=wrap_cells, colLabels=head, cellLoc="left", colLoc="left", edges="horizontal",
                         bbox=[0, 0, 1, 1], colWidths=cellw)
            t.auto_set_font_size(False)
            t.set_fontsize(7.5)
            for (ri, _), cell in t.get_celld().items():
                cell.set_edgecolor("0.75")
                cell.PAD = 0.03
                if ri == 0:
                    cell.set_text_props(fontweight="bold")
            fig.text(0.01, 1 - 0.12 / height, title or WORDS[lang]["title"], fontsize=10, fontweight="bold", ha="left", va="top")
            fig.text(0.01, (0.115 * nlines + 0.1) / height, "\n".join(wrapped), fontsize=6.5, color="0.3",
                     ha="left", va="top", linespacing=1.35)
        return fig


SUP = str.maketrans("0123456789,", "⁰¹²³⁴⁵⁶⁷⁸⁹˒")


def _sup(n: int) -> str:
    return "\x01" + str(n) + "\x02"


def sup_plain(s: str) -> str:
    import re

    s = re.sub("\x02\x01", ",", s)
    return re.sub("\x01([0-9,]+)\x02", lambda m: m.group(1).translate(SUP), s)


def _sup_html(s: str) -> str:
    import re

    s = s.replace("\x02\x01", ",")
    return re.sub("\x01([0-9,]+)\x02", r"<sup>\1</sup>", s)


def _docx_text(paragraph, text: str, size) -> None:
    import re

    text = text.replace("\x02\x01", ",")
    for part in re.split("(\x01[0-9,]+\x02)", text):
        if not part:
            continue
        run = paragraph.add_run(part.strip("\x01\x02"))
        run.font.size = size
        if part.startswith("\x01"):
            run.font.superscript = True


def _difference_text(r: dict, lang: str) -> str:
    w = WORDS[lang]

    def one(x):
        word = w["fewer"] if x < 0 else w["more"]
        return f"{tr.integer(abs(x), lang)} {word}"

    lo, hi = r["difference_ci_low"], r["difference_ci_high"]
    return f"{one(r['difference_per_1000'])} ({one(lo)} {tr.term('word', 'to', lang)} {one(hi)})"


def _nnt_text(r: dict, lang: str) -> str:
    w = WORDS[lang]
    to = tr.term("word", "to", lang)

    def one(x):
        if math.isinf(x):
            return w["inf"]
        return f"{w['nnt_b'] if x > 0 else w['nnt_h']} {tr.integer(math.ceil(abs(x)), lang)}"

    main = one(r["nnt"])
    if r["nnt_through_infinity"]:
        return f"{main} ({one(r['nnt_ci_a'])} {to} ∞ {to} {one(r['nnt_ci_b'])})"
    a, b = sorted([r["nnt_ci_a"], r["nnt_ci_b"]], key=abs)
    return f"{main} ({one(a)} {to} {one(b)})"


def _label(outcome: str, labels: Mapping | None) -> dict:
    if labels and outcome in labels:
        lab = labels[outcome]
        return {"en": lab, "nl": lab} if isinstance(lab, str) else dict(lab)
    if outcome in tr.TERMS["outcome"]:
        return {lang: tr.term("outcome", outcome, lang) for lang in tr.LANGS}
    return {"en": outcome, "nl": outcome}


def summary_of_findings(
    fits: Mapping[str, MetaAnalysis],
    *,
    baseline_risks: Mapping[str, Sequence] | Sequence | float | None = None,
    participants: Mapping[str, float] | None = None,
    downgrades: Mapping[str, Mapping[str, Any]] | None = None,
    rob: Mapping[str, Sequence[str]] | None = None,
    labels: Mapping[str, Any] | None = None,
    design: str = "RCT",
    rrr: float = 0.25,
    smd: float = 0.2,
    alpha: float = 0.05,
    power: float = 0.80,
    digits: int = 2,
) -> SummaryOfFindings:
    """Summary-of-findings table with absolute effects, NNT and GRADE certainty.

    Parameters
    ----------
    fits : mapping outcome -> MetaAnalysis
        One pooled result per outcome (key: an outcome code of ``data/README.md`` or any label).
        Ratio measures (RR, OR, HR) get absolute effects; others (SMD) only the relative effect.
        For few trials pass fits with ``test="knha"`` (the footnote names the test used).
    baseline_risks : mapping outcome -> list, or list, or float
        Risks without the intervention (proportions, 0 < p < 1), each optionally ``(p, label)``
        naming where it comes from; one row per outcome and baseline risk.
    participants : mapping outcome -> int
        Total participants of the pooled trials (for the table and the optimal information size).
    downgrades : mapping outcome -> {domain: levels or (levels, reason)}
        The author's GRADE judgements (0, 1 or 2 levels) for the domains ``risk_of_bias,
        inconsistency, indirectness, imprecision, publication_bias``. A domain the author does not
        state takes the suggestion computed from the data, and its footnote says so.
    rob : mapping outcome -> sequence of judgements
        Risk-of-bias judgements of the pooled trials in the fit's order (``low``,
        ``some_concerns``, ``high``, ``unclear``), for the suggested risk-of-bias downgrade.
    labels : mapping outcome -> str or {"en": ..., "nl": ...}
        Display names for outcomes that are not codes of the translation table.
    design : {"RCT", "observational"}
        Starting certainty: high for randomised trials, low for observational studies.
    rrr, smd, alpha, power : float
        Settings of the optimal information size (:func:`optimal_information_size`).
    digits : int
        Decimals of the relative effect in the displayed table.

    Returns
    -------
    SummaryOfFindings
        ``to_frame()`` (unrounded numbers), ``to_html(lang)``, ``to_docx(target, lang)``,
        ``figure(lang)``.

    Examples
    --------
    >>> import koppmeta
    >>> fit = koppmeta.meta_analysis([-0.5, -0.3, -0.9], [0.04, 0.09, 0.12], measure="RR", test="knha")
    >>> sof = koppmeta.summary_of_findings({"incidence": fit}, baseline_risks={"incidence": [0.3]},
    ...                                    participants={"incidence": 600})
    >>> row = sof.to_frame().iloc[0]
    >>> round(row["assumed_per_1000"]), round(row["corrected_per_1000"])
    (300, 177)
    """
    func = "summary_of_findings"
    if not isinstance(fits, Mapping) or not fits:
        raise TypeError(f"{func}: argument 'fits' must be a non-empty mapping of outcome -> MetaAnalysis; got {type(fits).__name__}.")
    check_choice(func, "design", design, ("RCT", "observational"))
    downgrades = dict(downgrades or {})
    for outcome in downgrades:
        if outcome not in fits:
            raise ValueError(f"{func}: argument 'downgrades' names outcome {outcome!r}, which is not among the fits "
                             f"({', '.join(map(str, fits))}).")
        for domain in downgrades[outcome]:
            check_choice(func, "GRADE domain", domain, DOMAINS)
    rows = []
    for outcome, fit in fits.items():
        if not isinstance(fit, (MetaAnalysis, PublishedEffect)):
            raise TypeError(f"{func}: fits[{outcome!r}] must be a MetaAnalysis or a PublishedEffect; got {type(fit).__name__}.")
        published = isinstance(fit, PublishedEffect)
        k_num = fit.k if fit.k is not None else 0
        ratio = is_ratio(fit.measure)
        null = 1.0 if ratio else 0.0
        rel, rlo, rhi = (float(back_transform(x, fit.measure)) for x in (fit.estimate, fit.ci_low, fit.ci_high))
        plo, phi = (float(back_transform(x, fit.measure)) for x in (fit.pi_low, fit.pi_high))
        n = float(participants[outcome]) if participants and outcome in participants else math.nan
        bases = _baselines(baseline_risks, outcome) if ratio else []
        # ----- GRADE suggestions
        sugg: dict[str, tuple[int, dict]] = {}
        ci_null = rlo <= null <= rhi
        ois = optimal_information_size(baseline_risk=bases[0][0] if bases else None, rrr=rrr, smd=smd, alpha=alpha, power=power) \
            if (bases or not ratio) else math.nan
        ois_met = None if (math.isnan(n) or math.isnan(ois)) else bool(n >= ois)
        imp = int(ci_null) + int(ois_met is False)
        sugg["imprecision"] = (imp, {"ci_null": ci_null, "ois": ois, "n": n, "ois_met": ois_met})
        pi_null = k_num >= 2 and fit.pi_low == fit.pi_low and plo <= null <= phi
        inc = int(k_num >= 2 and (fit.i2 >= 50 or (pi_null and not ci_null)))
        sugg["inconsistency"] = (inc, {"i2": fit.i2, "pi_null": pi_null, "ci_null": ci_null, "k": k_num,
                                       "published": published})
        rob_info: dict = {}
        rob_n = 0
        if rob and outcome in rob and not published:
            judg = [str(j).strip().lower().replace(" ", "_") for j in rob[outcome]]
            if len(judg) != fit.k:
                raise ValueError(f"{func}: argument 'rob', outcome {outcome!r}: {len(judg)} judgements for {fit.k} trials; "
                                 "give one per trial in the fit's order.")
            wts = fit.weights / fit.weights.sum()
            share_bad = float(sum(w for w, j in zip(wts, judg) if j in ("high", "unclear")))
            share_high = float(sum(w for w, j in zip(wts, judg) if j == "high"))
            rob_n = 2 if share_high >= 0.5 else 1 if share_bad >= 0.5 else 0
            rob_info = {"share_bad": share_bad, "share_high": share_high}
        sugg["risk_of_bias"] = (rob_n, rob_info)
        sugg["publication_bias"] = (0, {"k": k_num})
        sugg["indirectness"] = (0, {})
        used: dict[str, tuple[int, str, bool]] = {}
        for domain in DOMAINS:
            if domain in downgrades.get(outcome, {}):
                lv, why = _downgrade(downgrades[outcome][domain], outcome, domain)
                used[domain] = (lv, why, True)
            else:
                used[domain] = (sugg[domain][0], "", False)
        total = sum(v[0] for v in used.values())
        start = 3 if design == "RCT" else 1
        certainty = LEVELS[max(0, start - total)]
        if published and not all(used[d][2] for d in DOMAINS):
            certainty = "not_assessed"  # a printed result carries too little to judge every domain from the data
        fn_grade = {lang: _grade_notes(used, sugg, fit, lang) for lang in tr.LANGS}
        if published:
            fn_method = {lang: WORDS[lang]["fn_published"].format(source=fit.source or "–") for lang in tr.LANGS}
        else:
            fn_method = {lang: WORDS[lang]["fn_method"].format(
                method=fit.method, test=TEST_NAME[lang].get(fit.test, fit.test), k=fit.k,
                why=(WORDS[lang]["fn_few"] if fit.test != "z" else WORDS[lang]["fn_z_few"]) if fit.k < 10 else "")
                for lang in tr.LANGS}
        fn_pi = {lang: WORDS[lang]["fn_pi"].format(pi=tr.interval(plo, phi, digits, lang)) for lang in tr.LANGS}
        base_rows = bases if bases else [(math.nan, "")]
        for p, blabel in base_rows:
            row = {
                "outcome": outcome, "measure": fit.measure, "k": fit.k if fit.k is not None else math.nan, "participants": n,
                "method": fit.method, "test": fit.test, "level": fit.level,
                "relative": rel, "relative_ci_low": rlo, "relative_ci_high": rhi, "pi_low": plo, "pi_high": phi,
                "i2": fit.i2, "tau2": fit.tau2, "baseline_risk": p, "baseline_label": blabel,
                "absolute": bool(ratio and p == p),
            }
            if row["absolute"]:
                arr, arr_lo, arr_hi = p * (1 - rel), p * (1 - rhi), p * (1 - rlo)
                nnt, a, b, through = nnt_interval(arr, arr_lo, arr_hi)
                row.update({
                    "assumed_per_1000": 1000 * p, "corrected_per_1000": 1000 * p * rel,
                    "corrected_ci_low": 1000 * p * rlo, "corrected_ci_high": 1000 * p * rhi,
                    "difference_per_1000": 1000 * p * (rel - 1), "difference_ci_low": 1000 * p * (rlo - 1),
                    "difference_ci_high": 1000 * p * (rhi - 1),
                    "arr": arr, "arr_ci_low": arr_lo, "arr_ci_high": arr_hi,
                    "nnt": nnt, "nnt_ci_a": a, "nnt_ci_b": b, "nnt_through_infinity": through,
                })
            else:
                row.update({c: math.nan for c in ("assumed_per_1000", "corrected_per_1000", "corrected_ci_low",
                                                  "corrected_ci_high", "difference_per_1000", "difference_ci_low",
                                                  "difference_ci_high", "arr", "arr_ci_low", "arr_ci_high", "nnt",
                                                  "nnt_ci_a", "nnt_ci_b")})
                row["nnt_through_infinity"] = False
            row["optimal_information_size"] = ois
            for domain in DOMAINS:
                row[f"down_{domain}"] = used[domain][0]
                row[f"suggested_{domain}"] = sugg[domain][0]
                row[f"stated_{domain}"] = used[domain][2]
            row["certainty"] = certainty
            row["digits"] = digits
            row["outcome_label"] = _label(outcome, labels)
            row["_fn_grade"] = fn_grade
            row["_fn_method"] = fn_method
            row["_fn_pi"] = fn_pi
            row["_fn_baseline"] = {lang: WORDS[lang]["fn_baseline"].format(
                label=blabel or "–", risk=tr.percent(100 * p, 1, lang)) for lang in tr.LANGS} if p == p else {}
            rows.append(row)
    settings = {"design": design, "rrr": rrr, "smd": smd, "alpha": alpha, "power": power}
    return SummaryOfFindings(rows=tuple(rows), settings=settings)


def _grade_notes(used: dict, sugg: dict, fit: MetaAnalysis, lang: str) -> list[str]:
    w = WORDS[lang]
    notes = []
    for domain in DOMAINS:
        lv, why, stated = used[domain]
        name = tr.term("grade_domain", domain, lang)
        nword = f"{lv} {w['level'] if lv == 1 else w['levels']}"
        reason = _suggest_reason(domain, sugg[domain], fit, lang)
        if stated:
            if lv:
                notes.append(w["user"].format(domain=name, n=nword, why=why or reason))
            elif why:
                notes.append(w["user0"].format(domain=name, why=": " + why))
        elif sugg[domain][0]:
            notes.append(w["suggested"].format(domain=name, n=nword, why=reason))
        elif domain != "indirectness":
            notes.append(w["nosuggest"].format(domain=name, why=reason))
    return notes


def _suggest_reason(domain: str, s: tuple[int, dict], fit: MetaAnalysis, lang: str) -> str:
    w = WORDS[lang]
    info = s[1]
    if domain == "imprecision":
        parts = [w["ci_null"] if info["ci_null"] else w["ci_clear"]]
        if info["ois_met"] is None:
            parts.append(w["ois_unknown"])
        else:
            key = "ois_ok" if info["ois_met"] else "ois_low"
            parts.append(w[key].format(n=tr.integer(info["n"], lang), ois=tr.integer(math.ceil(info["ois"]), lang)))
        return "; ".join(parts)
    if domain == "inconsistency":
        if info["published"] and info["i2"] != info["i2"]:
            return w["i2_unknown"]
        if info["k"] < 2 and not info["published"]:
            return w["k1"]
        i2 = tr.percent(info["i2"], 0, lang)
        if info["i2"] >= 50:
            return w["i2_high"].format(i2=i2)
        if info["pi_null"] and not info["ci_null"]:
            return w["pi_null"]
        return w["het_ok"].format(i2=i2)
    if domain == "risk_of_bias":
        if not info:
            return w["rob_none"]
        if info["share_high"] >= 0.5:
            return w["rob_high"].format(share=tr.percent(100 * info["share_high"], 0, lang))
        key = "rob_w" if info["share_bad"] >= 0.5 else "rob_ok"
        return w[key].format(share=tr.percent(100 * info["share_bad"], 0, lang))
    if domain == "publication_bias":
        if fit.k is None:
            return w["pub_unknown"]
        return (w["pub_few"] if fit.k < 10 else w["pub_ok"]).format(k=fit.k)
    return w["indirect"]
