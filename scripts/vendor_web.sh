#!/usr/bin/env bash
# Vendor the radar page's JavaScript library and fonts from the npm registry (run by `make web`).
#
# Nothing is built: each package is fetched with `npm pack` at a pinned version, its tarball is
# checked against the pinned sha512 (the registry's `dist.integrity`), and only the files the
# page loads are copied, with the package's licence, into src/skyborder/web/static/vendor/.
# The output is committed; re-running this script reproduces it byte for byte.
#
#   package                 version  licence       files used
#   maplibre-gl             6.17.0   BSD-3-Clause  dist/maplibre-gl.mjs, dist/maplibre-gl-worker.mjs, dist/maplibre-gl.css
#   @fontsource/b612-mono   5.3.0    OFL-1.1       latin 400 and 700 (woff2): labels and figures
#   @fontsource/b612        5.3.0    OFL-1.1       latin 400 and 700 (woff2): the page's text
#
# MapLibre GL JS 6 ships as ES modules whose worker is a separate module file loaded from the
# same origin, and it has no eval/new Function: it runs under a CSP of script-src 'self' without
# 'unsafe-eval' and without blob: workers. B612 is the typeface designed for Airbus cockpit
# displays (legible at small sizes); the map draws its labels with it through MapLibre's
# local glyph rendering, so no glyph server is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=src/skyborder/web/static/vendor
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

fetch() {  # fetch NAME VERSION INTEGRITY -> prints the unpacked folder
  local name=$1 version=$2 integrity=$3 tarball got
  tarball=$(cd "$WORK" && npm pack --silent "$name@$version")
  got="sha512-$(openssl dgst -sha512 -binary "$WORK/$tarball" | base64 -w0)"
  if [ "$got" != "$integrity" ]; then
    echo "vendor_web: $name@$version: integrity $got, expected $integrity" >&2
    exit 1
  fi
  mkdir -p "$WORK/$tarball.d"
  tar -xzf "$WORK/$tarball" -C "$WORK/$tarball.d"
  echo "$WORK/$tarball.d/package"
}

rm -rf "$DEST"
mkdir -p "$DEST/maplibre-gl" "$DEST/b612-mono" "$DEST/b612"

pkg=$(fetch maplibre-gl 6.17.0 \
  'sha512-2chIZwpLGenoUQOcnm9Pk4SLbA8ppNFq8jlpXiq9vcYm3Y1wJ3fc82FL0GLwBaPYJCLzPv/mC46KEupVov75rQ==')
for file in maplibre-gl.mjs maplibre-gl-worker.mjs maplibre-gl.css; do
  # the source-map comment would make developer tools ask for a file that is not shipped
  sed -e '/^\/\/# sourceMappingURL=/d' -e 's#/\*\# sourceMappingURL=[^*]*\*/##' "$pkg/dist/$file" > "$DEST/maplibre-gl/$file"
done
cp "$pkg/LICENSE.txt" "$DEST/maplibre-gl/LICENSE.txt"

pkg=$(fetch @fontsource/b612-mono 5.3.0 \
  'sha512-G0Ihm+ekqqP5PZJ1zrx6GbeS2q4GDmYnM01zrNrPARRg64GoG0D2pTf+FsbDWvbg/9tVWFRmFIz8xYLjgFrUpg==')
cp "$pkg/files/b612-mono-latin-400-normal.woff2" "$pkg/files/b612-mono-latin-700-normal.woff2" "$DEST/b612-mono/"
cp "$pkg/LICENSE" "$DEST/b612-mono/LICENSE.txt"

pkg=$(fetch @fontsource/b612 5.3.0 \
  'sha512-2AQPrSFDI9K00w/lPlgfcqve+ZPdRSCttvVUxcmv+UrnwwaKLMym+/uXmM7+dgPCVBIV9omoXUabFoyBFpc1Vg==')
cp "$pkg/files/b612-latin-400-normal.woff2" "$pkg/files/b612-latin-700-normal.woff2" "$DEST/b612/"
cp "$pkg/LICENSE" "$DEST/b612/LICENSE.txt"

cat > "$DEST/VENDORED.md" <<'MANIFEST'
# Vendored files (written by scripts/vendor_web.sh; do not edit)

| folder | npm package | version | licence | files |
|---|---|---|---|---|
| maplibre-gl/ | maplibre-gl | 6.17.0 | BSD-3-Clause (LICENSE.txt) | dist/maplibre-gl.mjs, dist/maplibre-gl-worker.mjs, dist/maplibre-gl.css (source-map comments removed) |
| b612-mono/ | @fontsource/b612-mono | 5.3.0 | SIL Open Font License 1.1 (LICENSE.txt) | latin 400/700 woff2 |
| b612/ | @fontsource/b612 | 5.3.0 | SIL Open Font License 1.1 (LICENSE.txt) | latin 400/700 woff2 |

Each tarball was checked against its registry sha512 before use; see the script for the values.
MANIFEST
echo "vendor_web: wrote $(find "$DEST" -type f | wc -l) files to $DEST"
