"""skyborder: exact geodesic detection of aircraft crossing national airspace and custom zones.

The flat public face (each name is loaded on first use, so ``import skyborder`` and the command
line start fast):

- :func:`read_tracks` - any track file (CSV, Parquet, OpenSky, SBS, AVR/Beast, readsb, GPX, KML,
  GeoJSON, ...) into the one track table (``skyborder.tracks.schema``);
- :func:`read_zones` - custom zones from OpenAir or GeoJSON files;
- :func:`airspaces` - the embedded countries' sovereign airspaces by ISO alpha-3 code;
- :func:`detect` - every passage through the airspaces, with depth, length, gaps, double claims
  and near misses (columns: ``skyborder.detection.result``);
- :func:`open_feed` - a live feed (``sbs://``, ``beast://``, ``raw://HOST:PORT``, a growing file,
  ``-``) as track-table batches;
- :class:`AirspaceIndex` - the compiled point-in-airspace index (build once, reuse).

Examples
--------
A straight leg across the southern tip of the Hatay salient (two fixes two minutes apart):

>>> import pandas as pd
>>> import skyborder
>>> tracks = pd.DataFrame({"time": ["2015-11-24T07:23:00Z", "2015-11-24T07:25:00Z"],
...                        "track_id": ["SU24", "SU24"], "lat": [35.78, 35.86], "lon": [36.00, 36.30],
...                        "alt_m": [5791.0, 5791.0]})
>>> result = skyborder.detect(tracks, skyborder.airspaces("TUR,SYR"), max_gap_s=300, near_m=0)
>>> result[["airspace", "status"]].to_dict("records")
[{'airspace': 'SYR', 'status': 'open_start'}, {'airspace': 'SYR', 'status': 'open_end'}, \
{'airspace': 'TUR', 'status': 'closed'}]
>>> inside = result[result["airspace"] == "TUR"].iloc[0]
>>> f"{inside['duration_s']:.1f} s, {inside['length_inside_m'] / 1000:.2f} km, entry {inside['entry_time']:%H:%M:%S}"
'9.5 s, 2.25 km, entry 07:23:55'
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .airspace.index import AirspaceIndex
    from .airspace.world import select as airspaces
    from .airspace.zones import read_zones
    from .detection.engine import detect
    from .tracks.feeds import open_feed
    from .tracks.readers.sniff import read_tracks

# public name -> (module, attribute)
_PUBLIC = {
    "AirspaceIndex": ("skyborder.airspace.index", "AirspaceIndex"),
    "airspaces": ("skyborder.airspace.world", "select"),
    "detect": ("skyborder.detection.engine", "detect"),
    "open_feed": ("skyborder.tracks.feeds", "open_feed"),
    "read_tracks": ("skyborder.tracks.readers.sniff", "read_tracks"),
    "read_zones": ("skyborder.airspace.zones", "read_zones"),
}

__all__ = ["AirspaceIndex", "__version__", "airspaces", "detect", "open_feed", "read_tracks", "read_zones"]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        module, attribute = _PUBLIC[name]
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'skyborder' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
