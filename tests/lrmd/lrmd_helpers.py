"""Shared helpers for the lrmd tests: throwaway agents and an executor runner."""

from __future__ import annotations

import asyncio
import os
import textwrap
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from lrmd.agent_paths import AgentLocator
from lrmd.executor import Executor, ExecutorConfig

T = TypeVar("T")
DEBIAN_OCF_ROOT = Path("/usr/lib/ocf")


def write_script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + textwrap.dedent(body).lstrip("\n"))
    path.chmod(0o755)
    return path


def make_ocf_root(tmp_path: Path) -> Path:
    """An OCF root with provider ``test`` and Debian's shell library linked in."""
    root = tmp_path / "ocf"
    (root / "resource.d" / "test").mkdir(parents=True)
    (root / "lib").mkdir()
    if (DEBIAN_OCF_ROOT / "lib" / "heartbeat").is_dir():
        (root / "lib" / "heartbeat").symlink_to(DEBIAN_OCF_ROOT / "lib" / "heartbeat")
    return root


def locator_for(tmp_path: Path, ocf_root: Path | None = None) -> AgentLocator:
    return AgentLocator(
        ocf_root=ocf_root or make_ocf_root(tmp_path),
        pacer_dirs=(tmp_path / "pacer-agents",),
        lsb_dir=tmp_path / "init.d",
        heartbeat_dir=tmp_path / "resource.d",
    )


def executor_for(locator: AgentLocator, tmp_path: Path, **config: object) -> Executor:
    settings: dict[str, object] = {
        "node_name": "node1",
        "rsctmp": str(tmp_path / "rsctmp"),
        "kill_grace_s": 0.3,
        "base_env": {"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
    }
    settings.update(config)
    (tmp_path / "rsctmp").mkdir(exist_ok=True)
    return Executor(locator, ExecutorConfig(**settings))  # type: ignore[arg-type]


def run(coro_fn: Callable[[], Awaitable[T]], timeout: float = 60) -> T:
    async def wrapped() -> T:
        return await asyncio.wait_for(coro_fn(), timeout)

    return asyncio.run(wrapped())


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is not "alive" for our purposes.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
