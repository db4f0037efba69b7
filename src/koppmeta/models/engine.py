"""The estimation engine: intercept-only random-effects meta-analyses, many at once.

This module is the single implementation of every tau^2 estimator for the intercept-only
model and of the assembly of a fit (estimate, standard error, test, confidence and
prediction intervals, Q, I^2, H^2, Q-profile interval). :func:`koppmeta.meta_analysis`
runs it on a batch of one analysis, :func:`koppmeta.fit_many` on chunks of many; subgroups,
leave-one-out, cumulative runs, GOSH, the bootstrap and the sign-flip permutation test
build on those two. It is an internal API: the names are public inside the package
(documented, stable for the other modules) but not exported from ``koppmeta``.

Layout. A :class:`Batch` holds its analyses as columns: arrays of shape
``(k_max, n)`` (studies x analyses), so that the sums over the studies of each analysis are
``k_max - 1`` additions of contiguous vectors. Padded cells hold ``y = 0`` and
``v = inf``, so that their weight ``1 / (v + tau2)`` is exactly 0. ``y`` is centred per
analysis (its plain mean subtracted), which keeps the weighted sums free of cancellation;
estimates add the mean back.

Formulas (``w = 1/(v + tau^2)``, sums over the studies of one analysis, ``b = sum w y / sum w``;
Viechtbauer 2005, J Educ Behav Stat 30:261-293):

- FE: 0. DL: ``(Q - (k - 1)) / (S1 - S2/S1)`` at tau^2 = 0. HS: ``(Q - k) / S1``. HE:
  ``(sum (y - ybar)^2 - (sum v - sum v / k)) / (k - 1)``. SJ: ``t0 Q_gen(t0) / (k - 1)`` with
  ``t0 = mean((y - ybar)^2)``. Negative values are truncated at 0.
- PM, EB: root of ``Q_gen(tau^2) = k - 1`` (0 when ``Q_gen(0) < k - 1``). ``Q_gen`` is
  decreasing and convex, so Newton's method from 0 approaches the root from the left; a
  bracket with bisection guards against rounding. Stops at a step below 1e-14 (+ 4 eps tau^2).
- ML, REML: Fisher scoring from the HE estimate with step halving at the boundary, exactly
  metafor's ``rma.uni`` iteration, with Newton steps (observed information) once a step is
  small (the same root, reached quadratically). Where Fisher scoring oscillates without
  converging (its steps change sign and do not shrink), the iteration continues with
  Newton steps kept inside the bracket of the last iterates by bisection, so that it
  converges to the maximum Fisher scoring circles around. Then metafor's ``ll0check``: if the
  (restricted) likelihood is higher at tau^2 = 0, tau^2 = 0.
- Multimodality (ML, REML): the score is scanned on a grid of :data:`PEAK_GRID` log-spaced
  points; every other local maximum is refined by bisection, and the best of them is
  reported (``tau2_other``, ``loglik_other``). With ``peak="global"`` the higher peak is
  returned instead of the one metafor reaches.

Fisher scoring takes its score and informations from nine weighted moments ``sum w^p d^m``
(``p = 1, 2, 3``, ``m = 0, 1, 2``, ``d = y - c``; :func:`moments`, :func:`moment_terms`). The centre ``c``
is the weighted mean at the previous iterate (at the start, at the starting value; one analysis
takes its first moments about its plain mean, and again about the weighted mean only where that
would lose digits, :func:`first_moments`), which the moments themselves give; as the iterates
settle it is the weighted mean at tau^2 itself, so the sums about it lose nothing to cancellation
however unequal the weights. It stops when tau^2 changes by less than :data:`THRESHOLD`, or after
two Newton steps whose quadratic convergence predicts the next one so well that the error of
taking it unevaluated is below a tenth of the threshold (:func:`_settled`, :func:`_next_step`).

Everything is done for all analyses of the batch at once; there is no per-analysis Python
loop. One analysis (:func:`koppmeta.meta_analysis`: :func:`single_batch`, :func:`estimate_one`,
:func:`assemble_one`) takes the same steps with numbers (the nine moments are one matrix
product): Fisher scoring, the ll0check and the assembly (from the same sums at the solution and
at 0, :func:`one_sums`), the peak scan (the scan of the batch for a batch of one;
:class:`koppmeta.MetaAnalysis` runs it on first use of ``tau2_other``); the vectorised bookkeeping
of masks and brackets would cost more than the arithmetic there. Where Fisher scoring oscillates
or does not settle, the batch iteration takes over (:meth:`Batch.full`). Rows that still do not
settle after :data:`MAXITER_SCORING` iterations (degenerate data) are flagged, and the caller
warns with their row numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from scipy import special

__all__ = [
    "Batch", "Tau2Batch", "make_batch", "estimate_tau2", "assemble", "q_profile", "loglik", "q_gen",
    "critical", "assemble_one", "ASSEMBLED", "one_sums", "OneSums", "single_batch", "estimate_one", "OneTau2",
    "moments", "moment_terms", "score_from", "centred", "weighted_mean", "first_moments",
    "THRESHOLD", "ROOT_TOL", "MAXITER_SCORING", "MAXITER_ROOT", "PEAK_GRID",
]

#: Fisher scoring stops when tau^2 changes by less than this.
THRESHOLD = 1e-13
#: Root finding (PM, EB, Q-profile) stops at a step below this (+ 4 eps |tau^2|).
ROOT_TOL = 1e-14
#: Iterations of Fisher scoring before a row counts as not converged.
MAXITER_SCORING = 1000
#: Iterations of the vectorised root finder.
MAXITER_ROOT = 200
#: A Newton step replaces the Fisher step once the Fisher step is below this (relative to 1 + tau^2).
NEWTON_SWITCH = 1e-3
#: Number of grid points of the scan for other peaks of the (restricted) likelihood.
PEAK_GRID = 24
#: Likelihood gain at tau^2 = 0 above which metafor's ll0check sets tau^2 = 0.
LL0_TOL = 1e-10

_EPS = np.finfo(float).eps
_sum = np.add.reduce  # ndarray.sum without its Python wrapper (the same reduction)


def _wsum(a: np.ndarray, b: np.ndarray):
    """``sum a * b`` over the studies of each analysis: a dot product for one analysis (1-D arrays, a number),
    the column sums of the products for a batch (analyses as columns)."""
    return a @ b if a.ndim == 1 else _sum(a * b, axis=0)
_LOG_2PI = math.log(2 * math.pi)
TESTS = ("z", "knha", "adhoc")


@dataclass
class Batch:
    """Analyses as columns: ``y`` centred (0 in padded cells), ``v0`` (0 padded), ``v`` (inf padded),
    ``mask`` (present studies), ``k`` (float, studies per analysis), ``shift`` (the mean added back)."""

    y: np.ndarray
    v0: np.ndarray
    v: np.ndarray
    mask: np.ndarray
    k: np.ndarray
    shift: np.ndarray

    @property
    def n(self) -> int:
        return self.y.shape[1]

    def single(self) -> "Batch":
        """The only analysis of a batch of one as a batch of 1-D arrays (``k`` and ``shift`` scalars).

        The sums of the engine (:func:`loglik`, :func:`q_gen`, :func:`_score`, :func:`_he`) then
        return scalars: the cheap form of a batch of one that :func:`koppmeta.meta_analysis` fits.
        """
        one = self.__dict__.get("_single")
        if one is None:
            v0 = self.v0[:, 0]
            one = self._single = Batch(self.y[:, 0], v0, v0 if self.v is self.v0 else self.v[:, 0], self.mask[:, 0],
                                       float(self.k[0]), float(self.shift[0]))
        return one

    def full(self) -> "Batch":
        """The batch of one analysis (columns of shape ``(k, 1)``) whose :meth:`single` is this 1-D batch
        (:func:`single_batch`); views of the same arrays, built once."""
        b = self.__dict__.get("_full")
        if b is None:
            v0 = self.v0[:, None]
            b = self._full = Batch(self.y[:, None], v0, v0 if self.v is self.v0 else self.v[:, None],
                                   self.mask[:, None], np.array([self.k]), np.array([self.shift]))
            b._single = self
        return b

    def take(self, cols) -> "Batch":
        """The analyses in ``cols`` (an index or boolean array) as a new batch."""
        return Batch(self.y[:, cols], self.v0[:, cols], self.v[:, cols], self.mask[:, cols], self.k[cols],
                     self.shift[cols])


@lru_cache(maxsize=64)
def _all_present(k: int) -> np.ndarray:
    """The mask of one analysis of ``k`` studies without padding (read-only, shared)."""
    out = np.ones(k, dtype=bool)
    out.flags.writeable = False
    return out


def single_batch(y: np.ndarray, v: np.ndarray) -> Batch:
    """One analysis of present studies ``y``, ``v`` (1-D) in the form of :meth:`Batch.single`: ``y`` centred,
    ``k`` and ``shift`` numbers. :meth:`Batch.full` gives it as a batch of one."""
    kk = y.size
    shift = float(_sum(y)) / kk
    v = np.asarray(v, dtype=float)  # the engine never writes into a batch
    return Batch(y - shift, v, v, _all_present(kk), float(kk), shift)


def make_batch(Y: np.ndarray, V: np.ndarray, mask: np.ndarray | None = None) -> Batch:
    """A :class:`Batch` from analyses-by-studies arrays ``Y``, ``V`` (``mask``: present cells; NaN elsewhere)."""
    if mask is None and Y.shape[0] == 1:  # one analysis: the same numbers with fewer steps
        return single_batch(Y[0], V[0]).full()
    if mask is None or mask.all():
        # no padding: the same numbers without the masked copies
        y = np.array(Y.T, dtype=float, order="C")
        kk = y.shape[0]
        shift = y.sum(axis=0) / kk
        v = np.array(V.T, dtype=float, order="C")
        return Batch(np.ascontiguousarray(y - shift), v, v, np.ones(y.shape, dtype=bool),
                     np.full(y.shape[1], float(kk)), shift)
    m = np.ascontiguousarray(mask.T)
    k = m.sum(axis=0).astype(float)
    y = np.where(m, Y.T, 0.0)
    shift = y.sum(axis=0) / k
    y = np.where(m, y - shift, 0.0)
    return Batch(y, np.where(m, V.T, 0.0), np.where(m, V.T, np.inf), m, k, shift)


def _sums(b: Batch, tau2):
    """``(w, S1, b_c)``: weights, their sum and the weighted mean of the centred ``y``."""
    w = 1.0 / (b.v + tau2)
    s1 = _sum(w, axis=0)
    return w, s1, _wsum(w, b.y) / s1


def q_gen(b: Batch, tau2) -> tuple[np.ndarray, np.ndarray]:
    """Generalized Q ``sum w (y - b)^2`` and its derivative ``-sum w^2 (y - b)^2``, per analysis."""
    w, _, mu = _sums(b, tau2)
    r = b.y - mu
    wr2 = w * r * r
    return _sum(wr2, axis=0), -_sum(wr2 * w, axis=0)


def loglik(b: Batch, tau2, reml: bool) -> np.ndarray:
    """(Restricted) log-likelihood per analysis, as metafor's ``logLik`` for ``rma.uni`` (REML includes
    metafor's constant ``1/2 log|X'X|``)."""
    w, s1, mu = _sums(b, tau2)
    r = b.y - mu
    rss = _wsum(w * r, r)
    # without padding make_batch stores one array as v and v0
    logv = _sum(np.log(b.v0 + tau2 if b.v is b.v0 else np.where(b.mask, b.v0 + tau2, 1.0)), axis=0)
    return _loglik_from(b.k, logv, s1, rss, reml)


def _loglik_from(k, logv, s1, rss, reml: bool):
    """The (restricted) log-likelihood from ``sum log(v + tau^2)``, ``S1`` and ``sum w (y - b)^2``."""
    if reml:  # with metafor's constant 1/2 log|X'X| = 1/2 log k
        log = math.log if isinstance(s1, float) else np.log
        return -0.5 * (k - 1) * _LOG_2PI + 0.5 * log(k) - 0.5 * logv - 0.5 * log(s1) - 0.5 * rss
    return -0.5 * k * _LOG_2PI - 0.5 * logv - 0.5 * rss


def score_from(s1, a1, s2, a2, b2, reml: bool):
    """The score (twice the derivative of the (restricted) log-likelihood) from weighted moments about
    a centre ``c``: ``S1 = sum w``, ``a1 = sum w d``, ``S2 = sum w^2``, ``a2 = sum w^2 d``, ``b2 = sum w^2 d^2``
    (``d = y - c``). With ``b`` the weighted mean and ``y'PPy = sum w^2 (y - b)^2``: ``y'PPy - tr P``,
    ``tr P = S1 - S2/S1`` (REML), or ``y'PPy - S1`` (ML). Numbers or arrays."""
    mu = a1 / s1
    ypy = b2 - mu * (2 * a2 - mu * s2)
    return ypy - (s1 - s2 / s1) if reml else ypy - s1


