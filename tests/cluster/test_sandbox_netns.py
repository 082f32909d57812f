"""pacer-sandbox up --netns: the embedded transport with one network namespace per node (root).

The nodes talk over the embedded bus (a unix socket, reachable from any namespace) while
their resources see a network of their own: an address each on a shared switch, which a
partition cuts as well as the bus."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import Any

import pytest

from crm.cluster import netns
from crm.sandbox import procs
from crm.sandbox.state import ENV_SANDBOX, SandboxState

pytestmark = [pytest.mark.root, pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces)")]


def wait_for(predicate: Callable[[], object], timeout: float = 60.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def members(sandbox: Any) -> dict[str, list[str]]:
    rows = json.loads(sandbox("status", "--dir", str(sandbox.directory), "--json").stdout)
    return {row["node"]: row["members"] for row in rows}


def reaches(sandbox: Any, k: int, address: str) -> bool:
    return sandbox("run", "--dir", str(sandbox.directory), str(k), "--", "ping", "-c", "1", "-W", "1", address,
                   check=False).returncode == 0


def test_embedded_sandbox_in_namespaces(sandbox: Any) -> None:
    d = str(sandbox.directory)
    sandbox("up", "3", "--dir", d, "--netns", "--timeout", "90")
    state = SandboxState.load(sandbox.directory)
    assert state is not None and state.netns and state.transport == "embedded"
    names = [state.switch, *(state.namespace(k) for k in state.all_nodes())]
    assert all(netns.exists(ns) for ns in names)
    # every node's processes are inside its own namespace, with its own address
    for k in state.all_nodes():
        inside = set(netns.pids(state.namespace(k)))
        assert state.pacerd_pids[k] in inside
        out = sandbox("run", "--dir", d, str(k), "--", "ip", "-o", "-4", "addr", "show", "dev", "eth0").stdout
        assert f"{state.address(k)}/24" in out
    assert reaches(sandbox, 1, state.address(3))
    assert all(m == ["node1", "node2", "node3"] for m in members(sandbox).values())

    # a partition cuts the bus and the network alike
    sandbox("partition", "--dir", d, "1,2", "3")
    wait_for(lambda: members(sandbox)["node3"] == ["node3"], what="node3 alone")
    assert not reaches(sandbox, 1, state.address(3))
    assert reaches(sandbox, 1, state.address(2))
    sandbox("heal", "--dir", d)
    wait_for(lambda: all(m == ["node1", "node2", "node3"] for m in members(sandbox).values()), what="heal")
    assert reaches(sandbox, 1, state.address(3))

    # a crash takes every process of the namespace
    sandbox("kill", "--dir", d, "2")
    assert not netns.pids(state.namespace(2))
    sandbox("start", "--dir", d, "2", "--timeout", "90")
    wait_for(lambda: members(sandbox)["node1"] == ["node1", "node2", "node3"], what="node2 back")

    sandbox("down", "--dir", d)
    assert not any(netns.exists(ns) for ns in names)
    assert not procs.select(f"{ENV_SANDBOX}={sandbox.directory}")
