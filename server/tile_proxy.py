"""Tianditu tiles through the app's own server, so the key never reaches a browser.

Tianditu wants its key (``tk``) on every tile request.  In a Leaflet URL template it
would sit in the page, in the map payload and in every tile request the browser makes.
So the map asks this server for ``/api/tiles/tianditu/{z}/{x}/{y}`` instead
(geo/basemaps.py names it); the server
adds the key, fetches the tile and passes the image on.

Streamlit 1.67 serves the app with Starlette, and ``st.App(script, routes=[...])`` is its
supported way to add routes next to a script.  ``serve.py`` does that with
:func:`routes`; run the app with ``streamlit run serve.py``.  Under a plain
``streamlit run streamlit_app.py`` the route does not exist, :func:`mounted` is False,
and the app must not offer Tianditu.

Only tiles over Chongqing at the map's zooms are fetched, so the server cannot be used
to spend the key on the rest of the world; errors never echo the upstream URL.
"""
from __future__ import annotations

import urllib.request
from functools import lru_cache
from typing import Callable

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import Route

from geo.extent import CHONGQING_BBOX
from geo.settings import tianditu_key_from_env
from geo.tiles import tile_xy
from layers.assets import app_path

PATH = "/api/tiles/tianditu/{z:int}/{x:int}/{y:int}"
UPSTREAM = ("https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec"
            "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}")
AREA = CHONGQING_BBOX
ZOOMS = range(8, 19)
CACHE_TILES = 4096  # ~20 kB each: at most ~80 MB, and the whole plan area at zoom ≤ 15 fits
TIMEOUT_S = 10

_mounted = False


def tianditu_key() -> str | None:
    """The key from the environment or Streamlit secrets; None when there is none."""
    key = tianditu_key_from_env()
    if key:
        return key
    try:
        import streamlit as st

        return st.secrets.get("TIANDITU_KEY") or None
    except Exception:  # no secrets file (or an unreadable one) just means no key
        return None


def mounted() -> bool:
    """Whether this server process serves the tile route (see :func:`routes`)."""
    return _mounted


def in_area(z: int, x: int, y: int, area: tuple[float, float, float, float] = AREA) -> bool:
    if z not in ZOOMS:
        return False
    x0, y0 = tile_xy(area[0], area[3], z)  # north-west corner: smallest row
    x1, y1 = tile_xy(area[2], area[1], z)
    return x0 <= x <= x1 and y0 <= y <= y1


def upstream_url(z: int, x: int, y: int, key: str) -> str:
    return UPSTREAM.format(s=(x + y) % 8, z=z, x=x, y=y, key=key)


def fetch(url: str) -> tuple[bytes, str]:
    """(body, content type) of a GET; raises on any failure."""
    with urllib.request.urlopen(url, timeout=TIMEOUT_S) as resp:
        return resp.read(), resp.headers.get_content_type()


def routes(key: Callable[[], str | None] = tianditu_key,
           fetch: Callable[[str], tuple[bytes, str]] = fetch) -> list[Route]:
    """The Starlette route of the proxy, for ``st.App(..., routes=routes())``."""
    global _mounted

    @lru_cache(maxsize=CACHE_TILES)  # failures raise, so only tiles are cached
    def tile_image(z: int, x: int, y: int, k: str) -> tuple[bytes, str]:
        body, kind = fetch(upstream_url(z, x, y, k))
        if not kind.startswith("image/"):  # a refused key comes back as an error document
            raise ValueError("upstream answered with no image")
        return body, kind

    async def tile(request):
        z, x, y = (request.path_params[p] for p in ("z", "x", "y"))
        k = key()
        if not k or not in_area(z, x, y):
            return Response(status_code=404)
        try:
            body, kind = await run_in_threadpool(tile_image, z, x, y, k)
        except Exception:  # the message could carry the URL, and with it the key
            return Response(status_code=502)
        return Response(body, media_type=kind, headers={"Cache-Control": "public, max-age=86400"})

    _mounted = True
    return [Route(app_path(PATH), tile, methods=["GET"])]  # under the app's path prefix, if any
