"""Folium presentation of the domain objects in geo/: styles, popups, legend, basemaps, map."""
