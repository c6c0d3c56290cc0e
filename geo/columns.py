"""Every item of every 专栏 (box) in the two plan outlines, and whether the data accounts for it.

A box paragraph is a numbered line ("4.特色消费场景。深化打造世贸天台131、WFC会仙楼…") or a
labelled one ("北向通道：建成嘉南线连接道、…").  In a box of projects its *items* are the named
things it lists: the pieces between 、，；。 and 及 (bracketed notes kept whole), with the verb in
front and "等项目" behind removed, kept when they end like the name of a place or project
(:data:`NAME_ENDINGS`) or are a plot code; "海康威视重庆科技园二期、三期" gives both phases.  Prose
pieces ("完善多层次科技金融服务体系") end otherwise and are not items.  In a box of directions or
programmes (:data:`TITLE_BOXES`) each line's title is the item ("1.科技金融。…" -> 科技金融).

An item is accounted for when a feature's name (or id) is it or contains it, when
``data/curation/box_links.yaml`` links it to a feature id (the same place under another name),
or when a row of ``unmapped.csv`` names it or quotes it (:func:`unaccounted`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .paths import CURATION
from .plans import Document

LINKS_FILE = CURATION / "box_links.yaml"

OUTLINES = ("yz-fyp15", "ddk-fyp14")
# Boxes whose items are the line titles: directions, reform measures and programmes, and the
# 揭榜挂帅 projects of yz box3 ("1.中小企业数字化转型服务平台。…").
TITLE_BOXES = {("yz-fyp15", b) for b in ("box1", "box2", "box3", "box4", "box5", "box9")} | {
    ("ddk-fyp14", b) for b in ("box2", "box3", "box4", "box5")}
_NUMBER = re.compile(r"^\s*\d+\s*[.．、]\s*")
_LABEL = re.compile(r"^([^。：:，、]{1,40}?)[。：:]")
_SEP = re.compile(r"[、，；。,;]")
_AND = re.compile(r"\s*(?:及|和|与)\s*(?!配套|周边|沿线)")
_PHASE = re.compile(r"^[一二三四五六七八九十\d]+期$")
_CODE = re.compile(r"^[A-Z]\d[\w\-/#]*$")
# Verbs and connectives a list item may start with (longest first so 力争启动 beats 启动).
_LEAD = sorted("""建成投用 建成 建设 新建 续建 改扩建 启动实施 启动 实施 推进 推动 完成 开工建设 力争启动 力争 深化打造 打造
    加快亮相 加快 提档升级 改造升级 提升 谋划建设 谋划 培育 重点培育 包括 以及 及 和 与 完善 依托 新增 持续 探索
    高质量办好 办好 举办 重点 引进 盘活 争创 创建 做优 做强 开展 布局 支持 新改建 策划实施 策划引进 策划 拓宽 搭建""".split(), key=len, reverse=True)
_TAIL = re.compile(r"(等一批|等系列|等重点|等)?(项目|工程)?$")
# How the names of places and projects end.
NAME_ENDINGS = re.compile(
    r"(项目|工程|中心|园区?|馆|路|大道|桥|大桥|隧道|引道|立交|连接道|通道|连廊|天桥|索道|天梯|步道|绿道|岸线|站|站场|场|楼|大厦|街|街区|区|片区|地块|小学|中学|学校|幼儿园|学院|"
    r"医院|公园|广场|基地|平台|码头|港|城|天街|商城|塔楼?|塔|台|天台|会仙楼|厂|寺|古镇|老街|营地|巷|村|社区|小区|新村|"
    r"公寓|住房|安置房|水厂|管道|输变电工程|加油站|加气站|消防站|营房|剧院|剧场|书城|酒店|综合体|总部|空间|线|所|"
    r"[一二三四五六七八九十]期|[\u4e00-\u9fff]\d+)([（(][^）)]*[）)])?$")
MIN_ITEM_CHARS = 3


@dataclass(frozen=True)
class BoxItem:
    document: str
    box: str  # section id, e.g. box7
    box_title: str
    paragraph: str
    name: str  # as listed; a phase after its project is completed ("…科技园三期")


def _strip_lead(piece: str) -> str:
    changed = True
    while changed:
        changed = False
        for word in _LEAD:
            if piece.startswith(word) and len(piece) > len(word) + 1:
                piece, changed = piece[len(word):], True
                break
    return piece


def _pieces(body: str) -> list[str]:
    """Split on list separators, but not inside brackets or quotes."""
    out, depth, current = [], 0, ""
    for ch in body:
        if ch in "（(“《":
            depth += 1
        elif ch in "）)”》":
            depth = max(0, depth - 1)
        if depth == 0 and _SEP.match(ch):
            out.append(current)
            current = ""
        else:
            current += ch
    return [*out, current]


def _item_name(piece: str) -> str | None:
    name = _strip_lead(piece.strip().lstrip("：:").strip())
    if "：" in name:  # "重庆站滨江新城：重庆站铁路综合交通枢纽工程" -> the part after the sub-label
        name = _strip_lead(name.rsplit("：", 1)[1].strip())
    if "等" in name and not name.endswith("等"):  # "跳磴南路网等道路项目" -> 跳磴南路网
        head = name.rsplit("等", 1)[0].strip()
        name = head if len(head) >= 2 else name
    name = _TAIL.sub(lambda m: m.group(2) if m.group(1) is None and m.group(2) else "", name).strip()
    if _CODE.match(name):
        return name
    if len(name) < MIN_ITEM_CHARS or not NAME_ENDINGS.search(name):
        return None
    return name


def _split_and(piece: str) -> list[str]:
    """"白居寺大桥西引道及钓鱼嘴立交" -> both, when each half is itself a name."""
    parts = _AND.split(piece)
    if len(parts) > 1 and all(_item_name(p) for p in parts):
        return parts
    return [piece]


def paragraph_items(doc_id: str, box: str, text: str) -> list[str]:
    """The item names of one box paragraph, in order."""
    body = _NUMBER.sub("", text)
    label = _LABEL.match(body)
    if (doc_id, box) in TITLE_BOXES:
        return [label.group(1).strip()] if label else []
    if label:
        body = body[label.end():]
    names: list[str] = []
    for piece in _pieces(body):
        stripped = _strip_lead(piece.strip())
        if _PHASE.match(stripped) and names and _PHASE.search(names[-1][-3:]) is None:
            stem = re.sub(r"[一二三四五六七八九十\d]+期$", "", names[-1])
            if stem != names[-1]:  # "科技园二期、三期": the second phase of the same project
                names.append(stem + stripped)
            continue
        for part in _split_and(piece):
            name = _item_name(part)
            if name and name not in names:
                names.append(name)
    return names


def box_items(doc: Document) -> list[BoxItem]:
    items = []
    for sid, section in doc.sections.items():
        if section.kind != "box":
            continue
        for para in doc.section_paragraphs(sid):
            items += [BoxItem(doc.id, sid, section.title, para.id, n) for n in paragraph_items(doc.id, sid, para.text)]
    return items


def outline_items(corpus: dict[str, Document]) -> list[BoxItem]:
    """The items of every box of both plan outlines."""
    return [item for d in OUTLINES if d in corpus for item in box_items(corpus[d])]


# What a project adds to the name of its place: "重钢总医院新院区工程" is the feature 重钢总医院新院区.
_WORKS = re.compile(r"(新建|续建|改扩建|原址扩建|扩建|升级改造|改造提升|改造升级|提档升级|整体改造|整体提升|改造|提升|"
                    r"保护与展示|保护展示)?(工程|项目|建设)$")


def _norm(name: str) -> str:
    return re.sub(r"[\s“”\"'（）()]", "", name or "")


def _item_forms(item: str) -> set[str]:
    """The item as written, without its works suffix, and without its bracketed note too:
    重庆站铁路综合交通枢纽工程（站北路…） -> … 重庆站铁路综合交通枢纽."""
    whole, bare = _norm(item), _norm(re.sub(r"[（(][^）)]*[）)]", "", item))
    return {f for f in (whole, _WORKS.sub("", whole), bare, _WORKS.sub("", bare)) if f}


def _names_match(item: str, name: str) -> bool:
    """The name is the item, or holds all of it (a feature "十八梯" does not account for "十八梯智慧街区")."""
    b = _norm(name)
    return bool(b) and any(a in b for a in _item_forms(item))


def accounted_by(item: BoxItem, feature_names: list[str], unmapped_rows: list[dict]) -> bool:
    if any(_names_match(item.name, n) for n in feature_names):
        return True
    return any(_names_match(item.name, r.get("name_zh", "")) or
               (r.get("document") == item.document and item.name in (r.get("quote") or "")) for r in unmapped_rows)


def read_links(path: Path = LINKS_FILE) -> list[dict]:
    """[{doc, item, feature, why}] from box_links.yaml (none when the file is absent)."""
    if not path.exists():
        return []
    return yaml.safe_load(path.read_text(encoding="utf-8")) or []


def unaccounted(items: list[BoxItem], features: list[dict], unmapped_rows: list[dict],
                links: list[dict] = ()) -> list[BoxItem]:
    """The items no feature (by name, id or link) and no unmapped row (by name or quote) accounts for."""
    names, ids = [], set()
    for f in features:
        props = f.get("properties") or {}
        names += [props.get("name_zh") or "", props.get("id") or ""]
        ids.add(props.get("id"))
    linked = {(link.get("doc"), link.get("item")) for link in links if link.get("feature") in ids}
    return [i for i in items if (i.document, i.name) not in linked and not accounted_by(i, names, unmapped_rows)]


def account_counts(items: list[BoxItem], features: list[dict], unmapped_rows: list[dict],
                   links: list[dict] = ()) -> dict[str, int]:
    """How the items are accounted for: by a feature's name, by a link, by an unmapped row, or not."""
    names = [n for f in features for n in ((f.get("properties") or {}).get("name_zh") or "",
                                           (f.get("properties") or {}).get("id") or "")]
    ids = {(f.get("properties") or {}).get("id") for f in features}
    linked = {(link.get("doc"), link.get("item")) for link in links if link.get("feature") in ids}
    counts = {"items": len(items), "feature": 0, "link": 0, "unmapped": 0, "none": 0}
    for i in items:
        if accounted_by(i, names, []):
            counts["feature"] += 1
        elif (i.document, i.name) in linked:
            counts["link"] += 1
        elif accounted_by(i, [], unmapped_rows):
            counts["unmapped"] += 1
        else:
            counts["none"] += 1
    return counts


