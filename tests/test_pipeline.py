"""The project's analysis pipeline: the same numbers as the library calls it stands for, and a reason in
words for everything it does not pool."""

from __future__ import annotations

import numpy as np
import pytest

import koppmeta
from koppmeta.project import pipeline


@pytest.fixture(scope="module")
def studies():
    return koppmeta.load_studies()


def test_analyse_outcome_is_the_library_fit(studies):
    inc = koppmeta.effects_for(studies, "incidence")
    res = pipeline.analyse_outcome(studies, "incidence", method="DL", test="knha")
    ref = koppmeta.meta_analysis("yi", "vi", data=inc, labels="citation", measure="RR", method="DL", test="knha")
    assert (res.fit.estimate, res.fit.ci_low, res.fit.tau2) == (ref.estimate, ref.ci_low, ref.tau2)
    assert res.pooled["estimate"] == pytest.approx(np.exp(ref.estimate), rel=1e-15)
    assert res.pooled["ci_high"] == pytest.approx(np.exp(ref.ci_high), rel=1e-15) and res.result is res.fit


def test_subgroups_and_the_reasons_when_there_are_none(studies):
    by_type = pipeline.analyse_outcome(studies, "incidence", by="intervention_type")
    assert set(by_type.subgroups.groups) == {"child", "family"} and by_type.result is by_type.subgroups
    by_rob = pipeline.analyse_outcome(studies, "incidence", by="risk_of_bias")
    assert by_rob.subgroups is None and by_rob.fit is not None
    assert any("one group leaves nothing to compare" in m for m in by_rob.messages)
    knha = pipeline.analyse_outcome(studies, "incidence", by="intervention_type", test="knha")
    assert knha.subgroups is not None  # two or more trials per type
    none = pipeline.analyse_outcome(studies, "incidence", exclude_approximate=True)
    n_inc = len(koppmeta.effects_for(studies, "incidence"))  # every incidence effect is approximate
    assert none.fit is None and none.k == 0 and len(none.excluded) == n_inc and "Excluded as approximate" in none.messages[0]
    one = pipeline.analyse_outcome(studies, "parent_symptoms", test="knha", min_k=1)  # one trial with numbers
    assert one.fit is None and "needs at least 2" in one.messages[-1]
    empty = pipeline.analyse_outcome(studies, "parenting")
    assert empty.fit is None and "no trial has usable numbers" in empty.messages[0]


def test_pooled_summary_says_what_it_left_out(studies):
    table, notes = pipeline.pooled_summary(studies, test="knha")
    usable = {o for o in set(studies["outcome"]) if len(koppmeta.effects_for(studies, o)) >= 2}
    assert set(table["outcome"]) == usable and "incidence" in usable
    fit = koppmeta.meta_analysis(*koppmeta.effects_for(studies, "incidence")[["yi", "vi"]].T.to_numpy(), test="knha")
    inc = table.set_index("outcome").loc["incidence"]
    assert inc["estimate"] == pytest.approx(np.exp(fit.estimate), rel=1e-15)
    pooled_or_noted = set(table["outcome"]) | {n.split("(")[0].replace("not pooled:", "").strip() for n in notes}
    assert set(studies["outcome"]) <= pooled_or_noted


def test_method_comparison_for_few_trials(studies):
    inc = koppmeta.effects_for(studies, "incidence")
    rows = dict(pipeline.method_comparison(inc))
    assert list(rows) == ["m_fe", "m_z", "m_hk", "m_adhoc"]
    assert rows["m_adhoc"].test == "adhoc" and rows["m_hk"].test == "knha"
    # the ad hoc interval is never narrower than the z interval
    assert rows["m_adhoc"].ci_high - rows["m_adhoc"].ci_low >= rows["m_z"].ci_high - rows["m_z"].ci_low


def test_display_frame_back_transforms_once(studies):
    inc = koppmeta.effects_for(studies, "incidence")
    sub = koppmeta.subgroup_analysis("yi", "vi", "intervention_type", data=inc, labels="citation", measure="RR")
    shown, raw = pipeline.display_frame(sub), sub.to_frame()
    np.testing.assert_array_equal(shown["estimate"], np.exp(raw["estimate"]))
    np.testing.assert_array_equal(shown["tau2"], raw["tau2"])


def test_worst_rating_by_outcome(studies):
    worst = pipeline.worst_rating_by_outcome(studies)
    assert worst["study_id"].is_unique and set(studies["outcome"]) <= set(worst.columns)
    for (sid, outcome), ratings in studies.groupby(["study_id", "outcome"])["risk_of_bias"]:
        expected = max(ratings, key=pipeline.SEVERITY.__getitem__)
        assert worst.set_index("study_id").loc[sid, outcome] == expected


def test_findings_export_and_control_risks(studies):
    base = pipeline.control_risks(studies, "incidence")
    assert list(base["percent2"]) == sorted(base["percent2"]) and base["trial"].notna().all()
    inc = koppmeta.effects_for(studies, "incidence")
    rows = studies.set_index("effect_id").loc[inc["effect_id"]]
    known = rows["n1"].notna().to_numpy() & rows["n2"].notna().to_numpy()
    assert not known.all() and np.isnan(pipeline.participants(studies, inc))  # unknown stays unknown
    assert pipeline.participants(studies, inc[known]) == float((rows["n1"].astype(float) + rows["n2"].astype(float))[known].sum())
    fit = koppmeta.meta_analysis("yi", "vi", data=inc, labels="citation", measure="RR", test="knha")
    sof = koppmeta.summary_of_findings({"reanalysis": fit}, baseline_risks=[(0.288, "Clarke 2001")],
                                       rob={"reanalysis": list(inc["risk_of_bias"])})
    names = {"reanalysis": {"en": "Re-analysis", "nl": "Heranalyse"}}
    en, nl = pipeline.findings_export(sof, names, "en"), pipeline.findings_export(sof, names, "nl")
    assert len(en.columns) == len(pipeline.SOF_EXPORT_COLUMNS) and en.iloc[0, 0] == "Re-analysis"
    assert nl.iloc[0, 0] == "Heranalyse" and "zekerheid" in nl.columns
    assert en.iloc[0][en.columns[13]] == round(sof.to_frame()["nnt"].iloc[0], 4)


def test_forest_options_are_those_of_koppmeta_forest(studies, tmp_path, monkeypatch):
    """Notebook 10 draws its forest with forest_options: the same title, columns, lights and group names as the
    command line, in either language, and the default test is the command line's (ad hoc Hartung-Knapp)."""
    import koppmeta.plotting as plotting
    from koppmeta.project.cli import main

    seen = {}
    real = plotting.forest_plot

    def spy(result, **kw):
        seen.clear()
        seen.update(kw, result=result)
        return real(result, **kw)

    monkeypatch.setattr(plotting, "forest_plot", spy)
    for lang, by in (("nl", "intervention_type"), ("en", None)):
        argv = ["forest", "--lang", lang, "--output", str(tmp_path / f"{lang}.png")] + (["--by", by] if by else [])
        assert main(argv) == 0
        res = pipeline.analyse_outcome(studies, "incidence", by=by)
        assert res.settings["test"] == "adhoc" and seen["result"].test == "adhoc"
        opts = pipeline.forest_options(res, lang)
        assert opts["title"] == seen["title"] and opts["rob"] == seen["rob"]
        assert opts["columns"].equals(seen["columns"]) and opts.get("group_labels") == seen.get("group_labels")
