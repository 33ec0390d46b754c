"""The fast point -> airspace index: which airspaces contain each point, exactly.

A two-level lon/lat grid (see ``grid``) answers most points with one array lookup; points in
cells that a boundary crosses get an exact even-odd test against that cell's edges only
(``kernels``). A point's answer is a *combination id*: the id of the set of airspaces that
contain it (see ``combinations``); ``member()`` turns ids into a boolean matrix
(combination x airspace). The same fine cells list, for the crossing engine, the edges a short
chord may cut.

``AirspaceIndex(airspaces)`` builds in memory; ``AirspaceIndex.load_or_build(airspaces)`` keeps
big grids (the world's: ~12 s to build) in a disk cache and maps them back into memory on the
next run (see ``cache``).
"""
from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
import shapely

from ..arrays import expand_ranges
from ..units import MIN_METRES_PER_DEGREE_LAT, MIN_METRES_PER_DEGREE_LON
from . import kernels
from .antimeridian import fold_into_world
from .cache import IndexCache
from .combinations import KEY_SEED, Combinations
from .edges import EdgeSet, boundary_edges
from .exact import contains_and_touches
from .grid import GridSpec, IndexGrid
from .grid_coarse import build_coarse
from .grid_fine import TABLE_MAX_SLOTS, build_fine
from .model import Airspace

__all__ = ["CACHE_MIN_EDGES", "TABLE_MAX_SLOTS", "AirspaceIndex", "FineEdgeLists", "index_for"]

CACHE_MIN_EDGES = 100_000  # load_or_build keeps grids of at least this many edges on disk
T = TypeVar("T")


