"""Many intercept-only meta-analyses at once: :func:`fit_many`.

Simulation studies, bootstrap and GOSH plots need thousands to millions of small
meta-analyses. :func:`fit_many` fits them together: each analysis is one row of
two 2-D arrays (effect sizes and sampling variances, NaN-padded when the
analyses have different numbers of studies), and every step works on whole
arrays at once. The numbers are those of :func:`koppmeta.meta_analysis` (the
test suite checks every estimator and both tests to 1e-9), which in turn match
R metafor's ``rma()``.

How each tau^2 estimator is computed for a batch (``w = 1/(v + tau^2)``, sums
over the studies of one row; formulas of Viechtbauer 2005, J Educ Behav Stat
30:261-293, for the intercept-only model):

- DL, HE, HS, SJ: closed forms, evaluated for all rows together.
- ML, REML: Fisher scoring from the HE estimate with step halving (Viechtbauer
  2005, eq. 15-16), one vectorised step per iteration for all rows that have not
  yet converged (``|change| < 1e-13``); then the check that the (restricted)
  likelihood is not higher at tau^2 = 0 (as metafor's ``ll0check``).
- PM, EB: root of ``Q_gen(tau^2) = k - 1``. ``Q_gen`` is decreasing and convex
  in tau^2 (it is the minimum over the mean of a sum of quadratic-over-linear
  terms, each jointly convex), so Newton's method started at 0 approaches the
  root from the left without overshooting; a bracket [lo, hi] with bisection
  guards against rounding. Stops when the step is below 1e-14 (+ 4 eps |tau^2|).

Rows that an iterative method does not settle are refitted one by one with
:func:`koppmeta.heterogeneity.estimate_tau2` (its own fallbacks and warnings
apply), so no row ends as NaN. Work is done in chunks of rows so that memory
stays bounded (100,000 analyses of k = 13 need well under 100 MiB).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from . import heterogeneity as het
from ._validation import check_choice, check_level

__all__ = ["fit_many", "FIT_MANY_COLUMNS"]

TESTS = ("z", "knha")

#: Columns of the table returned by :func:`fit_many` (without ``tau2_ci=True``).
FIT_MANY_COLUMNS = ("k", "estimate", "se", "stat", "pval", "df", "ci_low", "ci_high", "pi_low", "pi_high",
                    "tau2", "i2", "h2", "q", "q_pval", "converged")
_CI_COLUMNS = ("tau2_ci_low", "tau2_ci_high", "i2_ci_low", "i2_ci_high", "h2_ci_low", "h2_ci_high")

#: Number of array elements (rows x k_max) handled per chunk; 2**18 float64 = 2 MiB per working array.
CHUNK_ELEMENTS = 1 << 18
MAXITER_ROOT = 200
_EPS = np.finfo(float).eps
_LOG_2PI = math.log(2 * math.pi)


# ---------------------------------------------------------------------------
# input checks


def _as_matrix(func: str, arg: str, values: Any) -> np.ndarray:
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{func}: argument {arg!r} must be a 2-D array of numbers (one analysis per row), not a string.")
    if isinstance(values, pd.DataFrame):
        values = values.to_numpy()
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"{func}: argument {arg!r} must be a 2-D array of numbers (one analysis per row, NaN for padding); "
            "it holds values that are not numbers, or rows of different lengths (pad them with NaN)."
        ) from None
    if arr.ndim != 2:
        hint = f" For a single analysis pass {arg}[None, :], or use koppmeta.meta_analysis." if arr.ndim == 1 else ""
        raise ValueError(f"{func}: argument {arg!r} must be 2-D (analyses x studies); got shape {arr.shape}.{hint}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{func}: argument {arg!r} is empty (shape {arr.shape}); give at least one analysis with one study.")
    return arr


def _where(i: int, j: int | None = None) -> str:
    col = f", column {j}" if j is not None else ""
    return f"analysis in row {i} (0-based, as the result's index){col}"


def _validate(func: str, Y: Any, V: Any, test: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(Y, V, mask)`` as float arrays and the boolean mask of present studies."""
    y = _as_matrix(func, "Y", Y)
    v = _as_matrix(func, "V", V)
    if y.shape != v.shape:
        raise ValueError(f"{func}: 'Y' has shape {y.shape} but 'V' has shape {v.shape}; they must match "
                         "(one effect size and one sampling variance per study).")
    ny, nv = np.isnan(y), np.isnan(v)
    bad = np.argwhere(ny != nv)
    if bad.size:
        i, j = map(int, bad[0])
        which = "'Y' is NaN but 'V' is" if ny[i, j] else "'V' is NaN but 'Y' is"
        other = v[i, j] if ny[i, j] else y[i, j]
        more = f" ({len(bad) - 1} more cells break the same rule)" if len(bad) > 1 else ""
        raise ValueError(f"{func}: {_where(i, j)}: {which} {other:g}. NaN marks a missing study and must be in the "
                         f"same places in 'Y' and 'V'.{more}")
    for arg, a in (("Y", y), ("V", v)):
        bad = np.argwhere(np.isinf(a))
        if bad.size:
            i, j = map(int, bad[0])
            raise ValueError(f"{func}: argument {arg!r}, {_where(i, j)}: value {a[i, j]} is infinite; values must be finite.")
    mask = ~ny
    bad = np.argwhere(mask & ~(v > 0))
    if bad.size:
        i, j = map(int, bad[0])
        more = f" ({len(bad) - 1} more cells break the same rule)" if len(bad) > 1 else ""
        raise ValueError(f"{func}: argument 'V', {_where(i, j)}: value {v[i, j]:g} is not allowed; "
                         f"sampling variances must be greater than 0.{more}")
    k = mask.sum(axis=1)
    empty = np.flatnonzero(k == 0)
    if empty.size:
        raise ValueError(f"{func}: {_where(int(empty[0]))} has no studies (all values are NaN); "
                         "remove it or give at least one study.")
    if test == "knha":
        one = np.flatnonzero(k < 2)
        if one.size:
            more = f" ({one.size - 1} more analyses have k = 1)" if one.size > 1 else ""
            raise ValueError(f"{func}: {_where(int(one[0]))} has a single study, but test='knha' needs at least 2 "
                             f"studies (its t distribution has k - 1 df). Use test='z'.{more}")
    return y, v, mask


