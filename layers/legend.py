"""Map legend (a Leaflet control) listing theme colours and precision styles."""
from __future__ import annotations

from html import escape

from branca.element import MacroElement, Template

from geo.vocab import Vocabulary
from geo.i18n import t

from .style import THEME_COLOURS

SYMBOLS = {
    "precise": "display:inline-block;width:10px;height:10px;border-radius:50%;background:#333;border:2px solid #fff;"
               "box-shadow:0 0 0 1px #999",
    "approx": "display:inline-block;width:16px;height:16px;border-radius:50%;background:rgba(51,51,51,.3)",
    "cluster": "display:inline-block;width:16px;height:16px;border-radius:50%;border:2px solid #666;background:#fff;"
               "font:600 9px/16px sans-serif;text-align:center",
    "structure": "display:inline-block;width:22px;height:0;border-top:2px dashed #333;vertical-align:middle",
    "badge": "display:inline-block;width:18px;height:10px;border:1px solid #555;border-radius:6px;background:#fff",
}


class Legend(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
          var legend = L.control({position: 'bottomleft'});
          legend.onAdd = function() {
            var div = L.DomUtil.create('div', 'plan-legend');
            div.innerHTML = {{ this.html | tojson }};
            L.DomEvent.disableClickPropagation(div);
            return div;
          };
          legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, html: str):
        super().__init__()
        self._name = "Legend"
        self.html = html


def legend_html(vocab: Vocabulary, themes, lang: str = "zh", font_px: int = 12, open_: bool = False,
                symbols_shown=tuple(SYMBOLS)) -> str:
    """Legend body for the themes shown and the symbols (those of *symbols_shown*: keys of
    :data:`SYMBOLS`), collapsed unless *open_*; every label escaped."""
    text = t(lang, "legend")
    rows = "".join(
        f"<div><span style='display:inline-block;width:12px;height:12px;background:{THEME_COLOURS[theme]};"
        f"margin-right:4px;border-radius:2px'></span>{escape(vocab.label('themes', theme, lang))}</div>"
        for theme in themes if theme in THEME_COLOURS
    )
    symbols = "".join(
        f"<div><span style='{style};margin-right:6px;vertical-align:middle'>{'3' if kind == 'cluster' else ''}</span>"
        f"{escape(text[kind])}</div>" for kind, style in SYMBOLS.items() if kind in symbols_shown)
    return (
        f"<details{' open' if open_ else ''} style='background:rgba(255,255,255,.92);padding:4px 8px;border-radius:4px;font-size:{font_px}px;"
        f"line-height:1.35;max-height:40vh;overflow:auto;box-shadow:0 1px 4px rgba(0,0,0,.3)'>"
        f"<summary style='cursor:pointer'><b>{escape(text['title'])}</b></summary>"
        f"<div style='margin-top:2px'><i>{escape(text['precision'])}</i></div>{symbols}"
        f"<div style='margin-top:4px'><i>{escape(text['themes'])}</i></div>{rows}</details>"
    )
