"""ADS-B / Mode S frame encoder (DO-260B layouts): what a transponder would send.

Frames are ``bytes`` (7 for short, 14 for long). ME fields are 56-bit ints, bit 1 of the ME
(message bit 33) being the most significant. Units: feet, knots and feet/minute on the wire,
as the standard defines them; degrees for positions and angles.

- DF17 extended squitter: identification (TC 1-4), airborne position with barometric
  altitude (TC 9-18, CPR even/odd, 25 ft Q-bit altitude), airborne velocity (TC 19 subtype 1,
  ground speed), emergency status with the Mode A code (TC 28 subtype 1);
- DF5 surveillance identity reply (squawk) and DF11 acquisition squitter.
"""
from __future__ import annotations

import math

import numpy as np

from ..tracks.modes.crc import parity

CPR_BITS = 17
CPR_SCALE = float(1 << CPR_BITS)
NZ = 15  # latitude zones per hemisphere quadrant (DO-260B)
CHARSET = "#ABCDEFGHIJKLMNOPQRSTUVWXYZ##### ###############0123456789######"
ALT_MIN_FT, ALT_MAX_FT = -1000.0, 50175.0  # range of the 25 ft (Q = 1) altitude code


def _address(icao: int | str) -> int:
    value = int(icao, 16) if isinstance(icao, str) else int(icao)
    if not 0 <= value <= 0xFFFFFF:
        raise ValueError(f"ICAO address out of range: {icao!r}")
    return value


def extended_squitter(icao: int | str, me: int, capability: int = 5, df: int = 17) -> bytes:
    """A 112-bit DF17 (or DF18) frame: DF, CA, address, ME and its CRC-24 parity."""
    head = ((df & 0x1F) << 107) | ((capability & 0x7) << 104) | (_address(icao) << 80) | (me << 24)
    data = head.to_bytes(14, "big")[:11]
    return data + parity(data).to_bytes(3, "big")


def identification_me(callsign: str, typecode: int = 4, category: int = 0) -> int:
    """TC 1-4 aircraft identification: up to 8 characters of A-Z, 0-9 and space."""
    if not 1 <= typecode <= 4:
        raise ValueError("identification type code must be 1-4")
    text = callsign.upper().ljust(8)
    if len(text) > 8 or any(c == "#" or c not in CHARSET for c in text):
        raise ValueError(f"callsign not encodable: {callsign!r}")
    me = (typecode << 51) | ((category & 0x7) << 48)
    for k, char in enumerate(text):
        me |= CHARSET.index(char) << (42 - 6 * k)
    return me


def altitude_code(alt_ft: float) -> int:
    """12-bit altitude field with the Q bit set: 25 ft steps from -1000 ft."""
    if not ALT_MIN_FT <= alt_ft <= ALT_MAX_FT:
        raise ValueError(f"altitude {alt_ft} ft outside the 25 ft code range")
    n = int(math.floor((alt_ft + 1000.0) / 25.0 + 0.5))
    return ((n & 0x7F0) << 1) | 0x10 | (n & 0xF)


def cpr_nl(lat: float | np.ndarray) -> np.ndarray:
    """Number of longitude zones at a latitude (DO-260B closed form), 1-59."""
    lat = np.abs(np.asarray(lat, dtype=float))
    with np.errstate(invalid="ignore", divide="ignore"):
        a = 1.0 - (1.0 - np.cos(np.pi / (2 * NZ))) / np.cos(np.radians(lat)) ** 2
        nl = np.floor(2.0 * np.pi / np.arccos(a))
    nl = np.where(lat == 0.0, 59, nl)
    nl = np.where(lat == 87.0, 2, nl)
    return np.where(lat > 87.0, 1, nl).astype(int)


