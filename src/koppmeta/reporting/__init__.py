"""The evidence report (HTML, DOCX, PDF) and the pieces it is built from.

- :func:`prisma_counts`: the counts of the PRISMA 2020 flow diagram for the project's evidence
  base, from ``prisma.csv`` beside this module (each box with its basis) and the data;
- :func:`save_docx`: write a python-docx document so that the same content gives the same bytes;
- :mod:`koppmeta.reporting.report`: ``koppmeta report`` (the report builder).
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from importlib import resources
from pathlib import Path

import pandas as pd

__all__ = ["prisma_counts", "save_docx", "docx_column_widths", "FIXED_DATE"]

# Fixed date for the document properties of every DOCX and PDF (no build dates in outputs).
FIXED_DATE = datetime(2000, 1, 1)


def save_docx(doc, path) -> Path:
    """Save a python-docx ``Document`` deterministically.

    The core properties get fixed values (no creation or modification time, no revision
    counter from the clock) and every zip entry gets one fixed timestamp and order, so an
    unchanged document gives byte-identical files.
    """
    cp = doc.core_properties
    cp.created = FIXED_DATE
    cp.modified = FIXED_DATE
    cp.last_printed = FIXED_DATE
    cp.revision = 1
    cp.author = "koppmeta"
    cp.last_modified_by = "koppmeta"
    buf = io.BytesIO()
    doc.save(buf)
    buf.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():  # the order python-docx wrote ([Content_Types].xml first)
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zout.writestr(info, zin.read(name))
    path = Path(path)
    path.write_bytes(out.getvalue())
    return path


def docx_column_widths(table, total_cm: float) -> None:
    """Give a python-docx table column widths in proportion to the longest word and the text length
    of each column, so that words are not broken inside a cell (Word and LibreOffice honour cell widths)."""
    from docx.shared import Cm

    cols = len(table.columns)
    need = []
    for j in range(cols):
        texts = [row.cells[j].text for row in table.rows]
        longest_word = max((len(w) for t in texts for w in t.split()), default=4)
        longest = max((len(t) for t in texts), default=4)
        need.append(max(longest_word * 1.1, min(longest, 40) * 0.55, 5))
    scale = total_cm / sum(need)
    table.autofit = False
    for row in table.rows:
        for j, cell in enumerate(row.cells):
            cell.width = Cm(need[j] * scale)


def _counts_table() -> pd.DataFrame:
    text = resources.files("koppmeta.reporting").joinpath("prisma.csv").read_text(encoding="utf-8")
    return pd.read_csv(io.StringIO(text), dtype={"box": str, "rule": str, "basis": str}, keep_default_na=False)


def prisma_counts(studies: pd.DataFrame, reviews: pd.DataFrame) -> pd.DataFrame:
    """Counts of the PRISMA 2020 boxes for the evidence base, each with its basis.

    Boxes with a ``rule`` in ``prisma.csv`` are counted from ``studies`` and ``reviews``; the
    others hold the count stated in the file or stay empty (unknown), never guessed. Returns
    columns ``box, count, derived, basis`` (``count`` NaN when unknown).
    """
    from ..evidence import effects_for

    table = _counts_table()
    docs_trials = set(studies["source"].dropna())
    docs = docs_trials | set(reviews["source"].dropna())
    with_effects: set[str] = set()
    for outcome in sorted(studies["outcome"].dropna().unique()):
        eff = effects_for(studies, outcome)
        with_effects |= set(eff["study_id"])
    trials = set(studies["study_id"])
    not_rand = set(studies.loc[~studies["design"].isin(["RCT", "cluster-RCT"]), "study_id"])
    rules = {
        "distinct_documents": len(docs),
        "distinct_reviews": reviews["review_id"].nunique(),
        "distinct_trials": len(trials),
        "distinct_trial_documents": len(docs_trials),
        "trials_with_effects": len(with_effects),
        # the two reasons split the trials without an effect: no randomised control group first
        "trials_without_effects": len(trials - with_effects - not_rand),
        "trials_not_randomised": len(not_rand - with_effects),
    }
    rows = []
    for _, r in table.iterrows():
        if r["rule"]:
            if r["rule"] not in rules:
                raise ValueError(f"prisma_counts: prisma.csv, box {r['box']!r}: unknown rule {r['rule']!r}; "
                                 f"known rules: {', '.join(rules)}.")
            rows.append({"box": r["box"], "count": float(rules[r["rule"]]), "derived": True, "basis": r["basis"]})
        else:
            count = float(r["count"]) if str(r["count"]).strip() else float("nan")
            rows.append({"box": r["box"], "count": count, "derived": False, "basis": r["basis"]})
    return pd.DataFrame(rows)
