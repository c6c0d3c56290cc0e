"""The naive baseline as a Streamlit app (see bench/naive_map.py); reads PLANMAP_DATA_DIR like the app.

``?load_only=1`` loads the data and stops: the benchmark warms the server with it, as
drawing every feature naively takes minutes at ×100.  bench/run.py starts the app from
a folder that also links the app's static/, so the local Leaflet is served at
/app/static/ as for the app.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st  # noqa: E402
from streamlit_folium import st_folium  # noqa: E402

from bench.naive_map import naive_map  # noqa: E402
from geo.features import load_layers  # noqa: E402
from geo.filters import Filters, apply  # noqa: E402
from geo.vocab import load_vocabulary  # noqa: E402


@st.cache_resource
def data():
    return load_layers(), load_vocabulary()


frame, vocab = data()
themes = st.sidebar.multiselect("Themes", list(vocab.themes), key="w_themes")
st.markdown("<div id='data-loaded'></div>", unsafe_allow_html=True)
if st.query_params.get("load_only"):
    st.stop()
st_folium(naive_map(apply(frame, Filters(themes=tuple(themes))), vocab))
