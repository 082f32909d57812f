"""pacer-sandbox on the corosync transport: one network namespace per node (root)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from crm.cluster import netns
from crm.sandbox import corosync, procs
from crm.sandbox.state import ENV_SANDBOX, SandboxState

pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces)"),
    pytest.mark.skipif(corosync.corosync_binary() is None, reason="corosync is not installed"),
    pytest.mark.skipif(
        importlib.util.find_spec("crm.based") is None or importlib.util.find_spec("crm.cluster.corosync") is None,
        reason="needs the CIB daemon and the corosync transport",
    ),
]


def wait_for(predicate: Callable[[], object], timeout: float = 60.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def quorum_nodes(sandbox: Any, k: int) -> int | None:
    out = sandbox("run", "--dir", str(sandbox.directory), str(k), "--", "corosync-quorumtool", "-s", check=False).stdout
    match = re.search(r"^Nodes:\s+(\d+)", out, re.M)
    return int(match.group(1)) if match else None


def status(sandbox: Any) -> dict[str, dict[str, Any]]:
    rows = json.loads(sandbox("status", "--dir", str(sandbox.directory), "--json").stdout)
    return {row["node"]: row for row in rows}


def namespaces(directory: Path) -> list[str]:
    state = SandboxState.load(directory)
    assert state is not None
    return [state.switch, *(state.namespace(k) for k in state.all_nodes())]


def test_corosync_sandbox(sandbox: Any) -> None:
    d = str(sandbox.directory)
    sandbox("up", "3", "--dir", d, "--transport", "corosync", "--token", "1000", "--timeout", "90")
    names = namespaces(sandbox.directory)
    assert all(netns.exists(ns) for ns in names)
    out = sandbox("run", "--dir", d, "1", "--", "corosync-quorumtool", "-s").stdout
    assert re.search(r"^Nodes:\s+3$", out, re.M), out
    assert "node1 (local)" in out
    # node 2's own view, from its namespace
    out2 = sandbox("run", "--dir", d, "2", "--", "corosync-quorumtool", "-s").stdout
    assert "node2 (local)" in out2
    rows = status(sandbox)
    assert all(r["members"] == ["node1", "node2", "node3"] and r["corosync_pid"] for r in rows.values())
    conf = (sandbox.directory / "node1" / "corosync.conf").read_text()
    assert "token: 1000" in conf and "two_node" not in conf

    # a crash of node 3: corosync included
    sandbox("kill", "--dir", d, "3")
    assert not netns.pids(SandboxState.load(sandbox.directory).namespace(3))  # type: ignore[union-attr]
    wait_for(lambda: quorum_nodes(sandbox, 1) == 2, what="node1 to see 2 corosync members")
    wait_for(lambda: status(sandbox)["node1"]["members"] == ["node1", "node2"], what="CIB membership of 2")

    sandbox("start", "--dir", d, "3", "--timeout", "90")
    wait_for(lambda: quorum_nodes(sandbox, 1) == 3, what="node3 back")

    sandbox("partition", "--dir", d, "1,2", "3")
    wait_for(lambda: status(sandbox)["node3"]["members"] == ["node3"], what="node3 alone")
    assert status(sandbox)["node3"]["quorate"] is False
    sandbox("heal", "--dir", d)
    wait_for(lambda: all(r["members"] == ["node1", "node2", "node3"] for r in status(sandbox).values()), what="heal")

    sandbox("down", "--dir", d)
    assert not any(netns.exists(ns) for ns in names)
    assert not procs.select(f"{ENV_SANDBOX}={sandbox.directory}")

