"""The view's state as URL query parameters, parsed defensively.

Links are shared and edited by hand (or by someone hostile), so every value is
checked against what the data knows.  Whatever cannot be used is dropped with a
short notice; :func:`parse` never raises, whatever mapping it is given.

Notices quote at most a few characters of what was sent, and only letters, digits
and ``-.,`` (anything else shows as ``?``): they are plain text in any renderer —
markdown, HTML or a log line — so a crafted link cannot put markup on the page.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping

from .basemaps import BASEMAPS as REGISTRY
from .extent import CHONGQING_BBOX
from .filters import Filters
from .vocab import DISTRICTS
from .i18n import LANGS

BASEMAPS = tuple(REGISTRY)
VIEWS = ("map", "targets", "planner", "present")
LIST_PARAMS = {"district": "districts", "period": "periods", "theme": "themes", "layer": "layers",
               "category": "categories", "status": "statuses"}
MAX_PARAMS = 50
MAX_VALUE_LEN = 200
MAX_QUERY_LEN = 100
MAX_NOTICES = 5
ECHO_LEN = 30
LAT_RANGE, LON_RANGE = CHONGQING_BBOX[1::2], CHONGQING_BBOX[0::2]
ZOOM_RANGE = (8, 19)
DEFAULT_RADIUS_M, RADIUS_RANGE = 500, (100, 5000)
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]")
# What a notice may repeat of the sender's text: letters and digits of any script, "-.," and spaces.
NOT_ECHOED = re.compile(r"[^\w\-., ]|_")
DECIMAL = re.compile(r"[+-]?([0-9]{1,12}(\.[0-9]{0,12})?|\.[0-9]{1,12})")
PLANNER_SECTIONS = ("coverage", "matrix", "unmapped", "compare", "layouts", "tracking")
PLANNER_MODES = ("one", "side")
CELL_RANGE, CELL_STEP = (250, 500), 50
# The planner's choices: attribute -> URL parameter (the session keeps them as pl_<attribute>).
PLANNER_PARAMS = {"section": "pl_sec", "district": "pl_dist", "cell": "pl_cell", "period_from": "pl_from",
                  "period_to": "pl_to", "mode": "pl_mode"}


@dataclass(frozen=True)
class PlannerState:
    """The planner tools' choices (views/planner.py): section, district, grid cell, the two
    periods compared and how the comparison is drawn."""

    section: str = "coverage"
    district: str = DISTRICTS[0]
    cell: int = 400
    period_from: str = "fyp14"
    period_to: str = "fyp15"
    mode: str = "one"


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
    near: tuple[float, float] | None = None  # (lat, lon): "what is planned near here"
    radius: int = DEFAULT_RADIUS_M
    planner: PlannerState = field(default_factory=PlannerState)


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

    @classmethod
    def from_frame(cls, frame, basemaps: Iterable[str] = BASEMAPS) -> Known:
        """What a link may name, given the loaded feature frame and the basemaps on offer."""
        return cls(
            districts=frozenset(DISTRICTS), periods=frozenset(p for v in frame["periods"] for p in v),
            themes=frozenset(x for v in frame["themes"] for x in v), layers=frozenset(frame["layer"]),
            categories=frozenset(frame["category"]), statuses=frozenset(frame["status"].dropna()),
            ids=frozenset(frame.index), basemaps=tuple(basemaps),
        )


def _clean(value: str) -> str:
    return CONTROL.sub("", value).strip()[:MAX_VALUE_LEN]


def _last(value) -> str:
    """Streamlit gives str; repeated keys may arrive as a list: the last one wins."""
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else ""
    return _clean(value if isinstance(value, str) else str(value))


def _echo(value: str, limit: int = ECHO_LEN) -> str:
    """A short, inert excerpt of user input for a notice."""
    text = NOT_ECHOED.sub("?", value[:limit])
    return f"“{text}…”" if len(value) > limit else f"“{text}”"


def _number(raw: str, lo: float, hi: float, name: str, notices: list[str]) -> float | None:
    if not DECIMAL.fullmatch(raw):
        notices.append(f"{name}: {_echo(raw, 12)} is not a number")
        return None
    value = float(raw)
    if not lo <= value <= hi:
        notices.append(f"{name}: out of range {lo:g} to {hi:g}")
        return None
    return value


def _point(raw: str, notices: list[str]) -> tuple[float, float] | None:
    """"LAT,LON" as two numbers in range, or None with a notice."""
    parts = raw.split(",")
    if len(parts) != 2:
        notices.append(f"near: {_echo(raw, 24)} is not LAT,LON")
        return None
    lat = _number(parts[0].strip(), *LAT_RANGE, "near latitude", notices)
    lon = _number(parts[1].strip(), *LON_RANGE, "near longitude", notices)
    return (round(lat, 6), round(lon, 6)) if lat is not None and lon is not None else None


def _choice(name: str, raw: str, allowed: Iterable[str], notices: list[str]) -> str | None:
    if raw in allowed:
        return raw
    notices.append(f"{name}: {_echo(raw, 12)} is not available")
    return None


def _list(name: str, raw: str, allowed: frozenset[str], notices: list[str]) -> tuple[str, ...]:
    values = [v for v in (_clean(x) for x in raw.split(",")) if v and v != "all"]
    bad = [v for v in values if v not in allowed]
    if bad:
        notices.append(f"{name}: unknown values ignored: {', '.join(_echo(b, 20) for b in bad[:3])}"
                       + (f" and {len(bad) - 3} more" if len(bad) > 3 else ""))
    return tuple(dict.fromkeys(v for v in values if v in allowed))


def _cell(raw: str, notices: list[str]) -> int | None:
    value = _number(raw, *CELL_RANGE, "planner cell", notices)
    if value is not None and (value != int(value) or int(value) % CELL_STEP):
        notices.append(f"planner cell: not a multiple of {CELL_STEP}")
        return None
    return None if value is None else int(value)


def _planner_value(attr: str, raw: str, known: Known, notices: list[str]):
    if attr == "cell":
        return _cell(raw, notices)
    allowed = {"section": PLANNER_SECTIONS, "district": DISTRICTS, "mode": PLANNER_MODES,
               "period_from": known.periods, "period_to": known.periods}[attr]
    return _choice("planner " + attr.replace("_", " "), raw, allowed, notices)  # no "_": notices are plain text


def _summarise(notices: list[str]) -> list[str]:
    if len(notices) <= MAX_NOTICES:
        return notices
    return notices[:MAX_NOTICES] + [f"{len(notices) - MAX_NOTICES} more problems"]


def parse(params: Mapping[str, object], known: Known) -> tuple[ViewState, list[str]]:
    """(state, notices) from query parameters; unknown or bad values become notices."""
    keys = list(params.keys())
    notices = [f"too many parameters: only the first {MAX_PARAMS} were read"] if len(keys) > MAX_PARAMS else []
    filters: dict[str, tuple[str, ...]] = {}
    state: dict[str, object] = {}
    planner: dict[str, object] = {}
    planner_attr = {param: attr for attr, param in PLANNER_PARAMS.items()}
    for key in keys[:MAX_PARAMS]:
        name = _clean(key if isinstance(key, str) else str(key))
        raw = _last(params[key])
        if name in LIST_PARAMS:
            filters[LIST_PARAMS[name]] = _list(name, raw, getattr(known, LIST_PARAMS[name]), notices)
        elif name == "q":
            state["query"] = raw[:MAX_QUERY_LEN]
        elif name == "sel":
            if raw in known.ids:
                state["selected"] = raw
            elif raw:
                notices.append(f"sel: no feature with id {_echo(raw)}")
        elif name in ("lat", "lon"):
            value = _number(raw, *(LAT_RANGE if name == "lat" else LON_RANGE), name, notices)
            if value is not None:
                state[name] = round(value, 6)
        elif name == "zoom":
            value = _number(raw, *ZOOM_RANGE, "zoom", notices)
            if value is not None:
                state["zoom"] = int(value)
        elif name == "near":
            point = _point(raw, notices)
            if point is not None:
                state["near"] = point
        elif name == "r":
            value = _number(raw, *RADIUS_RANGE, "r", notices)
            if value is not None:
                state["radius"] = int(round(value))
        elif name in ("basemap", "lang", "view"):
            allowed = {"basemap": known.basemaps, "lang": LANGS, "view": VIEWS}[name]
            value = _choice(name, raw, allowed, notices)
            if value is not None:
                state[name] = value
        elif name in planner_attr:
            value = _planner_value(planner_attr[name], raw, known, notices)
            if value is not None:
                planner[planner_attr[name]] = value
        else:
            notices.append(f"unknown parameter ignored: {_echo(name)}")
    if ("lat" in state) != ("lon" in state):
        notices.append("lat and lon must be given together")
        state.pop("lat", None)
        state.pop("lon", None)
    query = str(state.pop("query", ""))
    if state.get("view") != "planner":
        planner = {}  # the planner's choices belong to its view (to_params writes them only there)
    return ViewState(filters=Filters(query=query, **filters), planner=PlannerState(**planner), **state), \
        _summarise(notices)


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
    if state.near is not None:
        out["near"] = f"{state.near[0]:.5f},{state.near[1]:.5f}"
        if state.radius != DEFAULT_RADIUS_M:
            out["r"] = str(state.radius)
    if state.lang != "zh":
        out["lang"] = state.lang
    if state.view != "map":
        out["view"] = state.view
    if state.view == "planner":  # the planner's choices only while it is shown
        default = PlannerState()
        out.update({param: str(getattr(state.planner, attr)) for attr, param in PLANNER_PARAMS.items()
                    if getattr(state.planner, attr) != getattr(default, attr)})
    return out


__all__ = ["ViewState", "PlannerState", "Known", "parse", "to_params", "replace"]
