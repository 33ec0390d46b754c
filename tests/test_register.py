"""The register on SQLite and on a real PostgreSQL server: round trips against the engine's own
results, idempotent keys, open passages updated in place, queries, acknowledgements,
migrations, and clear errors when the database is unavailable or full."""
from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest

from postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)
from skyborder.airspace import world
from skyborder.demo import evidence
from skyborder.detection.engine import detect
from skyborder.detection.result import RESULT_COLUMNS, passage_path
from skyborder.errors import RegisterFullError, RegisterUnavailableError
from skyborder.register import SCHEMA_VERSION, open_register
from skyborder.tracks.nationality import annotate
from skyborder.warn.engine import replay


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "register.sqlite")
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="module")
def case():
    tracks = annotate(evidence.tracks())
    airspaces = [world.country("TUR"), world.country("SYR")]
    result = detect(tracks, airspaces)
    warnings = replay(tracks, airspaces, "air-policing")
    return tracks, result, warnings


def paths_of(result, tracks):
    by_track = dict(list(tracks.groupby("track_id")))
    rows = result[result["status"] != "near"].reset_index(drop=True)
    return rows, [passage_path(r, by_track[r["track_id"]]) for r in rows.to_dict("records")], \
        [by_track[t] for t in rows["track_id"]]


def test_passages_round_trip_and_are_idempotent(target, case):
    tracks, result, _ = case
    rows, paths, around = paths_of(result, tracks)
    with open_register(target) as reg:
        assert reg.schema_version == SCHEMA_VERSION
        run = reg.begin_run("test", "demo tracks", {"airspace": "TUR,SYR"})
        first = reg.record(run, passages=rows, paths=paths, tracks=around)
        again = reg.record(run, passages=rows, paths=paths, tracks=around)
        assert first.passage_ids == again.passage_ids and len(set(first.passage_ids)) == len(rows)
        stored = reg.passages()
        assert len(stored) == len(rows)
        stored = stored.set_index("id").loc[first.passage_ids].reset_index(drop=True)
        for column in RESULT_COLUMNS:
            a, b = stored[column], rows[column]
            if str(b.dtype).startswith("datetime"):
                diff = (a - b).abs().dt.total_seconds().fillna(0)
                assert (diff <= 1e-6).all() and (a.isna() == b.isna()).all(), column
            elif b.dtype == float:
                assert np.allclose(a.astype(float), b, equal_nan=True, rtol=0, atol=1e-9), column
            else:
                assert [list(v) if isinstance(v, (list, np.ndarray)) else v for v in b] == list(a), column
        one = reg.passage(first.passage_ids[0])
        assert np.allclose(one.path.lon, paths[0].lon) and np.allclose(one.path.lat, paths[0].lat)
        assert (abs(one.path.time - paths[0].time) <= pd.Timedelta(microseconds=1)).all()
        assert len(one.track) == len(around[0])
        reg.end_run(run, "done", {"passages": len(rows)})
        runs = reg.runs()
        assert runs.iloc[0]["status"] == "done" and runs.iloc[0]["parameters"] == {"airspace": "TUR,SYR"}


def test_an_open_passage_is_updated_in_place_when_it_closes(target, case):
    tracks, result, _ = case
    tr = tracks[tracks["track_id"] == "TR-claim"]
    closed = result[(result["track_id"] == "TR-claim") & (result["airspace"] == "TUR")].iloc[[0]].reset_index(drop=True)
    cut = tr[tr["time"] <= closed["entry_time"].iloc[0] + pd.Timedelta(seconds=5)]
    opened = detect(cut, [world.country("TUR")], near_m=0)
    assert opened["status"].tolist() == ["open_end"]
    with open_register(target) as reg:
        a = reg.record(passages=opened, paths=[passage_path(opened.iloc[0], cut)]).passage_ids
        b = reg.record(passages=closed, paths=[passage_path(closed.iloc[0], tr)]).passage_ids
        assert a == b
        stored = reg.passages()
        assert len(stored) == 1 and stored["status"].iloc[0] == "closed"
        assert stored["duration_s"].iloc[0] == pytest.approx(closed["duration_s"].iloc[0], abs=1e-6)


