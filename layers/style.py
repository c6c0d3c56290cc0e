"""How a feature is drawn: colour by theme, symbol by what its location claims.

A resident reads the symbol before the name, so the symbol says how well the place is
known (the *draw class*, :func:`draw_class`):

- ``precise`` (exact or street): crisp, solid, labelled at street zooms;
- ``approx`` (area, ~1 km): a soft disc or fill with no outline, "around here", never a
  crisp ring over the precise features; its points cluster;
- ``structure`` (schematic cores, belts, corridors): the plan's diagram, a layer of its
  own that is clear at district zoom and fades at street zoom;
- ``hidden`` (known only to the district): no symbol at all; the map shows one badge per
  district instead (layers/view.py), and the list names them;
- ``outline``: the districts layer.
"""
from __future__ import annotations

from functools import lru_cache

# One colour per theme (colour-blind-safe-ish, distinct on a light basemap).
THEME_COLOURS = {
    "finance": "#1f4e9c",
    "commerce": "#d62728",
    "culture_tourism": "#9467bd",
    "innovation": "#17becf",
    "industry": "#8c564b",
    "transport": "#ff7f0e",
    "urban_renewal": "#e377c2",
    "ecology": "#2ca02c",
    "public_services": "#bcbd22",
    "governance": "#7f7f7f",
    "opening_up": "#3b8bc2",
    "spatial_layout": "#111111",
}
DEFAULT_COLOUR = "#555555"
DISTRICT_STYLE = {"color": "#444444", "weight": 2, "fill": False, "dashArray": None}

DRAW_CLASS = {"exact": "precise", "street": "precise", "area": "approx", "schematic": "structure", "district": "hidden"}
# Geometry ranks (layers.map.draw_rank): areas 0, lines 1, points 2.
AREA, LINE, POINT = 0, 1, 2
PRECISION_STYLE = {
    "precise": {"dashArray": None, "fillOpacity": 0.9, "weight": 2, "opacity": 1.0},
    "approx": {"dashArray": "4 6", "fillOpacity": 0.16, "weight": 2, "opacity": 0.7},
    "structure": {"dashArray": "2 6", "fillOpacity": 0.05, "weight": 2, "opacity": 0.9},
}
HALO_PX = 10  # radius of an approximate point's soft disc: "around here" (its location is known to ~1 km)
POINT_RADIUS = {"projects": 6, "stations": 5, "business_districts": 8, "transit": 5, "zones": 7}
DEFAULT_RADIUS = 6
# Point symbols shrink below street level, as web maps' circles do (radius interpolated by
# zoom): at district zoom 44 stations and the precisely placed projects of two districts
# at full size hid the district itself and the cluster counts.  (from zoom, radius factor)
# in descending zoom; the radius above is that of zoom 14 and closer.
POINT_SCALE = ((14, 1.0), (13, 0.8), (12, 0.65), (0, 0.5))


def draw_class(layer: str, precision: str) -> str:
    if layer == "districts":
        return "outline"
    return DRAW_CLASS.get(precision, "structure")


def colour_for(themes) -> str:
    for t in themes or ():
        if t in THEME_COLOURS:
            return THEME_COLOURS[t]
    return DEFAULT_COLOUR


def style_key(layer: str, themes, precision: str, selected: bool = False, rank: int = AREA) -> tuple:
    """What a feature's style depends on: features with equal keys are drawn alike."""
    colour = "" if layer == "districts" else colour_for(themes)
    return layer, colour, draw_class(layer, precision), bool(selected), rank


@lru_cache(maxsize=None)
def _keyed_style(layer: str, colour: str, kind: str, selected: bool, rank: int) -> tuple[tuple[str, object], ...]:
    if kind == "outline":
        return tuple(DISTRICT_STYLE.items())
    style = {"color": colour, "fillColor": colour, **PRECISION_STYLE.get(kind, PRECISION_STYLE["structure"]),
             "radius": POINT_RADIUS.get(layer, DEFAULT_RADIUS)}
    if layer in ("corridors", "transit") and rank == LINE:
        style["weight"] = 4 if kind == "precise" else 3
    if kind == "precise" and rank == POINT:
        style.update(color="#ffffff", weight=1.5)  # a solid dot with a white rim
    elif kind == "approx" and rank != LINE:
        # No outline: a soft patch, or for a point a soft disc larger than a precise dot.
        # (Discs of a radius in metres were tried: at street zoom those of neighbouring
        # places, many sharing a neighbourhood's point, merged into one blot.)
        style.update(stroke=False, weight=0, dashArray=None)
        if rank == POINT:
            style.update(radius=HALO_PX, fillOpacity=0.35)
    elif kind == "structure" and rank == POINT:
        style["fillColor"] = "#ffffff"
    if selected:
        style.update(weight=style["weight"] + 3, color="#000000", stroke=True)
        style["radius"] += 3
    return tuple(style.items())


def keyed_style(key: tuple) -> dict:
    """Leaflet path options for a :func:`style_key` (a fresh dict: callers may change it).
    ``radius`` (pixels) applies where it is drawn as a point."""
    return dict(_keyed_style(*key))


def feature_style(layer: str, themes, precision: str, selected: bool = False, rank: int = POINT) -> dict:
    """Leaflet path options for one feature drawn with geometry rank *rank*."""
    return keyed_style(style_key(layer, themes, precision, selected, rank))


COLOUR_SLOT = "@colour"  # in a tile style table: the feature's theme colour goes here


def tile_style_table(layers) -> dict:
    """What the browser needs to style a vector-tile feature from its attributes
    (geo/mvt.py) exactly as the vector layers are styled, with no style logic of its own:
    the draw class by layer or precision (with its fallback), the theme colours,
    and per "layer|class|rank" the Leaflet path options of :func:`keyed_style` with
    :data:`COLOUR_SLOT` for the colour.  VectorGrid starts from L.Path's options, which
    fill nothing, so areas and points say ``fill`` as L.Polygon and L.CircleMarker do."""
    styles = {}
    for layer in layers:
        colour, kinds = ("", ("outline",)) if layer == "districts" else (COLOUR_SLOT, ("precise", "approx", "structure"))
        for kind in kinds:
            for rank in (AREA, LINE, POINT):
                styles[f"{layer}|{kind}|{rank}"] = {"fill": rank != LINE, **dict(_keyed_style(layer, colour, kind, False, rank))}
    return {"layerClasses": {"districts": "outline"}, "classes": DRAW_CLASS, "fallback": draw_class("", ""),
            "colours": THEME_COLOURS, "defaultColour": DEFAULT_COLOUR, "slot": COLOUR_SLOT,
            "styles": styles}
