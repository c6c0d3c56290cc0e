"""Load test: many concurrent sessions on loopback that change filters and click features.

Each session is a websocket client speaking Streamlit's own protocol (bench/st_client.py,
what the browser sends): it opens the page,
then for a bounded time picks a filter (districts, periods, themes, layers) or clicks a
feature on the map (the st_folium component value a click produces), waits for the
rerun to finish, and pauses like a reader.  Every rerun is a full script run: the
browser would rerun only the map fragment after a pan, so this errs on the heavy side.

Like a browser, a session then fetches the map data the map names that it has not
fetched yet (serve.py's data route, gzipped); that is part of the rerun's latency.

Reports rerun latency (send -> script finished and data fetched) p50/p95/max, errors (exceptions on
the page, failed or timed-out reruns, dropped connections) and the servers' resident
memory (sampled twice a second).  It starts its own server on 127.0.0.1 (bench/server.py),
or with ``--cluster N`` N processes behind nginx (scripts/serve_cluster.sh, bench/cluster.py):
each session then loads the page first for the balancer's sticky cookie, and the figures
name how many sessions each process held.  Loopback only, bounded in sessions, actions
per session and time.

    python bench/load_test.py                                  # 50 sessions, 60 s of actions
    python bench/load_test.py --sessions 10 --duration 20 --think 10 20
    python bench/load_test.py --cluster 2 --sessions 100 --duration 150 --think 20 40 --record
    python bench/load_test.py --cluster 2 --sessions 100 --duration 150 --think 20 40 --ramp 20  # arrivals spread
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.server import ROOT, streamlit_server  # noqa: E402
from bench.st_client import RunResult, Session, page_cookies  # noqa: E402
from geo.paths import DATA  # noqa: E402

OUT = ROOT / "bench" / "out"
RESULTS = ROOT / "bench" / "results.json"
# As in production: a file edited during a run must not reload modules under live sessions.
WATCHER_OFF = {"STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}

FILTERS = ("w_districts", "w_periods", "w_themes", "w_layers")
MAX_SESSIONS, MAX_DURATION_S = 200, 900


# --- the server's memory ------------------------------------------------------------------

def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_s(pid: int) -> float:
    """CPU time (user + system) the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class MemorySampler:
    """Samples processes' resident memory in the background (asyncio task)."""

    def __init__(self, pids: list[int], every_s: float = 0.5):
        self.pids, self.every_s = pids, every_s
        self.samples: dict[int, list[float]] = {pid: [] for pid in pids}

    async def run(self) -> None:
        while True:
            for pid in self.pids:
                self.samples[pid].append(rss_mb(pid))
            await asyncio.sleep(self.every_s)


# --- one reader -------------------------------------------------------------------------

def feature_points() -> list[tuple[str, float, float]]:
    """(id, lat, lon) of every feature but the districts: what a click can hit."""
    from geo.features import load_layers

    frame = load_layers()
    frame = frame[frame.layer != "districts"]
    return [(fid, p.y, p.x) for fid, p in zip(frame.index, frame.geometry.representative_point())]


def act(session: Session, rng: random.Random, points) -> str:
    """Prepare one reader action: set a filter (0-2 values) or click a feature; returns its kind."""
    if rng.random() < 0.5:
        key = rng.choice(FILTERS)
        options = list(session.widgets[key].options)
        session.choose(key, rng.sample(options, rng.randint(0, min(2, len(options)))))
        return "filter"
    session.click(*rng.choice(points))
    return "click"


# --- the crowd ----------------------------------------------------------------------------

@dataclass
class Tally:
    first_load: list[float] = field(default_factory=list)
    reruns: list[float] = field(default_factory=list)
    script_s: list[float] = field(default_factory=list)  # of each rerun, the script run alone
    by_kind: dict[str, list[float]] = field(default_factory=lambda: {"filter": [], "click": []})
    errors: list[str] = field(default_factory=list)
    clicks: int = 0
    clicks_with_detail: int = 0
    upstreams: Counter = field(default_factory=Counter)  # sessions per process behind a balancer

    def record(self, result: RunResult, into: list[float]) -> None:
        into.append(result.seconds)
        self.errors += result.exceptions


async def visitor(n: int, url: str, end: float, think: tuple[float, float], max_actions: int, seed: int,
                  points, tally: Tally, sticky: bool, delay: float = 0) -> None:
    """One reader, arriving after *delay* s; with *sticky* (a balancer in front) the page is
    loaded first for its cookie."""
    rng = random.Random(seed * 1000 + n)
    await asyncio.sleep(delay)
    try:
        cookies = await asyncio.to_thread(page_cookies, url) if sticky else None
        session = await Session.open(url, cookies)
    except Exception as exc:  # noqa: BLE001 (a failed connection is a result)
        tally.errors.append(f"session {n}: could not connect: {exc!r}"[:300])
        return
    tally.upstreams[session.upstream] += 1
    try:
        tally.record(await session.rerun(), tally.first_load)
        for _ in range(max_actions):
            await asyncio.sleep(rng.uniform(*think))
            if time.monotonic() >= end:
                break
            kind = act(session, rng, points)
            result = await session.rerun()
            tally.record(result, tally.reruns)
            tally.script_s.append(result.script_s)
            tally.by_kind[kind].append(result.seconds)
            if kind == "click":
                tally.clicks += 1
                tally.clicks_with_detail += session.detail_shown
    except Exception as exc:  # noqa: BLE001
        tally.errors.append(f"session {n}: {exc!r}"[:300])
    finally:
        await session.close()


