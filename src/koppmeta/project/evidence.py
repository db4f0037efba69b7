"""From curated trial rows to analysable effects.

:func:`effects_for` turns the rows of ``data/studies.csv`` for one outcome into
effect sizes with sampling variances, one per trial, using only the library's
named conversions and saying for every trial which route it took. Each route converts all of its
rows in one vectorised call, and an error names the trial (effect id and citation), the outcome and
the route:

1. counts per arm (``events``, ``n``)                       -> log RR (``effect_sizes``)
2. percentages of the arm sizes (``percent``, ``n``)        -> counts (``counts_from_percent``,
   flagged approximate) -> log RR
3. means and SDs per arm                                    -> Hedges' g (``effect_sizes``)
4. a reported ratio (RR, HR, OR) or difference (SMD, d, g) with its 95% CI -> ``from_ci``;
   a hazard or odds ratio standing in for a risk ratio is flagged.
5. a reported standardized difference (d, g, or SMD of unnamed type) with the arm sizes but no
   interval -> ``smd_from_d`` (an unnamed type is treated as Cohen's d and flagged).
6. incidence: a reported ratio with the exact p-value of its test but no interval -> ``from_p``
   (flagged approximate: the p-value is rounded in print).

Rows whose ``subgroup`` is filled describe part of the randomised sample and are not used as the
trial's effect (listed as unused, with the subgroup named).

A reported estimate (routes 4 to 6) is used only when ``reported_direction`` says which way it
compares the arms; one printed as control versus intervention is turned round (a ratio to its
reciprocal with the limits swapped, a difference to its negative), and the route says so.

Rows that none of the routes can use are listed in ``attrs["unused"]`` as ``(effect_id, reason)``
pairs, so nothing is dropped silently (a tuple, not a table, so that ``pd.concat`` of several
results can compare their ``attrs``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..effects.sizes import counts_from_percent, effect_sizes, from_ci, from_p, smd_from_d

__all__ = ["effects_for", "OUTCOME_MEASURE"]

# incidence is analysed as a risk ratio, every other outcome as a standardized mean difference
OUTCOME_MEASURE = {"incidence": "RR"}

# arm counts behind a risk ratio (events and arm sizes; from percentages when the route says so), for the
# count-based methods (Mantel-Haenszel, Peto); NaN for effects from reported ratios or from means
COUNT_COLUMNS = ["events1", "n1", "events2", "n2"]

KEEP = ["study_id", "effect_id", "citation", "year", "intervention_type", "comparator", "parent_disorder",
        "child_age", "design", "risk_of_bias", "timepoint_months", "outcome", "outcome_measure"]


ARMS_COUNTS = ["events1", "n1", "events2", "n2"]
ARMS_MEANS = ["m1", "sd1", "n1", "m2", "sd2", "n2"]
REPORTED = ["reported_estimate", "reported_ci_low", "reported_ci_high"]


def _has(rows: pd.DataFrame, cols: list[str]) -> pd.Series:
    return rows[cols].notna().all(axis=1)


def _trials(rows: pd.DataFrame) -> list[str]:
    """How an error names a row: the effect (trial and outcome) and the trial's citation."""
    return [f"{e}, {c}" if isinstance(c, str) and c else str(e) for e, c in zip(rows["effect_id"], rows["citation"])]


def _batch(route: str, outcome: str, call, *args, **kwargs) -> pd.DataFrame:
    """One library call for all rows of a route; an error says which outcome and route it came from
    (the library's message names the trial; its row number counts within the route)."""
    try:
        return call(*args, **kwargs)
    except (ValueError, TypeError) as err:
        raise type(err)(f"effects_for: outcome {outcome!r}, route {route!r}: {err}") from None


def _from_counts(rows, outcome, route, counts, method_note=""):
    frame = counts.astype(float).assign(_trial=_trials(rows))
    es = _batch(route, outcome, effect_sizes, frame, "RR", labels="_trial")
    return pd.DataFrame({"route": route, "yi": es["yi"].to_numpy(), "vi": es["vi"].to_numpy(),
                         "approximate": bool(method_note), "es_method": (es["es_method"] + method_note).to_numpy(),
                         **{c: counts[c].to_numpy(dtype=float) for c in COUNT_COLUMNS}}, index=rows.index)


