"""URL parsing (geo.state): unit tests, and hypothesis on thousands of hostile links.

The strategies here also feed tests/test_url_fuzz.py, which sends such links to the app.
"""
from __future__ import annotations

import operator
import re
from urllib.parse import parse_qs

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.filters import Filters
from geo.state import (CELL_RANGE, CELL_STEP, LANGS, LAT_RANGE, LON_RANGE, LIST_PARAMS, MAX_NOTICES, MAX_PARAMS,
                       MAX_QUERY_LEN, PLANNER_MODES, PLANNER_PARAMS, PLANNER_SECTIONS, VIEWS, Known, PlannerState, ViewState, parse,
                       replace, to_params)

KEYS = sorted(LIST_PARAMS) + ["q", "sel", "basemap", "lat", "lon", "zoom", "lang", "view"] + sorted(PLANNER_PARAMS.values())
PAYLOADS = [
    "<script>window.__pwned=1</script>", '"><img src=x onerror=alert(1)>', "[x](javascript:alert(1))",
    "![t](https://evil.example/t.png)", ":red[x] $x$ **b** `c`", ":material/home: :smile:", "'; DROP TABLE f; --",
    "../../etc/passwd", "{{7*7}}", "%00%0d%0a", "\u202eevil\u202c", "a\x00b\r\nc\td", "\ufeffsel", "null", "[]",
]
NUMBERS = ["nan", "inf", "-inf", "1e309", "1e-309", "-0", "0x1f", "1_0", "٣٠", "２９.５", " 29.5 ", "29,5", "", ".",
           "+", "29.5.1", "106.5", "29.55", "12", "8", "19", "20", "-1", "9" * 400]
SAFE_NOTICE = re.compile(r"[\w\-., :“”?…]*")

KNOWN = Known(
    districts=frozenset({"渝中区", "大渡口区"}), periods=frozenset({"fyp14", "fyp15", "vision2035"}),
    themes=frozenset({"finance", "transport"}), layers=frozenset({"zones", "stations"}),
    categories=frozenset({"cbd", "metro_station"}), statuses=frozenset({"planned", "existing"}),
    ids=frozenset({"yz-jiefangbei", "ddk-station-1"}), basemaps=("offline", "osm", "amap"),
)


# --- strategies (shared with test_url_fuzz.py) --------------------------------------------

def good_values(known: Known) -> list[str]:
    return sorted(known.districts | known.periods | known.themes | known.layers | known.categories
                  | known.statuses | known.ids | set(known.basemaps) | set(LANGS) | set(VIEWS) | {"all"})


def text(max_size: int = 40):
    """Any Unicode a URL can carry: controls, bidi marks, CJK, emoji (no lone surrogates)."""
    return st.text(st.characters(codec="utf-8"), max_size=max_size)


def huge():
    return st.builds(operator.mul, st.sampled_from(["a", "解", ",", "\x00", "9", "finance,", "%"]),
                     st.integers(1_000, 60_000))


def keys(names: list[str]):
    variants = st.sampled_from([str.upper, lambda k: f" {k}", lambda k: f"{k}\x00", lambda k: f"{k}[]",
                                lambda k: f"{k}\u200b", lambda k: f"{k}.x"])
    return st.one_of(st.sampled_from(names), st.builds(lambda f, k: f(k), variants, st.sampled_from(names)), text(20))


def values(known: Known):
    good = st.sampled_from(good_values(known))
    return st.one_of(
        good, text(), st.sampled_from(PAYLOADS), st.sampled_from(NUMBERS), st.floats().map(str), huge(),
        st.lists(st.one_of(good, text(12), st.sampled_from(PAYLOADS)), min_size=2, max_size=6).map(",".join),
    )


def query_params(known: Known, extra_keys: tuple[str, ...] = ()):
    """A query as Streamlit hands it over: {key: value}, a list value meaning a repeated key.

    *extra_keys* are other parameters the page reads (sent with the same hostile values)."""
    value = st.one_of(values(known), st.lists(values(known), min_size=2, max_size=4))
    too_many = st.dictionaries(st.text("abcsel1_", min_size=1, max_size=6), st.sampled_from(PAYLOADS + NUMBERS),
                               min_size=MAX_PARAMS + 1, max_size=MAX_PARAMS + 10)
    return st.one_of(st.dictionaries(keys(KEYS + list(extra_keys)), value, max_size=8), too_many)


