"""Coverage, grid and matrices (geo/analysis.py) on hand-made fixtures with hand-worked answers.

The fixture lives in UTM 48N (geo.crs.METRIC) around a corner at (X0, Y0), so every distance
and area below is worked out on paper, then converted to WGS-84 as the real data is stored:

    district D = [0, 2000] × [0, 1000] m      (2 km²)
    zone Z     = [0, 1000] × [0, 1000] m      (1 km²)
    existing station S at (0, 0)               planned station T at (2000, 1000)
    projects   P1 (100, 100)  finance                 |P1 S| = 141 m
               P2 (300, 600)  finance, commerce       |P2 S| = 671 m
               P3 (900, 900)  ecology                 |P3 S| = 1273 m
               P4 (1600, 600) commerce (in D, not Z)  |P4 S| = 1709 m, |P4 T| = 566 m
               P5 located only to the district (finance): counts in D's totals, nowhere else
"""
from __future__ import annotations

import math
import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from conftest import ROOT
from geo import analysis
from geo.crs import METRIC, WGS84

X0, Y0 = 645000.0, 3264000.0  # multiples of 500 m: grid cells line up with the fixture
THEMES = ["finance", "commerce", "ecology"]
QUARTER = math.pi / 4  # a quarter circle of radius r has area QUARTER * r²


def to_wgs84(geom):
    """A shape given in metres from (X0, Y0) as stored data: WGS-84."""
    from shapely import affinity

    return gpd.GeoSeries([affinity.translate(geom, X0, Y0)], crs=METRIC).to_crs(WGS84).iloc[0]


def feature(fid, layer, geom, district="渝中区", category="plot", themes=(), precision="area", name=None, **extra):
    return {"id": fid, "name_zh": name or fid, "name_en": "", "layer": layer, "category": category,
            "themes": list(themes), "periods": ["fyp15"], "district": district, "status": None,
            "sources": extra.pop("sources", []), "targets": [], "precision": precision, "basis": "fixture",
            "role": None, "geometry": to_wgs84(geom), **extra}


def frame_of(rows) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84).set_index("id", drop=False)


DISTRICT = box(0, 0, 2000, 1000)
ZONE = box(0, 0, 1000, 1000)


@pytest.fixture
def fixture_frame():
    return frame_of([
        feature("d", "districts", DISTRICT, category="district", precision="exact"),
        feature("z", "zones", ZONE, category="area"),
        feature("z-whole", "zones", DISTRICT, category="area", precision="district"),
        feature("p1", "projects", Point(100, 100), themes=["finance"]),
        feature("p2", "projects", Point(300, 600), themes=["finance", "commerce"]),
        feature("p3", "projects", Point(900, 900), themes=["ecology"]),
        feature("p4", "projects", Point(1600, 600), themes=["commerce"]),
        feature("p5", "projects", DISTRICT, themes=["finance"], precision="district"),
        feature("t", "stations", Point(2000, 1000), category="rail_station"),
        feature("other", "projects", Point(500, 500), district="大渡口区", themes=["finance"]),
    ])


@pytest.fixture
def stations(fixture_frame):
    existing = gpd.GeoDataFrame({"name_zh": ["S"], "line": ["1"]}, geometry=[to_wgs84(Point(0, 0))], crs=WGS84)
    return {"existing": existing, "planned": analysis.planned_stations(fixture_frame)}


def test_district_row_counts_all_projects_but_measures_only_located_ones(fixture_frame, stations):
    table = analysis.coverage_table(fixture_frame, "渝中区", stations, THEMES)
    d = table.iloc[0]
    assert d["level"] == "district"
    assert d["area_km2"] == pytest.approx(2.0, rel=1e-6)
    assert (d["projects"], d["projects_located"]) == (5, 4)  # P5 has no position
    assert d["projects_per_km2"] == pytest.approx(5 / 2.0, rel=1e-6)
    assert (d["theme_finance"], d["theme_commerce"], d["theme_ecology"]) == (3, 2, 1)  # P2 counts twice
    # a quarter circle of S (and of T, in the opposite corner) lies in D
    assert d["area_share_500_existing"] == pytest.approx(QUARTER * 500**2 / 2e6, rel=1e-3)  # 0.0982
    assert d["area_share_800_existing"] == pytest.approx(QUARTER * 800**2 / 2e6, rel=1e-3)  # 0.2513
    assert d["area_share_500_planned"] == pytest.approx(QUARTER * 500**2 / 2e6, rel=1e-3)
    assert d["area_share_800_planned"] == pytest.approx(QUARTER * 800**2 / 2e6, rel=1e-3)
    # located projects: P1 within 500 m of S, P2 within 800 m; only P4 within 800 m of T (566 m)
    assert d["project_share_500_existing"] == pytest.approx(1 / 4)
    assert d["project_share_800_existing"] == pytest.approx(2 / 4)
    assert d["project_share_500_planned"] == 0
    assert d["project_share_800_planned"] == pytest.approx(1 / 4)


