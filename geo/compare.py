"""Plan-period comparison: which places are carried over, new or dropped; layout formulas.

A feature belongs to a period of a district when one of its sources is a document of that
district speaking for that period (vocabulary ``document_periods``).  Renamed places are two
features linked in data/links.yaml with a verbatim quote from each document; both count as
carried over.  Everything here is pure: frames in, frames out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from .curation import locate_quote
from .paths import DATA
from .plans import Document
from .vocab import Vocabulary
from .errors import CurationError, NoDocuments

LINKS = DATA / "links.yaml"
CHANGES = ("carried_over", "new", "dropped")
LAYOUT_THEME = "spatial_layout"
SCOPES = ("document", "paragraph", "section")
# Terms of a formula: a numeral and a kind of place (一核, 两翼, 三带, 六园区 ...).
FORMULA_PART = re.compile(r"[一二两三四五六七八九十]+(?:核|翼|带|片区|园区|板块|轴|廊|环|心)")
# When a member's text names no term: cores are 核, corridors are 带/轴, areas are the rest.
PART_BY_LAYER = {"corridors": ("带", "轴", "廊", "环"), "zones": ("片区", "园区", "板块"),
                 "business_districts": ("片区", "园区", "板块")}


@dataclass(frozen=True)
class Rename:
    from_id: str
    to_id: str
    note: str
    evidence: tuple[dict, ...]  # located sources: document, section, section_path, paragraph, quote


@dataclass(frozen=True)
class Layout:
    id: str
    district: str
    document: str
    formula: str
    quote: dict  # the located formula quote
    scope: str
    also: tuple[dict, ...]
    parts: tuple[str, ...]
    note: str


# --- reading data/links.yaml ---------------------------------------------------------

def read_links(path: Path = LINKS) -> dict:
    """The raw links file ({} when absent)."""
    if not Path(path).exists():
        return {}
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise CurationError(f"{Path(path).name}: top level must be a mapping")
    return data


def _locate(corpus: dict[str, Document], doc_id: str, quote: str, where: str) -> dict:
    if doc_id not in corpus:
        raise CurationError(f"{where}: unknown document {doc_id!r}")
    try:
        return locate_quote(corpus[doc_id], str(quote))
    except CurationError as exc:
        raise CurationError(f"{where}: {exc}") from None


def parse_renames(raw: dict, corpus: dict[str, Document]) -> list[Rename]:
    out = []
    for i, item in enumerate(raw.get("renames") or []):
        where = f"links.yaml renames[{i}] {item.get('from')}→{item.get('to')}"
        evidence = tuple(_locate(corpus, e.get("doc"), e.get("quote", ""), where) for e in item.get("evidence") or [])
        if len({e["document"] for e in evidence}) < 2:
            raise CurationError(f"{where}: needs a quote from each of two documents")
        out.append(Rename(str(item["from"]), str(item["to"]), str(item.get("note", "")), evidence))
    return out


def parse_layouts(raw: dict, corpus: dict[str, Document]) -> list[Layout]:
    out = []
    for i, item in enumerate(raw.get("layouts") or []):
        where = f"links.yaml layouts[{i}] {item.get('id')}"
        doc_id, scope = item.get("document"), item.get("scope", "paragraph")
        if scope not in SCOPES:
            raise CurationError(f"{where}: scope must be one of {SCOPES}, not {scope!r}")
        formula = str(item["formula"])
        out.append(Layout(
            id=str(item["id"]), district=str(item["district"]), document=doc_id, formula=formula,
            quote=_locate(corpus, doc_id, item.get("quote", ""), where), scope=scope,
            also=tuple(_locate(corpus, doc_id, q, where) for q in item.get("also") or []),
            parts=tuple(item.get("parts") or FORMULA_PART.findall(formula)), note=str(item.get("note", "")),
        ))
    return out


def check_links(renames: list[Rename], frame: pd.DataFrame) -> list[str]:
    """Problems of the rename links against the features (ids exist, each side quotes its document)."""
    problems = []
    for r in renames:
        for side, fid in (("from", r.from_id), ("to", r.to_id)):
            if fid not in frame.index:
                problems.append(f"rename {r.from_id}→{r.to_id}: no feature {fid!r} ({side})")
        if r.from_id in frame.index and r.to_id in frame.index:
            sides = (("from", r.from_id, r.evidence[0], r.evidence[-1]), ("to", r.to_id, r.evidence[-1], r.evidence[0]))
            for side, fid, own, other in sides:
                held = source_documents(frame.loc[fid, "sources"])
                if own["document"] not in held:
                    problems.append(f"rename {r.from_id}→{r.to_id}: {fid} has no source in {own['document']} ({side})")
                if other["document"] in held:
                    problems.append(f"rename {r.from_id}→{r.to_id}: {fid} is itself quoted from {other['document']}: "
                                    "no link needed")
    return problems


# --- periods ---------------------------------------------------------------------------

def source_documents(sources) -> set[str]:
    return {s["document"] for s in sources or ()}


def period_documents(corpus: dict[str, Document], vocab: Vocabulary, district: str, period: str) -> list[str]:
    """The district's documents speaking for *period*, in catalogue order."""
    return [d for d, doc in corpus.items() if doc.meta["district"] == district and period in vocab.document_periods(d)]


