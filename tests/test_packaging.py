"""The project's promises about itself: declared dependencies, the README's commands and example, fast import."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
import tomllib

from conftest import ROOT


def _names(specs):
    return {re.split(r"[<>=!~ \[]", s.strip(), maxsplit=1)[0].lower() for s in specs}


def test_pyproject_and_environment_declare_the_same_packages():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = _names(py["dependencies"]) | {n for extra in ("notebooks", "test", "bench") for n in _names(py["optional-dependencies"][extra])}
    text = (ROOT / "environment.yml").read_text(encoding="utf-8").split("dependencies:")[1]
    env = [ln.strip()[2:].split("#")[0].strip() for ln in text.splitlines()
           if ln.strip().startswith("- ") and ln.strip() not in ("- pip", "- pip:") and not ln.strip().startswith("- -e")]
    conda = _names(env) - {"python"}
    assert declared == conda, f"only in pyproject: {declared - conda}; only in environment.yml: {conda - declared}"


def test_readme_shows_the_two_commands_and_ci_calls_make_test():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make reproduce" in readme and "make test" in readme and "conda env create -f environment.yml" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_example_prints_what_the_readme_says(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Ten lines")[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    expected = re.search(r"```text\n(.*?)```", section, re.S).group(1)
    assert len(code.strip().splitlines()) <= 10
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    assert out.getvalue().strip() == expected.strip()
    assert (tmp_path / "bcg_forest.png").is_file()


def test_readme_error_examples_are_real():
    import koppmeta

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"ValueError: (meta_analysis: .*)", readme).group(1)
    try:
        koppmeta.meta_analysis([0.1, 0.3], [0.02, -0.01], labels=["Clarke 2001", "Garber 2009"])
    except ValueError as exc:
        assert str(exc) == shown
    else:  # pragma: no cover
        raise AssertionError("no error raised")


def test_import_does_not_load_plotting():
    """Plotting (matplotlib) is imported on first use, so `import koppmeta` stays light."""
    code = "import sys, koppmeta; print('matplotlib' in sys.modules, 'koppmeta.plotting' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_readme_subgroup_example_prints_what_the_readme_says():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Subgroups and meta-regression on the project's data")[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    expected = re.search(r"```text\n(.*?)```", section, re.S).group(1)
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    assert expected.strip() in out.getvalue()


def _locked_versions() -> dict[str, list[tuple[str, str]]]:
    """requirements.lock as {name: [(version, marker), ...]} (a name is pinned once per marker branch)."""
    pins: dict[str, list[tuple[str, str]]] = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^ ;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$", line)
        if m:
            pins.setdefault(m.group(1).lower().replace("_", "-"), []).append((m.group(2), (m.group(3) or "").strip()))
    return pins


def test_lock_pins_every_declared_package_within_its_range_with_hashes():
    """`make` installs from requirements.lock: every package the two commands need is pinned there
    (for this interpreter), inside the range pyproject.toml declares, with hashes; environment.yml
    declares the same ranges as pyproject.toml. Regenerate with `make lock` after changing a range."""
    from packaging.markers import Marker
    from packaging.requirements import Requirement

    py = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = py["dependencies"] + py["optional-dependencies"]["notebooks"] + py["optional-dependencies"]["test"]
    specs += [ln for ln in (ROOT / "requirements-build.in").read_text(encoding="utf-8").splitlines()
              if ln.strip() and not ln.startswith("#")]
    lock_text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pins = _locked_versions()
    problems = []
    for spec in specs:
        req = Requirement(spec)
        name = req.name.lower().replace("_", "-")
        here = [v for v, marker in pins.get(name, []) if not marker or Marker(marker).evaluate()]
        if len(here) != 1:
            problems.append(f"{spec}: pinned {len(here)} times for this interpreter in requirements.lock")
        elif not req.specifier.contains(here[0], prereleases=True):
            problems.append(f"{spec}: requirements.lock pins {here[0]}, outside the declared range")
    assert not problems, "; ".join(problems) + " (run make lock)"
    blocks = re.split(r"\n(?=[A-Za-z0-9_.\-]+==)", lock_text.split("\n", 2)[2])
    assert all("--hash=sha256:" in b for b in blocks if "==" in b.split("\n")[0]), "a pin without hashes"

    env_text = (ROOT / "environment.yml").read_text(encoding="utf-8").split("dependencies:")[1]
    env_specs = {}
    for ln in env_text.splitlines():
        item = ln.strip()[2:].split("#")[0].strip() if ln.strip().startswith("- ") else ""
        if item and item not in ("pip", "pip:") and not item.startswith("-e"):
            r = Requirement(item)
            if r.name.lower() != "python":
                env_specs[r.name.lower()] = str(r.specifier)
    declared = {Requirement(s).name.lower(): str(Requirement(s).specifier) for s in
                py["dependencies"] + [x for e in py["optional-dependencies"].values() for x in e]}
    assert env_specs == declared, {n: (env_specs.get(n), declared.get(n)) for n in set(env_specs) | set(declared)
                                   if env_specs.get(n) != declared.get(n)}

def test_packaged_evidence_base_equals_data_folder():
    """The wheel carries a copy of data/ (the source of truth); after changing data/ run `make sync-data`."""
    from koppmeta.project.paths import EVIDENCE_FILES

    packaged = ROOT / "src" / "koppmeta" / "datasets" / "evidence"
    assert sorted(p.name for p in packaged.iterdir() if p.is_file()) == sorted(EVIDENCE_FILES)
    stale = [f for f in EVIDENCE_FILES if (ROOT / "data" / f).read_bytes() != (packaged / f).read_bytes()]
    assert not stale, f"src/koppmeta/datasets/evidence/ differs from data/ for {stale}: run `make sync-data`"
    make_list = re.search(r"^EVIDENCE_FILES := (.*)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M).group(1)
    assert tuple(make_list.split()) == EVIDENCE_FILES
    toml = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "datasets/evidence/*" in toml["tool"]["setuptools"]["package-data"]["koppmeta"]


def test_data_folder_is_found_from_anywhere(tmp_path, monkeypatch):
    """Inside a clone: its data/; a user's own project with pyproject.toml and data/ is not mistaken for it."""
    from koppmeta.project import paths

    monkeypatch.delenv("KOPPMETA_ROOT", raising=False)
    monkeypatch.delenv("KOPPMETA_FIGURES_DIR", raising=False)
    monkeypatch.chdir(ROOT / "notebooks")
    assert paths.data_dir() == ROOT / "data" and paths.figures_dir() == ROOT / "figures"
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'mine'\n", encoding="utf-8")
    (tmp_path / "data").mkdir()
    monkeypatch.chdir(tmp_path)
    assert paths.find_project_root() is None
    assert paths.data_dir() == ROOT / "data"  # this checkout (editable install); a wheel uses its packaged copy
    assert paths.figures_dir() == tmp_path  # outputs go to the current folder, never into the package
    monkeypatch.setattr(paths, "_source_checkout", lambda: None)
    assert paths.data_dir() == paths.packaged_data_dir()
    import koppmeta

    assert len(koppmeta.load_studies()) == len(koppmeta.load_studies(ROOT / "data" / "studies.csv"))
