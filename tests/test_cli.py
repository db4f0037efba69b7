"""The koppmeta command line: forest, summary and validate."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from conftest import ROOT
from koppmeta.cli import main


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
