"""Trial rows to effects: one vectorised pass per route, the same numbers as one row at a time, errors that name the trial."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import koppmeta
from koppmeta.project.evidence import effects_for


@pytest.fixture(scope="module")
def studies():
    return koppmeta.load_studies()


@pytest.mark.parametrize("outcome", ["incidence", "anxiety_symptoms"])
def test_batch_equals_row_by_row(studies, outcome):
    """Each chosen row alone (a route's batch of one) gives the same effect as the whole batch."""
    batch = effects_for(studies, outcome)
    assert len(batch)
    for _, row in batch.iterrows():
        alone = effects_for(studies[studies["effect_id"] == row["effect_id"]], outcome).iloc[0]
        for col in ["yi", "vi", "route", "es_method", "approximate"]:
            assert alone[col] == row[col], (row["effect_id"], col)
        for col in ["events1", "n1", "events2", "n2"]:
            assert alone[col] == row[col] or (np.isnan(alone[col]) and np.isnan(row[col]))


def test_every_route_in_one_table(studies):
    """Counts, percentages, a reported ratio: each route keeps its rows in file order and says what it did."""
    inc = studies[studies["outcome"] == "incidence"].copy()
    pct = inc.index[inc["percent1"].notna()][0]
    inc.loc[pct, ["events1", "events2"]] = [3.0, 9.0]  # now a counts row
    out = effects_for(inc, "incidence")
    assert {"counts", "counts from percentages", "reported HR with CI"} <= set(out["route"])
    row = out[out["effect_id"] == inc.loc[pct, "effect_id"]].iloc[0]
    assert row["route"] == "counts" and not row["approximate"]
    expected = koppmeta.effect_sizes(pd.DataFrame({"events1": [3.0], "n1": [float(inc.loc[pct, "n1"])],
                                                   "events2": [9.0], "n2": [float(inc.loc[pct, "n2"])]}), "RR")
    assert row["yi"] == expected["yi"][0] and row["vi"] == expected["vi"][0]
    assert out[out["route"] == "reported HR with CI"]["approximate"].all()  # a hazard ratio standing in for a risk ratio


def test_an_error_names_the_trial_not_a_row_of_a_one_row_table(studies):
    bad = studies.copy()
    i = bad.index[(bad["outcome"] == "anxiety_symptoms") & bad["sd1"].notna()][0]
    bad.loc[i, "sd1"] = -1.0
    with pytest.raises(ValueError) as err:
        effects_for(bad, "anxiety_symptoms")
    msg = str(err.value)
    assert bad.loc[i, "effect_id"] in msg and str(bad.loc[i, "citation"]) in msg
    assert "anxiety_symptoms" in msg and "means and SDs" in msg

    bad = studies.copy()
    i = bad.index[(bad["outcome"] == "incidence") & bad["percent1"].notna()][0]
    bad.loc[i, "percent1"] = 140.0
    with pytest.raises(ValueError, match=str(bad.loc[i, "effect_id"])) as err:
        effects_for(bad, "incidence")
    assert "counts from percentages" in str(err.value) and "140" in str(err.value)


def test_a_table_with_repeated_index_labels(studies):
    """A table put together from pieces (repeated index labels) gives the same effects."""
    twice = pd.concat([studies.iloc[:70], studies.iloc[70:]])
    twice.index = [i % 50 for i in range(len(twice))]
    pd.testing.assert_frame_equal(effects_for(twice, "incidence"), effects_for(studies, "incidence"))


def test_a_reported_estimate_printed_the_other_way_round_is_turned_round(studies):
    """control_vs_intervention: a ratio becomes its reciprocal with the limits swapped; without a direction the
    estimate is not used, and the reason says so."""
    inc = studies[studies["outcome"] == "incidence"].copy()
    row = inc.index[inc["reported_ci_low"].notna() & (inc["reported_direction"] == "intervention_vs_control")][0]
    inc.loc[row, ["events1", "events2", "percent1", "percent2"]] = np.nan  # only the reported ratio is left
    est, lo, hi = (float(inc.loc[row, c]) for c in ("reported_estimate", "reported_ci_low", "reported_ci_high"))
    as_printed = effects_for(inc, "incidence").set_index("effect_id").loc[inc.loc[row, "effect_id"]]
    flipped = inc.copy()
    flipped.loc[row, ["reported_estimate", "reported_ci_low", "reported_ci_high"]] = [1 / est, 1 / hi, 1 / lo]
    flipped.loc[row, "reported_direction"] = "control_vs_intervention"
    turned = effects_for(flipped, "incidence").set_index("effect_id").loc[inc.loc[row, "effect_id"]]
    assert turned["yi"] == pytest.approx(as_printed["yi"], rel=1e-14) and turned["vi"] == pytest.approx(as_printed["vi"], rel=1e-14)
    assert "turned round" in turned["es_method"] and "turned round" not in as_printed["es_method"]
    unknown = inc.copy()
    unknown.loc[row, "reported_direction"] = np.nan
    out = effects_for(unknown, "incidence")
    assert inc.loc[row, "effect_id"] not in set(out["effect_id"])
    assert "no reported_direction" in dict(out.attrs["unused"])[inc.loc[row, "effect_id"]]


def test_a_reported_d_with_arm_sizes_is_hedges_g_from_smd_from_d(studies):
    rows = studies[(studies["outcome"] == "anxiety_symptoms") & studies["m1"].isna() & studies["n1"].notna()
                   & studies["reported_measure"].isin(["SMD", "d", "g"]) & studies["reported_ci_low"].isna()]
    assert len(rows)
    out = effects_for(rows, "anxiety_symptoms", timepoint="longest").set_index("effect_id")
    for eid, r in out.iterrows():
        src = rows.set_index("effect_id").loc[eid]
        sign = -1.0 if src["reported_direction"] == "control_vs_intervention" else 1.0
        ref = koppmeta.smd_from_d([sign * src["reported_estimate"]], [src["n1"]], [src["n2"]],
                                  kind="g" if src["reported_measure"] == "g" else "d")
        assert (r["yi"], r["vi"]) == (ref["yi"][0], ref["vi"][0])
        assert r["route"] == f"reported {src['reported_measure']} with arm sizes"
        assert r["approximate"] == (src["reported_measure"] == "SMD")


def test_a_ratio_with_only_its_p_value_uses_from_p_and_is_flagged(studies):
    inc = studies[studies["outcome"] == "incidence"]
    rows = inc[inc["reported_p"].notna() & inc["reported_ci_low"].isna() & inc["reported_measure"].isin(["RR", "OR", "HR"])
               & inc["reported_direction"].notna() & inc["subgroup"].isna()]
    assert len(rows)
    out = effects_for(rows, "incidence").set_index("effect_id")
    for eid, r in out.iterrows():
        src = rows.set_index("effect_id").loc[eid]
        est = src["reported_estimate"] if src["reported_direction"] == "intervention_vs_control" else 1 / src["reported_estimate"]
        ref = koppmeta.from_p([est], [src["reported_p"]], ratio=True)
        assert (r["yi"], r["vi"]) == (ref["yi"][0], ref["vi"][0]) and r["approximate"]
        assert r["route"] == f"reported {src['reported_measure']} with p-value"


def test_subgroup_rows_are_not_the_trials_effect(studies):
    sub = studies[studies["subgroup"].notna()]
    assert len(sub)
    for outcome, rows in sub.groupby("outcome"):
        out = effects_for(studies, outcome)
        reasons = dict(out.attrs["unused"])
        for eid, g in zip(rows["effect_id"], rows["subgroup"]):
            assert eid not in set(out["effect_id"]) and reasons[eid].startswith(f"numbers for a subgroup only ({g})")
