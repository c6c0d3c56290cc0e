"""Presentation view: a guided tour on a projector, one stop at a time.

Call :func:`present_view` from the app when the URL says ``view=present``, before
anything else is drawn (no title, no sidebar): it reads ``tour``, ``stop`` (1-based)
and ``lang`` from the URL and keeps ``stop`` up to date, so every stop has its own
link.  Next/previous: the buttons, → and ← , space, PageDown/PageUp (what presentation
clickers send), also after a click on the map.  Downloads: the tour and the stop as
self-contained offline HTML, the stop as PNG.
"""
from __future__ import annotations

from html import escape

import geopandas as gpd
import streamlit as st
from streamlit_folium import st_folium

from geo.tours import Tour, caption, load_tours, stop_number
from geo.errors import TourError
from geo.vocab import Vocabulary
from geo.i18n import LANGS, t
from layers.handout import CAPTION_CSS, caption_html, stop_map, tour_handout_html
from layers.snapshot import stop_snapshot_png

MAP_HEIGHT = 760  # px: fills a 1080p projector under the title bar
# (widget key, shortcut, step): the first two are the visible buttons, the rest hidden aliases.
KEYS = (("present_prev", "Left", -1), ("present_next", "Right", 1), ("present_space", "Space", 1),
        ("present_pgdn", "PageDown", 1), ("present_pgup", "PageUp", -1))
FORWARDED = ["ArrowLeft", "ArrowRight", " ", "PageDown", "PageUp"]


CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], footer {display: none !important}
[data-testid="stMainBlockContainer"], .block-container {padding: .5rem 1.2rem 0 1.2rem !important; max-width: 100% !important}
.st-key-present_space, .st-key-present_pgdn, .st-key-present_pgup {display: none !important}
#present-tour {font-size: 1.1rem; color: #555; margin: 0}
#present-title {font-size: 2.5rem; font-weight: 700; line-height: 1.2; margin: .1rem 0 .3rem 0; padding: 0}
#present-count {font-size: 1.6rem; color: #333; text-align: right}
.present-caption {font-size: 1.45rem; line-height: 1.5}
.st-key-present_prev button, .st-key-present_next button {min-height: 3rem}
.st-key-present_prev p, .st-key-present_next p {font-size: 1.3rem}
""" + CAPTION_CSS + "</style>"


@st.cache_resource(show_spinner=False)
def _tours(_frame: gpd.GeoDataFrame, _vocab: Vocabulary, _corpus) -> dict[str, Tour]:
    """The data folder's tours (the data is loaded once per server process, so is this)."""
    return load_tours(_frame, _vocab, _corpus)


def _param(name: str, default: str = "") -> str:
    return str(st.query_params.get(name, default))


def _go(number: int, count: int) -> None:
    st.query_params["stop"] = str(min(max(number, 1), count))


def _pick(tour_id: str) -> None:
    st.query_params["tour"], st.query_params["stop"] = tour_id, "1"


def _set_lang(lang: str) -> None:
    st.query_params["lang"] = lang


def _title_html(text: str) -> str:
    # Not an <h1>: Streamlit rewrites heading ids, and the tests find the title by its id.
    return f"<div id='present-title' role='heading' aria-level='1'>{escape(text)}</div>"


def tour_picker(tours: dict[str, Tour], lang: str) -> None:
    st.markdown(_title_html(t(lang, "present.pick")), unsafe_allow_html=True)
    for tour in tours.values():
        st.button(f"{tour.label(lang)} · {t(lang, 'present.stops', n=len(tour.stops))}", key=f"pick_{tour.id}",
                  on_click=_pick, args=(tour.id,))


def _step_button(place, key: str, shortcut: str, step: int, number: int, count: int, lang: str) -> None:
    place.button(t(lang, "present.next" if step > 0 else "present.prev"), key=key, shortcut=shortcut, on_click=_go,
                 args=(number + step, count), width="stretch", disabled=not 1 <= number + step <= count)


def header(tour: Tour, number: int, lang: str) -> None:
    """Tour and stop titles, stop count and the stepping buttons (with their keys)."""
    count = len(tour.stops)
    left, right = st.columns([5, 2], vertical_alignment="bottom")
    left.markdown(f"<p id='present-tour'>{escape(tour.label(lang))}</p>"
                  + _title_html(tour.stops[number - 1].label(lang)), unsafe_allow_html=True)
    with right:
        st.markdown(f"<div id='present-count'>{number} / {count}</div>", unsafe_allow_html=True)
        for place, (key, shortcut, step) in zip(st.columns(2), KEYS[:2]):
            _step_button(place, key, shortcut, step, number, count, lang)
        for key, shortcut, step in KEYS[2:]:  # hidden by CSS: a button holds one key, these add more
            _step_button(st, key, shortcut, step, number, count, lang)


def downloads(tour: Tour, number: int, frame, vocab, lang: str) -> None:
    text, stop = t(lang, "present"), tour.stops[number - 1]
    st.download_button(text["tour_html"], lambda: tour_handout_html(tour, frame, vocab, lang),
                       file_name=f"{tour.id}.html", mime="text/html", key="present_dl_tour", on_click="ignore")
    st.download_button(text["stop_html"], lambda: tour_handout_html(tour.only(number), frame, vocab, lang),
                       file_name=f"{tour.id}-{number}.html", mime="text/html", key="present_dl_stop", on_click="ignore")
    st.download_button(text["png"], lambda: stop_snapshot_png(stop, frame, vocab, lang),
                       file_name=f"{tour.id}-{number}.png", mime="image/png", key="present_dl_png", on_click="ignore")


def present_view(frame: gpd.GeoDataFrame, vocab: Vocabulary, corpus) -> None:
    """The whole presentation page; reads and writes ``tour``, ``stop`` and ``lang`` in the URL."""
    st.markdown(CSS, unsafe_allow_html=True)
    lang = _param("lang") if _param("lang") in LANGS else "zh"
    try:
        tours = _tours(frame, vocab, corpus)
    except TourError as exc:
        st.error(t(lang, "present.error"))
        st.code("\n".join(str(p) for p in exc.problems[:50]))
        return
    tour = tours.get(_param("tour"))
    if tour is None:
        tour_picker(tours, lang)
        return
    number = stop_number(_param("stop", "1"), len(tour.stops))
    if _param("stop") != str(number):
        st.query_params["stop"] = str(number)
    stop = tour.stops[number - 1]
    header(tour, number, lang)
    map_col, text_col = st.columns([7, 3], gap="medium")
    with map_col:
        m, groups = stop_map(stop, frame, vocab, lang, forward_keys=FORWARDED)
        st_folium(m, key="present_map", height=MAP_HEIGHT, use_container_width=True,
                  feature_group_to_add=groups, returned_objects=[])
    with text_col:
        st.markdown(f"<div class='present-caption'>{caption_html(caption(stop, frame), lang)}</div>",
                    unsafe_allow_html=True)
        st.caption(t(lang, "present.keys"))
        downloads(tour, number, frame, vocab, lang)
        other = LANGS[(LANGS.index(lang) + 1) % len(LANGS)]
        st.button(t(other, "language_name"), key="present_lang", on_click=_set_lang, args=(other,))
