"""The airspace model: a named lateral area with optional vertical limits."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import shapely


@dataclass(frozen=True)
class Airspace:
    """One airspace: a country's sovereign airspace or a custom zone.

    ``geometry`` is a shapely Polygon or MultiPolygon in lon/lat degrees (WGS84) whose edges are
    straight lines in lon/lat. ``floor_m`` / ``ceiling_m`` are altitudes in metres above mean
    sea level (``-inf`` / ``inf`` when unlimited). ``name`` is the ``airspace`` value in results
    (ISO alpha-3 code for countries, the zone name for custom zones): names repeat (a German
    OpenAir file has 15 zones called "Frankfurt"), so ``id`` identifies an airspace, stably and
    uniquely within its file (zone readers set it; empty means the name, as for countries).
    ``airspace_class`` is the class as the file gives it (OpenAir ``AC``: ``C``, ``R``, ``CTR``),
    ``airspace_type`` its type (OpenAir ``AY``; ``"country"`` for a country).
    """

    name: str
    geometry: shapely.Geometry
    floor_m: float = -math.inf
    ceiling_m: float = math.inf
    label: str = ""
    kind: str = "zone"  # "country" or "zone"
    sovereign: str | None = None  # for a dependency lying inside its sovereign's feature
    source: str = ""  # file (and line) it was read from, for messages
    properties: dict = field(default_factory=dict, compare=False, hash=False)
    id: str = ""
    airspace_class: str = ""
    airspace_type: str = ""

    @property
    def key(self) -> str:
        """The airspace's id in results: ``id``, else its name (a country's ISO code)."""
        return self.id or self.name

    @property
    def has_vertical_limits(self) -> bool:
        return math.isfinite(self.floor_m) or math.isfinite(self.ceiling_m)
