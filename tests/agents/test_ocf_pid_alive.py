"""``ocf.pid_alive`` (agents/lib/ocf.py): alive, gone, zombie, and a process reaped mid-check."""

from __future__ import annotations

import builtins
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "agents" / "lib"))

import ocf


def test_a_running_process_is_alive() -> None:
    assert ocf.pid_alive(os.getpid())


def test_a_reaped_process_is_not_alive() -> None:
    child = subprocess.Popen(["true"])
    child.wait()
    assert not ocf.pid_alive(child.pid)


def test_a_zombie_is_not_alive() -> None:
    child = subprocess.Popen(["true"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # exited, not yet waited for: a zombie
        with open(f"/proc/{child.pid}/stat") as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                break
        time.sleep(0.01)
    try:
        assert not ocf.pid_alive(child.pid)
    finally:
        child.wait()


def test_a_process_reaped_between_the_signal_and_the_read_is_not_alive(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading /proc/PID/stat of a process reaped after the open fails with ESRCH."""
    real_open = builtins.open

    def reaped_open(path: Any, *args: Any, **kwargs: Any) -> Any:
        if str(path).startswith("/proc/") and str(path).endswith("/stat"):
            raise ProcessLookupError(3, "No such process")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", reaped_open)
    assert not ocf.pid_alive(os.getpid())
