"""Synthetic scale-ups of the bundled data: a data folder with N times the features.

Every copy is a real feature moved by a random offset and kept only where the
validator's location rules still hold (inside its district, clear of the rivers);
otherwise a smaller offset is tried, and after a few tries the copy stays where the
original is.  Ids get a ``-s<k>`` suffix, so they stay unique readable slugs.

Copies keep one source and no targets (see :func:`_copy`).  District-only features
are not moved: their copies become random points inside the district where the layer
allows points (the app draws every district-only feature as a placeholder point anyway,
and 43 of the real ones are stored as points) and keep the outline otherwise.  Both
keep projects.geojson at ×100 under the validator's 50 MiB file limit.

The folder is a copy of data/ with geojson/ replaced, so the app reads it through
PLANMAP_DATA_DIR.  A generated folder is reused while the source data and this
generator are unchanged.
"""
from __future__ import annotations

import hashlib
import json
import math
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from geo import reference
from geo.crs import METRIC, WGS84
from geo.paths import DATA
from geo.validate import (DISTRICT_TOLERANCE_M, MIN_SHARE_INSIDE, RIVER_CLEARANCE_M, RIVERSIDE_TOLERANCE_M,
                          layer_files)
from geo.vocab import load_vocabulary

JITTER_M = (1000, 500, 250, 120, 60)  # offset radius of each try; after the last, no offset
SAFETY_M = 5  # margin over the validator's distances: rounding to 6 decimals moves points by < 0.1 m
SAFETY_SHARE = 0.02


def _metric(geoms: np.ndarray) -> np.ndarray:
    return gpd.GeoSeries(geoms, crs=WGS84).to_crs(METRIC).values


def _wgs84(geoms: np.ndarray) -> np.ndarray:
    return shapely.set_precision(gpd.GeoSeries(geoms, crs=METRIC).to_crs(WGS84).values, 1e-6)


def _translate(geoms: np.ndarray, offsets_m: np.ndarray) -> np.ndarray:
    """Move each geometry by its (dx, dy) in metres, on the 6-decimal grid of the data.

    Offsets are rounded to the grid before adding, so a valid polygon stays valid.
    """
    lat = shapely.get_y(shapely.centroid(geoms))
    per_m = np.column_stack([1 / (111320 * np.cos(np.radians(lat))), np.full(len(lat), 1 / 110540)])
    deg = np.round(offsets_m * per_m, 6)
    per_coord = np.repeat(deg, shapely.get_num_coordinates(geoms), axis=0)
    return shapely.transform(geoms, lambda xy: np.round(xy + per_coord, 6))


def _in_disc(n: int, radius: float, rng: np.random.Generator) -> np.ndarray:
    r = radius * np.sqrt(rng.random(n))
    a = rng.random(n) * 2 * math.pi
    return np.column_stack([r * np.cos(a), r * np.sin(a)])


class Rules:
    """The validator's location rules (geo/validate.check_shape), vectorised."""

    def __init__(self, vocab):
        self.vocab = vocab
        self.areas = reference.district_shapes_metric()
        self.rivers = reference.rivers_metric()
        shapely.prepare(self.rivers)

    def ok(self, geoms_wgs: np.ndarray, props: list[dict]) -> np.ndarray:
        geoms = _metric(geoms_wgs)
        kind = shapely.get_type_id(geoms)
        point = kind == 0
        line = np.isin(kind, (1, 5))
        transit_line = ~point & np.array([p["layer"] == "transit" for p in props])
        riverside = np.array([p["category"] in self.vocab.river_allowed for p in props])
        wide = riverside | transit_line
        tolerance = np.where(wide, RIVERSIDE_TOLERANCE_M, DISTRICT_TOLERANCE_M) - SAFETY_M
        buffered = self._buffered([p["district"] for p in props], tolerance)
        inside = np.empty(len(geoms))
        inside[point] = shapely.covers(buffered[point], geoms[point])
        cut = shapely.intersection(geoms[~point], buffered[~point])
        sizes = np.where(line[~point], shapely.length(geoms[~point]), shapely.area(geoms[~point]))
        kept = np.where(line[~point], shapely.length(cut), shapely.area(cut))
        inside[~point] = np.divide(kept, sizes, out=np.zeros_like(sizes), where=sizes > 0)
        good = inside >= MIN_SHARE_INSIDE + SAFETY_SHARE
        good[transit_line] = shapely.intersects(geoms[transit_line], buffered[transit_line])
        dry = ~point | riverside | (shapely.distance(geoms, self.rivers) >= RIVER_CLEARANCE_M + SAFETY_M)
        return good & dry

    def _buffered(self, districts: list[str], tolerance: np.ndarray) -> np.ndarray:
        cache = {key: self.areas[key[0]].buffer(key[1]) for key in set(zip(districts, tolerance.tolist()))}
        for shape in cache.values():
            shapely.prepare(shape)
        return np.array([cache[key] for key in zip(districts, tolerance.tolist())], dtype=object)

    def points_in(self, district: str, n: int, riverside: bool, rng: np.random.Generator) -> np.ndarray:
        """*n* random points inside *district* (clear of rivers unless *riverside*), WGS-84."""
        area = self.areas[district].buffer(-SAFETY_M)
        shapely.prepare(area)
        x0, y0, x1, y1 = area.bounds
        found = np.empty(0, dtype=object)
        while len(found) < n:
            pts = shapely.points(rng.uniform(x0, x1, 4 * n), rng.uniform(y0, y1, 4 * n))
            keep = shapely.covers(area, pts)
            if not riverside:
                keep &= shapely.distance(pts, self.rivers) >= RIVER_CLEARANCE_M + SAFETY_M
            found = np.concatenate([found, pts[keep]])
        return _wgs84(found[:n])


