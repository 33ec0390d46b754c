"""``skyborder serve --db``: the radar page's API over a real register (SQLite and PostgreSQL).

The register is filled by ``skyborder ingest`` of the 2015 reconstruction; the answers are
checked against the register's own queries (newest first, the same rows) and against ``detect``
on the same tracks (the passage's inside path starts and ends at its entry and exit points,
to 1e-9 degrees).
"""
from __future__ import annotations

import pandas as pd
import pytest
from starlette.testclient import TestClient

from postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)
from skyborder.cli import main
from skyborder.demo import evidence
from skyborder.register.store import open_register
from skyborder.web.app import create_app
from skyborder.web.model import PageSettings, Query
from skyborder.web.registered import RegisterView


@pytest.fixture(params=["sqlite", "postgresql"])
def filled(request, tmp_path):
    target = str(tmp_path / "r.sqlite") if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    tracks = tmp_path / "demo.csv"
    frame = evidence.tracks()
    frame["callsign"] = frame["track_id"].map({"TR-claim": "LEAD23"})  # one track heard with a callsign, one not
    frame.to_csv(tracks, index=False)
    assert main(["ingest", str(tracks), "--airspace", "TUR,SYR", "--db", target, "--policy", "air-policing",
                 "-q"]) == 0
    return target


def test_passages_and_warnings_newest_first_with_paths_and_acknowledgement(filled):
    view = RegisterView(filled)
    try:
        with open_register(filled) as reg:
            stored = reg.passages()
            warnings = reg.warnings()
        assert len(stored) > 0 and len(warnings) > 0
        got = view.passages(Query())
        assert [int(r["id"]) for r in got] == stored.sort_values(["anchor_time", "id"], ascending=False)["id"].tolist()
        assert [int(r["id"]) for r in view.passages(Query(limit=1))] == [int(got[0]["id"])]
        assert view.passages(Query(airspaces=("XXX",))) == []
        with open_register(filled) as reg:  # each passage named by the callsign its aircraft was heard with
            heard = dict(zip(reg.aircraft()["track_id"], reg.aircraft()["callsign"], strict=True))
        assert [r["callsign"] for r in got] == [heard[r["track_id"]] if isinstance(heard.get(r["track_id"]), str) else None
                                             for r in got]
        assert {r["callsign"] for r in got} == {"LEAD23", None}
        assert view.passage(got[0]["id"])["callsign"] == got[0]["callsign"]
        closed = next(r for r in got if r["entry_time"] and r["exit_time"])
        one = view.passage(closed["id"])
        assert one["path"]["lon"][0] == pytest.approx(closed["entry_lon"], abs=1e-9)
        assert one["path"]["lat"][-1] == pytest.approx(closed["exit_lat"], abs=1e-9)
        assert pd.Timestamp(one["path"]["time"][0]) == pd.Timestamp(closed["entry_time"])
        assert len(one["track"]["lon"]) >= 2
        assert view.passage("999999") is None and view.passage("../x") is None
        listed = view.warnings(Query())
        times = [pd.Timestamp(w["time"]) for w in listed]
        assert len(listed) == len(warnings) and times == sorted(times, reverse=True)
        ack = view.acknowledge(listed[0]["id"], "duty officer", "seen")
        assert ack is not None and ack["by"] == "duty officer"
        assert view.acknowledge("999999", "x") is None
        with open_register(filled) as reg:
            assert reg.acknowledgements()["by"].tolist() == ["duty officer"]
    finally:
        view.close()


def test_the_page_api_serves_the_register(filled):
    view = RegisterView(filled)
    try:
        client = TestClient(create_app(None, view, PageSettings(watched=("TUR", "SYR"))),
                            base_url="http://127.0.0.1")
        passages = client.get("/api/passages").json()
        assert len(passages) == len(view.passages(Query()))
        assert client.get(f"/api/passages/{passages[0]['id']}").json()["path"]["lon"]
        assert client.get("/api/passages/424242").status_code == 404
        assert len(client.get("/api/warnings").json()) > 0
    finally:
        view.close()
