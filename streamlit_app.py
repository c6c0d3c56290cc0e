"""Chongqing district plan map — Streamlit entry point (widgets, state and layout only).

Run: streamlit run serve.py  (this script plus the map data and tile routes; running this
script alone also works, with the map data embedded in the map)
"""
from __future__ import annotations

from functools import partial
from html import escape
from typing import Callable

import folium
import streamlit as st
from streamlit_folium import st_folium

from geo.basemaps import BASEMAPS, available, needs_gcj02
from geo.crs import gcj02_to_wgs84, wgs84_to_gcj02
from geo.extent import circle_extent, feature_extent, filter_extent
from geo.features import load_layers
from geo.filters import Filters, apply
from geo.near import district_at, near
from geo.paths import DATA
from geo.plans import load_corpus
from geo.state import Known, ViewState, parse, to_params
from geo.targets import load_targets
from geo.validate import DataError
from geo.vocab import DISTRICTS, district_name, load_vocabulary
from layers.i18n import t
from layers.markdown import md_literal
from layers.payload import display_texts, layer_payloads
from layers.raster import RasterSource, pick
from layers.remote import plan_groups
from layers.map import DEFAULT_CENTER, DEFAULT_ZOOM, LAYER_ORDER, MAX_ZOOM, RASTER_PANE, build_base_map, selection_group
from layers.view import BADGE_PREFIX, FitView, district_badges
from server import data_route
from server.tile_proxy import mounted, tianditu_key
from views.planner import PARAM as PLANNER_PARAMS
from views.planner import init_planner_state, planner_params, planner_view
from views.explore import detail_panel, downloads, search_results, select
from views.listing import feature_list, in_view, list_csv, list_table
from views.near import near_panel
from views.present import present_view
from views.targets import targets_view

st.set_page_config(page_title="重庆规划地图 Chongqing plan map", page_icon="🗺️", layout="wide",
                   initial_sidebar_state="collapsed")

# The map is the page: it takes the window's height (the frame's inline height is
# Streamlit's; the map inside fills whatever the frame is, layers/view.py), and on a
# phone the details come below it.
CSS = """<style>
[data-testid="stMainBlockContainer"], .block-container {padding: 1rem 1.5rem 2rem 1.5rem !important; max-width: 100% !important}
.st-key-mapbox iframe {height: calc(100vh - 240px) !important; min-height: 420px}
[data-testid="stMainBlockContainer"] h1 {font-size: 1.35rem !important; margin: 0 !important; padding: .2rem 0 !important}
.st-key-feature-count p {margin: 0; font-size: .9rem; color: #555}
@media (max-width: 640px) {
  .st-key-mapbox iframe {height: 62vh !important; min-height: 320px}
  /* On a phone the map comes right after the title; the filters follow it. */
  div:has(> .st-key-titlebar) {order: -2}
  div:has(> .st-key-maparea) {order: -1}
}
</style>"""
MAP_HEIGHT = 640  # st_folium's own height: only until the CSS above applies


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
        "near": state.near, "w_near_radius": state.radius,
        "center": (state.lat, state.lon) if state.lat is not None else None, "zoom": state.zoom,
        # The map is created at this view; later moves are applied to it without a reload.
        "initial_view": ((state.lat, state.lon) if state.lat is not None else None, state.zoom),
        # What the map fits to first: the URL's view if it has one, else the selection, the
        # near-here circle or the filters.
        "fit_on": "selection" if state.selected else "near" if state.near else "filter",
        "fit_filters": f, "fit_seq": 0, "keep_view": state.lat is not None,
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
        lang=s.w_lang, view=s.w_view, near=s.get("near"), radius=int(s.get("w_near_radius", 500)),
    )


def sync_url(state: ViewState) -> None:
    params = {**to_params(state), **(planner_params() if state.view == "planner" else {})}
    if params != st.query_params.to_dict():
        st.query_params.from_dict(params)


