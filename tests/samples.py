"""What the reader tests share: the folder of sample track files and UTC timestamps."""
from pathlib import Path

import pandas as pd

DATA = Path(__file__).parent / "data" / "tracks"


def utc(text: str) -> pd.Timestamp:
    """A UTC timestamp from ISO-8601 text."""
    return pd.Timestamp(text, tz="UTC")
