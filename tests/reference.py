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
