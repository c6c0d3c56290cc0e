"""Map legend (a Leaflet control) listing theme colours and precision styles."""
from __future__ import annotations

from html import escape

from branca.element import MacroElement, Template

from geo.vocab import Vocabulary

from .style import THEME_COLOURS

TITLES = {
    "zh": ("图例", "主题（颜色）", "位置精度（线型）", "实线填充＝精确", "虚线＝街道/片区级（近似）", "点线空心＝示意/区级"),
    "en": ("Legend", "Theme (colour)", "Location precision (line)", "solid, filled = exact",
           "dashed = street/area (approximate)", "dotted, hollow = schematic/district"),
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


def legend_html(vocab: Vocabulary, themes, lang: str = "zh", font_px: int = 12, open_: bool = False) -> str:
    """Legend body for the themes shown (collapsed unless *open_*); every label escaped."""
    title, theme_title, precision_title, exact, approx, schematic = TITLES[lang]
    rows = "".join(
        f"<div><span style='display:inline-block;width:12px;height:12px;background:{THEME_COLOURS[t]};"
        f"margin-right:4px;border-radius:2px'></span>{escape(vocab.label('themes', t, lang))}</div>"
        for t in themes if t in THEME_COLOURS
    )
    swatch = "display:inline-block;width:26px;height:0;margin-right:4px;vertical-align:middle;border-top:3px {} #333"
    return (
        f"<details{' open' if open_ else ''} style='background:rgba(255,255,255,.92);padding:4px 8px;border-radius:4px;font-size:{font_px}px;"
        f"line-height:1.35;max-height:40vh;overflow:auto;box-shadow:0 1px 4px rgba(0,0,0,.3)'>"
        f"<summary style='cursor:pointer'><b>{escape(title)}</b></summary>"
        f"<div style='margin-top:2px'><i>{escape(theme_title)}</i></div>{rows}"
        f"<div style='margin-top:4px'><i>{escape(precision_title)}</i></div>"
        f"<div><span style='{swatch.format('solid')}'></span>{escape(exact)}</div>"
        f"<div><span style='{swatch.format('dashed')}'></span>{escape(approx)}</div>"
        f"<div><span style='{swatch.format('dotted')}'></span>{escape(schematic)}</div></details>"
    )
