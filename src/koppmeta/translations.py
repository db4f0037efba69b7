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

from . import formatting as _fmt

import math

from ._validation import check_choice

__all__ = ["TERMS", "LANGS", "FINDINGS_TEXT", "FINDINGS_TEST_NAME", "OWN_DATA_TEXT", "TEMPLATE_EXPLAIN", "REPORT_TEXT", "REVIEW_TIME", "CLI_OUTPUT_TEXT",
           "explore_words", "term", "codes", "all_pairs", "number", "interval", "percent", "integer"]

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
        "risk_of_bias": ("Risk of bias", "Risico op vertekening"),
    },
}


# ----------------------------------------------------------------------------- texts of the commands and pages
# The words of the command line, the report, the explore page and `koppmeta analyse`, per language,
# in one place with the table above.

# (effects/own_data.py)
# Words, per language. Every line printed by `koppmeta analyse` comes from here.
OWN_DATA_TEXT = {
    "en": {
        "layout_counts": "event counts per group (events1, n1, events2, n2)",
        "layout_means": "means, SDs and group sizes (m1, sd1, n1, m2, sd2, n2)",
        "layout_yi_vi": "effect sizes with variances (yi, vi)",
        "layout_yi_sei": "effect sizes with standard errors (yi, sei)",
        "layout_estimates": "reported estimates with 95% confidence intervals (estimate, ci_low, ci_high)",
        "measure_RR": "risk ratio", "measure_OR": "odds ratio", "measure_RD": "risk difference",
        "measure_SMD": "standardized mean difference (Hedges' g)", "measure_MD": "mean difference",
        "measure_HR": "hazard ratio", "measure_None": "effect size as given",
        "sep_,": "comma", "sep_;": "semicolon", "sep_\t": "tab",
        "dec_.": "decimal point", "dec_,": "decimal comma", "dec_none": "no decimals in the numbers",
        "read_csv": "Read {file}: {rows} row(s); separator {sep}, {dec}{enc}.",
        "read_xlsx": "Read {file} (sheet {sheet!r}): {rows} row(s).",
        "read_frame": "Read a table of {rows} row(s).",
        "enc_cp1252": "; not UTF-8, read as Windows-1252 (as Excel saves CSV)",
        "headers_nl": "Dutch column names recognised.",
        "layout": "Numbers per trial: {what}.",
        "measure_given": "Measure: {m} ({name}), as requested.",
        "measure_column": "Measure: {m} ({name}), from the column 'measure'.",
        "measure_counts": "Measure: RR (risk ratio), chosen for event counts; use --measure OR or RD for another.",
        "measure_means": "Measure: SMD (Hedges' g), chosen for means; use --measure MD to keep the scale's units.",
        "measure_ratio": "Measure: RR (risk ratio), inferred: estimates and limits are positive and the intervals are "
                         "symmetric on the log scale; use --measure OR or HR if they are odds or hazard ratios.",
        "measure_diff": "Measure: SMD, inferred: the intervals are symmetric around the estimates; use --measure MD "
                        "for differences in the scale's units.",
        "measure_none": "Measure: not stated; the effect sizes are pooled as given (give --measure RR, OR or HR "
                        "if they are log ratios, to see ratios).",
        "empty_rows": "{n} empty row(s) ignored.",
        "unused_head": "Not analysable ({n} row(s), left out of the analysis):",
        "unused_row": "  row {row} ({label}): {why}",
        "why_partial": "{missing} empty; a row needs all of {need}",
        "why_none": "no complete set of numbers (counts, means, yi/vi, yi/sei or estimate with interval)",
        "pooled_head": "Pooled result (k = {k}; random effects, {method}; {test}):",
        "pooled_head_fe": "Pooled result (k = {k}; common effect, inverse variance; {test}):",
        "test_knha": "Hartung-Knapp test (t, df = {df})",
        "test_adhoc": "ad hoc Hartung-Knapp test (t, df = {df}), never narrower than the z test, for few trials",
        "test_z": "z test (normal distribution)",
        "line_estimate": "{m} {est} ({level}% CI {lo} to {hi}), p {p}",
        "line_pi": "Prediction interval ({level}%; where the true effect of a new trial is expected): {lo} to {hi}",
        "line_het": "Heterogeneity: tau² = {tau2}, I² = {i2}%, Q = {q} (df = {df}), p {p}",
        "line_k1": "Only one trial in this group: nothing to pool.",
        "cmp_head": "Few trials: the same trials pooled by several methods",
        "cmp_note": "With few trials the z test gives intervals that are too narrow, and plain Hartung-Knapp can be "
                    "narrower still when the trials happen to agree; read the ad hoc Hartung-Knapp row and the "
                    "prediction interval.",
        "sg_head": "By {by} (a separate tau² per group):",
        "sg_single": "Subgroups pooled with the z test: the group(s) {groups} hold one trial, and the Hartung-Knapp "
                     "test needs two per group.",
        "sg_test": "Test for subgroup differences: Q = {q} (df = {df}), p {p}",
        "col_method": "method", "col_k": "k", "col_est": "{m}", "col_ci": "{level}% CI", "col_p": "p",
        "col_tau2": "tau²", "col_pi": "prediction interval", "col_group": "group", "col_i2": "I²",
        "col_chosen": "used",
        "m_FE_z": "Common effect (inverse variance), z", "m_REML_z": "REML, z test",
        "m_REML_knha": "REML, Hartung-Knapp", "m_REML_adhoc": "REML, Hartung-Knapp (ad hoc)",
        "m_DL_z": "DerSimonian-Laird, z test", "m_PM_knha": "Paule-Mandel, Hartung-Knapp",
        "m_DL_knha": "DerSimonian-Laird, Hartung-Knapp", "m_PM_z": "Paule-Mandel, z test",
        "figure": "Figure: {path}", "warning": "Warning: {text}",
        "title": "{k} trials: random effects ({method}), {test_short}",
        "title_fe": "{k} trials: common effect, {test_short}",
        "title_by": "{k} trials by {by}: random effects ({method}), {test_short}",
        "short_knha": "Hartung-Knapp test", "short_adhoc": "ad hoc Hartung-Knapp test", "short_z": "z test",
        "yes": "yes", "no": "",
        "missing_group": "not stated",
        # problems
        "p_no_file": "no such file",
        "p_folder": "is a folder, not a file",
        "p_suffix": "unknown file type {suffix!r}; use .csv, .txt or .xlsx",
        "p_empty": "the file is empty; expected a header row and one row per trial",
        "p_no_rows": "the file has a header but no rows with data",
        "p_encoding": "the file is neither UTF-8 nor Windows-1252 text",
        "p_binary": "the file contains NUL bytes: it is not a text file (an Excel file must end in .xlsx)",
        "p_csv": "the file cannot be read as CSV: {err}",
        "p_xlsx": "the file cannot be read as an Excel workbook (.xlsx): {err}",
        "p_one_column": "the header has a single column; if the file is separated by something other than a comma, "
                        "semicolon or tab, save it again as CSV",
        "p_cells": "row has {n} cells but the header has {m} columns{hint}",
        "hint_cells": " (a decimal comma in a comma-separated file splits numbers: quote them or save with semicolons)",
        "p_dup": "column appears more than once (also as {other!r}); rename one",
        "p_no_study": "no column with the study label; name one 'study' (or 'studie', 'label', 'author')",
        "p_no_layout": "no complete set of columns for the numbers; a file needs one of: {layouts}. Found columns: "
                       "{found}{hint}",
        "hint_sep": ". The header looks {sep}-separated but was read as one column",
        "p_not_number": "must be a number",
        "p_not_number_comma": "must be a number; the file uses a decimal point elsewhere",
        "p_not_number_point": "must be a number; the file uses a decimal comma elsewhere",
        "p_not_whole": "must be a whole number (a count of participants or events)",
        "p_negative": "cannot be negative",
        "p_n_small": "a group size must be at least 1",
        "p_n_small_means": "a group size must be at least 2 to estimate an SD",
        "p_events_gt_n": "events cannot exceed the group size {col} = {n}",
        "p_sd": "a standard deviation must be greater than 0",
        "p_vi": "a variance must be greater than 0",
        "p_sei": "a standard error must be greater than 0",
        "p_ci_order": "the lower limit is above the upper limit {hi}",
        "p_ci_contains": "the interval [{lo}, {hi}] does not contain its estimate",
        "p_ratio_positive": "a ratio ({m}) and its limits must be greater than 0",
        "p_measure_unknown": "unknown measure; valid: {valid}",
        "p_measure_mixed": "the column holds several measures ({found}); analyse one measure per file",
        "p_measure_layout": "measure {m} cannot be computed from {what}; valid here: {valid}",
        "p_dup_label": "the study label repeats row {other}; give each trial its own label (add the year or a letter)",
        "p_too_few": "only {k} row(s) can be analysed; pooling needs at least 2 trials",
        "p_by": "no column {by!r}; columns in the file: {found}",
        "p_sheet": "no sheet {sheet!r}; sheets: {found}",
        "p_rob": "unknown risk-of-bias judgement; valid: low, some_concerns, high, unclear (or empty)",
        "where_header": "header (line {line})", "where_row_only": "row {row}",
        "where_row": "row {row} (line {line})", "where_row_xlsx": "row {row} (spreadsheet row {line})",
        "where_col": "column {col!r}", "where_val": "value {val!r}",
        "n_problems": "{n} problem(s) in {file}:",
        "more": "... and {n} more",
    },
    "nl": {
        "layout_counts": "aantallen per groep (gebeurtenissen1, n1, gebeurtenissen2, n2)",
        "layout_means": "gemiddelden, SD's en groepsgroottes (gemiddelde1, sd1, n1, gemiddelde2, sd2, n2)",
        "layout_yi_vi": "effectgroottes met varianties (effectgrootte, variantie)",
        "layout_yi_sei": "effectgroottes met standaardfouten (effectgrootte, standaardfout)",
        "layout_estimates": "gerapporteerde schattingen met 95%-betrouwbaarheidsintervallen (schatting, ondergrens, bovengrens)",
        "measure_RR": "relatief risico", "measure_OR": "oddsratio", "measure_RD": "risicoverschil",
        "measure_SMD": "gestandaardiseerd gemiddeld verschil (Hedges' g)", "measure_MD": "gemiddeld verschil",
        "measure_HR": "hazardratio", "measure_None": "effectgrootte zoals gegeven",
        "sep_,": "komma", "sep_;": "puntkomma", "sep_\t": "tab",
        "dec_.": "decimaalpunt", "dec_,": "decimaalkomma", "dec_none": "geen decimalen in de getallen",
        "read_csv": "Gelezen: {file}: {rows} rij(en); scheidingsteken {sep}, {dec}{enc}.",
        "read_xlsx": "Gelezen: {file} (werkblad {sheet!r}): {rows} rij(en).",
        "read_frame": "Gelezen: een tabel van {rows} rij(en).",
        "enc_cp1252": "; geen UTF-8, gelezen als Windows-1252 (zoals Excel CSV opslaat)",
        "headers_nl": "Nederlandse kolomnamen herkend.",
        "layout": "Getallen per studie: {what}.",
        "measure_given": "Effectmaat: {m} ({name}), zoals gevraagd.",
        "measure_column": "Effectmaat: {m} ({name}), uit de kolom 'maat'.",
        "measure_counts": "Effectmaat: RR (relatief risico), gekozen bij aantallen; kies met --measure OR of RD een andere.",
        "measure_means": "Effectmaat: SMD (Hedges' g), gekozen bij gemiddelden; kies --measure MD om de eenheden van de schaal te houden.",
        "measure_ratio": "Effectmaat: RR (relatief risico), afgeleid: schattingen en grenzen zijn positief en de intervallen "
                         "zijn symmetrisch op logschaal; kies --measure OR of HR bij odds- of hazardratio's.",
        "measure_diff": "Effectmaat: SMD, afgeleid: de intervallen liggen symmetrisch rond de schattingen; kies --measure MD "
                        "voor verschillen in de eenheden van de schaal.",
        "measure_none": "Effectmaat: niet opgegeven; de effectgroottes worden gepoold zoals gegeven (kies --measure RR, OR "
                        "of HR als het logaritmen van ratio's zijn, om ratio's te zien).",
        "empty_rows": "{n} lege rij(en) overgeslagen.",
        "unused_head": "Niet te analyseren ({n} rij(en), niet in de analyse):",
        "unused_row": "  rij {row} ({label}): {why}",
        "why_partial": "{missing} leeg; een rij heeft alle waarden van {need} nodig",
        "why_none": "geen volledige set getallen (aantallen, gemiddelden, effectgrootte met variantie of "
                    "standaardfout, of schatting met interval)",
        "pooled_head": "Gepoold resultaat (k = {k}; random-effectsmodel, {method}; {test}):",
        "pooled_head_fe": "Gepoold resultaat (k = {k}; fixed-effectmodel, inverse variantie; {test}):",
        "test_knha": "toets van Hartung-Knapp (t, vg = {df})",
        "test_adhoc": "ad-hoc-toets van Hartung-Knapp (t, vg = {df}), nooit smaller dan de z-toets, bij weinig studies",
        "test_z": "z-toets (normale verdeling)",
        "line_estimate": "{m} {est} ({level}%-BI {lo} tot {hi}), p {p}",
        "line_pi": "Predictie-interval ({level}%; waar het ware effect van een nieuwe studie verwacht wordt): {lo} tot {hi}",
        "line_het": "Heterogeniteit: tau² = {tau2}, I² = {i2}%, Q = {q} (vg = {df}), p {p}",
        "line_k1": "Maar één studie in deze groep: niets te poolen.",
        "cmp_head": "Weinig studies: dezelfde studies gepoold met verschillende methoden",
        "cmp_note": "Bij weinig studies geeft de z-toets te smalle intervallen, en het gewone Hartung-Knapp-interval "
                    "kan nog smaller zijn als de studies toevallig goed overeenkomen; lees de rij van "
                    "ad-hoc-Hartung-Knapp en het predictie-interval.",
        "sg_head": "Per {by} (een eigen tau² per groep):",
        "sg_single": "Subgroepen gepoold met de z-toets: de groep(en) {groups} bevat(ten) één studie, en de toets "
                     "van Hartung-Knapp vraagt er twee per groep.",
        "sg_test": "Toets voor verschil tussen subgroepen: Q = {q} (vg = {df}), p {p}",
        "col_method": "methode", "col_k": "k", "col_est": "{m}", "col_ci": "{level}%-BI", "col_p": "p",
        "col_tau2": "tau²", "col_pi": "predictie-interval", "col_group": "groep", "col_i2": "I²",
        "col_chosen": "gebruikt",
        "m_FE_z": "Fixed-effectmodel (inverse variantie), z-toets", "m_REML_z": "REML, z-toets",
        "m_REML_knha": "REML, Hartung-Knapp", "m_REML_adhoc": "REML, ad-hoc-Hartung-Knapp",
        "m_DL_z": "DerSimonian-Laird, z-toets", "m_PM_knha": "Paule-Mandel, Hartung-Knapp",
        "m_DL_knha": "DerSimonian-Laird, Hartung-Knapp", "m_PM_z": "Paule-Mandel, z-toets",
        "figure": "Figuur: {path}", "warning": "Waarschuwing van de schatter: {text}",
        "title": "{k} studies: random-effectsmodel ({method}), {test_short}",
        "title_fe": "{k} studies: fixed-effectmodel, {test_short}",
        "title_by": "{k} studies per {by}: random-effectsmodel ({method}), {test_short}",
        "short_knha": "toets van Hartung-Knapp", "short_adhoc": "ad-hoc-toets van Hartung-Knapp", "short_z": "z-toets",
        "yes": "ja", "no": "",
        "missing_group": "niet vermeld",
        "p_no_file": "bestand bestaat niet",
        "p_folder": "is een map, geen bestand",
        "p_suffix": "onbekend bestandstype {suffix!r}; gebruik .csv, .txt of .xlsx",
        "p_empty": "het bestand is leeg; verwacht een kopregel en één rij per studie",
        "p_no_rows": "het bestand heeft een kopregel maar geen rijen met gegevens",
        "p_encoding": "het bestand is geen tekst in UTF-8 of Windows-1252",
        "p_binary": "het bestand bevat NUL-tekens: het is geen tekstbestand (een Excel-bestand moet op .xlsx eindigen)",
        "p_csv": "het bestand is niet als CSV te lezen: {err}",
        "p_xlsx": "het bestand is niet als Excel-werkmap (.xlsx) te lezen: {err}",
        "p_one_column": "de kopregel heeft maar één kolom; is het bestand gescheiden door iets anders dan komma, "
                        "puntkomma of tab, sla het dan opnieuw op als CSV",
        "p_cells": "rij heeft {n} cellen maar de kopregel {m} kolommen{hint}",
        "hint_cells": " (een decimaalkomma in een bestand met komma's als scheidingsteken splitst getallen: "
                      "sla op met puntkomma's)",
        "p_dup": "kolom komt meer dan eens voor (ook als {other!r}); hernoem er één",
        "p_no_study": "geen kolom met de naam van de studie; noem er één 'studie' (of 'label', 'auteur')",
        "p_no_layout": "geen volledige set kolommen voor de getallen; een bestand heeft één van deze nodig: {layouts}. "
                       "Gevonden kolommen: {found}{hint}",
        "hint_sep": ". De kopregel lijkt gescheiden door {sep}, maar is als één kolom gelezen",
        "p_not_number": "moet een getal zijn",
        "p_not_number_comma": "moet een getal zijn; het bestand gebruikt elders een decimaalpunt",
        "p_not_number_point": "moet een getal zijn; het bestand gebruikt elders een decimaalkomma",
        "p_not_whole": "moet een geheel getal zijn (een aantal deelnemers of gebeurtenissen)",
        "p_negative": "mag niet negatief zijn",
        "p_n_small": "een groepsgrootte moet minstens 1 zijn",
        "p_n_small_means": "een groepsgrootte moet minstens 2 zijn om een SD te schatten",
        "p_events_gt_n": "het aantal gebeurtenissen kan niet groter zijn dan de groepsgrootte {col} = {n}",
        "p_sd": "een standaarddeviatie moet groter dan 0 zijn",
        "p_vi": "een variantie moet groter dan 0 zijn",
        "p_sei": "een standaardfout moet groter dan 0 zijn",
        "p_ci_order": "de ondergrens ligt boven de bovengrens {hi}",
        "p_ci_contains": "het interval [{lo}; {hi}] bevat de schatting niet",
        "p_ratio_positive": "een ratio ({m}) en de grenzen ervan moeten groter dan 0 zijn",
        "p_measure_unknown": "onbekende effectmaat; geldig: {valid}",
        "p_measure_mixed": "de kolom bevat meerdere effectmaten ({found}); analyseer één effectmaat per bestand",
        "p_measure_layout": "effectmaat {m} is niet te berekenen uit {what}; hier geldig: {valid}",
        "p_dup_label": "de naam van de studie staat ook in rij {other}; geef elke studie een eigen naam (voeg het jaar of een letter toe)",
        "p_too_few": "maar {k} rij(en) te analyseren; poolen vraagt minstens 2 studies",
        "p_by": "geen kolom {by!r}; kolommen in het bestand: {found}",
        "p_sheet": "geen werkblad {sheet!r}; werkbladen: {found}",
        "p_rob": "onbekend oordeel over risico op vertekening; geldig: low, some_concerns, high, unclear (of leeg)",
        "where_header": "kopregel (regel {line})", "where_row_only": "rij {row}",
        "where_row": "rij {row} (regel {line})", "where_row_xlsx": "rij {row} (rij {line} in het werkblad)",
        "where_col": "kolom {col!r}", "where_val": "waarde {val!r}",
        "n_problems": "{n} probleem/problemen in {file}:",
        "more": "... en nog {n}",
    },
}


