"""Folium layers for the planner views: the count grid, stations and their catchments, and
features re-coloured by period change, layout term or target.  Works offline (assets localized).
"""
from __future__ import annotations

from html import escape

import folium
import geopandas as gpd
from shapely.geometry import Point

from geo.basemaps import needs_gcj02
from geo.crs import geometry_to_gcj02, wgs84_to_gcj02
from geo.tiles import view_for_bounds
from geo.vocab import Vocabulary
from geo.i18n import t

from .assets import localize
from .legend import Legend
from .map import build_base_map, display_collection, feature_groups

# Counts per cell: white = nothing planned there, then darker with more projects.
GRID_BINS = ((0, 0, "#ffffff"), (1, 1, "#fee391"), (2, 3, "#fec44f"), (4, 6, "#fe9929"), (7, 10**9, "#cc4c02"))
CHANGE_COLOURS = {"carried_over": "#1f77b4", "new": "#2ca02c", "dropped": "#d62728"}
STATION_COLOURS = {"existing": "#222222", "planned": "#e7298a"}
PART_COLOURS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf")
TARGET_COLOUR = "#6a3d9a"




def count_colour(count: int) -> str:
    return next(c for lo, hi, c in GRID_BINS if lo <= count <= hi)


def _to_display(geom, to_gcj: bool):
    return geometry_to_gcj02(geom) if to_gcj else geom


def grid_group(grid: gpd.GeoDataFrame, lang: str = "zh", to_gcj: bool = False) -> folium.FeatureGroup:
    """Cells coloured by project count; empty cells white with a grey outline, so gaps show."""
    features = []
    for _, cell in grid.iterrows():
        n = int(cell["count"])
        features.append({
            "type": "Feature", "geometry": _to_display(cell.geometry, to_gcj).__geo_interface__,
            "properties": {"cell": cell["cell"], "count": n,
                           "label": t(lang, "analysis.cell", n=n) if n else t(lang, "analysis.empty"),
                           "style": {"color": "#999999", "weight": 0.5, "fillColor": count_colour(n),
                                     "fillOpacity": 0.55 if n else 0.35}},
        })
    group = folium.FeatureGroup(name=t(lang, "analysis.grid"), show=True)
    folium.GeoJson({"type": "FeatureCollection", "features": features}, name="grid",
                   style_function=lambda f: f["properties"]["style"],
                   tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False)).add_to(group)
    return group


def station_groups(stations: gpd.GeoDataFrame, kind: str, lang: str = "zh", radii=(), to_gcj: bool = False) -> list[folium.FeatureGroup]:
    """The stations of one kind as markers, and one toggleable group per catchment radius."""
    colour = STATION_COLOURS[kind]
    points = [(_to_display(Point(g.x, g.y), to_gcj), row) for (_, row), g in zip(stations.iterrows(), stations.geometry)]
    markers = folium.FeatureGroup(name=t(lang, f"analysis.{kind}"), show=True)
    for p, row in points:
        label = row["name_zh"] + (f" ({row['line']})" if isinstance(row.get("line"), str) else "")
        folium.CircleMarker([p.y, p.x], radius=5, color=colour, weight=2, fill=True,
                            fill_color=colour if kind == "existing" else "#ffffff", fill_opacity=1,
                            tooltip=escape(label)).add_to(markers)
    groups = [markers]
    for r in radii:
        ring = folium.FeatureGroup(name=t(lang, "analysis.catchment", kind=t(lang, f"analysis.{kind}"), r=r), show=(r == min(radii)))
        for p, _ in points:
            folium.Circle([p.y, p.x], radius=r, color=colour, weight=1, fill=True, fill_opacity=0.06,
                          dash_array="4 4" if kind == "planned" else None, interactive=False).add_to(ring)
        groups.append(ring)
    return groups


