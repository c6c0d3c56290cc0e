"""The targets view's charts: every 表2 row once with its printed values, 表1 delivery, both languages."""
from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pytest
import vl_convert
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from geo import indicators
from geo.targets import load_targets
from views.charts import change_chart

APP = str(ROOT / "streamlit_app.py")


def run_targets(lang: str = "zh") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["view"] = "targets"
    at.query_params["lang"] = lang
    return at.run()


def charts(at: AppTest) -> list:
    def walk(node):
        children = getattr(node, "children", None)
        for child in (children.values() if isinstance(children, dict) else []):
            yield child
            yield from walk(child)
    return [e for e in walk(at._tree) if getattr(e, "type", "") == "vega_lite_chart"]


def chart_frames(chart) -> list[pd.DataFrame]:
    """The data a chart was sent with (Streamlit ships each dataset as Arrow bytes)."""
    return [pa.ipc.open_stream(d.data.data).read_pandas() for d in chart.proto.datasets]


def change_data(at: AppTest) -> pd.DataFrame:
    """The rows behind the indicator charts: the dataset of each chart that carries a 'reason'."""
    frames = [f for c in charts(at) for f in chart_frames(c) if "reason" in f.columns]
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def zh_app() -> AppTest:
    return run_targets("zh")


@pytest.fixture(scope="module")
def en_app() -> AppTest:
    return run_targets("en")


def test_every_table2_row_appears_once_with_printed_values(zh_app):
    assert not zh_app.exception
    table = load_targets()
    table = table[table["kind"] == "indicator_table"]
    drawn = change_data(zh_app)
    assert sorted(zip(drawn["document"], drawn["row"].astype(str))) == sorted(zip(table["document"], table["row"]))
    merged = table.merge(drawn.assign(row=drawn["row"].astype(str)), on=["document", "row"], suffixes=("", "_drawn"))
    for col in ("indicator", "baseline", "target", "attribute", "unit"):
        assert (merged[col] == merged[f"{col}_drawn"]).all(), col
    # The mark's text keeps the printed values, qualifiers and all.
    for _, r in merged.iterrows():
        assert f"{r['baseline'] or '—'} → {r['target']}" in r["text"]
    assert len(merged) == 58


def test_qualified_targets_are_not_turned_into_plain_numbers(zh_app):
    drawn = change_data(zh_app).set_index(["document", "row"])
    starred = drawn.loc[("yz-fyp15", 1)]
    assert starred["target"] == "5*" and starred["target_qualifier"] == "*"
    at_least = drawn.loc[("ddk-fyp14", 5)]
    assert at_least["target"] == "≥55" and at_least["target_qualifier"] == "≥"
    cumulative = drawn.loc[("ddk-fyp14", 31)]
    assert cumulative["target"] == "<[80]" and cumulative["target_qualifier"] == "< [ ]"
    assert pd.isna(cumulative["change_pct"]) and cumulative["reason"] == "cumulative"
    words = drawn.loc[("yz-fyp15", 13)]
    assert words["target"] == "市级下达" and words["reason"] == "target_words" and pd.isna(words["change_pct"])
    plain = drawn.loc[("yz-fyp15", 2)]  # 31 → 38
    assert plain["change_pct"] == pytest.approx(22.6)


def test_delivery_chart_sets_plans_evaluation_beside_the_check(zh_app, corpus):
    completion = indicators.completion_rows()
    long = next(f for c in charts(zh_app) for f in chart_frames(c) if "source" in f.columns)
    assert len(long) == 2 * len(completion) == 44
    plan = long[long["source"] == "进度评价（规划）"].set_index("row")
    for _, r in completion.iterrows():
        want = {"达到预期": "达到", "未达预期": "未达到"}.get(r["evaluation"], "无可比数据")
        assert plan.loc[r["row"], "status_label"] == want
    # Row 10, 城镇调查失业率 <5 vs 5.3: both say not met; row 14 医师数 is met by both.
    disagree = next(d.value for d in zh_app.dataframe if "规划评价" in d.value.columns)
    computed = completion["met"].map(indicators.computed_status)
    planned = completion["evaluation"].map(indicators.plan_status)
    assert sorted(disagree["序号"]) == sorted(completion.loc[computed != planned, "row"])
    assert 10 not in set(disagree["序号"])


