"""Guided tours (data/tours/*.yaml): ordered stops through the plan, for presenting it.

A stop names the features it is about; everything else is derived from the data:
what is drawn (those features plus whole context layers), where the map looks, and
the caption (the plan's own quotes and targets for those features, picked by
document and section, never retyped).  Loading checks every reference and reports
all problems at once, each naming the file and the stop.

Tour file::

    title: {zh: 渝中区空间布局, en: Yuzhong spatial layout}   # or one string for both
    documents: [yz-fyp15]      # captions quote these documents ...
    sections: [ch32]           # ... and, optionally, only these sections (ids, prefixes)
    districts: [渝中区]         # context layers are limited to these districts
    layers: [districts]        # context layers drawn around the stop's features
    stops:
      - title: {zh: 一核, en: One core}
        features: [yz-jiefangbei-cbd]   # what the stop is about (highlighted, captioned)
        view: [district-yuzhong]        # optional: ids to frame (default: the features)
        bounds: [[29.53, 106.47], [29.58, 106.59]]   # optional: [[south, west], [north, east]]
        # documents, sections, districts, layers, periods: optional overrides per stop
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd
import yaml

from .filters import Filters, apply
from .paths import DATA
from .i18n import LANGS
from .errors import Problem, TourError

TOURS = DATA / "tours"
MAX_QUOTES = 4
MAX_TARGETS = 4
TOUR_KEYS = {"title", "documents", "sections", "districts", "layers", "periods", "stops"}
STOP_KEYS = {"title", "features", "view", "bounds", "documents", "sections", "districts", "layers", "periods"}
INHERITED = ("documents", "sections", "districts", "layers", "periods")


class _Titled:
    title: dict[str, str]

    def label(self, lang: str) -> str:
        return self.title.get(lang) or self.title["zh"]


@dataclass(frozen=True)
class Stop(_Titled):
    title: dict[str, str]
    features: tuple[str, ...]
    view: tuple[str, ...] = ()
    bounds: tuple[tuple[float, float], tuple[float, float]] | None = None
    documents: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    layers: tuple[str, ...] = ()
    periods: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tour(_Titled):
    id: str
    title: dict[str, str]
    stops: tuple[Stop, ...]
    path: Path | None = None

    def only(self, number: int) -> "Tour":
        """The tour cut down to its stop *number* (1-based): a one-stop handout."""
        return replace(self, stops=(self.stops[number - 1],))


@dataclass(frozen=True)
class Quote:
    text: str
    document: str
    section_path: str


@dataclass(frozen=True)
class Caption:
    """What the plan says about a stop's features."""

    quotes: tuple[Quote, ...]
    targets: tuple[dict, ...]
    names: tuple[tuple[str, str], ...] = field(default=())  # (name_zh, name_en) per feature


# --- reading --------------------------------------------------------------------------

def _title(value) -> dict[str, str] | None:
    if isinstance(value, str) and value.strip():
        return {lang: value.strip() for lang in LANGS}
    if isinstance(value, dict) and isinstance(value.get("zh"), str) and value["zh"].strip():
        return {lang: str(value.get(lang) or value["zh"]).strip() for lang in LANGS}
    return None


