"""Fixtures for the command-line tools on a live cluster (helpers in ``live_cluster``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from live_cluster import LiveCluster, live_cluster


@pytest.fixture(scope="module")
def shared_cluster() -> Iterator[LiveCluster]:
    """Three nodes for tests that leave every node running (they may change the CIB)."""
    with live_cluster(3) as cluster:
        yield cluster


@pytest.fixture
def cluster() -> Iterator[LiveCluster]:
    """Three fresh nodes for a test that kills or removes nodes."""
    with live_cluster(3) as cluster:
        yield cluster
