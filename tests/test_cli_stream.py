"""`skyborder detect` streams files: many small batches give the rows of one in-memory detect.

Inputs are generated: straight flights across the Türkiye-Syria border, written sorted by track
(Parquet) and in time order, tracks interleaved (CSV, like OpenSky state vectors). The reference
is ``detect`` on the whole table read at once; tolerances as in ``test_stream``.
"""
import io
import json

import numpy as np
import pandas as pd
import pytest

from skyborder.airspace.index import index_for
from skyborder.cli import detect as detect_command
from skyborder.cli import main
from skyborder.detection import detect
from skyborder.detection.stream import StreamDetector
from skyborder.geodesy import GEOD
from skyborder.tracks.nationality import annotate
from skyborder.tracks.readers.sniff import read_tracks
from test_stream import assert_same_rows

T0 = 1448348400.0  # 2015-11-24T07:00:00Z


@pytest.fixture(scope="module")
def flights() -> pd.DataFrame:
    rng = np.random.default_rng(24)
    frames = []
    for k in range(30):
        n = int(rng.integers(50, 400))
        seconds = np.cumsum(rng.uniform(4.0, 12.0, n)) + rng.uniform(0, 1800)
        lon, lat, _ = GEOD.fwd(np.full(n, rng.uniform(35.6, 37.0)), np.full(n, rng.uniform(35.6, 37.2)),
                               np.full(n, rng.uniform(0, 360)), (seconds - seconds[0]) * 230.0)
        frames.append(pd.DataFrame({"time": T0 + seconds, "icao24": f"{0x155a00 + k:06x}", "lat": lat, "lon": lon,
                                    "alt_m": rng.uniform(1000, 9000)}))
    return pd.concat(frames, ignore_index=True)


def expected_rows(path: str) -> pd.DataFrame:
    tracks = annotate(read_tracks(path))
    return detect(tracks, "TUR,SYR", near_m=20_000.0)


def read_csv_result(text: str) -> pd.DataFrame:
    out = pd.read_csv(io.StringIO(text), keep_default_na=True)
    for c in ("entry_time", "exit_time", "closest_approach_time"):
        out[c] = pd.to_datetime(out[c], utc=True, format="ISO8601")
    out["disputed_with"] = [[] if pd.isna(v) else v.split(";") for v in out["disputed_with"]]
    out["track_id"] = out["track_id"].astype(str)
    return out


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(detect_command, "BATCH_ROWS", 700)
    finished = []
    original = StreamDetector.finish

    def spy(self, track_ids):
        finished.append(list(track_ids))
        return original(self, track_ids)

    monkeypatch.setattr(StreamDetector, "finish", spy)
    return finished


def test_a_parquet_file_sorted_by_track_is_streamed_and_tracks_finish_early(tmp_path, flights, small_batches,
                                                                           capsys):
    path = str(tmp_path / "flights.parquet")
    flights.sort_values(["icao24", "time"]).to_parquet(path)
    out = tmp_path / "out.csv"
    assert main(["detect", path, "--airspace", "TUR,SYR", "--format", "csv", "-o", str(out), "-q"]) == 0
    expected = expected_rows(path)
    got = read_csv_result(out.read_text())
    assert len(expected) > 20 and set(expected["status"]) >= {"closed", "near"}
    assert_same_rows(got, expected, index_for("TUR,SYR"))
    assert (got["country"] == "RUS").all() and (expected["country"] == "RUS").all()  # 0x155a.. is Russian
    # tracks were finished as soon as a later batch began with a later track (the last call is the flush)
    before_flush = [t for call in small_batches[:-1] for t in call]
    ids = sorted(flights["icao24"].unique())
    assert before_flush == ids[:len(before_flush)] and len(before_flush) >= len(ids) - 2


def test_a_csv_file_in_time_order_is_streamed(tmp_path, flights, small_batches, capsys):
    path = tmp_path / "states.csv"
    flights.sort_values("time").to_csv(path, index=False)
    assert main(["detect", str(path), "--airspace", "TUR,SYR", "--format", "json", "-q"]) == 0
    rows = json.loads(capsys.readouterr().out)
    expected = expected_rows(str(path))
    got = pd.DataFrame(rows)
    for c in ("entry_time", "exit_time", "closest_approach_time"):
        got[c] = pd.to_datetime(got[c], utc=True, format="ISO8601")
    for c in ("max_depth_lat", "max_depth_lon", "closest_approach_lat", "closest_approach_lon"):
        got[c] = expected[c] = np.nan  # not among the JSON keys
    assert_same_rows(got, expected, index_for("TUR,SYR"))
    assert len(small_batches) > 5 and not any(small_batches[:-1])  # every track held to the end (the flush)


def test_fixes_out_of_time_order_across_batches_are_skipped_and_reported(tmp_path, flights, monkeypatch, capsys):
    monkeypatch.setattr(detect_command, "BATCH_ROWS", 50)
    path = tmp_path / "states.parquet"  # Parquet: read in batches of exactly BATCH_ROWS rows
    one = flights[flights["icao24"] == flights["icao24"].iloc[0]].sort_values("time")
    pd.concat([one.iloc[100:], one.iloc[:100]]).to_parquet(path, index=False)  # the first 100 fixes come last
    assert main(["detect", str(path), "--airspace", "TUR,SYR", "--format", "csv", "-q"]) == 1
    assert "skipped 100 fixes" in capsys.readouterr().err


def test_an_internal_error_during_detection_exits_3_not_as_bad_input(tmp_path, flights, monkeypatch, capsys):
    def out_of_memory(self, fixes):
        raise MemoryError("simulated")

    monkeypatch.setattr(StreamDetector, "feed", out_of_memory)
    monkeypatch.setenv("SKYBORDER_CRASH_DIR", str(tmp_path))
    path = tmp_path / "states.csv"
    flights.iloc[:100].to_csv(path, index=False)
    assert main(["detect", str(path), "--airspace", "TUR", "--format", "csv"]) == 3
    err = capsys.readouterr().err
    assert "internal error: MemoryError" in err and str(tmp_path) in err
    assert len(list(tmp_path.glob("skyborder-crash-*.txt"))) == 1
