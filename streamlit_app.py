"""Chongqing district plan map — Streamlit entry point (widgets, state and layout only).

Run: streamlit run serve.py  (this script plus the map data and tile routes; running this
script alone also works, with the map data embedded in the map)
"""
from __future__ import annotations

from functools import partial
from typing import Callable

import folium
import streamlit as st
from streamlit_folium import st_folium

from geo.crs import gcj02_to_wgs84, wgs84_to_gcj02
from geo.features import load_layers
from geo.filters import Filters, apply
from geo.paths import DATA
from geo.plans import load_corpus
from geo.state import Known, ViewState, parse, to_params
from geo.targets import load_targets
from geo.validate import DataError
from geo.vocab import DISTRICTS, load_vocabulary
from layers import data_route
from layers.basemaps import available, needs_gcj02
from layers.i18n import t
from layers.markdown import md_literal
from layers.payload import display_texts, layer_payloads, may_cluster
from layers.raster import RasterSource, pick
from layers.remote import remote_groups
from layers.tile_proxy import mounted, tianditu_key
from layers.map import (DEFAULT_CENTER, DEFAULT_ZOOM, LAYER_ORDER, MAX_ZOOM, RASTER_PANE, build_base_map,
                        district_only_points, feature_groups, layer_collections, selection_group)
from views.planner import PARAM as PLANNER_PARAMS
from views.planner import init_planner_state, planner_params, planner_view
from views.explore import detail_panel, downloads, search_results
from views.present import present_view
from views.targets import targets_view

st.set_page_config(page_title="重庆规划地图 Chongqing plan map", page_icon="🗺️", layout="wide")


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


@st.cache_resource(show_spinner=False)
def placeholders():
    """Display points of district-only features, from the whole data so they never move."""
    return district_only_points(load_data()[0])


@st.cache_resource(show_spinner=False, max_entries=4)
def known_for(basemaps: tuple[str, ...]) -> Known:
    """What a link may name (a pass over every feature: once, not per session)."""
    return Known.from_frame(load_data()[0], basemaps)


def init_session(basemaps: list[str]) -> None:
    """First run of a session: the URL decides the view."""
    if "ready" in st.session_state:
        return
    known = known_for(tuple(basemaps))
    params = st.query_params.to_dict()
    planner_keys = set(PLANNER_PARAMS.values())
    state, notices = parse({k: v for k, v in params.items() if k not in planner_keys}, known)
    notices += init_planner_state(params, sorted(known.periods))
    f = state.filters
    st.session_state.update({
        "ready": True, "notices": notices, "w_lang": state.lang, "w_view": state.view,
        "w_districts": list(f.districts), "w_periods": list(f.periods), "w_themes": list(f.themes),
        "w_layers": list(f.layers), "w_categories": list(f.categories), "w_statuses": list(f.statuses),
        "w_query": f.query, "w_basemap": state.basemap, "selected": state.selected,
        "center": (state.lat, state.lon) if state.lat is not None else None, "zoom": state.zoom,
        # The map is created at this view; later moves are applied to it without a reload.
        "initial_view": ((state.lat, state.lon) if state.lat is not None else None, state.zoom),
    })


def current_state() -> ViewState:
    s = st.session_state
    center = s.get("center")
    return ViewState(
        filters=Filters(
            districts=tuple(s.w_districts), periods=tuple(s.w_periods), themes=tuple(s.w_themes),
            layers=tuple(s.w_layers), categories=tuple(s.w_categories), statuses=tuple(s.w_statuses),
            query=s.w_query,
        ),
        selected=s.selected, basemap=s.w_basemap,
        lat=center[0] if center else None, lon=center[1] if center else None, zoom=s.get("zoom"),
        lang=s.w_lang, view=s.w_view,
    )


def sync_url(state: ViewState) -> None:
    params = {**to_params(state), **(planner_params() if state.view == "planner" else {})}
    if params != st.query_params.to_dict():
        st.query_params.from_dict(params)


def sidebar(frame, vocab, lang: str, basemaps: list[str]) -> None:
    sb = st.sidebar
    sb.radio(t(lang, "language"), ["zh", "en"], key="w_lang", horizontal=True,
             format_func=lambda v: "中文" if v == "zh" else "English")
    sb.text_input(t(lang, "search"), key="w_query", max_chars=100)
    sb.multiselect(t(lang, "district"), list(DISTRICTS), key="w_districts",
                   format_func=lambda d: d if lang == "zh" else {"渝中区": "Yuzhong", "大渡口区": "Dadukou"}[d])
    sb.multiselect(t(lang, "period"), list(vocab.periods), key="w_periods",
                   format_func=lambda p: vocab.label("periods", p, lang))
    sb.multiselect(t(lang, "theme"), list(vocab.themes), key="w_themes",
                   format_func=lambda p: vocab.label("themes", p, lang))
    sb.multiselect(t(lang, "layer"), list(vocab.layers), key="w_layers",
                   format_func=lambda p: vocab.label("layers", p, lang))
    cats = layer_categories()
    sb.multiselect(t(lang, "category"), sorted({c for _, c in cats}), key="w_categories",
                   format_func=lambda c: next(vocab.category_label(l, c, lang) for l, cc in cats if cc == c))
    sb.multiselect(t(lang, "status"), list(vocab.statuses), key="w_statuses",
                   format_func=lambda p: vocab.label("statuses", p, lang))
    sb.selectbox(t(lang, "basemap"), basemaps, key="w_basemap", format_func=lambda b: t(lang, "basemaps")[b])


