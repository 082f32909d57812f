"""The controller's asyncio shell (``python -m crm.controld --run-dir DIR``).

Every node runs one.  Each controller
* joins the transport group ``crmd``, publishes its node's operation history (read from its
  lrmd) into the CIB status when it enters a view, and says ``joined``;
* executes the actions the DC sends it through its lrmd, records each result (pending, then
  final) as ``lrm_rsc_op`` in its node's status, counts failures through attrd, and reports
  the result to the DC;
* watches its lrmd for recurring-monitor results and records failures the same way.

The DC (:func:`crm.controld.machine.choose_dc`) also
* runs the scheduler (in a worker thread) whenever something relevant changed, debounced, and
  every ``cluster-recheck-interval``; saves every input as ``pe-input-N.xml.bz2`` (at most
  ``pe-input-series-max``), replayable with ``crm_simulate -x``;
* runs the graph through :class:`~crm.transition.executor.GraphRun`: resource actions go to
  their node's controller; fencing goes to the fencer; an unexpected result, a lost node or a
  configuration change aborts the transition, and a new one is computed when the actions in
  flight have reported.  ``batch-limit`` and ``node-action-limit`` are honoured by
  ``GraphRun``; each action times out after its own timeout plus ``cluster-delay``.

Its socket (``RUN_DIR/controld.sock``) answers ``ping`` (``crmadmin``), ``dc``, ``nodes`` and
``refresh``/``cleanup`` of a resource's history.
"""

from __future__ import annotations

import argparse
import asyncio
import bz2
import collections
import contextlib
import logging
import os
import re
import signal
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lxml import etree

from crm.cib.document import CibDocument
from crm.cib.errors import CibError
from crm.cib.live import LiveCibSource
from crm.cluster import wire
from crm.cluster.factory import open_transport
from crm.cluster.node import NodeConfig, NodeConfigError, run_dir_from_environment
from crm.cluster.transport import (
    Delivery,
    Member,
    QuorumChange,
    Transport,
    TransportClosed,
    TransportError,
    ViewChange,
)
from crm.common.booleans import is_true
from crm.controld.machine import JoinState, TransitionState, choose_dc, expected_result_ok
from crm.ipc.aclient import AsyncIpcClient
from crm.ipc.client import DaemonError
from crm.ipc.server import RC_INVALID, Connection, JsonServer, error_reply
from crm.transition.executor import ActionResult, GraphRun, RunStatus
from crm.transition.graph import ActionKind, GraphAction, TransitionGraph, parse_graph
from crm.transition.history import transition_key

__all__ = ["Controller", "main"]

log = logging.getLogger("pacer.controld")

DEBOUNCE = 0.01  # gathers the events of one moment (a view change and its CIB writes)
DEFAULT_CLUSTER_DELAY_MS = 60_000
DEFAULT_RECHECK_S = 900.0
DEFAULT_SERIES_MAX = 4000
OCF_NOT_RUNNING = 7
OP_PENDING = -1
OP_CANCELLED = 1
SHUTDOWN_WAIT_S = 120.0


def _parse_interval_ms(text: str | None, default: int) -> int:
    from pengine.timespec import parse_interval_ms

    return parse_interval_ms(text, default) if text else default


def _crm_config(doc: CibDocument) -> dict[str, str]:
    values: dict[str, str] = {}
    for nvpair in doc.root.iterfind("configuration/crm_config/cluster_property_set/nvpair"):
        name, value = nvpair.get("name"), nvpair.get("value")
        if name and value is not None:
            values.setdefault(name, value)
    return values


def _online_nodes(doc: CibDocument) -> set[str]:
    online = set()
    for state in doc.root.iterfind("status/node_state"):
        if state.get("in_ccm") == "true" and state.get("crmd") == "online":
            online.add(state.get("uname", ""))
    return online


def controller_marks(doc: CibDocument, controllers: set[str], lost: set[str]) -> dict[str, bool]:
    """Nodes whose ``crmd`` state in the status is wrong, with the right one (True: online).

    A member node (``in_ccm="true"``) shown with its controller online whose controller left
    and is not back is offline; one shown offline whose controller is a member again is
    online.  A node whose controller was never seen (it is starting) is left as it is."""
    marks: dict[str, bool] = {}
    for state in doc.root.iterfind("status/node_state"):
        node = state.get("uname", "")
        if state.get("in_ccm") != "true":
            continue
        if state.get("crmd") == "online" and node in lost and node not in controllers:
            marks[node] = False
        elif state.get("crmd") == "offline" and node in controllers:
            marks[node] = True
    return marks


def _version(text: str | None) -> tuple[int, int, int]:
    try:
        a, e, n = (int(x) for x in str(text).split("."))
    except ValueError:
        return (0, 0, 0)
    return (a, e, n)


def _only_history(patch_text: str) -> bool:
    """Whether a CIB change touches nothing but operation histories (the results of the
    running transition, which the DC learns from its controllers' reports)."""
    try:
        patch = etree.fromstring(patch_text.encode())
    except etree.XMLSyntaxError:
        return False
    relevant = []
    for change in patch.iterfind("change"):
        path = change.get("path", "")
        if path == "/cib" and change.get("operation") == "modify":
            names = {a.get("name") for a in change.iterfind("change-list/change-attr")}
            if names <= _BOOKKEEPING:
                continue
        relevant.append(path)
    return all("/lrm" in p for p in relevant)


# attributes of <cib> that every write touches: not a reason to schedule again
_BOOKKEEPING = frozenset(
    {"num_updates", "epoch", "admin_epoch", "cib-last-written", "update-origin", "update-client", "update-user",
     "dc-uuid"}
)


# Pacemaker's PCMK_OCF_UNKNOWN: the rc-code of a record still pending
PENDING_RC = 193
# actions whose pending record makes the resource active where they run (as the scheduler
# reads a pending start, promote or migrate_from)
_ACTIVATING = frozenset({"start", "promote", "migrate_from"})


