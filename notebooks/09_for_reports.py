# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
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
# Everything is written to `figures/` with the suffix `_en` or `_nl`.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import koppmeta
from koppmeta.evidence import effects_for
from koppmeta.paths import figures_dir

LANGS = ("en", "nl")
reviews = koppmeta.load_reviews()
published = reviews[(reviews["outcome"] == "incidence") & (reviews["measure"] == "RR")].copy()
published[["result_id", "timepoint", "estimate", "ci_low", "ci_high", "source"]]

# %% [markdown]
# ## Words in both languages

# %%
TIMEPOINT = {"en": {"unspecified": "", "post": "post-test", "short_term": "short-term follow-up", "12m": "12 months",
                    "follow_up": "follow-up", "9-18m": "9-18 months", ">=24m": "≥ 24 months"},
             "nl": {"unspecified": "", "post": "nameting", "short_term": "korte termijn", "12m": "12 mnd",
                    "follow_up": "follow-up", "9-18m": "9-18 mnd", ">=24m": "≥ 24 mnd"}}
OUTCOME = {"en": {"internalizing": "Internalizing symptoms", "externalizing": "Externalizing symptoms",
                  "depressive_symptoms": "Depressive symptoms"},
           "nl": {"internalizing": "Internaliserende problemen", "externalizing": "Externaliserende problemen",
                  "depressive_symptoms": "Depressieve klachten"}}
WORDS = {
    "en": {"rr_axis": "Risk ratio of a new disorder (95% CI)", "smd_axis": "Standardized mean difference (95% CI)",
           "t_reanalysis": "New disorders in the child: re-analysis of the trials in data/",
           "t_incidence": "New disorders in the child: published pooled risk ratios",
           "t_symptoms": "Child symptoms: published pooled standardized mean differences",
           "reanalysis": "Re-analysis, {k} trials", "per": "per 1,000", "fewer": "fewer", "more": "more",
           "t_sof": "Summary of findings: new disorder in the child, per 1,000 children",
           "cols": ["Pooled risk ratio from", "RR (95% CI)", "Without intervention", "With intervention (95% CI)",
                    "Difference (95% CI)", "NNT (95% CI)"],
           "foot": ("Risk without intervention: control-arm percentage of the named trial (data/studies.csv). "
                    "With intervention = risk × RR. NNT = 1 / (risk × (1 − RR)), rounded up."),
           "to": "to"},
    "nl": {"rr_axis": "Relatief risico op een nieuwe stoornis (95%-BI)",
           "smd_axis": "Gestandaardiseerd gemiddeld verschil (95%-BI)",
           "t_reanalysis": "Nieuwe stoornissen bij het kind: heranalyse van de trials in data/",
           "t_incidence": "Nieuwe stoornissen bij het kind: gepubliceerde gepoolde relatieve risico's",
           "t_symptoms": "Klachten bij het kind: gepubliceerde gepoolde effecten",
           "reanalysis": "Heranalyse, {k} trials", "per": "per 1.000", "fewer": "minder", "more": "meer",
           "t_sof": "Samenvatting van de bevindingen: nieuwe stoornis bij het kind, per 1.000 kinderen",
           "cols": ["Gepoold relatief risico van", "RR (95%-BI)", "Zonder interventie", "Met interventie (95%-BI)",
                    "Verschil (95%-BI)", "NNT (95%-BI)"],
           "foot": ("Risico zonder interventie: percentage in de controlegroep van de genoemde trial (data/studies.csv). "
                    "Met interventie = risico × RR. NNT = 1 / (risico × (1 − RR)), naar boven afgerond."),
           "to": "tot"},
}


def num(x, digits, lang):
    """A number as text: fixed decimals, true minus sign, decimal comma in Dutch."""
    s = f"{x:.{digits}f}".replace("-", "\u2212")
    return s.replace(".", ",") if lang == "nl" else s


def author_year(citation, year):
    return f"{citation.split(',')[0].split(' &')[0].replace(' et al.', '').split(' 20')[0]} {year}"


def review_label(r, lang):
    tp = TIMEPOINT[lang].get(r["timepoint"], r["timepoint"])
    return author_year(r["citation"], r["year"]) + (f", {tp}" if tp else "")


assert set(reviews["timepoint"].dropna()) <= set(TIMEPOINT["en"]) == set(TIMEPOINT["nl"]), "a new time point needs a translation"


# %% [markdown]
# ## Forest plot: the re-analysis of incidence (notebook 04), in both languages