async def warm_up(url: str) -> None:
    """One page view, so the data is loaded and cached before memory is measured."""
    session = await Session.open(url)
    try:
        await session.rerun()
    finally:
        await session.close()


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def summary(values: list[float]) -> dict:
    def r(v):
        return None if v is None else round(v, 3)

    return {"n": len(values), "p50_s": r(percentile(values, 50)), "p95_s": r(percentile(values, 95)),
            "max_s": r(max(values, default=None))}


async def crowd(url: str, pids: list[int], sessions: int, duration: float, think: tuple[float, float],
                max_actions: int, seed: int, warm: list[str] | None = None, sticky: bool = False,
                ramp: float = 0) -> dict:
    """*pids*: the app processes; *warm*: their own URLs (default *url*), each visited once first;
    *ramp*: the sessions arrive evenly over that many seconds (0: all at once)."""
    points = feature_points()
    for each in warm or [url]:
        await warm_up(each)
    tally, sampler = Tally(), MemorySampler(pids)
    sampling = asyncio.create_task(sampler.run())
    rss_start = {pid: rss_mb(pid) for pid in pids}
    cpu_start, client_start = {pid: cpu_s(pid) for pid in pids}, time.process_time()
    load_start = os.getloadavg()[0]
    started = time.monotonic()
    end = started + duration
    await asyncio.gather(*(visitor(n, url, end, think, max_actions, seed, points, tally, sticky, n * ramp / sessions)
                           for n in range(sessions)))
    sampling.cancel()
    cpu = {"servers": [round(cpu_s(pid) - cpu_start[pid], 1) for pid in pids],
           "load_generator": round(time.process_time() - client_start, 1)}
    rerun, first = summary(tally.reruns), summary(tally.first_load)
    rss = [{"after_warm_up": round(rss_start[pid], 1), "peak": round(max(sampler.samples[pid]), 1),
            "end": round(sampler.samples[pid][-1], 1)} for pid in pids]
    return {
        "sessions": sessions, "processes": len(pids),
        "p50_rerun_s": rerun["p50_s"], "p95_rerun_s": rerun["p95_s"], "first_page_p50_s": first["p50_s"],
        "errors": len(tally.errors),
        "duration_s": duration, "think_s": list(think), "arrivals_over_s": ramp, "seed": seed,
        "wall_s": round(time.monotonic() - started, 1),
        "first_load": first, "rerun": rerun,
        # where a rerun's time goes: the script run alone, and reruns by action
        "rerun_script_only": summary(tally.script_s),
        "rerun_by_action": {kind: summary(values) for kind, values in tally.by_kind.items()},
        "clicks": tally.clicks, "clicks_that_opened_details": tally.clicks_with_detail,
        "error_samples": tally.errors[:10],
        "sessions_per_process": sorted(tally.upstreams.values(), reverse=True) if sticky else [sessions],
        "server_rss_mb": rss[0] if len(rss) == 1 else rss,
        "peak_rss_mb_per_process": max(r["peak"] for r in rss),
        "cpu_s": cpu,  # how busy each app process and this client were over the run (2 cores shared)
        "load_avg_1min": {"start": round(load_start, 2), "end": round(os.getloadavg()[0], 2)},
    }


@contextmanager
def servers(args):
    """(base URL, app pids, their own URLs to warm up, sticky) of one server or of a cluster."""
    if args.cluster:
        from bench.cluster import serve_cluster

        with serve_cluster(args.cluster, prefix=args.prefix) as c:
            base = c.url[len(f"http://127.0.0.1:{c.port}"):]
            yield c.url, c.app_pids, [f"http://{u}{base}" for u in c.upstreams], True
    else:
        with streamlit_server(args.app, DATA) as (proc, url):
            yield url, [proc.pid], [url], False


def record(result: dict, path: Path = RESULTS) -> None:
    """Write *result* as the ``load`` entry of bench/results.json, keeping the other entries."""
    results = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    results["load"] = result
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sessions", type=int, default=50)
    p.add_argument("--duration", type=float, default=60, help="seconds of actions after the page opens")
    p.add_argument("--think", type=float, nargs=2, default=(2.0, 5.0), metavar=("MIN", "MAX"),
                   help="pause between a session's actions, seconds")
    p.add_argument("--max-actions", type=int, default=100, help="per session")
    p.add_argument("--ramp", type=float, default=0, metavar="S",
                   help="sessions arrive evenly over S seconds (default 0: all at the same moment)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--app", type=Path, default=ROOT / "serve.py", help="the app of a single server")
    p.add_argument("--cluster", type=int, default=0, metavar="N",
                   help="N processes of serve.py behind nginx (scripts/serve_cluster.sh) instead of one server")
    p.add_argument("--prefix", default="", help="with --cluster: the path prefix (e.g. /planmap)")
    p.add_argument("--out", type=Path, default=OUT / "load.json")
    p.add_argument("--record", action="store_true", help="also write the result as `load` in bench/results.json")
    args = p.parse_args(argv)
    if not 1 <= args.sessions <= MAX_SESSIONS or not 0 < args.duration <= MAX_DURATION_S:
        raise SystemExit(f"sessions must be 1..{MAX_SESSIONS} and duration 0..{MAX_DURATION_S} s")
    if not 0 <= args.cluster <= 8:
        raise SystemExit("--cluster must be 0..8 processes")

    os.environ.update(WATCHER_OFF)  # read by bench/server.py's streamlit_server
    with servers(args) as (url, pids, warm, sticky):
        result = asyncio.run(crowd(url, pids, args.sessions, args.duration, tuple(args.think),
                                   args.max_actions, args.seed, warm, sticky, args.ramp))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    if args.record:
        record(result)
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