def valid_states(known: Known):
    def some(values):
        return st.lists(st.sampled_from(sorted(values)), unique=True, max_size=3).map(tuple)

    coord = st.tuples(st.integers(*(round(v * 100_000) for v in LAT_RANGE)),
                      st.integers(*(round(v * 100_000) for v in LON_RANGE))).map(lambda c: (c[0] / 100_000, c[1] / 100_000))
    filters = st.builds(Filters, districts=some(known.districts), periods=some(known.periods),
                        themes=some(known.themes), layers=some(known.layers), categories=some(known.categories),
                        statuses=some(known.statuses),
                        query=st.text(st.characters(categories=["L", "N", "Zs"]), max_size=30).map(str.strip))
    planner = st.builds(PlannerState, section=st.sampled_from(PLANNER_SECTIONS), district=st.sampled_from(sorted(known.districts)),
                        cell=st.sampled_from(range(CELL_RANGE[0], CELL_RANGE[1] + 1, CELL_STEP)),
                        period_from=st.sampled_from(sorted(known.periods)), period_to=st.sampled_from(sorted(known.periods)),
                        mode=st.sampled_from(PLANNER_MODES))
    # The URL holds the planner's choices only while the planner is shown.
    return st.builds(lambda f, sel, basemap, c, zoom, lang, view, pl: ViewState(
        filters=f, selected=sel, basemap=basemap, lat=c and c[0], lon=c and c[1], zoom=zoom, lang=lang, view=view,
        planner=pl if view == "planner" else PlannerState()),
        filters, st.none() | st.sampled_from(sorted(known.ids)), st.sampled_from(known.basemaps),
        st.none() | coord, st.none() | st.integers(8, 19), st.sampled_from(LANGS), st.sampled_from(VIEWS), planner)


# --- examples -------------------------------------------------------------------------------

def test_no_parameters_is_the_default_view():
    assert parse({}, KNOWN) == (ViewState(), [])


def test_known_values_are_taken():
    state, notices = parse({"district": "渝中区", "theme": "finance,transport", "sel": "yz-jiefangbei",
                            "lat": "29.55", "lon": "106.57", "zoom": "15", "lang": "en", "view": "targets",
                            "basemap": "osm", "q": "解放碑"}, KNOWN)
    assert notices == []
    assert state == ViewState(filters=Filters(districts=("渝中区",), themes=("finance", "transport"), query="解放碑"),
                              selected="yz-jiefangbei", basemap="osm", lat=29.55, lon=106.57, zoom=15, lang="en",
                              view="targets")


@pytest.mark.parametrize("params, field, notice", [
    ({"sel": "no-such-id"}, "selected", "sel: no feature with id “no-such-id”"),
    ({"basemap": "tianditu"}, "basemap", "basemap: “tianditu” is not available"),
    ({"lang": "fr"}, "lang", "lang: “fr” is not available"),
    ({"view": "admin"}, "view", "view: “admin” is not available"),
    ({"zoom": "99"}, "zoom", "zoom: out of range 8 to 19"),
    ({"zoom": "nan"}, "zoom", "zoom: “nan” is not a number"),
    ({"lat": "1e309", "lon": "106.5"}, "lat", "lat: “1e309” is not a number"),
    ({"colour": "red"}, None, "unknown parameter ignored: “colour”"),
])
def test_bad_values_fall_back_with_a_notice(params, field, notice):
    state, notices = parse(params, KNOWN)
    assert notice in notices
    if field:
        assert getattr(state, field) == getattr(ViewState(), field)


def test_list_keeps_known_values_and_names_a_few_unknown_ones():
    state, notices = parse({"theme": "finance,bogus,transport,finance,all,x1,x2,x3"}, KNOWN)
    assert state.filters.themes == ("finance", "transport")
    assert notices == ["theme: unknown values ignored: “bogus”, “x1”, “x2” and 1 more"]


def test_repeated_key_last_value_wins():
    state, notices = parse({"sel": ["nope", "yz-jiefangbei"], "zoom": ["3", "12"]}, KNOWN)
    assert (state.selected, state.zoom, notices) == ("yz-jiefangbei", 12, [])
    assert parse({"sel": []}, KNOWN) == (ViewState(), [])


@pytest.mark.parametrize("raw", ["1_0", "0x1f", "٣٠", "２９.５", "29,5", "29.5.1", "+", ".", "inf", "-nan"])
def test_only_plain_decimals_are_numbers(raw):
    state, notices = parse({"zoom": raw}, KNOWN)
    assert state.zoom is None and notices and "not a number" in notices[0]


def test_lat_without_lon_is_dropped():
    state, notices = parse({"lat": "29.5"}, KNOWN)
    assert (state.lat, state.lon) == (None, None)
    assert notices == ["lat and lon must be given together"]


def test_control_and_invisible_characters_are_removed():
    state, notices = parse({"\u200bsel\x00": "\x00yz-jiefangbei\u202e\r\n", "q": "解放\x07碑\u2066"}, KNOWN)
    assert (state.selected, state.filters.query, notices) == ("yz-jiefangbei", "解放碑", [])


def test_huge_values_are_cut_and_echoed_briefly():
    state, notices = parse({"q": "解" * 1_000_000, "sel": "x" * 1_000_000, "z" * 100_000: "1"}, KNOWN)
    assert state.filters.query == "解" * MAX_QUERY_LEN
    assert len(notices) == 2 and all(len(n) < 80 for n in notices)


