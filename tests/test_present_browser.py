"""Presenter mode end to end in headless Chromium, with every request leaving the machine refused.

- the presentation view (views/present.py, run by a two-line app exactly as streamlit_app.py
  calls it) stepped through a tour by keyboard: each stop's title, drawn features and URL;
- the whole-map handout of `python -m geo handout` opened from file://;
- the tour handout downloaded from the view, opened from file:// and stepped by keyboard;
- the PNG downloaded from the view: the stop's picture.
"""
from __future__ import annotations

import io
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT, drawn_feature_ids, start_app, stop_app
from geo.tours import load_tours, visible_ids
from layers.map import drawn
from layers.snapshot import SIZE, stop_snapshot_png

APP = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
import streamlit as st
from geo.features import load_layers
from geo.plans import load_corpus
from geo.vocab import load_vocabulary
from views.present import present_view

st.set_page_config(page_title="present", layout="wide")


@st.cache_resource
def data():
    return load_layers(), load_vocabulary(), load_corpus()


present_view(*data())
"""

# Drawn feature ids of a handout map (the whole map has no planMap: find its L.Map global).
HANDOUT_IDS_JS = """() => {
  const m = window.planMap || Object.values(window).find(v => v instanceof L.Map);
  const ids = new Set();
  const add = l => { const p = l.feature && l.feature.properties; if (p && p.id && p.tooltip !== undefined) ids.add(p.id); };
  m.eachLayer(l => { add(l); if (L.MarkerClusterGroup && l instanceof L.MarkerClusterGroup) l.getLayers().forEach(add); });
  return Array.from(ids);
}"""


@pytest.fixture(scope="module")
def present_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("present_app")
    (folder / "static").symlink_to(ROOT / "static")  # Streamlit serves static/ from beside the script
    (folder / "present_app.py").write_text(APP, encoding="utf-8")
    proc, url = start_app(folder / "present_app.py")
    yield url
    stop_app(proc)


@pytest.fixture(scope="module")
def tours(frame, vocab, corpus):
    return load_tours(frame, vocab, corpus)


def present_state(pg) -> tuple[str, str, set[str] | None]:
    """(stop title, URL, ids drawn in the newest map frame) — any of them may be mid-update."""
    try:
        title = pg.locator("#present-title").inner_text(timeout=1000)
    except Exception:
        title = ""
    ids = None
    for frame in reversed([f for f in pg.frames if "st_folium" in f.url]):
        try:
            ids = drawn_feature_ids(frame)
            break
        except Exception:  # a frame being replaced
            continue
    return title, pg.url, ids


def wait_for_stop(pg, tour, number: int, frame, timeout: float = 40) -> None:
    stop = tour.stops[number - 1]
    expected = set(visible_ids(stop, frame)) & set(drawn(frame).index)  # district-only features have no symbol
    deadline = time.time() + timeout
    while time.time() < deadline:
        title, url, ids = present_state(pg)
        if title == stop.label("zh") and url.endswith(f"stop={number}") and ids == expected:
            return
        pg.wait_for_timeout(200)
    raise AssertionError(f"stop {number} of {tour.id}: title {title!r} (want {stop.label('zh')!r}), url {url}, "
                         f"{len(ids or ())} features drawn (want {len(expected)}), missing {sorted(expected - (ids or set()))[:5]}")


def offline_file(pg, path) -> None:
    """Open a local file while the page fixture keeps refusing everything else."""
    url = path.as_uri()
    pg.route(url, lambda route: route.continue_())
    pg.goto(url)


def test_step_through_a_tour_by_keyboard(page, present_url, tours, frame):
    tour = tours["yuzhong-layout"]
    page.goto(f"{present_url}/?tour={tour.id}&stop=1")
    wait_for_stop(page, tour, 1, frame)
    keys = ["ArrowRight", "Space", "PageDown"]
    for number in range(2, len(tour.stops) + 1):
        page.keyboard.press(keys[number % len(keys)])
        wait_for_stop(page, tour, number, frame)
    last = len(tour.stops)
    page.keyboard.press("ArrowRight")  # past the end: stays
    page.wait_for_timeout(1000)
    wait_for_stop(page, tour, last, frame, timeout=5)
    page.keyboard.press("ArrowLeft")
    wait_for_stop(page, tour, last - 1, frame)
    page.keyboard.press("PageUp")
    wait_for_stop(page, tour, last - 2, frame)
    # After a click on the map the keys still step (the map's frame hands them over).
    map_frame = next(f for f in reversed(page.frames) if "st_folium" in f.url)
    map_frame.click("#map_div", position={"x": 60, "y": 300})
    page.keyboard.press("ArrowLeft")
    wait_for_stop(page, tour, last - 3, frame)
    page.get_by_role("button", name="下一站").first.click()
    wait_for_stop(page, tour, last - 2, frame)
    assert page.external_requests == [] and page.errors == []


# The panes' stacking (z-index) of the features drawn and of the basemap's filled districts.
PANE_ORDER_JS = """() => { const z = l => +getComputedStyle(map_div.getPane(l.options.pane || 'overlayPane')).zIndex;
  const features = [], fills = [];
  map_div.eachLayer(l => { const p = l.feature && l.feature.properties;
    if (p && p.k) features.push([p.id, z(l)]);
    else if (l.options && l.options.fill !== false && l.options.fillOpacity === 1 && l.getBounds) fills.push(z(l)); });
  return {features, fills}; }"""


def test_a_stop_s_features_are_drawn_over_the_basemap(page, present_url, tours, frame):
    """The first stop of Dadukou's tour is its plan structure (北优、南拓，东联、西畅): drawn in the
    structure pane, which must lie over the basemap's filled districts, not under them."""
    tour = tours["dadukou-layout"]
    page.goto(f"{present_url}/?tour={tour.id}&stop=1")
    wait_for_stop(page, tour, 1, frame)
    mf = next(f for f in reversed(page.frames) if "st_folium" in f.url)
    order = mf.evaluate(PANE_ORDER_JS)
    assert order["features"] and order["fills"]
    assert {fid for fid, _ in order["features"]} >= {"ddk-axis-north-optimize", "ddk-axis-south-expand"}
    assert max(order["fills"]) < min(z for _, z in order["features"]), order
    assert page.external_requests == [] and page.errors == []


