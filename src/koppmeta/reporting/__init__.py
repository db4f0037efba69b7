"""Writing reports: tables for readers, and the library's DOCX helpers.

- :mod:`~koppmeta.reporting.findings`: the summary of findings with absolute effects and GRADE
  certainty (:func:`koppmeta.summary_of_findings`);
- :func:`save_docx`: write a python-docx document so that the same content gives the same bytes;
- :func:`docx_column_widths`: column widths for a python-docx table from its text (these two are
  shared by the summary-of-findings table and the project's report).

The KOPP evidence report itself (``koppmeta report``) and the PRISMA counts of the evidence base
are part of the project: :mod:`koppmeta.project.report`, :mod:`koppmeta.project.prisma`. Their old
names here (``koppmeta.reporting.report``, ``koppmeta.reporting.prisma_counts``) work for one
release with a ``DeprecationWarning``.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

__all__ = ["save_docx", "docx_column_widths", "FIXED_DATE"]

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


def __getattr__(name: str):
    if name == "prisma_counts":
        from .._moved import moved

        return moved("koppmeta.reporting.prisma_counts", "koppmeta.project.prisma", name)
    raise AttributeError(f"module 'koppmeta.reporting' has no attribute {name!r}")
