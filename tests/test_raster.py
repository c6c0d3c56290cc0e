"""Dense layers as image tiles (layers/raster.py, layers/payload.py, server/data_route.py).

Which layers become tiles, what a tile shows (colour, dashes, nothing where nothing
is), what a click on tiles selects, the tile store, and the app in served mode
(AppTest).  The browser side is in tests/test_tiles_browser.py.
"""
from __future__ import annotations

import dataclasses
import io
import math
import re

import numpy as np
import pytest
import shapely
import streamlit as st
from conftest import ROOT, map_args
from PIL import Image
from streamlit.testing.v1 import AppTest

from geo.filters import Filters, apply
from geo.tiles import valid_tile
from layers import payload, raster
from server import data_route
from server.data_route import TileStore
from layers.map import draw_rank, drawn
from layers.raster import RasterSource, Shapes, pick, render_tile, to_mercator

TILE_URL = re.compile(r"/api/data/([0-9a-f]+)/\{z\}/\{x\}/\{y\}\.png")


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, float, float]:
    """XYZ tile of a point and the point's pixel in it."""
    n = 2**z
    fx = (lon + 180) / 360 * n
    fy = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int(fx), int(fy), (fx % 1) * 256, (fy % 1) * 256


def rgba(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def source_of(geoms: list, styles: list[dict], style: list[int] | None = None) -> RasterSource:
    ids = [f"f{i}" for i in range(len(geoms))]
    geom = to_mercator(np.array(geoms, dtype=object))
    kind = np.array([draw_rank(g.geom_type) for g in geom], dtype=np.int8)
    shapes = Shapes(dict(zip(ids, range(len(ids)))), geom, kind)
    return RasterSource.of(shapes, ids, style or [0] * len(ids), styles)


# --- which layers are tiles ----------------------------------------------------------

@pytest.mark.parametrize("counts, budget, tiled", [
    ({"projects": 50, "zones": 30, "districts": 6}, 100, set()),
    ({"projects": 548, "zones": 74, "transit": 98, "districts": 6}, 100, {"projects", "transit"}),
    ({"projects": 548, "zones": 74, "transit": 98, "districts": 6}, 10, {"projects", "transit", "zones"}),
    ({"projects": 5, "zones": 5}, 0, {"projects", "zones"}),
])
def test_the_largest_layers_become_tiles_until_the_rest_fit_the_budget(counts, budget, tiled):
    assert payload.raster_layers(counts, budget) == tiled


@pytest.fixture(scope="module")
def texts(frame, vocab):
    return payload.display_texts(frame, vocab, "zh", False)


def test_tiled_layers_travel_as_one_payload_of_ids_and_the_rest_as_geojson(frame, vocab, texts):
    shown = drawn(apply(frame, Filters(districts=("渝中区",))))  # the features with a symbol
    out = payload.layer_payloads(shown, texts, vocab, "zh", budget=100)
    tiles, vector = out[0], out[1:]
    assert tiles.layer == payload.TILED and tiles.data == b"" and not any(p.raster for p in vector)
    tiled_layers = {layer for layer, _ in tiles.raster}
    assert tiled_layers == payload.raster_layers(shown.groupby("layer").size().to_dict(), 100)
    tiled_ids = {i for _, ids in tiles.raster for i in ids}
    assert tiled_ids == set(shown.index[shown.layer.isin(tiled_layers)]) and tiles.features == len(tiled_ids)
    assert {p.layer for p in vector} == set(shown.layer) - tiled_layers
    # Under the budget nothing is tiled, and the default budget keeps the bundled data vector.
    assert not any(p.raster for p in payload.layer_payloads(shown, texts, vocab, "zh"))


def test_both_languages_draw_tiles_from_one_set_of_shapes(frame, vocab, texts):
    english = payload.display_texts(frame, vocab, "en", False)
    gcj = payload.display_texts(frame, vocab, "zh", True)
    assert english.shapes is texts.shapes and gcj.shapes is not texts.shapes


def test_the_tiled_source_keeps_each_layers_styles(frame, vocab, texts):
    out = payload.layer_payloads(frame, texts, vocab, "zh", budget=100)
    parts = [(layer, list(ids)) for layer, ids in out[0].raster]
    source = texts.raster_source(parts)
    assert source.ids == [i for _, ids in parts for i in ids]
    for n in (0, len(source) // 2, len(source) - 1):
        fid = source.ids[n]
        layer = frame.loc[fid, "layer"]
        assert source.styles[source.style[n]] == texts.styles[layer][texts.style[fid]]


def test_the_tiles_url_changes_with_their_styles(frame, vocab, texts):
    """Tiles are cached as immutable by URL: another look must be another URL."""
    restyled = dataclasses.replace(texts, styles={**texts.styles, "projects": [
        {**s, "color": "#000000"} for s in texts.styles["projects"]]})
    keys = [payload.layer_payloads(frame, t, vocab, "zh", budget=100)[0].key for t in (texts, restyled)]
    assert keys[0] != keys[1]


def test_on_amap_the_tiles_are_drawn_in_gcj02(frame, vocab, texts):
    gcj = payload.display_texts(frame, vocab, "zh", True)
    wgs_tiles, gcj_tiles = (payload.layer_payloads(frame, t, vocab, "zh", budget=100)[0] for t in (texts, gcj))
    assert wgs_tiles.raster == gcj_tiles.raster and wgs_tiles.key != gcj_tiles.key  # same ids, other tiles
    fid = "yz-jiefangbei"
    source = gcj.raster_source([(frame.loc[fid, "layer"], [fid])])
    shifted = to_mercator(np.array([frame.loc[fid, "geometry"]], dtype=object))[0].distance(source.geom[0])
    assert 400 < shifted < 700  # GCJ-02 moves 解放碑 ~500 m (Web Mercator metres run ~15 % long here)


# --- what a tile shows ---------------------------------------------------------------

def test_a_tile_draws_a_feature_in_its_colour_where_it_is(frame, vocab, texts):
    fid = "yz-jiefangbei"
    point = shapely.geometry.shape(texts.geometry[fid])
    source = texts.raster_source([(frame.loc[fid, "layer"], [fid])])
    x, y, px, py = tile_of(point.x, point.y, 16)
    image = rgba(render_tile(source, 16, x, y))
    assert image.shape == (256, 256, 4)
    style = texts.styles[frame.loc[fid, "layer"]][texts.style[fid]]
    # The marker's outline, in the feature's colour, at its radius (as Leaflet draws it).
    row = image[round(py)]
    ring = [int(row[round(px + style["radius"]) + d][3]) for d in (-1, 0, 1)]
    assert max(ring) > 200 and int(row[round(px + style["radius"]) + 3][3]) == 0
    edge = row[round(px + style["radius"]) + int(np.argmax(ring)) - 1]
    want = tuple(int(style["color"][i:i + 2], 16) for i in (1, 3, 5))
    assert np.abs(edge[:3].astype(int) - want).max() < 40
    assert image[int(py), (int(px) + 128) % 256][3] == 0  # transparent away from it
    assert render_tile(source, 16, x + 3, y) is None     # a tile with nothing on it


def test_dashed_styles_are_dashed_on_tiles():
    lon0, lat = 106.55, 29.55
    line = shapely.LineString([(lon0, lat), (lon0 + 0.004, lat)])
    style = {"color": "#d62728", "weight": 2}
    x, y, _, py = tile_of(lon0 + 0.002, lat, 16)

    def inked(**extra) -> int:
        image = rgba(render_tile(source_of([line], [{**style, **extra}]), 16, x, y))
        return int((image[int(py)][:, 3] > 128).sum())

    solid, dashed = inked(), inked(dashArray="4 8")  # round caps lengthen dashes, as on Leaflet's canvas
    assert solid > 100 and 0.3 < dashed / solid < 0.7


# --- clicks on tiles -------------------------------------------------------------------

def test_a_click_picks_what_is_drawn_on_top_under_it():
    area = shapely.box(106.54, 29.54, 106.56, 29.56)
    line = shapely.LineString([(106.54, 29.545), (106.56, 29.545)])
    point = shapely.Point(106.55, 29.55)
    styles = [{"color": "#111111", "weight": 2, "radius": 6}]
    source = source_of([area, line, point], styles)
    assert pick(source, 106.55, 29.55, 16) == "f2"        # the point over the area
    assert pick(source, 106.55, 29.545, 16) == "f1"       # the line over the area
    assert pick(source, 106.545, 29.555, 16) == "f0"      # inside the area only
    assert pick(source, 106.60, 29.60, 16) is None        # nothing there
    # 50 m from the point: a miss when zoomed in, a hit when zoomed out (~150 m per pixel)
    assert pick(source, 106.5505, 29.5504, 18) != "f2"
    assert pick(source, 106.5505, 29.5504, 10) == "f2"


# --- the tile store ----------------------------------------------------------------------

def test_tile_store_makes_a_source_once_and_draws_each_tile_once(monkeypatch):
    made, drawn = [], []
    monkeypatch.setattr(raster, "render_tile", lambda source, z, x, y: drawn.append((z, x, y)) or b"png")
    store = TileStore(limit_bytes=8)
    url = data_route.publish_tiles("k1", lambda: made.append(1) or "source", store)
    assert url == "/api/data/k1/{z}/{x}/{y}.png" and "k1" in store
    assert store.tile("k1", 1, 0, 0) == b"png" and store.tile("k1", 1, 0, 0) == b"png"
    assert made == [1] and drawn == [(1, 0, 0)]
    for x in range(1, 4):  # 3 bytes each: the oldest tile goes past 8 bytes
        store.tile("k1", 2, x, 0)
    assert store.size == 6 and store.tile("k1", 1, 0, 0) == b"png" and drawn.count((1, 0, 0)) == 2
    with pytest.raises(KeyError):
        store.tile("unknown", 1, 0, 0)


def test_a_tiled_layer_registered_by_one_process_is_drawn_by_another(tmp_path, frame):
    from views.data import tile_recipe

    ids = list(drawn(frame[frame.layer == "projects"]).index)
    spec = {"lang": "zh", "gcj": False, "raster": [["projects", ids]]}
    here, there = TileStore(shared=tmp_path), TileStore(shared=tmp_path)
    data_route.publish_tiles("0" * 24, tile_recipe(spec), here, spec=spec)
    z, x, y = 14, 13_042, 6_782  # 解放碑
    assert "0" * 24 not in there
    with pytest.raises(KeyError):  # without a way to make a recipe from the spec
        there.tile("0" * 24, z, x, y)
    there.rebuild = tile_recipe
    png = there.tile("0" * 24, z, x, y)
    assert png is not None and png == here.tile("0" * 24, z, x, y)
    with pytest.raises(KeyError):
        there.tile("1" * 24, z, x, y)


@pytest.mark.parametrize("z, x, y, ok", [(0, 0, 0, True), (3, 7, 7, True), (3, 8, 0, False), (-1, 0, 0, False),
                                         (25, 0, 0, False)])
def test_tile_coordinates_are_checked(z, x, y, ok):
    assert valid_tile(z, x, y) is ok


# --- the app in served mode ----------------------------------------------------------------

@pytest.fixture
def served_tiles(monkeypatch):
    monkeypatch.setattr(data_route, "_mounted", True)
    monkeypatch.setattr(payload, "VECTOR_BUDGET", 100)
    st.cache_resource.clear()  # payloads made under the default budget
    yield
    st.cache_resource.clear()


def test_served_app_draws_the_largest_layers_as_tiles_and_says_so(served_tiles, frame):
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120).run()
    assert not at.exception
    args = map_args(at)
    (key,) = TILE_URL.findall(args)
    source = data_route.TILES.source(key)
    shown = drawn(frame)
    tiled = set(shown.layer[shown.index.isin(source.ids)])
    assert tiled == payload.raster_layers(shown.groupby("layer").size().to_dict(), 100)
    assert set(source.ids) == set(shown.index[shown.layer.isin(tiled)])
    assert re.search(r'planmapFeatures\\?": %d\b' % len(source), args) and re.search(r'pane\\?": \\?"raster', args)
    assert any("以图片绘制" in c.value for c in at.caption)
    at.multiselect(key="w_layers").set_value(["stations", "business_districts"]).run()
    assert not TILE_URL.search(map_args(at))
    assert not any("以图片绘制" in c.value for c in at.caption)
