"""Serve Leaflet and plugin assets from the app instead of a CDN.

folium names CDN URLs in each element's ``default_js`` / ``default_css``; streamlit-folium
loads exactly those in its frame.  :func:`localize` rewrites them, per element, to the
copies vendored in ``static/vendor`` (see scripts/vendor_assets.sh), which Streamlit
serves at ``/app/static/`` when ``server.enableStaticServing`` is on.  Assets the map
does not need (jQuery, Bootstrap, awesome-markers) are dropped.

Every URL the map names on this app (assets, map data, tiles) goes through
:func:`app_path`: behind a path prefix (Streamlit's ``server.baseUrlPath``, e.g.
``scripts/serve_cluster.sh --prefix /planmap``) the browser must ask for ``/planmap/app/static/…``.
"""
from __future__ import annotations
from geo.errors import AssetError

from pathlib import Path

import folium

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
STATIC_URL = "/app/static/"  # from the app's root: see static_url()

# file name at the end of a CDN URL -> path under static/
LOCAL = {
    "leaflet.js": "vendor/leaflet/leaflet.js",
    "leaflet.css": "vendor/leaflet/leaflet.css",
    "Control.FullScreen.min.js": "vendor/leaflet.fullscreen/Control.FullScreen.js",
    "Control.FullScreen.js": "vendor/leaflet.fullscreen/Control.FullScreen.js",
    "Control.FullScreen.css": "vendor/leaflet.fullscreen/Control.FullScreen.css",
    "leaflet.markercluster.js": "vendor/leaflet.markercluster/leaflet.markercluster.js",
    "MarkerCluster.css": "vendor/leaflet.markercluster/MarkerCluster.css",
    "MarkerCluster.Default.css": "vendor/leaflet.markercluster/MarkerCluster.Default.css",
    "Leaflet.VectorGrid.bundled.min.js": "vendor/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js",
}
DROPPED = {"jquery", "bootstrap", "awesome_markers", "bootstrap_css", "glyphicons_css",
           "awesome_markers_font_css", "awesome_markers_css", "awesome_rotate_css"}


def app_path(path: str) -> str:
    """*path* (from the app's root, ``/…``) as the browser asks for it: under Streamlit's
    ``server.baseUrlPath`` when the app is served under a path prefix."""
    from streamlit import config  # set by `streamlit run` flags, the environment or config.toml

    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}{path}" if base else path


def static_url() -> str:
    """Where Streamlit serves ``static/`` to the browser."""
    return app_path(STATIC_URL)


def local_path(url: str) -> str:
    name = url.rsplit("/", 1)[-1]
    if name not in LOCAL:
        raise AssetError(f"asset {url} is not vendored in static/vendor (see scripts/vendor_assets.sh)")
    return LOCAL[name]


def _walk(element):
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def localize(m: folium.Map, base_url: str | None = None) -> folium.Map:
    """Point every JS/CSS asset of *m*'s elements at the app's own copy (at *base_url*,
    by default :func:`static_url`)."""
    base_url = base_url or static_url()
    for element in _walk(m):
        for attr in ("default_js", "default_css"):
            assets = getattr(element, attr, None)
            if assets:
                setattr(element, attr, [(name, base_url + local_path(url)) for name, url in assets if name not in DROPPED])
    return m

