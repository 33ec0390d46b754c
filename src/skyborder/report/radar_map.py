"""A radar-scope style map of tracks, airspaces and detected passages, for any recording (PNG, SVG
or PDF by the file's suffix; a matplotlib ``Figure`` drawn with the Agg canvas, so importing this
module changes no global matplotlib state).

The view frames itself on the watched airspace's passages and near misses (or on the whole tracks
when there are none) unless a centre and half-width are given. Entry, exit and the point of
maximum depth carry their UTC times; the other claimants of a disputed area are drawn hatched;
``profile=True`` adds an altitude/time panel (``report.profile``) under the map.

Everything is drawn in an azimuthal equidistant projection (pyproj AEQD, WGS84) centred on the
scene, so distances and the scale bar are true metres near the centre (the scale error is below
1e-5 within 30 km) and true north is straight up at the centre. Track legs are drawn along their
WGS84 geodesics; airspace edges are straight in lon/lat (RFC 7946), densified before projecting.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyproj
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Circle, PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.transforms import Transform

from ..airspace.model import Airspace
from ..analysis.along import densify_path, time_nearest
from ..detection.paths import is_normalized
from ..detection.result import passage_path
from ..errors import InputError
from ..geodesy import GEOD
from ..tracks import schema
from .style import (
    AIRSPACE_FILLS,
    ATTRIBUTION,
    BACKGROUND,
    BORDER,
    DEPTH,
    GRID,
    NEAR,
    RIVAL,
    TEXT,
    TRACK_COLOURS,
    VIOLATION,
)

NICE_KM = (0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)


@dataclass(frozen=True)
class MapLabel:
    """A point of interest: a marker (matplotlib style, ``""`` for text only) with a text label."""

    lon: float
    lat: float
    text: str
    marker: str = "o"
    colour: str = TEXT
    size: float = 9.0
    offset_pt: tuple[float, float] = (6.0, 6.0)
    short: str = ""  # label in the overview inset ("" = marker only)


@dataclass
class RadarMap:
    """What was drawn: the file, its pixel size, the scale bar and a lon/lat -> pixel mapping."""

    path: Path
    width_px: int
    height_px: int
    centre_lon: float
    centre_lat: float
    scale_bar_km: float
    scale_bar_px: tuple[tuple[float, float], tuple[float, float]]  # image pixels, origin top-left
    _to_display: Transform = field(repr=False)
    _to_plane: pyproj.Transformer = field(repr=False)

    def to_pixel(self, lon: float | np.ndarray, lat: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Image pixel coordinates (x right, y down) of lon/lat degrees on the saved PNG."""
        x, y = self._to_plane.transform(lon, lat)
        disp = self._to_display.transform(np.column_stack([np.atleast_1d(x), np.atleast_1d(y)]))
        return disp[:, 0], self.height_px - disp[:, 1]


def hms(ts: pd.Timestamp) -> str:
    """HH:MM:SS.s of a UTC time (tenths of a second, rounded)."""
    ts = pd.Timestamp(ts).round("100ms")
    return f"{ts:%H:%M:%S}.{ts.microsecond // 100_000}"


def scene_centre(tracks: pd.DataFrame, passages: pd.DataFrame) -> tuple[float, float]:
    """(lon, lat) to centre on: the mean of the passages' entry/exit and closest-approach points,
    else the middle of the tracks' bounding box."""
    lons = pd.concat([passages.get(c, pd.Series(dtype=float)) for c in
                      ("entry_lon", "exit_lon", "closest_approach_lon")]).dropna()
    lats = pd.concat([passages.get(c, pd.Series(dtype=float)) for c in
                      ("entry_lat", "exit_lat", "closest_approach_lat")]).dropna()
    if len(lons):
        return float(lons.mean()), float(lats.mean())
    return (float(tracks["lon"].min() + tracks["lon"].max()) / 2,
            float(tracks["lat"].min() + tracks["lat"].max()) / 2)


