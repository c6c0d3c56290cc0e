"""PostGIS as the feature store: the load (``python -m geo load-db``) and the queries the app
asks instead of holding the features (see :mod:`geo.store`).

Tables (all rebuilt by a load, so a load is idempotent):

- ``plan_features``: one row per feature, the frame's columns (lists as ``text[]``, sources
  and targets as ``jsonb``), the geometry in WGS-84 (``geom``) and Web Mercator
  (``geom_3857``, what the tiles cut), the normalised search fields of
  :func:`geo.filters.search_index`, its file order ``ord`` (the frame's order: lists and
  search ties follow it), ``grp`` (its filter group) and ``rank`` (a hash of its id: the
  order in which a crowded tile keeps features).
- ``plan_tiles``: what the vector tiles draw (:meth:`geo.store.PostgisStore.tile`): the
  few columns a tile holds, of the features drawn on the map, in place order.
- ``plan_groups``: one row per distinct (layer, category, district, status, precision,
  themes, periods): everything a filter without a query looks at, with the group's
  feature count and bounding box.  A filter is answered on these few hundred rows, so
  the count, the badges and the extent cost the same at any scale.

The load streams each layer file (pyogrio's Arrow reader) into the table in batches,
so a ×1000 projects file (430 MB) never sits in memory whole.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import pandas as pd
import shapely

from .errors import DatabaseError
from .filters import normalise, pinyin_forms
from .mvt import rank, to_mercator

FEATURES, GROUPS, TILES = "plan_features", "plan_groups", "plan_tiles"
GROUP_KEY = ("layer", "category", "district", "status", "precision", "themes", "periods")
BATCH = 20_000
# The features the map draws (layers.map.drawn): all but those located only to their district.
DRAWN = "(precision <> 'district' OR layer = 'districts')"


def engine(url: str):
    from sqlalchemy import create_engine

    # psycopg 3 is the driver installed (a bare postgresql:// would ask SQLAlchemy for psycopg2)
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), pool_size=4, max_overflow=4,
                         pool_pre_ping=True)


def connect(url: str):
    """A psycopg connection, or DatabaseError with what went wrong."""
    import psycopg

    try:
        return psycopg.connect(_libpq(url), autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        raise DatabaseError(f"cannot reach the database ({_safe(url)}): {str(exc).strip().splitlines()[0]}") from None


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://").replace("postgresql+psycopg2://", "postgresql://")


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a malformed URL is reported as such
        return "a malformed URL"


# --- the load -----------------------------------------------------------------------------

DDL = f"""
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
DROP TABLE IF EXISTS {FEATURES}, {GROUPS}, {TILES};
CREATE TABLE {FEATURES} (
  id text PRIMARY KEY, ord integer NOT NULL, grp integer NOT NULL, rank integer NOT NULL,
  name_zh text, name_en text, layer text NOT NULL, category text, themes text[], periods text[],
  district text, status text, precision text, basis text, role text, sources jsonb, targets jsonb,
  s_name text, s_name_en text, s_pinyin text, s_initials text, s_quotes text,
  geom geometry(Geometry, 4326) NOT NULL, geom_3857 geometry(Geometry, 3857) NOT NULL);
CREATE TABLE {GROUPS} (
  grp integer PRIMARY KEY, layer text, category text, district text, status text, precision text,
  themes text[], periods text[], n integer, west float8, south float8, east float8, north float8);
"""
INDEXES = f"""
CREATE INDEX ON {FEATURES} USING gist (geom);
CREATE INDEX ON {FEATURES} USING gist (geom_3857);
CREATE INDEX ON {FEATURES} (grp, ord);
CREATE INDEX ON {FEATURES} (ord);
CREATE INDEX ON {FEATURES} USING gin ((s_name || ' ' || s_name_en || ' ' || s_pinyin || ' ' || s_quotes) gin_trgm_ops);
INSERT INTO {GROUPS} (grp, n, west, south, east, north)
  SELECT grp, count(*), min(ST_XMin(geom)), min(ST_YMin(geom)), max(ST_XMax(geom)), max(ST_YMax(geom))
  FROM {FEATURES} GROUP BY grp;
UPDATE {GROUPS} g SET layer = f.layer, category = f.category, district = f.district, status = f.status,
  precision = f.precision, themes = f.themes, periods = f.periods
  FROM (SELECT DISTINCT ON (grp) * FROM {FEATURES} ORDER BY grp) f WHERE f.grp = g.grp;