def base_map(basemap: str, lang: str) -> folium.Map:
    # Not cached: st_folium adds the feature groups to the map object it is given.
    _, vocab, _, _ = load_data()
    centre, zoom = st.session_state.initial_view  # WGS-84: build_base_map converts for AMap
    served = data_route.mounted()
    return build_base_map(vocab, basemap=basemap, lang=lang, center=centre, zoom=zoom,
                          publish=data_route.publish if served else None,
                          cluster_assets=served and dense(lang, needs_gcj02(basemap)))


def leave_presentation() -> None:
    """Back to the map view as it was (widget state is dropped while widgets are hidden)."""
    st.query_params.from_dict(st.session_state.get("map_params", {}))
    st.session_state.pop("ready", None)  # init_session reads the restored URL again


@st.cache_resource(show_spinner=False, max_entries=32)
def collections(filters: Filters, basemap: str, lang: str) -> list:
    _, vocab, _, _ = load_data()
    return layer_collections(filtered(filters), vocab, lang, to_gcj=needs_gcj02(basemap), placeholders=placeholders())


@st.cache_resource(show_spinner=False, max_entries=4)
def texts(lang: str, to_gcj: bool):
    """Every feature's JSON as drawn (layers/payload.py), once per language and CRS."""
    frame, vocab, _, _ = load_data()
    return display_texts(frame, vocab, lang, to_gcj, placeholders())


@st.cache_resource(show_spinner=False, max_entries=4)
def dense(lang: str, to_gcj: bool) -> bool:
    """Whether some layer may cluster (from the texts this map is drawn from anyway)."""
    return may_cluster(texts(lang, to_gcj), load_data()[0])


@st.cache_resource(show_spinner=False, max_entries=8)
def payloads(filters: Filters, basemap: str, lang: str) -> list:
    _, vocab, _, _ = load_data()
    return layer_payloads(filtered(filters), texts(lang, needs_gcj02(basemap)), vocab, lang)


def map_groups(filters: Filters, basemap: str, lang: str) -> list[folium.FeatureGroup]:
    """The feature layers: fetched from the data route when serve.py mounts it, else embedded."""
    if not data_route.mounted():
        return feature_groups(collections(filters, basemap, lang))
    source = texts(lang, needs_gcj02(basemap)).raster_source

    def tile_url(p) -> str:
        return data_route.publish_tiles(p.key, lambda: source([(layer, list(ids)) for layer, ids in p.raster]))

    return remote_groups(payloads(filters, basemap, lang), data_route.publish, tile_url, RASTER_PANE, MAX_ZOOM)


def tiled(filters: Filters, basemap: str, lang: str):
    """The payload of the layers drawn as image tiles, if any (only with serve.py's route mounted)."""
    found = [p for p in payloads(filters, basemap, lang) if p.raster] if data_route.mounted() else []
    return found[0] if found else None


@st.cache_resource(show_spinner=False, max_entries=8)
def click_targets(filters: Filters, basemap: str, lang: str):
    """Every feature on a map with tiles, to find what a click landed on: on tiles the
    browser cannot tell, and a vector area under a tiled point must not take its click."""
    shown = filtered(filters)
    return texts(lang, needs_gcj02(basemap)).raster_source([(layer, list(shown.index[shown.layer == layer]))
                                                             for layer in LAYER_ORDER if layer in set(shown.layer)])


def clicked_feature(out: dict, frame, targets: Callable[[], RasterSource] | None) -> str | None:
    """The feature a click on the map chose, if the click is new: the one st_folium names
    or, on a map with tiles (*targets* makes a source of every feature on it), the one
    drawn on top where the click landed."""
    point, zoom = out.get("last_clicked"), out.get("zoom")
    new_point = bool(point) and point != st.session_state.get("last_point")
    if new_point:
        st.session_state.last_point = point  # once: a later pan must not pick again
    drawing = (out.get("last_active_drawing") or {}).get("properties", {}).get("id")
    new_drawing = bool(drawing) and drawing in frame.index and drawing != st.session_state.get("last_click")
    if new_drawing:
        st.session_state.last_click = drawing
    if targets is None:
        return drawing if new_drawing else None
    return pick(targets(), point["lng"], point["lat"], zoom) if new_point and zoom is not None else None


def to_display(lat: float, lon: float, basemap: str) -> tuple[float, float]:
    """Map coordinates: GCJ-02 on AMap, WGS-84 elsewhere (state is always WGS-84)."""
    if needs_gcj02(basemap):
        lon, lat = wgs84_to_gcj02(lon, lat)
    return lat, lon


