"""Bayesian random-effects meta-analysis by exact numerical integration (no MCMC).

The normal-normal hierarchical model: ``y_i ~ N(theta_i, v_i)``, ``theta_i ~ N(mu, tau^2)``,
with independent priors ``p(mu) p(tau)``. Given tau, mu is integrated analytically (its
conditional posterior is normal, Gelman et al. 2014, Bayesian Data Analysis, 3rd ed., section 5.4,
eq. 5.19-5.21); the one-dimensional posterior of tau is then handled by adaptive quadrature
(:func:`scipy.integrate.quad_vec`, Gauss-Kronrod 21 points, relative error 1e-11). Every summary
is an integral over tau of a closed-form normal quantity:

- ``p(tau | y) ∝ p(tau) p(y | tau)`` with ``p(y | tau) = ∫ prod N(y_i; mu, v_i + tau^2) p(mu) dmu``;
- ``P(mu <= x | y) = ∫ Phi((x - m(tau)) / s(tau)) p(tau | y) dtau`` (``m, s^2``: conditional mean and
  variance of mu); quantiles by Newton steps on this exact CDF;
- a new study's true effect: ``N(m(tau), s(tau)^2 + tau^2)`` mixed the same way;
- study i's true effect (shrinkage): ``N(B y_i + (1-B) m, B v_i + (1-B)^2 s^2)``, ``B = tau^2 / (tau^2 + v_i)``.

The same computations as R bayesmeta (Röver 2020, J Stat Softw 93(6):1-51, section 2 and 3.3),
except that bayesmeta approximates the posterior of mu by a finite normal mixture (its "DIRECT"
algorithm, section 3.3), so its printed mu summaries differ from the exact ones here by up to about
1e-3 of a posterior sd; its tau summaries are exact integrals and agree to their printed digits
(``tests/test_bayes.py``).
"""

from __future__ import annotations

import math
from functools import partial
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import integrate, optimize, special, stats

from .._validation import check_level, effect_inputs
from .. import formatting
from ..results import Result

__all__ = [
    "BayesianMetaAnalysis",
    "bayesian_meta_analysis",
    "turner_prior",
    "rhodes_prior",
    "TAU_PRIORS",
    "TURNER_TABLE",
    "TURNER_COMPARISONS",
    "RHODES_COMPARISONS",
]

TAU_PRIORS = ("half-normal", "half-cauchy", "uniform", "turner", "rhodes")

