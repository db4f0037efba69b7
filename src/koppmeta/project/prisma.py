"""The counts of the PRISMA 2020 flow diagram for the project's evidence base.

``prisma.csv`` beside this module lists each box with its basis: boxes with a ``rule`` are counted
from the data, the others hold the count stated in the file or stay empty (unknown), never guessed.
"""

from __future__ import annotations

import io
from importlib import resources

import pandas as pd

__all__ = ["prisma_counts"]


def _counts_table() -> pd.DataFrame:
    text = resources.files("koppmeta.project").joinpath("prisma.csv").read_text(encoding="utf-8")
    return pd.read_csv(io.StringIO(text), dtype={"box": str, "rule": str, "basis": str}, keep_default_na=False)


def prisma_counts(studies: pd.DataFrame, reviews: pd.DataFrame) -> pd.DataFrame:
    """Counts of the PRISMA 2020 boxes for the evidence base, each with its basis.

    Boxes with a ``rule`` in ``prisma.csv`` are counted from ``studies`` and ``reviews``; the
    others hold the count stated in the file or stay empty (unknown), never guessed. Returns
    columns ``box, count, derived, basis`` (``count`` NaN when unknown).
    """
    from .evidence import effects_for

    table = _counts_table()
    docs_trials = set(studies["source"].dropna())
    docs = docs_trials | set(reviews["source"].dropna())
    with_effects: set[str] = set()
    for outcome in sorted(studies["outcome"].dropna().unique()):
        eff = effects_for(studies, outcome)
        with_effects |= set(eff["study_id"])
    trials = set(studies["study_id"])
    not_rand = set(studies.loc[~studies["design"].isin(["RCT", "cluster-RCT"]), "study_id"])
    rules = {
        "distinct_documents": len(docs),
        "distinct_reviews": reviews["review_id"].nunique(),
        "distinct_trials": len(trials),
        "distinct_trial_documents": len(docs_trials),
        "trials_with_effects": len(with_effects),
        # the two reasons split the trials without an effect: no randomised control group first
        "trials_without_effects": len(trials - with_effects - not_rand),
        "trials_not_randomised": len(not_rand - with_effects),
    }
    rows = []
    for _, r in table.iterrows():
        if r["rule"]:
            if r["rule"] not in rules:
                raise ValueError(f"prisma_counts: prisma.csv, box {r['box']!r}: unknown rule {r['rule']!r}; "
                                 f"known rules: {', '.join(rules)}.")
            rows.append({"box": r["box"], "count": float(rules[r["rule"]]), "derived": True, "basis": r["basis"]})
        else:
            count = float(r["count"]) if str(r["count"]).strip() else float("nan")
            rows.append({"box": r["box"], "count": count, "derived": False, "basis": r["basis"]})
    return pd.DataFrame(rows)
