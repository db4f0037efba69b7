"""Your own trials: read a short table of trials (CSV or XLSX), analyse it for few trials, write templates.

This is the library behind ``koppmeta analyse FILE`` and ``koppmeta template``; the notebook
``12_your_own_data`` calls the same :func:`analyse`.

A file needs a study label and, per row, one of these sets of numbers (group 1 = intervention,
group 2 = control):

- event counts: ``events1, n1, events2, n2``                   -> RR (default), OR or RD
- means: ``m1, sd1, n1, m2, sd2, n2``                          -> SMD (Hedges' g; default) or MD
- effect sizes: ``yi, vi`` or ``yi, sei``                      -> as given (ratios on the log scale)
- a reported estimate with its interval: ``estimate, ci_low, ci_high`` (ratios on the ratio scale)

Headers may be English or Dutch (``studie, jaar, gebeurtenissen1, gemiddelde1, schatting,
ondergrens, bovengrens, ...``; see :data:`ALIASES`); case, spaces and hyphens do not matter.
CSV files may be comma- or semicolon-separated (or tab), with a decimal point or a decimal
comma; both are detected and said. Every problem is collected and raised at once as a
:class:`~koppmeta.project.data.DataError` naming file, row, column, value and rule; rows that carry
no complete set of numbers are listed with the reason, never dropped silently.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._validation import DataError, Problem
from .. import translations as tr
from .sizes import effect_sizes, from_ci
from .. import formatting
from ..models.univariate import TESTS, MetaAnalysis, meta_analysis
from ..results import Result, SharedFromModel, back_transform, is_ratio

__all__ = ["read_trials", "analyse", "TrialAnalysis", "template", "LAYOUTS", "ALIASES", "MEASURES"]

LANGS = ("en", "nl")

# The sets of numbers a row can carry, in the order they are tried.
LAYOUTS = {
    "counts": ("events1", "n1", "events2", "n2"),
    "means": ("m1", "sd1", "n1", "m2", "sd2", "n2"),
    "yi_vi": ("yi", "vi"),
    "yi_sei": ("yi", "sei"),
    "estimates": ("estimate", "ci_low", "ci_high"),
}
#: Layouts whose numbers are per arm: the forest plot shows them (events / total, or mean, SD, N per arm).
ARM_LAYOUTS = ("counts", "means")
LAYOUT_MEASURES = {"counts": ("RR", "OR", "RD"), "means": ("SMD", "MD"),
                   "yi_vi": ("RR", "OR", "RD", "SMD", "MD", "HR"), "yi_sei": ("RR", "OR", "RD", "SMD", "MD", "HR"),
                   "estimates": ("RR", "OR", "RD", "SMD", "MD", "HR")}
MEASURES = ("RR", "OR", "RD", "SMD", "MD", "HR")
NUMERIC = ("year", "events1", "n1", "events2", "n2", "m1", "sd1", "m2", "sd2", "yi", "vi", "sei",
           "estimate", "ci_low", "ci_high")

# Accepted header names (after lower-casing and turning spaces, hyphens and dots into "_").
ALIASES = {
    "study": ("study", "studie", "label", "trial", "author", "auteur", "naam", "name", "citation"),
    "year": ("year", "jaar"),
    "events1": ("events1", "events_1", "gebeurtenissen1", "gebeurtenissen_1"),
    "n1": ("n1", "n_1"),
    "events2": ("events2", "events_2", "gebeurtenissen2", "gebeurtenissen_2"),
    "n2": ("n2", "n_2"),
    "m1": ("m1", "mean1", "mean_1", "gemiddelde1", "gemiddelde_1"),
    "sd1": ("sd1", "sd_1"),
    "m2": ("m2", "mean2", "mean_2", "gemiddelde2", "gemiddelde_2"),
    "sd2": ("sd2", "sd_2"),
    "yi": ("yi", "effect", "effectgrootte"),
    "vi": ("vi", "variance", "variantie"),
    "sei": ("sei", "se", "standard_error", "standaardfout"),
    "estimate": ("estimate", "schatting"),
    "ci_low": ("ci_low", "lower", "ci_lower", "ondergrens", "bi_onder"),
    "ci_high": ("ci_high", "upper", "ci_upper", "bovengrens", "bi_boven"),
    "measure": ("measure", "maat", "effectmaat"),
    "intervention_type": ("intervention_type", "interventietype", "type_interventie"),
    "risk_of_bias": ("risk_of_bias", "rob", "risico_op_vertekening"),
}
_ALIAS = {a: canon for canon, names in ALIASES.items() for a in names}

# The headers a template writes, per language.
HEADERS = {
    "en": {c: c for c in ALIASES},
    "nl": {"study": "studie", "year": "jaar", "events1": "gebeurtenissen1", "n1": "n1", "events2": "gebeurtenissen2",
           "n2": "n2", "m1": "gemiddelde1", "sd1": "sd1", "m2": "gemiddelde2", "sd2": "sd2", "yi": "effectgrootte",
           "vi": "variantie", "sei": "standaardfout", "estimate": "schatting", "ci_low": "ondergrens",
           "ci_high": "bovengrens", "measure": "maat", "intervention_type": "interventietype",
           "risk_of_bias": "risico_op_vertekening"},
}

# words per language: koppmeta.translations.OWN_DATA_TEXT
T = tr.OWN_DATA_TEXT


def _t(lang: str, key: str, **kw) -> str:
    return T[lang][key].format(**kw)


_check_lang = tr.check_lang


# ---------------------------------------------------------------------------
# problems in the user's language
# ---------------------------------------------------------------------------


class OwnDataError(DataError):
    """Problems in a user's own trial file, every one of them, in the requested language."""

    def __init__(self, problems: list[Problem], lang: str = "en", xlsx: bool = False):
        self.lang = lang
        self.problems = problems
        head = _t(lang, "n_problems", n=len(problems), file=problems[0].file)
        lines = [format_problem(p, lang, xlsx) for p in problems[:40]]
        if len(problems) > 40:
            lines.append(_t(lang, "more", n=len(problems) - 40))
        ValueError.__init__(self, head + "\n  " + "\n  ".join(lines))


