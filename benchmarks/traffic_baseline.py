"""The baseline side of bench_traffic.py: runs inside a virtual environment that has ``traffic``.

Exports the OpenSky sample shipped in the traffic wheel (``traffic.data.samples.switzerland``)
as a skyborder track table (one track per traffic Flight), then times traffic's own clipping of
every flight to a polygon read from a WKB file (``Flight.clip_iterate``, each piece collected).
Prints JSON: fixes, flights, pieces, seconds, peak RSS (MB).

Run (by bench_traffic.py): .venv-traffic/bin/python benchmarks/traffic_baseline.py SHAPE.wkb OUT.parquet
"""
from __future__ import annotations

import json
import resource
import sys
import time

import pandas as pd
import shapely
from traffic.data.samples import switzerland

FOOT_M = 0.3048


def main() -> None:
    shape_path, out_path = sys.argv[1], sys.argv[2]
    with open(shape_path, "rb") as handle:
        shape = shapely.from_wkb(handle.read())
    flights = list(switzerland)
    frames = []
    for k, flight in enumerate(flights):
        d = flight.data
        frames.append(pd.DataFrame({"time": d["timestamp"], "track_id": f"F{k:05d}", "icao24": d["icao24"],
                                    "callsign": d["callsign"], "lat": d["latitude"], "lon": d["longitude"],
                                    "alt_m": d["altitude"] * FOOT_M}))
    pd.concat(frames, ignore_index=True).to_parquet(out_path)
    start = time.perf_counter()
    pieces = sum(len(list(flight.clip_iterate(shape))) for flight in flights)
    seconds = time.perf_counter() - start
    print(json.dumps({"fixes": int(sum(len(f) for f in flights)), "flights": len(flights), "pieces": pieces,
                      "seconds": seconds, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
