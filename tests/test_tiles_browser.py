"""Layers drawn as vector tiles, in headless Chromium (geo/mvt.py, layers/remote.py PlanTiles).

The app runs on the bundled data with a vector budget of 10 features
(PLANMAP_VECTOR_BUDGET), so all its layers but the district outlines are drawn as tiles,
as they would be at ×100: the tiles arrive as Mapbox Vector Tiles and Leaflet.VectorGrid draws their
features, the remaining layers are still vector, a name shows on hover, and a click on a
tiled project selects it in the app.
"""
from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest
from conftest import drawn_feature_ids, load_test_database, map_frame, needs_test_database, start_app, stop_app

from geo.mvt import MEDIA_TYPE
from layers import payload
from geo.i18n import t
from layers.map import drawn

BUDGET = 10
# The tile grids on the map, and what each has drawn: VectorGrid keeps the features of
# each tile it shows (by the id its getFeatureId gives), and each is an SVG path.
GRIDS_JS = """() => { const out = [];
  map_div.eachLayer(l => { if (!(l.options && l.options.planmapFeatures)) return;
    const tiles = Object.values(l._vectorTiles || {});
    out.push({pane: l.options.pane, features: l.options.planmapFeatures, loaded: !!l.planmapLoaded,
              ids: [...new Set(tiles.flatMap(t => Object.keys(t._features)))],
              paths: l.getContainer().querySelectorAll('svg path').length}); });
  return out; }"""
TO_SCREEN_JS = "([lat, lon]) => { const p = map_div.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }"


@pytest.fixture(scope="module")
def tiled_app():
    proc, url = start_app(env={"PLANMAP_VECTOR_BUDGET": str(BUDGET)})
    yield url
    stop_app(proc)


def tiled_layers(frame) -> set[str]:
    return payload.tiled_layers(drawn(frame).groupby("layer").size().to_dict(), BUDGET)


def grids(mf, timeout_ms: int = 30000) -> list[dict]:
    """The tile grids once the tiles in view have loaded and been drawn."""
    mf.wait_for_function(f"() => {{ const g = ({GRIDS_JS})(); return g.length && g.every(s => s.loaded); }}",
                         timeout=timeout_ms)
    return mf.evaluate(GRIDS_JS)


def screen_point(page, mf, lat: float, lon: float) -> tuple[float, float]:
    """Where (lat, lon) is on the page, with the whole map in view (Chromium scrolls a
    partly hidden frame into view on mousedown, and the click would land elsewhere)."""
    iframe = page.locator("iframe[title*='st_folium']")
    iframe.scroll_into_view_if_needed()
    box = iframe.bounding_box()
    x, y = mf.evaluate(TO_SCREEN_JS, [lat, lon])
    return box["x"] + x, box["y"] + y


def test_the_largest_layers_arrive_as_vector_tiles_and_are_drawn(page, tiled_app, frame):
    tiles, urls = [], []
    page.on("response", lambda r: (tiles.append((r.status, r.headers.get("content-type"), r.headers.get("cache-control"))),
                                   urls.append(r.url)) if ".mvt" in r.url else None)
    page.goto(tiled_app)
    mf = map_frame(page)
    tiled = tiled_layers(frame)
    shown = drawn(frame)
    assert drawn_feature_ids(mf) == set(shown.index[~shown.layer.isin(tiled)])  # the rest stay vector
    state = grids(mf)
    # Schematic features in the plan-structure pane (it fades at street zoom), the rest over the vector layers.
    assert {g["pane"] for g in state} == {"planmap-tiles", "structure"}
    assert sum(g["features"] for g in state) == int(shown.layer.isin(tiled).sum())
    ids = {i for g in state for i in g["ids"]}
    assert ids <= set(shown.index[shown.layer.isin(tiled)]) and len(ids) > 300  # the districts' features, drawn
    assert sum(g["paths"] for g in state) >= len(ids)
    assert tiles and set(tiles) == {(200, MEDIA_TYPE, "public, max-age=31536000, immutable")}
    assert page.external_requests == [] and page.errors == []
    # Where nothing is, the tile is empty.
    far = re.sub(r"/\d+/\d+/\d+\.mvt$", "/11/0/0.mvt", urls[0])
    with urllib.request.urlopen(far, timeout=20) as r:
        assert r.status == 200 and r.headers["Content-Type"] == MEDIA_TYPE and r.read() == b""


# (layer, precision, radius) of the points the tile grids have drawn.
TILE_POINTS_JS = """() => { const out = [];
  map_div.eachLayer(l => { if (!(l.options && l.options.planmapFeatures)) return;
    Object.values(l._vectorTiles || {}).forEach(t => Object.values(t._features).forEach(f => {
      if (f.feature instanceof L.CircleMarker) out.push([f.feature.properties.layer, f.feature.properties.precision, f.feature.options.radius]); })); });
  return out; }"""


def test_tiled_points_shrink_at_district_zoom_as_vector_ones_do(page, tiled_app):
    from layers.style import POINT_RADIUS, POINT_SCALE

    # both districts at district zoom; 大渡口站 at street zoom
    for lat, lon, zoom, scale in ((29.5000, 106.5000, 11, dict(POINT_SCALE)[0]), (29.4845, 106.4743, 15, 1.0)):
        page.goto(f"{tiled_app}/?lat={lat}&lon={lon}&zoom={zoom}")
        mf = map_frame(page)
        grids(mf)
        stations = {r for layer, precision, r in mf.evaluate(TILE_POINTS_JS) if layer == "stations" and precision == "exact"}
        assert stations == {POINT_RADIUS["stations"] * scale}, (zoom, stations)


