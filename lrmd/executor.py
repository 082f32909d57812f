"""The executor: registered resources, operation queues, recurring monitors.

Semantics copied from Pacemaker's execd:

* one operation at a time per resource (FIFO), resources in parallel, with an
  overall cap on running agents (``max_parallel``);
* a recurring op runs first at once (or after ``start_delay_ms``) and is re-armed
  ``interval_ms`` after each run *completes*; registering the same recurring op
  again merges into the existing one (same call-id, new parameters);
* a ``stop`` cancels all recurring ops of its resource before it runs (each
  cancellation is reported with op-status Cancelled);
* every result goes to subscribers; a recurring op asked for "changes only"
  reports only its first result and those whose rc or op-status differ.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import itertools
import logging
import os
import re
import signal
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from lxml import etree

from lrmd.agent_paths import AgentLocator, AgentRef
from lrmd.codes import AgentClass, ExecStatus, OcfRc, normalise_rc
from lrmd.environment import agent_argv, agent_env, parse_exit_reason, stonith_stdin
from lrmd.history import HistoryContext, lrm_resource_element, record_result
from lrmd.lsb_metadata import lsb_metadata
from lrmd.metadata import AgentMetadata, MetadataError, parse_metadata
from lrmd.operation import OpRequest, OpResult, RequestError, ResourceSpec
from lrmd.runner import RawOutcome, run_process

log = logging.getLogger(__name__)

Listener = Callable[[OpResult], None]
METADATA_TIMEOUT_MS = 5000
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:+@-]*$")


@dataclass
class ExecutorConfig:
    node_name: str = field(default_factory=lambda: os.uname().nodename)
    max_parallel: int = field(default_factory=lambda: 2 * (os.cpu_count() or 1))
    kill_grace_s: float = 1.0
    rsctmp: str | None = None
    cwd: str = "/"
    # Prepended to every agent command line, e.g. ("ip", "netns", "exec", "node2").
    command_prefix: tuple[str, ...] = ()
    base_env: Mapping[str, str] = field(
        default_factory=lambda: {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")}
    )


@dataclass
class _Recurring:
    request: OpRequest
    call_id: int
    task: asyncio.Task[None] | None = None
    cancelled: bool = False
    last_rc: int | None = None
    last_status: int | None = None
    t_rcchange: float = 0.0
    first: asyncio.Future[OpResult] | None = None


@dataclass
class _Resource:
    spec: ResourceSpec
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    recurring: dict[tuple[str, int], _Recurring] = field(default_factory=dict)
    abort: asyncio.Event | None = None
    running: tuple[str, int] | None = None
    history: dict[str, OpResult] = field(default_factory=dict)
    pending: set[asyncio.Task[OpResult]] = field(default_factory=set)


class Executor:
    """Runs agents for registered resources."""

    def __init__(self, locator: AgentLocator | None = None, config: ExecutorConfig | None = None) -> None:
        self.locator = locator or AgentLocator.from_env()
        self.config = config or ExecutorConfig()
        self._resources: dict[str, _Resource] = {}
        self._listeners: list[Listener] = []
        self._call_ids = itertools.count(1)
        self._slots = asyncio.Semaphore(max(1, self.config.max_parallel))
        self._metadata: dict[tuple[str, str | None, str], AgentMetadata | None] = {}

    # -- subscriptions -------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    def _emit(self, result: OpResult) -> None:
        rsc = self._resources.get(result.rsc_id)
        if rsc is not None:
            record_result(rsc.history, result)
        for listener in list(self._listeners):
            try:
                listener(result)
            except Exception:
                log.exception("result listener failed")

    # -- registry ------------------------------------------------------
    def register(self, spec: ResourceSpec) -> None:
        existing = self._resources.get(spec.rsc_id)
        if existing is not None:
            existing.spec = spec
            return
        self._resources[spec.rsc_id] = _Resource(spec)

    def unregister(self, rsc_id: str) -> None:
        rsc = self._get(rsc_id)
        for key in list(rsc.recurring):
            self._cancel_recurring(rsc, key)
        del self._resources[rsc_id]

    def resources(self) -> list[ResourceSpec]:
        return [rsc.spec for rsc in sorted(self._resources.values(), key=lambda r: r.spec.rsc_id)]

    def _get(self, rsc_id: str) -> _Resource:
        rsc = self._resources.get(rsc_id)
        if rsc is None:
            raise RequestError(f"resource {rsc_id!r} is not registered")
        return rsc

    def recurring_ops(self, rsc_id: str) -> list[OpRequest]:
        rsc = self._get(rsc_id)
        return [rec.request for rec in rsc.recurring.values() if not rec.cancelled]

    def history(self, rsc_id: str) -> list[tuple[str, OpResult]]:
        rsc = self._get(rsc_id)
        return sorted(rsc.history.items(), key=lambda item: (item[1].call_id, item[0]))

    async def history_xml(self, rsc_id: str, origin: str = "do_update_resource") -> etree._Element:
        rsc = self._get(rsc_id)
        spec = rsc.spec
        metadata = await self.agent_metadata(spec) if spec.agent_class == AgentClass.OCF else None
        ctx = HistoryContext(node=self.config.node_name, origin=origin, metadata=metadata)
        return lrm_resource_element(
            spec.rsc_id, spec.agent_class, spec.provider, spec.agent_type, self.history(rsc_id), ctx
        )

    # -- execution -----------------------------------------------------
    def submit(self, request: OpRequest) -> tuple[int, asyncio.Future[OpResult]]:
        """Start an operation; returns its call-id and a future of its (first) result."""
        rsc = self._get(request.rsc_id)
        loop = asyncio.get_running_loop()
        queued_at = time.monotonic()
        if request.action == "stop":
            for key in list(rsc.recurring):
                self._cancel_recurring(rsc, key)
        if request.interval_ms > 0:
            return self._submit_recurring(rsc, request, queued_at)
        call_id = next(self._call_ids)
        task = loop.create_task(self._run_once(rsc, request, call_id, queued_at))
        rsc.pending.add(task)
        task.add_done_callback(rsc.pending.discard)
        return call_id, task

    async def execute(self, request: OpRequest) -> OpResult:
        """Run an operation and wait for its (first) result."""
        _, future = self.submit(request)
        return await future

    def _submit_recurring(
        self, rsc: _Resource, request: OpRequest, queued_at: float
    ) -> tuple[int, asyncio.Future[OpResult]]:
        loop = asyncio.get_running_loop()
        existing = rsc.recurring.get(request.key)
        if existing is not None and not existing.cancelled:
            existing.request = request
            future = existing.first if existing.first is not None else loop.create_future()
            if existing.first is None:
                existing.first = future
            return existing.call_id, future
        rec = _Recurring(request=request, call_id=next(self._call_ids), first=loop.create_future())
        rsc.recurring[request.key] = rec
        rec.task = loop.create_task(self._recurring_loop(rsc, rec, queued_at))
        assert rec.first is not None
        return rec.call_id, rec.first

    async def _recurring_loop(self, rsc: _Resource, rec: _Recurring, queued_at: float) -> None:
        try:
            if rec.request.start_delay_ms:
                await asyncio.sleep(rec.request.start_delay_ms / 1000)
            while not rec.cancelled:
                result = await self._execute_locked(rsc, rec.request, rec.call_id, queued_at, rec)
                if rec.cancelled:
                    break
                now = result.t_run
                if result.rc != rec.last_rc:
                    rec.t_rcchange = now
                changed = (result.rc, result.op_status) != (rec.last_rc, rec.last_status)
                first = rec.last_rc is None
                rec.last_rc, rec.last_status = result.rc, result.op_status
                result = _with_rcchange(result, rec.t_rcchange)
                if first or changed or not rec.request.notify_changes_only:
                    self._emit(result)
                if rec.first is not None and not rec.first.done():
                    rec.first.set_result(result)
                rec.first = None
                await asyncio.sleep(rec.request.interval_ms / 1000)
                queued_at = time.monotonic()
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("recurring %s failed", rec.request.operation_key)

    def cancel(self, rsc_id: str, action: str, interval_ms: int) -> bool:
        """Cancel a recurring op; False when there is none."""
        rsc = self._get(rsc_id)
        if (action, interval_ms) not in rsc.recurring:
            return False
        self._cancel_recurring(rsc, (action, interval_ms))
        return True

    def _cancel_recurring(self, rsc: _Resource, key: tuple[str, int]) -> None:
        rec = rsc.recurring.pop(key, None)
        if rec is None or rec.cancelled:
            return
        rec.cancelled = True
        if rsc.running == key and rsc.abort is not None:
            rsc.abort.set()  # the running instance is killed; its task reports nothing more
        elif rec.task is not None:
            rec.task.cancel()
        now = time.time()
        request = rec.request
        result = OpResult(
            rsc_id=rsc.spec.rsc_id,
            action=request.action,
            interval_ms=request.interval_ms,
            call_id=rec.call_id,
            rc=rec.last_rc if rec.last_rc is not None else int(OcfRc.OK),
            op_status=int(ExecStatus.CANCELLED),
            exit_reason="",
            t_run=now,
            t_rcchange=rec.t_rcchange or now,
            exec_time_ms=0,
            queue_time_ms=0,
            params=request.agent_params(),
            transition_key=request.transition_key,
            target_rc=request.target_rc,
            agent_class=rsc.spec.agent_class,
            provider=rsc.spec.provider,
            agent_type=rsc.spec.agent_type,
        )
        if rec.first is not None and not rec.first.done():
            rec.first.set_result(result)
        self._emit(result)

    async def _run_once(self, rsc: _Resource, request: OpRequest, call_id: int, queued_at: float) -> OpResult:
        if request.start_delay_ms:
            await asyncio.sleep(request.start_delay_ms / 1000)
        result = await self._execute_locked(rsc, request, call_id, queued_at, None)
        self._emit(result)
        return result

    async def _execute_locked(
        self,
        rsc: _Resource,
        request: OpRequest,
        call_id: int,
        queued_at: float,
        rec: _Recurring | None,
    ) -> OpResult:
        async with rsc.lock, self._slots:
            queue_ms = int((time.monotonic() - queued_at) * 1000)
            abort = asyncio.Event()
            rsc.abort, rsc.running = abort, request.key
            if rec is not None and rec.cancelled:
                abort.set()  # cancelled while queued: the runner kills the agent at once
            try:
                return await self._run(rsc.spec, request, call_id, queue_ms, abort)
            finally:
                rsc.abort, rsc.running = None, None

    async def _run(
        self, spec: ResourceSpec, request: OpRequest, call_id: int, queue_ms: int, abort: asyncio.Event
    ) -> OpResult:
        params = request.agent_params()
        t_run = time.time()

        def result(rc: int, status: ExecStatus, reason: str, raw: RawOutcome | None = None) -> OpResult:
            return OpResult(
                rsc_id=spec.rsc_id,
                action=request.action,
                interval_ms=request.interval_ms,
                call_id=call_id,
                rc=rc,
                op_status=int(status),
                exit_reason=reason,
                t_run=t_run,
                t_rcchange=t_run,
                exec_time_ms=raw.elapsed_ms if raw else 0,
                queue_time_ms=queue_ms,
                params=params,
                transition_key=request.transition_key,
                target_rc=request.target_rc,
                agent_class=spec.agent_class,
                provider=spec.provider,
                agent_type=spec.agent_type,
                stdout=raw.stdout if raw else "",
                stderr=raw.stderr if raw else "",
            )

        if spec.agent_class == AgentClass.STONITH and request.action == "stop":
            # Stopping a fence device only withdraws it; nothing runs, so it cannot fail
            # (not even when the agent is missing on this node).
            return result(int(OcfRc.OK), ExecStatus.DONE, "")
        agent = self.locator.resolve(spec.agent_class, spec.provider, spec.agent_type)
        if agent is None:
            return result(
                int(OcfRc.ERR_INSTALLED),
                ExecStatus.NOT_INSTALLED,
                f"{spec.agent_type}: {os.strerror(errno.ENOENT)}",
            )
        if spec.agent_class in (AgentClass.LSB, AgentClass.HEARTBEAT) and request.action == "meta-data":
            text = lsb_metadata(spec.agent_type, agent.path)
            return replace(result(int(OcfRc.OK), ExecStatus.DONE, ""), stdout=text)
        raw = await run_process(
            [*self.config.command_prefix, *agent_argv(agent, request.action, params)],
            agent_env(
                self.config.base_env,
                agent,
                spec.rsc_id,
                params,
                ocf_root=self.locator.ocf_root,
                rsctmp=self.config.rsctmp,
            ),
            request.timeout_ms / 1000,
            cwd=self.config.cwd,
            kill_grace_s=self.config.kill_grace_s,
            abort=abort,
            stdin_data=stonith_stdin(request.action, params) if spec.agent_class == AgentClass.STONITH else None,
        )
        return self._map_outcome(agent, request, raw, result)

    @staticmethod
    def _map_outcome(
        agent: AgentRef,
        request: OpRequest,
        raw: RawOutcome,
        result: Callable[[int, ExecStatus, str, RawOutcome | None], OpResult],
    ) -> OpResult:
        if raw.spawn_error is not None:
            err = raw.spawn_error.errno or 0
            reason = f"{agent.path}: {os.strerror(err)}"
            if err in (errno.ENOENT, errno.EISDIR, errno.ENOTDIR, errno.EINVAL, errno.ENOEXEC):
                return result(int(OcfRc.ERR_INSTALLED), ExecStatus.NOT_INSTALLED, reason, raw)
            if err in (errno.EACCES, errno.EPERM):
                return result(int(OcfRc.ERR_PERM), ExecStatus.ERROR, reason, raw)
            return result(int(OcfRc.ERR_GENERIC), ExecStatus.ERROR, reason, raw)
        if raw.aborted:
            return result(int(OcfRc.ERR_GENERIC), ExecStatus.CANCELLED, "", raw)
        if raw.timed_out:
            return result(
                int(OcfRc.ERR_GENERIC),
                ExecStatus.TIMEOUT,
                f"Resource agent did not complete within {request.timeout_ms}ms",
                raw,
            )
        if raw.signal is not None:
            try:
                name = signal.Signals(raw.signal).name
            except ValueError:
                name = f"signal {raw.signal}"
            return result(
                int(OcfRc.ERR_GENERIC),
                ExecStatus.ERROR,
                f"{agent.agent_type} interrupted by {name} signal",
                raw,
            )
        assert raw.exit_code is not None
        rc = normalise_rc(agent.agent_class, request.action, raw.exit_code, raw.stdout)
        reason = parse_exit_reason(raw.stderr) if agent.agent_class == AgentClass.OCF else ""
        return result(rc, ExecStatus.DONE, reason, raw)

    # -- meta-data -----------------------------------------------------
    async def metadata_text(self, agent_class: str, provider: str | None, agent_type: str) -> OpResult:
        """Run the agent's meta-data action (not tied to a registered resource)."""
        # Pacemaker names the instance after the agent for meta-data calls.
        name = agent_type if _SAFE_NAME.match(agent_type) else "metadata"
        spec = ResourceSpec(name, agent_class, agent_type, provider)
        request = OpRequest(spec.rsc_id, "meta-data", timeout_ms=METADATA_TIMEOUT_MS)
        async with self._slots:
            return await self._run(spec, request, 0, 0, asyncio.Event())

    async def agent_metadata(self, spec: ResourceSpec) -> AgentMetadata | None:
        key = (spec.agent_class, spec.provider, spec.agent_type)
        if key not in self._metadata:
            outcome = await self.metadata_text(*key)
            parsed: AgentMetadata | None = None
            if outcome.rc == OcfRc.OK and outcome.op_status == ExecStatus.DONE:
                try:
                    parsed = parse_metadata(outcome.stdout)
                except MetadataError as exc:
                    log.warning("%s: %s", spec.standard, exc)
            self._metadata[key] = parsed
        return self._metadata[key]

    # -- shutdown --------------------------------------------------------
    async def shutdown(self) -> None:
        """Cancel recurring ops and wait for running ones (their agents are killed)."""
        tasks: list[asyncio.Task[object]] = []
        for rsc in self._resources.values():
            for rec in rsc.recurring.values():
                rec.cancelled = True
                if rsc.abort is not None:
                    rsc.abort.set()
                if rec.task is not None:
                    rec.task.cancel()
                    tasks.append(rec.task)  # type: ignore[arg-type]
            for task in rsc.pending:
                task.cancel()
                tasks.append(task)  # type: ignore[arg-type]
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)


def _with_rcchange(result: OpResult, t_rcchange: float) -> OpResult:
    return replace(result, t_rcchange=t_rcchange)
