"""Dense layers as image tiles drawn on the server, and clicks on them resolved here.

Leaflet makes an object of every feature it draws: at ×100 (81,506 features) building
and painting them takes seconds whatever the renderer (canvas, clustering included).
Past a budget of features (see :mod:`layers.payload`), the largest layers are drawn as
256-px PNG tiles instead: the browser loads a few images, and the server draws each
tile once (cached by :mod:`layers.data_route`) from the same display geometry and
styles as the vector layers: theme colours, dashed lines for approximate locations,
hollow markers.  Tiles carry no hover text; a click on the map comes back through
st_folium and :func:`pick` finds the feature under it.

Geometry is in the map's display coordinates (WGS-84, or GCJ-02 on AMap), projected to
Web Mercator (EPSG:3857), the tiles' own system.
"""
from __future__ import annotations

import io
import threading
from dataclasses import dataclass, field

import numpy as np
import shapely
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import CircleCollection, LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.path import Path as MplPath
from PIL import Image
from pyproj import Transformer

from geo.tiles import HALF_WORLD, TILE_PX, metres_per_pixel, tile_bounds, valid_tile

from . import pen
from .map import POINT_RANK, draw_rank
from .pen import DPI

# Kinds of shape in the vector map's draw order (layers.map.draw_rank): areas, lines, points on top.
AREA, LINE, POINT = draw_rank("Polygon"), draw_rank("LineString"), POINT_RANK
_TO_MERCATOR = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
_RENDER = threading.Lock()  # matplotlib's font and path caches are not made for threads


