"""Input checks shared by the public functions.

Every check raises an error whose message names the function's argument, the
study (its label and its 1-based row), the offending value and the rule it
breaks, so a user can find and fix the problem in their own data. Nothing is
dropped or replaced silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import math

import numpy as np
import pandas as pd


MAX_LISTED = 25


@dataclass(frozen=True)
class Problem:
    """One broken rule: where it is and what it is."""

    file: str
    row: int | None  # 1-based data row (the header is row 0); None for file-level problems
    line: int | None  # line number in the file
    column: str | None
    value: str | None
    rule: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row == 0:
            where.append(f"header (line {self.line})")
        elif self.row is not None:
            where.append(f"row {self.row} (line {self.line})")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        if self.value is not None:
            where.append(f"value {self.value!r}")
        return ", ".join(where) + f": {self.rule}"


class DataError(ValueError):
    """A data file breaks the schema. ``problems`` lists every violation found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        head = f"{len(problems)} problem(s) in {problems[0].file}:" if len(problems) > 1 else "invalid data:"
        lines = [str(p) for p in problems[:MAX_LISTED]]
        if len(problems) > MAX_LISTED:
            lines.append(f"... and {len(problems) - MAX_LISTED} more")
        super().__init__(head + "\n  " + "\n  ".join(lines))


def study_name(labels: Sequence[str] | None, i: int) -> str:
    """Describe study ``i`` (0-based) as ``'label' (row n)`` for messages."""
    if labels is not None:
        return f"study {labels[i]!r} (row {i + 1})"
    return f"study in row {i + 1}"


