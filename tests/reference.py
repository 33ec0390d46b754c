"""Brute-force references, independent of the engine: dense sampling of the geodesic path.

The path between fixes is sampled every ``step_m`` metres with pyproj's ``Geod.fwd`` and
each sample is classified with ``shapely.contains_xy``; an entry/exit lies between the last
sample on one side and the first on the other (so within ``step_m`` and ``step_m / speed``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyproj
import shapely

WGS84 = pyproj.Geod(ellps="WGS84")


def sample_path(lon, lat, t, step_m: float):
    """(lon, lat, time s, distance m) samples along the piecewise-geodesic path."""
    out_lon, out_lat, out_t, out_s = [], [], [], []
    total = 0.0
    for i in range(len(lon) - 1):
        az, _, dist = WGS84.inv(lon[i], lat[i], lon[i + 1], lat[i + 1])
        n = max(int(np.ceil(dist / step_m)), 1)
        s = np.linspace(0.0, dist, n, endpoint=False)
        x, y, _ = WGS84.fwd(np.full(n, lon[i]), np.full(n, lat[i]), np.full(n, az), s)
        out_lon.append(x)
        out_lat.append(y)
        out_t.append(t[i] + (t[i + 1] - t[i]) * (s / dist if dist > 0 else 0))
        out_s.append(total + s)
        total += dist
    out_lon.append([lon[-1]]), out_lat.append([lat[-1]]), out_t.append([t[-1]]), out_s.append([total])
    return tuple(np.concatenate(v) for v in (out_lon, out_lat, out_t, out_s))


def passages(geometry, lon, lat, t, step_m: float = 1.0):
    """Brute-force passages: list of (entry t, exit t, entry s, exit s); None where open."""
    x, y, tt, ss = sample_path(np.asarray(lon, float), np.asarray(lat, float), np.asarray(t, float), step_m)
    inside = shapely.contains_xy(geometry, ((x + 180) % 360) - 180, y)
    change = np.flatnonzero(np.diff(inside.astype(int)))
    result, entry = [], None if not inside[0] else (None, None)
    for k in change:
        mid_t, mid_s = 0.5 * (tt[k] + tt[k + 1]), 0.5 * (ss[k] + ss[k + 1])
        if inside[k + 1]:
            entry = (mid_t, mid_s)
        else:
            result.append((entry[0], mid_t, entry[1], mid_s))
            entry = None
    if entry is not None:
        result.append((entry[0], None, entry[1], None))
    return result


def boundary_distance(geometry, lon: float, lat: float, step_m: float = 1.0, window_m: float = 200_000.0) -> float:
    """Geodesic distance from a point to the polygon boundary, the boundary densified at ``step_m``."""
    lines = shapely.get_parts(shapely.boundary(geometry))
    coords = [shapely.get_coordinates(line) for line in lines]
    best = np.inf
    for c in coords:
        for (x1, y1), (x2, y2) in zip(c[:-1], c[1:]):
            # skip edges plainly farther than the window
            if min(abs(y1 - lat), abs(y2 - lat)) * 111_000 > window_m and (y1 - lat) * (y2 - lat) > 0:
                continue
            length = np.hypot((x2 - x1) * 111_320 * np.cos(np.radians(lat)), (y2 - y1) * 110_574)
            n = max(int(np.ceil(length / step_m)), 1)
            f = np.linspace(0.0, 1.0, n + 1)
            px, py = x1 + f * (x2 - x1), y1 + f * (y2 - y1)
            d = WGS84.inv(np.full(len(px), lon), np.full(len(px), lat), px, py)[2]
            best = min(best, float(d.min()))
    return best


def track(lon, lat, t0="2015-11-24T07:20:00Z", dt_s=None, t_s=None, alt=None, track_id="T") -> pd.DataFrame:
    """A track table from arrays; times from ``t_s`` seconds or every ``dt_s`` seconds."""
    n = len(lon)
    secs = np.asarray(t_s, float) if t_s is not None else np.arange(n) * (dt_s or 1.0)
    df = pd.DataFrame({"time": pd.Timestamp(t0) + pd.to_timedelta(secs, unit="s"), "track_id": track_id,
                       "lat": np.asarray(lat, float), "lon": np.asarray(lon, float)})
    if alt is not None:
        df["alt_m"] = np.asarray(alt, float)
    return df


# ----- distances to a boundary, and their extremes along a path ---------------------------------
def _local_plane(lon0: float, lat0: float) -> pyproj.Transformer:
    """Azimuthal equidistant plane centred at (lon0, lat0): a preselection only (scale errs < 1e-4
    within 300 km of the centre)."""
    return pyproj.Transformer.from_crs("EPSG:4326", pyproj.CRS.from_proj4(
        f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m"), always_xy=True)


def distances_to_boundary(geometry, lon, lat, tol_m: float = 0.02, margin_m: float = 200.0) -> np.ndarray:
    """Geodesic distance (m) from each point to the boundary of ``geometry`` (lon/lat, edges straight
    in lon/lat; give a geometry unwrapped across 180 degrees so that it has no cut there).

    Each edge near a point is densified (in lon/lat) with points about ``h = sqrt(8 d tol_m)``
    metres apart (``d`` the point's distance, at most 20 m apart) and each is measured with pyproj's
    Geod: on an edge that is straight at that scale the nearest densified point overestimates the
    distance by at most ``h^2 / (8 d) = tol_m``. Only edges that a local azimuthal equidistant
    projection puts within ``margin_m`` of the projected nearest distance are measured (the
    projection's error, below 1e-3 of the distance within 500 km of its centre, is covered too).
    """
    lon, lat = np.atleast_1d(np.asarray(lon, float)), np.atleast_1d(np.asarray(lat, float))
    lines = shapely.get_parts(shapely.boundary(geometry))
    coords = [shapely.get_coordinates(line) for line in lines]
    x1 = np.concatenate([c[:-1, 0] for c in coords])
    y1 = np.concatenate([c[:-1, 1] for c in coords])
    x2 = np.concatenate([c[1:, 0] for c in coords])
    y2 = np.concatenate([c[1:, 1] for c in coords])
    centre = float(shapely.centroid(geometry).x)
    lon = centre + ((lon - centre + 180.0) % 360.0 - 180.0)  # continuous with the geometry
    plane = _local_plane(float(np.mean(lon)), float(np.mean(lat)))
    # edges projected with intermediate points every ~1 km so that the projected chords are faithful
    n_sub = np.maximum(np.ceil(np.hypot((x2 - x1) * 111.0, (y2 - y1) * 111.0)), 1).astype(int)
    sub_edge = np.repeat(np.arange(len(x1)), n_sub)
    k = np.arange(len(sub_edge)) - np.repeat(np.cumsum(n_sub) - n_sub, n_sub)
    fa, fb = k / n_sub[sub_edge], (k + 1) / n_sub[sub_edge]
    ax, ay = plane.transform(x1[sub_edge] + fa * (x2 - x1)[sub_edge], y1[sub_edge] + fa * (y2 - y1)[sub_edge])
    bx, by = plane.transform(x1[sub_edge] + fb * (x2 - x1)[sub_edge], y1[sub_edge] + fb * (y2 - y1)[sub_edge])
    segments = shapely.linestrings(np.stack([np.column_stack([ax, ay]), np.column_stack([bx, by])], axis=1))
    tree = shapely.STRtree(segments)
    points = shapely.points(*plane.transform(lon, lat))
    nearest = shapely.distance(points, segments[tree.nearest(points)])
    point, sub = tree.query(points, predicate="dwithin", distance=nearest * 1.005 + margin_m)
    # each (point, sub-edge) pair densified in lon/lat, all measured in one call
    fa_p, fb_p, e = fa[sub], fb[sub], sub_edge[sub]
    length = WGS84.inv(x1[e] + fa_p * (x2 - x1)[e], y1[e] + fa_p * (y2 - y1)[e],
                       x1[e] + fb_p * (x2 - x1)[e], y1[e] + fb_p * (y2 - y1)[e])[2]
    step = np.clip(np.sqrt(8.0 * np.maximum(nearest[point], 1.0) * tol_m), 0.05, 20.0)
    count = np.maximum(np.ceil(length / step), 1).astype(int) + 1
    owner = np.repeat(np.arange(len(point)), count)
    j = np.arange(len(owner)) - np.repeat(np.cumsum(count) - count, count)
    f = fa_p[owner] + (fb_p - fa_p)[owner] * j / (count[owner] - 1)
    ee = e[owner]
    d = WGS84.inv(lon[point[owner]], lat[point[owner]], x1[ee] + f * (x2 - x1)[ee], y1[ee] + f * (y2 - y1)[ee])[2]
    out = np.full(len(lon), np.inf)
    np.minimum.at(out, point[owner], d)
    return out


def path_extreme(geometry, lon, lat, sign: float, coarse_m: float = 50.0, fine_m: float = 0.5,
                 inside: bool | None = None) -> tuple[float, float, float]:
    """Largest (sign=+1) or least (sign=-1) distance (m) to the boundary along the geodesic path
    through the fixes, and where (lon, lat); only over samples inside (``inside=True``) or outside
    (``False``) the geometry when given.

    The path is sampled every ``coarse_m``; since the distance is 1-Lipschitz along the path, the
    extreme lies within ``coarse_m / 2`` of a sample whose value is within ``coarse_m`` (plus the
    distance error) of the best sample's: around each such sample the path is sampled again every
    ``fine_m``, so the answer is within ``fine_m / 2`` (plus the distance error) of the truth.
    """
    x, y, _, s = sample_path(np.asarray(lon, float), np.asarray(lat, float), np.zeros(len(lon)), coarse_m)
    keep = np.ones(len(x), bool) if inside is None else contains_any(geometry, x, y) == inside
    x, y, s = x[keep], y[keep], s[keep]
    d = distances_to_boundary(geometry, x, y, tol_m=0.1)
    target = sign * d
    close = np.flatnonzero(target >= target.max() - coarse_m - 1.0)
    best = (-np.inf, 0.0, 0.0)
    for k in close:
        fx, fy, fs = _around(lon, lat, s[k], coarse_m / 2.0, fine_m)
        if inside is not None:
            ok = contains_any(geometry, fx, fy) == inside
            fx, fy = fx[ok], fy[ok]
        if len(fx) == 0:
            continue
        fd = sign * distances_to_boundary(geometry, fx, fy)
        j = int(np.argmax(fd))
        if fd[j] > best[0]:
            best = (float(fd[j]), float(fx[j]), float(fy[j]))
    return sign * best[0], best[1], best[2]


def contains_any(geometry, lon, lat) -> np.ndarray:
    """Whether each point lies in the geometry at its longitude or 360 degrees either side
    (for geometries unwrapped across 180 degrees)."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    wrapped = (lon + 180.0) % 360.0 - 180.0
    return (shapely.contains_xy(geometry, wrapped, lat) | shapely.contains_xy(geometry, wrapped + 360.0, lat)
            | shapely.contains_xy(geometry, wrapped - 360.0, lat))


def _around(lon, lat, s_mid: float, half_m: float, step_m: float):
    """Points every ``step_m`` along the path within ``half_m`` of position ``s_mid`` (m)."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    az, _, dist = WGS84.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    ends = np.r_[0.0, np.cumsum(dist)]
    s = np.arange(max(s_mid - half_m, 0.0), min(s_mid + half_m, ends[-1]) + 1e-9, step_m)
    leg = np.clip(np.searchsorted(ends, s, side="right") - 1, 0, len(dist) - 1)
    x, y, _ = WGS84.fwd(lon[leg], lat[leg], az[leg], s - ends[leg])
    return x, y, s
