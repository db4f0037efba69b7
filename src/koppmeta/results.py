"""One base for every result: :class:`Result`, and :class:`TableResult` for results that are tables.

Every public statistics function returns an instance of :class:`Result`. A result

- keeps its numbers unrounded (rounding happens only in :mod:`koppmeta.formatting`);
- names the shared quantities the same everywhere: ``estimate, se, ci_low, ci_high, pval`` for an
  effect with its standard error, interval and p-value, ``measure`` for the effect measure and
  ``level`` for the confidence level in percent;
- describes itself once, in :meth:`Result._describe` (rows of name, value and explanation) and
  :meth:`Result._records` (its numbers as table rows); from that the base builds
  :meth:`~Result.to_frame`, :meth:`~Result._repr_html_` and a plain :meth:`~Result.summary`.
  Results that print like R metafor (a coefficient table with the statistics explained in words)
  write their own ``summary()``; ``str(result)`` is always ``result.summary()``.

Ratio measures (:data:`RATIO_MEASURES`) are analysed on the log scale; :func:`back_transform` is
the one place that turns them back for display.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import MISSING, dataclass, fields
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from . import formatting

__all__ = ["RATIO_MEASURES", "Result", "PooledResult", "SharedFromModel", "TableResult", "is_ratio", "back_transform", "deprecated_alias"]

#: Measures analysed on the log scale and shown back-transformed (``exp``).
RATIO_MEASURES = ("RR", "OR", "HR", "IRR")

#: The names every result uses for the shared quantities (where they are meaningful).
SHARED_FIELDS = ("estimate", "se", "ci_low", "ci_high", "pval", "measure", "level")


def is_ratio(measure: str | None) -> bool:
    """Whether ``measure`` is a ratio measure analysed on the log scale."""
    return measure in RATIO_MEASURES


def back_transform(x: Any, measure: str | None) -> Any:
    """``x`` on the scale of ``measure`` for display: ``exp(x)`` for ratio measures, else ``x`` unchanged.

    Works on floats, NumPy arrays and pandas objects.
    """
    if not is_ratio(measure):
        return x
    if isinstance(x, (pd.Series, pd.DataFrame, np.ndarray)):
        return np.exp(x)
    return math.exp(x) if x is not None and not (isinstance(x, float) and math.isnan(x)) else x


def deprecated_alias(func: str, old: str, new: str, value: Any, current: Any, default: Any = None) -> Any:
    """The value of a renamed argument: ``current`` unless the old name was used, which still works
    for one release with a :class:`DeprecationWarning`. Both names at once is an error."""
    if value is None:
        return current
    if current is not default:
        raise TypeError(f"{func}: pass either {new!r} or its old name {old!r}, not both.")
    warnings.warn(f"{func}: argument {old!r} is now called {new!r}; the old name will be removed in the next "
                  "release.", DeprecationWarning, stacklevel=3)
    return value


def construct(cls, **values):
    """A frozen dataclass result built without its generated ``__init__``: ``values`` for every field
    without a default, defaults for the rest.

    The same object as ``cls(**values)`` (equal, with the same attributes): a frozen dataclass sets
    each field through ``object.__setattr__``, which costs more than the fit of a small
    meta-analysis. For results that define no ``__post_init__``.
    """
    defaults = _DEFAULTS.get(cls)
    if defaults is None:
        if "__post_init__" in dir(cls):
            raise TypeError(f"construct: {cls.__name__} has a __post_init__; call it directly")
        known = {f.name: f.default for f in fields(cls) if f.default is not MISSING}
        names = frozenset(f.name for f in fields(cls))
        defaults = _DEFAULTS[cls] = (known, names, names - known.keys())
    known, names, required = defaults
    if not (values.keys() <= names and required <= values.keys()):
        raise TypeError(f"construct: {cls.__name__} has the fields {sorted(names)}; got {sorted(values)}")
    obj = object.__new__(cls)
    obj.__dict__.update(known)
    obj.__dict__.update(values)
    return obj


_DEFAULTS: dict[type, tuple[dict[str, Any], frozenset, frozenset]] = {}


class Result:
    """Base of every koppmeta result.

    Subclasses (usually frozen dataclasses) describe themselves in :meth:`_describe` and
    :meth:`_records`; the base builds the text, HTML and table views from that.
    """

    #: Heading of the printed result (a subclass may compute it in :meth:`_heading`).
    heading: ClassVar[str] = ""

    # -- per-class description -------------------------------------------------
    def _heading(self) -> str:
        return self.heading or type(self).__name__

    def _describe(self) -> list[tuple[str, str, str]]:
        """Rows ``(name, value as text, what it means)`` shown by ``summary()`` and ``_repr_html_()``."""
        return []

    def _records(self) -> list[dict[str, Any]]:
        """The numbers as table rows (unrounded) for :meth:`to_frame`."""
        raise NotImplementedError(f"{type(self).__name__} does not describe its numbers")

    def _table(self) -> pd.DataFrame | None:
        """A table shown above the described rows in HTML (e.g. coefficients); None if there is none."""
        return None

    def _notes(self) -> tuple[str, ...]:
        return tuple(getattr(self, "notes", ()) or ())

    # -- shared views -------------------------------------------------------------
    @property
    def is_ratio(self) -> bool:
        """Whether the result's ``measure`` is a ratio measure (shown back-transformed)."""
        return is_ratio(getattr(self, "measure", None))

    def back_transform(self, x: Any) -> Any:
        """``x`` on the display scale of this result's ``measure`` (see :func:`back_transform`)."""
        return back_transform(x, getattr(self, "measure", None))

    def to_frame(self) -> pd.DataFrame:
        """The numbers as a table (unrounded)."""
        return pd.DataFrame(self._records())

    def summary(self, digits: int = 4) -> str:
        """Text report that says in words what each number is."""
        rows = self._describe()
        width = max((len(a) for a, _, _ in rows), default=0)
        lines = [self._heading(), ""]
        table = self._table()
        if table is not None:
            lines += [table.to_string(float_format=lambda x: formatting.text(x, digits)), ""]
        lines += [f"{a.ljust(width)}  {b}" + (f"  ({c})" if c else "") for a, b, c in rows]
        lines += [f"Note: {n}" for n in self._notes()]
        return "\n".join(lines).rstrip("\n")

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return formatting.html_table(self._heading(), self._describe(), self._notes(), frame=self._table())


