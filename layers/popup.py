"""HTML for popups and the detail panel.  All text from the data is escaped here."""
from __future__ import annotations

from html import escape

from geo.vocab import Vocabulary

UI = {
    "zh": {"category": "类别", "themes": "主题", "periods": "规划期", "status": "状态", "precision": "位置精度",
           "basis": "坐标依据", "targets": "目标", "source": "出处", "approx": "（近似位置）"},
    "en": {"category": "Category", "themes": "Themes", "periods": "Periods", "status": "Status", "precision": "Location",
           "basis": "Basis", "targets": "Targets", "source": "Source", "approx": " (approximate location)"},
}


def _label(vocab: Vocabulary, group: str, key, lang: str) -> str:
    return escape(vocab.label(group, key, lang)) if key else "—"


def popup_html(row, vocab: Vocabulary, lang: str = "zh", max_quotes: int = 2) -> str:
    """Compact popup: name, category, precision, first quotes with their section."""
    t = UI[lang]
    name = row["name_zh"] if lang == "zh" or not row["name_en"] else row["name_en"]
    other = row["name_en"] if lang == "zh" else row["name_zh"]
    approx = t["approx"] if row["precision"] in ("area", "schematic", "district") else ""
    parts = [
        f'<div class="plan-popup" data-feature-id="{escape(row["id"])}">',
        f"<b>{escape(name)}</b>" + (f" <span style='color:#666'>{escape(other)}</span>" if other else ""),
        f"<br><small>{escape(vocab.category_label(row['layer'], row['category'], lang))} · "
        f"{_label(vocab, 'precision', row['precision'], lang)}{escape(approx)}</small>",
    ]
    for src in (row["sources"] or [])[:max_quotes]:
        parts.append(
            f"<blockquote style='margin:4px 0;padding-left:6px;border-left:3px solid #ccc'>“{escape(src['quote'])}”"
            f"<br><small>{escape(src['document'])} · {escape(src.get('section_path', ''))}</small></blockquote>"
        )
    if row["targets"]:
        items = "".join(f"<li>{escape(tg['indicator'])}: {escape(str(tg['value']))}{escape(tg.get('unit') or '')}"
                        f"{' (' + str(tg['year']) + ')' if tg.get('year') else ''}</li>" for tg in row["targets"][:3])
        parts.append(f"<small>{t['targets']}:</small><ul style='margin:0;padding-left:16px'>{items}</ul>")
    parts.append("</div>")
    return "".join(parts)


def tooltip_text(row, lang: str = "zh") -> str:
    name = row["name_zh"] if lang == "zh" or not row["name_en"] else row["name_en"]
    return escape(name)
