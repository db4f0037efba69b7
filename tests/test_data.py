"""The curated evidence base: schema, ids, provenance, published results, and the loader's errors."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import koppmeta
from koppmeta.project.data import DataError, read_schema
from conftest import ROOT

DATA = ROOT / "data"
NUMERIC_EXEMPT = {"year", "timepoint_months"}  # metadata and the coded time point, not numbers quoted from the source


def _raw(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, dtype=str, keep_default_na=False)


def test_files_load_and_match_schema():
    studies, reviews = koppmeta.load_studies(), koppmeta.load_reviews()
    assert list(studies.columns) == [f["name"] for f in read_schema("studies")["fields"]]
    assert list(reviews.columns) == [f["name"] for f in read_schema("reviews")["fields"]]
    assert studies["effect_id"].is_unique and reviews["result_id"].is_unique


def test_at_least_fifteen_trials_carry_numbers():
    s = koppmeta.load_studies()
    numbers = ["n1", "n2", "events1", "events2", "percent1", "percent2", "m1", "sd1", "m2", "sd2", "reported_estimate", "reported_p"]
    with_numbers = s[s[numbers].notna().any(axis=1)]
    assert with_numbers["study_id"].nunique() >= 15, sorted(with_numbers["study_id"].unique())


# Published pooled results named in the project's evidence brief, each as printed in the review's abstract:
# Siegenthaler 2012 (JAACAP 51:8, abstract); Loechner 2018 (Clin Psychol Rev 60:1, abstract); Lannes 2021
# (Psychol Med, abstract); Havinga 2021 (Br J Clin Psychol 60:212, abstract); Thanhäuser 2017 (Curr Opin
# Psychiatry 30:283, abstract); Cuijpers 2015 (Eur Child Adolesc Psychiatry 24:237, abstract);
# Kersten-Alvarez 2011 (Infant Ment Health J 32:362, abstract).
PUBLISHED = [
    ("siegenthaler2012", "RR", "0.60", "0.45", "0.79"),
    ("siegenthaler2012", "SMD", "-0.22", "-0.37", "-0.08"),
    ("siegenthaler2012", "SMD", "-0.16", "-0.36", "0.04"),
    ("loechner2018", "g", "-0.20", "-0.34", "-0.06"),
    ("loechner2018", "RR", "0.56", "0.41", "0.77"),
    ("lannes2021", "RR", "0.53", "0.34", "0.84"),
    ("lannes2021", "SMD", "-0.25", "-0.37", "-0.14"),
    ("lannes2021", "SMD", "-0.20", "-0.37", "-0.03"),
    ("lannes2021", "SMD", "-0.11", "-0.27", "0.04"),
    ("havinga2021", "RR", "0.37", "0.21", "0.66"),
    ("havinga2021", "RR", "0.71", "0.57", "0.87"),
    ("havinga2021", "SMD", "-0.19", "-0.36", "-0.02"),
    ("havinga2021", "SMD", "-0.31", "-0.57", "-0.06"),
    ("thanhauser2017", "ES", "0.26", "", ""),
    ("thanhauser2017", "ES", "0.33", "", ""),
    ("thanhauser2017", "ES", "0.31", "", ""),
    ("thanhauser2017", "ES", "0.13", "", ""),
    ("thanhauser2017", "ES", "0.17", "", ""),
    ("cuijpers2015", "g", "0.40", "", ""),
    ("cuijpers2015", "g", "0.66", "", ""),
    ("kerstenalvarez2011", "g", "0.32", "", ""),
    ("kerstenalvarez2011", "g", "0.85", "", ""),
    ("kerstenalvarez2011", "g", "-0.00", "", ""),
]
NARRATIVE = ["fraser2006", "reupert2012", "parker2008", "bee2014", "gunlicks2008"]


@pytest.mark.parametrize("review, measure, est, lo, hi", PUBLISHED)
def test_published_result_present(review, measure, est, lo, hi):
    r = _raw("reviews.csv")
    hit = r[(r.review_id == review) & (r.measure == measure) & (r.estimate == est) & (r.ci_low == lo) & (r.ci_high == hi)]
    assert len(hit) >= 1, f"{review} {measure} {est} [{lo}, {hi}] missing from data/reviews.csv"


def test_thanhauser_has_six_effect_sizes_and_moderators():
    r = _raw("reviews.csv")
    t = r[r.review_id == "thanhauser2017"]
    assert len(t) == 6
    assert t.note.str.contains("jointly").any() and t.note.str.contains("quality").any()


def test_narrative_reviews_pooled_nothing():
    r = _raw("reviews.csv")
    for review in NARRATIVE:
        rows = r[r.review_id == review]
        assert len(rows) == 1 and (rows.pooled == "no").all() and (rows.estimate == "").all(), review


def _variants(cell: str) -> set[str]:
    """Ways a number may be printed in a source: as is, without a leading zero, with a true minus or a decimal comma."""
    out = {cell}
    if re.match(r"^-?0\.\d", cell):
        out.add(cell.replace("0.", ".", 1))
    for v in list(out):
        out.add(v.replace("-", "\u2212"))
        out.add(v.replace("-", "\u2013"))
    for v in list(out):
        out.add(v.replace(".", ","))
        out.add(v.replace(".", "\u00b7"))
    return out


@pytest.mark.parametrize("name", ["studies.csv", "reviews.csv"])
def test_every_number_appears_in_its_quote(name):
    schema = read_schema(name.removesuffix(".csv"))
    numeric = [f["name"] for f in schema["fields"] if f.get("type") in ("integer", "number") and f["name"] not in NUMERIC_EXEMPT]
    df = _raw(name)
    missing = []
    for i, row in df.iterrows():
        quote = row["source_quote"]
        for col in numeric:
            cell = row[col].strip()
            if cell and not any(v in quote for v in _variants(cell)):
                missing.append(f"row {i + 1} {row.iloc[0]}: {col}={cell}")
    assert not missing, "numbers not found in their source_quote:\n" + "\n".join(missing)


def test_provenance_present_for_every_row():
    for name in ("studies.csv", "reviews.csv"):
        df = _raw(name)
        assert (df.source != "").all() and (df.source_location != "").all() and (df.source_quote != "").all(), name


def test_loading_does_not_write_to_data():
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in DATA.rglob("*") if p.is_file()}
    koppmeta.load_studies()
    koppmeta.load_reviews()
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in DATA.rglob("*") if p.is_file()}
    assert before == after


# --- the loader rejects broken files, naming file, row, column, value and rule ----------------------------


@pytest.fixture
def copy(tmp_path: Path):
    shutil.copy(DATA / "datapackage.json", tmp_path / "datapackage.json")
    shutil.copy(DATA / "studies.csv", tmp_path / "studies.csv")
    return tmp_path / "studies.csv"


def _edit(path: Path, row: int, column: str, value: str) -> None:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[row - 1, column] = value
    df.to_csv(path, index=False)


def _first_row_with(column: str) -> int:
    df = _raw("studies.csv")
    return int(df.index[df[column] != ""][0]) + 1


@pytest.mark.parametrize(
    "column, value, rule",
    [
        ("n1", "forty-five", "must be a whole number"),
        ("m1", "1,5", "decimal comma"),
        ("design", "RCTs", "unknown code; allowed: RCT, cluster-RCT"),
        ("outcome", "anxiety", "unknown code"),
        ("risk_of_bias", "", "required but empty"),
        ("reported_p", "1.5", "must be at most 1"),
        ("sd1", "-2", "must be at least 0"),
    ],
)
def test_loader_rejects_bad_cells(copy, column, value, rule):
    row = 2
    _edit(copy, row, column, value)
    with pytest.raises(DataError) as info:
        koppmeta.load_studies(copy)
    msg = str(info.value)
    assert str(copy) in msg and f"row {row} (line {row + 1})" in msg and f"column {column!r}" in msg
    assert f"value {value!r}" in msg and rule in msg


def test_loader_rejects_events_above_n(copy):
    row = _first_row_with("n1")
    _edit(copy, row, "events1", "100000")
    with pytest.raises(DataError, match=r"row \d+ \(line \d+\), column 'events1', value '100000': events cannot exceed the arm size n1"):
        koppmeta.load_studies(copy)


def test_loader_rejects_interval_without_estimate(copy):
    row = _first_row_with("reported_ci_low")
    _edit(copy, row, "reported_estimate", "999")
    with pytest.raises(DataError, match=r"column 'reported_estimate', value '999.0': the interval .* does not contain its estimate"):
        koppmeta.load_studies(copy)


def test_loader_rejects_duplicate_ids(copy):
    first = _raw("studies.csv").effect_id[0]
    _edit(copy, 3, "effect_id", first)
    with pytest.raises(DataError, match=rf"row 3 \(line 4\), column 'effect_id', value '{re.escape(first)}': duplicate id; already used in row 1"):
        koppmeta.load_studies(copy)


def test_loader_rejects_missing_and_unknown_columns(copy):
    df = pd.read_csv(copy, dtype=str, keep_default_na=False).drop(columns=["risk_of_bias"]).rename(columns={"n1": "n_1"})
    df.to_csv(copy, index=False)
    with pytest.raises(DataError) as info:
        koppmeta.load_studies(copy)
    msg = str(info.value)
    assert "column 'risk_of_bias': required column is missing" in msg
    assert "column 'n_1': unknown column" in msg


def test_loader_rejects_empty_and_headless_files(copy):
    copy.write_text("")
    with pytest.raises(DataError, match="the file is empty"):
        koppmeta.load_studies(copy)
    copy.write_text(",".join(f["name"] for f in read_schema("studies")["fields"]) + "\n")
    with pytest.raises(DataError, match="header but no data rows"):
        koppmeta.load_studies(copy)


def test_loader_rejects_wrong_encoding(copy):
    text = (DATA / "studies.csv").read_text(encoding="utf-8")
    copy.write_bytes(text.encode("utf-8") + "Thanhäuser".encode("latin-1"))
    with pytest.raises(DataError, match=r"not valid UTF-8 \(byte \d+, line \d+\)"):
        koppmeta.load_studies(copy)


def test_loader_rejects_ragged_rows(copy):
    with open(copy, "a", encoding="utf-8") as fh:
        fh.write("extra-row,only,three\n")
    with pytest.raises(DataError, match=r"row has 3 cells but the header has \d+ columns"):
        koppmeta.load_studies(copy)


def test_codebook_documents_every_column():
    text = (DATA / "README.md").read_text(encoding="utf-8")
    for resource in ("studies", "reviews"):
        for field in read_schema(resource)["fields"]:
            assert f"`{field['name']}`" in text, f"data/README.md does not document {resource}.{field['name']}"


# --- risk of bias: one rule for every row ------------------------------------------------------------------

DOMAINS = ["rob_randomisation", "rob_deviations", "rob_missing_data", "rob_measurement", "rob_reporting"]


def _overall(domains: list[str]) -> str:
    """The codebook rule (data/README.md): any high -> high; all low -> low; all unclear -> unclear; else some_concerns."""
    if "high" in domains:
        return "high"
    if all(d == "low" for d in domains):
        return "low"
    if all(d == "unclear" for d in domains):
        return "unclear"
    return "some_concerns"


def test_every_row_is_rated_on_all_five_domains_by_the_rule():
    s = _raw("studies.csv")
    wrong = []
    for _, row in s.iterrows():
        domains = [row[c] for c in DOMAINS]
        if "" in domains:
            wrong.append(f"{row.effect_id}: a domain is empty")
        elif row.risk_of_bias != _overall(domains):
            wrong.append(f"{row.effect_id}: overall {row.risk_of_bias}, domains {domains}")
    assert not wrong, "\n".join(wrong)


def test_ratings_say_what_they_rest_on():
    s = _raw("studies.csv")
    for _, row in s.iterrows():
        assert row.risk_of_bias_basis, row.effect_id
        if row.risk_of_bias == "unclear":
            assert "not reported in the source read" in row.risk_of_bias_basis, row.effect_id
        else:  # every rated domain names itself in the basis (D1 ... D5)
            for i, col in enumerate(DOMAINS, start=1):
                if row[col] != "unclear" and row.review_rob == "":
                    assert f"D{i}" in row.risk_of_bias_basis, f"{row.effect_id}: {col} rated but D{i} not in the basis"
    non_random = s[s.design.isin(["pre-post", "quasi-experimental"])]
    assert (non_random.risk_of_bias == "high").all()


def test_review_ratings_carry_source_and_quote():
    s = _raw("studies.csv")
    rated = s[s.review_rob != ""]
    assert len(rated) >= 1
    assert (rated.review_rob_source.str.startswith("http")).all() and (rated.review_rob_quote != "").all()
    assert (s.loc[s.review_rob == "", ["review_rob_source", "review_rob_quote"]] == "").all().all()


def test_in_reviews_names_reviews_that_exist():
    s, r = _raw("studies.csv"), _raw("reviews.csv")
    known = set(r.review_id)
    named = {rid for cell in s.in_reviews for rid in cell.split(";") if rid}
    assert named, "no trial is mapped to a review"
    assert named <= known, named - known


def test_pmid_beside_pubmed_urls():
    s = _raw("studies.csv")
    for _, row in s.iterrows():
        m = re.search(r"pubmed(?:\.ncbi\.nlm\.nih\.gov)?/(\d{6,9})", row.source)
        if m:
            assert row.pmid == m.group(1), row.effect_id


# --- gaps.csv: the extraction sheet ------------------------------------------------------------------------


def test_gaps_sheet_validates_and_points_at_known_trials():
    gaps = koppmeta.project.data.load_gaps()
    s = _raw("studies.csv")
    assert len(gaps) >= 10 and gaps["gap_id"].is_unique
    assert set(gaps["study_id"]) <= set(s.study_id), set(gaps["study_id"]) - set(s.study_id)
    named = set(gaps["effect_id"].dropna())
    assert named <= set(s.effect_id), named - set(s.effect_id)
    allowed = {f["name"] for f in read_schema("studies")["fields"]} | {"numbers assessed"}
    for cell in gaps["missing"]:
        cols = {re.sub(r"\s*\(.*\)", "", c).strip() for c in str(cell).split(",")}
        assert cols <= allowed, cols - allowed


def test_gaps_loader_names_the_broken_cell(tmp_path):
    shutil.copy(DATA / "datapackage.json", tmp_path / "datapackage.json")
    df = _raw("gaps.csv")
    df.loc[0, "access"] = "library"
    df.to_csv(tmp_path / "gaps.csv", index=False)
    with pytest.raises(DataError, match=r"row 1 \(line 2\), column 'access', value 'library': unknown code; allowed: open, paywalled, unknown"):
        koppmeta.project.data.load_gaps(tmp_path / "gaps.csv")


# --- review overlap ----------------------------------------------------------------------------------------


def test_corrected_covered_area_bounds_and_mapping():
    from koppmeta.project.overlap import corrected_covered_area, inclusion_matrix

    trials = [f"t{i}" for i in range(5)]
    every = pd.DataFrame({"study_id": trials, "in_reviews": ["a;b;c"] * 5})
    disjoint = pd.DataFrame({"study_id": trials, "in_reviews": ["a", "a", "b", "c", "c"]})
    assert corrected_covered_area(inclusion_matrix(every)) == 1.0  # every review holds every trial
    assert corrected_covered_area(inclusion_matrix(disjoint)) == 0.0  # no trial in two reviews
    one = inclusion_matrix(pd.DataFrame({"study_id": ["t0", "t1"], "in_reviews": ["a", pd.NA]}))
    assert one.shape == (1, 1) and np.isnan(corrected_covered_area(one))  # overlap needs two reviews
    # one trial in two of three reviews, three trials in one: N - r = 1 extra tick over r (c - 1) = 8 cells
    partial = inclusion_matrix(pd.DataFrame({"study_id": ["t0", "t1", "t2", "t3"], "in_reviews": ["a;b", "a", "b", "c"]}))
    n, r, c = int(partial.to_numpy().sum()), partial.shape[0], partial.shape[1]
    assert corrected_covered_area(partial) == pytest.approx((n - r) / (r * c - r)) and (n, r, c) == (5, 4, 3)


# --- review_trials.csv: the evidence for in_reviews --------------------------------------------------------


def _review_trials_schema() -> dict:
    return read_schema("review_trials")


def test_review_trials_match_their_schema():
    rt, schema = _raw("review_trials.csv"), _review_trials_schema()
    assert list(rt.columns) == [f["name"] for f in schema["fields"]]
    for f in schema["fields"]:
        c = f.get("constraints", {})
        if c.get("required"):
            empty = rt.index[rt[f["name"]].str.strip() == ""].tolist()
            assert not empty, f"review_trials.csv rows {[i + 1 for i in empty]}: column {f['name']!r} is required"
        if "pattern" in c:
            bad = [v for v in rt[f["name"]] if v and not re.fullmatch(c["pattern"], v)]
            assert not bad, f"review_trials.csv column {f['name']!r}: {bad} do not match {c['pattern']}"
    assert not rt.duplicated(schema["primaryKey"]).any(), rt[rt.duplicated(schema["primaryKey"], keep=False)]


def test_every_in_reviews_entry_has_its_evidence_and_vice_versa():
    s, r, rt = _raw("studies.csv"), _raw("reviews.csv"), _raw("review_trials.csv")
    mapped = {(rid.strip(), sid) for sid, cell in zip(s.study_id, s.in_reviews) for rid in cell.split(";") if rid.strip()}
    quoted = set(zip(rt.review_id, rt.study_id))
    assert mapped - quoted == set(), f"in_reviews entries without a row in review_trials.csv: {sorted(mapped - quoted)}"
    assert quoted - mapped == set(), f"review_trials.csv rows that no in_reviews cell names: {sorted(quoted - mapped)}"
    assert set(rt.review_id) <= set(r.review_id), set(rt.review_id) - set(r.review_id)
    assert set(rt.study_id) <= set(s.study_id), set(rt.study_id) - set(s.study_id)


def test_a_trial_lists_the_same_reviews_on_every_row():
    # in_reviews is a property of the trial: rows of one trial that carry it must agree (rows left empty are allowed,
    # the trial still counts as included through its other rows)
    s = _raw("studies.csv")
    for sid, cells in s[s.in_reviews != ""].groupby("study_id")["in_reviews"]:
        sets = {frozenset(x.strip() for x in c.split(";") if x.strip()) for c in cells}
        assert len(sets) == 1, f"{sid}: rows disagree on in_reviews: {sets}"


def test_review_trials_quotes_are_not_empty_words():
    rt = _raw("review_trials.csv")
    for _, row in rt.iterrows():
        assert len(row.source_quote) >= 20, (row.review_id, row.study_id)
        assert row.source.startswith("http"), (row.review_id, row.study_id)


def test_at_least_ten_trials_are_mapped_and_overlap_is_defined():
    from koppmeta.project.overlap import corrected_covered_area, inclusion_matrix

    matrix = inclusion_matrix(koppmeta.load_studies())
    assert len(matrix) >= 10, sorted(matrix.index)
    cca = corrected_covered_area(matrix)
    assert matrix.shape[1] >= 2 and 0.0 <= cca <= 1.0


# --- the target measurement script -------------------------------------------------------------------------


def _evidence_stats():
    import importlib.util

    spec = importlib.util.spec_from_file_location("evidence_stats", ROOT / "scripts" / "evidence_stats.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_evidence_stats_near_misses_are_exactly_the_unanalysable_trials_with_numbers():
    stats = _evidence_stats()
    studies = koppmeta.load_studies()
    table, detail = stats.measure()
    analysable, near = set(detail["analysable"]), detail["near_misses"]
    assert table.loc[0, "value"] == studies["study_id"].nunique()
    assert not analysable & set(near)  # a near miss has no analysable row at all
    with_numbers = set(studies.loc[studies[stats.NUMBERS].notna().any(axis=1), "study_id"])
    assert set(near) == with_numbers - analysable  # every trial that prints a number is either analysable or listed
    assert all(rows and all(": " in line for line in rows) for rows in near.values())  # each row with its reason
