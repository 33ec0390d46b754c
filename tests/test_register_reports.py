"""`report --db` and `tally --db` on a real register (SQLite), and the tutorial's worked example run as
written (its printed table must be the one the documentation shows)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skyborder.airspace import world
from skyborder.cli import main
from skyborder.cli.report_db import redact
from skyborder.detection.engine import detect
from skyborder.detection.result import passage_path
from skyborder.register import open_register
from skyborder.report.radar_map import hms
from skyborder.report.tally import tally
from skyborder.tracks import schema
from skyborder.warn.records import empty_warnings
from test_report import write_crossing

TUTORIAL = Path(__file__).resolve().parent.parent / "docs" / "tutorial.md"


@pytest.fixture(scope="module")
def register(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("register")
    source = write_crossing(tmp, "SU24")
    tracks = schema.normalize(pd.read_csv(source))
    result = detect(tracks, world.select("TUR,SYR"))
    warnings = empty_warnings().reindex(range(3))
    warnings["time"] = pd.to_datetime(["2015-11-24T07:22:00Z", "2015-11-24T07:22:30Z", "2015-11-24T07:23:00Z"],
                                      utc=True)
    warnings["track_id"], warnings["airspace"], warnings["stage"] = "SU24", "TUR", "predicted"
    warnings["message"] = "You are approaching Turkish airspace."
    warnings["repeat"] = [1, 2, 3]
    warnings["alert_start"] = warnings["time"].iloc[0]
    db = tmp / "r.sqlite"
    with open_register(db) as reg:
        run = reg.begin_run("ingest", str(source))
        ids = reg.record(run, passages=result, tracks=[tracks] * len(result),
                         paths=[passage_path(r, tracks) for _, r in result.iterrows()], warnings=warnings).passage_ids
        reg.end_run(run)
    tur = int(np.flatnonzero((result["airspace"] == "TUR").to_numpy())[0])
    return tmp, db, ids[tur], result.iloc[tur]


def test_report_of_a_stored_passage(register):
    tmp, db, passage_id, row = register
    out = tmp / "one"
    assert main(["report", "--db", str(db), str(passage_id), "--format", "html", "-o", str(out),
                 "--samples", "300"]) == 0
    html = next(out.glob("passage-*.html")).read_text(encoding="utf-8")
    assert html.count("You are approaching Turkish airspace.") == 3
    assert hms(row["entry_time"]) in html and f"{row['duration_s']:.1f} s" in html
    assert "SHA-256" not in html or "register" in html
    assert "ODbL" in html and f"passage {passage_id}" in html


def test_report_of_a_period_and_bad_ids(register, capsys):
    tmp, db, _, _ = register
    out = tmp / "period"
    assert main(["report", "--db", str(db), "--since", "2015-11-24", "--until", "2015-11-25", "--format", "html",
                 "-o", str(out), "--samples", "200"]) == 0
    with open_register(db) as reg:
        stored = reg.passages()
    expected = int((stored["status"] != "near").sum())
    assert len(list(out.glob("passage-*.html"))) == expected
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count("<tr>") == expected + 1
    assert main(["report", "--db", str(db), "999"]) == 2
    assert "no passage with id 999" in capsys.readouterr().err
    assert main(["report", "--db", str(db), "abc"]) == 2
    assert redact("postgresql://u:secret@h/db") == "postgresql://u:***@h/db"


def test_tally_outputs_agree(register, capsys):
    tmp, db, _, _ = register
    assert main(["tally", "--db", str(db), "--by", "airspace,year", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    with open_register(db) as reg:
        expected = tally(reg.passages(), reg.warnings(), ["airspace"], "year")
    assert [(d["airspace"], d["period"], d["passages"], d["warnings"]) for d in data] == \
        list(zip(expected["airspace"], expected["period"], expected["passages"], expected["warnings"]))
    assert {d["airspace"]: d["warnings"] for d in data}["TUR"] == 3
    assert main(["tally", "--db", str(db), "--by", "airspace", "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("airspace,passages,aircraft,warnings")
    assert main(["tally", "--db", str(db), "--format", "png"]) == 2
    assert main(["tally", "--db", str(db), "--format", "png", "-o", str(tmp / "t.png")]) == 0
    assert (tmp / "t.png").read_bytes()[:4] == b"\x89PNG"


def test_tutorial_worked_example(tmp_path, capsys, monkeypatch):
    text = TUTORIAL.read_text(encoding="utf-8")
    section = text[text.index("### Worked example"):]
    blocks = re.findall(r"```(\w*)\n(.*?)```", section, re.S)
    code = next(body for lang, body in blocks if lang == "python")
    shown = next(body for lang, body in blocks if lang == "").strip()
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "tutorial", "exec"), {})
    assert main(["tally", "--db", "example.sqlite", "--by", "country,year"]) == 0
    assert capsys.readouterr().out.strip() == shown