def _records_pending(operation: str, params: dict[str, str]) -> bool:
    """Whether an action is recorded as pending before it runs (``controld_action_is_recordable``
    and the ``record-pending`` meta-attribute, true unless set false)."""
    if operation in ("cancel", "delete", "lrm_delete", "notify", "meta-data"):
        return False
    return is_true(params.get("CRM_meta_record_pending"), default=True)


def _node_action_limit(options: dict[str, str]) -> int:
    """``node-action-limit``: actions in flight per node at once (0 or unset: no limit; this
    controller has no load-based throttle to fall back on)."""
    try:
        return max(0, int(options.get("node-action-limit", "0")))
    except ValueError:
        log.warning("node-action-limit=%r is not a number: not limiting", options.get("node-action-limit"))
        return 0


@dataclass(frozen=True)
class _PendingRecords:
    """The ``lrm_rsc_op`` records (serialised) of one action in flight on this node."""

    rsc_id: str
    operation: str
    agent_class: str
    provider: str | None
    agent_type: str
    records: list[bytes]

    def merge_into(self, holder: etree._Element) -> None:
        """Put the records into ``lrm_resources``, replacing those with the same ids (a
        pending start replaces the resource's ``_last_0`` record until its result comes)."""
        resource = holder.find(f"lrm_resource[@id='{self.rsc_id}']")
        if resource is None:
            resource = etree.SubElement(holder, "lrm_resource", id=self.rsc_id, type=self.agent_type)
            resource.set("class", self.agent_class)
            if self.provider:
                resource.set("provider", self.provider)
        for text in self.records:
            record = etree.fromstring(text)
            old = resource.find(f"lrm_rsc_op[@id='{record.get('id')}']")
            if old is not None:
                resource.remove(old)
            resource.append(record)


