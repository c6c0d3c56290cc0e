"""Production entry point: the app plus the server-side Tianditu tile route.

Run: streamlit run serve.py   (streamlit_app.py alone also works, without Tianditu tiles)
The Tianditu key stays on the server: the browser asks /api/tiles/tianditu/{z}/{x}/{y}.
"""
import streamlit as st

from layers.tile_proxy import routes

app = st.App("streamlit_app.py", routes=routes())
