"""Load the validated layer files into one GeoDataFrame (WGS-84)."""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from shapely.geometry import shape

from .crs import WGS84
from .errors import DataError
from .paths import GEOJSON
from .plans import load_corpus
from .schema import COLUMNS
from .validate import read_layers
from .vocab import load_vocabulary


def features_to_frame(features: list[dict]) -> gpd.GeoDataFrame:
    rows = []
    for f in features:
        p = f["properties"]
        rows.append({
            **{k: p.get(k) for k in COLUMNS if k not in ("precision", "basis", "geometry")},
            "precision": p["location"]["precision"],
            "basis": p["location"]["basis"],
            "geometry": shape(f["geometry"]),
        })
    frame = gpd.GeoDataFrame(rows, columns=COLUMNS, geometry="geometry", crs=WGS84)
    return frame.set_index("id", drop=False)


def load_layers(geojson_dir: Path = GEOJSON, validate: bool = True) -> gpd.GeoDataFrame:
    """All layers as one frame indexed by id; raises DataError rather than half-loading.

    With ``validate=False`` only unreadable files are refused (for tools that
    inspect data known to be good; the app always validates).
    """
    features, problems = read_layers(Path(geojson_dir), load_vocabulary(), load_corpus(), validate)
    if problems:
        raise DataError(problems)
    return features_to_frame(features)

