"""One translation table for everything the library shows to a reader: English and Dutch.

Every code that the data uses (outcome, intervention type, parent's disorder, child's age band,
design, comparator, risk-of-bias judgement, the reviews' time points), the certainty levels and
domains of GRADE, and the headers of the report tables have one entry here, so the summary of
findings, the risk-of-bias and PRISMA figures and the report all speak with one vocabulary.
The words of the forest and diagnostic plots live beside their layout in
``koppmeta.plotting._common.TEXT``; :func:`all_pairs` returns both, so a test can scan every
Dutch text for an English term that slipped through.

Dutch terms follow Dutch Cochrane and GRADE usage: betrouwbaarheidsinterval (BI),
predictie-interval, relatief risico, gestandaardiseerd gemiddeld verschil, risico op vertekening,
zekerheid van het bewijs (hoog, redelijk, laag, zeer laag).
"""

from __future__ import annotations

from . import _format as _fmt

import math

from ._validation import check_choice

__all__ = ["TERMS", "LANGS", "term", "codes", "all_pairs", "number", "interval", "percent", "integer"]

LANGS = ("en", "nl")

# kind -> code -> (English, Dutch)
TERMS: dict[str, dict[str, tuple[str, str]]] = {
    "outcome": {
        "incidence": ("New disorder in the child", "Nieuwe stoornis bij het kind"),
        "internalizing": ("Internalizing problems", "Internaliserende problemen"),
        "externalizing": ("Externalizing problems", "Externaliserende problemen"),
        "depressive_symptoms": ("Depressive symptoms", "Depressieve klachten"),
        "anxiety_symptoms": ("Anxiety symptoms", "Angstklachten"),
        "global_psychopathology": ("Overall psychopathology", "Psychopathologie in het algemeen"),
        "parent_child_interaction": ("Parent-child interaction", "Ouder-kindinteractie"),
        "parenting": ("Parenting", "Opvoedgedrag"),
        "parent_symptoms": ("Parent's own symptoms", "Klachten van de ouder"),
        "child_development": ("Child development", "Ontwikkeling van het kind"),
        "knowledge_coping": ("Knowledge and coping", "Kennis en coping"),
        "quality_of_life": ("Quality of life", "Kwaliteit van leven"),
        "other": ("Other outcomes", "Overige uitkomsten"),
    },
    "intervention_type": {
        "parent": ("Aimed at the parent", "Gericht op de ouder"),
        "family": ("Aimed at the family", "Gericht op het gezin"),
        "child": ("Aimed at the child", "Gericht op het kind"),
        "mixed": ("Separate parent and child parts", "Aparte delen voor ouder en kind"),
        "all": ("All types", "Alle typen"),
    },
    "parent_disorder": {
        "depression": ("Depression", "Depressie"),
        "anxiety": ("Anxiety disorder", "Angststoornis"),
        "bipolar": ("Bipolar disorder", "Bipolaire stoornis"),
        "mood": ("Mood disorder", "Stemmingsstoornis"),
        "substance_use": ("Addiction", "Verslaving"),
        "psychosis": ("Psychosis", "Psychose"),
        "mixed": ("Various disorders", "Verschillende stoornissen"),
        "postnatal_depression": ("Postnatal depression", "Postnatale depressie"),
        "other": ("Other disorder", "Andere stoornis"),
        "": ("Not reported", "Niet gerapporteerd"),
    },
    "child_age": {
        "infant": ("Infant (0-2)", "Baby (0-2)"),
        "preschool": ("Preschool (2-5)", "Peuter en kleuter (2-5)"),
        "child": ("Child (6-12)", "Kind (6-12)"),
        "adolescent": ("Adolescent (13-18)", "Adolescent (13-18)"),
        "mixed": ("Mixed ages", "Gemengde leeftijden"),
        "": ("Not reported", "Niet gerapporteerd"),
    },
    "design": {
        "RCT": ("Randomised trial", "Gerandomiseerde studie"),
        "cluster-RCT": ("Cluster-randomised trial", "Clustergerandomiseerde studie"),
        "quasi-experimental": ("Quasi-experimental study", "Quasi-experimentele studie"),
        "pre-post": ("Before-after study without control group", "Voor-nameting zonder controlegroep"),
    },
    "comparator": {
        "usual_care": ("Usual care", "Gebruikelijke zorg"),
        "waiting_list": ("Waiting list", "Wachtlijst"),
        "information": ("Information only", "Alleen informatie"),
        "active": ("Other intervention", "Andere interventie"),
        "none": ("No intervention", "Geen interventie"),
    },
    "risk_of_bias": {
        "low": ("Low risk", "Laag risico"),
        "some_concerns": ("Some concerns", "Enige zorgen"),
        "high": ("High risk", "Hoog risico"),
        "unclear": ("Unclear", "Onduidelijk"),
        "": ("No information", "Geen informatie"),
    },
    "rob_domain": {  # RoB 2 (Sterne et al. 2019, BMJ 366:l4898, table 1)
        "D1": ("Randomisation process", "Randomisatieproces"),
        "D2": ("Deviations from intended interventions", "Afwijkingen van de bedoelde interventies"),
        "D3": ("Missing outcome data", "Ontbrekende uitkomstgegevens"),
        "D4": ("Measurement of the outcome", "Meting van de uitkomst"),
        "D5": ("Selection of the reported result", "Selectie van het gerapporteerde resultaat"),
        "overall": ("Overall", "Totaaloordeel"),
    },
    "timepoint": {  # reviews.csv
        "unspecified": ("time point not stated", "meetmoment niet vermeld"),
        "post": ("post-test", "nameting"),
        "short_term": ("short-term follow-up", "vervolgmeting korte termijn"),
        "12m": ("12 months", "12 maanden"),
        "follow_up": ("follow-up", "vervolgmeting"),
        "9-18m": ("9-18 months", "9-18 maanden"),
        ">=24m": ("≥ 24 months", "≥ 24 maanden"),
        "": ("time point not stated", "meetmoment niet vermeld"),
    },
    "certainty": {  # GRADE (Guyatt et al. 2008, BMJ 336:924; Dutch: GRADE-werkgroep)
        "high": ("High", "Hoog"),
        "moderate": ("Moderate", "Redelijk"),
        "low": ("Low", "Laag"),
        "very_low": ("Very low", "Zeer laag"),
        "not_assessed": ("Not assessed", "Niet beoordeeld"),
    },
    "certainty_adjective": {  # "with ... certainty" / "met ... zekerheid" (Dutch inflects the adjective)
        "high": ("high", "hoge"),
        "moderate": ("moderate", "redelijke"),
        "low": ("low", "lage"),
        "very_low": ("very low", "zeer lage"),
        "not_assessed": ("unassessed", "onbeoordeelde"),
    },
    "grade_domain": {
        "risk_of_bias": ("Risk of bias", "Risico op vertekening"),
        "inconsistency": ("Inconsistency", "Inconsistentie"),
        "indirectness": ("Indirectness", "Indirectheid"),
        "imprecision": ("Imprecision", "Onnauwkeurigheid"),
        "publication_bias": ("Publication bias", "Publicatiebias"),
    },
    "measure": {
        "RR": ("Risk ratio", "Relatief risico"),
        "OR": ("Odds ratio", "Oddsratio"),
        "HR": ("Hazard ratio", "Hazardratio"),
        "SMD": ("Standardized mean difference", "Gestandaardiseerd gemiddeld verschil"),
        "g": ("Hedges' g", "Hedges' g"),
        "ES": ("Effect size", "Effectgrootte"),
        "d": ("Cohen's d", "Cohens d"),
    },
    "word": {
        "ci": ("95% CI", "95%-BI"),
        "pi": ("prediction interval", "predictie-interval"),
        "to": ("to", "tot"),
        "per_1000": ("per 1,000", "per 1.000"),
        "fewer": ("fewer", "minder"),
        "more": ("more", "meer"),
        "trials": ("trials", "studies"),
        "trial": ("trial", "studie"),
        "participants": ("participants", "deelnemers"),
        "not_estimable": ("not estimable", "niet te schatten"),
        "not_reported": ("not reported", "niet gerapporteerd"),
        "none": ("none", "geen"),
        "all_trials": ("All trials", "Alle studies"),
        "low_or_some": ("Low risk or some concerns", "Laag risico of enige zorgen"),
        "low_only": ("Low risk only", "Alleen laag risico"),
        "serious": ("serious", "ernstig"),
        "very_serious": ("very serious", "zeer ernstig"),
        "not_serious": ("not serious", "niet ernstig"),
        "months": ("months", "maanden"),
        "post_test": ("post-test", "nameting"),
        "hksj": ("Hartung-Knapp", "Hartung-Knapp"),
        "random_effects": ("Random effects", "Random-effectsmodel"),
        "fixed_effect": ("Fixed effect", "Vast effect"),
        "yes": ("yes", "ja"),
        "no": ("no", "nee"),
    },
    "sof_field": {  # columns of SummaryOfFindings.to_frame() as exported
        "outcome": ("pooled_result", "gepoold_resultaat"),
        "baseline_label": ("baseline_risk_from", "basisrisico_van"),
        "baseline_risk": ("baseline_risk", "basisrisico"),
        "relative": ("relative_effect", "relatief_effect"),
        "relative_ci_low": ("relative_ci_low", "relatief_bi_onder"),
        "relative_ci_high": ("relative_ci_high", "relatief_bi_boven"),
        "assumed_per_1000": ("without_per_1000", "zonder_per_1000"),
        "corrected_per_1000": ("with_per_1000", "met_per_1000"),
        "corrected_ci_low": ("with_ci_low", "met_bi_onder"),
        "corrected_ci_high": ("with_ci_high", "met_bi_boven"),
        "difference_per_1000": ("difference_per_1000", "verschil_per_1000"),
        "difference_ci_low": ("difference_ci_low", "verschil_bi_onder"),
        "difference_ci_high": ("difference_ci_high", "verschil_bi_boven"),
        "nnt": ("nnt", "nnt"),
        "nnt_ci_a": ("nnt_ci_from_upper_reduction", "nnt_bi_uit_bovengrens_reductie"),
        "nnt_ci_b": ("nnt_ci_from_lower_reduction", "nnt_bi_uit_ondergrens_reductie"),
        "nnt_through_infinity": ("nnt_ci_through_infinity", "nnt_bi_via_oneindig"),
        "certainty": ("certainty", "zekerheid"),
    },
    "column": {
        "outcome": ("Outcome", "Uitkomst"),
        "relative_effect": ("Relative effect (95% CI)", "Relatief effect (95%-BI)"),
        "baseline": ("Risk without intervention", "Risico zonder interventie"),
        "assumed": ("Without intervention, per 1,000", "Zonder interventie, per 1.000"),
        "corrected": ("With intervention, per 1,000 (95% CI)", "Met interventie, per 1.000 (95%-BI)"),
        "difference": ("Difference per 1,000 (95% CI)", "Verschil per 1.000 (95%-BI)"),
        "nnt": ("NNT (95% CI)", "NNT (95%-BI)"),
        "participants": ("Participants (trials)", "Deelnemers (studies)"),
        "certainty": ("Certainty of the evidence (GRADE)", "Zekerheid van het bewijs (GRADE)"),
        "comments": ("Notes", "Toelichting"),
        "study": ("Trial", "Studie"),
        "intervention_type": ("Intervention type", "Type interventie"),
        "parent_disorder": ("Parent's disorder", "Stoornis van de ouder"),
        "child_age": ("Child's age", "Leeftijd van het kind"),
        "count_trials": ("Trials", "Studies"),
        "count_rows": ("Extracted results", "Geëxtraheerde resultaten"),
        "estimate": ("Estimate (95% CI)", "Schatting (95%-BI)"),
        "prediction": ("Prediction interval", "Predictie-interval"),
        "k": ("Trials (k)", "Studies (k)"),
        "i2": ("I²", "I²"),
        "review": ("Review", "Review"),
        "analysis": ("Analysis", "Analyse"),
        "subset": ("Trials included", "Meegenomen studies"),
        "measure": ("Measure", "Maat"),
        "timepoint": ("Time point", "Meetmoment"),
    },
}


