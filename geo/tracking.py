"""Target tracking: a target in one document against the figure reported for it in a later one.

Yuzhong's 十五五 plan opens with 表1, the 十四五 indicators' completion table (2025 target,
the actual figure of each year 2021–2025 and the plan's own 进度评价).  Targets that the
earlier documents (the 十四五 newspaper summary, the 2025 government work report) set for one
of those years are matched to its rows by indicator name, and judged against the actual.
Place-bound targets (targets.csv kind=place) are summarised per zone.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from . import analysis
from .paths import COMPLETION
from .plans import Document

COMPLETION_TABLE = ("yz-fyp15", "table1")
EARLIER_DOCUMENTS = ("yz-news14", "yz-gwr2025-review", "yz-gwr2025-tasks")
# A target "about" a value (左右) counts as met within this relative shortfall.
ABOUT_TOLERANCE = 0.02
# Indicators where less is better when the target gives no direction.
LOWER_IS_BETTER = ("失业率", "死亡率", "能耗", "排放")
NUMBER = re.compile(r"\d+(?:\.\d+)?")
BRACKETED = re.compile(r"[〔【\[].*[〕】\]]")
YEAR_COLUMN = re.compile(r"^(\d{4})年(目标|完成情况)$")


@dataclass(frozen=True)
class Target:
    """A numeric target: at least / at most / about *value*; cumulative over the period or not."""

    op: str  # ">=", ">", "<=", "<", "~"
    value: float
    cumulative: bool


def indicator_key(name: str) -> str:
    """Indicator name without unit, markers and brackets: '【#】地区生产总值增速（%）' -> '地区生产总值增速'."""
    name = name.replace("【#】", "")
    name = re.sub(r"[（(][^（）()]*[）)]", "", name)
    return re.sub(r"\s+", "", name)


def parse_target(text: str, indicator: str = "", quote: str = "") -> Target | None:
    """The target in *text* ('6', '<5', '≥40', '305左右', '63以上', '【25】'); None when not numeric."""
    text = str(text).strip()
    number = NUMBER.search(text)
    if not number:
        return None
    value = float(number.group())
    cumulative = bool(BRACKETED.search(text)) or "累计" in indicator
    if text.startswith(("<", "＜")):
        op = "<"
    elif text.startswith(("≤", "<=")):
        op = "<="
    elif text.startswith((">", "＞", "超")):
        op = ">"
    elif "左右" in text or "左右" in quote:
        op = "~"
    elif text.startswith(("≥", ">=")) or "以上" in text:
        op = ">="
    else:
        op = "<=" if any(w in indicator for w in LOWER_IS_BETTER) else ">="
    return Target(op, value, cumulative)


def parse_actual(text: str) -> float | None:
    """The first number of a reported figure ('4.5（年均4.63）' -> 4.5); None for '—' or words."""
    number = NUMBER.search(str(text))
    return float(number.group()) if number else None


def is_met(target: Target | None, actual: float | None, lower_is_better: bool = False) -> bool | None:
    """Whether *actual* meets *target*; None when either is not a number."""
    if target is None or actual is None:
        return None
    if target.op == "~":
        slack = target.value * ABOUT_TOLERANCE
        return actual <= target.value + slack if lower_is_better else actual >= target.value - slack
    return {">=": actual >= target.value, ">": actual > target.value,
            "<=": actual <= target.value, "<": actual < target.value}[target.op]


def _lower_is_better(target: Target | None, indicator: str) -> bool:
    return (target is not None and target.op in ("<", "<=")) or any(w in indicator for w in LOWER_IS_BETTER)


# --- the completion table --------------------------------------------------------------

def parse_completion_table(doc: Document, section: str) -> pd.DataFrame:
    """Rows of a completion table: row, group, indicator, key, unit, target_year, target,
    actual_<year> for each reported year, evaluation, attribute, paragraph."""
    paragraphs = doc.section_paragraphs(section)
    header = paragraphs[0].text.split("\t")
    columns = {i: YEAR_COLUMN.match(h) for i, h in enumerate(header)}
    target_col = next(i for i, m in columns.items() if m and m.group(2) == "目标")
    actual_cols = {i: int(m.group(1)) for i, m in columns.items() if m and m.group(2) == "完成情况"}
    rows, group = [], ""
    for para in paragraphs[1:]:
        cells = [c.strip() for c in para.text.split("\t")]
        if len(cells) < len(header) or not cells[0].isdigit():
            group = cells[0] if len(cells) == 1 and not cells[0].startswith(("注", "备注")) else group
            continue
        unit = re.search(r"[（(]([^（）()]*)[）)]\s*$", cells[1])
        rows.append({
            "row": int(cells[0]), "group": group, "indicator": cells[1], "key": indicator_key(cells[1]),
            "unit": unit.group(1) if unit else "", "target_year": int(columns[target_col].group(1)),
            "target": cells[target_col], **{f"actual_{y}": cells[i] for i, y in actual_cols.items()},
            "evaluation": cells[len(header) - 2], "attribute": cells[len(header) - 1], "paragraph": para.id,
        })
    return pd.DataFrame(rows)


def write_completion_table(doc: Document, path: Path = COMPLETION) -> int:
    """Store 表1 as printed, one CSV row per indicator (every cell a verbatim string)."""
    table = parse_completion_table(doc, COMPLETION_TABLE[1]).drop(columns="key")
    table.insert(len(table.columns) - 1, "document", doc.id)
    table.to_csv(path, index=False, encoding="utf-8")
    return len(table)


def load_completion_table(path: Path = COMPLETION) -> pd.DataFrame:
    """表1 of the 渝中 十五五 outline (十四五 completion): row, group, indicator, key, unit, target_year,
    target, actual_2021..actual_2025, evaluation (进度评价), attribute (指标属性), document, paragraph."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    table["row"] = table["row"].astype(int)
    table["target_year"] = table["target_year"].astype(int)
    table.insert(3, "key", table["indicator"].map(indicator_key))
    return table


