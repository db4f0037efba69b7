"""Sensitivity analyses against R metafor 3.8-1: leave1out(), influence(), cumul(), baujat().

Expected numbers come from ``tests/fixtures/metafor_bias.json``, written by
``tests/r/make_fixtures_bias.R`` (its ``source`` block names the R, metafor and metadat
versions and the control settings). Nothing here is typed by hand.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import koppmeta
from conftest import FIXTURES, PARITY_TOL
from koppmeta.diagnostics.sensitivity import InfluenceResult, baujat, cumulative, influence, leave_one_out

with open(FIXTURES / "metafor_bias.json", encoding="utf-8") as fh:
    REF = json.load(fh)
MODELS = REF["models"]
COLUMNS = ["estimate", "se", "stat", "pval", "ci_low", "ci_high", "q", "q_pval", "tau2", "i2", "h2"]


def _id(e: dict) -> str:
    return f"{e['dataset']}-{e['method']}-{e['test']}"


def _fit(entry: dict) -> koppmeta.MetaAnalysis:
    ds = REF["datasets"][entry["dataset"]]
    return koppmeta.meta_analysis(ds["yi"], ds["vi"], method=entry["method"], test=entry["test"],
                                  labels=ds["labels"])


def _expected(values: list | None, k: int, column: str, method: str) -> np.ndarray:
    # metafor leaves the tau2 column out for FE models; there it is 0 by definition
    if values is None:
        assert column == "tau2" and method == "FE"
        return np.zeros(k)
    return np.array([np.nan if x is None else x for x in values], dtype=float)


def _assert_parity(got, expected, what: str) -> None:
    got = np.asarray(got, dtype=float)
    expected = np.asarray(expected, dtype=float)
    assert got.shape == expected.shape, what
    assert np.array_equal(np.isnan(got), np.isnan(expected)), f"{what}: NaN pattern differs: {got} vs {expected}"
    ok = ~np.isnan(expected)
    err = np.abs(got[ok] - expected[ok]) / np.maximum(1.0, np.abs(expected[ok]))
    assert np.all(err <= PARITY_TOL), f"{what}: max relative error {err.max():.3g}\n{got}\n{expected}"


def _quiet(call, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return call(*args, **kwargs)


def test_fixture_coverage():
    datasets = {e["dataset"] for e in MODELS}
    assert len(datasets) >= 3
    assert {(e["method"], e["test"]) for e in MODELS} >= {("FE", "z"), ("DL", "z"), ("REML", "z"), ("REML", "knha")}
    assert REF["source"]["metafor_version"] == "3.8-1"
    # the influence flags are exercised both ways, also under REML
    flags = [f for e in MODELS for f in e["influence"]["inf"]]
    assert any(flags) and not all(flags)
    assert any(any(e["influence"]["inf"]) for e in MODELS if e["method"] == "REML")


@pytest.mark.parametrize("entry", MODELS, ids=_id)
def test_leave_one_out_parity(entry):
    fit = _fit(entry)
    out = _quiet(leave_one_out, fit)
    assert list(out.index) == fit.labels and out.index.name == "omitted"
    assert list(out.columns) == COLUMNS
    for col in COLUMNS:
        _assert_parity(out[col], _expected(entry["leave1out"][col], fit.k, col, entry["method"]),
                       f"{_id(entry)} leave1out {col}")


@pytest.mark.parametrize("entry", MODELS, ids=_id)
def test_influence_parity(entry):
    fit = _fit(entry)
    res = _quiet(influence, fit)
    ref = entry["influence"]
    for col in ["rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "q_del", "hat", "weight", "dfbetas"]:
        _assert_parity(res.table[col], ref[col], f"{_id(entry)} influence {col}")
    assert res.is_influential.tolist() == ref["inf"], f"{_id(entry)}: influence flags differ from metafor"
    assert res.is_influential.dtype == bool


@pytest.mark.parametrize("entry", MODELS, ids=_id)
@pytest.mark.parametrize("variant", ["cumul", "cumul_ordered", "cumul_decreasing"])
def test_cumulative_parity(entry, variant):
    fit = _fit(entry)
    ds = REF["datasets"][entry["dataset"]]
    ref = entry[variant]
    kwargs = {} if variant == "cumul" else {"order": ds["order_key"], "decreasing": variant == "cumul_decreasing"}
    out = _quiet(cumulative, fit, **kwargs)
    assert list(out.index) == ref["labels"], f"{ref['r_call']}: order of studies differs"
    assert out["k"].tolist() == list(range(1, fit.k + 1))
    for col in COLUMNS:
        _assert_parity(out[col], _expected(ref[col], fit.k, col, entry["method"]), f"{ref['r_call']} {col}")


@pytest.mark.parametrize("entry", MODELS, ids=_id)
def test_baujat_parity(entry):
    fit = _fit(entry)
    out = _quiet(baujat, fit)
    _assert_parity(out["x"], entry["baujat"]["x"], f"{_id(entry)} baujat x")
    _assert_parity(out["y"], entry["baujat"]["y"], f"{_id(entry)} baujat y")


def test_baujat_x_sums_to_q_for_fixed_effect():
    entry = next(e for e in MODELS if e["method"] == "FE" and e["dataset"] == "bcg")
    fit = _fit(entry)
    assert baujat(fit)["x"].sum() == pytest.approx(fit.q, rel=1e-12)


def test_single_study_refits_use_z_with_a_warning():
    entry = next(e for e in MODELS if e["dataset"] == "bcg_k2" and e["test"] == "knha")
    fit = _fit(entry)
    with pytest.warns(UserWarning, match="z test"):
        leave_one_out(fit)
    with pytest.warns(UserWarning, match="z test"):
        cumulative(fit)
    res = influence(fit)
    assert any("z test" in n for n in res.notes)


def test_cumulative_by_column_name_and_stable_ties():
    entry = next(e for e in MODELS if e["dataset"] == "bcg" and e["method"] == "REML" and e["test"] == "z")
    fit = _fit(entry)
    by_vi = cumulative(fit, order="vi")
    assert list(by_vi.index) == [fit.labels[i] for i in np.argsort(fit.vi, kind="stable")]
    # equal keys keep input order, both ways (as R's order())
    same = cumulative(fit, order=[1] * fit.k, decreasing=True)
    assert list(same.index) == fit.labels
    last = by_vi.iloc[-1]
    assert last["estimate"] == pytest.approx(fit.estimate, rel=1e-12)
    assert last["tau2"] == pytest.approx(fit.tau2, rel=1e-10)
    text_keys = cumulative(fit, order=[lab[::-1] for lab in fit.labels])
    assert len(text_keys) == fit.k


def test_influence_result_outputs():
    entry = next(e for e in MODELS if e["dataset"] == "normand1999" and e["method"] == "REML" and e["test"] == "z")
    fit = _fit(entry)
    res = influence(fit)
    assert isinstance(res, InfluenceResult)
    flagged = [lab for lab, f in zip(fit.labels, entry["influence"]["inf"]) if f]
    assert res.influential == flagged and flagged
    frame = res.to_frame()
    assert frame["influential"].tolist() == entry["influence"]["inf"]
    text = res.summary()
    assert "Cook's distance" in text and "*" in text and flagged[0] in text
    assert "dffits" in res._repr_html_() and "<table>" in res._repr_html_()
    assert res.thresholds["hat"] == pytest.approx(3 / fit.k)


def test_progress_bar_option_runs():
    entry = MODELS[0]
    fit = _fit(entry)
    a = leave_one_out(fit, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = leave_one_out(fit, progress=True)
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(TypeError, match="progress"):
        leave_one_out(fit, progress="yes")


def test_input_validation():
    fit = _fit(MODELS[0])
    for func in (leave_one_out, influence, cumulative, baujat):
        with pytest.raises(TypeError, match="MetaAnalysis"):
            func(fit.to_frame())
    one = koppmeta.meta_analysis([0.1], [0.02])
    for func in (leave_one_out, influence, baujat):
        with pytest.raises(ValueError, match="at least 2 studies"):
            func(one)
    with pytest.raises(ValueError, match="one sort key per study"):
        cumulative(fit, order=[1, 2, 3])
    with pytest.raises(ValueError, match="not a column of fit.studies.*Available columns"):
        cumulative(fit, order="year")
    keys = list(range(fit.k))
    keys[2] = float("nan")
    with pytest.raises(ValueError, match=r"'order', study .* \(row 3\): value is missing"):
        cumulative(fit, order=keys)
    with pytest.raises(TypeError, match="all numbers or all strings"):
        cumulative(fit, order=["a"] + list(range(fit.k - 1)))
    with pytest.raises(TypeError, match="decreasing"):
        cumulative(fit, decreasing="yes")