def _check_lang(func: str, lang: str) -> int:
    check_choice(func, "lang", lang, LANGS)
    return LANGS.index(lang)


def term(kind: str, code, lang: str = "en") -> str:
    """The display text of ``code`` (for example ``("outcome", "incidence")``) in ``lang``.

    Raises a ValueError naming the kind and the known codes when ``code`` has no entry, so an
    untranslated code can never reach a figure or report.
    """
    i = _check_lang("term", lang)
    check_choice("term", "kind", kind, tuple(TERMS))
    key = "" if code is None or (isinstance(code, float) and math.isnan(code)) else str(code)
    table = TERMS[kind]
    if key not in table:
        raise ValueError(f"term: no translation of {kind} {key!r}. Known codes: "
                         f"{', '.join(repr(c) for c in table)}. Add it to koppmeta.translations.TERMS.")
    return table[key][i]


def codes(kind: str) -> tuple[str, ...]:
    """The codes with a translation for ``kind``."""
    check_choice("codes", "kind", kind, tuple(TERMS))
    return tuple(TERMS[kind])


def all_pairs() -> list[tuple[str, str]]:
    """Every (English, Dutch) pair the library shows: this table, the plot words and the measure names."""
    from .plotting._common import MEASURE_LABEL, TEXT

    pairs = [pair for table in TERMS.values() for pair in table.values()]
    pairs += [(TEXT["en"][key], TEXT["nl"][key]) for key in TEXT["en"]]
    pairs += [(MEASURE_LABEL["en"][key], MEASURE_LABEL["nl"][key]) for key in MEASURE_LABEL["en"]]
    return pairs