def _copy(feature: dict, k: int) -> dict:
    """Copy *k* of *feature*, without the geometry (set by the caller).

    A copy is not the place the plan names: it keeps one source (a real quote) and no
    targets, and its location basis says what it is.  This also keeps projects.geojson
    at ×100 under the validator's 50 MiB file limit.
    """
    p = feature["properties"]
    fid = f"{p['id']}-s{k}"
    location = {**p["location"], "basis": f"synthetic copy of {p['id']}"}
    props = {**p, "id": fid, "sources": p["sources"][:1], "targets": [], "location": location}
    return {"type": "Feature", "properties": props}


def _jittered(features: list[dict], rules: Rules, rng: np.random.Generator) -> np.ndarray:
    """Moved geometries of *features*, each checked against the location rules."""
    original = np.array([shapely.from_geojson(json.dumps(f["geometry"])) for f in features], dtype=object)
    out = original.copy()
    todo = np.arange(len(features))
    for radius in JITTER_M:
        if not len(todo):
            break
        moved = _translate(original[todo], _in_disc(len(todo), radius, rng))
        good = rules.ok(moved, [features[i]["properties"] for i in todo])
        out[todo[good]] = moved[good]
        todo = todo[~good]
    return out


def scaled_layer(features: list[dict], factor: int, rules: Rules, rng: np.random.Generator) -> list[dict]:
    """The real features plus factor − 1 checked copies of each."""
    copies = [_copy(f, k) for k in range(1, factor) for f in features]
    if not copies:
        return list(features)
    sources = [f for _ in range(1, factor) for f in features]
    geoms = np.empty(len(copies), dtype=object)
    district_only = np.array([f["properties"]["location"]["precision"] == "district" for f in sources])
    layer = features[0]["properties"]["layer"]
    if "Point" in rules.vocab.geometry_types(layer):
        for district in {f["properties"]["district"] for f in sources}:
            for riverside in (False, True):
                pick = district_only & np.array([f["properties"]["district"] == district and
                                                 (f["properties"]["category"] in rules.vocab.river_allowed) == riverside
                                                 for f in sources])
                if pick.any():
                    geoms[pick] = rules.points_in(district, int(pick.sum()), riverside, rng)
    else:
        keep = np.flatnonzero(district_only)
        geoms[keep] = [shapely.from_geojson(json.dumps(sources[i]["geometry"])) for i in keep]
    move = np.flatnonzero(~district_only)
    geoms[move] = _jittered([sources[i] for i in move], rules, rng)
    for copy, geom in zip(copies, geoms):
        copy["geometry"] = json.loads(shapely.to_geojson(geom))
    return list(features) + copies


def _subsample(features: list[dict], fraction: float, rng: np.random.Generator) -> list[dict]:
    if fraction >= 1:
        return features
    n = max(1, round(len(features) * fraction))
    return [features[i] for i in sorted(rng.choice(len(features), n, replace=False))]


def _fingerprint(src: Path, factor: int, fraction: float, seed: int) -> str:
    h = hashlib.sha256(f"{factor}|{fraction}|{seed}".encode() + Path(__file__).read_bytes())
    for path in layer_files(src / "geojson"):
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()


def make_data(out: Path, factor: int, fraction: float = 1.0, seed: int = 0, src: Path = DATA) -> Path:
    """A data folder like *src* whose layers hold *fraction* of the features, times *factor*.

    The districts layer is the frame of the map and is neither sampled nor copied.
    """
    stamp = out / ".synthetic"
    key = _fingerprint(src, factor, fraction, seed)
    if stamp.exists() and stamp.read_text() == key:
        return out
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(src, out, ignore=shutil.ignore_patterns("geojson"))
    (out / "geojson").mkdir()
    rng = np.random.default_rng(seed)
    rules = Rules(load_vocabulary(src / "vocabulary.yaml"))
    for path in layer_files(src / "geojson"):
        data = json.loads(path.read_text(encoding="utf-8"))
        if path.stem != "districts":
            features = _subsample(data["features"], fraction, rng)
            data["features"] = scaled_layer(features, factor, rules, rng) if features else []
        with (out / "geojson" / path.name).open("w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, separators=(",", ":"))
    stamp.write_text(key)
    return out
