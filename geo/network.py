"""The operating rail network as map features: stations at their OpenStreetMap points, lines through them.

Built by ``python -m geo build`` from :func:`geo.reference.rail_stations` (OSM 2025 points) and the
OSM 2016 tracks.  Each feature quotes the plan passage that names its line, so it is tied to the
plans like every other feature.  A station the plans name themselves (:data:`PLAN_STATIONS`) is
not drawn twice: the plan's feature keeps its words and status and moves onto the OSM point, its
basis saying that the station is on the 2025 map.
"""
from __future__ import annotations

import heapq
import math

import geopandas as gpd
import shapely
from shapely.geometry import LineString, MultiLineString, Point, mapping
from shapely.ops import linemerge

from . import reference
from .crs import METRIC, WGS84
from .curation import locate_quote
from .plans import Document
from .vocab import Vocabulary

OSM_CITATION = "OpenStreetMap 2025-01-24 station point (data/reference/rail_stations.csv, © OpenStreetMap contributors, ODbL)"
# Plan passages naming the operating lines, per district: (lines named, document, quote).
LINE_QUOTES = {
    "渝中区": [({"1", "2", "18"}, "yz-fyp15", "1、2、18、26、27号线等5条东西走向的轨道线路"),
              ({"3", "5", "6", "9", "10"}, "yz-fyp15", "3、5、6、9、10、12、28号线等7条南北走向的轨道线路")],
    "大渡口区": [({"2"}, "ddk-fyp14", "轻轨 2 号线沿线商业商务功能集聚成型"),
               ({"5", "18"}, "ddk-fyp14", "建成轨道5号线（跳磴站）、江跳线和18号线（茄子溪-跳磴南）")],
}
# Plan features that are OSM stations: feature id -> OSM name.
PLAN_STATIONS = {"yz-station-liziba": "李子坝", "ddk-station-qiezixi": "茄子溪", "ddk-station-tiaodeng": "跳磴",
                 "ddk-station-tiaodeng-south": "跳磴南", "yz-chongqing-railway-station": "重庆"}
# Operating lines drawn: line -> (name_zh, name_en, year the line first opened, stations in order).
# Order and opening years are public knowledge; a gap between listed stations (stations outside
# the two districts) is bridged by the OSM 2016 track where there is one.
LINES = {
    "1": ("轨道交通1号线（运营）", "Line 1 (operating)", 2011, ["小什字", "较场口", "七星岗", "两路口", "鹅岭", "大坪", "石油路", "歇台子"]),
    "2": ("轨道交通2号线（运营）", "Line 2 (operating)", 2005,
          ["较场口", "临江门", "黄花园", "大溪沟", "曾家岩", "牛角沱", "李子坝", "佛图关", "大坪", "袁家岗",
           "平安", "大渡口", "新山村", "天堂堡", "建桥", "金家湾", "刘家坝", "白居寺"]),
    "3": ("轨道交通3号线（运营）", "Line 3 (operating)", 2011, ["牛角沱", "两路口"]),
    "6": ("轨道交通6号线（运营）", "Line 6 (operating)", 2012, ["小什字"]),
    "5": ("轨道交通5号线（运营）", "Line 5 (operating)", 2017, ["红岩村", "歇台子"]),
    "18": ("轨道交通18号线（运营）", "Line 18 (operating)", 2023, ["茄子溪", "白居寺", "伏牛溪", "金鳌山", "跳磴", "跳磴南"]),
}
# A track path may be this much longer than the straight line between its stations; beyond it
# (the track wanders onto another line) the stations are joined straight and the basis says so.
MAX_DETOUR = 2.0
NODE_M = 0.5  # track vertices closer than this are one graph node


def station_name_zh(name: str) -> str:
    return name if name.endswith("站") else f"{name}站"


def slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def line_sources(lines, district: str, corpus: dict[str, Document]) -> list[dict]:
    """The plan passages of *district* naming any of *lines*."""
    return [locate_quote(corpus[doc], quote) for named, doc, quote in LINE_QUOTES[district] if named & set(lines)]


