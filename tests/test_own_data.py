"""Your own trials: `koppmeta analyse` and `koppmeta template` on a researcher's own file.

Reference numbers: metafor 3.8-1 on metadat's dat.bcg and dat.normand1999, typed into the short
layout a researcher would use (tests/r/make_fixtures_own_data.R -> tests/fixtures/metafor_own_data.json).
"""

from __future__ import annotations

import io
import json
import math
import re

import pandas as pd
import pytest

import koppmeta
from conftest import FIXTURES, close
from koppmeta.project.cli import main
from koppmeta.project.data import DataError
from koppmeta.effects.own_data import HEADERS, KINDS, OwnDataError, analyse, read_trials, template, template_csv, write_template

REF = json.loads((FIXTURES / "metafor_own_data.json").read_text(encoding="utf-8"))
BCG, NORMAND = REF["bcg"], REF["normand1999"]


def _rows(data: dict, cols: list[str], n: int | None = None) -> list[list]:
    k = len(data[cols[0]]) if n is None else n
    return [[data[c][i] for c in cols] for i in range(k)]


def _write(path, header: list[str], rows: list[list], sep: str = ",", decimal: str = "."):
    def cell(v):
        if isinstance(v, float):
            s = f"{v:.17g}"
            return s.replace(".", ",") if decimal == "," else s
        return str(v)

    path.write_text("\n".join([sep.join(header)] + [sep.join(cell(v) for v in r) for r in rows]) + "\n", encoding="utf-8")
    return path


def _same_fit(fit, ref: dict) -> None:
    for attr in ("estimate", "se", "pval", "ci_low", "ci_high", "tau2", "i2", "q"):
        assert close(getattr(fit, attr), ref[attr]), (attr, getattr(fit, attr), ref[attr])
    if ref.get("pi_low") is not None:
        assert close(fit.pi_low, ref["pi_low"]) and close(fit.pi_high, ref["pi_high"])


def _bcg5_dutch(tmp_path):
    header = ["studie", "jaar", "gebeurtenissen1", "n1", "gebeurtenissen2", "n2"]
    rows = _rows(BCG["data"], ["study", "year", "events1", "n1", "events2", "n2"], 5)
    rows = [[str(r[0]).replace(",", ""), *[int(x) for x in r[1:]]] for r in rows]
    return _write(tmp_path / "mijn_trials.csv", header, rows, sep=";")


def test_semicolon_file_with_dutch_headers_matches_metafor(tmp_path):
    res = analyse(_bcg5_dutch(tmp_path), measure="RR", lang="nl")
    assert res.info.separator == ";" and res.info.dutch_headers and res.fit.k == 5
    assert res.fit.test == "adhoc" and res.fit.method == "REML"  # the default for few trials
    _same_fit(res.fit, BCG["first5_RR"]["REML_adhoc"])
    rows = {(m, t): r for m, t, r in zip(res.comparison["method"], res.comparison["test"], res.comparison.to_dict("records"))}
    for key in ("REML_z", "REML_knha", "REML_adhoc", "DL_z", "FE_z"):
        ref = BCG["first5_RR"][key]
        row = rows[(ref["method"], ref["test"])]
        assert close(row["estimate"], ref["estimate"]) and close(row["ci_low"], ref["ci_low"]) and close(row["ci_high"], ref["ci_high"])
        if ref.get("pi_low") is not None:
            assert close(row["pi_low"], ref["pi_low"]) and close(row["pi_high"], ref["pi_high"])
    assert rows[("REML", "adhoc")]["chosen"] and not rows[("REML", "knha")]["chosen"]


def test_decimal_commas_are_detected_and_said(tmp_path):
    ref = BCG["first5_RR"]["REML_adhoc"]
    rows = [[f"Trial {i + 1}", y, v] for i, (y, v) in enumerate(zip(ref["yi"], ref["vi"]))]
    path = _write(tmp_path / "yi.csv", ["study", "yi", "vi"], rows, sep=";", decimal=",")
    res = analyse(path, measure="RR")
    assert res.info.decimal == ","
    _same_fit(res.fit, ref)
    text = res.summary()
    assert "separator semicolon ';', decimal comma" in text and "Measure: RR (risk ratio), as requested." in text


