## make_fixtures_bias.R -- metafor reference values for sensitivity analyses and
## small-study (publication) bias methods in koppmeta
##
## What it makes (path relative to the repository root):
##   tests/fixtures/metafor_bias.json
##       For five metadat datasets (and a two-study subset of dat.bcg for the edge
##       cases of refitting a single study):
##         * per model (FE, DL and REML with test = "z", REML with test = "knha"):
##           leave1out(), influence() (all statistics and the "*" flags),
##           cumul() in input order and ordered by a key (publication year,
##           or total sample size where there is no year), increasing and
##           decreasing, the coordinates returned by baujat(), and trimfill()
##           (side chosen by metafor, and forced to "left" and "right"; L0 and R0);
##         * per dataset (these do not depend on the tau^2 estimator):
##           regtest(model = "lm") with predictor "sei" (Egger's test, PET) and
##           "vi" (PEESE), ranktest() (Begg and Mazumdar), and fsn() with types
##           "Rosenthal", "Orwin" (default target, a given target, weighted) and
##           "Rosenberg".
##       koppmeta must reproduce these to 1e-6 (tests/test_sensitivity.py,
##       tests/test_bias.py).
##
## How to rerun (from the repository root; needs R with metafor, metadat and jsonlite):
##   Rscript tests/r/make_fixtures_bias.R
##
## Control settings: every rma() fit uses
##   control = list(threshold = 1e-12, tol = 1e-12, maxiter = 5000).
## leave1out(), influence(), cumul() and baujat() refit with the control of the
## model they are given. trimfill() does not pass the model's control (nor its
## test and level) to the models it fits, so the control is passed to it
## explicitly through `...`, and for a Knapp-Hartung model also test = "knha"
## (metafor 3.8-1 otherwise fits the filled data with test = "z"; koppmeta keeps
## the model's test, see koppmeta.diagnostics.bias.trim_and_fill).
##
## Numbers are written with 17 significant digits (sprintf("%.17g")), so every
## double round-trips exactly. The output contains no dates: a rerun with the
## same R/metafor versions gives a byte-identical file. Warnings raised by
## metafor or R are recorded beside the numbers ("warning").

suppressPackageStartupMessages({
  library(metafor)
  library(metadat)
  library(jsonlite)
})

options(warn = 1, crayon.enabled = FALSE, width = 80, useFancyQuotes = FALSE)

out_json <- "tests/fixtures/metafor_bias.json"
dir.create(dirname(out_json), recursive = TRUE, showWarnings = FALSE)

RMA_CONTROL <- "list(threshold = 1e-12, tol = 1e-12, maxiter = 5000)"
ctrl <- eval(parse(text = RMA_CONTROL))

## JSON writer shared by every generator (numbers with "%.17g", exact round trip).
source(file.path("tests", "r", "common.R"))  # json_num, json_str, json_scalar, to_json
arr <- function(x) if (is.null(x)) NULL else I(as.vector(unname(unclass(x))))
num <- function(x) if (is.null(x)) NULL else as.numeric(unclass(x))[1]

## Evaluate an expression, collecting (unique) warnings instead of printing them; unlike common.R's
## capture(), errors are not caught: every bias fixture must fit.
capture_warnings <- function(expr) {
  warns <- character(0)
  val <- withCallingHandlers(
    expr,
    warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    })
  list(value = val, warnings = unique(warns))
}
with_warning <- function(entry, warns) {
  if (length(warns) > 0L) entry$warning <- paste(warns, collapse = "\n")
  entry
}