def format_problem(p: Problem, lang: str = "en", xlsx: bool = False) -> str:
    """``file, row 3 (line 4), column 'n1', value 'x': rule`` in English or Dutch."""
    where = [p.file]
    if p.row == 0:
        where.append(_t(lang, "where_header", line=p.line))
    elif p.row is not None and p.line is None:
        where.append(_t(lang, "where_row_only", row=p.row))
    elif p.row is not None:
        where.append(_t(lang, "where_row_xlsx" if xlsx else "where_row", row=p.row, line=p.line))
    if p.column is not None:
        where.append(_t(lang, "where_col", col=p.column))
    if p.value is not None:
        where.append(_t(lang, "where_val", val=p.value))
    return ", ".join(where) + f": {p.rule}"


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------


@dataclass
class ReadInfo:
    """How a file was read: what was detected, for the user to see."""

    file: str
    kind: str  # csv, xlsx, frame
    rows: int
    separator: str | None = None
    decimal: str | None = None
    encoding: str = "utf-8"
    sheet: str | None = None
    dutch_headers: bool = False
    decimal_seen: bool = True
    empty_rows: int = 0
    columns: dict = field(default_factory=dict)  # canonical name -> header in the file

    def lines(self, lang: str) -> list[str]:
        if self.kind == "csv":
            enc = _t(lang, "enc_cp1252") if self.encoding == "cp1252" else ""
            sep = _t(lang, "sep_" + self.separator) + ("" if self.separator == "\t" else f" '{self.separator}'")
            out = [_t(lang, "read_csv", file=self.file, rows=self.rows, sep=sep, dec=_t(lang, "dec_" + (self.decimal if self.decimal_seen else "none")), enc=enc)]
        elif self.kind == "xlsx":
            out = [_t(lang, "read_xlsx", file=self.file, sheet=self.sheet, rows=self.rows)]
        else:
            out = [_t(lang, "read_frame", rows=self.rows)]
        if self.dutch_headers:
            out.append(_t(lang, "headers_nl"))
        if self.empty_rows:
            out.append(_t(lang, "empty_rows", n=self.empty_rows))
        return out


def _norm_header(h: Any) -> str:
    s = unicodedata.normalize("NFKC", str(h if h is not None else "")).strip().lower()
    s = re.sub(r"[\s\-.]+", "_", s)
    return s.strip("_")


_POINT = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$")
_COMMA = re.compile(r"^[+-]?(\d+,\d*|,\d+)([eE][+-]?\d+)?$")


def _decode(raw: bytes, name: str, lang: str) -> tuple[str, str]:
    if not raw.strip():
        raise OwnDataError([Problem(name, None, None, None, None, _t(lang, "p_empty"))], lang)
    if b"\x00" in raw:
        raise OwnDataError([Problem(name, None, None, None, None, _t(lang, "p_binary"))], lang)
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        raise OwnDataError([Problem(name, None, None, None, None, _t(lang, "p_encoding"))], lang) from None


def _sniff_separator(header_line: str) -> str:
    counts = {sep: header_line.count(sep) for sep in (";", "\t", ",")}
    best = max(counts, key=lambda s: (counts[s], s == ";"))
    return best if counts[best] else ","


