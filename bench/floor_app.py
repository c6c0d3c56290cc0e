"""The floor under the app's ready_s: a Streamlit page with a title and a one-point
st_folium map (vendored Leaflet, as the app's), and nothing else.

With ``?controls=1`` the page also has the app's controls, empty: the same kinds and
numbers of widgets as streamlit_app.py (language and view radios, the search box, six
multiselects, the basemap selectbox, three download buttons): what the app's page costs
before any of its data is drawn.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import folium  # noqa: E402
import streamlit as st  # noqa: E402
from streamlit_folium import st_folium  # noqa: E402

from layers.assets import localize  # noqa: E402

st.set_page_config(layout="wide")
st.title("floor")
controls = st.query_params.get("controls") == "1"
if controls:  # the app's widget kinds and counts, where the app puts them (around the map)
    st.radio("view", ["map", "targets", "planner", "present"], horizontal=True, label_visibility="collapsed")
    st.selectbox("language", ["zh", "en"], label_visibility="collapsed")
    st.text_input("search", label_visibility="collapsed")
    for name in ("district", "period", "theme", "layer", "category", "status"):
        st.multiselect(name, [f"{name} {k}" for k in range(8)], label_visibility="collapsed")
    st.selectbox("basemap", ["offline", "osm", "amap"])
    st.markdown("0 / 0")
m = localize(folium.Map(location=[29.46, 106.49], zoom_start=11, tiles=None, prefer_canvas=True))
group = folium.FeatureGroup(name="one point")
folium.GeoJson({"type": "Feature", "geometry": {"type": "Point", "coordinates": [106.49, 29.46]},
                "properties": {"id": "floor", "tooltip": "floor"}}, marker=folium.CircleMarker(radius=6)).add_to(group)
st_folium(m, key="map", height=660, use_container_width=True, feature_group_to_add=[group], returned_objects=["center"])
if controls:
    st.radio("list", ["all", "view", "district"], horizontal=True)
    st.dataframe({"name": [], "category": []}, on_select="rerun", selection_mode="single-row")
    for n, column in enumerate(st.columns(4)):
        column.download_button(f"download {n}", b"", file_name=f"{n}.txt", on_click="ignore")
