"""What makes a map readable: panes, non-colliding labels, cluster icons, the plan-structure
layer fading at street zoom, the fitted view with its reset control, and district badges.

:class:`MapChrome` goes on every base map (layers/map.py).  It creates

- the ``structure`` pane (schematic features), whose opacity falls at street zooms;
- the ``planmap-labels`` pane and ``window.planmapLabels``, a label manager: every label
  (feature names, stations, places, districts) has a priority and a minimum zoom, and on
  each move the labels in view are placed from the highest priority down, a label that
  would overlap one already placed being hidden;
- ``window.planmapLayer`` (layers/remote.py's PlanLayer) and ``window.planmapTiles``
  (its PlanTiles: layers drawn as vector tiles with Leaflet.VectorGrid);
- ``window.planmapClusterIcon`` for Leaflet.markercluster: a neutral count bubble;
- a control that fits the map to the current filter again (``window.planmapFit``).

:class:`FitView` travels with the feature groups (st_folium evaluates them again only when
they change): it fits the map once per *token*, so a pan is never undone by a rerun.
"""
from __future__ import annotations

from html import escape

from branca.element import MacroElement, Template

from geo import reference
from geo.crs import wgs84_to_gcj02
from geo.mvt import NAME_ZOOM
from geo.placement import badge_points
from geo.vocab import display_name, district_name
from geo.i18n import t

from .style import POINT_SCALE

STRUCTURE_PANE = "structure"
PRECISE_PANE = "planmap-precise"  # precisely placed points, over the cluster icons (markerPane, 600)
# Layers drawn as vector tiles: over the vector layers' canvas (overlayPane, 400), whose
# clicks would otherwise never reach them, under the cluster icons.
TILES_PANE = "planmap-tiles"
LABELS_PANE = "planmap-labels"
LABEL_ZOOM = NAME_ZOOM  # feature names from this zoom on (street level; tiles carry their order from here)
# Opacity of the plan-structure pane by zoom: clear at district zoom, faded at 14 and off
# from street zoom (15) on, where the places themselves are drawn.
STRUCTURE_FADE = ((15, 0), (14, 0.3))
MAX_FIT_ZOOM = 16  # a selected point is shown at street level, not at the last zoom

CSS = """
.planmap-label-icon{background:none;border:none}
.planmap-label{white-space:nowrap;font:12px/1.2 "Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;
  color:#222;text-shadow:0 0 2px #fff,0 0 2px #fff,0 0 3px #fff;transform:translate(9px,-50%);pointer-events:none}
.planmap-label.feature{font-weight:600}
.planmap-label.feature,.planmap-label.approx{white-space:normal;text-wrap:balance;width:max-content;max-width:10em}
.planmap-label.approx{color:#4a4a4a}
.planmap-label.cluster{transform:translate(22px,-50%)}
.planmap-label.station{color:#0b4f8a;font-size:11px}
.planmap-label.place{color:#5d5a52;font-style:italic}
.planmap-label.river{color:#3f7fbf;font-style:italic;font-size:13px;transform:translate(-50%,-50%);letter-spacing:2px}
.planmap-label.district{color:#6b675c;font-size:15px;font-weight:600;transform:translate(-50%,-50%);letter-spacing:1px}
.planmap-cluster{background:rgba(255,255,255,.9);border:2px solid #666;border-radius:50%;color:#222;
  font:600 12px/1 sans-serif;display:flex;align-items:center;justify-content:center;box-shadow:0 1px 3px rgba(0,0,0,.3)}
.planmap-badge{background:#fff;border:1px solid #555;border-radius:12px;padding:2px 8px;white-space:nowrap;
  font:12px/1.4 "Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#222;box-shadow:0 1px 3px rgba(0,0,0,.35);
  cursor:pointer;transform:translate(-50%,14px);display:inline-block}
.planmap-badge-icon{background:none;border:none}
.planmap-fit a{font-size:18px;line-height:30px;text-align:center;cursor:pointer}
.leaflet-control-attribution{font-size:10px;max-width:60%;line-height:1.3}
"""



