"""The fast point -> airspace index.

A regular lon/lat grid (``cell_deg``) labels each cell as *pure* (the same set of airspaces
holds everywhere in it, with a safety margin of ``margin_m`` metres around the cell) or
*boundary* (some airspace boundary passes within the margin). Points in pure cells are
classified by one array lookup; points in boundary cells get an exact ``contains_xy`` test
against just the airspaces whose boundary is there.

A point's result is a *combination id*: the index of the set of airspaces that contain it
(overlapping claims mean a point may be in several). ``member`` turns ids into a boolean
matrix (point x airspace).

A second, sparse and finer grid (``edge_cell_deg``) lists the boundary edges crossing each of
its cells; the crossing engine uses it to find the edges a short chord may cut.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely

from ..geodesy import METRES_PER_DEGREE
from .antimeridian import fold_into_world
from .model import Airspace

_KEY_SEED = 20151124


@dataclass(frozen=True)
class EdgeSet:
    """Boundary edges (straight in lon/lat), degrees, with the airspace each belongs to."""

    x1: np.ndarray
    y1: np.ndarray
    x2: np.ndarray
    y2: np.ndarray
    airspace: np.ndarray  # int32 index into AirspaceIndex.airspaces

    def __len__(self) -> int:
        return len(self.x1)


def boundary_edges(geometries: list[shapely.Geometry]) -> EdgeSet:
    """All ring edges of the polygons, as arrays, tagged with the geometry's position."""
    lines = shapely.boundary(np.asarray(geometries, dtype=object))
    parts, owner = shapely.get_parts(lines, return_index=True)
    coords, part_of = shapely.get_coordinates(parts, return_index=True)
    same = part_of[1:] == part_of[:-1]
    start = np.flatnonzero(same)
    return EdgeSet(coords[start, 0], coords[start, 1], coords[start + 1, 0], coords[start + 1, 1],
                   owner[part_of[start]].astype(np.int32))


def _split_long_edges(edges: EdgeSet, max_len_deg: float) -> tuple[np.ndarray, ...]:
    """Sub-edges no longer than ``max_len_deg`` (x1, y1, x2, y2, parent edge index)."""
    length = np.hypot(edges.x2 - edges.x1, edges.y2 - edges.y1)
    pieces = np.maximum(np.ceil(length / max_len_deg), 1).astype(np.int64)
    parent = np.repeat(np.arange(len(edges)), pieces)
    first = np.repeat(np.cumsum(pieces) - pieces, pieces)
    k = np.arange(len(parent)) - first
    f0, f1 = k / pieces[parent], (k + 1) / pieces[parent]
    dx, dy = edges.x2 - edges.x1, edges.y2 - edges.y1
    return (edges.x1[parent] + f0 * dx[parent], edges.y1[parent] + f0 * dy[parent],
            edges.x1[parent] + f1 * dx[parent], edges.y1[parent] + f1 * dy[parent], parent)


