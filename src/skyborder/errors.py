"""Errors shared by every layer: bad input is reported, counted and skipped; the good rows are kept.

Every reader takes an optional ``BadInput`` collector and calls ``report`` for each rejected
line, frame or record with where it was (file and line number, or byte offset) and why, and
``note`` for what it did to input it kept (a zone outline repaired, a limit it cannot know,
times it had to invent): notes are shown but are not bad input.
"""
from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import TextIO

from .safetext import escape_controls


class SkyborderError(Exception):
    """Base of every error skyborder raises on purpose (anything else is a bug)."""


class InputError(SkyborderError):
    """A whole input cannot be used (missing file, missing required column, unknown format, a
    bad option value).

    The CLI prints it as one line and exits with 2; it is never used for one bad row (those go
    to :class:`BadInput`).
    """


class UnknownAirspaceError(InputError, LookupError):
    """An airspace code that the embedded dataset does not have.

    Attributes
    ----------
    code : str
        The code as given.
    """

    def __init__(self, code: str):
        self.code = code
        super().__init__(f"unknown airspace code {code!r} (run `skyborder airspaces` for the list)")


class OutputFormatError(InputError, ValueError):
    """The output format cannot be told from the file name, or is not one skyborder writes."""


class TrackSchemaError(InputError, ValueError):
    """A table given as tracks lacks a required column or has one of the wrong kind.

    Attributes
    ----------
    missing : tuple of str
        The required columns that are absent (empty when the problem is a column's kind).
    """

    def __init__(self, message: str, missing: tuple[str, ...] = ()):
        self.missing = missing
        super().__init__(message)


class RegisterError(SkyborderError):
    """The incident register (SQLite or PostgreSQL) failed: what was being written was not written."""


class RegisterUnavailableError(RegisterError, InputError):
    """The register cannot be opened or reached (no such folder, server down, bad URL, unreadable
    file). The CLI prints it as one line and exits with 2."""


class RegisterFullError(RegisterError):
    """The register's disk (or database) is full: the records of the failed write were not stored."""


@dataclass
class BadInput:
    """Collects rejected input: a count per reason and the first ``keep`` messages.

    ``echo`` (a stream such as ``sys.stderr``) prints each message as it is reported, up to
    ``keep`` of them, then one line saying that the rest are only counted; ``log`` (a text
    stream) receives every message, however many. Control characters from the input are
    escaped in messages (see ``safetext``).
    """

    keep: int = 50
    echo: TextIO | None = None
    log: TextIO | None = None
    counts: Counter = field(default_factory=Counter)
    messages: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def report(self, source: str, where: str | int, reason: str, kind: str | None = None) -> None:
        """Record one rejected item. ``where`` is a line number (int) or e.g. ``"byte 1234"``."""
        self.counts[kind or reason] += 1
        total = self.total
        if total > self.keep and self.log is None:
            if total == self.keep + 1 and self.echo is not None:
                print(f"skyborder: more bad input follows; only its count is shown (first {self.keep} "
                      "printed above; --bad-lines FILE keeps every one)", file=self.echo)
            return
        loc = f"line {where}" if isinstance(where, int) else where
        message = escape_controls(f"{source}:{loc}: {reason}")
        if self.log is not None:
            print(message, file=self.log)
        if total <= self.keep:
            self.messages.append(message)
            if self.echo is not None:
                print(f"skyborder: skipped {message}", file=self.echo)
        elif total == self.keep + 1 and self.echo is not None:
            print("skyborder: more bad input follows; only its count is shown (every one is in the "
                  "--bad-lines file)", file=self.echo)

    def note(self, source: str, message: str) -> None:
        """Record what a reader did to input it kept (not bad input: not counted in ``total``)."""
        text = escape_controls(f"{source}: {message}")
        self.notes.append(text)
        if self.echo is not None and len(self.notes) <= self.keep:
            print(f"skyborder: note: {text}", file=self.echo)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        """One line: how many items were skipped, by reason."""
        if not self.total:
            return "no bad input"
        parts = ", ".join(f"{n} {reason}" for reason, n in self.counts.most_common())
        return f"skipped {self.total} bad input item(s): {parts}"

    def print_summary(self, stream: TextIO | None = None) -> None:
        """Print the summary line (to stderr by default) when anything was skipped."""
        if self.total:
            print(f"skyborder: {self.summary()}", file=stream or sys.stderr)
