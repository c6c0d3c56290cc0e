"""A Streamlit client without a browser: one websocket speaking Streamlit's protocol
(BackMsg / ForwardMsg protobufs on /_stcore/stream, what the browser sends), as far as the
server can tell a browser tab.  Used by bench/load_test.py and tests/test_cluster.py.

Behind scripts/serve_cluster.sh a tab first loads the page, which gives it the balancer's
sticky cookie (:func:`page_cookies`); its websocket and map data requests then carry it.
"""
from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.request
from urllib.parse import urlsplit
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

MAP_COMPONENT = "streamlit_folium.st_folium"
DATA_URL = re.compile(r"(?:/[\w.~-]+)*/api/data/[0-9a-f]+\.geojson")  # its path prefix included
FINISHED, COMPILE_ERROR = ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR
RUN_TIMEOUT_S = 180
UPSTREAM = "X-Planmap-Upstream"  # the process that answered, named by serve_cluster.sh's nginx


@dataclass
class RunResult:
    seconds: float
    exceptions: list[str] = field(default_factory=list)
    script_s: float = 0.0  # of *seconds*, until the script run finished (the rest: fetching map data)


def get(url: str, cookies: str | None = None) -> tuple[bytes, dict]:
    """GET *url* as a browser would (gzip accepted, *cookies* sent); (body as sent, headers)."""
    headers = {"Accept-Encoding": "gzip", **({"Cookie": cookies} if cookies else {})}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=RUN_TIMEOUT_S) as resp:
        return resp.read(), dict(resp.headers)


def page_cookies(url: str) -> str | None:
    """Load the page at *url* (the app's base URL) like a browser; the cookies it sets, as a
    Cookie header (the balancer's sticky cookie among them), or None."""
    request = urllib.request.Request(url.rstrip("/") + "/")
    with urllib.request.urlopen(request, timeout=RUN_TIMEOUT_S) as resp:
        resp.read()
        pairs = [c.split(";", 1)[0].strip() for c in resp.headers.get_all("Set-Cookie") or []]
    return "; ".join(pairs) or None


class Session:
    """A browser tab: one websocket, one script session (*url*: the app's base URL)."""

    def __init__(self, ws, url: str, cookies: str | None = None):
        self.ws, self.url, self.cookies = ws, url.rstrip("/"), cookies
        self.fetched: set[str] = set()  # map data URLs this tab holds (the browser's cache)
        self.widgets: dict[str, object] = {}  # widget key (or MAP_COMPONENT) -> its element proto
        self.states: dict[str, WidgetState] = {}  # widget id -> the value this tab holds
        self.detail_shown = False  # the last run drew a feature's detail panel
        self.clicks = 0  # st_folium counts clicks on objects: the app reads a new one by its count

    @classmethod
    async def open(cls, url: str, cookies: str | None = None) -> Session:
        ws = await websockets.connect(url.rstrip("/").replace("http", "ws", 1) + "/_stcore/stream",
                                      subprotocols=["streamlit"], max_size=None, open_timeout=60,
                                      additional_headers={"Cookie": cookies} if cookies else None)
        return cls(ws, url, cookies)

    @property
    def upstream(self) -> str | None:
        """The process behind a balancer that holds this session (None without one)."""
        return self.ws.response.headers.get(UPSTREAM)

    async def close(self) -> None:
        await self.ws.close()

    async def rerun(self, query_string: str = "") -> RunResult:
        msg = BackMsg()
        msg.rerun_script.query_string = query_string
        msg.rerun_script.widget_states.widgets.extend(self.states.values())
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        exceptions = await asyncio.wait_for(self._until_finished(), RUN_TIMEOUT_S)
        script_s = time.perf_counter() - start
        exceptions += await self._fetch_map_data()
        return RunResult(time.perf_counter() - start, exceptions, script_s)

    def map_data_paths(self) -> set[str]:
        """The map data the map of the last run names (paths from the server's root)."""
        component = self.widgets.get(MAP_COMPONENT)
        return set(DATA_URL.findall(component.json_args)) if component else set()

    async def _fetch_map_data(self) -> list[str]:
        """GET each data payload the map names that this tab has not fetched; the failures."""
        failures = []
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(self.url))
        for path in sorted(self.map_data_paths() - self.fetched):
            try:
                await asyncio.to_thread(get, origin + path, self.cookies)
                self.fetched.add(path)
            except OSError as exc:
                failures.append(f"GET {path}: {exc}"[:300])
        return failures

    async def _until_finished(self) -> list[str]:
        exceptions = []
        self.detail_shown = False
        while True:
            fm = ForwardMsg()
            fm.ParseFromString(await self.ws.recv())
            kind = fm.WhichOneof("type")
            if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                self._note(fm.delta.new_element, exceptions)
            elif kind == "script_finished" and fm.script_finished in (FINISHED, COMPILE_ERROR):
                if fm.script_finished == COMPILE_ERROR:
                    exceptions.append("compile error")
                return exceptions

    def _note(self, element, exceptions: list[str]) -> None:
        kind = element.WhichOneof("type")
        if kind == "exception":
            exceptions.append(f"{element.exception.type}: {element.exception.message}"[:300])
        elif kind == "component_instance" and element.component_instance.component_name == MAP_COMPONENT:
            self.widgets[MAP_COMPONENT] = element.component_instance
        elif kind == "button" and element.button.id.endswith("-clear_sel"):
            self.detail_shown = True  # the "clear selection" button sits under a feature's details
        elif kind in ("multiselect", "radio", "text_input", "selectbox"):
            widget = getattr(element, kind)
            self.widgets[widget.id.rsplit("-", 1)[-1]] = widget

    def choose(self, key: str, labels: list[str]) -> None:
        widget_id = self.widgets[key].id
        state = WidgetState(id=widget_id)
        state.string_array_value.data.extend(labels)
        self.states[widget_id] = state

    def click(self, fid: str, lat: float, lon: float) -> None:
        """What st_folium reports after a click on feature *fid*."""
        widget_id = self.widgets[MAP_COMPONENT].id
        self.clicks += 1
        value = {"last_active_drawing": {"type": "Feature", "properties": {"id": fid},
                                         "geometry": {"type": "Point", "coordinates": [lon, lat]}},
                 "last_object_clicked_count": self.clicks, "last_clicked": {"lat": lat, "lng": lon},
                 "center": {"lat": lat, "lng": lon}, "zoom": 15}
        self.states[widget_id] = WidgetState(id=widget_id, json_value=json.dumps(value))
