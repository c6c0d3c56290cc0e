"""Map data over plain HTTP instead of inside the map's script.

st_folium sends the map to the browser as one Leaflet script, through Streamlit's
websocket, on every rerun of the map (a pan included).  With the features inside, that
script is as large as the data (0.5 MB bundled, ~18 MB at ×100) and folium/branca push
all of it through Jinja on every rerun.  Instead, each layer's display GeoJSON is
registered here under a hash of its bytes and served at ``/api/data/<key>.geojson``;
the script only names the URL.  A rerun then sends a few kB, and the browser fetches
each distinct layer once (content-addressed, so cached as immutable) and gzipped.

Like the Tianditu route, this needs ``st.App(..., routes=...)``, i.e. ``streamlit run
serve.py``.  Under a plain ``streamlit run streamlit_app.py`` :func:`mounted` is False
and the app embeds the data in the script as before.

Payloads are kept in memory, least recently used first out, within ``limit_bytes``.  The
app registers the payloads of a map on every run of it, so a map on screen keeps its
data; a URL whose payload has gone (a server restart, say) answers 404 with a message.

Layers drawn as vector tiles are registered with the recipe of their
:class:`~geo.mvt.TileSource` instead (the features in this process, or a database), and
served at ``/api/data/<key>/{z}/{x}/{y}.mvt`` as Mapbox Vector Tiles (geo/mvt.py): the
source is made on the first tile asked for, and each tile is encoded once and kept (least
recently used out first, within its own limit).  A tile with nothing on it is an empty body.
"""
from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from typing import Callable

from starlette.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from geo.mvt import MEDIA_TYPE as TILE_MEDIA_TYPE
from geo.mvt import TileSource
from geo.tiles import valid_tile
from layers.remote import payload_key

PATH = "/api/data/{key:str}.geojson"
URL = "/api/data/{key}.geojson"  # relative to the app's origin, like the tile route
TILE_PATH = "/api/data/{key:str}/{z:int}/{x:int}/{y:int}.mvt"
TILE_URL = "/api/data/{key}/{{z}}/{{x}}/{{y}}.mvt"
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
MEDIA_TYPE = "application/geo+json"
GZIP_LEVEL = 3  # ~8× smaller for this data; higher levels cost far more time for little gain
_mounted = False


class PayloadStore:
    """Bytes by content key, least recently used out first once over *limit_bytes*."""

    def __init__(self, limit_bytes: int = 256 * 2**20):
        self.limit_bytes = limit_bytes
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._gzipped: dict[str, bytes] = {}
        self._size = 0
        self._lock = threading.Lock()

    def put(self, data: bytes, key: str | None = None) -> str:
        """Register *data* (again); its key.  Pass *key* when it is already known (payload_key(data))."""
        key = key or payload_key(data)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return key
            self._items[key] = data
            self._size += len(data)
            while self._size > self.limit_bytes and len(self._items) > 1:
                old, old_data = self._items.popitem(last=False)
                self._size -= len(old_data) + len(self._gzipped.pop(old, b""))
        return key

    def get(self, key: str) -> bytes | None:
        with self._lock:
            return self._items.get(key)

    def gzipped(self, key: str) -> bytes | None:
        """The payload gzipped, compressed on first request and kept while the payload is."""
        with self._lock:
            if key in self._gzipped:
                return self._gzipped[key]
            data = self._items.get(key)
        if data is None:
            return None
        packed = gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)
        with self._lock:
            if key in self._items:
                self._gzipped[key] = packed
                self._size += len(packed)
        return packed

    def __contains__(self, key: str) -> bool:
        return key in self._items

    @property
    def size(self) -> int:
        return self._size


