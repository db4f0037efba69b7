"""GOSH: the meta-analysis refitted to every subset of its studies (Olkin, Dahabreh & Trikalinos 2012).

"Graphical display of study heterogeneity" (Olkin I, Dahabreh IJ, Trikalinos TA, 2012,
Res Synth Methods 3:214-223): fit the same model to all ``2^k - 1`` non-empty subsets
of the k studies and plot the pooled estimate against I^2. Clusters in that cloud point
to studies that drive heterogeneity or the pooled effect. Like metafor's ``gosh()``, a
random sample of subsets is used when there are too many to fit them all.

The subsets are fitted together with :func:`koppmeta.models.batch.fit_many`, so the numbers are
those of :func:`koppmeta.meta_analysis` on each subset (and agree with metafor's
``gosh()``; see ``tests/test_gosh.py``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..models.batch import CHUNK_ELEMENTS, fit_arrays, warn_notes
from ..models.univariate import MetaAnalysis
from ..results import TableResult

__all__ = ["gosh", "GOSH_COLUMNS", "ALL_SUBSETS_MAX_K", "DEFAULT_SAMPLE"]

#: Statistics per subset, before the one-column-per-study membership table.
GOSH_COLUMNS = ("k", "estimate", "tau2", "i2", "h2", "q")
#: Without ``max_subsets``, all subsets are fitted up to this many studies (2^20 - 1 = 1,048,575 subsets).
ALL_SUBSETS_MAX_K = 20
#: Without ``max_subsets``, larger meta-analyses get this many random subsets (metafor's default).
DEFAULT_SAMPLE = 1_000_000
_PROGRESS_FROM = 100_000


def _n_subsets(k: int, min_k: int) -> int:
    return sum(math.comb(k, j) for j in range(min_k, k + 1))


def _all_subsets(k: int, min_k: int) -> np.ndarray:
    """Boolean matrix (n x k) of every subset with at least ``min_k`` studies.

    Order as metafor's ``gosh()``: by number of studies, and within that in the order of
    ``expand.grid`` (the first study changes fastest).
    """
    codes = np.arange(1, 1 << k, dtype=np.int64)
    incl = ((codes[:, None] >> np.arange(k, dtype=np.int64)) & 1).astype(bool)
    size = incl.sum(axis=1)
    keep = size >= min_k
    incl, size = incl[keep], size[keep]
    return incl[np.argsort(size, kind="stable")]


def _random_subsets(k: int, n: int, min_k: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` distinct subsets drawn uniformly from those with at least ``min_k`` studies.

    Each study is in with probability 1/2 (so every subset is equally likely, as in metafor's
    sampling by ``dbinom(m, k, 0.5)``); draws below ``min_k`` and repeats are discarded.
    Returned in order of first draw, then sorted by size (stable).
    """
    kept = np.zeros((0, k), dtype=bool)
    while kept.shape[0] < n:
        need = n - kept.shape[0]
        draw = rng.random((int(need * 1.1) + 64, k)) < 0.5
        draw = draw[draw.sum(axis=1) >= min_k]
        allrows = np.concatenate([kept, draw])
        packed = np.packbits(allrows, axis=1)
        keys = np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1]))).ravel()
        _, first = np.unique(keys, return_index=True)
        kept = allrows[np.sort(first)][:n]
    return kept[np.argsort(kept.sum(axis=1), kind="stable")]


def _column_names(labels: list[str]) -> list[str]:
    """Study labels as column names; a label that repeats or equals a statistic's name gets its row number."""
    seen: dict[str, int] = {}
    for lab in labels:
        seen[lab] = seen.get(lab, 0) + 1
    reserved = set(GOSH_COLUMNS)
    return [f"{lab} (row {i + 1})" if seen[lab] > 1 or lab in reserved else lab for i, lab in enumerate(labels)]


