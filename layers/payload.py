"""The map's layers as display GeoJSON bytes, for any filter in milliseconds.

What the map gets per feature (display geometry, id, escaped tooltip and an index into
its layer's table of styles; see :func:`layers.map.display_collection`) does not depend
on the filters.  So each feature's JSON text is made once per language and coordinate
system, for the whole data, and a filtered layer is a join of those texts: at ×100
(81,506 features) a filter change costs a join instead of seconds of folium rendering.

A payload is the GeoJSON :func:`layers.remote.encode` makes.  A layer showing more than
:data:`CLUSTER_POINTS` points sends its points apart, to be clustered in the browser
(see :mod:`layers.remote`).  A map of more than :data:`VECTOR_BUDGET` features draws its
largest layers as vector tiles instead (:mod:`geo.mvt`, drawn in the browser): their
payload is the list of ids to draw, not GeoJSON.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd

from geo import mvt
from geo.settings import VECTOR_BUDGET  # past it, the largest layers become vector tiles
from geo.i18n import t
from geo.vocab import Vocabulary

from .map import LAYER_ORDER, draw_rank, layer_collections, part_payloads, style_table
from .remote import Payload, payload_key
from .style import tile_style_table
from .view import STRUCTURE_PANE, TILES_PANE

CLUSTER_POINTS = 2000  # more points than this in one layer are clustered (the ×10 data and up)
TILED = "tiled"  # the layer name of the payload of vector tiles


@dataclass(frozen=True)
class DisplayTexts:
    """Per layer, its style table; per feature, its display JSON text, draw rank, style index,
    geometry as drawn (GeoJSON, display coordinates) and vector-tile attributes."""

    styles: dict[str, list[dict]]
    text: dict[str, str]
    rank: dict[str, int]  # layers.map.draw_rank of each feature as drawn
    kind: dict[str, str]  # draw class (layers/style.py); features with none are not drawn
    style: dict[str, int]
    geometry: dict[str, dict]
    crs: str  # "wgs84" or "gcj02"
    attrs: dict[str, dict]  # geo.mvt.attributes

    @cached_property
    def shapes(self) -> mvt.Shapes:
        """Every feature's display geometry in Web Mercator, for vector tiles (made on first
        use, and shared by the texts of another language: they draw the same geometry)."""
        return _shapes(self.geometry, self.crs)

    @cached_property
    def fingerprint(self) -> str:
        """A digest of what tiles of these features show (geometry and attributes): part of
        the tiles' URL, which the browser caches as immutable."""
        digest = hashlib.blake2b(digest_size=12)
        for fid in sorted(self.attrs):  # (a feature's text holds its geometry)
            digest.update("\x1f".join([self.text[fid], *map(str, self.attrs[fid].values()), "\x1e"]).encode())
        return digest.hexdigest()

    def tile_source(self, parts) -> mvt.MemoryTileSource:
        """The features of some layers ((layer, ids) in drawing order) as one source of tiles."""
        return mvt.MemoryTileSource.of(self.shapes, parts, self.attrs)


# crs -> (the geometry it was made from, Shapes).  The texts of each language hold the very
# same geometry dicts (layers.map.drawn_geometries), so the second language reuses the
# Shapes, as long as every geometry is the same object.
_SHAPES: dict[str, tuple[dict[str, dict], mvt.Shapes]] = {}


def _shapes(geometry: dict[str, dict], crs: str) -> mvt.Shapes:
    hit = _SHAPES.get(crs)
    if hit is None or hit[0].keys() != geometry.keys() or any(hit[0][k] is not g for k, g in geometry.items()):
        hit = _SHAPES[crs] = (geometry, mvt.Shapes.from_geojson(geometry))
    return hit[1]