class Controller:
    def __init__(self, config: NodeConfig, transport: Transport) -> None:
        self.config = config
        self.transport = transport
        self.cib = LiveCibSource(config.run_dir)
        self.join = JoinState()
        self.te = TransitionState()
        self.dc: Member | None = None
        self.members: tuple[Member, ...] = ()
        self.graph: TransitionGraph | None = None
        self.run: GraphRun | None = None
        self.te_uuid = str(uuid.uuid4())
        self.trigger = asyncio.Event()
        self.pe_dir = config.state_dir / "pengine"
        self.server = JsonServer(config.run_dir / "controld.sock", self.handle)
        self.lrmd: Any = None
        self.cib_events: AsyncIpcClient | None = None
        self.timers: dict[int, asyncio.TimerHandle] = {}
        self.tasks: set[asyncio.Task[Any]] = set()
        self.stopping = False
        self.shutdown_granted = asyncio.Event()
        self.last_schedule = 0.0
        self.published_view = -1
        self.claiming = False  # a dc-uuid write is in flight
        self.history_during_run = False  # operation history changed while a transition ran
        self.sync_tag = ""
        self.tag_known = asyncio.Event()
        self.history_lock = asyncio.Lock()
        # resource -> actions of it running here now; a cleanup waits for them (as
        # Pacemaker's executor defers a deletion while operations are pending)
        self.busy: collections.Counter[str] = collections.Counter()
        self.idle = asyncio.Condition()
        # the pending records of the actions running here now, by (resource, operation
        # key): the history this node publishes when it joins a DC carries them, so that a
        # DC taking over sees them in flight instead of starting a second copy
        self.in_flight: dict[tuple[str, str], _PendingRecords] = {}
        self.pings: dict[str, asyncio.Future[dict[str, Any]]] = {}
        # nodes whose controller left the controllers' group (a crash, or the end of a clean
        # stop) and has not come back, with the CIB sync round of the loss: while their CIB
        # daemon stays a member, the DC records their controller offline (``crmd="offline"``),
        # as Pacemaker's DC does when a peer's controller process goes.  A node whose CIB
        # daemon left and came back since (a reboot, a fence, a healed partition) started a
        # new round: its controller is starting, not lost
        self.controller_lost: dict[str, str] = {}

    # ------------------------------------------------------------------ helpers
    @property
    def name(self) -> str:
        return self.config.name

    @property
    def is_dc(self) -> bool:
        return self.dc is not None and self.dc.nodeid == self.transport.local.nodeid and self.dc.pid == self.transport.local.pid

    def spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("internal error", exc_info=task.exception())

    async def send(self, message: dict[str, Any]) -> None:
        try:
            await self.transport.send(wire.encode(message))
        except TransportError as err:
            log.error("could not send %s: %s", message.get("t"), err)

    def want(self, reason: str) -> None:
        self.te.want(reason)
        self.trigger.set()

    async def cib_modify(self, change: Any) -> tuple[int, int, int]:
        _, outcome = await asyncio.to_thread(self.cib.modify, change, validate=False)
        return outcome.document.version.as_tuple()

    async def attrd(self, request: dict[str, Any]) -> None:
        client = AsyncIpcClient(self.config.socket("attrd"), "attribute daemon")
        try:
            await client.connect(attempts=20)
            await client.call(request, timeout=30)
        except DaemonError as err:
            log.error("attrd request %s failed: %s", request, err)
        finally:
            await client.close()

    # ------------------------------------------------------------------ history
    async def publish_history(self) -> tuple[int, int, int]:
        """Replace this node's ``lrm`` in the status with what the lrmd knows."""
        async with self.history_lock:
            resources = await self.lrmd.resources()
            elements = []
            for rsc in resources:
                rsc_id = rsc.get("rsc_id") or rsc.get("id")
                if not rsc_id:
                    continue
                elements.append(etree.fromstring((await self.lrmd.history_xml(rsc_id)).encode()))
            # of the actions running here, those that leave the resource active: a DC taking
            # over must count it active here (a stop or demote in flight is not merged: the
            # last result the lrmd has, active, is the safe reading until it ends)
            in_flight = [p for p in self.in_flight.values() if p.operation in _ACTIVATING]
            nodeid = str(self.transport.local.nodeid)

            def change(doc: CibDocument) -> None:
                state = self._node_state(doc, nodeid)
                old = state.find("lrm")
                if old is not None:
                    state.remove(old)
                lrm = etree.SubElement(state, "lrm", id=nodeid)
                holder = etree.SubElement(lrm, "lrm_resources")
                for element in elements:
                    holder.append(etree.fromstring(etree.tostring(element)))
                for pending in in_flight:
                    pending.merge_into(holder)

            return await self.cib_modify(change)

    def _node_state(self, doc: CibDocument, nodeid: str) -> etree._Element:
        status = doc.ensure_section("status")
        state = status.find(f"node_state[@id='{nodeid}']")
        if state is None:
            state = etree.SubElement(status, "node_state", id=nodeid, uname=self.name)
        return state

    def _lrm_resources(self, doc: CibDocument, nodeid: str) -> etree._Element:
        """This node's ``lrm_resources`` in the status, made if missing."""
        state = self._node_state(doc, nodeid)
        lrm = state.find("lrm")
        if lrm is None:
            lrm = etree.SubElement(state, "lrm", id=nodeid)
        holder = lrm.find("lrm_resources")
        if holder is None:
            holder = etree.SubElement(lrm, "lrm_resources")
        return holder

    async def record_resource(self, rsc_id: str) -> tuple[int, int, int]:
        """Write one resource's history (from the lrmd) into this node's status."""
        async with self.history_lock:
            text = await self.lrmd.history_xml(rsc_id)
            element = etree.fromstring(text.encode())
            nodeid = str(self.transport.local.nodeid)

            def change(doc: CibDocument) -> None:
                holder = self._lrm_resources(doc, nodeid)
                old = holder.find(f"lrm_resource[@id='{rsc_id}']")
                new = etree.fromstring(etree.tostring(element))
                if old is not None:
                    old.addnext(new)
                    holder.remove(old)
                else:
                    holder.append(new)

            return await self.cib_modify(change)

    def pending_records(self, request: Any, agent_class: str, provider: str | None, agent_type: str,
                        target_rc: int) -> _PendingRecords:
        """The records of an action in flight: ``op-status=-1``, ``call-id=-1``, rc 193."""
        from lrmd.history import HistoryContext, lrm_rsc_op_elements
        from lrmd.operation import OpResult

        now = time.time()
        pending = OpResult(
            request.rsc_id, request.action, request.interval_ms, call_id=-1, rc=PENDING_RC,
            op_status=OP_PENDING, exit_reason="", t_run=now, t_rcchange=now, exec_time_ms=0, queue_time_ms=0,
            params=request.params, transition_key=request.transition_key, target_rc=target_rc,
            agent_class=agent_class, provider=provider, agent_type=agent_type,
        )
        records = [etree.tostring(r) for r in lrm_rsc_op_elements(pending, HistoryContext(node=self.name))]
        return _PendingRecords(request.rsc_id, request.action, agent_class, provider, agent_type, records)

    async def record_pending(self, pending: _PendingRecords, operation_key: str) -> None:
        """Record an action as pending before it runs, as Pacemaker's controller does with
        ``record-pending``: a DC that takes over meanwhile, and ``crm_mon --pending``, see
        it in flight.  The final result replaces it."""
        nodeid = str(self.transport.local.nodeid)

        def change(doc: CibDocument) -> None:
            pending.merge_into(self._lrm_resources(doc, nodeid))

        async with self.history_lock:
            try:
                await self.cib_modify(change)
            except (CibError, DaemonError) as err:  # the result still gets recorded
                log.warning("could not record %s as pending: %s", operation_key, err)

    async def forget_resource(self, rsc_id: str) -> tuple[int, int, int]:
        """Drop a resource's history on this node (cleanup / refresh): it is probed again.
        An action of the resource running here finishes first, and its result is recorded:
        else an agent started meanwhile would run with no history to tell it."""
        async with self.idle:
            await self.idle.wait_for(lambda: not self.busy[rsc_id])
        with contextlib.suppress(Exception):
            await self.lrmd.unregister(rsc_id)
        nodeid = str(self.transport.local.nodeid)

        def change(doc: CibDocument) -> None:
            for state in doc.root.iterfind("status/node_state"):
                if state.get("id") != nodeid:
                    continue
                for holder in state.iterfind("lrm/lrm_resources"):
                    for old in list(holder):
                        if old.get("id") == rsc_id:
                            holder.remove(old)

        return await self.cib_modify(change)

    async def count_failure(self, rsc_id: str, action: str, interval_ms: int, start_fatal: bool) -> None:
        """Raise the fail count through attrd, as Pacemaker's controller does: a failed start
        (with start-failure-is-fatal) or stop counts INFINITY, anything else one more."""
        name = f"fail-count-{rsc_id}#{action}_{interval_ms}"
        value = "INFINITY" if (action == "start" and start_fatal) or action == "stop" else f"{name}++"
        await self.attrd({"op": "update", "name": name, "value": value, "node": self.name})
        await self.attrd(
            {"op": "update", "name": f"last-failure-{rsc_id}#{action}_{interval_ms}", "value": str(int(time.time())),
             "node": self.name}
        )

    # ------------------------------------------------------------------ executing actions
    async def execute(self, message: dict[str, Any]) -> None:
        """Carry out one action the DC sent us and report it."""
        from lrmd.operation import OpRequest

        tid, aid = int(message["tid"]), int(message["aid"])
        ok, rc, status, detail = False, 1, 4, ""
        version = (0, 0, 0)
        try:
            element = etree.fromstring(str(message["action"]).encode())
            action = parse_graph(
                etree.fromstring(
                    f'<transition_graph transition_id="{tid}"><synapse id="0"><action_set>'
                    f"{etree.tostring(element, encoding='unicode')}</action_set></synapse></transition_graph>".encode()
                )
            ).synapses[0].action
            rsc = action.resource
            if rsc is None:
                raise ValueError("a resource action without a resource")
            target_rc = action.target_rc
            if action.operation in ("cancel",):
                task = action.meta("operation") or "monitor"
                await self.lrmd.cancel(rsc.id, task, action.interval_ms)
                ok, rc, status = True, 0, 0
            elif action.operation in ("delete", "lrm_delete"):
                version = await self.forget_resource(rsc.id)
                ok, rc, status = True, 0, 0
            else:
                key = transition_key(aid, tid, target_rc, str(message.get("te", "")))
                params = dict(action.attributes)
                request = OpRequest(
                    rsc.id, action.operation, action.interval_ms, max(action.timeout_ms, 1000), params,
                    transition_key=key,
                )
                self.busy[rsc.id] += 1
                flight = (rsc.id, request.operation_key)
                try:
                    pending = self.pending_records(request, rsc.rsc_class or "ocf", rsc.provider, rsc.type or "",
                                                   target_rc)
                    self.in_flight[flight] = pending  # from here on: a history published now carries it
                    await self.lrmd.register(rsc.id, rsc.rsc_class or "ocf", rsc.type or "", rsc.provider)
                    if _records_pending(action.operation, params):
                        await self.record_pending(pending, request.operation_key)
                    result = await self.lrmd.exec(request)
                    rc, status = int(result.rc), int(result.op_status)
                    detail = str(result.exit_reason or "")
                    version = await self.record_resource(rsc.id)
                finally:
                    self.in_flight.pop(flight, None)
                    async with self.idle:
                        self.busy[rsc.id] -= 1
                        self.idle.notify_all()
                ok = expected_result_ok(rc, status, target_rc, action.interval_ms, action.operation)
                probe = action.operation == "monitor" and action.interval_ms == 0
                if not ok and not (probe and status == 0):
                    start_fatal = message.get("start_fatal", True)
                    await self.count_failure(rsc.id, action.operation, action.interval_ms, bool(start_fatal))
        except (DaemonError, CibError, ValueError, KeyError, OSError) as err:
            detail = str(err)
            log.error("action %d of transition %d failed here: %s", aid, tid, err)
        except Exception as err:  # the lrmd client raises its own errors
            detail = str(err)
            log.error("action %d of transition %d failed here: %s", aid, tid, err)
        await self.send(
            {"t": "result", "tid": tid, "aid": aid, "node": self.name, "ok": ok, "rc": rc, "status": status,
             "detail": detail, "version": list(version)}
        )

    async def watch_lrmd(self) -> None:
        """Recurring results the lrmd reports on its own: record them; count failures."""
        await self.lrmd.subscribe()
        last: dict[tuple[str, str, int], tuple[int, int]] = {}
        async for result in self.lrmd.events():
            if result.interval_ms == 0:
                continue  # one-shot results are recorded by execute()
            key = (result.rsc_id, result.action, result.interval_ms)
            outcome = (int(result.rc), int(result.op_status))
            if last.get(key) == outcome:
                continue  # recorded already: only a change of result is news
            last[key] = outcome
            try:
                await self.record_resource(result.rsc_id)
            except Exception as err:  # e.g. unregistered meanwhile (cleanup/refresh): never fatal here
                log.warning("could not record %s: %s", result.rsc_id, err)
                continue
            if result.op_status in (OP_CANCELLED, OP_PENDING):
                continue  # a cancelled monitor (the resource is being stopped) is no failure
            if result.op_status != 0 or result.rc not in (0, 8):
                log.warning("%s %s (interval %d ms) failed: rc=%d status=%d %s", result.rsc_id, result.action,
                            result.interval_ms, result.rc, result.op_status, result.exit_reason or "")
                await self.count_failure(result.rsc_id, result.action, result.interval_ms, True)
        raise TransportClosed("lost the connection to the lrmd")

    # ------------------------------------------------------------------ the DC
    async def scheduler_loop(self) -> None:
        while True:
            await self.trigger.wait()
            self.trigger.clear()
            if self.stopping and not self.is_dc:
                continue
            await asyncio.sleep(DEBOUNCE)
            if not self.is_dc or self.run is not None:
                continue
            try:
                await self.schedule()
            except (CibError, DaemonError) as err:  # the CIB daemon is (re)starting
                log.warning("cannot schedule now (%s); trying again in 1 s", err)
                await asyncio.sleep(1)
                self.want("retry after a scheduling failure")
            except Exception:
                log.exception("scheduling failed; trying again in 1 s")
                await asyncio.sleep(1)
                self.want("retry after a scheduling failure")

    async def schedule(self) -> None:
        if self.cib_events is not None and self.cib_events.connected:
            state = await self.cib_events.call({"op": "ping"})
            if not state.get("settled", True) or str(state.get("round", "")) != self.join.tag:
                log.info("waiting for the CIB to finish synchronising before scheduling")
                return  # its "synced" event asks again
        doc = await asyncio.to_thread(self.cib.read)
        if doc.root.get("dc-uuid") != str(self.transport.local.nodeid) and not self.claiming:
            # a sync round can bring in a copy written before this DC took over (or the
            # first claim failed): the CIB names its DC again, as Pacemaker's join does
            self.spawn(self.take_over())
        if doc.version.as_tuple() < self.te.min_version:
            await asyncio.sleep(0.02)
            self.want("waiting for results to reach the CIB")
            return
        lost = {node for node, tag in self.controller_lost.items() if tag == self.join.tag}
        marks = controller_marks(doc, {m.name for m in self.members}, lost)
        if marks:
            await self.mark_controllers(marks)
            return
        missing = self.join.missing(_online_nodes(doc))
        if missing:
            log.info("waiting for %s to join before scheduling", ", ".join(sorted(missing)))
            return
        reasons = self.te.take_reasons()
        options = _crm_config(doc)
        self.te.transition_id += 1
        tid = self.te.transition_id
        now = datetime.now(UTC)
        result = await asyncio.to_thread(self._compute, doc, now)
        graph = parse_graph(result.graph_xml)
        graph = TransitionGraph(tid, graph.synapses, graph.attributes)
        why = f" ({'; '.join(reasons[:3])})" if reasons else ""
        if graph.synapses:
            log.info("transition %d: %d actions%s", tid, len(graph.synapses), why)
            for line in result.transition_summary:
                log.info("  %s", line.strip())
            self.graph = graph
            self.run = GraphRun(graph, node_action_limit=_node_action_limit(options))
            self.history_during_run = False
            self.cluster_delay_ms = _parse_interval_ms(options.get("cluster-delay"), DEFAULT_CLUSTER_DELAY_MS)
            self.start_fatal = options.get("start-failure-is-fatal", "true").lower() not in ("false", "no", "0", "off")
            self.advance()  # the actions go out first; the input is saved meanwhile
        else:
            log.info("transition %d: nothing to do%s", tid, why)
        index = await asyncio.to_thread(self._save_input, doc, options)
        log.info("transition %d: input saved as %s/pe-input-%d.xml.bz2", tid, self.pe_dir, index)

    async def mark_controllers(self, marks: dict[str, bool]) -> None:
        """Record whose controller is gone (``crmd="offline"``, ``join="down"``: after a
        crash, with ``expected="member"``, the scheduler fences the node, "peer process is no
        longer available", as Pacemaker's does) or back (online; its join is then awaited)."""
        for node, online in sorted(marks.items()):
            if online:
                log.info("the controller of %s is back", node)
            else:
                log.warning("the controller of %s is gone while its node stays a member", node)

        def change(doc: CibDocument) -> None:
            for state in doc.root.iterfind("status/node_state"):
                online = marks.get(state.get("uname", ""))
                if online is None or state.get("in_ccm") != "true":
                    continue
                state.set("crmd", "online" if online else "offline")
                state.set("join", "member" if online else "down")

        self.te.saw_version(await self.cib_modify(change))
        self.want("controller membership changed")

    def _compute(self, doc: CibDocument, now: datetime) -> Any:
        from pengine import schedule

        root = etree.fromstring(doc.to_text().encode())
        root.set("dc-uuid", str(self.transport.local.nodeid))
        return schedule(root, now=now)

    def _save_input(self, doc: CibDocument, options: dict[str, str]) -> int:
        self.pe_dir.mkdir(parents=True, exist_ok=True)
        numbers = [int(m.group(1)) for p in self.pe_dir.iterdir() if (m := re.match(r"pe-input-(\d+)\.xml\.bz2$", p.name))]
        index = max(numbers, default=-1) + 1
        data = bz2.compress(doc.to_text().encode())
        tmp = self.pe_dir / f".pe-input-{index}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, self.pe_dir / f"pe-input-{index}.xml.bz2")
        try:
            series_max = int(options.get("pe-input-series-max", DEFAULT_SERIES_MAX))
        except ValueError:
            series_max = DEFAULT_SERIES_MAX
        if series_max > 0:
            for number in sorted(numbers):
                if number <= index - series_max:
                    with contextlib.suppress(FileNotFoundError):
                        (self.pe_dir / f"pe-input-{number}.xml.bz2").unlink()
        return index

    def advance(self) -> None:
        run = self.run
        if run is None:
            return
        status = run.run_pass(self.initiate)
        while status is RunStatus.ACTIVE and not run.in_flight:
            status = run.run_pass(self.initiate)
        if status is RunStatus.ACTIVE:
            return
        log.info("transition %d %s", self.te.transition_id, status.value)
        self.run = None
        self.graph = None
        for handle in self.timers.values():
            handle.cancel()
        self.timers.clear()
        self.te.in_flight.clear()
        actions = run.graph.actions()
        changed, self.history_during_run = self.history_during_run, False
        if status is RunStatus.COMPLETE and not changed and all(actions[aid].kind is ActionKind.PSEUDO
                                                                for aid in run.outcome(status).fired):
            # only pseudo actions ran: nothing changed, the same input would give the same
            # graph again (and again); a change of the CIB or the recheck timer looks again
            return
        # look again: a completed graph usually leaves nothing to do, an aborted one does
        self.want(f"transition {self.te.transition_id} {status.value}")

    def initiate(self, action: GraphAction) -> ActionResult | None:
        if action.kind is ActionKind.PSEUDO:
            return ActionResult(action.id, True)
        if action.kind is ActionKind.CLUSTER:
            return self.cluster_action(action)
        target = action.on_node or ""
        if target not in {m.name for m in self.members}:
            log.warning("cannot run %s: %s has no controller", action.describe(), target)
            return ActionResult(action.id, False, detail=f"{target} is not available")
        self.te.in_flight[action.id] = target
        element = self._action_xml(action)
        message = {
            "t": "exec", "tid": self.te.transition_id, "aid": action.id, "node": target, "action": element,
            "te": self.te_uuid, "start_fatal": getattr(self, "start_fatal", True),
        }
        self.spawn(self.send(message))
        timeout_s = (max(action.timeout_ms, 0) + getattr(self, "cluster_delay_ms", DEFAULT_CLUSTER_DELAY_MS)) / 1000
        loop = asyncio.get_running_loop()
        self.timers[action.id] = loop.call_later(timeout_s, self._timed_out, self.te.transition_id, action.id)
        log.info("initiating %s on %s (action %d)", action.operation_key, target, action.id)
        return None

    def _action_xml(self, action: GraphAction) -> str:
        rsc = action.resource
        element = etree.Element("rsc_op", id=str(action.id), operation=action.operation,
                                operation_key=action.operation_key)
        if action.on_node:
            element.set("on_node", action.on_node)
        if action.on_node_uuid:
            element.set("on_node_uuid", action.on_node_uuid)
        if rsc is not None:
            primitive = etree.SubElement(element, "primitive", id=rsc.id)
            if rsc.long_id:
                primitive.set("long-id", rsc.long_id)
            for attr, value in (("class", rsc.rsc_class), ("provider", rsc.provider), ("type", rsc.type)):
                if value:
                    primitive.set(attr, value)
        attributes = etree.SubElement(element, "attributes")
        for name, value in action.attributes.items():
            attributes.set(name, value)
        return etree.tostring(element, encoding="unicode")

    def cluster_action(self, action: GraphAction) -> ActionResult | None:
        operation = action.operation
        node = action.on_node or ""
        if operation == "stonith":
            self.te.in_flight[action.id] = node
            self.spawn(self.fence(action))
            return None
        if operation == "clear_failcount":
            # every fail count of the resource on that node, as Pacemaker's controller clears
            # them; the action completes when attrd has them gone
            rsc = action.resource.id if action.resource else ""
            self.te.in_flight[action.id] = node
            self.spawn(self.clear_and_confirm(self.te.transition_id, action.id, rsc, node))
            return None
        if operation == "do_shutdown":
            self.spawn(self.send({"t": "shutdown-ok", "node": node}))
            return ActionResult(action.id, True)
        return ActionResult(action.id, True)  # lrm_refresh, probe markers: nothing to do here

    async def clear_and_confirm(self, tid: int, aid: int, rsc: str, node: str) -> None:
        ok = True
        try:
            await self.clear_failures(rsc, node)
        except Exception as err:
            log.error("could not clear the fail counts of %s on %s: %s", rsc, node, err)
            ok = False
        self.result_for(tid, aid, ok, 0 if ok else 1, (0, 0, 0))

    async def fence(self, action: GraphAction) -> None:
        target = action.on_node or ""
        kind = action.meta("stonith_action") or "reboot"
        ok = False
        client = AsyncIpcClient(self.config.socket("fenced"), "fencer")
        try:
            await client.connect(attempts=5)
            timeout = max(action.timeout_ms / 1000, 60)
            reply = await client.call({"op": "fence", "target": target, "action": kind, "timeout": timeout,
                                       "origin": self.name, "client": f"pacer-controld.{os.getpid()}"},
                                      timeout=timeout * 1.2 + 5)
            ok = int(reply.get("rc", 1)) == 0
            log.warning("%s was fenced (%s) by %s", target, kind, reply.get("executioner", "?"))
        except DaemonError as err:
            log.error("fencing %s failed: %s", target, err)
        finally:
            await client.close()
        if ok:
            await self.node_fenced(target)
        self.result_for(self.te.transition_id, action.id, ok, 0 if ok else 1, (0, 0, 0))

    async def node_fenced(self, target: str) -> None:
        """What the DC records once a node is confirmed fenced: it is down, expected down,
        and its history and transient attributes are gone (so its resources are stopped).
        A node that is back already (a reboot) has published its fresh state: that is kept.
        Either way the node has a ``node_state`` afterwards: a node the status never showed
        (lost before it was recorded) is unseen, hence unclean, and would be fenced again
        and again."""
        back = target in {m.name for m in self.members}

        def change(doc: CibDocument) -> None:
            state = next((s for s in doc.root.iterfind("status/node_state") if s.get("uname") == target), None)
            if state is None:
                node = next((n for n in doc.root.iterfind("configuration/nodes/node") if n.get("uname") == target),
                            None)
                status = doc.root.find("status")
                if node is None or status is None:
                    return
                state = etree.SubElement(status, "node_state", id=node.get("id", target), uname=target)
                state.set("in_ccm", "true" if back else "false")
                state.set("crmd", "online" if back else "offline")
                state.set("join", "down")
                state.set("expected", "down")
                return
            if back:
                return
            state.set("in_ccm", "false")
            state.set("crmd", "offline")
            state.set("join", "down")
            state.set("expected", "down")
            for child in list(state):
                if child.tag in ("lrm", "transient_attributes"):
                    state.remove(child)

        try:
            self.te.saw_version(await self.cib_modify(change))
        except CibError as err:
            log.error("could not record that %s was fenced: %s", target, err)

    def _timed_out(self, tid: int, aid: int) -> None:
        self.timers.pop(aid, None)
        if self.run is None or tid != self.te.transition_id or aid not in self.te.in_flight:
            return
        log.error("action %d timed out on %s", aid, self.te.in_flight.get(aid))
        self.te.in_flight.pop(aid, None)
        self.run.confirm(ActionResult(aid, False, detail="timed out"))
        self.advance()

    def result_for(self, tid: int, aid: int, ok: bool, rc: int, version: tuple[int, int, int]) -> None:
        self.te.saw_version(version)
        if self.run is None or tid != self.te.transition_id or aid not in self.te.in_flight:
            return
        self.te.in_flight.pop(aid, None)
        handle = self.timers.pop(aid, None)
        if handle is not None:
            handle.cancel()
        self.run.confirm(ActionResult(aid, ok, rc))
        if not ok:
            self.run.abort(reason=f"action {aid} failed")
        self.advance()

    def abort(self, reason: str) -> None:
        if self.run is not None:
            log.info("aborting transition %d: %s", self.te.transition_id, reason)
            self.run.abort(reason=reason)
            self.advance()
        self.want(reason)

    # ------------------------------------------------------------------ events
    async def transport_loop(self) -> None:
        while True:
            event = await self.transport.next_event()
            if isinstance(event, ViewChange):
                await self.view_change(event)
            elif isinstance(event, Delivery):
                try:
                    message = wire.decode(event.payload)
                except wire.WireError as err:
                    log.warning("ignoring a message from %s: %s", event.sender, err)
                    continue
                await self.deliver(event.sender, message)
            elif isinstance(event, QuorumChange):
                self.want("quorum changed")

    async def view_change(self, event: ViewChange) -> None:
        old_dc = self.dc
        self.members = event.members
        for member in event.left:
            self.controller_lost[member.name] = self.join.tag
        for member in event.members:
            self.controller_lost.pop(member.name, None)
        self.join.new_view(event.view, event.members)
        self.dc = choose_dc(event.members)
        log.info("controllers: %s; DC is %s", " ".join(event.names()), self.dc.name if self.dc else "none")
        if self.is_dc:
            for member in event.left:
                for aid in self.te.lost_node(member.name):
                    if self.run is not None:
                        self.run.confirm(ActionResult(aid, False, detail=f"{member.name} left"))
                if self.run is not None and event.left:
                    self.abort(f"{', '.join(m.name for m in event.left)} left")
            if old_dc is None or old_dc != self.dc:
                self.spawn(self.take_over())
            self.want("membership changed")
        if event.joined or self.published_view < 0:
            # someone came (or came back): everyone's history goes in again, so the DC
            # schedules on what every node runs now
            self.spawn(self.announce())
        elif old_dc != self.dc and self.dc is not None:
            # a new DC needs everyone's join; our history in the CIB is current
            self.spawn(self.send({"t": "joined", "node": self.name, "tag": self.sync_tag}))

    async def take_over(self) -> None:
        nodeid = str(self.transport.local.nodeid)

        def change(doc: CibDocument) -> None:
            doc.root.set("dc-uuid", nodeid)

        self.claiming = True
        try:
            self.te.saw_version(await self.cib_modify(change))
            log.info("this node (%s) is the DC", self.name)
        except (CibError, DaemonError) as err:  # the next scheduling pass claims again
            log.warning("could not record myself as DC yet: %s", err)
            await asyncio.sleep(0.5)
            self.want("record this node as DC")
        finally:
            self.claiming = False

    async def announce(self) -> None:
        await self.tag_known.wait()
        tag = self.sync_tag
        delay = 0.1
        while True:
            try:
                version = await self.publish_history()
                break
            except Exception as err:  # the CIB daemon or the lrmd is (re)starting: try again
                log.warning("could not publish this node's history (%s); retrying", err)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
                if tag != self.sync_tag:
                    return  # a newer round asked for a newer announce
        self.published_view = self.join.view
        log.info("published this node's history (round %s)", tag)
        await self.send({"t": "joined", "node": self.name, "version": list(version), "tag": tag})

    async def deliver(self, sender: Member, message: dict[str, Any]) -> None:
        kind = message.get("t")
        if kind == "joined":
            accepted = self.join.join(str(message.get("node", sender.name)), str(message.get("tag", "")))
            if self.is_dc and accepted:
                self.te.saw_version(tuple(message.get("version", (0, 0, 0))))  # type: ignore[arg-type]
                self.want(f"{sender.name} joined")
        elif kind == "exec":
            if message.get("node") == self.name:
                self.spawn(self.execute(message))
        elif kind == "result":
            if self.is_dc:
                version = tuple(int(x) for x in message.get("version", (0, 0, 0)))
                self.result_for(int(message["tid"]), int(message["aid"]), bool(message.get("ok")),
                                int(message.get("rc", 1)), version)  # type: ignore[arg-type]
        elif kind == "shutdown-ok":
            if message.get("node") == self.name:
                self.shutdown_granted.set()
        elif kind == "refresh":
            node = message.get("node")
            if node in (None, "", self.name):
                rsc = str(message.get("rsc", ""))
                self.spawn(self.refresh_here(rsc))
        elif kind == "ping" and message.get("node") == self.name:
            await self.send({"t": "pong", "to": message.get("from"), "ref": message.get("ref"), "node": self.name,
                             "state": self.state_name(), "dc": self.dc.name if self.dc else None})
        elif kind == "pong" and message.get("to") == self.name:
            future = self.pings.get(str(message.get("ref")))
            if future is not None and not future.done():
                future.set_result({"rc": 0, "node": message.get("node"), "state": message.get("state"),
                                   "dc": message.get("dc"), "result": "ok"})
        elif kind == "poke" and self.is_dc:
            self.want(str(message.get("reason", "requested")))

    async def refresh_here(self, rsc: str) -> None:
        try:
            ids = [rsc] if rsc else [r.get("rsc_id") or r.get("id") for r in await self.lrmd.resources()]
            for rsc_id in ids:
                if rsc_id:
                    await self.forget_resource(str(rsc_id))
        except (CibError, DaemonError) as err:
            log.error("refresh of %s failed: %s", rsc or "all resources", err)
        await self.send({"t": "poke", "reason": f"{rsc or 'resources'} refreshed on {self.name}"})

    async def cib_loop(self) -> None:
        """Diff notifications from the CIB: a change other than the running transition's
        own results aborts it; every change asks for a new look."""
        client = AsyncIpcClient(self.config.socket("based"), "CIB daemon")
        await client.connect(attempts=50)
        self.cib_events = client
        await client.call({"op": "subscribe"})
        self.sync_tag = str((await client.call({"op": "ping"})).get("round", ""))
        self.join.new_round(self.sync_tag)
        self.tag_known.set()
        self.want("the CIB's round is known")
        while True:
            event = await client.events.get()
            if event is None:
                raise TransportClosed("lost the CIB daemon")
            if event.get("event") == "synced":
                # a CIB sync round ended: the status may hold another partition's copy now
                self.sync_tag = str(event.get("tag", ""))
                self.join.new_round(self.sync_tag)
                self.spawn(self.announce())
                if self.is_dc:
                    self.abort("the CIB was synchronised")
                continue
            if event.get("event") != "diff" or not self.is_dc:
                continue
            patch = str(event.get("patch", ""))
            if _only_history(patch):
                if self.run is None:
                    self.want("operation history changed")
                else:
                    self.history_during_run = True  # looked at when the transition ends
                continue
            if self.run is not None:
                self.abort("the CIB changed")
            else:
                self.want("the CIB changed")

    async def recheck_loop(self) -> None:
        while True:
            interval = DEFAULT_RECHECK_S
            with contextlib.suppress(Exception):
                doc = await asyncio.to_thread(self.cib.read)
                interval = _parse_interval_ms(_crm_config(doc).get("cluster-recheck-interval"), 900_000) / 1000
            await asyncio.sleep(max(interval, 1.0) if interval > 0 else DEFAULT_RECHECK_S)
            if self.is_dc:
                self.want("cluster-recheck-interval")

    # ------------------------------------------------------------------ local clients
    async def handle(self, conn: Connection, request: dict[str, Any]) -> dict[str, Any] | None:
        op = request.get("op")
        if op == "ping" and request.get("node") not in (None, "", self.name):
            return await self.relay_ping(str(request["node"]), request)
        if op == "ping":
            return {"rc": 0, "node": self.name, "state": self.state_name(), "dc": self.dc.name if self.dc else None,
                    "result": "ok"}
        if op == "dc":
            return {"rc": 0, "dc": self.dc.name if self.dc else None}
        if op == "nodes":
            return {"rc": 0, "members": [{"nodeid": m.nodeid, "name": m.name} for m in self.members]}
        if op in ("refresh", "cleanup"):
            rsc = str(request.get("rsc", ""))
            node = str(request.get("node", ""))
            if op == "cleanup":
                await self.clear_failures(rsc, node)
            await self.send({"t": "refresh", "rsc": rsc, "node": node})
            return {"rc": 0}
        if op == "idle":
            return {"rc": 0, "idle": self.run is None and not self.te.wanted, "dc": self.is_dc}
        return error_reply(RC_INVALID, f"unknown operation {op!r}", request)

    def state_name(self) -> str:
        if not self.is_dc:
            return "S_NOT_DC"
        return "S_IDLE" if self.run is None and not self.te.wanted else "S_TRANSITION_ENGINE"

    async def relay_ping(self, node: str, request: dict[str, Any]) -> dict[str, Any]:
        """``crmadmin -S NODE`` for another node: ask its controller over the group."""
        ref = str(uuid.uuid4())
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pings[ref] = future
        await self.send({"t": "ping", "node": node, "from": self.name, "ref": ref})
        try:
            return await asyncio.wait_for(future, 10)
        except TimeoutError:
            return error_reply(124, f"no reply from {node}'s controller", request)
        finally:
            self.pings.pop(ref, None)

    async def clear_failures(self, rsc: str, node: str) -> None:
        """Delete the fail counts of ``rsc`` (all resources when empty) on ``node`` (all)."""
        doc = await asyncio.to_thread(self.cib.read)
        for state in doc.root.iterfind("status/node_state"):
            uname = state.get("uname", "")
            if node and uname != node:
                continue
            for nvpair in state.iterfind("transient_attributes/instance_attributes/nvpair"):
                name = nvpair.get("name", "")
                if not (name.startswith("fail-count-") or name.startswith("last-failure-")):
                    continue
                owner = name.split("-", 2)[2].split("#", 1)[0]
                if rsc and owner != rsc:
                    continue
                await self.attrd({"op": "delete", "name": name, "node": uname})

    # ------------------------------------------------------------------ life cycle
    async def connect_lrmd(self) -> None:
        from lrmd.client import LrmdClient

        path = str(self.config.socket("lrmd"))
        for attempt in range(100):
            try:
                self.lrmd = await LrmdClient.connect(path)
                return
            except OSError:
                if attempt == 99:
                    raise
                await asyncio.sleep(0.1)

    async def shutdown(self) -> None:
        """A clean stop: ask for our resources to move (the ``shutdown`` attribute), wait for
        the DC to let us go, then leave."""
        self.stopping = True
        others = [m for m in self.members if m.name != self.name]
        if not others:
            return
        log.info("shutting down: asking the DC to move this node's resources")
        await self.attrd({"op": "update", "name": "shutdown", "value": str(int(time.time())), "node": self.name})
        try:
            await asyncio.wait_for(self.shutdown_granted.wait(), SHUTDOWN_WAIT_S)
            log.info("the DC let this node go")
        except TimeoutError:
            log.error("the DC did not let this node go within %d s: leaving anyway", int(SHUTDOWN_WAIT_S))

        def change(doc: CibDocument) -> None:
            state = self._node_state(doc, str(self.transport.local.nodeid))
            state.set("expected", "down")

        with contextlib.suppress(CibError, DaemonError):
            await self.cib_modify(change)

    async def main(self) -> int:
        await self.connect_lrmd()
        await self.server.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        loops = [
            asyncio.create_task(self.transport_loop()),
            asyncio.create_task(self.cib_loop()),
            asyncio.create_task(self.watch_lrmd()),
            asyncio.create_task(self.scheduler_loop()),
            asyncio.create_task(self.recheck_loop()),
        ]
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({*loops, stopper}, return_when=asyncio.FIRST_COMPLETED)
        code = 0
        if stopper in done:
            await self.shutdown()
        else:
            for task in done:
                if task.exception() is not None:
                    log.error("stopping: %s", task.exception())
            code = 1
        for task in [*loops, stopper, *self.tasks]:
            task.cancel()
        await self.server.close()
        if self.cib_events is not None:
            await self.cib_events.close()
        await self.transport.close()
        return code


async def _main(config: NodeConfig) -> int:
    transport = open_transport(config, "crmd")
    try:
        await transport.join()
    except TransportError as err:
        log.error("cannot join the cluster: %s", err)
        return 1
    return await Controller(config, transport).main()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pacer-controld", description="pacer's controller (one per node)")
    parser.add_argument("--run-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    try:
        config = NodeConfig.load(args.run_dir or run_dir_from_environment())
    except NodeConfigError as err:
        print(f"pacer-controld: {err}", file=sys.stderr)
        return 6
    logging.basicConfig(
        level=logging.INFO,
        format=f"%(asctime)s {config.name} pacer-controld[%(process)d]: %(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    return asyncio.run(_main(config))
