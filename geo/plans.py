"""The plan corpus: catalog, section tree and paragraphs with stable ids.

Every 篇 / 章 / 节 / 专栏 / 表 (or newspaper heading) becomes a :class:`Section`
and every other line of the cleaned text a :class:`Paragraph`, so a quote is
located by (document, section id, paragraph id) and can be shown in context.

Ids are readable and stable under edits elsewhere in the text:
``part3`` (第三篇), ``ch8`` (第八章), ``ch8.s1`` (its 第一节), ``box7`` (专栏7),
``table2`` (表2), ``h4`` (4th newspaper heading), ``front`` (before any heading);
paragraphs are ``<section id>.para<N>``, N counting from 1 inside the section.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .corpus import HEADING_START, STYLE_PLAN, ends_sentence
from .paths import CATALOG, PLANS

CN_DIGITS = {"零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# Inside a table, lines without a tab are group rows ("一、推动高质量发展") or the note.
TABLE_ROW_WITHOUT_TAB = re.compile(r"^([一二三四五六七八九十]+、|注|备注)")
# The number is followed by a space, a colon or nothing: "第一章的目标…" is prose, not a heading.
PLAN_HEADING = re.compile(r"^(第([一二三四五六七八九十百零]+)([篇章节])|专栏\s*(\d+)|表\s*(\d+))(?=[\s：:]|$)\s*[：:]?\s*(.*)$")


def cn_number(text: str) -> int:
    """Chinese numeral up to 999 -> int ('十二' -> 12, '二十一' -> 21, '一百零五' -> 105)."""
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch in CN_DIGITS:
            current = CN_DIGITS[ch]
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    return total + current


@dataclass
class Section:
    id: str
    kind: str  # part | chapter | section | box | table | heading | front
    title: str
    parent: str | None
    line: int  # line in the cleaned text (1-based)
    path: list[str] = field(default_factory=list)  # titles from the top down, this one last
    src: tuple[int, int] = (0, 0)  # lines of the heading in the raw source file

    @property
    def path_text(self) -> str:
        return " › ".join(self.path)


@dataclass
class Paragraph:
    id: str
    section: str
    text: str
    line: int  # line in the cleaned text
    src_start: int  # lines in the raw source file
    src_end: int


@dataclass
class Document:
    meta: dict
    sections: dict[str, Section]
    paragraphs: list[Paragraph]

    def __post_init__(self) -> None:
        # Headings name places too ("第五章 高质量建设高新区建桥园"), so each section
        # title is quotable as the pseudo-paragraph "<section id>.title".
        self.titles = [
            Paragraph(f"{s.id}.title", s.id, s.title, s.line, *s.src)
            for s in self.sections.values() if s.kind != "front"
        ]
        self._by_id = {p.id: p for p in self.paragraphs + self.titles}

    @property
    def id(self) -> str:
        return self.meta["doc_id"]

    def paragraph(self, pid: str) -> Paragraph:
        try:
            return self._by_id[pid]
        except KeyError:
            raise KeyError(f"{self.id}: no paragraph {pid!r}") from None

    def has_paragraph(self, pid: str) -> bool:
        return pid in self._by_id

    def find(self, quote: str) -> list[Paragraph]:
        """Paragraphs containing *quote* verbatim; section titles when no paragraph does."""
        return [p for p in self.paragraphs if quote in p.text] or [p for p in self.titles if quote in p.text]

    def section_paragraphs(self, sid: str) -> list[Paragraph]:
        return [p for p in self.paragraphs if p.section == sid]

    def context(self, pid: str, radius: int = 2) -> list[Paragraph]:
        """The paragraph with up to *radius* neighbours on each side, within its section."""
        para = self.paragraph(pid)
        same = self.section_paragraphs(para.section)
        i = next(k for k, p in enumerate(same) if p.id == pid)
        return same[max(0, i - radius): i + radius + 1]


def _plan_heading(text: str) -> tuple[str, str, str] | None:
    """(kind, number, title) of an outline heading line, else None."""
    m = PLAN_HEADING.match(text)
    if not m:
        return None
    if m.group(2):
        kind = {"篇": "part", "章": "chapter", "节": "section"}[m.group(3)]
        return kind, str(cn_number(m.group(2))), text
    if m.group(4):
        return "box", m.group(4), text
    return "table", m.group(5), text


def _news_heading(text: str) -> bool:
    if text.startswith("- "):  # a bullet of a list, e.g. the year's targets
        return False
    if HEADING_START.match(text) and not ends_sentence(text) and len(text) <= 80:
        return True
    return len(text) <= 30 and "。" not in text and not ends_sentence(text)


class _Builder:
    """Walks the cleaned lines, keeping the open part / chapter / section."""

    def __init__(self) -> None:
        self.sections: dict[str, Section] = {"front": Section("front", "front", "", None, 0, [])}
        self.paragraphs: list[Paragraph] = []
        self.open: dict[str, str | None] = {"part": None, "chapter": None, "section": None}
        self.current = "front"
        self.counts: dict[str, int] = {}

    def add_section(self, sid: str, kind: str, title: str, parent: str | None, line: int, src=(0, 0)) -> None:
        base, n = sid, 2
        while sid in self.sections:  # never reuse an id, even if a heading repeats
            sid, n = f"{base}-{n}", n + 1
        parent_path = self.sections[parent].path if parent else []
        self.sections[sid] = Section(sid, kind, title, parent, line, parent_path + [title], src)
        self.current = sid

    def add_paragraph(self, text: str, line: int, src: tuple[int, int]) -> None:
        n = self.counts.get(self.current, 0) + 1
        self.counts[self.current] = n
        self.paragraphs.append(Paragraph(f"{self.current}.para{n}", self.current, text, line, *src))

    def plan_heading(self, kind: str, number: str, title: str, line: int, src=(0, 0)) -> None:
        if kind == "part":
            self.open = {"part": None, "chapter": None, "section": None}
            self.add_section(f"part{number}", kind, title, None, line, src)
            self.open["part"] = self.current
        elif kind == "chapter":
            self.add_section(f"ch{number}", kind, title, self.open["part"], line, src)
            self.open.update(chapter=self.current, section=None)
        elif kind == "section":
            parent = self.open["chapter"]
            self.add_section(f"{parent}.s{number}" if parent else f"s{number}", kind, title, parent, line, src)
            self.open["section"] = self.current
        else:  # box / table sit inside the open section or chapter
            parent = self.open["section"] or self.open["chapter"] or self.open["part"]
            prefix = "box" if kind == "box" else "table"
            self.add_section(f"{prefix}{number}", kind, title, parent, line, src)

    def close_table(self) -> None:
        """Prose after a table (or box) belongs to the section around it."""
        self.current = self.open["section"] or self.open["chapter"] or self.open["part"] or "front"


def parse(meta: dict, lines: list[str], linemap: list[tuple[int, int]]) -> Document:
    b = _Builder()
    headings = 0
    for i, text in enumerate(lines, start=1):
        src = linemap[i - 1]
        if meta["style"] == STYLE_PLAN:
            head = _plan_heading(text)
            if head:
                b.plan_heading(*head, line=i, src=src)
                continue
            if b.sections[b.current].kind == "box" and text.startswith("——"):
                b.close_table()  # a "——" lead-in is body text again, after the box
            in_table = b.sections[b.current].kind == "table"
            if in_table and "\t" not in text and not TABLE_ROW_WITHOUT_TAB.match(text):
                b.close_table()
            b.add_paragraph(text, i, src)
            if in_table and re.match(r"^(注|备注)[：:]", text):
                b.close_table()
        else:
            if _news_heading(text):
                headings += 1
                b.add_section(f"h{headings}", "heading", text, None, i, src)
                continue
            b.add_paragraph(text, i, src)
    return Document(meta, b.sections, b.paragraphs)


def read_catalog(path: Path = CATALOG) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load_document(meta: dict, plans_dir: Path = PLANS) -> Document:
    lines = (plans_dir / f"{meta['doc_id']}.txt").read_text(encoding="utf-8").splitlines()
    with (plans_dir / f"{meta['doc_id']}.lines.csv").open(encoding="utf-8") as fh:
        linemap = [(int(r["src_start"]), int(r["src_end"])) for r in csv.DictReader(fh)]
    if len(linemap) != len(lines):
        raise ValueError(f"{meta['doc_id']}: {len(lines)} lines but {len(linemap)} line-map rows")
    return parse(meta, lines, linemap)


@lru_cache(maxsize=4)
def load_corpus(plans_dir: Path = PLANS) -> dict[str, Document]:
    """All catalogued documents, keyed by doc_id (cached: the corpus is read-only)."""
    return {m["doc_id"]: load_document(m, plans_dir) for m in read_catalog(plans_dir / "catalog.csv")}
