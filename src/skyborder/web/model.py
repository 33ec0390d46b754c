"""What the radar page is told, and the two protocols the server reads its data through.

``LiveSource`` is the live picture (what ``watch`` knows now); ``RegisterReader`` is the
register (passages, warnings, acknowledgements). The server never imports ``watch`` or
``register``: the command line hands it adapters that satisfy these protocols. Both are called
from the server's thread while the watch runs in another, so implementations must return
snapshots (copies), never live mutable state.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

import pandas as pd

from ..airspace.model import Airspace
from ..errors import InputError


@dataclass(frozen=True)
class Field:
    """One column of the live aircraft table: name, unit ("" when none), meaning."""

    name: str
    unit: str
    meaning: str


AIRCRAFT_FIELDS: tuple[Field, ...] = (
    Field("icao24", "", "24-bit ICAO address, six lower-case hex digits (the key)"),
    Field("callsign", "", "flight identification as broadcast, '' when not yet received"),
    Field("lat", "deg", "latitude of the last position, WGS84"),
    Field("lon", "deg", "longitude of the last position, WGS84"),
    Field("alt_m", "m", "pressure (barometric) altitude; null when unknown"),
    Field("speed_mps", "m/s", "ground speed; null when unknown"),
    Field("track_deg", "deg", "track over ground, clockwise from true north; null when unknown"),
    Field("vrate_mps", "m/s", "vertical rate, positive climbing; null when unknown"),
    Field("squawk", "", "Mode A code, four octal digits, '' when unknown"),
    Field("country", "", "ISO alpha-3 code of the State of registry (from the ICAO address), '' unknown"),
    Field("military", "", "true when a military address block or callsign prefix matched"),
    Field("age_s", "s", "seconds since the last position was received"),
    Field("stage", "", "the highest warning stage now: '', 'predicted', 'imminent' or 'inside'"),
    Field("airspace", "", "the airspace of that warning ('' when none)"),
)
AIRCRAFT_COLUMNS: tuple[str, ...] = tuple(f.name for f in AIRCRAFT_FIELDS)
TEXT_COLUMNS = ("icao24", "callsign", "squawk", "country", "stage", "airspace")
FLOAT_COLUMNS = ("lat", "lon", "alt_m", "speed_mps", "track_deg", "vrate_mps", "age_s")
STAGES = ("predicted", "imminent", "inside")
EVENT_KINDS = ("warning", "warning_cleared", "passage_opened", "passage_closed", "feed_down", "feed_up",
               "acknowledged")
MAX_LIMIT = 5000


@dataclass(frozen=True)
class Query:
    """A filter for passages and warnings: a period (UTC), airspaces, States of registry,
    military only, and at most ``limit`` rows (newest first)."""

    since: datetime | None = None
    until: datetime | None = None
    airspaces: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    military: bool | None = None
    limit: int = 500


@runtime_checkable
class LiveSource(Protocol):
    """The live picture: what the watch knows about each aircraft now."""

    def aircraft(self) -> pd.DataFrame:
        """A snapshot of every live aircraft: one row each, columns from ``AIRCRAFT_COLUMNS``
        (missing ones are filled with empty values)."""
        ...

    def status(self) -> dict[str, Any]:
        """The feed's state, at least ``{"feed": "up" | "down" | "none"}``; counters may follow."""
        ...


@runtime_checkable
class RegisterReader(Protocol):
    """The register, read side, plus the one write the page may make: acknowledging a warning."""

    def passages(self, query: Query) -> list[dict[str, Any]]:
        """Passages matching ``query``, newest first: the result columns (``detection.result``)
        as JSON values, plus ``id``, ``callsign``, ``country`` and ``military``."""
        ...

    def passage(self, passage_id: str) -> dict[str, Any] | None:
        """One passage with ``path`` (its inside path: ``time`` ISO strings, ``lon``, ``lat``,
        ``alt_m``) and ``track`` (the surrounding fixes, same keys); None when unknown."""
        ...

    def warnings(self, query: Query) -> list[dict[str, Any]]:
        """Warnings matching ``query``, newest first (``id``, ``time``, ``track_id``,
        ``airspace``, ``stage``, ``message``, ``acknowledged`` ...)."""
        ...

    def acknowledge(self, warning_id: str, by: str, note: str = "") -> dict[str, Any] | None:
        """Record that ``by`` acknowledged the warning; the acknowledgement, or None when the
        warning is unknown."""
        ...


@dataclass(frozen=True)
class ReferencePoint:
    """The centre of the range rings: a named point (degrees)."""

    lat: float
    lon: float
    name: str = ""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lat) and math.isfinite(self.lon) and -90 <= self.lat <= 90
                and -180 <= self.lon <= 180):
            raise ValueError(f"reference point out of range: {self.lat}, {self.lon}")


@dataclass(frozen=True)
class PageSettings:
    """What the page needs to know once: its title, the watched airspaces (country codes and
    custom zones), the reference point of the range rings, and the ring spacing (m)."""

    title: str = "skyborder"
    watched: tuple[str, ...] = ()
    zones: Sequence[Airspace] = field(default_factory=tuple)
    reference: ReferencePoint | None = None
    ring_step_m: float = 25 * 1852.0
    ring_count: int = 8


def parse_reference(text: str) -> ReferencePoint:
    """``"LAT,LON[,NAME]"`` (degrees) -> a ReferencePoint; ``InputError`` when malformed.

    Examples
    --------
    >>> parse_reference("35.41,35.95,Hmeymim")
    ReferencePoint(lat=35.41, lon=35.95, name='Hmeymim')
    """
    parts = [p.strip() for p in text.split(",", 2)]
    try:
        lat, lon = float(parts[0]), float(parts[1])
        return ReferencePoint(lat, lon, parts[2] if len(parts) > 2 else "")
    except (ValueError, IndexError):
        raise InputError(f"reference point must be LAT,LON[,NAME] in degrees, got {text!r}") from None
