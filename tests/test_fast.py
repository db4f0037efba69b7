"""fit_many: the numbers of meta_analysis for many analyses at once.

The scalar :func:`koppmeta.meta_analysis` is the reference here (its parity with metafor
is tested in test_parity_metafor.py); fit_many must reproduce it to ``SAME_TOL`` for every
tau^2 estimator and both tests, on the metadat datasets of the metafor fixture and on
seeded random batches padded with NaN. The metafor values themselves are checked too
(``PARITY_TOL``), and the ll0 rule against metafor fits from tests/r/make_fixtures_gosh.R.
"""

from __future__ import annotations

import json
import tracemalloc
import warnings

import numpy as np
import pandas as pd
import pytest

import koppmeta
from conftest import FIXTURES, close, load_reference
from koppmeta.models import engine, batch as fast
from koppmeta.models import heterogeneity as het
from koppmeta.models.batch import FIT_MANY_COLUMNS, fit_many

REF = load_reference()
with open(FIXTURES / "metafor_gosh.json", encoding="utf-8") as fh:
    GOSH_REF = json.load(fh)

METHODS = het.METHODS
TESTS = ("z", "knha")
# fit_many and meta_analysis run the same algorithms with sums in another order and stop
# iterating at the same tolerances (1e-13 for Fisher scoring, 1e-14 for roots), so they agree
# to about 1e-13; 1e-9 leaves room. Absolute below 1, relative above (as conftest.close).
SAME_TOL = 1e-9
STATS = ["estimate", "se", "stat", "pval", "df", "ci_low", "ci_high", "pi_low", "pi_high",
         "tau2", "i2", "h2", "q", "q_pval"]


def _pad(rows):
    """Stack (yi, vi) pairs of different lengths into NaN-padded matrices."""
    kmax = max(len(y) for y, _ in rows)
    Y = np.full((len(rows), kmax), np.nan)
    V = np.full((len(rows), kmax), np.nan)
    for i, (y, v) in enumerate(rows):
        Y[i, : len(y)] = y
        V[i, : len(v)] = v
    return Y, V


def _scalar(y, v, method, test):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return koppmeta.meta_analysis(y, v, method=method, test=test)


def _assert_same(res, fits, tau2_ci=False):
    bad = []
    for i, f in enumerate(fits):
        row = res.iloc[i]
        assert row["k"] == f.k
        for s in STATS:
            a, b = float(row[s]), float(getattr(f, s))
            if not close(a, b, SAME_TOL):
                bad.append((i, s, a, b))
        if tau2_ci:
            for name in ("tau2", "i2", "h2"):
                ci = getattr(f, f"{name}_ci")
                if ci is None:
                    assert np.isnan(row[f"{name}_ci_low"]) and np.isnan(row[f"{name}_ci_high"])
                    continue
                for a, b in ((row[f"{name}_ci_low"], ci[0]), (row[f"{name}_ci_high"], ci[1])):
                    if not close(float(a), b, SAME_TOL):
                        bad.append((i, f"{name}_ci", a, b))
    assert not bad, f"fit_many differs from meta_analysis: {bad[:10]}"


# ---------------------------------------------------------------------------
# the fixture datasets


DATASETS = REF["datasets"]
Y_DS, V_DS = _pad([(d["yi"], d["vi"]) for d in DATASETS.values()])


@pytest.mark.parametrize("test", TESTS)
@pytest.mark.parametrize("method", METHODS)
def test_fixture_datasets_equal_meta_analysis(method, test):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit_many(Y_DS, V_DS, method=method, test=test, tau2_ci=method != "FE")
    fits = [_scalar(d["yi"], d["vi"], method, test) for d in DATASETS.values()]
    _assert_same(res, fits, tau2_ci=method != "FE")
    assert res["converged"].all()


