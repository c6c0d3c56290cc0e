"""Spatial coverage of the plans: projects per district and zone, rail catchments, a count grid.

Every area and distance is measured in :data:`geo.crs.METRIC` (UTM 48N), never in degrees.
A feature's *position* is its point, or a point guaranteed inside its polygon or on its line
(``representative_point``): it puts each project in one grid cell and measures its distance to
stations.  A feature lies *inside* a zone when at least half of it does (all of a point, half
of a polygon's area or of a line's length).  Features located only to their district (precision
``district``) have neither: they count in their district's totals but in no zone, cell or catchment.
"""
from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from . import reference
from .crs import METRIC, WGS84

RADII_M = (500, 800)
STATION_KINDS = ("existing", "planned")
# Hubs count as rail stations only when their name says they are rail (not bus depots or piers).
RAIL_WORDS = ("轨道", "铁路", "地铁", "轻轨")
# Buffers with 64 segments per quarter circle: area within 0.01 % of the true circle.
QUAD_SEGS = 64
MIN_SHARE_INSIDE = 0.5
MIN_CELL_AREA_M2 = 1.0  # clipped cells smaller than this are slivers of the boundary


# --- inputs ------------------------------------------------------------------------------

def load_existing_stations() -> gpd.GeoDataFrame:
    """Operating metro stations at their OpenStreetMap points (:func:`geo.reference.rail_stations`),
    one row per station; the mainline station is left out (its catchment is not rail transit reach)."""
    stations = reference.rail_stations()
    metro = stations[stations["kind"] == "metro"].reset_index(drop=True)
    return metro.assign(line=metro["lines"].map("/".join))  # the map's label: 大坪 (1/2)


