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
# # For reports: figures and a summary-of-findings table in Dutch and English
#
# **Question.** What can a report for the KOPP/KOV knowledge agenda show, in Dutch and in English,
# and what do the relative effects mean in children? A risk ratio of 0.60 sounds abstract; "out of
# 1,000 children of whom about 290 would develop a disorder, about 115 fewer do" does not.
#
# **Published numbers** (from `data/reviews.csv`, each with its source): the pooled risk ratios for
# a new disorder in the child, Siegenthaler 2012 RR 0.60 (0.45-0.79), Loechner 2018 0.56
# (0.41-0.77), Lannes 2021 0.53 (0.34-0.84), Havinga 2021 0.37 (0.21-0.66) at 9-18 months and 0.71
# (0.57-0.87) at 24 months or later; and the baseline risks the trials give: the percentage of
# children in the control arm who developed a disorder (`percent2` in `data/studies.csv`), for
# example 28.8% in Clarke 2001 and 32.7% in Garber 2009.
#
# **Few trials, honestly.** The re-analysis pools five trials. With so few trials the z interval is
# too narrow (notebook 11), so every exported figure and table here uses the ad hoc Hartung-Knapp
# interval (never narrower than the z interval; the plain Hartung-Knapp interval can be narrower when
# trials happen to agree) and shows the prediction interval, and says so on the figure. The
# summary-of-findings table comes from the library (`koppmeta.summary_of_findings`), which also gives
# the GRADE certainty with the downgrades it suggests from the data. `koppmeta report` builds the
# complete report from the same calls and the same interval.
#
# Everything is written to `figures/` with the suffix `_en` or `_nl`.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import koppmeta
from koppmeta.project.evidence import effects_for
from koppmeta.reporting.findings import PublishedEffect
from koppmeta.project.paths import figures_dir
from koppmeta.project.pipeline import control_risks, display_scale, findings_export, participants
from koppmeta.project.report import trial_labels
from koppmeta.translations import term

LANGS = ("en", "nl")
reviews = koppmeta.load_reviews()
published = reviews[(reviews["outcome"] == "incidence") & (reviews["measure"] == "RR")].copy()
published[["result_id", "timepoint", "estimate", "ci_low", "ci_high", "source"]]

# %% [markdown]
# ## Words in both languages
# Outcome names, time points and column headers come from the one translation table
# (`koppmeta.translations`); only the titles of this notebook's figures are written here.

# %%
WORDS = {
    "en": {"t_reanalysis": "New disorder in the child: re-analysis of {k} trials (ad hoc Hartung-Knapp)",
           "x_reanalysis": "Risk ratio; ad hoc Hartung-Knapp interval and prediction interval (k < 10)",
           "t_incidence": "New disorder in the child: published pooled risk ratios and the re-analysis",
           "t_symptoms": "Child symptoms: published pooled standardized mean differences",
           "reanalysis": "Re-analysis, {k} trials (ad hoc Hartung-Knapp)",
           "t_sof": "Summary of findings: new disorder in the child, per 1,000 children"},
    "nl": {"t_reanalysis": "Nieuwe stoornis bij het kind: heranalyse van {k} studies (ad-hoc-Hartung-Knapp)",
           "x_reanalysis": "Relatief risico; ad-hoc-Hartung-Knapp-interval en predictie-interval (k < 10)",
           "t_incidence": "Nieuwe stoornis bij het kind: gepubliceerde gepoolde relatieve risico's en de heranalyse",
           "t_symptoms": "Klachten bij het kind: gepubliceerde gepoolde effecten",
           "reanalysis": "Heranalyse, {k} studies (ad-hoc-Hartung-Knapp)",
           "t_sof": "Samenvatting van de bevindingen: nieuwe stoornis bij het kind, per 1.000 kinderen"},
}


def author_year(citation, year):
    return f"{citation.split(',')[0].split(' &')[0].replace(' et al.', '').split(' 20')[0]} {year}"


def review_label(r, lang):
    tp = "" if r["timepoint"] == "unspecified" else term("timepoint", r["timepoint"], lang)
    return author_year(r["citation"], r["year"]) + (f", {tp}" if tp else "")


# %% [markdown]
# ## Forest plot: the re-analysis of incidence (notebook 04), ad hoc Hartung-Knapp, in both languages

