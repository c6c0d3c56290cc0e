"""Leaflet path options as matplotlib draws them, for the PNG snapshots and handouts
(layers/snapshot.py): one conversion, so they look like the web map (lengths in CSS
pixels become points at :data:`DPI`)."""
from __future__ import annotations

from matplotlib.colors import to_rgba

DPI = 100
PT = 72 / DPI  # one CSS pixel in points


def edge(style: dict) -> tuple[float, ...]:
    """The outline colour (transparent where Leaflet draws no stroke)."""
    opacity = style.get("opacity", 1.0) if style.get("stroke", True) else 0
    return to_rgba(style.get("color", "#3388ff"), opacity)


def face(style: dict, least: float = 0.0) -> tuple[float, ...]:
    """The fill colour (transparent where Leaflet fills nothing); at least *least* opaque."""
    opacity = max(style.get("fillOpacity", 0.2), least) if style.get("fill", True) is not False else 0
    return to_rgba(style.get("fillColor", style.get("color", "#3388ff")), opacity)


def width(style: dict, default: float = 3) -> float:
    """Line width in points."""
    return style.get("weight", default) * PT


def dashes(style: dict):
    """Leaflet's dashArray (CSS pixels) as a matplotlib dash pattern (points)."""
    dash = style.get("dashArray")
    return (0, tuple(float(v) * PT for v in str(dash).split())) if dash else "solid"


def marker_area(style: dict, default: float = 6) -> float:
    """A circle marker's area in points² (matplotlib's marker size)."""
    return 3.141592653589793 * (style.get("radius", default) * PT) ** 2