TURNED = "; printed as control versus intervention, turned round"


def _oriented(grp: pd.DataFrame, ratio: bool, with_ci: bool = True):
    """Estimate (and 95% limits) as intervention versus control, and which rows were turned round."""
    est = grp["reported_estimate"].to_numpy(float)
    lo = grp["reported_ci_low"].to_numpy(float) if with_ci else None
    hi = grp["reported_ci_high"].to_numpy(float) if with_ci else None
    turn = (grp["reported_direction"] == "control_vs_intervention").to_numpy()
    if turn.any():
        est = np.where(turn, 1 / est if ratio else -est, est)
        if with_ci:
            lo, hi = (np.where(turn, 1 / hi if ratio else -hi, lo), np.where(turn, 1 / lo if ratio else -lo, hi))
    return est, lo, hi, turn


RATIOS = ("RR", "HR", "OR")
STAND_IN = {"HR", "OR"}  # ratios read as a risk ratio for incidence (flagged)
UNNAMED = "; the source does not name the type of standardized difference: treated as Cohen's d"


def _from_reported(rows, outcome, how: str):
    """Reported estimates, one vectorised pass per reported measure (the route names it), turned round where
    ``reported_direction`` says so. ``how``: ``"ci"`` (a ratio or difference with its 95% CI, :func:`from_ci`),
    ``"p"`` (a ratio with the exact p-value of its test, :func:`from_p`) or ``"sizes"`` (a standardized
    difference with the arm sizes, :func:`smd_from_d`)."""
    parts = []
    for reported, grp in rows.groupby("reported_measure", sort=True):
        ratio = reported in RATIOS
        est, lo, hi, turn = _oriented(grp, ratio, with_ci=how == "ci")
        labels = _trials(grp)
        if how == "ci":
            route, approximate, note = f"reported {reported} with CI", reported in STAND_IN, ""
            es = _batch(route, outcome, from_ci, est, lo, hi, ratio=ratio, labels=labels)
        elif how == "p":
            route, approximate, note = f"reported {reported} with p-value", True, "; p-value rounded in print (approximate)"
            es = _batch(route, outcome, from_p, est, grp["reported_p"].to_numpy(float), ratio=True, labels=labels)
        else:
            route, approximate = f"reported {reported} with arm sizes", reported == "SMD"
            note = UNNAMED if approximate else ""
            es = _batch(route, outcome, smd_from_d, est, grp["n1"].to_numpy(float), grp["n2"].to_numpy(float),
                        kind="g" if reported == "g" else "d", labels=labels)
        if reported in STAND_IN:
            note += f"; reported {reported} used as a risk ratio"
        parts.append(pd.DataFrame({"route": route, "yi": es["yi"].to_numpy(), "vi": es["vi"].to_numpy(),
                                   "approximate": approximate,
                                   "es_method": (es["es_method"] + note + np.where(turn, TURNED, "")).to_numpy()},
                                  index=grp.index))
    return parts


