"""The map view's map and list: the map built once per basemap and language, the features
sent as layers, fitted to what is asked for, clicks read back, and the list in step."""
from __future__ import annotations

import folium
import streamlit as st
from streamlit_folium import st_folium

from geo.basemaps import needs_gcj02
from geo.crs import gcj02_to_wgs84, wgs84_to_gcj02
from geo.extent import circle_extent
from geo.state import ViewState
from geo.i18n import t
from layers.map import DEFAULT_CENTER, DEFAULT_ZOOM, build_base_map, selection_group
from layers.view import BADGE_PREFIX, FitView, count_badges
from server import data_route
from views.data import load_data, map_groups, store
from views.explore import select
from views.listing import feature_list, list_csv, list_table, view_box
from views.session import current_state, sync_url


MAP_HEIGHT = 640  # st_folium's own height: only until the CSS above applies


def base_map(basemap: str, lang: str) -> folium.Map:
    # Not cached: st_folium adds the feature groups to the map object it is given.
    _, vocab, _, _ = load_data()
    centre, zoom = st.session_state.initial_view  # WGS-84: build_base_map converts for AMap
    served = data_route.mounted()
    return build_base_map(vocab, basemap=basemap, lang=lang, center=centre, zoom=zoom,
                          publish=data_route.publish if served else None)


def read_click(out: dict, data) -> tuple[str | None, dict | None]:
    """(what a new click on the map chose, the empty spot it landed on): a feature or badge id
    that st_folium names (a vector feature's or a vector tile's); a click that hit nothing is
    a spot."""
    point = out.get("last_clicked")
    new_point = bool(point) and point != st.session_state.get("last_point")
    if new_point:
        st.session_state.last_point = point  # once: a later pan must not pick again
    count = out.get("last_object_clicked_count") or 0
    new_object = count != st.session_state.get("last_count", 0)
    st.session_state.last_count = count
    drawing = (out.get("last_active_drawing") or {}).get("properties", {}).get("id")
    if new_object and drawing and drawing.startswith(BADGE_PREFIX):
        return drawing, None
    if new_object and data.has(drawing):
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


def fit_view(state: ViewState) -> FitView:
    """Where the map goes: the selection, the near-here circle or the filter's extent, once
    per request (a filter change is one); the link's own view on opening."""
    s = st.session_state
    if state.filters != s.fit_filters:
        s.fit_filters, s.fit_on = state.filters, "filter"
    fit_on = s.fit_on if (s.fit_on != "selection" or state.selected) and (s.fit_on != "near" or state.near) else "filter"
    target = {"selection": lambda: store().feature_extent(state.selected),
              "near": lambda: circle_extent(*state.near, state.radius),
              "filter": lambda: store().extent(state.filters)}[fit_on]()
    token = repr((fit_on, state.filters, state.selected if fit_on == "selection" else None,
                  state.near if fit_on == "near" else None, s.fit_seq))
    if s.pop("keep_view", False):
        s.skip_token = token  # the link's own view wins on opening, the current one on a rebuilt map
    return FitView(token, display_bounds(target, state.basemap), display_bounds(store().extent(state.filters), state.basemap),
                   apply=token != s.get("skip_token"))


def view_group(state: ViewState) -> folium.FeatureGroup:
    """Fit, district badges and the near-here circle: small, and drawn with the features."""
    group = folium.FeatureGroup(name="view", control=False)
    group.add_child(fit_view(state))
    group.add_child(count_badges(store().district_counts(state.filters), state.lang, needs_gcj02(state.basemap),
                                 points=store().badge_points()))
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
def map_panel(vocab, lang: str) -> None:
    """The map and its list; pans, zooms and clicks rerun only this fragment (a new selection
    or near-here point reruns the page)."""
    state = current_state()
    groups = map_groups(state.filters, state.basemap, lang)
    sel = selection_group(store().rows([state.selected] if state.selected else []), state.selected,
                          needs_gcj02(state.basemap))
    centre, zoom = view_request(state)
    with st.container(key="mapbox"):
        out = st_folium(
            base_map(state.basemap, lang),
            key="map", height=MAP_HEIGHT, use_container_width=True,
            feature_group_to_add=groups + [view_group(state)] + ([sel] if sel else []),
            layer_control=folium.LayerControl(collapsed=True),
            center=centre, zoom=zoom,
            returned_objects=["last_active_drawing", "last_object_clicked_count", "last_clicked", "center", "zoom",
                              "bounds"],
        ) or {}
    remember_view(out, state.basemap)
    clicked, spot = read_click(out, store())
    if clicked and clicked.startswith(BADGE_PREFIX):
        st.session_state.w_list_scope, st.session_state.list_district = "district", clicked[len(BADGE_PREFIX):]
    elif clicked and clicked != state.selected:
        select(clicked)
        st.rerun(scope="app")
    elif spot:
        st.session_state.near = from_display(spot["lat"], spot["lng"], state.basemap)
        st.rerun(scope="app")
    listing(vocab, lang, state, out.get("bounds"))


def listing(vocab, lang: str, state: ViewState, bounds: dict | None) -> None:
    """What the map shows as a table (all, in view, or a district's district-wide items);
    from a database, its first rows, with a note when there are more."""
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    scope = c1.radio(t(lang, "list_scope"), ["all", "view", "district"], key="w_list_scope", horizontal=True,
                     format_func=lambda s: t(lang, "list_scopes")[s], on_change=on_list_scope)
    page = store().listing(state.filters, scope, st.session_state.get("list_district") or None, view_box(bounds))
    table = list_table(page.rows, vocab, lang)
    c2.download_button(t(lang, "download_list"), lambda: list_csv(table, lang), file_name="chongqing-plan-list.csv",
                       mime="text/csv", key="dl_list", on_click="ignore")
    st.caption(t(lang, "list_hint"))
    if page.more:
        st.caption(t(lang, "list_more", n=len(table)))
    chosen = feature_list(table, lang, state.selected, key="feature_list")
    if chosen:
        select(chosen)
        st.rerun(scope="app")


def close_near() -> None:
    st.session_state.near = None
