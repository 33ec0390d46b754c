"""The 24 Nov 2015 Su-24 case: two reconstructed tracks and the published claims.

The tracks are APPROXIMATIONS rebuilt from published maps and statements (see the comment header
of each CSV and ``reconstruct.py``); ``claims.json`` lists the claims with their sources.
"""
from __future__ import annotations

import json
from functools import cache
from importlib import resources

import pandas as pd

from ..geodesy import GEOD
from ..tracks import schema
from ..units import NAUTICAL_MILE_M

DATA = resources.files("skyborder.demo") / "data"
TRACK_FILES = ("tr_claim.csv", "ru_claim.csv")


def tracks() -> pd.DataFrame:
    """Both reconstructed tracks (``TR-claim``, ``RU-claim``) as one track table; ``#`` lines are comments."""
    frames = []
    for name in TRACK_FILES:
        with resources.as_file(DATA / name) as path:
            frames.append(pd.read_csv(path, comment="#", dtype={"callsign": "string"}))
    return schema.normalize(pd.concat(frames, ignore_index=True))


@cache
def claims() -> dict:
    """The published claims, sources, warnings and places (``claims.json``)."""
    return json.loads((DATA / "claims.json").read_text(encoding="utf-8"))


def warning_times() -> pd.DatetimeIndex:
    """The 10 GUARD warnings (UTC), evenly spaced over the five minutes before the claimed entry."""
    return pd.DatetimeIndex(pd.to_datetime(claims()["warnings"]["times_utc"], utc=True)).as_unit("ns")


def warned_position() -> tuple[float, float]:
    """(lon, lat) degrees of "Humeymim 020, 26 miles": 20 deg true, 26 NM along the WGS84 geodesic."""
    w = claims()["warned_position"]
    lon, lat, _ = GEOD.fwd(w["reference_lon"], w["reference_lat"], w["bearing_deg"],
                           w["distance_nm"] * NAUTICAL_MILE_M)
    return float(lon), float(lat)


def claim(key: str) -> dict:
    """One claim of ``claims.json`` by its key (e.g. ``"duration"``)."""
    return next(c for c in claims()["claims"] if c["key"] == key)
