"""``koppmeta report``: the evidence report in Dutch or English, as HTML, DOCX or PDF, without code.

The report is built from the library and the data (not from notebook pages): :func:`build`
computes every number and figure once and returns a list of blocks (headings, paragraphs,
tables, figures); :func:`render_html`, :func:`render_docx` and :func:`render_pdf` lay the same
blocks out. Every pooled interval uses the ad hoc Hartung-Knapp method (Knapp & Hartung 2003;
metafor ``test="adhoc"``: the Hartung-Knapp interval, never narrower than the z interval) with a
prediction interval, because no outcome has 10 trials or more, and the report says so where it
shows them, also per subgroup by intervention type (one tau^2 per group).

Output is deterministic: no dates, fixed document properties, figures saved without
timestamps, so the same data give the same bytes.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import math
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

import pandas as pd
from scipy import special

from .. import translations as tr
from ..results import back_transform
from ..translations import integer, interval, number, term

__all__ = ["build", "render_html", "render_docx", "render_pdf", "write", "write_all", "main", "add_parser", "trial_table", "CSS"]

FORMATS = ("html", "docx", "pdf")
METHOD = "REML"
TEST = "adhoc"  # ad hoc Hartung-Knapp: every outcome has fewer than 10 trials
TEST_SUBGROUPS = TEST  # one tau^2 per group, each with the ad hoc Hartung-Knapp interval


# ----------------------------------------------------------------------------- blocks
@dataclass
class Block:
    kind: str  # title, h1, h2, p, bullets, table, figure, pagebreak, note
    text: str = ""
    items: list = field(default_factory=list)
    header: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    path: Path | None = None
    html: str = ""
    sof: object = None


@dataclass
class Report:
    lang: str
    title: str
    subtitle: str
    blocks: list
    headlines: list = field(default_factory=list)  # (question, answer) pairs for the landing page


# words per language: koppmeta.translations.REPORT_TEXT
W = tr.REPORT_TEXT


# ----------------------------------------------------------------------------- data helpers
def trial_labels(studies: pd.DataFrame) -> dict[str, str]:
    """A reader's label per trial ("Van Doesum 2008"): the author name of a citation that matches the
    study id, else the id's letters capitalised, with the id's year."""
    out = {}
    for sid, grp in studies.groupby("study_id", sort=True):
        m = re.match(r"([a-z]+)(\d{4}[a-z]?)?$", sid)
        letters, year = (m.group(1), m.group(2) or "") if m else (sid, "")
        name = None
        for c in grp["citation"].astype(str):
            author = re.split(r"\s(?:\d{4}|et al\.|&|\()", c)[0].split(",")[0].strip()
            if re.sub(r"[^a-z]", "", author.lower()) == letters:
                name = author
                break
        out[sid] = f"{name or letters.capitalize()} {year}".strip()
    return out


from .pipeline import SEVERITY  # noqa: E402  (the most serious rating counts)


# The RoB 2 domain columns of data/studies.csv, in the order of the domains D1-D5 (data/README.md).
ROB_DOMAIN_COLUMNS = ("rob_randomisation", "rob_deviations", "rob_missing_data", "rob_measurement", "rob_reporting")


def _worst(judgements: pd.Series):
    """The most serious judgement of a trial's rows in one domain (unclear when none is judged)."""
    judged = [j for j in judgements.dropna() if j != "unclear"]
    return max(judged, key=SEVERITY.get) if judged else ("unclear" if judgements.notna().any() else None)


def trial_table(studies: pd.DataFrame) -> pd.DataFrame:
    """One row per trial: label, intervention type, parent's disorder, risk of bias (the most serious
    judgement among its rows that are judged; unclear when none is), participants (largest n1 + n2)."""
    labels = trial_labels(studies)
    rows = []
    for sid, grp in studies.groupby("study_id", sort=True):
        judged = [j for j in grp["risk_of_bias"].dropna() if j != "unclear"]
        rob = max(judged, key=SEVERITY.get) if judged else "unclear"
        n = (pd.to_numeric(grp["n1"], errors="coerce").astype(float) + pd.to_numeric(grp["n2"], errors="coerce").astype(float)).max()
        extra = {c: _worst(grp[c]) for c in ROB_DOMAIN_COLUMNS if c in grp.columns}
        rows.append({"study_id": sid, "study": labels[sid], "intervention_type": grp["intervention_type"].iloc[0],
                     "parent_disorder": grp["parent_disorder"].dropna().iloc[0] if grp["parent_disorder"].notna().any() else "",
                     "design": grp["design"].iloc[0], "risk_of_bias": rob, "participants": float(n) if pd.notna(n) else float("nan"), **extra})
    return pd.DataFrame(rows)


def _fingerprint(data: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(data.glob("*")):
        if p.is_file():
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:12]


def _review_label(citation: str, year) -> str:
    first = re.split(r",| &| et al\.| \(", str(citation))[0].strip()
    first = re.sub(r"\s\d{4}.*$", "", first)
    return f"{first} {int(year)}" if year == year and year is not None else first


