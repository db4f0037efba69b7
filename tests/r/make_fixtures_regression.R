## make_fixtures_regression.R -- metafor reference values for meta-regression,
## subgroup analysis and permutation tests
##
## What it makes (path relative to the repository root):
##   tests/fixtures/metafor_regression.json
##     datasets    yi, vi, labels and moderator columns of four metadat datasets
##                 (dat.bcg, dat.raudenbush1985, dat.bangertdrowns2004, dat.molloy2014).
##     regression  rma(yi, vi, mods = ~ ..., method, test) for every model in
##                 `reg_specs` x every tau^2 estimator (FE, DL, REML, ML, PM, HE,
##                 SJ, HS, EB) x test ("z", "knha"): coefficient table, QM test,
##                 QE test, tau^2, I^2, H^2, R^2, confint() intervals for tau^2,
##                 I^2 and H^2, and predict(fit, newmods = ...) for the models
##                 that list new moderator values.
##     subgroups   for every grouping in `sub_specs` x method x test (z, knha and, with
##                 separate tau^2 only, adhoc): each group's
##                 rma(..., subset = group == g); the overall rma(); the test of
##                 subgroup differences with separate tau^2, computed as
##                 rma(est_g, se_g^2, method = "FE")$QE over the per-group
##                 estimates; and the common-tau^2 mixed-effects model
##                 rma(yi, vi, mods = ~ factor(group)) (its QM) together with
##                 rma(yi, vi, mods = ~ factor(group) - 1) (per-group estimates).
##     permutest   permutest(fit, exact = TRUE) for small cases (intercept-only
##                 models and meta-regressions): exact permutation p-values.
##
## How to rerun (from the repository root; needs R with metafor, metadat, jsonlite):
##   Rscript tests/r/make_fixtures_regression.R
##
## All rma() fits use control = list(threshold = 1e-12, tol = 1e-12, maxiter = 5000)
## and confint() uses control = list(tol = 1e-12). Numbers are written with 17
## significant digits (sprintf("%.17g")), so every double round-trips exactly. The
## output has no dates: a rerun with the same R/metafor versions is byte-identical.
## A fit that errors is recorded with its message ("error") instead of numbers; a
## warning is recorded ("warning") beside the numbers.

suppressPackageStartupMessages({
  library(metafor)
  library(metadat)
  library(jsonlite)
})

options(warn = 1, crayon.enabled = FALSE, width = 80, useFancyQuotes = FALSE)

out_json <- "tests/fixtures/metafor_regression.json"
dir.create(dirname(out_json), recursive = TRUE, showWarnings = FALSE)

RMA_CONTROL <- "list(threshold = 1e-12, tol = 1e-12, maxiter = 5000)"
CONFINT_CONTROL <- "list(tol = 1e-12)"
METHODS <- c("FE", "DL", "REML", "ML", "PM", "HE", "SJ", "HS", "EB")
TESTS <- c("z", "knha")
SUB_TESTS <- c("z", "knha", "adhoc")  # subgroups with separate tau^2 also with metafor's ad hoc Knapp-Hartung

## JSON writer and capture() shared by every generator (numbers with "%.17g", exact round trip).
source(file.path("tests", "r", "common.R"))  # json_num, json_str, json_scalar, to_json, capture
arr <- function(x) I(as.vector(unclass(x)))
num <- function(x) as.numeric(unclass(x))[1]

## ---------------------------------------------------------------------------
## Datasets
## ---------------------------------------------------------------------------
dataset_specs <- list(
  bcg = list(
    description = "BCG vaccine trials (Colditz et al., 1994), metadat::dat.bcg; log risk ratio (RR). Moderators: ablat (absolute latitude), year, alloc (treatment allocation: alternate, random, systematic).",
    r_call = "dat <- escalc(measure = \"RR\", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)",
    labels = quote(paste0(dat$author, ", ", dat$year)),
    moderators = c("ablat", "year", "alloc")),
  raudenbush1985 = list(
    description = "Teacher expectancy and pupil IQ (Raudenbush, 1985), metadat::dat.raudenbush1985; yi, vi as given. Moderators: weeks (weeks of prior contact), tester (aware, blind), setting (group, indiv).",
    r_call = "dat <- dat.raudenbush1985",
    labels = quote(paste0(dat$author, ", ", dat$year)),
    moderators = c("weeks", "tester", "setting")),
  bangertdrowns2004 = list(
    description = "Writing-to-learn interventions (Bangert-Drowns et al., 2004), metadat::dat.bangertdrowns2004; yi, vi as given. Moderators: imag (imaginative writing, 0/1), grade (1-4, used as a categorical moderator).",
    r_call = "dat <- dat.bangertdrowns2004",
    labels = quote(paste0(dat$author, ", ", dat$year, " (", dat$id, ")")),
    moderators = c("imag", "grade")),
  molloy2014 = list(
    description = "Conscientiousness and medication adherence (Molloy et al., 2014), metadat::dat.molloy2014; Fisher r-to-z (ZCOR). Moderators: meanage (mean age), controls (none, multiple), design.",
    r_call = "dat <- escalc(measure = \"ZCOR\", ri = ri, ni = ni, data = dat.molloy2014)",
    labels = quote(paste0(dat$authors, ", ", dat$year)),
    moderators = c("meanage", "controls", "design"))
)

