"""The daemon over its unix socket: client library, lrmadmin, bad input, events."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from lrmd_helpers import make_ocf_root, run, write_script

from lrmd.client import LrmdClient, LrmdError
from lrmd.codes import ExecStatus, OcfRc
from lrmd.operation import OpRequest

REPO = Path(__file__).resolve().parents[2]
DEBIAN_DUMMY = Path("/usr/lib/ocf/resource.d/heartbeat/Dummy")
SYSTEM_PYTHON = "/usr/bin/python3"


@dataclass(frozen=True)
class Daemon:
    socket: str
    proc: subprocess.Popen[bytes]
    ocf_root: Path
    work: Path

    def alive(self) -> bool:
        return self.proc.poll() is None


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    sock_dir = Path(tempfile.mkdtemp(prefix="lrmd-", dir="/tmp"))
    ocf_root = make_ocf_root(tmp_path)
    provider = ocf_root / "resource.d" / "heartbeat"
    provider.mkdir(parents=True)
    if DEBIAN_DUMMY.exists():
        (provider / "Dummy").symlink_to(DEBIAN_DUMMY)
    write_script(ocf_root / "resource.d" / "test" / "Hang", "trap '' TERM\nsleep 300 &\necho $! > \"$OCF_RESKEY_pidfile\"\nwait\n")
    write_script(ocf_root / "resource.d" / "test" / "Garbage", "head -c 3000 /dev/urandom\nexit 77\n")
    sock = str(sock_dir / "lrmd.sock")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCF_")}
    env.update({"OCF_ROOT": str(ocf_root), "PACER_AGENTS_DIR": str(tmp_path / "none")})
    proc = subprocess.Popen(
        [sys.executable, "-m", "lrmd.daemon", "--socket", sock, "--node-name", "n1",
         "--rsctmp", str(tmp_path), "--kill-grace", "0.3", "--log-level", "warning"],
        env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 15
        while not os.path.exists(sock):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"lrmd did not start: {proc.stderr.read() if proc.stderr else ''!r}")
            time.sleep(0.05)
        yield Daemon(sock, proc, ocf_root, tmp_path)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()
        shutil.rmtree(sock_dir, ignore_errors=True)


def raw_exchange(path: str, payload: bytes, replies: int) -> list[dict[str, object]]:
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(path)
        s.sendall(payload)
        data = b""
        while data.count(b"\n") < replies:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return [json.loads(line) for line in data.splitlines()]


def test_socket_is_private(daemon: Daemon) -> None:
    mode = os.stat(daemon.socket).st_mode
    assert stat.S_ISSOCK(mode)
    assert stat.S_IMODE(mode) == 0o600


def test_malformed_requests_get_errors_and_the_daemon_stays_up(daemon: Daemon) -> None:
    payload = b"\n".join(
        [
            b"this is not json",
            b"[1, 2, 3]",
            b'{"id": 1}',
            b'{"id": 2, "cmd": "launch-missiles"}',
            b'{"id": 3, "cmd": "exec", "rsc_id": "nope", "action": "start"}',
            b'{"id": 4, "cmd": "register", "rsc_id": "x", "class": "ocf", "type": "Dummy"}',
            b'{"id": 5, "cmd": "exec", "rsc_id": "x", "action": "start", "params": {"a": 1}}',
            b'\xff\xfe garbage bytes',
            b'{"id": 6, "cmd": "ping"}',
        ]
    ) + b"\n"
    replies = raw_exchange(daemon.socket, payload, 9)
    assert len(replies) == 9
    by_id = {r.get("id"): r for r in replies if r.get("id") is not None}
    errors = [r for r in replies if r.get("id") is None]
    assert len(errors) == 3 and all(r["ok"] is False and r["error"] for r in errors)
    for request_id in (1, 2, 3, 4, 5):
        assert by_id[request_id]["ok"] is False, by_id[request_id]
    assert "not registered" in str(by_id[3]["error"])
    assert "provider" in str(by_id[4]["error"])
    assert by_id[6]["ok"] is True
    # A client that disconnects mid-line does not hurt either.
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(daemon.socket)
        s.sendall(b'{"id": 7, "cmd": "pi')
    assert raw_exchange(daemon.socket, b'{"id": 8, "cmd": "ping"}\n', 1)[0]["ok"] is True
    assert daemon.alive()


def test_dummy_lifecycle_history_and_events(daemon: Daemon) -> None:
    if not DEBIAN_DUMMY.exists():
        pytest.skip("resource-agents not installed")
    state = str(daemon.work / "d1.state")

    async def go() -> None:
        async with await LrmdClient.connect(daemon.socket) as client, await LrmdClient.connect(
            daemon.socket
        ) as watcher:
            await watcher.subscribe()
            await client.register("d1", "ocf", "Dummy", "heartbeat")
            params = {"state": state}
            probe = await client.run("d1", "monitor", params=params)
            assert (probe.rc, probe.op_status) == (OcfRc.NOT_RUNNING, ExecStatus.DONE)
            assert (await client.run("d1", "start", params=params)).rc == 0
            first = await client.exec(OpRequest("d1", "monitor", interval_ms=300, params=params))
            assert first.rc == 0
            listing = await client.resources()
            assert listing[0]["rsc_id"] == "d1" and listing[0]["recurring"][0]["interval_ms"] == 300
            events = [await watcher.next_event(10) for _ in range(5)]
            keys = [e.operation_key for e in events]
            assert keys[:3] == ["d1_monitor_0", "d1_start_0", "d1_monitor_300"]
            assert keys[3:] == ["d1_monitor_300", "d1_monitor_300"]  # re-armed
            stop = await client.run("d1", "stop", params=params)
            assert stop.rc == 0
            cancelled = [await watcher.next_event(10) for _ in range(2)]
            statuses = [(e.operation_key, e.op_status) for e in cancelled]
            assert ("d1_monitor_300", ExecStatus.CANCELLED) in statuses
            history = dict(await client.history("d1"))
            assert history["d1_last_0"].action == "stop"
            xml = await client.history_xml("d1")
            assert 'operation_key="d1_stop_0"' in xml and "op-digest=" in xml
            meta = await client.metadata("ocf", "Dummy", "heartbeat")
            assert meta["rc"] == 0 and "<resource-agent" in meta["metadata"]

    run(go)
    assert not os.path.exists(state)


def test_unknown_agent_hanging_agent_and_garbage_output(daemon: Daemon) -> None:
    pidfile = daemon.work / "hang.pid"

    async def go() -> None:
        async with await LrmdClient.connect(daemon.socket) as client:
            await client.register("ghost", "ocf", "NoSuchAgent", "heartbeat")
            ghost = await client.run("ghost", "start")
            assert (ghost.rc, ghost.op_status) == (OcfRc.ERR_INSTALLED, ExecStatus.NOT_INSTALLED)
            await client.register("hang", "ocf", "Hang", "test")
            hang = await client.run("hang", "start", timeout_ms=700, params={"pidfile": str(pidfile)})
            assert (hang.rc, hang.op_status) == (OcfRc.ERR_GENERIC, ExecStatus.TIMEOUT)
            await client.register("junk", "ocf", "Garbage", "test")
            junk = await client.run("junk", "monitor")
            assert (junk.rc, junk.op_status) == (OcfRc.ERR_GENERIC, ExecStatus.DONE)
            with pytest.raises(LrmdError):
                await client.register("bad", "nosuchclass", "x")
            assert (await client.ping())["ok"]

    run(go)
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 3
    while os.path.exists(f"/proc/{child}") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not os.path.exists(f"/proc/{child}")
    assert daemon.alive()


def test_lrmadmin_command_line(daemon: Daemon) -> None:
    if not DEBIAN_DUMMY.exists():
        pytest.skip("resource-agents not installed")
    state = str(daemon.work / "cli.state")

    def lrmadmin(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "lrmd.admin", "-s", daemon.socket, *args],
            capture_output=True, text=True, timeout=60, cwd=REPO, check=False,
        )

    assert lrmadmin("register", "c1", "ocf", "Dummy", "heartbeat").returncode == 0
    probe = lrmadmin("exec", "c1", "monitor", "-p", f"state={state}")
    assert probe.returncode == 7 and "c1_monitor_0" in probe.stdout and "rc=7" in probe.stdout
    assert lrmadmin("exec", "c1", "start", "-p", f"state={state}").returncode == 0
    assert lrmadmin("exec", "c1", "monitor", "--interval", "60000", "--no-wait", "-p", f"state={state}").returncode == 0
    listing = lrmadmin("list")
    assert "c1\tocf:heartbeat:Dummy" in listing.stdout and "monitor/60000ms" in listing.stdout
    assert lrmadmin("cancel", "c1", "monitor", "60000").returncode == 0
    assert lrmadmin("cancel", "c1", "monitor", "60000").returncode == 1
    hist = lrmadmin("history", "c1", "--xml")
    assert hist.returncode == 0 and hist.stdout.startswith("<lrm_resource")
    bad = lrmadmin("exec", "c1", "start", "-p", "novalue")
    assert bad.returncode == 1 and "NAME=VALUE" in bad.stderr
    missing = lrmadmin("exec", "nobody", "start")
    assert missing.returncode == 1 and "not registered" in missing.stderr
    agents = lrmadmin("agents", "ocf", "heartbeat")
    assert "Dummy" in agents.stdout.split()


def test_no_daemon_is_a_clear_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "lrmd.admin", "-s", str(tmp_path / "nothing.sock"), "ping"],
        capture_output=True, text=True, timeout=60, cwd=REPO, check=False,
    )
    assert proc.returncode == 1 and "cannot talk to lrmd" in proc.stderr


def test_many_concurrent_clients(daemon: Daemon) -> None:
    async def one(i: int) -> bool:
        async with await LrmdClient.connect(daemon.socket) as client:
            replies = await asyncio.gather(*(client.ping() for _ in range(20)))
            return all(r["ok"] for r in replies)

    async def go() -> list[bool]:
        return list(await asyncio.gather(*(one(i) for i in range(10))))

    assert all(run(go))


@pytest.mark.root
def test_other_users_cannot_connect(daemon: Daemon) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to another user")
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        pytest.skip("no system python3 for the unprivileged client")
    code = (
        "import socket, sys\n"
        "s = socket.socket(socket.AF_UNIX)\n"
        "try:\n"
        f"    s.connect({daemon.socket!r})\n"
        "except PermissionError:\n"
        "    sys.exit(13)\n"
        "sys.exit(0)\n"
    )
    proc = subprocess.run(
        [SYSTEM_PYTHON, "-c", code], user=65534, group=65534, capture_output=True, timeout=30, check=False,
        cwd="/",
    )
    assert proc.returncode == 13, proc.stderr
    assert daemon.alive()
