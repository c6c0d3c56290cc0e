"""Where to put things on the map that are not features: a district's badge (the count of
its items with no place of their own) goes where the district has the fewest symbols, so
that it covers as few of them as it can, and not on the district's name.

Computed in metres (UTM 48N) on a grid of candidate points inside the district, from every
point feature drawn (not per filter: a badge that moved with each filter would be hard to
find again).
"""
from __future__ import annotations

from typing import Iterable

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from . import reference
from .crs import METRIC, WGS84

SPACING_M = 200   # between candidate points
MARGIN_M = 400    # a badge's anchor stays this far inside its district, so the badge is seen as its own


def quiet_point(area: BaseGeometry, obstacles: Iterable[BaseGeometry]) -> shapely.Point:
    """The point of *area* (metric) farthest from every obstacle (metric), on a grid of
    :data:`SPACING_M`, at least :data:`MARGIN_M` inside; the area's representative point
    when it is too small for that, or when there is no obstacle."""
    obstacles = [g for g in obstacles if g is not None and not g.is_empty]
    inner = area.buffer(-MARGIN_M)
    if inner.is_empty or not obstacles:
        return area.representative_point()
    west, south, east, north = inner.bounds
    xs, ys = np.meshgrid(np.arange(west, east, SPACING_M), np.arange(south, north, SPACING_M))
    candidates = shapely.points(xs.ravel(), ys.ravel())
    candidates = candidates[shapely.contains_xy(inner, xs.ravel(), ys.ravel())]
    if not len(candidates):
        return inner.representative_point()
    tree = shapely.STRtree(obstacles)
    _, distance = tree.query_nearest(candidates, return_distance=True, all_matches=False)  # one per candidate, in order
    return candidates[int(np.argmax(distance))]


def badge_points(features: gpd.GeoDataFrame) -> dict[str, tuple[float, float]]:
    """(lon, lat) of the badge of each district with items known only to it: the quiet point
    of the district among the point features with a place of their own and its name label."""
    districts = reference.districts().set_index("name")
    located = features[(features["precision"] != "district") & (features.geom_type == "Point")]
    points = list(gpd.GeoSeries(located.geometry.values, crs=WGS84).to_crs(METRIC))
    names = gpd.GeoSeries(gpd.points_from_xy(districts["label_lon"], districts["label_lat"]), crs=WGS84,
                          index=districts.index).to_crs(METRIC)
    shapes = districts.geometry.to_crs(METRIC)
    out = {}
    for district in features.loc[(features["precision"] == "district") & (features["layer"] != "districts"),
                                 "district"].unique():
        if district not in shapes.index:
            continue
        spot = quiet_point(shapes[district], points + [names[district]])
        lon, lat = gpd.GeoSeries([spot], crs=METRIC).to_crs(WGS84).iloc[0].coords[0]
        out[district] = (lon, lat)
    return out
