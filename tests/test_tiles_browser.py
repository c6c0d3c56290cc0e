"""Layers drawn as image tiles, in headless Chromium (layers/raster.py).

The app runs on the bundled data with a vector budget of 100 features
(PLANMAP_VECTOR_BUDGET), so its largest layers are drawn as tiles as they would be at
×100: the tiles arrive and show the features, the remaining layers are still vector,
and a click on a tiled project selects it.
"""
from __future__ import annotations

import io
import urllib.error
import urllib.request

import numpy as np
import pytest
from conftest import drawn_feature_ids, map_frame, start_app, stop_app
from PIL import Image

from layers import payload
from layers.map import drawn

BUDGET = 100
RASTER_JS = """() => { let out = null;
  map_div.eachLayer(l => { if (l.options && l.options.planmapFeatures) out = l; });
  if (!out) return null;
  const imgs = [...out.getContainer().querySelectorAll('img.leaflet-tile-loaded')];
  return {features: out.options.planmapFeatures, pane: out.options.pane, loaded: !!out.planmapLoaded,
          tiles: imgs.map(i => i.src)}; }"""


@pytest.fixture(scope="module")
def tiled_app():
    proc, url = start_app(env={"PLANMAP_VECTOR_BUDGET": str(BUDGET)})
    yield url
    stop_app(proc)


def tiled_layers(frame) -> set[str]:
    return payload.raster_layers(drawn(frame).groupby("layer").size().to_dict(), BUDGET)


def raster_state(mf, timeout_ms: int = 30000) -> dict:
    """The tiled layer once its tiles in view have loaded."""
    mf.wait_for_function(f"() => {{ const s = ({RASTER_JS})(); return s && s.loaded; }}", timeout=timeout_ms)
    return mf.evaluate(RASTER_JS)


def test_the_largest_layers_arrive_as_tiles_that_show_them(page, tiled_app, frame):
    page.goto(tiled_app)
    mf = map_frame(page)
    tiled = tiled_layers(frame)
    shown = drawn(frame)
    assert drawn_feature_ids(mf) == set(shown.index[~shown.layer.isin(tiled)])  # the rest stay vector
    state = raster_state(mf)
    assert state["features"] == int(shown.layer.isin(tiled).sum()) and state["pane"] == "raster"
    assert state["tiles"]
    inked = 0
    for src in state["tiles"]:
        image = np.asarray(Image.open(io.BytesIO(urllib.request.urlopen(src, timeout=20).read())).convert("RGBA"))
        inked += int((image[..., 3] > 0).sum())
    assert inked > 2000  # the districts' features, drawn
    page.get_by_text("以图片绘制").first.wait_for()
    assert page.external_requests == [] and page.errors == []


def test_a_click_on_a_tiled_project_selects_it(page, tiled_app, frame):
    # An exact project point inside the (vector) district outline: the point must win.
    fid = "yz-jiefangbei"
    assert frame.loc[fid, "layer"] in tiled_layers(frame) and frame.loc[fid, "geometry"].geom_type == "Point"
    lon, lat = frame.loc[fid, "geometry"].x, frame.loc[fid, "geometry"].y
    page.goto(f"{tiled_app}/?lat={lat}&lon={lon}&zoom=18")
    mf = map_frame(page)
    raster_state(mf)
    x, y = mf.evaluate("([lat, lon]) => { const p = map_div.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
                       [lat, lon])
    # Whole map in view first: Chromium scrolls a partly hidden frame into view on
    # mousedown, and the click would land elsewhere on the map.
    iframe = page.locator("iframe[title*='st_folium']")
    iframe.scroll_into_view_if_needed()
    box = iframe.bounding_box()
    page.mouse.click(box["x"] + x + 2, box["y"] + y + 1)  # not dead centre: within the marker
    page.wait_for_url(f"**sel={fid}**", timeout=20000)
    page.get_by_text(frame.loc[fid, "name_zh"]).first.wait_for()
    # A pan afterwards reports the same click again: it must not pick anew.
    mf = map_frame(page)
    mf.evaluate("() => { map_div.panBy([0, 120], {animate: false}); }")  # return nothing: the map object is not serialisable
    page.wait_for_url(lambda u: f"sel={fid}" in u and f"lat={lat:.5f}" not in u, timeout=20000)
    page.wait_for_timeout(1500)
    assert f"sel={fid}" in page.url and page.errors == []


@pytest.mark.parametrize("path, code", [("/api/data/" + "0" * 24 + "/11/1650/854.png", 404),
                                        ("/api/data/" + "0" * 24 + "/3/9/0.png", 400)])
def test_tile_route_answers_bad_requests_with_a_reason(tiled_app, path, code):
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(tiled_app + path, timeout=20)
    assert err.value.code == code and err.value.read()
