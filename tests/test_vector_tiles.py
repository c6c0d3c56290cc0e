"""Dense layers as Mapbox Vector Tiles (geo/mvt.py, layers/payload.py, server/data_route.py).

Which layers become tiles; what a tile holds (decoded with mapbox-vector-tile): the right
features in the right tile, their attributes, GCJ-02 on AMap, clipping and
simplification; the style table the browser styles them with; the tile store; and the
app in served mode (AppTest).  The browser side and the route are in
tests/test_tiles_browser.py.
"""
from __future__ import annotations

import dataclasses
import re

import mapbox_vector_tile
import numpy as np
import pytest
import shapely
import streamlit as st
from conftest import ROOT, map_args
from pyproj import Transformer
from streamlit.testing.v1 import AppTest

from geo import mvt
from geo.filters import Filters, apply
from geo.tiles import tile_bounds, tile_xy, valid_tile
from layers import payload
from layers.map import build_base_map, drawn
from layers.style import COLOUR_SLOT, feature_style, tile_style_table
from server import data_route
from server.data_route import TileStore

TILE_URL = re.compile(r"/api/data/([0-9a-f]+)/\{z\}/\{x\}/\{y\}\.mvt")
TILES_CALL = re.compile(r"planmapTiles\(feature_group_\w+, ")  # a PlanTiles on the map


def decode(data: bytes, z: int, x: int, y: int) -> dict[str, list[dict]]:
    """Features by MVT layer, each with its attributes and its geometry back in Web Mercator metres."""
    west, south, east, north = tile_bounds(z, x, y)
    scale = (east - west) / mvt.EXTENT
    out = {}
    for name, layer in mapbox_vector_tile.decode(data).items():  # (y up, as quantised)
        assert layer["extent"] == mvt.EXTENT
        out[name] = [{**f["properties"], "geometry": shapely.transform(
            shapely.geometry.shape(f["geometry"]), lambda xy: np.column_stack([west + xy[:, 0] * scale,
                                                                               south + xy[:, 1] * scale]))}
            for f in layer["features"]]
    return out


def source_of(geoms: list, layer: str = "projects") -> mvt.MemoryTileSource:
    attrs = [mvt.attributes(f"f{i}", f"名{i}", None, layer, ["transport"], "exact", i) for i in range(len(geoms))]
    return mvt.MemoryTileSource([layer] * len(geoms), mvt.to_mercator(geoms), attrs)


# --- which layers are tiles ----------------------------------------------------------

@pytest.mark.parametrize("counts, budget, tiled", [
    ({"projects": 50, "zones": 30, "districts": 6}, 100, set()),
    ({"projects": 548, "zones": 74, "transit": 98, "districts": 6}, 100, {"projects", "transit"}),
    ({"projects": 548, "zones": 74, "transit": 98, "districts": 6}, 10, {"projects", "transit", "zones"}),
    ({"projects": 5, "zones": 5}, 0, {"projects", "zones"}),
])
def test_the_largest_layers_become_tiles_until_the_rest_fit_the_budget(counts, budget, tiled):
    assert payload.tiled_layers(counts, budget) == tiled


@pytest.fixture(scope="module")
def texts(frame, vocab):
    return payload.display_texts(frame, vocab, "zh", False)


@pytest.fixture(scope="module")
def gcj(frame, vocab):
    return payload.display_texts(frame, vocab, "zh", True)


def test_tiled_layers_travel_as_one_payload_of_ids_and_the_rest_as_geojson(frame, vocab, texts):
    shown = drawn(apply(frame, Filters(districts=("渝中区",))))  # the features with a symbol
    out = payload.layer_payloads(shown, texts, vocab, "zh", budget=100)
    tiles, vector = out[0], out[1:]
    assert tiles.layer == payload.TILED and tiles.data == b"" and not any(p.tiles for p in vector)
    tiled_layers = {layer for layer, _ in tiles.tiles}
    assert tiled_layers == payload.tiled_layers(shown.groupby("layer").size().to_dict(), 100)
    tiled_ids = [i for _, ids in tiles.tiles for i in ids]
    assert set(tiled_ids) == set(shown.index[shown.layer.isin(tiled_layers)]) and tiles.features == len(tiled_ids)
    assert {p.layer for p in vector} == set(shown.layer) - tiled_layers
    # Schematic features go to the fading plan-structure pane, the rest over the vector layers.
    structure = sum(texts.kind[i] == "structure" for i in tiled_ids)
    assert dict((pane, n) for pane, _, n in tiles.tile_grids) == {"structure": structure,
                                                                  "planmap-tiles": len(tiled_ids) - structure}
    # Under the budget nothing is tiled, and the default budget keeps the bundled data vector.
    assert not any(p.tiles for p in payload.layer_payloads(shown, texts, vocab, "zh"))