# (effects/own_data.py)
TEMPLATE_EXPLAIN = {
    "en": {"study": "study label, e.g. 'Clarke 2001' (required; one row per trial)",
           "year": "publication year (optional)",
           "events1": "participants with the event in the intervention group", "n1": "size of the intervention group",
           "events2": "participants with the event in the control group", "n2": "size of the control group",
           "m1": "mean in the intervention group", "sd1": "standard deviation in the intervention group",
           "m2": "mean in the control group", "sd2": "standard deviation in the control group",
           "measure": "RR, OR, HR, SMD or MD (one measure per file; or give --measure)",
           "estimate": "the reported effect (ratios as ratios, e.g. 0.60)", "ci_low": "lower limit of its 95% CI",
           "ci_high": "upper limit of its 95% CI",
           "intervention_type": "optional grouping column, e.g. parent / family / child (use with --by)",
           "risk_of_bias": "optional: low, some_concerns, high or unclear"},
    "nl": {"study": "naam van de studie, bv. 'Clarke 2001' (verplicht; één rij per studie)",
           "year": "jaar van publicatie (optioneel)",
           "events1": "deelnemers met de gebeurtenis in de interventiegroep", "n1": "grootte van de interventiegroep",
           "events2": "deelnemers met de gebeurtenis in de controlegroep", "n2": "grootte van de controlegroep",
           "m1": "gemiddelde in de interventiegroep", "sd1": "standaarddeviatie in de interventiegroep",
           "m2": "gemiddelde in de controlegroep", "sd2": "standaarddeviatie in de controlegroep",
           "measure": "RR, OR, HR, SMD of MD (één effectmaat per bestand; of geef --measure)",
           "estimate": "het gerapporteerde effect (ratio's als ratio, bv. 0,60)",
           "ci_low": "ondergrens van het 95%-betrouwbaarheidsinterval", "ci_high": "bovengrens van het 95%-betrouwbaarheidsinterval",
           "intervention_type": "optionele groepering, bv. ouder / gezin / kind (met --by)",
           "risk_of_bias": "optioneel: low, some_concerns, high of unclear (laag, enige zorgen, hoog, onduidelijk)"},
}


