"""With no CIB daemon on the node, every tool says so in one line, says how to start pacer,
and exits 102 (66 for ``crm_verify -L`` and ``crm_simulate -L``, as Pacemaker's): no traceback."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from live_cluster import BIN, tool_env

from crm.cluster.node import NodeConfig

COMMANDS: list[tuple[str, ...]] = [
    ("cibadmin", "-Q"),
    ("cibadmin", "-Q", "-o", "nodes"),
    ("cibadmin", "--sync"),
    ("cibadmin", "-C", "-o", "resources", "-X", '<primitive id="d" class="ocf" provider="pacemaker" type="Dummy"/>'),
    ("cibadmin", "--replace", "-o", "resources", "-X", "<resources/>"),
    ("cibadmin", "-E", "--force"),
    ("crm_mon", "-1"),
    ("crm_mon", "-s"),
    ("crm_mon", "-1rfA"),
    ("crm_attribute", "-n", "stonith-enabled", "-G"),
    ("crm_attribute", "-n", "stonith-enabled", "-v", "false"),
    ("crm_standby", "-G"),
    ("crm_standby", "-v", "on"),
    ("crm_standby", "-D", "-N", "node1"),
    ("crm_failcount", "-G", "-r", "d"),
    ("crm_failcount", "-D", "-r", "d", "-N", "node1"),
    ("crm_resource", "--list"),
    ("crm_resource", "-W", "-r", "d"),
    ("crm_resource", "-r", "d", "-p", "a", "-v", "b"),
    ("crm_resource", "-r", "d", "--meta", "-d", "target-role"),
    ("crm_resource", "-r", "d", "--ban", "-N", "node1"),
    ("crm_resource", "-r", "d", "--clear"),
    ("crm_resource", "--cleanup", "-r", "d"),
    ("crm_resource", "--refresh"),
    ("crm_resource", "--force-start", "-r", "d"),
    ("crm_verify", "-L"),
    ("crm_simulate", "-L", "-S"),
    ("crm_simulate", "-Ls"),
    ("crm_node", "-l"),
    ("crm_node", "-p"),
    ("crm_node", "-q"),
    ("crm_node", "-n"),
    ("crm_node", "-i"),
    ("crm_node", "-N", "1"),
    ("crm_node", "-R", "node2", "--force"),
]

INPUT_NOT_AVAILABLE = {"crm_verify", "crm_simulate"}  # Pacemaker's CRM_EX_NOINPUT


def _run(argv: tuple[str, ...], run_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / argv[0]), *argv[1:]], env=tool_env(run_dir), capture_output=True,
                          text=True, timeout=60, check=False)


@pytest.fixture(scope="module")
def empty_run_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An empty run directory, and one where pacer ran once (node.json left, no daemon)."""
    root = tmp_path_factory.mktemp("not-running")
    empty = root / "empty"
    empty.mkdir()
    stale = root / "stale"
    NodeConfig(name="node1", nodeid=1, run_dir=stale, state_dir=root / "state").save()
    return empty, stale


@pytest.mark.parametrize("stale", [False, True], ids=["empty", "stale"])
@pytest.mark.parametrize("argv", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_every_tool_says_pacer_is_not_running(argv: tuple[str, ...], stale: bool,
                                               empty_run_dir: tuple[Path, Path]) -> None:
    run_dir = empty_run_dir[1] if stale else empty_run_dir[0]
    result = _run(argv, run_dir)
    tool = argv[0]
    assert result.returncode == (66 if tool in INPUT_NOT_AVAILABLE else 102), result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith(f"{tool}: pacer is not running on this node"), line
    assert f"{run_dir / 'based.sock'}" in line
    assert "start it with" in line
    assert "Traceback" not in result.stderr


def test_crm_node_does_not_suggest_a_cib_file(empty_run_dir: tuple[Path, Path]) -> None:
    result = _run(("crm_node", "-l"), empty_run_dir[0])
    assert "CIB_file" not in result.stderr


def test_a_file_still_works_without_pacer(tmp_path: Path, empty_run_dir: tuple[Path, Path]) -> None:
    """CIB_file wins over the live cluster, whether or not pacer runs."""
    cib = tmp_path / "cib.xml"
    env = tool_env(empty_run_dir[0])
    empty = subprocess.run([str(BIN / "cibadmin"), "--empty"], env=env, capture_output=True, text=True, check=True)
    cib.write_text(empty.stdout)
    env["CIB_file"] = str(cib)
    for argv in (("cibadmin", "-Q"), ("crm_mon", "-1"), ("crm_verify", "-L"), ("crm_resource", "--list")):
        result = subprocess.run([str(BIN / argv[0]), *argv[1:]], env=env, capture_output=True, text=True,
                                timeout=60, check=False)
        assert "not running" not in result.stderr, (argv, result.stderr)
        assert result.returncode in (0, 78, 105), (argv, result.returncode, result.stderr)