def test_both_languages_tile_one_set_of_shapes(frame, vocab, texts, gcj):
    english = payload.display_texts(frame, vocab, "en", False)
    assert english.shapes is texts.shapes and gcj.shapes is not texts.shapes


def test_the_tiles_url_changes_with_what_they_show(frame, vocab, texts, gcj):
    """Tiles are cached as immutable by URL: other features, places or names must be another URL."""
    key = lambda t, shown=frame: payload.layer_payloads(shown, t, vocab, "zh", budget=100)[0].key  # noqa: E731
    fid = "yz-jiefangbei"
    renamed = dataclasses.replace(texts, attrs={**texts.attrs, fid: {**texts.attrs[fid], "name_zh": "改"}})
    keys = [key(texts), key(texts, frame.drop(index=fid)), key(gcj), key(renamed)]
    assert len(set(keys)) == 4 and key(texts) == keys[0]


# --- what a tile holds ---------------------------------------------------------------

def tiled_source(frame, vocab, texts):
    return texts.tile_source(payload.layer_payloads(frame, texts, vocab, "zh", budget=100)[0].tiles)


def test_a_tile_holds_the_features_in_it_with_the_contract_attributes(frame, vocab, texts):
    source = tiled_source(frame, vocab, texts)
    fid = "yz-chaotianmen"
    row = frame.loc[fid]
    z = 15
    x, y = tile_xy(row.geometry.x, row.geometry.y, z)
    layers = decode(source.tile(z, x, y), z, x, y)
    # One MVT layer per plan layer, in the map's order; in each, areas, lines, then points.
    assert list(layers) == [layer for layer in ("zones", "corridors", "transit", "projects") if layer in layers]
    for features in layers.values():
        ranks = [{"Polygon": 0, "MultiPolygon": 0, "LineString": 1, "MultiLineString": 1}.get(f["geometry"].geom_type, 2)
                 for f in features]
        assert ranks == sorted(ranks)
    (found,) = [f for f in layers["projects"] if f["id"] == fid]
    assert set(found) - {"geometry"} == set(mvt.ATTRIBUTES)
    assert {k: found[k] for k in mvt.ATTRIBUTES} == {
        "id": fid, "name_zh": row["name_zh"], "name_en": row["name_en"], "layer": "projects",
        "themes": ",".join(row["themes"]), "precision": "area", "ord": frame.index.get_loc(fid)}
    # Below street zoom no name is shown: the tiles leave out the names' order (a value per feature).
    assert z == mvt.NAME_ZOOM
    x14, y14 = tile_xy(row.geometry.x, row.geometry.y, z - 1)
    (out,) = [f for f in decode(source.tile(z - 1, x14, y14), z - 1, x14, y14)["projects"] if f["id"] == fid]
    assert set(out) - {"geometry"} == set(mvt.ATTRIBUTES) - {"ord"}
    here = mvt.to_mercator([row.geometry])[0]
    assert found["geometry"].distance(here) < 10  # quantised to 1/16 px: ~0.3 m at z15
    # Every feature of the tile reaches into it (or its buffer), and those of a tile far off are not there.
    west, south, east, north = tile_bounds(z, x, y)
    pad = mvt.BUFFER / mvt.EXTENT * (east - west)
    box = shapely.box(west - pad, south - pad, east + pad, north + pad)
    assert all(f["geometry"].buffer(1).intersects(box) for fs in layers.values() for f in fs)
    assert fid not in {f["id"] for fs in decode(source.tile(z, x + 3, y), z, x + 3, y).values() for f in fs}