class TileStore:
    """Tiled layers by key: the recipe of each source, the sources made (a few, the most
    recently used) and the tiles encoded, least recently used out first over *limit_bytes*."""

    def __init__(self, limit_bytes: int = 64 * 2**20, sources: int = 16):
        self.limit_bytes, self.max_sources = limit_bytes, sources
        self._recipes: OrderedDict[str, Callable[[], TileSource]] = OrderedDict()
        self._sources: OrderedDict[str, TileSource] = OrderedDict()
        self._tiles: OrderedDict[tuple, bytes | None] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._making = threading.Lock()  # one source made at a time: concurrent tiles wait for it

    def put(self, key: str, recipe: Callable[[], TileSource]) -> str:
        with self._lock:
            self._recipes[key] = recipe
            self._recipes.move_to_end(key)
            while len(self._recipes) > 256:
                self._recipes.popitem(last=False)
        return key

    def __contains__(self, key: str) -> bool:
        return key in self._recipes

    def _made(self, key: str) -> TileSource | None:
        with self._lock:
            if key in self._sources:
                self._sources.move_to_end(key)
            return self._sources.get(key)

    def source(self, key: str) -> TileSource | None:
        made = self._made(key)  # made already: no need to wait behind another source being made
        if made is not None:
            return made
        with self._making:
            made = self._made(key)  # made while this one waited
            if made is not None:
                return made
            with self._lock:
                recipe = self._recipes.get(key)
            if recipe is None:
                return None
            made = recipe()
            with self._lock:
                self._sources[key] = made
                while len(self._sources) > self.max_sources:
                    self._sources.popitem(last=False)
            return made

    def tile(self, key: str, z: int, x: int, y: int) -> bytes:
        """The tile's MVT (b"": nothing there).  KeyError for an unknown key."""
        with self._lock:
            if (key, z, x, y) in self._tiles:
                self._tiles.move_to_end((key, z, x, y))
                return self._tiles[(key, z, x, y)]
        source = self.source(key)
        if source is None:
            raise KeyError(key)
        data = source.tile(z, x, y)
        with self._lock:
            self._tiles[(key, z, x, y)] = data
            self._size += len(data)
            while self._size > self.limit_bytes and len(self._tiles) > 1:
                self._size -= len(self._tiles.popitem(last=False)[1])
        return data

    @property
    def size(self) -> int:
        return self._size


STORE = PayloadStore()
TILES = TileStore()


def publish(data: bytes, key: str | None = None, store: PayloadStore = STORE) -> str:
    """Register *data* and return the URL the browser fetches it from."""
    return URL.format(key=store.put(data, key))


def publish_tiles(key: str, recipe: Callable[[], TileSource], store: TileStore = TILES) -> str:
    """Register a tiled layer (*recipe* makes its source on first use); its tile URL template."""
    return TILE_URL.format(key=store.put(key, recipe))


def mounted() -> bool:
    """Whether this server process serves :data:`PATH` (see :func:`routes`)."""
    return _mounted


def routes(store: PayloadStore = STORE, tiles: TileStore = TILES) -> list[Route]:
    """The Starlette routes serving the stores, for ``st.App(..., routes=routes())``."""
    global _mounted

    async def payload(request):
        key = request.path_params["key"]
        data = store.get(key)
        if data is None:
            return PlainTextResponse("Unknown or expired map data: reload the page.", status_code=404)
        headers = {**IMMUTABLE, "Vary": "Accept-Encoding"}
        if "gzip" in request.headers.get("accept-encoding", ""):
            packed = await run_in_threadpool(store.gzipped, key)
            if packed is not None:
                return Response(packed, media_type=MEDIA_TYPE, headers={**headers, "Content-Encoding": "gzip"})
        return Response(data, media_type=MEDIA_TYPE, headers=headers)

    async def tile(request):
        key, z, x, y = (request.path_params[k] for k in ("key", "z", "x", "y"))
        if not valid_tile(z, x, y):
            return PlainTextResponse(f"No tile {z}/{x}/{y}.", status_code=400)
        try:
            data = await run_in_threadpool(tiles.tile, key, z, x, y)
        except KeyError:
            return PlainTextResponse("Unknown or expired map data: reload the page.", status_code=404)
        return Response(data, media_type=TILE_MEDIA_TYPE, headers=IMMUTABLE)

    _mounted = True
    return [Route(PATH, payload, methods=["GET"]), Route(TILE_PATH, tile, methods=["GET"])]
