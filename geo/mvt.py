"""Mapbox Vector Tiles of plan features: the tile contract, the source interface and the
in-process encoder (mapbox-vector-tile).

The browser draws the tiles and styles each feature from its attributes
(layers/remote.py, with the style table of layers/style.py), so a tile carries no style.
The contract, which a database source (PostGIS ``ST_AsMVT``) keeps as well:

- one MVT layer per plan layer, named as the layer (``projects``, ``zones`` …), in the
  map's layer order, each feature in draw order (areas, lines, points: on top is last);
- extent :data:`EXTENT` (4096), geometry in Web Mercator (EPSG:3857) from the display
  geometry (WGS-84, or GCJ-02 for the AMap basemap), clipped to the tile plus
  :data:`BUFFER` units, lines and areas simplified to :data:`SIMPLIFY_PX` of a pixel;
- attributes exactly :data:`ATTRIBUTES`, all strings but ``ord``: ``themes`` comma-joined,
  a missing English name ``""``; ``ord``, an integer, is the feature's place in the plan's
  data (the loaded frame's order), by which the browser chooses among colliding names, and
  only tiles from :data:`NAME_ZOOM` on, where names are shown, carry it (one distinct value
  per feature costs ~10 % of a tile's bytes);
- a tile holds at most :data:`TILE_LIMIT` features: where more meet it, those of lowest
  :func:`rank` (a hash of the id, so the same ones under every filter and in every process);
- a tile with no feature is an empty body.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Protocol, Sequence

import mapbox_vector_tile
import numpy as np
import shapely
from pyproj import Transformer

from .tiles import HALF_WORLD, TILE_PX, metres_per_pixel, tile_bounds, valid_tile

EXTENT = 4096
# Units past each edge of a tile (16 px of a 256-px tile): a marker or line on the edge is
# drawn whole, half by each tile.  The largest marker (radius 13 px with its rim) fits.
BUFFER = 256
SIMPLIFY_PX = 0.5  # a vertex off the line by less than this is not seen
ATTRIBUTES = ("id", "name_zh", "name_en", "layer", "themes", "precision", "ord")
# At district zoom a tile of ×100 data meets ~80,000 features, ×1000 ~800,000: far more than
# 256 pixels can show, and megabytes to send.  bench/x1000.py: with 4,000 a tile the first
# view (9 tiles, 1.5 MB) was drawn in 4.1 s, with 1,500 (0.6 MB) in 2.5 s.
TILE_LIMIT = 1500
NAME_ZOOM = 15  # street zoom: the map names features from here (layers/view.py LABEL_ZOOM)
MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
_TO_MERCATOR = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)


class TileSource(Protocol):
    """Where a layer of tiles comes from: this process's features or a database."""

    def tile(self, z: int, x: int, y: int) -> bytes:
        """The MVT of tile *z*/*x*/*y* (b"" when nothing is there)."""


def rank(fid: str) -> int:
    """Which features a crowded tile keeps (the lowest): a stable hash of the id, 31 bits."""
    return zlib.crc32(fid.encode()) & 0x7FFFFFFF


def attributes(fid: str, name_zh: str, name_en, layer: str, themes, precision: str, ord: int) -> dict:
    """A feature's tile attributes (the contract's)."""
    return {"id": fid, "name_zh": name_zh, "name_en": name_en if isinstance(name_en, str) else "", "layer": layer,
            "themes": ",".join(themes or ()), "precision": precision, "ord": int(ord)}


def to_mercator(geoms) -> np.ndarray:
    """Geometries in degrees (WGS-84 or GCJ-02) in Web Mercator metres."""
    return shapely.transform(np.asarray(geoms, dtype=object),
                             lambda xy: np.column_stack(_TO_MERCATOR.transform(xy[:, 0], xy[:, 1])))


def encode_tile(layers: Sequence[tuple[str, Sequence, Sequence[dict]]], z: int, x: int, y: int) -> bytes:
    """The MVT of tile *z*/*x*/*y* of *layers*: (name, Web Mercator geometries, attributes)
    each, in drawing order.  Geometry is clipped to the tile and its buffer, simplified for
    the zoom and put in tile units (y down) here, all at once; what is left of nothing is
    left out."""
    west, south, east, north = tile_bounds(z, x, y)
    scale = EXTENT / (east - west)
    pad = BUFFER / scale
    tolerance = SIMPLIFY_PX * metres_per_pixel(z)
    out = []
    for name, geoms, attrs in layers:
        geoms = np.asarray(geoms, dtype=object)
        dims = shapely.get_dimensions(geoms)
        clipped = shapely.clip_by_rect(geoms, west - pad, south - pad, east + pad, north + pad)
        clipped[dims == 0] = geoms[dims == 0]  # (clip_by_rect may drop a point on the rectangle's edge)
        clipped[dims > 0] = shapely.simplify(clipped[dims > 0], tolerance, preserve_topology=True)
        units = shapely.transform(clipped, lambda xy: np.round(np.column_stack(
            [(xy[:, 0] - west) * scale, (north - xy[:, 1]) * scale])))
        features = [{"geometry": _of_dimension(g, d), "properties": a} for g, d, a in zip(units, dims, attrs)
                    if not g.is_empty]
        features = [f for f in features if f["geometry"] is not None]
        if features:
            out.append({"name": name, "features": features})
    if not out:
        return b""
    return mapbox_vector_tile.encode(out, default_options={
        "extents": EXTENT, "y_coord_down": True,
        "on_invalid_geometry": lambda g: _of_dimension(shapely.make_valid(g), 2)})