def test_every_tiled_feature_is_in_the_tile_under_it(frame, vocab, texts):
    source = tiled_source(frame, vocab, texts)
    points = [i for i, layer in zip(source.attrs, source.layer) if layer == "projects"]
    z = 13
    for attrs in points[:: max(1, len(points) // 25)]:
        geom = shapely.geometry.shape(texts.geometry[attrs["id"]])
        x, y = tile_xy(*geom.representative_point().coords[0], z)
        assert attrs["id"] in {f["id"] for fs in decode(source.tile(z, x, y), z, x, y).values() for f in fs}


def test_on_amap_the_tiles_are_in_gcj02(frame, vocab, texts, gcj):
    fid = "yz-jiefangbei"
    row = frame.loc[fid]
    z = 14
    where = {}
    for name, t in (("wgs84", texts), ("gcj02", gcj)):
        point = shapely.geometry.shape(t.geometry[fid])
        x, y = tile_xy(point.x, point.y, z)
        source = t.tile_source([(row["layer"], [fid])])
        (feature,) = decode(source.tile(z, x, y), z, x, y)[row["layer"]]
        where[name] = feature["geometry"]
    assert 400 < where["wgs84"].distance(where["gcj02"]) < 700  # GCJ-02 moves 解放碑 ~500 m (Mercator metres run ~15 % long here)


def test_tiles_clip_with_a_buffer_and_simplify_by_zoom():
    lon, lat = 106.55, 29.55
    z = 16
    x, y = tile_xy(lon, lat, z)
    west, south, east, north = tile_bounds(z, x, y)
    # A wiggly line across many tiles and a large area.
    wiggle = shapely.LineString([(lon - 0.05 + i * 0.0001, lat + (0.00002 if i % 2 else 0)) for i in range(1000)])
    area = shapely.box(lon - 0.1, lat - 0.1, lon + 0.1, lat + 0.1)
    m_per_unit = (east - west) / mvt.EXTENT
    source = source_of([area, wiggle])
    layers = decode(source.tile(z, x, y), z, x, y)["projects"]
    limit = shapely.box(west, south, east, north).buffer(mvt.BUFFER * m_per_unit + 2 * m_per_unit, join_style="mitre")
    assert len(layers) == 2 and all(limit.contains(f["geometry"]) for f in layers)
    assert layers[0]["geometry"].area > 0.99 * (east - west) * (north - south)
    # The same stretch of line has fewer vertices when zoomed out (simplified to half a pixel).
    counts = {}
    for zoom in (12, 16):
        tx, ty = tile_xy(lon, lat, zoom)
        (line,) = [f for f in decode(source.tile(zoom, tx, ty), zoom, tx, ty)["projects"] if f["id"] == "f1"]
        counts[zoom] = len(shapely.get_coordinates(line["geometry"].intersection(
            shapely.box(*mvt.to_mercator([shapely.box(lon - 0.001, lat - 0.001, lon + 0.001, lat + 0.001)])[0].bounds))))
    assert counts[12] < counts[16] / 4


def test_points_in_the_buffer_are_in_both_tiles_and_an_empty_tile_is_empty():
    """A marker in the next tile but within the buffer is drawn here too (its disc reaches in); past it, not."""
    z = 16
    x, y = tile_xy(106.55, 29.55, z)
    west, south, east, north = tile_bounds(z, x, y)
    unit = (east - west) / mvt.EXTENT
    back = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
    near = shapely.Point(back.transform(east + (mvt.BUFFER - 40) * unit, (south + north) / 2))  # in the next tile
    far = shapely.Point(back.transform(east + (mvt.BUFFER + 40) * unit, (south + north) / 2))
    source = source_of([near, far])
    here = {f["id"] for f in decode(source.tile(z, x, y), z, x, y)["projects"]}
    there = {f["id"] for f in decode(source.tile(z, x + 1, y), z, x + 1, y)["projects"]}
    assert here == {"f0"} and there == {"f0", "f1"}
    assert source.tile(z, x + 20, y) == b""


def test_a_crowded_tile_keeps_the_features_of_lowest_rank_in_drawing_order():
    """As the database's tiles do (geo/store.py): the same features at every filter, here
    2,000 points in one tile, of which TILE_LIMIT are kept; a zoom further, all of them."""
    rng = np.random.default_rng(3)
    points = [shapely.Point(106.55 + dx, 29.55 + dy) for dx, dy in rng.uniform(0, 0.002, (2000, 2))]
    source = source_of(points)
    z = 11
    x, y = tile_xy(106.551, 29.551, z)
    kept = [f["id"] for f in decode(source.tile(z, x, y), z, x, y)["projects"]]
    lowest = sorted((f"f{i}" for i in range(2000)), key=mvt.rank)[:mvt.TILE_LIMIT]
    assert len(kept) == mvt.TILE_LIMIT and set(kept) == set(lowest)
    assert kept == sorted(kept, key=lambda fid: int(fid[1:]))  # the source's order
    z = 18
    wide = [f["id"] for tx, ty in {tile_xy(p.x, p.y, z) for p in points}
            for f in decode(source.tile(z, tx, ty), z, tx, ty).get("projects", [])]
    assert set(wide) == {f"f{i}" for i in range(2000)}


def test_a_missing_english_name_is_an_empty_string_and_themes_are_comma_joined():
    assert mvt.attributes("a", "名", float("nan"), "projects", ["finance", "culture_tourism"], "exact", 7) == {
        "id": "a", "name_zh": "名", "name_en": "", "layer": "projects", "themes": "finance,culture_tourism",
        "precision": "exact", "ord": 7}


@pytest.mark.parametrize("z, x, y, ok", [(0, 0, 0, True), (3, 7, 7, True), (3, 8, 0, False), (-1, 0, 0, False),
                                         (25, 0, 0, False)])
def test_tile_coordinates_are_checked(z, x, y, ok):
    assert valid_tile(z, x, y) is ok


# --- the style table -------------------------------------------------------------------

@pytest.mark.parametrize("layer, themes, precision, rank", [
    ("projects", ["finance"], "exact", 2), ("projects", ["culture_tourism"], "area", 2),
    ("transit", ["transport"], "street", 1), ("corridors", ["ecology"], "schematic", 1),
    ("zones", ["innovation"], "area", 0), ("zones", [], "schematic", 0)])
def test_the_style_table_gives_the_vector_layers_styles(layer, themes, precision, rank):
    """What the browser does with the table (a lookup, and the theme colour in the slot)
    gives exactly the vector layer's style (plus fill, which L.Polygon and L.CircleMarker imply)."""
    table = tile_style_table([layer])
    kind = table["layerClasses"].get(layer) or table["classes"].get(precision) or table["fallback"]
    colour = next((table["colours"][t] for t in themes if t in table["colours"]), table["defaultColour"])
    style = {k: colour if v == COLOUR_SLOT else v for k, v in table["styles"][f"{layer}|{kind}|{rank}"].items()}
    assert style == {"fill": rank != 1, **feature_style(layer, themes, precision, rank=rank)}


def test_features_known_only_to_their_district_have_no_tile_style():
    table = tile_style_table(["projects"])
    assert table["classes"]["district"] == "hidden" and not any("|hidden|" in k for k in table["styles"])


# --- the tile store ----------------------------------------------------------------------

class CountingSource:
    """Any TileSource (a database's, say) will do."""

    def __init__(self):
        self.asked = []

    def tile(self, z, x, y) -> bytes:
        self.asked.append((z, x, y))
        return b"mvt"


def test_tile_store_makes_a_source_once_and_encodes_each_tile_once():
    made, source = [], CountingSource()
    store = TileStore(limit_bytes=8)
    url = data_route.publish_tiles("k1", lambda: made.append(1) or source, store)
    assert url == "/api/data/k1/{z}/{x}/{y}.mvt" and "k1" in store
    assert store.tile("k1", 1, 0, 0) == b"mvt" and store.tile("k1", 1, 0, 0) == b"mvt"
    assert made == [1] and source.asked == [(1, 0, 0)]
    for x in range(1, 4):  # 3 bytes each: the oldest tile goes past 8 bytes
        store.tile("k1", 2, x, 0)
    assert store.size == 6 and store.tile("k1", 1, 0, 0) == b"mvt" and source.asked.count((1, 0, 0)) == 2
    with pytest.raises(KeyError):
        store.tile("unknown", 1, 0, 0)


# --- the app in served mode ----------------------------------------------------------------

@pytest.fixture
def served_tiles(monkeypatch):
    monkeypatch.setattr(data_route, "_mounted", True)
    monkeypatch.setattr(payload, "VECTOR_BUDGET", 100)
    st.cache_resource.clear()  # payloads made under the default budget
    yield
    st.cache_resource.clear()


def test_served_app_draws_the_largest_layers_as_vector_tiles(served_tiles, frame):
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120).run()
    assert not at.exception
    args = map_args(at)
    (key,) = TILE_URL.findall(args)
    source = data_route.TILES.source(key)
    shown = drawn(frame)
    tiled = set(source.layer)
    assert tiled == payload.tiled_layers(shown.groupby("layer").size().to_dict(), 100)
    assert {a["id"] for a in source.attrs} == set(shown.index[shown.layer.isin(tiled)])
    assert TILES_CALL.search(args) and "planmap-tiles" in args
    at.multiselect(key="w_layers").set_value(["stations", "business_districts"]).run()
    assert not TILE_URL.search(map_args(at)) and not TILES_CALL.search(map_args(at))


def test_without_the_tile_route_every_layer_is_embedded(monkeypatch, frame):
    """`streamlit run streamlit_app.py` has no tile route: past the budget the layers stay vector."""
    monkeypatch.setattr(payload, "VECTOR_BUDGET", 100)
    st.cache_resource.clear()
    try:
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120).run()
        assert not at.exception
        args = map_args(at)
        assert not TILE_URL.search(args) and not TILES_CALL.search(args)
        assert "yz-chaotianmen" in args  # a project, embedded
    finally:
        st.cache_resource.clear()


