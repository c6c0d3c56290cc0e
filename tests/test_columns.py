"""Every 专栏 item accounted for (geo.columns): the item list and the validate rule."""
from __future__ import annotations

import csv
import json
import shutil

import yaml

from geo import columns
from geo.paths import GEOJSON, TARGETS, UNMAPPED
from geo.validate import validate_all


def test_items_of_a_project_list():
    text = "4.特色消费场景。深化打造世贸天台131、WFC会仙楼、云端之眼观景台等云端天台场景，加快亮相新华中心云端会客厅等重点项目。"
    assert columns.paragraph_items("yz-fyp15", "box7", text)[:3] == ["世贸天台131", "WFC会仙楼", "云端之眼观景台"]
    # labelled lines, 及-joined names, and a phase listed after its project
    assert columns.paragraph_items("ddk-fyp14", "box13", "城市主干道项目：建成陈家阁立交、白居寺大桥西引道及钓鱼嘴立交、音乐大道等项目。") == [
        "陈家阁立交", "白居寺大桥西引道", "钓鱼嘴立交", "音乐大道"]
    assert columns.paragraph_items("ddk-fyp14", "box6", "大数据智能化产业项目：海康威视重庆科技园二期、三期、海康威视长江上游总部。") == [
        "海康威视重庆科技园二期", "海康威视重庆科技园三期", "海康威视长江上游总部"]
    # prose pieces are no items
    assert columns.paragraph_items("yz-fyp15", "box12", "3.新型基础设施。完善多层次服务体系，提升能级。") == []


def test_a_box_of_directions_lists_its_titles():
    assert columns.paragraph_items("yz-fyp15", "box1", "1.科技金融。完善多层次科技金融服务体系、创新产品中心。") == ["科技金融"]


def test_both_outlines_have_their_boxes_itemised(corpus):
    items = columns.outline_items(corpus)
    boxes = {(i.document, i.box) for i in items}
    assert sum(1 for d, _ in boxes if d == "yz-fyp15") == 16 and sum(1 for d, _ in boxes if d == "ddk-fyp14") == 27
    names = {i.name for i in items}
    assert {"WFC会仙楼", "世贸天台131", "十八梯智慧街区", "区敬老院升级改造工程", "海康威视重庆科技园三期"} <= names


def _item(name, doc="yz-fyp15"):
    return columns.BoxItem(doc, "box7", "专栏7", "box7.para4", name)


def test_accounting_by_name_link_or_unmapped_row():
    feature = {"properties": {"id": "yz-wfc", "name_zh": "重庆环球金融中心（WFC）"}}
    shibati = {"properties": {"id": "yz-shibati", "name_zh": "十八梯"}}
    items = [_item("十八梯智慧街区"), _item("十八梯"), _item("WFC会仙楼"), _item("重钢总医院新院区工程")]
    # the place named inside a project does not account for the project; the works suffix is no new place
    hospital = {"properties": {"id": "ddk-h", "name_zh": "重钢总医院新院区"}}
    left = columns.unaccounted(items, [feature, shibati, hospital], [])
    assert [i.name for i in left] == ["十八梯智慧街区", "WFC会仙楼"]
    links = [{"doc": "yz-fyp15", "item": "WFC会仙楼", "feature": "yz-wfc", "why": "on the tower"}]
    assert [i.name for i in columns.unaccounted(items, [feature, shibati, hospital], [], links)] == ["十八梯智慧街区"]
    row = {"name_zh": "x", "document": "yz-fyp15", "quote": "东升楼更新改造工程、十八梯智慧街区", "reason": "r"}
    assert columns.unaccounted(items, [feature, shibati, hospital], [row], links) == []
    # a link to a feature that is not there accounts for nothing, and is reported
    bad = [{"doc": "yz-fyp15", "item": "WFC会仙楼", "feature": "yz-gone", "why": ""}]
    assert _item("WFC会仙楼") in columns.unaccounted(items, [shibati], [], bad)
    reasons = columns.link_problems(bad, items, [shibati])
    assert any("unknown feature" in r for r in reasons) and any("no why" in r for r in reasons)


def test_validate_fails_when_an_item_loses_its_row(tmp_path):
    shutil.copytree(GEOJSON, tmp_path / "geojson")
    with UNMAPPED.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    kept = [r for r in rows if r["name_zh"] != "微田园"]
    assert len(kept) == len(rows) - 1
    out = tmp_path / "unmapped.csv"
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    problems = validate_all(tmp_path / "geojson", TARGETS, out)
    assert [p.feature for p in problems] == ["微田园"] and "neither a feature nor" in problems[0].reason
    # and when a mapped item's feature is removed from its layer
    path = tmp_path / "geojson" / "projects.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["features"] = [f for f in data["features"] if f["properties"]["id"] != "yz-wfc-huixianlou"]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    problems = validate_all(tmp_path / "geojson", TARGETS, UNMAPPED)
    assert [p.feature for p in problems] == ["WFC会仙楼"]


def test_every_link_names_an_item_and_a_reason(corpus, frame):
    links = columns.read_links()
    assert links and all(yaml.safe_dump(link) for link in links)
    features = [{"properties": {"id": fid}} for fid in frame.index]
    assert columns.link_problems(links, columns.outline_items(corpus), features) == []
