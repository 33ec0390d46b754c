"""Fixture: a real dump1090-mutability on 127.0.0.1 with its own free ports.

Skips when the program is missing, unless the environment variable CI is set (then it fails:
CI installs it with scripts/install-system-deps.sh).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

PROGRAM = "dump1090-mutability"
PORT_NAMES = ("ri", "ro", "sbs", "bi", "bo")   # raw in/out, SBS out, Beast in/out


@dataclass
class Dump1090:
    ports: dict[str, int]
    json_dir: Path
    process: subprocess.Popen

    def connect(self, name: str, timeout: float = 0.2) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.ports[name]), timeout=5)
        sock.settimeout(timeout)
        return sock


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


@pytest.fixture
def dump1090(tmp_path):
    """A running dump1090-mutability (network only, loopback only); killed afterwards."""
    program = shutil.which(PROGRAM) or (f"/usr/bin/{PROGRAM}" if os.path.exists(f"/usr/bin/{PROGRAM}") else None)
    if program is None:
        if os.environ.get("CI"):
            pytest.fail(f"{PROGRAM} is not installed (CI must run scripts/install-system-deps.sh)")
        pytest.skip(f"{PROGRAM} is not installed (apt-get install dump1090-mutability)")
    ports = dict(zip(PORT_NAMES, _free_ports(len(PORT_NAMES))))
    json_dir = tmp_path / "json"
    json_dir.mkdir()
    command = [program, "--net-only", "--net-bind-address", "127.0.0.1", "--quiet",
               "--net-ri-port", str(ports["ri"]), "--net-ro-port", str(ports["ro"]),
               "--net-sbs-port", str(ports["sbs"]), "--net-bi-port", str(ports["bi"]),
               "--net-bo-port", str(ports["bo"]), "--net-heartbeat", "0",
               "--write-json", str(json_dir), "--write-json-every", "1"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while not all(_listening(p) for p in ports.values()):
            if process.poll() is not None:
                output = process.stdout.read().decode(errors="replace")
                pytest.fail(f"{PROGRAM} exited with {process.returncode}: {output[-500:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"{PROGRAM} did not open its ports within 10 s")
            time.sleep(0.05)
        yield Dump1090(ports, json_dir, process)
    finally:
        process.kill()
        process.wait(5)