def district_periods(corpus: dict[str, Document], vocab: Vocabulary, district: str) -> list[str]:
    """Periods for which the district has at least one document, in vocabulary order."""
    return [p for p in vocab.periods if period_documents(corpus, vocab, district, p)]


def _partners(renames: list[Rename]) -> dict[str, list[tuple[str, Rename]]]:
    """Each linked id -> its (partner id, link); links work in both directions."""
    out: dict[str, list[tuple[str, Rename]]] = {}
    for r in renames:
        out.setdefault(r.from_id, []).append((r.to_id, r))
        out.setdefault(r.to_id, []).append((r.from_id, r))
    return out


def _evidence_text(link: Rename) -> str:
    return " | ".join(f"{e['document']} {e['paragraph']}: {e['quote']}" for e in link.evidence)


def compare_periods(frame: pd.DataFrame, corpus: dict[str, Document], vocab: Vocabulary, district: str,
                    before: str, after: str, renames: list[Rename] = ()) -> pd.DataFrame:
    """One row per feature of *district* in either period, with its change from *before* to *after*.

    Columns: id, name_zh, name_en, layer, category, change (carried_over | new | dropped),
    renamed (bool), linked_id, linked_name, before_docs, after_docs, evidence.
    """
    docs = {}
    for label, period in (("before", before), ("after", after)):
        docs[label] = set(period_documents(corpus, vocab, district, period))
        if not docs[label]:
            have = ", ".join(district_periods(corpus, vocab, district)) or "none"
            raise NoDocuments(f"{district} has no plan document for {period} (periods with documents: {have})")
    part = frame[(frame["district"] == district) & (frame["layer"] != "districts")]
    held = part["sources"].map(source_documents)
    in_before, in_after = held.map(lambda d: bool(d & docs["before"])), held.map(lambda d: bool(d & docs["after"]))
    partners = _partners(renames)
    rows = []
    for fid in part.index[in_before | in_after]:
        row = part.loc[fid]
        both = in_before[fid] and in_after[fid]
        # A one-period feature linked to a feature of the other period was renamed.
        other = in_after if in_before[fid] else in_before
        link = None if both else next(((p, r) for p, r in partners.get(fid, []) if p in other.index and other[p]), None)
        change = "carried_over" if both or link else ("dropped" if in_before[fid] else "new")
        rows.append({
            "id": fid, "name_zh": row["name_zh"], "name_en": row["name_en"], "layer": row["layer"],
            "category": row["category"], "change": change, "renamed": link is not None,
            "linked_id": link[0] if link else "", "linked_name": part.loc[link[0], "name_zh"] if link else "",
            "before_docs": ";".join(sorted(held[fid] & docs["before"])),
            "after_docs": ";".join(sorted(held[fid] & docs["after"])),
            "evidence": _evidence_text(link[1]) if link else "",
        })
    columns = ["id", "name_zh", "name_en", "layer", "category", "change", "renamed", "linked_id", "linked_name",
               "before_docs", "after_docs", "evidence"]
    return pd.DataFrame(rows, columns=columns)


