"""Run scripts/serve_cluster.sh (N app processes behind nginx) for a benchmark or a test."""
from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.server import ROOT, free_port

SCRIPT = ROOT / "scripts" / "serve_cluster.sh"


@dataclass
class Cluster:
    url: str                  # the app through nginx, no trailing slash: http://127.0.0.1:port/prefix
    port: int
    run: Path                 # the script's run folder (config, logs, shared cache)
    app_pids: list[int] = field(default_factory=list)
    upstreams: list[str] = field(default_factory=list)  # "127.0.0.1:port" of each app process
    nginx_pid: int | None = None
    output: list[str] = field(default_factory=list)     # what the script printed so far
    proc: subprocess.Popen | None = None


def _lines(proc: subprocess.Popen, into: queue.Queue) -> None:
    for line in proc.stdout:
        into.put(line.rstrip("\n"))
    into.put(None)


@contextmanager
def serve_cluster(n: int = 2, prefix: str = "", port: int | None = None, timeout: float = 240, env: dict | None = None):
    """Yield a :class:`Cluster` once the script reports it ready; stop it (TERM) afterwards."""
    port = port or free_port()
    cmd = ["bash", str(SCRIPT), "-n", str(n), "-p", str(port)] + (["--prefix", prefix] if prefix else [])
    proc = subprocess.Popen(cmd, cwd=str(ROOT), env={**os.environ, "PYTHON": sys.executable, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_lines, args=(proc, lines), daemon=True).start()
    cluster = Cluster(url="", port=port, run=Path(), proc=proc)
    try:
        deadline = time.monotonic() + timeout
        while not cluster.url:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise RuntimeError(f"cluster not ready in {timeout} s: {cluster.output[-20:]}") from None
            if line is None:
                raise RuntimeError(f"serve_cluster.sh exited ({proc.wait()}): {cluster.output[-20:]}")
            cluster.output.append(line)
            if m := re.search(r"app \d+: pid (\d+), (127\.0\.0\.1:\d+)", line):
                cluster.app_pids.append(int(m[1]))
                cluster.upstreams.append(m[2])
            elif m := re.search(r"nginx: pid (\d+)", line):
                cluster.nginx_pid = int(m[1])
            elif m := re.search(r"run folder (\S+)\)", line):
                cluster.run = Path(m[1])
            elif line.startswith("Ready: "):
                cluster.url = line.split(" ", 1)[1].rstrip("/")
        yield cluster
    finally:
        proc.terminate()  # the script stops its children and removes its run folder
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
