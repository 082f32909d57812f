"""The agents are extension-less Python scripts, which the project-wide ruff and mypy runs
do not discover: lint and type-check them here, file by file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pacer_agent_fixtures import AGENT_NAMES, AGENTS_DIR, REPO

BIN = Path(sys.executable).parent


def sources() -> list[str]:
    return [str(AGENTS_DIR / n) for n in AGENT_NAMES] + sorted(str(p) for p in (AGENTS_DIR / "lib").glob("*.py"))


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.skip(f"{name} not installed in the virtualenv")
    return str(path)


def test_ruff_clean() -> None:
    res = subprocess.run([tool("ruff"), "check", "--no-cache", *sources()], cwd=REPO, capture_output=True,
                         text=True, check=False)
    assert res.returncode == 0, res.stdout + res.stderr


def test_mypy_clean() -> None:
    env = {**os.environ, "MYPYPATH": str(AGENTS_DIR / "lib")}
    res = subprocess.run([tool("mypy"), "--cache-dir=/dev/null", "--scripts-are-modules", *sources()], cwd=REPO,
                         env=env, capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stdout + res.stderr
