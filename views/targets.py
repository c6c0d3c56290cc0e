"""The targets view: indicator tables, place-bound targets, section and annual targets."""
from __future__ import annotations

import streamlit as st

from geo import indicators
from geo.export import targets_for
from geo.tracking import COMPLETION_TABLE
from geo.i18n import t
from geo.vocab import display_name
from views.markdown import md_literal
from views import charts
from views.explore import show_on_map


def targets_view(frame, targets, corpus, lang: str, themes: tuple[str, ...]) -> None:
    """Each document's indicator table, place-bound targets linked to their features, the rest."""
    docs = st.multiselect(t(lang, "document"), list(corpus), key="w_target_docs",
                          format_func=lambda d: display_name(corpus[d].meta["title_zh"], corpus[d].meta.get("title_en"), lang))
    subset = targets_for(targets, frame.index, docs, themes)
    tables = subset[subset.kind == "indicator_table"]
    st.markdown(f"### {t(lang, 'chart.charts')}")
    titles = {d: corpus[d].meta["title_zh"] for d in tables["document"].unique()}
    charts.indicator_charts(indicators.indicator_changes(tables, lang), titles, lang)
    if COMPLETION_TABLE[0] in docs or not docs:
        st.markdown(f"### {t(lang, 'chart.delivery')}")
        charts.delivery_section(indicators.delivery(indicators.completion_rows(), lang), lang)
    st.markdown(f"### {t(lang, 'tables')}")
    for doc_id, part in tables.groupby("document"):
        st.markdown(f"**{md_literal(corpus[doc_id].meta['title_zh'])}** — {md_literal(corpus[doc_id].sections[part.section.iloc[0]].title)}")
        shown = part.assign(indicator=[indicators.label(i, lang) for i in part["indicator"]])
        st.dataframe(charts.localised(shown[["row", "group", "indicator", "unit", "baseline_year", "baseline", "target_year",
                                             "target", "attribute", "markers"]], lang), hide_index=True, use_container_width=True)
    st.markdown(f"### {t(lang, 'place_targets')}")
    place = subset[subset.kind == "place"].assign(
        name=lambda d: d.feature_id.map(lambda i: frame.loc[i, "name_zh"] if i in frame.index else ""))
    st.dataframe(charts.localised(place[["name", "feature_id", "indicator", "target", "unit", "target_year", "quote", "document"]], lang),
                 hide_index=True, use_container_width=True)
    places = sorted(set(place.feature_id) & set(frame.index))
    if places:
        c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
        fid = c1.selectbox(t(lang, "place_targets"), places, key="w_target_place",
                           format_func=lambda i: display_name(frame.loc[i, "name_zh"], frame.loc[i, "name_en"], lang))
        c2.button(t(lang, "show_on_map"), key="target_to_map", on_click=show_on_map, args=(fid,))
    st.markdown(f"### {t(lang, 'other_targets')}")
    other = subset[subset.kind.isin(["section", "annual"])]
    st.dataframe(charts.localised(other[["kind", "document", "section", "indicator", "target", "unit", "target_year", "quote"]], lang),
                 hide_index=True, use_container_width=True)
