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

    args = parser.parse_args(argv)
    return args.func(args)
