"""The KOPP project lives in koppmeta.project; the old flat names answer for one release with a warning."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import koppmeta
from conftest import ROOT, forget

MOVED = ["paths", "data", "evidence", "reproduce", "cli", "explore"]


@pytest.mark.parametrize("name", MOVED)
def test_old_module_names_forward_with_a_deprecation_warning(name):
    new = importlib.import_module(f"koppmeta.project.{name}")
    forget(f"koppmeta.{name}")
    with pytest.warns(DeprecationWarning, match=rf"koppmeta\.{name} moved to koppmeta\.project\.{name}"):
        assert getattr(koppmeta, name) is new


def test_old_report_names_forward():
    from koppmeta.project import prisma, report

    forget("koppmeta.reporting.report")
    with pytest.warns(DeprecationWarning, match="koppmeta.project.report"):
        from koppmeta.reporting.report import trial_labels
    assert trial_labels is report.trial_labels
    with pytest.warns(DeprecationWarning, match="koppmeta.project.prisma"):
        from koppmeta.reporting import prisma_counts
    assert prisma_counts is prisma.prisma_counts


def test_public_names_stay_at_the_top_without_warning(recwarn):
    from koppmeta.project import data, evidence

    assert koppmeta.load_studies is data.load_studies and koppmeta.load_reviews is data.load_reviews
    assert koppmeta.effects_for is evidence.effects_for
    assert not [w for w in recwarn if issubclass(w.category, DeprecationWarning)]


def test_old_command_module_still_runs():
    out = subprocess.run([sys.executable, "-m", "koppmeta.cli", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and out.stdout.startswith("koppmeta ") and "DeprecationWarning" in out.stderr


def test_unknown_old_name_is_an_attribute_error():
    forget("koppmeta.data")
    with pytest.warns(DeprecationWarning, match="koppmeta.data moved"), \
            pytest.raises(AttributeError, match="koppmeta.project.data.*no_such_function"):
        koppmeta.data.no_such_function  # noqa: B018


def test_main_job_starts_from_an_empty_figures_folder(tmp_path):
    """A figure that no notebook writes any more leaves the folder (and so the manifest)."""
    from koppmeta.project.reproduce import clean_figures

    figures = tmp_path / "figures"
    figures.mkdir()
    (figures / "old_figure_en.png").write_bytes(b"x")
    (figures / "MANIFEST.json").write_text("{}", encoding="utf-8")
    (figures / "keep").mkdir()
    removed = clean_figures(figures)
    assert [p.name for p in removed] == ["MANIFEST.json", "old_figure_en.png"]
    assert [p.name for p in figures.iterdir()] == ["keep"]
    assert clean_figures(tmp_path / "missing") == []
