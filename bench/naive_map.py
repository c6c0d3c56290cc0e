"""The naive baseline of the render benchmark: the map built the obvious way.

One ``folium.Marker`` per project and one ``folium.GeoJson`` per other feature, each
with its tooltip and popup, all added straight to the map, which goes to ``st_folium``
with its default arguments.  Only the basemap is the app's (``build_base_map``, whose
assets are the local copies), so the baseline runs offline and differs from the app
only in how the features are drawn.
"""
from __future__ import annotations

import folium
import geopandas as gpd

from geo.vocab import Vocabulary
from layers.assets import localize
from layers.map import build_base_map
from layers.popup import popup_html, tooltip_texts
from layers.style import feature_style


def naive_map(frame: gpd.GeoDataFrame, vocab: Vocabulary, lang: str = "zh") -> folium.Map:
    m = build_base_map(vocab, lang=lang)
    for (fid, row), tooltip in zip(frame.iterrows(), tooltip_texts(frame, lang)):
        popup = folium.Popup(popup_html(row, vocab, lang), max_width=360)
        if row["layer"] == "projects":
            point = row.geometry.representative_point()
            folium.Marker([point.y, point.x], tooltip=tooltip, popup=popup).add_to(m)
        else:
            style = feature_style(row["layer"], row["themes"], row["precision"])
            feature = {"type": "Feature", "geometry": row.geometry.__geo_interface__,
                       "properties": {"id": fid, "tooltip": tooltip}}
            folium.GeoJson(feature, style_function=lambda _f, s=style: s, tooltip=tooltip, popup=popup).add_to(m)
    return localize(m)
