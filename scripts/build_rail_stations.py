"""Rebuild data/reference/rail_stations.csv: the operating rail stations in and near 渝中 and 大渡口.

Usage: python scripts/build_rail_stations.py [OUT.csv]   (default: data/reference/rail_stations.csv)

Positions are OpenStreetMap points (data/reference/metro/cq_rail_stations_osm2025_wgs84.geojson,
data date 2025-01-24, ODbL 1.0, © OpenStreetMap contributors); this CSV is a derived database
under the same licence.  Steps:

1. keep the points inside 渝中区 / 大渡口区 or within 300 m of their boundary (AMap polygons);
2. name the unnamed points only where a documented anchor does (小什字: the GCJ-02-converted AMap
   station in data/reference/PROVENANCE.md and data/curation/README.md); other unnamed points
   are left out and listed;
3. de-duplicate by name: one row per station, at the medoid of its points (an OSM point: the
   points of one name are the platforms of different lines, 0–350 m apart);
4. line membership from public knowledge (OSM has none), checked against the OSM 2016 tracks
   for lines 1/2/3/6 (the track of the line's kind must pass within 150 m).
"""
import csv
import sys
from pathlib import Path

import geopandas as gpd
from pypinyin import lazy_pinyin

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo import reference  # noqa: E402
from geo.crs import METRIC  # noqa: E402
from geo.paths import REFERENCE  # noqa: E402

SOURCE = REFERENCE / "metro" / "cq_rail_stations_osm2025_wgs84.geojson"
OUT = REFERENCE / "rail_stations.csv"
DISTRICTS = ("渝中区", "大渡口区")
NEAR_M = 300
TRACK_CHECK_M = 150
# Unnamed OSM points named by a documented anchor: (name, lon, lat, radius m, why)
ANCHORED_NAMES = [("小什字", 106.5803, 29.5629, 120,
                   "unnamed OSM points within 120 m of the 小什字 anchor (AMap station converted to WGS-84, "
                   "data/reference/PROVENANCE.md)")]

PUBLIC = "public knowledge"
UNSURE = "public knowledge, not verified (OSM has no line tags)"
PLAN_DDK = "ddk-fyp14: 建成轨道5号线（跳磴站）、江跳线和18号线（茄子溪-跳磴南）"
NEWS_18 = "news report of the line 18 opening (2023-12-28): 起于渝中区富华路站，止于大渡口区跳磴南站"
NEWS_5 = "news report on line 5: 在红岩村可与九号线互换，在歇台子和石桥铺可与1号线互换"
# name -> (lines, kind, basis of the line membership)
LINES_OF = {
    "小什字": (["1", "6"], "metro", PUBLIC),
    "较场口": (["1", "2"], "metro", PUBLIC),
    "七星岗": (["1"], "metro", PUBLIC),
    "两路口": (["1", "3"], "metro", PUBLIC),
    "鹅岭": (["1"], "metro", PUBLIC),
    "大坪": (["1", "2"], "metro", PUBLIC),
    "石油路": (["1"], "metro", PUBLIC),
    "歇台子": (["1", "5"], "metro", NEWS_5),
    "临江门": (["2"], "metro", PUBLIC),
    "黄花园": (["2"], "metro", PUBLIC),
    "大溪沟": (["2"], "metro", PUBLIC),
    "曾家岩": (["2"], "metro", PUBLIC),
    "牛角沱": (["2", "3"], "metro", PUBLIC),
    "李子坝": (["2"], "metro", PUBLIC),
    "佛图关": (["2"], "metro", PUBLIC),
    "袁家岗": (["2"], "metro", PUBLIC),
    "平安": (["2"], "metro", PUBLIC),
    "大渡口": (["2"], "metro", PUBLIC),
    "新山村": (["2"], "metro", PUBLIC),
    "天堂堡": (["2"], "metro", PUBLIC),
    "建桥": (["2"], "metro", PUBLIC),
    "金家湾": (["2"], "metro", PUBLIC),
    "刘家坝": (["2"], "metro", PUBLIC),
    "白居寺": (["2", "18"], "metro", UNSURE + " for line 18 (a second OSM point 230 m from line 2's)"),
    "红岩村": (["5", "9"], "metro", NEWS_5),
    "富华路": (["18"], "metro", NEWS_18),
    "重医": (["18"], "metro", UNSURE),
    "大礼堂": (["10"], "metro", UNSURE),
    "重庆站": (["10"], "metro", UNSURE + " (the metro station at 菜园坝 railway station)"),
    "茄子溪": (["18"], "metro", PLAN_DDK),
    "伏牛溪": (["18"], "metro", UNSURE),
    "金鳌山": (["18"], "metro", UNSURE),
    "跳磴": (["5", "18"], "metro", PLAN_DDK),
    "跳磴南": (["18"], "metro", PLAN_DDK + "; " + NEWS_18),
    "重庆": (["国铁"], "mainline", "OSM station=train: 重庆站 (菜园坝) of the national railway"),
}
# English names are Hanyu Pinyin, except where the usual reading or name differs.
NAME_EN = {"重庆": "Chongqing Railway Station", "重庆站": "Chongqing Railway Station (metro)", "重医": "Chongyi",
           "小什字": "Xiaoshizi", "曾家岩": "Zengjiayan", "佛图关": "Fotuguan", "平安": "Ping'an"}