# (project/report.py)
# ----------------------------------------------------------------------------- words
REPORT_TEXT = {
    "en": {
        "title": "What works for children of parents with a mental illness or addiction?",
        "subtitle": "Evidence report: a re-analysis of the trials and the published pooled results (KOPP/KOV)",
        "made": "Made with koppmeta {version} from the project's evidence base (data fingerprint {fp}). Every number "
                "comes from the data tables, each with its source; the methods are checked against R metafor.",
        "contents": "Contents",
        "h_question": "1. The question",
        "question": ("About 900,000 children in the Netherlands grow up with a parent who has a mental illness or an "
                     "addiction (KOPP/KOV). They run a higher risk of developing problems themselves. The national "
                     "strategy paper on KOPP/KOV (2024) and the knowledge agenda ask, among other things:"),
        "rq": ["What is the effectiveness of preventive support, and what is its impact on the individual development "
               "of these children?",
               "What is the effectiveness of a family-based approach and of support from the informal network?",
               "What are the long-term effects, into adulthood (for example on the use of mental health care)?"],
        "question2": ("This report shows what the trials and reviews collected in the evidence base can say about these "
                      "questions, and where they fall silent."),
        "h_answers": "2. What the evidence can and cannot answer",
        "h_base": "3. The evidence base",
        "base": ("The evidence base holds {rows} extracted results from {trials} trials and {results} published pooled "
                 "results from {reviews} reviews. {usable} of the trials give an analysable effect (counts or "
                 "percentages per arm, means with standard deviations, or an estimate with its interval) in the "
                 "sources that could be read; the others are listed with the reason."),
        "t_type_outcome": "Trials by outcome and intervention type (a trial counts once per outcome)",
        "t_disorder": "Trials by the parent's disorder and intervention type",
        "t_usable": "Extracted results and analysable trials per outcome",
        "usable_cols": ["Outcome", "Extracted results", "Trials", "Trials with an analysable effect"],
        "h_prisma": "How the trials were found",
        "prisma": ("The flow diagram follows PRISMA 2020. No systematic database search was run for this evidence "
                   "base, so the boxes of records found and screened are empty ('unknown'); the other counts are "
                   "derived from the data tables."),
        "prisma_note": ("Counts derived from the evidence base tables; no systematic database search was run, so the "
                        "numbers of records identified and screened are unknown."),
        "h_rob": "Risk of bias",
        "rob": ("Risk of bias per trial, as the sources read allow it to be judged ({rule}). No trial has been judged "
                "at low risk; {unclear} of {n} trials are unclear because the sources read say nothing about "
                "randomisation, blinding or missing data."),
        "rob_rule": "where a trial's results are judged differently, the most serious judgement counts",
        "rob_domains": "Judgements per domain are drawn where the data hold them; otherwise only the overall judgement.",
        "h_outcomes": "4. Pooled effects per outcome",
        "outcomes": ("Each outcome is pooled with a random-effects model (REML) and the ad hoc Hartung-Knapp interval, "
                     "because no outcome has 10 trials or more: with few trials the usual z interval is too narrow, and "
                     "the plain Hartung-Knapp interval can be narrower still when the trials happen to agree; the ad hoc "
                     "version (Knapp and Hartung 2003) never lets it be narrower than the z interval. "
                     "The prediction interval shows where the effect of a new trial is expected to lie. The table "
                     "beside each figure compares the methods: when they disagree, the evidence is fragile."),
        "forest_title": "{outcome}: {k} trials (ad hoc Hartung-Knapp interval; prediction interval because k < 10)",
        "forest_short": "{outcome}: {k} trials (ad hoc Hartung-Knapp)",
        "forest_x": "{measure}; ad hoc Hartung-Knapp interval and prediction interval (k < 10)",
        "one_trial": "{outcome}: one trial ({trial}), {measure} {est} ({ci}); nothing to pool.",
        "t_methods": "{outcome}: the same trials pooled by several methods",
        "methods_cols": ["Method", "Estimate (95% CI)", "Prediction interval", "τ²", "I²"],
        "m_fe": "Fixed effect (z)", "m_z": "Random effects, REML (z)", "m_hk": "Random effects, REML (Hartung-Knapp)",
        "m_adhoc": "Random effects, REML (ad hoc Hartung-Knapp; used in this report)",
        "h_type": "5. By intervention type",
        "type": ("The Trimbos review sorts the interventions into those aimed at the parent, at the family and at "
                 "the child. Each group is pooled on its own (ad hoc Hartung-Knapp); the test for subgroup differences "
                 "asks whether the groups differ by more than chance."),
        "type_result": ("{outcome}: {groups}. Test for subgroup differences: Q = {q} (df = {df}), p = {p} with the "
                        "groups' ad hoc Hartung-Knapp standard errors; Q = {qz}, p = {pz} with their z standard errors. With at "
                        "most {kmax} trials per group neither test is secure."),
        "type_result_same": ("{outcome}: {groups}. Test for subgroup differences: Q = {q} (df = {df}), p = {p}, the same "
                             "with the groups' ad hoc Hartung-Knapp and z standard errors (their trials vary at least as "
                             "much as chance predicts). With at most {kmax} trials per group the test is not secure."),
        "type_none": "{outcome}: too few trials per intervention type to compare them.",
        "subgroup_title": "{outcome} by intervention type (ad hoc Hartung-Knapp per group; prediction interval)",
        "subgroup_short": "{outcome} by intervention type (ad hoc Hartung-Knapp)",
        "h_quality": "6. By study quality",
        "quality": ("The pooled effect of all trials beside the trials at low risk of bias or with some concerns, "
                    "and the trials at low risk only (ad hoc Hartung-Knapp)."),
        "quality_cols": ["Outcome", "Trials included", "k", "Estimate (95% CI)", "Prediction interval"],
        "subset": {"all": "All trials", "low_or_some": "Low risk or some concerns", "low": "Low risk only"},
        "no_trial": "no trial",
        "h_published": "7. Published pooled results beside the re-analysis",
        "published": ("The reviews' pooled results as printed in their abstracts, with the re-analysis of the trials "
                      "in this evidence base as the last row. The reviews pooled more trials than the public sources "
                      "show, so they are not the same analysis."),
        "published_title": "New disorder in the child: published pooled risk ratios and the re-analysis",
        "reanalysis_row": "Re-analysis, {k} trials (ad hoc Hartung-Knapp)",
        "t_published": "Published pooled results with an interval",
        "published_cols": ["Review", "Outcome", "Time point", "Measure", "Estimate (95% CI)"],
        "h_sof": "8. Summary of findings",
        "sof": ("Absolute effects per 1,000 children at the risks observed in the control arms of the trials; "
                "certainty of the evidence by GRADE. The downgrades shown are computed from the data (see the "
                "footnotes) and are suggestions that the authors of a report confirm or change."),
        "baseline": "control arm of {trial}",
        "h_time": "9. By time point",
        "time": ("How long after the end of the intervention the trials measured. Most analysable results are "
                 "short-term; long-term effects rest on few trials."),
        "time_cols": ["Outcome", "Post-test", "Up to 6 months", "7-12 months", "More than 12 months", "Not stated"],
        "h_limits": "10. Limitations and what is missing",
        "limits": [
            "For no review is the list of included trials per analysis confirmed in the sources read, so no published "
            "pooled result can be reproduced exactly.",
            "{unused} extracted results have no usable numbers (no counts, means with standard deviations or estimate "
            "with an interval in the public sources); their full texts are behind a paywall.",
            "Several incidence counts are reconstructed from percentages of the arm sizes, and one trial reports a "
            "hazard ratio that is used as a risk ratio; both are flagged in the data.",
            "With fewer than 10 trials per outcome, small-study effects and publication bias cannot be tested.",
            "No trial has been judged at low risk of bias from the sources read.",
        ],
        "missing": "What a researcher with library access can add to reproduce each published result:",
        "missing_items": ["the list of included trials per analysis, with the publication and time point used",
                          "per-trial numbers: events and arm sizes, or means, standard deviations and arm sizes",
                          "the choices made: comparator, informant, follow-up, estimator, corrections"],
        "missing_reviews": "Reviews concerned: {reviews}.",
        "h_method": "About the methods",
        "method": ("Effects: risk ratios from counts per arm (incidence) and Hedges' g from means and standard "
                   "deviations. Pooling: random effects with REML and the ad hoc Hartung-Knapp interval (also per "
                   "subgroup); the prediction "
                   "interval as in metafor. The numbers equal those of R metafor to within one millionth."),
        "figure": "Figure", "table": "Table",
        "yes": "yes", "no": "no",
        # answers
        "a1_title": "Preventive support and the child's development",
        "a1_can": ("Can answer, with {certainty} certainty (GRADE): whether fewer children develop a disorder of their "
                   "own. The re-analysis of {k} trials gives a risk ratio of {rr} ({ci}, ad hoc Hartung-Knapp); prediction "
                   "interval {pi}{pi_null}. The published reviews report risk ratios between {pmin} and {pmax}."),
        "pi_null": ": a new trial could find anything from a large benefit to harm",
        "a1_cannot": ("Cannot answer: the impact on the child's development. Of {dev_trials} trials with "
                      "developmental outcomes, {dev_usable} give analysable numbers in the sources read."),
        "a2_title": "A family-based approach",
        "a2_can": ("Can point a direction only: {type_text}"),
        "a2_cannot": ("Cannot answer: support from the informal network; no trial in the evidence base tests it."),
        "a3_title": "Long-term effects",
        "a3_can": ("Can answer in part: the longest follow-up of an analysable trial is {maxm} months after the end of "
                   "the intervention. Havinga 2021 reports a smaller effect at 24 months or later (RR {h24}) than at "
                   "9-18 months (RR {h9})."),
        "a3_cannot": ("Cannot answer: effects into adulthood, such as the use of mental health care; no trial in the "
                      "evidence base follows the children that long."),
        "can": "What the evidence can say", "cannot": "What it cannot say",
    },
    "nl": {
        "title": "Wat werkt voor kinderen van ouders met psychische problemen of een verslaving?",
        "subtitle": "Bewijsrapport: heranalyse van de studies en de gepubliceerde gepoolde resultaten (KOPP/KOV)",
        "made": "Gemaakt met koppmeta {version} uit de bewijsbasis van het project (vingerafdruk van de gegevens {fp}). "
                "Elk getal komt uit de gegevenstabellen, elk met zijn bron; de methoden zijn gecontroleerd tegen R metafor.",
        "contents": "Inhoud",
        "h_question": "1. De vraag",
        "question": ("Ongeveer 900.000 kinderen in Nederland groeien op met een ouder met psychische problemen of een "
                     "verslaving (KOPP/KOV). Zij lopen een groter risico om zelf problemen te ontwikkelen. De "
                     "landelijke strategie voor KOPP/KOV (2024) en de kennisagenda vragen onder meer:"),
        "rq": ["Wat is de effectiviteit van preventieve ondersteuning en wat is de impact op de individuele ontwikkeling "
               "van deze kinderen?",
               "Wat is de effectiviteit van een gezinsgerichte benadering en steun door het informele netwerk?",
               "Wat zijn de langetermijneffecten, tot in de volwassenheid (bijvoorbeeld op het gebruik van ggz)?"],
        "question2": ("Dit rapport laat zien wat de studies en reviews in de bewijsbasis over deze vragen kunnen "
                      "zeggen, en waar ze zwijgen."),
        "h_answers": "2. Wat het bewijs wel en niet kan beantwoorden",
        "h_base": "3. De bewijsbasis",
        "base": ("De bewijsbasis bevat {rows} geëxtraheerde resultaten uit {trials} studies en {results} gepubliceerde "
                 "gepoolde resultaten uit {reviews} reviews. {usable} van de studies geven in de gelezen bronnen een "
                 "bruikbaar effect (aantallen of percentages per arm, gemiddelden met standaarddeviaties, of een "
                 "schatting met interval); bij de andere staat de reden vermeld."),
        "t_type_outcome": "Studies per uitkomst en type interventie (een studie telt één keer per uitkomst)",
        "t_disorder": "Studies per stoornis van de ouder en type interventie",
        "t_usable": "Geëxtraheerde resultaten en bruikbare studies per uitkomst",
        "usable_cols": ["Uitkomst", "Geëxtraheerde resultaten", "Studies", "Studies met een bruikbaar effect"],
        "h_prisma": "Hoe de studies zijn gevonden",
        "prisma": ("Het stroomdiagram volgt PRISMA 2020. Voor deze bewijsbasis is geen systematische zoekactie in "
                   "databases gedaan; daarom zijn de vakken met gevonden en gescreende treffers leeg ('onbekend'). "
                   "De andere aantallen zijn afgeleid uit de gegevenstabellen."),
        "prisma_note": ("Aantallen afgeleid uit de tabellen van de bewijsbasis; er is geen systematische zoekactie "
                        "gedaan, dus het aantal gevonden en gescreende treffers is onbekend."),
        "h_rob": "Risico op vertekening",
        "rob": ("Risico op vertekening per studie, zover de gelezen bronnen een oordeel toelaten ({rule}). Geen enkele "
                "studie is beoordeeld als laag risico; bij {unclear} van de {n} studies is het oordeel onduidelijk, "
                "omdat de gelezen bronnen niets zeggen over randomisatie, blindering of ontbrekende gegevens."),
        "rob_rule": "waar de resultaten van een studie verschillend zijn beoordeeld, telt het ernstigste oordeel",
        "rob_domains": "Oordelen per domein staan in de figuur waar de gegevens ze bevatten; anders alleen het totaaloordeel.",
        "h_outcomes": "4. Gepoolde effecten per uitkomst",
        "outcomes": ("Elke uitkomst is gepoold met een random-effectsmodel (REML) en het ad-hoc-Hartung-Knapp-interval, omdat "
                     "geen enkele uitkomst 10 of meer studies heeft: bij weinig studies is het gebruikelijke z-interval "
                     "te smal, en het gewone Hartung-Knapp-interval kan nog smaller zijn als de studies toevallig goed "
                     "overeenkomen; de ad-hocversie (Knapp en Hartung 2003) is nooit smaller dan het z-interval. Het predictie-interval laat zien waar het effect van een nieuwe studie naar verwachting "
                     "ligt. De tabel bij elke figuur vergelijkt de methoden: als die verschillen, is het bewijs kwetsbaar."),
        "forest_title": "{outcome}: {k} studies (ad-hoc-Hartung-Knapp-interval; predictie-interval omdat k < 10)",
        "forest_short": "{outcome}: {k} studies (ad-hoc-Hartung-Knapp)",
        "forest_x": "{measure}; ad-hoc-Hartung-Knapp-interval en predictie-interval (k < 10)",
        "one_trial": "{outcome}: één studie ({trial}), {measure} {est} ({ci}); er valt niets te poolen.",
        "t_methods": "{outcome}: dezelfde studies gepoold met verschillende methoden",
        "methods_cols": ["Methode", "Schatting (95%-BI)", "Predictie-interval", "τ²", "I²"],
        "m_fe": "Vast effect (z)", "m_z": "Random-effectsmodel, REML (z)", "m_hk": "Random-effectsmodel, REML (Hartung-Knapp)",
        "m_adhoc": "Random-effectsmodel, REML (ad-hoc-Hartung-Knapp; gebruikt in dit rapport)",
        "h_type": "5. Per type interventie",
        "type": ("Het Trimbos-overzicht deelt de interventies in naar gericht op de ouder, op het gezin en op het kind. "
                 "Elke groep is apart gepoold (ad-hoc-Hartung-Knapp); de toets voor verschil tussen subgroepen gaat na of de "
                 "groepen meer verschillen dan toeval toelaat."),
        "type_result": ("{outcome}: {groups}. Toets voor verschil tussen subgroepen: Q = {q} (vg = {df}), p = {p} met de "
                        "ad-hoc-Hartung-Knapp-standaardfouten van de groepen; Q = {qz}, p = {pz} met hun z-standaardfouten. Met "
                        "hoogstens {kmax} studies per groep is geen van beide toetsen betrouwbaar."),
        "type_result_same": ("{outcome}: {groups}. Toets voor verschil tussen subgroepen: Q = {q} (vg = {df}), p = {p}, "
                             "gelijk met de ad-hoc-Hartung-Knapp- en de z-standaardfouten van de groepen (hun studies "
                             "verschillen minstens zoveel als toeval voorspelt). Met hoogstens {kmax} studies per groep is de "
                             "toets niet betrouwbaar."),
        "type_none": "{outcome}: te weinig studies per type interventie om ze te vergelijken.",
        "subgroup_title": "{outcome} per type interventie (ad-hoc-Hartung-Knapp per groep; predictie-interval)",
        "subgroup_short": "{outcome} per type interventie (ad-hoc-Hartung-Knapp)",
        "h_quality": "6. Per kwaliteit van de studies",
        "quality": ("Het gepoolde effect van alle studies naast dat van de studies met laag risico op vertekening of "
                    "enige zorgen, en alleen de studies met laag risico (ad-hoc-Hartung-Knapp)."),
        "quality_cols": ["Uitkomst", "Meegenomen studies", "k", "Schatting (95%-BI)", "Predictie-interval"],
        "subset": {"all": "Alle studies", "low_or_some": "Laag risico of enige zorgen", "low": "Alleen laag risico"},
        "no_trial": "geen studie",
        "h_published": "7. Gepubliceerde gepoolde resultaten naast de heranalyse",
        "published": ("De gepoolde resultaten van de reviews zoals hun samenvattingen ze vermelden, met de heranalyse "
                      "van de studies in deze bewijsbasis als laatste rij. De reviews poolden meer studies dan de "
                      "openbare bronnen laten zien; het is dus niet dezelfde analyse."),
        "published_title": "Nieuwe stoornis bij het kind: gepubliceerde gepoolde relatieve risico's en de heranalyse",
        "reanalysis_row": "Heranalyse, {k} studies (ad-hoc-Hartung-Knapp)",
        "t_published": "Gepubliceerde gepoolde resultaten met een interval",
        "published_cols": ["Review", "Uitkomst", "Meetmoment", "Maat", "Schatting (95%-BI)"],
        "h_sof": "8. Samenvatting van de bevindingen",
        "sof": ("Absolute effecten per 1.000 kinderen bij de risico's die in de controlegroepen van de studies zijn "
                "gezien; zekerheid van het bewijs volgens GRADE. De afwaarderingen zijn berekend uit de gegevens (zie "
                "de voetnoten) en zijn voorstellen die de auteurs van een rapport bevestigen of aanpassen."),
        "baseline": "controlegroep van {trial}",
        "h_time": "9. Per meetmoment",
        "time": ("Hoe lang na het einde van de interventie de studies maten. De meeste bruikbare resultaten gaan over "
                 "de korte termijn; langetermijneffecten rusten op weinig studies."),
        "time_cols": ["Uitkomst", "Nameting", "Tot 6 maanden", "7-12 maanden", "Meer dan 12 maanden", "Niet vermeld"],
        "h_limits": "10. Beperkingen en wat ontbreekt",
        "limits": [
            "Voor geen enkele review is in de gelezen bronnen de lijst van geïncludeerde studies per analyse bevestigd; "
            "geen gepubliceerd gepoold resultaat is dus exact na te rekenen.",
            "{unused} geëxtraheerde resultaten hebben geen bruikbare getallen (geen aantallen, gemiddelden met "
            "standaarddeviaties of schatting met interval in de openbare bronnen); de volledige teksten zijn niet vrij "
            "toegankelijk.",
            "Verscheidene aantallen nieuwe stoornissen zijn herleid uit percentages van de groepsgrootte, en één studie "
            "rapporteert een hazardratio die als relatief risico is gebruikt; beide zijn in de gegevens gemarkeerd.",
            "Met minder dan 10 studies per uitkomst zijn effecten van kleine studies en publicatiebias niet te toetsen.",
            "Geen enkele studie is op grond van de gelezen bronnen beoordeeld als laag risico op vertekening.",
        ],
        "missing": "Wat een onderzoeker met toegang tot de volledige teksten kan toevoegen om elk gepubliceerd resultaat na te rekenen:",
        "missing_items": ["de lijst van geïncludeerde studies per analyse, met de gebruikte publicatie en het meetmoment",
                          "getallen per studie: aantallen met de uitkomst en groepsgrootte, of gemiddelden, "
                          "standaarddeviaties en groepsgrootte",
                          "de gemaakte keuzes: controleconditie, informant, vervolgmeting, schatter, correcties"],
        "missing_reviews": "Het gaat om de reviews: {reviews}.",
        "h_method": "Over de methoden",
        "method": ("Effecten: relatieve risico's uit aantallen per arm (nieuwe stoornissen) en Hedges' g uit "
                   "gemiddelden en standaarddeviaties. Poolen: random-effectsmodel met REML en het ad-hoc-Hartung-Knapp-interval "
                   "(ook per subgroep); "
                   "het predictie-interval zoals in metafor. De getallen zijn gelijk aan die van R metafor tot op een miljoenste."),
        "figure": "Figuur", "table": "Tabel",
        "yes": "ja", "no": "nee",
        "a1_title": "Preventieve ondersteuning en de ontwikkeling van het kind",
        "a1_can": ("Kan beantwoord worden, met {certainty} zekerheid (GRADE): of minder kinderen zelf een stoornis "
                   "ontwikkelen. De heranalyse van {k} studies geeft een relatief risico van {rr} ({ci}, ad-hoc-Hartung-Knapp); "
                   "predictie-interval {pi}{pi_null}. De gepubliceerde reviews melden relatieve risico's tussen {pmin} "
                   "en {pmax}."),
        "pi_null": ": een nieuwe studie kan alles vinden van een groot voordeel tot schade",
        "a1_cannot": ("Kan niet beantwoord worden: de impact op de ontwikkeling van het kind. Van de {dev_trials} "
                      "studies met uitkomsten over de ontwikkeling geven er {dev_usable} bruikbare getallen in de "
                      "gelezen bronnen."),
        "a2_title": "Een gezinsgerichte benadering",
        "a2_can": ("Kan alleen een richting aangeven: {type_text}"),
        "a2_cannot": ("Kan niet beantwoord worden: steun door het informele netwerk; geen studie in de bewijsbasis "
                      "onderzoekt die."),
        "a3_title": "Langetermijneffecten",
        "a3_can": ("Kan deels beantwoord worden: de langste vervolgmeting van een bruikbare studie ligt {maxm} maanden "
                   "na het einde van de interventie. Havinga 2021 meldt een kleiner effect na 24 maanden of later "
                   "(RR {h24}) dan na 9-18 maanden (RR {h9})."),
        "a3_cannot": ("Kan niet beantwoord worden: effecten tot in de volwassenheid, zoals het gebruik van ggz; geen "
                      "studie in de bewijsbasis volgt de kinderen zo lang."),
        "can": "Wat het bewijs kan zeggen", "cannot": "Wat het niet kan zeggen",
    },
}


