"""Normal, t and chi-square tail functions from ``scipy.special``.

``scipy.stats`` costs about a third of a second to import and its distribution
objects add tens of microseconds per call; these thin wrappers keep
``import koppmeta`` and a single fit fast. Each returns a float.
"""

from __future__ import annotations

from scipy import special


def norm_sf(x: float) -> float:
    """P(Z > x) for a standard normal Z."""
    return float(special.ndtr(-x))


def norm_isf(p: float) -> float:
    """x with P(Z > x) = p."""
    return float(-special.ndtri(p))


def t_sf(x: float, df: float) -> float:
    """P(T > x) for Student's t with ``df`` degrees of freedom."""
    return float(special.stdtr(df, -x))


def t_isf(p: float, df: float) -> float:
    """x with P(T > x) = p."""
    return float(-special.stdtrit(df, p))


def chi2_sf(x: float, df: float) -> float:
    """P(X > x) for a chi-square variable with ``df`` degrees of freedom."""
    return float(special.chdtrc(df, x))


def chi2_isf(p: float, df: float) -> float:
    """x with P(X > x) = p."""
    return float(special.chdtri(df, p))


def chi2_ppf(p: float, df: float) -> float:
    """x with P(X <= x) = p."""
    return float(special.chdtri(df, 1 - p))
