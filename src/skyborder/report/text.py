"""Plain-text output shared by reports: aligned Markdown tables and short renderings of times and
distances (times UTC to 0.1 s, distances in km to 0.01 km unless said)."""
from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import pandas as pd

from .radar_map import hms

__all__ = ["clock", "km", "markdown_table", "seconds"]


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], right: Collection[int] = frozenset()) -> str:
    """An aligned Markdown pipe table (columns in ``right`` right-aligned).

    Examples
    --------
    >>> print(markdown_table(["name", "km"], [["TUR", "1.8"], ["SYR", "12.0"]], right={1}))
    | name |   km |
    |------|-----:|
    | TUR  |  1.8 |
    | SYR  | 12.0 |
    """
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows)]

    def line(cells: Sequence[Any]) -> str:
        return "| " + " | ".join(str(c).rjust(w) if i in right else str(c).ljust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths))) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ":") if i in right else ("-" * (w + 2))
                          for i, w in enumerate(widths)) + "|"
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def km(metres: float | None, digits: int = 2) -> str:
    """Metres as km with ``digits`` decimals, or "–" when missing.

    Examples
    --------
    >>> km(1234.5), km(None), km(float("nan"))
    ('1.23', '–', '–')
    """
    return "–" if metres is None or pd.isna(metres) else f"{metres / 1000:.{digits}f}"


def clock(ts: Any) -> str:
    """HH:MM:SS.s of a UTC time, or "–" when missing."""
    return "–" if ts is None or pd.isna(ts) else hms(ts)


def seconds(value: float | None, digits: int = 1) -> str:
    """Seconds with ``digits`` decimals, or "–" when missing."""
    return "–" if value is None or pd.isna(value) else f"{value:.{digits}f}"