def restyled_groups(frame: gpd.GeoDataFrame, vocab: Vocabulary, lang: str, labels_styles: dict[str, tuple[str, dict]],
                    key: str, to_gcj: bool = False) -> list[folium.FeatureGroup]:
    """One group per value of *key* (e.g. change): the features' usual tooltips, the value's style.

    *labels_styles* maps each value to (group label, Leaflet style); values not in it are skipped.
    """
    collections = []
    for value, (label, style) in labels_styles.items():
        part = frame[frame[key] == value]
        if part.empty:
            continue
        collection = display_collection(part, vocab, lang, None, to_gcj)
        for f in collection["features"]:
            f["properties"]["style"] = {**f["properties"]["style"], **style}
        collections.append((f"{key}-{value}", f"{label} ({len(part)})", collection))
    return feature_groups(collections, vocab, lang)


def change_styles(lang: str) -> dict[str, tuple[str, dict]]:
    return {c: (t(lang, f"analysis.{c}"), {"color": col, "fillColor": col}) for c, col in CHANGE_COLOURS.items()}


def part_styles(parts, lang: str) -> dict[str, tuple[str, dict]]:
    """A colour per layout term; members whose term is unknown share the last colour."""
    out = {p: (f"{t(lang, 'analysis.layout')}: {p}", {"color": PART_COLOURS[i % len(PART_COLOURS)],
                                                 "fillColor": PART_COLOURS[i % len(PART_COLOURS)], "weight": 4})
           for i, p in enumerate(parts)}
    out[""] = (f"{t(lang, 'analysis.layout')}: —", {"color": "#555555", "fillColor": "#555555", "weight": 4})
    return out


def swatch_legend(title: str, items: list[tuple[str, str]], font_px: int = 12) -> Legend:
    """A small legend of colour swatches (labels escaped)."""
    rows = "".join(
        f"<div><span style='display:inline-block;width:12px;height:12px;background:{c};border:1px solid #999;"
        f"margin-right:4px'></span>{escape(label)}</div>" for label, c in items)
    return Legend(f"<div style='background:rgba(255,255,255,.92);padding:4px 8px;border-radius:4px;font-size:{font_px}px;"
                  f"box-shadow:0 1px 4px rgba(0,0,0,.3)'><b>{escape(title)}</b>{rows}</div>")


def grid_legend(lang: str) -> Legend:
    items = [(t(lang, "analysis.empty") if hi == 0 else (f"{lo}" if lo == hi else f"{lo}–{hi}" if hi < 10**9 else f"≥{lo}"), c)
             for lo, hi, c in GRID_BINS]
    return swatch_legend(t(lang, "analysis.grid"), items)


def map_view(bounds, basemap: str = "offline", width_px: int = 700, height_px: int = 520) -> tuple[tuple[float, float], int]:
    """Centre and zoom for *bounds*, the centre in the basemap's system (GCJ-02 on AMap)."""
    (lat, lon), zoom = view_for_bounds(bounds, width_px, height_px)
    if needs_gcj02(basemap):
        lon, lat = wgs84_to_gcj02(lon, lat)
    return (lat, lon), zoom


def planner_map(vocab: Vocabulary, groups: list[folium.FeatureGroup], *, lang: str = "zh", basemap: str = "offline",
                bounds: tuple[float, float, float, float] | None = None, legends=()) -> folium.Map:
    """A map with the planner's groups over the app's basemap, fitted to *bounds* (WGS-84 minx, miny, maxx, maxy)."""
    center, zoom = view_for_bounds(bounds) if bounds else (None, None)
    m = build_base_map(vocab, basemap=basemap, lang=lang, center=center, zoom=zoom)
    for group in groups:
        group.add_to(m)
    for legend in legends:
        m.add_child(legend)
    if bounds:
        corners = [(bounds[1], bounds[0]), (bounds[3], bounds[2])]
        if needs_gcj02(basemap):
            corners = [wgs84_to_gcj02(lon, lat)[::-1] for lat, lon in corners]
        m.fit_bounds(corners)
    folium.LayerControl(collapsed=True).add_to(m)
    return localize(m)