# (project/explore.py)
# measure names: Dutch "RR" etc. stay abbreviations; the page shows the long names of the figures
REVIEW_TIME = {"en": {"post": "post-test", "follow_up": "follow-up", "unspecified": "not stated",
                       "short_term": "short term", "long_term": "long term", "months": "{m} months"},
               "nl": {"post": "nameting", "follow_up": "follow-up", "unspecified": "niet vermeld",
                      "short_term": "korte termijn", "long_term": "lange termijn", "months": "{m} maanden"}}


# (project/cli.py)
CLI_OUTPUT_TEXT = {
    "en": {"suffix": "{opt} {path!r}: unknown file type '.{suffix}'; use {valid}{also}.",
           "also": " (or no suffix for all three)", "bare": "{opt} {path!r}: give the file type as its suffix: {valid}.",
           "dir": "{opt} {path!r} is a folder; give a file name in it.",
           "parent": "{opt} {path!r}: the folder {parent} does not exist; create it first (koppmeta does not create folders).",
           "forest_title": "{outcome}: the curated trials ({test})", "forest_title_by": "{outcome} by {by}: the curated trials ({test})",
           "months": "Months"},
    "nl": {"suffix": "{opt} {path!r}: onbekend bestandstype '.{suffix}'; gebruik {valid}{also}.",
           "also": " (of geen extensie voor alle drie)", "bare": "{opt} {path!r}: geef het bestandstype als extensie: {valid}.",
           "dir": "{opt} {path!r} is een map; geef een bestandsnaam in die map.",
           "parent": "{opt} {path!r}: de map {parent} bestaat niet; maak die eerst aan (koppmeta maakt geen mappen aan).",
           "forest_title": "{outcome}: de verzamelde studies ({test})", "forest_title_by": "{outcome} per {by}: de verzamelde studies ({test})",
           "months": "Maanden"},
}


