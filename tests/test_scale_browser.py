"""The map in headless Chromium beyond the bundled data, and without serve.py's routes.

- Dense data (bench/synthetic.py, the bundled features ×5): the projects' ~3,000 points
  are clustered (layers/payload.py, layers/remote.py); every feature is still on the
  map, and a click on a point once zoomed in still selects it.
- A plain ``streamlit run streamlit_app.py`` (no data route): the data is embedded in
  the map as before and every feature is drawn.
"""
from __future__ import annotations

import json

import pytest
from conftest import ROOT, drawn_feature_ids, map_frame, start_app, stop_app

from bench.synthetic import make_data
from layers.map import drawn


@pytest.fixture(scope="module")
def dense(tmp_path_factory):
    data = make_data(tmp_path_factory.mktemp("x5") / "data", 5)
    # the features with a symbol: all but those known only to their district
    ids = {f["properties"]["id"] for p in (data / "geojson").glob("*.geojson")
           for f in json.loads(p.read_text(encoding="utf-8"))["features"]
           if f["properties"]["layer"] == "districts" or f["properties"]["location"]["precision"] != "district"}
    proc, url = start_app(env={"PLANMAP_DATA_DIR": str(data)}, timeout=120)
    yield url, ids, data
    stop_app(proc)


def test_dense_points_are_clustered_and_every_feature_is_on_the_map(page, dense):
    url, ids, data = dense
    page.goto(url)
    mf = map_frame(page, timeout_ms=90000)
    assert drawn_feature_ids(mf, timeout_ms=60000) == ids
    sizes = mf.evaluate("""() => { const n = [];
      map_div.eachLayer(l => { if (l instanceof L.MarkerClusterGroup) n.push(l.getLayers().length); });
      return n; }""")
    approx_points = sum(1 for p in (data / "geojson").glob("*.geojson")
                        for f in json.loads(p.read_text(encoding="utf-8"))["features"]
                        if f["geometry"]["type"] == "Point" and f["properties"]["location"]["precision"] == "area")
    assert sum(sizes) >= approx_points > 1000  # every approximate point is clustered
    mf.locator(".planmap-cluster").first.wait_for(timeout=10000)  # drawn as cluster icons
    assert page.external_requests == [] and page.errors == []


def test_a_clustered_point_is_selected_by_a_click_once_zoomed_in(page, dense):
    url, _, _ = dense
    page.goto(url)
    mf = map_frame(page, timeout_ms=90000)
    drawn_feature_ids(mf, timeout_ms=60000)
    # Open the cluster of a point as a person would (zoomed in, and fanned out where several
    # share its place), then click where it is drawn: a point that no cluster icon covers there.
    for n in range(20):
        fid = mf.evaluate("""(n) => new Promise(done => {
          let group; map_div.eachLayer(l => { if (l instanceof L.MarkerClusterGroup && !group) group = l; });
          const m = window.target = group.getLayers().filter(m => m.feature.properties.id.startsWith('yz-'))[n];
          group.zoomToShowLayer(m, () => setTimeout(() => done(m.feature.properties.id), 800));
        })""", n)
        mf.wait_for_timeout(1500)
        x, y, clear = mf.evaluate("""() => { const p = map_div.latLngToContainerPoint(target.getLatLng());
          const under = document.elementFromPoint(p.x, p.y);
          return [p.x, p.y, !!target._map && under && under.tagName === 'CANVAS']; }""")
        if clear:
            break
    assert clear, "no clustered point could be shown on its own"
    iframe = page.locator("iframe[title*='st_folium']")
    iframe.scroll_into_view_if_needed()
    box = iframe.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_url(f"**sel={fid}**", timeout=20000)
    assert page.errors == []


def test_without_the_data_route_the_map_embeds_its_data(page, frame):
    proc, url = start_app(ROOT / "streamlit_app.py")
    try:
        page.goto(url)
        mf = map_frame(page)
        assert drawn_feature_ids(mf) == set(drawn(frame).index)
        fetched = mf.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)")
        assert not [u for u in fetched if "/api/data/" in u]
        assert page.external_requests == [] and page.errors == []
    finally:
        stop_app(proc)