# ---------------------------------------------------------------------------
# vectorised building blocks (rows = analyses; padded cells have y = 0, v = inf so that w = 0)


def _rowsum(a: np.ndarray) -> np.ndarray:
    return a.sum(axis=1)


def _wls(y: np.ndarray, v: np.ndarray, tau2: np.ndarray):
    """Row-wise weighted mean: returns ``(b, r, w, sw)`` with ``w = 1/(v + tau2)``, ``sw = sum w``."""
    w = 1.0 / (v + tau2[:, None])
    sw = _rowsum(w)
    b = _rowsum(w * y) / sw
    r = y - b[:, None]
    return b, r, w, sw


def _qgen(y, v, tau2):
    """Generalized Q statistic ``sum w (y - b)^2`` and its derivative ``-sum w^2 (y - b)^2`` per row."""
    _, r, w, _ = _wls(y, v, tau2)
    wr2 = w * r * r
    return _rowsum(wr2), -_rowsum(wr2 * w)


def _loglik(y, v, mask, k, tau2, reml: bool) -> np.ndarray:
    """(Restricted) log-likelihood per row, as heterogeneity._loglik for an intercept-only model."""
    _, r, w, sw = _wls(y, v, tau2)
    rss = _rowsum(w * r * r)
    logv = _rowsum(np.log(np.where(mask, v + tau2[:, None], 1.0)))
    if reml:
        return -0.5 * (k - 1) * _LOG_2PI - 0.5 * logv - 0.5 * np.log(sw) - 0.5 * rss
    return -0.5 * k * _LOG_2PI - 0.5 * logv - 0.5 * rss


def _he(y0, v0, mask, k) -> np.ndarray:
    """Hedges' estimator ``(sum (y - ybar)^2 - (sum v - sum v / k)) / (k - 1)`` (unclipped; rows with k > 1)."""
    ybar = _rowsum(y0) / k
    r = np.where(mask, y0 - ybar[:, None], 0.0)
    sv = _rowsum(v0)
    return (_rowsum(r * r) - (sv - sv / k)) / (k - 1)


# ---------------------------------------------------------------------------
# iterative estimators


