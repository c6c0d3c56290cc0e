"""HTML for the detail panel's "read in plan" view: a passage in its section, highlighted."""
from __future__ import annotations

from html import escape

from geo.plans import Document


def highlight(text: str, quote: str) -> str:
    """Escaped *text* with the first occurrence of *quote* wrapped in <mark>."""
    i = text.find(quote) if quote else -1
    if i < 0:
        return escape(text)
    return f"{escape(text[:i])}<mark>{escape(quote)}</mark>{escape(text[i + len(quote):])}"


def context_html(doc: Document, paragraph_id: str, quote: str, radius: int = 2) -> str:
    """The quoted paragraph with its neighbours in the same section, source lines noted."""
    para = doc.paragraph(paragraph_id)
    if paragraph_id.endswith(".title"):
        paras = [para] + doc.section_paragraphs(para.section)[:radius]
    else:
        paras = doc.context(paragraph_id, radius)
    blocks = []
    for p in paras:
        body = highlight(p.text, quote) if p.id == paragraph_id else escape(p.text)
        weight = "font-weight:600;" if p.id == paragraph_id else "color:#444;"
        blocks.append(
            f"<p style='{weight}margin:0 0 .6em 0' data-paragraph='{escape(p.id)}'>{body}"
            f"<br><small style='color:#888'>{escape(p.id)} · {escape(doc.meta['source_file'])} "
            f"L{p.src_start}{'–' + str(p.src_end) if p.src_end != p.src_start else ''}</small></p>"
        )
    return "<div class='plan-context'>" + "".join(blocks) + "</div>"