# ----------------------------------------------------------------------------- build
def build(lang: str, workdir: Path, root: Path | None = None) -> Report:
    """Compute every number and figure of the report in ``lang``; figures are written to ``workdir``.

    ``root``: a project folder whose ``data/`` to use; by default the tables that
    :func:`koppmeta.load_studies` and :func:`koppmeta.load_reviews` find.
    """
    import matplotlib.pyplot as plt

    from .. import __version__
    from .data import load_reviews, load_studies
    from .evidence import effects_for
    from ..reporting.findings import summary_of_findings
    from ..models.univariate import meta_analysis
    from ..plotting import estimates_plot, forest_plot, prisma_flow, rob_summary, rob_traffic_light, save_figure
    from ..models.regression import subgroup_analysis
    from ..diagnostics.rob import rob_sensitivity
    from .pipeline import method_comparison
    from .prisma import prisma_counts

    tr.check_lang("report", lang)
    w = W[lang]
    if root is not None:
        studies, reviews = load_studies(Path(root) / "data" / "studies.csv"), load_reviews(Path(root) / "data" / "reviews.csv")
    else:
        studies, reviews = load_studies(), load_reviews()
    data_folder = Path(studies.attrs["path"]).parent
    trials = trial_table(studies)
    labels = dict(zip(trials["study_id"], trials["study"]))
    blocks: list[Block] = []
    fig_no = [0]
    tab_no = [0]

    def figure(fig, name, caption):
        fig_no[0] += 1
        path = workdir / f"{name}_{lang}"
        save_figure(fig, path, formats=("png", "svg"))
        plt.close(fig)
        blocks.append(Block("figure", text=f"{w['figure']} {fig_no[0]}. {caption}", path=path.with_suffix(".png")))

    def table(caption, header, rows):
        tab_no[0] += 1
        blocks.append(Block("table", text=f"{w['table']} {tab_no[0]}. {caption}", header=header, rows=rows))

    t_out = lambda o: term("outcome", o, lang)  # noqa: E731
    t_type = lambda o: term("intervention_type", o, lang)  # noqa: E731

    # ---- effects per outcome (all numbers used below)
    effects = {}
    unused_total = 0
    for outcome in sorted(studies["outcome"].dropna().unique()):
        eff = effects_for(studies, outcome)
        unused_total += len(eff.attrs["unused"])
        if len(eff):
            nn = studies.set_index("effect_id").loc[eff["effect_id"], ["n1", "n2"]].apply(pd.to_numeric, errors="coerce")
            eff = eff.assign(label=[labels[s] for s in eff["study_id"]], participants=(nn["n1"].astype(float) + nn["n2"].astype(float)).to_numpy())
            effects[outcome] = eff
    fits = {o: meta_analysis(e["yi"], e["vi"], labels=list(e["label"]), measure=e["measure"].iloc[0], method=METHOD, test=TEST)
            for o, e in effects.items() if len(e) >= 2}
    usable_trials = set().union(*[set(e["study_id"]) for e in effects.values()]) if effects else set()

    # ---- title page
    rep = Report(lang, w["title"], w["subtitle"], blocks)
    blocks.append(Block("title", text=w["title"], items=[w["subtitle"], w["made"].format(version=__version__, fp=_fingerprint(data_folder))]))
    blocks.append(Block("pagebreak"))

    # ---- 1. question
    blocks.append(Block("h1", w["h_question"]))
    blocks.append(Block("p", w["question"]))
    blocks.append(Block("bullets", items=w["rq"]))
    blocks.append(Block("p", w["question2"]))

    # ---- numbers the answers need
    inc_fit = fits.get("incidence")
    pub_inc = reviews[(reviews["outcome"] == "incidence") & (reviews["measure"] == "RR") & reviews["ci_low"].notna()]
    # participants per outcome: the effect row's arm sizes, else the trial's largest; unknown stays unknown
    trial_n = dict(zip(trials["study_id"], trials["participants"]))
    participants = {}
    for o, e_ in effects.items():
        n_ = [p if p == p else trial_n.get(sid, float("nan")) for p, sid in zip(e_["participants"], e_["study_id"])]
        participants[o] = float(sum(n_)) if all(x == x for x in n_) else float("nan")
    base = studies[(studies["outcome"] == "incidence") & studies["percent2"].notna()]
    baselines = []
    if len(base):
        for _, b in base.sort_values("percent2").iloc[[0, -1]].drop_duplicates("effect_id").iterrows():
            baselines.append((float(b["percent2"]) / 100, W[lang]["baseline"].format(trial=labels[b["study_id"]])))
    sof_fits = {o: f for o, f in fits.items()}
    sof = summary_of_findings(sof_fits, baseline_risks={"incidence": baselines} if baselines else None,
                              participants=participants,
                              rob={o: list(effects[o]["risk_of_bias"]) for o in sof_fits})
    sof_certainty = next((r["certainty"] for r in sof.rows if r["outcome"] == "incidence"), "very_low")
    type_sentences = []
    subgroup_results = {}
    for outcome, eff in effects.items():
        counts = eff["intervention_type"].value_counts()
        if len(eff) >= 4 and (counts >= 2).sum() >= 2:
            keep = eff[eff["intervention_type"].isin(counts[counts >= 2].index)]
            sg = subgroup_analysis(keep["yi"], keep["vi"], keep["intervention_type"].astype(str).tolist(), labels=list(keep["label"]),
                                   measure=keep["measure"].iloc[0], method=METHOD, test=TEST_SUBGROUPS)
            subgroup_results[outcome] = sg
            sgz = subgroup_analysis(keep["yi"], keep["vi"], keep["intervention_type"].astype(str).tolist(), labels=list(keep["label"]),
                                    measure=keep["measure"].iloc[0], method=METHOD, test="z")
            back = sg.overall.back_transform
            groups = "; ".join(f"{t_type(g).lower()} {keep['measure'].iloc[0]} {number(float(back(f.estimate)), 2, lang)} "
                               f"({interval(float(back(f.ci_low)), float(back(f.ci_high)), 2, lang)}, k = {f.k})"
                               for g, f in sg.groups.items())
            same = math.isclose(sg.q_between, sgz.q_between, rel_tol=1e-12, abs_tol=1e-12)
            type_sentences.append(w["type_result_same" if same else "type_result"].format(
                outcome=t_out(outcome), groups=groups, q=number(sg.q_between, 2, lang), df=sg.q_between_df,
                p=number(sg.q_between_pval, 3, lang), qz=number(sgz.q_between, 2, lang), pz=number(sgz.q_between_pval, 3, lang),
                kmax=max(f.k for f in sg.groups.values())))
        else:
            type_sentences.append(w["type_none"].format(outcome=t_out(outcome)))

    # ---- 2. answers
    blocks.append(Block("h1", w["h_answers"]))
    dev_rows = studies[studies["outcome"] == "child_development"]
    dev_usable = len(effects.get("child_development", []))
    blocks.append(Block("h2", w["a1_title"]))
    if inc_fit is not None:
        e = lambda x: float(inc_fit.back_transform(x))  # noqa: E731
        blocks.append(Block("p", w["a1_can"].format(
            certainty=term("certainty_adjective", sof_certainty, lang),
            pi_null=w["pi_null"] if inc_fit.pi_low <= 0 <= inc_fit.pi_high else "",
            k=inc_fit.k, rr=number(e(inc_fit.estimate), 2, lang), ci=interval(e(inc_fit.ci_low), e(inc_fit.ci_high), 2, lang),
            pi=interval(e(inc_fit.pi_low), e(inc_fit.pi_high), 2, lang),
            pmin=number(pub_inc["estimate"].min(), 2, lang), pmax=number(pub_inc["estimate"].max(), 2, lang))))
    blocks.append(Block("p", w["a1_cannot"].format(dev_trials=dev_rows["study_id"].nunique(), dev_usable=dev_usable)))
    blocks.append(Block("h2", w["a2_title"]))
    inc_type = [s for o, s in zip(effects, type_sentences) if o == "incidence"]
    blocks.append(Block("p", w["a2_can"].format(type_text=inc_type[0] if inc_type else "")))
    blocks.append(Block("p", w["a2_cannot"]))
    blocks.append(Block("h2", w["a3_title"]))
    maxm = max(float(e_["timepoint_months"].max()) for e_ in effects.values()) if effects else float("nan")
    hv = reviews.set_index("result_id")
    h24 = hv.loc["havinga2021-incidence->=24m"] if "havinga2021-incidence->=24m" in hv.index else None
    h9 = hv.loc["havinga2021-incidence-9-18m"] if "havinga2021-incidence-9-18m" in hv.index else None
    if h24 is not None and h9 is not None:
        blocks.append(Block("p", w["a3_can"].format(
            maxm=number(maxm, 0, lang),
            h24=f"{number(h24['estimate'], 2, lang)} ({interval(h24['ci_low'], h24['ci_high'], 2, lang)})",
            h9=f"{number(h9['estimate'], 2, lang)} ({interval(h9['ci_low'], h9['ci_high'], 2, lang)})")))
    blocks.append(Block("p", w["a3_cannot"]))
    answers = blocks[blocks.index(next(b for b in blocks if b.text == w["h_answers"])) + 1:]
    current = None
    for b in answers:
        if b.kind == "h2":
            current = [b.text, []]
            rep.headlines.append(current)
        elif b.kind == "p" and current is not None:
            current[1].append(b.text)

    # ---- 3. evidence base
    blocks.append(Block("pagebreak"))
    blocks.append(Block("h1", w["h_base"]))
    blocks.append(Block("p", w["base"].format(rows=integer(len(studies), lang), trials=integer(studies["study_id"].nunique(), lang),
                                              results=integer(int((reviews["pooled"] == "yes").sum()), lang),
                                              reviews=integer(reviews["review_id"].nunique(), lang),
                                              usable=integer(len(usable_trials), lang))))
    types = [t for t in tr.codes("intervention_type") if t in set(studies["intervention_type"])]
    cross = studies.groupby(["outcome", "intervention_type"])["study_id"].nunique().unstack(fill_value=0)
    rows = []
    for o in cross.index:
        rows.append([t_out(o)] + [integer(cross.loc[o].get(t, 0), lang) for t in types]
                    + [integer(studies.loc[studies["outcome"] == o, "study_id"].nunique(), lang)])
    tot = {"en": "All", "nl": "Totaal"}[lang]
    table(w["t_type_outcome"], [term("column", "outcome", lang)] + [t_type(t) for t in types] + [tot], rows)
    dis = trials.groupby(["parent_disorder", "intervention_type"])["study_id"].nunique().unstack(fill_value=0)
    table(w["t_disorder"], [term("column", "parent_disorder", lang)] + [t_type(t) for t in types] + [tot],
          [[term("parent_disorder", d, lang)] + [integer(dis.loc[d].get(t, 0), lang) for t in types]
           + [integer(dis.loc[d].sum(), lang)] for d in dis.index])
    rows = []
    for o in sorted(studies["outcome"].unique()):
        sub = studies[studies["outcome"] == o]
        rows.append([t_out(o), integer(len(sub), lang), integer(sub["study_id"].nunique(), lang),
                     integer(len(effects.get(o, [])), lang)])
    table(w["t_usable"], w["usable_cols"], rows)
    blocks.append(Block("h2", w["h_prisma"]))
    blocks.append(Block("p", w["prisma"]))
    figure(prisma_flow(prisma_counts(studies, reviews), lang=lang, note=w["prisma_note"]), "prisma",
           {"en": "PRISMA 2020 flow diagram of the evidence base.", "nl": "PRISMA 2020-stroomdiagram van de bewijsbasis."}[lang])
    blocks.append(Block("h2", w["h_rob"]))
    n_unclear = int((trials["risk_of_bias"] == "unclear").sum())
    blocks.append(Block("p", w["rob"].format(rule=w["rob_rule"], unclear=integer(n_unclear, lang), n=integer(len(trials), lang))))
    dom_cols = [c for c in ROB_DOMAIN_COLUMNS if c in trials.columns]
    if dom_cols:
        blocks.append(Block("p", w["rob_domains"]))
    figure(rob_traffic_light(trials, study="study", domains=dom_cols or None, overall="risk_of_bias", lang=lang), "rob_traffic_light",
           {"en": "Risk of bias per trial.", "nl": "Risico op vertekening per studie."}[lang])
    wl = {"en": "participants", "nl": "deelnemers"}
    have_n = trials["participants"].notna()
    figure(rob_summary(trials[have_n], study="study", domains=dom_cols or None, overall="risk_of_bias", weights="participants",
                       weights_label=wl, lang=lang), "rob_summary",
           {"en": f"Risk of bias across the {int(have_n.sum())} trials with known arm sizes, weighted by participants.",
            "nl": f"Risico op vertekening over de {int(have_n.sum())} studies met bekende groepsgrootte, gewogen naar deelnemers."}[lang])

    # ---- 4. per outcome
    blocks.append(Block("pagebreak"))
    blocks.append(Block("h1", w["h_outcomes"]))
    blocks.append(Block("p", w["outcomes"]))
    for outcome, eff in effects.items():
        blocks.append(Block("h2", t_out(outcome)))
        if outcome not in fits:
            r = eff.iloc[0]
            back = functools.partial(back_transform, measure=r["measure"])
            z = float(special.ndtri(0.975))  # one trial: its normal-based 95% interval, as MetaAnalysis.studies gives it
            blocks.append(Block("p", w["one_trial"].format(
                outcome=t_out(outcome), trial=r["label"], measure=r["measure"], est=number(back(r["yi"]), 2, lang),
                ci=interval(back(r["yi"] - z * math.sqrt(r["vi"])), back(r["yi"] + z * math.sqrt(r["vi"])), 2, lang))))
            continue
        fit = fits[outcome]
        months = pd.DataFrame({term("column", "timepoint", lang):
                               [term("word", "post_test", lang) if m == 0 else f"{number(m, 0 if float(m).is_integer() else 1, lang)} "
                                f"{term('word', 'months', lang)}" if m == m else "–" for m in eff["timepoint_months"].astype(float)]})
        fig = forest_plot(fit, lang=lang, columns=months, title=w["forest_short"].format(outcome=t_out(outcome), k=fit.k),
                          xlabel=w["forest_x"].format(measure=term("measure", fit.measure, lang) if fit.measure in tr.TERMS["measure"] else fit.measure))
        figure(fig, f"forest_{outcome}", w["forest_title"].format(outcome=t_out(outcome), k=fit.k))
        ratio = fit.is_ratio
        back = lambda x: float(fit.back_transform(x))  # noqa: E731
        rows = []
        for name, f in method_comparison(eff):  # FE, REML z, REML Hartung-Knapp, REML ad hoc Hartung-Knapp
            pi = "–" if f.method == "FE" else interval(back(f.pi_low), back(f.pi_high), 2, lang)
            rows.append([w[name], f"{number(back(f.estimate), 2, lang)} ({interval(back(f.ci_low), back(f.ci_high), 2, lang)})", pi,
                         number(f.tau2, 3, lang), tr.percent(f.i2, 0, lang)])
        table(w["t_methods"].format(outcome=t_out(outcome)), w["methods_cols"], rows)

    # ---- 5. by intervention type
    blocks.append(Block("h1", w["h_type"]))
    blocks.append(Block("p", w["type"]))
    for s in type_sentences:
        blocks.append(Block("p", s))
    for outcome, sg in subgroup_results.items():
        fig = forest_plot(sg, lang=lang, group_labels={g: t_type(g) for g in sg.groups},
                          title=w["subgroup_short"].format(outcome=t_out(outcome)),
                          xlabel=w["forest_x"].format(measure=term("measure", sg.overall.measure, lang)))
        figure(fig, f"subgroups_{outcome}", w["subgroup_title"].format(outcome=t_out(outcome)))

    # ---- 6. by study quality
    blocks.append(Block("h1", w["h_quality"]))
    blocks.append(Block("p", w["quality"]))
    rows = []
    for outcome, eff in effects.items():
        rs = rob_sensitivity(eff["yi"], eff["vi"], eff["risk_of_bias"].tolist(), labels=list(eff["label"]),
                             measure=eff["measure"].iloc[0], method=METHOD, test=TEST)
        for _, r in rs.iterrows():
            if r["k"] == 0:
                est, pi = w["no_trial"], "–"
            else:
                est = f"{number(r['estimate'], 2, lang)} ({interval(r['ci_low'], r['ci_high'], 2, lang)})"
                pi = interval(r["pi_low"], r["pi_high"], 2, lang) if r["k"] >= 2 else "–"
            rows.append([t_out(outcome), w["subset"][r["subset"]], integer(r["k"], lang), est, pi])
    table(w["h_quality"].split(". ", 1)[1], w["quality_cols"], rows)

    # ---- 7. published beside re-analysis
    blocks.append(Block("h1", w["h_published"]))
    blocks.append(Block("p", w["published"]))
    if inc_fit is not None and len(pub_inc):
        tab = pd.DataFrame({"label": [f"{_review_label(r['citation'], r['year'])}"
                                      + (f", {term('timepoint', r['timepoint'], lang)}" if r["timepoint"] not in ("unspecified", None) and r["timepoint"] == r["timepoint"] else "")
                                      for _, r in pub_inc.iterrows()],
                            "estimate": pub_inc["estimate"].to_numpy(), "ci_low": pub_inc["ci_low"].to_numpy(),
                            "ci_high": pub_inc["ci_high"].to_numpy(), "k": pub_inc["k"].astype(float).to_numpy()})
        tab.loc[len(tab)] = [w["reanalysis_row"].format(k=inc_fit.k), *(float(inc_fit.back_transform(x)) for x in
                                                                       (inc_fit.estimate, inc_fit.ci_low, inc_fit.ci_high)), float("nan")]
        fig = estimates_plot(tab, ratio=True, lang=lang, xlabel=term("measure", "RR", lang) + f" ({term('word', 'ci', lang)})",
                             title=w["published_title"], k="k",
                             headers=(term("column", "review", lang), f"RR [{term('word', 'ci', lang)}]"))
        figure(fig, "published_incidence", w["published_title"])
    pub = reviews[(reviews["pooled"] == "yes") & reviews["ci_low"].notna()]
    table(w["t_published"], w["published_cols"],
          [[_review_label(r["citation"], r["year"]), t_out(r["outcome"]), term("timepoint", r["timepoint"] if r["timepoint"] == r["timepoint"] else "", lang),
            term("measure", r["measure"], lang), f"{number(r['estimate'], 2, lang)} ({interval(r['ci_low'], r['ci_high'], 2, lang)})"]
           for _, r in pub.iterrows()])

    # ---- 8. summary of findings
    blocks.append(Block("h1", w["h_sof"]))
    blocks.append(Block("p", w["sof"]))
    blocks.append(Block("sof", sof=sof))
    tab_no[0] += 1

    # ---- 9. by time point
    blocks.append(Block("h1", w["h_time"]))
    blocks.append(Block("p", w["time"]))
    rows = []
    for o in sorted(studies["outcome"].unique()):
        m = pd.to_numeric(studies.loc[studies["outcome"] == o, "timepoint_months"], errors="coerce")
        rows.append([t_out(o)] + [integer(x, lang) for x in ((m == 0).sum(), ((m > 0) & (m <= 6)).sum(), ((m > 6) & (m <= 12)).sum(),
                                                             (m > 12).sum(), m.isna().sum())])
    table({"en": "Extracted results by time point (months after the end of the intervention)",
           "nl": "Geëxtraheerde resultaten per meetmoment (maanden na het einde van de interventie)"}[lang], w["time_cols"], rows)

    # ---- 10. limitations
    blocks.append(Block("h1", w["h_limits"]))
    any_low = (trials["risk_of_bias"] == "low").any()
    any_list = studies["in_reviews"].notna().any()
    stand_in = any(e_["approximate"].any() for e_ in effects.values())
    max_k = max((f.k for f in fits.values()), default=0)
    conds = [not any_list, unused_total > 0, stand_in, max_k < 10, not any_low]
    blocks.append(Block("bullets", items=[s.format(unused=integer(unused_total, lang)) for s, c in zip(w["limits"], conds) if c]))
    blocks.append(Block("p", w["missing"]))
    blocks.append(Block("bullets", items=w["missing_items"]))
    gaps = data_folder / "GAPS.md"
    ids = re.findall(r"^## ([a-z]+[0-9]{4}[a-z]?):", gaps.read_text(encoding="utf-8"), flags=re.M) if gaps.is_file() else []
    names = [_review_label(reviews.loc[reviews["review_id"] == i, "citation"].iloc[0], reviews.loc[reviews["review_id"] == i, "year"].iloc[0])
             for i in ids if (reviews["review_id"] == i).any()]
    if names:
        blocks.append(Block("p", w["missing_reviews"].format(reviews=", ".join(names))))
    blocks.append(Block("h2", w["h_method"]))
    blocks.append(Block("p", w["method"]))
    return rep