def _plane(lon0: float, lat0: float) -> pyproj.Transformer:
    crs = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m +no_defs")
    return pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def _polygon_path(geom: shapely.Geometry, to_plane: pyproj.Transformer) -> MplPath | None:
    """A matplotlib path (holes included) of a lon/lat (Multi)Polygon, densified and projected."""
    geom = shapely.segmentize(geom, 0.002)  # lon/lat-straight edges stay straight to < 1 m
    verts: list[tuple[float, float]] = []
    codes: list = []
    for poly in getattr(geom, "geoms", [geom]):
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        for ring in (poly.exterior, *poly.interiors):
            lon, lat = np.asarray(ring.coords).T
            x, y = to_plane.transform(lon, lat)
            verts.extend(zip(x, y))
            codes.extend([MplPath.MOVETO] + [MplPath.LINETO] * (len(x) - 2) + [MplPath.CLOSEPOLY])
    return MplPath(verts, codes) if verts else None


def _geodesic_xy(lon: np.ndarray, lat: np.ndarray, to_plane: pyproj.Transformer,
                 step_m: float = 200.0) -> tuple[np.ndarray, np.ndarray]:
    """Plane coordinates of a polyline whose legs follow WGS84 geodesics (densified)."""
    dlon, dlat, _ = densify_path(np.asarray(lon, float), np.asarray(lat, float), max_step_m=step_m)
    return to_plane.transform(dlon, dlat)


def _nice_km(span_km: float) -> float:
    """The largest 'nice' length not above a quarter of the span."""
    return max([k for k in NICE_KM if k <= span_km / 4] or [NICE_KM[0]])


@dataclass(frozen=True)
class Layout:
    """Where the parts of the figure go (figure fractions) and the figure's size (inches)."""

    size_in: tuple[float, float]
    map_rect: tuple[float, float, float, float]
    title_y: float
    subtitle_y: float
    note_y: float
    attribution_y: float
    inset_rect: tuple[float, float, float, float]
    profile_rect: tuple[float, float, float, float] | None = None


MAP_ONLY = Layout((12.0, 9.0), (0.03, 0.1, 0.94, 0.8), 0.955, 0.915, 0.06, 0.03, (0.045, 0.595, 0.27, 0.29))
WITH_PROFILE = Layout((12.0, 12.0), (0.03, 0.3, 0.94, 0.6), 0.966, 0.936, 0.035, 0.015,
                      (0.045, 0.695, 0.22, 0.2), (0.075, 0.075, 0.85, 0.17))
MIN_HALF_WIDTH_M = 2_000.0
FRAME_MARGIN = 1.3  # the view reaches this much beyond the framed points


def _watched_rows(passages: pd.DataFrame, airspaces: Sequence[Airspace]) -> pd.DataFrame:
    """The passages and near misses of the watched (first) airspace."""
    if not airspaces or passages.empty:
        return passages.iloc[0:0]
    return passages[passages["airspace"] == airspaces[0].name]


