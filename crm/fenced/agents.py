"""Running fence agents: where they are, and one execution with its timeout.

The fence-agent protocol (Pacemaker's lib/fencing/st_actions.c): the agent is executed with
no arguments and reads ``name=value`` lines on stdin (:func:`crm.fenced.devices.agent_input`);
its exit code is the result (0 success; for ``status``/``monitor`` 2 means "off"), stdout and
stderr the details.  The agent runs in its own session; on timeout its whole process group
gets SIGTERM, then SIGKILL.

Agents are searched, in order, in ``$PACER_FENCE_AGENT_PATH`` (colon-separated), the system
directories (``/usr/sbin``, ``/sbin``: Debian's fence-agents and a system install of ours),
``<sys.prefix>/sbin`` (a pip or venv install of pacer) and the source tree's ``agents/``.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from crm.fenced.devices import Device, agent_input
from lrmd.runner import run_process

__all__ = ["AgentResult", "agent_dirs", "find_agent", "listed_targets", "run_agent", "run_with_retries"]

SYSTEM_DIRS = (Path("/usr/sbin"), Path("/sbin"))
RC_TIMEOUT = 124
RC_NOT_INSTALLED = 5  # CRM_EX_NOT_INSTALLED


def agent_dirs(env: Mapping[str, str] | None = None) -> list[Path]:
    """The fence-agent search path (one list, the lrmd's: :func:`lrmd.agent_paths.stonith_agent_dirs`)."""
    from lrmd.agent_paths import stonith_agent_dirs

    return list(stonith_agent_dirs(env))


def find_agent(name: str, env: Mapping[str, str] | None = None) -> Path | None:
    """The executable of fence agent ``name`` (``fence_*`` only), or None."""
    if not re.fullmatch(r"fence_[A-Za-z0-9_.+-]+", name):
        return None
    for directory in agent_dirs(env):
        candidate = directory / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@dataclass(frozen=True, slots=True)
class AgentResult:
    rc: int  # the agent's exit code; 124 on timeout, 5 when not installed
    stdout: str
    stderr: str
    timed_out: bool = False

    @property
    def reason(self) -> str:
        if self.timed_out:
            return ""
        for line in reversed((self.stderr or self.stdout).strip().splitlines()):
            line = line.strip()
            if line:
                return line[:256]
        return ""


def agent_env() -> dict[str, str]:
    """The agents' environment: ours, with pacer's own commands and the sbin dirs on PATH."""
    env = dict(os.environ)
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p]
    own = str(Path(sys.executable).parent)
    extra = [own] + [str(d) for d in SYSTEM_DIRS] + ["/usr/bin", "/bin"]
    env["PATH"] = os.pathsep.join([own, *[p for p in path if p != own], *[d for d in extra if d not in path and d != own]])
    return env


async def run_agent(
    device: Device,
    action: str,
    target: str | None,
    timeout_s: float,
    *,
    nodeid: int | None = None,
    env: Mapping[str, str] | None = None,
) -> AgentResult:
    """One execution of ``device``'s agent for fencer action ``action``."""
    path = find_agent(device.agent, env)
    if path is None:
        return AgentResult(RC_NOT_INSTALLED, "", f"fence agent {device.agent} is not installed")
    outcome = await run_process(
        [str(path)], agent_env() if env is None else env, timeout_s,
        stdin_data=agent_input(device, action, target, nodeid),
    )
    if outcome.spawn_error is not None:
        return AgentResult(RC_NOT_INSTALLED, "", f"cannot run {path}: {outcome.spawn_error}")
    if outcome.timed_out:
        return AgentResult(RC_TIMEOUT, outcome.stdout, outcome.stderr, timed_out=True)
    if outcome.exit_code is None:
        return AgentResult(1, outcome.stdout, outcome.stderr + f"\nkilled by signal {outcome.signal}")
    return AgentResult(outcome.exit_code, outcome.stdout, outcome.stderr)


def fence_delay(device: Device) -> float:
    """``pcmk_delay_base`` plus a random part up to ``pcmk_delay_max``."""
    base, most = device.delay_base, device.delay_max
    if most > base:
        return base + random.uniform(0, most - base)
    return base


async def run_with_retries(
    device: Device,
    action: str,
    target: str,
    timeout_s: float,
    *,
    nodeid: int | None = None,
    delay: bool = True,
    env: Mapping[str, str] | None = None,
) -> AgentResult:
    """A fencing action: the device's delay, then the agent, retried (``pcmk_<a>_retries``)
    while time remains, as Pacemaker's fencer does."""
    if delay:
        pause = fence_delay(device)
        if pause > 0:
            await asyncio.sleep(pause)
    deadline = time.monotonic() + timeout_s
    attempts = 1 + device.retries(action)
    result = AgentResult(1, "", "not run")
    for attempt in range(attempts):
        remaining = deadline - time.monotonic()
        if remaining <= 0.1:
            break
        result = await run_agent(device, action, target, remaining, nodeid=nodeid, env=env)
        if result.rc == 0 or result.rc in (RC_TIMEOUT, RC_NOT_INSTALLED) or attempt + 1 == attempts:
            break
        await asyncio.sleep(min(1.0, max(0.0, deadline - time.monotonic() - 0.1)))
    return result


def listed_targets(output: str) -> set[str]:
    """Targets named in an agent's ``list`` output (``port[,alias]`` per line)."""
    names: set[str] = set()
    for line in output.splitlines():
        fields = [f for f in re.split(r"[\s,]+", line.strip()) if f]
        names.update(fields[:2])
    return names