datasets <- list()
datasets_json <- list()
for (nm in names(dataset_specs)) {
  sp <- dataset_specs[[nm]]
  eval(parse(text = sp$r_call))
  stopifnot(!anyNA(dat$yi), !anyNA(dat$vi), !anyNA(dat[, sp$moderators]))
  datasets[[nm]] <- dat
  mods <- lapply(sp$moderators, function(m) arr(if (is.numeric(dat[[m]])) as.numeric(dat[[m]]) else as.character(dat[[m]])))
  names(mods) <- sp$moderators
  datasets_json[[nm]] <- list(
    description = sp$description,
    r_call = sp$r_call,
    labels = arr(eval(sp$labels)),
    yi = arr(as.numeric(dat$yi)),
    vi = arr(as.numeric(dat$vi)),
    moderators = mods)
}

## ---------------------------------------------------------------------------
## Meta-regression models
##   columns:     moderator columns in model order (koppmeta's `moderators`)
##   categorical: columns that are categorical (integer codes become categories)
##   reference:   reference level of a categorical moderator when it is not the first
##   newdata:     moderator values for predict() (optional)
##   rows:        a subset of the studies (1-based rows; optional). Rows 1-3 of
##                dat.raudenbush1985 give tau^2 = 0 without moderators for most
##                estimators (so R^2 = 0 by definition); rows 11-19 give tau^2 = 0
##                with the moderator (R^2 = 100%).
## ---------------------------------------------------------------------------
reg_specs <- list(
  list(name = "bcg_ablat", dataset = "bcg", mods = "~ ablat", columns = "ablat",
       categorical = character(0),
       newdata = data.frame(ablat = c(0, 13, 33, 55))),
  list(name = "bcg_alloc", dataset = "bcg", mods = "~ alloc", columns = "alloc",
       categorical = "alloc"),
  list(name = "bcg_alloc_ref_random", dataset = "bcg",
       mods = "~ relevel(factor(alloc), ref = \"random\")", columns = "alloc",
       categorical = "alloc", reference = list(alloc = "random")),
  list(name = "bcg_ablat_year_alloc", dataset = "bcg", mods = "~ ablat + year + alloc",
       columns = c("ablat", "year", "alloc"), categorical = "alloc",
       newdata = data.frame(ablat = c(10, 40, 55), year = c(1950, 1970, 1980),
                            alloc = c("random", "systematic", "alternate"))),
  list(name = "raudenbush1985_weeks", dataset = "raudenbush1985", mods = "~ weeks",
       columns = "weeks", categorical = character(0),
       newdata = data.frame(weeks = c(0, 1, 3, 24))),
  list(name = "raudenbush1985_weeks_tester", dataset = "raudenbush1985", mods = "~ weeks + tester",
       columns = c("weeks", "tester"), categorical = "tester"),
  list(name = "raudenbush1985_1to3_weeks", dataset = "raudenbush1985", rows = 1:3, mods = "~ weeks",
       columns = "weeks", categorical = character(0)),
  list(name = "raudenbush1985_11to19_weeks", dataset = "raudenbush1985", rows = 11:19, mods = "~ weeks",
       columns = "weeks", categorical = character(0)),
  list(name = "bangertdrowns2004_grade", dataset = "bangertdrowns2004", mods = "~ factor(grade)",
       columns = "grade", categorical = "grade"),
  list(name = "bangertdrowns2004_imag_grade", dataset = "bangertdrowns2004",
       mods = "~ imag + factor(grade)", columns = c("imag", "grade"), categorical = "grade",
       newdata = data.frame(imag = c(0, 1), grade = c(1, 4))),
  list(name = "molloy2014_meanage", dataset = "molloy2014", mods = "~ meanage",
       columns = "meanage", categorical = character(0)),
  list(name = "molloy2014_meanage_controls", dataset = "molloy2014", mods = "~ meanage + controls",
       columns = c("meanage", "controls"), categorical = "controls",
       newdata = data.frame(meanage = c(30, 60), controls = c("none", "multiple")))
)