def test_zone_row_has_its_own_projects_and_catchment(fixture_frame, stations):
    table = analysis.coverage_table(fixture_frame, "渝中区", stations, THEMES)
    assert list(table["zone_id"]) == ["", "z"]  # the zone drawn as the whole district is left out
    z = table.iloc[1]
    assert z["area_km2"] == pytest.approx(1.0, rel=1e-6)
    assert z["projects"] == 3 and z["projects_per_km2"] == pytest.approx(3.0, rel=1e-6)
    assert (z["theme_finance"], z["theme_commerce"], z["theme_ecology"]) == (2, 1, 1)
    assert z["area_share_500_existing"] == pytest.approx(QUARTER * 0.25, rel=1e-3)  # 0.1963
    assert z["area_share_800_existing"] == pytest.approx(QUARTER * 0.64, rel=1e-3)  # 0.5027
    assert z["area_share_800_planned"] == 0  # T is 1000 m from Z's nearest corner
    assert z["project_share_500_existing"] == pytest.approx(1 / 3)
    assert z["project_share_800_existing"] == pytest.approx(2 / 3)


def test_no_stations_gives_zero_catchment(fixture_frame):
    none = {"existing": gpd.GeoDataFrame(geometry=[], crs=WGS84), "planned": gpd.GeoDataFrame(geometry=[], crs=WGS84)}
    d = analysis.coverage_table(fixture_frame, "渝中区", none, THEMES).iloc[0]
    assert d["area_share_800_existing"] == 0 and d["project_share_800_planned"] == 0


def test_inside_means_at_least_half():
    # metres: a point, a polygon 50 % in Z, one 25 % in, a line 75 % in
    shapes = gpd.GeoSeries([Point(10, 10), box(800, 0, 1200, 100), box(900, 0, 1300, 100),
                            LineString([(250, 500), (1250, 500)])], crs=METRIC)
    assert analysis.share_inside(shapes, ZONE) == pytest.approx([1.0, 0.5, 0.25, 0.75])
    assert list(analysis.inside(shapes, ZONE)) == [True, True, False, True]


def test_planned_stations_are_rail_only_and_located():
    frame = frame_of([
        feature("rail", "stations", Point(0, 0), category="rail_station"),
        feature("hub-rail", "stations", Point(10, 0), category="hub", name="重庆站铁路综合交通枢纽"),
        feature("hub-bus", "stations", Point(20, 0), category="hub", name="公交站场"),
        feature("pier", "stations", Point(30, 0), category="pier"),
        feature("rail-somewhere", "stations", Point(40, 0), category="rail_station", precision="district"),
    ])
    assert sorted(analysis.planned_stations(frame).index) == ["hub-rail", "rail"]


def test_grid_counts_each_located_project_once(fixture_frame):
    grid = analysis.district_grid(fixture_frame, "渝中区", 500)
    # D is 4 × 2 cells of 500 m; P1 in (0,0), P2 in (0,1), P3 in (1,1), P4 in (3,1); P5 nowhere
    assert len(grid) == 8
    counts = dict(zip(grid["cell"], grid["count"]))
    assert counts == {"c0r0": 1, "c0r1": 1, "c1r0": 0, "c1r1": 1, "c2r0": 0, "c2r1": 0, "c3r0": 0, "c3r1": 1}
    assert grid["area_km2"].sum() == pytest.approx(2.0, rel=1e-6)
    summary = analysis.grid_summary(grid)
    assert (summary["cells"], summary["empty_cells"]) == (8, 4)
    assert summary["empty_area_share"] == pytest.approx(0.5, rel=1e-6)
    assert grid.crs.to_epsg() == 4326


