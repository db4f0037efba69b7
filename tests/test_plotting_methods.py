"""The method-comparison and Bayesian forest figures: what they draw, in English and in Dutch."""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import koppmeta  # noqa: E402

RARE = json.loads((Path(__file__).parent / "fixtures" / "metafor_rare.json").read_text(encoding="utf-8"))
ENGLISH = re.compile(r"\b(the|and|of|for|with|study|method|estimate|prior|fixed|random|"
                     r"not computed|favours|shrinkage|average|new|observed|credible|risk ratio)\b", re.I)  # Dutch shares "effect", "interval", "studies"


@pytest.fixture(scope="module")
def comparison():
    d = pd.DataFrame(RARE["fits"]["koppmeta_incidence"]["data"])
    es = koppmeta.effect_sizes(d, "RR")
    return koppmeta.compare_methods("yi", "vi", data=es, labels="label", measure="RR", events1="events1", n1="n1",
                                    events2="events2", n2="n2", tau_prior="turner")


def texts(fig):
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_method_comparison_plot(comparison, lang):
    fig = koppmeta.method_comparison_plot(comparison, lang=lang)
    gids = {a.get_gid() for a in fig.findobj() if a.get_gid()}
    drawn = {k for k in comparison.table["key"] if comparison.table.set_index("key").loc[k, "estimate"] == comparison.table.set_index("key").loc[k, "estimate"]}
    assert {f"diamond-{k}" for k in drawn} <= gids
    assert "pi-REML-z" in gids and "pi-FE" not in gids
    body = " ".join(texts(fig))
    mh = comparison.table.set_index("key").loc["MH"]
    import math
    shown = f"{math.exp(mh['estimate']):.2f}"
    if lang == "nl":
        assert shown.replace(".", ",") in body and "Relatief risico" in body
        assert not ENGLISH.search(body.replace("Mantel-Haenszel", "").replace("Hartung-Knapp", "")), ENGLISH.findall(body)
        assert not re.search(r"\d\.\d", body), "Dutch figures use the decimal comma"
    else:
        assert shown in body and "Mantel-Haenszel" in body
    plt.close(fig)


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_bayesian_forest_plot(comparison, lang):
    fit = comparison.fits["Bayes"]
    fig = koppmeta.bayesian_forest_plot(fit, lang=lang)
    gids = {a.get_gid() for a in fig.findobj() if a.get_gid()}
    for i in range(fit.k):
        assert {f"point-study-{i}", f"point-shrunk-{i}", f"ci-shrunk-{i}"} <= gids
    assert {"diamond-mu", "pi-new"} <= gids
    body = " ".join(texts(fig))
    if lang == "nl":
        assert "Turner e.a. 2015" in body and not ENGLISH.search(body), ENGLISH.findall(body)
        assert not re.search(r"\d\.\d", body)
    else:
        assert "Turner et al. 2015" in body
    plt.close(fig)


def test_figures_are_deterministic(comparison, tmp_path):
    a = koppmeta.save_figure(koppmeta.method_comparison_plot(comparison, lang="nl"), tmp_path / "a.svg")[0].read_bytes()
    b = koppmeta.save_figure(koppmeta.method_comparison_plot(comparison, lang="nl"), tmp_path / "b.svg")[0].read_bytes()
    assert a == b
