## make_fixtures_multilevel.R -- reference values for koppmeta.models.multilevel
##
## What it makes (path relative to the repository root):
##   tests/fixtures/metafor_multilevel.json
##     1. Three-level models fitted by metafor's rma.mv(yi, vi, random = ~ 1 | cluster/effect)
##        on metadat datasets (dat.konstantopoulos2011, dat.assink2016, dat.bornmann2007)
##        and two constructed sets whose estimates lie on the boundary (between- or
##        within-cluster variance 0), for method = "REML" and "ML" and test = "z" and "t":
##        estimate, se, stat, pval, ci, prediction interval (predict()), sigma2, Q test,
##        logLik, weights (weights(fit)); the multilevel I^2 split (Cheung 2014; the
##        formula of dmetar's var.comp / mlm.variance.distribution) is computed here from
##        metafor's sigma2 and the data.
##        "knha": metafor 3.8 has no Knapp-Hartung option for rma.mv; newer metafor
##        (>= 4.0, rma.mv(test = "knha")) multiplies the variance of the estimate by
##        s2w = RSS / (k - p), RSS = r' M^-1 r at the REML/ML fit, and uses a t
##        distribution with k - p df. Those numbers are computed here from the
##        test = "t" fit in exactly that way and marked as such.
##     2. Cluster-robust inference from clubSandwich: coef_test(fit, vcov = type,
##        cluster = ..., test = "Satterthwaite") and conf_int(...) for the rma.mv fits
##        above and for rma.uni fits (REML, DL, FE) of the same data, with type in
##        CR0, CR1, CR1p, CR2.
##
## How to rerun (from the repository root; needs R with metafor, metadat, clubSandwich
## and jsonlite):
##   Rscript tests/r/make_fixtures_multilevel.R
##
## Convergence: rma.mv uses nlminb with control = list(rel.tol = 1e-12, eval.max = 10000,
## iter.max = 10000); where nlminb reports false convergence at that tolerance the fit is
## redone with rel.tol = 1e-10 (recorded in the entry's r_call). Different optimizers
## (nlminb, optim BFGS / Nelder-Mead, bobyqa, nlm) agree on sigma2 to about 1e-8 for these
## data, so the reference values are good to well below the 1e-6 parity tolerance.
## rma() uses control = list(threshold = 1e-12, tol = 1e-12, maxiter = 5000).
## Numbers are written with 17 significant digits (sprintf("%.17g")). No dates or
## timestamps are written: a rerun with the same versions gives a byte-identical file.

suppressPackageStartupMessages({
  library(metafor)
  library(metadat)
  library(clubSandwich)
  library(jsonlite)
})

options(warn = 1, crayon.enabled = FALSE, width = 80, useFancyQuotes = FALSE)

out_json <- "tests/fixtures/metafor_multilevel.json"
dir.create(dirname(out_json), recursive = TRUE, showWarnings = FALSE)

MV_CONTROL <- "list(rel.tol = 1e-12, eval.max = 10000, iter.max = 10000)"
MV_CONTROL_FALLBACK <- "list(rel.tol = 1e-10, eval.max = 10000, iter.max = 10000)"
RMA_CONTROL <- "list(threshold = 1e-12, tol = 1e-12, maxiter = 5000)"

## JSON writer and capture() shared by every generator (numbers with "%.17g", exact round trip).
source(file.path("tests", "r", "common.R"))  # json_num, json_str, json_scalar, to_json, capture
arr <- function(x) I(as.vector(unclass(x)))
num <- function(x) as.numeric(unclass(x))[1]

## ---------------------------------------------------------------------------
## Datasets: yi, vi, the cluster (level 3) and the effect id within cluster (level 2)
## ---------------------------------------------------------------------------
constructed_between0 <- data.frame(
  cluster = c(1, 1, 1, 2, 2, 3, 3, 3, 3, 4, 5, 5),
  yi = c(0.1, 0.5, -0.3, 0.4, -0.2, 0.0, 0.3, -0.1, 0.2, 0.6, -0.4, 0.5),
  vi = c(0.01, 0.02, 0.03, 0.015, 0.025, 0.01, 0.04, 0.02, 0.03, 0.05, 0.02, 0.01))
