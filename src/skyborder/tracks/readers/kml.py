"""KML 2.2 tracks.

- ``gx:Track`` (also inside ``gx:MultiTrack``): ``when`` and ``gx:coord`` ("lon lat alt") pair up in order.
- ``LineString`` with per-point times in ``ExtendedData`` (a ``Data``/``SimpleData`` named
  ``times``/``time``/``timestamps``/``when``, whitespace-separated ISO or epoch values), or with a
  ``TimeSpan``: its begin and end are the first and last point's times and the points between get
  times linear in geodesic distance along the line (the project's own convention between fixes);
  those invented times are marked ``interpolated``.
- ``Point`` placemarks with a ``TimeStamp`` (flight-tracker exports): fixes of a track named after
  the enclosing Folder/Document.

A track is named after its Placemark (else the file). Altitudes are metres above sea level
(geometric: ``geo_alt_m``) unless the geometry's ``altitudeMode`` says they are relative to or
clamped to the ground (then dropped).
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from ...errors import BadInput, InputError
from ...geodesy import GEOD
from ...sources import Source
from ...xmltree import MAX_XML_BYTES, Node, parse_xml
from .columns import Located
from .fixes import stem, to_tracks, track_names

__all__ = ["read_kml", "read_kml_batches"]

TIME_KEYS = {"times", "time", "timestamps", "when"}
NOT_MSL = {"clampToGround", "relativeToGround", "clampToSeaFloor", "relativeToSeaFloor"}
CONTAINERS = {"Document", "Folder"}
FIELDS = ("time", "track_id", "lat", "lon", "geo_alt_m", "interpolated")


class _Fixes:
    """Columns of raw values being collected, with the line of each."""

    def __init__(self) -> None:
        self.cols: dict[str, list] = {k: [] for k in FIELDS}
        self.lines: list[int] = []

    def add(self, time: object, track: str, lon: object, lat: object, alt: object, line: int,
            interpolated: bool = False) -> None:
        for key, value in zip(FIELDS, (time, track, lat, lon, alt, "true" if interpolated else "false")):
            self.cols[key].append(value)
        self.lines.append(line)


def _placemarks(root: Node) -> list[tuple[Node, str | None]]:
    """Every Placemark with the name of its nearest named Folder/Document (document order)."""
    out: list[tuple[Node, str | None]] = []
    stack: list[tuple[Node, str | None]] = [(root, None)]
    while stack:
        node, container = stack.pop()
        if node.tag == "Placemark":
            out.append((node, container))
            continue
        if node.tag in CONTAINERS:
            container = node.child_text("name") or container
        stack.extend((child, container) for child in reversed(node.children))
    return out


def _altitude(geometry: Node, value: str | None) -> str | None:
    mode = geometry.child_text("altitudeMode")
    return None if mode in NOT_MSL else value


def _split_coord(text: str, sep: str | None) -> tuple[str | None, str | None, str | None]:
    parts = text.split(sep) + [None, None, None]
    return parts[0], parts[1], parts[2]


def _extended_times(placemark: Node) -> list[str] | None:
    for node in list(placemark.iter("Data")) + list(placemark.iter("SimpleData")):
        if node.attrs.get("name", "").strip().lower() in TIME_KEYS:
            value = node.child_text("value") if node.tag == "Data" else node.text
            return (value or "").replace(",", " ").split()
    return None


def _span_times(placemark: Node, points: list[tuple[str | None, str | None, str | None]]) -> list[float] | None:
    """Epoch seconds linear in geodesic distance between TimeSpan begin and end (None if no span)."""
    span = placemark.find("TimeSpan")
    if span is None:
        return None
    begin = pd.to_datetime(span.child_text("begin"), utc=True, format="ISO8601", errors="coerce")
    end = pd.to_datetime(span.child_text("end"), utc=True, format="ISO8601", errors="coerce")
    lon = pd.to_numeric(pd.Series([p[0] for p in points], dtype=object), errors="coerce").to_numpy(float)
    lat = pd.to_numeric(pd.Series([p[1] for p in points], dtype=object), errors="coerce").to_numpy(float)
    if pd.isna(begin) or pd.isna(end) or not (np.isfinite(lon).all() and np.isfinite(lat).all()) \
            or (np.abs(lat) > 90).any():
        return None
    _, _, steps = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    along = np.r_[0.0, np.cumsum(steps)]
    share = along / along[-1] if along[-1] > 0 else np.linspace(0.0, 1.0, len(points))
    t0, t1 = begin.value / 1e9, end.value / 1e9
    return (t0 + share * (t1 - t0)).tolist()


def _line_string(placemark: Node, line: Node, track: str, fixes: _Fixes, path: str, bad: BadInput) -> None:
    coords = line.find("coordinates")
    if coords is None:
        return
    points = [_split_coord(tok, ",") for tok in coords.text.split()]
    if not points:
        return
    times: list[str] | list[float] | None = _extended_times(placemark)
    if times is not None and len(times) != len(points):
        bad.report(path, line.line, f"LineString has {len(points)} points but {len(times)} times",
                   kind="times do not match points")
        return
    invented = times is None
    if times is None:
        times = _span_times(placemark, points) if len(points) > 1 else None
    if times is None:
        bad.report(path, line.line, "LineString without per-point times (ExtendedData) or a valid TimeSpan",
                   kind="no times")
        return
    for k, (when, (lon, lat, alt)) in enumerate(zip(times, points)):
        inside = invented and 0 < k < len(points) - 1  # the span's begin and end are given
        fixes.add(when, track, lon, lat, _altitude(line, alt), coords.line, inside)


def _gx_track(track_node: Node, track: str, fixes: _Fixes, path: str, bad: BadInput) -> None:
    whens = [c for c in track_node.children if c.tag == "when"]
    coords = [c for c in track_node.children if c.tag == "coord"]
    if len(whens) != len(coords):
        bad.report(path, track_node.line, f"gx:Track has {len(whens)} <when> but {len(coords)} <gx:coord>",
                   kind="times do not match points")
        return
    for when, coord in zip(whens, coords):
        lon, lat, alt = _split_coord(coord.text, None)
        fixes.add(when.text, track, lon, lat, _altitude(track_node, alt), coord.line)


def read_kml(path: str, bad: BadInput | None = None) -> pd.DataFrame:
    """A KML file's timed tracks -> the track table."""
    from .sniff import read_tracks

    return read_tracks(path, "kml", bad)


