"""Numbers as text, in English and Dutch, in one place.

Every printed summary, figure, report and command-line line formats its numbers through these
functions, so the conventions are written once:

- rounding happens only here (results keep full precision);
- a true minus sign (U+2212) in figures and reports; ``plain=True`` keeps the ASCII hyphen for
  text meant to be copied into code or compared with R's output;
- Dutch uses the decimal comma and the point as thousands separator (``1.490``, ``0,35``); an
  interval in Dutch is separated by a semicolon (``[0,34; 0,70]``) because a comma would be read as
  a decimal comma;
- a missing value prints as ``missing`` (an en dash unless the caller asks otherwise).
"""

from __future__ import annotations

import math

LANGS = ("en", "nl")
MINUS = "\u2212"


def _check(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(repr(x) for x in LANGS)}, got {lang!r}")


def _missing(x) -> bool:
    if x is None:
        return True
    try:
        return math.isnan(x)
    except TypeError:
        return False


def number(x, digits: int = 2, lang: str = "en", *, grouping: bool = False, missing: str = "–",
           plain: bool = False) -> str:
    """``x`` with ``digits`` fixed decimals.

    ``grouping`` adds thousands separators (``1,490`` / ``1.490``). A value that rounds to zero
    prints without a sign. Infinity prints as ``∞``.
    """
    _check(lang)
    if _missing(x):
        return missing
    x = float(x)
    minus = "-" if plain else MINUS
    if math.isinf(x):
        return "∞" if x > 0 else minus + "∞"
    s = f"{x:,.{digits}f}" if grouping else f"{x:.{digits}f}"
    if s.startswith("-") and float(s.replace(",", "")) == 0:
        s = s[1:]
    if lang == "nl":
        s = s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return s.replace("-", minus)


def integer(x, lang: str = "en", *, missing: str = "–") -> str:
    """A whole number with a thousands separator (``1,490`` in English, ``1.490`` in Dutch)."""
    return number(x, 0, lang, grouping=True, missing=missing)


def percent(x, digits: int = 0, lang: str = "en", *, missing: str = "–") -> str:
    """``55%`` (the decimal comma in Dutch: ``55,3%``); ``x`` is already in percent."""
    return missing if _missing(x) else number(x, digits, lang) + "%"


def pvalue(p, digits: int = 4, lang: str = "en", *, style: str = "metafor", missing: str = "NA") -> str:
    """A p-value.

    ``style="metafor"``: as R metafor prints it, ``<.0001`` below ``10**-digits``, else ``0.1234``.
    ``style="equals"``: for sentences and figures, ``< 0.001`` / ``= 0.123`` (with ``digits`` decimals).
    """
    _check(lang)
    if _missing(p):
        return missing
    p = float(p)
    floor = 10.0 ** -digits
    if style == "metafor":
        if p < floor:
            s = "<." + "0" * (digits - 1) + "1"
            return s.replace(".", ",") if lang == "nl" else s
        return number(p, digits, lang, plain=True)
    if style == "equals":
        if p < floor:
            return "< " + number(floor, digits, lang)
        return "= " + number(p, digits, lang)
    raise ValueError(f"style must be 'metafor' or 'equals', got {style!r}")


def interval(lo, hi, digits: int = 2, lang: str = "en", *, words: bool = False, missing: str = "–") -> str:
    """An interval: ``[0.34, 0.70]`` (Dutch ``[0,34; 0,70]``), or in words as GRADE tables print it,
    ``0.34 to 0.70`` / ``0,34 tot 0,70``."""
    a, b = number(lo, digits, lang, missing=missing), number(hi, digits, lang, missing=missing)
    if words:
        return f"{a} {'tot' if lang == 'nl' else 'to'} {b}"
    return f"[{a}{'; ' if lang == 'nl' else ', '}{b}]"


def estimate_ci(est, lo, hi, digits: int = 2, lang: str = "en", *, missing: str = "–") -> str:
    """``0.49 [0.34, 0.70]``; Dutch ``0,49 [0,34; 0,70]``."""
    return f"{number(est, digits, lang, missing=missing)} {interval(lo, hi, digits, lang, missing=missing)}"
