"""The fuzzing corpus and every crash the fuzzer found, replayed as ordinary tests.

``make fuzz`` (atheris, coverage-guided) grows ``fuzz/corpus/<target>/`` and writes crashing
inputs to ``fuzz/crashes/<target>-*``; each such file is a regression test here: the target
must return (or refuse the input with InputError) and keep its invariants (see
``fuzz/targets.py``)."""
import sys
from pathlib import Path

import pytest

FUZZ = Path(__file__).parent.parent / "fuzz"
sys.path.insert(0, str(FUZZ))
from targets import TARGETS  # noqa: E402

CASES = sorted((target, path) for target in TARGETS for path in
               [*(FUZZ / "corpus" / target).glob("*"), *(FUZZ / "crashes").glob(f"{target}-*")])


def test_every_target_has_a_corpus():
    assert {target for target, _ in CASES} == set(TARGETS)


@pytest.mark.parametrize("target, path", CASES, ids=[f"{t}/{p.name[:20]}" for t, p in CASES])
def test_replay(target, path):
    TARGETS[target](path.read_bytes())
