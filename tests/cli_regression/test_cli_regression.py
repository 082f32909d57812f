"""Pacemaker 2.1.5's CLI regression suite, case by case, with pacer's tools (see runner.py).

Each case is a test.  The cases in ``known_failures.txt`` are expected to fail (xfail); when one
of them passes it is reported with a warning, so that the list can shrink.  Any other failing
case is a regression.
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import runner

CASES = runner.load_cases()
KNOWN_FAILURES = {
    line.strip()
    for line in runner.KNOWN_FAILURES.read_text().splitlines()
    if line.strip() and not line.startswith("#")
}
EXPECTED = {group: runner.expected_blocks(group) for group in {case.group for case in CASES}}


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="cli-regression."))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def tools(scratch: Path) -> runner.Toolset:
    return runner.pacer_toolset(scratch)


def test_known_failures_name_real_cases() -> None:
    keys = {case.key for case in CASES}
    assert keys >= KNOWN_FAILURES, sorted(KNOWN_FAILURES - keys)


def test_expected_output_has_one_block_per_case() -> None:
    for group, blocks in EXPECTED.items():
        cases = [c for c in CASES if c.group == group]
        assert len(blocks) == len(cases), group
        for case, block in zip(cases, blocks, strict=True):
            assert block.startswith(f"=#=#=#= Begin test: {case.desc} =#=#=#=")


@pytest.mark.parametrize("case", CASES, ids=[case.key for case in CASES])
def test_case(case: runner.Case, tools: runner.Toolset, scratch: Path) -> None:
    result = runner.run_case(case, EXPECTED[case.group][case.number - 1], tools, scratch)
    if case.key in KNOWN_FAILURES:
        if result.passed:
            warnings.warn(f"known failure now passes, remove it from known_failures.txt: {case.key}", stacklevel=1)
            return
        pytest.xfail("known failure")
    assert result.passed, f"$ {case.cmd}\n{result.diff()}"
