"""Combinations: the sets of airspaces that contain a point, interned as small integer ids.

A point may lie in several airspaces (overlapping claims, zones inside countries), so the index
answers with the id of the *set*. Each airspace has a random 64-bit key; a set's hash is the xor
of its members' keys, which the compiled kernels update by xor as they flip a point in or out
of an airspace. Ids are given out in order of first appearance and never change.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

__all__ = ["Combinations"]

KEY_SEED = 20151124


class Combinations:
    """Interned sets of airspace positions (0 .. ``n_airspaces - 1``).

    Examples
    --------
    >>> combos = Combinations(3)
    >>> combos.id_of(frozenset()), combos.id_of(frozenset({2, 0})), combos.id_of(frozenset({0, 2}))
    (0, 1, 1)
    >>> combos.member()[1].tolist()
    [True, False, True]
    """

    def __init__(self, n_airspaces: int):
        self.n_airspaces = n_airspaces
        rng = np.random.default_rng(KEY_SEED)
        self.keys = rng.integers(1, 2**63, size=n_airspaces, dtype=np.uint64)
        self.sets: list[frozenset[int]] = []
        self._id_of_hash: dict[int, int] = {}
        self._member: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.sets)

    def hash_of(self, members: Iterable[int]) -> int:
        """The xor of the members' keys (0 for the empty set)."""
        members = sorted(members)
        return int(np.bitwise_xor.reduce(self.keys[members])) if members else 0

    def id_of(self, members: frozenset[int]) -> int:
        """The id of a set, interning it when new."""
        h = self.hash_of(members)
        if h not in self._id_of_hash:
            self._id_of_hash[h] = len(self.sets)
            self.sets.append(members)
        return self._id_of_hash[h]

    def ids_of_hashes(self, hashes: np.ndarray, members_of: Callable[[int], Iterable[int]]) -> np.ndarray:
        """Ids (int32) of an array of set hashes; ``members_of(i)`` gives the members of the set at
        position ``i``, asked once per hash not seen before."""
        codes, uniq = pd.factorize(hashes)
        ids = np.empty(len(uniq), dtype=np.int32)
        first = np.empty(len(uniq), dtype=np.int64)
        first[codes] = np.arange(len(codes))  # any position of each hash: all have the same set
        for k, h in enumerate(np.asarray(uniq, dtype=np.uint64).tolist()):
            cid = self._id_of_hash.get(h)
            ids[k] = cid if cid is not None else self.id_of(frozenset(members_of(int(first[k]))))
        return ids[codes]

    def hashes(self) -> np.ndarray:
        """The hash (uint64) of every set, by id."""
        return np.array([self.hash_of(m) for m in self.sets], dtype=np.uint64)

    def member(self) -> np.ndarray:
        """Boolean matrix [combination id, airspace position] (rebuilt when sets were added)."""
        if self._member is None or len(self._member) != len(self.sets):
            matrix = np.zeros((len(self.sets), self.n_airspaces), dtype=bool)
            for cid, members in enumerate(self.sets):
                matrix[cid, list(members)] = True
            self._member = matrix
        return self._member

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The sets as two flat arrays (sizes, members in order), for storage."""
        return {"combo_sizes": np.array([len(m) for m in self.sets], dtype=np.int64),
                "combo_members": np.array([a for m in self.sets for a in sorted(m)], dtype=np.int64)}

    def add_arrays(self, sizes: np.ndarray, members: np.ndarray) -> None:
        """Intern the sets stored by :meth:`to_arrays`, in order (their ids are kept)."""
        ends = np.cumsum(sizes)
        for part in np.split(np.asarray(members), ends[:-1]) if len(ends) else []:
            self.id_of(frozenset(part.tolist()))
