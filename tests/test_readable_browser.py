"""A map a resident can read, in headless Chromium with the network blocked (issue: fitted
views, decluttered street zoom, the list, 'near here', orientation, layout).

The `page` fixture refuses every request that leaves the machine; each test also checks
that none was tried.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import map_frame

from geo import reference

MAP_JS = """() => { const b = map_div.getBounds();
  return {zoom: map_div.getZoom(), south: b.getSouth(), west: b.getWest(), north: b.getNorth(), east: b.getEast(),
          width: map_div.getSize().x, height: map_div.getSize().y}; }"""
# What is drawn in view as separate symbols: feature layers (a cluster counts once), the
# plan-structure pane only while it is shown.  Ids of every drawn feature too.
SYMBOLS_JS = """() => { const b = map_div.getBounds(); const ids = []; let n = 0;
  map_div.eachLayer(l => {
    if (L.MarkerCluster && l instanceof L.MarkerCluster) { if (b.contains(l.getLatLng())) n++; return; }
    const p = l.feature && l.feature.properties;
    if (!p || !p.k) return;
    ids.push(p.id);
    if (p.k === 'structure' && !window.planmapStructureShown) return;
    if (l.getLatLng ? b.contains(l.getLatLng()) : b.intersects(l.getBounds())) n++;
  });
  return {symbols: n, ids: ids}; }"""

SHOWN_LABELS_JS = """() => Array.from(document.querySelectorAll('.planmap-label'))
    .filter(e => e.style.visibility === 'visible').map(e => [e.className, e.textContent, e.getBoundingClientRect().toJSON()])"""
CLUSTER_COUNTS_JS = """() => { const b = map_div.getBounds(), n = [];
  map_div.eachLayer(l => { if (L.MarkerCluster && l instanceof L.MarkerCluster && b.contains(l.getLatLng())) n.push(l.getChildCount()); });
  return n; }"""


def _apart(a: dict, b: dict) -> bool:
    return a["right"] <= b["left"] or b["right"] <= a["left"] or a["bottom"] <= b["top"] or b["bottom"] <= a["top"]


def assert_apart(boxes: list[dict]) -> None:
    for i, a in enumerate(boxes):  # no two labels shown over each other
        for b in boxes[i + 1:]:
            assert _apart(a, b), (a, b)


def query(page) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def settled(page, mf, timeout_ms: int = 20000) -> dict:
    """The map's view once it has stopped moving (a fit animates)."""
    last = None
    for _ in range(timeout_ms // 300):
        now = mf.evaluate(MAP_JS)
        if now == last:
            return now
        last = now
        page.wait_for_timeout(300)
    return last


def contains(view: dict, bounds) -> bool:
    west, south, east, north = bounds
    return view["west"] <= west and view["east"] >= east and view["south"] <= south and view["north"] >= north


@pytest.mark.parametrize("district", ["渝中区", "大渡口区"])
def test_a_district_filter_fits_the_map_to_the_district(page, app_url, district):
    page.goto(f"{app_url}/?district={district}")
    mf = map_frame(page)
    view = settled(page, mf)
    bounds = reference.district_shapes()[district].bounds
    assert contains(view, bounds)
    # fitted: the district fills most of the map one way or the other (not the two-district view)
    share = max((bounds[2] - bounds[0]) / (view["east"] - view["west"]),
                (bounds[3] - bounds[1]) / (view["north"] - view["south"]))
    assert share > 0.5, share
    assert view["zoom"] >= (13 if district == "渝中区" else 12)
    assert page.external_requests == []


def test_a_selection_link_zooms_to_the_feature_and_the_reset_control_fits_the_filter(page, app_url, frame):
    page.goto(f"{app_url}/?sel=yz-hongyadong")
    mf = map_frame(page)
    view = settled(page, mf)
    point = frame.loc["yz-hongyadong"].geometry
    assert view["zoom"] == 16  # a point is shown at street level, not at the last zoom
    assert abs((view["north"] + view["south"]) / 2 - point.y) < 0.001
    assert abs((view["east"] + view["west"]) / 2 - point.x) < 0.001
    mf.locator(".planmap-fit a").click()
    view = settled(page, mf)
    assert view["zoom"] <= 12 and contains(view, reference.district_shapes()["渝中区"].bounds)
    assert page.external_requests == []


def test_street_zoom_over_central_yuzhong_is_readable(page, app_url, frame):
    page.goto(f"{app_url}/?lat=29.5572&lon=106.5769&zoom=15")
    mf = map_frame(page)
    view = settled(page, mf)
    assert view["zoom"] == 15  # the link's own view is kept
    drawn = mf.evaluate(SYMBOLS_JS)
    assert 0 < drawn["symbols"] <= 60, drawn["symbols"]
    district_only = set(frame.index[(frame.precision == "district") & (frame.layer != "districts")])
    assert not district_only & set(drawn["ids"])
    assert mf.evaluate("() => window.planmapStructureShown") is False
    labels = mf.evaluate(SHOWN_LABELS_JS)
    names = {text for cls, text, _ in labels}
    assert {"解放碑步行街", "较场口"} <= names  # a project and a station
    assert_apart([box for _, _, box in labels])
    assert mf.locator(".leaflet-control-scale-line").first.inner_text().strip()
    assert page.external_requests == []


@pytest.mark.parametrize("lang, pattern", [("zh", r"^≈(?P<name>.+?)(?: 等\s(?P<n>\d+)\s处)?$"),
                                           ("en", r"^≈\s(?P<name>.+?)(?: and\s(?P<more>\d+)\smore)?$")])
def test_approximate_places_are_named_at_street_zoom(page, app_url, frame, lang, pattern):
    """Over 大渡口站 (where the plan's places are all approximate) and over 解放碑, soft discs
    and clusters are named ("≈ name", a cluster "≈ name and N more"): the names are those of
    approximate features, the counts those of the clusters, no label covers another or a
    cluster's count, and none is cut by the map's edge.  Below street zoom, none."""
    column = "name_zh" if lang == "zh" else "name_en"
    approximate = frame[frame["precision"] == "area"]
    names = set(approximate[column].dropna()) | set(approximate["name_zh"])  # no English name: the Chinese one
    clustered = wrapped = 0
    for lat, lon in ((29.48445, 106.47431), (29.5583, 106.5770)):
        page.goto(f"{app_url}/?lat={lat}&lon={lon}&zoom=15&lang={lang}")
        mf = map_frame(page)
        settled(page, mf)
        page.wait_for_timeout(500)  # the clusters' labels follow the clustering
        shown = mf.evaluate(SHOWN_LABELS_JS)
        approx = [(text, box) for cls, text, box in shown if "approx" in cls.split()]
        assert len(approx) >= 3, shown
        counts = mf.evaluate(CLUSTER_COUNTS_JS)
        for text, _ in approx:
            m = re.match(pattern, text)
            assert m and m["name"] in names, text
            n = m.groupdict().get("n") or (int(m["more"]) + 1 if m.groupdict().get("more") else None)
            if n:
                clustered += 1
                assert int(n) in counts, (text, counts)
        bubbles = mf.evaluate("() => Array.from(document.querySelectorAll('.planmap-cluster')).map(e => e.getBoundingClientRect().toJSON())")
        assert_apart([box for _, _, box in shown])
        assert_apart([box for _, box in approx] + bubbles)  # nor over a cluster's count
        edge = mf.evaluate("() => map_div.getContainer().getBoundingClientRect().toJSON()")
        assert all(edge["left"] <= b["left"] and b["right"] <= edge["right"] for _, _, b in shown)
        controls = mf.evaluate("() => Array.from(document.querySelectorAll('.leaflet-control')).map(e => e.getBoundingClientRect().toJSON())")
        assert all(_apart(b, c) for _, _, b in shown for c in controls)  # nor under the zoom buttons or the legend
        # A long name wraps at 10 em (12 px type), as web maps' labels do, instead of running across its neighbours.
        assert all(box["width"] <= 121 for _, box in approx)
        wrapped += sum(box["height"] > 20 for _, box in approx)
    assert clustered >= 1  # clusters are named too
    assert wrapped >= 1
    mf.evaluate("() => { map_div.setZoom(13, {animate: false}); }")
    settled(page, mf)
    page.wait_for_timeout(500)
    assert not [t for cls, t, _ in mf.evaluate(SHOWN_LABELS_JS) if "approx" in cls.split()]  # street zoom only
    assert page.external_requests == []


VISIBLE_TEXTS_JS = """() => window.planmapLabels.items.filter(i => i.el.style.visibility === 'visible')
    .map(i => i.el.textContent).sort()"""
# Every label made anew, in the reverse of the order they arrived in (as if the layers' data
# and the tiles had come back the other way round), then placed.
READD_REVERSED_JS = """() => { const L = window.planmapLabels, old = L.items.slice();
  old.slice().reverse().forEach(i => L.add(i.marker.getLatLng(), i.el.textContent,
      i.el.className.replace('planmap-label', '').trim(), {priority: i.priority, minZoom: i.minZoom, layer: i.layer, ord: i.ord}));
  L.drop(old.map(i => i.marker));
  L.update(); }"""


@pytest.mark.parametrize("lat, lon, zoom", [(29.5583, 106.5770, 16), (29.48445, 106.47431, 15)])
def test_the_names_shown_do_not_depend_on_what_arrived_first(page, app_url, lat, lon, zoom):
    """Where names collide, which one is shown is decided by the labels themselves (priority,
    layer, the plan's order, text), not by whether a layer's data or a tile came back first:
    a reload names the same places."""
    page.goto(f"{app_url}/?lat={lat}&lon={lon}&zoom={zoom}")
    mf = map_frame(page)
    settled(page, mf)
    page.wait_for_timeout(500)
    shown = mf.evaluate(VISIBLE_TEXTS_JS)
    hidden = mf.evaluate("() => window.planmapLabels.items.filter(i => i.el.style.visibility === 'hidden').length")
    assert len(shown) >= 5 and hidden >= 5  # names in view, some giving way to others
    mf.evaluate(READD_REVERSED_JS)
    assert mf.evaluate(VISIBLE_TEXTS_JS) == shown
    assert page.external_requests == []


def test_on_a_phone_no_label_hides_under_the_map_s_controls(page, app_url, chromium):
    """On a phone-sized map the zoom buttons and the legend take a good share of it: names
    are placed around them, not under them."""
    phone = chromium.new_context(viewport={"width": 390, "height": 844}).new_page()
    try:
        phone.goto(f"{app_url}/?lat=29.5583&lon=106.5770&zoom=16")
        mf = map_frame(phone)
        settled(phone, mf)
        phone.wait_for_timeout(500)
        shown = mf.evaluate(SHOWN_LABELS_JS)
        assert len([t for cls, t, _ in shown if "approx" in cls.split()]) >= 2, shown
        controls = mf.evaluate("() => Array.from(document.querySelectorAll('.leaflet-control')).map(e => e.getBoundingClientRect().toJSON())")
        under = [t for _, t, b in shown if not all(_apart(b, c) for c in controls)]
        assert under == []
    finally:
        phone.context.close()


# The radius of every plan point on the map, by feature id: (drawn, its own).
RADII_JS = """() => { const out = {};
  map_div.eachLayer(l => { const p = l.feature && l.feature.properties;
    if (p && p.id && l.getRadius && l.options.planmapRadius) out[p.id] = [l.getRadius(), l.options.planmapRadius]; });
  return out; }"""


def test_point_symbols_shrink_at_district_zoom(page, app_url, frame):
    """At district zoom the stations and located projects are drawn smaller (POINT_SCALE),
    so that the districts and cluster counts show through; from zoom 14 at full size."""
    from layers.style import POINT_RADIUS, POINT_SCALE

    page.goto(f"{app_url}/?lat=29.5000&lon=106.5000&zoom=11")
    mf = map_frame(page)
    settled(page, mf)
    factor = dict(POINT_SCALE)
    radii = mf.evaluate(RADII_JS)
    stations = [fid for fid in radii if frame.loc[fid, "layer"] == "stations" and frame.loc[fid, "precision"] == "exact"]
    assert len(stations) >= 20
    assert all(radii[fid] == [POINT_RADIUS["stations"] * factor[0], POINT_RADIUS["stations"]] for fid in stations)
    mf.evaluate("() => { map_div.setView([29.5572, 106.5769], 14, {animate: false}); }")
    settled(page, mf)
    page.wait_for_timeout(300)
    radii = mf.evaluate(RADII_JS)
    assert radii and all(drawn == own for drawn, own in radii.values())  # clusters let go of some: those too
    assert page.external_requests == []


def test_orientation_labels_at_district_zoom_and_badges_for_district_wide_items(page, app_url, frame):
    page.goto(f"{app_url}/?lang=en")
    mf = map_frame(page)
    settled(page, mf)
    shown = mf.evaluate("""() => Array.from(document.querySelectorAll('.planmap-label'))
        .filter(e => e.style.visibility === 'visible').map(e => e.textContent)""")
    assert {"Yuzhong", "Dadukou", "Yangtze"} <= set(shown)
    badges = mf.evaluate("() => Array.from(document.querySelectorAll('.planmap-badge')).map(e => e.textContent)")
    n = int(((frame.precision == "district") & (frame.layer != "districts") & (frame.district == "渝中区")).sum())
    assert f"Yuzhong: {n} district-wide items" in badges
    # Each badge where its district has room: over no district name nor cluster count.
    boxes = """sel => Array.from(document.querySelectorAll(sel))
        .filter(e => e.style.visibility !== 'hidden').map(e => e.getBoundingClientRect().toJSON())"""
    others = mf.evaluate(boxes, ".planmap-label.district, .planmap-cluster")
    for badge in mf.evaluate(boxes, ".planmap-badge"):
        assert all(_apart(badge, other) for other in others), badge
    badge = mf.locator(".planmap-badge", has_text="Yuzhong")
    badge.click()
    scope = page.get_by_role("radio", name="District-wide (no place)")
    for _ in range(75):
        if scope.is_checked():
            break
        page.wait_for_timeout(200)
    assert scope.is_checked()  # the list now names the district-wide items
    assert page.external_requests == []


def test_list_and_map_stay_in_step(page, app_url, frame):
    page.goto(f"{app_url}/?district=渝中区&layer=stations")
    map_frame(page)
    grid = page.locator("[class*='st-key-feature_list'] [data-testid='stDataFrame']").first
    grid.wait_for(timeout=20000)
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    box = grid.bounding_box()
    # the first row's selection box: just inside the left edge, under the header row
    page.mouse.click(box["x"] + 12, box["y"] + 35 + 17)
    for _ in range(100):
        if "sel" in query(page):
            break
        page.wait_for_timeout(200)
    fid = query(page)["sel"]
    assert frame.loc[fid, "district"] == "渝中区" and frame.loc[fid, "layer"] == "stations"
    view = settled(page, map_frame(page))
    point = frame.loc[fid].geometry.representative_point()
    if frame.loc[fid, "precision"] != "district":
        assert view["south"] <= point.y <= view["north"] and view["west"] <= point.x <= view["east"]
        assert view["zoom"] >= 14
    page.locator(f"[class*='st-key-feature_list_{fid}']").wait_for(timeout=15000)  # the list redrawn for it
    assert page.external_requests == []


def test_a_click_on_an_empty_spot_lists_what_is_near_it(page, app_url):
    page.goto(f"{app_url}/?lat=29.5572&lon=106.5769&zoom=15")
    mf = map_frame(page)
    settled(page, mf)
    frame_box = page.locator("iframe[title*='st_folium']").bounding_box()
    # an empty spot: over the river south of 解放碑, then check the list around the clicked point
    x, y = mf.evaluate("() => { const p = map_div.latLngToContainerPoint([29.5500, 106.5800]); return [p.x, p.y]; }")
    page.mouse.click(frame_box["x"] + x, frame_box["y"] + y)
    page.wait_for_url(re.compile(r"near="), timeout=20000)
    lat, lon = map(float, query(page)["near"].split(","))
    assert abs(lat - 29.55) < 0.0005 and abs(lon - 106.58) < 0.0005
    page.get_by_text("附近的规划（500 米内）").wait_for(timeout=20000)
    circles = mf.evaluate("() => { let r = []; map_div.eachLayer(l => { if (l instanceof L.Circle) r.push(l.getRadius()); }); return r; }")
    assert 500 in circles
    assert page.external_requests == []


def test_the_near_link_names_the_jiefangbei_items(page, app_url, frame):
    page.goto(f"{app_url}/?near=29.5572,106.5769&r=500")
    map_frame(page)
    for fid in ("yz-jiefangbei", "yz-jiefangbei-pedestrian-street"):
        page.locator(f".st-key-near_{fid} button").wait_for(timeout=20000)
        assert frame.loc[fid, "name_zh"] in page.locator(f".st-key-near_{fid} button").inner_text()
    assert page.external_requests == []


@pytest.mark.parametrize("lang, placeholders", [("zh", ["行政区：全部", "规划期：全部", "主题：全部"]),
                                                ("en", ["District: all", "Plan period: all", "Theme: all"])])
def test_every_widget_speaks_the_chosen_language(page, app_url, lang, placeholders):
    page.goto(f"{app_url}/?lang={lang}")
    map_frame(page)
    main = page.locator("[data-testid='stMain']")
    shown = main.locator("input[placeholder]").evaluate_all("els => els.map(e => e.placeholder)")
    for placeholder in placeholders:
        assert placeholder in shown
    page.get_by_text("更多筛选" if lang == "zh" else "More filters").click()  # the folded filters too
    page.wait_for_timeout(500)
    shown = main.locator("input[placeholder]").evaluate_all("els => els.map(e => e.placeholder)")
    assert ("图层：全部" if lang == "zh" else "Layer: all") in shown
    text = main.inner_text() + " ".join(shown)
    assert "Choose options" not in text and "Choose an option" not in text
    assert page.external_requests == []


def test_the_map_is_the_hero_on_a_desktop_and_first_on_a_phone(page, app_url, chromium):
    page.goto(app_url)
    map_frame(page)
    frame_box = page.locator("iframe[title*='st_folium']").bounding_box()
    assert frame_box["width"] >= 0.6 * 1400
    assert frame_box["y"] + frame_box["height"] <= 1000 + 1  # fits the window's height
    phone = chromium.new_context(viewport={"width": 390, "height": 844}).new_page()
    try:
        phone.goto(app_url)
        map_frame(phone)
        iframe = phone.locator("iframe[title*='st_folium']").bounding_box()
        search = phone.locator(".st-key-w_query input").bounding_box()
        hint = phone.get_by_text("点击地图上的要素或搜索结果").bounding_box()
        assert iframe["y"] < search["y"] and iframe["y"] < hint["y"]  # the map first, the details below
        assert iframe["y"] < 844 / 2 and iframe["width"] >= 300
    finally:
        phone.context.close()
    assert page.external_requests == []


def test_a_language_switch_rebuilds_the_map_where_it_was(page, app_url):
    """The map is rebuilt in the other language at the view the person had, not refitted."""
    page.goto(f"{app_url}/?lat=29.5572&lon=106.5769&zoom=15")
    mf = map_frame(page)
    mf.evaluate("() => { map_div.setView([29.5600, 106.5700], 16, {animate: false}); }")
    page.wait_for_url("**zoom=16**", timeout=15000)
    page.locator(".st-key-w_lang").click()
    page.get_by_role("option", name="English").click()
    page.get_by_text("features shown").wait_for(timeout=20000)
    view = None
    for _ in range(60):  # the new map frame, labelled in English, once it has settled
        try:
            mf = next(f for f in reversed(page.frames) if "st_folium" in f.url)
            if mf.evaluate("() => !!window.map_div && document.body.innerText.includes('Legend')"):
                view = settled(page, mf)
                break
        except Exception:  # noqa: BLE001 - the old frame is going away
            pass
        page.wait_for_timeout(300)
    assert view["zoom"] == 16
    assert abs((view["north"] + view["south"]) / 2 - 29.56) < 0.0005
    assert abs((view["east"] + view["west"]) / 2 - 106.57) < 0.0005
    assert page.external_requests == []
