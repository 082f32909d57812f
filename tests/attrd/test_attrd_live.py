"""attrd as processes: three nodes on the embedded bus, each with its CIB daemon and its attrd,
driven through ``attrd_updater`` and ``crm_attribute``."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from lxml import etree

from crm.attrd.client import AttrdClient
from crm.cib.live import LiveCibSource
from crm.cluster.node import NodeConfig

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("crm.based") is None, reason="the CIB daemon (crm.based) is not there yet"
)

SIZE = 3
TOOLS = Path(sys.executable).parent


@dataclass
class Node:
    config: NodeConfig
    based: subprocess.Popen[bytes] | None = None
    attrd: subprocess.Popen[bytes] | None = None


@dataclass
class Cluster:
    root: Path
    bus: subprocess.Popen[bytes] | None = None
    nodes: dict[int, Node] = field(default_factory=dict)
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def spawn(self, args: list[str], log: str) -> subprocess.Popen[bytes]:
        with open(self.root / log, "ab") as stream:
            proc = subprocess.Popen([sys.executable, *args], stderr=stream, stdout=stream)
        self.procs.append(proc)
        return proc

    def start_attrd(self, k: int) -> None:
        node = self.nodes[k]
        node.attrd = self.spawn(["-m", "crm.attrd", "--run-dir", str(node.config.run_dir)], f"attrd{k}.log")

    def env(self, k: int) -> dict[str, str]:
        env = {key: v for key, v in os.environ.items() if key not in ("CIB_file", "CIB_shadow")}
        env["PACER_RUN_DIR"] = str(self.nodes[k].config.run_dir)
        env["PATH"] = f"{TOOLS}:{env.get('PATH', '')}"
        return env

    def tool(self, k: int, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(TOOLS / args[0]), *args[1:]], env=self.env(k), capture_output=True,
                              text=True, timeout=60)

    def attrd(self, k: int) -> AttrdClient:
        return AttrdClient(self.nodes[k].config.run_dir, timeout=10)

    def cib_value(self, k: int, nodeid: int, name: str) -> str | None:
        root = LiveCibSource(self.nodes[k].config.run_dir).read().root
        found = root.xpath(
            f"status/node_state[@id='{nodeid}']/transient_attributes/instance_attributes/nvpair[@name='{name}']/@value"
        )
        return str(found[0]) if found else None

    def cib_status(self, k: int) -> bytes:
        root = LiveCibSource(self.nodes[k].config.run_dir).read().root
        status = root.find("status")
        return b"" if status is None else etree.tostring(status)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(self.root.glob("*.log")))

    def close(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
            proc.wait()
        if self.bus is not None and self.bus.poll() is None:
            self.bus.terminate()
            self.bus.wait(10)


def wait_for(what: str, check: Callable[[], bool], cluster: Cluster, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except Exception:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{cluster.logs()}")
        time.sleep(0.05)


def synced(cluster: Cluster, k: int, members: int = SIZE) -> bool:
    status = cluster.attrd(k).status()
    return bool(status["synced"]) and len(status["members"]) == members


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    with tempfile.TemporaryDirectory(prefix="pat", dir="/tmp") as tmp:
        root = Path(tmp)
        c = Cluster(root)
        try:
            c.bus = c.spawn(["-m", "crm.cluster.embedded", "--socket", str(root / "bus.sock"),
                             "--expected", str(SIZE)], "bus.log")
            wait_for("the bus", (root / "bus.sock").exists, c)
            for k in range(1, SIZE + 1):
                config = NodeConfig(name=f"node{k}", nodeid=k, run_dir=root / f"n{k}", state_dir=root / f"s{k}",
                                    transport="embedded", bus=root / "bus.sock", expected_votes=SIZE)
                config.save()
                c.nodes[k] = Node(config)
                c.nodes[k].based = c.spawn(["-m", "crm.based", "--run-dir", str(config.run_dir)], f"based{k}.log")
                c.start_attrd(k)
            for k in range(1, SIZE + 1):
                wait_for(f"attrd on node{k}", lambda k=k: synced(c, k), c)
                wait_for(f"the CIB on node{k}", lambda k=k: LiveCibSource(c.nodes[k].config.run_dir).read() is not None, c)
            yield c
        finally:
            c.close()


def test_attribute_set_on_one_node_is_seen_everywhere_and_written_once(cluster: Cluster) -> None:
    done = cluster.tool(1, "attrd_updater", "-n", "color", "-U", "blue", "-N", "node2")
    assert (done.returncode, done.stderr) == (0, "")
    wait_for("the value on node3", lambda: cluster.tool(3, "attrd_updater", "-Q", "-n", "color", "-N", "node2").returncode == 0,
             cluster)
    query = cluster.tool(3, "attrd_updater", "-Q", "-n", "color", "-N", "node2")
    assert query.stdout == 'name="color" host="node2" value="blue"\n'
    for k in range(1, SIZE + 1):
        wait_for(f"the CIB of node{k}", lambda k=k: cluster.cib_value(k, 2, "color") == "blue", cluster)
    statuses = [cluster.attrd(k).status() for k in range(1, SIZE + 1)]
    assert {s["writer"] for s in statuses} == {"node1"}
    assert [s["writes"] > 0 for s in statuses] == [True, False, False]  # one writer
    missing = cluster.tool(2, "attrd_updater", "-Q", "-n", "nope")
    assert missing.returncode == 78
    assert missing.stderr == "attrd_updater: Could not query value of nope: attribute does not exist\n"
    every = cluster.tool(2, "attrd_updater", "-Q", "-A", "-n", "color")
    assert every.stdout == 'name="color" host="node2" value="blue"\n'
    deleted = cluster.tool(2, "attrd_updater", "-D", "-n", "color")
    assert deleted.returncode == 0
    wait_for("the removal in the CIB", lambda: cluster.cib_value(3, 2, "color") is None, cluster)


def test_dampening_delays_the_cib_write(cluster: Cluster) -> None:
    start = time.monotonic()
    done = cluster.tool(2, "attrd_updater", "-n", "pingd", "-U", "100", "-d", "8s")
    assert done.returncode == 0, done.stderr
    for value in ("200", "300"):
        assert cluster.tool(3, "attrd_updater", "-n", "pingd", "-U", value, "-N", "node2").returncode == 0
    assert cluster.tool(2, "attrd_updater", "-Q", "-n", "pingd").stdout == 'name="pingd" host="node2" value="300"\n'
    unwritten = cluster.cib_value(2, 2, "pingd")
    if time.monotonic() - start < 7:  # a loaded machine may take longer than the window to get here
        assert unwritten is None
    wait_for("the dampened write", lambda: cluster.cib_value(1, 2, "pingd") == "300", cluster, timeout=30)
    assert time.monotonic() - start >= 7.9


def test_restarted_attrd_gets_the_table_back(cluster: Cluster) -> None:
    assert cluster.tool(1, "attrd_updater", "-n", "site", "-U", "north", "-N", "node2").returncode == 0
    assert cluster.tool(2, "attrd_updater", "-n", "rack", "-U", "7", "-p").returncode == 0
    node = cluster.nodes[3]
    assert node.attrd is not None
    node.attrd.send_signal(signal.SIGKILL)
    node.attrd.wait()
    cluster.start_attrd(3)
    wait_for("the restarted attrd", lambda: synced(cluster, 3), cluster)
    query = cluster.tool(3, "attrd_updater", "-Q", "-A", "-n", "site")
    assert query.stdout == 'name="site" host="node2" value="north"\n'
    private = cluster.tool(3, "attrd_updater", "-Q", "-n", "rack", "-N", "node2")
    assert private.stdout == 'name="rack" host="node2" value="7"\n'
    assert cluster.cib_value(1, 2, "rack") is None  # private: never written


def test_crm_attribute_reboot_lifetime_goes_through_attrd(cluster: Cluster) -> None:
    done = cluster.tool(2, "crm_attribute", "-l", "reboot", "-n", "standby-ish", "-v", "on")
    assert (done.returncode, done.stderr) == (0, "")
    assert cluster.attrd(1).query("standby-ish", "node2")[0].value == "on"
    wait_for("the write", lambda: cluster.cib_value(3, 2, "standby-ish") == "on", cluster)
    query = cluster.tool(1, "crm_attribute", "-t", "status", "-N", "node2", "-n", "standby-ish", "-G")
    assert query.stdout == "scope=status  name=standby-ish value=on\n"
    gone = cluster.tool(3, "crm_attribute", "--lifetime", "reboot", "-N", "node2", "-n", "standby-ish", "-D")
    assert gone.returncode == 0, gone.stderr
    wait_for("the removal", lambda: cluster.cib_value(1, 2, "standby-ish") is None, cluster)
    missing = cluster.tool(1, "crm_attribute", "-t", "status", "-N", "node2", "-n", "standby-ish", "-G")
    assert missing.returncode == 105
    # permanent attributes go straight to the CIB's nodes section
    forever = cluster.tool(1, "crm_attribute", "-l", "forever", "-N", "node3", "-n", "zone", "-v", "b")
    assert forever.returncode == 0, forever.stderr
    assert cluster.attrd(1).query("zone", "node3") == []


def test_not_running_is_one_line_and_102(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("CIB_file", "CIB_shadow")}
    env["PACER_RUN_DIR"] = str(tmp_path)
    done = subprocess.run([str(TOOLS / "attrd_updater"), "-n", "x", "-U", "1"], env=env, capture_output=True, text=True)
    assert done.returncode == 102
    assert done.stderr.count("\n") == 1 and "pacer is not running" in done.stderr


AGENTS = Path(__file__).resolve().parents[2] / "agents"


def test_ping_agent_sets_pingd_through_attrd(cluster: Cluster, tmp_path: Path) -> None:
    env = cluster.env(2)
    env.update({
        "OCF_ROOT": "/usr/lib/ocf",
        "OCF_RESOURCE_INSTANCE": "ping1",
        "OCF_RESKEY_host_list": "127.0.0.1",
        "OCF_RESKEY_multiplier": "100",
        "OCF_RESKEY_dampen": "1s",
        "OCF_RESKEY_attempts": "1",
        "OCF_RESKEY_timeout": "1",
        "OCF_RESKEY_CRM_meta_on_node": "node2",
        "HA_RSCTMP": str(tmp_path),
    })
    done = subprocess.run([str(AGENTS / "ping"), "start"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    query = cluster.tool(1, "attrd_updater", "-Q", "-n", "pingd", "-N", "node2")
    assert query.stdout in ('name="pingd" host="node2" value="100"\n', 'name="pingd" host="node2" value="0"\n')
    value = query.stdout.split('value="')[1].rstrip('"\n')
    wait_for("pingd in the CIB", lambda: cluster.cib_value(3, 2, "pingd") == value, cluster)
    stop = subprocess.run([str(AGENTS / "ping"), "stop"], env=env, capture_output=True, text=True, timeout=60)
    assert stop.returncode == 0, stop.stderr
    wait_for("pingd removed from the CIB", lambda: cluster.cib_value(1, 2, "pingd") is None, cluster)


def test_attrd_exits_non_zero_when_the_transport_goes(cluster: Cluster) -> None:
    assert cluster.bus is not None
    cluster.bus.send_signal(signal.SIGKILL)
    cluster.bus.wait()
    for k in range(1, SIZE + 1):
        proc = cluster.nodes[k].attrd
        assert proc is not None
        assert proc.wait(20) != 0


def test_bad_requests_get_errors_and_the_daemon_keeps_serving(cluster: Cluster) -> None:
    import json
    import socket

    from crm.ipc.frames import decode_json, encode, recv_frame

    path = cluster.nodes[1].config.socket("attrd")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        sock.connect(str(path))
        for body in (b"not json", b"[1, 2]", json.dumps({"op": "zap", "id": 1}).encode(),
                     json.dumps({"op": "update", "name": "x", "value": 3, "id": 2}).encode(),
                     json.dumps({"op": "query", "id": 3}).encode(),
                     json.dumps({"op": "update", "name": "x", "value": "1", "dampen": "later", "id": 4}).encode()):
            sock.sendall(encode(body))
            frame = recv_frame(sock)
            assert frame is not None
            reply = decode_json(frame)
            assert reply["rc"] != 0 and reply["error"], (body, reply)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(str(path))
        sock.sendall(b"\x00\x00\x00\x05ab")  # a truncated frame, then the client goes away
    assert cluster.tool(1, "attrd_updater", "-n", "ok", "-U", "1").returncode == 0
    assert all(cluster.nodes[k].attrd.poll() is None for k in cluster.nodes)  # type: ignore[union-attr]
