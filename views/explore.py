"""The map view's side panels: feature details with plan context, search results, downloads."""
from __future__ import annotations

from html import escape

import streamlit as st

from geo.export import dumps, export_filename, targets_csv, targets_for, to_feature_collection
from geo.gazetteer import find_places
from geo.vocab import display_name
from views.detail import context_html
from geo.i18n import t
from views.markdown import md_literal
from layers.popup import source_quote_html
from views.charts import place_targets


def select(fid: str | None) -> None:
    """Select a feature; the map zooms to it (a new fit request, see streamlit_app.fit_token)."""
    st.session_state.selected = fid
    if fid is not None:
        st.session_state.fit_on = "selection"
        st.session_state.fit_seq = st.session_state.get("fit_seq", 0) + 1


def show_on_map(fid: str) -> None:
    """Button callback (runs before widgets exist, so it may switch the view widget)."""
    select(fid)
    st.session_state.w_view = "map"


def look_near(lat: float, lon: float) -> None:
    """Show what is planned near a point (WGS-84), and fit the map to it."""
    st.session_state.near = (round(lat, 6), round(lon, 6))
    st.session_state.w_query = ""  # the place's name is no filter on the features around it
    st.session_state.fit_on = "near"
    st.session_state.fit_seq = st.session_state.get("fit_seq", 0) + 1


def detail_panel(store, vocab, corpus, lang: str, fid: str | None) -> None:
    """Name, facts, every quote with its section and the passage in context, targets."""
    rows = store.rows([fid]) if fid else None
    if rows is None or rows.empty:
        st.info(t(lang, "select_hint"))
        return
    row = rows.iloc[0]
    name = display_name(row.name_zh, row.name_en, lang)
    other = row.name_en if lang == "zh" else row.name_zh
    st.subheader(md_literal(name))
    if other:
        st.caption(md_literal(other))
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
        st.markdown(source_quote_html(corpus, src), unsafe_allow_html=True)
        with st.expander(t(lang, "read_in_plan", path=md_literal(src["section_path"][-40:])), expanded=(i == 0)):
            st.markdown(context_html(doc, src["paragraph"], src["quote"]), unsafe_allow_html=True)
    st.markdown(f"**{t(lang, 'targets')}**")
    if row.targets:
        place_targets(row.targets, lang)
    else:
        st.caption(t(lang, "no_targets"))
    st.button(t(lang, "clear"), key="clear_sel", on_click=select, args=(None,))


def search_results(store, filters, vocab, lang: str, query: str) -> None:
    """Places (stations, neighbourhoods, districts) to look near, then matching features;
    choosing a feature selects it and zooms to it."""
    places = find_places(query, limit=5)
    if not places.empty:
        st.markdown(f"**{t(lang, 'places')}**")
        kinds = t(lang, "place_kinds")
        for i, place in places.iterrows():
            label = f"📍 {md_literal(display_name(place.name_zh, place.name_en, lang))} · {kinds[place.kind]} · {t(lang, 'near_here')}"
            st.button(label, key=f"place_{i}", on_click=look_near, args=(place.lat, place.lon), use_container_width=True)
    hits = store.search(filters, query, limit=30)
    st.markdown(f"**{t(lang, 'results', n=len(hits))}**")
    if hits.empty:
        st.caption(t(lang, "no_results"))
    for fid, row in hits.iterrows():
        label = display_name(row.name_zh, row.name_en, lang)
        kind = vocab.category_label(row.layer, row.category, lang)
        st.button(f"{md_literal(label)} · {md_literal(kind)}", key=f"hit_{fid}", use_container_width=True,
                  on_click=select, args=(fid,))


def downloads(shown, targets, lang: str) -> None:
    """Exactly what is shown: GeoJSON (WGS-84 or GCJ-02) and its targets as CSV, built on click
    (*shown*: the rows, or None past what a download takes from a database)."""
    st.markdown(f"**{t(lang, 'download')}**")
    if shown is None:
        return
    c1, c2, c3 = st.columns(3)
    c1.download_button(t(lang, "download_geojson"), lambda: dumps(to_feature_collection(shown)),
                       file_name=export_filename("wgs84"), mime="application/geo+json", key="dl_wgs", on_click="ignore")
    c2.download_button(t(lang, "download_gcj"), lambda: dumps(to_feature_collection(shown, crs="gcj02")),
                       file_name=export_filename("gcj02"), mime="application/geo+json", key="dl_gcj", on_click="ignore")
    c3.download_button(t(lang, "download_targets"), lambda: targets_csv(targets_for(targets, shown.index)),
                       file_name="chongqing-plan-targets.csv", mime="text/csv", key="dl_targets", on_click="ignore")