COLUMNS = ["name_zh", "name_en", "lines", "kind", "district", "lon", "lat", "osm_points", "osm_spread_m",
           "name_basis", "lines_basis"]


def pinyin_name(name: str) -> str:
    return NAME_EN.get(name) or "".join(lazy_pinyin(name)).capitalize()


def nearby_points() -> gpd.GeoDataFrame:
    """OSM points inside a plan district or within NEAR_M of one, with that district."""
    points = gpd.read_file(SOURCE).to_crs(METRIC)
    shapes = reference.district_shapes_metric()
    points["district"] = ""
    for name in reversed(DISTRICTS):
        near = points.distance(shapes[name]) <= NEAR_M
        points.loc[near, "district"] = name
    for name in DISTRICTS:  # a point inside a district belongs to it, whatever else is near
        points.loc[points.within(shapes[name]), "district"] = name
    return points[points["district"] != ""].copy()


def name_unnamed(points: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    points["name_basis"] = "OSM name"
    for name, lon, lat, radius, why in ANCHORED_NAMES:
        anchor = gpd.GeoSeries.from_xy([lon], [lat], crs="EPSG:4326").to_crs(METRIC).iloc[0]
        hit = (points["name"].fillna("") == "") & (points.distance(anchor) <= radius)
        points.loc[hit, ["name", "name_basis"]] = [name, why]
    unnamed = points[points["name"].fillna("") == ""]
    for _, p in unnamed.to_crs("EPSG:4326").iterrows():
        print(f"left out: unnamed {p['station']} point {p.geometry.x:.5f},{p.geometry.y:.5f} ({p['district']})")
    return points[points["name"].fillna("") != ""]


def medoid(group: gpd.GeoDataFrame):
    """The point of the group with the smallest summed distance to the others."""
    geoms = list(group.geometry)
    return min(geoms, key=lambda g: (sum(g.distance(o) for o in geoms), g.x, g.y))


def track_gaps(lines: list[str], group: gpd.GeoDataFrame) -> dict[str, float]:
    """Per line of the OSM 2016 tracks, the distance from its track to the nearest point of the group."""
    return {line: min(reference.metro_line_metric(line).distance(g) for g in group.geometry)
            for line in lines if line in reference.METRO_KIND}


def rows(points: gpd.GeoDataFrame) -> list[dict]:
    out = []
    for name, group in points.groupby("name", sort=True):
        if name not in LINES_OF:
            raise SystemExit(f"OSM station {name!r} has no line entry: add it to LINES_OF")
        lines, kind, lines_basis = LINES_OF[name]
        point = medoid(group)
        gaps = track_gaps(lines, group)
        far = {line: round(gap) for line, gap in gaps.items() if gap > TRACK_CHECK_M}
        if far:
            raise SystemExit(f"{name}: the OSM 2016 track of line(s) {far} (m) is too far; check the line table")
        if gaps:
            lines_basis += "; OSM 2016 track of line " + ", ".join(f"{k} at {v:.0f} m" for k, v in gaps.items())
        spread = max(a.distance(b) for a in group.geometry for b in group.geometry)
        wgs = gpd.GeoSeries([point], crs=METRIC).to_crs("EPSG:4326").iloc[0]
        out.append({"name_zh": name, "name_en": pinyin_name(name), "lines": ";".join(lines), "kind": kind,
                    "district": group["district"].mode().iloc[0], "lon": round(wgs.x, 7), "lat": round(wgs.y, 7),
                    "osm_points": len(group), "osm_spread_m": round(spread), "name_basis": group["name_basis"].iloc[0],
                    "lines_basis": lines_basis})
    return out


def main(out: Path = OUT) -> None:
    table = rows(name_unnamed(nearby_points()))
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(table)
    print(f"wrote {len(table)} stations to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
