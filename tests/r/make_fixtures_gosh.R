## make_fixtures_gosh.R -- reference values from R metafor's gosh() for koppmeta.gosh
##
## What it makes (path relative to the repository root):
##   tests/fixtures/metafor_gosh.json
##       For each case: the studies (labels, yi, vi), the rma() call, and for every
##       subset that gosh() fitted: which studies are in (0/1 per study), k, QE, I2,
##       H2, tau2 and the estimate. Cases:
##         bcg8_REML_z     all 255 subsets of the first 8 studies of metadat::dat.bcg
##                         (log risk ratios), REML, z test
##         bcg8_DL_knha    the same subsets, DerSimonian-Laird, Knapp-Hartung
##                         (metafor fits k = 1 subsets with test = "z", as it warns)
##         normand1999_PM  all 511 subsets of metadat::dat.normand1999 (k = 9, SMD),
##                         Paule-Mandel, z test
##       and "ll0": REML fits (z test) of three subsets of dat.bcg (rows 5, 7, 9, 11;
##       2, 5, 9, 11, 13; 1, 3, 5, 7, 9, 11, 12, 13) on which Fisher scoring stops at a
##       local maximum and metafor sets tau^2 = 0 because the restricted likelihood is
##       higher there (with the warning it gives), as a check of that rule.
##
## How to rerun (from the repository root; needs R with metafor, metadat, pbapply
## and jsonlite):
##   Rscript tests/r/make_fixtures_gosh.R
##
## The fits use control = list(threshold = 1e-12, tol = 1e-12, maxiter = 5000);
## gosh() passes the model's control on to every subset fit. Numbers are written
## with 17 significant digits (sprintf("%.17g")) so that every double round-trips
## exactly; the output holds no dates, so a rerun gives a byte-identical file.

suppressPackageStartupMessages({
  library(metafor)
  library(metadat)
  library(jsonlite)
})

options(warn = 1, width = 80, useFancyQuotes = FALSE)

out_json <- "tests/fixtures/metafor_gosh.json"
dir.create(dirname(out_json), recursive = TRUE, showWarnings = FALSE)

RMA_CONTROL <- "list(threshold = 1e-12, tol = 1e-12, maxiter = 5000)"

## JSON writer and capture() shared by every generator (numbers with "%.17g", exact round trip).
source(file.path("tests", "r", "common.R"))  # json_num, json_str, json_scalar, to_json, capture
arr <- function(x) I(as.vector(unclass(x)))

cases <- list(
  list(name = "bcg8_REML_z",
       description = "First 8 studies of metadat::dat.bcg, log risk ratios (escalc RR from tpos, tneg, cpos, cneg); all 255 subsets, REML, z test.",
       data_call = "dat <- escalc(measure = \"RR\", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)[1:8, ]",
       labels = quote(paste0(dat$author, ", ", dat$year)),
       method = "REML", test = "z"),
  list(name = "bcg8_DL_knha",
       description = "First 8 studies of metadat::dat.bcg, log risk ratios; all 255 subsets, DerSimonian-Laird, Knapp-Hartung test (metafor fits the k = 1 subsets with test = \"z\").",
       data_call = "dat <- escalc(measure = \"RR\", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)[1:8, ]",
       labels = quote(paste0(dat$author, ", ", dat$year)),
       method = "DL", test = "knha"),
  list(name = "normand1999_PM",
       description = "metadat::dat.normand1999 (k = 9), standardized mean differences (escalc SMD); all 511 subsets, Paule-Mandel, z test.",
       data_call = "dat <- escalc(measure = \"SMD\", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = dat.normand1999)",
       labels = quote(as.character(dat$source)),
       method = "PM", test = "z")
)

out_cases <- list()
for (cs in cases) {
  eval(parse(text = cs$data_call))
  rma_call <- sprintf("rma(yi, vi, data = dat, method = \"%s\", test = \"%s\", control = %s)",
                      cs$method, cs$test, RMA_CONTROL)
  fit <- eval(parse(text = rma_call))
  gosh_call <- "gosh(fit, progbar = FALSE)"
  g <- suppressWarnings(eval(parse(text = gosh_call)))
  stopifnot(all(g$fit))
  incl <- unname(g$incl)
  storage.mode(incl) <- "integer"
  out_cases[[cs$name]] <- list(
    description = cs$description,
    r_call = paste(cs$data_call, paste0("fit <- ", rma_call), paste0("g <- ", gosh_call), sep = "; "),
    method = cs$method,
    test = cs$test,
    labels = arr(eval(cs$labels)),
    yi = arr(as.numeric(dat$yi)),
    vi = arr(as.numeric(dat$vi)),
    n_subsets = nrow(incl),
    incl = lapply(seq_len(nrow(incl)), function(i) arr(incl[i, ])),
    k = arr(as.integer(g$res$k)),
    q = arr(g$res$QE),
    i2 = arr(g$res$I2),
    h2 = arr(g$res$H2),
    tau2 = arr(g$res$tau2),
    estimate = arr(g$res$estimate))
  message(sprintf("%s: %d subsets", cs$name, nrow(incl)))
}

ll0_json <- list()
ll0_rows <- list(c(5, 7, 9, 11), c(2, 5, 9, 11, 13), c(1, 3, 5, 7, 9, 11, 12, 13))
bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
for (rows in ll0_rows) {
  dat <- bcg[rows, ]
  rma_call <- sprintf("rma(yi, vi, data = dat, method = \"REML\", control = %s)", RMA_CONTROL)
  warns <- character(0)
  fit <- withCallingHandlers(eval(parse(text = rma_call)), warning = function(w) {
    warns <<- c(warns, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  ll0_json[[length(ll0_json) + 1L]] <- list(
    rows = arr(as.integer(rows)),
    r_call = paste0("dat <- escalc(measure = \"RR\", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)[c(",
                    paste(rows, collapse = ", "), "), ]; ", rma_call),
    yi = arr(as.numeric(dat$yi)),
    vi = arr(as.numeric(dat$vi)),
    warning = paste(gsub("\n", " ", warns), collapse = " | "),
    tau2 = fit$tau2,
    estimate = as.numeric(fit$beta),
    se = fit$se,
    i2 = fit$I2,
    q = fit$QE)
}

out <- list(
  source = list(
    generator = "tests/r/make_fixtures_gosh.R",
    command = "Rscript tests/r/make_fixtures_gosh.R",
    r_version = R.version.string,
    metafor_version = packageDescription("metafor")$Version,
    metadat_version = packageDescription("metadat")$Version,
    rma_control = RMA_CONTROL,
    gosh_call = "gosh(fit, progbar = FALSE): all subsets with at least one study"),
  cases = out_cases,
  ll0 = ll0_json)

con <- file(out_json, open = "wb")
writeLines(enc2utf8(to_json(out)), con, sep = "\n", useBytes = TRUE)
close(con)
message(sprintf("wrote %s", out_json))
