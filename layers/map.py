"""Build the folium map from a filtered feature frame.

One FeatureGroup per layer (toggleable), each holding a single GeoJson layer drawn on
canvas.  What the browser gets per feature is its display geometry (simplified and
rounded, computed once per feature), ``id``, ``tooltip`` and an index into the layer's
table of styles.  Full details appear in the side panel on click, so there are no
per-feature popups.  The exported data never carries any of this.
"""
from __future__ import annotations

import json
from typing import Callable

import folium
import geopandas as gpd
import numpy as np
import shapely
from folium import JsCode, plugins
from shapely.geometry import Point

from geo import reference
from geo.crs import METRIC, WGS84, geometry_to_gcj02, wgs84_to_gcj02
from geo.vocab import Vocabulary

from .assets import localize
from .basemaps import add_offline_basemap, add_tiles, needs_gcj02
from .legend import Legend, legend_html
from .popup import popup_html, tooltip_texts
from .remote import ClusterAssets
from .style import DEFAULT_RADIUS, keyed_style, style_key

LAYER_ORDER = ("districts", "zones", "business_districts", "corridors", "transit", "stations", "projects")
DEFAULT_CENTER = (29.465, 106.487)  # between 渝中 and 大渡口: both fit at zoom 11
DEFAULT_ZOOM = 11
MIN_ZOOM, MAX_ZOOM = 9, 19
SELECTION_PANE = "selection"
RASTER_PANE = "raster"  # layers drawn as image tiles: over the offline basemap (350), under vector layers (400)
# Display geometry only (the data and exports keep every vertex): lines and areas are
# simplified by 5 % of the precision their location claims (an "area" is only known to
# ~1 km, so 50 m), within these bounds, and coordinates are rounded to ~1 m.
SIMPLIFY_SHARE = 0.05
DEFAULT_TOLERANCE_M = 2.0
MAX_TOLERANCE_M = 50.0
DECIMALS = 5


def district_only_points(frame: gpd.GeoDataFrame, spacing_m: float = 140) -> dict[str, Point]:
    """Display points for features located only to their district.

    Drawing them as whole-district polygons would bury the map, so each is shown as a
    hollow marker on a grid of free spots inside its district, nearest its label point
    first: clearly a placeholder, never a claimed position.  Deterministic (sorted by id).
    When a district has more such features than spots, the grid is made finer.
    """
    labels = reference.districts().set_index("name")[["label_lon", "label_lat"]]
    shapes = reference.district_shapes_metric()
    out = {}
    todo = frame[(frame["precision"] == "district") & (frame["layer"] != "districts")]
    for district, part in todo.groupby("district"):
        centre = gpd.GeoSeries.from_xy([labels.loc[district, "label_lon"]], [labels.loc[district, "label_lat"]],
                                       crs=WGS84).to_crs(METRIC).iloc[0]
        spacing, spots = spacing_m, np.empty((0, 2))
        while len(spots) < len(part):
            spots = _grid_spots(shapes[district].buffer(-spacing / 2), (centre.x, centre.y), spacing)
            spacing /= 2
        wgs = gpd.GeoSeries(shapely.points(spots[: len(part)]), crs=METRIC).to_crs(WGS84)
        out.update(zip(sorted(part.index), wgs))
    return out


def _grid_spots(area, centre: tuple[float, float], spacing: float) -> np.ndarray:
    """Grid points (spacing apart, through *centre*) inside *area*: square rings outwards, nearest first in a ring."""
    x0, y0, x1, y1 = area.bounds
    cx, cy = centre
    i, j = np.meshgrid(np.arange(np.floor((x0 - cx) / spacing), np.ceil((x1 - cx) / spacing) + 1),
                       np.arange(np.floor((y0 - cy) / spacing), np.ceil((y1 - cy) / spacing) + 1))
    i, j = i.ravel(), j.ravel()
    x, y = cx + i * spacing, cy + j * spacing
    inside = shapely.contains_xy(area, x, y) & ((i != 0) | (j != 0))  # the label itself stays clear
    i, j, x, y = i[inside], j[inside], x[inside], y[inside]
    order = np.lexsort((j, i, i**2 + j**2, np.maximum(abs(i), abs(j))))
    return np.column_stack([x[order], y[order]])


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
POINT_RANK = 2


