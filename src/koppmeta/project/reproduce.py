"""The main job: execute every notebook headless, write figures, reports and a manifest.

``make reproduce`` (or ``koppmeta reproduce``) runs this. For each
``notebooks/*.py`` (py:percent, paired with its ``.ipynb``) it executes the
notebook in a fresh kernel from inside ``notebooks/``, writes the executed
notebook and an HTML page to ``reports/``; a complete run also writes the
evidence report without code in Dutch and English, as HTML and DOCX
(``koppmeta report``); finally ``reports/index.html`` (a landing page with the
headline findings) and ``reports/manifest.json`` (SHA-256 of every data file,
the package versions, the figures written). No timestamps are written, so two
runs on the same inputs give identical files.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import platform
import sys
import tempfile
from importlib import metadata
from pathlib import Path


PACKAGES = ("koppmeta", "numpy", "scipy", "pandas", "matplotlib", "nbclient", "jupytext")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def notebook_sources(root: Path) -> list[Path]:
    """The notebooks to run, in name order: ``notebooks/NN_*.py`` (py:percent sources)."""
    return sorted(p for p in (root / "notebooks").glob("[0-9][0-9]_*.py"))


def execute_notebook(source: Path, timeout: int = 600, env: dict[str, str] | None = None):
    """Execute one py:percent notebook and return the executed ``nbformat`` notebook.

    ``env`` adds to the kernel's environment (the main job hands the notebooks their folders
    through ``KOPPMETA_ROOT`` and ``KOPPMETA_FIGURES_DIR``).
    """
    import jupytext
    from nbclient import NotebookClient

    nb = jupytext.read(source)
    for i, cell in enumerate(nb.cells):  # stable ids, so reports are byte-identical across runs
        cell.id = f"cell-{i:03d}"
    # The kernel shares nothing with other kernels or with the user's IPython set-up: its own
    # IPython folder (no startup files, no shared history database, whose "database is locked"
    # messages land in cell outputs when several notebooks run at once) and a fixed hash seed
    # (the order of iteration over sets of strings does not change between runs).
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(source.parent)}}, record_timing=False,
                            extra_arguments=["--IPKernelApp.log_level=ERROR",  # keeps the progress bar readable
                                             "--HistoryManager.enabled=False"])
    with tempfile.TemporaryDirectory(prefix="koppmeta-ipython-") as ipython_dir:
        client.execute(env={**os.environ, **(env or {}), "IPYTHONDIR": ipython_dir, "PYTHONHASHSEED": "0"})
    return nb


def _html(nb) -> str:
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    return body


def landing_page(pages: list[tuple[str, str]], reports: dict, documents: list[str], explore: bool = False) -> str:
    """``reports/index.html``: the headline findings in Dutch and English, the reports, the explore page
    (``explore``: ``explore.html`` was written beside it), the notebook pages."""
    from .report import CSS

    e = html.escape
    out = ["<!doctype html><html lang='nl'><head><meta charset='utf-8'><title>koppmeta: wat werkt voor KOPP/KOV?</title>",
           "<meta name='viewport' content='width=device-width, initial-scale=1'>",
           "<style>" + CSS + ".cols{display:grid;grid-template-columns:1fr 1fr;gap:2rem}.card{background:#f5f8fb;"
           "border-left:4px solid #1f4e79;padding:.6rem 1rem;margin:.8rem 0}.card h3{margin:.2rem 0;color:#1f4e79;font-size:1rem}"
           ".card p{margin:.3rem 0;font-size:.92rem}a.doc{display:inline-block;margin:.2rem .6rem .2rem 0;padding:.3rem .7rem;"
           "border:1px solid #1f4e79;border-radius:4px;text-decoration:none;color:#1f4e79}"
           "@media(max-width:50rem){.cols{grid-template-columns:1fr}}</style></head><body>",
           "<header class='title' style='min-height:auto;padding:2rem 0'><h1>Wat werkt voor kinderen van ouders met psychische "
           "problemen of een verslaving?</h1><p class='sub'>What works for children of parents with a mental illness or addiction? "
           "(KOPP/KOV)</p></header>"]
    if reports:
        out.append("<div class='cols'>")
        for lang, heading, docs_label in (("nl", "Belangrijkste bevindingen", "Rapport"), ("en", "Headline findings", "Report")):
            rep = reports.get(lang)
            if rep is None:
                continue
            out.append(f"<section lang='{lang}'><h2>{e(heading)}</h2>")
            for name in documents:
                if f"_{lang}." in name:
                    kind = name.rsplit(".", 1)[1].upper()
                    out.append(f"<a class='doc' href='{e(name)}'>{e(docs_label)} ({kind})</a>")
            for question, answers in rep.headlines:
                out.append(f"<div class='card'><h3>{e(question)}</h3>" + "".join(f"<p>{e(a)}</p>" for a in answers) + "</div>")
            out.append("</section>")
        out.append("</div>")
    if explore:
        from .explore import INDEX_LINK

        out.append(INDEX_LINK)
    out.append("<h2>Notebooks (with code) / Analyses met code</h2><ol>")
    out += [f"<li><a href='{e(s)}.html'>{e(t)}</a></li>" for s, t in pages]
    out.append("</ol><p>Data and package versions / gegevens en versies: <a href='manifest.json'>manifest.json</a>.</p></body></html>\n")
    return "\n".join(out)


def data_manifest(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``data/`` (relative path -> hash)."""
    return {str(p.relative_to(root)): _sha256(p) for p in sorted((root / "data").rglob("*")) if p.is_file()}


