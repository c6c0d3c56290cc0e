"""Planner tools (Streamlit sections): coverage, district × theme matrix, unmapped list,
period comparison, layout formulas and target tracking.

Call :func:`planner_view` from the app.  Its own choices (section, district, grid cell, periods,
map mode) live in ``pl_*`` session keys; the URL holds them as ``geo.state.PlannerState``
(views/session.py reads and writes it).  Every table has a CSV download and every map layer a
GeoJSON one.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import analysis, compare, tracking
from geo.export import features_geojson, frame_geojson
from geo.i18n import t
from geo.state import CELL_RANGE, CELL_STEP, PLANNER_MODES, PLANNER_SECTIONS
from geo.paths import UNMAPPED
from geo.vocab import DISTRICT_EN, DISTRICTS, Vocabulary, district_name
from layers import analysis_layers as al
from layers.popup import source_quote_html
from geo.basemaps import needs_gcj02
from views.markdown import md_literal

MAP_HEIGHT = 520


# --- helpers -----------------------------------------------------------------------------

def csv_button(table: pd.DataFrame, name: str, lang: str) -> None:
    st.download_button(t(lang, "planner.csv"), table.to_csv(index=False), file_name=f"{name}.csv", mime="text/csv",
                       key=f"pl_csv_{name}")


def geojson_button(text: str, name: str, lang: str, what: str = "") -> None:
    st.download_button(t(lang, "planner.geojson") + (f" · {what}" if what else ""), text, file_name=f"{name}.geojson",
                       mime="application/geo+json", key=f"pl_geo_{name}")


@dataclass(frozen=True)
class Maps:
    """What every planner map shares: vocabulary, language and basemap."""

    vocab: Vocabulary
    lang: str = "zh"
    basemap: str = "offline"

    @property
    def to_gcj(self) -> bool:
        return needs_gcj02(self.basemap)

    def show(self, groups, key: str, bounds, legends=(), width_px: int = 700) -> None:
        """The groups over the basemap, framed on *bounds* (st_folium ignores a map's own fit_bounds)."""
        m = al.planner_map(self.vocab, groups, lang=self.lang, basemap=self.basemap, bounds=bounds, legends=legends)
        center, zoom = al.map_view(bounds, self.basemap, width_px, MAP_HEIGHT)
        st_folium(m, key=key, height=MAP_HEIGHT, use_container_width=True, returned_objects=[], center=center, zoom=zoom)


def district_bounds(frame: gpd.GeoDataFrame, district: str) -> tuple[float, float, float, float]:
    return tuple(frame[(frame["layer"] == "districts") & (frame["district"] == district)].total_bounds)


def district_label(district: str, lang: str) -> str:
    return district_name(district, lang)


# --- cached computations (keyed by the frame object the app caches) ------------------------

@st.cache_data(show_spinner=False, max_entries=8)
def _coverage(_frame, frame_key: int, district: str, themes: tuple) -> pd.DataFrame:
    return analysis.coverage_table(_frame, district, analysis.station_sets(_frame), themes)


@st.cache_data(show_spinner=False, max_entries=16)
def _grid(_frame, frame_key: int, district: str, cell: int) -> gpd.GeoDataFrame:
    return analysis.district_grid(_frame, district, cell)


@st.cache_resource(show_spinner=False)
def _links(_corpus, corpus_key: int):
    raw = compare.read_links()
    return compare.parse_renames(raw, _corpus), compare.parse_layouts(raw, _corpus), raw.get("indicators") or []


# --- sections ----------------------------------------------------------------------------

def coverage_section(frame, maps: Maps) -> None:
    vocab, lang = maps.vocab, maps.lang
    district, cell = st.session_state.pl_district, int(st.session_state.pl_cell)
    st.caption(t(lang, "planner.coverage_note"))
    table = _coverage(frame, id(frame), district, tuple(vocab.themes))
    left_out = len(frame[(frame["layer"] == "zones") & (frame["district"] == district)]) - (len(table) - 1)
    st.dataframe(table.round(3), hide_index=True, width="stretch")
    if left_out:
        st.caption(t(lang, "planner.zones_left_out", n=left_out))
    csv_button(table.round(4), f"coverage-{DISTRICT_EN[district].lower()}", lang)

    grid = _grid(frame, id(frame), district, cell)
    summary = analysis.grid_summary(grid)
    st.caption(t(lang, "planner.grid_note", cells=summary["cells"], empty=summary["empty_cells"], share=summary["empty_area_share"]))
    stations = analysis.station_sets(frame)
    groups = [al.grid_group(grid, lang, maps.to_gcj)]
    zones = analysis.zones_of(frame, district)
    groups += al.restyled_groups(zones.assign(kind="zone"), vocab, lang,
                                 {"zone": (vocab.label("layers", "zones", lang), {"fillOpacity": 0.0, "weight": 1.5})},
                                 "kind", maps.to_gcj)
    for kind in analysis.STATION_KINDS:
        groups += al.station_groups(stations[kind], kind, lang, analysis.RADII_M, maps.to_gcj)
    maps.show(groups, f"pl_map_grid_{district}_{cell}", district_bounds(frame, district), [al.grid_legend(lang)])
    c1, c2, c3 = st.columns(3)
    with c1:
        geojson_button(frame_geojson(grid), f"grid-{cell}m-{DISTRICT_EN[district].lower()}", lang, t(lang, "analysis.grid"))
    with c2:
        geojson_button(frame_geojson(stations["existing"]), "stations-existing", lang, t(lang, "analysis.existing"))
    with c3:
        geojson_button(features_geojson(stations["planned"], name="stations-planned"), "stations-planned", lang,
                       t(lang, "analysis.planned"))


def matrix_section(frame, vocab: Vocabulary, lang: str) -> None:
    plan_layers = [layer for layer in vocab.layers if layer != "districts"]
    chosen = st.multiselect(t(lang, "planner.matrix_layers"), plan_layers, default=["projects"], key="pl_matrix_layers",
                            format_func=lambda layer: vocab.label("layers", layer, lang))
    matrix = analysis.theme_matrix(frame, list(vocab.themes), tuple(chosen) or tuple(plan_layers))
    shown = matrix.rename(columns=lambda t: vocab.label("themes", t, lang))
    st.dataframe(shown, width="stretch")
    csv_button(matrix.reset_index(), "district-theme-matrix", lang)


def unmapped_section(corpus, lang: str, unmapped: pd.DataFrame) -> None:
    district = st.session_state.pl_district
    table = analysis.unmapped_for(unmapped, corpus, district)
    st.caption(t(lang, "planner.unmapped_note", n=len(table)))
    st.dataframe(table, hide_index=True, width="stretch")
    csv_button(table, f"unmapped-{DISTRICT_EN[district].lower()}", lang)


def _period_selectors(periods, vocab: Vocabulary, lang: str) -> None:
    for name in ("from", "to"):
        if st.session_state[f"pl_{name}"] not in periods:
            st.session_state[f"pl_{name}"] = periods[0] if name == "from" else periods[-1]
    c1, c2, c3 = st.columns(3)
    c1.selectbox(t(lang, "planner.from"), periods, key="pl_from", format_func=lambda p: vocab.label("periods", p, lang))
    c2.selectbox(t(lang, "planner.to"), periods, key="pl_to", format_func=lambda p: vocab.label("periods", p, lang))
    c3.radio(t(lang, "planner.mode"), PLANNER_MODES, key="pl_mode", format_func=lambda m: t(lang, "planner.modes")[m])


def compare_section(frame, corpus, maps: Maps) -> None:
    vocab, lang = maps.vocab, maps.lang
    district = st.session_state.pl_district
    periods = compare.district_periods(corpus, vocab, district)
    renames, _, _ = _links(corpus, id(corpus))
    if len(periods) < 2:
        st.info(t(lang, "planner.no_period", district=district_label(district, lang),
                   period="、".join(vocab.label("periods", p, lang) for p in periods)))
        docs = compare.period_documents(corpus, vocab, district, periods[0])
        only = frame[(frame["district"] == district) & (frame["layer"] != "districts")
                     & frame["sources"].map(lambda s: bool(compare.source_documents(s) & set(docs)))]
        table = only[["id", "name_zh", "name_en", "layer", "category"]].reset_index(drop=True)
        st.dataframe(table, hide_index=True, width="stretch")
        csv_button(table, f"features-{DISTRICT_EN[district].lower()}-{periods[0]}", lang)
        return
    _period_selectors(periods, vocab, lang)
    before, after = st.session_state.pl_from, st.session_state.pl_to
    if before == after:
        st.warning(t(lang, "planner.same_period"))
        return
    table = compare.compare_periods(frame, corpus, vocab, district, before, after, renames)
    st.markdown(escape(t(lang, "planner.summary", **compare.change_summary(table))))
    changed = frame.loc[table["id"]].assign(change=table["change"].to_numpy(), renamed=table["renamed"].to_numpy())
    bounds = district_bounds(frame, district)
    styles = al.change_styles(lang)
    if st.session_state.pl_mode == "one":
        groups = al.restyled_groups(changed, vocab, lang, styles, "change", maps.to_gcj)
        legend = al.swatch_legend(t(lang, "planner.sections")["compare"], [(styles[c][0], al.CHANGE_COLOURS[c]) for c in styles])
        maps.show(groups, f"pl_map_cmp_{district}_{before}_{after}", bounds, [legend])
    else:
        for column, side, docs_col in zip(st.columns(2), (before, after), ("before_docs", "after_docs")):
            with column:
                st.markdown(f"**{escape(vocab.label('periods', side, lang))}**")
                part = changed[(table[docs_col] != "").to_numpy()]
                groups = al.restyled_groups(part, vocab, lang, styles, "change", maps.to_gcj)
                maps.show(groups, f"pl_map_side_{district}_{side}", bounds, width_px=350)
    st.dataframe(table, hide_index=True, width="stretch")
    name = f"compare-{DISTRICT_EN[district].lower()}-{before}-{after}"
    c1, c2 = st.columns(2)
    with c1:
        csv_button(table, name, lang)
    with c2:
        extra = table.set_index("id")[["change", "renamed", "linked_id", "evidence"]]
        geojson_button(features_geojson(changed, extra, name=name), name, lang)


def layouts_section(frame, corpus, maps: Maps) -> None:
    vocab, lang = maps.vocab, maps.lang
    district = st.session_state.pl_district
    _, layouts, _ = _links(corpus, id(corpus))
    st.caption(t(lang, "planner.layouts_note"))
    periods = compare.district_periods(corpus, vocab, district)
    if len(periods) < 2:
        st.info(t(lang, "planner.no_period", district=district_label(district, lang),
                   period="、".join(vocab.label("periods", p, lang) for p in periods)))
    bounds = district_bounds(frame, district)
    for period in periods:
        docs = compare.period_documents(corpus, vocab, district, period)
        for layout in compare.layouts_for(layouts, district, docs):
            members = compare.layout_members(frame, layout, corpus)
            st.markdown(f"#### {md_literal(vocab.label('periods', period, lang))} · {md_literal(layout.formula)}")
            st.markdown(source_quote_html(corpus, layout.quote), unsafe_allow_html=True)
            if layout.note:
                st.caption(md_literal(layout.note))
            shown = frame.loc[members["id"]].assign(part=members["part"].to_numpy())
            styles = al.part_styles(layout.parts, lang)
            legend = al.swatch_legend(layout.formula, [(p or "—", s["color"]) for p, (_, s) in styles.items()])
            left, right = st.columns([3, 2])
            with left:
                maps.show(al.restyled_groups(shown, vocab, lang, styles, "part", maps.to_gcj),
                          f"pl_map_layout_{layout.id}", bounds, [legend], width_px=420)
            with right:
                st.dataframe(members[["part", "name_zh", "layer", "paragraph", "quote"]], hide_index=True,
                             width="stretch")
                csv_button(members, f"layout-{layout.id}", lang)
                geojson_button(features_geojson(shown, members.set_index("id")[["formula", "part"]], name=layout.id),
                               f"layout-{layout.id}", lang)


# The verdict next to the values; the sources after.
MATCHED_COLUMNS = ["indicator", "year", "target", "unit", "reported", "actual", "met", "table_evaluation", "target_document",
                   "target_quote", "target_paragraph", "reported_document", "reported_paragraph", "target_indicator"]


def _met_label(value, lang: str) -> str:
    return t(lang, "planner.met")[None if value is None or pd.isna(value) else bool(value)]


def tracking_section(frame, corpus, targets: pd.DataFrame, maps: Maps) -> None:
    vocab, lang = maps.vocab, maps.lang
    district = st.session_state.pl_district
    _, _, indicator_links = _links(corpus, id(corpus))
    doc_id, _ = tracking.COMPLETION_TABLE
    if district == corpus[doc_id].meta["district"]:
        table = tracking.load_completion_table()  # checked against the plan by geo validate
        matched = tracking.match_targets(table, targets, aliases=tracking.alias_keys(indicator_links))
        st.markdown(f"**{escape(t(lang, 'planner.tracking_matched'))}**")
        st.dataframe(matched.assign(met=matched["met"].map(lambda v: _met_label(v, lang)))[MATCHED_COLUMNS],
                     hide_index=True, width="stretch")
        csv_button(matched, "targets-matched", lang)
        st.markdown(f"**{escape(t(lang, 'planner.tracking_table'))}**")
        status = tracking.completion_status(table)
        first = ["row", "indicator", "target"] + [c for c in status.columns if c.startswith("actual_")]
        shown = status.assign(met=status["met"].map(lambda v: _met_label(v, lang)))
        st.dataframe(shown[first + [c for c in shown.columns if c not in first]], hide_index=True, width="stretch")
        csv_button(status, "yz-fyp15-table1-completion", lang)
    else:
        st.info(t(lang, "planner.tracking_ddk"))
    st.markdown(f"**{escape(t(lang, 'planner.tracking_places'))}**")
    placed = tracking.place_targets(frame, targets, district)
    summary = tracking.zone_target_summary(frame, placed)
    places = frame.loc[placed["feature_id"].unique()].assign(kind="target")
    label = t(lang, "analysis.targets")
    groups = al.restyled_groups(places, vocab, lang, {"target": (label, {"color": al.TARGET_COLOUR, "fillColor": al.TARGET_COLOUR})},
                                "kind", maps.to_gcj)
    maps.show(groups, f"pl_map_targets_{district}", district_bounds(frame, district))
    c1, c2 = st.columns(2)
    with c1:
        st.markdown(f"*{escape(t(lang, 'planner.zone_summary'))}*")
        st.dataframe(summary, hide_index=True, width="stretch")
        csv_button(summary, f"zone-targets-{DISTRICT_EN[district].lower()}", lang)
    with c2:
        st.markdown(f"*{escape(t(lang, 'planner.place_list'))}*")
        st.dataframe(placed, hide_index=True, width="stretch")
        csv_button(placed, f"place-targets-{DISTRICT_EN[district].lower()}", lang)
        extra = placed.groupby("feature_id").agg(zones=("zones", "first"), target_count=("indicator", "size"))
        geojson_button(features_geojson(places.drop(columns="kind"), extra, name="place-targets"),
                       f"place-targets-{DISTRICT_EN[district].lower()}", lang)


# --- the view ----------------------------------------------------------------------------

def planner_view(frame: gpd.GeoDataFrame, vocab: Vocabulary, corpus: dict, targets: pd.DataFrame, lang: str = "zh",
                 basemap: str = "offline",
                 unmapped: pd.DataFrame | None = None) -> None:
    """Render the planner tools; their choices live in the ``pl_*`` session keys
    (views/session.py reads them from the URL and writes them back)."""
    maps = Maps(vocab, lang, basemap)
    unmapped = pd.read_csv(UNMAPPED, dtype=str, keep_default_na=False) if unmapped is None else unmapped
    c1, c2, c3 = st.columns([3, 1, 1])
    c1.radio(t(lang, "planner.section"), PLANNER_SECTIONS, key="pl_section", horizontal=True,
             format_func=lambda s: t(lang, "planner.sections")[s])
    c2.selectbox(t(lang, "planner.district"), DISTRICTS, key="pl_district", format_func=lambda d: district_label(d, lang))
    section = st.session_state.pl_section
    if section == "coverage":
        c3.slider(t(lang, "planner.cell"), *CELL_RANGE, step=CELL_STEP, key="pl_cell")
        coverage_section(frame, maps)
    elif section == "matrix":
        matrix_section(frame, vocab, lang)
    elif section == "unmapped":
        unmapped_section(corpus, lang, unmapped)
    elif section == "compare":
        compare_section(frame, corpus, maps)
    elif section == "layouts":
        layouts_section(frame, corpus, maps)
    else:
        tracking_section(frame, corpus, targets, maps)
