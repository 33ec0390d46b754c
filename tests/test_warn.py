"""The warning layer against independent answers: kinematics against the generating motion,
predicted entry times against dense sampling of the predicted path (shapely), stages against the
fix at which the geometry says they must appear, and the stage rules on hand-made level streams."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from skyborder.airspace import world
from skyborder.airspace.index import AirspaceIndex
from skyborder.airspace.model import Airspace
from skyborder.errors import InputError
from skyborder.geodesy import GEOD
from skyborder.warn import geometry, stages
from skyborder.warn.engine import WarningEngine, replay
from skyborder.warn.kinematics import Kinematics, estimate
from skyborder.warn.policy import PARAMETERS, Policy, load_policy
from skyborder.warn.prediction import first_entries, predicted_paths

T0 = pd.Timestamp("2015-11-24T07:20:00Z")
TUR = world.country("TUR")


@pytest.fixture(scope="module")
def tur_index():
    return AirspaceIndex([TUR])


def straight(lon0, lat0, azimuth, speed, times):
    lon, lat, _ = GEOD.fwd(np.full(len(times), lon0), np.full(len(times), lat0), np.full(len(times), azimuth),
                           speed * np.asarray(times, float))
    return np.asarray(lon), np.asarray(lat)


def arc(lon0, lat0, heading0, speed, rate_deg_s, times, step=0.01):
    """A constant turn integrated in small geodesic steps (independent of the engine's chords)."""
    out_lon, out_lat = [], []
    lon, lat, heading, now = lon0, lat0, heading0, 0.0
    for target in times:
        while now < target - 1e-9:
            dt = min(step, target - now)
            mid = heading + rate_deg_s * dt / 2
            lon, lat, _ = GEOD.fwd(lon, lat, mid, speed * dt)
            heading += rate_deg_s * dt
            now += dt
        out_lon.append(lon)
        out_lat.append(lat)
    return np.array(out_lon), np.array(out_lat)


def kin_at(lon, lat, t, alt=None, **options) -> Kinematics:
    n = len(t)
    alt = np.full(n, 5000.0) if alt is None else np.asarray(alt, float)
    return estimate(np.asarray(t, float), lon, lat, alt, np.zeros(n, np.int64), np.array([n - 1]), **options)


# ---------------------------------------------------------------- kinematics
def test_kinematics_of_a_straight_leg():
    t = np.arange(0.0, 24.0, 4.0)
    lon, lat = straight(36.0, 35.7, 74.8, 250.0, t)
    k = kin_at(lon, lat, t)
    true_track = GEOD.inv(lon[-2], lat[-2], lon[-1], lat[-1])[1] + 180.0  # azimuth at the last fix
    assert k.valid[0] and abs(k.speed_mps[0] - 250.0) < 0.01
    assert abs((k.track_deg[0] - true_track + 180) % 360 - 180) < 0.01
    assert abs(k.turn_rate_deg_s[0]) < 0.01


def test_kinematics_of_a_turn():
    t = np.arange(0.0, 21.0, 1.0)
    lon, lat = arc(36.0, 35.7, 90.0, 200.0, 3.0, t)
    k = kin_at(lon, lat, t)
    assert abs(k.turn_rate_deg_s[0] - 3.0) < 0.05
    assert abs(k.speed_mps[0] - 200.0) < 0.5
    assert abs((k.track_deg[0] - 150.0 + 180) % 360 - 180) < 1.0  # 90 + 3 deg/s * 20 s (+ meridian convergence)


@pytest.mark.parametrize("bad", range(6))
def test_one_bad_fix_does_not_flip_the_kinematics(bad):
    t = np.arange(0.0, 21.0, 4.0)  # 6 fixes, all picked
    lon, lat = straight(36.0, 35.7, 74.8, 250.0, t)
    lon, lat = lon.copy(), lat.copy()
    lon[bad], lat[bad], _ = GEOD.fwd(lon[bad], lat[bad], 330.0, 3000.0)
    k = kin_at(lon, lat, t)
    assert k.outlier_left_out[0]
    assert abs(k.speed_mps[0] - 250.0) < 0.5 and abs((k.track_deg[0] - 74.8 + 180) % 360 - 180) < 0.5
    # the same fixes without outlier rejection are thrown off: the test can fail
    loose = kin_at(lon, lat, t, outlier_m=1e9)
    assert abs(loose.speed_mps[0] - 250.0) > 5 or abs((loose.track_deg[0] - 74.8 + 180) % 360 - 180) > 2


def test_vertical_rate_ignores_one_bad_altitude():
    t = np.arange(0.0, 21.0, 4.0)
    lon, lat = straight(36.0, 35.7, 74.8, 250.0, t)
    alt = 5000.0 + 10.0 * t
    alt[3] = 9000.0
    k = kin_at(lon, lat, t, alt=alt)
    assert abs(k.vertical_rate_mps[0] - 10.0) < 1e-9 and abs(k.alt_m[0] - alt[-1]) < 1e-6


# ---------------------------------------------------------------- prediction
def brute_entry(geometry_, lon, lat, times, floor=-math.inf, ceiling=math.inf, alt=None):
    """The first sample time inside (lateral and vertical) after an outside one, or inf."""
    inside = shapely.contains_xy(geometry_, lon, lat)
    if alt is not None:
        inside &= (alt >= floor) & (alt <= ceiling)
    after = np.flatnonzero(inside[1:] & ~inside[:-1])
    return times[after[0] + 1] if len(after) else np.inf


def one_kin(lon, lat, alt, speed, track, turn, vrate=0.0) -> Kinematics:
    a = lambda v: np.array([v], dtype=float)
    return Kinematics(a(lon), a(lat), a(alt), a(speed), a(track), a(turn), a(vrate), np.array([True]),
                      np.array([False]))


def test_straight_entry_time_is_exact(tur_index):
    kin = one_kin(36.30, 35.8131, 5791.0, 250.0, 270.0, 0.0)
    entries = first_entries(tur_index, kin, predicted_paths(kin, 120.0, "straight"))
    step = 0.002  # s: 0.5 m at 250 m/s
    times = np.arange(0.0, 120.0, step)
    lon, lat = straight(36.30, 35.8131, 270.0, 250.0, times)
    expected = brute_entry(TUR.geometry, lon, lat, times)
    assert len(entries) == 1 and expected < 120.0
    assert expected - step - 1e-6 <= entries.seconds[0] <= expected + 1e-6
    # the entry point is on the boundary
    assert shapely.distance(shapely.Point(entries.lon[0], entries.lat[0]), TUR.geometry.boundary) < 1e-8


def test_turning_entry_time_matches_the_integrated_arc(tur_index):
    kin = one_kin(36.30, 35.76, 5791.0, 250.0, 270.0, 1.0)  # westbound south of the tip, turning right into it
    entries = first_entries(tur_index, kin, predicted_paths(kin, 120.0, "turn"))
    step = 0.01
    times = np.arange(0.0, 120.0, step)
    lon, lat = arc(36.30, 35.76, 270.0, 250.0, 1.0, times)
    expected = brute_entry(TUR.geometry, lon, lat, times)
    assert np.isfinite(expected)
    # chords lie within r (1 - cos 1 deg) = 1.4 m of the arc: at 250 m/s and a crossing angle of
    # at least ~10 degrees that is < 0.04 s; plus one sampling step
    assert abs(entries.seconds[0] - expected) < 0.04 + step
    assert len(first_entries(tur_index, kin, predicted_paths(kin, 120.0, "straight"))) == 0  # the line misses
    both = first_entries(tur_index, kin, predicted_paths(kin, 120.0, "both"))
    assert both.seconds[0] == entries.seconds[0] and both.model[0] == 1


def test_vertical_entry_through_a_floor():
    box = shapely.box(36.0, 35.0, 37.0, 36.0)
    zone = Airspace("BOX", box, floor_m=3000.0, ceiling_m=6000.0)
    index = AirspaceIndex([zone])
    kin = one_kin(36.5, 35.5, 2000.0, 200.0, 90.0, 0.0, vrate=10.0)  # laterally inside, climbing
    entries = first_entries(index, kin, predicted_paths(kin, 120.0, "straight"))
    assert entries.seconds[0] == pytest.approx(100.0, abs=1e-9)
    assert entries.alt_m[0] == pytest.approx(3000.0)


# ---------------------------------------------------------------- geometry
def test_heading_away_points_away_from_the_nearest_boundary_point(tur_index):
    lon, lat = np.array([36.10, 36.40]), np.array([35.78, 35.75])
    away = geometry.heading_away(tur_index, np.zeros(2, np.int64), lon, lat, np.zeros(2, bool))
    border = shapely.segmentize(shapely.clip_by_rect(TUR.geometry.boundary, 35.5, 35.5, 36.8, 36.2), 0.0002)
    coords = shapely.get_coordinates(border)
    for k in range(2):
        d = GEOD.inv(np.full(len(coords), lon[k]), np.full(len(coords), lat[k]), coords[:, 0], coords[:, 1])
        i = np.argmin(d[2])
        expected = (d[0][i] + 180.0) % 360.0  # from the aircraft, directly away from the nearest point
        assert abs((away[k] - expected + 180) % 360 - 180) < 1.0


def test_message_names_reference_and_heading():
    lon, lat, _ = GEOD.fwd(35.95, 35.40, 20.0, 26 * 1852.0)
    name, bearing, rng = geometry.nearest_reference(load_policy("air-policing").references,
                                                    np.array([lon]), np.array([lat]))
    assert name[0] == "Hmeymim" and round(bearing[0]) == 20 and round(rng[0] / 1852) == 26


# ---------------------------------------------------------------- stages on tracks
def approach(speed=250.0, every=4.0, n=60, lat0=35.8131, lon0=36.30, track_id="SU24", alt=5791.0):
    """Westbound at the salient's tip (enters Türkiye), fixes every ``every`` s."""
    t = np.arange(n) * every
    lon, lat = straight(lon0, lat0, 270.0, speed, t)
    return pd.DataFrame({"time": T0 + pd.to_timedelta(t, unit="s"), "track_id": track_id, "lat": lat, "lon": lon,
                         "alt_m": alt, "icao24": "15224d", "callsign": "BORDR1", "squawk": "7001"})


def entry_seconds(track: pd.DataFrame, lon0: float, lat0: float) -> float:
    t = (track["time"] - T0).dt.total_seconds().to_numpy()
    fine = np.arange(0.0, t[-1], 0.001)
    lon, lat = straight(lon0, lat0, 270.0, 250.0, fine)
    return brute_entry(TUR.geometry, lon, lat, fine)


def nth_fix_at_or_after(track, seconds, n):
    t = (track["time"] - T0).dt.total_seconds().to_numpy()
    return T0 + pd.Timedelta(seconds=float(t[np.flatnonzero(t >= seconds - 1e-9)[n - 1]]))


@pytest.mark.parametrize("confirm", [(1, 1), (2, 3)])
def test_each_stage_appears_at_the_fix_the_geometry_implies(tur_index, confirm):
    track = approach(lon0=36.55, lat0=35.845, n=80)  # entry about 140 s after the first fix, 4 fixes inside
    entry = entry_seconds(track, 36.55, 35.845)
    assert entry > 120 + 8
    policy = load_policy("atc").with_values(alerting_confirm_n=confirm[0], alerting_confirm_m=confirm[1])
    warnings = replay(track, tur_index, policy).warnings
    first = warnings.groupby("stage")["time"].min()
    n = confirm[0]
    assert first["predicted"] == nth_fix_at_or_after(track, entry - 120.0, n)
    # imminent: within 30 s of entry, or within the 1 NM lateral buffer, whichever comes first
    buffer_s = entry - 1852.0 / 250.0 / math.sin(math.radians(90))  # straight-on approximation
    assert first["imminent"] <= nth_fix_at_or_after(track, entry - 30.0, n)
    assert first["imminent"] >= nth_fix_at_or_after(track, min(entry - 30.0, buffer_s), 1) - pd.Timedelta(seconds=4)
    assert first["inside"] == nth_fix_at_or_after(track, entry, n)
    predicted = warnings[warnings["stage"] == "predicted"].iloc[0]
    t_fix = (predicted["time"] - T0).total_seconds()
    assert predicted["time_to_entry_s"] == pytest.approx(entry - t_fix, abs=0.01)


def test_repeats_every_30_s_while_the_stage_holds(tur_index):
    track = approach(every=2.0, n=120, lon0=36.55)
    warnings = replay(track, tur_index, "air-policing").warnings
    predicted = warnings[warnings["stage"] == "predicted"]
    gaps = predicted["time"].diff().dt.total_seconds().dropna()
    assert len(predicted) >= 3 and (gaps == 30.0).all()
    assert (warnings["repeat"].diff().dropna() == 1).all()  # one alert, counted warnings
    outside = warnings[warnings["stage"] != "inside"]
    assert outside["message"].str.contains("miles. You are approaching Türkiye airspace. Change your heading").all()
    assert set(warnings["reference"]) <= {"Hmeymim", "Hatay"}


@pytest.mark.parametrize("preset", ["atc", "air-policing"])
def test_an_aircraft_inside_is_told_so_with_no_unknown_field(tur_index, preset):
    track = approach(every=2.0, n=120, lon0=36.55)
    warnings = replay(track, tur_index, preset).warnings
    inside = warnings[warnings["stage"] == "inside"]
    before = warnings[warnings["stage"] != "inside"]
    assert len(inside) and len(before)
    assert not inside["message"].str.contains("approaching|predicted|[?]").any(), inside["message"].tolist()
    assert inside["message"].str.contains("inside Türkiye|violating Türkiye").all(), inside["message"].tolist()
    assert not before["message"].str.contains("inside Türkiye|violating").any()


def test_a_one_fix_jump_is_not_confirmed(tur_index):
    far = approach(lon0=36.9, n=20)  # 40+ km east of the salient: nothing predicted
    jumped = far.copy()
    jumped.loc[10, "lon"] = 36.17  # one fix near the tip
    assert len(replay(far, tur_index, "atc").warnings) == 0
    assert len(replay(jumped, tur_index, "atc").warnings) == 0
    loose = load_policy("atc").with_values(alerting_confirm_n=1, alerting_confirm_m=1)
    assert len(replay(jumped, tur_index, loose).warnings) > 0  # the test can fail


def test_exempt_and_domestic_aircraft_are_not_warned(tur_index):
    track = approach()
    exempt = Policy("x", exemptions=(stages_exemption("TUR", icao24={"15224d"}),))
    assert len(replay(track, tur_index, exempt).warnings) == 0
    domestic = approach(lat0=39.9, lon0=32.9)  # over Ankara: inside from its first fix
    assert len(replay(domestic, tur_index, "atc").warnings) == 0
    assert len(replay(domestic, tur_index, Policy("y", alerting_first_seen_inside=True)).warnings) > 0


def stages_exemption(airspace, icao24=(), squawk=()):
    from skyborder.warn.policy import Exemption
    return Exemption(airspace, frozenset(icao24), frozenset(squawk))


def test_acknowledgement_silences_repeats_not_escalations(tur_index):
    track = approach(every=2.0, n=120, lon0=36.55)
    engine = WarningEngine(tur_index, "air-policing")
    head, tail = track.iloc[:25], track.iloc[25:]
    first = engine.update(head).warnings
    assert list(first["stage"]) == ["predicted"]
    assert engine.acknowledge("SU24", "TUR", "day")
    rest = engine.update(tail).warnings
    assert "predicted" not in set(rest["stage"])  # repeats silenced for the day
    assert {"imminent", "inside"} <= set(rest["stage"])  # escalations still warn
    assert not engine.acknowledge("nobody", "TUR")


@settings(max_examples=15, deadline=None)
@given(cuts=st.lists(st.integers(1, 89), max_size=6, unique=True))
def test_warnings_do_not_depend_on_how_fixes_are_batched(tur_index, cuts):
    track = pd.concat([approach(every=2.0, n=90, lon0=36.45), approach(every=3.0, n=60, lat0=35.70, lon0=36.35,
                                                                         track_id="B")], ignore_index=True)
    track = track.sort_values("time", kind="stable").reset_index(drop=True)
    whole = replay(track, tur_index, "air-policing").warnings
    engine = WarningEngine(tur_index, "air-policing")
    bounds = [0, *sorted(c * len(track) // 90 for c in cuts), len(track)]
    parts = [engine.update(track.iloc[a:b]).warnings for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
    live = pd.concat(parts, ignore_index=True).sort_values(["time", "track_id", "airspace"], kind="stable")
    pd.testing.assert_frame_equal(live.reset_index(drop=True), whole)


# ---------------------------------------------------------------- the stage rules themselves
def run_levels(enter, hold=None, t=None, inside=None, n=2, m=3, repeat=0.0, clear=8.0):
    k = len(enter)
    s = stages.PairState(4)
    s.seen_outside[:] = True
    ev, stg = np.zeros(k, np.int8), np.zeros(k, np.int8)
    start, count = np.zeros(k), np.zeros(k, np.int32)
    stages.advance(np.zeros(k, np.int64), np.arange(k, dtype=float) if t is None else np.asarray(t, float),
                   np.asarray(enter, np.int8), np.asarray(enter if hold is None else hold, np.int8),
                   np.zeros(k, bool) if inside is None else np.asarray(inside), np.ones(k, bool), False, n, m,
                   repeat, clear, s.stage, s.history, s.filled, s.last_warn, s.below_since, s.ack_until,
                   s.ack_stage, s.alert_start, s.count, s.seen_outside, ev, stg, start, count)
    return ev.tolist(), stg.tolist()


def test_n_of_m_hysteresis_and_clearing():
    ev, stg = run_levels([1, 0, 1, 0, 0])
    assert ev == [0, 0, 1, 0, 0] and stg[2] == 1  # confirmed at the second of three
    # hold thresholds keep the stage through a wobble; the enter thresholds alone would clear it
    ev, stg = run_levels([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], hold=[1] * 13, clear=3.0)
    assert stg[-1] == 1 and 2 not in ev
    ev, _ = run_levels([1, 1] + [0] * 11, clear=3.0)
    assert ev.index(2) == 2 + 1 + 3  # confirmed below at t=3 (2 of 3 zeros), cleared 3 s later
    ev, _ = run_levels([1] * 10, repeat=3.0)
    assert [i for i, e in enumerate(ev) if e == 1] == [1, 4, 7]


# ---------------------------------------------------------------- policies
def test_presets_and_every_parameter_documented():
    fields = {f for f in Policy.__dataclass_fields__ if f not in ("name", "description", "references", "exemptions")}
    assert fields == {p.field for p in PARAMETERS}
    assert all(p.source and p.meaning for p in PARAMETERS)
    atc, policing = load_policy("atc"), load_policy("air-policing")
    assert (atc.prediction_look_ahead_s, atc.prediction_imminent_s, atc.buffers_lateral_m) == (120.0, 30.0, 1852.0)
    assert atc.buffers_vertical_m == pytest.approx(300 * 0.3048)
    assert policing.alerting_repeat_s == 30.0 and policing.approach_distance_m > 0


def test_every_parameter_is_in_the_readme():
    from pathlib import Path
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert all(f"`{p.section}.{p.key}`" in readme for p in PARAMETERS)


def test_bad_policies_are_clear_errors(tmp_path):
    cases = {"unknown.toml": "[prediction]\nlook_ahed_s = 10\n", "type.toml": "[alerting]\nconfirm_n = 'two'\n",
             "toml.toml": "[prediction\n", "range.toml": "[alerting]\nconfirm_n = 4\nconfirm_m = 3\n",
             "template.toml": "[message]\ntemplate = '{nope}'\n",
             "inside.toml": "[message]\ninside_template = '{callsign} {depth}'\n"}
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(InputError):
            load_policy(str(tmp_path / name))
    with pytest.raises(InputError, match="presets"):
        load_policy("no-such-policy")
    good = tmp_path / "good.toml"
    good.write_text('name = "mine"\n[prediction]\nlook_ahead_s = 60\n[[exempt]]\nairspace = "tur"\nicao24 = ["ABC123"]\n')
    mine = load_policy(str(good))
    assert mine.name == "mine" and mine.prediction_look_ahead_s == 60.0
    assert mine.exemptions[0].airspace == "TUR" and "abc123" in mine.exemptions[0].icao24
