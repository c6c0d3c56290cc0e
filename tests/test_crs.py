"""WGS-84 <-> GCJ-02 against the known values in data/reference (README.md, verification/gcj02_check.csv)."""
from __future__ import annotations

import csv
import re

import geopandas as gpd
import pytest
import shapely

from geo.crs import METRIC, WGS84, gcj02_to_wgs84, geometry_to_gcj02, geometry_to_wgs84, wgs84_to_gcj02
from geo.paths import REFERENCE

TOLERANCE_DEG = 1e-5
# (place, WGS-84, GCJ-02): data/reference/README.md
KNOWN = [
    ("朝天门 tri-point", (106.584504, 29.574150), (106.588191, 29.571262)),
    ("解放碑", (106.5769, 29.5572), (106.580588, 29.554312)),
]


def close(a, b, tol=TOLERANCE_DEG) -> bool:
    return abs(a[0] - b[0]) <= tol and abs(a[1] - b[1]) <= tol


@pytest.mark.parametrize("place, wgs, gcj", KNOWN, ids=[k[0] for k in KNOWN])
def test_known_points_both_ways(place, wgs, gcj):
    assert close(wgs84_to_gcj02(*wgs), gcj), place
    assert close(gcj02_to_wgs84(*gcj), wgs), place


def test_offset_is_about_480_m_at_chaotianmen():
    wgs, gcj = KNOWN[0][1], KNOWN[0][2]
    points = gpd.GeoSeries.from_xy([wgs[0], gcj[0]], [wgs[1], gcj[1]], crs=WGS84).to_crs(METRIC)
    assert points.iloc[0].distance(points.iloc[1]) == pytest.approx(479, abs=3)


def verification_rows() -> list[tuple[str, tuple[float, float], tuple[float, float]]]:
    """Metro stations with an AMap (GCJ-02) position and its WGS-84 conversion in the note."""
    rows = []
    with (REFERENCE / "verification" / "gcj02_check.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            m = re.search(r"after GCJ->WGS \(([\d.]+),([\d.]+)\)", row["note"])
            if row["crs"].startswith("GCJ-02") and m and row["lon"]:
                rows.append((row["point"], (float(row["lon"]), float(row["lat"])), (float(m[1]), float(m[2]))))
    return rows


def test_verification_file_has_station_rows():
    assert len(verification_rows()) >= 4


@pytest.mark.parametrize("place, gcj, wgs", verification_rows(), ids=lambda v: v if isinstance(v, str) else "")
def test_amap_station_positions_convert_as_recorded(place, gcj, wgs):
    assert close(gcj02_to_wgs84(*gcj), wgs, 2e-6), place


def test_geometries_round_trip():
    line = shapely.LineString([KNOWN[0][1], KNOWN[1][1]])
    shifted = geometry_to_gcj02(line)
    assert close(shifted.coords[0], KNOWN[0][2]) and close(shifted.coords[1], KNOWN[1][2])
    back = geometry_to_wgs84(shifted)
    assert all(close(a, b, 1e-6) for a, b in zip(back.coords, line.coords))


def test_polygon_keeps_its_shape():
    square = shapely.box(106.57, 29.55, 106.58, 29.56)
    shifted = geometry_to_gcj02(square)
    assert shifted.geom_type == "Polygon" and shifted.is_valid
    assert shifted.area == pytest.approx(square.area, rel=1e-3)
    assert not shifted.equals(square)