def _fisher_scoring(y, v, tau2, method):
    """Vectorised Fisher scoring for ML/REML with step halving, as heterogeneity._fisher_scoring.

    Returns ``(tau2, converged)``; rows still moving after MAXITER_SCORING iterations are not converged.
    """
    n = y.shape[0]
    out = np.array(tau2, dtype=float)
    conv = np.zeros(n, dtype=bool)
    idx = np.arange(n)
    ya, va, ta = y, v, out.copy()
    reml = method == "REML"
    for _ in range(het.MAXITER_SCORING):
        _, r, w, sw = _wls(ya, va, ta)
        wr = w * r
        w2 = w * w
        s2 = _rowsum(w2)
        num = _rowsum(wr * wr)
        if reml:
            s3 = _rowsum(w2 * w)
            adj = (num - (sw - s2 / sw)) / (s2 - 2 * s3 / sw + (s2 / sw) ** 2)
        else:
            adj = (num - sw) / s2
        neg = ta + adj < 0
        if neg.any():
            # halve the step until tau2 stays >= 0; from tau2 = 0 the halving ends at a step of -0.0
            adj[neg & (ta == 0)] = 0.0
            neg = ta + adj < 0
            while neg.any():
                adj[neg] /= 2
                neg = ta + adj < 0
        new = ta + adj
        done = np.abs(new - ta) < het.THRESHOLD
        ta = new
        if done.any():
            out[idx[done]] = ta[done]
            conv[idx[done]] = True
            keep = ~done
            if not keep.any():
                return out, conv
            idx, ya, va, ta = idx[keep], ya[keep], va[keep], ta[keep]
    out[idx] = ta
    return out, conv


def _solve_q(y, v, target):
    """Root of ``Q_gen(tau2) = target`` per row (``Q_gen(0) >= target`` assumed), Newton with a bisection guard.

    Returns ``(tau2, converged)``.
    """
    n = y.shape[0]
    out = np.zeros(n)
    conv = np.zeros(n, dtype=bool)
    zeros = np.zeros(n)
    f0, d0 = _qgen(y, v, zeros)
    f0 = f0 - target
    # upper bracket as heterogeneity._solve_q: 100, then x10 until Q_gen(hi) <= target
    hi = np.full(n, 100.0)
    fhi = _qgen(y, v, hi)[0] - target
    for _ in range(30):
        up = fhi > 0
        if not up.any():
            break
        hi[up] *= 10
        fhi[up] = _qgen(y[up], v[up], hi[up])[0] - target[up]
    ok = fhi <= 0
    exact = f0 == 0
    conv[exact] = True
    act = np.flatnonzero(ok & ~exact)
    ya, va, tg = y[act], v[act], target[act]
    x, fx, dx_ = zeros[act], f0[act], d0[act]
    lo, hi = np.zeros(act.size), hi[act]
    for _ in range(MAXITER_ROOT):
        if act.size == 0:
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            new = x - fx / dx_
        bad = ~((new > lo) & (new < hi))
        new[bad] = 0.5 * (lo[bad] + hi[bad])
        fn, dn = _qgen(ya, va, new)
        fn = fn - tg
        pos = fn > 0
        lo = np.where(pos, new, lo)
        hi = np.where(pos, hi, new)
        tol = het.ROOT_TOL + 4 * _EPS * np.abs(new)
        done = (np.abs(new - x) <= tol) | (fn == 0) | (hi - lo <= 2 * tol)
        x, fx, dx_ = new, fn, dn
        if done.any():
            out[act[done]] = x[done]
            conv[act[done]] = True
            keep = ~done
            act, ya, va, tg = act[keep], ya[keep], va[keep], tg[keep]
            x, fx, dx_, lo, hi = x[keep], fx[keep], dx_[keep], lo[keep], hi[keep]
    return out, conv


