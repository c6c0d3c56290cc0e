"""Load test: many concurrent sessions on loopback that change filters and click features.

Each session is a websocket client speaking Streamlit's own protocol (BackMsg /
ForwardMsg protobufs on /_stcore/stream, what the browser sends): it opens the page,
then for a bounded time picks a filter (districts, periods, themes, layers) or clicks a
feature on the map (the st_folium component value a click produces), waits for the
rerun to finish, and pauses like a reader.  Every rerun is a full script run: the
browser would rerun only the map fragment after a pan, so this errs on the heavy side.

Like a browser, a session then fetches the map data the map names that it has not
fetched yet (serve.py's data route, gzipped); that is part of the rerun's latency.

Reports rerun latency (send -> script finished and data fetched) p50/p95/max, errors (exceptions on
the page, failed or timed-out reruns, dropped connections) and the server's resident
memory (sampled twice a second).  It starts its own server on 127.0.0.1 (bench/server.py):
loopback only, bounded in sessions, actions per session and time.

    python bench/load_test.py                                  # 50 sessions, 60 s of actions
    python bench/load_test.py --sessions 10 --duration 20 --think 10 20
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.server import ROOT, streamlit_server  # noqa: E402
from geo.paths import DATA  # noqa: E402

OUT = ROOT / "bench" / "out"
# As in production: a file edited during a run must not reload modules under live sessions.
WATCHER_OFF = {"STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}

FILTERS = ("w_districts", "w_periods", "w_themes", "w_layers")
MAP_COMPONENT = "streamlit_folium.st_folium"
DATA_URL = re.compile(r"/api/data/[0-9a-f]+\.geojson")
FINISHED, COMPILE_ERROR = ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR
RUN_TIMEOUT_S = 180
MAX_SESSIONS, MAX_DURATION_S = 200, 900


# --- the server's memory ------------------------------------------------------------------

def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


class MemorySampler:
    """Samples a process's resident memory in the background (asyncio task)."""

    def __init__(self, pid: int, every_s: float = 0.5):
        self.pid, self.every_s, self.samples = pid, every_s, []

    async def run(self) -> None:
        while True:
            self.samples.append(rss_mb(self.pid))
            await asyncio.sleep(self.every_s)


# --- one session --------------------------------------------------------------------------

@dataclass
class RunResult:
    seconds: float
    exceptions: list[str] = field(default_factory=list)


class Session:
    """A browser tab, as far as the server can tell: one websocket, one script session."""

    def __init__(self, ws, url: str):
        self.ws, self.url = ws, url
        self.fetched: set[str] = set()  # map data URLs this tab holds (the browser's cache)
        self.widgets: dict[str, object] = {}  # widget key (or MAP_COMPONENT) -> its element proto
        self.states: dict[str, WidgetState] = {}  # widget id -> the value this tab holds
        self.detail_shown = False  # the last run drew a feature's detail panel

    @classmethod
    async def open(cls, url: str) -> Session:
        ws = await websockets.connect(url.replace("http", "ws", 1) + "/_stcore/stream",
                                      subprotocols=["streamlit"], max_size=None, open_timeout=60)
        return cls(ws, url)

    async def close(self) -> None:
        await self.ws.close()

    async def rerun(self, query_string: str = "") -> RunResult:
        msg = BackMsg()
        msg.rerun_script.query_string = query_string
        msg.rerun_script.widget_states.widgets.extend(self.states.values())
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        exceptions = await asyncio.wait_for(self._until_finished(), RUN_TIMEOUT_S)
        exceptions += await self._fetch_map_data()
        return RunResult(time.perf_counter() - start, exceptions)

    async def _fetch_map_data(self) -> list[str]:
        """GET each data payload the map names that this tab has not fetched; the failures."""
        component = self.widgets.get(MAP_COMPONENT)
        urls = set(DATA_URL.findall(component.json_args)) - self.fetched if component else set()
        failures = []
        for path in sorted(urls):
            try:
                await asyncio.to_thread(_get, self.url + path)
                self.fetched.add(path)
            except OSError as exc:
                failures.append(f"GET {path}: {exc}"[:300])
        return failures

    async def _until_finished(self) -> list[str]:
        exceptions = []
        self.detail_shown = False
        while True:
            fm = ForwardMsg()
            fm.ParseFromString(await self.ws.recv())
            kind = fm.WhichOneof("type")
            if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                self._note(fm.delta.new_element, exceptions)
            elif kind == "script_finished" and fm.script_finished in (FINISHED, COMPILE_ERROR):
                if fm.script_finished == COMPILE_ERROR:
                    exceptions.append("compile error")
                return exceptions

    def _note(self, element, exceptions: list[str]) -> None:
        kind = element.WhichOneof("type")
        if kind == "exception":
            exceptions.append(f"{element.exception.type}: {element.exception.message}"[:300])
        elif kind == "component_instance" and element.component_instance.component_name == MAP_COMPONENT:
            self.widgets[MAP_COMPONENT] = element.component_instance
        elif kind == "button" and element.button.id.endswith("-clear_sel"):
            self.detail_shown = True  # the "clear selection" button sits under a feature's details
        elif kind in ("multiselect", "radio", "text_input", "selectbox"):
            widget = getattr(element, kind)
            self.widgets[widget.id.rsplit("-", 1)[-1]] = widget

    def choose(self, key: str, labels: list[str]) -> None:
        widget_id = self.widgets[key].id
        state = WidgetState(id=widget_id)
        state.string_array_value.data.extend(labels)
        self.states[widget_id] = state

    def click(self, fid: str, lat: float, lon: float) -> None:
        """What st_folium reports after a click on feature *fid*."""
        widget_id = self.widgets[MAP_COMPONENT].id
        value = {"last_active_drawing": {"type": "Feature", "properties": {"id": fid},
                                         "geometry": {"type": "Point", "coordinates": [lon, lat]}},
                 "center": {"lat": lat, "lng": lon}, "zoom": 15}
        self.states[widget_id] = WidgetState(id=widget_id, json_value=json.dumps(value))


