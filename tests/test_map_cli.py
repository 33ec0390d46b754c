"""`skyborder map` for any recording: auto-framing, true scale, times of the marked points, rivals, SVG.

Independent answers: the framed points' pixels come from the saved image's own scale (two
reference markers a known geodesic distance apart, pyproj ``Geod.fwd``); the time of the deepest
point is checked against the time at which a constant-speed straight track reaches it, computed
with ``Geod.inv`` along the track.
"""
from __future__ import annotations

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from skyborder.airspace import world
from skyborder.airspace.model import Airspace
from skyborder.analysis.along import positions_at, time_nearest
from skyborder.cli import main
from skyborder.detection.engine import detect
from skyborder.report.radar_map import draw_radar_map, rival_airspaces
from skyborder.report.style import RIVAL

GEOD = pyproj.Geod(ellps="WGS84")


def straight_track(lon0: float, lat0: float, az: float, step_m: float, n: int, track_id: str = "T",
                   start: str = "2021-06-01T10:00:00Z", every_s: float = 10.0) -> pd.DataFrame:
    lon, lat, _ = GEOD.fwd(np.full(n, lon0), np.full(n, lat0), np.full(n, az), step_m * np.arange(n))
    return pd.DataFrame({"time": pd.Timestamp(start) + pd.to_timedelta(every_s * np.arange(n), unit="s"),
                         "track_id": track_id, "lat": lat, "lon": lon, "alt_m": np.linspace(3000, 4000, n)})


def test_positions_at_and_time_nearest_follow_the_geodesic():
    track = straight_track(10.0, 50.0, 60.0, 2000.0, 6)
    times = pd.DatetimeIndex(["2021-06-01T10:00:25Z"])
    p = positions_at(track, times)
    lon, lat, _ = GEOD.fwd(10.0, 50.0, 60.0, 5000.0)  # 2.5 legs of 2 km
    assert GEOD.inv(p.lon[0], p.lat[0], lon, lat)[2] < 0.01
    assert p.alt_m[0] == pytest.approx(3000 + 1000 * 25 / 50)
    # the point 5 km along is reached at 25 s; time_nearest resolves 1/64 of a 10 s leg
    when = time_nearest(track, lon, lat)
    assert abs((when - pd.Timestamp("2021-06-01T10:00:25Z")).total_seconds()) <= 10.0 / 128 + 1e-6


@pytest.fixture(scope="module")
def box_map(tmp_path_factory):
    zone = Airspace("BOX", shapely.box(20.0, 40.0, 20.05, 40.04), label="Box")
    track = straight_track(19.95, 40.02, 90.0, 500.0, 40)
    result = detect(track, [zone])
    out = tmp_path_factory.mktemp("map") / "auto.png"
    info = draw_radar_map([zone], track, result, out, profile=True)
    return zone, track, result, info, mpimg.imread(out)


def test_auto_frame_shows_the_passage(box_map):
    _, _, result, info, img = box_map
    row = result[result["status"] == "closed"].iloc[0]
    for lon, lat in ((row["entry_lon"], row["entry_lat"]), (row["exit_lon"], row["exit_lat"]),
                     (row["max_depth_lon"], row["max_depth_lat"])):
        x, y = info.to_pixel(lon, lat)
        assert 0 < x[0] < info.width_px and 0 < y[0] < info.height_px * 0.75  # in the map, above the profile
    # the passage (4.3 km) fills a good part of the view, but not all of it
    ex, _ = info.to_pixel(row["entry_lon"], row["entry_lat"])
    xx, _ = info.to_pixel(row["exit_lon"], row["exit_lat"])
    assert 0.4 * info.width_px < abs(xx[0] - ex[0]) < 0.95 * info.width_px
    assert img.shape[:2] == (info.height_px, info.width_px)


def test_auto_frame_keeps_the_scale_true(box_map):
    _, _, result, info, _ = box_map
    row = result[result["status"] == "closed"].iloc[0]
    dist = GEOD.inv(row["entry_lon"], row["entry_lat"], row["exit_lon"], row["exit_lat"])[2]
    (x0, y0), (x1, y1) = (np.r_[info.to_pixel(row[f"{w}_lon"], row[f"{w}_lat"])] for w in ("entry", "exit"))
    m_per_px = dist / np.hypot(x1 - x0, y1 - y0)
    (b0, _), (b1, _) = info.scale_bar_px
    assert abs((b1 - b0) * m_per_px - info.scale_bar_km * 1000) <= 2 * m_per_px


def test_deepest_point_time_is_where_the_track_reaches_it(box_map):
    _, track, result, _, _ = box_map
    row = result[result["status"] == "closed"].iloc[0]
    when = time_nearest(track, row["max_depth_lon"], row["max_depth_lat"])
    along = GEOD.inv(19.95, 40.02, row["max_depth_lon"], row["max_depth_lat"])[2]
    expected = pd.Timestamp("2021-06-01T10:00:00Z") + pd.Timedelta(seconds=along / 500.0 * 10.0)
    assert abs((when - expected).total_seconds()) <= 10.0 / 128 + 1e-3


def test_other_claimants_are_drawn(tmp_path):
    n = 30
    track = pd.DataFrame({"time": pd.date_range("2020-01-01", periods=n, freq="10s", tz="UTC"), "track_id": "X",
                          "lat": 44.3, "lon": 33.0 + 0.02 * np.arange(n), "alt_m": 9000.0})
    airspaces = [world.country("UKR"), world.country("RUS")]
    result = detect(track, airspaces)
    assert [a.name for a in rival_airspaces(result, airspaces)] == ["RUS"]
    out = tmp_path / "crimea.png"
    draw_radar_map(airspaces[:1], track, result, out, profile=False)
    img = mpimg.imread(out)
    rgb = np.array([int(RIVAL[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    assert (np.abs(img[..., :3] - rgb).max(axis=-1) < 0.03).sum() > 1000  # the hatching


def test_map_command_png_and_svg(tmp_path, capsys):
    track = straight_track(36.25, 35.83, 270.0, 1000.0, 20, track_id="SU24", every_s=4.0)
    path = tmp_path / "t.csv"
    track.assign(time=track["time"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")).to_csv(path, index=False)
    assert main(["map", str(path), "--airspace", "TUR,SYR", "--passage", "2", "-o", str(tmp_path / "m.svg")]) == 0
    svg = (tmp_path / "m.svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert main(["map", str(path), "--airspace", "TUR", "-o", str(tmp_path / "m.png"), "--no-profile"]) == 0
    assert (tmp_path / "m.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["map", str(path), "--airspace", "TUR", "-o", str(tmp_path / "m.gif")]) == 2
    assert main(["map", str(path), "--airspace", "TUR", "--track", "NOPE", "-o", str(tmp_path / "m.png")]) == 2
    err = capsys.readouterr().err
    assert ".png, .svg, .pdf" in err and "no track NOPE" in err
