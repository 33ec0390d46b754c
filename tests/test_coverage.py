"""Coverage: line of sight on a 4/3 Earth against closed forms, terrain masking against the
textbook knife-edge geometry, border stretches against a planar intersection, first sight against
the time a track reaches the horizon range.

Independent answers: the clear-sky horizon k R (acos(k R / (k R + h1)) + acos(k R / (k R + h2)));
the height of a ray above a curved Earth at distance x of D, h1 + (h2 - h1) x / D - x (D - x) / (2 k R)
(the parabolic approximation, good to a few metres here); shapely's intersection of the boundary with
the horizon disc in an azimuthal equidistant plane.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from skyborder.airspace.model import Airspace
from skyborder.analysis.coverage import (
    CLEARANCE_TOL_M,
    Site,
    border_coverage,
    clearance_m,
    first_sight,
    horizon_range_m,
)
from skyborder.analysis.terrain import Terrain
from skyborder.cli import main

GEOD = pyproj.Geod(ellps="WGS84")
RE = 4.0 / 3.0 * 6_371_008.8


def closed_form(h1: float, h2: float) -> float:
    return RE * (math.acos(RE / (RE + h1)) + math.acos(RE / (RE + h2)))


@pytest.mark.parametrize("h1, h2", [(10.0, 0.0), (450.0, 5791.2), (30.0, 300.0), (1200.0, 12000.0)])
def test_line_of_sight_meets_the_closed_form_horizon(h1, h2):
    site = Site(36.0, 36.0, h1)
    lo, hi = 1_000.0, 800_000.0
    for _ in range(50):  # bisection on the sampled ray: the farthest range still seen
        mid = (lo + hi) / 2
        lon, lat, _ = GEOD.fwd(36.0, 36.0, 123.0, mid)
        if clearance_m(site, np.array([lon]), np.array([lat]), np.array([h2]), profile_step_m=50.0)[0] >= -CLEARANCE_TOL_M:
            lo = mid
        else:
            hi = mid
    assert lo == pytest.approx(closed_form(h1, h2), rel=5e-4)
    assert float(horizon_range_m(h1, h2)) == pytest.approx(closed_form(h1, h2), rel=1e-12)


def write_ridge(tmp_path, height: float, lon_ridge: float) -> str:
    """An ESRI ASCII grid at 0.001 deg: flat at 0 m except a north-south wall at ``lon_ridge``."""
    cols, rows, cell = 700, 200, 0.001
    grid = np.zeros((rows, cols))
    j = int(round((lon_ridge - 36.0) / cell))
    grid[:, j - 1:j + 2] = height
    path = tmp_path / f"ridge_{height:.0f}.asc"
    header = f"ncols {cols}\nnrows {rows}\nxllcenter 36.0\nyllcenter 35.9\ncellsize {cell}\nNODATA_value -9999\n"
    path.write_text(header + "\n".join(" ".join(f"{v:g}" for v in row) for row in grid))
    return str(path)


def test_a_ridge_masks_what_the_knife_edge_geometry_says(tmp_path):
    site = Site(36.0, 36.0, 100.0)
    target_lon, target_alt, ridge_lon = 36.6, 1500.0, 36.3
    d = GEOD.inv(36.0, 36.0, target_lon, 36.0)[2]
    x = GEOD.inv(36.0, 36.0, ridge_lon, 36.0)[2]
    ray = site.height_m + (target_alt - site.height_m) * x / d - x * (d - x) / (2 * RE)
    for offset, visible in ((-40.0, True), (40.0, False)):
        terrain = Terrain.read([write_ridge(tmp_path, ray + offset, ridge_lon)])
        assert terrain.height(np.array([ridge_lon]), np.array([36.0]))[0] == pytest.approx(ray + offset)
        clear = clearance_m(site, np.array([target_lon]), np.array([36.0]), np.array([target_alt]), terrain,
                            profile_step_m=20.0)[0]
        assert (clear >= 0) == visible
        assert clear == pytest.approx(-offset, abs=15.0)


def test_srtm_tiles_are_read_bilinearly(tmp_path):
    side = 1201
    i, j = np.mgrid[0:side, 0:side]
    heights = (1000 + 2 * j - i).astype(">i2")  # rises east, falls south... per sample
    heights[0, 0] = -32768  # a void in the north-west corner
    path = tmp_path / "N35E036.hgt"
    heights.tofile(path)
    terrain = Terrain.read([str(path)])
    lon, lat = np.array([36.5, 36.25 + 0.5 / 1200]), np.array([35.5, 35.75])
    expected = 1000 + 2 * (lon - 36.0) * 1200 - (36.0 - lat) * 1200
    assert np.allclose(terrain.height(lon, lat), expected, atol=1e-6)
    assert terrain.height(np.array([37.5]), np.array([35.5]))[0] == 0.0  # no tile: sea level


def test_border_seen_is_the_boundary_within_the_horizon():
    zone = Airspace("SQ", shapely.box(20.0, 40.0, 24.0, 43.0))
    site = Site(21.0, 41.0, 300.0)
    altitude = 3000.0
    cov = border_coverage([site], zone, altitude, step_m=250.0)
    crs = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={site.lat} +lon_0={site.lon} +datum=WGS84 +units=m")
    to_plane = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    boundary = shapely.transform(shapely.segmentize(zone.geometry.boundary, 0.002), to_plane.transform,
                                 interleaved=False)
    disc = shapely.Point(0, 0).buffer(closed_form(site.height_m, altitude), quad_segs=512)
    expected_km = shapely.intersection(boundary, disc).length / 1000
    assert cov.seen_km()[0] == pytest.approx(expected_km, abs=2 * 0.25 + 0.002 * expected_km)
    assert len(cov.stretches(0)) == 1


def test_first_sight_is_when_the_track_reaches_the_horizon():
    site = Site(30.0, 40.0, 200.0, "S")
    altitude = 6000.0
    horizon = closed_form(site.height_m, altitude)
    n, every, speed = 80, 10.0, 250.0
    start = GEOD.fwd(30.0, 40.0, 90.0, horizon + 10_000.0)
    lon, lat, _ = GEOD.fwd(np.full(n, start[0]), np.full(n, start[1]), np.full(n, 270.0), speed * every * np.arange(n))
    track = pd.DataFrame({"time": pd.Timestamp("2021-01-01T00:00:00Z") + pd.to_timedelta(every * np.arange(n), "s"),
                          "track_id": "T", "lat": lat, "lon": lon, "alt_m": altitude})
    sight = first_sight([site], track).iloc[0]
    # independent: bisection along the track for the time its distance equals the horizon
    lo, hi = 0.0, (n - 1) * every
    for _ in range(60):
        mid = (lo + hi) / 2
        plon, plat, _ = GEOD.fwd(start[0], start[1], GEOD.inv(start[0], start[1], lon[1], lat[1])[0], speed * mid)
        if GEOD.inv(30.0, 40.0, plon, plat)[2] > horizon:
            lo = mid
        else:
            hi = mid
    expected = pd.Timestamp("2021-01-01T00:00:00Z") + pd.Timedelta(seconds=lo)
    assert abs((sight["first_seen"] - expected).total_seconds()) < 0.5
    assert sight["range_m"] == pytest.approx(horizon, abs=150.0)


def test_coverage_command(tmp_path, capsys):
    rows = [f"2015-11-24T07:{20 + i // 15:02d}:{(4 * i) % 60:02d}Z,SU24,35.83,{36.9 - 0.02 * i:.3f},5791\n"
            for i in range(40)]
    track = tmp_path / "t.csv"
    track.write_text("time,track_id,lat,lon,alt_m\n" + "".join(rows))
    args = ["coverage", "--site", "36.5,36.9,20,Low", "--altitude", "FL190", "--airspace", "TUR"]
    assert main(args + ["--track", str(track), "--map", str(tmp_path / "c.png")]) == 0
    out = capsys.readouterr().out
    assert "border seen km" in out and "Earliest possible warning" in out and "Low" in out
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"
    assert main(args + ["--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sites"][0]["horizon_m"] == pytest.approx(closed_form(20.0, 5791.2))
    assert main(["coverage", "--site", "36.5,x,20", "--altitude", "19000ft", "--airspace", "TUR"]) == 2
    assert "LAT,LON,HEIGHT_M" in capsys.readouterr().err
