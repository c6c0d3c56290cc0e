"""PostGIS as the backend (geo/db.py, geo.store.PostgisStore) agrees with the memory path.

Needs a PostGIS database the tests may fill: PLANMAP_TEST_DATABASE_URL (skipped without
it, except under CI=true, where .ci/run starts one).
"""
from __future__ import annotations

import random
import subprocess
import sys

import pandas as pd
import pytest

from conftest import ROOT, needs_test_database
from geo import mvt
from geo.filters import Filters, pinyin_forms

URL = needs_test_database()

COMBINATIONS = 240


def load_db_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geo", "load-db", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def stores(frame):
    from geo.store import MemoryStore, PostgisStore

    done = load_db_cli("--url", URL)
    assert done.returncode == 0, done.stderr
    postgis = PostgisStore(URL)
    postgis.list_limit = len(frame) + 1  # the whole list, to compare
    return MemoryStore(frame), postgis


def random_filters(frame, rng: random.Random) -> Filters:
    """0–2 values of each filter, drawn from what the data holds; a query one time in four."""
    def some(values) -> tuple[str, ...]:
        values = sorted(set(values))
        return tuple(rng.sample(values, rng.choice((0, 0, 1, 2))))

    query = ""
    if rng.random() < 0.25:
        row = frame.iloc[rng.randrange(len(frame))]
        quote = (row["sources"] or [{}])[0].get("quote", "")
        query = rng.choice([row["name_zh"][:2], row["name_zh"], pinyin_forms(row["name_zh"])[1][:3],
                            (row["name_en"] or "")[:5], quote[3:8]])
    return Filters(districts=some(frame["district"]), periods=some(p for v in frame["periods"] for p in v),
                   themes=some(t for v in frame["themes"] for t in v), layers=some(frame["layer"]),
                   categories=some(frame["category"]), statuses=some(frame["status"].dropna()), query=query)


def test_random_filters_give_the_same_features_in_memory_and_in_postgis(frame, stores):
    memory, postgis = stores
    rng, seen_nonempty = random.Random(14), 0
    for _ in range(COMBINATIONS):
        f = random_filters(frame, rng)
        want = memory.listing(f, "all", None, None).rows
        got = postgis.listing(f, "all", None, None).rows
        assert list(got["id"]) == list(want["id"]), f  # same ids, same order
        assert postgis.count(f) == memory.count(f), f
        assert postgis.district_counts(f) == memory.district_counts(f), f
        seen_nonempty += bool(len(want))
    assert seen_nonempty > COMBINATIONS // 4  # the draws are not all empty


@pytest.mark.parametrize("query", ["解放碑", "jiefangbei", "jfb", "Chaotianmen", "大渡口", "轨道交通", "重钢", "xyz-nothing"])
def test_search_ranks_alike(stores, query):
    memory, postgis = stores
    want = memory.search(Filters(), query, limit=20)
    got = postgis.search(Filters(), query, limit=20)
    assert list(got["id"]) == list(want["id"]) and list(got["match"]) == list(want["match"])


def test_load_db_is_idempotent_and_says_what_it_loaded(frame, stores):
    first, second = load_db_cli("--url", URL), load_db_cli("--url", URL)
    assert first.returncode == second.returncode == 0
    summary = lambda out: out.strip().splitlines()[-1].split(" in ")[0]  # noqa: E731 - the counts, not the seconds
    assert summary(first.stdout) == summary(second.stdout)
    assert summary(first.stdout).startswith(f"loaded {len(frame):,} features")
    from geo.db import connect

    with connect(URL) as conn:
        n = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("plan_features", "plan_targets", "plan_links")}
    assert n["plan_features"] == len(frame) and n["plan_targets"] > 0 and n["plan_links"] > 0


@pytest.mark.parametrize("url", ["postgresql://planmap:wrong@127.0.0.1:5432/planmap_test",
                                 "postgresql://nobody@127.0.0.1:1/nothing", "not a url"])
def test_a_bad_database_is_one_clear_line(url):
    done = load_db_cli("--url", url)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and done.stderr.startswith("load-db: cannot reach the database")
    assert "wrong" not in done.stderr  # the password is not repeated


def test_tiles_hold_the_features_of_their_place(frame, stores):
    import mapbox_vector_tile

    _, postgis = stores
    row = frame.loc["yz-jiefangbei"] if "yz-jiefangbei" in frame.index else frame[frame.layer == "projects"].iloc[0]
    from geo.tiles import tile_xy

    x, y = tile_xy(row.geometry.centroid.x, row.geometry.centroid.y, mvt.NAME_ZOOM)
    tile = mapbox_vector_tile.decode(postgis.tile(mvt.NAME_ZOOM, x, y, Filters(), "wgs84", ("projects",)))
    ids = {f["properties"]["id"] for layer in tile.values() for f in layer["features"]}
    assert row["id"] in ids
    assert set(tile) <= {"projects"}
    # the contract's attributes, as the in-process encoder gives them (ord: the frame's order)
    for f in tile["projects"]["features"]:
        fid = f["properties"]["id"]
        r = frame.loc[fid]
        assert f["properties"] == mvt.attributes(fid, r["name_zh"], r["name_en"], r["layer"], r["themes"],
                                                 r["precision"], frame.index.get_loc(fid))
    x, y = tile_xy(row.geometry.centroid.x, row.geometry.centroid.y, mvt.NAME_ZOOM - 1)
    tile = mapbox_vector_tile.decode(postgis.tile(mvt.NAME_ZOOM - 1, x, y, Filters(), "wgs84", ("projects",)))
    assert all(set(f["properties"]) == set(mvt.ATTRIBUTES) - {"ord"} for f in tile["projects"]["features"])


