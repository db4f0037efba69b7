"""One table of the same data pooled by several methods: :func:`compare_methods`.

With two to seven trials the honest answer is whether the methods agree. The table puts side by
side, on the same effect scale:

1. fixed effect (inverse variance);
2. REML with the z test (the usual random-effects analysis);
3. REML with the Hartung-Knapp-Sidik-Jonkman (HKSJ) t test (Hartung & Knapp 2001, Stat Med
   20:3875-3889; IntHout, Ioannidis & Borm 2014, BMC Med Res Methodol 14:25);
4. REML with the ad hoc corrected HKSJ test (Röver, Knapp & Friede 2015, BMC Med Res Methodol
   15:99: the HKSJ variance is never smaller than the z test's), through
   ``meta_analysis(..., test="adhoc")`` where the library provides it;
5. Mantel-Haenszel (and Peto for odds ratios) when arm counts are given (:mod:`koppmeta.models.rare`);
6. the Bayesian normal-normal model with a weakly informative prior for tau (:mod:`koppmeta.models.bayes`).

Each row has the estimate, its interval, the prediction interval (where the method has one) and tau.
"""

from __future__ import annotations

import math
from functools import partial
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import formatting, models
from ..results import Result
from .._validation import check_level, effect_inputs, resolve_column
from .bayes import BayesianMetaAnalysis, bayesian_meta_analysis
from .rare import MH_MEASURES, mantel_haenszel, peto

__all__ = ["MethodComparison", "compare_methods"]

COLUMNS = ["method", "key", "k", "estimate", "ci_low", "ci_high", "pi_low", "pi_high", "tau", "pval", "interval",
           "note"]


@dataclass(frozen=True)
class MethodComparison(Result):
    """Result of :func:`compare_methods`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per method: ``method`` (in words), ``key`` (short code: FE, REML-z, REML-HKSJ,
        REML-HKSJ-adhoc, MH, Peto, Bayes), ``k``, ``estimate, ci_low, ci_high, pi_low, pi_high``
        (on the analysis scale: log for ratio measures; NaN where a method has no prediction
        interval), ``tau``, ``pval`` (NaN for the Bayesian row), ``interval`` (what kind of interval)
        and ``note`` (why a row is empty, or which trials it rests on). Rows that could not be
        computed keep their place with NaN numbers and the reason in ``note``.
    fits : dict
        The underlying results by ``key``.
    measure : str or None
    level : float
    """

    table: pd.DataFrame
    fits: dict = field(repr=False)
    measure: str | None
    level: float

    def to_frame(self, exponentiate: bool | None = None) -> pd.DataFrame:
        """The table; ratio measures back-transformed (``exponentiate=False`` keeps the log scale)."""
        out = self.table.copy()
        if exponentiate if exponentiate is not None else self.is_ratio:
            for c in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high"):
                out[c] = np.exp(out[c])
        return out

    def _records(self) -> list[dict[str, Any]]:
        return self.to_frame().to_dict("records")

    def _heading(self) -> str:
        return f"Method comparison (k = {int(self.table['k'].max())}; {self.level:g}% intervals)"

    def _table(self) -> pd.DataFrame:
        cols = ["estimate", "ci_low", "ci_high", "pi_low", "pi_high", "tau", "k"]
        return self.to_frame().set_index("method")[cols]

    def _notes(self) -> tuple[str, ...]:
        return tuple(f"{r.method}: {r.note}" for r in self.table.itertuples() if r.note)

    def summary(self, digits: int = 2) -> str:
        t = self.to_frame()
        scale = f" ({self.measure})" if self.measure else ""
        lv = f"{self.level:g}%"

        f = partial(formatting.number, digits=digits, plain=True, missing="")
        rows = [["method", f"estimate{scale}", f"{lv} interval", "prediction interval", "tau", "k"]]
        for _, r in t.iterrows():
            ci = f"{f(r.ci_low)} to {f(r.ci_high)}" if not math.isnan(r.ci_low) else ""
            pi = f"{f(r.pi_low)} to {f(r.pi_high)}" if not math.isnan(r.pi_low) else ""
            rows.append([r.method, f(r.estimate), ci, pi, f(r.tau), str(int(r.k)) if r.k == r.k else ""])
        widths = [max(len(x[i]) for x in rows) for i in range(len(rows[0]))]
        lines = [self._heading(), ""]
        for j, x in enumerate(rows):
            lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(x, widths))))
            if j == 0:
                lines.append("  ".join("-" * w for w in widths))
        notes = [(r.method, r.note) for _, r in t.iterrows() if r.note]
        if notes:
            lines.append("")
            lines += [f"Note ({m}): {n}" for m, n in notes]
        return "\n".join(lines)


