"""The explore page (``reports/explore.html``): what it embeds is what koppmeta computes.

The page looks numbers up and draws them; these tests check the data block it carries. A sample of
the selections the filters can make is recomputed here from the trial table with the pipeline's own
functions (:func:`koppmeta.project.evidence.effects_for`, :func:`koppmeta.meta_analysis`) and must match
exactly (JSON keeps every float bit for bit), selections are listed exactly when they hold data,
Dutch numbers carry the decimal comma, and the file is self-contained and small.
The page in a real browser: ``tests/test_explore_browser.py``.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import re

import numpy as np
import pandas as pd
import pytest

import koppmeta
from conftest import ROOT
from koppmeta.project.evidence import effects_for
from koppmeta.project.explore import (
    ALL,
    COMPARISON,
    MAIN_METHOD,
    ROB_INK,
    ROB_TINT,
    SELECTION_FILTERS,
    TRIAL_FILTERS,
    build_explore,
    selection_key,
)
from koppmeta.plotting._common import fmt_interval

SAMPLE = 40  # selections recomputed besides every pooled one
MAX_BYTES = 5_000_000
FIT_FIELDS = ("k", "estimate", "se", "ci_low", "ci_high", "pi_low", "pi_high", "pval", "tau2", "i2", "q")


def page_data(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="koppmeta-data">(.*?)</script>', html, re.S)
    assert m, "the page has no data block"
    return json.loads(m.group(1).replace("<\\/", "</"))


@pytest.fixture(scope="module")
def studies():
    return koppmeta.load_studies()


@pytest.fixture(scope="module")
def page(studies):
    html = build_explore(studies, koppmeta.load_reviews(), lang="en")
    return html, page_data(html)


_EFFECTS: dict = {}


def _recompute(studies, key: str):
    """The trials of a selection as the pipeline selects them (and the rows it could not use)."""
    sel = dict(zip(SELECTION_FILTERS, key.split("|")))
    tp = sel["timepoint"] if sel["timepoint"] in ("longest", "shortest") else float(sel["timepoint"])
    if (id(studies), sel["outcome"], tp) not in _EFFECTS:  # one call per outcome and time point
        eff = effects_for(studies, sel["outcome"], timepoint=tp)
        unused = [e for e, reason in eff.attrs["unused"] if not reason.startswith("time point")]
        rows = studies.set_index("effect_id").loc[unused]
        values = {f: (np.array([None if pd.isna(v) else str(v) for v in eff[f]], object),
                      np.array([None if pd.isna(v) else str(v) for v in rows[f]], object)) for f in TRIAL_FILTERS}
        _EFFECTS[id(studies), sel["outcome"], tp] = (eff, unused, values)
    eff, unused, values = _EFFECTS[id(studies), sel["outcome"], tp]
    keep_e = np.ones(len(eff), bool)
    keep_u = np.ones(len(unused), bool)
    for f in TRIAL_FILTERS:
        if sel[f] != ALL:
            keep_e &= values[f][0] == sel[f]
            keep_u &= values[f][1] == sel[f]
    return eff[keep_e].reset_index(drop=True), [e for e, k in zip(unused, keep_u) if k]


def _sample_keys(data: dict) -> list[str]:
    pooled = [k for k, rid in data["selections"].items() if data["results"][rid]["pooled"]]
    rest = sorted(set(data["selections"]) - set(pooled))
    return pooled + random.Random(20261202).sample(rest, min(SAMPLE, len(rest)))


def test_sample_of_selections_shows_what_koppmeta_computes(page, studies):
    _, data = page
    keys = _sample_keys(data)
    assert any(data["results"][data["selections"][k]]["pooled"] for k in keys), "no selection with two trials to pool"
    for key in keys:
        res = data["results"][data["selections"][key]]
        eff, unused = _recompute(studies, key)
        assert res["effects"] == list(eff["effect_id"]), key
        assert [u["effect_id"] for u in res["unused"]] == unused, key
        assert res["k"] == len(eff)
        for row, (_, e) in zip(res["forest"]["rows"] if res["forest"] else [], eff.iterrows()):
            assert row["y"] == e["yi"]  # the stored effect is the pipeline's, bit for bit
        if len(eff) < 2:
            assert res["pooled"] is None and res["methods"] == []
            continue
        fit = koppmeta.meta_analysis(eff["yi"].to_numpy(), eff["vi"].to_numpy(), measure=eff["measure"][0], **MAIN_METHOD)
        shown = res["pooled"]["values"]
        for name in FIT_FIELDS:
            expected = getattr(fit, name)
            assert shown[name] == (None if isinstance(expected, float) and math.isnan(expected) else expected), (key, name)
        back = math.exp if fit.is_ratio else float
        for lang in ("en", "nl"):
            assert res["pooled"]["text"][lang]["estimate_ci"] == fmt_interval(
                back(fit.estimate), back(fit.ci_low), back(fit.ci_high), 2, lang)
        assert [w for w in (r["weight"] for r in res["forest"]["rows"])] == list(fit.studies["weight"])
        assert [m["key"] for m in res["methods"]] == [f"{m}_{t}" for m, t in COMPARISON]
        for (method, test), row in zip(COMPARISON, res["methods"]):
            other = koppmeta.meta_analysis(eff["yi"].to_numpy(), eff["vi"].to_numpy(), method=method, test=test,
                                           measure=eff["measure"][0])
            assert row["values"]["estimate"] == other.estimate and row["values"]["ci_low"] == other.ci_low
            assert row["values"]["ci_high"] == other.ci_high and row["values"]["pval"] == other.pval, (key, method, test)


def test_selections_are_listed_exactly_when_they_hold_data(page, studies):
    _, data = page
    options = {f["name"]: f["values"] for f in data["filters"]}
    for outcome in options["outcome"]:
        for values in itertools.product(*(options[f] for f in TRIAL_FILTERS)):
            sel = {"outcome": outcome, "timepoint": "longest", **dict(zip(TRIAL_FILTERS, values))}
            key = selection_key(sel)
            eff, unused = _recompute(studies, key)
            assert (key in data["selections"]) == (len(eff) + len(unused) > 0), key


def test_filter_values_come_from_the_data(page, studies):
    _, data = page
    options = {f["name"]: f["values"] for f in data["filters"]}
    assert set(options["outcome"]) == set(studies["outcome"].dropna())
    for f in TRIAL_FILTERS:
        assert set(options[f]) == {ALL} | set(studies[f].dropna().astype(str)), f
    for f in data["filters"]:
        for lang in ("en", "nl"):
            assert set(f["labels"][lang]) == set(f["values"]) and all(f["labels"][lang].values()), (f["name"], lang)


def test_new_columns_rows_and_codes_do_not_break_the_page(studies):
    """The data grow: an extra column, a new trial with a new disorder code; the page follows the data."""
    small = studies[studies["outcome"] == "incidence"].copy()
    small["rob_randomisation"] = "low"
    extra = small.iloc[[0]].copy()
    extra["effect_id"], extra["study_id"], extra["parent_disorder"] = "newtrial2030-incidence", "newtrial2030", "eating_disorder"
    grown = pd.concat([small, extra], ignore_index=True)
    data = page_data(build_explore(grown, koppmeta.load_reviews()))
    options = {f["name"]: f for f in data["filters"]}
    assert "eating_disorder" in options["parent_disorder"]["values"]
    assert options["parent_disorder"]["labels"]["nl"]["eating_disorder"] == "eating disorder"  # the code, no crash
    key = selection_key({"outcome": "incidence", "timepoint": "longest", "intervention_type": ALL,
                         "parent_disorder": "eating_disorder", "child_age": ALL, "risk_of_bias": ALL})
    assert key in data["selections"]


def test_dutch_numbers_use_the_decimal_comma(page):
    _, data = page
    point = re.compile(r"\d\.\d")
    texts = []
    for res in data["results"]:
        if res["pooled"]:
            texts += list(res["pooled"]["text"]["nl"].values())
            texts += [v for m in res["methods"] for v in m["text"]["nl"].values()]
        for row in (res["forest"] or {}).get("rows", []):
            texts.append(row["text"]["nl"])
        if res["forest"]:
            texts += res["forest"]["axis"]["labels"]["nl"]
    for row in data["rows"].values():
        texts += [n["nl"] for n in row["numbers"].values()]
    texts += list(data["ui"]["nl"].values())
    assert texts and not [t for t in texts if point.search(t)]
    assert any("," in t for t in texts)


def test_page_is_self_contained_and_small(page):
    html, _ = page
    assert len(html.encode("utf-8")) < MAX_BYTES
    head = html.split('<script type="application/json"')[0]
    assert not re.search(r"<(script|img|iframe)[^>]*\ssrc=|<link\b|@import|url\(", head), "the page loads something from outside"
    assert "http" not in head


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two sRGB colours (#rrggbb)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_risk_of_bias_marks_meet_wcag_aa():
    assert round(contrast("#000000", "#ffffff"), 2) == 21.0 and contrast("#777777", "#ffffff") < 4.5  # the formula
    for level, ink in ROB_INK.items():
        assert contrast(ink, ROB_TINT[level]) >= 4.5, level


def test_command_line_writes_the_page(tmp_path):
    from koppmeta.project.cli import main

    import csv

    with open(ROOT / "data" / "studies.csv", encoding="utf-8", newline="") as fh:  # the incidence rows: quicker
        rows = list(csv.reader(fh))
    small = tmp_path / "studies.csv"
    with open(small, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([rows[0]] + [r for r in rows[1:] if r[rows[0].index("outcome")] == "incidence"])
    out = tmp_path / "sub" / "explore_nl.html"
    assert main(["explore", "--lang", "nl", "--output", str(out), "--data", str(small)]) == 0
    html = out.read_text(encoding="utf-8")
    data = page_data(html)
    assert '<html lang="nl">' in html and data["ui"]["nl"]["title"] in html
    assert [f["values"] for f in data["filters"] if f["name"] == "outcome"] == [["incidence"]]
