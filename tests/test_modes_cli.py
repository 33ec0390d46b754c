"""``skyborder simulate``: files that read back as the scenario, pushes to a local port, clear errors."""
import subprocess
import sys

import pytest

from loopback import tcp_sink
from skyborder.cli import main
from skyborder.cli._args import build_parser
from skyborder.sim import traffic as simulate
from skyborder.tracks.readers.modes import read_avr, read_beast

START = "2015-11-24T07:24:00"


def test_scenario_choices_are_the_simulators():
    sub = next(a for a in build_parser()._subparsers._group_actions if a.dest == "command")
    choices = next(a.choices for a in sub.choices["simulate"]._actions if a.dest == "scenario")
    assert tuple(choices) == simulate.SCENARIOS


@pytest.mark.parametrize("fmt, reader", [("avr", read_avr), ("beast", read_beast)])
def test_simulate_to_file_reads_back(tmp_path, fmt, reader):
    out = tmp_path / f"t.{fmt}"
    code = main(["simulate", "--scenario", "busy", "--aircraft", "3", "--seed", "2", "--duration", "40",
                 "--format", fmt, "--out", str(out)])
    assert code == 0
    truth = simulate.truth(simulate.emissions(simulate.busy(3, 2, 40.0)))
    table = reader(str(out), start_time=START)
    assert len(table) == len(truth) > 0
    assert set(table["icao24"]) == set(truth["icao24"])


def test_simulate_sbs_carries_the_start_time(tmp_path):
    out = tmp_path / "t.sbs"
    assert main(["simulate", "--format", "sbs", "--duration", "5", "--start", START, "--out", str(out)]) == 0
    first = out.read_text().splitlines()[0].split(",")
    assert first[6] == "2015/11/24" and first[7].startswith("07:24:00.")


def test_simulate_push_through_the_real_entry_point():
    with tcp_sink() as (port, received):
        run = subprocess.run([sys.executable, "-m", "skyborder.cli", "simulate", "--format", "beast",
                              "--duration", "10", "--push", f"127.0.0.1:{port}",
                              "--speed", "0"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    expected = b"".join(d for _, d in simulate.serialize(simulate.emissions(simulate.border_approach(10.0)), "beast"))
    assert bytes(received) == expected
    assert "scenario border-approach" in run.stderr


@pytest.mark.parametrize("argv, message", [
    (["--push", "localhost"], "HOST:PORT"),
    (["--push", "127.0.0.1:1"], "cannot connect to 127.0.0.1:1"),
    (["--out", "x", "--duration", "0"], "--duration must be > 0"),
    (["--out", "x", "--start", "not a time"], "error"),
])
def test_simulate_errors_are_one_line(tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main(["simulate", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