def test_a_served_map_loads_the_vendored_vectorgrid_and_a_standalone_one_does_not(vocab):
    vendored = "/app/static/vendor/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js"
    served = build_base_map(vocab, publish=lambda data: "/api/data/x.geojson").get_root().render()
    standalone = build_base_map(vocab).get_root().render()
    assert vendored in served and "unpkg" not in served and vendored not in standalone


def test_a_collection_left_by_clipping_or_repair_keeps_the_parts_of_its_kind():
    square, line = shapely.box(0, 0, 1, 1), shapely.LineString([(2, 2), (3, 3)])
    assert mvt._of_dimension(shapely.GeometryCollection([square, line]), 2).equals(square)
    assert mvt._of_dimension(shapely.GeometryCollection([line]), 2) is None and mvt._of_dimension(line, 1) is line


def test_an_area_part_thinner_than_a_tile_unit_is_dropped_and_the_rest_encoded():
    """Found by the ×100 benchmark: a multipolygon part that rounds to a sliver is repaired
    into a line by make_valid, which the encoder cannot put in a multipolygon."""
    z, x, y = 11, 1629, 848
    west, south, east, north = tile_bounds(z, x, y)
    u = (east - west) / mvt.EXTENT

    def ring(*points):
        return [(west + a * u, south + b * u) for a, b in points]

    square = shapely.Polygon(ring((100, 100), (400, 100), (400, 400), (100, 400)))
    sliver = shapely.Polygon(ring((1000, 1000), (1400, 1000.2), (1400, 1000.4), (1000, 1000.3)))
    (feature,) = decode(mvt.encode_tile([("zones", [shapely.MultiPolygon([square, sliver])], [{"id": "a"}])], z, x, y),
                        z, x, y)["zones"]
    assert feature["geometry"].geom_type == "Polygon" and feature["geometry"].symmetric_difference(square).area < 4 * u * u
    assert mvt._of_dimension(shapely.LineString([(0, 0), (1, 1)]), 2) is None  # what the repair left, dropped


def test_a_tiled_layer_registered_by_one_process_is_encoded_by_another(tmp_path, frame):
    """scripts/serve_cluster.sh: a process asked for tiles of a layer another process
    registered makes the source from the spec in the shared folder."""
    from views.data import tile_recipe

    ids = list(drawn(frame[frame.layer == "projects"]).index)
    spec = {"lang": "zh", "gcj": False, "tiles": [["projects", ids]]}
    here, there = TileStore(shared=tmp_path), TileStore(shared=tmp_path)
    data_route.publish_tiles("0" * 24, tile_recipe(spec), here, spec=spec)
    z, x, y = 14, 13_042, 6_782  # 解放碑
    assert "0" * 24 not in there
    with pytest.raises(KeyError):  # without a way to make a recipe from the spec
        there.tile("0" * 24, z, x, y)
    there.rebuild = tile_recipe
    tile = there.tile("0" * 24, z, x, y)
    assert tile and tile == here.tile("0" * 24, z, x, y)
    assert "yz-jiefangbei" in {f["properties"]["id"] for f in mapbox_vector_tile.decode(tile)["projects"]["features"]}
    with pytest.raises(KeyError):
        there.tile("1" * 24, z, x, y)
