"""koppmeta: evidence synthesis and meta-analysis, checked against R metafor.

Built for one real question: what works for children of parents with mental
illness or addiction (Dutch: KOPP/KOV)? The public names are listed in
``__all__``; plotting functions are imported on first use so that
``import koppmeta`` stays fast.

Layout
------
The statistics run in one direction, one folder per step: :mod:`koppmeta.effects` (from reported
numbers to effect sizes), :mod:`koppmeta.models` (pooling: one engine for every estimator),
:mod:`koppmeta.diagnostics` (checking a pooled result by refitting it through the models), then
:mod:`koppmeta.plotting` (figures) and :mod:`koppmeta.reporting` (tables for readers).
:mod:`koppmeta.project` is the KOPP/KOV evidence base built on them. The modules at the top are
what all of them share (``results``, ``formatting``, ``exceptions``, ``translations``). Old module
paths (``koppmeta.engine``, ``koppmeta.fast``, ``koppmeta.bias``, ...) answer for one release with a
:class:`DeprecationWarning` that names the new place (``koppmeta._moved.MOVED``).

Results
-------
Every statistics function returns a :class:`koppmeta.results.Result`: ``summary()`` (text that
says what each number is), ``to_frame()`` (the numbers, unrounded), ``_repr_html_()`` (JupyterLab)
and ``str(result) == result.summary()``. Results that are tables (``leave_one_out``,
``cumulative``, ``baujat``, ``gosh``, ``fit_many``) are a :class:`koppmeta.results.TableResult`,
which is also a pandas DataFrame.

Vocabulary
----------
One name for one thing, in arguments and in results:

``yi``, ``vi``
    Effect sizes and their sampling variances (one row per analysis in ``fit_many``).
``labels``
    The names of the studies (a sequence, or a column of ``data``).
``data``
    A DataFrame whose columns the other arguments may name.
``measure``
    The effect measure (``"RR"``, ``"OR"``, ``"SMD"``, ...). Ratio measures
    (``koppmeta.results.RATIO_MEASURES``) are analysed on the log scale and shown back-transformed.
``groups``
    The subgroup of each study, for comparing subgroups (``subgroup_analysis``).
``cluster``
    The unit whose effects are dependent (``three_level``, ``robust``).
``moderators``
    Study-level covariates of a meta-regression.
``method``
    The tau^2 estimator (``"REML"``, ``"DL"``, ..., ``"FE"`` for the common-effect model), and
    nothing else.
``test``
    The test and interval of the pooled effect: ``"z"``, ``"knha"`` (Knapp-Hartung), ``"adhoc"``.
``kind``
    Which variant of a procedure: ``bootstrap(kind="parametric")``, ``trim_and_fill(kind="R0")``,
    ``fail_safe_n(kind="Orwin")``, ``robust(kind="CR2")``.
``level``
    Confidence level of an interval, in percent (95). ``alpha`` is kept only for the
    significance level of a decision rule, a probability (``pet_peese``, ``fail_safe_n``).
``estimate, se, stat, pval, df, ci_low, ci_high``
    In results: a pooled effect, its standard error, test statistic, two-sided p-value, degrees
    of freedom and confidence interval; ``pi_low, pi_high`` the prediction interval; ``tau2``,
    ``i2`` (percent), ``h2``, ``q`` heterogeneity; ``k`` the number of studies.

Old names (``fit_many(Y=, V=)``, ``effect_sizes(label=)``, ``fail_safe_n(method=)``,
``trim_and_fill(estimator=)``, ``robust(adjust=)``, ``BootstrapResult.estimate_ci``, ...) still
work for one release with a :class:`DeprecationWarning`.
"""

from __future__ import annotations

import sys as _sys
from importlib import import_module
from typing import Any

from ._moved import MOVED as _MOVED, install as _install_old_paths

_install_old_paths(_sys.modules[__name__])  # old module paths (koppmeta.engine, koppmeta.bias, ...) answer for one release

from . import datasets
from .models.batch import fit_many
from .diagnostics.gosh import gosh
from .effects.sizes import (
    counts_from_percent,
    d_from_eta2,
    d_from_f,
    d_from_t,
    effect_sizes,
    from_ci,
    from_p,
    logor_to_smd,
    smd_from_d,
    smd_to_logor,
)
from .exceptions import (
    ConvergenceError,
    ConvergenceWarning,
    FewStudiesWarning,
    KnappHartungWarning,
    MissingDataWarning,
    MultiplePeaksWarning,
)
from .models.univariate import MetaAnalysis, meta_analysis
from .models.multilevel import RobustResult, ThreeLevelResult, robust, three_level
from .results import Result, TableResult

