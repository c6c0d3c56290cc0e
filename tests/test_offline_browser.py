"""With the offline basemap, a whole session sends nothing off the machine (headless Chromium).

One visitor's session, driven through the page: load, filter in the filter bar, click a
feature on the map, search and open a result, download the export.  The `page`
fixture aborts and records every request that is not to the app on loopback; the test
also watches every request and websocket the page opens, in every frame.
"""
from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

from conftest import map_frame

LOOPBACK = re.compile(r"^(https?|wss?)://(127\.0\.0\.1|localhost)(:\d+)?/|^(data|blob|about):")


def sel(page) -> str | None:
    return parse_qs(urlsplit(page.url).query).get("sel", [None])[0]


def wait_for_selection(page, old: str | None = None, timeout_s: float = 20) -> str:
    for _ in range(int(timeout_s * 5)):
        if sel(page) not in (None, old):
            return sel(page)
        page.wait_for_timeout(200)
    raise AssertionError("no feature was selected")


def wait_until_idle(page) -> None:
    """Until the page has settled: the map reports its new view a moment after a selection
    (a fragment rerun), and a click on a button that is being redrawn can be lost."""
    status = page.locator("[data-testid='stStatusWidget']")
    for _ in range(2):
        status.wait_for(state="hidden", timeout=30000)
        page.wait_for_timeout(1500)


def test_full_session_stays_on_the_machine(page, app_url, frame):
    requests, sockets = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("websocket", lambda ws: sockets.append(ws.url))

    # Load.
    page.goto(app_url)
    mf = map_frame(page)
    assert mf.evaluate("() => Object.values(map_div._layers).filter(l => l._url).length") == 0, "a tile layer"

    # Filter: districts → 渝中区, in the filter bar.
    page.locator(".st-key-w_districts [data-testid='stMultiSelect']").first.click()
    page.get_by_role("option", name="渝中区").click()
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(r"district="), timeout=15000)
    mf = map_frame(page)

    # Click a feature: zoom to a precisely placed point (approximate ones cluster) and click it where it is drawn.
    points = frame[(frame.district == "渝中区") & frame.precision.isin(["exact", "street"])
                   & (frame.geometry.geom_type == "Point")]
    target = points.sort_index().iloc[0].geometry
    mf.evaluate("([lat, lon]) => { map_div.setView([lat, lon], 17, {animate: false}); }", [target.y, target.x])
    page.wait_for_timeout(1000)
    x, y = mf.evaluate("([lat, lon]) => { const p = map_div.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
                       [target.y, target.x])
    box = page.locator("iframe[title*='st_folium']").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    clicked = wait_for_selection(page)
    assert frame.loc[clicked, "district"] == "渝中区"
    page.get_by_text(frame.loc[clicked, "sources"][0]["quote"], exact=False).first.wait_for(timeout=20000)

    # Search, then open the first result.
    box = page.locator(".st-key-w_query input[type='text']").first
    box.fill("解放碑")
    box.press("Enter")
    page.wait_for_url(re.compile(r"q="), timeout=15000)
    result = page.locator("[data-testid='stButton'] button", has_text="解放碑").first
    result.click()
    found = wait_for_selection(page, old=clicked)
    assert "解放碑" in frame.loc[found, "name_zh"]
    page.get_by_text(frame.loc[found, "sources"][0]["quote"], exact=False).first.wait_for(timeout=20000)
    wait_until_idle(page)

    # Export what is shown.
    with page.expect_download(timeout=60000) as info:
        page.get_by_role("button", name="GeoJSON（WGS-84）").click()
    exported = json.loads(open(info.value.path(), encoding="utf-8").read())
    assert exported["features"] and all(f["properties"]["district"] == "渝中区" for f in exported["features"])

    assert page.external_requests == []
    assert requests and sockets
    assert [u for u in requests + sockets if not LOOPBACK.match(u)] == []