def from_display(lat: float, lon: float, basemap: str) -> tuple[float, float]:
    if needs_gcj02(basemap):
        lon, lat = gcj02_to_wgs84(lon, lat)
    return round(lat, 5), round(lon, 5)


def remember_view(out: dict, basemap: str) -> None:
    """Keep the map's centre and zoom in the state and the URL after a pan or zoom."""
    centre, zoom = out.get("center"), out.get("zoom")
    if not centre or zoom is None:
        return
    lat, lon = from_display(centre["lat"], centre["lng"], basemap)
    default = (round(DEFAULT_CENTER[0], 5), round(DEFAULT_CENTER[1], 5)), DEFAULT_ZOOM
    if ((lat, lon), zoom) == default and st.session_state.get("center") is None:
        return  # the untouched default view keeps the link short
    if ((lat, lon), zoom) != (st.session_state.get("center"), st.session_state.get("zoom")):
        st.session_state.center, st.session_state.zoom = (lat, lon), int(zoom)
        sync_url(current_state())


@st.fragment
def map_panel(frame, lang: str) -> None:
    """The map; pans, zooms and clicks rerun only this fragment (a new selection reruns the page)."""
    state = current_state()
    groups = map_groups(state.filters, state.basemap, lang)
    tiles = tiled(state.filters, state.basemap, lang)
    sel = selection_group(frame, state.selected, needs_gcj02(state.basemap), placeholders())
    centre = to_display(state.lat, state.lon, state.basemap) if state.lat is not None else None
    if tiles:
        st.caption(t(lang, "tiled", layers=tiles.label))
    out = st_folium(
        base_map(state.basemap, lang),
        key="map", height=660, use_container_width=True,
        feature_group_to_add=groups + ([sel] if sel else []),
        layer_control=folium.LayerControl(collapsed=True),
        center=centre, zoom=state.zoom,
        # A click on image tiles is resolved here, from where it landed.
        returned_objects=["last_active_drawing", "center", "zoom"] + (["last_clicked"] if tiles else []),
    ) or {}
    remember_view(out, state.basemap)
    clicked = clicked_feature(out, frame, partial(click_targets, state.filters, state.basemap, lang) if tiles else None)
    if clicked and clicked != st.session_state.get("selected"):
        st.session_state.selected = clicked
        st.rerun(scope="app")


def main() -> None:
    try:
        frame, vocab, corpus, targets = load_data()
    except DataError as exc:
        st.error(t("zh", "data_error") + " / " + t("en", "data_error"))
        st.code("\n".join(str(p) for p in exc.problems[:50]))
        st.stop()
    if st.query_params.get("view") == "present":  # full-screen mode reads tour/stop itself
        present_view(frame, vocab, corpus)
        st.button("← 地图 / Map", key="leave_present", on_click=leave_presentation)
        return
    basemaps = available(tianditu_key() if mounted() else None)  # Tianditu needs serve.py's tile route
    init_session(basemaps)
    if st.session_state.w_basemap not in basemaps:
        st.session_state.w_basemap = "offline"
    lang = st.session_state.w_lang
    state = current_state()
    sync_url(state)
    if state.view == "present":
        st.session_state.map_params = {k: v for k, v in to_params(state).items() if k != "view"}
        st.rerun()

    st.title(t(lang, "title"))
    st.caption(t(lang, "subtitle"))
    top = st.container()
    shown = filtered(state.filters)
    if state.view == "map":
        # The map goes out before the widgets (they read their values from the session
        # state, so their place in the script does not matter): the browser starts
        # loading the map while it loads the widgets' code.
        left, right = st.columns([5, 3], gap="medium")
        with left:
            map_panel(frame, lang)
    sidebar(frame, vocab, lang, basemaps)
    with top:
        if st.session_state.notices:
            st.warning(t(lang, "notices") + " " + "; ".join(md_literal(n) for n in st.session_state.notices))
        st.radio(t(lang, "view"), ["map", "targets", "planner", "present"], key="w_view", horizontal=True,
                 format_func=lambda v: t(lang, "views")[v], label_visibility="collapsed")
        features = counted(state.filters)
        with st.container(key="feature-count"):
            st.markdown(t(lang, "shown", shown=len(features), total=len(counted(Filters()))))
        if features.empty:
            st.info(t(lang, "nothing_shown"))

    if state.view == "targets":
        targets_view(frame, targets, corpus, lang, state.filters.themes, placeholders())
        return
    if state.view == "planner":
        planner_view(frame, vocab, corpus, targets, lang, basemap=state.basemap)
        return
    with left:
        downloads(features, targets, lang)
    with right:
        if state.filters.query.strip():
            search_results(frame, shown, vocab, lang, state.filters.query, placeholders())
        detail_panel(frame, vocab, corpus, lang, st.session_state.selected)
    with st.expander(t(lang, "attribution")):
        st.markdown((DATA / "ATTRIBUTION.md").read_text(encoding="utf-8"))

main()