def _names(value) -> tuple[str, ...] | None:
    """A list of strings (or one string) as a tuple; None when malformed."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _bounds(value):
    try:
        (south, west), (north, east) = ((float(a), float(b)) for a, b in value)
    except (TypeError, ValueError):
        return None
    if not (-90 <= south < north <= 90 and -180 <= west < east <= 180):
        return None
    return (south, west), (north, east)


def _keys_and_title(raw: dict, allowed: set[str], problem) -> dict[str, str] | None:
    """Report keys a tour or stop may not have; its title, or None (reported) when missing."""
    for key in sorted(set(raw) - allowed):
        problem(f"unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")
    title = _title(raw.get("title"))
    if title is None:
        problem("title missing (a string or {zh: ..., en: ...})")
    return title


def parse_stop(raw: object, defaults: dict, file: str, where: str, problems: list[Problem]) -> Stop | None:
    """One stop from YAML, inheriting the tour's settings; problems are appended."""
    def problem(reason: str) -> None:
        problems.append(Problem(file, where, reason))

    if not isinstance(raw, dict):
        problem("a stop must be a mapping with title and features")
        return None
    title = _keys_and_title(raw, STOP_KEYS, problem)
    values = {}
    for key in ("features", "view", *INHERITED):
        value = _names(raw[key]) if key in raw else defaults.get(key, ())
        if value is None:
            problem(f"{key} must be a list of strings")
            value = ()
        values[key] = value
    if not values["features"]:
        problem("features missing: name the feature ids the stop is about")
    bounds = None
    if "bounds" in raw:
        bounds = _bounds(raw["bounds"])
        if bounds is None:
            problem("bounds must be [[south, west], [north, east]] in degrees")
    if title is None or not values["features"]:
        return None
    return Stop(title=title, bounds=bounds, **values)


def _stop_label(number: int, raw: object) -> str:
    title = _title(raw.get("title")) if isinstance(raw, dict) else None
    return f"stop {number} ({title['zh'][:30] if title else 'untitled'})"


def read_tour(path: Path) -> tuple[Tour | None, list[Problem]]:
    """Parse a tour file (structure only); references are checked by :func:`check_tour`."""
    file, problems = path.name, []

    def problem(reason: str) -> None:
        problems.append(Problem(file, "tour", reason))

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        problem(f"cannot read: {exc}")
        return None, problems
    if not isinstance(raw, dict):
        problem("a tour file must be a mapping with title and stops")
        return None, problems
    title = _keys_and_title(raw, TOUR_KEYS, problem)
    defaults = {}
    for key in INHERITED:
        value = _names(raw.get(key, []))
        if value is None:
            problem(f"{key} must be a list of strings")
        defaults[key] = value or ()
    stops_raw = raw.get("stops")
    if not isinstance(stops_raw, list) or not stops_raw:
        problem("stops missing: a tour needs at least one stop")
        stops_raw = []
    stops = [parse_stop(s, defaults, file, _stop_label(i, s), problems) for i, s in enumerate(stops_raw, start=1)]
    if problems:
        return None, problems
    return Tour(id=path.stem, title=title, stops=tuple(stops), path=path), []


# --- checking references ----------------------------------------------------------------

def _section_exists(section: str, documents, corpus) -> bool:
    return any(section in corpus[d].sections or corpus[d].has_paragraph(section) for d in documents if d in corpus)


def check_stop(stop: Stop, frame: gpd.GeoDataFrame, vocab, corpus) -> list[str]:
    """Problems of one stop's references (ids, layers, periods, documents, sections, quotes)."""
    problems = []
    for key in ("features", "view"):
        missing = [i for i in getattr(stop, key) if i not in frame.index]
        if missing:
            problems.append(f"{key}: unknown feature id(s) {', '.join(missing)}")
    checks = (("layers", set(vocab.layers)), ("periods", set(vocab.periods)), ("documents", set(corpus)),
              ("districts", set(frame["district"])))
    for key, known in checks:
        bad = [v for v in getattr(stop, key) if v not in known]
        if bad:
            problems.append(f"{key}: unknown value(s) {', '.join(bad)} (known: {', '.join(sorted(known))})")
    for section in stop.sections:
        if not _section_exists(section, stop.documents or list(corpus), corpus):
            problems.append(f"sections: no section {section!r} in {', '.join(stop.documents) or 'any document'}")
    if not problems:
        problems += [f"feature {fid} has no quote in documents {list(stop.documents) or 'any'} "
                     f"sections {list(stop.sections) or 'any'}"
                     for fid in stop.features if not _matching(frame.loc[fid, "sources"], stop)]
    return problems


def check_tour(tour: Tour, frame: gpd.GeoDataFrame, vocab, corpus) -> list[Problem]:
    file = tour.path.name if tour.path else tour.id
    return [Problem(file, _stop_label(i, {"title": stop.title}), reason)
            for i, stop in enumerate(tour.stops, start=1)
            for reason in check_stop(stop, frame, vocab, corpus)]


