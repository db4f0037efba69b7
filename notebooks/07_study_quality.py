# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # By study quality: do better trials find smaller effects?
#
# **Question.** Meta-analyses often find that trials at higher risk of bias report larger effects.
# Does that hold for the KOPP/KOV trials, and can our data show it?
#
# **Published numbers** (from `data/reviews.csv`, with source): Thanhäuser 2017 reports, in its
# moderator analyses, that "Higher study quality was associated with smaller effects." The abstract
# gives no coefficient, no p-value and no quality scale, so there is no number to reproduce, only a
# direction.
#
# **Short answer.** Not on our data yet. Every trial is now rated domain by domain (RoB 2), and few
# trials are left `unclear`; but no trial reaches `low` from the texts that could be read, and every
# trial with usable numbers has the same rating (`some_concerns`), so there is nothing to compare. The
# notebook shows the ratings, runs the quality analyses as far as they go, shows the same analysis on
# a dataset where quality varies, and checks each of these statements.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import koppmeta
from koppmeta.project.evidence import effects_for
from koppmeta.project.paths import figures_dir
from koppmeta.project.pipeline import display_frame, display_scale, worst_rating_by_outcome
from koppmeta.translations import term

reviews = koppmeta.load_reviews()
thanhauser = reviews[reviews["review_id"] == "thanhauser2017"].iloc[0]
quote = thanhauser["source_quote"]
print(quote[quote.index("Interventions addressing"):])
print("source:", thanhauser["source"], "|", thanhauser["source_location"])

# %% [markdown]
# ## The ratings in `data/studies.csv`
# `risk_of_bias` follows the codebook rubric (`data/README.md`): each row is judged on the five RoB 2
# domains (`rob_randomisation`, `rob_deviations`, `rob_missing_data`, `rob_measurement`,
# `rob_reporting`), each judgement resting on a quoted basis, and the overall rating follows from the
# domains by the written rule; `unclear` only when the source read says nothing on any domain. Where a
# published review rated the trial, its rating sits beside ours (`review_rob`, with source and quote).

# %%
LEVELS = ["low", "some_concerns", "high", "unclear"]
studies = koppmeta.load_studies()
by_row = studies["risk_of_bias"].value_counts().reindex(LEVELS, fill_value=0)
trial_ratings = studies.groupby("study_id")["risk_of_bias"].agg(lambda r: ", ".join(sorted(set(r), key=LEVELS.index)))
by_trial = trial_ratings.value_counts()
print("rows:", {k: int(v) for k, v in by_row.items()}, f"(of {len(studies)})")
print("trials:", {k: int(v) for k, v in by_trial.items()}, f"(of {studies['study_id'].nunique()})")
not_reported = studies["risk_of_bias_basis"].str.startswith("not reported in the source read")
print("rows whose basis is 'not reported in the source read':", int(not_reported.sum()))

# %% [markdown]
# The figure draws, per outcome, the share of trials at each rating (a trial's most serious rating
# for that outcome counts), in the library's risk-of-bias colours, in English and Dutch.

# %%
worst = worst_rating_by_outcome(studies)
order = list(studies["outcome"].value_counts().index)
TITLE = {"en": "Risk-of-bias ratings of the trials, by outcome", "nl": "Risico op vertekening van de studies, per uitkomst"}
for lang in ("en", "nl"):
    fig = koppmeta.rob_summary(worst, domains={o: term("outcome", o, lang) for o in order}, overall=None,
                               study="study_id", lang=lang, title=TITLE[lang])
    koppmeta.save_figure(fig, figures_dir() / f"quality_ratings_{lang}")
    plt.close(fig)
fig

# %% [markdown]
# No row is rated `low`: no text read describes every domain as adequate, and a domain the source
# does not describe cannot be judged `low`. Six trials are `high` on at least one row, among them the
# designs without randomisation (van der Zanden 2010, Bühler 2013) and Cooper 2003, which Cochrane
# review CD004687 rates high for allocation concealment. `unclear` is left for the few trials whose source says nothing on any domain.
#
# The `unclear` rows whose basis nevertheless quotes something are listed here for the next curation
# round:

# %%
described = studies[(studies["risk_of_bias"] == "unclear") & ~not_reported]
described.groupby("study_id")["risk_of_bias_basis"].first().to_frame("basis (quoted)")

# %% [markdown]
# ## The trials that can be analysed, by rating
# Which trials have usable numbers (via `effects_for`, longest follow-up), per outcome and rating?

# %%
usable = []
for outcome in sorted(studies["outcome"].unique()):
    eff = effects_for(studies, outcome)
    if len(eff):
        usable.append(eff[["outcome", "study_id", "risk_of_bias", "intervention_type", "route", "yi", "vi"]])