def _periods(sources: list[dict], vocab: Vocabulary) -> list[str]:
    return sorted({p for s in sources for p in vocab.document_periods(s["document"])})


def osm_basis(row) -> str:
    spread = ""
    if row["osm_points"] > 1:  # one name, several points: the platforms of different lines, or repeated tags
        where = f"within {row['osm_spread_m']} m" if row["osm_spread_m"] else "at one spot (repeated with another station tag)"
        spread = f", {row['osm_points']} OSM points of this name {where}, the medoid taken"
    named = "" if row["name_basis"] == "OSM name" else f" [name: {row['name_basis']}]"
    return f"{OSM_CITATION}: '{row['name_zh']}'{named}{spread}; lines {'/'.join(row['lines'])} ({row['lines_basis']})"


def station_features(corpus: dict[str, Document], vocab: Vocabulary) -> list[dict]:
    """One existing-station feature per OSM station the plans do not name themselves."""
    out = []
    named = set(PLAN_STATIONS.values())
    for _, row in reference.rail_stations().iterrows():
        if row["name_zh"] in named:
            continue
        sources = line_sources(row["lines"], row["district"], corpus)
        prefix = "yz" if row["district"] == "渝中区" else "ddk"
        fid = f"{prefix}-rail-station-{slug(row['name_en'])}"
        name_en = row["name_en"] if "Station" in row["name_en"] else f"{row['name_en']} Station"
        out.append(_feature(fid, station_name_zh(row["name_zh"]), name_en, "stations", "rail_station",
                            row["district"], sources, vocab, row.geometry, "exact", osm_basis(row),
                            {"dataset": "osm2025", "name": row["name_zh"], "lines": list(row["lines"])}))
    return out


def anchor_plan_stations(features: list[dict]) -> int:
    """Move the plan's own station features onto their OSM points; returns how many moved."""
    stations = reference.rail_stations().set_index("name_zh")
    moved = 0
    for f in features:
        name = PLAN_STATIONS.get(f["properties"]["id"])
        if name is None:
            continue
        row = stations.loc[name]
        f["geometry"] = mapping(Point(round(row.geometry.x, 7), round(row.geometry.y, 7)))
        f["properties"]["location"] = {
            "precision": "exact",
            "basis": f"on the map of 2025 — {osm_basis({**row, 'name_zh': name})}; the plan's words and status are kept"}
        f["properties"]["reference"] = {"dataset": "osm2025", "name": name, "lines": list(row["lines"])}
        moved += 1
    return moved


def _feature(fid, name_zh, name_en, layer, category, district, sources, vocab, geom, precision, basis, ref) -> dict:
    return {"type": "Feature", "id": fid, "geometry": mapping(geom), "properties": {
        "id": fid, "name_zh": name_zh, "name_en": name_en, "layer": layer, "category": category,
        "themes": ["transport"], "periods": _periods(sources, vocab), "district": district, "status": "existing",
        "sources": sources, "targets": [], "location": {"precision": precision, "basis": basis}, "reference": ref}}


# --- lines along the track -----------------------------------------------------------------

def _key(xy) -> tuple[int, int]:
    return round(xy[0] / NODE_M), round(xy[1] / NODE_M)


def track_graph(kind: str) -> tuple[dict, dict]:
    """The OSM 2016 tracks of one kind (subway / monorail) as a graph: node -> {node: metres}, node -> xy."""
    tracks = reference.metro_tracks()
    lines = shapely.get_parts(tracks[tracks["railway"] == kind].to_crs(METRIC).union_all())
    graph: dict = {}
    where: dict = {}
    for line in lines:
        coords = list(line.coords)
        for a, b in zip(coords, coords[1:]):
            ka, kb = _key(a), _key(b)
            where[ka], where[kb] = a, b
            d = math.dist(a, b)
            graph.setdefault(ka, {})[kb] = d
            graph.setdefault(kb, {})[ka] = d
    return graph, where


