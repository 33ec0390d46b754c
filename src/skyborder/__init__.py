"""skyborder: exact geodesic detection of aircraft crossing national airspace and custom zones.

``skyborder.detect(tracks, "TUR,SYR")`` is the main entry point (see ``skyborder.detection.engine``).
"""
__version__ = "0.1.0"

from .detection.engine import detect

__all__ = ["__version__", "detect"]
