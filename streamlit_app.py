"""Chongqing district plan map — Streamlit entry point (widgets, state and layout only).

Run: streamlit run streamlit_app.py
"""
from __future__ import annotations

import os
from html import escape

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.crs import gcj02_to_wgs84, wgs84_to_gcj02
from geo.export import dumps, export_filename, targets_csv, targets_for, to_feature_collection
from geo.features import load_layers
from geo.filters import Filters, apply, search
from geo.paths import DATA
from geo.plans import load_corpus
from geo.state import Known, ViewState, parse, to_params
from geo.targets import load_targets
from geo.validate import DataError
from geo.vocab import DISTRICTS, load_vocabulary
from layers.basemaps import available, needs_gcj02
from layers.detail import context_html
from layers.i18n import t
from layers.map import (DEFAULT_CENTER, DEFAULT_ZOOM, build_base_map, district_only_points, feature_groups,
                        layer_collections, selection_group)
from views.planner import PARAM as PLANNER_PARAMS
from views.planner import init_planner_state, planner_params, planner_view
from views.present import present_view

st.set_page_config(page_title="重庆规划地图 Chongqing plan map", page_icon="🗺️", layout="wide")


@st.cache_resource(show_spinner=False)
def load_data():
    """Everything read from disk, once per server process."""
    frame = load_layers()
    return frame, load_vocabulary(), load_corpus(), load_targets()


@st.cache_resource(show_spinner=False)
def placeholders():
    """Display points of district-only features, from the whole data so they never move."""
    return district_only_points(load_data()[0])


def tianditu_key() -> str | None:
    """From the environment or Streamlit secrets; never put into URLs or exports."""
    key = os.environ.get("TIANDITU_KEY")
    if key:
        return key
    try:
        return st.secrets.get("TIANDITU_KEY")
    except (FileNotFoundError, KeyError, AttributeError, Exception):  # no secrets file is normal
        return None


def known_values(frame, basemaps) -> Known:
    return Known(
        districts=frozenset(DISTRICTS), periods=frozenset(p for v in frame["periods"] for p in v),
        themes=frozenset(x for v in frame["themes"] for x in v), layers=frozenset(frame["layer"]),
        categories=frozenset(frame["category"]), statuses=frozenset(frame["status"].dropna()),
        ids=frozenset(frame.index), basemaps=tuple(basemaps),
    )


def init_session(known: Known) -> None:
    """First run of a session: the URL decides the view."""
    if "ready" in st.session_state:
        return
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
    cats = sorted({(r.layer, r.category) for r in frame[["layer", "category"]].itertuples()})
    sb.multiselect(t(lang, "category"), sorted({c for _, c in cats}), key="w_categories",
                   format_func=lambda c: next(vocab.category_label(l, c, lang) for l, cc in cats if cc == c))
    sb.multiselect(t(lang, "status"), list(vocab.statuses), key="w_statuses",
                   format_func=lambda p: vocab.label("statuses", p, lang))
    if st.session_state.w_basemap not in basemaps:
        st.session_state.w_basemap = "offline"
    sb.selectbox(t(lang, "basemap"), basemaps, key="w_basemap", format_func=lambda b: t(lang, "basemaps")[b])


def select(fid: str | None, frame=None) -> None:
    st.session_state.selected = fid
    if fid is not None and frame is not None:
        c = placeholders().get(fid, frame.loc[fid].geometry).representative_point()
        st.session_state.center, st.session_state.zoom = (round(c.y, 5), round(c.x, 5)), 16


def base_map(basemap: str, lang: str, key: str | None) -> folium.Map:
    # Not cached: st_folium adds the feature groups to the map object it is given.
    _, vocab, _, _ = load_data()
    centre, zoom = st.session_state.initial_view  # WGS-84: build_base_map converts for AMap
    return build_base_map(vocab, basemap=basemap, lang=lang, tianditu_key=key, center=centre, zoom=zoom)


def leave_presentation() -> None:
    """Back to the map view as it was (widget state is dropped while widgets are hidden)."""
    st.query_params.from_dict(st.session_state.get("map_params", {}))
    st.session_state.pop("ready", None)  # init_session reads the restored URL again


def show_on_map(fid: str, frame) -> None:
    """Button callback (runs before widgets exist, so it may switch the view widget)."""
    select(fid, frame)
    st.session_state.w_view = "map"


