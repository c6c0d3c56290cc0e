"""Render benchmark: the app's map cost as the data grows, against a naive baseline.

    python bench/run.py              # the full run (bundled, ×10, ×100, naive at ×100; ~10 min)
    python bench/run.py --runs 5     # more runs per figure (default 3)
    python bench/run.py --fraction 0.01 --runs 1 --limit 10 --out /tmp/b   # a quick check (~1 min)

For the bundled data and synthetic ×10 and ×100 scale-ups (bench/synthetic.py, cached
in --work) it measures, median of --runs runs:

1. ``filter_ms``: server time of the app's rerun after a filter change, run through
   Streamlit's AppTest (bench/render_cost.py), plus encoding the vector tiles of the map's
   first view where it draws layers as tiles (``tiles_ms``; ×10 and ×100);
2. ``bytes``: what the browser gets for that rerun: st_folium's arguments and the map
   data payloads it has not fetched before (``bytes_gzip``: the same as sent gzipped);
3. ``ready_s``: headless Chromium, from opening the page to every feature drawn (a
   fresh browser context per visit, after one unmeasured visit that loads the data);
4. ``peak_mb``: peak RSS of the Streamlit process over the visits.

The naive baseline (bench/naive_map.py, bench/naive_app.py) is measured at ×100.  It is
so slow there that each of its measurements stops at --limit seconds: a figure that
hits the limit is reported as the limit and flagged as a lower bound (``lower_bounds``).
``estimate`` holds the bytes and server time of its map for the timed rerun, estimated
from a sample (its bytes stand in, flagged ``estimated``, when the rerun hit the limit).
``empty_page_s`` is the time an empty Streamlit page takes to show: the floor under
every ready_s.  Writes --out/results.json and the "Render benchmark" section of
--out/RESULTS.md (other sections are kept).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.browser import launch, seconds_to_drawn, warm_up  # noqa: E402
from bench.render_cost import SAMPLE, SCRIPTS  # noqa: E402
from bench.server import ROOT, peak_rss_mb, streamlit_server  # noqa: E402
from bench.synthetic import make_data  # noqa: E402
from geo.paths import DATA  # noqa: E402
from geo.validate import layer_files  # noqa: E402

SECTION = "## Render benchmark"
PACKAGES = ("streamlit", "streamlit-folium", "folium", "branca", "geopandas", "shapely", "pyproj", "playwright")
FIGURES = ("ready_s", "filter_ms", "bytes", "peak_mb")
SERVERS = {**SCRIPTS, "app": ROOT / "serve.py"}  # the app as the README runs it, with its data route


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def feature_count(data_dir: Path, drawn_only: bool = False) -> int:
    """The features of *data_dir*; with *drawn_only*, those the app gives a symbol (all but the
    ones known only to their district, which its district badge counts)."""
    def drawn(f: dict) -> bool:
        p = f["properties"]
        return not drawn_only or p["layer"] == "districts" or p["location"]["precision"] != "district"
    return sum(sum(map(drawn, json.loads(p.read_text(encoding="utf-8"))["features"]))
               for p in layer_files(data_dir / "geojson"))


def start_render_cost(kind: str, data_dir: Path, runs: int, limit_s: float | None = None) -> subprocess.Popen:
    """bench/render_cost.py in its own process (it reads PLANMAP_DATA_DIR on import)."""
    cmd = [sys.executable, "-m", "bench.render_cost", kind, "--runs", str(runs)]
    if limit_s:
        cmd += ["--limit", str(limit_s)]
    return subprocess.Popen(cmd, cwd=str(ROOT), env={**os.environ, "PLANMAP_DATA_DIR": str(data_dir)},
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def results_of(proc: subprocess.Popen) -> list[dict]:
    out, _ = proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"{' '.join(proc.args[2:4])} failed with code {proc.returncode}")
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def page_figures(browser, kind: str, data_dir: Path, runs: int, limit_s: float,
                 expected: int | None = None) -> tuple[list[float], float]:
    """(seconds to drawn of each visit that finished within *limit_s*, peak MB of the server).

    One unmeasured visit first loads the data into the server: the app's draws its map
    as well, the naive baseline's only loads (``?load_only=1``), since drawing takes it minutes.
    """
    expected = expected or feature_count(data_dir, drawn_only=kind != "naive")
    with streamlit_server(SERVERS[kind], data_dir) as (proc, url):
        if kind == "naive":
            warm_up(browser, url + "/?load_only=1", "#data-loaded")
        elif seconds_to_drawn(browser, url, expected, limit_s) is None:
            raise RuntimeError(f"the app did not draw {data_dir} within {limit_s} s")
        times = []
        for _ in range(runs):
            seconds = seconds_to_drawn(browser, url, expected, limit_s)
            if seconds is None:
                break  # the later visits would not finish either
            times.append(seconds)
        return times, peak_rss_mb(proc.pid)


def empty_page_seconds(browser, runs: int) -> float:
    """Median seconds to the title of a Streamlit page with nothing else: this machine's floor for ready_s."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "empty_app.py"
        script.write_text("import streamlit as st\nst.title('empty')\n")
        with streamlit_server(script, DATA) as (_, url):
            warm_up(browser, url, "h1")
            return round(statistics.median(warm_up(browser, url, "h1") for _ in range(runs)), 3)


