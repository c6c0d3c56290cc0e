"""The planner view (views/planner.py) driven through AppTest, plus its pure helpers.

tests/apps/planner_app.py loads the bundled data and calls planner_view, as the app does.
"""
from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from geo import analysis, compare
from geo.export import features_geojson, frame_geojson
from layers.popup import source_quote_html

APP = str(ROOT / "tests" / "apps" / "planner_app.py")
PERIODS = ["fyp14", "fyp15", "vision2035"]


def run(params: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    for k, v in {"view": "planner", **(params or {})}.items():  # as a link to the planner is
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_quotes_are_escaped(corpus):
    html = source_quote_html(corpus, {"document": "yz-fyp15", "quote": "<script>alert(1)</script>", "section_path": "<b>"})
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;" in html


def test_features_geojson_carries_the_extra_columns(frame):
    import pandas as pd

    part = frame[frame["layer"] == "stations"].head(2)
    extra = pd.DataFrame({"change": ["new", "dropped"]}, index=part.index)
    data = json.loads(features_geojson(part, extra, name="t"))
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 2
    assert [f["properties"]["change"] for f in data["features"]] == ["new", "dropped"]
    grid = json.loads(frame_geojson(analysis.district_grid(frame, "渝中区", 500)))
    assert {"count", "cell"} <= set(grid["features"][0]["properties"])
    assert -180 <= grid["features"][0]["geometry"]["coordinates"][0][0][0] <= 180  # WGS-84 degrees


def test_coverage_section_shows_the_figures_and_offers_downloads(frame, vocab):
    at = run()
    table = at.dataframe[0].value
    want = analysis.coverage_table(frame, "渝中区", analysis.station_sets(frame), list(vocab.themes))
    assert table["zone_id"].tolist() == want["zone_id"].tolist()
    assert table.iloc[0]["projects"] == want.iloc[0]["projects"]
    assert table.iloc[0]["area_share_500_existing"] == pytest.approx(want.iloc[0]["area_share_500_existing"], abs=1e-3)
    summary = analysis.grid_summary(analysis.district_grid(frame, "渝中区", 400))
    assert any(f"{summary['cells']} 个网格中 {summary['empty_cells']} 个" in c.value for c in at.caption)
    assert [b.key for b in at.download_button] == ["pl_csv_coverage-yuzhong", "pl_geo_grid-400m-yuzhong",
                                                   "pl_geo_stations-existing", "pl_geo_stations-planned"]
    assert at.query_params.get("pl_sec") is None  # defaults stay out of the URL


def test_url_state_drives_the_view_and_follows_the_widgets(frame, corpus, vocab):
    at = run({"pl_sec": "compare", "pl_mode": "side"})
    assert at.radio(key="pl_section").value == "compare" and at.radio(key="pl_mode").value == "side"
    renames = compare.parse_renames(compare.read_links(), corpus)
    counts = compare.change_summary(compare.compare_periods(frame, corpus, vocab, "渝中区", "fyp14", "fyp15", renames))
    assert any(f"延续 {counts['carried_over']}（其中更名 {counts['renamed']}）" in m.value for m in at.markdown)
    assert {"pl_csv_compare-yuzhong-fyp14-fyp15", "pl_geo_compare-yuzhong-fyp14-fyp15"} <= {b.key for b in at.download_button}
    at.radio(key="pl_section").set_value("tracking").run()
    assert at.query_params["pl_sec"] == "tracking" and at.query_params["pl_mode"] == "side"
    at.selectbox(key="pl_district").set_value("大渡口区").run()
    assert at.query_params["pl_dist"] == "大渡口区"
    assert any("大渡口区只有" in i.value for i in at.info)


def test_dadukou_comparison_says_there_is_one_period():
    at = run({"pl_sec": "compare", "pl_dist": "大渡口区"})
    assert any("大渡口区只有十四五" in i.value for i in at.info)
    assert not [s for s in at.selectbox if s.key == "pl_from"]
    assert [b.key for b in at.download_button] == ["pl_csv_features-dadukou-fyp14"]


def test_layouts_section_lists_each_formula_with_its_members(frame, corpus):
    at = run({"pl_sec": "layouts"})
    headings = [m.value for m in at.markdown if m.value.startswith("####")]
    assert len(headings) == 3 and any("一核两翼三带五片区" in h for h in headings)
    layouts = compare.parse_layouts(compare.read_links(), corpus)
    sizes = [len(compare.layout_members(frame, lay, corpus)) for lay in layouts if lay.district == "渝中区"]
    assert [len(d.value) for d in at.dataframe] == sizes
    assert len([b for b in at.download_button if b.key.startswith("pl_geo_layout-")]) == 3


def test_tracking_section_in_english(frame, corpus):
    at = run({"pl_sec": "tracking", "lang": "en"})
    matched = at.dataframe[0].value
    assert {"met", "not met"} <= set(matched["met"])
    assert (matched["reported_document"] == "yz-fyp15").all()
    assert len(at.dataframe[1].value) == 22  # 表1 rows
    assert {"pl_csv_targets-matched", "pl_csv_yz-fyp15-table1-completion", "pl_geo_place-targets-yuzhong"} <= {
        b.key for b in at.download_button}


def test_matrix_and_unmapped_sections(frame, vocab):
    at = run({"pl_sec": "matrix"})
    matrix = at.dataframe[0].value
    assert matrix.loc["渝中区", vocab.label("themes", "finance", "zh")] == analysis.theme_matrix(
        frame, list(vocab.themes)).loc["渝中区", "finance"]
    at = run({"pl_sec": "unmapped", "pl_dist": "大渡口区"})
    assert (at.dataframe[0].value["district"] == "大渡口区").all()
    assert [b.key for b in at.download_button] == ["pl_csv_unmapped-dadukou"]
