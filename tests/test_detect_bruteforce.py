"""`skyborder detect` on an OpenSky CSV against a brute-force geodesic computation.

The reference samples every track's geodesic legs every 0.5 m (pyproj Geod.fwd) and classifies
each sample with shapely.contains_xy on the embedded boundary; an entry/exit is the midpoint
between the last sample on one side and the first on the other. Tolerances: 0.1 s and 1 m.
"""
import json

import numpy as np
import pandas as pd
import pytest

import reference
from skyborder.airspace import world
from skyborder.cli import main
from skyborder.geodesy import GEOD

T0 = pd.Timestamp("2015-11-24T07:20:00Z").timestamp()


def opensky_rows(icao24, callsign, lons, lats, step_s, alt):
    n = len(lons)
    t = T0 + np.arange(n) * step_s
    rows = pd.DataFrame({
        "time": np.floor(t).astype(int), "icao24": icao24, "lat": lats, "lon": lons, "velocity": 250.0,
        "heading": 270.0, "vertrate": 0.0, "callsign": callsign, "onground": False, "alert": False,
        "spi": False, "squawk": "7000", "baroaltitude": alt, "geoaltitude": alt,
        "lastposupdate": t, "lastcontact": t,
    })
    return rows


TRACKS = {
    # westward across the tip of the Hatay salient (Yayladagi), radar-like 4 s fixes
    "155a01": (np.linspace(36.30, 35.80, 60), np.linspace(35.80, 35.86, 60), 4.0),
    # a zig-zag along the border further east, 10 s fixes
    "155a02": (np.r_[np.linspace(36.40, 36.60, 8)], np.array([36.10, 36.25, 36.05, 36.30, 36.00, 36.28, 36.02, 36.26]), 10.0),
    # north-south through the salient
    "155a03": (np.linspace(36.10, 36.00, 30), np.linspace(36.00, 35.70, 30), 5.0),
}


@pytest.fixture(scope="module")
def opensky_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("opensky") / "states.csv"
    frames = [opensky_rows(k, "RFF" + k[-3:], lon, lat, dt, 5791.0) for k, (lon, lat, dt) in TRACKS.items()]
    pd.concat(frames).to_csv(path, index=False)
    return path


def test_cli_matches_brute_force(opensky_csv, tmp_path, capsys):
    out = tmp_path / "passages.json"
    assert main(["detect", str(opensky_csv), "--airspace", "TUR,SYR", "--format", "json",
                 "--output", str(out), "--near", "0"]) == 0
    result = json.loads(out.read_text())
    compared = 0
    for icao, (lons, lats, dt) in TRACKS.items():
        t = T0 + np.arange(len(lons)) * dt
        for code in ("TUR", "SYR"):
            geometry = world.country(code).geometry
            expected = reference.passages(geometry, lons, lats, t, step_m=0.5)
            got = [p for p in result if p["track_id"] == icao and p["airspace"] == code]
            assert len(got) == len(expected), (icao, code)
            for p, (t_in, t_out, s_in, s_out) in zip(got, expected):
                if t_in is not None:
                    assert abs(pd.Timestamp(p["entry_time"]).timestamp() - t_in) < 0.1
                    _assert_on_path(lons, lats, s_in, p["entry_lon"], p["entry_lat"])
                    compared += 1
                if t_out is not None:
                    assert abs(pd.Timestamp(p["exit_time"]).timestamp() - t_out) < 0.1
                    _assert_on_path(lons, lats, s_out, p["exit_lon"], p["exit_lat"])
                    compared += 1
                if t_in is not None and t_out is not None:
                    assert abs(p["length_inside_m"] - (s_out - s_in)) < 1.0
    assert compared >= 8


def _assert_on_path(lons, lats, s, lon, lat):
    """The reported point is within 1 m of the reference point s metres along the path."""
    x, y, _, ss = reference.sample_path(np.asarray(lons), np.asarray(lats), np.zeros(len(lons)), 0.5)
    k = int(np.argmin(np.abs(ss - s)))
    assert GEOD.inv(x[k], y[k], lon, lat)[2] < 1.0


def test_depth_matches_brute_force():
    lons, lats, dt = TRACKS["155a01"]
    from skyborder.detection import detect

    table = reference.track(lons, lats, dt_s=dt)
    result = detect(table, [world.country("TUR")], near_m=0)
    assert len(result) == 1
    p = result.iloc[0]
    # reference: the deepest of path samples every 2 m, each measured to the boundary densified at 1 m,
    # then refined at 0.25 m around the best
    x, y, _, s = reference.sample_path(lons, lats, np.arange(len(lons)) * dt, 2.0)
    inside = np.flatnonzero((s > s.min()) & reference.shapely.contains_xy(world.country("TUR").geometry, x, y))
    geometry = world.country("TUR").geometry
    local = reference.shapely.clip_by_rect(geometry, 35.7, 35.6, 36.5, 36.2)
    coarse = [reference.boundary_distance(local, x[k], y[k], step_m=5.0) for k in inside[::10]]
    best = inside[::10][int(np.argmax(coarse))]
    window = inside[(inside >= best - 12) & (inside <= best + 12)]
    fine = max(reference.boundary_distance(local, x[k], y[k], step_m=0.5) for k in window)
    assert abs(p.max_depth_m - fine) < 1.5  # 2 m path sampling: the maximum is missed by < 1 m
