"""Warning policies: every tunable of the warning engine, read from TOML, with two presets.

A policy is a TOML file (``tomllib``, Python's own reader) with a ``name``, a ``description``
and the sections of :data:`PARAMETERS` (each listed there with its unit, the presets' values,
its meaning and the public source its value comes from), plus reference points
(``[[reference]]``: ``name``, ``lat``, ``lon``) used to say where an aircraft is ("Hmeymim 020,
26 miles") and exemptions (``[[exempt]]``: ``airspace`` code or ``"*"``, ``icao24`` and
``squawk`` lists). Unknown keys are errors (a misspelt parameter must not be silently ignored).

Two presets ship inside the package (``warn/presets/*.toml``): ``atc``, a short-term safety net
modelled on EUROCONTROL's Area Proximity Warning, and ``air-policing``, which warns an aircraft
on the guard frequency while it is within a distance of the border and closing, every 30 s, as
Turkey did in 2015. ``load_policy("atc")`` loads a preset, ``load_policy("my.toml")`` a file.
"""
from __future__ import annotations

import math
import string
import tomllib
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import InputError

__all__ = ["PARAMETERS", "PRESETS", "Exemption", "Parameter", "Policy", "Reference", "load_policy"]

PRESETS = ("atc", "air-policing")
MODELS = ("straight", "turn", "both")
# the public anchors of the values (full references in the README, "Warning policies")
EUROCONTROL_APW = "EUROCONTROL APW guidance"
FAA_ATPA = "FAA ATPA (warning at 45 s, alert at 24 s)"
XCSOAR = "XCSoar airspace warnings"
LXNAV = "LXNAV airspace warnings (distance and time)"
TR_2015 = "Turkey's letter to the UN and recording, Nov 2015"


@dataclass(frozen=True)
class Parameter:
    """One policy parameter: TOML section and key, unit, meaning and where its value comes from."""

    section: str
    key: str
    unit: str
    meaning: str
    source: str

    @property
    def field(self) -> str:
        """The :class:`Policy` attribute holding it."""
        return f"{self.section}_{self.key}"


PARAMETERS: tuple[Parameter, ...] = (
    Parameter("prediction", "look_ahead_s", "s", "T1: stage `predicted` when entry is predicted within this time",
              f"{EUROCONTROL_APW} (warning time of about 2 minutes); {XCSOAR}"),
    Parameter("prediction", "imminent_s", "s", "T2: stage `imminent` when entry is predicted within this time",
              f"{EUROCONTROL_APW}; {FAA_ATPA} (a second, shorter stage)"),
    Parameter("prediction", "model", "",
              "predicted path: `straight` (geodesic on the current track), `turn` (constant-turn arc), or `both` "
              "(the earlier entry of the two)", f"{EUROCONTROL_APW} (linear and turning prediction)"),
    Parameter("prediction", "min_turn_rate_deg_s", "deg/s",
              "below this estimated turn rate the arc is not predicted (it would be the straight line)",
              "skyborder: well below a rate-one turn (3 deg/s), above the noise of the estimate"),
    Parameter("prediction", "window_s", "s", "kinematics use the fixes of the last window_s seconds",
              "skyborder: several radar sweeps (4-12 s) or ADS-B positions (0.5 s)"),
    Parameter("prediction", "fixes", "", "at most this many fixes spread over the window (>= 4 for outlier rejection)",
              "skyborder"),
    Parameter("prediction", "outlier_m", "m",
              "a fix farther than this from the fit of the others is left out of the kinematics",
              "skyborder: far above ADS-B (NACp) and radar position noise, below a one-fix jump"),
    Parameter("prediction", "max_speed_mps", "m/s", "kinematics faster than this are rejected (no prediction)",
              "skyborder: above any aircraft's ground speed (Mach 3)"),
    Parameter("buffers", "lateral_m", "m", "stage `imminent` when this close to the lateral boundary (outside)",
              f"{EUROCONTROL_APW} (lateral buffer); {LXNAV}"),
    Parameter("buffers", "vertical_m", "m", "stage `imminent` when this close to a floor or ceiling (laterally inside)",
              f"{EUROCONTROL_APW} (vertical buffer); {LXNAV}"),
    Parameter("approach", "distance_m", "m",
              "stage `predicted` when within this distance of the border and closing (0 = off)",
              f"{TR_2015}: warnings while approaching; 12 NM (the territorial sea's width) is skyborder's choice, "
              "no distance was published"),
    Parameter("approach", "min_closing_mps", "m/s", "closing means the distance shrinks faster than this",
              "skyborder: above the noise of the estimate"),
    Parameter("alerting", "repeat_s", "s", "repeat the warning this often while its stage holds (0 = never)",
              f"{TR_2015}: about every 30 s"),
    Parameter("alerting", "confirm_n", "", "a stage is raised when N of the last M evaluations reach it",
              f"{EUROCONTROL_APW} (alert confirmation against spurious tracks)"),
    Parameter("alerting", "confirm_m", "", "M of N-of-M", f"{EUROCONTROL_APW}"),
    Parameter("alerting", "hysteresis", "",
              "a stage holds while its condition holds with thresholds widened by this fraction",
              f"{EUROCONTROL_APW} (alert continuation)"),
    Parameter("alerting", "clear_after_s", "s", "a stage is left only after its condition has been absent this long",
              f"{EUROCONTROL_APW} (alert continuation)"),
    Parameter("alerting", "first_seen_inside", "",
              "warn about aircraft first seen inside (false: only once they have been seen outside)",
              "skyborder: traffic that starts inside is domestic, not an approach"),
    Parameter("alerting", "ignore_on_ground", "", "no warnings for fixes reported on the ground", "skyborder"),
    Parameter("alerting", "acknowledge_s", "s",
              "an acknowledgement silences repeats this long ('day' = until 24:00 UTC)", f"{XCSOAR}"),
    Parameter("message", "template", "",
              "the warning text; fields: {callsign} {icao24} {airspace} {airspace_label} {stage} {reference} "
              "{bearing_deg} {range_nm} {time_to_entry_s} {distance_nm} {heading_away_deg} {heading_away_point}",
              f"{TR_2015} (the recorded wording)"),
    Parameter("message", "inside_template", "",
              "the warning text once the aircraft is inside (same fields; the time to entry is then unknown)",
              "skyborder: an aircraft inside is no longer approaching"),
)