def explore_words() -> tuple[dict, dict]:
    """The words of ``reports/explore.html`` (``UI``) and the names of the data's codes on it (``CODES``),
    per language; the risk-of-bias words come from the plot words, so the page and the figures agree."""
    from .plotting._common import ROB_LEVELS, TEXT

    # Words of the page. Codes from the data that are not listed here are shown as the code (underscores as
    # spaces) in both languages, so a new code never breaks the page; add its words here.
    UI = {
        "en": {
            "title": "KOPP/KOV evidence base: explore the trials",
            "intro": "Choose the trials with the filters. Every pooled number on this page was computed in advance "
                     "by koppmeta (the same code as the notebooks and reports); the page only shows it. "
                     "Click a number in the table to see the sentence it was copied from.",
            "filters": "Filters", "language": "Language",
            "intervention_type": "Intervention type", "outcome": "Outcome", "parent_disorder": "Parental disorder",
            "child_age": "Child age", "risk_of_bias": "Study quality (risk of bias)", "timepoint": "Time point",
            "all": "All", "longest": "Longest follow-up per trial", "shortest": "Shortest follow-up per trial",
            "months": "{m} months after the intervention", "post": "Directly after the intervention (post-test)",
            "map": "Evidence map: trials by intervention type and outcome",
            "map_note": "Each box is a trial with at least one row for that outcome, coloured by its risk of bias; "
                        "a solid border marks a trial with usable numbers. Trials hidden by the parental disorder, "
                        "child age or quality filters are left out. Choose a cell to select it.",
            "map_select": "Select {itype}, {outcome}: {n} trial(s)",
            "trials": "Selected trials", "no_selection": "No trial in the data matches these choices.",
            "trial": "Trial", "rob": "Risk of bias", "months_col": "Months", "route": "Numbers used",
            "effect": "Effect [95% CI]", "arm_n": "n (intervention / control)",
            "raw": "Numbers in the source (intervention / control; reported effect)",
            "unused": "Rows that could not be used ({n})", "approximate": "approximate",
            "pooled": "Pooled result", "not_pooled": "Fewer than two usable trials: nothing to pool.",
            "main_method": "Random effects, REML estimate of τ², ad hoc Hartung-Knapp 95% confidence interval "
                           "(never narrower than the z interval), 95% prediction interval (methods for few trials)",
            "estimate_ci": "Pooled estimate [95% CI]", "pi": "95% prediction interval", "pval": "p-value",
            "heterogeneity": "Heterogeneity", "k": "Trials (k)",
            "methods": "The same trials pooled by other methods", "method": "Method",
            "REML_adhoc": "Random effects (REML), ad hoc Hartung-Knapp",
            "REML_knha": "Random effects (REML), Hartung-Knapp", "REML_z": "Random effects (REML), z test",
            "FE_z": "Fixed effect (common effect), z test",
            "forest": "Forest plot of the selected trials",
            "forest_caption": "Random effects (REML τ²); diamond: ad hoc Hartung-Knapp 95% CI; bar under it: 95% prediction interval",
            "forest_single": "One trial: its effect with 95% CI; nothing pooled",
            "reviews": "Published pooled results of the reviews", "reviews_none": "No review pooled this outcome.",
            "review": "Review", "review_time": "Time point", "review_types": "Interventions", "model": "Model",
            "source": "Where this number comes from", "quote": "Verbatim quote", "location": "Location in the source",
            "source_link": "Source", "close": "Close", "number": "Number", "measure_as": "Outcome as the source names it",
            "rob_legend": "Risk of bias: + low, \u2212 some concerns, \u00d7 high, ? unclear",
            "lang_en": "English", "lang_nl": "Dutch (Nederlands)",
            "footer": "Made by koppmeta from data/studies.csv and data/reviews.csv.",
            "random": "random effects", "fixed": "fixed effect",
            "n_col": "n", "weight": "Weight", "type_short": "Type", "measure": "Measure",
            "field_n1": "analysed children, intervention arm", "field_n2": "analysed children, control arm",
            "field_events1": "children with the event, intervention arm", "field_events2": "children with the event, control arm",
            "field_percent1": "percentage with the event, intervention arm", "field_percent2": "percentage with the event, control arm",
            "field_m1": "mean, intervention arm", "field_sd1": "standard deviation, intervention arm",
            "field_m2": "mean, control arm", "field_sd2": "standard deviation, control arm",
            "field_reported_estimate": "effect reported by the paper", "field_reported_ci_low": "lower limit of its 95% CI",
            "field_reported_ci_high": "upper limit of its 95% CI", "field_reported_p": "reported p-value",
            "field_k": "number of studies pooled", "field_n": "number of participants pooled",
            "field_estimate": "pooled estimate", "field_ci_low": "lower limit of the 95% CI",
            "field_ci_high": "upper limit of the 95% CI", "field_p": "p-value", "field_i2": "I² in percent",
            "none": "none",
        },
        "nl": {
            "title": "KOPP/KOV-onderzoeksbasis: verken de studies",
            "intro": "Kies de studies met de filters. Elk gepoold getal op deze pagina is vooraf berekend door "
                     "koppmeta (dezelfde code als de notebooks en rapporten); de pagina laat het alleen zien. "
                     "Klik op een getal in de tabel om de zin te zien waaruit het is overgenomen.",
            "filters": "Filters", "language": "Taal",
            "intervention_type": "Soort interventie", "outcome": "Uitkomst", "parent_disorder": "Stoornis van de ouder",
            "child_age": "Leeftijd van het kind", "risk_of_bias": "Kwaliteit (risico op vertekening)",
            "timepoint": "Meetmoment",
            "all": "Alle", "longest": "Langste follow-up per studie", "shortest": "Kortste follow-up per studie",
            "months": "{m} maanden na de interventie", "post": "Direct na de interventie (nameting)",
            "map": "Kaart van het onderzoek: studies per soort interventie en uitkomst",
            "map_note": "Elk vakje is een studie met ten minste één rij voor die uitkomst, gekleurd naar het risico op "
                        "vertekening; een doorgetrokken rand betekent dat de studie bruikbare getallen heeft. Studies "
                        "die buiten de filters voor stoornis, leeftijd of kwaliteit vallen, zijn weggelaten. Kies een "
                        "cel om die te selecteren.",
            "map_select": "Selecteer {itype}, {outcome}: {n} studie(s)",
            "trials": "Geselecteerde studies", "no_selection": "Geen studie in de gegevens past bij deze keuzes.",
            "trial": "Studie", "rob": "Risico op vertekening", "months_col": "Maanden", "route": "Gebruikte getallen",
            "effect": "Effect [95%-BI]", "arm_n": "n (interventie / controle)",
            "raw": "Getallen in de bron (interventie / controle; gerapporteerd effect)",
            "unused": "Rijen die niet bruikbaar zijn ({n})", "approximate": "benaderd",
            "pooled": "Gepoold resultaat", "not_pooled": "Minder dan twee bruikbare studies: niets te poolen.",
            "main_method": "Random-effectsmodel, REML-schatting van τ², 95%-betrouwbaarheidsinterval volgens "
                           "ad-hoc-Hartung-Knapp (nooit smaller dan het z-interval), 95%-predictie-interval "
                           "(methoden voor weinig studies)",
            "estimate_ci": "Gepoolde schatting [95%-BI]", "pi": "95%-predictie-interval", "pval": "p-waarde",
            "heterogeneity": "Heterogeniteit", "k": "Studies (k)",
            "methods": "Dezelfde studies gepoold met andere methoden", "method": "Methode",
            "REML_adhoc": "Random-effectsmodel (REML), ad-hoc-Hartung-Knapp",
            "REML_knha": "Random-effectsmodel (REML), Hartung-Knapp", "REML_z": "Random-effectsmodel (REML), z-toets",
            "FE_z": "Vast-effectmodel (gemeenschappelijk effect), z-toets",
            "forest": "Forestplot van de geselecteerde studies",
            "forest_caption": "Random-effectsmodel (REML τ²); ruit: 95%-BI volgens ad-hoc-Hartung-Knapp; balk eronder: 95%-predictie-interval",
            "forest_single": "Eén studie: het effect met 95%-BI; niets gepoold",
            "reviews": "Gepubliceerde gepoolde resultaten van de reviews", "reviews_none": "Geen review heeft deze uitkomst gepoold.",
            "review": "Review", "review_time": "Meetmoment", "review_types": "Interventies", "model": "Model",
            "source": "Waar dit getal vandaan komt", "quote": "Letterlijk citaat", "location": "Plaats in de bron",
            "source_link": "Bron", "close": "Sluiten", "number": "Getal", "measure_as": "Uitkomst zoals de bron die noemt",
            "rob_legend": TEXT["nl"]["rob_legend"],
            "lang_en": "Engels", "lang_nl": "Nederlands",
            "footer": "Gemaakt door koppmeta uit data/studies.csv en data/reviews.csv.",
            "random": "random-effectsmodel", "fixed": "vast-effectmodel",
            "n_col": "n", "weight": "Gewicht", "type_short": "Soort", "measure": "Maat",
            "field_n1": "geanalyseerde kinderen, interventiegroep", "field_n2": "geanalyseerde kinderen, controlegroep",
            "field_events1": "kinderen met de uitkomst, interventiegroep", "field_events2": "kinderen met de uitkomst, controlegroep",
            "field_percent1": "percentage met de uitkomst, interventiegroep", "field_percent2": "percentage met de uitkomst, controlegroep",
            "field_m1": "gemiddelde, interventiegroep", "field_sd1": "standaarddeviatie, interventiegroep",
            "field_m2": "gemiddelde, controlegroep", "field_sd2": "standaarddeviatie, controlegroep",
            "field_reported_estimate": "effect zoals het artikel het rapporteert", "field_reported_ci_low": "ondergrens van het 95%-BI",
            "field_reported_ci_high": "bovengrens van het 95%-BI", "field_reported_p": "gerapporteerde p-waarde",
            "field_k": "aantal gepoolde studies", "field_n": "aantal gepoolde deelnemers",
            "field_estimate": "gepoolde schatting", "field_ci_low": "ondergrens van het 95%-BI",
            "field_ci_high": "bovengrens van het 95%-BI", "field_p": "p-waarde", "field_i2": "I² in procenten",
            "none": "geen",
        },
    }
    CODES = {
        "en": {
            "intervention_type": {"parent": "Parent (and parent-child relationship)", "family": "Family",
                                  "child": "Child", "mixed": "Mixed (separate parent and child parts)",
                                  "all": "All types together"},
            "outcome": {"incidence": "Incidence of a disorder in the child", "internalizing": "Internalizing problems",
                        "externalizing": "Externalizing problems", "depressive_symptoms": "Depressive symptoms",
                        "anxiety_symptoms": "Anxiety symptoms", "global_psychopathology": "Global psychopathology",
                        "parent_child_interaction": "Parent-child interaction", "parenting": "Parenting",
                        "parent_symptoms": "Parent's own symptoms", "child_development": "Child development",
                        "knowledge_coping": "Knowledge and coping", "quality_of_life": "Quality of life",
                        "other": "Other outcome"},
            "parent_disorder": {"depression": "Depression", "anxiety": "Anxiety disorder", "bipolar": "Bipolar disorder",
                                "mood": "Mood disorder", "substance_use": "Substance use (addiction)",
                                "psychosis": "Psychosis", "mixed": "Mixed disorders",
                                "postnatal_depression": "Postnatal depression", "other": "Other disorder"},
            "child_age": {"infant": "Infant (0-2)", "preschool": "Preschool (2-5)", "child": "Child (6-12)",
                          "adolescent": "Adolescent (13-18)", "mixed": "Mixed ages"},
            "risk_of_bias": {k: TEXT["en"][k].capitalize() for k in ROB_LEVELS},
            "route": {"counts": "counts per arm", "counts from percentages": "counts from percentages",
                      "means and SDs": "means and SDs", "reported": "reported {m} with CI"},
            "reason": {"no counts, no percentages with arm sizes, no ratio with an interval":
                       "no counts, no percentages with arm sizes, no ratio with an interval",
                       "no means with SDs and arm sizes, no standardized difference with an interval":
                       "no means with SDs and arm sizes, no standardized difference with an interval",
                       "time point": "another time point"},
            "model": {"random": "random effects", "fixed": "fixed effect"},
        },
        "nl": {
            "intervention_type": {"parent": "Ouder (en ouder-kindrelatie)", "family": "Gezin", "child": "Kind",
                                  "mixed": "Gemengd (aparte delen voor ouder en kind)", "all": "Alle soorten samen"},
            "outcome": {"incidence": "Nieuwe stoornis bij het kind (incidentie)",
                        "internalizing": "Internaliserende problemen", "externalizing": "Externaliserende problemen",
                        "depressive_symptoms": "Depressieve klachten", "anxiety_symptoms": "Angstklachten",
                        "global_psychopathology": "Psychische problemen (totaal)",
                        "parent_child_interaction": "Ouder-kindinteractie", "parenting": "Opvoeding",
                        "parent_symptoms": "Klachten van de ouder zelf", "child_development": "Ontwikkeling van het kind",
                        "knowledge_coping": "Kennis en omgaan met de ziekte", "quality_of_life": "Kwaliteit van leven",
                        "other": "Andere uitkomst"},
            "parent_disorder": {"depression": "Depressie", "anxiety": "Angststoornis", "bipolar": "Bipolaire stoornis",
                                "mood": "Stemmingsstoornis", "substance_use": "Middelengebruik (verslaving)",
                                "psychosis": "Psychose", "mixed": "Verschillende stoornissen",
                                "postnatal_depression": "Postnatale depressie", "other": "Andere stoornis"},
            "child_age": {"infant": "Baby (0-2)", "preschool": "Peuter en kleuter (2-5)", "child": "Kind (6-12)",
                          "adolescent": "Adolescent (13-18)", "mixed": "Verschillende leeftijden"},
            "risk_of_bias": {k: TEXT["nl"][k].capitalize() for k in ROB_LEVELS},
            "route": {"counts": "aantallen per arm", "counts from percentages": "aantallen uit percentages",
                      "means and SDs": "gemiddelden en SD's", "reported": "gerapporteerde {m} met BI"},
            "reason": {"no counts, no percentages with arm sizes, no ratio with an interval":
                       "geen aantallen, geen percentages met groepsgrootte, geen ratio met interval",
                       "no means with SDs and arm sizes, no standardized difference with an interval":
                       "geen gemiddelden met SD en groepsgrootte, geen gestandaardiseerd verschil met interval",
                       "time point": "ander meetmoment"},
            "model": {"random": "random-effectsmodel", "fixed": "vast-effectmodel"},
        },
    }
    return UI, CODES


