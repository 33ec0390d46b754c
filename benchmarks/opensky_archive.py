"""A generated archive in OpenSky's hourly state-vector layout, for the scan benchmark.

``YYYY-MM-DD/HH/states_YYYY-MM-DD-HH.parquet`` (OpenSky's dataset folders), one row per aircraft
every 10 s with OpenSky's 16 columns. Traffic over the Baltic region (lon 14-32 E, lat 53-61 N):
great-circle flights between random points at 200-250 m/s and 9-12 km (climbs and descents are
left out: the scan's cost does not depend on them), plus 5 % border-hugging aircraft that zig-zag
a few kilometres either side of the Estonia-Russia, Latvia-Russia and Lithuania-Kaliningrad
borders. Flights start uniformly over the period; an aircraft flies one flight. Everything is
vectorised with pyproj (one hour of 4 M rows takes a few seconds).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from skyborder.geodesy import GEOD

REGION = (14.0, 53.0, 32.0, 61.0)  # lon0, lat0, lon1, lat1
STEP_S = 10
START = "2019-06-03T00:00Z"
HUGGERS = [(27.3, 57.6, 28.2, 59.3), (27.4, 56.3, 28.2, 57.5), (21.0, 55.1, 22.8, 54.5)]  # along borders


@dataclass
class Flights:
    """The flights of an archive: start (s), duration (s), origin, azimuth (deg), speed (m/s), ..."""

    start: np.ndarray
    duration: np.ndarray
    lon0: np.ndarray
    lat0: np.ndarray
    azimuth: np.ndarray
    speed: np.ndarray
    alt: np.ndarray
    hugger: np.ndarray

    @classmethod
    def random(cls, rng: np.random.Generator, count: int, start_s: int, period_s: int) -> Flights:
        lon0, lat0, lon1, lat1 = REGION
        x0, y0 = rng.uniform(lon0, lon1, count), rng.uniform(lat0, lat1, count)
        x1, y1 = rng.uniform(lon0, lon1, count), rng.uniform(lat0, lat1, count)
        hugger = rng.random(count) < 0.05
        line = rng.integers(0, len(HUGGERS), count)
        ends = np.array(HUGGERS)[line]
        x0, y0 = np.where(hugger, ends[:, 0], x0), np.where(hugger, ends[:, 1], y0)
        x1, y1 = np.where(hugger, ends[:, 2], x1), np.where(hugger, ends[:, 3], y1)
        azimuth, _, distance = GEOD.inv(x0, y0, x1, y1)
        speed = np.where(hugger, rng.uniform(120, 160, count), rng.uniform(200, 250, count))
        duration = np.maximum(distance / speed, 600.0)
        start = start_s + rng.uniform(-duration, period_s, count)  # some already flying at the start
        return cls(start, duration, x0, y0, azimuth, speed, rng.uniform(9000, 12000, count), hugger)

    def __len__(self) -> int:
        return len(self.start)


def hour_rows(flights: Flights, hour_s: int, rng: np.random.Generator) -> pa.Table:
    """OpenSky rows (in time order) of every flight airborne during ``[hour_s, hour_s + 3600)``."""
    active = np.flatnonzero((flights.start < hour_s + 3600) & (flights.start + flights.duration > hour_s))
    phase = flights.start[active] % STEP_S
    first = np.maximum(hour_s + phase, flights.start[active] + ((hour_s - flights.start[active]) % STEP_S))
    first = np.maximum(first, flights.start[active])
    last = np.minimum(hour_s + 3600, flights.start[active] + flights.duration[active])
    counts = np.maximum(np.ceil((last - first) / STEP_S), 0).astype(np.int64)
    owner = np.repeat(active, counts)
    k = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    t = np.repeat(first, counts) + k * STEP_S
    t = t[t < hour_s + 3600]
    owner, k = owner[: len(t)], k[: len(t)]
    flown = (t - flights.start[owner]) * flights.speed[owner]
    lon, lat, back = GEOD.fwd(flights.lon0[owner], flights.lat0[owner], flights.azimuth[owner], flown)
    zig = flights.hugger[owner]
    if zig.any():  # +-4 km either side of the line, a 10-minute period
        side = 4000.0 * np.sin(2 * np.pi * t[zig] / 600.0)
        lon[zig], lat[zig], _ = GEOD.fwd(lon[zig], lat[zig], back[zig] + 90.0, side)
    n = len(t)
    order = np.argsort(t, kind="stable")
    # text made once per flight (a loop over flights, not fixes), as dictionary-encoded columns
    local = pa.array(np.searchsorted(active, owner)[order].astype(np.int32))
    icao = pa.DictionaryArray.from_arrays(local, pa.array([f"{0x400000 + i:06x}" for i in active]))
    callsign = pa.DictionaryArray.from_arrays(local, pa.array(
        [f"{'RRR' if flights.hugger[i] else 'BTI'}{i % 10000:04d}" for i in active]))
    baro = flights.alt[owner]
    no = np.zeros(n, bool)
    columns = {
        "time": np.floor(t).astype(np.int64), "icao24": icao, "lat": lat, "lon": lon,
        "velocity": flights.speed[owner], "heading": (back + 180.0) % 360.0, "vertrate": np.zeros(n),
        "callsign": callsign, "onground": no, "alert": no, "spi": no,
        "squawk": pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), pa.array(["2000"])),
        "baroaltitude": baro, "geoaltitude": baro + rng.normal(150, 30, n), "lastposupdate": t,
        "lastcontact": t + rng.uniform(0, 1, n)}
    return pa.table({name: values if isinstance(values, pa.Array) else pa.array(values[order])
                     for name, values in columns.items()})


def write(folder: str, positions: float, hours: int, seed: int = 0, start: str = START) -> list[str]:
    """Write an archive of about ``positions`` rows over ``hours`` hourly files; returns the paths."""
    rng = np.random.default_rng(seed)
    start_s = int(pd.Timestamp(start).value // 10**9)
    mean_duration = 2400.0  # s, measured for REGION
    count = int(positions * STEP_S / (hours * 3600) * (hours * 3600 + mean_duration) / mean_duration)
    flights = Flights.random(rng, count, start_s, hours * 3600)
    paths = []
    for h in range(hours):
        hour_s = start_s + h * 3600
        stamp = pd.Timestamp(hour_s, unit="s")
        path = os.path.join(folder, f"{stamp:%Y-%m-%d}", f"{stamp:%H}", f"states_{stamp:%Y-%m-%d-%H}.parquet")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        pq.write_table(hour_rows(flights, hour_s, rng), path,
                       row_group_size=500_000, compression="snappy")
        paths.append(path)
    return paths