@dataclass(frozen=True)
class PooledResult(Result):
    """A result whose headline is one pooled effect: its estimate, standard error, test statistic,
    two-sided p-value and confidence interval, under the shared names."""

    estimate: float
    se: float
    stat: float
    pval: float
    ci_low: float
    ci_high: float


class SharedFromModel:
    """The shared fields ``estimate, se, pval, ci_low, ci_high`` of a result that holds a pooled model: those of
    the model in the attribute named by ``_model`` (the overall fit of subgroups, the chosen fit of an analysis)."""

    _model: ClassVar[str] = "fit"
    estimate = property(lambda self: getattr(self, self._model).estimate, doc="Pooled estimate of the model.")
    se = property(lambda self: getattr(self, self._model).se, doc="Its standard error.")
    pval = property(lambda self: getattr(self, self._model).pval, doc="Its two-sided p-value.")
    ci_low = property(lambda self: getattr(self, self._model).ci_low, doc="Lower end of its confidence interval.")
    ci_high = property(lambda self: getattr(self, self._model).ci_high, doc="Upper end of its confidence interval.")


class StudyColumns:
    """``yi`` and ``vi`` of a result that keeps its per-study table in ``studies``."""

    @property
    def yi(self) -> np.ndarray:
        return self.studies["yi"].to_numpy()

    @property
    def vi(self) -> np.ndarray:
        return self.studies["vi"].to_numpy()


class TableResult(pd.DataFrame, Result):
    """A result that is a table: a :class:`pandas.DataFrame` (so existing code keeps working) that also
    prints itself with its columns explained.

    ``heading`` titles it, ``explanations`` maps column names to what they mean, ``notes`` are
    shown below it; ``measure`` and ``level`` are those of the model it came from. Anything derived
    from it (a slice, ``copy()``, arithmetic) is a plain DataFrame.
    """

    _metadata = ["heading", "explanations", "notes", "measure", "level"]

    def __init__(self, data=None, *args, heading: str = "", explanations: dict | None = None, notes=(),
                 measure: str | None = None, level: float | None = None, **kwargs) -> None:
        super().__init__(data, *args, **kwargs)
        self.heading = heading
        self.explanations = dict(explanations or {})
        self.notes = tuple(notes)
        self.measure = measure
        self.level = level

    @property
    def _constructor(self):
        return pd.DataFrame

    def _heading(self) -> str:
        return self.heading or "Table"

    def _describe(self) -> list[tuple[str, str, str]]:
        return [(c, "", self.explanations[c]) for c in self.columns if c in self.explanations]

    def _table(self) -> pd.DataFrame:
        return pd.DataFrame(self)

    def _records(self) -> list[dict[str, Any]]:
        return pd.DataFrame(self).to_dict("records")

    def to_frame(self) -> pd.DataFrame:
        """The table as a plain DataFrame (a copy)."""
        return pd.DataFrame(self, copy=True)

    def summary(self, digits: int = 4) -> str:
        lines = [self._heading(), "", pd.DataFrame(self).to_string(float_format=lambda x: formatting.text(x, digits))]
        described = self._describe()
        if described:
            width = max(len(a) for a, _, _ in described)
            lines += ["", "Columns:"] + [f"  {a.ljust(width)}  {c}" for a, _, c in described]
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return formatting.html_table(self._heading(), [(a, "", c) for a, _, c in self._describe()], self.notes,
                                  frame=pd.DataFrame(self))
