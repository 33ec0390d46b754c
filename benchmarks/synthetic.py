"""Synthetic, seeded air traffic for the benchmarks (no network, no real data needed).

Great-circle flights between random pairs of real airports, one fix every 5-10 s at 230 m/s
with a climb / cruise / descent altitude profile, plus border-hugging tracks that zig-zag a few
kilometres either side of real borders (Turkey-Syria, Estonia-Russia, Finland-Russia,
Lithuania/Poland-Kaliningrad, Ukraine-Russia around Crimea and the Kerch Strait): passage-dense.
``write_parquet`` writes any number of fixes in batches (bounded memory), sorted by track.
"""
from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from skyborder.airspace import world
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


@cache
def _border_lines() -> list[np.ndarray]:
    return [shared_border(a, b, box) for a, b, *box in BORDERS]


def border_huggers(n_points: int, rng: np.random.Generator, tracks: int = 0) -> pd.DataFrame:
    """Tracks zig-zagging 1-8 km either side of real borders, one fix every 5-10 s: at least
    ``n_points`` fixes and at least ``tracks`` tracks."""
    frames, total_points, k = [], 0, 0
    lines = _border_lines()
    while total_points < n_points or k < tracks:
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


def traffic(n_points: int, seed: int = 20151124, border_tracks: float = 0.05, prefix: str = "") -> pd.DataFrame:
    """A normalised track table of about ``n_points`` fixes, ``border_tracks`` of the tracks
    hugging borders (track ids start with ``prefix``)."""
    rng = np.random.default_rng(seed)
    planes = flights(n_points, rng)
    n_planes = planes["track_id"].nunique()
    huggers = border_huggers(0, rng, tracks=max(int(round(n_planes * border_tracks / (1 - border_tracks))), 1))
    table = pd.concat([planes, huggers], ignore_index=True)
    table["track_id"] = prefix + table["track_id"]
    return schema.normalize(table)


def write_parquet(path: str, n_points: int, seed: int = 20151124, border_tracks: float = 0.05,
                  batch_points: int = 1_000_000) -> int:
    """Write about ``n_points`` fixes of ``traffic`` to a Parquet file, sorted by track, generated
    in batches of about ``batch_points`` (memory bounded); returns the number of fixes."""
    written, k = 0, 0
    writer = None
    try:
        while written < n_points:
            table = traffic(min(batch_points, n_points - written), seed + k, border_tracks, prefix=f"{k:04d}")
            arrow = pa.Table.from_pandas(table, preserve_index=False)
            writer = writer or pq.ParquetWriter(path, arrow.schema)
            writer.write_table(arrow, row_group_size=250_000)
            written += len(table)
            k += 1
    finally:
        if writer is not None:
            writer.close()
    return written