# %%
studies = koppmeta.load_studies()
inc = effects_for(studies, "incidence")
fit = koppmeta.meta_analysis("yi", "vi", data=inc, labels="citation", measure="RR", test="adhoc")
fit_z = koppmeta.meta_analysis("yi", "vi", data=inc, labels="citation", measure="RR")
print(fit.summary())
print(fit_z.summary())
for lang in LANGS:
    fig = koppmeta.forest_plot(fit, lang=lang, title=WORDS[lang]["t_reanalysis"].format(k=fit.k),
                               xlabel=WORDS[lang]["x_reanalysis"])
    koppmeta.save_figure(fig, figures_dir() / f"report_incidence_reanalysis_{lang}")
    plt.close(fig)
fig

# %% [markdown]
# With the z test the same five trials give RR 0.38 (0.22 to 0.65); with ad hoc Hartung-Knapp the
# interval widens to 0.18 to 0.81 but stays below 1. The prediction interval (0.10 to 1.43) still says
# that a sixth trial could find anything from a large benefit to some harm.

# %% [markdown]
# ## The published pooled effects, in both languages
# Incidence (risk ratios, with the ad hoc Hartung-Knapp re-analysis as the last row) and child symptoms
# (standardized mean differences: every published result with an interval, at each time point the
# review gives).

# %%
SYMPTOMS = ("internalizing", "externalizing", "depressive_symptoms")
shown = display_scale(fit)  # risk ratios, not log risk ratios
symptoms = reviews[reviews["outcome"].isin(SYMPTOMS) & reviews["measure"].isin(["SMD", "g"]) & reviews["ci_low"].notna()]
for lang in LANGS:
    tab = published.assign(label=[review_label(r, lang) for _, r in published.iterrows()])
    tab = pd.concat([tab.assign(k=tab["k"].astype(float)),
                     pd.DataFrame([{"label": WORDS[lang]["reanalysis"].format(k=fit.k), "estimate": shown["estimate"],
                                    "ci_low": shown["ci_low"], "ci_high": shown["ci_high"], "k": np.nan}])], ignore_index=True)
    xlabel = f"{term('measure', 'RR', lang)} ({term('word', 'ci', lang)})"
    fig = koppmeta.estimates_plot(tab, ratio=True, lang=lang, xlabel=xlabel, title=WORDS[lang]["t_incidence"], k="k",
                                  headers=(term("column", "review", lang), f"RR [{term('word', 'ci', lang)}]"))
    koppmeta.save_figure(fig, figures_dir() / f"report_published_incidence_{lang}")
    plt.close(fig)
    sym = symptoms.assign(label=[review_label(r, lang) for _, r in symptoms.iterrows()], k=symptoms["k"].astype(float),
                          outcome=[term("outcome", o, lang) for o in symptoms["outcome"]])
    fig_s = koppmeta.estimates_plot(sym, group="outcome", lang=lang, title=WORDS[lang]["t_symptoms"], k="k",
                                    xlabel=f"{term('measure', 'SMD', lang)} ({term('word', 'ci', lang)})",
                                    headers=(term("column", "review", lang), f"SMD [{term('word', 'ci', lang)}]"))
    koppmeta.save_figure(fig_s, figures_dir() / f"report_published_symptoms_{lang}")
    plt.close(fig_s)
fig

# %% [markdown]
# ## Baseline risks: how many children in the control arms developed a disorder
# The incidence trials print the percentage per arm. These are the risks without the intervention
# that the trials themselves observed; they differ in follow-up (Clarke 2001: cumulative over a
# median of 15 months; Garber 2009: by the end of the programme; Ginsburg: 12 months) and in the
# parents' disorder (depression in Clarke and Garber, anxiety in Ginsburg).

# %%
labels = trial_labels(studies)
base = control_risks(studies, "incidence")
base

# %% [markdown]
# ## Summary of findings with absolute effects and GRADE certainty
# `koppmeta.summary_of_findings` takes each pooled risk ratio (the reviews' as printed, and the
# ad hoc Hartung-Knapp re-analysis) and each baseline risk p, as a Cochrane summary-of-findings table
# (Cochrane Handbook v6, chapter 14):
#
# - children with a disorder per 1,000 without the intervention: 1000 p; with it: 1000 p RR;
# - the difference per 1,000: 1000 p (RR - 1), with the interval from the limits of RR;
# - NNT = 1 / (p (1 - RR)); when the interval of RR reaches 1 the NNT interval runs through
#   infinity to the number needed to harm (Altman 1998, BMJ 317:1309);
# - participants (trials) and the GRADE certainty, with the downgrades suggested from the data
#   (imprecision, inconsistency, risk of bias) explained in footnotes.
#
# The CSV holds every baseline risk; the figure shows the lowest and the highest.

