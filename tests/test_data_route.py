"""The map's data over HTTP (server/data_route.py, layers/payload.py, layers/remote.py).

The store and the payloads are checked in process; the route against the real server
the README starts (serve.py); the app's served mode through AppTest.
"""
from __future__ import annotations

import gzip
import json
import re
import urllib.error
import urllib.request

import pytest
from conftest import ROOT, map_args, map_frame
from streamlit.testing.v1 import AppTest

from geo.filters import Filters, apply
from layers import payload, remote
from server import data_route
from layers.basemaps import offline_basemap_payloads
from server.data_route import PayloadStore, payload_key
from layers.map import STRUCTURE, build_base_map, drawn, layer_collections

DATA_URL = re.compile(r"/api/data/([0-9a-f]+)\.geojson")


# --- the store ---------------------------------------------------------------------

def test_store_keys_by_content_and_forgets_the_least_recently_used():
    store = PayloadStore(limit_bytes=25)
    a, b, c = b"a" * 10, b"b" * 10, b"c" * 10
    ka = store.put(a)
    assert ka == payload_key(a) == store.put(a) and store.get(ka) == a
    kb = store.put(b)
    store.put(a)  # a is used again: b is now the oldest
    kc = store.put(c)
    assert kb not in store and ka in store and kc in store
    assert store.size == 20
    assert store.get(kb) is None and store.gzipped(kb) is None


def test_store_gzips_once_and_counts_it():
    store = PayloadStore()
    data = json.dumps({"features": ["x"] * 1000}).encode()
    key = store.put(data)
    packed = store.gzipped(key)
    assert gzip.decompress(packed) == data and store.gzipped(key) is packed
    assert store.size == len(data) + len(packed)


def test_stores_sharing_a_folder_answer_for_each_other(tmp_path):
    # two processes of a cluster: the payload one made is served by the other
    made_here, other = PayloadStore(shared=tmp_path), PayloadStore(shared=tmp_path)
    data = json.dumps({"features": ["x"] * 100}).encode()
    key = made_here.put(data)
    assert key not in other and other.get(key) == data and key in other  # kept once read
    assert gzip.decompress(other.gzipped(key)) == data
    assert [f.name for f in tmp_path.iterdir()] == [f"{key}.geojson"]  # no temporary file left
    assert PayloadStore(shared=tmp_path / "elsewhere").get(key) is None


def test_shared_folder_refuses_bytes_that_are_not_their_key_and_odd_keys(tmp_path):
    data = b'{"type":"FeatureCollection","features":[]}'
    key = PayloadStore(shared=tmp_path).put(data)
    (tmp_path / f"{key}.geojson").write_bytes(data[:-2])  # torn or tampered with
    assert PayloadStore(shared=tmp_path).get(key) is None
    (tmp_path / "secret.geojson").write_bytes(data)
    assert PayloadStore(shared=tmp_path).get("secret") is None and PayloadStore(shared=tmp_path).get("../x") is None


def test_urls_and_routes_go_under_the_path_prefix(monkeypatch):
    from streamlit import config

    monkeypatch.setattr(config, "get_option", lambda name: "/planmap/" if name == "server.baseUrlPath" else None)
    url = data_route.publish(b"{}", store=PayloadStore())
    assert url == f"/planmap/api/data/{payload_key(b'{}')}.geojson"
    assert {r.path for r in data_route.routes(PayloadStore())} == {
        "/planmap" + data_route.PATH, "/planmap" + data_route.TILE_PATH}
    assert remote.cluster_assets()[0][0][1].startswith("/planmap/app/static/vendor/")


# --- payloads ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def texts(frame, vocab):
    return payload.display_texts(frame, vocab, "zh", False)


def features_by_id(payloads) -> dict[str, dict]:
    out = {}
    for p in payloads:
        data = json.loads(p.data)
        for f in data["features"]:
            out[f["properties"]["id"]] = {**f, "style": data["styles"][f["properties"]["s"]]}
    return out


@pytest.mark.parametrize("filters", [Filters(), Filters(districts=("渝中区",), themes=("finance", "culture_tourism")),
                                     Filters(layers=("transit",), periods=("fyp15",)), Filters(query="解放碑")])
