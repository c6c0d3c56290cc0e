"""Audit rules: defects a planner would notice that per-feature checks cannot see.

Each rule looks across features, the unmapped list or the curation files and returns
:class:`geo.validate.Problem` rows; :func:`audit_all` runs them for ``python -m geo validate``.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from itertools import combinations
from pathlib import Path

from pyproj import Geod
from shapely.geometry import shape

from . import reference
from .paths import CURATION
from .vocab import Vocabulary

GEOD = Geod(ellps="WGS84")
# Curation entries of one id whose points differ by more than this disagree about the place.
MAX_SOURCE_SPREAD_M = 300
# A single building or site drawn larger than this is an invented area.
MAX_SITE_AREA_M2 = 200_000
SITE_CATEGORIES = {"building", "hospital", "school", "culture_venue", "sports_venue", "research"}
# A district-only feature must be (nearly) its district's own polygon, not a point.
MIN_DISTRICT_OVERLAP = 0.95
# A section that reviews an earlier plan period: "“十四五”时期…取得显著成效".
REVIEW_TITLE = re.compile(r"“(十[一二三四五六七八九]五)”时期[^›]*(成效|成就)")
REVIEW_PERIODS = {"十四五": "fyp14", "十五五": "fyp15"}
# Words by which plan text says that something was finished (not merely sold or started).
COMPLETION_WORDS = ("建成", "完成", "竣工", "投用", "投入使用", "开通", "通车", "开业", "落成", "开馆",
                    "开园", "开街", "亮相", "运营", "成功创建", "获评", "入选", "挂牌成立", "交付", "修缮", "改造提升")


def _problem(file: str, feature: str, reason: str):
    from .validate import Problem  # validate imports this module: import late

    return Problem(file, feature, reason)


def _each(features: list[dict], reason_of) -> list:
    """A problem for every feature for which *reason_of* gives a reason."""
    found = ((f["properties"], reason_of(f)) for f in features)
    return [_problem(props["layer"], props["id"], reason) for props, reason in found if reason]


def _distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


# --- periods ---------------------------------------------------------------------------

def review_period(section_path: str) -> str | None:
    """The earlier plan period a review-of-achievements section reports on, else None."""
    match = REVIEW_TITLE.search(section_path or "")
    return REVIEW_PERIODS.get(match.group(1)) if match else None


def source_periods(source: dict, vocab: Vocabulary) -> list[str]:
    """Plan periods a source sets: its document's, or the reviewed period for a review section."""
    reviewed = review_period(source.get("section_path", ""))
    return [reviewed] if reviewed else list(vocab.document_periods(source["document"]))


def _review_date_reason(f: dict, vocab: Vocabulary) -> str | None:
    props = f["properties"]
    if props.get("layer") == "districts" or not props.get("sources"):
        return None
    expected = {p for s in props["sources"] for p in source_periods(s, vocab)}
    extra = {p for p in props.get("periods") or [] if p not in expected and p != "vision2035"}
    if extra and all(review_period(s.get("section_path", "")) for s in props["sources"]):
        return f"quoted only from a review of an earlier period ({', '.join(sorted(expected))}) but dated {', '.join(sorted(extra))}"
    return None


def check_review_periods(features: list[dict], vocab: Vocabulary) -> list:
    """A feature quoted only from sections reviewing an earlier period carries only their periods."""
    return _each(features, lambda f: _review_date_reason(f, vocab))


# --- status ----------------------------------------------------------------------------

def _completion_reason(f: dict) -> str | None:
    props = f["properties"]
    quotes = [s.get("quote", "") for s in props.get("sources") or []]
    if props.get("status") == "completed" and not any(w in q for q in quotes for w in COMPLETION_WORDS):
        return f"status completed but no quote has a word of completion ({'/'.join(COMPLETION_WORDS[:6])}…)"
    return None


def check_completed(features: list[dict]) -> list:
    """``completed`` needs a quote that says so (挂牌出让 or 落地 is not completion)."""
    return _each(features, _completion_reason)


# --- geometry --------------------------------------------------------------------------