# %%
fits = {r["result_id"]: PublishedEffect("RR", r["estimate"], r["ci_low"], r["ci_high"], source=author_year(r["citation"], r["year"]))
        for _, r in published.iterrows()}
fits["reanalysis"] = fit
names = {r["result_id"]: {lang: review_label(r, lang) for lang in LANGS} for _, r in published.iterrows()}
names["reanalysis"] = {lang: WORDS[lang]["reanalysis"].format(k=fit.k) for lang in LANGS}
part = participants(studies, inc)
risks = [(p / 100, f"{t}") for p, t in zip(base["percent2"], base["trial"])]
sof = koppmeta.summary_of_findings(fits, baseline_risks=risks, participants={"reanalysis": part},
                                   rob={"reanalysis": list(inc["risk_of_bias"])}, labels=names)
table = sof.to_frame()
table[["outcome", "baseline_label", "relative", "relative_ci_low", "relative_ci_high", "assumed_per_1000",
       "corrected_per_1000", "difference_per_1000", "nnt", "nnt_ci_a", "nnt_ci_b", "certainty"]].round(2)

# %% [markdown]
# For example, with Siegenthaler's RR 0.60 and Clarke's control-arm risk of 28.8%, 288 of 1,000
# children would develop a disorder without the intervention and about 173 with it: 115 fewer, so
# about 9 children need the intervention for one of them to be spared a disorder. The re-analysis
# gives more fewer per 1,000 (about 179, NNT about 6), and its ad hoc Hartung-Knapp interval stays on
# the side of benefit (NNT 5 to 19).

# %% [markdown]
# ### Export: CSV (English: comma-separated, decimal point; Dutch: semicolon-separated, decimal comma)

# %%
csv_en = figures_dir() / "report_sof_incidence_en.csv"
csv_nl = figures_dir() / "report_sof_incidence_nl.csv"
csv_en.parent.mkdir(parents=True, exist_ok=True)
findings_export(sof, names, "en").to_csv(csv_en, index=False, lineterminator="\n")
findings_export(sof, names, "nl").to_csv(csv_nl, index=False, sep=";", decimal=",", lineterminator="\n")
print(csv_nl.read_text(encoding="utf-8").splitlines()[1])

# %% [markdown]
# ### Export: the table as a figure (PNG, SVG, PDF)

# %%
low, high = base["percent2"].min() / 100, base["percent2"].max() / 100
shown = [r for r in risks if r[0] in (low, high)]
sof_fig = koppmeta.summary_of_findings(fits, baseline_risks=shown, participants={"reanalysis": part},
                                       rob={"reanalysis": list(inc["risk_of_bias"])}, labels=names)
cells = {}
for lang in LANGS:
    fig = sof_fig.figure(lang, title=WORDS[lang]["t_sof"])
    cells[lang] = sof_fig.cells(lang)
    koppmeta.save_figure(fig, figures_dir() / f"report_sof_incidence_{lang}")
    plt.close(fig)
fig

# %% [markdown]
# ## How to read it, and what it cannot say
# - All published pooled risk ratios lie below 1, and at the trials' own control-arm risks (26-33%)
#   they mean between about 75 (Havinga, 24 months or later, at Compas 2009's 26%) and 206 (Havinga,
#   9-18 months, at Garber 2009's 32.7%) fewer children per 1,000 with a new disorder; NNTs from
#   about 5 to 14. Their certainty is "not
#   assessed": a printed pooled result carries too little (no I², no prediction interval, no trial
#   list) for the library to suggest downgrades, and this notebook does not judge them by hand.
# - The re-analysis rests on five trials, each effect an approximation: counts reconstructed from
#   percentages, a hazard ratio or (Compas 2009, from its 2015 report) an odds ratio with its
#   p-value standing in for a risk ratio (notebook 04, 08). Its effect (RR 0.38) is the largest but
#   one, after Havinga's at 9-18 months (0.37); with ad hoc Hartung-Knapp its interval (0.18 to 0.81) stays
#   below 1, so its NNT interval does not run through infinity. Its certainty is moderate: downgraded
#   one level for inconsistency (the prediction interval includes no effect while the confidence
#   interval does not), and not for imprecision only because the interval excludes 1: the Compas
#   report prints no arm sizes, so the number of participants is unknown and the optimal
#   information size cannot be checked, as the footnotes say. Its five trials are all rated
#   `some_concerns`, for which the library suggests no downgrade for risk of bias.
# - The baseline risks come from five trial samples (children of parents with depression or anxiety)
#   and from follow-ups of different length. Where the risk without intervention is lower, the
#   absolute benefit is smaller: the NNT grows as the baseline risk falls, so a report should name
#   the population a baseline risk belongs to.