def test_hover_names_a_tiled_feature_and_a_click_selects_it(page, tiled_app, frame):
    fid = "yz-chaotianmen"  # an approximate project point (a soft disc), on tiles
    assert frame.loc[fid, "layer"] in tiled_layers(frame) and frame.loc[fid, "precision"] == "area"
    hover_and_click(page, tiled_app, frame, fid)


@pytest.fixture(scope="module")
def postgis_app():
    """The app reading PostGIS (every layer as tiles cut by ST_AsMVT)."""
    url = load_test_database(needs_test_database())
    proc, app = start_app(env={"PLANMAP_DATABASE_URL": url})
    yield app
    stop_app(proc)


def test_database_tiles_name_and_select_like_the_others(page, postgis_app, frame):
    hover_and_click(page, postgis_app, frame, "yz-chaotianmen")


def test_tiled_places_are_named_at_street_zoom(page, tiled_app, frame):
    names_at_street_zoom(page, tiled_app, frame, tiled_layers(frame))


def test_database_tiles_are_named_at_street_zoom(page, postgis_app, frame):
    names_at_street_zoom(page, postgis_app, frame, set(frame.layer))


def names_at_street_zoom(page, app: str, frame, tiled: set[str]) -> None:
    """Over 解放碑 at z16 the tiled points are named as vector ones are: located ones by
    name, approximate ones "≈ name", each once; a zoom out to 13 hides them, and the labels
    of the tiles left behind are dropped, not kept."""
    page.goto(f"{app}/?lat=29.5583&lon=106.5770&zoom=16")
    mf = map_frame(page)
    grids(mf)
    page.wait_for_timeout(800)
    shown = mf.evaluate("""() => Array.from(document.querySelectorAll('.planmap-label'))
        .filter(e => e.style.visibility === 'visible').map(e => [e.className, e.textContent])""")
    points = drawn(frame)[drawn(frame).layer.isin(tiled) & (drawn(frame).geom_type == "Point")]
    located = set(points.loc[points.precision.isin(["exact", "street"]), "name_zh"])
    approximate = {"≈" + n for n in points.loc[points.precision == "area", "name_zh"]}
    feature_labels = [text for cls, text in shown if {"feature", "approx"} & set(cls.split())]
    assert len(feature_labels) == len(set(feature_labels))  # a point in two tiles' buffers is named once
    # every label names a feature ("≈" marks an approximate one, " 等 N 处" a cluster of vector points)
    assert all(re.fullmatch(r"≈?(.+?)(?: 等\s\d+\s处)?", text)[1] in set(frame.name_zh) for text in feature_labels)
    assert set(feature_labels) & approximate and set(feature_labels) & located  # tiled ones among them
    before = mf.evaluate("() => window.planmapLabels.items.length")
    mf.evaluate("() => { map_div.setZoom(13, {animate: false}); }")
    page.wait_for_timeout(1500)
    assert not mf.evaluate("""() => Array.from(document.querySelectorAll('.planmap-label.approx'))
        .filter(e => e.style.visibility === 'visible').length""")
    assert mf.evaluate("() => window.planmapLabels.items.length") < before  # the z16 tiles' labels dropped
    assert page.errors == [] and page.external_requests == []


def hover_and_click(page, app: str, frame, fid: str) -> None:
    """Hovering *fid* on the tiles names it; a click selects it, and a later pan keeps it."""
    tiled_app = app
    lon, lat = frame.loc[fid, "geometry"].x, frame.loc[fid, "geometry"].y
    page.goto(f"{tiled_app}/?lat={lat}&lon={lon}&zoom=17")
    mf = map_frame(page)
    assert fid in {i for g in grids(mf) for i in g["ids"]}
    x, y = screen_point(page, mf, lat, lon)
    page.mouse.move(x + 3, y + 2)  # within the disc, not dead centre
    tooltip = mf.locator(".leaflet-tooltip")
    tooltip.wait_for(timeout=10000)
    assert tooltip.inner_text() == frame.loc[fid, "name_zh"] + t("zh", "map.uncertainty")["approx"]
    page.mouse.click(x + 3, y + 2)
    page.wait_for_url(f"**sel={fid}**", timeout=20000)
    page.get_by_text(frame.loc[fid, "name_zh"]).first.wait_for()  # the details panel
    # A pan afterwards reports the same click again: it must not select anew, nor drop the selection.
    mf = map_frame(page)
    mf.evaluate("() => { map_div.panBy([0, 120], {animate: false}); }")  # return nothing: the map object is not serialisable
    page.wait_for_url(lambda u: f"sel={fid}" in u and f"lat={lat:.5f}" not in u, timeout=20000)
    page.wait_for_timeout(1500)
    assert f"sel={fid}" in page.url and page.errors == [] and page.external_requests == []


@pytest.mark.parametrize("path, code", [("/api/data/" + "0" * 24 + "/11/1650/854.mvt", 404),
                                        ("/api/data/" + "0" * 24 + "/3/9/0.mvt", 400)])
def test_tile_route_answers_bad_requests_with_a_reason(tiled_app, path, code):
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(tiled_app + path, timeout=20)
    assert err.value.code == code and err.value.read()