# Which of *ids* have their point (a line's or an area's centre) under the open legend.
UNDER_LEGEND_JS = """ids => { const c = map_div.getContainer(), legend = c.querySelector('.plan-legend details[open]');
  if (!legend) return null;
  const lg = legend.getBoundingClientRect(), box = c.getBoundingClientRect(), under = [];
  map_div.eachLayer(l => { const p = l.feature && l.feature.properties;
    if (!p || !ids.includes(p.id)) return;
    const at = map_div.latLngToContainerPoint(l.getLatLng ? l.getLatLng() : l.getBounds().getCenter());
    const x = box.left + at.x, y = box.top + at.y;
    if (x >= lg.left && x <= lg.right && y >= lg.top && y <= lg.bottom) under.push(p.id); });
  return under; }"""


# (the stops that had features under the legend when framed on the whole map, and one that had not)
@pytest.mark.parametrize("tour_id, number", [("yuzhong-layout", 6), ("yuzhong-layout", 7), ("yuzhong-layout", 8),
                                             ("dadukou-layout", 1), ("dadukou-layout", 3), ("dadukou-layout", 6)])
def test_a_stop_is_framed_clear_of_its_open_legend(page, present_url, tours, frame, tour_id, number):
    """The stop's legend is open over the map's bottom left; the stop is framed beside or
    above it, so that none of the stop's own features lies under it (context layers may)."""
    tour = tours[tour_id]
    page.goto(f"{present_url}/?tour={tour.id}&stop={number}")
    wait_for_stop(page, tour, number, frame)
    mf = next(f for f in reversed(page.frames) if "st_folium" in f.url)
    page.wait_for_timeout(1000)  # the legend's styles arrive, and the map is framed again
    own = [fid for fid in tour.stops[number - 1].features if fid in set(drawn(frame).index)]
    assert own and mf.evaluate(UNDER_LEGEND_JS, own) == []
    assert page.external_requests == [] and page.errors == []