def completion_table_problems(doc: Document, path: Path = COMPLETION) -> list[str]:
    """Cells of the stored table that differ from the plan text (empty when identical)."""
    if not path.exists():
        return [f"{path.name} is missing: run python -m geo build"]
    stored = load_completion_table(path).drop(columns="document")
    printed = parse_completion_table(doc, COMPLETION_TABLE[1])
    if stored.shape != printed.shape or list(stored.columns) != list(printed.columns):
        return [f"{path.name}: {stored.shape} table, the plan prints {printed.shape} with columns {list(printed.columns)}"]
    diff = stored.astype(str).ne(printed.astype(str))
    return [f"{path.name} row {stored.at[i, 'row']} {col}: {stored.at[i, col]!r}, the plan prints {printed.at[i, col]!r}"
            for i, col in zip(*diff.to_numpy().nonzero()) for col in [stored.columns[col]]]


def actual_for(row: pd.Series, year: int, cumulative: bool) -> float | None:
    """The reported figure of *year*; for a cumulative target the sum of every reported year up to it."""
    if not cumulative:
        return parse_actual(row.get(f"actual_{year}", ""))
    years = sorted(int(c.split("_")[1]) for c in row.index if c.startswith("actual_") and int(c.split("_")[1]) <= year)
    values = [parse_actual(row[f"actual_{y}"]) for y in years]
    return None if not values or None in values else round(sum(values), 4)


def completion_status(table: pd.DataFrame) -> pd.DataFrame:
    """The table with the target year's actual and whether it met the target (None: not comparable)."""
    out = table.copy()
    judged = [_judge(row["target"], row["indicator"], "", row, row["target_year"]) for _, row in out.iterrows()]
    out["actual"] = [a for a, _ in judged]
    out["met"] = [m for _, m in judged]
    return out


def _judge(target_text: str, indicator: str, quote: str, row: pd.Series, year: int) -> tuple[float | None, bool | None]:
    target = parse_target(target_text, indicator, quote)
    actual = actual_for(row, year, bool(target and target.cumulative))
    return actual, is_met(target, actual, _lower_is_better(target, indicator))


# --- matching earlier targets ------------------------------------------------------------

def alias_keys(indicator_links: list[dict]) -> dict[str, str]:
    """Other names -> the completion table's key (from data/links.yaml ``indicators``)."""
    out = {}
    for item in indicator_links or []:
        for other in item.get("same_as") or []:
            out[indicator_key(str(other))] = indicator_key(str(item["indicator"]))
    return out


