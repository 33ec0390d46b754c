"""Text from the input, made safe to show: on a terminal and in a spreadsheet.

Track ids, callsigns and file names come from the input and may carry anything:

- control characters (an ESC starts a terminal escape sequence that can rewrite the screen or
  the window title) are shown as escapes (``\\x1b``, ``\\n``) wherever text is printed or
  written as a table;
- a CSV cell that starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return is a formula to
  a spreadsheet (``=HYPERLINK(...)``): it is prefixed with ``'`` (the OWASP advice), unless the
  whole cell is a plain number such as ``-12.5``.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported by the column helpers only: errors.py imports this module
    import pandas as pd

__all__ = ["csv_cell", "csv_column", "escape_column", "escape_controls"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def _escape(match: re.Match) -> str:
    return match.group(0).encode("unicode_escape").decode("ascii")


def escape_controls(text: str) -> str:
    """``text`` with every control character written as an escape.

    Examples
    --------
    >>> escape_controls("4ca2d6\\x1b]0;pwned\\x07")
    '4ca2d6\\\\x1b]0;pwned\\\\x07'
    """
    return _CONTROL.sub(_escape, text)


def csv_cell(text: str) -> str:
    """``text`` safe as a CSV cell: a leading formula character neutralised with ``'``.

    Examples
    --------
    >>> csv_cell("=HYPERLINK(\\"http://x\\")"), csv_cell("-12.5"), csv_cell("THY6CJ")
    ('\\'=HYPERLINK("http://x")', '-12.5', 'THY6CJ')
    """
    if text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def escape_column(values: pd.Series) -> pd.Series:
    """A text column with control characters escaped (other columns are returned unchanged)."""
    if not _is_text(values):
        return values
    text = values.astype("string")
    has = text.str.contains(_CONTROL, regex=True).fillna(False)
    if not has.any():
        return values
    return text.where(~has, text[has].map(escape_controls))


def csv_column(values: pd.Series) -> pd.Series:
    """A text column safe for CSV: control characters escaped, formula starts neutralised."""
    if not _is_text(values):
        return values
    text = escape_column(values).astype("string")
    risky = text.str.startswith(_FORMULA_START).fillna(False)
    if not risky.any():
        return text
    return text.where(~risky, text[risky].map(csv_cell))


def _is_text(values: pd.Series) -> bool:
    from pandas.api.types import is_object_dtype, is_string_dtype

    return is_string_dtype(values) or is_object_dtype(values)