__version__ = "0.1.0"

_LAZY = {
    "forest_plot": "koppmeta.plotting",
    "save_figure": "koppmeta.plotting",
    "funnel_plot": "koppmeta.plotting",
    "estimates_plot": "koppmeta.plotting",
    "bubble_plot": "koppmeta.plotting",
    "baujat_plot": "koppmeta.plotting",
    "gosh_plot": "koppmeta.plotting",
    "cumulative_plot": "koppmeta.plotting",
    "leave_one_out_plot": "koppmeta.plotting",
    "method_comparison_plot": "koppmeta.plotting",
    "bayesian_forest_plot": "koppmeta.plotting",
    "meta_regression": "koppmeta.models.regression",
    "subgroup_analysis": "koppmeta.models.regression",
    "permutation_test": "koppmeta.models.regression",
    "MetaRegression": "koppmeta.models.regression",
    "SubgroupAnalysis": "koppmeta.models.regression",
    "PermutationResult": "koppmeta.models.regression",
    "leave_one_out": "koppmeta.diagnostics.sensitivity",
    "influence": "koppmeta.diagnostics.sensitivity",
    "cumulative": "koppmeta.diagnostics.sensitivity",
    "baujat": "koppmeta.diagnostics.sensitivity",
    "InfluenceResult": "koppmeta.diagnostics.sensitivity",
    "egger_test": "koppmeta.diagnostics.bias",
    "begg_test": "koppmeta.diagnostics.bias",
    "trim_and_fill": "koppmeta.diagnostics.bias",
    "pet_peese": "koppmeta.diagnostics.bias",
    "fail_safe_n": "koppmeta.diagnostics.bias",
    "RegressionTest": "koppmeta.diagnostics.bias",
    "BeggTest": "koppmeta.diagnostics.bias",
    "TrimAndFill": "koppmeta.diagnostics.bias",
    "PetPeese": "koppmeta.diagnostics.bias",
    "FailSafeN": "koppmeta.diagnostics.bias",
    "bootstrap": "koppmeta.diagnostics.resampling",
    "BootstrapResult": "koppmeta.diagnostics.resampling",
    "effects_for": "koppmeta.project.evidence",
    "load_studies": "koppmeta.project.data",
    "load_reviews": "koppmeta.project.data",
    "analyse": "koppmeta.effects.own_data",
    "read_trials": "koppmeta.effects.own_data",
    "TrialAnalysis": "koppmeta.effects.own_data",
    "read_revman": "koppmeta.effects.revman",
    "summary_of_findings": "koppmeta.reporting.findings",
    "SummaryOfFindings": "koppmeta.reporting.findings",
    "optimal_information_size": "koppmeta.reporting.findings",
    "rob_traffic_light": "koppmeta.plotting",
    "rob_summary": "koppmeta.plotting",
    "prisma_flow": "koppmeta.plotting",
    "rob_sensitivity": "koppmeta.diagnostics.rob",
    "mantel_haenszel": "koppmeta.models.rare",
    "peto": "koppmeta.models.rare",
    "binomial_glmm": "koppmeta.models.rare",
    "RareEventsResult": "koppmeta.models.rare",
    "bayesian_meta_analysis": "koppmeta.models.bayes",
    "BayesianMetaAnalysis": "koppmeta.models.bayes",
    "compare_methods": "koppmeta.models.compare",
    "MethodComparison": "koppmeta.models.compare",
}

__all__ = [
    "ConvergenceError",
    "ConvergenceWarning",
    "FewStudiesWarning",
    "KnappHartungWarning",
    "MultiplePeaksWarning",
    "MetaAnalysis",
    "MissingDataWarning",
    "Result",
    "RobustResult",
    "TableResult",
    "ThreeLevelResult",
    "counts_from_percent",
    "d_from_eta2",
    "d_from_f",
    "d_from_t",
    "datasets",
    "effect_sizes",
    "fit_many",
    "from_ci",
    "from_p",
    "smd_from_d",
    "gosh",
    "logor_to_smd",
    "meta_analysis",
    "robust",
    "smd_to_logor",
    "three_level",
    *_LAZY,
]


_SUBMODULES = ("effects", "models", "diagnostics", "plotting", "reporting", "project",
               "results", "formatting", "exceptions", "translations")


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return import_module(f"koppmeta.{name}")
    if f"koppmeta.{name}" in _MOVED:  # an old module path: the finder warns and hands out the new module
        return import_module(f"koppmeta.{name}")
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'koppmeta' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_SUBMODULES))
