"""Rebuild the two reconstructed Su-24 tracks of 24 Nov 2015 (``python -m skyborder.demo.reconstruct``).

Neither side published coordinates, so each path is drawn from the published maps and statements
(see ``claims.json``) as a flight program: straight legs and level turns at constant speed and
altitude, laid out in an azimuthal equidistant plane centred on the southern tip of the Hatay
salient, sampled every ``FIX_INTERVAL_S`` seconds like a radar plot, and converted to WGS84.

The TR-claim path is then shifted in time so that, along the geodesics between its fixes, it
enters the embedded TUR airspace at the claimed 07:24:05 UTC; the RU-claim path is shifted so that
its closest approach to TUR falls at the same moment. Everything else (the tool's durations,
depths, lengths) follows from the geometry, not from the claims.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyproj
import shapely

from ..airspace import world
from ..geodesy import GEOD
from .evidence import warned_position

HERE = Path(__file__).parent / "data"
TIP_LON, TIP_LAT = 36.15394, 35.80768  # southern tip of the Hatay salient in the embedded dataset
FIX_INTERVAL_S = 4.0
SPEED_MPS = 250.0  # 900 km/h: a plausible Su-24 cruise with stores
CLAIMED_ENTRY = pd.Timestamp("2015-11-24T07:24:05Z")
PLANE_CRS = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={TIP_LAT} +lon_0={TIP_LON} +datum=WGS84 +units=m")
TO_LONLAT = pyproj.Transformer.from_crs(PLANE_CRS, "EPSG:4326", always_xy=True)
TO_PLANE = pyproj.Transformer.from_crs("EPSG:4326", PLANE_CRS, always_xy=True)


@dataclass(frozen=True)
class FlightProgram:
    """A path as start point (plane metres), initial heading (deg) and a list of legs.

    A leg is ``("straight", metres)`` or ``("turn", degrees, radius_m)`` (negative degrees turn left).
    """

    track_id: str
    start_xy: tuple[float, float]
    heading_deg: float
    legs: tuple[tuple, ...]
    alt_m: float
    reference: str  # "entry" (TR) or "closest" (RU): which moment is pinned to CLAIMED_ENTRY


def _trace(program: FlightProgram, step_m: float = 5.0) -> tuple[np.ndarray, np.ndarray]:
    """Dense (x, y) polyline in plane metres, and its cumulative length."""
    x, y = program.start_xy
    hdg = math.radians(program.heading_deg)
    pts = [(x, y)]
    for leg in program.legs:
        if leg[0] == "straight":
            n = max(int(leg[1] / step_m), 1)
            for _ in range(n):
                x += leg[1] / n * math.sin(hdg)
                y += leg[1] / n * math.cos(hdg)
                pts.append((x, y))
        else:
            turn, radius = math.radians(leg[1]), leg[2]
            n = max(int(abs(turn) * radius / step_m), 1)
            for _ in range(n):
                # chord of an arc of turn/n: head along the mean heading of the arc
                d = 2 * radius * math.sin(abs(turn) / n / 2)
                x += d * math.sin(hdg + turn / n / 2)
                y += d * math.cos(hdg + turn / n / 2)
                hdg += turn / n
                pts.append((x, y))
    xy = np.asarray(pts)
    s = np.r_[0.0, np.cumsum(np.hypot(*np.diff(xy, axis=0).T))]
    return xy, s


def _fixes(program: FlightProgram) -> pd.DataFrame:
    """Radar-like fixes every FIX_INTERVAL_S along the program, times relative (seconds)."""
    xy, s = _trace(program)
    t = np.arange(0.0, s[-1] / SPEED_MPS, FIX_INTERVAL_S)
    x = np.interp(t * SPEED_MPS, s, xy[:, 0])
    y = np.interp(t * SPEED_MPS, s, xy[:, 1])
    lon, lat = TO_LONLAT.transform(x, y)
    return pd.DataFrame({"t": t, "lon": np.round(lon, 6), "lat": np.round(lat, 6)})


def _dense(fixes: pd.DataFrame, step_m: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The fixes joined by geodesics sampled every ``step_m``: (t, lon, lat), t linear in distance."""
    ts, lons, lats = [], [], []
    rows = fixes[["t", "lon", "lat"]].to_numpy()
    for (t1, lon1, lat1), (t2, lon2, lat2) in zip(rows[:-1], rows[1:]):
        _, _, dist = GEOD.inv(lon1, lat1, lon2, lat2)
        n = max(int(math.ceil(dist / step_m)), 1)
        pts = GEOD.npts(lon1, lat1, lon2, lat2, n - 1) if n > 1 else []
        seg = np.array([(lon1, lat1), *pts])
        ts.append(t1 + (t2 - t1) * np.arange(n) / n)
        lons.append(seg[:, 0])
        lats.append(seg[:, 1])
    return np.concatenate(ts), np.concatenate(lons), np.concatenate(lats)


def _reference_time(fixes: pd.DataFrame, reference: str, turkey: shapely.Geometry) -> float:
    """Relative time (s) of entering TUR ("entry": midway between the last 1 m sample outside and
    the first inside) or of the sample nearest to it ("closest", measured in the plane)."""
    t, lon, lat = _dense(fixes)
    if reference == "entry":
        first = int(np.argmax(shapely.contains_xy(turkey, lon, lat)))
        return float(t[first - 1] + t[first]) / 2
    x, y = TO_PLANE.transform(lon, lat)
    scene = shapely.transform(shapely.clip_by_rect(turkey, 35.5, 35.5, 36.6, 36.2), TO_PLANE.transform,
                              interleaved=False)
    return float(t[np.argmin(shapely.distance(shapely.points(x, y), scene))])