# ---------------------------------------------------------------------------
# empirical heterogeneity priors
#
# Turner RM, Jackson D, Wei Y, Thompson SG, Higgins JPT (2015). Predictive distributions for
# between-study heterogeneity and simple methods for their application in Bayesian meta-analysis.
# Stat Med 34(6):984-998, doi:10.1002/sim.6381, Table IV: log-normal predictive distributions
# tau^2 ~ LN(mean, sd^2) for the log odds ratio, by outcome type (rows) and type of comparison
# (columns, in the order of TURNER_COMPARISONS); the marginal setting LN(-2.56, 1.74^2) is on p. 993.
# Entries are (mean, sd) of log(tau^2), as also tabulated by R bayesmeta's TurnerEtAlPrior().
TURNER_COMPARISONS = (
    "pharmacological vs. placebo / control",
    "pharmacological vs. pharmacological",
    "non-pharmacological vs. placebo / control",
    "non-pharmacological vs. pharmacological",
    "non-pharmacological vs. non-pharmacological",
)
TURNER_TABLE = {
    "all-cause mortality": ((-3.95, 1.34), (-4.18, 1.41), (-4.17, 1.55), (-2.92, 1.02), (-3.50, 1.26)),
    "obstetric outcomes": ((-3.52, 1.74), (-3.75, 1.79), (-3.74, 1.91), (-2.49, 1.50), (-3.08, 1.68)),
    "cause-specific mortality / major morbidity event / composite (mortality or morbidity)": ((-3.71, 1.74), (-3.95, 1.79), (-3.93, 1.91), (-2.68, 1.51), (-3.27, 1.68)),
    "resource use / hospital stay / process": ((-2.34, 1.74), (-2.58, 1.79), (-2.56, 1.91), (-1.31, 1.50), (-1.90, 1.68)),
    "surgical / device related success / failure": ((-2.14, 1.74), (-2.37, 1.79), (-2.36, 1.91), (-1.11, 1.50), (-1.69, 1.68)),
    "withdrawals / drop-outs": ((-2.99, 1.74), (-3.23, 1.79), (-3.21, 1.91), (-1.96, 1.51), (-2.55, 1.68)),
    "internal / structure-related outcomes": ((-2.71, 1.74), (-2.94, 1.79), (-2.93, 1.92), (-1.67, 1.51), (-2.26, 1.68)),
    "general physical health indicators": ((-2.29, 1.53), (-2.53, 1.58), (-2.51, 1.72), (-1.26, 1.25), (-1.85, 1.46)),
    "adverse events": ((-1.87, 1.52), (-2.10, 1.58), (-2.10, 1.71), (-0.84, 1.24), (-1.43, 1.45)),
    "infection / onset of new disease": ((-2.49, 1.52), (-2.73, 1.58), (-2.71, 1.71), (-1.46, 1.24), (-2.05, 1.45)),
    "signs / symptoms reflecting continuation / end of condition": ((-2.06, 1.51), (-2.29, 1.58), (-2.28, 1.71), (-1.03, 1.24), (-1.61, 1.45)),
    "pain": ((-1.83, 1.52), (-2.06, 1.58), (-2.05, 1.71), (-0.80, 1.25), (-1.38, 1.45)),
    "quality of life / functioning (dichotomized)": ((-2.54, 1.54), (-2.78, 1.60), (-2.77, 1.73), (-1.51, 1.27), (-2.10, 1.47)),
    "mental health indicators": ((-2.12, 1.53), (-2.35, 1.60), (-2.34, 1.72), (-1.09, 1.27), (-1.67, 1.47)),
    "biological markers (dichotomized)": ((-1.77, 1.52), (-2.00, 1.58), (-1.99, 1.71), (-0.74, 1.24), (-1.33, 1.45)),
    "subjective outcomes (various)": ((-2.70, 1.52), (-2.93, 1.58), (-2.92, 1.71), (-1.67, 1.25), (-2.26, 1.45)),
}
# Rhodes KM, Turner RM, Higgins JPT (2015). Predictive distributions were developed for the extent
# of heterogeneity in meta-analyses of continuous outcome data. J Clin Epidemiol 68(1):52-60,
# doi:10.1016/j.jclinepi.2014.08.012, Table 3 (medical areas other than respiratory and cancer) and
# appendix Tables A.3.1 (respiratory) and A.3.2 (cancer): log(tau^2) ~ t_5(location, scale) for the
# standardized mean difference, by outcome type and comparison (columns in the order of
# RHODES_COMPARISONS); the marginal setting t_5(-3.44, 2.59) opens section 3.3. Entries are
# (location, scale), as tabulated by R bayesmeta's RhodesEtAlPrior(). Note: the entry "mental health
# outcome" / "non-pharmacological (any)" of the main table (-3.85) breaks the pattern of the other
# rows (each non-pharmacological location is 0.14 above the placebo/control one); check it against
# the printed Table 3 before relying on it.
RHODES_COMPARISONS = (
    "pharmacological vs. placebo / control",
    "pharmacological vs. pharmacological",
    "non-pharmacological (any)",
)
_RHODES_OTHER = {
    "obstetric outcome": ((-4.13, 2.34), (-4.40, 2.31), (-3.99, 2.11)),
    "resource use and hospital stay / process": ((-2.55, 2.73), (-2.83, 2.70), (-2.41, 2.57)),
    "internal and external structure-related outcome": ((-2.43, 2.50), (-2.70, 2.46), (-2.29, 2.32)),
    "general physical health and adverse event and pain and quality of life / functioning": ((-3.16, 2.50), (-3.44, 2.44), (-3.02, 2.27)),
    "signs / symptoms reflecting continuation / end of condition and infection / onset of new acute / chronic disease": ((-3.00, 2.50), (-3.27, 2.47), (-2.86, 2.33)),
    "mental health outcome": ((-2.99, 2.16), (-3.27, 2.14), (-3.85, 1.93)),
    "biological marker": ((-3.41, 2.83), (-3.68, 2.78), (-3.27, 2.66)),
    "various subjectively measured outcomes": ((-2.76, 2.58), (-3.03, 2.59), (-2.62, 2.41)),
}
_RHODES_RESPIRATORY = {
    "obstetric outcome": ((-6.03, 2.36), (-6.31, 2.31), (-5.89, 2.21)),
    "resource use and hospital stay / process": ((-4.46, 2.74), (-4.73, 2.70), (-4.32, 2.57)),
    "internal and external structure-related outcome": ((-4.33, 2.51), (-4.61, 2.46), (-4.19, 2.33)),
    "general physical health and adverse event and pain and quality of life / functioning": ((-5.07, 2.51), (-5.34, 2.45), (-4.93, 2.28)),
    "signs / symptoms reflecting continuation / end of condition and infection / onset of new acute / chronic disease": ((-4.90, 2.50), (-5.18, 2.47), (-4.76, 2.33)),
    "mental health outcome": ((-4.90, 2.17), (-5.17, 2.14), (-4.76, 1.94)),
    "biological marker": ((-5.31, 2.83), (-5.59, 2.78), (-5.17, 2.66)),
    "various subjectively measured outcomes": ((-4.66, 2.59), (-4.94, 2.59), (-4.52, 2.41)),
}
_RHODES_CANCER = {
    "obstetric outcome": ((-1.57, 2.45), (-1.85, 2.41), (-1.43, 2.24)),
    "resource use and hospital stay / process": ((0.01, 2.83), (-0.27, 2.79), (0.15, 2.68)),
    "internal and external structure-related outcome": ((-0.13, 2.61), (-0.14, 2.56), (0.27, 2.45)),
    "general physical health and adverse event and pain and quality of life / functioning": ((-0.60, 2.61), (-0.88, 2.55), (-0.46, 2.40)),
    "signs / symptoms reflecting continuation / end of condition and infection / onset of new acute / chronic disease": ((-0.44, 2.60), (-0.71, 2.57), (-0.30, 2.46)),
    "mental health outcome": ((-0.43, 2.28), (-0.71, 2.25), (-0.29, 2.08)),
    "biological marker": ((-0.85, 2.93), (-1.13, 2.87), (-0.71, 2.78)),
    "various subjectively measured outcomes": ((-0.20, 2.68), (-0.48, 2.68), (-0.06, 2.53)),
}


_RHODES = {"other": _RHODES_OTHER, "respiratory": _RHODES_RESPIRATORY, "cancer": _RHODES_CANCER}


