"""compare_methods: each row is the library's own result for that method, nothing recomputed."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import koppmeta
from koppmeta import models

RARE = json.loads((Path(__file__).parent / "fixtures" / "metafor_rare.json").read_text(encoding="utf-8"))


def counts_table():
    d = pd.DataFrame(RARE["fits"]["bcg"]["data"])
    es = koppmeta.effect_sizes(d, "RR")
    return es


def test_rows_are_the_library_results():
    es = counts_table()
    cmp = koppmeta.compare_methods("yi", "vi", data=es, labels="label", measure="RR", events1="events1", n1="n1",
                                   events2="events2", n2="n2")
    t = cmp.table.set_index("key")
    fe = koppmeta.meta_analysis("yi", "vi", data=es, method="FE")
    z = koppmeta.meta_analysis("yi", "vi", data=es)
    kh = koppmeta.meta_analysis("yi", "vi", data=es, test="knha")
    assert t.loc["FE", "estimate"] == fe.estimate and math.isnan(t.loc["FE", "pi_low"])
    assert (t.loc["REML-z", ["ci_low", "pi_high"]].tolist() == [z.ci_low, z.pi_high])
    assert (t.loc["REML-HKSJ", ["ci_low", "ci_high", "pi_low"]].tolist() == [kh.ci_low, kh.ci_high, kh.pi_low])
    assert math.isclose(t.loc["MH", "estimate"], RARE["fits"]["bcg"]["mh_RR"]["estimate"], rel_tol=1e-9)
    b = koppmeta.bayesian_meta_analysis("yi", "vi", data=es)
    assert t.loc["Bayes", "estimate"] == b.estimate and t.loc["Bayes", "tau"] == b.tau_median
    assert math.isclose(t.loc["REML-z", "tau"], math.sqrt(z.tau2))
    if "adhoc" in models.TESTS:
        ah = koppmeta.meta_analysis("yi", "vi", data=es, test="adhoc")
        assert t.loc["REML-HKSJ-adhoc", "ci_low"] == ah.ci_low
    else:
        assert math.isnan(t.loc["REML-HKSJ-adhoc", "estimate"]) and "adhoc" in t.loc["REML-HKSJ-adhoc", "note"]
    back = cmp.to_frame().set_index("key")
    assert math.isclose(back.loc["MH", "estimate"], math.exp(t.loc["MH", "estimate"]))
    assert "Mantel-Haenszel" in cmp.summary() and "<table>" in cmp._repr_html_() and "Mantel-Haenszel" in cmp._repr_html_()


def test_partial_counts_and_odds_ratio_rows():
    d = pd.DataFrame(RARE["fits"]["koppmeta_incidence"]["data"])
    es = koppmeta.effect_sizes(d, "OR")
    extra = pd.DataFrame({"yi": [-0.4], "vi": [0.05], "label": ["HR only"]})
    both = pd.concat([es, extra], ignore_index=True)
    cmp = koppmeta.compare_methods("yi", "vi", data=both, labels="label", measure="OR", events1="events1", n1="n1",
                                   events2="events2", n2="n2")
    t = cmp.table.set_index("key")
    assert t.loc["MH", "k"] == 3 and "left out: HR only" in t.loc["MH", "note"]
    assert math.isclose(t.loc["Peto", "estimate"], RARE["fits"]["koppmeta_incidence"]["peto"]["estimate"], rel_tol=1e-9)
    assert t.loc["FE", "k"] == 4


def test_errors():
    with pytest.raises(ValueError, match="all four"):
        koppmeta.compare_methods([0.1, 0.2], [0.1, 0.1], events1=[1, 2])
    with pytest.raises(ValueError, match="reaches below 0"):
        from scipy import stats
        koppmeta.compare_methods([0.1, 0.2], [0.1, 0.1], tau_prior=stats.norm())
