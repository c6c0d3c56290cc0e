"""Validation of the layer files, targets and unmapped list.

Every problem names the file, the feature id and the reason, so a broken file is
fixed at the right place.  Nothing is half-loaded: :func:`geo.features.load_layers`
refuses data with problems.  Malformed input of any kind becomes a :class:`Problem`,
never an exception.
"""
from __future__ import annotations

import csv
import json
import re
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from . import audit, columns, compare, positions, reference
from .crs import METRIC, WGS84, geometry_to_wgs84
from .extent import CHONGQING_BBOX
from .paths import GEOJSON, TARGETS, UNMAPPED
from .plans import Document, load_corpus
from .schema import REQUIRED, TEXT_PROPERTIES
from .tracking import COMPLETION_TABLE, completion_table_problems
from .vocab import DISTRICTS, Vocabulary, load_vocabulary
from .errors import CurationError, Problem

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
LIST_PROPERTIES = ("themes", "periods", "sources", "targets")
OPTIONAL_TEXT_PROPERTIES = ("status", "role")
# Chongqing municipality's bounding box, a little padded: catches swapped lon/lat.
DISTRICT_TOLERANCE_M = 50
RIVERSIDE_TOLERANCE_M = 300
RIVER_CLEARANCE_M = 100
MIN_SHARE_INSIDE = 0.8
# A districts-layer boundary must overlap the reference boundary this much (intersection / union).
MIN_BOUNDARY_OVERLAP = 0.95
MAX_FILE_BYTES = 50 * 2**20
WHOLE_FILE = "(whole file)"





# --- reading files -------------------------------------------------------------------

