"""Export filtered features as GeoJSON (RFC 7946) and targets as CSV."""
from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import mapping

from .crs import WGS84, geometry_to_gcj02
from .schema import PROPERTIES

CRS_CHOICES = ("wgs84", "gcj02")
GCJ02_NOTE = ("Coordinates are GCJ-02 (the offset system of AMap/Gaode tiles), NOT WGS-84: "
              "this file is for overlaying on Chinese web maps and is not RFC 7946 compliant.")


def feature_properties(row: pd.Series) -> dict:
    props = {k: row[k] for k in PROPERTIES}
    props["location"] = {"precision": row["precision"], "basis": row["basis"]}
    if isinstance(row.get("role"), str):
        props["role"] = row["role"]
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in props.items()}


def to_feature_collection(frame: pd.DataFrame, crs: str = "wgs84", name: str = "chongqing-plan-features") -> dict:
    """A FeatureCollection of *frame*; polygons follow the RFC 7946 right-hand rule."""
    if crs not in CRS_CHOICES:
        raise ValueError(f"crs must be one of {CRS_CHOICES}, not {crs!r}")
    features = []
    for _, row in frame.iterrows():
        geom = geometry_to_gcj02(row.geometry) if crs == "gcj02" else row.geometry
        # set_precision may rewrite rings, so orient afterwards (RFC 7946 right-hand rule)
        geom = shapely.orient_polygons(shapely.set_precision(geom, 1e-6))
        features.append({"type": "Feature", "id": row["id"], "geometry": mapping(geom), "properties": feature_properties(row)})
    out = {"type": "FeatureCollection", "name": name}
    if crs == "gcj02":
        out["name"] = f"{name}-gcj02"
        out["coordinate_system"] = "GCJ-02"
        out["note"] = GCJ02_NOTE
    if len(frame):
        out["bbox"] = [round(v, 6) for v in frame.total_bounds.tolist()]
    out["features"] = features
    return out


def dumps(collection: dict) -> str:
    return json.dumps(collection, ensure_ascii=False, indent=None, separators=(",", ":"))


def export_filename(crs: str = "wgs84", stem: str = "chongqing-plan") -> str:
    return f"{stem}-gcj02.geojson" if crs == "gcj02" else f"{stem}.geojson"


def targets_csv(targets: pd.DataFrame) -> str:
    return targets.to_csv(index=False)


def targets_for(targets: pd.DataFrame, feature_ids, documents=None, themes=None) -> pd.DataFrame:
    """Targets of the shown features plus (optionally filtered) table/section targets."""
    keep = targets["feature_id"].eq("") | targets["feature_id"].isin(set(feature_ids))
    if documents:
        keep &= targets["document"].isin(documents)
    if themes:
        keep &= targets["themes"].map(lambda v: bool(set(v.split(";")) & set(themes)))
    return targets[keep]


def frame_geojson(gdf: gpd.GeoDataFrame) -> str:
    """A plain GeoDataFrame (grid, stations) as RFC 7946 GeoJSON in WGS-84."""
    return gdf.to_crs(WGS84).to_json(drop_id=True, ensure_ascii=False)


def features_geojson(frame: gpd.GeoDataFrame, extra: pd.DataFrame | None = None, name: str = "planner") -> str:
    """Plan features as the app's export GeoJSON, with *extra* columns (indexed by id) added to their properties."""
    collection = to_feature_collection(frame, name=name)
    if extra is not None:
        for f in collection["features"]:
            if f["id"] in extra.index:
                f["properties"].update({k: _plain(v) for k, v in extra.loc[f["id"]].items()})
    return dumps(collection)


def _plain(value):
    return value.item() if hasattr(value, "item") else value
