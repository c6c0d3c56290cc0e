"""Rebuild data/plans/<doc_id>.txt and .lines.csv from the raw sources in data/plans/raw.

Usage: python scripts/build_corpus.py
The raw files are verbatim copies of ../shared/seeds (copied once; see data/README.md).
"""
import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.corpus import clean  # noqa: E402
from geo.paths import CATALOG, PLANS, RAW  # noqa: E402


def main() -> None:
    with CATALOG.open(encoding="utf-8") as fh:
        for doc in csv.DictReader(fh):
            raw = (RAW / doc["source_file"]).read_text(encoding="utf-8")
            furniture = tuple(f for f in doc["furniture"].split("|") if f)
            blocks = clean(raw, doc["style"], furniture)
            (PLANS / f"{doc['doc_id']}.txt").write_text(
                "".join(b.text + "\n" for b in blocks), encoding="utf-8"
            )
            with (PLANS / f"{doc['doc_id']}.lines.csv").open("w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(["line", "src_start", "src_end"])
                for i, b in enumerate(blocks, start=1):
                    writer.writerow([i, b.src_start, b.src_end])
            print(f"{doc['doc_id']}: {len(blocks)} blocks from {doc['source_file']}")


if __name__ == "__main__":
    main()
