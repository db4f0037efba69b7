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
# # Child symptoms: internalizing, externalizing and depressive symptoms
#
# **Question.** Do preventive interventions lower the symptoms of children of parents with a mental
# illness, and can the published pooled effects be re-computed from the trial rows in `data/`?
#
# **Published numbers** (from `data/reviews.csv`, each with its source): Siegenthaler 2012
# internalizing SMD -0.22 (-0.37 to -0.08) and externalizing SMD -0.16 (-0.36 to 0.04); Loechner 2018
# depressive symptoms at post-test g -0.20 (-0.34 to -0.06). Lannes 2021 and Havinga 2021 report
# post-test effects of the same size. Negative values mean fewer symptoms with the intervention.
#
# **Short answer.** Not yet: no trial row for these three outcomes carries numbers that a
# re-analysis can use (means with SDs and arm sizes, or a standardized difference with its
# interval). This notebook shows the published effects, lists the trial rows and what each one
# lacks, and checks that gap, so that it fails, and has to be rewritten, once numbers are added.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import koppmeta
from koppmeta.project.evidence import effects_for
from koppmeta.project.paths import figures_dir

OUTCOMES = ["internalizing", "externalizing", "depressive_symptoms"]
OUTCOME_EN = {"internalizing": "Internalizing symptoms", "externalizing": "Externalizing symptoms",
              "depressive_symptoms": "Depressive symptoms"}

reviews = koppmeta.load_reviews()
published = reviews[reviews["outcome"].isin(OUTCOMES) & reviews["measure"].isin(["SMD", "g"])
                    & reviews["timepoint"].isin(["post", "unspecified"]) & reviews["ci_low"].notna()].copy()
published[["review_id", "outcome", "timepoint", "measure", "estimate", "ci_low", "ci_high", "p", "source"]]

# %% [markdown]
# Thanhäuser 2017 also pools internalizing (ES 0.17) and externalizing symptoms (0.17 at follow-up),
# but with positive values favouring the intervention and without intervals in its abstract; it is
# left out of the table above (notebook 03 lists it). Lannes' short-term and Havinga's 12-month
# results are follow-ups, not post-test, and are left out too.

# %% [markdown]
# ## The trial rows
# `effects_for` turns each outcome's rows into Hedges' g with its variance when a row has means,
# SDs and arm sizes for both arms, or a reported SMD, d or g with its 95% interval. As the reviews
# pooled post-test effects, each trial contributes its shortest follow-up (`timepoint="shortest"`).
# Rows that no route can use are listed with the reason.

# %%
studies = koppmeta.load_studies()
rows = studies[studies["outcome"].isin(OUTCOMES)]
usable, unused = {}, []
for outcome in OUTCOMES:
    eff = effects_for(studies, outcome, timepoint="shortest")
    usable[outcome] = eff
    unused.append(pd.DataFrame(eff.attrs["unused"], columns=["effect_id", "reason"]).assign(outcome=outcome))
unused = pd.concat(unused, ignore_index=True)
print({o: len(e) for o, e in usable.items()}, "usable trials per outcome")
unused


# %% [markdown]
# ## What each row holds, and what it lacks
# The rows are not empty: they hold design facts, a p-value, a ratio without an interval, or means
# without arm sizes. None of these is enough for a standardized mean difference with a variance, and
# nothing is borrowed from another row (the Platt 2021 thesis analyses an interim subset of the
# families, so the arm sizes of the published trial report do not belong to its means).

# %%
def holds(row):
    """What a trial row holds towards a standardized mean difference (read from its columns)."""
    has = lambda *cols: all(pd.notna(row[c]) for c in cols)  # noqa: E731
    if has("m1", "sd1", "m2", "sd2") and not has("n1", "n2"):
        return "means and SDs, no arm sizes"
    if pd.notna(row["reported_estimate"]) and not has("reported_ci_low", "reported_ci_high"):
        return f"reported {row['reported_measure']} without an interval"
    if pd.notna(row["reported_p"]):
        return "a p-value only"
    return "no effect numbers (the note says where they are)"


