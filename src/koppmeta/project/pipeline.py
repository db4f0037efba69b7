"""The analyses of the evidence base, one function per question, shared by the notebooks, the command
line and the report.

- :func:`outcome_effects`: the usable trials for an outcome at a time point (optionally without the
  approximate ones), each trial once;
- :func:`analyse_outcome`: those trials pooled, overall or by a grouping column (intervention type,
  risk of bias, ...), with every reason for not pooling said in words; ``koppmeta forest`` and
  notebook 10 call it;
- :func:`pooled_summary`: every outcome pooled in one table, with a note for each outcome that was
  not (``koppmeta summary``);
- :func:`method_comparison`: the same trials pooled by the few-trials methods side by side;
- :func:`findings`: the summary-of-findings table for the outcomes that can be pooled;
- :func:`display_scale`, :func:`display_frame`: a fit's (or a table's) numbers on the scale a reader
  sees (risk ratios, not log risk ratios), the one place where the back-transform is written.

Nothing here computes a statistic itself: every number comes from the library
(:func:`koppmeta.meta_analysis`, :func:`koppmeta.subgroup_analysis`, :func:`koppmeta.summary_of_findings`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .evidence import effects_for

__all__ = ["AnalysisError", "Analysis", "display_scale", "display_frame", "outcome_effects", "analyse_outcome", "pooled_summary",
           "display_term", "forest_title", "forest_options",
           "method_comparison", "findings", "control_risks", "participants", "findings_export", "SOF_EXPORT_COLUMNS", "worst_rating_by_outcome", "SEVERITY", "METHODS_FEW_TRIALS"]

# The rows of a method comparison for few trials: (label code, method, test)
METHODS_FEW_TRIALS = (("m_fe", "FE", "z"), ("m_z", "REML", "z"), ("m_hk", "REML", "knha"), ("m_adhoc", "REML", "adhoc"))


class AnalysisError(ValueError):
    """A choice that leaves nothing to analyse; the message says which choice and what would work."""


def display_scale(fit) -> dict[str, float]:
    """``estimate, ci_low, ci_high, pi_low, pi_high`` on the scale a reader sees (exp of a log ratio),
    with ``k, pval, tau2, i2`` unchanged."""
    out = {name: float(fit.back_transform(getattr(fit, name))) for name in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high")}
    out.update(k=int(fit.k), pval=float(fit.pval), tau2=float(fit.tau2), i2=float(fit.i2))
    return out


def display_frame(result, columns=("estimate", "ci_low", "ci_high")) -> pd.DataFrame:
    """``result.to_frame()`` (a subgroup analysis: one row per group and the overall row) with ``columns``
    on the scale a reader sees (exp of a log ratio), ready for :func:`koppmeta.estimates_plot`."""
    table = result.to_frame()
    fit = getattr(result, "overall", result)
    for col in columns:
        table[col] = fit.back_transform(table[col])
    return table


def outcome_effects(studies: pd.DataFrame, outcome: str, *, timepoint: str | float = "longest",
                    exclude_approximate: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The usable trials for ``outcome`` (:func:`koppmeta.effects_for`), and those left out because their
    effect rests on an approximation (``exclude_approximate``); returns ``(used, excluded)``."""
    eff = effects_for(studies, outcome, timepoint=timepoint)
    if not exclude_approximate:
        return eff, eff.iloc[0:0]
    keep = ~eff["approximate"].astype(bool)
    used = eff[keep].reset_index(drop=True)
    used.attrs = dict(eff.attrs)
    return used, eff[~keep].reset_index(drop=True)


@dataclass
class Analysis:
    """One outcome pooled with the chosen settings: the trials, the fit (and subgroups), and in
    ``messages`` every reason why something was not pooled."""

    outcome: str
    settings: dict
    trials: pd.DataFrame  # every usable trial
    effects: pd.DataFrame  # the trials pooled
    excluded: pd.DataFrame  # left out as approximate
    fit: object = None
    subgroups: object = None
    messages: list = field(default_factory=list)

    @property
    def k(self) -> int:
        return len(self.effects)

    @property
    def pooled(self) -> dict[str, float] | None:
        return None if self.fit is None else display_scale(self.fit)

    @property
    def result(self):
        """What a forest plot draws: the subgroups when asked for and possible, else the overall fit."""
        return self.subgroups if self.subgroups is not None else self.fit


