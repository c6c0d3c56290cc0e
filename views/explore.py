"""The map view's side panels: feature details with plan context, search results, downloads."""
from __future__ import annotations

from html import escape

import streamlit as st

from geo.export import dumps, export_filename, targets_csv, targets_for, to_feature_collection
from geo.filters import search
from layers.detail import context_html
from layers.i18n import t
from layers.markdown import md_literal
from views.charts import place_targets


def select(fid: str | None, frame=None, spots: dict | None = None) -> None:
    """Select a feature and centre the map on it (*spots*: display points of district-only features)."""
    st.session_state.selected = fid
    if fid is not None and frame is not None:
        c = (spots or {}).get(fid, frame.loc[fid].geometry).representative_point()
        st.session_state.center, st.session_state.zoom = (round(c.y, 5), round(c.x, 5)), 16


def show_on_map(fid: str, frame, spots: dict | None = None) -> None:
    """Button callback (runs before widgets exist, so it may switch the view widget)."""
    select(fid, frame, spots)
    st.session_state.w_view = "map"


def detail_panel(frame, vocab, corpus, lang: str, fid: str | None) -> None:
    """Name, facts, every quote with its section and the passage in context, targets."""
    if not fid or fid not in frame.index:
        st.info(t(lang, "select_hint"))
        return
    row = frame.loc[fid]
    name, other = (row.name_zh, row.name_en) if lang == "zh" else (row.name_en or row.name_zh, row.name_zh)
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
        st.markdown(f"<blockquote class='plan-quote'>“{escape(src['quote'])}”<br><small>{escape(doc.meta['title_zh'])}"
                    f" › {escape(src['section_path'])}</small></blockquote>", unsafe_allow_html=True)
        with st.expander(t(lang, "read_in_plan", path=md_literal(src["section_path"][-40:])), expanded=(i == 0)):
            st.markdown(context_html(doc, src["paragraph"], src["quote"]), unsafe_allow_html=True)
    st.markdown(f"**{t(lang, 'targets')}**")
    if row.targets:
        place_targets(row.targets, lang)
    else:
        st.caption(t(lang, "no_targets"))
    if st.button(t(lang, "clear"), key="clear_sel"):
        select(None)
        st.rerun()


def search_results(frame, shown, vocab, lang: str, query: str, spots: dict | None = None) -> None:
    """Matches as buttons: choosing one selects it and zooms to it."""
    hits = search(shown, query, limit=30)
    st.markdown(f"**{t(lang, 'results', n=len(hits))}**")
    if hits.empty:
        st.caption(t(lang, "no_results"))
    for fid, row in hits.iterrows():
        label = row.name_zh if lang == "zh" else (row.name_en or row.name_zh)
        kind = vocab.category_label(row.layer, row.category, lang)
        if st.button(f"{md_literal(label)} · {md_literal(kind)}", key=f"hit_{fid}", use_container_width=True):
            select(fid, frame, spots)
            st.rerun()


def downloads(shown, targets, lang: str) -> None:
    """Exactly what is shown: GeoJSON (WGS-84 or GCJ-02) and its targets as CSV, built on click."""
    st.markdown(f"**{t(lang, 'download')}**")
    c1, c2, c3 = st.columns(3)
    c1.download_button(t(lang, "download_geojson"), lambda: dumps(to_feature_collection(shown)),
                       file_name=export_filename("wgs84"), mime="application/geo+json", key="dl_wgs", on_click="ignore")
    c2.download_button(t(lang, "download_gcj"), lambda: dumps(to_feature_collection(shown, crs="gcj02")),
                       file_name=export_filename("gcj02"), mime="application/geo+json", key="dl_gcj", on_click="ignore")
    c3.download_button(t(lang, "download_targets"), lambda: targets_csv(targets_for(targets, shown.index)),
                       file_name="chongqing-plan-targets.csv", mime="text/csv", key="dl_targets", on_click="ignore")
