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
# # Evidence map: which trials and reviews are there?
#
# **Question.** What does the curated evidence base on interventions for children of parents with a
# mental illness or addiction hold: which kinds of intervention, which parental disorders, which
# outcomes and time points, from which countries and years? And how much do the reviews overlap?
#
# **Published numbers.** The reviews' own counts, from `data/reviews.csv` (with their sources):
# Siegenthaler 2012 pooled 13 trials, Thanhäuser 2017 50 RCT samples, Loechner 2018 7 RCTs.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import koppmeta
from koppmeta.project.paths import figures_dir

studies = koppmeta.load_studies()
reviews = koppmeta.load_reviews()
trials = studies.groupby("study_id").agg(
    year=("year", "min"), country=("country", "first"), design=("design", "first"),
    intervention_type=("intervention_type", "first"), parent_disorder=("parent_disorder", "first"),
    child_age=("child_age", "first"), effects=("effect_id", "size"),
    with_numbers=("measure", lambda m: m.notna().sum()))
print(f"{len(trials)} trials or studies, {len(studies)} extracted effects, {int((trials.with_numbers > 0).sum())} studies with analysable numbers")
trials.sort_values("year")

# %% [markdown]
# ## By intervention type, design and parental disorder

# %%
pd.crosstab(trials["intervention_type"], trials["design"], margins=True)

# %%
pd.crosstab(trials["parent_disorder"].fillna("not stated"), trials["intervention_type"], margins=True)

# %% [markdown]
# ## Outcomes and time points: where is the evidence?
# Each cell counts trials with at least one effect row for that outcome and intervention type.

# %%
cells = studies.groupby(["outcome", "intervention_type"])["study_id"].nunique().unstack(fill_value=0)
with koppmeta.plotting.style():
    fig, axes = plt.subplots(1, 2, figsize=(7.4, 3.6), gridspec_kw={"width_ratios": [1.3, 1]})
    ax = axes[0]
    im = ax.imshow(cells.to_numpy(), cmap="Blues", aspect="auto")
    ax.set_xticks(range(cells.shape[1]), cells.columns, rotation=30, ha="right")
    ax.set_yticks(range(cells.shape[0]), [o.replace("_", " ") for o in cells.index])
    for (i, j), v in np.ndenumerate(cells.to_numpy()):
        ax.text(j, i, str(v), ha="center", va="center", fontsize=7, color="white" if v > cells.to_numpy().max() / 2 else "black")
    ax.set_title("Trials per outcome and intervention type", fontsize=9)
    bands = pd.cut(studies["timepoint_months"], [-0.5, 0.5, 6.5, 12.5, 24.5, np.inf],
                   labels=["post-test", "1-6", "7-12", "13-24", "> 24"])
    counts = bands.value_counts(sort=False)
    axes[1].bar(range(len(counts)), counts.to_numpy(), color="#2b5c8a")
    axes[1].set_xticks(range(len(counts)), counts.index.astype(str))
    axes[1].set_xlabel(f"months after the intervention ({studies['timepoint_months'].isna().sum()} rows not stated)")
    axes[1].set_ylabel("effect rows")
    axes[1].set_title("Time points", fontsize=9)
    fig.tight_layout()
koppmeta.save_figure(fig, figures_dir() / "evidence_map_en")
fig

# %% [markdown]
# ## Countries and years

# %%
trials.groupby("country", dropna=False).size().sort_values(ascending=False)

# %% [markdown]
# ## The reviews and how much they overlap
# Overlap is measured by the corrected covered area (CCA; Pieper et al. 2014, J Clin Epidemiol 67:368-375),
# CCA = (N - r) / (r c - r) over the trial-by-review matrix (N ticks, r trials, c reviews): 0 means no trial
# is in two reviews, 1 that every review holds every trial. It needs each review's list of included
# trials. `in_reviews` records a review only where a public text names its included trials (each
# mapping with its source and quote in `data/review_trials.csv`); most reviews' lists are still in
# paywalled full texts (see `data/GAPS.md` and `data/gaps.csv`), so the matrix below is sparse and the
# CCA covers the mapped reviews only.

# %%
from koppmeta.project.overlap import corrected_covered_area, inclusion_matrix

review_order = list(dict.fromkeys(reviews.sort_values(["year", "review_id"])["review_id"]))
matrix = inclusion_matrix(studies, reviews=review_order)
mapped_reviews = [r for r in matrix.columns if matrix[r].any()]
cca = corrected_covered_area(matrix[mapped_reviews])
cca_text = "undefined: fewer than two reviews mapped" if np.isnan(cca) else f"{cca:.2f}"
print(f"{len(matrix)} trials mapped to {len(mapped_reviews)} of {len(review_order)} reviews; corrected covered area {cca_text}")
with koppmeta.plotting.style():
    fig, ax = plt.subplots(figsize=(7.4, 0.9 + 0.32 * max(len(matrix), 1)))
    grid = matrix.to_numpy().astype(float)
    ax.imshow(grid, cmap="Blues", vmin=0, vmax=1.4, aspect="auto")
    ax.set_xticks(range(len(review_order)), review_order, rotation=45, ha="right", fontsize=7)
    ax.set_yticks(range(len(matrix)), matrix.index, fontsize=7)
    for (i, j), v in np.ndenumerate(grid):
        if v:
            ax.text(j, i, "x", ha="center", va="center", fontsize=7, color="white")
    ax.set_xticks(np.arange(-0.5, len(review_order)), minor=True)
    ax.set_yticks(np.arange(-0.5, len(matrix)), minor=True)
    ax.grid(which="minor", color="white", linewidth=0.8)
    ax.tick_params(which="minor", length=0)
    ax.set_title(f"Trials by review (included-trial lists from public texts)\ncorrected covered area: {cca_text}", fontsize=9)
    fig.tight_layout()
koppmeta.save_figure(fig, figures_dir() / "review_overlap_en")
fig

# %% [markdown]
# What the reviews' abstracts say about their size:

# %%
reviews.groupby(["review_id", "pooled"]).size().rename("pooled results").reset_index()

# %% [markdown]
# ## Checks

# %%
assert trials.index.is_unique and len(trials) >= 15
assert set(trials["intervention_type"]) <= {"parent", "family", "child", "mixed"}
assert set(matrix.columns) == set(reviews["review_id"]) and matrix.to_numpy().any(axis=1).all()
assert set(mapped_reviews) <= set(reviews["review_id"])
assert np.isnan(cca) == (len(mapped_reviews) < 2)
assert cells.to_numpy().sum() >= len(trials)
print("All checks passed.")
