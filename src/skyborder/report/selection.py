"""Picking what a map or report is about: tracks by id, a passage by its number."""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..errors import InputError


def select_tracks(tracks: pd.DataFrame, ids: Sequence[str]) -> pd.DataFrame:
    """The fixes of the listed tracks (all of them when ``ids`` is empty); an unknown id is an
    :class:`InputError` naming the ids there are."""
    if not ids:
        return tracks
    present = set(tracks["track_id"].astype(str))
    missing = [i for i in ids if i not in present]
    if missing:
        known = ", ".join(sorted(present)[:10]) + (" ..." if len(present) > 10 else "")
        raise InputError(f"no track {', '.join(missing)} in the input (tracks: {known})")
    return tracks[tracks["track_id"].astype(str).isin(ids)]


def passages_only(result: pd.DataFrame) -> pd.DataFrame:
    """The passages of a ``detect`` result (near misses left out), numbered from 1 in its order.

    Examples
    --------
    >>> result = pd.DataFrame({"track_id": ["A", "A", "B"], "status": ["near", "closed", "open_end"]})
    >>> passages_only(result)["track_id"].to_dict()
    {1: 'A', 2: 'B'}
    """
    rows = result[result["status"] != "near"].reset_index(drop=True)
    rows.index = rows.index + 1
    return rows


def passage_number(result: pd.DataFrame, number: int) -> pd.Series:
    """Passage ``number`` (1-based, see :func:`passages_only`) of a ``detect`` result."""
    rows = passages_only(result)
    if number not in rows.index:
        raise InputError(f"--passage {number}: the input has {len(rows)} passage(s), numbered from 1")
    return rows.loc[number]
