"""Hostile and broken inputs: each gives a clear line, keeps every good row and stays in bounded
memory. Memory is measured (tracemalloc + pyarrow's pool, in a fresh process), never time."""
from __future__ import annotations

import gzip
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from skyborder.errors import BadInput, InputError, TrackSchemaError
from skyborder.sources import Source
from skyborder.tracks.readers.sniff import read_batches, read_tracks

ROWS = "".join(f"14483498{40 + i},4ca2d6,{35 + i / 100:.2f},36.0\n" for i in range(10))
HEADER = "time,icao24,lat,lon\n"


def bad_lines(bad: BadInput) -> list[int]:
    return [int(m.split(":line ")[1].split(":")[0]) for m in bad.messages]


def run_cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "skyborder.cli", *args], input=stdin, capture_output=True,
                          timeout=120)


# --- lines longer than any block -------------------------------------------------------------

def test_csv_line_over_1_mb_is_one_bad_line_and_numbers_do_not_drift(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(HEADER + ROWS + "1448349900,abcdef,35," + "x" * (3 << 20) + "\n" + ROWS.replace("4ca2d6", "4ca2d7")
                    + "1448349999,4ca2d7,nan,36\n")
    bad = BadInput()
    table = read_tracks(str(path), bad=bad)
    assert len(table) == 20
    assert bad_lines(bad) == [12, 23] and bad.counts == {"line too long": 1, "bad latitude": 1}


def test_sbs_line_over_1_mb_is_one_bad_line(tmp_path):
    line = "MSG,3,1,1,4CA2D6,1,2015/11/24,07:24:{s:02d}.000,2015/11/24,07:24:{s:02d}.000,,35000,,,36.0{s:02d},36.1,,,0,0,0,0\n"
    path = tmp_path / "long.sbs"
    path.write_text(line.format(s=1) + "MSG,3," + "9" * (2 << 20) + "\n" + line.format(s=2) + "MSG,9,bad\n")
    bad = BadInput()
    table = read_tracks(str(path), bad=bad)
    assert len(table) == 2
    assert bad_lines(bad) == [2, 4]


def test_a_50_mb_avr_line_counts_once(tmp_path):
    frame = "*8D4840D6202CC371C32CE0576098;\n"
    path = tmp_path / "long.avr"
    with open(path, "w") as out:
        out.write(frame + "*" + "A" * (50 << 20) + "\n" + frame + "*XYZ;\n")
    bad = BadInput()
    read_tracks(str(path), bad=bad, start_time=0)
    assert bad.counts == {"line too long": 1, "bad line": 1}
    assert bad_lines(bad) == [2, 4]


@pytest.mark.slow
def test_the_failing_command_never_aborts(tmp_path):
    """The CSV with a long line used to make pyarrow give up while its worker threads still ran;
    about one run in 50 then ended in 'terminate called without an active exception' (exit
    134) after the error message. Now the line is cut before pyarrow sees it, and a failing
    threaded parse is repeated single-threaded before any error is raised."""
    path = tmp_path / "long.csv"
    rows = "".join(f"{1448350000 + i},{i % 50:06x},{35 + i * 1e-5:.5f},{36 + i * 1e-5:.5f}\n" for i in range(20_000))
    path.write_text(HEADER + rows + "1448350000,abcdef,35," + "x" * (2 << 20) + "\n" + rows)

    def once(k: int) -> int:
        return run_cli("convert", str(path), str(tmp_path / f"out{k}.parquet")).returncode

    with ThreadPoolExecutor(4) as pool:  # in parallel: the abort needed a loaded machine
        codes = list(pool.map(once, range(20)))
    assert codes == [1] * 20  # bad input skipped: never 134, never 2


# --- times, positions, altitudes ----------------------------------------------------------------

def test_implausible_times_are_bad_rows(tmp_path):
    path = tmp_path / "years.csv"
    path.write_text(HEADER + "1600-01-01T00:00:00Z,a,1,1\n1900-06-01T00:00:00Z,a,1,2\n2200-01-01T00:00:00Z,a,1,3\n"
                    "2015-11-24T07:24:00Z,a,1,4\n-5,a,1,5\n")
    bad = BadInput()
    table = read_tracks(str(path), bad=bad)
    assert table["lon"].tolist() == [4.0]
    assert bad.counts == {"bad time": 4} and "from 1950 to 2100" in bad.messages[0]


def test_parquet_times_out_of_range_and_boolean_time_column(tmp_path):
    stamps = pa.array([-11676096000000000, 1448349840000000, 7258118400000000], pa.timestamp("us"))
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"time": stamps, "track_id": ["a"] * 3, "lat": [1.0, 2.0, 3.0], "lon": [1.0] * 3}), path)
    bad = BadInput()
    table = read_tracks(str(path), bad=bad)
    assert table["lat"].tolist() == [2.0] and bad.counts == {"bad time": 2}
    assert ":row 1: time " in bad.messages[0] and "from 1950 to 2100" in bad.messages[0]
    flags = tmp_path / "flags.parquet"
    pq.write_table(pa.table({"time": [True, False], "lat": [1.0, 2.0], "lon": [1.0, 1.0]}), flags)
    with pytest.raises(TrackSchemaError, match="true/false values, not times"):
        read_tracks(str(flags))
    with pytest.raises(TrackSchemaError):
        read_tracks(pd.DataFrame({"time": [True], "lat": [1.0], "lon": [2.0]}))


