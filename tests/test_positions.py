"""Precision that holds (geo.positions): exact/street need a cited reference, named points agree with it."""
from __future__ import annotations

import copy
import json
import shutil

import pytest

from geo import positions, reference
from geo.paths import GEOJSON, TARGETS, UNMAPPED
from geo.validate import validate_all


def _feature(name_zh="某地", precision="street", basis="OpenStreetMap 2025 station point", lonlat=(106.5153707, 29.5444036), **extra):
    props = {"id": "yz-test", "name_zh": name_zh, "layer": "projects",
             "location": {"precision": precision, "basis": basis}, **extra}
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(lonlat)}, "properties": props}


def _reasons(feature):
    return [p.reason for p in positions.validate_positions([feature])]


def test_precise_labels_need_a_cited_reference():
    assert _reasons(_feature()) == []
    assert "cites no reference" in _reasons(_feature(basis="a tower near the square"))[0]
    # naming a dataset does not help a position that is remembered
    assert "remembered" in _reasons(_feature(precision="exact", basis="near the OSM track, from memory"))[0]
    # area and district claim nothing precise
    assert _reasons(_feature(precision="area", basis="from memory")) == []


def test_a_point_named_like_a_station_must_lie_at_it():
    daping = reference.rail_stations().set_index("name_zh").loc["大坪"].geometry
    at = (daping.x, daping.y)
    assert _reasons(_feature("大坪站", lonlat=at)) == []
    off = (daping.x + 0.002, daping.y)  # ~190 m east
    assert "from the reference point of '大坪'" in _reasons(_feature("大坪站（1号线）", lonlat=off))[0]
    # area allows ~1 km, so the same point is fine there, and 1.5 km is not
    assert _reasons(_feature("大坪", precision="area", lonlat=off)) == []
    far = (daping.x + 0.016, daping.y)
    assert "at most 1000 m for area" in _reasons(_feature("大坪", precision="area", lonlat=far))[0]
    # a feature whose reference names a station is held to that station, whatever its own name
    assert _reasons(_feature("某枢纽", lonlat=off, reference={"name": "大坪"}))
    assert "no OSM station" in _reasons(_feature("某枢纽", reference={"name": "不存在"}))[0]


def test_anchor_names_count_as_reference_points():
    assert _reasons(_feature("解放碑", precision="exact", basis="README anchor", lonlat=(106.5769, 29.5572))) == []
    assert _reasons(_feature("解放碑", precision="exact", basis="README anchor", lonlat=(106.5800, 29.5572)))


@pytest.mark.parametrize("change", ["memory", "moved"])
def test_validate_fails_on_a_bad_feature_in_the_layers(tmp_path, change):
    shutil.copytree(GEOJSON, tmp_path / "geojson")
    path = tmp_path / "geojson" / "stations.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    victim = next(f for f in data["features"] if f["properties"]["id"] == "yz-rail-station-qixinggang")
    original = copy.deepcopy(victim)
    if change == "memory":
        victim["properties"]["location"]["basis"] = "well-known stop, from memory"
    else:
        victim["geometry"]["coordinates"][0] += 0.003  # ~290 m
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    problems = [p for p in validate_all(tmp_path / "geojson", TARGETS, UNMAPPED) if p.feature == original["properties"]["id"]]
    assert problems and all(p.file == "stations.geojson" for p in problems)
    assert ("remembered" if change == "memory" else "from the reference point of '七星岗'") in problems[0].reason


def test_the_readme_precision_table_is_the_one_stats_prints(frame):
    from geo.paths import DATA

    text = (DATA / "README.md").read_text(encoding="utf-8")
    table = text.split("<!-- precision-table:start -->\n", 1)[1].split("\n<!-- precision-table:end -->", 1)[0]
    assert table == positions.precision_table(frame)
