"""The evidence report, the risk-of-bias and PRISMA figures, and the Dutch scan.

The Dutch scan: every Dutch SVG the report draws (saved with ``svg.fonttype = "none"``, so its text is
searchable) and the text of the Dutch HTML and DOCX report must contain no English term of the
translation table (koppmeta.translations.all_pairs), no data code and no file path.
"""

from __future__ import annotations

import contextlib
import hashlib
import html as htmllib
import re
import subprocess
import sys

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import koppmeta
from conftest import ROOT
from koppmeta import translations as tr
from koppmeta.plotting import _common
from koppmeta.project import report
from koppmeta.project.prisma import prisma_counts


@pytest.fixture
def searchable_svg(monkeypatch):
    """Make save_figure write SVG text as text (the house style draws it as paths)."""

    @contextlib.contextmanager
    def style():
        with plt.style.context(_common.STYLE), matplotlib.rc_context({"svg.fonttype": "none"}):
            yield

    monkeypatch.setattr(_common, "style", style)


def _fragments(template: str) -> list[str]:
    """Literal parts of a template ("Test for overall effect: {stat}" -> ["Test for overall effect:"])."""
    parts = re.split(r"\{[^}]*\}", template)
    return [p.strip(" :;,()[]%=") for p in parts if re.search(r"[A-Za-z]{3,}", p)]


def english_terms() -> list[str]:
    terms = set()
    for en, nl in tr.all_pairs():
        if en.strip().lower() == nl.strip().lower():
            continue
        nl_words = {w.lower() for w in re.findall(r"[^\W\d_]+", nl)}
        for frag in _fragments(en):
            # a fragment that is also a Dutch word in its own translation (e.g. "Studies") is not English
            if frag and {w.lower() for w in re.findall(r"[^\W\d_]+", frag)} - nl_words:
                terms.add(frag)
    return sorted(terms, key=len, reverse=True)


def untranslated(text: str) -> list[str]:
    found = []
    for t in english_terms():
        if re.search(r"(?<![\w-])" + re.escape(t) + r"(?![\w-])", text, flags=re.I):
            found.append(t)
    codes = {c for kind in tr.TERMS.values() for c in kind if "_" in c}
    found += [c for c in codes if c in text]
    found += re.findall(r"\bdata/|\w+\.csv\b|\w+\.md\b", text)
    found += re.findall(r"(?<![\w-])df(?![\w-])", text)  # degrees of freedom: "vg" in Dutch (too short for the fragments)
    return found


def _svg_text(path) -> str:
    return htmllib.unescape(" ".join(re.findall(r">([^<>]+)</text>", path.read_text(encoding="utf-8"))))


def _html_text(path) -> str:
    s = path.read_text(encoding="utf-8")
    s = re.sub(r"<style>.*?</style>", " ", s, flags=re.S)
    s = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", " ", s)
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", s))


