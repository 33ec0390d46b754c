"""Mode S frames -> track fixes, decoded with pyModeS.

Batch steps per call: a vectorised CRC-24 and header extraction (numpy) selects the frames
worth decoding; only those reach pyModeS, one frame at a time in arrival order:

- DF17/18 with a bad CRC are reported (kind ``crc``) and dropped *before* pyModeS, so they
  never take part in CPR pairing;
- airborne positions (TC 9-18, 20-22) go through one ``pyModeS.PipeDecoder``, which pairs
  even/odd CPR frames, holds the first positions of an aircraft until three agree, and then
  resolves frames locally. Each result is copied right after its decode call (the decoder
  later writes the newer frame's position into the older frame's result). Frames held while
  the decoder bootstraps are resolved afterwards against the first accepted position
  (pyModeS ``airborne_position_with_ref``), so no fix is lost;
- positions pyModeS rejects, or that imply more than ``max_speed_kt`` from the previous fix,
  are reported (kind ``phantom``) and dropped;
- identification (TC 1-4), velocity (TC 19) and emergency status (TC 28), and DF5/DF21
  identity replies from addresses already seen in CRC-valid squitters, update the aircraft's
  callsign, speed, track and squawk, which the following fixes carry. Their stateless
  decodes are cached by frame (transponders repeat them verbatim).

Altitude: airborne positions with TC 9-18 carry barometric altitude (``alt_m``), TC 20-22
GNSS height (``geo_alt_m``); both are airborne (``on_ground`` false). Surface positions
(TC 5-8) need a reference position and are not decoded; other formats carry no position and
are ignored.

Without real times (``timed=False``: frames from a file that carries no timestamps) the speed
checks, ours and pyModeS's, are off: they would compare distances with invented intervals.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from math import asin, cos, radians, sin, sqrt

import numpy as np
import pyModeS as pms
from pyModeS.position import airborne_position_with_ref

from ...errors import BadInput
from ...units import FOOT_M, KNOT_MPS, MEAN_EARTH_RADIUS_M
from .crc import remainders

MAX_SPEED_KT = 1000.0
JUMP_MARGIN_M = 1000.0        # allowance on top of max speed (CPR precision, clock jitter)
HOLD_LIMIT = 64               # unresolved position frames kept per aircraft
HOLD_WINDOW_S = 60.0          # held frames older than this relative to the reference are dropped

_POSITION_TC = frozenset(range(9, 19)) | {20, 21, 22}
_GNSS_HEIGHT_TC = frozenset((20, 21, 22))
_NO_SPEED_LIMIT_KT = 1e12  # pyModeS's motion check, switched off
_STATE_TC = frozenset((1, 2, 3, 4, 19, 28))
_IDENTITY_DF = frozenset((5, 21))
_USEFUL_TC = np.array(sorted(_POSITION_TC | _STATE_TC), dtype=np.uint8)
_IDENTITY_ARRAY = np.array(sorted(_IDENTITY_DF), dtype=np.uint8)


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance, metres: only a plausibility bound, so the sphere is enough."""
    p1, p2 = radians(lat1), radians(lat2)
    h = sin((p2 - p1) / 2) ** 2 + cos(p1) * cos(p2) * sin(radians(lon2 - lon1) / 2) ** 2
    return 2 * MEAN_EARTH_RADIUS_M * asin(min(1.0, sqrt(h)))


@lru_cache(maxsize=8192)
def _decode_static(hex_frame: str) -> dict:
    """Fields of a frame that needs no history (identification, velocity, squawk)."""
    return dict(pms.decode(hex_frame))


@dataclass
class _Held:
    """A position frame waiting for a reference position (pyModeS bootstrap)."""

    time: float
    where: str | int
    cpr_format: int
    cpr_lat: int
    cpr_lon: int
    alt_ft: float | None
    gnss: bool            # the altitude is GNSS height (TC 20-22), not barometric
    callsign: str | None
    speed_mps: float | None
    heading_deg: float | None
    squawk: str | None
    invented: bool        # its time was made up by the reader
    result: dict          # pyModeS's own result object: flush() may fill it in


@dataclass
class _Aircraft:
    callsign: str | None = None
    speed_mps: float | None = None
    heading_deg: float | None = None
    squawk: str | None = None
    last: tuple[float, float, float] | None = None   # time s, lat, lon of the last fix
    held: list[_Held] = field(default_factory=list)


