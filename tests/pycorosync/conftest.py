"""A private single-node corosync per test module (or per test), in its own network namespace.

Corosync's client IPC is abstract unix sockets, which are per network namespace; corosync
also always locks ``/var/run/corosync.pid``.  So each instance runs as

    ip netns exec NS sh -c 'mount --bind TMP/run /run && exec corosync -f -c TMP/corosync.conf'

(``ip netns exec`` gives it a private mount namespace, so the bind mount stays inside), and
client code runs in a thread that entered NS with ``setns(CLONE_NEWNET)`` (network namespaces
are per thread), so tests assert in-process.  ``/dev/shm`` stays shared: libqb maps the IPC
rings from there.  Teardown kills the corosync we started (by PID), deletes the namespace and
removes the ``/dev/shm/qb-*`` files named after that PID.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")

REPO = Path(__file__).resolve().parents[2]
CLONE_NEWNET = 0x40000000
_counter = itertools.count(1)

CONF = """\
totem {{
    version: 2
    cluster_name: {name}
    transport: knet
    crypto_cipher: none
    crypto_hash: none
    token: 1000
    interface {{
        linknumber: 0
        mcastport: {port}
    }}
}}
nodelist {{
    node {{
        ring0_addr: 127.0.0.1
        name: node1
        nodeid: 1
    }}
}}
quorum {{
    provider: corosync_votequorum
}}
logging {{
    to_stderr: no
    to_syslog: no
    to_logfile: yes
    logfile: {dir}/corosync.log
    timestamp: hires
}}
system {{
    state_dir: {dir}/lib
}}
"""


def corosync_missing() -> str | None:
    """Why live tests cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (network namespace, bind mount over /run)"
    for tool in ("corosync", "ip", "corosync-quorumtool"):
        if shutil.which(tool, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin") is None:
            return f"{tool} not installed (Debian: apt-get install corosync iproute2)"
    return None


def _sbin(tool: str) -> str:
    found = shutil.which(tool, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
    assert found, tool
    return found


class CorosyncNode:
    """One corosync (node id 1, ring0 127.0.0.1) in network namespace ``ns``."""

    def __init__(self, workdir: Path) -> None:
        n = next(_counter)
        self.name = f"pyc{os.getpid()}n{n}"
        self.ns = self.name
        self.port = 20000 + (os.getpid() * 8 + n * 2) % 20000
        self.dir = workdir
        self.pid = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.conf = workdir / "corosync.conf"

    # ------------------------------------------------------------------ lifecycle
    def start(self, timeout: float = 20.0) -> None:
        (self.dir / "run").mkdir(parents=True, exist_ok=True)
        (self.dir / "lib").mkdir(exist_ok=True)
        self.conf.write_text(CONF.format(name=self.name, port=self.port, dir=self.dir))
        ip = _sbin("ip")
        subprocess.run([ip, "netns", "add", self.ns], check=True)
        subprocess.run([ip, "-n", self.ns, "link", "set", "lo", "up"], check=True)
        stdout = open(self.dir / "corosync.stdout", "wb")  # noqa: SIM115 - owned by the daemon
        # ip netns exec execs sh, which execs corosync: the Popen pid is corosync's
        self.proc = subprocess.Popen(
            [ip, "netns", "exec", self.ns, "sh", "-c", 'mount --bind "$1" /run && exec "$2" -f -c "$3"',
             "sh", str(self.dir / "run"), _sbin("corosync"), str(self.conf)],
            stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.STDOUT, start_new_session=True,
        )
        stdout.close()
        self.pid = self.proc.pid
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            rc = subprocess.run(
                [ip, "netns", "exec", self.ns, _sbin("corosync-quorumtool"), "-s"],
                capture_output=True, timeout=10,
            ).returncode
            if rc == 0:  # quorate
                return
            time.sleep(0.2)
        log = (self.dir / "corosync.log").read_text(errors="replace") if (self.dir / "corosync.log").exists() else ""
        out = (self.dir / "corosync.stdout").read_text(errors="replace")
        self.stop()
        pytest.fail(f"corosync did not become ready in {timeout}s:\n{out}\n{log[-3000:]}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal our corosync (by PID) and reap it."""
        if self.alive():
            assert self.proc is not None
            os.kill(self.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait(5)
        subprocess.run([_sbin("ip"), "netns", "delete", self.ns], capture_output=True)
        if self.pid:
            shm = Path("/dev/shm")
            for pattern in (f"qb-{self.pid}-*", f"qb-*-{self.pid}-*", f"qb-corosync-{self.pid}-*"):
                for leftover in shm.glob(pattern):  # libqb 2 uses directories, libqb 1 files
                    if leftover.is_dir():
                        shutil.rmtree(leftover, ignore_errors=True)
                    else:
                        with contextlib.suppress(OSError):
                            leftover.unlink()

    # ------------------------------------------------------------------ clients
    def run(self, fn: Callable[..., T], *args: Any, timeout: float = 60.0) -> T:
        """Run ``fn(*args)`` in a new thread inside our network namespace; return its result
        or re-raise its exception."""
        result: dict[str, Any] = {}

        def target() -> None:
            try:
                libc = ctypes.CDLL(None, use_errno=True)
                with open(f"/run/netns/{self.ns}") as f:
                    if libc.setns(f.fileno(), CLONE_NEWNET) != 0:
                        raise OSError(ctypes.get_errno(), f"setns({self.ns})")
                result["value"] = fn(*args)
            except BaseException as exc:
                result["error"] = exc

        thread = threading.Thread(target=target, name=f"netns-{self.ns}", daemon=True)
        thread.start()
        thread.join(timeout)
        if thread.is_alive():
            raise TimeoutError(f"{getattr(fn, '__name__', fn)} still running after {timeout}s")
        if "error" in result:
            raise result["error"]
        return result.get("value")  # type: ignore[no-any-return]

    def spawn(self, code: str) -> subprocess.Popen[str]:
        """Start ``python -c code`` inside the namespace (another client process)."""
        env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        return subprocess.Popen(
            [_sbin("ip"), "netns", "exec", self.ns, sys.executable, "-c", code],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )


@contextlib.contextmanager
def _node(tmp: Path) -> Iterator[CorosyncNode]:
    reason = corosync_missing()
    if reason:
        pytest.skip(reason)
    node = CorosyncNode(tmp)
    try:
        node.start()
        yield node
    finally:
        node.stop()


@pytest.fixture(scope="module")
def corosync(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CorosyncNode]:
    """A corosync shared by the tests of a module."""
    with _node(tmp_path_factory.mktemp("corosync")) as node:
        yield node


@pytest.fixture
def private_corosync(tmp_path: Path) -> Iterator[CorosyncNode]:
    """A corosync for one test (that may kill or shut it down)."""
    with _node(tmp_path) as node:
        yield node