def read_kml_batches(source: Source, bad: BadInput, batch_rows: int = 1_000_000) -> Iterator[pd.DataFrame]:
    """A KML document's timed tracks as one track table."""
    path = source.name
    root = parse_xml(source.read_all(MAX_XML_BYTES), path)
    if root.tag != "kml":
        raise InputError(f"{path}: not KML (root element <{root.tag}>)")
    placemarks = _placemarks(root)
    names = track_names([p.child_text("name") or None for p, _ in placemarks], path)
    fixes = _Fixes()
    for name, (placemark, container) in zip(names, placemarks):
        for track_node in placemark.iter("Track"):
            _gx_track(track_node, name, fixes, path, bad)
        for line in placemark.iter("LineString"):
            _line_string(placemark, line, name, fixes, path, bad)
        stamp = placemark.find("TimeStamp")
        when = stamp.child_text("when") if stamp is not None else None
        for point in placemark.iter("Point") if when else ():
            coords = point.find("coordinates")
            lon, lat, alt = _split_coord(coords.text if coords is not None else "", ",")
            fixes.add(when, container or stem(path), lon, lat, _altitude(point, alt), point.line)
    if not fixes.lines:
        raise InputError(f"{path}: KML without timed tracks (gx:Track, timed LineString or timed Points)")
    yield to_tracks(Located.from_values(fixes.cols, fixes.lines, "line", path), bad=bad)
