## make_fixtures_engine.R -- metafor reference values for the estimation engine and the few-trials methods
##
## What it makes (path relative to the repository root):
##   tests/fixtures/metafor_engine.json
##     bimodal   Subsets of metadat::dat.gibson2002 (mean differences, escalc "MD") whose restricted
##               likelihood has two maxima, found by a scan in this script (every subset of 3 to 7 of
##               the 13 trials with means; the scan's grid is written to the file): the subset named
##               in the engine's design discussion (trials 4, 5, 10, 11, 12) and every 60th other one.
##               For each: rma() with every tau^2 estimator x test ("z", "knha", "adhoc"), predict()
##               and confint(); and for ML and REML every local maximum of the (restricted)
##               log-likelihood, refined with optimize() on logLik(rma(..., tau2 = t)).
##     adhoc     rma(test = "adhoc") with every estimator on the datasets of metafor_reference.json
##               (read from that file), with predict() and confint() (Q-profile from k = 2).
##     regtest   regtest() on dat.bcg (log RR), dat.gibson2002 (SMD) and dat.molloy2014 (ZCOR):
##               model "rma" (metafor's default) and "lm", predictors "sei", "vi", "ninv",
##               "sqrtninv" (ni = total sample size), for REML z, REML knha and DL z fits.
##     permutest Meta-regression of dat.bcg on ablat (REML, z and knha): permutest() with iter = 1000
##               and 5000 random permutations after set.seed(1) (Monte-Carlo p-values).
##
## How to rerun (from the repository root; needs R with metafor, metadat and jsonlite):
##   Rscript tests/r/make_fixtures_engine.R
##
## All rma() fits use control = list(threshold = 1e-12, tol = 1e-12, maxiter = 5000) and confint()
## uses control = list(tol = 1e-12). Numbers are written with 17 significant digits; the output
## has no dates, so a rerun with the same R/metafor versions gives a byte-identical file. Errors
## and warnings of metafor are recorded beside the numbers ("error", "warning").

suppressPackageStartupMessages({
  library(metafor)
  library(metadat)
  library(jsonlite)
})
options(warn = 1, useFancyQuotes = FALSE)
source(file.path("tests", "r", "common.R"))  # json_num, to_json, capture

out_json <- "tests/fixtures/metafor_engine.json"
RMA_CONTROL <- list(threshold = 1e-12, tol = 1e-12, maxiter = 5000)
CONFINT_CONTROL <- list(tol = 1e-12)
METHODS <- c("FE", "DL", "REML", "ML", "PM", "HE", "SJ", "HS", "EB")
TESTS <- c("z", "knha", "adhoc")
arr <- function(x) I(as.vector(unclass(x)))
num <- function(x) as.numeric(unclass(x))[1]

## one rma fit with predict() and confint(), as a JSON-ready list
fit_entry <- function(yi, vi, method, test) {
  r <- capture(rma(yi, vi, method = method, test = test, control = RMA_CONTROL))
  e <- list(method = method, test = test,
            r_call = sprintf("rma(yi, vi, method = \"%s\", test = \"%s\", control = list(threshold = 1e-12, tol = 1e-12, maxiter = 5000))",
                             method, test))
  if (!is.null(r$error)) { e$error <- r$error; return(e) }
  f <- r$value
  p <- predict(f)
  e <- c(e, list(k = f$k, estimate = num(f$beta), se = num(f$se), stat = num(f$zval), pval = num(f$pval),
                 df = if (is.null(f$ddf) || is.na(f$ddf)) NULL else num(f$ddf),
                 ci_low = num(f$ci.lb), ci_high = num(f$ci.ub), pi_low = num(p$pi.lb), pi_high = num(p$pi.ub),
                 tau2 = num(f$tau2), i2 = num(f$I2), h2 = num(f$H2), q = num(f$QE), q_pval = num(f$QEp)))
  if (method %in% c("ML", "REML")) e$loglik <- num(logLik(f))
  if (method != "FE" && f$k >= 2) {
    ci <- capture(confint(f, control = CONFINT_CONTROL))
    if (is.null(ci$error)) {
      rd <- ci$value$random
      e$tau2_ci <- arr(rd["tau^2", c("ci.lb", "ci.ub")])
      e$i2_ci <- arr(rd["I^2(%)", c("ci.lb", "ci.ub")])
    } else e$confint_error <- ci$error
  }
  if (length(r$warnings)) e$warning <- paste(unique(r$warnings), collapse = "\n")
  e
}

