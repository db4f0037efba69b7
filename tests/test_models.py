"""Behaviour of meta_analysis beyond parity: edge cases, output, conversions, invariances."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import koppmeta
from conftest import FIXTURES, load_reference

REF = load_reference()
BCG = REF["datasets"]["bcg"]


def test_summary_matches_metafor_printout():
    """Every number metafor prints for the BCG REML model appears, identically rounded, in summary()."""
    printout = (FIXTURES / "metafor_bcg_print.txt").read_text(encoding="utf-8")
    block = printout.split("# fit_knha")[0]
    fit = koppmeta.meta_analysis(BCG["yi"], BCG["vi"], method="REML")
    text = fit.summary()
    model_row = block.split("Model Results:")[1].strip().splitlines()[1].split()
    printed = [re.search(p, block).group(1) for p in (
        r"heterogeneity\): ([\d.]+)", r"tau\^2 value\):\s+([\d.]+)", r"variability\):\s+([\d.]+%)",
        r"sampling variability\):\s+([\d.]+)", r"Q\(df = 12\) = ([\d.]+)")] + model_row[:6]
    for number in printed:
        assert number in text, f"{number} from metafor's printout not in summary():\n{text}"


def test_knha_summary_matches_metafor_printout():
    printout = (FIXTURES / "metafor_bcg_print.txt").read_text(encoding="utf-8")
    block = printout.split("# fit_knha")[1].split("# ci")[0] if "# ci" in printout else printout.split("# fit_knha")[1]
    row = block.split("Model Results:")[1].strip().splitlines()[1].split()
    text = koppmeta.meta_analysis(BCG["yi"], BCG["vi"], test="knha").summary()
    for number in row[:3] + row[5:7]:
        assert number in text


def test_result_outputs():
    fit = koppmeta.meta_analysis(BCG["yi"], BCG["vi"], labels=BCG["labels"], measure="RR")
    frame = fit.to_frame()
    assert frame.shape[0] == 1 and frame.loc[0, "estimate"] == fit.estimate
    assert math.isclose(frame.loc[0, "estimate_exp"], math.exp(fit.estimate))
    html = fit._repr_html_()
    assert "<table>" in html and "tau²" in html and f"{fit.estimate:.4f}" in html
    assert list(fit.studies.columns) == ["label", "yi", "vi", "ci_low", "ci_high", "weight"]
    assert fit.labels == BCG["labels"]
    assert math.isclose(fit.weights.sum(), 100.0)


def test_fixed_effect_has_no_tau2_interval():
    fit = koppmeta.meta_analysis(BCG["yi"], BCG["vi"], method="FE")
    assert fit.tau2 == 0 and fit.tau2_ci is None and fit.i2_ci is None
    assert "Fixed-effect" in fit.summary()


def test_one_study():
    fit = koppmeta.meta_analysis([0.5], [0.04], method="REML")
    assert fit.k == 1 and fit.estimate == 0.5 and math.isclose(fit.se, 0.2)
    assert fit.tau2 == 0 and fit.q == 0 and fit.i2 == 0 and fit.h2 == 1
    assert any("one study" in n for n in fit.notes)


def test_all_effects_equal():
    fit = koppmeta.meta_analysis([0.3, 0.3, 0.3, 0.3], [0.01, 0.02, 0.03, 0.04], method="REML")
    assert fit.tau2 == 0 and fit.q == 0 and math.isclose(fit.estimate, 0.3)
    assert fit.tau2_ci == (0.0, 0.0)
    knha = koppmeta.meta_analysis([0.3, 0.3, 0.3], [0.01, 0.02, 0.03], test="knha")
    assert knha.se == 0 and knha.pval == 0.0 and any("scaling factor is 0" in n for n in knha.notes)


@pytest.mark.parametrize("method", ["FE", "DL", "REML", "ML", "PM", "HE", "SJ", "HS", "EB"])
def test_order_invariance(method):
    y, v = np.array(BCG["yi"]), np.array(BCG["vi"])
    perm = np.random.default_rng(20261125).permutation(len(y))
    a = koppmeta.meta_analysis(y, v, method=method)
    b = koppmeta.meta_analysis(y[perm], v[perm], method=method)
    for attr in ("estimate", "se", "tau2", "i2", "q", "pi_low"):
        assert math.isclose(getattr(a, attr), getattr(b, attr), rel_tol=1e-9, abs_tol=1e-12)


def test_prediction_interval_formula():
    fit = koppmeta.meta_analysis(BCG["yi"], BCG["vi"], test="knha")
    crit = stats.t.isf(0.025, fit.k - 1)
    assert math.isclose(fit.pi_high - fit.estimate, crit * math.sqrt(fit.se**2 + fit.tau2))


def test_from_ci_round_trip():
    """A CI built from yi and vi converts back to the same yi and vi."""
    y, v = np.array(BCG["yi"]), np.array(BCG["vi"])
    z = stats.norm.isf(0.025)
    out = koppmeta.from_ci(np.exp(y), np.exp(y - z * np.sqrt(v)), np.exp(y + z * np.sqrt(v)), ratio=True)
    np.testing.assert_allclose(out["yi"], y, rtol=1e-12)
    np.testing.assert_allclose(out["vi"], v, rtol=1e-9)


def test_logor_smd_conversions_are_inverse():
    d = koppmeta.logor_to_smd([0.5, -1.2], [0.04, 0.1])
    back = koppmeta.smd_to_logor(d["yi"], d["vi"])
    np.testing.assert_allclose(back["yi"], [0.5, -1.2])
    np.testing.assert_allclose(back["vi"], [0.04, 0.1])
    np.testing.assert_allclose(d["yi"], np.array([0.5, -1.2]) * np.sqrt(3) / np.pi)


def test_t_f_eta2_agree():
    """t, F = t^2 and eta^2 = t^2/(t^2 + df) describe the same comparison and give the same d."""
    t, n1, n2 = -2.4, 30, 34
    a = koppmeta.d_from_t([t], [n1], [n2])
    b = koppmeta.d_from_f([t**2], [n1], [n2], sign=-1)
    c = koppmeta.d_from_eta2([t**2 / (t**2 + n1 + n2 - 2)], [n1], [n2], sign=-1)
    for other in (b, c):
        np.testing.assert_allclose(other["yi"], a["yi"])
        np.testing.assert_allclose(other["vi"], a["vi"])
    assert a["yi"][0] < 0


def test_counts_from_percent_flagged():
    out = koppmeta.counts_from_percent([9.3, 28.8], [45, 49])
    assert out["approximate"].all()
    np.testing.assert_allclose(out["events_exact"], [9.3 / 100 * 45, 28.8 / 100 * 49])
    np.testing.assert_array_equal(out["events"], np.floor(out["events_exact"] + 0.5))  # nearest count, halves up
    with pytest.raises(ValueError, match="a percentage lies in"):
        koppmeta.counts_from_percent([120], [40])


def test_effect_sizes_from_reported_ci():
    df = pd.DataFrame({"hr": [0.63], "lo": [0.40], "hi": [0.98]})
    out = koppmeta.effect_sizes(df, "RR", estimate="hr", ci_low="lo", ci_high="hi")
    assert math.isclose(out["yi"][0], math.log(0.63))
    assert "log ratio from reported 95% CI" in out["es_method"][0]


def test_reml_nonconvergence_never_silent(monkeypatch):
    """If Fisher scoring fails, the fallback is used with a warning and the answer is a real number."""
    from koppmeta.models import engine
    monkeypatch.setattr(engine, "MAXITER_SCORING", 1)
    with pytest.warns(koppmeta.ConvergenceWarning, match="did not settle"):
        fit = koppmeta.meta_analysis(BCG["yi"], BCG["vi"], method="REML")
    ref = next(e for e in REF["rma"] if e["dataset"] == "bcg" and e["method"] == "REML" and e["test"] == "z")
    assert math.isfinite(fit.tau2) and abs(fit.tau2 - ref["tau2"]) < 1e-5
