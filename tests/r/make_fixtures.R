## make_fixtures.R -- reference values from R metafor for the koppmeta test suite
##
## What it makes (paths relative to the repository root):
##   tests/fixtures/metafor_reference.json
##       Effect sizes (escalc) and random/fixed-effects fits (rma) computed by
##       metafor on datasets from metadat: every dataset x every tau^2 estimator
##       (FE, DL, REML, ML, PM, HE, SJ, HS, EB) x test ("z", "knha"), plus
##       confint() heterogeneity intervals, predict() intervals, weights, and a
##       set of escalc cases (SMD, MD, RR, OR, RD), including a constructed 2x2
##       table set with zero cells. koppmeta must reproduce these to 1e-6.
##   tests/fixtures/metafor_bcg_print.txt
##       print() output of REML fits (z and knha) and confint() for dat.bcg, as a
##       reference for koppmeta's text summary.
##   src/koppmeta/datasets/bcg.csv
##       dat.bcg from metadat (the dataset koppmeta ships).
##
## How to rerun (from the repository root; needs R with metafor, metadat and
## jsonlite, e.g. Debian packages r-cran-metafor r-cran-metadat r-cran-jsonlite):
##   Rscript tests/r/make_fixtures.R
##
## All rma() fits use control = list(threshold = 1e-12, tol = 1e-12, maxiter = 5000)
## and confint() uses control = list(tol = 1e-12). Numbers are written with 17
## significant digits (sprintf("%.17g")), so every double round-trips exactly.
## The outputs contain no dates or timestamps: a rerun with the same R/metafor
## versions gives byte-identical files. If a fit (or confint) errors, the message
## is recorded in the entry ("error" or "confint_error") instead of the numbers;
## a warning is recorded ("warning"/"confint_warning") beside the numbers. With
## metafor 3.8-1 warnings occur only for method "FE" with test "knha" (8 entries):
## "Knapp & Hartung method is not meant to be used in the context of FE models.".

suppressPackageStartupMessages({
  library(metafor)
  library(metadat)
  library(jsonlite)
})

options(warn = 1, crayon.enabled = FALSE, width = 80, useFancyQuotes = FALSE)

out_json <- "tests/fixtures/metafor_reference.json"
out_print <- "tests/fixtures/metafor_bcg_print.txt"
out_csv <- "src/koppmeta/datasets/bcg.csv"
for (p in c(out_json, out_print, out_csv)) dir.create(dirname(p), recursive = TRUE, showWarnings = FALSE)

RMA_CONTROL <- "list(threshold = 1e-12, tol = 1e-12, maxiter = 5000)"
CONFINT_CONTROL <- "list(tol = 1e-12)"
METHODS <- c("FE", "DL", "REML", "ML", "PM", "HE", "SJ", "HS", "EB")
TESTS <- c("z", "knha")

## JSON writer and capture() shared by every generator (numbers with "%.17g", exact round trip).
source(file.path("tests", "r", "common.R"))  # json_num, json_str, json_scalar, to_json, capture
arr <- function(x) I(as.vector(unclass(x)))
num <- function(x) as.numeric(unclass(x))[1]


