"""The live watch: a receiver feed through the passage detector and the warning engine into the
register and a JSON event stream (``app.Watch``; the ``skyborder watch`` command)."""
from .app import Watch, WatchOptions, WatchStats
from .events import EVENTS, EventWriter

__all__ = ["EVENTS", "EventWriter", "Watch", "WatchOptions", "WatchStats"]
