"""Can published figures of one passage all be true at once? (``skyborder claims``)

Claims: time inside (s), length flown inside (m), depth reached (m, skyborder's definition: the
horizontal geodesic distance to the airspace's boundary), and a plausible ground speed or range.
Each carries the rounding it was published with ("1.15 miles" is 1.15 +- 0.005 mi).

Three checks, from the most general to the most specific:

1. **Speed.** Length over duration is the mean ground speed; it must fall in the plausible range.
2. **Depth against length, for any path and any boundary (a proof).** Every point of a passage is
   reached from the entry point, which lies on the boundary, along the path: its distance to the
   boundary is at most the path length from the entry, and likewise from the exit. So
   ``depth <= length / 2`` for every passage whatever its shape.
3. **Against the real boundary.** Straight and constant-turn paths that enter the airspace within
   ``radius_m`` of a given place are searched exhaustively on a grid (entry points every
   ``entry_step_m`` along the boundary, headings every ``heading_step_deg``, turn radii from the
   tightest a ``max_load_factor`` allows at the claims' speed), then refined 8x finer around the
   best candidates of each question. For each path its first passage is traced on a signed
   distance raster of the boundary (cells of ``resolution_m``): its length and its depth, to within
   about one cell. The questions: the deepest passage of the claimed length; the shortest passage
   that reaches the claimed depth; the deepest passage the claimed time allows at a plausible speed;
   and the nearest consistent alternative, the path whose figures need the smallest relative change
   of the claims (beyond their rounding) to match. The path that answers each question is then run
   through the detection engine itself (fixes every ``POLISH_STEP_M``): the length and depth
   reported are the engine's exact ones.

The plane is an azimuthal equidistant projection centred on the place (``analysis.plane``): within
the search area a geodesic is straight and distances are true to well under the raster's cells.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from ..airspace.model import Airspace
from ..detection.engine import detect
from ..errors import InputError
from ..geodesy import GEOD
from .pathsearch import Paths, SignedDistanceRaster, Traced, boundary_points, fan_out, path_xy, trace
from .plane import LocalPlane

__all__ = ["CandidatePath", "ClaimCheck", "Claimed", "Claims", "candidate_track", "check_claims"]

G0 = 9.80665  # standard gravity, m/s^2
DEFAULT_SPEED_MPS = (150.0 / 3.6, 2500.0 / 3.6)  # any fixed-wing aircraft
SPEED_SPREAD = 0.15  # one given speed means this relative range either side
REFINE = 8  # the refinement grid is this much finer than the coarse one
REFINED_PER_QUESTION = 12  # coarse candidates refined for each question
POLISH_STEP_M = 10.0  # fixes of a found path when the engine measures it


@dataclass(frozen=True)
class Claimed:
    """One claimed figure in SI units and the half-width of its rounding."""

    value: float
    tolerance: float = 0.0

    @property
    def low(self) -> float:
        return self.value - self.tolerance

    @property
    def high(self) -> float:
        return self.value + self.tolerance


@dataclass(frozen=True)
class Claims:
    """The claims of one passage (s, m, m/s) and how hard an aircraft may turn."""

    duration_s: Claimed
    length_m: Claimed
    depth_m: Claimed
    speed_mps: tuple[float, float] = DEFAULT_SPEED_MPS
    max_load_factor: float = 3.0

    @property
    def implied_speed_mps(self) -> tuple[float, float]:
        """The range of mean ground speed length / duration allows (rounding included)."""
        return self.length_m.low / self.duration_s.high, self.length_m.high / self.duration_s.low

    @property
    def nominal_speed_mps(self) -> float:
        """The claims' own speed (length / duration) brought into the plausible range."""
        lo, hi = self.speed_mps
        return float(np.clip(self.length_m.value / self.duration_s.value, lo, hi))

    def min_turn_radius_m(self) -> float:
        """The tightest level turn at the nominal speed: v^2 / (g sqrt(n^2 - 1))."""
        return self.nominal_speed_mps ** 2 / (G0 * math.sqrt(self.max_load_factor ** 2 - 1.0))

    def deviation(self, length_m: np.ndarray, depth_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For passages of these lengths and depths: the relative change of the claims (beyond their
        rounding) they would need, as the largest of the three (length, depth, duration at the best
        plausible speed), and that speed (m/s) and duration (s)."""
        lo, hi = self.speed_mps
        speed = np.clip(length_m / self.duration_s.value, lo, hi)
        duration = length_m / speed
        e_len = np.maximum(np.abs(length_m - self.length_m.value) - self.length_m.tolerance, 0) / self.length_m.value
        e_dep = np.maximum(np.abs(depth_m - self.depth_m.value) - self.depth_m.tolerance, 0) / self.depth_m.value
        e_dur = np.maximum(np.abs(duration - self.duration_s.value) - self.duration_s.tolerance, 0) \
            / self.duration_s.value
        return np.maximum(np.maximum(e_len, e_dep), e_dur), speed, duration


@dataclass(frozen=True)
class CandidatePath:
    """One straight or constant-turn path and its first passage (degrees, metres, seconds).

    ``turn_radius_m`` is ``inf`` for a straight path, positive for a right turn, negative for a
    left one. ``speed_mps`` / ``duration_s``: the plausible speed closest to the claims' and the
    time inside at it. ``deviation``: the relative change of the claims this path would need.
    """

    entry_lon: float
    entry_lat: float
    heading_deg: float
    turn_radius_m: float
    length_m: float
    depth_m: float
    depth_lon: float
    depth_lat: float
    exit_lon: float
    exit_lat: float
    speed_mps: float
    duration_s: float
    deviation: float


@dataclass
class ClaimCheck:
    """The answers of :func:`check_claims` (see the module docstring)."""

    claims: Claims
    airspace: str
    near: tuple[float, float]
    radius_m: float
    resolution_m: float
    grid: dict[str, float | list[float]]
    implied_speed_mps: tuple[float, float]
    speed_consistent: bool
    depth_bound_m: float
    depth_bound_consistent: bool
    deepest_at_length: CandidatePath | None
    shortest_to_depth: CandidatePath | None
    deepest_in_time: CandidatePath | None
    nearest: CandidatePath | None
    paths_searched: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def geometry_consistent(self) -> bool:
        """Whether a searched path meets every claim within its rounding (and one raster cell)."""
        return self.nearest is not None and self.nearest.deviation == 0.0

    @property
    def consistent(self) -> bool:
        """Whether all the claims can hold at once."""
        return self.speed_consistent and self.depth_bound_consistent and self.geometry_consistent


def check_claims(airspace: Airspace, claims: Claims, near: tuple[float, float] | None = None,
                 radius_m: float = 10_000.0, resolution_m: float = 10.0, entry_step_m: float | None = None,
                 heading_step_deg: float = 3.0, turns: bool = True) -> ClaimCheck:
    """Check the claims of one passage against each other and against the real boundary.

    Parameters
    ----------
    airspace : Airspace
        The airspace the passage went into.
    claims : Claims
        Duration (s), length (m), depth (m) with their rounding; plausible speeds (m/s).
    near : (lon, lat), optional
        Where on the boundary the passage was (deg); default the centre of the airspace's bounds,
        allowed only when the whole airspace lies within ``radius_m`` of it.
    radius_m : float
        Entry points are searched within this distance (m) of ``near``.
    resolution_m : float
        Cell of the boundary raster and step along the paths (m) in the search; the answers are
        then measured exactly by the engine.
    entry_step_m, heading_step_deg : float
        The coarse grid (default entry step: ``max(radius_m / 100, 4 * resolution_m)``); it is
        refined 8x around the best candidates.
    turns : bool
        Search constant-turn paths too (radii 1 and 3 times the tightest turn), not only straight ones.

    Returns
    -------
    ClaimCheck
    """
    if min(claims.duration_s.value, claims.length_m.value, claims.depth_m.value) <= 0:
        raise InputError("claimed duration, length and depth must be > 0")
    lo, hi = claims.speed_mps
    if not 0 < lo <= hi:
        raise InputError("the plausible speed range must be positive, low <= high")
    if resolution_m <= 0 or radius_m <= 0 or heading_step_deg <= 0:
        raise InputError("--radius, --resolution and the heading step must be > 0")
    near = near or _whole_airspace_centre(airspace, radius_m)
    plane = LocalPlane(*near)
    implied = claims.implied_speed_mps

    # the longest passage any question needs: the claimed length, twice the depth (the bound), and
    # the distance the claimed time allows at the highest plausible speed
    max_length = 1.25 * max(claims.length_m.high, 2 * claims.depth_m.high, claims.duration_s.high * hi) + \
        10 * resolution_m
    raster = SignedDistanceRaster(plane, airspace, radius_m + max_length + 4 * resolution_m, resolution_m)
    entry_step = entry_step_m or max(radius_m / 100.0, 4 * resolution_m)
    ex, ey, part, along, parts = boundary_points(plane.boundary(airspace, radius_m + 4 * resolution_m),
                                                 radius_m, entry_step)
    if len(ex) == 0:
        raise InputError(f"the boundary of {airspace.name} does not pass within {radius_m / 1000:g} km of "
                         f"{near[1]:.4f},{near[0]:.4f}")
    r_min = claims.min_turn_radius_m()
    radii = np.array([np.inf, r_min, -r_min, 3 * r_min, -3 * r_min] if turns else [np.inf])
    curvatures = np.where(np.isfinite(radii), 1.0 / radii, 0.0)
    probe = 3 * resolution_m
    entries = Paths(ex, ey, np.zeros(len(ex)), np.zeros(len(ex)), part, along)
    coarse = trace(raster, fan_out(raster, entries, np.radians(np.arange(0.0, 360.0, heading_step_deg)), curvatures,
                                   probe), 2 * resolution_m, max_length, probe)
    questions = _questions(claims, resolution_m)
    picks = np.unique(np.concatenate([_best(q(coarse), REFINED_PER_QUESTION) for q in questions.values()]))
    fine = _refine(raster, coarse.paths.take(picks), parts, entry_step, np.radians(heading_step_deg), probe,
                   resolution_m, max_length)
    both = Traced.concat([coarse, fine])
    found = {name: _best(q(both), 1) for name, q in questions.items()}
    measured = _measure(both, found, plane, airspace)
    answers = {name: _candidate(measured, i, claims, plane) if len(i) else None for name, i in found.items()}
    grid: dict[str, float | list[float]] = {"entry_step_m": entry_step, "heading_step_deg": heading_step_deg,
                                            "path_step_m": 2 * resolution_m, "resolution_m": resolution_m,
                                            "turn_radii_m": [float(r) for r in radii], "refinement": REFINE}
    return ClaimCheck(claims, airspace.name, near, radius_m, resolution_m, grid, implied,
                      implied[1] >= lo and implied[0] <= hi, claims.length_m.high / 2,
                      claims.depth_m.low <= claims.length_m.high / 2, answers["deepest_at_length"],
                      answers["shortest_to_depth"], answers["deepest_in_time"], answers["nearest"],
                      len(coarse.paths) + len(fine.paths))


def _whole_airspace_centre(airspace: Airspace, radius_m: float) -> tuple[float, float]:
    """The centre of a small airspace's bounds, when all of its boundary lies within ``radius_m``."""
    x0, y0, x1, y1 = airspace.geometry.bounds
    centre = ((x0 + x1) / 2, (y0 + y1) / 2)
    lon, lat = shapely.get_coordinates(shapely.segmentize(airspace.geometry.boundary, 0.01)).T
    if np.hypot(*LocalPlane(*centre).to_plane(lon, lat)).max() > radius_m:
        raise InputError(f"{airspace.name} is larger than the search radius ({radius_m / 1000:g} km): "
                         "say where the passage was with --near LAT,LON")
    return centre


def _refine(raster: SignedDistanceRaster, seeds: Paths, parts: list, entry_step: float, heading_step: float,
            probe: float, cell: float, max_length: float) -> Traced:
    """Trace the paths REFINE times finer around each seed: entries within one coarse step along its
    boundary part, headings within one coarse step, its curvature and straight."""
    offsets_e = np.linspace(-entry_step, entry_step, 2 * REFINE + 1)
    offsets_h = np.linspace(-heading_step, heading_step, 2 * REFINE + 1)
    batches = []
    for i in range(len(seeds)):
        line = parts[int(seeds.part[i])]
        d = np.clip(seeds.along[i] + offsets_e, 0.0, line.length)
        pts = shapely.get_coordinates(shapely.line_interpolate_point(line, d))
        for c in np.unique([seeds.curvature[i], 0.0]):
            n = len(d) * len(offsets_h)
            batches.append(Paths(np.repeat(pts[:, 0], len(offsets_h)), np.repeat(pts[:, 1], len(offsets_h)),
                                 np.tile(seeds.heading[i] + offsets_h, len(d)), np.full(n, c),
                                 np.full(n, seeds.part[i]), np.repeat(d, len(offsets_h))))
    if not batches:
        return trace(raster, seeds, cell, max_length, probe)
    paths = Paths.concat(batches)
    px, py = path_xy(paths.x0, paths.y0, paths.heading, paths.curvature, np.array([[probe]]))
    return trace(raster, paths.take(raster.signed(px[:, 0], py[:, 0]) > 0), cell, max_length, probe)


def _questions(claims: Claims, cell: float):
    """Each question as a score over traced paths (higher is better; -inf where it does not apply)."""
    lo, hi = claims.speed_mps
    slack = 2 * cell  # raster lengths and depths are good to about a cell, twice for safety

    def deepest_at_length(t: Traced) -> np.ndarray:
        ok = np.abs(t.length - claims.length_m.value) <= claims.length_m.tolerance + slack
        return np.where(ok, t.depth, -np.inf)

    def shortest_to_depth(t: Traced) -> np.ndarray:
        ok = (t.depth >= claims.depth_m.low - slack) & np.isfinite(t.length)
        return np.where(ok, -t.length, -np.inf)

    def deepest_in_time(t: Traced) -> np.ndarray:
        ok = (t.length >= claims.duration_s.low * lo - slack) & (t.length <= claims.duration_s.high * hi + slack)
        return np.where(ok, t.depth, -np.inf)

    def nearest(t: Traced) -> np.ndarray:
        finite = np.isfinite(t.length)
        dev = claims.deviation(np.where(finite, t.length, 1.0), t.depth)[0]
        return np.where(finite, -dev, -np.inf)

    return {"deepest_at_length": deepest_at_length, "shortest_to_depth": shortest_to_depth,
            "deepest_in_time": deepest_in_time, "nearest": nearest}


def _best(score: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` best finite scores."""
    finite = np.flatnonzero(np.isfinite(score))
    return finite[np.argsort(-score[finite], kind="stable")[:k]]


@dataclass
class _Measured:
    """The engine's figures of chosen paths, by position in a Traced."""

    traced: Traced
    rows: dict[int, pd.Series]


def _measure(traced: Traced, found: dict[str, np.ndarray], plane: LocalPlane, airspace: Airspace) -> _Measured:
    """Run the chosen paths through ``detect`` (fixes every POLISH_STEP_M): each one's passage whose
    entry is its own entry point."""
    chosen = sorted({int(i[0]) for i in found.values() if len(i)})
    if not chosen:
        return _Measured(traced, {})
    tracks = []
    for i in chosen:
        end = traced.length[i] if np.isfinite(traced.length[i]) else traced.depth_s[i]
        s = np.arange(0.0, end + 500.0 + POLISH_STEP_M, POLISH_STEP_M) - 100.0
        p = traced.paths
        x, y = path_xy(p.x0[i:i + 1], p.y0[i:i + 1], p.heading[i:i + 1], p.curvature[i:i + 1], s[None, :])
        lon, lat = plane.to_lonlat(x[0], y[0])
        tracks.append(pd.DataFrame({"time": pd.Timestamp("2000-01-01T00:00:00Z") + pd.to_timedelta(s + 100.0,
                                                                                                   unit="s"),
                                    "track_id": str(i), "lat": lat, "lon": lon}))
    result = detect(pd.concat(tracks, ignore_index=True), [airspace], near_m=0)
    rows = {}
    for i in chosen:
        mine = result[(result["track_id"] == str(i)) & result["entry_time"].notna()]
        if len(mine):
            lon0, lat0 = plane.to_lonlat(traced.paths.x0[i], traced.paths.y0[i])
            off = GEOD.inv(mine["entry_lon"].to_numpy(), mine["entry_lat"].to_numpy(),
                           np.full(len(mine), float(lon0)), np.full(len(mine), float(lat0)))[2]
            rows[i] = mine.iloc[int(np.argmin(off))]
    return _Measured(traced, rows)


def _candidate(measured: _Measured, found: np.ndarray, claims: Claims, plane: LocalPlane) -> CandidatePath:
    """The answer at position ``found[0]``: the engine's length, depth and exit when it measured the
    path, else the raster's."""
    i = int(found[0])
    t = measured.traced
    p = t.paths
    s = np.array([[0.0, t.depth_s[i], t.length[i] if np.isfinite(t.length[i]) else 0.0, 1.0]])
    x, y = path_xy(p.x0[i:i + 1], p.y0[i:i + 1], p.heading[i:i + 1], p.curvature[i:i + 1], s)
    lon, lat = plane.to_lonlat(x[0], y[0])
    length, depth = float(t.length[i]), float(t.depth[i])
    depth_ll, exit_ll = (float(lon[1]), float(lat[1])), (float(lon[2]), float(lat[2]))
    row = measured.rows.get(i)
    if row is not None:
        length, depth = float(row["length_inside_m"]), float(row["max_depth_m"])
        depth_ll, exit_ll = (row["max_depth_lon"], row["max_depth_lat"]), (row["exit_lon"], row["exit_lat"])
    dev, speed, duration = claims.deviation(np.array([length]), np.array([depth]))
    # the plane's north is true north only at its centre: the true azimuth at the entry point
    heading = float(GEOD.inv(lon[0], lat[0], lon[3], lat[3])[0] % 360.0)
    radius = math.inf if p.curvature[i] == 0 else float(1.0 / p.curvature[i])
    return CandidatePath(float(lon[0]), float(lat[0]), heading, radius, length, depth, *depth_ll, *exit_ll,
                         float(speed[0]), float(duration[0]), float(max(dev[0], 0.0)))


def candidate_track(path: CandidatePath, track_id: str = "candidate", lead_m: float = 1_000.0,
                    step_m: float = 25.0, start: str = "2000-01-01T00:00:00Z") -> pd.DataFrame:
    """A candidate path as a track table (fixes every ``step_m`` metres from ``lead_m`` before its
    entry to ``lead_m`` after its exit, at its speed), to draw it or run ``detect`` on it.

    The path is rebuilt in the azimuthal equidistant plane centred on its entry point, where the
    straight path is the geodesic through it and a turn keeps its radius.
    """
    plane = LocalPlane(path.entry_lon, path.entry_lat)
    end = path.length_m if math.isfinite(path.length_m) else 0.0
    s = np.arange(-lead_m, end + lead_m + step_m / 2, step_m)
    curvature = 0.0 if not math.isfinite(path.turn_radius_m) else 1.0 / path.turn_radius_m
    x, y = path_xy(np.zeros(1), np.zeros(1), np.radians([path.heading_deg]), np.array([curvature]), s[None, :])
    lon, lat = plane.to_lonlat(x[0], y[0])
    times = pd.Timestamp(start) + pd.to_timedelta((s - s[0]) / path.speed_mps, unit="s")
    return pd.DataFrame({"time": times, "track_id": track_id, "lat": lat, "lon": lon})
