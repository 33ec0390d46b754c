"""The embedded world airspace dataset (land + internal waters + 12 NM territorial sea).

Built by ``scripts/build_world.py`` from the npm package ``@geo-maps/countries-maritime-10m``
0.6.0 (OpenStreetMap, November 2017; ODbL 1.0, (c) OpenStreetMap contributors). Loaded lazily,
once per process.

Overlaps between features are of two kinds. A dependency lying inside its sovereign's feature
(French Polynesia inside France's) is a hierarchy (``Airspace.sovereign``), not a dispute. A
*double claim* is an overlap of two other states' features in which one intersection polygon
covers at least 1 km² (Crimea RUS/UKR, Western Sahara MAR/ESH, Jerusalem ISR/PSE, the Ems-Dollard
DEU/NLD, ...); its claimed area is the union of those polygons only, so the digitising slivers
along shared borders (RUS/FIN: 46 slivers, the largest 0.9 km²) and the border line itself are
never claims. The claimed areas of different pairs do not overlap (checked by the build).
"""
from __future__ import annotations

from functools import cache
from importlib import resources
from typing import NamedTuple

import pyarrow.parquet as pq
import shapely

from ..errors import UnknownAirspaceError
from .model import Airspace

__all__ = ["DoubleClaim", "UnknownAirspaceError", "countries", "country", "double_claims", "rivals", "select"]

WORLD_FILE = "world.parquet"
CLAIMS_FILE = "double_claims.parquet"


class DoubleClaim(NamedTuple):
    """Two states claiming the same area: ISO alpha-3 codes, the claimed area and its size.

    ``geometry`` is a MultiPolygon in lon/lat degrees (edges straight in lon/lat) lying inside
    both features; ``area_km2`` is its geodesic area, ``largest_km2`` that of its largest polygon.
    """

    first: str
    second: str
    area_km2: float
    largest_km2: float
    geometry: shapely.MultiPolygon


def _read(name: str) -> dict[str, list]:
    path = resources.files("skyborder.airspace") / "data" / name
    with resources.as_file(path) as file:
        return pq.read_table(file).to_pydict()


@cache
def countries() -> dict[str, Airspace]:
    """All 250 embedded airspaces keyed by ISO alpha-3 code."""
    cols = _read(WORLD_FILE)
    geoms = shapely.from_wkb(cols["geometry"])
    return {
        code: Airspace(name=code, geometry=geom, label=name, kind="country", sovereign=sovereign,
                       source="embedded world dataset (OSM, ODbL)")
        for code, name, sovereign, geom in zip(cols["code"], cols["name"], cols["sovereign"], geoms)
    }


@cache
def double_claims() -> tuple[DoubleClaim, ...]:
    """The real double claims (see the module notes), largest area first.

    Examples
    --------
    >>> crimea = next(c for c in double_claims() if {c.first, c.second} == {"RUS", "UKR"})
    >>> round(crimea.area_km2, -2)
    44800.0
    """
    cols = _read(CLAIMS_FILE)
    return tuple(DoubleClaim(a, b, km2, largest, geom) for a, b, km2, largest, geom in zip(
        cols["claimant_a"], cols["claimant_b"], cols["area_km2"], cols["largest_km2"],
        shapely.from_wkb(cols["geometry"])))


def rivals() -> dict[str, list[str]]:
    """For each code in a double claim, the other claimants (sorted)."""
    other: dict[str, list[str]] = {}
    for claim in double_claims():
        other.setdefault(claim.first, []).append(claim.second)
        other.setdefault(claim.second, []).append(claim.first)
    return {code: sorted(names) for code, names in other.items()}


def country(code: str) -> Airspace:
    """The embedded airspace of one country by ISO alpha-3 code (case-insensitive)."""
    try:
        return countries()[code.upper()]
    except KeyError:
        raise UnknownAirspaceError(code) from None


def select(codes: str | list[str]) -> list[Airspace]:
    """Airspaces for a comma list or list of codes; ``"all"`` selects every one."""
    if isinstance(codes, str):
        codes = [c.strip() for c in codes.split(",") if c.strip()]
    if [c.lower() for c in codes] == ["all"]:
        return list(countries().values())
    return [country(c) for c in codes]
