"""Fixtures for the launcher and sandbox tests: short directories (unix sockets must stay
under 108 bytes) and sandboxes that are always taken down, by PID as a last resort."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from crm.cluster import netns
from crm.sandbox import procs
from crm.sandbox.state import ENV_SANDBOX, prefix_for

BIN = Path(sys.executable).parent


def client_env() -> dict[str, str]:
    """Our environment with the venv's commands first on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{BIN}:{env.get('PATH', '')}:/usr/sbin:/sbin"
    return env


@pytest.fixture
def short_dir(tmp_path: Path) -> Iterator[Path]:
    """``tmp_path`` if short enough for the sockets below it, else a fresh dir under /tmp."""
    if len(str(tmp_path)) <= 40:
        yield tmp_path
        return
    path = Path(tempfile.mkdtemp(prefix="pct-", dir="/tmp"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def force_down(directory: Path) -> None:
    """Kill whatever the sandbox in ``directory`` left, by PID, and its namespaces."""
    directory = Path(os.path.abspath(directory))
    procs.kill_all(lambda: procs.select(f"{ENV_SANDBOX}={directory}"))
    prefix = prefix_for(directory)
    if os.geteuid() == 0 and netns.NETNS_DIR.exists():
        for ns in sorted(netns.NETNS_DIR.glob(f"{prefix}-*")):
            procs.kill_all(lambda ns=ns: set(netns.pids(ns.name)) - {os.getpid()})
            with contextlib.suppress(netns.NetnsError):
                netns.delete(ns.name)


@dataclass
class SandboxRunner:
    directory: Path
    started: bool = False
    calls: list[list[str]] = field(default_factory=list)

    def __call__(
        self, *args: str, check: bool = True, timeout: float = 240, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "crm.sandbox", *args]
        self.calls.append(argv)
        if args and args[0] == "up":
            self.started = True
        result = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, env=client_env(), input=input, check=False
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{' '.join(args)} exited {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
            )
        return result


@pytest.fixture
def sandbox(short_dir: Path) -> Iterator[SandboxRunner]:
    """Runs ``pacer-sandbox`` commands; ``down`` (then a kill by PID) at the end."""
    runner = SandboxRunner(short_dir / "sb")
    try:
        yield runner
    finally:
        if runner.started:
            with contextlib.suppress(Exception):
                subprocess.run(
                    [sys.executable, "-m", "crm.sandbox", "down", "--dir", str(runner.directory), "--timeout", "30"],
                    capture_output=True, timeout=120, env=client_env(), check=False,
                )
        force_down(runner.directory)
