"""Effect sizes: from the numbers a trial reports to ``yi`` and ``vi``.

- :mod:`~koppmeta.effects.sizes`: :func:`~koppmeta.effects.sizes.effect_sizes` (metafor's ``escalc``)
  and the conversions from reported results (intervals, p-values, t, F, eta-squared, percentages);
- :mod:`~koppmeta.effects.own_data`: a table of one's own trials (CSV or XLSX) read, checked,
  turned into effects and pooled (``koppmeta analyse FILE``), and the templates for it;
- :mod:`~koppmeta.effects.revman`: the trials and data of a RevMan 5 review file (``.rm5``).

Pooling them is :mod:`koppmeta.models`. The public names are those of ``koppmeta`` itself
(``koppmeta.effect_sizes``, ``koppmeta.read_trials``, ``koppmeta.read_revman``, ...).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_SUBMODULES = ("sizes", "own_data", "revman")


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:  # imported on first use
        return import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
