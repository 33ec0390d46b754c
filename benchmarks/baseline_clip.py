"""The baselines of bench_scan.py: a traffic ``clip`` loop and a movingpandas ``clip`` loop.

Run by bench_scan.py in its own environment (``.venv-baselines``, made by ``make bench``):
traffic 2.x imports pandas internals that pandas 3 removed, so it cannot share skyborder's
environment. Input: a Parquet file of OpenSky rows (the flights) and a Parquet file of the
airspaces (name, WKB geometry). For each flight and each airspace whose bounding box meets the
flight's, the loop clips the flight to the airspace (what an analyst writes with these
libraries: a passage is a non-empty clip). Prints one JSON line: per library, the seconds, the
positions per second and the clips found, and the process's peak memory.

Run: .venv-baselines/bin/python benchmarks/baseline_clip.py FLIGHTS.parquet AIRSPACES.parquet
"""
from __future__ import annotations

import json
import resource
import sys
import time
import warnings

import pandas as pd
import shapely


def main(flights_path: str, airspaces_path: str) -> None:
    import geopandas as gpd
    import movingpandas as mpd
    from traffic.core import Flight

    warnings.simplefilter("ignore")
    rows = pd.read_parquet(flights_path)
    rows["timestamp"] = pd.to_datetime(rows["lastposupdate"], unit="s", utc=True)
    rows["icao24"] = rows["icao24"].astype(str)  # dictionary-encoded in the file
    zones = pd.read_parquet(airspaces_path)
    shapes = shapely.from_wkb(zones["geometry"].to_numpy())
    boxes = shapely.bounds(shapes)
    # a flight seen once in the file has no path to clip (movingpandas refuses it): it passes nowhere
    flights = [group.sort_values("timestamp").reset_index(drop=True) for _, group in rows.groupby("icao24")
               if len(group) >= 2]

    def candidates(frame: pd.DataFrame) -> list[int]:
        x0, x1 = frame["lon"].min(), frame["lon"].max()
        y0, y1 = frame["lat"].min(), frame["lat"].max()
        return [k for k, (a, b, c, d) in enumerate(boxes) if a <= x1 and c >= x0 and b <= y1 and d >= y0]

    out = {"positions": int(len(rows)), "flights": len(flights), "single_fix_flights": int(rows["icao24"].nunique()) -
           len(flights)}
    started, found = time.perf_counter(), 0
    for frame in flights:
        flight = Flight(frame.rename(columns={"lat": "latitude", "lon": "longitude", "baroaltitude": "altitude"}))
        for k in candidates(frame):
            clipped = flight.clip(shapes[k])
            found += clipped is not None and len(clipped.data) > 0
    seconds = time.perf_counter() - started
    out["traffic"] = {"seconds": seconds, "positions_per_s": len(rows) / seconds, "clips": found}
    started, found = time.perf_counter(), 0
    for frame in flights:
        points = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs=4326)
        trajectory = mpd.Trajectory(points.set_index("timestamp"), str(frame["icao24"].iloc[0]))
        for k in candidates(frame):
            found += len(trajectory.clip(shapes[k]).trajectories) > 0
    seconds = time.perf_counter() - started
    out["movingpandas"] = {"seconds": seconds, "positions_per_s": len(rows) / seconds, "clips": found}
    out["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
