"""Where the views get features from: the questions the app asks of its data, answered by
the frame in memory (:class:`MemoryStore`, the bundled default, exactly as the app always
did) or by PostGIS (:class:`PostgisStore`, ``PLANMAP_DATABASE_URL``) without holding the
features in the app's process.

Every answer is small: a count, per-district counts, an extent, the rows of a few ids, a
list page, the features near a point, search hits.  What needs whole sets (the planner's
analyses, a download) asks :meth:`bounded`, which refuses past a limit (:class:`TooMany`).
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

import geopandas as gpd
import pandas as pd
import shapely

from . import reference
from .extent import Bounds, feature_extent, filter_extent, in_box
from .tiles import tile_bounds
from .mvt import BUFFER, EXTENT, NAME_ZOOM, TILE_LIMIT
from .filters import CONTEXT_LAYERS, Filters, apply, normalise, search
from .crs import METRIC
from .near import counts, district_at, metric_point, near, near_table
from .placement import badge_points
from .state import Known
from .vocab import DISTRICTS, Vocabulary
from .errors import DatabaseError
from .db import DRAWN, FEATURES, TILES

# Rows a PostGIS-mode list shows at most (a note asks to narrow the filter past it), and
# features a whole-set view (planner, present, targets, downloads) takes at most.
LIST_LIMIT = 500
BOUNDED_LIMIT = 20_000


class TooMany(Exception):
    """More features than a whole-set view takes: the user should narrow the filter."""

    def __init__(self, count: int, limit: int):
        super().__init__(f"{count:,} features, over the limit of {limit:,}")
        self.count, self.limit = count, limit


@dataclass(frozen=True)
class ListPage:
    rows: gpd.GeoDataFrame   # in the frame's order
    more: bool               # rows past the list's limit were left out


@dataclass(frozen=True)
class Near:
    table: pd.DataFrame      # geo.near.near's table (in PostGIS, the nearest rows of each group)
    counts: dict[str, int]   # features per group (geo.near.counts)
    more: bool               # rows past the list's limit were left out


def _wide(frame: pd.DataFrame) -> pd.DataFrame:
    """The plan features known only to their district (their district's badge counts them)."""
    return frame[(frame["precision"] == "district") & (frame["layer"] != "districts")]


class MemoryStore:
    """The frame in memory: every answer from it, as the views computed them before."""

    list_limit: int | None = None
    in_memory = True

    def __init__(self, frame: gpd.GeoDataFrame):
        self.frame = frame
        self._cache: OrderedDict = OrderedDict()
        self._badges: dict[str, tuple[float, float]] | None = None

    def _cached(self, key, make):
        if key not in self._cache:
            self._cache[key] = make()
            while len(self._cache) > 32:
                self._cache.popitem(last=False)
        self._cache.move_to_end(key)
        return self._cache[key]

    # The rows passing *filters* (shared; do not modify) and those that count as shown.
    def filtered(self, f: Filters) -> gpd.GeoDataFrame:
        return self._cached(("filtered", f), lambda: apply(self.frame, f))

    def counted(self, f: Filters) -> gpd.GeoDataFrame:
        return self._cached(("counted", f), lambda: (s := self.filtered(f))[s.layer != "districts"])

    def count(self, f: Filters) -> int:
        return len(self.counted(f))

    def district_counts(self, f: Filters) -> dict[str, int]:
        return _wide(self.counted(f)).groupby("district").size().to_dict()

    def badge_points(self) -> dict[str, tuple[float, float]]:
        """Where each district's badge goes (geo/placement.py), from every feature: once per
        process, kept apart from the per-filter cache, whose churn would drop it."""
        if self._badges is None:
            self._badges = badge_points(self.frame)
        return self._badges

    def extent(self, f: Filters) -> Bounds | None:
        return self._cached(("extent", f), lambda: filter_extent(self.filtered(f), f.districts))

    def feature_extent(self, fid: str) -> Bounds:
        return feature_extent(self.frame, fid)

    def has(self, fid: str | None) -> bool:
        return fid is not None and fid in self.frame.index

    def rows(self, ids: Iterable[str]) -> gpd.GeoDataFrame:
        return self.frame.loc[[i for i in ids if i in self.frame.index]]

    def layer_categories(self) -> list[tuple[str, str]]:
        return sorted(set(zip(self.frame["layer"], self.frame["category"])))

    def known(self, basemaps: tuple[str, ...]) -> Known:
        return Known.from_frame(self.frame, basemaps)

    def listing(self, f: Filters, scope: str, district: str | None, bounds: Bounds | None) -> ListPage:
        features = self.counted(f)
        if scope == "view":
            features = features[features["precision"] != "district"]
            features = in_box(features, bounds)
        elif scope == "district":
            features = _wide(features) if district is None else _wide(features)[lambda w: w["district"] == district]
        return ListPage(features, False)

    def near(self, f: Filters, lat: float, lon: float, radius_m: float, vocab: Vocabulary) -> Near:
        table = near(self.frame[self.frame.index.isin(self.counted(f).index)], lat, lon, radius_m, vocab)
        return Near(table, counts(table), False)

    def search(self, f: Filters, query: str, limit: int) -> pd.DataFrame:
        return search(self.filtered(f), query, limit=limit)

    def bounded(self, f: Filters | None = None, limit: int = BOUNDED_LIMIT) -> gpd.GeoDataFrame:
        """The whole frame (*f* None) or the counted rows of *f*: in memory there is no limit."""
        return self.frame if f is None else self.counted(f)


# --- PostGIS ------------------------------------------------------------------------------

ROW_COLUMNS = ("id", "name_zh", "name_en", "layer", "category", "themes", "periods", "district", "status",
               "sources", "targets", "precision", "basis", "role")


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class PostgisStore:
    """The same answers from PostGIS (tables of :mod:`geo.db`), nothing held but small caches."""

    list_limit: int | None = LIST_LIMIT
    in_memory = False

    def __init__(self, url: str):
        from psycopg_pool import ConnectionPool  # noqa: F401 - checked at start: a clear error if missing

        from .db import _libpq, connect

        # A DatabaseError now, not in the middle of a view (and before a pool is opened)
        with connect(url) as conn:
            features, tiles = conn.execute(
                "SELECT to_regclass(%s) IS NOT NULL, "
                "EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attname = 'ord')",
                (FEATURES, TILES)).fetchone()
        if not features:
            raise DatabaseError("the database holds no plan features: run `python -m geo load-db` first")
        if not tiles:  # loaded by an older version (no tiles table, or tiles without the names' order)
            raise DatabaseError("the database's map tiles are from an older version: run `python -m geo load-db` again")
        # No server-side prepared statements: after five runs psycopg would prepare a query, and
        # PostgreSQL's generic plan for it ignores the tile's box (×1000: a view's tiles in 4.0 s
        # instead of 0.5 s).
        self.pool = ConnectionPool(_libpq(url), min_size=1, max_size=4,
                                   kwargs={"autocommit": True, "prepare_threshold": None}, open=True)
        self._groups_cache: OrderedDict = OrderedDict()
        # what was loaded: names the tiles of a load (their URLs are cached as immutable)
        self.version = self._all("SELECT md5(string_agg(grp || ':' || n, ',' ORDER BY grp)) FROM plan_groups")[0][0]

    def outlines(self, f: Filters) -> int:
        """The district outlines shown (they are drawn, but not counted as features)."""
        return int(self._all("SELECT coalesce(sum(n), 0) FROM plan_groups WHERE grp = ANY(%s) AND layer = 'districts'",
                             (self._groups(f),))[0][0])

    def _all(self, sql: str, params=None) -> list[tuple]:
        with self.pool.connection() as conn:
            return conn.execute(sql, params).fetchall()

    # The filter, in two steps: the groups it keeps (plan_groups: a few hundred rows), then,
    # with a query, the features of those groups that match it.
    def _groups(self, f: Filters) -> list[int]:
        key = (f.districts, f.periods, f.themes, f.layers, f.categories, f.statuses)
        if key not in self._groups_cache:
            rest = ["true"]
            if f.districts:
                rest.append("district = ANY(%(districts)s)")
            if f.periods:
                rest.append("coalesce(periods && %(periods)s::text[], false)")
            if f.themes:
                rest.append("coalesce(themes && %(themes)s::text[], false)")
            if f.categories:
                rest.append("category = ANY(%(categories)s)")
            if f.statuses:
                rest.append("coalesce(status = ANY(%(statuses)s), false)")
            where = f"(layer = ANY(%(context)s) OR ({' AND '.join(rest)}))"
            if f.layers:
                where += " AND layer = ANY(%(layers)s)"
            params = {"districts": list(f.districts), "periods": list(f.periods), "themes": list(f.themes),
                      "categories": list(f.categories), "statuses": list(f.statuses), "layers": list(f.layers),
                      "context": list(CONTEXT_LAYERS)}
            self._groups_cache[key] = [r[0] for r in self._all(f"SELECT grp FROM plan_groups WHERE {where}", params)]
            while len(self._groups_cache) > 64:
                self._groups_cache.popitem(last=False)
        return self._groups_cache[key]

    @staticmethod
    def _match(query: str) -> tuple[str, str, dict]:
        """(SQL condition, SQL rank 0–5, params) of :func:`geo.filters.search` for *query*."""
        q = normalise(query)
        qc = q.replace(" ", "")
        params = {"q": q, "q_in": f"%{_like(q)}%", "q_start": f"{_like(q)}%", "qc_in": f"%{_like(qc)}%",
                  "qc_start": f"{_like(qc)}%", "initials": qc.isascii() and len(qc) >= 2}
        levels = ["s_name = %(q)s", "s_name LIKE %(q_start)s", "s_name LIKE %(q_in)s", "s_name_en LIKE %(q_in)s",
                  "(s_pinyin LIKE %(qc_in)s OR (%(initials)s AND s_initials LIKE %(qc_start)s))",
                  "s_quotes LIKE %(q_in)s"]
        # The trigram index finds candidates: each level's text is part of the indexed document.
        doc = "(s_name || ' ' || s_name_en || ' ' || s_pinyin || ' ' || s_initials || ' ' || s_quotes)"
        cond = f"(({doc} LIKE %(q_in)s OR {doc} LIKE %(qc_in)s) AND ({' OR '.join(levels)}))"
        rank = "CASE " + " ".join(f"WHEN {c} THEN {i}" for i, c in enumerate(levels)) + " ELSE 99 END"
        return cond, rank, params

    def _where(self, f: Filters, counted: bool = True) -> tuple[str, dict]:
        """The SQL condition on plan_features of the rows passing *f* (*counted*: not the districts)."""
        where, params = "grp = ANY(%(gids)s)", {"gids": self._groups(f), "context": list(CONTEXT_LAYERS)}
        if f.query.strip():
            cond, _, match = self._match(f.query)
            where += f" AND (layer = ANY(%(context)s) OR {cond})"
            params |= match
        if counted:
            where += " AND layer <> 'districts'"
        return where, params

    def _tile_where(self, f: Filters) -> tuple[str, dict]:
        """The SQL condition on plan_tiles of the rows passing *f*: a query is matched in
        plan_features, which holds the search text."""
        # The groups as a bit mask rather than ``grp = ANY(array)``: planning that against the
        # column's statistics took ~14 ms a tile with a few hundred groups, longer than cutting
        # most tiles.  The cast to boolean makes it a function call to the planner, which it
        # guesses keeps a third of the rows (an equality it would guess at 0.5 %, and then walk
        # a crowded tile's whole box instead of its features in rank order).
        gids = self._groups(f)
        mask = bytearray(max(gids, default=0) // 8 + 1)
        for gid in gids:
            mask[gid // 8] |= 1 << gid % 8  # get_bit's order: bit 0 is the low bit of byte 0
        where, params = "grp < %(bits)s AND get_bit(%(mask)s, grp)::boolean", {"mask": bytes(mask), "bits": 8 * len(mask)}
        if f.query.strip():
            cond, _, params_q = self._match(f.query)
            where += f" AND (layer = ANY(%(context)s) OR id IN (SELECT id FROM {FEATURES} WHERE {cond}))"
            params |= params_q | {"context": list(CONTEXT_LAYERS)}
        return where, params

    def _frame(self, where: str, params: dict, order: str = "ord", limit: int | None = None,
               extra: str = "") -> gpd.GeoDataFrame:
        cols = ", ".join(ROW_COLUMNS)
        sql = f"SELECT {cols}{extra}, ST_AsBinary(geom) AS wkb FROM plan_features WHERE {where} ORDER BY {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self.pool.connection() as conn:
            cur = conn.execute(sql, params)
            names = [d.name for d in cur.description]
            rows = cur.fetchall()
        data = pd.DataFrame(rows, columns=names)
        geometry = shapely.from_wkb([bytes(b) for b in data.pop("wkb")]) if len(data) else []
        frame = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geometry, index=data.index), crs=4326)
        frame["status"] = frame["status"].astype(object).where(frame["status"].notna(), float("nan"))
        return frame.set_index("id", drop=False)

    def count(self, f: Filters) -> int:
        if not f.query.strip():
            (n,) = self._all("SELECT coalesce(sum(n), 0) FROM plan_groups WHERE grp = ANY(%s) AND layer <> 'districts'",
                             (self._groups(f),))[0]
            return int(n)
        where, params = self._where(f)
        return int(self._all(f"SELECT count(*) FROM plan_features WHERE {where}", params)[0][0])

    def badge_points(self) -> dict[str, tuple[float, float]]:
        """None chosen: the badges go to the districts' label points (placing them from
        every feature would read the whole table)."""
        return {}

    def district_counts(self, f: Filters) -> dict[str, int]:
        wide = "precision = 'district' AND layer <> 'districts'"
        if not f.query.strip():
            rows = self._all(f"SELECT district, sum(n) FROM plan_groups WHERE grp = ANY(%s) AND {wide} GROUP BY 1",
                             (self._groups(f),))
        else:
            where, params = self._where(f)
            rows = self._all(f"SELECT district, count(*) FROM plan_features WHERE {where} AND {wide} GROUP BY 1", params)
        return {d: int(n) for d, n in sorted(rows)}

    def extent(self, f: Filters) -> Bounds | None:
        """:func:`geo.extent.filter_extent` from the groups' boxes (with a query, the rows')."""
        if f.districts:  # the districts' frame: what is shown inside it is cut at its edge
            shapes = reference.district_shapes()
            return tuple(float(v) for v in shapely.GeometryCollection([shapes[d] for d in f.districts]).bounds)
        if f.query.strip():
            where, params = self._where(f, counted=False)
            source = (f"(SELECT layer, precision, ST_XMin(geom) west, ST_YMin(geom) south, ST_XMax(geom) east, "
                      f"ST_YMax(geom) north FROM plan_features WHERE {where}) s")
        else:
            source, params = "(SELECT * FROM plan_groups WHERE grp = ANY(%(gids)s)) s", {"gids": self._groups(f)}
        rows = self._all(f"SELECT layer = 'districts', precision, min(west), min(south), max(east), max(north) "
                         f"FROM {source} GROUP BY 1, 2", params)
        plan = [r for r in rows if not r[0] and r[1] != "district"]
        placed = [r for r in plan if r[1] != "schematic"] or plan or [r for r in rows if r[0]]
        if not placed:
            return None
        return (min(r[2] for r in placed), min(r[3] for r in placed), max(r[4] for r in placed),
                max(r[5] for r in placed))

    def feature_extent(self, fid: str) -> Bounds:
        return feature_extent(self.rows([fid]), fid)

    def has(self, fid: str | None) -> bool:
        return fid is not None and bool(self._all("SELECT 1 FROM plan_features WHERE id = %s", (fid,)))

    def rows(self, ids: Iterable[str]) -> gpd.GeoDataFrame:
        return self._frame("id = ANY(%(ids)s)", {"ids": list(ids)})

    def layer_categories(self) -> list[tuple[str, str]]:
        return sorted(set(self._all("SELECT DISTINCT layer, category FROM plan_groups")))

    def known(self, basemaps: tuple[str, ...]) -> Known:
        rows = self._all("SELECT layer, category, status, themes, periods FROM plan_groups")
        return Known(districts=frozenset(DISTRICTS), periods=frozenset(p for r in rows for p in r[4] or ()),
                     themes=frozenset(x for r in rows for x in r[3] or ()), layers=frozenset(r[0] for r in rows),
                     categories=frozenset(r[1] for r in rows), statuses=frozenset(r[2] for r in rows if r[2]),
                     ids=_Ids(self), basemaps=tuple(basemaps))

    def listing(self, f: Filters, scope: str, district: str | None, bounds: Bounds | None) -> ListPage:
        where, params = self._where(f)
        if scope == "view":
            where += " AND precision <> 'district'"
            if bounds:
                where += " AND ST_Intersects(geom, ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4326))"
                params |= dict(zip("wsen", bounds))
        elif scope == "district":
            where += " AND precision = 'district'"
            if district is not None:
                where += " AND district = %(district)s"
                params["district"] = district
        rows = self._frame(where, params, limit=self.list_limit + 1)
        return ListPage(rows.iloc[:self.list_limit], len(rows) > self.list_limit)

    def near(self, f: Filters, lat: float, lon: float, radius_m: float, vocab: Vocabulary) -> Near:
        """:func:`geo.near.near` in SQL: a box around the point (GiST), then the exact distance
        in the same metric projection; the nearest :attr:`list_limit` rows, every group counted,
        the district-wide items only counted (the panel lists none of them)."""
        where, params = self._where(f)
        centre = metric_point(lat, lon)
        box = shapely.box(centre.x - radius_m, centre.y - radius_m, centre.x + radius_m, centre.y + radius_m)
        west, south, east, north = gpd.GeoSeries([box], crs=METRIC).to_crs(4326).total_bounds
        params |= {"x": centre.x, "y": centre.y, "r": radius_m, "epsg": int(METRIC.split(":")[1]),
                   "w": west - 0.001, "s": south - 0.001, "e": east + 0.001, "n": north + 0.001}
        metric, point = "ST_Transform(geom, %(epsg)s)", "ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), %(epsg)s)"
        # One pass over the features in the circle (each distance computed once): its groups'
        # counts and the nearest 2 × list_limit, the nearest first, ties by name as geo.near does.
        inside = (f"{where} AND precision <> 'district' AND geom && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4326) "
                  f"AND ST_DWithin({metric}, {point}, %(r)s)")
        params["limit"] = 2 * self.list_limit
        nearest = self._all(  # (the window counts are taken over every row, before the limit)
            f"SELECT id, d, count(*) FILTER (WHERE located) OVER (), count(*) FILTER (WHERE NOT located) OVER () "
            f"FROM (SELECT id, name_zh, precision IN ('exact', 'street') AS located, ST_Distance({metric}, {point}) AS d "
            f"FROM plan_features WHERE {inside}) c ORDER BY d, name_zh LIMIT %(limit)s", params)
        n_located, n_approx = nearest[0][2:] if nearest else (0, 0)
        distance = {fid: d for fid, d, _, _ in nearest}
        located = self._frame("id = ANY(%(ids)s)", {"ids": list(distance)})
        located = located.assign(distance_m=pd.Series(distance).reindex(located.index).round().astype(int))
        located = located.loc[list(distance)]  # the nearest first
        table = near_table(located, None, vocab)
        table = pd.concat([table[table["group"] == g].head(self.list_limit) for g in ("located", "approximate")])
        district = district_at(lat, lon)
        wide = self.district_counts(f).get(district, 0) if district else 0
        counts = {"located": int(n_located), "approximate": int(n_approx), "district": wide}
        return Near(table, counts, any(counts[g] > self.list_limit for g in ("located", "approximate")))

    def search(self, f: Filters, query: str, limit: int) -> pd.DataFrame:
        if not normalise(query):
            return self._frame("false", {}).assign(match=pd.Series(dtype=str))
        where, params = self._where(f, counted=False)
        cond, rank, match = self._match(query)
        hits = self._frame(f"{where} AND {cond}", params | match, order=f"{rank}, ord", limit=limit,
                           extra=f", {rank} AS level")
        labels = ["name", "name", "name", "name_en", "pinyin", "quote"]
        return hits.assign(match=hits.pop("level").map(lambda i: labels[i]))

    def bounded(self, f: Filters | None = None, limit: int = BOUNDED_LIMIT) -> gpd.GeoDataFrame:
        """Every feature (*f* None) or the counted rows of *f*, if no more than *limit*; else TooMany."""
        n = self.count(f or Filters()) + (len(DISTRICTS) if f is None else 0)
        if n > limit:
            raise TooMany(n, limit)
        if f is None:
            return self._frame("true", {})
        where, params = self._where(f)
        return self._frame(where, params)

    # --- vector tiles -------------------------------------------------------------------
    def tile(self, z: int, x: int, y: int, f: Filters, crs: str, layers: tuple[str, ...]) -> bytes:
        """The Mapbox Vector Tile of the features of *f* drawn in tile z/x/y: one MVT layer per
        plan layer, attributes ``id name_zh name_en layer themes precision`` and from
        NAME_ZOOM ``ord`` (the tile contract of the in-process encoder).  On GCJ-02 basemaps the tile's features are
        shifted by the GCJ-02 offset at the tile's centre (it varies by metres over a tile)."""
        where, params = self._tile_where(f)
        dx, dy = _gcj_shift(z, x, y) if crs == "gcj02" else (0.0, 0.0)
        west, south, east, north = tile_bounds(z, x, y)
        # the features in the tile's buffer too (a marker on an edge is drawn by both tiles)
        pad = BUFFER / EXTENT * (east - west) + abs(dx) + abs(dy) + 1
        params |= {"z": z, "x": x, "y": y, "dx": dx, "dy": dy, "limit": TILE_LIMIT, "pad": pad,
                   "bw": west - pad, "bs": south - pad, "be": east + pad, "bn": north + pad}
        rows = (f"SELECT id, name_zh, name_en, layer, themes, precision{', ord' if z >= NAME_ZOOM else ''}, "
                f"ST_AsMVTGeom(ST_Translate(geom_3857, %(dx)s, %(dy)s), env, {EXTENT}, {BUFFER}, true) AS g "
                f"FROM {TILES}, env WHERE x1 >= %(bw)s AND x0 <= %(be)s AND y1 >= %(bs)s AND y0 <= %(bn)s "
                f"AND geom_3857 && ST_Expand(env, %(pad)s) AND {where} ORDER BY rank LIMIT %(limit)s")
        parts = " || ".join(f"coalesce((SELECT ST_AsMVT(r, '{layer}', {EXTENT}, 'g') FROM rows r "
                            f"WHERE layer = '{layer}' AND g IS NOT NULL), ''::bytea)" for layer in layers)
        sql = f"WITH env AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env), rows AS ({rows}) SELECT {parts}"
        return bytes(self._all(sql, params)[0][0])

    def drawn_counts(self, f: Filters) -> tuple[int, int]:
        """(features of *f* drawn with a symbol of their own, district outlines included;
        schematic features, drawn as the plan's structure): what the map's tiles draw."""
        structure = "precision = 'schematic' AND layer <> 'districts'"
        symbol = f"{DRAWN} AND NOT ({structure})"
        if not f.query.strip():  # summed over the filter's groups
            sql, params, n = "FROM plan_groups WHERE grp = ANY(%(gids)s)", {"gids": self._groups(f)}, "sum(n)"
        else:
            where, params = self._where(f, counted=False)
            sql, n = f"FROM plan_features WHERE {where}", "count(*)"
        row = self._all(f"SELECT {n} FILTER (WHERE {symbol}), {n} FILTER (WHERE {structure}) {sql}", params)[0]
        return int(row[0] or 0), int(row[1] or 0)


@dataclass(frozen=True)
class PostgisTiles:
    """The tiles of a filter cut by the database: a :class:`geo.mvt.TileSource` like the
    in-process one, so the app's tile route serves both."""

    store: PostgisStore
    filters: Filters
    crs: str
    layers: tuple[str, ...]

    def tile(self, z: int, x: int, y: int) -> bytes:
        return self.store.tile(z, x, y, self.filters, self.crs, self.layers)


class _Ids:
    """Known.ids for a store in the database: membership asked of it."""

    def __init__(self, store: PostgisStore):
        self.store = store

    def __contains__(self, fid) -> bool:
        return isinstance(fid, str) and self.store.has(fid)


@lru_cache(maxsize=4096)
def _gcj_shift(z: int, x: int, y: int) -> tuple[float, float]:
    """Web-Mercator metres the GCJ-02 offset moves the centre of tile z/x/y by."""
    from pyproj import Transformer

    from .crs import wgs84_to_gcj02

    west, south, east, north = tile_bounds(z, x, y)  # Web-Mercator metres
    to_3857 = Transformer.from_crs(4326, 3857, always_xy=True)
    lon, lat = to_3857.transform((west + east) / 2, (south + north) / 2, direction="INVERSE")
    glon, glat = wgs84_to_gcj02(lon, lat)
    gx, gy = to_3857.transform(glon, glat)
    return gx - (west + east) / 2, gy - (south + north) / 2