ci_pair <- function(ci, row) {
  if (is.null(ci) || !(row %in% rownames(ci$random))) return(NULL)
  arr(unname(ci$random[row, c("ci.lb", "ci.ub")]))
}

## model matrix (without intercept) for new moderator values, with the
## factor levels (and reference level) of the fitted data
new_mods <- function(sp, dat) {
  nd <- sp$newdata
  for (cn in sp$categorical) {
    lv <- levels(factor(dat[[cn]]))
    nd[[cn]] <- factor(nd[[cn]], levels = lv)
  }
  f <- as.formula(gsub("factor\\(([a-z]+)\\)", "\\1", sp$mods))
  mm <- model.matrix(f, nd)
  mm[, -1, drop = FALSE]
}

reg_json <- list()
for (sp in reg_specs) {
  dat <- datasets[[sp$dataset]]
  if (!is.null(sp$rows)) dat <- dat[sp$rows, ]
  for (method in METHODS) {
    for (test in TESTS) {
      r_call <- sprintf("rma(yi, vi, mods = %s, data = dat, method = \"%s\", test = \"%s\", control = %s)",
                        sp$mods, method, test, RMA_CONTROL)
      entry <- list(model = sp$name, dataset = sp$dataset, method = method, test = test,
                    rows = if (is.null(sp$rows)) NULL else arr(as.integer(sp$rows)),
                    r_call = r_call, columns = arr(sp$columns), categorical = arr(sp$categorical),
                    reference = if (is.null(sp$reference)) NULL else sp$reference)
      res <- capture(eval(parse(text = r_call)))
      if (!is.null(res$error)) {
        entry$error <- res$error
        message(sprintf("rma error: %s %s %s: %s", sp$name, method, test, res$error))
        reg_json[[length(reg_json) + 1L]] <- entry
        next
      }
      if (length(res$warnings) > 0L) {
        entry$warning <- paste(res$warnings, collapse = "\n")
        message(sprintf("rma warning: %s %s %s: %s", sp$name, method, test, entry$warning))
      }
      fit <- res$value
      entry <- c(entry, list(
        k = as.integer(fit$k), p = as.integer(fit$p),
        terms = arr(rownames(fit$beta)),
        estimate = arr(as.numeric(fit$beta)), se = arr(fit$se), stat = arr(fit$zval),
        pval = arr(fit$pval), ci_low = arr(fit$ci.lb), ci_high = arr(fit$ci.ub),
        df = if (test == "knha") num(fit$dfs) else NULL,
        qm = num(fit$QM), qm_df = arr(fit$QMdf), qm_pval = num(fit$QMp),
        qe = num(fit$QE), qe_pval = num(fit$QEp),
        tau2 = num(fit$tau2), i2 = num(fit$I2), h2 = num(fit$H2),
        r2 = if (is.null(fit$R2)) NULL else num(fit$R2)))
      if (method != "FE") {
        cres <- capture(eval(parse(text = sprintf("confint(fit, control = %s)", CONFINT_CONTROL))))
        ci <- if (is.null(cres$error)) cres$value else NULL
        entry <- c(entry, list(tau2_ci = ci_pair(ci, "tau^2"), i2_ci = ci_pair(ci, "I^2(%)"),
                               h2_ci = ci_pair(ci, "H^2")))
        if (!is.null(cres$error)) entry$confint_error <- cres$error
        if (length(cres$warnings) > 0L) entry$confint_warning <- paste(cres$warnings, collapse = "\n")
      }
      if (!is.null(sp$newdata)) {
        nm <- new_mods(sp, dat)
        pr <- predict(fit, newmods = nm)
        nd <- lapply(as.list(sp$newdata), function(v) arr(v))
        entry$predict <- list(
          newdata = nd, r_call = "predict(fit, newmods = model.matrix(<mods>, newdata)[, -1])",
          estimate = arr(pr$pred), se = arr(pr$se), ci_low = arr(pr$ci.lb), ci_high = arr(pr$ci.ub),
          pi_low = arr(if (is.null(pr$pi.lb)) pr$ci.lb else pr$pi.lb),
          pi_high = arr(if (is.null(pr$pi.ub)) pr$ci.ub else pr$pi.ub))
      }
      reg_json[[length(reg_json) + 1L]] <- entry
    }
  }
}