def link_problems(links: list[dict], items: list[BoxItem], features: list[dict]) -> list[str]:
    """Links to no feature, links of no item, and links without a reason."""
    ids = {(f.get("properties") or {}).get("id") for f in features}
    listed = {(i.document, i.name) for i in items}
    problems = []
    for link in links:
        label = f"{link.get('doc')} {link.get('item')!r}"
        if link.get("feature") not in ids:
            problems.append(f"{label}: links to unknown feature {link.get('feature')!r}")
        if (link.get("doc"), link.get("item")) not in listed:
            problems.append(f"{label}: is no 专栏 item of that document")
        if not str(link.get("why") or "").strip():
            problems.append(f"{label}: says no why")
    return problems


def validate_columns(features: list[dict], unmapped_rows: list[dict], corpus: dict[str, Document],
                     links_path: Path = LINKS_FILE) -> list:
    """A problem per 专栏 item that is neither mapped nor listed as unmapped with a reason, and per bad link."""
    from .validate import Problem

    items, links = outline_items(corpus), read_links(links_path)
    listed = [r for r in unmapped_rows if (r.get("reason") or "").strip()]
    problems = [Problem(f"{i.document} {i.box}", i.name,
                        f"专栏 item in {i.paragraph} is neither a feature nor a row of unmapped.csv with a reason")
                for i in unaccounted(items, features, listed, links)]
    return problems + [Problem(links_path.name, "(link)", reason) for reason in link_problems(links, items, features)]
