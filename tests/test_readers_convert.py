"""`skyborder convert` run as a real process."""
import subprocess
import sys
from pathlib import Path

import pandas as pd

DATA = Path(__file__).parent / "data" / "tracks"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "skyborder.cli", "convert", *args],
                          capture_output=True, text=True, timeout=120)


def test_convert_sbs_to_parquet_reports_bad_lines(tmp_path):
    out = tmp_path / "fixes.parquet"
    done = _run(str(DATA / "sample.sbs"), str(out), "--tz", "Europe/Berlin")
    assert done.returncode == 1  # bad input was skipped
    assert "sample.sbs:line 9: position missing or out of range" in done.stderr
    assert "4 fixes in 2 tracks" in done.stderr
    table = pd.read_parquet(out)
    assert table["time"].min() == pd.Timestamp("2015-11-24 06:24:01", tz="UTC")  # 07:24:01 CET


def test_convert_clean_csv_with_mapping_to_geojson(tmp_path):
    out = tmp_path / "su24.geojson"
    done = _run(str(DATA / "mapped.csv"), str(out), "--columns", "ts=time,plane=track_id,y=lat,x=lon")
    assert done.returncode == 0, done.stderr
    assert '"coordinates":[[36.1,36.0],[36.12,36.01]]' in out.read_text()


def test_convert_usage_errors_are_one_line(tmp_path):
    for args in ([str(DATA / "sample.sbs"), str(tmp_path / "x.xlsx")],
                 [str(tmp_path / "missing.csv"), str(tmp_path / "x.csv")],
                 [str(DATA / "mapped.csv"), str(tmp_path / "x.csv")]):
        done = _run(*args)
        assert done.returncode == 2
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("skyborder: error: ")
