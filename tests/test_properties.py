"""Properties that must hold for any data (hypothesis), and fuzzing of the CSV loader."""

from __future__ import annotations

import math
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import koppmeta
from koppmeta.project.data import DataError
from conftest import ROOT

pytestmark = pytest.mark.filterwarnings("ignore:meta_analysis. the Knapp-Hartung method:UserWarning")

METHODS = ["FE", "DL", "REML", "ML", "PM", "HE", "SJ", "HS", "EB"]
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])

# Tolerances of the invariance checks below. Reordering or shifting the data changes only the
# rounding of the sums; the estimators iterate to a relative change of about 1e-13 (Fisher scoring)
# or 1e-14 (roots), and for the data drawn here (variances within a factor 2,000 of each other) the
# likelihood's condition number stays below about 1e6, so two fits agree to about 1e-7 relative;
# the absolute floors cover tau^2 and estimates at or near 0. Nothing here depends on BLAS threads.
INVARIANCE_REL, INVARIANCE_ABS = 1e-7, 1e-9
# Closed-form relations (interval nesting, fixed effect when tau^2 = 0) hold up to the rounding of a
# few arithmetic operations on values of order 1-10: 1e-12 is about 1,000 units in the last place.
ROUNDING = 1e-12

effects = st.floats(-3, 3, allow_nan=False, allow_infinity=False)
variances = st.floats(1e-3, 2.0, allow_nan=False, allow_infinity=False)


@st.composite
def meta_data(draw, min_k=2, max_k=15):
    k = draw(st.integers(min_k, max_k))
    y = np.array(draw(st.lists(effects, min_size=k, max_size=k)))
    v = np.array(draw(st.lists(variances, min_size=k, max_size=k)))
    return y, v


@SETTINGS
@given(data=meta_data(), method=st.sampled_from(METHODS), test=st.sampled_from(["z", "knha"]), seed=st.integers(0, 2**16))
def test_order_does_not_matter(data, method, test, seed):
    y, v = data
    perm = np.random.default_rng(seed).permutation(len(y))
    a = koppmeta.meta_analysis(y, v, method=method, test=test)
    b = koppmeta.meta_analysis(y[perm], v[perm], method=method, test=test)
    for attr in ("estimate", "se", "tau2", "q"):
        assert math.isclose(getattr(a, attr), getattr(b, attr), rel_tol=INVARIANCE_REL, abs_tol=INVARIANCE_ABS), attr


@SETTINGS
@given(data=meta_data(), method=st.sampled_from(METHODS), shift=st.floats(-5, 5))
def test_shifting_effects_shifts_the_estimate(data, method, shift):
    y, v = data
    a = koppmeta.meta_analysis(y, v, method=method)
    b = koppmeta.meta_analysis(y + shift, v, method=method)
    assert math.isclose(b.estimate, a.estimate + shift, rel_tol=INVARIANCE_REL, abs_tol=100 * INVARIANCE_ABS)  # |shift| up to 5
    assert math.isclose(b.tau2, a.tau2, rel_tol=10 * INVARIANCE_REL, abs_tol=INVARIANCE_ABS)  # tau^2 ~ square of the effects


@SETTINGS
@given(data=meta_data(), method=st.sampled_from(METHODS), test=st.sampled_from(["z", "knha"]))
def test_estimates_stay_in_range(data, method, test):
    y, v = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # FE with Knapp-Hartung warns, as metafor does
        fit = koppmeta.meta_analysis(y, v, method=method, test=test)
    assert fit.tau2 >= 0 and 0 <= fit.i2 <= 100 and fit.h2 >= 0 and 0 <= fit.pval <= 1
    assert fit.ci_low <= fit.estimate <= fit.ci_high
    assert fit.pi_low <= fit.ci_low + ROUNDING and fit.pi_high >= fit.ci_high - ROUNDING
    assert min(y) - ROUNDING <= fit.estimate <= max(y) + ROUNDING
    if fit.tau2_ci is not None:
        lo, hi = fit.tau2_ci
        assert 0 <= lo <= hi
        assert 0 <= fit.i2_ci[0] <= fit.i2_ci[1] <= 100


@SETTINGS
@given(data=meta_data(), method=st.sampled_from(METHODS[1:]))
def test_random_equals_fixed_when_tau2_is_zero(data, method):
    y, v = data
    re = koppmeta.meta_analysis(y, v, method=method)
    if re.tau2 == 0:
        fe = koppmeta.meta_analysis(y, v, method="FE")
        assert math.isclose(re.estimate, fe.estimate, rel_tol=ROUNDING, abs_tol=ROUNDING)
        assert math.isclose(re.se, fe.se, rel_tol=ROUNDING)


# --- fuzzing the loader: random bytes and random edits of the real file give DataError, never anything else


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    d = tmp_path_factory.mktemp("fuzz")
    shutil.copy(ROOT / "data" / "datapackage.json", d / "datapackage.json")
    return d


@settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blob=st.binary(min_size=0, max_size=400))
def test_random_bytes_are_rejected_cleanly(workdir, blob):
    path = workdir / "studies.csv"
    path.write_bytes(blob)
    with pytest.raises(DataError):
        koppmeta.load_studies(path)


REAL = (ROOT / "data" / "studies.csv").read_text(encoding="utf-8")


@settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pos=st.integers(0, len(REAL) - 1), text=st.text(min_size=1, max_size=5), delete=st.integers(0, 5))
def test_random_edits_load_or_fail_with_data_error(workdir, pos, text, delete):
    path = workdir / "studies.csv"
    path.write_text(REAL[:pos] + text + REAL[pos + delete:], encoding="utf-8")
    try:
        df = koppmeta.load_studies(path)
    except DataError as exc:
        assert str(path) in str(exc)
    else:
        assert isinstance(df, pd.DataFrame) and len(df) >= 1
