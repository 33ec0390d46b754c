"""Building the coarse level of the grid: pure cells, boundary cells and their reference points.

A coarse cell is a boundary cell for an airspace when one of its edges meets the cell or passes
within ``margin_m`` of it; every other cell is pure, and the airspaces containing its centre
contain all of it. Boundary cells keep their edges and a reference point whose state in each
of their airspaces is known exactly (shapely), from which the fine level is derived by parity.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from ..arrays import isin_sorted
from ..units import MEAN_METRES_PER_DEGREE
from . import kernels
from .combinations import Combinations
from .edges import EdgeSet, edges_in_cells, split_long_edges
from .exact import contains_and_touches
from .grid import GridSpec

__all__ = ["REFERENCE_OFFSETS", "CoarseCells", "build_coarse"]

# cells are widened by this (degrees) when listing the edges that meet them, so that rounding in
# a point's cell number can never leave an edge that its test segment crosses off the list
COARSE_EPS_DEG = 2e-9
# reference points inside a cell (fractions of its width and height), tried in turn until one
# lies on no boundary
REFERENCE_OFFSETS = ((0.5137, 0.4871), (0.3119, 0.6733), (0.7411, 0.2293), (0.1877, 0.8461),
                     (0.6263, 0.9127))


@dataclass
class CoarseCells:
    """The coarse level as built: the code grid, and for each boundary cell its grid cell, base
    combination (airspaces containing the whole cell), slots (airspaces met there, sorted),
    edges with their slot, and reference point with the state of each slot there."""

    code: np.ndarray
    boundary_pairs: np.ndarray
    cell: np.ndarray
    base: np.ndarray
    slot_start: np.ndarray
    slot_air: np.ndarray
    edge_start: np.ndarray
    edges: np.ndarray
    eslot: np.ndarray
    ref_x: np.ndarray
    ref_y: np.ndarray
    slot_state: np.ndarray
    base_hash: np.ndarray

    def slot_of(self, b: np.ndarray, air: np.ndarray, n_air: int) -> np.ndarray:
        """Position of each airspace among the slots of its coarse cell ``b``."""
        keys = np.repeat(np.arange(len(self.cell)), np.diff(self.slot_start)) * n_air + self.slot_air
        return np.searchsorted(keys, b * n_air + air) - self.slot_start[b]

    def states(self, edges: EdgeSet, keys: np.ndarray, b: np.ndarray, px: np.ndarray,
               py: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Exact state of every slot of coarse cell ``b`` at each point (parity from its
        reference point): (state offsets, states, combination hashes, whether on an edge)."""
        n_slot = np.diff(self.slot_start)[b]
        out_start = np.r_[0, np.cumsum(n_slot)].astype(np.int64)
        out_state = np.empty(out_start[-1], dtype=np.uint8)
        out_hash = np.empty(len(b), dtype=np.uint64)
        on_edge = np.empty(len(b), dtype=np.bool_)
        kernels.states_in_cells(px, py, b, self.ref_x, self.ref_y, self.edge_start, edges.x1[self.edges],
                                edges.y1[self.edges], edges.x2[self.edges], edges.y2[self.edges], self.eslot,
                                self.slot_start, self.slot_state, keys[self.slot_air], self.base_hash, out_start,
                                out_state, out_hash, on_edge)
        return out_start, out_state, out_hash, on_edge


def _margin_pairs(spec: GridSpec, edges: EdgeSet, n_air: int) -> np.ndarray:
    """Keys ``cell * n_airspaces + airspace`` of cells within ``margin_m`` of an airspace's boundary."""
    x1, y1, x2, y2, parent = split_long_edges(edges, spec.cell_deg / 4.0)
    owner = edges.airspace[parent]
    # margin in degrees around each sub-edge (the longitude margin grows with latitude)
    my = spec.margin_m / MEAN_METRES_PER_DEGREE
    coslat = np.maximum(np.cos(np.radians(np.maximum(np.abs(y1), np.abs(y2)) + my)), 1e-3)
    mx = np.minimum(my / coslat, 180.0)
    cells = []
    for xs, ys in ((np.minimum(x1, x2) - mx, np.minimum(y1, y2) - my),
                   (np.maximum(x1, x2) + mx, np.maximum(y1, y2) + my),
                   (np.minimum(x1, x2) - mx, np.maximum(y1, y2) + my),
                   (np.maximum(x1, x2) + mx, np.minimum(y1, y2) - my),
                   (x1, y1)):
        ix, iy = spec.cell_xy(np.clip(xs, -180, 180 - 1e-9), np.clip(ys, -90, 90 - 1e-9))
        cells.append(iy * spec.nx + ix)
    return np.unique(np.concatenate(cells) * n_air + np.tile(owner, 5))