# %%
studies = koppmeta.load_studies()
inc = effects_for(studies, "incidence")
fit = koppmeta.meta_analysis("yi", "vi", data=inc, labels="citation", measure="RR")
print(fit.summary())
for lang in LANGS:
    fig = koppmeta.forest_plot(fit, lang=lang, title=WORDS[lang]["t_reanalysis"])
    koppmeta.save_figure(fig, figures_dir() / f"report_incidence_reanalysis_{lang}")
    plt.close(fig)
fig

# %% [markdown]
# ## The published pooled effects, in both languages
# Incidence (risk ratios, with the re-analysis as the last row) and child symptoms (standardized
# mean differences: every published result with an interval, at each time point the review gives).

# %%
symptoms = reviews[reviews["outcome"].isin(list(OUTCOME["en"])) & reviews["measure"].isin(["SMD", "g"])
                   & reviews["ci_low"].notna()]
for lang in LANGS:
    tab = published.assign(label=[review_label(r, lang) for _, r in published.iterrows()])
    tab = pd.concat([tab, pd.DataFrame([{"label": WORDS[lang]["reanalysis"].format(k=fit.k), "estimate": np.exp(fit.estimate),
                                          "ci_low": np.exp(fit.ci_low), "ci_high": np.exp(fit.ci_high)}])], ignore_index=True)
    fig = koppmeta.estimates_plot(tab, ratio=True, lang=lang, xlabel=WORDS[lang]["rr_axis"], title=WORDS[lang]["t_incidence"])
    koppmeta.save_figure(fig, figures_dir() / f"report_published_incidence_{lang}")
    plt.close(fig)
    sym = symptoms.assign(label=[review_label(r, lang) for _, r in symptoms.iterrows()],
                          outcome=symptoms["outcome"].map(OUTCOME[lang]))
    fig_s = koppmeta.estimates_plot(sym, group="outcome", lang=lang, xlabel=WORDS[lang]["smd_axis"],
                                    title=WORDS[lang]["t_symptoms"])
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
base = studies[(studies["outcome"] == "incidence") & studies["percent2"].notna()]
base = base[["effect_id", "study_id", "citation", "year", "parent_disorder", "timepoint_months", "percent2", "source"]]
base = base.assign(trial=[author_year(c, y) for c, y in zip(base["citation"], base["year"])]).sort_values("percent2")
base

# %% [markdown]
# ## Summary of findings with absolute effects
# For each pooled risk ratio (the reviews' and the re-analysis) and each baseline risk p, as in a
# Cochrane summary-of-findings table (Cochrane Handbook v6, chapters 14 and 15):
#
# - children with a disorder per 1,000 without the intervention: 1000 p;
# - with the intervention: 1000 p RR (interval: 1000 p RR_low to 1000 p RR_high);
# - fewer per 1,000: 1000 p (1 - RR);
# - number needed to treat, NNT = 1 / (p (1 - RR)), and its interval from the limits of RR
#   (rounded up to whole children in the figure; exact in the CSV). When the interval of RR
#   reaches 1 the NNT interval passes through infinity (Altman 1998, BMJ 317:1309); the code
#   handles that, and no current interval needs it.
#
# The CSV holds every baseline risk; the PNG table shows the lowest and the highest.

# %%
rr_rows = [{"from": review_label(r, "en"), "from_nl": review_label(r, "nl"), "result_id": r["result_id"],
            "rr": r["estimate"], "rr_low": r["ci_low"], "rr_high": r["ci_high"]} for _, r in published.iterrows()]
rr_rows.append({"from": WORDS["en"]["reanalysis"].format(k=fit.k), "from_nl": WORDS["nl"]["reanalysis"].format(k=fit.k),
                "result_id": "reanalysis (notebook 04, REML)", "rr": np.exp(fit.estimate),
                "rr_low": np.exp(fit.ci_low), "rr_high": np.exp(fit.ci_high)})


def nnt(p, rr):
    """Number needed to treat at baseline risk p; infinite when RR = 1, negative (harm) when RR > 1."""
    d = p * (1 - rr)
    return math.inf if d == 0 else 1 / d


