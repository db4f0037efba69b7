"""Shared test helpers: the metafor reference fixture and the named tolerances."""

from __future__ import annotations

import json
import math
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"

# Parity with metafor (design/api.md): 1e-6 absolute, or relative for values above 1.
PARITY_TOL = 1e-6


def forget(old: str) -> None:
    """Undo an earlier import of an old module path (``koppmeta.engine``, ...), so that the next import
    of it goes through the alias finder and warns again."""
    sys.modules.pop(old, None)
    parent, _, leaf = old.rpartition(".")
    module = sys.modules.get(parent)
    if module is not None and isinstance(vars(module).get(leaf), types.ModuleType):
        delattr(module, leaf)


def close(actual: float, expected: float, tol: float = PARITY_TOL) -> bool:
    """True when ``actual`` equals ``expected`` to ``tol`` (absolute, or relative above 1)."""
    if expected is None:
        return actual is None or (isinstance(actual, float) and math.isnan(actual))
    if math.isinf(expected) or math.isnan(expected):
        return actual == expected or (math.isnan(expected) and math.isnan(actual))
    return abs(actual - expected) <= tol * max(1.0, abs(expected))


@pytest.fixture(scope="session")
def metafor_ref() -> dict:
    with open(FIXTURES / "metafor_reference.json", encoding="utf-8") as fh:
        return json.load(fh)


def load_reference() -> dict:
    with open(FIXTURES / "metafor_reference.json", encoding="utf-8") as fh:
        return json.load(fh)
