"""The map's layers as Mapbox Vector Tiles cut by PostGIS (``ST_AsMVT``), when the app reads
a database: the app holds no features to send, so the browser asks for tiles.

A filter's tiles are registered under a key naming what they show (the filters, the CRS,
the layers and the database's load): ``/api/mvt/<key>/{z}/{x}/{y}.pbf``.  A key's tiles
never change, so they are cached as immutable, and kept here, least recently used out
first, within ``limit_bytes``.  Leaflet.VectorGrid (vendored) draws them with the app's
styles (layers/style.py) and shows each feature's name on hover.
"""
from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict

from branca.element import MacroElement, Template
from folium.elements import JSCSSMixin
from starlette.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from geo.filters import Filters
from geo.tiles import valid_tile
from layers.remote import tiles_assets
from layers.map import LAYER_ORDER, MAX_ZOOM
from layers.style import AREA, LINE, POINT, PRECISION_STYLE, THEME_COLOURS, DEFAULT_COLOUR, keyed_style

PATH = "/api/mvt/{key:str}/{z:int}/{x:int}/{y:int}.pbf"
URL = "/api/mvt/{key}/{{z}}/{{x}}/{{y}}.pbf"
MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}


class MvtTiles:
    """What each key shows (store, filters, CRS, layers) and the tiles cut, LRU within *limit_bytes*."""

    def __init__(self, limit_bytes: int = 64 * 2**20):
        self.limit_bytes = limit_bytes
        self._keys: OrderedDict[str, tuple] = OrderedDict()
        self._tiles: OrderedDict[tuple, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def register(self, store, filters: Filters, crs: str, layers: tuple[str, ...]) -> str:
        recipe = json.dumps([store.version, crs, layers, [list(v) if isinstance(v, tuple) else v
                                                          for v in vars(filters).values()]], ensure_ascii=False)
        key = hashlib.blake2b(recipe.encode(), digest_size=12).hexdigest()
        with self._lock:
            self._keys[key] = (store, filters, crs, layers)
            self._keys.move_to_end(key)
            while len(self._keys) > 256:
                self._keys.popitem(last=False)
        return key

    def tile(self, key: str, z: int, x: int, y: int) -> bytes:
        """The tile's bytes (empty: nothing there).  KeyError for an unknown key."""
        with self._lock:
            if (key, z, x, y) in self._tiles:
                self._tiles.move_to_end((key, z, x, y))
                return self._tiles[(key, z, x, y)]
            store, filters, crs, layers = self._keys[key]
        data = store.tile(z, x, y, filters, crs, layers)
        with self._lock:
            self._tiles[(key, z, x, y)] = data
            self._size += len(data)
            while self._size > self.limit_bytes and len(self._tiles) > 1:
                self._size -= len(self._tiles.popitem(last=False)[1])
        return data


TILES = MvtTiles()


def routes(tiles: MvtTiles = TILES) -> list[Route]:
    async def tile(request):
        key, z, x, y = (request.path_params[k] for k in ("key", "z", "x", "y"))
        if not valid_tile(z, x, y):
            return PlainTextResponse(f"No tile {z}/{x}/{y}.", status_code=400)
        try:
            data = await run_in_threadpool(tiles.tile, key, z, x, y)
        except KeyError:
            return PlainTextResponse("Unknown or expired map data: reload the page.", status_code=404)
        return Response(data, media_type=MEDIA_TYPE, headers=IMMUTABLE)

    return [Route(PATH, tile, methods=["GET"])]


def layer_styles() -> dict:
    """Leaflet path options per layer, draw class and geometry rank, "@" for the theme colour."""
    kinds = ("outline",) + tuple(PRECISION_STYLE)
    out = {}
    for layer in LAYER_ORDER:
        for kind in kinds:
            for rank in (AREA, LINE, POINT):
                style = keyed_style((layer, "" if layer == "districts" else "@", kind, False, rank))
                out[f"{layer}|{kind}|{rank}"] = style
    return out


class VectorTileLayer(JSCSSMixin, MacroElement):
    """Leaflet.VectorGrid drawing the tiles at *url*; *features* (how many it draws) and
    ``planmapLoaded`` tell tests and benchmarks when it is drawn."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent._parent.get_name() if this._parent._parent else this._parent.get_name() }};
  var styles = {{ this.styles | tojson }}, colours = {{ this.colours | tojson }};
  var classes = {"exact": "precise", "street": "precise", "area": "approx", "schematic": "structure"};
  function style(layer) {
    return function (p, zoom, dim) {
      var kind = layer === "districts" ? "outline" : (classes[p.precision] || "structure");
      var rank = dim === 1 ? {{ this.point }} : dim === 2 ? {{ this.line }} : {{ this.area }};
      var s = Object.assign({}, styles[layer + "|" + kind + "|" + rank]);
      var colour = (p.themes || "").split(",").map(function (t) { return colours[t]; }).filter(Boolean)[0] || {{ this.default | tojson }};
      ["color", "fillColor"].forEach(function (k) { if (s[k] === "@") s[k] = colour; });
      s.fill = s.fill !== false && dim !== 2;
      return s;
    };
  }
  var layerStyles = {};
  {{ this.layers | tojson }}.forEach(function (l) { layerStyles[l] = style(l); });
  var grid = L.vectorGrid.protobuf({{ this.url | tojson }}, {
    rendererFactory: L.canvas.tile, vectorTileLayerStyles: layerStyles, interactive: true,
    maxNativeZoom: {{ this.max_zoom }}, maxZoom: {{ this.max_zoom }},
    getFeatureId: function (f) { return f.properties.id; }, planmapFeatures: {{ this.features }}
  });
  grid.on("load", function () { grid.planmapLoaded = true; });
  grid.on("loading", function () { grid.planmapLoaded = false; });
  var tip = L.tooltip({sticky: true});
  grid.on("mouseover", function (e) {
    var p = e.layer.properties || {}, div = document.createElement("div");
    div.textContent = p.{{ this.name_key }} || p.name_zh || "";
    tip.setContent(div).setLatLng(e.latlng);
    map.openTooltip(tip);
  });
  grid.on("mouseout", function () { map.closeTooltip(tip); });
  grid.addTo({{ this._parent.get_name() }});
})();
{% endmacro %}
""")
    def __init__(self, url: str, features: int, lang: str):
        super().__init__()
        self.default_js = tiles_assets()  # under the app's path prefix
        self._name = "VectorTileLayer"
        self.url, self.features = url, int(features)
        self.styles, self.colours, self.default = layer_styles(), THEME_COLOURS, DEFAULT_COLOUR
        self.layers, self.max_zoom = list(LAYER_ORDER), MAX_ZOOM
        self.point, self.line, self.area = POINT, LINE, AREA
        self.name_key = "name_en" if lang == "en" else "name_zh"


def vector_tile_group(store, filters: Filters, crs: str, lang: str):
    """The map group of every layer of *filters* as vector tiles from *store*'s database."""
    import folium

    key = TILES.register(store, filters, crs, tuple(LAYER_ORDER))
    group = folium.FeatureGroup(name="plan", control=False)
    drawn = store.count(filters) - sum(store.district_counts(filters).values()) + store.outlines(filters)
    group.add_child(VectorTileLayer(URL.format(key=key), drawn, lang))
    return group
