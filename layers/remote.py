"""A map layer whose GeoJSON the browser fetches from the app (see server/data_route.py).

folium's own ``GeoJson(embed=False)`` fetches the URL on the server as well and loads it
in the browser with jQuery; neither suits a route of this app.  This element creates an
empty Leaflet GeoJSON layer (style from the payload's table, circle markers,
escaped tooltips) and fills it when the data arrives; a standalone map
gives it the same payload inline.  A dense point payload goes into a Leaflet.markercluster group (the
vendored plugin) instead, so tens of thousands of points cost a few dozen icons.

The data is fetched at once but drawn in the order of the script (a queue of promises
per pane): on a canvas what is added last is drawn on top, and responses arrive in any
order.
Clicks still reach st_folium: it listens on the layers present when the script ran,
and Leaflet passes a click on a feature to its group with ``e.layer`` set to it.
``window.planmapPending`` counts fetches still under way (tests and benchmarks wait
for 0); a failed fetch is logged and listed in ``window.planmapFailed``.

The layers past the vector budget come as Mapbox Vector Tiles instead (geo/mvt.py), drawn
by :class:`PlanTiles` with the vendored Leaflet.VectorGrid: a click on a tiled feature
reaches st_folium as one on a vector feature does, with its ``properties.id``.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Callable

import folium
from branca.element import MacroElement, Template
from folium.elements import JSCSSMixin

from .assets import LOCAL, static_url

# Approximate places cluster at every zoom: many share a point (a neighbourhood's), and a
# click on their cluster at the last zoom fans them out.
CLUSTER_OPTIONS = {"chunkedLoading": True, "maxClusterRadius": 60, "showCoverageOnHover": False,
                   "spiderfyOnMaxZoom": True}


def cluster_assets() -> tuple[list, list]:
    """Leaflet.markercluster's (default_js, default_css), served by this app (under its prefix)."""
    base = static_url()
    return ([("leaflet.markercluster", base + LOCAL["leaflet.markercluster.js"])],
            [("markerclustercss", base + LOCAL["MarkerCluster.css"]),
             ("markerclusterdefault", base + LOCAL["MarkerCluster.Default.css"])])


def tiles_assets() -> list:
    """Leaflet.VectorGrid's default_js, served by this app (under its prefix)."""
    return [("leaflet.vectorgrid", static_url() + LOCAL["Leaflet.VectorGrid.bundled.min.js"])]


@dataclass(frozen=True)
class Payload:
    """What one :class:`PlanLayer` draws: the features of one layer that are drawn alike
    (see :func:`layers.map.draw_parts`), as :func:`encode` bytes."""

    layer: str
    label: str                # the label of its group in the layer control
    data: bytes
    key: str
    features: int
    cluster: bool = False
    group: str = ""           # the map group it belongs to: its layer, or "structure"
    pane: str | None = None
    labels: bool = False
    popups: bool = False
    interactive: bool = True  # the district outlines are not: a click inside them is a click on the map
    # The layers drawn as vector tiles, all in one payload (data empty): (layer, ids) each,
    # the grids drawing them ((pane, draw classes, features) each) and their style table.
    tiles: tuple[tuple[str, tuple[str, ...]], ...] = ()
    tile_grids: tuple[tuple[str, tuple[str, ...], int], ...] = ()
    tile_style: dict | None = None


def payload_key(data: bytes) -> str:
    """A payload's content key: its URL names it, so the browser may cache it for good."""
    return hashlib.blake2b(data, digest_size=12).hexdigest()


def encode(styles: list[dict], feature_texts: list[str]) -> bytes:
    """A payload: a FeatureCollection of the features' JSON texts, with one foreign member
    (RFC 7946 §6.1), ``styles``, the Leaflet path options they index with ``properties.s``."""
    head = json.dumps({"type": "FeatureCollection", "styles": styles}, ensure_ascii=False, separators=(",", ":"))
    return (head[:-1] + ',"features":[' + ",".join(feature_texts) + "]}").encode()