def draw_rank(geometry_type: str) -> int:
    """Areas first, then lines, points last: on canvas the last drawn is on top and gets the click."""
    return _DRAW_RANK.get(geometry_type, POINT_RANK)


def display_collection(frame: gpd.GeoDataFrame, vocab: Vocabulary, lang: str, selected: str | None, to_gcj: bool,
                       placeholders: dict[str, Point] | None = None, popups: bool = False) -> dict:
    """GeoJSON with only what the map needs per feature: id, tooltip and style (and, for
    maps with no side panel such as the offline handout, the escaped popup HTML), in
    :func:`draw_rank` order of the geometry as drawn (a district-only feature is a point).

    Features of one style share one style dict: replace it rather than change it in
    place.
    """
    placeholders = placeholders or {}
    ids = frame.index.tolist()
    geoms = [placeholders.get(fid, g) for fid, g in zip(ids, frame.geometry.to_numpy())]
    shapes = drawn_geometries(ids, geoms, to_gcj, tolerances(frame, vocab))
    tips = tooltip_texts(frame, lang)
    keys = [style_key(layer, themes, precision, fid == selected) for fid, layer, themes, precision in
            zip(ids, frame["layer"].tolist(), frame["themes"].tolist(), frame["precision"].tolist())]
    styles = {key: keyed_style(key) for key in set(keys)}
    features = [{"type": "Feature", "geometry": shape, "properties": {"id": fid, "tooltip": tip, "style": styles[key]}}
                for fid, shape, tip, key in zip(ids, shapes, tips, keys)]
    if popups:
        for feature, (_, row) in zip(features, frame.iterrows()):
            feature["properties"]["popup"] = popup_html(row, vocab, lang)
    features.sort(key=lambda f: draw_rank(f["geometry"]["type"]))  # stable: the frame's order within a rank
    return {"type": "FeatureCollection", "features": features}


def layer_collections(frame: gpd.GeoDataFrame, vocab: Vocabulary, lang: str = "zh", selected: str | None = None,
                      to_gcj: bool = False, placeholders: dict[str, Point] | None = None,
                      popups: bool = False) -> list[tuple[str, str, dict]]:
    """(layer, label, display GeoJSON) per non-empty layer: plain data, safe to cache.

    *placeholders* should come from the whole data set so markers keep their place
    whatever the filters; by default they are computed from *frame*.
    """
    out = []
    placeholders = district_only_points(frame) if placeholders is None else placeholders
    for layer, part in frame.groupby("layer", sort=False):
        if layer not in LAYER_ORDER:
            continue
        label = f"{vocab.label('layers', layer, lang)} ({len(part)})"
        out.append((layer, label, display_collection(part, vocab, lang, selected, to_gcj, placeholders, popups)))
    return sorted(out, key=lambda item: LAYER_ORDER.index(item[0]))


# Leaflet's GeoJSON layer takes its style from this function: a lookup in the layer's own
# small table of distinct styles, so no feature carries a style dict of its own.
STYLE_LOOKUP = "(function (styles) {{ return function (feature) {{ return styles[feature.properties.s]; }}; }})({})"


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


# id(collection) -> (collection, its style table): the app caches its collections, so
# each rerun would otherwise redo this per feature.  Holding the collection keeps the id
# from being reused; folium only reads the features.
_TABLES: dict[int, tuple[dict, tuple[list[dict], list[dict]]]] = {}
_TABLES_LIMIT = 64


def _style_table_of(collection: dict) -> tuple[list[dict], list[dict]]:
    hit = _TABLES.get(id(collection))
    if hit is None or hit[0] is not collection:
        if len(_TABLES) >= _TABLES_LIMIT:
            _TABLES.pop(next(iter(_TABLES)))
        hit = _TABLES[id(collection)] = (collection, style_table(collection["features"]))
    return hit[1]


