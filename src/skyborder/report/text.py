"""Plain-text output shared by reports: aligned Markdown tables."""
from __future__ import annotations

from collections.abc import Collection

__all__ = ["markdown_table"]


def markdown_table(headers: list[str], rows: list[list[str]], right: Collection[int] = frozenset()) -> str:
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

    def line(cells):
        return "| " + " | ".join(str(c).rjust(w) if i in right else str(c).ljust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths))) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ":") if i in right else ("-" * (w + 2))
                          for i, w in enumerate(widths)) + "|"
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])