def test_grid_clips_cells_to_the_area():
    area = box(0, 0, 750, 500)  # 1.5 × 1 cells of 500 m: the second column is half a cell
    points = gpd.GeoSeries([Point(600, 100), Point(700, 400)], crs=METRIC)
    grid = analysis.grid_counts(area, points, 500).to_crs(METRIC)
    assert sorted(grid["cell"]) == ["c0r0", "c1r0"]
    assert grid.set_index("cell").loc["c1r0", "count"] == 2
    assert grid.set_index("cell").loc["c1r0", "geometry"].area == pytest.approx(250 * 500, rel=1e-6)
    with pytest.raises(ValueError):
        analysis.grid_counts(area, points, 20)


def test_grid_of_250_m_has_four_times_the_cells(fixture_frame):
    grid = analysis.district_grid(fixture_frame, "渝中区", 250)
    assert len(grid) == 32 and grid["count"].sum() == 4


def test_theme_matrix_counts_by_district_and_theme(fixture_frame):
    matrix = analysis.theme_matrix(fixture_frame, THEMES)
    assert matrix.loc["渝中区", ["finance", "commerce", "ecology"]].tolist() == [3, 2, 1]
    assert matrix.loc["渝中区", "total_features"] == 5
    assert matrix.loc["大渡口区", "finance"] == 1 and matrix.loc["大渡口区", "ecology"] == 0
    with_stations = analysis.theme_matrix(fixture_frame, THEMES, layers=("projects", "stations"))
    assert with_stations.loc["渝中区", "total_features"] == 6


def test_unmapped_list_is_split_by_document_district(corpus):
    unmapped = pd.DataFrame({"name_zh": ["甲", "乙"], "document": ["yz-fyp15", "ddk-fyp14"], "section": ["", ""],
                             "section_path": ["", ""], "paragraph": ["", ""], "quote": ["q1", "q2"], "reason": ["r", "r"]})
    assert analysis.unmapped_for(unmapped, corpus, "大渡口区")["name_zh"].tolist() == ["乙"]
    assert analysis.unmapped_for(unmapped, corpus)["district"].tolist() == ["渝中区", "大渡口区"]


def test_existing_stations_are_the_osm_points_of_the_two_districts():
    from geo import reference

    stations = analysis.load_existing_stations()
    assert stations["name_zh"].is_unique and (stations["kind"] == "metro").all()
    osm = gpd.read_file(reference.REFERENCE / "metro" / "cq_rail_stations_osm2025_wgs84.geojson").to_crs(METRIC)
    metric = stations.geometry.to_crs(METRIC)
    # every station sits on an OpenStreetMap point (of its own name where OSM names it)
    for (_, row), point in zip(stations.iterrows(), metric):
        same = osm[osm["name"] == row["name_zh"]]
        assert (same if len(same) else osm).distance(point).min() < 1.0, row["name_zh"]
    # and within 300 m of one of the two districts
    shapes = reference.district_shapes_metric()
    near = metric.distance(shapes["渝中区"]).clip(upper=metric.distance(shapes["大渡口区"]))
    assert near.max() <= 300
    assert {"大坪", "较场口", "牛角沱", "小什字", "跳磴南"} <= set(stations["name_zh"])
    assert stations.set_index("name_zh").loc["大坪", "line"] == "1/2"


def test_coverage_of_the_real_districts_is_consistent(frame, vocab):
    sets = analysis.station_sets(frame)
    for district in ("渝中区", "大渡口区"):
        table = analysis.coverage_table(frame, district, sets, list(vocab.themes))
        d, zones = table.iloc[0], table.iloc[1:]
        assert len(zones) == len(analysis.zones_of(frame, district))
        assert (zones["projects"] <= d["projects_located"]).all()
        shares = table.filter(like="_share_")
        assert ((shares.fillna(0) >= 0) & (shares.fillna(0) <= 1)).all().all()
        assert (table["area_share_800_existing"] >= table["area_share_500_existing"]).all()


def test_coverage_cli_writes_per_zone_rows(tmp_path, frame):
    out = tmp_path / "yz.csv"
    run = subprocess.run([sys.executable, "-m", "geo", "coverage", "--district", "渝中区", "--out", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    table = pd.read_csv(out)
    assert table["level"].tolist()[0] == "district" and (table["level"][1:] == "zone").all()
    assert table.iloc[0]["projects"] == ((frame.layer == "projects") & (frame.district == "渝中区")).sum()
    assert "area_share_500_existing" in table and "project_share_800_planned" in table
    bad = subprocess.run([sys.executable, "-m", "geo", "coverage", "--district", "江北区", "--out", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "unknown --district" in bad.stderr