## ---------------------------------------------------------------------------
## Datasets (metafor defaults in escalc)
## ---------------------------------------------------------------------------
dataset_specs <- list(
  bcg = list(
    description = "BCG vaccine trials (Colditz et al., 1994), metadat::dat.bcg; log risk ratio (RR) from tpos, tneg, cpos, cneg.",
    r_call = "dat <- escalc(measure = \"RR\", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)",
    labels = quote(paste0(dat$author, ", ", dat$year))),
  normand1999 = list(
    description = "Stroke care: length of hospital stay, specialist vs routine care (Normand, 1999), metadat::dat.normand1999; standardized mean difference (SMD, Hedges' g with exact bias correction, vtype LS).",
    r_call = "dat <- escalc(measure = \"SMD\", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = dat.normand1999)",
    labels = quote(as.character(dat$source))),
  hackshaw1998 = list(
    description = "Environmental tobacco smoke and lung cancer (Hackshaw et al., 1998), metadat::dat.hackshaw1998; log odds ratios yi and variances vi as given in the dataset.",
    r_call = "dat <- dat.hackshaw1998",
    labels = quote(paste0(dat$author, ", ", dat$year))),
  molloy2014 = list(
    description = "Conscientiousness and medication adherence (Molloy et al., 2014), metadat::dat.molloy2014; Fisher r-to-z transformed correlations (ZCOR) from ri, ni.",
    r_call = "dat <- escalc(measure = \"ZCOR\", ri = ri, ni = ni, data = dat.molloy2014)",
    labels = quote(paste0(dat$authors, ", ", dat$year))),
  raudenbush1985 = list(
    description = "Teacher expectancy and pupil IQ (Raudenbush, 1985), metadat::dat.raudenbush1985; standardized mean differences yi and variances vi as given in the dataset.",
    r_call = "dat <- dat.raudenbush1985",
    labels = quote(paste0(dat$author, ", ", dat$year))),
  li2007 = list(
    description = "Intravenous magnesium and mortality after myocardial infarction (Li et al., 2007), metadat::dat.li2007; log odds ratio (OR) from ai, n1i, ci, n2i. Two studies have a zero cell (Urek 1996: ci = 0; Santoro 2000: ai = 0), handled by escalc defaults (add = 1/2, to = \"only0\").",
    r_call = "dat <- escalc(measure = \"OR\", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.li2007)",
    labels = quote(paste0(dat$study, ", ", dat$year))),
  raudenbush1985_k3 = list(
    description = "Tiny dataset (k = 3): rows 1-3 (studies 1, 2, 3) of metadat::dat.raudenbush1985, yi and vi as given. Q < k - 1, so tau^2 is 0 for every estimator except SJ.",
    r_call = "dat <- dat.raudenbush1985[1:3, ]",
    labels = quote(paste0(dat$author, ", ", dat$year))),
  raudenbush1985_k3_mixed = list(
    description = "Tiny dataset (k = 3): rows 1, 5 and 11 (studies 1, 5, 11) of metadat::dat.raudenbush1985, yi and vi as given. Q > k - 1, but tau^2 is 0 for ML, HE and HS and positive for DL, REML, PM, SJ and EB.",
    r_call = "dat <- dat.raudenbush1985[c(1, 5, 11), ]",
    labels = quote(paste0(dat$author, ", ", dat$year))),
  bcg_k2 = list(
    description = "Edge case k = 2: the first two BCG trials (metadat::dat.bcg rows 1-2), log risk ratio as for bcg.",
    r_call = "dat <- escalc(measure = \"RR\", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg[1:2, ])",
    labels = quote(paste0(dat$author, ", ", dat$year))),
  raudenbush1985_equal_vi = list(
    description = "Edge case, all sampling variances equal: the yi of metadat::dat.raudenbush1985 with every vi replaced by 0.05 (constructed).",
    r_call = "dat <- dat.raudenbush1985; dat$vi <- 0.05",
    labels = quote(paste0(dat$author, ", ", dat$year))),
  bcg_extreme_vi = list(
    description = "Edge case, extreme variance ratios: the yi of metadat::dat.bcg with vi set to 10^(-4) ... 10^4 (constructed; ratio 1e8 between the smallest and the largest).",
    r_call = "dat <- escalc(measure = \"RR\", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg); dat$vi <- 10^seq(-4, 4, length.out = nrow(dat))",
    labels = quote(paste0(dat$author, ", ", dat$year)))
)