def number(x: float, digits: int = 2, lang: str = "en") -> str:
    """A number as text with thousands separators (1,490 / 1.490): :func:`koppmeta._format.number`."""
    _check_lang("number", lang)
    return _fmt.number(x, digits, lang, grouping=True)


def integer(x: float, lang: str = "en") -> str:
    """A whole number with a thousands separator (1,490 in English, 1.490 in Dutch)."""
    _check_lang("integer", lang)
    return _fmt.integer(x, lang)


def interval(lo: float, hi: float, digits: int = 2, lang: str = "en") -> str:
    """``0.16 to 0.72`` / ``0,16 tot 0,72`` (words, as GRADE tables print intervals)."""
    _check_lang("interval", lang)
    return f"{number(lo, digits, lang)} {term('word', 'to', lang)} {number(hi, digits, lang)}"


def percent(x: float, digits: int = 0, lang: str = "en") -> str:
    """``55%`` / ``55%`` with the decimal comma in Dutch."""
    return number(x, digits, lang) + "%"


# ---------------------------------------------------------------------------------------------------------
# Words of the figures (koppmeta.plotting): plot labels, measure names, risk-of-bias and PRISMA figure words.
# language -> key -> text; keys are the same in both languages, and all_pairs() scans them.
# ---------------------------------------------------------------------------------------------------------

