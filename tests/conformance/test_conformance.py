"""Pacemaker's scheduler regression suite, run in-process against pengine.schedule.

Each case is compared in four views (graph, scores, summary, dot).  A view that fails for a case
not listed in ``known_failures_<view>.txt`` fails the test; a listed case that now passes is
reported as a warning (regenerate the lists with ``update_known_failures.py``).
"""

from __future__ import annotations

import warnings

import pytest
from conformance_harness import VIEWS, case_args, cases, evaluate, known_failures

ARGS = case_args()
KNOWN = {view: known_failures(view) for view in VIEWS}


@pytest.mark.parametrize("case", cases())
def test_case(case: str) -> None:
    result = evaluate(case, ARGS)
    regressions = [
        f"{view}: {result.detail.get(view, '')}"
        for view in VIEWS
        if not result.ok[view] and case not in KNOWN[view]
    ]
    fixed = [view for view in VIEWS if result.ok[view] and case in KNOWN[view]]
    if fixed:
        warnings.warn(
            f"{case} now passes {', '.join(fixed)}: remove it from the known-failure list(s)",
            UserWarning,
            stacklevel=1,
        )
    assert not regressions, f"{case} fails outside the known-failure lists: " + "; ".join(regressions)


def test_known_failure_lists_name_real_cases() -> None:
    all_cases = set(cases())
    for view in VIEWS:
        unknown = KNOWN[view] - all_cases
        assert not unknown, f"known_failures_{view}.txt names unknown cases: {sorted(unknown)[:5]}"
