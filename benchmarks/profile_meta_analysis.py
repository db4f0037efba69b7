"""Where a single ``koppmeta.meta_analysis`` fit spends its time (REML + Knapp-Hartung, k = 13).

Usage (from the repository root): ``python benchmarks/profile_meta_analysis.py``

Prints the time per call of the whole fit and of its parts (input checks, the tau^2
estimate, the result object, the Q-profile interval that is computed on first access of
``tau2_ci``), and the functions with the most own time under cProfile. Compare with
``statsmodels.stats.meta_analysis.combine_effects`` on the same data.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import timeit
import warnings

import numpy as np

import koppmeta
from koppmeta.models import heterogeneity as het
from koppmeta._validation import numeric_vector


def per_call(func, number: int = 2000) -> float:
    for _ in range(50):
        func()
    return min(timeit.repeat(func, number=number, repeat=5)) / number * 1e6


def main() -> None:
    warnings.simplefilter("ignore")
    bcg = koppmeta.datasets.load_bcg()
    es = koppmeta.effect_sizes(bcg, "RR", events1="tpos", nonevents1="tneg", events2="cpos", nonevents2="cneg")
    y = es["yi"].to_numpy()
    v = es["vi"].to_numpy()
    X = np.ones((len(y), 1))
    fit = koppmeta.meta_analysis(y, v, method="REML", test="knha")
    rows = [
        ("meta_analysis(REML, knha), whole call", lambda: koppmeta.meta_analysis(y, v, method="REML", test="knha")),
        ("  input checks: numeric_vector(yi) + numeric_vector(vi)",
         lambda: (numeric_vector("f", "yi", y), numeric_vector("f", "vi", v))),
        ("  heterogeneity.estimate_tau2(REML)", lambda: het.estimate_tau2(y, v, X, "REML")),
        ("  result: fit.tau2_ci on first access (Q-profile, 2 roots)", lambda: het.q_profile_ci(y, v, X, 95)),
        ("  meta_analysis + first access of fit.studies (pandas table)", lambda: koppmeta.meta_analysis(
            y, v, method="REML", test="knha").studies),
    ]
    try:
        from statsmodels.stats.meta_analysis import combine_effects

        rows.append(("statsmodels combine_effects(iterated, use_t=True)",
                     lambda: combine_effects(y, v, method_re="iterated", use_t=True)))
    except ImportError:
        pass
    print(f"REML iterations for BCG: {het.estimate_tau2(y, v, X, 'REML').iterations}; tau2 = {fit.tau2:.6f}\n")
    for name, func in rows:
        print(f"{per_call(func):9.1f} µs  {name}")
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(2000):
        koppmeta.meta_analysis(y, v, method="REML", test="knha")
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(15)
    print("\ncProfile, 2,000 fits, by own time:\n" + buf.getvalue())


if __name__ == "__main__":
    main()