## ---------------------------------------------------------------------------
## Subgroup analyses (groups in order of first appearance)
## ---------------------------------------------------------------------------
sub_specs <- list(
  list(name = "bcg_alloc", dataset = "bcg", group = "alloc", methods = METHODS),
  list(name = "raudenbush1985_tester", dataset = "raudenbush1985", group = "tester", methods = c("REML", "DL")),
  list(name = "bangertdrowns2004_grade", dataset = "bangertdrowns2004", group = "grade", methods = c("REML", "DL")),
  list(name = "molloy2014_controls", dataset = "molloy2014", group = "controls", methods = c("REML", "DL"))
)

fit_summary <- function(fit, test) {
  pr <- predict(fit)
  out <- list(k = as.integer(fit$k), estimate = num(fit$beta), se = num(fit$se), stat = num(fit$zval),
              pval = num(fit$pval), ci_low = num(fit$ci.lb), ci_high = num(fit$ci.ub),
              pi_low = num(if (is.null(pr$pi.lb)) pr$ci.lb else pr$pi.lb),
              pi_high = num(if (is.null(pr$pi.ub)) pr$ci.ub else pr$pi.ub),
              tau2 = num(fit$tau2), i2 = num(fit$I2), h2 = num(fit$H2),
              q = num(fit$QE), q_pval = num(fit$QEp))
  if (test %in% c("knha", "adhoc")) out$df <- num(fit$dfs)
  out
}

sub_json <- list()
for (sp in sub_specs) {
  dat <- datasets[[sp$dataset]]
  dat$grp <- factor(as.character(dat[[sp$group]]), levels = unique(as.character(dat[[sp$group]])))
  levs <- levels(dat$grp)
  for (method in sp$methods) {
    for (test in SUB_TESTS) {
      entry <- list(analysis = sp$name, dataset = sp$dataset, group_column = sp$group,
                    method = method, test = test, group_levels = arr(levs))
      warns <- character(0)
      groups <- list()
      est <- se <- numeric(0)
      for (g in levs) {
        r_call <- sprintf("rma(yi, vi, data = dat, subset = grp == \"%s\", method = \"%s\", test = \"%s\", control = %s)",
                          g, method, test, RMA_CONTROL)
        res <- capture(eval(parse(text = r_call)))
        if (!is.null(res$error)) stop(res$error)
        warns <- c(warns, res$warnings)
        gs <- c(list(group = g, r_call = r_call), fit_summary(res$value, test))
        groups[[length(groups) + 1L]] <- gs
        est <- c(est, gs$estimate)
        se <- c(se, gs$se)
      }
      entry$groups <- groups
      ov_call <- sprintf("rma(yi, vi, data = dat, method = \"%s\", test = \"%s\", control = %s)", method, test, RMA_CONTROL)
      res <- capture(eval(parse(text = ov_call)))
      warns <- c(warns, res$warnings)
      entry$overall <- c(list(r_call = ov_call), fit_summary(res$value, test))
      qb_call <- sprintf("rma(est_g, se_g^2, method = \"FE\", control = %s)", RMA_CONTROL)
      est_g <- est
      se_g <- se
      qb <- eval(parse(text = qb_call))
      entry$separate <- list(r_call = qb_call, q_between = num(qb$QE), q_between_df = as.integer(qb$k - 1L),
                             q_between_pval = num(qb$QEp))
      if (test != "adhoc") {  # the common-tau^2 model is compared for z and knha only
        cm_call <- sprintf("rma(yi, vi, mods = ~ grp, data = dat, method = \"%s\", test = \"%s\", control = %s)",
                           method, test, RMA_CONTROL)
        res <- capture(eval(parse(text = cm_call)))
        if (!is.null(res$error)) stop(res$error)
        warns <- c(warns, res$warnings)
        cm <- res$value
        cm0_call <- sprintf("rma(yi, vi, mods = ~ grp - 1, data = dat, method = \"%s\", test = \"%s\", control = %s)",
                            method, test, RMA_CONTROL)
        res <- capture(eval(parse(text = cm0_call)))
        if (!is.null(res$error)) stop(res$error)
        warns <- c(warns, res$warnings)
        cm0 <- res$value
        entry$common <- list(r_call = cm_call, r_call_groups = cm0_call,
                             q_between = num(cm$QM), q_between_df = arr(cm$QMdf), q_between_pval = num(cm$QMp),
                             tau2 = num(cm$tau2),
                             estimate = arr(as.numeric(cm0$beta)), se = arr(cm0$se), stat = arr(cm0$zval),
                             pval = arr(cm0$pval), ci_low = arr(cm0$ci.lb), ci_high = arr(cm0$ci.ub))
      }
      if (length(warns) > 0L) entry$warning <- paste(unique(warns), collapse = "\n")
      sub_json[[length(sub_json) + 1L]] <- entry
    }
  }
}

