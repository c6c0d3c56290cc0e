"""Guided tours: the bundled tours, what a stop shows and says, and how bad tour files are reported."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from geo.filters import Filters, apply
from geo.tours import (MAX_QUOTES, MAX_TARGETS, STOP_KEYS, TOURS, Stop, TourError, caption, load_tours, read_tour,
                       stop_number, view_bounds, visible_ids)


@pytest.fixture(scope="module")
def tours(frame, vocab, corpus):
    return load_tours(frame, vocab, corpus)


# --- the bundled tours --------------------------------------------------------------------

def test_bundled_tours_load_and_cover_both_districts_and_periods(tours, frame):
    assert len(tours) >= 3
    districts = {tid: {frame.loc[f, "district"] for s in t.stops for f in s.features} for tid, t in tours.items()}
    assert any(d == {"渝中区"} for d in districts.values()), "a tour of 渝中区"
    assert any(d == {"大渡口区"} for d in districts.values()), "a tour of 大渡口区"
    across = [t for t in tours.values() if {p for s in t.stops for p in s.periods} >= {"fyp14", "fyp15", "vision2035"}]
    assert across, "a tour across the plan periods, whose stops show each period"


def test_yuzhong_tour_walks_one_core_two_wings_three_belts_five_areas_in_order(tours, frame):
    tour = next(t for t in tours.values() if {frame.loc[f, "district"] for s in t.stops for f in s.features} == {"渝中区"})
    markers = ["“一核”", "“两翼”", "“三带”", "“五片区”"]
    order = []
    for marker in markers:
        # the stop whose caption quotes only the plan's section on that part of the layout
        hits = [i for i, stop in enumerate(tour.stops)
                if all(marker in q.section_path for q in caption(stop, frame).quotes)]
        assert hits, f"no stop for {marker}"
        order.append(hits[0])
    assert order == sorted(order) and len(set(order)) == 4
    later = tour.stops[order[-1] + 1:]
    layers = [{frame.loc[f, "layer"] for f in s.features} for s in later]
    assert any("projects" in ls for ls in layers), "key projects after the layout"
    assert "transit" in layers[-1], "transit last"


def test_dadukou_tour_shows_the_four_directions_and_the_four_plates(tours, frame, corpus):
    shown = {f for t in tours.values() for s in t.stops for f in s.features if frame.loc[f, "district"] == "大渡口区"}
    for word in ("北优", "南拓", "东联", "西畅"):
        assert any(word in frame.loc[f, "name_zh"] for f in shown), word
    glossary = next(p.text for p in corpus["ddk-fyp14"].paragraphs if p.text.startswith("四大重点板块"))
    plates = [name for name in glossary.split("：", 1)[1].rstrip("。").split("、")]
    assert len(plates) == 4
    for plate in plates:
        assert any(s["quote"] == plate for f in shown for s in frame.loc[f, "sources"]), plate


def test_every_caption_is_the_plan_own_words(tours, frame, corpus):
    for tour in tours.values():
        for stop in tour.stops:
            cap = caption(stop, frame)
            assert cap.quotes, f"{tour.id}: {stop.title['zh']} says nothing"
            sources = {(s["quote"], s["document"]) for f in stop.features for s in frame.loc[f, "sources"]}
            for q in cap.quotes:
                assert (q.text, q.document) in sources
                assert corpus[q.document].find(q.text), "verbatim in the plan text"
                assert not stop.documents or q.document in stop.documents
            targets = [t for f in stop.features for t in frame.loc[f, "targets"]]
            assert all(t in targets for t in cap.targets)
            assert len(cap.quotes) <= MAX_QUOTES and len(cap.targets) <= MAX_TARGETS
            assert [n for n, _ in cap.names] == [frame.loc[f, "name_zh"] for f in stop.features]


def test_tour_files_carry_no_caption_text():
    assert not {"caption", "quote", "quotes", "targets", "text"} & STOP_KEYS, "captions come from the data only"
    for path in TOURS.glob("*.yaml"):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert all(set(stop) <= STOP_KEYS for stop in raw["stops"]), path.name


# --- what a stop shows --------------------------------------------------------------------

def test_visible_ids_are_the_features_plus_the_filtered_context_layers(frame):
    stop = Stop(title={"zh": "t", "en": "t"}, features=("ddk-metro-line-18",), layers=("transit", "districts"),
                districts=("渝中区",), periods=("fyp15",))
    ids = visible_ids(stop, frame)
    context = apply(frame, Filters(districts=("渝中区",), periods=("fyp15",), layers=("transit", "districts")))
    assert set(ids) == set(context.index) | {"ddk-metro-line-18"}
    assert len(ids) == len(set(ids))
    rest = frame.loc[[i for i in ids if i != "ddk-metro-line-18"]]
    assert set(rest["layer"]) == {"transit", "districts"}
    assert set(rest.loc[rest.layer == "transit", "district"]) == {"渝中区"}
    only = Stop(title={"zh": "t", "en": "t"}, features=("yz-hualongqiao", "yz-jiefangbei-cbd"))
    assert visible_ids(only, frame) == [i for i in frame.index if i in only.features]


def test_view_bounds_frame_the_features_or_the_given_box(frame):
    stop = Stop(title={"zh": "t", "en": "t"}, features=("yz-hualongqiao", "yz-jiefangbei-cbd"))
    (south, west), (north, east) = view_bounds(stop, frame)
    for fid in stop.features:
        w, s, e, n = frame.loc[fid].geometry.bounds
        assert south <= s and west <= w and north >= n and east >= e
    assert view_bounds(Stop(title=stop.title, features=stop.features, view=("district-yuzhong",)), frame) == \
        ((frame.loc["district-yuzhong"].geometry.bounds[1], frame.loc["district-yuzhong"].geometry.bounds[0]),
         (frame.loc["district-yuzhong"].geometry.bounds[3], frame.loc["district-yuzhong"].geometry.bounds[2]))
    box = ((29.5, 106.5), (29.6, 106.6))
    assert view_bounds(Stop(title=stop.title, features=stop.features, bounds=box), frame) == box


def test_caption_picks_by_document_and_section_and_says_each_thing_once(frame):
    both = Stop(title={"zh": "t", "en": "t"}, features=("yz-chongqing-station-riverside-new-town", "yz-hualongqiao"),
                documents=("yz-fyp15",), sections=("ch32.s2",))
    cap = caption(both, frame)
    texts = [q.text for q in cap.quotes]
    assert len(texts) == len(set(texts))
    assert sum("“两翼”" in t for t in texts) == 1, "the shared layout sentence once"
    assert texts[0].startswith("充分发挥"), "round robin: each feature's first quote first"
    assert all(t["document"] == "yz-fyp15" and t["paragraph"].startswith("ch32.s2.") for t in cap.targets)
    other = Stop(title=both.title, features=both.features, documents=("yz-gwr2025-tasks",))
    assert {q.document for q in caption(other, frame).quotes} == {"yz-gwr2025-tasks"}


def test_caption_keeps_the_longer_of_two_overlapping_quotes(frame):
    stop = Stop(title={"zh": "t", "en": "t"}, features=("yz-metro-line-27", "yz-chongqing-hunan-hsr"),
                documents=("yz-fyp15",), sections=("ch34.s1",))
    texts = [q.text for q in caption(stop, frame).quotes]
    assert not any(a != b and a in b for a in texts for b in texts)
    assert "提速建设渝湘高铁（渝中区段）、轨道27号线等重大项目" in texts


@pytest.mark.parametrize("raw, expected", [("3", 3), (" 2 ", 2), ("0", 1), ("-4", 1), ("99", 8), ("x", 1),
                                           (None, 1), ("", 1), ("2.5", 1)])
def test_stop_number_from_a_link(raw, expected):
    assert stop_number(raw, 8) == expected


# --- bad tour files -------------------------------------------------------------------------

GOOD_STOP = {"title": {"zh": "两翼", "en": "Wings"}, "features": ["yz-hualongqiao"]}


def write_tour(folder: Path, name: str, stops, **tour) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"title": "测试", **tour, "stops": stops}, allow_unicode=True), encoding="utf-8")
    return path


def problems_of(folder: Path, frame, vocab, corpus) -> list[str]:
    with pytest.raises(TourError) as info:
        load_tours(frame, vocab, corpus, folder)
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize("bad_stop, words", [
    ({"title": "坏", "features": ["yz-no-such-place"]}, ["unknown feature id", "yz-no-such-place"]),
    ({"title": "坏", "features": ["yz-hualongqiao"], "view": ["nowhere"]}, ["view", "nowhere"]),
    ({"title": "坏", "features": ["yz-hualongqiao"], "layers": ["zones", "buildings"]}, ["layers", "buildings"]),
    ({"title": "坏", "features": ["yz-hualongqiao"], "periods": ["fyp99"]}, ["periods", "fyp99"]),
    ({"title": "坏", "features": ["yz-hualongqiao"], "documents": ["no-doc"]}, ["documents", "no-doc"]),
    ({"title": "坏", "features": ["yz-hualongqiao"], "documents": ["yz-fyp15"], "sections": ["ch999"]},
     ["no section", "ch999"]),
    ({"title": "坏", "features": ["yz-hualongqiao"], "documents": ["ddk-fyp14"]},
     ["yz-hualongqiao has no quote", "ddk-fyp14"]),
    ({"title": "坏", "features": ["yz-hualongqiao"], "bounds": [[29.6, 106.5], [29.5, 106.6]]}, ["bounds"]),
    ({"title": "坏", "features": []}, ["features missing"]),
    ({"title": "坏", "features": "yz-hualongqiao", "caption": "retyped text"}, ["unknown key 'caption'"]),
    ({"features": ["yz-hualongqiao"]}, ["title missing"]),
    ("just a string", ["a stop must be a mapping"]),
])
def test_bad_stop_is_reported_with_file_and_stop(tmp_path, frame, vocab, corpus, bad_stop, words):
    write_tour(tmp_path, "fine", [GOOD_STOP])
    write_tour(tmp_path, "broken", [GOOD_STOP, bad_stop])
    problems = problems_of(tmp_path, frame, vocab, corpus)
    assert len(problems) == 1, problems
    assert problems[0].startswith("broken.yaml: stop 2 ("), problems[0]
    for word in words:
        assert word in problems[0]


def test_tour_level_problems_and_all_problems_at_once(tmp_path, frame, vocab, corpus):
    (tmp_path / "notyaml.yaml").write_text("stops: [unclosed", encoding="utf-8")
    write_tour(tmp_path, "nostops", [])
    write_tour(tmp_path, "two", [{"title": "一", "features": ["a-missing"]}, {"title": "二", "features": ["b-missing"]}],
               layers=["nope"])
    problems = problems_of(tmp_path, frame, vocab, corpus)
    assert any(p.startswith("notyaml.yaml: tour: cannot read") for p in problems)
    assert any(p.startswith("nostops.yaml: tour: stops missing") for p in problems)
    assert any(p.startswith("two.yaml: stop 1 (一)") and "a-missing" in p for p in problems)
    assert any(p.startswith("two.yaml: stop 2 (二)") and "b-missing" in p for p in problems)
    assert sum("nope" in p for p in problems) == 2, "inherited layers checked at every stop"


def test_stops_inherit_tour_settings_and_override_them(tmp_path):
    path = write_tour(tmp_path, "inherit", [GOOD_STOP, {**GOOD_STOP, "layers": ["transit"], "documents": []}],
                      layers=["districts"], documents=["yz-fyp15"], districts=["渝中区"])
    tour, problems = read_tour(path)
    assert not problems
    assert tour.id == "inherit" and tour.title == {"zh": "测试", "en": "测试"}
    first, second = tour.stops
    assert first.layers == ("districts",) and first.documents == ("yz-fyp15",) and first.districts == ("渝中区",)
    assert second.layers == ("transit",) and second.documents == () and second.districts == ("渝中区",)
    assert tour.only(2).stops == (second,)


def test_bundled_tours_still_load_from_a_copied_data_folder(tmp_path, frame, vocab, corpus):
    shutil.copytree(TOURS, tmp_path / "tours")
    assert set(load_tours(frame, vocab, corpus, tmp_path / "tours")) == {p.stem for p in TOURS.glob("*.yaml")}
