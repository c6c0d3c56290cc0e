"""Chart data for the targets view (pure pandas, no Streamlit).

- ``indicator_changes``: every row of the plans' 表2 indicator tables, baseline → target,
  with the printed text kept (qualifiers ``*``, ``≥``, ``>``, ``<``, brackets, words) and a
  % change only where the two figures are comparable.
- ``delivery``: 表1 of the 渝中 十五五 outline, the plan's own 进度评价 next to the check
  computed in :mod:`geo.tracking`, each as met / not met / no figure.
- ``place_target_rows``: a place's targets with their baseline where the plan gives one.
"""
from __future__ import annotations

import csv
import re
from functools import lru_cache

import pandas as pd

from . import tracking
from .paths import ROOT

GLOSSARY = ROOT / "data" / "indicator_glossary.csv"
# A signed number; the first one in a printed value ("≥[100]" -> 100, "-2.7" -> -2.7).
SIGNED = re.compile(r"-?\d+(?:\.\d+)?")
QUALIFIER = re.compile(r"^\s*(≥|>=|>|＞|≤|<=|<|＜)")
BRACKETS = re.compile(r"[〔【\[].*[〕】\]]")
# The plan's 进度评价 words that say met / not met; anything else ("口径调整", "市级未公布") is no figure.
EVALUATION = {"达到预期": "met", "未达预期": "not_met"}


@lru_cache(maxsize=1)
def glossary() -> dict[str, str]:
    """English glosses keyed by :func:`geo.tracking.indicator_key` (empty when the file is missing)."""
    if not GLOSSARY.exists():
        return {}
    with GLOSSARY.open(encoding="utf-8") as fh:
        return {row["key"]: row["en"] for row in csv.DictReader(fh)}


def gloss(indicator: str) -> str:
    return glossary().get(tracking.indicator_key(indicator), "")


def label(indicator: str, lang: str) -> str:
    """The plan's exact wording; in English followed by the gloss."""
    en = gloss(indicator) if lang == "en" else ""
    return f"{indicator} — {en}" if en else indicator


def number(text: str) -> float | None:
    """The first (signed) number of a printed value; None for '—', '市级下达' and other words."""
    found = SIGNED.search(str(text))
    return float(found.group()) if found else None


def qualifier(text: str) -> str:
    """What a printed value says beyond its number: '≥', '>', '<', '*' (yearly average), '[ ]' (cumulative)."""
    text = str(text).strip()
    parts = []
    if m := QUALIFIER.match(text):
        parts.append(m.group(1))
    if text.endswith("*"):
        parts.append("*")
    if BRACKETS.search(text):
        parts.append("[ ]")
    return " ".join(parts)


def not_comparable(baseline: str, target: str) -> str:
    """Why baseline → target has no % change ('' when it has one)."""
    b, t = number(baseline), number(target)
    if t is None:
        return "target_words"
    if b is None:
        return "no_baseline"
    if BRACKETS.search(str(target)):
        return "cumulative"  # a sum over the period, not a level to set against one year
    if b <= 0:
        return "baseline_not_positive"
    return ""


def indicator_changes(targets: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """One row per indicator-table row: printed values, qualifiers and the % change where comparable."""
    rows = targets[targets["kind"] == "indicator_table"]
    out = pd.DataFrame({
        "document": rows["document"], "group": rows["group"], "row": rows["row"].astype(int),
        "indicator": rows["indicator"], "label": [label(i, lang) for i in rows["indicator"]],
        "gloss": [gloss(i) for i in rows["indicator"]], "unit": rows["unit"], "attribute": rows["attribute"],
        "baseline_year": rows["baseline_year"], "baseline": rows["baseline"],
        "target_year": rows["target_year"], "target": rows["target"],
        "target_qualifier": [qualifier(v) for v in rows["target"]],
        "baseline_value": [number(v) for v in rows["baseline"]],
        "target_value": [number(v) for v in rows["target"]],
        "reason": [not_comparable(b, t) for b, t in zip(rows["baseline"], rows["target"])],
    })
    change = (out["target_value"] / out["baseline_value"] - 1) * 100
    out["change_pct"] = change.where(out["reason"] == "").round(1)
    return out.reset_index(drop=True)


def plan_status(evaluation: str) -> str:
    return EVALUATION.get(str(evaluation).strip(), "no_figure")


def computed_status(met) -> str:
    return "no_figure" if met is None or pd.isna(met) else ("met" if met else "not_met")


def completion_rows() -> pd.DataFrame:
    """表1 as the completion check sees it, from the stored table (data/completion_table.csv,
    checked cell for cell against the plan by geo validate): row, indicator, target,
    actual_<year>, evaluation, attribute, actual and met."""
    return tracking.completion_status(tracking.load_completion_table())


def delivery(table: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Per 表1 row: target, 2025 figure, the plan's 进度评价 and the computed check, and whether they differ."""
    out = pd.DataFrame({
        "row": table["row"].astype(int), "indicator": table["indicator"],
        "label": [label(i, lang) for i in table["indicator"]], "gloss": [gloss(i) for i in table["indicator"]],
        "attribute": table["attribute"], "target_year": table["target_year"], "target": table["target"],
        "reported": table[f"actual_{int(table['target_year'].iloc[0])}"] if len(table) else [],
        "evaluation": table["evaluation"],
        "plan_status": [plan_status(e) for e in table["evaluation"]],
        "computed_status": [computed_status(m) for m in table["met"]],
    })
    out["disagree"] = out["plan_status"] != out["computed_status"]
    return out.reset_index(drop=True)


def place_target_rows(targets: list[dict] | None) -> pd.DataFrame:
    """A feature's targets (its ``targets`` list) with baseline, target, year and both numbers when given."""
    columns = ["indicator", "baseline", "target", "unit", "year", "quote", "baseline_value", "target_value"]
    rows = [{
        "indicator": t.get("indicator", ""), "baseline": str(t.get("baseline") or ""), "target": str(t.get("value", "")),
        "unit": t.get("unit") or "", "year": t.get("year") or "", "quote": t.get("quote", ""),
    } for t in targets or []]
    out = pd.DataFrame(rows, columns=columns[:6])
    out["baseline_value"] = [number(b) if b else None for b in out["baseline"]]
    out["target_value"] = [number(v) for v in out["target"]]
    return out
