"""Hostile text in the data and in links: shown literally, never run (headless Chromium).

A copy of data/ gets script and markup payloads in one feature's names, coordinate
basis, section path and quote (the quote is planted in the plan text too, so the data
still validates), and the page is opened with payloads in the search box and in unknown
URL keys and values.  Nothing may execute — no dialog, no ``window.__pwned`` in any
frame, no request leaving the machine (a markdown image would make one) — and each
string must be on the page (and in the map's tooltip) exactly as written.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest

from conftest import ROOT, map_frame, start_app
from geo.plans import load_corpus

FID = "ddk-dadukou-bus-station"
NAME_ZH = '大渡口汽车站<script>window.__pwned="name_zh"</script><img src=x onerror="window.__pwned=\'img\'">'
NAME_EN = "Bus <svg onload=\"alert('name_en')\"></svg> [link](javascript:alert(2)) **bold** :red[red] $x^2$ :material/home:"
BASIS = "<iframe src=\"javascript:alert('basis')\"></iframe> ![px](https://evil.example/basis.png) _it_ &amp;"
QUOTE = "<b onmouseover=\"alert('quote')\">粗</b>{{7*7}}`code`"
SECTION = "第六章 › <a href=\"javascript:alert('path')\">a</a> ![t](https://evil.example/t.png) :blue[x]"
SEARCH = "汽车站<script>"
LINK_NOISE = {"<img src=x onerror=alert(7)>": ":red[x] ![n](https://evil.example/n.png)",
              "theme": "<script>alert(8)</script>"}
PWNED_JS = "() => window.__pwned === undefined ? null : String(window.__pwned)"


def plant(data: Path) -> str:
    """Put the payloads into FID in a copy of the data; returns the feature's planted quote."""
    path = data / "geojson" / "stations.geojson"
    collection = json.loads(path.read_text(encoding="utf-8"))
    props = next(f["properties"] for f in collection["features"] if f["properties"]["id"] == FID)
    source = props["sources"][0]
    text_file = data / "plans" / f"{source['document']}.txt"
    lines = text_file.read_text(encoding="utf-8").split("\n")
    line = load_corpus()[source["document"]].paragraph(source["paragraph"]).line - 1
    assert source["quote"] in lines[line]
    lines[line] = lines[line].replace(source["quote"], source["quote"] + QUOTE, 1)
    text_file.write_text("\n".join(lines), encoding="utf-8")
    source["quote"] += QUOTE
    source["section_path"] = SECTION
    props.update(name_zh=NAME_ZH, name_en=NAME_EN)
    props["location"]["basis"] = BASIS
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return source["quote"]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """(app URL, planted quote) for the app running on the hostile copy of the data."""
    data = tmp_path_factory.mktemp("hostile") / "data"
    shutil.copytree(ROOT / "data", data)
    quote = plant(data)
    env = {"PLANMAP_DATA_DIR": str(data)}
    check = subprocess.run([sys.executable, "-m", "geo", "validate"], cwd=ROOT, env={**os.environ, **env},
                           capture_output=True, text=True)
    assert check.returncode == 0, f"the hostile fixture must still validate:\n{check.stdout}{check.stderr}"
    proc, url = start_app(env=env)
    yield url, quote
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def watched(page):
    """The page, recording every dialog (and dismissing it)."""
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    return page


def assert_nothing_ran(page) -> None:
    page.wait_for_timeout(500)  # onerror/onload handlers fire asynchronously
    assert page.dialogs == []
    assert {f.url: f.evaluate(PWNED_JS) for f in page.frames if not f.is_detached()} == {
        f.url: None for f in page.frames if not f.is_detached()}
    assert page.external_requests == [], "markup made the browser fetch something"


def texts(locator) -> str:
    return "\n".join(locator.all_inner_texts())


def open_feature(page, url: str, lang: str = "zh", **extra) -> object:
    page.goto(f"{url}/?{urlencode({'sel': FID, 'lang': lang, **extra})}")
    mf = map_frame(page)
    page.locator("[data-testid='stExpander']").first.wait_for(timeout=20000)
    return mf


def test_names_quotes_and_links_are_text_not_markup(watched, hostile):
    url, quote = hostile
    mf = open_feature(watched, url, q=SEARCH, **LINK_NOISE)
    main = watched.locator("[data-testid='stMain']")

    body = main.inner_text()
    for label, planted in {"name": NAME_ZH, "English name": NAME_EN, "basis": BASIS, "quote": quote,
                           "section path": SECTION}.items():
        assert planted in body, f"the {label} is not shown literally"
    assert texts(watched.locator("[data-testid='stExpander'] summary")).count(SECTION[-40:]) >= 1
    assert f"{NAME_ZH} · " in texts(main.locator("[data-testid='stButton']")), "search result label"
    assert watched.locator(".st-key-w_query input[type='text']").first.input_value() == SEARCH

    notice = texts(main.locator("[data-testid='stAlert']"))
    assert "unknown parameter ignored" in notice and "<" not in notice and "](" not in notice

    mf.evaluate("""(fid) => map_div.eachLayer(l => {
        if (l.feature && l.feature.properties.id === fid && l.getLatLng) l.fire('mouseover', {latlng: l.getLatLng()}, true); })""", FID)
    tooltip = mf.locator(".leaflet-tooltip")
    tooltip.first.wait_for(timeout=10000)
    assert NAME_ZH in tooltip.first.inner_text()
    assert_nothing_ran(watched)


def test_english_view_shows_the_english_name_literally(watched, hostile):
    url, _ = hostile
    open_feature(watched, url, lang="en")
    main = watched.locator("[data-testid='stMain']")
    assert NAME_EN in main.inner_text() and NAME_ZH in main.inner_text()
    assert_nothing_ran(watched)
