"""The CIB daemon as processes on the embedded bus: writes, crashes, corruption, bad input."""

from __future__ import annotations

import json
import socket
import struct
import subprocess
import threading
import time

import pytest
from live import LiveCluster, live_cluster
from sim import properties, set_property

from crm.cib.errors import CibError
from crm.ipc.client import IpcClient


def _write(cluster: LiveCluster, k: int, name: str, value: str) -> None:
    cluster.source(k).modify(lambda d: set_property(d, name, value))


def _configs(cluster: LiveCluster) -> list[str]:
    texts = []
    for k in sorted(cluster.daemons):
        config = cluster.source(k).read().root.find("configuration")
        assert config is not None
        from lxml import etree

        texts.append(etree.tostring(config, encoding="unicode"))
    return texts


def _converged(cluster: LiveCluster, timeout: float = 30) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        texts = _configs(cluster)
        if len(set(texts)) == 1 or time.monotonic() > deadline:
            return texts
        time.sleep(0.1)


@pytest.mark.parametrize("size", [3, 5])
def test_concurrent_writers_on_every_node_converge(size: int) -> None:
    with live_cluster(size) as cluster:
        errors: list[BaseException] = []

        def writer(k: int) -> None:
            try:
                for i in range(8):
                    _write(cluster, k, f"w{k}-{i}", str(i))
            except BaseException as err:
                errors.append(err)

        threads = [threading.Thread(target=writer, args=(k,)) for k in range(1, size + 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        texts = _converged(cluster)
        assert len(set(texts)) == 1
        final = properties(cluster.source(1).read())
        assert final == {f"w{k}-{i}": str(i) for k in range(1, size + 1) for i in range(8)}


def test_a_node_killed_during_a_write_storm_loses_no_acknowledged_write() -> None:
    with live_cluster(3) as cluster:
        acked: dict[str, str] = {}
        lock = threading.Lock()
        stop = threading.Event()

        def writer(k: int) -> None:
            i = 0
            while not stop.is_set():
                i += 1
                name = f"s{k}-{i}"
                try:
                    _write(cluster, k, name, str(i))
                except CibError:
                    continue  # node k is down: unacknowledged
                with lock:
                    acked[name] = str(i)

        threads = [threading.Thread(target=writer, args=(k,)) for k in (1, 2, 3)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        cluster.kill(3)
        time.sleep(1.0)
        cluster.start(3)
        cluster.wait_members(3, {"node1", "node2", "node3"})
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join()
        texts = _converged(cluster)
        assert len(set(texts)) == 1
        for k in (1, 2, 3):
            final = properties(cluster.source(k).read())
            missing = {n for n in acked if final.get(n) != acked[n]}
            assert not missing, f"node{k} lacks acknowledged writes {sorted(missing)[:5]}"
        assert len(acked) > 20


def test_a_node_with_a_corrupt_disk_copy_restores_from_its_peers_and_says_so() -> None:
    with live_cluster(3) as cluster:
        _write(cluster, 1, "precious", "yes")
        cluster.wait_members(2, {"node1", "node2", "node3"})
        assert cluster.stop(2) == 0
        cib = cluster.config(2).cib_dir / "cib.xml"
        cib.write_text(cib.read_text().replace("precious", "tampered"))
        cluster.start(2)
        cluster.wait_members(2, {"node1", "node2", "node3"})  # node2 serves its clients
        deadline = time.monotonic() + 20
        while properties(cluster.source(2).read()).get("precious") != "yes":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        log = cluster.log(2)
        assert "corrupt" in log and "restoring it from the peers" in log
        assert "took node1's copy" in log or "took node3's copy" in log


def test_after_a_partition_heals_the_newer_configuration_wins() -> None:
    from crm.cluster.embedded import control

    with live_cluster(3) as cluster:
        control(cluster.root / "bus.sock", "partition", [[1, 2], [3]])
        cluster.wait_members(1, {"node1", "node2"})
        cluster.wait_members(3, {"node3"})
        _write(cluster, 1, "majority", "1")
        _write(cluster, 2, "majority2", "1")
        _write(cluster, 3, "minority", "1")
        control(cluster.root / "bus.sock", "heal")
        for k in (1, 2, 3):
            cluster.wait_members(k, {"node1", "node2", "node3"})
        texts = _converged(cluster)
        assert len(set(texts)) == 1
        final = properties(cluster.source(3).read())
        assert "majority" in final and "majority2" in final and "minority" not in final
        assert "dropped our nvpair id=cib-bootstrap-options-minority" in cluster.log(3)


def _raw(path: str, data: bytes) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        sock.connect(path)
        sock.sendall(data)
        chunks = b""
        while len(chunks) < 4 or len(chunks) < 4 + struct.unpack(">I", chunks[:4])[0]:
            part = sock.recv(65536)
            if not part:
                break
            chunks += part
        return chunks


def _frame(obj: object) -> bytes:
    body = json.dumps(obj).encode()
    return struct.pack(">I", len(body)) + body


def test_bad_input_on_the_socket_gets_an_error_and_the_daemon_stays_up() -> None:
    with live_cluster(1) as cluster:
        path = str(cluster.source(1).socket)
        cases = [
            struct.pack(">I", 11) + b"not json!!!",  # garbage
            struct.pack(">I", 1 << 30),  # oversized
            _frame({"op": "no-such-op", "id": 1}),  # unknown operation
            _frame([1, 2, 3]),  # not an object
            _frame({"op": "patch", "id": 2, "patch": "<diff"}),  # malformed patch
            _frame({"op": "patch", "id": 3}),  # missing patch
            _frame({"op": "query", "id": "x"}),  # bad id
        ]
        for data in cases:
            reply = json.loads(_raw(path, data)[4:])
            assert reply["rc"] != 0 and reply["error"], data
        # a client that dies in the middle of a request
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(path)
            sock.sendall(struct.pack(">I", 100) + b'{"op": "qu')
        # a client that sends a write and leaves before the reply
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(path)
            before = cluster.source(1).read()
            after = before.copy()
            set_property(after, "orphan", "1")
            after.version = before.version.after_config_change()
            from lxml import etree

            from crm.cib import patchset

            patch = etree.tostring(patchset.diff(before.root, after.root), encoding="unicode")
            sock.sendall(_frame({"op": "patch", "id": 5, "patch": patch}))
        time.sleep(0.3)
        assert cluster.daemons[1].poll() is None
        with IpcClient(cluster.source(1).socket) as client:
            assert client.call({"op": "ping"})["rc"] == 0
        assert properties(cluster.source(1).read()).get("orphan") == "1"


def test_a_schema_violation_is_refused_and_changes_nothing() -> None:
    with live_cluster(2) as cluster:
        before = cluster.source(1).read()
        with pytest.raises(CibError):
            cluster.source(1).modify(lambda d: d.ensure_section("resources").append(
                __import__("lxml.etree").etree.Element("primitive", id="bad")))
        assert cluster.source(2).read().version == before.version


def test_cibadmin_live_query_and_write_through_the_cli() -> None:
    with live_cluster(2) as cluster:
        out = subprocess.run(
            ["crm_attribute", "-t", "crm_config", "-n", "cli-prop", "-v", "42"],
            env=cluster.env(1), capture_output=True, text=True, check=False,
        )
        assert out.returncode == 0, out.stderr
        out = subprocess.run(["cibadmin", "-Q"], env=cluster.env(2), capture_output=True, text=True, check=False)
        assert out.returncode == 0 and 'name="cli-prop" value="42"' in out.stdout


@pytest.mark.root
def test_only_root_and_haclient_may_use_the_socket() -> None:
    import os

    if os.geteuid() != 0:
        pytest.skip("needs root to try as another user")
    import sys

    with live_cluster(1) as cluster:
        probe = (
            "import os, sys, pathlib\n"
            "from crm.ipc.client import IpcClient, DaemonError\n"
            "os.setgroups([]); os.setgid(65534); os.setuid(65534)\n"
            "try:\n"
            "    IpcClient(pathlib.Path(sys.argv[1])).call({'op': 'query'})\n"
            "    print('allowed')\n"
            "except DaemonError as err:\n"
            "    print('refused', err)\n"
        )
        os.chmod(cluster.root, 0o755)
        for part in cluster.config(1).run_dir.parents:
            if str(part).startswith(str(cluster.root)):
                os.chmod(part, 0o755)
        os.chmod(cluster.config(1).run_dir, 0o755)
        out = subprocess.run([sys.executable, "-c", probe, str(cluster.source(1).socket)],
                             capture_output=True, text=True, check=False, cwd="/")
        assert out.stdout.startswith("refused") and "permission denied" in out.stdout, out.stdout + out.stderr
        # even with the file mode opened up, the peer credentials are checked
        os.chmod(cluster.source(1).socket, 0o666)
        out = subprocess.run([sys.executable, "-c", probe, str(cluster.source(1).socket)],
                             capture_output=True, text=True, check=False, cwd="/")
        assert out.stdout.startswith("refused") and "access denied" in out.stdout, out.stdout + out.stderr
        # and the daemon still answers root
        assert cluster.source(1).read().version.epoch >= 1
