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


@pytest.fixture(scope="module")
def dense(tmp_path_factory):
    data = make_data(tmp_path_factory.mktemp("x5") / "data", 5)
    ids = {f["properties"]["id"] for p in (data / "geojson").glob("*.geojson")
           for f in json.loads(p.read_text(encoding="utf-8"))["features"]}
    proc, url = start_app(env={"PLANMAP_DATA_DIR": str(data)}, timeout=120)
    yield url, ids
    stop_app(proc)


def test_dense_points_are_clustered_and_every_feature_is_on_the_map(page, dense):
    url, ids = dense
    page.goto(url)
    mf = map_frame(page, timeout_ms=90000)
    assert drawn_feature_ids(mf, timeout_ms=60000) == ids
    clusters = mf.evaluate("""() => { let n = 0, inside = 0;
      map_div.eachLayer(l => { if (l instanceof L.MarkerClusterGroup) { n += 1; inside += l.getLayers().length; } });
      return [n, inside]; }""")
    assert clusters[0] == 1 and clusters[1] > 2000
    mf.locator(".marker-cluster").first.wait_for(timeout=10000)  # drawn as cluster icons
    assert page.external_requests == [] and page.errors == []


def test_a_clustered_point_is_selected_by_a_click_once_zoomed_in(page, dense):
    url, _ = dense
    page.goto(url)
    mf = map_frame(page, timeout_ms=90000)
    drawn_feature_ids(mf, timeout_ms=60000)
    # Zoom in on one clustered point until it stands alone, then click where it is drawn.
    fid, lat, lon = mf.evaluate("""() => {
      let group; map_div.eachLayer(l => { if (l instanceof L.MarkerClusterGroup) group = l; });
      const m = group.getLayers().find(m => m.feature.properties.id.startsWith('yz-'));
      map_div.setView(m.getLatLng(), 18, {animate: false});
      return [m.feature.properties.id, m.getLatLng().lat, m.getLatLng().lng]; }""")
    mf.wait_for_timeout(1500)
    x, y = mf.evaluate("([lat, lon]) => { const p = map_div.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
                       [lat, lon])
    box = page.locator("iframe[title*='st_folium']").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_url(f"**sel={fid}**", timeout=20000)
    assert page.errors == []


def test_without_the_data_route_the_map_embeds_its_data(page, frame):
    proc, url = start_app(ROOT / "streamlit_app.py")
    try:
        page.goto(url)
        mf = map_frame(page)
        assert drawn_feature_ids(mf) == set(frame.index)
        fetched = mf.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)")
        assert not [u for u in fetched if "/api/data/" in u]
        assert page.external_requests == [] and page.errors == []
    finally:
        stop_app(proc)
