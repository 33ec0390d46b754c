"""Terrain heights from digital elevation model files, for line-of-sight checks.

Two plain formats, read with NumPy alone:

- **SRTM ``.hgt`` tiles** (NASA SRTM, also Copernicus/ALOS exports in that layout): a square of
  big-endian int16 heights (m above mean sea level), 1201 x 1201 (3 arc-seconds) or 3601 x 3601
  (1 arc-second) samples, rows from north to south; the file name gives the south-west corner
  (``N35E036.hgt`` covers 35-36 N, 36-37 E); -32768 marks a void.
- **ESRI ASCII grids** (``.asc``): a header (``ncols``, ``nrows``, ``xllcorner`` or ``xllcenter``,
  ``yllcorner`` or ``yllcenter``, ``cellsize``, optional ``NODATA_value``) then rows from north to
  south; coordinates in degrees (WGS84).

Heights are interpolated bilinearly between samples; voids, and places no file covers, count as
0 m (sea level): a missing tile hides nothing, which errs towards seeing more.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError

__all__ = ["Grid", "Terrain"]

HGT_NAME = re.compile(r"([NS])(\d{2})([EW])(\d{3})", re.IGNORECASE)
HGT_VOID = -32768


@dataclass(frozen=True)
class Grid:
    """Heights (m) at sample points: ``heights[i, j]`` at latitude ``north - i * step`` and
    longitude ``west + j * step`` (degrees); NaN where void."""

    heights: np.ndarray
    west: float
    north: float
    step: float

    def sample(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Bilinear heights (m) at points; NaN outside the grid or next to a void."""
        rows, cols = self.heights.shape
        u = (lon - self.west) / self.step
        v = (self.north - lat) / self.step
        j0 = np.floor(u).astype(np.int64)
        i0 = np.floor(v).astype(np.int64)
        ok = (i0 >= 0) & (j0 >= 0) & (i0 < rows - 1) & (j0 < cols - 1)
        i0, j0 = np.where(ok, i0, 0), np.where(ok, j0, 0)
        fu, fv = u - j0, v - i0
        h = self.heights
        value = ((h[i0, j0] * (1 - fu) + h[i0, j0 + 1] * fu) * (1 - fv)
                 + (h[i0 + 1, j0] * (1 - fu) + h[i0 + 1, j0 + 1] * fu) * fv)
        return np.where(ok, value, np.nan)


def read_hgt(path: Path) -> Grid:
    """An SRTM ``.hgt`` tile (see the module docstring)."""
    match = HGT_NAME.search(path.name)
    if not match:
        raise InputError(f"{path}: an SRTM tile's name must give its corner, e.g. N35E036.hgt")
    data = np.fromfile(path, dtype=">i2")
    side = int(round(np.sqrt(len(data))))
    if side * side != len(data) or side < 2:
        raise InputError(f"{path}: not an SRTM tile ({len(data)} samples is not a square)")
    lat = int(match.group(2)) * (1 if match.group(1).upper() == "N" else -1)
    lon = int(match.group(4)) * (1 if match.group(3).upper() == "E" else -1)
    heights = data.reshape(side, side).astype(float)
    heights[heights == HGT_VOID] = np.nan
    return Grid(heights, float(lon), float(lat + 1), 1.0 / (side - 1))


def read_ascii_grid(path: Path) -> Grid:
    """An ESRI ASCII grid (see the module docstring)."""
    header: dict[str, float] = {}
    with open(path, encoding="ascii", errors="replace") as handle:
        while len(header) < 7:
            position = handle.tell()
            line = handle.readline()
            parts = line.split()
            if len(parts) != 2 or not parts[0][0].isalpha():
                handle.seek(position)
                break
            try:
                header[parts[0].lower()] = float(parts[1])
            except ValueError:
                raise InputError(f"{path}: bad header line {line.strip()!r}") from None
        needed = {"ncols", "nrows", "cellsize"}
        if not needed <= header.keys() or not ({"xllcorner", "xllcenter"} & header.keys()) \
                or not ({"yllcorner", "yllcenter"} & header.keys()):
            raise InputError(f"{path}: not an ESRI ASCII grid (needs ncols, nrows, xll*, yll*, cellsize)")
        values = np.loadtxt(handle, dtype=float, ndmin=2)
    rows, cols, step = int(header["nrows"]), int(header["ncols"]), header["cellsize"]
    if values.shape != (rows, cols):
        raise InputError(f"{path}: {values.shape[0]} x {values.shape[1]} values, header says {rows} x {cols}")
    west = header["xllcenter"] if "xllcenter" in header else header["xllcorner"] + step / 2
    south = header["yllcenter"] if "yllcenter" in header else header["yllcorner"] + step / 2
    if "nodata_value" in header:
        values[values == header["nodata_value"]] = np.nan
    return Grid(values, west, south + (rows - 1) * step, step)


class Terrain:
    """Heights (m above mean sea level) from any number of DEM files; 0 where none has a value."""

    def __init__(self, grids: list[Grid]):
        self.grids = grids

    @classmethod
    def read(cls, paths: list[str]) -> Terrain:
        """DEM files by suffix: ``.hgt`` (SRTM) or ``.asc`` (ESRI ASCII grid)."""
        grids = []
        for name in paths:
            path = Path(name)
            if not path.is_file():
                raise InputError(f"{path}: no such DEM file")
            suffix = path.suffix.lower()
            if suffix == ".hgt":
                grids.append(read_hgt(path))
            elif suffix == ".asc":
                grids.append(read_ascii_grid(path))
            else:
                raise InputError(f"{path}: a DEM file is an SRTM .hgt tile or an ESRI ASCII grid (.asc)")
        return cls(grids)

    def height(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Terrain height (m) at points (degrees), 0 where no grid has a value."""
        lon, lat = np.asarray(lon, float), np.asarray(lat, float)
        out = np.full(lon.shape, np.nan)
        for grid in self.grids:
            missing = np.isnan(out)
            if missing.any():
                out[missing] = grid.sample(lon[missing], lat[missing])
        return np.nan_to_num(out, nan=0.0)
