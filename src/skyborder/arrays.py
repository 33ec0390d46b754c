"""Vectorised array helpers shared by the layers (ranges, sorted lookups, groups).

Pure NumPy, no skyborder import: the building blocks that replace per-item Python loops.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

__all__ = ["expand_ranges", "groups", "isin_sorted", "range_reduce"]


def expand_ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every member of the integer ranges ``[lo[i], hi[i]]`` (inclusive), flattened.

    Returns
    -------
    owner, value : ndarray of int64
        ``value`` runs through each range in turn; ``owner`` is the range it came from. A range
        with ``hi < lo`` contributes nothing.

    Examples
    --------
    >>> owner, value = expand_ranges(np.array([0, 5]), np.array([2, 6]))
    >>> owner.tolist(), value.tolist()
    ([0, 0, 0, 1, 1], [0, 1, 2, 5, 6])
    """
    lo = np.asarray(lo)
    counts = np.maximum(np.asarray(hi) - lo + 1, 0).astype(np.int64)
    owner = np.repeat(np.arange(len(lo)), counts)
    offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, lo[owner] + offset


def isin_sorted(values: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """``np.isin(values, sorted_keys)`` for keys already sorted (binary search, no sort).

    Examples
    --------
    >>> isin_sorted(np.array([1, 4, 9]), np.array([1, 2, 9])).tolist()
    [True, False, True]
    """
    if len(sorted_keys) == 0:
        return np.zeros(len(values), bool)
    pos = np.clip(np.searchsorted(sorted_keys, values), 0, len(sorted_keys) - 1)
    return sorted_keys[pos] == values


def range_reduce(ufunc: np.ufunc, values: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                 initial: float) -> np.ndarray:
    """``ufunc`` reduction (e.g. ``np.fmax``) of ``values[lo[i]..hi[i]]`` (inclusive) per range;
    ``initial`` for an empty range.

    Examples
    --------
    >>> range_reduce(np.fmax, np.array([3.0, 1.0, 7.0, 2.0]), np.array([0, 2, 3]), np.array([1, 3, 2]), -1.0).tolist()
    [3.0, 7.0, -1.0]
    """
    out = np.full(len(lo), initial, dtype=float)
    owner, idx = expand_ranges(lo, np.maximum(hi, np.asarray(lo) - 1))
    ufunc.at(out, owner, values[idx])
    return out


def groups(keys: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """``(key, positions)`` for each distinct key of an integer array, keys ascending.

    Examples
    --------
    >>> [(k, p.tolist()) for k, p in groups(np.array([2, 0, 2]))]
    [(0, [1]), (2, [0, 2])]
    """
    order = np.argsort(keys, kind="stable")
    cuts = np.flatnonzero(np.diff(keys[order])) + 1
    for group in np.split(order, cuts) if len(order) else []:
        yield int(keys[group[0]]), group