def check_lang(func: str, lang: str) -> int:
    """The index of ``lang`` in :data:`LANGS`; a ValueError naming ``func`` and the valid languages otherwise."""
    check_choice(func, "lang", lang, LANGS)
    return LANGS.index(lang)


_check_lang = check_lang


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
    """A number as text with thousands separators (1,490 / 1.490): :func:`koppmeta.formatting.number`."""
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


# (reporting/findings.py): the summary-of-findings table, its footnotes and the GRADE judgements
FINDINGS_TEXT = {
    "en": {
        "title": "Summary of findings",
        "fn_method": "Pooled by random effects ({method}) with the {test} interval; {k} trials. {why}",
        "fn_few": "With fewer than 10 trials the z interval is too narrow; Hartung-Knapp widens it as the few trials require.",
        "fn_z_few": "Caution: with fewer than 10 trials the z interval is too narrow; Hartung-Knapp is advised.",
        "fn_pi": "Prediction interval for the effect in a new trial: {pi}.",
        "fn_baseline": "Risk without the intervention: {label} ({risk}).",
        "fn_abs": "With intervention = risk without × RR; difference = risk without × (RR − 1).",
        "fn_nnt": ("NNT = 1 / (risk without × (1 − RR)): children who need the intervention for one fewer to "
                   "have the outcome. An interval that includes no effect runs through infinity to the number "
                   "needed to harm (NNTH; Altman 1998)."),
        "fn_smd": "Standardized mean difference: no absolute effect per 1,000 children.",
        "user": "{domain}: downgraded {n} by the author: {why}",
        "user0": "{domain}: not downgraded by the author{why}",
        "suggested": "{domain}: {n} suggested from the data ({why})",
        "nosuggest": "{domain}: no downgrade suggested from the data ({why})",
        "ci_null": "the interval includes no effect",
        "ci_clear": "the interval excludes no effect",
        "ois_low": "{n} participants, fewer than the optimal information size of {ois}",
        "ois_ok": "{n} participants reach the optimal information size of {ois}",
        "ois_unknown": "participants not known, so the optimal information size cannot be checked",
        "i2_high": "I² = {i2}",
        "pi_null": "the prediction interval includes no effect while the confidence interval does not",
        "het_ok": "I² = {i2}, prediction interval consistent with the confidence interval",
        "k1": "one trial: consistency cannot be judged",
        "rob_w": "{share} of the weight from trials at high or unclear risk",
        "rob_high": "{share} of the weight from trials at high risk",
        "rob_ok": "{share} of the weight from trials at high or unclear risk",
        "rob_none": "no risk-of-bias ratings given",
        "pub_few": "{k} trials: too few to test for small-study effects",
        "pub_ok": "{k} trials",
        "indirect": "a judgement of the author",
        "fn_published": "Pooled result as the review printed it ({source}); no prediction interval printed.",
        "i2_unknown": "I² and the prediction interval are not printed",
        "pub_unknown": "the number of trials is not printed",
        "levels": "levels", "level": "level",
        "start": "Randomised trials start at high certainty; each level of downgrade lowers it by one.",
        "nnt_b": "NNTB", "nnt_h": "NNTH", "inf": "∞",
        "fewer": "fewer", "more": "more",
        "figure_note": "Intervals: Hartung-Knapp (few trials); certainty: GRADE.",
    },
    "nl": {
        "title": "Samenvatting van de bevindingen",
        "fn_method": "Gepoold met een random-effectsmodel ({method}) met het {test}-interval; {k} studies. {why}",
        "fn_few": "Bij minder dan 10 studies is het z-interval te smal; Hartung-Knapp verbreedt het zoals weinig studies vereisen.",
        "fn_z_few": "Let op: bij minder dan 10 studies is het z-interval te smal; Hartung-Knapp wordt aangeraden.",
        "fn_pi": "Predictie-interval voor het effect in een nieuwe studie: {pi}.",
        "fn_baseline": "Risico zonder interventie: {label} ({risk}).",
        "fn_abs": "Met interventie = risico zonder × RR; verschil = risico zonder × (RR − 1).",
        "fn_nnt": ("NNT = 1 / (risico zonder × (1 − RR)): het aantal kinderen dat de interventie moet krijgen "
                   "opdat er één minder de uitkomst krijgt. Een interval dat geen effect omvat, loopt via oneindig "
                   "naar het aantal waarbij één kind schade heeft (NNTH; Altman 1998)."),
        "fn_smd": "Gestandaardiseerd gemiddeld verschil: geen absoluut effect per 1.000 kinderen.",
        "user": "{domain}: {n} afgewaardeerd door de auteur: {why}",
        "user0": "{domain}: niet afgewaardeerd door de auteur{why}",
        "suggested": "{domain}: {n} voorgesteld op grond van de gegevens ({why})",
        "nosuggest": "{domain}: geen afwaardering voorgesteld op grond van de gegevens ({why})",
        "ci_null": "het interval omvat geen effect",
        "ci_clear": "het interval sluit geen effect uit",
        "ois_low": "{n} deelnemers, minder dan de optimale informatieomvang van {ois}",
        "ois_ok": "{n} deelnemers halen de optimale informatieomvang van {ois}",
        "ois_unknown": "aantal deelnemers onbekend, dus de optimale informatieomvang is niet te toetsen",
        "i2_high": "I² = {i2}",
        "pi_null": "het predictie-interval omvat geen effect, het betrouwbaarheidsinterval niet",
        "het_ok": "I² = {i2}, predictie-interval in lijn met het betrouwbaarheidsinterval",
        "k1": "één studie: consistentie is niet te beoordelen",
        "rob_w": "{share} van het gewicht komt van studies met hoog of onduidelijk risico",
        "rob_high": "{share} van het gewicht komt van studies met hoog risico",
        "rob_ok": "{share} van het gewicht komt van studies met hoog of onduidelijk risico",
        "rob_none": "geen oordelen over risico op vertekening opgegeven",
        "pub_few": "{k} studies: te weinig om op effecten van kleine studies te toetsen",
        "pub_ok": "{k} studies",
        "indirect": "een oordeel van de auteur",
        "fn_published": "Gepoold resultaat zoals de review het vermeldt ({source}); geen predictie-interval vermeld.",
        "i2_unknown": "I² en het predictie-interval zijn niet vermeld",
        "pub_unknown": "het aantal studies is niet vermeld",
        "levels": "niveaus", "level": "niveau",
        "start": "Gerandomiseerde studies beginnen op hoge zekerheid; elk niveau afwaardering verlaagt die met één.",
        "nnt_b": "NNTB", "nnt_h": "NNTH", "inf": "∞",
        "fewer": "minder", "more": "meer",
        "figure_note": "Intervallen: Hartung-Knapp (weinig studies); zekerheid: GRADE.",
    },
}
# in the Dutch text NNTB / NNTH are the abbreviations Dutch reviews use (with their meaning in the footnote)

