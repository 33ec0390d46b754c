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

import hashlib
import os
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from ..arrays import expand_ranges, isin_sorted
from ..units import MEAN_METRES_PER_DEGREE, MIN_METRES_PER_DEGREE_LAT, MIN_METRES_PER_DEGREE_LON
from . import kernels
from .antimeridian import fold_into_world
from .model import Airspace

_KEY_SEED = 20151124
# cells are widened by these (degrees) when listing the edges that meet them, so that rounding in
# a point's cell number can never leave an edge that its test segment crosses off the list
_COARSE_EPS_DEG = 2e-9
_FINE_EPS_DEG = 1e-9
# reference points inside a cell (fractions of its width and height), tried in turn until one
# lies on no boundary
_REFERENCE_OFFSETS = ((0.5137, 0.4871), (0.3119, 0.6733), (0.7411, 0.2293), (0.1877, 0.8461),
                      (0.6263, 0.9127))
TABLE_MAX_SLOTS = 8  # fine cells where more airspaces meet are classified by shapely
CACHE_MIN_EDGES = 100_000  # indexes of at least this many edges are kept on disk once built
CACHE_FORMAT = 1


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


def _edges_in_cells(edges: EdgeSet, deg: float, nx: int, ny: int, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """(cell number ``iy * nx + ix``, edge) for every grid cell (widened by ``eps``) an edge meets."""
    x1, y1, x2, y2 = edges.x1, edges.y1, edges.x2, edges.y2
    ix0 = np.clip(np.floor((np.minimum(x1, x2) - eps + 180.0) / deg), 0, nx - 1).astype(np.int64)
    ix1 = np.clip(np.floor((np.maximum(x1, x2) + eps + 180.0) / deg), 0, nx - 1).astype(np.int64)
    iy0 = np.clip(np.floor((np.minimum(y1, y2) - eps + 90.0) / deg), 0, ny - 1).astype(np.int64)
    iy1 = np.clip(np.floor((np.maximum(y1, y2) + eps + 90.0) / deg), 0, ny - 1).astype(np.int64)
    owner, ix = expand_ranges(ix0, ix1)
    owner2, iy = expand_ranges(iy0[owner], iy1[owner])
    edge, ix = owner[owner2], ix[owner2]
    # drop cells whose four (widened) corners all lie strictly on one side of the edge's line
    dx, dy = x2[edge] - x1[edge], y2[edge] - y1[edge]
    cx0, cy0 = ix * deg - 180.0 - eps, iy * deg - 90.0 - eps
    above = below = None
    for cx, cy in ((cx0, cy0), (cx0 + deg + 2 * eps, cy0), (cx0, cy0 + deg + 2 * eps),
                   (cx0 + deg + 2 * eps, cy0 + deg + 2 * eps)):
        side = dx * (cy - y1[edge]) - dy * (cx - x1[edge])
        above = side > 0 if above is None else above & (side > 0)
        below = side < 0 if below is None else below & (side < 0)
    keep = ~(above | below)
    return iy[keep] * nx + ix[keep], edge[keep]


@dataclass
class _CoarseCells:
    """Boundary coarse cells: grid cell, base combination and the airspaces (slots) met there."""

    cell: np.ndarray
    base: np.ndarray
    slot_start: np.ndarray
    slot_air: np.ndarray  # sorted within each cell
    edge_start: np.ndarray | None = None
    edges: np.ndarray | None = None
    eslot: np.ndarray | None = None
    ref_x: np.ndarray | None = None
    ref_y: np.ndarray | None = None
    slot_state: np.ndarray | None = None
    base_hash: np.ndarray | None = None

    def slot_of(self, b: np.ndarray, air: np.ndarray, n_air: int) -> np.ndarray:
        """Position of each airspace among the slots of its coarse cell ``b``."""
        keys = np.repeat(np.arange(len(self.cell)), np.diff(self.slot_start)) * n_air + self.slot_air
        return np.searchsorted(keys, b * n_air + air) - self.slot_start[b]


@dataclass
class _FineCells:
    """Boundary fine cells: reference point, edges, slots, and a lookup table per cell."""

    ref_x: np.ndarray
    ref_y: np.ndarray
    edge_start: np.ndarray
    edges: np.ndarray
    eslot: np.ndarray
    slot_start: np.ndarray
    slot_air: np.ndarray
    ref_bits: np.ndarray  # int64: slot t inside at the reference point <=> bit t
    full: np.ndarray  # combination id at the reference point
    base: np.ndarray | None = None  # combination of the airspaces containing the whole cell
    table_start: np.ndarray | None = None
    table: np.ndarray | None = None
    x1: np.ndarray | None = None
    y1: np.ndarray | None = None
    x2: np.ndarray | None = None
    y2: np.ndarray | None = None

    def build_tables(self, index: AirspaceIndex, n_slots: np.ndarray) -> None:
        """Combination id of every inside/outside pattern of the slots (cells with few slots)."""
        e = index.edges
        self.x1, self.y1 = e.x1[self.edges], e.y1[self.edges]
        self.x2, self.y2 = e.x2[self.edges], e.y2[self.edges]
        small = n_slots <= TABLE_MAX_SLOTS
        size = np.where(small, 1 << np.minimum(n_slots, TABLE_MAX_SLOTS), 0)
        start = np.cumsum(size) - size
        self.table_start = np.where(small, start, -1).astype(np.int64)
        owner = np.repeat(np.arange(len(size)), size)
        pattern = np.arange(len(owner)) - start[owner]
        hashes = index._combo_hashes()[self.base][owner]
        for t in range(TABLE_MAX_SLOTS):
            on = (n_slots[owner] > t) & ((pattern >> t) & 1).astype(bool)
            hashes[on] ^= index.keys[self.slot_air[self.slot_start[owner[on]] + t]]

        def members(i: int) -> frozenset[int]:
            s = owner[i]
            slots = self.slot_air[self.slot_start[s]:self.slot_start[s + 1]].tolist()
            return index.combos[int(self.base[s])] | {a for t, a in enumerate(slots) if pattern[i] >> t & 1}

        self.table = index._ids_of_hashes(hashes, members)


class SparseCellIndex:
    """Items (e.g. edges) listed per cell of a fine lon/lat grid, stored sparsely (CSR)."""

    def __init__(self, cell_deg: float, xmin, ymin, xmax, ymax, item: np.ndarray):
        self.cell_deg = cell_deg
        self.nx = int(round(360.0 / cell_deg))
        ix0, iy0 = self._ix(xmin), self._iy(ymin)
        ix1, iy1 = self._ix(xmax), self._iy(ymax)
        owner, ix = expand_ranges(ix0, ix1)
        iy_lo, iy_hi = iy0[owner], iy1[owner]
        owner2, iy = expand_ranges(iy_lo, iy_hi)
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
        owner, ix = expand_ranges(self._ix(xmin), self._ix(xmax))
        owner2, iy = expand_ranges(self._iy(ymin)[owner], self._iy(ymax)[owner])
        keys = iy * self.nx + ix[owner2]
        box = owner[owner2]
        pos = np.searchsorted(self.keys, keys)
        pos_c = np.minimum(pos, len(self.keys) - 1)
        hit = (len(self.keys) > 0) & (self.keys[pos_c] == keys)
        box, pos = box[hit], pos_c[hit]
        counts = self.starts[pos + 1] - self.starts[pos]
        owner3, idx = expand_ranges(self.starts[pos], self.starts[pos] + counts - 1)
        n_items = int(self.items.max()) + 1 if len(self.items) else 1
        pairs = np.unique(box[owner3] * n_items + self.items[idx])
        return pairs // n_items, pairs % n_items


class AirspaceIndex:
    """Classify points (lon, lat in degrees) against a list of airspaces, laterally."""

    def __init__(self, airspaces: list[Airspace], cell_deg: float = 0.25, margin_m: float = 3000.0,
                 edge_cell_deg: float = 1.0 / 64.0, subdivisions: int = 16):
        self.airspaces = list(airspaces)
        self.geometries = [fold_into_world(a.geometry) for a in self.airspaces]
        for geom in self.geometries:
            shapely.prepare(geom)
        self.cell_deg, self.margin_m, self.edge_cell_deg = cell_deg, margin_m, edge_cell_deg
        self.nx, self.ny = int(round(360 / cell_deg)), int(round(180 / cell_deg))
        self.nsub = subdivisions
        rng = np.random.default_rng(_KEY_SEED)
        self.keys = rng.integers(1, 2**63, size=len(self.airspaces), dtype=np.uint64)
        self._combo_of_hash: dict[int, int] = {}
        self.combos: list[frozenset[int]] = []
        self._member_cache: np.ndarray | None = None
        self._near_cache: dict[float, np.ndarray] = {}
        cache = self._cache_file() if len(self.edges) >= CACHE_MIN_EDGES else None
        if cache is None or not self._load(cache):
            self._build_coarse()
            self._build_fine()
            if cache is not None:
                self._save(cache)
        self._build_quiet()

    # ----- on-disk cache ------------------------------------------------------------------
    def _cache_file(self) -> Path:
        """Where this index is kept: ``$SKYBORDER_CACHE`` or ~/.cache/skyborder, named by a hash
        of the edges, the grid parameters and the format."""
        e = self.edges
        digest = hashlib.sha256(repr((CACHE_FORMAT, self.cell_deg, self.margin_m, self.nsub, _KEY_SEED,
                                      TABLE_MAX_SLOTS, len(self.airspaces))).encode())
        for array in (e.x1, e.y1, e.x2, e.y2, e.airspace):
            digest.update(np.ascontiguousarray(array).tobytes())
        root = Path(os.environ.get("SKYBORDER_CACHE") or Path.home() / ".cache" / "skyborder")
        return root / f"index-{digest.hexdigest()[:32]}.npz"

    def _save(self, path: Path) -> None:
        arrays = {f"fine_{f.name}": getattr(self._fine, f.name) for f in fields(_FineCells)
                  if f.name not in ("x1", "y1", "x2", "y2")}
        sizes = np.array([len(m) for m in self.combos], dtype=np.int64)
        members = np.array([a for m in self.combos for a in sorted(m)], dtype=np.int64)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.partial")
            with open(partial, "wb") as out:
                np.savez(out, code=self.code, sub_code=self.sub_code, boundary_pairs=self.boundary_pairs,
                         combo_sizes=sizes, combo_members=members, **arrays)
            os.replace(partial, path)
        except OSError:
            pass  # an unwritable cache only costs the next build

    def _load(self, path: Path) -> bool:
        try:
            with np.load(path) as data:
                stored = {k: data[k] for k in data.files}
        except (OSError, ValueError, KeyError):
            return False
        ends = np.cumsum(stored["combo_sizes"])
        for members in np.split(stored["combo_members"], ends[:-1]) if len(ends) else []:
            self._combo_id(frozenset(members.tolist()))
        self.code, self.sub_code = stored["code"], stored["sub_code"]
        self.boundary_pairs = stored["boundary_pairs"]
        self._fine = _FineCells(**{f.name: stored[f"fine_{f.name}"] for f in fields(_FineCells)
                                   if f.name not in ("x1", "y1", "x2", "y2")})
        e = self.edges
        self._fine.x1, self._fine.y1 = e.x1[self._fine.edges], e.y1[self._fine.edges]
        self._fine.x2, self._fine.y2 = e.x2[self._fine.edges], e.y2[self._fine.edges]
        return True

    # ----- combinations -------------------------------------------------------------------
    def _hash(self, members) -> int:
        return int(np.bitwise_xor.reduce(self.keys[sorted(members)])) if members else 0

    def _combo_id(self, members: frozenset[int]) -> int:
        h = self._hash(members)
        if h not in self._combo_of_hash:
            self._combo_of_hash[h] = len(self.combos)
            self.combos.append(members)
        return self._combo_of_hash[h]

    def _ids_of_hashes(self, hashes: np.ndarray, members_of) -> np.ndarray:
        """Combination ids of hashes; ``members_of(i)`` gives the set for position i of a new one."""
        codes, uniq = pd.factorize(hashes)
        ids = np.empty(len(uniq), dtype=np.int32)
        first = np.empty(len(uniq), dtype=np.int64)
        first[codes] = np.arange(len(codes))  # any position of each hash: all have the same set
        for k, h in enumerate(np.asarray(uniq, dtype=np.uint64).tolist()):
            cid = self._combo_of_hash.get(h)
            ids[k] = cid if cid is not None else self._combo_id(frozenset(members_of(int(first[k]))))
        return ids[codes]

    def member(self) -> np.ndarray:
        """Boolean matrix [combination id, airspace index]."""
        if self._member_cache is None or len(self._member_cache) != len(self.combos):
            matrix = np.zeros((len(self.combos), len(self.airspaces)), dtype=bool)
            for cid, members in enumerate(self.combos):
                matrix[cid, list(members)] = True
            self._member_cache = matrix
        return self._member_cache

    # ----- coarse grid --------------------------------------------------------------------
    def _cell_xy(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        ix = np.clip(((np.asarray(lon) + 180.0) / self.cell_deg).astype(np.int64), 0, self.nx - 1)
        iy = np.clip(((np.asarray(lat) + 90.0) / self.cell_deg).astype(np.int64), 0, self.ny - 1)
        return ix, iy

    def _margin_pairs(self) -> np.ndarray:
        """Keys ``cell * n_airspaces + airspace`` of cells within ``margin_m`` of an airspace's boundary."""
        edges = self.edges
        x1, y1, x2, y2, parent = _split_long_edges(edges, self.cell_deg / 4.0)
        owner = edges.airspace[parent]
        # margin in degrees around each sub-edge point (longitude margin grows with latitude)
        my = self.margin_m / MEAN_METRES_PER_DEGREE
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
        return np.unique(np.concatenate(boundary_pairs) * len(self.airspaces) + np.tile(owner, 5))

    def _build_coarse(self) -> None:
        """The coarse code grid: combination id of pure cells, -1 - (boundary cell number) else."""
        n_air = len(self.airspaces)
        e_cell, e_edge = _edges_in_cells(self.edges, self.cell_deg, self.nx, self.ny, _COARSE_EPS_DEG)
        pair_key = np.union1d(self._margin_pairs(), e_cell * n_air + self.edges.airspace[e_edge])
        b_cell, b_air = pair_key // n_air, (pair_key % n_air).astype(np.int32)
        inside_cell, inside_air = self._inside_cells(pair_key)
        ncell = self.nx * self.ny
        inside_hash = np.zeros(ncell, dtype=np.uint64)
        np.bitwise_xor.at(inside_hash, inside_cell, self.keys[inside_air])
        self._combo_id(frozenset())
        order = np.argsort(inside_cell, kind="stable")
        inside_cell, inside_air = inside_cell[order], inside_air[order]

        def members_of(cell: int) -> list[int]:
            lo, hi = np.searchsorted(inside_cell, [cell, cell + 1])
            return inside_air[lo:hi].tolist()

        code = self._ids_of_hashes(inside_hash, members_of)
        bcells, slot_start = np.unique(b_cell, return_index=True)
        self._coarse = _CoarseCells(
            cell=bcells, base=code[bcells].copy(), slot_start=np.append(slot_start, len(b_cell)),
            slot_air=b_air)
        code[bcells] = -1 - np.arange(len(bcells), dtype=np.int32)
        self.code = code
        self._coarse_edges(e_cell, e_edge, pair_key)
        self.boundary_pairs = pair_key

    def _coarse_edges(self, e_cell: np.ndarray, e_edge: np.ndarray, pair_key: np.ndarray) -> None:
        """Edge lists, reference points and their exact states for the boundary coarse cells."""
        cc, n_air, e = self._coarse, len(self.airspaces), self.edges
        b = -1 - self.code[e_cell].astype(np.int64)
        order = np.argsort(b, kind="stable")
        b, e_edge = b[order], e_edge[order]
        cc.edge_start = np.searchsorted(b, np.arange(len(cc.cell) + 1)).astype(np.int64)
        cc.edges = e_edge
        cc.eslot = (np.searchsorted(pair_key, e_cell[order] * n_air + e.airspace[e_edge])
                    - cc.slot_start[b]).astype(np.int64)
        slot_cell = np.repeat(np.arange(len(cc.cell)), np.diff(cc.slot_start))
        x0 = (cc.cell % self.nx) * self.cell_deg - 180.0
        y0 = (cc.cell // self.nx) * self.cell_deg - 90.0
        state = np.zeros(len(slot_cell), dtype=np.uint8)
        pending = np.arange(len(cc.cell))
        cc.ref_x, cc.ref_y = np.empty(len(cc.cell)), np.empty(len(cc.cell))
        for ox, oy in _REFERENCE_OFFSETS:
            cc.ref_x[pending] = x0[pending] + ox * self.cell_deg
            cc.ref_y[pending] = y0[pending] + oy * self.cell_deg
            slots = np.flatnonzero(np.isin(slot_cell, pending))
            inside, touching = self._exact(cc.slot_air[slots], cc.ref_x[slot_cell[slots]],
                                           cc.ref_y[slot_cell[slots]])
            state[slots] = inside
            pending = np.unique(slot_cell[slots[touching & ~inside]])
            if len(pending) == 0:
                break
        cc.slot_state = state
        cc.base_hash = self._combo_hashes()[cc.base]

    def _exact(self, air: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(contains, intersects) of each point with its airspace, by shapely."""
        inside, touching = np.zeros(len(air), bool), np.zeros(len(air), bool)
        order = np.argsort(air, kind="stable")
        cuts = np.flatnonzero(np.diff(air[order])) + 1
        for group in np.split(order, cuts) if len(order) else []:
            geom = self.geometries[int(air[group[0]])]
            inside[group] = shapely.contains_xy(geom, lon[group], lat[group])
            touching[group] = shapely.intersects_xy(geom, lon[group], lat[group])
        return inside, touching

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
                cell = cell[~isin_sorted(cell * n_air + a, boundary_keys)]
                cx = (cell % self.nx + 0.5) * self.cell_deg - 180.0
                cy = (cell // self.nx + 0.5) * self.cell_deg - 90.0
                inside = shapely.contains_xy(geom, cx, cy)
                cells_out.append(cell[inside])
                air_out.append(np.full(int(inside.sum()), a, dtype=np.int32))
        if not cells_out:
            return np.zeros(0, np.int64), np.zeros(0, np.int32)
        # the bounding boxes of several parts may cover the same cell: list each pair once
        pairs = np.unique(np.concatenate(cells_out) * n_air + np.concatenate(air_out))
        return pairs // n_air, (pairs % n_air).astype(np.int32)

    def _combo_hashes(self) -> np.ndarray:
        return np.array([self._hash(m) for m in self.combos], dtype=np.uint64)

    def cells_near(self, distance_m: float) -> np.ndarray:
        """Sorted keys ``cell * n_airspaces + airspace`` of the coarse cells that may hold points
        within ``distance_m`` metres of that airspace's boundary (its boundary cells, grown)."""
        if distance_m not in self._near_cache:
            n_air = len(self.airspaces)
            cell, air = self.boundary_pairs // n_air, self.boundary_pairs % n_air
            ix, iy = cell % self.nx, cell // self.nx
            grow_y = int(np.ceil(distance_m / (MIN_METRES_PER_DEGREE_LAT * self.cell_deg))) + 1
            poleward = np.minimum(np.maximum(np.abs(iy * self.cell_deg - 90.0),
                                             np.abs((iy + 1) * self.cell_deg - 90.0)) + grow_y * self.cell_deg, 90.0)
            metres_per_cell_x = MIN_METRES_PER_DEGREE_LON * np.cos(np.radians(poleward)) * self.cell_deg
            with np.errstate(divide="ignore"):
                grow_x = np.where(metres_per_cell_x > 0, np.ceil(distance_m / metres_per_cell_x) + 1, self.nx)
            grow_x = np.minimum(grow_x, self.nx // 2).astype(np.int64)
            owner, dx = expand_ranges(-grow_x, grow_x)
            owner2, dy = expand_ranges(np.full(len(owner), -grow_y), np.full(len(owner), grow_y))
            pair = owner[owner2]
            gx = (ix[pair] + dx[owner2]) % self.nx
            gy = iy[pair] + dy
            ok = (gy >= 0) & (gy < self.ny)
            self._near_cache[distance_m] = np.unique((gy[ok] * self.nx + gx[ok]) * n_air + air[pair][ok])
        return self._near_cache[distance_m]

    # ----- fine cells inside boundary coarse cells ----------------------------------------
    def _coarse_states(self, b: np.ndarray, px: np.ndarray, py: np.ndarray):
        """Exact state of every slot of coarse cell ``b`` at each point (parity from its reference).

        Returns (state offsets, states, combination hashes, on an edge).
        """
        cc, e = self._coarse, self.edges
        n_slot = np.diff(cc.slot_start)[b]
        out_start = np.r_[0, np.cumsum(n_slot)].astype(np.int64)
        out_state = np.empty(out_start[-1], dtype=np.uint8)
        out_hash = np.empty(len(b), dtype=np.uint64)
        on_edge = np.empty(len(b), dtype=np.bool_)
        kernels.states_in_cells(px, py, b, cc.ref_x, cc.ref_y, cc.edge_start, e.x1[cc.edges], e.y1[cc.edges],
                                e.x2[cc.edges], e.y2[cc.edges], cc.eslot, cc.slot_start, cc.slot_state,
                                self.keys[cc.slot_air], cc.base_hash, out_start, out_state, out_hash, on_edge)
        return out_start, out_state, out_hash, on_edge

    def _build_fine(self) -> None:
        """Split every boundary coarse cell into ``nsub`` x ``nsub`` fine cells: pure ones get a
        combination id, the others an edge list, a reference point and a lookup table."""
        cc, e, nsub, n_air = self._coarse, self.edges, self.nsub, len(self.airspaces)
        sub_deg = self.cell_deg / nsub
        n_b = len(cc.cell)
        # fine cells met by edges: global fine index -> (coarse boundary number, position)
        f_cell, f_edge = _edges_in_cells(e, sub_deg, self.nx * nsub, self.ny * nsub, _FINE_EPS_DEG)
        fx, fy = f_cell % (self.nx * nsub), f_cell // (self.nx * nsub)
        coarse = self.code[(fy // nsub) * self.nx + fx // nsub]
        keep = coarse < 0
        fine = (-1 - coarse[keep].astype(np.int64)) * nsub * nsub + (fy[keep] % nsub) * nsub + fx[keep] % nsub
        f_edge = f_edge[keep]
        f_air = e.airspace[f_edge]
        order = np.lexsort((f_air, fine))
        fine, f_edge, f_air = fine[order], f_edge[order], f_air[order]
        bfine, edge_start = np.unique(fine, return_index=True)
        s_of = np.searchsorted(bfine, fine)
        pair = np.unique(s_of * n_air + f_air)
        p_s, p_air = pair // n_air, (pair % n_air).astype(np.int32)
        slot_start = np.searchsorted(p_s, np.arange(len(bfine) + 1))
        eslot = np.searchsorted(pair, s_of * n_air + f_air) - slot_start[s_of]
        k = np.diff(slot_start)
        # reference point of every fine cell, states by parity from the coarse reference
        q = np.arange(n_b * nsub * nsub)
        b, sx, sy = q // (nsub * nsub), q % nsub, (q // nsub) % nsub
        x0 = (cc.cell[b] % self.nx) * self.cell_deg - 180.0 + sx * sub_deg
        y0 = (cc.cell[b] // self.nx) * self.cell_deg - 90.0 + sy * sub_deg
        ref_x, ref_y = np.empty(len(q)), np.empty(len(q))
        out_start = out_state = out_hash = None
        pending = q
        for ox, oy in _REFERENCE_OFFSETS:
            ref_x[pending], ref_y[pending] = x0[pending] + ox * sub_deg, y0[pending] + oy * sub_deg
            start, state, hashes, on_edge = self._coarse_states(b[pending], ref_x[pending], ref_y[pending])
            if out_start is None:
                out_start, out_state, out_hash = start[:-1], state, hashes
            else:  # the same slots again, in place
                for i, p in enumerate(pending.tolist()):
                    out_state[out_start[p]:out_start[p] + start[i + 1] - start[i]] = state[start[i]:start[i + 1]]
                out_hash[pending] = hashes
            pending = pending[on_edge]
            if len(pending) == 0:
                break

        def members_at(i: int) -> list[int]:
            lo, hi = cc.slot_start[b[i]], cc.slot_start[b[i] + 1]
            inside = out_state[out_start[i]:out_start[i] + hi - lo].astype(bool)
            return list(self.combos[cc.base[b[i]]]) + cc.slot_air[lo:hi][inside].tolist()

        sub_code = self._ids_of_hashes(out_hash, members_at)
        # boundary fine cells: state of their own slots at the reference point
        ref = bfine[p_s]
        cslot = cc.slot_of(b[ref], p_air, n_air)
        st = out_state[out_start[ref] + cslot].astype(np.int64)
        t = np.arange(len(pair)) - slot_start[p_s]
        self._fine = _FineCells(
            ref_x=ref_x[bfine], ref_y=ref_y[bfine], edge_start=np.append(edge_start, len(fine)).astype(np.int64),
            edges=f_edge, eslot=eslot.astype(np.int64), slot_start=slot_start, slot_air=p_air,
            ref_bits=np.bitwise_or.reduceat(st << t, slot_start[:-1]) if len(pair) else np.zeros(0, np.int64),
            full=sub_code[bfine])
        drop = np.bitwise_xor.reduceat(np.where(st > 0, self.keys[p_air], 0), slot_start[:-1]) \
            if len(pair) else np.zeros(0, np.uint64)
        self._fine.base = self._ids_of_hashes(
            out_hash[bfine] ^ drop,
            lambda i: self.combos[int(self._fine.full[i])] - set(p_air[slot_start[i]:slot_start[i + 1]].tolist()))
        self._fine.build_tables(self, k)
        sub_code[bfine] = -1 - np.arange(len(bfine), dtype=np.int32)
        self.sub_code = sub_code

    def _build_quiet(self) -> None:
        """``fine_quiet``: the combination id of pure fine cells with no boundary fine cell among
        their 8 neighbours, -1 for the others."""
        nsub, nfx = self.nsub, self.nx * self.nsub
        bcells = np.flatnonzero(self.code < 0)  # in boundary-number order
        bfine = np.flatnonzero(self.sub_code < 0)
        b, q = bfine // (nsub * nsub), bfine % (nsub * nsub)
        fx = (bcells[b] % self.nx) * nsub + q % nsub
        fy = (bcells[b] // self.nx) * nsub + q // nsub
        near = []
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                gx, gy = (fx + dx) % nfx, fy + dy
                ok = (gy >= 0) & (gy < self.ny * nsub)
                gx, gy = gx[ok], gy[ok]
                c = self.code[(gy // nsub) * self.nx + gx // nsub]
                inside = c < 0  # neighbours in pure coarse cells cannot exist (their margin)
                near.append((-1 - c[inside].astype(np.int64)) * nsub * nsub + (gy[inside] % nsub) * nsub
                            + gx[inside] % nsub)
        self.fine_quiet = self.sub_code.copy()
        if near:
            self.fine_quiet[np.concatenate(near)] = -1

    def quiet_segments(self, lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
        """True where a segment between two points (degrees, at most one cell apart) cannot meet
        any boundary: its block of cells (0.25 deg with a ``margin_m`` margin, or 1/64 deg fine
        cells with one fine cell of margin) is free of boundaries and of one combination. Ends
        beyond 85 degrees of latitude never count as quiet."""
        out = np.empty(len(lon1), dtype=np.bool_)
        kernels.quiet_segments(np.ascontiguousarray(lon1, dtype=float), np.ascontiguousarray(lat1, dtype=float),
                               np.ascontiguousarray(lon2, dtype=float), np.ascontiguousarray(lat2, dtype=float),
                               self.code, self.nx, self.ny, self.cell_deg, self.nsub, self.fine_quiet, 85.0, out)
        return out

    # ----- queries ------------------------------------------------------------------------
    def classify(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Combination id (int32) of each point; lon in [-180, 180), degrees.

        Exact: the same as ``shapely.contains_xy`` of every airspace (a point on a boundary is
        outside that airspace).
        """
        lon = np.ascontiguousarray(lon, dtype=float)
        lat = np.ascontiguousarray(lat, dtype=float)
        fc = self._fine
        out = np.empty(len(lon), dtype=np.int32)
        fine_cell = np.empty(len(lon), dtype=np.int64)
        undecided = kernels.classify_points(
            lon, lat, self.code, self.nx, self.ny, self.cell_deg, self.nsub, self.sub_code, fc.ref_x, fc.ref_y,
            fc.ref_bits, fc.edge_start, fc.x1, fc.y1, fc.x2, fc.y2, fc.eslot, fc.table_start, fc.table, out, fine_cell)
        if undecided:
            rest = np.flatnonzero(out < 0)
            out[rest] = self._classify_crowded(fine_cell[rest], lon[rest], lat[rest])
        return out

    def _classify_crowded(self, s: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Points in fine cells where too many airspaces meet for a lookup table (shapely)."""
        fc = self._fine
        owner, slot = expand_ranges(fc.slot_start[s], fc.slot_start[s + 1] - 1)
        air = fc.slot_air[slot]
        inside, _ = self._exact(air, lon[owner], lat[owner])
        hashes = self._combo_hashes()[fc.base[s]]
        np.bitwise_xor.at(hashes, owner[inside], self.keys[air[inside]])
        return self._ids_of_hashes(hashes, lambda i: self.combos[int(fc.base[s[i]])]
                                   | set(air[(owner == i) & inside].tolist()))

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