constructed_between0$effect <- seq_len(nrow(constructed_between0))
constructed_within0 <- data.frame(
  cluster = c(1, 1, 1, 2, 2, 3, 3, 3, 3, 4, 5, 5),
  yi = c(0.1, 0.12, 0.09, 0.5, 0.52, -0.2, -0.18, -0.21, -0.2, 0.3, 0.8, 0.79),
  vi = c(0.01, 0.02, 0.03, 0.015, 0.025, 0.01, 0.04, 0.02, 0.03, 0.05, 0.02, 0.01))
constructed_within0$effect <- seq_len(nrow(constructed_within0))

dataset_specs <- list(
  konstantopoulos2011 = list(
    description = "Modified school calendars and achievement (Konstantopoulos, 2011), metadat::dat.konstantopoulos2011: 56 standardized mean differences from schools (level 2) nested in districts (level 3); yi and vi as given.",
    r_call = "dat <- dat.konstantopoulos2011; dat$cluster <- dat$district; dat$effect <- dat$school",
    labels = quote(paste0("district ", dat$district, ", school ", dat$school))),
  assink2016 = list(
    description = "Risk factors for juvenile delinquency (Assink et al., 2016), metadat::dat.assink2016: 100 standardized mean differences (esid, level 2) nested in 17 studies (level 3); yi and vi as given.",
    r_call = "dat <- dat.assink2016; dat$cluster <- dat$study; dat$effect <- dat$esid",
    labels = quote(paste0("study ", dat$study, ", effect ", dat$esid))),
  bornmann2007 = list(
    description = "Gender differences in grant and fellowship awards (Bornmann et al., 2007), metadat::dat.bornmann2007: 66 log odds ratios (escalc OR from waward, wtotal, maward, mtotal; women vs men) from obs (level 2) nested in 21 studies (level 3).",
    r_call = "dat <- escalc(measure = \"OR\", ai = waward, n1i = wtotal, ci = maward, n2i = mtotal, data = dat.bornmann2007); dat$cluster <- dat$study; dat$effect <- dat$obs",
    labels = quote(paste0(dat$study, ", obs ", dat$obs))),
  constructed_between0 = list(
    description = "Constructed: 12 effects in 5 clusters (sizes 3, 2, 4, 1, 2) whose cluster means are alike, so the between-cluster variance is estimated at (practically) 0 by REML and ML.",
    r_call = "dat <- constructed_between0",
    labels = quote(paste0("cluster ", dat$cluster, ", effect ", dat$effect))),
  constructed_within0 = list(
    description = "Constructed: 12 effects in 5 clusters (sizes 3, 2, 4, 1, 2) that are nearly equal within each cluster, so the within-cluster variance is estimated at (practically) 0 by REML and ML.",
    r_call = "dat <- constructed_within0",
    labels = quote(paste0("cluster ", dat$cluster, ", effect ", dat$effect)))
)

datasets <- list()
datasets_json <- list()
for (nm in names(dataset_specs)) {
  sp <- dataset_specs[[nm]]
  eval(parse(text = sp$r_call))
  dat <- as.data.frame(dat)
  stopifnot(!anyNA(dat$yi), !anyNA(dat$vi), !anyNA(dat$cluster))
  datasets[[nm]] <- dat
  datasets_json[[nm]] <- list(
    description = sp$description,
    r_call = sp$r_call,
    labels = arr(eval(sp$labels)),
    cluster = arr(as.character(dat$cluster)),
    effect = arr(as.character(dat$effect)),
    yi = arr(as.numeric(dat$yi)),
    vi = arr(as.numeric(dat$vi)))
}
## A coarser clustering for cluster-robust inference: districts of
## dat.konstantopoulos2011 grouped in pairs (1st and 2nd district, 3rd and 4th, ...).
kd <- datasets$konstantopoulos2011$district
datasets_json$konstantopoulos2011$district_pair <- arr(as.character(ceiling(match(kd, unique(kd)) / 2)))


