"""Target tracking (geo/tracking.py): parsing targets, the completion table, matching, per-zone targets."""
from __future__ import annotations

import pandas as pd
import pytest
from shapely.geometry import Point, box

from geo import compare, tracking
from geo.plans import parse
from test_analysis import feature, frame_of


@pytest.mark.parametrize("text, indicator, quote, op, value, cumulative", [
    ("6", "地区生产总值增速（%）", "", ">=", 6.0, False),
    ("5", "地区生产总值增速", "地区生产总值增长5%左右", "~", 5.0, False),  # 左右 only in the quote
    ("<5", "城镇调查失业率（%）", "", "<", 5.0, False),
    ("5", "城镇调查失业率（%）", "", "<=", 5.0, False),  # less is better for unemployment
    ("≥40", "绿化覆盖率（%）", "", ">=", 40.0, False),
    ("305左右", "空气质量优良天数（天）", "", "~", 305.0, False),
    ("63以上", "科技进步贡献率（%）", "", ">=", 63.0, False),
    ("【25】", "实际利用外资（亿美元）", "", ">=", 25.0, True),
    (">500", "进出口总额（累计）", "", ">", 500.0, True),
    ("4.5（全市平均数）", "托位数", "", ">=", 4.5, False),
])
def test_parse_target(text, indicator, quote, op, value, cumulative):
    assert tracking.parse_target(text, indicator, quote) == tracking.Target(op, value, cumulative)


def test_words_are_not_targets_or_figures():
    assert tracking.parse_target("市计划") is None and tracking.parse_target("保持全市前列") is None
    assert tracking.parse_actual("—") is None and tracking.parse_actual("完成市计划") is None
    assert tracking.parse_actual("4.5（年均4.63）") == 4.5


def test_is_met():
    T = tracking.Target
    assert tracking.is_met(T(">=", 6, False), 4.5) is False
    assert tracking.is_met(T(">=", 30, False), 31) is True
    assert tracking.is_met(T("<", 5, False), 5.3) is False
    assert tracking.is_met(T("<", 0.01, False), 0.0028) is True
    # about 305: 2 % short (298.9) still counts, 298 does not
    assert tracking.is_met(T("~", 305, False), 301) is True
    assert tracking.is_met(T("~", 305, False), 298) is False
    assert tracking.is_met(T(">=", 1, False), None) is None and tracking.is_met(None, 3) is None


TABLE_TEXT = [
    "表1  测试指标完成情况",
    "序号\t指标名称\t2025年目标\t2021年完成情况\t2022年完成情况\t2023年完成情况\t2024年完成情况\t2025年完成情况\t进度评价\t指标属性",
    "一、推动高质量发展",
    "1\t地区生产总值增速（%）\t6\t6.1\t1.9\t5.2\t5.5\t4.5（年均4.63）\t未达预期\t预期性",
    "2\t进出口总额（亿元）\t100\t92.48\t103.13\t71.7\t74.3\t89.1\t未达预期\t预期性",
    "二、改善民生",
    "3\t实际利用外资（亿美元）\t【25】\t4.5\t—\t—\t—\t—\t口径调整\t预期性",
    "注：1.带“【】”为累计数。",
]


@pytest.fixture
def table():
    meta = {"doc_id": "t-fyp", "style": "plan"}
    doc = parse(meta, TABLE_TEXT, [(i, i) for i in range(1, len(TABLE_TEXT) + 1)])
    return tracking.parse_completion_table(doc, "table1")


def test_parse_completion_table(table):
    assert table["row"].tolist() == [1, 2, 3]
    assert table["key"].tolist() == ["地区生产总值增速", "进出口总额", "实际利用外资"]
    assert table["group"].tolist() == ["一、推动高质量发展", "一、推动高质量发展", "二、改善民生"]
    assert table.loc[1, "actual_2022"] == "103.13" and table.loc[0, "target_year"] == 2025
    assert table["evaluation"].tolist() == ["未达预期", "未达预期", "口径调整"]
    status = tracking.completion_status(table)
    assert status["met"].tolist() == [False, False, None]  # 4.5 < 6; 89.1 < 100; cumulative with gaps
    assert status["actual"].tolist()[:2] == [4.5, 89.1]


def targets_rows(*rows):
    cols = ["document", "paragraph", "indicator", "target", "unit", "target_year", "quote"]
    return pd.DataFrame([dict(zip(cols, r)) for r in rows])


