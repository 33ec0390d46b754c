"""The streaming detector against the in-memory one: any split of a recording gives the same rows.

Reference: ``detect`` on the whole table (itself checked against brute force elsewhere).
Tolerances: times within 1 ms, metres within 1 cm, entry and exit points within 1e-7 degrees
(~1 cm); depth within 1 m (each run's branch and bound is certified to 0.5 m of the true
maximum, see ``detection.distance``), and the point reported for it measured to be that deep
(1 cm) wherever it lies; the closest approach of straight tracks (one minimum) within 1 cm and
1e-6 degrees; counts and statuses exactly. Zones: boxes, a rotated square, a 24-gon, one with
vertical limits and an overlapping pair.
"""
import doctest
import tracemalloc

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skyborder.airspace import Airspace
from skyborder.airspace.index import AirspaceIndex
from skyborder.detection import detect, distance, result, stream
from skyborder.detection.stream import StreamDetector
from skyborder.geodesy import GEOD

ZONES = [
    Airspace("BOX", shapely.box(10.0, 50.0, 10.4, 50.3)),
    Airspace("OVERLAP", shapely.box(10.3, 50.2, 10.7, 50.5)),
    Airspace("TILTED", shapely.Polygon([(10.9, 50.0), (11.2, 50.15), (11.05, 50.45), (10.75, 50.3)])),
    Airspace("ROUND", shapely.Point(10.5, 49.75).buffer(0.15, 6)),
    Airspace("LAYER", shapely.box(10.6, 49.95, 11.0, 50.05), floor_m=2000.0, ceiling_m=6000.0),
]
T0 = pd.Timestamp("2015-11-24T07:00:00Z")
TIME_COLUMNS = list(result.TIME_COLUMNS)
METRE_COLUMNS = ["duration_s", "length_inside_m", "min_alt_m", "max_alt_m", "max_gap_s",
                 "closest_approach_m"]
POINT_COLUMNS = ["entry_lat", "entry_lon", "exit_lat", "exit_lon"]


@pytest.fixture(scope="module")
def index():
    return AirspaceIndex(ZONES)


# steps between fixes (deg): never exactly zero. A repeated position (a segment of length 0 but
# some duration) is a known gap: positions along a track are metres, which cannot tell the two
# ends of such a segment apart, so its time may be counted with either fix (see the README).
STEP = st.floats(0.0005, 0.08).flatmap(lambda v: st.sampled_from([v, -v]))


@st.composite
def recordings(draw):
    """A few random tracks wandering over the zones: (track table, cut fractions)."""
    frames = []
    for k in range(draw(st.integers(1, 4))):
        n = draw(st.integers(1, 30))
        lon = draw(st.floats(9.9, 11.3)) + np.cumsum(draw(st.lists(STEP.map(lambda v: 1.5 * v), min_size=n,
                                                                     max_size=n)))
        lat = draw(st.floats(49.6, 50.6)) + np.cumsum(draw(st.lists(STEP, min_size=n, max_size=n)))
        dt = draw(st.lists(st.sampled_from([1.0, 5.0, 20.0, 59.0, 61.0, 300.0]), min_size=n, max_size=n))
        alt = np.array(draw(st.lists(st.sampled_from([500.0, 2000.0, 4000.0, 7000.0, np.nan]), min_size=n, max_size=n)))
        frames.append(pd.DataFrame({"track_id": f"T{k}", "time": T0 + pd.to_timedelta(np.cumsum(dt), unit="s"),
                                    "lat": lat, "lon": lon, "alt_m": alt}))
    cuts = draw(st.lists(st.floats(0.0, 1.0), max_size=6))
    return pd.concat(frames, ignore_index=True), cuts


def streamed(index, batches, **options) -> pd.DataFrame:
    detector = StreamDetector(index, **options)
    rows = [detector.feed(b).closed for b in batches] + [detector.flush().closed]
    assert detector.stats().tracks == 0 and detector.stats().passages_open == 0
    return pd.concat(rows, ignore_index=True)


