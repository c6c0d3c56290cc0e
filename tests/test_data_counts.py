"""The bundled data: coverage of layers, districts, documents and 专栏, and the indicator tables."""
from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest

from geo.paths import RAW, UNMAPPED
from geo.targets import load_targets

# Lower bounds: the curated data may grow, but must not lose a layer's worth of places.
MIN_PER_LAYER = {"zones": 40, "business_districts": 15, "corridors": 25, "transit": 50, "stations": 10, "projects": 400}
DISTRICT_IDS = {"district-yuzhong", "district-dadukou", "district-jiulongpo", "district-banan",
                "district-shapingba", "district-nanan"}
OUTLINE_BOXES = {"yz-fyp15": 16, "ddk-fyp14": 27}
INDICATOR_ROWS = {"yz-fyp15": 27, "ddk-fyp14": 31}


@pytest.fixture(scope="module")
def targets() -> pd.DataFrame:
    return load_targets()


@pytest.fixture(scope="module")
def unmapped() -> pd.DataFrame:
    return pd.read_csv(UNMAPPED, dtype=str, keep_default_na=False)


def source_documents(frame) -> Counter:
    """Features per document (a feature quoted by several documents counts for each)."""
    return Counter(doc for sources in frame["sources"] for doc in {s["document"] for s in sources})


def test_every_layer_has_features(frame):
    counts = frame["layer"].value_counts()
    for layer, least in MIN_PER_LAYER.items():
        assert counts.get(layer, 0) >= least, f"{layer}: {counts.get(layer, 0)} features"
    assert len(frame) >= 800


def test_districts_layer_holds_both_plan_districts_and_their_neighbours(frame):
    districts = frame[frame["layer"] == "districts"]
    assert set(districts.index) == DISTRICT_IDS
    assert set(districts[districts["role"] == "plan"]["name_zh"]) == {"渝中区", "大渡口区"}


def test_both_districts_have_features_in_every_mapped_layer(frame):
    places = frame[frame["layer"] != "districts"]
    assert set(places["district"]) == {"渝中区", "大渡口区"}
    for district, group in places.groupby("district"):
        assert len(group) >= 300, district
        assert set(group["layer"]) == set(MIN_PER_LAYER), district


def test_every_document_has_features(frame, corpus):
    per_doc = source_documents(frame)
    assert set(per_doc) == set(corpus)
    assert per_doc["yz-fyp15"] >= 250 and per_doc["ddk-fyp14"] >= 350
    for doc_id in ("yz-gwr2025-review", "yz-gwr2025-tasks", "yz-news14"):
        assert per_doc[doc_id] >= 10, doc_id


@pytest.mark.parametrize("doc_id", sorted(OUTLINE_BOXES))
def test_every_box_item_source_is_used(frame, unmapped, corpus, doc_id):
    """Every 专栏 has at least one feature or unmapped row quoting it."""
    boxes = [s.id for s in corpus[doc_id].sections.values() if s.kind == "box"]
    assert len(boxes) == OUTLINE_BOXES[doc_id]
    used = Counter(s["section"] for sources in frame["sources"] for s in sources if s["document"] == doc_id)
    used.update(unmapped.loc[unmapped["document"] == doc_id, "section"])
    assert [box for box in boxes if not used[box]] == []


def test_unmapped_rows_give_a_reason_and_a_box_or_section(unmapped, corpus):
    assert len(unmapped) > 0
    for _, row in unmapped.iterrows():
        doc = corpus[row["document"]]
        assert row["reason"].strip()
        assert doc.paragraph(row["paragraph"]).section == row["section"]


def test_precision_levels_are_all_used(frame, vocab):
    assert set(frame["precision"]) == set(vocab.precision)


# --- indicator tables ---------------------------------------------------------------------------

def indicator_rows(targets: pd.DataFrame, doc_id: str) -> pd.DataFrame:
    return targets[(targets["kind"] == "indicator_table") & (targets["document"] == doc_id)]


@pytest.mark.parametrize("doc_id, years", [("yz-fyp15", ("2025", "2030")), ("ddk-fyp14", ("2020", "2025"))])
def test_indicator_tables_are_complete(targets, doc_id, years):
    rows = indicator_rows(targets, doc_id)
    assert list(rows["row"]) == [str(n) for n in range(1, INDICATOR_ROWS[doc_id] + 1)]
    assert set(rows["section"]) == {"table2"}
    assert set(zip(rows["baseline_year"], rows["target_year"])) == {years}
    assert set(rows["attribute"]) <= {"预期性", "约束性", "预期值"}  # 预期值: as printed in ddk 表2 row 5