class MapChrome(MacroElement):
    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var style = document.createElement("style");
  style.textContent = {{ this.css | tojson }};
  document.head.appendChild(style);
  map.createPane({{ this.structure | tojson }}).style.zIndex = 390;
  map.createPane({{ this.precise | tojson }}).style.zIndex = 620;
  var tilesPane = map.createPane({{ this.tiles | tojson }});  // its features take clicks, the rest goes through
  tilesPane.style.zIndex = 450;
  tilesPane.style.pointerEvents = "none";
  var dots = map.createPane("basemap-points");  // station dots: over the basemap, under the features
  dots.style.zIndex = 360;
  dots.style.pointerEvents = "none";
  var labelPane = map.createPane({{ this.labels_pane | tojson }});
  labelPane.style.zIndex = 640;
  labelPane.style.pointerEvents = "none";

  // Point symbols at a radius for the zoom (layers/style.py POINT_SCALE): *sized* keeps a
  // new marker's own radius (planmapRadius) and scales it; a zoom, or a marker a cluster
  // lets go of, is scaled again.
  var pointScale = {{ this.point_scale | tojson }};
  function scaleAt(z) { for (var i = 0; i < pointScale.length; i++) if (z >= pointScale[i][0]) return pointScale[i][1]; return 1; }
  function sized(options) {
    if (options.radius) { options.planmapRadius = options.radius; options.radius *= scaleAt(map.getZoom()); }
    return options;
  }
  function rescale(l) {
    var r = l.options && l.options.planmapRadius && l.options.planmapRadius * scaleAt(map.getZoom());
    if (r && l.getRadius() !== r) l.setRadius(r);  // (a redraw: only where the zoom changed it)
  }
  map.on("zoomend", function () { map.eachLayer(rescale); });
  map.on("layeradd", function (e) { rescale(e.layer); });

  // One layer of plan features (layers/remote.py PlanLayer): the payload at o.url, fetched
  // at once but drawn in script order per queue (on canvas the last added is on top, and
  // responses arrive in any order), or given inline.
  window.planmapLayer = function (group, o, inline) {
    var styles = [];
    var place = {pane: o.pane || "overlayPane", interactive: o.interactive};
    // Over the cluster icons, SVG: a canvas there would take every click meant for them.
    if (o.pane === {{ this.precise | tojson }}) place.renderer = L.svg({pane: o.pane});
    var layer = L.geoJson(null, Object.assign({
      smoothFactor: o.smoothFactor,
      style: function (f) { return styles[f.properties.s]; },
      // (points are made here, so they take their pane and renderer from here too)
      pointToLayer: function (f, latlng) { return L.circleMarker(latlng, sized(Object.assign({}, place, styles[f.properties.s]))); }
    }, place));
    var target = o.cluster
      ? L.markerClusterGroup(Object.assign({}, o.cluster, {iconCreateFunction: window.planmapClusterIcon}))
      : layer;
    // One tooltip for the group, shown for the feature under the pointer (the text is HTML-escaped).
    if (o.interactive) target.bindTooltip(function (l) { return l.feature ? l.feature.properties.tooltip : ""; }, {sticky: true});
    if (o.popups) target.bindPopup(function (l) { return l.feature ? l.feature.properties.popup : ""; }, {maxWidth: 360});
    target.addTo(group);
    function draw(d) {
      styles = d.styles || [];
      layer.addData(d);
      if (target !== layer) target.addLayers(layer.getLayers());
      if (o.labels) labels.addFeatures(layer, group, target !== layer ? target : null, o.layer);
    }
    if (!o.url) { draw(inline); return; }
    window.planmapPending = (window.planmapPending || 0) + 1;
    var data = fetch(o.url).then(function (r) {
      if (!r.ok) throw new Error(r.status + " " + r.statusText);
      return r.json();
    });
    var queues = window.planmapQueues = window.planmapQueues || {};
    queues[o.queue] = (queues[o.queue] || Promise.resolve()).then(function () {
      return data.then(draw).catch(function (e) {
        console.error("map data " + o.url + ": " + e);
        (window.planmapFailed = window.planmapFailed || []).push(o.url);
      }).finally(function () { window.planmapPending -= 1; });
    });
  };

  // Layers drawn as vector tiles (layers/remote.py PlanTiles; the tile contract in geo/mvt.py):
  // one VectorGrid per pane the features go to, sharing each decoded tile.  A feature's
  // style is looked up in o.style (layers/style.py tile_style_table) by its attributes;
  // a click reaches st_folium as a click on a vector feature does (e.layer.toGeoJSON()
  // with properties.id), and hover shows the name in a tooltip.
  window.planmapTiles = function (group, o) {
    var t = o.style, decoded = {}, order = [], rank = new WeakMap(), made = {};
    var Grid = L.VectorGrid.Protobuf.extend({
      _getVectorTilePromise: function (coords) {
        var key = coords.z + "/" + coords.x + "/" + coords.y, url = o.url;
        if (!decoded[key]) {
          order.push(key);
          if (order.length > 512) delete decoded[order.shift()];
          decoded[key] = L.VectorGrid.Protobuf.prototype._getVectorTilePromise.call(this, coords).then(function (tile) {
            // Geometry rank (areas 0, lines 1, points 2) by the properties the style function is given.
            for (var name in tile.layers) tile.layers[name].features.forEach(function (f) { rank.set(f.properties, 3 - f.type); });
            return tile;
          }).catch(function (e) {
            console.error("map tile " + url + " " + key + ": " + e);
            (window.planmapFailed = window.planmapFailed || []).push(url);
            return {layers: {}};
          });
        }
        return decoded[key];
      },
      _createLayer: function (feat, pxPerExtent) {
        var l = L.VectorGrid.prototype._createLayer.call(this, feat, pxPerExtent);
        l.feature = {type: "Feature", properties: feat.properties, geometry: null};
        l.toGeoJSON = function () { return l.feature; };  // what st_folium reports of a click
        l.getLatLng = null;  // a tile's point has none: Leaflet places its events at the pointer instead
        return l;
      }
    });
    function kindOf(p) { return t.layerClasses[p.layer] || t.classes[p.precision] || t.fallback; }
    function colourOf(p) {
      var themes = p.themes ? p.themes.split(",") : [];
      for (var i = 0; i < themes.length; i++) if (t.colours[themes[i]]) return t.colours[themes[i]];
      return t.defaultColour;
    }
    function styleOf(p, kinds, zoom) {
      var kind = kindOf(p);
      if (kinds.indexOf(kind) < 0) return [];  // another grid's, or not drawn (known only to the district)
      var key = p.layer + "|" + kind + "|" + rank.get(p), colour = colourOf(p), id = key + colour + "|" + scaleAt(zoom);
      if (!(id in made)) {
        var s = t.styles[key], out = {};
        for (var k in s) out[k] = s[k] === t.slot ? colour : s[k];
        if (out.radius) out.radius *= scaleAt(zoom);
        made[id] = s ? [out] : [];
      }
      return made[id];
    }
    function nameOf(p) { return t.lang === "zh" || !p.name_en ? p.name_zh : p.name_en; }
    var tip = L.tooltip({sticky: true}), text = document.createElement("span");
    function hover(e) {
      var p = e.layer && e.layer.properties;
      if (!p) return;
      text.textContent = nameOf(p) + (t.notes[kindOf(p)] || "");
      tip.setContent(text).setLatLng(e.latlng);
      if (!map.hasLayer(tip)) tip.openOn(map);
    }
    // Names of a tile's points at street zoom, through the label manager as on vector layers
    // (a point in the tile's buffer is named by the tile it lies in); gone with the tile.
    function tileLabels(grid, group) {
      var named = {}, layer = L.layerGroup().addTo(group), minZoom = {{ this.label_zoom }};
      grid.on("tileload", function (e) {
        var c = e.coords, key = c.z + "/" + c.x + "/" + c.y;
        if (c.z < minZoom || named[key] || !decoded[key]) return;
        named[key] = [];
        decoded[key].then(function (tile) {
          if (!named[key]) return;  // unloaded meanwhile
          for (var name in tile.layers) {
            var n = tile.layers[name].extent;
            tile.layers[name].features.forEach(function (f) {
              var p = f.properties, kind = kindOf(p), at = f.type === 1 && f.geometry[0] && f.geometry[0][0];
              if (!at || at.x < 0 || at.y < 0 || at.x >= n || at.y >= n || (kind !== "precise" && kind !== "approx")) return;
              var latlng = map.unproject(L.point((c.x + at.x / n) * 256, (c.y + at.y / n) * 256), c.z);
              var label = {k: kind, label: nameOf(p)}, style = labels.kind(label);
              named[key].push(labels.add(latlng, labels.name(label), style.cls, {priority: style.priority, minZoom: minZoom,
                                                                                parent: layer, layer: p.layer, ord: p.ord}));
            });
          }
        });
      });
      grid.on("tileunload", function (e) {
        var key = e.coords.z + "/" + e.coords.x + "/" + e.coords.y;
        if (named[key]) labels.drop(named[key]);
        delete named[key];
      });
    }
    o.grids.forEach(function (g) {
      var styles = {};
      o.layers.forEach(function (name) { styles[name] = function (p, zoom) { return styleOf(p, g.kinds, zoom); }; });
      var grid = new Grid(o.url, {pane: g.pane, interactive: true, maxZoom: o.maxZoom, updateWhenZooming: false,
                                  vectorTileLayerStyles: styles, planmapFeatures: g.features,
                                  getFeatureId: function (f) { return f.properties.id; }});
      grid.on("loading", function () { grid.planmapLoaded = false; });
      grid.on("load", function () { grid.planmapLoaded = true; });
      grid.on("mouseover mousemove", hover).on("mouseout", function () { map.removeLayer(tip); });
      if (g.kinds.indexOf("precise") >= 0 || g.kinds.indexOf("approx") >= 0) tileLabels(grid, group);
      grid.addTo(group);
    });
  };

  window.planmapClusterIcon = function (cluster) {
    var n = cluster.getChildCount(), size = n < 10 ? 26 : n < 100 ? 32 : 38;
    return L.divIcon({html: String(n), className: "planmap-cluster", iconSize: L.point(size, size)});
  };

  var texts = {{ this.label_texts | tojson }}, layerOrder = {{ this.layer_order | tojson }};
  function rankOf(layer) { var i = layerOrder.indexOf(layer); return i < 0 ? layerOrder.length : i; }
  // Which of two colliding labels is shown: never the one that arrived first (vector layers
  // and tiles arrive in any order), so that a reload names the same places.  Higher
  // priority, then the map's layer order, then the plan's own order (ord; a basemap label
  // has none), then by text and place.
  function before(a, b) {
    var p = a.marker.getLatLng(), q = b.marker.getLatLng(), s = a.el.textContent, u = b.el.textContent;
    return b.priority - a.priority || rankOf(a.layer) - rankOf(b.layer) || (a.ord === undefined ? 0 : b.ord === undefined ? 0 : a.ord - b.ord) ||
      (s < u ? -1 : s > u ? 1 : 0) || q.lat - p.lat || p.lng - q.lng;
  }
  var APPROX = 7;  // priority of an approximate place's name: under located names (10), over basemap places (5)
  var labels = window.planmapLabels = {
    items: [], clusters: [], frame: null,
    // A label's marker and element: text (set as text, never as HTML), CSS class.
    make: function (latlng, text, cls, parent) {
      var el = document.createElement("div");
      el.className = "planmap-label " + cls;
      el.textContent = text;
      var marker = L.marker(latlng, {icon: L.divIcon({html: el, className: "planmap-label-icon", iconSize: null}),
                                     pane: {{ this.labels_pane | tojson }}, interactive: false, keyboard: false});
      marker.addTo(parent || map);
      return {marker: marker, el: el};
    },
    // A label placed on every move.  o: priority (higher first), minZoom, parent (the layer
    // group it goes in), and for a feature's name its plan layer and its place in the
    // plan's data (ord), which order names of one priority (see before()).
    add: function (latlng, text, cls, o) {
      var it = Object.assign(this.make(latlng, text, cls, o.parent), {priority: o.priority, minZoom: o.minZoom,
                                                                      layer: o.layer, ord: o.ord});
      this.items.push(it);
      this.schedule();
      return it.marker;
    },
    // Labels gone with what they name (a vector tile unloaded).
    drop: function (markers) {
      var gone = new Set(markers);
      markers.forEach(function (m) { m.remove(); });
      this.items = this.items.filter(function (it) { return !gone.has(it.marker); });
      this.schedule();
    },
    // Name labels of a layer's features that carry one (properties.label; lp: [lat, lon] off
    // points): located ones in bold, approximate ones (k "approx") marked as such and below them.
    // In a cluster group the labels follow what it shows (clusterLabels).
    addFeatures: function (layer, parent, cluster, name) {
      var group = L.layerGroup().addTo(parent || map), order = 0;
      if (cluster) {
        layer.eachLayer(function (l) { l.planmapOrder = order++; });
        this.clusters.push({cluster: cluster, group: group, pool: [], layer: name});
        this.schedule();
        return;
      }
      layer.eachLayer(function (l) {
        var p = l.feature && l.feature.properties;
        if (!p || !p.label) return;
        var kind = labels.kind(p);
        labels.add(p.lp ? L.latLng(p.lp[0], p.lp[1]) : l.getLatLng(), labels.name(p), kind.cls,
                   {priority: kind.priority, minZoom: {{ this.label_zoom }}, parent: group, layer: name, ord: p.o});
      });
    },
    kind: function (p) { return p.k === "approx" ? {cls: "approx", priority: APPROX} : {cls: "feature", priority: 10}; },
    name: function (p) { return p.k === "approx" ? texts.approx.replace("{name}", p.label) : p.label; },
    // The labels of a cluster group at this zoom: a feature shown on its own is named, a
    // cluster by its first feature (in the layer's order) and how many it holds.  Label
    // markers are kept in a pool per group and moved, not made anew on every move.
    clusterLabels: function (c, view) {
      var out = [];
      if (!c.cluster._map) return out;
      // what the group shows now: Leaflet.markercluster 1.5 keeps it in _featureGroup
      c.cluster._featureGroup.eachLayer(function (l) {
        var at = l.getLatLng(), first = l, n = 1;
        if (!view.contains(at)) return;
        if (l instanceof L.MarkerCluster) {
          var members = l.getAllChildMarkers();
          n = members.length;
          members.forEach(function (m) { if (m.planmapOrder < first.planmapOrder || first === l) first = m; });
        }
        var p = first.feature && first.feature.properties;
        if (!p || !p.label) return;
        var kind = labels.kind(p), text = labels.name(p);
        if (n > 1) text = texts.cluster.replace("{name}", text).replace("{n}", n).replace("{more}", n - 1);
        out.push({at: at, text: text, cls: kind.cls + (n > 1 ? " cluster" : ""), priority: kind.priority - (n > 1 ? 1 : 0),
                  ord: p.o});
      });
      out.forEach(function (d, i) {
        var it = c.pool[i] = c.pool[i] || Object.assign(labels.make(d.at, "", "", c.group),
                                                        {minZoom: {{ this.label_zoom }}, layer: c.layer});
        it.marker.setLatLng(d.at);
        it.el.textContent = d.text;
        it.el.className = "planmap-label " + d.cls;
        it.priority = d.priority;
        it.ord = d.ord;
      });
      return c.pool.slice(0, out.length);
    },
    schedule: function () {
      if (this.frame === null) this.frame = requestAnimationFrame(function () { labels.frame = null; labels.update(); });
    },
    update: function () {
      var zoom = map.getZoom(), view = map.getBounds(), placed = [];
      var live = this.items.filter(function (it) { return it.marker._map; });
      this.clusters.forEach(function (c) {
        c.pool.forEach(function (it) { it.el.style.visibility = "hidden"; });
        if (zoom >= {{ this.label_zoom }}) live = live.concat(labels.clusterLabels(c, view));
      });
      live.sort(before);
      // No label is cut by the map's edge or put under its controls (zoom, legend, attribution);
      // an approximate place's is not drawn over a cluster's count either (located names,
      // stations and districts go first, over them).
      var edge = map.getContainer().getBoundingClientRect(), shown = 0, bubbles = false;
      map.getContainer().querySelectorAll(".leaflet-control").forEach(function (e) { placed.push(e.getBoundingClientRect()); });
      live.forEach(function (it) {
        if (!bubbles && it.priority <= APPROX) {
          bubbles = true;
          map.getContainer().querySelectorAll(".planmap-cluster").forEach(function (e) { placed.push(e.getBoundingClientRect()); });
        }
        var show = zoom >= it.minZoom && view.contains(it.marker.getLatLng());
        it.el.style.visibility = show ? "visible" : "hidden";
        if (!show) return;
        var r = it.el.getBoundingClientRect();
        var hit = r.left < edge.left || r.right > edge.right || r.top < edge.top || r.bottom > edge.bottom ||
          placed.some(function (q) {
            return r.left < q.right + 2 && r.right > q.left - 2 && r.top < q.bottom + 1 && r.bottom > q.top - 1;
          });
        if (hit) it.el.style.visibility = "hidden"; else { placed.push(r); shown++; }
      });
      window.planmapLabelsShown = shown;
    }
  };
  map.on("zoomend moveend layeradd", function () { labels.schedule(); });

  var fades = {{ this.fades | tojson }};
  function fade() {
    var z = map.getZoom(), opacity = 1;
    for (var i = 0; i < fades.length; i++) if (z >= fades[i][0]) { opacity = fades[i][1]; break; }
    var pane = map.getPane({{ this.structure | tojson }});
    pane.style.opacity = opacity;
    pane.style.display = opacity ? "" : "none";
    window.planmapStructureShown = opacity > 0;
    map.getContainer().dataset.zoom = z;
  }
  map.on("zoomend", fade);
  fade();

  // Fit bounds clear of an open legend (it lies over the map's bottom left) and of *right*
  // pixels on the right (a handout's panel): beside the legend or above it, whichever shows
  // the bounds closer.  (A legend as wide as the map is not laid out yet: not counted.)
  window.planmapFitClear = function (bounds, maxZoom, right) {
    right = right || 20;
    var size = map.getSize(), legend = map.getContainer().querySelector(".plan-legend details[open]");
    var box = legend && legend.getBoundingClientRect(), ways = [[[20, 20], [right, 20]]], best = null;
    if (box && box.width < size.x - right) ways = [[[box.width + 30, 20], [right, 20]], [[20, 20], [right, box.height + 30]]];
    ways.forEach(function (w) {
      var pad = L.point(w[0]).add(L.point(w[1]));
      if (pad.x >= size.x || pad.y >= size.y) return;
      var zoom = Math.min(maxZoom, map.getBoundsZoom(bounds, false, pad));
      if (!best || zoom > best.zoom) best = {zoom: zoom, way: w};
    });
    best = best || {way: [[0, 0], [0, 0]]};
    // not animated: a second fit while the first one's pan runs would stop it halfway
    map.fitBounds(bounds, {paddingTopLeft: best.way[0], paddingBottomRight: best.way[1], maxZoom: maxZoom, animate: false});
  };

  var Fit = L.Control.extend({
    options: {position: "topleft"},
    onAdd: function () {
      var bar = L.DomUtil.create("div", "leaflet-bar planmap-fit");
      var a = L.DomUtil.create("a", "", bar);
      a.href = "#"; a.setAttribute("role", "button"); a.title = {{ this.fit_title | tojson }};
      a.setAttribute("aria-label", {{ this.fit_title | tojson }});
      a.textContent = "\u2922";
      L.DomEvent.on(a, "click", function (e) {
        L.DomEvent.preventDefault(e); L.DomEvent.stopPropagation(e);
        var fit = window.planmapFit;
        if (fit) map.fitBounds(fit.bounds, {maxZoom: fit.maxZoom, padding: [24, 24]});
      });
      return bar;
    }
  });
  new Fit().addTo(map);
})();
{% endmacro %}
""")

    def __init__(self, lang: str = "zh", layer_order: tuple[str, ...] = ()):
        """*layer_order*: plan layers in the order their features' names go first."""
        super().__init__()
        self._name = "MapChrome"
        self.layer_order = list(layer_order)
        self.css, self.structure, self.labels_pane, self.precise = CSS, STRUCTURE_PANE, LABELS_PANE, PRECISE_PANE
        self.tiles = TILES_PANE
        self.label_zoom, self.fades = LABEL_ZOOM, [list(f) for f in STRUCTURE_FADE]
        self.point_scale = [list(s) for s in POINT_SCALE]
        self.fit_title = t(lang, "map.fit")
        self.label_texts = {"approx": t(lang, "map.approx_label"), "cluster": t(lang, "map.cluster_label")}