def _expand_ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For integer ranges [lo, hi] return (owner index, value) of every member."""
    counts = (hi - lo + 1).astype(np.int64)
    owner = np.repeat(np.arange(len(lo)), counts)
    offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, lo[owner] + offset


class SparseCellIndex:
    """Items (e.g. edges) listed per cell of a fine lon/lat grid, stored sparsely (CSR)."""

    def __init__(self, cell_deg: float, xmin, ymin, xmax, ymax, item: np.ndarray):
        self.cell_deg = cell_deg
        self.nx = int(round(360.0 / cell_deg))
        ix0, iy0 = self._ix(xmin), self._iy(ymin)
        ix1, iy1 = self._ix(xmax), self._iy(ymax)
        owner, ix = _expand_ranges(ix0, ix1)
        iy_lo, iy_hi = iy0[owner], iy1[owner]
        owner2, iy = _expand_ranges(iy_lo, iy_hi)
        keys = iy * self.nx + ix[owner2]
        items = item[owner[owner2]]
        order = np.argsort(keys, kind="stable")
        keys, self.items = keys[order], items[order]
        self.keys, starts = np.unique(keys, return_index=True)
        self.starts = np.append(starts, len(keys))

    def _ix(self, x):
        return np.clip(np.floor((np.asarray(x) + 180.0) / self.cell_deg), 0, self.nx - 1).astype(np.int64)

    def _iy(self, y):
        ny = int(round(180.0 / self.cell_deg))
        return np.clip(np.floor((np.asarray(y) + 90.0) / self.cell_deg), 0, ny - 1).astype(np.int64)

    def query_boxes(self, xmin, ymin, xmax, ymax) -> tuple[np.ndarray, np.ndarray]:
        """Candidate (box index, item) pairs for boxes in degrees (lon within [-180, 180]).

        A pair is returned at least once for every item whose cells overlap the box's cells;
        duplicates are removed.
        """
        owner, ix = _expand_ranges(self._ix(xmin), self._ix(xmax))
        owner2, iy = _expand_ranges(self._iy(ymin)[owner], self._iy(ymax)[owner])
        keys = iy * self.nx + ix[owner2]
        box = owner[owner2]
        pos = np.searchsorted(self.keys, keys)
        pos_c = np.minimum(pos, len(self.keys) - 1)
        hit = (len(self.keys) > 0) & (self.keys[pos_c] == keys)
        box, pos = box[hit], pos_c[hit]
        counts = self.starts[pos + 1] - self.starts[pos]
        owner3, idx = _expand_ranges(self.starts[pos], self.starts[pos] + counts - 1)
        pairs = np.unique(np.column_stack([box[owner3], self.items[idx]]), axis=0)
        return pairs[:, 0], pairs[:, 1]


class AirspaceIndex:
    """Classify points (lon, lat in degrees) against a list of airspaces, laterally."""

    def __init__(self, airspaces: list[Airspace], cell_deg: float = 0.25, margin_m: float = 3000.0,
                 edge_cell_deg: float = 1.0 / 64.0):
        self.airspaces = list(airspaces)
        self.geometries = [fold_into_world(a.geometry) for a in self.airspaces]
        for geom in self.geometries:
            shapely.prepare(geom)
        self.cell_deg, self.margin_m, self.edge_cell_deg = cell_deg, margin_m, edge_cell_deg
        self.nx, self.ny = int(round(360 / cell_deg)), int(round(180 / cell_deg))
        rng = np.random.default_rng(_KEY_SEED)
        self.keys = rng.integers(1, 2**63, size=len(self.airspaces), dtype=np.uint64)
        self._combo_of_hash: dict[int, int] = {}
        self.combos: list[frozenset[int]] = []
        self._member_cache: np.ndarray | None = None
        self._build_grid()

    # ----- combinations -------------------------------------------------------------------
    def _combo_id(self, members: frozenset[int]) -> int:
        h = int(np.bitwise_xor.reduce(self.keys[list(members)])) if members else 0
        if h not in self._combo_of_hash:
            self._combo_of_hash[h] = len(self.combos)
            self.combos.append(members)
        return self._combo_of_hash[h]

    def member(self) -> np.ndarray:
        """Boolean matrix [combination id, airspace index]."""
        if self._member_cache is None or len(self._member_cache) != len(self.combos):
            matrix = np.zeros((len(self.combos), len(self.airspaces)), dtype=bool)
            for cid, members in enumerate(self.combos):
                matrix[cid, list(members)] = True
            self._member_cache = matrix
        return self._member_cache

    # ----- grid ---------------------------------------------------------------------------
    def _cell_xy(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        ix = np.clip(((np.asarray(lon) + 180.0) / self.cell_deg).astype(np.int64), 0, self.nx - 1)
        iy = np.clip(((np.asarray(lat) + 90.0) / self.cell_deg).astype(np.int64), 0, self.ny - 1)
        return ix, iy

    def _build_grid(self) -> None:
        edges = self.edges
        x1, y1, x2, y2, parent = _split_long_edges(edges, self.cell_deg / 4.0)
        owner = edges.airspace[parent]
        # margin in degrees around each sub-edge point (longitude margin grows with latitude)
        my = self.margin_m / METRES_PER_DEGREE
        coslat = np.maximum(np.cos(np.radians(np.maximum(np.abs(y1), np.abs(y2)) + my)), 1e-3)
        mx = np.minimum(my / coslat, 180.0)
        boundary_pairs = []
        for xs, ys in ((np.minimum(x1, x2) - mx, np.minimum(y1, y2) - my),
                       (np.maximum(x1, x2) + mx, np.maximum(y1, y2) + my),
                       (np.minimum(x1, x2) - mx, np.maximum(y1, y2) + my),
                       (np.maximum(x1, x2) + mx, np.minimum(y1, y2) - my),
                       (x1, y1)):
            ix, iy = self._cell_xy(np.clip(xs, -180, 180 - 1e-9), np.clip(ys, -90, 90 - 1e-9))
            boundary_pairs.append(iy * self.nx + ix)
        cells = np.concatenate(boundary_pairs)
        pair_key = np.unique(cells * len(self.airspaces) + np.tile(owner, 5))
        b_cell, b_air = pair_key // len(self.airspaces), pair_key % len(self.airspaces)

        inside_cell, inside_air = self._inside_cells(pair_key)
        ncell = self.nx * self.ny
        inside_hash = np.zeros(ncell, dtype=np.uint64)
        np.bitwise_xor.at(inside_hash, inside_cell, self.keys[inside_air])
        self._combo_id(frozenset())
        code = np.zeros(ncell, dtype=np.int32)
        # pure cells: one combination id per distinct inside set
        order = np.argsort(inside_cell, kind="stable")
        inside_cell, inside_air = inside_cell[order], inside_air[order]
        uniq_hash, first_cell = np.unique(inside_hash, return_index=True)
        hash_to_id = {}
        for h, cell in zip(uniq_hash.tolist(), first_cell.tolist()):
            lo, hi = np.searchsorted(inside_cell, [cell, cell + 1])
            hash_to_id[h] = self._combo_id(frozenset(inside_air[lo:hi].tolist()))
        lookup_hash = np.array(list(hash_to_id.keys()), dtype=np.uint64)
        lookup_id = np.array(list(hash_to_id.values()), dtype=np.int32)
        sorter = np.argsort(lookup_hash)
        code[:] = lookup_id[sorter][np.searchsorted(lookup_hash[sorter], inside_hash)]
        # boundary cells: base combination + the airspaces to test exactly
        bcells, b_start = np.unique(b_cell, return_index=True)
        self.bcell_base = code[bcells].copy()
        self.bcell_start = np.append(b_start, len(b_cell)).astype(np.int64)
        self.bcell_airspaces = b_air.astype(np.int32)
        code[bcells] = -1 - np.arange(len(bcells), dtype=np.int32)
        self.code = code

    def _inside_cells(self, boundary_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(cell, airspace) pairs for cells entirely inside an airspace (cell centre test).

        ``boundary_keys`` (sorted) are ``cell * n_airspaces + airspace`` of boundary cells.
        """
        n_air = len(self.airspaces)
        cells_out, air_out = [], []
        for a, geom in enumerate(self.geometries):
            for part in shapely.get_parts(geom):
                xmin, ymin, xmax, ymax = part.bounds
                ix0, iy0 = self._cell_xy(xmin, ymin)
                ix1, iy1 = self._cell_xy(xmax, ymax)
                if ix1 - ix0 < 2 or iy1 - iy0 < 2:
                    continue  # too small to hold a cell its boundary does not touch
                gx, gy = np.meshgrid(np.arange(ix0, ix1 + 1), np.arange(iy0, iy1 + 1))
                cell = (gy * self.nx + gx).ravel()
                cell = cell[~_isin_sorted(cell * n_air + a, boundary_keys)]
                cx = (cell % self.nx + 0.5) * self.cell_deg - 180.0
                cy = (cell // self.nx + 0.5) * self.cell_deg - 90.0
                inside = shapely.contains_xy(geom, cx, cy)
                cells_out.append(cell[inside])
                air_out.append(np.full(int(inside.sum()), a, dtype=np.int32))
        if not cells_out:
            return np.zeros(0, np.int64), np.zeros(0, np.int32)
        return np.concatenate(cells_out), np.concatenate(air_out)

    # ----- queries ------------------------------------------------------------------------
    def classify(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Combination id (int32) of each point; lon in [-180, 180), degrees."""
        lon = np.asarray(lon, dtype=float)
        lat = np.asarray(lat, dtype=float)
        ix, iy = self._cell_xy(lon, lat)
        code = self.code[iy * self.nx + ix]
        out = code.copy()
        boundary = np.flatnonzero(code < 0)
        if len(boundary) == 0:
            return out
        b = -code[boundary] - 1
        start, stop = self.bcell_start[b], self.bcell_start[b + 1]
        owner, pos = _expand_ranges(start, stop - 1)
        air = self.bcell_airspaces[pos]
        hit = np.zeros(len(owner), dtype=bool)
        order = np.argsort(air, kind="stable")
        air_sorted = air[order]
        cuts = np.flatnonzero(np.diff(air_sorted)) + 1
        for group in np.split(order, cuts):
            a = int(air[group[0]])
            pts = boundary[owner[group]]
            hit[group] = shapely.contains_xy(self.geometries[a], lon[pts], lat[pts])
        base = self.bcell_base[b]
        # result = base combination plus the airspaces found by the exact test
        result_hash = self._combo_hashes()[base]
        np.bitwise_xor.at(result_hash, owner[hit], self.keys[air[hit]])
        out[boundary] = self._ids_for_hashes(result_hash, base, owner, air, hit)
        return out

    def _combo_hashes(self) -> np.ndarray:
        return np.array([int(np.bitwise_xor.reduce(self.keys[list(m)])) if m else 0 for m in self.combos],
                        dtype=np.uint64)

    def _ids_for_hashes(self, hashes, base, owner, air, hit) -> np.ndarray:
        uniq, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
        ids = np.empty(len(uniq), dtype=np.int32)
        for k, (h, i) in enumerate(zip(uniq.tolist(), first.tolist())):
            cid = self._combo_of_hash.get(h)
            if cid is None:
                extra = air[(owner == i) & hit]
                cid = self._combo_id(self.combos[int(base[i])] | frozenset(extra.tolist()))
            ids[k] = cid
        return ids[inverse]

    @cached_property
    def edges(self) -> EdgeSet:
        """Every boundary edge of every airspace (folded into [-180, 180])."""
        return boundary_edges(self.geometries)

    @cached_property
    def edge_cells(self) -> SparseCellIndex:
        """Edges listed per fine grid cell (long edges split first)."""
        x1, y1, x2, y2, parent = _split_long_edges(self.edges, self.edge_cell_deg)
        return SparseCellIndex(self.edge_cell_deg, np.minimum(x1, x2), np.minimum(y1, y2),
                               np.maximum(x1, x2), np.maximum(y1, y2), parent)


def _isin_sorted(values: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    pos = np.clip(np.searchsorted(sorted_keys, values), 0, max(len(sorted_keys) - 1, 0))
    return (len(sorted_keys) > 0) & (sorted_keys[pos] == values)
