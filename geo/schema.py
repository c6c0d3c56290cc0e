"""The feature schema in one place: what every feature's GeoJSON properties hold, and the
columns of the frame the app loads them into (geo/features.py), validates
(geo/validate.py) and exports (geo/export.py)."""
from __future__ import annotations

# Properties copied as they are, in this order (``status`` may be null).
PROPERTIES = ("id", "name_zh", "name_en", "layer", "category", "themes", "periods", "district", "status", "sources",
              "targets")
# Every feature must have these; ``location`` is {precision, basis}.
REQUIRED = tuple(p for p in PROPERTIES if p != "status") + ("location",)
TEXT_PROPERTIES = ("id", "name_zh", "name_en", "layer", "category", "district")
# The frame: the properties, the location's two fields, the optional role, the geometry.
COLUMNS = [*PROPERTIES, "precision", "basis", "role", "geometry"]
