"""Real CIB daemons on the embedded bus, one process each, for the daemon tests."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from crm.cib.live import LiveCibSource
from crm.cluster.node import NodeConfig


@dataclass
class LiveCluster:
    root: Path
    size: int
    bus: subprocess.Popen[bytes] | None = None
    daemons: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)

    def config(self, k: int) -> NodeConfig:
        return NodeConfig(
            name=f"node{k}",
            nodeid=k,
            run_dir=self.root / f"n{k}" / "run",
            state_dir=self.root / f"n{k}" / "state",
            transport="embedded",
            bus=self.root / "bus.sock",
            expected_votes=self.size,
        )

    def source(self, k: int) -> LiveCibSource:
        return LiveCibSource(self.config(k).run_dir)

    def env(self, k: int) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key not in ("CIB_file", "CIB_shadow")}
        env["PACER_RUN_DIR"] = str(self.config(k).run_dir)
        env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
        return env

    def start_bus(self) -> None:
        log = open(self.root / "bus.log", "ab")  # noqa: SIM115
        self.bus = subprocess.Popen(
            [sys.executable, "-m", "crm.cluster.embedded", "--socket", str(self.root / "bus.sock"), "--expected", str(self.size)],
            stderr=log,
        )
        deadline = time.monotonic() + 10
        while not (self.root / "bus.sock").exists():
            if time.monotonic() > deadline:
                raise RuntimeError("the bus did not start")
            time.sleep(0.02)

    def start(self, k: int) -> None:
        config = self.config(k)
        config.save()
        log = open(self.root / f"n{k}.log", "ab")  # noqa: SIM115
        self.daemons[k] = subprocess.Popen([sys.executable, "-m", "crm.based", "--run-dir", str(config.run_dir)], stderr=log)

    def kill(self, k: int) -> None:
        proc = self.daemons.pop(k)
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    def stop(self, k: int) -> int:
        proc = self.daemons.pop(k)
        proc.terminate()
        return proc.wait(30)

    def members_seen(self, k: int) -> set[str]:
        try:
            return {m["name"] for m in self.source(k).membership()["members"]}
        except Exception:
            return set()

    def wait_members(self, k: int, names: set[str], timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while self.members_seen(k) != names:
            if time.monotonic() > deadline:
                raise AssertionError(f"node{k} sees {self.members_seen(k)}, expected {names}")
            time.sleep(0.05)

    def log(self, k: int) -> str:
        return (self.root / f"n{k}.log").read_text(errors="replace")

    def close(self) -> None:
        for proc in self.daemons.values():
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait()
        self.daemons.clear()
        if self.bus is not None:
            self.bus.terminate()
            try:
                self.bus.wait(10)
            except subprocess.TimeoutExpired:
                self.bus.kill()
                self.bus.wait()


@contextlib.contextmanager
def live_cluster(size: int) -> Iterator[LiveCluster]:
    with tempfile.TemporaryDirectory(prefix="pcb", dir="/tmp") as tmp:
        cluster = LiveCluster(Path(tmp), size)
        try:
            cluster.start_bus()
            for k in range(1, size + 1):
                cluster.start(k)
            names = {f"node{k}" for k in range(1, size + 1)}
            for k in range(1, size + 1):
                cluster.wait_members(k, names)
            yield cluster
        finally:
            cluster.close()
