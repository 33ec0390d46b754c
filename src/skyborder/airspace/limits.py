"""Vertical limits of zones as files write them: ``FL95``, ``3500ft AMSL``, ``2900AMSL FT``,
``1000 ft AGL``, ``SFC``, ``UNLIM (Mon-Fri)``, ``AH NOTAM``, ``Ask on 122.8``.

:func:`read_limit` turns the text into a :class:`Limit`: metres, the reference it is measured
from, and whether it can be known at all.

- ``FL95`` is 9500 ft of pressure altitude (reference ``FL``); ``5500ft STD`` too;
- a number with ``ft``/``f``/``feet`` or ``m``/``meters``, in any order with ``AMSL``/``MSL``/
  ``ALT``/``QNH`` (true altitude, ``AMSL``, also when nothing is said), ``AGL``/``AGND``/
  ``ASFC``/``GND``/``SFC`` (height above the ground, ``AGL``); a bare number is feet;
- ``GND``, ``SFC``, ``GROUND``, ``SURFACE`` alone are the surface (0 m, ``SFC``); ``MSL`` alone
  is 0 m ``AMSL``;
- ``UNL``, ``UNLIM``, ``UNLTD``, ``UNLIMITED`` (even followed by a unit) are unlimited;
- remarks in parentheses (``(Mon-Fri)``) are dropped;
- anything else (``NOTAM``, ``BY NOTAM``, ``Ask on 122.8``, ``BCTA``) cannot be known: the
  limit is flagged ``known=False`` and taken at its widest (a floor at the bottom of the
  airspace, a ceiling unlimited), so that a zone is never dropped and a passage never missed
  for want of a limit.

Examples
--------
>>> [(round(v.metres, 1), v.reference, v.known) for v in map(read_limit, ("FL95", "2900AMSL FT", "SFC"))]
[(2895.6, 'FL', True), (883.9, 'AMSL', True), (0.0, 'SFC', True)]
>>> read_limit("UNLIM (Mon-Fri)").metres, read_limit("AH NOTAM", floor=False).known
(inf, False)
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..units import FOOT_M

__all__ = ["REFERENCES", "Limit", "read_limit"]

#: what a limit is measured from: a flight level (pressure altitude), true altitude, height
#: above the ground, the surface itself
REFERENCES = ("FL", "AMSL", "AGL", "SFC")

_REMARK = re.compile(r"\([^)]*\)")
_FLIGHT_LEVEL = re.compile(r"^FL\s*(\d+(?:\.\d*)?)$")
_TOKEN = re.compile(r"\d+(?:\.\d*)?|[A-Z]+")  # a leading '-' is read apart: a floor below sea level
_SURFACE = {"GND", "SFC", "GROUND", "SURFACE"}
_UNLIMITED = {"UNL", "UNLIM", "UNLTD", "UNLIMITED"}
_FEET = {"FT", "F", "FEET", "FOOT"}
_METRES = {"M", "MTR", "METER", "METERS", "METRE", "METRES"}
_REFERENCE_WORDS = {"AMSL": "AMSL", "MSL": "AMSL", "ALT": "AMSL", "QNH": "AMSL", "AGL": "AGL", "AGND": "AGL",
                    "ASFC": "AGL", "GND": "AGL", "SFC": "AGL", "STD": "FL"}


@dataclass(frozen=True)
class Limit:
    """A vertical limit.

    Attributes
    ----------
    metres : float
        The limit in metres in its reference (``inf`` for unlimited, ``-inf`` for an unknown floor).
    reference : str
        One of ``REFERENCES``.
    known : bool
        False when the text gives no limit (NOTAM, "ask on ..."): ``metres`` is then the
        widest extent.
    text : str
        The text as written.
    """

    metres: float
    reference: str
    known: bool
    text: str


def read_limit(text: str, floor: bool = True) -> Limit:
    """A :class:`Limit` from its text (see the module docstring); ``floor`` says whether it is a
    floor (an unknown floor is ``-inf``) or a ceiling (an unknown ceiling is ``inf``)."""
    value = " ".join(_REMARK.sub(" ", text.upper()).split())
    tokens = _TOKEN.findall(value)
    if not tokens:
        return _unknown(text, floor)
    if len(tokens) == 1 and tokens[0] in _SURFACE:
        return Limit(0.0, "SFC", True, text)
    if tokens[0] in _UNLIMITED and all(t in _FEET | _METRES | set(_REFERENCE_WORDS) for t in tokens[1:]):
        return Limit(math.inf, "AMSL", True, text)
    if tokens == ["MSL"]:
        return Limit(0.0, "AMSL", True, text)
    if tokens[0] == "FL" and len(tokens) == 2 and _number(tokens[1]):
        return Limit(float(tokens[1]) * 100.0 * FOOT_M, "FL", True, text)
    if not _number(tokens[0]) or any(_number(t) for t in tokens[1:]):
        return _unknown(text, floor)
    words = tokens[1:]
    if not all(w in _FEET | _METRES | set(_REFERENCE_WORDS) for w in words):
        return _unknown(text, floor)
    number = -float(tokens[0]) if value.startswith("-") else float(tokens[0])
    metres = number if any(w in _METRES for w in words) else number * FOOT_M
    references = {_REFERENCE_WORDS[w] for w in words if w in _REFERENCE_WORDS}
    if len(references) > 1:
        return _unknown(text, floor)
    return Limit(metres, references.pop() if references else "AMSL", True, text)


def _number(token: str) -> bool:
    return token[:1].isdigit()


def _unknown(text: str, floor: bool) -> Limit:
    return Limit(-math.inf if floor else math.inf, "AMSL", False, text)