def check_choice(func: str, arg: str, value: Any, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``choices``; otherwise raise ValueError listing them."""
    if not isinstance(value, str):
        raise TypeError(
            f"{func}: argument {arg!r} must be a string, one of {', '.join(choices)}; "
            f"got {value!r} of type {type(value).__name__}."
        )
    if value not in choices:
        lowered = {c.lower(): c for c in choices}
        hint = f" Did you mean {lowered[value.lower()]!r}?" if value.lower() in lowered else ""
        raise ValueError(
            f"{func}: unknown {arg} {value!r}. Valid values: {', '.join(choices)}.{hint}"
        )
    return value


def make_labels(func: str, labels: Any, k: int) -> list[str] | None:
    """Turn ``labels`` into a list of strings of length ``k`` (or None)."""
    if labels is None:
        return None
    if isinstance(labels, str):
        raise TypeError(f"{func}: argument 'labels' must be a sequence of study labels, not a single string.")
    out = [str(x) for x in labels]
    if len(out) != k:
        raise ValueError(
            f"{func}: argument 'labels' has {len(out)} entries but there are {k} studies; "
            "give one label per study."
        )
    return out


def numeric_vector(
    func: str,
    arg: str,
    values: Any,
    labels: Sequence[str] | None = None,
    *,
    allow_nan: bool = False,
) -> np.ndarray:
    """Convert ``values`` to a 1-D float array, rejecting text, booleans and non-finite values.

    Raises
    ------
    TypeError
        When a value is not a number (text, None with ``allow_nan=False``, booleans).
    ValueError
        When the input is not one-dimensional, or a value is NaN or infinite.
    """
    fast = _fast_numeric(values)
    if fast is not None:
        return fast
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{func}: argument {arg!r} must be a sequence of numbers, not a string ({values!r}).")
    if isinstance(values, pd.DataFrame):
        raise TypeError(f"{func}: argument {arg!r} must be one column of numbers, not a DataFrame.")
    if isinstance(values, pd.Series):
        raw = values.to_list()
    elif np.isscalar(values):
        raw = [values]
    else:
        try:
            raw = list(np.asarray(values, dtype=object).ravel()) if np.ndim(values) <= 1 else None
        except Exception:  # pragma: no cover - exotic containers
            raw = None
        if raw is None:
            raise ValueError(f"{func}: argument {arg!r} must be one-dimensional; got shape {np.shape(values)}.")
    out = np.empty(len(raw), dtype=float)
    for i, v in enumerate(raw):
        if isinstance(v, (bool, np.bool_)):
            raise TypeError(
                f"{func}: argument {arg!r}, {study_name(labels, i)}: value {v!r} is a boolean; "
                "a number is required."
            )
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
            if allow_nan:
                out[i] = np.nan
                continue
            raise ValueError(
                f"{func}: argument {arg!r}, {study_name(labels, i)}: value is missing (NaN). "
                "Missing values are not dropped silently: remove the study or fill in the value."
            )
        if isinstance(v, (int, float, np.integer, np.floating)):
            x = float(v)
        else:
            raise TypeError(
                f"{func}: argument {arg!r}, {study_name(labels, i)}: value {v!r} is not a number "
                f"(type {type(v).__name__})."
            )
        if np.isnan(x) and not allow_nan:
            raise ValueError(
                f"{func}: argument {arg!r}, {study_name(labels, i)}: value is missing (NaN). "
                "Missing values are not dropped silently: remove the study or fill in the value."
            )
        if np.isinf(x):
            raise ValueError(
                f"{func}: argument {arg!r}, {study_name(labels, i)}: value {x} is infinite; "
                "values must be finite."
            )
        out[i] = x
    return out


_PLAIN = (float, int, np.float64)
_sum = np.add.reduce


_min = np.minimum.reduce  # ndarray.min without its Python wrapper


def _fast_numeric(values: Any) -> np.ndarray | None:
    """The common case without per-value checks: finite numbers in a float/int array or a list.

    Returns None when any value needs the careful path (text, booleans, NaN, None, infinities).
    """
    if isinstance(values, np.ndarray):
        if values.ndim == 1 and values.dtype.kind in "fiu":
            out = values.astype(float)
        else:
            return None
    elif isinstance(values, list) and all(type(x) in _PLAIN for x in values):
        out = np.array(values, dtype=float)
    else:
        return None
    # a finite sum means no NaN or infinity (a sum that overflows takes the careful path, which accepts it)
    return out if math.isfinite(_sum(out)) else None


def check_same_length(func: str, **arrays: np.ndarray) -> int:
    """Raise ValueError unless all arrays have the same length; return that length."""
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{n!r} has {m}" for n, m in lengths.items())
        raise ValueError(f"{func}: arguments must have one value per study, but {detail}.")
    k = next(iter(lengths.values()))
    if k == 0:
        raise ValueError(f"{func}: no studies given (the inputs are empty).")
    return k


def check_positive(func: str, arg: str, x: np.ndarray, labels: Sequence[str] | None, *, rule: str) -> None:
    """Raise ValueError for the first value that is not strictly positive."""
    bad = np.flatnonzero(~(x > 0))
    if bad.size:
        i = int(bad[0])
        more = f" ({bad.size - 1} more studies break the same rule)" if bad.size > 1 else ""
        raise ValueError(f"{func}: argument {arg!r}, {study_name(labels, i)}: value {x[i]:g} is not allowed; {rule}.{more}")


def check_nonnegative(func: str, arg: str, x: np.ndarray, labels: Sequence[str] | None, *, rule: str) -> None:
    """Raise ValueError for the first value that is negative."""
    bad = np.flatnonzero(x < 0)
    if bad.size:
        i = int(bad[0])
        more = f" ({bad.size - 1} more studies break the same rule)" if bad.size > 1 else ""
        raise ValueError(f"{func}: argument {arg!r}, {study_name(labels, i)}: value {x[i]:g} is not allowed; {rule}.{more}")


def check_level(func: str, level: Any) -> float:
    """Confidence level in percent, 1 < level < 100 (95 means a 95% interval; 0.95 is refused, not guessed)."""
    if isinstance(level, bool) or not isinstance(level, (int, float, np.integer, np.floating)):
        raise TypeError(f"{func}: argument 'level' must be a number such as 95; got {level!r}.")
    level = float(level)
    if not 1 < level < 100:
        hint = f" Did you mean {level * 100:g}?" if 0 < level <= 1 else ""
        raise ValueError(
            f"{func}: argument 'level' is {level:g}; it is a percentage and must lie strictly between 1 and 100 (e.g. 95).{hint}"
        )
    return level


def resolve_column(func: str, arg: str, value: Any, data: pd.DataFrame | None) -> Any:
    """``data[value]`` when ``value`` names a column of ``data``; the value itself otherwise."""
    if data is not None and isinstance(value, str):
        if value not in data.columns:
            raise ValueError(f"{func}: column {value!r} (argument {arg!r}) is not in the data. "
                             f"Available columns: {', '.join(map(str, data.columns))}.")
        return data[value]
    return value


def effect_inputs(func: str, yi: Any, vi: Any, labels: Any, data: Any, *, allow_nan: bool = False):
    """The checked inputs shared by the model functions: ``(y, v, labels or None, k, raw_labels)``.

    ``yi``, ``vi`` and ``labels`` may be arrays or column names in ``data``. Values are checked as
    :func:`numeric_vector` does; with ``allow_nan`` missing values pass (for an explicit drop policy).
    Variances must be positive unless ``allow_nan`` (the caller checks them after dropping).
    """
    if data is not None and not isinstance(data, pd.DataFrame):
        raise TypeError(f"{func}: argument 'data' must be a pandas DataFrame; got {type(data).__name__}.")
    yi_raw = resolve_column(func, "yi", yi, data)
    vi_raw = resolve_column(func, "vi", vi, data)
    lab_raw = resolve_column(func, "labels", labels, data)
    try:
        k_guess = len(yi_raw)
    except TypeError:
        raise TypeError(f"{func}: argument 'yi' must be a sequence of numbers or a column name; got {yi_raw!r}.") from None
    lab = make_labels(func, lab_raw, k_guess) if lab_raw is not None else None
    y = numeric_vector(func, "yi", yi_raw, lab, allow_nan=allow_nan)
    v = numeric_vector(func, "vi", vi_raw, lab, allow_nan=allow_nan)
    k = len(y)
    if k != len(v) or k == 0:
        check_same_length(func, yi=y, vi=v)
    if not allow_nan and not _min(v) > 0:  # no NaN here: numeric_vector refused it
        check_positive(func, "vi", v, lab, rule="sampling variances must be greater than 0")
    return y, v, lab, k
