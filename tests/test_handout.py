"""Handouts and snapshots without a browser: self-contained HTML, escaping, the CLI, real PNGs.

(tests/test_present_browser.py opens the handouts in Chromium with the network blocked.)
"""
from __future__ import annotations

import io
import json
import re
from html import escape

import numpy as np
import pytest
from folium import plugins
from PIL import Image

from geo import cli
from geo.tours import Caption, Quote, caption, load_tours, view_bounds, visible_ids
from geo.errors import AssetError
from layers.handout import (caption_html, map_handout_html, self_contained, stop_legend, stop_map,
                            tour_handout_html)
from layers.map import build_base_map, drawn
from layers.snapshot import SIZE, snapshot_png, stop_snapshot_png
from layers.style import THEME_COLOURS
from layers.legend import legend_html
from geo.i18n import t

# What would make the browser fetch: a src, a stylesheet or a CSS url() pointing off the file.
# (Plain <a href> links, like Leaflet's own attribution link, fetch nothing by themselves.)
EXTERNAL = re.compile(r"""\bsrc\s*=\s*["']?(?:https?:|//)|<link[^>]+href|url\(\s*["']?(?:https?:|//)""", re.I)


@pytest.fixture(scope="module")
def tours(frame, vocab, corpus):
    return load_tours(frame, vocab, corpus)


def stops_json(html: str) -> list[dict]:
    return json.loads(re.search(r"var stops = (\[.*?\]);\n", html).group(1))


# --- self-contained HTML -------------------------------------------------------------------

def test_whole_map_handout_is_one_file_with_everything_inside(frame, vocab):
    html = map_handout_html(frame, vocab)
    assert not re.search(r"<script[^>]+src=", html) and not EXTERNAL.findall(html), "no asset loaded from outside"
    assert 't.version="1.9.3"' in html, "leaflet.js inlined"
    assert ".leaflet-control-layers-toggle" in html and "data:image/png;base64," in html, "CSS with its images"
    assert "/app/static/" not in html
    ids = set(re.findall(r'"id":\s*"([^"]+)"', html))
    assert set(drawn(frame).index) <= ids, "every feature with a place is on the map"
    wide = frame[(frame.precision == "district") & (frame.layer != "districts")]
    assert all(escape(name) in html or json.dumps(escape(name))[1:-1] in html for name in wide.name_zh), \
        "the district-wide items are listed by their district's badge"


def test_an_asset_that_is_not_vendored_is_refused(vocab):
    m = build_base_map(vocab)
    plugins.MiniMap().add_to(m)  # its JS lives on a CDN only
    with pytest.raises(AssetError):
        self_contained(m, "x")


def test_tour_handout_carries_every_stop(tours, frame, vocab, corpus):
    tour = tours["yuzhong-layout"]
    html = tour_handout_html(tour, frame, vocab)
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=", html) and not EXTERNAL.findall(html)
    stops = stops_json(html)
    assert [s["title"] for s in stops] == [s.label("zh") for s in tour.stops]
    for data, stop in zip(stops, tour.stops):
        assert data["ids"] == [i for i in visible_ids(stop, frame) if i in set(drawn(frame).index)]
        assert set(data["styles"]) == set(data["ids"])
        assert data["bounds"] == [list(c) for c in view_bounds(stop, frame)]
        for q in caption(stop, frame).quotes:
            assert escape(q.text) in data["caption"]
        focus = [data["styles"][f]["weight"] for f in stop.features if f in data["styles"]]
        context = [data["styles"][i]["weight"] for i in data["ids"] if i not in stop.features]
        assert min(focus) > 2 and all(data["styles"][i]["opacity"] < 1 for i in data["ids"] if i not in stop.features)
        assert not context or min(focus) >= min(context)
    assert f"<title>{escape(tour.label('zh'))}</title>" in html


def test_one_stop_handout(tours, frame, vocab):
    tour = tours["dadukou-layout"]
    stops = stops_json(tour_handout_html(tour.only(3), frame, vocab, "en"))
    assert [s["title"] for s in stops] == [tour.stops[2].label("en")]


def test_plan_text_and_names_are_escaped(tours, frame, vocab):
    hostile = "<img src=x onerror=alert(1)>"
    cap = Caption(quotes=(Quote(f"{hostile}&", "yz-fyp15", f"{hostile} › 节"),),
                  targets=({"indicator": hostile, "value": "<b>1</b>", "unit": "&", "year": 2030},),
                  names=((hostile, hostile),))
    for lang in ("zh", "en"):
        html = caption_html(cap, lang)
        assert "<img" not in html and "<b>1</b>" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;&amp;" in html
    tour = tours["yuzhong-layout"]
    evil = frame.copy()
    fid = tour.stops[1].features[0]
    evil.at[fid, "name_zh"] = hostile
    html = tour_handout_html(tour, evil, vocab)
    assert hostile not in html
    assert "<img src=x" not in "".join(s["caption"] for s in stops_json(html))


