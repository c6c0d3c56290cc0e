"""Start a Streamlit script on a free local port with a given data folder; its peak memory."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set size so far (Linux: VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc: peak memory needs Linux")


@contextmanager
def streamlit_server(script: Path, data_dir: Path, timeout: float = 120):
    """Yield (process, base URL) of `streamlit run script` reading *data_dir*.

    Streamlit serves ``static/`` from next to the script, so a script outside the repo
    root (the naive baseline) is run through a link in a folder that also links static/.
    """
    with tempfile.TemporaryDirectory(prefix="planmap-bench-") as tmp:
        if script.parent != ROOT:
            (Path(tmp) / "static").symlink_to(ROOT / "static")
            (Path(tmp) / script.name).symlink_to(script)
            script = Path(tmp) / script.name
        port = free_port()
        log = open(Path(tmp) / "server.log", "wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.enableStaticServing", "true", "--server.maxMessageSize", "2000"],
            cwd=str(ROOT), env={**os.environ, "PLANMAP_DATA_DIR": str(data_dir)}, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"streamlit exited: {(Path(tmp) / 'server.log').read_text()[-2000:]}")
                try:
                    urllib.request.urlopen(url + "/_stcore/health", timeout=1)
                    break
                except OSError:
                    if time.time() > deadline:
                        raise RuntimeError("streamlit did not start in time")
                    time.sleep(0.3)
            yield proc, url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()
