"""Command-line interface: ``python -m geo --help``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .paths import GEOJSON, TARGETS, UNMAPPED


def cmd_validate(args: argparse.Namespace) -> int:
    from .validate import validate_all

    problems = validate_all(Path(args.geojson_dir), Path(args.targets), Path(args.unmapped))
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"FAILED: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("OK: layers, targets and unmapped list are valid")
    return 0


def cmd_check_curation(args: argparse.Namespace) -> int:
    from .curation import CurationError, curate_file
    from .plans import load_corpus
    from .validate import validate_features
    from .vocab import load_vocabulary

    vocab, corpus = load_vocabulary(), load_corpus()
    failed = 0
    for name in args.files:
        path = Path(name)
        try:
            result = curate_file(path, corpus, vocab)
        except CurationError as exc:
            print(exc, file=sys.stderr)
            failed += 1
            continue
        problems = [str(e) for e in result.errors]
        problems += [str(p) for p in validate_features(result.features, path.name, None, vocab, corpus)]
        for p in problems:
            print(p, file=sys.stderr)
        failed += len(problems)
        by_layer: dict[str, int] = {}
        for f in result.features:
            by_layer[f["properties"]["layer"]] = by_layer.get(f["properties"]["layer"], 0) + 1
        print(f"{path.name}: {len(result.features)} features {by_layer}, {len(result.unmapped)} unmapped, "
              f"{len(result.section_targets)} section targets, {len(problems)} problem(s)")
    return 1 if failed else 0


def _csv(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").split(",") if v.strip())


def cmd_export(args: argparse.Namespace) -> int:
    from .export import dumps, to_feature_collection
    from .features import load_layers
    from .filters import Filters, apply

    frame = load_layers(Path(args.geojson_dir))
    filters = Filters(
        districts=_csv(args.district), periods=_csv(args.period), themes=_csv(args.theme),
        layers=_csv(args.layer), categories=_csv(args.category), statuses=_csv(args.status),
        query=args.query or "",
    )
    known = {
        "district": set(frame["district"]), "period": {p for v in frame["periods"] for p in v},
        "theme": {t for v in frame["themes"] for t in v}, "layer": set(frame["layer"]),
        "category": set(frame["category"]), "status": set(frame["status"].dropna()),
    }
    for option, values in (("district", filters.districts), ("period", filters.periods), ("theme", filters.themes),
                           ("layer", filters.layers), ("category", filters.categories), ("status", filters.statuses)):
        unknown = sorted(set(values) - known[option])
        if unknown:
            print(f"error: unknown --{option} value(s): {', '.join(unknown)} (known: {', '.join(sorted(known[option]))})", file=sys.stderr)
            return 2
    shown = apply(frame, filters)
    Path(args.out).write_text(dumps(to_feature_collection(shown, crs=args.crs)), encoding="utf-8")
    print(f"wrote {len(shown)} of {len(frame)} features to {args.out} ({args.crs})")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from .build import build_all

    return build_all()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geo", description="Chongqing district plan map: data tools.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check the bundled layers, targets and unmapped list")
    p.add_argument("--geojson-dir", default=str(GEOJSON))
    p.add_argument("--targets", default=str(TARGETS))
    p.add_argument("--unmapped", default=str(UNMAPPED))
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("check-curation", help="check curation YAML files (quotes, vocabularies, geometry)")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=cmd_check_curation)

    p = sub.add_parser("build", help="rebuild data/geojson, targets.csv and unmapped.csv from data/curation")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("export", help="write the (filtered) features as GeoJSON")
    p.add_argument("--out", required=True, help="output .geojson file")
    p.add_argument("--district", help="comma-separated, e.g. 渝中区,大渡口区")
    p.add_argument("--period", help="comma-separated: fyp14, fyp15, vision2035")
    p.add_argument("--theme", help="comma-separated theme keys (data/vocabulary.yaml)")
    p.add_argument("--layer", help="comma-separated layer names")
    p.add_argument("--category", help="comma-separated category keys")
    p.add_argument("--status", help="comma-separated statuses")
    p.add_argument("--query", help="text search over names and quotes")
    p.add_argument("--crs", choices=("wgs84", "gcj02"), default="wgs84",
                   help="wgs84 (RFC 7946, default) or gcj02 for AMap overlays (marked in the file)")
    p.add_argument("--geojson-dir", default=str(GEOJSON))
    p.set_defaults(func=cmd_export)

    args = parser.parse_args(argv)
    return args.func(args)