@st.cache_resource(show_spinner=False, max_entries=32)
def collections(filters: Filters, basemap: str, lang: str) -> list:
    frame, vocab, _, _ = load_data()
    shown = apply(frame, filters)
    # Areas first, points last: on canvas the last drawn is on top and gets the click.
    order = shown.geometry.geom_type.map({"Polygon": 0, "MultiPolygon": 0, "LineString": 1, "MultiLineString": 1}).fillna(2)
    shown = shown.iloc[order.argsort(kind="stable")]
    return layer_collections(shown, vocab, lang, to_gcj=needs_gcj02(basemap), placeholders=placeholders())


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
    groups = feature_groups(collections(state.filters, state.basemap, lang))
    sel = selection_group(frame, state.selected, needs_gcj02(state.basemap), placeholders())
    centre = to_display(state.lat, state.lon, state.basemap) if state.lat is not None else None
    out = st_folium(
        base_map(state.basemap, lang, tianditu_key() if state.basemap == "tianditu" else None),
        key="map", height=660, use_container_width=True,
        feature_group_to_add=groups + ([sel] if sel else []),
        layer_control=folium.LayerControl(collapsed=True),
        center=centre, zoom=state.zoom,
        returned_objects=["last_active_drawing", "center", "zoom"],
    ) or {}
    remember_view(out, state.basemap)
    clicked = (out.get("last_active_drawing") or {}).get("properties", {}).get("id")
    if clicked and clicked in frame.index and clicked != st.session_state.get("last_click"):
        st.session_state.last_click = clicked
        st.session_state.selected = clicked
        st.rerun(scope="app")


def detail_panel(frame, vocab, corpus, lang: str, fid: str | None) -> None:
    if not fid or fid not in frame.index:
        st.info(t(lang, "select_hint"))
        return
    row = frame.loc[fid]
    name, other = (row.name_zh, row.name_en) if lang == "zh" else (row.name_en or row.name_zh, row.name_zh)
    st.subheader(name)
    if other:
        st.caption(other)
    lbl = lambda g, v: vocab.label(g, v, lang)  # noqa: E731
    facts = {
        t(lang, "category"): vocab.category_label(row.layer, row.category, lang),
        t(lang, "theme"): "、".join(lbl("themes", x) for x in row.themes) or "—",
        t(lang, "period"): "、".join(lbl("periods", x) for x in row.periods),
        t(lang, "status"): lbl("statuses", row.status) if isinstance(row.status, str) else "—",
        t(lang, "location"): lbl("precision", row.precision),
        t(lang, "basis"): row.basis,
    }
    st.markdown("".join(f"<div><b>{escape(k)}</b>: {escape(str(v))}</div>" for k, v in facts.items()),
                unsafe_allow_html=True)
    st.markdown(f"**{t(lang, 'quotes')}**")
    for i, src in enumerate(row.sources):
        doc = corpus[src["document"]]
        st.markdown(f"<blockquote class='plan-quote'>“{escape(src['quote'])}”<br><small>{escape(doc.meta['title_zh'])}"
                    f" › {escape(src['section_path'])}</small></blockquote>", unsafe_allow_html=True)
        with st.expander(t(lang, "read_in_plan", path=src["section_path"][-40:]), expanded=(i == 0)):
            st.markdown(context_html(doc, src["paragraph"], src["quote"]), unsafe_allow_html=True)
    st.markdown(f"**{t(lang, 'targets')}**")
    if row.targets:
        st.dataframe(pd.DataFrame(row.targets)[["indicator", "value", "unit", "year", "quote"]], hide_index=True)
    else:
        st.caption(t(lang, "no_targets"))
    if st.button(t(lang, "clear"), key="clear_sel"):
        select(None)
        st.rerun()


def search_results(frame, shown, vocab, lang: str, query: str) -> None:
    hits = search(shown, query, limit=30)
    st.markdown(f"**{t(lang, 'results', n=len(hits))}**")
    if hits.empty:
        st.caption(t(lang, "no_results"))
    for fid, row in hits.iterrows():
        label = row.name_zh if lang == "zh" else (row.name_en or row.name_zh)
        kind = vocab.category_label(row.layer, row.category, lang)
        if st.button(f"{label} · {kind}", key=f"hit_{fid}", use_container_width=True):
            select(fid, frame)
            st.rerun()


