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
    ``style="metafor-equals"``: as metafor prints a p-value after a statistic, ``< .0001`` / ``= 0.1234``.
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
    if style == "metafor-equals":
        s = pvalue(p, digits, lang)
        return "< " + s[1:] if s.startswith("<") else "= " + s
    raise ValueError(f"style must be 'metafor', 'equals' or 'metafor-equals', got {style!r}")


def interval(lo, hi, digits: int = 2, lang: str = "en", *, words: bool = False, missing: str = "–",
             plain: bool = False) -> str:
    """An interval: ``[0.34, 0.70]`` (Dutch ``[0,34; 0,70]``), or in words as GRADE tables print it,
    ``0.34 to 0.70`` / ``0,34 tot 0,70``. ``plain`` as in :func:`number`."""
    a, b = (number(x, digits, lang, missing=missing, plain=plain) for x in (lo, hi))
    if words:
        return f"{a} {'tot' if lang == 'nl' else 'to'} {b}"
    return f"[{a}{'; ' if lang == 'nl' else ', '}{b}]"


def estimate_ci(est, lo, hi, digits: int = 2, lang: str = "en", *, missing: str = "–") -> str:
    """``0.49 [0.34, 0.70]``; Dutch ``0,49 [0,34; 0,70]``."""
    return f"{number(est, digits, lang, missing=missing)} {interval(lo, hi, digits, lang, missing=missing)}"


def text(x, digits: int = 4) -> str:
    """A number in plain-text reports (``summary()``): ASCII minus, ``NA`` when missing, as R prints it."""
    return number(x, digits, plain=True, missing="NA")


def columns(head, rows, *, first_left: bool = True) -> list[str]:
    """Lines of a text table whose columns are right-aligned under ``head`` (the first left-aligned
    when ``first_left``), as R prints a coefficient table."""
    rows = [[str(c) for c in r] for r in rows]
    widths = [max(len(str(h)), *(len(r[j]) for r in rows)) if rows else len(str(h)) for j, h in enumerate(head)]

    def line(cells) -> str:
        return "  ".join((c.ljust(w) if j == 0 and first_left else c.rjust(w))
                         for j, (c, w) in enumerate(zip(map(str, cells), widths))).rstrip()

    return [line(head)] + [line(r) for r in rows]


def html_table(title: str, rows=(), notes=(), *, frame=None, digits: int = 4) -> str:
    """The HTML of a result: a bold title, a table of ``(name, value, explanation)`` rows, an optional
    table ``frame`` (numbers through :func:`number`) and notes. Everything is escaped."""
    import html

    esc = html.escape
    parts = [f"<div class='koppmeta-result'><p><b>{esc(title)}</b></p>"]
    if frame is not None:
        head = "".join(f"<th>{esc(str(c))}</th>" for c in [frame.index.name or "", *frame.columns])

        def cell(v) -> str:
            if isinstance(v, (bool,)) or v is None or isinstance(v, str):
                return esc("" if v is None else str(v))
            try:
                return esc(number(v, digits, plain=True, missing="NA"))
            except (TypeError, ValueError):
                return esc(str(v))

        body = "".join(f"<tr><th style='text-align:left'>{esc(str(i))}</th>"
                       + "".join(f"<td>{cell(v)}</td>" for v in r) + "</tr>"
                       for i, r in zip(frame.index, frame.itertuples(index=False)))
        parts.append(f"<table><tr>{head}</tr>{body}</table>")
    if rows:
        parts.append("<table>" + "".join(
            f"<tr><th style='text-align:left'>{esc(a)}</th><td>{esc(b)}</td><td style='color:#666'>{esc(c)}</td></tr>"
            for a, b, c in rows) + "</table>")
    parts += [f"<p style='color:#666'>Note: {esc(n)}</p>" for n in notes]
    return "".join(parts) + "</div>"