def _read_csv(path: Path, lang: str) -> tuple[list[str], list[list[str]], list[int], ReadInfo]:
    name = str(path)
    text, enc = _decode(path.read_bytes(), name, lang)
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    sep = _sniff_separator(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    rows, lines = [], []
    try:
        header = None
        for cells in reader:
            if header is None:
                if not any(c.strip() for c in cells):
                    continue
                header = cells
                continue
            rows.append(cells)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise OwnDataError([Problem(name, None, reader.line_num, None, None, _t(lang, "p_csv", err=exc))], lang) from None
    info = ReadInfo(file=name, kind="csv", rows=0, separator=sep, encoding=enc)
    return header or [], rows, lines, info


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else str(v)
    return str(v)


def _read_xlsx(path: Path, lang: str, sheet: str | None) -> tuple[list[str], list[list[str]], list[int], ReadInfo]:
    import zipfile

    from openpyxl import load_workbook

    name = str(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise OwnDataError([Problem(name, None, None, None, None, _t(lang, "p_xlsx", err=exc))], lang, True) from None
    try:
        if sheet is None:
            ws = wb.worksheets[0]
        elif sheet in wb.sheetnames:
            ws = wb[sheet]
        else:
            raise OwnDataError([Problem(name, None, None, None, sheet,
                                        _t(lang, "p_sheet", sheet=sheet, found=", ".join(wb.sheetnames)))], lang, True)
        header, rows, lines = None, [], []
        for i, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            while cells and cells[-1] == "":
                cells.pop()
            if header is None:
                if any(c.strip() for c in cells):
                    header = cells
                continue
            rows.append(cells)
            lines.append(i)
        title = ws.title
    finally:
        wb.close()
    info = ReadInfo(file=name, kind="xlsx", rows=0, sheet=title, decimal=".")
    return header or [], rows, lines, info


def _to_number(text: str, decimal: str) -> float:
    t = text.strip().replace("\u2212", "-")
    if decimal == ",":
        if not _COMMA.match(t) and not re.match(r"^[+-]?\d+([eE][+-]?\d+)?$", t):
            raise ValueError
        t = t.replace(",", ".")
    elif not _POINT.match(t):
        raise ValueError
    x = float(t)
    if not math.isfinite(x):
        raise ValueError
    return x


def read_trials(source: str | Path | pd.DataFrame, *, lang: str = "en", sheet: str | None = None,
                name: str | None = None) -> tuple[pd.DataFrame, ReadInfo]:
    """Read a user's own trial table (CSV, TXT or XLSX file, or a DataFrame) and check every cell.

    Returns ``(table, info)``: ``table`` has the canonical column names (``study``, ``events1``,
    ..., see :data:`ALIASES`; other columns kept as they are), numbers as floats and a
    ``row`` (1-based data row) and ``line`` (line or spreadsheet row) for messages; fully empty
    rows are left out and counted in ``info.empty_rows``. ``info`` says what was detected
    (separator, decimal mark, encoding, sheet, Dutch headers).

    Raises
    ------
    OwnDataError
        (a :class:`~koppmeta.project.data.DataError`, so a ``ValueError``) listing every problem found, each
        with file, row, column, value and rule, in ``lang`` (``"en"`` or ``"nl"``).
    """
    _check_lang("read_trials", lang)
    xlsx = False
    if isinstance(source, pd.DataFrame):
        fname = name or "table"
        header = [str(c) for c in source.columns]
        rows = [[_cell_text(None if (isinstance(v, float) and math.isnan(v)) or v is pd.NA else v) for v in r]
                for r in source.itertuples(index=False)]
        lines = list(range(2, len(rows) + 2))
        info = ReadInfo(file=fname, kind="frame", rows=0, decimal=".")
    else:
        path = Path(source)
        fname = str(path)
        if path.is_dir():
            raise OwnDataError([Problem(fname, None, None, None, None, _t(lang, "p_folder"))], lang)
        if not path.is_file():
            raise OwnDataError([Problem(fname, None, None, None, None, _t(lang, "p_no_file"))], lang)
        suffix = path.suffix.lower()
        if suffix in (".xlsx", ".xlsm"):
            xlsx = True
            header, rows, lines, info = _read_xlsx(path, lang, sheet)
        elif suffix in (".csv", ".txt", ".tsv", ""):
            header, rows, lines, info = _read_csv(path, lang)
        else:
            raise OwnDataError([Problem(fname, None, None, None, suffix, _t(lang, "p_suffix", suffix=suffix))], lang)

    def fail(problems):
        raise OwnDataError(problems, lang, xlsx)

    if not header:
        fail([Problem(fname, None, None, None, None, _t(lang, "p_empty"))])
    problems: list[Problem] = []
    canon: list[str] = []
    seen: dict[str, str] = {}
    dutch = False
    for h in header:
        n = _norm_header(h)
        c = _ALIAS.get(n, n)
        if c in ALIASES and n != c and n in HEADERS["nl"].values():
            dutch = True
        if c in seen and c:
            problems.append(Problem(fname, 0, 1, str(h).strip(), None, _t(lang, "p_dup", other=seen[c])))
        seen[c] = str(h).strip()
        canon.append(c)
    info.dutch_headers = dutch
    info.columns = {c: h for c, h in seen.items() if c in ALIASES}

    # rows: drop fully empty ones (counted), check cell counts
    keep_rows, keep_lines = [], []
    for cells, line in zip(rows, lines):
        if not any(c.strip() for c in cells):
            info.empty_rows += 1
            continue
        keep_rows.append(cells)
        keep_lines.append(line)
    if info.kind == "csv":
        for j, (cells, line) in enumerate(zip(keep_rows, keep_lines), start=1):
            if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
                hint = _t(lang, "hint_cells") if info.separator == "," else ""
                problems.append(Problem(fname, j, line, None, info.separator.join(cells),
                                        _t(lang, "p_cells", n=len(cells), m=len(header), hint=hint)))
    has = set(canon)
    layouts = [k for k, cols in LAYOUTS.items() if set(cols) <= has]
    if "study" not in has:
        problems.append(Problem(fname, 0, 1, None, None, _t(lang, "p_no_study")))
    if not layouts:
        hint = ""
        if len(header) == 1:
            for s, word in ((";", "sep_;"), (",", "sep_,"), ("\t", "sep_\t")):
                if s in header[0]:
                    hint = _t(lang, "hint_sep", sep=_t(lang, word))
                    break
        lay = "; ".join(", ".join(HEADERS[lang][c] for c in cols) for cols in LAYOUTS.values())
        problems.append(Problem(fname, 0, 1, None, None, _t(lang, "p_no_layout", layouts=lay,
                                                           found=", ".join(str(h) for h in header), hint=hint)))
    if problems:
        fail(problems)
    if not keep_rows:
        fail([Problem(fname, None, None, None, None, _t(lang, "p_no_rows"))])

    # decimal mark: from the numeric cells of a CSV
    numeric_idx = [i for i, c in enumerate(canon) if c in NUMERIC]
    if info.kind == "csv":
        commas = sum(1 for r in keep_rows for i in numeric_idx if i < len(r) and _COMMA.match(r[i].strip()))
        points = sum(1 for r in keep_rows for i in numeric_idx if i < len(r) and re.match(r"^[+-]?\d*\.\d+", r[i].strip()))
        info.decimal = "," if commas > points else "."
        info.decimal_seen = bool(commas or points)
    else:
        info.decimal = "."
    records = []
    for j, (cells, line) in enumerate(zip(keep_rows, keep_lines), start=1):
        rec: dict[str, Any] = {"row": j, "line": line}
        for i, c in enumerate(canon):
            raw = cells[i] if i < len(cells) else ""
            txt = raw.strip()
            if c in NUMERIC:
                if txt == "":
                    rec[c] = np.nan
                    continue
                try:
                    rec[c] = _to_number(txt, info.decimal)
                except ValueError:
                    key = "p_not_number"
                    if info.decimal == "." and _COMMA.match(txt):
                        key = "p_not_number_comma"
                    elif info.decimal == "," and _POINT.match(txt):
                        key = "p_not_number_point"
                    problems.append(Problem(fname, j, line, seen[c] if c in seen else c, raw, _t(lang, key)))
                    rec[c] = np.nan
            elif c:
                rec[c] = txt if txt != "" else None
        records.append(rec)
    table = pd.DataFrame.from_records(records)
    info.rows = len(table)
    problems += _check_values(table, fname, lang, info.columns)
    if problems:
        fail(problems)
    table.attrs["file"] = fname
    return table, info


def _check_values(t: pd.DataFrame, fname: str, lang: str, header: dict) -> list[Problem]:
    out: list[Problem] = []
    col = lambda c: header.get(c, c)  # noqa: E731

    def val(x):
        return f"{x:g}" if isinstance(x, float) else str(x)

    for _, r in t.iterrows():
        p = lambda c, rule, v=None: out.append(Problem(fname, int(r["row"]), int(r["line"]), col(c),  # noqa: E731
                                                       val(r[c] if v is None else v), rule))
        for c in ("events1", "events2", "n1", "n2"):
            if c in t and pd.notna(r[c]):
                if r[c] < 0:
                    p(c, _t(lang, "p_negative"))
                elif not float(r[c]).is_integer():
                    p(c, _t(lang, "p_not_whole"))
        for arm in ("1", "2"):
            e, n = r.get(f"events{arm}"), r.get(f"n{arm}")
            if e is not None and n is not None and pd.notna(e) and pd.notna(n) and 0 <= n < e:
                p(f"events{arm}", _t(lang, "p_events_gt_n", col=col(f"n{arm}"), n=val(n)))
            if n is not None and pd.notna(n) and 0 <= n < 1:
                p(f"n{arm}", _t(lang, "p_n_small"))
            sd = r.get(f"sd{arm}")
            if sd is not None and pd.notna(sd) and sd <= 0:
                p(f"sd{arm}", _t(lang, "p_sd"))
        if "vi" in t and pd.notna(r["vi"]) and r["vi"] <= 0:
            p("vi", _t(lang, "p_vi"))
        if "sei" in t and pd.notna(r["sei"]) and r["sei"] <= 0:
            p("sei", _t(lang, "p_sei"))
        if {"ci_low", "ci_high"} <= set(t.columns) and pd.notna(r["ci_low"]) and pd.notna(r["ci_high"]):
            lo, hi = r["ci_low"], r["ci_high"]
            if lo > hi:
                p("ci_low", _t(lang, "p_ci_order", hi=val(hi)))
            elif "estimate" in t and pd.notna(r["estimate"]) and not lo <= r["estimate"] <= hi:
                p("estimate", _t(lang, "p_ci_contains", lo=val(lo), hi=val(hi)))
        if "risk_of_bias" in t and r.get("risk_of_bias") is not None:
            s = str(r["risk_of_bias"]).strip().lower().replace("-", "_").replace(" ", "_").removesuffix("_risk")
            nl = {"laag": "low", "hoog": "high", "onduidelijk": "unclear", "enige_zorgen": "some_concerns"}
            if nl.get(s, s) not in ("low", "some_concerns", "high", "unclear"):
                p("risk_of_bias", _t(lang, "p_rob"))
    if "study" in t:
        first: dict[str, int] = {}
        for _, r in t.iterrows():
            s = r["study"]
            if s is None:
                continue
            if s in first:
                out.append(Problem(fname, int(r["row"]), int(r["line"]), col("study"), s,
                                   _t(lang, "p_dup_label", other=first[s])))
            else:
                first[s] = int(r["row"])
    return out


# ---------------------------------------------------------------------------
# effects
# ---------------------------------------------------------------------------


def _row_layout(r: pd.Series, candidates: list[str]) -> str | None:
    """The first layout whose numbers the row holds completely, or None."""
    for lay in candidates:
        if all(c in r.index and pd.notna(r[c]) for c in LAYOUTS[lay]):
            return lay
    return None


def _measure_for(table: pd.DataFrame, layouts: list[str], measure: str | None, fname: str, lang: str,
                 header: dict) -> tuple[str | None, str]:
    """The measure and the sentence that says where it comes from."""
    if measure is not None:
        m = measure.upper()
        if m not in MEASURES:
            raise OwnDataError([Problem(fname, None, None, "--measure", measure,
                                        _t(lang, "p_measure_unknown", valid=", ".join(MEASURES)))], lang)
        return m, _t(lang, "measure_given", m=m, name=_t(lang, f"measure_{m}"))
    if "measure" in table and table["measure"].notna().any():
        found = sorted({str(x).strip().upper() for x in table["measure"].dropna()})
        bad = [x for x in found if x not in MEASURES]
        if bad:
            rows = table[table["measure"].astype(str).str.strip().str.upper().isin(bad)]
            raise OwnDataError([Problem(fname, int(r["row"]), int(r["line"]), header.get("measure", "measure"),
                                        r["measure"], _t(lang, "p_measure_unknown", valid=", ".join(MEASURES)))
                                for _, r in rows.iterrows()], lang)
        if len(found) > 1:
            raise OwnDataError([Problem(fname, None, None, header.get("measure", "measure"), None,
                                        _t(lang, "p_measure_mixed", found=", ".join(found)))], lang)
        return found[0], _t(lang, "measure_column", m=found[0], name=_t(lang, f"measure_{found[0]}"))
    main = layouts[0]
    if main == "counts":
        return "RR", _t(lang, "measure_counts")
    if main == "means":
        return "SMD", _t(lang, "measure_means")
    if main == "estimates":
        sub = table.dropna(subset=["estimate", "ci_low", "ci_high"])
        e, lo, hi = (sub[c].to_numpy(float) for c in ("estimate", "ci_low", "ci_high"))
        if len(e) and (lo > 0).all():
            lin = np.abs((lo + hi) / 2 - e) / (hi - lo)
            log = np.abs((np.log(lo) + np.log(hi)) / 2 - np.log(e)) / (np.log(hi) - np.log(lo))
            if np.nanmean(log) < np.nanmean(lin):
                return "RR", _t(lang, "measure_ratio")
        return "SMD", _t(lang, "measure_diff")
    return None, _t(lang, "measure_none")


def trial_effects(table: pd.DataFrame, *, measure: str | None = None, lang: str = "en",
                  header: dict | None = None) -> tuple[pd.DataFrame, list[tuple[int, str, str]], str | None, list[str]]:
    """Effect sizes for the rows of a table read by :func:`read_trials`.

    Returns ``(effects, unused, measure, notes)``: one row per analysable trial (``study, yi, vi,
    layout, es_method`` plus the table's other columns), the rows left out as ``(row, label, why)``,
    the measure, and the sentences that say which numbers and measure were used.
    """
    fname = table.attrs.get("file", "table")
    header = header or {}
    present = [k for k, cols in LAYOUTS.items() if set(cols) <= set(table.columns)]
    m, said = _measure_for(table, present, measure, fname, lang, header)
    if m is not None:
        usable = [k for k in present if m in LAYOUT_MEASURES[k]]
        if not usable:
            what = " / ".join(_t(lang, f"layout_{k}") for k in present)
            valid = sorted({x for k in present for x in LAYOUT_MEASURES[k]})
            raise OwnDataError([Problem(fname, None, None, "--measure", m,
                                        _t(lang, "p_measure_layout", m=m, what=what, valid=", ".join(valid)))], lang)
    else:
        usable = present
    rows, unused, used_layouts = [], [], []
    problems: list[Problem] = []
    for _, r in table.iterrows():
        label = r["study"] if r.get("study") is not None else f"#{int(r['row'])}"
        lay = _row_layout(r, usable)
        if lay is None:
            partial = [k for k in usable if any(pd.notna(r.get(c)) for c in LAYOUTS[k])]
            if partial:
                k = partial[0]
                missing = ", ".join(header.get(c, c) for c in LAYOUTS[k] if pd.isna(r.get(c)))
                why = _t(lang, "why_partial", missing=missing, need=", ".join(header.get(c, c) for c in LAYOUTS[k]))
            else:
                why = _t(lang, "why_none")
            unused.append((int(r["row"]), str(label), why))
            continue
        if r.get("study") is None:
            problems.append(Problem(fname, int(r["row"]), int(r["line"]), header.get("study", "study"), "",
                                    _t(lang, "p_no_study")))
            continue
        try:
            yi, vi, method = _effect(r, lay, m, lang)
        except ValueError as exc:
            bad_col, rule = exc.args if len(exc.args) == 2 else (None, str(exc))
            problems.append(Problem(fname, int(r["row"]), int(r["line"]), header.get(bad_col, bad_col),
                                    None if bad_col is None else f"{r[bad_col]:g}", rule))
            continue
        used_layouts.append(lay)
        extra = {c: r[c] for c in table.columns if c not in ("row", "line", "study") and c not in NUMERIC[1:]}
        arms = {c: float(r[c]) for c in LAYOUTS[lay]} if lay in ARM_LAYOUTS else {}
        rows.append({"study": str(label), "row": int(r["row"]), "year": r.get("year"), "yi": yi, "vi": vi,
                     "layout": lay, "es_method": method, **arms, **extra})
    if problems:
        raise OwnDataError(problems, lang)
    eff = pd.DataFrame(rows)
    notes = [_t(lang, "layout", what="; ".join(_t(lang, f"layout_{k}") for k in dict.fromkeys(used_layouts)))] if rows else []
    notes.append(said)
    return eff, unused, m, notes


def _effect(r: pd.Series, lay: str, m: str | None, lang: str) -> tuple[float, float, str]:
    if lay == "counts":
        for c in ("n1", "n2"):
            if r[c] < 1:
                raise ValueError(c, _t(lang, "p_n_small"))
        es = effect_sizes(pd.DataFrame({c: [float(r[c])] for c in LAYOUTS["counts"]}), m)
        return float(es["yi"][0]), float(es["vi"][0]), str(es["es_method"][0])
    if lay == "means":
        for c in ("n1", "n2"):
            if r[c] < 2:
                raise ValueError(c, _t(lang, "p_n_small_means"))
        es = effect_sizes(pd.DataFrame({c: [float(r[c])] for c in LAYOUTS["means"]}), m)
        return float(es["yi"][0]), float(es["vi"][0]), str(es["es_method"][0])
    if lay == "yi_vi":
        return float(r["yi"]), float(r["vi"]), "yi, vi as given"
    if lay == "yi_sei":
        return float(r["yi"]), float(r["sei"]) ** 2, "yi as given, vi = sei^2"
    ratio = is_ratio(m)
    if ratio:
        for c in ("estimate", "ci_low", "ci_high"):
            if r[c] <= 0:
                raise ValueError(c, _t(lang, "p_ratio_positive", m=m))
    if r["ci_low"] == r["ci_high"]:
        raise ValueError("ci_low", _t(lang, "p_ci_contains", lo=f"{r['ci_low']:g}", hi=f"{r['ci_high']:g}"))
    es = from_ci([float(r["estimate"])], [float(r["ci_low"])], [float(r["ci_high"])], ratio=ratio)
    return float(es["yi"][0]), float(es["vi"][0]), str(es["es_method"][0])


# ---------------------------------------------------------------------------
# analysis
# ---------------------------------------------------------------------------


@dataclass
class TrialAnalysis(SharedFromModel, Result):
    """Result of :func:`analyse`: what was read, the effects, the pooled result and the method comparison.

    Attributes
    ----------
    info : ReadInfo
        What was detected in the file (separator, decimal mark, sheet, Dutch headers).
    effects : DataFrame
        One row per analysed trial: ``study, row, yi, vi, layout, es_method``, the arm numbers of trials given as
        counts or means (``events1, n1, events2, n2`` or ``m1, sd1, n1, m2, sd2, n2``) and the file's other columns.
    unused : list of (row, label, why)
        Rows left out, each with the reason.
    measure : str or None
    fit : MetaAnalysis
        The pooled result with the chosen method and test.
    subgroups : SubgroupAnalysis or None
        With ``by``: one pooled result per group and the test for subgroup differences.
    comparison : DataFrame
        The same trials pooled by several methods (columns ``method, test, k, estimate, ci_low,
        ci_high, pval, tau2, pi_low, pi_high`` on the analysis scale; ``label`` in ``lang``).
    notes : list of str
        Sentences saying what was detected and chosen, in ``lang``.
    """

    info: ReadInfo
    effects: pd.DataFrame
    unused: list
    measure: str | None
    fit: MetaAnalysis
    subgroups: Any
    comparison: pd.DataFrame
    notes: list
    by: str | None
    lang: str
    level: float

    # the shared names of every result (estimate, se, pval, ci_low, ci_high): those of the pooled model ``fit``

    def _records(self) -> list[dict[str, Any]]:
        return self.comparison_numbers().to_dict("records")

    def _heading(self) -> str:
        return self.title()

    def _table(self) -> pd.DataFrame:
        return self.comparison_table()

    def _describe(self) -> list[tuple[str, str, str]]:
        return [(line, "", "") for line in self._fit_lines(self.fit)]

    # -- text ---------------------------------------------------------------
    def _num(self, x: float, digits: int = 2) -> str:
        if x is None or not math.isfinite(x):
            return ""
        return formatting.number(x, digits, self.lang, plain=True)

    def _tr(self, x: float) -> float:
        return back_transform(x, self.measure) if math.isfinite(x) else x

    def _p(self, p: float) -> str:
        return formatting.pvalue(p, 3, self.lang, style="equals")

    def _pshort(self, p: float) -> str:
        return "<" + self._num(0.001, 3) if p < 0.001 else self._num(p, 3)

    def _test_words(self, fit) -> str:
        df = formatting.number(fit.df, 0 if float(fit.df).is_integer() else 2, self.lang)
        return _t(self.lang, f"test_{fit.test}", df=df) if fit.test in ("knha", "adhoc") else _t(self.lang, "test_z")

    def _fit_lines(self, fit) -> list[str]:
        L, lv = self.lang, f"{self.level:g}"
        mname = self.measure or ("effect" if L == "en" else "effect")
        lines = [_t(L, "line_estimate", m=mname, est=self._num(self._tr(fit.estimate)), level=lv,
                    lo=self._num(self._tr(fit.ci_low)), hi=self._num(self._tr(fit.ci_high)), p=self._p(fit.pval))]
        if fit.k >= 2 and fit.method != "FE" and math.isfinite(fit.pi_low):
            lines.append(_t(L, "line_pi", level=lv, lo=self._num(self._tr(fit.pi_low)), hi=self._num(self._tr(fit.pi_high))))
        if fit.k >= 2:
            lines.append(_t(L, "line_het", tau2=self._num(fit.tau2, 3), i2=self._num(fit.i2, 1), q=self._num(fit.q, 2),
                            df=fit.q_df, p=self._p(fit.q_pval)))
        return lines

    def comparison_table(self) -> pd.DataFrame:
        """The method comparison for display: back-transformed for ratios, headers in ``lang``."""
        L, lv = self.lang, f"{self.level:g}"
        mname = self.measure or "effect"
        out = pd.DataFrame({
            _t(L, "col_method"): self.comparison["label"],
            _t(L, "col_est", m=mname): [self._num(self._tr(x)) for x in self.comparison["estimate"]],
            _t(L, "col_ci", level=lv): [f"{self._num(self._tr(a))} {'tot' if L == 'nl' else 'to'} {self._num(self._tr(b))}"
                                        for a, b in zip(self.comparison["ci_low"], self.comparison["ci_high"])],
            _t(L, "col_p"): [self._pshort(p) for p in self.comparison["pval"]],
            _t(L, "col_tau2"): [self._num(x, 3) for x in self.comparison["tau2"]],
            _t(L, "col_pi"): ["" if not math.isfinite(a) else
                              f"{self._num(self._tr(a))} {'tot' if L == 'nl' else 'to'} {self._num(self._tr(b))}"
                              for a, b in zip(self.comparison["pi_low"], self.comparison["pi_high"])],
            _t(L, "col_chosen"): [_t(L, "yes") if c else _t(L, "no") for c in self.comparison["chosen"]],
        })
        return out

    def comparison_numbers(self) -> pd.DataFrame:
        """The method comparison as numbers (unrounded; ratios back-transformed), headers in ``lang``."""
        L = self.lang
        c = self.comparison
        words = {"en": ("estimate", "ci_low", "ci_high", "pval", "tau2", "pi_low", "pi_high"),
                 "nl": ("schatting", "bi_onder", "bi_boven", "p", "tau2", "pi_onder", "pi_boven")}[L]
        out = pd.DataFrame({_t(L, "col_method"): c["label"], "k": c["k"] if "k" in c else self.fit.k})
        for name, col in zip(words, ("estimate", "ci_low", "ci_high", "pval", "tau2", "pi_low", "pi_high")):
            vals = c[col].astype(float)
            out[name] = vals.map(self._tr) if col not in ("pval", "tau2") else vals
        out[_t(L, "col_chosen")] = [_t(L, "yes") if x else _t(L, "no") for x in c["chosen"]]
        return out

    def subgroup_table(self) -> pd.DataFrame | None:
        if self.subgroups is None:
            return None
        L, lv = self.lang, f"{self.level:g}"
        rows = []
        for g, fit in self.subgroups.groups.items():
            rows.append({_t(L, "col_group"): g, "k": fit.k, _t(L, "col_est", m=self.measure or "effect"): self._num(self._tr(fit.estimate)),
                         _t(L, "col_ci", level=lv): f"{self._num(self._tr(fit.ci_low))} {'tot' if L == 'nl' else 'to'} {self._num(self._tr(fit.ci_high))}",
                         _t(L, "col_p"): self._pshort(fit.pval), _t(L, "col_tau2"): self._num(fit.tau2, 3),
                         _t(L, "col_i2"): self._num(fit.i2, 1) + "%"})
        return pd.DataFrame(rows)

    def summary(self, format: str = "text") -> str:
        """The printed result: what was read, rows left out, the pooled result, subgroups, the method comparison.

        ``format``: ``"text"``, ``"markdown"`` or ``"csv"`` (CSV gives the method comparison table only;
        in Dutch with ``;`` and decimal commas).
        """
        if format not in ("text", "markdown", "csv"):
            raise ValueError(f"summary: unknown format {format!r}. Valid values: text, markdown, csv.")
        L = self.lang
        cmp = self.comparison_table()
        if format == "csv":  # unrounded numbers (ratios back-transformed); Dutch: ';' and decimal commas
            return self.comparison_numbers().to_csv(index=False, sep=";" if L == "nl" else ",",
                                                    decimal="," if L == "nl" else ".")
        md = format == "markdown"
        table = (lambda df: "\n" + _markdown(df) + "\n") if md else (lambda df: df.to_string(index=False))
        out = [*self.info.lines(L), *self.notes]
        if self.unused:
            out.append(_t(L, "unused_head", n=len(self.unused)))
            out += [_t(L, "unused_row", row=r, label=lab, why=why) for r, lab, why in self.unused]
        out.append("")
        fit = self.fit
        head = "pooled_head_fe" if fit.method == "FE" else "pooled_head"
        out.append(("### " if md else "") + _t(L, head, k=fit.k, method=fit.method, test=self._test_words(fit)))
        out += self._fit_lines(fit)
        if self.subgroups is not None:
            sg = self.subgroups
            out += ["", ("### " if md else "") + _t(L, "sg_head", by=self.by), table(self.subgroup_table()),
                    _t(L, "sg_test", q=self._num(sg.q_between, 2), df=sg.q_between_df, p=self._p(sg.q_between_pval))]
        out += ["", ("### " if md else "") + _t(L, "cmp_head"), table(cmp), _t(L, "cmp_note")]
        return "\n".join(out) + "\n"

    def __str__(self) -> str:
        return self.summary()

    # -- figure -------------------------------------------------------------
    def title(self) -> str:
        L = self.lang
        fit = self.fit
        short = _t(L, f"short_{fit.test}") if fit.test in ("knha", "adhoc", "z") else fit.test
        if self.subgroups is not None:
            return _t(L, "title_by", k=fit.k, by=self.by, method=fit.method, test_short=short)
        return _t(L, "title_fe" if fit.method == "FE" else "title", k=fit.k, method=fit.method, test_short=short)

    def forest(self, **kwargs):
        """The forest plot (:func:`koppmeta.forest_plot`) in ``lang``, its title naming model and test, with the
        per-arm numbers of trials given as counts or means."""
        from ..plotting import forest_plot

        result = self.subgroups if self.subgroups is not None else self.fit
        rob = None
        if "risk_of_bias" in self.effects and self.effects["risk_of_bias"].notna().any():
            nl = {"laag": "low", "hoog": "high", "onduidelijk": "unclear", "enige zorgen": "some_concerns"}
            rob = [None if v is None or (isinstance(v, float) and math.isnan(v)) else nl.get(str(v).strip().lower(), v)
                   for v in self.effects["risk_of_bias"]]
            if self.subgroups is not None:
                rob = None  # subgroup rows are reordered by group; lights need the input order of one model
        kwargs.setdefault("title", self.title())
        if self.subgroups is None:  # per-arm columns as RevMan shows them (subgroup rows are reordered by group)
            for lay in ARM_LAYOUTS:
                if (self.effects["layout"] == lay).any():
                    kwargs.setdefault("arms", self.effects.reindex(columns=list(LAYOUTS[lay])))
                    break
        return forest_plot(result, lang=self.lang, rob=rob, **kwargs)


def _markdown(df: pd.DataFrame) -> str:
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines)


def _comparison(eff: pd.DataFrame, measure, level, chosen: tuple[str, str], lang: str) -> pd.DataFrame:
    """The same trials pooled by several methods, each a :func:`meta_analysis` call on the shared engine.

    Built here rather than with :func:`koppmeta.compare_methods` because the rows need the method
    names of both languages and the chosen (method, test) pair marked; the numbers are the same.
    """
    yi, vi, labels = eff["yi"].to_numpy(float), eff["vi"].to_numpy(float), eff["study"].tolist()
    runs = [("FE", "z"), ("DL", "z"), ("REML", "z"), ("REML", "knha")]
    if "adhoc" in TESTS:
        runs.append(("REML", "adhoc"))
    runs.append(("PM", "knha"))
    if chosen not in runs:
        runs.append(chosen)
    return _comparison_rows(yi, vi, labels, measure, level, runs, chosen, lang)


def _comparison_rows(yi, vi, labels, measure, level, runs, chosen, lang) -> pd.DataFrame:
    rows = []
    for method, test in runs:
        if test != "z" and len(yi) < 2:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the chosen fit's warnings are in the notes already
            f = meta_analysis(yi, vi, method=method, test=test, level=level, labels=labels, measure=measure)
        rows.append({"method": method, "test": test, "label": T[lang].get(f"m_{method}_{test}", f"{method}, {test}"),
                     "k": f.k, "estimate": f.estimate, "ci_low": f.ci_low, "ci_high": f.ci_high, "pval": f.pval,
                     "tau2": f.tau2, "pi_low": f.pi_low if method != "FE" else np.nan,
                     "pi_high": f.pi_high if method != "FE" else np.nan, "chosen": (method, test) == chosen})
    return pd.DataFrame(rows)


def analyse(source: str | Path | pd.DataFrame, *, measure: str | None = None, by: str | None = None,
            method: str = "REML", test: str = "adhoc", level: float = 95, lang: str = "en",
            sheet: str | None = None) -> TrialAnalysis:
    """Analyse a researcher's own trials: read, compute effects, pool for few trials, compare methods.

    Parameters
    ----------
    source : path or DataFrame
        A CSV/TXT (comma, semicolon or tab; decimal point or comma) or XLSX file, or a table, with a
        study label and one set of numbers per row (see the module docstring).
    measure : {"RR", "OR", "RD", "SMD", "MD", "HR"}, optional
        The effect measure; when None it is taken from a ``measure`` column or inferred, and the
        notes say which and why.
    by : str, optional
        A column of the file to pool by (subgroups with a separate tau^2 each, and the test for
        subgroup differences); a trial with no value goes into a group "not stated".
    method, test, level
        As :func:`koppmeta.meta_analysis`. The default test is the ad hoc Hartung-Knapp test (its
        interval is never narrower than the z interval; Knapp & Hartung 2003, Stat Med 22:2693-2710;
        Roever et al. 2015, BMC Med Res Methodol 15:99), as the command line's ``forest``, ``summary``
        and ``report`` use; ``"knha"`` is plain Hartung-Knapp (IntHout et al. 2014, BMC Med Res
        Methodol 14:25). With one trial the z test is used.
    lang : {"en", "nl"}
        Language of the notes, the printed summary, the errors and the figure (Dutch: decimal comma).

    Returns
    -------
    TrialAnalysis
        ``summary(format)`` gives the printed result, ``forest()`` the figure.

    Raises
    ------
    OwnDataError
        Every problem in the file at once (file, row, column, value, rule), or fewer than 2 analysable trials.
    """
    _check_lang("analyse", lang)
    table, info = read_trials(source, lang=lang, sheet=sheet)
    fname = info.file
    eff, unused, m, notes = trial_effects(table, measure=measure, lang=lang, header=info.columns)
    if len(eff) < 2:
        raise OwnDataError([Problem(fname, None, None, None, None, _t(lang, "p_too_few", k=len(eff)))]
                           + [Problem(fname, r, None, None, lab, why) for r, lab, why in unused], lang)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = meta_analysis(eff["yi"], eff["vi"], method=method, test=test, level=level, labels=eff["study"].tolist(),
                            measure=m)
        notes += [_t(lang, "warning", text=str(w.message)) for w in caught]
    subgroups = None
    if by is not None:
        key = _ALIAS.get(_norm_header(by), _norm_header(by))
        if key not in eff.columns:
            found = ", ".join(str(h) for h in (info.columns.values() if info.columns else eff.columns))
            others = [c for c in table.columns if c not in ("row", "line") and c not in info.columns]
            raise OwnDataError([Problem(fname, None, None, by, None,
                                        _t(lang, "p_by", by=by, found=", ".join([*info.columns.values(), *others]) or found))], lang)
        groups = [_t(lang, "missing_group") if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
                  for v in eff[key]]
        from ..models.regression import subgroup_analysis

        single = sorted(g for g in set(groups) if groups.count(g) < 2)
        sg_test = test
        if single and test != "z":
            sg_test = "z"
            notes.append(_t(lang, "sg_single", groups=", ".join(repr(g) for g in single)))
        subgroups = subgroup_analysis(eff["yi"], eff["vi"], groups, labels=eff["study"].tolist(), method=method,
                                      test=sg_test, level=level, measure=m)
        by = info.columns.get(key, by)
    comparison = _comparison(eff, m, level, (method, test), lang)
    return TrialAnalysis(info=info, effects=eff, unused=unused, measure=m, fit=fit, subgroups=subgroups,
                         comparison=comparison, notes=notes, by=by, lang=lang, level=level)


# ---------------------------------------------------------------------------
# templates
# ---------------------------------------------------------------------------

KINDS = {"counts": ("study", "year", "events1", "n1", "events2", "n2", "intervention_type", "risk_of_bias"),
         "means": ("study", "year", "m1", "sd1", "n1", "m2", "sd2", "n2", "intervention_type", "risk_of_bias"),
         "estimates": ("study", "year", "measure", "estimate", "ci_low", "ci_high", "intervention_type", "risk_of_bias")}

# words per language: koppmeta.translations.TEMPLATE_EXPLAIN
EXPLAIN = tr.TEMPLATE_EXPLAIN


def example_trials() -> pd.DataFrame:
    """The counts template filled in with real trials: metafor's ``dat.bcg`` (Colditz et al. 1994,
    JAMA 271:698-702; BCG vaccine against tuberculosis), in the template's columns.

    ``risk_of_bias`` is left empty (the source does not grade it); ``intervention_type`` holds the
    allocation method of dat.bcg (``alloc``: random, alternate, systematic) as a grouping column.
    """
    from ..datasets import load_bcg

    bcg = load_bcg()
    return pd.DataFrame({"study": bcg["label"], "year": bcg["year"], "events1": bcg["tpos"],
                         "n1": bcg["tpos"] + bcg["tneg"], "events2": bcg["cpos"], "n2": bcg["cpos"] + bcg["cneg"],
                         "allocation": bcg["alloc"]})


def template(kind: str = "counts", *, lang: str = "en", example: bool = False) -> pd.DataFrame:
    """An empty table with the columns of ``kind`` (``counts``, ``means``, ``estimates``), headers in ``lang``.

    With ``example=True`` (``counts`` only) the table holds the real trials of :func:`example_trials`.
    ``template_explanation(kind, lang)`` gives one line per column.
    """
    _check_lang("template", lang)
    if kind not in KINDS:
        raise ValueError(f"template: unknown kind {kind!r}. Valid values: {', '.join(KINDS)}.")
    if example:
        if kind != "counts":
            raise ValueError("template: example=True exists for kind='counts' (the BCG trials).")
        ex = example_trials()
        return ex.rename(columns={c: HEADERS[lang].get(c, c) for c in ex.columns} | (
            {"allocation": "toewijzing"} if lang == "nl" else {}))
    return pd.DataFrame({HEADERS[lang][c]: pd.Series(dtype=object) for c in KINDS[kind]})


def template_explanation(kind: str, lang: str = "en") -> str:
    """One line per column of the template: its header and what goes in it."""
    _check_lang("template_explanation", lang)
    if kind not in KINDS:
        raise ValueError(f"template_explanation: unknown kind {kind!r}. Valid values: {', '.join(KINDS)}.")
    w = max(len(HEADERS[lang][c]) for c in KINDS[kind])
    head = ("Columns (group 1 = intervention, group 2 = control; empty cells allowed in optional columns):"
            if lang == "en" else
            "Kolommen (groep 1 = interventie, groep 2 = controle; lege cellen mogen in optionele kolommen):")
    return head + "\n" + "\n".join(f"  {HEADERS[lang][c]:<{w}}  {EXPLAIN[lang][c]}" for c in KINDS[kind])


_FIXED_DATE = __import__("datetime").datetime(2000, 1, 1)


def write_template(path: str | Path, kind: str = "counts", *, lang: str = "en", example: bool = False) -> Path:
    """Write the template as XLSX (a data sheet and a sheet explaining the columns) or CSV (by suffix)."""
    path = Path(path)
    df = template(kind, lang=lang, example=example)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = "gegevens" if lang == "nl" else "data"
        ws.append(list(df.columns))
        for row in df.itertuples(index=False):
            ws.append([None if (isinstance(v, float) and math.isnan(v)) else (v.item() if hasattr(v, "item") else v)
                       for v in row])
        ex = wb.create_sheet("uitleg" if lang == "nl" else "explanation")
        for c in KINDS[kind]:
            ex.append([HEADERS[lang][c], EXPLAIN[lang][c]])
        wb.properties.created = wb.properties.modified = _FIXED_DATE  # the same bytes on every run
        wb.save(path)
    else:
        sep = ";" if lang == "nl" else ","
        text = df.to_csv(index=False, sep=sep)
        if lang == "nl":
            text = _decimal_comma_csv(df, sep)
        path.write_text(text, encoding="utf-8")
    return path


def template_csv(kind: str = "counts", *, lang: str = "en", example: bool = False) -> str:
    """The template as CSV text: comma-separated in English, semicolon-separated with decimal commas in Dutch."""
    df = template(kind, lang=lang, example=example)
    return _decimal_comma_csv(df, ";") if lang == "nl" else df.to_csv(index=False)


def _decimal_comma_csv(df: pd.DataFrame, sep: str) -> str:
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = [("" if math.isnan(v) else f"{v:g}".replace(".", ",")) for v in out[c]]
    return out.to_csv(index=False, sep=sep)

