"""Precision that holds: `exact` and `street` need a reference behind them, and named points must agree with it.

Two rules, run by ``python -m geo validate`` (:func:`validate_positions`):

1. A feature labelled ``exact`` or ``street`` must say in its basis which reference dataset or
   documented anchor its position comes from (:data:`CITATIONS`); a basis that calls the
   position remembered ("from memory") does not count, whatever else it mentions.
2. A point feature named like a reference point (an OpenStreetMap station of
   :func:`geo.reference.rail_stations`, or a documented anchor of ``data/reference/anchors.csv``)
   must lie within what its precision allows of it (:data:`MAX_OFF_M` for exact and street, the
   vocabulary's metres for area); so must a feature whose ``reference`` names an OSM station.
"""
from __future__ import annotations

import re
from functools import lru_cache

import geopandas as gpd
import pandas as pd
from shapely.geometry import shape

from . import reference
from .crs import METRIC, WGS84
from .paths import REFERENCE

ANCHORS_FILE = REFERENCE / "anchors.csv"
PRECISE = ("exact", "street")
MAX_OFF_M = 150
AREA_OFF_M = 1000  # data/vocabulary.yaml: area is ~1 km
# What a basis must mention for a position to count as taken from reference data.
CITATIONS = re.compile(r"OpenStreetMap|\bOSM\b|data/reference|GeoNames|README|anchors\.csv|district boundary",
                       re.IGNORECASE)
REMEMBERED = re.compile(r"from memory|remembered", re.IGNORECASE)
# A trailing note in brackets and the word 站 do not make a different place: 茄子溪站（18号线） = 茄子溪.
_BRACKETS = re.compile(r"[（(][^）)]*[）)]")


def name_key(name: str) -> str:
    key = _BRACKETS.sub("", name or "").strip()
    return key[:-1] if key.endswith("站") and len(key) > 2 else key


@lru_cache(maxsize=1)
def anchors() -> gpd.GeoDataFrame:
    """Documented anchors (name_zh, source, geometry) from data/reference/anchors.csv."""
    table = pd.read_csv(ANCHORS_FILE, dtype=str, keep_default_na=False)
    return gpd.GeoDataFrame(table[["name_zh", "source"]], crs=WGS84,
                            geometry=gpd.points_from_xy(table["lon"].astype(float), table["lat"].astype(float)))


@lru_cache(maxsize=1)
def reference_points() -> dict[str, object]:
    """OSM station or anchor name -> its metric point."""
    stations, marks = reference.rail_stations(), anchors()
    names = [*stations["name_zh"], *marks["name_zh"]]
    points = [*stations.geometry.to_crs(METRIC), *marks.geometry.to_crs(METRIC)]
    return dict(zip(names, points))


def basis_problem(props: dict) -> str | None:
    """Rule 1 for one feature's properties; None when it holds."""
    loc = props.get("location") or {}
    if loc.get("precision") not in PRECISE:
        return None
    basis = loc.get("basis") or ""
    if REMEMBERED.search(basis):
        return f"labelled {loc['precision']} but its basis says the position is remembered: use area, or cite a reference point"
    if not CITATIONS.search(basis):
        return f"labelled {loc['precision']} but its basis cites no reference dataset or documented anchor"
    return None


def _named_reference(props: dict) -> str | None:
    """The reference point a feature is named after: its ``reference`` name, else its own name."""
    ref = props.get("reference")
    if isinstance(ref, dict) and isinstance(ref.get("name"), str):
        return ref["name"]
    key = name_key(props.get("name_zh", ""))
    return next((n for n in (key, key + "站") if n in reference_points()), None)


def distance_problem(props: dict, geometry: dict) -> str | None:
    """Rule 2 for one feature; None when it holds or does not apply."""
    name = _named_reference(props)
    precision = (props.get("location") or {}).get("precision")
    if name is None or precision not in (*PRECISE, "area") or not isinstance(geometry, dict) or geometry.get("type") != "Point":
        return None
    target = reference_points().get(name)
    if target is None:
        return f"its reference names {name!r}, which is no OSM station or documented anchor"
    allowed = MAX_OFF_M if precision in PRECISE else AREA_OFF_M
    off = gpd.GeoSeries([shape(geometry)], crs=WGS84).to_crs(METRIC).iloc[0].distance(target)
    if off > allowed:
        return f"lies {off:.0f} m from the reference point of {name!r} (at most {allowed} m for {precision})"
    return None


def validate_positions(features: list[dict]) -> list:
    """Problems of both rules over all layer features (a Problem per broken rule)."""
    from .validate import Problem  # validate imports this module's caller; avoid a cycle at import time

    problems = []
    for f in features:
        props = f.get("properties") or {}
        if not isinstance(props.get("location"), dict) or not isinstance(props.get("id"), str):
            continue  # structurally broken: geo.validate already reports it
        file = f"{props.get('layer')}.geojson"
        for reason in (basis_problem(props), distance_problem(props, f.get("geometry"))):
            if reason:
                problems.append(Problem(file, props["id"], reason))
    return problems


def precision_table(frame) -> str:
    """Features per layer and precision as a Markdown table (``python -m geo stats``; data/README.md)."""
    import pandas as pd

    levels = ["exact", "street", "area", "schematic", "district"]
    table = pd.crosstab(frame["layer"], frame["precision"]).reindex(columns=levels, fill_value=0)
    table["total"] = table.sum(axis=1)
    table.loc["all"] = table.sum()
    lines = ["| layer | " + " | ".join(table.columns) + " |", "|---|" + "---:|" * len(table.columns)]
    lines += [f"| {layer} | " + " | ".join(str(int(v)) for v in row) + " |" for layer, row in table.iterrows()]
    return "\n".join(lines)
