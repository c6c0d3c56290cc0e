"""Rebuild data/reference/stations_existing.csv: operating rail stations in and near 渝中 and 大渡口.

Usage: python scripts/build_stations.py

No licensed station table is bundled, so every position below is an approximate WGS-84 point
from memory (or a README anchor), snapped onto the OpenStreetMap 2016 track of its line with
geo.reference.snap_to_metro.  Snapping fixes the cross-track error only: the position ALONG
the track is still the remembered one, which is why the precision says so.  Only lines 1, 2, 3
and 6 are in the OSM reference; stations of later lines (5, 9, 18, ...) are left out rather
than guessed.  Interchanges get one row per line.
"""
import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.paths import REFERENCE  # noqa: E402
from geo.reference import snap_to_metro  # noqa: E402

OUT = REFERENCE / "stations_existing.csv"
ANCHOR = "README anchor (data/curation/README.md), snapped"
CENTRAL = "from memory (central 渝中, well-known stop, ~200 m along the track), snapped"
OUTER = "from memory (order along the line known, spacing guessed; may be several hundred m off along the track), snapped"
LIZIBA = "as curated for yz-station-liziba (0.85 km along line 2 from the 牛角沱 anchor), snapped"

# name_zh, name_en, line, lon, lat, precision, basis (before snapping)
STATIONS = [
    # Line 1 (heavy rail, under the peninsula's spine); 朝天门 opened after the 2016 OSM data: left out.
    ("小什字", "Xiaoshizi", "1", 106.5803, 29.5629, "exact", ANCHOR),
    ("较场口", "Jiaochangkou", "1", 106.5683, 29.5560, "exact", ANCHOR),
    ("七星岗", "Qixinggang", "1", 106.5595, 29.5560, "street", CENTRAL),
    ("两路口", "Lianglukou", "1", 106.5490, 29.5530, "street", CENTRAL),
    ("鹅岭", "Eling", "1", 106.5325, 29.5495, "street", CENTRAL),
    ("大坪", "Daping", "1", 106.5152, 29.5435, "exact", ANCHOR),
    ("石油路", "Shiyoulu", "1", 106.5050, 29.5385, "street", CENTRAL),
    ("歇台子", "Xietaizi", "1", 106.4950, 29.5330, "area", OUTER),
    # Line 2 (monorail along the 嘉陵江, then south through 九龙坡 into 大渡口)
    ("较场口", "Jiaochangkou", "2", 106.5683, 29.5560, "exact", ANCHOR),
    ("临江门", "Linjiangmen", "2", 106.5738, 29.5620, "street", CENTRAL),
    ("黄花园", "Huanghuayuan", "2", 106.5650, 29.5652, "street", CENTRAL),
    ("大溪沟", "Daxigou", "2", 106.5545, 29.5668, "street", CENTRAL),
    ("曾家岩", "Zengjiayan", "2", 106.5462, 29.5660, "street", CENTRAL),
    ("牛角沱", "Niujiaotuo", "2", 106.5383, 29.5620, "exact", ANCHOR),
    ("李子坝", "Liziba", "2", 106.533833, 29.555577, "street", LIZIBA),
    ("佛图关", "Fotuguan", "2", 106.5245, 29.5505, "street", CENTRAL),
    ("大坪", "Daping", "2", 106.5152, 29.5435, "exact", ANCHOR),
    ("袁家岗", "Yuanjiagang", "2", 106.5110, 29.5335, "area", OUTER),
    ("马王场", "Mawangchang", "2", 106.4830, 29.4960, "area", OUTER),
    ("平安", "Ping'an", "2", 106.4770, 29.4900, "area", OUTER),
    ("大渡口", "Dadukou", "2", 106.4737, 29.4790, "area", OUTER),
    ("新山村", "Xinshancun", "2", 106.4690, 29.4670, "area", OUTER),
    ("天堂堡", "Tiantangbao", "2", 106.4705, 29.4565, "area", OUTER),
    ("建桥", "Jianqiao", "2", 106.4710, 29.4470, "area", OUTER),
    ("金家湾", "Jinjiawan", "2", 106.4725, 29.4380, "area", OUTER),
    ("刘家坝", "Liujiaba", "2", 106.4810, 29.4280, "area", OUTER),
    ("白居寺", "Baijusi", "2", 106.4945, 29.4100, "area", OUTER),
    # Line 3 (monorail) meets line 1 at 两路口 and line 2 at 牛角沱
    ("两路口", "Lianglukou", "3", 106.5490, 29.5530, "street", CENTRAL),
    ("牛角沱", "Niujiaotuo", "3", 106.5383, 29.5620, "exact", ANCHOR),
    # Line 6 (heavy rail) crosses the 长江 into 渝中 only at 小什字
    ("小什字", "Xiaoshizi", "6", 106.5803, 29.5629, "exact", ANCHOR),
]


def main() -> None:
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["name_zh", "name_en", "line", "lon", "lat", "precision", "basis"])
        for name_zh, name_en, line, lon, lat, precision, basis in STATIONS:
            slon, slat, moved = snap_to_metro(line, lon, lat)
            writer.writerow([name_zh, name_en, line, slon, slat, precision,
                             f"{basis} {moved:.0f} m onto the OpenStreetMap 2016 track of line {line}"])
            print(f"line {line} {name_zh}: moved {moved:.0f} m")
    print(f"wrote {len(STATIONS)} rows to {OUT}")


if __name__ == "__main__":
    main()
