"""The one translation table: every language has every text, and every text is used."""
import re
import subprocess

import pytest

from geo.basemaps import BASEMAPS
from geo.i18n import TEXT, t


NAMESPACES = {k for k, v in TEXT["zh"].items() if isinstance(v, dict) and k in
              ("chart", "planner", "present", "analysis", "popup", "legend", "map", "handout", "basemaps")}


def key_paths(table: dict) -> set[str]:
    """The root's keys and each namespace's ("planner.summary"); groups of texts looked up by
    data (a table's column names, the views) count as one key."""
    return {k for k in table if k not in NAMESPACES} | {f"{ns}.{k}" for ns in NAMESPACES for k in table[ns]}


def shape(table):
    return {k: shape(v) for k, v in table.items()} if isinstance(table, dict) else type(table).__name__


def test_every_language_has_the_same_texts():
    assert shape(TEXT["en"]) == shape(TEXT["zh"])


def product_sources() -> list[str]:
    files = subprocess.run(["git", "ls-files", "*.py"], capture_output=True, text=True, check=True).stdout.split()
    return [open(f, encoding="utf-8").read() for f in files if not f.startswith(("tests/", "bench/")) and f != "geo/i18n.py"]


def is_used(path: str, sources: list[str]) -> bool:
    """Whether the code names the text at *path*: "ns.key" (or a root "key") in a lookup; for a
    namespace handed over whole (handouts, legends, popups: ``t(lang, "legend")``) or looked up
    by data (``f"analysis.{kind}"``), the key quoted or read in a template (``this.text.key``)
    in a module that does so."""
    def quoted(word: str, source: str):
        return re.search(rf"""["']{re.escape(word)}["']""", source)

    if any(quoted(path, source) for source in sources):
        return True
    if "." not in path:
        return False
    ns, key = path.rsplit(".", 1)
    return any((quoted(ns, source) or f'f"{ns}.{{' in source) and (quoted(key, source) or re.search(rf"\.{key}\b", source))
               for source in sources)


def test_every_text_is_used():
    sources = product_sources()
    unused = [p for p in sorted(key_paths(TEXT["zh"]))
              if p not in NAMESPACES and not p.startswith("basemaps.") and not is_used(p, sources)]
    assert unused == [], unused


def test_basemap_labels_name_basemaps():
    assert set(TEXT["zh"]["basemaps"]) <= set(BASEMAPS)


def test_lookup():
    assert t("en", "planner.summary", carried_over=1, renamed=0, new=2, dropped=3).startswith("carried over 1")
    assert t("fr", "title") == t("zh", "title")  # a language not offered reads Chinese
    with pytest.raises(KeyError):
        t("en", "planner.no_such_text")
