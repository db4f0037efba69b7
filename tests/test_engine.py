"""The estimation engine: one answer in meta_analysis and fit_many, equal to metafor, on every input.

References: ``tests/fixtures/metafor_engine.json`` (``tests/r/make_fixtures_engine.R``): subsets of
metadat's dat.gibson2002 whose restricted likelihood has two maxima (every estimator, tests z, knha
and adhoc, with metafor's local maxima of the (restricted) likelihood), the ad hoc Knapp-Hartung
test on the datasets of the main fixture. Simulated batches (no heterogeneity, tau^2 = 0.05, k from
2 to 40 with NaN padding) check that fit_many equals meta_analysis row by row and that well-posed
data never raise a ConvergenceWarning. Nothing here is timed.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

import koppmeta
from conftest import FIXTURES, close, load_reference
from koppmeta.models import engine, heterogeneity as het

with open(FIXTURES / "metafor_engine.json", encoding="utf-8") as fh:
    ENG = json.load(fh)
REF = load_reference()

STATS = ["estimate", "se", "stat", "pval", "ci_low", "ci_high", "pi_low", "pi_high", "tau2", "i2", "h2", "q", "q_pval"]
# fit_many and meta_analysis run the same engine code on batches of different shape; sums may be
# added in another order, so they agree to rounding (iterations stop at 1e-13): 1e-9 leaves room.
SAME_TOL = 1e-9
# metafor's other maxima come from optimize() with tol = 1e-12 on tau^2; its accuracy in tau^2 is
# about sqrt(machine eps) relative (Brent's golden-section criterion), so 1e-6 relative; the
# log-likelihood is flat at a maximum, so it agrees far better (1e-9).
PEAK_TAU2_TOL = 1e-6
PEAK_LL_TOL = 1e-9


def _pad(rows):
    kmax = max(len(y) for y, _ in rows)
    Y = np.full((len(rows), kmax), np.nan)
    V = np.full((len(rows), kmax), np.nan)
    for i, (y, v) in enumerate(rows):
        Y[i, : len(y)] = y
        V[i, : len(v)] = v
    return Y, V


def _quiet(fn, *a, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", koppmeta.MultiplePeaksWarning)
        return fn(*a, **kw)


BIMODAL = ENG["bimodal"]
BI_Y, BI_V = _pad([(c["yi"], c["vi"]) for c in BIMODAL])


def _cases(method, test):
    for c in BIMODAL:
        e = next(f for f in c["fits"] if f["method"] == method and f["test"] == test)
        yield c, e


def test_the_scan_found_the_subset_of_the_design_discussion():
    assert BIMODAL[0]["rows"] == [4, 5, 10, 11, 12]
    assert len(BIMODAL[0]["peaks"]["REML"]) == 2


@pytest.mark.parametrize("test", ["z", "knha", "adhoc"])
@pytest.mark.parametrize("method", het.METHODS)
def test_bimodal_subsets_equal_metafor_in_meta_analysis_and_fit_many(method, test):
    warns = {"FE": UserWarning}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", koppmeta.MultiplePeaksWarning)
        warnings.filterwarnings("ignore", message=".*meant for random-effects models", category=UserWarning)
        res = koppmeta.fit_many(BI_Y, BI_V, method=method, test=test, tau2_ci=method != "FE")
        fits = [koppmeta.meta_analysis(c["yi"], c["vi"], method=method, test=test) for c in BIMODAL]
    assert res["converged"].all()
    bad = []
    for i, ((c, e), f) in enumerate(zip(_cases(method, test), fits)):
        assert "error" not in e, e["error"]
        for s in STATS:
            if e[s] is None and s.startswith("pi_"):
                continue  # metafor's predict() gives no prediction interval for the fixed-effect model
            if not close(getattr(f, s), e[s]):
                bad.append((c["rows"], s, getattr(f, s), e[s]))
            if not close(float(res.iloc[i][s]), getattr(f, s), SAME_TOL):
                bad.append((c["rows"], s, "fit_many", float(res.iloc[i][s]), getattr(f, s)))
        if "tau2_ci" in e:
            capped = close(e["tau2_ci"][1], max(100.0, 10 * e["tau2"]), 1e-12)  # metafor's cap, not koppmeta's
            got = f.tau2_ci
            if not close(got[0], e["tau2_ci"][0]) or (not capped and not close(got[1], e["tau2_ci"][1])):
                bad.append((c["rows"], "tau2_ci", got, e["tau2_ci"]))
            if capped and got[1] < e["tau2_ci"][1]:
                bad.append((c["rows"], "tau2_ci capped", got, e["tau2_ci"]))
            for j, col in enumerate(("tau2_ci_low", "tau2_ci_high")):
                if not close(float(res.iloc[i][col]), got[j], SAME_TOL):
                    bad.append((c["rows"], col, "fit_many"))
        if method in ("ML", "REML"):
            assert ("warning" in e) == ("likelihood higher at tau^2 = 0" in " ".join(f.notes))
            for a, b in ((res.iloc[i]["tau2_other"], f.tau2_other), (res.iloc[i]["loglik_other"], f.loglik_other)):
                if not ((math.isnan(a) and math.isnan(b)) or close(float(a), b, SAME_TOL)):
                    bad.append((c["rows"], "other peak", "fit_many", a, b))
    assert not bad, bad[:8]
    del warns


@pytest.mark.parametrize("method", ["REML", "ML"])
def test_other_maximum_is_reported_as_metafor_finds_it(method):
    """The other local maximum (the highest one besides the answer) equals metafor's logLik maximum."""
    for c in BIMODAL:
        fit = _quiet(koppmeta.meta_analysis, c["yi"], c["vi"], method=method)
        peaks = c["peaks"][method]
        others = [p for p in peaks if not close(p["tau2"], fit.tau2, 1e-5)]
        if not others:
            assert math.isnan(fit.tau2_other), c["rows"]
            continue
        best = max(others, key=lambda p: p["loglik"])
        assert abs(fit.tau2_other - best["tau2"]) <= PEAK_TAU2_TOL * max(1.0, best["tau2"]), (c["rows"], fit.tau2_other, best)
        assert abs(fit.loglik_other - best["loglik"]) <= PEAK_LL_TOL * max(1.0, abs(best["loglik"])), c["rows"]
        assert "another maximum" in fit.summary()


