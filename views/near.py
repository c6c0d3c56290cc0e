"""'What is planned near here': the features around a clicked or searched point."""
from __future__ import annotations

import streamlit as st

from geo.near import RADII_M
from geo.store import Near
from geo.vocab import Vocabulary, display_name, district_name
from geo.i18n import t
from views.markdown import md_literal


def near_panel(found: Near, vocab: Vocabulary, lang: str, radius: int, district: str | None,
               on_select, on_close) -> None:
    """The near-here list: located features with their distance, approximate ones apart with
    their uncertainty, and the count of district-wide items; each row selects its feature
    (from a database, the nearest of each group, with a note when there are more)."""
    table, n = found.table, found.counts
    st.markdown(f"**{t(lang, 'near_title', r=radius)}**")
    if radius not in RADII_M:
        st.session_state.w_near_radius = radius
    st.radio(t(lang, "near_radius"), sorted({*RADII_M, radius}), key="w_near_radius", horizontal=True,
             format_func=lambda r: f"{r} m")
    sections = (("located", t(lang, "near_located", n=n["located"])),
                ("approximate", t(lang, "near_approx", n=n["approximate"])))
    if not n["located"]:
        st.caption(t(lang, "near_none"))
    for group, title in sections:
        part = table[table["group"] == group]
        if part.empty:
            continue
        st.markdown(f"*{title}*")
        for row in part.itertuples():
            kind = vocab.category_label(row.layer, row.category, lang)
            label = f"{md_literal(display_name(row.name_zh, row.name_en, lang))} · {md_literal(kind)} · {row.distance_m} m"
            if group == "approximate":
                label += f" (±{row.uncertainty_m} m)"
            st.button(label, key=f"near_{row.id}", on_click=on_select, args=(row.id,), use_container_width=True)
    if found.more:
        st.caption(t(lang, "list_more", n=len(table)))
    if n["district"] and district:
        st.caption(t(lang, "near_district", district=district_name(district, lang), n=n["district"]))
    st.button(t(lang, "near_clear"), key="near_close", on_click=on_close)