def clean_figures(figures: Path) -> list[Path]:
    """Remove the files of a previous run from ``figures`` (files only, not folders), so that a
    figure no notebook writes any more leaves the folder and the manifest. Returns what was removed."""
    removed = sorted(p for p in figures.iterdir() if p.is_file()) if figures.is_dir() else []
    for p in removed:
        p.unlink()
    return removed


def run(root: Path, *, figures: Path | None = None, reports: Path | None = None, only: list[str] | None = None,
        html_reports: bool = True, documents: bool | None = None) -> dict:
    """Execute the notebooks and write ``reports/``; returns the manifest.

    The caller hands the folders: ``root`` (the clone), ``figures`` (default ``root/figures``) and
    ``reports`` (default ``root/reports``); the notebooks are given the same folders through their
    environment, so nothing searches for the project root again. A complete run (no ``only``)
    starts from an empty ``figures`` folder. ``documents`` writes the evidence report in both
    languages as HTML and DOCX (default: on a complete run).
    """
    from tqdm import tqdm

    root = Path(root)
    figures = Path(figures) if figures is not None else root / "figures"
    reports = Path(reports) if reports is not None else root / "reports"
    sources = notebook_sources(root)
    if only:
        sources = [s for s in sources if any(o in s.name for o in only)]
        if not sources:
            raise SystemExit(f"No notebook matches {only}; available: {[s.name for s in notebook_sources(root)]}")
    reports.mkdir(parents=True, exist_ok=True)
    figures.mkdir(parents=True, exist_ok=True)
    if not only:
        clean_figures(figures)
    env = {"KOPPMETA_ROOT": str(root), "KOPPMETA_FIGURES_DIR": str(figures)}
    import nbformat

    pages = []
    for src in tqdm(sources, desc="notebooks", unit="nb", file=sys.stdout):
        nb = execute_notebook(src, env=env)
        out = reports / (src.stem + ".ipynb")
        nbformat.write(nb, out)
        if html_reports:
            (reports / (src.stem + ".html")).write_text(_html(nb), encoding="utf-8")
        title = next((c.source.splitlines()[0].lstrip("# ").strip() for c in nb.cells if c.cell_type == "markdown"), src.stem)
        pages.append((src.stem, title))
    figure_files = sorted(p for p in figures.glob("*.*") if p.name != "MANIFEST.json")
    rel = lambda p: str(p.relative_to(root)) if p.is_relative_to(root) else p.name  # noqa: E731
    manifest = {
        "data": data_manifest(root),
        "figures": {rel(p): _sha256(p) for p in figure_files},
        "notebooks": [s for s, _ in pages],
        "python": platform.python_version(),
        "packages": {p: metadata.version(p) for p in PACKAGES},
    }
    if not only:  # the figure manifest describes a complete run
        (figures / "MANIFEST.json").write_text(
            json.dumps({"data": manifest["data"], "figures": manifest["figures"]}, indent=2) + "\n", encoding="utf-8")
    (reports / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    documents = (not only) if documents is None else documents
    built = {}
    written = []
    if documents:
        from .report import write_all

        written, built = write_all(reports, root=root)
        manifest["documents"] = {p.name: _sha256(p) for p in written}
        (reports / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    if html_reports:
        from .explore import write_report_page

        write_report_page(reports, root)
    (reports / "index.html").write_text(landing_page(pages, built, [p.name for p in written],
                                                      explore=html_reports), encoding="utf-8")
    return manifest