class AirspaceIndex:
    """Classify points (lon, lat in degrees) against a list of airspaces, laterally.

    Parameters
    ----------
    airspaces : list of Airspace
        In the order their positions (ints) are used in results.
    cell_deg : float
        Coarse cell size, degrees.
    margin_m : float
        A coarse cell is pure only when no boundary passes within this many metres of it.
    subdivisions : int
        Fine cells per coarse cell side.

    Examples
    --------
    >>> zones = [Airspace("A", shapely.box(0, 0, 2, 2)), Airspace("B", shapely.box(1, 1, 3, 3))]
    >>> index = AirspaceIndex(zones)
    >>> ids = index.classify(np.array([0.5, 1.5, 5.0]), np.array([0.5, 1.5, 5.0]))
    >>> [sorted(index.airspaces[a].name for a in index.combos[i]) for i in ids]
    [['A'], ['A', 'B'], []]
    """

    def __init__(self, airspaces: list[Airspace], cell_deg: float = 0.25, margin_m: float = 3000.0,
                 subdivisions: int = 16):
        self._setup(airspaces, GridSpec(cell_deg, margin_m, subdivisions))
        self._use(self._build())

    @classmethod
    def load_or_build(cls, airspaces: list[Airspace], cache: IndexCache | None = None, cell_deg: float = 0.25,
                      margin_m: float = 3000.0, subdivisions: int = 16) -> AirspaceIndex:
        """The index of ``airspaces``, its grid memory-mapped from the disk cache when an entry of
        the same content exists there, else built (and stored when it has at least
        ``CACHE_MIN_EDGES`` edges).

        ``cache`` defaults to ``IndexCache()`` (``$SKYBORDER_CACHE`` or ~/.cache/skyborder).
        The loaded index answers exactly like a built one.
        """
        index = cls.__new__(cls)
        index._setup(airspaces, GridSpec(cell_deg, margin_m, subdivisions))
        if len(index.edges) < CACHE_MIN_EDGES:
            index._use(index._build())
            return index
        cache = cache if cache is not None else IndexCache()
        key = cache.key(list(index.edges.arrays()), (index.spec, len(index.airspaces), TABLE_MAX_SLOTS, KEY_SEED))
        names = [*IndexGrid.names(), "combo_sizes", "combo_members"]
        stored = cache.load(key, names)
        if stored is not None:
            index.combinations.add_arrays(stored.pop("combo_sizes"), stored.pop("combo_members"))
            index._use(IndexGrid(**stored))
        else:
            grid = index._build()
            cache.save(key, {**grid.arrays(), **index.combinations.to_arrays()})
            index._use(grid)
        return index

    def _setup(self, airspaces: list[Airspace], spec: GridSpec) -> None:
        self.airspaces = list(airspaces)
        self.geometries = [fold_into_world(a.geometry) for a in self.airspaces]
        for geom in self.geometries:
            shapely.prepare(geom)
        self.spec = spec
        self.cell_deg, self.margin_m, self.nsub = spec.cell_deg, spec.margin_m, spec.nsub
        self.nx, self.ny = spec.nx, spec.ny
        self.combinations = Combinations(len(self.airspaces))
        self._near_cache: dict[float, np.ndarray] = {}
        self._derived: dict[Any, Any] = {}

    def _build(self) -> IndexGrid:
        self.combinations.id_of(frozenset())  # the empty set is id 0
        coarse = build_coarse(self.spec, self.edges, self.geometries, self.combinations)
        return build_fine(self.spec, self.edges, coarse, self.combinations)

    def _use(self, grid: IndexGrid) -> None:
        self.grid = grid
        self.code, self.sub_code, self.fine_quiet = grid.code, grid.sub_code, grid.fine_quiet
        self.boundary_pairs = grid.boundary_pairs

    # ----- combinations -------------------------------------------------------------------
    @property
    def combos(self) -> list[frozenset[int]]:
        """The set of airspace positions of each combination id."""
        return self.combinations.sets

    @property
    def keys(self) -> np.ndarray:
        """Random 64-bit key of each airspace (a combination's hash is the xor of its keys)."""
        return self.combinations.keys

    def member(self) -> np.ndarray:
        """Boolean matrix [combination id, airspace position]."""
        return self.combinations.member()

    # ----- state derived from the index, kept with it ---------------------------------------
    def cached(self, key: Any, build: Callable[[], T]) -> T:
        """``build()``, computed once per index and kept with it (e.g. per-airspace search trees);
        it goes when the index goes."""
        if key not in self._derived:
            self._derived[key] = build()
        return self._derived[key]

    @cached_property
    def edges(self) -> EdgeSet:
        """Every boundary edge of every airspace (folded into [-180, 180])."""
        return boundary_edges(self.geometries)

    @cached_property
    def edge_cells(self) -> FineEdgeLists:
        """The boundary edges listed per fine cell, queried by boxes (for the crossing engine)."""
        return FineEdgeLists(self.spec, self.grid)

    # ----- queries ------------------------------------------------------------------------
    def _cell_xy(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.spec.cell_xy(lon, lat)

    def classify(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Combination id (int32) of each point; lon in [-180, 180), degrees.

        Exact: the same as ``shapely.contains_xy`` of every airspace (a point on a boundary is
        outside that airspace).
        """
        lon = np.ascontiguousarray(lon, dtype=float)
        lat = np.ascontiguousarray(lat, dtype=float)
        g = self.grid
        out = np.empty(len(lon), dtype=np.int32)
        fine_cell = np.empty(len(lon), dtype=np.int64)
        undecided = kernels.classify_points(
            lon, lat, g.code, self.nx, self.ny, self.cell_deg, self.nsub, g.sub_code, g.ref_x, g.ref_y,
            g.ref_bits, g.edge_start, g.x1, g.y1, g.x2, g.y2, g.eslot, g.table_start, g.table, out, fine_cell)
        if undecided:
            rest = np.flatnonzero(out < 0)
            out[rest] = self._classify_crowded(fine_cell[rest], lon[rest], lat[rest])
        return out

    def _classify_crowded(self, s: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Points in fine cells where too many airspaces meet for a lookup table (shapely)."""
        g, combos = self.grid, self.combinations
        owner, slot = expand_ranges(g.slot_start[s], g.slot_start[s + 1] - 1)
        air = g.slot_air[slot]
        inside, _ = contains_and_touches(self.geometries, air, lon[owner], lat[owner])
        hashes = combos.hashes()[g.base[s]]
        np.bitwise_xor.at(hashes, owner[inside], combos.keys[air[inside]])
        return combos.ids_of_hashes(hashes, lambda i: combos.sets[int(g.base[s[i]])]
                                    | set(air[(owner == i) & inside].tolist()))

    def quiet_segments(self, lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
        """True where a segment between two points (degrees, at most one cell apart) cannot meet
        any boundary: its block of cells (coarse with a ``margin_m`` margin, or fine with one
        fine cell of margin) is free of boundaries and of one combination. Ends beyond 85
        degrees of latitude never count as quiet."""
        out = np.empty(len(lon1), dtype=np.bool_)
        kernels.quiet_segments(np.ascontiguousarray(lon1, dtype=float), np.ascontiguousarray(lat1, dtype=float),
                               np.ascontiguousarray(lon2, dtype=float), np.ascontiguousarray(lat2, dtype=float),
                               self.code, self.nx, self.ny, self.cell_deg, self.nsub, self.fine_quiet, 85.0, out)
        return out

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


class FineEdgeLists:
    """Which boundary edges may meet a box: those listed in the boundary fine cells it covers.

    A fine cell lists every edge that meets it (widened by 1e-9 degrees), so an edge that
    meets a box is always among the answers; pure cells list none.
    """

    def __init__(self, spec: GridSpec, grid: IndexGrid):
        self.spec, self.grid = spec, grid

    def query_boxes(self, xmin: np.ndarray, ymin: np.ndarray, xmax: np.ndarray,
                    ymax: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Candidate (box index, edge) pairs for boxes in degrees (lon within [-180, 180]),
        each pair once, sorted by box then edge."""
        g, spec = self.grid, self.spec
        x0, y0, x1, y1 = (np.ascontiguousarray(v, dtype=float) for v in (xmin, ymin, xmax, ymax))
        offsets = np.zeros(len(x0) + 1, dtype=np.int64)
        box, edge = np.zeros(0, np.int64), np.zeros(0, np.int64)
        for count_only in (True, False):
            kernels.edges_in_boxes(x0, y0, x1, y1, g.code, spec.nx, spec.ny, spec.cell_deg, spec.nsub, g.sub_code,
                                   g.edge_start, g.edges, count_only, offsets, box, edge)
            if count_only:
                np.cumsum(offsets, out=offsets)
                box, edge = np.empty(offsets[-1], np.int64), np.empty(offsets[-1], np.int64)
        n_edges = int(g.edges.max()) + 1 if len(g.edges) else 1
        pairs = np.unique(box * n_edges + edge)
        return pairs // n_edges, pairs % n_edges


def index_for(airspaces: str | list[Airspace] | AirspaceIndex) -> AirspaceIndex:
    """An index of ``airspaces``: a comma list of ISO codes or ``"all"`` (the embedded world), a
    list of Airspace, or an index (returned as is). Big ones come from the disk cache."""
    if isinstance(airspaces, AirspaceIndex):
        return airspaces
    if isinstance(airspaces, str):
        from . import world

        airspaces = world.select(airspaces)
    return AirspaceIndex.load_or_build(airspaces)
