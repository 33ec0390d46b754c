"""Empty input gives an empty result with every column and dtype, from the API and the command."""
import json

import numpy as np
import pandas as pd
import pytest
import shapely

from skyborder.airspace import Airspace
from skyborder.cli import main
from skyborder.detection import detect
from skyborder.detection.result import RESULT_COLUMNS, empty
from skyborder.tracks import schema

BOX = Airspace("BOX", shapely.box(0, 0, 1, 1), floor_m=0.0, ceiling_m=3000.0)


def assert_empty_result(result):
    assert len(result) == 0 and list(result.columns) == RESULT_COLUMNS
    assert dict(result.dtypes) == dict(empty().dtypes)


@pytest.mark.parametrize("table", [
    schema.empty(),
    pd.DataFrame({"time": pd.Series([], dtype="object"), "track_id": [], "lat": [], "lon": []}),
    # every row without a usable position or time
    pd.DataFrame({"time": ["2015-11-24T07:20:00Z", None], "track_id": ["A", "B"], "lat": [np.nan, 0.5],
                  "lon": [0.5, 0.5]}),
], ids=["track-schema", "bare-columns", "no-usable-row"])
def test_detect_on_empty_input(table):
    assert_empty_result(detect(table, [BOX]))
    assert_empty_result(detect(table, "NLD"))


def test_command_on_a_header_only_file_exits_0(tmp_path, capsys):
    path = tmp_path / "header.csv"
    path.write_text("time,track_id,lat,lon,alt_m\n")
    assert main(["detect", str(path), "--airspace", "NLD", "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == [] and "error" not in captured.err


def test_command_on_a_file_of_rejected_rows_exits_1(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("time,track_id,lat,lon,alt_m\nnot-a-time,A,0.5,0.5,100\n2015-11-24T07:20:00Z,A,95.0,0.5,100\n")
    assert main(["detect", str(path), "--airspace", "NLD", "--format", "csv"]) == 1
    captured = capsys.readouterr()
    assert captured.out.strip() == ",".join(RESULT_COLUMNS)
    assert "line 2" in captured.err and "line 3" in captured.err and "internal error" not in captured.err
