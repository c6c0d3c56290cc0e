"""Period comparison, rename links and layout formulas (geo/compare.py).

Fixtures are hand-made features quoting the real documents: yz-news14, yz-gwr2025-* speak for
fyp14 and yz-fyp15 for fyp15 (data/vocabulary.yaml), so the right answer of each case is
known from the sources alone.
"""
from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from shapely.geometry import Point

from conftest import ROOT
from geo import compare
from geo.curation import locate_quote
from geo.errors import CurationError
from test_analysis import feature, frame_of


def src(doc, paragraph="p", section="s", quote="q"):
    return {"document": doc, "section": section, "section_path": "", "paragraph": paragraph, "quote": quote}


@pytest.fixture
def periods_frame():
    return frame_of([
        feature("a", "projects", Point(0, 0), sources=[src("yz-news14"), src("yz-fyp15")]),        # both: carried over
        feature("b", "projects", Point(0, 0), sources=[src("yz-gwr2025-tasks")]),                  # fyp14 only: dropped
        feature("c", "projects", Point(0, 0), sources=[src("yz-fyp15")]),                          # fyp15 only: new
        feature("d-old", "projects", Point(0, 0), sources=[src("yz-gwr2025-review")]),             # renamed ...
        feature("e-new", "projects", Point(0, 0), sources=[src("yz-fyp15")]),                      # ... to this
        feature("f", "projects", Point(0, 0), district="大渡口区", sources=[src("ddk-fyp14")]),     # other district
        feature("g", "districts", Point(0, 0), sources=[src("yz-fyp15")]),                        # context layer
    ])


LINK = compare.Rename("d-old", "e-new", "fixture", (src("yz-gwr2025-review"), src("yz-fyp15")))


def test_changes_between_periods(periods_frame, corpus, vocab):
    table = compare.compare_periods(periods_frame, corpus, vocab, "渝中区", "fyp14", "fyp15", [LINK])
    change = dict(zip(table["id"], table["change"]))
    assert change == {"a": "carried_over", "b": "dropped", "c": "new", "d-old": "carried_over", "e-new": "carried_over"}
    renamed = table.set_index("id")
    assert renamed.loc["d-old", "renamed"] and renamed.loc["d-old", "linked_id"] == "e-new"
    assert renamed.loc["e-new", "linked_id"] == "d-old" and not renamed.loc["a", "renamed"]
    assert renamed.loc["a", "before_docs"] == "yz-news14" and renamed.loc["a", "after_docs"] == "yz-fyp15"
    # places: a and the renamed pair carried over (the pair counts once), c new, b dropped
    assert compare.change_summary(table) == {"carried_over": 2, "new": 1, "dropped": 1, "renamed": 1}


def test_without_the_link_a_rename_is_a_drop_and_a_new_place(periods_frame, corpus, vocab):
    table = compare.compare_periods(periods_frame, corpus, vocab, "渝中区", "fyp14", "fyp15")
    change = dict(zip(table["id"], table["change"]))
    assert change["d-old"] == "dropped" and change["e-new"] == "new"
    assert compare.change_summary(table) == {"carried_over": 1, "new": 2, "dropped": 2, "renamed": 0}


def test_comparison_runs_backwards(periods_frame, corpus, vocab):
    table = compare.compare_periods(periods_frame, corpus, vocab, "渝中区", "fyp15", "fyp14", [LINK])
    change = dict(zip(table["id"], table["change"]))
    assert change == {"a": "carried_over", "b": "new", "c": "dropped", "d-old": "carried_over", "e-new": "carried_over"}


def test_district_without_a_second_period_is_refused(periods_frame, corpus, vocab):
    assert compare.district_periods(corpus, vocab, "大渡口区") == ["fyp14"]
    assert compare.district_periods(corpus, vocab, "渝中区") == ["fyp14", "fyp15"]
    with pytest.raises(compare.NoDocuments, match="fyp15"):
        compare.compare_periods(periods_frame, corpus, vocab, "大渡口区", "fyp14", "fyp15")


