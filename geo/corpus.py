"""Clean the raw plan texts into one paragraph per line, keeping a map to source lines.

The raw files come from PDF and newspaper extraction.  Cleaning only removes layout:
line breaks inside paragraphs, page numbers, table-of-contents leaders, newspaper
furniture (page headers, "(上接1版)" jump lines) and markdown emphasis left by the
extractor.  The wording itself is never changed, so a quote taken from the cleaned
text is a verbatim quote of the plan.

A cleaned document is a list of :class:`Block`; each is one line of the cleaned file
and remembers the 1-based source line range it was built from.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from statistics import median

# Layout styles of the five sources (see data/plans/catalog.csv).
STYLE_PLAN = "plan"  # PDF outline: one paragraph per line, tables as tab cells
STYLE_COLUMN = "column"  # newspaper columns: short hard-wrapped lines
STYLE_PAGE = "page"  # newspaper page: one paragraph per line, split at page jumps

TERMINAL = "。！？!?；…"
CLOSERS = "”’）)」』"
PAGE_NUMBER = re.compile(r"^[-—\s]*\d{1,3}[-—\s]*$")
TOC_LEADER = re.compile(r"(\.{4,}|…{2,}|·{4,}|\t)\s*[-—]\s*\d+\s*[-—]\s*$")
JUMP = re.compile(r"[（(](?:上接|下转)\s*\d+\s*版[）)]")
TABLE_TITLE = re.compile(r"^表\s*\d+")
BARE_HEADING = re.compile(r"^第[一二三四五六七八九十]+[章节]$")
FIELD_CODE = re.compile(r'^HYPERLINK\s+\\l\s+"_Toc\d+"$')  # Word field codes left by the extractor
LIST_ITEM = re.compile(r"^(\d+[.、．]|[（(]\d+[）)])")
TABLE_NOTE = re.compile(r"^(注|备注)[：:]")
HEADING_START = re.compile(
    r"^(第[一二三四五六七八九十百零]+[篇章节]|专栏\s*\d+|表\s*\d+|"
    r"[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+、)"
)


@dataclass(frozen=True)
class Block:
    text: str
    src_start: int  # first source line, 1-based
    src_end: int  # last source line, inclusive


def ends_sentence(text: str) -> bool:
    """True when *text* ends a sentence (terminal punctuation, maybe before a closer)."""
    stripped = text.rstrip().rstrip(CLOSERS)
    return bool(stripped) and stripped[-1] in TERMINAL


def strip_markup(line: str) -> str:
    """Remove extractor artefacts that are not wording: markdown emphasis/headers, jumps."""
    line = line.replace("**", "")
    line = re.sub(r"^#{1,6}\s+", "", line)
    return JUMP.sub("", line)


def _numbered(raw: str) -> list[tuple[int, str]]:
    return list(enumerate(raw.splitlines(), start=1))


def clean_plan(raw: str) -> list[Block]:
    """PDF outline: drop TOC and page numbers; rebuild table rows; keep paragraphs."""
    blocks: list[Block] = []
    lines = _numbered(raw)
    in_table = False
    row: list[str] = []
    row_start = 0
    row_end = 0
    blank_in_row = False

    def flush_row() -> None:
        nonlocal row
        if row:
            blocks.append(Block("\t".join(row), row_start, row_end))
        row = []

    for no, raw_line in lines:
        line = strip_markup(raw_line).strip()
        tabbed = "\t" in raw_line.rstrip("\n").strip(" ") and (in_table or raw_line.startswith("\t"))
        if not line:
            blank_in_row = in_table and bool(row)  # the row ends unless a wrapped cell follows
            continue
        if TOC_LEADER.search(line) or FIELD_CODE.match(line) or (PAGE_NUMBER.match(line) and not in_table):
            continue
        if TABLE_TITLE.match(line):
            flush_row()
            in_table = True
            blocks.append(Block(line, no, no))
            continue
        if in_table:
            if TABLE_NOTE.match(line) or (HEADING_START.match(line) and not tabbed):
                flush_row()
                in_table = False
            elif raw_line.startswith("\t"):
                # 000 style: one cell per line, rows separated by blank lines.
                if blank_in_row:
                    flush_row()
                if not row:
                    row_start = no
                row.append(line)
                row_end = no
                blank_in_row = False
                continue
            elif tabbed:
                # 001 style: a whole row on one tab-separated line (group rows keep empty cells).
                flush_row()
                cells = raw_line.rstrip("\n").split("\t")
                blocks.append(Block("\t".join(strip_markup(c).strip() for c in cells), no, no))
                continue
            else:
                # a wrapped cell ("2022年" / "完成情况"): continue the last cell
                if row:
                    row[-1] += line
                    row_end = no
                elif blocks:
                    last = blocks[-1]
                    blocks[-1] = Block(last.text + line, last.src_start, no)
                blank_in_row = False
                continue
        prev = blocks[-1] if blocks else None
        if prev is not None and _wraps_onto(prev.text, line):
            blocks[-1] = Block(prev.text + line, prev.src_start, no)
            continue
        blocks.append(Block(line, no, no))
    flush_row()
    return _merge_title_continuations(blocks)


def _is_body(text: str) -> bool:
    """Prose, not a heading, table row, list item or "——" lead-in."""
    return not (HEADING_START.match(text) or "\t" in text or text.startswith("——") or LIST_ITEM.match(text))


def _wraps_onto(prev: str, line: str) -> bool:
    """A long prose line cut mid-sentence by a PDF page break continues on the next line."""
    return len(prev) >= 30 and not ends_sentence(prev) and _continues(prev) and _is_body(line)


def _continues(text: str) -> bool:
    """Prose that a page break may cut: body text, and also "——" lead-ins and numbered items."""
    return not (HEADING_START.match(text) or "\t" in text)


def _merge_title_continuations(blocks: list[Block]) -> list[Block]:
    """A title wrapped onto the next line is one heading: a 篇 title ("…构建智慧" / "城市…")
    or a bare "第二节" whose title stands on the next line."""
    out: list[Block] = []
    for block in blocks:
        prev = out[-1] if out else None
        if prev is not None and BARE_HEADING.match(prev.text) and not ends_sentence(block.text) and len(block.text) <= 40:
            out[-1] = Block(f"{prev.text}  {block.text}", prev.src_start, block.src_end)
            continue
        if (
            prev is not None
            and re.match(r"^第[一二三四五六七八九十]+篇", prev.text)
            and not ends_sentence(block.text)
            and len(block.text) <= 24
            and not HEADING_START.match(block.text)
            and block.src_start - prev.src_end <= 6
        ):
            out[-1] = Block(prev.text + block.text, prev.src_start, block.src_end)
            continue
        out.append(block)
    return out


def _is_furniture(line: str, titles: tuple[str, ...]) -> bool:
    return line in titles or line in {"要闻", "渝中半岛"}


def clean_column(raw: str, furniture: tuple[str, ...] = ()) -> list[Block]:
    """Newspaper columns: join hard-wrapped lines back into paragraphs.

    A paragraph ends on a short line (clearly not filling the column) that ends a
    sentence, or, for a heading, on a short line followed by a blank line.  Column
    and page breaks (blank lines mid-sentence) are joined over.
    """
    lines = [(no, strip_markup(l).strip()) for no, l in _numbered(raw)]
    widths = [len(t) for _, t in lines if len(t) >= 8]
    width = median(widths) if widths else 20
    blocks: list[Block] = []
    buf: list[str] = []
    start = 0
    end = 0

    def flush() -> None:
        nonlocal buf
        if buf:
            blocks.append(Block("".join(buf), start, end))
        buf = []

    for i, (no, text) in enumerate(lines):
        if not text or _is_furniture(text, furniture):
            continue
        if buf and HEADING_START.match(text):
            flush()  # a numbered heading always opens a new paragraph
        if not buf:
            start = no
        buf.append(text)
        end = no
        short = len(text) < width - 2
        next_blank = i + 1 >= len(lines) or not lines[i + 1][1]
        heading = HEADING_START.match(buf[0]) is not None and not ends_sentence("".join(buf))
        if short and ends_sentence(text):
            flush()
        elif heading and short:
            flush()
        elif len(buf) == 1 and short and next_blank and not ends_sentence(text) and i < 3:
            flush()  # the masthead line of the page
    flush()
    return blocks


MID_SENTENCE = "，、：；,（(“‘《"


def _looks_like_heading(text: str) -> bool:
    """A numbered heading, or a short line with no sentence in it (nor cut off inside one)."""
    if HEADING_START.match(text):
        return True
    return len(text) <= 30 and "。" not in text and not ends_sentence(text) and text[-1] not in MID_SENTENCE


def clean_page(raw: str, furniture: tuple[str, ...] = ()) -> list[Block]:
    """Newspaper page: paragraphs are lines, but a page jump splits one in two."""
    blocks: list[Block] = []
    for no, raw_line in _numbered(raw):
        text = strip_markup(raw_line).strip()
        if not text or _is_furniture(text, furniture):
            continue
        prev = blocks[-1] if blocks else None
        if (
            prev is not None
            and not ends_sentence(prev.text)
            and not _looks_like_heading(text)
            and not _looks_like_heading(prev.text)
        ):
            blocks[-1] = Block(prev.text + text, prev.src_start, no)
            continue
        blocks.append(Block(text, no, no))
    return blocks


CLEANERS = {STYLE_PLAN: clean_plan, STYLE_COLUMN: clean_column, STYLE_PAGE: clean_page}


def clean(raw: str, style: str, furniture: tuple[str, ...] = ()) -> list[Block]:
    if style not in CLEANERS:
        raise ValueError(f"unknown layout style {style!r}; expected one of {sorted(CLEANERS)}")
    if style == STYLE_PLAN:
        return clean_plan(raw)
    return CLEANERS[style](raw, furniture)
