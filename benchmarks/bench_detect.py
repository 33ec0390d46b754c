"""Detection throughput on a synthetic, seeded world of traffic (points per second, printed).

Traffic: great-circle flights between random pairs of real airports, one fix every 5-10 s at
230 m/s with a climb / cruise / descent altitude profile, plus border-hugging tracks that
zig-zag a few kilometres either side of real borders (Turkey-Syria, Estonia-Russia, Finland-
Russia, Lithuania/Poland-Kaliningrad, Ukraine-Russia around Crimea and the Kerch Strait).

Measured, all against the 250 embedded countries, in one run on the same points:
  (a) ``AirspaceIndex.classify`` (point -> set of countries containing it);
  (b) end-to-end ``detect`` (crossings, passages, depth, near misses), on randomly chosen
      whole tracks (``--detect-points``);
  (c) a geopandas ``sjoin`` baseline (points within country polygons), on a subset, scaled;
plus the index build time (and its load from the disk cache) and peak resident memory.

Run: .venv/bin/python benchmarks/bench_detect.py [--points N] [--quick]
"""
from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time

import numpy as np
import pandas as pd
import shapely

from skyborder.airspace import world
from skyborder.airspace.index import AirspaceIndex
from skyborder.detection import detect, distance
from skyborder.geodesy import GEOD, wrap_lon
from skyborder.tracks import schema

SPEED_MPS = 230.0
CRUISE_M = 11_000.0
CLIMB_M = 150_000.0  # ground distance of the climb (and of the descent)

# (name, lat, lon) of airports / cities: long-haul hubs and the regions of interest
AIRPORTS = [
    ("London", 51.47, -0.45), ("Paris", 49.01, 2.55), ("Frankfurt", 50.04, 8.56),
    ("Istanbul", 41.26, 28.74), ("Ankara", 40.13, 32.99), ("Adana", 36.98, 35.28),
    ("Hatay", 36.36, 36.28), ("Gaziantep", 36.95, 37.48), ("Damascus", 33.41, 36.52),
    ("Aleppo", 36.18, 37.22), ("Latakia", 35.40, 35.95), ("Beirut", 33.82, 35.49),
    ("Tel Aviv", 32.01, 34.89), ("Amman", 31.72, 35.99), ("Baghdad", 33.26, 44.23),
    ("Tehran", 35.42, 51.15), ("Dubai", 25.25, 55.36), ("Doha", 25.27, 51.61),
    ("Cairo", 30.12, 31.41), ("Moscow", 55.97, 37.41), ("St Petersburg", 59.80, 30.26),
    ("Tallinn", 59.41, 24.83), ("Riga", 56.92, 23.97), ("Vilnius", 54.63, 25.29),
    ("Kaliningrad", 54.89, 20.59), ("Helsinki", 60.32, 24.96), ("Stockholm", 59.65, 17.92),
    ("Warsaw", 52.17, 20.97), ("Kyiv", 50.35, 30.89), ("Simferopol", 45.05, 33.98),
    ("Sochi", 43.45, 39.96), ("Tbilisi", 41.67, 44.95), ("Athens", 37.94, 23.94),
    ("Rome", 41.80, 12.25), ("Madrid", 40.47, -3.56), ("Casablanca", 33.37, -7.59),
    ("Lagos", 6.58, 3.32), ("Nairobi", -1.32, 36.93), ("Johannesburg", -26.14, 28.24),
    ("Delhi", 28.56, 77.10), ("Beijing", 40.08, 116.58), ("Tokyo", 35.55, 139.78),
    ("Singapore", 1.36, 103.99), ("Sydney", -33.95, 151.18), ("Auckland", -37.01, 174.79),
    ("Nadi", -17.76, 177.44), ("Anchorage", 61.17, -150.00), ("New York", 40.64, -73.78),
    ("Los Angeles", 33.94, -118.41), ("Mexico City", 19.44, -99.07), ("Sao Paulo", -23.43, -46.47),
    ("Buenos Aires", -34.82, -58.54), ("Lima", -12.02, -77.11),
]