def test_too_many_parameters_are_not_all_read():
    params = {f"k{i}": "1" for i in range(MAX_PARAMS)} | {"sel": "yz-jiefangbei"}
    state, notices = parse(params, KNOWN)
    assert state.selected is None
    assert notices[0] == f"too many parameters: only the first {MAX_PARAMS} were read"
    assert notices[-1] == f"{MAX_PARAMS - MAX_NOTICES + 1} more problems"


def test_notices_never_repeat_markup():
    _, notices = parse({p: p for p in PAYLOADS[:4]}, KNOWN)
    assert notices and all(SAFE_NOTICE.fullmatch(n) for n in notices)
    assert not any(c in "".join(notices) for c in "<>[]()!*`$")


def test_to_params_leaves_out_defaults():
    assert to_params(ViewState()) == {}
    assert to_params(ViewState(filters=Filters(themes=("finance", "transport")), lat=29.5, lon=106.5)) == {
        "theme": "finance,transport", "lat": "29.50000", "lon": "106.50000"}


def test_the_planner_choices_round_trip_while_the_planner_is_shown():
    state, notices = parse({"view": "planner", "pl_sec": "compare", "pl_dist": "大渡口区", "pl_cell": "300"}, KNOWN)
    assert notices == [] and state.planner == PlannerState(section="compare", district="大渡口区", cell=300)
    assert to_params(state) == {"view": "planner", "pl_sec": "compare", "pl_dist": "大渡口区", "pl_cell": "300"}
    assert to_params(replace(state, view="map")) == {}  # the map's links do not carry them
    assert to_params(ViewState(view="planner")) == {"view": "planner"}  # defaults stay out


@pytest.mark.parametrize("param, raw, name", [
    ("pl_sec", "nope", "section"), ("pl_cell", "999", "cell"), ("pl_cell", "275", "cell"), ("pl_cell", "abc", "cell"),
    ("pl_dist", "江北区", "district"), ("pl_from", "fyp99", "period from"), ("pl_mode", "<script>", "mode")])
def test_bad_planner_choices_fall_back_to_defaults(param, raw, name):
    state, notices = parse({"view": "planner", param: raw}, KNOWN)
    assert state.planner == PlannerState()
    assert len(notices) == 1 and notices[0].startswith(f"planner {name}:") and "<" not in notices[0]


def test_known_from_frame(frame):
    known = Known.from_frame(frame, ("offline",))
    assert known.ids == frozenset(frame.index) and known.basemaps == ("offline",)
    assert {"渝中区", "大渡口区"} == known.districts and known.layers == frozenset(frame["layer"])
    assert parse({"sel": frame.index[0], "layer": ",".join(known.layers)}, known)[1] == []


# --- properties ------------------------------------------------------------------------------

MANY = settings(max_examples=3000, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _check_notices(notices: list[str]) -> None:
    assert len(notices) <= MAX_NOTICES + 1
    for n in notices:
        assert len(n) <= 120 and SAFE_NOTICE.fullmatch(n), n
        assert "_" not in n and all(n[i + 1] == " " for i, c in enumerate(n) if c == ":"), n


@settings(MANY, max_examples=2500)
@given(query_params(KNOWN))
def test_any_query_gives_a_usable_state(params):
    state, notices = parse(params, KNOWN)
    f = state.filters
    for attr in LIST_PARAMS.values():
        assert set(getattr(f, attr)) <= getattr(KNOWN, attr)
    assert state.selected is None or state.selected in KNOWN.ids
    assert state.basemap in KNOWN.basemaps and state.lang in LANGS and state.view in VIEWS
    assert (state.lat is None) == (state.lon is None)
    assert state.lat is None or (LAT_RANGE[0] <= state.lat <= LAT_RANGE[1] and LON_RANGE[0] <= state.lon <= LON_RANGE[1])
    assert state.zoom is None or 8 <= state.zoom <= 19
    assert len(f.query) <= MAX_QUERY_LEN and f.query == f.query.strip()
    _check_notices(notices)
    # Whatever came in, the link the app writes back reads cleanly.
    assert parse(to_params(state), KNOWN) == (state, [])


@settings(MANY, max_examples=2000)
@given(st.dictionaries(st.one_of(text(20), st.integers(), st.none()),
                       st.one_of(st.none(), st.integers(), st.floats(), st.binary(max_size=10), text(),
                                 st.lists(st.one_of(text(), st.integers(), st.none()), max_size=3)), max_size=10))
def test_parse_never_raises_on_odd_types(params):
    _check_notices(parse(params, KNOWN)[1])


@MANY
@given(st.text(st.sampled_from("=&%+;#?,.-_aAz09解\x00 ") | st.characters(codec="utf-8"), max_size=120))
def test_raw_query_strings_from_a_browser(raw):
    """Browsers send anything, including broken %-escapes; Streamlit hands it over via parse_qs."""
    _check_notices(parse(parse_qs(raw, keep_blank_values=True), KNOWN)[1])


@settings(MANY, max_examples=2000)
@given(valid_states(KNOWN))
def test_round_trip(state):
    assert parse(to_params(state), KNOWN) == (state, [])
