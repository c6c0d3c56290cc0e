"""The operating rail network from OpenStreetMap (geo.network, geo.reference.rail_stations) on the real data."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point

from geo import network, reference
from geo.crs import METRIC, WGS84
from geo.positions import name_key

OSM_FILE = reference.REFERENCE / "metro" / "cq_rail_stations_osm2025_wgs84.geojson"


@pytest.fixture(scope="module")
def layer(frame):
    return frame


def _osm_named_inside() -> gpd.GeoDataFrame:
    osm = gpd.read_file(OSM_FILE).to_crs(METRIC)
    shapes = reference.district_shapes_metric()
    inside = osm.within(shapes["渝中区"]) | osm.within(shapes["大渡口区"])
    return osm[inside & (osm["name"].fillna("") != "")]


def test_rail_stations_are_deduplicated_osm_points():
    stations = reference.rail_stations()
    assert stations.crs.to_epsg() == 4326 and stations["name_zh"].is_unique
    assert {"name_zh", "name_en", "lines", "geometry"} <= set(stations.columns)
    assert all(isinstance(v, list) and v and all(isinstance(x, str) for x in v) for v in stations["lines"])
    assert stations.set_index("name_zh").loc["牛角沱", "lines"] == ["2", "3"]


def test_the_named_osm_stations_inside_the_districts_are_features(layer):
    named = _osm_named_inside()
    assert named["name"].nunique() == 33
    stations = layer[layer["layer"] == "stations"]
    metric = stations.geometry.to_crs(METRIC)
    points = {**dict(zip(stations["name_zh"].map(name_key), metric)), **dict(zip(stations["name_zh"], metric))}
    # the plan's hub at 菜园坝 is the mainline station 重庆
    points["重庆"] = gpd.GeoSeries([layer.loc["yz-chongqing-railway-station"].geometry], crs=WGS84).to_crs(METRIC).iloc[0]
    osm = gpd.read_file(OSM_FILE).to_crs(METRIC)  # distance to the nearest OSM point of the name, in or out
    gaps = [osm[osm["name"] == name].distance(points[name]).min() for name in named["name"].unique() if name in points]
    assert len(gaps) == 33
    assert np.median(gaps) <= 30 and max(gaps) <= 150


def test_plan_stations_on_the_2025_map_keep_their_words_and_status(layer):
    liziba = layer.loc["yz-station-liziba"]
    assert liziba["status"] == "planned" and liziba["precision"] == "exact"
    assert "on the map of 2025" in liziba["basis"] and "OpenStreetMap" in liziba["basis"]
    osm = reference.rail_stations().set_index("name_zh").loc["李子坝"].geometry
    assert liziba.geometry.distance(osm) < 1e-6
    # and it is not drawn a second time as an existing station
    assert not (layer["name_zh"] == "李子坝站").sum() > 1


def test_operating_lines_run_through_their_stations(layer):
    lines = layer[(layer["layer"] == "transit") & (layer["category"] == "operating_line")]
    assert len(lines) >= 4 and (lines["status"] == "existing").all()
    stations = reference.rail_stations().set_index("name_zh").to_crs(METRIC)
    for fid, row in lines.iterrows():
        line = gpd.GeoSeries([row.geometry], crs=WGS84).to_crs(METRIC).iloc[0]
        order = network.LINES[fid.rsplit("-", 1)[1]][3]
        assert max(line.distance(stations.loc[n].geometry) for n in order) < 200, fid
        # a line not following the track says so and is schematic
        assert ("straight polyline" in row["basis"]) == (row["precision"] == "schematic"), fid
    assert {"1", "2", "3", "6"} <= {fid.rsplit("-", 1)[1] for fid in lines.index}


def test_shortest_path_follows_the_graph_and_reports_no_path():
    graph = {"a": {"b": 1.0, "c": 5.0}, "b": {"a": 1.0, "c": 1.0}, "c": {"a": 5.0, "b": 1.0}, "d": {}}
    assert network.shortest_path(graph, "a", "c") == ["a", "b", "c"]
    assert network.shortest_path(graph, "a", "d") is None


def test_a_line_without_a_track_is_a_straight_polyline():
    a, b = Point(650000, 3260000), Point(651000, 3260500)
    geom, on_track, straight = network.line_geometry("18", [a, b])
    assert (on_track, straight) == (0, 1) and geom.equals(LineString([a, b]))


def test_the_station_table_is_what_its_script_derives(tmp_path):
    import subprocess
    import sys

    from conftest import ROOT

    out = tmp_path / "rail_stations.csv"
    run = subprocess.run([sys.executable, "scripts/build_rail_stations.py", str(out)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert out.read_text(encoding="utf-8") == reference.RAIL_STATIONS_FILE.read_text(encoding="utf-8")
    assert "left out: unnamed" in run.stdout  # the unnamed points it drops are listed, not silently lost
