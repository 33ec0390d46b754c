"""The radar map's scale is true: measured on the rendered PNG against WGS84 geodesics.

The scene is at 60 deg N, where a map drawn in raw degrees would stretch east-west distances by
a factor 2. Two reference markers of unique colours are placed a known geodesic distance apart
(pyproj ``Geod.fwd``); their rendered centroids give metres per pixel from the image alone,
which then measures the rendered scale bar's run of pixels.
"""
from __future__ import annotations

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from skyborder.airspace.model import Airspace
from skyborder.detection.engine import detect
from skyborder.report.radar_map import TEXT, MapLabel, draw_radar_map, hms
from skyborder.tracks import schema

GEOD = pyproj.Geod(ellps="WGS84")
LON0, LAT0 = 25.0, 60.0
MAGENTA, LIME, CYAN = "#ff00ff", "#00ff00", "#00ffff"


def colour_mask(img: np.ndarray, hex_colour: str, tol: float = 0.03) -> np.ndarray:
    rgb = np.array([int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.all(np.abs(img[..., :3] - rgb) <= tol, axis=-1)


def centroid(img: np.ndarray, hex_colour: str) -> np.ndarray:
    ys, xs = np.nonzero(colour_mask(img, hex_colour))
    assert len(xs) > 10, f"marker {hex_colour} not rendered"
    return np.array([xs.mean(), ys.mean()])


def fwd(lon: float, lat: float, az: float, dist: float) -> tuple[float, float]:
    lon2, lat2, _ = GEOD.fwd(lon, lat, az, dist)
    return lon2, lat2


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    zone = Airspace("BOX", shapely.box(24.98, 59.99, 25.02, 60.01), label="Box zone")
    times = pd.date_range("2020-01-01T12:00:00Z", periods=13, freq="10s")
    west = [fwd(LON0, LAT0, 90.0, 6000.0 - 1000.0 * i) for i in range(13)]
    south = [fwd(LON0, LAT0 - 0.02, 90.0, 6000.0 - 1000.0 * i) for i in range(13)]
    tracks = schema.normalize(pd.DataFrame({
        "time": list(times) * 2, "track_id": ["IN"] * 13 + ["NEAR"] * 13,
        "lon": [p[0] for p in west + south], "lat": [p[1] for p in west + south], "alt_m": 3000.0}))
    passages = detect(tracks, [zone])
    a = fwd(LON0, LAT0, 0.0, 2000.0)
    a = fwd(*a, 270.0, 3000.0)
    b = fwd(*a, 90.0, 4000.0)
    c = fwd(*a, 180.0, 1500.0)
    labels = [MapLabel(*a, "", "s", MAGENTA), MapLabel(*b, "", "s", LIME), MapLabel(*c, "", "s", CYAN)]
    out = tmp_path_factory.mktemp("map") / "map.png"
    info = draw_radar_map([zone], tracks, passages, out, title="test", annotations=labels,
                          centre=(LON0, LAT0), half_width_m=6000.0, note="note")
    return info, mpimg.imread(out), (a, b, c), passages


def test_image_size_matches(rendered):
    info, img, _, passages = rendered
    assert img.shape[:2] == (info.height_px, info.width_px)
    assert set(passages["status"]) == {"closed", "near"}


def test_markers_where_to_pixel_says(rendered):
    info, img, points, _ = rendered
    for (lon, lat), colour in zip(points, (MAGENTA, LIME, CYAN)):
        px, py = info.to_pixel(lon, lat)
        assert np.hypot(*(centroid(img, colour) - [px[0], py[0]])) < 1.5


def test_map_is_isotropic_at_60_degrees(rendered):
    _, img, _, _ = rendered
    a, b, c = (centroid(img, col) for col in (MAGENTA, LIME, CYAN))
    m_per_px_ew = 4000.0 / np.hypot(*(b - a))
    m_per_px_ns = 1500.0 / np.hypot(*(c - a))
    assert abs(m_per_px_ew / m_per_px_ns - 1) < 0.01
    assert abs(b[1] - a[1]) < 1.5  # east is straight right (to rasterisation, ~1 px)


def test_scale_bar_length_is_true(rendered):
    info, img, _, _ = rendered
    a, b = centroid(img, MAGENTA), centroid(img, LIME)
    m_per_px = 4000.0 / np.hypot(*(b - a))
    (x0, y0), (x1, _) = info.scale_bar_px
    row_ = colour_mask(img, TEXT, tol=0.08)[int(round(y0))]
    run = np.flatnonzero(row_)
    mid = int(round((x0 + x1) / 2))
    assert row_[mid]
    # the contiguous run of bar pixels through the middle of the bar
    left = mid - np.argmin(row_[mid::-1]) + 1
    right = mid + np.argmin(row_[mid:]) - 1
    assert run.size and right > left
    bar_m = (right - left + 1) * m_per_px
    assert abs(bar_m - info.scale_bar_km * 1000) <= 2 * m_per_px + 0.005 * info.scale_bar_km * 1000
    assert info.scale_bar_km == 2.5  # the largest 'nice' length within a quarter of the 12 km view


@pytest.mark.parametrize("ts, text", [("2015-11-24T07:24:05.049Z", "07:24:05.0"),
                                      ("2015-11-24T07:24:12.96Z", "07:24:13.0"),
                                      ("2015-11-24T23:59:59.94Z", "23:59:59.9")])
def test_hms(ts, text):
    assert hms(pd.Timestamp(ts)) == text