PLOT_TEXT = {
    "en": {
        "intervention": "Intervention", "control": "Control", "events": "Events", "total": "Total", "mean": "Mean",
        "sd": "SD", "n": "N", "source": "Source", "estimate_ci": "Estimate [CI]", "not_reported": "not reported",
        "overall_k": "{model}, k = {k}", "k_col": "k", "subgroup": "Subgroup",
        "study": "Study", "weight": "Weight", "ci": "{level}% CI", "re_model": "RE model ({method})",
        "fe_model": "FE model", "pi": "Prediction interval", "favours_left": "Favours intervention",
        "favours_right": "Favours control",
        "heterogeneity": "Heterogeneity: τ² = {tau2}, I² = {i2}%, Q = {q} (df = {df}, p {p})",
        "heterogeneity_short": "Heterogeneity: τ² = {tau2}; I² = {i2}%; Q = {q}, df = {df} (p {p})",
        "test": "Test for overall effect: {stat} = {value} (p {p})", "funnel_x": "Effect size", "funnel_y": "Standard error",
        "pooled": "Pooled estimate", "filled": "Imputed studies (trim-and-fill, {k0})",
        "filled_estimate": "Estimate after trim-and-fill", "observed": "Studies",
        "subtotal": "Subtotal", "overall": "Overall ({model})", "group_k": "{name} (k = {k})",
        "subgroup_test": "Test for subgroup differences: {stat} = {value}, df = {df} (p {p})",
        "common_tau2": "one common τ² for all subgroups", "not_applicable": "Heterogeneity: not applicable",
        "rob": "Risk of bias", "rob_short": "RoB",
        "rob_legend": "Risk of bias: + low, \u2212 some concerns, \u00d7 high, ? unclear",
        "low": "low", "some_concerns": "some concerns", "high": "high", "unclear": "unclear",
        "p_region": "{lo} < p < {hi}", "p_below": "p < {c}", "pseudo_ci": "Pseudo 95% limits",
        "added": "+ {label}", "omitted": "\u2212 {label}", "cumulative": "Cumulative estimate",
        "loo": "Estimate without the study", "all_studies": "All studies",
        "baujat_x": "Contribution to overall heterogeneity (Q)", "baujat_y": "Influence on the pooled estimate",
        "gosh_x": "Pooled estimate of the subset", "gosh_y": "I² of the subset (%)", "count": "Subsets",
        "bubble_y": "Effect size", "fitted": "Fitted line ({level}% CI)",
        "i2_col": "I²", "tau2_col": "τ²",
        "method": "Method", "method_FE": "Fixed effect (inverse variance)", "method_REML-z": "Random effects (REML), z test",
        "method_REML-HKSJ": "Random effects (REML), Hartung-Knapp",
        "method_REML-HKSJ-adhoc": "Random effects (REML), Hartung-Knapp, ad hoc",
        "method_MH": "Mantel-Haenszel (fixed effect)", "method_Peto": "Peto (fixed effect)", "method_Bayes": "Bayesian ({prior})",
        "not_computed": "not computed", "tau_col": "τ",
        "methods_note": "Diamond: estimate with its {level}% interval (credible interval for the Bayesian row); "
                        "bar: prediction interval for a new study. {k}",
        "methods_k_note": "Mantel-Haenszel/Peto use the {k} studies with arm counts.",
        "methods_k_note_1": "Mantel-Haenszel/Peto use the one study with arm counts.",
        "prior_half-normal": "half-normal prior for τ, scale {scale}", "prior_half-cauchy": "half-Cauchy prior for τ, scale {scale}",
        "prior_uniform": "uniform prior for τ on [0, {scale}]", "prior_turner": "Turner et al. 2015 prior for τ",
        "prior_rhodes": "Rhodes et al. 2015 prior for τ", "prior_distribution": "own prior for τ",
        "short_half-normal": "half-normal prior, scale {scale}", "short_half-cauchy": "half-Cauchy prior, scale {scale}",
        "short_uniform": "uniform prior, [0, {scale}]", "short_turner": "Turner et al. 2015 prior",
        "short_rhodes": "Rhodes et al. 2015 prior", "short_distribution": "own prior",
        "observed_effect": "Observed", "shrunk": "Bayesian (shrinkage) estimate",
        "bayes_mu": "Average effect (posterior median)", "bayes_pi": "Predictive interval, new study",
        "bayes_note": "Bayesian random-effects model, {prior}; black: observed effect ({level}% CI), "
                      "grey: shrinkage estimate ({level}% credible interval). τ: posterior median {tau} "
                      "[{tau_lo}, {tau_hi}].",
    },
    "nl": {
        "intervention": "Interventie", "control": "Controle", "events": "Gebeurtenissen", "total": "Totaal",
        "mean": "Gemiddelde", "sd": "SD", "n": "N", "source": "Bron", "estimate_ci": "Schatting [BI]",
        "not_reported": "niet gerapporteerd", "overall_k": "{model}, k = {k}", "k_col": "k", "subgroup": "Subgroep",
        "study": "Studie", "weight": "Gewicht", "ci": "{level}%-BI", "re_model": "Variabele effecten ({method})",
        "fe_model": "FE-model", "pi": "Predictie-interval", "favours_left": "In het voordeel van interventie",
        "favours_right": "In het voordeel van controle",
        "heterogeneity": "Heterogeniteit: τ² = {tau2}, I² = {i2}%, Q = {q} (df = {df}, p {p})",
        "heterogeneity_short": "Heterogeniteit: τ² = {tau2}; I² = {i2}%; Q = {q}, df = {df} (p {p})",
        "test": "Toets voor het totale effect: {stat} = {value} (p {p})", "funnel_x": "Effectgrootte", "funnel_y": "Standaardfout",
        "pooled": "Gepoolde schatting", "filled": "Toegevoegde studies (trim-and-fill, {k0})",
        "filled_estimate": "Schatting na trim-and-fill", "observed": "Studies",
        "subtotal": "Subtotaal", "overall": "Totaal ({model})", "group_k": "{name} (k = {k})",
        "subgroup_test": "Toets voor verschil tussen subgroepen: {stat} = {value}, df = {df} (p {p})",
        "common_tau2": "één gemeenschappelijke τ² voor alle subgroepen", "not_applicable": "Heterogeniteit: niet van toepassing",
        "rob": "Risico op vertekening", "rob_short": "Vertekening",
        "rob_legend": "Risico op vertekening: + laag, \u2212 enige zorgen, \u00d7 hoog, ? onduidelijk",
        "low": "laag", "some_concerns": "enige zorgen", "high": "hoog", "unclear": "onduidelijk",
        "p_region": "{lo} < p < {hi}", "p_below": "p < {c}", "pseudo_ci": "Pseudo-95%-grenzen",
        "added": "+ {label}", "omitted": "\u2212 {label}", "cumulative": "Cumulatieve schatting",
        "loo": "Schatting zonder de studie", "all_studies": "Alle studies",
        "baujat_x": "Bijdrage aan de totale heterogeniteit (Q)", "baujat_y": "Invloed op de gepoolde schatting",
        "gosh_x": "Gepoolde schatting van de deelverzameling", "gosh_y": "I² van de deelverzameling (%)",
        "count": "Deelverzamelingen", "bubble_y": "Effectgrootte", "fitted": "Regressielijn ({level}%-BI)",
        "i2_col": "I²", "tau2_col": "τ²",
        "method": "Methode", "method_FE": "Vast effect (inverse variantie)", "method_REML-z": "Variabele effecten (REML), z-toets",
        "method_REML-HKSJ": "Variabele effecten (REML), Hartung-Knapp",
        "method_REML-HKSJ-adhoc": "Variabele effecten (REML), Hartung-Knapp, ad hoc",
        "method_MH": "Mantel-Haenszel (vast effect)", "method_Peto": "Peto (vast effect)", "method_Bayes": "Bayesiaans ({prior})",
        "not_computed": "niet berekend", "tau_col": "τ",
        "methods_note": "Ruit: schatting met {level}%-interval (geloofwaardigheidsinterval voor de bayesiaanse rij); "
                        "balk: predictie-interval voor een nieuwe studie. {k}",
        "methods_k_note": "Mantel-Haenszel/Peto gebruiken de {k} studies met aantallen per arm.",
        "methods_k_note_1": "Mantel-Haenszel/Peto gebruiken de ene studie met aantallen per arm.",
        "prior_half-normal": "halfnormale priorverdeling voor τ, schaal {scale}",
        "prior_half-cauchy": "half-Cauchy-priorverdeling voor τ, schaal {scale}",
        "prior_uniform": "uniforme priorverdeling voor τ op [0; {scale}]", "prior_turner": "priorverdeling voor τ van Turner e.a. 2015",
        "prior_rhodes": "priorverdeling voor τ van Rhodes e.a. 2015", "prior_distribution": "eigen priorverdeling voor τ",
        "short_half-normal": "halfnormaal, schaal {scale}", "short_half-cauchy": "half-Cauchy, schaal {scale}",
        "short_uniform": "uniform, [0; {scale}]", "short_turner": "Turner e.a. 2015",
        "short_rhodes": "Rhodes e.a. 2015", "short_distribution": "eigen priorverdeling",
        "observed_effect": "Waargenomen", "shrunk": "Bayesiaanse schatting (bijgesteld)",
        "bayes_mu": "Gemiddeld effect (mediaan achteraf)", "bayes_pi": "Voorspellingsinterval, nieuwe studie",
        "bayes_note": "Bayesiaans model met variabele effecten, {prior}; zwart: waargenomen effect ({level}%-BI), "
                      "grijs: bijgestelde schatting ({level}%-geloofwaardigheidsinterval). τ: mediaan achteraf {tau} "
                      "[{tau_lo}; {tau_hi}].",
    },
}