inventory = rows.assign(holds=rows.apply(holds, axis=1))[
    ["effect_id", "study_id", "outcome", "outcome_measure", "timepoint_months", "n1", "n2", "reported_measure",
     "reported_estimate", "reported_p", "holds", "risk_of_bias"]]
inventory

# %%
counts = pd.crosstab(inventory["holds"], inventory["outcome"]).reindex(columns=OUTCOMES, fill_value=0)
with koppmeta.plotting.style():
    fig, ax = plt.subplots(figsize=(6.4, 2.9))
    left = np.zeros(len(OUTCOMES))
    colors = ["#2b5c8a", "#7fa7c9", "#b22222", "0.7"]
    for (kind, n), color in zip(counts.iterrows(), colors):
        ax.barh([OUTCOME_EN[o] for o in OUTCOMES], n.to_numpy(), left=left, color=color, label=kind)
        left += n.to_numpy()
    ax.invert_yaxis()
    ax.set_xlabel("trial rows in data/studies.csv (none usable for pooling)")
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.legend(loc="upper center", bbox_to_anchor=(0.45, -0.28), ncol=2, fontsize=7, frameon=False)
    ax.set_title("Symptom outcomes: what the trial rows hold", fontsize=9)
koppmeta.save_figure(fig, figures_dir() / "symptoms_trial_rows_en")
plt.close(fig)
fig

# %% [markdown]
# ## Re-analysis
# The code below pools whatever `effects_for` returns (REML random effects, z test, as the reviews
# did). With the current data every outcome has no usable trial, so nothing is pooled; the same
# cell gives a forest plot per outcome once two or more trials carry numbers.

# %%
fits = {}
for outcome, eff in usable.items():
    if len(eff) >= 2:
        fits[outcome] = koppmeta.meta_analysis("yi", "vi", data=eff, labels="citation", measure="SMD")
        print(fits[outcome].summary())
        fig = koppmeta.forest_plot(fits[outcome], title=f"{OUTCOME_EN[outcome]}: re-analysis of data/studies.csv")
        koppmeta.save_figure(fig, figures_dir() / f"symptoms_{outcome}_reanalysis_en")
    elif len(eff) == 1:
        print(f"{outcome}: one usable trial ({eff['citation'].iloc[0]}), g = {eff['yi'].iloc[0]:.3f}; nothing to pool.")
    else:
        print(f"{outcome}: no trial with usable numbers; nothing to pool.")

# %% [markdown]
# ## Published versus re-analysed
# One row per published post-test result. Where the re-analysis has no trial, the table says so
# instead of showing a number.

# %%
def reanalysed(outcome):
    eff, fit = usable[outcome], fits.get(outcome)
    if fit is not None:
        return fit.estimate, f"{fit.ci_low:.2f} to {fit.ci_high:.2f}", fit.k
    if len(eff) == 1:
        return eff["yi"].iloc[0], "single trial", 1
    return np.nan, "no trial with usable numbers", 0


table = []
for _, p in published.iterrows():
    est, ci, k = reanalysed(p["outcome"])
    table.append({
        "outcome": p["outcome"], "review": p["review_id"], "timepoint": p["timepoint"],
        "published": f"{p['measure']} {p['estimate']:.2f} ({p['ci_low']:.2f} to {p['ci_high']:.2f})",
        "re-analysed": "no trial with usable numbers" if k == 0 else f"{est:.2f} ({ci})",
        "difference": "not computable" if k == 0 else f"{est - p['estimate']:+.2f}",
        "trials usable": k,
        "trials with a row": rows.loc[rows["outcome"] == p["outcome"], "study_id"].nunique(),
    })
table = pd.DataFrame(table)
table

# %%
plot_rows = []
for outcome in OUTCOMES:
    for _, p in published[published["outcome"] == outcome].iterrows():
        tp = "" if p["timepoint"] == "unspecified" else f", {p['timepoint']}"
        author = p["citation"].split(",")[0].split(" &")[0].replace(" et al.", "").split(" 20")[0]
        plot_rows.append({"outcome": OUTCOME_EN[outcome], "label": f"{author} {p['year']}{tp}",
                          "estimate": p["estimate"], "ci_low": p["ci_low"], "ci_high": p["ci_high"]})
    fit = fits.get(outcome)
    plot_rows.append({"outcome": OUTCOME_EN[outcome], "label": f"Re-analysis of data/ (k = {len(usable[outcome])})",
                      "estimate": fit.estimate if fit else np.nan, "ci_low": fit.ci_low if fit else np.nan,
                      "ci_high": fit.ci_high if fit else np.nan})