def _site_area_reason(f: dict) -> str | None:
    props = f["properties"]
    if (props.get("layer") != "projects" or props.get("category") not in SITE_CATEGORIES
            or props["location"].get("precision") == "district" or f["geometry"]["type"] == "Point"):
        return None
    area = abs(GEOD.geometry_area_perimeter(shape(f["geometry"]))[0])
    if area > MAX_SITE_AREA_M2:
        return f"a {props['category']} drawn as an area of {area / 1e6:.2f} km² (a site is at most {MAX_SITE_AREA_M2 / 1e6:.2f} km²; use a point)"
    return None


def check_site_areas(features: list[dict]) -> list:
    """A building or site (projects of a site category, not district-only) is not a large area."""
    return _each(features, _site_area_reason)


def _district_only_reason(f: dict, shapes: dict) -> str | None:
    props = f["properties"]
    if props.get("layer") == "districts" or props["location"].get("precision") != "district":
        return None
    geom, ref = shape(f["geometry"]), shapes.get(props.get("district"))
    if geom.geom_type == "Point" or ref is None or geom.intersection(ref).area < MIN_DISTRICT_OVERLAP * ref.area:
        return f"precision district but stored as a {geom.geom_type}, not the {props.get('district')} polygon (curation: geometry: {{district: …}})"
    return None


def check_district_only(features: list[dict]) -> list:
    """A district-only feature is stored as its district's polygon, never as a point that looks like a place."""
    shapes = reference.district_shapes()
    return _each(features, lambda f: _district_only_reason(f, shapes))


def _anchor(geometry: dict) -> tuple[float, float] | None:
    """The point a curation geometry spec names (point, circle centre, metro hint)."""
    if not isinstance(geometry, dict):
        return None
    for key, value in geometry.items():
        if key == "point":
            return tuple(value)
        if key in ("circle", "metro") and isinstance(value, dict):
            spot = value.get("center") or value.get("near")
            return tuple(spot) if spot else None
    return None


def check_source_agreement(curation_dir: Path = CURATION) -> list:
    """Curation entries of one id agree on its point (within MAX_SOURCE_SPREAD_M)."""
    from .curation import read_entries  # curation imports this module: import late

    points = defaultdict(list)
    for path in sorted(curation_dir.glob("*.yaml")):
        for entry in read_entries(path):
            if isinstance(entry, dict) and entry.get("id") and not entry.get("unmapped"):
                spot = _anchor(entry.get("geometry"))
                if spot:
                    points[entry["id"]].append((path.name, spot))
    problems = []
    for fid, spots in points.items():
        for (fa, a), (fb, b) in combinations(spots, 2):
            gap = _distance_m(a, b)
            if gap > MAX_SOURCE_SPREAD_M:
                problems.append(_problem(fa, fid, f"point {list(a)} is {gap:.0f} m from the point {list(b)} in {fb}: the curation files disagree"))
                break
    return problems


# --- duplicates ------------------------------------------------------------------------

def check_shared_points(features: list[dict]) -> list:
    """No two features share a point and a quote unless one is declared ``part_of`` the other."""
    by_point = defaultdict(list)
    for f in features:
        if f["geometry"]["type"] == "Point":
            by_point[tuple(round(c, 5) for c in f["geometry"]["coordinates"])].append(f["properties"])
    problems = []
    for group in by_point.values():
        for a, b in combinations(group, 2):
            shared = {s["quote"] for s in a["sources"]} & {s["quote"] for s in b["sources"]}
            declared = b["id"] in (a.get("part_of") or []) or a["id"] in (b.get("part_of") or [])
            if shared and not declared:
                problems.append(_problem(a["layer"], a["id"], f"shares its point and the quote {sorted(shared)[0]!r} with {b['id']} (merge them or declare part_of)"))
    return problems


BRACKETED_PART = re.compile(r"[（(]([^（）()]+)[）)]")
QUOTED_PART = re.compile(r"“([^”]+)”")


