"""Mantel-Haenszel and Peto pooling against metafor 3.8 (rma.mh, rma.peto).

Reference values: tests/fixtures/metafor_rare.json, made by tests/r/make_fixtures_rare.R.
Tolerance 1e-6 (absolute, or relative above 1): both methods are closed-form, so any larger
difference is a different formula, not rounding.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import koppmeta

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "metafor_rare.json").read_text(encoding="utf-8"))
DATASETS = sorted(FIXTURE["fits"])
TOL = 1e-6


def close(ours, ref, tol=TOL):
    if ref is None:
        return ours is None or (isinstance(ours, float) and math.isnan(ours))
    return abs(ours - ref) <= tol * max(1.0, abs(ref))


def table(name):
    return pd.DataFrame(FIXTURE["fits"][name]["data"])


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("measure", ["OR", "RR", "RD"])
def test_mantel_haenszel_matches_metafor(name, measure):
    ref = FIXTURE["fits"][name][f"mh_{measure}"]
    fit = koppmeta.mantel_haenszel(table(name), events1="events1", n1="n1", events2="events2", n2="n2",
                                   measure=measure, labels="label")
    for key in ("estimate", "se", "stat", "pval", "ci_low", "ci_high", "q", "q_pval", "i2", "h2"):
        assert close(getattr(fit, key), ref[key]), (key, getattr(fit, key), ref[key])
    assert fit.q_df == ref["k_yi"] - 1 and fit.k == ref["k"]
    yi = np.array([np.nan if v is None else v for v in ref["yi"]])
    vi = np.array([np.nan if v is None else v for v in ref["vi"]])
    np.testing.assert_allclose(fit.studies["yi"], yi, rtol=TOL, atol=TOL, equal_nan=True)
    np.testing.assert_allclose(fit.studies["vi"], vi, rtol=TOL, atol=TOL, equal_nan=True)
    # a study without a per-study effect (double zero) is named in `dropped`, never silently left out
    assert len(fit.dropped) == int(np.isnan(yi).sum())
    if measure == "OR":
        for key in ("cmh", "cmh_pval", "bd", "bd_pval", "tarone", "tarone_pval"):
            assert close(getattr(fit, key), ref[key]), (key, getattr(fit, key), ref[key])


@pytest.mark.parametrize("name", DATASETS)
def test_peto_matches_metafor(name):
    ref = FIXTURE["fits"][name]["peto"]
    fit = koppmeta.peto(table(name), events1="events1", n1="n1", events2="events2", n2="n2", labels="label")
    for key in ("estimate", "se", "stat", "pval", "ci_low", "ci_high", "q", "q_pval", "i2", "h2"):
        assert close(getattr(fit, key), ref[key]), (key, getattr(fit, key), ref[key])
    yi = np.array([np.nan if v is None else v for v in ref["yi"]])
    np.testing.assert_allclose(fit.studies["yi"], yi, rtol=TOL, atol=TOL, equal_nan=True)
    assert len(fit.dropped) == int(np.isnan(yi).sum())


def test_double_zero_study_is_reported():
    fit = koppmeta.mantel_haenszel(table("nielweise2007"), events1="events1", n1="n1", events2="events2", n2="n2",
                                   labels="label")
    assert [lab for lab, _ in fit.dropped] == ["Yucel 2004"]
    assert "no events in either arm" in fit.dropped[0][1]
    assert "Left out: Yucel 2004" in fit.summary()
    assert fit.studies.loc[fit.studies.label == "Yucel 2004", "in_q"].item() is False or \
        not bool(fit.studies.loc[fit.studies.label == "Yucel 2004", "in_q"].item())


def test_arrays_without_data_and_outputs():
    d = table("bcg")
    fit = koppmeta.mantel_haenszel(events1=d.events1.to_numpy(), n1=d.n1.to_numpy(), events2=d.events2.to_numpy(),
                                   n2=d.n2.to_numpy(), measure="RR")
    ref = FIXTURE["fits"]["bcg"]["mh_RR"]
    assert close(fit.estimate, ref["estimate"])
    row = fit.to_frame().iloc[0]
    assert row["method"] == "MH" and math.isclose(row["estimate_exp"], math.exp(ref["estimate"]))
    assert "Mantel-Haenszel" in fit.summary() and "<table>" in fit._repr_html_()


def test_bad_counts_are_all_reported_at_once():
    bad = pd.DataFrame({"study": ["A", "B", "C"], "e1": [3, -1, 12], "n1": [10, 10, 10], "e2": [2, 2, 1.5], "n2": [10, 10, 10]})
    with pytest.raises(ValueError) as err:
        koppmeta.mantel_haenszel(bad, events1="e1", n1="n1", events2="e2", n2="n2", labels="study")
    msg = str(err.value)
    assert "3 problem(s)" in msg
    assert "'events1', study 'B' (row 2): value -1" in msg
    assert "'events1', study 'C' (row 3): value 12" in msg and "cannot exceed the arm size n1 = 10" in msg
    assert "'events2', study 'C' (row 3): value 1.5" in msg
    with pytest.raises(ValueError, match="unknown measure 'HR'"):
        koppmeta.mantel_haenszel(bad, events1="e1", n1="n1", events2="e2", n2="n2", measure="HR")
    with pytest.raises(ValueError, match="column 'x'"):
        koppmeta.peto(bad, events1="x", n1="n1", events2="e2", n2="n2")


def test_no_information_at_all_is_an_error():
    d = pd.DataFrame({"e1": [0, 0], "n1": [10, 12], "e2": [0, 0], "n2": [11, 9]})
    with pytest.raises(ValueError, match="never occurs"):
        koppmeta.peto(d, events1="e1", n1="n1", events2="e2", n2="n2")
    with pytest.raises(ValueError, match="not defined"):
        koppmeta.mantel_haenszel(d, events1="e1", n1="n1", events2="e2", n2="n2")


# --- binomial-normal model (rma.glmm, model = "UM.FS", lme4, nAGQ = 7) ---------------------------
# Tolerance 1e-4: the standard error comes from a numerical second derivative on both sides (lme4's
# finite-difference Hessian, a central difference of the profile log-likelihood here), good to about
# 1e-5 relative; the fixture's lme4 fits use a tight optimiser stopping rule (make_fixtures_rare.R).
GLMM_TOL = 1e-4
GLMM_SETS = DATASETS


def test_glmm_fixture_converged():
    assert not any("converge" in w for n in GLMM_SETS for w in FIXTURE["fits"][n]["glmm_UM.FS"]["warnings"])


@pytest.mark.parametrize("name", GLMM_SETS)
def test_binomial_glmm_matches_metafor(name):
    ref = FIXTURE["fits"][name]["glmm_UM.FS"]
    fit = koppmeta.binomial_glmm(table(name), events1="events1", n1="n1", events2="events2", n2="n2", labels="label")
    for key in ("estimate", "se", "ci_low", "ci_high", "tau2"):
        assert abs(getattr(fit, key) - ref[key]) < GLMM_TOL, (key, getattr(fit, key), ref[key])
    assert abs(fit.pval - ref["pval"]) < GLMM_TOL * max(1.0, ref["pval"])
    assert fit.k == ref["k"] and fit.method == "GLMM" and "tau^2" in fit.summary()


def test_binomial_glmm_drops_double_zero_and_refuses_too_few():
    fit = koppmeta.binomial_glmm(table("nielweise2007"), events1="events1", n1="n1", events2="events2", n2="n2",
                                 labels="label")
    assert [lab for lab, _ in fit.dropped] == ["Yucel 2004"] and fit.k == 17
    one = pd.DataFrame({"e1": [2, 0], "n1": [20, 20], "e2": [5, 0], "n2": [20, 20]})
    with pytest.raises(ValueError, match="too few studies"):
        koppmeta.binomial_glmm(one, events1="e1", n1="n1", events2="e2", n2="n2")
    with pytest.raises(ValueError, match="'UM.RS' is not available"):
        koppmeta.binomial_glmm(table("bcg"), events1="events1", n1="n1", events2="events2", n2="n2", model="UM.RS")
    with pytest.raises(ValueError, match="unknown measure 'RR'"):
        koppmeta.binomial_glmm(table("bcg"), events1="events1", n1="n1", events2="events2", n2="n2", measure="RR")