## ---------------------------------------------------------------------------
## Exact permutation tests (permutest(fit, exact = TRUE)); p-values are
## fractions of the enumerated sign patterns (intercept-only) or of the
## distinct row permutations of the model matrix (meta-regression).
## ---------------------------------------------------------------------------
perm_specs <- list(
  list(name = "bcg_1to8_REML_z", dataset = "bcg", rows = 1:8, mods = NULL, method = "REML", test = "z"),
  list(name = "bcg_1to8_DL_knha", dataset = "bcg", rows = 1:8, mods = NULL, method = "DL", test = "knha"),
  list(name = "raudenbush1985_1to10_REML_z", dataset = "raudenbush1985", rows = 1:10, mods = NULL,
       method = "REML", test = "z"),
  list(name = "bcg_1to6_ablat_REML_z", dataset = "bcg", rows = 1:6, mods = "~ ablat", columns = "ablat",
       categorical = character(0), method = "REML", test = "z"),
  list(name = "bcg_1to6_ablat_DL_knha", dataset = "bcg", rows = 1:6, mods = "~ ablat", columns = "ablat",
       categorical = character(0), method = "DL", test = "knha"),
  list(name = "bcg_3to11_alloc_REML_z", dataset = "bcg", rows = 3:11, mods = "~ alloc", columns = "alloc",
       categorical = "alloc", method = "REML", test = "z"),
  list(name = "raudenbush1985_1to7_weeks_tester_PM_knha", dataset = "raudenbush1985", rows = 1:7,
       mods = "~ weeks + tester", columns = c("weeks", "tester"), categorical = "tester",
       method = "PM", test = "knha")
)

perm_json <- list()
for (sp in perm_specs) {
  dat <- datasets[[sp$dataset]][sp$rows, ]
  r_call <- if (is.null(sp$mods)) {
    sprintf("rma(yi, vi, data = dat, method = \"%s\", test = \"%s\", control = %s)", sp$method, sp$test, RMA_CONTROL)
  } else {
    sprintf("rma(yi, vi, mods = %s, data = dat, method = \"%s\", test = \"%s\", control = %s)",
            sp$mods, sp$method, sp$test, RMA_CONTROL)
  }
  fit <- eval(parse(text = r_call))
  p_call <- "permutest(fit, exact = TRUE, progbar = FALSE)"
  res <- capture(eval(parse(text = p_call)))
  if (!is.null(res$error)) stop(res$error)
  pt <- res$value
  entry <- list(case = sp$name, dataset = sp$dataset, rows = arr(as.integer(sp$rows)),
                method = sp$method, test = sp$test, r_call = r_call, permutest_call = p_call,
                columns = if (is.null(sp$mods)) NULL else arr(sp$columns),
                categorical = if (is.null(sp$mods)) NULL else arr(sp$categorical),
                k = as.integer(fit$k), n_permutations = num(pt$exact.iter),
                estimate = arr(as.numeric(fit$beta)), stat = arr(fit$zval), qm = num(fit$QM),
                pval = arr(pt$pval), qm_pval = num(pt$QMp))
  if (length(res$warnings) > 0L) entry$warning <- paste(res$warnings, collapse = "\n")
  perm_json[[length(perm_json) + 1L]] <- entry
}

## ---------------------------------------------------------------------------
## Write the JSON
## ---------------------------------------------------------------------------
out <- list(
  source = list(
    generator = "tests/r/make_fixtures_regression.R",
    command = "Rscript tests/r/make_fixtures_regression.R",
    r_version = R.version.string,
    metafor_version = packageDescription("metafor")$Version,
    metadat_version = packageDescription("metadat")$Version,
    rma_control = RMA_CONTROL,
    confint_control = CONFINT_CONTROL,
    permutest = "exact = TRUE; two-sided p-values with metafor's default comparison tolerance sqrt(.Machine$double.eps)"),
  datasets = datasets_json,
  regression = reg_json,
  subgroups = sub_json,
  permutest = perm_json)

con <- file(out_json, open = "wb")
writeLines(enc2utf8(to_json(out)), con, sep = "\n", useBytes = TRUE)
close(con)
message(sprintf("wrote %s (%d regression fits, %d subgroup analyses, %d permutation tests)",
                out_json, length(reg_json), length(sub_json), length(perm_json)))