def _too_big(path: Path) -> str | None:
    """The reason to refuse a file by its size alone (before reading a byte of it)."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return f"file is {size / 2**20:.0f} MiB, over the {MAX_FILE_BYTES // 2**20} MiB limit; not read"
    return None


def _read_json(path: Path) -> tuple[object, str | None]:
    """(parsed JSON, None) or (None, reason)."""
    try:
        too_big = _too_big(path)
    except OSError as exc:
        return None, f"cannot read file: {exc.strerror}"
    if too_big:
        return None, too_big
    try:
        return json.loads(path.read_bytes().decode("utf-8")), None
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8 text (byte {exc.start}); RFC 7946 GeoJSON must be UTF-8"
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON: {exc}"
    except RecursionError:
        return None, "not valid JSON: nested too deeply"
    except OSError as exc:
        return None, f"cannot read file: {exc.strerror}"


def _declares_wgs84(crs: object) -> bool:
    text = json.dumps(crs)
    return bool(re.search(r"EPSG:{1,2}4326\b|CRS84", text))


def read_feature_collection(path: Path) -> tuple[list[dict], list[Problem]]:
    """Parse a GeoJSON FeatureCollection file; problems instead of exceptions."""
    name = path.name
    data, error = _read_json(path)
    if error:
        return [], [Problem(name, WHOLE_FILE, error)]
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        found = data.get("type") if isinstance(data, dict) else type(data).__name__
        return [], [Problem(name, WHOLE_FILE, f"not a GeoJSON FeatureCollection (found {found!r})")]
    crs = data.get("crs")
    if crs and not _declares_wgs84(crs):
        return [], [Problem(name, WHOLE_FILE, f"declares a non-WGS-84 crs {json.dumps(crs, ensure_ascii=False)}; RFC 7946 data must be WGS-84")]
    features = data.get("features")
    if not isinstance(features, list):
        return [], [Problem(name, WHOLE_FILE, "'features' is not a list")]
    problems = []
    good = []
    for i, f in enumerate(features):
        if not isinstance(f, dict) or f.get("type") != "Feature" or not isinstance(f.get("properties"), dict):
            problems.append(Problem(name, f"feature #{i + 1}", "not a GeoJSON Feature with properties"))
        else:
            good.append(f)
    return good, problems


# --- geometry --------------------------------------------------------------------------

def parse_geometry(geometry: object) -> tuple[BaseGeometry | None, str | None]:
    """(shapely geometry, None) or (None, reason)."""
    if geometry is None:
        return None, "geometry is missing or null"
    if not isinstance(geometry, dict):
        return None, f"geometry is not a GeoJSON object (found {type(geometry).__name__})"
    try:
        return shape(geometry), None
    except Exception as exc:  # shapely raises several kinds for bad GeoJSON geometry
        return None, f"geometry is not valid GeoJSON {geometry.get('type')!r}: {exc}"


def to_metric(geoms: list[BaseGeometry | None]) -> list[BaseGeometry | None]:
    """WGS-84 -> metric CRS in one transform (per-feature transforms dominate validation time)."""
    series = gpd.GeoSeries(geoms, crs=WGS84)
    return list(series.to_crs(METRIC).array) if len(series) else []


def _coords_ok(geom: BaseGeometry) -> str | None:
    coords = shapely.get_coordinates(geom)
    if len(coords) == 0:
        return "geometry is empty"
    if not np.isfinite(coords).all():
        return "geometry has non-finite coordinates (NaN or infinity)"
    lon, lat = coords[:, 0], coords[:, 1]
    x0, y0, x1, y1 = CHONGQING_BBOX
    if ((lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)).all():
        return None
    if ((lat >= x0) & (lat <= x1) & (lon >= y0) & (lon <= y1)).all():
        return "coordinates look swapped (lat, lon): GeoJSON order is lon, lat"
    if (abs(lon) > 180).any() or (abs(lat) > 90).any():
        return "coordinates out of range (lon must be within ±180, lat within ±90)"
    return "coordinates lie outside Chongqing"


def _share_inside(geom_m: BaseGeometry, area_m: BaseGeometry) -> float:
    if geom_m.geom_type in ("Polygon", "MultiPolygon"):
        return geom_m.intersection(area_m).area / geom_m.area if geom_m.area else 0.0
    if geom_m.geom_type in ("LineString", "MultiLineString"):
        return geom_m.intersection(area_m).length / geom_m.length if geom_m.length else 0.0
    return 1.0 if area_m.covers(geom_m) else 0.0


@lru_cache(maxsize=16)
def _district_area(district: str, tolerance_m: float) -> BaseGeometry | None:
    """The district in metric coordinates, grown by *tolerance_m*."""
    area = reference.district_shapes_metric().get(district)
    return None if area is None else area.buffer(tolerance_m)


GCJ02_HINT = " (its coordinates look like GCJ-02 — convert to WGS-84)"


def looks_like_gcj02(geom: BaseGeometry, district: str) -> bool:
    """True when a shape misses its district but fits once read as GCJ-02 (~480 m shift)."""
    area = reference.district_shapes_metric().get(district)
    if area is None:
        return False
    as_is, as_gcj02 = to_metric([geom, geometry_to_wgs84(geom)])
    return _share_inside(as_is, area) < MIN_SHARE_INSIDE <= _share_inside(as_gcj02, area)


def _overlap(a: BaseGeometry, b: BaseGeometry) -> float:
    """Intersection over union of two areas."""
    union = a.union(b).area
    return a.intersection(b).area / union if union else 0.0


def _boundary_problems(props: dict, geom: BaseGeometry, geom_m: BaseGeometry) -> list[str]:
    """A districts-layer feature must be the reference boundary of its district."""
    district = props.get("district")
    ref = reference.district_shapes_metric().get(district)
    if ref is None:
        return [f"district {district!r} has no reference boundary in data/reference/boundaries"]
    overlap = _overlap(geom_m, ref)
    if overlap >= MIN_BOUNDARY_OVERLAP:
        return []
    as_gcj02 = _overlap(to_metric([geometry_to_wgs84(geom)])[0], ref)
    hint = GCJ02_HINT if as_gcj02 >= MIN_BOUNDARY_OVERLAP else ""
    return [f"boundary overlaps the reference boundary of {district} by only {overlap:.0%}{hint}"]


def check_shape(props: dict, geom: BaseGeometry, geom_m: BaseGeometry, vocab: Vocabulary) -> list[str]:
    """Checks of a parsed geometry (*geom_m*: the same in metric coordinates)."""
    layer = props.get("layer")
    district_only = (props.get("location") or {}).get("precision") == "district"  # stored as the district polygon
    if layer in vocab.layers and geom.geom_type not in vocab.geometry_types(layer) and not district_only:
        return [f"geometry type {geom.geom_type} not allowed in layer {layer} (allowed: {', '.join(vocab.geometry_types(layer))})"]
    bad = _coords_ok(geom)
    if bad:
        return [bad]
    if not geom.is_valid:
        return [f"geometry is invalid: {shapely.is_valid_reason(geom)}"]
    if layer == "districts":
        return _boundary_problems(props, geom, geom_m)
    district = props.get("district")
    riverside = props.get("category") in vocab.river_allowed
    # An OSM station within 300 m of the district is part of its network (geo.positions checks the point).
    near_ok = riverside or isinstance(props.get("reference"), dict)
    tolerance = RIVERSIDE_TOLERANCE_M if near_ok else DISTRICT_TOLERANCE_M
    area = _district_area(district, tolerance)
    if area is None:
        return []
    problems = []
    if layer == "transit" and geom.geom_type != "Point":
        if not geom_m.intersects(_district_area(district, RIVERSIDE_TOLERANCE_M)):
            problems.append(f"does not reach its district {district}")
    elif _share_inside(geom_m, area) < MIN_SHARE_INSIDE:
        hint = GCJ02_HINT if looks_like_gcj02(geom, district) else ""
        problems.append(f"lies outside its district {district} (tolerance {tolerance} m){hint}")
    if geom.geom_type == "Point" and not riverside:
        gap = geom_m.distance(reference.rivers_metric())
        if gap < RIVER_CLEARANCE_M:
            problems.append(f"lies in a river ({gap:.0f} m from the centre line) but is a {props.get('category')}")
    return problems


# --- properties ------------------------------------------------------------------------

def check_types(props: dict) -> list[str]:
    """Property types, so later checks can rely on them."""
    problems = [f"{k} must be text, not {type(props[k]).__name__}" for k in TEXT_PROPERTIES if not isinstance(props[k], str)]
    problems += [f"{k} must be text, not {type(props[k]).__name__}"
                 for k in OPTIONAL_TEXT_PROPERTIES if props.get(k) is not None and not isinstance(props[k], str)]
    for k in LIST_PROPERTIES:
        if not isinstance(props[k], list):
            problems.append(f"{k} must be a list, not {type(props[k]).__name__}")
    for k in ("themes", "periods"):
        if isinstance(props[k], list) and not all(isinstance(v, str) for v in props[k]):
            problems.append(f"{k} must be a list of text values")
    for k in ("sources", "targets"):
        if isinstance(props[k], list) and not all(isinstance(v, dict) for v in props[k]):
            problems.append(f"every item of {k} must be an object")
    loc = props["location"]
    if not isinstance(loc, dict):
        problems.append(f"location must be an object with precision and basis, not {type(loc).__name__}")
    elif not all(isinstance(loc.get(k), (str, type(None))) for k in ("precision", "basis")):
        problems.append("location.precision and location.basis must be text")
    return problems


def _find_quote(corpus: dict[str, Document], document: object, paragraph: object, quote: object) -> str | None:
    """None when *quote* occurs verbatim in the paragraph, else the reason."""
    doc = corpus.get(document) if isinstance(document, str) else None
    if doc is None:
        return f"unknown document {document!r}"
    if not isinstance(paragraph, str) or not doc.has_paragraph(paragraph):
        return f"{doc.id}: unknown paragraph {paragraph!r}"
    if not isinstance(quote, str) or not quote.strip():
        return f"{doc.id} {paragraph}: empty quote"
    if quote not in doc.paragraph(paragraph).text:
        return f"{doc.id} {paragraph}: quote not found verbatim: {quote!r}"
    return None


def check_sources(props: dict, corpus: dict[str, Document]) -> list[str]:
    sources = props.get("sources")
    if not isinstance(sources, list) or not sources:
        return ["no sources: every feature must quote the plan"]
    problems = []
    for s in sources:
        reason = _find_quote(corpus, s.get("document"), s.get("paragraph"), s.get("quote"))
        if reason:
            problems.append(f"source: {reason}")
        elif s.get("section") and corpus[s["document"]].paragraph(s["paragraph"]).section != s["section"]:
            problems.append(f"source: {s['document']} section {s['section']!r} does not hold paragraph {s['paragraph']!r}")
    for t in props.get("targets") or []:
        reason = _find_quote(corpus, t.get("document"), t.get("paragraph"), t.get("quote"))
        if reason:
            problems.append(f"target {t.get('indicator')!r}: {reason}")
    return problems


def check_vocabulary(props: dict, vocab: Vocabulary) -> list[str]:
    problems = []
    layer = props.get("layer")
    if layer not in vocab.layers:
        return [f"unknown layer {layer!r} (layers: {', '.join(vocab.layers)})"]
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
        precision = loc.get("precision") if isinstance(loc, dict) else None
        problems.append(f"location.precision {precision!r} is not one of {', '.join(vocab.precision)}")
    elif not (loc.get("basis") or "").strip():
        problems.append("location.basis is empty: say where the coordinate came from")
    if layer != "districts" and props.get("district") not in DISTRICTS:
        problems.append(f"district {props.get('district')!r} is not one of {', '.join(DISTRICTS)}")
    return problems


def check_structure(feature: dict) -> list[str]:
    """Required properties, their types and the id: the other checks rely on these."""
    props = feature.get("properties") or {}
    missing = [k for k in REQUIRED if k not in props or props[k] is None or (k != "name_en" and props[k] == "")]
    if missing:
        return [f"missing required propert{'y' if len(missing) == 1 else 'ies'}: {', '.join(missing)}"]
    wrong_types = check_types(props)
    if wrong_types:
        return wrong_types
    if not ID_PATTERN.match(props["id"]):
        return [f"id {props['id']!r} is not a readable lowercase slug (a-z, 0-9 and single hyphens)"]
    if "id" in feature and feature["id"] != props["id"]:
        return [f"the Feature's id {feature['id']!r} differs from properties.id {props['id']!r}"]
    return []


def check_properties(feature: dict, vocab: Vocabulary, corpus: dict[str, Document]) -> list[str]:
    """Vocabulary and quotes of a structurally sound feature."""
    props = feature["properties"]
    return check_vocabulary(props, vocab) + check_sources(props, corpus)


def _shape_reasons(props: dict, parsed: tuple[BaseGeometry | None, str | None], geom_m: BaseGeometry | None, vocab: Vocabulary) -> list[str]:
    geom, error = parsed
    return [error] if error else check_shape(props, geom, geom_m, vocab)


def _feature_label(feature: dict, index: int) -> str:
    fid = (feature.get("properties") or {}).get("id")
    return fid if isinstance(fid, str) and fid else f"feature #{index + 1}"


def validate_features(features: list[dict], file: str, layer: str | None, vocab: Vocabulary, corpus: dict[str, Document], seen: dict[str, str] | None = None) -> list[Problem]:
    """Problems of the features of one file (*seen*: ids met in earlier files)."""
    seen = {} if seen is None else seen
    parsed = [parse_geometry(f.get("geometry")) for f in features]
    metric = to_metric([geom for geom, _ in parsed])  # one projection for the whole file
    problems = []
    for i, f in enumerate(features):
        props = f.get("properties") or {}
        fid = _feature_label(f, i)
        reasons = []
        if layer and props.get("layer") not in (None, layer):
            reasons.append(f"layer {props.get('layer')!r} does not match the file's layer {layer!r}")
        try:
            reasons += check_structure(f) or (check_properties(f, vocab, corpus) + _shape_reasons(props, parsed[i], metric[i], vocab))
        except Exception as exc:  # input no rule foresaw: report it, never crash the loader
            reasons.append(f"could not be checked ({type(exc).__name__}: {exc})")
        problems += [Problem(file, fid, r) for r in reasons]
        if fid in seen:
            problems.append(Problem(file, fid, f"id repeats (first in {seen[fid]})"))
        elif not fid.startswith("feature #"):
            seen[fid] = file
    return problems


# --- targets and unmapped list ------------------------------------------------------------

def _read_csv(path: Path, columns: tuple[str, ...]) -> tuple[list[dict], Problem | None]:
    """Rows of a UTF-8 CSV file with at least *columns*; or a problem naming the file."""
    try:
        too_big = _too_big(path)
        if too_big:
            return [], Problem(path.name, WHOLE_FILE, too_big)
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                return [], Problem(path.name, WHOLE_FILE, f"missing column(s): {', '.join(missing)}")
            return list(reader), None
    except FileNotFoundError:
        return [], Problem(path.name, WHOLE_FILE, "file is missing")
    except UnicodeDecodeError as exc:
        return [], Problem(path.name, WHOLE_FILE, f"not UTF-8 text (byte {exc.start})")
    except (OSError, csv.Error) as exc:
        return [], Problem(path.name, WHOLE_FILE, f"cannot read CSV: {exc}")


TARGET_COLUMNS = ("target_id", "document", "paragraph", "quote", "feature_id")
UNMAPPED_COLUMNS = ("name_zh", "document", "paragraph", "quote", "reason")


def validate_targets(path: Path, feature_ids: set[str], corpus: dict[str, Document]) -> list[Problem]:
    rows, problem = _read_csv(path, TARGET_COLUMNS)
    if problem:
        return [problem]
    problems = []
    seen: set[str] = set()
    for i, row in enumerate(rows, start=2):
        tid = row["target_id"] or f"row {i}"
        if tid in seen:
            problems.append(Problem(path.name, tid, "target_id repeats"))
        seen.add(tid)
        if row["feature_id"] and row["feature_id"] not in feature_ids:
            problems.append(Problem(path.name, tid, f"points at unknown feature {row['feature_id']!r}"))
        reason = _find_quote(corpus, row["document"], row["paragraph"], row["quote"])
        if reason:
            problems.append(Problem(path.name, tid, reason))
    return problems


def validate_unmapped(path: Path, corpus: dict[str, Document]) -> list[Problem]:
    rows, problem = _read_csv(path, UNMAPPED_COLUMNS)
    if problem:
        return [problem]
    problems = []
    for i, row in enumerate(rows, start=2):
        where = f"row {i} ({row['name_zh']})"
        if not (row["reason"] or "").strip():
            problems.append(Problem(path.name, where, "no reason given"))
        reason = _find_quote(corpus, row["document"], row["paragraph"], row["quote"])
        if reason:
            problems.append(Problem(path.name, where, reason))
    return problems


# --- whole data folder ------------------------------------------------------------------------

def layer_files(geojson_dir: Path = GEOJSON) -> list[Path]:
    return sorted(geojson_dir.glob("*.geojson"))


def read_layers(geojson_dir: Path, vocab: Vocabulary, corpus: dict[str, Document], validate: bool = True) -> tuple[list[dict], list[Problem]]:
    """Features of every layer file and the problems found (all of them, not the first)."""
    files = layer_files(geojson_dir)
    if not files:
        return [], [Problem(str(geojson_dir), WHOLE_FILE, "no .geojson layer files")]
    features: list[dict] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for path in files:
        if path.stem not in vocab.layers:
            problems.append(Problem(path.name, WHOLE_FILE, f"file name is not a layer ({', '.join(vocab.layers)})"))
            continue
        items, read_problems = read_feature_collection(path)
        problems += read_problems
        if validate:
            problems += validate_features(items, path.name, path.stem, vocab, corpus, seen)
        features += items
    return features, problems


def validate_file(path: Path, layer: str | None = None) -> list[Problem]:
    """Problems of one layer file; *layer* defaults to the file name when it is a layer."""
    vocab, corpus = load_vocabulary(), load_corpus()
    items, problems = read_feature_collection(path)
    layer = layer or (path.stem if path.stem in vocab.layers else None)
    return problems + validate_features(items, path.name, layer, vocab, corpus)


def validate_links(features: list[dict], corpus: dict[str, Document], links: Path = compare.LINKS) -> list[Problem]:
    """The period comparison's rename links (data/links.yaml): quotes verbatim, both features
    present, each quoted from its own side's document."""
    name = Path(links).name
    try:
        renames = compare.parse_renames(compare.read_links(links), corpus)
    except CurationError as exc:
        return [Problem(name, WHOLE_FILE, str(exc))]
    sources = pd.DataFrame({"sources": [f["properties"].get("sources") or [] for f in features]},
                           index=[f["properties"].get("id") for f in features])
    return [Problem(name, "renames", p) for p in compare.check_links(renames, sources)]


def validate_all(geojson_dir: Path = GEOJSON, targets: Path = TARGETS, unmapped: Path = UNMAPPED) -> list[Problem]:
    corpus, vocab = load_corpus(), load_vocabulary()
    features, problems = read_layers(geojson_dir, vocab, corpus)
    ids = {f["properties"]["id"] for f in features if isinstance(f["properties"].get("id"), str)}
    problems += validate_targets(targets, ids, corpus)
    problems += validate_unmapped(unmapped, corpus)
    problems += [Problem("completion_table.csv", "表1", r) for r in completion_table_problems(corpus[COMPLETION_TABLE[0]])]
    problems += positions.validate_positions(features)
    if {p.stem for p in layer_files(geojson_dir)} >= set(vocab.layers):  # 专栏 accounting and links need every layer
        problems += columns.validate_columns(features, _read_csv(unmapped, UNMAPPED_COLUMNS)[0], corpus)
        problems += validate_links(features, corpus)
    return problems + audit.audit_all(features, vocab, unmapped, targets, corpus)
