"""What surveillance sites can see: radar horizon on an effective-Earth model, terrain masking,
the stretches of a border seen at an altitude, and when each site could first have seen a track.

Surveillance only: line of sight from a sensor to a target, nothing else.

Geometry. Refraction bends radio rays down; the usual model (ITU-R P.834, "4/3 Earth") draws
them straight over a sphere of radius ``k R`` with ``k = 4/3`` and R the mean Earth radius
(6,371,008.8 m). Ground distances are WGS84 geodesic distances (pyproj); along the effective
sphere they span the central angle ``distance / (k R)``. A site of antenna height h1 (m above
mean sea level) sees a target at altitude h2 and ground distance D when the straight ray between
them stays above the effective sphere plus the terrain everywhere in between; with polar
coordinates (r, phi) about the centre, the ray through (k R + h1, 0) and (k R + h2, D / (k R))
has ``r(phi) = r1 r2 sin(Phi) / (r1 sin(phi) + r2 sin(Phi - phi))``. Terrain heights come from
DEM files (``analysis.terrain``), sampled along the geodesic every ``profile_step_m``; the bare
sphere is checked exactly (the ray's least distance from the centre). The clear-sky horizon
range, where the ray just grazes the bare sphere, is
``k R (acos(k R / (k R + h1)) + acos(k R / (k R + h2)))``.

Altitudes: a track's ``alt_m`` is pressure altitude; it is used as height above mean sea level
(they differ by up to a few hundred metres, a few kilometres of horizon at most).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from ..airspace.model import Airspace
from ..errors import InputError
from ..geodesy import GEOD
from ..units import MEAN_EARTH_RADIUS_M
from .terrain import Terrain

__all__ = ["CLEARANCE_TOL_M", "K_FACTOR", "BorderCoverage", "Site", "border_coverage", "clearance_m", "first_sight",
           "horizon_range_m", "parse_site"]

K_FACTOR = 4.0 / 3.0
PROFILE_STEP_M = 250.0
CLEARANCE_TOL_M = 1e-6  # a line of sight this close to grazing counts as clear (rounding)
PROFILE_MIN_SAMPLES = 16
BATCH_POINTS = 2_000_000  # profile samples evaluated at once (memory bound)


@dataclass(frozen=True)
class Site:
    """A sensor: position (deg) and antenna height above mean sea level (m)."""

    lon: float
    lat: float
    height_m: float
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or f"{self.lat:.3f},{self.lon:.3f}"


def parse_site(text: str, number: int) -> Site:
    """``LAT,LON,HEIGHT_M`` (degrees, metres above mean sea level), optionally ``,NAME``."""
    parts = [p.strip() for p in text.split(",")]
    try:
        lat, lon, height = (float(v) for v in parts[:3])
    except ValueError:
        raise InputError(f"--site {text!r}: expected LAT,LON,HEIGHT_M[,NAME], e.g. 36.2,36.1,450") from None
    if len(parts) < 3 or not (-90 <= lat <= 90 and -180 <= lon <= 180) or height < -500:
        raise InputError(f"--site {text!r}: expected LAT,LON,HEIGHT_M with a valid position")
    return Site(lon, lat, height, parts[3] if len(parts) > 3 and parts[3] else f"site {number}")


def horizon_range_m(site_height_m: float, target_alt_m: np.ndarray | float, k: float = K_FACTOR) -> np.ndarray:
    """Ground range (m) at which a target at ``target_alt_m`` sinks below a site's radio horizon
    over bare Earth (closed form; see the module docstring).

    Examples
    --------
    >>> round(float(horizon_range_m(10.0, 0.0)) / 1000, 2)  # a 10 m mast, 4/3 Earth: ~13 km
    13.03
    """
    re = k * MEAN_EARTH_RADIUS_M
    h1 = max(site_height_m, 0.0)
    h2 = np.maximum(np.asarray(target_alt_m, float), 0.0)
    return re * (np.arccos(re / (re + h1)) + np.arccos(re / (re + h2)))


def clearance_m(site: Site, lon: np.ndarray, lat: np.ndarray, alt_m: np.ndarray, terrain: Terrain | None = None,
                k: float = K_FACTOR, profile_step_m: float = PROFILE_STEP_M) -> np.ndarray:
    """How far (m) the line of sight from ``site`` to each target passes above the effective Earth
    and terrain at its lowest; negative when something is in the way.

    Parameters
    ----------
    site : Site
    lon, lat, alt_m : ndarray
        Targets (deg, m above mean sea level).
    terrain : Terrain, optional
        Without it, bare Earth at sea level.
    k : float
        Effective Earth radius factor.
    profile_step_m : float
        Spacing of the samples along each line of sight (at least ``PROFILE_MIN_SAMPLES``).
    """
    lon, lat = np.atleast_1d(np.asarray(lon, float)), np.atleast_1d(np.asarray(lat, float))
    alt = np.broadcast_to(np.asarray(alt_m, float), lon.shape)
    az, _, dist = GEOD.inv(np.full(lon.shape, site.lon), np.full(lon.shape, site.lat), lon, lat)
    out = np.empty(len(lon))
    samples = int(max(PROFILE_MIN_SAMPLES, math.ceil(float(np.max(dist, initial=0.0)) / profile_step_m)))
    per_batch = max(1, BATCH_POINTS // samples)
    frac = (np.arange(1, samples) / samples)[None, :]
    re = k * MEAN_EARTH_RADIUS_M
    r1 = re + site.height_m
    for lo in range(0, len(lon), per_batch):
        sl = slice(lo, lo + per_batch)
        d, r2 = dist[sl, None], re + alt[sl, None]
        big_phi = d / re
        phi = frac * big_phi
        with np.errstate(invalid="ignore", divide="ignore"):
            ray = r1 * r2 * np.sin(big_phi) / (r1 * np.sin(phi) + r2 * np.sin(big_phi - phi)) - re
        ray = np.where(big_phi > 0, ray, np.minimum(site.height_m, alt[sl, None]))
        ground = np.zeros_like(ray)
        if terrain is not None and terrain.grids:
            n = ray.shape
            plon, plat, _ = GEOD.fwd(np.repeat(site.lon, ray.size), np.repeat(site.lat, ray.size),
                                     np.repeat(az[sl], n[1]), (d * frac).ravel())
            ground = terrain.height(plon, plat).reshape(n)
        bare = _lowest_ray_height(r1, r2[:, 0], big_phi[:, 0], re)[:, None]
        out[sl] = np.min(np.c_[ray - ground, bare, alt[sl, None] - _ground_at(terrain, lon[sl], lat[sl])], axis=1)
    return out


def _lowest_ray_height(r1: float, r2: np.ndarray, big_phi: np.ndarray, re: float) -> np.ndarray:
    """The least height (m) of the straight ray from (r1, 0) to (r2, Phi) above the sphere of radius
    ``re``: the distance from the centre to the segment, less ``re`` (exact, however close to an end
    the ray grazes)."""
    p2x, p2y = r2 * np.sin(big_phi), r2 * np.cos(big_phi)
    dx, dy = p2x, p2y - r1
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.clip(-(0.0 * dx + r1 * dy) / (dx * dx + dy * dy), 0.0, 1.0)
    f = np.nan_to_num(f)
    return np.hypot(f * dx, r1 + f * dy) - re


def _ground_at(terrain: Terrain | None, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Terrain height (m) under the targets themselves (0 without terrain)."""
    return np.zeros((len(lon), 1)) if terrain is None else terrain.height(lon, lat)[:, None]