class _LogStudentT(stats.rv_continuous):
    """tau with ``log(tau) = m + s T``, ``T ~ t_df`` (a log-t prior on tau^2 halves m and s)."""

    def _argcheck(self, df, m, s):
        return (df > 0) & np.isfinite(m) & (s > 0)

    def _pdf(self, x, df, m, s):
        return stats.t.pdf((np.log(x) - m) / s, df) / (s * x)

    def _logpdf(self, x, df, m, s):
        return stats.t.logpdf((np.log(x) - m) / s, df) - np.log(s) - np.log(x)

    def _cdf(self, x, df, m, s):
        return stats.t.cdf((np.log(x) - m) / s, df)

    def _ppf(self, q, df, m, s):
        return np.exp(m + s * stats.t.ppf(q, df))


_log_t = _LogStudentT(a=0.0, name="log_t", shapes="df, m, s")


def _pick(func: str, what: str, value: str | None, choices) -> str:
    if value not in choices:
        raise ValueError(f"{func}: unknown {what} {value!r}. Valid values: " + "; ".join(repr(c) for c in choices) + ".")
    return value


def turner_prior(outcome: str | None = None, comparison: str | None = None):
    """Turner et al. (2015) empirical prior for tau (log odds ratio), as a frozen scipy distribution on tau.

    ``tau^2 ~ LN(mean, sd^2)`` from Turner, Jackson, Wei, Thompson & Higgins (2015), Stat Med
    34(6):984-998, Table IV (``TURNER_TABLE``); so ``tau ~ LN(mean/2, (sd/2)^2)``. With no outcome and
    comparison, the marginal setting LN(-2.56, 1.74^2) of p. 993. The priors were derived for log odds
    ratios in Cochrane reviews; Turner et al. discuss their use for other ratio measures as an
    approximation.

    Parameters
    ----------
    outcome : str, optional
        A key of ``TURNER_TABLE`` (for example ``"infection / onset of new disease"``).
    comparison : str, optional
        One of ``TURNER_COMPARISONS`` (for example ``"non-pharmacological vs. placebo / control"``).
    """
    func = "turner_prior"
    if outcome is None and comparison is None:
        mean, sd, label = -2.56, 1.74, "Turner et al. 2015, any outcome and comparison"
    else:
        _pick(func, "outcome", outcome, list(TURNER_TABLE))
        _pick(func, "comparison", comparison, TURNER_COMPARISONS)
        mean, sd = TURNER_TABLE[outcome][TURNER_COMPARISONS.index(comparison)]
        label = f"Turner et al. 2015, {outcome}, {comparison}"
    dist = stats.lognorm(s=sd / 2, scale=math.exp(mean / 2))
    dist.koppmeta_label = f"log-normal for tau^2 (mean {mean:g}, sd {sd:g} of log tau^2; {label})"
    return dist


def rhodes_prior(outcome: str | None = None, comparison: str | None = None, area: str = "other"):
    """Rhodes et al. (2015) empirical prior for tau (standardized mean difference), frozen on tau.

    ``log(tau^2) ~ t_5(location, scale)`` from Rhodes, Turner & Higgins (2015), J Clin Epidemiol
    68(1):52-60, Table 3 (``area="other"``) and appendix Tables A.3.1 (respiratory), A.3.2 (cancer);
    with no outcome and comparison the marginal setting t_5(-3.44, 2.59) (start of section 3.3).
    Outcomes and comparisons: the keys of ``rhodes_prior.table(area)`` and ``RHODES_COMPARISONS``.
    """
    func = "rhodes_prior"
    _pick(func, "area", area, tuple(_RHODES))
    if outcome is None and comparison is None:
        loc, scale, label = -3.44, 2.59, "Rhodes et al. 2015, any outcome and comparison"
    else:
        table = _RHODES[area]
        _pick(func, "outcome", outcome, list(table))
        _pick(func, "comparison", comparison, RHODES_COMPARISONS)
        loc, scale = table[outcome][RHODES_COMPARISONS.index(comparison)]
        label = f"Rhodes et al. 2015, {outcome}, {comparison}, area {area}"
    dist = _log_t(5, loc / 2, scale / 2)
    dist.koppmeta_label = f"log-t(5) for tau^2 (location {loc:g}, scale {scale:g}; {label})"
    return dist


rhodes_prior.table = lambda area="other": dict(_RHODES[area])  # type: ignore[attr-defined]


