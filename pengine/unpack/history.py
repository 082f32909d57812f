"""Op history (``lrm_resource`` / ``lrm_rsc_op``) and the resource state derived from it.

This follows Pacemaker's ``unpack_lrm_resource``: operations are sorted by call id, each one is
remapped from its exit code and expected result, successes move the role, failures set the
failed flag and the on-fail policy, and the most severe on-fail seen since the last clean
start/stop decides what happens next.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from lxml import etree

from crm.common.results import ExecStatus, OcfRc
from pengine.model import OnFail, OpRecord, Role, RscHistory

ON_FAIL_NAMES = {
    "ignore": OnFail.IGNORE,
    "demote": OnFail.DEMOTE,
    "restart": OnFail.RESTART,
    "recover": OnFail.RESTART,
    "reset-remote": OnFail.RESET_REMOTE,
    "restart-container": OnFail.RESTART_CONTAINER,
    "migrate": OnFail.MIGRATE,
    "block": OnFail.BLOCK,
    "stop": OnFail.STOP,
    "standby": OnFail.STANDBY,
    "fence": OnFail.FENCE,
}


def _int(text: str | None, default: int) -> int:
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        return default


def parse_op_record(elem: etree._Element) -> OpRecord:
    """Read one ``lrm_rsc_op``."""
    target: int | None = None
    key = elem.get("transition-key")
    if key:
        parts = key.split(":")
        if len(parts) >= 3:
            target = _int(parts[2], -1)
            if target < 0:
                target = None
    return OpRecord(
        id=elem.get("id", ""),
        task=elem.get("operation", ""),
        interval_ms=_int(elem.get("interval"), 0),
        call_id=_int(elem.get("call-id"), -1),
        rc_code=_int(elem.get("rc-code"), 0),
        op_status=_int(elem.get("op-status"), 0),
        op_digest=elem.get("op-digest"),
        restart_digest=elem.get("op-restart-digest"),
        secure_digest=elem.get("op-secure-digest"),
        target_rc=target,
        last_rc_change=_int(elem.get("last-rc-change") or elem.get("last-run"), 0) or None,
        migrate_source=elem.get("migrate_source"),
        migrate_target=elem.get("migrate_target"),
        exit_reason=elem.get("exit-reason"),
        element=elem,
    )


def sort_ops(ops: list[OpRecord]) -> list[OpRecord]:
    """Sort by call id; pending operations (call id -1) come last, in document order."""
    indexed = list(enumerate(ops))
    indexed.sort(key=lambda p: (1 if p[1].call_id < 0 else 0, p[1].call_id, p[0]))
    return [op for _, op in indexed]


def active_op_indexes(ops: list[OpRecord]) -> tuple[int, int]:
    """(start index, stop index) as ``calculate_active_ops``."""
    stop_index = -1
    start_index = -1
    implied_monitor_start = -1
    implied_clone_start = -1
    for i, op in enumerate(ops):
        if op.task == "stop" and op.op_status == ExecStatus.DONE:
            stop_index = i
        elif op.task in ("start", "migrate_from"):
            start_index = i
        elif implied_monitor_start <= stop_index and op.task == "monitor":
            if op.rc_code in (OcfRc.OK, OcfRc.RUNNING_PROMOTED):
                implied_monitor_start = i
        elif op.task in ("promote", "demote"):
            implied_clone_start = i
    if start_index == -1:
        if implied_clone_start != -1:
            start_index = implied_clone_start
        elif implied_monitor_start != -1:
            start_index = implied_monitor_start
    return start_index, stop_index


@dataclass
class HistoryInputs:
    """What history unpacking needs to know about the resource and the cluster."""

    rsc_id: str
    node: str
    node_online: bool
    promotable: bool
    managed: bool
    stonith_enabled: bool
    on_fail_for: Callable[[str, int], OnFail]  # (task, interval ms) -> configured/default on-fail
    expired: Callable[[OpRecord], bool] = field(default=lambda op: False)
    migration_ok: bool = True


# unpack_rsc_op marks an expired failure of a recurring operation with this restart digest so
# that the configuration check reschedules the operation
EXPIRED_FAILURE_DIGEST = "calculated-failure-timeout"


@dataclass
class _State:
    role: Role = Role.UNKNOWN
    on_fail: OnFail = OnFail.IGNORE
    failed: bool = False
    pending_task: str | None = None
    last_failure: OpRecord | None = None
    next_role: Role | None = None
    bans: list[tuple[str | None, str]] = field(default_factory=list)
    stop_failed: bool = False
    start_failed: bool = False
    migrating_to: str | None = None
    ignored_failures: list[OpRecord] = field(default_factory=list)


def _set_active(state: _State, inputs: HistoryInputs) -> None:
    state.role = Role.UNPROMOTED if inputs.promotable else Role.STARTED


def _clear_past_failure(state: _State) -> None:
    if state.on_fail in (OnFail.STOP, OnFail.FENCE, OnFail.MIGRATE, OnFail.STANDBY):
        return
    if state.on_fail == OnFail.RESET_REMOTE:
        return
    state.on_fail = OnFail.IGNORE
    state.next_role = None


def _update_state(state: _State, op: OpRecord, inputs: HistoryInputs, remapped_role: Role | None) -> None:
    """A successful operation moves the role (``update_resource_state``)."""
    clear = False
    task = op.task
    if remapped_role == Role.STOPPED and task == "monitor":
        state.role = Role.STOPPED
        return
    if remapped_role == Role.STOPPED and task != "stop":
        # "not running" as expected, whatever the operation: stopped, past failures cleared
        # (update_resource_state tests the exit code before the task)
        state.role = Role.STOPPED
        _clear_past_failure(state)
        return
    if task == "stop":
        state.role = Role.STOPPED
        state.migrating_to = None
        clear = True
    elif task == "start":
        _set_active(state, inputs)
        clear = True
    elif task == "promote":
        state.role = Role.PROMOTED
        clear = True
    elif task == "demote":
        if state.on_fail == OnFail.DEMOTE:
            clear = True
        state.role = Role.UNPROMOTED
    elif task == "migrate_from":
        state.role = Role.STARTED
        clear = True
    elif task == "migrate_to":
        state.migrating_to = op.migrate_target
        if state.role < Role.STARTED:
            _set_active(state, inputs)
    elif remapped_role == Role.PROMOTED:
        state.role = Role.PROMOTED
    elif task == "monitor" and state.role < Role.STARTED:
        _set_active(state, inputs)
    if clear:
        _clear_past_failure(state)


def _remap(op: OpRecord, inputs: HistoryInputs) -> tuple[int, Role | None]:
    """(execution status, role implied by the exit code) as ``remap_operation``."""
    status = op.op_status
    rc = op.rc_code
    is_probe = op.task == "monitor" and op.interval_ms == 0
    target = op.target_rc if op.target_rc is not None else (OcfRc.NOT_RUNNING if is_probe else OcfRc.OK)
    if status not in (ExecStatus.DONE, ExecStatus.ERROR):
        # Timeouts, cancellations, pending and hard errors keep their status
        if status in (ExecStatus.ERROR_HARD, ExecStatus.NOT_INSTALLED):
            return status, None
        return status, None
    role: Role | None = None
    if rc == OcfRc.OK:
        if is_probe and target != rc:
            status = ExecStatus.DONE
        elif target != rc:
            status = ExecStatus.ERROR
        else:
            status = ExecStatus.DONE
    elif rc == OcfRc.NOT_RUNNING:
        if is_probe or target == rc or not inputs.managed:
            status = ExecStatus.DONE
            role = Role.STOPPED
        else:
            status = ExecStatus.ERROR
    elif rc == OcfRc.RUNNING_PROMOTED:
        if is_probe and target != rc:
            status = ExecStatus.DONE
        elif target != rc:
            status = ExecStatus.ERROR
        else:
            status = ExecStatus.DONE
        role = Role.PROMOTED
    elif rc == OcfRc.DEGRADED_PROMOTED:
        status = ExecStatus.DONE
        role = Role.PROMOTED
    elif rc == OcfRc.DEGRADED:
        status = ExecStatus.DONE
    elif rc == OcfRc.FAILED_PROMOTED:
        role = Role.PROMOTED
        status = ExecStatus.ERROR
    elif rc == OcfRc.ERR_CONFIGURED:
        status = ExecStatus.ERROR_FATAL
    elif rc == OcfRc.ERR_UNIMPLEMENTED:
        status = ExecStatus.NOT_SUPPORTED if op.interval_ms > 0 else ExecStatus.ERROR_HARD
    elif rc in (OcfRc.ERR_INSTALLED, OcfRc.ERR_ARGS, OcfRc.ERR_PERM):
        status = ExecStatus.ERROR_HARD
    else:
        status = ExecStatus.ERROR
    return status, role


def unpack_history(
    ops_in: list[OpRecord], inputs: HistoryInputs, rclass: str | None, provider: str | None, rtype: str | None
) -> tuple[RscHistory, list[tuple[str | None, str]], bool, OnFail]:
    """Derive the state of one resource on one node.

    Returns the history, location bans it implies ((node or None for everywhere, reason)),
    whether the node must be fenced because of it, and the final on-fail policy.
    """
    ops = sort_ops(ops_in)
    state = _State()
    start_index, stop_index = active_op_indexes(ops)

    for index, op in enumerate(ops):
        if op.task == "notify" or op.op_status == ExecStatus.CANCELLED:
            continue
        if op.op_status == ExecStatus.PENDING:
            if op.task in ("start", "migrate_from"):
                _set_active(state, inputs)
            elif op.task == "promote":
                state.role = Role.PROMOTED
            if state.pending_task is None or op.interval_ms == 0:
                state.pending_task = op.task if op.interval_ms == 0 else "monitor"
            continue
        status, role = _remap(op, inputs)
        if status == ExecStatus.DONE:
            if inputs.expired(op) and op.rc_code not in (OcfRc.OK, OcfRc.NOT_RUNNING, OcfRc.RUNNING_PROMOTED):
                continue
            _update_state(state, op, inputs, role)
            continue
        if inputs.expired(op):
            if op.interval_ms > 0 and inputs.node_online:
                # "Rescheduling ... after failure expired": a restart digest that never matches
                ops[index] = replace(op, restart_digest=EXPIRED_FAILURE_DIGEST)
            continue
        # A failure
        configured = inputs.on_fail_for(op.task, op.interval_ms)
        if op.task == "stop" and configured == OnFail.FENCE and not inputs.stonith_enabled:
            configured = OnFail.BLOCK
        if configured == OnFail.IGNORE:
            _update_state(state, op, inputs, role)
            state.ignored_failures.append(op)
            state.last_failure = op
            continue
        state.last_failure = op
        if configured.value > state.on_fail.value:
            state.on_fail = configured
        if op.task == "stop":
            state.bans.append((inputs.node, "__stop_fail__"))
            state.stop_failed = True
        elif op.task == "start":
            state.start_failed = True
        elif op.task == "promote":
            state.role = Role.PROMOTED
        elif op.task == "demote":
            if configured == OnFail.BLOCK:
                state.role = Role.PROMOTED
            elif op.rc_code == OcfRc.NOT_RUNNING:
                state.role = Role.STOPPED
            else:
                state.role = Role.UNPROMOTED
        is_probe = op.task == "monitor" and op.interval_ms == 0
        if role == Role.PROMOTED:
            state.role = Role.PROMOTED
        if is_probe and op.rc_code == OcfRc.ERR_INSTALLED:
            state.role = Role.STOPPED
        elif state.role < Role.STARTED:
            _set_active(state, inputs)
        if status == ExecStatus.ERROR_HARD:
            state.bans.append((inputs.node, "hard-error"))
        elif status == ExecStatus.ERROR_FATAL:
            state.bans.append((None, "fatal-error"))
        elif status == ExecStatus.NOT_INSTALLED and not is_probe:
            state.bans.append((inputs.node, "not-installed"))

    role_known = state.role != Role.UNKNOWN
    if state.role == Role.UNKNOWN:
        state.role = Role.STOPPED

    fence = False
    on_fail = state.on_fail
    if state.role not in (Role.STOPPED, Role.UNKNOWN):
        if on_fail == OnFail.FENCE:
            fence = True
        elif on_fail == OnFail.MIGRATE:
            state.bans.append((inputs.node, "__action_migration_auto__"))
        if on_fail not in (OnFail.IGNORE,) and state.last_failure is not None and on_fail != OnFail.STANDBY:
            state.failed = on_fail in (OnFail.RESTART, OnFail.DEMOTE, OnFail.FENCE, OnFail.MIGRATE, OnFail.STOP,
                                       OnFail.BLOCK, OnFail.RESTART_CONTAINER, OnFail.RESET_REMOTE)
        if on_fail == OnFail.STANDBY:
            state.failed = True
    elif state.on_fail == OnFail.FENCE and state.stop_failed:
        fence = True

    # Recurring operations active since the last start
    active: list[OpRecord] = []
    if inputs.node_online:
        for i, op in enumerate(ops):
            if start_index < stop_index and i <= stop_index:
                continue
            if i < start_index:
                continue
            if op.interval_ms == 0 or op.op_status == ExecStatus.PENDING:
                continue
            active.append(op)

    history = RscHistory(
        rsc_id=inputs.rsc_id,
        node=inputs.node,
        rclass=rclass,
        provider=provider,
        type=rtype,
        ops=tuple(ops),
        role=state.role,
        failed=state.failed,
        on_fail=on_fail,
        pending_task=state.pending_task,
        last_failure=state.last_failure,
        active_recurring=tuple(active),
        migrating_to=state.migrating_to,
        stop_failed=state.stop_failed,
        start_failed=state.start_failed,
        role_known=role_known,
        failure_ignored=bool(state.ignored_failures),
    )
    return history, state.bans, fence, on_fail


def _default_on_fail(task: str, interval_ms: int) -> OnFail:
    return OnFail.RESTART


def read_history(
    ops: Iterable[etree._Element],
    *,
    promotable: bool = False,
    stonith_enabled: bool = True,
    on_fail_for: Callable[[str, int], OnFail] = _default_on_fail,
) -> tuple[RscHistory, bool]:
    """One resource's ``lrm_rsc_op`` history on one node, read as the scheduler reads it (no
    failure expiry): the history and whether it makes the node's fencing necessary. For the
    views and checks that have no working set."""
    inputs = HistoryInputs(rsc_id="", node="", node_online=True, promotable=promotable, managed=True,
                           stonith_enabled=stonith_enabled, on_fail_for=on_fail_for)
    history, _, fence, _ = unpack_history([parse_op_record(op) for op in ops], inputs, None, None, None)
    return history, fence


def is_active(ops: Iterable[etree._Element]) -> bool:
    """Whether the history leaves the resource active (in any role) on its node."""
    return read_history(ops)[0].role not in (Role.STOPPED, Role.UNKNOWN)
