"""Hypothesis profiles: ``dev`` (the default: new random examples on every run, to keep finding
cases) and ``ci`` (derandomized: the same examples on every run, so that a landing is not decided
by the draw; loaded when the environment variable CI is set). Every example hypothesis ever
failed on is kept as a test (an ``@example``, or a test of its own), so both profiles run those too.
``HYPOTHESIS_PROFILE=ci pytest`` reproduces CI's draw.
"""
import os

from hypothesis import settings

settings.register_profile("dev")
settings.register_profile("ci", derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))
