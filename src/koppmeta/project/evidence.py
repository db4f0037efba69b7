"""From curated trial rows to analysable effects.

:func:`effects_for` turns the rows of ``data/studies.csv`` for one outcome into
effect sizes with sampling variances, one per trial, using only the library's
named conversions and saying for every trial which route it took:

1. counts per arm (``events``, ``n``)                       -> log RR (``effect_sizes``)
2. percentages of the arm sizes (``percent``, ``n``)        -> counts (``counts_from_percent``,
   flagged approximate) -> log RR
3. means and SDs per arm                                    -> Hedges' g (``effect_sizes``)
4. a reported ratio (RR, HR, OR) or difference (SMD, d, g) with its 95% CI -> ``from_ci``;
   a hazard or odds ratio standing in for a risk ratio is flagged.

Rows that none of the routes can use are listed in ``attrs["unused"]`` as ``(effect_id, reason)``
pairs, so nothing is dropped silently (a tuple, not a table, so that ``pd.concat`` of several
results can compare their ``attrs``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..effect_sizes import counts_from_percent, effect_sizes, from_ci

__all__ = ["effects_for", "OUTCOME_MEASURE"]

# incidence is analysed as a risk ratio, every other outcome as a standardized mean difference
OUTCOME_MEASURE = {"incidence": "RR"}

# arm counts behind a risk ratio (events and arm sizes; from percentages when the route says so), for the
# count-based methods (Mantel-Haenszel, Peto); NaN for effects from reported ratios or from means
COUNT_COLUMNS = ["events1", "n1", "events2", "n2"]

KEEP = ["study_id", "effect_id", "citation", "year", "intervention_type", "comparator", "parent_disorder",
        "child_age", "design", "risk_of_bias", "timepoint_months", "outcome", "outcome_measure"]


def _route(row: pd.Series, measure: str):
    """(route, yi, vi, approximate, method) for one row, or (None, reason)."""
    has = lambda *cols: all(pd.notna(row[c]) for c in cols)  # noqa: E731
    label = [row["effect_id"]]
    reported = row["reported_measure"] if pd.notna(row["reported_measure"]) else None
    if measure == "RR":
        if has("events1", "n1", "events2", "n2"):
            es = effect_sizes(pd.DataFrame({k: [float(row[k])] for k in ("events1", "n1", "events2", "n2")}), "RR")
            return "counts", es["yi"][0], es["vi"][0], False, es["es_method"][0], \
                tuple(float(row[k]) for k in ("events1", "n1", "events2", "n2"))
        if has("percent1", "percent2", "n1", "n2"):
            c1 = counts_from_percent([row["percent1"]], [float(row["n1"])], labels=label)
            c2 = counts_from_percent([row["percent2"]], [float(row["n2"])], labels=label)
            es = effect_sizes(pd.DataFrame({"events1": c1["events"], "n1": [float(row["n1"])],
                                            "events2": c2["events"], "n2": [float(row["n2"])]}), "RR")
            return "counts from percentages", es["yi"][0], es["vi"][0], True, es["es_method"][0] + "; counts from percentages (approximate)", \
                (float(c1["events"][0]), float(row["n1"]), float(c2["events"][0]), float(row["n2"]))
        if reported in ("RR", "HR", "OR") and has("reported_estimate", "reported_ci_low", "reported_ci_high"):
            es = from_ci([row["reported_estimate"]], [row["reported_ci_low"]], [row["reported_ci_high"]], ratio=True, labels=label)
            stand_in = row["reported_measure"] != "RR"
            note = f"; reported {row['reported_measure']} used as a risk ratio" if stand_in else ""
            return f"reported {row['reported_measure']} with CI", es["yi"][0], es["vi"][0], stand_in, es["es_method"][0] + note
        return None, "no counts, no percentages with arm sizes, no ratio with an interval"
    if has("m1", "sd1", "n1", "m2", "sd2", "n2"):
        es = effect_sizes(pd.DataFrame({k: [float(row[k])] for k in ("m1", "sd1", "n1", "m2", "sd2", "n2")}), "SMD")
        return "means and SDs", es["yi"][0], es["vi"][0], False, es["es_method"][0]
    if reported in ("SMD", "d", "g") and has("reported_estimate", "reported_ci_low", "reported_ci_high"):
        es = from_ci([row["reported_estimate"]], [row["reported_ci_low"]], [row["reported_ci_high"]], ratio=False, labels=label)
        return f"reported {row['reported_measure']} with CI", es["yi"][0], es["vi"][0], False, es["es_method"][0]
    return None, "no means with SDs and arm sizes, no standardized difference with an interval"


def effects_for(studies: pd.DataFrame, outcome: str, *, timepoint: str | float = "longest") -> pd.DataFrame:
    """Analysable effects for ``outcome``, one row per trial.

    Parameters
    ----------
    studies : DataFrame
        The validated trial table (:func:`koppmeta.load_studies`).
    outcome : str
        An outcome code (see ``data/README.md``); incidence gives log risk ratios, every other
        outcome Hedges' g (negative = fewer symptoms with the intervention, when the source
        reports means of a symptom scale).
    timepoint : "longest", "shortest" or a number of months
        Which time point to take per trial when several are usable.

    Returns
    -------
    DataFrame
        The trial's descriptive columns plus ``yi, vi, measure, route, approximate, es_method`` and the
        arm counts ``events1, n1, events2, n2`` behind a risk ratio from counts (NaN otherwise).
        ``attrs["unused"]`` is a tuple of ``(effect_id, reason)`` for the outcome's rows that could
        not be used (``pd.DataFrame(out.attrs["unused"], columns=["effect_id", "reason"])`` shows it).
    """
    if outcome not in set(studies["outcome"].dropna()):
        valid = ", ".join(sorted(studies["outcome"].dropna().unique()))
        raise ValueError(f"effects_for: no rows with outcome {outcome!r}. Outcomes in the data: {valid}.")
    measure = OUTCOME_MEASURE.get(outcome, "SMD")
    rows, unused = [], []
    for _, row in studies[studies["outcome"] == outcome].iterrows():
        res = _route(row, measure)
        if res[0] is None:
            unused.append({"effect_id": row["effect_id"], "reason": res[1]})
            continue
        route, yi, vi, approx, method = res[:5]
        counts = res[5] if len(res) > 5 else (np.nan,) * 4
        rows.append({**{c: row[c] for c in KEEP}, "yi": float(yi), "vi": float(vi), "measure": measure,
                     "route": route, "approximate": bool(approx), "es_method": method,
                     **dict(zip(COUNT_COLUMNS, counts))})
    out = pd.DataFrame(rows, columns=KEEP + ["yi", "vi", "measure", "route", "approximate", "es_method", *COUNT_COLUMNS])
    if len(out):
        if timepoint in ("longest", "shortest"):
            tp = out["timepoint_months"].fillna(-1.0)
            out = out.assign(_tp=tp).sort_values(["study_id", "_tp"], kind="mergesort")
            out = (out.groupby("study_id").tail(1) if timepoint == "longest" else out.groupby("study_id").head(1))
            out = out.drop(columns="_tp")
        else:
            try:
                months = float(timepoint)
            except (TypeError, ValueError):
                raise ValueError(f"effects_for: timepoint must be 'longest', 'shortest' or a number of months; got {timepoint!r}.") from None
            hit = np.isclose(out["timepoint_months"].astype(float), months)
            for eid in out.loc[~hit, "effect_id"]:
                unused.append({"effect_id": eid, "reason": f"time point is not {months:g} months"})
            out = out[hit]
            dup = out["study_id"].duplicated(keep=False)
            if dup.any():
                raise ValueError("effects_for: several usable rows for the same trial and time point: "
                                 + ", ".join(out.loc[dup, "effect_id"]) + "; choose the rows explicitly.")
    out = out.reset_index(drop=True)
    out.attrs["unused"] = tuple((u["effect_id"], u["reason"]) for u in unused)
    return out
