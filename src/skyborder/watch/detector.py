"""The streaming passage detector ``watch`` uses: ``detection.stream.StreamDetector`` when it is
there, else the TEMPORARY stand-in of ``watch.standin`` (same interface). ``watch`` uses nothing
of it but ``feed``, ``expire`` and ``flush`` and the ``DetectorEvents`` they return."""
from __future__ import annotations

try:  # the real one, once engine-scale's detection/stream.py has landed
    from ..detection.stream import DetectorEvents, StreamDetector  # type: ignore[import-not-found,unused-ignore]
    STAND_IN = False
except ImportError:  # pragma: no cover - depends on the tree
    from .standin import DetectorEvents, StreamDetector
    STAND_IN = True

__all__ = ["STAND_IN", "DetectorEvents", "StreamDetector"]
