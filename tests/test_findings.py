"""Summary of findings: every number follows from the relative effect and the baseline risk by formula.

The expected values are computed here, independently of koppmeta.reporting.findings, from the pooled result's
own estimate and interval (Cochrane Handbook v6.4, section 14.1.5; Altman 1998, BMJ 317:1309, p. 1310
for the NNT interval through infinity; GRADE guidelines 6, Guyatt et al. 2011, J Clin Epidemiol
64:1283, p. 1286 for the optimal information size).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

import koppmeta
from koppmeta.reporting.findings import nnt_interval, optimal_information_size


def _fit(test="knha"):
    bcg = koppmeta.datasets.load_bcg()
    es = koppmeta.effect_sizes(bcg, "RR", events1="tpos", nonevents1="tneg", events2="cpos", nonevents2="cneg")
    return koppmeta.meta_analysis("yi", "vi", data=es, labels="label", measure="RR", test=test)


@pytest.mark.parametrize("p", [0.05, 0.288, 0.6])
def test_absolute_effects_follow_from_rr_and_baseline_risk(p):
    fit = _fit()
    sof = koppmeta.summary_of_findings({"tb": fit}, baseline_risks={"tb": [(p, "control arm")]}, participants={"tb": 1000})
    row = sof.to_frame().iloc[0]
    rr, lo, hi = math.exp(fit.estimate), math.exp(fit.ci_low), math.exp(fit.ci_high)
    tol = 1e-12
    assert row["relative"] == pytest.approx(rr, rel=tol)
    assert (row["relative_ci_low"], row["relative_ci_high"]) == pytest.approx((lo, hi), rel=tol)
    assert row["assumed_per_1000"] == pytest.approx(1000 * p, rel=tol)
    assert row["corrected_per_1000"] == pytest.approx(1000 * p * rr, rel=tol)
    assert (row["corrected_ci_low"], row["corrected_ci_high"]) == pytest.approx((1000 * p * lo, 1000 * p * hi), rel=tol)
    assert row["difference_per_1000"] == pytest.approx(1000 * p * rr - 1000 * p, rel=tol)
    assert (row["difference_ci_low"], row["difference_ci_high"]) == pytest.approx((1000 * p * (lo - 1), 1000 * p * (hi - 1)), rel=tol)
    assert row["nnt"] == pytest.approx(1 / (p - p * rr), rel=tol)
    # interval of the NNT: reciprocals of the limits of the absolute risk reduction
    assert row["nnt_ci_a"] == pytest.approx(1 / (p - p * lo), rel=tol)  # from the upper limit of the reduction
    assert row["nnt_ci_b"] == pytest.approx(1 / (p - p * hi), rel=tol)
    assert row["nnt_through_infinity"] == (lo < 1 < hi)


def test_nnt_interval_through_infinity_as_altman():
    # ARR 0.10 with interval -0.02 to 0.22: NNTB 10, interval NNTB 4.5 to infinity to NNTH 50 (Altman 1998, p. 1310)
    nnt, a, b, through = nnt_interval(0.10, -0.02, 0.22)
    assert through and nnt == pytest.approx(10) and a == pytest.approx(1 / 0.22) and b == pytest.approx(-50)
    nnt, a, b, through = nnt_interval(0.10, 0.05, 0.15)
    assert not through and (a, b) == pytest.approx((1 / 0.15, 20))
    assert nnt_interval(0.0, -0.1, 0.1)[0] == math.inf


def test_nnt_text_names_benefit_and_harm():
    fit = _fit()  # the Hartung-Knapp interval of BCG excludes 1
    sof = koppmeta.summary_of_findings({"tb": fit}, baseline_risks=[0.02])
    header, rows, notes = sof.cells("en")
    assert rows[0][5].startswith("NNTB ")
    z = koppmeta.meta_analysis([-0.3, 0.1, -0.05], [0.04, 0.05, 0.06], measure="RR", test="knha")
    assert z.ci_low < 0 < z.ci_high
    text = koppmeta.summary_of_findings({"x": z}, baseline_risks=[0.3]).cells("nl")[1][0][5]
    assert "∞" in text and "NNTH" in text and "tot" in text


def test_optimal_information_size_formula():
    z = norm.ppf(0.975) + norm.ppf(0.8)
    p0, p1 = 0.3, 0.3 * 0.75
    per_arm = z**2 * (p0 * (1 - p0) + p1 * (1 - p1)) / (p0 - p1) ** 2
    assert optimal_information_size(baseline_risk=0.3) == pytest.approx(2 * per_arm, rel=1e-12)
    assert optimal_information_size() == pytest.approx(2 * 2 * z**2 / 0.2**2, rel=1e-12)  # SMD 0.2: about 785
    with pytest.raises(ValueError, match="between 0 and 1"):
        optimal_information_size(baseline_risk=29)


def test_grade_suggestions_from_the_data():
    wide = koppmeta.meta_analysis([-0.9, 0.4, -0.2, 0.3], [0.05, 0.06, 0.04, 0.05], measure="RR", test="knha")
    assert wide.i2 >= 50 and wide.ci_low < 0 < wide.ci_high
    row = koppmeta.summary_of_findings({"x": wide}, baseline_risks=[0.3], participants={"x": 200},
                                       rob={"x": ["high", "high", "unclear", "low"]}).to_frame().iloc[0]
    assert row["suggested_imprecision"] == 2  # interval crosses 1 and 200 < OIS
    assert row["suggested_inconsistency"] == 1
    assert row["suggested_risk_of_bias"] >= 1
    assert row["suggested_publication_bias"] == 0
    assert row["certainty"] == "very_low"
    tight = _fit()
    row = koppmeta.summary_of_findings({"x": tight}, baseline_risks=[0.05], participants={"x": 400_000}).to_frame().iloc[0]
    assert row["suggested_imprecision"] == 0  # excludes 1, far above the OIS
    # the author's statement overrides a suggestion and is kept apart from it
    row = koppmeta.summary_of_findings({"x": wide}, baseline_risks=[0.3], participants={"x": 200},
                                       downgrades={"x": {"imprecision": (1, "one level is enough"), "indirectness": 0}}
                                       ).to_frame().iloc[0]
    assert row["down_imprecision"] == 1 and row["suggested_imprecision"] == 2 and row["stated_imprecision"]
    assert row["certainty"] == "low"  # 4 - (1 inconsistency + 1 imprecision) = low


def test_footnotes_say_hartung_knapp_and_the_prediction_interval():
    fit = koppmeta.meta_analysis([-0.5, -0.3, -0.9, -0.1], [0.04, 0.09, 0.12, 0.05], measure="RR", test="knha")
    sof = koppmeta.summary_of_findings({"incidence": fit}, baseline_risks=[0.3], participants={"incidence": 500})
    _, _, notes_en = sof.cells("en")
    _, rows_nl, notes_nl = sof.cells("nl")
    assert any("Hartung-Knapp" in n for n in notes_en) and any("Prediction interval" in n for n in notes_en)
    assert any("Predictie-interval" in n for n in notes_nl) and rows_nl[0][0] == "Nieuwe stoornis bij het kind"
    assert "," in rows_nl[0][1] and "0." not in rows_nl[0][1]  # decimal comma
    zfit = koppmeta.meta_analysis([-0.5, -0.3, -0.9, -0.1], [0.04, 0.09, 0.12, 0.05], measure="RR")
    assert any("too narrow" in n for n in koppmeta.summary_of_findings({"x": zfit}).cells("en")[2])


def test_outputs_html_docx_figure(tmp_path):
    import docx

    fit = _fit()
    smd = koppmeta.meta_analysis([-0.2, -0.3, -0.1], [0.02, 0.03, 0.02], measure="SMD", test="knha")
    sof = koppmeta.summary_of_findings({"incidence": fit, "internalizing": smd}, baseline_risks={"incidence": [0.1, 0.3]},
                                       participants={"incidence": 5000, "internalizing": 900})
    frame = sof.to_frame()
    assert list(frame["outcome"]) == ["incidence", "incidence", "internalizing"]
    assert np.isnan(frame.loc[2, "assumed_per_1000"])
    html = sof.to_html("nl")
    assert html.count("<tr>") == 4 and "<sup>" in html and "Zekerheid van het bewijs" in html
    path = tmp_path / "sof.docx"
    sof.to_docx(str(path), "en")
    d = docx.Document(str(path))
    assert len(d.tables) == 1 and len(d.tables[0].rows) == 4 and d.tables[0].cell(0, 0).text == "Outcome"
    fig = sof.figure("nl")
    texts = " ".join(t.get_text() for ax in fig.axes for t in ax.texts) + " ".join(
        c.get_text().get_text() for ax in fig.axes for tb in ax.tables for c in tb.get_celld().values())
    assert "Internaliserende problemen" in texts.replace("\n", " ")


def test_bad_input_is_named():
    fit = _fit()
    with pytest.raises(ValueError, match="give 0.29, not 29"):
        koppmeta.summary_of_findings({"x": fit}, baseline_risks=[29])
    with pytest.raises(ValueError, match="0, 1 or 2"):
        koppmeta.summary_of_findings({"x": fit}, downgrades={"x": {"imprecision": 3}})
    with pytest.raises(ValueError, match="unknown GRADE domain"):
        koppmeta.summary_of_findings({"x": fit}, downgrades={"x": {"precision": 1}})
    with pytest.raises(ValueError, match="not among the fits"):
        koppmeta.summary_of_findings({"x": fit}, downgrades={"y": {"imprecision": 1}})
    with pytest.raises(ValueError, match="judgements for 13 trials"):
        koppmeta.summary_of_findings({"x": fit}, rob={"x": ["low"]})


def test_published_results_sit_beside_reanalyses():
    from koppmeta.reporting.findings import PublishedEffect

    pub = PublishedEffect("RR", 0.60, 0.45, 0.79, k=7, source="Siegenthaler 2012")
    fit = _fit()
    sof = koppmeta.summary_of_findings({"pub": pub, "re": fit}, baseline_risks=[0.288])
    row = sof.to_frame().set_index("outcome").loc["pub"]
    p = 0.288
    assert row["corrected_per_1000"] == pytest.approx(1000 * p * 0.60, rel=1e-12)
    assert (row["difference_ci_low"], row["difference_ci_high"]) == pytest.approx((1000 * p * (0.45 - 1), 1000 * p * (0.79 - 1)))
    assert math.ceil(row["nnt"]) == math.ceil(1 / (p * 0.4)) == 9
    _, _, notes = sof.cells("nl")
    assert any("zoals de review het vermeldt (Siegenthaler 2012)" in n for n in notes)
    assert any("niet vermeld" in n for n in notes)
    with pytest.raises(ValueError, match="must contain the estimate"):
        PublishedEffect("RR", 0.9, 0.45, 0.79)
