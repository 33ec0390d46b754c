"""The traffic simulator: geodesic routes, transmit schedule, file formats and TCP push."""
import time

import numpy as np
import pyModeS as pms
import pytest
import shapely

from loopback import tcp_sink
from skyborder.airspace import world
from skyborder.geodesy import GEOD
from skyborder.sim import traffic as simulate
from skyborder.tracks.modes import crc
from skyborder.units import KNOT_MPS as KNOTS_TO_MPS


def test_positions_follow_the_route_at_ground_speed():
    ac = simulate.Aircraft("4b0001", "T1", ((35.5, 35.9), (35.9, 36.1), (35.8, 36.4)), 20_000, 450)
    t = np.arange(0.0, 700.0, 0.5)
    lat, lon, track, flying = simulate.positions(ac, t)
    legs = GEOD.inv(35.9, 35.5, 36.1, 35.9)[2], GEOD.inv(36.1, 35.9, 36.4, 35.8)[2]
    assert flying.sum() == int((legs[0] + legs[1]) / (450 * KNOTS_TO_MPS) / 0.5) + 1
    # consecutive fixes on one leg are 0.5 s * 450 kt apart along the geodesic (to a millimetre)
    step = GEOD.inv(lon[flying][:-1], lat[flying][:-1], lon[flying][1:], lat[flying][1:])[2]
    on_first_leg = t[flying][1:] * 450 * KNOTS_TO_MPS < legs[0]
    assert np.allclose(step[on_first_leg], 0.5 * 450 * KNOTS_TO_MPS, atol=1e-3)
    # the waypoint is passed: the point at the end of leg 1 is the waypoint itself
    at_corner = legs[0] / (450 * KNOTS_TO_MPS)
    corner = simulate.positions(ac, np.array([at_corner]))
    assert GEOD.inv(corner[1][0], corner[0][0], 36.1, 35.9)[2] < 1e-3
    # the track is the geodesic's azimuth where the aircraft is: at the start, the leg's azimuth
    assert track[0] == pytest.approx(GEOD.inv(35.9, 35.5, 36.1, 35.9)[0] % 360, abs=1e-6)


def test_transmit_schedule():
    scenario = simulate.border_approach(60.0)
    items = simulate.emissions(scenario)
    assert [e.time_s for e in items] == sorted(e.time_s for e in items)
    assert all(e.time_s > 0 for e in items)
    for ac in scenario.aircraft:
        mine = [e for e in items if e.aircraft is ac]
        kinds = {k: [e.time_s for e in mine if e.kind == k]
                 for k in ("position", "velocity", "ident", "squawk", "allcall")}
        assert np.allclose(np.diff(kinds["position"]), 0.5)
        assert np.allclose(np.diff(kinds["ident"]), 5.0)
        assert np.allclose(np.diff(kinds["squawk"]), 2.0)
        assert np.allclose(np.diff(kinds["allcall"]), 1.0)
        assert len(kinds["velocity"]) == len(kinds["position"])
        odd = [bool(e.frame[6] & 0x04) for e in mine if e.kind == "position"]
        assert odd == [i % 2 == 1 for i in range(len(odd))]
        assert all(crc.remainder(e.frame) == (int(ac.icao24, 16) if e.kind == "squawk" else 0) for e in mine)


def test_border_approach_is_where_2015_happened():
    truth = simulate.truth(simulate.emissions(simulate.border_approach()))
    near = GEOD.inv(truth["lon"].to_numpy(), truth["lat"].to_numpy(),
                    np.full(len(truth), 36.0), np.full(len(truth), 35.9))[2]
    assert near.min() < 15_000
    tur, syr = world.country("TUR").geometry, world.country("SYR").geometry
    where = {icao: tuple(shapely.contains_xy(c, g["lon"].to_numpy(), g["lat"].to_numpy()) for c in (tur, syr))
             for icao, g in truth.groupby("icao24")}
    in_tur, in_syr = where["15224d"]                     # BORDR1: Syria -> Türkiye -> Syria
    assert in_syr[0] and in_tur.any() and in_syr[-1]
    assert where["4b8e21"][0].all()                      # PATROL1 stays over Türkiye
    assert where["778a01"][1].all()                      # APRCH1 turns back inside Syria


def test_sbs_lines():
    items = simulate.emissions(simulate.border_approach(10.0))
    lines = [simulate.sbs_line(e, 1_448_349_840.0) for e in items]
    pos = next(line for line, e in zip(lines, items) if e.kind == "position").split(",")
    e = next(e for e in items if e.kind == "position")
    assert pos[:2] == ["MSG", "3"] and len(pos) == 22
    assert pos[4] == e.aircraft.icao24.upper() and pos[6] == "2015/11/24"
    assert float(pos[14]) == pytest.approx(e.lat, abs=5e-6) and float(pos[15]) == pytest.approx(e.lon, abs=5e-6)
    assert pos[11] == f"{e.aircraft.alt_ft:.0f}"
    assert all(line is None for line, e in zip(lines, items) if e.kind == "allcall")


@pytest.mark.parametrize("fmt", simulate.FORMATS)
def test_push_sends_what_write_writes(tmp_path, fmt):
    items = simulate.emissions(simulate.border_approach(4.0))
    path = tmp_path / f"out.{fmt}"
    count = simulate.write(items, fmt, str(path), start_time=0.0)
    with tcp_sink() as (port, received):
        started = time.monotonic()
        sent = simulate.push(items, fmt, "127.0.0.1", port, speed=20.0)
        elapsed = time.monotonic() - started
    assert sent == count
    assert bytes(received) == path.read_bytes()
    # 4 s of traffic at 20x: about 0.2 s (last emission ~3.9 s), not instantaneous, not real time
    last = items[-1].time_s
    assert last / 20 - 0.06 <= elapsed < last / 20 + 0.5


def test_frames_decode_as_their_truth():
    items = simulate.emissions(simulate.border_approach(6.0))
    for e in items:
        fields = pms.decode(e.frame.hex())
        assert fields["icao"].lower() == e.aircraft.icao24
        if e.kind == "ident":
            assert fields["callsign"] == e.aircraft.callsign
        elif e.kind == "squawk":
            assert fields["squawk"] == e.aircraft.squawk
        elif e.kind == "position":
            assert fields["altitude"] == e.aircraft.alt_ft