def test_payloads_carry_what_the_embedded_map_carries(frame, vocab, texts, filters):
    """Same features, geometry, tooltip, label and style as layers.map draws embedded; the
    features known only to their district are in neither (their district's badge counts them)."""
    shown = apply(frame, filters)
    got = features_by_id(payload.layer_payloads(shown, texts, vocab, "zh"))
    want = {f["properties"]["id"]: f for _, _, c in layer_collections(shown, vocab, "zh") for f in c["features"]}
    want = json.loads(json.dumps(want))  # tuples as lists, as in any JSON
    assert set(got) == set(want) == set(drawn(shown).index)
    assert not set(got) & set(shown.index[(shown.precision == "district") & (shown.layer != "districts")])
    for fid, f in want.items():
        assert got[fid]["geometry"] == f["geometry"]
        for key in ("tooltip", "label", "k"):
            assert got[fid]["properties"].get(key) == f["properties"].get(key)
        assert got[fid]["style"] == f["properties"]["style"]


def test_payloads_are_in_layer_order_with_areas_under_points(frame, vocab, texts):
    payloads = payload.layer_payloads(frame, texts, vocab, "zh")
    order = [payload.LAYER_ORDER.index(p.layer) for p in payloads]
    assert order == sorted(order) and {p.layer for p in payloads} == set(drawn(frame).layer)
    for p in payloads:
        kinds = [f["geometry"]["type"] for f in json.loads(p.data)["features"]]
        ranks = [0 if "Polygon" in k else 1 if "LineString" in k else 2 for k in kinds]
        assert ranks == sorted(ranks), p.layer
        assert p.key == payload_key(p.data) and p.features == len(kinds)
        assert p.label.endswith(f"({p.features})")


def test_schematic_features_go_to_the_structure_group_and_approximate_points_cluster(frame, vocab, texts):
    payloads = payload.layer_payloads(frame, texts, vocab, "zh")
    for p in payloads:
        features = json.loads(p.data)["features"]
        kinds = {f["properties"]["k"] for f in features}
        if p.group == STRUCTURE:
            assert kinds == {"structure"} and p.pane == "structure" and not p.cluster
        elif p.cluster:
            assert kinds == {"approx"} and {f["geometry"]["type"] for f in features} == {"Point"}
        else:
            assert "structure" not in kinds and p.group == p.layer
            assert not [f for f in features if f["properties"]["k"] == "approx" and f["geometry"]["type"] == "Point"]
        assert p.labels == bool(kinds & {"precise", "approx"})  # named at street zoom: located and approximate places
    clustered = {f["properties"]["id"] for p in payloads if p.cluster for f in json.loads(p.data)["features"]}
    shown = drawn(frame)
    approx_points = shown[(shown.precision == "area") & (shown.geom_type == "Point")]
    assert clustered == set(approx_points.index)


def test_a_layer_with_many_points_clusters_all_of_them(frame, vocab, texts, monkeypatch):
    monkeypatch.setattr(payload, "CLUSTER_POINTS", 100)
    projects = [p for p in payload.layer_payloads(frame, texts, vocab, "zh") if p.layer == "projects"]
    (clustered,) = [p for p in projects if p.cluster]
    kinds = {f["properties"]["k"] for f in json.loads(clustered.data)["features"]}
    assert kinds == {"approx", "precise"}  # 300+ project points: the precise ones cluster too


def test_amap_payloads_are_in_gcj02_like_the_embedded_map(frame, vocab):
    shown = apply(frame, Filters(districts=("渝中区",)))
    texts = payload.display_texts(frame, vocab, "en", True)
    got = features_by_id(payload.layer_payloads(shown, texts, vocab, "en"))
    want = json.loads(json.dumps({f["properties"]["id"]: f["geometry"] for _, _, c in
                                  layer_collections(shown, vocab, "en", to_gcj=True) for f in c["features"]}))
    assert {fid: f["geometry"] for fid, f in got.items()} == want
    wgs = features_by_id(payload.layer_payloads(shown, payload.display_texts(frame, vocab, "en", False), vocab, "en"))
    assert got["yz-chaotianmen"]["geometry"] != wgs["yz-chaotianmen"]["geometry"]


def test_payload_text_is_escaped_json(frame, vocab):
    evil = frame[(frame.precision == "exact") & (frame.layer != "districts")].iloc[[0]].copy()
    evil["name_zh"] = '</script><img src=x onerror=alert(1)>"\\'
    texts = payload.display_texts(evil, vocab, "zh", False)
    (p,) = payload.layer_payloads(evil, texts, vocab, "zh")
    props = json.loads(p.data)["features"][0]["properties"]
    assert props["tooltip"] == "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&quot;\\"  # shown as text by Leaflet
    assert props["label"] == evil["name_zh"].iloc[0]  # set as text (textContent) by the label manager


# --- the element and the base map --------------------------------------------------