## Multilevel I^2 (Cheung 2014; dmetar var.comp): typical sampling variance
## s2 = (k - 1) sum(w) / (sum(w)^2 - sum(w^2)), w = 1/vi.
i2_split <- function(fit) {
  w <- 1 / fit$vi
  s2 <- (fit$k - 1) * sum(w) / (sum(w)^2 - sum(w^2))
  tot <- sum(fit$sigma2) + s2
  list(s2_typical = s2, i2 = 100 * sum(fit$sigma2) / tot,
       i2_between = 100 * fit$sigma2[1] / tot, i2_within = 100 * fit$sigma2[2] / tot,
       sampling_share = 100 * s2 / tot)
}

fit_mv <- function(dat, method, test, level = 95) {
  call_for <- function(ctl) sprintf(
    "rma.mv(yi, vi, random = ~ 1 | cluster/effect, data = dat, method = \"%s\", test = \"%s\", level = %s, control = %s)",
    method, test, level, ctl)
  r_call <- call_for(MV_CONTROL)
  res <- capture(eval(parse(text = r_call)))
  if (!is.null(res$error)) {
    r_call <- call_for(MV_CONTROL_FALLBACK)
    res <- capture(eval(parse(text = r_call)))
  }
  if (!is.null(res$error)) stop(res$error)
  if (length(res$warnings)) stop(paste(res$warnings, collapse = "\n"))
  list(fit = res$value, r_call = r_call)
}

## ---------------------------------------------------------------------------
## Three-level fits
## ---------------------------------------------------------------------------
three_level_json <- list()
mv_fits <- list()
mv_calls <- list()
for (nm in names(datasets)) {
  dat <- datasets[[nm]]
  cases <- list(list("REML", "z", 95), list("ML", "z", 95), list("REML", "t", 95), list("ML", "t", 95))
  if (nm == "assink2016") cases <- c(cases, list(list("REML", "z", 90), list("REML", "t", 90)))
  for (cs in cases) {
    method <- cs[[1]]; test <- cs[[2]]; level <- cs[[3]]
    ff <- fit_mv(dat, method, test, level)
    fit <- ff$fit
    if (test == "z" && level == 95) {
      mv_fits[[paste(nm, method, sep = "/")]] <- fit
      mv_calls[[paste(nm, method, sep = "/")]] <- ff$r_call
    }
    pr <- predict(fit)
    entry <- list(
      dataset = nm, method = method, test = test, level = level, r_call = ff$r_call,
      k = as.integer(fit$k), n_clusters = as.integer(fit$s.nlevels[1]),
      estimate = num(fit$beta), se = num(fit$se), stat = num(fit$zval), pval = num(fit$pval),
      df = if (test == "t") num(fit$ddf) else NULL,
      ci_low = num(fit$ci.lb), ci_high = num(fit$ci.ub),
      pi_low = num(pr$pi.lb), pi_high = num(pr$pi.ub),
      sigma2 = arr(fit$sigma2),
      q = num(fit$QE), q_df = as.integer(fit$k - fit$p), q_pval = num(fit$QEp),
      loglik = num(logLik(fit)),
      weights = arr(unname(weights(fit))))
    entry <- c(entry, i2_split(fit))
    three_level_json[[length(three_level_json) + 1L]] <- entry
    if (test == "t") {
      ## Knapp-Hartung for rma.mv as in metafor >= 4.0 (see header), computed from this fit.
      r <- as.vector(fit$yi - fit$X %*% fit$beta)
      rss <- as.vector(t(r) %*% chol2inv(chol(fit$M)) %*% r)
      s2w <- rss / (fit$k - fit$p)
      se <- sqrt(s2w) * num(fit$se)
      df <- fit$k - fit$p
      crit <- qt(1 - (1 - level / 100) / 2, df)
      est <- num(fit$beta)
      pise <- sqrt(se^2 + sum(fit$sigma2))
      k_entry <- list(
        dataset = nm, method = method, test = "knha", level = level,
        r_call = paste0(ff$r_call, "; then s2w = RSS/(k-p) with RSS = r' M^-1 r, se = sqrt(s2w) * fit$se, t with k - p df (metafor >= 4.0 rma.mv test = \"knha\")"),
        k = as.integer(fit$k), n_clusters = as.integer(fit$s.nlevels[1]),
        estimate = est, se = se, stat = est / se, pval = 2 * pt(abs(est / se), df, lower.tail = FALSE),
        df = df, ci_low = est - crit * se, ci_high = est + crit * se,
        pi_low = est - crit * pise, pi_high = est + crit * pise,
        sigma2 = arr(fit$sigma2), s2w = s2w)
      three_level_json[[length(three_level_json) + 1L]] <- k_entry
    }
  }
}