def test_xlsx_means_smd_and_md_match_metafor(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    cols = ["study", "m1", "sd1", "n1", "m2", "sd2", "n2"]
    ws.append(cols)
    for r in _rows(NORMAND["data"], cols):
        ws.append(r)
    path = tmp_path / "normand.xlsx"
    wb.save(path)
    smd = analyse(path, measure="SMD")
    assert smd.info.kind == "xlsx" and smd.fit.k == 9
    _same_fit(smd.fit, NORMAND["SMD"]["REML_adhoc"])
    _same_fit(analyse(path, measure="MD", test="z").fit, NORMAND["MD"]["REML_z"])
    inferred = analyse(path)  # no --measure: SMD for means, and said
    assert inferred.measure == "SMD" and any("chosen for means" in n for n in inferred.notes)


def test_subgroups_by_a_column_of_the_file(tmp_path):
    header = ["study", "events1", "n1", "events2", "n2", "allocation"]
    rows = [[s.replace(",", ""), int(a), int(b), int(c), int(d), g]
            for s, a, b, c, d, g in _rows(BCG["data"], ["study", "events1", "n1", "events2", "n2", "alloc"])]
    res = analyse(_write(tmp_path / "bcg.csv", header, rows), by="allocation", test="z")
    ref = BCG["by_alloc"]
    for g in ref["groups"]:
        fit = res.subgroups.groups[g["group"]]
        assert fit.k == g["k"] and close(fit.estimate, g["estimate"]) and close(fit.tau2, g["tau2"])
    assert close(res.subgroups.q_between, ref["q_between"]) and res.subgroups.q_between_df == ref["q_between_df"]
    assert "By allocation" in res.summary() and "Test for subgroup differences" in res.summary()


def test_example_template_holds_the_bcg_trials_and_analyses_like_metafor(tmp_path):
    ex = template("counts", example=True)
    assert list(ex["study"]) == BCG["data"]["study"]
    path = tmp_path / "example.csv"
    path.write_text(template_csv("counts", example=True), encoding="utf-8")
    _same_fit(analyse(path).fit, BCG["all_RR"]["REML_adhoc"])
    nl = tmp_path / "voorbeeld.xlsx"
    write_template(nl, "counts", lang="nl", example=True)
    _same_fit(analyse(nl, lang="nl").fit, BCG["all_RR"]["REML_adhoc"])


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("lang", ["en", "nl"])
def test_templates_are_read_back(tmp_path, kind, lang):
    """An empty template is recognised (only 'no rows' is missing); its headers are the language's."""
    assert list(template(kind, lang=lang).columns) == [HEADERS[lang][c] for c in KINDS[kind]]
    for suffix in ("csv", "xlsx"):
        path = write_template(tmp_path / f"t_{kind}_{lang}.{suffix}", kind, lang=lang)
        with pytest.raises(OwnDataError) as info:
            read_trials(path, lang=lang)
        assert len(info.value.problems) == 1
        assert info.value.problems[0].rule == ("the file has a header but no rows with data" if lang == "en"
                                               else "het bestand heeft een kopregel maar geen rijen met gegevens")


def test_every_problem_at_once_with_file_row_column_value_and_rule(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("study,events1,n1,events2,n2\nA,4,45,14,49\nB,x,159,52,157\nC,60,50,8,52\nD,3,-5,9,55\nA,2,60,5,59\n",
                    encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_trials(path)
    got = {(p.row, p.column, p.value) for p in info.value.problems}
    assert got == {(2, "events1", "x"), (3, "events1", "60"), (4, "n1", "-5"), (5, "study", "A")}
    assert all(p.file == str(path) and p.line == p.row + 1 for p in info.value.problems)
    assert "bad.csv, row 3 (line 4), column 'events1', value '60': events cannot exceed the group size n1 = 50" in str(info.value)


def test_rows_without_numbers_are_listed_with_why(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("study,events1,n1,events2,n2\nA,4,45,14,49\nB,33,159,,157\nC,3,50,8,52\nD,,,,\n,,,,\n", encoding="utf-8")
    res = analyse(path)
    assert res.fit.k == 2 and res.info.empty_rows == 1
    assert res.unused == [(2, "B", "events2 empty; a row needs all of events1, n1, events2, n2"),
                          (4, "D", "no complete set of numbers (counts, means, yi/vi, yi/sei or estimate with interval)")]
    text = res.summary()
    assert "Not analysable (2 row(s), left out of the analysis):" in text and "row 2 (B): events2 empty" in text
    assert "1 empty row(s) ignored." in text


def test_decimal_comma_in_a_comma_separated_file_gets_a_hint(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("study,m1,sd1,n1,m2,sd2,n2\nA,1,5,0,9,20,2,1,1,0,22\n", encoding="utf-8")
    with pytest.raises(DataError, match="row has 11 cells but the header has 7 columns .a decimal comma"):
        read_trials(path)


def test_mixed_decimal_marks_are_named(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("study;m1;sd1;n1;m2;sd2;n2\nA;1,5;0,9;20;2,1;1,0;22\nB;1.4;0,8;25;2,0;1,1;24\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_trials(path, lang="nl")
    assert str(info.value).endswith("x.csv, rij 2 (regel 3), kolom 'm1', waarde '1.4': moet een getal zijn; "
                                    "het bestand gebruikt elders een decimaalkomma")


def test_one_column_header_names_the_separator(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("study|events1|n1|events2|n2\nA|1|2|3|4\n", encoding="utf-8")
    with pytest.raises(DataError, match="no complete set of columns"):
        read_trials(path)


@pytest.mark.parametrize("rows,expected,word", [
    ("A,0.60,0.45,0.79\nB,0.80,0.50,1.28\nC,0.50,0.20,1.25\n", "RR", "symmetric on the log scale"),
    ("A,-0.22,-0.37,-0.07\nB,-0.10,-0.30,0.10\n", "SMD", "symmetric around the estimates"),
])
def test_measure_inferred_from_estimates_and_said(tmp_path, rows, expected, word):
    path = tmp_path / "e.csv"
    path.write_text("study,estimate,ci_low,ci_high\n" + rows, encoding="utf-8")
    res = analyse(path)
    assert res.measure == expected and any(word in n for n in res.notes)


def test_dutch_summary_is_dutch(tmp_path):
    res = analyse(_bcg5_dutch(tmp_path), measure="RR", lang="nl")
    text = res.summary() + res.summary("markdown")
    for english in ("Read", "Pooled", "Measure", "row", "method", "prediction", "Heterogeneity", "trials", "to",
                    "test", "used", "group", "Common", "Few", "CI", "Figure", "Warning"):
        assert not re.search(rf"\b{english}\b", text, re.I), english
    assert "RR 0," in text and "95%-BI" in text and "toets van Hartung-Knapp" in text
    csv = res.summary("csv")
    assert csv.splitlines()[0] == "methode;k;schatting;bi_onder;bi_boven;p;tau2;pi_onder;pi_boven;gebruikt"
    back = pd.read_csv(io.StringIO(csv), sep=";", decimal=",")
    chosen = back[back["gebruikt"] == "ja"].iloc[0]
    ref = BCG["first5_RR"]["REML_adhoc"]
    assert close(chosen["schatting"], math.exp(ref["estimate"])) and close(chosen["pi_boven"], math.exp(ref["pi_high"]))


def test_forest_figure_names_the_test(tmp_path):
    res = analyse(_bcg5_dutch(tmp_path), measure="RR", lang="nl")
    fig = res.forest()
    assert fig.texts or fig.axes
    titles = [t.get_text() for ax in fig.axes for t in ax.texts] + [t.get_text() for t in fig.texts]
    assert any("toets van Hartung-Knapp" in t for t in titles)


def test_forest_shows_the_arm_numbers_of_the_file(tmp_path):
    """Events / total per arm as RevMan shows them, from the file's own numbers; a trial given as an estimate has
    empty arm cells, and the pooled row shows totals only when every trial has them."""
    res = analyse(_bcg5_dutch(tmp_path), measure="RR", lang="nl")
    data = BCG["data"]
    tx = {t.get_gid(): t.get_text() for ax in res.forest().axes for t in ax.texts if t.get_gid()}
    for i in range(5):
        assert tx[f"study-{i}-arm1-events"] == str(int(data["events1"][i]))
        assert tx[f"study-{i}-arm2-total"] == str(int(data["n2"][i]))
    assert tx["overall-arm1-total"] == str(int(sum(data["n1"][:5])))
    assert tx["header-arm1-events"] == "Gebeurtenissen"
    assert "…" not in tx["overall-label"] and "REML" in tx["overall-label"]  # whole where the arm columns leave little room
    mixed = _write(tmp_path / "mixed.csv", ["study", "events1", "n1", "events2", "n2", "estimate", "ci_low", "ci_high"],
                   [["A", 5, 50, 10, 50, "", "", ""], ["B", "", "", "", "", 0.7, 0.5, 0.98]])
    tx = {t.get_gid(): t.get_text() for ax in analyse(mixed, measure="RR").forest().axes for t in ax.texts if t.get_gid()}
    assert tx["study-0-arm1-events"] == "5" and tx.get("study-1-arm1-events", "") == ""
    assert "overall-arm1-events" not in tx


def test_cli_analyse_writes_the_figure_and_prints(tmp_path, capsys, monkeypatch):
    path = _bcg5_dutch(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["analyse", str(path), "--measure", "RR", "--lang", "nl", "--output", "fig.pdf"]) == 0
    out = capsys.readouterr().out
    assert "Gepoold resultaat (k = 5" in out and "Figuur: fig.pdf" in out
    assert (tmp_path / "fig.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("output,message", [
    ("fig.jpg", "unknown file type '.jpg'; use .pdf, .png, .svg"),
    ("no_such_folder/fig.png", "the folder no_such_folder does not exist; create it first"),
])
def test_cli_analyse_output_is_checked_first(tmp_path, monkeypatch, output, message):
    path = _bcg5_dutch(tmp_path)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        main(["analyse", str(path), "--output", output])
    assert message in str(info.value)
    assert not (tmp_path / "no_such_folder").exists() and not list(tmp_path.glob("fig*"))


def test_cli_analyse_broken_file_exit_1_without_traceback(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("study;events1;n1;events2;n2\nA;4;3;1;10\nB;x;10;2;10\n", encoding="utf-8")
    assert main(["analyse", str(path)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "2 problem(s) in" in err and "value 'x': must be a number" in err
    assert main(["analyse", str(tmp_path / "missing.csv")]) == 1
    assert "missing.csv: no such file" in capsys.readouterr().err


def test_cli_template_writes_csv_and_explains_columns(capsys, tmp_path, monkeypatch):
    assert main(["template", "--kind", "means", "--lang", "nl"]) == 0
    cap = capsys.readouterr()
    assert cap.out.strip() == ";".join(HEADERS["nl"][c] for c in KINDS["means"])
    assert "gemiddelde1" in cap.err and "interventiegroep" in cap.err
    monkeypatch.chdir(tmp_path)
    assert main(["template", "--kind", "counts", "--xlsx"]) == 0
    assert (tmp_path / "template_counts.xlsx").is_file()
    with pytest.raises(SystemExit, match="exists"):
        main(["template", "--kind", "counts", "--xlsx"])


def test_library_function_is_public():
    assert koppmeta.analyse is analyse and koppmeta.read_trials is read_trials
    assert isinstance(template("estimates"), pd.DataFrame)


def test_readme_your_own_trials_example_is_real(tmp_path, capsys, monkeypatch):
    from conftest import ROOT

    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Your own trials")[1].split("\n## ")[0]
    shown = re.search(r"```text\n(.*?)```", section, re.S).group(1).strip().splitlines()
    monkeypatch.chdir(tmp_path)
    assert main(["template", "--kind", "counts", "--example"]) == 0
    (tmp_path / "bcg.csv").write_text(capsys.readouterr().out, encoding="utf-8")
    assert main(["analyse", "bcg.csv", "--output", "bcg.png"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert all(line in out for line in shown) and (tmp_path / "bcg.png").is_file()


def test_method_comparison_agrees_with_compare_methods(tmp_path):
    """The analyse table (labels in the user's language) gives the numbers koppmeta.compare_methods gives."""
    res = analyse(_bcg5_dutch(tmp_path), measure="RR", lang="nl")
    assert "REML, z-toets" in res.comparison["label"].tolist()
    assert res.comparison["chosen"].sum() == 1
    ref = koppmeta.compare_methods(res.fit.yi, res.fit.vi, measure="RR").to_frame().set_index("key")
    rows = {(m, t): r for m, t, r in zip(res.comparison["method"], res.comparison["test"], res.comparison.to_dict("records"))}
    for key, pair in (("FE", ("FE", "z")), ("REML-z", ("REML", "z")), ("REML-HKSJ", ("REML", "knha")),
                      ("REML-HKSJ-adhoc", ("REML", "adhoc"))):
        for col in ("estimate", "ci_low", "ci_high"):
            assert close(rows[pair][col], math.log(ref.loc[key, col])), (key, col)  # compare_methods shows RR


def test_subgroup_with_one_trial_says_the_test_changed(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("study,events1,n1,events2,n2,type\nA,4,45,14,49,child\nB,33,159,52,157,child\nC,3,50,8,52,family\n",
                    encoding="utf-8")
    res = analyse(path, by="type")
    assert res.fit.test == "adhoc" and res.subgroups.test == "z"
    assert any("the group(s) 'family' hold one trial" in n for n in res.notes)


def test_xlsx_sheet_is_chosen_by_name(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "notes"
    ws = wb.create_sheet("trials")
    ws.append(["study", "yi", "sei"])
    for i, (y, v) in enumerate(zip(BCG["first5_RR"]["REML_z"]["yi"], BCG["first5_RR"]["REML_z"]["vi"])):
        ws.append([f"T{i}", y, v ** 0.5])
    path = tmp_path / "two_sheets.xlsx"
    wb.save(path)
    _same_fit(analyse(path, sheet="trials", test="z").fit, BCG["first5_RR"]["REML_z"])
    with pytest.raises(DataError, match="no sheet 'data'; sheets: notes, trials"):
        analyse(path, sheet="data")
