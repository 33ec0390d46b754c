"""Incident reports as documents: a self-contained HTML page and a PDF per incident, GeoJSON and
KML, and an index page for a batch.

The HTML page carries everything inline (the map as a PNG data URI, the style sheet) and a
Content-Security-Policy that forbids loading anything else, so it opens the same offline, from an
e-mail or from a USB stick. The PDF is the same page printed by WeasyPrint (no browser needed).
Templates (Jinja2, autoescaped: track ids and messages from the input cannot inject markup) and
the style sheet are package data under ``report/templates``.
"""
from __future__ import annotations

import base64
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import pandas as pd

from ..errors import OutputFormatError
from .geo import to_geojson, to_kml
from .incident import Incident
from .radar_map import auto_frame, draw_radar_map
from .text import clock, km

__all__ = ["FORMATS", "render_html", "write_index", "write_reports"]

FORMATS = ("html", "pdf", "geojson", "kml")
WITH_PROFILE_ASPECT = (12.0 * 0.6) / (12.0 * 0.94)  # the map's height over width with the profile panel


@cache
def _environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader("skyborder.report", "templates"),
                              autoescape=jinja2.select_autoescape(["html", "j2"]), trim_blocks=False)


def _css() -> str:
    from importlib import resources

    return (resources.files("skyborder.report") / "templates" / "report.css").read_text(encoding="utf-8")


def parse_formats(text: str) -> list[str]:
    """``--format``: a comma list of html, pdf, geojson, kml."""
    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise OutputFormatError(f"--format {text!r}: choose from {', '.join(FORMATS)} (comma-separated)")
    return formats


def draw_incident_map(incident: Incident, out: Path) -> Path:
    """The incident's map (with the altitude panel), framed on it."""
    rows = incident.result[incident.result.index == incident.row.name]
    centre, half = auto_frame(incident.track, rows, WITH_PROFILE_ASPECT)
    draw_radar_map(incident.airspaces, incident.track, incident.result, out, title=incident.title, centre=centre,
                   half_width_m=half, profile=True)
    return out


def _warning_rows(incident: Incident) -> list[dict[str, str]]:
    rows = []
    for w in incident.warnings.to_dict("records"):
        tte = w.get("time_to_entry_s")
        dist = w.get("distance_m")
        rows.append({"time": clock(w["time"]), "stage": str(w.get("stage", "")),
                     "time_to_entry": "–" if tte is None or pd.isna(tte) else f"{tte:.0f} s",
                     "distance": "–" if dist is None or pd.isna(dist) else f"{km(dist)} km",
                     "message": str(w.get("message") or "")})
    return rows


def render_html(incident: Incident, map_png: bytes, cautions: Sequence[str] = (),
                warnings_note: str = "") -> str:
    """The incident's self-contained HTML page."""
    template = _environment().get_template("incident.html.j2")
    warnings = _warning_rows(incident)
    if not warnings_note:
        warnings_note = (f"{len(warnings)} warning(s) recorded in the register for this aircraft and airspace."
                         if warnings else "No warning recorded for this aircraft and airspace.")
    return template.render(incident=incident, map_png=base64.b64encode(map_png).decode("ascii"), css=_css(),
                           cautions=list(cautions), warnings=warnings, warnings_note=warnings_note,
                           generated=f"{incident.provenance.generated:%Y-%m-%d %H:%M:%S} UTC")


def write_reports(incidents: Sequence[Incident], out_dir: Path | str, formats: Sequence[str],
                  title: str = "skyborder incident reports", cautions: Sequence[str] = (),
                  warnings_note: str = "") -> tuple[Path, dict[int, dict[str, Path]]]:
    """One set of files per incident (``<stem>.png`` and each format) and ``index.html``.

    Returns the index's path and, per incident number, its files by format.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[int, dict[str, Path]] = {}
    for incident in incidents:
        mine: dict[str, Path] = {}
        if "html" in formats or "pdf" in formats:
            png = draw_incident_map(incident, out / f"{incident.stem}.png")
            mine["png"] = png
            html = render_html(incident, png.read_bytes(), cautions, warnings_note)
            if "html" in formats:
                mine["html"] = out / f"{incident.stem}.html"
                mine["html"].write_text(html, encoding="utf-8")
            if "pdf" in formats:
                import weasyprint

                mine["pdf"] = out / f"{incident.stem}.pdf"
                weasyprint.HTML(string=html).write_pdf(mine["pdf"])
        if "geojson" in formats:
            mine["geojson"] = out / f"{incident.stem}.geojson"
            mine["geojson"].write_text(to_geojson(incident), encoding="utf-8")
        if "kml" in formats:
            mine["kml"] = out / f"{incident.stem}.kml"
            mine["kml"].write_text(to_kml(incident), encoding="utf-8")
        files[incident.number] = mine
    return write_index(incidents, files, out, title), files


def write_index(incidents: Sequence[Incident], files: dict[int, dict[str, Path]], out: Path, title: str) -> Path:
    """``index.html``: one line per incident with its figures and links to its files."""
    entries = []
    for incident in incidents:
        r = incident.row
        when = r["closest_approach_time"] if incident.is_near_miss else r["entry_time"]
        p = r.get("p_inside")
        entries.append({
            "number": incident.number, "track": r["track_id"], "airspace": r["airspace"], "status": r["status"],
            "when": "–" if pd.isna(when) else f"{pd.Timestamp(when):%Y-%m-%d} {clock(when)}",
            "duration": "–" if pd.isna(r["duration_s"]) else f"{r['duration_s']:.1f}",
            "depth": km(r["closest_approach_m"] if incident.is_near_miss else r["max_depth_m"]),
            "p": "–" if p is None or pd.isna(p) else f"{p:.3f}",
            "files": [(kind, path.name) for kind, path in files.get(incident.number, {}).items() if kind != "png"],
        })
    template = _environment().get_template("index.html.j2")
    generated = incidents[0].provenance.generated if incidents else pd.Timestamp.now(tz="UTC").floor("s")
    version = incidents[0].provenance.version if incidents else ""
    html = template.render(title=title, entries=entries, css=_css(), version=version,
                           generated=f"{generated:%Y-%m-%d %H:%M:%S} UTC")
    path = out / "index.html"
    path.write_text(html, encoding="utf-8")
    return path
