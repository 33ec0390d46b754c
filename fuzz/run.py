"""Coverage-guided fuzzing of one byte-level parser with atheris (libFuzzer).

    python fuzz/run.py beast fuzz/corpus/beast -max_total_time=60

``make fuzz`` runs every target of ``targets.TARGETS`` (beast, avr, sbs, openair) for
``FUZZ_SECONDS`` each over its stored corpus (new interesting inputs are added to it) and
writes crashing inputs to ``fuzz/crashes/``; a crash found becomes a regression test by
copying the file to ``fuzz/crashes/<target>-<name>`` (``tests/test_fuzz_regressions.py``
replays them all). Needs ``pip install -e '.[fuzz]'``.
"""
import os
import sys

import atheris

sys.path.insert(0, os.path.dirname(__file__))
with atheris.instrument_imports(include=["skyborder", "targets"]):
    from targets import TARGETS

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: run.py {{{','.join(TARGETS)}}} CORPUS_DIR [libFuzzer options]")
    target = TARGETS[sys.argv.pop(1)]
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()