@pytest.mark.parametrize("test", TESTS)
@pytest.mark.parametrize("method", METHODS)
def test_fixture_datasets_equal_metafor(method, test):
    """Straight to the metafor numbers (tests/r/make_fixtures.R), at the project's parity tolerance."""
    names = list(DATASETS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit_many(Y_DS, V_DS, method=method, test=test, tau2_ci=method != "FE")
    for e in REF["rma"]:
        if e["method"] != method or e["test"] != test or "error" in e:
            continue
        row = res.iloc[names.index(e["dataset"])]
        assert row["k"] == e["k"]
        bad = {s: (row[s], e[s]) for s in STATS if s != "df" and not close(float(row[s]), e[s])}
        assert not bad, f"{e['r_call']} on {e['dataset']}: {bad}"
        if e.get("tau2_ci") is not None:
            # metafor caps the upper Q-profile bound at max(100, 10 tau^2) ("> tau2.max"); koppmeta does not
            capped = close(e["tau2_ci"][1], max(100.0, 10 * e["tau2"]), 1e-12)
            assert close(row["tau2_ci_low"], e["tau2_ci"][0]) and close(row["i2_ci_low"], e["i2_ci"][0])
            if capped:
                assert row["tau2_ci_high"] >= e["tau2_ci"][1] and row["i2_ci_high"] >= e["i2_ci"][1]
            else:
                assert close(row["tau2_ci_high"], e["tau2_ci"][1]) and close(row["i2_ci_high"], e["i2_ci"][1])


# ---------------------------------------------------------------------------
# random padded batches


def _random_batch(seed: int, n: int = 45, kmax: int = 25, knha: bool = False):
    """Analyses of 1 to kmax studies (>= 2 for knha), NaN padding in random places, varied heterogeneity.

    Includes edge rows: k = 2, all effects equal (SJ's start is 0; Knapp-Hartung s^2 = 0),
    Q below k - 1 (tau^2 = 0 for most estimators) and very large heterogeneity.
    """
    rng = np.random.default_rng(seed)
    Y = np.full((n, kmax), np.nan)
    V = np.full((n, kmax), np.nan)
    for i in range(n):
        k = int(rng.integers(2 if knha else 1, kmax + 1)) if i % 4 else int(rng.integers(2, 5))
        cols = np.sort(rng.choice(kmax, size=k, replace=False))
        v = rng.uniform(0.002, 0.5, k) * 10 ** rng.uniform(-1, 1)
        tau2 = (0.0, 0.01, 0.1, 1.0, 25.0)[i % 5]
        Y[i, cols] = rng.normal(rng.normal(0, 1), np.sqrt(v + tau2))
        V[i, cols] = v
    # all effects equal, and effects so close that Q < k - 1
    Y[1] = np.nan
    V[1] = np.nan
    Y[1, [0, 3, 7]] = 0.4
    V[1, [0, 3, 7]] = [0.1, 0.2, 0.05]
    Y[2] = np.where(np.isnan(Y[2]), np.nan, 0.2 + 1e-3 * np.arange(kmax))
    return Y, V


@pytest.mark.parametrize("test", TESTS)
@pytest.mark.parametrize("method", METHODS)
def test_random_padded_batches_equal_meta_analysis(method, test):
    Y, V = _random_batch(seed=20240 + METHODS.index(method), knha=test == "knha")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit_many(Y, V, method=method, test=test, tau2_ci=method in ("REML", "PM", "DL"))
    fits = []
    for y, v in zip(Y, V):
        m = ~np.isnan(y)
        fits.append(_scalar(y[m], v[m], method, test))
    _assert_same(res, fits, tau2_ci=method in ("REML", "PM", "DL"))


def test_batch_covers_the_edge_cases():
    Y, V = _random_batch(seed=20240)
    k = (~np.isnan(Y)).sum(axis=1)
    assert k.min() == 1 and (k == 2).any() and k.max() > 15
    res = fit_many(Y, V, method="DL")
    assert (res["tau2"] == 0).any() and (res["tau2"] > 1).any()
    assert (res["q"] < res["k"] - 1).any()
    assert res.loc[k == 1, ["tau2", "q", "i2"]].eq(0).all().all() and res.loc[k == 1, "h2"].eq(1).all()


def test_position_of_padding_does_not_matter():
    Y, V = _random_batch(seed=7)
    # move each row's studies to the front, in the same order
    Yl, Vl = _pad([(y[~np.isnan(y)], v[~np.isnan(v)]) for y, v in zip(Y, V)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", het.ConvergenceWarning)
        res = fit_many(Y, V, method="REML", test="z")
        res2 = fit_many(Yl, Vl, method="REML")
    np.testing.assert_allclose(res[STATS[:-1]].to_numpy(float), res2[STATS[:-1]].to_numpy(float),
                               rtol=1e-12, atol=1e-14)


def test_chunking_does_not_change_results(monkeypatch):
    Y, V = _random_batch(seed=11, n=60)
    whole = fit_many(Y, V, method="PM", test="z")
    monkeypatch.setattr(fast, "CHUNK_ELEMENTS", 64)  # 2 analyses per chunk
    parts = fit_many(Y, V, method="PM")
    pd.testing.assert_frame_equal(whole, parts, rtol=1e-13, atol=1e-15)


# ---------------------------------------------------------------------------
# iterative estimators: the ll0 rule and the fallbacks


def test_ll0_rule_matches_metafor():
    """metafor sets tau^2 = 0 when REML scoring stops at a local maximum (tests/r/make_fixtures_gosh.R)."""
    cases = GOSH_REF["ll0"]
    Y, V = _pad([(c["yi"], c["vi"]) for c in cases])
    with pytest.warns(koppmeta.MultiplePeaksWarning, match=r"in 3 analyses \(rows 0, 1, 2\).*higher at tau\^2 = 0"):
        res = fit_many(Y, V, method="REML")
    for i, c in enumerate(cases):
        assert "local maximum" in c["warning"]
        assert res.loc[i, "tau2"] == 0 == c["tau2"]
        assert res.loc[i, "tau2_other"] > 0 and res.loc[i, "loglik_other"] < res.loc[i, "loglik_other"] + 1
        for s in ("estimate", "se", "i2", "q"):
            assert close(res.loc[i, s], c[s]), (c["r_call"], s)


def test_fisher_scoring_fallback_gives_the_same_numbers(monkeypatch):
    """Rows that do not settle get the highest maximum of the likelihood scan, in fit_many and meta_analysis alike."""
    monkeypatch.setattr(engine, "MAXITER_SCORING", 2)  # applies to meta_analysis and fit_many alike
    Y, V = _random_batch(seed=3, n=20)
    with pytest.warns(koppmeta.ConvergenceWarning, match=r"rows 3, 4.*did not settle"):
        res = fit_many(Y, V, method="REML")
    fits = []
    for y, v in zip(Y, V):
        m = ~np.isnan(y)
        fits.append(_scalar(y[m], v[m], "REML", "z"))
    assert any("degenerate" in " ".join(f.notes) for f in fits)
    _assert_same(res, fits)
    monkeypatch.undo()
    exact = fit_many(Y, V, method="REML")  # the scan's maximum is the converged one
    assert np.allclose(res["tau2"], exact["tau2"], rtol=1e-9, atol=1e-9)


def test_root_finder_that_does_not_settle_names_the_rows(monkeypatch):
    monkeypatch.setattr(engine, "MAXITER_ROOT", 1)
    Y, V = _random_batch(seed=4, n=20)
    with pytest.warns(koppmeta.ConvergenceWarning, match=r"root finder did not settle"):
        res = fit_many(Y, V, method="PM")
    assert not res["converged"].all()


def test_no_nan_in_statistics():
    Y, V = _random_batch(seed=5, n=40)
    k1 = (~np.isnan(Y)).sum(axis=1) == 1
    assert k1.any()
    for method in METHODS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", het.ConvergenceWarning)
            res = fit_many(Y, V, method=method, tau2_ci=method != "FE")
        ci_cols = [c for c in res.columns if "_ci_" in c]
        # df is NaN for the z test; tau2_other / loglik_other are NaN where the likelihood has one maximum
        cols = [c for c in res.columns if c not in ("df", "tau2_other", "loglik_other") and c not in ci_cols]
        assert not res[cols].isna().any().any(), method
        # an interval for tau^2 needs at least 2 studies (meta_analysis gives None there)
        assert not res.loc[~k1, ci_cols].isna().any().any() and res.loc[k1, ci_cols].isna().all().all()
    assert fit_many(Y, V)["df"].isna().all()
    Y2, V2 = _random_batch(seed=5, n=40, knha=True)
    assert (fit_many(Y2, V2, test="knha")["df"] == (~np.isnan(Y2)).sum(axis=1) - 1).all()


# ---------------------------------------------------------------------------
# output and memory


def test_output_layout():
    Y, V = _random_batch(seed=6, n=10)
    res = fit_many(pd.DataFrame(Y, index=[f"sim{i}" for i in range(10)]), V)
    assert tuple(res.columns) == FIT_MANY_COLUMNS
    assert list(res.index) == [f"sim{i}" for i in range(10)]
    assert res["k"].dtype == np.int64 and res["converged"].dtype == bool
    assert list(res["k"]) == list((~np.isnan(Y)).sum(axis=1))
    res = fit_many(Y, V, tau2_ci=True, level=90)
    assert list(res.columns[-6:]) == ["tau2_ci_low", "tau2_ci_high", "i2_ci_low", "i2_ci_high",
                                      "h2_ci_low", "h2_ci_high"]
    f = _scalar(Y[0][~np.isnan(Y[0])], V[0][~np.isnan(V[0])], "REML", "z")
    f90 = koppmeta.meta_analysis(Y[0][~np.isnan(Y[0])], V[0][~np.isnan(V[0])], level=90)
    assert close(res.loc[0, "ci_low"], f90.ci_low, SAME_TOL) and not close(res.loc[0, "ci_low"], f.ci_low, 1e-4)


def test_memory_for_100000_fits_of_13_studies():
    rng = np.random.default_rng(13)
    V = rng.uniform(0.005, 0.5, size=(100_000, 13))
    Y = rng.normal(-0.7, np.sqrt(V + 0.3))
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = fit_many(Y, V, method="REML", test="knha")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(res) == 100_000
    # inputs are 2 x 10.4 MB, the result 14 MB; working memory is bounded by the chunk size
    assert peak < 256 * 2**20, f"peak {peak / 2**20:.0f} MiB"


# ---------------------------------------------------------------------------
# input checks


def test_nan_in_different_places_names_the_row():
    Y, V = _random_batch(seed=8, n=6)
    V[4, np.flatnonzero(~np.isnan(Y[4]))[0]] = np.nan
    with pytest.raises(ValueError, match=r"row 4 .*column \d+: 'vi' is NaN but 'yi' is"):
        fit_many(Y, V)


@pytest.mark.parametrize(
    ("Y", "V", "kwargs", "err", "match"),
    [
        ([[0.1, 0.2]], [[0.1, 0.2, 0.3]], {}, ValueError, "shape"),
        ([0.1, 0.2], [0.1, 0.2], {}, ValueError, r"must be 2-D.*\[None, :\]"),
        ([["a", "b"]], [[0.1, 0.2]], {}, TypeError, "not numbers"),
        ("abc", [[0.1]], {}, TypeError, "not a string"),
        ([[True, False]], [[0.1, 0.2]], {}, TypeError, "booleans"),
        ([[0.1, 0.2]], [[0.1, 0.0]], {}, ValueError, r"row 0 .*column 1: value 0 .*greater than 0"),
        ([[0.1, np.inf]], [[0.1, 0.1]], {}, ValueError, "infinite"),
        ([[0.1, 0.2], [np.nan, np.nan]], [[0.1, 0.1], [np.nan, np.nan]], {}, ValueError, "row 1 .*no studies"),
        ([[0.1, np.nan]], [[0.1, np.nan]], {"test": "knha"}, ValueError, "row 0 .*single study.*test='z'"),
        ([[0.1, 0.2]], [[0.1, 0.1]], {"method": "reml"}, ValueError, "Did you mean 'REML'"),
        ([[0.1, 0.2]], [[0.1, 0.1]], {"test": "t"}, ValueError, "Valid values: z, knha"),
        ([[0.1, 0.2]], [[0.1, 0.1]], {"level": 0.95}, ValueError, "Did you mean 95"),
        ([[0.1, 0.2]], [[0.1, 0.1]], {"method": "FE", "tau2_ci": True}, ValueError, "random-effects"),
        ([[0.1, 0.2]], [[0.1, 0.1]], {"tau2_ci": "yes"}, TypeError, "tau2_ci"),
        (np.zeros((0, 3)), np.zeros((0, 3)), {}, ValueError, "empty"),
    ],
)
def test_input_errors(Y, V, kwargs, err, match):
    with pytest.raises(err, match=match):
        fit_many(Y, V, **kwargs)


def test_fe_with_knha_warns_as_meta_analysis():
    with pytest.warns(UserWarning, match="Knapp-Hartung"):
        fit_many([[0.1, 0.3, 0.2]], [[0.1, 0.1, 0.2]], method="FE", test="knha")