## ---------------------------------------------------------------------------
## Datasets (escalc defaults)
## ---------------------------------------------------------------------------
dataset_specs <- list(
  bcg = list(
    description = "BCG vaccine trials (Colditz et al., 1994), metadat::dat.bcg; log risk ratio (RR) from tpos, tneg, cpos, cneg.",
    r_call = "dat <- escalc(measure = \"RR\", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)",
    labels = quote(paste0(dat$author, ", ", dat$year))),
  hackshaw1998 = list(
    description = "Environmental tobacco smoke and lung cancer (Hackshaw et al., 1998), metadat::dat.hackshaw1998; log odds ratios yi and variances vi as given in the dataset.",
    r_call = "dat <- dat.hackshaw1998",
    labels = quote(paste0(dat$author, ", ", dat$year))),
  molloy2014 = list(
    description = "Conscientiousness and medication adherence (Molloy et al., 2014), metadat::dat.molloy2014; Fisher r-to-z transformed correlations (ZCOR) from ri, ni. Two studies have the same ni, hence tied variances (ranktest falls back to the normal approximation).",
    r_call = "dat <- escalc(measure = \"ZCOR\", ri = ri, ni = ni, data = dat.molloy2014)",
    labels = quote(paste0(dat$authors, ", ", dat$year))),
  egger2001 = list(
    description = "Intravenous magnesium after myocardial infarction (Egger et al., 2001), metadat::dat.egger2001; log odds ratio (OR) from ai, n1i, ci, n2i.",
    r_call = "dat <- escalc(measure = \"OR\", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.egger2001)",
    labels = quote(paste0(dat$study, ", ", dat$year))),
  normand1999 = list(
    description = "Stroke care: length of hospital stay, specialist vs routine care (Normand, 1999), metadat::dat.normand1999; standardized mean difference (SMD, Hedges' g). Study 3 is flagged as influential under REML. No publication year: cumul() is ordered by the total sample size n1i + n2i.",
    r_call = "dat <- escalc(measure = \"SMD\", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = dat.normand1999)",
    labels = quote(as.character(dat$source)),
    order_key = quote(dat$n1i + dat$n2i),
    order_call = "cumul(fit, order = dat$n1i + dat$n2i)"),
  bcg_k2 = list(
    description = "Tiny dataset (k = 2): rows 1-2 of metadat::dat.bcg, log risk ratio. Deleting a study leaves one study, for which metafor replaces the Knapp-Hartung test by the z test; trimfill() cannot choose the side (regression with as many coefficients as studies), so only a given side is used; the bias tests need k >= 3 and are not run.",
    r_call = "dat <- escalc(measure = \"RR\", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg[1:2, ])",
    labels = quote(paste0(dat$author, ", ", dat$year)),
    small = TRUE)
)

MODELS_SMALL <- list(
  list(method = "FE", test = "z"),
  list(method = "REML", test = "knha"))
MODELS <- list(
  list(method = "FE", test = "z"),
  list(method = "DL", test = "z"),
  list(method = "REML", test = "z"),
  list(method = "REML", test = "knha"))

## ---------------------------------------------------------------------------
## Per-model analyses
## ---------------------------------------------------------------------------
l1o_json <- function(l) list(
  estimate = arr(l$estimate), se = arr(l$se),
  stat = arr(if (!is.null(l$zval)) l$zval else l$tval), pval = arr(l$pval),
  ci_low = arr(l$ci.lb), ci_high = arr(l$ci.ub),
  q = arr(l$Q), q_pval = arr(l$Qp), tau2 = arr(l$tau2), i2 = arr(l$I2), h2 = arr(l$H2))

cumul_json <- function(l) list(
  estimate = arr(l$estimate), se = arr(l$se),
  stat = arr(if (!is.null(l$zval)) l$zval else l$tval), pval = arr(l$pvals),
  ci_low = arr(l$ci.lb), ci_high = arr(l$ci.ub),
  q = arr(l$Q), q_pval = arr(l$Qp), tau2 = arr(l$tau2), i2 = arr(l$I2), h2 = arr(l$H2),
  labels = arr(as.character(l$slab)))

trimfill_json <- function(tf, fit) {
  filled <- if (tf$k0 > 0) which(tf$fill) else integer(0)
  list(
    k0 = as.integer(tf$k0), se_k0 = num(tf$se.k0), side = tf$side, estimator = tf$k0.est,
    p_k0 = num(tf$p.k0),
    k = as.integer(tf$k), estimate = num(tf$beta), se = num(tf$se), stat = num(tf$zval),
    pval = num(tf$pval), ci_low = num(tf$ci.lb), ci_high = num(tf$ci.ub),
    tau2 = num(tf$tau2), i2 = num(tf$I2), q = num(tf$QE), q_pval = num(tf$QEp),
    test = tf$test,
    fill_yi = arr(as.numeric(tf$yi)[filled]), fill_vi = arr(as.numeric(tf$vi)[filled]))
}