plot_rows = pd.DataFrame(plot_rows)
fig = koppmeta.estimates_plot(plot_rows, group="outcome", xlabel="Standardized mean difference (95% CI)",
                              title="Child symptoms: published pooled effects and the re-analysis (NA: no usable trial)")
koppmeta.save_figure(fig, figures_dir() / "symptoms_published_vs_reanalysis_en")
fig

# %% [markdown]
# ## Which trials are in, which are missing
# Of the reviews whose included-trial lists are in `data/review_trials.csv`, only Moltrecht 2024
# (whole-family programmes, Tables 3-4) holds trials with a symptom row here: the Family Talk trials of
# Solantaus 2010 and Beardslee 2003, and Platt 2021; none of these rows has symptom numbers yet. The lists of the reviews compared here are not public in a readable form (see
# `data/GAPS.md`): Siegenthaler says only that "seven trials assessed symptoms", and Loechner's review
# holds seven trials in all. So "missing" here means: trials with a symptom row but no usable
# numbers, and where their numbers are (the trial table in GAPS.md). The cheapest next steps are the
# open-access full texts of Platt 2021 (arm sizes, means and SDs of the YSR scales) and Garber 2009
# (PMC2737625: depressive-symptom means and SDs).

# %%
trials = (inventory.groupby(["outcome", "study_id"])["holds"].agg(lambda h: "; ".join(sorted(set(h))))
          .unstack("outcome").reindex(columns=OUTCOMES).fillna("(no row)"))
trials

# %%
gaps_text = (koppmeta.project.paths.data_dir() / "GAPS.md").read_text(encoding="utf-8")
in_gaps = {s: s in gaps_text for s in trials.index}
print("Trials with a symptom row that GAPS.md lists with the missing numbers:", sorted(s for s, v in in_gaps.items() if v))
print("Not (yet) in GAPS.md:", sorted(s for s, v in in_gaps.items() if not v))

# %% [markdown]
# ## What this means
# The published symptom effects are small (SMD about -0.2 for internalizing and depressive symptoms;
# externalizing intervals include 0), and all reviews agree on the size. They cannot be checked
# against the trials yet: of the 21 symptom rows (14 trials) in `data/studies.csv`, none has what pooling
# needs. Where the missing numbers are printed is listed in `data/gaps.csv`.
# The incidence outcome is where a re-analysis is possible today (notebook 04).

# %% [markdown]
# ## Checks

# %%
n_usable = {o: len(e) for o, e in usable.items()}
assert n_usable == {"internalizing": 0, "externalizing": 0, "depressive_symptoms": 0}, (
    f"trials became usable ({n_usable}): rewrite the text of this notebook")
assert not fits
assert len(unused) == len(rows) == 21 and rows["study_id"].nunique() == 14, "every symptom row is accounted for, with a reason"
assert unused["reason"].notna().all()
assert (table["re-analysed"] == "no trial with usable numbers").all() and (table["trials usable"] == 0).all()
pub = published.set_index("result_id")["estimate"]
assert pub["siegenthaler2012-internalizing-unspecified"] == -0.22
assert pub["siegenthaler2012-externalizing-unspecified"] == -0.16
assert pub["loechner2018-depressive_symptoms-post"] == -0.20
assert (published.loc[published.outcome != "externalizing", "ci_high"] < 0).all()
assert (published.loc[published.outcome == "externalizing", "ci_high"] > 0).all()
assert set(rows.loc[rows["in_reviews"].notna(), "study_id"]) == {"solantaus2010", "beardslee2003", "platt2021"}, "included-trial lists changed: update 'Which trials are in'"
assert set(rows["in_reviews"].dropna()) == {"moltrecht2024"}
assert plot_rows.loc[plot_rows.label.str.startswith("Re-analysis"), "estimate"].isna().all()
print("All checks passed.")
