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
# # Getting started and methods check: metafor's BCG example, reproduced
#
# **Question.** Does koppmeta give exactly the numbers of R metafor, the reference implementation
# of random-effects meta-analysis? We use metafor's standard worked example: 13 trials of the BCG
# vaccine against tuberculosis (Colditz et al. 1994, JAMA 271:698-702; metafor's `dat.bcg`),
# pooled as log risk ratios with a REML random-effects model.
#
# **Published numbers.** metafor 3.8-1 prints, for `rma(yi, vi, data = dat, method = "REML")`,
# the output stored verbatim in `tests/fixtures/metafor_bcg_print.txt` (made by
# `tests/r/make_fixtures.R`). We read it, compute the same model, and compare every printed number.

# %%
import re

import pandas as pd

import koppmeta
from koppmeta.project.paths import figures_dir, project_root

ROOT = project_root()
printout = (ROOT / "tests" / "fixtures" / "metafor_bcg_print.txt").read_text(encoding="utf-8")
print(printout.split("# fit_knha")[0])

# %% [markdown]
# ## The data and the effect sizes
# Log risk ratios of tuberculosis, vaccinated (group 1) versus not vaccinated (group 2).

# %%
bcg = koppmeta.datasets.load_bcg()
es = koppmeta.effect_sizes(bcg, "RR", events1="tpos", nonevents1="tneg",
                           events2="cpos", nonevents2="cneg", labels="label")
es[["label", "tpos", "tneg", "cpos", "cneg", "yi", "vi"]].round(4)

# %% [markdown]
# ## The random-effects model (REML, z test)

# %%
fit = koppmeta.meta_analysis("yi", "vi", data=es, labels="label", measure="RR", method="REML")
print(fit.summary())

# %%
fit  # in JupyterLab the result shows as a table

# %% [markdown]
# ## Compare with metafor's printout, number by number
# metafor prints 4 decimals (2 for I² and H²); koppmeta's unrounded numbers must round to the same text.

# %%
block = printout.split("# fit_knha")[0]
def grab(pattern):
    return re.search(pattern, block).group(1)

printed = {
    "tau2": grab(r"tau\^2 \(estimated amount of total heterogeneity\): ([\d.]+)"),
    "tau": grab(r"tau \(square root of estimated tau\^2 value\):\s+([\d.]+)"),
    "i2": grab(r"I\^2 \(total heterogeneity / total variability\):\s+([\d.]+)%"),
    "h2": grab(r"H\^2 \(total variability / sampling variability\):\s+([\d.]+)"),
    "q": grab(r"Q\(df = 12\) = ([\d.]+)"),
}
row = re.search(r"\n\s*(-?[\d.]+)\s+([\d.]+)\s+(-?[\d.]+)\s+\S+\s+(-?[\d.]+)\s+(-?[\d.]+)", block.split("Model Results:")[1])
printed.update(dict(zip(["estimate", "se", "stat", "ci_low", "ci_high"], row.groups())))
ours = {"tau2": fit.tau2, "tau": fit.tau, "i2": fit.i2, "h2": fit.h2, "q": fit.q, "estimate": fit.estimate,
        "se": fit.se, "stat": fit.stat, "ci_low": fit.ci_low, "ci_high": fit.ci_high}
comparison = pd.DataFrame({
    "metafor (printed)": printed,
    "koppmeta (same rounding)": {k: f"{ours[k]:.{len(v.split('.')[1])}f}" for k, v in printed.items()},
    "koppmeta (unrounded)": ours,
})
comparison["same"] = comparison["metafor (printed)"] == comparison["koppmeta (same rounding)"]
comparison

# %% [markdown]
# ## The nine tau² estimators side by side
# The estimators differ in how much heterogeneity they see, and so in the width of the interval.
# Knapp-Hartung (`test="knha"`) replaces the normal distribution by a t distribution with k - 1 df
# and rescales the variance; with few studies it gives more honest intervals.

# %%
rows = []
for method in ["FE", "DL", "REML", "ML", "PM", "EB", "HE", "SJ", "HS"]:
    for test in ["z", "knha"]:
        if method == "FE" and test == "knha":
            continue
        r = koppmeta.meta_analysis(es["yi"], es["vi"], method=method, test=test, measure="RR")
        rows.append({"method": method, "test": test, "RR": r.back_transform(r.estimate), "ci_low": r.back_transform(r.ci_low),
                     "ci_high": r.back_transform(r.ci_high), "tau2": r.tau2, "I2 (%)": r.i2, "p": r.pval})
estimators = pd.DataFrame(rows)
estimators.round(4)

# %% [markdown]
# ## Forest plot (English and Dutch)
# Every figure is written through `koppmeta.save_figure` as PNG (300 dpi), SVG and PDF, with no
# embedded dates, so re-running the notebook reproduces the files byte for byte.

# %%
fig = koppmeta.forest_plot(fit, lang="en", title="BCG vaccine and tuberculosis (metafor dat.bcg)")
koppmeta.save_figure(fig, figures_dir() / "bcg_forest_en")
fig_nl = koppmeta.forest_plot(fit, lang="nl", title="BCG-vaccin en tuberculose (metafor dat.bcg)")
koppmeta.save_figure(fig_nl, figures_dir() / "bcg_forest_nl")
fig

# %% [markdown]
# ## Checks
# The notebook fails (and so does `make test`) if any of these does not hold.

# %%
assert comparison["same"].all(), comparison[~comparison["same"]]
assert estimators["tau2"].ge(0).all() and estimators["I2 (%)"].between(0, 100).all()
assert (estimators["ci_low"] < estimators["RR"]).all() and (estimators["RR"] < estimators["ci_high"]).all()
assert (figures_dir() / "bcg_forest_en.png").is_file() and (figures_dir() / "bcg_forest_nl.pdf").is_file()
print("All checks passed: koppmeta reproduces metafor's printed BCG analysis.")
