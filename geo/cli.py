"""Command-line interface: ``python -m geo --help``."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .paths import GEOJSON, TARGETS, UNMAPPED
from .i18n import LANGS


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


def cmd_coverage(args: argparse.Namespace) -> int:
    from .analysis import coverage_table, station_sets
    from .features import load_layers
    from .vocab import load_vocabulary

    frame = load_layers(Path(args.geojson_dir))
    if args.district not in set(frame["district"]):
        print(f"error: unknown --district {args.district!r}", file=sys.stderr)
        return 2
    table = coverage_table(frame, args.district, station_sets(frame), list(load_vocabulary().themes))
    table.round(4).to_csv(args.out, index=False)
    d = table.iloc[0]
    print(f"{args.district}: {d.area_km2:.2f} km², {d.projects} projects ({d.projects_located} located), "
          f"{d.projects_per_km2:.2f}/km²; within 500/800 m of an existing station: "
          f"area {d.area_share_500_existing:.1%}/{d.area_share_800_existing:.1%}, "
          f"projects {d.project_share_500_existing:.1%}/{d.project_share_800_existing:.1%}; of a planned one: "
          f"area {d.area_share_500_planned:.1%}/{d.area_share_800_planned:.1%}, "
          f"projects {d.project_share_500_planned:.1%}/{d.project_share_800_planned:.1%}")
    print(f"wrote {len(table)} rows (district + {len(table) - 1} zones) to {args.out}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from .compare import NoDocuments, change_summary, compare_periods, parse_renames, read_links
    from .features import load_layers
    from .plans import load_corpus
    from .vocab import load_vocabulary

    frame, corpus = load_layers(Path(args.geojson_dir)), load_corpus()
    try:
        table = compare_periods(frame, corpus, load_vocabulary(), args.district, args.before, args.after,
                                parse_renames(read_links(), corpus))
    except NoDocuments as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    table.to_csv(args.out, index=False)
    print(f"{args.district} {args.before} → {args.after}: {change_summary(table)}; wrote {len(table)} rows to {args.out}")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    import pandas as pd

    from . import columns
    from .features import load_layers
    from .plans import load_corpus
    from .positions import precision_table

    frame = load_layers()
    plan = frame[frame["layer"] != "districts"]
    by_doc = pd.Series([s["document"] for srcs in plan["sources"] for s in {x["document"]: x for x in srcs}.values()])
    unmapped = pd.read_csv(UNMAPPED, dtype=str, keep_default_na=False)
    print("features per layer and precision (Markdown, as in data/README.md):\n", precision_table(frame), sep="")
    print("\nfeatures per district:\n", plan["district"].value_counts().to_string(), sep="")
    print("\nfeatures quoting each document:\n", by_doc.value_counts().to_string(), sep="")
    print(f"\nunmapped: {len(unmapped)} rows\n", unmapped["document"].value_counts().to_string(), sep="")
    features = [{"properties": {"id": fid, "name_zh": name}} for fid, name in zip(frame["id"], frame["name_zh"])]
    counts = columns.account_counts(columns.outline_items(load_corpus()), features,
                                    unmapped.to_dict("records"), columns.read_links())
    print("\n专栏 items: {items}; a feature of that name {feature}, linked to a feature {link}, "
          "listed as unmapped {unmapped}, not accounted for {none}".format(**counts))
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from .build import build_all

    return build_all()


def cmd_handout(args: argparse.Namespace) -> int:
    from layers.handout import map_handout_html, tour_handout_html  # drawing lives in layers/, not geo/

    from .features import load_layers
    from .plans import load_corpus
    from .tours import TourError, load_tours
    from .vocab import load_vocabulary

    frame, vocab = load_layers(Path(args.geojson_dir)), load_vocabulary()
    if args.tour:
        try:
            tours = load_tours(frame, vocab, load_corpus())
        except TourError as exc:
            print(exc, file=sys.stderr)
            return 1
        if args.tour not in tours:
            print(f"error: unknown --tour {args.tour!r} (known: {', '.join(sorted(tours))})", file=sys.stderr)
            return 2
        html = tour_handout_html(tours[args.tour], frame, vocab, args.lang)
        what = f"tour {args.tour} ({len(tours[args.tour].stops)} stops)"
    else:
        html, what = map_handout_html(frame, vocab, args.lang), f"map of {len(frame)} features"
    Path(args.out).write_text(html, encoding="utf-8")
    print(f"wrote {what} to {args.out} ({len(html.encode()) // 1024} KiB, self-contained, opens offline)")
    return 0


def cmd_load_db(args: argparse.Namespace) -> int:
    from .db import load_db
    from .errors import DatabaseError
    from .settings import DATABASE_URL

    url = args.url or DATABASE_URL
    if not url:
        print("no database: give --url or set PLANMAP_DATABASE_URL", file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        counts = load_db(url, Path(args.geojson_dir), progress=lambda line: print(line, file=sys.stderr))
    except DatabaseError as exc:
        print(f"load-db: {exc}", file=sys.stderr)
        return 1
    print(f"loaded {sum(counts['features'].values()):,} features "
          f"({', '.join(f'{k} {v:,}' for k, v in counts['features'].items())}), "
          f"{counts['targets']:,} targets, {counts['links']:,} links in {time.perf_counter() - started:.1f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geo", description="Chongqing district plan map: data tools.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check the bundled layers, targets and unmapped list")
    p.add_argument("--geojson-dir", default=str(GEOJSON))
    p.add_argument("--targets", default=str(TARGETS))
    p.add_argument("--unmapped", default=str(UNMAPPED))
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("load-db", help="load the features, targets and links into PostGIS (tables replaced)")
    p.add_argument("--url", help="a PostgreSQL URL (default: PLANMAP_DATABASE_URL)")
    p.add_argument("--geojson-dir", default=str(GEOJSON))
    p.set_defaults(func=cmd_load_db)

    p = sub.add_parser("check-curation", help="check curation YAML files (quotes, vocabularies, geometry)")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=cmd_check_curation)

    p = sub.add_parser("stats", help="counts of features per layer, precision, district and document")
    p.set_defaults(func=cmd_stats)

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

    p = sub.add_parser("coverage", help="per-zone project counts and rail-station coverage of a district (CSV)")
    p.add_argument("--district", required=True, help="渝中区 or 大渡口区")
    p.add_argument("--out", required=True, help="output .csv file")
    p.add_argument("--geojson-dir", default=str(GEOJSON))
    p.set_defaults(func=cmd_coverage)

    p = sub.add_parser("compare", help="features carried over / new / dropped between two plan periods (CSV)")
    p.add_argument("--district", required=True, help="渝中区 or 大渡口区")
    p.add_argument("--from", dest="before", required=True, help="period key, e.g. fyp14")
    p.add_argument("--to", dest="after", required=True, help="period key, e.g. fyp15")
    p.add_argument("--out", required=True, help="output .csv file")
    p.add_argument("--geojson-dir", default=str(GEOJSON))
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("handout", help="the whole map or a tour as one self-contained HTML file (opens offline)")
    p.add_argument("--out", required=True, help="output .html file")
    p.add_argument("--tour", help="tour id: a file name in data/tours without .yaml")
    p.add_argument("--lang", choices=LANGS, default="zh")
    p.add_argument("--geojson-dir", default=str(GEOJSON))
    p.set_defaults(func=cmd_handout)

    args = parser.parse_args(argv)
    return args.func(args)
