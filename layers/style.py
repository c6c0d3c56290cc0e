"""Colours by theme and line/fill styles by location precision."""
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

# Exact = solid and filled; approximate = dashed and lighter; schematic = dashed and hollow.
PRECISION_STYLE = {
    "exact": {"dashArray": None, "fillOpacity": 0.55, "weight": 2},
    "street": {"dashArray": "6 3", "fillOpacity": 0.35, "weight": 2},
    "area": {"dashArray": "4 4", "fillOpacity": 0.2, "weight": 2},
    "schematic": {"dashArray": "2 6", "fillOpacity": 0.05, "weight": 2},
    "district": {"dashArray": "1 6", "fillOpacity": 0.0, "weight": 1},
}
APPROXIMATE = ("area", "schematic", "district")
POINT_RADIUS = {"projects": 6, "stations": 5, "business_districts": 8, "transit": 5, "zones": 7}
DEFAULT_RADIUS = 6


def colour_for(themes) -> str:
    for t in themes or ():
        if t in THEME_COLOURS:
            return THEME_COLOURS[t]
    return DEFAULT_COLOUR


def style_key(layer: str, themes, precision: str, selected: bool = False) -> tuple[str, str, str, bool]:
    """What a feature's style depends on: features with equal keys are drawn alike."""
    colour = "" if layer == "districts" else colour_for(themes)
    return layer, colour, precision, bool(selected)


@lru_cache(maxsize=None)
def _keyed_style(layer: str, colour: str, precision: str, selected: bool) -> tuple[tuple[str, object], ...]:
    if layer == "districts":
        return tuple(DISTRICT_STYLE.items())
    style = {"color": colour, "fillColor": colour, **PRECISION_STYLE.get(precision, PRECISION_STYLE["schematic"]),
             "radius": POINT_RADIUS.get(layer, DEFAULT_RADIUS)}
    if layer == "corridors":
        style["weight"] = 4
    if layer == "transit":
        style["weight"] = 4 if precision in ("exact", "street") else 3
    if precision in APPROXIMATE:
        style["fillColor"] = "#ffffff" if layer in POINT_RADIUS else colour
    if selected:
        style.update(weight=style["weight"] + 3, color="#000000", radius=style["radius"] + 3)
    return tuple(style.items())


def keyed_style(key: tuple[str, str, str, bool]) -> dict:
    """Leaflet path options for a :func:`style_key` (a fresh dict: callers may change it)."""
    return dict(_keyed_style(*key))


def feature_style(layer: str, themes, precision: str, selected: bool = False) -> dict:
    """Leaflet path options for one feature; ``radius`` applies where it is drawn as a point."""
    return keyed_style(style_key(layer, themes, precision, selected))
