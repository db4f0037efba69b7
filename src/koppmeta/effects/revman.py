"""Read a RevMan 5 review file (``.rm5``, XML) into tidy tables, to re-analyse a Cochrane review's data.

A ``.rm5`` file is one XML document, ``<COCHRANE_REVIEW>``; the parts read here are

- ``STUDIES_AND_REFERENCES/STUDIES/INCLUDED_STUDIES/STUDY`` (attributes ``ID``, ``NAME``, ``YEAR``): the trials;
- ``ANALYSES_AND_DATA/COMPARISON`` (``ID``, ``NO``, child ``NAME``): one per comparison, holding
  ``DICH_OUTCOME`` (counts), ``CONT_OUTCOME`` (means) and ``IV_OUTCOME`` (generic inverse variance)
  elements (``ID``, ``NO``, ``EFFECT_MEASURE``, ``METHOD``, ``RANDOM``, child ``NAME``,
  ``GROUP_LABEL_1/2``), each with per-trial rows ``DICH_DATA`` (``EVENTS_1, TOTAL_1, EVENTS_2,
  TOTAL_2``), ``CONT_DATA`` (``MEAN_1, SD_1, TOTAL_1, MEAN_2, SD_2, TOTAL_2``) or ``IV_DATA``
  (``EFFECT_SIZE, SE``), directly or inside ``DICH_SUBGROUP``/``CONT_SUBGROUP``/``IV_SUBGROUP``
  (``NO``, child ``NAME``). Group 1 is RevMan's experimental group.

Numbers are taken as RevMan stores them, never recomputed; the pooled numbers RevMan stored for
each outcome (``EFFECT_SIZE, CI_START, CI_END, TAU2, I2``) are kept beside them so a re-analysis
can be compared with the published one.
"""

from __future__ import annotations

import math
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .._validation import DataError, Problem

__all__ = ["read_revman", "RevManReview"]

_KINDS = {"DICH": "counts", "CONT": "means", "IV": "estimates"}
_DATA_COLUMNS = {
    "DICH": {"EVENTS_1": "events1", "TOTAL_1": "n1", "EVENTS_2": "events2", "TOTAL_2": "n2"},
    "CONT": {"MEAN_1": "m1", "SD_1": "sd1", "TOTAL_1": "n1", "MEAN_2": "m2", "SD_2": "sd2", "TOTAL_2": "n2"},
    "IV": {"EFFECT_SIZE": "yi", "SE": "sei", "TOTAL_1": "n1", "TOTAL_2": "n2"},
}
_POOLED = {"EFFECT_SIZE": "estimate", "CI_START": "ci_low", "CI_END": "ci_high", "TAU2": "tau2", "I2": "i2",
           "STUDIES": "k", "TOTAL_1": "n1", "TOTAL_2": "n2"}


@dataclass(frozen=True)
class RevManReview:
    """A RevMan 5 review as three tidy tables.

    Attributes
    ----------
    title : str
    comparisons : DataFrame
        ``comparison, comparison_id, name``.
    outcomes : DataFrame
        ``comparison, outcome, outcome_id, name, kind`` (counts, means, estimates), ``effect_measure,
        method, random`` (RevMan's settings), ``group_label_1, group_label_2``, and RevMan's stored
        pooled ``estimate, ci_low, ci_high, tau2, i2, k``.
    studies : DataFrame
        One row per trial and outcome: ``comparison, outcome, subgroup, subgroup_name, study_id, study,
        year`` and the numbers: ``events1, n1, events2, n2`` (counts), ``m1, sd1, n1, m2, sd2, n2``
        (means), ``yi, sei`` (generic inverse variance, on RevMan's scale: log scale for ratios).
    """

    title: str
    comparisons: pd.DataFrame
    outcomes: pd.DataFrame
    studies: pd.DataFrame

    def outcome(self, comparison: int, outcome: int) -> pd.DataFrame:
        """The trials of one outcome in the layout of ``koppmeta analyse`` (``study, events1, n1, ...``).

        A trial entered more than once in the outcome (a multi-arm trial, one entry per pair of arms)
        gets labels ``"Name (1)"``, ``"Name (2)"`` and a ``UserWarning`` says so.

        The result can be passed to :func:`koppmeta.analyse` directly (with ``measure=`` from
        ``outcomes.effect_measure``); a ``subgroup_name`` column allows ``by="subgroup_name"``.
        """
        rows = self.studies[(self.studies["comparison"] == comparison) & (self.studies["outcome"] == outcome)]
        if rows.empty:
            have = ", ".join(f"{c}.{o}" for c, o in zip(self.outcomes["comparison"], self.outcomes["outcome"]))
            raise ValueError(f"RevManReview.outcome: no trials for comparison {comparison}, outcome {outcome}; "
                             f"outcomes in the file: {have}.")
        kind = self.outcomes.loc[(self.outcomes["comparison"] == comparison) & (self.outcomes["outcome"] == outcome),
                                 "kind"].iloc[0]
        numbers = {"counts": ["events1", "n1", "events2", "n2"], "means": ["m1", "sd1", "n1", "m2", "sd2", "n2"],
                   "estimates": ["yi", "sei"]}[kind]
        cols = ["study", "year", *numbers] + (["subgroup_name"] if rows["subgroup_name"].notna().any() else [])
        out = rows[cols].reset_index(drop=True)
        key = out["study"].astype(str) + "\x00" + (out["subgroup_name"].astype(str) if "subgroup_name" in out else "")
        repeated = key.duplicated(keep=False)
        if repeated.any():
            # a multi-arm trial entered once per comparison of arms: label the entries, and say so
            n = key.groupby(key).cumcount() + 1
            out.loc[repeated, "study"] = [f"{s} ({i})" for s, i in zip(out.loc[repeated, "study"], n[repeated])]
            names = ", ".join(sorted(set(rows.loc[repeated.to_numpy(), "study"].astype(str))))
            warnings.warn(f"RevManReview.outcome: {names} appear(s) more than once in comparison {comparison}, outcome "
                          f"{outcome} (a multi-arm trial entered once per pair of arms); the entries are labelled "
                          "(1), (2), ... Pooling them all counts a shared group more than once (Cochrane Handbook "
                          "v6.4, section 23.3.4): choose or combine the entries before pooling.", UserWarning, stacklevel=2)
        return out


