## metafor_bench.R -- timings of metafor for benchmarks/run.py (not a test)
##
## Usage: Rscript benchmarks/metafor_bench.R <workdir> <single_reps>
##   <workdir> holds Y.csv and V.csv (one analysis per row, written by run.py); this
##   script writes gosh.csv (metafor's gosh() table, for the agreement check),
##   gosh_tight.csv (the same with tight convergence, not timed) and loop.csv (the
##   REML estimates of the loop) there, and prints "name=value" lines:
##     single_s     seconds per rma(REML, knha) fit of the 13 BCG trials (best of 5 runs
##                  of <single_reps> fits each)
##     loop_s       seconds per fit in a loop of rma(REML, knha) over the rows of Y/V
##     gosh_s       seconds for gosh() over all 8,191 subsets of the 13 BCG trials (REML)
##     perm_s       seconds for permutest() with 1,000 random sign flips (REML); perm_p its p-value
##     loop_<kind>_s seconds per rma(REML) fit over the simulated null, moderate and mixed-k rows
##     permreg_s    seconds for permutest() of rma(yi, vi, mods = ~ ablat) with 1,000 permutations
##     big_s        seconds for rma(REML) + confint() with k = 10,000 (one run)
##     r_version, metafor_version
## All timed fits use metafor's default control settings (what a user gets by default).

suppressPackageStartupMessages({
  library(metafor)
  library(metadat)
})

args <- commandArgs(trailingOnly = TRUE)
workdir <- args[1]
reps <- as.integer(args[2])

dat <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
yi <- as.numeric(dat$yi)
vi <- as.numeric(dat$vi)

## single fit: best of 5 runs
invisible(rma(yi, vi, method = "REML", test = "knha"))
best <- Inf
for (run in 1:5) {
  t <- system.time(for (i in seq_len(reps)) rma(yi, vi, method = "REML", test = "knha"))[["elapsed"]]
  best <- min(best, t / reps)
}
cat(sprintf("single_s=%.10g\n", best))

## loop over simulated analyses
Y <- as.matrix(read.csv(file.path(workdir, "Y.csv"), header = FALSE))
V <- as.matrix(read.csv(file.path(workdir, "V.csv"), header = FALSE))
est <- numeric(nrow(Y))
tau2 <- numeric(nrow(Y))
t <- system.time(for (i in seq_len(nrow(Y))) {
  fit <- tryCatch(rma(Y[i, ], V[i, ], method = "REML", test = "knha"), error = function(e) NULL)
  if (is.null(fit)) {
    est[i] <- NA
    tau2[i] <- NA
  } else {
    est[i] <- fit$beta[1]
    tau2[i] <- fit$tau2
  }
})[["elapsed"]]
cat(sprintf("loop_s=%.10g\n", t / nrow(Y)))
cat(sprintf("loop_failed=%d\n", sum(is.na(est))))
write.csv(data.frame(estimate = sprintf("%.17g", est), tau2 = sprintf("%.17g", tau2)),
          file.path(workdir, "loop.csv"), row.names = FALSE, quote = FALSE)

## GOSH over all subsets of the 13 trials
fit <- rma(yi, vi, method = "REML")
t <- system.time(g <- suppressWarnings(gosh(fit, progbar = FALSE)))[["elapsed"]]
cat(sprintf("gosh_s=%.10g\n", t))
out <- data.frame(g$res[, c("k", "estimate", "tau2", "I2", "QE")], g$incl * 1L)
write.csv(out, file.path(workdir, "gosh.csv"), row.names = FALSE, quote = FALSE)  # 15 significant digits

## permutation test: 1,000 random sign flips of the 13 trials (REML), as permutest()
fit <- rma(yi, vi, method = "REML")
set.seed(1)
t <- system.time(pt <- suppressWarnings(permutest(fit, iter = 1000, progbar = FALSE)))[["elapsed"]]
cat(sprintf("perm_s=%.10g\n", t))
cat(sprintf("perm_p=%.10g\n", pt$pval[1]))

## the same GOSH with tight convergence (not timed): for the agreement check only
fit <- rma(yi, vi, method = "REML", control = list(threshold = 1e-12, tol = 1e-12, maxiter = 5000))
g <- suppressWarnings(gosh(fit, progbar = FALSE))
out <- data.frame(g$res[, c("k", "estimate", "tau2", "I2", "QE")], g$incl * 1L)
write.csv(out, file.path(workdir, "gosh_tight.csv"), row.names = FALSE, quote = FALSE)

cat(sprintf("r_version=%s\n", R.version.string))
cat(sprintf("metafor_version=%s\n", packageDescription("metafor")$Version))

## fit_many rows: loops of rma(REML, z) over simulated analyses (NaN padding dropped)
for (kind in c("null", "moderate", "mixed")) {
  Y <- as.matrix(read.csv(file.path(workdir, sprintf("Y_%s.csv", kind)), header = FALSE))
  V <- as.matrix(read.csv(file.path(workdir, sprintf("V_%s.csv", kind)), header = FALSE))
  t <- system.time(for (i in seq_len(nrow(Y))) {
    ok <- !is.na(Y[i, ])
    tryCatch(rma(Y[i, ok], V[i, ok], method = "REML"), error = function(e) NULL)
  })[["elapsed"]]
  cat(sprintf("loop_%s_s=%.10g\n", kind, t / nrow(Y)))
}

## permutation test of a meta-regression: BCG on ablat, 1,000 random permutations
fit <- rma(yi, vi, mods = ~ ablat, data = dat, method = "REML")
set.seed(1)
t <- system.time(pt <- suppressWarnings(permutest(fit, iter = 1000, progbar = FALSE)))[["elapsed"]]
cat(sprintf("permreg_s=%.10g\n", t))
cat(sprintf("permreg_p=%.10g\n", pt$QMp))

## one meta-analysis of k = 10,000: not timed in metafor by default. rma() and confint() form
## k x k matrices there (10,000 x 10,000 doubles, 800 MB each), and a single run took more than
## ten minutes on the benchmark machine; set KOPPMETA_BENCH_BIG=1 to time it anyway.
if (Sys.getenv("KOPPMETA_BENCH_BIG") == "1") {
  big <- as.matrix(read.csv(file.path(workdir, "big.csv"), header = FALSE))
  best <- system.time({ f <- rma(big[, 1], big[, 2], method = "REML"); ci <- confint(f) })[["elapsed"]]
  cat(sprintf("big_s=%.10g\n", best))
  cat(sprintf("big_tau2=%.17g\n", f$tau2))
  cat(sprintf("big_ci_lb=%.17g\n", ci$random["tau^2", "ci.lb"]))
  cat(sprintf("big_ci_ub=%.17g\n", ci$random["tau^2", "ci.ub"]))
}