def _check_grouping(eff: pd.DataFrame, outcome: str, by: str, test: str) -> str | None:
    """Why ``eff`` cannot be split by ``by``, or None."""
    if by not in eff.columns:
        return (f"unknown column {by!r} for subgroups. Columns of the effects table: "
                f"{', '.join(c for c in eff.columns if c not in ('yi', 'vi'))}.")
    groups = eff[by]
    if groups.isna().any():
        missing = ", ".join(eff.loc[groups.isna(), "study_id"].astype(str))
        return f"column {by!r} is missing for {missing}; every trial needs a value to be placed in a subgroup."
    values = groups.astype(str)
    if values.nunique() < 2:
        others = [c for c in ("intervention_type", "risk_of_bias", "parent_disorder", "child_age")
                  if c != by and c in eff.columns and eff[c].notna().all() and eff[c].astype(str).nunique() > 1]
        hint = f" Columns that do split these trials: {', '.join(others)}." if others else \
            " No other grouping column splits these trials."
        return (f"subgroups by {by}: all {len(eff)} trials with usable numbers for {outcome!r} have {by} = "
                f"{values.iloc[0]!r}; one group leaves nothing to compare.{hint}")
    small = sorted(g for g, n in values.value_counts().items() if n < 2)
    if test != "z" and small:
        return (f"subgroups by {by}, test {test}: the group(s) {', '.join(map(repr, small))} hold one trial, and "
                "the Knapp-Hartung test needs 2 per group. Use the z test for these subgroups.")
    return None


def analyse_outcome(studies: pd.DataFrame, outcome: str, *, method: str = "REML", test: str = "adhoc",
                    by: str | None = None, timepoint: str | float = "longest", exclude_approximate: bool = False,
                    min_k: int = 2, labels: str = "citation") -> Analysis:
    """Pool the usable trials for ``outcome`` with the chosen estimator and test, overall and, with
    ``by``, per group of that column (with the test for subgroup differences).

    Never raises for a choice that leaves too little to pool: ``fit`` (or ``subgroups``) stays None
    and ``messages`` says why. ``min_k``: the fewest trials pooled (1 draws a single trial's forest).
    ``test`` defaults to the ad hoc Hartung-Knapp test, as the command line and the report: with few
    trials the z interval is too narrow.
    """
    from ..models.univariate import meta_analysis
    from ..models.regression import subgroup_analysis

    eff, excluded = outcome_effects(studies, outcome, timepoint=timepoint, exclude_approximate=exclude_approximate)
    trials = effects_for(studies, outcome, timepoint=timepoint) if exclude_approximate else eff
    res = Analysis(outcome, dict(method=method, test=test, by=by, timepoint=timepoint,
                                 exclude_approximate=exclude_approximate), trials, eff, excluded)
    if len(excluded):
        res.messages.append(f"Excluded as approximate ({len(excluded)}): "
                            + "; ".join(f"{c} ({r})" for c, r in zip(excluded["citation"], excluded["route"])))
    if len(eff) == 0 and not len(excluded):
        unused = "; ".join(f"{e}: {why}" for e, why in eff.attrs.get("unused", ()))
        res.messages.append(f"no trial has usable numbers for outcome {outcome!r} ({unused}); see data/GAPS.md.")
        return res
    needed = max(min_k, 2 if test != "z" else 1)
    if len(eff) < needed:
        res.messages.append(f"{len(eff)} trial(s) left for {outcome!r}: nothing to pool"
                            + (f" with the {test} test, which needs at least 2" if test != "z" and len(eff) else "")
                            + ". Change the choices (or use the z test).")
        return res
    measure = eff["measure"].iloc[0]
    res.fit = meta_analysis("yi", "vi", data=eff, labels=labels, measure=measure, method=method, test=test)
    if by is not None:
        why = _check_grouping(eff, outcome, by, test)
        if why is not None:
            res.messages.append(why)
        else:
            res.subgroups = subgroup_analysis("yi", "vi", eff[by].astype(str).tolist(), data=eff, labels=labels,
                                              measure=measure, method=method, test=test)
    return res


