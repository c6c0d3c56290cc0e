"""Presenting the plan: stop captions, stop maps and self-contained HTML handouts.

A handout is one HTML file that opens from disk on a laptop with no network: the
offline basemap, every JS/CSS asset inlined from ``static/vendor`` (images as data:
URIs), nothing fetched.  A tour handout carries all its stops and steps through them
with its own buttons, the arrow keys, space and PageUp/PageDown (presentation
clickers send those); ``#stop=N`` in the address opens a stop directly.
"""
from __future__ import annotations

import base64
import mimetypes
import re
from functools import lru_cache
from html import escape

import folium
import geopandas as gpd
from branca.element import MacroElement, Template

from geo.indicators import number
from geo.plans import read_catalog
from geo.tours import Caption, Stop, Tour, caption, view_bounds, visible_ids
from geo.vocab import Vocabulary, display_name
from geo.i18n import t

from .assets import LOCAL, STATIC_DIR, localize, static_url
from geo.errors import AssetError
from .legend import Legend, legend_html
from .map import build_base_map, build_map, drawn, feature_groups, layer_collections
from .popup import quote_html
from .style import THEME_COLOURS, colour_for, draw_class

LEGEND_PX = 20      # read from the back of a room
MAX_FIT_ZOOM = 16   # a one-point stop should not zoom to the street
PANEL_PX = 480      # the handout's caption panel, kept clear when fitting a stop


# Shared by the handout and the presentation view; sizes in em follow the container's font size.
CAPTION_CSS = """
.plan-caption blockquote{margin:0 0 .6em 0;padding:.1em 0 .1em .6em;border-left:.25em solid #b0b0b0;color:#111;opacity:1 !important;font-size:1em}
.plan-caption .plan-source{display:block;font-size:.6em;color:#666;margin-top:.2em}
.plan-caption ul{margin:.2em 0 .6em 0;padding-left:1.1em}
.plan-caption li b{font-size:1.15em}
.plan-caption .plan-names{font-size:.65em;color:#444}
"""


# --- captions ------------------------------------------------------------------------

@lru_cache(maxsize=1)
def document_titles() -> dict[str, str]:
    return {row["doc_id"]: row["title_zh"] for row in read_catalog()}


def _target_text(target: dict) -> str:
    year = f"（{target['year']}）" if target.get("year") else ""
    baseline = f"{escape(str(target['baseline']))} → " if target.get("baseline") else ""
    return (f"{baseline}<b>{escape(str(target['value']))}{escape(target.get('unit') or '')}</b> "
            f"{escape(target['indicator'])}{escape(year)}{baseline_bars(target)}")


def baseline_bars(target: dict) -> str:
    """An inline two-bar SVG (baseline grey, target dark) when the target and its baseline are both numbers."""
    b, v = number(str(target.get("baseline") or "")), number(str(target.get("value", "")))
    if b is None or v is None or max(b, v) <= 0:
        return ""
    w = lambda x: round(60 * max(x, 0) / max(b, v), 1)  # noqa: E731
    return (f"<svg class='target-bars' width='64' height='14' role='img' aria-label='{escape(str(b))} → {escape(str(v))}'>"
            f"<rect x='0' y='1' width='{w(b)}' height='5' fill='#b0b0b0'/><rect x='0' y='8' width='{w(v)}' height='5' fill='#333'/></svg>")


def caption_html(cap: Caption, lang: str = "zh") -> str:
    """The plan's words for a stop: quotes with their source, targets, names shown (all escaped)."""
    text, titles = t(lang, "handout"), document_titles()
    parts = ["<div class='plan-caption'>"]
    for q in cap.quotes:
        source = " › ".join(x for x in (titles.get(q.document, q.document), q.section_path.split(" › ")[-1]) if x)
        parts.append(quote_html(q.text, source))
    if cap.targets:
        items = "".join(f"<li>{_target_text(target)}</li>" for target in cap.targets)
        parts.append(f"<div><i>{escape(text['targets'])}</i></div><ul>{items}</ul>")
    names = t(lang, "list_sep").join(display_name(zh, en, lang) for zh, en in cap.names)
    parts.append(f"<div class='plan-names'>{escape(text['shown'])}{escape(names)}</div></div>")
    return "".join(parts)


# --- maps of stops ---------------------------------------------------------------------

