"""gosh: every subset of the studies, against metafor's gosh() and against meta_analysis.

Reference values: tests/fixtures/metafor_gosh.json, written by tests/r/make_fixtures_gosh.R
(all 255 subsets of the first 8 BCG trials with REML and with DL + Knapp-Hartung, all 511
subsets of dat.normand1999 with PM). Nothing here is typed by hand.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

import koppmeta
from conftest import FIXTURES, close, load_reference
from koppmeta.models import heterogeneity as het
from koppmeta.diagnostics.gosh import GOSH_COLUMNS, gosh

with open(FIXTURES / "metafor_gosh.json", encoding="utf-8") as fh:
    GOSH_REF = json.load(fh)
CASES = GOSH_REF["cases"]
BCG = load_reference()["datasets"]["bcg"]


def _fit(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return koppmeta.meta_analysis(case["yi"], case["vi"], method=case["method"], test=case["test"],
                                      labels=case["labels"])


@pytest.mark.parametrize("name", list(CASES))
def test_matches_metafor_gosh(name):
    case = CASES[name]
    g = gosh(_fit(case))
    assert len(g) == case["n_subsets"] == 2 ** len(case["yi"]) - 1
    # same subsets in the same order (by size, then expand.grid order)
    np.testing.assert_array_equal(g[case["labels"]].to_numpy(), np.array(case["incl"], dtype=bool))
    assert list(g["k"]) == case["k"]
    for col in ("estimate", "tau2", "i2", "q", "h2"):
        got, ref = g[col].to_numpy(), case[col]
        if col == "h2" and case["method"] == "DL":
            # metafor's gosh() computes DL fits with a shortcut that reports H^2 = Q / (k - 1) even
            # when Q < k - 1 (tau^2 = 0); rma() itself, and koppmeta, report H^2 = 1 there.
            low_q = (g["q"] < g["k"] - 1) & (g["k"] > 1)
            assert low_q.any()
            for i in np.flatnonzero(low_q):
                assert got[i] == 1.0 and close(ref[i], g["q"][i] / (g["k"][i] - 1))
            keep = np.flatnonzero(~low_q)
            got, ref = got[keep], [ref[i] for i in keep]
        bad = [(i, a, b) for i, (a, b) in enumerate(zip(got, ref)) if not close(float(a), b)]
        assert not bad, f"{name} {col}: {bad[:5]} ({case['r_call']})"


def test_every_subset_equals_meta_analysis():
    """Each row is the meta_analysis of its subset (checked on a spread of rows of the 13 BCG trials)."""
    fit = koppmeta.meta_analysis(BCG["yi"], BCG["vi"], method="REML", test="knha", labels=BCG["labels"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", het.ConvergenceWarning)
        g = gosh(fit)
    assert len(g) == 2**13 - 1 and g.attrs["exact"] and g.attrs["n_possible"] == 8191
    y, v = np.array(BCG["yi"]), np.array(BCG["vi"])
    for i in range(0, len(g), 97):
        m = g.loc[i, BCG["labels"]].to_numpy(dtype=bool)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f = koppmeta.meta_analysis(y[m], v[m], method="REML", test="knha" if m.sum() > 1 else "z")
        assert g.loc[i, "k"] == f.k
        for col in ("estimate", "tau2", "i2", "h2", "q"):
            assert close(g.loc[i, col], getattr(f, col), 1e-9), (i, col)


def test_single_study_subsets_follow_metafor_convention():
    case = CASES["bcg8_DL_knha"]  # knha: a single study is fitted with the z test, as metafor
    g = gosh(_fit(case))
    ones = g[g["k"] == 1]
    assert len(ones) == 8
    for _, row in ones.iterrows():
        j = int(np.flatnonzero(row[case["labels"]].to_numpy(dtype=bool))[0])
        assert close(row["estimate"], case["yi"][j], 1e-14)
        assert row["tau2"] == 0 and row["i2"] == 0 and row["q"] == 0 and row["h2"] == 1


def test_columns_and_study_names():
    fit = koppmeta.meta_analysis([0.1, 0.5, 0.3, 0.9], [0.05, 0.1, 0.08, 0.2], labels=["A", "k", "A", "C"])
    g = gosh(fit)
    assert list(g.columns) == [*GOSH_COLUMNS, "A (row 1)", "k (row 2)", "A (row 3)", "C"]
    assert g.dtypes[list(g.columns[6:])].eq(bool).all()
    assert (g.iloc[:, 6:].sum(axis=1) == g["k"]).all()
    assert list(g["k"]) == sorted(g["k"])


def test_min_k():
    fit = koppmeta.meta_analysis(BCG["yi"][:9], BCG["vi"][:9], labels=BCG["labels"][:9])
    g = gosh(fit, min_k=3)
    assert len(g) == sum(math.comb(9, j) for j in range(3, 10)) and g["k"].min() == 3


def test_random_sample_is_seeded_distinct_and_uniform_in_size():
    fit = koppmeta.meta_analysis(BCG["yi"], BCG["vi"], method="DL", labels=BCG["labels"])
    g1 = gosh(fit, max_subsets=3000, seed=42)
    g2 = gosh(fit, max_subsets=3000, seed=42)
    g3 = gosh(fit, max_subsets=3000, seed=43)
    assert len(g1) == 3000 and not g1.attrs["exact"] and g1.attrs["seed"] == 42
    members = g1[BCG["labels"]].to_numpy()
    assert len({r.tobytes() for r in members}) == 3000  # distinct subsets
    assert (members.sum(axis=1) >= 1).all()
    assert g1.equals(g2) and not g1.equals(g3)
    # each study is in about half of the subsets (uniform over subsets): 3000 draws, sd ~ 27
    share = members.mean(axis=0)
    assert np.all(np.abs(share - 0.5) < 0.06), share
    # asking for at least as many subsets as exist gives all of them
    assert len(gosh(fit, max_subsets=8191)) == 8191 and gosh(fit, max_subsets=8191).attrs["exact"]


def test_sample_near_the_total_still_distinct():
    fit = koppmeta.meta_analysis(BCG["yi"][:7], BCG["vi"][:7], method="FE")
    g = gosh(fit, max_subsets=120, seed=1)  # 127 exist
    assert len(g) == 120 and len({r.tobytes() for r in g.iloc[:, 6:].to_numpy()}) == 120


@pytest.mark.parametrize(
    ("kwargs", "err", "match"),
    [
        ({"min_k": 0}, ValueError, "min_k"),
        ({"min_k": 14}, ValueError, r"between 1 and the number of studies \(13\)"),
        ({"min_k": 2.0}, TypeError, "min_k"),
        ({"max_subsets": 0}, ValueError, "at least 1"),
        ({"max_subsets": 10.5}, TypeError, "whole number"),
        ({"progress": "yes"}, TypeError, "progress"),
    ],
)
def test_argument_errors(kwargs, err, match):
    fit = koppmeta.meta_analysis(BCG["yi"], BCG["vi"])
    with pytest.raises(err, match=match):
        gosh(fit, **kwargs)


def test_needs_a_meta_analysis_with_two_studies():
    with pytest.raises(TypeError, match="MetaAnalysis"):
        gosh({"yi": [1, 2]})
    with pytest.raises(ValueError, match="at least 2 studies"):
        gosh(koppmeta.meta_analysis([0.2], [0.1]))


def test_exported_from_the_package():
    """``koppmeta.gosh`` must be the function, even after its module was imported by its old name."""
    import sys

    import koppmeta.diagnostics.gosh
    from koppmeta.models import batch

    sys.modules.pop("koppmeta.gosh", None)
    with pytest.warns(DeprecationWarning, match="koppmeta.diagnostics.gosh"):
        import koppmeta.gosh  # noqa: F401  (loads the old module name; must not shadow the function)
    assert koppmeta.gosh is sys.modules["koppmeta.gosh"].gosh is koppmeta.diagnostics.gosh.gosh
    assert koppmeta.fit_many is batch.fit_many
    assert {"gosh", "fit_many"} <= set(koppmeta.__all__)