@dataclass
class BorderCoverage:
    """Points every ``step_m`` along an airspace's boundary within reach of the sites, and which
    site sees each at ``altitude_m`` (``seen[site, point]``). ``part`` numbers the boundary's
    pieces (points of one piece are consecutive)."""

    sites: list[Site]
    airspace: str
    altitude_m: float
    step_m: float
    lon: np.ndarray
    lat: np.ndarray
    part: np.ndarray
    seen: np.ndarray
    horizon_m: np.ndarray  # clear-sky horizon range of each site at the altitude
    wraps: dict[int, int] = field(default_factory=dict)  # a piece that continues into another (ring closure)

    def seen_km(self) -> np.ndarray:
        """Border length (km) each site sees, and (last entry) any site."""
        per_site = self.seen.sum(axis=1) * self.step_m / 1000.0
        return np.r_[per_site, self.seen.any(axis=0).sum() * self.step_m / 1000.0]

    def stretches(self, which: int | None = None) -> list[tuple[int, int, float]]:
        """Runs of consecutive seen points of one site, or of any site: (first index, last index,
        length km); a run across a ring's closing point has first > last."""
        mask: np.ndarray = np.asarray(self.seen.any(axis=0) if which is None else self.seen[which])
        new_piece = np.r_[True, self.part[1:] != self.part[:-1]]
        ends_piece = np.r_[self.part[1:] != self.part[:-1], True]
        starts = np.flatnonzero(mask & (new_piece | ~np.r_[False, mask[:-1]]))
        stops = np.flatnonzero(mask & (ends_piece | ~np.r_[mask[1:], False]))
        runs = {(int(a), int(b)): (b - a + 1) * self.step_m / 1000.0 for a, b in zip(starts, stops)}
        piece_first = {int(p): int(i) for p, i in zip(*np.unique(self.part, return_index=True))}
        piece_last = {p: int(np.flatnonzero(self.part == p)[-1]) for p in self.wraps}
        for last_piece, first_piece in self.wraps.items():
            tail = next((r for r in runs if r[1] == piece_last[last_piece]), None)
            head = next((r for r in runs if r[0] == piece_first[first_piece]), None)
            if tail is not None and head is not None and tail != head:
                runs[(tail[0], head[1])] = runs.pop(tail) + runs.pop(head)
        return [(a, b, length) for (a, b), length in runs.items()]