def feature_groups(collections: list[tuple[str, str, dict]]) -> list[folium.FeatureGroup]:
    """Fresh folium objects for the collections (folium objects are mutated when rendered).

    Each feature's ``properties.style`` (Leaflet path options; ``radius`` for points)
    decides how it is drawn; it reaches the browser as an index into a per-layer table.
    """
    groups = []
    for layer, label, collection in collections:
        styles, features = _style_table_of(collection)
        group = folium.FeatureGroup(name=label, show=True)
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features},
            name=layer,
            style=JsCode(STYLE_LOOKUP.format(json.dumps(styles))),
            marker=folium.CircleMarker(radius=DEFAULT_RADIUS),
            tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
            popup=folium.GeoJsonPopup(fields=["popup"], labels=False, max_width=360)
            if features and "popup" in features[0]["properties"] else None,
            smooth_factor=1.5,
        ).add_to(group)
        groups.append(group)
    return groups


def selection_group(frame: gpd.GeoDataFrame, fid: str | None, to_gcj: bool = False,
                    placeholders: dict[str, Point] | None = None) -> folium.FeatureGroup | None:
    """A thick outline around the selected feature, drawn above everything else (in its
    own pane, which lets clicks through: the layers under it may arrive later)."""
    if not fid or fid not in frame.index:
        return None
    geom = (placeholders or {}).get(fid, frame.loc[fid].geometry)
    geom = geometry_to_gcj02(geom) if to_gcj else geom
    group = folium.FeatureGroup(name="selection", control=False)
    style = {"color": "#000000", "weight": 6, "fill": False, "opacity": 0.9}
    if geom.geom_type == "Point":
        marker = folium.CircleMarker([geom.y, geom.x], radius=13, **style).add_to(group)
        marker.options.update(interactive=False, pane=SELECTION_PANE)  # folium's path options drop these two
    else:
        folium.GeoJson(geom.__geo_interface__, style_function=lambda _f: style, interactive=False,
                       pane=SELECTION_PANE).add_to(group)
    return group


def build_base_map(vocab: Vocabulary, *, basemap: str = "offline", lang: str = "zh",
                   center: tuple[float, float] | None = None, zoom: int | None = None,
                   legend_px: int = 12, publish: Callable[[bytes], str] | None = None, cluster_assets: bool = False) -> folium.Map:
    """Basemap, legend and controls, without the feature layers (those are added apart).

    *publish*: fetch the offline basemap's shapes from the app (layers/data_route.py)
    instead of embedding them; *cluster_assets*: load Leaflet.markercluster for layers
    added later.
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
    folium.map.CustomPane(RASTER_PANE, z_index=375, pointer_events=False).add_to(m)
    if basemap == "offline":
        add_offline_basemap(m, lang=lang, publish=publish)
    else:
        add_tiles(m, basemap)
    m.add_child(Legend(legend_html(vocab, list(vocab.themes), lang, legend_px)))
    plugins.Fullscreen(position="topleft").add_to(m)
    if cluster_assets:
        m.add_child(ClusterAssets())
    return localize(m)


def build_map(frame: gpd.GeoDataFrame, vocab: Vocabulary, *, basemap: str = "offline", lang: str = "zh",
              selected: str | None = None, center: tuple[float, float] | None = None, zoom: int | None = None,
              legend_px: int = 12) -> folium.Map:
    """The whole map in one object (for standalone HTML): basemap, layers, selection, controls."""
    m = build_base_map(vocab, basemap=basemap, lang=lang, center=center, zoom=zoom, legend_px=legend_px)
    to_gcj = needs_gcj02(basemap)
    placeholders = district_only_points(frame)
    # A standalone map has no side panel: its features carry their plan text in popups.
    for group in feature_groups(layer_collections(frame, vocab, lang, selected, to_gcj, placeholders, popups=True)):
        group.add_to(m)
    sel = selection_group(frame, selected, to_gcj, placeholders)
    if sel is not None:
        sel.add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return localize(m)