def _docx_text(path) -> str:
    import docx

    d = docx.Document(str(path))
    parts = [p.text for p in d.paragraphs]
    parts += [c.text for t in d.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def test_the_scan_finds_english():
    assert "Risk of bias" in untranslated("Dit is een Risk of bias figuur")
    assert "Favours control" in untranslated("In het voordeel van … Favours control")
    assert untranslated("Q = 6,93 (df = 3)") == ["df"] and not untranslated("Q = 6,93 (vg = 3)")
    assert untranslated("pad data/studies.csv") and untranslated("code some_concerns")
    assert untranslated("Risico op vertekening: laag, enige zorgen; Studies; Totaaloordeel") == []


@pytest.fixture(scope="module")
def dutch_report(tmp_path_factory):
    """The Dutch report built once: its figures (searchable SVG) and its HTML and DOCX renderings."""
    mp = pytest.MonkeyPatch()

    @contextlib.contextmanager
    def style():
        with plt.style.context(_common.STYLE), matplotlib.rc_context({"svg.fonttype": "none"}):
            yield

    mp.setattr(_common, "style", style)
    tmp = tmp_path_factory.mktemp("report_nl")
    try:
        rep = report.build("nl", tmp, ROOT)
        html = report.render_html(rep, tmp / "r.html")
        doc = report.render_docx(rep, tmp / "r.docx")
    finally:
        mp.undo()
    return tmp, rep, html, doc


def test_dutch_figures_have_no_english(dutch_report):
    tmp, rep, _, _ = dutch_report
    svgs = sorted(tmp.glob("*_nl.svg"))
    assert len(svgs) >= 5, "the report draws PRISMA, risk of bias, forest and published-effects figures"
    problems = {p.name: untranslated(_svg_text(p)) for p in svgs}
    assert all(_svg_text(p).strip() for p in svgs), "SVG text not searchable"
    assert not any(problems.values()), problems


def test_dutch_report_has_no_english_and_decimal_commas(dutch_report):
    _, rep, html, doc = dutch_report
    for text in (_html_text(html), _docx_text(doc)):
        assert untranslated(text) == []
        assert "1e-6" not in text  # no code notation in Dutch prose ("tot op een miljoenste")
        body = text.replace(koppmeta.__version__, "")
        body = re.sub(r"(?<![\d,.])\d{1,3}(?:\.\d{3})+(?![\d.])", "", body)  # thousands separators: 1.000
        assert not re.findall(r"\d\.\d", body), re.findall(r".{30}\d\.\d.{10}", body)[:5]
        assert "Hartung-Knapp" in text and "predictie-interval" in text.lower()


def test_report_content_and_real_word_tables(dutch_report):
    import docx

    _, rep, html, doc = dutch_report
    heads = [b.text for b in rep.blocks if b.kind == "h1"]
    assert len(heads) == 10 and heads[0] == "1. De vraag" and heads[-1].startswith("10. Beperkingen")
    d = docx.Document(str(doc))
    assert len(d.tables) >= 8  # evidence base, methods, quality, published, summary of findings, time points
    assert len(d.inline_shapes) >= 5
    assert any(t.cell(0, 0).text == "Uitkomst" and "GRADE" in t.cell(0, len(t.columns) - 1).text for t in d.tables)
    text = _html_text(html)
    for q in ("preventieve ondersteuning", "gezinsgerichte benadering", "langetermijneffecten"):
        assert q in text.lower()
    assert "Kan niet beantwoord worden" in text
    # no date in the outputs
    assert not re.search(r"20[2-3]\d-\d\d-\d\d", text)


def test_landing_page_shows_the_headline_findings(dutch_report):
    from koppmeta.project.reproduce import landing_page

    _, rep, _, _ = dutch_report
    page = landing_page([("01_getting_started", "Getting started")], {"nl": rep}, ["koppmeta_report_nl.html", "koppmeta_report_nl.docx"])
    assert len(rep.headlines) == 3 and all(answers for _, answers in rep.headlines)
    assert "Belangrijkste bevindingen" in page and "koppmeta_report_nl.docx" in page and "<style>" in page
    assert htmllib.escape(rep.headlines[0][1][0]) in page and "01_getting_started.html" in page


def test_english_html_is_byte_identical_between_two_builds(tmp_path):
    a = report.write("en", "html", tmp_path / "a.html", ROOT)
    b = report.write("en", "html", tmp_path / "b.html", ROOT)
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    text = _html_text(a)
    assert "Hartung-Knapp" in text and "prediction interval" in text.lower() and "Summary of findings" in text


def test_docx_and_pdf_carry_no_date(dutch_report, tmp_path):
    _, rep, _, doc = dutch_report
    d2 = report.render_docx(rep, tmp_path / "again.docx")
    assert doc.read_bytes() == d2.read_bytes()
    p1 = report.render_pdf(rep, tmp_path / "a.pdf")
    p2 = report.render_pdf(rep, tmp_path / "b.pdf")
    assert p1.read_bytes()[:5] == b"%PDF-" and p1.read_bytes() == p2.read_bytes()


def test_report_command_line(tmp_path):
    """The subcommand is registered and its errors are messages (the building itself is tested above)."""
    helptext = subprocess.run([sys.executable, "-m", "koppmeta.project.cli", "report", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert helptext.returncode == 0 and "--lang" in helptext.stdout and "docx" in helptext.stdout
    bad = subprocess.run([sys.executable, "-m", "koppmeta.project.cli", "report", "--format", "docx", "--output", str(tmp_path / "r.pdf")],
                         capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode != 0 and "must end in .docx" in bad.stderr and "Traceback" not in bad.stderr
    nodir = subprocess.run([sys.executable, "-m", "koppmeta.project.cli", "report", "--output", str(tmp_path / "no" / "r.html")],
                           capture_output=True, text=True, cwd=ROOT)
    assert nodir.returncode != 0 and "does not exist" in nodir.stderr and not (tmp_path / "no").exists()


# ----------------------------------------------------------------------------- figures and helpers
def _trials():
    return pd.DataFrame({"study": ["A 2001", "B 2002", "C 2003", "D 2004"],
                         "D1": ["low", "Some concerns", "high", None], "D2": ["low"] * 4,
                         "overall": ["low", "some_concerns", "high", "unclear"], "n": [100, 300, 50, 50]})


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_rob_figures(lang, searchable_svg, tmp_path):
    fig = koppmeta.rob_traffic_light(_trials(), study="study", domains=["D1", "D2"], overall="overall", lang=lang)
    gids = {a.get_gid() for ax in fig.axes for a in ax.collections}
    assert {f"light-{i}-{j}" for i in range(4) for j in range(3)} <= gids
    koppmeta.save_figure(fig, tmp_path / f"tl_{lang}.svg")
    text = _svg_text(tmp_path / f"tl_{lang}.svg")
    assert ("Randomisatieproces" if lang == "nl" else "Randomisation process") in text
    if lang == "nl":
        assert untranslated(text) == []
    fig = koppmeta.rob_summary(_trials(), domains=["D1", "D2"], overall="overall", weights="n", lang=lang)
    bars = {p.get_gid(): p.get_width() for ax in fig.axes for p in ax.patches if p.get_gid()}
    # overall, weighted by n: low 100/500 = 20%, some concerns 60%, high 10%, unclear 10%
    assert bars["bar-2-low"] == pytest.approx(20) and bars["bar-2-some_concerns"] == pytest.approx(60)
    # D1 judged for 3 trials (one empty): low 100/450
    assert bars["bar-0-low"] == pytest.approx(100 * 100 / 450)
    plt.close("all")


def test_rob_figures_name_bad_input():
    t = _trials()
    with pytest.raises(ValueError, match="'B 2002'.*'moderate'"):
        koppmeta.rob_traffic_light(t.assign(D2=["low", "moderate", "low", "low"]), study="study", domains=["D1", "D2"])
    with pytest.raises(ValueError, match="not in the data"):
        koppmeta.rob_summary(t, domains=["D9"])
    with pytest.raises(ValueError, match="one row per study"):
        koppmeta.rob_traffic_light(pd.concat([t, t]), study="study", overall="overall")


def test_rob_sensitivity_pools_the_subsets():
    y, v = np.array([-0.5, -0.2, -0.9, 0.1, -0.4]), np.array([0.04, 0.05, 0.09, 0.06, 0.05])
    rob = ["low", "some_concerns", "high", "unclear", "low"]
    res = koppmeta.rob_sensitivity(y, v, rob, measure="RR")
    assert list(res["subset"]) == ["all", "low_or_some", "low"] and list(res["k"]) == [5, 3, 2]
    for name, idx in (("all", [0, 1, 2, 3, 4]), ("low_or_some", [0, 1, 4]), ("low", [0, 4])):
        f = koppmeta.meta_analysis(y[idx], v[idx], measure="RR", test="knha")
        row = res.set_index("subset").loc[name]
        assert row["estimate"] == pytest.approx(np.exp(f.estimate), rel=1e-12)
        assert (row["ci_low"], row["pi_high"]) == pytest.approx((np.exp(f.ci_low), np.exp(f.pi_high)), rel=1e-12)
    none = koppmeta.rob_sensitivity(y, v, ["high"] * 5)
    assert list(none["k"]) == [5, 0, 0] and none["note"].iloc[1] == "no trial in this subset"
    with pytest.raises(ValueError, match="no judgement for"):
        koppmeta.rob_sensitivity(y, v, ["low", None, "low", "low", "low"])


def test_prisma_counts_come_from_the_data_and_unknowns_stay_empty(searchable_svg, tmp_path):
    studies, reviews = koppmeta.load_studies(), koppmeta.load_reviews()
    pc = prisma_counts(studies, reviews).set_index("box")
    assert pc.loc["studies_included", "count"] == studies["study_id"].nunique()
    assert pc.loc["reviews_included", "count"] == reviews["review_id"].nunique()
    assert np.isnan(pc.loc["identified_databases", "count"]) and not pc.loc["identified_databases", "derived"]
    assert pc.loc["excluded_no_effect", "count"] + pc.loc["excluded_not_randomised", "count"] + \
        pc.loc["studies_in_synthesis", "count"] == pc.loc["studies_included", "count"]
    assert pc["basis"].str.len().min() > 20, "every box says where its count comes from"
    fig = koppmeta.prisma_flow(pc.reset_index(), lang="nl", note="Aantallen afgeleid uit de gegevens.")
    koppmeta.save_figure(fig, tmp_path / "prisma_nl.svg")
    text = _svg_text(tmp_path / "prisma_nl.svg")
    assert "onbekend" in text and f"n = {int(pc.loc['studies_included', 'count'])}" in text
    assert untranslated(text) == []
    with pytest.raises(ValueError, match="unknown box"):
        koppmeta.prisma_flow({"screened": 3})
    with pytest.raises(ValueError, match="whole number"):
        koppmeta.prisma_flow({"records_screened": -1})


def test_translation_table_is_complete_for_the_data():
    studies = koppmeta.load_studies()
    for kind in ("outcome", "intervention_type", "parent_disorder", "risk_of_bias", "design", "comparator"):
        for code in studies[kind].dropna().unique():
            assert tr.term(kind, code, "nl") != code or kind == "design"
    with pytest.raises(ValueError, match="no translation of outcome 'sleep'"):
        tr.term("outcome", "sleep", "nl")
    assert tr.number(1490.5, 1, "nl") == "1.490,5" and tr.number(-0.25, 2, "nl") == "\u22120,25"


def test_forest_axis_holds_every_interval():
    """Ginsburg 2009's interval reaches 0.004: the axis goes that far instead of cutting it with an arrow."""
    inc = koppmeta.effects_for(koppmeta.load_studies(), "incidence")
    fit = koppmeta.meta_analysis("yi", "vi", data=inc, labels="citation", measure="RR", test="knha")
    fig = koppmeta.forest_plot(fit, lang="nl")
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    st = fit.studies
    assert lo <= np.exp(st["ci_low"]).min() and hi >= np.exp(st["ci_high"]).max()
    assert lo <= np.exp(fit.pi_low) and hi >= np.exp(fit.pi_high)
    assert not [ln for ln in ax.lines if (ln.get_gid() or "").startswith("arrow-")]
    stated = koppmeta.forest_plot(fit, lang="nl", xlim=(0.05, 5))
    assert [ln for ln in stated.axes[0].lines if (ln.get_gid() or "").startswith("arrow-")]
    plt.close("all")


def test_published_estimates_have_headers_and_k():
    tab = pd.DataFrame({"label": ["A 2001", "B 2002"], "estimate": [0.6, 0.5], "ci_low": [0.4, 0.3], "ci_high": [0.9, 0.8],
                        "k": [7, np.nan]})
    fig = koppmeta.estimates_plot(tab, ratio=True, lang="nl", k="k", headers=("Review", "RR [95%-BI]"))
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "Review" in texts and "RR [95%-BI]" in texts and "A 2001 (k = 7)" in texts and "B 2002" in texts
    plt.close("all")


def test_report_pools_few_trials_with_ad_hoc_hartung_knapp_and_says_so(dutch_report):
    """Every outcome has fewer than 10 trials: the report pools with test="adhoc" and names it;
    its methods table shows the plain and the ad hoc Hartung-Knapp rows side by side."""
    _, rep, html, _ = dutch_report
    assert report.TEST == "adhoc"
    text = _html_text(html)
    assert "ad-hoc-Hartung-Knapp" in text and "nooit smaller dan het z-interval" in text
    inc = koppmeta.effects_for(koppmeta.load_studies(), "incidence")
    fit = koppmeta.meta_analysis(inc["yi"], inc["vi"], measure="RR", test="adhoc")
    shown = [r[1] for b in rep.blocks if b.kind == "table" for r in b.rows if r[0] == report.W["nl"]["m_adhoc"]]
    expected = f"{tr.number(np.exp(fit.estimate), 2, 'nl')} ({tr.interval(np.exp(fit.ci_low), np.exp(fit.ci_high), 2, 'nl')})"
    assert expected in shown  # one methods table per pooled outcome; the incidence one shows this fit
    assert any(r[0] == report.W["nl"]["m_hk"] for b in rep.blocks if b.kind == "table" for r in b.rows)
