"""Meta-regression, subgroup analysis and permutation tests against R metafor.

Expected numbers come from ``tests/fixtures/metafor_regression.json``, written by
``tests/r/make_fixtures_regression.R`` (its ``source`` block names the R, metafor and
metadat versions and the control settings). Nothing here is typed by hand:

- ``regression``: ``rma(yi, vi, mods = ~ ..., method, test)`` for ten models on four
  metadat datasets (dat.bcg, dat.raudenbush1985, dat.bangertdrowns2004, dat.molloy2014),
  every tau^2 estimator x both tests, with ``confint()`` and ``predict(newmods = ...)``;
- ``subgroups``: per-group ``rma(..., subset = group == g)``, the separate-tau^2 test of
  subgroup differences as ``rma(est_g, se_g^2, method = "FE")$QE``, and the common-tau^2
  model ``rma(yi, vi, mods = ~ factor(group))`` (QM) and ``~ factor(group) - 1`` (group means);
- ``permutest``: ``permutest(fit, exact = TRUE)`` (exact p-values, deterministic).
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

import koppmeta
from conftest import FIXTURES, close
from koppmeta.models.regression import (
    MetaRegression,
    PermutationResult,
    SubgroupAnalysis,
    meta_regression,
    permutation_test,
    subgroup_analysis,
)

with open(FIXTURES / "metafor_regression.json", encoding="utf-8") as fh:
    REF = json.load(fh)
DATA = REF["datasets"]
METHODS = ("FE", "DL", "REML", "ML", "PM", "HE", "SJ", "HS", "EB")
COEF_COLUMNS = ["estimate", "se", "stat", "pval", "ci_low", "ci_high"]


def _moderators(dataset: str, columns: list[str], categorical: list[str], rows=None) -> pd.DataFrame:
    """Moderator table as a user would pass it: text stays text; integer-coded groups become Categoricals."""
    out = {}
    for c in columns:
        vals = DATA[dataset]["moderators"][c]
        if rows is not None:
            vals = [vals[i] for i in rows]
        if c in categorical and not isinstance(vals[0], str):
            out[c] = pd.Categorical(vals)
        elif c in categorical:
            out[c] = pd.Series(vals, dtype=object)
        else:
            out[c] = np.asarray(vals, dtype=float)
    return pd.DataFrame(out)


def _assert_close(name, got, want, context):
    got = np.atleast_1d(np.asarray(got, dtype=float))
    want = np.atleast_1d(np.asarray(want, dtype=float))
    assert got.shape == want.shape, f"{name}: shape {got.shape} vs {want.shape} ({context})"
    bad = [(g, w) for g, w in zip(got, want) if not close(float(g), float(w))]
    assert not bad, f"{name} differs from metafor ({context}): {bad}"


# ---------------------------------------------------------------------------
# fixture coverage
# ---------------------------------------------------------------------------


def test_fixture_source_and_coverage():
    src = REF["source"]
    assert src["generator"] == "tests/r/make_fixtures_regression.R"
    assert src["metafor_version"] and "1e-12" in src["rma_control"]
    fits = [e for e in REF["regression"] if "error" not in e]
    assert len({e["dataset"] for e in fits}) >= 3
    # every estimator x both tests on at least one dataset, with a categorical moderator
    combos = {(e["method"], e["test"]) for e in fits if e["dataset"] == "bcg" and "alloc" in e["categorical"]}
    assert combos == {(m, t) for m in METHODS for t in ("z", "knha")}
    for ds in {e["dataset"] for e in fits}:
        assert {("REML", "z"), ("REML", "knha"), ("DL", "z"), ("DL", "knha")} <= {
            (e["method"], e["test"]) for e in fits if e["dataset"] == ds}


# ---------------------------------------------------------------------------
# meta-regression parity
# ---------------------------------------------------------------------------


def _reg_id(e):
    return f"{e['model']}-{e['method']}-{e['test']}"


@pytest.mark.parametrize("entry", [e for e in REF["regression"] if "error" not in e], ids=_reg_id)
def test_meta_regression_parity(entry):
    ds = DATA[entry["dataset"]]
    rows = [r - 1 for r in entry["rows"]] if entry["rows"] else list(range(len(ds["yi"])))
    mods = _moderators(entry["dataset"], entry["columns"], entry["categorical"], rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore" if "warning" in entry else "error")
        fit = meta_regression([ds["yi"][i] for i in rows], [ds["vi"][i] for i in rows], mods,
                              method=entry["method"], test=entry["test"],
                              labels=[ds["labels"][i] for i in rows], reference=entry.get("reference"))
    ctx = entry["r_call"]
    assert (fit.k, fit.p) == (entry["k"], entry["p"])
    for col in COEF_COLUMNS:
        _assert_close(col, fit.coefficients[col], entry[col], ctx)
    for name in ("qm", "qm_pval", "qe", "qe_pval", "tau2", "i2", "h2", "r2"):
        _assert_close(name, getattr(fit, name), entry[name], ctx)
    assert fit.qm_df == entry["qm_df"][0]
    assert fit.qe_df == entry["k"] - entry["p"]
    if entry["test"] == "knha":
        assert fit.df == entry["df"] == entry["qm_df"][1]
    else:
        assert math.isnan(fit.df)
    for name in ("tau2_ci", "i2_ci", "h2_ci"):
        ref = entry.get(name)
        if entry["method"] == "FE":
            assert getattr(fit, name) is None
        else:
            _assert_close(name, getattr(fit, name), ref, ctx)
    if "predict" in entry:
        pr = entry["predict"]
        got = fit.predict(pd.DataFrame(pr["newdata"]))
        for col in ("estimate", "se", "ci_low", "ci_high", "pi_low", "pi_high"):
            _assert_close(f"predict {col}", got[col], pr[col], ctx)


def test_term_names_and_reference_levels():
    ds = DATA["bcg"]
    mods = _moderators("bcg", ["ablat", "year", "alloc"], ["alloc"])
    fit = meta_regression(ds["yi"], ds["vi"], mods)
    assert list(fit.coefficients.index) == ["intercept", "ablat", "year", "alloc[random]", "alloc[systematic]"]
    assert list(fit.coefficients.columns) == COEF_COLUMNS
    assert fit.references == {"alloc": "alternate"}
    fit_ref = meta_regression(ds["yi"], ds["vi"], mods, reference={"alloc": "random"})
    assert list(fit_ref.coefficients.index)[3:] == ["alloc[alternate]", "alloc[systematic]"]
    # same model, other parametrisation: identical fit
    assert close(fit_ref.tau2, fit.tau2) and close(fit_ref.qm, fit.qm)
    # a pandas Categorical keeps its category order (first category is the reference)
    cat = mods.assign(alloc=pd.Categorical(mods["alloc"], categories=["systematic", "random", "alternate"]))
    fit_cat = meta_regression(ds["yi"], ds["vi"], cat)
    assert list(fit_cat.coefficients.index)[3:] == ["alloc[random]", "alloc[alternate]"]
    assert fit_cat.references == {"alloc": "systematic"}


def test_columns_from_data_and_bool_moderator():
    ds = DATA["bcg"]
    df = pd.DataFrame({"y": ds["yi"], "v": ds["vi"], "label": ds["labels"], **ds["moderators"]})
    a = meta_regression("y", "v", ["ablat", "alloc"], data=df, labels="label")
    b = meta_regression(df["y"], df["v"], df[["ablat", "alloc"]])
    pd.testing.assert_frame_equal(a.coefficients, b.coefficients)
    assert a.labels[0] == ds["labels"][0]
    df["north"] = df["ablat"] > 30
    c = meta_regression("y", "v", "north", data=df)
    assert list(c.coefficients.index) == ["intercept", "north[True]"]
    # same model as the numeric 0/1 coding
    d = meta_regression(df["y"], df["v"], df["north"].astype(float))
    np.testing.assert_allclose(c.coefficients["estimate"], d.coefficients["estimate"], rtol=1e-12)


def test_predict_without_newdata_gives_fitted_values():
    ds = DATA["bcg"]
    fit = meta_regression(ds["yi"], ds["vi"], _moderators("bcg", ["ablat", "alloc"], ["alloc"]), labels=ds["labels"])
    got = fit.predict()
    np.testing.assert_allclose(got["estimate"], fit.design.to_numpy() @ fit.coefficients["estimate"].to_numpy())
    assert list(got.index) == ds["labels"]
    one = fit.predict({"ablat": 40, "alloc": "random"})
    assert len(one) == 1


def test_regression_output():
    ds = DATA["bcg"]
    fit = meta_regression(ds["yi"], ds["vi"], _moderators("bcg", ["ablat", "alloc"], ["alloc"]), test="knha")
    text = fit.summary()
    for words in ("residual heterogeneity", "Test of moderators", "R^2", "alloc[random]", "Reference levels",
                  "F(df1 = 3, df2 = 9)"):
        assert words in text
    assert "<table>" in fit._repr_html_()
    tab = fit.to_frame()
    assert list(tab["term"]) == list(fit.coefficients.index)
    row = fit.to_frame("model")
    assert row.loc[0, "qm"] == fit.qm and row.loc[0, "k"] == 13
    with pytest.raises(dataclasses_frozen_error()):
        fit.tau2 = 0.0


def dataclasses_frozen_error():
    import dataclasses

    return dataclasses.FrozenInstanceError


# ---------------------------------------------------------------------------
# meta-regression input checks
# ---------------------------------------------------------------------------


def _bcg():
    ds = DATA["bcg"]
    return ds["yi"], ds["vi"], ds["labels"], _moderators("bcg", ["ablat", "year", "alloc"], ["alloc"])


def test_regression_rejects_bad_input():
    y, v, lab, mods = _bcg()
    with pytest.raises(ValueError, match="unknown method 'XX'.*REML"):
        meta_regression(y, v, mods, method="XX")
    with pytest.raises(ValueError, match="unknown test"):
        meta_regression(y, v, mods, test="t")
    bad = mods.copy()
    bad.loc[2, "ablat"] = np.nan
    with pytest.raises(ValueError, match=r"'ablat'.*Rosenthal.*row 3.*missing"):
        meta_regression(y, v, bad, labels=lab)
    bad = mods.copy()
    bad.loc[4, "alloc"] = None
    with pytest.raises(ValueError, match=r"'alloc'.*row 5.*missing"):
        meta_regression(y, v, bad, labels=lab)
    bad = mods.assign(ablat=mods["ablat"].astype(object))
    bad.loc[0, "ablat"] = "n/a"
    with pytest.raises(TypeError, match="mixes numbers and text"):
        meta_regression(y, v, bad, labels=lab)
    with pytest.raises(ValueError, match="only one level"):
        meta_regression(y, v, mods.assign(alloc="random"))
    with pytest.raises(ValueError, match="'double'.*linear combination"):
        meta_regression(y, v, mods.assign(double=2 * mods["ablat"]))
    with pytest.raises(ValueError, match="'const'.*linear combination"):
        meta_regression(y, v, pd.DataFrame({"const": np.ones(13)}))
    with pytest.raises(ValueError, match="level 'cluster' is not a level of moderator 'alloc'"):
        meta_regression(y, v, mods, reference={"alloc": "cluster"})
    with pytest.raises(ValueError, match="'ablat'.*numeric"):
        meta_regression(y, v, mods, reference={"ablat": 44})
    with pytest.raises(ValueError, match="'nope'.*not a moderator"):
        meta_regression(y, v, mods, reference={"nope": 1})
    with pytest.raises(ValueError, match="12 rows but there are 13 studies"):
        meta_regression(y, v, mods.iloc[:12])
    with pytest.raises(ValueError, match="not in the data"):
        meta_regression(y, v, ["ablat", "latitude"], data=mods)
    with pytest.raises(TypeError, match="no 'data'"):
        meta_regression(y, v, "ablat")
    with pytest.raises(ValueError, match="no columns"):
        meta_regression(y, v, mods[[]])
    with pytest.raises(ValueError, match="4 coefficients but only 4 studies"):
        meta_regression(y[:4], v[:4], mods.iloc[:4, :1].assign(a=[1.0, 2, 3, 5], b=[1.0, 0, 2, 2]))
    with pytest.raises(ValueError, match="'vi'.*row 2.*greater than 0"):
        meta_regression(y, [v[0], 0.0] + list(v[2:]), mods)


def test_predict_rejects_bad_newdata():
    y, v, lab, mods = _bcg()
    fit = meta_regression(y, v, mods)
    with pytest.raises(ValueError, match="lacks the moderator column.*'year'"):
        fit.predict(pd.DataFrame({"ablat": [10], "alloc": ["random"]}))
    with pytest.raises(ValueError, match="level 'cluster' was not in the data"):
        fit.predict(pd.DataFrame({"ablat": [10], "year": [1960], "alloc": ["cluster"]}))
    with pytest.raises(ValueError, match="'ablat'.*row 1.*missing"):
        fit.predict(pd.DataFrame({"ablat": [np.nan], "year": [1960], "alloc": ["random"]}))
    with pytest.raises(ValueError, match="different lengths"):
        fit.predict({"ablat": [10, 20], "year": [1960, 1970, 1980], "alloc": "random"})
    # a single value is repeated
    got = fit.predict({"ablat": [10, 20], "year": 1960, "alloc": "random"})
    assert len(got) == 2


def test_fe_with_knha_warns():
    y, v, _, mods = _bcg()
    with pytest.warns(UserWarning, match="Knapp-Hartung"):
        meta_regression(y, v, mods, method="FE", test="knha")


# ---------------------------------------------------------------------------
# subgroup analysis parity
# ---------------------------------------------------------------------------

GROUP_SCALARS = ["k", "estimate", "se", "stat", "pval", "ci_low", "ci_high", "pi_low", "pi_high",
                 "tau2", "i2", "h2", "q", "q_pval"]


def _sub_id(e):
    return f"{e['analysis']}-{e['method']}-{e['test']}"


def _groups(entry):
    ds = DATA[entry["dataset"]]
    return ds, [str(g) for g in ds["moderators"][entry["group_column"]]]


@pytest.mark.parametrize("entry", REF["subgroups"], ids=_sub_id)
def test_subgroup_separate_tau2_parity(entry):
    ds, groups = _groups(entry)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore" if entry["method"] == "FE" and entry["test"] != "z" else "error")
        res = subgroup_analysis(ds["yi"], ds["vi"], groups, labels=ds["labels"], method=entry["method"],
                                test=entry["test"])
    assert list(res.groups) == entry["group_levels"]  # order of first appearance
    for ref in entry["groups"]:
        fit = res.groups[ref["group"]]
        assert fit.test == entry["test"]
        for s in GROUP_SCALARS:
            _assert_close(s, getattr(fit, s), ref[s], ref["r_call"])
        if entry["test"] != "z":
            assert fit.df == ref["df"]
    for s in GROUP_SCALARS:
        _assert_close(f"overall {s}", getattr(res.overall, s), entry["overall"][s], entry["overall"]["r_call"])
    sep = entry["separate"]
    _assert_close("q_between", res.q_between, sep["q_between"], sep["r_call"])
    _assert_close("q_between_pval", res.q_between_pval, sep["q_between_pval"], sep["r_call"])
    assert res.q_between_df == sep["q_between_df"] == len(entry["group_levels"]) - 1
    assert res.q_between_dist == "chi2" and not res.common_tau2


@pytest.mark.parametrize("entry", [e for e in REF["subgroups"] if "common" in e], ids=_sub_id)
def test_subgroup_common_tau2_parity(entry):
    ds, groups = _groups(entry)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore" if entry["method"] == "FE" and entry["test"] == "knha" else "error")
        res = subgroup_analysis(ds["yi"], ds["vi"], groups, labels=ds["labels"], method=entry["method"],
                                test=entry["test"], common_tau2=True)
    cm = entry["common"]
    _assert_close("q_between (QM)", res.q_between, cm["q_between"], cm["r_call"])
    _assert_close("q_between_pval (QMp)", res.q_between_pval, cm["q_between_pval"], cm["r_call"])
    assert res.q_between_df == cm["q_between_df"][0]
    if entry["test"] == "knha":
        assert res.q_between_dist == "F" and res.q_between_df2 == cm["q_between_df"][1]
    else:
        assert res.q_between_dist == "chi2" and res.q_between_df2 is None
    _assert_close("tau2", res.tau2_common, cm["tau2"], cm["r_call"])
    for col in COEF_COLUMNS:
        got = [getattr(res.groups[g], col) for g in entry["group_levels"]]
        _assert_close(f"group {col}", got, cm[col], cm["r_call_groups"])
    for fit in res.groups.values():
        assert fit.tau2 == res.tau2_common and fit.tau2_ci is None
    assert isinstance(res.model, MetaRegression)


def test_subgroup_output_and_data_columns():
    ds = DATA["bcg"]
    df = pd.DataFrame({"y": ds["yi"], "v": ds["vi"], "label": ds["labels"], "alloc": ds["moderators"]["alloc"]})
    res = subgroup_analysis("y", "v", "alloc", data=df, labels="label", measure="RR")
    assert isinstance(res, SubgroupAnalysis)
    assert list(res.groups) == ["random", "alternate", "systematic"]
    assert all(isinstance(f, koppmeta.MetaAnalysis) for f in res.groups.values())
    assert res.groups["alternate"].labels == [lab for lab, a in zip(ds["labels"], ds["moderators"]["alloc"])
                                              if a == "alternate"]
    tab = res.to_frame()
    assert list(tab["group"]) == ["random", "alternate", "systematic", "overall"]
    assert list(tab["k"]) == [7, 2, 4, 13]
    text = res.summary()
    assert "Test for subgroup differences" in text and "Chi^2(df = 2)" in text and "by alloc" in text
    assert "<table>" in res._repr_html_()
    assert 0 <= res.i2_between <= 100


def test_subgroup_rejects_bad_input():
    ds = DATA["bcg"]
    y, v, lab = ds["yi"], ds["vi"], ds["labels"]
    alloc = list(ds["moderators"]["alloc"])
    with pytest.raises(ValueError, match="only one group"):
        subgroup_analysis(y, v, ["a"] * 13)
    bad = alloc.copy()
    bad[3] = None
    with pytest.raises(ValueError, match=r"Hart.*row 4.*group is missing"):
        subgroup_analysis(y, v, bad, labels=lab)
    with pytest.raises(ValueError, match="12 entries but there are 13 studies"):
        subgroup_analysis(y, v, alloc[:12])
    one = alloc.copy()
    one[0] = "solo"
    with pytest.raises(ValueError, match="'solo'.*one study.*knha"):
        subgroup_analysis(y, v, one, test="knha")
    # a single-study group is fine with z tests (as metafor with k = 1) and with a common tau^2
    res = subgroup_analysis(y, v, one)
    assert res.groups["solo"].k == 1 and res.groups["solo"].tau2 == 0
    res = subgroup_analysis(y, v, one, test="knha", common_tau2=True)
    assert res.groups["solo"].k == 1
    with pytest.raises(ValueError, match="same name '1'"):
        subgroup_analysis(y, v, [1, "1"] + alloc[2:])
    with pytest.raises(TypeError, match="common_tau2"):
        subgroup_analysis(y, v, alloc, common_tau2="yes")
    with pytest.raises(ValueError, match="'solo'.*one study.*adhoc"):
        subgroup_analysis(y, v, one, test="adhoc")
    with pytest.raises(ValueError, match="test='adhoc'.*common_tau2=False"):
        subgroup_analysis(y, v, alloc, test="adhoc", common_tau2=True)


# ---------------------------------------------------------------------------
# permutation tests
# ---------------------------------------------------------------------------


def _perm_fit(entry):
    ds = DATA[entry["dataset"]]
    rows = [r - 1 for r in entry["rows"]]
    y = [ds["yi"][i] for i in rows]
    v = [ds["vi"][i] for i in rows]
    if entry["columns"] is None:
        return koppmeta.meta_analysis(y, v, method=entry["method"], test=entry["test"])
    mods = _moderators(entry["dataset"], entry["columns"], entry["categorical"], rows)
    return meta_regression(y, v, mods, method=entry["method"], test=entry["test"])


@pytest.mark.parametrize("entry", REF["permutest"], ids=lambda e: e["case"])
def test_exact_permutation_parity(entry):
    fit = _perm_fit(entry)
    res = permutation_test(fit, n_permutations=int(entry["n_permutations"]), progress=False)
    assert isinstance(res, PermutationResult)
    assert res.exact and res.n_permutations == entry["n_permutations"] and res.n_failed == 0
    # exact enumeration is deterministic: the p-values are the same fractions
    np.testing.assert_array_equal(res.coefficients["pval"].to_numpy(), np.asarray(entry["pval"]))
    assert res.qm_pval == entry["qm_pval"]
    _assert_close("stat", res.coefficients["stat"], entry["stat"], entry["r_call"])
    _assert_close("qm", res.qm, entry["qm"], entry["r_call"])
    assert res.pval == (entry["pval"][0] if entry["columns"] is None else entry["qm_pval"])


@pytest.mark.parametrize("case", ["bcg_1to8_REML_z", "bcg_3to11_alloc_REML_z"])
def test_random_permutations_are_seeded_and_agree_with_exact(case):
    entry = next(e for e in REF["permutest"] if e["case"] == case)
    fit = _perm_fit(entry)
    n = int(entry["n_permutations"]) - 56  # fewer than the exact count: random test
    a = permutation_test(fit, n_permutations=n, seed=20240601, progress=False)
    b = permutation_test(fit, n_permutations=n, seed=20240601, progress=False)
    c = permutation_test(fit, n_permutations=n, seed=7, progress=False)
    assert not a.exact and a.n_permutations == n and a.seed == 20240601
    pd.testing.assert_frame_equal(a.coefficients, b.coefficients)
    np.testing.assert_array_equal(a.stat_perm, b.stat_perm)
    assert not np.array_equal(a.stat_perm, c.stat_perm)
    # the observed data are the first arrangement
    np.testing.assert_allclose(a.stat_perm[0], a.coefficients["stat"].to_numpy(), rtol=1e-12)
    exact = np.asarray(entry["pval"] + [entry["qm_pval"]])
    got = np.append(a.coefficients["pval"].to_numpy(), a.qm_pval)
    mc_se = np.sqrt(np.maximum(exact * (1 - exact), 1 / n) / n)
    assert np.all(np.abs(got - exact) <= 4 * mc_se + 1 / n), (got, exact)


def test_permutation_output_and_checks():
    entry = next(e for e in REF["permutest"] if e["case"] == "bcg_1to6_ablat_REML_z")
    fit = _perm_fit(entry)
    res = permutation_test(fit, progress=False)
    text = res.summary()
    assert "exact test over all 360 distinct row permutations" in text and "QM (df = 1)" in text
    tab = res.to_frame()
    assert list(tab["term"]) == ["intercept", "ablat", "QM"]
    assert "<table>" in res._repr_html_() and "pval_model" in res._repr_html_()
    with pytest.raises(TypeError, match="MetaAnalysis or a MetaRegression"):
        permutation_test("fit")
    with pytest.raises(ValueError, match="at least 2"):
        permutation_test(fit, n_permutations=1)
    with pytest.raises(TypeError, match="integer"):
        permutation_test(fit, n_permutations=10.5)
    with pytest.raises(TypeError, match="seed"):
        permutation_test(fit, seed="abc")
    sub = subgroup_analysis(DATA["bcg"]["yi"], DATA["bcg"]["vi"], DATA["bcg"]["moderators"]["alloc"])
    with pytest.raises(TypeError, match="SubgroupAnalysis is not supported"):
        permutation_test(sub)
