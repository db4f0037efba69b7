"""The koppmeta command line: forest, summary and validate."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest

from conftest import ROOT
from koppmeta.project.cli import main


def test_forest_writes_a_pdf(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "x.pdf"
    assert main(["forest", "--output", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")


def test_forest_unknown_outcome_lists_valid_ones(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    with pytest.raises(SystemExit) as info:
        main(["forest", "--outcome", "anxiety", "--output", str(tmp_path / "y.png")])
    assert "unknown outcome 'anxiety'" in str(info.value) and "anxiety_symptoms" in str(info.value)


def test_summary_formats(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["summary", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("outcome,measure,k,estimate") and "incidence,RR" in out
    assert main(["summary", "--format", "markdown", "--test", "knha"]) == 0
    assert capsys.readouterr().out.startswith("| outcome | measure |")


def test_validate_reports_broken_file(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    shutil.copy(ROOT / "data" / "datapackage.json", tmp_path / "datapackage.json")
    df = pd.read_csv(ROOT / "data" / "studies.csv", dtype=str, keep_default_na=False)
    df.loc[0, "design"] = "RCTX"
    bad = tmp_path / "studies.csv"
    df.to_csv(bad, index=False)
    assert main(["validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "column 'design', value 'RCTX': unknown code" in err
    assert main(["validate"]) == 0


# --- command-line defects: each message names the real cause, nothing happens silently ---------------------------


def test_version(capsys):
    import koppmeta

    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out.strip() == f"koppmeta {koppmeta.__version__}"


def test_help_lists_outcome_codes_and_examples(capsys):
    from koppmeta.project.data import read_schema

    codes = next(f for f in read_schema("studies")["fields"] if f["name"] == "outcome")["constraints"]["enum"]
    for argv in (["--help"], ["forest", "--help"]):
        with pytest.raises(SystemExit):
            main(argv)
        out = " ".join(capsys.readouterr().out.split())
        assert all(code in out for code in codes) and "examples:" in out


@pytest.mark.parametrize("name", ["x.jpg", "x.final"])
def test_forest_unknown_suffix_is_refused(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        main(["forest", "--output", name])
    assert "unknown file type" in str(info.value) and ".pdf, .png, .svg" in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_forest_does_not_create_folders(tmp_path):
    target = tmp_path / "nonexistent" / "x.png"
    with pytest.raises(SystemExit) as info:
        main(["forest", "--output", str(target)])
    assert "does not exist; create it first" in str(info.value) and not target.parent.exists()


def test_missing_data_file_is_a_message_not_a_traceback(tmp_path):
    for argv in (["forest", "--output", str(tmp_path / "x.png")], ["summary"]):
        with pytest.raises(SystemExit) as info:
            main([*argv, "--data", str(tmp_path / "nofile.csv")])
        assert "nofile.csv': no such file" in str(info.value)


def test_timepoint_without_trials_names_the_time_points_that_have_them(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    from koppmeta.project.evidence import effects_for

    studies = koppmeta_load()
    usable = sorted({float(m) for m in studies.loc[studies["outcome"] == "incidence", "timepoint_months"].dropna()
                     if len(effects_for(studies, "incidence", timepoint=float(m)))})
    with pytest.raises(SystemExit) as info:
        main(["forest", "--timepoint", "99", "--output", str(tmp_path / "x.png")])
    msg = str(info.value)
    assert "no trial reports outcome 'incidence' at 99 months" in msg
    assert all((f"{m:g}" in msg) for m in usable if m) and "usable numbers" in msg
    with pytest.raises(SystemExit, match="give 'longest', 'shortest' or a number of months"):
        main(["forest", "--timepoint", "soon", "--output", str(tmp_path / "x.png")])


def koppmeta_load():
    import koppmeta

    return koppmeta.load_studies()


def test_forest_by_column_with_one_value_says_so(tmp_path):
    """--by risk_of_bias on the shipped incidence trials: one judgement only, said as such."""
    from koppmeta.project.evidence import effects_for

    eff = effects_for(koppmeta_load(), "incidence")
    out = tmp_path / "x.png"
    if eff["risk_of_bias"].nunique() < 2:
        with pytest.raises(SystemExit) as info:
            main(["forest", "--by", "risk_of_bias", "--output", str(out)])
        assert "one group leaves nothing to compare" in str(info.value)
    else:  # pragma: no cover - once the data hold two judgements the plot is drawn
        assert main(["forest", "--by", "risk_of_bias", "--output", str(out)]) == 0
    assert main(["forest", "--by", "intervention_type", "--output", str(out)]) == 0 and out.is_file()


def test_summary_says_what_it_did_not_pool_and_prints_percentages(capsys):
    from koppmeta.project.evidence import effects_for

    studies = koppmeta_load()
    few = [o for o in sorted(studies["outcome"].dropna().unique()) if len(effects_for(studies, o)) < 2]
    assert main(["summary"]) == 0
    out = capsys.readouterr().out
    for outcome in few:
        assert f"not pooled: {outcome} (k = " in out
    pooled = [ln for ln in out.splitlines() if ln.strip().startswith("incidence")]
    assert pooled and re.search(r"\d+\.\d%", pooled[0])
    assert main(["summary", "--format", "csv"]) == 0
    cap = capsys.readouterr()
    assert "i2_percent" in cap.out.splitlines()[0] and all(f"not pooled: {o}" in cap.err for o in few)


def test_reproduce_outside_a_clone_is_a_message(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KOPPMETA_ROOT", raising=False)
    with pytest.raises(SystemExit, match="needs a clone of the repository"):
        main(["reproduce"])


def test_validate_semicolon_file_gets_a_hint(tmp_path, capsys):
    text = (ROOT / "data" / "studies.csv").read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "studies.csv"
    bad.write_text("\n".join([text[0].replace(",", ";"), *text[1:3]]) + "\n", encoding="utf-8")
    assert main(["validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "header (line 1)" in err and "looks semicolon-separated" in err


def test_forest_in_dutch_names_outcome_groups_and_time_points_in_dutch(tmp_path, monkeypatch):
    """The title, the group names and the time-point column come from the translation table (no codes, no
    file path); the figure itself is drawn by the library as before."""
    import koppmeta.plotting as plotting
    from koppmeta import translations as tr

    seen = {}
    real = plotting.forest_plot

    def spy(result, **kw):
        seen.update(kw)
        return real(result, **kw)

    monkeypatch.setattr(plotting, "forest_plot", spy)
    assert main(["forest", "--by", "intervention_type", "--lang", "nl", "--output", str(tmp_path / "nl.png")]) == 0
    assert seen["title"] == ("Nieuwe stoornis bij het kind per type interventie: de verzamelde studies "
                             "(ad-hoc-toets van Hartung-Knapp)")
    assert seen["group_labels"] == {"child": tr.term("intervention_type", "child", "nl"),
                                    "family": tr.term("intervention_type", "family", "nl")}
    months = list(seen["columns"]["Maanden"])
    assert "nameting" in months and "post" not in months and "data/" not in seen["title"]
    assert main(["forest", "--output", str(tmp_path / "en.png")]) == 0
    assert seen["title"] == "New disorder in the child: the curated trials (ad hoc Hartung-Knapp test)"
    assert "Months" in seen["columns"]
