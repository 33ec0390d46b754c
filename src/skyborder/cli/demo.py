"""``skyborder demo``: the 24 Nov 2015 Su-24 case."""
from __future__ import annotations

from argparse import Namespace
from pathlib import Path

from ._common import EXIT_OK


def run(args: Namespace) -> int:
    from ..demo.case import run_demo

    run_demo(Path(args.out))
    return EXIT_OK
