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

Rows that an iterative method does not settle are refitted one by one on the
scalar path of :func:`koppmeta.heterogeneity.estimate_tau2` (for ML/REML its
root-based fallback over the likelihood's score, for PM/EB its Brent root finder), so no
row ends as NaN; one warning lists the rows concerned. Work is done in chunks of
rows so that memory stays bounded (100,000 analyses of k = 13 need about 40 MiB
besides the input and the result).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

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
_PROGRESS_FROM = 1_000_000  # default: progress bar from this many analyses on
_EPS = np.finfo(float).eps
_LOG_2PI = math.log(2 * math.pi)


# ---------------------------------------------------------------------------
# input checks


def _as_matrix(func: str, arg: str, values: Any) -> np.ndarray:
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{func}: argument {arg!r} must be a 2-D array of numbers (one analysis per row), not a string.")
    if isinstance(values, pd.DataFrame):
        values = values.to_numpy()
    kind = np.asarray(values).dtype.kind
    if kind in "bc":
        raise TypeError(f"{func}: argument {arg!r} holds {'booleans' if kind == 'b' else 'complex numbers'}; "
                        "real numbers are required.")
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
    return f"analysis in row {i} (0-based position){col}"


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
# vectorised building blocks
#
# Working arrays are laid out studies x analyses (shape (k_max, n)), so that the sums over the
# studies of each analysis are k_max - 1 additions of contiguous vectors. Padded cells hold
# y = 0 and v = inf, so that their weight 1/(v + tau2) is exactly 0.


def _colsum(a: np.ndarray) -> np.ndarray:
    return a.sum(axis=0)


def _wls(y: np.ndarray, v: np.ndarray, tau2: np.ndarray):
    """Weighted mean per analysis: ``(b, r, w, sw)`` with ``w = 1/(v + tau2)``, ``r = y - b``, ``sw = sum w``."""
    w = 1.0 / (v + tau2)
    sw = _colsum(w)
    b = _colsum(w * y) / sw
    r = y - b
    return b, r, w, sw


def _qgen(y, v, tau2):
    """Generalized Q statistic ``sum w (y - b)^2`` and its derivative ``-sum w^2 (y - b)^2`` per analysis."""
    _, r, w, _ = _wls(y, v, tau2)
    wr2 = w * r * r
    return _colsum(wr2), -_colsum(wr2 * w)


def _loglik(y, v, mask, k, tau2, reml: bool) -> np.ndarray:
    """(Restricted) log-likelihood per analysis, as heterogeneity._loglik for an intercept-only model."""
    _, r, w, sw = _wls(y, v, tau2)
    rss = _colsum(w * r * r)
    logv = _colsum(np.log(np.where(mask, v + tau2, 1.0)))
    if reml:
        return -0.5 * (k - 1) * _LOG_2PI - 0.5 * logv - 0.5 * np.log(sw) - 0.5 * rss
    return -0.5 * k * _LOG_2PI - 0.5 * logv - 0.5 * rss


def _he(y0, v0, mask, k) -> np.ndarray:
    """Hedges' estimator ``(sum (y - ybar)^2 - (sum v - sum v / k)) / (k - 1)`` (not truncated; k > 1)."""
    ybar = _colsum(y0) / k
    r = np.where(mask, y0 - ybar, 0.0)
    sv = _colsum(v0)
    return (_colsum(r * r) - (sv - sv / k)) / (k - 1)


# ---------------------------------------------------------------------------
# iterative estimators


def _fisher_scoring(y, v, tau2, method):
    """Vectorised Fisher scoring for ML/REML with step halving, step for step as heterogeneity._fisher_scoring.

    REML step: ``(sum (w r)^2 - tr P) / tr PP``; ML step: ``(sum (w r)^2 - sum w) / sum w^2``
    (Viechtbauer 2005, eq. 15-16), with ``tr P = sum w - sum w^2 / sum w`` and
    ``tr PP = sum w^2 - 2 sum w^3 / sum w + (sum w^2 / sum w)^2``. Analyses leave the loop
    once tau^2 changes by less than ``THRESHOLD``. Returns ``(tau2, converged)``.
    """
    n = y.shape[1]
    out = np.array(tau2, dtype=float)
    conv = np.zeros(n, dtype=bool)
    idx = np.arange(n)
    ya, va, ta = y, v, out.copy()
    reml = method == "REML"
    for _ in range(het.MAXITER_SCORING):
        _, r, w, sw = _wls(ya, va, ta)
        wr = w * r
        w2 = w * w
        s2 = _colsum(w2)
        num = _colsum(wr * wr)
        if reml:
            s3 = _colsum(w2 * w)
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
            idx, ya, va, ta = idx[keep], ya[:, keep], va[:, keep], ta[keep]
    out[idx] = ta
    return out, conv


def _solve_q(y, v, target):
    """Root of ``Q_gen(tau2) = target`` per analysis (``Q_gen(0) >= target`` assumed).

    Newton's method from tau2 = 0 (``Q_gen`` is decreasing and convex, so the iterates
    approach the root from the left), kept inside a bracket [lo, hi] by bisection. The
    upper end starts at 100 and grows tenfold while ``Q_gen(hi) > target``, as in
    heterogeneity._solve_q. Stops when the step is at most ``ROOT_TOL + 4 eps |tau2|``.
    Returns ``(tau2, converged)``.
    """
    n = y.shape[1]
    out = np.zeros(n)
    conv = np.zeros(n, dtype=bool)
    zeros = np.zeros(n)
    f0, d0 = _qgen(y, v, zeros)
    f0 = f0 - target
    hi = np.full(n, 100.0)
    fhi = _qgen(y, v, hi)[0] - target
    for _ in range(30):
        up = fhi > 0
        if not up.any():
            break
        hi[up] *= 10
        fhi[up] = _qgen(y[:, up], v[:, up], hi[up])[0] - target[up]
    exact = f0 == 0
    conv[exact] = True
    act = np.flatnonzero((fhi <= 0) & ~exact)
    ya, va, tg = y[:, act], v[:, act], target[act]
    x, fx, dfx = zeros[act], f0[act], d0[act]
    lo, hi = np.zeros(act.size), hi[act]
    for _ in range(MAXITER_ROOT):
        if act.size == 0:
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            new = x - fx / dfx
        bad = ~((new > lo) & (new < hi))
        new[bad] = 0.5 * (lo[bad] + hi[bad])
        fn, dn = _qgen(ya, va, new)
        fn = fn - tg
        pos = fn > 0
        lo = np.where(pos, new, lo)
        hi = np.where(pos, hi, new)
        tol = het.ROOT_TOL + 4 * _EPS * np.abs(new)
        done = (np.abs(new - x) <= tol) | (fn == 0) | (hi - lo <= 2 * tol)
        x, fx, dfx = new, fn, dn
        if done.any():
            out[act[done]] = x[done]
            conv[act[done]] = True
            keep = ~done
            act, ya, va, tg = act[keep], ya[:, keep], va[:, keep], tg[keep]
            x, fx, dfx, lo, hi = x[keep], fx[keep], dfx[keep], lo[keep], hi[keep]
    return out, conv


def _estimate_tau2(y0, v0, vinf, mask, k, method, raw, row0, notes):
    """tau^2 per analysis for ``method``; returns ``(tau2, converged)``.

    ``raw`` = (Y, V, mask) of the chunk in the caller's layout (analyses x studies), for the scalar fallback.
    """
    n = y0.shape[1]
    tau2 = np.zeros(n)
    conv = np.ones(n, dtype=bool)
    multi = k > 1
    if method == "FE" or not multi.any():
        return tau2, conv
    cols = np.flatnonzero(multi)
    everyone = cols.size == n
    sub = (lambda a: a) if everyone else (lambda a: a[:, cols])
    y, v, m, kk = sub(y0), sub(vinf), sub(mask), k[cols].astype(float)
    if method in ("DL", "HS"):
        _, r, w, sw = _wls(y, v, np.zeros(cols.size))
        q = _colsum(w * r * r)
        t = (q - (kk - 1)) / (sw - _colsum(w * w) / sw) if method == "DL" else (q - kk) / sw
        tau2[cols] = np.maximum(0.0, t)
    elif method == "HE":
        tau2[cols] = np.maximum(0.0, _he(y, sub(v0), m, kk))
    elif method == "SJ":
        ybar = _colsum(y) / kk
        t0 = _colsum(np.where(m, (y - ybar) ** 2, 0.0)) / kk
        pos = t0 != 0.0
        t = np.zeros(cols.size)
        if pos.any():
            q = _qgen(y[:, pos], v[:, pos], t0[pos])[0]
            t[pos] = np.maximum(0.0, t0[pos] * q / (kk[pos] - 1))
        tau2[cols] = t
    elif method in ("PM", "EB"):
        target = kk - 1
        q0 = _qgen(y, v, np.zeros(cols.size))[0]
        need = q0 >= target
        t = np.zeros(cols.size)
        c = np.ones(cols.size, dtype=bool)
        if need.any():
            t[need], c[need] = _solve_q(y[:, need], v[:, need], target[need])
        tau2[cols], conv[cols] = t, c
    elif method in ("ML", "REML"):
        start = np.maximum(0.0, _he(y, sub(v0), m, kk))
        t, c = _fisher_scoring(y, v, start, method)
        reml = method == "REML"
        chk = np.flatnonzero(c & (t > het.THRESHOLD))
        if chk.size:
            ll0 = _loglik(y[:, chk], v[:, chk], m[:, chk], kk[chk], np.zeros(chk.size), reml)
            llt = _loglik(y[:, chk], v[:, chk], m[:, chk], kk[chk], t[chk], reml)
            zero = chk[ll0 - llt > 1e-10]
            if zero.size:
                t[zero] = 0.0
                notes["ll0"].extend(int(row0 + cols[j]) for j in zero)
        tau2[cols], conv[cols] = np.maximum(0.0, t), c
    else:  # pragma: no cover - checked by the caller
        raise ValueError(method)
    # analyses an iterative method did not settle: the scalar path of heterogeneity.estimate_tau2
    Yr, Vr, Mr = raw
    for i in np.flatnonzero(~conv):
        yi, vi = Yr[i][Mr[i]], Vr[i][Mr[i]]
        X = np.ones((yi.size, 1))
        if method in ("ML", "REML"):
            # estimate_tau2 would repeat the same failing Fisher scoring and then maximise the
            # likelihood directly; go straight to that last step (same numbers, same function)
            tau2[i], conv[i] = het._maximize_likelihood(yi, vi, X, method), True
        else:
            try:
                fit = het.estimate_tau2(yi, vi, X, method)
            except het.ConvergenceError as err:
                raise het.ConvergenceError(f"fit_many: {_where(int(row0 + i))}: {err}") from None
            tau2[i], conv[i] = fit.tau2, fit.converged
        notes["fallback"].append(int(row0 + i))
    return tau2, conv


def _q_profile(y, v, k, q0, level, raw):
    """Q-profile interval for tau^2 per analysis with k > 1 (as heterogeneity.q_profile_ci).

    The bounds solve ``Q_gen(tau^2) = chi2_{k-1; 1-alpha/2}`` (lower) and ``chi2_{k-1; alpha/2}``
    (upper) (Viechtbauer 2007, Stat Med 26:37-52); a bound whose equation has no positive root
    is 0. ``q0`` is ``Q_gen(0)``; ``raw`` = (Y, V, mask) rows for the scalar fallback.
    """
    n = y.shape[1]
    df = k - 1.0
    alpha = 1 - level / 100
    crit_u = special.chdtri(df, alpha / 2)  # chi2 quantiles as heterogeneity.q_profile_ci
    crit_l = special.chdtri(df, 1 - alpha / 2)
    lo = np.zeros(n)
    hi = np.zeros(n)
    failed = np.zeros(n, dtype=bool)
    need_hi = q0 >= crit_l
    for target, dest, need in ((crit_l, hi, need_hi), (crit_u, lo, need_hi & (q0 >= crit_u))):
        if need.any():
            sol, c = _solve_q(y[:, need], v[:, need], target[need])
            dest[need] = sol
            failed[np.flatnonzero(need)[~c]] = True
    Yr, Vr, Mr = raw
    for i in np.flatnonzero(failed):  # the scalar path where the vectorised solver did not settle
        m = Mr[i]
        lo[i], hi[i] = het.q_profile_ci(Yr[i][m], Vr[i][m], np.ones((int(m.sum()), 1)), level)
    return lo, hi


# ---------------------------------------------------------------------------
# one chunk


def _fit_chunk(Yc, Vc, Mc, method, test, level, tau2_ci, row0, notes) -> dict[str, np.ndarray]:
    """Fit the analyses in rows ``Yc``, ``Vc`` (present studies ``Mc``); returns the result columns."""
    mask = np.ascontiguousarray(Mc.T)
    k = mask.sum(axis=0)
    kf = k.astype(float)
    y0 = np.where(mask, Yc.T, 0.0)
    v0 = np.where(mask, Vc.T, 0.0)
    vinf = np.where(mask, Vc.T, np.inf)
    raw = (Yc, Vc, Mc)
    tau2, conv = _estimate_tau2(y0, v0, vinf, mask, k, method, raw, row0, notes)

    b, r, w, sw = _wls(y0, vinf, tau2)
    est = b
    var = 1.0 / sw
    alpha = 1 - level / 100
    # Knapp-Hartung for k > 1 (a single study is fitted with the z test, as metafor does)
    kh = np.full(k.shape, test == "knha") & (k > 1)
    df = np.where(kh, kf - 1, np.nan)
    # tail functions from scipy.special, as meta_analysis (scipy.stats is slow to import)
    crit = np.full(k.shape, special.ndtri(1 - alpha / 2))
    if kh.any():
        rss = _colsum(w[:, kh] * r[:, kh] * r[:, kh])
        s2w = np.where(rss <= _EPS, 0.0, rss / (kf[kh] - 1))
        var[kh] = var[kh] * s2w
        crit[kh] = special.stdtrit(df[kh], 1 - alpha / 2)
    se = np.sqrt(var)
    pos = se > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where(pos, est / se, np.where(est != 0, np.copysign(np.inf, est), np.nan))
    pval = np.where(est != 0, 0.0, 1.0)
    zt = pos & ~kh
    pval[zt] = 2 * special.ndtr(-np.abs(stat[zt]))
    tt = pos & kh
    if tt.any():
        pval[tt] = 2 * special.stdtr(df[tt], -np.abs(stat[tt]))

    # heterogeneity with fixed-effect weights
    multi = k > 1
    q = np.zeros(k.shape)
    q_pval = np.ones(k.shape)
    i2 = np.zeros(k.shape)
    h2 = np.ones(k.shape)
    vt = np.full(k.shape, np.nan)
    qgen0 = None
    if multi.any():
        ym, vm, km = y0[:, multi], vinf[:, multi], kf[multi]
        _, r0, w0, sw0 = _wls(ym, vm, np.zeros(km.size))
        qgen0 = _colsum(w0 * r0 * r0)
        qm = np.maximum(0.0, qgen0)
        q[multi] = qm
        q_pval[multi] = special.chdtrc(km - 1, qm)
        vtm = (km - 1) / (sw0 - _colsum(w0 * w0) / sw0)
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
            lo[multi], hi[multi] = _q_profile(y0[:, multi], vinf[:, multi], kf[multi], qgen0, level,
                                              (Yc[multi], Vc[multi], Mc[multi]))
        res.update({"tau2_ci_low": lo, "tau2_ci_high": hi,
                    "i2_ci_low": 100 * lo / (vt + lo), "i2_ci_high": 100 * hi / (vt + hi),
                    "h2_ci_low": lo / vt + 1, "h2_ci_high": hi / vt + 1})
    return res


def _fit_arrays(Y, V, mask, *, method, test, level, tau2_ci=False, row0=0, notes=None, bar=None):
    """Fit validated arrays chunk by chunk (no input checks); returns a dict of result columns.

    ``row0`` is the position of the first row in the caller's numbering (for messages);
    ``notes`` collects the rows that needed the ll0 check or the scalar fallback.
    """
    n, kmax = Y.shape
    rows_per_chunk = max(1, CHUNK_ELEMENTS // kmax)
    if notes is None:
        notes = {"ll0": [], "fallback": []}
    parts: list[dict[str, np.ndarray]] = []
    for s in range(0, n, rows_per_chunk):
        e = min(n, s + rows_per_chunk)
        parts.append(_fit_chunk(Y[s:e], V[s:e], mask[s:e], method, test, level, tau2_ci, row0 + s, notes))
        if bar is not None:
            bar.update(e - s)
    cols = list(FIT_MANY_COLUMNS) + (list(_CI_COLUMNS) if tau2_ci else [])
    data = {c: (parts[0][c] if len(parts) == 1 else np.concatenate([p[c] for p in parts])) for c in cols}
    data["k"] = data["k"].astype(np.int64)
    return data


def _warn_notes(func: str, method: str, notes: dict[str, list[int]], what: str = "analyses") -> None:
    """One warning per kind of event, listing the rows concerned (``what``: plural noun for a row)."""
    singular = {"analyses": "analysis", "subsets": "subset"}.get(what, what)

    def where(rows: list[int]) -> str:
        if len(rows) == 1:
            return f"in 1 {singular} (row {rows[0]})"
        return f"in {len(rows)} {what} (rows {_row_list(rows)})"

    if notes["fallback"]:
        how = ("Fisher scoring did not converge in %d iterations; tau^2 was found instead as the "
               "root of the likelihood's score with the highest likelihood (as meta_analysis does). Check the data, or compare with method='PM' or 'DL'."
               % het.MAXITER_SCORING) if method in ("ML", "REML") else \
            "the vectorised root finder did not settle; tau^2 was found by the scalar root finder instead."
        warnings.warn(f"{func}: {method}: {where(notes['fallback'])} {how}", het.ConvergenceWarning, stacklevel=3)
    if notes["ll0"]:
        warnings.warn(
            f"{func}: {method}: {where(notes['ll0'])} the likelihood is higher at tau^2 = 0 than at the "
            "Fisher-scoring solution; tau^2 set to 0 there (as meta_analysis does).",
            het.ConvergenceWarning, stacklevel=3)


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
    >>> res = koppmeta.fit_many(Y, V, method="PM", test="knha")
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
    n = y.shape[0]
    bar = None
    if progress or (progress is None and n >= _PROGRESS_FROM):
        from tqdm.auto import tqdm

        bar = tqdm(total=n, unit="fits", desc="fit_many", disable=None if progress is None else False)
    notes: dict[str, list[int]] = {"ll0": [], "fallback": []}
    try:
        data = _fit_arrays(y, v, mask, method=method, test=test, level=level, tau2_ci=bool(tau2_ci),
                           notes=notes, bar=bar)
    finally:
        if bar is not None:
            bar.close()
    _warn_notes(func, method, notes)
    return pd.DataFrame(data, columns=list(data), index=index)
