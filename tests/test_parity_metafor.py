"""Parity with R metafor: every estimator x both tests x eight metadat datasets, and escalc.

Expected numbers come from ``tests/fixtures/metafor_reference.json``, written by
``tests/r/make_fixtures.R`` (its ``source`` block names the R, metafor and metadat
versions and the control settings). Nothing here is typed by hand.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import koppmeta
from conftest import close, load_reference

REF = load_reference()
RMA = REF["rma"]
SCALARS = ["estimate", "se", "stat", "pval", "ci_low", "ci_high", "pi_low", "pi_high",
           "tau2", "i2", "h2", "q", "q_pval"]


def _id(e: dict) -> str:
    return f"{e['dataset']}-{e['method']}-{e['test']}"


def test_fixture_covers_every_estimator_and_test():
    combos = {(e["method"], e["test"]) for e in RMA if "error" not in e}
    assert combos == {(m, t) for m in ("FE", "DL", "REML", "ML", "PM", "HE", "SJ", "HS", "EB") for t in ("z", "knha")}
    assert len({e["dataset"] for e in RMA}) >= 5


@pytest.mark.parametrize("entry", [e for e in RMA if "error" not in e], ids=_id)
def test_rma_parity(entry):
    ds = REF["datasets"][entry["dataset"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore" if "warning" in entry else "error")
        fit = koppmeta.meta_analysis(ds["yi"], ds["vi"], method=entry["method"], test=entry["test"],
                                     labels=ds["labels"])
    assert fit.k == entry["k"]
    bad = {s: (getattr(fit, s), entry[s]) for s in SCALARS if not close(getattr(fit, s), entry[s])}
    assert not bad, f"differs from metafor ({entry['r_call']}): {bad}"
    if entry["test"] == "knha":
        assert fit.df == entry["df"]
    np.testing.assert_allclose(fit.weights, entry["weights"], rtol=1e-6, atol=1e-6)
    # metafor's confint() searches the upper tau^2 bound only up to tau2.max = max(100, 10 tau^2) and then
    # reports "> tau2.max"; koppmeta keeps searching, so there its bound must lie beyond metafor's cap.
    capped = entry.get("tau2_ci") is not None and close(entry["tau2_ci"][1], max(100.0, 10 * entry["tau2"]), 1e-12)
    for name in ("tau2_ci", "i2_ci", "h2_ci"):
        ref = entry.get(name)
        got = getattr(fit, name)
        if ref is None:
            assert got is None, f"{name}: metafor gives none, koppmeta gives {got}"
        elif capped:
            assert got is not None and close(got[0], ref[0]) and got[1] >= ref[1], (name, got, ref)
        else:
            assert got is not None and close(got[0], ref[0]) and close(got[1], ref[1]), (
                f"{name}: koppmeta {got} vs metafor {ref} ({entry['r_call']})")


def test_fe_knha_warns_as_metafor():
    entry = next(e for e in RMA if e["method"] == "FE" and e["test"] == "knha")
    assert "Knapp" in entry["warning"]
    ds = REF["datasets"][entry["dataset"]]
    with pytest.warns(UserWarning, match="Knapp-Hartung"):
        koppmeta.meta_analysis(ds["yi"], ds["vi"], method="FE", test="knha")


_ROLE = {"m1i": "m1", "sd1i": "sd1", "n1i": "n1", "m2i": "m2", "sd2i": "sd2", "n2i": "n2",
         "ai": "events1", "bi": "nonevents1", "ci": "events2", "di": "nonevents2"}


@pytest.mark.parametrize("case", REF["escalc"], ids=lambda c: c["case"])
def test_escalc_parity(case):
    data = pd.DataFrame({_ROLE[k]: v for k, v in case["inputs"].items()})
    out = koppmeta.effect_sizes(data, case["measure"], **{r: r for r in data.columns})
    np.testing.assert_allclose(out["yi"], case["yi"], rtol=1e-9, atol=1e-12, err_msg=case["r_call"])
    np.testing.assert_allclose(out["vi"], case["vi"], rtol=1e-9, atol=1e-12, err_msg=case["r_call"])


def test_zero_cell_studies_are_flagged():
    case = next(c for c in REF["escalc"] if c["case"] == "rr_zero_cells")
    data = pd.DataFrame({_ROLE[k]: v for k, v in case["inputs"].items()})
    out = koppmeta.effect_sizes(data, "RR", **{r: r for r in data.columns})
    has_zero = (data[["events1", "nonevents1", "events2", "nonevents2"]] == 0).any(axis=1)
    assert list(out["es_method"].str.contains("zero cell")) == list(has_zero)