def border_coverage(sites: Sequence[Site], airspace: Airspace, altitude_m: float, terrain: Terrain | None = None,
                    k: float = K_FACTOR, step_m: float = 500.0) -> BorderCoverage:
    """Which stretches of ``airspace``'s boundary each site sees at ``altitude_m``.

    The boundary is sampled every ``step_m`` metres (along the geodesics between its points);
    only points within some site's clear-sky horizon are kept (no point beyond it can be seen).
    Over bare Earth a point is seen when it is within the horizon range; with terrain, when the
    line of sight also clears the terrain (:func:`clearance_m`).
    """
    if not sites:
        raise InputError("give at least one --site")
    if step_m <= 0:
        raise InputError("--step must be > 0")
    horizons = np.array([float(horizon_range_m(s.height_m, altitude_m, k)) for s in sites])
    lon, lat, ring, ring_pos, ring_size = _boundary_points(airspace, step_m)
    dist = np.array([GEOD.inv(np.full(len(lon), s.lon), np.full(len(lon), s.lat), lon, lat)[2] for s in sites])
    keep = np.flatnonzero((dist <= horizons[:, None]).any(axis=0))
    # a new piece where the ring changes or points out of reach were left out
    part = np.cumsum(np.r_[True, (ring[keep][1:] != ring[keep][:-1]) | (np.diff(keep) > 1)]) - 1
    lon, lat, dist = lon[keep], lat[keep], dist[:, keep]
    # a ring's last point is next to its first: where both are kept, their pieces are one
    closes = (ring_pos[keep] == ring_size[keep] - 1)
    seen = dist <= horizons[:, None]  # bare Earth: the clear-sky horizon decides
    if terrain is not None and terrain.grids:
        for i, site in enumerate(sites):
            near = np.flatnonzero(seen[i])
            seen[i, near] = clearance_m(site, lon[near], lat[near], np.full(len(near), altitude_m), terrain,
                                        k) >= -CLEARANCE_TOL_M
    return BorderCoverage(list(sites), airspace.name, altitude_m, step_m, lon, lat, part, seen, horizons,
                          _wraps(part, ring[keep], ring_pos[keep], closes))


