"""The register's commands end to end: ingest, passages, warnings (replay, --evaluate, --db)."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from skyborder.airspace import world
from skyborder.cli import main
from skyborder.demo import evidence
from skyborder.detection.engine import detect
from skyborder.warn.engine import replay
from skyborder.warn.records import JSON_KEYS


@pytest.fixture(scope="module")
def demo_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "demo.csv"
    evidence.tracks().to_csv(path, index=False)
    return str(path)


def test_ingest_then_list_passages_and_warnings(tmp_path, demo_csv, capsys):
    db = str(tmp_path / "r.sqlite")
    assert main(["ingest", demo_csv, "--airspace", "TUR,SYR", "--db", db, "--policy", "air-policing", "-q"]) == 0
    assert main(["ingest", demo_csv, "--airspace", "TUR,SYR", "--db", db, "--policy", "air-policing", "-q"]) == 0
    capsys.readouterr()
    assert main(["passages", "--db", db, "--format", "json"]) == 0
    stored = json.loads(capsys.readouterr().out)
    expected = detect(evidence.tracks(), [world.country("TUR"), world.country("SYR")])
    assert len(stored) == len(expected)  # twice ingested, stored once
    assert main(["passages", "--db", db, "--airspace", "TUR", "--status", "closed"]) == 0
    table = capsys.readouterr().out
    assert "TR-claim" in table and table.splitlines()[0].split()[0] == "id"
    assert main(["warnings", "--db", db, "--format", "json", "--since", "2015-11-24T07:22:00Z"]) == 0
    listed = json.loads(capsys.readouterr().out)
    events = replay(evidence.tracks(), [world.country("TUR"), world.country("SYR")], "air-policing")
    later = events.warnings[events.warnings["time"] >= pd.Timestamp("2015-11-24T07:22:00Z")]
    assert len(listed) == len(later) and list(listed[0]) == ["id", *JSON_KEYS]
    assert main(["passages", "--db", db, "--since", "yesterday-ish"]) == 2


def test_warnings_replay_and_evaluate(tmp_path, demo_csv, capsys):
    assert main(["warnings", demo_csv, "--airspace", "TUR", "--policy", "air-policing", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert records and {"time", "track_id", "airspace", "stage", "predicted_entry_time", "time_to_entry_s",
                        "distance_m", "message"} <= set(records[0])
    plot = tmp_path / "eval.png"
    code = main(["warnings", demo_csv, "--airspace", "TUR", "--policy", "air-policing", "--evaluate",
                 "--plot", str(plot), "--sweep", "60,120", "--format", "json"])
    assert code == 0
    evaluation = json.loads(capsys.readouterr().out)
    assert evaluation["summary"]["entries"] == 1 and evaluation["summary"]["missed"] == 0
    assert [s["look_ahead_s"] for s in evaluation["sweep"]] == [60.0, 120.0]
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the lead time is entry minus the start of the alert standing at the entry
    entry = evaluation["entries"][0]
    warnings = pd.DataFrame(records)
    mine = warnings[(warnings["track_id"] == entry["track_id"]) & (pd.to_datetime(warnings["time"])
                                                                    <= pd.Timestamp(entry["entry_time"]))]
    start = pd.Timestamp(mine["alert_start"].iloc[-1])
    assert entry["lead_s"] == pytest.approx((pd.Timestamp(entry["entry_time"]) - start).total_seconds(), abs=0.05)


def test_warnings_usage_errors(demo_csv, capsys):
    assert main(["warnings"]) == 2
    assert main(["warnings", demo_csv, "--db", "x.sqlite"]) == 2
    assert main(["warnings", demo_csv, "--policy", "nope"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