def start_through(heading_deg: float, legs: tuple[tuple, ...], after_legs: int,
                  point_xy: tuple[float, float]) -> tuple[float, float]:
    """The start (plane metres) that puts the path on ``point_xy`` when its first ``after_legs`` legs are flown."""
    probe = FlightProgram("", (0.0, 0.0), heading_deg, legs[:after_legs], 0.0, "entry")
    xy, _ = _trace(probe)
    return point_xy[0] - xy[-1, 0], point_xy[1] - xy[-1, 1]


def build(program: FlightProgram) -> pd.DataFrame:
    """The program's fixes as a track table, time-shifted so its reference moment is 07:24:05 UTC."""
    fixes = _fixes(program)
    turkey = world.country("TUR").geometry
    t0 = _reference_time(fixes, program.reference, turkey)
    times = CLAIMED_ENTRY + pd.to_timedelta(np.round((fixes["t"] - t0) * 1000.0), unit="ms")
    az, _, _ = GEOD.inv(fixes["lon"].to_numpy()[:-1], fixes["lat"].to_numpy()[:-1],
                        fixes["lon"].to_numpy()[1:], fixes["lat"].to_numpy()[1:])
    heading = np.round(np.r_[az, az[-1]] % 360.0, 1)
    return pd.DataFrame({
        "time": times.dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ").str.replace(r"(\.\d{3})\d{3}Z", r"\1Z", regex=True),
        "track_id": program.track_id, "lat": fixes["lat"], "lon": fixes["lon"], "alt_m": program.alt_m,
        "speed_mps": SPEED_MPS, "heading_deg": heading, "callsign": "",
        "source": f"reconstruction ({program.track_id})",
    })


WARNED_XY = TO_PLANE.transform(*warned_position())  # "Humeymim 020, 26 miles" (see claims.json)
# Both paths fly the same pattern (in from the west-south-west, out east-south-east, a left turn back,
# westbound along the border, then a left turn towards Hmeymim); they differ in where the westbound
# leg runs: 600 m north of the salient's tip (TR map) or 1 km south of it (RU statements).
LEGS = (("straight", 29000.0), ("turn", 55.0, 4000.0), ("straight", 500.0), ("straight", 15035.0),
        ("turn", -130.0, 4000.0), ("straight", 3200.0), ("turn", -90.0, 4000.0), ("straight", 14500.0),
        ("turn", -50.0, 4000.0), ("straight", 2000.0))
_TR_START = start_through(75.0, LEGS, 3, WARNED_XY)
RU_OFFSET_M = -1600.0  # moves the westbound leg from 600 m north of the tip to 1 km south of it
PROGRAMS = (
    FlightProgram("TR-claim", _TR_START, 75.0, LEGS, 5791.0, "entry"),
    FlightProgram("RU-claim", (_TR_START[0], _TR_START[1] + RU_OFFSET_M), 75.0, LEGS, 6000.0, "closest"),
)

HEADERS = {
    "TR-claim": """\
APPROXIMATION: the Su-24 path as Turkey described it, 24 Nov 2015. Not measured data.
Reconstructed by skyborder from published maps and statements (no coordinates were published):
  - Turkish letter to the UN Security Council, 24 Nov 2015 (via Reuters): entry 09:24:05 local
    (07:24:05 UTC), 19,000 ft, 17 s inside, "depth of 1.36 miles and 1.15 miles in length";
  - Turkish radar map (Quartz, 24 Nov 2015): tracks crossing the southern tip of the Hatay salient
    south of Yayladagi;
  - warning recording (Reuters, Al Jazeera, 26 Nov 2015): 10 warnings in 5 minutes, one giving
    the position "Humeymim 020, 26 miles", which this path passes.
Assumed (not published): 250 m/s (900 km/h) throughout, 4 s radar fixes, level turns of 4 km
radius, the westbound leg 600 m north of the salient's tip so that its chord inside the embedded
TUR boundary is about the claimed 1.15 statute miles; times shifted so that entry is 07:24:05 UTC.
Only the aircraft that was shot down is reconstructed, not its wingman.
Regenerate: python -m skyborder.demo.reconstruct""",
    "RU-claim": """\
APPROXIMATION: the Su-24 path as Russia described it, 24-27 Nov 2015. Not measured data.
Reconstructed by skyborder from published statements (no coordinates were published):
  - Russian MoD / President Putin, 24 Nov 2015: hit over Syria at 6,000 m, 1 km from the Turkish
    border, at 10:24 Moscow time (07:24 UTC); "never crossed" into Turkey;
  - Russian MoD briefing, 27 Nov 2015 (TASS): target 5.5 km south of the border (not encoded in
    the path, which cannot also be 1 km from it; listed in claims.json).
Assumed (not published): the same pattern, speed (250 m/s), fix interval (4 s) and turns as the
TR-claim path, moved 1.6 km south so its westbound leg passes about 1 km south of the salient's
tip; times shifted so that its closest approach to TUR is at 07:24:05 UTC.
Regenerate: python -m skyborder.demo.reconstruct""",
}
TRACK_FILES = {"TR-claim": "tr_claim.csv", "RU-claim": "ru_claim.csv"}


def main() -> None:
    """Write the reconstructed tracks next to this module."""
    for program in PROGRAMS:
        table = build(program)
        header = "".join(f"# {line}".rstrip() + "\n" for line in HEADERS[program.track_id].splitlines())
        path = HERE / TRACK_FILES[program.track_id]
        path.write_text(header + table.to_csv(index=False, lineterminator="\n"), encoding="utf-8")
        print(f"wrote {path} ({len(table)} fixes)")


if __name__ == "__main__":
    main()
