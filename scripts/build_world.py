#!/usr/bin/env python3
"""Rebuild the embedded world airspace file from its public source.

Source: npm package ``@geo-maps/countries-maritime-10m`` 0.6.0 (OpenStreetMap snapshot of
November 2017, land + internal waters + territorial sea, 250 features keyed by ISO alpha-3
in property ``A3``).  Data licence: ODbL 1.0, (c) OpenStreetMap contributors.

Steps: fetch with ``npm pack`` (or take ``--source map.geo.json``), repair each geometry with
``shapely.make_valid(method="linework")`` (keeps enclaves such as San Marino right), keep full
resolution, record which overlaps are a sovereign/dependency hierarchy and which are real double
claims, write GeoParquet-style WKB + zstd to ``src/skyborder/airspace/data/world.parquet`` and the
double claims (with their areas) to ``double_claims.parquet`` beside it.

The double-claims rule: two features that overlap, neither a dependency of the other, are a
double claim when one polygon of their intersection covers at least ``MIN_CLAIM_KM2`` (1 km²,
geodesic area); the claimed area kept is the union of those polygons only. Smaller polygons are
digitising slivers along a shared border (RUS/FIN: 46 slivers, the largest 0.9 km², 3.3 km² in
all, is no claim) and the shared border line itself is no area at all. The claimed areas of
different pairs must not overlap (no place claimed by three states in this snapshot): the build
checks it, because detection adds up lengths inside them.

Usage: python scripts/build_world.py [--source PATH/map.geo.json] [--out PATH]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pyproj
import shapely

PACKAGE = "@geo-maps/countries-maritime-10m@0.6.0"
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "src/skyborder/airspace/data/world.parquet"
CLAIMS_FILE = "double_claims.parquet"  # written beside the world file

# Dependencies whose feature lies inside their sovereign's feature in this dataset: an overlap
# between these is a hierarchy, not a double claim.  (Sovereignty per the UN / ISO 3166 notes.)
SOVEREIGN_OF = {
    **dict.fromkeys(["PYF", "NCL", "WLF", "GLP", "MTQ", "GUF", "REU", "MYT", "SPM", "BLM", "MAF", "ATF"], "FRA"),
    **dict.fromkeys(["PRI", "VIR", "GUM", "ASM", "MNP", "UMI"], "USA"),
    **dict.fromkeys(["AIA", "BMU", "VGB", "CYM", "FLK", "GIB", "MSR", "PCN", "SHN", "SGS", "TCA", "IOT", "GGY", "JEY",
                     "IMN"], "GBR"),
    **dict.fromkeys(["ABW", "CUW", "SXM", "BES"], "NLD"),
    **dict.fromkeys(["GRL", "FRO"], "DNK"),
    **dict.fromkeys(["SJM", "BVT"], "NOR"),
    **dict.fromkeys(["CXR", "CCK", "NFK", "HMD"], "AUS"),
    **dict.fromkeys(["COK", "NIU", "TKL"], "NZL"),
    **dict.fromkeys(["HKG", "MAC"], "CHN"),
    "ALA": "FIN",
}
EXTRA_NAMES = {"XKX": "Kosovo"}
MIN_CLAIM_KM2 = 1.0


def fetch_source(workdir: Path) -> Path:
    """Download the npm tarball with ``npm pack`` and return the path of its map.geo.json."""
    subprocess.run(["npm", "pack", PACKAGE], cwd=workdir, check=True, capture_output=True)
    tarball = next(workdir.glob("*.tgz"))
    with tarfile.open(tarball) as tar:
        tar.extract("package/map.geo.json", workdir, filter="data")
    return workdir / "package" / "map.geo.json"


def country_name(code: str) -> str:
    import pycountry

    if code in EXTRA_NAMES:
        return EXTRA_NAMES[code]
    country = pycountry.countries.get(alpha_3=code)
    if country is None:
        raise SystemExit(f"{code}: not an ISO 3166 alpha-3 code; add its name to EXTRA_NAMES")
    return getattr(country, "common_name", None) or country.name


def polygonal_part(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep only the areal part of a repaired geometry (make_valid may add stray lines)."""
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if len(parts) > 1 else parts[0]