usable = pd.concat(usable, ignore_index=True)
pd.crosstab(usable["outcome"], usable["risk_of_bias"]).reindex(columns=LEVELS, fill_value=0)

# %% [markdown]
# Two outcomes have more than one usable trial, incidence (five trials) and anxiety symptoms (two
# trials), and every usable trial, of these and of parent symptoms, is rated `some_concerns`.

# %% [markdown]
# ## Subgroup analysis and meta-regression on `risk_of_bias`
# The function below is what the analysis will be once ratings vary: trials rated `unclear` are set
# aside (listed, not dropped silently), the rated trials are compared by subgroup (a separate τ² per
# group, as RevMan) and by a meta-regression on an ordinal quality score (low = 0, some concerns = 1,
# high = 2; Knapp-Hartung test, as advised for few studies). It returns the reason when a step is not
# possible.

# %%
SCORE = {"low": 0, "some_concerns": 1, "high": 2}


def by_quality(eff, measure):
    """Quality subgroups and meta-regression for one outcome's trials, or the reason why not."""
    out = {"k": len(eff), "rated": int(eff["risk_of_bias"].isin(SCORE).sum()),
           "levels": ", ".join(sorted(set(eff["risk_of_bias"]), key=LEVELS.index))}
    rated = eff[eff["risk_of_bias"].isin(SCORE)].assign(quality_score=lambda d: d["risk_of_bias"].map(SCORE).astype(float))
    out["set aside (unclear)"] = ", ".join(eff.loc[~eff["risk_of_bias"].isin(SCORE), "study_id"])
    try:
        out["subgroups"] = koppmeta.subgroup_analysis("yi", "vi", "risk_of_bias", data=rated, labels="study_id",
                                                      measure=measure)
    except ValueError as err:
        out["subgroups"] = None
        out["subgroups: why not"] = str(err) if len(rated) else "no trial with a rating other than 'unclear'"
    try:
        out["regression"] = koppmeta.meta_regression("yi", "vi", ["quality_score"], data=rated, labels="study_id",
                                                     test="knha")
    except ValueError as err:
        out["regression"] = None
        out["regression: why not"] = str(err) if len(rated) else "no trial with a rating other than 'unclear'"
    return out


results = {o: by_quality(usable[usable.outcome == o], "RR" if o == "incidence" else "SMD")
           for o in sorted(usable["outcome"].unique())}
pd.DataFrame(results).T.drop(columns=["subgroups", "regression"])

# %% [markdown]
# Even with the `unclear` trials kept as a group of their own, incidence has one level only, and
# the library says so rather than fitting a model that cannot be identified:

# %%
inc = usable[usable.outcome == "incidence"]
for attempt in (lambda: koppmeta.subgroup_analysis("yi", "vi", "risk_of_bias", data=inc, labels="study_id", measure="RR"),
                lambda: koppmeta.meta_regression("yi", "vi", ["risk_of_bias"], data=inc, labels="study_id")):
    try:
        attempt()
    except ValueError as err:
        print(err)

# %% [markdown]
# ## The same analysis where quality varies: metafor's BCG trials
# To show what the output will look like, here is the analysis on the BCG vaccine trials
# (`koppmeta.datasets.load_bcg()`, metafor's `dat.bcg`), whose `alloc` column records how patients
# were allocated: random, alternate or systematic. Random allocation is a quality marker
# (Cochrane domain 1). This is a method example, not evidence about KOPP/KOV programmes.

# %%
bcg = koppmeta.datasets.load_bcg()
es = koppmeta.effect_sizes(bcg, "RR", events1="tpos", nonevents1="tneg", events2="cpos", nonevents2="cneg",
                           labels="label")
es["allocation"] = np.where(es["alloc"] == "random", "random", "not random")
bcg_sub = koppmeta.subgroup_analysis("yi", "vi", "allocation", data=es, labels="label", measure="RR")
print(bcg_sub.summary())
bcg_reg = koppmeta.meta_regression("yi", "vi", ["alloc"], data=es, labels="label", test="knha",
                                   reference={"alloc": "random"})
print(bcg_reg.summary())

# %%
tab = display_frame(bcg_sub)  # risk ratios, not log risk ratios
tab["label"] = [f"{g} allocation (k = {k})" if g != "overall" else f"all trials (k = {k})" for g, k in zip(tab["group"], tab["k"])]
fig = koppmeta.estimates_plot(tab, ratio=True, xlabel="Risk ratio of tuberculosis (95% CI)",
                              title="Method example (BCG trials): pooled effect by allocation method")
koppmeta.save_figure(fig, figures_dir() / "quality_method_example_bcg_en")
fig

