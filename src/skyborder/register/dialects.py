"""What differs between SQLite and PostgreSQL: connecting, types, placeholders, transactions,
value encoding and error translation. Everything else (``base.Register``) is shared SQL.

SQLite: one file, WAL journal (readers never block the writer and the writer never blocks
readers), ``synchronous=FULL`` (a committed transaction survives a power cut, not only a crash),
a busy timeout for concurrent writers. PostgreSQL: psycopg 3, autocommit for reads, an explicit
transaction per write; durability is the server's (``synchronous_commit`` on by default).
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..errors import RegisterError, RegisterFullError, RegisterUnavailableError

__all__ = ["Dialect", "PostgresDialect", "SQLiteDialect", "dialect_for"]

BUSY_TIMEOUT_S = 30.0


class Dialect:
    """The shared interface (see the module docstring); subclasses fill in the differences."""

    name = ""
    placeholder = "?"
    greatest = "max"
    least = "min"
    types: ClassVar[dict[str, str]] = {}

    def __init__(self, target: str) -> None:
        self.target = target
        self.conn: Any = None

    def connect(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def sql(self, text: str) -> str:
        """SQL written with ``?`` placeholders, in this dialect's style."""
        return text if self.placeholder == "?" else text.replace("?", self.placeholder)

    def column_sql(self, name: str, kind: str) -> str:
        return f'"{name}" {self.types[kind]}'

    @contextmanager
    def transaction(self) -> Iterator[None]:  # pragma: no cover - overridden
        yield

    def existing_columns(self, table: str) -> list[str]:  # pragma: no cover - overridden
        raise NotImplementedError

    def translate(self, error: Exception) -> RegisterError:  # pragma: no cover - overridden
        return RegisterError(str(error))

    def database_errors(self) -> tuple[type[Exception], ...]:  # pragma: no cover - overridden
        return ()

    # ----- values
    def encode_times(self, values: Any) -> list[Any]:
        index = pd.DatetimeIndex(pd.to_datetime(values, utc=True))
        return [None if pd.isna(v) else v for v in self._times(index)]

    def _times(self, index: pd.DatetimeIndex) -> list[Any]:  # pragma: no cover - overridden
        raise NotImplementedError

    def encode_json(self, value: Any) -> Any:
        return None if value is None else json.dumps(value, separators=(",", ":"), allow_nan=False)

    def decode_json(self, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    def encode_bool(self, value: Any) -> Any:
        return None if value is None or pd.isna(value) else bool(value)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class SQLiteDialect(Dialect):
    """A SQLite file (created when missing; its folder must exist)."""

    name = "sqlite"
    types: ClassVar[dict[str, str]] = {"id": "INTEGER PRIMARY KEY", "time": "TEXT", "float": "REAL",
                                       "int": "INTEGER", "text": "TEXT", "bool": "INTEGER", "json": "TEXT"}

    def connect(self) -> None:
        path = Path(self.target)
        if path.is_dir():
            raise RegisterUnavailableError(f"register {self.target!r} is a folder, not a SQLite file")
        if not path.parent.exists():
            raise RegisterUnavailableError(f"cannot open register {self.target!r}: folder {str(path.parent)!r} "
                                           "does not exist")
        try:
            self.conn = sqlite3.connect(self.target, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                        check_same_thread=False)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as error:
            raise RegisterUnavailableError(f"cannot open register {self.target!r}: {error}") from None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def existing_columns(self, table: str) -> list[str]:
        return [row[1] for row in self.conn.execute(f'PRAGMA table_info("{table}")').fetchall()]

    def database_errors(self) -> tuple[type[Exception], ...]:
        return (sqlite3.Error,)

    def translate(self, error: Exception) -> RegisterError:
        text = str(error)
        if isinstance(error, sqlite3.OperationalError) and ("full" in text or "disk I/O" in text):
            return RegisterFullError(f"register {self.target!r}: {text}")
        return RegisterError(f"register {self.target!r}: {text}")

    def _times(self, index: pd.DatetimeIndex) -> list[Any]:
        text = index.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return [None if pd.isna(t) else s for t, s in zip(index, text)]

    def encode_bool(self, value: Any) -> Any:
        return None if value is None or pd.isna(value) else int(bool(value))


class PostgresDialect(Dialect):
    """A PostgreSQL database by ``postgresql://`` URL (psycopg 3)."""

    name = "postgresql"
    placeholder = "%s"
    greatest = "greatest"
    least = "least"
    types: ClassVar[dict[str, str]] = {"id": "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
                                       "time": "TIMESTAMPTZ", "float": "DOUBLE PRECISION", "int": "BIGINT",
                                       "text": "TEXT", "bool": "BOOLEAN", "json": "JSONB"}

    def connect(self) -> None:
        try:
            import psycopg
        except ImportError:
            raise RegisterUnavailableError("PostgreSQL registers need psycopg 3 (pip install 'psycopg[binary]')") \
                from None
        try:
            self.conn = psycopg.connect(self.target, autocommit=True, connect_timeout=10)
        except psycopg.Error as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise RegisterUnavailableError(f"cannot connect to register {_redact(self.target)}: {first_line}") \
                from None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.conn.transaction():
            yield

    def existing_columns(self, table: str) -> list[str]:
        rows = self.conn.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                                 "AND table_schema = current_schema() ORDER BY ordinal_position", (table,)).fetchall()
        return [r[0] for r in rows]

    def database_errors(self) -> tuple[type[Exception], ...]:
        import psycopg
        return (psycopg.Error,)

    def translate(self, error: Exception) -> RegisterError:
        import psycopg
        text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if isinstance(error, (psycopg.errors.DiskFull, psycopg.errors.OutOfMemory)):
            return RegisterFullError(f"register {_redact(self.target)}: {text}")
        if isinstance(error, psycopg.OperationalError):
            return RegisterUnavailableError(f"register {_redact(self.target)}: {text}")
        return RegisterError(f"register {_redact(self.target)}: {text}")

    def _times(self, index: pd.DatetimeIndex) -> list[Any]:
        return [None if pd.isna(t) else t.to_pydatetime() for t in index.floor("us")]

    def encode_json(self, value: Any) -> Any:
        from psycopg.types.json import Jsonb
        return None if value is None else Jsonb(value)


def _redact(url: str) -> str:
    """A URL without its password, for messages."""
    from urllib.parse import urlsplit, urlunsplit
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def dialect_for(target: str) -> Dialect:
    """SQLite for a file path, PostgreSQL for a ``postgresql://`` (or ``postgres://``) URL."""
    if target.startswith(("postgresql://", "postgres://")):
        return PostgresDialect(target)
    if "://" in target:
        raise RegisterUnavailableError(f"unknown register {target!r}: give a SQLite file path or a postgresql:// URL")
    return SQLiteDialect(target)


def plain(value: Any) -> Any:
    """A NumPy scalar as the Python value a database driver takes (NaN and NA become None)."""
    if value is None:
        return None
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if value is pd.NA or value is pd.NaT:
        return None
    return value
