"""Soak: 1,000 reruns in one session, watching the server's memory for steady growth.

One websocket session (see load_test.py) alternates filter changes and feature clicks
without pausing; the server's resident memory is read after every rerun.  Caches fill
during the first reruns, so growth is judged on the second half: the least-squares
slope of RSS over those reruns, in MB per 100 reruns, and the change from its start to
its end.  Bounded by the rerun count and a wall-clock limit; the server is its own, on 127.0.0.1.

    python bench/soak.py                  # 1,000 reruns against its own server
    python bench/soak.py --reruns 200
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.load_test import OUT, ROOT, WATCHER_OFF, act, feature_points, rss_mb  # noqa: E402
from bench.st_client import Session  # noqa: E402
from bench.server import streamlit_server  # noqa: E402
from geo.paths import DATA  # noqa: E402

MAX_RERUNS = 5000


def slope_per_100(ys: list[float]) -> float:
    """Least-squares slope of *ys* against their index, per 100 steps."""
    return statistics.linear_regression(range(len(ys)), ys).slope * 100


async def soak(url: str, pid: int, reruns: int, limit_s: float, seed: int) -> dict:
    rng, points = random.Random(seed), feature_points()
    session = await Session.open(url)
    rss, latency, errors = [], [], []
    started = time.monotonic()
    try:
        await session.rerun()
        for _ in range(reruns):
            if time.monotonic() - started > limit_s:
                break
            act(session, rng, points)
            result = await session.rerun()
            latency.append(result.seconds)
            errors += result.exceptions
            rss.append(rss_mb(pid))
    finally:
        await session.close()
    half = rss[len(rss) // 2:]
    return {
        "reruns": len(rss), "seed": seed, "wall_s": round(time.monotonic() - started, 1),
        "rerun_p50_s": round(statistics.median(latency), 3), "errors": len(errors), "error_samples": errors[:10],
        "rss_mb_every_100": [round(v, 1) for v in rss[99::100]],
        "rss_mb_first_last_peak": [round(rss[0], 1), round(rss[-1], 1), round(max(rss), 1)],
        "second_half": {"from_mb": round(half[0], 1), "to_mb": round(half[-1], 1),
                        "slope_mb_per_100_reruns": round(slope_per_100(half), 2)},
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reruns", type=int, default=1000)
    p.add_argument("--limit", type=float, default=3600, help="wall-clock limit, seconds")
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--app", type=Path, default=ROOT / "serve.py")
    p.add_argument("--out", type=Path, default=OUT / "soak.json")
    args = p.parse_args(argv)
    if not 10 <= args.reruns <= MAX_RERUNS:
        raise SystemExit(f"reruns must be 10..{MAX_RERUNS}")
    os.environ.update(WATCHER_OFF)
    with streamlit_server(args.app, DATA) as (proc, url):
        result = asyncio.run(soak(url, proc.pid, args.reruns, args.limit, args.seed))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
