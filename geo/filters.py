"""Filtering and text search over the feature frame (pure: no Streamlit, no Folium)."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import pandas as pd
from pypinyin import Style, lazy_pinyin

# Layers drawn as reference whatever the theme/period/status filters say.
CONTEXT_LAYERS = ("districts",)


@dataclass(frozen=True)
class Filters:
    """What the user asked to see.  An empty tuple means "no restriction"."""

    districts: tuple[str, ...] = ()
    periods: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    layers: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    query: str = ""


def _overlaps(values, wanted: tuple[str, ...]) -> bool:
    return bool(set(values or ()) & set(wanted))


def mask(frame: pd.DataFrame, f: Filters) -> pd.Series:
    """Boolean mask of the rows that pass *f*."""
    keep = pd.Series(True, index=frame.index)
    if f.layers:
        keep &= frame["layer"].isin(f.layers)
    context = frame["layer"].isin(CONTEXT_LAYERS)
    rest = pd.Series(True, index=frame.index)
    if f.districts:
        rest &= frame["district"].isin(f.districts)
    if f.periods:
        rest &= frame["periods"].map(lambda v: _overlaps(v, f.periods))
    if f.themes:
        rest &= frame["themes"].map(lambda v: _overlaps(v, f.themes))
    if f.categories:
        rest &= frame["category"].isin(f.categories)
    if f.statuses:
        rest &= frame["status"].isin(f.statuses)
    if f.query.strip():
        hits = set(search(frame, f.query).index)
        rest &= frame.index.isin(hits)
    return keep & (context | rest)


def apply(frame: pd.DataFrame, f: Filters) -> pd.DataFrame:
    return frame[mask(frame, f)]


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).casefold().strip()


def pinyin_forms(name: str) -> tuple[str, str]:
    """Full pinyin without tones and the initials: 解放碑 -> ('jiefangbei', 'jfb')."""
    syllables = lazy_pinyin(name, errors="ignore")
    initials = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(syllables).lower(), "".join(initials).lower()


def search_index(frame: pd.DataFrame) -> pd.DataFrame:
    """Normalised search fields per feature (computed once per data load)."""
    rows = {}
    for fid, row in frame.iterrows():
        full, initials = pinyin_forms(row["name_zh"])
        quotes = " ".join(s.get("quote", "") for s in row["sources"] or [])
        rows[fid] = {
            "name": normalise(row["name_zh"]),
            "name_en": normalise(row["name_en"] or ""),
            "pinyin": full,
            "initials": initials,
            "quotes": normalise(quotes),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


_INDEX_CACHE: dict[int, pd.DataFrame] = {}


def _index_for(frame: pd.DataFrame) -> pd.DataFrame:
    key = id(frame)
    if key not in _INDEX_CACHE or not _INDEX_CACHE[key].index.equals(frame.index):
        _INDEX_CACHE.clear()
        _INDEX_CACHE[key] = search_index(frame)
    return _INDEX_CACHE[key]


def search(frame: pd.DataFrame, query: str, limit: int | None = None) -> pd.DataFrame:
    """Features matching *query* in names (Chinese, English, pinyin) or quotes, best first.

    Returns the matching rows with a ``match`` column saying where it matched.
    """
    q = normalise(query)
    if not q:
        return frame.iloc[0:0].assign(match=pd.Series(dtype=str))
    q_compact = q.replace(" ", "")
    idx = _index_for(frame)
    rank = pd.Series(99, index=idx.index)
    where = pd.Series("", index=idx.index)
    checks = [
        (0, "name", idx["name"] == q),
        (1, "name", idx["name"].str.startswith(q)),
        (2, "name", idx["name"].str.contains(q, regex=False)),
        (3, "name_en", idx["name_en"].str.contains(q, regex=False)),
        (4, "pinyin", idx["pinyin"].str.contains(q_compact, regex=False)
         | (q_compact.isascii() and len(q_compact) >= 2) & idx["initials"].str.startswith(q_compact)),
        (5, "quote", idx["quotes"].str.contains(q, regex=False)),
    ]
    for level, label, hit in checks:
        better = hit & (rank > level)
        rank[better] = level
        where[better] = label
    found = rank[rank < 99].sort_values(kind="stable")
    out = frame.loc[found.index].assign(match=where[found.index].values)
    return out.head(limit) if limit else out

