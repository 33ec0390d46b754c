"""Building the fine level of the grid inside the boundary coarse cells.

Every boundary coarse cell is split into ``nsub`` x ``nsub`` fine cells. A fine cell no edge
meets is pure: its combination is the state at its reference point, found by parity from the
coarse cell's reference point. A fine cell edges meet keeps them, its own reference point with
the state of each airspace met there (as bits), and, when at most ``TABLE_MAX_SLOTS``
airspaces meet there, a table from the inside/outside pattern of those airspaces to the
combination id, so that a query never builds a set.
"""
from __future__ import annotations

import numpy as np

from .combinations import Combinations
from .edges import EdgeSet, edges_in_cells
from .grid import GridSpec, IndexGrid
from .grid_coarse import REFERENCE_OFFSETS, CoarseCells

__all__ = ["TABLE_MAX_SLOTS", "build_fine"]

TABLE_MAX_SLOTS = 8  # fine cells where more airspaces meet are classified by shapely
FINE_EPS_DEG = 1e-9  # fine cells are widened by this when listing their edges (see grid_coarse)


def _fine_edges(spec: GridSpec, edges: EdgeSet, code: np.ndarray, n_air: int) -> tuple[np.ndarray, ...]:
    """Boundary fine cells: (fine cell numbers ``b * nsub**2 + sy * nsub + sx`` sorted, edge
    start, edges, slot of each edge, slot start, slot airspaces)."""
    nsub = spec.nsub
    f_cell, f_edge = edges_in_cells(edges, spec.sub_deg, spec.nx * nsub, spec.ny * nsub, FINE_EPS_DEG)
    fx, fy = f_cell % (spec.nx * nsub), f_cell // (spec.nx * nsub)
    coarse = code[(fy // nsub) * spec.nx + fx // nsub]
    keep = coarse < 0
    fine = (-1 - coarse[keep].astype(np.int64)) * nsub * nsub + (fy[keep] % nsub) * nsub + fx[keep] % nsub
    f_edge = f_edge[keep]
    f_air = edges.airspace[f_edge]
    order = np.lexsort((f_air, fine))
    fine, f_edge, f_air = fine[order], f_edge[order], f_air[order]
    bfine, edge_start = np.unique(fine, return_index=True)
    s_of = np.searchsorted(bfine, fine)
    pair = np.unique(s_of * n_air + f_air)
    slot_start = np.searchsorted(pair // n_air, np.arange(len(bfine) + 1))
    eslot = np.searchsorted(pair, s_of * n_air + f_air) - slot_start[s_of]
    return (bfine, np.append(edge_start, len(fine)).astype(np.int64), f_edge.astype(np.int32),
            eslot.astype(np.int32), slot_start.astype(np.int64), (pair % n_air).astype(np.int32))


def _fine_references(spec: GridSpec, edges: EdgeSet, cc: CoarseCells,
                     combos: Combinations) -> tuple[np.ndarray, ...]:
    """Reference point of every fine cell of every boundary coarse cell, lying on no edge of its
    coarse cell, with the state of each coarse slot there: (ref x, ref y, coarse cell, state
    offsets, states, combination hashes)."""
    nsub = spec.nsub
    q = np.arange(len(cc.cell) * nsub * nsub)
    b, sx, sy = q // (nsub * nsub), q % nsub, (q // nsub) % nsub
    x0 = (cc.cell[b] % spec.nx) * spec.cell_deg - 180.0 + sx * spec.sub_deg
    y0 = (cc.cell[b] // spec.nx) * spec.cell_deg - 90.0 + sy * spec.sub_deg
    ref_x, ref_y = np.empty(len(q)), np.empty(len(q))
    out_start = out_state = out_hash = np.zeros(0, np.int64)
    pending = q
    for attempt, (ox, oy) in enumerate(REFERENCE_OFFSETS):
        ref_x[pending], ref_y[pending] = x0[pending] + ox * spec.sub_deg, y0[pending] + oy * spec.sub_deg
        start, state, hashes, on_edge = cc.states(edges, combos.keys, b[pending], ref_x[pending], ref_y[pending])
        if attempt == 0:
            out_start, out_state, out_hash = start[:-1], state, hashes
        else:  # the same slots again, in place
            owner = np.repeat(np.arange(len(pending)), np.diff(start))
            out_state[out_start[pending][owner] + np.arange(len(owner)) - start[owner]] = state
            out_hash[pending] = hashes
        pending = pending[on_edge]
        if len(pending) == 0:
            break
    return ref_x, ref_y, b, out_start, out_state, out_hash


def _tables(edges: EdgeSet, combos: Combinations, base: np.ndarray, slot_start: np.ndarray,
            slot_air: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Combination id of every inside/outside pattern of the slots of each fine cell with at
    most TABLE_MAX_SLOTS slots: (table start, -1 for the other cells; table)."""
    n_slots = np.diff(slot_start)
    small = n_slots <= TABLE_MAX_SLOTS
    size = np.where(small, 1 << np.minimum(n_slots, TABLE_MAX_SLOTS), 0)
    start = np.cumsum(size) - size
    owner = np.repeat(np.arange(len(size)), size)
    pattern = np.arange(len(owner)) - start[owner]
    hashes = combos.hashes()[base][owner]
    for t in range(TABLE_MAX_SLOTS):
        on = (n_slots[owner] > t) & ((pattern >> t) & 1).astype(bool)
        hashes[on] ^= combos.keys[slot_air[slot_start[owner[on]] + t]]

    def members(i: int) -> frozenset[int]:
        s = owner[i]
        slots = slot_air[slot_start[s]:slot_start[s + 1]].tolist()
        return combos.sets[int(base[s])] | {a for t, a in enumerate(slots) if pattern[i] >> t & 1}

    return np.where(small, start, -1).astype(np.int64), combos.ids_of_hashes(hashes, members)


def _quiet(spec: GridSpec, code: np.ndarray, sub_code: np.ndarray) -> np.ndarray:
    """``sub_code`` where no boundary fine cell is among the 8 neighbours, -1 elsewhere."""
    nsub, nfx = spec.nsub, spec.nx * spec.nsub
    bcells = np.flatnonzero(code < 0)  # in boundary-number order
    bfine = np.flatnonzero(sub_code < 0)
    b, q = bfine // (nsub * nsub), bfine % (nsub * nsub)
    fx = (bcells[b] % spec.nx) * nsub + q % nsub
    fy = (bcells[b] // spec.nx) * nsub + q // nsub
    quiet = sub_code.copy()
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            gx, gy = (fx + dx) % nfx, fy + dy
            ok = (gy >= 0) & (gy < spec.ny * nsub)
            gx, gy = gx[ok], gy[ok]
            c = code[(gy // nsub) * spec.nx + gx // nsub]
            inside = c < 0  # neighbours in pure coarse cells cannot exist (their margin)
            quiet[(-1 - c[inside].astype(np.int64)) * nsub * nsub + (gy[inside] % nsub) * nsub
                  + gx[inside] % nsub] = -1
    return quiet


def build_fine(spec: GridSpec, edges: EdgeSet, cc: CoarseCells, combos: Combinations) -> IndexGrid:
    """The whole grid: the coarse level ``cc`` refined into fine cells."""
    n_air = len(combos.keys)
    bfine, edge_start, f_edge, eslot, slot_start, p_air = _fine_edges(spec, edges, cc.code, n_air)
    ref_x, ref_y, b, out_start, out_state, out_hash = _fine_references(spec, edges, cc, combos)

    def members_at(i: int) -> list[int]:
        lo, hi = cc.slot_start[b[i]], cc.slot_start[b[i] + 1]
        inside = out_state[out_start[i]:out_start[i] + hi - lo].astype(bool)
        return list(combos.sets[cc.base[b[i]]]) + cc.slot_air[lo:hi][inside].tolist()

    sub_code = combos.ids_of_hashes(out_hash, members_at)
    # boundary fine cells: state of their own slots at the reference point
    p_s = np.repeat(np.arange(len(bfine)), np.diff(slot_start))
    ref = bfine[p_s]
    state = out_state[out_start[ref] + cc.slot_of(b[ref], p_air, n_air)].astype(np.int64)
    t = np.arange(len(p_air)) - slot_start[p_s]
    has_slots = len(p_air) > 0
    ref_bits = np.bitwise_or.reduceat(state << t, slot_start[:-1]) if has_slots else np.zeros(0, np.int64)
    full = sub_code[bfine]
    drop = np.bitwise_xor.reduceat(np.where(state > 0, combos.keys[p_air], 0), slot_start[:-1]) \
        if has_slots else np.zeros(0, np.uint64)
    base = combos.ids_of_hashes(
        out_hash[bfine] ^ drop,
        lambda i: combos.sets[int(full[i])] - set(p_air[slot_start[i]:slot_start[i + 1]].tolist()))
    table_start, table = _tables(edges, combos, base, slot_start, p_air)
    sub_code[bfine] = -1 - np.arange(len(bfine), dtype=np.int32)
    return IndexGrid(
        code=cc.code, sub_code=sub_code, fine_quiet=_quiet(spec, cc.code, sub_code), boundary_pairs=cc.boundary_pairs,
        ref_x=ref_x[bfine], ref_y=ref_y[bfine], edge_start=edge_start, edges=f_edge, eslot=eslot,
        slot_start=slot_start, slot_air=p_air, ref_bits=ref_bits, full=full, base=base, table_start=table_start,
        table=table, x1=edges.x1[f_edge], y1=edges.y1[f_edge], x2=edges.x2[f_edge], y2=edges.y2[f_edge])
