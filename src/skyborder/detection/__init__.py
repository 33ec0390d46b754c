"""Detection: exact crossings, passages, depth, closest approach, double claims.

``engine.detect`` is the entry point; ``result`` is the one result schema.
"""
from .engine import detect
from .result import RESULT_COLUMNS

__all__ = ["RESULT_COLUMNS", "detect"]