def _score(b: Batch, tau2, reml: bool) -> np.ndarray:
    """The score at ``tau2`` (:func:`score_from`, centred at the weighted mean at ``tau2``)."""
    w, s1, mu = _sums(b, tau2)
    d = b.y - mu
    w2 = w * w
    return score_from(s1, 0.0, _sum(w2, axis=0), _wsum(w2, d), _wsum(w2 * d, d), reml)


def _score_grid(b: Batch, grid: np.ndarray, reml: bool, block_elements: int = 1 << 17) -> np.ndarray:
    """:func:`score_from` at each of ``G`` values per analysis (``grid`` of shape (G, n)); returns (G, n).

    Two passes per grid point, as :func:`_score`: the weighted mean, then the sums about it (exact
    however unequal the weights). Evaluated as 3-D arrays (grid x studies x analyses) in blocks of
    analyses of at most ``block_elements`` cells, so memory stays bounded.
    """
    G, n = grid.shape
    kmax = b.y.shape[0]
    step = max(1, block_elements // (G * kmax))
    out = np.empty((G, n))
    for a in range(0, n, step):
        e = min(n, a + step)
        y = b.y[:, a:e]
        w = b.v[None, :, a:e] + grid[:, None, a:e]
        np.reciprocal(w, out=w)  # padded cells: weight 0
        s1 = _sum(w, axis=1)
        r = y - (np.einsum("gkc,kc->gc", w, y) / s1)[:, None, :]
        r *= w
        out[:, a:e] = score_from(s1, 0.0, np.einsum("gkc,gkc->gc", w, w), 0.0, np.einsum("gkc,gkc->gc", r, r), reml)
    return out


def _he(b: Batch) -> np.ndarray:
    """Hedges' estimator, not truncated (k > 1)."""
    sv = _sum(b.v0, axis=0)
    return (_wsum(b.y, b.y) - (sv - sv / b.k)) / (b.k - 1)


# ---------------------------------------------------------------------------
# iterative estimators


#: Exponents of ``v + tau^2`` in :func:`moments` (rows: w, w^2, w^3 with w = 1/(v + tau^2)).
_NEG_POWERS = np.array([[-1.0], [-2.0], [-3.0]])
_NEG_POWERS.flags.writeable = False


def _dsum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``sum a * b`` over the studies (axis 0) of a batch, without the product as a temporary array."""
    return np.einsum("ij,ij->j", a, b)


def weighted_mean(y: np.ndarray, v: np.ndarray, t):
    """``sum w y / sum w`` with ``w = 1/(v + t)`` per analysis (a number for 1-D ``y``, ``v``)."""
    w = 1.0 / (v + t)
    if y.ndim == 1:
        return float(w @ y) / float(_sum(w))
    return _dsum(w, y) / _sum(w, axis=0)


def centred(y: np.ndarray, c, out: np.ndarray | None = None):
    """The powers of ``d = y - c`` that :func:`moments` weighs: for one analysis the ``(3, k)`` matrix with
    rows ``1, d, d^2`` (written into ``out`` if given, a previous result), for a batch the pair ``(d, d^2)``.

    ``c`` is the weighted mean of ``y`` at the tau^2 evaluated, or at one near it (per analysis), so
    that the moments give ``sum w^p (y - b)^m`` without cancellation.
    """
    if y.ndim == 1:  # rows 1, d, d^2 by products (pow of a negative base is slow)
        P = out
        if P is None:
            P = np.empty((3, y.size))
            P[0] = 1.0
        d = np.subtract(y, c, out=P[1])
        np.multiply(d, d, out=P[2])
        return P
    d = y - c
    return d, d * d


def moments(v: np.ndarray, t, P) -> list:
    """``sum w^p d^m`` over the studies for ``p = 1, 2, 3`` and ``m = 0, 1, 2`` (``w = 1/(v + t)``; ``P`` from
    :func:`centred`), in the order ``S1, S1d, S1dd, S2, S2d, S2dd, S3, S3d, S3dd``.

    One analysis (1-D ``v``, a number ``t``): nine floats from one matrix product. A batch: nine
    arrays (one value per analysis), sums of products without temporaries. Padded cells have
    ``w = 0`` and add nothing.
    """
    if v.ndim == 1:
        return np.dot(np.power(v + t, _NEG_POWERS), P.T).ravel().tolist()
    w = 1.0 / (v + t)
    d, d2 = P
    out = [_sum(w, axis=0), _dsum(w, d), _dsum(w, d2)]
    w2 = w * w
    out += [_sum(w2, axis=0), _dsum(w2, d), _dsum(w2, d2)]
    w2 *= w
    out += [_sum(w2, axis=0), _dsum(w2, d), _dsum(w2, d2)]
    return out


def moment_terms(m, reml: bool):
    """Score, expected and observed information of the (restricted) likelihood from :func:`moments`.

    With ``b`` the weighted mean, ``r = y - b`` and ``S_j = sum w^j``: the score (twice the
    derivative) is ``y'PPy - tr P`` (REML, ``y'PPy = sum w^2 r^2``, ``tr P = S1 - S2/S1``) or
    ``y'PPy - S1`` (ML); the expected information ``tr PP = S2 - 2 S3/S1 + (S2/S1)^2`` (REML) or
    ``S2`` (ML); the observed information ``2 y'PPPy - tr PP`` (or ``- S2``) with
    ``y'PPPy = sum w^3 r^2 - (sum w^2 r)^2 / S1``. Works on numbers and on arrays alike.
    """
    s1, a1, b1, s2, a2, b2, s3, a3, b3 = m
    score = score_from(s1, a1, s2, a2, b2, reml)
    if reml:
        ratio = s2 / s1
        info = s2 - 2 * s3 / s1 + ratio * ratio
    else:
        info = s2
    mu = a1 / s1
    w2r = a2 - mu * s2
    hess = 2 * ((b3 - mu * (2 * a3 - mu * s3)) - w2r * w2r / s1) - info
    return score, info, hess


def first_moments(y: np.ndarray, v: np.ndarray, t: float):
    """:func:`moments` of one analysis at its starting value ``t``, without a pass for the weighted mean first:
    ``(m, c, P)`` with ``c`` the weighted mean at ``t`` (the centre of the next moments) and ``P`` the array
    of :func:`centred` to reuse.

    The moments are taken about 0 (the plain mean, for the ``y`` of a batch); where that would lose
    digits, because ``sum w^p (y - c)^2`` (``p = 2, 3``: the score and the observed information) is below
    a hundredth of the same sum about 0, they are taken again about ``c``. Either way the score and
    informations from them (:func:`moment_terms`) lose at most about two digits to the centre
    (``tests/test_engine.py``: within 1e-12 of the largest term, variances over ten orders of magnitude).
    """
    P = centred(y, 0.0)
    m = moments(v, t, P)
    c = m[1] / m[0]
    if c * (2 * m[4] - c * m[3]) > 0.99 * m[5] or c * (2 * m[7] - c * m[6]) > 0.99 * m[8]:
        m = moments(v, t, centred(y, c, P))
        c += m[1] / m[0]
    return m, c, P


def _fisher_one(y: np.ndarray, v: np.ndarray, t: float, reml: bool) -> float | None:
    """:func:`fisher_scoring` for one analysis (1-D ``y``, ``v``), with numbers.

    The same steps from the same formulas (:func:`moments`, :func:`moment_terms`: Fisher, Newton
    near the root, step halving at the boundary, stop below :data:`THRESHOLD`) without the
    bookkeeping of a batch. Returns None where the batch
    iteration is needed: when the steps oscillate (its bracket takes over) or do not settle.
    """
    prev = 0.0
    was_newton = False
    m, c, P = first_moments(y, v, t)
    for _ in range(MAXITER_SCORING):
        score, info, hess = moment_terms(m, reml)
        adj = score / info
        is_newton = False
        if abs(adj) < NEWTON_SWITCH * (1.0 + t) and hess > 0:
            newton = score / hess
            if t + newton >= 0:
                adj, is_newton = newton, True
        if adj * prev < 0 and abs(adj) > 0.5 * abs(prev):
            return None
        if t + adj < 0:
            is_newton = False
            if t == 0:
                adj = 0.0
            while t + adj < 0:
                adj /= 2
        new = t + adj
        if abs(new - t) < THRESHOLD:
            return new
        if is_newton and was_newton and _settled(adj, prev, m[6] / m[3]):
            return new + _next_step(adj, prev)
        prev, t, was_newton = adj, new, is_newton
        m = moments(v, t, centred(y, c, P))
        c += m[1] / m[0]
    return None


def _halved(t: np.ndarray, adj: np.ndarray) -> np.ndarray:
    """``adj`` halved until ``t + adj >= 0`` (``t > 0 > t + adj``): the numbers of repeated halving, which is
    exact, from the count ``ceil(log2(-adj / t))`` checked against the rule both ways."""
    h = np.maximum(1.0, np.ceil(np.log2(-adj / t))).astype(np.int64)
    for _ in range(8):
        under = t + np.ldexp(adj, -h) < 0  # too few halvings
        over = ~under & (h > 1) & (t + np.ldexp(adj, -(h - 1)) >= 0)  # one fewer would do
        if not (under.any() or over.any()):
            break
        h = h + under - over
    return np.ldexp(adj, -h)


def _next_step(step, prev):
    """The Newton step after ``prev`` and ``step``, by quadratic convergence: ``step^3 / prev^2`` (with the sign
    of ``step``). Numbers or arrays."""
    return step * (step / prev) ** 2


def _settled(step, prev, curv):
    """After two Newton steps ``prev`` and ``step``: whether the next step (:func:`_next_step`) is known well
    enough to be taken without evaluating the score there. Numbers or arrays (one flag per analysis).

    The prediction is off, relative to its size, by at most about ``2 |step / prev| + 8 |prev| curv``:
    the first term is the error of the constant of quadratic convergence estimated from the two steps,
    the second its change over the last step, with ``curv = S3/S2`` (``S_j = sum w^j``) the scale of the
    derivatives of the score (the factor 8 bounds it on simulated data:
    ``tests/test_engine.py::test_the_predicted_newton_step_is_as_close_as_the_stop_rule_assumes``).
    The iteration stops when the steps shrink at least by half, that relative error is below 1/2 and
    the error it puts on tau^2 is below a tenth of :data:`THRESHOLD`.
    """
    a = abs(step)
    b = abs(prev)
    rel = 2 * a / b + 8 * b * curv
    return (a < 0.5 * b) & (rel < 0.5) & (abs(_next_step(step, prev)) * rel < 0.1 * THRESHOLD)


def _present(s: Batch) -> tuple[np.ndarray, np.ndarray]:
    """``(y, v)`` of the present studies of a :meth:`Batch.single`."""
    return (s.y, s.v) if s.v is s.v0 else (s.y[s.mask], s.v0[s.mask])


class OneSums(NamedTuple):
    """The sums of one analysis at ``tau^2 = t`` and at 0 (:func:`one_sums`): everything the log-likelihood
    (:func:`estimate_one`) and the assembly of a fit (:func:`assemble_one`) take from the studies.

    ``mean`` and ``mean0`` are the weighted means of the (centred) ``y``; ``rss`` is ``sum w (y - b)^2`` at
    ``t``, ``q`` the same at 0 (Cochran's Q); ``logv`` ``sum log(v + t)``; ``s2_0`` ``sum 1/v^2``.
    """

    t: float
    s1: float
    mean: float
    rss: float
    logv: float
    s1_0: float
    mean0: float
    q: float
    logv0: float
    s2_0: float

    def at_zero(self) -> "OneSums":
        """The same sums with ``t = 0``."""
        return self._replace(t=0.0, s1=self.s1_0, mean=self.mean0, rss=self.q, logv=self.logv0)


def one_sums(y: np.ndarray, v: np.ndarray, t: float) -> OneSums:
    """:class:`OneSums` of one analysis (its present studies ``y``, ``v``): weighted means first, then the
    sums of squares about them, at ``t`` and at 0 side by side (rows of a 2-by-studies array)."""
    vt = np.add(v, ((t,), (0.0,)))
    w = 1.0 / vt
    sw = _sum(w, axis=1)
    mu = np.dot(w, y) / sw
    r = y - mu[:, None]
    r *= r
    r *= w
    (s1, s1_0), (mean, mean0), (rss, q) = sw.tolist(), mu.tolist(), _sum(r, axis=1).tolist()
    logv, logv0 = _sum(np.log(vt), axis=1).tolist()
    w0 = w[1]
    return OneSums(t, s1, mean, rss, logv, s1_0, mean0, q, logv0, float(np.dot(w0, w0)))


def fisher_scoring(b: Batch, start: np.ndarray, reml: bool):
    """ML/REML by Fisher scoring with step halving, for every analysis of ``b`` at once.

    Steps (``S_j = sum w^j``, ``y'PPy = sum w^2 (y - b)^2``): REML ``(y'PPy - tr P) / tr PP`` with
    ``tr P = S1 - S2/S1`` and ``tr PP = S2 - 2 S3/S1 + (S2/S1)^2``; ML ``(y'PPy - S1) / S2``.
    A step that would make tau^2 negative is halved until it does not (from tau^2 = 0 a
    negative step ends the iteration at 0). Once a step is smaller than ``NEWTON_SWITCH (1 +
    tau^2)`` a Newton step (observed information) is taken where it is defined; the iteration stops
    when tau^2 changes by less than :data:`THRESHOLD`, or after two Newton steps, with the next one
    taken as quadratic convergence predicts it, when the error of that prediction is below a tenth
    of it (:func:`_settled`). An analysis
    whose steps change sign and shrink by less than half is oscillating: from then on its
    steps are kept inside the bracket of iterates with positive and negative score, by
    bisection where a step would leave it or not shrink by half. Returns ``(tau2, converged)``.
    """
    n = b.n
    if n == 1:
        y1, v1 = _present(b.single())
        t0 = float(start[0])
        one = _fisher_one(y1, v1, t0, reml)
        if one is not None:
            return np.array([one]), np.ones(1, dtype=bool)
    out = np.array(start, dtype=float)
    conv = np.zeros(n, dtype=bool)
    idx = np.arange(n)
    y, v, t = b.y, b.v, out.copy()
    c = weighted_mean(y, v, t)  # padded cells: weight 0
    prev = np.zeros(n)
    lo = np.zeros(n)
    hi = np.full(n, np.inf)
    safe = np.zeros(n, dtype=bool)
    was_newton = np.zeros(n, dtype=bool)
    for _ in range(MAXITER_SCORING):
        m = moments(v, t, centred(y, c))
        score, info, hess = moment_terms(m, reml)
        c = c + m[1] / m[0]  # the weighted mean at t: the centre of the next moments
        adj = score / info
        near = np.abs(adj) < NEWTON_SWITCH * (1.0 + t)
        is_newton = near
        if near.any():  # Newton near the root
            with np.errstate(divide="ignore", invalid="ignore"):
                newton = score / hess
            is_newton = near & (hess > 0) & (t + newton >= 0)
            adj = np.where(is_newton, newton, adj)
        # bracket of the maximum: score > 0 below it, < 0 above it
        pos = score > 0
        lo = np.where(pos, np.maximum(lo, t), lo)
        hi = np.where(pos, hi, np.minimum(hi, t))
        # oscillation: the step changes sign and shrinks by less than half
        slow = (adj * prev < 0) & (np.abs(adj) > 0.5 * np.abs(prev))
        safe |= slow & (lo < hi)
        if safe.any():
            new = t + adj
            # inside the bracket a step is kept only if it shrinks fast enough; else bisect
            bisect = safe & (~((new > lo) & (new < hi)) | (np.abs(adj) > 0.5 * np.abs(prev))) & np.isfinite(hi) & (lo < hi)
            adj = np.where(bisect, 0.5 * (lo + hi) - t, adj)
            is_newton = is_newton & ~bisect
        neg = t + adj < 0
        if neg.any():
            is_newton = is_newton & ~neg
            adj[neg & (t == 0)] = 0.0
            neg = t + adj < 0
            if neg.any():
                adj[neg] = _halved(t[neg], adj[neg])
        new = t + adj
        done = np.abs(new - t) < THRESHOLD
        both = np.flatnonzero(is_newton & was_newton & ~done)
        if both.size:
            a, p = adj[both], prev[both]
            ok = _settled(a, p, m[6][both] / m[3][both])
            if ok.any():
                done[both[ok]] = True
                new[both[ok]] += _next_step(a[ok], p[ok])
        prev = adj
        t = new
        was_newton = is_newton
        if done.any():
            out[idx[done]] = t[done]
            conv[idx[done]] = True
            keep = ~done
            if not keep.any():
                return out, conv
            idx, y, v, t, c = idx[keep], y[:, keep], v[:, keep], t[keep], c[keep]
            prev, lo, hi, safe, was_newton = prev[keep], lo[keep], hi[keep], safe[keep], was_newton[keep]
    out[idx] = t
    return out, conv


def solve_q(b: Batch, target: np.ndarray):
    """Root of ``Q_gen(tau^2) = target`` per analysis (``Q_gen(0) >= target`` assumed).

    Newton's method from 0 (``Q_gen`` is decreasing and convex, so the iterates approach the
    root from the left), kept inside a bracket [lo, hi] by bisection. The upper end starts at
    100 and grows tenfold while ``Q_gen(hi) > target``. Returns ``(tau2, converged)``;
    an analysis for which no finite tau^2 reaches the target is not converged.
    """
    n = b.n
    out = np.zeros(n)
    conv = np.zeros(n, dtype=bool)
    zeros = np.zeros(n)
    f0, d0 = q_gen(b, zeros)
    f0 = f0 - target
    hi = np.full(n, 100.0)
    fhi = q_gen(b, hi)[0] - target
    for _ in range(30):
        up = fhi > 0
        if not up.any():
            break
        hi[up] *= 10
        fhi[up] = q_gen(b.take(up), hi[up])[0] - target[up]
    exact = f0 == 0
    conv[exact] = True
    act = np.flatnonzero((fhi <= 0) & ~exact)
    sub = b.take(act)
    tg = target[act]
    x, fx, dfx = zeros[act], f0[act], d0[act]
    lo, hi = np.zeros(act.size), hi[act]
    for _ in range(MAXITER_ROOT):
        if act.size == 0:
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            new = x - fx / dfx
        bad = ~((new > lo) & (new < hi))
        new[bad] = 0.5 * (lo[bad] + hi[bad])
        fn, dn = q_gen(sub, new)
        fn = fn - tg
        pos = fn > 0
        lo = np.where(pos, new, lo)
        hi = np.where(pos, hi, new)
        tol = ROOT_TOL + 4 * _EPS * np.abs(new)
        done = (np.abs(new - x) <= tol) | (fn == 0) | (hi - lo <= 2 * tol)
        x, fx, dfx = new, fn, dn
        if done.any():
            out[act[done]] = x[done]
            conv[act[done]] = True
            keep = ~done
            act, sub, tg = act[keep], sub.take(keep), tg[keep]
            x, fx, dfx, lo, hi = x[keep], fx[keep], dfx[keep], lo[keep], hi[keep]
    return out, conv


def _bisect_score(b: Batch, lo: np.ndarray, hi: np.ndarray, reml: bool) -> np.ndarray:
    """Root of the score in ``[lo, hi]`` (score > 0 at lo, < 0 at hi), by bisection to ``THRESHOLD``."""
    lo, hi = lo.copy(), hi.copy()
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        pos = _score(b, mid, reml) > 0
        lo = np.where(pos, mid, lo)
        hi = np.where(pos, hi, mid)
        if np.all(hi - lo < THRESHOLD + 4 * _EPS * hi):
            break
    return 0.5 * (lo + hi)


@lru_cache(maxsize=4)
def _grid_fractions(g: int) -> np.ndarray:
    """``g`` evenly spaced fractions from 0 to 1 (the log-spaced grid of :func:`other_peaks`)."""
    out = np.linspace(0.0, 1.0, g)
    out.flags.writeable = False
    return out


def _other_peak_one(b: Batch, tau2: float, reml: bool):
    """:func:`other_peaks` for a batch of one: the same grid, cells and refinement, with scalars.

    The scan is the batch's (:func:`_score_grid`) for a batch of one.
    """
    s = b.single()
    present = s.v0 if s.v is s.v0 else s.v0[s.mask]
    vmin, vmax = present.min(), s.v0.max()
    var = _sum(s.y * s.y) / max(s.k - 1, 1)
    lg = np.log(1e-4 * vmin)
    hg = np.log(10 * (var + vmax))
    grid = np.concatenate(([0.0], np.exp(lg + _grid_fractions(PEAK_GRID) * (hg - lg))))
    sc = _score_grid(b, grid[:, None], reml)[:, 0].tolist()
    g = grid.tolist()
    best_t, best_ll = math.nan, -math.inf
    if sc[0] <= 0 and tau2 > g[1]:  # boundary maximum at 0
        best_t, best_ll = 0.0, float(loglik(s, 0.0, reml))
    last = len(g) - 1
    own = [g[j] <= tau2 <= g[j + 1] * (1 + 1e-12) for j in range(last)]
    cells = [j for j in range(last) if sc[j] > 0 and sc[j + 1] <= 0
             and not (own[j] or (j > 0 and own[j - 1]) or (j + 1 < last and own[j + 1]))]
    if cells:
        j = np.array(cells)
        sub = b.take(np.zeros(j.size, dtype=np.intp))
        root = _bisect_score(sub, grid[j], grid[j + 1], reml)
        ll = loglik(sub, root, reml)
        top = int(np.flatnonzero(ll == ll.max())[-1])  # as the batch: the last of equal maxima
        if ll[top] > best_ll:
            best_t, best_ll = float(root[top]), float(ll[top])
    if math.isnan(best_t):
        best_ll = math.nan
    return np.array([best_t]), np.array([best_ll])


def other_peaks(b: Batch, tau2: np.ndarray, reml: bool):
    """Scan the score for local maxima of the (restricted) likelihood other than ``tau2``.

    The score is evaluated at 0 and at :data:`PEAK_GRID` log-spaced points from ``1e-4 min(v)``
    to ``10 (var(y) + max(v))``; a maximum lies where the score falls through zero (and at 0
    when the score there is not positive). Maxima in the grid cell of ``tau2`` are the same
    peak. Returns ``(tau2_other, loglik_other)``: the other maximum with the highest
    likelihood, NaN where there is none. Two maxima closer than one grid step (a factor of
    about 2 in tau^2 for typical data) are not told apart.
    """
    n = b.n
    if n == 1:
        return _other_peak_one(b, float(tau2[0]), reml)
    vmin = np.where(b.mask, b.v0, np.inf).min(axis=0)
    vmax = b.v0.max(axis=0)
    var = (b.y * b.y).sum(axis=0) / np.maximum(b.k - 1, 1)
    lg = np.log(1e-4 * vmin)
    hg = np.log(10 * (var + vmax))
    frac = _grid_fractions(PEAK_GRID)
    grid = np.exp(lg[None, :] + frac[:, None] * (hg - lg)[None, :])  # (G, n)
    grid = np.vstack([np.zeros((1, n)), grid])
    sc = _score_grid(b, grid, reml)
    best_t = np.full(n, np.nan)
    best_ll = np.full(n, -np.inf)
    # boundary maximum at 0
    at0 = (sc[0] <= 0) & (tau2 > grid[1])
    if at0.any():
        ll0 = loglik(b.take(at0), np.zeros(int(at0.sum())), reml)
        best_t[at0], best_ll[at0] = 0.0, ll0
    falls = (sc[:-1] > 0) & (sc[1:] <= 0)  # (G, n): a maximum in [grid[j], grid[j+1]]
    own = (grid[:-1] <= tau2) & (tau2 <= grid[1:] * (1 + 1e-12))
    # the cell of tau2 and its neighbours hold the same peak
    own_n = own.copy()
    own_n[1:] |= own[:-1]
    own_n[:-1] |= own[1:]
    cand = falls & ~own_n
    if cand.any():
        j, i = np.nonzero(cand)
        sub = b.take(i)
        root = _bisect_score(sub, grid[j, i], grid[j + 1, i], reml)
        ll = loglik(sub, root, reml)
        order = np.argsort(ll, kind="stable")  # ascending: the highest maximum of a row is written last
        cand_t = np.full(n, np.nan)
        cand_ll = np.full(n, -np.inf)
        cand_t[i[order]], cand_ll[i[order]] = root[order], ll[order]
        better = cand_ll > best_ll
        best_t[better], best_ll[better] = cand_t[better], cand_ll[better]
    best_ll[np.isnan(best_t)] = np.nan
    return best_t, best_ll


@dataclass
class Tau2Batch:
    """tau^2 per analysis with how it was found.

    ``converged``: False only where the iteration did not settle (degenerate data);
    ``ll0``: where metafor's ll0check set tau^2 to 0; ``tau2_other``/``loglik_other``: another
    local maximum of the (restricted) likelihood and its value (NaN if none or not ML/REML);
    ``loglik``: the (restricted) log-likelihood at ``tau2`` (NaN if not ML/REML);
    ``no_root``: PM/EB analyses where no finite tau^2 reaches the target.
    """

    tau2: np.ndarray
    converged: np.ndarray
    ll0: np.ndarray
    tau2_other: np.ndarray
    loglik_other: np.ndarray
    loglik: np.ndarray
    notes: dict = field(default_factory=dict)
    #: A batch of one (ML/REML): the sums at the returned tau^2 (for :func:`assemble_one`), or None.
    one: OneSums | None = None


class OneTau2(NamedTuple):
    """ML/REML tau^2 of one analysis (:func:`estimate_one`): the fields of :class:`Tau2Batch` as numbers, and
    ``sums``, the :class:`OneSums` at ``tau2`` (for :func:`assemble_one`) or None."""

    tau2: float
    ll0: bool
    tau2_other: float
    loglik_other: float
    loglik: float
    sums: OneSums | None

    def batch(self) -> Tau2Batch:
        """The same as a :class:`Tau2Batch` of one analysis."""
        return Tau2Batch(np.array([self.tau2]), np.array([True]), np.array([self.ll0]), np.array([self.tau2_other]),
                         np.array([self.loglik_other]), np.array([self.loglik]), one=self.sums)


def estimate_one(s: Batch, method: str, *, peak: str = "start", peaks: bool = True) -> OneTau2 | None:
    """ML/REML for one analysis with k > 1 (``s`` as :meth:`Batch.single` gives it), with numbers: the ML/REML
    branch of :func:`estimate_tau2`, its steps taken one by one.

    :func:`fisher_scoring` from the HE estimate, metafor's ll0check, :func:`other_peaks`, the
    ``peak="global"`` swap. Returns None where Fisher scoring needs the batch iteration (oscillation,
    degenerate data); :func:`estimate_tau2` then runs the batch of one.
    """
    reml = method == "REML"
    y, v = _present(s)
    t0 = max(0.0, float(_he(s)))
    t = _fisher_one(y, v, t0, reml)
    if t is None:
        return None
    t = max(0.0, t)
    # the log-likelihood at the solution and at 0 (metafor's ll0check)
    sums = one_sums(y, v, t)
    ll = _loglik_from(s.k, sums.logv, sums.s1, sums.rss, reml)
    other_t = other_ll = math.nan
    ll0 = False
    if t > THRESHOLD:  # metafor's ll0check
        l0 = _loglik_from(s.k, sums.logv0, sums.s1_0, sums.q, reml)
        if l0 - ll > LL0_TOL:
            if not peaks:
                other_t, other_ll = t, ll
            t, ll = 0.0, l0
            sums = sums.at_zero()
            ll0 = True
    if peaks and math.isnan(other_t):
        ot, ol = other_peaks(s.full(), np.array([t]), reml)
        other_t, other_ll = float(ot[0]), float(ol[0])
    if peak == "global" and other_ll > ll + LL0_TOL:
        t, other_t, ll, other_ll = other_t, t, other_ll, ll
    return OneTau2(t, ll0, other_t, other_ll, ll, sums if sums.t == t else None)


def estimate_tau2(b: Batch, method: str, *, peak: str = "start", peaks: bool = True) -> Tau2Batch:
    """tau^2 for every analysis of ``b`` with one of FE, DL, REML, ML, PM, HE, SJ, HS, EB.

    ``peak="start"`` returns the maximum metafor reaches (Fisher scoring from the HE estimate,
    then its ll0check); ``"global"`` the highest of the maxima found. ``peaks=False`` skips the
    scan for other maxima (``tau2_other`` stays NaN). Analyses with k = 1 get tau^2 = 0.
    """
    n = b.n
    if n == 1 and method in ("ML", "REML") and b.k[0] > 1:  # one analysis: numbers, no masks
        one = estimate_one(b.single(), method, peak=peak, peaks=peaks)
        if one is not None:
            return one.batch()
    tau2 = np.zeros(n)
    conv = np.ones(n, dtype=bool)
    nan = np.full(n, np.nan)
    res = Tau2Batch(tau2, conv, np.zeros(n, dtype=bool), nan.copy(), nan.copy(), nan.copy())
    multi = b.k > 1
    if method == "FE" or not multi.any():
        return res
    cols = np.flatnonzero(multi)
    s = b if cols.size == n else b.take(cols)
    kk = s.k
    if method in ("DL", "HS"):
        w, s1, mu = _sums(s, 0.0)
        r = s.y - mu
        q = (w * r * r).sum(axis=0)
        t = (q - (kk - 1)) / (s1 - (w * w).sum(axis=0) / s1) if method == "DL" else (q - kk) / s1
        tau2[cols] = np.maximum(0.0, t)
    elif method == "HE":
        tau2[cols] = np.maximum(0.0, _he(s))
    elif method == "SJ":
        t0 = (s.y * s.y).sum(axis=0) / kk
        pos = t0 != 0.0
        t = np.zeros(cols.size)
        if pos.any():
            q = q_gen(s.take(pos), t0[pos])[0]
            t[pos] = np.maximum(0.0, t0[pos] * q / (kk[pos] - 1))
        tau2[cols] = t
    elif method in ("PM", "EB"):
        target = kk - 1
        q0 = q_gen(s, np.zeros(cols.size))[0]
        need = q0 >= target
        t = np.zeros(cols.size)
        c = np.ones(cols.size, dtype=bool)
        if need.any():
            t[need], c[need] = solve_q(s.take(need), target[need])
        tau2[cols], conv[cols] = t, c
    elif method in ("ML", "REML"):
        reml = method == "REML"
        t, c = fisher_scoring(s, np.maximum(0.0, _he(s)), reml)
        t = np.maximum(0.0, t)
        ll = loglik(s, t, reml)
        other_t = np.full(cols.size, np.nan)
        other_ll = np.full(cols.size, np.nan)
        # metafor's ll0check: the likelihood at 0 against the solution
        chk = c & (t > THRESHOLD)
        ll0 = np.zeros(cols.size, dtype=bool)
        if chk.any():
            l0 = loglik(s if chk.all() else s.take(chk), np.zeros(int(chk.sum())), reml)
            gain = l0 - ll[chk]
            z = np.flatnonzero(chk)[gain > LL0_TOL]
            if z.size:
                if not peaks:  # without the scan, the maximum Fisher scoring reached is the other one
                    other_t[z], other_ll[z] = t[z], ll[z]
                t[z] = 0.0
                ll[z] = l0[gain > LL0_TOL]
                ll0[z] = True
        if (~c).any():
            # degenerate rows: the best maximum of the scan (reported with a warning by the caller)
            bad = np.flatnonzero(~c)
            sb = s.take(bad)
            ot, ol = other_peaks(sb, np.full(bad.size, -1.0), reml)
            l0 = loglik(sb, np.zeros(bad.size), reml)
            use0 = ~(ol > l0)
            t[bad] = np.where(use0, 0.0, ot)
            ll[bad] = np.where(use0, l0, ol)
        if peaks:
            fresh = np.isnan(other_t) & c
            if fresh.any():
                ot, ol = other_peaks(s if fresh.all() else s.take(fresh), t[fresh], reml)
                other_t[fresh], other_ll[fresh] = ot, ol
        if peak == "global":
            swap = other_ll > ll + LL0_TOL
            if swap.any():
                t[swap], other_t[swap] = other_t[swap], t[swap].copy()
                ll[swap], other_ll[swap] = other_ll[swap], ll[swap].copy()
        tau2[cols], conv[cols] = t, c
        res.ll0[cols] = ll0
        res.tau2_other[cols], res.loglik_other[cols] = other_t, other_ll
        res.loglik[cols] = ll
    else:
        raise ValueError(f"estimate_tau2: unknown method {method!r}.")
    return res


# ---------------------------------------------------------------------------
# assembly of a fit


@lru_cache(maxsize=256)
def critical(test: str, level: float, df: float) -> float:
    """Two-sided critical value: normal for ``test="z"``, t with ``df`` degrees of freedom otherwise."""
    alpha = 1 - level / 100
    return float(special.stdtrit(df, 1 - alpha / 2)) if test != "z" else float(special.ndtri(1 - alpha / 2))


def assemble(b: Batch, tau2: np.ndarray, *, method: str, test: str, level: float) -> dict[str, np.ndarray]:
    """Estimate, inference and heterogeneity statistics of every analysis of ``b`` at ``tau2``.

    ``mu = sum w y / sum w`` with ``Var = 1 / sum w``; Knapp-Hartung (``test="knha"``) multiplies
    the variance by ``s^2 = sum w (y - mu)^2 / (k - 1)`` and uses t with k - 1 df (Knapp & Hartung
    2003, Stat Med 22:2693-2710); ``"adhoc"`` uses ``max(1, s^2)`` (Knapp & Hartung's ad hoc
    modification, metafor ``test="adhoc"``). The prediction interval is
    ``mu +/- crit sqrt(tau^2 + se^2)`` with the critical value of the test (metafor ``predict``).
    Q with fixed-effect weights; ``I^2 = 100 tau^2 / (vt + tau^2)``, ``H^2 = tau^2 / vt + 1`` with
    the typical within-study variance ``vt = (k - 1) / (S1 - S2/S1)`` (Higgins & Thompson 2002,
    eq. 9); FE: ``I^2 = max(0, (Q - df)/Q)``, ``H^2 = Q/df``. Analyses with one study use the z
    test. Returns a dict of arrays, including ``vt`` and ``qgen0`` (Q at tau^2 = 0).
    """
    if b.n == 1 and b.k[0] > 1:
        one = assemble_one(b.single(), float(tau2[0]), method=method, test=test, level=level)
        out = {key: np.array([one[key]]) for key in ASSEMBLED}
        out.update(k=b.k, tau2=tau2, all_equal=np.array([one["all_equal"]]))
        return out
    k = b.k
    w, sw, mu = _sums(b, tau2)
    est = mu + b.shift
    var = 1.0 / sw
    alpha = 1 - level / 100
    kh = np.full(k.shape, test != "z") & (k > 1)
    df = np.where(kh, k - 1, np.nan)
    crit = np.full(k.shape, special.ndtri(1 - alpha / 2))
    all_equal = np.zeros(k.shape, dtype=bool)
    if kh.any():
        r = b.y - mu
        rss = (w * r * r).sum(axis=0)[kh]
        s2w = np.where(rss <= _EPS, 0.0, rss / (k[kh] - 1))
        all_equal[kh] = s2w == 0.0
        if test == "adhoc":
            s2w = np.maximum(1.0, s2w)
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
    multi = k > 1
    q = np.zeros(k.shape)
    q_pval = np.ones(k.shape)
    i2 = np.zeros(k.shape)
    h2 = np.ones(k.shape)
    vt = np.full(k.shape, np.nan)
    qgen0 = np.zeros(k.shape)
    if multi.any():
        sm = b if multi.all() else b.take(multi)
        km = sm.k
        w0, sw0, mu0 = _sums(sm, 0.0)
        r0 = sm.y - mu0
        qg = (w0 * r0 * r0).sum(axis=0)
        qgen0[multi] = qg
        qm = np.maximum(0.0, qg)
        q[multi] = qm
        q_pval[multi] = special.chdtrc(km - 1, qm)
        vtm = (km - 1) / (sw0 - (w0 * w0).sum(axis=0) / sw0)
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
    return {
        "k": k, "estimate": est, "se": se, "stat": stat, "pval": pval, "df": df,
        "ci_low": est - crit * se, "ci_high": est + crit * se,
        "pi_low": est - crit * pi_se, "pi_high": est + crit * pi_se,
        "tau2": tau2, "i2": i2, "h2": h2, "q": q, "q_pval": q_pval,
        "vt": vt, "qgen0": qgen0, "all_equal": all_equal,
    }


#: The statistics of one fit that :func:`assemble_one` returns as numbers (besides ``all_equal``).
ASSEMBLED = ("estimate", "se", "stat", "pval", "df", "ci_low", "ci_high", "pi_low", "pi_high", "i2", "h2", "q",
             "q_pval", "vt", "qgen0")


def assemble_one(s: Batch, t: float, *, method: str, test: str, level: float,
                 sums: OneSums | None = None) -> dict[str, float]:
    """:func:`assemble` for one analysis with k > 1 (``s`` as :meth:`Batch.single` gives it) at ``tau^2 = t``,
    with numbers (the same formulas): a dict of floats under the names of :func:`assemble` (and
    ``all_equal``, a bool).

    ``sums``: the :class:`OneSums` at ``t`` if the estimation has them (:class:`OneTau2`); else they
    are computed here.
    """
    k = s.k
    if sums is None or sums.t != t:
        y, v = _present(s)
        sums = one_sums(y, v, t)
    rss, qg, sw0, s2_0 = sums.rss, sums.q, sums.s1_0, sums.s2_0
    est = sums.mean + s.shift
    var = 1.0 / sums.s1
    kh = test != "z"
    all_equal = False
    if kh:
        s2w = 0.0 if rss <= _EPS else rss / (k - 1)
        all_equal = s2w == 0.0
        if test == "adhoc":
            s2w = max(1.0, s2w)
        var = var * s2w
        df = k - 1
        crit = critical(test, level, df)
    else:
        df = math.nan
        crit = critical("z", level, 0.0)
    se = math.sqrt(var)
    if se > 0:
        stat = est / se
        pval = float(2 * (special.stdtr(df, -abs(stat)) if kh else special.ndtr(-abs(stat))))
    else:
        stat = math.copysign(math.inf, est) if est != 0 else math.nan
        pval = 0.0 if est != 0 else 1.0
    q = max(0.0, qg)
    q_pval = float(special.chdtrc(k - 1, q))
    vt = (k - 1) / (sw0 - s2_0 / sw0)
    if method == "FE":
        i2 = max(0.0, 100 * (q - (k - 1)) / q) if q > 0 else 0.0
        h2 = q / (k - 1)
    else:
        i2 = 100 * t / (vt + t)
        h2 = t / vt + 1
    pi_se = math.sqrt(var + t)
    return {"estimate": est, "se": se, "stat": stat, "pval": pval, "df": df, "ci_low": est - crit * se,
            "ci_high": est + crit * se, "pi_low": est - crit * pi_se, "pi_high": est + crit * pi_se, "i2": i2,
            "h2": h2, "q": q, "q_pval": q_pval, "vt": vt, "qgen0": qg, "all_equal": all_equal}


def q_profile(b: Batch, level: float, qgen0: np.ndarray | None = None):
    """Q-profile interval for tau^2 per analysis with k > 1 (Viechtbauer 2007, Stat Med 26:37-52).

    The bounds solve ``Q_gen(tau^2) = chi2_{k-1; 1-alpha/2}`` (lower) and ``chi2_{k-1; alpha/2}``
    (upper); a bound whose equation has no positive root is 0 (both are 0 when ``Q_gen(0)`` is
    below the lower critical value). Unlike metafor, the upper bound is not capped at
    ``max(100, 10 tau^2)``. Returns ``(low, high, converged)``; NaN for k = 1.
    """
    n = b.n
    df = b.k - 1.0
    lo = np.full(n, np.nan)
    hi = np.full(n, np.nan)
    conv = np.ones(n, dtype=bool)
    multi = df >= 1
    if not multi.any():
        return lo, hi, conv
    lo[multi] = 0.0
    hi[multi] = 0.0
    alpha = 1 - level / 100
    crit_u = np.full(n, np.nan)
    crit_l = np.full(n, np.nan)
    crit_u[multi] = special.chdtri(df[multi], alpha / 2)
    crit_l[multi] = special.chdtri(df[multi], 1 - alpha / 2)
    if qgen0 is None:
        qgen0 = q_gen(b, np.zeros(n))[0]
    need_hi = multi & (qgen0 >= crit_l)
    for target, dest, need in ((crit_l, hi, need_hi), (crit_u, lo, need_hi & (qgen0 >= crit_u))):
        if need.any():
            sol, c = solve_q(b.take(need), target[need])
            dest[need] = sol
            conv[np.flatnonzero(need)[~c]] = False
    return lo, hi, conv


# ---------------------------------------------------------------------------
# many models with moderators at once (permutation tests of meta-regression)


def _design_wls(y, v, X, tau2):
    """Batched weighted least squares: ``(b, r, w, Ainv)`` for ``y``, ``v`` (n, k), ``X`` (n, k, p), ``tau2`` (n,)."""
    w = 1.0 / (v + tau2[:, None])
    XtW = X.transpose(0, 2, 1) * w[:, None, :]
    Ainv = np.linalg.inv(XtW @ X)
    b = (Ainv @ (XtW @ y[:, :, None]))[:, :, 0]
    r = y - (X @ b[:, :, None])[:, :, 0]
    return b, r, w, Ainv


def _design_traces(w, X, Ainv):
    """``tr P`` and ``tr PP`` per model (P = W - W X (X'WX)^-1 X'W)."""
    Xt = X.transpose(0, 2, 1)
    B2 = Ainv @ ((Xt * (w * w)[:, None, :]) @ X)
    B3 = Ainv @ ((Xt * (w ** 3)[:, None, :]) @ X)
    trp = w.sum(axis=1) - np.trace(B2, axis1=1, axis2=2)
    trpp = (w * w).sum(axis=1) - 2 * np.trace(B3, axis1=1, axis2=2) + np.einsum("nij,nji->n", B2, B2)
    return trp, trpp


def _design_loglik(y, v, X, tau2, reml):
    b, r, w, Ainv = _design_wls(y, v, X, tau2)
    k, p = X.shape[1], X.shape[2]
    ll = -0.5 * np.log(v + tau2[:, None]).sum(axis=1) - 0.5 * (w * r * r).sum(axis=1)
    if reml:
        _, logdet = np.linalg.slogdet(X.transpose(0, 2, 1) * w[:, None, :] @ X)
        return ll - 0.5 * (k - p) * _LOG_2PI - 0.5 * logdet
    return ll - 0.5 * k * _LOG_2PI


def design_tau2(y: np.ndarray, v: np.ndarray, X: np.ndarray, method: str):
    """Residual tau^2 of many meta-regressions at once: ``y``, ``v`` (n, k), ``X`` (n, k, p).

    The same estimators as :func:`koppmeta.models.heterogeneity.estimate_tau2` for a model matrix, in
    batched matrix form (Viechtbauer 2005): DL ``(Q - (k - p)) / tr P_0``; HS ``(Q - k) / sum w``;
    HE ``(RSS_ols - tr(P_ols V)) / (k - p)``; SJ ``t0 Q_gen(t0) / (k - p)``; PM/EB the root of
    ``Q_gen = k - p`` (Newton from 0 with a bisection guard); ML/REML Fisher scoring from HE
    with step halving, then metafor's ll0check. Returns ``(tau2, converged, ll0)`` (``ll0``: where
    the ll0check set tau^2 to 0). :func:`koppmeta.models.heterogeneity.estimate_tau2` runs it on a batch
    of one for a single meta-regression.
    """
    n, k, p = X.shape
    zero = np.zeros(n)
    no = np.zeros(n, dtype=bool)
    if method == "FE" or k <= p:
        return zero, np.ones(n, dtype=bool), no
    if method in ("DL", "HS"):
        _, r, w, Ainv = _design_wls(y, v, X, zero)
        q = (w * r * r).sum(axis=1)
        if method == "DL":
            trp, _ = _design_traces(w, X, Ainv)
            return np.maximum(0.0, (q - (k - p)) / trp), np.ones(n, dtype=bool), no
        return np.maximum(0.0, (q - k) / w.sum(axis=1)), np.ones(n, dtype=bool), no
    Xt = X.transpose(0, 2, 1)
    XtXi = np.linalg.inv(Xt @ X)  # HE, and the start of ML/REML
    r_ols = y - (X @ (XtXi @ (Xt @ y[:, :, None])))[:, :, 0]
    tr_pv = v.sum(axis=1) - np.trace(XtXi @ ((Xt * v[:, None, :]) @ X), axis1=1, axis2=2)
    he = ((r_ols * r_ols).sum(axis=1) - tr_pv) / (k - p)
    if method == "HE":
        return np.maximum(0.0, he), np.ones(n, dtype=bool), no
    if method == "SJ":
        t0 = ((y - y.mean(axis=1, keepdims=True)) ** 2).mean(axis=1)
        _, r, w, _ = _design_wls(y, v, X, t0)
        t = np.where(t0 > 0, t0 * (w * r * r).sum(axis=1) / (k - p), 0.0)
        return np.maximum(0.0, t), np.ones(n, dtype=bool), no
    if method in ("PM", "EB"):
        target = float(k - p)

        def qd(t):
            _, r, w, _ = _design_wls(y, v, X, t)
            wr2 = w * r * r
            return wr2.sum(axis=1) - target, -(wr2 * w).sum(axis=1)

        x = zero.copy()
        fx, dfx = qd(x)
        conv = fx <= 0
        out = np.zeros(n)
        lo = np.zeros(n)
        hi = np.full(n, 100.0)
        for _ in range(30):  # the upper end of the bracket grows tenfold while Q_gen is above the target
            up = qd(hi)[0] > 0
            if not up.any():
                break
            hi = np.where(up, 10 * hi, hi)
        for _ in range(MAXITER_ROOT):
            act = ~conv
            if not act.any():
                break
            with np.errstate(divide="ignore", invalid="ignore"):
                new = x - fx / dfx
            bad = ~((new > lo) & (new < hi))
            new = np.where(bad, 0.5 * (lo + hi), new)
            fn, dn = qd(np.where(act, new, x))
            lo = np.where(act & (fn > 0), new, lo)
            hi = np.where(act & (fn <= 0), new, hi)
            tol = ROOT_TOL + 4 * _EPS * np.abs(new)
            done = act & ((np.abs(new - x) <= tol) | (fn == 0) | (hi - lo <= 2 * tol))
            x = np.where(act, new, x)
            fx, dfx = np.where(act, fn, fx), np.where(act, dn, dfx)
            out[done] = x[done]
            conv |= done
        return out, conv, no
    reml = method == "REML"
    t = np.maximum(0.0, he)
    conv = np.zeros(n, dtype=bool)
    for _ in range(MAXITER_SCORING):
        _, r, w, Ainv = _design_wls(y, v, X, t)
        ypy = ((w * r) ** 2).sum(axis=1)
        if reml:
            trp, trpp = _design_traces(w, X, Ainv)
            adj = (ypy - trp) / trpp
        else:
            adj = (ypy - w.sum(axis=1)) / (w * w).sum(axis=1)
        adj = np.where(conv, 0.0, adj)
        adj = np.where((t == 0) & (adj < 0), 0.0, adj)
        neg = t + adj < 0
        while neg.any():
            adj = np.where(neg, adj / 2, adj)
            neg = t + adj < 0
        new = t + adj
        conv |= np.abs(new - t) < THRESHOLD
        t = new
        if conv.all():
            break
    chk = conv & (t > THRESHOLD)
    if chk.any():
        gain = _design_loglik(y[chk], v[chk], X[chk], np.zeros(int(chk.sum())), reml) - \
            _design_loglik(y[chk], v[chk], X[chk], t[chk], reml)
        idx = np.flatnonzero(chk)[gain > LL0_TOL]
        t[idx] = 0.0
        no[idx] = True
    return np.maximum(0.0, t), conv, no


def design_tests(y: np.ndarray, v: np.ndarray, X: np.ndarray, tau2: np.ndarray, test: str, btt: np.ndarray):
    """Coefficient statistics (n, p) and the omnibus Wald statistic QM of the coefficients ``btt`` (n,).

    z: ``b / se`` with ``Var(b) = (X'WX)^-1``; Knapp-Hartung: the variance times
    ``sum w r^2 / (k - p)`` and ``QM / len(btt)`` (the F form), as :func:`koppmeta.meta_regression`.
    """
    n, k, p = X.shape
    b, r, w, Ainv = _design_wls(y, v, X, tau2)
    if test == "knha":
        rss = (w * r * r).sum(axis=1)
        s2 = np.where(rss <= _EPS, 0.0, rss / (k - p))
        Ainv = Ainv * s2[:, None, None]
    se = np.sqrt(np.diagonal(Ainv, axis1=1, axis2=2))
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = b / se
        bb = b[:, btt]
        qm = np.einsum("ni,ni->n", bb, np.linalg.solve(Ainv[:, btt][:, :, btt], bb[:, :, None])[:, :, 0])
    if test == "knha":
        qm = qm / len(btt)
    return stat, qm