def _estimate_tau2(y0, v0, vinf, mask, k, method, Yraw, Vraw, row0, notes):
    """tau^2 per row for ``method``; returns ``(tau2, converged)``."""
    n = y0.shape[0]
    tau2 = np.zeros(n)
    conv = np.ones(n, dtype=bool)
    multi = k > 1
    if method == "FE" or not multi.any():
        return tau2, conv
    rows = np.flatnonzero(multi)
    y, v, m, kk = y0[rows], vinf[rows], mask[rows], k[rows].astype(float)
    if method in ("DL", "HS"):
        b, r, w, sw = _wls(y, v, np.zeros(rows.size))
        q = _rowsum(w * r * r)
        if method == "DL":
            t = (q - (kk - 1)) / (sw - _rowsum(w * w) / sw)
        else:
            t = (q - kk) / sw
        tau2[rows] = np.maximum(0.0, t)
    elif method == "HE":
        tau2[rows] = np.maximum(0.0, _he(y, v0[rows], m, kk))
    elif method == "SJ":
        ybar = _rowsum(y) / kk
        t0 = _rowsum(np.where(m, (y - ybar[:, None]) ** 2, 0.0)) / kk
        pos = t0 != 0.0
        t = np.zeros(rows.size)
        if pos.any():
            q = _qgen(y[pos], v[pos], t0[pos])[0]
            t[pos] = np.maximum(0.0, t0[pos] * q / (kk[pos] - 1))
        tau2[rows] = t
    elif method in ("PM", "EB"):
        target = kk - 1
        q0 = _qgen(y, v, np.zeros(rows.size))[0]
        need = q0 >= target
        t = np.zeros(rows.size)
        c = np.ones(rows.size, dtype=bool)
        if need.any():
            t[need], c[need] = _solve_q(y[need], v[need], target[need])
        tau2[rows], conv[rows] = t, c
    elif method in ("ML", "REML"):
        start = np.maximum(0.0, _he(y, v0[rows], m, kk))
        t, c = _fisher_scoring(y, v, start, method)
        reml = method == "REML"
        chk = c & (t > het.THRESHOLD)
        if chk.any():
            ci = np.flatnonzero(chk)
            ll0 = _loglik(y[ci], v[ci], m[ci], kk[ci], np.zeros(ci.size), reml)
            llt = _loglik(y[ci], v[ci], m[ci], kk[ci], t[ci], reml)
            zero = ci[ll0 - llt > 1e-10]
            if zero.size:
                t[zero] = 0.0
                notes["ll0"].extend(int(row0 + rows[j]) for j in zero)
        tau2[rows], conv[rows] = np.maximum(0.0, t), c
    else:  # pragma: no cover - checked by the caller
        raise ValueError(method)
    # rows an iterative method did not settle: the scalar path of heterogeneity.estimate_tau2
    for i in np.flatnonzero(~conv):
        m = mask[i]
        yi, vi = Yraw[i][m], Vraw[i][m]
        X = np.ones((yi.size, 1))
        if method in ("ML", "REML"):
            # estimate_tau2 would repeat the same failing Fisher scoring, then maximise the
            # likelihood directly; go straight to that last step (same numbers)
            tau2[i], conv[i] = het._maximize_likelihood(yi, vi, X, method), True
        else:
            try:
                fit = het.estimate_tau2(yi, vi, X, method)
            except het.ConvergenceError as err:
                raise het.ConvergenceError(f"fit_many: {_where(int(row0 + i))}: {err}") from None
            tau2[i], conv[i] = fit.tau2, fit.converged
        notes["fallback"].append(int(row0 + i))
    return tau2, conv


def _q_profile(y, v, k, q0, level, Yraw, Vraw):
    """Q-profile interval for tau^2 per row with k > 1 (as heterogeneity.q_profile_ci).

    The bounds solve ``Q_gen(tau^2) = chi2_{k-1; 1-alpha/2}`` (lower) and ``chi2_{k-1; alpha/2}``
    (upper); a bound whose equation has no positive root is 0. ``q0`` is ``Q_gen(0)``.
    """
    n = y.shape[0]
    df = k - 1.0
    alpha = 1 - level / 100
    crit_u = stats.chi2.isf(alpha / 2, df)
    crit_l = stats.chi2.ppf(alpha / 2, df)
    lo = np.zeros(n)
    hi = np.zeros(n)
    failed = np.zeros(n, dtype=bool)
    need_hi = q0 >= crit_l
    for target, dest, need in ((crit_l, hi, need_hi), (crit_u, lo, need_hi & (q0 >= crit_u))):
        if need.any():
            sol, c = _solve_q(y[need], v[need], target[need])
            dest[need] = sol
            failed[np.flatnonzero(need)[~c]] = True
    for i in np.flatnonzero(failed):  # the scalar path for rows the vectorised solver did not settle
        m = ~np.isnan(Yraw[i])
        lo[i], hi[i] = het.q_profile_ci(Yraw[i][m], Vraw[i][m], np.ones((int(m.sum()), 1)), level)
    return lo, hi


