"""Chongqing district plan map — Streamlit entry point: the page, its widgets and layout
(data and caching in views/data.py, URL state in views/session.py, the map in views/map_view.py).

Run: streamlit run serve.py  (this script plus the map data and tile routes; running this
script alone also works, with the map data embedded in the map)
"""
from __future__ import annotations

from html import escape

import streamlit as st

from geo.basemaps import BASEMAPS, available
from geo.filters import Filters
from geo.near import district_at
from geo.paths import DATA
from geo.state import to_params
from geo.errors import DatabaseError, DataError
from geo.vocab import DISTRICTS, district_name
from geo.i18n import LANGS, t
from views.markdown import md_literal
from server.tile_proxy import mounted, tianditu_key
from views.data import layer_categories, load_data, whole_set
from views.explore import detail_panel, downloads, search_results, select
from views.map_view import close_near, map_panel
from views.near import near_panel
from views.planner import planner_view
from views.present import present_view
from views.session import current_state, init_session, leave_presentation, sync_url
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


def basemap_picker(place, basemaps: list[str], lang: str) -> None:
    """The basemap choice, kept in ``w_basemap``.  One widget per language: Streamlit keeps a
    selectbox's value by its shown label, so after a language switch the old label came
    back as the value (and the map was asked for basemap "离线底图（无需网络）")."""
    key = f"w_basemap_{lang}"
    place.selectbox(t(lang, "basemap"), basemaps, key=key, index=basemaps.index(st.session_state.w_basemap),
                    format_func=lambda b: BASEMAPS[b].label(lang), placeholder=t(lang, "basemap"),
                    on_change=lambda: st.session_state.update(w_basemap=st.session_state[key]))


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
        basemap_picker(d4, basemaps, lang)


def main() -> None:
    try:
        store, vocab, corpus, targets = load_data()
    except DataError as exc:
        st.error(t("zh", "data_error") + " / " + t("en", "data_error"))
        st.code("\n".join(str(p) for p in exc.problems[:50]))
        st.stop()
    except DatabaseError as exc:
        st.error(f"{t('zh', 'data_error')} / {t('en', 'data_error')}: {exc}")
        st.stop()
    if st.query_params.get("view") == "present":  # full-screen mode reads tour/stop itself
        frame = whole_set(st.query_params.get("lang", "zh"))
        if frame is not None:
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
    language.selectbox(t(lang, "language"), list(LANGS), key="w_lang", label_visibility="collapsed",
                       placeholder=t(lang, "language"),
                       format_func=lambda v: t(v, "language_name"))
    if st.session_state.notices:
        st.warning(t(lang, "notices") + " " + "; ".join(md_literal(n) for n in st.session_state.notices))
    filter_bar(vocab, lang, basemaps)
    shown = store.count(state.filters)
    with st.container(key="feature-count"):
        st.markdown(t(lang, "shown", shown=shown, total=store.count(Filters())))
    if not shown:
        st.info(t(lang, "nothing_shown"))

    if state.view in ("targets", "planner"):
        frame = whole_set(lang)
        if frame is None:
            return
        if state.view == "targets":
            targets_view(frame, targets, corpus, lang, state.filters.themes)
        else:
            planner_view(frame, vocab, corpus, targets, lang, basemap=state.basemap)
        return
    left, right = st.container(key="maparea").columns([7, 3], gap="medium")
    with left:
        map_panel(vocab, lang)
        downloads(whole_set(lang, state.filters), targets, lang)
    with right:
        if state.near:
            found = store.near(state.filters, *state.near, state.radius, vocab)
            near_panel(found, vocab, lang, state.radius, district_at(*state.near), select, close_near)
        if state.filters.query.strip():
            search_results(store, state.filters, vocab, lang, state.filters.query)
        detail_panel(store, vocab, corpus, lang, st.session_state.selected)
        if not state.near:
            st.caption(t(lang, "near_hint"))
    with st.expander(t(lang, "attribution")):
        st.markdown((DATA / "ATTRIBUTION.md").read_text(encoding="utf-8"))


main()
