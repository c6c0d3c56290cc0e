"""The cleaner (geo.corpus): layout removed, wording kept, source lines remembered."""
from __future__ import annotations

import csv

import pytest

from geo.corpus import STYLE_PLAN, Block, clean, clean_column, clean_page, clean_plan, ends_sentence, strip_markup
from geo.paths import PLANS, RAW
from geo.plans import read_catalog


def texts(blocks: list[Block]) -> list[str]:
    return [b.text for b in blocks]


def spans(blocks: list[Block]) -> list[tuple[int, int]]:
    return [(b.src_start, b.src_end) for b in blocks]


@pytest.mark.parametrize("text, ends", [
    ("建设中央商务区。", True), ("各位代表！", True), ("“十四五”收官。”", True), ("是否？）", True),
    ("建设中央商务区，", False), ("第一章  总体要求", False), ("", False), ("  ", False),
])
def test_ends_sentence(text, ends):
    assert ends_sentence(text) is ends


@pytest.mark.parametrize("raw, cleaned", [
    ("——**坚持创新驱动。**把创新摆在核心位置。", "——坚持创新驱动。把创新摆在核心位置。"),
    ("## 第一节  发展基础", "第一节  发展基础"),
    ("(上接1版)全国首个国际友城美食街", "全国首个国际友城美食街"),
    ("经通道承运箱（下转 3 版）", "经通道承运箱"),
    ("#8 号线不是标题", "#8 号线不是标题"),  # only "# " at the start is markdown
])
def test_strip_markup(raw, cleaned):
    assert strip_markup(raw) == cleaned


def test_unknown_style_is_refused():
    with pytest.raises(ValueError, match="unknown layout style"):
        clean("text", "poster")


# --- PDF outlines (000, 001) -----------------------------------------------------------------

PLAN = """示例区国民经济和社会发展
第十四个五年规划纲要

目录

第一章 总体要求.....\t- 1 -
第一节 发展基础\t- 2 -

第一章  总体要求
——**坚持创新驱动。**把创新摆在核心位置。
12
- 13 -
## 第一节  发展基础
基础扎实。
第二篇  建设现代化产业体系 构建智慧
城市

表1  主要指标完成情况

\t序号
\t指标名称
\t2022年

完成情况
\t属  性

\t一、推动高质量发展

\t1
\t地区生产总值增速（%）
\t6.1
\t预期性


注：“*”为年均增速。
说明文字在表后。
表 2：“十四五”主要指标表
序号\t指标名称\t2020年\t指标属性
1\t地区生产总值年均增速(%)\t3\t预期性
一、建设产业之区\t\t\t
2\t人均地区生产总值(万元)\t7.05\t预期性
备注：带*为五年年均增速。
第二节 发展环境
"""


@pytest.fixture(scope="module")
def plan_blocks() -> list[Block]:
    return clean_plan(PLAN)


def test_plan_drops_toc_and_page_numbers_keeps_the_rest(plan_blocks):
    assert texts(plan_blocks)[:8] == [
        "示例区国民经济和社会发展",
        "第十四个五年规划纲要",
        "目录",
        "第一章  总体要求",
        "——坚持创新驱动。把创新摆在核心位置。",
        "第一节  发展基础",
        "基础扎实。",
        "第二篇  建设现代化产业体系 构建智慧城市",  # a wrapped 篇 title is one heading
    ]
    assert not any("- 1 -" in t or t in ("12", "- 13 -") for t in texts(plan_blocks))


def test_plan_rebuilds_one_cell_per_line_tables(plan_blocks):
    i = texts(plan_blocks).index("表1  主要指标完成情况")
    assert texts(plan_blocks)[i + 1: i + 6] == [
        "序号\t指标名称\t2022年完成情况\t属  性",  # "2022年" / blank / "完成情况": one wrapped cell
        "一、推动高质量发展",  # a group row
        "1\t地区生产总值增速（%）\t6.1\t预期性",  # numeric cells are not page numbers
        "注：“*”为年均增速。",
        "说明文字在表后。",
    ]


def test_plan_keeps_tab_separated_rows_and_empty_group_cells(plan_blocks):
    i = texts(plan_blocks).index("表 2：“十四五”主要指标表")
    assert texts(plan_blocks)[i + 1:] == [
        "序号\t指标名称\t2020年\t指标属性",
        "1\t地区生产总值年均增速(%)\t3\t预期性",
        "一、建设产业之区\t\t\t",
        "2\t人均地区生产总值(万元)\t7.05\t预期性",
        "备注：带*为五年年均增速。",
        "第二节 发展环境",
    ]


def test_plan_blocks_remember_their_source_lines(plan_blocks):
    lines = PLAN.splitlines()
    by_text = dict(zip(texts(plan_blocks), spans(plan_blocks)))
    assert by_text["第一章  总体要求"] == (9, 9)
    assert by_text["第二篇  建设现代化产业体系 构建智慧城市"] == (15, 16)
    assert by_text["序号\t指标名称\t2022年完成情况\t属  性"] == (20, 25)
    assert by_text["1\t地区生产总值增速（%）\t6.1\t预期性"] == (29, 32)
    for block in plan_blocks:
        assert lines[block.src_start - 1].strip(), block  # never starts on a blank line
        assert block.src_start <= block.src_end


# --- newspaper columns (002) ------------------------------------------------------------------

COLUMN = """ 示例日报（上接2版）
一、推动产业发展

提速建设。现代建筑业。加快推动建筑业现
代化变革，引育设计咨询、工程检测示范

企业5家，建筑业注册地总产值增长10%。
新兴产业集群。融入算力走廊建设，深耕
算力经济赛道。
示例日报
各位代表！高质量发展是首要任务，我们
要坚定不移。
（二）持续推动重点区域功能优化、整体
成势
加快中央商务区高端集聚发展。
"""


