"""The examples in the docstrings of the reading side run as tests (numpydoc ``Examples``)."""
import doctest
import importlib

import pytest

MODULES = ["skyborder.sources", "skyborder.safetext", "skyborder.xmltree", "skyborder.tracks.readers.stream",
           "skyborder.tracks.readers.columns", "skyborder.tracks.readers.registry", "skyborder.tracks.readers.sniff",
           "skyborder.tracks.readers.frames", "skyborder.tracks.readers.fixes", "skyborder.tracks.nationality",
           "skyborder.airspace.limits", "skyborder.airspace.openair", "skyborder.airspace.kml",
           "skyborder.airspace.shapes", "skyborder.detection.result"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
