"""The app reading PostGIS (PLANMAP_DATABASE_URL) shows what it shows from memory, and never
builds the feature frame.

Needs a PostGIS database the tests may fill: PLANMAP_TEST_DATABASE_URL (skipped without
it, except under CI=true, where .ci/run provides one).
"""
from __future__ import annotations

import re

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from conftest import ROOT, count_line, load_test_database, needs_test_database

APP = str(ROOT / "streamlit_app.py")
URL = needs_test_database()


@pytest.fixture(scope="module")
def loaded():
    return load_test_database(URL)


def run(mode: str, params: dict, monkeypatch, list_limit: int = 1000) -> AppTest:
    """The app in *mode* ("memory" or "postgis") opened at *params*; in PostGIS mode, loading
    the frame fails the test.  The list's limit is over the bundled features unless set."""
    from geo import settings
    from geo.store import PostgisStore

    monkeypatch.setattr(PostgisStore, "list_limit", list_limit)
    st.cache_resource.clear()
    monkeypatch.setattr(settings, "DATABASE_URL", URL if mode == "postgis" else None)
    if mode == "postgis":
        def refuse(*_, **__):
            raise AssertionError("the PostGIS-mode app loaded the feature frame")
        monkeypatch.setattr("views.data.load_layers", refuse)
        monkeypatch.setattr("geo.features.load_layers", refuse)
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def panel(at: AppTest) -> dict:
    """What a person reads: the count, the list's rows, the buttons (search hits, near-here
    rows), the detail panel's text."""
    return {
        "count": count_line(at),
        "list": [df.value.iloc[:, 0].tolist() if hasattr(df.value, "iloc") else df.value.data.iloc[:, 0].tolist()
                 for df in at.dataframe],
        "buttons": [b.label for b in at.button],
        "text": [m.value for m in at.markdown if "<h1>" not in m.value] + [s.value for s in at.subheader],
        "captions": [c.value for c in at.caption],
    }


CASES = [
    {},
    {"district": "渝中区", "theme": "transport"},
    {"sel": "yz-jiefangbei-pedestrian-street", "lang": "en"},
    {"near": "29.5575,106.5772", "r": "1000"},
    {"q": "公园", "period": "fyp14"},
]


@pytest.mark.parametrize("params", CASES, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()) or "default")
def test_postgis_mode_shows_what_memory_mode_shows(loaded, monkeypatch, params):
    memory = run("memory", params, monkeypatch)
    assert not memory.exception
    postgis = run("postgis", params, monkeypatch)
    assert not postgis.exception, postgis.exception
    want, got = panel(memory), panel(postgis)
    assert re.search(r"\d", got["count"]) and got == want


def test_a_long_list_shows_its_first_rows_and_says_so(loaded, monkeypatch):
    at = run("postgis", {"district": "大渡口区"}, monkeypatch, list_limit=50)
    (table,) = at.dataframe
    assert len(table.value) == 50
    assert any("50" in c.value and ("缩小" in c.value) for c in at.caption)


def test_postgis_mode_draws_vector_tiles(loaded, monkeypatch):
    from conftest import map_args

    args = map_args(run("postgis", {"theme": "transport"}, monkeypatch))
    assert "planmapTiles" in args and re.search(r"/api/data/[0-9a-f]+/\{z\}/\{x\}/\{y\}\.mvt", args)
    assert ".geojson" not in args  # no feature payloads: the layers are tiles


def test_a_database_that_is_down_is_a_message(monkeypatch):
    from geo import settings

    st.cache_resource.clear()
    monkeypatch.setattr(settings, "DATABASE_URL", "postgresql://nobody:wrong@127.0.0.1:9/none")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert any("cannot reach the database" in e.value for e in at.error)
