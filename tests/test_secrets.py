"""The Tianditu key stays on the server: not in the page, the map payload, URLs or exports.

Tiles come through the app's own tile proxy (server/tile_proxy.py, mounted by serve.py),
which adds the key on the server side.
"""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
import streamlit
from starlette.requests import Request

from conftest import ROOT, map_frame, start_app, stop_app
from server import tile_proxy
from server.tile_proxy import in_area, tile_xy

CANARY = "tk-canary-5e0c1d7a93"
PNG = b"\x89PNG\r\n\x1a\n fake tile"
JIEFANGBEI = (106.5769, 29.5572)


def get(route, path: str):
    """Call a Starlette route in-process (no HTTP client needed) -> (status, headers, body)."""
    scope = {"type": "http", "method": "GET", "path": path, "root_path": "", "query_string": b"", "headers": []}
    match, child = route.matches(scope)
    assert match.name == "FULL", f"route does not match {path}"
    # In a thread of its own: Playwright's sync API may already run an event loop in this one.
    with ThreadPoolExecutor(1) as pool:
        response = pool.submit(asyncio.run, route.endpoint(Request({**scope, **child}))).result()
    return response.status_code, dict(response.headers), bytes(response.body)


class Upstream:
    """A fake Tianditu: records the URLs it is asked for."""

    def __init__(self, answer=(PNG, "image/png")):
        self.urls: list[str] = []
        self.answer = answer

    def __call__(self, url: str):
        self.urls.append(url)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def proxy(upstream, key=CANARY):
    (route,) = tile_proxy.routes(key=lambda: key, fetch=upstream)
    return route


def tile_path(lon: float, lat: float, z: int) -> str:
    x, y = tile_xy(lon, lat, z)
    return f"/api/tiles/tianditu/{z}/{x}/{y}"


# --- the proxy ------------------------------------------------------------------------------

def test_proxy_adds_the_key_upstream_only():
    upstream = Upstream()
    status, headers, body = get(proxy(upstream), tile_path(*JIEFANGBEI, 15))
    x, y = tile_xy(*JIEFANGBEI, 15)
    assert (status, body, headers["content-type"]) == (200, PNG, "image/png")
    assert "max-age" in headers["cache-control"]
    (url,) = upstream.urls
    assert url.startswith("https://t") and ".tianditu.gov.cn/" in url
    assert f"TILEMATRIX=15&TILEROW={y}&TILECOL={x}&tk={CANARY}" in url
    assert CANARY not in str(headers)


def test_tiles_are_cached():
    upstream = Upstream()
    route = proxy(upstream)
    for _ in range(3):
        assert get(route, tile_path(*JIEFANGBEI, 14))[0] == 200
    assert len(upstream.urls) == 1


@pytest.mark.parametrize("where", [(116.39, 39.91, 12), (*JIEFANGBEI, 5), (*JIEFANGBEI, 19)])
def test_no_tiles_outside_chongqing_or_the_map_zooms(where):
    upstream = Upstream()
    assert get(proxy(upstream), tile_path(*where))[0] == 404
    assert upstream.urls == []


def test_no_key_no_tiles():
    upstream = Upstream()
    assert get(proxy(upstream, key=None), tile_path(*JIEFANGBEI, 12))[0] == 404
    assert upstream.urls == []


@pytest.mark.parametrize("answer", [OSError(f"cannot reach https://t1.tianditu.gov.cn/x?tk={CANARY}"),
                                    (b"<ows:ExceptionReport>invalid key</ows:ExceptionReport>", "text/xml")])
def test_upstream_failure_is_a_bare_502(answer):
    status, headers, body = get(proxy(Upstream(answer)), tile_path(*JIEFANGBEI, 13))
    assert (status, body) == (502, b"")
    assert CANARY not in str(headers)


def test_area_covers_both_plan_districts_at_every_map_zoom(frame):
    x0, y0, x1, y1 = frame[frame.layer == "districts"].total_bounds
    for z in tile_proxy.ZOOMS:
        for lon, lat in ((x0, y0), (x0, y1), (x1, y0), (x1, y1)):
            assert in_area(z, *tile_xy(lon, lat, z))


def test_key_from_environment_then_secrets(monkeypatch):
    monkeypatch.setenv("TIANDITU_KEY", CANARY)
    assert tile_proxy.tianditu_key() == CANARY
    monkeypatch.delenv("TIANDITU_KEY")
    monkeypatch.setattr(streamlit, "secrets", {"TIANDITU_KEY": "from-secrets"})
    assert tile_proxy.tianditu_key() == "from-secrets"
    monkeypatch.setattr(streamlit, "secrets", {})
    assert tile_proxy.tianditu_key() is None


# --- the running app --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def keyed_app():
    """The app as deployed (serve.py: script + tile proxy) with a Tianditu key in its environment."""
    proc, url = start_app(app=ROOT / "serve.py", env={"TIANDITU_KEY": CANARY})
    yield url
    stop_app(proc)


def test_key_never_reaches_the_browser(page, keyed_app):
    requests, socket_frames, sources, tile_layers, downloads = [], [], [], [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: socket_frames.append(payload)))
    for query in ("?basemap=tianditu&lat=29.5572&lon=106.5769&zoom=15", "?basemap=tianditu&view=planner"):
        page.goto(f"{keyed_app}/{query}")
        mf = map_frame(page)
        for _ in range(100):  # tiles are requested once the map has laid out
            if any("/api/tiles/tianditu/" in u for u in requests):
                break
            page.wait_for_timeout(200)
        tile_layers.append(mf.evaluate("() => Object.values(map_div._layers).map(l => l._url || '').join(' ')"))
        sources += [page.content(), *(f.content() for f in page.frames)]
        if "planner" not in query:  # the map view's exports: the list and three of the data
            for button in page.locator("[data-testid='stDownloadButton'] button").all():
                with page.expect_download() as info:
                    button.click()
                downloads.append(open(info.value.path(), encoding="utf-8").read())
            assert len(downloads) == 4

    where = {
        "page source or map frames": "\n".join(sources),
        "map payload (websocket)": b"".join(f if isinstance(f, bytes) else f.encode() for f in socket_frames),
        "URLs": "\n".join([page.url, *requests, *tile_layers]),
        "exports": "\n".join(downloads),
    }
    for name, text in where.items():
        assert (CANARY.encode() if isinstance(text, bytes) else CANARY) not in text, f"the key is in the {name}"
    assert page.external_requests == []
    assert all("/api/tiles/tianditu/" in urls for urls in tile_layers), "each map needs its Tianditu layer"
    tiles = [u for u in requests if "/api/tiles/tianditu/" in u]
    assert tiles and all(u.startswith(keyed_app) for u in tiles), "Tianditu tiles must come through the app's proxy"
