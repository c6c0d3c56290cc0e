"""Entry point: the app plus its two server-side routes.

Run: streamlit run serve.py
- /api/data/<key>.geojson: the map's layers, fetched by the browser instead of being
  embedded in the map's script on every rerun (server/data_route.py);
- /api/tiles/tianditu/{z}/{x}/{y}: Tianditu tiles with the key added on the server, so
  the key never reaches a browser (server/tile_proxy.py).
`streamlit run streamlit_app.py` also works, without them: the data is then embedded
in the map (slower on large data) and Tianditu is not offered.
"""
import streamlit as st

from server import data_route, tile_proxy
import views.data  # noqa: F401  (registers how to draw tiles of a layer another process registered)

app = st.App("streamlit_app.py", routes=data_route.routes() + tile_proxy.routes())