## ---------------------------------------------------------------------------
## bimodal restricted likelihoods: subsets of dat.gibson2002 (MD)
## ---------------------------------------------------------------------------
gib <- escalc(measure = "MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i,
              data = dat.gibson2002)
have <- which(!is.na(gib$yi))
GRID <- c(0, exp(seq(log(1e-6), log(1e4), length.out = 6000)))
loglik_grid <- function(y, v, reml) {
  m <- outer(v, GRID, "+")
  w <- 1 / m
  sw <- colSums(w)
  b <- colSums(w * y) / sw
  -0.5 * colSums(log(m)) - 0.5 * colSums(w * (matrix(y, length(y), length(GRID)) - rep(b, each = length(y)))^2) -
    if (reml) 0.5 * log(sw) else 0
}
local_max <- function(L) {
  n <- length(L)
  which(c(L[1] > L[2], L[2:(n - 1)] > L[1:(n - 2)] & L[2:(n - 1)] > L[3:n], FALSE))
}
bimodal_rows <- list()
for (m in 3:7) {
  cmb <- combn(have, m)
  for (j in seq_len(ncol(cmb))) {
    r <- cmb[, j]
    if (length(local_max(loglik_grid(gib$yi[r], gib$vi[r], TRUE))) > 1) bimodal_rows[[length(bimodal_rows) + 1L]] <- r
  }
}
issue_case <- c(4L, 5L, 10L, 11L, 12L)
is_issue <- vapply(bimodal_rows, function(r) identical(as.integer(r), issue_case), logical(1))
stopifnot(any(is_issue))
chosen <- c(bimodal_rows[is_issue], bimodal_rows[!is_issue][seq(1, sum(!is_issue), by = 60)])

peaks_of <- function(y, v, method) {
  L <- loglik_grid(y, v, method == "REML")
  mx <- local_max(L)
  lapply(mx, function(i) {
    if (i == 1L) {
      t <- 0
    } else {
      lo <- GRID[i - 1L]; hi <- GRID[min(i + 1L, length(GRID))]
      t <- optimize(function(t) as.numeric(logLik(rma(y, v, tau2 = t, method = method))), c(lo, hi),
                    maximum = TRUE, tol = 1e-12)$maximum
    }
    list(tau2 = t, loglik = as.numeric(logLik(rma(y, v, tau2 = t, method = method))))
  })
}

bimodal_json <- lapply(chosen, function(r) {
  y <- as.numeric(gib$yi[r]); v <- as.numeric(gib$vi[r])
  fits <- list()
  for (method in METHODS) for (test in TESTS) fits[[length(fits) + 1L]] <- fit_entry(y, v, method, test)
  list(rows = arr(as.integer(r)), labels = arr(paste(gib$author[r], gib$year[r])), yi = arr(y), vi = arr(v),
       peaks = list(REML = peaks_of(y, v, "REML"), ML = peaks_of(y, v, "ML")), fits = fits)
})

## ---------------------------------------------------------------------------
## ad hoc Knapp-Hartung on the datasets of the main fixture
## ---------------------------------------------------------------------------
ref <- fromJSON("tests/fixtures/metafor_reference.json", simplifyVector = TRUE)
adhoc_json <- list()
for (nm in names(ref$datasets)) {
  d <- ref$datasets[[nm]]
  for (method in METHODS) {
    e <- fit_entry(as.numeric(d$yi), as.numeric(d$vi), method, "adhoc")
    adhoc_json[[length(adhoc_json) + 1L]] <- c(list(dataset = nm), e)
  }
}

## ---------------------------------------------------------------------------
## regtest
## ---------------------------------------------------------------------------
bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
bcg$ni <- with(dat.bcg, tpos + tneg + cpos + cneg)
smd <- escalc(measure = "SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i,
              data = dat.gibson2002)