def test_global_peak_option():
    c = BIMODAL[0]  # metafor: tau^2 = 0 by its ll0check; the highest maximum is elsewhere
    start = _quiet(koppmeta.meta_analysis, c["yi"], c["vi"])
    best = max(c["peaks"]["REML"], key=lambda p: p["loglik"])
    glob = _quiet(koppmeta.meta_analysis, c["yi"], c["vi"], peak="global")
    assert start.tau2 == 0.0
    assert abs(glob.tau2 - best["tau2"]) <= PEAK_TAU2_TOL * max(1.0, best["tau2"])
    assert glob.tau2_other == 0.0 or math.isclose(glob.tau2_other, start.tau2_other) or glob.tau2_other >= 0
    many = _quiet(koppmeta.fit_many, BI_Y[:1], BI_V[:1], peak="global")
    assert close(float(many["tau2"][0]), glob.tau2, SAME_TOL) and close(float(many["estimate"][0]), glob.estimate, SAME_TOL)


# ---------------------------------------------------------------------------
# ad hoc Knapp-Hartung


@pytest.mark.parametrize("entry", ENG["adhoc"], ids=lambda e: f"{e['dataset']}-{e['method']}")
def test_adhoc_equals_metafor(entry):
    d = REF["datasets"][entry["dataset"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = koppmeta.meta_analysis(d["yi"], d["vi"], method=entry["method"], test="adhoc")
        many = koppmeta.fit_many(np.array([d["yi"]]), np.array([d["vi"]]), method=entry["method"], test="adhoc")
    bad = {s: (getattr(fit, s), entry[s]) for s in STATS
           if not (entry[s] is None and s.startswith("pi_")) and not close(getattr(fit, s), entry[s])}
    assert not bad, (entry["r_call"], bad)
    assert fit.df == entry["df"] and "t quantile" in fit.pi_method
    for s in STATS:
        assert close(float(many.iloc[0][s]), getattr(fit, s), SAME_TOL), s
    if "tau2_ci" in entry:
        capped = close(entry["tau2_ci"][1], max(100.0, 10 * entry["tau2"]), 1e-12)
        assert close(fit.tau2_ci[0], entry["tau2_ci"][0])
        assert close(fit.tau2_ci[1], entry["tau2_ci"][1]) or (capped and fit.tau2_ci[1] >= entry["tau2_ci"][1])


def test_adhoc_never_narrower_than_knha():
    d = REF["datasets"]["bcg"]
    a = koppmeta.meta_analysis(d["yi"], d["vi"], test="adhoc")
    b = koppmeta.meta_analysis(d["yi"], d["vi"], test="knha")
    assert a.se >= b.se and a.ci_high - a.ci_low >= b.ci_high - b.ci_low


def test_q_profile_interval_from_two_studies():
    entry = next(e for e in ENG["adhoc"] if e["dataset"] == "bcg_k2" and e["method"] == "REML")
    d = REF["datasets"]["bcg_k2"]
    fit = koppmeta.meta_analysis(d["yi"], d["vi"])
    assert fit.k == 2 and close(fit.tau2_ci[0], entry["tau2_ci"][0])
    assert fit.tau2_ci[1] >= entry["tau2_ci"][1] - 1e-6 * max(1.0, entry["tau2_ci"][1])


# ---------------------------------------------------------------------------
# simulated batches: null, moderate heterogeneity, mixed k


def _null(n, seed=11):
    rng = np.random.default_rng(seed)
    V = rng.uniform(0.01, 0.2, (n, 13))
    return rng.normal(0.2, 0.3, (n, 13)), V


def _moderate(n, seed=12):
    rng = np.random.default_rng(seed)
    V = rng.uniform(0.01, 0.2, (n, 13))
    return rng.normal(0.2, np.sqrt(V + 0.05)), V


def _mixed(n, seed=13):
    rng = np.random.default_rng(seed)
    Y = np.full((n, 40), np.nan)
    V = np.full((n, 40), np.nan)
    for i in range(n):
        k = int(rng.integers(2, 41))
        v = rng.uniform(0.01, 0.2, k)
        V[i, :k], Y[i, :k] = v, rng.normal(0.2, np.sqrt(v + (0.0, 0.02, 0.1)[i % 3]))
    return Y, V


@pytest.mark.parametrize("make", [_null, _moderate, _mixed], ids=["null", "moderate", "mixed"])
def test_well_posed_batches_never_warn_of_convergence(make):
    Y, V = make(2000)
    with warnings.catch_warnings():
        warnings.simplefilter("error", koppmeta.ConvergenceWarning)
        warnings.simplefilter("ignore", koppmeta.MultiplePeaksWarning)
        res = koppmeta.fit_many(Y, V, method="REML")
    assert res["converged"].all()


@pytest.mark.parametrize("test", ["z", "knha"])
@pytest.mark.parametrize("method", het.METHODS)
@pytest.mark.parametrize("make", [_null, _moderate, _mixed], ids=["null", "moderate", "mixed"])
def test_fit_many_equals_meta_analysis_row_by_row(make, method, test):
    Y, V = make(40)
    with warnings.catch_warnings():
        warnings.simplefilter("error", koppmeta.ConvergenceWarning)
        warnings.simplefilter("ignore", koppmeta.MultiplePeaksWarning)
        warnings.filterwarnings("ignore", message=".*meant for random-effects models", category=UserWarning)
        res = koppmeta.fit_many(Y, V, method=method, test=test)
        bad = []
        for i in range(Y.shape[0]):
            m = ~np.isnan(Y[i])
            f = koppmeta.meta_analysis(Y[i][m], V[i][m], method=method, test=test)
            bad += [(i, s) for s in STATS if not close(float(res.iloc[i][s]), getattr(f, s), SAME_TOL)]
    assert not bad, bad[:10]


def test_oscillating_fisher_scoring_converges_to_the_maximum():
    """Plain Fisher scoring circles around this maximum for thousands of iterations (metafor stops
    with an error); the engine's bracket gives the root of the score, where the likelihood is highest."""
    Y, V = _null(2000)
    b = engine.make_batch(Y, V)
    start = np.maximum(0.0, engine._he(b))
    plain = start.copy()
    for _ in range(200):  # metafor's iteration, unguarded
        w = 1.0 / (b.v + plain)
        s1 = w.sum(0)
        r = b.y - (w * b.y).sum(0) / s1
        s2 = (w * w).sum(0)
        adj = (((w * r) ** 2).sum(0) - (s1 - s2 / s1)) / (s2 - 2 * (w ** 3).sum(0) / s1 + (s2 / s1) ** 2)
        while (plain + adj < 0).any():
            adj = np.where(plain + adj < 0, adj / 2, adj)
        plain = plain + adj
    t, conv = engine.fisher_scoring(b, start, True)
    assert conv.all()
    unsettled = np.flatnonzero(np.abs(plain - t) > 1e-6)
    assert unsettled.size > 0  # such rows exist in null data
    score = engine._score(b.take(unsettled), t[unsettled], True)
    assert np.all(np.abs(score) < 1e-6 * np.abs(engine._score(b.take(unsettled), np.zeros(unsettled.size), True)) + 1e-8)


# ---------------------------------------------------------------------------
# regression tests for funnel plot asymmetry (metafor regtest)

REG = ENG["regtest"]


@pytest.mark.parametrize("entry", REG["tests"], ids=lambda e: f"{e['dataset']}-{e['method']}-{e['test']}-{e['model']}-{e['predictor']}")
def test_regtest_equals_metafor(entry):
    d = REG["datasets"][entry["dataset"]]
    fit = koppmeta.meta_analysis(d["yi"], d["vi"], method=entry["method"], test=entry["test"])
    k = len(d["yi"])
    if k < 10:
        with pytest.warns(koppmeta.FewStudiesWarning, match="fewer than 10"):
            res = koppmeta.egger_test(fit, model=entry["model"], predictor=entry["predictor"], ni=d["ni"])
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error", koppmeta.FewStudiesWarning)
            res = koppmeta.egger_test(fit, model=entry["model"], predictor=entry["predictor"], ni=d["ni"])
    assert res.model == entry["model"] and res.predictor == entry["predictor"]
    got = {"stat": res.stat, "pval": res.pval, "est": res.limit_estimate, "ci_low": res.limit_ci_low,
           "ci_high": res.limit_ci_high}
    bad = {s: (got[s], entry[s]) for s in got if entry.get(s) is not None and not close(got[s], entry[s])}
    assert not bad, (entry["r_call"], bad)
    if entry.get("df") is None:
        assert math.isnan(res.df)
    else:
        assert res.df == entry["df"]


def test_peters_test_needs_the_sample_sizes():
    d = REG["datasets"]["bcg"]
    fit = koppmeta.meta_analysis(d["yi"], d["vi"])
    with pytest.raises(ValueError, match=r"predictor='ninv' needs the total sample size.*ni="):
        koppmeta.egger_test(fit, predictor="ninv")
    with pytest.raises(ValueError, match=r"'ni' has 3 values but the model has k = 13"):
        koppmeta.egger_test(fit, predictor="ninv", ni=[10, 20, 30])


# ---------------------------------------------------------------------------
# permutation test of a meta-regression (random permutations; metafor permutest)


@pytest.mark.parametrize("entry", ENG["permutest"]["tests"], ids=lambda e: f"{e['test']}-{e['iter']}")
def test_meta_regression_permutation_p_values_within_monte_carlo_error(entry):
    """Two independent Monte-Carlo estimates of the same p-value differ with standard deviation
    sqrt(2 p (1 - p) / N); they must agree within 4 of those (p floored at 1/N)."""
    import pandas as pd

    d = ENG["permutest"]["data"]
    reg = koppmeta.meta_regression(d["yi"], d["vi"], pd.DataFrame({"ablat": d["ablat"]}), test=entry["test"])
    res = koppmeta.permutation_test(reg, n_permutations=entry["iter"], seed=1)
    n = entry["iter"]
    assert not res.exact and res.n_permutations == n and res.n_failed == 0
    for got, ref in zip([*res.coefficients["pval"], res.qm_pval], [*entry["pval"], entry["qm_pval"]]):
        p = min(max(ref, 1.0 / n), 1 - 1.0 / n)
        assert abs(got - ref) <= 4 * math.sqrt(2 * p * (1 - p) / n), (got, ref)
    for a, b in zip(res.coefficients["stat"], entry["stat"]):
        assert close(a, b)


# ---------------------------------------------------------------------------
# a batch of one (meta_analysis) takes the scalar steps of the engine; a batch takes the vectorised ones


def _one_and_batch(y, v, method, test, peak):
    """The engine's answer for (y, v) alone (scalar steps) and as a row of a batch of two (vectorised)."""
    one = engine.make_batch(y[None, :], v[None, :])
    two = engine.make_batch(np.vstack([y, y[::-1]]), np.vstack([v, v[::-1]]))
    out = []
    for b in (one, two):
        est = engine.estimate_tau2(b, method, peak=peak)
        res = engine.assemble(b, est.tau2, method=method, test=test, level=95)
        vals = {s: float(res[s][0]) for s in STATS + ["vt", "qgen0"]}
        vals.update(tau2_other=float(est.tau2_other[0]), loglik_other=float(est.loglik_other[0]),
                    ll0=bool(est.ll0[0]), converged=bool(est.converged[0]), all_equal=bool(res["all_equal"][0]))
        out.append(vals)
    return out


def _differences(one, many, where):
    bad = []
    for s, a in one.items():
        b = many[s]
        if isinstance(a, bool):
            if a != b:
                bad.append((where, s, a, b))
        elif not ((math.isnan(a) and math.isnan(b)) or close(a, b, SAME_TOL)):
            bad.append((where, s, a, b))
    return bad


@pytest.mark.parametrize("peak", ["start", "global"])
@pytest.mark.parametrize("method", ["REML", "ML"])
def test_batch_of_one_equals_a_row_of_a_batch_on_bimodal_subsets(method, peak):
    bad = []
    for c in BIMODAL:
        y, v = np.array(c["yi"]), np.array(c["vi"])
        for test in ("z", "knha", "adhoc"):
            one, many = _one_and_batch(y, v, method, test, peak)
            bad += _differences(one, many, (c["rows"], test))
    assert not bad, bad[:10]


@pytest.mark.parametrize("make", [_null, _moderate, _mixed], ids=["null", "moderate", "mixed"])
def test_batch_of_one_equals_a_row_of_a_batch_on_simulated_data(make):
    """Includes rows where Fisher scoring oscillates: the scalar steps hand those to the batch iteration."""
    Y, V = make(300)
    bad = []
    for i in range(Y.shape[0]):
        m = ~np.isnan(Y[i])
        for method, test in (("REML", "knha"), ("ML", "z"), ("REML", "adhoc"), ("FE", "z"), ("PM", "knha")):
            one, many = _one_and_batch(Y[i][m], V[i][m], method, test, "start")
            bad += _differences(one, many, (i, method, test))
    assert not bad, bad[:10]


def test_scalar_fisher_scoring_hands_oscillating_rows_to_the_batch_iteration():
    Y, V = _null(2000)
    b = engine.make_batch(Y, V)
    start = np.maximum(0.0, engine._he(b))

    def scalar(i):
        s, t0 = b.take([i]).single(), float(start[i])
        return engine._fisher_one(s.y, s.v, t0, True)

    handed = [i for i in range(400) if scalar(i) is None]
    assert handed, "no oscillating row in the first 400 (the test needs one)"
    t, conv = engine.fisher_scoring(b.take(handed), start[handed], True)
    for j, i in enumerate(handed):
        t1, c1 = engine.fisher_scoring(b.take([i]), start[[i]], True)
        assert c1[0] and conv[j] and close(float(t1[0]), float(t[j]), SAME_TOL)


def test_padded_rows_in_chunks_of_every_width_equal_meta_analysis(monkeypatch):
    """fit_many fits padded rows in chunks sorted by k; small chunks give many widths (and chunks of one)."""
    Y, V = _mixed(60, seed=21)
    rng = np.random.default_rng(5)
    for i in range(Y.shape[0]):  # move the padding to random places in the row
        p = rng.permutation(Y.shape[1])
        Y[i], V[i] = Y[i][p], V[i][p]
    monkeypatch.setattr(koppmeta.models.batch, "CHUNK_ELEMENTS", 50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", koppmeta.MultiplePeaksWarning)
        res = koppmeta.fit_many(Y, V, method="REML", test="knha", tau2_ci=True)
    bad = []
    for i in range(Y.shape[0]):
        m = ~np.isnan(Y[i])
        f = _quiet(koppmeta.meta_analysis, Y[i][m], V[i][m], method="REML", test="knha")
        bad += [(i, s) for s in STATS if not close(float(res.iloc[i][s]), getattr(f, s), SAME_TOL)]
        bad += [(i, "tau2_ci") for a, b in zip((res.iloc[i]["tau2_ci_low"], res.iloc[i]["tau2_ci_high"]), f.tau2_ci)
                if not close(float(a), b, SAME_TOL)]
        assert res.iloc[i]["k"] == m.sum()
    assert not bad, bad[:10]


def test_moments_of_one_analysis_and_of_a_batch_are_the_weighted_sums():
    """moments(): one matrix product for one analysis, column sums for a batch; both the sums written out."""
    rng = np.random.default_rng(3)
    Y, V = rng.normal(0.2, 0.4, (5, 9)), rng.uniform(0.01, 0.3, (5, 9))
    t = rng.uniform(0.0, 0.5, 5)
    c = rng.normal(0.0, 0.1, 5)
    many = engine.moments(V.T, t, engine.centred(Y.T, c))
    for i in range(5):
        one = engine.moments(V[i], float(t[i]), engine.centred(Y[i], float(c[i])))
        w, d = 1.0 / (V[i] + t[i]), Y[i] - c[i]
        direct = [math.fsum(w ** p * d ** m) for p in (1, 2, 3) for m in (0, 1, 2)]
        for j in range(9):
            assert close(one[j], direct[j], 1e-12) and close(float(many[j][i]), direct[j], 1e-12), (i, j)


@pytest.mark.parametrize("make", [_null, _moderate, _mixed], ids=["null", "moderate", "mixed"])
def test_fisher_scoring_stops_where_a_further_step_would_be_below_the_threshold(make):
    """The stop after two Newton steps (engine._settled) leaves tau^2 where the next Newton step is tiny."""
    Y, V = make(200)
    for i in range(Y.shape[0]):
        m = ~np.isnan(Y[i])
        y, v = Y[i][m], V[i][m]
        if len(y) < 2:
            continue
        f = _quiet(koppmeta.meta_analysis, y, v, method="REML")
        if f.tau2 < engine.THRESHOLD or f.notes:  # the boundary: no root of the score there
            continue
        P = engine.centred(y, engine.weighted_mean(y, v, f.tau2))
        score, info, hess = engine.moment_terms(engine.moments(v, f.tau2, P), True)
        assert abs(score / hess) < engine.THRESHOLD, (i, score / hess)


def test_step_halving_in_one_go_gives_the_numbers_of_repeated_halving():
    """engine._halved: the count of halvings from a logarithm, checked both ways, as halving one at a time."""
    rng = np.random.default_rng(8)
    t = 10 ** rng.uniform(-12, 2, 50_000)
    adj = -t * 10 ** rng.uniform(1e-9, 12, 50_000)
    adj[:10] = -2 * t[:10]  # exactly on a power of two
    adj[10:20] = -np.nextafter(2 * t[10:20], 0)  # just below
    adj[20:30] = -np.nextafter(4 * t[20:30], np.inf)  # just above
    expected = adj.copy()
    neg = t + expected < 0
    while neg.any():
        expected[neg] /= 2
        neg = t + expected < 0
    assert np.array_equal(engine._halved(t, adj), expected)


def _unequal_weights(n, k=12, seed=2):
    """Variances over ten orders of magnitude: the weighted means move far as tau^2 changes."""
    rng = np.random.default_rng(seed)
    V = 10 ** rng.uniform(-8, 2, (n, k))
    Y = rng.normal(0, 1, (n, k)) * np.sqrt(V + 10 ** rng.uniform(-6, 1, (n, 1)))
    Y[:, 0] += rng.normal(0, 3, n)
    return Y, V


def test_the_score_on_the_peak_grid_is_exact_however_unequal_the_weights():
    """engine._score_grid (the scan for other maxima) against the score at each grid point, two passes
    each: equal to rounding of the largest term, so the scan sees the signs the score has."""
    Y, V = _unequal_weights(3000)
    b = engine.make_batch(Y, V)
    grid = np.vstack([np.zeros(b.n), 10 ** np.linspace(-10, 2, 24)[:, None] * np.ones(b.n)])
    scan = engine._score_grid(b, grid, True)
    for g in range(grid.shape[0]):
        w, s1, mu = engine._sums(b, grid[g])
        largest = np.maximum.reduce([s1, (w * w).sum(axis=0) / s1, ((w * (b.y - mu)) ** 2).sum(axis=0)])
        assert np.all(np.abs(scan[g] - engine._score(b, grid[g], True)) <= 1e-13 * largest), g


def test_fisher_scoring_ends_on_a_root_of_the_score_however_unequal_the_weights():
    """The moments are taken about the weighted mean of the previous iterate, so the last steps see the
    exact score: a Newton step from the result is below the threshold (one analysis and a batch)."""
    Y, V = _unequal_weights(300, seed=4)
    res = _quiet(koppmeta.fit_many, Y, V, method="REML")
    for i in range(Y.shape[0]):
        f = _quiet(koppmeta.meta_analysis, Y[i], V[i], method="REML")
        assert close(f.tau2, float(res["tau2"].iloc[i]), SAME_TOL), i
        if f.tau2 < engine.THRESHOLD or f.notes:
            continue
        s = engine.make_batch(Y[i][None], V[i][None]).single()
        score = engine._score(s, f.tau2, True)
        P = engine.centred(s.y, engine.weighted_mean(s.y, s.v, f.tau2))
        hess = engine.moment_terms(engine.moments(s.v, f.tau2, P), True)[2]
        assert abs(score / hess) < engine.THRESHOLD, (i, score / hess)


def _newton_steps(y, v, t, n):
    """Plain Newton steps on the REML score from ``t``, each from moments about the exact weighted mean,
    with the scale ``S3/S2`` at each point (stops where a step is not defined)."""
    steps, scales = [], []
    for _ in range(n):
        m = engine.moments(v, t, engine.centred(y, engine.weighted_mean(y, v, t)))
        score, _, hess = engine.moment_terms(m, True)
        if hess <= 0 or t + score / hess < 0:
            break
        steps.append(score / hess)
        scales.append(m[6] / m[3])
        t += score / hess
    return steps, scales


def test_the_predicted_newton_step_is_as_close_as_the_stop_rule_assumes():
    """engine._next_step predicts the Newton step after two others within the relative error that
    engine._settled assumes, 2 |step / prev| + 8 |prev| S3/S2, on 4,000 simulated analyses (k from 3
    to 29, equal-ish and widely spread variances, tau^2 from 0.05 to 1), wherever the stop rule
    would use it (steps shrinking by half, that error below 1/2) and the step predicted is above
    rounding."""
    rng = np.random.default_rng(3)
    ratios = []
    for spread, tau2 in [(False, 0.05), (True, 0.05), (True, 1.0), (False, 1.0)]:
        for _ in range(1000):
            k = int(rng.integers(3, 30))
            v = 10 ** rng.uniform(-5, 1, k) if spread else rng.uniform(0.01, 0.2, k)
            s = engine.single_batch(rng.normal(0.2, np.sqrt(v + tau2)), v)
            root = engine._fisher_one(s.y, s.v, max(0.0, float(engine._he(s))), True)
            if root is None or root < 1e-8:
                continue
            steps, scales = _newton_steps(s.y, s.v, root * (1 + rng.uniform(-0.3, 0.3)), 7)
            for j in range(1, len(steps) - 1):
                step, prev, actual = steps[j], steps[j - 1], steps[j + 1]
                if prev == 0:
                    break
                rel = 2 * abs(step / prev) + 8 * abs(prev) * scales[j]
                if abs(step) < 0.5 * abs(prev) and rel < 0.5 and abs(actual) > 1e-12 * max(1.0, root):
                    ratios.append(abs(engine._next_step(step, prev) - actual) / (rel * abs(actual)))
    assert len(ratios) > 2000
    assert max(ratios) <= 1.0, max(ratios)


def test_fisher_scoring_takes_the_predicted_last_step_instead_of_evaluating_it(monkeypatch):
    """BCG (REML): Fisher step, two Newton steps, then the third Newton step as predicted, so three
    evaluations of the moments; the result is the root (a Newton step from it is below a tenth of
    the threshold) and meta_analysis and fit_many agree."""
    es = koppmeta.datasets.load_bcg("RR")
    y, v = es["yi"].to_numpy(), es["vi"].to_numpy()
    s = engine.single_batch(y, v)
    calls = []
    real = engine.moments

    def counted(*a):
        calls.append(1)
        return real(*a)

    monkeypatch.setattr(engine, "moments", counted)
    t = engine._fisher_one(s.y, s.v, max(0.0, float(engine._he(s))), True)
    monkeypatch.undo()
    assert len(calls) == 3
    steps, _ = _newton_steps(s.y, s.v, t, 1)
    assert abs(steps[0]) < 0.1 * engine.THRESHOLD, steps
    assert t == koppmeta.meta_analysis(y, v, method="REML").tau2
    assert close(t, float(koppmeta.fit_many(y[None], v[None], method="REML")["tau2"].iloc[0]), SAME_TOL)


def test_the_first_moments_are_exact_however_unequal_the_weights():
    """engine.first_moments takes the moments at the starting value about the plain mean and again
    about the weighted mean where that loses digits: the score and observed information from them
    equal those from moments about the exact weighted mean to 1e-12 of the largest term; the moments
    about the plain mean alone do not (variances over ten orders of magnitude)."""
    Y, V = _unequal_weights(3000)
    worst = worst_plain = 0.0
    for i in range(Y.shape[0]):
        s = engine.single_batch(Y[i], V[i])
        t = max(0.0, float(engine._he(s)))
        exact_m = engine.moments(s.v, t, engine.centred(s.y, engine.weighted_mean(s.y, s.v, t)))
        exact = engine.moment_terms(exact_m, True)
        m, c, _ = engine.first_moments(s.y, s.v, t)
        assert close(c, engine.weighted_mean(s.y, s.v, t), 1e-9)
        got = engine.moment_terms(m, True)
        plain = engine.moment_terms(engine.moments(s.v, t, engine.centred(s.y, 0.0)), True)
        largest = (max(exact_m[0], exact_m[5]), None, max(exact_m[3], exact_m[8]))
        for j in (0, 2):
            worst = max(worst, abs(got[j] - exact[j]) / largest[j])
            worst_plain = max(worst_plain, abs(plain[j] - exact[j]) / largest[j])
    assert worst <= 1e-12, worst
    assert worst_plain > 1e-12, worst_plain
