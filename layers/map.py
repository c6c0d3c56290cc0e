"""The one map builder: basemap and controls, then the plan's features as layers.

Every map of the app (explore, planner, presenter, handout) is a :func:`build_base_map`
with groups from :func:`feature_groups` (embedded data) or the data route's payloads
(layers/payload.py), both drawn by :class:`layers.remote.PlanLayer`.  What the browser
gets per feature is its display geometry (simplified and rounded, computed once per
feature), ``id``, ``tooltip``, a name ``label`` for located and approximate features and an
index into its layer's table of styles.  How a feature is drawn follows its draw class
(layers/style.py): district-only features get no symbol (the district's badge counts
them, layers/view.py), schematic ones go to the plan-structure group, approximate points
cluster.  The exported data never carries any of this.
"""
from __future__ import annotations

import json
from typing import Callable

import folium
import geopandas as gpd
import numpy as np
import shapely
from folium import plugins

from geo import reference
from geo.basemaps import needs_gcj02
from geo.crs import METRIC, WGS84, geometry_to_gcj02, wgs84_to_gcj02
from geo.extent import filter_extent
from geo.vocab import Vocabulary, display_name
from geo.i18n import t

from .assets import localize
from .basemaps import add_offline_basemap, add_tiles
from .legend import Legend, legend_html
from .popup import popup_html, tooltip_texts
from .remote import ClusterAssets, Payload, TileAssets, encode, payload_key, plan_groups
from .style import POINT, draw_class, keyed_style, style_key
from .view import PRECISE_PANE, STRUCTURE_PANE, MapChrome, district_badges

LAYER_ORDER = ("districts", "zones", "business_districts", "corridors", "transit", "stations", "projects")
DEFAULT_CENTER = (29.465, 106.487)  # between 渝中 and 大渡口: both fit at zoom 11
DEFAULT_ZOOM = 11
MIN_ZOOM, MAX_ZOOM = 9, 19
SELECTION_PANE = "selection"
STRUCTURE = "structure"  # the map group of the plan's schematic structure, across layers
# Display geometry only (the data and exports keep every vertex): lines and areas are
# simplified by 5 % of the precision their location claims (an "area" is only known to
# ~1 km, so 50 m), within these bounds, and coordinates are rounded to ~1 m.
SIMPLIFY_SHARE = 0.05
DEFAULT_TOLERANCE_M = 2.0
MAX_TOLERANCE_M = 50.0
DECIMALS = 5


def display_shapes(geoms, to_gcj: bool = False, tolerance_m=DEFAULT_TOLERANCE_M) -> np.ndarray:
    """Geometries as drawn: lines and areas simplified by *tolerance_m* metres (a number or one
    per geometry), all rounded to DECIMALS."""
    out = np.array(geoms, dtype=object)
    tolerance = np.broadcast_to(np.asarray(tolerance_m, dtype=float), out.shape)
    shaped = shapely.get_type_id(out) != 0
    if shaped.any():
        metric = gpd.GeoSeries(out[shaped], crs=WGS84).to_crs(METRIC)
        simple = gpd.GeoSeries(shapely.simplify(metric.values, tolerance[shaped]), crs=METRIC).to_crs(WGS84)
        out[shaped] = simple.values
    if to_gcj:
        out = np.array([geometry_to_gcj02(g) for g in out], dtype=object)
    return shapely.transform(out, lambda xy: np.round(xy, DECIMALS))


def tolerances(frame: gpd.GeoDataFrame, vocab: Vocabulary) -> np.ndarray:
    """Display simplification per feature: a small share of the precision its location claims."""
    metres = {p: v.get("metres", 0) * SIMPLIFY_SHARE for p, v in vocab.precision.items()}
    return np.clip([metres.get(p, 0) for p in frame["precision"].tolist()], DEFAULT_TOLERANCE_M, MAX_TOLERANCE_M)


# (feature id, to_gcj) -> (geometry it was made from, GeoJSON geometry as drawn).  Data is
# loaded once per process, so this fills once; an entry counts only while the feature's
# geometry is the very same object, so other or reloaded data never gets a stale shape.
_DRAWN: dict[tuple[str, bool], tuple[object, dict]] = {}
_DRAWN_LIMIT = 1_000_000