def render_script(vocab, groups) -> str:
    m = build_base_map(vocab, publish=data_route.publish)
    for g in groups:
        g.add_to(m)
    return m.get_root().render()


def test_remote_layers_name_their_url_and_cluster_only_when_asked(frame, vocab, texts):
    payloads = payload.layer_payloads(frame, texts, vocab, "zh")
    html = render_script(vocab, remote.plan_groups(payloads, lambda p: {"url": f"/api/data/{p.key}.geojson"}))
    assert set(DATA_URL.findall(html)) >= {p.key for p in payloads}
    assert html.count('"cluster": {"chunkedLoading"') == sum(p.cluster for p in payloads) > 0
    assert "解放碑" not in html  # no plan text inside the page's script
    plain = render_script(vocab, [])
    # st_folium loads scripts once: the plugin is there from the start, used only by clustered layers
    assert '"cluster": {' not in plain and "leaflet.markercluster.js" in plain
    assert '"maxZoom": 19' in plain and '"minZoom": 9' in plain  # markercluster needs the map's maxZoom


def test_offline_basemap_shapes_are_published_not_embedded(vocab):
    store_keys = {payload_key(p) for p in offline_basemap_payloads(False)}
    html = render_script(vocab, [])
    assert store_keys <= set(DATA_URL.findall(html)) and store_keys <= set(data_route.STORE._items)
    neighbour = json.dumps("沙坪坝区")[1:-1]  # as the page's script spells it
    assert html.count(neighbour) == 1  # its label only (embedded, its outline's properties name it too)
    assert build_base_map(vocab).get_root().render().count(neighbour) == 2
    # in a pane of their own, under the features and letting clicks through
    assert re.search(r'createPane\(\s*"basemap"\);\s*\S+\.style\.zIndex = 350;\s*\S+\.style\.pointerEvents = .none.', html)
    assert html.count('"pane": "basemap"') == 3


# --- the app in served mode (AppTest) ----------------------------------------------

@pytest.fixture
def served(monkeypatch):
    monkeypatch.setattr(data_route, "_mounted", True)


def ids_behind(args: str) -> set[str]:
    ids = set()
    for key in DATA_URL.findall(args):
        data = data_route.STORE.get(key)
        assert data is not None, f"{key} is named by the map but not served"
        ids |= {f["properties"].get("id") for f in json.loads(data)["features"]} - {None}
    return ids


def test_served_app_sends_urls_and_serves_exactly_the_filtered_features(served, frame):
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120).run()
    assert not at.exception
    args = map_args(at)
    assert ids_behind(args) == set(drawn(frame).index)
    assert len(args) < 60_000  # the features are not in the script:
    assert not [fid for fid in frame.index if f'"{fid}"' in args]
    at.multiselect(key="w_districts").set_value(["渝中区"]).run()
    at.multiselect(key="w_layers").set_value(["projects", "transit"]).run()
    want = apply(frame, Filters(districts=("渝中区",), layers=("projects", "transit")))
    assert ids_behind(map_args(at)) == set(drawn(want).index)


def test_served_app_with_nothing_shown_sends_only_the_district_outlines(served, frame):
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.query_params["q"] = "没有这样的地方zzz"
    at.run()
    assert not at.exception
    assert ids_behind(map_args(at)) == set(frame.index[frame.layer == "districts"])


# --- the route, on the real server --------------------------------------------------

def get(url: str, gzip_ok: bool = False):
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    return urllib.request.urlopen(request, timeout=20)


def test_route_serves_payloads_gzipped_and_cacheable(page, app_url):
    page.goto(app_url)
    mf = map_frame(page)
    body = offline_basemap_payloads(False)[0]
    url = f"{app_url}/api/data/{payload_key(body)}.geojson"
    fetched = mf.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)")
    assert url in fetched
    plain = get(url)
    assert plain.status == 200 and plain.read() == body
    assert plain.headers["Content-Type"].startswith("application/geo+json")
    assert "immutable" in plain.headers["Cache-Control"]
    packed = get(url, gzip_ok=True)
    assert packed.headers["Content-Encoding"] == "gzip" and gzip.decompress(packed.read()) == body


@pytest.mark.parametrize("key, code", [("0" * 24, 404), ("nothex", 404), ("..%2F..%2Fetc%2Fpasswd", 400)])
def test_route_answers_unknown_data_with_an_error_and_a_reason(app_url, key, code):
    with pytest.raises(urllib.error.HTTPError) as err:
        get(f"{app_url}/api/data/{key}.geojson")
    assert err.value.code == code  # 400: Streamlit refuses the path before any route sees it
    if code == 404:
        assert b"reload the page" in err.value.read()