def test_placeholder_positions_and_implausible_altitudes(tmp_path):
    path = tmp_path / "zeros.csv"
    path.write_text("time,icao24,lat,lon,alt_m\n1448349840,a00001,0,0,100\n1448349841,a00001,0.0,0.5,-2000\n"
                    "1448349842,a00001,0.5,0.5,1e9\n1448349843,a00001,0.5,0.6,10000\n")
    bad = BadInput()
    table = read_tracks(str(path), bad=bad)
    assert table["lon"].tolist() == [0.5, 0.5, 0.6]  # a true 0 deg latitude is kept
    assert np.isnan(table["alt_m"][:2]).all() and table["alt_m"][2] == 10000.0  # wild altitudes dropped, fixes kept
    assert bad.counts == {"position 0, 0": 1, "implausible altitude": 2}
    assert bad_lines(bad) == [2, 3, 4]


# --- one open only: pipes, FIFOs ------------------------------------------------------------------

def test_stdin_keeps_its_first_64_kb(tmp_path):
    rows = "".join(f"{1448349840 + i},{i % 7:06x},{35 + i * 1e-4:.4f},36.0\n" for i in range(20_000))
    out = tmp_path / "out.csv"
    done = run_cli("convert", "-", str(out), stdin=(HEADER + rows).encode())
    assert done.returncode == 0, done.stderr
    assert len(pd.read_csv(out)) == 20_000
    sbs = Path(__file__).parent / "data" / "tracks" / "sample_header.sbs"
    done = run_cli("detect", "-", "--airspace", "TUR", "--format", "csv", "--quiet", stdin=sbs.read_bytes())
    assert done.returncode == 0, done.stderr  # any command that reads tracks reads '-'
    assert done.stdout.startswith(b"track_id,airspace,airspace_id")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_fifo_is_opened_once(tmp_path):
    fifo = tmp_path / "feed.sbs"
    os.mkfifo(fifo)
    line = "MSG,3,1,1,4CA2D6,1,2015/11/24,07:24:{s:02d}.000,,,,35000,,,36.0{s:02d},36.1,,,0,0,0,0\n"

    def write() -> None:
        with open(fifo, "w") as out:
            out.write("".join(line.format(s=s) for s in range(40)))

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    table = read_tracks(str(fifo))
    writer.join(10)
    assert len(table) == 40


# --- gzip bombs and bounded memory ---------------------------------------------------------------

PEAK = """
import sys, tracemalloc
import pyarrow as pa
from skyborder.errors import BadInput
from skyborder.tracks.readers.sniff import read_batches, read_tracks
read_tracks(sys.argv[3])  # imports and first-use caches out of the way
tracemalloc.start()
bad, rows = BadInput(), 0
for batch in read_batches(sys.argv[1], bad=bad, batch_rows=int(sys.argv[2])):
    rows += len(batch)
peak = tracemalloc.get_traced_memory()[1] + pa.default_memory_pool().max_memory()
print(rows, bad.total, peak)
"""


