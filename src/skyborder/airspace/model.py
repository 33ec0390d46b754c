"""The airspace model: a named lateral area with optional vertical limits."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import shapely

__all__ = ["VERTICAL_REFERENCES", "Airspace"]

#: What a vertical limit is measured from (``Airspace.floor_ref`` / ``ceiling_ref``):
#: ``FL`` a flight level, i.e. pressure altitude on the standard atmosphere (1013.25 hPa);
#: ``AMSL`` true altitude above mean sea level; ``AGL`` height above the ground;
#: ``SFC`` the surface itself (``GND``), whatever its elevation.
VERTICAL_REFERENCES = ("FL", "AMSL", "AGL", "SFC")


@dataclass(frozen=True)
class Airspace:
    """One airspace: a country's sovereign airspace or a custom zone.

    ``geometry`` is a shapely Polygon or MultiPolygon in lon/lat degrees (WGS84) whose edges are
    straight lines in lon/lat. ``floor_m`` / ``ceiling_m`` are the vertical limits in metres
    (``-inf`` / ``inf`` when unlimited), each measured in its own reference ``floor_ref`` /
    ``ceiling_ref`` (one of VERTICAL_REFERENCES, default ``AMSL``): FL95 is ``floor_m`` 2895.6
    (9,500 ft of pressure altitude) with ``floor_ref`` ``"FL"``; the surface is ``0`` with
    ``"SFC"``. Detection compares each limit with the altitude of its own reference (see
    ``detection.vertical``). ``name`` is the ``airspace`` value in results (ISO alpha-3 code for
    countries, the zone name for custom zones): names repeat (a German OpenAir file has 15 zones
    called "Frankfurt"), so ``id`` identifies an airspace, stably and uniquely within its file
    (zone readers set it; empty means the name, as for countries). ``airspace_class`` is the
    class as the file gives it (OpenAir ``AC``: ``C``, ``R``, ``CTR``), ``airspace_type`` its
    type (OpenAir ``AY``; ``"country"`` for a country).
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
    floor_ref: str = "AMSL"
    ceiling_ref: str = "AMSL"
    id: str = ""
    airspace_class: str = ""
    airspace_type: str = ""

    def __post_init__(self) -> None:
        for ref in (self.floor_ref, self.ceiling_ref):
            if ref not in VERTICAL_REFERENCES:
                raise ValueError(f"vertical reference {ref!r} is not one of {', '.join(VERTICAL_REFERENCES)}")

    @property
    def key(self) -> str:
        """The airspace's id in results: ``id``, else its name (a country's ISO code)."""
        return self.id or self.name

    @property
    def has_vertical_limits(self) -> bool:
        return math.isfinite(self.floor_m) or math.isfinite(self.ceiling_m)