def test_cli_handout_writes_the_map_and_a_tour(tmp_path, frame, capsys):
    # In-process; tests/test_present_browser.py runs the real `python -m geo handout` and opens its file.
    out = tmp_path / "map.html"
    assert cli.main(["handout", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", html) and not EXTERNAL.findall(html)
    assert set(drawn(frame).index) <= set(re.findall(r'"id":\s*"([^"]+)"', html))
    tour = tmp_path / "tour.html"
    assert cli.main(["handout", "--out", str(tour), "--tour", "periods", "--lang", "en"]) == 0
    assert "tour periods" in capsys.readouterr().out
    assert stops_json(tour.read_text(encoding="utf-8"))[0]["title"].startswith("14th")
    assert cli.main(["handout", "--out", str(tmp_path / "x.html"), "--tour", "nope"]) == 2
    assert "yuzhong-layout" in capsys.readouterr().err and not (tmp_path / "x.html").exists()


# --- the presentation map ------------------------------------------------------------------------

def test_stop_map_draws_the_stop_with_its_own_legend(tours, frame, vocab):
    stop = tours["yuzhong-layout"].stops[-1]  # transport
    m, groups = stop_map(stop, frame, vocab, forward_keys=["ArrowRight"])
    on_map = {f["properties"]["id"] for g in groups for child in g._children.values()
              for f in json.loads(child.data)["features"]}
    assert on_map == set(visible_ids(stop, frame)) & set(drawn(frame).index)
    html = m.get_root().render()
    (south, west), (north, east) = view_bounds(stop, frame)
    assert f"[{south}, {west}], [{north}, {east}]" in html, "framed on the stop"
    legend = stop_legend(stop, frame, vocab, "zh")
    assert "交通" in legend and "金融" not in legend, "only the colours on show"
    assert "ArrowRight" in html and "parent.document" in html


def test_a_stop_legend_lists_only_the_symbols_on_show(tours, frame, vocab):
    """Open over the presenter's map, the legend stays short: the plan-structure stop of
    Dadukou's tour is drawn only as structure, so its legend has that symbol and no other."""
    text = t("zh", "legend")
    structure = stop_legend(tours["dadukou-layout"].stops[0], frame, vocab, "zh")
    assert text["structure"] in structure
    assert not [k for k in ("precise", "approx", "cluster", "badge") if text[k] in structure]
    every = {k for stop in tours["yuzhong-layout"].stops for k in ("precise", "approx", "cluster", "structure", "badge")
             if text[k] in stop_legend(stop, frame, vocab, "zh")}
    assert every == {"precise", "approx", "structure"}  # each where it is drawn; a stop's map has no clusters nor badges
    assert all(text[k] in legend_html(vocab, list(vocab.themes), "zh") for k in ("precise", "badge"))  # the main map: all


# --- PNG snapshots -------------------------------------------------------------------------------

def image(png: bytes) -> np.ndarray:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def colour_pixels(pixels: np.ndarray, hex_colour: str, tolerance: int = 40) -> int:
    rgb = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(pixels - rgb).sum(axis=2) < tolerance).sum())


def test_stop_png_is_a_real_picture_of_the_map(tours, frame, vocab):
    stop = tours["yuzhong-layout"].stops[-1]  # transport: orange lines
    pixels = image(stop_snapshot_png(stop, frame, vocab))
    assert pixels.shape == (SIZE[1], SIZE[0], 3)
    assert pixels.std() > 20, "not blank"
    assert colour_pixels(pixels, THEME_COLOURS["transport"]) > 500, "the transit lines are drawn in their colour"
    assert colour_pixels(pixels, "#7fb2e5") > 2000, "the offline basemap's rivers"


def test_png_draws_the_features_it_is_given(tours, frame, vocab):
    stop = tours["dadukou-layout"].stops[5]  # the Jianqiao park plate
    bounds = view_bounds(stop, frame)
    shown = frame.loc[visible_ids(stop, frame)]
    with_features = image(snapshot_png(shown, vocab, bounds, focus=stop.features, size=(800, 500)))
    basemap_only = image(snapshot_png(shown.iloc[0:0], vocab, bounds, size=(800, 500)))
    assert with_features.shape == basemap_only.shape == (500, 800, 3)
    changed = (np.abs(with_features - basemap_only).sum(axis=2) > 30).mean()
    assert changed > 0.01, f"features change {changed:.1%} of the picture"
    assert colour_pixels(with_features, THEME_COLOURS["industry"]) > colour_pixels(basemap_only, THEME_COLOURS["industry"]) + 200
