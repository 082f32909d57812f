"""Clone placement and promotion scores against Pacemaker's recorded scores.

The reference assignment state of ``harness.py`` supplies what the core scheduler would
(primitive placement, location constraints, stickiness); the clone code decides everything
clone-specific. Cases are those of the conformance suite whose configuration stays within
what the harness models (clones and primitives, node-based location constraints and
orderings, no colocations, rules, groups, containers or failure bans).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from clone_harness import ReferenceState
from lxml import etree

from pengine.unpack import unpack_cib

DATA = Path(__file__).resolve().parents[1] / "conformance" / "data"

CASES = [
    "bug-lf-2317", "bug-lf-2445", "bug-lf-2493", "clone-anon-probe-2", "clone-interleave-3",
    "clone-order-primitive", "clone-require-all-1", "clone-require-all-2", "clone-require-all-3",
    "clone-require-all-4", "clone-require-all-6", "clone-require-all-7",
    "clone-requires-quorum-recovery", "clone_min_interleave_stop_one",
    "clone_min_interleave_stop_two", "clone_min_start_one", "clone_min_start_two", "inc0", "inc1",
    "inc10", "inc2", "inc3", "inc4", "inc5", "interleave-restart", "no_quorum_demote", "probe-0",
    "promoted-allow-start", "promoted-stop", "promoted_monitor_restart", "quorum-6",
    "rebalance-unique-clones",
]


def _expected(case: str) -> set[str]:
    lines = (DATA / "scores" / f"{case}.scores").read_text().splitlines()
    return {line for line in lines if "allocation score" in line or "promotion score" in line}


@pytest.mark.parametrize("case", CASES)
def test_clone_scores_match_pacemaker(case: str) -> None:
    root = etree.parse(str(DATA / "xml" / f"{case}.xml")).getroot()
    state = ReferenceState(unpack_cib(root).cluster)
    got = set(state.run())
    expected = _expected(case)
    assert sorted(expected - got) == [] and sorted(got - expected) == []
