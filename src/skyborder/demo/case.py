"""``skyborder demo``: the 24 Nov 2015 Su-24 case, run through the real detection engine.

Two reconstructed tracks (the path as Turkey's radar map showed it, and as Russia described it)
are checked against the embedded TUR and SYR airspaces. The printed report sets the tool's own
figures beside the published claims; ``run_demo`` also writes ``radar_map.png``,
``passages.csv``, ``passages.json`` and ``report.md`` (the printed text) into ``out_dir``.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np
import pandas as pd

from ..airspace import world
from ..analysis.claims import ClaimCheck, Claimed, Claims, check_claims
from ..detection.engine import detect
from ..geodesy import GEOD
from ..report import export
from ..report.claim_check import claim_lines
from ..report.radar_map import MapLabel, RadarMap, draw_radar_map, hms
from ..report.text import clock as _time
from ..report.text import km
from ..report.text import km as _km
from ..report.text import markdown_table as table
from ..units import FOOT_M, NAUTICAL_MILE_M, STATUTE_MILE_M
from ..warn.engine import replay
from ..warn.policy import load_policy
from . import evidence as demo_data
from .reconstruct import RU_OFFSET_M

SU24_CRUISE_KMH = 960.0  # the KU Leuven physicists' figure
CLAIMS_RADIUS_M = 5_000.0  # entry points of candidate paths within this distance of the salient's tip
WARNING_POLICY = "air-policing"  # the policy whose warnings the demo reports
TR_TRACK, RU_TRACK = "TR-claim", "RU-claim"
WATCHED = "TUR"
TRACK_COLOURS = {TR_TRACK: "#ff5d5d", RU_TRACK: "#4fd1ff"}
TRACK_LABELS = {TR_TRACK: "TR-claim: path as Turkey's radar map showed it",
                RU_TRACK: "RU-claim: path as Russia described it"}
CAUTION = ("Tracks reconstructed from published maps and statements; approximations. "
           "Neither side published coordinates.")
MAP_TITLE = "Su-24, 24 Nov 2015: the claimed paths at the southern tip of the Hatay salient"
MAP_CENTRE = (36.150, 35.812)  # lon, lat: the salient's tip, where both paths pass
MAP_HALF_WIDTH_M = 7_000.0
OVERVIEW_HALF_WIDTH_M = 25_000.0


@dataclass
class DemoResult:
    """What the demo computed and wrote."""

    out_dir: Path
    passages: pd.DataFrame
    text: str
    radar_map: RadarMap
    files: dict[str, Path]


def run_demo(out_dir: Path, stream: TextIO = sys.stdout) -> DemoResult:
    """Detect the reconstructed tracks' passages, print the report and write the files to ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tracks = demo_data.tracks()
    airspaces = [world.country(WATCHED), world.country("SYR")]
    passages = detect(tracks, airspaces)
    text = report_text(tracks, passages, airspaces)
    print(text, file=stream)

    files = {"radar_map.png": out_dir / "radar_map.png", "passages.csv": out_dir / "passages.csv",
             "passages.json": out_dir / "passages.json", "report.md": out_dir / "report.md"}
    radar = draw_radar_map(airspaces, tracks, passages, files["radar_map.png"], title=MAP_TITLE,
                           annotations=map_labels(), half_width_m=MAP_HALF_WIDTH_M, centre=MAP_CENTRE,
                           note=CAUTION.split(". ")[0] + ".", track_colours=TRACK_COLOURS, track_labels=TRACK_LABELS,
                           overview_half_width_m=OVERVIEW_HALF_WIDTH_M)
    files["passages.csv"].write_text(export.to_csv(passages), encoding="utf-8")
    files["passages.json"].write_text(export.to_json(passages, list(passages.columns)) + "\n", encoding="utf-8")
    files["report.md"].write_text(text + "\n", encoding="utf-8")
    print(f"\nWrote {', '.join(str(p) for p in files.values())}", file=stream)
    return DemoResult(out_dir, passages, text, radar, files)