def view_tiles(lon: float, lat: float, zoom: int, width_px: int, height_px: int) -> list[tuple[int, int, int]]:
    """The tiles a map of *width_px* × *height_px* centred on (*lon*, *lat*) at *zoom* shows."""
    x, y = _TO_MERCATOR.transform(lon, lat)
    m = metres_per_pixel(zoom)
    size = TILE_PX * m
    col = lambda v: int((v + HALF_WORLD) // size)  # noqa: E731
    row = lambda v: int((HALF_WORLD - v) // size)  # noqa: E731
    cols = range(col(x - width_px / 2 * m), col(x + width_px / 2 * m) + 1)
    rows = range(row(y + height_px / 2 * m), row(y - height_px / 2 * m) + 1)
    return [(zoom, c, r) for c in cols for r in rows if valid_tile(zoom, c, r)]


def to_mercator(geoms: np.ndarray) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: np.column_stack(_TO_MERCATOR.transform(xy[:, 0], xy[:, 1])))


@dataclass
class Shapes:
    """Display geometry of many features in Web Mercator, made once per coordinate system,
    with what matplotlib draws of each (made on first use, then kept)."""

    index: dict[str, int]
    geom: np.ndarray   # shapely geometries, EPSG:3857
    kind: np.ndarray   # AREA, LINE or POINT
    _drawn: dict[int, object] = field(default_factory=dict, repr=False)

    @classmethod
    def from_geojson(cls, geometries: dict[str, dict]) -> "Shapes":
        """From GeoJSON geometry dicts (display coordinates) by feature id."""
        ids = list(geometries)
        geom = to_mercator(np.array([shapely.geometry.shape(geometries[i]) for i in ids], dtype=object))
        kind = np.array([draw_rank(geometries[i]["type"]) for i in ids], dtype=np.int8)
        return cls({fid: n for n, fid in enumerate(ids)}, geom, kind)

    def drawn(self, row: int):
        """An area's compound path, a line's part coordinates, or a point's (x, y)."""
        if row not in self._drawn:
            geom, kind = self.geom[row], self.kind[row]
            parts = shapely.get_parts(geom)
            if kind == AREA:
                rings = shapely.get_rings(parts)
                self._drawn[row] = MplPath.make_compound_path(
                    *(MplPath(shapely.get_coordinates(r), closed=True) for r in rings))
            elif kind == LINE:
                self._drawn[row] = [shapely.get_coordinates(p) for p in parts]
            else:
                self._drawn[row] = shapely.get_coordinates(geom)[0]
        return self._drawn[row]


@dataclass
class RasterSource:
    """Features to draw as tiles: rows of a :class:`Shapes`, a style index each and the style table."""

    ids: list[str]
    shapes: Shapes
    rows: np.ndarray
    style: np.ndarray                  # index into styles, per feature
    styles: list[dict]                 # Leaflet path options (layers/style.py)
    tree: shapely.STRtree = field(init=False, repr=False)

    def __post_init__(self):
        self.geom = self.shapes.geom[self.rows]
        self.kind = self.shapes.kind[self.rows]
        self.tree = shapely.STRtree(self.geom)
        # How far past its geometry a feature's ink reaches, in pixels.
        self.reach_px = max((s.get("radius", 0) + s.get("weight", 1) for s in self.styles), default=1)
        # Each style as matplotlib draws it: colours (RGBA), marker area (points²), and pen.
        self.edge = np.array([pen.edge(s) for s in self.styles])
        self.face = np.array([pen.face(s) for s in self.styles])
        self.size = np.array([pen.marker_area(s) for s in self.styles])
        self.pen = [(pen.width(s), pen.dashes(s)) for s in self.styles]

    @classmethod
    def of(cls, shapes: Shapes, ids: list[str], style: list[int], styles: list[dict]) -> "RasterSource":
        rows = np.array([shapes.index[i] for i in ids], dtype=np.int64)
        return cls(list(ids), shapes, rows, np.asarray(style, dtype=np.int64), styles)

    def __len__(self) -> int:
        return len(self.ids)


def render_tile(source: RasterSource, z: int, x: int, y: int) -> bytes | None:
    """The PNG of one tile (transparent where nothing is drawn); None when no feature touches it."""
    west, south, east, north = tile_bounds(z, x, y)
    pad = source.reach_px * metres_per_pixel(z)
    hits = source.tree.query(shapely.box(west - pad, south - pad, east + pad, north + pad))
    if not len(hits):
        return None
    hits.sort()  # the source's own order: its layers in map order
    with _RENDER, rc_context({"lines.scale_dashes": False, "path.simplify": True}):
        fig = Figure(figsize=(TILE_PX / DPI, TILE_PX / DPI), dpi=DPI)
        canvas = FigureCanvasAgg(fig)
        fig.patch.set_alpha(0)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        ax.set_xlim(west, east)
        ax.set_ylim(south, north)
        for kind in (AREA, LINE, POINT):  # as the vector map draws them: areas under lines under points
            rows = hits[source.kind[hits] == kind]
            for pen in sorted({source.pen[s] for s in source.style[rows]}, key=str):
                mine = rows[[source.pen[s] == pen for s in source.style[rows]]]
                ax.add_collection(_collection(ax, source, kind, mine, *pen), autolim=False)
        canvas.draw()
        image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        out = io.BytesIO()
        image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _collection(ax, source: RasterSource, kind: int, rows: np.ndarray, width: float, dashes):
    """One matplotlib collection of the features *rows*, of one kind and one pen (line width
    and dashes), each in its own colours: few collections, and no per-item dash scaling."""
    style = source.style[rows]
    edge, face = source.edge[style], source.face[style]
    drawn = [source.shapes.drawn(r) for r in source.rows[rows]]
    if kind == POINT:
        return CircleCollection(source.size[style], offsets=np.array(drawn), offset_transform=ax.transData,
                                facecolors=face, edgecolors=edge, linewidths=width)
    if kind == LINE:  # the colour of each part
        edge = np.repeat(edge, [len(parts) for parts in drawn], axis=0)
        return LineCollection([p for parts in drawn for p in parts], colors=edge, linewidths=width,
                              linestyles=dashes, capstyle="round", joinstyle="round")
    return PathCollection(drawn, facecolors=face, edgecolors=edge, linewidths=width, linestyles=dashes,
                          joinstyle="round")


def pick(source: RasterSource, lon: float, lat: float, zoom: float, tolerance_px: float = 3) -> str | None:
    """The feature drawn under a click at (*lon*, *lat*) (display coordinates) on the tiles of
    *source* at *zoom*, or None.  What is drawn on top wins, as on the vector map: points,
    then lines, then areas; among equals the nearest, then the later layer."""
    x, y = _TO_MERCATOR.transform(lon, lat)
    click = shapely.Point(x, y)
    m = metres_per_pixel(zoom)
    best = None
    for row in source.tree.query(click.buffer((source.reach_px + tolerance_px) * m, 4)):
        style = source.styles[source.style[row]]
        kind = int(source.kind[row])
        ink = {POINT: style.get("radius", 6) + style.get("weight", 1) / 2, LINE: style.get("weight", 3) / 2}.get(kind, 0)
        distance = shapely.distance(source.geom[row], click) / m  # pixels; 0 inside an area
        if distance <= ink + tolerance_px and (best is None or (kind, -distance, row) > best):
            best = (kind, -distance, row)
    return source.ids[best[2]] if best else None


def empty_png() -> bytes:
    """One transparent pixel: what an empty tile is (Leaflet stretches it over the tile)."""
    out = io.BytesIO()
    Image.new("RGBA", (1, 1), (0, 0, 0, 0)).save(out, format="PNG")
    return out.getvalue()
