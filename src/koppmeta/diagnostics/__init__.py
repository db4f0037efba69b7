"""Diagnostics of a pooled result: how much it depends on single trials, small-study effects and bias.

Every function here takes a fitted :class:`koppmeta.models.MetaAnalysis` (or the data of one) and
refits it through :mod:`koppmeta.models`, never with an estimator of its own:

- :mod:`~koppmeta.diagnostics.sensitivity`: leave-one-out, influence, cumulative and Baujat;
- :mod:`~koppmeta.diagnostics.bias`: Egger's and Begg's tests, trim and fill, PET-PEESE, fail-safe N;
- :mod:`~koppmeta.diagnostics.resampling`: the bootstrap;
- :mod:`~koppmeta.diagnostics.gosh`: GOSH, the fits of every subset of the trials;
- :mod:`~koppmeta.diagnostics.rob`: the pooled effect with all trials beside the trials at lower risk of bias.

The public names are those of ``koppmeta`` itself (``koppmeta.egger_test``, ``koppmeta.gosh``, ...).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_SUBMODULES = ("sensitivity", "bias", "resampling", "gosh", "rob")


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:  # imported on first use
        return import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
