"""Conversions of reported results to effect sizes, against metafor (tests/r/make_fixtures_conversions.R ->
tests/fixtures/metafor_conversions.json)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import koppmeta

REF = json.loads((Path(__file__).parent / "fixtures" / "metafor_conversions.json").read_text(encoding="utf-8"))
NM = REF["normand1999"]


def test_smd_from_a_reported_d_matches_metafor_escalc_di():
    out = koppmeta.smd_from_d(NM["d"], NM["n1"], NM["n2"])
    np.testing.assert_allclose(out["yi"], NM["from_d"]["yi"], rtol=1e-12, atol=0)
    np.testing.assert_allclose(out["vi"], NM["from_d"]["vi"], rtol=1e-12, atol=0)
    assert out["es_method"].str.contains("exact correction").all()


def test_an_already_corrected_g_keeps_its_value_and_gets_metafors_variance():
    out = koppmeta.smd_from_d(NM["from_means"]["yi"], NM["n1"], NM["n2"], kind="g")
    np.testing.assert_array_equal(out["yi"], NM["from_means"]["yi"])
    np.testing.assert_allclose(out["vi"], NM["from_means"]["vi"], rtol=1e-12, atol=0)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="kind must be 'd'"):
        koppmeta.smd_from_d([0.3], [20], [20], kind="SMD")
    with pytest.raises(ValueError, match="n2"):
        koppmeta.smd_from_d([0.3], [20], [1], labels=["Trial A"])


def test_from_p_gives_the_variance_of_the_wald_test_with_that_p():
    ref = REF["from_p"]
    out = koppmeta.from_p(ref["rr"], ref["p"], ratio=True)
    np.testing.assert_allclose(out["yi"], ref["yi"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(out["vi"], ref["vi"], rtol=1e-12, atol=0)
    np.testing.assert_allclose(out["vi"], ref["vi_escalc"], rtol=1e-9, atol=0)  # the round trip from escalc's variance
    diff = koppmeta.from_p(np.array(ref["yi"]), ref["p"], ratio=False)
    np.testing.assert_allclose(diff["vi"], ref["vi"], rtol=1e-12, atol=0)


def test_from_p_refuses_what_gives_no_standard_error():
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        koppmeta.from_p([0.5], [1.0], ratio=True, labels=["Trial A"])
    with pytest.raises(ValueError, match="Trial B.*is the null"):
        koppmeta.from_p([1.0], [0.3], ratio=True, labels=["Trial B"])
