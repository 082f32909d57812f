"""Fixtures for the attribute command tests (helpers in ``attr_harness``, beside this file)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from attr_harness import Harness, write_fail_counts_cib


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    return Harness(tmp_path)


@pytest.fixture
def fail_counts_cib(tmp_path: Path) -> Path:
    return write_fail_counts_cib(tmp_path / "failcounts.xml")