# ----------------------------------------------------------------------------- HTML
CSS = """
body{font-family:"DejaVu Sans","Segoe UI",Arial,sans-serif;color:#1d2733;max-width:60rem;margin:0 auto;padding:0 1.5rem 4rem;line-height:1.5}
header.title{min-height:60vh;display:flex;flex-direction:column;justify-content:center;border-bottom:4px solid #1f4e79;margin-bottom:2rem}
header.title h1{font-size:2.1rem;color:#1f4e79;margin:0 0 .6rem}
header.title p.sub{font-size:1.2rem;margin:.2rem 0 1.2rem}
header.title p.made{color:#555;font-size:.9rem}
h1{color:#1f4e79;border-bottom:1px solid #c9d6e3;padding-bottom:.2rem;margin-top:2.4rem}
h2{color:#2b5d8a;margin-top:1.6rem}
table{border-collapse:collapse;margin:.6rem 0 1.4rem;font-size:.86rem;width:100%}
caption{caption-side:top;text-align:left;font-weight:bold;padding:.3rem 0}
th,td{border-bottom:1px solid #d5dde5;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eef3f8}
figure{margin:1rem 0 1.8rem}
figure img{max-width:100%;height:auto;border:1px solid #e3e8ee}
figcaption{font-size:.88rem;color:#333;margin-top:.3rem}
ol.footnotes{font-size:.8rem;color:#444}
nav ol{columns:2}
@media print{header.title{page-break-after:always}h1{page-break-before:always}figure,table{page-break-inside:avoid}}
"""


