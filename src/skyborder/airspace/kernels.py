"""Compiled (numba) kernels of the airspace index: exact even-odd tests over per-cell edge lists.

Every cell that a boundary passes through keeps a *reference point* whose state (inside or
outside each airspace) is known exactly, and the list of boundary edges (straight in lon/lat,
original float64 coordinates) that meet the cell. A point in the cell differs from the reference
point in airspace ``a`` exactly when the straight segment between them crosses an odd number of
``a``'s edges. Both ends lie in the cell, so no other edge can be crossed.

The crossing test is made consistent at shared vertices: a vertex's side of the line through the
two points is computed once from the same inputs for both edges that meet there (zero counts as
one side), so a segment through a vertex crosses an even or odd number of edges exactly as it
should. A point lying on an edge is outside that airspace (as ``shapely.contains_xy`` says).
"""
from __future__ import annotations

import numba as nb
import numpy as np

NO_CROSSING, CROSSING, ON_EDGE = 0, 1, 2
MAX_PARITY_SLOTS = 63  # airspaces per fine cell that fit the int64 bit mask


@nb.njit(inline="always")
def _orient(ax, ay, bx, by, cx, cy):
    return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)


@nb.njit(inline="always")
def _cross(rx, ry, px, py, x1, y1, x2, y2):
    """Whether the segment r->p crosses edge 1-2 (CROSSING), not, or p lies on it (ON_EDGE)."""
    a1 = _orient(rx, ry, px, py, x1, y1)
    a2 = _orient(rx, ry, px, py, x2, y2)
    if (a1 == 0.0 and px == x1 and py == y1) or (a2 == 0.0 and px == x2 and py == y2):
        return ON_EDGE  # p is a vertex
    s1, s2 = a1 > 0.0, a2 > 0.0
    if s1 == s2:
        return NO_CROSSING
    o_p = _orient(x1, y1, x2, y2, px, py)
    if o_p == 0.0:
        return ON_EDGE
    o_r = _orient(x1, y1, x2, y2, rx, ry)
    return CROSSING if (o_p > 0.0) != (o_r > 0.0) else NO_CROSSING


@nb.njit(parallel=True, cache=True)
def states_in_cells(px, py, cell, ref_x, ref_y, edge_start, ex1, ey1, ex2, ey2, eslot,
                    slot_start, slot_state, slot_key, base_hash, out_start, out_state, out_hash, on_edge):
    """State of every slot (airspace listed for the point's cell) at each point.

    Writes ``out_state[out_start[i] + j]`` (1 = inside) for slot j of point i's cell, the
    combination hash (``base_hash`` of the cell xor the keys of the slots inside) to
    ``out_hash[i]``, and whether the point lies on one of the cell's edges to ``on_edge[i]``.
    """
    for i in nb.prange(len(px)):
        c = cell[i]
        s0, n_slot = slot_start[c], slot_start[c + 1] - slot_start[c]
        o = out_start[i]
        for j in range(n_slot):
            out_state[o + j] = slot_state[s0 + j]
        touched = False
        rx, ry, x, y = ref_x[c], ref_y[c], px[i], py[i]
        for e in range(edge_start[c], edge_start[c + 1]):
            r = _cross(rx, ry, x, y, ex1[e], ey1[e], ex2[e], ey2[e])
            if r == CROSSING:
                out_state[o + eslot[e]] ^= 1
            elif r == ON_EDGE:
                touched = True
        h = base_hash[c]
        for j in range(n_slot):
            if out_state[o + j]:
                h ^= slot_key[s0 + j]
        out_hash[i] = h
        on_edge[i] = touched


@nb.njit(parallel=True, cache=True)
def classify_points(lon, lat, code, nx, ny, cell_deg, nsub, sub_code, ref_x, ref_y, ref_bits,
                    edge_start, ex1, ey1, ex2, ey2, eslot, table_start, table, out, fine_cell):
    """Combination id of each point; -1 (with its fine cell in ``fine_cell``) where the cell has
    no lookup table (too many airspaces meet there) and the caller must decide. Returns the
    number of such points.

    Cell numbers come from multiplying by the inverse cell size: a point may land in the
    neighbouring cell by rounding, which is harmless since cells list every edge within 1e-9
    degrees of them.
    """
    inv_cell = 1.0 / cell_deg
    inv_sub = nsub / cell_deg
    undecided = 0
    for i in nb.prange(len(lon)):
        x, y = lon[i], lat[i]
        ix = min(max(int((x + 180.0) * inv_cell), 0), nx - 1)
        iy = min(max(int((y + 90.0) * inv_cell), 0), ny - 1)
        c = code[iy * nx + ix]
        if c >= 0:
            out[i] = c
            continue
        sx = min(max(int((x + 180.0 - ix * cell_deg) * inv_sub), 0), nsub - 1)
        sy = min(max(int((y + 90.0 - iy * cell_deg) * inv_sub), 0), nsub - 1)
        sc = sub_code[(-1 - c) * nsub * nsub + sy * nsub + sx]
        if sc >= 0:
            out[i] = sc
            continue
        s = -1 - sc
        if table_start[s] < 0:
            out[i] = -1
            fine_cell[i] = s
            undecided += 1
            continue
        flips = np.int64(0)
        touched = np.int64(0)
        rx, ry = ref_x[s], ref_y[s]
        for e in range(edge_start[s], edge_start[s + 1]):
            r = _cross(rx, ry, x, y, ex1[e], ey1[e], ex2[e], ey2[e])
            if r == CROSSING:
                flips ^= np.int64(1) << eslot[e]
            elif r == ON_EDGE:
                touched |= np.int64(1) << eslot[e]
        out[i] = table[table_start[s] + ((ref_bits[s] ^ flips) & ~touched)]
    return undecided