# %% [markdown]
# In the BCG trials the randomised trials show the *larger* protective effect (RR about 0.38 versus
# 0.62), the opposite of Thanhäuser's direction, but the difference is not statistically secure
# (p = 0.16). Whether better trials find smaller effects is an empirical question for each body of
# evidence, which is why it matters that our usable trials all share one rating.
#
# ## Thanhäuser's finding, checked on our data
# It cannot be checked yet: the outcomes with more than one usable trial (incidence, five trials;
# anxiety symptoms, two trials) have a single rating, `some_concerns`, for all of them. What would make the check possible: usable
# numbers for the trials rated `high` (their per-arm numbers are listed in `data/gaps.csv`), and
# domain judgements from full texts that could move a trial to `low`. Note that three incidence
# trials (Compas 2015 and the two Ginsburg trials) are also the three family programmes; if their
# ratings diverged from the others, quality and intervention type would be confounded (notebook 06).

# %% [markdown]
# ## What can be said instead: how robust is the incidence result to the method?
# With every incidence trial rated `some_concerns`, a quality sensitivity analysis cannot be run. What the five
# trials do allow is a check of how much the answer depends on the pooling method (notebook 04 has the
# details): the same trials pooled by fixed effect, REML with z and Hartung-Knapp tests, Mantel-Haenszel on
# the arm counts (three trials have them), and the Bayesian model with the Turner et al. (2015) prior for the onset of a new disorder.

# %%
TURNER = {"outcome": "infection / onset of new disease", "comparison": "non-pharmacological vs. placebo / control"}
inc_methods = koppmeta.compare_methods("yi", "vi", data=effects_for(studies, "incidence"), labels="citation",
                                       measure="RR", events1="events1", n1="n1", events2="events2", n2="n2",
                                       tau_prior="turner", prior_options=TURNER)
inc_table = inc_methods.to_frame().set_index("key")
inc_table[["k", "estimate", "ci_low", "ci_high", "pi_low", "pi_high", "tau"]].round(2)

# %% [markdown]
# Every method finds fewer new disorders with the intervention (risk ratios between about 0.2 and 0.5),
# and every confidence or credible interval excludes 1. The prediction intervals part ways: those of REML
# with z tests and of the Bayesian model stay below 1 (upper ends about 0.97 and 0.96), while the
# Hartung-Knapp ones include it (upper ends about 1.40 and 1.43). Trials at lower risk of bias could move
# this either way; until such trials have numbers, the direction is the robust part of the result.

# %% [markdown]
# ## Checks

# %%
assert "Higher study quality was associated with smaller effects" in quote
assert by_row["low"] == 0, "a row is rated low: update the text"
assert by_row["unclear"] / len(studies) < 0.35 and by_row["some_concerns"] > by_row["high"] > by_row["unclear"]
unclear_trials = set(studies.loc[studies.risk_of_bias == "unclear", "study_id"])
assert len(unclear_trials) / studies["study_id"].nunique() < 0.35
high = set(studies.loc[studies.risk_of_bias == "high", "study_id"])
assert {"vanderzanden2010", "vandoesum2008", "cooper2003"} <= high and len(high) == 6
trials_per_outcome = usable.groupby("outcome").size()
assert trials_per_outcome[trials_per_outcome > 1].to_dict() == {"anxiety_symptoms": 2, "incidence": 5}
assert (usable["risk_of_bias"] == "some_concerns").all()
assert set(inc.loc[inc.intervention_type == "family", "study_id"]) == {"compas2009", "ginsburg2009", "ginsburg2015"}
assert all(r["subgroups"] is None and r["regression"] is None for r in results.values()), "a quality comparison became possible"
rr_random, rr_not = (display_scale(bcg_sub.groups[g])["estimate"] for g in ("random", "not random"))
assert rr_random < rr_not
assert 0.05 < bcg_sub.q_between_pval < 0.2 and round(bcg_sub.q_between_pval, 2) == 0.16
assert round(rr_random, 2) == 0.38 and round(rr_not, 2) == 0.62
assert (inc_table["estimate"].dropna() < 1).all() and (inc_table["ci_high"].dropna() < 1).all(), \
    "an interval now includes 1: update the text"
pi_high = inc_table["pi_high"].dropna()
assert set(pi_high[pi_high < 1].index) == {"REML-z", "Bayes"} and set(pi_high[pi_high > 1].index) == {"REML-HKSJ", "REML-HKSJ-adhoc"}, \
    "the prediction intervals changed side: update the text"
assert pi_high.round(2).to_dict() == {"REML-z": 0.97, "REML-HKSJ": 1.40, "REML-HKSJ-adhoc": 1.43, "Bayes": 0.96}
assert inc_table.loc["MH", "k"] == effects_for(studies, "incidence").dropna(subset=["events1", "n1", "events2", "n2"]).shape[0] == 3
assert 0.15 < inc_table["estimate"].min() and inc_table["estimate"].max() < 0.5
print("All checks passed.")
