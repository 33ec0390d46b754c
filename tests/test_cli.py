"""The `skyborder` command end to end: outputs, bad input and exit codes."""
import io
import json
import subprocess
import sys

import pandas as pd
import pytest

from skyborder.cli import main
from skyborder.report.export import JSON_KEYS

HEADER = "time,track_id,lat,lon,alt_m\n"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def crossing_csv(tmp_path, extra=""):
    # westward at 35.83 N across the Hatay salient, one fix every 4 s
    rows = [f"2015-11-24T07:23:{4 * i:02d}Z,SU24,35.83,{36.25 - 0.01 * i:.3f},5791\n" for i in range(15)]
    return write(tmp_path, "t.csv", HEADER + "".join(rows) + extra)


def test_json_has_exactly_the_documented_keys(tmp_path, capsys):
    assert main(["detect", crossing_csv(tmp_path), "--airspace", "TUR", "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result and all(list(p) == JSON_KEYS for p in result)
    tur = [p for p in result if p["status"] == "closed"][0]
    assert tur["entry_time"].endswith("Z") and "." in tur["entry_time"]
    assert pd.Timestamp(tur["exit_time"]) > pd.Timestamp(tur["entry_time"])


def test_malformed_rows_are_reported_with_line_numbers_and_skipped(tmp_path, capsys):
    path = crossing_csv(tmp_path, extra="2015-11-24T07:24:00Z,SU24,not-a-number,36.0,5791\n"
                                         "2015-11-24T07:24:04Z,SU24,95.0,36.0,5791\n")
    code = main(["detect", path, "--airspace", "TUR", "--format", "csv"])
    captured = capsys.readouterr()
    assert code == 1
    assert f"{path}:line 17" in captured.err and f"{path}:line 18" in captured.err
    assert "skipped 2" in captured.err
    assert "TUR" in captured.out  # the good rows were still processed


@pytest.mark.parametrize("args, message", [
    (["--airspace", "XYZ"], "unknown airspace code"),
    (["--max-gap", "-1"], "--max-gap"),
])
def test_user_errors_are_one_line_exit_2(tmp_path, capsys, args, message):
    code = main(["detect", crossing_csv(tmp_path)] + args)
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_missing_column_and_missing_file(tmp_path, capsys):
    path = write(tmp_path, "bad.csv", "time,track_id,lon\n2015-11-24T07:23:00Z,A,36.0\n")
    assert main(["detect", path]) == 2
    assert "lat" in capsys.readouterr().err
    assert main(["detect", str(tmp_path / "nope.csv")]) == 2
    assert "nope.csv" in capsys.readouterr().err


def test_geojson_output_and_custom_zone(tmp_path, capsys):
    zone = write(tmp_path, "zone.geojson", json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": "BOX", "floor_m": 1000, "ceiling_m": 9000},
        "geometry": {"type": "Polygon", "coordinates": [[[36.0, 35.8], [36.2, 35.8], [36.2, 35.9],
                                                          [36.0, 35.9], [36.0, 35.8]]]}}]}))
    out = tmp_path / "out.geojson"
    assert main(["detect", crossing_csv(tmp_path), "--zones", zone, "--format", "geojson", "-o", str(out)]) == 0
    features = json.loads(out.read_text())["features"]
    assert [f["properties"]["airspace"] for f in features] == ["BOX"]
    line = features[0]["geometry"]
    assert line["type"] == "LineString" and line["coordinates"][0][0] == pytest.approx(36.2, abs=1e-9)


def test_airspaces_lists_250_and_the_console_script_runs():
    out = subprocess.run([sys.executable, "-m", "skyborder.cli", "airspaces", "--format", "csv"],
                         capture_output=True, text=True, check=True).stdout
    lines = out.strip().splitlines()
    assert len(lines) == 251 and lines[0].startswith("code,name")
    assert any(line.startswith("UKR,") and "RUS" in line for line in lines)


def test_results_carry_nationality_from_the_icao_address(tmp_path, capsys):
    # 0x155a01 lies in the Russian Federation's block 0x100000-0x1FFFFF (ICAO Annex 10 Vol. III)
    rows = [f"2015-11-24T07:23:{4 * i:02d}Z,155a01,RFF1234,35.83,{36.25 - 0.01 * i:.3f},5791\n" for i in range(15)]
    path = write(tmp_path, "n.csv", "time,icao24,callsign,lat,lon,alt_m\n" + "".join(rows))
    assert main(["detect", path, "--airspace", "TUR", "--format", "csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(table["track_id"]) == ["155a01"] and list(table["country"]) == ["RUS"]
    assert list(table["operator"]) == ["RFF"]


def test_table_shows_nationality_only_when_known(tmp_path, capsys):
    assert main(["detect", crossing_csv(tmp_path), "--airspace", "TUR"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert "entry (UTC)" in header and "country" not in header and "military" not in header
    rows = [f"2015-11-24T07:23:{4 * i:02d}Z,155a01,RFF1234,35.83,{36.25 - 0.01 * i:.3f},5791\n" for i in range(15)]
    path = write(tmp_path, "n.csv", "time,icao24,callsign,lat,lon,alt_m\n" + "".join(rows))
    assert main(["detect", path, "--airspace", "TUR"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "country" in lines[0] and "RUS" in lines[1]


def test_internal_error_exits_3_with_traceback_file(monkeypatch, tmp_path, capsys):
    """A bug (any exception that is not an InputError) is not reported as bad input."""
    import skyborder.cli.airspaces

    def broken(args):
        raise MemoryError("out of memory while building the index")

    monkeypatch.setenv("SKYBORDER_CRASH_DIR", str(tmp_path))
    monkeypatch.setattr(skyborder.cli.airspaces, "run", broken)
    assert main(["airspaces"]) == 3
    err = capsys.readouterr().err.strip()
    assert err.startswith("skyborder: internal error: MemoryError: out of memory") and len(err.splitlines()) == 1
    written = list(tmp_path.glob("skyborder-crash-*.txt"))
    assert len(written) == 1 and str(written[0]) in err
    assert "Traceback" in written[0].read_text() and "broken" in written[0].read_text()


def test_interrupt_exits_130_quietly(monkeypatch, capsys):
    import skyborder.cli.airspaces

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(skyborder.cli.airspaces, "run", interrupted)
    assert main(["airspaces"]) == 130
    assert capsys.readouterr().err == ""


def test_bad_option_values_are_input_errors(capsys):
    assert main(["simulate", "--out", "x.beast", "--start", "not a time"]) == 2
    assert "not a time" in capsys.readouterr().err
    assert main(["simulate", "--push", "nohostport"]) == 2
    assert "HOST:PORT" in capsys.readouterr().err


def test_help_imports_no_heavy_library():
    code = ("import sys, skyborder.cli._args as a; a.build_parser(); "
            "heavy = [m for m in ('pandas', 'numpy', 'shapely', 'numba', 'pyproj') if m in sys.modules]; "
            "assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True)
