"""HTML for popups, tooltips and the detail panel.  All text from the data is escaped here.

The maps built in layers/map.py show only tooltips (the name): a click opens the full
details in the side panel, so the map does not send every feature's popup HTML to the
browser.  :func:`popup_html` is for maps without such a panel.
"""
from __future__ import annotations

from html import escape

from geo.i18n import t
from geo.vocab import Vocabulary, display_name

QUOTE_STYLE = "margin:4px 0;padding-left:6px;border-left:3px solid #ccc"  # popups: no stylesheet of ours there


def quote_html(quote: str, source: str, style: str | None = None) -> str:
    """A passage of the plan, quoted, with where it comes from (both escaped): the one way the
    panels, popups and handouts show plan text.  A block quote, exactly as written and with no
    quotation marks of ours (many passages open with a quoted term: ““北优、南拓”…” read badly)."""
    attr = f" style='{style}'" if style else ""
    return (f"<blockquote class='plan-quote'{attr}>{escape(quote)}"
            f"<br><small class='plan-source'>{escape(source)}</small></blockquote>")


def source_quote_html(corpus, source: dict) -> str:
    """A feature's source (document id, quote, section path) as :func:`quote_html`."""
    title = corpus[source["document"]].meta["title_zh"]
    return quote_html(source["quote"], f"{title} › {source.get('section_path', '')}")


def _label(vocab: Vocabulary, group: str, key, lang: str) -> str:
    return escape(vocab.label(group, key, lang)) if key else "—"


def popup_html(row, vocab: Vocabulary, lang: str = "zh", max_quotes: int = 2) -> str:
    """Compact popup: name, category, precision, first quotes with their section."""
    text = t(lang, "popup")
    name = display_name(row["name_zh"], row["name_en"], lang)
    other = row["name_en"] if lang == "zh" else row["name_zh"]
    approx = text["approx"] if row["precision"] in ("area", "schematic", "district") else ""
    parts = [
        f'<div class="plan-popup" data-feature-id="{escape(row["id"])}">',
        f"<b>{escape(name)}</b>" + (f" <span style='color:#666'>{escape(other)}</span>" if other else ""),
        f"<br><small>{escape(vocab.category_label(row['layer'], row['category'], lang))} · "
        f"{_label(vocab, 'precision', row['precision'], lang)}{escape(approx)}</small>",
    ]
    for src in (row["sources"] or [])[:max_quotes]:
        parts.append(quote_html(src["quote"], f"{src['document']} · {src.get('section_path', '')}", QUOTE_STYLE))
    if row["targets"]:
        items = "".join(f"<li>{escape(tg['indicator'])}: {escape(str(tg['value']))}{escape(tg.get('unit') or '')}"
                        f"{' (' + str(tg['year']) + ')' if tg.get('year') else ''}</li>" for tg in row["targets"][:3])
        parts.append(f"<small>{text['targets']}:</small><ul style='margin:0;padding-left:16px'>{items}</ul>")
    parts.append("</div>")
    return "".join(parts)


def tooltip_texts(frame, lang: str = "zh") -> list[str]:
    """Every row's name in *lang*, escaped, in order (the map's tooltips)."""
    return [escape(display_name(zh, en, lang)) for zh, en in zip(frame["name_zh"].tolist(), frame["name_en"].tolist())]
