"""Where the district badges go (geo/placement.py): where the district has the fewest symbols."""
from __future__ import annotations

import geopandas as gpd
import shapely

from geo import reference
from geo.crs import METRIC, WGS84
from geo.placement import MARGIN_M, badge_points, quiet_point


def test_the_quiet_point_is_away_from_the_obstacles_and_inside_the_area():
    area = shapely.box(0, 0, 10_000, 4_000)
    crowd = [shapely.Point(x, y) for x in range(0, 6_000, 500) for y in range(0, 4_000, 500)]
    spot = quiet_point(area, crowd)
    assert spot.x > 8_000  # the empty east end
    assert area.buffer(-MARGIN_M + 1).contains(spot)  # well inside
    assert min(spot.distance(p) for p in crowd) > 2_000


def test_with_nothing_to_avoid_or_no_room_it_is_the_representative_point():
    area = shapely.box(0, 0, 10_000, 4_000)
    assert quiet_point(area, []).equals(area.representative_point())
    sliver = shapely.box(0, 0, 10_000, MARGIN_M)  # nothing is MARGIN_M inside it
    assert quiet_point(sliver, [shapely.Point(0, 0)]).equals(sliver.representative_point())


def test_each_badge_sits_in_its_district_further_from_the_symbols_than_its_name(frame):
    points = badge_points(frame)
    wide = frame[(frame.precision == "district") & (frame.layer != "districts")]
    assert set(points) == set(wide["district"])  # a point for each district that has a badge
    districts = reference.districts().set_index("name").to_crs(METRIC)
    located = frame[(frame.precision != "district") & (frame.geom_type == "Point")].to_crs(METRIC)
    tree = shapely.STRtree(located.geometry.values)

    def room(lon: float, lat: float) -> float:
        point = gpd.GeoSeries(gpd.points_from_xy([lon], [lat]), crs=WGS84).to_crs(METRIC).iloc[0]
        return float(tree.query_nearest(point, return_distance=True)[1][0]), point

    for district, (lon, lat) in points.items():
        space, point = room(lon, lat)
        assert districts.geometry[district].contains(point)
        name_space, _ = room(districts.loc[district, "label_lon"], districts.loc[district, "label_lat"])
        assert space >= name_space and space > 500, (district, space, name_space)
