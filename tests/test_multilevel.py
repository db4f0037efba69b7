"""Three-level meta-analysis and cluster-robust inference (koppmeta.models.multilevel).

Expected numbers come from ``tests/fixtures/metafor_multilevel.json``, written by
``tests/r/make_fixtures_multilevel.R`` (its ``source`` block names the R, metafor, metadat
and clubSandwich versions and the control settings): metafor ``rma.mv(yi, vi, random =
~ 1 | cluster/effect)`` and clubSandwich ``coef_test``/``conf_int`` on
dat.konstantopoulos2011 (schools in districts), dat.assink2016 (effects in studies),
dat.bornmann2007 (log odds ratios in studies) and two constructed sets with boundary
estimates. Nothing here is typed by hand.

Reference precision: metafor's optimisers (nlminb, nlm, optim, bobyqa) agree on sigma2 to
about 1e-8 to 1e-7 for these data; koppmeta's optimum is exact (zero gradient, and a
log-likelihood at least as high as metafor's), so parity is checked at PARITY_TOL = 1e-6.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

import koppmeta
from conftest import FIXTURES, PARITY_TOL, close
from koppmeta.models import multilevel as ml

with open(FIXTURES / "metafor_multilevel.json", encoding="utf-8") as fh:
    REF = json.load(fh)
DATA = REF["datasets"]
THREE = REF["three_level"]
ROBUST = REF["robust"]

SCALARS = ["estimate", "se", "stat", "pval", "ci_low", "ci_high", "pi_low", "pi_high"]
HET = ["q", "q_pval", "loglik", "i2", "i2_between", "i2_within", "sampling_share", "s2_typical"]


def _fit(name: str, **kw) -> ml.ThreeLevelResult:
    ds = DATA[name]
    return ml.three_level(ds["yi"], ds["vi"], ds["cluster"], labels=ds["labels"], **kw)


def _id(e: dict) -> str:
    return f"{e['dataset']}-{e['method']}-{e['test']}-{e['level']:g}"


# ---------------------------------------------------------------------------
# Parity with metafor rma.mv
# ---------------------------------------------------------------------------


def test_fixture_source_and_coverage():
    src = REF["source"]
    assert src["generator"] == "tests/r/make_fixtures_multilevel.R"
    assert src["metafor_version"] and src["clubSandwich_version"] and "rel.tol" in src["rma_mv_control"]
    assert {e["dataset"] for e in THREE} >= {"konstantopoulos2011", "assink2016", "bornmann2007"}
    assert {(e["method"], e["test"]) for e in THREE} == {(m, t) for m in ("REML", "ML") for t in ("z", "t", "knha")}
    assert {e["adjust"] for e in ROBUST} == set(ml.ADJUSTMENTS)
    assert {e["model"] for e in ROBUST} == {"three_level", "meta_analysis"}


@pytest.mark.parametrize("entry", THREE, ids=_id)
def test_three_level_parity(entry):
    fit = _fit(entry["dataset"], method=entry["method"], test=entry["test"], level=entry["level"])
    assert fit.k == entry["k"] and fit.n_clusters == entry["n_clusters"]
    bad = {s: (getattr(fit, s), entry[s]) for s in SCALARS if not close(getattr(fit, s), entry[s])}
    for i, name in enumerate(("sigma2_between", "sigma2_within")):
        if not close(fit.sigma2[i], entry["sigma2"][i]):
            bad[name] = (fit.sigma2[i], entry["sigma2"][i])
    if entry["test"] == "z":
        assert math.isnan(fit.df)
    else:
        assert fit.df == entry["df"]
    if entry["test"] == "knha":
        assert close(fit.s2w, entry["s2w"])
    else:  # the heterogeneity statistics are reported by metafor only for its own fits
        bad.update({s: (getattr(fit, s), entry[s]) for s in HET if not close(getattr(fit, s), entry[s])})
        assert fit.q_df == entry["q_df"]
        np.testing.assert_allclose(fit.weights, entry["weights"], rtol=PARITY_TOL, atol=PARITY_TOL)
    assert not bad, f"differs from metafor ({entry['r_call']}): {bad}"


@pytest.mark.parametrize("entry", [e for e in THREE if e["test"] == "z"], ids=_id)
def test_optimum_is_at_least_as_good_as_metafor(entry):
    """koppmeta's variance components are the maximiser, on the scale the optimiser works to.

    The optimiser stops when the relative step is below ``ml.XTOL``, so a raw gradient threshold
    depends on the curvature (and on the last rounding of a BLAS kernel). What must hold instead:
    - interior components: the Newton step still available is below 1e-6 of the component's
      standard error (the parity contract's 1e-6, on the statistical scale of the quantity);
    - boundary components (0): the gradient points out of the parameter space, within the same
      scale (one standard error into the interior gains at most 1e-6 log-likelihood units);
    - the log-likelihood at metafor's estimates is not above ours by more than the gain still
      available plus the rounding of the likelihood (a sum over k studies: 16 k eps |ll|).
    """
    fit = _fit(entry["dataset"], method=entry["method"])
    assert fit.converged
    ds = DATA[entry["dataset"]]
    codes = pd.factorize(pd.Series(ds["cluster"]))[0]
    model = ml._Nested(np.array(ds["yi"]), np.array(ds["vi"]), codes, codes.max() + 1, entry["method"] == "REML")
    s = np.array(fit.sigma2)
    ev = model.evaluate(s)
    rounding = 16 * fit.k * np.finfo(float).eps * max(1.0, abs(ev.ll))
    interior = s > 0
    gain = 0.0
    if interior.any():
        H = -ev.hess[np.ix_(interior, interior)]
        step = np.linalg.solve(H, ev.grad[interior])
        se = np.sqrt(np.diag(np.linalg.inv(H)))
        assert np.all(np.abs(step) <= 1e-6 * se), (step, se)
        gain = 0.5 * float(ev.grad[interior] @ step)
    for i in np.flatnonzero(~interior):
        assert ev.grad[i] / np.sqrt(ev.info[i, i]) <= 1e-6, ev.grad
    assert fit.loglik >= entry["loglik"] - (gain + 2 * rounding)
    assert model.ll(np.array(entry["sigma2"])) <= model.ll(s) + gain + rounding


def test_published_variance_split_konstantopoulos():
    """dmetar's mlm.variance.distribution example (Harrer et al. 2021, ch. 10) on
    dat.konstantopoulos2011: level 3 63.32%, level 2 31.86%, total I^2 95.19%; the same
    numbers are in the R fixture, computed there from metafor's sigma2."""
    ref = next(e for e in THREE if e["dataset"] == "konstantopoulos2011" and e["method"] == "REML" and e["test"] == "z")
    fit = _fit("konstantopoulos2011")
    for name in ("i2", "i2_between", "i2_within", "sampling_share"):
        assert f"{getattr(fit, name):.2f}" == f"{ref[name]:.2f}"
    assert math.isclose(fit.i2_between + fit.i2_within + fit.sampling_share, 100.0)
    text = fit.summary()
    assert f"{ref['i2_between']:.2f}%" in text and f"{ref['i2_within']:.2f}%" in text


@pytest.mark.parametrize("name,which", [("constructed_between0", 0), ("constructed_within0", 1)])
@pytest.mark.parametrize("method", ["REML", "ML"])
def test_boundary_estimates_are_exactly_zero(name, which, method):
    """metafor optimises log(sigma2) and reports a boundary optimum as a tiny positive number;
    koppmeta reaches the boundary exactly and says so."""
    ref = next(e for e in THREE if e["dataset"] == name and e["method"] == method and e["test"] == "z")
    assert ref["sigma2"][which] < 1e-9
    fit = _fit(name, method=method)
    assert fit.sigma2[which] == 0.0 and fit.sigma2[1 - which] > 0
    level = "between" if which == 0 else "within"
    assert any(level in n and "boundary" in n for n in fit.notes)


# ---------------------------------------------------------------------------
# Parity with clubSandwich
# ---------------------------------------------------------------------------


def _rid(e: dict) -> str:
    return f"{e['model']}-{e['dataset']}-{e['method']}-{e['cluster']}-{e['adjust']}-{e['level']:g}"


@pytest.mark.parametrize("entry", ROBUST, ids=_rid)
def test_robust_parity(entry):
    ds = DATA[entry["dataset"]]
    if entry["model"] == "three_level":
        fit = ml.three_level(ds["yi"], ds["vi"], ds["cluster"], method=entry["method"])
    else:
        fit = koppmeta.meta_analysis(ds["yi"], ds["vi"], method=entry["method"])
    res = ml.robust(fit, ds[entry["cluster"]], kind=entry["adjust"], level=entry["level"])
    assert res.n_clusters == entry["n_clusters"] and res.kind == entry["adjust"]
    keys = ["estimate", "se", "stat", "df", "pval", "ci_low", "ci_high"]
    bad = {s: (getattr(res, s), entry[s]) for s in keys if not close(getattr(res, s), entry[s])}
    assert not bad, f"differs from clubSandwich ({entry['r_call']}): {bad}"


def test_robust_defaults_to_model_clusters():
    fit = _fit("assink2016")
    ref = next(e for e in ROBUST if e["model"] == "three_level" and e["dataset"] == "assink2016"
               and e["method"] == "REML" and e["adjust"] == "CR2" and e["level"] == 95)
    res = ml.robust(fit)
    assert close(res.se, ref["se"]) and close(res.df, ref["df"]) and res.level == fit.level
    assert close(res.se_model, fit.se)


def test_cr1_and_cr0_share_df_and_differ_by_the_factor():
    fit = _fit("bornmann2007")
    r0, r1 = ml.robust(fit, kind="CR0"), ml.robust(fit, kind="CR1")
    m = fit.n_clusters
    assert math.isclose(r1.se, r0.se * math.sqrt(m / (m - 1)), rel_tol=1e-12)
    assert math.isclose(r1.df, r0.df, rel_tol=1e-12)


# ---------------------------------------------------------------------------
# Internal consistency
# ---------------------------------------------------------------------------


def _dense_loglik(y, v, codes, s, reml):
    """Log-likelihood with the covariance matrix built explicitly (no closed forms)."""
    k = len(y)
    same = codes[:, None] == codes[None, :]
    V = np.diag(v + s[1]) + s[0] * same
    Vi = np.linalg.inv(V)
    one = np.ones(k)
    sm = one @ Vi @ one
    b = (one @ Vi @ y) / sm
    r = y - b
    ld = np.linalg.slogdet(V)[1]
    if reml:
        return -0.5 * ((k - 1) * np.log(2 * np.pi) - np.log(k) + ld + np.log(sm) + r @ Vi @ r)
    return -0.5 * (k * np.log(2 * np.pi) + ld + r @ Vi @ r)


@pytest.mark.parametrize("reml", [True, False])
def test_closed_forms_match_dense_algebra_and_finite_differences(reml):
    ds = DATA["bornmann2007"]
    y, v = np.array(ds["yi"]), np.array(ds["vi"])
    codes = pd.factorize(pd.Series(ds["cluster"]))[0]
    model = ml._Nested(y, v, codes, codes.max() + 1, reml)
    for s in (np.array([0.02, 0.01]), np.array([0.003, 0.05]), np.array([0.0, 0.02]), np.array([0.01, 0.0])):
        ev = model.evaluate(s)
        assert math.isclose(ev.ll, _dense_loglik(y, v, codes, s, reml), rel_tol=1e-11)
        if np.any(s == 0):
            continue
        h = 1e-7  # central differences
        for a in range(2):
            e = np.zeros(2)
            e[a] = h
            num_grad = (model.ll(s + e) - model.ll(s - e)) / (2 * h)
            assert math.isclose(ev.grad[a], num_grad, rel_tol=1e-6, abs_tol=1e-6)
            num_hess = (model.evaluate(s + e).grad - model.evaluate(s - e).grad) / (2 * h)
            np.testing.assert_allclose(ev.hess[:, a], num_hess, rtol=1e-6, atol=1e-4)


def test_without_between_cluster_variance_the_model_is_the_two_level_one():
    """With sigma2_between fixed at 0 the REML maximiser over sigma2_within is metafor's
    rma(method = "REML") tau^2, as computed by meta_analysis()."""
    ds = DATA["assink2016"]
    y, v = np.array(ds["yi"]), np.array(ds["vi"])
    codes = pd.factorize(pd.Series(ds["cluster"]))[0]
    model = ml._Nested(y, v, codes, codes.max() + 1, True)
    s, ll, ok, _ = ml._newton(model, np.array([0.1, 0.1]), np.array([False, True]))
    assert ok and s[0] == 0.0
    assert math.isclose(s[1], koppmeta.meta_analysis(y, v, method="REML").tau2, rel_tol=1e-9)


def test_row_order_and_cluster_names_do_not_matter():
    ds = DATA["assink2016"]
    order = np.random.default_rng(2016).permutation(len(ds["yi"]))
    fit = _fit("assink2016")
    shuffled = ml.three_level(np.array(ds["yi"])[order], np.array(ds["vi"])[order],
                              ["s" + ds["cluster"][i] for i in order])
    for name in SCALARS + HET:
        assert math.isclose(getattr(fit, name), getattr(shuffled, name), rel_tol=1e-9, abs_tol=1e-12)
    assert ml.robust(shuffled).se == pytest.approx(ml.robust(fit).se, rel=1e-10)


def test_dataframe_columns_and_labels():
    ds = DATA["konstantopoulos2011"]
    df = pd.DataFrame({"g": ds["yi"], "var": ds["vi"], "district": ds["cluster"], "name": ds["labels"]})
    fit = ml.three_level("g", "var", "district", data=df, labels="name")
    direct = _fit("konstantopoulos2011")
    assert fit.estimate == direct.estimate and fit.sigma2 == direct.sigma2
    assert fit.labels == ds["labels"] and fit.cluster == ds["cluster"]
    assert list(fit.studies.columns) == ["label", "cluster", "yi", "vi", "ci_low", "ci_high", "weight"]
    assert math.isclose(fit.weights.sum(), 100.0)


def test_t_and_knha_differ_only_as_documented():
    z, t, kh = (_fit("bornmann2007", test=x) for x in ("z", "t", "knha"))
    assert z.se == t.se and z.stat == t.stat and t.df == z.k - 1 and t.s2w == 1.0
    assert math.isclose(kh.se, t.se * math.sqrt(kh.s2w), rel_tol=1e-12) and kh.df == t.df
    assert t.ci_high - t.ci_low > z.ci_high - z.ci_low


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


def test_three_level_outputs():
    fit = _fit("konstantopoulos2011")
    text = fit.summary()
    for piece in ("between clusters (level 3)", "within clusters  (level 2)", "Prediction interval",
                  f"{fit.estimate:.4f}", f"{fit.sigma2[0]:.4f}", f"Q(df = {fit.q_df})", "log-likelihood"):
        assert piece in text
    assert str(fit) == text
    frame = fit.to_frame()
    assert frame.shape == (1, len(frame.columns)) and frame.loc[0, "sigma2_between"] == fit.sigma2[0]
    assert frame.loc[0, "i2_within"] == fit.i2_within
    html = fit._repr_html_()
    assert "<table>" in html and f"{fit.estimate:.4f}" in html and "I² total" in html
    assert fit.sigma2_between == fit.sigma2[0] and fit.sigma2_within == fit.sigma2[1]


def test_robust_outputs():
    res = ml.robust(_fit("konstantopoulos2011"))
    text = res.summary()
    assert "CR2" in text and "Satterthwaite" in text and f"{res.se:.4f}" in text and f"{res.df:.2f}" in text
    assert res.to_frame().loc[0, "df"] == res.df
    assert "<table>" in res._repr_html_()
    small = ml.robust(_fit("constructed_within0"), kind="CR2")
    assert (small.df < 4) == ("df < 4" in small.summary())


# ---------------------------------------------------------------------------
# Input validation
# ---------------------------------------------------------------------------

DS = DATA["constructed_between0"]


@pytest.mark.parametrize("kwargs,exc,pattern", [
    ({"method": "DL"}, ValueError, "Valid values: REML, ML"),
    ({"method": "reml"}, ValueError, "Did you mean 'REML'"),
    ({"test": "hksj"}, ValueError, "z, t, knha"),
    ({"level": 0.95}, ValueError, "Did you mean 95"),
])
def test_bad_options(kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        ml.three_level(DS["yi"], DS["vi"], DS["cluster"], **kwargs)


def test_bad_inputs_name_argument_row_and_rule():
    cl = list(DS["cluster"])
    cl[3] = None
    with pytest.raises(ValueError, match=r"'cluster', study 'e4' \(row 4\): the cluster is missing"):
        ml.three_level(DS["yi"], DS["vi"], cl, labels=[f"e{i + 1}" for i in range(len(cl))])
    vi = list(DS["vi"])
    vi[2] = 0.0
    with pytest.raises(ValueError, match=r"'vi', study in row 3: value 0 .*greater than 0"):
        ml.three_level(DS["yi"], vi, DS["cluster"])
    with pytest.raises(ValueError, match="'cluster' has 11 entries but there are 12 effects"):
        ml.three_level(DS["yi"], DS["vi"], DS["cluster"][:-1])
    with pytest.raises(ValueError, match="one cluster"):
        ml.three_level(DS["yi"], DS["vi"], ["a"] * 12)
    with pytest.raises(ValueError, match="every cluster holds a single effect"):
        ml.three_level(DS["yi"], DS["vi"], list(range(12)))
    with pytest.raises(TypeError, match="not the single string"):
        ml.three_level(DS["yi"], DS["vi"], "cluster")
    with pytest.raises(ValueError, match="column 'nope'"):
        ml.three_level("yi", "vi", "nope", data=pd.DataFrame({"yi": DS["yi"], "vi": DS["vi"]}))
    yi = list(DS["yi"])
    yi[0] = float("nan")
    with pytest.raises(ValueError, match="row 1: value is missing"):
        ml.three_level(yi, DS["vi"], DS["cluster"])


def test_robust_input_checks():
    ma = koppmeta.meta_analysis(DS["yi"], DS["vi"])
    with pytest.raises(ValueError, match="'cluster' is required for a MetaAnalysis"):
        ml.robust(ma)
    with pytest.raises(ValueError, match="Valid values: CR0, CR1, CR1p, CR2"):
        ml.robust(ma, DS["cluster"], kind="CR3")
    with pytest.raises(TypeError, match="MetaAnalysis .* or a ThreeLevelResult"):
        ml.robust({"estimate": 1.0}, DS["cluster"])
    with pytest.raises(ValueError, match="at least 2 clusters"):
        ml.robust(ma, ["x"] * 12)
    fit = _fit("constructed_between0")
    finer = list(range(12))  # splits the model's clusters
    with pytest.raises(ValueError, match="split across robust clusters.*nested"):
        ml.robust(fit, finer)
    with pytest.raises(ValueError, match="has 3 entries but there are 12 effects"):
        ml.robust(fit, [1, 2, 3])


def test_robust_old_argument_name_still_works_with_a_warning():
    fit = _fit("constructed_within0")
    with pytest.warns(DeprecationWarning, match="'adjust' is now called 'kind'"):
        old = ml.robust(fit, adjust="CR0")
    assert old.se == ml.robust(fit, kind="CR0").se and old.kind == "CR0"
