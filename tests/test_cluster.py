"""Several app processes behind nginx (scripts/serve_cluster.sh): the page, websockets, sticky
routing, map data made by one process served by another, and the map drawn under a prefix.

Needs Debian's nginx: without it these skip locally, but under CI=true that is an error.
"""
from __future__ import annotations

import asyncio
import gzip
import re
import shutil
import subprocess
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote
from pathlib import Path

import mapbox_vector_tile
import pytest
from geo.mvt import MEDIA_TYPE as MVT_MEDIA_TYPE
from conftest import IN_CI, ROOT, drawn_feature_ids, map_frame

from bench.cluster import serve_cluster
from bench.st_client import MAP_COMPONENT, UPSTREAM, Session, get, page_cookies
from layers.map import drawn

SCRIPT = ROOT / "scripts" / "serve_cluster.sh"
PREFIX = "/planmap"


@pytest.fixture(scope="module")
def nginx():
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        if IN_CI:
            pytest.fail("nginx not found: CI requires the cluster tests (apt-get install nginx)")
        pytest.skip("nginx is not installed (apt-get install nginx)")


@pytest.fixture(scope="module")
def at_root(nginx):
    with serve_cluster(2) as c:
        yield c


@pytest.fixture(scope="module")
def prefixed(nginx):
    with serve_cluster(2, prefix=PREFIX) as c:
        yield c


@pytest.fixture(params=["at_root", "prefixed"])
def cluster(request):
    return request.getfixturevalue(request.param)


def upstream(url: str, cookies: str | None = None) -> str:
    return get(url, cookies)[1][UPSTREAM]


def cookie_to(c, process: str) -> str:
    """A sticky cookie that nginx routes to *process* (found by asking)."""
    for i in range(200):
        cookie = f"planmap_node=probe{i}"
        if upstream(c.url + "/_stcore/health", cookie) == process:
            return cookie
    raise AssertionError(f"no cookie reaches {process}")


def session_run(url: str, cookies: str, query: str = "") -> Session:
    async def run():
        session = await Session.open(url, cookies)
        try:
            result = await session.rerun(query)
            assert result.exceptions == []
        finally:
            await session.close()
        return session

    # in a thread of its own: Playwright's sync API (a browser test before) runs a loop in this one
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def test_page_health_and_the_sticky_cookie_through_nginx(cluster):
    with urllib.request.urlopen(cluster.url + "/", timeout=30) as resp:
        assert resp.status == 200 and b"<noscript>" in resp.read()
        cookie = next(c for c in resp.headers.get_all("Set-Cookie") if c.startswith("planmap_node="))
        first = resp.headers[UPSTREAM]
    prefix = cluster.url.split(str(cluster.port), 1)[1]
    assert f"Path={prefix}/;" in cookie and "HttpOnly" in cookie
    assert get(cluster.url + "/_stcore/health")[0] == b"ok"
    # the cookie holds the browser to the process that answered its first request
    value = cookie.split(";", 1)[0]
    assert {upstream(cluster.url + "/_stcore/health", value) for _ in range(5)} == {first}
    assert first in cluster.upstreams and len(cluster.app_pids) == 2


def test_cookies_spread_browsers_over_every_process(cluster):
    seen = {upstream(cluster.url + "/_stcore/health", f"planmap_node=b{i}") for i in range(40)}
    assert seen == set(cluster.upstreams)


def test_a_websocket_session_runs_the_app_through_nginx(prefixed):
    cookies = page_cookies(prefixed.url)
    session = session_run(prefixed.url, cookies)
    assert session.upstream == upstream(prefixed.url + "/_stcore/health", cookies)
    paths = session.map_data_paths()
    assert paths and all(p.startswith(PREFIX + "/api/data/") for p in paths)
    assert session.fetched == paths  # the map's data, fetched through nginx under the prefix


def test_map_data_made_by_one_process_is_served_by_the_other(prefixed):
    here, there = prefixed.upstreams
    # a view no other test opens: its payloads exist only where this session's script ran
    session = session_run(prefixed.url, cookie_to(prefixed, here), f"district={quote('大渡口区')}&theme=ecology&lang=en")
    assert session.upstream == here
    other = cookie_to(prefixed, there)
    for path in session.map_data_paths():
        body, headers = get(prefixed.url.split(PREFIX)[0] + path, other)  # 404 if only `here` held it
        key = path.rsplit("/", 1)[1].removesuffix(".geojson")
        assert headers[UPSTREAM] == there
        assert gzip.decompress(body) == (prefixed.run / "cache" / f"{key}.geojson").read_bytes()


def test_tiles_of_a_layer_one_process_registered_are_drawn_by_the_other(nginx):
    # a tiny vector budget: the projects are drawn as vector tiles
    with serve_cluster(2, env={"PLANMAP_VECTOR_BUDGET": "100"}) as c:
        here, there = c.upstreams
        session = session_run(c.url, cookie_to(c, here))
        (tiles,) = re.findall(r"(?:/[\w.~-]+)*/api/data/[0-9a-f]+/\{z\}/\{x\}/\{y\}\.mvt",
                              session.widgets[MAP_COMPONENT].json_args)
        body, headers = get(c.url + tiles.format(z=14, x=13_042, y=6_782), cookie_to(c, there))  # 解放碑
        assert headers[UPSTREAM] == there and headers["Content-Type"] == MVT_MEDIA_TYPE
        if {k.lower(): v for k, v in headers.items()}.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        assert "yz-jiefangbei" in {f["properties"]["id"] for f in mapbox_vector_tile.decode(body)["projects"]["features"]}


def test_the_map_draws_through_the_balancer_under_a_prefix(prefixed, page, frame):
    statuses = {}
    page.on("response", lambda r: statuses.setdefault(r.url, r.status))
    page.goto(prefixed.url + "/")
    mf = map_frame(page, timeout_ms=60000)
    assert drawn_feature_ids(mf) == set(drawn(frame).index)
    data = {u: s for u, s in statuses.items() if "/api/data/" in u}
    assert data and all(u.startswith(prefixed.url + "/api/data/") and s == 200 for u, s in data.items())
    assert any("/planmap/app/static/vendor/leaflet" in u for u in statuses)
    assert page.external_requests == [] and page.errors == []


def test_stopping_the_script_stops_every_process(nginx):
    with serve_cluster(1) as c:
        pids, run = [*c.app_pids, c.nginx_pid], c.run
        assert run.is_dir()
    assert not any(Path(f"/proc/{pid}").exists() for pid in pids) and not run.exists()
    with pytest.raises(OSError):
        urllib.request.urlopen(c.url + "/_stcore/health", timeout=2)


@pytest.mark.parametrize("args, message", [(["-n", "0"], "-n must be"), (["--prefix", "/a b"], "--prefix must be"),
                                           (["-p", "x"], "-p must be"), (["--bogus"], "unknown argument")])
def test_bad_arguments_are_refused_with_a_reason(args, message):
    done = subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=30)
    assert done.returncode != 0 and message in done.stderr and "Traceback" not in done.stderr