def match_targets(table: pd.DataFrame, targets: pd.DataFrame, documents=EARLIER_DOCUMENTS,
                  aliases: dict[str, str] | None = None, reported_by: str = COMPLETION_TABLE[0]) -> pd.DataFrame:
    """Targets of *documents* for a year the table reports, matched to its rows by indicator.

    One row per earlier target: its value and source, the reported figure and its source, and
    whether it was met (None when not comparable: a word, a missing year, a cumulative target
    with a gap).  For the table's own target year its 进度评价 (of the table's target) is kept.
    """
    aliases = aliases or {}
    by_key = {row["key"]: row for _, row in table.iterrows()}
    years = {int(c.split("_")[1]) for c in table.columns if c.startswith("actual_")}
    rows = []
    for _, t in targets[targets["document"].isin(documents)].iterrows():
        key = indicator_key(t["indicator"])
        key = aliases.get(key, key)
        if key not in by_key or not str(t["target_year"]).isdigit() or int(t["target_year"]) not in years:
            continue
        row, year = by_key[key], int(t["target_year"])
        actual, met = _judge(t["target"], t["indicator"], t["quote"], row, year)
        rows.append({
            "indicator": row["indicator"], "year": year, "target": t["target"], "unit": t["unit"],
            "target_document": t["document"], "target_paragraph": t["paragraph"], "target_quote": t["quote"],
            "target_indicator": t["indicator"], "reported": row.get(f"actual_{year}", ""), "actual": actual,
            "reported_document": reported_by, "reported_paragraph": row["paragraph"], "met": met,
            "table_evaluation": row["evaluation"] if year == row["target_year"] else "",
        })
    columns = ["indicator", "year", "target", "unit", "target_document", "target_paragraph", "target_quote",
               "target_indicator", "reported", "actual", "reported_document", "reported_paragraph", "met", "table_evaluation"]
    return pd.DataFrame(rows, columns=columns).sort_values(["indicator", "year", "target_document"], kind="stable",
                                                            ignore_index=True)


# --- place-bound targets -----------------------------------------------------------------

def place_targets(frame: gpd.GeoDataFrame, targets: pd.DataFrame, district: str | None = None) -> pd.DataFrame:
    """Targets tied to a feature, with the feature's name, district and the zones it lies in.

    A place counts for a zone when it lies inside the zone (see :func:`geo.analysis.inside`):
    a zone's own targets count for it.  Places known only to the district have no zones.
    """
    place = targets[(targets["kind"] == "place") & targets["feature_id"].isin(frame.index)]
    if district:
        place = place[place["feature_id"].map(frame["district"]) == district]
    places = analysis.located(frame.loc[place["feature_id"].unique()])
    shapes = places.geometry.to_crs(analysis.METRIC)
    zones_of_place: dict[str, list[str]] = {fid: [] for fid in places.index}
    for d in places["district"].unique():
        zones = analysis.zones_of(frame, d)
        for zid, area in zones.geometry.to_crs(analysis.METRIC).items():
            for fid in places.index[analysis.inside(shapes, area)]:
                zones_of_place[fid].append(zid)
    out = place.assign(
        name_zh=place["feature_id"].map(frame["name_zh"]), district=place["feature_id"].map(frame["district"]),
        layer=place["feature_id"].map(frame["layer"]),
        zones=place["feature_id"].map(lambda f: ";".join(sorted(zones_of_place.get(f, [])))),
    )
    return out[["feature_id", "name_zh", "district", "layer", "zones", "indicator", "target", "unit", "target_year",
                "document", "paragraph", "quote"]].reset_index(drop=True)


def zone_target_summary(frame: gpd.GeoDataFrame, placed: pd.DataFrame) -> pd.DataFrame:
    """Per zone: how many place-bound targets and places fall in it, and which indicators."""
    exploded = placed.assign(zone=placed["zones"].str.split(";")).explode("zone")
    exploded = exploded[exploded["zone"].fillna("") != ""]
    if exploded.empty:
        return pd.DataFrame(columns=["zone_id", "name_zh", "district", "targets", "places", "documents", "indicators"])
    grouped = exploded.groupby("zone", sort=True)
    return pd.DataFrame({
        "zone_id": list(grouped.groups),
        "name_zh": [frame.loc[z, "name_zh"] for z in grouped.groups],
        "district": [frame.loc[z, "district"] for z in grouped.groups],
        "targets": grouped.size().to_numpy(),
        "places": grouped["feature_id"].nunique().to_numpy(),
        "documents": grouped["document"].agg(lambda s: ";".join(sorted(set(s)))).to_numpy(),
        "indicators": grouped["indicator"].agg(lambda s: "；".join(dict.fromkeys(s))).to_numpy(),
    }).sort_values(["targets", "zone_id"], ascending=[False, True], ignore_index=True)