def assert_same_rows(got: pd.DataFrame, expected: pd.DataFrame, index: AirspaceIndex | None = None) -> None:
    key = ["track_id", "airspace", "status", "entry_time", "closest_approach_time"]
    got = got.sort_values(key, kind="stable").reset_index(drop=True)
    expected = expected.sort_values(key, kind="stable").reset_index(drop=True)
    assert len(got) == len(expected), (got[key], expected[key])
    for c in ["track_id", "airspace", "status", "fixes_inside"]:
        assert got[c].tolist() == expected[c].tolist(), c
    assert [sorted(v) for v in got["disputed_with"]] == [sorted(v) for v in expected["disputed_with"]]
    for c in TIME_COLUMNS:
        a, b = got[c], expected[c]
        assert (a.isna() == b.isna()).all(), c
        assert ((a - b).dt.total_seconds().abs().fillna(0.0) <= 1e-3).all(), c
    tolerances = [(c, 0.01) for c in METRE_COLUMNS] + [(c, 1e-7) for c in POINT_COLUMNS] + [("max_depth_m", 1.0)]
    for c, tol in tolerances:
        np.testing.assert_allclose(got[c].to_numpy(float), expected[c].to_numpy(float), rtol=0, atol=tol,
                                   equal_nan=True, err_msg=c)
    for value, lat, lon in (("max_depth_m", "max_depth_lat", "max_depth_lon"),
                            ("closest_approach_m", "closest_approach_lat", "closest_approach_lon")):
        elsewhere = ~(np.isclose(got[lat], expected[lat], rtol=0, atol=1e-6, equal_nan=True)
                      & np.isclose(got[lon], expected[lon], rtol=0, atol=1e-6, equal_nan=True))
        if elsewhere.any():  # a depth reached elsewhere (within the search's 0.5 m): it must be that deep there
            assert index is not None and value == "max_depth_m", (value, got[elsewhere], expected[elsewhere])
            names = [a.name for a in index.airspaces]
            air = np.array([names.index(a) for a in got.loc[elsewhere, "airspace"]])
            there = distance.boundary_distance(index, air, got.loc[elsewhere, lon].to_numpy(float),
                                               got.loc[elsewhere, lat].to_numpy(float))
            np.testing.assert_allclose(there, got.loc[elsewhere, value].to_numpy(float), rtol=0, atol=0.01)


def time_windows(table: pd.DataFrame, cuts: list[float]) -> list[pd.DataFrame]:
    """The recording split at times (fractions of its span): batches in time order, tracks interleaved."""
    t = (table["time"] - table["time"].min()).dt.total_seconds()
    edges = np.r_[-1.0, np.sort(cuts) * t.max(), np.inf]
    return [table[(t > lo) & (t <= hi)] for lo, hi in zip(edges[:-1], edges[1:])]


def row_slices(table: pd.DataFrame, cuts: list[float]) -> list[pd.DataFrame]:
    """The recording (sorted by track) cut at row positions: tracks split across batches."""
    bounds = np.unique(np.r_[0, (np.asarray(cuts) * len(table)).astype(int), len(table)])
    ordered = table.sort_values(["track_id", "time"], kind="stable")
    return [ordered.iloc[lo:hi] for lo, hi in zip(bounds[:-1], bounds[1:])]


SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                          HealthCheck.function_scoped_fixture])


@st.composite
def straight_recordings(draw):
    """Tracks flying straight (one geodesic each) past and through the zones, fixes at random
    times: the distance to a convex zone along them has one minimum, which today's
    closest-approach search finds exactly (on wandering tracks it may not: see issue 7)."""
    frames = []
    for k in range(draw(st.integers(1, 4))):
        n = draw(st.integers(2, 25))
        lon0, lat0 = draw(st.floats(9.6, 11.6)), draw(st.floats(49.4, 50.9))
        # not along a meridian or parallel: alongside a box edge the distance has no single minimum
        azimuth = draw(st.floats(0.0, 360.0).filter(lambda a: min(a % 90.0, 90.0 - a % 90.0) > 0.5))
        seconds = np.sort(draw(st.lists(st.floats(0.0, 3600.0), min_size=n, max_size=n, unique=True)))
        lon, lat, _ = GEOD.fwd(np.full(n, lon0), np.full(n, lat0), np.full(n, azimuth), seconds * 60.0)
        frames.append(pd.DataFrame({"track_id": f"S{k}", "time": T0 + pd.to_timedelta(seconds, unit="s"),
                                    "lat": lat, "lon": lon, "alt_m": 3000.0}))
    cuts = draw(st.lists(st.floats(0.0, 1.0), max_size=6))
    return pd.concat(frames, ignore_index=True), cuts


