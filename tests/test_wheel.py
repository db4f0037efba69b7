"""Works anywhere: a wheel built from the repository's files, installed into a fresh virtual environment
outside the repository, analyses a researcher's own files and carries the curated evidence base.

The wheel is built from a copy of the files git knows (as a fresh clone would have them, without
the local .venv or build folders). The fresh environment gets only the wheel (``--no-deps``); its
dependencies (numpy, pandas, matplotlib, openpyxl, ...) come from the test interpreter's
site-packages through a path file, so the test needs no network and takes well under a minute.
Everything runs with the current folder outside the repository and without KOPPMETA_ROOT.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT

REF = json.loads((FIXTURES / "metafor_own_data.json").read_text(encoding="utf-8"))


def _run(cmd, cwd, env, check=True):
    res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    if check and res.returncode != 0:
        raise AssertionError(f"{cmd} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")
    return res


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout to know which files a clone holds")
    base = tmp_path_factory.mktemp("wheel")
    clone = base / "clone"
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT,
                           capture_output=True, check=True).stdout.split(b"\0")
    for f in filter(None, files):
        src = ROOT / f.decode()
        if src.is_file():
            (clone / f.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, clone / f.decode())
    env = {k: v for k, v in os.environ.items()
           if k not in ("KOPPMETA_ROOT", "KOPPMETA_FIGURES_DIR", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    dist = base / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(clone)], base, env)
    wheel = next(dist.glob("koppmeta-*.whl"))
    target = base / "venv"
    venv.EnvBuilder(with_pip=False, clear=True).create(target)
    py = target / "bin" / "python"
    purelib = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], base, env).stdout.strip())
    # the dependencies of the test interpreter, after the fresh environment's own site-packages
    (purelib / "_koppmeta_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    _run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "--no-index", "--quiet", str(wheel)],
         base, env)
    work = base / "work"  # the researcher's folder, outside the repository
    work.mkdir()
    return {"py": py, "bin": target / "bin", "work": work, "env": env, "purelib": purelib}


def test_package_comes_from_the_wheel_not_the_repository(installed):
    out = _run([str(installed["py"]), "-c", "import koppmeta, koppmeta.project.paths as p; print(koppmeta.__file__); "
                "print(p.data_dir()); print(p.figures_dir())"], installed["work"], installed["env"]).stdout.split("\n")
    assert out[0].startswith(str(installed["purelib"])) and str(ROOT) not in out[0]
    assert out[1].startswith(str(installed["purelib"])) and out[2] == str(installed["work"])


def test_load_studies_prints_the_row_count(installed):
    import koppmeta

    res = _run([str(installed["py"]), "-c", "import koppmeta; print(len(koppmeta.load_studies())); "
                "print(len(koppmeta.load_reviews()))"], installed["work"], installed["env"])
    assert res.stdout.split() == [str(len(koppmeta.load_studies())), str(len(koppmeta.load_reviews()))]


def test_semicolon_decimal_comma_file_in_dutch_with_a_pdf(installed):
    ref = REF["bcg"]["first5_RR"]["REML_knha"]
    z = 1.959963984540054
    rows = []
    for i, (y, v) in enumerate(zip(ref["yi"], ref["vi"])):
        rr, lo, hi = (math.exp(y + s * z * math.sqrt(v)) for s in (0, -1, 1))
        rows.append(f"Trial {i + 1};{2000 + i};" + ";".join(f"{x:.6f}".replace(".", ",") for x in (rr, lo, hi)))
    (installed["work"] / "my.csv").write_text("studie;jaar;schatting;ondergrens;bovengrens\n" + "\n".join(rows) + "\n",
                                              encoding="utf-8")
    res = _run([str(installed["bin"] / "koppmeta"), "analyse", "my.csv", "--measure", "RR", "--lang", "nl",
                "--output", "fig.pdf"], installed["work"], installed["env"])
    assert "puntkomma" in res.stdout and "decimaalkomma" in res.stdout and "Gepoold resultaat (k = 5" in res.stdout
    assert "Figuur: fig.pdf" in res.stdout and "Traceback" not in res.stderr
    assert (installed["work"] / "fig.pdf").read_bytes().startswith(b"%PDF")


def test_xlsx_with_smd(installed):
    from openpyxl import Workbook

    wb = Workbook()
    cols = ["study", "m1", "sd1", "n1", "m2", "sd2", "n2"]
    wb.active.append(cols)
    data = REF["normand1999"]["data"]
    for i in range(len(data["study"])):
        wb.active.append([data[c][i] for c in cols])
    wb.save(installed["work"] / "my.xlsx")
    res = _run([str(installed["bin"] / "koppmeta"), "analyse", "my.xlsx", "--measure", "SMD"], installed["work"],
               installed["env"])
    ref = REF["normand1999"]["SMD"]["REML_knha"]
    assert f"SMD {ref['estimate']:.2f} (95% CI {ref['ci_low']:.2f} to {ref['ci_high']:.2f})" in res.stdout


def test_broken_files_exit_1_without_traceback(installed):
    work = installed["work"]
    (work / "broken.csv").write_text("study;events1;n1;events2;n2\nA;4;3;1;10\nB;x;10;2;10\n", encoding="utf-8")
    (work / "broken.xlsx").write_text("not a workbook", encoding="utf-8")
    (work / "my_trials.csv").write_text("study,year,n1,m1\nA,2001,10,1.5\n", encoding="utf-8")
    for args, words in ((["analyse", "broken.csv"], "value 'x': must be a number"),
                        (["analyse", "broken.xlsx", "--measure", "SMD"], "cannot be read as an Excel workbook"),
                        (["analyse", "missing.csv"], "no such file"),
                        (["analyse", "my_trials.csv"], "no complete set of columns"),
                        (["validate", "my_trials.csv"], "koppmeta analyse FILE"),
                        (["analyse", "broken.csv", "--output", "fig.jpg"], "unknown file type '.jpg'"),
                        (["forest", "--output", "nowhere/x.png"], "does not exist"),
                        (["reproduce"], "needs a clone")):
        res = _run([str(installed["bin"] / "koppmeta"), *args], work, installed["env"], check=False)
        assert res.returncode == 1, (args, res.stdout, res.stderr)
        assert "Traceback" not in res.stderr and words in res.stderr, (args, res.stderr)
    assert not (work / "nowhere").exists()


def test_curated_commands_and_templates_work_outside_the_repository(installed):
    work = installed["work"]
    res = _run([str(installed["bin"] / "koppmeta"), "forest", "--by", "intervention_type", "--output", "inc.png"],
               work, installed["env"])
    assert (work / "inc.png").is_file() and "Traceback" not in res.stderr
    assert "ok:" in _run([str(installed["bin"] / "koppmeta"), "validate"], work, installed["env"]).stdout
    res = _run([str(installed["bin"] / "koppmeta"), "template", "--kind", "counts", "--lang", "nl"], work, installed["env"])
    assert res.stdout.startswith("studie;jaar;gebeurtenissen1")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Subgroups and meta-regression on the project's data")[1]
    code = section.split("```python\n")[1].split("```")[0]
    res = _run([str(installed["py"]), "-c", code], work, installed["env"])
    assert "Test for subgroup differences" in res.stdout
