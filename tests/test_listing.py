"""The list of what the map shows (views/listing.py), through AppTest and in process."""
from __future__ import annotations

import io

import pandas as pd
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from views.listing import SELECTED_BG, in_view, list_csv, list_table, styled

APP = str(ROOT / "streamlit_app.py")


def the_list(at) -> pd.DataFrame:
    (table,) = [d.value for d in at.dataframe if "位置精度" in d.value.columns or "Location" in d.value.columns]
    return table


def test_the_list_holds_what_the_filters_show_in_the_ui_language(frame):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["district"] = "渝中区"
    at.run()
    table = the_list(at)
    want = frame[(frame.district == "渝中区") & (frame.layer != "districts")]
    assert len(table) == len(want)
    assert list(table.columns) == ["名称", "类别", "行政区", "规划期", "位置精度"]
    assert set(table["名称"]) == set(want.name_zh)
    at.selectbox(key="w_lang").set_value("en").run()
    assert list(the_list(at).columns) == ["Name", "Category", "District", "Period", "Location"]


def test_the_district_wide_scope_lists_only_features_without_a_place(frame):
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.radio(key="w_list_scope").set_value("district").run()
    table = the_list(at)
    wide = frame[(frame.precision == "district") & (frame.layer != "districts")]
    assert len(table) == len(wide) and set(table["位置精度"]) == {"区级"}


def test_the_selected_feature_is_highlighted(frame, vocab):
    part = frame[frame.district == "渝中区"].head(8)
    table = list_table(part, vocab, "zh")
    fid = part.index[3]
    ctx = styled(table, "zh", fid)._compute().ctx
    rows = {r for (r, _), props in ctx.items() if ("background-color", SELECTED_BG.split(": ")[1]) in props}
    assert rows == {3}
    assert isinstance(styled(table, "zh", None), pd.DataFrame)  # nothing selected: plain


def test_in_view_keeps_what_touches_the_map_bounds(frame):
    bounds = {"_southWest": {"lat": 29.55, "lng": 106.57}, "_northEast": {"lat": 29.565, "lng": 106.585}}
    inside = in_view(frame, bounds)
    assert "yz-jiefangbei" in inside.index and "ddk-dadukou-pedestrian-street" not in inside.index
    assert len(in_view(frame, None)) == len(frame)


def test_the_csv_carries_ids_and_the_translated_headers(frame, vocab):
    text = list_csv(list_table(frame.head(5), vocab, "en"), "en")
    back = pd.read_csv(io.StringIO(text))
    assert list(back.columns) == ["id", "Name", "Category", "District", "Period", "Location"]
    assert list(back["id"]) == list(frame.head(5).index)