def test_a_database_loaded_by_an_older_version_asks_for_a_new_load(stores):
    import psycopg

    from geo.store import DatabaseError, PostgisStore

    with psycopg.connect(URL, autocommit=True) as conn:
        conn.execute("ALTER TABLE plan_tiles RENAME COLUMN ord TO ord_old")  # as the last version loaded it
        try:
            with pytest.raises(DatabaseError, match="older version: run `python -m geo load-db` again"):
                PostgisStore(URL)
        finally:
            conn.execute("ALTER TABLE plan_tiles RENAME COLUMN ord_old TO ord")


def drawn_in_tile(frame, z: int, x: int, y: int) -> set[str]:
    """The ids of *frame* a tile draws, worked out here with shapely: every feature but those
    located only to their district, whose Web-Mercator geometry meets the tile and its buffer."""
    import shapely

    from geo.mvt import BUFFER, EXTENT, to_mercator
    from geo.tiles import tile_bounds

    drawn = frame[(frame["precision"] != "district") | (frame["layer"] == "districts")]
    west, south, east, north = tile_bounds(z, x, y)
    pad = BUFFER / EXTENT * (east - west)
    hit = shapely.intersects(to_mercator(drawn.geometry.values), shapely.box(west - pad, south - pad, east + pad, north + pad))
    return set(drawn["id"][hit])


def tile_ids(data: bytes) -> set[str]:
    import mapbox_vector_tile

    return {f["properties"]["id"] for layer in mapbox_vector_tile.decode(data).values() for f in layer["features"]}


def test_database_tiles_draw_what_the_filter_keeps_in_their_box_and_buffer(frame, stores):
    """Random filters, queries included, on tiles from district to street zoom over both
    districts: the database's tiles hold exactly the features the memory path keeps there."""
    from geo.tiles import tile_xy
    from layers.map import LAYER_ORDER

    memory, postgis = stores
    rng, places = random.Random(140), [(106.5770, 29.5583), (106.47431, 29.48445), (106.53, 29.53)]
    checked = 0
    for _ in range(30):
        f = random_filters(frame, rng)
        keep = memory.filtered(f)
        for z in (11, 13, 15):
            lon, lat = rng.choice(places)
            x, y = tile_xy(lon, lat, z)
            want = drawn_in_tile(keep, z, x, y)
            got = tile_ids(postgis.tile(z, x, y, f, "wgs84", tuple(LAYER_ORDER)))
            assert got == want, (f, z, x, y, sorted(want ^ got)[:5])
            checked += bool(want)
    assert checked > 30  # most tiles hold something


def test_near_here_lists_and_counts_alike(frame, stores, vocab):
    """Near-here in SQL (ST_DWithin in UTM 48N) gives the memory path's rows, distances in
    whole metres, groups and counts, over random filters, places and radii."""
    memory, postgis = stores
    rng = random.Random(141)
    places = [(29.5583, 106.5770), (29.48445, 106.47431), (29.5575, 106.5772), (29.53, 106.53), (29.40, 106.49)]
    nonempty = 0
    themes = sorted({t for v in frame["themes"] for t in v})
    for k in range(30):  # every other one a broad filter (one theme or none), the rest random
        f = random_filters(frame, rng) if k % 2 else Filters(themes=tuple(rng.sample(themes, rng.choice((0, 1)))))
        (lat, lon), radius = rng.choice(places), rng.choice((300, 500, 1000))
        want, got = memory.near(f, lat, lon, radius, vocab), postgis.near(f, lat, lon, radius, vocab)
        assert got.counts == want.counts, (f, lat, lon, radius)
        rows = lambda t: [(r.id, r.group, None if pd.isna(r.distance_m) else int(r.distance_m))  # noqa: E731
                          for r in t.itertuples() if r.group != "district"]  # (the panel lists none of those)
        assert rows(got.table) == rows(want.table), (f, lat, lon, radius)
        nonempty += bool(len(want.table))
    assert nonempty > 10


def test_drawn_counts_are_what_the_map_draws(frame, stores):
    """The tiled layer's counts (the layer control's number, the benchmark's wait): features
    with a symbol (district outlines included) and schematic ones, as layers.style classes them."""
    from layers.style import draw_class

    memory, postgis = stores
    rng = random.Random(142)
    for _ in range(60):
        f = random_filters(frame, rng)
        kinds = [draw_class(layer, p) for layer, p in zip(memory.filtered(f)["layer"], memory.filtered(f)["precision"])]
        want = (sum(k in ("precise", "approx", "outline") for k in kinds), kinds.count("structure"))
        assert postgis.drawn_counts(f) == want, f