def test_rename_evidence_must_be_verbatim_from_two_documents(corpus):
    good = {"from": "x", "to": "y", "evidence": [{"doc": "yz-gwr2025-tasks", "quote": "提速重庆长滨，推进陕西路停车场建设"},
                                                 {"doc": "yz-fyp15", "quote": "重庆长滨片区陕西路周边老旧小区停车场"}]}
    (link,) = compare.parse_renames({"renames": [good]}, corpus)
    assert [e["document"] for e in link.evidence] == ["yz-gwr2025-tasks", "yz-fyp15"]
    assert link.evidence[1]["paragraph"] == locate_quote(corpus["yz-fyp15"], "重庆长滨片区陕西路周边老旧小区停车场")["paragraph"]
    retyped = {**good, "evidence": [good["evidence"][0], {"doc": "yz-fyp15", "quote": "陕西路停车场（改写）"}]}
    with pytest.raises(CurationError, match="not found verbatim"):
        compare.parse_renames({"renames": [retyped]}, corpus)
    one_doc = {**good, "evidence": [good["evidence"][0]]}
    with pytest.raises(CurationError, match="two documents"):
        compare.parse_renames({"renames": [one_doc]}, corpus)


def test_bundled_links_are_valid(frame, corpus, vocab):
    raw = compare.read_links()
    renames = compare.parse_renames(raw, corpus)  # raises if any quote is not verbatim
    assert len(renames) >= 5
    assert compare.check_links(renames, frame) == []
    table = compare.compare_periods(frame, corpus, vocab, "渝中区", "fyp14", "fyp15", renames)
    linked = table[table["renamed"]]
    assert set(linked["id"]) == {r.from_id for r in renames} | {r.to_id for r in renames}
    assert (linked["change"] == "carried_over").all()


def test_check_links_reports_missing_features_and_wrong_documents(periods_frame):
    wrong = compare.Rename("a", "nope", "", (src("yz-news14"), src("yz-fyp15")))
    other_doc = compare.Rename("b", "c", "", (src("yz-news14"), src("yz-fyp15")))  # b quotes gwr2025-tasks
    redundant = compare.Rename("a", "c", "", (src("yz-news14"), src("yz-fyp15")))  # a is quoted from yz-fyp15 too
    problems = compare.check_links([wrong, other_doc, redundant], periods_frame)
    assert any("no feature 'nope'" in p for p in problems)
    assert any("b has no source in yz-news14" in p for p in problems)
    assert any("a is itself quoted from yz-fyp15" in p for p in problems)
    assert compare.check_links([LINK], periods_frame) == []


# --- layout formulas -----------------------------------------------------------------

def fyp15_source(corpus, quote):
    return locate_quote(corpus["yz-fyp15"], quote)


@pytest.fixture
def fyp15_layout(corpus):
    raw = {"layouts": [{"id": "t", "district": "渝中区", "document": "yz-fyp15", "formula": "一核两翼三带五片区",
                        "quote": "迭代“一核两翼三带五片区”城市功能布局", "scope": "section"}]}
    return compare.parse_layouts(raw, corpus)[0]


def test_layout_members_are_found_by_their_sources(corpus, fyp15_layout):
    assert fyp15_layout.parts == ("一核", "两翼", "三带", "五片区")
    assert fyp15_layout.quote["section"] == "ch32"
    s = lambda q: fyp15_source(corpus, q)  # noqa: E731
    frame = frame_of([
        # in ch32.s2, the quote names 两翼
        feature("wing", "zones", Point(0, 0), category="new_town", themes=["spatial_layout"],
                sources=[s("充分发挥重庆站滨江新城、化龙桥国际商务区“两翼”协同带动作用")]),
        # in ch32.s3, whose title (提升“三带”涵养品质) names the term
        feature("belt", "corridors", Point(0, 0), category="belt", themes=["spatial_layout"],
                sources=[s("着力打造两江滨江亲水休闲观光带、历史人文风貌带、大鹅岭山脊生态景观带")]),
        # spatial layout, but quoted outside chapter 32
        feature("elsewhere", "zones", Point(0, 0), category="core", themes=["spatial_layout"],
                sources=[s("以建设解放碑金融极核为引领")]),
        # inside chapter 32 but not a layout feature
        feature("project", "projects", Point(0, 0), themes=["transport"], sources=[s("重庆长滨片区道路下穿工程")]),
    ])
    members = compare.layout_members(frame, fyp15_layout, corpus)
    assert members["id"].tolist() == ["wing", "belt"]  # ordered by the formula's terms
    assert dict(zip(members["id"], members["part"])) == {"wing": "两翼", "belt": "三带"}


