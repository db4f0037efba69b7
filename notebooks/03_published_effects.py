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
# # The published pooled effects, side by side
#
# **Question.** Do the meta-analyses of preventive interventions for children of parents with a
# mental illness agree? We put every pooled result in `data/reviews.csv` next to each other, one
# block per outcome, so agreement and disagreement are visible at a glance.
#
# **Published numbers.** Read from `data/reviews.csv`: each row has the review's own estimate and
# interval, its source (DOI or PubMed) and the verbatim sentence it comes from.

# %%
import numpy as np
import pandas as pd

import koppmeta
from koppmeta.translations import term
from koppmeta.project.paths import figures_dir

reviews = koppmeta.load_reviews()
pooled = reviews[reviews["pooled"] == "yes"].copy()
pooled[["review_id", "outcome", "timepoint", "measure", "estimate", "ci_low", "ci_high", "k", "source"]]

# %% [markdown]
# ## Incidence of a disorder in the child (risk ratios)
# Values below 1 mean fewer children developed a disorder with the intervention.

# %%
def label(r, lang="en"):
    """Review and year, with the time point in the reader's language (the translation table)."""
    author = r["citation"].split(",")[0].split(" &")[0].replace(" et al.", "").split(" 20")[0]
    tp = "" if pd.isna(r["timepoint"]) or r["timepoint"] == "unspecified" else f", {term('timepoint', r['timepoint'], lang)}"
    return f"{author} {r['year']}{tp}"

OUTCOME_EN = {"internalizing": "Internalizing symptoms", "externalizing": "Externalizing symptoms",
              "depressive_symptoms": "Depressive symptoms"}

pooled["label"] = pooled.apply(label, axis=1)
incidence = pooled[(pooled["outcome"] == "incidence") & (pooled["measure"] == "RR")]
fig = koppmeta.estimates_plot(incidence, ratio=True, xlabel="Risk ratio (95% CI)",
                              title="Incidence of mental disorder in the child: published pooled risk ratios")
koppmeta.save_figure(fig, figures_dir() / "published_incidence_en")
fig

# %% [markdown]
# ## Symptoms (standardized mean differences)
# Negative values mean fewer symptoms with the intervention. Thanhäuser 2017 and Cuijpers 2015 report
# effects so that positive values favour the intervention, and without intervals in their abstracts;
# they are listed in the table below rather than drawn on this axis.

# %%
symptoms = pooled[pooled["outcome"].isin(["internalizing", "externalizing", "depressive_symptoms"])
                  & pooled["measure"].isin(["SMD", "g"]) & pooled["ci_low"].notna()]
fig = koppmeta.estimates_plot(symptoms.assign(outcome=symptoms["outcome"].map(OUTCOME_EN)), group="outcome", xlabel="Standardized mean difference (95% CI)",
                              title="Child symptoms: published pooled standardized mean differences")
koppmeta.save_figure(fig, figures_dir() / "published_symptoms_en")
fig

# %%
fig_nl = koppmeta.estimates_plot(symptoms.assign(label=symptoms.apply(label, axis=1, lang="nl"), outcome=symptoms["outcome"].map(
    {"internalizing": "Internaliserende problemen", "externalizing": "Externaliserende problemen",
     "depressive_symptoms": "Depressieve klachten"})), group="outcome", lang="nl",
    xlabel="Gestandaardiseerd gemiddeld verschil (95%-BI)",
    title="Klachten bij kinderen: gepubliceerde gepoolde effecten")
koppmeta.save_figure(fig_nl, figures_dir() / "published_symptoms_nl")
fig_nl

# %% [markdown]
# ## Results without an interval in the abstract

# %%
no_ci = pooled[pooled["ci_low"].isna()][["review_id", "outcome", "timepoint", "intervention_type", "measure", "estimate", "note"]]
no_ci

# %% [markdown]
# ## Agreement
# The incidence estimates all lie below 1 and their intervals overlap; for internalizing symptoms all
# reviews find small effects of about -0.2, and for externalizing symptoms the intervals include 0.

# %%
overlap = incidence["ci_low"].max() <= incidence["ci_high"].min()
print("Incidence intervals share a common range:", overlap)
agree = pd.DataFrame({
    "outcome": ["incidence (RR)", "internalizing (SMD)", "externalizing (SMD)"],
    "reviews": [incidence["review_id"].nunique(),
                symptoms[symptoms.outcome == "internalizing"]["review_id"].nunique(),
                symptoms[symptoms.outcome == "externalizing"]["review_id"].nunique()],
    "all below null": [(incidence["ci_high"] < 1).all(),
                       (symptoms[symptoms.outcome == "internalizing"]["ci_high"] < 0).all(),
                       (symptoms[symptoms.outcome == "externalizing"]["ci_high"] < 0).all()],
})
agree

# %% [markdown]
# ## Checks

# %%
assert len(incidence) >= 5 and (incidence["estimate"] < 1).all()
assert overlap, "incidence intervals no longer overlap: re-read the text above"
assert agree.loc[0, "all below null"] and agree.loc[1, "all below null"] and not agree.loc[2, "all below null"]
assert set(pooled["review_id"]) >= {"siegenthaler2012", "loechner2018", "lannes2021", "havinga2021", "thanhauser2017"}
print("All checks passed.")