_FIELD_SECTIONS = {p.field: p for p in PARAMETERS}
_MESSAGE_FIELDS = {"callsign", "icao24", "airspace", "airspace_label", "stage", "reference", "bearing_deg", "range_nm",
                   "time_to_entry_s", "distance_nm", "heading_away_deg", "heading_away_point"}


@dataclass(frozen=True)
class Reference:
    """A named point (degrees) from which positions are told as bearing and range."""

    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Exemption:
    """Aircraft never warned about one airspace (``"*"``: any), by ICAO address or squawk."""

    airspace: str
    icao24: frozenset[str] = frozenset()
    squawk: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Policy:
    """Every parameter of the warning engine (see :data:`PARAMETERS` for units and sources).

    Examples
    --------
    >>> atc = load_policy("atc")
    >>> atc.prediction_look_ahead_s, atc.prediction_imminent_s, atc.buffers_lateral_m
    (120.0, 30.0, 1852.0)
    >>> (atc.alerting_confirm_n, atc.alerting_confirm_m)
    (2, 3)
    """

    name: str
    description: str = ""
    prediction_look_ahead_s: float = 120.0
    prediction_imminent_s: float = 30.0
    prediction_model: str = "both"
    prediction_min_turn_rate_deg_s: float = 0.5
    prediction_window_s: float = 20.0
    prediction_fixes: int = 6
    prediction_outlier_m: float = 150.0
    prediction_max_speed_mps: float = 1000.0
    buffers_lateral_m: float = 1852.0
    buffers_vertical_m: float = 91.44
    approach_distance_m: float = 0.0
    approach_min_closing_mps: float = 10.0
    alerting_repeat_s: float = 0.0
    alerting_confirm_n: int = 2
    alerting_confirm_m: int = 3
    alerting_hysteresis: float = 0.2
    alerting_clear_after_s: float = 8.0
    alerting_first_seen_inside: bool = False
    alerting_ignore_on_ground: bool = True
    alerting_acknowledge_s: float = 300.0
    message_template: str = ("{callsign}: you are approaching {airspace_label} airspace, position {reference} "
                             "{bearing_deg:03.0f}, {range_nm:.0f} miles. Change your heading {heading_away_point} "
                             "immediately.")
    message_inside_template: str = ("{callsign}: you are in {airspace_label} airspace, position {reference} "
                                    "{bearing_deg:03.0f}, {range_nm:.0f} miles. Change your heading "
                                    "{heading_away_point} immediately.")
    references: tuple[Reference, ...] = ()
    exemptions: tuple[Exemption, ...] = field(default=())

    def __post_init__(self) -> None:
        _check(self)

    @property
    def reach_m(self) -> float:
        """Farthest distance (m) from a border at which this policy can raise a stage: an aircraft
        at the maximum speed over the widened look-ahead, or the widened approach distance or buffer."""
        widen = 1.0 + self.alerting_hysteresis
        return widen * max(self.prediction_max_speed_mps * self.prediction_look_ahead_s, self.approach_distance_m,
                           self.buffers_lateral_m)

    def parameters(self) -> dict[str, Any]:
        """The policy as plain data (for a run's provenance in the register)."""
        out: dict[str, Any] = {"name": self.name}
        for p in PARAMETERS:
            out[f"{p.section}.{p.key}"] = getattr(self, p.field)
        out["references"] = [vars(r) for r in self.references]
        out["exemptions"] = [{"airspace": e.airspace, "icao24": sorted(e.icao24), "squawk": sorted(e.squawk)}
                             for e in self.exemptions]
        return out

    def with_values(self, **values: Any) -> Policy:
        """A copy with some parameters changed (attribute names, e.g. ``prediction_look_ahead_s``)."""
        return replace(self, **values)


