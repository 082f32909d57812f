"""The simulated effect of graph actions (what ``crm_simulate -S`` does instead of running agents).

Every resource action "succeeds" with the result the scheduler expects (its target rc) unless an
``-F/--op-fail`` spec says otherwise; the result is written into the CIB status section as the
controller would record it.  Fencing takes the node down and clears its history.  Each step is
reported as a :class:`SimEvent` so that a front end can print it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from lxml import etree

from crm.transition.executor import ActionResult
from crm.transition.graph import ActionKind, GraphAction
from crm.transition.history import (
    OpResult,
    count_failure,
    ensure_node,
    ensure_resource_history,
    fence_node,
    next_call_id,
    record_op,
)


@dataclass(frozen=True)
class SimEvent:
    """One line of the "Executing Cluster Transition" report.

    ``item`` lines are list entries (bulleted in the fancy layout); the others are notices.
    """

    text: str
    item: bool = True


@dataclass(frozen=True)
class FailSpec:
    """``rsc_task_interval@node=rc``: make this action fail with ``rc``."""

    key: str  # "rsc_task_interval" as given (compared case-insensitively)
    node: str
    rc: int

    @classmethod
    def parse(cls, spec: str) -> FailSpec:
        m = re.fullmatch(r"([^@]+)@([^=]+)=(-?\d+)", spec.strip())
        if m is None:
            raise ValueError(f"invalid operation spec {spec!r}: expected <resource>_<task>_<interval>@<node>=<rc>")
        return cls(m.group(1), m.group(2), int(m.group(3)))

    def matches(self, rsc: str, task: str, interval_ms: int, node: str) -> bool:
        return f"{rsc}_{task}_{interval_ms}@{node}".lower() == f"{self.key}@{self.node}".lower()


def _history_ids(cib: etree._Element) -> set[str]:
    return {str(e.get("id")) for e in cib.iterfind("status/node_state/lrm/lrm_resources/lrm_resource")}


def _plain_primitive_ids(cib: etree._Element) -> set[str]:
    """Primitives that are not inside a clone or bundle: their id is their instance name."""
    ids: set[str] = set()
    resources = cib.find("configuration/resources")
    if resources is None:
        return ids
    for prim in resources.iter("primitive"):
        parent = prim.getparent()
        cloned = False
        while parent is not None and parent is not resources:
            if parent.tag in ("clone", "master", "bundle"):
                cloned = True
                break
            parent = parent.getparent()
        if not cloned:
            ids.add(str(prim.get("id")))
    return ids


class SimulatedEffect:
    """Callable effect for :func:`crm.transition.executor.run_graph` that edits a CIB in place."""

    def __init__(
        self,
        cib: etree._Element,
        *,
        op_fail: Iterable[FailSpec] = (),
        report: Callable[[SimEvent], None] = lambda event: None,
        clock: Callable[[], int] = lambda: 0,
        origin: str = "crm_simulate",
    ) -> None:
        self.cib = cib
        self.op_fail = tuple(op_fail)
        self.report = report
        self.clock = clock
        self.origin = origin
        # Names by which resources are known before the transition runs.
        self._known = _plain_primitive_ids(cib) | _history_ids(cib)

    def __call__(self, action: GraphAction) -> ActionResult | None:
        if action.kind is ActionKind.PSEUDO:
            node = f" on {action.on_node}" if action.on_node else ""
            self.report(SimEvent(f"Pseudo action:   {action.operation_key}{node}"))
            return ActionResult(action.id, ok=True)
        if action.kind is ActionKind.CLUSTER:
            return self._cluster(action)
        return self._resource(action)

    def _cluster(self, action: GraphAction) -> ActionResult:
        node = action.on_node or ""
        if action.operation == "stonith":
            how = action.meta("stonith_action") or "reboot"
            self.report(SimEvent(f"Fencing {node} ({how})"))
            fence_node(self.cib, node, how)
        elif action.resource is not None:
            self.report(SimEvent(f"Cluster action:  {action.operation} for {action.resource.id} on {node}"))
        else:
            self.report(SimEvent(f"Cluster action:  {action.operation} on {node}"))
        return ActionResult(action.id, ok=True)

    def _resource(self, action: GraphAction) -> ActionResult:
        node = action.on_node or ""
        if action.operation == "reprobe":
            return ActionResult(action.id, ok=True)
        ref = action.resource
        if ref is None:
            return ActionResult(action.id, ok=False, rc=1, detail=f"action {action.id} names no resource")
        config_name = ref.id
        name = config_name
        if name not in self._known and ref.long_id:
            name = ref.long_id
        task = action.operation
        interval = action.interval_ms
        if task in ("delete", "meta-data"):
            self.report(SimEvent(f"Resource action: {name:<15} {task} on {node}"))
            return ActionResult(action.id, ok=True)
        state = ensure_node(
            self.cib, node, None if action.router_node else action.on_node_uuid, configure=False
        )
        entry = ensure_resource_history(state, name, config_name, ref.rsc_class, ref.type, ref.provider)
        target = action.target_rc
        if interval:
            self.report(SimEvent(f"Resource action: {name:<15} {task}={interval} on {node}"))
        else:
            self.report(SimEvent(f"Resource action: {name:<15} {task} on {node}"))
        rc = target
        ok = True
        now = self.clock()
        for spec in self.op_fail:
            match = spec.matches(name, task, interval, node)
            match_name = name
            if not match and name != config_name:
                match = spec.matches(config_name, task, interval, node)
                match_name = config_name
            if not match:
                continue
            rc = spec.rc
            ok = False
            self.report(SimEvent(f"Pretending action {action.id} failed with rc={rc}", item=False))
            for attr, value in count_failure(state, match_name, task, interval, rc, now):
                self.report(SimEvent(f"Injecting attribute {attr}={value} into /node_state '{state.get('id')}'"))
            break
        result = OpResult(
            rsc_id=config_name,
            task=task,
            interval_ms=interval,
            rc=rc,
            call_id=next_call_id(entry),
            exit_reason="" if ok else "User-injected result",
            run_time=now,
            params=dict(action.attributes),
            origin=self.origin,
        )
        record_op(entry, result, target)
        return ActionResult(action.id, ok=ok, rc=rc)