def test_layout_scopes(corpus):
    doc = corpus["yz-fyp15"]
    quote = fyp15_source(corpus, "迭代“一核两翼三带五片区”城市功能布局")
    note = fyp15_source(corpus, "47.“一核两翼三带五片区”。是指")
    inner = fyp15_source(corpus, "着力打造两江滨江亲水休闲观光带、历史人文风貌带、大鹅岭山脊生态景观带")
    box10 = fyp15_source(corpus, "重庆长滨片区道路下穿工程")  # 专栏10 sits under chapter 32
    make = lambda scope, also=(): compare.Layout("t", "渝中区", "yz-fyp15", "f", quote, scope, also, (), "")  # noqa: E731
    assert compare.in_scope(make("section"), inner, doc) and compare.in_scope(make("section"), box10, doc)
    assert not compare.in_scope(make("paragraph"), inner, doc)
    assert compare.in_scope(make("paragraph"), quote, doc)
    assert not compare.in_scope(make("section"), note, doc) and compare.in_scope(make("section", (note,)), note, doc)
    assert compare.in_scope(make("document"), note, doc)
    assert not compare.in_scope(make("document"), src("yz-news14"), doc)


def test_bundled_fyp15_layout_has_the_eleven_members_of_note_47(frame, corpus):
    layouts = {lay.id: lay for lay in compare.parse_layouts(compare.read_links(), corpus)}
    members = compare.layout_members(frame, layouts["yz-fyp15-layout"], corpus)
    by_part = members.groupby("part")["id"].apply(set).to_dict()
    # note 47: 解放碑中央商务区 一核; 重庆站滨江新城、化龙桥国际商务区 两翼; three belts; five areas
    assert "yz-jiefangbei-cbd" in by_part["一核"]
    assert by_part["两翼"] == {"yz-chongqing-station-riverside-new-town", "yz-hualongqiao"}
    assert {"yz-two-rivers-riverside-leisure-belt", "yz-historic-cultural-belt",
            "yz-da-eling-ridge-ecological-belt"} <= by_part["三带"]
    assert by_part["五片区"] == {"yz-government-affairs-core-area", "yz-southwest-culture-sports-innovation-corridor",
                              "yz-daping-trend-shopping-district", "yz-digital-economy-industrial-park",
                              "yz-around-cqmu-health-park"}
    ddk = compare.layout_members(frame, layouts["ddk-fyp14-layout"], corpus)
    plates = ddk.loc[ddk["part"] == "板块", "quote"]
    # the glossary names four plates; each is some member's quote
    for plate in ("钓鱼嘴滨江湾区板块", "九宫庙商圈板块", "伏牛溪新城板块", "建桥园区板块"):
        assert plates.str.contains(plate).any(), plate
    assert set(ddk.loc[ddk["part"].isin(["北优", "南拓", "东联", "西畅"]), "part"]) == {"北优", "南拓", "东联", "西畅"}


def test_compare_cli(tmp_path):
    out = tmp_path / "cmp.csv"
    run = subprocess.run([sys.executable, "-m", "geo", "compare", "--district", "渝中区", "--from", "fyp14", "--to", "fyp15",
                          "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    table = pd.read_csv(out, keep_default_na=False)
    assert set(table["change"]) == set(compare.CHANGES)
    assert table["renamed"].any()
    ddk = subprocess.run([sys.executable, "-m", "geo", "compare", "--district", "大渡口区", "--from", "fyp14", "--to", "fyp15",
                          "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert ddk.returncode == 2 and "no plan document for fyp15" in ddk.stderr