def _check(policy: Policy) -> None:
    """Raise InputError for a value no engine can use."""
    positive = ("prediction_look_ahead_s", "prediction_window_s", "prediction_outlier_m", "prediction_max_speed_mps")
    for name in positive:
        if not getattr(policy, name) > 0:
            raise InputError(f"policy {policy.name!r}: {_FIELD_SECTIONS[name].section}.{_FIELD_SECTIONS[name].key} "
                             f"must be > 0")
    non_negative = ("prediction_imminent_s", "prediction_min_turn_rate_deg_s", "buffers_lateral_m",
                    "buffers_vertical_m", "approach_distance_m", "approach_min_closing_mps", "alerting_repeat_s",
                    "alerting_hysteresis", "alerting_clear_after_s", "alerting_acknowledge_s")
    for name in non_negative:
        value = getattr(policy, name)
        if not (value >= 0 and math.isfinite(value)):
            raise InputError(f"policy {policy.name!r}: {_FIELD_SECTIONS[name].section}.{_FIELD_SECTIONS[name].key} "
                             f"must be a finite number >= 0")
    if policy.prediction_imminent_s > policy.prediction_look_ahead_s:
        raise InputError(f"policy {policy.name!r}: prediction.imminent_s must not exceed prediction.look_ahead_s")
    if policy.prediction_model not in MODELS:
        raise InputError(f"policy {policy.name!r}: prediction.model must be one of {', '.join(MODELS)}")
    if not 2 <= policy.prediction_fixes <= 16:
        raise InputError(f"policy {policy.name!r}: prediction.fixes must be between 2 and 16")
    if not 1 <= policy.alerting_confirm_n <= policy.alerting_confirm_m <= 8:
        raise InputError(f"policy {policy.name!r}: need 1 <= alerting.confirm_n <= alerting.confirm_m <= 8")
    for key, template in (("template", policy.message_template), ("inside_template", policy.message_inside_template)):
        try:
            parsed = string.Formatter().parse(template)
            names = {f[1].split(".")[0].split("[")[0] for f in parsed if f[1] is not None}
        except ValueError as error:
            raise InputError(f"policy {policy.name!r}: message.{key}: {error}") from None
        unknown = names - _MESSAGE_FIELDS
        if unknown:
            raise InputError(f"policy {policy.name!r}: message.{key} uses unknown field(s) "
                             f"{', '.join(sorted(unknown))} (known: {', '.join(sorted(_MESSAGE_FIELDS))})")


def _from_toml(data: dict[str, Any], origin: str) -> Policy:
    """A Policy from parsed TOML; unknown sections or keys are errors."""
    values: dict[str, Any] = {"name": str(data.pop("name", Path(origin).stem)),
                              "description": str(data.pop("description", ""))}
    defaults = {f.name: f.default for f in fields(Policy)}
    references = data.pop("reference", [])
    exemptions = data.pop("exempt", [])
    for section, table in data.items():
        if not isinstance(table, dict):
            raise InputError(f"{origin}: unknown top-level key {section!r}")
        for key, value in table.items():
            name = f"{section}_{key}"
            if name not in _FIELD_SECTIONS:
                raise InputError(f"{origin}: unknown policy parameter {section}.{key}")
            kind = type(defaults[name])
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise InputError(f"{origin}: {section}.{key} must be a {kind.__name__}, got {value!r}")
            values[name] = value
    try:
        values["references"] = tuple(Reference(str(r["name"]), float(r["lat"]), float(r["lon"])) for r in references)
        values["exemptions"] = tuple(Exemption(str(e.get("airspace", "*")).upper() if e.get("airspace") != "*" else "*",
                                               frozenset(str(a).lower() for a in e.get("icao24", [])),
                                               frozenset(str(s) for s in e.get("squawk", []))) for e in exemptions)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise InputError(f"{origin}: bad [[reference]] or [[exempt]] entry ({error})") from None
    return Policy(**values)


def load_policy(name_or_path: str | Path | None = None) -> Policy:
    """A preset by name (``atc``, ``air-policing``; default ``atc``) or a TOML policy file.

    Raises
    ------
    InputError
        When the file cannot be read or parsed, or holds an unknown or invalid parameter.

    Examples
    --------
    >>> policing = load_policy("air-policing")
    >>> policing.alerting_repeat_s, round(policing.approach_distance_m / 1852, 1)
    (30.0, 12.0)
    """
    name = str(name_or_path or "atc")
    if name in PRESETS:
        text = (resources.files("skyborder.warn") / "presets" / f"{name}.toml").read_text(encoding="utf-8")
        origin = f"preset {name}"
    else:
        try:
            text = Path(name).read_text(encoding="utf-8")
        except OSError as error:
            raise InputError(f"cannot read policy {name!r}: {error.strerror or error} "
                             f"(presets: {', '.join(PRESETS)})") from None
        origin = name
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{origin}: not valid TOML ({error})") from None
    return _from_toml(data, origin)