def filter_bar(vocab, lang: str, basemaps: list[str]) -> None:
    """The common filters at hand (search, district, period, theme), the rest folded.  Each
    names itself in its placeholder (its label stays for screen readers)."""
    def everything(label: str) -> str:
        return t(lang, "all_of", what=label)

    def choose(place, label: str, options, key: str, format_func) -> None:
        place.multiselect(label, options, key=key, placeholder=everything(label), format_func=format_func,
                          label_visibility="collapsed")

    c1, c2, c3, c4 = st.columns([3, 2, 2, 3])
    c1.text_input(t(lang, "search"), key="w_query", max_chars=100, placeholder=t(lang, "search"),
                  label_visibility="collapsed")
    choose(c2, t(lang, "district"), list(DISTRICTS), "w_districts", lambda d: district_name(d, lang))
    choose(c3, t(lang, "period"), list(vocab.periods), "w_periods", lambda p: vocab.label("periods", p, lang))
    choose(c4, t(lang, "theme"), list(vocab.themes), "w_themes", lambda p: vocab.label("themes", p, lang))
    with st.expander(t(lang, "more_filters")):
        d1, d2, d3, d4 = st.columns(4)
        cats = layer_categories()
        for place, label, options, key, fmt in (
                (d1, t(lang, "layer"), list(vocab.layers), "w_layers", lambda p: vocab.label("layers", p, lang)),
                (d2, t(lang, "category"), sorted({c for _, c in cats}), "w_categories",
                 lambda c: next(vocab.category_label(l, c, lang) for l, cc in cats if cc == c)),
                (d3, t(lang, "status"), list(vocab.statuses), "w_statuses", lambda p: vocab.label("statuses", p, lang))):
            place.multiselect(label, options, key=key, placeholder=everything(label), format_func=fmt)
        d4.selectbox(t(lang, "basemap"), basemaps, key="w_basemap", format_func=lambda b: BASEMAPS[b].label(lang),
                     placeholder=t(lang, "basemap"))


def base_map(basemap: str, lang: str) -> folium.Map:
    # Not cached: st_folium adds the feature groups to the map object it is given.
    _, vocab, _, _ = load_data()
    centre, zoom = st.session_state.initial_view  # WGS-84: build_base_map converts for AMap
    served = data_route.mounted()
    return build_base_map(vocab, basemap=basemap, lang=lang, center=centre, zoom=zoom,
                          publish=data_route.publish if served else None)


def leave_presentation() -> None:
    """Back to the map view as it was (widget state is dropped while widgets are hidden)."""
    st.query_params.from_dict(st.session_state.get("map_params", {}))
    st.session_state.pop("ready", None)  # init_session reads the restored URL again


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
    source = texts(lang, needs_gcj02(basemap)).raster_source

    def tile_url(p) -> str:
        return data_route.publish_tiles(p.key, lambda: source([(layer, list(ids)) for layer, ids in p.raster]))

    return plan_groups(payloads(filters, basemap, lang), lambda p: {"url": data_route.publish(p.data, p.key)},
                       tile_url, RASTER_PANE, MAX_ZOOM)


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


def read_click(out: dict, frame, targets: Callable[[], RasterSource] | None) -> tuple[str | None, dict | None]:
    """(what a new click on the map chose, the empty spot it landed on): a feature or badge id
    that st_folium names or, on a map with tiles (*targets* makes a source of every feature
    on it), the one drawn on top where the click landed; a click that hit nothing is a spot."""
    point, zoom = out.get("last_clicked"), out.get("zoom")
    new_point = bool(point) and point != st.session_state.get("last_point")
    if new_point:
        st.session_state.last_point = point  # once: a later pan must not pick again
    count = out.get("last_object_clicked_count") or 0
    new_object = count != st.session_state.get("last_count", 0)
    st.session_state.last_count = count
    drawing = (out.get("last_active_drawing") or {}).get("properties", {}).get("id")
    if new_object and drawing and drawing.startswith(BADGE_PREFIX):
        return drawing, None
    if new_point and targets is not None and zoom is not None:
        # On tiles the browser cannot tell what is under the click, and a vector area under a
        # tiled point must not take it: pick among everything drawn, points first.
        picked = pick(targets(), point["lng"], point["lat"], zoom)
        if picked:
            return picked, None
    if new_object and drawing in frame.index:
        return drawing, None
    return None, (point if new_point and not new_object else None)


def to_display(lat: float, lon: float, basemap: str) -> tuple[float, float]:
    """Map coordinates: GCJ-02 on AMap, WGS-84 elsewhere (state is always WGS-84)."""
    if needs_gcj02(basemap):
        lon, lat = wgs84_to_gcj02(lon, lat)
    return lat, lon


