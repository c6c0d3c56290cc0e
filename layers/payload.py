"""The map's layers as display GeoJSON bytes, for any filter in milliseconds.

What the map gets per feature (display geometry, id, escaped tooltip and an index into
its layer's table of styles; see :func:`layers.map.display_collection`) does not depend
on the filters.  So each feature's JSON text is made once per language and coordinate
system, for the whole data, and a filtered layer is a join of those texts: at ×100
(81,506 features) a filter change costs a join instead of seconds of folium rendering.

A payload is the GeoJSON :func:`layers.remote.encode` makes.  A layer showing more than
:data:`CLUSTER_POINTS` points sends its points apart, to be clustered in the browser
(see :mod:`layers.remote`).  A map of more than :data:`VECTOR_BUDGET` features draws its
largest layers as image tiles instead (:mod:`layers.raster`): their payload is the list
of ids to draw, not GeoJSON.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd

from geo.settings import VECTOR_BUDGET  # past it, the largest layers become image tiles
from geo.vocab import Vocabulary
from geo.i18n import t

from .map import LAYER_ORDER, draw_rank, layer_collections, part_payloads, style_table
from .raster import RasterSource, Shapes
from .remote import Payload, payload_key

CLUSTER_POINTS = 2000  # more points than this in one layer are clustered (the ×10 data and up)
TILED = "tiled"  # the layer name of the payload of image tiles


@dataclass(frozen=True)
class DisplayTexts:
    """Per layer, its style table; per feature, its display JSON text, draw rank, style index
    and geometry as drawn (GeoJSON, display coordinates)."""

    styles: dict[str, list[dict]]
    text: dict[str, str]
    rank: dict[str, int]  # layers.map.draw_rank of each feature as drawn
    kind: dict[str, str]  # draw class (layers/style.py); features with none are not drawn
    style: dict[str, int]
    geometry: dict[str, dict]
    crs: str  # "wgs84" or "gcj02"

    @cached_property
    def shapes(self) -> Shapes:
        """Every feature's display geometry in Web Mercator, for image tiles (made on first use,
        and shared by the texts of another language: they draw the same geometry)."""
        return _shapes(self.geometry, self.crs)

    def raster_source(self, parts: list[tuple[str, list[str]]]) -> RasterSource:
        """The features of some layers ((layer, ids) in drawing order) as one tiled source."""
        ids, style, styles = [], [], []
        for layer, members in parts:
            ids += members
            style += [len(styles) + self.style[i] for i in members]
            styles += self.styles[layer]
        return RasterSource.of(self.shapes, ids, style, styles)


# crs -> (the geometry it was made from, Shapes).  The texts of each language hold the very
# same geometry dicts (layers.map.drawn_geometries), so the second language reuses the
# Shapes, as long as every geometry is the same object.
_SHAPES: dict[str, tuple[dict[str, dict], Shapes]] = {}


def _shapes(geometry: dict[str, dict], crs: str) -> Shapes:
    hit = _SHAPES.get(crs)
    if hit is None or hit[0].keys() != geometry.keys() or any(hit[0][k] is not g for k, g in geometry.items()):
        hit = _SHAPES[crs] = (geometry, Shapes.from_geojson(geometry))
    return hit[1]


def display_texts(frame: gpd.GeoDataFrame, vocab: Vocabulary, lang: str, to_gcj: bool) -> DisplayTexts:
    """The JSON text of every feature of *frame* as the map draws it (once per language and CRS)."""
    styles, text, rank, kind, style, geometry = {}, {}, {}, {}, {}, {}
    for layer, _label, collection in layer_collections(frame, vocab, lang, to_gcj=to_gcj):
        styles[layer], features = style_table(collection["features"])
        for feature in features:
            fid = feature["properties"]["id"]
            text[fid] = json.dumps(feature, ensure_ascii=False, separators=(",", ":"))
            rank[fid] = draw_rank(feature["geometry"]["type"])
            kind[fid] = feature["properties"]["k"]
            style[fid] = feature["properties"]["s"]
            geometry[fid] = feature["geometry"]
    return DisplayTexts(styles, text, rank, kind, style, geometry, "gcj02" if to_gcj else "wgs84")


def raster_layers(counts: dict[str, int], budget: int = VECTOR_BUDGET) -> set[str]:
    """The layers to draw as tiles: the largest, until the rest fit in *budget* features."""
    out, total = set(), sum(counts.values())
    for layer, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        if total <= budget:
            break
        out.add(layer)
        total -= n
    return out


def layer_payloads(shown: gpd.GeoDataFrame, texts: DisplayTexts, vocab: Vocabulary, lang: str,
                   budget: int | None = None) -> list[Payload]:
    """The payloads of the features of *shown* (filtered rows of the frame *texts* was made
    from) that have a symbol, in LAYER_ORDER, split as :func:`layers.map.draw_parts` says.
    With more than *budget* features (VECTOR_BUDGET) on the map, the largest layers are
    drawn as image tiles, together: one payload, first (the tiles lie under vector layers)."""
    out = []
    parts = {layer: [i for i in part.index if i in texts.kind] for layer, part in shown.groupby("layer", sort=False)
             if layer in texts.styles}
    tiled = raster_layers({layer: len(ids) for layer, ids in parts.items()},
                          VECTOR_BUDGET if budget is None else budget)
    raster = []
    for layer in sorted(parts, key=LAYER_ORDER.index):
        ids = sorted(parts[layer], key=texts.rank.__getitem__)  # stable: the frame's order within a rank
        if not ids:
            continue
        if layer in tiled:
            raster.append((layer, tuple(ids)))
            continue
        out += part_payloads(layer, ids, texts.kind.__getitem__, texts.rank.__getitem__, texts.text.__getitem__,
                             texts.styles[layer], vocab, lang, CLUSTER_POINTS)
    if raster:
        # What the tiles look like: CRS, styles and ids (tiles are cached as immutable by their URL).
        key = payload_key(json.dumps([texts.crs, [(layer, texts.styles[layer], ids) for layer, ids in raster]],
                                     ensure_ascii=False).encode())
        names = t(lang, "list_sep").join(vocab.label("layers", layer, lang) for layer, _ in raster)
        count = sum(len(ids) for _, ids in raster)
        out.insert(0, Payload(TILED, f"{names} ({count})", b"", key, count, group=TILED, raster=tuple(raster)))
    return out