def test_english_headers_and_glosses(en_app):
    assert not en_app.exception
    tables = [d.value for d in en_app.dataframe]
    indicator = [t for t in tables if "Baseline" in t.columns and "Markers" in t.columns]
    assert sorted(len(t) for t in indicator) == [27, 31]
    assert not any("baseline_year" in t.columns for t in tables)
    drawn = change_data(en_app).set_index(["document", "row"])
    assert drawn.loc[("yz-fyp15", 2), "label"] == "【#】人均地区生产总值（万元） — GDP per capita"
    assert set(drawn["attr"]) == {"预期性 (expected)", "约束性 (binding)", "预期值 (expected)"}
    spec = json.loads(charts(en_app)[0].proto.spec)
    assert "Target vs baseline (% change)" in json.dumps(spec, ensure_ascii=False)


def test_zh_headers_are_chinese(zh_app):
    tables = [d.value for d in zh_app.dataframe]
    assert sum("基期值" in t.columns for t in tables) == 2
    assert all(not any(c in t.columns for c in ("row", "baseline", "indicator")) for t in tables)


def test_chart_renders_to_png_offline():
    changes = indicators.indicator_changes(load_targets())
    png = vl_convert.vegalite_to_png(change_chart(changes[changes.document == "yz-fyp15"], "zh", "t").to_json())
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


@pytest.mark.parametrize("text,value,qual", [("≥[100]", 100.0, "≥ [ ]"), ("-2.7", -2.7, ""), ("6*", 6.0, "*"),
                                             ("〔9.62〕", 9.62, "[ ]"), ("—", None, ""), ("市级下达 为准", None, "")])
def test_number_and_qualifier(text, value, qual):
    assert indicators.number(text) == value
    assert indicators.qualifier(text) == qual


def test_negative_baseline_has_no_percent_change():
    assert indicators.not_comparable("-2.7", "6*") == "baseline_not_positive"
    assert indicators.not_comparable("3", "6*") == ""


def test_detail_panel_shows_baseline_target_and_year(frame):
    fid = next(f for f in frame.index if frame.loc[f, "targets"])
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["sel"] = fid
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "Baseline" in d.value.columns)
    targets = frame.loc[fid, "targets"]
    assert list(table["Target"]) == [str(t["value"]) for t in targets]
    assert list(table["Year"]) == [t.get("year") or "" for t in targets]
    assert set(table["Baseline"]) == {"—"}  # the plans give no baseline for place targets


def _place_app():
    import streamlit as st

    from views.charts import place_targets
    place_targets([{"indicator": "规上工业产值", "baseline": "200", "value": "350", "unit": "亿元", "year": 2025, "quote": "q"},
                   {"indicator": "景区等级", "value": "4A", "unit": "级", "year": 2025, "quote": "q2"}],
                  st.query_params.get("lang", "zh"))


def test_place_target_with_both_numbers_gets_an_inline_chart():
    at = AppTest.from_function(_place_app, default_timeout=60).run()
    assert not at.exception
    assert list(at.dataframe[0].value["基期值"]) == ["200", "—"]
    drawn = charts(at)
    assert len(drawn) == 1  # only the target with a baseline and a numeric target
    values = next(f for f in chart_frames(drawn[0]) if "value" in f.columns)
    assert list(values["value"]) == [200.0, 350.0] and list(values["printed"]) == ["200", "350"]


def test_caption_target_shows_baseline_and_bars():
    from layers.handout import _target_text
    with_base = _target_text({"indicator": "产值<b>", "baseline": "200", "value": "350", "unit": "亿元", "year": 2025})
    assert with_base.startswith("200 → <b>350亿元</b> 产值&lt;b&gt;（2025）") and "<svg class='target-bars'" in with_base
    assert "width='60.0'" in with_base and "width='34.3'" in with_base
    plain = _target_text({"indicator": "景区等级", "value": "4A", "unit": "级", "year": 2025})
    assert plain == "<b>4A级</b> 景区等级（2025）"