def display_term(kind: str, code, lang: str = "en") -> str:
    """``code`` as figures show it: its entry in :data:`koppmeta.translations.TERMS` in ``lang`` where there is
    one, else the code with spaces for underscores (a column or value the table does not know)."""
    from .. import translations as tr

    if kind in tr.TERMS and str(code) in tr.codes(kind):
        return tr.term(kind, code, lang)
    return str(code).replace("_", " ")


def forest_title(analysis: Analysis, lang: str = "en") -> str:
    """The title of the forest plot of ``analysis`` in ``lang``: outcome, subgroups and test in words (the
    title of ``koppmeta forest``; no code names, so a Dutch title is Dutch)."""
    from .. import translations as tr

    words = tr.CLI_OUTPUT_TEXT[lang]
    test = tr.OWN_DATA_TEXT[lang][f"short_{analysis.settings['test']}"]
    outcome = display_term("outcome", analysis.outcome, lang)
    if analysis.subgroups is None:
        return words["forest_title"].format(outcome=outcome, test=test)
    by = display_term("column", analysis.settings["by"], lang).lower()
    return words["forest_title_by"].format(outcome=outcome, by=by, test=test)


def forest_options(analysis: Analysis, lang: str = "en") -> dict:
    """The arguments of :func:`koppmeta.forest_plot` that draw ``analysis`` as ``koppmeta forest`` does: its title
    (:func:`forest_title`), the follow-up of each trial in months, the risk-of-bias lights and, with subgroups,
    the group names in ``lang``. Use as ``forest_plot(analysis.result, lang=lang, **forest_options(analysis, lang))``."""
    from .. import formatting
    from .. import translations as tr

    eff = analysis.effects
    post = tr.term("word", "post_test", lang)
    months = [post if m == 0 else formatting.number(m, 0 if float(m).is_integer() else 1, lang) if m == m else ""
              for m in eff["timepoint_months"].astype(float)]
    out = {"title": forest_title(analysis, lang),
           "columns": pd.DataFrame({tr.CLI_OUTPUT_TEXT[lang]["months"]: months}),
           "rob": eff["risk_of_bias"].tolist()}
    if analysis.subgroups is not None:
        by = analysis.settings["by"]
        out["group_labels"] = {g: display_term(by, g, lang) for g in analysis.subgroups.groups}
    return out


def pooled_summary(studies: pd.DataFrame, *, method: str = "REML", test: str = "adhoc") -> tuple[pd.DataFrame, list[str]]:
    """Every outcome with two or more usable trials pooled, one row each (on the display scale), and a
    note for every outcome or row that was not used, so nothing is dropped without a word. ``test``
    defaults to the ad hoc Hartung-Knapp test (as :func:`analyse_outcome`)."""
    from ..models.univariate import meta_analysis

    rows, notes = [], []
    for outcome in sorted(studies["outcome"].dropna().unique()):
        eff = effects_for(studies, outcome)
        n_rows = int((studies["outcome"] == outcome).sum())
        unused = len(eff.attrs.get("unused", ()))
        if len(eff) < 2:
            trials = ", ".join(eff["study_id"]) if len(eff) else "none"
            notes.append(f"not pooled: {outcome} (k = {len(eff)} trial(s) with usable numbers: {trials}; "
                         f"{unused} of its {n_rows} row(s) without usable numbers)")
            continue
        fit = meta_analysis(eff["yi"], eff["vi"], method=method, test=test, measure=eff["measure"].iloc[0])
        shown = display_scale(fit)
        rows.append({"outcome": outcome, "measure": fit.measure, "k": fit.k, "estimate": shown["estimate"],
                     "ci_low": shown["ci_low"], "ci_high": shown["ci_high"], "pval": fit.pval, "tau2": fit.tau2,
                     "i2_percent": fit.i2, "trials": ", ".join(eff["study_id"])})
        if unused:
            notes.append(f"{outcome}: {unused} of {n_rows} row(s) without usable numbers "
                         "(koppmeta.effects_for(...).attrs['unused'] lists them)")
    columns = ["outcome", "measure", "k", "estimate", "ci_low", "ci_high", "pval", "tau2", "i2_percent", "trials"]
    return pd.DataFrame(rows, columns=columns), notes