def raw_cells(corpus, meta_by_id, doc_id: str, paragraph: str) -> list[str]:
    """The table cells of a row as they stand in the raw source file."""
    para = corpus[doc_id].paragraph(paragraph)
    raw = (RAW / meta_by_id[doc_id]["source_file"]).read_text(encoding="utf-8").splitlines()
    lines = raw[para.src_start - 1: para.src_end]
    return [cell.strip() for line in lines for cell in line.split("\t") if cell.strip()]


@pytest.fixture(scope="module")
def meta_by_id(corpus):
    return {doc_id: doc.meta for doc_id, doc in corpus.items()}


@pytest.mark.parametrize("doc_id", sorted(INDICATOR_ROWS))
def test_indicator_values_are_exactly_as_printed_in_the_raw_text(targets, corpus, meta_by_id, doc_id):
    for _, row in indicator_rows(targets, doc_id).iterrows():
        printed = raw_cells(corpus, meta_by_id, doc_id, row["paragraph"])
        assert printed == [row["row"], row["indicator"], row["baseline"], row["target"], row["attribute"]], row["target_id"]


# Spot checks typed from data/plans/raw (000: one cell per line; 001: tab-separated rows).
SPOT_CHECKS = [
    ("yz-fyp15", "1", "【#】地区生产总值增速（%）", "%", "4.5", "5*", "预期性", "承接市级;年均增速"),
    ("yz-fyp15", "11", "与东盟贸易额（亿元）", "亿元", "8.3", "〔9.62〕", "预期性", "累计"),
    ("yz-fyp15", "13", "【#】粮食综合保障能力（万吨）", "万吨", "≥2.16", "市级下达", "约束性", "承接市级;市级下达"),
    ("yz-fyp15", "25", "【#】单位地区生产总值二氧化碳排放降低（%）", "%", "—", "市级下达", "约束性", "承接市级;市级下达"),
    ("yz-fyp15", "27", "【#】细颗粒物（PM2.5）浓度（微克/立方米）", "微克/立方米", "31.7", "市级下达", "约束性", "承接市级;市级下达"),
    ("ddk-fyp14", "5", "战略性新兴产业产值占规上工业总产值比重(%)", "%", "52.5", "≥55", "预期值", ""),
    ("ddk-fyp14", "12", "进出口总额(亿元)", "亿元", "22.03", "≥[100]", "预期性", "累计"),
    ("ddk-fyp14", "16", "一般公共预算收入年均增速(%)", "%", "-2.7", "6*", "预期性", "年均增速"),
    ("ddk-fyp14", "18", "单位地区生产总值二氧化碳排放降低(%)", "%", "—", "市级下达 为准", "约束性", "市级下达"),
    ("ddk-fyp14", "31", "安全事故死亡人数（人）", "人", "12", "<[80]", "约束性", "累计"),
]


@pytest.mark.parametrize("doc_id, row, indicator, unit, baseline, target, attribute, markers", SPOT_CHECKS,
                         ids=[f"{c[0]}-{c[1]}" for c in SPOT_CHECKS])
def test_indicator_spot_checks(targets, doc_id, row, indicator, unit, baseline, target, attribute, markers):
    found = indicator_rows(targets, doc_id).set_index("row").loc[row]
    assert (found["indicator"], found["unit"], found["baseline"], found["target"], found["attribute"], found["markers"]) == (
        indicator, unit, baseline, target, attribute, markers)


def test_ddk_indicator_groups(targets):
    groups = indicator_rows(targets, "ddk-fyp14").set_index("row")["group"]
    assert groups["1"] == "" and groups["3"] == "一、建设高质量产业之区" and groups["17"] == "二、建设高品质宜居之城"


def test_work_report_and_prose_targets_exist(targets, frame):
    by_kind = targets["kind"].value_counts()
    assert by_kind["annual"] >= 20 and by_kind["section"] >= 50 and by_kind["place"] >= 10
    annual = targets[targets["kind"] == "annual"]
    assert "yz-gwr2025-tasks" in set(annual["document"])
    place = targets[targets["kind"] == "place"]
    assert set(place["feature_id"]) <= set(frame.index)
    assert (targets.loc[targets["kind"] != "place", "feature_id"] == "").all()
