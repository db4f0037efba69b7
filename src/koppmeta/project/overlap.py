"""Which reviews include which trials, and how much the reviews overlap.

The trial table's ``in_reviews`` column names, per row, the reviews (``review_id`` of
``data/reviews.csv``) whose published list of included studies holds the trial. From it,
:func:`inclusion_matrix` builds the trial-by-review citation matrix and
:func:`corrected_covered_area` the overlap measure of Pieper et al. (2014, J Clin Epidemiol
67:368-375): CCA = (N - r) / (r c - r), with N the number of ticks in the matrix, r the number of
trials (rows) and c the number of reviews (columns). 0 means no trial is in more than one review,
1 means every review holds every trial.
"""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["inclusion_matrix", "corrected_covered_area"]


def inclusion_matrix(studies: pd.DataFrame, reviews: list[str] | None = None) -> pd.DataFrame:
    """Trials (rows) by reviews (columns), ``True`` where the review includes the trial.

    Parameters
    ----------
    studies : DataFrame
        The trial table (:func:`koppmeta.load_studies`); a trial counts as included when any of its
        rows lists the review in ``in_reviews`` (';'-separated).
    reviews : list of str, optional
        Column order, and reviews to show even when no trial is mapped to them.
    """
    if "in_reviews" not in studies or "study_id" not in studies:
        raise ValueError("inclusion_matrix: the table needs the columns 'study_id' and 'in_reviews'.")
    pairs = set()
    for sid, cell in zip(studies["study_id"], studies["in_reviews"]):
        if isinstance(cell, str) and cell.strip():
            for rid in cell.split(";"):
                if rid.strip():
                    pairs.add((sid, rid.strip()))
    cols = list(reviews) if reviews is not None else sorted({r for _, r in pairs})
    rows = sorted({s for s, r in pairs if r in cols})
    m = pd.DataFrame(False, index=pd.Index(rows, name="study_id"), columns=pd.Index(cols, name="review_id"))
    for s, r in pairs:
        if r in cols:
            m.loc[s, r] = True
    return m


def corrected_covered_area(matrix: pd.DataFrame) -> float:
    """Corrected covered area of a trial-by-review matrix; NaN when it is undefined (fewer than two
    reviews or no trial), since overlap needs at least two reviews to compare."""
    r, c = matrix.shape
    if r == 0 or c < 2:
        return math.nan
    n = int(matrix.to_numpy().sum())
    return (n - r) / (r * c - r)