class PlanLayer(JSCSSMixin, MacroElement):
    """One layer of plan features (or basemap shapes), from a payload fetched at *url* or
    given inline as *data* (a standalone map).  Points are circle markers; with
    *cluster* the points go into a Leaflet.markercluster group; with *labels* the features
    that carry ``properties.label`` get a name label, placed by the map's label manager
    (layers/view.py) so that labels never collide; with *popups*, ``properties.popup``
    (escaped HTML) opens on click."""

    _template = Template("""
{% macro script(this, kwargs) %}
window.planmapLayer({{ this._parent.get_name() }}, {{ this.options | tojson }}{% if this.data %}, {{ this.data | safe }}{% endif %});
{% endmacro %}
""")

    def __init__(self, url: str | None = None, *, data: bytes | None = None, cluster: bool = False,
                 interactive: bool = True, smooth_factor: float = 1.5, pane: str | None = None,
                 queue: str = "features", labels: bool = False, popups: bool = False, layer: str | None = None):
        """*queue*: layers of one queue are drawn in script order (layers in separate panes
        need not wait for each other); *layer*: the plan layer drawn, which ranks its labels."""
        super().__init__()
        if (url is None) == (data is None):
            raise ValueError("a PlanLayer takes a url or inline data, not both")
        self._name = "PlanLayer"
        # Inline JSON inside a <script>: "</" must not close it.
        self.data = data.decode().replace("</", "<\\/") if data is not None else None
        self.options = {"url": url, "pane": pane, "queue": queue, "interactive": interactive,
                        "smoothFactor": smooth_factor, "labels": labels, "popups": popups, "layer": layer,
                        "cluster": CLUSTER_OPTIONS if cluster else None}
        self.default_js, self.default_css = cluster_assets() if cluster else ([], [])


class PlanTiles(MacroElement):
    """Layers drawn as vector tiles (geo/mvt.py) from *url* (a ``{z}/{x}/{y}`` template)
    with Leaflet.VectorGrid, styled in the browser from each feature's attributes with the
    payload's style table (``window.planmapTiles``, layers/view.py).  Each of its grids
    carries ``planmapFeatures`` (the features it draws) and ``planmapLoaded`` (its tiles in
    view have arrived; tests and benchmarks)."""

    _template = Template("""
{% macro script(this, kwargs) %}
window.planmapTiles({{ this._parent.get_name() }}, {{ this.options | tojson }});
{% endmacro %}
""")

    def __init__(self, url: str, payload: Payload, max_zoom: int):
        super().__init__()
        self._name = "PlanTiles"
        self.options = {"url": url, "layers": [layer for layer, _ in payload.tiles], "style": payload.tile_style,
                        "maxZoom": max_zoom, "grids": [{"pane": pane, "kinds": list(kinds), "features": n}
                                                       for pane, kinds, n in payload.tile_grids]}


class ClusterAssets(JSCSSMixin, MacroElement):
    """Leaflet.markercluster for a map that may cluster later: st_folium loads a map's
    scripts once, when the map is first drawn, so they must be there from the start."""

    def __init__(self):
        super().__init__()
        self.default_js, self.default_css = cluster_assets()


class TileAssets(JSCSSMixin, MacroElement):
    """Leaflet.VectorGrid for a served map, which may draw layers as vector tiles later
    (see :class:`ClusterAssets`)."""

    def __init__(self):
        super().__init__()
        self.default_js = tiles_assets()


def plan_groups(payloads, source: Callable[[object], dict], tile_url: Callable[[object], str] | None = None,
                max_zoom: int = 19) -> list[folium.FeatureGroup]:
    """One toggleable group per map group (a layer, or the plan structure), holding a
    :class:`PlanLayer` per payload (:class:`layers.payload.Payload`), or :class:`PlanTiles`
    for the layers drawn as vector tiles.  *source* gives a payload's data argument: ``{"url": …}``
    (registered on the data route) or ``{"data": …}`` (embedded); *tile_url* registers a
    tiled payload and returns its URL."""
    groups: dict[str, folium.FeatureGroup] = {}
    for p in payloads:
        if p.group not in groups:
            groups[p.group] = folium.FeatureGroup(name=p.label, show=True)
        if p.tiles:
            PlanTiles(tile_url(p), p, max_zoom).add_to(groups[p.group])
        else:
            PlanLayer(**source(p), cluster=p.cluster, pane=p.pane, labels=p.labels, popups=p.popups, layer=p.layer,
                      interactive=p.interactive, queue=p.pane or "features").add_to(groups[p.group])
    return list(groups.values())
