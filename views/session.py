"""A session's view state: read once from the URL, kept in the widgets' session keys,
written back to the URL."""
from __future__ import annotations

import streamlit as st

from geo.filters import Filters
from geo.state import PlannerState, ViewState, parse, to_params
from views.data import known_for

# The session keys of the planner's widgets (views/planner.py), per PlannerState attribute.
PLANNER_KEYS = {"section": "pl_section", "district": "pl_district", "cell": "pl_cell", "period_from": "pl_from",
                "period_to": "pl_to", "mode": "pl_mode"}


def init_session(basemaps: list[str]) -> None:
    """First run of a session: the URL decides the view."""
    if "ready" in st.session_state:
        return
    known = known_for(tuple(basemaps))
    state, notices = parse(st.query_params.to_dict(), known)
    f = state.filters
    st.session_state.update({
        "ready": True, "notices": notices, "w_lang": state.lang, "w_view": state.view,
        "w_districts": list(f.districts), "w_periods": list(f.periods), "w_themes": list(f.themes),
        "w_layers": list(f.layers), "w_categories": list(f.categories), "w_statuses": list(f.statuses),
        "w_query": f.query, "w_basemap": state.basemap, "selected": state.selected,
        "near": state.near, "w_near_radius": state.radius,
        "center": (state.lat, state.lon) if state.lat is not None else None, "zoom": state.zoom,
        # The map is created at this view; later moves are applied to it without a reload.
        "initial_view": ((state.lat, state.lon) if state.lat is not None else None, state.zoom),
        # What the map fits to first: the URL's view if it has one, else the selection, the
        # near-here circle or the filters.
        "fit_on": "selection" if state.selected else "near" if state.near else "filter",
        "fit_filters": f, "fit_seq": 0, "keep_view": state.lat is not None,
        **{key: getattr(state.planner, attr) for attr, key in PLANNER_KEYS.items()},
    })


def current_state() -> ViewState:
    s = st.session_state
    center = s.get("center")
    return ViewState(
        filters=Filters(
            districts=tuple(s.w_districts), periods=tuple(s.w_periods), themes=tuple(s.w_themes),
            layers=tuple(s.w_layers), categories=tuple(s.w_categories), statuses=tuple(s.w_statuses),
            query=s.w_query,
        ),
        selected=s.selected, basemap=s.w_basemap,
        lat=center[0] if center else None, lon=center[1] if center else None, zoom=s.get("zoom"),
        lang=s.w_lang, view=s.w_view, near=s.get("near"), radius=int(s.get("w_near_radius", 500)),
        # Widgets not drawn in a run lose their keys: the planner's then start from the defaults.
        planner=PlannerState(**{attr: s[key] for attr, key in PLANNER_KEYS.items() if key in s}),
    )


def sync_url(state: ViewState) -> None:
    """The one writer of the URL: the whole state, defaults left out."""
    params = to_params(state)
    if params != st.query_params.to_dict():
        st.query_params.from_dict(params)


def leave_presentation() -> None:
    """Back to the map view as it was (widget state is dropped while widgets are hidden)."""
    st.query_params.from_dict(st.session_state.get("map_params", {}))
    st.session_state.pop("ready", None)  # init_session reads the restored URL again