class FitView(MacroElement):
    """Fit the map to *target* (south, west, north, east in display coordinates) once per
    *token*; with *apply* False the token is only marked as seen (the URL set the view).
    *extent* is what the reset control fits to: the current filter."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var group = {{ this._parent.get_name() }};
  var map = group._map || window.map;
  if (!map) return;
  var extent = {{ this.extent | tojson }};
  if (extent) window.planmapFit = {bounds: [[extent[0], extent[1]], [extent[2], extent[3]]], maxZoom: {{ this.max_zoom }}};
  var token = {{ this.token | tojson }}, target = {{ this.target | tojson }};
  if (window.planmapFitToken === token) return;
  window.planmapFitToken = token;
  {%- if this.apply %}
  if (target) map.fitBounds([[target[0], target[1]], [target[2], target[3]]], {maxZoom: {{ this.max_zoom }}, padding: [24, 24]});
  {%- endif %}
})();
{% endmacro %}
""")

    def __init__(self, token: str, target, extent, apply: bool = True, max_zoom: int = MAX_FIT_ZOOM):
        super().__init__()
        self._name = "FitView"
        self.token, self.apply, self.max_zoom = token, apply, max_zoom
        self.target = [round(float(v), 6) for v in target] if target is not None else None
        self.extent = [round(float(v), 6) for v in extent] if extent is not None else None