# %% [markdown]
# ## Checks

# %%
assert dict(zip(base["study_id"], base["percent2"]))["clarke2001"] == 28.8
assert dict(zip(base["study_id"], base["percent2"]))["garber2009"] == 32.7
assert fit.test == "adhoc" and fit.k == len(inc) == 5 and fit_z.k == fit.k
assert fit.ci_low < fit_z.ci_low and fit_z.ci_high < fit.ci_high < 0  # ad hoc Hartung-Knapp is wider than z, yet stays below RR = 1
assert [round(math.exp(x), 2) for x in (fit.ci_low, fit.ci_high, fit.pi_low, fit.pi_high)] == [0.18, 0.81, 0.10, 1.43]
assert fit.pi_low < 0 < fit.pi_high  # the prediction interval reaches harm
ex = table[(table.outcome == "siegenthaler2012-incidence-unspecified") & (table.baseline_label == labels["clarke2001"])].iloc[0]
assert (round(ex["assumed_per_1000"]), round(ex["corrected_per_1000"]), round(-ex["difference_per_1000"]), math.ceil(ex["nnt"])) == (288, 173, 115, 9)
assert np.allclose(table["nnt"], 1 / (table["baseline_risk"] * (1 - table["relative"])))
pub_rows = table[table.outcome != "reanalysis"]
assert (pub_rows["relative_ci_high"] < 1).all() and not pub_rows["nnt_through_infinity"].any()
re_rows = table[table.outcome == "reanalysis"]
re_ex = re_rows[re_rows.baseline_label == labels["clarke2001"]].iloc[0]
assert -re_ex["difference_per_1000"] > -ex["difference_per_1000"] and round(-re_ex["difference_per_1000"]) == 179
assert (math.ceil(re_ex["nnt"]), math.ceil(re_ex["nnt_ci_a"]), math.ceil(re_ex["nnt_ci_b"])) == (6, 5, 19)
assert not re_rows["nnt_through_infinity"].any() and (re_rows["certainty"] == "moderate").all()
assert (re_rows["down_imprecision"] == 0).all() and (re_rows["down_inconsistency"] == 1).all() and (re_rows["down_risk_of_bias"] == 0).all()
assert (re_rows["relative_ci_high"] < 1).all() and (re_rows["pi_high"] > 1).all()  # why inconsistency, not imprecision
assert math.isnan(part) and re_rows["participants"].isna().all() and inc.loc[inc["study_id"] == "compas2009", "n1"].isna().all()
relative = table.groupby("outcome")["relative"].first().sort_values()
assert list(relative.index[:2]) == ["havinga2021-incidence-9-18m", "reanalysis"]  # second largest effect
assert inc["approximate"].all() and (inc["risk_of_bias"] == "some_concerns").all()
assert round(base["percent2"].min()) == 26 and round(base["percent2"].max(), 1) == 32.7 and len(base) == 5
assert 74 <= -pub_rows["difference_per_1000"].max() <= 76 and 205 <= -pub_rows["difference_per_1000"].min() <= 207
assert math.ceil(pub_rows["nnt"].min()) == 5 and math.ceil(pub_rows["nnt"].max()) == 14
assert (pub_rows["certainty"] == "not_assessed").all()
back_en = pd.read_csv(csv_en)
back_nl = pd.read_csv(csv_nl, sep=";", decimal=",")
assert len(back_en) == len(table) == len(fits) * len(base) and np.allclose(back_en["nnt"], back_nl["nnt"])
assert "zekerheid" in back_nl.columns and "Niet beoordeeld" in set(back_nl["zekerheid"]) and "Redelijk" in set(back_nl["zekerheid"])
assert "," in csv_nl.read_text(encoding="utf-8").splitlines()[1]
assert any("minder" in row[4] for row in cells["nl"][1]) and any("fewer" in row[4] for row in cells["en"][1])
assert any("Hartung-Knapp" in n for n in cells["nl"][2]) and any("Predictie-interval" in n for n in cells["nl"][2])
for name in ("report_incidence_reanalysis", "report_published_incidence", "report_published_symptoms", "report_sof_incidence"):
    for lang in LANGS:
        assert (figures_dir() / f"{name}_{lang}.png").is_file(), name
print("All checks passed.")