def _row(method, key, fit, *, interval, note="", pi=True):
    tau = math.sqrt(fit.tau2) if getattr(fit, "tau2", None) is not None else math.nan
    return {"method": method, "key": key, "k": fit.k, "estimate": fit.estimate, "ci_low": fit.ci_low,
            "ci_high": fit.ci_high, "pi_low": fit.pi_low if pi else math.nan, "pi_high": fit.pi_high if pi else math.nan,
            "tau": tau, "pval": getattr(fit, "pval", math.nan), "interval": interval, "note": note}


def _empty(method, key, note):
    return {"method": method, "key": key, "k": math.nan, "estimate": math.nan, "ci_low": math.nan, "ci_high": math.nan,
            "pi_low": math.nan, "pi_high": math.nan, "tau": math.nan, "pval": math.nan, "interval": "", "note": note}


def compare_methods(
    yi: Any = "yi",
    vi: Any = "vi",
    *,
    data: pd.DataFrame | None = None,
    labels: Any = None,
    measure: str | None = None,
    events1: Any = None,
    n1: Any = None,
    events2: Any = None,
    n2: Any = None,
    tau_prior: Any = "half-normal",
    tau_scale: float = 0.5,
    prior_options: dict | None = None,
    mu_prior: tuple[float, float] | None = None,
    level: float = 95,
) -> MethodComparison:
    """Pool the same studies with fixed effect, REML-z, REML-HKSJ, ad hoc HKSJ, MH/Peto and a Bayesian model.

    Parameters
    ----------
    yi, vi : array-like or str
        Effect sizes and sampling variances (or column names in ``data``; default ``"yi"``, ``"vi"``).
    data, labels, measure, level
        As :func:`koppmeta.meta_analysis`.
    events1, n1, events2, n2 : array-like or str, optional
        Arm counts for the Mantel-Haenszel (and, for ``measure="OR"``, Peto) rows. Rows whose counts
        are missing are left out of those rows only, and the row's note names them.
    tau_prior, tau_scale, prior_options, mu_prior
        Prior of the Bayesian row (:func:`koppmeta.bayesian_meta_analysis`); default half-normal with
        scale 0.5, weakly informative for log ratios and SMDs (Röver et al. 2021, Res Synth Methods
        12:448-474).

    Returns
    -------
    MethodComparison

    Notes
    -----
    The ad hoc row uses ``meta_analysis(..., test="adhoc")``; when the installed version has no such
    test the row stays in the table, empty, with the reason in its note.

    Examples
    --------
    >>> import koppmeta
    >>> cmp = koppmeta.compare_methods([-0.5, -0.1, -0.9], [0.04, 0.09, 0.16])
    >>> list(cmp.table["key"])
    ['FE', 'REML-z', 'REML-HKSJ', 'REML-HKSJ-adhoc', 'Bayes']
    """
    func = "compare_methods"
    level = check_level(func, level)
    y, v, lab, k = effect_inputs(func, yi, vi, labels, data)
    names = lab if lab is not None else [f"Study {i + 1}" for i in range(k)]
    rows, fits = [], {}
    common = dict(labels=names, measure=measure, level=level)
    fe = models.meta_analysis(y, v, method="FE", **common)
    fits["FE"] = fe
    rows.append(_row("Fixed effect (inverse variance)", "FE", fe, interval="confidence (z)", pi=False))
    z = models.meta_analysis(y, v, method="REML", test="z", **common)
    fits["REML-z"] = z
    rows.append(_row("Random effects, REML, z test", "REML-z", z, interval="confidence (z)"))
    if k >= 2:
        kh = models.meta_analysis(y, v, method="REML", test="knha", **common)
        fits["REML-HKSJ"] = kh
        rows.append(_row("Random effects, REML, Hartung-Knapp (HKSJ)", "REML-HKSJ", kh,
                         interval=f"confidence (t, df = {k - 1})"))
    else:
        rows.append(_empty("Random effects, REML, Hartung-Knapp (HKSJ)", "REML-HKSJ", "needs at least 2 studies"))
    adhoc_name = "Random effects, REML, ad hoc HKSJ"
    if "adhoc" in getattr(models, "TESTS", ()) and k >= 2:
        ah = models.meta_analysis(y, v, method="REML", test="adhoc", **common)
        fits["REML-HKSJ-adhoc"] = ah
        rows.append(_row(adhoc_name, "REML-HKSJ-adhoc", ah, interval=f"confidence (t, df = {k - 1}; ad hoc)"))
    else:
        rows.append(_empty(adhoc_name, "REML-HKSJ-adhoc",
                           "not computed: this version of meta_analysis has no test='adhoc'" if k >= 2
                           else "needs at least 2 studies"))
    counts = [events1, n1, events2, n2]
    if any(c is not None for c in counts):
        if not all(c is not None for c in counts):
            raise ValueError(f"{func}: give all four of events1, n1, events2, n2 (or none of them).")
        cols = [pd.to_numeric(pd.Series(np.asarray(resolve_column(func, nm, c, data), dtype=object)), errors="coerce")
                for nm, c in zip(("events1", "n1", "events2", "n2"), counts)]
        tab = pd.DataFrame({"events1": cols[0], "n1": cols[1], "events2": cols[2], "n2": cols[3], "label": names})
        if len(tab) != k:
            raise ValueError(f"{func}: the counts have {len(tab)} rows but there are {k} studies.")
        have = tab[["events1", "n1", "events2", "n2"]].notna().all(axis=1)
        missing = [names[i] for i in np.flatnonzero(~have.to_numpy())]
        sub = tab[have]
        note = (f"{int(have.sum())} of {k} studies (the ones with arm counts); left out: {', '.join(missing)}"
                if missing else "")
        mh_measure = measure if measure in MH_MEASURES else None
        if len(sub) == 0:
            rows.append(_empty("Mantel-Haenszel", "MH", "no study has arm counts"))
        elif mh_measure is None:
            rows.append(_empty("Mantel-Haenszel", "MH", f"measure {measure!r} is not OR, RR or RD"))
        else:
            mh = mantel_haenszel(sub, events1="events1", n1="n1", events2="events2", n2="n2", measure=mh_measure,
                                 labels="label", level=level)
            fits["MH"] = mh
            extra = "; ".join(x for x in (note, *(f"{a}: {b}" for a, b in mh.dropped)) if x)
            rows.append(_row(f"Mantel-Haenszel ({mh_measure}, fixed effect)", "MH", mh, interval="confidence (z)",
                             note=extra, pi=False))
            if mh_measure == "OR":
                pt = peto(sub, events1="events1", n1="n1", events2="events2", n2="n2", labels="label", level=level)
                fits["Peto"] = pt
                rows.append(_row("Peto (OR, fixed effect)", "Peto", pt, interval="confidence (z)", note=note, pi=False))
    bayes: BayesianMetaAnalysis = bayesian_meta_analysis(y, v, tau_prior=tau_prior, tau_scale=tau_scale,
                                                         prior_options=prior_options, mu_prior=mu_prior,
                                                         labels=names, level=level, measure=measure)
    fits["Bayes"] = bayes
    short = bayes.tau_prior.split(" (")[0] if "et al." not in bayes.tau_prior else \
        ("Turner et al. 2015" if "Turner" in bayes.tau_prior else "Rhodes et al. 2015")
    row = _row(f"Bayesian ({short} prior for tau)", "Bayes", bayes, interval="credible (central)")
    row["tau"] = bayes.tau_median
    row["pval"] = math.nan
    row["note"] = f"posterior medians of mu and tau; prior for tau: {bayes.tau_prior}"
    rows.append(row)
    table = pd.DataFrame(rows, columns=COLUMNS)
    return MethodComparison(table=table, fits=fits, measure=measure, level=level)