def downloads(shown, targets, lang: str) -> None:
    st.markdown(f"**{t(lang, 'download')}**")
    c1, c2, c3 = st.columns(3)
    c1.download_button(t(lang, "download_geojson"), lambda: dumps(to_feature_collection(shown)),
                       file_name=export_filename("wgs84"), mime="application/geo+json", key="dl_wgs")
    c2.download_button(t(lang, "download_gcj"), lambda: dumps(to_feature_collection(shown, crs="gcj02")),
                       file_name=export_filename("gcj02"), mime="application/geo+json", key="dl_gcj")
    c3.download_button(t(lang, "download_targets"), lambda: targets_csv(targets_for(targets, shown.index)),
                       file_name="chongqing-plan-targets.csv", mime="text/csv", key="dl_targets")


def targets_view(frame, targets, corpus, vocab, lang: str, state: ViewState) -> None:
    docs = st.multiselect(t(lang, "document"), list(corpus), key="w_target_docs",
                          format_func=lambda d: corpus[d].meta["title_zh"] if lang == "zh" else corpus[d].meta["title_en"])
    subset = targets_for(targets, frame.index, docs, state.filters.themes)
    tables = subset[subset.kind == "indicator_table"]
    st.markdown(f"### {t(lang, 'tables')}")
    for doc_id, part in tables.groupby("document"):
        st.markdown(f"**{escape(corpus[doc_id].meta['title_zh'])}** — {escape(corpus[doc_id].sections[part.section.iloc[0]].title)}")
        st.dataframe(part[["row", "group", "indicator", "unit", "baseline_year", "baseline", "target_year", "target",
                           "attribute", "markers"]], hide_index=True, use_container_width=True)
    st.markdown(f"### {t(lang, 'place_targets')}")
    place = subset[subset.kind == "place"].assign(
        name=lambda d: d.feature_id.map(lambda i: frame.loc[i, "name_zh"] if i in frame.index else ""))
    st.dataframe(place[["name", "feature_id", "indicator", "target", "unit", "target_year", "quote", "document"]],
                 hide_index=True, use_container_width=True)
    places = sorted(set(place.feature_id) & set(frame.index))
    if places:
        c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
        fid = c1.selectbox(t(lang, "place_targets"), places, key="w_target_place",
                           format_func=lambda i: frame.loc[i, "name_zh"] if lang == "zh" else (frame.loc[i, "name_en"] or frame.loc[i, "name_zh"]))
        c2.button(t(lang, "show_on_map"), key="target_to_map", on_click=show_on_map, args=(fid, frame))
    st.markdown(f"### {t(lang, 'other_targets')}")
    other = subset[subset.kind.isin(["section", "annual"])]
    st.dataframe(other[["kind", "document", "section", "indicator", "target", "unit", "target_year", "quote"]],
                 hide_index=True, use_container_width=True)


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
    basemaps = available(tianditu_key())
    init_session(known_values(frame, basemaps))
    lang = st.session_state.w_lang
    sidebar(frame, vocab, lang, basemaps)
    lang = st.session_state.w_lang
    state = current_state()
    sync_url(state)
    if state.view == "present":
        st.session_state.map_params = {k: v for k, v in to_params(state).items() if k != "view"}
        st.rerun()

    st.title(t(lang, "title"))
    st.caption(t(lang, "subtitle"))
    if st.session_state.notices:
        st.warning(t(lang, "notices") + " " + "; ".join(st.session_state.notices))
    st.radio(t(lang, "view"), ["map", "targets", "planner", "present"], key="w_view", horizontal=True,
             format_func=lambda v: t(lang, "views")[v], label_visibility="collapsed")

    shown = apply(frame, state.filters)
    counted = shown[shown.layer != "districts"]
    st.markdown(f"<div id='feature-count'>{escape(t(lang, 'shown', shown=len(counted), total=int((frame.layer != 'districts').sum())))}</div>",
                unsafe_allow_html=True)
    if counted.empty:
        st.info(t(lang, "nothing_shown"))

    if state.view == "targets":
        targets_view(frame, targets, corpus, vocab, lang, state)
        return
    if state.view == "planner":
        planner_view(frame, vocab, corpus, targets, lang, basemap=state.basemap, tianditu_key=tianditu_key())
        return
    left, right = st.columns([5, 3], gap="medium")
    with left:
        map_panel(frame, lang)
        downloads(shown[shown.layer != "districts"], targets, lang)
    with right:
        if state.filters.query.strip():
            search_results(frame, shown, vocab, lang, state.filters.query)
        detail_panel(frame, vocab, corpus, lang, st.session_state.selected)
    with st.expander(t(lang, "attribution")):
        st.markdown((DATA / "ATTRIBUTION.md").read_text(encoding="utf-8"))


main()