PLOT_MEASURE_LABEL = {
    "en": {"RR": "Risk ratio", "OR": "Odds ratio", "HR": "Hazard ratio", "IRR": "Incidence rate ratio",
           "SMD": "Standardized mean difference (Hedges' g)", "MD": "Mean difference", "RD": "Risk difference",
           None: "Effect size"},
    "nl": {"RR": "Relatief risico", "OR": "Oddsratio", "HR": "Hazardratio", "IRR": "Incidentiedichtheidsratio",
           "SMD": "Gestandaardiseerd gemiddeld verschil (Hedges' g)", "MD": "Gemiddeld verschil",
           "RD": "Risicoverschil", None: "Effectgrootte"},
}

ROB_PLOT_TEXT = {
    "en": {"judgement": "Judgement", "domains": "Domains", "study": "Study", "share_studies": "Share of studies (%)",
           "share_weight": "Share of the weight (%)", "t_light": "Risk of bias per study", "t_summary": "Risk of bias across studies",
           "weighted": "weighted by {what}", "unweighted": "each study counts once"},
    "nl": {"judgement": "Oordeel", "domains": "Domeinen", "study": "Studie", "share_studies": "Aandeel van de studies (%)",
           "share_weight": "Aandeel van het gewicht (%)", "t_light": "Risico op vertekening per studie",
           "t_summary": "Risico op vertekening over de studies", "weighted": "gewogen naar {what}",
           "unweighted": "elke studie telt één keer"},
}