def floor_page_seconds(browser, runs: int, limit_s: float) -> tuple[float, float]:
    """Median seconds to a one-point st_folium map drawn on an otherwise empty page, and on a
    page with the app's controls as well (bench/floor_app.py)."""
    with streamlit_server(ROOT / "bench" / "floor_app.py", DATA) as (_, url):
        seconds_to_drawn(browser, url, 1, limit_s)
        out = []
        for page in (url, url + "/?controls=1"):
            out.append(round(statistics.median(seconds_to_drawn(browser, page, 1, limit_s) for _ in range(runs)), 3))
        return out[0], out[1]


def measure(browser, kind: str, data_dir: Path, runs: int, limit_s: float, counts: tuple[int, int] | None = None) -> dict:
    """The four figures of the app (kind "app") or the naive baseline ("naive") on *data_dir*
    (*counts*: its features and those drawn, when known without reading the files)."""
    features, drawn = counts or (None, None)
    ready, peak = page_figures(browser, kind, data_dir, runs, limit_s, drawn)
    costs = start_render_cost(kind, data_dir, runs, limit_s if kind == "naive" else None)
    costs = [c for c in results_of(costs) if "filter_ms" in c]
    result = {
        "ready_s": round(statistics.median(ready), 3) if ready else limit_s,
        "filter_ms": round(statistics.median(c["filter_ms"] for c in costs), 1) if costs else limit_s * 1000,
        "bytes": costs[0]["bytes"] if costs else None,
        "bytes_gzip": costs[0].get("bytes_gzip") if costs else None,
        "tiles_ms": round(statistics.median(c.get("tiles_ms", 0) for c in costs), 1) if costs else None,
        "peak_mb": round(peak, 1),
        "features": features or feature_count(data_dir),
        "runs": {"ready": len(ready), "filter": len(costs)},
    }
    # a page visit cut off by the limit also cuts off the server's memory growth
    finished = {"ready_s": ready, "filter_ms": costs, "peak_mb": ready}
    result["lower_bounds"] = [k for k, done in finished.items() if not done]
    if kind == "naive":
        result["estimate"] = results_of(start_render_cost("naive-estimate", data_dir, 1))[0]
        if result["bytes"] is None:
            result["bytes"] = result["estimate"]["bytes"]
            result["estimated"] = ["bytes"]
    return result


def machine(browser) -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(mem_kb / 2**20, 1), "load_start": os.getloadavg()[0],
            "python": platform.python_version(), "chromium": browser.version,
            "packages": {p: metadata.version(p) for p in PACKAGES}}


def ratios(app: dict, naive: dict) -> dict:
    """Baseline divided by app (bigger is better); a lower bound where the baseline hit the limit.

    The estimated ratios use the naive map's server time estimated from a sample: its
    rerun takes about that long, and its page cannot be ready sooner.
    """
    render_s = naive["estimate"]["render_ms"] / 1000
    return {"ready": round(naive["ready_s"] / app["ready_s"], 1),
            "filter": round(naive["filter_ms"] / app["filter_ms"], 1),
            "lower_bounds": [r for r, f in (("ready", "ready_s"), ("filter", "filter_ms"))
                             if f in naive["lower_bounds"]],
            "ready_estimated_at_least": round(render_s / app["ready_s"], 1),
            "filter_estimated": round(render_s * 1000 / app["filter_ms"], 1)}