def _resolve_tau_prior(func: str, tau_prior: Any, tau_scale: Any, options: dict | None):
    """A frozen scipy distribution on tau >= 0 and a text that describes it."""
    if isinstance(tau_prior, str):
        if tau_prior not in TAU_PRIORS:
            raise ValueError(f"{func}: unknown tau_prior {tau_prior!r}. Valid names: {', '.join(TAU_PRIORS)}; "
                             "or give a frozen scipy.stats distribution on tau >= 0.")
        opts = dict(options or {})
        if tau_prior in ("turner", "rhodes"):
            dist = (turner_prior if tau_prior == "turner" else rhodes_prior)(**opts)
            return dist, dist.koppmeta_label
        if opts:
            raise ValueError(f"{func}: prior_options are only used with tau_prior 'turner' or 'rhodes'.")
        if isinstance(tau_scale, bool) or not isinstance(tau_scale, (int, float, np.integer, np.floating)) \
                or not math.isfinite(float(tau_scale)) or float(tau_scale) <= 0:
            raise ValueError(f"{func}: argument 'tau_scale' is {tau_scale!r}; the scale of a {tau_prior} prior "
                             "must be a finite number greater than 0.")
        s = float(tau_scale)
        if tau_prior == "half-normal":
            return stats.halfnorm(scale=s), f"half-normal (scale {s:g})"
        if tau_prior == "half-cauchy":
            return stats.halfcauchy(scale=s), f"half-Cauchy (scale {s:g})"
        return stats.uniform(0, s), f"uniform on [0, {s:g}]"
    if not hasattr(tau_prior, "pdf") or not hasattr(tau_prior, "support"):
        raise TypeError(f"{func}: argument 'tau_prior' must be a name ({', '.join(TAU_PRIORS)}) or a frozen "
                        f"scipy.stats distribution (for example scipy.stats.halfnorm(scale=0.5)); got {type(tau_prior).__name__}.")
    lo, hi = (float(x) for x in tau_prior.support())
    if lo < 0 or not hi > 0:
        name = getattr(getattr(tau_prior, "dist", None), "name", type(tau_prior).__name__)
        raise ValueError(f"{func}: the tau prior ({name}) has support [{lo:g}, {hi:g}], which reaches below 0; "
                         "tau is a standard deviation, so its prior must put all its mass on tau >= 0 "
                         "(use a half-normal, half-Cauchy, log-normal, ... distribution).")
    name = getattr(tau_prior, "koppmeta_label", None) or getattr(getattr(tau_prior, "dist", None), "name", "user-supplied")
    return tau_prior, f"{name} {getattr(tau_prior, 'kwds', '') or ''}".strip()


# ---------------------------------------------------------------------------
# the model, given tau


class _Model:
    """Closed-form pieces of the normal-normal model given tau, for a flat or normal prior on mu."""

    def __init__(self, y, v, mu_prior):
        self.y, self.v, self.k = y, v, len(y)
        self.mu_prior = mu_prior
        self.yc = float(np.mean(y))  # centring for accuracy

    def cond(self, tau):
        """Conditional posterior of mu given tau: mean m, variance s2; and log p(y | tau)."""
        t2 = np.atleast_1d(np.asarray(tau, dtype=float)) ** 2
        w = 1.0 / (self.v[None, :] + t2[:, None])
        sw = w.sum(axis=1)
        d = self.y - self.yc
        swy = (w * d).sum(axis=1)
        swyy = (w * d * d).sum(axis=1)
        half_logdet = 0.5 * np.log(w).sum(axis=1)
        if self.mu_prior is None:
            m = swy / sw
            s2 = 1.0 / sw
            rss = swyy - swy * m
            ll = -0.5 * (self.k - 1) * math.log(2 * math.pi) + half_logdet - 0.5 * np.log(sw) - 0.5 * rss
        else:
            m0, s0 = self.mu_prior
            p0 = 1.0 / s0**2
            d0 = m0 - self.yc
            prec = sw + p0
            m = (swy + p0 * d0) / prec
            s2 = 1.0 / prec
            rss = swyy + p0 * d0 * d0 - prec * m * m
            ll = (-0.5 * self.k * math.log(2 * math.pi) + half_logdet - 0.5 * math.log(s0**2)
                  - 0.5 * np.log(prec) - 0.5 * rss)
        return m + self.yc, s2, ll

    def loglik_mu0(self, tau):
        """log p(y | mu = 0, tau)."""
        t2 = np.atleast_1d(np.asarray(tau, dtype=float)) ** 2
        var = self.v[None, :] + t2[:, None]
        return (-0.5 * np.log(2 * math.pi * var) - 0.5 * self.y**2 / var).sum(axis=1)


# ---------------------------------------------------------------------------
# the result


