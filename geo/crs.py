"""Coordinate systems: WGS-84 storage, a metric CRS for analysis, GCJ-02 for AMap display.

Data is stored in WGS-84 (EPSG:4326).  Distances and areas use UTM zone 48N
(EPSG:32648), which covers 102–108° E; Chongqing's centre lies at ~106.5° E.
GCJ-02 (the "Mars" offset used by AMap/Gaode tiles) is not an EPSG system; the
conversion uses the public-domain `prcoords` package.
"""
from __future__ import annotations

import prcoords
import shapely
from shapely.geometry.base import BaseGeometry

WGS84 = "EPSG:4326"
METRIC = "EPSG:32648"  # WGS 84 / UTM zone 48N


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    lat2, lon2 = prcoords.wgs_gcj((lat, lon))
    return lon2, lat2


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    lat2, lon2 = prcoords.gcj_wgs_bored((lat, lon))
    return lon2, lat2


def _transform(geom: BaseGeometry, fn) -> BaseGeometry:
    def apply(coords):
        import numpy as np

        return np.array([fn(x, y) for x, y in coords[:, :2]])

    return shapely.transform(geom, apply)


def geometry_to_gcj02(geom: BaseGeometry) -> BaseGeometry:
    return _transform(geom, wgs84_to_gcj02)


def geometry_to_wgs84(geom: BaseGeometry) -> BaseGeometry:
    return _transform(geom, gcj02_to_wgs84)