def emphasised(style: dict, focus: bool) -> dict:
    """A stop's own features bold; the context around them faded."""
    if focus:  # outlined, also where the feature is drawn without a stroke (an approximate one)
        return {**style, "weight": max(style.get("weight", 2), 1.5) + 2, "opacity": 1.0, "stroke": True}
    return {**style, "opacity": 0.4, "fillOpacity": round(style.get("fillOpacity", 0.2) * 0.4, 3)}


def stop_styles(stop: Stop, collections: list[tuple[str, str, dict]]) -> dict[str, dict]:
    """Style of every feature in *collections* at *stop*."""
    focus = set(stop.features)
    return {f["properties"]["id"]: emphasised(f["properties"]["style"], f["properties"]["id"] in focus)
            for _, _, collection in collections for f in collection["features"]}


def restyled(collections: list[tuple[str, str, dict]], styles: dict[str, dict]) -> list[tuple[str, str, dict]]:
    """Copies of *collections* (they may be cached) with the given feature styles."""
    def feature(f: dict) -> dict:
        return {**f, "properties": {**f["properties"], "style": styles[f["properties"]["id"]]}}
    return [(layer, label, {**c, "features": [feature(f) for f in c["features"]]}) for layer, label, c in collections]


def shown_themes(frame: gpd.GeoDataFrame, vocab: Vocabulary) -> list[str]:
    """Themes whose colour is on show (a feature takes the colour of one of its themes)."""
    colours = {colour_for(themes) for themes in frame.loc[frame["layer"] != "districts", "themes"]}
    return [t for t in vocab.themes if THEME_COLOURS.get(t) in colours]


def shown_symbols(frame: gpd.GeoDataFrame) -> list[str]:
    """The legend's symbols (layers/legend.py SYMBOLS) the features of *frame* are drawn with
    on a stop's map, which neither clusters nor has district badges."""
    kinds = {draw_class(layer, precision) for layer, precision in zip(frame["layer"], frame["precision"])}
    return [kind for kind in ("precise", "approx", "structure") if kind in kinds]


def stop_legend(stop: Stop, frame: gpd.GeoDataFrame, vocab: Vocabulary, lang: str) -> str:
    """Legend of only the colours and symbols on show at *stop*, in big type: open, and so
    kept short, as it lies over the map."""
    shown = frame.loc[visible_ids(stop, frame)]
    return legend_html(vocab, shown_themes(shown, vocab), lang, LEGEND_PX, open_=True,
                       symbols_shown=shown_symbols(shown))


def set_legend(m: folium.Map, html: str) -> None:
    """Replace the legend build_base_map added (it lists every theme)."""
    for child in m._children.values():
        if isinstance(child, Legend):
            child.html = html


class ForwardKeys(MacroElement):
    """Hands the stepping keys from the map's frame to the page, whose buttons own them.

    In the app the map sits in an iframe: once clicked, it would keep the keyboard
    (and pan on the arrows) and the presenter could no longer step through the tour.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function() {
  var keys = {{ this.keys | tojson }};
  window.addEventListener("keydown", function(e) {
    if (keys.indexOf(e.key) < 0 || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault(); e.stopPropagation();
    try {
      window.parent.document.body.dispatchEvent(new KeyboardEvent("keydown",
        {key: e.key, code: e.code, keyCode: e.keyCode, bubbles: true}));
    } catch (err) {}  // not embedded, or another origin: nothing to forward to
  }, true);
})();
{% endmacro %}
""")

    def __init__(self, keys: list[str]):
        super().__init__()
        self._name = "ForwardKeys"
        self.keys = keys


class FitClear(MacroElement):
    """Frame the map on *bounds* clear of its open legend (``window.planmapFitClear``, layers/view.py)."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }}, box = map.getContainer();
  function fit() { window.planmapFitClear({{ this.bounds | tojson }}, {{ this.max_zoom }}); }
  fit();
  // Again as the legend and the map take their size (styles and fonts arrive after this
  // script), until the person moves the map.
  if (!window.ResizeObserver) return;
  var watch = new ResizeObserver(fit), legend = box.querySelector(".plan-legend");
  watch.observe(box);
  if (legend) watch.observe(legend);
  ["mousedown", "touchstart", "wheel", "keydown"].forEach(function (e) {
    box.addEventListener(e, function () { watch.disconnect(); }, {once: true});
  });
})();
{% endmacro %}
""")

    def __init__(self, bounds, max_zoom: int):
        super().__init__()
        self._name = "FitClear"
        self.bounds, self.max_zoom = [list(corner) for corner in bounds], max_zoom


