"""The app's data, loaded once per server process, and what each filter makes of it: the
store (geo/store.py) answers counts, extents, lists and the rest; in memory, the map's
payloads are made here (cached by the frozen Filters), from the database its vector tiles."""
from __future__ import annotations

import dataclasses

import folium
import streamlit as st

from geo.basemaps import needs_gcj02
from geo.features import load_layers
from geo.filters import Filters
from geo import settings
from geo.store import MemoryStore, PostgisStore, PostgisTiles, TooMany
from geo.plans import load_corpus
from geo.state import Known
from geo.targets import load_targets
from geo.vocab import load_vocabulary
from geo.i18n import t
from layers.map import LAYER_ORDER, MAX_ZOOM
from layers.payload import display_texts, grid_payload, layer_payloads
from layers.remote import payload_key, plan_groups
from server import data_route


@st.cache_resource(show_spinner=False)
def load_data():
    """The feature store (the frame in memory, or PostGIS with PLANMAP_DATABASE_URL) and
    the rest read from disk, once per server process."""
    store = PostgisStore(settings.DATABASE_URL) if settings.DATABASE_URL else MemoryStore(load_layers())
    return store, load_vocabulary(), load_corpus(), load_targets()


def store():
    return load_data()[0]


@st.cache_resource(show_spinner=False)
def layer_categories() -> list[tuple[str, str]]:
    return store().layer_categories()


def filtered(filters: Filters):
    """The rows passing *filters* (in memory only: the map's payloads; do not modify)."""
    return store().filtered(filters)


@st.cache_resource(show_spinner=False, max_entries=4)
def known_for(basemaps: tuple[str, ...]) -> Known:
    """What a link may name (a pass over every feature: once, not per session)."""
    return store().known(basemaps)


def whole_set(lang: str, filters: Filters | None = None):
    """Every feature (*filters* None) or the shown ones, for a view that needs them all; None,
    with a note to narrow the filter, past what such a view takes from the database."""
    try:
        return store().bounded(filters)
    except TooMany as exc:
        st.warning(t(lang, "too_many", n=exc.count, limit=exc.limit))
        return None


@st.cache_resource(show_spinner=False, max_entries=4)
def texts(lang: str, to_gcj: bool):
    """Every feature's JSON as drawn (layers/payload.py), once per language and CRS."""
    data, vocab, _, _ = load_data()
    return display_texts(data.frame, vocab, lang, to_gcj)


@st.cache_resource(show_spinner=False, max_entries=8)
def payloads(filters: Filters, basemap: str, lang: str) -> list:
    _, vocab, _, _ = load_data()
    # Vector tiles need serve.py's tile route: without it every layer is embedded, however many.
    return layer_payloads(filtered(filters), texts(lang, needs_gcj02(basemap)), vocab, lang,
                          budget=None if data_route.mounted() else float("inf"))


def map_groups(filters: Filters, basemap: str, lang: str) -> list[folium.FeatureGroup]:
    """The feature layers: fetched from the data route when serve.py mounts it (past the
    vector budget the largest as vector tiles), else embedded; from the database, every
    layer as vector tiles cut by PostGIS."""
    if not store().in_memory:
        return database_tiles(filters, basemap, lang)
    if not data_route.mounted():
        return plan_groups(payloads(filters, basemap, lang), lambda p: {"data": p.data})

    def tile_url(p) -> str:
        spec = {"lang": lang, "gcj": needs_gcj02(basemap), "tiles": p.tiles}
        return data_route.publish_tiles(p.key, tile_recipe(spec), spec=spec)

    return plan_groups(payloads(filters, basemap, lang), lambda p: {"url": data_route.publish(p.data, p.key)},
                       tile_url, MAX_ZOOM)


def database_tiles(filters: Filters, basemap: str, lang: str) -> list[folium.FeatureGroup]:
    """Every layer of *filters* as vector tiles cut by the database, through the same tile
    route and browser layer as the in-process tiles (so clicks and hover work alike)."""
    db, crs, layers = store(), "gcj02" if needs_gcj02(basemap) else "wgs84", tuple(LAYER_ORDER)
    key = payload_key(repr(("postgis", db.version, crs, layers, filters)).encode())
    drawn, structure = db.drawn_counts(filters)
    payload = grid_payload(key, [(layer, ()) for layer in layers], drawn, structure, load_data()[1], lang)
    spec = {"database": True, "crs": crs, "layers": layers, "filters": dataclasses.asdict(filters)}
    url = data_route.publish_tiles(key, tile_recipe(spec), spec=spec)
    return plan_groups([payload], None, lambda _: url, MAX_ZOOM)


def tile_recipe(spec: dict):
    """What makes the tiled source of *spec* (language, GCJ-02 or not, (layer, ids) in drawing
    order; or the database's tiles of a filter): for this process's map, and for another
    process's (scripts/serve_cluster.sh)."""
    if spec.get("database"):
        f = Filters(**{k: tuple(v) if isinstance(v, list) else v for k, v in spec["filters"].items()})
        return lambda: PostgisTiles(store(), f, spec["crs"], tuple(spec["layers"]))
    source = texts(spec["lang"], spec["gcj"]).tile_source
    return lambda: source(tuple((layer, tuple(ids)) for layer, ids in spec["tiles"]))


data_route.TILES.rebuild = tile_recipe  # serve.py imports this module in every process