def map_labels() -> list[MapLabel]:
    """The demo's points of interest: the warned position, Yayladağı and the two countries."""
    places = demo_data.claims()["places"]
    lon, lat = demo_data.warned_position()
    return [
        MapLabel(lon, lat, 'warned position\n"Humeymim 020, 26 miles"', "^", "#ffd23f", offset_pt=(-8, -30),
                 short="warned position"),
        MapLabel(places["Yayladağı"]["lon"], places["Yayladağı"]["lat"], "Yayladağı", "o", short="Yayladağı"),
        MapLabel(36.148, 35.840, "Türkiye", "", size=15),
        MapLabel(36.190, 35.822, "Syria", "", size=15),
    ]


# ---------------------------------------------------------------- report text

def report_text(tracks: pd.DataFrame, passages: pd.DataFrame, airspaces: list) -> str:
    """The whole report (Markdown; readable as plain text)."""
    tr = _passage(passages, TR_TRACK)
    parts = [
        "# skyborder demo: Su-24 shot down near the Türkiye–Syria border, 24 Nov 2015",
        f"**CAUTION: {CAUTION}** Each claim below is a claim, with its source; the tool's figures are "
        "computed on the reconstructed tracks against the embedded OSM boundary (Nov 2017).",
        "## Tracks",
        _tracks_table(tracks),
        "## Passages and near misses (times UTC)",
        _passages_table(passages),
        "## Published claims beside the tool's figures",
        _claims_table(passages),
        "## Consistency check",
        _consistency(tr, claim_checks()),
        "## The warnings (TR-claim track)",
        _warnings_table(tracks, airspaces[0]),
        "## Sources",
        "\n".join(f"- {text}" for text in demo_data.claims()["sources"].values()),
        "Boundaries © OpenStreetMap contributors (ODbL).",
    ]
    return "\n\n".join(parts)


def _passage(passages: pd.DataFrame, track_id: str, status: str | None = None) -> pd.Series | None:
    """The first ``WATCHED`` row of a track (optionally of one status)."""
    rows = passages[(passages["track_id"] == track_id) & (passages["airspace"] == WATCHED)]
    if status is not None:
        rows = rows[rows["status"] == status]
    return rows.iloc[0] if len(rows) else None


def _tracks_table(tracks: pd.DataFrame) -> str:
    rows = []
    for track_id, t in tracks.groupby("track_id", sort=False):
        _, _, seg = GEOD.inv(t["lon"].to_numpy()[:-1], t["lat"].to_numpy()[:-1],
                             t["lon"].to_numpy()[1:], t["lat"].to_numpy()[1:])
        rows.append([track_id, _time(t["time"].iloc[0]), _time(t["time"].iloc[-1]), str(len(t)),
                     f"{np.median(np.diff(t['time'].to_numpy()).astype('timedelta64[ms]').astype(float)) / 1000:.0f}",
                     f"{np.sum(seg) / 1000:.1f}", f"{t['alt_m'].median():.0f}", f"{t['speed_mps'].median() * 3.6:.0f}"])
    return table(["track", "first fix", "last fix", "fixes", "fix every s", "path km", "alt m", "km/h"], rows,
                 right={3, 4, 5, 6, 7})


def _passages_table(passages: pd.DataFrame) -> str:
    rows = []
    order = passages.assign(_w=passages["airspace"] != WATCHED).sort_values(["_w", "track_id"], kind="stable")
    for _, r in order.iterrows():
        near = r["status"] == "near"
        rows.append([
            r["track_id"], r["airspace"], r["status"], _time(r["entry_time"]), _time(r["exit_time"]),
            "–" if pd.isna(r["duration_s"]) else f"{r['duration_s']:.1f}",
            _km(r["length_inside_m"]), _km(r["max_depth_m"]),
            "–" if near else f"{r['min_alt_m']:.0f}", str(int(r["fixes_inside"])),
            _km(r["closest_approach_m"]), _time(r["closest_approach_time"]),
        ])
    note = ("`open_start`/`open_end`: the track starts/ends inside (no entry/exit seen); "
            "`near`: came within 20 km without entering. Depth is the horizontal geodesic distance "
            "to the airspace's border; length is ground length inside.")
    return table(["track", "airspace", "status", "entry", "exit", "duration s", "length km", "max depth km",
                  "alt m", "fixes in", "closest km", "closest at"], rows, right={5, 6, 7, 8, 9, 10}) + "\n\n" + note


def _miles(value: float) -> str:
    return f"{value * STATUTE_MILE_M / 1000:.2f} km statute / {value * NAUTICAL_MILE_M / 1000:.2f} km nautical"


