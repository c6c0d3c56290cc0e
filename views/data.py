"""The app's data, loaded once per server process, and what each filter makes of it
(cached by the frozen Filters): the rows shown, the count, the extent, the map's payloads."""
from __future__ import annotations

import folium
import streamlit as st

from geo.basemaps import needs_gcj02
from geo.extent import filter_extent
from geo.features import load_layers
from geo.filters import Filters, apply
from geo.plans import load_corpus
from geo.state import Known
from geo.targets import load_targets
from geo.vocab import load_vocabulary
from layers.map import LAYER_ORDER, MAX_ZOOM, RASTER_PANE
from layers.payload import display_texts, layer_payloads
from layers.remote import plan_groups
from server import data_route


@st.cache_resource(show_spinner=False)
def load_data():
    """Everything read from disk, once per server process."""
    frame = load_layers()
    return frame, load_vocabulary(), load_corpus(), load_targets()


@st.cache_resource(show_spinner=False)
def layer_categories() -> list[tuple[str, str]]:
    frame = load_data()[0]
    return sorted(set(zip(frame["layer"], frame["category"])))


@st.cache_resource(show_spinner=False, max_entries=8)
def filtered(filters: Filters):
    """The rows passing *filters* (shared by the map, the count and the downloads; do not modify)."""
    return apply(load_data()[0], filters)


@st.cache_resource(show_spinner=False, max_entries=8)
def counted(filters: Filters):
    """The rows passing *filters* that count as features shown (the district outlines do not)."""
    shown = filtered(filters)
    return shown[shown.layer != "districts"]


@st.cache_resource(show_spinner=False, max_entries=8)
def extent(filters: Filters):
    return filter_extent(filtered(filters), filters.districts)


@st.cache_resource(show_spinner=False, max_entries=4)
def known_for(basemaps: tuple[str, ...]) -> Known:
    """What a link may name (a pass over every feature: once, not per session)."""
    return Known.from_frame(load_data()[0], basemaps)


@st.cache_resource(show_spinner=False, max_entries=4)
def texts(lang: str, to_gcj: bool):
    """Every feature's JSON as drawn (layers/payload.py), once per language and CRS."""
    frame, vocab, _, _ = load_data()
    return display_texts(frame, vocab, lang, to_gcj)


@st.cache_resource(show_spinner=False, max_entries=8)
def payloads(filters: Filters, basemap: str, lang: str) -> list:
    _, vocab, _, _ = load_data()
    return layer_payloads(filtered(filters), texts(lang, needs_gcj02(basemap)), vocab, lang)


def map_groups(filters: Filters, basemap: str, lang: str) -> list[folium.FeatureGroup]:
    """The feature layers: fetched from the data route when serve.py mounts it, else embedded."""
    if not data_route.mounted():
        return plan_groups(payloads(filters, basemap, lang), lambda p: {"data": p.data})

    def tile_url(p) -> str:
        spec = {"lang": lang, "gcj": needs_gcj02(basemap), "raster": p.raster}
        return data_route.publish_tiles(p.key, tile_recipe(spec), spec=spec)

    return plan_groups(payloads(filters, basemap, lang), lambda p: {"url": data_route.publish(p.data, p.key)},
                       tile_url, RASTER_PANE, MAX_ZOOM)


def tile_recipe(spec: dict):
    """What makes the tiled source of *spec* (language, GCJ-02 or not, (layer, ids) in drawing
    order): for this process's map, and for another process's (scripts/serve_cluster.sh)."""
    source = texts(spec["lang"], spec["gcj"]).raster_source
    return lambda: source([(layer, list(ids)) for layer, ids in spec["raster"]])


data_route.TILES.rebuild = tile_recipe  # serve.py imports this module in every process


def tiled(filters: Filters, basemap: str, lang: str):
    """The payload of the layers drawn as image tiles, if any (only with serve.py's route mounted)."""
    found = [p for p in payloads(filters, basemap, lang) if p.raster] if data_route.mounted() else []
    return found[0] if found else None


@st.cache_resource(show_spinner=False, max_entries=8)
def click_targets(filters: Filters, basemap: str, lang: str):
    """Every feature drawn on a map with tiles, to find what a click landed on: on tiles the
    browser cannot tell, and a vector area under a tiled point must not take its click."""
    shown = filtered(filters)
    drawn_ids = texts(lang, needs_gcj02(basemap)).kind
    return texts(lang, needs_gcj02(basemap)).raster_source(
        [(layer, [i for i in shown.index[shown.layer == layer] if i in drawn_ids])
         for layer in LAYER_ORDER if layer in set(shown.layer)])
