"""Sensitivity of a pooled effect to risk of bias: all trials beside the better trials only.

:func:`rob_sensitivity` pools all trials, then only those at low risk of bias or with some
concerns, then only those at low risk (Cochrane Handbook v6.4, section 7.6.2 and 10.14:
"restrict the primary analysis to studies at low risk of bias", and as a sensitivity analysis).
Every subset is pooled by the same call of :func:`koppmeta.meta_analysis`; a subset without
trials is kept as a row with k = 0 and a note, never dropped.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import effect_inputs
from ..models.univariate import meta_analysis

__all__ = ["rob_sensitivity", "SUBSETS"]

SUBSETS = {"all": None, "low_or_some": ("low", "some_concerns"), "low": ("low",)}


def rob_sensitivity(yi: Any, vi: Any, rob: Any, *, data: pd.DataFrame | None = None, labels: Any = None,
                    measure: str | None = None, method: str = "REML", test: str = "knha", level: float = 95) -> pd.DataFrame:
    """Pooled effect of all trials, of trials at low risk or some concerns, and of trials at low risk.

    Parameters
    ----------
    yi, vi : array-like or column names of ``data``
        Effects and sampling variances (log scale for ratios).
    rob : array-like or column name
        Overall risk-of-bias judgement per trial: ``low``, ``some_concerns``, ``high``, ``unclear``.
    measure, method, test, level
        Passed to :func:`koppmeta.meta_analysis`. ``test="knha"`` (Hartung-Knapp) by default,
        since the subsets hold few trials.

    Returns
    -------
    DataFrame
        One row per subset (``all``, ``low_or_some``, ``low``): ``subset, k, estimate, ci_low,
        ci_high, pi_low, pi_high, pval, tau2, i2, trials, note``; ratio measures back-transformed
        (``estimate`` is then the ratio). ``k = 0`` rows have NaN numbers and a note.
    """
    from ..plotting.forest import normalise_rob

    func = "rob_sensitivity"
    y, v, lab, *_ = effect_inputs(func, yi, vi, labels, data)
    lab = lab or [f"study {i + 1}" for i in range(len(y))]
    if isinstance(rob, str) and data is not None:
        if rob not in data.columns:
            raise ValueError(f"{func}: column {rob!r} not in data; columns: {', '.join(map(str, data.columns))}.")
        rob = data[rob].tolist()
    judg = normalise_rob(func, "rob", list(rob), lab)
    if len(judg) != len(y):
        raise ValueError(f"{func}: argument 'rob' has {len(judg)} judgements for {len(y)} trials.")
    missing = [lab[i] for i, j in enumerate(judg) if j is None]
    if missing:
        raise ValueError(f"{func}: argument 'rob': no judgement for {', '.join(missing)}; every trial needs one "
                         "(use 'unclear' when the sources say nothing).")
    ratio = measure in ("RR", "OR", "HR", "IRR")
    back = np.exp if ratio else (lambda x: x)
    rows = []
    for name, keep in SUBSETS.items():
        idx = [i for i, j in enumerate(judg) if keep is None or j in keep]
        row = {"subset": name, "k": len(idx), "trials": "; ".join(lab[i] for i in idx)}
        if not idx:
            row.update({c: np.nan for c in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high", "pval", "tau2", "i2")})
            row["note"] = "no trial in this subset"
        else:
            fit = meta_analysis(y[idx], v[idx], labels=[lab[i] for i in idx], measure=measure, method=method,
                                test=test if len(idx) >= 2 else "z", level=level)  # one trial: its own z interval
            row.update({"estimate": float(back(fit.estimate)), "ci_low": float(back(fit.ci_low)),
                        "ci_high": float(back(fit.ci_high)), "pi_low": float(back(fit.pi_low)),
                        "pi_high": float(back(fit.pi_high)), "pval": fit.pval, "tau2": fit.tau2, "i2": fit.i2,
                        "note": "one trial: its own estimate" if len(idx) == 1 else ""})
        rows.append(row)
    out = pd.DataFrame(rows, columns=["subset", "k", "estimate", "ci_low", "ci_high", "pi_low", "pi_high", "pval", "tau2",
                                      "i2", "trials", "note"])
    out.attrs.update({"measure": measure, "method": method, "test": test, "level": level})
    return out