def _get(url: str) -> int:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=RUN_TIMEOUT_S) as resp:
        return len(resp.read())


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
    errors: list[str] = field(default_factory=list)
    clicks: int = 0
    clicks_with_detail: int = 0

    def record(self, result: RunResult, into: list[float]) -> None:
        into.append(result.seconds)
        self.errors += result.exceptions


async def visitor(n: int, url: str, end: float, think: tuple[float, float], max_actions: int, seed: int,
                  points, tally: Tally) -> None:
    rng = random.Random(seed * 1000 + n)
    try:
        session = await Session.open(url)
    except Exception as exc:  # noqa: BLE001 (a failed connection is a result)
        tally.errors.append(f"session {n}: could not connect: {exc!r}"[:300])
        return
    try:
        tally.record(await session.rerun(), tally.first_load)
        for _ in range(max_actions):
            await asyncio.sleep(rng.uniform(*think))
            if time.monotonic() >= end:
                break
            kind = act(session, rng, points)
            tally.record(await session.rerun(), tally.reruns)
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


async def crowd(url: str, pid: int, sessions: int, duration: float, think: tuple[float, float], max_actions: int,
                seed: int) -> dict:
    points = feature_points()
    await warm_up(url)
    tally, sampler = Tally(), MemorySampler(pid)
    sampling = asyncio.create_task(sampler.run())
    rss_start = rss_mb(pid)
    started = time.monotonic()
    end = started + duration
    await asyncio.gather(*(visitor(n, url, end, think, max_actions, seed, points, tally) for n in range(sessions)))
    sampling.cancel()
    return {
        "sessions": sessions, "duration_s": duration, "think_s": list(think), "seed": seed,
        "wall_s": round(time.monotonic() - started, 1),
        "first_load": summary(tally.first_load), "rerun": summary(tally.reruns),
        "clicks": tally.clicks, "clicks_that_opened_details": tally.clicks_with_detail,
        "errors": len(tally.errors), "error_samples": tally.errors[:10],
        "server_rss_mb": {"after_warm_up": round(rss_start, 1), "peak": round(max(sampler.samples), 1),
                          "end": round(sampler.samples[-1], 1)},
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sessions", type=int, default=50)
    p.add_argument("--duration", type=float, default=60, help="seconds of actions after the page opens")
    p.add_argument("--think", type=float, nargs=2, default=(2.0, 5.0), metavar=("MIN", "MAX"),
                   help="pause between a session's actions, seconds")
    p.add_argument("--max-actions", type=int, default=100, help="per session")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--app", type=Path, default=ROOT / "serve.py")
    p.add_argument("--out", type=Path, default=OUT / "load.json")
    args = p.parse_args(argv)
    if not 1 <= args.sessions <= MAX_SESSIONS or not 0 < args.duration <= MAX_DURATION_S:
        raise SystemExit(f"sessions must be 1..{MAX_SESSIONS} and duration 0..{MAX_DURATION_S} s")

    os.environ.update(WATCHER_OFF)  # read by bench/server.py's streamlit_server
    with streamlit_server(args.app, DATA) as (proc, url):
        result = asyncio.run(crowd(url, proc.pid, args.sessions, args.duration, tuple(args.think),
                                   args.max_actions, args.seed))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