def _claims_table(passages: pd.DataFrame) -> str:
    c = demo_data.claim
    tr = _passage(passages, TR_TRACK)
    ru_in = _passage(passages, RU_TRACK)
    ru_near = _passage(passages, RU_TRACK, "near")

    def g(col: str, f) -> str:
        return f(tr[col]) if tr is not None and tr["status"] != "near" else "no passage"

    rows = [
        ["entry (TR)", c("entry")["text"], "07:24:05.0 UTC", g("entry_time", _time) + " UTC",
         "path placed to enter at this time"],
        ["time inside (TR)", c("duration")["text"], "17.0 s", g("duration_s", lambda v: f"{v:.1f} s"), ""],
        ["length inside (TR)", c("length")["text"], _miles(c("length")["value"]),
         g("length_inside_m", lambda v: f"{_km(v)} km"), "path placed for about the statute figure"],
        ["depth (TR)", c("depth")["text"], _miles(c("depth")["value"]),
         g("max_depth_m", lambda v: f"{_km(v)} km"), "tool: horizontal distance to the border"],
        ["inside on the map (TR)", c("map_inside")["text"], _miles(c("map_inside")["value"]),
         g("length_inside_m", lambda v: f"{_km(v)} km"), "tool: ground length inside"],
        ["altitude (TR)", c("altitude")["text"], f"{19000 * FOOT_M:.0f} m", g("min_alt_m", lambda v: f"{v:.0f} m"),
         "taken from the claim"],
        ["RU: never crossed", c("ru_hit")["text"], "0 passages into TUR",
         "no passage" if ru_in is None or ru_in["status"] == "near" else f"passage {ru_in['status']}", ""],
        ["RU: distance when hit", "1 km from the Turkish border", "1.00 km",
         "–" if ru_near is None else f"closest {_km(ru_near['closest_approach_m'])} km at "
         f"{_time(ru_near['closest_approach_time'])} UTC", "path placed for this distance"],
        ["US view", c("us_view")["text"], "–",
         g("duration_s", lambda v: f"TR-claim inside {v:.1f} s") + "; " +
         ("RU-claim outside" if ru_near is None else f"RU-claim {_km(ru_near['closest_approach_m'])} km outside"),
         f"the reconstructions run {abs(RU_OFFSET_M) / 1000:.1f} km apart here"],
        ["RU: target position", c("ru_target")["text"], "5.50 km", "not encoded",
         "cannot also be 1 km from the border"],
    ]
    return table(["quantity", "published claim", "claim in SI", "skyborder", "note"], rows)


def published_claims(mile_m: float) -> Claims:
    """The Turkish letter's duration, length and depth (miles of ``mile_m`` metres, the unit was not
    stated), with their rounding, at a Su-24's cruise (+- 15 %)."""
    duration, length, depth = (demo_data.claim(k)["value"] for k in ("duration", "length", "depth"))
    cruise = SU24_CRUISE_KMH / 3.6
    return Claims(Claimed(duration, 0.5), Claimed(length * mile_m, 0.005 * mile_m),
                  Claimed(depth * mile_m, 0.005 * mile_m), speed_mps=(cruise * 0.85, cruise * 1.15))


def claim_checks() -> dict[str, ClaimCheck]:
    """The published figures checked against the embedded TUR boundary at the salient's tip, read in
    statute and in nautical miles (``analysis.claims``)."""
    turkey = world.country(WATCHED)
    return {unit: check_claims(turkey, published_claims(mile), near=MAP_CENTRE, radius_m=CLAIMS_RADIUS_M)
            for unit, mile in (("statute", STATUTE_MILE_M), ("nautical", NAUTICAL_MILE_M))}


