## make_fixtures_own_data.R -- metafor reference values for `koppmeta analyse` on a user's own file
##
## What it makes (path relative to the repository root):
##   tests/fixtures/metafor_own_data.json
##       Two metadat datasets in the short layout a researcher would type into a spreadsheet,
##       and metafor's results for them:
##         * dat.bcg (Colditz et al. 1994; counts): the first five trials (the "five trials of
##           their own" of the test) and all 13; RR with escalc defaults;
##         * dat.normand1999 (Normand 1999; means, SDs and group sizes): SMD (Hedges' g) and MD;
##       each fitted with rma(method = "REML") and test = "z", "knha" and "adhoc" (the default of
##       `koppmeta analyse`), and with DL / z and
##       FE / z (the rows of the few-trials method comparison); predict() gives the
##       prediction interval. For the BCG subset also the subgroups by allocation (alloc) with
##       a separate tau^2 per group and the Q test between them (rma on the group estimates, FE).
##       koppmeta must reproduce these to 1e-6 (tests/test_own_data.py, tests/test_revman.py).
##
## How to rerun (from the repository root; needs R with metafor, metadat and jsonlite):
##   Rscript tests/r/make_fixtures_own_data.R
##
## Control settings: every rma() fit uses control = list(threshold = 1e-12, tol = 1e-12, maxiter = 5000).
## Numbers are written with 17 significant digits; the output contains no dates.

suppressPackageStartupMessages({
  library(metafor)
  library(metadat)
  library(jsonlite)
})
options(warn = 1, useFancyQuotes = FALSE)

out_json <- "tests/fixtures/metafor_own_data.json"
RMA_CONTROL <- "list(threshold = 1e-12, tol = 1e-12, maxiter = 5000)"
ctrl <- eval(parse(text = RMA_CONTROL))
source(file.path("tests", "r", "common.R"))  # to_json
arr <- function(x) I(as.vector(unname(unclass(x))))

fit_json <- function(dat, method, test, r_call) {
  fit <- rma(yi, vi, data = dat, method = method, test = test, control = ctrl)
  pr <- predict(fit)
  list(r_call = r_call, method = method, test = test, k = fit$k,
       estimate = as.numeric(fit$beta), se = fit$se, pval = fit$pval, ci_low = fit$ci.lb, ci_high = fit$ci.ub,
       tau2 = fit$tau2, i2 = fit$I2, q = fit$QE, q_pval = fit$QEp,
       pi_low = if (method == "FE") NULL else pr$pi.lb, pi_high = if (method == "FE") NULL else pr$pi.ub,
       yi = arr(dat$yi), vi = arr(dat$vi))
}
runs <- list(c("REML", "z"), c("REML", "knha"), c("REML", "adhoc"), c("DL", "z"), c("FE", "z"))
fits_for <- function(dat, call_head) {
  out <- lapply(runs, function(r) fit_json(dat, r[1], r[2],
    sprintf("rma(yi, vi, data = %s, method = \"%s\", test = \"%s\", control = %s); predict(fit)", call_head, r[1], r[2], RMA_CONTROL)))
  names(out) <- vapply(runs, function(r) paste(r, collapse = "_"), character(1))
  out
}

bcg <- dat.bcg
bcg$study <- paste0(bcg$author, ", ", bcg$year)
bcg$events1 <- bcg$tpos; bcg$n1 <- bcg$tpos + bcg$tneg
bcg$events2 <- bcg$cpos; bcg$n2 <- bcg$cpos + bcg$cneg
bcg5 <- bcg[1:5, ]
es_bcg5 <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = bcg5)
es_bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = bcg)

## subgroups of all 13 trials by allocation, each group with its own tau^2 (REML, z), and the
## test for subgroup differences: Q of the group estimates (FE meta-analysis of the group results)
groups <- unique(es_bcg$alloc)
sub <- lapply(groups, function(g) {
  f <- rma(yi, vi, data = es_bcg, subset = alloc == g, method = "REML", control = ctrl)
  list(group = g, k = f$k, estimate = as.numeric(f$beta), ci_low = f$ci.lb, ci_high = f$ci.ub, tau2 = f$tau2)
})
est <- vapply(sub, function(s) s$estimate, numeric(1))
se <- vapply(groups, function(g) rma(yi, vi, data = es_bcg, subset = alloc == g, method = "REML", control = ctrl)$se, numeric(1))
qb <- rma(est, sei = se, method = "FE")

nm <- dat.normand1999
nm$study <- as.character(nm$source)
es_smd <- escalc(measure = "SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = nm)
es_md <- escalc(measure = "MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = nm)

out <- list(
  source = list(
    generator = "tests/r/make_fixtures_own_data.R",
    command = "Rscript tests/r/make_fixtures_own_data.R",
    r_version = R.version.string,
    metafor_version = packageDescription("metafor")$Version,
    metadat_version = packageDescription("metadat")$Version,
    rma_control = RMA_CONTROL),
  bcg = list(
    data = list(study = arr(bcg$study), year = arr(bcg$year), events1 = arr(bcg$events1), n1 = arr(bcg$n1),
                events2 = arr(bcg$events2), n2 = arr(bcg$n2), alloc = arr(bcg$alloc)),
    first5_RR = fits_for(es_bcg5, "escalc(\"RR\", dat.bcg[1:5, ])"),
    all_RR = fits_for(es_bcg, "escalc(\"RR\", dat.bcg)"),
    by_alloc = list(r_call = "rma(yi, vi, subset = alloc == g, method = \"REML\") per group; rma(est, sei = se, method = \"FE\") for Q between",
                    groups = sub, q_between = qb$QE, q_between_df = qb$k - 1, q_between_pval = qb$QEp)),
  normand1999 = list(
    data = list(study = arr(nm$study), m1 = arr(nm$m1i), sd1 = arr(nm$sd1i), n1 = arr(nm$n1i),
                m2 = arr(nm$m2i), sd2 = arr(nm$sd2i), n2 = arr(nm$n2i)),
    SMD = fits_for(es_smd, "escalc(\"SMD\", dat.normand1999)"),
    MD = fits_for(es_md, "escalc(\"MD\", dat.normand1999)")))

con <- file(out_json, open = "wb")
writeLines(enc2utf8(to_json(out)), con, sep = "\n", useBytes = TRUE)
close(con)
message(sprintf("wrote %s", out_json))
