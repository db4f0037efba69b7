"""Every public statistics function returns one kind of result, with the same names for the same things.

Each function is called on the BCG vaccine trials (Colditz et al. 1994; ``koppmeta.datasets``); the
test checks the shape of what comes back, not its numbers (those are checked against metafor by the
module's own tests).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import koppmeta
from koppmeta.results import RATIO_MEASURES, SHARED_FIELDS, Result, TableResult, back_transform, is_ratio

#: Names that used to mean a shared quantity somewhere; no result may use them as a field any more.
OLD_NAMES = ("p_value", "pvalue", "lower", "upper", "ci_lb", "ci_ub", "estimate_ci", "se_boot")


@pytest.fixture(scope="module")
def bcg():
    return koppmeta.datasets.load_bcg()


@pytest.fixture(scope="module")
def es(bcg):
    return koppmeta.effect_sizes(bcg, "RR", events1="tpos", nonevents1="tneg", events2="cpos",
                                 nonevents2="cneg", labels="label")


@pytest.fixture(scope="module")
def fit(es):
    return koppmeta.meta_analysis("yi", "vi", data=es, labels="label", measure="RR")


def _counts(bcg):
    return dict(data=bcg.assign(n1=bcg.tpos + bcg.tneg, n2=bcg.cpos + bcg.cneg), events1="tpos", n1="n1",
                events2="cpos", n2="n2", labels="label")


def _calls(bcg, es, fit):
    """(name, zero-argument call) for every public statistics function."""
    counts = _counts(bcg)
    cluster = es["alloc"]
    trials = pd.DataFrame({"study": bcg["label"], "events1": bcg["tpos"], "n1": bcg["tpos"] + bcg["tneg"],
                           "events2": bcg["cpos"], "n2": bcg["cpos"] + bcg["cneg"]})
    reg = lambda: koppmeta.meta_regression("yi", "vi", es[["ablat"]], data=es, labels="label",  # noqa: E731
                                          measure="RR")
    return [
        ("meta_analysis", lambda: fit),
        ("meta_regression", reg),
        ("subgroup_analysis", lambda: koppmeta.subgroup_analysis("yi", "vi", "alloc", data=es, labels="label",
                                                                 measure="RR")),
        ("permutation_test", lambda: koppmeta.permutation_test(reg(), n_permutations=200, seed=1, progress=False)),
        ("three_level", lambda: koppmeta.three_level("yi", "vi", "alloc", data=es, labels="label", measure="RR")),
        ("robust", lambda: koppmeta.robust(fit, cluster)),
        ("egger_test", lambda: koppmeta.egger_test(fit)),
        ("begg_test", lambda: koppmeta.begg_test(fit)),
        ("trim_and_fill", lambda: koppmeta.trim_and_fill(fit)),
        ("pet_peese", lambda: koppmeta.pet_peese(fit)),
        ("fail_safe_n", lambda: koppmeta.fail_safe_n(fit)),
        ("leave_one_out", lambda: koppmeta.leave_one_out(fit)),
        ("influence", lambda: koppmeta.influence(fit)),
        ("cumulative", lambda: koppmeta.cumulative(fit, bcg["year"])),
        ("baujat", lambda: koppmeta.baujat(fit)),
        ("bootstrap", lambda: koppmeta.bootstrap(fit, n_boot=200, seed=1)),
        ("gosh", lambda: koppmeta.gosh(fit, max_subsets=200, seed=1)),
        ("fit_many", lambda: koppmeta.fit_many(np.vstack([fit.yi, fit.yi[::-1]]), np.vstack([fit.vi, fit.vi[::-1]]))),
        ("mantel_haenszel", lambda: koppmeta.mantel_haenszel(measure="RR", **counts)),
        ("peto", lambda: koppmeta.peto(**counts)),
        ("binomial_glmm", lambda: koppmeta.binomial_glmm(**counts)),
        ("bayesian_meta_analysis", lambda: koppmeta.bayesian_meta_analysis("yi", "vi", data=es, labels="label",
                                                                           measure="RR")),
        ("compare_methods", lambda: koppmeta.compare_methods(data=_counts(bcg)["data"].assign(yi=es.yi, vi=es.vi),
                                                             labels="label", measure="RR", events1="tpos", n1="n1",
                                                             events2="cpos", n2="n2")),
        ("summary_of_findings", lambda: koppmeta.summary_of_findings({"tb": fit}, baseline_risks=[0.01])),
        ("analyse", lambda: koppmeta.analyse(trials, measure="RR")),
    ]


@pytest.fixture(scope="module")
def results(bcg, es, fit):
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # few-studies and similar advice, not the subject here
        for name, call in _calls(bcg, es, fit):
            out[name] = call()
    return out


NAMES = [
    "meta_analysis", "meta_regression", "subgroup_analysis", "permutation_test", "three_level", "robust",
    "egger_test", "begg_test", "trim_and_fill", "pet_peese", "fail_safe_n", "leave_one_out", "influence",
    "cumulative", "baujat", "bootstrap", "gosh", "fit_many", "mantel_haenszel", "peto", "binomial_glmm",
    "bayesian_meta_analysis", "compare_methods", "summary_of_findings", "analyse"]


def test_the_list_covers_every_public_statistics_function():
    stats_modules = {"koppmeta.models.univariate", "koppmeta.models.regression", "koppmeta.models.multilevel",
                     "koppmeta.models.batch", "koppmeta.models.rare", "koppmeta.models.bayes", "koppmeta.models.compare",
                     "koppmeta.diagnostics.bias", "koppmeta.diagnostics.sensitivity", "koppmeta.diagnostics.resampling",
                     "koppmeta.diagnostics.gosh", "koppmeta.reporting.findings", "koppmeta.effects.own_data"}
    public = set()
    for name in koppmeta.__all__:
        obj = getattr(koppmeta, name)
        if callable(obj) and not isinstance(obj, type) and getattr(obj, "__module__", "") in stats_modules:
            public.add(name)
    helpers = {"read_trials", "optimal_information_size"}  # return a table of inputs / a number, not an analysis
    assert public - helpers == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_result_is_one_kind(results, name):
    res = results[name]
    assert isinstance(res, Result), name
    text = res.summary()
    assert isinstance(text, str) and text.strip() and str(res) == text
    frame = res.to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) >= 1 and type(frame) is pd.DataFrame
    html = res._repr_html_()
    assert html.startswith("<div class='koppmeta-result'>") and html.endswith("</div>")
    assert "<table>" in html


def _has(res, name: str) -> bool:
    """Whether ``res`` has ``name`` as a current (not deprecated) attribute."""
    attr = getattr(type(res), name, None)
    if isinstance(attr, property) and (attr.__doc__ or "").startswith("Deprecated"):
        return False
    return hasattr(res, name)


#: Results without any of the shared quantities: a table of per-study diagnostics and a GRADE table.
NO_SHARED = ("influence", "summary_of_findings")


@pytest.mark.parametrize("name", NAMES)
def test_shared_fields_have_the_shared_names(results, name):
    res = results[name]
    if isinstance(res, TableResult):
        assert res.measure in (None, "RR") and (res.level is None or res.level == 95)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        for f in ("estimate", "ci_low", "ci_high", "se", "pval"):
            if _has(res, f):
                assert isinstance(getattr(res, f), (float, np.floating)), (name, f)
        if _has(res, "ci_low"):
            assert _has(res, "ci_high") and _has(res, "estimate"), name
            if not math.isnan(res.ci_low):
                assert res.ci_low <= res.estimate <= res.ci_high, name
        if _has(res, "level"):
            assert res.level == 95, name
        if _has(res, "measure"):
            assert res.measure in (None, "RR", "OR"), name  # Peto and the GLMM pool odds ratios
        for old in OLD_NAMES:
            assert not _has(res, old), (name, old)
        assert any(_has(res, f) for f in SHARED_FIELDS) or name in NO_SHARED, name


PLAIN = ("meta_analysis", "subgroup_analysis", "three_level", "robust", "trim_and_fill", "pet_peese",
         "mantel_haenszel", "peto", "binomial_glmm", "analyse")


@pytest.mark.parametrize("name", PLAIN)
def test_pooled_results_share_the_five_names(results, name):
    res = results[name]
    for f in ("estimate", "se", "pval", "ci_low", "ci_high"):
        assert isinstance(getattr(res, f), float), (name, f)


@pytest.mark.parametrize("name", ["meta_analysis", "meta_regression", "subgroup_analysis", "three_level", "robust",
                                  "trim_and_fill", "bootstrap", "bayesian_meta_analysis", "mantel_haenszel"])
def test_measure_travels_with_the_result(results, name):
    assert results[name].measure == "RR"
    assert results[name].is_ratio


def test_table_results_are_dataframes_and_slices_are_plain(results):
    for name in ("leave_one_out", "cumulative", "baujat", "gosh", "fit_many"):
        tab = results[name]
        assert isinstance(tab, TableResult) and isinstance(tab, pd.DataFrame)
        assert type(tab.iloc[:2]) is pd.DataFrame and type(tab.copy()) is pd.DataFrame
        assert type(tab.to_frame()) is pd.DataFrame
        pd.testing.assert_frame_equal(tab.to_frame(), pd.DataFrame(tab))
        assert tab.heading and tab.heading in tab.summary()


def test_back_transform_is_written_once():
    assert set(RATIO_MEASURES) >= {"RR", "OR", "HR"} and not is_ratio("SMD") and not is_ratio(None)
    assert back_transform(0.0, "RR") == 1.0 and back_transform(0.5, "SMD") == 0.5
    np.testing.assert_allclose(back_transform(np.array([0.0, math.log(2)]), "OR"), [1.0, 2.0])


def test_ratio_results_print_back_transformed(results):
    fit = results["meta_analysis"]
    row = fit.to_frame().iloc[0]
    assert row["estimate_exp"] == math.exp(fit.estimate)
    assert "Back-transformed (RR)" in fit.summary() and "RR (back-transformed)" in fit._repr_html_()


def test_old_argument_names_warn(bcg, fit):
    with pytest.warns(DeprecationWarning) as record:  # one recorder: nested ones differ between pytest versions
        old = koppmeta.fit_many(Y=fit.yi[None, :], V=fit.vi[None, :])
    messages = [str(w.message) for w in record]
    assert any("'Y' is now called 'yi'" in m for m in messages) and any("'V' is now called 'vi'" in m for m in messages)
    assert old["estimate"].iloc[0] == koppmeta.fit_many(fit.yi[None, :], fit.vi[None, :])["estimate"].iloc[0]
    with pytest.warns(DeprecationWarning, match="'label' is now called 'labels'"):
        old = koppmeta.effect_sizes(bcg, "RR", events1="tpos", nonevents1="tneg", events2="cpos",
                                    nonevents2="cneg", label="label")
    assert list(old["yi"]) == list(koppmeta.effect_sizes(bcg, "RR", events1="tpos", nonevents1="tneg",
                                                         events2="cpos", nonevents2="cneg", labels="label")["yi"])


def test_knapp_hartung_note_has_its_own_class(fit):
    with pytest.warns(koppmeta.KnappHartungWarning):
        koppmeta.meta_analysis(fit.yi, fit.vi, method="FE", test="knha")
    # refits of such a model (leave-one-out) do not repeat it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", koppmeta.KnappHartungWarning)
        fe = koppmeta.meta_analysis(fit.yi, fit.vi, method="FE", test="knha")
    with warnings.catch_warnings():
        warnings.simplefilter("error", koppmeta.KnappHartungWarning)
        koppmeta.leave_one_out(fe)


def test_the_shared_formatters():
    from koppmeta import formatting

    assert formatting.text(-0.71453, 4) == "-0.7145" and formatting.text(float("nan")) == "NA"
    assert formatting.pvalue(0.00001, style="metafor-equals") == "< .0001"
    assert formatting.pvalue(0.18871, style="metafor-equals") == "= 0.1887"
    assert formatting.interval(-1.0, 0.5, 2, plain=True) == "[-1.00, 0.50]"
    assert formatting.columns(["", "estimate"], [["intercept", "-0.7145"], ["ablat", "0.0123"]]) == [
        "           estimate", "intercept   -0.7145", "ablat        0.0123"]
    html = formatting.html_table("A <title>", [("tau²", "0.31", "between-study variance")], ["a & b"],
                              frame=pd.DataFrame({"x": [1.0]}, index=pd.Index(["s"], name="study")))
    assert "A &lt;title&gt;" in html and "a &amp; b" in html and "<td>1.0000</td>" in html


def test_construct_gives_the_object_of_the_dataclass_init():
    import dataclasses

    from koppmeta.models.univariate import MetaAnalysis
    from koppmeta.results import construct

    fit = koppmeta.meta_analysis([0.1, 0.3, 0.2, 0.5], [0.01, 0.02, 0.03, 0.02], test="knha")
    given = {f.name: getattr(fit, f.name) for f in dataclasses.fields(fit)}
    a, b = MetaAnalysis(**given), construct(MetaAnalysis, **given)
    assert a == b and a.__dict__ == b.__dict__ and b.summary() == a.summary()
    with pytest.raises(TypeError, match="has the fields"):
        construct(MetaAnalysis, **given, colour="red")
    with pytest.raises(TypeError, match="has the fields"):
        construct(MetaAnalysis, estimate=1.0)  # fields without a default missing