def drawn_geometries(ids, geoms, to_gcj: bool = False, tolerance_m=DEFAULT_TOLERANCE_M) -> list[dict]:
    """GeoJSON geometry as drawn of each (id, geometry), computed once per feature."""
    out: list[dict | None] = []
    todo = []
    for i, fid in enumerate(ids):
        hit = _DRAWN.get((fid, to_gcj))
        out.append(hit[1] if hit is not None and hit[0] is geoms[i] else None)
        if out[-1] is None:
            todo.append(i)
    if todo:
        if len(_DRAWN) + len(todo) > _DRAWN_LIMIT:
            _DRAWN.clear()
        tolerance = np.broadcast_to(np.asarray(tolerance_m, dtype=float), (len(ids),))[todo]
        for i, shape in zip(todo, display_shapes([geoms[i] for i in todo], to_gcj, tolerance)):
            out[i] = shape.__geo_interface__
            _DRAWN[(ids[i], to_gcj)] = (geoms[i], out[i])
    return out


_DRAW_RANK = {"Polygon": 0, "MultiPolygon": 0, "LineString": 1, "MultiLineString": 1}
POINT_RANK = POINT
# Draw classes whose features carry a name label at street zoom: the approximate ones too,
# marked as such (layers/view.py), or a resident sees that something is planned there but not what.
LABELLED = ("precise", "approx")


def draw_rank(geometry_type: str) -> int:
    """Areas first, then lines, points last: on canvas the last drawn is on top and gets the click."""
    return _DRAW_RANK.get(geometry_type, POINT_RANK)


