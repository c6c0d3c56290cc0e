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

**Several processes** (scripts/serve_cluster.sh): the balancer keeps a browser on one
process, but a payload made by one process may still be asked of another (a process
restarted, a cookie lost).  With ``PLANMAP_SHARED_CACHE`` set, every process also writes
each payload to that folder under its content key (atomically: a temporary file renamed),
and a process that does not hold a key reads it from there, checking that the bytes hash
to the key.  A tiled layer's recipe is a function of the process that ran the script, so
what is shared is its spec (language, CRS, layers and ids, as JSON): a process asked for a
tile it has no recipe for makes one from the spec with :attr:`TileStore.rebuild` (set by
views/data.py, which knows the data) and encodes the tile itself.

Paths and URLs are under Streamlit's ``server.baseUrlPath`` when the app has a path prefix
(:func:`layers.assets.app_path`).
"""
from __future__ import annotations

import gzip
import json
import logging
import os
import re
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Callable

from starlette.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from geo.mvt import MEDIA_TYPE as TILE_MEDIA_TYPE
from geo.mvt import TileSource
from geo.settings import shared_cache_dir
from geo.tiles import valid_tile
from layers.assets import app_path
from layers.remote import payload_key

PATH = "/api/data/{key:str}.geojson"
URL = "/api/data/{key}.geojson"  # from the app's root (app_path adds its prefix), like the tile route
TILE_PATH = "/api/data/{key:str}/{z:int}/{x:int}/{y:int}.mvt"
TILE_URL = "/api/data/{key}/{{z}}/{{x}}/{{y}}.mvt"
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
MEDIA_TYPE = "application/geo+json"
GZIP_LEVEL = 3  # ~8× smaller for this data; higher levels cost far more time for little gain
KEY = re.compile(r"[0-9a-f]{24}")  # payload_key's hex digest
_mounted = False
log = logging.getLogger(__name__)


class SharedDir:
    """Payloads by content key in a folder that several processes write and read."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)

    def _file(self, key: str, kind: str) -> Path:
        return self.path / f"{key}{kind}"

    def write(self, key: str, data: bytes, kind: str = ".geojson") -> None:
        """Store *data* under *key* unless it is there; a reader never sees a partial file."""
        target = self._file(key, kind)
        if target.exists():
            return
        try:
            fd, tmp = tempfile.mkstemp(dir=self.path, prefix=f".{key}.", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.replace(tmp, target)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError as exc:  # a full disk must not break the page: this process still serves it
            log.warning("map data %s not shared in %s: %s", key, self.path, exc)

    def read(self, key: str, kind: str = ".geojson") -> bytes | None:
        """What is stored under *key*; a payload (.geojson) only if its bytes hash to the key."""
        if not KEY.fullmatch(key):
            return None
        try:
            data = self._file(key, kind).read_bytes()
        except OSError:
            return None
        return data if kind != ".geojson" or payload_key(data) == key else None


class PayloadStore:
    """Bytes by content key, least recently used out first once over *limit_bytes*; with
    *shared* (a folder), also written there, and read from there on a miss."""

    def __init__(self, limit_bytes: int = 256 * 2**20, shared: Path | None = None):
        self.limit_bytes = limit_bytes
        self.shared = SharedDir(shared) if shared else None
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._gzipped: dict[str, bytes] = {}
        self._size = 0
        self._lock = threading.Lock()

    def put(self, data: bytes, key: str | None = None) -> str:
        """Register *data* (again); its key.  Pass *key* when it is already known (payload_key(data))."""
        key = key or payload_key(data)
        if self._keep(key, data) and self.shared:
            self.shared.write(key, data)
        return key

    def _keep(self, key: str, data: bytes) -> bool:
        """Hold *data* in memory; whether it was new here."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return False
            self._items[key] = data
            self._size += len(data)
            while self._size > self.limit_bytes and len(self._items) > 1:
                old, old_data = self._items.popitem(last=False)
                self._size -= len(old_data) + len(self._gzipped.pop(old, b""))
        return True

    def get(self, key: str) -> bytes | None:
        """The payload; one only the shared folder holds (another process made it) is kept here too."""
        with self._lock:
            data = self._items.get(key)
        if data is None and self.shared:
            data = self.shared.read(key)
            if data is not None:
                self._keep(key, data)
        return data

    def gzipped(self, key: str) -> bytes | None:
        """The payload gzipped, compressed on first request and kept while the payload is."""
        with self._lock:
            if key in self._gzipped:
                return self._gzipped[key]
        data = self.get(key)
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

    SPEC = ".tiles.json"

    def __init__(self, limit_bytes: int = 64 * 2**20, sources: int = 16, shared: Path | None = None):
        self.limit_bytes, self.max_sources = limit_bytes, sources
        self.shared = SharedDir(shared) if shared else None
        # spec -> recipe, for a key this process has no recipe for (another one ran the script)
        self.rebuild: Callable[[dict], Callable[[], TileSource]] | None = None
        self._recipes: OrderedDict[str, Callable[[], TileSource]] = OrderedDict()
        self._sources: OrderedDict[str, TileSource] = OrderedDict()
        self._tiles: OrderedDict[tuple, bytes | None] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._making = threading.Lock()  # one source made at a time: concurrent tiles wait for it

    def put(self, key: str, recipe: Callable[[], TileSource], spec: dict | None = None) -> str:
        """Register a tiled layer: *recipe* makes its source; *spec* (JSON) lets another process
        sharing the folder make it too (see :attr:`rebuild`)."""
        if self.shared and spec is not None:
            self.shared.write(key, json.dumps(spec, ensure_ascii=False).encode(), self.SPEC)
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
            recipe = recipe or self._shared_recipe(key)
            if recipe is None:
                return None
            made = recipe()
            with self._lock:
                self._sources[key] = made
                while len(self._sources) > self.max_sources:
                    self._sources.popitem(last=False)
            return made

    def _shared_recipe(self, key: str) -> Callable[[], TileSource] | None:
        spec = self.shared.read(key, self.SPEC) if self.shared and self.rebuild else None
        return self.rebuild(json.loads(spec)) if spec else None

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


STORE = PayloadStore(shared=shared_cache_dir())
TILES = TileStore(shared=shared_cache_dir())


def publish(data: bytes, key: str | None = None, store: PayloadStore = STORE) -> str:
    """Register *data* and return the URL the browser fetches it from."""
    return app_path(URL.format(key=store.put(data, key)))


def publish_tiles(key: str, recipe: Callable[[], TileSource], store: TileStore = TILES,
                  spec: dict | None = None) -> str:
    """Register a tiled layer (*recipe* makes its source on first use, *spec* describes it to
    other processes); its tile URL template."""
    return app_path(TILE_URL.format(key=store.put(key, recipe, spec)))


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
    return [Route(app_path(PATH), payload, methods=["GET"]), Route(app_path(TILE_PATH), tile, methods=["GET"])]