# near_m=0 below: the closest approach is certified to 0.5 m (detection.distance), not to the 1 cm
# these tests compare at; straight tracks (one minimum, found to float precision) check near misses
@SETTINGS
@given(recordings())
def test_streaming_any_time_windows_equals_one_batch(index, case):
    table, cuts = case
    expected = detect(table, index, near_m=0)
    assert_same_rows(streamed(index, time_windows(table, cuts), near_m=0), expected, index)


@SETTINGS
@given(recordings())
def test_streaming_tracks_cut_anywhere_equals_one_batch(index, case):
    table, cuts = case
    expected = detect(table, index, near_m=0, max_gap_s=30.0)
    assert_same_rows(streamed(index, row_slices(table, cuts), near_m=0, max_gap_s=30.0), expected, index)


@SETTINGS
@given(recordings())
def test_a_tracks_passages_do_not_depend_on_the_other_tracks_in_the_table(index, case):
    table, _ = case
    together = detect(table, index, near_m=0)
    alone = pd.concat([detect(t, index, near_m=0) for _, t in table.groupby("track_id")], ignore_index=True)
    assert_same_rows(together, alone, index)


@SETTINGS
@given(straight_recordings(), st.booleans())
def test_streamed_near_misses_and_passages_of_straight_tracks_equal_one_batch(index, case, by_time):
    table, cuts = case
    expected = detect(table, index, near_m=20_000.0)
    split = time_windows if by_time else row_slices
    assert_same_rows(streamed(index, split(table, cuts), near_m=20_000.0), expected, index)


def test_fix_by_fix_equals_one_batch_on_a_long_passage(index):
    # one fix per batch along a path that enters BOX, dips into OVERLAP and leaves (tiny chunks too)
    n = 120
    table = pd.DataFrame({"track_id": "A", "time": T0 + pd.to_timedelta(np.arange(n) * 10.0, unit="s"),
                          "lon": np.linspace(9.95, 10.8, n), "lat": 50.1 + 0.15 * np.sin(np.linspace(0, 3, n)),
                          "alt_m": np.linspace(1000.0, 5000.0, n)})
    expected = detect(table, index)
    got = streamed(index, [table.iloc[i:i + 1] for i in range(n)], chunk_fixes=1)
    assert_same_rows(got, expected, index)
    assert (expected["status"] == "closed").sum() >= 2


def test_events_report_entries_as_they_happen_and_silent_tracks_as_lost(index):
    detector = StreamDetector(index, near_m=0)
    times = T0 + pd.to_timedelta([0.0, 30.0, 60.0], unit="s")
    fixes = pd.DataFrame({"track_id": ["A", "A", "B"], "time": times, "lat": [50.1, 50.1, 50.15],
                          "lon": [9.9, 10.1, 10.2], "alt_m": 3000.0})
    events = detector.feed(fixes)
    assert sorted(zip(events.opened["track_id"], events.opened["status"])) == [("A", "open_end"), ("B", "open_start")]
    assert events.opened.loc[events.opened["track_id"] == "A", "entry_time"].notna().all()
    assert events.closed.empty and detector.stats().passages_open == 2
    later = detector.feed(pd.DataFrame({"track_id": ["B"], "time": [times[2] + pd.Timedelta(seconds=400)],
                                        "lat": [50.15], "lon": [10.25], "alt_m": 3000.0}))
    assert later.opened.empty and later.closed.empty
    lost = detector.expire(times[2] + pd.Timedelta(seconds=200), silence_s=120.0)  # A silent for 170 s
    assert lost.closed[["track_id", "airspace", "status"]].values.tolist() == [["A", "BOX", "lost"]]
    assert lost.closed["exit_time"].isna().all() and lost.closed["entry_time"].notna().all()
    assert detector.stats().tracks == 1
    rest = detector.flush().closed
    assert rest[["track_id", "status", "fixes_inside"]].values.tolist() == [["B", "open_start", 2]]
    assert "lost" in result.STATUSES


