"""Differential test: our scheduler and Debian's Pacemaker 2.1.5 decide the same on generated CIBs.

Seeds listed in ``known_different.txt`` are those where the two still disagree: a seed outside
the list that disagrees is a regression, and a listed seed that agrees must leave the list
(``tools/difftest.py --seeds 0:N --failing-list`` prints the current list).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from differ import ORACLE, differential  # noqa: E402
from generator import generate, to_bytes  # noqa: E402

SEEDS = range(0, 200)
KNOWN = HERE / "known_different.txt"

pytestmark = [
    pytest.mark.oracle,
    pytest.mark.skipif(not ORACLE.exists(), reason=f"{ORACLE} (Pacemaker's crm_simulate) is not installed"),
]


def known_different() -> set[int]:
    return {int(line.split("#", 1)[0]) for line in KNOWN.read_text().splitlines() if line.split("#", 1)[0].strip()}


@pytest.mark.parametrize("seed", SEEDS)
def test_seed(seed: int) -> None:
    d = differential(generate(seed))
    if d.oracle_failed:
        pytest.skip(f"Pacemaker cannot schedule seed {seed}: {d.detail}")
    if seed in known_different():
        assert not d.same, f"seed {seed} now agrees with Pacemaker: remove it from {KNOWN.name}"
    else:
        assert d.same, f"seed {seed} differs from Pacemaker ({', '.join(d.views)}): {d.detail}"


def test_known_list_is_within_the_seeds() -> None:
    assert known_different() <= set(SEEDS)


def test_generator_is_deterministic() -> None:
    assert to_bytes(generate(7)) == to_bytes(generate(7))
    assert to_bytes(generate(7)) != to_bytes(generate(8))


def test_extension_adds_its_features_deterministically() -> None:
    assert to_bytes(generate(7, extended=True)) == to_bytes(generate(7, extended=True))
    assert to_bytes(generate(7, extended=False)) == to_bytes(generate(7))
    texts = [to_bytes(generate(seed, extended=True)) for seed in range(60)]
    for word in (b"allow-migrate", b'name="notify"', b"orphan1", b'template="dummy-template"',
                 b"multiple-active", b'operation="migrate_to"', b'value="unfencing"', b'name="start"'):
        assert any(word in text for text in texts), word