@dataclass(frozen=True)
class BayesianMetaAnalysis(Result):
    """Result of :func:`bayesian_meta_analysis`. All numbers unrounded.

    Attributes
    ----------
    k : int
    estimate : float
        Posterior median of mu; ``mean``, ``sd`` its posterior mean and sd.
    ci_low, ci_high : float
        Central credible interval of mu at ``level``.
    pi_low, pi_high : float
        Central interval of the true effect in a new study (posterior predictive).
    tau_median, tau_mean, tau_sd : float
        Posterior summaries of tau; ``tau_ci`` its central credible interval.
    shrinkage : pandas.DataFrame
        Per study: ``label, yi, vi, mean, sd, median, ci_low, ci_high`` of its true effect theta_i.
    marginal_loglik : float
        log of the marginal likelihood ``p(y)``. With a flat prior for mu it is defined only up to
        the (improper) prior's constant and comparable only between tau priors (a note says so).
    bf_mu0 : float
        Bayes factor for mu = 0 against the model (``p(y | mu = 0) / p(y)``, > 1 favours mu = 0);
        NaN with a flat prior for mu (not defined for an improper prior).
    bf_tau0 : float
        Bayes factor for tau = 0 (the common-effect model) against the model.
    tau_prior, mu_prior : str
        Descriptions of the priors. ``level`` (percent), ``measure``.
    """

    k: int
    estimate: float
    mean: float
    sd: float
    ci_low: float
    ci_high: float
    pi_low: float
    pi_high: float
    tau_median: float
    tau_mean: float
    tau_sd: float
    tau_ci: tuple[float, float]
    marginal_loglik: float
    bf_mu0: float
    bf_tau0: float
    tau_prior: str
    mu_prior: str
    level: float
    measure: str | None
    notes: tuple[str, ...] = ()
    tau_prior_spec: tuple = ()
    shrinkage: pd.DataFrame = field(default=None, repr=False, compare=False)
    _post: Any = field(default=None, repr=False, compare=False)

    method = "Bayes"

    @property
    def se(self) -> float:
        """The posterior sd of mu (the vocabulary of the other results)."""
        return self.sd

    @property
    def tau2(self) -> float:
        """Posterior median of tau^2 (the square of the posterior median of tau)."""
        return self.tau_median**2

    @property
    def studies(self) -> pd.DataFrame:
        """Per-study observed effects with normal-based intervals (as ``MetaAnalysis.studies``)."""
        sh = self.shrinkage
        z = float(special.ndtri(1 - (1 - self.level / 100) / 2))
        se = np.sqrt(sh["vi"].to_numpy())
        return pd.DataFrame({"label": sh["label"], "yi": sh["yi"], "vi": sh["vi"],
                             "ci_low": sh["yi"] - z * se, "ci_high": sh["yi"] + z * se})

    def prob_below(self, x: float) -> float:
        """Posterior probability that mu is below ``x`` (for example ``0``: the intervention helps)."""
        return float(self._post.cdf(np.array([float(x)]), "mu")[0])

    def tau_pdf(self, tau) -> np.ndarray:
        """Posterior density of tau at the given values."""
        return self._post.tau_pdf(np.asarray(tau, dtype=float))

    def _records(self) -> list[dict[str, Any]]:
        row: dict[str, Any] = {
            "k": self.k, "method": "Bayes", "level": self.level, "estimate": self.estimate, "mean": self.mean,
            "sd": self.sd, "ci_low": self.ci_low, "ci_high": self.ci_high, "pi_low": self.pi_low,
            "pi_high": self.pi_high, "tau_median": self.tau_median, "tau_mean": self.tau_mean, "tau_sd": self.tau_sd,
            "tau_ci_low": self.tau_ci[0], "tau_ci_high": self.tau_ci[1], "marginal_loglik": self.marginal_loglik,
            "bf_mu0": self.bf_mu0, "bf_tau0": self.bf_tau0, "tau_prior": self.tau_prior, "mu_prior": self.mu_prior,
        }
        if self.is_ratio:
            for key in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high"):
                row[f"{key}_exp"] = self.back_transform(row[key])
        return [row]

    def summary(self, digits: int = 4) -> str:
        f = partial(formatting.text, digits=digits)
        lv = f"{self.level:g}%"
        lines = [self._heading(), "",
                 f"Prior for tau: {self.tau_prior}", f"Prior for mu:  {self.mu_prior}", "",
                 f"tau (between-study sd), posterior: median {f(self.tau_median)}, mean {f(self.tau_mean)}, "
                 f"sd {f(self.tau_sd)}; {lv} credible interval {f(self.tau_ci[0])} to {f(self.tau_ci[1])}", "",
                 "mu (average effect), posterior:",
                 "  median    mean      sd   cr.lb   cr.ub",
                 f"  {f(self.estimate)}  {f(self.mean)}  {f(self.sd)}  {f(self.ci_low)}  {f(self.ci_high)}", "",
                 f"Predictive interval (where the true effect of a new study lies with {lv} probability): "
                 f"{f(self.pi_low)} to {f(self.pi_high)}"]
        if self.is_ratio:
            def e(x):
                return f(self.back_transform(x))

            lines.append(f"Back-transformed ({self.measure}): {e(self.estimate)} ({lv} credible interval {e(self.ci_low)} "
                         f"to {e(self.ci_high)}; predictive interval {e(self.pi_low)} to {e(self.pi_high)})")
        lines.append(f"Posterior probability that mu < 0: {formatting.text(self.prob_below(0.0), 4)}")
        lines.append(f"Bayes factors (> 1 favours the simpler model): tau = 0: {f(self.bf_tau0)}; mu = 0: {f(self.bf_mu0)}")
        for note in self.notes:
            lines.append(f"Note: {note}")
        return "\n".join(lines)

    def _heading(self) -> str:
        return f"Bayesian random-effects model (k = {self.k}; normal-normal model, exact numerical integration)"

    def _describe(self) -> list[tuple[str, str, str]]:
        f, lv = formatting.text, f"{self.level:g}%"

        def iv(lo, hi):
            return formatting.interval(lo, hi, 4, plain=True, missing="NA")

        rows = [("mu (posterior median)", f"{f(self.estimate)} {iv(self.ci_low, self.ci_high)}",
                 f"average effect with its {lv} credible interval; posterior mean {f(self.mean)}, sd {f(self.sd)}"),
                ("Predictive interval", iv(self.pi_low, self.pi_high), "true effect of a new study"),
                ("tau (posterior median)", f"{f(self.tau_median)} {iv(*self.tau_ci)}", "between-study sd"),
                ("Bayes factor tau = 0", f(self.bf_tau0), "> 1 favours the common-effect model"),
                ("Bayes factor mu = 0", f(self.bf_mu0), "> 1 favours no effect"),
                ("Priors", f"tau: {self.tau_prior}; mu: {self.mu_prior}", "")]
        if self.is_ratio:
            b = self.back_transform
            rows.insert(1, (f"{self.measure} (back-transformed)", f"{f(b(self.estimate))} "
                            f"{iv(b(self.ci_low), b(self.ci_high))}", "on the ratio scale"))
        return rows


