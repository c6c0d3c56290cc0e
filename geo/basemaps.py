"""The basemaps on offer, in one table: adding a basemap is one entry here.

Each says how its tiles are fetched, whom to credit and whether it is drawn in GCJ-02
(AMap is: the features are converted for it, and only for it; data stays WGS-84).  Its label in each language, where it needs one beyond
its own name, is in geo/i18n.py.  Tianditu needs a key and this app's tile route
(server/tile_proxy.py adds the key there), so it is offered only when both exist.
"""
from __future__ import annotations

from dataclasses import dataclass

from .i18n import t

TIANDITU_ROUTE = "/api/tiles/tianditu/{z}/{x}/{y}"  # Leaflet template, relative to the app's origin


@dataclass(frozen=True)
class Basemap:
    name: str
    title: str                        # its own name, shown where geo/i18n.py has no label for it
    tiles: str | None = None          # a Leaflet URL template; None: the offline vector basemap
    attribution: str = ""
    subdomains: str = "abc"
    max_zoom: int = 19
    gcj02: bool = False               # drawn in GCJ-02: the features are converted to it
    needs_key: bool = False           # Tianditu: offered only with a key and the tile route

    def label(self, lang: str) -> str:
        return t(lang, "basemaps").get(self.name, self.title)


BASEMAPS = {b.name: b for b in (
    Basemap("offline", "Offline"),
    Basemap("osm", "OpenStreetMap", "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "© <a href='https://www.openstreetmap.org/copyright'>OpenStreetMap</a> contributors"),
    Basemap("amap", "AMap",
            "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
            "© 高德地图 AutoNavi (GCJ-02)", subdomains="1234", max_zoom=18, gcj02=True),
    Basemap("tianditu", "Tianditu", TIANDITU_ROUTE, "© 天地图 Tianditu", max_zoom=18, needs_key=True),
)}


def needs_gcj02(name: str) -> bool:
    return BASEMAPS[name].gcj02 if name in BASEMAPS else False


def available(has_key: bool) -> list[str]:
    """The basemaps to offer; those that need a key only when there is one (and its route)."""
    return [name for name, b in BASEMAPS.items() if has_key or not b.needs_key]