def _anchor(text: str) -> str:
    return "s" + hashlib.sha1(text.encode()).hexdigest()[:8]


def render_html(rep: Report, path: Path) -> Path:
    e = html.escape
    out = [f"<!doctype html><html lang='{rep.lang}'><head><meta charset='utf-8'><title>{e(rep.title)}</title>"
           f"<meta name='viewport' content='width=device-width, initial-scale=1'><style>{CSS}</style></head><body>"]
    heads = [b.text for b in rep.blocks if b.kind == "h1"]
    for b in rep.blocks:
        if b.kind == "title":
            out.append(f"<header class='title'><h1>{e(b.text)}</h1><p class='sub'>{e(b.items[0])}</p><p class='made'>{e(b.items[1])}</p></header>")
            out.append(f"<nav><h2>{e(W[rep.lang]['contents'])}</h2><ol>" + "".join(
                f"<li><a href='#{_anchor(h)}'>{e(h.split('. ', 1)[-1])}</a></li>" for h in heads) + "</ol></nav>")
        elif b.kind == "h1":
            out.append(f"<h1 id='{_anchor(b.text)}'>{e(b.text)}</h1>")
        elif b.kind == "h2":
            out.append(f"<h2>{e(b.text)}</h2>")
        elif b.kind == "p":
            out.append(f"<p>{e(b.text)}</p>")
        elif b.kind == "bullets":
            out.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in b.items) + "</ul>")
        elif b.kind == "table":
            out.append(f"<table><caption>{e(b.text)}</caption><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in b.header)
                       + "</tr></thead><tbody>" + "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in r) + "</tr>" for r in b.rows)
                       + "</tbody></table>")
        elif b.kind == "figure":
            data = base64.b64encode(b.path.read_bytes()).decode()
            out.append(f"<figure><img alt='{e(b.text)}' src='data:image/png;base64,{data}'><figcaption>{e(b.text)}</figcaption></figure>")
        elif b.kind == "sof":
            out.append(b.sof.to_html(rep.lang))
    out.append("</body></html>\n")
    path = Path(path)
    path.write_text("\n".join(out), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- DOCX
def render_docx(rep: Report, path: Path) -> Path:
    from docx import Document
    from docx.enum.section import WD_ORIENT  # noqa: F401
    from docx.shared import Cm, Pt, RGBColor

    from ..reporting import docx_column_widths, save_docx

    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(sec, side, Cm(2.2))
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)
    doc.core_properties.title = rep.title
    doc.core_properties.language = {"en": "en-GB", "nl": "nl-NL"}[rep.lang]
    for b in rep.blocks:
        if b.kind == "title":
            for _ in range(6):
                doc.add_paragraph()
            t = doc.add_paragraph(style="Title")
            t.add_run(b.text)
            p = doc.add_paragraph()
            r = p.add_run(b.items[0])
            r.font.size = Pt(14)
            p = doc.add_paragraph()
            r = p.add_run(b.items[1])
            r.font.size = Pt(9)
            r.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
        elif b.kind == "pagebreak":
            doc.add_page_break()
        elif b.kind == "h1":
            doc.add_heading(b.text, level=1)
        elif b.kind == "h2":
            doc.add_heading(b.text, level=2)
        elif b.kind == "p":
            doc.add_paragraph(b.text)
        elif b.kind == "bullets":
            for i in b.items:
                doc.add_paragraph(i, style="List Bullet")
        elif b.kind == "table":
            cap = doc.add_paragraph()
            cap.add_run(b.text).bold = True
            t = doc.add_table(rows=1, cols=len(b.header))
            t.style = "Table Grid"
            for cell, h in zip(t.rows[0].cells, b.header):
                cell.text = ""
                run = cell.paragraphs[0].add_run(str(h))
                run.bold = True
                run.font.size = Pt(9)
            for row in b.rows:
                cells = t.add_row().cells
                for cell, v in zip(cells, row):
                    cell.text = ""
                    cell.paragraphs[0].add_run(str(v)).font.size = Pt(9)
            docx_column_widths(t, 16.5)
            doc.add_paragraph()
        elif b.kind == "figure":
            from PIL import Image

            with Image.open(b.path) as im:
                wpx, hpx = im.size
            doc.add_picture(str(b.path), width=Cm(min(16.5, 22.0 * wpx / hpx)))  # at most 22 cm tall
            cap = doc.add_paragraph()
            cap.add_run(b.text).italic = True
        elif b.kind == "sof":
            sec2 = doc.add_section()
            sec2.orientation = 1
            sec2.page_width, sec2.page_height = Cm(29.7), Cm(21.0)
            b.sof.to_docx(doc, rep.lang)
            sec3 = doc.add_section()
            sec3.orientation = 0
            sec3.page_width, sec3.page_height = Cm(21.0), Cm(29.7)
    return save_docx(doc, path)


