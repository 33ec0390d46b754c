"""Detection: exact crossings, passages, depth, closest approach, double claims."""
from .engine import RESULT_COLUMNS, detect

__all__ = ["RESULT_COLUMNS", "detect"]