datasets <- list()
datasets_json <- list()
for (nm in names(dataset_specs)) {
  sp <- dataset_specs[[nm]]
  eval(parse(text = sp$r_call))
  stopifnot(!anyNA(dat$yi), !anyNA(dat$vi))
  datasets[[nm]] <- dat
  datasets_json[[nm]] <- list(
    description = sp$description,
    r_call = sp$r_call,
    labels = arr(eval(sp$labels)),
    yi = arr(as.numeric(dat$yi)),
    vi = arr(as.numeric(dat$vi)))
}

## ---------------------------------------------------------------------------
## rma fits: every dataset x method x test
## ---------------------------------------------------------------------------
ci_pair <- function(ci, row) {
  if (is.null(ci) || !(row %in% rownames(ci$random))) return(NULL)
  arr(unname(ci$random[row, c("ci.lb", "ci.ub")]))
}

rma_json <- list()
n_problem <- 0L
for (nm in names(datasets)) {
  dat <- datasets[[nm]]
  for (method in METHODS) {
    for (test in TESTS) {
      r_call <- sprintf("rma(yi, vi, data = dat, method = \"%s\", test = \"%s\", control = %s)",
                        method, test, RMA_CONTROL)
      entry <- list(dataset = nm, method = method, test = test, r_call = r_call)
      res <- capture(eval(parse(text = r_call)))
      if (!is.null(res$error) || length(res$warnings) > 0L) {
        if (!is.null(res$error)) entry$error <- res$error
        if (length(res$warnings) > 0L) entry$warning <- paste(res$warnings, collapse = "\n")
        if (length(res$messages) > 0L) entry$message <- paste(res$messages, collapse = "\n")
        n_problem <- n_problem + 1L
        message(sprintf("rma problem: %s %s %s: %s", nm, method, test,
                        paste(c(res$error, res$warnings), collapse = " | ")))
        ## a warning still leaves a fitted model (e.g. FE with test = "knha"): keep its numbers
        if (!is.null(res$error)) {
          rma_json[[length(rma_json) + 1L]] <- entry
          next
        }
      }
      fit <- res$value
      pr <- predict(fit)
      has_pi <- !is.null(pr$pi.lb)
      entry <- c(entry, list(
        k = as.integer(fit$k),
        estimate = num(fit$beta),
        se = num(fit$se),
        stat = num(fit$zval),
        pval = num(fit$pval),
        df = if (test == "knha") num(fit$dfs) else NULL,
        ci_low = num(fit$ci.lb),
        ci_high = num(fit$ci.ub),
        pi_low = num(if (has_pi) pr$pi.lb else pr$ci.lb),
        pi_high = num(if (has_pi) pr$pi.ub else pr$ci.ub),
        tau2 = num(fit$tau2),
        i2 = num(fit$I2),
        h2 = num(fit$H2),
        q = num(fit$QE),
        q_pval = num(fit$QEp),
        weights = arr(unname(weights(fit)))))
      if (method == "FE") {
        entry <- c(entry, list(tau2_ci = NULL, i2_ci = NULL, h2_ci = NULL))
      } else {
        cres <- capture(eval(parse(text = sprintf("confint(fit, control = %s)", CONFINT_CONTROL))))
        ci <- if (is.null(cres$error)) cres$value else NULL
        entry <- c(entry, list(tau2_ci = ci_pair(ci, "tau^2"),
                               i2_ci = ci_pair(ci, "I^2(%)"),
                               h2_ci = ci_pair(ci, "H^2")))
        if (!is.null(cres$error)) entry$confint_error <- cres$error
        if (length(cres$warnings) > 0L) entry$confint_warning <- paste(cres$warnings, collapse = "\n")
        if (length(cres$messages) > 0L) entry$confint_message <- paste(cres$messages, collapse = "\n")
        if (!is.null(cres$error) || length(cres$warnings) > 0L)
          message(sprintf("confint problem: %s %s %s: %s", nm, method, test,
                          paste(c(cres$error, cres$warnings), collapse = " | ")))
      }
      rma_json[[length(rma_json) + 1L]] <- entry
    }
  }
}