## ---------------------------------------------------------------------------
## Cluster-robust inference (clubSandwich)
## ---------------------------------------------------------------------------
TYPES <- c("CR0", "CR1", "CR1p", "CR2")
robust_entry <- function(model, nm, method, fit, cluster_name, cluster, type, fit_call, level = 95) {
  ct <- coef_test(fit, vcov = type, cluster = cluster, test = "Satterthwaite")
  ci <- conf_int(fit, vcov = type, cluster = cluster, test = "Satterthwaite", level = level / 100)
  list(model = model, dataset = nm, method = method, cluster = cluster_name, adjust = type, level = level,
       r_call = paste0("fit <- ", fit_call, "; coef_test(fit, vcov = \"", type, "\", cluster = dat$", cluster_name,
                       ", test = \"Satterthwaite\"); conf_int(fit, vcov = \"", type, "\", cluster = dat$", cluster_name,
                       ", test = \"Satterthwaite\", level = ", level / 100, ")"),
       n_clusters = as.integer(nlevels(as.factor(cluster))),
       estimate = num(ct$beta), se = num(ct$SE), stat = num(ct$tstat), df = num(ct$df_Satt),
       pval = num(ct$p_Satt), ci_low = num(ci$CI_L), ci_high = num(ci$CI_U))
}

robust_json <- list()
for (nm in names(datasets)) {
  dat <- datasets[[nm]]
  clusters <- list(cluster = dat$cluster)
  if (nm == "konstantopoulos2011") {
    dat$district_pair <- ceiling(match(dat$district, unique(dat$district)) / 2)
    clusters$district_pair <- dat$district_pair
  }
  for (method in c("REML", "ML")) {
    fit <- mv_fits[[paste(nm, method, sep = "/")]]
    fit_call <- mv_calls[[paste(nm, method, sep = "/")]]
    for (cn in names(clusters)) for (type in TYPES) {
      if (method == "ML" && (type %in% c("CR0", "CR1p") || cn != "cluster")) next
      robust_json[[length(robust_json) + 1L]] <- robust_entry("three_level", nm, method, fit, cn, clusters[[cn]], type, fit_call)
    }
  }
  for (method in c("REML", "DL", "FE")) {
    fit_call <- sprintf("rma(yi, vi, data = dat, method = \"%s\", control = %s)", method, RMA_CONTROL)
    fit <- eval(parse(text = fit_call))
    for (type in TYPES) {
      if (method != "REML" && type %in% c("CR0", "CR1p")) next
      robust_json[[length(robust_json) + 1L]] <- robust_entry("meta_analysis", nm, method, fit, "cluster", dat$cluster, type, fit_call)
    }
  }
}
## other confidence level
dat <- datasets$assink2016
robust_json[[length(robust_json) + 1L]] <- robust_entry(
  "three_level", "assink2016", "REML", mv_fits[["assink2016/REML"]], "cluster", dat$cluster, "CR2",
  mv_calls[["assink2016/REML"]], level = 90)

## ---------------------------------------------------------------------------
## Write
## ---------------------------------------------------------------------------
out <- list(
  source = list(
    generator = "tests/r/make_fixtures_multilevel.R",
    command = "Rscript tests/r/make_fixtures_multilevel.R",
    r_version = R.version.string,
    metafor_version = packageDescription("metafor")$Version,
    metadat_version = packageDescription("metadat")$Version,
    clubSandwich_version = packageDescription("clubSandwich")$Version,
    rma_mv_control = MV_CONTROL,
    rma_mv_control_fallback = MV_CONTROL_FALLBACK,
    rma_control = RMA_CONTROL),
  datasets = datasets_json,
  three_level = three_level_json,
  robust = robust_json)

con <- file(out_json, open = "wb")
writeLines(enc2utf8(to_json(out)), con, sep = "\n", useBytes = TRUE)
close(con)
message(sprintf("wrote %s (%d three-level entries, %d robust entries)", out_json, length(three_level_json), length(robust_json)))
