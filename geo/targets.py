"""Targets: indicator tables read from the plans, plus targets tied to places and sections.

Values are kept exactly as printed ("6*", "〔25〕", "≥55", "市级下达"); the markers the
tables use are decoded into a separate column so nothing is lost.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

from .paths import TARGETS
from .plans import Document

COLUMNS = [
    "target_id", "kind", "document", "section", "paragraph", "row", "group", "indicator", "unit",
    "baseline_year", "baseline", "target_year", "target", "attribute", "markers", "themes", "feature_id", "quote",
]
# Which tables are the plans' main-indicator tables (baseline year, target year).
INDICATOR_TABLES = {("yz-fyp15", "table2"): (2025, 2030), ("ddk-fyp14", "table2"): (2020, 2025)}
UNIT = re.compile(r"[（(]([^（）()]*)[）)]\s*$")
GROUP = re.compile(r"^[一二三四五六七八九十]+、")

THEME_KEYWORDS = [
    ("finance", ("金融", "存贷款")),
    ("commerce", ("消费", "零售")),
    ("culture_tourism", ("文化", "旅游")),
    ("innovation", ("研发", "研究与试验", "专利", "数字经济", "科技", "高新技术")),
    ("opening_up", ("进出口", "外资")),
    ("transport", ("路网", "交通")),
    ("ecology", ("能耗", "能源消耗", "二氧化碳", "水质", "空气", "森林", "绿地", "PM2.5", "地表水", "断面")),
    ("governance", ("安全", "事故")),
    ("public_services", ("收入", "就业", "失业", "教育", "寿命", "养老", "托位", "医师", "床位")),
    ("industry", ("生产总值", "劳动生产率", "工业", "服务业", "产业", "民营经济", "预算收入", "增加值")),
]


def themes_for(indicator: str) -> list[str]:
    """Themes of an indicator by keyword (first match wins; industry as the fallback)."""
    for theme, words in THEME_KEYWORDS:
        if any(w in indicator for w in words):
            return [theme]
    return ["industry"]


def markers_of(name: str, values: list[str]) -> list[str]:
    found = []
    if name.startswith("【#】"):
        found.append("承接市级")
    if any(v.endswith("*") for v in values):
        found.append("年均增速")
    if any(re.search(r"[〔【\[].*[〕】\]]", v) for v in values):
        found.append("累计")
    if any("市级下达" in v for v in values):
        found.append("市级下达")
    return found


def parse_indicator_table(doc: Document, section: str, baseline_year: int, target_year: int) -> list[dict]:
    rows, group = [], ""
    for para in doc.section_paragraphs(section):
        cells = para.text.split("\t")
        if GROUP.match(cells[0]):
            group = cells[0]
            continue
        if len(cells) < 5 or not cells[0].strip().isdigit():
            continue  # header or note
        number, name, baseline, target, attribute = (c.strip() for c in cells[:5])
        unit = UNIT.search(name)
        rows.append({
            "target_id": f"{doc.id}-{section}-{number}",
            "kind": "indicator_table",
            "document": doc.id,
            "section": section,
            "paragraph": para.id,
            "row": number,
            "group": group,
            "indicator": name,
            "unit": unit.group(1) if unit else "",
            "baseline_year": baseline_year,
            "baseline": baseline,
            "target_year": target_year,
            "target": target,
            "attribute": attribute,
            "markers": ";".join(markers_of(name, [baseline, target])),
            "themes": ";".join(themes_for(name)),
            "feature_id": "",
            "quote": name,
        })
    return rows


def indicator_rows(corpus: dict[str, Document]) -> list[dict]:
    out = []
    for (doc_id, section), (base, target) in INDICATOR_TABLES.items():
        out += parse_indicator_table(corpus[doc_id], section, base, target)
    return out


def prose_row(t: dict, kind: str, target_id: str, feature_id: str = "") -> dict:
    """A target from the text (a feature's or a section's) as a targets.csv row."""
    return {
        "target_id": target_id, "kind": kind, "document": t["document"], "section": t.get("section", ""),
        "paragraph": t["paragraph"], "row": "", "group": "", "indicator": t["indicator"], "unit": t["unit"],
        "baseline_year": "", "baseline": "", "target_year": t["year"] or "", "target": t["value"],
        "attribute": "", "markers": "", "themes": ";".join(themes_for(t["indicator"])),
        "feature_id": feature_id, "quote": t["quote"],
    }


def write_targets(rows: list[dict], path: Path = TARGETS) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def load_targets(path: Path = TARGETS) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)
