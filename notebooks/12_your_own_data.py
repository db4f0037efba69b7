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
# # Your own trials: from a spreadsheet to a pooled result for few trials
#
# **Question.** A researcher has a handful of trials of their own in a spreadsheet. How do they get a
# pooled result that is honest about how few trials there are, a forest plot, and, if the trials belong
# in the KOPP/KOV evidence base, a row in `data/studies.csv` that passes `koppmeta validate`?
#
# This notebook runs exactly what the command line runs: `koppmeta analyse FILE` calls
# `koppmeta.analyse(...)`, and so does this notebook. The example file is the one
# `koppmeta template --kind counts --example` writes: the 13 BCG vaccine trials (Colditz et al. 1994,
# JAMA 271:698-702; metafor's `dat.bcg`), whose published re-analysis (metafor, REML) gives RR 0.49
# (95% CI 0.34 to 0.70). Files are written to a temporary folder; nothing here writes to `data/`.

# %%
import tempfile
from pathlib import Path

import pandas as pd

import koppmeta
from koppmeta.project.cli import main as koppmeta_command
from koppmeta.effects.own_data import template_csv, template_explanation
from koppmeta.project.paths import data_dir, figures_dir

work = Path(tempfile.mkdtemp(prefix="koppmeta_own_"))
example = work / "example_trials.csv"
example.write_text(template_csv("counts", example=True), encoding="utf-8")   # = koppmeta template --kind counts --example
print(template_explanation("counts", "en"))
pd.read_csv(example).head()

# %% [markdown]
# ## The analysis `koppmeta analyse example_trials.csv` prints
# The measure is not given, so it is chosen for event counts (RR) and said. The default test is
# the ad hoc Hartung-Knapp test (t with k - 1 df, its interval never narrower than the z interval),
# which keeps the 95% coverage with few trials (notebook `11_few_studies`); the table below pools
# the same trials by several methods side by side.

# %%
result = koppmeta.analyse(example)
print(result.summary())

# %% [markdown]
# The forest plot's title names the model and the test. It is saved through the project's one save
# function into the figures folder (`figures/`, or `KOPPMETA_FIGURES_DIR` when set).

# %%
fig = result.forest()
koppmeta.save_figure(fig, figures_dir() / "own_data_example_forest_en")
fig

# %% [markdown]
# ## In Dutch, with a grouping column
# `--lang nl` gives Dutch words and decimal commas everywhere; `--by` pools per group of any column of
# the file (here the allocation method of the BCG trials) with the test for subgroup differences. Each
# group is pooled with the same ad hoc Hartung-Knapp test as the whole: the group of two trials
# (alternate) gets a t distribution with 1 degree of freedom, hence its very wide interval, which is
# what two trials can say.

# %%
result_nl = koppmeta.analyse(example, lang="nl", by="allocation")
print(result_nl.summary())
fig_nl = result_nl.forest()
koppmeta.save_figure(fig_nl, figures_dir() / "own_data_example_forest_nl")
fig_nl

# %% [markdown]
# ## Problems in a file are all named at once
# A file with a typo, an impossible count and a repeated label: every problem is listed with file, row,
# column, value and rule, and the command ends with exit status 1 (no traceback).

# %%
broken = work / "broken.csv"
broken.write_text("study;events1;n1;events2;n2\nA 2001;4;123;11;139\nB 2003;x;306;29;303\nC 2005;330;306;29;303\nA 2001;3;231;11;220\n",
                  encoding="utf-8")
exit_status = koppmeta_command(["analyse", str(broken)])
exit_status

# %% [markdown]
# ## Adding trials to the curated evidence base
# The curated base (`data/studies.csv`) uses the full layout: one row per trial, outcome and time point,
# each number with its source, where in the source it stands, and a verbatim quote. To show the steps
# without inventing anything, we take the curated table, leave one real row out, and add it back as a
# researcher would type it, into a copy in the temporary folder. `koppmeta validate` then checks the
# copy against the schema (`data/datapackage.json`).

# %%
studies = koppmeta.load_studies()
raw = pd.read_csv(data_dir() / "studies.csv", dtype=str, keep_default_na=False)
with_numbers = studies[studies["n1"].notna() & studies["source_quote"].notna()]
new_row = raw[raw["effect_id"] == with_numbers["effect_id"].iloc[0]].iloc[0].to_dict()
{k: v for k, v in new_row.items() if v != ""}   # the filled cells of the row; empty cells stay empty

# %%
copy = work / "studies.csv"
(work / "datapackage.json").write_bytes((data_dir() / "datapackage.json").read_bytes())
without = raw[raw["effect_id"] != new_row["effect_id"]]
pd.concat([without, pd.DataFrame([new_row])], ignore_index=True).to_csv(copy, index=False)
status_ok = koppmeta_command(["validate", str(copy)])   # = koppmeta validate studies.csv
status_ok

# %% [markdown]
# A row whose numbers have no quote is refused, with the rule it breaks:

# %%
no_quote = dict(new_row, source_quote="")
pd.concat([without, pd.DataFrame([no_quote])], ignore_index=True).to_csv(copy, index=False)
status_bad = koppmeta_command(["validate", str(copy)])
status_bad

# %% [markdown]
# ## Checks
# The analysis equals the library's own pooling of the same effect sizes (the numbers that
# `tests/test_own_data.py` checks against metafor), the errors end with exit status 1, and
# validation accepts the full row and refuses it without its quote.

# %%
bcg = koppmeta.datasets.load_bcg()
es = koppmeta.effect_sizes(bcg, "RR", events1="tpos", nonevents1="tneg", events2="cpos", nonevents2="cneg")
direct = koppmeta.meta_analysis("yi", "vi", data=es, measure="RR", test="adhoc")
assert abs(result.fit.estimate - direct.estimate) < 1e-12 and abs(result.fit.ci_high - direct.ci_high) < 1e-12
assert result.measure == "RR" and result.fit.test == "adhoc" and result.fit.k == 13
assert set(result_nl.subgroups.groups) == set(bcg["alloc"]) and result_nl.fit.test == "adhoc"
two = result_nl.subgroups.groups["alternate"]
assert two.k == 2 and two.df == 1 and two.ci_high - two.ci_low > result_nl.fit.ci_high - result_nl.fit.ci_low
assert exit_status == 1 and status_ok == 0 and status_bad == 1
assert (figures_dir() / "own_data_example_forest_en.png").is_file()
print("all checks passed")