## ---------------------------------------------------------------------------
## escalc cases
## ---------------------------------------------------------------------------
bcg_2x2 <- with(dat.bcg, data.frame(ai = tpos, bi = tneg, ci = cpos, di = cneg))
li_2x2 <- with(dat.li2007, data.frame(ai = ai, bi = n1i - ai, ci = ci, di = n2i - ci))
normand_md <- dat.normand1999[, c("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")]
## Constructed 2x2 tables (ai/bi: events/non-events in group 1; ci/di: group 2):
##   1: no zero cell; 2: single zero cell (ai = 0); 3: single zero cell (ci = 0);
##   4: double zero (no events in either arm); 5: all events in both arms
##   (bi = di = 0); 6: all events in group 1 only (bi = 0).
zero_2x2 <- data.frame(ai = c(10, 0, 3, 0, 25, 20),
                       bi = c(90, 50, 47, 30, 0, 0),
                       ci = c(20, 5, 0, 0, 25, 15),
                       di = c(80, 45, 50, 30, 0, 5))
zero_desc <- paste(
  "Constructed 2x2 tables (ai, bi = events, non-events in group 1; ci, di = group 2).",
  "Study 1: no zero cell; 2: single zero cell (ai = 0); 3: single zero cell (ci = 0);",
  "4: double zero (no events in either arm); 5: all events in both arms (bi = di = 0);",
  "6: all events in group 1 only (bi = 0). escalc defaults: add = 1/2 added to all four cells",
  "of any table with a zero cell (to = \"only0\"), double-zero studies kept (drop00 = FALSE).")

call_2x2 <- function(measure, extra = "") sprintf(
  "escalc(measure = \"%s\", ai = ai, bi = bi, ci = ci, di = di, data = inp%s)", measure, extra)
call_md <- function(measure) sprintf(
  "escalc(measure = \"%s\", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = inp)", measure)
zero_extra <- ", add = 1/2, to = \"only0\", drop00 = FALSE"

escalc_specs <- list(
  list(case = "smd_normand1999", measure = "SMD", inp = normand_md, r_call = call_md("SMD"),
       description = "metadat::dat.normand1999; SMD (Hedges' g, exact bias correction, vtype LS: vi = 1/n1i + 1/n2i + yi^2/(2*(n1i+n2i)))."),
  list(case = "md_normand1999", measure = "MD", inp = normand_md, r_call = call_md("MD"),
       description = "metadat::dat.normand1999; raw mean difference (default vtype LS: vi = sd1i^2/n1i + sd2i^2/n2i)."),
  list(case = "rr_bcg", measure = "RR", inp = bcg_2x2, r_call = call_2x2("RR"),
       description = "metadat::dat.bcg with ai = tpos, bi = tneg, ci = cpos, di = cneg; log risk ratio."),
  list(case = "or_bcg", measure = "OR", inp = bcg_2x2, r_call = call_2x2("OR"),
       description = "metadat::dat.bcg with ai = tpos, bi = tneg, ci = cpos, di = cneg; log odds ratio."),
  list(case = "rd_bcg", measure = "RD", inp = bcg_2x2, r_call = call_2x2("RD"),
       description = "metadat::dat.bcg with ai = tpos, bi = tneg, ci = cpos, di = cneg; risk difference."),
  list(case = "rr_li2007", measure = "RR", inp = li_2x2, r_call = call_2x2("RR"),
       description = "metadat::dat.li2007 with bi = n1i - ai, di = n2i - ci (two studies with a single zero cell); log risk ratio, escalc defaults."),
  list(case = "or_li2007", measure = "OR", inp = li_2x2, r_call = call_2x2("OR"),
       description = "metadat::dat.li2007 with bi = n1i - ai, di = n2i - ci (two studies with a single zero cell); log odds ratio, escalc defaults."),
  list(case = "rd_li2007", measure = "RD", inp = li_2x2, r_call = call_2x2("RD"),
       description = "metadat::dat.li2007 with bi = n1i - ai, di = n2i - ci (two studies with a single zero cell); risk difference, escalc defaults."),
  list(case = "rr_zero_cells", measure = "RR", inp = zero_2x2, r_call = call_2x2("RR", zero_extra),
       description = zero_desc),
  list(case = "or_zero_cells", measure = "OR", inp = zero_2x2, r_call = call_2x2("OR", zero_extra),
       description = zero_desc),
  list(case = "rd_zero_cells", measure = "RD", inp = zero_2x2, r_call = call_2x2("RD", zero_extra),
       description = zero_desc)
)

