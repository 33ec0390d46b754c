"""Airspace data: the embedded world dataset, custom zone readers and the point index."""
from .model import Airspace

__all__ = ["Airspace"]