@dataclass
class FrameDecoder:
    """Stateful decoder of a stream of frames into fix dicts (track-table columns).

    ``decode(frames, times, where)`` takes frames as bytes, times as epoch seconds and, for
    error reports, where each frame came from (line number or ``"byte N"``); each fix dict has
    that location under ``where``. ``timed=False``: see the module docstring.
    """

    source: str
    bad: BadInput
    max_speed_kt: float = MAX_SPEED_KT
    timed: bool = True
    _pipe: pms.PipeDecoder = field(init=False)
    _aircraft: dict[str, _Aircraft] = field(default_factory=dict)
    _known: set[int] = field(default_factory=set)   # addresses of CRC-valid squitters
    _rejected: int = 0                               # pyModeS's position_rejected count seen so far

    def __post_init__(self) -> None:
        self._pipe = pms.PipeDecoder() if self.timed else pms.PipeDecoder(max_speed_kt=_NO_SPEED_LIMIT_KT)

    def decode(self, frames: list[bytes], times: np.ndarray, where: list[str | int],
               invented: np.ndarray | None = None) -> list[dict]:
        """Fixes completed by these frames (in arrival order); ``invented`` marks frames whose
        time the reader made up (their fixes are ``interpolated``)."""
        if not frames:
            return []
        made_up = invented if invented is not None else np.zeros(len(frames), dtype=bool)
        selected = self._select(frames, where)
        fixes: list[dict] = []
        for index in selected.tolist():
            frame = frames[index]
            if frame[0] >> 3 in _IDENTITY_DF:
                self._identity(frame)
            elif frame[4] >> 3 in _STATE_TC:
                self._state(frame)
            else:
                fixes.extend(self._position(frame, float(times[index]), where[index], bool(made_up[index])))
        return fixes

    def flush(self) -> list[dict]:
        """End of input: release positions pyModeS still holds for lack of corroboration."""
        self._pipe.flush()
        fixes: list[dict] = []
        for icao, craft in self._aircraft.items():
            if craft.last is not None or not craft.held:
                continue
            anchored = [h for h in craft.held if h.result.get("latitude") is not None]
            if anchored:
                ref = anchored[-1]
                craft.last = (ref.time, ref.result["latitude"], ref.result["longitude"])
                fixes.extend(self._release_held(icao, craft))
        return fixes

    # -- selection (vectorised) ----------------------------------------------------------

    def _select(self, frames: list[bytes], where: list) -> np.ndarray:
        """Indices, in arrival order, of frames worth decoding; bad-CRC squitters reported."""
        lengths = np.fromiter(map(len, frames), dtype=np.int64, count=len(frames))
        keep = np.zeros(len(frames), dtype=bool)
        for length in (14, 7):  # long first: its squitters vouch for the addresses of DF5/21
            idx = np.flatnonzero(lengths == length)
            if not len(idx):
                continue
            raw = np.frombuffer(b"".join([frames[i] for i in idx]), dtype=np.uint8).reshape(-1, length)
            rem = remainders(raw)
            df = raw[:, 0] >> 3
            if length == 14:
                squitter = (df == 17) | (df == 18)
                for i in idx[squitter & (rem != 0)].tolist():
                    self.bad.report(self.source, where[i], "bad CRC", kind="crc")
                good = squitter & (rem == 0)
                address = (raw[:, 1].astype(np.uint32) << 16) | (raw[:, 2].astype(np.uint32) << 8) | raw[:, 3]
                self._known.update(np.unique(address[good]).tolist())
                keep[idx[good & np.isin(raw[:, 4] >> 3, _USEFUL_TC)]] = True
            identity = np.isin(df, _IDENTITY_ARRAY)
            if identity.any():
                known = np.fromiter(self._known, dtype=np.uint32, count=len(self._known))
                keep[idx[identity & np.isin(rem, known)]] = True
        return np.flatnonzero(keep)

    # -- per-frame decoding --------------------------------------------------------------

    def _craft(self, icao: str) -> _Aircraft:
        craft = self._aircraft.get(icao)
        if craft is None:
            craft = self._aircraft[icao] = _Aircraft()
        return craft

    def _identity(self, frame: bytes) -> None:
        fields = _decode_static(frame.hex())
        if fields.get("squawk"):
            self._craft(fields["icao"].lower()).squawk = fields["squawk"]

    def _state(self, frame: bytes) -> None:
        fields = _decode_static(frame.hex())
        craft = self._craft(fields["icao"].lower())
        if fields.get("callsign"):
            craft.callsign = fields["callsign"].strip("_ #") or None
        if fields.get("squawk"):
            craft.squawk = fields["squawk"]
        if fields.get("groundspeed") is not None:
            craft.speed_mps = fields["groundspeed"] * KNOT_MPS
            craft.heading_deg = fields.get("track")

    def _position(self, frame: bytes, t: float, where: str | int, invented: bool) -> list[dict]:
        result = self._pipe.decode(frame.hex(), timestamp=t)
        lat, lon = result.get("latitude"), result.get("longitude")   # copied now: see module doc
        icao = result["icao"].lower()
        craft = self._craft(icao)
        alt_ft = result.get("altitude")
        gnss = frame[4] >> 3 in _GNSS_HEIGHT_TC
        if lat is not None and lon is not None:
            if not self._plausible(craft, t, lat, lon):
                self.bad.report(self.source, where, "position jump faster than "
                                f"{self.max_speed_kt:.0f} kt", kind="phantom")
                return []
            craft.last = (t, lat, lon)
            fix = _row(icao, self.source, t, lat, lon, alt_ft, gnss, craft.callsign, craft.speed_mps,
                       craft.heading_deg, craft.squawk, where, invented)
            return [fix] + self._release_held(icao, craft)
        rejected = self._pipe.stats["position_rejected"]
        if rejected > self._rejected:
            self._rejected = rejected
            self.bad.report(self.source, where, "position rejected by pyModeS", kind="phantom")
            return []
        if "cpr_format" not in result:
            return []
        craft.held.append(_Held(t, where, result["cpr_format"], result["cpr_lat"], result["cpr_lon"],
                                alt_ft, gnss, craft.callsign, craft.speed_mps, craft.heading_deg,
                                craft.squawk, invented, result))
        del craft.held[:-HOLD_LIMIT]
        return []

    def _release_held(self, icao: str, craft: _Aircraft) -> list[dict]:
        """Resolve frames held during bootstrap against the aircraft's accepted position."""
        if not craft.held or craft.last is None:
            return []
        ref_t, ref_lat, ref_lon = craft.last
        fixes = []
        for h in craft.held:
            if abs(h.time - ref_t) > HOLD_WINDOW_S:
                continue
            lat, lon = airborne_position_with_ref(h.cpr_format, h.cpr_lat, h.cpr_lon, ref_lat, ref_lon)
            if self.timed and _distance_m(lat, lon, ref_lat, ref_lon) > self._reach_m(abs(h.time - ref_t)):
                self.bad.report(self.source, h.where, "position jump faster than "
                                f"{self.max_speed_kt:.0f} kt", kind="phantom")
                continue
            fixes.append(_row(icao, self.source, h.time, lat, lon, h.alt_ft, h.gnss, h.callsign, h.speed_mps,
                              h.heading_deg, h.squawk, h.where, h.invented))
        craft.held.clear()
        return fixes

    def _reach_m(self, dt: float) -> float:
        return self.max_speed_kt * KNOT_MPS * dt + JUMP_MARGIN_M

    def _plausible(self, craft: _Aircraft, t: float, lat: float, lon: float) -> bool:
        if craft.last is None or not self.timed:
            return True
        last_t, last_lat, last_lon = craft.last
        return _distance_m(lat, lon, last_lat, last_lon) <= self._reach_m(abs(t - last_t))


def _row(icao: str, source: str, t: float, lat: float, lon: float, alt_ft: float | None, gnss: bool,
         callsign: str | None, speed_mps: float | None, heading_deg: float | None, squawk: str | None,
         where: object, invented: bool) -> dict:
    alt_m = None if alt_ft is None else alt_ft * FOOT_M
    return {"time": t, "track_id": icao, "icao24": icao, "lat": lat, "lon": (lon + 180.0) % 360.0 - 180.0,
            "alt_m": None if gnss else alt_m, "geo_alt_m": alt_m if gnss else None, "on_ground": False,
            "speed_mps": speed_mps, "heading_deg": heading_deg, "callsign": callsign, "squawk": squawk,
            "source": source, "where": where, "interpolated": invented}
