"""Where the bundled data lives.  Everything the app and tests need is inside the repo."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
PLANS = DATA / "plans"
RAW = PLANS / "raw"
GEOJSON = DATA / "geojson"
CURATION = DATA / "curation"
REFERENCE = DATA / "reference"
CATALOG = PLANS / "catalog.csv"
TARGETS = DATA / "targets.csv"
UNMAPPED = DATA / "unmapped.csv"
VOCAB = DATA / "vocabulary.yaml"