def _of_dimension(geom, dim: int):
    """*geom*, or its parts of dimension *dim* where clipping or repair made a collection of
    several kinds (which MVT cannot hold); None if there are none (an area thinner than a
    tile unit, say, which repair turns into a line)."""
    if geom.geom_type != "GeometryCollection":
        return geom if shapely.get_dimensions(geom) == dim else None
    parts = [p for p in shapely.get_parts(geom) if shapely.get_dimensions(p) == dim and not p.is_empty]
    return shapely.union_all(parts) if parts else None


@dataclass
class Shapes:
    """Display geometry of many features in Web Mercator, made once per coordinate system."""

    index: dict[str, int]
    geom: np.ndarray

    @classmethod
    def from_geojson(cls, geometries: dict[str, dict]) -> "Shapes":
        """From GeoJSON geometry dicts (display coordinates) by feature id."""
        ids = list(geometries)
        return cls({fid: n for n, fid in enumerate(ids)},
                   to_mercator([shapely.geometry.shape(geometries[i]) for i in ids]))


@dataclass
class MemoryTileSource:
    """Tiles of features held in this process: per feature (in drawing order) its MVT layer,
    Web Mercator geometry and attributes."""

    layer: list[str]
    geom: np.ndarray
    attrs: list[dict]
    tree: shapely.STRtree = field(init=False, repr=False)
    rank: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        self.tree = shapely.STRtree(self.geom)  # which features a tile holds
        self.rank = np.array([rank(a["id"]) for a in self.attrs], dtype=np.int64)

    @classmethod
    def of(cls, shapes: Shapes, parts: Sequence[tuple[str, Sequence[str]]], attrs: dict[str, dict]) -> "MemoryTileSource":
        """The features of *parts* ((layer, ids) in drawing order) of *shapes*."""
        layer = [name for name, ids in parts for _ in ids]
        ids = [i for _, members in parts for i in members]
        return cls(layer, shapes.geom[np.array([shapes.index[i] for i in ids], dtype=np.int64)],
                   [attrs[i] for i in ids])

    def __len__(self) -> int:
        return len(self.layer)

    def tile(self, z: int, x: int, y: int) -> bytes:
        west, south, east, north = tile_bounds(z, x, y)
        pad = BUFFER / EXTENT * (east - west)
        hits = self.tree.query(shapely.box(west - pad, south - pad, east + pad, north + pad))
        if len(hits) > TILE_LIMIT:
            hits = hits[np.argpartition(self.rank[hits], TILE_LIMIT)[:TILE_LIMIT]]
        hits = np.sort(hits)
        layers: dict[str, list[int]] = {}
        for row in hits.tolist():  # the source's order: layers in map order, features in draw order
            layers.setdefault(self.layer[row], []).append(row)
        return encode_tile([(name, self.geom[rows], [self._attributes(r, z) for r in rows]) for name, rows in layers.items()],
                           z, x, y)

    def _attributes(self, row: int, z: int) -> dict:
        a = self.attrs[row]
        return a if z >= NAME_ZOOM else {k: v for k, v in a.items() if k != "ord"}


def view_tiles(lon: float, lat: float, zoom: int, width_px: int, height_px: int) -> list[tuple[int, int, int]]:
    """The tiles a map of *width_px* × *height_px* centred on (*lon*, *lat*) at *zoom* shows."""
    x, y = _TO_MERCATOR.transform(lon, lat)
    m = metres_per_pixel(zoom)
    size = TILE_PX * m
    cols = range(int((x - width_px / 2 * m + HALF_WORLD) // size), int((x + width_px / 2 * m + HALF_WORLD) // size) + 1)
    rows = range(int((HALF_WORLD - y - height_px / 2 * m) // size), int((HALF_WORLD - y + height_px / 2 * m) // size) + 1)
    return [(zoom, c, r) for c in cols for r in rows if valid_tile(zoom, c, r)]
