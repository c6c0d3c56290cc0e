#!/usr/bin/env bash
# Re-create static/vendor/ from the npm registry: the map's JS/CSS is served by the app
# itself (Streamlit static serving), so the map draws with no internet.
# Usage: bash scripts/vendor_assets.sh   (needs npm; run once, commit the result)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
cd "$tmp"
npm pack --silent leaflet@1.9.3 leaflet.fullscreen@3.0.0 leaflet.markercluster@1.5.3 leaflet.vectorgrid@1.3.0 >/dev/null
for f in *.tgz; do mkdir -p "${f%.tgz}"; tar xzf "$f" -C "${f%.tgz}"; done
out="$here/static/vendor"
rm -rf "$out" && mkdir -p "$out"/{leaflet,leaflet.fullscreen,leaflet.markercluster,leaflet.vectorgrid}
cp -r leaflet-1.9.3/package/dist/{leaflet.js,leaflet.css,images} leaflet-1.9.3/package/LICENSE "$out/leaflet/"
cp leaflet.fullscreen-3.0.0/package/{Control.FullScreen.js,Control.FullScreen.css,icon-fullscreen.svg,LICENSE} "$out/leaflet.fullscreen/"
cp leaflet.markercluster-1.5.3/package/dist/{leaflet.markercluster.js,MarkerCluster.css,MarkerCluster.Default.css} leaflet.markercluster-1.5.3/package/MIT-LICENCE.txt "$out/leaflet.markercluster/"
# Leaflet.VectorGrid's bundled build carries its pbf and vector-tile decoders; the package
# has no licence file: its README states the licences (its own and the bundled ones').
vg=leaflet.vectorgrid-1.3.0/package
cp "$vg/dist/Leaflet.VectorGrid.bundled.min.js" "$out/leaflet.vectorgrid/"
{ echo "Leaflet.VectorGrid 1.3.0 (npm leaflet.vectorgrid), from its README.md:"; echo
  sed -n '/includes all of `VectorGrid`/,/If you are adding/p;/^## Legalese/,$p' "$vg/README.md"; } > "$out/leaflet.vectorgrid/LICENSE"
sha256sum *.tgz > "$out/SOURCES.sha256"
echo "vendored into $out"
