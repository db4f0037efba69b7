"""Bootstrap on the vectorised engine: seeded, complete, and consistent with the model it resamples."""

from __future__ import annotations

import numpy as np
import pytest

import koppmeta
from conftest import load_reference

DS = load_reference()["datasets"]["bcg"]


@pytest.fixture(scope="module")
def fit():
    return koppmeta.meta_analysis(DS["yi"], DS["vi"], labels=DS["labels"], method="REML")


@pytest.mark.parametrize("kind", ["nonparametric", "parametric"])
def test_seeded_and_complete(fit, kind):
    a = koppmeta.bootstrap(fit, n_boot=2000, kind=kind, seed=7)
    b = koppmeta.bootstrap(fit, n_boot=2000, kind=kind, seed=7)
    c = koppmeta.bootstrap(fit, n_boot=2000, kind=kind, seed=8)
    assert (a.ci_low, a.ci_high, a.tau2_ci_low, a.tau2_ci_high) == (b.ci_low, b.ci_high, b.tau2_ci_low, b.tau2_ci_high)
    assert (a.ci_low, a.ci_high) != (c.ci_low, c.ci_high)
    assert len(a.replicates) == 2000 and a.n_failed == 0 and a.replicates["ok"].all()
    assert a.ci_low < fit.estimate < a.ci_high
    assert 0 <= a.tau2_ci_low <= a.tau2_ci_high


def test_replicates_equal_single_fits(fit):
    """Every replicate is a meta_analysis of its resample (spot check of the batch engine)."""
    res = koppmeta.bootstrap(fit, n_boot=100, kind="parametric", seed=3)
    rng = np.random.default_rng(3)
    Y = rng.normal(fit.estimate, np.sqrt(np.broadcast_to(fit.vi, (100, fit.k)) + fit.tau2))
    for i in (0, 57, 99):
        single = koppmeta.meta_analysis(Y[i], fit.vi, method="REML")
        assert np.isclose(res.replicates["estimate"][i], single.estimate, rtol=1e-9)
        assert np.isclose(res.replicates["tau2"][i], single.tau2, rtol=1e-7, atol=1e-12)


def test_parametric_bootstrap_is_centred_on_the_model(fit):
    res = koppmeta.bootstrap(fit, n_boot=4000, kind="parametric", seed=1)
    assert abs(res.replicates["estimate"].mean() - fit.estimate) < 3 * res.se / np.sqrt(4000) * 10
    assert abs(res.se - fit.se) / fit.se < 0.15


def test_bad_arguments(fit):
    with pytest.raises(ValueError, match="unknown kind 'jackknife'. Valid values: nonparametric, parametric"):
        koppmeta.bootstrap(fit, kind="jackknife")
    with pytest.raises(ValueError, match="'n_boot' is 10; it must be a whole number of at least 100"):
        koppmeta.bootstrap(fit, n_boot=10)
    with pytest.raises(TypeError, match="must be a MetaAnalysis"):
        koppmeta.bootstrap("fit")
    text = koppmeta.bootstrap(fit, n_boot=200, seed=1).summary()
    assert "percentile interval" in text and "seed = 1" in text


def test_bootstrap_level_is_a_percentage_like_everywhere_else(fit):
    with pytest.raises(ValueError, match="Did you mean 95"):
        koppmeta.bootstrap(fit, level=0.95, seed=1, n_boot=100)
    res = koppmeta.bootstrap(fit, level=90, seed=1, n_boot=100)
    assert res.level == 90
    with pytest.warns(DeprecationWarning, match="ci_low, ci_high"):
        assert res.estimate_ci == (res.ci_low, res.ci_high)
    with pytest.warns(DeprecationWarning):
        assert res.tau2_ci == (res.tau2_ci_low, res.tau2_ci_high)
    with pytest.warns(DeprecationWarning):
        assert res.se_boot == res.se
