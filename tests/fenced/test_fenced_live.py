"""The fencer on a live ``pacer-sandbox`` cluster, through the commands a user has:
a ``fence_pacer_sandbox`` device in the CIB, ``stonith_admin -B node3`` from node1 kills
every process of node3 and starts it again, ``-F`` leaves it down until ``pacer-sandbox
start``, and the history shows the fencing on every node.  On both transports (corosync as
root)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crm.ipc.client import IpcClient

BIN = Path(sys.executable).parent
AGENTS = Path(__file__).resolve().parents[2] / "agents"


def environment() -> dict[str, str]:
    env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}")
    # the lrmd looks for stonith agents in one directory (PACER_STONITH_DIR, default /usr/sbin)
    env.setdefault("PACER_STONITH_DIR", str(AGENTS))
    env.pop("CIB_file", None)
    env.pop("CIB_shadow", None)
    return env


def sandbox(*args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(BIN / "pacer-sandbox"), *args], capture_output=True, text=True, env=environment(),
                            timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"pacer-sandbox {' '.join(args)} exited {result.returncode}: {result.stdout}{result.stderr}")
    return result


@pytest.fixture(params=["embedded", pytest.param("corosync", marks=pytest.mark.root)])
def cluster(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    transport = request.param
    if transport == "corosync":
        if os.geteuid() != 0:
            pytest.skip("the corosync sandbox needs root (network namespaces)")
        if shutil.which("corosync") is None and not Path("/usr/sbin/corosync").exists():
            pytest.skip("corosync is not installed")
    directory = tempfile.mkdtemp(prefix="pacf", dir="/tmp")
    try:
        sandbox("up", "3", "--dir", directory, "--transport", transport, "--token", "1000")
        yield directory, transport
    finally:
        sandbox("down", "--dir", directory, check=False)
        shutil.rmtree(directory, ignore_errors=True)


def run_on(directory: str, k: int, *cmd: str, timeout: float = 150) -> subprocess.CompletedProcess[str]:
    return sandbox("run", "--dir", directory, str(k), "--", *cmd, check=False, timeout=timeout)


def pacerd_pid(directory: str, k: int) -> int:
    return int(Path(directory, f"node{k}", "run", "pacerd.pid").read_text().strip())


def node_processes(directory: str, k: int) -> set[int]:
    marker = f"PACER_SANDBOX_NODE={directory}/node{k}".encode()
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.add(int(entry.name))
            except OSError:
                pass
    return found


def wait_for(predicate, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_stonith_admin_fences_a_sandbox_node(cluster: tuple[str, str]) -> None:
    directory, _transport = cluster
    # the controller must not fence on its own here: this test is about the fencer
    assert run_on(directory, 1, "crm_attribute", "-t", "crm_config", "-n", "stonith-enabled", "-v", "false").returncode == 0
    device = (
        '<primitive id="fence1" class="stonith" type="fence_pacer_sandbox"><instance_attributes id="fence1-ia">'
        f'<nvpair id="fence1-dir" name="sandbox_dir" value="{directory}"/></instance_attributes></primitive>'
    )
    created = run_on(directory, 1, "cibadmin", "-C", "-o", "resources", "-X", device)
    assert created.returncode == 0, created.stderr
    wait_for(lambda: run_on(directory, 1, "stonith_admin", "-L").stdout == "fence1\n1 fence device found\n",
             30, "fence1 registered on node1")
    listed = run_on(directory, 2, "stonith_admin", "-l", "node3")
    assert listed.stdout == "fence1\n1 fence device found\n", listed

    watcher = IpcClient(Path(directory, "node2", "run", "fenced.sock"), "fencer", timeout=60)
    watcher.call({"op": "subscribe"})
    before = node_processes(directory, 3)
    old_pacerd = pacerd_pid(directory, 3)
    assert old_pacerd in before
    started = time.monotonic()
    reboot = run_on(directory, 1, "stonith_admin", "-B", "node3", "-t", "60")
    assert reboot.returncode == 0, reboot.stderr
    assert reboot.stdout == ""
    assert time.monotonic() - started < 30
    with watcher:
        event = watcher.receive()
    assert (event["event"], event["target"], event["action"], event["rc"], event["executioner"]) == (
        "fenced", "node3", "reboot", 0, "node1"
    )
    assert event["origin"] == "node1" and event["time"] > 0
    # every process node3 had is gone; the reboot started a new pacerd
    assert not (before & node_processes(directory, 3))
    wait_for(lambda: pacerd_pid(directory, 3) != old_pacerd, 30, "node3 restarted")

    def fenced_everywhere() -> bool:
        for k in (1, 2, 3):
            out = run_on(directory, k, "stonith_admin", "-H", "node3", timeout=30).stdout
            if not out.startswith("reboot of node3 successful: delegate=node1, client=stonith_admin."):
                return False
        return True

    wait_for(fenced_everywhere, 60, "the fencing in the history of every node (node3 after its restart)")

    # off: node3 stays down until pacer-sandbox start
    before = node_processes(directory, 3)
    off = run_on(directory, 2, "stonith_admin", "-F", "node3")
    assert off.returncode == 0, off.stderr
    assert not node_processes(directory, 3)
    history = run_on(directory, 1, "stonith_admin", "-H", "*", "-V").stdout.splitlines()
    assert history[0].startswith("turning off of node3 successful: delegate=node2")
    assert history[-1] == "2 events found"
    sandbox("start", "--dir", directory, "3")
    assert node_processes(directory, 3)

    # a node no device can fence
    nobody = run_on(directory, 1, "stonith_admin", "-F", "node9")
    assert nobody.returncode == 105
    assert nobody.stderr.strip().endswith("stonith_admin: Couldn't fence node9: No such device")


def test_no_fencer_is_one_line(tmp_path: Path) -> None:
    env = dict(environment(), PACER_RUN_DIR=str(tmp_path))
    result = subprocess.run([str(BIN / "stonith_admin"), "-L"], capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 102
    assert result.stdout == "" and len(result.stderr.splitlines()) == 1
    assert "pacer is not running" in result.stderr
