"""Web-Mercator tile maths (EPSG:3857, 256-pixel XYZ tiles), in one place: the vector
tiles (geo/mvt.py), the tile proxy, and fitting a view to bounds."""
from __future__ import annotations

import math

TILE_PX = 256
HALF_WORLD = math.pi * 6378137.0  # Web Mercator half width, metres


def metres_per_pixel(zoom: float) -> float:
    """Web Mercator metres per pixel (at the equator; everywhere, in Mercator metres)."""
    return 2 * HALF_WORLD / (TILE_PX * 2**zoom)


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) of an XYZ tile, in Web Mercator metres."""
    size = 2 * HALF_WORLD / 2**z
    return -HALF_WORLD + x * size, HALF_WORLD - (y + 1) * size, -HALF_WORLD + (x + 1) * size, HALF_WORLD - y * size


def valid_tile(z: int, x: int, y: int) -> bool:
    return 0 <= z <= 24 and 0 <= x < 2**z and 0 <= y < 2**z


def tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    """Tile column and row holding (lon, lat) at zoom *z*."""
    n = 2**z
    return int((lon + 180) / 360 * n), int((1 - _mercator_y(lat) / math.pi) / 2 * n)


def _mercator_y(lat: float) -> float:
    return math.asinh(math.tan(math.radians(lat)))


def view_for_bounds(bounds, width_px: int = 700, height_px: int = 520, zooms=(9, 17)) -> tuple[tuple[float, float], int]:
    """(centre lat/lon, the largest zoom in *zooms* showing all of *bounds* — west, south,
    east, north — on a map of that size)."""
    minx, miny, maxx, maxy = bounds
    span_x = max(maxx - minx, 1e-6) / 360
    span_y = max(_mercator_y(maxy) - _mercator_y(miny), 1e-9) / (2 * math.pi)
    zoom = math.floor(min(math.log2(width_px / TILE_PX / span_x), math.log2(height_px / TILE_PX / span_y)))
    return ((miny + maxy) / 2, (minx + maxx) / 2), max(zooms[0], min(zoom, zooms[1]))