def change_summary(table: pd.DataFrame) -> dict[str, int]:
    """Places per change; a renamed pair is one carried-over place (counted on its *after* side)."""
    renamed_before = table["renamed"] & (table["before_docs"] != "")
    places = table[~renamed_before]
    counts = {c: int((places["change"] == c).sum()) for c in CHANGES}
    counts["renamed"] = int(renamed_before.sum())
    return counts


# --- layout formulas -------------------------------------------------------------------

def layouts_for(layouts: list[Layout], district: str, documents) -> list[Layout]:
    return [lay for lay in layouts if lay.district == district and lay.document in set(documents)]


def _under(doc: Document, section: str, ancestor: str) -> bool:
    while section:
        if section == ancestor:
            return True
        section = doc.sections[section].parent if section in doc.sections else None
    return False


def in_scope(layout: Layout, source: dict, doc: Document) -> bool:
    """Whether a feature's source lies in the layout's scope."""
    if source["document"] != layout.document:
        return False
    if source["paragraph"] in {a["paragraph"] for a in layout.also}:
        return True
    if layout.scope == "document":
        return True
    if layout.scope == "paragraph":
        return source["paragraph"] == layout.quote["paragraph"]
    return _under(doc, source["section"], layout.quote["section"])


def member_part(row: pd.Series, sources: list[dict], layout: Layout, doc: Document) -> str:
    """The formula term a member stands for: from its name, its quotes, its section titles, its kind."""
    texts = [row["name_zh"]] + [s["quote"] for s in sources]
    for s in sources:
        texts += reversed(doc.sections[s["section"]].path) if s["section"] in doc.sections else []
    for text in texts:
        found = [p for p in layout.parts if p in text]
        if len(found) == 1:
            return found[0]
    if row["category"] == "core":
        fallback = [p for p in layout.parts if p.endswith("核")]
    else:
        fallback = [p for p in layout.parts if p.endswith(PART_BY_LAYER.get(row["layer"], ()))]
    return fallback[0] if len(fallback) == 1 else ""


def layout_members(frame: pd.DataFrame, layout: Layout, corpus: dict[str, Document]) -> pd.DataFrame:
    """Features themed spatial_layout that quote the layout's document within its scope."""
    doc = corpus[layout.document]
    rows = []
    candidates = frame[(frame["district"] == layout.district) & frame["themes"].map(lambda t: LAYOUT_THEME in (t or ()))]
    for fid, row in candidates.iterrows():
        sources = [s for s in row["sources"] if in_scope(layout, s, doc)]
        if sources:
            rows.append({"layout": layout.id, "formula": layout.formula, "part": member_part(row, sources, layout, doc),
                         "id": fid, "name_zh": row["name_zh"], "name_en": row["name_en"], "layer": row["layer"],
                         "category": row["category"], "document": layout.document,
                         "paragraph": sources[0]["paragraph"], "quote": sources[0]["quote"]})
    columns = ["layout", "formula", "part", "id", "name_zh", "name_en", "layer", "category", "document", "paragraph", "quote"]
    table = pd.DataFrame(rows, columns=columns)
    order = {p: i for i, p in enumerate(layout.parts)}
    return table.sort_values(["part", "id"], key=lambda s: s.map(order).fillna(99) if s.name == "part" else s,
                             kind="stable").reset_index(drop=True)