def shortest_path(graph: dict, start, goal) -> list | None:
    """Dijkstra over *graph*; the node list from start to goal, or None when not connected."""
    best, back, queue = {start: 0.0}, {}, [(0.0, start)]
    while queue:
        dist, node = heapq.heappop(queue)
        if node == goal:
            path = [node]
            while path[-1] != start:
                path.append(back[path[-1]])
            return path[::-1]
        if dist > best[node]:
            continue
        for nxt, d in graph[node].items():
            if dist + d < best.get(nxt, math.inf):
                best[nxt], back[nxt] = dist + d, node
                heapq.heappush(queue, (dist + d, nxt))
    return None


def _nearest_node(where: dict, point: Point):
    return min(where, key=lambda k: math.dist(where[k], (point.x, point.y)))


def line_geometry(line: str, stations: list[Point]) -> tuple[LineString | MultiLineString, int, int]:
    """The line through its (metric) *stations* in order: (geometry, legs on the track, straight legs)."""
    kind = reference.METRO_KIND.get(line)
    graph, where = track_graph(kind) if kind else ({}, {})
    legs, on_track = [], 0
    for a, b in zip(stations, stations[1:]):
        path = shortest_path(graph, _nearest_node(where, a), _nearest_node(where, b)) if graph else None
        leg = LineString([a, *[where[k] for k in path], b]) if path else None
        if leg is not None and leg.length <= MAX_DETOUR * a.distance(b) + 200:
            legs.append(leg)
            on_track += 1
        else:
            legs.append(LineString([a, b]))
    merged = linemerge(MultiLineString(legs)) if legs else None
    return merged, on_track, len(legs) - on_track


def single_station_track(line: str, district_area) -> MultiLineString:
    """A line with one station here: its named OSM 2016 ways near the districts (metric)."""
    tracks = reference.metro_tracks()
    ways = tracks[tracks["line"] == line].to_crs(METRIC).union_all()
    return ways.intersection(district_area)


def line_features(corpus: dict[str, Document], vocab: Vocabulary) -> list[dict]:
    stations = reference.rail_stations().set_index("name_zh")
    metric = stations.geometry.to_crs(METRIC)
    shapes = reference.district_shapes_metric()
    near = shapes["渝中区"].union(shapes["大渡口区"]).buffer(300)
    out = []
    for line, (name_zh, name_en, opened, order) in LINES.items():
        points = [metric.loc[n] for n in order]
        if len(points) > 1:
            geom, on_track, straight = line_geometry(line, points)
            how = (f"drawn through {len(points)} OpenStreetMap 2025 station points in order (public knowledge); "
                   + (f"{on_track} legs follow the OSM 2016 track (© OpenStreetMap contributors, ODbL)" if on_track else "")
                   + ("; " if on_track and straight else "")
                   + (f"{straight} legs are a straight polyline between stations, not the track" if straight else ""))
        else:
            geom, on_track, straight = single_station_track(line, near), 1, 0
            how = (f"the OSM 2016 track of line {line} (© OpenStreetMap contributors, ODbL) within 300 m of the districts, "
                   f"through its one station here ({order[0]}, OpenStreetMap 2025 point)")
        districts = stations.loc[order, "district"]
        district = districts.mode().iloc[0]
        sources = [s for d in sorted(set(districts), key=lambda d: d != district) for s in line_sources([line], d, corpus)]
        precision = "exact" if not straight else "schematic"
        wgs = shapely.set_precision(gpd.GeoSeries([geom], crs=METRIC).to_crs(WGS84).iloc[0], 1e-7)
        prefix = "yz" if district == "渝中区" else "ddk"
        out.append(_feature(f"{prefix}-operating-line-{line}", name_zh, name_en, "transit", "operating_line", district,
                            sources, vocab, wgs, precision, f"{how}; line open since {opened} (public knowledge)",
                            {"dataset": "osm2025", "line": line, "stations": order}))
    return out