# ---------------------------------------------------------------------------
# integration


_EPSREL = 1e-12
_GL_X, _GL_W = np.polynomial.legendre.leggauss(21)


class _Posterior:
    """The posterior of tau (normalised) and mixtures of normals over it.

    Integrals run in a variable ``u`` with ``tau = u`` up to a cut ``c`` and
    ``tau = c / (2 - u / c)`` on ``[c, 2c)`` (the infinite tail, with a continuous derivative).
    The partition of the ``u`` range is chosen once by adaptive Gauss-Kronrod quadrature
    (:func:`scipy.integrate.quad_vec`, relative error 1e-12) of the posterior weight and its first
    moments; every later integral uses 21-point Gauss-Legendre rules on that partition (vectorised).
    """

    def __init__(self, model: _Model, prior):
        self.model, self.prior = model, prior
        lo, hi = (float(x) for x in prior.support())
        self.hi = hi
        spread = math.sqrt(float(np.median(model.v)))
        grid = np.exp(np.linspace(math.log(spread) - 10, math.log(spread) + 8, 200))
        if math.isfinite(hi):
            grid = grid[grid < hi]
        vals = self._logunnorm(grid)
        j = int(np.argmax(vals))
        self.offset = float(vals[j])
        self.mode = float(grid[j])
        r = max(self.mode, spread * 1e-2)
        if math.isfinite(hi):
            self.c = hi
            breaks = sorted({0.0, *[x for x in (r / 4, r, 4 * r, 16 * r) if x < hi], hi})
            self.u_end = hi
        else:
            self.c = 64 * r
            breaks = [0.0, r / 4, r, 4 * r, 16 * r, self.c, 1.5 * self.c, 1.9 * self.c, 2 * self.c]
            self.u_end = 2 * self.c

        def h(u):
            t = self.t_of_u(np.array([u]))
            w = self.weight(t)[0] * self.dt_du(np.array([u]))[0]
            m, s2, _ = model.cond(t)
            return w * np.array([1.0, t[0], t[0] ** 2, m[0], s2[0] + m[0] ** 2])

        intervals = []
        for a, b in zip(breaks[:-1], breaks[1:]):
            # epsabs: pieces where the weight underflows to 0 must not be split forever (the peak weight is 1)
            _, _, info = integrate.quad_vec(h, a, b, epsabs=1e-15 * r, epsrel=_EPSREL, limit=2000, full_output=True)
            intervals.append(np.asarray(info.intervals, dtype=float))
        iv = np.concatenate(intervals)
        iv = iv[np.argsort(iv[:, 0])]
        self.iv = iv
        half = (iv[:, 1] - iv[:, 0]) / 2
        mid = (iv[:, 1] + iv[:, 0]) / 2
        u = (mid[:, None] + half[:, None] * _GL_X[None, :]).ravel()
        qw = (half[:, None] * _GL_W[None, :]).ravel()
        self.tau = self.t_of_u(u)
        raw = self.weight(self.tau) * self.dt_du(u) * qw
        self.norm = float(raw.sum())
        if not (self.norm > 0 and math.isfinite(self.norm)):
            raise FloatingPointError("bayesian_meta_analysis: the posterior of tau could not be normalised.")
        self.pw = raw / self.norm
        self.m, self.s2, _ = model.cond(self.tau)

    # the variable change
    def t_of_u(self, u):
        u = np.asarray(u, dtype=float)
        if math.isfinite(self.hi):
            return u
        c = self.c
        with np.errstate(divide="ignore"):
            return np.where(u <= c, u, c / (2 - u / c))

    def dt_du(self, u):
        u = np.asarray(u, dtype=float)
        if math.isfinite(self.hi):
            return np.ones_like(u)
        c = self.c
        with np.errstate(divide="ignore"):
            return np.where(u <= c, 1.0, 1.0 / (2 - u / c) ** 2)

    def u_of_t(self, t):
        if math.isfinite(self.hi) or t <= self.c:
            return min(t, self.u_end)
        return self.c * (2 - self.c / t)

    def _logunnorm(self, tau):
        tau = np.asarray(tau, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            lp = self.prior.logpdf(tau)
        _, _, ll = self.model.cond(tau)
        out = lp + ll
        return np.where(np.isfinite(out), out, -np.inf)

    def weight(self, tau):
        """Unnormalised posterior density of tau, scaled by exp(-offset)."""
        return np.exp(self._logunnorm(tau) - self.offset)

    def expect(self, g, n=None):
        """Posterior expectation of g(tau) (g returns an array (len(tau), n) or (len(tau),))."""
        return np.tensordot(self.pw, np.asarray(g(self.tau), dtype=float), axes=(0, 0))

    def integrate(self, g, n=None):
        """∫ weight(tau) g(tau) dtau (unnormalised, scaled by exp(-offset))."""
        return self.expect(g, n) * self.norm

    def tau_pdf(self, tau):
        return self.weight(tau) / self.norm

    def _components(self, kind):
        m, s2 = self.m[:, None], self.s2[:, None]
        t2 = self.tau[:, None] ** 2
        if kind == "mu":
            return m, np.sqrt(s2)
        if kind == "new":
            return m, np.sqrt(s2 + t2)
        v = self.model.v[None, :]
        B = t2 / (t2 + v)
        return B * self.model.y[None, :] + (1 - B) * m, np.sqrt(B * v + (1 - B) ** 2 * s2)

    def cdf(self, x, kind):
        x = np.asarray(x, dtype=float)
        mean, sd = self._components(kind)
        return self.pw @ special.ndtr((x[None, :] - mean) / sd)

    def quantiles(self, p, kind, start, scale, repeat=1):
        """Solve F(x) = p for the normal mixture ``kind`` by Newton steps safeguarded by bisection."""
        p = np.asarray(p, dtype=float)
        x = np.asarray(start, dtype=float).copy()
        mean, sd = self._components(kind)
        if repeat > 1:
            mean, sd = np.tile(mean, repeat), np.tile(sd, repeat)
        lo, hi = x - 60 * scale, x + 60 * scale
        for _ in range(200):
            zz = (x[None, :] - mean) / sd
            F = self.pw @ special.ndtr(zz)
            dens = self.pw @ (np.exp(-0.5 * zz * zz) / (sd * math.sqrt(2 * math.pi)))
            err = F - p
            lo = np.where(err < 0, np.maximum(lo, x), lo)
            hi = np.where(err > 0, np.minimum(hi, x), hi)
            new = x - np.where(dens > 0, err / np.where(dens > 0, dens, 1.0), 0.0)
            bad = (new <= lo) | (new >= hi) | ~np.isfinite(new)
            new = np.where(bad, 0.5 * (lo + hi), new)
            if np.all(np.abs(new - x) <= 1e-13 * np.maximum(1.0, np.abs(x))):
                return new
            x = new
        return x  # pragma: no cover - the safeguarded Newton iteration converges long before

    def tau_cdf(self, t):
        """P(tau <= t): whole intervals of the partition plus a Gauss-Legendre rule on the last piece."""
        ut = self.u_of_t(t)
        iv = self.iv
        full = iv[:, 1] <= ut
        n_full = int(full.sum())
        total = float(self.pw[: n_full * len(_GL_X)].sum())
        if n_full < len(iv) and iv[n_full, 0] < ut:
            a = iv[n_full, 0]
            half, mid = (ut - a) / 2, (ut + a) / 2
            u = mid + half * _GL_X
            total += float((self.weight(self.t_of_u(u)) * self.dt_du(u) * half * _GL_W).sum()) / self.norm
        return total

    def tau_quantile(self, p):
        upper = self.t_of_u(np.array([self.iv[-1, 1]]))[0]
        hi = max(self.mode, 1e-12)
        while self.tau_cdf(hi) < p and hi < upper:
            hi = min(hi * 2, upper)
        return optimize.brentq(lambda t: self.tau_cdf(t) - p, 0.0, hi, xtol=1e-15, rtol=1e-15, maxiter=500)


def _spec(tau_prior, tau_scale) -> tuple:
    """(kind, value) of the tau prior, for labels in other languages."""
    if isinstance(tau_prior, str):
        return (tau_prior, float(tau_scale)) if tau_prior in ("half-normal", "half-cauchy", "uniform") else (tau_prior, None)
    label = getattr(tau_prior, "koppmeta_label", "")
    if "Turner" in label:
        return ("turner", None)
    if "Rhodes" in label:
        return ("rhodes", None)
    return ("distribution", getattr(getattr(tau_prior, "dist", None), "name", ""))


def _check_mu_prior(func: str, mu_prior):
    if mu_prior is None:
        return None
    try:
        m0, s0 = (float(x) for x in mu_prior)
    except (TypeError, ValueError):
        raise TypeError(f"{func}: argument 'mu_prior' must be None (flat) or (mean, sd) of a normal prior; "
                        f"got {mu_prior!r}.") from None
    if not math.isfinite(m0) or not math.isfinite(s0) or s0 <= 0:
        raise ValueError(f"{func}: argument 'mu_prior' is {mu_prior!r}; the normal prior's mean must be finite and "
                         "its sd a finite number greater than 0.")
    return m0, s0


def bayesian_meta_analysis(
    yi: Any,
    vi: Any,
    *,
    tau_prior: Any = "half-normal",
    tau_scale: float = 0.5,
    mu_prior: tuple[float, float] | None = None,
    data: pd.DataFrame | None = None,
    labels: Any = None,
    level: float = 95,
    measure: str | None = None,
    prior_options: dict | None = None,
) -> BayesianMetaAnalysis:
    """Bayesian random-effects meta-analysis (normal-normal model) by exact numerical integration.

    Parameters
    ----------
    yi, vi : array-like or str
        Effect sizes and sampling variances (or column names in ``data``).
    tau_prior : str or frozen scipy.stats distribution
        ``"half-normal"`` (default, scale ``tau_scale``), ``"half-cauchy"`` (scale ``tau_scale``),
        ``"uniform"`` (on ``[0, tau_scale]``), ``"turner"`` (:func:`turner_prior`, log odds ratios),
        ``"rhodes"`` (:func:`rhodes_prior`, standardized mean differences), with their settings in
        ``prior_options``; or any frozen ``scipy.stats`` distribution whose support lies in tau >= 0.
        The default half-normal(0.5) is weakly informative for log ratios and SMDs (Röver et al. 2021,
        Res Synth Methods 12:448-474, section 3.4; Friede et al. 2017, Biom J 59:658-671).
    tau_scale : float
        Scale of the named half-normal, half-Cauchy or uniform prior; must be > 0.
    mu_prior : None or (mean, sd)
        None: flat (improper uniform) prior for mu; otherwise a normal prior.
    level : float
        Credible level in percent (central intervals).
    measure : str, optional
        The effect measure; ratio measures are shown back-transformed.
    prior_options : dict, optional
        For ``"turner"``: ``outcome``, ``comparison``; for ``"rhodes"``: also ``area``.

    Returns
    -------
    BayesianMetaAnalysis

    Raises
    ------
    ValueError, TypeError
        Unknown prior names (listing the valid ones), a prior whose support reaches below tau = 0, a
        scale <= 0, a normal prior for mu with sd <= 0, and every input problem of
        :func:`koppmeta.meta_analysis` (named by argument, study, value and rule).

    Notes
    -----
    Accuracy: integrals by adaptive Gauss-Kronrod quadrature to a relative error of 1e-11, quantiles
    by safeguarded Newton steps to 1e-12; the test suite checks every summary against an independent
    arbitrary-precision computation (mpmath) to 1e-6.

    Examples
    --------
    >>> import koppmeta
    >>> fit = koppmeta.bayesian_meta_analysis([-0.5, -0.1, -0.9], [0.04, 0.09, 0.16], tau_prior="half-normal",
    ...                                        tau_scale=0.5)
    >>> fit.ci_low < fit.estimate < fit.ci_high and fit.pi_low < fit.ci_low
    True
    """
    func = "bayesian_meta_analysis"
    level = check_level(func, level)
    prior, prior_text = _resolve_tau_prior(func, tau_prior, tau_scale, prior_options)
    mu = _check_mu_prior(func, mu_prior)
    y, v, lab, k = effect_inputs(func, yi, vi, labels, data)
    model = _Model(y, v, mu)
    post = _Posterior(model, prior)
    notes: list[str] = []
    alpha = 1 - level / 100
    # mu: mean and sd from E[m], E[s2 + m^2]; tau: E[tau], E[tau^2]
    m, s2, t = post.m, post.s2, post.tau
    e = post.expect(lambda _: np.stack([m, s2 + m * m, t, t * t], axis=1))
    mean, sd = float(e[0]), math.sqrt(max(float(e[1] - e[0] ** 2), 0.0))
    tau_mean, tau_sd = float(e[2]), math.sqrt(max(float(e[3] - e[2] ** 2), 0.0))
    z = float(special.ndtri(1 - alpha / 2))
    q_mu = post.quantiles([alpha / 2, 0.5, 1 - alpha / 2], "mu", [mean - z * sd, mean, mean + z * sd], sd)
    sd_new = math.sqrt(sd**2 + tau_mean**2 + tau_sd**2)
    q_new = post.quantiles([alpha / 2, 1 - alpha / 2], "new", [mean - z * sd_new, mean + z * sd_new], sd_new)
    # shrinkage: moments, then the three quantiles of every study at once
    th_m, th_s = post._components("theta")
    sm = post.expect(lambda _: np.concatenate([th_m, th_s**2 + th_m**2], axis=1))
    th_mean = sm[:k]
    th_sd = np.sqrt(np.maximum(sm[k:] - th_mean**2, 0.0))
    targets = np.concatenate([np.full(k, alpha / 2), np.full(k, 0.5), np.full(k, 1 - alpha / 2)])
    start = np.concatenate([th_mean - z * th_sd, th_mean, th_mean + z * th_sd])
    q_th = post.quantiles(targets, "theta", start, np.tile(th_sd, 3), repeat=3)
    labels_out = lab if lab is not None else [f"Study {i + 1}" for i in range(k)]
    shrink = pd.DataFrame({"label": labels_out, "yi": y, "vi": v, "mean": th_mean, "sd": th_sd,
                           "median": q_th[k:2 * k], "ci_low": q_th[:k], "ci_high": q_th[2 * k:]})
    tau_lo, tau_med, tau_hi = (post.tau_quantile(p) for p in (alpha / 2, 0.5, 1 - alpha / 2))
    # marginal likelihood and Bayes factors (Savage-Dickey for tau = 0)
    log_ml = math.log(post.norm) + post.offset
    ll0 = float(model.cond(np.array([0.0]))[2][0])
    bf_tau0 = math.exp(ll0 - log_ml)
    if mu is None:
        bf_mu0 = math.nan
        notes.append("flat prior for mu: the marginal likelihood is defined only up to the prior's constant, "
                     "and the Bayes factor for mu = 0 is not defined (give mu_prior=(mean, sd) for it)")
    else:
        _, _, ll_tau = model.cond(post.tau)
        bf_mu0 = float(post.expect(lambda tt: np.exp(model.loglik_mu0(tt) - ll_tau)))
    mu_text = "flat (improper uniform)" if mu is None else f"normal (mean {mu[0]:g}, sd {mu[1]:g})"
    return BayesianMetaAnalysis(
        k=k, estimate=float(q_mu[1]), mean=mean, sd=sd, ci_low=float(q_mu[0]), ci_high=float(q_mu[2]),
        pi_low=float(q_new[0]), pi_high=float(q_new[1]), tau_median=tau_med, tau_mean=tau_mean, tau_sd=tau_sd,
        tau_ci=(tau_lo, tau_hi), marginal_loglik=log_ml, bf_mu0=bf_mu0, bf_tau0=bf_tau0, tau_prior=prior_text,
        mu_prior=mu_text, level=level, measure=measure, notes=tuple(notes), shrinkage=shrink, _post=post,
        tau_prior_spec=_spec(tau_prior, tau_scale))
