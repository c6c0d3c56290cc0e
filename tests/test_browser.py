"""End to end in headless Chromium: the page a person sees, with the network cut off.

The `page` fixture aborts every request that leaves the machine and records it, so
each test here also proves the map works with no internet.
"""
from __future__ import annotations

import json
from urllib.parse import parse_qs, quote, urlsplit

from conftest import drawn_feature_ids, map_frame
from shapely.geometry import shape

from geo.filters import Filters, apply
from layers.map import drawn


def open_app(page, app_url: str, query: str = ""):
    page.goto(f"{app_url}/{query}")
    return map_frame(page)


def test_default_view_draws_every_feature_offline(page, app_url, frame):
    mf = open_app(page, app_url)
    assert drawn_feature_ids(mf) == set(drawn(frame).index)  # all but those known only to their district
    assert page.external_requests == []
    assert page.errors == []


def test_filter_draws_exactly_the_filtered_features(page, app_url, frame):
    mf = open_app(page, app_url, f"?district={quote('渝中区')}&layer=projects")
    shown = apply(frame, Filters(districts=("渝中区",), layers=("projects",)))
    page.wait_for_timeout(500)
    assert drawn_feature_ids(mf) == set(drawn(shown).index)
    assert page.get_by_text(f"显示 {sum(shown.layer != 'districts')} /").is_visible()


def test_click_a_project_shows_its_quote(page, app_url, frame):
    mf = open_app(page, app_url, f"?district={quote('渝中区')}&layer=projects&zoom=15&lat=29.5572&lon=106.5769")
    projects = frame[(frame.layer == "projects") & (frame.district == "渝中区")
                     & (frame.geometry.geom_type == "Point") & frame.precision.isin(["exact", "street"])]
    target = projects.iloc[(projects.geometry.x - 106.5769).abs().argsort().iloc[0]]
    mf.wait_for_timeout(800)  # the map pans to the requested centre
    point = mf.evaluate("([lat, lon]) => { const p = map_div.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
                        [target.geometry.y, target.geometry.x])
    box = page.locator("iframe[title*='st_folium']").bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    quote_text = target["sources"][0]["quote"]
    page.get_by_text(quote_text, exact=False).first.wait_for(timeout=20000)
    assert f"sel={target['id']}" in page.url
    assert page.external_requests == []


def test_download_export_is_valid_rfc7946(page, app_url, frame):
    open_app(page, app_url, "?theme=ecology")
    want = apply(frame, Filters(themes=("ecology",)))
    want = want[want.layer != "districts"]
    with page.expect_download() as info:
        page.get_by_role("button", name="GeoJSON（WGS-84）").click()
    data = json.loads(open(info.value.path(), encoding="utf-8").read())
    assert data["type"] == "FeatureCollection" and "crs" not in data
    assert {f["id"] for f in data["features"]} == set(want.index)
    for f in data["features"]:
        p = f["properties"]
        assert "ecology" in p["themes"] and p["sources"] and p["location"]["precision"]
        x0, y0, x1, y1 = shape(f["geometry"]).bounds
        assert 105 < x0 <= x1 < 111 and 28 < y0 <= y1 < 33  # lon, lat order (RFC 7946)
    assert info.value.suggested_filename.endswith(".geojson")
    assert page.external_requests == []


def test_pan_and_zoom_are_kept_in_the_url(page, app_url):
    mf = open_app(page, app_url)
    mf.evaluate("() => { map_div.setView([29.48, 106.47], 14); }")
    page.wait_for_url("**zoom=14**", timeout=15000)
    params = parse_qs(urlsplit(page.url).query)
    # within half a pixel at z14 (~5 m): the map's centre falls between pixels on an odd-sized map
    assert abs(float(params["lat"][0]) - 29.48) < 1e-4 and abs(float(params["lon"][0]) - 106.47) < 1e-4