sof = []
for r in rr_rows:
    for _, b in base.iterrows():
        p = b["percent2"] / 100
        sof.append({
            "pooled_rr_from": r["from"], "pooled_rr_from_nl": r["from_nl"], "result_id": r["result_id"],
            "rr": r["rr"], "rr_ci_low": r["rr_low"], "rr_ci_high": r["rr_high"],
            "baseline_trial": b["trial"], "baseline_effect_id": b["effect_id"], "baseline_risk_percent": b["percent2"],
            "without_per_1000": 1000 * p,
            "with_per_1000": 1000 * p * r["rr"], "with_ci_low": 1000 * p * r["rr_low"], "with_ci_high": 1000 * p * r["rr_high"],
            "fewer_per_1000": 1000 * p * (1 - r["rr"]), "fewer_ci_low": 1000 * p * (1 - r["rr_high"]),
            "fewer_ci_high": 1000 * p * (1 - r["rr_low"]),
            "nnt": nnt(p, r["rr"]), "nnt_ci_low": nnt(p, r["rr_low"]), "nnt_ci_high": nnt(p, r["rr_high"]),
        })
sof = pd.DataFrame(sof)
sof["nnt_rounded_up"] = np.ceil(sof["nnt"]).astype(int)
sof.round(1)

# %% [markdown]
# For example, with Siegenthaler's RR 0.60 and Clarke's control-arm risk of 28.8%, 288 of 1,000
# children would develop a disorder without the intervention and about 173 with it: 115 fewer, so
# about 9 children need the intervention for one of them to be spared a disorder.

# %% [markdown]
# ### Export: CSV (English: comma-separated, decimal point; Dutch: semicolon-separated, decimal comma)

# %%
COLS_NL = {"pooled_rr_from_nl": "gepoold_rr_van", "result_id": "result_id", "rr": "rr", "rr_ci_low": "rr_bi_onder",
           "rr_ci_high": "rr_bi_boven", "baseline_trial": "basisrisico_trial", "baseline_effect_id": "basisrisico_effect_id",
           "baseline_risk_percent": "basisrisico_procent", "without_per_1000": "zonder_per_1000",
           "with_per_1000": "met_per_1000", "with_ci_low": "met_bi_onder", "with_ci_high": "met_bi_boven",
           "fewer_per_1000": "minder_per_1000", "fewer_ci_low": "minder_bi_onder", "fewer_ci_high": "minder_bi_boven",
           "nnt": "nnt", "nnt_ci_low": "nnt_bi_onder", "nnt_ci_high": "nnt_bi_boven", "nnt_rounded_up": "nnt_naar_boven_afgerond"}
export = sof.round({c: 4 for c in ("rr", "rr_ci_low", "rr_ci_high")} | {c: 2 for c in sof.columns if c.startswith(("with", "fewer", "without", "nnt"))})
csv_en = figures_dir() / "report_sof_incidence_en.csv"
csv_nl = figures_dir() / "report_sof_incidence_nl.csv"
csv_en.parent.mkdir(parents=True, exist_ok=True)
export.drop(columns="pooled_rr_from_nl").to_csv(csv_en, index=False, lineterminator="\n")
export[list(COLS_NL)].rename(columns=COLS_NL).to_csv(csv_nl, index=False, sep=";", decimal=",", lineterminator="\n")
print(csv_nl.read_text(encoding="utf-8").splitlines()[1])

# %% [markdown]
# ### Export: the table as a figure (PNG, SVG, PDF)

# %%
def fmt_range(lo, hi, digits, lang):
    return f"{num(lo, digits, lang)} {WORDS[lang]['to']} {num(hi, digits, lang)}"


def nnt_text(x):
    return "∞" if math.isinf(x) else str(math.ceil(x)) if x > 0 else f"NNTH {math.ceil(-x)}"


def nnt_ci_text(lo_rr_nnt, hi_rr_nnt, lang):
    if hi_rr_nnt > 0 and not math.isinf(hi_rr_nnt):
        return f"{nnt_text(lo_rr_nnt)} {WORDS[lang]['to']} {nnt_text(hi_rr_nnt)}"
    return f"{nnt_text(lo_rr_nnt)} {WORDS[lang]['to']} ∞ {WORDS[lang]['to']} {nnt_text(hi_rr_nnt)}"


