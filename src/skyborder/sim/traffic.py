"""Simulated ADS-B traffic: aircraft flying geodesic routes, encoded as a transponder would.

Each aircraft broadcasts, from a per-aircraft phase offset: an airborne position every 0.5 s
(alternating even/odd CPR), an airborne velocity 0.25 s after each position, its
identification every 5 s, a DF5 identity reply (squawk) every 2 s and a DF11 acquisition
squitter every second. Between waypoints it follows the WGS84 geodesic at constant ground
speed and altitude; it is silent before its start and after its last waypoint.

The transmissions can be written as AVR (with 12 MHz ``@`` counters), Beast binary or SBS
(BaseStation) text, or pushed to a TCP ``host:port`` at real or accelerated speed. Times are
seconds from the scenario start; the 12 MHz counter is ``round(time * 12e6)``.
"""
from __future__ import annotations

import hashlib
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from ..errors import InputError
from ..geodesy import GEOD
from ..tracks.modes.framing import COUNTER_HZ, avr_line, beast_frame
from ..units import FOOT_M, KNOT_MPS
from . import encode

POSITION_PERIOD_S = 0.5
IDENT_PERIOD_S = 5.0
SQUAWK_PERIOD_S = 2.0
ALLCALL_PERIOD_S = 1.0
FORMATS = ("avr", "beast", "sbs")


@dataclass(frozen=True)
class Aircraft:
    """One simulated aircraft: route waypoints as (lat, lon) degrees, feet, knots, seconds."""

    icao24: str
    callsign: str
    route: tuple[tuple[float, float], ...]
    alt_ft: float
    speed_kt: float
    squawk: str = "2000"
    start_s: float = 0.0


@dataclass(frozen=True)
class Scenario:
    name: str
    aircraft: tuple[Aircraft, ...]
    duration_s: float


@dataclass(frozen=True)
class Emission:
    """One transmitted frame and the true state behind it (time in seconds from the start)."""

    time_s: float
    frame: bytes
    kind: str            # position | velocity | ident | squawk | allcall
    aircraft: Aircraft
    lat: float
    lon: float
    track_deg: float


def border_approach(duration_s: float = 600.0) -> Scenario:
    """Four aircraft around the Hatay salient of the Turkey–Syria border (35.9 N, 36.0 E): one
    from Syria that cuts across the salient's tip, a patrol over Türkiye, an airliner passing
    north of the border, and one that approaches from Syria and turns back short of it."""
    fleet = (
        Aircraft("15224d", "BORDR1", ((35.55, 35.95), (35.84, 36.06), (35.93, 36.12), (35.80, 36.30)),
                 19_000, 480, "7001"),
        Aircraft("4b8e21", "PATROL1", ((36.20, 35.95), (36.15, 36.35), (36.20, 35.95)), 25_000, 420, "4601"),
        Aircraft("4bb1a2", "SKY101", ((36.60, 35.20), (36.30, 37.30)), 37_000, 460, "2312", 20.0),
        Aircraft("778a01", "APRCH1", ((35.50, 36.40), (35.78, 36.24), (35.50, 36.08)), 12_000, 300, "1200", 5.0),
    )
    return Scenario("border-approach", fleet, duration_s)


def busy(count: int = 50, seed: int = 0, duration_s: float = 600.0) -> Scenario:
    """``count`` aircraft on random straight routes within about 2 degrees of 35.9 N 36.0 E."""
    rng = np.random.default_rng(seed)
    addresses = rng.choice(np.arange(0x700000, 0x7FFFFF), size=count, replace=False)
    fleet = []
    for n, address in enumerate(addresses):
        a, b = rng.uniform((33.9, 34.0), (37.9, 38.0), size=(2, 2))
        fleet.append(Aircraft(f"{address:06x}", f"SIM{n:04d}", (tuple(a), tuple(b)),
                              float(rng.uniform(5_000, 40_000)), float(rng.uniform(250, 500)),
                              f"{rng.integers(0, 8 ** 4):04o}", float(rng.uniform(0, 30))))
    return Scenario("busy", tuple(fleet), duration_s)


