"""layers/remote.py (PlanLayer) in headless Chromium, on a tiny server whose responses come late on purpose.

On a canvas the layer added last is drawn on top (and takes the click), so the layers
must be drawn in the order of the map's script even when their data arrives in another
order; a failed fetch must not stop the layers after it.
"""
from __future__ import annotations

import functools
import http.server
import json
import threading
import time

import folium
import pytest
from conftest import ROOT

from layers.map import build_base_map, selection_group
from layers.remote import PlanLayer, encode

SQUARE = [[106.50, 29.50], [106.52, 29.50], [106.52, 29.52], [106.50, 29.52], [106.50, 29.50]]
DELAYS = {"/slow.geojson": 1.0, "/fast.geojson": 0.0}


def payload(fid: str, colour: str) -> bytes:
    feature = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [SQUARE]},
               "properties": {"id": fid, "tooltip": fid, "s": 0}}
    return encode([{"color": colour, "fillColor": colour, "fillOpacity": 1}], [json.dumps(feature)])


class Handler(http.server.SimpleHTTPRequestHandler):
    pages: dict[str, bytes] = {}

    def do_GET(self):  # noqa: N802 (http.server's name)
        if self.path.startswith("/app/static/"):
            self.path = self.path[len("/app"):]  # the repo's static/ is the served directory
            return super().do_GET()
        if self.path not in self.pages:
            self.send_error(404)
            return
        time.sleep(DELAYS.get(self.path, 0))
        body = self.pages[self.path]
        self.send_response(200)
        self.send_header("Content-Type", "text/html" if self.path.endswith(".html") else "application/geo+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(vocab, frame):
    m = build_base_map(vocab)
    for name, url in (("first", "/slow.geojson"), ("missing", "/missing.geojson"), ("second", "/fast.geojson")):
        group = folium.FeatureGroup(name=name)
        PlanLayer(url).add_to(group)
        group.add_to(m)
    selection_group(frame, "yz-chaotianmen").add_to(m)
    Handler.pages = {"/map.html": m.get_root().render().encode(), "/slow.geojson": payload("first", "#ff0000"),
                     "/fast.geojson": payload("second", "#0000ff")}
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(ROOT)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_layers_are_drawn_in_script_order_whatever_arrives_first(page, server):
    page.goto(server + "/map.html")
    page.wait_for_function("() => window.planmapPending === 0", timeout=20000)
    # The canvas renderer's draw list, bottom to top, as the ids of the plan features in it.
    drawn = page.evaluate("""() => {
      const map = Object.values(window).find(v => v instanceof L.Map);
      const ids = [];
      map.eachLayer(l => { const p = l.feature && l.feature.properties;  // the features' canvas (the basemap has its own)
        if (p && p.id === "first" && !ids.renderer) ids.renderer = l._renderer; });
      for (let item = ids.renderer._drawFirst; item; item = item.next) {
        const p = item.layer.feature && item.layer.feature.properties;
        if (p && p.id) ids.push(p.id);
      }
      return Array.from(ids);
    }""")
    assert drawn == ["first", "second"]  # "first" arrived a second later, and is still drawn under "second"
    assert page.evaluate("() => window.planmapFailed") == ["/missing.geojson"]
    # the selection outline sits in its own pane above the features and lets clicks through
    pane = page.evaluate("""() => { const p = document.querySelector('.leaflet-selection-pane');
      return [getComputedStyle(p).zIndex, getComputedStyle(p).pointerEvents, p.querySelectorAll('canvas').length]; }""")
    assert pane == ["650", "none", 1]