def planned_stations(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Rail stations the plans name: the stations layer's rail stations and rail hubs, where located."""
    stations = frame[frame["layer"] == "stations"]
    rail = (stations["category"] == "rail_station") | (
        (stations["category"] == "hub") & stations["name_zh"].map(lambda n: any(w in n for w in RAIL_WORDS)))
    return located(stations[rail])


def located(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The rows whose position is known better than "somewhere in the district"."""
    return frame[frame["precision"] != "district"]


def positions(frame: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """One metric point per feature (see the module docstring)."""
    return frame.geometry.to_crs(METRIC).representative_point()


def share_inside(geoms: gpd.GeoSeries, area: BaseGeometry) -> np.ndarray:
    """Per metric geometry, the share of it inside *area*: by area, by length, or 1/0 for points."""
    values = geoms.to_numpy()
    cut = shapely.intersection(values, area)
    own_area, own_length = shapely.area(values), shapely.length(values)
    by_area = np.divide(shapely.area(cut), own_area, out=np.zeros(len(values)), where=own_area > 0)
    by_length = np.divide(shapely.length(cut), own_length, out=np.zeros(len(values)), where=own_length > 0)
    by_point = shapely.intersects(values, area).astype(float)
    return np.where(own_area > 0, by_area, np.where(own_length > 0, by_length, by_point))


def inside(geoms: gpd.GeoSeries, area: BaseGeometry) -> np.ndarray:
    """Which metric geometries lie (at least half) inside *area*."""
    return share_inside(geoms, area) >= MIN_SHARE_INSIDE


def district_area(frame: gpd.GeoDataFrame, district: str) -> BaseGeometry:
    """The district polygon (metric) from the frame's districts layer."""
    rows = frame[(frame["layer"] == "districts") & (frame["district"] == district)]
    if rows.empty:
        raise KeyError(f"no districts-layer feature for {district!r}")
    return rows.geometry.to_crs(METRIC).union_all()


def projects_of(frame: gpd.GeoDataFrame, district: str) -> gpd.GeoDataFrame:
    return frame[(frame["layer"] == "projects") & (frame["district"] == district)]


def zones_of(frame: gpd.GeoDataFrame, district: str) -> gpd.GeoDataFrame:
    """The district's located zone polygons (zones drawn as the whole district are left out)."""
    zones = frame[(frame["layer"] == "zones") & (frame["district"] == district)]
    return located(zones)


def station_sets(frame: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """The two kinds of station the coverage figures are given for."""
    return {"existing": load_existing_stations(), "planned": planned_stations(frame)}


def catchment(stations: gpd.GeoDataFrame, radius_m: float) -> BaseGeometry:
    """The area within *radius_m* of any station (metric); empty when there are no stations."""
    if stations.empty:
        return box(0, 0, 0, 0)
    return stations.geometry.to_crs(METRIC).buffer(radius_m, quad_segs=QUAD_SEGS).union_all()


def catchments(stations: dict[str, gpd.GeoDataFrame], radii=RADII_M) -> dict[tuple[str, int], BaseGeometry]:
    return {(kind, r): catchment(stations[kind], r) for kind in stations for r in radii}


# --- figures -----------------------------------------------------------------------------

def _share(part: float, whole: float) -> float:
    return part / whole if whole else math.nan


def _at_most_one(share: float) -> float:
    """An intersection can exceed its polygon by a rounding error; NaN stays NaN."""
    return share if math.isnan(share) else min(1.0, share)


def area_shares(area: BaseGeometry, reach: dict[tuple[str, int], BaseGeometry]) -> dict[str, float]:
    """Share of *area* (metric) inside each catchment."""
    return {f"area_share_{r}_{kind}": _at_most_one(_share(area.intersection(c).area, area.area))
            for (kind, r), c in reach.items()}


def project_shares(points: gpd.GeoSeries, reach: dict[tuple[str, int], BaseGeometry]) -> dict[str, float]:
    """Share of the project positions (metric points) inside each catchment; NaN without projects."""
    return {f"project_share_{r}_{kind}": _share(float(points.intersects(c).sum()), len(points))
            for (kind, r), c in reach.items()}


def theme_counts(projects: pd.DataFrame, themes) -> dict[str, int]:
    """Projects per theme (a project with two themes counts under both)."""
    return {f"theme_{t}": int(projects["themes"].map(lambda v: t in (v or ())).sum()) for t in themes}


def coverage_row(area: BaseGeometry, projects: gpd.GeoDataFrame, points: gpd.GeoSeries,
                 reach: dict[tuple[str, int], BaseGeometry], themes) -> dict:
    """The figures of one area: *projects* are those counted for it, *points* the located ones."""
    km2 = area.area / 1e6
    return {
        "area_km2": km2,
        "projects": len(projects),
        "projects_located": len(points),
        "projects_per_km2": _share(len(projects), km2),
        **theme_counts(projects, themes),
        **area_shares(area, reach),
        **project_shares(points, reach),
    }


def coverage_table(frame: gpd.GeoDataFrame, district: str, stations: dict[str, gpd.GeoDataFrame], themes,
                   radii=RADII_M) -> pd.DataFrame:
    """One row for the district, then one per located zone, with the figures of :func:`coverage_row`.

    *stations* maps a kind ("existing", "planned") to its stations (any CRS, any district: a
    station across the border still serves the area within its radius).
    """
    reach = catchments(stations, radii)
    projects = projects_of(frame, district)
    mapped = located(projects)
    points = positions(mapped)
    whole = district_area(frame, district)
    rows = [{"level": "district", "district": district, "zone_id": "", "name_zh": district, "name_en": "",
             "category": "district", "precision": "", **coverage_row(whole, projects, points, reach, themes)}]
    shapes = mapped.geometry.to_crs(METRIC)
    zones = zones_of(frame, district)
    for (fid, zone), area in zip(zones.iterrows(), zones.geometry.to_crs(METRIC)):
        keep = inside(shapes, area)
        rows.append({"level": "zone", "district": district, "zone_id": fid, "name_zh": zone["name_zh"],
                     "name_en": zone["name_en"], "category": zone["category"], "precision": zone["precision"],
                     **coverage_row(area, mapped[keep], points[keep], reach, themes)})
    return pd.DataFrame(rows)


# --- grid --------------------------------------------------------------------------------

def grid_counts(area: BaseGeometry, points: gpd.GeoSeries, cell_m: float) -> gpd.GeoDataFrame:
    """Square cells of *cell_m* over *area* (metric), clipped to it, with the points in each.

    Cells are aligned to multiples of *cell_m* in the metric CRS, so a grid is reproducible;
    each point falls in exactly one cell (the one whose south-west corner is at or below it).
    Returned in WGS-84 with columns cell, col, row, count, area_km2.
    """
    if not 100 <= cell_m <= 5000:
        raise ValueError(f"cell size {cell_m} m is outside 100–5000 m")
    # Bounds rounded to the centimetre, so a boundary on a cell line (after a round trip
    # through WGS-84) does not open a row of sliver cells.
    minx, miny, maxx, maxy = (round(v, 2) for v in area.bounds)
    x0, y0 = math.floor(minx / cell_m) * cell_m, math.floor(miny / cell_m) * cell_m
    ncols, nrows = math.ceil((maxx - x0) / cell_m), math.ceil((maxy - y0) / cell_m)
    counts = np.zeros((ncols, nrows), dtype=int)
    if len(points):
        cols = np.floor((points.x.to_numpy() - x0) / cell_m).astype(int)
        rows = np.floor((points.y.to_numpy() - y0) / cell_m).astype(int)
        ok = (cols >= 0) & (cols < ncols) & (rows >= 0) & (rows < nrows)
        np.add.at(counts, (cols[ok], rows[ok]), 1)
    cells = []
    for c in range(ncols):
        for r in range(nrows):
            square = box(x0 + c * cell_m, y0 + r * cell_m, x0 + (c + 1) * cell_m, y0 + (r + 1) * cell_m)
            if not square.intersects(area):
                continue
            clipped = square.intersection(area)
            if clipped.area < MIN_CELL_AREA_M2:
                continue
            cells.append({"cell": f"c{c}r{r}", "col": c, "row": r, "count": int(counts[c, r]),
                          "area_km2": clipped.area / 1e6, "geometry": clipped})
    grid = gpd.GeoDataFrame(cells, columns=["cell", "col", "row", "count", "area_km2", "geometry"],
                            geometry="geometry", crs=METRIC)
    return grid.to_crs(WGS84)


def district_grid(frame: gpd.GeoDataFrame, district: str, cell_m: float) -> gpd.GeoDataFrame:
    """Located projects of *district* counted on a grid over the district."""
    return grid_counts(district_area(frame, district), positions(located(projects_of(frame, district))), cell_m)


def grid_summary(grid: pd.DataFrame) -> dict[str, float]:
    """Cells, empty cells and the share of the gridded area with no located project."""
    empty = grid["count"] == 0
    return {"cells": len(grid), "empty_cells": int(empty.sum()),
            "empty_area_share": _share(grid.loc[empty, "area_km2"].sum(), grid["area_km2"].sum())}


# --- matrices and lists ------------------------------------------------------------------

def theme_matrix(frame: pd.DataFrame, themes, layers=("projects",)) -> pd.DataFrame:
    """Features per district × theme (counts; a feature with two themes counts twice)."""
    part = frame[frame["layer"].isin(layers)] if layers else frame[frame["layer"] != "districts"]
    exploded = part[["district", "themes"]].explode("themes")
    table = pd.crosstab(exploded["district"], exploded["themes"]).reindex(columns=list(themes), fill_value=0)
    table["total_features"] = part.groupby("district").size()
    return table.fillna(0).astype(int)


def unmapped_for(unmapped: pd.DataFrame, corpus: dict, district: str | None = None) -> pd.DataFrame:
    """The "mentioned but not mapped" list with each row's district (from its document)."""
    out = unmapped.assign(district=unmapped["document"].map(lambda d: corpus[d].meta["district"] if d in corpus else ""))
    if district:
        out = out[out["district"] == district]
    return out[["district", "name_zh", "document", "section_path", "quote", "reason"]].reset_index(drop=True)
