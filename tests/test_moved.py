"""The folder layout: effects/, models/, diagnostics/, reporting/, project/.

Every old module path (``koppmeta.engine``, ``koppmeta.fast``, ``koppmeta.bias``, ...) imports for one
release with a DeprecationWarning that names the new place and gives the same module object; the new
modules import on their own without a cycle; no module of the package imports a private name of another.
"""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
import types
import warnings

import pytest

import koppmeta
from conftest import ROOT, forget
from koppmeta._moved import MOVED

SRC = ROOT / "src" / "koppmeta"


@pytest.mark.parametrize("old, new", sorted(MOVED.items()))
def test_old_path_imports_the_same_module_with_a_warning_naming_the_new_place(old, new):
    module = importlib.import_module(new)
    forget(old)
    with pytest.warns(DeprecationWarning, match=re.escape(f"{old} moved to {new}")) as record:
        assert importlib.import_module(old) is module
    assert [w.filename for w in record if issubclass(w.category, DeprecationWarning)] == [__file__]
    assert module.__name__ == new and module.__spec__.name == new  # the module keeps its own name and spec
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert importlib.import_module(old) is module  # once imported, the old name is the module


@pytest.mark.parametrize("old", sorted(o for o in MOVED if o.count(".") == 1 and o not in
                                       ("koppmeta.gosh", "koppmeta.effect_sizes")))
def test_old_attribute_of_the_package_warns_and_is_the_module(old):
    leaf = old.split(".")[1]
    forget(old)
    with pytest.warns(DeprecationWarning, match=re.escape(f"{old} moved to {MOVED[old]}")) as record:
        assert getattr(koppmeta, leaf) is importlib.import_module(MOVED[old])
    assert record[0].filename == __file__


def test_old_import_statements_give_the_same_classes():
    from koppmeta.diagnostics.bias import TrimAndFill
    from koppmeta.models import MetaAnalysis
    from koppmeta.models.heterogeneity import METHODS

    for old in ("koppmeta.heterogeneity", "koppmeta.bias", "koppmeta.fast"):
        forget(old)
    with pytest.warns(DeprecationWarning, match="koppmeta.models.heterogeneity"):
        from koppmeta.heterogeneity import METHODS as old_methods
    with pytest.warns(DeprecationWarning, match="koppmeta.diagnostics.bias"):
        import koppmeta.bias as old_bias
    with pytest.warns(DeprecationWarning, match="koppmeta.models.batch"):
        from koppmeta import fast
    assert old_methods is METHODS and old_bias.TrimAndFill is TrimAndFill and fast.fit_many is koppmeta.fit_many
    fit = koppmeta.meta_analysis([0.1, 0.3, -0.2], [0.02, 0.03, 0.04])
    with pytest.warns(koppmeta.FewStudiesWarning):
        assert isinstance(old_bias.trim_and_fill(fit), TrimAndFill) and isinstance(fit, MetaAnalysis)


def test_old_name_of_a_public_function_stays_the_function():
    """``koppmeta.effect_sizes`` and ``koppmeta.gosh`` are functions; loading their old modules leaves them so."""
    for old in ("koppmeta.effect_sizes", "koppmeta.gosh"):
        forget(old)
        with pytest.warns(DeprecationWarning, match=re.escape(MOVED[old])):
            module = importlib.import_module(old)
        leaf = old.split(".")[1]
        assert isinstance(getattr(koppmeta, leaf), types.FunctionType)
        assert getattr(koppmeta, leaf) is getattr(module, leaf)