def from_display(lat: float, lon: float, basemap: str) -> tuple[float, float]:
    if needs_gcj02(basemap):
        lon, lat = gcj02_to_wgs84(lon, lat)
    return round(lat, 5), round(lon, 5)


def display_bounds(bounds, basemap: str) -> list[float] | None:
    """WGS-84 (west, south, east, north) as the map's [south, west, north, east]."""
    if bounds is None:
        return None
    south, west = to_display(bounds[1], bounds[0], basemap)
    north, east = to_display(bounds[3], bounds[2], basemap)
    return [south, west, north, east]


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


def view_request(state: ViewState) -> tuple[tuple[float, float] | None, int | None]:
    """The view st_folium is told to show: the state's view as it was when this map (basemap
    and language) was built, and unchanged until it is rebuilt.  st_folium moves the map
    whenever this changes, so it must not follow every pan: answering each pan with the
    view just reported sent stale views back while the map moved on, and the map swung
    between them."""
    s = st.session_state
    if s.get("map_key") != (state.basemap, state.lang):
        if s.get("map_key") is not None:
            s.keep_view = True  # a rebuilt map keeps the view; FitView must not refit it
        s.map_key = (state.basemap, state.lang)
        s.view_request = ((to_display(state.lat, state.lon, state.basemap), state.zoom)
                          if state.lat is not None else (None, None))
    return s.view_request


def fit_view(frame, state: ViewState) -> FitView:
    """Where the map goes: the selection, the near-here circle or the filter's extent, once
    per request (a filter change is one); the link's own view on opening."""
    s = st.session_state
    if state.filters != s.fit_filters:
        s.fit_filters, s.fit_on = state.filters, "filter"
    fit_on = s.fit_on if (s.fit_on != "selection" or state.selected) and (s.fit_on != "near" or state.near) else "filter"
    target = {"selection": lambda: feature_extent(frame, state.selected),
              "near": lambda: circle_extent(*state.near, state.radius),
              "filter": lambda: extent(state.filters)}[fit_on]()
    token = repr((fit_on, state.filters, state.selected if fit_on == "selection" else None,
                  state.near if fit_on == "near" else None, s.fit_seq))
    if s.pop("keep_view", False):
        s.skip_token = token  # the link's own view wins on opening, the current one on a rebuilt map
    return FitView(token, display_bounds(target, state.basemap), display_bounds(extent(state.filters), state.basemap),
                   apply=token != s.get("skip_token"))


def view_group(frame, state: ViewState) -> folium.FeatureGroup:
    """Fit, district badges and the near-here circle: small, and drawn with the features."""
    group = folium.FeatureGroup(name="view", control=False)
    group.add_child(fit_view(frame, state))
    group.add_child(district_badges(counted(state.filters), state.lang, needs_gcj02(state.basemap)))
    if state.near:
        lat, lon = to_display(*state.near, state.basemap)
        folium.Circle([lat, lon], radius=state.radius, color="#222", weight=2, dash_array="6 6", fill=True,
                      fill_opacity=0.04, interactive=False).add_to(group)
        folium.CircleMarker([lat, lon], radius=5, color="#222", weight=2, fill=True, fill_color="#ffffff",
                            fill_opacity=1, interactive=False).add_to(group)
    return group


def on_list_scope() -> None:
    st.session_state.list_district = None


@st.fragment
def map_panel(frame, vocab, lang: str) -> None:
    """The map and its list; pans, zooms and clicks rerun only this fragment (a new selection
    or near-here point reruns the page)."""
    state = current_state()
    groups = map_groups(state.filters, state.basemap, lang)
    tiles = tiled(state.filters, state.basemap, lang)
    sel = selection_group(frame, state.selected, needs_gcj02(state.basemap))
    centre, zoom = view_request(state)
    if tiles:
        st.caption(t(lang, "tiled", layers=tiles.label))
    with st.container(key="mapbox"):
        out = st_folium(
            base_map(state.basemap, lang),
            key="map", height=MAP_HEIGHT, use_container_width=True,
            feature_group_to_add=groups + [view_group(frame, state)] + ([sel] if sel else []),
            layer_control=folium.LayerControl(collapsed=True),
            center=centre, zoom=zoom,
            returned_objects=["last_active_drawing", "last_object_clicked_count", "last_clicked", "center", "zoom",
                              "bounds"],
        ) or {}
    remember_view(out, state.basemap)
    clicked, spot = read_click(out, frame, partial(click_targets, state.filters, state.basemap, lang) if tiles else None)
    if clicked and clicked.startswith(BADGE_PREFIX):
        st.session_state.w_list_scope, st.session_state.list_district = "district", clicked[len(BADGE_PREFIX):]
    elif clicked and clicked != state.selected:
        select(clicked)
        st.rerun(scope="app")
    elif spot:
        st.session_state.near = from_display(spot["lat"], spot["lng"], state.basemap)
        st.rerun(scope="app")
    listing(frame, vocab, lang, state, out.get("bounds"))


