"""The view's state as URL query parameters, parsed defensively.

Links are shared and edited by hand, so every value is checked against what the
data knows.  Whatever cannot be used is dropped with a notice; parsing never raises.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping

from .filters import Filters

BASEMAPS = ("offline", "osm", "amap", "tianditu")
LANGS = ("zh", "en")
VIEWS = ("map", "targets")
LIST_PARAMS = {"district": "districts", "period": "periods", "theme": "themes", "layer": "layers",
               "category": "categories", "status": "statuses"}
SCALAR_PARAMS = ("q", "sel", "basemap", "lat", "lon", "zoom", "lang", "view")
MAX_VALUE_LEN = 200
MAX_QUERY_LEN = 100
LAT_RANGE, LON_RANGE, ZOOM_RANGE = (28.0, 33.0), (105.0, 111.0), (8, 19)
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class ViewState:
    filters: Filters = field(default_factory=Filters)
    selected: str | None = None
    basemap: str = "offline"
    lat: float | None = None
    lon: float | None = None
    zoom: int | None = None
    lang: str = "zh"
    view: str = "map"


@dataclass(frozen=True)
class Known:
    """The values the data allows, for checking a link."""

    districts: frozenset[str]
    periods: frozenset[str]
    themes: frozenset[str]
    layers: frozenset[str]
    categories: frozenset[str]
    statuses: frozenset[str]
    ids: frozenset[str]
    basemaps: tuple[str, ...] = BASEMAPS


def _clean(value: str) -> str:
    return CONTROL.sub("", value).strip()[:MAX_VALUE_LEN]


def _last(value) -> str:
    """Streamlit gives str; repeated keys may arrive as a list: the last one wins."""
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else ""
    return _clean(str(value))


def _number(raw: str, lo: float, hi: float, name: str, notices: list[str]) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        notices.append(f"{name}: not a number")
        return None
    if not math.isfinite(value) or not lo <= value <= hi:
        notices.append(f"{name}: out of range {lo}–{hi}")
        return None
    return value


def parse(params: Mapping[str, object], known: Known) -> tuple[ViewState, list[str]]:
    """(state, notices) from query parameters; unknown or bad values become notices."""
    notices: list[str] = []
    filters: dict[str, tuple[str, ...]] = {}
    state: dict[str, object] = {}
    for key in list(params.keys())[:50]:
        name = _clean(str(key))
        raw = _last(params[key])
        if name in LIST_PARAMS:
            attr = LIST_PARAMS[name]
            allowed = getattr(known, attr)
            values = [v for v in (_clean(x) for x in raw.split(",")) if v and v != "all"]
            good = tuple(dict.fromkeys(v for v in values if v in allowed))
            bad = [v for v in values if v not in allowed]
            if bad:
                notices.append(f"{name}: unknown value(s) ignored: {', '.join(b[:30] for b in bad[:5])}")
            filters[attr] = good
        elif name == "q":
            state["query"] = raw[:MAX_QUERY_LEN]
        elif name == "sel":
            if raw in known.ids:
                state["selected"] = raw
            elif raw:
                notices.append(f"sel: no feature with id {raw[:40]!r}")
        elif name == "basemap":
            if raw in known.basemaps:
                state["basemap"] = raw
            else:
                notices.append(f"basemap: {raw[:30]!r} is not available")
        elif name in ("lat", "lon"):
            value = _number(raw, *(LAT_RANGE if name == "lat" else LON_RANGE), name, notices)
            if value is not None:
                state[name] = round(value, 6)
        elif name == "zoom":
            value = _number(raw, *ZOOM_RANGE, "zoom", notices)
            if value is not None:
                state["zoom"] = int(value)
        elif name == "lang":
            if raw in LANGS:
                state["lang"] = raw
            else:
                notices.append(f"lang: {raw[:10]!r} is not available")
        elif name == "view":
            if raw in VIEWS:
                state["view"] = raw
            else:
                notices.append(f"view: {raw[:20]!r} is not a view")
        else:
            notices.append(f"unknown parameter ignored: {name[:30]!r}")
    if len(params) > 50:
        notices.append("too many parameters: the rest were ignored")
    query = str(state.pop("query", ""))
    if ("lat" in state) != ("lon" in state):
        notices.append("lat and lon must be given together")
        state.pop("lat", None)
        state.pop("lon", None)
    return ViewState(filters=Filters(query=query, **filters), **state), notices


def to_params(state: ViewState) -> dict[str, str]:
    """Query parameters for *state*, leaving out defaults so links stay short."""
    out: dict[str, str] = {}
    for param, attr in LIST_PARAMS.items():
        values: Iterable[str] = getattr(state.filters, attr)
        if values:
            out[param] = ",".join(values)
    if state.filters.query:
        out["q"] = state.filters.query
    if state.selected:
        out["sel"] = state.selected
    if state.basemap != "offline":
        out["basemap"] = state.basemap
    if state.lat is not None and state.lon is not None:
        out["lat"], out["lon"] = f"{state.lat:.5f}", f"{state.lon:.5f}"
    if state.zoom is not None:
        out["zoom"] = str(state.zoom)
    if state.lang != "zh":
        out["lang"] = state.lang
    if state.view != "map":
        out["view"] = state.view
    return out


__all__ = ["ViewState", "Known", "parse", "to_params", "replace"]
