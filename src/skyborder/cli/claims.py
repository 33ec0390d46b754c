"""``skyborder claims``: can a passage's published figures all hold at once?"""
from __future__ import annotations

import json
import sys
from argparse import Namespace

from ..errors import BadInput, InputError
from ._common import EXIT_BAD_INPUT, EXIT_OK, emit, watched_airspaces
from .map import check_map_path


def parse_point(text: str) -> tuple[float, float]:
    """``LAT,LON`` degrees -> (lon, lat)."""
    try:
        lat, lon = (float(v) for v in text.split(","))
    except ValueError:
        raise InputError(f"{text!r}: expected LAT,LON in degrees, e.g. 35.81,36.15") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(f"{text!r}: latitude must be within +-90 and longitude within +-180 degrees")
    return lon, lat


def parse_speed_range(text: str | None) -> tuple[float, float] | None:
    """``960km/h`` (+-15 %) or ``700:1100km/h`` -> (low, high) m/s; None when not given."""
    from ..analysis.claims import SPEED_SPREAD
    from ..units import parse_quantity

    if text is None:
        return None
    if ":" in text:
        low, high = text.split(":", 1)
        unit = high.lstrip("+-.0123456789eE")
        return parse_quantity(low + unit, "speed")[0], parse_quantity(high, "speed")[0]
    value = parse_quantity(text, "speed")[0]
    return value * (1 - SPEED_SPREAD), value * (1 + SPEED_SPREAD)


def run(args: Namespace) -> int:
    from ..analysis.claims import DEFAULT_SPEED_MPS, Claimed, Claims, check_claims
    from ..report.claim_check import claims_json, claims_text, draw_claims_map
    from ..units import parse_quantity

    if args.map:
        check_map_path(args.map)
    bad = BadInput(echo=sys.stderr)
    airspaces = watched_airspaces(args, bad)
    if len(airspaces) != 1:
        raise InputError(f"claims are checked against one airspace; got {len(airspaces)} (use --airspace CODE)")
    claims = Claims(Claimed(*parse_quantity(args.duration, "duration")),
                    Claimed(*parse_quantity(args.length, "length")), Claimed(*parse_quantity(args.depth, "length")),
                    speed_mps=parse_speed_range(args.speed) or DEFAULT_SPEED_MPS)
    near = parse_point(args.near_point) if args.near_point else None
    check = check_claims(airspaces[0], claims, near, radius_m=args.radius, resolution_m=args.resolution)
    if args.format == "json":
        emit(json.dumps(claims_json(check), indent=1, ensure_ascii=False), args.output)
    else:
        emit(claims_text(check), args.output)
    if args.map:
        draw_claims_map(check, airspaces[0], args.map)
    bad.print_summary()
    return EXIT_BAD_INPUT if bad.total else EXIT_OK
