"""Two runs of the main job give byte-identical figures and reports.

The full `make reproduce` is exercised by `tests/test_notebooks.py`; here two notebooks that
write figures in both languages run twice into separate temporary folders and every file is
compared by hash.
"""

from __future__ import annotations

import hashlib

from conftest import ROOT
from koppmeta.project.reproduce import run


def _hashes(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_two_runs_are_byte_identical(tmp_path):
    results = []
    for i in (1, 2):
        figs, reps = tmp_path / f"figures{i}", tmp_path / f"reports{i}"
        run(ROOT, figures=figs, reports=reps, only=["01_", "03_"])
        results.append((_hashes(figs), _hashes(reps)))
    (f1, r1), (f2, r2) = results
    assert f1 and any(name.endswith(".svg") for name in f1) and any(name.endswith(".pdf") for name in f1)
    assert f1 == f2, "figures differ between two runs"
    assert r1 == r2, "reports differ between two runs"