def _routes(rows: pd.DataFrame, outcome: str, measure: str) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Effects for ``rows`` (one outcome): each route's rows in one vectorised pass, in this order of
    preference per row; returns the effects (indexed like ``rows``) and the unused rows with a reason."""
    reported = rows["reported_measure"]
    ci = _has(rows, REPORTED)
    oriented = rows["reported_direction"].notna() if "reported_direction" in rows else pd.Series(False, index=rows.index)
    parts = []
    if measure == "RR":
        counts = _has(rows, ARMS_COUNTS)
        pct = ~counts & _has(rows, ["percent1", "percent2", "n1", "n2"])
        ratio = reported.isin(RATIOS)
        with_p = rows["reported_p"].gt(0) & rows["reported_p"].lt(1) & rows["reported_estimate"].notna()
        rep = ~counts & ~pct & ratio & ci & oriented
        pval = ~counts & ~pct & ~rep & ratio & with_p & oriented
        unoriented = ~counts & ~pct & ratio & (ci | with_p) & ~oriented
        why = "no counts, no percentages with arm sizes, no ratio with an interval or with an exact p-value"
        if counts.any():
            parts.append(_from_counts(rows[counts], outcome, "counts", rows.loc[counts, ARMS_COUNTS]))
        if pct.any():
            p = rows[pct]
            labels = _trials(p)
            n1, n2 = p["n1"].to_numpy(float), p["n2"].to_numpy(float)
            c1 = _batch("counts from percentages", outcome, counts_from_percent, p["percent1"].to_numpy(float), n1, labels=labels)
            c2 = _batch("counts from percentages", outcome, counts_from_percent, p["percent2"].to_numpy(float), n2, labels=labels)
            derived = pd.DataFrame({"events1": c1["events"].to_numpy(), "n1": n1, "events2": c2["events"].to_numpy(), "n2": n2},
                                   index=p.index)
            parts.append(_from_counts(p, outcome, "counts from percentages", derived,
                                      "; counts from percentages (approximate)"))
        if rep.any():
            parts += _from_reported(rows[rep], outcome, "ci")
        if pval.any():
            parts += _from_reported(rows[pval], outcome, "p")
    else:
        means = _has(rows, ARMS_MEANS)
        smd = reported.isin(["SMD", "d", "g"])
        rep = ~means & smd & ci & oriented
        sized = ~means & ~rep & smd & _has(rows, ["reported_estimate", "n1", "n2"]) & oriented
        unoriented = ~means & smd & (ci | _has(rows, ["reported_estimate", "n1", "n2"])) & ~oriented
        why = "no means with SDs and arm sizes, no standardized difference with an interval or with arm sizes"
        if means.any():
            m = rows[means]
            es = _batch("means and SDs", outcome, effect_sizes, m[ARMS_MEANS].astype(float).assign(_trial=_trials(m)),
                        "SMD", labels="_trial")
            parts.append(pd.DataFrame({"route": "means and SDs", "yi": es["yi"].to_numpy(), "vi": es["vi"].to_numpy(),
                                       "approximate": False, "es_method": es["es_method"].to_numpy()}, index=m.index))
        if rep.any():
            parts += _from_reported(rows[rep], outcome, "ci")
        if sized.any():
            parts += _from_reported(rows[sized], outcome, "sizes")
    effects = pd.concat(parts) if parts else pd.DataFrame(columns=["route", "yi", "vi", "approximate", "es_method"])
    no_direction = ("the reported estimate has no reported_direction (which way it compares the arms), so it is "
                    "not used")
    unused = [(eid, no_direction if unoriented[idx] else why) for idx, eid in zip(rows.index, rows["effect_id"])
              if idx not in effects.index]
    return effects, unused


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
    rows = studies[studies["outcome"] == outcome].reset_index(drop=True)  # one label per row, in file order
    part = rows["subgroup"].notna() if "subgroup" in rows else pd.Series(False, index=rows.index)
    effects, unused_rows = _routes(rows[~part], outcome, measure)
    unused = [{"effect_id": e, "reason": f"numbers for a subgroup only ({g}), not the whole randomised sample"}
              for e, g in zip(rows.loc[part, "effect_id"], rows.loc[part, "subgroup"])]
    unused += [{"effect_id": e, "reason": r} for e, r in unused_rows]
    used = rows.loc[[i for i in rows.index if i in effects.index]]  # the order of the file
    eff = effects.reindex(used.index)
    records = [{**{c: r[c] for c in KEEP}, "yi": float(e["yi"]), "vi": float(e["vi"]), "measure": measure,
                "route": e["route"], "approximate": bool(e["approximate"]), "es_method": e["es_method"],
                **{c: float(e[c]) if c in e else np.nan for c in COUNT_COLUMNS}}
               for (_, r), (_, e) in zip(used.iterrows(), eff.iterrows())]
    out = pd.DataFrame(records, columns=KEEP + ["yi", "vi", "measure", "route", "approximate", "es_method", *COUNT_COLUMNS])
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