def test_match_targets_by_indicator_and_year(table):
    targets = targets_rows(
        ("yz-news14", "h22.para1", "地区生产总值增速", "5", "%", "2022", "地区生产总值增长5%左右"),
        ("yz-news14", "h5.para3", "进出口总额（累计）", ">500", "亿元", "2025", "进出口总额累计超500亿元"),
        ("yz-gwr2025-tasks", "h2.para1", "外贸进出口额", "75", "亿元", "2025", "外贸进出口额实现75亿元"),
        ("yz-news14", "h4.para1", "汇集国际知名品牌", "500", "个", "2025", "汇集国际知名品牌500个"),  # not in the table
        ("yz-fyp15", "x", "地区生产总值增速", "5", "%", "2030", "q"),  # not an earlier document
        ("yz-news14", "x", "地区生产总值增速", "5", "%", "2030", "q"),  # a year the table does not report
    )
    aliases = tracking.alias_keys([{"indicator": "进出口总额", "same_as": ["外贸进出口额"]}])
    matched = tracking.match_targets(table, targets, aliases=aliases)
    rows = {(r.target_document, r.year, r.target): r for r in matched.itertuples()}
    assert len(matched) == 3
    gdp = rows[("yz-news14", 2022, "5")]
    assert gdp.reported == "1.9" and gdp.met is False and gdp.table_evaluation == ""  # 1.9 < 5 × 0.98
    total = rows[("yz-news14", 2025, ">500")]
    # cumulative: 92.48 + 103.13 + 71.7 + 74.3 + 89.1 = 430.71 < 500
    assert total.actual == pytest.approx(430.71) and total.met is False
    trade = rows[("yz-gwr2025-tasks", 2025, "75")]
    assert trade.indicator == "进出口总额（亿元）" and trade.met is True and trade.table_evaluation == "未达预期"
    assert trade.reported_paragraph == table.loc[1, "paragraph"]


def test_real_table1_verdicts_agree_with_the_plans_own_evaluation(corpus, targets):
    doc_id, section = tracking.COMPLETION_TABLE
    status = tracking.completion_status(tracking.parse_completion_table(corpus[doc_id], section))
    assert len(status) == 22 and status["row"].tolist() == list(range(1, 23))
    decided = status[status["met"].notna()]
    assert len(decided) >= 12
    expected = decided["met"].map({True: "达到预期", False: "未达预期"})
    assert (decided["evaluation"] == expected).all()
    matched = tracking.match_targets(status, targets, aliases=tracking.alias_keys(compare.read_links().get("indicators")))
    gdp_2025 = matched[(matched["indicator"] == "地区生产总值增速（%）") & (matched["year"] == 2025)].iloc[0]
    assert gdp_2025["target_document"] == "yz-gwr2025-review" and gdp_2025["met"] is False


@pytest.fixture(scope="module")
def targets():
    from geo.targets import load_targets

    return load_targets()


def test_place_targets_count_for_the_zones_they_lie_in():
    # Z = [0,1000]²; P a point inside, Q a polygon 60 % inside, R outside; Z has a target of its own
    frame = frame_of([
        feature("z", "zones", box(0, 0, 1000, 1000), category="area"),
        feature("p", "projects", Point(500, 500)),
        feature("q", "projects", box(400, 0, 1400, 100)),
        feature("r", "projects", Point(1500, 500)),
        feature("s", "projects", Point(0, 0), precision="district"),
    ])
    rows = [("p", "甲"), ("p", "乙"), ("q", "丙"), ("r", "丁"), ("z", "戊"), ("s", "己"), ("missing", "庚")]
    targets = pd.DataFrame([{"kind": "place", "feature_id": f, "indicator": i, "target": "1", "unit": "", "target_year": "2025",
                             "document": "yz-fyp15", "paragraph": "x", "quote": i} for f, i in rows])
    placed = tracking.place_targets(frame, targets)
    zones = dict(zip(placed["indicator"], placed["zones"]))
    assert zones == {"甲": "z", "乙": "z", "丙": "z", "丁": "", "戊": "z", "己": ""}  # the unknown feature is dropped
    summary = tracking.zone_target_summary(frame, placed)
    assert len(summary) == 1
    z = summary.iloc[0]
    assert (z["zone_id"], z["targets"], z["places"], z["indicators"]) == ("z", 4, 3, "甲；乙；丙；戊")


def test_real_place_targets_lie_in_their_own_zone(frame, targets):
    placed = tracking.place_targets(frame, targets, "渝中区")
    assert (placed["district"] == "渝中区").all()
    own = placed[placed["layer"] == "zones"]
    located = own["feature_id"].map(frame["precision"]) != "district"
    assert own[located].apply(lambda r: r["feature_id"] in r["zones"].split(";"), axis=1).all()


def test_stored_completion_table_is_the_printed_table(tmp_path):
    from geo.plans import load_corpus

    doc = load_corpus()["yz-fyp15"]
    stored = tracking.load_completion_table()
    assert len(stored) == 22 and stored["row"].tolist() == list(range(1, 23))
    assert stored.loc[stored["row"] == 1, "actual_2025"].item() == "4.5（年均4.63）"
    assert tracking.completion_table_problems(doc) == []
    changed = tmp_path / "completion_table.csv"
    changed.write_text(tracking.COMPLETION.read_text(encoding="utf-8").replace("未达预期", "达到预期", 1), encoding="utf-8")
    problems = tracking.completion_table_problems(doc, changed)
    assert len(problems) == 1 and "row 1 evaluation" in problems[0]