def _frame_points(tracks: pd.DataFrame, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """lon, lat (deg) of the points the view must show, with a radius (m) around each: the inside
    paths, entry, exit and depth points of passages, the closest points of near misses (with their
    distance, so the border shows too); the tracks' fixes when there are no rows."""
    if rows.empty:
        return tracks["lon"].to_numpy(float), tracks["lat"].to_numpy(float), np.zeros(len(tracks))
    lons: list[np.ndarray] = []
    lats: list[np.ndarray] = []
    radii: list[np.ndarray] = []
    by_track = dict(list(tracks.groupby("track_id", sort=False)))
    for row in rows.to_dict("records"):
        if row["status"] == "near":
            lons.append(np.array([row["closest_approach_lon"]], float))
            lats.append(np.array([row["closest_approach_lat"]], float))
            radii.append(np.array([row["closest_approach_m"]], float))
            continue
        path = passage_path(row, by_track.get(row["track_id"], tracks.iloc[0:0]))
        lons.append(np.r_[path.lon, row["max_depth_lon"]])
        lats.append(np.r_[path.lat, row["max_depth_lat"]])
        radii.append(np.zeros(len(path) + 1))
    lon, lat, radius = np.concatenate(lons), np.concatenate(lats), np.concatenate(radii)
    ok = np.isfinite(lon) & np.isfinite(lat)
    return lon[ok], lat[ok], np.nan_to_num(radius[ok])


def auto_frame(tracks: pd.DataFrame, rows: pd.DataFrame, aspect: float,
               min_half_width_m: float = MIN_HALF_WIDTH_M) -> tuple[tuple[float, float], float]:
    """The centre (lon, lat) and half-width (m) of a view that shows ``rows`` (passages and near
    misses: see :func:`_frame_points`), or the whole tracks when there are none.

    ``aspect`` is the view's height over its width. The points' bounding box, measured in an
    azimuthal equidistant plane, fills 1 / ``FRAME_MARGIN`` of the view; the half-width is at
    least ``min_half_width_m``.
    """
    lon, lat, radius = _frame_points(tracks, rows)
    if len(lon) == 0:
        raise InputError("nothing to draw: no fix has a position")
    lon0, lat0 = float(np.mean(lon)), float(np.mean(lat))
    x, y = _plane(lon0, lat0).transform(lon, lat)
    x0, x1 = float(np.min(x - radius)), float(np.max(x + radius))
    y0, y1 = float(np.min(y - radius)), float(np.max(y + radius))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half = max((x1 - x0) / 2, (y1 - y0) / 2 / aspect) * FRAME_MARGIN
    clon, clat = _plane(lon0, lat0).transform(cx, cy, direction="INVERSE")
    return (float(clon), float(clat)), max(half, min_half_width_m)


def rival_airspaces(passages: pd.DataFrame, airspaces: Sequence[Airspace]) -> list[Airspace]:
    """The other claimants (embedded countries) of the areas the watched airspace's passages went
    through (``disputed_with``), each once."""
    from ..airspace import world

    codes: list[str] = []
    for listed in _watched_rows(passages, airspaces).get("disputed_with", pd.Series(dtype=object)):
        codes += [c for c in (listed if isinstance(listed, (list, tuple, np.ndarray)) else []) if c not in codes]
    return [world.country(code) for code in codes]


def draw_radar_map(airspaces: Sequence[Airspace], tracks: pd.DataFrame, passages: pd.DataFrame,
                   out: Path | str, title: str = "Track and airspace passages",
                   annotations: Iterable[MapLabel] = (), half_width_m: float | None = None,
                   centre: tuple[float, float] | None = None, note: str = "", attribution: str = ATTRIBUTION,
                   track_colours: dict[str, str] | None = None, track_labels: dict[str, str] | None = None,
                   overview_half_width_m: float = 0.0, size_in: tuple[float, float] | None = None,
                   dpi: int = 120, profile: bool = False, rivals: Sequence[Airspace] | None = None) -> RadarMap:
    """Draw airspaces (the first one is the watched one), tracks, passages and labels to ``out``.

    Parameters
    ----------
    airspaces : sequence of Airspace
        The first is highlighted, and its passages are drawn.
    tracks : DataFrame
        A track table.
    passages : DataFrame
        A ``detect`` result: closed/open passages of the watched airspace get their inside path,
        entry and exit times and the point of maximum depth with its time; ``near`` rows their
        closest approach.
    out : path
        PNG, SVG or PDF (by suffix).
    half_width_m, centre : float, (lon, lat)
        The view: ``half_width_m`` metres either side of ``centre``. Either left out is framed
        automatically (:func:`auto_frame` on the watched airspace's rows).
    overview_half_width_m : float
        > 0 adds an inset of that half-width (m) with the view outlined.
    track_colours, track_labels : dict
        Colours and legend entries by track_id; tracks are drawn in this order, then the rest.
    note, attribution : str
        Printed under the map (default attribution: the credit for the embedded OSM boundaries).
    profile : bool
        Add an altitude/time panel under the map (``report.profile``).
    rivals : sequence of Airspace
        Other claimants to draw hatched (default: :func:`rival_airspaces` of the passages).
    size_in, dpi
        Figure size (inches; default by layout) and resolution.

    Returns
    -------
    RadarMap
        What was drawn, including the scale bar in image pixels.
    """
    tracks = tracks if is_normalized(tracks) else schema.normalize(tracks)
    layout = WITH_PROFILE if profile else MAP_ONLY
    size = size_in or layout.size_in
    rect = layout.map_rect
    aspect = (size[1] * rect[3]) / (size[0] * rect[2])
    rows = _watched_rows(passages, airspaces)
    if centre is None or half_width_m is None:
        auto_centre, auto_half = auto_frame(tracks, rows, aspect)
        centre = centre or auto_centre
        half_width_m = half_width_m or auto_half
    canvas = MapCanvas(airspaces, centre, half_width_m, layout, size, dpi)
    ax, to_plane = canvas.ax, canvas.to_plane
    rivals = rival_airspaces(passages, airspaces) if rivals is None else rivals
    _draw_rivals(ax, rivals, to_plane, *centre, half_width_m)
    colours = _track_colours(tracks, track_colours)
    _draw_tracks(ax, tracks, to_plane, colours, track_labels or {})
    _draw_passages(ax, tracks, passages, airspaces, to_plane, colours)
    canvas.label(annotations)
    if overview_half_width_m > 0:
        _draw_overview(canvas.fig, layout.inset_rect, airspaces, tracks, annotations, to_plane, *centre, colours,
                       overview_half_width_m, (half_width_m, canvas.half_h))
    if layout.profile_rect is not None:
        from .profile import draw_profile, visible_window

        window = visible_window(tracks, to_plane, half_width_m, canvas.half_h)
        draw_profile(canvas.fig.add_axes(layout.profile_rect), tracks, passages, airspaces[0] if airspaces else None,
                     colours, window)
    return canvas.save(out, title, note, attribution)


class MapCanvas:
    """A radar-style map in the making: the figure, the plane axes (metres, centred on ``centre``
    (lon, lat), ``half_width_m`` either side), range rings and the airspaces (the first watched).
    Draw on ``ax`` in plane coordinates (``to_plane``), then :meth:`save`."""

    def __init__(self, airspaces: Sequence[Airspace], centre: tuple[float, float], half_width_m: float,
                 layout: Layout = MAP_ONLY, size_in: tuple[float, float] | None = None, dpi: int = 120):
        self.layout, self.dpi, self.centre, self.half_w = layout, dpi, centre, half_width_m
        size = size_in or layout.size_in
        rect = layout.map_rect
        self.half_h = half_width_m * (size[1] * rect[3]) / (size[0] * rect[2])
        self.to_plane = _plane(*centre)
        self.fig = Figure(figsize=size, dpi=dpi, facecolor=BACKGROUND)
        FigureCanvasAgg(self.fig)
        self.ax = _plane_axes(self.fig, rect, half_width_m, self.half_h, GRID)
        _draw_range_rings(self.ax, half_width_m, self.half_h)
        _draw_airspaces(self.ax, airspaces, self.to_plane, *centre, half_width_m)

    def xy(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        """Plane metres of lon/lat degrees."""
        x, y = self.to_plane.transform(lon, lat)
        return np.asarray(x), np.asarray(y)

    def label(self, annotations: Iterable[MapLabel]) -> None:
        """Markers with text labels."""
        for label in annotations:
            x, y = self.to_plane.transform(label.lon, label.lat)
            if label.marker:
                self.ax.plot(x, y, label.marker, color=label.colour, ms=7, mec=BACKGROUND, zorder=6)
            self.ax.annotate(label.text, (x, y), xytext=label.offset_pt, textcoords="offset points",
                             color=label.colour, fontsize=label.size, zorder=7,
                             bbox=dict(boxstyle="round,pad=0.2", fc=BACKGROUND, ec="none", alpha=0.6))

    def save(self, out: Path | str, title: str, note: str = "", attribution: str = ATTRIBUTION) -> RadarMap:
        """Scale bar, north arrow, legend, title, notes and credits; write PNG, SVG or PDF by suffix."""
        ax, fig, layout = self.ax, self.fig, self.layout
        bar_km, bar_xy = _draw_scale_bar(ax, self.half_w, self.half_h)
        _draw_north_arrow(ax, self.half_w, self.half_h)
        leg = ax.legend(loc="lower left", fontsize=9, facecolor=BACKGROUND, edgecolor=GRID, labelcolor=TEXT,
                        framealpha=0.85)
        leg.set_zorder(10)
        lon0, lat0 = self.centre
        fig.text(0.03, layout.title_y, title, color=TEXT, fontsize=15, weight="bold", va="center")
        fig.text(0.03, layout.subtitle_y, f"Azimuthal equidistant projection centred on {lat0:.4f}° N "
                 f"{lon0:.4f}° E; true north up; times UTC", color=TEXT, fontsize=9, va="center", alpha=0.8)
        if note:
            fig.text(0.03, layout.note_y, note, color=TEXT, fontsize=9.5, va="center", style="italic")
        fig.text(0.03, layout.attribution_y, attribution, color=TEXT, fontsize=8.5, va="center", alpha=0.8)
        fig.text(0.97, layout.attribution_y, "skyborder", color=TEXT, fontsize=8.5, va="center", ha="right",
                 alpha=0.6)
        out = Path(out)
        fig.savefig(out, dpi=self.dpi, facecolor=BACKGROUND, format=out.suffix.lstrip(".").lower() or "png")
        width, height = fig.canvas.get_width_height()
        to_display = ax.transData
        (px0, py0), (px1, py1) = to_display.transform(bar_xy)
        return RadarMap(out, width, height, lon0, lat0, bar_km,
                        ((px0, height - py0), (px1, height - py1)), to_display, self.to_plane)


def _draw_range_rings(ax, half_w: float, half_h: float) -> None:
    """Faint rings every 'nice' km around the centre and a cross-hair, for the scope look."""
    step = _nice_km(2 * half_w / 1000) * 1000
    for r in np.arange(step, math.hypot(half_w, half_h), step):
        ax.add_patch(Circle((0, 0), r, fill=False, ec=GRID, lw=0.6, ls=(0, (2, 3)), zorder=1))
    ax.axhline(0, color=GRID, lw=0.5, zorder=1)
    ax.axvline(0, color=GRID, lw=0.5, zorder=1)


def _draw_airspaces(ax, airspaces: Sequence[Airspace], to_plane, lon0: float, lat0: float,
                    half_w: float, with_labels: bool = True) -> None:
    """Fill each airspace clipped to the view (first one: the watched airspace) and outline it."""
    box = _view_box(lon0, lat0, half_w)
    for i, airspace in enumerate(airspaces):
        clipped = shapely.clip_by_rect(airspace.geometry, *box)
        path = _polygon_path(clipped, to_plane)
        if path is None:
            continue
        name = airspace.label or airspace.name
        ax.add_patch(PathPatch(path, fc=AIRSPACE_FILLS[i % len(AIRSPACE_FILLS)], ec="none", zorder=0,
                               label=f"{name} ({airspace.name})" if with_labels else None))
        ax.add_patch(PathPatch(path, fc="none", ec=BORDER if i == 0 else GRID, lw=1.6 if i == 0 else 0.8,
                               zorder=2, label="border" if i == 0 and with_labels else None))


def _view_box(lon0: float, lat0: float, half_w: float) -> tuple[float, float, float, float]:
    """A lon/lat box (deg) that holds a view of half-width ``half_w`` (m) around a centre, with room
    to spare (three half-widths each way)."""
    _, lat_n, _ = GEOD.fwd(lon0, lat0, 0.0, 3 * half_w)
    lon_e, _, _ = GEOD.fwd(lon0, lat0, 90.0, 3 * half_w)
    dlat, dlon = lat_n - lat0, lon_e - lon0
    return lon0 - dlon, lat0 - dlat, lon0 + dlon, lat0 + dlat


def _draw_rivals(ax, rivals: Sequence[Airspace], to_plane, lon0: float, lat0: float, half_w: float) -> None:
    """The other claimants of a disputed area: hatched, outlined, named in the legend."""
    box = _view_box(lon0, lat0, half_w)
    for airspace in rivals:
        path = _polygon_path(shapely.clip_by_rect(airspace.geometry, *box), to_plane)
        if path is None:
            continue
        ax.add_patch(PathPatch(path, fc="none", ec=RIVAL, hatch="////", lw=0.9, zorder=2,
                               label=f"also claimed by {airspace.label or airspace.name} ({airspace.name})"))


def _track_colours(tracks: pd.DataFrame, given: dict[str, str] | None) -> dict[str, str]:
    """track_id -> colour: the given ones, the palette in order for the rest."""
    present = set(tracks["track_id"].unique())
    colours = {k: v for k, v in (given or {}).items() if k in present}
    spare = iter(c for c in TRACK_COLOURS if c not in colours.values())
    for track_id in tracks["track_id"].unique():
        colours.setdefault(track_id, next(spare, TEXT))
    return colours


def _draw_tracks(ax, tracks: pd.DataFrame, to_plane, colours: dict[str, str], labels: dict[str, str]) -> None:
    """Each track as a geodesic line with its fixes as radar plots and direction arrows."""
    for track_id, colour in colours.items():
        track = tracks[tracks["track_id"] == track_id]
        lon, lat = track["lon"].to_numpy(), track["lat"].to_numpy()
        x, y = _geodesic_xy(lon, lat, to_plane)
        ax.plot(x, y, color=colour, lw=1.4, alpha=0.9, zorder=3, label=labels.get(track_id, f"{track_id} path"))
        fx, fy = to_plane.transform(lon, lat)
        ax.plot(fx, fy, "o", color=colour, ms=3.2, alpha=0.9, zorder=3)
        _draw_heading_ticks(ax, fx, fy, colour)


def _draw_heading_ticks(ax, fx: np.ndarray, fy: np.ndarray, colour: str) -> None:
    """Small arrows every few fixes showing the direction of flight."""
    for i in range(2, len(fx) - 1, 6):
        ax.annotate("", (fx[i + 1], fy[i + 1]), xytext=(fx[i], fy[i]), zorder=3,
                    arrowprops=dict(arrowstyle="-|>", color=colour, lw=1.0, mutation_scale=11))


def _draw_passages(ax, tracks: pd.DataFrame, passages: pd.DataFrame, airspaces: Sequence[Airspace],
                   to_plane, colours: dict[str, str]) -> None:
    """Inside segments, entry/exit times, max depth and closest approaches of the watched airspace."""
    watched = airspaces[0].name if airspaces else None
    rows = passages[passages["airspace"] == watched] if watched else passages.iloc[0:0]
    labelled: set[str] = set()
    for _, row in rows.iterrows():
        track = tracks[tracks["track_id"] == row["track_id"]]
        if row["status"] == "near":
            _draw_closest(ax, row, airspaces[0], to_plane, colours.get(row["track_id"], NEAR),
                          "closest approach" not in labelled)
            labelled.add("closest approach")
            continue
        path = passage_path(row, track)
        lon, lat = path.lon, path.lat
        x, y = _geodesic_xy(lon, lat, to_plane, step_m=20.0)
        ax.plot(x, y, color=VIOLATION, lw=4.0, zorder=4, solid_capstyle="round",
                label=None if "inside" in labelled else f"inside {watched}")
        ax.plot(x, y, color=colours.get(row["track_id"], TEXT), lw=1.6, zorder=4)
        labelled.add("inside")
        for which, dy in (("entry", 1), ("exit", -1)):
            if pd.isna(row[f"{which}_time"]):  # open passages have no entry or no exit
                continue
            ex, ey = to_plane.transform(row[f"{which}_lon"], row[f"{which}_lat"])
            ax.plot(ex, ey, "D", color=VIOLATION, ms=7, mec=BACKGROUND, zorder=6)
            ax.annotate(f"{which.upper()} {hms(row[f'{which}_time'])}", (ex, ey),
                        xytext=(10 if which == "entry" else -10, 14 * dy), textcoords="offset points",
                        ha="left" if which == "entry" else "right", color=VIOLATION, fontsize=10, weight="bold",
                        zorder=7, bbox=dict(boxstyle="round,pad=0.25", fc=BACKGROUND, ec=VIOLATION, lw=0.6))
        dx, dy_ = to_plane.transform(row["max_depth_lon"], row["max_depth_lat"])
        ax.plot(dx, dy_, "*", color=DEPTH, ms=13, mec=BACKGROUND, zorder=6,
                label=None if "depth" in labelled else "max depth")
        labelled.add("depth")
        deepest = time_nearest(pd.DataFrame({"time": path.time, "lon": lon, "lat": lat}),
                               row["max_depth_lon"], row["max_depth_lat"])
        duration = "open" if pd.isna(row["duration_s"]) else f"{row['duration_s']:.1f} s"
        ax.annotate(f"max depth {row['max_depth_m'] / 1000:.2f} km at {hms(deepest)}\n{duration}, "
                    f"{row['length_inside_m'] / 1000:.2f} km inside", (dx, dy_), xytext=(0, 26),
                    textcoords="offset points", ha="center", color=DEPTH, fontsize=9.5, zorder=7,
                    bbox=dict(boxstyle="round,pad=0.25", fc=BACKGROUND, ec=DEPTH, lw=0.6))


def _draw_closest(ax, row: pd.Series, airspace: Airspace, to_plane, colour: str, with_label: bool) -> None:
    """The closest-approach point, a dashed line to the nearest boundary point, and its distance."""
    lon, lat = row["closest_approach_lon"], row["closest_approach_lat"]
    cx, cy = to_plane.transform(lon, lat)
    reach = 2.0 * row["closest_approach_m"] / 100_000.0 + 0.01  # degrees, generous
    border = shapely.clip_by_rect(airspace.geometry.boundary, lon - 2 * reach, lat - reach, lon + 2 * reach,
                                  lat + reach)
    border = shapely.transform(shapely.segmentize(border, 0.002), to_plane.transform, interleaved=False)
    (_, _), (bx, by) = shapely.get_coordinates(shapely.shortest_line(shapely.Point(cx, cy), border))
    ax.plot([cx, bx], [cy, by], color=colour, ls="--", lw=1.2, zorder=5)
    ax.plot(cx, cy, "s", color=colour, ms=7, mec=BACKGROUND, zorder=6,
            label="closest approach" if with_label else None)
    ax.annotate(f"closest {row['closest_approach_m'] / 1000:.2f} km\n{hms(row['closest_approach_time'])}",
                (cx, cy), xytext=(0, -30), textcoords="offset points", ha="center", va="top", color=colour,
                fontsize=9.5, zorder=7, bbox=dict(boxstyle="round,pad=0.25", fc=BACKGROUND, ec=colour, lw=0.6))


def _plane_axes(fig, rect: tuple[float, float, float, float], half_w: float, half_h: float, edge: str):
    """Axes in plane metres, centred on the scene, equal scale, no ticks."""
    ax = fig.add_axes(rect)
    ax.set_facecolor(BACKGROUND)
    ax.set_xlim(-half_w, half_w)
    ax.set_ylim(-half_h, half_h)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color(edge)
    return ax


def _draw_overview(fig, rect: tuple[float, float, float, float], airspaces: Sequence[Airspace],
                   tracks: pd.DataFrame, annotations: Iterable[MapLabel], to_plane, lon0: float, lat0: float,
                   colours: dict[str, str], half_w: float, view: tuple[float, float]) -> None:
    """An inset of the wider scene: airspaces, whole tracks, labelled markers and the main view box."""
    ax = _plane_axes(fig, rect, half_w, half_w, TEXT)
    _draw_airspaces(ax, airspaces, to_plane, lon0, lat0, half_w, with_labels=False)
    for track_id, track in tracks.groupby("track_id", sort=False):
        x, y = _geodesic_xy(track["lon"].to_numpy(), track["lat"].to_numpy(), to_plane, step_m=1000.0)
        ax.plot(x, y, color=colours[track_id], lw=1.0, zorder=3)
    for label in annotations:
        if label.marker:
            x, y = to_plane.transform(label.lon, label.lat)
            ax.plot(x, y, label.marker, color=label.colour, ms=4, zorder=4)
            if label.short:
                ax.annotate(label.short, (x, y), xytext=(4, 3), textcoords="offset points", color=label.colour,
                            fontsize=7, zorder=4)
    ax.add_patch(Rectangle((-view[0], -view[1]), 2 * view[0], 2 * view[1], fill=False, ec=TEXT, lw=1.0,
                               zorder=5))
    km = _nice_km(2 * half_w / 1000)
    ax.plot([half_w * 0.9 - km * 1000, half_w * 0.9], [-half_w * 0.88] * 2, color=TEXT, lw=2, zorder=6)
    ax.text(half_w * 0.9 - km * 500, -half_w * 0.84, f"{km:g} km", color=TEXT, ha="center", va="bottom",
            fontsize=8, zorder=6)
    ax.text(-half_w * 0.95, half_w * 0.95, "overview", color=TEXT, fontsize=8, va="top", zorder=6)


def _draw_scale_bar(ax, half_w: float, half_h: float) -> tuple[float, np.ndarray]:
    """A bar of a 'nice' length in km, bottom right; returns its length and plane end points."""
    km = _nice_km(2 * half_w / 1000)
    x1 = half_w * 0.93
    x0 = x1 - km * 1000
    y = -half_h * 0.88
    ax.plot([x0, x1], [y, y], color=TEXT, lw=3, solid_capstyle="butt", zorder=8)
    for xt in (x0, (x0 + x1) / 2, x1):
        ax.plot([xt, xt], [y, y + half_h * 0.025], color=TEXT, lw=1.2, zorder=8)
    label = f"{km:g} km"
    ax.text((x0 + x1) / 2, y + half_h * 0.04, label, color=TEXT, ha="center", va="bottom", fontsize=10, zorder=8)
    return km, np.array([[x0, y], [x1, y]])


def _draw_north_arrow(ax, half_w: float, half_h: float) -> None:
    """An arrow pointing to true north (straight up at the centre of an AEQD projection)."""
    x, y = half_w * 0.9, half_h * 0.68
    ax.annotate("", (x, y + half_h * 0.2), xytext=(x, y), zorder=8,
                arrowprops=dict(arrowstyle="-|>", color=TEXT, lw=2, mutation_scale=20))
    ax.text(x, y + half_h * 0.22, "N", color=TEXT, ha="center", va="bottom", fontsize=13, weight="bold", zorder=8)
