"""The render benchmark runs end to end on a tiny size and writes its results (not a timed test)."""
from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT

FIGURES = {"ready_s", "filter_ms", "bytes", "peak_mb"}


def test_benchmark_runs_on_a_tiny_size_and_writes_its_results(tmp_path):
    other = "## Load and soak\n\nnumbers of the other benchmark\n"
    (tmp_path / "RESULTS.md").write_text(f"# Benchmark results\n\n{other}", encoding="utf-8")
    subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--fraction", "0.01", "--runs", "1",
                    "--limit", "5", "--out", str(tmp_path), "--work", str(tmp_path / "data")],
                   cwd=str(ROOT), check=True, timeout=600, capture_output=True)

    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    sizes = ["bundled", "x10", "x100", "baseline_x100"]
    for name in sizes:
        assert FIGURES <= set(results[name]), name
        assert all(results[name][k] > 0 for k in FIGURES), results[name]
    assert set(results["ratio_x100"]) >= {"ready", "filter"}
    counts = [results[name]["features"] for name in sizes[:3]]
    assert counts[0] < counts[1] < counts[2] == results["baseline_x100"]["features"]
    # the app's map data goes gzipped (a tiny rerun may fetch none: its filter can leave the layers as they were)
    assert all(0 < results[n]["bytes_gzip"] <= results[n]["bytes"] for n in sizes[:3])
    assert 0 < results["empty_page_s"] and 0 < results["floor_page_s"] and 0 < results["controls_page_s"]

    report = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert "## Render benchmark" in report and other in report
    assert f"{results['x100']['features']:,}" in report