def test_warnings_alerts_queries_and_acknowledgements(target, case):
    tracks, result, events = case
    warnings = events.warnings
    assert len(warnings) > 0
    rows, paths, _ = paths_of(result, tracks)
    with open_register(target) as reg:
        ids = reg.record(warnings=warnings, passages=rows, paths=paths, aircraft=tracks).warning_ids
        assert reg.record(warnings=warnings).warning_ids == ids  # idempotent
        reg.record(cleared=events.cleared)
        stored = reg.warnings()
        assert len(stored) == len(warnings) and stored["message"].tolist() == warnings["message"].tolist()
        assert (stored["time"] == warnings["time"].dt.floor("us")).all()
        alerts = reg.alerts()
        assert len(alerts) == warnings["alert_start"].nunique()
        assert alerts["warnings"].sum() == len(warnings)
        assert alerts["cleared_at"].notna().sum() == len(events.cleared)  # the others were open at the end
        # filters
        start = warnings["time"].iloc[3]
        assert len(reg.warnings(since=start)) == (warnings["time"] >= start).sum()
        assert len(reg.warnings(airspace="syr")) == (warnings["airspace"] == "SYR").sum()
        assert len(reg.passages(airspace="TUR")) == (rows["airspace"] == "TUR").sum()
        assert len(reg.passages(status="closed")) == (rows["status"] == "closed").sum()
        assert len(reg.passages(military=True)) == 0
        seen = reg.aircraft()
        assert set(seen["track_id"]) == set(tracks["track_id"])
        ack = reg.acknowledge(warning_id=ids[0], by="duty officer", until="day")
        assert ack["track_id"] == warnings["track_id"].iloc[0] and ack["until"].hour == 0
        acks = reg.acknowledgements()
        assert len(acks) == 1 and acks["by"].iloc[0] == "duty officer"
        assert len(reg.acknowledgements(after_id=int(acks["id"].iloc[0]))) == 0


def test_a_grown_result_schema_is_migrated(tmp_path):
    path = str(tmp_path / "old.sqlite")
    open_register(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute('ALTER TABLE passages DROP COLUMN "closest_approach_lon"')
    with open_register(path) as reg:
        columns = reg.dialect.existing_columns("passages")
        assert "closest_approach_lon" in columns
        _, rows = reg._query("SELECT description FROM schema_version ORDER BY version")
        assert any("closest_approach_lon" in r[0] for r in rows)


def test_unavailable_register_is_one_clear_error(tmp_path, postgres_server):  # noqa: F811
    with pytest.raises(RegisterUnavailableError, match="does not exist"):
        open_register(str(tmp_path / "no" / "such" / "dir" / "r.sqlite"))
    port = int(postgres_server.rsplit(":", 1)[1])
    closed = f"postgresql://postgres:secret@127.0.0.1:{port + 1 if port < 65535 else 1}/x"
    with pytest.raises(RegisterUnavailableError) as caught:
        open_register(closed)
    assert "secret" not in str(caught.value) and "\n" not in str(caught.value)


def test_a_full_disk_is_a_clear_error_and_nothing_half_written(tmp_path, case):
    tracks, result, events = case
    path = str(tmp_path / "full.sqlite")
    with open_register(path) as reg:
        pages = reg.dialect.conn.execute("PRAGMA page_count").fetchone()[0]
        reg.dialect.conn.execute(f"PRAGMA max_page_count = {pages}")
        big = pd.concat([events.warnings.assign(time=events.warnings["time"] + pd.Timedelta(seconds=k))
                         for k in range(300)], ignore_index=True)
        with pytest.raises(RegisterFullError, match="full"):
            reg.record(warnings=big)
        assert len(reg.warnings()) == 0  # the failed transaction left nothing behind


def test_readers_do_not_block_the_writer(tmp_path, case):
    _, _, events = case
    path = str(tmp_path / "wal.sqlite")
    with open_register(path) as writer:
        reader = sqlite3.connect(path)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM warnings").fetchone()  # a read transaction held open
        writer.record(warnings=events.warnings)
        assert reader.execute("SELECT count(*) FROM warnings").fetchone()[0] == 0  # its snapshot
        reader.execute("COMMIT")
        assert reader.execute("SELECT count(*) FROM warnings").fetchone()[0] == len(events.warnings)
        reader.close()
