"""The commands that talk to the controller, on a live 3-node sandbox (``pacer-sandbox up 3``,
embedded transport): ``crmadmin -D -N -S -q`` and ``crm_resource --cleanup --refresh --restart
--wait`` (the outputs are Pacemaker 2.1.5's, checked against a real Pacemaker cluster)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

BIN = Path(sys.executable).parent
T = TypeVar("T")
DUMMY = (
    '<primitive id="d1" class="ocf" provider="pacer" type="Dummy">'
    '<operations><op id="d1-mon" name="monitor" interval="1s"/></operations></primitive>'
)


def _sandbox(*args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}")
    for name in ("CIB_file", "CIB_shadow", "PACER_RUN_DIR"):
        env.pop(name, None)
    result = subprocess.run([str(BIN / "pacer-sandbox"), *args], capture_output=True, text=True, env=env,
                            timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"pacer-sandbox {' '.join(args)} exited {result.returncode}: {result.stdout}{result.stderr}")
    return result


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 30.0) -> T:
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


class Sandbox:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def run(self, k: int, *cmd: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
        return _sandbox("run", "--dir", str(self.directory), str(k), "--", *cmd, check=False, timeout=timeout)

    def ok(self, k: int, *cmd: str) -> str:
        result = self.run(k, *cmd)
        assert result.returncode == 0, f"node{k}: {' '.join(cmd)} -> {result.returncode}\n{result.stdout}{result.stderr}"
        return result.stdout

    def dc(self) -> str:
        return self.ok(2, "crmadmin", "-D", "-q").strip()

    def locate(self, k: int = 1) -> list[str]:
        match = re.search(r"is running on: (.*)", self.run(k, "crm_resource", "--locate", "-r", "d1").stdout)
        return match.group(1).split() if match else []

    def running_once(self) -> str:
        nodes = wait_for("d1 running on one node", lambda: (n := self.locate()) and len(n) == 1 and n)
        return nodes[0]

    def fail_count(self, node: str) -> int:
        out = self.ok(1, "crm_failcount", "-G", "-q", "-r", "d1", "-N", node).strip()
        return int(out) if out.isdigit() else 1_000_000

    def state_file(self, node: str) -> Path:
        return self.directory / node / "state" / "rsctmp" / "Dummy-d1.state"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    directory = Path(tempfile.mkdtemp(prefix="pcc", dir="/tmp"))
    try:
        _sandbox("up", "3", "--dir", str(directory))
        box = Sandbox(directory)
        box.ok(1, "crm_attribute", "-t", "crm_config", "-n", "stonith-enabled", "-v", "false")
        yield box
    finally:
        _sandbox("down", "--dir", str(directory), check=False)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def dummy(sandbox: Sandbox) -> Sandbox:
    sandbox.ok(2, "cibadmin", "-C", "-o", "resources", "-X", DUMMY)
    sandbox.running_once()
    return sandbox


# -- crmadmin ---------------------------------------------------------------------------------


def test_crmadmin_names_the_dc_the_nodes_and_each_controller_state(sandbox: Sandbox) -> None:
    dc = sandbox.dc()
    assert dc in {"node1", "node2", "node3"}
    for k in (1, 2, 3):
        assert sandbox.ok(k, "crmadmin", "-D") == f"Designated Controller is: {dc}\n"
        assert sandbox.ok(k, "crmadmin", "--dc_lookup", "-q") == f"{dc}\n"
    assert sandbox.ok(3, "crmadmin", "-N") == "".join(f"cluster node: node{k} ({k})\n" for k in (1, 2, 3))
    assert sandbox.ok(3, "crmadmin", "--nodes", "-q") == "node1\nnode2\nnode3\n"
    assert sandbox.ok(1, "crmadmin", "-N", "-B") == "".join(f"export node{k}={k}\n" for k in (1, 2, 3))
    assert sandbox.ok(1, "crmadmin", "-N", "remote") == "No nodes configured\n"
    wait_for("the DC to be idle", lambda: sandbox.ok(1, "crmadmin", "-S", dc, "-q") == "S_IDLE\n")
    for asker in (1, 2, 3):  # asked locally, and about another node
        for k in (1, 2, 3):
            name = f"node{k}"
            state = "S_IDLE" if name == dc else "S_NOT_DC"
            line = sandbox.ok(asker, "crmadmin", "-S", name, "-t", "10s")
            assert line == f"Controller on {name} in state {state}: ok\n"
    unknown = sandbox.run(1, "crmadmin", "-S", "node9", "-t", "2")
    assert unknown.returncode == 124
    assert unknown.stderr == ("error: No reply received from controller before timeout (2000ms)\n"
                              "error: Command failed: Connection timed out\n")
    usage = sandbox.run(1, "crmadmin")
    assert usage.returncode == 64 and usage.stderr.startswith("error: Must specify a command option\n")


def test_crmadmin_without_pacer_says_so_in_one_line(tmp_path: Path) -> None:
    env = dict(os.environ, PACER_RUN_DIR=str(tmp_path))
    for argv in (["-D"], ["-N"], ["-S", "node1"], ["-D", "-q"]):
        result = subprocess.run([str(BIN / "crmadmin"), *argv], env=env, capture_output=True, text=True,
                                timeout=30, check=False)
        assert result.returncode == 102, result.stderr
        assert result.stdout == ""
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("crmadmin: pacer is not running")


# -- crm_resource through the controller --------------------------------------------------------


def test_restart_stops_and_starts_again(dummy: Sandbox) -> None:
    box = dummy
    holder = box.running_once()
    before = box.state_file(holder).stat().st_mtime_ns
    restarted = box.run(3, "crm_resource", "--restart", "-r", "d1", "-T", "60s")
    assert restarted.returncode == 0, restarted.stderr
    assert restarted.stdout == (
        "Set 'd1' option: id=d1-meta_attributes-target-role set=d1-meta_attributes name=target-role value=stopped\n"
        "Waiting for 1 resources to stop:\n * d1\n"
        "Deleted 'd1' option: id=d1-meta_attributes-target-role name=target-role\n"
        "Waiting for 1 resources to start again:\n * d1\n"
    )
    now = box.running_once()
    assert box.state_file(now).stat().st_mtime_ns != before  # a new start wrote it again
    assert "target-role" not in box.ok(1, "cibadmin", "-Q", "-o", "resources")
    elsewhere = next(n for n in ("node1", "node2", "node3") if n != now)
    refused = box.run(1, "crm_resource", "--restart", "-r", "d1", "-N", elsewhere)
    assert refused.returncode == 105
    assert refused.stderr == (f"d1 is not running on {elsewhere} and so cannot be restarted\n"
                              "crm_resource: Error performing operation: No such object\n")


def test_wait_returns_once_the_cluster_settles(dummy: Sandbox) -> None:
    box = dummy
    holder = box.running_once()
    target = next(n for n in ("node1", "node2", "node3") if n != holder)
    box.ok(1, "crm_resource", "--move", "-r", "d1", "-N", target)
    waited = box.run(2, "crm_resource", "--wait", "-T", "60s")
    assert (waited.returncode, waited.stdout, waited.stderr) == (0, "", "")
    assert box.locate(3) == [target]  # no polling needed: --wait returned after the move
    box.ok(1, "crm_resource", "--clear", "-r", "d1")
    box.ok(1, "crm_resource", "--wait")
    assert box.locate(3) == [target]  # sticky enough? at least exactly one copy


def test_cleanup_after_a_monitor_failure_clears_the_fail_count(dummy: Sandbox) -> None:
    box = dummy
    holder = box.running_once()
    box.state_file(holder).unlink()  # the monitor now finds the Dummy stopped: a failure
    wait_for("a fail count on the holder", lambda: box.fail_count(holder) >= 1)
    box.running_once()  # recovered in place
    cleaned = box.run(2, "crm_resource", "--cleanup", "-r", "d1")
    assert cleaned.returncode == 0, cleaned.stderr
    lines = cleaned.stdout.splitlines()
    assert lines[:3] == [f"Cleaned up d1 on node{k}" for k in (1, 2, 3)]
    assert all(line.startswith(("Waiting for", "... got reply")) for line in lines[3:]), lines
    wait_for("the fail count to be cleared", lambda: box.fail_count(holder) == 0)
    assert box.ok(1, "crm_resource", "--wait", "-T", "60s") == ""
    assert len(box.locate()) == 1 and box.state_file(box.locate()[0]).exists()
    # on one node; an operation's failures only; every resource
    assert box.ok(3, "crm_resource", "-C", "-r", "d1", "-N", "node2").splitlines()[0] == "Cleaned up d1 on node2"
    assert box.ok(3, "crm_resource", "-C", "-r", "d1", "-n", "monitor", "-I", "1s").startswith("Cleaned up d1 on node1\n")
    assert box.ok(1, "crm_resource", "--cleanup") == "Cleaned up all resources on all nodes\n"
    assert box.ok(1, "crm_resource", "--cleanup", "-N", "node3") == "Cleaned up all resources on node3\n"
    box.ok(1, "crm_resource", "--wait")
    box.running_once()


def test_refresh_reprobes_the_resource_everywhere(dummy: Sandbox) -> None:
    box = dummy
    holder = box.running_once()
    refreshed = box.ok(1, "crm_resource", "--refresh", "-r", "d1")
    assert refreshed == "".join(f"Cleaned up d1 on node{k}\n" for k in (1, 2, 3)) + (
        "Waiting for 3 replies from the controller\n... got reply\n... got reply\n... got reply (done)\n")
    box.ok(1, "crm_resource", "--wait")
    assert box.running_once() == holder  # the probe found it running: it stays
    one = box.ok(2, "crm_resource", "-R", "-r", "d1", "-N", "node3")
    assert one == "Cleaned up d1 on node3\nWaiting for 1 reply from the controller\n... got reply (done)\n"
    everything = box.ok(2, "crm_resource", "--refresh")
    assert everything == "Waiting for 1 reply from the controller\n... got reply (done)\n"
    box.ok(1, "crm_resource", "--wait")
    assert box.running_once() == holder
    for argv, code, message in (
        (["--refresh", "-r", "ghost"], 105, "crm_resource: Resource 'ghost' not found\n"),
        (["--cleanup", "-r", "d1", "-N", "node9"], 105, "crm_resource: Node 'node9' not found\n"),
    ):
        result = box.run(1, "crm_resource", *argv)
        assert (result.returncode, result.stderr.splitlines()[0] + "\n") == (code, message)