smd$ni <- dat.gibson2002$n1i + dat.gibson2002$n2i
smd <- smd[!is.na(smd$yi), ]
mol <- escalc(measure = "ZCOR", ri = ri, ni = ni, data = dat.molloy2014)
reg_sets <- list(bcg = bcg, gibson2002_smd = smd, molloy2014 = mol)
regtest_json <- list(datasets = list(), tests = list())
for (nm in names(reg_sets)) {
  d <- reg_sets[[nm]]
  regtest_json$datasets[[nm]] <- list(yi = arr(as.numeric(d$yi)), vi = arr(as.numeric(d$vi)), ni = arr(as.numeric(d$ni)))
  for (spec in list(c("REML", "z"), c("REML", "knha"), c("DL", "z"))) {
    f <- rma(as.numeric(d$yi), as.numeric(d$vi), method = spec[1], test = spec[2], control = RMA_CONTROL)
    for (model in c("rma", "lm")) for (pred in c("sei", "vi", "ninv", "sqrtninv")) {
      if (model == "lm" && spec[1] != "REML") next  # the lm form does not use tau^2
      call <- sprintf("regtest(fit, model = \"%s\", predictor = \"%s\", ni = ni)", model, pred)
      rt <- capture(regtest(f, model = model, predictor = pred, ni = as.numeric(d$ni)))
      e <- list(dataset = nm, method = spec[1], test = spec[2], model = model, predictor = pred, r_call = call)
      if (!is.null(rt$error)) { e$error <- rt$error } else {
        v <- rt$value
        e <- c(e, list(stat = num(v$zval), pval = num(v$pval),
                       df = if (is.null(v$dfs) || is.na(v$dfs)) NULL else num(v$dfs),
                       est = if (is.null(v$est)) NULL else num(v$est),
                       ci_low = if (is.null(v$ci.lb)) NULL else num(v$ci.lb),
                       ci_high = if (is.null(v$ci.ub)) NULL else num(v$ci.ub)))
        if (length(rt$warnings)) e$warning <- paste(unique(rt$warnings), collapse = "\n")
      }
      regtest_json$tests[[length(regtest_json$tests) + 1L]] <- e
    }
  }
}

## ---------------------------------------------------------------------------
## permutest for a meta-regression, random permutations
## ---------------------------------------------------------------------------
perm_json <- list(data = list(yi = arr(as.numeric(bcg$yi)), vi = arr(as.numeric(bcg$vi)),
                              ablat = arr(as.numeric(bcg$ablat))), tests = list())
for (test in c("z", "knha")) for (iter in c(1000L, 5000L)) {
  f <- rma(yi, vi, mods = ~ ablat, data = bcg, method = "REML", test = test, control = RMA_CONTROL)
  set.seed(1)
  pt <- permutest(f, iter = iter, progbar = FALSE)
  perm_json$tests[[length(perm_json$tests) + 1L]] <- list(
    test = test, iter = iter,
    r_call = sprintf("set.seed(1); permutest(rma(yi, vi, mods = ~ ablat, data = dat, method = \"REML\", test = \"%s\"), iter = %d)", test, iter),
    stat = arr(as.numeric(f$zval)), pval_model = arr(as.numeric(f$pval)), pval = arr(as.numeric(pt$pval)),
    qm = num(f$QM), qm_pval = num(pt$QMp))
}

out <- list(
  source = list(
    generator = "tests/r/make_fixtures_engine.R",
    command = "Rscript tests/r/make_fixtures_engine.R",
    r_version = R.version.string,
    metafor_version = packageDescription("metafor")$Version,
    metadat_version = packageDescription("metadat")$Version,
    rma_control = "list(threshold = 1e-12, tol = 1e-12, maxiter = 5000)",
    confint_control = "list(tol = 1e-12)",
    bimodal_scan = "restricted log-likelihood on tau2 = 0 and 6000 log-spaced values from 1e-6 to 1e4; subsets of 3 to 7 trials",
    n_bimodal_found = length(bimodal_rows)),
  bimodal = bimodal_json,
  adhoc = adhoc_json,
  regtest = regtest_json,
  permutest = perm_json)
con <- file(out_json, open = "wb")
writeLines(enc2utf8(to_json(out)), con, sep = "\n", useBytes = TRUE)
close(con)
message(sprintf("wrote %s (%d bimodal subsets of %d found, %d adhoc fits, %d regtests)", out_json,
                length(bimodal_json), length(bimodal_rows), length(adhoc_json), length(regtest_json$tests)))