PRISMA_PLOT_TEXT = {
    "en": {
        "identified_databases": "Records identified from databases and registers",
        "identified_other": "Documents identified from other sources (reviews, reference lists, public summaries)",
        "records_screened": "Records screened", "records_excluded": "Records excluded",
        "reports_sought": "Reports sought for retrieval", "reports_not_retrieved": "Full texts not retrieved",
        "reports_assessed": "Reports assessed for eligibility",
        "excluded": "Trials not in any meta-analysis:",
        "excluded_no_effect": "no analysable effect in the sources read",
        "excluded_not_randomised": "no randomised control group",
        "reviews_included": "Reviews included",
        "studies_included": "Trials included", "reports_included": "reports of included trials",
        "studies_in_synthesis": "Trials with an analysable effect (meta-analyses)",
        "identification": "Identification", "screening": "Screening", "included": "Included",
        "unknown": "unknown", "title": "PRISMA 2020 flow diagram",
    },
    "nl": {
        "identified_databases": "Treffers in databases en registers",
        "identified_other": "Documenten gevonden via andere bronnen (reviews, literatuurlijsten, openbare samenvattingen)",
        "records_screened": "Gescreende treffers", "records_excluded": "Uitgesloten treffers",
        "reports_sought": "Opgevraagde publicaties", "reports_not_retrieved": "Volledige teksten niet verkregen",
        "reports_assessed": "Publicaties beoordeeld op geschiktheid",
        "excluded": "Studies in geen enkele meta-analyse:",
        "excluded_no_effect": "geen bruikbaar effect in de gelezen bronnen",
        "excluded_not_randomised": "geen gerandomiseerde controlegroep",
        "reviews_included": "Geïncludeerde reviews",
        "studies_included": "Geïncludeerde studies", "reports_included": "publicaties van geïncludeerde studies",
        "studies_in_synthesis": "Studies met een bruikbaar effect (meta-analyses)",
        "identification": "Identificatie", "screening": "Screening", "included": "Inclusie",
        "unknown": "onbekend", "title": "PRISMA 2020-stroomdiagram",
    },
}
