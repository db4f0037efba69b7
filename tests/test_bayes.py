"""Bayesian random-effects meta-analysis: checked two independent ways.

1. Against a brute-force two-dimensional integration of the joint posterior of (mu, tau) written
   here with nested scipy ``quad`` calls (no analytic integration over mu, no shared code with
   ``koppmeta.models.bayes``): every summary to 1e-6.
2. Against the printed results of R bayesmeta's documented example (tests/fixtures/bayesmeta_printed.json,
   the package vignette's 8-schools analysis): the tau summaries, which bayesmeta computes by exact
   integration, to their printed precision; the mu, predictive and shrinkage summaries, which bayesmeta
   approximates by a normal mixture, to 2e-3 posterior sd (the size of that approximation).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, stats

import koppmeta

PRINTED = json.loads((Path(__file__).parent / "fixtures" / "bayesmeta_printed.json").read_text(encoding="utf-8"))
TOL = 1e-6

# a small meta-analysis of log risk ratios (the shape of the project's incidence data)
Y = np.array([-1.12, -0.58, -2.30, -1.61])
V = np.array([0.28, 0.15, 1.45, 0.26])


def joint(mu, tau, y, v, tau_pdf, mu_prior):
    var = v + tau * tau
    lik = math.exp(float(np.sum(-0.5 * np.log(2 * math.pi * var) - 0.5 * (y - mu) ** 2 / var)))
    pm = 1.0 if mu_prior is None else math.exp(-0.5 * ((mu - mu_prior[0]) / mu_prior[1]) ** 2) / (mu_prior[1] * math.sqrt(2 * math.pi))
    return lik * pm * tau_pdf(tau)


_GX, _GW = np.polynomial.legendre.leggauss(2000)


def brute(y, v, tau_pdf, mu_prior, tau_hi=np.inf):
    """Expectation functional by brute force: a dense 2000-point Gauss-Legendre rule over mu (wide
    enough to hold the whole conditional posterior) inside adaptive quadrature over tau."""

    def over_mu(tau, g, hi=np.inf, split=None):
        s = math.sqrt(float(v.max()) + tau * tau)
        lo_mu, hi_mu = float(y.min()) - 14 * s, float(y.max()) + 14 * s
        hi_mu = min(hi_mu, hi)
        if split is not None:  # a kink or step of g at mu = split(tau): integrate each side on its own
            cut = min(max(split(tau), lo_mu), hi_mu)
            return over_mu(tau, g, hi=cut) + over_mu_from(tau, g, cut, hi_mu)
        return piece(tau, g, lo_mu, hi_mu)

    def over_mu_from(tau, g, lo_mu, hi_mu):
        return piece(tau, g, lo_mu, hi_mu)

    def piece(tau, g, lo_mu, hi_mu):
        if hi_mu <= lo_mu:
            return 0.0
        half, mid = (hi_mu - lo_mu) / 2, (hi_mu + lo_mu) / 2
        mu = mid + half * _GX
        var = v[None, :] + tau * tau
        loglik = np.sum(-0.5 * np.log(2 * math.pi * var) - 0.5 * (y[None, :] - mu[:, None]) ** 2 / var, axis=1)
        dens = np.exp(loglik)
        if mu_prior is not None:
            dens = dens * np.exp(-0.5 * ((mu - mu_prior[0]) / mu_prior[1]) ** 2) / (mu_prior[1] * math.sqrt(2 * math.pi))
        return float(tau_pdf(tau)) * half * float(np.sum(_GW * dens * np.asarray(g(mu, tau), dtype=float)))

    def E(g, hi=np.inf, split=None):
        return integrate.quad(lambda t: over_mu(t, g, hi, split), 0, tau_hi, epsabs=0, epsrel=1e-11, limit=500)[0]

    return E


CASES = [
    ("half-normal 0.5, flat mu", dict(tau_prior="half-normal", tau_scale=0.5), stats.halfnorm(scale=0.5).pdf, None, np.inf),
    ("half-Cauchy 1, normal mu", dict(tau_prior="half-cauchy", tau_scale=1.0, mu_prior=(0, 4)),
     stats.halfcauchy(scale=1.0).pdf, (0, 4), np.inf),
    ("uniform 2, flat mu", dict(tau_prior="uniform", tau_scale=2.0), stats.uniform(0, 2).pdf, None, 2.0),
]


@pytest.mark.parametrize("name,kwargs,tau_pdf,mu_prior,tau_hi", CASES, ids=[c[0] for c in CASES])
def test_against_brute_force_integration(name, kwargs, tau_pdf, mu_prior, tau_hi):
    fit = koppmeta.bayesian_meta_analysis(Y, V, **kwargs)
    E = brute(Y, V, tau_pdf, mu_prior, tau_hi)
    norm = E(lambda mu, t: 1.0)
    mean = E(lambda mu, t: mu) / norm
    sd = math.sqrt(E(lambda mu, t: (mu - mean) ** 2) / norm)
    tau_mean = E(lambda mu, t: t) / norm
    assert abs(fit.mean - mean) < TOL and abs(fit.sd - sd) < TOL and abs(fit.tau_mean - tau_mean) < TOL
    # the reported quantiles of mu have the promised posterior probability below them
    for x, p in ((fit.ci_low, 0.025), (fit.estimate, 0.5), (fit.ci_high, 0.975)):
        assert abs(E(lambda mu, t: (mu <= x) * 1.0 + 0 * mu, hi=x) / norm - p) < TOL, (x, p)
    # tau quantiles: P(tau <= q) by direct integration of the marginal over mu
    for q, p in ((fit.tau_ci[0], 0.025), (fit.tau_median, 0.5), (fit.tau_ci[1], 0.975)):
        inner = brute(Y, V, tau_pdf, mu_prior, q)
        assert abs(inner(lambda mu, t: 1.0) / norm - p) < TOL, (q, p)
    if mu_prior is not None:
        # marginal likelihood and the Bayes factor for mu = 0
        assert abs(fit.marginal_loglik - math.log(norm)) < TOL
        ml0 = integrate.quad(lambda t: np.prod(stats.norm.pdf(Y, 0, np.sqrt(V + t * t))) * tau_pdf(t), 0, tau_hi,
                             epsabs=0, epsrel=1e-11)[0]
        assert abs(fit.bf_mu0 - ml0 / norm) < TOL * max(1, fit.bf_mu0)
    # Bayes factor for tau = 0 (Savage-Dickey: the posterior over the prior density of the nested model)
    lik0 = integrate.quad(lambda mu: joint(mu, 0.0, Y, V, lambda t: 1.0, mu_prior), -np.inf, np.inf, epsabs=0,
                          epsrel=1e-12)[0]
    assert abs(fit.bf_tau0 - lik0 / norm) < TOL * max(1, fit.bf_tau0)


def test_predictive_and_shrinkage_against_brute_force():
    fit = koppmeta.bayesian_meta_analysis(Y, V, tau_prior="half-normal", tau_scale=0.5, labels=list("abcd"))
    E = brute(Y, V, stats.halfnorm(scale=0.5).pdf, None)
    norm = E(lambda mu, t: 1.0)
    # a new study's true effect: P(theta_new <= x) = E[Phi((x - mu) / tau)]
    for x, p in ((fit.pi_low, 0.025), (fit.pi_high, 0.975)):
        val = E(lambda mu, t: stats.norm.cdf((x - mu) / t) if t > 0 else (mu <= x) * 1.0, split=lambda t: x) / norm
        assert abs(val - p) < TOL
    # study 2's true effect given (mu, tau): normal with mean B y + (1 - B) mu and variance B v
    i = 1
    B = lambda t: t * t / (t * t + V[i])  # noqa: E731
    mean = E(lambda mu, t: B(t) * Y[i] + (1 - B(t)) * mu) / norm
    row = fit.shrinkage.iloc[i]
    assert abs(row["mean"] - mean) < TOL
    val = E(lambda mu, t: stats.norm.cdf((row["median"] - B(t) * Y[i] - (1 - B(t)) * mu) / math.sqrt(B(t) * V[i]))
            if t > 0 else (mu <= row["median"]) * 1.0,
            split=lambda t: (row["median"] - B(t) * Y[i]) / (1 - B(t))) / norm
    assert abs(val - 0.5) < TOL


def schools(**kw):
    d = PRINTED["data"]
    return koppmeta.bayesian_meta_analysis(d["effect"], np.square(d["stderr"]), labels=d["label"], tau_prior="half-cauchy",
                                           tau_scale=25, mu_prior=(0, 50), **kw)


def test_bayesmeta_vignette_tau_to_printed_precision():
    fit, p = schools(), PRINTED["printed"]
    assert round(fit.tau_median, 6) == p["tau_median"]
    assert round(fit.tau_mean, 6) == p["tau_mean"]
    assert round(fit.tau_sd, 6) == p["tau_sd"]
    assert round(fit._post.tau_cdf(p["tau_q95"]), 6) == 0.95
    assert round(fit.tau_ci[0], 7) == p["tau_central_95"][0] and round(fit.tau_ci[1], 7) == p["tau_central_95"][1]


def test_bayesmeta_vignette_mu_within_its_mixture_approximation():
    fit, p = schools(), PRINTED["printed"]
    tol = 2e-3 * fit.sd
    assert abs(fit.estimate - p["mu_median"]) < tol
    assert abs(fit.mean - p["mu_mean"]) < tol and abs(fit.sd - p["mu_sd"]) < tol
    assert abs((1 - fit.prob_below(0)) - p["prob_mu_positive"]) < 1e-4
    for lab in "AGH":
        row = fit.shrinkage.set_index("label").loc[lab]
        ref = p[f"shrinkage_{lab}"]
        assert abs(row["mean"] - ref["mean"]) < 2e-3 * ref["sd"] * 4 and abs(row["median"] - ref["median"]) < 2e-3 * ref["sd"] * 4
        assert abs(row["sd"] - ref["sd"]) < 2e-3 * ref["sd"] * 4


def test_named_empirical_priors():
    t = koppmeta.models.bayes.turner_prior("infection / onset of new disease", "non-pharmacological vs. placebo / control")
    # tau^2 ~ LN(-2.71, 1.71^2) (Turner et al. 2015, Table IV): the median of tau^2 is exp(-2.71)
    assert math.isclose(t.median() ** 2, math.exp(-2.71), rel_tol=1e-12)
    general = koppmeta.models.bayes.turner_prior()
    assert math.isclose(general.median() ** 2, math.exp(-2.56), rel_tol=1e-12)
    r = koppmeta.models.bayes.rhodes_prior()
    assert math.isclose(r.median() ** 2, math.exp(-3.44), rel_tol=1e-9)
    assert math.isclose(r.cdf(r.ppf(0.3)), 0.3, rel_tol=1e-10)
    assert math.isclose(integrate.quad(lambda u: r.pdf(math.exp(u)) * math.exp(u), -300, 300, limit=500)[0], 1.0, rel_tol=1e-8)
    fit = koppmeta.bayesian_meta_analysis(Y, V, tau_prior="turner", prior_options={
        "outcome": "infection / onset of new disease", "comparison": "non-pharmacological vs. placebo / control"})
    assert "Turner" in fit.tau_prior and fit.tau_ci[0] < fit.tau_median < fit.tau_ci[1]
    fit2 = koppmeta.bayesian_meta_analysis(Y, V, tau_prior=t)
    assert math.isclose(fit.estimate, fit2.estimate, rel_tol=1e-12)


def test_clear_errors():
    with pytest.raises(ValueError, match="reaches below 0"):
        koppmeta.bayesian_meta_analysis(Y, V, tau_prior=stats.norm(0, 1))
    with pytest.raises(ValueError, match="greater than 0"):
        koppmeta.bayesian_meta_analysis(Y, V, tau_prior="half-normal", tau_scale=0)
    with pytest.raises(ValueError, match="greater than 0"):
        koppmeta.bayesian_meta_analysis(Y, V, tau_prior="half-cauchy", tau_scale=-1)
    with pytest.raises(ValueError, match="unknown tau_prior 'gamma'"):
        koppmeta.bayesian_meta_analysis(Y, V, tau_prior="gamma")
    with pytest.raises(ValueError, match="mu_prior"):
        koppmeta.bayesian_meta_analysis(Y, V, mu_prior=(0, 0))
    with pytest.raises(ValueError, match="unknown outcome"):
        koppmeta.bayesian_meta_analysis(Y, V, tau_prior="turner", prior_options={"outcome": "x", "comparison": "y"})
    with pytest.raises(ValueError, match="sampling variances must be greater than 0"):
        koppmeta.bayesian_meta_analysis(Y, [0.1, -0.1, 0.2, 0.3], labels=list("abcd"))


def test_outputs_and_flat_prior_note():
    fit = koppmeta.bayesian_meta_analysis(Y, V, measure="RR", labels=list("abcd"))
    assert math.isnan(fit.bf_mu0) and any("flat prior for mu" in n for n in fit.notes)
    row = fit.to_frame().iloc[0]
    assert math.isclose(row["estimate_exp"], math.exp(fit.estimate)) and row["method"] == "Bayes"
    text = fit.summary()
    assert "Back-transformed (RR)" in text and "half-normal (scale 0.5)" in text
    assert "<table>" in fit._repr_html_()
    assert list(fit.shrinkage.columns) == ["label", "yi", "vi", "mean", "sd", "median", "ci_low", "ci_high"]
    assert (fit.shrinkage["ci_low"] < fit.shrinkage["median"]).all() and (fit.shrinkage["median"] < fit.shrinkage["ci_high"]).all()