def peak_of(path: Path, batch_rows: int = 1_000_000) -> tuple[int, int, int]:
    """(rows, bad items, peak bytes: Python allocations + pyarrow's pool) of reading ``path``."""
    warm = path.with_name("warm.csv")
    warm.write_text(HEADER + ROWS)
    done = subprocess.run([sys.executable, "-c", PEAK, str(path), str(batch_rows), str(warm)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows, bad, peak = (int(v) for v in done.stdout.split())
    return rows, bad, peak


@pytest.mark.slow
def test_gzip_bomb_is_streamed_in_bounded_memory(tmp_path):
    path = tmp_path / "bomb.csv.gz"
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write((HEADER + ROWS).encode())
        zeros = b"0" * (16 << 20)
        for _ in range(48):  # 768 MiB without a line break (below the 1 GiB bomb guard: streamed)
            out.write(zeros)
        out.write(("\n" + ROWS.replace("4ca2d6", "4ca2d7")).encode())
    assert path.stat().st_size < 4 << 20
    rows, bad, peak = peak_of(path)
    assert (rows, bad) == (20, 1)     # every good row, the 768 MiB "line" one bad line
    assert peak < 64 << 20            # the data expands to 768 MiB


@pytest.mark.slow
def test_csv_streams_in_batches_with_bounded_memory(tmp_path):
    """Five times the rows, the same peak: memory follows the batch, not the file."""
    peaks = []
    for n in (200_000, 1_000_000):
        rng = np.random.default_rng(0)
        frame = pd.DataFrame({"time": 1448349840 + np.arange(n) // 100, "icao24": np.arange(n) % 100 + 0xA00000,
                              "lat": rng.uniform(30, 40, n).round(5), "lon": rng.uniform(30, 40, n).round(5),
                              "alt_m": 10000.0})
        frame["icao24"] = frame["icao24"].map("{:06x}".format)
        path = tmp_path / f"big{n}.csv"
        frame.to_csv(path, index=False)
        rows, bad, peak = peak_of(path, batch_rows=5_000)
        assert (rows, bad) == (n, 0)
        peaks.append(peak)
    assert peaks[1] < 1.3 * peaks[0]           # measured: about equal
    assert peaks[1] < path.stat().st_size / 2  # the 1 M-row file is ~44 MB


def test_expansion_guard_and_document_cap(monkeypatch):
    import skyborder.sources as sources

    monkeypatch.setattr(sources, "EXPANSION_FLOOR", 1 << 20)
    bomb = gzip.compress(b"time,lat,lon\n" + b"0" * (8 << 20))
    with pytest.raises(InputError, match="expands more than 200-fold"):
        b"".join(Source.from_bytes(bomb, "bomb.gz").blocks())
    bad = BadInput()  # with a collector: reported once, the stream ends there
    data = b"".join(Source.from_bytes(bomb, "bomb.gz", bad).blocks())
    assert len(data) < 3 << 20 and bad.counts == {"decompression bomb": 1}
    with pytest.raises(InputError, match="larger than the 1 MB"):
        Source.from_bytes(gzip.compress(os.urandom(2 << 20)), "doc.json.gz").read_all(1 << 20)
    with pytest.raises(InputError, match="broken gzip"):
        b"".join(Source.from_bytes(gzip.compress(b"abc" * 1000)[:-30] + b"garbage", "cut.gz").blocks())


# --- what is printed ---------------------------------------------------------------------------

def test_output_injection_is_neutralised(tmp_path):
    path = tmp_path / "evil.csv"
    path.write_text("time,track_id,lat,lon\n1448349840,\"=HYPERLINK(\"\"http://x\"\")\",35.9,36.0\n"
                    "1448349841,\"=HYPERLINK(\"\"http://x\"\")\",35.9,36.1\n"
                    "1448349840,\"A\x1b]0;pwned\x07\",36.0,35.9\n1448349841,\"A\x1b]0;pwned\x07\",36.01,35.9\n")
    out = tmp_path / "out.csv"
    done = run_cli("convert", str(path), str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert "'=HYPERLINK" in text and "\x1b" not in text and "A\\x1b]0;pwned\\x07" in text
    table = run_cli("detect", str(path), "--airspace", "TUR", "--near", "0", "--quiet")
    assert b"\x1b" not in table.stdout and b"\x1b" not in table.stderr


def test_the_first_50_bad_lines_are_printed_and_every_one_logged(tmp_path):
    path = tmp_path / "many.csv"
    path.write_text(HEADER + "".join(f"x{i},a,1,1\n" for i in range(80)) + ROWS)
    log = tmp_path / "bad.txt"
    done = run_cli("convert", str(path), str(tmp_path / "o.csv"), "--bad-lines", str(log))
    assert done.returncode == 1
    printed = [line for line in done.stderr.decode().splitlines() if ":line " in line]
    assert len(printed) == 50
    assert "more bad input follows" in done.stderr.decode() and "skipped 80 bad input item(s)" in done.stderr.decode()
    assert len(log.read_text().splitlines()) == 80


def test_read_batches_is_read_tracks_in_pieces(tmp_path):
    lines = [f"{1448349840 + i},{i % 3:06x},{35 + i * 1e-4:.4f},36.0\n" for i in range(10_000)]
    path = tmp_path / "t.csv"
    path.write_text(HEADER + "".join(lines + lines[:200]))  # repeats across batches are dropped as within one
    batches = list(read_batches(str(path), batch_rows=500))
    assert len(batches) > 2 and sum(len(b) for b in batches) == 10_200
    whole = read_tracks(str(path), bad=(bad_whole := BadInput()))
    pieces = read_tracks(str(path), bad=BadInput(), batch_rows=500)
    assert len(whole) == 10_000 and bad_whole.counts == {"duplicate fix": 200}
    pd.testing.assert_frame_equal(pieces, whole)
    assert pieces.attrs["read_stats"]["duplicates"] == 200
