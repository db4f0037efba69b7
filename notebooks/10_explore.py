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
# # Explore: change the choices, watch the pooled effect move
#
# **For students.** A meta-analysis is a chain of choices: which outcome, which trials, which
# estimator of the between-trial variance τ², which test, which subgroups. Run all cells, then use
# the controls below; the forest plot and the pooled numbers update at once. No Python at hand? Open
# `reports/explore.html` (written by `make reproduce`, or `koppmeta explore`): the evidence base in any
# browser, offline, with every pooled number computed in advance by the same code.
#
# **Question.** How much does the pooled effect depend on these choices, for the outcomes where our
# data allow a re-analysis?
#
# **Published numbers** to compare with (from `data/reviews.csv`, each with its source): for the
# incidence of a new disorder in the child, Siegenthaler 2012 RR 0.60 (0.45-0.79), Loechner 2018
# 0.56 (0.41-0.77), Lannes 2021 0.53 (0.34-0.84).

# %%
import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import clear_output, display

import koppmeta
from koppmeta.project.evidence import effects_for
from koppmeta.project.paths import figures_dir
from koppmeta.project.pipeline import analyse_outcome, forest_options

reviews = koppmeta.load_reviews()
reviews.loc[(reviews["outcome"] == "incidence") & reviews["review_id"].isin(["siegenthaler2012", "loechner2018", "lannes2021"]),
            ["review_id", "estimate", "ci_low", "ci_high", "source"]]

# %% [markdown]
# ## Which outcomes can be explored
# An outcome is offered when at least two trials have usable numbers (see notebooks 04 and 05 for
# what "usable" means). Today that is two outcomes: incidence, with five trials, and anxiety
# symptoms, with two (Ginsburg 2009 and Ginsburg 2015); every other outcome has none or one. When
# `data/studies.csv` grows, the list grows with it. The controls open on incidence.

# %%
studies = koppmeta.load_studies()
usable_counts = {o: len(effects_for(studies, o)) for o in sorted(studies["outcome"].unique())}
OUTCOMES = [o for o, n in usable_counts.items() if n >= 2]
print("usable trials per outcome:", {o: n for o, n in usable_counts.items() if n})
print("offered:", OUTCOMES)

# %% [markdown]
# ## The analysis behind the controls
# `analyse_outcome` (the project's pipeline, the same function as `koppmeta forest`) does the work
# and returns the trials, the fit and the subgroups; `update` shows them in the forest plot that
# `koppmeta forest` draws (`forest_options`: title, follow-up, risk-of-bias lights, in the chosen
# language). Nothing is dropped silently: when a choice leaves fewer than two trials, or a subgroup
# analysis is not possible, the output says why.

# %%
METHODS = ["REML", "DL", "FE", "ML", "PM", "EB", "HE", "SJ", "HS"]
SUBGROUPS = ["(none)", "intervention_type", "parent_disorder", "child_age", "comparator", "risk_of_bias", "route"]


def update(outcome, method, test, subgroup, exclude_approximate, timepoint, lang):
    """Show the analysis for the current choices (called by the controls on every change)."""
    by = None if subgroup == "(none)" else subgroup
    res = analyse_outcome(studies, outcome, method=method, test=test, by=by, timepoint=timepoint,
                          exclude_approximate=exclude_approximate)
    print(f"{outcome}: estimator {method}, {test} test, {timepoint} follow-up per trial"
          + (f", subgroups by {subgroup}" if by else "")
          + (", approximate inputs excluded" if exclude_approximate else ""))
    for message in res.messages:
        print(message)
    if res.fit is not None:
        fig = koppmeta.forest_plot(res.result, lang=lang, **forest_options(res, lang))
        plt.close(fig)
        display(fig, res.fit)
    if res.subgroups is not None:
        display(res.subgroups)
    return res


# %% [markdown]
# ## The controls
# - **Outcome**: outcomes with at least two usable trials.
# - **Time point**: each trial's longest or shortest usable follow-up.
# - **Estimator** of τ² (REML is the default of metafor; DL is what most published reviews used).
# - **Test**: ad hoc Knapp-Hartung (the start: t with k - 1 df and never narrower than z; what the
#   report, the command line and the explore page use, as few trials need), Knapp-Hartung, or z
#   (normal; what most published reviews used).
# - **Subgroups**: a column of the trial table; each group pooled on its own, with the test of
#   subgroup differences.
# - **Exclude approximate inputs**: leave out trials whose effect rests on an approximation
#   (counts reconstructed from percentages, a hazard ratio or an odds ratio with its p-value standing
#   in for a risk ratio, a standardized difference whose source does not name its type).

