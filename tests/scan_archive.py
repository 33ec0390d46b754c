"""Small seeded OpenSky-style archives for the scan tests, and the in-memory answer they must give.

Aircraft fly random walks through three zones near 10 E 50 N (one with a floor and a ceiling),
one fix every 5-15 s, some with coverage gaps; the fixes, in time order, are cut at random into
files (Parquet with small row groups, or CSV), some cut files get a random slice of their
neighbour's rows again (overlapping files, repeated fixes), and some files are shuffled.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from skyborder import detect, read_zones
from skyborder.scan.archive import find_files
from skyborder.tracks.nationality import annotate
from skyborder.tracks.readers.sniff import read_tracks

START_S = int(pd.Timestamp("2017-06-05T12:00Z").value // 10**9)
ZONES = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"name": "BOXA"},
     "geometry": {"type": "Polygon", "coordinates": [[[10, 50], [10.3, 50], [10.3, 50.2], [10, 50.2], [10, 50]]]}},
    {"type": "Feature", "properties": {"name": "TRI", "floor_m": 2000, "ceiling_m": 4000},
     "geometry": {"type": "Polygon", "coordinates": [[[10.5, 49.9], [10.9, 49.9], [10.7, 50.4], [10.5, 49.9]]]}},
    {"type": "Feature", "properties": {"name": "HOLE"},
     "geometry": {"type": "Polygon", "coordinates": [[[9.8, 50.1], [10.6, 50.1], [10.6, 50.5], [9.8, 50.5], [9.8, 50.1]],
                                                     [[10.1, 50.2], [10.3, 50.2], [10.3, 50.4], [10.1, 50.4],
                                                      [10.1, 50.2]]]}},
]}
MILITARY = "RRR"  # a military callsign prefix (tracks/data/military_callsigns.csv)


def fixes(rng: np.random.Generator, aircraft: int = 24, hours: float = 3.0) -> pd.DataFrame:
    """OpenSky state-vector rows of ``aircraft`` random walks over ``hours`` hours, in time order."""
    frames = []
    for k in range(aircraft):
        n = int(rng.integers(40, 300))
        step = rng.uniform(5, 15, n)
        step[rng.random(n) < 0.01] = rng.uniform(70, 400)  # coverage gaps
        t = START_S + rng.uniform(0, hours * 3600 - step.sum()) + np.cumsum(step)
        heading = rng.uniform(0, 2 * np.pi) + np.cumsum(rng.normal(0, 0.05, n))
        lat = 50.2 + rng.uniform(-0.4, 0.4) + np.cumsum(0.01 * np.cos(heading))
        lon = 10.4 + rng.uniform(-0.6, 0.6) + np.cumsum(0.015 * np.sin(heading))
        alt = np.clip(3000 + np.cumsum(rng.normal(0, 60, n)), 0, None)
        alt[rng.random(n) < 0.03] = np.nan
        callsign = np.where(rng.random(n) < 0.1, None, f"{MILITARY if k % 5 == 0 else 'DLH'}{k:03d}  ")
        frames.append(pd.DataFrame({
            "time": np.floor(t).astype(np.int64), "icao24": f"{0x3c4000 + k * 97:06x}", "lat": lat, "lon": lon,
            "velocity": 200.0, "heading": np.degrees(heading) % 360, "vertrate": 0.0, "callsign": callsign,
            "onground": False, "alert": False, "spi": False, "squawk": "1000", "baroaltitude": alt,
            "geoaltitude": alt + 120.0, "lastposupdate": t, "lastcontact": t}))
    return pd.concat(frames, ignore_index=True).sort_values("time", kind="stable").reset_index(drop=True)


def write_archive(folder: Path, rows: pd.DataFrame, rng: np.random.Generator, files: int = 10) -> Path:
    """``rows`` cut at random into ``files`` files (CSV or Parquet), some overlapping and shuffled."""
    folder.mkdir(parents=True, exist_ok=True)
    cuts = np.sort(rng.choice(np.arange(1, len(rows)), files - 1, replace=False))
    bounds = list(zip(np.r_[0, cuts], np.r_[cuts, len(rows)]))
    for i, (lo, hi) in enumerate(bounds):
        part = rows.iloc[lo:hi]
        if i and rng.random() < 0.3:  # overlap: part of the previous file again
            prev_lo, prev_hi = bounds[i - 1]
            part = pd.concat([rows.iloc[max(prev_lo, prev_hi - int(rng.integers(1, 50))):prev_hi], part])
        if rng.random() < 0.3:
            part = part.sample(frac=1.0, random_state=int(rng.integers(1 << 30)))
        if i % 3 == 1:
            part.to_csv(folder / f"part-{i:03d}.csv", index=False)
        else:
            part.to_parquet(folder / f"part-{i:03d}.parquet", row_group_size=int(rng.integers(50, 400)), index=False)
    return folder


def write_zones(path: Path) -> str:
    path.write_text(json.dumps(ZONES))
    return str(path)


def in_memory(archive: list[str], zones: str, since: str | None = None, until: str | None = None,
              icao24: set[str] | None = None, callsign_prefix: str | None = None,
              near_m: float = 20_000.0) -> pd.DataFrame:
    """The answer of one in-memory run: every file read in the scan's order, repeated fixes dropped
    (the first kept), filtered, nationality added, ``detect`` once."""
    tracks = pd.concat([read_tracks(f.path) for f in find_files(archive)], ignore_index=True)
    tracks = tracks.drop_duplicates(["track_id", "time"], keep="first")
    if since is not None:
        tracks = tracks[tracks["time"] >= pd.Timestamp(since, tz="UTC")]
    if until is not None:
        tracks = tracks[tracks["time"] < pd.Timestamp(until, tz="UTC")]
    if icao24 is not None:
        tracks = tracks[tracks["icao24"].isin(icao24)]
    if callsign_prefix is not None:
        hits = tracks["callsign"].str.strip().str.upper().str.startswith(callsign_prefix).fillna(False)
        tracks = tracks[tracks["track_id"].isin(set(tracks.loc[hits.to_numpy(bool), "track_id"]))]
    result = detect(annotate(tracks.reset_index(drop=True)), read_zones(zones), near_m=near_m)
    order = result["entry_time"].fillna(result["exit_time"]).fillna(result["closest_approach_time"])
    result = result.assign(_order=order).sort_values(["track_id", "airspace", "_order"], kind="stable")
    return result.drop(columns="_order").reset_index(drop=True)


DEGREES = ("entry_lat", "entry_lon", "exit_lat", "exit_lon", "max_depth_lat", "max_depth_lon", "closest_approach_lat",
           "closest_approach_lon")


def assert_same_passages(scanned: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Row for row the same passages: text, counts and lists exactly; times within 1 ms, metres
    and seconds within 1 cm / 1 ms, degrees within 1e-7 (1 cm): the stream detector's stated
    agreement with one in-memory run."""
    assert len(scanned) == len(expected)
    assert list(scanned.columns) == list(expected.columns)
    for column in expected.columns:
        got, want = scanned[column].reset_index(drop=True), expected[column].reset_index(drop=True)
        if pd.api.types.is_datetime64_any_dtype(want):
            delta = (got - want).abs().dt.total_seconds()
            assert ((delta <= 1e-3) | (got.isna() & want.isna())).all(), column
        elif pd.api.types.is_float_dtype(want):
            tol = 1e-7 if column in DEGREES else 1e-2
            a, b = got.to_numpy(float), want.to_numpy(float)
            assert np.allclose(a, b, rtol=0, atol=tol, equal_nan=True), column
        else:
            assert [list(v) if column == "disputed_with" else v for v in got.astype(object)] == \
                   [list(v) if column == "disputed_with" else v for v in want.astype(object)], column