# ----------------------------------------------------------------------------- PDF
def render_pdf(rep: Report, path: Path) -> Path:
    from datetime import datetime, timezone

    from fpdf import FPDF
    from fpdf.fonts import FontFace

    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_creation_date(datetime(2000, 1, 1, tzinfo=timezone.utc))
    pdf.set_producer("koppmeta")
    pdf.set_creator("koppmeta")
    pdf.set_title(rep.title)
    pdf.set_lang({"en": "en-GB", "nl": "nl-NL"}[rep.lang])
    pdf.add_font("dejavu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("dejavu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.add_font("dejavu", "I", str(fonts / "DejaVuSans-Oblique.ttf"))
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(True, margin=18)
    blue = (31, 78, 121)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def para(text, size=9.5, style="", color=(29, 39, 51), h=5.0):
        pdf.set_font("dejavu", style, size)
        pdf.set_text_color(*color)
        pdf.multi_cell(width, h, text, new_x="LMARGIN", new_y="NEXT")

    def grid(header, rows, size=7.5, widths=None):
        pdf.set_font("dejavu", "", size)
        pdf.set_text_color(29, 39, 51)
        with pdf.table(col_widths=widths, text_align="LEFT", line_height=size * 0.5,
                       headings_style=FontFace(emphasis="BOLD", fill_color=(238, 243, 248)), borders_layout="HORIZONTAL_LINES") as t:
            r = t.row()
            for h in header:
                r.cell(str(h))
            for row in rows:
                r = t.row()
                for v in row:
                    r.cell(str(v))
        pdf.ln(3)

    for b in rep.blocks:
        if b.kind == "title":
            pdf.ln(70)
            para(b.text, 22, "B", blue, 10)
            pdf.ln(4)
            para(b.items[0], 13, "", (29, 39, 51), 7)
            pdf.ln(6)
            para(b.items[1], 8.5, "", (85, 85, 85), 4.5)
        elif b.kind == "pagebreak":
            pdf.add_page()
        elif b.kind == "h1":
            pdf.ln(3)
            para(b.text, 15, "B", blue, 8)
            pdf.ln(1)
        elif b.kind == "h2":
            pdf.ln(2)
            para(b.text, 11.5, "B", (43, 93, 138), 6)
        elif b.kind == "p":
            para(b.text)
            pdf.ln(1.5)
        elif b.kind == "bullets":
            for i in b.items:
                para("•  " + i)
            pdf.ln(1.5)
        elif b.kind == "table":
            para(b.text, 9, "B")
            grid(b.header, b.rows)
        elif b.kind == "figure":
            from PIL import Image

            with Image.open(b.path) as im:
                wpx, hpx = im.size
            h = width * hpx / wpx
            if h > pdf.h - 40:
                h = pdf.h - 40
            if pdf.get_y() + h + 12 > pdf.h - pdf.b_margin:
                pdf.add_page()
            wimg = h * wpx / hpx
            pdf.image(str(b.path), x=pdf.l_margin + (width - wimg) / 2, w=wimg, h=h)
            para(b.text, 8.5, "I", (51, 51, 51), 4.5)
            pdf.ln(3)
        elif b.kind == "sof":
            header, body, notes = b.sof.cells(rep.lang)
            from ..reporting.findings import sup_plain

            pdf.add_page(orientation="L")
            width = pdf.w - pdf.l_margin - pdf.r_margin
            para(W[rep.lang]["h_sof"].split(". ", 1)[1], 10, "B")
            grid(header, [[sup_plain(c) for c in row] for row in body], size=7)
            for i, n in enumerate(notes, 1):
                para((f"{i}. " if i < len(notes) else "") + n, 7, "", (68, 68, 68), 3.6)
            pdf.add_page(orientation="P")
            width = pdf.w - pdf.l_margin - pdf.r_margin
    path = Path(path)
    pdf.output(str(path))
    return path


# ----------------------------------------------------------------------------- entry points
def write(lang: str, fmt: str, output: str | Path | None = None, root: Path | None = None) -> Path:
    """Build the report in ``lang`` and write it as ``fmt`` to ``output`` (default ``reports/koppmeta_report_<lang>.<fmt>``)."""
    from .._validation import check_choice
    from .paths import project_root

    tr.check_lang("report", lang)
    check_choice("report", "format", fmt, FORMATS)
    if output:
        out = Path(output)
    else:
        try:
            out = (root or project_root()) / "reports" / f"koppmeta_report_{lang}.{fmt}"
        except FileNotFoundError:  # outside the project: the current folder
            out = Path.cwd() / f"koppmeta_report_{lang}.{fmt}"
    if out.suffix.lower() != f".{fmt}":
        raise ValueError(f"report: output {str(out)!r} must end in .{fmt} for --format {fmt}.")
    if not out.parent.is_dir():
        if output:
            raise ValueError(f"report: folder {str(out.parent)!r} does not exist; create it first or choose another --output.")
        out.parent.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        rep = build(lang, Path(tmp), root)
        {"html": render_html, "docx": render_docx, "pdf": render_pdf}[fmt](rep, out)
    return out


def write_all(folder: Path, langs=tr.LANGS, formats=("html", "docx"), root: Path | None = None) -> tuple[list[Path], dict]:
    """Build the report once per language and write each format to ``folder/koppmeta_report_<lang>.<fmt>``.

    Returns the written paths and the built reports by language (for the landing page).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written, reports = [], {}
    for lang in langs:
        with tempfile.TemporaryDirectory() as tmp:
            rep = build(lang, Path(tmp), root)
            for fmt in formats:
                out = folder / f"koppmeta_report_{lang}.{fmt}"
                {"html": render_html, "docx": render_docx, "pdf": render_pdf}[fmt](rep, out)
                written.append(out)
        reports[lang] = rep
    return written, reports


def main(args) -> int:
    """``koppmeta report``: args with ``lang``, ``format`` and ``output`` (argparse namespace)."""
    try:
        path = write(args.lang, args.format, getattr(args, "output", None))
    except (ValueError, FileNotFoundError) as exc:
        raise SystemExit(f"koppmeta: {exc}") from None
    print(f"wrote {path}")
    return 0


def add_parser(sub) -> None:
    """Register ``koppmeta report`` on an argparse subparsers object."""
    p = sub.add_parser("report", help="the evidence report without code (Dutch or English; HTML, DOCX or PDF)",
                       description="Write the evidence report: the question, the evidence base, pooled effects "
                                   "(ad hoc Hartung-Knapp, prediction intervals), summary of findings, limitations.")
    p.add_argument("--lang", default="en", choices=tr.LANGS)
    p.add_argument("--format", default="html", choices=FORMATS)
    p.add_argument("--output", default=None, help="file to write (default: reports/koppmeta_report_<lang>.<format>)")
    p.set_defaults(func=main)
