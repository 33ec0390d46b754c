"""`compare`: separation against an independent geodesic computation, the clock offset of a
known shift, and verdicts equal to ``detect`` run on each track alone.

Independent answers: positions between fixes are rebuilt here leg by leg with ``Geod.inv`` /
``Geod.fwd`` (time-linear along the geodesic) and their distance measured with ``Geod.inv``.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyproj
import pytest

from skyborder.airspace import world
from skyborder.analysis.compare import compare_tracks
from skyborder.cli import main
from skyborder.detection.engine import detect

GEOD = pyproj.Geod(ellps="WGS84")
T0 = pd.Timestamp("2015-11-24T07:23:00Z")


def zigzag(lon0: float, lat0: float, n: int = 40, every_s: float = 4.0, shift_s: float = 0.0,
           track_id: str = "X") -> pd.DataFrame:
    """A westbound track at 250 m/s with a gentle zigzag (headings 260/280 deg alternating every 5 fixes)."""
    az = np.where((np.arange(n - 1) // 5) % 2 == 0, 260.0, 280.0)
    lon, lat = [lon0], [lat0]
    for a in az:
        x, y, _ = GEOD.fwd(lon[-1], lat[-1], a, 250.0 * every_s)
        lon.append(x)
        lat.append(y)
    times = T0 + pd.to_timedelta(every_s * np.arange(n) + shift_s, unit="s")
    return pd.DataFrame({"time": times, "track_id": track_id, "lat": lat, "lon": lon, "alt_m": 5791.0})


def brute_position(track: pd.DataFrame, when: pd.Timestamp) -> tuple[float, float]:
    t = (track["time"] - T0).dt.total_seconds().to_numpy()
    q = (when - T0).total_seconds()
    i = min(np.searchsorted(t, q, side="right") - 1, len(t) - 2)
    a, b = track.iloc[i], track.iloc[i + 1]
    az, _, dist = GEOD.inv(a["lon"], a["lat"], b["lon"], b["lat"])
    lon, lat, _ = GEOD.fwd(a["lon"], a["lat"], az, dist * (q - t[i]) / (t[i + 1] - t[i]))
    return lon, lat


@pytest.fixture(scope="module")
def pair():
    a = zigzag(36.30, 35.83, track_id="TR")
    north_lon, north_lat, _ = GEOD.fwd(36.30, 35.83, 180.0, 1500.0)
    b = zigzag(north_lon, north_lat, shift_s=3.0, track_id="RU")
    return a, b, compare_tracks(a, b, world.select("TUR,SYR"), step_s=1.0, max_shift_s=20.0)


def test_separation_equals_geodesic_between_independent_positions(pair):
    a, b, c = pair
    assert len(c.times) > 100 and c.times[0] >= b["time"].min() and c.times[-1] <= a["time"].max()
    for k in range(0, len(c.times), 17):
        when = c.times[k]
        la, pa = brute_position(a, when)
        lb, pb = brute_position(b, when)
        assert abs(c.separation_m[k] - GEOD.inv(la, pa, lb, pb)[2]) < 0.01


def test_clock_offset_of_a_shifted_copy(pair):
    _, _, c = pair
    # B flies the same pattern 1.5 km south, 3 s late: shifting it back by 3 s leaves the 1.5 km offset
    # (the zigzag makes the lateral distance vary a little around the turns)
    assert c.offset_s == pytest.approx(-3.0, abs=0.05)
    assert c.offset_separation_m == pytest.approx(1500.0, abs=20.0)
    assert c.offset_separation_m < float(np.mean(c.separation_m))


def test_verdicts_are_those_of_each_track_alone(pair):
    a, b, c = pair
    for label, track in (("A", a), ("B", b)):
        alone = detect(track, world.select("TUR,SYR"))
        mine = c.result[c.result["track_id"] == label]
        assert len(alone) == len(mine)
        for col in ("duration_s", "length_inside_m", "max_depth_m", "closest_approach_m"):
            assert np.allclose(alone[col].to_numpy(float), mine[col].to_numpy(float), equal_nan=True, atol=1e-6)
    assert set(c.verdict("A", "TUR")["status"]) == {"closed"}


def test_compare_command(tmp_path, capsys, pair):
    a, b, _ = pair
    pa, pb = tmp_path / "a.csv", tmp_path / "b.csv"
    a.to_csv(pa, index=False)
    b.to_csv(pb, index=False)
    out = tmp_path / "both.png"
    assert main(["compare", str(pa), str(pb), "--airspace", "TUR", "--map", str(out), "--max-shift", "10"]) == 0
    text = capsys.readouterr().out
    assert "A (TR)" in text and "B (RU)" in text and "Separation" in text and "passage" in text and "p inside" in text
    assert out.read_bytes()[:4] == b"\x89PNG"
    assert main(["compare", str(pa), str(pb), "--airspace", "TUR", "--format", "json", "--max-shift", "0"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["a"]["track_id"] == "TR" and data["offset_s"] == 0.0
    assert {v["track_id"] for v in data["verdicts"]} <= {"TR", "RU"}
    both = pd.concat([a, b])
    pboth = tmp_path / "both.csv"
    both.to_csv(pboth, index=False)
    assert main(["compare", str(pboth), str(pb), "--airspace", "TUR"]) == 2
    assert "--id-a" in capsys.readouterr().err
