"""Where the bundled data lives.  Everything the app and tests need is inside the repo.

PLANMAP_DATA_DIR (geo/settings.py) points the app and tools at another data folder of the
same layout (used by benchmarks with synthetic data and by tests with hostile fixtures).
"""
from .settings import DATA_DIR as DATA
from .settings import ROOT  # noqa: F401 - the repository's root, named here with the other paths

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