def test_every_stop_has_its_own_link(page, present_url, tours, frame):
    tour = tours["dadukou-layout"]
    page.goto(f"{present_url}/?tour={tour.id}&stop=4")
    wait_for_stop(page, tour, 4, frame)
    page.goto(f"{present_url}/?tour={tour.id}&stop=99")  # a hand-edited link: the last stop, URL corrected
    wait_for_stop(page, tour, len(tour.stops), frame)
    page.goto(f"{present_url}/?tour=no-such-tour")
    for other in tours.values():
        page.get_by_role("button", name=other.label("zh"), exact=False).wait_for()
    page.get_by_role("button", name=tours["periods"].label("zh"), exact=False).click()
    wait_for_stop(page, tours["periods"], 1, frame)
    assert page.external_requests == [] and page.errors == []


def test_whole_map_handout_from_the_command_line_draws_offline(page, tmp_path, frame):
    out = tmp_path / "map.html"
    run = subprocess.run([sys.executable, "-m", "geo", "handout", "--out", str(out)], cwd=ROOT,
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    offline_file(page, out)
    page.wait_for_function("() => window.L && Object.values(window).some(v => v instanceof L.Map)")
    assert set(page.evaluate(HANDOUT_IDS_JS)) == set(drawn(frame).index)
    pixels = np.asarray(Image.open(io.BytesIO(page.screenshot())).convert("RGB")).astype(int)
    river = np.abs(pixels - [0x7f, 0xb2, 0xe5]).sum(axis=2) < 40
    assert river.sum() > 1000 and pixels.std() > 20, "basemap and features painted"
    assert page.external_requests == [] and page.errors == []


def test_tour_handout_downloaded_from_the_view_steps_offline(page, present_url, tours, frame, tmp_path):
    tour = tours["dadukou-layout"]
    page.goto(f"{present_url}/?tour={tour.id}&stop=2")
    wait_for_stop(page, tour, 2, frame)
    with page.expect_download(timeout=60000) as info:
        page.get_by_role("button", name="导览讲义 HTML").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name == f"{tour.id}.html"
    offline_file(page, path)

    def shown() -> tuple[str, set[str], str]:
        return (page.inner_text("#tour-stop-title"), set(page.evaluate(HANDOUT_IDS_JS)),
                page.evaluate("location.hash"))

    for number, key in ((1, None), (2, "ArrowRight"), (3, "Space"), (4, "PageDown"), (3, "ArrowLeft")):
        if key:
            page.keyboard.press(key)
        stop = tour.stops[number - 1]
        title, ids, where = shown()
        want = set(visible_ids(stop, frame)) & set(drawn(frame).index)
        assert (title, where) == (stop.label("zh"), f"#stop={number}")
        assert ids == want, (sorted(ids - want), sorted(want - ids))
    page.click("#tour-next")
    assert shown()[0] == tour.stops[3].label("zh")
    page.goto(path.as_uri() + "#stop=6")  # same document: the handout follows its address
    page.wait_for_function("() => document.getElementById('tour-count').textContent.startsWith('6 /')")
    assert shown() == (tour.stops[5].label("zh"), set(visible_ids(tour.stops[5], frame)) & set(drawn(frame).index),
                       "#stop=6")
    assert page.external_requests == [] and page.errors == []


def test_png_download_is_the_stop_picture(page, present_url, tours, frame, vocab):
    tour = tours["yuzhong-layout"]
    page.goto(f"{present_url}/?tour={tour.id}&stop=8")
    wait_for_stop(page, tour, 8, frame)
    with page.expect_download(timeout=60000) as info:
        page.get_by_role("button", name="本站 PNG").click()
    png = info.value.path().read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    got = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    assert got.shape == (SIZE[1], SIZE[0], 3) and got.std() > 20, "a real, not blank, picture"
    want = np.asarray(Image.open(io.BytesIO(stop_snapshot_png(tour.stops[7], frame, vocab))).convert("RGB")).astype(int)
    assert np.array_equal(got, want), "the picture of the stop on screen"
    assert page.external_requests == []
