## make_fixtures_rare.R -- metafor reference values for rare binary outcomes in koppmeta
##
## What it makes (path relative to the repository root):
##   tests/fixtures/metafor_rare.json
##       For each dataset of 2x2 tables below:
##         * rma.mh() with measure "OR", "RR" and "RD" (metafor's defaults: add = 1/2,
##           to = "only0", drop00 = TRUE for the per-study yi/vi; the MH sums use the counts
##           as they are), with the Cochran-Mantel-Haenszel and Tarone tests for the OR;
##         * rma.peto() (defaults);
##         * rma.glmm(measure = "OR", model = "UM.FS") with lme4 (the binomial-normal model
##           with fixed study intercepts; nAGQ = 7, bobyqa with rhoend = 1e-12), where it fits.
##       koppmeta must reproduce MH and Peto to 1e-6 and the GLMM to 1e-4 (tests/test_rare.py).
##
## Datasets: metadat's dat.bcg (13 trials, no zero cells), dat.nielweise2007 (18 trials,
## several zero cells and one double-zero trial), dat.collins1985a (deaths; 3 trials without
## death counts are left out here, as metafor would drop them), and the project's own incidence
## trials whose arm counts follow from reported percentages (data/studies.csv: events =
## floor(percent / 100 * n + 1/2), the rule of koppmeta.counts_from_percent).
##
## How to rerun (from the repository root; needs R with metafor, metadat, lme4 and jsonlite):
##   Rscript tests/r/make_fixtures_rare.R
## Numbers are written with 17 significant digits; the output contains no dates.

suppressPackageStartupMessages({
  library(metafor)
  library(metadat)
  library(jsonlite)
})

options(warn = 1, crayon.enabled = FALSE, width = 80, useFancyQuotes = FALSE)

out_json <- "tests/fixtures/metafor_rare.json"
dir.create(dirname(out_json), recursive = TRUE, showWarnings = FALSE)
source(file.path("tests", "r", "common.R"))  # to_json, capture
arr <- function(x) if (is.null(x)) NULL else I(as.vector(unname(unclass(x))))
num <- function(x) if (is.null(x)) NULL else as.numeric(unclass(x))[1]

## ---- datasets: label, events1, n1, events2, n2 --------------------------------------
bcg <- dat.bcg
datasets <- list()
datasets$bcg <- data.frame(label = paste(bcg$author, bcg$year), events1 = bcg$tpos, n1 = bcg$tpos + bcg$tneg,
                           events2 = bcg$cpos, n2 = bcg$cpos + bcg$cneg)
nw <- dat.nielweise2007
datasets$nielweise2007 <- data.frame(label = paste(nw$author, nw$year), events1 = nw$ai, n1 = nw$n1i,
                                     events2 = nw$ci, n2 = nw$n2i)
co <- dat.collins1985a
co <- co[!is.na(co$d.xti) & !is.na(co$d.xci), ]
datasets$collins1985a_deaths <- data.frame(label = paste(co$trial, co$year), events1 = co$d.xti, n1 = co$nti,
                                           events2 = co$d.xci, n2 = co$nci)
st <- read.csv("data/studies.csv", stringsAsFactors = FALSE)
st <- st[st$outcome == "incidence" & !is.na(st$percent1) & !is.na(st$percent2) & !is.na(st$n1) & !is.na(st$n2), ]
datasets$koppmeta_incidence <- data.frame(label = st$effect_id,
                                          events1 = floor(st$percent1 / 100 * st$n1 + 0.5), n1 = st$n1,
                                          events2 = floor(st$percent2 / 100 * st$n2 + 0.5), n2 = st$n2)

## lme4 stops bobyqa at rhoend = 2e-7 by default (its estimates then differ from the maximum by
## about 1e-4); the reference values use a tight stopping rule so that they are the maximum.
GLMM_CONTROL <- list(glmerCtrl = list(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-12, maxfun = 1e6)))

## ---- fits ----------------------------------------------------------------------------
common <- function(res) list(
  estimate = num(res$beta), se = num(res$se), stat = num(res$zval), pval = num(res$pval),
  ci_low = num(res$ci.lb), ci_high = num(res$ci.ub), q = num(res$QE), q_pval = num(res$QEp),
  i2 = num(res$I2), h2 = num(res$H2), k = num(res$k), k_yi = num(res$k.yi),
  yi = arr(res$yi.f), vi = arr(res$vi.f))

fits <- list()
for (name in names(datasets)) {
  d <- datasets[[name]]
  entry <- list(data = list(label = I(d$label), events1 = I(d$events1), n1 = I(d$n1),
                            events2 = I(d$events2), n2 = I(d$n2)))
  for (m in c("OR", "RR", "RD")) {
    cap <- capture(rma.mh(ai = events1, n1i = n1, ci = events2, n2i = n2, data = d, measure = m))
    if (!is.null(cap$error)) {
      entry[[paste0("mh_", m)]] <- list(error = cap$error)
      next
    }
    res <- cap$value
    e <- common(res)
    if (m == "OR") e <- c(e, list(cmh = num(res$MH), cmh_pval = num(res$MHp), bd = num(res$BD), bd_pval = num(res$BDp),
                                  tarone = num(res$TA), tarone_pval = num(res$TAp), k_pos = num(res$k.pos)))
    e$warnings <- I(cap$warnings)
    entry[[paste0("mh_", m)]] <- e
  }
  cap <- capture(rma.peto(ai = events1, n1i = n1, ci = events2, n2i = n2, data = d))
  entry$peto <- if (is.null(cap$error)) c(common(cap$value), list(warnings = I(cap$warnings))) else list(error = cap$error)
  cap <- capture(rma.glmm(ai = events1, n1i = n1, ci = events2, n2i = n2, data = d, measure = "OR", model = "UM.FS",
                          control = GLMM_CONTROL))
  if (is.null(cap$error)) {
    res <- cap$value
    entry$glmm_UM.FS <- list(estimate = num(res$beta), se = num(res$se), stat = num(res$zval), pval = num(res$pval),
                             ci_low = num(res$ci.lb), ci_high = num(res$ci.ub), tau2 = num(res$tau2),
                             ll = num(res$fit.stats["ll", "ML"]), k = num(res$k), warnings = I(cap$warnings))
  } else {
    entry$glmm_UM.FS <- list(error = cap$error)
  }
  fits[[name]] <- entry
}

out <- list(
  source = list(
    generator = "tests/r/make_fixtures_rare.R",
    R = R.version.string,
    metafor = as.character(packageVersion("metafor")),
    metadat = as.character(packageVersion("metadat")),
    lme4 = if (requireNamespace("lme4", quietly = TRUE)) as.character(packageVersion("lme4")) else NULL,
    calls = I(c("rma.mh(ai = events1, n1i = n1, ci = events2, n2i = n2, measure = m)  # m in OR, RR, RD",
                "rma.peto(ai = events1, n1i = n1, ci = events2, n2i = n2)",
                "rma.glmm(ai = events1, n1i = n1, ci = events2, n2i = n2, measure = 'OR', model = 'UM.FS', control = list(glmerCtrl = list(optimizer = 'bobyqa', optCtrl = list(rhoend = 1e-12, maxfun = 1e6))))"))),
  fits = fits)

writeLines(to_json(out), out_json, useBytes = TRUE)
cat("wrote", out_json, "\n")
