"""The embedded world airspace dataset (land + internal waters + 12 NM territorial sea).

Built by ``scripts/build_world.py`` from the npm package ``@geo-maps/countries-maritime-10m``
0.6.0 (OpenStreetMap, November 2017; ODbL 1.0, (c) OpenStreetMap contributors). Loaded lazily,
once per process.
"""
from __future__ import annotations

import json
from functools import cache
from importlib import resources

import pyarrow.parquet as pq
import shapely

from ..errors import UnknownAirspaceError
from .model import Airspace

__all__ = ["UnknownAirspaceError", "countries", "country", "double_claims", "rivals", "select"]

WORLD_FILE = "world.parquet"


@cache
def _load() -> tuple[dict[str, Airspace], tuple[tuple[str, str, float], ...]]:
    path = resources.files("skyborder.airspace") / "data" / WORLD_FILE
    with resources.as_file(path) as file:
        table = pq.read_table(file)
    meta = table.schema.metadata or {}
    claims = tuple((a, b, float(km2)) for a, b, km2 in json.loads(meta.get(b"double_claims", b"[]")))
    cols = table.to_pydict()
    geoms = shapely.from_wkb(cols["geometry"])
    countries = {
        code: Airspace(name=code, geometry=geom, label=name, kind="country", sovereign=sovereign,
                       source="embedded world dataset (OSM, ODbL)")
        for code, name, sovereign, geom in zip(cols["code"], cols["name"], cols["sovereign"], geoms)
    }
    return countries, claims


def countries() -> dict[str, Airspace]:
    """All 250 embedded airspaces keyed by ISO alpha-3 code."""
    return _load()[0]


def double_claims() -> tuple[tuple[str, str, float], ...]:
    """Pairs of codes whose airspaces overlap as competing claims, with the overlap in km2."""
    return _load()[1]


def rivals() -> dict[str, list[str]]:
    """For each code in a double claim, the other claimants (sorted)."""
    other: dict[str, list[str]] = {}
    for a, b, _ in double_claims():
        other.setdefault(a, []).append(b)
        other.setdefault(b, []).append(a)
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
