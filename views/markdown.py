"""Show data text literally where Streamlit reads Markdown (titles, captions, button labels)."""
from __future__ import annotations

import re

# Every character Markdown (and Streamlit's extensions: :colour[], $maths$) gives meaning to.
MARKUP = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:$<>&/])")


def md_literal(text) -> str:
    """*text* with each Markdown-significant character backslash-escaped."""
    return MARKUP.sub(r"\\\1", str(text))
