"""Edge cases with defined answers: k = 1 and 2, equal effects, equal variances, extreme variance
ratios, double-zero studies, tau^2 on the boundary, non-convergence, order of studies.

Numbers for k = 2, equal variances and extreme variance ratios are checked against metafor in
tests/test_parity_metafor.py (datasets bcg_k2, raudenbush1985_equal_vi, bcg_extreme_vi); this module
checks the behaviour that metafor does not pin down.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import koppmeta
from koppmeta.models import engine
from koppmeta.models import heterogeneity as het
from conftest import load_reference

REF = load_reference()
METHODS = ["FE", "DL", "REML", "ML", "PM", "HE", "SJ", "HS", "EB"]


def test_edge_datasets_are_in_the_metafor_fixture():
    assert {"bcg_k2", "raudenbush1985_equal_vi", "bcg_extreme_vi", "raudenbush1985_k3"} <= set(REF["datasets"])


@pytest.mark.parametrize("method", METHODS)
def test_one_study_is_that_study(method):
    fit = koppmeta.meta_analysis([0.4], [0.09], method=method, labels=["Clarke 2001"])
    assert (fit.k, fit.estimate, fit.tau2, fit.q, fit.i2, fit.h2) == (1, 0.4, 0.0, 0.0, 0.0, 1.0)
    assert math.isclose(fit.se, 0.3) and fit.tau2_ci is None
    assert any("one study" in n for n in fit.notes)


def test_two_studies_have_a_wide_but_finite_tau2_interval():
    ds = REF["datasets"]["bcg_k2"]
    fit = koppmeta.meta_analysis(ds["yi"], ds["vi"], method="REML", test="knha")
    assert fit.df == 1 and math.isfinite(fit.ci_high) and fit.tau2_ci[1] > 100  # beyond metafor's search cap


@pytest.mark.parametrize("method", METHODS)
def test_all_effects_equal_give_zero_heterogeneity(method):
    fit = koppmeta.meta_analysis([0.2] * 5, [0.01, 0.02, 0.03, 0.04, 0.05], method=method)
    assert fit.tau2 == 0 and fit.q == 0 and fit.i2 == 0 and math.isclose(fit.estimate, 0.2)


@pytest.mark.parametrize("method", METHODS[1:])
def test_tau2_on_the_boundary_is_exactly_zero(method):
    ds = REF["datasets"]["raudenbush1985_k3"]  # Q < k - 1
    fit = koppmeta.meta_analysis(ds["yi"], ds["vi"], method=method)
    if method != "SJ":  # SJ is positive by construction
        assert fit.tau2 == 0.0
    assert fit.tau2_ci == (0.0, 0.0) or fit.tau2_ci[0] == 0.0


def test_extreme_variance_ratio_stays_finite():
    ds = REF["datasets"]["bcg_extreme_vi"]
    for method in METHODS:
        fit = koppmeta.meta_analysis(ds["yi"], ds["vi"], method=method)
        assert np.isfinite([fit.estimate, fit.se, fit.tau2, fit.pval, fit.ci_low, fit.ci_high]).all(), method


def test_double_zero_studies_are_kept_and_flagged():
    df = pd.DataFrame({"events1": [0, 3], "n1": [20, 20], "events2": [0, 8], "n2": [20, 20]})
    out = koppmeta.effect_sizes(df, "RR")
    assert len(out) == 2 and out.loc[0, "yi"] == 0.0 and "zero cell" in out.loc[0, "es_method"]


def test_nonconvergence_uses_the_documented_fallback(monkeypatch):
    monkeypatch.setattr(engine, "MAXITER_SCORING", 1)
    ds = REF["datasets"]["bcg"]
    ref = next(e for e in REF["rma"] if e["dataset"] == "bcg" and e["method"] == "ML" and e["test"] == "z")
    with pytest.warns(koppmeta.ConvergenceWarning, match="did not settle"):
        fit = koppmeta.meta_analysis(ds["yi"], ds["vi"], method="ML")
    assert math.isclose(fit.tau2, ref["tau2"], rel_tol=1e-9)  # the scan's maximum is refined by bisection to 1e-13


def test_paule_mandel_without_a_root_raises(monkeypatch):
    """If no finite tau^2 can bring Q down to its target, PM stops with an error, not a NaN."""
    monkeypatch.setattr(het, "q_gen", lambda *a: 1e300)
    with pytest.raises(koppmeta.ConvergenceError, match="no finite tau"):
        het._solve_q(np.array([0.0, 1.0]), np.array([0.1, 0.1]), np.ones((2, 1)), 1.0)


@pytest.mark.parametrize("method", METHODS)
def test_order_of_studies_does_not_matter(method):
    ds = REF["datasets"]["molloy2014"]
    y, v = np.array(ds["yi"]), np.array(ds["vi"])
    a = koppmeta.meta_analysis(y, v, method=method)
    b = koppmeta.meta_analysis(y[::-1], v[::-1], method=method)
    assert math.isclose(a.estimate, b.estimate, rel_tol=1e-10) and math.isclose(a.tau2, b.tau2, rel_tol=1e-8, abs_tol=1e-12)