# ---------------------------------------------------------------------------
# one chunk


def _fit_chunk(Yc, Vc, Mc, method, test, level, tau2_ci, row0, notes) -> dict[str, np.ndarray]:
    k = Mc.sum(axis=1)
    kf = k.astype(float)
    y0 = np.where(Mc, Yc, 0.0)
    v0 = np.where(Mc, Vc, 0.0)
    vinf = np.where(Mc, Vc, np.inf)
    tau2, conv = _estimate_tau2(y0, v0, vinf, Mc, k, method, Yc, Vc, row0, notes)

    b, r, w, sw = _wls(y0, vinf, tau2)
    est = b
    var = 1.0 / sw
    alpha = 1 - level / 100
    # Knapp-Hartung for k > 1 (a single study is fitted with the z test, as metafor does)
    kh = np.full(k.shape, test == "knha") & (k > 1)
    df = np.where(kh, kf - 1, np.nan)
    crit = np.full(k.shape, stats.norm.isf(alpha / 2))
    if kh.any():
        rss = _rowsum(w[kh] * r[kh] * r[kh])
        s2w = np.where(rss <= _EPS, 0.0, rss / (kf[kh] - 1))
        var[kh] = var[kh] * s2w
        crit[kh] = stats.t.isf(alpha / 2, df[kh])
    se = np.sqrt(var)
    pos = se > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where(pos, est / se, np.where(est != 0, np.copysign(np.inf, est), np.nan))
    pval = np.where(est != 0, 0.0, 1.0)
    zt = pos & ~kh
    pval[zt] = 2 * stats.norm.sf(np.abs(stat[zt]))
    tt = pos & kh
    if tt.any():
        pval[tt] = 2 * stats.t.sf(np.abs(stat[tt]), df[tt])

    # heterogeneity with fixed-effect weights
    multi = k > 1
    q = np.zeros(k.shape)
    q_pval = np.ones(k.shape)
    i2 = np.zeros(k.shape)
    h2 = np.ones(k.shape)
    vt = np.full(k.shape, np.nan)
    if multi.any():
        ym, vm, km = y0[multi], vinf[multi], kf[multi]
        _, r0, w0, sw0 = _wls(ym, vm, np.zeros(ym.shape[0]))
        qm = np.maximum(0.0, _rowsum(w0 * r0 * r0))
        q[multi] = qm
        q_pval[multi] = stats.chi2.sf(qm, km - 1)
        vtm = (km - 1) / (sw0 - _rowsum(w0 * w0) / sw0)
        vt[multi] = vtm
        if method == "FE":
            with np.errstate(divide="ignore", invalid="ignore"):
                i2[multi] = np.where(qm > 0, np.maximum(0.0, 100 * (qm - (km - 1)) / qm), 0.0)
            h2[multi] = qm / (km - 1)
        else:
            tm = tau2[multi]
            i2[multi] = 100 * tm / (vtm + tm)
            h2[multi] = tm / vtm + 1
    pi_se = np.sqrt(var + tau2)
    res = {
        "k": k, "estimate": est, "se": se, "stat": stat, "pval": pval, "df": df,
        "ci_low": est - crit * se, "ci_high": est + crit * se,
        "pi_low": est - crit * pi_se, "pi_high": est + crit * pi_se,
        "tau2": tau2, "i2": i2, "h2": h2, "q": q, "q_pval": q_pval, "converged": conv,
    }
    if tau2_ci:
        lo = np.full(k.shape, np.nan)
        hi = np.full(k.shape, np.nan)
        if multi.any():
            # Q_gen(0) is Cochran's Q before truncation at 0
            _, r0, w0, _ = _wls(y0[multi], vinf[multi], np.zeros(int(multi.sum())))
            lo[multi], hi[multi] = _q_profile(y0[multi], vinf[multi], kf[multi], _rowsum(w0 * r0 * r0), level,
                                              Yc[multi], Vc[multi])
        res.update({"tau2_ci_low": lo, "tau2_ci_high": hi,
                    "i2_ci_low": 100 * lo / (vt + lo), "i2_ci_high": 100 * hi / (vt + hi),
                    "h2_ci_low": lo / vt + 1, "h2_ci_high": hi / vt + 1})
    return res


