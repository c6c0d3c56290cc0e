"""Folium presentation: assets served locally, AMap conversion, escaping, styles."""
from __future__ import annotations

import geopandas as gpd
from shapely.geometry import shape

from geo.crs import METRIC
from layers.assets import LOCAL, STATIC_DIR
from views.detail import context_html, highlight
from layers.map import build_map, draw_rank, drawn, layer_collections, selection_group
from layers.popup import popup_html
from layers.style import LINE, PRECISION_STYLE, draw_class, feature_style


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


def test_a_symbol_says_how_well_its_place_is_known():
    exact, street = (feature_style("projects", ["commerce"], p) for p in ("exact", "street"))
    approx = feature_style("projects", ["commerce"], "area")
    approx_area = feature_style("zones", ["commerce"], "area", rank=0)
    approx_line = feature_style("transit", ["transport"], "area", rank=LINE)
    schematic = feature_style("zones", ["commerce"], "schematic", rank=0)
    # precise: a solid dot with a white rim, both exact and street
    assert exact == street and exact["dashArray"] is None and exact["color"] == "#ffffff" and exact["fillOpacity"] >= 0.9
    # approximate: a soft disc with no outline, larger than a precise dot; areas a soft fill
    assert approx["stroke"] is False and approx["radius"] > exact["radius"] and approx["fillOpacity"] < 0.5
    assert approx_area["stroke"] is False and approx_area["fillOpacity"] < 0.3
    assert approx_line.get("stroke", True) and approx_line["dashArray"]  # a line needs its stroke
    assert schematic["dashArray"] and schematic["fillOpacity"] < 0.1
    assert set(PRECISION_STYLE) == {"precise", "approx", "structure"}
    assert [draw_class("projects", p) for p in ("exact", "street", "area", "schematic", "district")] == \
        ["precise", "precise", "approx", "structure", "hidden"]
    assert draw_class("districts", "exact") == "outline"


def test_district_only_features_get_no_symbol_and_their_selection_outlines_the_district(frame, vocab):
    only = frame[(frame.precision == "district") & (frame.layer != "districts")]
    drawn_ids = {f["properties"]["id"] for _, _, c in layer_collections(frame, vocab) for f in c["features"]}
    assert len(only) > 100 and not drawn_ids & set(only.index)
    assert drawn_ids == set(drawn(frame).index)
    fid = only.index[0]
    html = selection_group(frame, fid)._children
    (outline,) = [c for c in html.values() if c.__class__.__name__ == "GeoJson"]
    from geo import reference

    district = reference.district_shapes()[frame.loc[fid, "district"]]
    assert shape(outline.data["features"][0]["geometry"]).equals_exact(district, 1e-9)


def test_located_and_approximate_features_are_labelled_and_tooltips_say_how_approximate(frame, vocab):
    for lang, note in (("zh", "（位置约 ±1 km）"), ("en", " (approx. ±1 km)")):
        features = [f for _, _, c in layer_collections(frame, vocab, lang) for f in c["features"]]
        by_kind = {}
        for f in features:
            by_kind.setdefault(f["properties"]["k"], []).append(f["properties"])
        for kind in ("precise", "approx"):  # named (the browser marks the approximate ones "≈")
            assert all("label" in p for p in by_kind[kind]) and by_kind[kind]
        assert not any("label" in p for kind in ("structure", "outline") for p in by_kind[kind])
        assert all(p["tooltip"].endswith(note) for p in by_kind["approx"])
        lines = [p for p in by_kind["precise"] if "lp" in p]
        assert lines and all(len(p["lp"]) == 2 for p in lines)  # a label point on lines and areas
    en = {f["properties"]["id"]: f["properties"] for _, _, c in layer_collections(frame, vocab, "en") for f in c["features"]}
    assert en["yz-jiefangbei"]["label"] == frame.loc["yz-jiefangbei", "name_en"]


def test_standalone_map_carries_escaped_plan_text_in_popups(frame, vocab):
    part = drawn(frame[frame.layer == "projects"]).head(5)
    html = build_map(part, vocab).get_root().render()
    quote = part.iloc[0]["sources"][0]["quote"]
    assert quote in html or quote.replace("“", "\\u201c") in html or json_escaped(quote) in html
    assert '"popups": true' in html


def json_escaped(text: str) -> str:
    import json

    return json.dumps(text)[1:-1]


def test_each_layer_draws_areas_then_lines_then_points(frame, vocab):
    """On canvas the last drawn is on top and takes the click."""
    for layer, _, collection in layer_collections(frame, vocab):
        kinds = [f["geometry"]["type"] for f in collection["features"]]
        assert [draw_rank(k) for k in kinds] == sorted(draw_rank(k) for k in kinds), layer
