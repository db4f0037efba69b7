"""Small example datasets shipped with koppmeta.

``bcg.csv`` is metafor's ``dat.bcg`` (Colditz et al. 1994, JAMA 271:698-702: 13
trials of the BCG vaccine against tuberculosis), exported from the R package
metadat by ``tests/r/make_fixtures.R`` so that it is byte-for-byte what the
reference computations use.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

__all__ = ["load_bcg"]


def load_bcg(measure: str | None = None) -> pd.DataFrame:
    """The BCG vaccine trials (metadat ``dat.bcg``), with a ``label`` column "Author, Year".

    Columns: ``trial, author, year, tpos, tneg, cpos, cneg, ablat, alloc, label``
    (tpos/tneg: vaccinated with/without tuberculosis; cpos/cneg: not vaccinated).

    ``measure`` (``"RR"``, ``"OR"`` or ``"RD"``) adds the effect sizes ``yi, vi`` of vaccinated
    versus not vaccinated from :func:`koppmeta.effect_sizes` (metafor ``escalc(measure, ai = tpos,
    bi = tneg, ci = cpos, di = cneg, data = dat.bcg)``).

    >>> import koppmeta
    >>> es = koppmeta.datasets.load_bcg("RR")
    >>> round(float(es["yi"].iloc[0]), 4)
    -0.8893
    """
    with resources.files(__package__).joinpath("bcg.csv").open("r", encoding="utf-8") as fh:
        df = pd.read_csv(fh)
    df["label"] = df["author"].astype(str) + ", " + df["year"].astype(str)
    if measure is None:
        return df
    from .._validation import check_choice
    from ..effects.sizes import effect_sizes

    check_choice("load_bcg", "measure", measure, ("RR", "OR", "RD"))
    return effect_sizes(df, measure, events1="tpos", nonevents1="tneg", events2="cpos", nonevents2="cneg",
                        labels="label")
