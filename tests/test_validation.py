"""Bad input to effect_sizes and meta_analysis ends in a clear error naming argument, study, value and rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import koppmeta

LABELS = ["Clarke 2001", "Garber 2009", "Compas 2009"]


@pytest.mark.parametrize(
    "yi, vi, exc, words",
    [
        ([0.1, 0.2, 0.3], [0.1, -0.2, 0.1], ValueError, ["'vi'", "'Garber 2009' (row 2)", "-0.2", "greater than 0"]),
        ([0.1, 0.2, 0.3], [0.1, 0.0, 0.1], ValueError, ["'vi'", "'Garber 2009'", "value 0", "greater than 0"]),
        ([0.1, np.nan, 0.3], [0.1, 0.1, 0.1], ValueError, ["'yi'", "'Garber 2009'", "missing (NaN)"]),
        ([0.1, 0.2, np.inf], [0.1, 0.1, 0.1], ValueError, ["'yi'", "'Compas 2009' (row 3)", "inf", "finite"]),
        ([0.1, "0.2", 0.3], [0.1, 0.1, 0.1], TypeError, ["'yi'", "'Garber 2009'", "'0.2'", "not a number"]),
        ([0.1, True, 0.3], [0.1, 0.1, 0.1], TypeError, ["'yi'", "'Garber 2009'", "True", "boolean"]),
    ],
)
def test_meta_analysis_rejects_bad_values(yi, vi, exc, words):
    with pytest.raises(exc) as info:
        koppmeta.meta_analysis(yi, vi, labels=LABELS)
    for w in words:
        assert w in str(info.value), (w, str(info.value))


def test_mismatched_lengths():
    with pytest.raises(ValueError, match=r"'yi' has 3, 'vi' has 2"):
        koppmeta.meta_analysis([0.1, 0.2, 0.3], [0.1, 0.1])


def test_empty_input():
    with pytest.raises(ValueError, match="no studies"):
        koppmeta.meta_analysis([], [])


def test_labels_wrong_length():
    with pytest.raises(ValueError, match="'labels' has 2 entries but there are 3 studies"):
        koppmeta.meta_analysis([0.1, 0.2, 0.3], [0.1, 0.1, 0.1], labels=["a", "b"])


def test_unknown_method_lists_valid_ones():
    with pytest.raises(ValueError) as info:
        koppmeta.meta_analysis([0.1, 0.2], [0.1, 0.1], method="reml")
    msg = str(info.value)
    assert "unknown method 'reml'" in msg and "FE, DL, REML, ML, PM, HE, SJ, HS, EB" in msg and "Did you mean 'REML'" in msg


def test_unknown_test_and_bad_level():
    with pytest.raises(ValueError, match="unknown test 't'. Valid values: z, knha"):
        koppmeta.meta_analysis([0.1, 0.2], [0.1, 0.1], test="t")
    with pytest.raises(ValueError, match="'level' is 0.95; it is a percentage"):
        koppmeta.meta_analysis([0.1, 0.2], [0.1, 0.1], level=0.95)


def test_missing_column_in_data_lists_columns():
    df = pd.DataFrame({"yi": [0.1, 0.2], "v": [0.1, 0.1]})
    with pytest.raises(ValueError, match=r"column 'vi' \(argument 'vi'\) is not in the data. Available columns: yi, v"):
        koppmeta.meta_analysis("yi", "vi", data=df)


def test_knha_needs_two_studies():
    with pytest.raises(ValueError, match="test='knha' needs at least 2 studies"):
        koppmeta.meta_analysis([0.1], [0.1], test="knha")


def _counts(**over):
    base = {"study": LABELS, "events1": [4, 10, 3], "n1": [45, 50, 40], "events2": [14, 12, 8], "n2": [49, 50, 41]}
    base.update(over)
    return pd.DataFrame(base)


@pytest.mark.parametrize(
    "over, exc, words",
    [
        ({"events1": [4, 60, 3]}, ValueError, ["'events1'", "'Garber 2009' (row 2)", "60", "cannot exceed the group size n1 = 50"]),
        ({"events2": [14, -1, 8]}, ValueError, ["'events2'", "'Garber 2009'", "-1", "at least 0"]),
        ({"events1": [4, 2.5, 3]}, ValueError, ["'events1'", "2.5", "whole number"]),
        ({"n2": [49, 0, 41]}, ValueError, ["'n2'", "'Garber 2009'", "value 0", "group size"]),
        ({"n1": [45, "fifty", 40]}, TypeError, ["'n1'", "'Garber 2009'", "'fifty'", "not a number"]),
        ({"events1": [4, None, 3]}, ValueError, ["'events1'", "'Garber 2009'", "missing"]),
    ],
)
def test_effect_sizes_counts_rejected(over, exc, words):
    with pytest.raises(exc) as info:
        koppmeta.effect_sizes(_counts(**over), "RR", labels="study")
    for w in words:
        assert w in str(info.value), (w, str(info.value))


def test_effect_sizes_sd_and_n_rules():
    df = pd.DataFrame({"study": LABELS, "m1": [1.0, 2.0, 3.0], "sd1": [1.0, 0.0, 1.0], "n1": [20, 20, 20],
                       "m2": [1.5, 2.5, 3.5], "sd2": [1.0, 1.0, 1.0], "n2": [20, 20, 20]})
    with pytest.raises(ValueError, match=r"'sd1', study 'Garber 2009' \(row 2\): value 0 is not allowed; a standard deviation must be greater than 0"):
        koppmeta.effect_sizes(df, "SMD", labels="study")
    df.loc[1, "sd1"] = 1.0
    df.loc[2, "n2"] = 1
    with pytest.raises(ValueError, match=r"'n2', study 'Compas 2009' \(row 3\): value 1 .* at least 2"):
        koppmeta.effect_sizes(df, "SMD", labels="study")


def test_effect_sizes_unknown_measure_and_column():
    with pytest.raises(ValueError, match="unknown measure 'logRR'. Valid values: SMD, MD, RR, OR, RD"):
        koppmeta.effect_sizes(_counts(), "logRR")
    with pytest.raises(ValueError, match="column 'ai' .* not in the data. Available columns: study, events1"):
        koppmeta.effect_sizes(_counts(), "OR", events1="ai")
    with pytest.raises(ValueError, match="unknown column role"):
        koppmeta.effect_sizes(_counts(), "OR", m1="events1")
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        koppmeta.effect_sizes({"events1": [1]}, "OR")


def test_from_ci_interval_must_contain_estimate():
    with pytest.raises(ValueError, match=r"study 'Garber 2009' \(row 2\): interval \[0.4, 0.98\] does not contain its estimate 0.3"):
        koppmeta.from_ci([0.63, 0.3], [0.40, 0.40], [0.98, 0.98], ratio=True, labels=["a", "Garber 2009"])
    with pytest.raises(ValueError, match="must be greater than 0"):
        koppmeta.from_ci([0.0], [-0.1], [0.2], ratio=True)


def test_nothing_is_dropped_or_changed():
    df = _counts()
    before = df.copy()
    out = koppmeta.effect_sizes(df, "RR")
    pd.testing.assert_frame_equal(df, before)
    assert len(out) == len(df) and out["yi"].notna().all()


def test_missing_drop_warns_and_names_every_dropped_study():
    with pytest.warns(koppmeta.MissingDataWarning) as rec:
        fit = koppmeta.meta_analysis([0.1, np.nan, 0.3, 0.2], [0.1, 0.1, np.nan, 0.05],
                                     labels=LABELS + ["Solantaus 2010"], missing="drop")
    msg = str(rec[0].message)
    assert "2 of 4 studies dropped" in msg and "'Garber 2009' (row 2)" in msg and "'Compas 2009' (row 3)" in msg
    assert fit.k == 2 and fit.labels == ["Clarke 2001", "Solantaus 2010"]
    with pytest.raises(ValueError, match="unknown missing 'skip'"):
        koppmeta.meta_analysis([0.1], [0.1], missing="skip")
