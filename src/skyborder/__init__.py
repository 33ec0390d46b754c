"""skyborder: exact geodesic detection of aircraft crossing national airspace and custom zones.

``skyborder.detect(tracks, "TUR,SYR")`` is the main entry point (see ``skyborder.detect.engine``).
"""
__version__ = "0.1.0"

from .detect.engine import detect  # noqa: E402  (the function shadows the subpackage name on purpose)

__all__ = ["detect", "__version__"]