ANALYZE {FEATURES}; ANALYZE {GROUPS};
-- What the tiles draw, narrow (a tenth of a feature row: no quotes, sources or search text).
-- A crowded tile walks the rank index and stops at its TILE_LIMIT features; a sparse one
-- reads its box from the GiST index.  So the rows are stored in 16 bands of rank, each in
-- place order: the walk stays in the first band, the box reads runs of neighbours (×1000:
-- the first view's tiles for a new filter in 0.12 s instead of 0.5 s from plan_features).
-- Features located only to their district are not drawn.  x0…y1, the Mercator box as plain
-- numbers, are tested before a geometry is read (a large area's is stored apart: TOAST).
CREATE TABLE {TILES} AS
  SELECT id, ord, grp, rank, name_zh, name_en, layer, array_to_string(themes, ',') AS themes, precision,
         geom_3857, ST_XMin(geom_3857) AS x0, ST_YMin(geom_3857) AS y0, ST_XMax(geom_3857) AS x1,
         ST_YMax(geom_3857) AS y1
  FROM {FEATURES} WHERE {DRAWN}
  ORDER BY rank >> 27, ST_GeoHash(ST_Centroid(geom), 7), rank;  -- rank: 31 bits
CREATE INDEX ON {TILES} USING gist (geom_3857);
CREATE INDEX ON {TILES} (rank);
ANALYZE {TILES};
"""


@lru_cache(maxsize=None)
def _pinyin(name: str) -> tuple[str, str]:
    return pinyin_forms(name)  # copies share their names: once per name


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _batches(path: Path, start: int) -> Iterator[pd.DataFrame]:
    """The layer file's rows in batches, as the columns of :data:`FEATURES` (WKB geometries)."""
    import pyogrio  # only a load needs it: the app imports this module for its table names

    with pyogrio.open_arrow(path, batch_size=BATCH, use_pyarrow=True) as (_, reader):
        for batch in reader:
            rows = batch.to_pandas()
            location = rows["location"].map(_json)
            sources = rows["sources"].map(lambda s: _json(s) or [])
            forms = rows["name_zh"].map(lambda n: _pinyin(n or ""))
            geoms = shapely.from_wkb(rows["wkb_geometry"].to_numpy())
            out = pd.DataFrame({
                "id": rows["id"], "ord": range(start, start + len(rows)),
                "name_zh": rows["name_zh"], "name_en": rows["name_en"], "layer": rows["layer"],
                "category": rows["category"], "themes": rows["themes"].map(lambda v: list(v) if v is not None else []),
                "periods": rows["periods"].map(lambda v: list(v) if v is not None else []),
                "district": rows["district"], "status": rows["status"],
                "precision": location.map(lambda loc: loc["precision"]), "basis": location.map(lambda loc: loc["basis"]),
                "role": rows["role"] if "role" in rows else None,
                "sources": sources.map(json.dumps), "targets": rows["targets"].map(lambda v: json.dumps(_json(v) or [])),
                "s_name": rows["name_zh"].map(lambda n: normalise(n or "")),
                "s_name_en": rows["name_en"].map(lambda n: normalise(n or "")),
                "s_pinyin": forms.map(lambda f: f[0]), "s_initials": forms.map(lambda f: f[1]),
                "s_quotes": sources.map(lambda s: normalise(" ".join(x.get("quote", "") for x in s))),
                "geom": shapely.to_wkb(geoms, hex=True, include_srid=False),
                "geom_3857": shapely.to_wkb(to_mercator(geoms), hex=True),
            })
            start += len(rows)
            yield out


def _group_ids(frame: pd.DataFrame, groups: dict) -> list[int]:
    keys = zip(*(frame[k].map(lambda v: tuple(v) if isinstance(v, list) else v) for k in GROUP_KEY))
    return [groups.setdefault(key, len(groups)) for key in keys]


def _copy_rows(conn, frame: pd.DataFrame) -> None:
    columns = list(frame.columns)
    geo = {"geom": 4326, "geom_3857": 3857}
    cols = ", ".join(columns)
    with conn.cursor().copy(f"COPY {FEATURES} ({cols}) FROM STDIN") as copy:
        for row in frame.itertuples(index=False):
            copy.write_row([_pg_value(c, v, geo) for c, v in zip(columns, row)])


def _pg_value(column: str, value, geo: dict):
    if column in geo:
        return f"SRID={geo[column]};{value}"
    if isinstance(value, float) and value != value:  # NaN: a missing status
        return None
    return value


def load_db(url: str, geojson_dir: Path, progress=print) -> dict:
    """Load every layer file of *geojson_dir* into *url*, and the targets and rename links of
    its data folder (tables replaced): {"features": count per layer, "targets": n, "links": n}.

    The files are read as they are (``python -m geo validate`` checks them; the ×1000
    benchmark files are over its size limit)."""
    from .validate import layer_files

    conn = connect(url)
    groups: dict[tuple, int] = {}
    counts: dict[str, int] = {}
    try:
        with conn.transaction():
            conn.execute(DDL)
            ord_ = 0
            for path in layer_files(geojson_dir):
                for frame in _batches(path, ord_):
                    frame.insert(2, "grp", _group_ids(frame, groups))
                    frame.insert(3, "rank", frame["id"].map(rank))
                    _copy_rows(conn, frame)
                    ord_ += len(frame)
                    counts[path.stem] = counts.get(path.stem, 0) + len(frame)
                progress(f"{path.stem}: {counts.get(path.stem, 0):,} features")
            conn.execute(INDEXES)
    finally:
        conn.close()
    return {"features": counts, **load_tables(url, Path(geojson_dir).parent)}


def load_tables(url: str, data_dir: Path) -> dict[str, int]:
    """The targets (targets.csv) and the period comparison's rename links (links.yaml) as
    tables ``plan_targets`` and ``plan_links``, through pandas and SQLAlchemy."""
    import yaml

    targets_file, links_file = data_dir / "targets.csv", data_dir / "links.yaml"
    targets = pd.read_csv(targets_file, dtype=str, keep_default_na=False) if targets_file.exists() else pd.DataFrame()
    raw = yaml.safe_load(links_file.read_text(encoding="utf-8")) if links_file.exists() else {}
    links = pd.DataFrame([{"from_id": r.get("from"), "to_id": r.get("to"), "note": r.get("note", ""),
                           "evidence": json.dumps(r.get("evidence") or [], ensure_ascii=False)}
                          for r in (raw or {}).get("renames") or []], columns=["from_id", "to_id", "note", "evidence"])
    eng = engine(url)
    try:
        with eng.begin() as conn:
            targets.to_sql("plan_targets", conn, if_exists="replace", index=False)
            links.to_sql("plan_links", conn, if_exists="replace", index=False)
    except Exception as exc:  # noqa: BLE001 - SQLAlchemy's errors name the driver, not the problem
        raise DatabaseError(f"cannot write the targets and links ({_safe(url)}): {str(exc).splitlines()[0]}") from None
    finally:
        eng.dispose()
    return {"targets": len(targets), "links": len(links)}
