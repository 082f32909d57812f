"""The fencer's protocol, without I/O.

Every node runs one fencer; all of them join the transport group ``stonith-ng``.  This
module decides what they do; :mod:`crm.fenced.daemon` moves bytes, arms timers, runs
agents.  Inputs are method calls, outputs are lists of :data:`Output` values.

=========================  ===============================================================
input                      method
=========================  ===============================================================
CIB changed                :meth:`FencerMachine.set_config`
client request             :meth:`FencerMachine.client_request` (JSON from ``fenced.sock``)
delivered group message    :meth:`FencerMachine.deliver`
view change                :meth:`FencerMachine.view_change`
timer expiry               :meth:`FencerMachine.timer_fired`
device check finished      :meth:`FencerMachine.devices_checked`
agent finished             :meth:`FencerMachine.agent_done`
=========================  ===============================================================

**A fencing operation** (Pacemaker's remote operation, fenced_remote.c) is driven by the
fencer that received the request, the *initiator*:

1. it multicasts ``query`` (target, action); every fencer records the operation as pending
   and answers ``capable`` with the devices it may run (not banned, not disabled) that can
   fence the target: static lists are answered at once, ``dynamic-list`` and ``status``
   devices after the daemon asked the agent (:class:`CheckDevices`);
2. once every member of the view has answered (or after :data:`QUERY_TIMEOUT`), it makes the
   plan: the target's topology levels in index order, or else each capable device as a
   level of its own; a level succeeds when all its devices do (a ``reboot`` through a level
   of several devices is ``off`` on each, then ``on`` on each, as in Pacemaker);
3. for each device it picks the executor: a member that reported the device and is not the
   target, preferring itself, then the lowest node id; the target fences itself only when
   no other member can;
4. it multicasts ``execute``; the executor runs the agent (:class:`RunAgent`) and multicasts
   ``result``; on failure the initiator goes on with the next level;
5. it multicasts ``done``; every fencer records the result in its history and tells its
   subscribers (:class:`Notify`); the initiator answers its client.

Without any device able to fence the target the operation fails with rc 105 (no such
device); it is recorded in the history all the same, as Pacemaker does.  An executor that
leaves the view fails its step; operations of an initiator that leaves stay in the other
histories as failed.

**History.**  Every fencer keeps the same history (every ``query`` and ``done`` is delivered
to all).  When members join, the lowest member of each side of the merge (the members that
were together before) multicasts its history and everyone merges it (a finished entry wins
over a pending one), so a joiner, or a healed partition, gets the whole history.

**Manual confirmation** (``stonith_admin -C``) multicasts a successful ``off`` of the target
done by "a human", as Pacemaker records it.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from crm.fenced.devices import Device, FencingConfig

__all__ = [
    "ACTIONS",
    "HISTORY_MAX",
    "RC_ERROR",
    "RC_INVALID",
    "RC_NO_DEVICE",
    "RC_TIMEOUT",
    "ArmTimer",
    "CancelTimer",
    "CheckDevices",
    "FencerMachine",
    "HistoryEntry",
    "Log",
    "Multicast",
    "Notify",
    "Output",
    "Peer",
    "Reply",
    "RunAgent",
]

ACTIONS = ("reboot", "off", "on")
HISTORY_MAX = 500
QUERY_TIMEOUT = 15.0
STEP_MARGIN = 5.0
HUMAN = "a human"

# Pacemaker's exit codes (crm_exit_t) for the replies
RC_OK = 0
RC_ERROR = 1
RC_INVALID = 2  # CRM_EX_INVALID_PARAM
RC_NO_DEVICE = 105  # CRM_EX_NOSUCH
RC_TIMEOUT = 124  # CRM_EX_TIMEOUT


@dataclass(frozen=True, order=True, slots=True)
class Peer:
    nodeid: int
    name: str
    pid: int = 0


# -- outputs ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Multicast:
    payload: bytes


@dataclass(frozen=True, slots=True)
class Reply:
    client: Any
    message: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Notify:
    """An event for every subscribed local client."""

    event: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ArmTimer:
    key: str
    delay_s: float


@dataclass(frozen=True, slots=True)
class CancelTimer:
    key: str


@dataclass(frozen=True, slots=True)
class CheckDevices:
    """Ask the agents of ``devices`` whether they can fence ``target`` (their ``list`` or
    ``status``), then call :meth:`FencerMachine.devices_checked` with ``op_id``."""

    op_id: str
    target: str
    devices: tuple[Device, ...]


@dataclass(frozen=True, slots=True)
class RunAgent:
    """Run ``device``'s agent for ``action`` on ``target`` (after its delay when
    ``delay``), then call :meth:`FencerMachine.agent_done` with ``op_id`` and ``step``."""

    op_id: str
    step: int
    device: Device
    action: str
    target: str
    timeout_s: float
    nodeid: int | None = None
    delay: bool = True


@dataclass(frozen=True, slots=True)
class Log:
    level: str
    text: str


Output = Multicast | Reply | Notify | ArmTimer | CancelTimer | CheckDevices | RunAgent | Log


# -- history ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class HistoryEntry:
    id: str
    target: str
    action: str
    state: str  # "pending", "done" or "failed"
    initiator: str  # the node that ran the operation (Pacemaker's "origin")
    origin: str  # who asked, as given in the request (defaults to the initiator)
    client: str
    started: float
    completed: float = 0.0
    rc: int | None = None
    executioner: str | None = None  # Pacemaker's "delegate"
    device: str | None = None
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "target": self.target, "action": self.action, "state": self.state,
            "initiator": self.initiator, "origin": self.origin, "client": self.client,
            "started": self.started, "completed": self.completed, "rc": self.rc,
            "executioner": self.executioner, "device": self.device, "error": self.error,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> HistoryEntry:
        rc = data.get("rc")
        return cls(
            id=str(data["id"]), target=str(data["target"]), action=str(data["action"]),
            state=str(data.get("state", "pending")), initiator=str(data.get("initiator", "")),
            origin=str(data.get("origin", "")), client=str(data.get("client", "")),
            started=float(data.get("started") or 0.0), completed=float(data.get("completed") or 0.0),
            rc=int(rc) if rc is not None else None,
            executioner=str(data["executioner"]) if data.get("executioner") else None,
            device=str(data["device"]) if data.get("device") else None,
            error=str(data.get("error") or ""),
        )

    @property
    def finished(self) -> bool:
        return self.state != "pending"


def history_order(entries: list[HistoryEntry]) -> list[HistoryEntry]:
    """Pacemaker's ``stonith__sort_history``: pending first, then newest completed first."""
    pending = sorted((e for e in entries if not e.finished), key=lambda e: -e.started)
    finished = sorted((e for e in entries if e.finished), key=lambda e: -e.completed)
    return pending + finished


