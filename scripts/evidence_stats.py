"""Measure the evidence base against its targets and print the table.

    python scripts/evidence_stats.py [--data DIR] [--near-misses]

Every count is computed from data/studies.csv and data/reviews.csv through the library's own routes:
a trial counts as *analysable* when :func:`koppmeta.project.evidence.effects_for` turns at least one of its
rows into an effect with a sampling variance (for any outcome and time point). ``--near-misses`` lists the
trials that print effect numbers without an analysable row, each row with the reason ``effects_for`` gives.
Nothing is written.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import pandas as pd

from koppmeta.project.data import load_reviews, load_studies
from koppmeta.project.evidence import effects_for
from koppmeta.project.overlap import corrected_covered_area, inclusion_matrix

SYMPTOMS = ("internalizing", "anxiety_symptoms", "depressive_symptoms")
CHILD_OUTCOMES = ("incidence", "internalizing", "externalizing", "depressive_symptoms", "anxiety_symptoms",
                  "global_psychopathology", "child_development")
# hosts of primary records; any other source URL is a mirror or a secondary page
PRIMARY_HOSTS = ("doi.org", "pubmed", "ncbi.nlm.nih.gov", "jamanetwork.com", "cambridge.org", "psychiatryonline.org",
                 "onlinelibrary.wiley.com", "springermedizin.de", "biomedcentral.com", "jmir.org", "frontiersin.org",
                 "thelancet.com")
RANK = {"high": 3, "some_concerns": 2, "low": 1}


def trial_rating(ratings: pd.Series) -> str:
    """A trial's rating from its rows: the worst rated row; unclear only when every row is unclear."""
    rated = [r for r in ratings.dropna() if r in RANK]
    return max(rated, key=RANK.get) if rated else "unclear"


NUMBERS = ["n1", "n2", "events1", "events2", "percent1", "percent2", "m1", "sd1", "m2", "sd2", "reported_estimate"]


def analysable(studies: pd.DataFrame) -> dict[str, set[str]]:
    """Trials with at least one analysable effect, per outcome (all time points)."""
    out = {}
    for outcome in sorted(studies["outcome"].dropna().unique()):
        eff = effects_for(studies, outcome, timepoint="shortest")
        out[outcome] = set(eff["study_id"])
    return out


def near_misses(studies: pd.DataFrame, done: set[str]) -> dict[str, list[str]]:
    """Trials that print effect numbers but have no analysable row, with what each row lacks.

    The reasons are :func:`koppmeta.project.evidence.effects_for`'s own (``attrs["unused"]``), so this list says exactly which
    columns a reader would have to fill (gaps.csv says where the numbers are printed)."""
    reasons: dict[str, list[str]] = {}
    for outcome in sorted(studies["outcome"].dropna().unique()):
        unused = dict(effects_for(studies, outcome, timepoint="shortest").attrs["unused"])
        for _, row in studies[(studies["outcome"] == outcome) & studies[NUMBERS].notna().any(axis=1)].iterrows():
            if row["study_id"] in done or row["effect_id"] not in unused:
                continue
            printed = ", ".join(c for c in NUMBERS if pd.notna(row[c]))
            reasons.setdefault(row["study_id"], []).append(f"{row['effect_id']} (has {printed}): {unused[row['effect_id']]}")
    return dict(sorted(reasons.items()))


def measure(data_dir: Path | None = None) -> tuple[pd.DataFrame, dict]:
    studies = load_studies(None if data_dir is None else data_dir / "studies.csv")
    reviews = load_reviews(None if data_dir is None else data_dir / "reviews.csv")
    trials = studies["study_id"].unique()
    by_outcome = analysable(studies)
    any_analysable = set().union(*by_outcome.values())
    incidence = by_outcome.get("incidence", set())
    symptoms = set().union(*(by_outcome.get(o, set()) for o in SYMPTOMS))
    child = set().union(*(by_outcome.get(o, set()) for o in CHILD_OUTCOMES))
    kind = studies.groupby("study_id")["intervention_type"].first()
    parent_in_child = sorted(t for t in child if kind[t] == "parent")
    rating = studies.groupby("study_id")["risk_of_bias"].agg(trial_rating)
    unclear = rating[rating == "unclear"]
    mapped = sorted(studies.loc[studies["in_reviews"].notna(), "study_id"].unique())
    matrix = inclusion_matrix(studies)
    cca = corrected_covered_area(matrix)
    mirror = ~studies["source"].astype(str).str.contains("|".join(PRIMARY_HOSTS), regex=True)
    no_id = studies[mirror & studies["doi"].isna() & studies["pmid"].isna()]
    rows = [
        ("trials in studies.csv", len(trials), ">= 40"),
        ("trials with analysable numbers (effects_for)", len(any_analysable), ">= 24"),
        ("trials with incidence re-analysable", len(incidence), ">= 6"),
        ("trials with an analysable symptom outcome (internalizing, anxiety, depressive)", len(symptoms), ">= 5"),
        ("parent-focused trials in a child-outcome re-analysis", len(parent_in_child), ">= 1"),
        ("trials with in_reviews filled", len(mapped), ">= 10"),
        ("trials rated unclear (worst row counts)", f"{len(unclear)} of {len(trials)} ({100 * len(unclear) / len(trials):.0f}%)", "<= 35%"),
        ("reviews mapped to trials / corrected covered area", f"{matrix.shape[1]} / {'undefined (< 2 reviews)' if math.isnan(cca) else f'{cca:.3f}'}", "-"),
        ("reviews.csv rows with k", f"{int(reviews['k'].notna().sum())} of {len(reviews)}", "-"),
        ("rows citing a mirror or secondary page without DOI or PMID", len(no_id), "-"),
    ]
    table = pd.DataFrame(rows, columns=["measure", "value", "target"])
    detail = {"ratings": rating.value_counts().to_dict(), "unclear": list(unclear.index), "incidence": sorted(incidence),
              "symptoms": sorted(symptoms), "analysable": sorted(any_analysable), "parent_in_child": parent_in_child,
              "mapped": mapped, "no_primary_id": list(no_id["effect_id"]),
              "near_misses": near_misses(studies, any_analysable)}
    return table, detail


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=None, help="folder holding studies.csv and reviews.csv (default: data/)")
    p.add_argument("--near-misses", action="store_true",
                   help="also list the trials that print effect numbers but have no analysable row, and what each row lacks")
    args = p.parse_args(argv)
    table, detail = measure(args.data)
    print(table.to_string(index=False))
    print()
    print("trial ratings:", ", ".join(f"{k} {v}" for k, v in sorted(detail["ratings"].items())))
    print("unclear:", ", ".join(detail["unclear"]) or "none")
    print("analysable:", ", ".join(detail["analysable"]))
    print("incidence:", ", ".join(detail["incidence"]))
    print("symptom outcome:", ", ".join(detail["symptoms"]))
    print("in_reviews:", ", ".join(detail["mapped"]))
    print(f"trials with printed effect numbers but no analysable row: {len(detail['near_misses'])}"
          + ("" if args.near_misses else " (--near-misses lists them)"))
    if args.near_misses:
        for trial, rows in detail["near_misses"].items():
            print(f"  {trial}")
            for line in rows:
                print(f"    {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
