"""Finding and signalling the sandbox's processes through /proc.

Every process the sandbox starts carries ``PACER_SANDBOX=DIR`` in its environment, and
node K's processes ``PACER_SANDBOX_NODE=DIR/nodeK``; daemons and agents inherit them.
A pid from ``sandbox.json`` is only trusted if the process still carries the marker, so a
recycled pid is never signalled.  A process that cleared its environment is still found
as a descendant, or a session member, of a marked process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ProcInfo", "alive", "has_marker", "kill_all", "scan", "select", "terminate", "wait_gone"]


@dataclass(frozen=True, slots=True)
class ProcInfo:
    pid: int
    ppid: int
    sid: int
    environ: frozenset[str]


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, ppid, session id) of ``pid``."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rfind(")") + 2 :].split()
    return fields[0], int(fields[1]), int(fields[3])


def alive(pid: int | None) -> bool:
    """``pid`` exists and is not a zombie."""
    if not pid or pid <= 0:
        return False
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")


def _environ(pid: int) -> frozenset[str]:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return frozenset()
    return frozenset(item.decode(errors="replace") for item in raw.split(b"\0") if item)


def has_marker(pid: int | None, marker: str) -> bool:
    """``pid`` is alive and carries ``marker`` (``NAME=VALUE``) in its environment."""
    return pid is not None and alive(pid) and marker in _environ(pid)


def scan() -> list[ProcInfo]:
    found = []
    me = os.getpid()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        if pid == me:
            continue
        stat = _stat(pid)
        if stat is None or stat[0] in ("Z", "X"):
            continue
        found.append(ProcInfo(pid, stat[1], stat[2], _environ(pid)))
    return found


def select(marker: str, extra: Iterable[int] = ()) -> set[int]:
    """Live processes with ``marker``, plus ``extra`` pids, plus their descendants and the
    members of the sessions they lead."""
    procs = scan()
    chosen = {p.pid for p in procs if marker in p.environ}
    live = {p.pid for p in procs}
    chosen |= {pid for pid in extra if pid in live}
    sessions = {p.pid for p in procs if p.pid in chosen and p.sid == p.pid}
    changed = True
    while changed:
        changed = False
        for p in procs:
            if p.pid not in chosen and (p.ppid in chosen or p.sid in sessions):
                chosen.add(p.pid)
                changed = True
    return chosen


def kill_all(find: Callable[[], set[int]], rounds: int = 100) -> set[int]:
    """SIGKILL everything ``find`` returns until it returns nothing (catches forks in
    flight); returns every pid signalled."""
    killed: set[int] = set()
    for _ in range(rounds):
        pids = find()
        if not pids:
            break
        # freeze first, so that no process sees another die (no SIGCHLD or parent-death
        # handling, no clean shutdown): a crash of all of them at the same instant
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, sig)
        killed |= pids
        time.sleep(0.02)
    return killed


def terminate(pids: Iterable[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)


def wait_gone(pids: Iterable[int], timeout: float) -> bool:
    """Wait until none of ``pids`` is alive; True if they all went."""
    pending = set(pids)
    deadline = time.monotonic() + timeout
    while True:
        pending = {pid for pid in pending if alive(pid)}
        if not pending:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
