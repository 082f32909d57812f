"""The launcher's supervision machine, without I/O.

``pacerd`` starts the node's daemons in order, respawns one that dies, and stops them in
reverse order.  This module decides *what* to do; the asyncio shell in
:mod:`crm.pacerd.daemon` does it (spawns, signals, timers) and reports back.

Inputs (methods of :class:`Supervisor`, each returning a list of actions):

* :meth:`~Supervisor.boot` -- start every child, in table order;
* :meth:`~Supervisor.exited` -- a child exited at time ``now`` with code ``code``;
* :meth:`~Supervisor.timer` -- a timer the machine asked for fired;
* :meth:`~Supervisor.shutdown` -- stop the node (SIGTERM/SIGINT, or an operator).

Actions: :class:`Start`, :class:`Stop` (SIGTERM), :class:`Kill` (SIGKILL),
:class:`SetTimer`, :class:`CancelTimer`, :class:`Log` and finally :class:`Exit`.

Rules (Pacemaker's pacemakerd, with a bounded respawn):

* a child that exits while the node runs is started again after a back-off that doubles
  with each recent restart (``backoff`` .. ``max_backoff``);
* more than ``max_restarts`` restarts of one child within ``window`` seconds: give up,
  stop the node, exit :data:`EXIT_GAVE_UP`;
* a child that exits with :data:`CRM_EX_FATAL` (100) is not respawned: the node stops
  and pacerd exits :data:`CRM_EX_FATAL`, which tells systemd not to restart it;
* stopping is one child at a time, last started first: SIGTERM, then SIGKILL after
  ``stop_timeout`` seconds; pacerd exits once every child is gone.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = [
    "CRM_EX_FATAL",
    "EXIT_GAVE_UP",
    "Action",
    "CancelTimer",
    "ChildSpec",
    "ChildState",
    "Exit",
    "Kill",
    "Log",
    "Policy",
    "SetTimer",
    "Start",
    "Stop",
    "Supervisor",
]

CRM_EX_FATAL = 100  # a daemon's "do not respawn me" exit code (Pacemaker's CRM_EX_FATAL)
EXIT_GAVE_UP = 1  # pacerd's exit code when a child kept dying


@dataclass(frozen=True, slots=True)
class ChildSpec:
    """One daemon of the node: its name (``based``) and its command line."""

    name: str
    argv: tuple[str, ...]


DEFAULT_MAX_RESTARTS = 5
DEFAULT_WINDOW = 60.0
DEFAULT_BACKOFF = 0.5
DEFAULT_MAX_BACKOFF = 10.0
DEFAULT_STOP_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class Policy:
    max_restarts: int = DEFAULT_MAX_RESTARTS  # restarts of one child allowed within ``window`` seconds
    window: float = DEFAULT_WINDOW
    backoff: float = DEFAULT_BACKOFF  # first respawn delay, doubled per recent restart
    max_backoff: float = DEFAULT_MAX_BACKOFF
    stop_timeout: float = DEFAULT_STOP_TIMEOUT  # SIGTERM -> SIGKILL, per child


# -- actions -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Start:
    name: str


@dataclass(frozen=True, slots=True)
class Stop:
    """Send SIGTERM."""

    name: str


@dataclass(frozen=True, slots=True)
class Kill:
    """Send SIGKILL."""

    name: str


@dataclass(frozen=True, slots=True)
class SetTimer:
    """Call :meth:`Supervisor.timer` with ``key`` at time ``at`` (replaces a timer of the same key)."""

    key: str
    at: float


@dataclass(frozen=True, slots=True)
class CancelTimer:
    key: str


@dataclass(frozen=True, slots=True)
class Log:
    level: str  # "info", "warning", "error"
    message: str


@dataclass(frozen=True, slots=True)
class Exit:
    """Every child is gone: pacerd exits with ``code``."""

    code: int
    reason: str


Action = Start | Stop | Kill | SetTimer | CancelTimer | Log | Exit


class ChildState(enum.Enum):
    NEW = "new"  # not started yet
    RUNNING = "running"
    WAITING = "waiting"  # dead, respawn timer pending
    STOPPING = "stopping"  # SIGTERM sent
    KILLING = "killing"  # SIGKILL sent
    STOPPED = "stopped"


@dataclass(slots=True)
class _Child:
    spec: ChildSpec
    state: ChildState = ChildState.NEW
    restarts: deque[float] = field(default_factory=deque)  # times of recent respawns


def _restart_key(name: str) -> str:
    return f"restart:{name}"


def _kill_key(name: str) -> str:
    return f"kill:{name}"


class Supervisor:
    def __init__(self, children: Sequence[ChildSpec], policy: Policy | None = None) -> None:
        names = [c.name for c in children]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate child names in {names}")
        self.policy = policy or Policy()
        self.children = {c.name: _Child(c) for c in children}
        self.order = names
        self.stopping = False
        self.exit_code = 0
        self.reason = ""
        self.finished = False

    # -- queries ---------------------------------------------------------------------
    def state(self, name: str) -> ChildState:
        return self.children[name].state

    def live(self) -> list[str]:
        """Children with a process (running or being stopped)."""
        alive = (ChildState.RUNNING, ChildState.STOPPING, ChildState.KILLING)
        return [n for n in self.order if self.children[n].state in alive]

    # -- inputs ----------------------------------------------------------------------
    def boot(self, now: float) -> list[Action]:
        if self.stopping:
            return []
        out: list[Action] = []
        for name in self.order:
            child = self.children[name]
            if child.state is ChildState.NEW:
                child.state = ChildState.RUNNING
                out.append(Start(name))
        if not out:
            return self._maybe_exit()
        return out

    def start_failed(self, name: str, now: float, error: str) -> list[Action]:
        """The shell could not spawn ``name`` (no such program, ...): counts as an exit."""
        out: list[Action] = [Log("error", f"cannot start {name}: {error}")]
        return out + self._died(name, now, 127)

    def exited(self, name: str, now: float, code: int) -> list[Action]:
        """``code``: the exit status, or minus the signal number that killed the child."""
        return self._died(name, now, code)

    def timer(self, key: str, now: float) -> list[Action]:
        kind, _, name = key.partition(":")
        child = self.children.get(name)
        if child is None:
            return []
        if kind == "restart" and child.state is ChildState.WAITING and not self.stopping:
            child.state = ChildState.RUNNING
            return [Log("info", f"starting {name} again"), Start(name)]
        if kind == "kill" and child.state is ChildState.STOPPING:
            child.state = ChildState.KILLING
            return [
                Log("warning", f"{name} did not stop within {self.policy.stop_timeout:g}s: sending SIGKILL"),
                Kill(name),
            ]
        return []

    def shutdown(self, now: float, reason: str = "shutdown requested", code: int = 0) -> list[Action]:
        if self.stopping:
            return [Log("info", f"already stopping ({self.reason}); ignoring: {reason}")]
        self.stopping = True
        self.exit_code = code
        self.reason = reason
        out: list[Action] = [Log("info" if code == 0 else "error", f"stopping the node: {reason}")]
        for name in self.order:
            child = self.children[name]
            if child.state is ChildState.WAITING:
                out.append(CancelTimer(_restart_key(name)))
                child.state = ChildState.STOPPED
            elif child.state is ChildState.NEW:
                child.state = ChildState.STOPPED
        return out + self._stop_next(now)

    # -- internals -------------------------------------------------------------------
    def _describe(self, code: int) -> str:
        return f"killed by signal {-code}" if code < 0 else f"exited with code {code}"

    def _died(self, name: str, now: float, code: int) -> list[Action]:
        child = self.children.get(name)
        if child is None:
            return []
        previous = child.state
        if previous in (ChildState.STOPPED, ChildState.WAITING, ChildState.NEW):
            return []  # a stale report
        if self.stopping:
            out: list[Action] = []
            if previous in (ChildState.STOPPING, ChildState.KILLING):
                out.append(CancelTimer(_kill_key(name)))
                out.append(Log("info", f"{name} stopped ({self._describe(code)})"))
            else:
                out.append(Log("warning", f"{name} {self._describe(code)} while the node was stopping"))
            child.state = ChildState.STOPPED
            return out + self._stop_next(now)
        if code == CRM_EX_FATAL:
            child.state = ChildState.STOPPED
            return self.shutdown(
                now, f"{name} exited with code {CRM_EX_FATAL} (fatal, not respawned)", code=CRM_EX_FATAL
            )
        policy = self.policy
        while child.restarts and child.restarts[0] <= now - policy.window:
            child.restarts.popleft()
        if len(child.restarts) >= policy.max_restarts:
            child.state = ChildState.STOPPED
            return self.shutdown(
                now,
                f"{name} {self._describe(code)} and was already restarted {len(child.restarts)} times "
                f"in {policy.window:g}s: giving up",
                code=EXIT_GAVE_UP,
            )
        delay = min(policy.backoff * (2 ** len(child.restarts)), policy.max_backoff)
        child.restarts.append(now)
        child.state = ChildState.WAITING
        return [
            Log("warning", f"{name} {self._describe(code)}; starting it again in {delay:g}s"),
            SetTimer(_restart_key(name), now + delay),
        ]

    def _stop_next(self, now: float) -> list[Action]:
        """Stop the last started child that still runs, unless one is being stopped."""
        if any(self.children[n].state in (ChildState.STOPPING, ChildState.KILLING) for n in self.order):
            return []
        for name in reversed(self.order):
            child = self.children[name]
            if child.state is ChildState.RUNNING:
                child.state = ChildState.STOPPING
                return [
                    Log("info", f"stopping {name}"),
                    Stop(name),
                    SetTimer(_kill_key(name), now + self.policy.stop_timeout),
                ]
        return self._maybe_exit()

    def _maybe_exit(self) -> list[Action]:
        if self.finished or not self.stopping or self.live():
            return []
        self.finished = True
        return [Exit(self.exit_code, self.reason)]
