"""The sandbox's pieces that need no cluster: state file, partitions, corosync.conf, /proc."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from crm.pacerd.system import parse_corosync_conf
from crm.sandbox import corosync, procs
from crm.sandbox.state import SandboxState, prefix_for


def test_state_round_trip(tmp_path: Path) -> None:
    state = SandboxState(tmp_path, "corosync", 3, 1000, prefix=prefix_for(tmp_path))
    state.partition = [[1, 2], [3]]
    state.pacerd_pids = {1: 10, 3: 30}
    state.corosync_pids = {2: 20}
    state.bus_pid = 5
    state.save()
    assert SandboxState.load(tmp_path) == state
    assert SandboxState.load(tmp_path / "nothing") is None


def test_prefix_is_short_and_unique_per_directory() -> None:
    a, b = prefix_for(Path("/tmp/a")), prefix_for(Path("/tmp/b"))
    assert a != b and len(a) == 8 and a == prefix_for(Path("/tmp/a"))
    state = SandboxState(Path("/tmp/a"), "corosync", 32, prefix=a)
    assert len(state.namespace(32)) < 16 and state.switch == f"{a}-sw"


def test_groups_under_a_partition() -> None:
    state = SandboxState(Path("/x"), "embedded", 5)
    assert state.group_of(4) == {1, 2, 3, 4, 5}
    state.partition = [[1, 2], [3]]
    assert state.group_of(1) == {1, 2}
    assert state.group_of(3) == {3}
    assert state.group_of(5) == {4, 5}  # unlisted nodes stay together, as on the bus


def test_corosync_conf_is_readable_and_complete(tmp_path: Path) -> None:
    state = SandboxState(tmp_path, "corosync", 3, 1000, prefix="psabcdef")
    text = corosync.corosync_conf(state, 2)
    conf = parse_corosync_conf(text)
    assert [(n.nodeid, n.name, n.addresses) for n in conf.nodes] == [
        (k, f"node{k}", (f"10.213.0.{k}",)) for k in (1, 2, 3)
    ]
    assert conf.cluster_name == "psabcdef" and not conf.two_node
    assert "token: 1000" in text and "transport: knet" in text
    assert f"logfile: {tmp_path / 'node2' / 'corosync.log'}" in text
    # the parser of corosync rejects text after '{'
    assert all(line.rstrip().endswith("{") or "{" not in line for line in text.splitlines())


def test_two_node_corosync_conf(tmp_path: Path) -> None:
    state = SandboxState(tmp_path, "corosync", 2, None, prefix="psabcdef")
    text = corosync.corosync_conf(state, 1)
    assert "two_node: 1" in text and "token:" not in text
    assert parse_corosync_conf(text).two_node


def test_select_finds_marked_processes_and_their_descendants(tmp_path: Path) -> None:
    marker = f"PACER_TEST_MARK={tmp_path}"
    # a marked parent whose child clears its environment
    script = (
        "import os, subprocess, sys, time;"
        "c = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], env={});"
        "print(c.pid, flush=True); time.sleep(60)"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], env=dict(os.environ, PACER_TEST_MARK=str(tmp_path)),
        stdout=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        found = procs.select(marker)
        assert {parent.pid, child} <= found
        assert procs.has_marker(parent.pid, marker) and not procs.has_marker(child, marker)
        killed = procs.kill_all(lambda: procs.select(marker))
        assert {parent.pid, child} <= killed
        parent.wait(timeout=10)
        deadline = time.monotonic() + 10
        while procs.alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not procs.alive(child)
    finally:
        procs.kill_all(lambda: procs.select(marker))
        parent.wait(timeout=10)
    assert not procs.alive(parent.pid) and not procs.has_marker(None, marker)
