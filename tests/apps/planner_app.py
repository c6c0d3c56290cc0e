"""A tiny app that shows only the planner view, for tests/test_planner_view.py (AppTest)."""
import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from geo.features import load_layers  # noqa: E402
from geo.plans import load_corpus  # noqa: E402
from geo.targets import load_targets  # noqa: E402
from geo.vocab import load_vocabulary  # noqa: E402
from views.planner import planner_view  # noqa: E402
from views.session import current_state, init_session, sync_url  # noqa: E402


@st.cache_resource
def data():
    return load_layers(), load_vocabulary(), load_corpus(), load_targets()


frame, vocab, corpus, targets = data()
init_session(["offline"])  # as the app: the URL read once, then written back from the widgets
sync_url(current_state())
if st.session_state.notices:
    st.warning("; ".join(st.session_state.notices))
planner_view(frame, vocab, corpus, targets, lang=st.session_state.w_lang)
