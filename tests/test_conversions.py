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
