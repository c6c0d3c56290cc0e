"""'What is planned near here' (geo/near.py, geo/gazetteer.py) and its link, through AppTest."""
from __future__ import annotations

import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from geo.gazetteer import find_places, places
from geo.near import counts, district_at, near
from geo.state import Known, ViewState, parse, to_params

APP = str(ROOT / "streamlit_app.py")
METRES_PER_DEGREE_LAT = 110_850  # the meridian arc per degree of latitude at 29.5° N


def test_distances_are_metres_checked_by_hand(frame, vocab):
    """A point 0.0027° due north of 解放碑 is 0.0027 × 110,850 m ≈ 299 m from it."""
    point = frame.loc["yz-jiefangbei"].geometry
    table = near(frame, point.y + 0.0027, point.x, 500, vocab).set_index("id")
    assert frame.loc["yz-jiefangbei", "precision"] in ("exact", "street")
    assert table.loc["yz-jiefangbei", "group"] == "located"
    assert abs(table.loc["yz-jiefangbei", "distance_m"] - 0.0027 * METRES_PER_DEGREE_LAT) <= 2
    assert near(frame, point.y + 0.0027, point.x, 250, vocab).query("id == 'yz-jiefangbei'").empty


def test_groups_keep_approximate_and_district_wide_features_apart(frame, vocab):
    table = near(frame, 29.5572, 106.5769, 500, vocab)
    n = counts(table)
    assert n["located"] > 0 and n["approximate"] > 0
    assert n["district"] == int(((frame.precision == "district") & (frame.layer != "districts")
                                 & (frame.district == "渝中区")).sum())
    approx = table[table.group == "approximate"]
    assert set(frame.loc[approx.id, "precision"]) <= {"area", "schematic"}
    assert (approx.uncertainty_m == 1000).all()
    located = table[table.group == "located"]
    assert located.distance_m.is_monotonic_increasing and (located.distance_m <= 500).all()
    assert "districts" not in set(table.layer)
    ids = set(located.id)
    assert {"yz-jiefangbei", "yz-jiefangbei-pedestrian-street"} <= ids  # the 解放碑 items


def test_a_point_outside_both_districts_has_no_district_wide_items(frame, vocab):
    assert district_at(29.60, 106.60) is None  # across the river, in 南岸
    assert district_at(29.5572, 106.5769) == "渝中区"
    assert counts(near(frame, 29.60, 106.60, 500, vocab))["district"] == 0


def test_gazetteer_finds_stations_places_and_districts_by_any_name():
    assert set(places().kind) == {"station", "place", "district"}
    assert find_places("两路口").iloc[0].kind == "station"
    assert find_places("lianglukou").iloc[0].name_zh == "两路口"
    assert find_places("Dadukou").iloc[0].name_zh in ("大渡口", "大渡口区")
    assert find_places("").empty and find_places("zzzz-nowhere").empty


def test_every_district_the_basemap_labels_has_an_english_name():
    """English mode labels the neighbours too (they were left in Chinese)."""
    districts = places()[places().kind == "district"]
    assert len(districts) == 8 and districts["name_en"].str.len().gt(0).all()
    assert find_places("Shapingba").iloc[0].name_zh == "沙坪坝区"


@pytest.fixture(scope="module")
def known(frame):
    return Known.from_frame(frame)


def test_near_link_round_trips(known):
    state, notices = parse({"near": "29.5572,106.5769", "r": "1000"}, known)
    assert not notices and state.near == (29.5572, 106.5769) and state.radius == 1000
    assert to_params(state) == {"near": "29.55720,106.57690", "r": "1000"}
    assert parse(to_params(state), known)[0] == state
    assert to_params(ViewState(near=(29.5, 106.5))) == {"near": "29.50000,106.50000"}  # 500 m is the default


@pytest.mark.parametrize("params", [{"near": "29.5"}, {"near": "abc,106"}, {"near": "29.5,200"}, {"r": "50"},
                                    {"r": "1e9"}, {"near": "29.5572,106.5769,7"}])
def test_bad_near_links_give_a_notice(known, params):
    state, notices = parse(params, known)
    assert notices and state.near is None or state.radius == 500


def near_buttons(at) -> list[str]:
    return [b.key.removeprefix("near_") for b in at.button if b.key and b.key.startswith("near_") and b.key != "near_close"]


def test_the_near_link_lists_the_features_around_it(frame):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["near"], at.query_params["r"] = "29.5572,106.5769", "500"
    at.run()
    assert not at.exception
    listed = near_buttons(at)
    assert "yz-jiefangbei" in listed and len(listed) == len(set(listed))
    assert any("500 米" in m.value for m in at.markdown)
    at.radio(key="w_near_radius").set_value(1000).run()
    assert at.query_params["r"] == "1000" and len(near_buttons(at)) > len(listed)
    at.button(key="near_yz-jiefangbei").click().run()
    assert at.session_state["selected"] == "yz-jiefangbei" and at.query_params["sel"] == "yz-jiefangbei"
    at.button(key="near_close").click().run()
    assert "near" not in at.query_params and not near_buttons(at)


def test_a_place_search_looks_near_the_place(frame):
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.text_input(key="w_query").input("两路口").run()
    (place,) = [b for b in at.button if b.key and b.key.startswith("place_")][:1]
    place.click().run()
    station = find_places("两路口").iloc[0]
    assert at.query_params["near"] == f"{station.lat:.5f},{station.lon:.5f}"
    assert at.session_state["w_query"] == "" and near_buttons(at)