def display_texts(frame: gpd.GeoDataFrame, vocab: Vocabulary, lang: str, to_gcj: bool) -> DisplayTexts:
    """The JSON text of every feature of *frame* as the map draws it (once per language and CRS)."""
    styles, text, rank, kind, style, geometry = {}, {}, {}, {}, {}, {}
    row = dict(zip(frame.index, zip(*(frame[c].tolist() for c in ("name_zh", "name_en", "layer", "themes", "precision")),
                                    range(len(frame)))))
    for layer, _label, collection in layer_collections(frame, vocab, lang, to_gcj=to_gcj):
        styles[layer], features = style_table(collection["features"])
        for feature in features:
            fid = feature["properties"]["id"]
            text[fid] = json.dumps(feature, ensure_ascii=False, separators=(",", ":"))
            rank[fid] = draw_rank(feature["geometry"]["type"])
            kind[fid] = feature["properties"]["k"]
            style[fid] = feature["properties"]["s"]
            geometry[fid] = feature["geometry"]
    attrs = {fid: mvt.attributes(fid, *row[fid]) for fid in text}
    return DisplayTexts(styles, text, rank, kind, style, geometry, "gcj02" if to_gcj else "wgs84", attrs)


def tiled_layers(counts: dict[str, int], budget: int = VECTOR_BUDGET) -> set[str]:
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
    drawn as vector tiles, together: one payload, first."""
    out = []
    parts = {layer: [i for i in part.index if i in texts.kind] for layer, part in shown.groupby("layer", sort=False)
             if layer in texts.styles}
    tiled = tiled_layers({layer: len(ids) for layer, ids in parts.items()},
                          VECTOR_BUDGET if budget is None else budget)
    tiles = []
    for layer in sorted(parts, key=LAYER_ORDER.index):
        ids = sorted(parts[layer], key=texts.rank.__getitem__)  # stable: the frame's order within a rank
        if not ids:
            continue
        if layer in tiled:
            tiles.append((layer, tuple(ids)))
            continue
        out += part_payloads(layer, ids, texts.kind.__getitem__, texts.rank.__getitem__, texts.text.__getitem__,
                             texts.styles[layer], vocab, lang, CLUSTER_POINTS)
    if tiles:
        out.insert(0, tiles_payload(tiles, texts, vocab, lang))
    return out


def tiles_payload(parts: list[tuple[str, tuple[str, ...]]], texts: DisplayTexts, vocab: Vocabulary, lang: str) -> Payload:
    """The payload of the layers drawn as vector tiles ((layer, ids) in drawing order) from the
    features in this process."""
    # Its key names what the tiles hold (the tiles are cached as immutable by their URL).
    key = payload_key(json.dumps(["mvt", mvt.EXTENT, mvt.BUFFER, mvt.SIMPLIFY_PX, texts.crs, texts.fingerprint, parts],
                                 ensure_ascii=False).encode())
    kinds = [texts.kind[i] for _, ids in parts for i in ids]
    structure = kinds.count("structure")
    return grid_payload(key, parts, len(kinds) - structure, structure, vocab, lang)


def grid_payload(key: str, parts, drawn: int, structure: int, vocab: Vocabulary, lang: str) -> Payload:
    """A payload of layers drawn as vector tiles ((layer, ids) each; the ids may be left out
    when a database holds them): no data, but the grids that draw them (schematic features
    in the plan-structure pane, which fades at street zoom, the rest over the vector layers;
    with how many features each draws) and the style table."""
    names = t(lang, "list_sep").join(vocab.label("layers", layer, lang) for layer, _ in parts)
    grids = [g for g in ((TILES_PANE, ("precise", "approx", "outline"), drawn),
                         (STRUCTURE_PANE, ("structure",), structure)) if g[2]]
    style = {**tile_style_table([layer for layer, _ in parts]), "lang": lang, "notes": t(lang, "map.uncertainty")}
    return Payload(TILED, f"{names} ({drawn + structure})", b"", key, drawn + structure, group=TILED,
                   tiles=tuple(parts), tile_grids=tuple(grids), tile_style=style)