def _fit_arrays(Y, V, mask, *, method, test, level, tau2_ci=False, progress=None, index=None) -> pd.DataFrame:
    """Fit validated arrays in chunks and assemble the result table (no input checks)."""
    n, kmax = Y.shape
    rows_per_chunk = max(1, CHUNK_ELEMENTS // kmax)
    notes: dict[str, list[int]] = {"ll0": [], "fallback": []}
    parts: list[dict[str, np.ndarray]] = []
    starts = range(0, n, rows_per_chunk)
    bar = None
    if progress or (progress is None and n >= 1_000_000):
        from tqdm.auto import tqdm

        bar = tqdm(total=n, unit="fits", desc="fit_many", disable=None if progress is None else not progress)
    for s in starts:
        e = min(n, s + rows_per_chunk)
        parts.append(_fit_chunk(Y[s:e], V[s:e], mask[s:e], method, test, level, tau2_ci, s, notes))
        if bar is not None:
            bar.update(e - s)
    if bar is not None:
        bar.close()
    cols = list(FIT_MANY_COLUMNS) + (list(_CI_COLUMNS) if tau2_ci else [])
    data = {c: (parts[0][c] if len(parts) == 1 else np.concatenate([p[c] for p in parts])) for c in cols}
    data["k"] = data["k"].astype(np.int64)
    out = pd.DataFrame(data, columns=cols, index=index)
    if notes["fallback"]:
        rows = notes["fallback"]
        how = ("Fisher scoring did not converge in %d iterations; tau^2 was found by direct maximisation of the "
               "likelihood instead (as meta_analysis does). Check the data, or compare with method='PM' or 'DL'."
               % het.MAXITER_SCORING) if method in ("ML", "REML") else \
            "the vectorised root finder did not settle; tau^2 was found by the scalar root finder instead."
        warnings.warn(f"fit_many: {method}: in {len(rows)} analyses (rows {_row_list(rows)}) {how}",
                      het.ConvergenceWarning, stacklevel=3)
    if notes["ll0"]:
        rows = notes["ll0"]
        warnings.warn(
            f"fit_many: {method}: in {len(rows)} analyses (rows {_row_list(rows)}) the likelihood is higher at "
            "tau^2 = 0 than at the Fisher-scoring solution; tau^2 set to 0 there (as meta_analysis does).",
            het.ConvergenceWarning, stacklevel=3)
    return out


def _row_list(rows: list[int], limit: int = 10) -> str:
    shown = ", ".join(map(str, rows[:limit]))
    return shown + (f", ... ({len(rows) - limit} more)" if len(rows) > limit else "")


# ---------------------------------------------------------------------------
# public


def fit_many(
    Y: Any,
    V: Any,
    *,
    method: str = "REML",
    test: str = "z",
    level: float = 95,
    tau2_ci: bool = False,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Fit many intercept-only meta-analyses at once, with the numbers of :func:`koppmeta.meta_analysis`.

    Each row of ``Y`` (effect sizes) and ``V`` (sampling variances) is one
    meta-analysis; analyses with fewer studies are padded with NaN (anywhere in the
    row, in the same cells of ``Y`` and ``V``). The model per row is
    ``y_i = mu + u_i + e_i``, ``u_i ~ N(0, tau^2)``, ``e_i ~ N(0, v_i)``; ``mu`` is the
    weighted mean with weights ``w_i = 1/(v_i + tau^2)`` and variance ``1/sum(w_i)``
    (Knapp-Hartung: times ``sum w_i (y_i - mu)^2 / (k - 1)``, t with k - 1 df; Knapp &
    Hartung 2003, Stat Med 22:2693-2710).

    Parameters
    ----------
    Y, V : array-like, shape (n_analyses, k_max)
        Effect sizes and sampling variances; NaN marks a missing study. A DataFrame's
        index is kept for the result.
    method : {"FE", "DL", "REML", "ML", "PM", "HE", "SJ", "HS", "EB"}
        tau^2 estimator (see :func:`koppmeta.heterogeneity.estimate_tau2` and the
        module notes for how each is computed for a batch).
    test : {"z", "knha"}
        z test, or Knapp-Hartung with a t distribution (needs k >= 2 in every row).
    level : float
        Confidence level in percent.
    tau2_ci : bool
        Also compute Q-profile intervals for tau^2, I^2 and H^2 (Viechtbauer 2007,
        Stat Med 26:37-52): adds columns ``tau2_ci_low, tau2_ci_high, i2_ci_low,
        i2_ci_high, h2_ci_low, h2_ci_high``, NaN for rows with a single study (no
        interval exists). Not available for ``method="FE"``.
    progress : bool, optional
        Show a progress bar; by default only from 1,000,000 analyses on, in a terminal.

    Returns
    -------
    pandas.DataFrame
        One row per analysis with columns ``k, estimate, se, stat, pval, df, ci_low,
        ci_high, pi_low, pi_high, tau2, i2, h2, q, q_pval, converged``: the attributes of
        the same name of :class:`koppmeta.MetaAnalysis`. ``df`` is ``k - 1`` for
        ``test="knha"`` and NaN for the z test (which has no degrees of freedom).
        ``converged`` is False only where even the scalar fallback reports failure.

    Raises
    ------
    ValueError, TypeError
        Unknown method or test (listing the valid ones); ``Y`` and ``V`` of other shapes,
        not 2-D, or holding text; NaN in different places in ``Y`` and ``V``; infinite
        values; variances that are not positive; rows without studies; rows with one
        study under ``test="knha"``. Messages name the row (0-based) and column.

    Warns
    -----
    koppmeta.ConvergenceWarning
        For ML/REML rows where the likelihood is higher at tau^2 = 0 than at the
        Fisher-scoring solution (tau^2 is set to 0 there, as in ``meta_analysis``).

    Notes
    -----
    Every estimator is vectorised over the rows: DL, HE, HS and SJ are closed forms;
    ML and REML use Fisher scoring with step halving from the HE estimate until tau^2
    changes by less than 1e-13 (Viechtbauer 2005, J Educ Behav Stat 30:261-293,
    eq. 15-16); PM and EB solve ``Q_gen(tau^2) = k - 1`` (Paule & Mandel 1982;
    DerSimonian & Kacker 2007, Contemp Clin Trials 28:105-114) by Newton's method with a
    bisection guard to 1e-14. A row that does not settle is refitted with the scalar
    :func:`koppmeta.heterogeneity.estimate_tau2`. Rows are processed in chunks of
    ``CHUNK_ELEMENTS`` cells, so memory stays small for millions of analyses.

    Examples
    --------
    >>> import numpy as np, koppmeta
    >>> rng = np.random.default_rng(1)
    >>> V = rng.uniform(0.01, 0.1, size=(1000, 10))
    >>> Y = rng.normal(0.3, np.sqrt(V + 0.02))
    >>> res = koppmeta.fit_many(Y, V, method="REML")
    >>> res.shape
    (1000, 16)
    """
    func = "fit_many"
    check_choice(func, "method", method, het.METHODS)
    check_choice(func, "test", test, TESTS)
    level = check_level(func, level)
    if not isinstance(tau2_ci, (bool, np.bool_)):
        raise TypeError(f"{func}: argument 'tau2_ci' must be True or False; got {tau2_ci!r}.")
    if tau2_ci and method == "FE":
        raise ValueError(f"{func}: tau2_ci=True needs a random-effects method; method='FE' fixes tau^2 at 0.")
    if progress is not None and not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"{func}: argument 'progress' must be True, False or None; got {progress!r}.")
    index = Y.index if isinstance(Y, pd.DataFrame) else None
    y, v, mask = _validate(func, Y, V, test)
    if method == "FE" and test == "knha":
        warnings.warn("fit_many: the Knapp-Hartung method is meant for random-effects models, not method='FE'.",
                      UserWarning, stacklevel=2)
    return _fit_arrays(y, v, mask, method=method, test=test, level=level, tau2_ci=bool(tau2_ci),
                       progress=progress, index=index)
