"""Build the folium map from a filtered feature frame.

One FeatureGroup per layer (toggleable), each holding a single GeoJson layer drawn
on canvas.  Per-feature display properties (colour, dash, popup HTML) are computed
here; the exported data never carries them.
"""
from __future__ import annotations

import math

import folium
import geopandas as gpd
from folium import plugins
from shapely.geometry import Point

from geo import reference
from geo.crs import geometry_to_gcj02, wgs84_to_gcj02
from geo.vocab import Vocabulary

from .assets import localize
from .basemaps import add_offline_basemap, add_tiles, needs_gcj02
from .legend import Legend, legend_html
from .popup import popup_html, tooltip_text
from .style import POINT_RADIUS, feature_style

LAYER_ORDER = ("districts", "zones", "business_districts", "corridors", "transit", "stations", "projects")
DEFAULT_CENTER = (29.465, 106.487)  # between 渝中 and 大渡口: both fit at zoom 11
DEFAULT_ZOOM = 11


GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))


def district_only_points(frame: gpd.GeoDataFrame, spacing_deg: float = 0.0016) -> dict[str, Point]:
    """Display points for features located only to their district.

    Drawing them as whole-district polygons would bury the map, so each is shown as a
    hollow marker in a sunflower pattern around its district's label point: clearly a
    placeholder, never a claimed position.  Deterministic (sorted by id).
    """
    labels = reference.districts().set_index("name")[["label_lon", "label_lat"]]
    out = {}
    todo = frame[(frame["precision"] == "district") & (frame["layer"] != "districts")]
    for district, part in todo.groupby("district"):
        lon0, lat0 = labels.loc[district]
        for k, fid in enumerate(sorted(part.index), start=1):
            r = spacing_deg * math.sqrt(k)
            out[fid] = Point(float(lon0) + r * math.cos(k * GOLDEN_ANGLE) / math.cos(math.radians(float(lat0))),
                             float(lat0) + r * math.sin(k * GOLDEN_ANGLE))
    return out


def display_collection(frame: gpd.GeoDataFrame, vocab: Vocabulary, lang: str, selected: str | None, to_gcj: bool,
                       placeholders: dict[str, Point] | None = None) -> dict:
    """GeoJSON with only what the browser needs: id, labels, style and popup HTML."""
    features = []
    placeholders = placeholders or {}
    for fid, row in frame.iterrows():
        geom = placeholders.get(fid, row.geometry)
        geom = geometry_to_gcj02(geom) if to_gcj else geom
        style = feature_style(row["layer"], row["themes"], row["precision"], selected=(fid == selected))
        features.append({
            "type": "Feature",
            "geometry": geom.__geo_interface__,
            "properties": {
                "id": fid,
                "tooltip": tooltip_text(row, lang),
                "popup": popup_html(row, vocab, lang) if row["layer"] != "districts" else tooltip_text(row, lang),
                "style": style,
                "radius": POINT_RADIUS.get(row["layer"], 6) + (3 if fid == selected else 0),
            },
        })
    return {"type": "FeatureCollection", "features": features}


def _style(feature: dict) -> dict:
    return feature["properties"]["style"]


def layer_collections(frame: gpd.GeoDataFrame, vocab: Vocabulary, lang: str = "zh", selected: str | None = None,
                      to_gcj: bool = False, placeholders: dict[str, Point] | None = None) -> list[tuple[str, str, dict]]:
    """(layer, label, display GeoJSON) per non-empty layer: plain data, safe to cache.

    *placeholders* should come from the whole data set so markers keep their place
    whatever the filters; by default they are computed from *frame*.
    """
    out = []
    placeholders = district_only_points(frame) if placeholders is None else placeholders
    for layer in LAYER_ORDER:
        part = frame[frame["layer"] == layer]
        if not part.empty:
            label = f"{vocab.label('layers', layer, lang)} ({len(part)})"
            out.append((layer, label, display_collection(part, vocab, lang, selected, to_gcj, placeholders)))
    return out


def feature_groups(collections: list[tuple[str, str, dict]]) -> list[folium.FeatureGroup]:
    """Fresh folium objects for the collections (folium objects are mutated when rendered)."""
    groups = []
    for layer, label, collection in collections:
        group = folium.FeatureGroup(name=label, show=True)
        folium.GeoJson(
            collection,
            name=layer,
            style_function=_style,
            marker=folium.CircleMarker(radius=6),
            tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
            popup=folium.GeoJsonPopup(fields=["popup"], labels=False, max_width=360) if layer != "districts" else None,
            highlight_function=lambda _f: {"weight": 5},
            smooth_factor=1.5,
        ).add_to(group)
        groups.append(group)
    return groups


def selection_group(frame: gpd.GeoDataFrame, fid: str | None, to_gcj: bool = False,
                    placeholders: dict[str, Point] | None = None) -> folium.FeatureGroup | None:
    """A thick outline around the selected feature, drawn above everything else."""
    if not fid or fid not in frame.index:
        return None
    geom = (placeholders or {}).get(fid, frame.loc[fid].geometry)
    geom = geometry_to_gcj02(geom) if to_gcj else geom
    group = folium.FeatureGroup(name="selection", control=False)
    style = {"color": "#000000", "weight": 6, "fill": False, "opacity": 0.9}
    if geom.geom_type == "Point":
        folium.CircleMarker([geom.y, geom.x], radius=13, **style, interactive=False).add_to(group)
    else:
        folium.GeoJson(geom.__geo_interface__, style_function=lambda _f: style, interactive=False).add_to(group)
    return group


def build_base_map(vocab: Vocabulary, *, basemap: str = "offline", lang: str = "zh",
                   center: tuple[float, float] | None = None, zoom: int | None = None,
                   tianditu_key: str | None = None, legend_px: int = 12) -> folium.Map:
    """Basemap, legend and controls, without the feature layers (those are added apart)."""
    to_gcj = needs_gcj02(basemap)
    lat, lon = center or DEFAULT_CENTER
    if to_gcj:
        lon, lat = wgs84_to_gcj02(lon, lat)
    m = folium.Map(location=[lat, lon], zoom_start=zoom or DEFAULT_ZOOM, tiles=None, prefer_canvas=True,
                   control_scale=True, min_zoom=9, max_zoom=19)
    if basemap == "offline":
        add_offline_basemap(m, lang=lang)
    else:
        add_tiles(m, basemap, tianditu_key)
    m.add_child(Legend(legend_html(vocab, list(vocab.themes), lang, legend_px)))
    plugins.Fullscreen(position="topleft").add_to(m)
    return localize(m)


def build_map(frame: gpd.GeoDataFrame, vocab: Vocabulary, *, basemap: str = "offline", lang: str = "zh",
              selected: str | None = None, center: tuple[float, float] | None = None, zoom: int | None = None,
              tianditu_key: str | None = None, legend_px: int = 12) -> folium.Map:
    """The whole map in one object (for standalone HTML): basemap, layers, selection, controls."""
    m = build_base_map(vocab, basemap=basemap, lang=lang, center=center, zoom=zoom,
                       tianditu_key=tianditu_key, legend_px=legend_px)
    to_gcj = needs_gcj02(basemap)
    placeholders = district_only_points(frame)
    for group in feature_groups(layer_collections(frame, vocab, lang, selected, to_gcj, placeholders)):
        group.add_to(m)
    sel = selection_group(frame, selected, to_gcj, placeholders)
    if sel is not None:
        sel.add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return localize(m)