def method_comparison(eff: pd.DataFrame, methods=METHODS_FEW_TRIALS) -> list[tuple[str, object]]:
    """The same trials pooled by each ``(label code, method, test)``: ``[(code, fit), ...]``."""
    from ..models.univariate import meta_analysis

    measure = eff["measure"].iloc[0]
    return [(code, meta_analysis(eff["yi"], eff["vi"], measure=measure, method=method, test=test))
            for code, method, test in methods]


# the order of seriousness of a risk-of-bias rating: where a trial's results are rated differently,
# the most serious rating counts
SEVERITY = {"high": 3, "some_concerns": 2, "low": 1, "unclear": 0}


def worst_rating_by_outcome(studies: pd.DataFrame) -> pd.DataFrame:
    """One row per trial (``study_id``), one column per outcome: the trial's most serious risk-of-bias
    rating for that outcome, None where the trial does not report it (for :func:`koppmeta.rob_summary`)."""
    worst = (studies.groupby(["study_id", "outcome"])["risk_of_bias"]
             .agg(lambda r: max(r, key=SEVERITY.__getitem__)).unstack())
    return worst.astype(object).where(worst.notna(), None).reset_index().rename_axis(columns=None)


def findings(fits: dict, effects: dict[str, pd.DataFrame], *, baseline_risks=None, participants=None):
    """The summary of findings (:func:`koppmeta.summary_of_findings`) for the pooled outcomes, with the
    trials' risk-of-bias judgements as the GRADE suggestions' input."""
    from ..reporting.findings import summary_of_findings

    return summary_of_findings(fits, baseline_risks=baseline_risks, participants=participants,
                               rob={o: list(effects[o]["risk_of_bias"]) for o in fits})


def control_risks(studies: pd.DataFrame, outcome: str = "incidence") -> pd.DataFrame:
    """The risks without the intervention that the trials observed: the rows of ``outcome`` with a
    percentage in the control arm (``percent2``), with the trial's reader label, lowest first."""
    from .report import trial_labels

    labels = trial_labels(studies)
    base = studies[(studies["outcome"] == outcome) & studies["percent2"].notna()]
    base = base[["effect_id", "study_id", "parent_disorder", "timepoint_months", "percent2", "source"]]
    return base.assign(trial=[labels[s] for s in base["study_id"]]).sort_values("percent2")


def participants(studies: pd.DataFrame, eff: pd.DataFrame) -> float:
    """Participants behind the effects ``eff``: the sum of both arms of each effect row; NaN when a
    row lacks an arm size (unknown stays unknown)."""
    nn = studies.set_index("effect_id").loc[eff["effect_id"], ["n1", "n2"]].astype(float)
    return float((nn["n1"] + nn["n2"]).sum()) if nn.notna().all().all() else float("nan")


# the columns of the exported summary-of-findings table (CSV), in order
SOF_EXPORT_COLUMNS = ("outcome", "baseline_label", "baseline_risk", "relative", "relative_ci_low", "relative_ci_high",
                      "assumed_per_1000", "corrected_per_1000", "corrected_ci_low", "corrected_ci_high",
                      "difference_per_1000", "difference_ci_low", "difference_ci_high", "nnt", "nnt_ci_a", "nnt_ci_b",
                      "nnt_through_infinity", "certainty")


def findings_export(sof, names: dict[str, dict[str, str]], lang: str, digits: int = 4) -> pd.DataFrame:
    """The summary of findings as a table to export in ``lang``: outcome names from ``names``
    (outcome -> language -> name), certainty and yes/no words and the headers from the translation
    table; numbers rounded to ``digits`` (the CSV writer sets the decimal sign)."""
    from ..translations import term

    table = sof.to_frame()
    cols = list(SOF_EXPORT_COLUMNS)
    out = table[cols].round(digits).assign(
        outcome=[names[o][lang] for o in table["outcome"]],
        certainty=[term("certainty", c, lang) for c in table["certainty"]],
        nnt_through_infinity=[term("word", "yes" if b else "no", lang) for b in table["nnt_through_infinity"]])
    return out.rename(columns={c: term("sof_field", c, lang) for c in cols})