def _wraps(part: np.ndarray, ring: np.ndarray, ring_pos: np.ndarray, closes: np.ndarray) -> dict[int, int]:
    """Pieces that continue into another across a ring's closing point: {last piece: first piece}."""
    first_of_part = np.r_[True, part[1:] != part[:-1]]
    starts = {int(r): int(p) for r, p in zip(ring[first_of_part & (ring_pos == 0)],
                                               part[first_of_part & (ring_pos == 0)])}
    return {int(p): starts[int(r)] for p, r in zip(part[closes], ring[closes]) if int(r) in starts
            and starts[int(r)] != int(p)}


def _boundary_points(airspace: Airspace,
                     step_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Points about ``step_m`` apart along each ring of the airspace's boundary: lon, lat, the ring
    each belongs to, its position in the ring and the ring's number of points."""
    rings = shapely.get_parts(shapely.get_rings(shapely.get_parts(airspace.geometry)))
    coords = shapely.get_coordinates(rings)
    ring_of = np.repeat(np.arange(len(rings)), shapely.get_num_coordinates(rings))
    same = ring_of[1:] == ring_of[:-1]
    a, b = coords[:-1][same], coords[1:][same]
    owner = ring_of[:-1][same]
    _, _, length = GEOD.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    pieces = np.maximum(np.ceil(length / step_m), 1).astype(np.int64)
    edge = np.repeat(np.arange(len(a)), pieces)
    start = np.cumsum(pieces) - pieces
    frac = (np.arange(pieces.sum()) - start[edge]) / pieces[edge]
    az = GEOD.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])[0]
    lon, lat, _ = GEOD.fwd(a[edge, 0], a[edge, 1], az[edge], length[edge] * frac)
    ring = owner[edge]
    first = np.r_[0, np.flatnonzero(ring[1:] != ring[:-1]) + 1]
    size = np.diff(np.r_[first, len(ring)])
    position = np.arange(len(ring)) - np.repeat(first, size)
    return np.asarray(lon), np.asarray(lat), ring, position, np.repeat(size, size)


def first_sight(sites: Sequence[Site], tracks: pd.DataFrame, terrain: Terrain | None = None,
                k: float = K_FACTOR) -> pd.DataFrame:
    """When each site could first have seen each track: the first time its line of sight clears
    (interpolated linearly in time between the last fix hidden and the first seen, on the
    clearance), with the position and range then.

    Returns
    -------
    DataFrame
        ``track_id, site, first_seen, lat, lon, range_m, alt_m`` (``first_seen`` NaT when never).
        A fix without altitude is taken at sea level (it can only be seen later that way).
    """
    rows = []
    for track_id, track in tracks.groupby("track_id", sort=False):
        times = pd.DatetimeIndex(track["time"])
        lon, lat = track["lon"].to_numpy(float), track["lat"].to_numpy(float)
        alt = np.nan_to_num(track["alt_m"].to_numpy(float) if "alt_m" in track else np.zeros(len(track)))
        for site in sites:
            clear = clearance_m(site, lon, lat, alt, terrain, k)
            seen = np.flatnonzero(clear >= -CLEARANCE_TOL_M)
            if len(seen) == 0:
                rows.append({"track_id": track_id, "site": site.label, "first_seen": pd.NaT, "lat": np.nan,
                             "lon": np.nan, "range_m": np.nan, "alt_m": np.nan})
                continue
            i = int(seen[0])
            f = 0.0 if i == 0 else float(np.clip(-clear[i - 1] / (clear[i] - clear[i - 1]), 0.0, 1.0))
            j = max(i - 1, 0)
            when = times[j] + (times[i] - times[j]) * f
            az, _, leg = GEOD.inv(lon[j], lat[j], lon[i], lat[i])
            plon, plat, _ = GEOD.fwd(lon[j], lat[j], az, leg * f)
            rows.append({"track_id": track_id, "site": site.label, "first_seen": when, "lat": plat, "lon": plon,
                         "range_m": GEOD.inv(site.lon, site.lat, plon, plat)[2],
                         "alt_m": alt[j] + (alt[i] - alt[j]) * f})
    frame = pd.DataFrame(rows, columns=["track_id", "site", "first_seen", "lat", "lon", "range_m", "alt_m"])
    frame["first_seen"] = pd.to_datetime(frame["first_seen"], utc=True)
    return frame