def test_fixes_earlier_than_their_track_are_dropped_and_counted_a_repeat_is_kept_as_in_a_batch(index):
    detector = StreamDetector(index, near_m=0)
    fixes = pd.DataFrame({"track_id": "A", "time": T0 + pd.to_timedelta([0.0, 10.0], unit="s"),
                          "lat": 50.1, "lon": [9.9, 9.95]})
    detector.feed(fixes)
    detector.feed(pd.concat([fixes.iloc[1:], fixes.assign(time=fixes["time"] + pd.Timedelta(seconds=5))]))
    stats = detector.stats()
    assert (stats.fixes_seen, stats.fixes_dropped, stats.fixes_late, stats.tracks) == (5, 1, 1, 1)  # t=5 dropped; t=10 again kept


def test_nationality_is_carried_as_in_a_batch(index):
    table = pd.DataFrame({"track_id": "A", "time": T0 + pd.to_timedelta([0.0, 60.0, 120.0], unit="s"),
                          "lat": 50.1, "lon": [9.9, 10.1, 10.5], "country": [None, "TUR", "RUS"]})
    expected = detect(table, index, near_m=0)
    got = streamed(index, [table.iloc[:1], table.iloc[1:]], near_m=0)
    assert got["country"].tolist() == expected["country"].tolist() == ["TUR"]


def test_state_stays_bounded_over_a_long_passage(index):
    # 300 batches of 100 fixes of a track circling inside BOX: the state is one fix and one
    # partial passage, and the memory Python holds does not grow with the fixes fed (holding them
    # would take megabytes)
    detector = StreamDetector(index, near_m=0)
    angle = np.linspace(0, 60 * np.pi, 300 * 100)
    fixes = pd.DataFrame({"track_id": "A", "time": T0 + pd.to_timedelta(np.arange(len(angle)) * 2.0, unit="s"),
                          "lon": 10.2 + 0.1 * np.cos(angle), "lat": 50.15 + 0.08 * np.sin(angle), "alt_m": 3000.0})
    batches = [fixes.iloc[i:i + 100] for i in range(0, len(fixes), 100)]
    for b in batches[:20]:
        detector.feed(b)  # imports and caches settle
    tracemalloc.start()
    held = []
    for b in batches[20:]:
        detector.feed(b)
        held.append(tracemalloc.get_traced_memory()[0])
    tracemalloc.stop()
    stats = detector.stats()
    assert stats.tracks == 1 and stats.passages_open == 1 and stats.memory_bytes < 50_000
    assert max(held[-100:]) - max(held[:100]) < 1_000_000
    (row,) = detector.flush().closed.to_dict("records")
    assert row["status"] == "open_start" and row["fixes_inside"] == len(fixes)


def test_doctests_of_the_streaming_modules():
    from skyborder.airspace import cache, combinations, edges, exact, index

    for module in (stream, cache, combinations, edges, exact, index):
        assert doctest.testmod(module).failed == 0, module.__name__


def test_fixes_nanometres_apart_deep_inside_hold_their_first_fix(index):
    # found by hypothesis: a piece beginning at the first fix of a segment shorter than TOUCH_M was
    # moved to the segment's end fix, so a track inside from its first fix was reported entering at its
    # second (open_end), and a split before that fix disagreed with the whole
    table = pd.DataFrame({"track_id": "S0", "time": T0 + pd.to_timedelta([0, 1, 2], unit="ns"),
                          "lat": [50.25, 50.25 + 5.3e-13, 50.25 + 1.08e-12],
                          "lon": [11.0, 11.0 + 1.4e-14, 11.0 + 2.8e-14], "alt_m": 3000.0})
    expected = detect(table, index, near_m=0)
    assert expected[["airspace", "status", "fixes_inside"]].values.tolist() == [["TILTED", "open_start", 3]]
    assert expected["entry_time"].isna().all()
    for cut in ([0.5], [0.0], [0.3, 0.7]):
        assert_same_rows(streamed(index, row_slices(table, cut), near_m=0), expected, index)