def test_column_joins_hard_wrapped_lines_into_paragraphs():
    blocks = clean_column(COLUMN, ("示例日报",))
    assert texts(blocks) == [
        "一、推动产业发展",
        "提速建设。现代建筑业。加快推动建筑业现代化变革，引育设计咨询、工程检测示范"
        "企业5家，建筑业注册地总产值增长10%。新兴产业集群。融入算力走廊建设，深耕算力经济赛道。",
        "各位代表！高质量发展是首要任务，我们要坚定不移。",
        "（二）持续推动重点区域功能优化、整体成势",
        "加快中央商务区高端集聚发展。",
    ]
    # the column break (blank line mid-sentence) and the page masthead are joined over
    assert spans(blocks) == [(2, 2), (4, 9), (11, 12), (13, 14), (15, 15)]


# --- newspaper pages (003, 004) ---------------------------------------------------------------

PAGE = """# 示例日报

(上接1版)全国首个国际友城美食街开街迎客，15个老字号特色餐饮品牌集中亮相。
“通道+经贸+产业”联动扩大对外开放。开放通道带动力不断增强。民生集团开出进口鲜果第一单,经通道承运箱

# 示例日报

量占全市近1/5。国际货代集聚区核心区启动建设。
（二）聚力打造内陆改革开放新高地
“三攻坚一盘活”改革突破成效显著，
瘦身健体打赢国企改革攻坚战。
(下转3版)
"""


def test_page_joins_paragraphs_split_by_a_page_jump():
    blocks = clean_page(PAGE, ("示例日报",))
    assert texts(blocks) == [
        "全国首个国际友城美食街开街迎客，15个老字号特色餐饮品牌集中亮相。",
        "“通道+经贸+产业”联动扩大对外开放。开放通道带动力不断增强。民生集团开出进口鲜果第一单,经通道承运箱"
        "量占全市近1/5。国际货代集聚区核心区启动建设。",
        "（二）聚力打造内陆改革开放新高地",
        "“三攻坚一盘活”改革突破成效显著，瘦身健体打赢国企改革攻坚战。",  # a short fragment cut mid-sentence
    ]
    assert spans(blocks) == [(3, 3), (4, 8), (9, 9), (10, 11)]


# --- the bundled corpus ------------------------------------------------------------------------

@pytest.mark.parametrize("meta", read_catalog(), ids=lambda m: m["doc_id"])
def test_cleaning_the_raw_sources_reproduces_the_bundled_corpus(meta):
    raw = (RAW / meta["source_file"]).read_text(encoding="utf-8")
    blocks = clean(raw, meta["style"], tuple(f for f in meta["furniture"].split("|") if f))
    assert texts(blocks) == (PLANS / f"{meta['doc_id']}.txt").read_text(encoding="utf-8").splitlines()
    with (PLANS / f"{meta['doc_id']}.lines.csv").open(encoding="utf-8") as fh:
        assert spans(blocks) == [(int(r["src_start"]), int(r["src_end"])) for r in csv.DictReader(fh)]


@pytest.mark.parametrize("meta", read_catalog(), ids=lambda m: m["doc_id"])
def test_bundled_corpus_has_no_layout_left(meta):
    lines = (PLANS / f"{meta['doc_id']}.txt").read_text(encoding="utf-8").splitlines()
    assert all(line.strip() for line in lines)
    assert not any("**" in line or line.startswith("#") for line in lines)
    assert not any("上接" in line and "版" in line or "下转" in line for line in lines)
    assert not any(line.rstrip().endswith(("- 1 -", "- 90 -")) or "....." in line for line in lines)


PAGE_WRAPS = [
    (  # Word field codes dropped, a bare 第二节 joined with its title, a prose line wrapped at a page
        ["第二十五章  推进改革", 'HYPERLINK  \\l "_Toc25002"', "第二节", "加快融入新型要素市场体系",
         "大力发展大数据智能化、数字经济、生态环保、大健康生物医药、文化休闲旅",
         "游“四大支柱产业”，增加值占比达到25%。", "——加快培育创新平台。建设实验室。"],
        ["第二十五章  推进改革", "第二节  加快融入新型要素市场体系",
         "大力发展大数据智能化、数字经济、生态环保、大健康生物医药、文化休闲旅游“四大支柱产业”，增加值占比达到25%。",
         "——加快培育创新平台。建设实验室。"],
    ),
    (  # a "——" lead-in and a numbered item cut at a page break; a "：" lead-in is not
        ["——全面加强治理体系和治理能力现代化建设，坚决破除制约高质量发", "展、高品质生活的体制机制障碍。",
         "1. 到 2025 年，全区战略性新兴产业产值占规上工业总产值", "比重达 55%以上。",
         "“十四五”时期必须遵循的原则：", "——坚持党的全面领导。"],
        ["——全面加强治理体系和治理能力现代化建设，坚决破除制约高质量发展、高品质生活的体制机制障碍。",
         "1. 到 2025 年，全区战略性新兴产业产值占规上工业总产值比重达 55%以上。",
         "“十四五”时期必须遵循的原则：", "——坚持党的全面领导。"],
    ),
]


@pytest.mark.parametrize("raw, cleaned", PAGE_WRAPS)
def test_plan_drops_word_field_codes_and_joins_bare_headings_and_page_wraps(raw, cleaned):
    assert [b.text for b in clean("\n".join(raw), STYLE_PLAN)] == cleaned
