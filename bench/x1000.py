"""The bundled features ×1000 (~845,000, bench/synthetic.py) from PostGIS: the app with
PLANMAP_DATABASE_URL, measured with bench/run.py's figures (ready_s, filter_ms, bytes,
peak_mb) plus ``backend: "postgis"`` and the server time of the first view's vector tiles.

    python bench/x1000.py --database postgresql://USER:PASS@127.0.0.1/planmap_x1000
    python bench/x1000.py --database URL --skip-load     # the database already holds ×1000

Makes the data (reused when cached in --work), loads it (`python -m geo load-db`'s
geo.db.load_db, streamed), then measures.  Adds ``x1000`` to --out/results.json and the
"x1000 from PostGIS" section of --out/RESULTS.md, keeping everything else.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import log, machine, measure, write_section  # noqa: E402
from bench.server import ROOT  # noqa: E402
from bench.synthetic import make_data  # noqa: E402

SECTION = "## x1000 from PostGIS"
GOALS = {"ready_s": 3.0, "filter_ms": 300.0, "peak_mb": 600.0}


def view_tiles_ms(url: str, runs: int) -> dict:
    """Server time of the vector tiles of the app's first view (its default zoom and
    centre, bench/browser.py's window), for every feature and for a theme filter: cold
    (cut by PostGIS) and warm (cached)."""
    from geo.filters import Filters
    from geo.store import PostgisStore
    from geo.vocab import load_vocabulary
    from layers.map import DEFAULT_CENTER, DEFAULT_ZOOM, LAYER_ORDER
    from geo.mvt import view_tiles
    from bench.render_cost import VIEW_PX
    from geo.store import PostgisTiles
    from server.data_route import TileStore

    store, themes = PostgisStore(url), list(load_vocabulary().themes)
    tiles = list(view_tiles(DEFAULT_CENTER[1], DEFAULT_CENTER[0], DEFAULT_ZOOM, *VIEW_PX))
    out = {"tiles": len(tiles), "zoom": DEFAULT_ZOOM}
    cold, warm, size = [], [], []
    for k in range(runs):
        cache, key = TileStore(), "0" * 24
        f = Filters(themes=tuple(t for t in themes if t != themes[k]))
        cache.put(key, lambda f=f: PostgisTiles(store, f, "wgs84", tuple(LAYER_ORDER)))
        for times in (cold, warm):
            start = time.perf_counter()
            size.append(sum(len(cache.tile(key, z, x, y)) for z, x, y in tiles))
            times.append((time.perf_counter() - start) * 1000)
    out |= {"cold_ms": round(statistics.median(cold), 1), "warm_ms": round(statistics.median(warm), 1),
            "bytes": size[0]}
    return out


def markdown(r: dict, args) -> str:
    met = {k: "✅" if r[k] <= goal else "❌" for k, goal in GOALS.items()}
    t = r["view_tiles"]
    return f"""{SECTION}

`python bench/x1000.py` (runs per figure: {args.runs}, medians).  Written by the script on
{time.strftime('%Y-%m-%d %H:%M')}.  The app reads PostGIS (`PLANMAP_DATABASE_URL`) and holds no
feature frame: counts, badges and the extent come from per-group sums (`plan_groups`), the
list and near-here are paged in SQL, the map is vector tiles cut by `ST_AsMVT`.

| data | backend | features | ready_s | filter_ms | bytes | peak_mb |
|---|---|---|---|---|---|---|
| x1000 | postgis | {r['features']:,} | {r['ready_s']:g} {met['ready_s']} | {r['filter_ms']:,.0f} {met['filter_ms']} | {r['bytes']:,} | {r['peak_mb']:g} {met['peak_mb']} |

Goals: first view drawn ≤ {GOALS['ready_s']:g} s, filter change ≤ {GOALS['filter_ms']:g} ms of server time, peak RSS
≤ {GOALS['peak_mb']:g} MB per app process.  The same figures as the render benchmark above
(ready_s in headless Chromium until the vector tiles of the first view are drawn;
filter_ms the AppTest rerun after a theme change plus cutting the first view's tiles for
the new filter one after another, as for the in-process tiles (here {r['filter_ms'] - r['tiles_ms']:,.0f} ms of rerun and
{r['tiles_ms']:,.0f} ms of tiles); bytes that rerun's st_folium arguments and those tiles; peak_mb the
Streamlit process's peak RSS).  Timed on their own, the first view's
{t['tiles']} vector tiles (zoom {t['zoom']}) for a new theme filter take {t['cold_ms']:,.0f} ms of PostGIS time when
cut ({t['bytes']:,} bytes), {t['warm_ms']:,.1f} ms from the cache; the browser fetches them in parallel.
Loading ×1000 into PostGIS took {r.get('load_s', 'n/a')} s.  Machine: {r['machine']['cpu']}, {r['machine']['cores']} cores,
load average {r['machine']['load_start']:.1f} at the start (other work shares the machine).
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="a PostGIS database URL the benchmark may fill")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--data", type=Path, help="the ×1000 data folder (made there, or reused; default in --work)")
    parser.add_argument("--skip-load", action="store_true", help="the database already holds the ×1000 data")
    parser.add_argument("--out", type=Path, default=ROOT / "bench")
    args = parser.parse_args()

    from geo.db import load_db
    from geo.filters import Filters
    from geo.store import PostgisStore

    data_dir = make_data(args.data or args.work / "f1.0-x1000", 1000)
    result: dict = {"backend": "postgis"}
    if not args.skip_load:
        log("loading ×1000 into PostGIS …")
        start = time.time()
        load_db(args.database, data_dir / "geojson", progress=log)
        result["load_s"] = round(time.time() - start)
    store = PostgisStore(args.database)
    f = Filters()
    features = store.count(f) + store.outlines(f)
    drawn = features - sum(store.district_counts(f).values())
    os.environ["PLANMAP_DATABASE_URL"] = args.database  # the app servers and AppTest runs inherit it

    from playwright.sync_api import sync_playwright

    from bench.browser import launch

    with sync_playwright() as p:
        browser = launch(p)
        result["machine"] = machine(browser)
        result |= measure(browser, "app", data_dir, args.runs, limit_s=120, counts=(features, drawn))
        browser.close()
    result["view_tiles"] = view_tiles_ms(args.database, args.runs)
    result["goals"] = {k: result[k] <= goal for k, goal in GOALS.items()}
    path = args.out / "results.json"
    results = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    results["x1000"] = result
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_section(args.out / "RESULTS.md", markdown(result, args), SECTION)
    print("x1000", {k: result[k] for k in ("ready_s", "filter_ms", "bytes", "peak_mb")}, result["view_tiles"],
          result["goals"])


if __name__ == "__main__":
    main()
