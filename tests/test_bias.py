"""Small-study bias methods against R metafor 3.8-1: regtest(model="lm"), ranktest(), trimfill(), fsn().

Expected numbers come from ``tests/fixtures/metafor_bias.json``, written by
``tests/r/make_fixtures_bias.R`` (its ``source`` block names the R, metafor and metadat
versions and the control settings). Nothing here is typed by hand.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from scipy import stats

import koppmeta
from conftest import FIXTURES, close
from koppmeta.diagnostics.bias import (
    BeggTest,
    FailSafeN,
    PetPeese,
    RegressionTest,
    TrimAndFill,
    _kendall_lower_cdf,
    begg_test,
    egger_test,
    fail_safe_n,
    pet_peese,
    trim_and_fill,
)

with open(FIXTURES / "metafor_bias.json", encoding="utf-8") as fh:
    REF = json.load(fh)
MODELS = REF["models"]
BIAS = REF["bias"]
BIAS_SETS = sorted(BIAS)


def _fit(dataset: str, method: str = "REML", test: str = "z") -> koppmeta.MetaAnalysis:
    ds = REF["datasets"][dataset]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return koppmeta.meta_analysis(ds["yi"], ds["vi"], method=method, test=test, labels=ds["labels"])


def _check(values: dict, ref: dict, what: str) -> None:
    bad = {k: (v, ref[k]) for k, v in values.items() if not close(v, ref[k])}
    assert not bad, f"{what} differs from metafor: {bad}"


def test_fixture_coverage():
    assert len(BIAS_SETS) >= 3
    assert REF["source"]["metafor_version"] == "3.8-1"
    tf = [t for e in MODELS for t in e["trimfill"]]
    assert {t["side"] for t in tf} == {"left", "right"} and {t["estimator"] for t in tf} == {"L0", "R0"}
    assert any(t["k0"] > 0 for t in tf) and any(t["k0"] == 0 for t in tf)


# -- Egger / PET / PEESE -----------------------------------------------------


@pytest.mark.parametrize("dataset", BIAS_SETS)
def test_egger_parity(dataset):
    ref = BIAS[dataset]["regtest"]["sei"]
    assert ref["coef_columns"] == ["Estimate", "Std. Error", "t value", "Pr(>|t|)"]
    res = egger_test(_fit(dataset))
    assert isinstance(res, RegressionTest)
    assert res.df == ref["df"]
    _check({"stat": res.stat, "pval": res.pval, "est": res.limit_estimate, "ci_low": res.limit_ci_low, "ci_high": res.limit_ci_high},
           ref, ref["r_call"])
    for got, exp in zip([res.limit_estimate, res.limit_se, res.limit_stat, res.limit_pval], ref["intercept"]):
        assert close(got, exp), (ref["r_call"], "intercept", got, exp)
    for got, exp in zip([res.slope, res.slope_se, res.stat, res.pval], ref["slope"]):
        assert close(got, exp), (ref["r_call"], "slope", got, exp)


@pytest.mark.parametrize("method", ["FE", "DL", "REML"])
def test_egger_does_not_depend_on_the_estimator(method):
    ref = BIAS["bcg"]["regtest"]["sei"]
    res = egger_test(_fit("bcg", method))
    assert close(res.stat, ref["stat"]) and close(res.pval, ref["pval"])


@pytest.mark.parametrize("dataset", BIAS_SETS)
def test_pet_peese_parity_and_rule(dataset):
    fit = _fit(dataset)
    res = pet_peese(fit)
    assert isinstance(res, PetPeese)
    for part, key in ((res.pet, "sei"), (res.peese, "vi")):
        ref = BIAS[dataset]["regtest"][key]
        _check({"stat": part.stat, "pval": part.pval, "est": part.limit_estimate, "ci_low": part.limit_ci_low,
                "ci_high": part.limit_ci_high}, ref, ref["r_call"])
        for got, exp in zip([part.limit_estimate, part.limit_se, part.limit_stat, part.limit_pval], ref["intercept"]):
            assert close(got, exp), (ref["r_call"], got, exp)
    # the decision rule: PEESE when PET's one-sided intercept p-value is below alpha
    p_two = BIAS[dataset]["regtest"]["sei"]["intercept"][3]
    assert close(res.pet_pval_one_sided, p_two / 2)
    assert res.chosen == ("PEESE" if p_two / 2 < 0.05 else "PET")
    chosen = res.peese if res.chosen == "PEESE" else res.pet
    assert (res.estimate, res.ci_low, res.ci_high) == (chosen.limit_estimate, chosen.limit_ci_low, chosen.limit_ci_high)
    strict = pet_peese(fit, alpha=1e-12)
    assert strict.chosen == "PET"


def test_pet_peese_fixture_exercises_both_choices():
    chosen = {pet_peese(_fit(d)).chosen for d in BIAS_SETS}
    assert chosen == {"PET", "PEESE"}


# -- Begg and Mazumdar ---------------------------------------------------------


@pytest.mark.parametrize("dataset", BIAS_SETS)
def test_begg_parity(dataset):
    ref = BIAS[dataset]["ranktest"]
    fit = _fit(dataset)
    if "warning" in ref:  # ties: R falls back to the normal approximation and warns
        with pytest.warns(UserWarning, match="normal approximation"):
            res = begg_test(fit)
        assert not res.exact
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            warnings.simplefilter("ignore", koppmeta.FewStudiesWarning)  # k < 10 is warned about; not a tie warning
            res = begg_test(fit)
        assert res.exact
    assert isinstance(res, BeggTest)
    _check({"tau": res.tau, "pval": res.pval}, ref, ref["r_call"])


def test_fixture_has_exact_and_approximate_begg():
    kinds = {"warning" in BIAS[d]["ranktest"] for d in BIAS_SETS}
    assert kinds == {True, False}


@pytest.mark.parametrize("n", [3, 4, 7, 12, 25])
def test_kendall_null_distribution(n):
    total = n * (n - 1) // 2
    assert _kendall_lower_cdf(total, n) == pytest.approx(1.0, abs=1e-14)
    assert _kendall_lower_cdf(-1, n) == 0.0
    # symmetric about total/2, and P(T = 0) = 1/n!
    for q in range(total):
        assert _kendall_lower_cdf(q, n) == pytest.approx(1 - _kendall_lower_cdf(total - q - 1, n), abs=1e-13)
    assert _kendall_lower_cdf(0, n) == pytest.approx(1 / math.factorial(n), rel=1e-12)


def test_begg_exact_pvalue_agrees_with_scipy():
    fit = _fit("hackshaw1998")
    res = begg_test(fit)
    w = 1 / fit.vi
    theta = np.sum(w * fit.yi) / np.sum(w)
    ystar = (fit.yi - theta) / np.sqrt(fit.vi - 1 / np.sum(w))
    sp = stats.kendalltau(ystar, fit.vi, method="exact")
    assert res.tau == pytest.approx(sp.statistic, abs=1e-12)
    assert res.pval == pytest.approx(sp.pvalue, abs=1e-10)


# -- trim and fill -------------------------------------------------------------

TF_CASES = [(e, t) for e in MODELS for t in e["trimfill"]]


def _tf_id(case) -> str:
    e, t = case
    return f"{e['dataset']}-{e['method']}-{e['test']}-{t['side_arg'] or 'auto'}-{t['estimator_arg']}"


@pytest.mark.parametrize("case", TF_CASES, ids=[_tf_id(c) for c in TF_CASES])
def test_trim_and_fill_parity(case):
    entry, ref = case
    fit = _fit(entry["dataset"], entry["method"], entry["test"])
    res = trim_and_fill(fit, side=ref["side_arg"], kind=ref["estimator_arg"])
    assert isinstance(res, TrimAndFill)
    assert (res.k0, res.side, res.kind, res.k) == (ref["k0"], ref["side"], ref["estimator"], ref["k"]), ref["r_call"]
    if ref["se_k0"] is None:  # metafor: sqrt of a negative variance ("NaNs produced")
        assert "NaNs produced" in ref["warning"]
        assert math.isnan(res.se_k0) and any("se(k0)" in n for n in res.notes)
    else:
        assert close(res.se_k0, ref["se_k0"]), ref["r_call"]
    if ref["p_k0"] is None:
        assert res.p_k0 is None
    else:
        assert close(res.p_k0, ref["p_k0"])
    _check({c: getattr(res, c) for c in ("estimate", "se", "stat", "pval", "ci_low", "ci_high", "tau2", "i2")},
           ref, ref["r_call"])
    assert res.fit.test == ref["test"] == entry["test"]
    np.testing.assert_allclose(res.filled["yi"], ref["fill_yi"], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(res.filled["vi"], ref["fill_vi"], rtol=1e-12, atol=0)
    assert res.filled["label"].tolist() == [f"Filled {j + 1}" for j in range(res.k0)]
    if res.k0 == 0:
        assert res.fit is fit


def test_trim_and_fill_outputs():
    entry = next(e for e in MODELS if e["dataset"] == "hackshaw1998" and e["method"] == "REML" and e["test"] == "z")
    fit = _fit("hackshaw1998")
    res = trim_and_fill(fit)
    assert res.k0 == entry["trimfill"][0]["k0"] > 0
    assert res.fit.k == fit.k + res.k0
    assert res.original_estimate == fit.estimate
    text = res.summary()
    assert f"{res.k0}" in text and res.side in text and "imputed" in text
    assert res.to_frame().loc[0, "k0"] == res.k0
    assert "Trim and fill" in res._repr_html_()


# -- fail-safe N ---------------------------------------------------------------

FSN_ARGS = {
    "rosenthal": {},
    "orwin": {"kind": "Orwin"},
    "orwin_target": {"kind": "Orwin", "target": 0.05},
    "orwin_weighted": {"kind": "Orwin", "weighted": True},
    "rosenberg": {"kind": "Rosenberg"},
    "rosenthal_alpha": {"alpha": 0.01},
}


@pytest.mark.parametrize("dataset", BIAS_SETS)
@pytest.mark.parametrize("case", sorted(FSN_ARGS))
def test_fail_safe_n_parity(dataset, case):
    ref = BIAS[dataset]["fsn"][case]
    res = fail_safe_n(_fit(dataset), **FSN_ARGS[case])
    assert isinstance(res, FailSafeN)
    assert res.fsn == ref["fsnum"], ref["r_call"]
    for name, key in (("pval", "pval"), ("mean_effect", "meanes"), ("target", "target")):
        got = getattr(res, name)
        if ref[key] is None:
            assert got is None, (ref["r_call"], name)
        else:
            assert close(got, ref[key]), (ref["r_call"], name, got, ref[key])
    assert str(res.fsn) in res.summary() and "Fail-safe N" in res._repr_html_()


# -- output and validation -----------------------------------------------------


def test_result_outputs():
    fit = _fit("egger2001")
    for res in (egger_test(fit), begg_test(fit), pet_peese(fit), fail_safe_n(fit)):
        assert len(res.to_frame()) >= 1
        assert res.summary() and str(res) == res.summary()
        assert res._repr_html_().startswith("<div")
    text = egger_test(fit).summary()
    assert "asymmetry" in text and "Limit estimate" in text
    assert "PEESE" in pet_peese(fit).summary()


def test_input_validation():
    fit = _fit("bcg")
    for func in (egger_test, begg_test, trim_and_fill, pet_peese, fail_safe_n):
        with pytest.raises(TypeError, match="MetaAnalysis"):
            func({"yi": fit.yi})
    two = _fit("bcg_k2")
    for func in (egger_test, begg_test, pet_peese):
        with pytest.raises(ValueError, match="at least 3 studies"):
            func(two)
    with pytest.raises(ValueError, match="at least 3 studies.*side"):
        trim_and_fill(two)
    with pytest.raises(ValueError, match="Valid values: L0, R0"):
        trim_and_fill(fit, kind="Q0")
    with pytest.raises(ValueError, match="Did you mean 'left'"):
        trim_and_fill(fit, side="Left")
    with pytest.raises(ValueError, match="maxiter"):
        trim_and_fill(fit, maxiter=0)
    with pytest.raises(ValueError, match="Valid values: Rosenthal, Orwin, Rosenberg"):
        fail_safe_n(fit, kind="REM")
    with pytest.raises(ValueError, match="only by kind='Orwin'"):
        fail_safe_n(fit, target=0.1)
    with pytest.raises(ValueError, match="infinite"):
        fail_safe_n(fit, kind="Orwin", target=0)
    with pytest.raises(ValueError, match="alpha"):
        fail_safe_n(fit, alpha=5)
    with pytest.raises(ValueError, match="alpha"):
        pet_peese(fit, alpha=0.7)
    equal_v = koppmeta.meta_analysis([0.1, 0.3, 0.2, 0.5], [0.04] * 4)
    with pytest.raises(ValueError, match="all sampling variances are equal"):
        egger_test(equal_v)
    with pytest.raises(ValueError, match="undefined"):
        begg_test(equal_v)


def test_regression_test_old_names_still_work_with_a_warning():
    res = egger_test(_fit("bcg"))
    for old, new in (("estimate", "limit_estimate"), ("se", "limit_se"), ("ci_low", "limit_ci_low"),
                     ("ci_high", "limit_ci_high"), ("intercept_stat", "limit_stat"), ("intercept_pval", "limit_pval")):
        with pytest.warns(DeprecationWarning, match=new):
            assert getattr(res, old) == getattr(res, new)


def test_renamed_arguments_still_work_with_a_warning():
    fit = _fit("bcg")
    with pytest.warns(DeprecationWarning, match="'estimator' is now called 'kind'"):
        old = trim_and_fill(fit, estimator="R0")
    assert old.kind == "R0" and old.k0 == trim_and_fill(fit, kind="R0").k0
    with pytest.warns(DeprecationWarning, match="'method' is now called 'kind'"):
        old = fail_safe_n(fit, method="Orwin", target=-0.1)
    assert old.kind == "Orwin" and old.fsn == fail_safe_n(fit, "Orwin", -0.1).fsn
    with pytest.warns(DeprecationWarning):
        assert old.method == "Orwin"
    with pytest.raises(TypeError, match="not both"):
        fail_safe_n(fit, kind="Orwin", method="Orwin", target=-0.1)