def sof_figure(lang):
    w = WORDS[lang]
    shown = sof[sof["baseline_risk_percent"].isin([base["percent2"].min(), base["percent2"].max()])]
    cells = []
    for _, s in shown.iterrows():
        fewer = w["fewer"] if s["fewer_per_1000"] >= 0 else w["more"]
        cells.append([
            s["pooled_rr_from" if lang == "en" else "pooled_rr_from_nl"],
            f"{num(s['rr'], 2, lang)} ({fmt_range(s['rr_ci_low'], s['rr_ci_high'], 2, lang)})",
            f"{num(s['without_per_1000'], 0, lang)} ({s['baseline_trial']})",
            f"{num(s['with_per_1000'], 0, lang)} ({fmt_range(s['with_ci_low'], s['with_ci_high'], 0, lang)})",
            f"{num(abs(s['fewer_per_1000']), 0, lang)} {fewer} ({fmt_range(s['fewer_ci_low'], s['fewer_ci_high'], 0, lang)})",
            f"{nnt_text(s['nnt'])} ({nnt_ci_text(s['nnt_ci_low'], s['nnt_ci_high'], lang)})",
        ])
    n = len(cells) + 1
    height = 0.26 * n + 0.9
    with koppmeta.plotting.style():
        fig = plt.figure(figsize=(11.0, height))
        ax = fig.add_axes([0.01, 0.45 / height, 0.98, 1 - 0.85 / height])
        ax.axis("off")
        table = ax.table(cellText=cells, colLabels=w["cols"], cellLoc="left", colLoc="left", edges="horizontal", bbox=[0, 0, 1, 1],
                         colWidths=[0.19, 0.15, 0.15, 0.17, 0.21, 0.13])
        table.auto_set_font_size(False)
        table.set_fontsize(7.5)
        for (row, _), cell in table.get_celld().items():
            cell.set_edgecolor("0.75")
            cell.PAD = 0.03
            if row == 0:
                cell.set_text_props(fontweight="bold")
        fig.text(0.01, 1 - 0.12 / height, w["t_sof"], fontsize=9, fontweight="bold", ha="left", va="top")
        fig.text(0.01, 0.08 / height, w["foot"], fontsize=6.5, color="0.3", ha="left", va="bottom")
    return fig, cells


sof_cells = {}
for lang in LANGS:
    fig, sof_cells[lang] = sof_figure(lang)
    koppmeta.save_figure(fig, figures_dir() / f"report_sof_incidence_{lang}")
    plt.close(fig)
fig

# %% [markdown]
# ## How to read it, and what it cannot say
# - All pooled risk ratios lie below 1, and at the trials' own control-arm risks (29-33%) they mean
#   between about 84 (Havinga, 24 months or later) and 217 (the re-analysis) fewer children per 1,000
#   with a new disorder; NNTs from about 5 to 12.
# - The re-analysis rests on four trials whose counts were reconstructed from percentages or a
#   hazard ratio (notebook 04, 08); its interval is the widest.
# - The baseline risks come from four trial samples (children of parents with depression or anxiety)
#   and from follow-ups of different length. Where the risk without intervention is lower, the
#   absolute benefit is smaller: the NNT grows as the baseline risk falls, so a report should name
#   the population a baseline risk belongs to.

# %% [markdown]
# ## Checks

# %%
assert dict(zip(base["study_id"], base["percent2"]))["clarke2001"] == 28.8
assert dict(zip(base["study_id"], base["percent2"]))["garber2009"] == 32.7
assert (sof["rr_ci_high"] < 1).all() and np.isfinite(sof[["nnt", "nnt_ci_low", "nnt_ci_high"]]).all().all()
ex = sof[(sof.result_id == "siegenthaler2012-incidence-unspecified") & (sof.baseline_effect_id == "clarke2001-incidence-15")].iloc[0]
assert (round(ex["without_per_1000"]), round(ex["with_per_1000"]), round(ex["fewer_per_1000"]), ex["nnt_rounded_up"]) == (288, 173, 115, 9)
assert np.allclose(sof["nnt"], 1 / (sof["baseline_risk_percent"] / 100 * (1 - sof["rr"])))
assert (sof.groupby("result_id").apply(lambda g: g.sort_values("baseline_risk_percent")["nnt"].is_monotonic_decreasing,
                                       include_groups=False)).all()
assert 80 <= sof["fewer_per_1000"].min() <= 90 and 210 <= sof["fewer_per_1000"].max() <= 220
assert sof["nnt_rounded_up"].min() == 5 and sof["nnt_rounded_up"].max() == 12
back_en = pd.read_csv(csv_en)
back_nl = pd.read_csv(csv_nl, sep=";", decimal=",")
assert len(back_en) == len(sof) == len(rr_rows) * len(base) and np.allclose(back_en["nnt"], back_nl["nnt"])
assert np.allclose(back_en["fewer_per_1000"], sof["fewer_per_1000"], atol=0.005)
assert "," in csv_nl.read_text(encoding="utf-8").splitlines()[1]
assert any("minder" in c[4] for c in sof_cells["nl"]) and any("fewer" in c[4] for c in sof_cells["en"])
for name in ("report_incidence_reanalysis", "report_published_incidence", "report_published_symptoms", "report_sof_incidence"):
    for lang in LANGS:
        assert (figures_dir() / f"{name}_{lang}.png").is_file(), name
print("All checks passed.")
