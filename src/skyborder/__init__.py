"""skyborder: exact geodesic detection of aircraft crossing national airspace and custom zones.

``skyborder.detect(tracks, "TUR,SYR")`` is the main entry point (see ``skyborder.detection.engine``).
It is imported on first use, so that ``import skyborder`` (and ``skyborder --help``) stays fast.
"""
from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "detect"]


def __getattr__(name: str) -> Any:
    if name == "detect":
        from .detection.engine import detect

        return detect
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