def name_variants(name: str) -> set[str]:
    """A name and the names it spells out: without its bracket, the bracketed name, a quoted short name."""
    variants = {name, BRACKETED_PART.sub("", name).strip()}
    variants.update(BRACKETED_PART.findall(name))
    variants.update(q for q in QUOTED_PART.findall(name) if BRACKETED_PART.sub("", name).strip() == f"“{q}”")
    return {v for v in variants if v}


def check_unmapped(features: list[dict], unmapped: Path) -> list:
    """No name twice in the unmapped list, and no name both mapped and unmapped."""
    rows = _read_rows(unmapped)
    mapped = {}
    for f in features:
        for name in name_variants(f["properties"].get("name_zh") or ""):
            mapped[name] = f["properties"]["id"]
    problems, seen = [], {}
    for i, row in enumerate(rows, start=2):
        name = row.get("name_zh", "")
        if name in seen:
            problems.append(_problem(unmapped.name, f"line {i}", f"{name!r} is listed again (first on line {seen[name]})"))
        seen.setdefault(name, i)
        if name in mapped:
            problems.append(_problem(unmapped.name, f"line {i}", f"{name!r} is also mapped as {mapped[name]}"))
    return problems


# --- page breaks -----------------------------------------------------------------------

CLAUSE_MARKS = set("，、；：。！？,;:!?“”‘’（）()《》【】—… ")


def _clause_edge(text: str, pos: int) -> bool:
    """True when *pos* falls beside punctuation, i.e. between clauses rather than inside a word."""
    return text[pos - 1] in CLAUSE_MARKS or text[pos] in CLAUSE_MARKS


def break_offsets(para, raw_lines: list[str]) -> set[int]:
    """Offsets in *para*'s text where a raw source line ended mid-sentence (a joined page/line break)."""
    from .corpus import ends_sentence, strip_markup

    offsets, pos = set(), 0
    for line in raw_lines[para.src_start - 1:para.src_end]:
        piece = strip_markup(line).strip()
        if not piece or para.text.find(piece, pos) != pos:
            continue
        pos += len(piece)
        if pos < len(para.text) and not ends_sentence(piece) and not _clause_edge(para.text, pos):
            offsets.add(pos)
    return offsets


def _raw_lines(doc) -> list[str]:
    from .paths import RAW

    return (RAW / doc.meta["source_file"]).read_text(encoding="utf-8").splitlines()


def check_page_breaks(features: list[dict], targets: list[dict], corpus: dict) -> list:
    """A quote or target must not start or end where a page break cut a sentence."""
    raws, problems = {}, []
    cited = [(f["properties"]["layer"], f["properties"]["id"], s) for f in features for s in f["properties"].get("sources") or []]
    cited += [(f["properties"]["layer"], f["properties"]["id"], t) for f in features for t in f["properties"].get("targets") or []]
    cited += [("targets.csv", t.get("indicator", ""), t) for t in targets]
    for file, label, ref in cited:
        doc = corpus.get(ref.get("document"))
        quote = ref.get("quote") or ""
        if doc is None or not quote or not doc.has_paragraph(ref.get("paragraph") or ""):
            continue
        para = doc.paragraph(ref["paragraph"])
        start = para.text.find(quote)
        if start < 0 or para.src_start == para.src_end:
            continue
        if doc.id not in raws:
            raws[doc.id] = _raw_lines(doc)
        cuts = break_offsets(para, raws[doc.id]) & {start, start + len(quote)}
        if cuts:
            problems.append(_problem(file, label, f"quote {quote!r} is cut at a page break of {para.id} (offset {min(cuts)}): quote the whole clause"))
    return problems


def _read_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def audit_all(features: list[dict], vocab: Vocabulary, unmapped: Path, targets: Path, corpus: dict,
              curation_dir: Path = CURATION) -> list:
    """Every audit rule; an empty list when the data passes."""
    return (
        check_source_agreement(curation_dir)
        + check_page_breaks(features, _read_rows(targets) if targets.exists() else [], corpus)
        + check_site_areas(features)
        + check_shared_points(features)
        + check_unmapped(features, unmapped)
        + check_district_only(features)
        + check_review_periods(features, vocab)
        + check_completed(features)
    )

