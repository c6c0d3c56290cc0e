"""Figure 3: time in headless Chromium from opening the page to every feature drawn."""
from __future__ import annotations

import time

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
LOCAL = ("http://127.0.0.1", "http://localhost", "data:", "blob:", "about:")

# Run in the st_folium frame: plan features on the map.  The app's (and the naive
# GeoJson's) carry id and tooltip; points of a clustered layer count when their cluster
# group is on the map (each is drawn inside a cluster's count until zoomed in).  The
# naive projects are plain markers (the basemap's district labels are DivIcon markers
# and do not count).  Layers drawn as vector tiles count their features once their tiles
# in view have loaded and been drawn (each of their VectorGrids, layers/remote.py
# PlanTiles, carries the number it draws and fires "load" then).  While the app's layers
# or tiles are still being fetched the count is negative.
DRAWN_JS = """() => {
  if (!window.map_div || !window.L) return -1;
  const ids = new Set();
  let markers = 0, tiled = 0, loading = false;
  const count = l => {
    const p = l.feature && l.feature.properties;
    if (p && p.id && p.tooltip !== undefined) ids.add(p.id);
    else if (!l.feature && l instanceof L.Marker && !(l.options.icon instanceof L.DivIcon)) markers += 1;
  };
  map_div.eachLayer(l => {
    if (l.options && l.options.planmapFeatures) {
      if (l.planmapLoaded) tiled += l.options.planmapFeatures; else loading = true;
    }
    count(l);
    if (L.MarkerClusterGroup && l instanceof L.MarkerClusterGroup) l.getLayers().forEach(count);
  });
  return (window.planmapPending || 0) > 0 || loading ? -1 : ids.size + markers + tiled;
}"""
# The next paint; a frame the browser throttles paints no more, so at most 1 s (a bench run
# once hung here on a loaded machine).
NEXT_PAINT_JS = "() => new Promise(r => { requestAnimationFrame(() => requestAnimationFrame(r)); setTimeout(r, 1000); })"


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def _offline(route) -> None:
    if route.request.url.startswith(LOCAL):
        route.continue_()
    else:
        route.abort()


def seconds_to_drawn(browser, url: str, expected: int, limit_s: float) -> float | None:
    """Seconds from navigation start to *expected* features on the map and painted; None past *limit_s*.

    A fresh browser context each time: a first visit, nothing cached.
    """
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.route("**/*", _offline)
    try:
        page = context.new_page()
        start = time.perf_counter()
        page.goto(url, wait_until="commit")
        while time.perf_counter() - start < limit_s:
            frame = next((f for f in page.frames if "st_folium" in f.url), None)
            try:
                if frame is not None and frame.evaluate(DRAWN_JS) >= expected:
                    frame.evaluate(NEXT_PAINT_JS)
                    return time.perf_counter() - start
            except Exception:  # noqa: BLE001 - the frame may be navigating or reloading
                pass
            page.wait_for_timeout(50)
        return None
    finally:
        context.close()


def warm_up(browser, url: str, selector: str, timeout_s: float = 300) -> float:
    """Open *url* and wait for *selector* (e.g. the data loaded into the server); the seconds it took."""
    context = browser.new_context()
    context.route("**/*", _offline)
    try:
        page = context.new_page()
        start = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.wait_for_selector(selector, state="attached", timeout=timeout_s * 1000)
        return time.perf_counter() - start
    finally:
        context.close()
