"""The app driven the way a person uses it, through Streamlit's AppTest."""
from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, count_line

APP = str(ROOT / "streamlit_app.py")


def run_app(params: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    return at.run()


def title(at: AppTest) -> str:
    """The page title's text (an <h1> in the title bar)."""
    return next(re.sub("<[^>]+>", "", m.value) for m in at.markdown if m.value.startswith("<h1>"))


def shown_count(at: AppTest) -> tuple[int, int]:
    text = count_line(at)
    shown, total = map(int, re.findall(r"\d+", text)[:2])
    return shown, total


def test_default_view_shows_every_feature(frame):
    at = run_app()
    assert not at.exception
    shown, total = shown_count(at)
    expected = int((frame.layer != "districts").sum())
    assert shown == total == expected


def test_district_filter_changes_count_and_url(frame):
    at = run_app()
    at.multiselect(key="w_districts").set_value(["大渡口区"]).run()
    shown, total = shown_count(at)
    assert shown == int(((frame.district == "大渡口区") & (frame.layer != "districts")).sum())
    assert shown < total
    assert at.query_params["district"] == "大渡口区"


def test_theme_and_period_filters_combine(frame):
    at = run_app({"theme": "transport", "period": "fyp15"})
    shown, _ = shown_count(at)
    want = frame[(frame.layer != "districts")
                 & frame.themes.map(lambda v: "transport" in v)
                 & frame.periods.map(lambda v: "fyp15" in v)]
    assert shown == len(want) > 0
    assert at.multiselect(key="w_themes").value == ["transport"]


def test_empty_result_is_explained():
    at = run_app({"district": "渝中区", "period": "fyp14", "q": "zzzzzz-no-such-place"})
    assert shown_count(at)[0] == 0
    assert any("没有要素" in i.value for i in at.info)


def test_search_lists_matches_and_selecting_one_opens_its_quote(frame):
    at = run_app()
    at.text_input(key="w_query").input("解放碑").run()
    hits = [b for b in at.button if b.key and b.key.startswith("hit_")]
    assert hits, "search for 解放碑 lists no results"
    first = hits[0].key.removeprefix("hit_")
    assert "解放碑" in frame.loc[first, "name_zh"]
    at.button(key=f"hit_{first}").click().run()
    assert at.session_state["selected"] == first
    assert at.query_params["sel"] == first
    quote = frame.loc[first, "sources"][0]["quote"]
    page = " ".join(m.value for m in at.markdown)
    assert quote.replace("<", "&lt;") in page or quote in page
    assert at.session_state["fit_on"] == "selection"  # the map zooms to it (tests/test_readable_map.py)


def test_pinyin_search_finds_chinese_names(frame):
    at = run_app({"q": "jiefangbei"})
    hits = [b.key.removeprefix("hit_") for b in at.button if b.key and b.key.startswith("hit_")]
    assert hits and all(h in frame.index for h in hits)
    assert any("解放碑" in frame.loc[h, "name_zh"] for h in hits)


def test_shared_link_restores_the_view(frame):
    fid = frame[frame.layer == "projects"].index[0]
    at = run_app({"district": "渝中区", "theme": "commerce", "sel": fid, "lang": "en",
                  "basemap": "osm", "lat": "29.56", "lon": "106.57", "zoom": "14"})
    assert not at.exception
    assert at.session_state["selected"] == fid
    assert at.multiselect(key="w_districts").value == ["渝中区"]
    assert at.selectbox(key="w_basemap_en").value == "osm" and at.session_state["w_basemap"] == "osm"
    assert at.session_state["w_lang"] == "en"
    assert title(at).startswith("Chongqing")
    assert not at.warning


@pytest.mark.parametrize("params", [
    {"district": "火星区"},
    {"sel": "no-such-feature"},
    {"zoom": "999"},
    {"lat": "abc", "lon": "106.5"},
    {"basemap": "<script>"},
    {"bogus": "1"},
    {"theme": "finance,,nope", "q": "x" * 5000},
])
def test_bad_parameters_give_a_notice_not_a_crash(params):
    at = run_app(params)
    assert not at.exception
    assert at.warning, f"no notice for {params}"
    assert shown_count(at)[1] > 0  # the rest of the view still works


def test_targets_view_lists_both_indicator_tables():
    at = run_app({"view": "targets"})
    assert not at.exception
    tables = [d.value for d in at.dataframe]
    indicator = [t for t in tables if "基期值" in t.columns and "标注" in t.columns]
    assert sorted(len(t) for t in indicator) == [27, 31]


def test_language_switch_translates_ui():
    at = run_app()
    at.selectbox(key="w_lang").set_value("en").run()
    assert title(at).startswith("Chongqing")
    assert "features shown" in count_line(at)
    assert at.query_params["lang"] == "en"


def test_place_target_links_to_its_feature_on_the_map(frame):
    at = run_app({"view": "targets"})
    fid = at.selectbox(key="w_target_place").value
    assert fid in frame.index and frame.loc[fid, "targets"]
    at.button(key="target_to_map").click().run()
    assert at.session_state["selected"] == fid
    assert at.session_state["w_view"] == "map"
    assert at.query_params["sel"] == fid


def test_planner_view_is_reachable_and_keeps_its_state_in_the_url():
    at = run_app({"view": "planner", "pl_sec": "matrix", "pl_dist": "大渡口区"})
    assert not at.exception
    assert not at.warning
    assert at.session_state["pl_section"] == "matrix"
    assert at.query_params["view"] == "planner" and at.query_params["pl_sec"] == "matrix"
    assert any(len(d.value) > 0 for d in at.dataframe)


def test_presentation_mode_opens_from_the_view_switch_and_can_be_left():
    at = run_app({"district": "渝中区"})
    at.radio(key="w_view").set_value("present").run()
    assert at.query_params["view"] == "present"
    at.run()
    assert not at.exception and not at.multiselect  # full-screen: no filters
    at.button(key="leave_present").click().run()
    assert "view" not in at.query_params and at.session_state["w_view"] == "map"
    assert at.multiselect(key="w_districts").value == ["渝中区"]  # the map view as it was
    assert shown_count(at)[1] > 0


def test_presentation_link_opens_its_tour_stop():
    at = run_app({"view": "present", "tour": "yuzhong-layout", "stop": "2"})
    assert not at.exception
    assert at.query_params["stop"] == "2"


def test_the_basemap_choice_survives_a_language_switch():
    at = run_app()
    at.selectbox(key="w_basemap_zh").set_value("osm").run()
    assert at.query_params["basemap"] == "osm"
    at.selectbox(key="w_lang").set_value("en").run()
    assert not at.exception
    assert at.selectbox(key="w_basemap_en").value == "osm" and at.query_params["basemap"] == "osm"