def classify_overlaps(codes: list[str], geoms: list) -> tuple[set, list]:
    """Split overlapping features into hierarchy pairs and double claims.

    Returns the hierarchy pairs and, per double claim, ``(a, b, area_km2, largest_km2, area)``:
    ``area`` is the union of the intersection polygons of at least MIN_CLAIM_KM2 (smaller ones
    are digitisation slivers along a shared border, not a claim), ``area_km2`` its geodesic area
    and ``largest_km2`` that of its largest polygon; sorted by area, largest first.
    """
    geod = pyproj.Geod(ellps="WGS84")
    tree = shapely.STRtree(geoms)
    hierarchy, claims = set(), []
    for i, j in zip(*tree.query(geoms, predicate="intersects")):
        if i >= j:
            continue
        a, b = codes[i], codes[j]
        if SOVEREIGN_OF.get(a) == b or SOVEREIGN_OF.get(b) == a:
            hierarchy.add((a, b))
            continue
        polygons = [p for p in shapely.get_parts(shapely.intersection(geoms[i], geoms[j]))
                    if p.geom_type == "Polygon"]
        areas = [abs(geod.geometry_area_perimeter(p)[0]) / 1e6 for p in polygons]
        kept = [(p, km2) for p, km2 in zip(polygons, areas) if km2 >= MIN_CLAIM_KM2]
        if kept:
            area = shapely.MultiPolygon([p for p, _ in kept])
            claims.append((a, b, sum(km2 for _, km2 in kept), max(km2 for _, km2 in kept), area))
    overlapping = [(x[:2], y[:2]) for k, x in enumerate(claims) for y in claims[k + 1:]
                   if shapely.area(shapely.intersection(x[4], y[4])) > 0.0]
    if overlapping:
        raise SystemExit(f"claimed areas of different pairs overlap (a place claimed by three states): "
                         f"{overlapping}; detection sums lengths inside them, extend the build first")
    return hierarchy, sorted(claims, key=lambda c: -c[2])


def geoparquet_meta(geometry_types: list[str]) -> bytes:
    """The GeoParquet ``geo`` metadata of a file with one WKB geometry column in lon/lat."""
    return json.dumps({"version": "1.0.0", "primary_column": "geometry", "columns": {
        "geometry": {"encoding": "WKB", "geometry_types": geometry_types, "crs": None, "edges": "planar"}}}).encode()


def write_claims(claims: list, out: Path) -> None:
    """The double claims as GeoParquet: claimants, areas (km²) and the claimed area."""
    table = pa.table({
        "claimant_a": [c[0] for c in claims],
        "claimant_b": [c[1] for c in claims],
        "area_km2": [c[2] for c in claims],
        "largest_km2": [c[3] for c in claims],
        "geometry": shapely.to_wkb([c[4] for c in claims]),
    }).replace_schema_metadata({
        b"source": PACKAGE.encode(),
        b"licence": b"ODbL 1.0, (c) OpenStreetMap contributors",
        b"rule": f"one intersection polygon >= {MIN_CLAIM_KM2:g} km2 between non-dependent features".encode(),
        b"geo": geoparquet_meta(["MultiPolygon"]),
    })
    pq.write_table(table, out, compression="zstd", compression_level=19)
    print(f"wrote {out} ({out.stat().st_size / 1e3:.0f} kB)")


def build(source: Path, out: Path) -> None:
    features = json.loads(source.read_text())["features"]
    codes = [f["properties"]["A3"] for f in features]
    raw = shapely.from_geojson([json.dumps(f["geometry"]) for f in features])
    invalid = int((~shapely.is_valid(raw)).sum())
    geoms = [polygonal_part(shapely.make_valid(g, method="linework")) if not shapely.is_valid(g) else g
             for g in raw]
    assert all(shapely.is_valid(geoms)), "repair failed"
    hierarchy, claims = classify_overlaps(codes, geoms)
    print(f"{len(features)} features, {invalid} repaired")
    print("hierarchy (dependency inside its sovereign):", sorted(hierarchy))
    print(f"double claims (an overlap polygon >= {MIN_CLAIM_KM2:.0f} km2):",
          [(c[0], c[1], round(c[2], 1)) for c in claims])
    in_hierarchy = {c for pair in hierarchy for c in pair}
    parent = [SOVEREIGN_OF.get(c) if c in in_hierarchy else None for c in codes]
    table = pa.table({
        "code": codes,
        "name": [country_name(c) for c in codes],
        "sovereign": parent,
        "geometry": shapely.to_wkb(geoms),
    })
    meta = {
        b"source": PACKAGE.encode(),
        b"licence": b"ODbL 1.0, (c) OpenStreetMap contributors",
        b"geo": geoparquet_meta(["Polygon", "MultiPolygon"]),
    }
    table = table.replace_schema_metadata(meta)
    out.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, out, compression="zstd", compression_level=19)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")
    write_claims(claims, out.with_name(CLAIMS_FILE))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="an already downloaded map.geo.json")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    if args.source:
        build(args.source, args.out)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            build(fetch_source(Path(tmp)), args.out)


if __name__ == "__main__":
    main()
