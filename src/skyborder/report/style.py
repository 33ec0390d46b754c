"""Colours and credits shared by the maps and panels (a dark radar-scope palette)."""
from __future__ import annotations

ATTRIBUTION = "Boundaries © OpenStreetMap contributors (ODbL)"
BACKGROUND = "#07140f"
GRID = "#1d4a35"
TEXT = "#e8f5ec"
BORDER = "#ffd23f"
AIRSPACE_FILLS = ("#4a1f24", "#12291f", "#1f2f4a", "#3f3a1c")  # first airspace: the watched one
TRACK_COLOURS = ("#ff5d5d", "#4fd1ff", "#c792ea", "#a3e635")
VIOLATION = "#ffffff"
DEPTH = "#ff9f1c"
NEAR = "#4fd1ff"
RIVAL = "#ff7ad9"
