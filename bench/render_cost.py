"""Figures 1 and 2: server time and bytes of a rerun after a filter change.

Runs the app (or the naive baseline) through Streamlit's AppTest: a first run loads
the data and draws the default map, then each timed run changes the theme filter to
"every theme but one" (a different one each run, so the app's cached collections miss
and the map is rebuilt for ~90 % of the features) and times the whole rerun of the
script.  Bytes are what the browser gets for that rerun (see component_bytes), as
Streamlit sends them to the browser (the JSON in the component element).  When the map
draws layers as vector tiles (geo/mvt.py; past PLANMAP_VECTOR_BUDGET features), the
server also encodes the tiles the map shows at first (VIEW_PX, as in bench/browser.py's
window): that time counts in ``filter_ms`` (``tiles_ms`` apart) and the tiles in the bytes.

Runs in its own process because geo reads PLANMAP_DATA_DIR when imported; prints one
JSON line per run, and stops at the first run over --limit seconds:

    PLANMAP_DATA_DIR=DIR python -m bench.render_cost app --runs 5
    PLANMAP_DATA_DIR=DIR python -m bench.render_cost naive --runs 1 --limit 150
    PLANMAP_DATA_DIR=DIR python -m bench.render_cost naive-estimate   # from a sample
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

SCRIPTS = {"app": ROOT / "streamlit_app.py", "naive": ROOT / "bench" / "naive_app.py"}
SAMPLE = 300  # features drawn naively to estimate the naive map of every feature


DATA_URL = re.compile(r"/api/data/([0-9a-f]+)\.geojson")
TILE_URL = re.compile(r"/api/data/([0-9a-f]+)/\{z\}/\{x\}/\{y\}\.mvt")
VIEW_PX = (572, 660)  # the map's size in a 1400×1000 window (bench/browser.py)


def map_args(at: AppTest) -> str:
    """The st_folium component's arguments in the last run, as sent."""
    (element,) = [e for e in at.get("component_instance") if e.proto.component_name.endswith("st_folium")]
    return element.proto.json_args


def view_tiles(at: AppTest, drawn: set[str]) -> tuple[int, float]:
    """(bytes, ms) of encoding the tiles the map shows at first, for tiled layers not encoded before."""
    from geo.mvt import view_tiles
    from layers.map import DEFAULT_CENTER, DEFAULT_ZOOM
    from server import data_route

    new = set(TILE_URL.findall(map_args(at))) - drawn
    drawn |= new
    start, size = time.perf_counter(), 0
    for key in new:
        for z, x, y in view_tiles(DEFAULT_CENTER[1], DEFAULT_CENTER[0], DEFAULT_ZOOM, *VIEW_PX):
            size += len(data_route.TILES.tile(key, z, x, y))
    return size, (time.perf_counter() - start) * 1000 if new else 0.0


def component_bytes(at: AppTest, fetched: set[str]) -> tuple[int, int]:
    """(bytes, gzipped bytes) the browser gets for the last run: the st_folium component's
    arguments, plus each map data payload they name that it has not fetched yet (the app
    under serve.py; those are served gzipped, the arguments are not)."""
    from server.data_route import STORE

    args = map_args(at)
    new = set(DATA_URL.findall(args)) - fetched
    fetched |= new
    data = sum(len(STORE.get(k)) for k in new)
    packed = sum(len(STORE.gzipped(k)) for k in new)
    return len(args.encode()) + data, len(args.encode()) + packed


def all_themes_but(k: int) -> list[str]:
    """The theme filter of run *k*: every theme but one, a different one each run."""
    from geo.vocab import load_vocabulary

    themes = list(load_vocabulary().themes)
    return [t for t in themes if t != themes[k % len(themes)]]


def timed_reruns(kind: str, runs: int, limit_s: float | None = None) -> None:
    """Print each timed rerun; stop at the first that takes longer than *limit_s*."""
    if kind == "app":  # as under serve.py: the map's data goes through the data route
        from server import data_route

        data_route.routes()
    at = AppTest.from_file(str(SCRIPTS[kind]), default_timeout=3600)
    if kind == "naive":
        at.query_params["load_only"] = "1"  # its first run would draw every feature: minutes at ×100
    at.run()
    fetched: set[str] = set()
    drawn: set[str] = set()
    if kind == "app":
        component_bytes(at, fetched)  # what the first page fetched
        view_tiles(at, drawn)
    at.query_params.pop("load_only", None)
    for k in range(runs):
        at.multiselect(key="w_themes").set_value(all_themes_but(k))
        start = time.perf_counter()
        try:
            at.run(timeout=limit_s)
        except RuntimeError:  # AppTest gave up waiting; the script thread would go on for minutes
            print(json.dumps({"timed_out_ms": limit_s * 1000}), flush=True)
            os._exit(0)
        elapsed = time.perf_counter() - start
        if at.exception:
            raise RuntimeError(f"{kind} failed: {at.exception[0].message}")
        sent, packed = component_bytes(at, fetched)
        tiles, tiles_ms = view_tiles(at, drawn) if kind == "app" else (0, 0.0)
        print(json.dumps({"filter_ms": elapsed * 1000 + tiles_ms, "rerun_ms": elapsed * 1000, "tiles_ms": tiles_ms,
                          "bytes": sent + tiles, "bytes_gzip": packed + tiles}), flush=True)


def naive_estimate() -> None:
    """The naive map of the first timed rerun, estimated from a sample: each feature adds
    its own code and its own rendering time, so bytes and server time grow linearly."""
    import streamlit_folium

    from bench.naive_map import naive_map
    from geo.features import load_layers
    from geo.filters import Filters, apply
    from geo.vocab import load_vocabulary

    sent: dict = {}
    streamlit_folium._component_func = lambda **kwargs: sent.update(kwargs)

    def cost(frame) -> tuple[int, float]:
        start = time.perf_counter()
        streamlit_folium.st_folium(naive_map(frame, vocab))
        elapsed = time.perf_counter() - start
        return len(json.dumps({k: v for k, v in sent.items() if not callable(v)})), elapsed * 1000

    vocab = load_vocabulary()
    frame = apply(load_layers(validate=False), Filters(themes=tuple(all_themes_but(0))))
    sample = frame.sample(min(SAMPLE, len(frame)), random_state=0)
    cost(frame.iloc[:0])  # first-call costs
    (empty_bytes, empty_ms), (bytes_, ms) = cost(frame.iloc[:0]), cost(sample)
    scale = len(frame) / len(sample)
    print(json.dumps({"bytes": round(empty_bytes + (bytes_ - empty_bytes) * scale), "features": len(frame),
                      "render_ms": round(empty_ms + (ms - empty_ms) * scale), "sample": len(sample)}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["app", "naive", "naive-estimate"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--limit", type=float, help="seconds a timed rerun may take")
    args = parser.parse_args()
    if args.kind == "naive-estimate":
        naive_estimate()
    else:
        timed_reruns(args.kind, args.runs, args.limit)


if __name__ == "__main__":
    main()
