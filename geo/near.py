"""What is planned near a point: features within a radius, distances in metres.

Distances are measured in UTM 48N (:data:`geo.crs.METRIC`), from the point to the
nearest part of each feature (0 inside an area).  How well a feature's place is known
decides the group it is counted in: ``located`` (exact or street), ``approximate``
(area or schematic: the distance is to where the plan sketch puts it, give or take its
uncertainty), and ``district`` (known only to the district the point lies in).
"""
from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import Point

from . import reference
from .crs import METRIC, WGS84
from .vocab import DISTRICTS, Vocabulary

RADII_M = (500, 1000)
GROUPS = {"exact": "located", "street": "located", "area": "approximate", "schematic": "approximate",
          "district": "district"}


def metric_point(lat: float, lon: float) -> Point:
    return gpd.GeoSeries([Point(lon, lat)], crs=WGS84).to_crs(METRIC).iloc[0]


def district_at(lat: float, lon: float) -> str | None:
    """The plan district the point lies in, if any."""
    point, shapes = Point(lon, lat), reference.district_shapes()
    return next((name for name in DISTRICTS if shapes[name].covers(point)), None)


def near(frame: gpd.GeoDataFrame, lat: float, lon: float, radius_m: float, vocab: Vocabulary) -> pd.DataFrame:
    """The plan features near (*lat*, *lon*) (WGS-84): id, name_zh, name_en, layer, category,
    district, precision, group, distance_m (rounded to the metre) and uncertainty_m, nearest
    first within each group.  Located and approximate features count when their drawn place
    lies within *radius_m*; district-only features when the point lies in their district."""
    plan = frame[frame["layer"] != "districts"]
    centre = metric_point(lat, lon)
    located = plan[plan["precision"] != "district"]
    metric = located.geometry.to_crs(METRIC)
    distance = pd.Series(shapely.distance(metric.values, centre), index=located.index)
    inside = distance[distance <= radius_m]
    rows = plan.loc[inside.index].assign(distance_m=inside.round().astype(int))
    district = district_at(lat, lon)
    wide = plan[(plan["precision"] == "district") & (plan["district"] == district)] if district else None
    return near_table(rows, wide, vocab)


def near_table(located: pd.DataFrame, wide: pd.DataFrame | None, vocab: Vocabulary) -> pd.DataFrame:
    """The :func:`near` table of the *located* features (with their ``distance_m``) and the
    district-wide ones of the point's district (*wide*; None outside the plan districts)."""
    rows = located if wide is None else pd.concat([located, wide.assign(distance_m=pd.NA)])
    metres = {p: v.get("metres", 0) for p, v in vocab.precision.items()}
    out = rows.assign(group=rows["precision"].map(GROUPS), uncertainty_m=rows["precision"].map(metres))
    order = {"located": 0, "approximate": 1, "district": 2}
    out = out.assign(_order=out["group"].map(order)).sort_values(["_order", "distance_m", "name_zh"], kind="stable")
    columns = ["name_zh", "name_en", "layer", "category", "district", "precision", "group", "distance_m", "uncertainty_m"]
    return out[columns].rename_axis("id").reset_index()


def counts(table: pd.DataFrame) -> dict[str, int]:
    """How many features of each group a :func:`near` table holds."""
    return {group: int((table["group"] == group).sum()) for group in ("located", "approximate", "district")}
