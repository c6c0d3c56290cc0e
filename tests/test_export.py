"""GeoJSON export (RFC 7946, optional GCJ-02) and the command-line export."""
from __future__ import annotations

import json
import subprocess
import sys

import shapely
from shapely.geometry import shape

from conftest import ROOT
from geo.crs import METRIC
from geo.export import dumps, export_filename, targets_for, to_feature_collection
from geo.filters import Filters, apply


def test_wgs84_export_is_rfc7946(frame):
    shown = apply(frame, Filters(districts=("大渡口区",)))
    shown = shown[shown.layer != "districts"]
    fc = json.loads(dumps(to_feature_collection(shown)))
    assert fc["type"] == "FeatureCollection" and "crs" not in fc  # RFC 7946: WGS-84 implied
    assert len(fc["features"]) == len(shown)
    for f in fc["features"]:
        geom = shape(f["geometry"])
        assert geom.is_valid and not geom.is_empty
        if geom.geom_type == "Polygon":  # right-hand rule: exterior ring counter-clockwise
            assert geom.exterior.is_ccw
        p = f["properties"]
        for key in ("id", "name_zh", "layer", "category", "themes", "periods", "district", "sources", "targets", "location"):
            assert key in p
        assert all({"document", "paragraph", "quote"} <= set(s) for s in p["sources"])
    x0, y0, x1, y1 = fc["bbox"]
    assert 106.3 < x0 < x1 < 106.7 and 29.3 < y0 < y1 < 29.6


def test_gcj02_export_is_marked_and_shifted(frame):
    one = frame.loc[["district-yuzhong"]]
    wgs = to_feature_collection(one)
    gcj = to_feature_collection(one, crs="gcj02")
    assert gcj["coordinate_system"] == "GCJ-02" and "NOT WGS-84" in gcj["note"]
    assert export_filename("gcj02").endswith("-gcj02.geojson") and export_filename("wgs84") == "chongqing-plan.geojson"
    a = shapely.centroid(shape(wgs["features"][0]["geometry"]))
    b = shapely.centroid(shape(gcj["features"][0]["geometry"]))
    import geopandas as gpd

    d = gpd.GeoSeries([a, b], crs="EPSG:4326").to_crs(METRIC)
    assert 400 < d.iloc[0].distance(d.iloc[1]) < 560  # the ~480 m GCJ-02 offset in central Chongqing


def test_targets_for_keeps_table_rows_and_shown_places():
    import pandas as pd

    t = pd.DataFrame({"feature_id": ["", "a", "b"], "document": ["d1", "d1", "d2"], "themes": ["finance", "ecology", "finance"]})
    assert list(targets_for(t, ["a"]).feature_id) == ["", "a"]
    assert list(targets_for(t, ["a", "b"], documents=["d2"]).feature_id) == ["b"]
    assert list(targets_for(t, ["a", "b"], themes=["ecology"]).feature_id) == ["a"]


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_cli_export_applies_the_same_filters(tmp_path, frame):
    out = tmp_path / "yz.geojson"
    r = run_cli("export", "--out", str(out), "--district", "渝中区", "--theme", "transport", "--period", "fyp15")
    assert r.returncode == 0, r.stderr
    want = apply(frame, Filters(districts=("渝中区",), themes=("transport",), periods=("fyp15",)))
    got = json.loads(out.read_text(encoding="utf-8"))
    assert {f["id"] for f in got["features"]} == set(want.index)


def test_cli_export_gcj02_and_unknown_values(tmp_path):
    out = tmp_path / "x.geojson"
    r = run_cli("export", "--out", str(out), "--layer", "stations", "--crs", "gcj02")
    assert r.returncode == 0 and json.loads(out.read_text())["coordinate_system"] == "GCJ-02"
    bad = run_cli("export", "--out", str(out), "--theme", "nonsense")
    assert bad.returncode == 2 and "unknown --theme value(s): nonsense" in bad.stderr
