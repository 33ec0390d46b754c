"""``skyborder airspaces``: the embedded airspaces, with their double claims."""
from __future__ import annotations

import json
from argparse import Namespace

import pandas as pd

from ._common import EXIT_OK, emit


def run(args: Namespace) -> int:
    from ..airspace import world

    rivals = world.rivals()
    table = pd.DataFrame([{"code": code, "name": a.label, "sovereign": a.sovereign or "",
                           "double_claims_with": ",".join(rivals.get(code, []))}
                          for code, a in sorted(world.countries().items())])
    if args.format == "csv":
        emit(table.to_csv(index=False))
    elif args.format == "json":
        emit(json.dumps(table.to_dict("records"), indent=1, ensure_ascii=False))
    else:
        emit(table.to_string(index=False))
    return EXIT_OK
