"""Where the bundled data lives.  Everything the app and tests need is inside the repo.

PLANMAP_DATA_DIR points the app and tools at another data folder of the same layout
(used by benchmarks with synthetic data and by tests with hostile fixtures).
"""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("PLANMAP_DATA_DIR") or ROOT / "data").resolve()
PLANS = DATA / "plans"
RAW = PLANS / "raw"
GEOJSON = DATA / "geojson"
CURATION = DATA / "curation"
REFERENCE = DATA / "reference"
CATALOG = PLANS / "catalog.csv"
TARGETS = DATA / "targets.csv"
UNMAPPED = DATA / "unmapped.csv"
COMPLETION = DATA / "completion_table.csv"
VOCAB = DATA / "vocabulary.yaml"
