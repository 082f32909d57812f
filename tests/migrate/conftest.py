"""Fixtures for the Heartbeat v1 migration tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from migrate_support import CRM_VERIFY, AgentTree


@pytest.fixture
def agents(tmp_path: Path) -> AgentTree:
    return AgentTree(tmp_path / "agents")


@pytest.fixture
def crm_verify() -> Iterator[Path]:
    if not CRM_VERIFY.exists() or shutil.which(str(CRM_VERIFY)) is None:
        pytest.skip("Debian's crm_verify is not installed")
    yield CRM_VERIFY