class DistrictBadges(MacroElement):
    """One badge per district counting the shown features known only to that district (they
    have no symbol of their own).  A click on a badge reaches st_folium as a click on the
    feature ``{"id": "district-wide:<district>"}``; on a map with no side panel (a
    handout) the badge opens the list of their names (``popup``, escaped HTML)."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var group = {{ this._parent.get_name() }};
  L.geoJson({{ this.data | tojson }}, {
    pointToLayer: function (f, latlng) {
      var el = document.createElement("span");
      el.className = "planmap-badge";
      el.textContent = f.properties.text;
      var marker = L.marker(latlng, {icon: L.divIcon({html: el, className: "planmap-badge-icon", iconSize: null}),
                                     title: f.properties.text, keyboard: true, riseOnHover: true});
      if (f.properties.popup) marker.bindPopup(f.properties.popup, {maxWidth: 360, maxHeight: 320});
      return marker;
    }
  }).addTo(group);
})();
{% endmacro %}
""")

    def __init__(self, badges: list[dict]):
        """*badges*: {district, lat, lon, text[, popup]} each, in display coordinates."""
        super().__init__()
        self._name = "DistrictBadges"
        self.data = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [b["lon"], b["lat"]]},
             "properties": {"id": f"{BADGE_PREFIX}{b['district']}", "text": b["text"],
                            **({"popup": b["popup"]} if b.get("popup") else {})}} for b in badges]}


