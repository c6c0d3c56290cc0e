"""Validation of the layer files, targets and unmapped list.

Every problem names the file, the feature id and the reason, so a broken file is
fixed at the right place.  Nothing is half-loaded: :func:`geo.features.load_layers`
refuses data with problems.
"""
from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from . import reference
from .crs import METRIC, WGS84, geometry_to_wgs84
from .paths import GEOJSON, TARGETS, UNMAPPED
from .plans import Document, load_corpus
from .vocab import DISTRICTS, Vocabulary, load_vocabulary

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
REQUIRED = ("id", "name_zh", "name_en", "layer", "category", "themes", "periods", "district", "sources", "targets", "location")
# Chongqing municipality's bounding box, a little padded: catches swapped lon/lat.
CHONGQING_BBOX = (105.0, 28.0, 110.5, 32.5)
DISTRICT_TOLERANCE_M = 50
RIVERSIDE_TOLERANCE_M = 300
RIVER_CLEARANCE_M = 100
MIN_SHARE_INSIDE = 0.8
MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Problem:
    file: str
    feature: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.feature}: {self.reason}"


class DataError(ValueError):
    """Raised when bundled data has problems; carries them all."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        head = "\n".join(str(p) for p in problems[:20])
        more = f"\n… and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} data problem(s):\n{head}{more}")


def read_feature_collection(path: Path) -> tuple[list[dict], list[Problem]]:
    """Parse a GeoJSON FeatureCollection file; problems instead of exceptions."""
    name = path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        return [], [Problem(name, "-", f"cannot read file: {exc.strerror}")]
    if size > MAX_FILE_BYTES:
        return [], [Problem(name, "-", f"file is {size / 1e6:.0f} MB, over the {MAX_FILE_BYTES // 2**20} MB limit")]
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        return [], [Problem(name, "-", "not UTF-8 text (RFC 7946 GeoJSON must be UTF-8)")]
    except json.JSONDecodeError as exc:
        return [], [Problem(name, "-", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")]
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        return [], [Problem(name, "-", "not a GeoJSON FeatureCollection")]
    crs = data.get("crs")
    if crs and "4326" not in json.dumps(crs) and "CRS84" not in json.dumps(crs):
        return [], [Problem(name, "-", f"declares a non-WGS-84 crs {crs}; RFC 7946 data must be WGS-84")]
    features = data.get("features")
    if not isinstance(features, list):
        return [], [Problem(name, "-", "'features' is not a list")]
    problems = []
    good = []
    for i, f in enumerate(features):
        if not isinstance(f, dict) or f.get("type") != "Feature" or not isinstance(f.get("properties"), dict):
            problems.append(Problem(name, f"feature #{i + 1}", "not a GeoJSON Feature with properties"))
        else:
            good.append(f)
    return good, problems


def _coords_ok(geom: BaseGeometry) -> str | None:
    coords = shapely.get_coordinates(geom)
    if len(coords) == 0:
        return "geometry is empty"
    if not all(math.isfinite(v) for v in coords.ravel()):
        return "geometry has non-finite coordinates"
    lon, lat = coords[:, 0], coords[:, 1]
    if (abs(lon) > 180).any() or (abs(lat) > 90).any():
        return "coordinates out of range (lon must be within ±180, lat within ±90)"
    x0, y0, x1, y1 = CHONGQING_BBOX
    if ((lon < x0) | (lon > x1) | (lat < y0) | (lat > y1)).any():
        if ((lat >= x0) & (lat <= x1) & (lon >= y0) & (lon <= y1)).all():
            return "coordinates look swapped (lat, lon): GeoJSON order is lon, lat"
        return "coordinates lie outside Chongqing"
    return None


def _share_inside(geom_m: BaseGeometry, area_m: BaseGeometry) -> float:
    if geom_m.geom_type in ("Polygon", "MultiPolygon"):
        return geom_m.intersection(area_m).area / geom_m.area if geom_m.area else 0.0
    if geom_m.geom_type in ("LineString", "MultiLineString"):
        return geom_m.intersection(area_m).length / geom_m.length if geom_m.length else 0.0
    return 1.0 if area_m.covers(geom_m) else 0.0


def looks_like_gcj02(geom: BaseGeometry, district: str) -> bool:
    """True when a shape misses its district but fits once read as GCJ-02 (~480 m shift)."""
    area = reference.district_shapes_metric().get(district)
    if area is None:
        return False
    as_wgs = gpd.GeoSeries([geometry_to_wgs84(geom)], crs=WGS84).to_crs(METRIC).iloc[0]
    return _share_inside(as_wgs, area) >= MIN_SHARE_INSIDE


def check_geometry(props: dict, geometry: dict | None, vocab: Vocabulary) -> list[str]:
    layer = props.get("layer")
    if geometry is None:
        return ["geometry is missing or null"]
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises several kinds for bad GeoJSON geometry
        return [f"geometry is not valid GeoJSON: {exc}"]
    if layer in vocab.layers and geom.geom_type not in vocab.geometry_types(layer):
        return [f"geometry type {geom.geom_type} not allowed in layer {layer} (allowed: {', '.join(vocab.geometry_types(layer))})"]
    bad = _coords_ok(geom)
    if bad:
        return [bad]
    if not geom.is_valid:
        return [f"geometry is invalid: {shapely.is_valid_reason(geom)}"]
    if layer == "districts":
        return []
    district = props.get("district")
    area = reference.district_shapes_metric().get(district)
    if area is None:
        return []
    geom_m = gpd.GeoSeries([geom], crs=WGS84).to_crs(METRIC).iloc[0]
    riverside = props.get("category") in vocab.river_allowed
    tolerance = RIVERSIDE_TOLERANCE_M if riverside else DISTRICT_TOLERANCE_M
    problems = []
    if layer == "transit" and geom.geom_type != "Point":
        if not geom_m.intersects(area.buffer(RIVERSIDE_TOLERANCE_M)):
            problems.append(f"does not reach its district {district}")
    elif _share_inside(geom_m, area.buffer(tolerance)) < MIN_SHARE_INSIDE:
        hint = " (its coordinates look like GCJ-02 — convert to WGS-84)" if looks_like_gcj02(geom, district) else ""
        problems.append(f"lies outside its district {district} (tolerance {tolerance} m){hint}")
    if geom.geom_type == "Point" and not riverside:
        gap = geom_m.distance(reference.rivers_metric())
        if gap < RIVER_CLEARANCE_M:
            problems.append(f"lies in a river ({gap:.0f} m from the centre line) but is a {props.get('category')}")
    return problems


def check_sources(props: dict, corpus: dict[str, Document]) -> list[str]:
    problems = []
    sources = props.get("sources")
    if not isinstance(sources, list) or not sources:
        return ["no sources: every feature must quote the plan"]
    for s in sources:
        if not isinstance(s, dict):
            problems.append("a source is not an object")
            continue
        doc = corpus.get(s.get("document"))
        if doc is None:
            problems.append(f"source names unknown document {s.get('document')!r}")
        elif not doc.has_paragraph(str(s.get("paragraph"))):
            problems.append(f"{doc.id}: unknown paragraph {s.get('paragraph')!r}")
        elif not s.get("quote") or str(s["quote"]) not in doc.paragraph(s["paragraph"]).text:
            problems.append(f"{doc.id} {s['paragraph']}: quote not found verbatim: {s.get('quote')!r}")
    for t in props.get("targets") or []:
        doc = corpus.get(t.get("document"))
        if doc is None or not doc.has_paragraph(str(t.get("paragraph"))) or str(t.get("quote", "\0")) not in doc.paragraph(t["paragraph"]).text:
            problems.append(f"target {t.get('indicator')!r}: quote not found verbatim in {t.get('document')} {t.get('paragraph')}")
    return problems


def check_vocabulary(props: dict, vocab: Vocabulary) -> list[str]:
    problems = []
    layer = props.get("layer")
    if layer not in vocab.layers:
        return [f"unknown layer {layer!r}"]
    if props.get("category") not in vocab.categories(layer):
        problems.append(f"category {props.get('category')!r} is not in layer {layer}'s vocabulary")
    themes = props.get("themes")
    if not isinstance(themes, list) or (not themes and layer != "districts"):
        problems.append("themes must be a non-empty list")
    else:
        problems += [f"theme {t!r} is not in the vocabulary" for t in themes if t not in vocab.themes]
    periods = props.get("periods")
    if not isinstance(periods, list) or not periods:
        problems.append("periods must be a non-empty list")
    else:
        problems += [f"period {p!r} is not in the vocabulary" for p in periods if p not in vocab.periods]
    if props.get("status") not in (None, *vocab.statuses):
        problems.append(f"status {props.get('status')!r} is not in the vocabulary")
    loc = props.get("location")
    if not isinstance(loc, dict) or loc.get("precision") not in vocab.precision:
        problems.append(f"location.precision must be one of {', '.join(vocab.precision)}")
    elif not str(loc.get("basis", "")).strip():
        problems.append("location.basis is empty: say where the coordinate came from")
    if layer != "districts" and props.get("district") not in DISTRICTS:
        problems.append(f"district {props.get('district')!r} is not one of {', '.join(DISTRICTS)}")
    return problems


def check_feature(feature: dict, vocab: Vocabulary, corpus: dict[str, Document]) -> list[str]:
    props = feature.get("properties") or {}
    missing = [k for k in REQUIRED if k not in props or props[k] is None or (k != "name_en" and props[k] == "")]
    if missing:
        return [f"missing required propert{'y' if len(missing) == 1 else 'ies'}: {', '.join(missing)}"]
    if not ID_PATTERN.match(str(props["id"])):
        return [f"id {props['id']!r} is not a readable lowercase slug"]
    return check_vocabulary(props, vocab) + check_sources(props, corpus) + check_geometry(props, feature.get("geometry"), vocab)


def validate_features(features: list[dict], file: str, layer: str | None, vocab: Vocabulary, corpus: dict[str, Document], seen: dict[str, str] | None = None) -> list[Problem]:
    seen = {} if seen is None else seen
    problems = []
    for i, f in enumerate(features):
        props = f.get("properties") or {}
        fid = str(props.get("id") or f"feature #{i + 1}")
        if layer and props.get("layer") not in (None, layer):
            problems.append(Problem(file, fid, f"layer {props.get('layer')!r} does not match the file's layer {layer!r}"))
        problems += [Problem(file, fid, r) for r in check_feature(f, vocab, corpus)]
        if props.get("id") is not None:
            if fid in seen:
                problems.append(Problem(file, fid, f"id repeats (first in {seen[fid]})"))
            else:
                seen[fid] = file
    return problems


def validate_targets(path: Path, feature_ids: set[str], corpus: dict[str, Document]) -> list[Problem]:
    problems = []
    if not path.exists():
        return [Problem(path.name, "-", "file is missing")]
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            tid = row.get("target_id") or "?"
            if row.get("feature_id") and row["feature_id"] not in feature_ids:
                problems.append(Problem(path.name, tid, f"points at unknown feature {row['feature_id']!r}"))
            doc = corpus.get(row.get("document", ""))
            if doc is None:
                problems.append(Problem(path.name, tid, f"unknown document {row.get('document')!r}"))
            elif not doc.has_paragraph(row.get("paragraph", "")):
                problems.append(Problem(path.name, tid, f"unknown paragraph {row.get('paragraph')!r}"))
            elif row.get("quote") and row["quote"] not in doc.paragraph(row["paragraph"]).text:
                problems.append(Problem(path.name, tid, f"quote not found verbatim: {row['quote']!r}"))
    return problems


def validate_unmapped(path: Path, corpus: dict[str, Document]) -> list[Problem]:
    problems = []
    if not path.exists():
        return [Problem(path.name, "-", "file is missing")]
    with path.open(encoding="utf-8") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=2):
            doc = corpus.get(row.get("document", ""))
            where = f"row {i} ({row.get('name_zh', '')})"
            if not row.get("reason"):
                problems.append(Problem(path.name, where, "no reason given"))
            if doc is None or not doc.has_paragraph(row.get("paragraph", "")):
                problems.append(Problem(path.name, where, f"unknown document/paragraph {row.get('document')} {row.get('paragraph')}"))
            elif row.get("quote", "") not in doc.paragraph(row["paragraph"]).text:
                problems.append(Problem(path.name, where, f"quote not found verbatim: {row.get('quote')!r}"))
    return problems


def layer_files(geojson_dir: Path = GEOJSON) -> list[Path]:
    return sorted(geojson_dir.glob("*.geojson"))


def validate_all(geojson_dir: Path = GEOJSON, targets: Path = TARGETS, unmapped: Path = UNMAPPED) -> list[Problem]:
    vocab = load_vocabulary()
    corpus = load_corpus()
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    files = layer_files(geojson_dir)
    if not files:
        return [Problem(str(geojson_dir), "-", "no .geojson layer files")]
    for path in files:
        layer = path.stem
        if layer not in vocab.layers:
            problems.append(Problem(path.name, "-", f"file name is not a layer ({', '.join(vocab.layers)})"))
            continue
        features, read_problems = read_feature_collection(path)
        problems += read_problems
        problems += validate_features(features, path.name, layer, vocab, corpus, seen)
    problems += validate_targets(targets, set(seen), corpus)
    problems += validate_unmapped(unmapped, corpus)
    return problems