def load_tours(frame: gpd.GeoDataFrame, vocab, corpus, folder: Path = TOURS) -> dict[str, Tour]:
    """Every tour in *folder* by id (file stem), checked against the data; raises TourError."""
    tours, problems = {}, []
    for path in sorted(folder.glob("*.yaml")):
        tour, read_problems = read_tour(path)
        problems += read_problems
        if tour is not None:
            problems += check_tour(tour, frame, vocab, corpus)
            tours[tour.id] = tour
    if problems:
        raise TourError(problems)
    return tours


# --- what a stop shows --------------------------------------------------------------------

def _in_sections(paragraph: str, sections: tuple[str, ...]) -> bool:
    return not sections or any(paragraph == s or paragraph.startswith(s + ".") for s in sections)


def _matches(item: dict, stop: Stop) -> bool:
    """Does a source or target (document + paragraph) come from the stop's part of the plan?"""
    return ((not stop.documents or item.get("document") in stop.documents)
            and _in_sections(str(item.get("paragraph", "")), stop.sections))


def _matching(items, stop: Stop) -> list[dict]:
    """Sources/targets from the stop's part of the plan, in the order its documents are listed."""
    found = [item for item in (items or []) if _matches(item, stop)]
    rank = {doc: k for k, doc in enumerate(stop.documents)}
    return sorted(found, key=lambda item: rank.get(item.get("document"), 0))


def visible_ids(stop: Stop, frame: gpd.GeoDataFrame) -> list[str]:
    """Ids drawn at *stop*: its features plus its context layers (in frame order)."""
    shown = set(stop.features)
    if stop.layers:
        context = apply(frame, Filters(districts=stop.districts, periods=stop.periods, layers=stop.layers))
        shown |= set(context.index)
    return [fid for fid in frame.index if fid in shown]


def view_bounds(stop: Stop, frame: gpd.GeoDataFrame) -> tuple[tuple[float, float], tuple[float, float]]:
    """((south, west), (north, east)) the map frames at *stop*."""
    if stop.bounds:
        return stop.bounds
    west, south, east, north = frame.loc[list(stop.view or stop.features)].total_bounds
    return (float(south), float(west)), (float(north), float(east))


def _round_robin(lists: list[list[dict]]):
    """First items of every list, then the second ones, ...: each feature gets its say."""
    for depth in range(max(map(len, lists), default=0)):
        yield from (items[depth] for items in lists if depth < len(items))


def _add_quote(quotes: list[Quote], new: Quote) -> None:
    """Append *new* unless already said; when one quote contains another, keep the longer."""
    if any(new.text in q.text for q in quotes):
        return
    position = next((i for i, q in enumerate(quotes) if q.text in new.text), len(quotes))
    quotes[:] = quotes[:position] + [new] + [q for q in quotes[position:] if q.text not in new.text]


def caption(stop: Stop, frame: gpd.GeoDataFrame) -> Caption:
    """Quotes and targets of the stop's features from its documents/sections, de-duplicated."""
    rows = [frame.loc[fid] for fid in stop.features]
    quotes: list[Quote] = []
    for source in _round_robin([_matching(row["sources"], stop) for row in rows]):
        _add_quote(quotes, Quote(source["quote"], source["document"], source.get("section_path", "")))
    targets: dict[tuple, dict] = {}
    for target in _round_robin([_matching(row["targets"], stop) for row in rows]):
        targets.setdefault((target["indicator"], str(target["value"]), target.get("year")), target)
    names = tuple((row["name_zh"], row["name_en"] or "") for row in rows)
    return Caption(tuple(quotes[:MAX_QUOTES]), tuple(targets.values())[:MAX_TARGETS], names)


def stop_number(raw: object, count: int) -> int:
    """The 1-based stop a link asks for, clamped to the tour; 1 when unreadable."""
    try:
        number = int(str(raw).strip())
    except ValueError:
        return 1
    return min(max(number, 1), count)