FINDINGS_TEST_NAME = {"en": {"knha": "Hartung-Knapp", "adhoc": "ad hoc Hartung-Knapp", "z": "z (normal)", "t": "t"},
                      "nl": {"knha": "Hartung-Knapp", "adhoc": "ad-hoc-Hartung-Knapp", "z": "z (normale verdeling)", "t": "t"}}


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
        "heterogeneity_short": "Heterogeneity: τ² = {tau2}; I² = {i2}%; Q = {q}, df = {df} (p {p})", "df": "df",
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
        "heterogeneity": "Heterogeniteit: τ² = {tau2}, I² = {i2}%, Q = {q} (vg = {df}, p {p})",
        "heterogeneity_short": "Heterogeniteit: τ² = {tau2}; I² = {i2}%; Q = {q}, vg = {df} (p {p})", "df": "vg",
        "test": "Toets voor het totale effect: {stat} = {value} (p {p})", "funnel_x": "Effectgrootte", "funnel_y": "Standaardfout",
        "pooled": "Gepoolde schatting", "filled": "Toegevoegde studies (trim-and-fill, {k0})",
        "filled_estimate": "Schatting na trim-and-fill", "observed": "Studies",
        "subtotal": "Subtotaal", "overall": "Totaal ({model})", "group_k": "{name} (k = {k})",
        "subgroup_test": "Toets voor verschil tussen subgroepen: {stat} = {value}, vg = {df} (p {p})",
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
