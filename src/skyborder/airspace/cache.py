"""The disk cache of built index grids: a folder of ``.npy`` files per grid, memory-mapped.

A grid is stored under a key, the hash of everything it is built from (edges, grid parameters,
format); a changed dataset or setting gets a new entry. An entry is a folder
``index-<key>/`` holding one ``.npy`` file per array; it is written under a temporary name and
renamed into place, so a reader never sees half an entry (two processes building at once both
write, one rename wins). Loading opens the files with ``numpy.load(mmap_mode="r")``: nothing
is copied, pages are read from the file as the queries touch them and shared by every process
using the same entry.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import numpy as np

__all__ = ["CACHE_FORMAT", "IndexCache", "default_root"]

CACHE_FORMAT = 2  # bump when the stored arrays change meaning


def default_root() -> Path:
    """``$SKYBORDER_CACHE`` when set, else ``~/.cache/skyborder``."""
    return Path(os.environ.get("SKYBORDER_CACHE") or Path.home() / ".cache" / "skyborder")


class IndexCache:
    """Grids on disk under ``root`` (default: :func:`default_root`, read when first used).

    Examples
    --------
    >>> import tempfile
    >>> cache = IndexCache(tempfile.mkdtemp())
    >>> key = IndexCache.key([np.arange(3.0)], params=(0.25, 16))
    >>> cache.load(key, ["a"]) is None
    True
    >>> cache.save(key, {"a": np.arange(4, dtype=np.int32)})
    >>> loaded = cache.load(key, ["a"])
    >>> loaded["a"].tolist(), isinstance(loaded["a"], np.memmap)
    ([0, 1, 2, 3], True)
    """

    def __init__(self, root: str | os.PathLike[str] | None = None):
        self._root = Path(root) if root is not None else None

    @property
    def root(self) -> Path:
        return self._root if self._root is not None else default_root()

    @staticmethod
    def key(arrays: list[np.ndarray], params: tuple) -> str:
        """A hex key from the bytes of ``arrays`` and the ``repr`` of ``params`` (with the format)."""
        digest = hashlib.sha256(repr((CACHE_FORMAT, *params)).encode())
        for array in arrays:
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()[:32]

    def path(self, key: str) -> Path:
        """The folder of the entry ``key``."""
        return self.root / f"index-{key}"

    def load(self, key: str, names: list[str] | tuple[str, ...]) -> dict[str, np.ndarray] | None:
        """The arrays ``names`` of entry ``key``, memory-mapped read-only; None when the entry is
        missing or incomplete."""
        folder = self.path(key)
        try:
            return {name: np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False) for name in names}
        except (OSError, ValueError):
            return None

    def save(self, key: str, arrays: dict[str, np.ndarray]) -> None:
        """Store ``arrays`` as entry ``key`` (atomically; a cache that cannot be written is skipped:
        it only costs the next process a build)."""
        final = self.path(key)
        partial = final.with_name(f"{final.name}.{os.getpid()}.partial")
        try:
            partial.mkdir(parents=True, exist_ok=True)
            for name, array in arrays.items():
                with open(partial / f"{name}.npy", "wb") as out:
                    np.save(out, np.ascontiguousarray(array), allow_pickle=False)
                    out.flush()
                    os.fsync(out.fileno())
            if final.exists() and self.load(key, list(arrays)) is None:
                # a broken entry (e.g. cut short by a machine crash): move it aside, then replace it
                stale = final.with_name(f"{final.name}.{os.getpid()}.stale")
                os.rename(final, stale)
                shutil.rmtree(stale, ignore_errors=True)
            os.rename(partial, final)
        except OSError:
            pass  # including: another process renamed its copy first
        finally:
            shutil.rmtree(partial, ignore_errors=True)