def cpr_encode(lat: float | np.ndarray, lon: float | np.ndarray, odd: bool | np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """Airborne CPR (17 bits) of WGS84 degrees: (YZ, XZ) for the even (odd=False) or odd format."""
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    i = np.asarray(odd, dtype=int)
    dlat = 360.0 / (4 * NZ - i)
    yz = np.floor(CPR_SCALE * np.mod(lat, dlat) / dlat + 0.5)
    rlat = dlat * (yz / CPR_SCALE + np.floor(lat / dlat))
    zones = cpr_nl(rlat) - i
    dlon = np.where(zones > 0, 360.0 / np.maximum(zones, 1), 360.0)
    xz = np.floor(CPR_SCALE * np.mod(lon, dlon) / dlon + 0.5)
    mask = (1 << CPR_BITS) - 1
    return yz.astype(np.int64) & mask, xz.astype(np.int64) & mask


def airborne_position_me(lat: float, lon: float, alt_ft: float, odd: bool, typecode: int = 11,
                         surveillance: int = 0, utc_sync: bool = False) -> int:
    """TC 9-18 airborne position with barometric altitude, CPR-encoded in the given format."""
    if not 9 <= typecode <= 18:
        raise ValueError("barometric airborne position type code must be 9-18")
    yz, xz = cpr_encode(lat, lon, odd)
    return ((typecode << 51) | ((surveillance & 0x3) << 49) | (altitude_code(alt_ft) << 36)
            | (int(utc_sync) << 35) | (int(odd) << 34) | (int(yz) << 17) | int(xz))


def _signed_field(value: float, step: float, bits: int) -> tuple[int, int]:
    """(sign bit, magnitude field) where the field is |value|/step + 1, 0 meaning 'unknown'."""
    top = (1 << bits) - 1
    return int(value < 0), min(int(math.floor(abs(value) / step + 0.5)) + 1, top)


def airborne_velocity_me(ground_speed_kt: float, track_deg: float, vertical_rate_fpm: float = 0.0,
                         baro_vertical_rate: bool = True, geo_minus_baro_ft: float | None = None,
                         nac_v: int = 0, ifr_capable: bool = False) -> int:
    """TC 19 subtype 1 (subsonic ground speed): east/north components in whole knots."""
    angle = math.radians(track_deg)
    east_neg, east = _signed_field(ground_speed_kt * math.sin(angle), 1.0, 10)
    north_neg, north = _signed_field(ground_speed_kt * math.cos(angle), 1.0, 10)
    vr_neg, vr = _signed_field(vertical_rate_fpm, 64.0, 9)
    dalt_neg, dalt = (0, 0) if geo_minus_baro_ft is None else _signed_field(geo_minus_baro_ft, 25.0, 7)
    return ((19 << 51) | (1 << 48) | (int(ifr_capable) << 46) | ((nac_v & 0x7) << 43) | (east_neg << 42) | (east << 32)
            | (north_neg << 31) | (north << 21) | (int(baro_vertical_rate) << 20) | (vr_neg << 19)
            | (vr << 10) | (dalt_neg << 7) | dalt)


def identity_code(squawk: str) -> int:
    """The 13-bit Mode A field (C1 A1 C2 A2 C4 A4 X B1 D1 B2 D2 B4 D4) of a 4-digit octal squawk."""
    if len(squawk) != 4 or any(c not in "01234567" for c in squawk):
        raise ValueError(f"squawk must be 4 octal digits: {squawk!r}")
    a, b, c, d = (int(ch) for ch in squawk)
    bits = (c & 1, a & 1, c >> 1 & 1, a >> 1 & 1, c >> 2 & 1, a >> 2 & 1, 0,
            b & 1, d & 1, b >> 1 & 1, d >> 1 & 1, b >> 2 & 1, d >> 2 & 1)
    return int("".join(map(str, bits)), 2)


def emergency_status_me(squawk: str, emergency: int = 0) -> int:
    """TC 28 subtype 1: emergency/priority state and the Mode A code."""
    return (28 << 51) | (1 << 48) | ((emergency & 0x7) << 45) | (identity_code(squawk) << 32)


def surveillance_identity(icao: int | str, squawk: str, flight_status: int = 0,
                          utility_message: int = 0) -> bytes:
    """A 56-bit DF5 reply: its last 24 bits are parity XOR the address."""
    head = ((5 << 27) | ((flight_status & 0x7) << 24) | ((utility_message & 0x3F) << 13)
            | identity_code(squawk))
    data = head.to_bytes(4, "big")
    return data + (parity(data) ^ _address(icao)).to_bytes(3, "big")


def acquisition_squitter(icao: int | str, capability: int = 5) -> bytes:
    """A 56-bit DF11 all-call squitter (interrogator code 0: plain parity)."""
    data = ((11 << 27) | ((capability & 0x7) << 24) | _address(icao)).to_bytes(4, "big")
    return data + parity(data).to_bytes(3, "big")