def markdown(results: dict, args) -> str:
    def cell(row: dict, key: str) -> str:
        mark = "≥ " if key in row["lower_bounds"] else "≈ " if key in row.get("estimated", []) else ""
        return mark + (f"{row[key]:,.0f}" if key in ("bytes", "filter_ms") else f"{row[key]:g}")

    def line(name: str) -> str:
        cells = " | ".join(cell(results[name], k) for k in FIGURES)
        return f"| {name} | {results[name]['features']:,} | {cells} |"

    m, r, estimate = results["machine"], results["ratio_x100"], results["baseline_x100"]["estimate"]
    rows = "\n".join(line(name) for name in ("bundled", "x10", "x100", "baseline_x100"))
    bound = lambda k: "≥ " if k in r["lower_bounds"] else ""  # noqa: E731
    return f"""{SECTION}

`python bench/run.py` (runs per figure: {args.runs}, medians; baseline limit {args.limit:g} s per
measurement).  Written by the script on {time.strftime('%Y-%m-%d %H:%M')}.

| data | features | ready_s | filter_ms | bytes | peak_mb |
|---|---|---|---|---|---|
{rows}

Ratio baseline / app at ×100 (bigger is better): page ready {bound('ready')}{r['ready']}×,
filter rerun {bound('filter')}{r['filter']}×.  Estimated from a {SAMPLE}-feature sample, the
naive map of that rerun ({estimate['features']:,} features) takes ≈ {estimate['render_ms'] / 1000:,.0f} s to
build on the server: ≈ {r['filter_estimated']}× the app's rerun; the naive page of all features
cannot be ready sooner (≥ ≈ {r['ready_estimated_at_least']}× the app's ready_s).  An empty Streamlit
page (a title only) takes {results['empty_page_s']:g} s to show here, and a page with a title and a
one-point st_folium map {results['floor_page_s']:g} s: the floor under every ready_s.  With the app's
controls added (its widgets, empty; bench/floor_app.py?controls=1) that page takes
{results['controls_page_s']:g} s: the app's page before any of its data is drawn.

- **ready_s**: headless Chromium, opening the page to every feature drawn (fresh browser
  context per visit; one unmeasured visit first, which loads the data into the server).
- **filter_ms**: server time of the whole app rerun after a filter change (AppTest; the
  theme filter set to all themes but one, a different one each run, so the app's cached
  layers miss and nearly every feature is drawn again; bench/render_cost.py), plus, where
  the map draws its largest layers as vector tiles (past 5,000 features: ×10 and ×100), encoding
  the tiles of the map's first view for the new filter: {', '.join(f"{n} {results[n]['tiles_ms']:,.0f} ms" for n in ('bundled', 'x10', 'x100'))} of it.
- **bytes**: what the browser gets for that rerun: the st_folium component's arguments
  plus, for the app, the map data it fetches anew from the data route and the tiles of
  its first view (uncompressed; as
  served gzipped: {', '.join(f"{n} {results[n]['bytes_gzip']:,}" for n in ('bundled', 'x10', 'x100'))}).
- **peak_mb**: peak RSS of the Streamlit process (loading and validating the data included).
- ≥: the baseline did not finish within the limit, so the figure (and the ratio) is a
  lower bound; ≈: estimated from a {SAMPLE}-feature sample (each naive feature adds its own code).
- Synthetic data: bench/synthetic.py (copies of the real features, jittered inside their
  districts and checked against the validator's rules).

Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM; Python {m['python']}; Chromium {m['chromium']};
{', '.join(f'{p} {v}' for p, v in m['packages'].items())}.
Load average (1 min) at the start and end of the run: {m['load_start']:.1f}, {results['load_end']:.1f}
(other work on the machine slows every figure).
"""


def write_section(path: Path, section: str, heading: str = SECTION) -> None:
    """Replace the *heading* section of *path* (up to the next "## " heading), keeping the rest."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n\n"
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.strip() == heading), None)
    if start is None:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        text = "".join(lines[:start]) + section + ("\n" + "".join(lines[end:]) if end < len(lines) else "")
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs per figure, medians reported (default 3)")
    parser.add_argument("--limit", type=float, default=120, help="seconds each baseline measurement may take (120)")
    parser.add_argument("--fraction", type=float, default=1.0,
                        help="start from this share of the bundled features (quick checks; default 1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic data (default 0)")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "out", help="synthetic data folders (reused)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench", help="where results.json and RESULTS.md go")
    args = parser.parse_args()

    started = time.time()
    base = DATA if args.fraction >= 1 else make_data(args.work / f"f{args.fraction}-x1", 1, args.fraction, args.seed)
    sizes = {"bundled": base}
    for factor in (10, 100):
        log(f"synthetic ×{factor} …")
        sizes[f"x{factor}"] = make_data(args.work / f"f{args.fraction}-x{factor}", factor, args.fraction, args.seed)

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        results = {"machine": machine(browser), "empty_page_s": empty_page_seconds(browser, args.runs),
                   **dict(zip(("floor_page_s", "controls_page_s"), floor_page_seconds(browser, args.runs, 60)))}
        for name, data_dir in sizes.items():
            log(f"app, {name} …")
            results[name] = measure(browser, "app", data_dir, args.runs, limit_s=max(args.limit, 120))
        log("naive baseline, x100 …")
        results["baseline_x100"] = measure(browser, "naive", sizes["x100"], args.runs, args.limit)
        browser.close()
    results["ratio_x100"] = ratios(results["x100"], results["baseline_x100"])
    results["load_end"] = os.getloadavg()[0]
    results["seconds"] = round(time.time() - started)

    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "results.json"
    kept = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}  # other benchmarks' entries (load)
    results = {**{k: v for k, v in kept.items() if k not in results}, **results}
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_section(args.out / "RESULTS.md", markdown(results, args))
    for name in ("bundled", "x10", "x100", "baseline_x100"):
        print(name, {k: results[name][k] for k in FIGURES}, results[name]["lower_bounds"])
    print("ratio_x100", results["ratio_x100"], f"({results['seconds']} s)")


if __name__ == "__main__":
    main()
