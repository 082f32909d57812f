"""A hand-started pacer cluster for the command-line tools: the embedded bus and one CIB
daemon per node (``python -m crm.based --run-dir RUN_DIR``), each a process of its own; with
``attrd=True`` also one attribute daemon per node (``python -m crm.attrd``).

Every process is started here and stopped by its PID in :meth:`LiveCluster.close` (the
fixtures call it in their finalizers).  The run directories sit in a short directory under
``/tmp`` so that unix socket paths stay well under 108 bytes.  Tools run as the installed
commands (``.venv/bin/<tool>``) with ``PACER_RUN_DIR`` pointing at one node's run directory
and neither ``CIB_file`` nor ``CIB_shadow`` set.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest

from crm.cib.live import LiveCibSource
from crm.cluster.node import NodeConfig

__all__ = ["BIN", "LiveCluster", "live_cluster", "needs_attrd", "needs_based", "tool_env", "wait_for"]

BIN = Path(sys.executable).parent
T = TypeVar("T")


def _available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


needs_based = pytest.mark.skipif(
    not _available("crm.based.__main__"),
    reason="crm.based (the CIB daemon) cannot be imported yet: no live cluster to test against",
)
needs_attrd = pytest.mark.skipif(
    not _available("crm.attrd.__main__"), reason="crm.attrd (the attribute daemon) cannot be imported yet"
)


def tool_env(run_dir: Path) -> dict[str, str]:
    """The environment of a tool working on the live CIB of the node whose run dir is ``run_dir``."""
    env = {k: v for k, v in os.environ.items() if k not in ("CIB_file", "CIB_shadow", "CIB_shadow_dir")}
    env["PACER_RUN_DIR"] = str(run_dir)
    env["PATH"] = f"{BIN}:{env.get('PATH', '')}"
    env.pop("OCF_RESKEY_CRM_meta_on_node", None)
    return env


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 10.0, interval: float = 0.05) -> T:
    """Poll ``probe`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while True:
        last = probe()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")
        time.sleep(interval)


@dataclass
class LiveCluster:
    root: Path
    size: int
    bus: subprocess.Popen[bytes] | None = None
    daemons: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)
    attrds: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def bus_socket(self) -> Path:
        return self.root / "bus.sock"

    @property
    def names(self) -> list[str]:
        return [f"node{k}" for k in range(1, self.size + 1)]

    def config(self, k: int) -> NodeConfig:
        return NodeConfig(
            name=f"node{k}",
            nodeid=k,
            run_dir=self.root / f"n{k}" / "run",
            state_dir=self.root / f"n{k}" / "state",
            transport="embedded",
            bus=self.bus_socket,
            expected_votes=self.size,
        )

    def source(self, k: int) -> LiveCibSource:
        return LiveCibSource(self.config(k).run_dir)

    def env(self, k: int) -> dict[str, str]:
        return tool_env(self.config(k).run_dir)

    def run(self, k: int, argv: Sequence[str], stdin: str | None = None, timeout: float = 60,
            extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Run the installed tool ``argv[0]`` on node ``k``."""
        command = [str(BIN / argv[0]), *argv[1:]]
        return subprocess.run(command, env={**self.env(k), **(extra_env or {})}, input=stdin,
                              capture_output=True, text=True, timeout=timeout, check=False)

    def ok(self, k: int, argv: Sequence[str], stdin: str | None = None) -> str:
        """Run a tool that must succeed; its standard output."""
        result = self.run(k, argv, stdin)
        assert result.returncode == 0, f"node{k}: {' '.join(argv)} -> {result.returncode}\n{result.stderr}"
        return result.stdout

    # -- processes ---------------------------------------------------------------------------
    def start_bus(self) -> None:
        log = open(self.root / "bus.log", "ab")  # noqa: SIM115 - the child keeps it
        self.bus = subprocess.Popen(
            [sys.executable, "-m", "crm.cluster.embedded", "--socket", str(self.bus_socket),
             "--expected", str(self.size)],
            stdout=subprocess.DEVNULL, stderr=log,
        )
        log.close()
        wait_for("the cluster bus", lambda: self.bus_socket.exists())

    def start(self, k: int) -> None:
        config = self.config(k)
        config.save()
        log = open(self.root / f"n{k}.log", "ab")  # noqa: SIM115 - the child keeps it
        self.daemons[k] = subprocess.Popen(
            [sys.executable, "-m", "crm.based", "--run-dir", str(config.run_dir)],
            stdout=subprocess.DEVNULL, stderr=log,
        )
        log.close()

    def start_attrd(self, k: int) -> None:
        log = open(self.root / f"attrd{k}.log", "ab")  # noqa: SIM115 - the child keeps it
        self.attrds[k] = subprocess.Popen(
            [sys.executable, "-m", "crm.attrd", "--run-dir", str(self.config(k).run_dir)],
            stdout=subprocess.DEVNULL, stderr=log,
        )
        log.close()
        wait_for(f"node{k}'s attrd socket", lambda: (self.config(k).run_dir / "attrd.sock").exists())

    def kill(self, k: int) -> None:
        """SIGKILL node ``k``'s CIB daemon."""
        proc = self.daemons.pop(k)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()

    def members_seen(self, k: int) -> set[str]:
        try:
            return {str(m["name"]) for m in self.source(k).membership()["members"]}
        except Exception:
            return set()

    def wait_members(self, k: int, names: set[str], timeout: float = 20) -> None:
        wait_for(f"node{k} to see {sorted(names)}", lambda: self.members_seen(k) == names, timeout)

    def log(self, k: int) -> str:
        path = self.root / f"n{k}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def close(self) -> None:
        procs = [*self.attrds.values(), *self.daemons.values()]
        self.attrds.clear()
        self.daemons.clear()
        if self.bus is not None:
            procs.append(self.bus)
            self.bus = None
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGKILL)
                proc.wait()


@contextlib.contextmanager
def live_cluster(size: int = 3, attrd: bool = False) -> Iterator[LiveCluster]:
    """A running cluster of ``size`` nodes whose members all see each other."""
    root = Path(tempfile.mkdtemp(prefix="pcl", dir="/tmp"))
    cluster = LiveCluster(root, size)
    try:
        cluster.start_bus()
        for k in range(1, size + 1):
            cluster.start(k)
        for k in range(1, size + 1):
            cluster.wait_members(k, set(cluster.names))
        if attrd:
            for k in range(1, size + 1):
                cluster.start_attrd(k)
        yield cluster
    finally:
        cluster.close()
        shutil.rmtree(root, ignore_errors=True)