# %%
style = {"description_width": "110px"}
controls = {
    "outcome": widgets.Dropdown(options=OUTCOMES, value="incidence", description="Outcome", style=style),
    "timepoint": widgets.Dropdown(options=["longest", "shortest"], value="longest", description="Time point", style=style),
    "method": widgets.Dropdown(options=METHODS, value="REML", description="Estimator (τ²)", style=style),
    "test": widgets.ToggleButtons(options=[("ad hoc Knapp-Hartung", "adhoc"), ("Knapp-Hartung", "knha"), ("z", "z")], value="adhoc",
                                  description="Test", style=style),
    "subgroup": widgets.Dropdown(options=SUBGROUPS, value="(none)", description="Subgroups", style=style),
    "exclude_approximate": widgets.Checkbox(value=False, description="Exclude approximate inputs", indent=False),
    "lang": widgets.ToggleButtons(options=[("English", "en"), ("Nederlands", "nl")], value="en", description="Language", style=style),
}
out = widgets.interactive_output(update, controls)
ui = widgets.VBox([
    widgets.HBox([controls["outcome"], controls["timepoint"]]),
    widgets.HBox([controls["method"], controls["subgroup"]]),
    controls["test"], controls["lang"], controls["exclude_approximate"],
])
display(ui, out)

# %% [markdown]
# ## Things to try
# 1. Switch the estimator from REML to DL, then to FE. Which one gives the narrowest interval, and why?
# 2. Switch the test to z, the normal test most published reviews used. How much narrower is the
#    interval, and is that narrowness earned with five trials?
# 3. Choose subgroups by `intervention_type` (notebook 06) and by `risk_of_bias` (notebook 07). Why is
#    the second not possible?
# 4. Tick "Exclude approximate inputs". What is left, and what would you need to read to do better?
#    (`data/GAPS.md` says where the exact counts are.)

# %% [markdown]
# ## Checks (the same analysis without a browser)
# The cell below calls `update` once with the controls' current values, so the notebook also runs
# headless (as in `make test`), and checks what the text above says.

# %%
with out:
    clear_output(wait=True)
    result = update(**{name: w.value for name, w in controls.items()})
# the figure kept in figures/ is the one the controls open on: REML with the ad hoc Hartung-Knapp interval
exported = analyse_outcome(studies, "incidence")
fig = koppmeta.forest_plot(exported.result, lang="en", **forest_options(exported, "en"))
koppmeta.save_figure(fig, figures_dir() / "explore_incidence_forest_en")

assert OUTCOMES == ["anxiety_symptoms", "incidence"], "offered outcomes changed: update the text"
assert usable_counts["incidence"] == 5 and usable_counts["anxiety_symptoms"] == 2, "offered outcomes changed: update the text"
assert sorted(effects_for(studies, "anxiety_symptoms")["study_id"]) == ["ginsburg2009", "ginsburg2015"]
assert all(n < 2 for o, n in usable_counts.items() if o not in ("incidence", "anxiety_symptoms"))
assert controls["outcome"].value == "incidence" and result.outcome == "incidence"
assert result.fit is not None and result.k == 5 and result.pooled["estimate"] < 1
assert controls["test"].value == "adhoc" and result.fit.test == "adhoc"  # the controls open on the few-trial test
assert result.pooled["ci_high"] < 1  # REML, ad hoc Hartung-Knapp: the interval excludes RR = 1
assert exported.fit.test == "adhoc" and exported.pooled == result.pooled
z_test = analyse_outcome(studies, "incidence", test="z")  # question 2: the z interval is narrower
assert z_test.pooled["ci_low"] > result.pooled["ci_low"] and z_test.pooled["ci_high"] < result.pooled["ci_high"]
everything_approximate = analyse_outcome(studies, "incidence", exclude_approximate=True)
assert everything_approximate.fit is None and everything_approximate.k == 0 and len(everything_approximate.excluded) == 5
anxiety = analyse_outcome(studies, "anxiety_symptoms", test="adhoc")
assert anxiety.fit is not None and anxiety.k == 2
anxiety_exact = analyse_outcome(studies, "anxiety_symptoms", exclude_approximate=True)
assert anxiety_exact.fit is None and anxiety_exact.k == 1 and list(anxiety_exact.excluded["study_id"]) == ["ginsburg2015"]
by_rob = analyse_outcome(studies, "incidence", by="risk_of_bias")
assert by_rob.subgroups is None and any("one group leaves nothing to compare" in m for m in by_rob.messages)
by_type = analyse_outcome(studies, "incidence", by="intervention_type")
assert by_type.subgroups is not None and set(by_type.subgroups.groups) == {"child", "family"}
for method in METHODS:
    r = analyse_outcome(studies, "incidence", method=method, test="z")
    assert r.fit.method == method and r.pooled["estimate"] < 1
print("All checks passed.")