escalc_json <- list()
for (sp in escalc_specs) {
  inp <- sp$inp
  entry <- list(case = sp$case, measure = sp$measure, description = sp$description,
                r_call = sp$r_call,
                inputs = lapply(as.list(inp), function(v) arr(as.numeric(v))))
  res <- capture(eval(parse(text = sp$r_call)))
  if (!is.null(res$error) || length(res$warnings) > 0L) {
    if (!is.null(res$error)) entry$error <- res$error
    if (length(res$warnings) > 0L) entry$warning <- paste(res$warnings, collapse = "\n")
    message(sprintf("escalc problem: %s: %s", sp$case, paste(c(res$error, res$warnings), collapse = " | ")))
  } else {
    es <- res$value
    entry$yi <- arr(as.numeric(es$yi))
    entry$vi <- arr(as.numeric(es$vi))
  }
  escalc_json[[length(escalc_json) + 1L]] <- entry
}

## ---------------------------------------------------------------------------
## Write metafor_reference.json
## ---------------------------------------------------------------------------
out <- list(
  source = list(
    generator = "tests/r/make_fixtures.R",
    command = "Rscript tests/r/make_fixtures.R",
    r_version = R.version.string,
    metafor_version = packageDescription("metafor")$Version,
    metadat_version = packageDescription("metadat")$Version,
    rma_control = RMA_CONTROL,
    confint_control = CONFINT_CONTROL),
  datasets = datasets_json,
  rma = rma_json,
  escalc = escalc_json)

con <- file(out_json, open = "wb")
writeLines(enc2utf8(to_json(out)), con, sep = "\n", useBytes = TRUE)
close(con)

## ---------------------------------------------------------------------------
## Write metafor_bcg_print.txt (default print digits)
## ---------------------------------------------------------------------------
print_calls <- c(
  sprintf("dat <- escalc(measure = \"RR\", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)"),
  sprintf("fit <- rma(yi, vi, data = dat, method = \"REML\", control = %s)", RMA_CONTROL),
  "print(fit)",
  sprintf("fit_knha <- rma(yi, vi, data = dat, method = \"REML\", test = \"knha\", control = %s)", RMA_CONTROL),
  "print(fit_knha)",
  sprintf("confint(fit, control = %s)", CONFINT_CONTROL))
lines <- character(0)
dat <- datasets[["bcg"]]
for (cl in print_calls) {
  lines <- c(lines, paste("#", cl))
  if (startsWith(cl, "print(") || startsWith(cl, "confint(")) {
    lines <- c(lines, capture.output(eval(parse(text = cl))), "")
  } else {
    eval(parse(text = cl))
  }
}
con <- file(out_print, open = "wb")
writeLines(enc2utf8(lines), con, sep = "\n", useBytes = TRUE)
close(con)

## ---------------------------------------------------------------------------
## Write bcg.csv
## ---------------------------------------------------------------------------
bcg <- as.data.frame(dat.bcg)[, c("trial", "author", "year", "tpos", "tneg", "cpos", "cneg", "ablat", "alloc")]
write.csv(bcg, out_csv, row.names = FALSE, fileEncoding = "UTF-8", eol = "\n")

message(sprintf("wrote %s (%d rma entries, %d with errors/warnings), %s, %s",
                out_json, length(rma_json), n_problem, out_print, out_csv))
