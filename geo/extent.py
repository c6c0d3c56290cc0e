"""The extents a map fits to (WGS-84 ``(west, south, east, north)``): what the filters show,
one feature, a circle around a point."""
from __future__ import annotations

import math

import geopandas as gpd
import shapely

from . import reference

Bounds = tuple[float, float, float, float]
# Chongqing municipality, a little padded (west, south, east, north): what a link, a tile
# request or a feature may name; catches swapped lon/lat.
CHONGQING_BBOX: Bounds = (105.0, 28.0, 110.5, 32.5)
METRES_PER_DEGREE = 111_320.0


def filter_extent(shown: gpd.GeoDataFrame, districts: tuple[str, ...] = ()) -> Bounds | None:
    """The features shown that have a place of their own (not the district outlines, not the
    features known only to their district, nor the schematic diagrams, which reach out
    of their districts, unless nothing else is shown), together with the districts filtered
    on; the district outlines shown when nothing else is."""
    plan = shown[(shown["layer"] != "districts") & (shown["precision"] != "district")]
    placed = plan[plan["precision"] != "schematic"]
    placed = plan if placed.empty else placed
    shapes = list(placed.geometry) + [reference.district_shapes()[d] for d in districts]
    if districts:  # what reaches out of the districts asked for (an operating line, say) is cut at their edge
        frame = shapely.box(*shapely.GeometryCollection([reference.district_shapes()[d] for d in districts]).bounds)
        shapes = [s for s in (shapely.intersection(g, frame) for g in shapes) if not s.is_empty]
    if not shapes:
        shapes = list(shown[shown["layer"] == "districts"].geometry)
    return tuple(float(v) for v in shapely.GeometryCollection(shapes).bounds) if shapes else None


def feature_extent(frame: gpd.GeoDataFrame, fid: str) -> Bounds:
    """One feature's extent; its district's for a feature known only to its district."""
    row = frame.loc[fid]
    geom = reference.district_shapes()[row["district"]] if row["precision"] == "district" \
        and row["layer"] != "districts" else row.geometry
    return tuple(float(v) for v in geom.bounds)


def in_box(features: gpd.GeoDataFrame, box: Bounds | None) -> gpd.GeoDataFrame:
    """The features whose shape touches *box* (WGS-84); all without a box."""
    return features if box is None else features.cx[box[0]:box[2], box[1]:box[3]]


def circle_extent(lat: float, lon: float, radius_m: float) -> Bounds:
    dlat = radius_m / METRES_PER_DEGREE
    dlon = dlat / math.cos(math.radians(lat))
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat
