## make_fixtures_conversions.R -- metafor reference values for koppmeta.smd_from_d
##
## What it makes (path relative to the repository root):
##   tests/fixtures/metafor_conversions.json
##       metadat's dat.normand1999 (9 trials, means, SDs and group sizes):
##         * d: Cohen's d of each trial, (m1i - m2i) / pooled SD, computed here in R;
##         * from_d: escalc(measure = "SMD", di = d, n1i, n2i), the reported-d route
##           (Hedges' g with the exact correction, large-sample variance);
##         * from_means: escalc(measure = "SMD", m1i, sd1i, n1i, m2i, sd2i, n2i), whose g with
##           the arm sizes gives the same variance when passed as an already corrected g.
##       koppmeta.smd_from_d must reproduce both to 1e-12 relative (tests/test_conversions.py).
##   and, for koppmeta.from_p (a reported estimate with the exact p-value of its Wald test):
##         * from_p: the log risk ratios of dat.bcg (escalc "RR") and their two-sided Wald p-values,
##           2 * pnorm(-|yi| / sqrt(vi)), and back from those p-values the variance
##           (yi / qnorm(p / 2))^2 (Cochrane Handbook 6.3.2; Altman & Bland 2011, BMJ 343:d2090).
##           metafor 3.8-1 has no function for this step (conv.wald came with metafor 4.0), so the
##           reference is the formula evaluated in R; koppmeta must give it to 1e-12 relative.
##
## How to rerun (from the repository root; needs R with metafor, metadat and jsonlite):
##   Rscript tests/r/make_fixtures_conversions.R
## Numbers are written with 17 significant digits; the output contains no dates.

suppressPackageStartupMessages({
  library(metafor)
  library(metadat)
  library(jsonlite)
})
options(warn = 1, useFancyQuotes = FALSE)
source(file.path("tests", "r", "common.R"))  # to_json
arr <- function(x) I(as.vector(unname(unclass(x))))

nm <- dat.normand1999
sdp <- sqrt(((nm$n1i - 1) * nm$sd1i^2 + (nm$n2i - 1) * nm$sd2i^2) / (nm$n1i + nm$n2i - 2))
d <- (nm$m1i - nm$m2i) / sdp
from_d <- escalc(measure = "SMD", di = d, n1i = nm$n1i, n2i = nm$n2i)
from_means <- escalc(measure = "SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = nm)

bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
p_bcg <- 2 * pnorm(-abs(bcg$yi) / sqrt(bcg$vi))
vi_from_p <- (bcg$yi / qnorm(p_bcg / 2))^2

out <- list(
  source = list(
    generator = "tests/r/make_fixtures_conversions.R",
    command = "Rscript tests/r/make_fixtures_conversions.R",
    r_version = R.version.string,
    metafor_version = as.character(packageVersion("metafor"))
  ),
  normand1999 = list(
    n1 = arr(nm$n1i), n2 = arr(nm$n2i), d = arr(d),
    from_d = list(r_call = "escalc(measure = \"SMD\", di = d, n1i = n1i, n2i = n2i)",
                  yi = arr(from_d$yi), vi = arr(from_d$vi)),
    from_means = list(r_call = "escalc(measure = \"SMD\", m1i, sd1i, n1i, m2i, sd2i, n2i, data = dat.normand1999)",
                      yi = arr(from_means$yi), vi = arr(from_means$vi))
  ),
  from_p = list(
    r_call = "bcg <- escalc(\"RR\", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg); p <- 2 * pnorm(-abs(yi) / sqrt(vi)); (yi / qnorm(p / 2))^2",
    rr = arr(exp(bcg$yi)), p = arr(p_bcg), yi = arr(bcg$yi), vi = arr(vi_from_p), vi_escalc = arr(bcg$vi)
  )
)
writeLines(to_json(out), "tests/fixtures/metafor_conversions.json")
cat("wrote tests/fixtures/metafor_conversions.json\n")
