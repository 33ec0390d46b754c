"""The index's two-level grid: its parameters and the arrays a built grid consists of.

A regular lon/lat grid (``cell_deg``) labels each *coarse* cell as pure (the same set of
airspaces holds everywhere in it, with a safety margin of ``margin_m`` metres around the cell)
or boundary. Boundary cells are split into ``nsub`` x ``nsub`` *fine* cells, again pure or
boundary; a boundary fine cell keeps the edges that meet it, a reference point of known state
and a lookup table from inside/outside patterns to combination ids. ``grid_coarse`` and
``grid_fine`` build it; ``cache`` stores it; ``kernels`` query it.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

__all__ = ["GridSpec", "IndexGrid"]


@dataclass(frozen=True)
class GridSpec:
    """Grid parameters: coarse cell size (deg), pure-cell margin (m), fine cells per side."""

    cell_deg: float = 0.25
    margin_m: float = 3000.0
    nsub: int = 16

    @property
    def nx(self) -> int:
        return int(round(360 / self.cell_deg))

    @property
    def ny(self) -> int:
        return int(round(180 / self.cell_deg))

    @property
    def sub_deg(self) -> float:
        """Size (deg) of a fine cell."""
        return self.cell_deg / self.nsub

    def cell_xy(self, lon: np.ndarray | float, lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """Column and row (int64) of the coarse cells holding the points (clipped to the grid)."""
        ix = np.clip(((np.asarray(lon) + 180.0) / self.cell_deg).astype(np.int64), 0, self.nx - 1)
        iy = np.clip(((np.asarray(lat) + 90.0) / self.cell_deg).astype(np.int64), 0, self.ny - 1)
        return ix, iy


@dataclass
class IndexGrid:
    """Every array of a built grid (what the disk cache stores; read-only once built).

    ``code[iy * nx + ix]``: combination id of a pure coarse cell, or ``-1 - b`` for boundary
    coarse cell number b. ``sub_code[b * nsub**2 + sy * nsub + sx]``: likewise for the fine cells
    of boundary cell b (``-1 - s`` for boundary fine cell s). ``fine_quiet``: ``sub_code`` where
    no boundary fine cell is among the 8 neighbours, else -1. ``boundary_pairs``: sorted keys
    ``cell * n_airspaces + airspace`` of the coarse cells within the margin of that airspace's
    boundary. The rest describes the boundary fine cells s: reference point (deg), their edges
    (``edges[edge_start[s]:edge_start[s + 1]]``, with coordinates copied alongside in
    ``x1 .. y2`` and the slot of their airspace in ``eslot``), their airspaces (slots,
    ``slot_air[slot_start[s]:slot_start[s + 1]]``), the slots inside at the reference point
    (bits of ``ref_bits``), the combination there (``full``) and of the airspaces covering the
    whole cell (``base``), and a lookup table (``table[table_start[s] + pattern]``, -1 start when
    too many slots meet).
    """

    code: np.ndarray
    sub_code: np.ndarray
    fine_quiet: np.ndarray
    boundary_pairs: np.ndarray
    ref_x: np.ndarray
    ref_y: np.ndarray
    edge_start: np.ndarray
    edges: np.ndarray
    eslot: np.ndarray
    slot_start: np.ndarray
    slot_air: np.ndarray
    ref_bits: np.ndarray
    full: np.ndarray
    base: np.ndarray
    table_start: np.ndarray
    table: np.ndarray
    x1: np.ndarray
    y1: np.ndarray
    x2: np.ndarray
    y2: np.ndarray

    def arrays(self) -> dict[str, np.ndarray]:
        """Every array by field name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.arrays().values())