SCENARIOS = ("border-approach", "busy")


def scenario(name: str, duration_s: float = 600.0, aircraft: int = 50, seed: int = 0) -> Scenario:
    """A scenario by name (``SCENARIOS``); ``aircraft`` and ``seed`` apply to ``busy``."""
    if name == "border-approach":
        return border_approach(duration_s)
    if name == "busy":
        return busy(aircraft, seed, duration_s)
    raise InputError(f"unknown scenario {name!r}; choose one of {', '.join(SCENARIOS)}")


def parse_target(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (IPv6 as ``[::1]:PORT``) -> (host, port)."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"push target must be HOST:PORT, got {text!r}")
    return host.strip("[]"), int(port)


def positions(aircraft: Aircraft, times_s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(lat, lon, track degrees, flying) of an aircraft at scenario times (seconds)."""
    route = np.asarray(aircraft.route, dtype=float)
    az, _, length = GEOD.inv(route[:-1, 1], route[:-1, 0], route[1:, 1], route[1:, 0])
    az, length = np.atleast_1d(az), np.atleast_1d(length)
    ends = np.cumsum(length)
    along = (np.asarray(times_s, dtype=float) - aircraft.start_s) * aircraft.speed_kt * KNOT_MPS
    flying = (along >= 0) & (along <= ends[-1])
    leg = np.clip(np.searchsorted(ends, along, side="left"), 0, len(ends) - 1)
    lon, lat, back = GEOD.fwd(route[leg, 1], route[leg, 0], az[leg], along - (ends[leg] - length[leg]))
    return np.asarray(lat), np.asarray(lon), (np.asarray(back) + 180.0) % 360.0, flying


def _phase(icao24: str) -> float:
    """A fixed transmit offset in [0.05, 0.45) s so aircraft do not all speak at once."""
    return 0.05 + int(hashlib.sha256(icao24.encode()).hexdigest()[:4], 16) % 400 / 1000.0


def _aircraft_emissions(ac: Aircraft, duration_s: float) -> list[Emission]:
    first = ac.start_s + _phase(ac.icao24)
    base = np.arange(first, duration_s, POSITION_PERIOD_S)
    lat, lon, track, flying = positions(ac, base)
    base, lat, lon, track = base[flying], lat[flying], lon[flying], track[flying]
    if not len(base):
        return []
    odd = (np.arange(len(base)) % 2).astype(bool)
    yz, xz = encode.cpr_encode(lat, lon, odd)
    alt = encode.altitude_code(ac.alt_ft) << 36
    out = []
    for i, t in enumerate(base.tolist()):
        me = (11 << 51) | alt | (int(odd[i]) << 34) | (int(yz[i]) << 17) | int(xz[i])
        state = (ac, float(lat[i]), float(lon[i]), float(track[i]))
        out.append(Emission(t, encode.extended_squitter(ac.icao24, me), "position", *state))
        velocity = encode.airborne_velocity_me(ac.speed_kt, float(track[i]))
        out.append(Emission(t + 0.25, encode.extended_squitter(ac.icao24, velocity), "velocity", *state))
        step = round((t - first) / POSITION_PERIOD_S)
        if step % round(IDENT_PERIOD_S / POSITION_PERIOD_S) == 0:
            ident = encode.identification_me(ac.callsign)
            out.append(Emission(t + 0.1, encode.extended_squitter(ac.icao24, ident), "ident", *state))
        if step % round(SQUAWK_PERIOD_S / POSITION_PERIOD_S) == 1:
            out.append(Emission(t + 0.2, encode.surveillance_identity(ac.icao24, ac.squawk), "squawk", *state))
        if step % round(ALLCALL_PERIOD_S / POSITION_PERIOD_S) == 1:
            out.append(Emission(t + 0.3, encode.acquisition_squitter(ac.icao24), "allcall", *state))
    return out


def emissions(scenario: Scenario) -> list[Emission]:
    """Every frame the scenario's aircraft transmit, in time order."""
    out = [e for ac in scenario.aircraft for e in _aircraft_emissions(ac, scenario.duration_s)]
    out.sort(key=lambda e: e.time_s)
    return out


def truth(items: Iterable[Emission]) -> pd.DataFrame:
    """The true positions behind the position frames: time_s, icao24, lat, lon, alt_m, track_deg."""
    rows = [(e.time_s, e.aircraft.icao24, e.lat, e.lon, e.aircraft.alt_ft * FOOT_M, e.track_deg)
            for e in items if e.kind == "position"]
    return pd.DataFrame(rows, columns=["time_s", "icao24", "lat", "lon", "alt_m", "track_deg"])


def counter(time_s: float) -> int:
    """The 12 MHz counter value of a scenario time."""
    return int(round(time_s * COUNTER_HZ))


def sbs_line(e: Emission, start_time: float) -> str | None:
    """The BaseStation (SBS) line for an emission; None for DF11 squitters (no SBS meaning)."""
    stamp = datetime.fromtimestamp(start_time + e.time_s, UTC)
    when = f"{stamp:%Y/%m/%d},{stamp:%H:%M:%S}.{stamp.microsecond // 1000:03d}"
    ac = e.aircraft
    fields = {
        "ident": ("1", ac.callsign, "", "", "", "", "", "", ""),
        "position": ("3", "", f"{ac.alt_ft:.0f}", "", "", f"{e.lat:.5f}", f"{e.lon:.5f}", "", ""),
        "velocity": ("4", "", "", f"{ac.speed_kt:.0f}", f"{e.track_deg:.1f}", "", "", "0", ""),
        "squawk": ("6", "", "", "", "", "", "", "", ac.squawk),
    }.get(e.kind)
    if fields is None:
        return None
    kind, *rest = fields
    return ",".join(["MSG", kind, "1", "1", ac.icao24.upper(), "1", when, when, *rest, "0", "0", "0", "0"])


def serialize(items: Iterable[Emission], fmt: str, start_time: float = 0.0) -> Iterable[tuple[float, bytes]]:
    """(time s, bytes on the wire) per emission in the chosen format (``FORMATS``)."""
    for e in items:
        if fmt == "avr":
            yield e.time_s, (avr_line(e.frame, counter(e.time_s)) + "\n").encode()
        elif fmt == "beast":
            yield e.time_s, beast_frame(e.frame, counter(e.time_s))
        elif fmt == "sbs":
            line = sbs_line(e, start_time)
            if line is not None:
                yield e.time_s, (line + "\r\n").encode()
        else:
            raise InputError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def write(items: Iterable[Emission], fmt: str, path: str, start_time: float = 0.0) -> int:
    """Write the emissions to a file; returns the number of records written."""
    count = 0
    with open(path, "wb") as out:
        for _, data in serialize(items, fmt, start_time):
            out.write(data)
            count += 1
    return count


def push(items: Iterable[Emission], fmt: str, host: str, port: int, speed: float = 1.0,
         start_time: float = 0.0, batch_s: float = 0.05) -> int:
    """Send the emissions to ``host:port`` over TCP, ``speed`` times faster than real time
    (0 = as fast as possible); returns the number of records sent."""
    count = 0
    try:
        sock = socket.create_connection((host, port), timeout=10)
    except OSError as exc:
        raise InputError(f"cannot connect to {host}:{port}: {exc.strerror or exc}") from None
    with sock:
        t0 = time.monotonic()
        pending: list[bytes] = []
        due = 0.0
        for t, data in serialize(items, fmt, start_time):
            wall = t / speed if speed > 0 else 0.0
            if wall > due and pending:
                sock.sendall(b"".join(pending))
                count += len(pending)
                pending = []
            if wall > due:
                time.sleep(max(0.0, t0 + wall - time.monotonic()))
                due = wall + batch_s
            pending.append(data)
        if pending:
            sock.sendall(b"".join(pending))
            count += len(pending)
    return count
