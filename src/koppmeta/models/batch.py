"""Many intercept-only meta-analyses at once: :func:`fit_many`.

Simulation studies, bootstrap and GOSH plots need thousands to millions of small
meta-analyses. :func:`fit_many` fits them together: each analysis is one row of
two 2-D arrays (effect sizes and sampling variances, NaN-padded when the
analyses have different numbers of studies). The estimation itself is
:mod:`koppmeta.models.engine`, the same code :func:`koppmeta.meta_analysis` runs on a batch
of one, so the numbers are those of ``meta_analysis`` (and of R metafor's ``rma()``).
This module adds the input checks, the work in chunks of rows (memory stays bounded:
100,000 analyses of k = 13 need about 40 MiB besides the input and the result; NaN-padded
rows are taken in chunks of similar numbers of studies, each only as wide as its largest
analysis), the progress bar and the warnings that name the rows concerned.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from . import engine
from . import heterogeneity as het
from ..exceptions import ConvergenceWarning, KnappHartungWarning, MultiplePeaksWarning
from ..results import TableResult, deprecated_alias
from .._validation import check_choice, check_level

__all__ = ["fit_many", "FIT_MANY_COLUMNS"]

TESTS = engine.TESTS

#: Columns of the table returned by :func:`fit_many` (without ``tau2_ci=True``).
FIT_MANY_COLUMNS = ("k", "estimate", "se", "stat", "pval", "df", "ci_low", "ci_high", "pi_low", "pi_high",
                    "tau2", "i2", "h2", "q", "q_pval", "converged", "tau2_other", "loglik_other")
_CI_COLUMNS = ("tau2_ci_low", "tau2_ci_high", "i2_ci_low", "i2_ci_high", "h2_ci_low", "h2_ci_high")

#: Number of array elements (rows x k_max) handled per chunk; 2**18 float64 = 2 MiB per working array.
CHUNK_ELEMENTS = 1 << 18
_PROGRESS_FROM = 1_000_000  # default: progress bar from this many analyses on


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
    """Return ``(yi, vi, mask)`` as float arrays and the boolean mask of present studies."""
    y = _as_matrix(func, "yi", Y)
    v = _as_matrix(func, "vi", V)
    if y.shape != v.shape:
        raise ValueError(f"{func}: 'yi' has shape {y.shape} but 'vi' has shape {v.shape}; they must match "
                         "(one effect size and one sampling variance per study).")
    ny, nv = np.isnan(y), np.isnan(v)
    bad = np.argwhere(ny != nv) if not np.array_equal(ny, nv) else np.empty((0, 2))
    if bad.size:
        i, j = map(int, bad[0])
        which = "'yi' is NaN but 'vi' is" if ny[i, j] else "'vi' is NaN but 'yi' is"
        other = v[i, j] if ny[i, j] else y[i, j]
        more = f" ({len(bad) - 1} more cells break the same rule)" if len(bad) > 1 else ""
        raise ValueError(f"{func}: {_where(i, j)}: {which} {other:g}. NaN marks a missing study and must be in the "
                         f"same places in 'yi' and 'vi'.{more}")
    for arg, a in (("yi", y), ("vi", v)):
        inf = np.isinf(a)
        bad = np.argwhere(inf) if inf.any() else np.empty((0, 2))
        if bad.size:
            i, j = map(int, bad[0])
            raise ValueError(f"{func}: argument {arg!r}, {_where(i, j)}: value {a[i, j]} is infinite; values must be finite.")
    mask = ~ny
    nonpositive = mask & ~(v > 0)
    bad = np.argwhere(nonpositive) if nonpositive.any() else np.empty((0, 2))
    if bad.size:
        i, j = map(int, bad[0])
        more = f" ({len(bad) - 1} more cells break the same rule)" if len(bad) > 1 else ""
        raise ValueError(f"{func}: argument 'vi', {_where(i, j)}: value {v[i, j]:g} is not allowed; "
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
# one chunk


def fit_chunk(Yc, Vc, Mc, method, test, level, tau2_ci, row0, notes, peak="start") -> dict[str, np.ndarray]:
    """Fit the analyses in rows ``Yc``, ``Vc`` (present studies ``Mc``) with the engine; returns the result columns.

    ``row0`` is the position of the first row in the caller's numbering (or an array with the
    number of every row); ``notes`` collects the rows that needed metafor's ll0 rule (``"ll0"``)
    or did not settle (``"fallback"``).
    """
    number = (lambda j: int(row0 + j)) if np.ndim(row0) == 0 else (lambda j: int(row0[j]))
    b = engine.make_batch(Yc, Vc, Mc)
    est = engine.estimate_tau2(b, method, peak=peak)
    res = engine.assemble(b, est.tau2, method=method, test=test, level=level)
    res["converged"] = est.converged
    res["tau2_other"], res["loglik_other"] = est.tau2_other, est.loglik_other
    notes["ll0"].extend(number(j) for j in np.flatnonzero(est.ll0))
    notes["fallback"].extend(number(j) for j in np.flatnonzero(~est.converged))
    if tau2_ci:
        lo, hi, conv = engine.q_profile(b, level, res["qgen0"])
        if not conv.all():
            rows = sorted(number(j) for j in np.flatnonzero(~conv))
            raise het.ConvergenceError(f"fit_many: {_where(rows[0])}: no finite tau^2 makes the generalized Q "
                                       f"statistic reach its Q-profile target ({len(rows)} analyses).")
        vt = res["vt"]
        res.update({"tau2_ci_low": lo, "tau2_ci_high": hi,
                    "i2_ci_low": 100 * lo / (vt + lo), "i2_ci_high": 100 * hi / (vt + hi),
                    "h2_ci_low": lo / vt + 1, "h2_ci_high": hi / vt + 1})
    return res


def fit_arrays(Y, V, mask, *, method, test, level, tau2_ci=False, row0=0, notes=None, bar=None, peak="start"):
    """Fit validated arrays chunk by chunk (no input checks); returns a dict of result columns.

    ``row0`` is the position of the first row in the caller's numbering (for messages);
    ``notes`` collects the rows that needed the ll0 check or the scalar fallback.
    """
    n, kmax = Y.shape
    if notes is None:
        notes = {"ll0": [], "fallback": []}
    if not mask.all():
        return _fit_by_size(Y, V, mask, method=method, test=test, level=level, tau2_ci=tau2_ci, row0=row0,
                            notes=notes, bar=bar, peak=peak)
    rows_per_chunk = max(1, CHUNK_ELEMENTS // kmax)
    parts: list[dict[str, np.ndarray]] = []
    for s in range(0, n, rows_per_chunk):
        e = min(n, s + rows_per_chunk)
        parts.append(fit_chunk(Y[s:e], V[s:e], mask[s:e], method, test, level, tau2_ci, row0 + s, notes, peak))
        if bar is not None:
            bar.update(e - s)
    cols = list(FIT_MANY_COLUMNS) + (list(_CI_COLUMNS) if tau2_ci else [])
    data = {c: (parts[0][c] if len(parts) == 1 else np.concatenate([p[c] for p in parts])) for c in cols}
    data["k"] = data["k"].astype(np.int64)
    return data


def _fit_by_size(Y, V, mask, *, method, test, level, tau2_ci, row0, notes, bar, peak):
    """:func:`fit_arrays` for padded rows: chunks of rows with similar numbers of studies.

    Rows are taken in the order of their number of studies; each chunk keeps its present
    studies in their order and is only as wide as its largest analysis, so padding costs
    little. Padded cells add exact zeros to every sum, so the numbers are those of a chunk
    in the original order.
    """
    n = Y.shape[0]
    ks = mask.sum(axis=1)
    order = np.argsort(ks, kind="stable")
    ks = ks[order]
    cols = list(FIT_MANY_COLUMNS) + (list(_CI_COLUMNS) if tau2_ci else [])
    data: dict[str, np.ndarray] = {}
    local: dict[str, list[int]] = {"ll0": [], "fallback": []}
    s = 0
    while s < n:
        e = min(n, s + max(1, CHUNK_ELEMENTS // int(ks[s])))
        e = min(e, s + max(1, CHUNK_ELEMENTS // int(ks[e - 1])))
        idx = order[s:e]
        width = int(ks[e - 1])
        m = mask[idx]
        if not m[:, width:].any():  # every study within the first `width` columns (padding at the ends)
            Yc, Vc, Mc = Y[idx, :width], V[idx, :width], m[:, :width]
        else:
            pos = np.argsort(~m, axis=1, kind="stable")[:, :width]  # present studies first, in their order
            Yc, Vc, Mc = np.take_along_axis(Y[idx], pos, 1), np.take_along_axis(V[idx], pos, 1), np.take_along_axis(m, pos, 1)
        res = fit_chunk(Yc, Vc, Mc, method, test, level, tau2_ci, row0 + idx, local, peak)
        for c in cols:
            if c not in data:
                data[c] = np.empty(n, dtype=res[c].dtype)
            data[c][idx] = res[c]
        if bar is not None:
            bar.update(e - s)
        s = e
    for key in local:
        notes[key].extend(sorted(local[key]))
    data["k"] = data["k"].astype(np.int64)
    return data


def warn_notes(func: str, method: str, notes: dict[str, list[int]], what: str = "analyses") -> None:
    """One warning per kind of event, listing the rows concerned (``what``: plural noun for a row)."""
    singular = {"analyses": "analysis", "subsets": "subset"}.get(what, what)

    def where(rows: list[int]) -> str:
        if len(rows) == 1:
            return f"in 1 {singular} (row {rows[0]})"
        return f"in {len(rows)} {what} (rows {_row_list(rows)})"

    if notes["fallback"]:
        how = ("Fisher scoring did not settle in %d iterations (the data are degenerate); tau^2 is the highest "
               "maximum of the likelihood found by a scan of its score. Check the data, or compare with method='PM' or 'DL'."
               % engine.MAXITER_SCORING) if method in ("ML", "REML") else \
            "the root finder did not settle."
        warnings.warn(f"{func}: {method}: {where(notes['fallback'])} {how}", ConvergenceWarning, stacklevel=3)
    if notes["ll0"]:
        warnings.warn(
            f"{func}: {method}: {where(notes['ll0'])} the likelihood has more than one maximum and is higher at "
            "tau^2 = 0 than at the Fisher-scoring solution; tau^2 set to 0 there (as metafor and meta_analysis do; "
            "the other maximum is in columns tau2_other and loglik_other).",
            MultiplePeaksWarning, stacklevel=3)


def _row_list(rows: list[int], limit: int = 10) -> str:
    shown = ", ".join(map(str, rows[:limit]))
    return shown + (f", ... ({len(rows) - limit} more)" if len(rows) > limit else "")


# ---------------------------------------------------------------------------
# public

#: What the columns of :func:`fit_many` hold (shown by its ``summary()``).
_COLUMN_MEANINGS = {
    "k": "number of studies", "estimate": "pooled effect", "se": "its standard error",
    "ci_low": "lower confidence limit", "ci_high": "upper confidence limit", "pval": "two-sided p-value",
    "tau2": "between-study variance", "i2": "I^2 in percent",
}


def fit_many(
    yi: Any = None,
    vi: Any = None,
    *,
    method: str = "REML",
    test: str = "z",
    level: float = 95,
    tau2_ci: bool = False,
    progress: bool | None = None,
    peak: str = "start",
    Y: Any = None,
    V: Any = None,
) -> TableResult:
    """Fit many intercept-only meta-analyses at once, with the numbers of :func:`koppmeta.meta_analysis`.

    Each row of ``yi`` (effect sizes) and ``vi`` (sampling variances) is one
    meta-analysis; analyses with fewer studies are padded with NaN (anywhere in the
    row, in the same cells of ``yi`` and ``vi``). The model per row is
    ``y_i = mu + u_i + e_i``, ``u_i ~ N(0, tau^2)``, ``e_i ~ N(0, v_i)``; ``mu`` is the
    weighted mean with weights ``w_i = 1/(v_i + tau^2)`` and variance ``1/sum(w_i)``
    (Knapp-Hartung: times ``sum w_i (y_i - mu)^2 / (k - 1)``, t with k - 1 df; Knapp &
    Hartung 2003, Stat Med 22:2693-2710).

    Parameters
    ----------
    yi, vi : array-like, shape (n_analyses, k_max)
        Effect sizes and sampling variances; NaN marks a missing study. A DataFrame's
        index is kept for the result. (Called ``Y`` and ``V`` before; those names still
        work for one release, with a DeprecationWarning.)
    method : {"FE", "DL", "REML", "ML", "PM", "HE", "SJ", "HS", "EB"}
        tau^2 estimator (see :func:`koppmeta.models.heterogeneity.estimate_tau2` and the
        module notes for how each is computed for a batch).
    test : {"z", "knha", "adhoc"}
        z test, or Knapp-Hartung with a t distribution (needs k >= 2 in every row);
        ``"adhoc"`` truncates the Knapp-Hartung factor at 1 (metafor ``test="adhoc"``).
    level : float
        Confidence level in percent.
    tau2_ci : bool
        Also compute Q-profile intervals for tau^2, I^2 and H^2 (Viechtbauer 2007,
        Stat Med 26:37-52): adds columns ``tau2_ci_low, tau2_ci_high, i2_ci_low,
        i2_ci_high, h2_ci_low, h2_ci_high``, NaN for rows with a single study (no
        interval exists). Not available for ``method="FE"``.
    progress : bool, optional
        Show a progress bar; by default only from 1,000,000 analyses on, in a terminal.
    peak : {"start", "global"}
        ML/REML where the likelihood has more than one maximum: ``"start"`` (default) keeps
        the one metafor reaches from its starting value, ``"global"`` the highest one.

    Returns
    -------
    koppmeta.results.TableResult
        A DataFrame, one row per analysis with columns ``k, estimate, se, stat, pval, df, ci_low,
        ci_high, pi_low, pi_high, tau2, i2, h2, q, q_pval, converged, tau2_other,
        loglik_other``: the attributes of the same name of :class:`koppmeta.MetaAnalysis`.
        ``df`` is ``k - 1`` for ``test="knha"`` and NaN for the z test (which has no
        degrees of freedom). ``converged`` is False only for degenerate rows where Fisher
        scoring did not settle. ``tau2_other`` and ``loglik_other`` give another maximum
        of the (restricted) likelihood and its log-likelihood (ML/REML; NaN if there is none).

    Raises
    ------
    ValueError, TypeError
        Unknown method or test (listing the valid ones); ``Y`` and ``V`` of other shapes,
        not 2-D, or holding text; NaN in different places in ``Y`` and ``V``; infinite
        values; variances that are not positive; rows without studies; rows with one
        study under ``test="knha"``. Messages name the row (0-based) and column.

    Warns
    -----
    koppmeta.MultiplePeaksWarning
        For ML/REML rows where the likelihood is higher at tau^2 = 0 than at the
        Fisher-scoring solution (tau^2 is set to 0 there, as metafor and ``meta_analysis`` do).
    koppmeta.ConvergenceWarning
        Only for degenerate rows where Fisher scoring does not settle; names the rows.

    Notes
    -----
    Every estimator is vectorised over the rows (:mod:`koppmeta.models.engine` describes each):
    DL, HE, HS and SJ are closed forms; ML and REML use Fisher scoring with step halving
    from the HE estimate until tau^2 changes by less than 1e-13 (or, after two Newton steps, Newton's
    quadratic convergence predicts the next change well enough to take it unevaluated; Viechtbauer
    2005, J Educ Behav Stat 30:261-293, eq. 15-16), safeguarded by a bracket where it oscillates; PM and
    EB solve ``Q_gen(tau^2) = k - 1`` (Paule & Mandel 1982; DerSimonian & Kacker 2007,
    Contemp Clin Trials 28:105-114) by Newton's method with a bisection guard to 1e-14.
    Rows are processed in chunks of ``CHUNK_ELEMENTS`` cells, so memory stays small for
    millions of analyses.

    Examples
    --------
    >>> import numpy as np, koppmeta
    >>> rng = np.random.default_rng(1)
    >>> V = rng.uniform(0.01, 0.1, size=(1000, 10))
    >>> Y = rng.normal(0.3, np.sqrt(V + 0.02))
    >>> res = koppmeta.fit_many(Y, V, method="PM", test="knha")
    >>> res.shape
    (1000, 18)
    """
    func = "fit_many"
    Y = deprecated_alias(func, "Y", "yi", Y, yi)
    V = deprecated_alias(func, "V", "vi", V, vi)
    check_choice(func, "method", method, het.METHODS)
    check_choice(func, "test", test, TESTS)
    level = check_level(func, level)
    if not isinstance(tau2_ci, (bool, np.bool_)):
        raise TypeError(f"{func}: argument 'tau2_ci' must be True or False; got {tau2_ci!r}.")
    if tau2_ci and method == "FE":
        raise ValueError(f"{func}: tau2_ci=True needs a random-effects method; method='FE' fixes tau^2 at 0.")
    if progress is not None and not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"{func}: argument 'progress' must be True, False or None; got {progress!r}.")
    check_choice(func, "peak", peak, ("start", "global"))
    index = Y.index if isinstance(Y, pd.DataFrame) else None
    y, v, mask = _validate(func, Y, V, test)
    if method == "FE" and test == "knha":
        warnings.warn("fit_many: the Knapp-Hartung method is meant for random-effects models, not method='FE'.",
                      KnappHartungWarning, stacklevel=2)
    n = y.shape[0]
    bar = None
    if progress or (progress is None and n >= _PROGRESS_FROM):
        from tqdm.auto import tqdm

        bar = tqdm(total=n, unit="fits", desc="fit_many", disable=None if progress is None else False)
    notes: dict[str, list[int]] = {"ll0": [], "fallback": []}
    try:
        data = fit_arrays(y, v, mask, method=method, test=test, level=level, tau2_ci=bool(tau2_ci),
                          notes=notes, bar=bar, peak=peak)
    finally:
        if bar is not None:
            bar.close()
    warn_notes(func, method, notes)
    return TableResult(data, columns=list(data), index=index, level=level,
                       heading=f"{n} meta-analys{'i' if n == 1 else 'e'}s ({method}, {test} test)", explanations=_COLUMN_MEANINGS)
