"""Folium presentation: assets served locally, AMap conversion, escaping, styles."""
from __future__ import annotations

import geopandas as gpd
from shapely.geometry import Point, shape

from geo.crs import METRIC
from layers.assets import LOCAL, STATIC_DIR
from layers.detail import context_html, highlight
from layers.map import build_map, district_only_points, draw_rank, layer_collections
from layers.popup import popup_html
from layers.style import PRECISION_STYLE, feature_style


def test_every_asset_the_map_loads_is_vendored_and_local(frame, vocab):
    m = build_map(frame.head(50), vocab)
    html = m.get_root().render()
    assert "cdn." not in html and "code.jquery.com" not in html and "cdnjs" not in html
    for path in LOCAL.values():
        assert (STATIC_DIR / path).is_file(), path
    for element in m._children.values():
        for _, url in getattr(element, "default_js", []) + getattr(element, "default_css", []):
            assert url.startswith("/app/static/vendor/")


def test_amap_display_is_converted_to_gcj02(frame, vocab):
    one = frame[(frame.layer == "projects") & (frame.geometry.geom_type == "Point")].head(1)
    wgs = layer_collections(one, vocab, to_gcj=False)[0][2]["features"][0]["geometry"]
    gcj = layer_collections(one, vocab, to_gcj=True)[0][2]["features"][0]["geometry"]
    a, b = gpd.GeoSeries([shape(wgs), shape(gcj)], crs="EPSG:4326").to_crs(METRIC)
    assert 400 < a.distance(b) < 560
    assert shape(gcj).x > shape(wgs).x and shape(gcj).y < shape(wgs).y  # east and south here


def test_hostile_text_is_escaped_in_popup_and_context(frame, vocab, corpus):
    row = frame[frame.layer == "projects"].iloc[0].copy()
    row["name_zh"] = "<img src=x onerror=alert(1)>"
    row["name_en"] = "</b><script>alert(2)</script>"
    html = popup_html(row, vocab, "zh")
    assert "<img" not in html and "<script>" not in html and "&lt;img src=x" in html
    assert highlight("a<b>c", "<b>") == "a<mark>&lt;b&gt;</mark>c"
    src = row["sources"][0]
    ctx = context_html(corpus[src["document"]], src["paragraph"], src["quote"])
    assert "<mark>" in ctx and ctx.count("<mark>") == 1


def test_approximate_features_are_drawn_differently():
    exact = feature_style("projects", ["commerce"], "exact")
    approx = feature_style("projects", ["commerce"], "area")
    schematic = feature_style("zones", ["commerce"], "schematic")
    assert exact["dashArray"] is None and approx["dashArray"] and schematic["dashArray"]
    assert schematic["fillOpacity"] < exact["fillOpacity"]
    assert approx["fillColor"] == "#ffffff"  # approximate points are hollow
    assert set(PRECISION_STYLE) == {"exact", "street", "area", "schematic", "district"}


def test_district_only_features_get_distinct_placeholders_near_their_district(frame):
    points = district_only_points(frame)
    only = frame[(frame.precision == "district") & (frame.layer != "districts")]
    assert set(points) == set(only.index)
    assert len({(p.x, p.y) for p in points.values()}) == len(points)  # no two on top of each other
    from geo import reference

    shapes = reference.district_shapes()
    inside = sum(shapes[frame.loc[fid, "district"]].buffer(0.003).contains(p) for fid, p in points.items())
    assert inside == len(points)


def test_standalone_map_carries_escaped_plan_text_in_popups(frame, vocab):
    part = frame[frame.layer == "projects"].head(5)
    html = build_map(part, vocab).get_root().render()
    quote = part.iloc[0]["sources"][0]["quote"]
    assert quote in html or quote.replace("“", "\\u201c") in html or json_escaped(quote) in html
    assert "bindPopup" in html


def json_escaped(text: str) -> str:
    import json

    return json.dumps(text)[1:-1]


def test_each_layer_draws_areas_then_lines_then_points(frame, vocab):
    """On canvas the last drawn is on top and takes the click: a district-only feature,
    drawn as a placeholder point, must come after the areas it sits on."""
    placeholders = district_only_points(frame)
    for layer, _, collection in layer_collections(frame, vocab, placeholders=placeholders):
        kinds = [f["geometry"]["type"] for f in collection["features"]]
        assert [draw_rank(k) for k in kinds] == sorted(draw_rank(k) for k in kinds), layer
    projects = next(c for layer, _, c in layer_collections(frame, vocab, placeholders=placeholders)
                    if layer == "projects")
    placeholder_ids = {f["properties"]["id"] for f in projects["features"] if f["properties"]["id"] in placeholders}
    assert placeholder_ids and all(f["geometry"]["type"] == "Point" for f in projects["features"]
                                   if f["properties"]["id"] in placeholder_ids)
