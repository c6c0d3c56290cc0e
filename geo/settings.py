"""Every setting read from the environment, in one place (as osmnx's ``settings``).

- ``PLANMAP_DATA_DIR``: another data folder of the bundled layout (benchmarks, hostile fixtures);
- ``PLANMAP_VECTOR_BUDGET``: features Leaflet draws as objects at most before the largest
  layers become vector tiles (layers/payload.py, geo/mvt.py);
- ``PLANMAP_DATABASE_URL``: a PostGIS database loaded by ``python -m geo load-db``; the app then
  asks it for what each view shows instead of loading the features (geo/store.py);
- ``PLANMAP_SHARED_CACHE``: a folder several app processes share for map data (scripts/serve_cluster.sh);
- ``TIANDITU_KEY``: a Tianditu key (or ``.streamlit/secrets.toml``, read by server/tile_proxy.py).
"""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("PLANMAP_DATA_DIR") or ROOT / "data").resolve()
# Measured here with the former server-drawn PNG tiles (page open to drawn, median of 8
# visits, two servers visited in turn):
# ×100 2.70 s with this budget vs 3.16 s with 10,000 (9,500 vector features); ×10
# (8,156 features) 2.78 s with its projects as tiles vs 2.92 s all vector.
VECTOR_BUDGET = int(os.environ.get("PLANMAP_VECTOR_BUDGET", 5_000))
DATABASE_URL = os.environ.get("PLANMAP_DATABASE_URL") or None


def tianditu_key_from_env() -> str | None:
    return os.environ.get("TIANDITU_KEY") or None


def shared_cache_dir() -> Path | None:
    """``PLANMAP_SHARED_CACHE``: a folder the app processes of one deployment share for map
    data (server/data_route.py), so any of them answers for a payload another one made."""
    value = os.environ.get("PLANMAP_SHARED_CACHE")
    return Path(value).resolve() if value else None