def drawn(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The rows that get a symbol of their own: all but those known only to their district."""
    return frame[[draw_class(layer, p) != "hidden" for layer, p in zip(frame["layer"].tolist(), frame["precision"].tolist())]]




def display_collection(frame: gpd.GeoDataFrame, vocab: Vocabulary, lang: str, selected: str | None, to_gcj: bool,
                       popups: bool = False) -> dict:
    """GeoJSON with only what the map needs per feature: id, tooltip (with how well the
    place is known), draw class ``k`` (layers/style.py), style, a name ``label`` (with its
    place ``o`` in the frame's order, and its point ``lp``, [lat, lon], on lines and areas)
    for the draw classes in :data:`LABELLED`,
    and for maps with no side panel such as the offline handout the escaped popup HTML; in
    :func:`draw_rank` order.  Features known only to their district are left out (:func:`drawn`).

    Features of one style share one style dict: replace it rather than change it in
    place.
    """
    frame = drawn(frame)
    ids = frame.index.tolist()
    geoms = frame.geometry.to_numpy()
    shapes = drawn_geometries(ids, geoms, to_gcj, tolerances(frame, vocab))
    kinds = [draw_class(layer, p) for layer, p in zip(frame["layer"].tolist(), frame["precision"].tolist())]
    notes = t(lang, "map.uncertainty")
    tips = [tip + notes.get(kind, "") for tip, kind in zip(tooltip_texts(frame, lang), kinds)]
    keys = [style_key(layer, themes, precision, fid == selected, draw_rank(shape["type"])) for fid, layer, themes, precision, shape
            in zip(ids, frame["layer"].tolist(), frame["themes"].tolist(), frame["precision"].tolist(), shapes)]
    styles = {key: keyed_style(key) for key in set(keys)}
    features = [{"type": "Feature", "geometry": shape,
                 "properties": {"id": fid, "tooltip": tip, "k": kind, "style": styles[key]}}
                for fid, shape, tip, key, kind in zip(ids, shapes, tips, keys, kinds)]
    for n, (feature, kind, zh, en) in enumerate(zip(features, kinds, frame["name_zh"].tolist(), frame["name_en"].tolist())):
        if kind in LABELLED:
            feature["properties"]["label"] = display_name(zh, en, lang)
            feature["properties"]["o"] = n  # the frame's order: of colliding names, the earlier is shown
            if feature["geometry"]["type"] != "Point":
                p = shapely.geometry.shape(feature["geometry"]).representative_point()
                feature["properties"]["lp"] = [p.y, p.x]
    if popups:
        for feature, (_, row) in zip(features, frame.iterrows()):
            feature["properties"]["popup"] = popup_html(row, vocab, lang)
    features.sort(key=lambda f: draw_rank(f["geometry"]["type"]))  # stable: the frame's order within a rank
    return {"type": "FeatureCollection", "features": features}


def layer_collections(frame: gpd.GeoDataFrame, vocab: Vocabulary, lang: str = "zh", selected: str | None = None,
                      to_gcj: bool = False, popups: bool = False) -> list[tuple[str, str, dict]]:
    """(layer, label, display GeoJSON) per non-empty layer: plain data, safe to cache."""
    out = []
    for layer, part in frame.groupby("layer", sort=False):
        if layer not in LAYER_ORDER:
            continue
        label = f"{vocab.label('layers', layer, lang)} ({len(part)})"
        out.append((layer, label, display_collection(part, vocab, lang, selected, to_gcj, popups)))
    return sorted(out, key=lambda item: LAYER_ORDER.index(item[0]))


def draw_parts(layer: str, ids: list[str], kind_of: Callable[[str], str], rank_of: Callable[[str], int],
               cluster_points: int) -> list[tuple[str, bool, str | None, list[str]]]:
    """How one layer's features (in draw order) go to the map: (group, cluster, pane, ids)
    parts.  Schematic features go to the plan-structure group and pane; approximate points,
    and all points of a layer with more than *cluster_points*, are clustered; precisely
    placed points go to a pane above the cluster icons (one must never hide them); the
    rest (lines and areas) is drawn as it is."""
    structure = [i for i in ids if kind_of(i) == "structure"]
    rest = [i for i in ids if kind_of(i) != "structure"]
    points = [i for i in rest if rank_of(i) == POINT]
    many = len(points) > cluster_points
    clustered = [i for i in points if many or kind_of(i) == "approx"]
    precise = [i for i in points if i not in set(clustered)]
    shapes = [i for i in rest if rank_of(i) != POINT]
    parts = [(layer, False, None, shapes), (layer, True, None, clustered), (layer, False, PRECISE_PANE, precise),
             (STRUCTURE, False, STRUCTURE_PANE, structure)]
    return [part for part in parts if part[3]]


def part_payloads(layer: str, ids: list[str], kind_of: Callable[[str], str], rank_of: Callable[[str], int],
                  text_of: Callable[[str], str], styles: list[dict], vocab: Vocabulary, lang: str,
                  cluster_points: int, popups: bool = False, cluster: bool = True) -> list[Payload]:
    """One layer's features (in draw order) as the payloads of :func:`draw_parts`; without
    *cluster* nothing is clustered."""
    out = []
    for group, clustered, pane, members in draw_parts(layer, ids, kind_of, rank_of, cluster_points):
        data = encode(styles, [text_of(i) for i in members])
        out.append(Payload(layer, group_label(group, len(members), vocab, lang), data, payload_key(data), len(members),
                           cluster and clustered, group, pane, labels=any(kind_of(i) in LABELLED for i in members),
                           popups=popups, interactive=layer != "districts"))
    return out


def group_label(group: str, count: int, vocab: Vocabulary, lang: str) -> str:
    name = t(lang, "map.structure") if group == STRUCTURE else vocab.label("layers", group, lang)
    return f"{name} ({count})"


def style_table(features: list[dict]) -> tuple[list[dict], list[dict]]:
    """(distinct styles, the features with ``properties.s``, an index into them, for ``properties.style``)."""
    table: list[dict] = []
    index: dict[tuple, int] = {}
    seen: dict[int, int] = {}  # id(style dict) -> its index: most features share a few dicts
    out = []
    for f in features:
        props = dict(f["properties"])
        style = props.pop("style", None) or {}
        if id(style) not in seen:
            seen[id(style)] = index.setdefault(tuple(sorted(style.items())), len(index))
            if seen[id(style)] == len(table):
                table.append(style)
        props["s"] = seen[id(style)]
        out.append({**f, "properties": props})
    return table, out


def collection_payloads(collections: list[tuple[str, str, dict]], vocab: Vocabulary, lang: str = "zh",
                        cluster: bool = True, cluster_points: int = 2000) -> list[Payload]:
    """The payloads of display collections (the embedded twin of layers.payload.layer_payloads):
    the same parts (:func:`draw_parts`), as bytes to put inline.  Without *cluster* nothing is
    clustered (a handout steps through its features one by one)."""
    out: list[Payload] = []
    for layer, _label, collection in collections:
        styles, features = style_table(collection["features"])
        by_id = {f["properties"]["id"]: f for f in features}
        kind = {fid: f["properties"]["k"] for fid, f in by_id.items()}
        rank = {fid: draw_rank(f["geometry"]["type"]) for fid, f in by_id.items()}
        out += part_payloads(layer, list(by_id), kind.__getitem__, rank.__getitem__,
                             lambda i: json.dumps(by_id[i], ensure_ascii=False, separators=(",", ":")), styles, vocab,
                             lang, cluster_points, popups=bool(features) and "popup" in features[0]["properties"],
                             cluster=cluster)
    return out


def feature_groups(collections: list[tuple[str, str, dict]], vocab: Vocabulary, lang: str = "zh",
                   cluster: bool = True) -> list[folium.FeatureGroup]:
    """Fresh folium groups drawing *collections* with their data embedded (folium objects are
    mutated when rendered, so these are made anew each time)."""
    return plan_groups(collection_payloads(collections, vocab, lang, cluster), lambda p: {"data": p.data})


def selection_group(frame: gpd.GeoDataFrame, fid: str | None, to_gcj: bool = False) -> folium.FeatureGroup | None:
    """A thick outline around the selected feature, drawn above everything else (in its
    own pane, which lets clicks through: the layers under it may arrive later).  A feature
    known only to its district outlines the district, dashed."""
    if not fid or fid not in frame.index:
        return None
    row = frame.loc[fid]
    hidden = draw_class(row["layer"], row["precision"]) == "hidden"
    geom = reference.district_shapes()[row["district"]] if hidden else row.geometry
    geom = geometry_to_gcj02(geom) if to_gcj else geom
    group = folium.FeatureGroup(name="selection", control=False)
    style = {"color": "#000000", "weight": 6, "fill": False, "opacity": 0.9, "dashArray": "10 8" if hidden else None}
    if geom.geom_type == "Point":
        marker = folium.CircleMarker([geom.y, geom.x], radius=13, **style).add_to(group)
        marker.options.update(interactive=False, pane=SELECTION_PANE)  # folium's path options drop these two
    else:
        folium.GeoJson(geom.__geo_interface__, style_function=lambda _f: style, interactive=False,
                       pane=SELECTION_PANE).add_to(group)
    return group


def build_base_map(vocab: Vocabulary, *, basemap: str = "offline", lang: str = "zh",
                   center: tuple[float, float] | None = None, zoom: int | None = None,
                   legend_px: int = 12, publish: Callable[[bytes], str] | None = None) -> folium.Map:
    """Basemap, legend and controls, without the feature layers (those are added apart).

    *publish*: fetch the offline basemap's shapes from the app (server/data_route.py)
    instead of embedding them, and load Leaflet.VectorGrid for layers drawn as vector tiles.
    """
    to_gcj = needs_gcj02(basemap)
    lat, lon = center or DEFAULT_CENTER
    if to_gcj:
        lon, lat = wgs84_to_gcj02(lon, lat)
    m = folium.Map(location=[lat, lon], zoom_start=zoom or DEFAULT_ZOOM, tiles=None, prefer_canvas=True,
                   control_scale=True)
    # folium gives min_zoom/max_zoom only to tile layers: with the offline basemap (no
    # tiles) the map itself needs them, and Leaflet.markercluster needs a maxZoom.
    m.options.update(minZoom=MIN_ZOOM, maxZoom=MAX_ZOOM)
    folium.map.CustomPane(SELECTION_PANE, z_index=650, pointer_events=False).add_to(m)
    m.add_child(MapChrome(lang, LAYER_ORDER))  # panes for structure and labels, the label manager, cluster icons
    if basemap == "offline":
        add_offline_basemap(m, lang=lang, to_gcj=to_gcj, publish=publish)
    else:
        add_tiles(m, basemap)
    m.add_child(Legend(legend_html(vocab, list(vocab.themes), lang, legend_px)))
    plugins.Fullscreen(position="topleft").add_to(m)
    # st_folium loads a map's scripts once, when it is first drawn: clusters added later need them now.
    m.add_child(ClusterAssets())
    if publish is not None:  # served: layers past the vector budget are drawn as vector tiles
        m.add_child(TileAssets())
    return localize(m)


def build_map(frame: gpd.GeoDataFrame, vocab: Vocabulary, *, basemap: str = "offline", lang: str = "zh",
              selected: str | None = None, legend_px: int = 12) -> folium.Map:
    """The whole map in one object (for standalone HTML), fitted to *frame*: basemap, layers,
    selection, controls."""
    m = build_base_map(vocab, basemap=basemap, lang=lang, legend_px=legend_px)
    to_gcj = needs_gcj02(basemap)
    # A standalone map has no side panel: its features carry their plan text in popups.
    for group in feature_groups(layer_collections(frame, vocab, lang, selected, to_gcj, popups=True), vocab, lang):
        group.add_to(m)
    sel = selection_group(frame, selected, to_gcj)
    if sel is not None:
        sel.add_to(m)
    m.add_child(district_badges(frame, lang, to_gcj, with_list=True))
    bounds = filter_extent(frame)
    if bounds is not None:
        minx, miny, maxx, maxy = bounds
        corners = [(miny, minx), (maxy, maxx)]
        m.fit_bounds([wgs84_to_gcj02(lon, lat)[::-1] for lat, lon in corners] if to_gcj else corners)
    folium.LayerControl(collapsed=True).add_to(m)
    return localize(m)
