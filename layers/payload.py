"""The map's layers as display GeoJSON bytes, for any filter in milliseconds.

What the map gets per feature (display geometry, id, escaped tooltip and an index into
its layer's table of styles; see :func:`layers.map.display_collection`) does not depend
on the filters.  So each feature's JSON text is made once per language and coordinate
system, for the whole data, and a filtered layer is a join of those texts: at ×100
(81,506 features) a filter change costs a join instead of seconds of folium rendering.

A payload is the GeoJSON :func:`layers.remote.encode` makes.  A layer showing more than
:data:`CLUSTER_POINTS` points sends its points apart, to be clustered in the browser
(see :mod:`layers.remote`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import geopandas as gpd
from shapely.geometry import Point

from geo.vocab import Vocabulary

from .data_route import payload_key
from .map import LAYER_ORDER, POINT_RANK, draw_rank, layer_collections, style_table
from .remote import encode

CLUSTER_POINTS = 2000  # more points than this in one layer are clustered (the ×10 data and up)


@dataclass(frozen=True)
class DisplayTexts:
    """Per layer, its style table; per feature, its display JSON text and draw rank."""

    styles: dict[str, list[dict]]
    text: dict[str, str]
    rank: dict[str, int]  # layers.map.draw_rank of each feature as drawn


def display_texts(frame: gpd.GeoDataFrame, vocab: Vocabulary, lang: str, to_gcj: bool,
                  placeholders: dict[str, Point]) -> DisplayTexts:
    """The JSON text of every feature of *frame* as the map draws it (once per language and CRS)."""
    styles, text, rank = {}, {}, {}
    for layer, _label, collection in layer_collections(frame, vocab, lang, to_gcj=to_gcj, placeholders=placeholders):
        styles[layer], features = style_table(collection["features"])
        for feature in features:
            fid = feature["properties"]["id"]
            text[fid] = json.dumps(feature, ensure_ascii=False, separators=(",", ":"))
            rank[fid] = draw_rank(feature["geometry"]["type"])
    return DisplayTexts(styles, text, rank)


@dataclass(frozen=True)
class Payload:
    layer: str
    label: str
    data: bytes
    key: str
    features: int
    cluster: bool = False


def layer_payloads(shown: gpd.GeoDataFrame, texts: DisplayTexts, vocab: Vocabulary, lang: str) -> list[Payload]:
    """The payloads of the features of *shown* (filtered rows of the frame *texts* was made
    from), in LAYER_ORDER; a layer with many points gets a second, clustered payload."""
    out = []
    for layer, part in shown.groupby("layer", sort=False):
        if layer not in texts.styles:
            continue
        ids = sorted(part.index, key=texts.rank.__getitem__)  # stable: keeps the frame's order within a rank
        label = f"{vocab.label('layers', layer, lang)} ({len(ids)})"
        points = [i for i in ids if texts.rank[i] == POINT_RANK]
        groups = [(ids, False)]
        if len(points) > CLUSTER_POINTS:
            groups = [([i for i in ids if texts.rank[i] != POINT_RANK], False), (points, True)]
        for members, cluster in groups:
            if members:
                data = encode(texts.styles[layer], [texts.text[i] for i in members])
                out.append(Payload(layer, label, data, payload_key(data), len(members), cluster))
    return sorted(out, key=lambda p: (LAYER_ORDER.index(p.layer), p.cluster))


def may_cluster(texts: DisplayTexts, frame: gpd.GeoDataFrame) -> bool:
    """Whether some layer of *frame* (the whole data) has points enough to be clustered
    under some filter."""
    points = [fid for fid, rank in texts.rank.items() if rank == POINT_RANK]
    return bool((frame["layer"].reindex(points).value_counts() > CLUSTER_POINTS).any())
