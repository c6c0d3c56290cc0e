"""A map layer whose GeoJSON the browser fetches from the app (see layers/data_route.py).

folium's own ``GeoJson(embed=False)`` fetches the URL on the server as well and loads it
in the browser with jQuery; neither suits a route of this app.  This element creates an
empty Leaflet GeoJSON layer with the options of :func:`layers.map.feature_groups`
(style from the payload's table, circle markers, escaped tooltips) and fills it when
the data arrives.  A dense point payload goes into a Leaflet.markercluster group (the
vendored plugin) instead, so tens of thousands of points cost a few dozen icons.

The data is fetched at once but drawn in the order of the script (a queue of promises
per pane): on a canvas what is added last is drawn on top, and responses arrive in any
order.
Clicks still reach st_folium: it listens on the layers present when the script ran,
and Leaflet passes a click on a feature to its group with ``e.layer`` set to it.
``window.planmapPending`` counts fetches still under way (tests and benchmarks wait
for 0); a failed fetch is logged and listed in ``window.planmapFailed``.
"""
from __future__ import annotations

import json
from typing import Callable

import folium
from branca.element import MacroElement, Template
from folium.elements import JSCSSMixin

from .assets import LOCAL, STATIC_URL

CLUSTER_OPTIONS = {"chunkedLoading": True, "disableClusteringAtZoom": 16, "maxClusterRadius": 50,
                   "showCoverageOnHover": False, "spiderfyOnMaxZoom": False}
CLUSTER_JS = [("leaflet.markercluster", STATIC_URL + LOCAL["leaflet.markercluster.js"])]
CLUSTER_CSS = [("markerclustercss", STATIC_URL + LOCAL["MarkerCluster.css"]),
               ("markerclusterdefault", STATIC_URL + LOCAL["MarkerCluster.Default.css"])]


def encode(styles: list[dict], feature_texts: list[str]) -> bytes:
    """A payload: a FeatureCollection of the features' JSON texts, with one foreign member
    (RFC 7946 §6.1), ``styles``, the Leaflet path options they index with ``properties.s``."""
    head = json.dumps({"type": "FeatureCollection", "styles": styles}, ensure_ascii=False, separators=(",", ":"))
    return (head[:-1] + ',"features":[' + ",".join(feature_texts) + "]}").encode()


class RemoteGeoJson(JSCSSMixin, MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          var styles = [];
          var layer = L.geoJson(null, {
            {%- if this.pane %}
            pane: {{ this.pane | tojson }},
            {%- endif %}
            interactive: {{ this.interactive | tojson }},
            smoothFactor: {{ this.smooth_factor | tojson }},
            style: function (f) { return styles[f.properties.s]; },
            pointToLayer: function (f, latlng) { return L.circleMarker(latlng, styles[f.properties.s]); }
          });
          {%- if this.cluster %}
          var target = L.markerClusterGroup({{ this.cluster | tojson }});
          {%- else %}
          var target = layer;
          {%- endif %}
          {%- if this.interactive %}
          // One tooltip for the group, shown for the feature under the pointer (the text is HTML-escaped).
          target.bindTooltip(function (l) { return l.feature ? l.feature.properties.tooltip : ""; }, {sticky: true});
          {%- endif %}
          target.addTo({{ this._parent.get_name() }});
          var url = {{ this.url | tojson }};
          window.planmapPending = (window.planmapPending || 0) + 1;
          var data = fetch(url).then(function (r) {
            if (!r.ok) throw new Error(r.status + " " + r.statusText);
            return r.json();
          });
          // Fetched at once, drawn in the order of the script: on canvas what is added last
          // is drawn on top, and responses arrive in any order.
          var queues = window.planmapQueues = window.planmapQueues || {};
          var queue = {{ this.queue | tojson }};
          queues[queue] = (queues[queue] || Promise.resolve()).then(function () {
            return data.then(function (d) {
              styles = d.styles || [];
              layer.addData(d);
              if (target !== layer) target.addLayers(layer.getLayers());
            }).catch(function (e) {
              console.error("map data " + url + ": " + e);
              (window.planmapFailed = window.planmapFailed || []).push(url);
            }).finally(function () { window.planmapPending -= 1; });
          });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, url: str, *, cluster: bool = False, interactive: bool = True, smooth_factor: float = 1.5,
                 pane: str | None = None, queue: str = "features"):
        """*queue*: layers of one queue are drawn in script order (layers in separate panes
        need not wait for each other)."""
        super().__init__()
        self._name = "RemoteGeoJson"
        self.url, self.pane, self.queue = url, pane, queue
        self.cluster = CLUSTER_OPTIONS if cluster else None
        self.interactive = interactive
        self.smooth_factor = smooth_factor
        self.default_js = CLUSTER_JS if cluster else []
        self.default_css = CLUSTER_CSS if cluster else []


class RasterTiles(MacroElement):
    """A layer drawn as image tiles by the app (layers/raster.py), in a pane of its own under
    the vector layers that lets clicks through to the map (the app resolves them).
    ``planmapLoaded`` is set once the tiles in view have arrived (tests and benchmarks)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          var layer = L.tileLayer({{ this.url | tojson }}, {{ this.options | tojson }});
          layer.on("loading", function () { layer.planmapLoaded = false; });
          layer.on("load", function () { layer.planmapLoaded = true; });
          layer.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, url: str, features: int, pane: str, max_zoom: int):
        super().__init__()
        self._name = "RasterTiles"
        self.url = url
        self.options = {"pane": pane, "maxZoom": max_zoom, "tileSize": 256, "planmapFeatures": features,
                        "updateWhenZooming": False}


class ClusterAssets(JSCSSMixin, MacroElement):
    """Leaflet.markercluster for a map that may cluster later: st_folium loads a map's
    scripts once, when the map is first drawn, so they must be there from the start."""

    default_js = CLUSTER_JS
    default_css = CLUSTER_CSS


def remote_groups(payloads, publish: Callable[[bytes, str], str], tile_url: Callable[[object], str] | None = None,
                  raster_pane: str = "", max_zoom: int = 19) -> list[folium.FeatureGroup]:
    """One toggleable group per layer, holding a :class:`RemoteGeoJson` per payload
    (:class:`layers.payload.Payload`), or :class:`RasterTiles` for a layer drawn as tiles;
    *publish* registers a payload and returns its URL, *tile_url* does so for a tiled one."""
    groups: dict[str, folium.FeatureGroup] = {}
    for p in payloads:
        if p.layer not in groups:
            groups[p.layer] = folium.FeatureGroup(name=p.label, show=True)
        if p.raster:
            RasterTiles(tile_url(p), p.features, raster_pane, max_zoom).add_to(groups[p.layer])
        else:
            RemoteGeoJson(publish(p.data, p.key), cluster=p.cluster).add_to(groups[p.layer])
    return list(groups.values())
