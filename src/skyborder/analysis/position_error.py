"""How wrong a reported position may be: the horizontal error of each fix, by source.

skyborder models the horizontal error of a fix as a circular Gaussian: an independent error of
standard deviation ``sigma`` (m) along each horizontal axis. Where it comes from:

- **ADS-B with a decoded NACp** (Navigation Accuracy Category for position, DO-260B §2.2.5.1.35):
  NACp bounds the *Estimated Position Uncertainty*, a 95 % horizontal radius (EPU). For a circular
  Gaussian the 95 % radius is ``sigma * sqrt(-2 ln 0.05) = 2.4477 sigma``, so
  ``sigma = EPU / 2.4477``.
- **ADS-B with only NIC** (Navigation Integrity Category): NIC bounds the containment radius Rc,
  an integrity bound (1e-7 per hour) far wider than a 95 % radius; treating Rc as if it were an
  EPU (``sigma = Rc / 2.4477``) overstates the error, which is the safe side for a verdict.
- **ADS-B without quality indicators** (``adsb``): NACp 8 assumed (EPU < 92.6 m, 0.05 NM), the
  least that ADS-B Out rules require (FAA 14 CFR 91.227, EASA CS-ACNS): sigma 37.8 m.
- **SBS (BaseStation) lines** (``sbs``): positions a receiver decoded from ADS-B, with no quality
  indicators in the line: the ADS-B default, 37.8 m.
- **Multilateration** (``mlat``): 100 m, typical of wide-area multilateration inside its coverage
  (EUROCAE ED-142 allows up to 350 m RMS en route; give ``--position-error`` for a worse case).
- **Radar** (``radar``, also the default for formats that say nothing of their source: CSV,
  Parquet, GPX, KML, GeoJSON): 150 m, a monopulse secondary radar at about 100 km (range error
  ~30 m, azimuth error ~0.07 deg, which is ~120 m across at 100 km); configurable.

Columns ``nacp`` / ``nic`` of a track table, when a reader decoded them, take precedence per fix.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import InputError
from ..units import NAUTICAL_MILE_M

__all__ = ["DEFAULT_SIGMA_M", "FORMAT_KIND", "NACP_EPU_M", "NIC_RC_M", "RADIUS_95_PER_SIGMA", "fix_sigma",
           "parse_position_error", "sigma_from_nacp", "sigma_from_nic"]

RADIUS_95_PER_SIGMA = math.sqrt(-2.0 * math.log(0.05))  # 2.4477: 95 % radius of a circular Gaussian
# DO-260B: NACp -> EPU upper bound (m, 95 % horizontal)
NACP_EPU_M = {11: 3.0, 10: 10.0, 9: 30.0, 8: 0.05 * NAUTICAL_MILE_M, 7: 0.1 * NAUTICAL_MILE_M,
              6: 0.3 * NAUTICAL_MILE_M, 5: 0.5 * NAUTICAL_MILE_M, 4: 1.0 * NAUTICAL_MILE_M,
              3: 2.0 * NAUTICAL_MILE_M, 2: 4.0 * NAUTICAL_MILE_M, 1: 10.0 * NAUTICAL_MILE_M}
# DO-260B: NIC -> containment radius Rc upper bound (m; the larger where supplements split a value)
NIC_RC_M = {11: 7.5, 10: 25.0, 9: 75.0, 8: 0.1 * NAUTICAL_MILE_M, 7: 0.2 * NAUTICAL_MILE_M,
            6: 0.6 * NAUTICAL_MILE_M, 5: 1.0 * NAUTICAL_MILE_M, 4: 2.0 * NAUTICAL_MILE_M,
            3: 4.0 * NAUTICAL_MILE_M, 2: 8.0 * NAUTICAL_MILE_M, 1: 20.0 * NAUTICAL_MILE_M}
DEFAULT_SIGMA_M = {"adsb": NACP_EPU_M[8] / RADIUS_95_PER_SIGMA, "sbs": NACP_EPU_M[8] / RADIUS_95_PER_SIGMA,
                   "mlat": 100.0, "radar": 150.0}
# reader format -> the kind of source its positions come from
FORMAT_KIND = {"sbs": "sbs", "avr": "adsb", "beast": "adsb", "aircraft-json": "adsb", "readsb-trace": "adsb"}
UNKNOWN_KIND = "radar"


def sigma_from_nacp(nacp: np.ndarray) -> np.ndarray:
    """Per-axis sigma (m) from NACp values (NaN where NACp is 0, missing or not a category).

    Examples
    --------
    >>> sigma_from_nacp(np.array([8, 10, 0])).round(2).tolist()
    [37.83, 4.09, nan]
    """
    return _from_table(nacp, NACP_EPU_M)


def sigma_from_nic(nic: np.ndarray) -> np.ndarray:
    """Per-axis sigma (m) from NIC values, treating Rc as a 95 % radius (an overstatement)."""
    return _from_table(nic, NIC_RC_M)


def _from_table(values: np.ndarray, table: Mapping[int, float]) -> np.ndarray:
    lookup = np.full(12, np.nan)
    for k, metres in table.items():
        lookup[k] = metres / RADIUS_95_PER_SIGMA
    v = np.asarray(values, float)
    ok = np.isfinite(v) & (v >= 1) & (v <= 11) & (v == np.round(v))
    out = np.full(len(v), np.nan)
    out[ok] = lookup[v[ok].astype(np.int64)]
    return out


def parse_position_error(text: str) -> str | float:
    """``--position-error``: ``auto``, a source kind (adsb, sbs, mlat, radar) or metres.

    Examples
    --------
    >>> parse_position_error("radar"), parse_position_error("75"), parse_position_error("auto")
    ('radar', 75.0, 'auto')
    """
    text = text.strip().lower()
    if text == "auto" or text in DEFAULT_SIGMA_M:
        return text
    try:
        value = float(text.removesuffix("m"))
    except ValueError:
        raise InputError(f"--position-error {text!r}: give auto, {', '.join(DEFAULT_SIGMA_M)} or metres") from None
    if not 0 < value < 1e6:
        raise InputError("--position-error in metres must be > 0")
    return value


def fix_sigma(tracks: pd.DataFrame, error: str | float = "auto",
              kind_by_track: Mapping[str, str] | None = None) -> np.ndarray:
    """Per-axis horizontal sigma (m) of every fix of a track table (in its row order).

    Parameters
    ----------
    tracks : DataFrame
        A track table; its ``nacp`` / ``nic`` columns, when present, set sigma per fix (``auto``).
    error : "auto", a source kind, or float
        ``auto``: NACp, else NIC, else the default of the track's source kind; a kind: its default
        for every fix; a number: that sigma (m) for every fix.
    kind_by_track : mapping, optional
        The source kind of each track (``FORMAT_KIND`` of the file it was read from); tracks not
        listed count as ``radar``.
    """
    n = len(tracks)
    if not isinstance(error, str):
        return np.full(n, float(error))
    if error != "auto":
        return np.full(n, DEFAULT_SIGMA_M[error])
    kinds = tracks["track_id"].astype(str).map(dict(kind_by_track or {}))
    kinds = pd.Series(np.where(kinds.isna(), UNKNOWN_KIND, kinds.astype(object)), index=tracks.index)
    sigma = kinds.map(DEFAULT_SIGMA_M).to_numpy(float)
    for column, convert in (("nic", sigma_from_nic), ("nacp", sigma_from_nacp)):
        if column in tracks:
            decoded = convert(pd.to_numeric(tracks[column], errors="coerce").to_numpy(float))
            sigma = np.where(np.isfinite(decoded), decoded, sigma)
    return sigma
