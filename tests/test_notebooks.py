"""The notebooks: each .py (py:percent) is in step with its .ipynb, and each one runs to the end.

The notebooks end with their own assertions, so executing them here checks what they claim. Figures
go to a temporary folder (KOPPMETA_FIGURES_DIR), so the test leaves the committed figures/ alone.
"""

from __future__ import annotations

import hashlib
import json

import jupytext
import nbformat
import pytest

from conftest import ROOT
from koppmeta.project.reproduce import data_manifest, execute_notebook, notebook_sources

SOURCES = notebook_sources(ROOT)


def test_there_are_notebooks():
    assert SOURCES, "no notebooks/NN_*.py found"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_pair_in_step(source):
    """The .ipynb holds exactly the cells of the .py (run `make sync` after editing either)."""
    ipynb = source.with_suffix(".ipynb")
    assert ipynb.is_file(), f"{ipynb.name} missing; run make sync"
    a = jupytext.read(source)
    b = nbformat.read(ipynb, as_version=4)
    cells = lambda nb: [(c.cell_type, c.source.strip()) for c in nb.cells]  # noqa: E731
    assert cells(a) == cells(b), f"{source.name} and {ipynb.name} differ; run make sync"
    assert all(not c.get("outputs") for c in b.cells if c.cell_type == "code"), f"{ipynb.name} has stored outputs"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_runs(source, tmp_path, monkeypatch):
    monkeypatch.setenv("KOPPMETA_FIGURES_DIR", str(tmp_path))
    before = data_manifest(ROOT)
    nb = execute_notebook(source)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    assert data_manifest(ROOT) == before, "a notebook changed data/"
    assert any(tmp_path.iterdir()), f"{source.name} wrote no figure"


def test_committed_figures_match_current_data():
    """figures/ was regenerated after the last change to data/ (make reproduce updates figures/MANIFEST.json)."""
    manifest = ROOT / "figures" / "MANIFEST.json"
    assert manifest.is_file(), "figures/MANIFEST.json missing: run make reproduce"
    recorded = json.loads(manifest.read_text(encoding="utf-8"))
    assert recorded["data"] == data_manifest(ROOT), "data/ changed since the figures were made: run make reproduce"
    for rel, digest in recorded["figures"].items():
        path = ROOT / rel
        assert path.is_file(), f"{rel} listed in the manifest but missing"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, f"{rel} differs from the manifest"
