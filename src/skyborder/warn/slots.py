"""Vectorised maps from keys to reusable integer slots (no per-key Python loop on lookups).

:class:`IdSlots` maps string ids (track ids) to slots through a pandas hash index, rebuilt only
when ids are added or removed; :class:`KeySlots` maps int64 keys (e.g. ``slot * n + airspace``)
through a sorted array and binary search. Freed slots are reused, so state arrays indexed by
slot stay as large as the peak number of live keys: memory is flat over days.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..arrays import isin_sorted

__all__ = ["IdSlots", "KeySlots"]


class _FreeList:
    """Slot numbers: the lowest free one first, else a new one."""

    def __init__(self) -> None:
        self.size = 0
        self.free: list[int] = []

    def take(self, count: int) -> np.ndarray:
        reused = sorted(self.free)[:count]
        self.free = sorted(self.free)[count:]
        fresh = np.arange(self.size, self.size + count - len(reused))
        self.size += len(fresh)
        return np.concatenate([np.asarray(reused, dtype=np.int64), fresh]).astype(np.int64)

    def give(self, slots: np.ndarray) -> None:
        self.free.extend(int(s) for s in slots)


class IdSlots:
    """String ids -> slots.

    Examples
    --------
    >>> ids = IdSlots()
    >>> ids.lookup(np.array(["a", "b", "a"], dtype=object), create=True).tolist()
    [0, 1, 0]
    >>> ids.remove(np.array([0])); ids.lookup(np.array(["c", "b"], dtype=object), create=True).tolist()
    [0, 1]
    """

    def __init__(self) -> None:
        self._slots = _FreeList()
        self._ids = np.zeros(0, dtype=object)  # slot -> id (None when free)
        self._index = pd.Index([], dtype=object)
        self._index_slots = np.zeros(0, dtype=np.int64)

    @property
    def size(self) -> int:
        """Slots in use or free (the length state arrays need)."""
        return self._slots.size

    def __len__(self) -> int:
        return len(self._index)

    def ids(self, slots: np.ndarray) -> np.ndarray:
        """The ids of slots."""
        return self._ids[slots]

    def live(self) -> np.ndarray:
        """Slots in use."""
        return self._index_slots.copy()

    def lookup(self, ids: np.ndarray, create: bool = False) -> np.ndarray:
        """Slots of ids (-1 for unknown ones unless ``create``)."""
        pos = self._index.get_indexer(ids)
        out = np.where(pos >= 0, self._index_slots[np.maximum(pos, 0)] if len(self._index_slots) else -1, -1)
        missing = out < 0
        if create and missing.any():
            new_ids = pd.unique(np.asarray(ids, dtype=object)[missing])
            slots = self._slots.take(len(new_ids))
            if self._slots.size > len(self._ids):
                grown = np.full(max(self._slots.size, 2 * len(self._ids)), None, dtype=object)
                grown[:len(self._ids)] = self._ids
                self._ids = grown
            self._ids[slots] = new_ids
            self._rebuild()
            out = self.lookup(ids)
        return out.astype(np.int64)

    def remove(self, slots: np.ndarray) -> None:
        """Free slots (their ids become unknown)."""
        if len(slots) == 0:
            return
        self._ids[slots] = None
        self._slots.give(slots)
        self._rebuild()

    def _rebuild(self) -> None:
        used = np.flatnonzero(pd.notna(self._ids[:self._slots.size]))
        self._index = pd.Index(self._ids[used], dtype=object)
        self._index_slots = used.astype(np.int64)


class KeySlots:
    """int64 keys -> slots, by binary search in a sorted key array.

    Examples
    --------
    >>> keys = KeySlots()
    >>> keys.lookup(np.array([30, 10, 30]), create=True).tolist()
    [1, 0, 1]
    >>> keys.lookup(np.array([10, 20])).tolist()
    [0, -1]
    """

    def __init__(self) -> None:
        self._slots = _FreeList()
        self.keys = np.zeros(0, dtype=np.int64)  # sorted
        self.slots = np.zeros(0, dtype=np.int64)

    @property
    def size(self) -> int:
        return self._slots.size

    def __len__(self) -> int:
        return len(self.keys)

    def lookup(self, keys: np.ndarray, create: bool = False) -> np.ndarray:
        """Slots of keys (-1 for unknown ones unless ``create``)."""
        keys = np.asarray(keys, dtype=np.int64)
        pos = np.clip(np.searchsorted(self.keys, keys), 0, max(len(self.keys) - 1, 0))
        known = isin_sorted(keys, self.keys)
        out = np.where(known, self.slots[pos] if len(self.slots) else -1, -1)
        if create and not known.all():
            new = np.unique(keys[~known])
            slots = self._slots.take(len(new))
            merged_keys = np.concatenate([self.keys, new])
            order = np.argsort(merged_keys, kind="stable")
            self.keys, self.slots = merged_keys[order], np.concatenate([self.slots, slots])[order]
            out = self.lookup(keys)
        return out.astype(np.int64)

    def between(self, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(owner, position in ``keys``) of every key k with lo[i] <= k < hi[i]."""
        start, stop = np.searchsorted(self.keys, lo), np.searchsorted(self.keys, hi)
        counts = stop - start
        owner = np.repeat(np.arange(len(lo)), counts)
        offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        return owner, start[owner] + offset

    def remove(self, keys: np.ndarray) -> np.ndarray:
        """Forget keys; returns their freed slots."""
        keys = np.asarray(keys, dtype=np.int64)
        drop = isin_sorted(self.keys, np.unique(keys))
        freed = self.slots[drop]
        self._slots.give(freed)
        self.keys, self.slots = self.keys[~drop], self.slots[~drop]
        return freed