def _consistency(tr: pd.Series | None, checks: dict[str, ClaimCheck]) -> str:
    """The claims checked against each other and the real boundary (both readings of "miles"), and
    the tool's own numbers on the reconstructed path."""
    claim_s = demo_data.claim("duration")["value"]
    speeds = ", ".join(f"{km(c.claims.length_m.value)} km / {claim_s:.0f} s = "
                       f"{c.claims.length_m.value / claim_s * 3.6:.0f} km/h ({unit} miles)"
                       for unit, c in checks.items())
    cruise = SU24_CRUISE_KMH / 3.6
    lines = [f"- Claimed length over claimed time: {speeds}. At a Su-24 cruise of about {SU24_CRUISE_KMH:.0f} km/h "
             f"it flies {cruise * claim_s / 1000:.2f} km in {claim_s:.0f} s (the KU Leuven physicists' point: "
             "~2 km takes 7-10 s, not 17 s)."]
    for unit, check in checks.items():
        lines += [f"- Read as **{unit} miles** (`skyborder claims --airspace TUR --duration 17 --length 1.15"
                  f"{'mi' if unit == 'statute' else 'nmi'} --depth 1.36{'mi' if unit == 'statute' else 'nmi'} "
                  f"--speed 960km/h --near {MAP_CENTRE[1]},{MAP_CENTRE[0]} --radius {CLAIMS_RADIUS_M:.0f}`):"]
        lines += ["  " + line for line in claim_lines(check)]
    if tr is not None and tr["status"] != "near":
        speed = tr["length_inside_m"] / tr["duration_s"]
        lines += [
            f"- skyborder on the reconstructed TR-claim path (flown at an assumed {speed * 3.6:.0f} km/h): "
            f"{tr['length_inside_m'] / 1000:.2f} km inside TUR in {tr['duration_s']:.1f} s, "
            f"entry {hms(tr['entry_time'])}, exit {hms(tr['exit_time'])} UTC, max depth "
            f"{tr['max_depth_m'] / 1000:.2f} km. The claimed {claim_s:.0f} s would need "
            f"{tr['length_inside_m'] / claim_s * 3.6:.0f} km/h over this chord, or a chord of "
            f"{speed * claim_s / 1000:.2f} km at this speed.",
        ]
    else:
        lines.append("- skyborder found no passage of the TR-claim path into TUR.")
    return "\n".join(lines)


def _warnings_table(tracks: pd.DataFrame, watched) -> str:
    """The warnings skyborder's ``air-policing`` policy gives on the TR-claim path, beside the claim."""
    track = tracks[tracks["track_id"] == TR_TRACK]
    policy = load_policy(WARNING_POLICY)
    events = replay(track, [watched], policy)
    warnings = events.warnings
    claimed = demo_data.warning_times()
    entry = pd.Timestamp(demo_data.claim("entry")["value"])
    rows = [[str(i + 1), _time(w["time"]), w["stage"], f"{w['lat']:.4f}", f"{w['lon']:.4f}", _km(w["distance_m"]),
             "–" if pd.isna(w["time_to_entry_s"]) else f"{w['time_to_entry_s']:.0f}",
             f"{w['reference']} {w['reference_bearing_deg']:03.0f}, {w['reference_range_m'] / NAUTICAL_MILE_M:.0f} NM",
             f"{w['heading_away_deg']:03.0f}"]
            for i, (_, w) in enumerate(warnings.iterrows())]
    before = warnings[warnings["time"] < entry]
    window = (entry - pd.Timedelta(minutes=5) <= warnings["time"]) & (warnings["time"] < entry)
    alerts = warnings["alert_start"].nunique()
    span = (before["time"].max() - before["time"].min()).total_seconds() if len(before) > 1 else 0.0
    w = demo_data.claims()["warnings"]
    wlon, wlat = demo_data.warned_position()
    summary = [
        f"Published: \"{w['text']}\", {len(claimed)} times within five minutes (about every 30 s), the position "
        f"\"Humeymim 020, 26 miles\" ({wlat:.4f} N {wlon:.4f} E) in one of them.",
        f"skyborder's `{policy.name}` policy ({policy.description}) on the reconstructed TR-claim path gives "
        f"**{len(warnings)} warnings** in {alerts} alert(s): {len(before)} before the entry at "
        f"{_time(entry)} UTC, spread over {span / 60:.1f} min ({int(window.sum())} of them in the five minutes before "
        f"it), the first at {_time(warnings['time'].iloc[0]) if len(warnings) else '–'} UTC.",
        "The path is a reconstruction and the policy's distance (12 NM) is skyborder's choice, not a published rule: "
        "the count is what this policy says about this path, not a check of the claim. The gap between the "
        "alerts is the loop away from the border, when the aircraft was not closing.",
    ]
    return ("\n".join(f"- {line}" for line in summary) + "\n\n"
            + table(["#", "time", "stage", "lat", "lon", "to TUR border km", "entry in s", "position",
                     "heading away"], rows, right={0, 3, 4, 5, 6, 8}))
