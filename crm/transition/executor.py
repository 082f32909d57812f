"""Graph executor: runs a transition graph with the effect of each action injected.

:class:`GraphRun` is a state machine without I/O, shared by the controller and by
``crm_simulate``.  One *pass* walks the synapses in graph order and fires each synapse whose
inputs are all confirmed; pseudo actions are confirmed as soon as they fire, other actions are
handed to the effect, which either returns the result at once (simulation) or later through
:meth:`GraphRun.confirm` (a real executor).  A failed action aborts the transition, as
Pacemaker's transition engine does: no new synapse starts (pseudo actions excepted, they do
nothing), actions in flight complete, and the dependents of the failed action never fire.

Drivers: :func:`run_graph` (effects answer synchronously) and :func:`run_graph_async`
(effects are coroutines).
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from crm.transition.graph import INFINITY, ActionKind, GraphAction, Synapse, TransitionGraph

if TYPE_CHECKING:
    import asyncio


class RunStatus(enum.Enum):
    """Where a run stands after a pass."""

    ACTIVE = "active"  # actions are in flight or were just fired: run another pass
    COMPLETE = "complete"  # every synapse fired and was confirmed
    ABORTED = "aborted"  # an action failed or an abort was requested; nothing in flight
    TERMINATED = "terminated"  # nothing in flight, no abort, yet some synapses can never fire


@dataclass(frozen=True)
class ActionResult:
    """The outcome of one executed action."""

    action_id: int
    ok: bool
    rc: int = 0
    detail: str = ""


class Initiator(Protocol):
    """Starts one action; returns its result now, or ``None`` when it completes later."""

    def __call__(self, action: GraphAction) -> ActionResult | None: ...


@dataclass(frozen=True)
class RunOutcome:
    """How a run ended and in which order actions were fired."""

    status: RunStatus
    fired: tuple[int, ...]
    failed: tuple[int, ...]
    skipped: tuple[int, ...]  # synapses (by action id) not fired because of an abort


class ExecutorError(RuntimeError):
    """Misuse of the executor (unknown action, result for an action not in flight, ...)."""


class GraphRun:
    """The state of one transition graph being executed."""

    def __init__(self, graph: TransitionGraph, node_action_limit: int = 0) -> None:
        """``node_action_limit``: at most that many actions in flight on one node at a time
        (Pacemaker's ``node-action-limit``; 0: no limit), besides the graph's ``batch-limit``."""
        self.graph = graph
        self.node_action_limit = node_action_limit
        self._actions = graph.actions()
        self._synapse_of = {s.action.id: s for s in graph.synapses}
        self._fired: list[int] = []
        self._in_flight: set[int] = set()
        self._confirmed: set[int] = set()
        self._failed: set[int] = set()
        self._skipped: set[int] = set()
        self.abort_priority = 0
        self.abort_reason: str | None = None

    # -- queries ---------------------------------------------------------------------------
    @property
    def in_flight(self) -> frozenset[int]:
        return frozenset(self._in_flight)

    def is_confirmed(self, action_id: int) -> bool:
        return action_id in self._confirmed

    def outcome(self, status: RunStatus) -> RunOutcome:
        return RunOutcome(
            status=status,
            fired=tuple(self._fired),
            failed=tuple(sorted(self._failed)),
            skipped=tuple(sorted(self._skipped)),
        )

    # -- transitions -----------------------------------------------------------------------
    def abort(self, priority: int = INFINITY, reason: str = "aborted") -> None:
        """Stop starting synapses whose priority is below ``priority`` (in-flight ones finish)."""
        if priority > self.abort_priority:
            self.abort_priority = priority
            self.abort_reason = reason

    def confirm(self, result: ActionResult) -> None:
        """Record the result of an action that was in flight."""
        aid = result.action_id
        if aid not in self._actions:
            raise ExecutorError(f"result for action {aid}, which is not in the graph")
        if aid in self._confirmed:
            raise ExecutorError(f"action {aid} was already confirmed")
        self._in_flight.discard(aid)
        self._confirmed.add(aid)
        if not result.ok and not self._actions[aid].can_fail:
            self._failed.add(aid)
            self.abort(INFINITY, f"action {aid} ({self._actions[aid].describe()}) failed")

    def _input_satisfied(self, synapse: Synapse, input_id: int) -> bool:
        if input_id not in self._confirmed:
            return False
        # The result of a failed action releases only synapses of INFINITY priority.
        return input_id not in self._failed or synapse.priority >= INFINITY

    def _ready(self, synapse: Synapse) -> bool:
        return all(self._input_satisfied(synapse, i) for i in synapse.inputs)

    def run_pass(self, initiate: Initiator) -> RunStatus:
        """Fire every synapse that is ready, in graph order; return the run's status."""
        fired = 0
        incomplete = 0
        limit = self.graph.batch_limit
        per_node: dict[str, int] = {}
        if self.node_action_limit > 0:
            for aid in self._in_flight:
                node = self._actions[aid].on_node
                if node and self._actions[aid].kind is not ActionKind.PSEUDO:
                    per_node[node] = per_node.get(node, 0) + 1
        for synapse in self.graph.synapses:
            aid = synapse.action.id
            if aid in self._confirmed or aid in self._in_flight:
                continue
            if limit > 0 and len(self._in_flight) >= limit:
                break
            if not self._ready(synapse):
                incomplete += 1
                continue
            action = synapse.action
            if action.kind is not ActionKind.PSEUDO and synapse.priority < self.abort_priority:
                self._skipped.add(aid)
                continue
            busy = action.on_node if action.kind is not ActionKind.PSEUDO else None
            if busy and self.node_action_limit > 0:
                if per_node.get(busy, 0) >= self.node_action_limit:
                    continue  # that node has enough to do: a later pass fires it
                per_node[busy] = per_node.get(busy, 0) + 1
            self._skipped.discard(aid)
            fired += 1
            self._fired.append(aid)
            self._in_flight.add(aid)
            result = initiate(action)
            if action.kind is ActionKind.PSEUDO and result is None:
                result = ActionResult(aid, ok=True)
            if result is not None:
                if result.action_id != aid:
                    raise ExecutorError(f"effect answered action {result.action_id} for action {aid}")
                self.confirm(result)
        if fired or self._in_flight:
            return RunStatus.ACTIVE
        if self.abort_priority > 0:
            return RunStatus.ABORTED
        if len(self._confirmed) == len(self._actions):
            return RunStatus.COMPLETE
        if incomplete:
            return RunStatus.TERMINATED
        return RunStatus.COMPLETE


def run_graph(graph: TransitionGraph, initiate: Initiator) -> RunOutcome:
    """Run ``graph`` to the end with an effect that answers every action at once."""
    run = GraphRun(graph)
    while True:
        status = run.run_pass(initiate)
        if status is not RunStatus.ACTIVE:
            return run.outcome(status)
        if run.in_flight:
            raise ExecutorError(
                "synchronous run: the effect left actions in flight: "
                + ", ".join(str(a) for a in sorted(run.in_flight))
            )


AsyncEffect = Callable[[GraphAction], Awaitable[ActionResult]]


async def run_graph_async(
    graph: TransitionGraph,
    execute: AsyncEffect,
    *,
    pseudo: Callable[[GraphAction], None] | None = None,
) -> RunOutcome:
    """Run ``graph`` with a coroutine per executed action (several may be in flight at once)."""
    import asyncio  # here: asyncio (and ssl with it) is costly to import for the synchronous driver

    run = GraphRun(graph)
    tasks: dict[asyncio.Task[ActionResult], int] = {}

    def initiate(action: GraphAction) -> ActionResult | None:
        if action.kind is ActionKind.PSEUDO:
            if pseudo is not None:
                pseudo(action)
            return None
        tasks[asyncio.ensure_future(execute(action))] = action.id
        return None

    try:
        while True:
            status = run.run_pass(initiate)
            if status is not RunStatus.ACTIVE:
                return run.outcome(status)
            if not tasks:
                continue
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                aid = tasks.pop(task)
                exc = task.exception()
                result = (
                    ActionResult(aid, ok=False, rc=1, detail=f"{type(exc).__name__}: {exc}")
                    if exc is not None
                    else task.result()
                )
                run.confirm(result)
    finally:
        for task in tasks:
            task.cancel()