# -- operations driven by this node -----------------------------------------------------
@dataclass(frozen=True, slots=True)
class Step:
    device: str
    action: str


@dataclass(slots=True)
class Operation:
    id: str
    kind: str  # "fence" or "list"
    target: str
    action: str
    timeout: float
    origin: str
    client_name: str
    clients: list[Any]
    started: float
    view_members: set[str]  # members whose "capable" we wait for
    capable: dict[str, tuple[str, ...]] = field(default_factory=dict)
    levels: list[list[Step]] = field(default_factory=list)
    level: int = 0
    position: int = 0
    step_no: int = 0
    executor: str | None = None
    device: str | None = None
    deadline: float = 0.0
    step_timeout: float = 0.0
    last_rc: int = RC_NO_DEVICE
    last_error: str = ""
    phase: str = "query"  # "query", "execute", "done"


def _encode(message: Mapping[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":"), sort_keys=True).encode()


class BadMessage(ValueError):
    pass


class FencerMachine:
    def __init__(self, local: Peer, config: FencingConfig | None = None) -> None:
        self.local = local
        self.config = config or FencingConfig()
        self.members: tuple[Peer, ...] = ()
        self.view = 0
        self.history: dict[str, HistoryEntry] = {}
        self.ops: dict[str, Operation] = {}
        self._ids = itertools.count(1)
        # checks we are running for other initiators' queries: op id -> initiator
        self._checking: dict[str, str] = {}
        self._partial: dict[str, list[str]] = {}
        # steps we execute: op id -> (initiator, action)
        self._executing: dict[str, tuple[str, str]] = {}

    # -- configuration -----------------------------------------------------------------
    def set_config(self, config: FencingConfig) -> list[Output]:
        self.config = config
        return []

    def local_devices(self) -> list[Device]:
        return [d for d in self.config.devices.values() if d.runnable_on(self.local.name)]

    # -- client requests ---------------------------------------------------------------
    def client_request(self, client: Any, request: Mapping[str, Any], now: float) -> list[Output]:
        op = request.get("op")
        if op == "fence":
            return self._request_fence(client, request, now)
        if op == "list":
            target = request.get("target")
            if target in (None, ""):
                names = sorted(d.id for d in self.local_devices())
                return [Reply(client, {"rc": RC_OK, "devices": names})]
            if not isinstance(target, str):
                return [Reply(client, {"rc": RC_INVALID, "error": "target must be a node name"})]
            return self._start(client, "list", target, "list", 15.0, request, now)
        if op == "history":
            target = request.get("target")
            entries = [e for e in self.history.values() if target in (None, "", "*") or e.target == target]
            return [Reply(client, {"rc": RC_OK, "history": [e.to_json() for e in history_order(entries)]})]
        if op == "confirm":
            target = request.get("target")
            if not isinstance(target, str) or not target:
                return [Reply(client, {"rc": RC_INVALID, "error": "confirm needs a target node"})]
            op_id = self._new_id()
            entry = HistoryEntry(
                id=op_id, target=target, action="off", state="done", initiator=self.local.name,
                origin=str(request.get("origin") or self.local.name), client=self._client_name(request),
                started=now, completed=now, rc=RC_OK, executioner=HUMAN, device=None,
            )
            self.ops[op_id] = Operation(
                id=op_id, kind="confirm", target=target, action="off", timeout=0.0, origin=entry.origin,
                client_name=entry.client, clients=[client], started=now, view_members=set(), phase="done",
            )
            return [Multicast(_encode({"t": "done", "entry": entry.to_json()}))]
        return [Reply(client, {"rc": RC_INVALID, "error": f"unknown operation {op!r}"})]

    @staticmethod
    def _client_name(request: Mapping[str, Any]) -> str:
        return str(request.get("client") or request.get("origin") or "unknown")

    def _new_id(self) -> str:
        return f"{self.local.name}.{self.local.pid}.{next(self._ids)}"

    def _request_fence(self, client: Any, request: Mapping[str, Any], now: float) -> list[Output]:
        target = request.get("target")
        action = request.get("action", "reboot")
        if not isinstance(target, str) or not target:
            return [Reply(client, {"rc": RC_INVALID, "error": "fence needs a target node"})]
        if action not in ACTIONS:
            return [Reply(client, {"rc": RC_INVALID, "error": f"action must be one of {', '.join(ACTIONS)}"})]
        try:
            timeout = float(request.get("timeout") or self.config.stonith_timeout)
        except (TypeError, ValueError):
            return [Reply(client, {"rc": RC_INVALID, "error": "timeout must be a number of seconds"})]
        if timeout <= 0:
            timeout = self.config.stonith_timeout
        # an identical operation in flight here: its result answers this client too
        for existing in self.ops.values():
            if existing.kind == "fence" and existing.target == target and existing.action == action:
                existing.clients.append(client)
                return [Log("info", f"{action} of {target} is already in progress ({existing.id}); merged")]
        return self._start(client, "fence", target, str(action), timeout, request, now)

    def _start(
        self, client: Any, kind: str, target: str, action: str, timeout: float, request: Mapping[str, Any], now: float
    ) -> list[Output]:
        op_id = self._new_id()
        origin = str(request.get("origin") or self.local.name)
        operation = Operation(
            id=op_id, kind=kind, target=target, action=action, timeout=timeout, origin=origin,
            client_name=self._client_name(request), clients=[client], started=now,
            view_members={m.name for m in self.members} or {self.local.name},
        )
        self.ops[op_id] = operation
        message = {
            "t": "query", "id": op_id, "kind": kind, "target": target, "action": action, "timeout": timeout,
            "initiator": self.local.name, "origin": origin, "client": operation.client_name, "started": now,
        }
        return [
            Multicast(_encode(message)),
            ArmTimer(f"query:{op_id}", min(QUERY_TIMEOUT, max(timeout, 1.0))),
        ]

    # -- group messages ----------------------------------------------------------------
    def deliver(self, sender: Peer, payload: bytes, now: float) -> list[Output]:
        try:
            message = json.loads(payload)
            if not isinstance(message, dict):
                raise BadMessage("not an object")
            kind = message.get("t")
            handler = {
                "query": self._on_query,
                "capable": self._on_capable,
                "execute": self._on_execute,
                "result": self._on_result,
                "done": self._on_done,
                "history": self._on_history,
            }.get(str(kind))
            if handler is None:
                raise BadMessage(f"unknown message type {kind!r}")
            return handler(sender, message, now)
        except (BadMessage, ValueError, KeyError, TypeError) as err:
            return [Log("warning", f"ignoring a message from {sender.name}: {err}")]

    def _on_query(self, sender: Peer, message: dict[str, Any], now: float) -> list[Output]:
        op_id = str(message["id"])
        target = str(message["target"])
        out: list[Output] = []
        if message.get("kind") == "fence" and op_id not in self.history:
            self._record(HistoryEntry(
                id=op_id, target=target, action=str(message["action"]), state="pending",
                initiator=str(message["initiator"]), origin=str(message.get("origin") or message["initiator"]),
                client=str(message.get("client") or ""), started=float(message.get("started") or now),
            ))
        static: list[str] = []
        dynamic: list[Device] = []
        for device in self.local_devices():
            if device.needs_agent_check:
                dynamic.append(device)
            elif device.can_fence(target):
                static.append(device.id)
        if dynamic:
            self._checking[op_id] = str(message["initiator"])
            self._partial[op_id] = static
            out.append(CheckDevices(op_id, target, tuple(dynamic)))
        else:
            out.append(self._capable(op_id, static))
        return out

    def _capable(self, op_id: str, devices: list[str]) -> Multicast:
        return Multicast(_encode({"t": "capable", "id": op_id, "node": self.local.name, "devices": sorted(devices)}))

    def devices_checked(self, op_id: str, able: list[str]) -> list[Output]:
        """The daemon's answer to :class:`CheckDevices`: the devices that can fence."""
        self._checking.pop(op_id, None)
        static = self._partial.pop(op_id, [])
        return [self._capable(op_id, static + [d for d in able if d not in static])]

    def _on_capable(self, sender: Peer, message: dict[str, Any], now: float) -> list[Output]:
        operation = self.ops.get(str(message["id"]))
        if operation is None or operation.phase != "query":
            return []
        node = str(message.get("node") or sender.name)
        operation.capable[node] = tuple(str(d) for d in message.get("devices") or ())
        if operation.view_members <= set(operation.capable):
            return [CancelTimer(f"query:{operation.id}"), *self._queried(operation, now)]
        return []

    def _queried(self, operation: Operation, now: float) -> list[Output]:
        """Every member answered (or the query timed out): plan and go."""
        if operation.kind == "list":
            names = sorted({d for devices in operation.capable.values() for d in devices})
            del self.ops[operation.id]
            return [Reply(c, {"rc": RC_OK, "devices": names}) for c in operation.clients]
        operation.levels = self._plan(operation)
        operation.phase = "execute"
        # Pacemaker's total timeout: every planned step's timeout, times 1.2
        total = 0.0
        for steps in operation.levels:
            for step in steps:
                device = self.config.devices.get(step.device)
                total += device.timeout(step.action, operation.timeout) + device.delay_max if device else operation.timeout
        operation.deadline = now + 1.2 * total
        if not operation.levels:
            operation.last_rc = RC_NO_DEVICE
            operation.last_error = f"no fence device can fence {operation.target} (No such device)"
            return self._finish(operation, now)
        return self._next_step(operation, now)

    def _plan(self, operation: Operation) -> list[list[Step]]:
        capable_anywhere = {d for devices in operation.capable.values() for d in devices}
        levels = self.config.levels_for(operation.target)
        plan: list[list[Step]] = []
        if levels:
            for level in levels:
                if not all(d in self.config.devices for d in level.devices):
                    continue  # a level naming an unknown device cannot succeed
                plan.append(self._level_steps(list(level.devices), operation.action))
        else:
            for device in sorted(capable_anywhere, key=self._device_order):
                plan.append(self._level_steps([device], operation.action))
        return plan

    def _device_order(self, name: str) -> tuple[int, str]:
        device = self.config.devices.get(name)
        try:
            priority = int(device.params.get("priority", "0")) if device else 0
        except ValueError:
            priority = 0
        return (-priority, name)

    @staticmethod
    def _level_steps(devices: list[str], action: str) -> list[Step]:
        if action == "reboot" and len(devices) > 1:
            return [Step(d, "off") for d in devices] + [Step(d, "on") for d in devices]
        return [Step(d, action) for d in devices]

    def _executor(self, operation: Operation, device: str) -> str | None:
        able = [m for m in self.members if device in operation.capable.get(m.name, ())]
        if not able:
            # a member that did not answer in time is not used; the view may also be empty
            able = [Peer(0, n) for n, devices in operation.capable.items() if device in devices]
        others = [m for m in able if m.name != operation.target]
        candidates = others or able
        if not candidates:
            return None
        for member in candidates:
            if member.name == self.local.name:
                return member.name
        return min(candidates, key=lambda m: (m.nodeid, m.name)).name

    def _next_step(self, operation: Operation, now: float) -> list[Output]:
        """Run the step at (level, position), skipping levels that cannot run."""
        while operation.level < len(operation.levels):
            steps = operation.levels[operation.level]
            if operation.position >= len(steps):
                operation.last_rc = RC_OK
                return self._finish(operation, now)
            step = steps[operation.position]
            if now >= operation.deadline:
                operation.last_rc = RC_TIMEOUT
                operation.last_error = f"fencing of {operation.target} did not complete within {operation.timeout:g}s"
                return self._finish(operation, now)
            executor = self._executor(operation, step.device)
            if executor is None:
                # an "on" after the level's "off"s succeeded is not needed for the result
                if step.action == "on" and operation.action == "reboot" and len(steps) > 1:
                    operation.position += 1
                    continue
                operation.last_rc = RC_NO_DEVICE
                operation.last_error = f"no member can run fence device {step.device} for {operation.target}"
                operation.level += 1
                operation.position = 0
                continue
            device = self.config.devices.get(step.device)
            remaining = max(1.0, operation.deadline - now)
            timeout = min(device.timeout(step.action, operation.timeout) if device else operation.timeout, remaining)
            operation.step_no += 1
            operation.step_timeout = timeout
            operation.executor = executor
            operation.device = step.device
            message = {
                "t": "execute", "id": operation.id, "step": operation.step_no, "device": step.device,
                "action": step.action, "target": operation.target, "executor": executor, "timeout": timeout,
            }
            delay = (device.delay_max or device.delay_base) if device else 0.0
            return [
                Multicast(_encode(message)),
                ArmTimer(f"step:{operation.id}", timeout + delay + STEP_MARGIN),
            ]
        return self._finish(operation, now)

    def _on_execute(self, sender: Peer, message: dict[str, Any], now: float) -> list[Output]:
        if message.get("executor") != self.local.name:
            return []
        op_id = str(message["id"])
        step = int(message["step"])
        device = self.config.devices.get(str(message["device"]))
        if device is None:
            return [self._result(op_id, step, str(message["device"]), RC_NO_DEVICE,
                                 f"fence device {message['device']} is not configured")]
        target = str(message["target"])
        self._executing[op_id] = (sender.name, str(message["action"]))
        return [RunAgent(
            op_id, step, device, str(message["action"]), target, float(message["timeout"]),
            nodeid=self.config.node_ids.get(target), delay=str(message["action"]) in ("off", "reboot"),
        )]

    def _result(self, op_id: str, step: int, device: str, rc: int, error: str) -> Multicast:
        return Multicast(_encode({
            "t": "result", "id": op_id, "step": step, "device": device, "rc": rc, "error": error,
            "executor": self.local.name,
        }))

    def agent_done(
        self, op_id: str, step: int, device: str, rc: int, error: str = "", now: float | None = None
    ) -> list[Output]:
        """The daemon ran :class:`RunAgent`: ``rc`` 0 is success, 124 a timeout.

        When the initiator left meanwhile (typically: it was the target), a success is
        announced by the executor itself, as Pacemaker's executor broadcasts the result of
        a fencing its requester cannot see through."""
        out: list[Output] = [self._result(op_id, step, device, rc, error)]
        initiator, action = self._executing.pop(op_id, ("", ""))
        entry = self.history.get(op_id)
        if (rc == RC_OK and initiator and initiator not in {m.name for m in self.members}
                and entry is not None and entry.action == action):
            done = replace(entry, state="done", rc=RC_OK, executioner=self.local.name, device=device,
                           completed=entry.started if now is None else now, error="")
            out.append(Multicast(_encode({"t": "done", "entry": done.to_json()})))
        return out

    def _on_result(self, sender: Peer, message: dict[str, Any], now: float) -> list[Output]:
        operation = self.ops.get(str(message["id"]))
        if operation is None or operation.phase != "execute" or int(message["step"]) != operation.step_no:
            return []
        rc = int(message["rc"])
        return [CancelTimer(f"step:{operation.id}"), *self._step_ended(operation, rc, str(message.get("error") or ""), now)]

    def _step_ended(self, operation: Operation, rc: int, error: str, now: float) -> list[Output]:
        steps = operation.levels[operation.level]
        step = steps[operation.position]
        out: list[Output] = []
        if rc == RC_OK:
            operation.position += 1
        elif step.action == "on" and operation.action == "reboot" and len(steps) > 1:
            # the devices are off: the target is fenced even if it does not come back
            out.append(Log("warning", f"{step.device} could not turn {operation.target} back on: {error}"))
            operation.position += 1
        else:
            out.append(Log("warning", f"{step.action} of {operation.target} with {step.device} on "
                                      f"{operation.executor} failed (rc {rc}): {error}"))
            operation.last_rc = rc
            operation.last_error = error or f"fence device {step.device} failed"
            operation.level += 1
            operation.position = 0
        out.extend(self._next_step(operation, now))
        return out

    def _finish(self, operation: Operation, now: float) -> list[Output]:
        operation.phase = "done"
        success = operation.last_rc == RC_OK
        entry = HistoryEntry(
            id=operation.id, target=operation.target, action=operation.action,
            state="done" if success else "failed", initiator=self.local.name, origin=operation.origin,
            client=operation.client_name, started=operation.started, completed=now, rc=operation.last_rc,
            executioner=operation.executor, device=operation.device, error="" if success else operation.last_error,
        )
        return [Multicast(_encode({"t": "done", "entry": entry.to_json()}))]

    def _on_done(self, sender: Peer, message: dict[str, Any], now: float) -> list[Output]:
        entry = HistoryEntry.from_json(message["entry"])
        self._record(entry)
        out: list[Output] = [Notify({
            "event": "fenced", "id": entry.id, "target": entry.target, "action": entry.action, "rc": entry.rc,
            "executioner": entry.executioner, "origin": entry.origin, "time": entry.completed,
            "device": entry.device, "initiator": entry.initiator, "client": entry.client, "error": entry.error,
        })]
        verb = "succeeded" if entry.state == "done" else f"failed (rc {entry.rc}: {entry.error})"
        out.append(Log("notice" if entry.state == "done" else "error",
                       f"{entry.action} of {entry.target} by {entry.executioner or 'nobody'} for {entry.client}@"
                       f"{entry.initiator}: {verb}"))
        operation = self.ops.pop(entry.id, None)
        if operation is not None and entry.initiator == self.local.name:
            if entry.state == "done":
                reply: dict[str, Any] = {"rc": RC_OK, "device": entry.device, "executioner": entry.executioner}
            else:
                reply = {"rc": entry.rc if entry.rc else RC_ERROR, "error": entry.error}
            out.extend(Reply(c, dict(reply)) for c in operation.clients)
        return out

    def _on_history(self, sender: Peer, message: dict[str, Any], now: float) -> list[Output]:
        for item in message.get("entries") or ():
            entry = HistoryEntry.from_json(item)
            known = self.history.get(entry.id)
            if known is None or (not known.finished and entry.finished):
                self._record(entry)
        return []

    def _record(self, entry: HistoryEntry) -> None:
        self.history[entry.id] = entry
        if len(self.history) > HISTORY_MAX:
            finished = sorted((e for e in self.history.values() if e.finished), key=lambda e: e.completed)
            for old in finished[: len(self.history) - HISTORY_MAX]:
                del self.history[old.id]

    # -- membership and timers ---------------------------------------------------------
    def view_change(
        self, view: int, members: list[Peer], joined: list[Peer], left: list[Peer], now: float
    ) -> list[Output]:
        before = {m.name for m in self.members}
        self.members = tuple(sorted(members))
        self.view = view
        names = {m.name for m in self.members}
        out: list[Output] = []
        gone = {m.name for m in left} - names
        # operations we drive: members that left will not answer or finish a step
        for operation in list(self.ops.values()):
            if operation.phase == "query":
                operation.view_members &= names | {self.local.name}
                if operation.view_members <= set(operation.capable):
                    out.append(CancelTimer(f"query:{operation.id}"))
                    out.extend(self._queried(operation, now))
            elif operation.phase == "execute" and operation.executor in gone:
                out.append(CancelTimer(f"step:{operation.id}"))
                out.extend(self._step_ended(operation, RC_ERROR, f"{operation.executor} left the cluster", now))
        # pending entries whose initiator is gone will never finish
        for entry in list(self.history.values()):
            if not entry.finished and entry.initiator in gone:
                self._record(replace(entry, state="failed", completed=now, rc=RC_ERROR,
                                     error=f"{entry.initiator} left before the operation finished"))
        # history sync: the lowest member of each side that was together sends its history
        if joined and self.history:
            side = (before & names) or {self.local.name}
            lowest = min((m for m in self.members if m.name in side), default=None, key=lambda m: (m.nodeid, m.name))
            if lowest is not None and lowest.name == self.local.name:
                entries = [e.to_json() for e in self.history.values()]
                out.append(Multicast(_encode({"t": "history", "entries": entries})))
        return out

    def timer_fired(self, key: str, now: float) -> list[Output]:
        kind, _, op_id = key.partition(":")
        operation = self.ops.get(op_id)
        if operation is None:
            return []
        if kind == "query" and operation.phase == "query":
            missing = sorted(operation.view_members - set(operation.capable))
            out: list[Output] = [Log("warning", f"no answer from {', '.join(missing)} about {operation.target}")]
            out.extend(self._queried(operation, now))
            return out
        if kind == "step" and operation.phase == "execute":
            return self._step_ended(
                operation, RC_TIMEOUT, f"Fence agent did not complete within {operation.step_timeout:g}s", now
            )
        return []
