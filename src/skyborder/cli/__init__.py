"""The ``skyborder`` command: a thin doorway, one module per command.

``_args.py`` holds the whole parser and nothing else (so ``skyborder --help`` and tests of the
flag surface import no heavy library); each command lives in its own module with a
``run(args) -> int``, imported only when that command runs. Adding a command: its parser in
``_args.py``, its module here.

Exit codes (also in ``skyborder --help``): 0 success; 1 the run worked but bad input was
skipped; 2 usage error, unreadable input or unknown airspace (one line on stderr, nothing
produced); 3 internal error (one line on stderr naming the file that holds the traceback);
130 interrupted (Ctrl-C).
"""
from __future__ import annotations

import importlib
import os
import sys
import tempfile
import time
import traceback

from ..errors import InputError
from ._args import build_parser
from ._common import EXIT_ERROR, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK

__all__ = ["main"]


def _command_module(name: str):
    return importlib.import_module(f"{__name__}.{name.replace('-', '_')}")


def _write_traceback() -> str:
    """Write the current exception's traceback to a file; return its path."""
    folder = os.environ.get("SKYBORDER_CRASH_DIR") or tempfile.gettempdir()
    path = os.path.join(folder, f"skyborder-crash-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}.txt")
    try:
        with open(path, "w", encoding="utf-8") as out:
            out.write(f"skyborder {' '.join(sys.argv[1:])}\n\n")
            traceback.print_exc(file=out)
    except OSError:
        return "(could not be written)"
    return path


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit code (0, 1, 2, 3 or 130, see the module docstring)."""
    args = build_parser().parse_args(argv)
    try:
        return _command_module(args.command).run(args)
    except InputError as error:
        print(f"skyborder: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError) as error:
        where = f" {error.filename}" if error.filename else ""
        print(f"skyborder: error: cannot use{where}: {error.strerror or error}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        # the reader of our output went away (e.g. `| head`): not an error
        return EXIT_OK
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as error:
        path = _write_traceback()
        print(f"skyborder: internal error: {type(error).__name__}: {error} (traceback in {path})", file=sys.stderr)
        return EXIT_INTERNAL
