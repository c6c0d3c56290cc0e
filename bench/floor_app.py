"""The floor under the app's ready_s: a Streamlit page with a title and a one-point
st_folium map (vendored Leaflet, as the app's), and nothing else."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import folium  # noqa: E402
import streamlit as st  # noqa: E402
from streamlit_folium import st_folium  # noqa: E402

from layers.assets import localize  # noqa: E402

st.set_page_config(layout="wide")
st.title("floor")
m = localize(folium.Map(location=[29.46, 106.49], zoom_start=11, tiles=None, prefer_canvas=True))
group = folium.FeatureGroup(name="one point")
folium.GeoJson({"type": "Feature", "geometry": {"type": "Point", "coordinates": [106.49, 29.46]},
                "properties": {"id": "floor", "tooltip": "floor"}}, marker=folium.CircleMarker(radius=6)).add_to(group)
st_folium(m, key="map", height=660, use_container_width=True, feature_group_to_add=[group], returned_objects=["center"])