def test_models_package_keeps_the_names_of_the_former_module(recwarn):
    from koppmeta.models import (  # noqa: F401
        TESTS,
        MetaAnalysis,
        MissingDataWarning,
        fit_at_tau2,
        format_p,
        meta_analysis,
        pi_method,
    )
    from koppmeta.models import univariate

    assert meta_analysis is koppmeta.meta_analysis is univariate.meta_analysis
    assert MetaAnalysis is koppmeta.MetaAnalysis and pi_method is univariate.pi_method
    assert koppmeta.models.het is univariate.het  # any other name the module held
    assert koppmeta.models.bayes.bayesian_meta_analysis is koppmeta.bayesian_meta_analysis  # submodules on first use
    with pytest.raises(AttributeError, match="no_such_name"):
        koppmeta.models.no_such_name  # noqa: B018
    assert not [w for w in recwarn if issubclass(w.category, DeprecationWarning)]


def test_top_level_names_point_to_the_new_modules():
    lazy = {module for module in koppmeta._LAZY.values()}
    assert not lazy & set(MOVED), "a lazy name of koppmeta points to an old module path"
    for name, module in koppmeta._LAZY.items():
        assert getattr(koppmeta, name) is getattr(importlib.import_module(module), name)
    for name in koppmeta._SUBMODULES:
        assert f"koppmeta.{name}" not in MOVED


def _modules() -> list[str]:
    names = []
    for path in sorted(SRC.rglob("*.py")):
        parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return names


def test_every_module_imports_on_its_own_without_a_cycle():
    """Each module of the package, imported first in a fresh set of koppmeta modules, imports without a
    circular import or a DeprecationWarning of koppmeta's own (third-party packages stay loaded, so this is one
    process; their deprecations, such as an older matplotlib's use of a newer pyparsing, are not koppmeta's)."""
    code = """
import importlib, sys, warnings
warnings.filterwarnings("error", category=DeprecationWarning, module=r"koppmeta(\\.|$)")
failed = []
for name in sys.argv[1:]:
    for m in [m for m in sys.modules if m == "koppmeta" or m.startswith("koppmeta.")]:
        del sys.modules[m]
    sys.meta_path[:] = [f for f in sys.meta_path if getattr(f, "__module__", "") != "koppmeta._moved"]
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed.append(f"{name}: {type(exc).__name__}: {exc}")
print("\\n".join(failed))
"""
    modules = _modules()
    out = subprocess.run([sys.executable, "-c", code, *modules], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", out.stdout
    assert len(modules) > 40


def test_import_koppmeta_stays_light():
    code = ("import sys, koppmeta; print(sorted(m for m in sys.modules if m.startswith(('koppmeta.', 'matplotlib', "
            "'tqdm', 'scipy.stats'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = set(ast.literal_eval(out))
    assert loaded == {
        "koppmeta._dist", "koppmeta._moved", "koppmeta._validation", "koppmeta.datasets", "koppmeta.exceptions",
        "koppmeta.formatting", "koppmeta.results", "koppmeta.effects", "koppmeta.effects.sizes", "koppmeta.models",
        "koppmeta.models.engine", "koppmeta.models.heterogeneity", "koppmeta.models.univariate",
        "koppmeta.models.batch", "koppmeta.models.multilevel", "koppmeta.diagnostics", "koppmeta.diagnostics.gosh"}


def test_no_module_imports_a_private_name_of_another():
    bad = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                bad += [f"{path.relative_to(SRC)}:{node.lineno}: {a.name}" for a in node.names
                        if a.name.startswith("_") and not a.name.startswith("__")]
    assert not bad, bad


def test_nothing_imports_an_old_path():
    """Only the tests of the old names use them; the package, tests, notebooks, scripts and benchmarks
    import from the new places (``from koppmeta import gosh, effect_sizes`` are the functions)."""
    allowed = {"tests/test_moved.py", "tests/test_project_layout.py", "tests/test_gosh.py"}
    functions = {"gosh", "effect_sizes"}
    bad = []
    for folder in ("src", "tests", "notebooks", "scripts", "benchmarks"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in allowed or "/." in rel:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == "koppmeta":
                    names = [f"koppmeta.{a.name}" for a in node.names if a.name not in functions]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                bad += [f"{rel}:{node.lineno}: {n}" for n in names
                        if any(n == old or n.startswith(old + ".") for old in MOVED)]
    assert not bad, bad