def _number(text: str | None) -> float:
    if text is None or text.strip() == "":
        return math.nan
    return float(text)


def _numbers(el: ET.Element, columns: dict, key: str, file: str, problems: list) -> dict:
    """The numeric attributes of ``el`` named in ``columns`` (attribute -> column); a value that is not a
    number becomes a :class:`Problem` naming the element ``key`` and the attribute, and NaN."""
    out = {}
    for attr, col in columns.items():
        try:
            out[col] = _number(el.get(attr))
        except ValueError:
            problems.append(Problem(file, None, None, f"{el.tag} {key} {attr}", el.get(attr), "must be a number"))
            out[col] = math.nan
    return out


def _name(el: ET.Element) -> str | None:
    child = el.find("NAME")
    return " ".join("".join(child.itertext()).split()) if child is not None else None


def read_revman(path: str | Path) -> RevManReview:
    """Read a RevMan 5 ``.rm5`` file into comparisons, outcomes and per-trial numbers.

    Raises
    ------
    koppmeta.project.data.DataError
        (a ``ValueError``) when the file is missing, is not XML, is not a RevMan review, or holds a
        number that is not a number, naming file, element, attribute and value.
    """
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise DataError([Problem(name, None, None, None, None, "no such file")])
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise DataError([Problem(name, None, exc.position[0], None, None,
                                 f"the file is not XML ({exc}); a RevMan 5 review (.rm5) is an XML file")]) from None
    if root.tag != "COCHRANE_REVIEW":
        raise DataError([Problem(name, None, None, None, root.tag,
                                 "the root element is not COCHRANE_REVIEW: this is not a RevMan 5 review (.rm5)")])
    title_el = root.find("COVER_SHEET/TITLE")
    title = " ".join("".join(title_el.itertext()).split()) if title_el is not None else ""
    trials = {}
    for st in root.iterfind(".//STUDIES_AND_REFERENCES/STUDIES/INCLUDED_STUDIES/STUDY"):
        year = st.get("YEAR")
        trials[st.get("ID")] = (st.get("NAME"), int(year) if year and year.isdigit() else None)
    problems: list[Problem] = []
    comparisons, outcomes, studies = [], [], []
    analyses = root.find("ANALYSES_AND_DATA")
    for cmp in (analyses.iterfind("COMPARISON") if analyses is not None else ()):
        cno = int(cmp.get("NO", len(comparisons) + 1))
        comparisons.append({"comparison": cno, "comparison_id": cmp.get("ID"), "name": _name(cmp)})
        for out in cmp:
            prefix = out.tag.removesuffix("_OUTCOME")
            if not out.tag.endswith("_OUTCOME") or prefix not in _KINDS:
                continue
            ono = int(out.get("NO", 0))
            rec = {"comparison": cno, "outcome": ono, "outcome_id": out.get("ID"), "name": _name(out),
                   "kind": _KINDS[prefix], "effect_measure": out.get("EFFECT_MEASURE"), "method": out.get("METHOD"),
                   "random": out.get("RANDOM") == "YES",
                   "group_label_1": (out.findtext("GROUP_LABEL_1") or None),
                   "group_label_2": (out.findtext("GROUP_LABEL_2") or None)}
            rec.update(_numbers(out, _POOLED, out.get("ID"), name, problems))
            outcomes.append(rec)
            blocks = [(None, None, out)] + [(int(sg.get("NO", 0)), _name(sg), sg)
                                            for sg in out.iterfind(f"{prefix}_SUBGROUP")]
            for sgno, sgname, block in blocks:
                for d in block.iterfind(f"{prefix}_DATA"):
                    sid = d.get("STUDY_ID")
                    study, year = trials.get(sid, (sid, None))
                    row = {"comparison": cno, "outcome": ono, "subgroup": sgno, "subgroup_name": sgname,
                           "study_id": sid, "study": study, "year": year}
                    row.update(_numbers(d, _DATA_COLUMNS[prefix], sid, name, problems))
                    studies.append(row)
    if problems:
        raise DataError(problems)
    cols = ["comparison", "outcome", "subgroup", "subgroup_name", "study_id", "study", "year",
            "events1", "n1", "events2", "n2", "m1", "sd1", "m2", "sd2", "yi", "sei"]
    st = pd.DataFrame(studies)
    st = st.reindex(columns=[c for c in cols if c in st.columns or c in ("comparison", "outcome", "study")])
    st["subgroup"] = st["subgroup"].astype("Int64") if "subgroup" in st else pd.array([], dtype="Int64")
    if "year" in st:
        st["year"] = st["year"].astype("Int64")
    return RevManReview(title=title, comparisons=pd.DataFrame(comparisons, columns=["comparison", "comparison_id", "name"]),
                        outcomes=pd.DataFrame(outcomes), studies=st)
