"""pacer-sandbox on the embedded transport: 3 real nodes, no root."""

from __future__ import annotations

import importlib.util
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from crm.sandbox import procs
from crm.sandbox.state import ENV_NODE, ENV_SANDBOX, SandboxState

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("crm.based") is None or importlib.util.find_spec("crm.attrd") is None,
    reason="needs the CIB and attribute daemons (crm.based, crm.attrd)",
)


def wait_for(predicate: Callable[[], object], timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def status(sandbox: Any) -> dict[str, dict[str, Any]]:
    rows = json.loads(sandbox("status", "--dir", str(sandbox.directory), "--json").stdout)
    return {row["node"]: row for row in rows}


def node_pids(directory: Path, k: int) -> set[int]:
    return procs.select(f"{ENV_NODE}={directory / f'node{k}'}")


def test_three_nodes_up_run_kill_start_stop_down(sandbox: Any) -> None:
    d = str(sandbox.directory)
    up = sandbox("up", "3", "--dir", d, "--timeout", "60")
    assert "3 node(s) up" in up.stderr
    rows = status(sandbox)
    assert [rows[f"node{k}"]["state"] for k in (1, 2, 3)] == ["running"] * 3
    assert all(row["members"] == ["node1", "node2", "node3"] and row["quorate"] for row in rows.values())
    state = SandboxState.load(sandbox.directory)
    assert state is not None and state.transport == "embedded" and state.nodes == 3
    # per node state directories, daemons logged there
    for k in (1, 2, 3):
        assert (sandbox.directory / f"node{k}" / "state" / "log" / "based.log").exists()
        assert len(node_pids(sandbox.directory, k)) >= 3  # pacerd, based, attrd
    table = sandbox("status", "--dir", d).stdout
    assert table.splitlines()[0].split() == ["NODE", "STATE", "PID", "QUORATE", "MEMBERS"]

    # run: node 2's run dir, exit code and stdin passed through, CIB_file removed
    script = "import os,sys; print(os.environ['PACER_RUN_DIR']); print(os.environ.get('CIB_file')); print(sys.stdin.read()); sys.exit(7)"
    result = sandbox("run", "--dir", d, "2", "--", "python3", "-c", script, check=False, input="hello")
    assert result.returncode == 7
    assert result.stdout.splitlines() == [str(sandbox.directory / "node2" / "run"), "None", "hello"]
    crm_node = sandbox("run", "--dir", d, "1", "--", "crm_node", "-l")
    assert [line.split()[1] for line in crm_node.stdout.splitlines()] == ["node1", "node2", "node3"]
    missing = sandbox("run", "--dir", d, "1", "--", "no-such-command-here", check=False)
    assert missing.returncode == 127

    # kill: node 3 crashes, every process of it is gone, the others see 2 members
    sandbox("kill", "--dir", d, "3")
    assert not node_pids(sandbox.directory, 3)
    wait_for(lambda: status(sandbox)["node1"]["members"] == ["node1", "node2"], what="node1 to see node3 leave")
    assert status(sandbox)["node3"]["state"] == "stopped"

    # start: node 3 joins again
    sandbox("start", "--dir", d, "3")
    rows = status(sandbox)
    assert rows["node3"]["members"] == ["node1", "node2", "node3"]
    wait_for(lambda: status(sandbox)["node1"]["members"] == ["node1", "node2", "node3"], what="node3 back")

    # stop: clean stop of node 2, its pacerd stopped its daemons
    pacerd_log = sandbox.directory / "node2" / "state" / "log" / "pacerd.log"
    sandbox("stop", "--dir", d, "2")
    assert "all daemons stopped (received SIGTERM)" in pacerd_log.read_text()
    assert not node_pids(sandbox.directory, 2)
    wait_for(lambda: status(sandbox)["node1"]["members"] == ["node1", "node3"], what="node2 to leave")

    # down: nothing of the sandbox is left
    sandbox("down", "--dir", d)
    assert not procs.select(f"{ENV_SANDBOX}={sandbox.directory}")
    assert all(row["state"] == "stopped" for row in status(sandbox).values())


def test_partition_and_heal(sandbox: Any) -> None:
    d = str(sandbox.directory)
    sandbox("up", "3", "--dir", d, "--timeout", "60")
    sandbox("partition", "--dir", d, "1,2", "3")
    wait_for(lambda: status(sandbox)["node3"]["members"] == ["node3"], what="node3 alone")
    rows = status(sandbox)
    assert rows["node1"]["members"] == ["node1", "node2"] and rows["node1"]["quorate"]
    assert rows["node3"]["quorate"] is False
    sandbox("heal", "--dir", d)
    wait_for(
        lambda: all(r["members"] == ["node1", "node2", "node3"] for r in status(sandbox).values()), what="healed views"
    )


def test_two_nodes_up_and_up_again_is_idempotent(sandbox: Any) -> None:
    d = str(sandbox.directory)
    sandbox("up", "2", "--dir", d, "--timeout", "60")
    pids = {k: r["pid"] for k, r in status(sandbox).items()}
    sandbox("up", "2", "--dir", d, "--timeout", "60")
    assert {k: r["pid"] for k, r in status(sandbox).items()} == pids
    # a different size while it runs is refused
    other = sandbox("up", "3", "--dir", d, check=False)
    assert other.returncode != 0 and "down" in other.stderr


def test_errors_are_clear(sandbox: Any, tmp_path: Path) -> None:
    nothing = sandbox("status", "--dir", str(tmp_path / "none"), check=False)
    assert nothing.returncode == 1 and "no sandbox" in nothing.stderr
    long_dir = "/tmp/" + "x" * 110
    too_long = sandbox("up", "1", "--dir", long_dir, check=False)
    assert too_long.returncode == 2 and "too long" in too_long.stderr
    d = str(sandbox.directory)
    sandbox("up", "1", "--dir", d, "--timeout", "60")
    bad = sandbox("kill", "--dir", d, "4", check=False)
    assert bad.returncode == 2 and "nodes 1..1" in bad.stderr
