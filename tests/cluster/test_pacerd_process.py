"""pacerd as a process, with a fake child table (small python scripts)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crm.cluster.node import NodeConfig
from crm.sandbox import procs

CHILD = """\
import os, signal, sys, time
name, events = sys.argv[1], sys.argv[2]
mode = sys.argv[3] if len(sys.argv) > 3 else ""
def note(text):
    with open(events, "a") as out:
        out.write(f"{text} {name} {os.getpid()}\\n")
def on_term(sig, frame):
    note("stop")
    sys.exit(0)
signal.signal(signal.SIGTERM, signal.SIG_IGN if mode == "stubborn" else on_term)
note("start")
if mode.startswith("exit"):
    time.sleep(0.2)
    sys.exit(int(mode[4:]))
while True:
    time.sleep(1)
"""


def wait_for(predicate: Callable[[], object], timeout: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class Node:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.events = root / "events"
        self.events.touch()
        self.script = root / "child.py"
        self.script.write_text(CHILD)
        self.config = NodeConfig("node1", 1, root / "run", root / "state", bus=root / "bus.sock")
        self.config.save()
        self.proc: subprocess.Popen[bytes] | None = None
        self.marker = f"PACER_TEST_NODE={root}"

    def child(self, name: str, mode: str = "") -> str:
        return f"{name}={sys.executable} {self.script} {name} {self.events} {mode}".rstrip()

    def start(self, *children: str, extra: tuple[str, ...] = ()) -> subprocess.Popen[bytes]:
        argv = [sys.executable, "-m", "crm.pacerd", "--run-dir", str(self.config.run_dir), *extra]
        for child in children:
            argv += ["--child", child]
        env = dict(os.environ, PACER_TEST_NODE=str(self.root))
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return self.proc

    def lines(self) -> list[tuple[str, str, int]]:
        out = []
        for line in self.events.read_text().splitlines():
            what, name, pid = line.split()
            out.append((what, name, int(pid)))
        return out

    def started(self, name: str) -> list[int]:
        return [pid for what, n, pid in self.lines() if what == "start" and n == name]

    def log(self) -> str:
        path = self.config.state_dir / "log" / "pacerd.log"
        return path.read_text() if path.exists() else ""

    def cleanup(self) -> None:
        procs.kill_all(lambda: procs.select(self.marker))
        if self.proc is not None:
            self.proc.wait(timeout=10)


@pytest.fixture
def node(short_dir: Path) -> Iterator[Node]:
    n = Node(short_dir)
    try:
        yield n
    finally:
        n.cleanup()


def test_respawns_a_killed_child_and_stops_in_reverse_order(node: Node) -> None:
    proc = node.start(node.child("first"), node.child("second"), node.child("third"), extra=("--backoff", "0.1"))
    wait_for(lambda: len(node.lines()) == 3, what="three children")
    # spawned in table order (the children themselves may come up in any order)
    started = [line.split("started ")[1].split()[0] for line in node.log().splitlines() if "INFO: started " in line]
    assert started == ["first", "second", "third"]
    pid_file = node.config.run_dir / "pacerd.pid"
    assert pid_file.read_text().strip() == str(proc.pid)
    victim = node.started("second")[0]
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: len(node.started("second")) == 2, what="second respawned")
    assert node.started("second")[1] != victim
    assert "second killed by signal 9" in node.log()
    # logs per daemon
    assert (node.config.state_dir / "log" / "second.log").exists()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    stops = [n for what, n, _ in node.lines() if what == "stop"]
    assert stops == ["third", "second", "first"]
    assert not pid_file.exists()
    assert not procs.select(node.marker)


def test_sigint_stops_too(node: Node) -> None:
    proc = node.start(node.child("only"))
    wait_for(lambda: node.started("only"), what="child")
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0
    assert [w for w, _, _ in node.lines()] == ["start", "stop"]


def test_a_child_ignoring_sigterm_is_killed_after_the_stop_timeout(node: Node) -> None:
    proc = node.start(node.child("calm"), node.child("stubborn", "stubborn"), extra=("--stop-timeout", "1"))
    wait_for(lambda: len(node.lines()) == 2, what="children")
    start = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    assert time.monotonic() - start >= 0.9
    assert "stubborn did not stop within 1s: sending SIGKILL" in node.log()
    assert [n for w, n, _ in node.lines() if w == "stop"] == ["calm"]


def test_fatal_exit_stops_the_node_without_respawn(node: Node) -> None:
    proc = node.start(node.child("based"), node.child("attrd", "exit100"), node.child("controld"))
    assert proc.wait(timeout=30) == 100
    assert len(node.started("attrd")) == 1
    assert [n for w, n, _ in node.lines() if w == "stop"] == ["controld", "based"]
    assert "attrd exited with code 100 (fatal, not respawned)" in node.log()


def test_gives_up_after_too_many_restarts(node: Node) -> None:
    proc = node.start(
        node.child("steady"), node.child("flappy", "exit3"),
        extra=("--backoff", "0.05", "--max-restarts", "3", "--restart-window", "60"),
    )
    assert proc.wait(timeout=60) == 1
    assert len(node.started("flappy")) == 4
    assert [n for w, n, _ in node.lines() if w == "stop"] == ["steady"]
    assert "giving up" in node.log()
    assert not (node.config.run_dir / "pacerd.pid").exists()


def test_a_second_pacerd_on_the_same_node_is_refused(node: Node) -> None:
    first = node.start(node.child("one"))
    wait_for(lambda: node.started("one"), what="child")
    second = subprocess.run(
        [sys.executable, "-m", "crm.pacerd", "--run-dir", str(node.config.run_dir), "--child", node.child("two")],
        capture_output=True, text=True, timeout=30, check=False,
    )
    assert second.returncode == 1
    assert "already running" in second.stderr
    assert (node.config.run_dir / "pacerd.pid").read_text().strip() == str(first.pid)
    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=30) == 0


def test_a_missing_program_is_retried_then_given_up(node: Node) -> None:
    proc = node.start(
        "ghost=/nonexistent/daemon", extra=("--backoff", "0.05", "--max-restarts", "2")
    )
    assert proc.wait(timeout=30) == 1
    assert "cannot start ghost" in node.log()


def test_children_die_with_a_killed_pacerd(node: Node) -> None:
    proc = node.start(node.child("a"), node.child("b"))
    wait_for(lambda: len(node.lines()) == 2, what="children")
    children = [pid for _, _, pid in node.lines()]
    proc.kill()
    proc.wait(timeout=10)
    wait_for(lambda: not any(procs.alive(pid) for pid in children), what="children to exit")
    assert sorted(n for w, n, _ in node.lines() if w == "stop") == ["a", "b"]


def test_tells_systemd_when_ready_and_stopping(node: Node) -> None:
    import socket

    path = node.root / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
        sock.settimeout(20)
        os.environ["NOTIFY_SOCKET"] = str(path)
        try:
            proc = node.start(node.child("a"))
        finally:
            del os.environ["NOTIFY_SOCKET"]
        assert sock.recv(4096).startswith(b"READY=1")
        wait_for(lambda: node.lines(), what="child")
        # the daemons do not get the notify socket
        pid = node.lines()[0][2]
        assert not any(item.startswith(b"NOTIFY_SOCKET=") for item in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"))
        proc.send_signal(signal.SIGTERM)
        assert sock.recv(4096) == b"STOPPING=1"
        assert proc.wait(timeout=30) == 0