datasets_json <- list()
models_json <- list()
bias_json <- list()

for (nm in names(dataset_specs)) {
  sp <- dataset_specs[[nm]]
  eval(parse(text = sp$r_call))
  stopifnot(!anyNA(dat$yi), !anyNA(dat$vi))
  labels <- eval(sp$labels)
  order_key <- if (is.null(sp$order_key)) dat$year else eval(sp$order_key)
  order_call <- if (is.null(sp$order_call)) "cumul(fit, order = dat$year)" else sp$order_call
  datasets_json[[nm]] <- list(
    description = sp$description,
    r_call = sp$r_call,
    labels = arr(labels),
    yi = arr(as.numeric(dat$yi)),
    vi = arr(as.numeric(dat$vi)),
    order_key = arr(as.numeric(order_key)),
    order_key_description = if (is.null(sp$order_key)) "publication year (dat$year)" else deparse(sp$order_key))

  small <- isTRUE(sp$small)
  for (md in if (small) MODELS_SMALL else MODELS) {
    fit_call <- sprintf("rma(yi, vi, data = dat, slab = labels, method = \"%s\", test = \"%s\", control = %s)",
                        md$method, md$test, RMA_CONTROL)
    fit <- suppressWarnings(eval(parse(text = fit_call)))
    entry <- list(dataset = nm, method = md$method, test = md$test, r_call = fit_call,
                  estimate = num(fit$beta), tau2 = num(fit$tau2))

    l1o <- capture_warnings(leave1out(fit))
    entry$leave1out <- with_warning(c(list(r_call = "leave1out(fit)"), l1o_json(l1o$value)), l1o$warnings)

    inf <- capture_warnings(influence(fit))
    infl <- inf$value
    entry$influence <- with_warning(list(
      r_call = "influence(fit)",
      rstudent = arr(infl$inf$rstudent), dffits = arr(infl$inf$dffits),
      cook_d = arr(infl$inf$cook.d), cov_r = arr(infl$inf$cov.r),
      tau2_del = arr(infl$inf$tau2.del), q_del = arr(infl$inf$QE.del),
      hat = arr(infl$inf$hat), weight = arr(infl$inf$weight),
      dfbetas = arr(infl$dfbs$intrcpt),
      inf = arr(infl$is.infl)), inf$warnings)

    cu <- capture_warnings(cumul(fit))
    entry$cumul <- with_warning(c(list(r_call = "cumul(fit)"), cumul_json(cu$value)), cu$warnings)
    cy <- capture_warnings(eval(parse(text = order_call)))
    entry$cumul_ordered <- with_warning(c(list(r_call = order_call), cumul_json(cy$value)), cy$warnings)
    dec_call <- sub(")$", ", decreasing = TRUE)", order_call)
    cd <- capture_warnings(eval(parse(text = dec_call)))
    entry$cumul_decreasing <- with_warning(c(list(r_call = dec_call), cumul_json(cd$value)), cd$warnings)

    pdf(NULL)
    bj <- capture_warnings(baujat(fit))
    dev.off()
    entry$baujat <- with_warning(list(r_call = "baujat(fit)", x = arr(bj$value$x), y = arr(bj$value$y)),
                                 bj$warnings)

    extra <- sprintf("control = %s%s", RMA_CONTROL, if (md$test == "knha") ", test = \"knha\"" else "")
    tf_calls <- c(
      sprintf("trimfill(fit, %s)", extra),
      sprintf("trimfill(fit, estimator = \"R0\", %s)", extra),
      sprintf("trimfill(fit, side = \"left\", %s)", extra),
      sprintf("trimfill(fit, side = \"right\", %s)", extra),
      sprintf("trimfill(fit, side = \"left\", estimator = \"R0\", %s)", extra),
      sprintf("trimfill(fit, side = \"right\", estimator = \"R0\", %s)", extra))
    tf_args <- list(
      list(side = NULL, estimator = "L0"), list(side = NULL, estimator = "R0"),
      list(side = "left", estimator = "L0"), list(side = "right", estimator = "L0"),
      list(side = "left", estimator = "R0"), list(side = "right", estimator = "R0"))
    tf_use <- if (small) 3:6 else seq_along(tf_calls)
    entry$trimfill <- lapply(tf_use, function(j) {
      tf <- capture_warnings(eval(parse(text = tf_calls[j])))
      with_warning(c(list(r_call = tf_calls[j], side_arg = tf_args[[j]]$side,
                          estimator_arg = tf_args[[j]]$estimator),
                     trimfill_json(tf$value, fit)), tf$warnings)
    })
    models_json[[length(models_json) + 1L]] <- entry
  }

  ## method-independent bias statistics
  if (small) next
  fit <- rma(yi, vi, data = dat, method = "REML", control = ctrl)
  reg <- list()
  for (pred in c("sei", "vi")) {
    rt_call <- sprintf("regtest(fit, model = \"lm\", predictor = \"%s\")", pred)
    rt <- capture_warnings(eval(parse(text = rt_call)))
    cf <- coef(summary(rt$value$fit))
    reg[[pred]] <- with_warning(list(
      r_call = rt_call,
      stat = num(rt$value$zval), df = num(rt$value$dfs), pval = num(rt$value$pval),
      est = num(rt$value$est), ci_low = num(rt$value$ci.lb), ci_high = num(rt$value$ci.ub),
      intercept = arr(cf[1, ]), slope = arr(cf[2, ]),
      coef_columns = arr(colnames(cf))), rt$warnings)
  }
  rk <- capture_warnings(ranktest(fit))
  ranktest_json <- with_warning(list(r_call = "ranktest(fit)", tau = num(rk$value$tau), pval = num(rk$value$pval)),
                                rk$warnings)
  fsn_calls <- list(
    rosenthal = "fsn(yi, vi, data = dat)",
    orwin = "fsn(yi, vi, data = dat, type = \"Orwin\")",
    orwin_target = "fsn(yi, vi, data = dat, type = \"Orwin\", target = 0.05)",
    orwin_weighted = "fsn(yi, vi, data = dat, type = \"Orwin\", weighted = TRUE)",
    rosenberg = "fsn(yi, vi, data = dat, type = \"Rosenberg\")",
    rosenthal_alpha = "fsn(yi, vi, data = dat, alpha = 0.01)")
  fsn_json <- lapply(fsn_calls, function(cl) {
    f <- capture_warnings(eval(parse(text = cl)))
    with_warning(list(r_call = cl, fsnum = num(f$value$fsnum), alpha = num(f$value$alpha),
                      pval = num(f$value$pval), meanes = num(f$value$meanes), target = num(f$value$target)),
                 f$warnings)
  })
  bias_json[[nm]] <- list(regtest = reg, ranktest = ranktest_json, fsn = fsn_json)
}

out <- list(
  source = list(
    generator = "tests/r/make_fixtures_bias.R",
    command = "Rscript tests/r/make_fixtures_bias.R",
    r_version = R.version.string,
    metafor_version = packageDescription("metafor")$Version,
    metadat_version = packageDescription("metadat")$Version,
    rma_control = RMA_CONTROL,
    notes = paste(
      "leave1out/influence/cumul/baujat refit with the model's control.",
      "trimfill gets the control (and test = \"knha\" for Knapp-Hartung models) through `...`.",
      "regtest, ranktest and fsn do not depend on the tau^2 estimator (model = \"lm\").")),
  datasets = datasets_json,
  models = models_json,
  bias = bias_json)

con <- file(out_json, open = "wb")
writeLines(enc2utf8(to_json(out)), con, sep = "\n", useBytes = TRUE)
close(con)
message(sprintf("wrote %s (%d model entries, %d datasets)", out_json, length(models_json), length(bias_json)))
