"""RevMan 5 import: koppmeta.read_revman on a small .rm5 file written for the tests.

tests/fixtures/small_review.rm5 follows the layout of RevMan 5 review files (COCHRANE_REVIEW,
INCLUDED_STUDIES, COMPARISON with DICH_OUTCOME / CONT_OUTCOME with subgroups / IV_OUTCOME); its
numbers are metadat's dat.bcg (first five trials) and dat.normand1999 as exported by
tests/r/make_fixtures_own_data.R, so the re-analysis is checked against metafor.
"""

from __future__ import annotations

import json
import math

import pytest

import koppmeta
from conftest import FIXTURES, close
from koppmeta.project.data import DataError

RM5 = FIXTURES / "small_review.rm5"
REF = json.loads((FIXTURES / "metafor_own_data.json").read_text(encoding="utf-8"))


def test_tables_hold_what_the_file_holds():
    r = koppmeta.read_revman(RM5)
    assert r.title == "Two example data sets in RevMan 5 form"
    assert list(r.comparisons["name"]) == ["BCG vaccine versus no vaccine", "Specialist stroke care versus routine care"]
    assert list(zip(r.outcomes["comparison"], r.outcomes["outcome"], r.outcomes["kind"], r.outcomes["effect_measure"])) == [
        (1, 1, "counts", "RR"), (1, 2, "estimates", "RR"), (2, 1, "means", "SMD")]
    assert r.outcomes["group_label_1"].tolist() == ["Vaccinated", "Vaccinated", "Specialist care"]
    counts = r.outcome(1, 1)
    bcg = REF["bcg"]["data"]
    assert counts["study"].tolist() == bcg["study"][:5] and counts["year"].tolist() == bcg["year"][:5]
    for col in ("events1", "n1", "events2", "n2"):
        assert counts[col].tolist() == bcg[col][:5]
    means = r.outcome(2, 1)
    nm = REF["normand1999"]["data"]
    order = [nm["study"].index(s) for s in means["study"]]
    for col in ("m1", "sd1", "n1", "m2", "sd2", "n2"):
        assert means[col].tolist() == [nm[col][i] for i in order]
    assert set(means["subgroup_name"]) == {"Orpington", "Other centres"}
    with pytest.raises(ValueError, match="no trials for comparison 3, outcome 1; outcomes in the file: 1.1, 1.2, 2.1"):
        r.outcome(3, 1)


def test_reanalysis_matches_metafor():
    r = koppmeta.read_revman(RM5)
    for comparison, outcome, measure, ref in ((1, 1, "RR", REF["bcg"]["first5_RR"]["REML_adhoc"]),
                                               (1, 2, "RR", REF["bcg"]["first5_RR"]["REML_adhoc"]),
                                               (2, 1, "SMD", REF["normand1999"]["SMD"]["REML_adhoc"])):
        fit = koppmeta.analyse(r.outcome(comparison, outcome), measure=measure).fit
        for attr in ("estimate", "se", "ci_low", "ci_high", "tau2"):
            assert close(getattr(fit, attr), ref[attr]), (comparison, outcome, attr)
    iv = r.outcome(1, 2)
    assert all(close(s, math.sqrt(v)) for s, v in zip(iv["sei"], REF["bcg"]["first5_RR"]["REML_z"]["vi"]))


def test_subgroups_of_a_review_can_be_pooled_by():
    r = koppmeta.read_revman(RM5)
    res = koppmeta.analyse(r.outcome(2, 1), measure="SMD", by="subgroup_name", test="z")
    assert set(res.subgroups.groups) == {"Orpington", "Other centres"}
    assert res.subgroups.groups["Orpington"].k == 3


def test_files_that_are_not_reviews_are_named(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        koppmeta.read_revman(tmp_path / "missing.rm5")
    bad = tmp_path / "bad.rm5"
    bad.write_text("study,events1\n", encoding="utf-8")
    with pytest.raises(DataError, match="the file is not XML"):
        koppmeta.read_revman(bad)
    other = tmp_path / "other.rm5"
    other.write_text("<?xml version='1.0'?><REVIEW/>", encoding="utf-8")
    with pytest.raises(DataError, match="root element is not COCHRANE_REVIEW"):
        koppmeta.read_revman(other)
    broken = tmp_path / "broken.rm5"
    broken.write_text(RM5.read_text(encoding="utf-8").replace('EVENTS_1="4"', 'EVENTS_1="four"'), encoding="utf-8")
    with pytest.raises(DataError, match="DICH_DATA STD-BCG-1 EVENTS_1', value 'four': must be a number"):
        koppmeta.read_revman(broken)


def test_a_trial_entered_twice_is_labelled_and_said(tmp_path):
    """Multi-arm trials are entered in RevMan once per pair of arms (seen in public review files)."""
    text = RM5.read_text(encoding="utf-8").replace('STUDY_ID="STD-BCG-2"', 'STUDY_ID="STD-BCG-1"', 1)
    path = tmp_path / "twice.rm5"
    path.write_text(text, encoding="utf-8")
    r = koppmeta.read_revman(path)
    with pytest.warns(UserWarning, match=r"Aronson, 1948 appear\(s\) more than once .* section 23.3.4"):
        table = r.outcome(1, 1)
    assert table["study"].tolist()[:2] == ["Aronson, 1948 (1)", "Aronson, 1948 (2)"]
