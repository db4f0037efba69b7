"""Speed of koppmeta next to statsmodels, PyMARE and R metafor, measured side by side in one run.

Usage (from the repository root, after ``pip install -e '.[bench]'``)::

    python benchmarks/run.py            # print the table
    python benchmarks/run.py --write    # also save it to benchmarks/RESULTS.md
    python benchmarks/run.py --quick    # fewer repetitions (a rough check)

Tasks (data: the 13 BCG trials, metadat ``dat.bcg``, log risk ratios):

1. One REML fit with the Knapp-Hartung test (k = 13): ``koppmeta.meta_analysis`` vs
   statsmodels ``combine_effects`` vs PyMARE ``VarianceBasedLikelihoodEstimator`` vs metafor
   ``rma`` (timed inside R). The three Python packages take turns, ten rounds of many fits each
   (the best round of each counts), so that a change in the machine's speed during the run hits
   them alike; metafor: best of 5 runs.
2. 100,000 REML + Knapp-Hartung fits of k = 13 (effects simulated around the BCG fit, with the
   BCG variances): ``koppmeta.fit_many`` vs a loop of ``combine_effects`` (and of ``rma``) over a
   subsample, scaled up to 100,000, vs PyMARE's estimator, which fits a batch of datasets at once.
3. GOSH: REML fits of all 8,191 subsets of the 13 trials, ``koppmeta.gosh`` vs metafor ``gosh``.
4. Permutation test: 1,000 random sign flips of the 13 trials (REML), ``koppmeta.permutation_test``
   (on ``fit_many``) vs metafor ``permutest``.
5. Import time in a fresh process (best of 5): ``import koppmeta`` vs
   ``import statsmodels.stats.meta_analysis`` vs ``import pymare`` vs ``library(metafor)``.
6. ``fit_many``, 100,000 REML fits (z test) on three simulated data sets: no heterogeneity
   (Y ~ N(0.2, 0.3), V ~ U(0.01, 0.2), k = 13), moderate heterogeneity (tau^2 = 0.05, k = 13) and
   a mix with k from 2 to 40 padded with NaN (tau^2 0, 0.02 or 0.1); against loops of
   ``combine_effects`` and ``rma`` over a subsample, scaled up. Peak memory by ``tracemalloc``.
   Also 1,000,000 such fits of the data without heterogeneity (one ``fit_many`` call, which works
   through them in chunks), with the peak memory of the call.
7. Permutation test of a meta-regression (BCG on absolute latitude, REML, 1,000 random
   permutations): ``koppmeta.permutation_test`` vs metafor ``permutest``.
8. One meta-analysis of k = 10,000 studies: REML fit and Q-profile interval of tau^2,
   ``meta_analysis(...).tau2_ci`` vs metafor ``rma`` + ``confint``.

Speed-up = other package's time / koppmeta's time. Numbers depend on the machine and on
what else runs on it; the table states both. The run also checks that the packages agree.
statsmodels has no REML estimator: its iterative one (Paule-Mandel, ``method_re="iterated"``,
with ``use_t=True``) is timed instead. metafor runs with its default control settings.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import timeit
import warnings
from importlib import metadata
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
N_FITS = 100_000
SEED = 20240611

GOALS = {
    # task: {other package: minimum speed-up}
    "single": {"statsmodels": 5.0, "metafor": 50.0},
    "many": {"statsmodels": 15.0},
    "gosh": {"metafor": 50.0},
    "perm": {"metafor": 15.0},
    "null": {"statsmodels": 15.0, "metafor": 300.0},
    "moderate": {"statsmodels": 15.0, "metafor": 300.0},
    "mixed": {"statsmodels": 15.0, "metafor": 300.0},
    "permreg": {"metafor": 15.0},
    "big": {},  # goal: under 0.1 s for koppmeta (metafor is timed only with KOPPMETA_BENCH_BIG=1)
    "stream": {},
}
# goals on koppmeta's own time or memory: (text, test of (seconds, peak bytes))
ABSOLUTE_GOALS = {
    "big": ("under 0.1 s", lambda sec, mem: sec < 0.1),
    "stream": ("peak memory <= 2 GiB", lambda sec, mem: mem <= 2 * 2**30),
}
N_STREAM = 1_000_000


def simulated(kind: str, n: int, seed: int = SEED):
    """The simulated batches of task 6 (rows = analyses; NaN pads the mixed set)."""
    rng = np.random.default_rng(seed)
    if kind == "null":
        V = rng.uniform(0.01, 0.2, (n, 13))
        return rng.normal(0.2, 0.3, (n, 13)), V
    if kind == "moderate":
        V = rng.uniform(0.01, 0.2, (n, 13))
        return rng.normal(0.2, np.sqrt(V + 0.05)), V
    k = rng.integers(2, 41, n)
    V = rng.uniform(0.01, 0.2, (n, 40))
    Y = rng.normal(0.2, np.sqrt(V + np.array([0.0, 0.02, 0.1])[np.arange(n) % 3][:, None]))
    pad = np.arange(40)[None, :] >= k[:, None]
    Y[pad] = np.nan
    V[pad] = np.nan
    return Y, V


# ---------------------------------------------------------------------------
# helpers


def best_in_turns(funcs: dict, rounds: int) -> dict[str, float]:
    """Seconds per call of each of ``funcs`` (name -> ``(func, number)``), timed in turns: ``rounds`` rounds in
    which each runs ``number`` calls, the best round of each (after a warm-up)."""
    best = {}
    for name, (func, number) in funcs.items():
        for _ in range(min(number, 20)):
            func()
        best[name] = math.inf
    for _ in range(rounds):
        for name, (func, number) in funcs.items():
            best[name] = min(best[name], timeit.timeit(func, number=number) / number)
    return best


def fmt_time(s: float | None) -> str:
    if s is None:
        return "n/a"
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1:
        return f"{s * 1e3:.1f} ms"
    return f"{s:.2f} s"


def fmt_ratio(other: float | None, mine: float) -> str:
    return "n/a" if other is None else f"{other / mine:.1f}x"


def version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    cores = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return {"CPU": cpu, "Cores": f"{cores} ({usable} usable)", "Memory": mem or "unknown",
            "OS": platform.platform(), "Python": platform.python_version(),
            "numpy": np.__version__, "scipy": version("scipy"), "pandas": version("pandas"),
            "koppmeta": version("koppmeta"), "statsmodels": version("statsmodels"), "PyMARE": version("PyMARE"),
            "Load average (1/5/15 min) at start": load}


def import_time(code: str) -> float:
    """Best of 5 fresh interpreters: seconds spent in ``code`` (an import statement)."""
    prog = f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
    times = []
    for _ in range(5):
        out = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True, check=True, cwd=ROOT)
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return min(times)


def r_library_time() -> float:
    prog = "t <- proc.time(); suppressPackageStartupMessages(library(metafor)); cat((proc.time() - t)[['elapsed']])"
    times = []
    for _ in range(5):
        out = subprocess.run(["Rscript", "-e", prog], capture_output=True, text=True, check=True)
        times.append(float(out.stdout.strip()))
    return min(times)


# ---------------------------------------------------------------------------
# the benchmark


def main(argv: list[str] | None = None) -> str:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    ap.add_argument("--write", action="store_true", help="save the table to benchmarks/RESULTS.md")
    ap.add_argument("--no-r", action="store_true", help="skip metafor even when Rscript is present")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")  # statsmodels warns on use_t without nobs; PyMARE on small k

    import koppmeta
    from koppmeta.models.batch import fit_many
    from koppmeta.diagnostics.gosh import gosh

    try:
        from statsmodels.stats.meta_analysis import combine_effects
    except ImportError:
        combine_effects = None
    try:
        from pymare import estimators as pymare_estimators
    except ImportError:
        pymare_estimators = None
    have_r = shutil.which("Rscript") is not None and not args.no_r

    single_n = 300 if args.quick else 2000
    loop_n = 300 if args.quick else 2000
    info = machine()

    bcg = koppmeta.datasets.load_bcg()
    es = koppmeta.effect_sizes(bcg, "RR", events1="tpos", nonevents1="tneg", events2="cpos", nonevents2="cneg")
    y = es["yi"].to_numpy()
    v = es["vi"].to_numpy()
    labels = list(es["label"])
    ref = koppmeta.meta_analysis(y, v, method="REML", test="knha", labels=labels)
    rng = np.random.default_rng(SEED)
    V = np.tile(v, (N_FITS, 1))
    Y = rng.normal(ref.estimate, np.sqrt(V + ref.tau2))

    t: dict[str, dict[str, float | None]] = {k: {} for k in ("single", "many", "gosh", "perm", "import", "null",
                                                             "moderate", "mixed", "permreg", "big", "stream")}
    peaks: dict[str, int] = {}
    sim = {kind: simulated(kind, N_FITS) for kind in ("null", "moderate", "mixed")}
    sim_loop_n = 300 if args.quick else 1000
    checks: list[tuple[str, str]] = []

    # 1. single fit: the Python packages in turns
    turns = {"koppmeta": (lambda: koppmeta.meta_analysis(y, v, method="REML", test="knha"), single_n)}
    if combine_effects is not None:
        turns["statsmodels"] = (lambda: combine_effects(y, v, method_re="iterated", use_t=True), single_n // 4)
    if pymare_estimators is not None:
        X1 = np.ones((13, 1))

        def pymare_one():
            est = pymare_estimators.VarianceBasedLikelihoodEstimator(method="REML")
            est.fit(y=y[:, None], v=v[:, None], X=X1)
            return est.summary().get_fe_stats()

        turns["PyMARE"] = (pymare_one, max(20, single_n // 40))
    t["single"].update(best_in_turns(turns, 3 if args.quick else 10))

    # 2. many fits
    t["many"]["koppmeta"] = min(timeit.repeat(lambda: fit_many(Y, V, method="REML", test="knha"), number=1,
                                              repeat=2 if args.quick else 3))
    res = fit_many(Y, V, method="REML", test="knha")
    if combine_effects is not None:
        start = time.perf_counter()
        for i in range(loop_n):
            combine_effects(Y[i], V[i], method_re="iterated", use_t=True)
        t["many"]["statsmodels"] = (time.perf_counter() - start) / loop_n * N_FITS
    if pymare_estimators is not None:
        start = time.perf_counter()
        est = pymare_estimators.VarianceBasedLikelihoodEstimator(method="REML")
        est.fit(y=Y.T, v=V.T, X=np.ones((13, 1)))
        fe = est.summary().get_fe_stats()
        t["many"]["PyMARE"] = time.perf_counter() - start
        d_tau2 = np.abs(res["tau2"].to_numpy() - est.params_["tau2"].ravel())
        d_est = np.abs(res["estimate"].to_numpy() - fe["est"].ravel())
        apart = d_tau2 > 1e-6
        txt = f"tau2 {d_tau2[~apart].max():.1e}, estimate {d_est[~apart].max():.1e} (PyMARE's optimiser tolerance)"
        if apart.any():
            txt += (f"; in {int(apart.sum())} of {N_FITS:,} analyses tau2 differs by up to {d_tau2[apart].max():.1e}: "
                    "the restricted likelihood has a local maximum at tau2 = 0, where Fisher scoring (koppmeta, "
                    "as metafor) stops, and a higher one inside, which PyMARE's bounded search finds")
        checks.append(("fit_many vs PyMARE (100,000 REML fits)", txt))
    sub = slice(0, 200)
    worst = 0.0
    for i in range(*sub.indices(N_FITS)):
        f = koppmeta.meta_analysis(Y[i], V[i], method="REML", test="knha")
        for col in ("estimate", "se", "tau2", "ci_low", "pval"):
            a, b = res.loc[i, col], getattr(f, col)
            worst = max(worst, abs(a - b) / max(1.0, abs(b)))
    checks.append(("fit_many vs meta_analysis (first 200 of the 100,000)", f"{worst:.1e} (largest difference)"))

    # 3. GOSH
    fit13 = koppmeta.meta_analysis(y, v, method="REML", labels=labels)
    t["gosh"]["koppmeta"] = min(timeit.repeat(lambda: gosh(fit13), number=1, repeat=3))
    g = gosh(fit13)

    # 4. permutation test (1,000 random sign flips, REML), as metafor permutest
    t["perm"]["koppmeta"] = min(timeit.repeat(
        lambda: koppmeta.permutation_test(fit13, n_permutations=1000, seed=SEED, progress=False), number=1, repeat=3))
    perm_p = koppmeta.permutation_test(fit13, n_permutations=1000, seed=SEED, progress=False).pval

    # 6. fit_many on null, moderate and mixed data (z test), with peak memory
    import tracemalloc

    for kind, (Ys, Vs) in sim.items():
        t[kind]["koppmeta"] = min(timeit.repeat(lambda: fit_many(Ys, Vs, method="REML"), number=1,
                                                repeat=1 if args.quick else 2))
        tracemalloc.start()
        rs = fit_many(Ys, Vs, method="REML")
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        worst = 0.0
        for i in range(200):
            m = ~np.isnan(Ys[i])
            f = koppmeta.meta_analysis(Ys[i][m], Vs[i][m], method="REML")
            for col in ("estimate", "se", "tau2", "ci_low", "pval"):
                worst = max(worst, abs(rs.loc[i, col] - getattr(f, col)) / max(1.0, abs(getattr(f, col))))
        checks.append((f"fit_many vs meta_analysis, {kind} data (first 200 of 100,000)",
                       f"{worst:.1e} (largest difference); peak memory of fit_many {peak / 2**20:.0f} MiB; "
                       f"{int(rs['tau2_other'].notna().sum())} analyses with a second likelihood maximum; "
                       f"{int((~rs['converged']).sum())} not converged"))
        if combine_effects is not None:
            start = time.perf_counter()
            for i in range(sim_loop_n):
                m = ~np.isnan(Ys[i])
                combine_effects(Ys[i][m], Vs[i][m], method_re="iterated")
            t[kind]["statsmodels"] = (time.perf_counter() - start) / sim_loop_n * N_FITS

    # 6b. 1,000,000 fits of null data in one call (fit_many streams them through chunks), peak memory
    Y_stream, V_stream = simulated("null", N_STREAM, seed=SEED + 2)
    tracemalloc.start()
    start = time.perf_counter()
    r_stream = fit_many(Y_stream, V_stream, method="REML", progress=False)
    t["stream"]["koppmeta"] = time.perf_counter() - start
    peaks["stream"] = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    checks.append((f"fit_many, {N_STREAM:,} REML fits, k = 13, no heterogeneity (one call)",
                   f"peak memory of the call {peaks['stream'] / 2**20:.0f} MiB besides its input "
                   f"({(Y_stream.nbytes + V_stream.nbytes) / 2**20:.0f} MiB); "
                   f"{int((~r_stream['converged']).sum())} not converged"))
    del Y_stream, V_stream, r_stream

    # 7. permutation test of a meta-regression (BCG ~ ablat, 1,000 random permutations)
    import pandas as pd

    reg = koppmeta.meta_regression(y, v, pd.DataFrame({"ablat": bcg["ablat"].to_numpy(float)}))
    t["permreg"]["koppmeta"] = min(timeit.repeat(
        lambda: koppmeta.permutation_test(reg, n_permutations=1000, seed=SEED, progress=False), number=1, repeat=3))
    permreg_p = koppmeta.permutation_test(reg, n_permutations=1000, seed=SEED, progress=False).qm_pval

    # 8. one meta-analysis of k = 10,000 studies: REML fit and Q-profile interval
    rng_big = np.random.default_rng(SEED + 1)
    v_big = rng_big.uniform(0.01, 0.2, 10_000)
    y_big = rng_big.normal(0.2, np.sqrt(v_big + 0.05))

    def big():
        f = koppmeta.meta_analysis(y_big, v_big, method="REML")
        return f, f.tau2_ci

    t["big"]["koppmeta"] = min(timeit.repeat(big, number=1, repeat=5))
    big_fit, big_ci = big()

    # 5. import time
    t["import"]["koppmeta"] = import_time("import koppmeta")
    if combine_effects is not None:
        t["import"]["statsmodels"] = import_time("import statsmodels.stats.meta_analysis")
    if pymare_estimators is not None:
        t["import"]["PyMARE"] = import_time("import pymare")

    # metafor
    r_info = {}
    if have_r:
        with tempfile.TemporaryDirectory() as tmp:
            np.savetxt(Path(tmp) / "Y.csv", Y[:loop_n], delimiter=",", fmt="%.17g")
            np.savetxt(Path(tmp) / "V.csv", V[:loop_n], delimiter=",", fmt="%.17g")
            for kind, (Ys, Vs) in sim.items():
                np.savetxt(Path(tmp) / f"Y_{kind}.csv", Ys[:sim_loop_n], delimiter=",", fmt="%.17g")
                np.savetxt(Path(tmp) / f"V_{kind}.csv", Vs[:sim_loop_n], delimiter=",", fmt="%.17g")
            np.savetxt(Path(tmp) / "big.csv", np.column_stack([y_big, v_big]), delimiter=",", fmt="%.17g")
            out = subprocess.run(["Rscript", str(HERE / "metafor_bench.R"), tmp, str(single_n)],
                                 capture_output=True, text=True, check=True)
            r_info = dict(line.split("=", 1) for line in out.stdout.strip().splitlines() if "=" in line)
            t["single"]["metafor"] = float(r_info["single_s"])
            t["many"]["metafor"] = float(r_info["loop_s"]) * N_FITS
            t["gosh"]["metafor"] = float(r_info["gosh_s"])
            t["perm"]["metafor"] = float(r_info["perm_s"])
            for kind in sim:
                t[kind]["metafor"] = float(r_info[f"loop_{kind}_s"]) * N_FITS
            t["permreg"]["metafor"] = float(r_info["permreg_s"])
            if "big_s" in r_info:
                t["big"]["metafor"] = float(r_info["big_s"])
            checks.append(("meta-regression permutation p-value (QM), 1,000 random permutations (different random streams)",
                           f"koppmeta {permreg_p:.4f}, metafor {float(r_info['permreg_p']):.4f}"))
            if "big_s" in r_info:
                checks.append(("k = 10,000: tau2 and its Q-profile interval, koppmeta vs metafor (default convergence)",
                               f"tau2 {abs(big_fit.tau2 - float(r_info['big_tau2'])):.1e}, "
                               f"ci low {abs(big_ci[0] - float(r_info['big_ci_lb'])):.1e}, "
                               f"ci high {abs(big_ci[1] - float(r_info['big_ci_ub'])):.1e}"))
            checks.append(("permutation p-value, 1,000 random sign flips (different random streams)",
                           f"koppmeta {perm_p:.4f}, metafor {float(r_info['perm_p']):.4f}"))
            loop = np.genfromtxt(Path(tmp) / "loop.csv", delimiter=",", names=True)
            ok = np.isfinite(loop["estimate"])
            checks.append((f"fit_many vs metafor rma loop ({loop_n:,} fits; metafor default convergence)",
                           f"estimate {np.max(np.abs(res['estimate'].to_numpy()[:loop_n][ok] - loop['estimate'][ok])):.1e}, "
                           f"tau2 {np.max(np.abs(res['tau2'].to_numpy()[:loop_n][ok] - loop['tau2'][ok])):.1e}"
                           + (f"; metafor failed on {int((~ok).sum())} fits" if (~ok).any() else "")))
            for fname, how in (("gosh.csv", "metafor default convergence"),
                               ("gosh_tight.csv", "metafor with threshold = tol = 1e-12")):
                rg = np.genfromtxt(Path(tmp) / fname, delimiter=",", names=True)
                incl = np.column_stack([rg[n] for n in rg.dtype.names[5:]]).astype(bool)
                same_rows = bool(np.array_equal(incl, g[labels].to_numpy()))
                failed = ~(np.isfinite(rg["estimate"]) & np.isfinite(rg["tau2"]) & np.isfinite(rg["I2"])
                           & np.isfinite(rg["QE"]))
                diffs = {c: np.max(np.abs(g[c].to_numpy()[~failed] - rg[rc][~failed])) for c, rc in
                         (("estimate", "estimate"), ("tau2", "tau2"), ("i2", "I2"), ("q", "QE"))}
                checks.append((f"gosh vs metafor gosh (8,191 subsets; {how})",
                               ("same subsets in the same order; " if same_rows else "SUBSETS DIFFER; ")
                               + ", ".join(f"{c} {d:.1e}" for c, d in diffs.items())
                               + (f"; metafor's fit failed (NA) for {int(failed.sum())} subsets, koppmeta gives "
                                  "numbers for all" if failed.any() else "")))
        t["import"]["metafor"] = r_library_time()
        info["R"] = r_info.get("r_version", "?")
        info["metafor"] = r_info.get("metafor_version", "?")
    else:
        info["R"] = "Rscript not found: metafor not timed" if not args.no_r else "skipped (--no-r)"

    # -----------------------------------------------------------------------
    others = ["statsmodels", "PyMARE", "metafor"]
    names = {
        "single": "One REML + Knapp-Hartung fit, k = 13 (per fit)",
        "many": "100,000 REML + Knapp-Hartung fits, k = 13 (total)",
        "gosh": "GOSH: all 8,191 subsets of k = 13, REML (total)",
        "perm": "Permutation test, 1,000 sign flips, k = 13, REML (total)",
        "import": "Import time, fresh process",
        "null": "fit_many: 100,000 REML fits, k = 13, no heterogeneity (total)",
        "moderate": "fit_many: 100,000 REML fits, k = 13, tau^2 = 0.05 (total)",
        "mixed": "fit_many: 100,000 REML fits, k = 2 to 40 padded with NaN (total)",
        "permreg": "Meta-regression permutation test, 1,000 permutations, BCG ~ ablat (total)",
        "big": "One REML fit + Q-profile interval, k = 10,000 (total)",
        "stream": "fit_many: 1,000,000 REML fits, k = 13, no heterogeneity, one call in chunks (total)",
    }
    lines = ["| Task | koppmeta | statsmodels | PyMARE | metafor | speed-up vs statsmodels | vs PyMARE | vs metafor | goal | met |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    verdicts = []
    for task in ("single", "many", "gosh", "perm", "null", "moderate", "mixed", "stream", "permreg", "big", "import"):
        row = t[task]
        mine = row["koppmeta"]
        cells = [names[task], fmt_time(mine)] + [fmt_time(row.get(o)) for o in others]
        cells += [fmt_ratio(row.get(o), mine) for o in others]
        goal = GOALS.get(task, {})
        goal_txt = ", ".join(f">= {x:g}x vs {o}" for o, x in goal.items()) or "-"
        met = []
        if task in ABSOLUTE_GOALS:
            text, test = ABSOLUTE_GOALS[task]
            ok = bool(test(mine, peaks.get(task, 0)))
            goal_txt = text
            met.append(("yes" if ok else "NO") + (f" ({peaks[task] / 2**20:.0f} MiB)" if task in peaks else ""))
            verdicts.append(ok)
        for o, x in goal.items():
            if row.get(o) is None:
                met.append(f"{o}: not measured")
            else:
                ok = row[o] / mine >= x
                met.append(("yes" if ok else "NO") + (f" ({o})" if len(goal) > 1 else ""))
                verdicts.append(ok)
        cells += [goal_txt, ", ".join(met) or "-"]
        lines.append("| " + " | ".join(cells) + " |")
    table = "\n".join(lines)

    notes = [
        "statsmodels has no REML estimator; its iterative estimator (Paule-Mandel, `method_re=\"iterated\"`, "
        "`use_t=True`) is timed. PyMARE: `VarianceBasedLikelihoodEstimator(method=\"REML\")` (Knapp-Hartung by default) "
        "with `summary().get_fe_stats()`; for 100,000 fits it fits all datasets in one call. "
        f"Loops of `combine_effects` and of `rma` ran over the first {loop_n:,} analyses and were scaled to 100,000. "
        "metafor was timed inside R (`system.time`) with its default control settings.",
        f"fit_many rows (no heterogeneity, tau^2 = 0.05, mixed k): z test; loops of `combine_effects` "
        f"(`method_re=\"iterated\"`) and of `rma(method = \"REML\")` over the first {sim_loop_n:,} analyses, scaled to "
        "100,000. The k = 10,000 row has the goal 'under 0.1 s' for koppmeta; metafor is timed there only with "
        "KOPPMETA_BENCH_BIG=1 (its rma and confint form 10,000 x 10,000 matrices; one run took over ten minutes).",
        "All ratios come from this one run, with every package timed on the same machine at the same time; "
        "the machine is shared with other jobs, so absolute times vary from run to run (see the load average "
        "below) while the ratios compare like with like.",
    ]
    machine_md = "\n".join(f"| {k} | {v} |" for k, v in info.items())
    check_md = "\n".join(f"| {a} | {b} |" for a, b in checks)
    cmd = "python benchmarks/run.py" + (" --quick" if args.quick else "") + (" --no-r" if args.no_r else "")
    text = (
        "# Benchmarks: koppmeta vs statsmodels, PyMARE and metafor\n\n"
        f"Command: `{cmd}` (from the repository root). Speed-up = other package's time / koppmeta's time.\n\n"
        f"{table}\n\n" + "\n".join(f"- {n}" for n in notes) + "\n\n"
        "## Agreement (largest absolute difference)\n\n| Comparison | Difference |\n|---|---|\n"
        f"{check_md}\n\n"
        "## Machine\n\n| | |\n|---|---|\n"
        f"{machine_md}\n"
    )
    print(text)
    if args.write:
        (HERE / "RESULTS.md").write_text(text, encoding="utf-8")
    return text


if __name__ == "__main__":
    main()