def stop_map(stop: Stop, frame: gpd.GeoDataFrame, vocab: Vocabulary, lang: str = "zh",
             forward_keys: list[str] = ()) -> tuple[folium.Map, list[folium.FeatureGroup]]:
    """(base map framed on the stop, feature groups to draw on it) for the presentation view."""
    m = build_base_map(vocab, lang=lang, legend_px=LEGEND_PX)
    set_legend(m, stop_legend(stop, frame, vocab, lang))
    m.add_child(FitClear(view_bounds(stop, frame), MAX_FIT_ZOOM))
    if forward_keys:
        m.add_child(ForwardKeys(list(forward_keys)))
    collections = layer_collections(frame.loc[visible_ids(stop, frame)], vocab, lang)
    return m, feature_groups(restyled(collections, stop_styles(stop, collections)), vocab, lang, cluster=False)


# --- self-contained HTML ------------------------------------------------------------------

def _data_uri(path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"


def _inline_css(rel: str) -> str:
    """A vendored stylesheet with its relative url(...) images embedded."""
    path = STATIC_DIR / rel
    def embed(match: re.Match) -> str:
        url = match.group(1).strip("'\"")
        if url.startswith(("data:", "#")):
            return match.group(0)
        return f"url({_data_uri(path.parent / url)})"
    return re.sub(r"url\(([^)]*)\)", embed, path.read_text(encoding="utf-8"))


def inline_assets(html: str) -> str:
    """Replace the app-served <script src>/<link href> of vendored files with their contents."""
    base = static_url()  # where localize() pointed them
    for rel in sorted(set(LOCAL.values())):
        url = re.escape(base + rel)
        if rel.endswith(".js"):
            code = (STATIC_DIR / rel).read_text(encoding="utf-8").replace("</script", "<\\/script")
            html = re.sub(rf'<script src="{url}"></script>', lambda _m: f"<script>{code}</script>", html)
        else:
            css = _inline_css(rel)
            html = re.sub(rf'<link rel="stylesheet" href="{url}"/>', lambda _m: f"<style>{css}</style>", html)
    leftover = re.findall(r'<script[^>]+src=|<link[^>]+href=', html)
    if leftover:
        raise AssetError(f"handout would load {len(leftover)} asset(s) from outside the file: {leftover[:3]}")
    return html


def self_contained(m: folium.Map, title: str) -> str:
    """The whole page of *m* as one file: no request leaves it."""
    m.get_root().title = escape(title)  # branca does not escape it
    return inline_assets(localize(m).get_root().render())


def map_handout_html(frame: gpd.GeoDataFrame, vocab: Vocabulary, lang: str = "zh",
                     title: str = "重庆渝中区·大渡口区 规划地图") -> str:
    """The whole map (all of *frame*, every layer toggleable) as one offline HTML file."""
    return self_contained(build_map(frame, vocab, lang=lang, legend_px=14), title)


class TourSteps(MacroElement):
    """Caption panel, buttons and keys that step a handout map through a tour's stops."""

    _template = Template("""
{% macro header(this, kwargs) %}
<style>
#tour-panel{position:absolute;top:10px;right:10px;bottom:10px;width:{{ this.panel_px }}px;max-width:45vw;z-index:1000;
  overflow:auto;background:rgba(255,255,255,.95);border-radius:6px;box-shadow:0 1px 6px rgba(0,0,0,.35);
  padding:14px 18px;font:20px/1.45 "Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif}
#tour-panel .tour-name{font-size:.7em;color:#555}
#tour-panel h1{font-size:1.35em;margin:.2em 0 .5em 0;line-height:1.25}
#tour-panel .tour-nav{display:flex;gap:8px;align-items:center;margin-top:.6em}
#tour-panel button{font-size:.85em;padding:.3em .8em;cursor:pointer}
#tour-panel .tour-keys{font-size:.6em;color:#777}
{{ this.caption_css }}
</style>
{% endmacro %}
{% macro html(this, kwargs) %}
<div id="tour-panel">
  <div class="tour-name">{{ this.tour_title | e }} · <span id="tour-count"></span></div>
  <h1 id="tour-stop-title"></h1>
  <div id="tour-caption"></div>
  <div class="tour-nav"><button id="tour-prev">{{ this.text.prev | e }}</button>
    <button id="tour-next">{{ this.text.next | e }}</button><span class="tour-keys">{{ this.text['keys'] | e }}</span></div>
</div>
{% endmacro %}
{% macro script(this, kwargs) %}
(function() {
  var map = {{ this._parent.get_name() }};
  var stops = {{ this.stops | tojson }};
  window.planMap = map;
  var current = -1;
  // Every feature sub-layer by id, with the GeoJSON layer it belongs to.
  var parts = [];
  map.eachLayer(function(g) {
    if (!(g instanceof L.GeoJSON)) return;
    g.eachLayer(function(l) {
      var p = l.feature && l.feature.properties;
      if (!(p && p.id && p.tooltip !== undefined)) return;
      parts.push([p.id, l, g]);
      // The hover highlight resets to the drawn style: put back the stop's emphasis instead.
      l.on("mouseout", function() { var s = stops[current] && stops[current].styles[p.id]; if (s) l.setStyle(s); });
    });
  });
  function show(i) {
    i = Math.max(0, Math.min(stops.length - 1, i));
    var stop = stops[i], ids = new Set(stop.ids);
    parts.forEach(function(x) {
      if (ids.has(x[0])) {
        if (!x[2].hasLayer(x[1])) x[2].addLayer(x[1]);
        x[1].setStyle(stop.styles[x[0]]);
      } else if (x[2].hasLayer(x[1])) x[2].removeLayer(x[1]);
    });
    var legend = document.querySelector(".plan-legend");
    if (legend) legend.innerHTML = stop.legend;  // built and escaped by legend_html
    document.getElementById("tour-stop-title").textContent = stop.title;
    document.getElementById("tour-caption").innerHTML = stop.caption;  // escaped when built
    document.getElementById("tour-count").textContent = (i + 1) + " / " + stops.length;
    window.planmapFitClear(stop.bounds, {{ this.max_zoom }}, document.getElementById("tour-panel").offsetWidth + 30);
    current = i;
    history.replaceState(null, "", "#stop=" + (i + 1));
  }
  document.getElementById("tour-prev").onclick = function() { show(current - 1); };
  document.getElementById("tour-next").onclick = function() { show(current + 1); };
  var KEYS = {ArrowRight: 1, ArrowDown: 1, " ": 1, PageDown: 1, ArrowLeft: -1, ArrowUp: -1, PageUp: -1,
              Home: -stops.length, End: stops.length};
  // Capture phase: the map's own keyboard panning must not also see these keys.
  window.addEventListener("keydown", function(e) {
    var step = KEYS[e.key];
    if (!step || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault(); e.stopPropagation();
    show(current + step);
  }, true);
  function fromHash() {  // #stop=N opens stop N: links to stops, also when edited by hand
    var asked = /stop=(\\d+)/.exec(location.hash);
    show(asked ? parseInt(asked[1], 10) - 1 : 0);
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
{% endmacro %}
""")

    def __init__(self, tour_title: str, stops: list[dict], lang: str):
        super().__init__()
        self._name = "TourSteps"
        self.tour_title, self.stops, self.text = tour_title, stops, t(lang, "handout")
        self.panel_px, self.max_zoom, self.caption_css = PANEL_PX, MAX_FIT_ZOOM, CAPTION_CSS


def tour_handout_html(tour: Tour, frame: gpd.GeoDataFrame, vocab: Vocabulary, lang: str = "zh") -> str:
    """A tour as one offline HTML file that steps through its stops."""
    placed = set(drawn(frame).index)  # features known only to their district have no symbol to step through
    ids = [[i for i in visible_ids(stop, frame) if i in placed] for stop in tour.stops]
    shown = frame[frame.index.isin(set().union(*ids))]
    collections = layer_collections(shown, vocab, lang)
    m = build_base_map(vocab, lang=lang, legend_px=LEGEND_PX)
    for group in feature_groups(collections, vocab, lang, cluster=False):
        group.add_to(m)
    stops = [{"title": stop.label(lang), "caption": caption_html(caption(stop, frame), lang),
              "legend": stop_legend(stop, frame, vocab, lang), "bounds": view_bounds(stop, frame),
              "ids": stop_ids, "styles": {k: v for k, v in stop_styles(stop, collections).items() if k in stop_ids}}
             for stop, stop_ids in zip(tour.stops, ids)]
    m.add_child(TourSteps(tour.label(lang), stops, lang))
    return self_contained(m, tour.label(lang))
