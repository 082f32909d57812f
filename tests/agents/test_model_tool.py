"""tools/drbd_model.py: driving the DRBD model and the drbd agent from a shell."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pacer_agent_fixtures import AGENTS_DIR, REPO

pytestmark = pytest.mark.model

TOOL = REPO / "tools" / "drbd_model.py"


def tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(TOOL), *args], capture_output=True, text=True, check=False)


def test_shell_session_with_the_agent(tmp_path: Path) -> None:
    state = tmp_path / "model.json"
    assert tool(str(state), "init", "r0", "alice", "bob").returncode == 0
    script = "\n".join([
        f'eval "$({sys.executable} {TOOL} {state} env alice)"',
        "export OCF_RESOURCE_INSTANCE=drbd_r0 OCF_RESKEY_drbd_resource=r0",
        f"{AGENTS_DIR / 'drbd'} start || exit 11",
        f"{AGENTS_DIR / 'drbd'} promote || exit 12",
        f"{AGENTS_DIR / 'drbd'} monitor; echo monitor=$?",
    ])
    res = subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    assert "monitor=8" in res.stdout
    shown = json.loads(tool(str(state), "show").stdout)
    assert shown["resources"]["r0"]["node"]["alice"]["role"] == "Primary"
    assert json.loads(Path(f"{state}.attrs").read_text()) == {"alice": {"master-drbd_r0": "10000"}}
    assert tool(str(state), "crash", "alice").returncode == 0
    assert json.loads(tool(str(state), "show").stdout)["resources"]["r0"]["node"]["alice"]["up"] is False


def test_bad_usage(tmp_path: Path) -> None:
    assert tool(str(tmp_path / "m.json"), "env").returncode == 2
    assert tool(str(tmp_path / "no-dir" / "m.json"), "show").returncode == 2
    assert tool(str(tmp_path / "m.json"), "frobnicate").returncode == 2
