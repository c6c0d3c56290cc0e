"""Shared fixtures: the bundled data, a running app server and a headless Chromium.

Browser tests need Debian's chromium (/usr/bin/chromium).  Without it they skip
locally, but under CI=true a missing browser is an error: CI must run them.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
IN_CI = os.environ.get("CI", "").lower() == "true"
TEST_DATABASE_URL = os.environ.get("PLANMAP_TEST_DATABASE_URL")


def needs_test_database() -> str:
    """The PostGIS database the tests may fill; without one they skip, except under CI=true
    (.ci/run starts one), where that is an error."""
    if not TEST_DATABASE_URL:
        if IN_CI:
            raise RuntimeError("CI=true needs PLANMAP_TEST_DATABASE_URL (.ci/run starts PostGIS)")
        pytest.skip("PLANMAP_TEST_DATABASE_URL is not set", allow_module_level=True)
    return TEST_DATABASE_URL


def load_test_database(url: str) -> str:
    """The bundled data loaded into *url* (as `python -m geo load-db` does)."""
    from geo.db import load_db
    from geo.paths import GEOJSON

    load_db(url, GEOJSON, progress=lambda _: None)
    return url


@pytest.fixture(scope="session")
def frame():
    from geo.features import load_layers

    return load_layers()


@pytest.fixture(scope="session")
def corpus():
    from geo.plans import load_corpus

    return load_corpus()


@pytest.fixture(scope="session")
def vocab():
    from geo.vocab import load_vocabulary

    return load_vocabulary()


# The app's "N of M features shown" line, in either language.
COUNT_LINE = re.compile(r"显示 (\d+) / (\d+) 个要素|(\d+) of (\d+) features shown")


def count_line(at) -> str:
    """The feature-count line of an AppTest run."""
    return next(m.value for m in at.markdown if COUNT_LINE.search(m.value))


def map_args(at) -> str:
    """The st_folium component's arguments in an AppTest run (the map's script, as sent)."""
    (element,) = [e for e in at.get("component_instance") if e.proto.component_name.endswith("st_folium")]
    return element.proto.json_args


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(app: Path = ROOT / "serve.py", env: dict | None = None, timeout: float = 60) -> tuple[subprocess.Popen, str]:
    """Start `streamlit run` on a free loopback port; returns (process, base URL).

    serve.py by default, as the README runs it (with the data and tile routes)."""
    port = free_port()
    log = tempfile.TemporaryFile()  # a pipe nobody reads would block the server once full
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=str(ROOT), env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"streamlit exited: {log.read().decode(errors='replace')[-2000:]}")
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("streamlit did not start in time")


def stop_app(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def app_url():
    proc, url = start_app()
    yield url
    stop_app(proc)


@pytest.fixture(scope="session")
def chromium():
    """A Playwright Chromium browser (Debian's build; Playwright downloads nothing)."""
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        if IN_CI:
            pytest.fail(f"Chromium not found at {CHROMIUM}: CI requires the browser tests")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    """A fresh page that refuses (and records) every request leaving the machine."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    pg.external_requests = []

    def guard(route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "http://localhost", "data:", "blob:", "about:")):
            route.continue_()
        else:
            pg.external_requests.append(url)
            route.abort()

    context.route("**/*", guard)
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    yield pg
    context.close()


# JavaScript run inside the st_folium frame: the ids of the plan features on the map
# (our feature layers carry a "tooltip" property), points of clustered layers included;
# null while map data is still being fetched (layers/remote.py).
FEATURE_IDS_JS = """() => {
  if (!window.map_div || (window.planmapPending || 0) > 0) return null;
  const ids = new Set();
  const add = l => { const p = l.feature && l.feature.properties;
    if (p && p.tooltip !== undefined && p.id) ids.add(p.id); };
  map_div.eachLayer(l => { add(l);
    if (L.MarkerClusterGroup && l instanceof L.MarkerClusterGroup) l.getLayers().forEach(add); });
  return Array.from(ids);
}"""


# The vector-tile grids on the map (layers/remote.py PlanTiles): a map of tiles alone has no
# feature layers to wait for.
TILE_GRIDS_JS = """() => { if (!window.map_div) return 0; let n = 0;
  map_div.eachLayer(l => { if (l.options && l.options.planmapFeatures) n++; }); return n; }"""


def map_frame(pg, timeout_ms: int = 30000):
    """Wait for the st_folium frame and return it once features (or tile grids) are drawn."""
    deadline = time.time() + timeout_ms / 1000
    while time.time() < deadline:
        frame = next((f for f in pg.frames if "st_folium" in f.url), None)
        if frame is not None:
            try:
                if frame.evaluate(FEATURE_IDS_JS) or frame.evaluate(TILE_GRIDS_JS):
                    return frame
            except Exception:  # the frame may be reloading
                pass
        pg.wait_for_timeout(200)
    raise AssertionError("map did not draw any feature in time")


def drawn_feature_ids(frame, timeout_ms: int = 30000) -> set[str]:
    """The ids on the map once every layer's data has arrived."""
    deadline = time.time() + timeout_ms / 1000
    while (ids := frame.evaluate(FEATURE_IDS_JS)) is None:
        if time.time() > deadline:
            raise AssertionError("map data still loading")
        frame.wait_for_timeout(100)
    return set(ids)


@pytest.fixture(autouse=True)
def _data_route_unmounted():
    """data_route.routes() marks the route mounted for the whole process: a test that builds
    the routes must not make later AppTests believe they run under serve.py."""
    from server import data_route

    mounted = data_route._mounted
    yield
    data_route._mounted = mounted
