"""The plan parser (geo.plans): section tree, stable paragraph ids, quotes in context, source lines."""
from __future__ import annotations

import re

import pytest

from geo.corpus import FIELD_CODE, STYLE_COLUMN, STYLE_PLAN, strip_markup
from geo.paths import RAW
from geo.plans import Document, cn_number, load_document, parse, read_catalog

PARAGRAPH_ID = re.compile(r"^(front|part\d+|ch\d+(\.s\d+)?|s\d+|box\d+|table\d+|h\d+)(-\d+)?\.(para\d+|title)$")


def parse_lines(text: str, style: str = STYLE_PLAN) -> Document:
    lines = text.strip("\n").splitlines()
    meta = {"doc_id": "sample", "style": style}
    return parse(meta, lines, [(10 + i, 10 + i) for i in range(len(lines))])  # source starts at line 10


@pytest.mark.parametrize("numeral, value", [
    ("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("二十一", 21), ("五十八", 58), ("一百零五", 105), ("零", 0),
])
def test_cn_number(numeral, value):
    assert cn_number(numeral) == value


def test_cn_number_refuses_other_text():
    with pytest.raises(ValueError):
        cn_number("十A")


OUTLINE = """
示例区发展规划纲要
第一篇  总体战略
引言段落。
第一章  发展基础
第一章的第一段。
第一节  成就
成就段落一。
成就段落二。
专栏1  重点项目
1.甲项目。建设甲大厦。
2.乙项目。
第二节  环境
表2  主要指标
序号\t指标名称\t2025年
1\t地区生产总值（亿元）\t1000
一、推动高质量发展
2\t人均地区生产总值（万元）\t31
注：“*”为年均增速。
表后的说明。
第二篇  空间布局
第二章  优化布局
布局段落。
第二章  优化布局
重复标题下的段落。
"""


@pytest.fixture(scope="module")
def outline() -> Document:
    return parse_lines(OUTLINE)


def test_sections_get_readable_ids_kinds_and_parents(outline):
    got = {sid: (s.kind, s.parent) for sid, s in outline.sections.items()}
    assert got == {
        "front": ("front", None),
        "part1": ("part", None),
        "ch1": ("chapter", "part1"),
        "ch1.s1": ("section", "ch1"),
        "box1": ("box", "ch1.s1"),
        "ch1.s2": ("section", "ch1"),
        "table2": ("table", "ch1.s2"),
        "part2": ("part", None),
        "ch2": ("chapter", "part2"),
        "ch2-2": ("chapter", "part2"),  # a repeated heading never reuses an id
    }


def test_section_paths_run_from_the_top_down(outline):
    assert outline.sections["box1"].path == ["第一篇  总体战略", "第一章  发展基础", "第一节  成就", "专栏1  重点项目"]
    assert outline.sections["box1"].path_text == "第一篇  总体战略 › 第一章  发展基础 › 第一节  成就 › 专栏1  重点项目"
    assert outline.sections["ch2"].path == ["第二篇  空间布局", "第二章  优化布局"]


def test_paragraph_ids_count_within_their_section(outline):
    got = [(p.id, p.text) for p in outline.paragraphs]
    assert got == [
        ("front.para1", "示例区发展规划纲要"),
        ("part1.para1", "引言段落。"),
        ("ch1.para1", "第一章的第一段。"),
        ("ch1.s1.para1", "成就段落一。"),
        ("ch1.s1.para2", "成就段落二。"),
        ("box1.para1", "1.甲项目。建设甲大厦。"),
        ("box1.para2", "2.乙项目。"),
        ("table2.para1", "序号\t指标名称\t2025年"),
        ("table2.para2", "1\t地区生产总值（亿元）\t1000"),
        ("table2.para3", "一、推动高质量发展"),  # a group row stays in the table
        ("table2.para4", "2\t人均地区生产总值（万元）\t31"),
        ("table2.para5", "注：“*”为年均增速。"),
        ("ch1.s2.para1", "表后的说明。"),  # prose after the note belongs to the section again
        ("ch2.para1", "布局段落。"),
        ("ch2-2.para1", "重复标题下的段落。"),
    ]
    assert all(PARAGRAPH_ID.match(p.id) for p in outline.paragraphs)


def test_paragraphs_map_to_lines(outline):
    para = outline.paragraph("box1.para2")
    assert (para.line, para.src_start, para.src_end) == (11, 20, 20)  # source starts at line 10
    assert outline.sections["box1"].src == (18, 18)


def test_paragraph_ids_are_stable_under_edits_elsewhere(outline):
    edited = parse_lines(OUTLINE.replace("成就段落二。", "成就段落二。\n新增的段落。").replace("引言段落。", ""))
    before = {p.id: p.text for p in outline.paragraphs if not p.id.startswith(("ch1.s1.", "part1."))}
    after = {p.id: p.text for p in edited.paragraphs if not p.id.startswith(("ch1.s1.", "part1."))}
    assert before == after
    assert edited.paragraph("ch1.s1.para3").text == "新增的段落。"


def test_section_titles_are_quotable(outline):
    title = outline.paragraph("ch2.title")
    assert (title.section, title.text) == ("ch2", "第二章  优化布局")
    assert outline.has_paragraph("box1.title") and not outline.has_paragraph("front.title")
    # find: paragraphs first, titles only when no paragraph holds the quote
    assert [p.id for p in outline.find("甲大厦")] == ["box1.para1"]
    assert [p.id for p in outline.find("优化布局")] == ["ch2.title", "ch2-2.title"]
    assert outline.find("不存在的文字") == []


def test_unknown_paragraph(outline):
    assert not outline.has_paragraph("ch9.para1")
    with pytest.raises(KeyError, match="sample: no paragraph 'ch9.para1'"):
        outline.paragraph("ch9.para1")


def test_context_stays_inside_the_section(outline):
    assert [p.id for p in outline.context("box1.para1", radius=2)] == ["box1.para1", "box1.para2"]
    assert [p.id for p in outline.context("table2.para3", radius=1)] == ["table2.para2", "table2.para3", "table2.para4"]


def test_newspaper_headings_and_bullets():
    doc = parse_lines("""
报头文字
（一）聚焦强核提能级
加快中央商务区高端集聚发展。
- 地区生产总值增长5%左右
各位代表！让我们携手奋进。
二、2025年工作安排
全力完成“十四五”规划目标任务。
""", style=STYLE_COLUMN)
    assert [(s.id, s.title) for s in doc.sections.values()][1:] == [
        ("h1", "报头文字"), ("h2", "（一）聚焦强核提能级"), ("h3", "二、2025年工作安排")]
    assert [p.id for p in doc.paragraphs] == ["h2.para1", "h2.para2", "h2.para3", "h3.para1"]
    assert doc.paragraph("h2.para2").text == "- 地区生产总值增长5%左右"  # a bullet, not a heading


def test_line_map_must_match_the_text(tmp_path):
    (tmp_path / "x.txt").write_text("第一章  总则\n段落。\n", encoding="utf-8")
    (tmp_path / "x.lines.csv").write_text("line,src_start,src_end\n1,1,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="2 lines but 1 line-map rows"):
        load_document({"doc_id": "x", "style": STYLE_PLAN}, tmp_path)


# --- the bundled corpus ------------------------------------------------------------------------

def test_catalog_lists_the_five_documents(corpus):
    assert sorted(corpus) == ["ddk-fyp14", "yz-fyp15", "yz-gwr2025-review", "yz-gwr2025-tasks", "yz-news14"]
    assert {m["doc_id"]: m["source_file"][:3] for m in read_catalog()} == {
        "yz-fyp15": "000", "ddk-fyp14": "001", "yz-gwr2025-tasks": "002", "yz-gwr2025-review": "003", "yz-news14": "004"}


@pytest.mark.parametrize("doc_id, boxes", [("yz-fyp15", 16), ("ddk-fyp14", 27)])
def test_outlines_have_all_their_boxes(corpus, doc_id, boxes):
    doc = corpus[doc_id]
    found = [s for s in doc.sections.values() if s.kind == "box"]
    assert [s.id for s in found] == [f"box{n}" for n in range(1, boxes + 1)]
    for s in found:
        assert re.match(rf"^专栏\s*{s.id[3:]}\s", s.title), s.title
        assert doc.section_paragraphs(s.id), f"{doc_id} {s.id} has no items"
        assert doc.sections[s.parent].kind in ("chapter", "section")


@pytest.mark.parametrize("doc_id", ["yz-fyp15", "ddk-fyp14"])
def test_outlines_have_both_indicator_tables(corpus, doc_id):
    doc = corpus[doc_id]
    assert [s.id for s in doc.sections.values() if s.kind == "table"] == ["table1", "table2"]
    assert doc.section_paragraphs("table2")[0].text.startswith("序号\t指标名称")


def test_known_sections_of_the_outlines(corpus):
    yz, ddk = corpus["yz-fyp15"], corpus["ddk-fyp14"]
    assert yz.sections["ch32"].title == "第三十二章  优化城市区域功能布局"
    assert yz.sections["box10"].path[-3:] == ["第三十二章  优化城市区域功能布局", "第四节  实化“五片区”发展支撑",
                                               "专栏10  “一核两翼三带五片区”重点项目"]
    assert yz.sections["table2"].parent == "ch3.s3"
    assert sum(s.kind == "chapter" for s in yz.sections.values()) == 58
    assert ddk.sections["box8"].path == ["第四章 高标准打造长江文化艺术湾区", "第三节 转型升级茄子溪港区",
                                         "专栏 8 长江文化艺术湾区重点项目"]
    assert sum(s.kind == "chapter" for s in ddk.sections.values()) == 18


@pytest.mark.parametrize("doc_id, pid, start", [
    ("yz-fyp15", "box13.para3", "3.重大公共文化设施。提升国泰艺术中心演出服务水平。"),
    ("yz-fyp15", "table2.para2", "1\t【#】地区生产总值增速（%）\t4.5\t5*\t预期性"),
    ("ddk-fyp14", "table2.para2", "1\t地区生产总值年均增速(%)\t3\t6*\t预期性"),
    ("ddk-fyp14", "box1.para1", "创新创业平台：提升天安众创空间"),
    ("yz-news14", "h2.para1", "未来5年，是渝中强支撑"),
])
def test_paragraph_ids_the_data_relies_on_do_not_drift(corpus, doc_id, pid, start):
    assert corpus[doc_id].paragraph(pid).text.startswith(start)


def test_sections_and_paragraphs_are_consistent(corpus):
    for doc in corpus.values():
        ids = [p.id for p in doc.paragraphs + doc.titles]
        assert len(ids) == len(set(ids)), doc.id
        assert all(PARAGRAPH_ID.match(i) for i in ids), doc.id
        for s in doc.sections.values():
            if s.parent:
                assert s.path[:-1] == doc.sections[s.parent].path, (doc.id, s.id)
            if s.kind != "front":
                assert s.path[-1] == s.title
        lines = [p.line for p in sorted(doc.paragraphs + doc.titles, key=lambda p: p.line)]
        assert lines == list(range(1, len(lines) + 1)), f"{doc.id}: every cleaned line is a paragraph or a title"


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", strip_markup(text))


@pytest.mark.parametrize("meta", read_catalog(), ids=lambda m: m["doc_id"])
def test_every_paragraph_is_found_in_the_source_lines_it_maps_to(corpus, meta):
    doc = corpus[meta["doc_id"]]
    raw = (RAW / meta["source_file"]).read_text(encoding="utf-8").splitlines()
    furniture = {f for f in meta["furniture"].split("|") if f} | {"要闻", "渝中半岛"}
    for para in doc.paragraphs + doc.titles:
        assert 1 <= para.src_start <= para.src_end <= len(raw), para.id
        source = [line for line in raw[para.src_start - 1: para.src_end]
                  if strip_markup(line).strip() not in furniture and not FIELD_CODE.match(line.strip())]
        assert squeeze(para.text) in "".join(squeeze(line) for line in source), (doc.id, para.id)


def test_a_dash_lead_in_after_a_box_is_body_text_again():
    meta = {"doc_id": "t", "style": STYLE_PLAN}
    lines = ["第二章 创新", "第一节 平台", "专栏 1 创新平台培育工程", "1.建设实验室。", "——加快培育创新平台。正文。"]
    doc = parse(meta, lines, [(i, i) for i in range(1, len(lines) + 1)])
    assert [p.id for p in doc.paragraphs] == ["box1.para1", "ch2.s1.para1"]