BADGE_PREFIX = "district-wide:"


def district_badges(features, lang: str, to_gcj: bool = False, with_list: bool = False) -> DistrictBadges:
    """The badges of the features of *features* known only to their district, where the
    district has the fewest symbols; *with_list*: each badge lists their names (for handouts)."""
    wide = features[(features["precision"] == "district") & (features["layer"] != "districts")]
    parts = dict(list(wide.groupby("district")))
    lists = {d: sorted(display_name(zh, en, lang) for zh, en in zip(p["name_zh"], p["name_en"]))
             for d, p in parts.items()} if with_list else None
    return count_badges({d: len(p) for d, p in parts.items()}, lang, to_gcj, lists, badge_points(features))


def count_badges(counts: dict[str, int], lang: str, to_gcj: bool = False,
                 lists: dict[str, list[str]] | None = None,
                 points: dict[str, tuple[float, float]] | None = None) -> DistrictBadges:
    """A badge per district of *counts* (district-wide items), listing *lists*' names if given,
    at *points* ((lon, lat) by district: geo.placement.badge_points), else at the district's
    label point."""
    labels = reference.districts().set_index("name")
    badges = []
    for district, n in sorted(counts.items()):
        lon, lat = (points or {}).get(district) or (labels.loc[district, "label_lon"], labels.loc[district, "label_lat"])
        lon, lat = float(lon), float(lat)
        if to_gcj:
            lon, lat = wgs84_to_gcj02(lon, lat)
        badge = {"district": district, "lat": lat, "lon": lon,
                 "text": t(lang, "badge", district=district_name(district, lang), n=n)}
        if lists is not None:
            badge["popup"] = "<ul style='margin:0;padding-left:16px'>" + "".join(
                f"<li>{escape(name)}</li>" for name in lists[district]) + "</ul>"
        badges.append(badge)
    return DistrictBadges(badges)


class OrientationLabels(MacroElement):
    """Basemap labels through the label manager (so feature names and these never
    collide), with a small dot under each station: (lat, lon, text, kind, priority, min zoom)."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var group = L.layerGroup().addTo(map);
  {{ this.labels | tojson }}.forEach(function (l) {
    if (l[3] === "station")
      L.circleMarker([l[0], l[1]], {radius: 3, color: "#0b4f8a", weight: 1.5, fillColor: "#fff", fillOpacity: 1,
                                    interactive: false, pane: {{ this.pane | tojson }}}).addTo(group);
    window.planmapLabels.add([l[0], l[1]], l[2], l[3], {priority: l[4], minZoom: l[5], parent: group});
  });
})();
{% endmacro %}
""")

    def __init__(self, labels):
        super().__init__()
        self._name = "OrientationLabels"
        self.labels = [list(label) for label in labels]
        self.pane = "basemap-points"
