"""Load and validate the curated evidence base: ``data/studies.csv`` and ``data/reviews.csv``.

The rules live in ``data/datapackage.json`` (a Frictionless tabular data
package): each column's type, whether it is required, its allowed codes,
ranges, patterns and uniqueness, plus a few rules across columns (events <= n,
SD > 0, an interval contains its estimate, provenance present). A file that
breaks any rule raises :class:`DataError`, whose message names the file, the
row (and the line in the file), the column, the value and the rule, for every
problem found. Nothing is dropped, coerced or filled in silently, and nothing
here writes to ``data/``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .._validation import MAX_LISTED, DataError, Problem
from .paths import data_dir

__all__ = ["DataError", "Problem", "load_studies", "load_reviews", "load_gaps", "read_schema"]

def read_schema(resource: str, package: Path | None = None) -> dict:
    """The schema of ``resource`` ("studies" or "reviews") from ``data/datapackage.json``."""
    package = package or data_dir() / "datapackage.json"
    with open(package, encoding="utf-8") as fh:
        pkg = json.load(fh)
    for res in pkg["resources"]:
        if res["name"] == resource:
            return res["schema"]
    raise KeyError(f"{package}: no resource named {resource!r}")


_INT = re.compile(r"^[+-]?\d+$")
_NUM = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def shorten_value(text: str, n: int = 60) -> str:
    """``text`` cut to ``n`` characters with an ellipsis, for messages."""
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def _decode(path: Path, raw: bytes) -> str:
    name = str(path)
    if not raw.strip():
        raise DataError([Problem(name, None, None, None, None, "the file is empty; expected a header row and data rows")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError([Problem(name, None, line, None, repr(raw[exc.start:exc.start + 4]),
                                 f"the file is not valid UTF-8 (byte {exc.start}, line {line}); save it as UTF-8")]) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise DataError([Problem(name, None, line, None, "\\x00", f"the file contains a NUL byte (line {line}); it is not a text CSV")])
    return text


def _convert(kind: str, text: str) -> float | int | None:
    if kind == "integer":
        if _INT.match(text):
            return int(text)
        if _NUM.match(text) and float(text).is_integer():
            return int(float(text))
        raise ValueError("must be a whole number")
    if kind == "number":
        if _NUM.match(text):
            x = float(text)
            if math.isfinite(x):
                return x
        if re.match(r"^[+-]?\d+,\d+$", text):
            raise ValueError("must be a number with a decimal point (found a decimal comma)")
        raise ValueError("must be a number")
    return text


def _load(path: str | Path | None, resource: str) -> pd.DataFrame:
    path = Path(path) if path is not None else data_dir() / f"{resource}.csv"
    name = str(path)
    if not path.is_file():
        rule = "is a folder, not a file" if path.is_dir() else "no such file"
        raise DataError([Problem(name, None, None, None, None, f"{rule} (looked in {path.resolve().parent})")])
    schema = read_schema(resource, path.parent / "datapackage.json" if (path.parent / "datapackage.json").is_file() else None)
    fields = {f["name"]: f for f in schema["fields"]}
    text = _decode(path, path.read_bytes())
    problems: list[Problem] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise DataError([Problem(name, None, 1, None, None, f"the header cannot be read as CSV: {exc}")]) from None
    header = [h.strip() for h in header]
    dupes = sorted({h for h in header if header.count(h) > 1})
    for h in dupes:
        problems.append(Problem(name, 0, 1, h, None, "column appears more than once in the header"))
    if len(header) == 1 and header[0].count(";") >= 2:
        raise DataError([Problem(name, 0, 1, None, shorten_value(header[0]),
                                 "the header is one cell holding semicolons: the file looks semicolon-separated "
                                 "(as Dutch Excel saves CSV), but this layout is comma-separated; save it as "
                                 "'CSV (comma delimited)' with a decimal point, or analyse a short table of your own "
                                 "trials with `koppmeta analyse FILE`, which reads both")])
    missing = [f for f in fields if f not in header]
    if len(missing) > len(fields) // 2:
        problems.append(Problem(name, 0, 1, None, None,
                                f"{len(missing)} of the {len(fields)} columns of the curated layout are missing "
                                f"({', '.join(missing)}); for a short table of your own trials (study, events or "
                                "means per arm, or estimates) use `koppmeta analyse FILE` instead; `koppmeta "
                                "template` writes such a table"))
    else:
        for f in missing:
            problems.append(Problem(name, 0, 1, f, None, f"required column is missing from the header (expected columns: {', '.join(fields)})"))
    unknown = [h for h in header if h not in fields]
    for h in unknown if len(missing) <= len(fields) // 2 else ():
        problems.append(Problem(name, 0, 1, h, None, f"unknown column; the schema (data/datapackage.json) allows: {', '.join(fields)}"))
    if problems:
        raise DataError(problems)
    records: list[dict] = []
    lines: list[int] = []
    try:
        for cells in reader:
            row_no = len(records) + 1
            if len(cells) != len(header):
                problems.append(Problem(name, row_no, reader.line_num, None, None,
                                        f"row has {len(cells)} cells but the header has {len(header)} columns"))
                records.append({})
                lines.append(reader.line_num)
                continue
            records.append(dict(zip(header, cells)))
            lines.append(reader.line_num)
    except csv.Error as exc:
        problems.append(Problem(name, len(records) + 1, reader.line_num, None, None, f"the file cannot be read as CSV: {exc}"))
        raise DataError(problems) from None
    if not records:
        raise DataError([Problem(name, None, None, None, None, "the file has a header but no data rows")])

    columns: dict[str, list] = {f: [] for f in fields}
    seen: dict[str, dict[str, int]] = {f: {} for f, spec in fields.items() if spec.get("constraints", {}).get("unique")}
    for i, rec in enumerate(records):
        row_no, line = i + 1, lines[i]
        for fname, spec in fields.items():
            raw = rec.get(fname, "")
            cons = spec.get("constraints", {})
            value = None
            if raw != raw.strip():
                problems.append(Problem(name, row_no, line, fname, raw, "value has leading or trailing spaces"))
            text_ = raw.strip()
            if text_ == "":
                if cons.get("required") and rec:
                    problems.append(Problem(name, row_no, line, fname, raw, "value is required but empty"))
            else:
                try:
                    value = _convert(spec.get("type", "string"), text_)
                except ValueError as exc:
                    problems.append(Problem(name, row_no, line, fname, raw, f"{exc} (column type {spec['type']})"))
                else:
                    if "enum" in cons and value not in cons["enum"]:
                        problems.append(Problem(name, row_no, line, fname, raw, f"unknown code; allowed: {', '.join(cons['enum'])}"))
                    if "minimum" in cons and value < cons["minimum"]:
                        problems.append(Problem(name, row_no, line, fname, raw, f"must be at least {cons['minimum']}"))
                    if "maximum" in cons and value > cons["maximum"]:
                        problems.append(Problem(name, row_no, line, fname, raw, f"must be at most {cons['maximum']}"))
                    if "pattern" in cons and not re.match(cons["pattern"], str(value)):
                        problems.append(Problem(name, row_no, line, fname, raw, f"does not match the pattern {cons['pattern']}"))
                    if fname in seen:
                        if value in seen[fname]:
                            problems.append(Problem(name, row_no, line, fname, raw, f"duplicate id; already used in row {seen[fname][value]}"))
                        else:
                            seen[fname][value] = row_no
            columns[fname].append(value)
        if rec:
            problems.extend(_row_rules(resource, name, row_no, line, {f: columns[f][-1] for f in fields}))
    if problems:
        raise DataError(problems)
    df = pd.DataFrame({f: _column(fields[f].get("type", "string"), columns[f]) for f in fields})
    df.attrs["path"] = name
    return df


def _column(kind: str, values: list):
    if kind == "integer":
        return pd.array(values, dtype="Int64")
    if kind == "number":
        return np.array([np.nan if v is None else v for v in values], dtype=float)
    return pd.array(values, dtype="string")


def _row_rules(resource: str, name: str, row: int, line: int, r: dict) -> list[Problem]:
    out = []

    def bad(col, val, rule):
        out.append(Problem(name, row, line, col, None if val is None else str(val), rule))

    if resource == "gaps":  # an extraction sheet: no numbers, no cross-column rules
        return out
    if resource == "studies":
        for arm in ("1", "2"):
            e, n = r[f"events{arm}"], r[f"n{arm}"]
            if e is not None and n is not None and e > n:
                bad(f"events{arm}", e, f"events cannot exceed the arm size n{arm} = {n}")
            sd = r[f"sd{arm}"]
            if sd is not None and sd <= 0:
                bad(f"sd{arm}", sd, "a standard deviation must be greater than 0")
        est, lo, hi = r["reported_estimate"], r["reported_ci_low"], r["reported_ci_high"]
    else:
        est, lo, hi = r["estimate"], r["ci_low"], r["ci_high"]
        if r["pooled"] == "no" and est is not None:
            bad("estimate", est, "a review marked pooled = no cannot carry a pooled estimate")
    prefix = "reported_" if resource == "studies" else ""
    if (lo is None) != (hi is None):
        bad(f"{prefix}ci_low" if lo is None else f"{prefix}ci_high", lo if hi is None else hi,
            "a confidence interval needs both limits")
    if lo is not None and hi is not None:
        if lo > hi:
            bad(f"{prefix}ci_low", lo, f"lower limit is above the upper limit {hi}")
        elif est is not None and not lo <= est <= hi:
            bad(f"{prefix}estimate", est, f"the interval [{lo}, {hi}] does not contain its estimate")
    has_number = any(isinstance(v, (int, float)) and not isinstance(v, bool) for k, v in r.items()
                     if k not in ("year", "timepoint_months"))
    if has_number:
        for col in ("source", "source_location", "source_quote"):
            if not r.get(col):
                bad(col, None, "a row with numbers must say where they come from (source, source_location, source_quote)")
    return out


def load_studies(path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate ``data/studies.csv`` (one row per extracted trial effect).

    Without ``path``: the repository's ``data/`` inside a clone, else the copy the installed
    package carries (:func:`koppmeta.project.paths.data_dir`), so it works from any folder.

    Raises
    ------
    DataError
        (a ``ValueError``) naming file, row, line, column, value and rule for every violation.
    """
    return _load(path, "studies")


def load_reviews(path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate ``data/reviews.csv`` (one row per published pooled result)."""
    return _load(path, "reviews")


def load_gaps(path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate ``data/gaps.csv`` (one row per number known to exist but not yet extracted)."""
    return _load(path, "gaps")
