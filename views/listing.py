"""The list of what the map shows: a sortable, searchable table synchronised with the map.

A row click selects the feature (and the map zooms to it); the selected feature's row is
highlighted.  It is the map's accessible mirror: a table with headers, usable with the
keyboard, and it downloads as CSV.
"""
from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.extent import Bounds, in_box
from geo.vocab import Vocabulary, display_name, district_name
from geo.i18n import t

SELECTED_BG = "background-color: #fff3b0"


def list_table(features: gpd.GeoDataFrame, vocab: Vocabulary, lang: str) -> pd.DataFrame:
    """Name, category, district, periods and location precision of *features*, indexed by id.

    Each label is looked up once per distinct value, not per row: at ×100 a list of 80,000
    rows took 0.9 s row by row."""
    sep = t(lang, "list_sep")

    def each(values, label) -> list:
        values = list(values)
        labels = {v: label(v) for v in set(values)}
        return [labels[v] for v in values]

    return pd.DataFrame({
        "name": [display_name(zh, en, lang) for zh, en in zip(features["name_zh"].tolist(), features["name_en"].tolist())],
        "category": each(zip(features["layer"].tolist(), features["category"].tolist()),
                         lambda lc: vocab.category_label(*lc, lang)),
        "district": each(features["district"].tolist(), lambda d: district_name(d, lang)),
        "periods": each(map(tuple, features["periods"].tolist()),
                        lambda ps: sep.join(vocab.label("periods", p, lang) for p in ps)),
        "precision": each(features["precision"].tolist(), lambda p: vocab.label("precision", p, lang)),
    }, index=features.index.rename("id"))


def view_box(bounds: dict | None) -> Bounds | None:
    """st_folium's map bounds (WGS-84) as (west, south, east, north)."""
    if not bounds:
        return None
    sw, ne = bounds["_southWest"], bounds["_northEast"]
    return sw["lng"], sw["lat"], ne["lng"], ne["lat"]


def in_view(features: gpd.GeoDataFrame, bounds: dict | None) -> gpd.GeoDataFrame:
    """The features whose shape touches the map's bounds (st_folium's, WGS-84); all without bounds."""
    return in_box(features, view_box(bounds))


def styled(table: pd.DataFrame, lang: str, selected: str | None):
    """*table* with headers in *lang*, the selected feature's row highlighted."""
    shown = table.reset_index(drop=True).rename(columns=t(lang, "columns"))
    ids = table.index.tolist()
    if selected not in ids:
        return shown
    return shown.style.apply(lambda row: [SELECTED_BG if ids[row.name] == selected else ""] * len(row), axis=1)


def feature_list(table: pd.DataFrame, lang: str, selected: str | None, key: str) -> str | None:
    """Draw *table*; returns the id of a row the user has just clicked, if any."""
    shown = styled(table, lang, selected)
    ids = table.index.tolist()
    # A new widget per selection: a row chosen on the map must not stay ticked from an earlier click.
    event = st.dataframe(shown, key=f"{key}_{selected}", on_select="rerun", selection_mode="single-row",
                         hide_index=True, width="stretch", height=min(38 + 35 * len(table), 320))
    rows = event.selection.rows if event else []
    return ids[rows[0]] if rows and ids[rows[0]] != selected else None


def list_csv(table: pd.DataFrame, lang: str) -> str:
    return table.rename(columns=t(lang, "columns")).reset_index().to_csv(index=False)
