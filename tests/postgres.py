"""Fixture: a throwaway PostgreSQL server on 127.0.0.1 and a free port, one per test session
(per xdist worker), and a fresh database per test.

``initdb`` refuses to run as root, so as root the server runs as the ``postgres`` user
(``runuser``). Skips when PostgreSQL is not installed, unless the environment variable CI is set
(then it fails: CI installs it with scripts/install-system-deps.sh).
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="session")
def postgres_server():
    """URL of a running throwaway server (its superuser, trust authentication, loopback only)."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed (CI must run scripts/install-system-deps.sh)")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="skyborder-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data, port = root / "data", _free_port()
    subprocess.run(_as_server_user([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                                    "--no-sync", "-E", "UTF8"]), check=True, capture_output=True)
    options = f"-k {root} -h 127.0.0.1 -p {port} -c fsync=off -c full_page_writes=off"
    started = subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                                              str(root / "log"), "-w", "-t", "60", "start"]), capture_output=True)
    if started.returncode != 0:
        log = (root / "log").read_text(errors="replace") if (root / "log").exists() else ""
        pytest.fail(f"PostgreSQL did not start: {started.stderr.decode(errors='replace')} {log[-800:]}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server):
    """A new, empty database on the session's server."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{postgres_server}/{name}"
