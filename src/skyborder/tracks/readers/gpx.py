"""GPX 1.0/1.1 tracks: every ``trk`` is one track (its ``name``, else the file name), made of the
``trkpt`` of all its ``trkseg``: ``lat``/``lon`` attributes (degrees), ``time`` (ISO-8601),
``ele`` (metres, GNSS: ``geo_alt_m``), and GPX 1.0's ``speed`` (m/s) and ``course`` (degrees)
when present. Points without a valid time or position are reported with their line and skipped.
"""
from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from ...errors import BadInput, InputError
from ...sources import Source
from ...xmltree import MAX_XML_BYTES, parse_xml
from .columns import Located
from .fixes import to_tracks, track_names

__all__ = ["read_gpx", "read_gpx_batches"]


def read_gpx(path: str, bad: BadInput | None = None) -> pd.DataFrame:
    """A GPX file's tracks -> the track table."""
    from .sniff import read_tracks

    return read_tracks(path, "gpx", bad)


def read_gpx_batches(source: Source, bad: BadInput, batch_rows: int = 1_000_000) -> Iterator[pd.DataFrame]:
    """A GPX document as one track table."""
    path = source.name
    root = parse_xml(source.read_all(MAX_XML_BYTES), path)
    if root.tag != "gpx":
        raise InputError(f"{path}: not GPX (root element <{root.tag}>)")
    tracks = list(root.iter("trk"))
    names = track_names([t.child_text("name") or None for t in tracks], path)
    cols: dict[str, list] = {k: [] for k in ("time", "track_id", "lat", "lon", "geo_alt_m", "speed_mps",
                                             "heading_deg")}
    lines: list[int] = []
    for name, trk in zip(names, tracks):
        for pt in trk.iter("trkpt"):
            cols["time"].append(pt.child_text("time"))
            cols["track_id"].append(name)
            cols["lat"].append(pt.attrs.get("lat"))
            cols["lon"].append(pt.attrs.get("lon"))
            cols["geo_alt_m"].append(pt.child_text("ele"))
            cols["speed_mps"].append(pt.child_text("speed"))
            cols["heading_deg"].append(pt.child_text("course"))
            lines.append(pt.line)
    if not lines:
        raise InputError(f"{path}: GPX without track points (trk/trkseg/trkpt)")
    yield to_tracks(Located.from_values(cols, lines, "line", path), bad=bad)
