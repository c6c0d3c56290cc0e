"""Each audit rule finds its defect on a small made-up case and passes the fixed case."""

from pathlib import Path

import pytest
from shapely.geometry import Point, mapping

from geo import audit, reference
from geo.vocab import load_vocabulary

REVIEW_PATH = "第一篇  新时代 › 第一章  “十四五”时期渝中经济社会发展取得显著成效"
PLAN_PATH = "第九篇 › 第三十二章  优化城市区域功能布局"


def feature(fid="yz-a", geometry=None, precision="area", **props):
    base = {
        "id": fid, "name_zh": fid, "layer": "projects", "category": "building", "district": "渝中区",
        "periods": ["fyp15"], "status": None, "location": {"precision": precision, "basis": "test"},
        "sources": [{"document": "yz-fyp15", "section": "ch32", "section_path": PLAN_PATH, "quote": "某某项目"}],
    }
    base.update(props)
    return {"type": "Feature", "geometry": geometry or mapping(Point(106.55, 29.55)), "properties": base}


def test_site_drawn_as_large_area_is_found():
    big = mapping(Point(106.55, 29.55).buffer(0.006))  # ~1.2 km across
    assert audit.check_site_areas([feature(geometry=big)])
    assert not audit.check_site_areas([feature()])
    assert not audit.check_site_areas([feature(geometry=big, category="renewal_area")])


def test_district_only_feature_must_be_the_district_polygon():
    assert audit.check_district_only([feature(precision="district")])
    whole = mapping(reference.district_shapes()["渝中区"])
    assert not audit.check_district_only([feature(precision="district", geometry=whole)])


def test_review_section_sets_the_earlier_period():
    vocab = load_vocabulary()
    review = [{"document": "yz-fyp15", "section": "ch1", "section_path": REVIEW_PATH, "quote": "q"}]
    assert audit.source_periods(review[0], vocab) == ["fyp14"]
    assert audit.check_review_periods([feature(sources=review, periods=["fyp15"])], vocab)
    assert not audit.check_review_periods([feature(sources=review, periods=["fyp14"])], vocab)
    assert not audit.check_review_periods([feature(periods=["fyp15"])], vocab)


def test_completed_needs_words_of_completion():
    sold = [{"document": "yz-fyp15", "section_path": PLAN_PATH, "quote": "地块挂牌出让"}]
    done = [{"document": "yz-fyp15", "section_path": PLAN_PATH, "quote": "项目建成开放"}]
    assert audit.check_completed([feature(status="completed", sources=sold)])
    assert not audit.check_completed([feature(status="completed", sources=done)])


def test_shared_point_and_quote_needs_part_of():
    a, b = feature("yz-a"), feature("yz-b")
    assert audit.check_shared_points([a, b])
    b["properties"]["part_of"] = ["yz-a"]
    assert not audit.check_shared_points([a, b])


def test_unmapped_names_once_and_not_mapped(tmp_path: Path):
    path = tmp_path / "unmapped.csv"
    path.write_text("name_zh,reason\n甲,x\n乙,y\n甲,z\n", encoding="utf-8")
    reasons = [p.reason for p in audit.check_unmapped([feature("yz-b", name_zh="乙")], path)]
    assert any("listed again" in r for r in reasons) and any("also mapped" in r for r in reasons)
    path.write_text("name_zh,reason\n甲,x\n", encoding="utf-8")
    assert not audit.check_unmapped([feature("yz-b", name_zh="乙")], path)


def test_curation_files_disagreeing_on_a_point(tmp_path: Path):
    entry = "- id: yz-x\n  geometry:\n    point: [{lon}, 29.55]\n"
    (tmp_path / "a.yaml").write_text(entry.format(lon=106.55), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(entry.format(lon=106.56), encoding="utf-8")  # ~970 m east
    assert audit.check_source_agreement(tmp_path)
    (tmp_path / "b.yaml").write_text(entry.format(lon=106.5505), encoding="utf-8")
    assert not audit.check_source_agreement(tmp_path)


@pytest.mark.parametrize("rule", ["check_site_areas", "check_district_only", "check_completed"])
def test_bundled_data_passes(rule):
    from geo.plans import load_corpus
    from geo.validate import read_layers, GEOJSON

    features, _ = read_layers(GEOJSON, load_vocabulary(), load_corpus(), validate=False)
    assert getattr(audit, rule)(features) == []


def test_quote_cut_at_a_page_break_is_found():
    from geo.plans import load_corpus

    corpus = load_corpus()
    para = corpus["ddk-fyp14"].find("丰收坝饮用水源地达标率保持 100%")[0]
    assert para.src_end > para.src_start  # the paragraph was joined across a page break

    def cited(quote):
        return [feature("ddk-x", sources=[{"document": "ddk-fyp14", "paragraph": para.id, "quote": quote}])]

    assert audit.check_page_breaks(cited("率保持 100%"), [], corpus)
    assert audit.check_page_breaks([], [{"document": "ddk-fyp14", "paragraph": para.id, "quote": "丰收坝饮用水源地达标", "indicator": "x"}], corpus)
    assert not audit.check_page_breaks(cited("丰收坝饮用水源地达标率保持 100%"), [], corpus)


def test_a_name_spelled_out_in_a_mapped_name_is_mapped(tmp_path: Path):
    path = tmp_path / "unmapped.csv"
    path.write_text("name_zh,reason\n国际友城美食街,x\n", encoding="utf-8")
    mapped = feature("yz-f", name_zh="国际友城美食街（重庆国际友好城市美食集聚区）")
    assert audit.check_unmapped([mapped], path)
    assert not audit.check_unmapped([feature("yz-g", name_zh="国际消费大道")], path)
