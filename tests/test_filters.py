"""Filters and search on the bundled data and on a tiny hand-made frame."""
from __future__ import annotations

import geopandas as gpd
from shapely.geometry import Point

from geo.filters import Filters, apply, mask, pinyin_forms, search


def tiny():
    rows = [
        dict(id="a", name_zh="解放碑步行街", name_en="Jiefangbei Pedestrian Street", layer="business_districts",
             category="pedestrian_street", themes=["commerce"], periods=["fyp14"], district="渝中区", status="existing",
             sources=[{"quote": "提升解放碑步行街"}]),
        dict(id="b", name_zh="钓鱼嘴音乐半岛", name_en="", layer="zones", category="area", themes=["culture_tourism"],
             periods=["fyp14", "vision2035"], district="大渡口区", status="planned", sources=[{"quote": "匠心打造钓鱼嘴音乐半岛"}]),
        dict(id="c", name_zh="轨道交通27号线", name_en="Line 27", layer="transit", category="rail_line",
             themes=["transport"], periods=["fyp15"], district="渝中区", status=None, sources=[{"quote": "建设27号线"}]),
        dict(id="d", name_zh="渝中区", name_en="Yuzhong", layer="districts", category="district", themes=[],
             periods=["fyp15"], district="渝中区", status="existing", sources=[{"quote": "渝中区"}]),
    ]
    return gpd.GeoDataFrame(rows, geometry=[Point(106.57, 29.55)] * 4, crs="EPSG:4326").set_index("id", drop=False)


def test_empty_filters_keep_everything():
    f = tiny()
    assert mask(f, Filters()).all()


def test_each_filter_dimension():
    f = tiny()
    assert set(apply(f, Filters(districts=("大渡口区",))).index) == {"b", "d"}  # districts layer is context
    assert set(apply(f, Filters(periods=("vision2035",))).index) == {"b", "d"}
    assert set(apply(f, Filters(themes=("transport", "commerce"))).index) == {"a", "c", "d"}
    assert set(apply(f, Filters(statuses=("planned",))).index) == {"b", "d"}
    assert set(apply(f, Filters(categories=("rail_line",))).index) == {"c", "d"}
    assert set(apply(f, Filters(layers=("zones",))).index) == {"b"}  # the layer toggle hides context too


def test_filters_combine_with_and():
    f = tiny()
    assert set(apply(f, Filters(districts=("渝中区",), themes=("culture_tourism",))).index) == {"d"}


def test_search_ranks_name_before_quote_and_matches_pinyin_and_english():
    f = tiny()
    assert list(search(f, "解放碑步行街").index) == ["a"]
    assert search(f, "jiefangbei").loc["a", "match"] == "name_en"  # English name ranks before pinyin
    assert search(f, "diaoyuzui").loc["b", "match"] == "pinyin"
    assert list(search(f, "dyz").index) == ["b"]  # initials: 钓鱼嘴… starts with d-y-z
    assert list(search(f, "LINE 27").index) == ["c"]
    assert search(f, "匠心").loc["b", "match"] == "quote"
    assert search(f, "   ").empty


def test_pinyin_forms():
    assert pinyin_forms("解放碑") == ("jiefangbei", "jfb")


def test_query_filter_uses_search(frame):
    shown = apply(frame, Filters(query="解放碑"))
    assert len(shown[shown.layer != "districts"]) > 3
    assert all(("解放碑" in r.name_zh) or any("解放碑" in s["quote"] for s in r.sources)
               for r in shown[shown.layer != "districts"].itertuples())


def test_bundled_filters_partition_by_district(frame):
    yz = apply(frame, Filters(districts=("渝中区",)))
    ddk = apply(frame, Filters(districts=("大渡口区",)))
    plan = frame[frame.layer != "districts"]
    assert len(yz[yz.layer != "districts"]) + len(ddk[ddk.layer != "districts"]) == len(plan)
