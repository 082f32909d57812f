"""Transports to run the contract against: the embedded bus (always) and Corosync (root,
corosync installed): one Corosync node in a network namespace of its own, with a private
/run, on loopback."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

MEMBER = Path(__file__).with_name("member.py")
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Group:
    kind: str
    prefix: list[str]
    bus: str = ""
    procs: list[subprocess.Popen[str]] = field(default_factory=list)
    nodeid: int = 1

    def spawn(self, *args: str, nodeid: int | None = None) -> subprocess.Popen[str]:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        argv = [*self.prefix, sys.executable, str(MEMBER), "--transport", self.kind, "--bus", self.bus,
                "--nodeid", str(nodeid or self.nodeid), *args]
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.procs.append(proc)
        return proc

    def close(self) -> None:
        for proc in self.procs:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait()


def events(proc: subprocess.Popen[str], timeout: float = 60) -> list[dict[str, object]]:
    stdout, stderr = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, stderr
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def read_until(proc: subprocess.Popen[str], predicate: object, timeout: float = 30) -> list[dict[str, object]]:
    """Read events from a running member until ``predicate(event)`` holds."""
    assert proc.stdout is not None
    seen: list[dict[str, object]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(json.loads(line))
        if predicate(seen[-1]):  # type: ignore[operator]
            return seen
    raise AssertionError(f"condition not met; events: {seen}")


@contextlib.contextmanager
def embedded_group(expected: int = 1) -> Iterator[Group]:
    with tempfile.TemporaryDirectory(prefix="pct", dir="/tmp") as tmp:
        sock = Path(tmp) / "bus.sock"
        bus = subprocess.Popen(
            [sys.executable, "-m", "crm.cluster.embedded", "--socket", str(sock), "--expected", str(expected)],
            env=dict(os.environ, PYTHONPATH=str(ROOT)), stderr=subprocess.DEVNULL,
        )
        group = Group("embedded", [], str(sock))
        try:
            deadline = time.monotonic() + 10
            while not sock.exists():
                assert time.monotonic() < deadline, "the bus did not start"
                time.sleep(0.02)
            yield group
        finally:
            group.close()
            bus.terminate()
            bus.wait(10)


COROSYNC_CONF = """totem {
    version: 2
    cluster_name: %(name)s
    transport: knet
    crypto_cipher: none
    crypto_hash: none
    token: 1000
}
nodelist {
    node {
        ring0_addr: 127.0.0.1
        name: node1
        nodeid: 1
    }
}
quorum {
    provider: corosync_votequorum
}
logging {
    to_stderr: yes
    to_syslog: no
}
"""


def corosync_usable() -> str | None:
    if os.geteuid() != 0:
        return "needs root (network namespace, private /run for corosync)"
    if shutil.which("corosync") is None:
        return "corosync is not installed"
    return None


@contextlib.contextmanager
def corosync_group() -> Iterator[Group]:
    reason = corosync_usable()
    if reason:
        pytest.skip(reason)
    name = f"pct{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="pcc", dir="/tmp") as tmp:
        conf = Path(tmp) / "corosync.conf"
        conf.write_text(COROSYNC_CONF % {"name": name})
        run = Path(tmp) / "run"
        lib = Path(tmp) / "lib"
        run.mkdir()
        lib.mkdir()
        subprocess.run(["ip", "netns", "add", name], check=True)
        corosync: subprocess.Popen[bytes] | None = None
        group = Group("corosync", ["ip", "netns", "exec", name])
        try:
            subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True)
            script = (
                f"mount --bind {run} /run && mount --bind {lib} /var/lib/corosync && "
                f"exec corosync -f -c {conf}"
            )
            corosync = subprocess.Popen(
                ["ip", "netns", "exec", name, "unshare", "-m", "sh", "-c", script],
                stdout=subprocess.DEVNULL, stderr=open(Path(tmp) / "corosync.log", "w"),  # noqa: SIM115
            )
            deadline = time.monotonic() + 20
            while True:
                probe = subprocess.run(["ip", "netns", "exec", name, "corosync-quorumtool", "-s"],
                                       capture_output=True, text=True, check=False)
                if "Quorate:          Yes" in probe.stdout:
                    break
                assert corosync.poll() is None, (Path(tmp) / "corosync.log").read_text()
                assert time.monotonic() < deadline, probe.stdout + probe.stderr
                time.sleep(0.2)
            yield group
        finally:
            group.close()
            if corosync is not None:
                corosync.send_signal(signal.SIGTERM)
                try:
                    corosync.wait(10)
                except subprocess.TimeoutExpired:
                    corosync.kill()
                    corosync.wait()
            subprocess.run(["ip", "netns", "del", name], check=False)