# (country a, country b, lon0, lat0, lon1, lat1): where to hug their common border
BORDERS = [
    ("TUR", "SYR", 35.5, 35.7, 42.5, 37.5), ("EST", "RUS", 26.9, 57.5, 28.5, 59.6),
    ("FIN", "RUS", 27.0, 60.3, 31.7, 69.0), ("LTU", "RUS", 20.9, 54.3, 22.9, 55.4),
    ("POL", "RUS", 19.2, 54.2, 22.9, 54.5), ("UKR", "RUS", 35.0, 44.5, 37.5, 46.5),
]


def _altitude(s: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Climb / cruise / descent profile (metres) from distance flown and flight length (m)."""
    climb = np.minimum(s, CLIMB_M) / CLIMB_M
    descent = np.minimum(total - s, CLIMB_M) / CLIMB_M
    return CRUISE_M * np.clip(np.minimum(climb, descent), 0.0, 1.0)


def flights(n_points: int, rng: np.random.Generator) -> pd.DataFrame:
    """Great-circle flights between random airport pairs, ``n_points`` fixes in all."""
    lat = np.array([a[1] for a in AIRPORTS])
    lon = np.array([a[2] for a in AIRPORTS])
    frames, total_points, k = [], 0, 0
    while total_points < n_points:
        batch = 50
        a = rng.integers(0, len(AIRPORTS), batch)
        b = (a + rng.integers(1, len(AIRPORTS), batch)) % len(AIRPORTS)
        az, _, dist = GEOD.inv(lon[a], lat[a], lon[b], lat[b])
        steps = [np.cumsum(np.r_[0.0, rng.uniform(5.0, 10.0, int(d / (7.5 * SPEED_MPS)) + 1)]) for d in dist]
        steps = [t[t * SPEED_MPS <= d] for t, d in zip(steps, dist)]
        count = np.array([len(t) for t in steps])
        owner = np.repeat(np.arange(batch), count)
        t = np.concatenate(steps)
        s = t * SPEED_MPS
        plon, plat, _ = GEOD.fwd(lon[a][owner], lat[a][owner], az[owner], s)
        start = rng.uniform(0, 86_400, batch)[owner]
        frames.append(pd.DataFrame({
            "time": 1448323200.0 + start + t, "track_id": [f"F{k + i:06d}" for i in owner],
            "lat": plat, "lon": wrap_lon(plon), "alt_m": _altitude(s, dist[owner])}))
        total_points += len(t)
        k += batch
    return pd.concat(frames, ignore_index=True)


def shared_border(a: str, b: str, box: tuple[float, float, float, float]) -> np.ndarray:
    """Vertices (n, 2) of the longest piece of the common border of two countries in a box."""
    window = shapely.box(*box)
    ga = shapely.intersection(world.country(a).geometry, window)
    gb = shapely.intersection(world.country(b).geometry, window)
    common = shapely.line_merge(shapely.intersection(ga.boundary, gb.boundary))
    lines = [g for g in shapely.get_parts(common) if g.geom_type == "LineString"]
    return np.asarray(max(lines, key=lambda g: g.length).coords)


def border_huggers(n_points: int, rng: np.random.Generator) -> pd.DataFrame:
    """Tracks zig-zagging 1-8 km either side of real borders, one fix every 5-10 s."""
    frames, total_points, k = [], 0, 0
    lines = [shared_border(a, b, box) for a, b, *box in BORDERS]
    while total_points < n_points:
        line = lines[k % len(lines)]
        seglen = GEOD.inv(line[:-1, 0], line[:-1, 1], line[1:, 0], line[1:, 1])[2]
        along = np.r_[0.0, np.cumsum(seglen)]
        t = np.cumsum(np.r_[0.0, rng.uniform(5.0, 10.0, int(along[-1] / (7.5 * SPEED_MPS)) + 1)])
        s = t * SPEED_MPS
        s = s[s <= along[-1]]
        x, y = np.interp(s, along, line[:, 0]), np.interp(s, along, line[:, 1])
        heading = np.degrees(np.arctan2(np.gradient(x) * np.cos(np.radians(y)), np.gradient(y)))
        offset = 1_000.0 + 7_000.0 * np.abs(np.sin(s / rng.uniform(20_000.0, 60_000.0)))
        side = np.where(np.sin(s / rng.uniform(30_000.0, 90_000.0) + rng.uniform(0, 6.3)) > 0, 90.0, -90.0)
        plon, plat, _ = GEOD.fwd(x, y, heading + side, offset)
        frames.append(pd.DataFrame({
            "time": 1448323200.0 + rng.uniform(0, 86_400) + t[:len(s)], "track_id": f"B{k:05d}",
            "lat": plat, "lon": plon, "alt_m": rng.uniform(3_000.0, 9_000.0)}))
        total_points += len(s)
        k += 1
    return pd.concat(frames, ignore_index=True)


def traffic(n_points: int, seed: int = 20151124, border_share: float = 0.2) -> pd.DataFrame:
    """A normalised track table of about ``n_points`` fixes."""
    rng = np.random.default_rng(seed)
    n_border = int(n_points * border_share)
    table = pd.concat([flights(n_points - n_border, rng), border_huggers(n_border, rng)], ignore_index=True)
    return schema.normalize(table)


def track_subset(table: pd.DataFrame, n_points: int, seed: int = 3) -> pd.DataFrame:
    """Randomly chosen whole tracks of about ``n_points`` fixes (the mix of the full table)."""
    sizes = table.groupby("track_id", sort=False).size()
    order = np.random.default_rng(seed).permutation(len(sizes))
    take = order[:np.searchsorted(np.cumsum(sizes.to_numpy()[order]), n_points) + 1]
    return table[table["track_id"].isin(sizes.index[take])].reset_index(drop=True)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def sjoin_rate(airspaces, lon: np.ndarray, lat: np.ndarray) -> float:
    """Points per second of geopandas ``sjoin`` (points within country polygons)."""
    import geopandas as gpd

    countries = gpd.GeoDataFrame({"code": [a.name for a in airspaces]},
                                 geometry=[a.geometry for a in airspaces], crs="EPSG:4326")
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    gpd.sjoin(points.iloc[:1000], countries, predicate="within")  # builds the tree once
    start = time.perf_counter()
    gpd.sjoin(points, countries, predicate="within")
    return len(lon) / (time.perf_counter() - start)


class StageTimer:
    """Wall time spent in named functions of a module while active (wraps, then restores them)."""

    def __init__(self, module, names: list[str]):
        self.module, self.names, self.seconds = module, names, dict.fromkeys(names, 0.0)

    def __enter__(self) -> StageTimer:
        self.saved = {name: getattr(self.module, name) for name in self.names}
        for name, fn in self.saved.items():
            def timed(*args, _fn=fn, _name=name, **kwargs):
                start = time.perf_counter()
                try:
                    return _fn(*args, **kwargs)
                finally:
                    self.seconds[_name] += time.perf_counter() - start
            setattr(self.module, name, timed)
        return self

    def __exit__(self, *exc) -> None:
        for name, fn in self.saved.items():
            setattr(self.module, name, fn)


def best_of(repeat: int, fn) -> float:
    """Shortest wall time (s) of ``repeat`` calls."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=3_000_000, help="fixes to generate (default 3 M)")
    parser.add_argument("--sjoin-points", type=int, default=200_000, help="subset for the sjoin baseline")
    parser.add_argument("--detect-points", type=int, default=200_000,
                        help="whole tracks of about this many fixes for end-to-end detect (default 200 k)")
    parser.add_argument("--quick", action="store_true", help="300 k fixes, 50 k for detect and for sjoin")
    args = parser.parse_args()
    if args.quick:
        args.points, args.detect_points, args.sjoin_points = 300_000, 50_000, 50_000

    start = time.perf_counter()
    airspaces = list(world.countries().values())
    load_s = time.perf_counter() - start
    rss_before = peak_rss_mb()
    with tempfile.TemporaryDirectory() as cache:  # a cold build, then a load from the disk cache
        os.environ["SKYBORDER_CACHE"] = cache
        start = time.perf_counter()
        index = AirspaceIndex(airspaces)
        build_s = time.perf_counter() - start
        start = time.perf_counter()
        AirspaceIndex(airspaces)
        cached_s = time.perf_counter() - start
    start = time.perf_counter()
    _ = index.edge_cells
    edge_s = time.perf_counter() - start
    rss_index = peak_rss_mb()

    start = time.perf_counter()
    table = traffic(args.points)
    gen_s = time.perf_counter() - start
    n = len(table)
    lon, lat = table["lon"].to_numpy(), table["lat"].to_numpy()
    n_tracks = table["track_id"].nunique()

    index.classify(lon[:10_000], lat[:10_000])  # warm-up
    classify_s = best_of(3, lambda: index.classify(lon, lat))
    subset = track_subset(table, args.detect_points) if args.detect_points < n else table
    with StageTimer(distance, ["max_depth", "closest_approaches"]) as stages:
        start = time.perf_counter()
        result = detect(subset, index, max_gap_s=60.0, near_m=20_000.0)
        detect_s = time.perf_counter() - start
    depth_s, near_s = stages.seconds["max_depth"], stages.seconds["closest_approaches"]
    rest_s = detect_s - depth_s - near_s
    pick = np.random.default_rng(7).choice(n, size=min(args.sjoin_points, n), replace=False)
    sjoin_pps = sjoin_rate(airspaces, lon[pick], lat[pick])

    classify_pps, detect_pps = n / classify_s, len(subset) / detect_s
    passages = int((result["status"] != "near").sum())
    rows = [
        ("world dataset load", f"{load_s:.2f} s", ""),
        ("index build (grid)", f"{build_s:.2f} s", f"peak RSS +{rss_index - rss_before:.0f} MB (with edges)"),
        ("index from disk cache", f"{cached_s:.2f} s", "a second process with the same dataset"),
        ("index build (edge grid)", f"{edge_s:.2f} s", ""),
        ("traffic generated", f"{n:,} fixes", f"{n_tracks:,} tracks in {gen_s:.1f} s"),
        ("(a) classify", f"{classify_pps / 1e6:.2f} M pts/s", f"{classify_s:.3f} s, best of 3"),
        ("(b) detect end-to-end", f"{detect_pps / 1e6:.2f} M pts/s",
         f"{detect_s:.2f} s on {len(subset):,} fixes: {passages:,} passages, {len(result) - passages:,} near"),
        ("    of which max depth", f"{depth_s:.2f} s", f"{1e3 * depth_s / max(passages, 1):.1f} ms per passage"),
        ("    of which near misses", f"{near_s:.2f} s", ""),
        ("    the rest", f"{rest_s:.2f} s", f"{len(subset) / rest_s / 1e6:.2f} M pts/s (classify, crossings, "
                                            "passages, table)"),
        ("(c) geopandas sjoin", f"{sjoin_pps / 1e6:.3f} M pts/s", f"on {len(pick):,} of the fixes"),
        ("classify / sjoin", f"{classify_pps / sjoin_pps:.0f} x", "target >= 300 x"),
        ("detect / sjoin", f"{detect_pps / sjoin_pps:.2f} x", "target: detect >= 30 M pts/s"),
        ("peak RSS", f"{peak_rss_mb():.0f} MB", ""),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"\nskyborder detection benchmark: {n:,} fixes, 250 countries")
    for name, value, note in rows:
        print(f"  {name:<{width}}  {value:>16}  {note}")


if __name__ == "__main__":
    main()