def listing(frame, vocab, lang: str, state: ViewState, bounds: dict | None) -> None:
    """What the map shows as a table (all, in view, or a district's district-wide items)."""
    features = counted(state.filters)
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    scope = c1.radio(t(lang, "list_scope"), ["all", "view", "district"], key="w_list_scope", horizontal=True,
                     format_func=lambda s: t(lang, "list_scopes")[s], on_change=on_list_scope)
    if scope == "view":
        features = in_view(features[features["precision"] != "district"], bounds)
    elif scope == "district":
        features = features[features["precision"] == "district"]
        district = st.session_state.get("list_district")
        if district:
            features = features[features["district"] == district]
    table = list_table(features, vocab, lang)
    c2.download_button(t(lang, "download_list"), lambda: list_csv(table, lang), file_name="chongqing-plan-list.csv",
                       mime="text/csv", key="dl_list", on_click="ignore")
    st.caption(t(lang, "list_hint"))
    chosen = feature_list(table, lang, state.selected, key="feature_list")
    if chosen:
        select(chosen)
        st.rerun(scope="app")


def close_near() -> None:
    st.session_state.near = None


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
    basemaps = available(bool(mounted() and tianditu_key()))  # Tianditu needs a key and serve.py's tile route
    init_session(basemaps)
    if st.session_state.w_basemap not in basemaps:
        st.session_state.w_basemap = "offline"
    lang = st.session_state.w_lang
    state = current_state()
    sync_url(state)
    if state.view == "present":
        st.session_state.map_params = {k: v for k, v in to_params(state).items() if k != "view"}
        st.rerun()

    st.markdown(CSS, unsafe_allow_html=True)
    title, views, language = st.container(key="titlebar").columns([4, 4, 1], vertical_alignment="center")
    title.markdown(f"<h1>{escape(t(lang, 'title'))}</h1>", unsafe_allow_html=True)
    views.radio(t(lang, "view"), ["map", "targets", "planner", "present"], key="w_view", horizontal=True,
                format_func=lambda v: t(lang, "views")[v], label_visibility="collapsed")
    language.selectbox(t(lang, "language"), ["zh", "en"], key="w_lang", label_visibility="collapsed",
                       placeholder=t(lang, "language"),
                       format_func=lambda v: "中文" if v == "zh" else "English")
    if st.session_state.notices:
        st.warning(t(lang, "notices") + " " + "; ".join(md_literal(n) for n in st.session_state.notices))
    filter_bar(vocab, lang, basemaps)
    features = counted(state.filters)
    with st.container(key="feature-count"):
        st.markdown(t(lang, "shown", shown=len(features), total=len(counted(Filters()))))
    if features.empty:
        st.info(t(lang, "nothing_shown"))

    if state.view == "targets":
        targets_view(frame, targets, corpus, lang, state.filters.themes)
        return
    if state.view == "planner":
        planner_view(frame, vocab, corpus, targets, lang, basemap=state.basemap)
        return
    left, right = st.container(key="maparea").columns([7, 3], gap="medium")
    with left:
        map_panel(frame, vocab, lang)
        downloads(features, targets, lang)
    with right:
        if state.near:
            table = near(frame[frame.index.isin(features.index)], *state.near, state.radius, vocab)
            near_panel(table, vocab, lang, state.radius, district_at(*state.near), select, close_near)
        if state.filters.query.strip():
            search_results(filtered(state.filters), vocab, lang, state.filters.query)
        detail_panel(frame, vocab, corpus, lang, st.session_state.selected)
        if not state.near:
            st.caption(t(lang, "near_hint"))
    with st.expander(t(lang, "attribution")):
        st.markdown((DATA / "ATTRIBUTION.md").read_text(encoding="utf-8"))


main()