def _inside_cells(spec: GridSpec, geometries: list[shapely.Geometry],
                  boundary_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cell, airspace) pairs for cells entirely inside an airspace (cell centre test).

    ``boundary_keys`` (sorted) are ``cell * n_airspaces + airspace`` of boundary cells.
    """
    n_air = len(geometries)
    cells_out, air_out = [], []
    for a, geom in enumerate(geometries):
        for part in shapely.get_parts(geom):
            xmin, ymin, xmax, ymax = part.bounds
            ix0, iy0 = spec.cell_xy(xmin, ymin)
            ix1, iy1 = spec.cell_xy(xmax, ymax)
            if ix1 - ix0 < 2 or iy1 - iy0 < 2:
                continue  # too small to hold a cell its boundary does not touch
            gx, gy = np.meshgrid(np.arange(int(ix0), int(ix1) + 1), np.arange(int(iy0), int(iy1) + 1))
            cell = (gy * spec.nx + gx).ravel()
            cell = cell[~isin_sorted(cell * n_air + a, boundary_keys)]
            cx = (cell % spec.nx + 0.5) * spec.cell_deg - 180.0
            cy = (cell // spec.nx + 0.5) * spec.cell_deg - 90.0
            inside = shapely.contains_xy(geom, cx, cy)
            cells_out.append(cell[inside])
            air_out.append(np.full(int(inside.sum()), a, dtype=np.int32))
    if not cells_out:
        return np.zeros(0, np.int64), np.zeros(0, np.int32)
    # the bounding boxes of several parts may cover the same cell: list each pair once
    pairs = np.unique(np.concatenate(cells_out) * n_air + np.concatenate(air_out))
    return pairs // n_air, (pairs % n_air).astype(np.int32)


def build_coarse(spec: GridSpec, edges: EdgeSet, geometries: list[shapely.Geometry],
                 combos: Combinations) -> CoarseCells:
    """The coarse code grid (combination id of pure cells, ``-1 - b`` for boundary cell b) and
    the boundary cells' edges, slots and reference points."""
    n_air = len(geometries)
    e_cell, e_edge = edges_in_cells(edges, spec.cell_deg, spec.nx, spec.ny, COARSE_EPS_DEG)
    pair_key = np.union1d(_margin_pairs(spec, edges, n_air), e_cell * n_air + edges.airspace[e_edge])
    b_cell, b_air = pair_key // n_air, (pair_key % n_air).astype(np.int32)
    inside_cell, inside_air = _inside_cells(spec, geometries, pair_key)
    inside_hash = np.zeros(spec.nx * spec.ny, dtype=np.uint64)
    np.bitwise_xor.at(inside_hash, inside_cell, combos.keys[inside_air])
    order = np.argsort(inside_cell, kind="stable")
    inside_cell, inside_air = inside_cell[order], inside_air[order]

    def members_of(cell: int) -> list[int]:
        lo, hi = np.searchsorted(inside_cell, [cell, cell + 1])
        return inside_air[lo:hi].tolist()

    code = combos.ids_of_hashes(inside_hash, members_of)
    bcells, slot_start = np.unique(b_cell, return_index=True)
    base = code[bcells].copy()
    code[bcells] = -1 - np.arange(len(bcells), dtype=np.int32)
    # edges of each boundary cell, with the slot of their airspace
    b = -1 - code[e_cell].astype(np.int64)
    order = np.argsort(b, kind="stable")
    b, e_edge = b[order], e_edge[order]
    slot_start = np.append(slot_start, len(b_cell))
    cells = CoarseCells(
        code=code, boundary_pairs=pair_key, cell=bcells, base=base, slot_start=slot_start, slot_air=b_air,
        edge_start=np.searchsorted(b, np.arange(len(bcells) + 1)).astype(np.int64), edges=e_edge,
        eslot=(np.searchsorted(pair_key, e_cell[order] * n_air + edges.airspace[e_edge])
               - slot_start[b]).astype(np.int64),
        ref_x=np.empty(len(bcells)), ref_y=np.empty(len(bcells)),
        slot_state=np.zeros(len(b_air), dtype=np.uint8), base_hash=combos.hashes()[base])
    _reference_points(spec, geometries, cells)
    return cells


def _reference_points(spec: GridSpec, geometries: list[shapely.Geometry], cells: CoarseCells) -> None:
    """A reference point in each boundary cell lying on no boundary, and its exact slot states."""
    slot_cell = np.repeat(np.arange(len(cells.cell)), np.diff(cells.slot_start))
    x0 = (cells.cell % spec.nx) * spec.cell_deg - 180.0
    y0 = (cells.cell // spec.nx) * spec.cell_deg - 90.0
    pending = np.arange(len(cells.cell))
    for ox, oy in REFERENCE_OFFSETS:
        cells.ref_x[pending] = x0[pending] + ox * spec.cell_deg
        cells.ref_y[pending] = y0[pending] + oy * spec.cell_deg
        slots = np.flatnonzero(np.isin(slot_cell, pending))
        inside, touching = contains_and_touches(geometries, cells.slot_air[slots], cells.ref_x[slot_cell[slots]],
                                                cells.ref_y[slot_cell[slots]])
        cells.slot_state[slots] = inside
        pending = np.unique(slot_cell[slots[touching & ~inside]])
        if len(pending) == 0:
            break