@nb.njit(inline="always")
def _quiet_code(fx, fy, code, nx, nsub, fine_quiet):
    """Combination id of a fine cell with no boundary within one fine cell of it, else -1."""
    c = code[(fy // nsub) * nx + fx // nsub]
    if c >= 0:
        return c  # a pure coarse cell: no boundary within its (wider) margin
    return fine_quiet[(-1 - c) * nsub * nsub + (fy % nsub) * nsub + fx % nsub]


@nb.njit(parallel=True, cache=True)
def quiet_segments(lon1, lat1, lon2, lat2, code, nx, ny, cell_deg, nsub, fine_quiet, max_lat, out):
    """Whether each segment (straight in lon/lat, or its geodesic, which strays far less than a
    cell's margin from it) stays in cells free of boundaries that share one combination: its end
    cells and the two other corners of their block, on the coarse grid or else the fine one."""
    inv_cell = 1.0 / cell_deg
    inv_fine = nsub / cell_deg
    nfx, nfy = nx * nsub, ny * nsub
    for i in nb.prange(len(lon1)):
        x1, y1, x2, y2 = lon1[i], lat1[i], lon2[i], lat2[i]
        out[i] = False
        if abs(y1) > max_lat or abs(y2) > max_lat:
            continue
        ix1 = min(max(int((x1 + 180.0) * inv_cell), 0), nx - 1)
        iy1 = min(max(int((y1 + 90.0) * inv_cell), 0), ny - 1)
        ix2 = min(max(int((x2 + 180.0) * inv_cell), 0), nx - 1)
        iy2 = min(max(int((y2 + 90.0) * inv_cell), 0), ny - 1)
        c = code[iy1 * nx + ix1]
        if c >= 0:
            dix = abs(ix2 - ix1)
            dix = min(dix, nx - dix)
            out[i] = (code[iy2 * nx + ix2] == c and dix <= 1 and abs(iy2 - iy1) <= 1
                      and code[iy2 * nx + ix1] == c and code[iy1 * nx + ix2] == c)
            continue
        fx1 = min(max(int((x1 + 180.0) * inv_fine), 0), nfx - 1)
        fy1 = min(max(int((y1 + 90.0) * inv_fine), 0), nfy - 1)
        fx2 = min(max(int((x2 + 180.0) * inv_fine), 0), nfx - 1)
        fy2 = min(max(int((y2 + 90.0) * inv_fine), 0), nfy - 1)
        if abs(fx2 - fx1) > 1 or abs(fy2 - fy1) > 1:
            continue
        q = _quiet_code(fx1, fy1, code, nx, nsub, fine_quiet)
        out[i] = (q >= 0 and _quiet_code(fx2, fy2, code, nx, nsub, fine_quiet) == q
                  and _quiet_code(fx1, fy2, code, nx, nsub, fine_quiet) == q
                  and _quiet_code(fx2, fy1, code, nx, nsub, fine_quiet) == q)


@nb.njit(inline="always")
def _fine_cell_of(fx, fy, code, nx, nsub, sub_code):
    """Boundary fine cell number of global fine cell (fx, fy), or -1 when no edge meets it."""
    c = code[(fy // nsub) * nx + fx // nsub]
    if c >= 0:
        return -1
    sc = sub_code[(-1 - c) * nsub * nsub + (fy % nsub) * nsub + fx % nsub]
    return -1 - sc if sc < 0 else -1


@nb.njit(parallel=True, cache=True)
def edges_in_boxes(xmin, ymin, xmax, ymax, code, nx, ny, cell_deg, nsub, sub_code, edge_start, edges,
                   count_only, offsets, out_box, out_edge):
    """The edges listed in the fine cells that boxes (degrees) cover.

    With ``count_only``, writes the number of (box, edge) entries of each box to
    ``offsets[i + 1]``; otherwise fills ``out_box``/``out_edge`` from ``offsets[i]`` on (an edge
    met in several cells of a box repeats).
    """
    inv_fine = nsub / cell_deg
    nfx, nfy = nx * nsub, ny * nsub
    for i in nb.prange(len(xmin)):
        fx0 = min(max(int(np.floor((xmin[i] + 180.0) * inv_fine)), 0), nfx - 1)
        fx1 = min(max(int(np.floor((xmax[i] + 180.0) * inv_fine)), 0), nfx - 1)
        fy0 = min(max(int(np.floor((ymin[i] + 90.0) * inv_fine)), 0), nfy - 1)
        fy1 = min(max(int(np.floor((ymax[i] + 90.0) * inv_fine)), 0), nfy - 1)
        k = 0 if count_only else offsets[i]
        for fy in range(fy0, fy1 + 1):
            for fx in range(fx0, fx1 + 1):
                s = _fine_cell_of(fx, fy, code, nx, nsub, sub_code)
                if s < 0:
                    continue
                if count_only:
                    k += edge_start[s + 1] - edge_start[s]
                else:
                    for e in range(edge_start[s], edge_start[s + 1]):
                        out_box[k] = i
                        out_edge[k] = edges[e]
                        k += 1
        if count_only:
            offsets[i + 1] = k