def gosh(
    fit: MetaAnalysis,
    *,
    max_subsets: int | None = None,
    seed: Any = None,
    min_k: int = 1,
    progress: bool | None = None,
) -> TableResult:
    """Refit a meta-analysis to every subset of its studies (GOSH; Olkin et al. 2012).

    Parameters
    ----------
    fit : MetaAnalysis
        The result of :func:`koppmeta.meta_analysis`; its studies, ``method``, ``test`` and
        ``level`` are used for every subset.
    max_subsets : int, optional
        Largest number of subsets to fit. If all subsets (``sum_{m >= min_k} C(k, m)``, which is
        ``2^k - 1`` for ``min_k=1``) are at most this many, all are fitted; otherwise this many
        distinct subsets are drawn at random (every subset equally likely). Without it, all
        subsets are fitted for k <= 20 and 1,000,000 random ones for larger k (as metafor).
    seed : int or numpy.random.Generator, optional
        Seed of the random draw (``numpy.random.default_rng(seed)``); only used when sampling.
    min_k : int
        Smallest subset size (1 as metafor's ``gosh()``).
    progress : bool, optional
        Progress bar; by default shown from 100,000 subsets on, in a terminal.

    Returns
    -------
    koppmeta.results.TableResult
        A DataFrame with one row per subset, ordered by number of studies: ``k, estimate, tau2, i2, h2, q``
        (pooled effect, tau^2, I^2 in percent, H^2, Cochran's Q; the quantities metafor's
        ``gosh()`` stores as ``estimate, tau2, I2, H2, QE``), then one boolean column per
        study, named by its label, that says whether the study is in the subset (a label
        that occurs twice, or is one of the statistics' names, gets " (row n)" appended).
        ``attrs`` holds ``method``, ``test``, ``exact`` (all subsets or a sample),
        ``n_possible`` and ``seed``.

    Raises
    ------
    TypeError, ValueError
        If ``fit`` is not a MetaAnalysis, has a single study, or ``max_subsets`` / ``min_k`` /
        ``progress`` are not valid.

    Notes
    -----
    A subset of one study has estimate = that study's effect, tau^2 = 0, I^2 = 0, H^2 = 1 and
    Q = 0 (metafor's convention). With ``test="knha"`` such a subset is fitted with the z test
    (as metafor does for k = 1); the columns returned do not depend on the test.
    Subsets are built and fitted in chunks, so memory stays bounded for a million subsets.
    Unlike metafor's ``gosh()`` with DL, which reports H^2 = Q/(k-1) for a subset whose tau^2
    is 0 although its own ``rma()`` reports 1, every subset here gets the H^2 of ``meta_analysis``.
    Each subset is fitted by the same engine as :func:`koppmeta.meta_analysis`
    (:mod:`koppmeta.models.engine`), so a subset gives the numbers of fitting it on its own.

    Examples
    --------
    >>> import koppmeta
    >>> es = koppmeta.datasets.load_bcg("RR")  # log risk ratios yi and their variances vi
    >>> fit = koppmeta.meta_analysis("yi", "vi", data=es, labels="label")
    >>> g = koppmeta.gosh(fit)
    >>> len(g)
    8191
    """
    func = "gosh"
    if not isinstance(fit, MetaAnalysis):
        raise TypeError(f"{func}: argument 'fit' must be a MetaAnalysis (the result of koppmeta.meta_analysis); "
                        f"got {type(fit).__name__}.")
    k = int(fit.k)
    if k < 2:
        raise ValueError(f"{func}: the meta-analysis has k = {k} study; GOSH needs at least 2 studies.")
    if isinstance(min_k, bool) or not isinstance(min_k, (int, np.integer)):
        raise TypeError(f"{func}: argument 'min_k' must be an integer; got {min_k!r}.")
    if not 1 <= min_k <= k:
        raise ValueError(f"{func}: argument 'min_k' is {min_k}; it must lie between 1 and the number of studies ({k}).")
    if max_subsets is not None:
        if isinstance(max_subsets, bool) or not isinstance(max_subsets, (int, np.integer)):
            raise TypeError(f"{func}: argument 'max_subsets' must be a whole number or None; got {max_subsets!r}.")
        if max_subsets < 1:
            raise ValueError(f"{func}: argument 'max_subsets' is {max_subsets}; it must be at least 1.")
    if progress is not None and not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"{func}: argument 'progress' must be True, False or None; got {progress!r}.")
    n_possible = _n_subsets(k, min_k)
    if max_subsets is None:
        exact = k <= ALL_SUBSETS_MAX_K
        n = n_possible if exact else DEFAULT_SAMPLE
    else:
        exact = n_possible <= max_subsets
        n = n_possible if exact else int(max_subsets)
    if exact:
        incl = _all_subsets(k, min_k)
    else:
        incl = _random_subsets(k, n, min_k, np.random.default_rng(seed))

    y = fit.yi.astype(float)
    v = fit.vi.astype(float)
    rows_per_chunk = max(1, CHUNK_ELEMENTS // k)
    show = bool(progress) if progress is not None else n >= _PROGRESS_FROM
    bar = None
    if show:
        from tqdm.auto import tqdm

        bar = tqdm(total=n, unit="subsets", desc="gosh", disable=None if progress is None else False)
    parts = []
    notes: dict[str, list[int]] = {"ll0": [], "fallback": []}
    try:
        for s in range(0, n, rows_per_chunk):
            m = incl[s:s + rows_per_chunk]
            Y = np.where(m, y, np.nan)
            V = np.where(m, v, np.nan)
            res = fit_arrays(Y, V, m, method=fit.method, test=fit.test, level=fit.level, row0=s, notes=notes, bar=bar)
            parts.append({c: res[c] for c in GOSH_COLUMNS})
    finally:
        if bar is not None:
            bar.close()
    warn_notes(func, fit.method, notes, what="subsets")
    stats_frame = pd.DataFrame({c: np.concatenate([p[c] for p in parts]) for c in GOSH_COLUMNS})
    members = pd.DataFrame(incl, columns=_column_names([str(x) for x in fit.labels]))
    out = TableResult(pd.concat([stats_frame, members], axis=1), measure=fit.measure, level=fit.level,
                      heading=f"GOSH: {len(stats_frame)} subsets of the {fit.k} studies ({fit.method}, "
                              f"{'all subsets' if exact else 'a random sample of subsets'})",
                      explanations={"k": "studies in the subset", "estimate": "pooled effect",
                                    "tau2": "between-study variance", "i2": "I^2 (percent)", "h2": "H^2",
                                    "q": "Cochran's Q"})
    out.attrs.update({"method": fit.method, "test": fit.test, "exact": exact, "n_possible": n_possible,
                      "seed": seed if isinstance(seed, (int, np.integer)) or seed is None else repr(seed)})
    return out
