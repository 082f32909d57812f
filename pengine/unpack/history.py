"""Op history (``lrm_resource`` / ``lrm_rsc_op``) and the resource state derived from it.

This follows Pacemaker's ``unpack_lrm_resource``: operations are sorted by call id, each one is
remapped from its exit code and expected result, successes move the role, failures set the
failed flag and the on-fail policy, and the most severe on-fail seen since the last clean
start/stop decides what happens next.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from lxml import etree

from pengine.model import OnFail, OpRecord, Role, RscHistory

# Execution status codes (op-status)
EXEC_PENDING = -1
EXEC_DONE = 0
EXEC_CANCELLED = 1
EXEC_TIMEOUT = 2
EXEC_NOT_SUPPORTED = 3
EXEC_ERROR = 4
EXEC_ERROR_HARD = 5
EXEC_ERROR_FATAL = 6
EXEC_NOT_INSTALLED = 7
EXEC_NOT_CONNECTED = 8
EXEC_INVALID = 9

# OCF exit codes
OCF_OK = 0
OCF_UNKNOWN_ERROR = 1
OCF_INVALID_PARAM = 2
OCF_UNIMPLEMENT_FEATURE = 3
OCF_INSUFFICIENT_PRIV = 4
OCF_NOT_INSTALLED = 5
OCF_NOT_CONFIGURED = 6
OCF_NOT_RUNNING = 7
OCF_RUNNING_PROMOTED = 8
OCF_FAILED_PROMOTED = 9
OCF_DEGRADED = 190
OCF_DEGRADED_PROMOTED = 191

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
        if op.task == "stop" and op.op_status == EXEC_DONE:
            stop_index = i
        elif op.task in ("start", "migrate_from"):
            start_index = i
        elif implied_monitor_start <= stop_index and op.task == "monitor":
            if op.rc_code in (OCF_OK, OCF_RUNNING_PROMOTED):
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
    target = op.target_rc if op.target_rc is not None else (OCF_NOT_RUNNING if is_probe else OCF_OK)
    if status not in (EXEC_DONE, EXEC_ERROR):
        # Timeouts, cancellations, pending and hard errors keep their status
        if status in (EXEC_ERROR_HARD, EXEC_NOT_INSTALLED):
            return status, None
        return status, None
    role: Role | None = None
    if rc == OCF_OK:
        if is_probe and target != rc:
            status = EXEC_DONE
        elif target != rc:
            status = EXEC_ERROR
        else:
            status = EXEC_DONE
    elif rc == OCF_NOT_RUNNING:
        if is_probe or target == rc or not inputs.managed:
            status = EXEC_DONE
            role = Role.STOPPED
        else:
            status = EXEC_ERROR
    elif rc == OCF_RUNNING_PROMOTED:
        if is_probe and target != rc:
            status = EXEC_DONE
        elif target != rc:
            status = EXEC_ERROR
        else:
            status = EXEC_DONE
        role = Role.PROMOTED
    elif rc == OCF_DEGRADED_PROMOTED:
        status = EXEC_DONE
        role = Role.PROMOTED
    elif rc == OCF_DEGRADED:
        status = EXEC_DONE
    elif rc == OCF_FAILED_PROMOTED:
        role = Role.PROMOTED
        status = EXEC_ERROR
    elif rc == OCF_NOT_CONFIGURED:
        status = EXEC_ERROR_FATAL
    elif rc == OCF_UNIMPLEMENT_FEATURE:
        status = EXEC_NOT_SUPPORTED if op.interval_ms > 0 else EXEC_ERROR_HARD
    elif rc in (OCF_NOT_INSTALLED, OCF_INVALID_PARAM, OCF_INSUFFICIENT_PRIV):
        status = EXEC_ERROR_HARD
    else:
        status = EXEC_ERROR
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
        if op.task == "notify" or op.op_status == EXEC_CANCELLED:
            continue
        if op.op_status == EXEC_PENDING:
            if op.task in ("start", "migrate_from"):
                _set_active(state, inputs)
            elif op.task == "promote":
                state.role = Role.PROMOTED
            if state.pending_task is None or op.interval_ms == 0:
                state.pending_task = op.task if op.interval_ms == 0 else "monitor"
            continue
        status, role = _remap(op, inputs)
        if status == EXEC_DONE:
            if inputs.expired(op) and op.rc_code not in (OCF_OK, OCF_NOT_RUNNING, OCF_RUNNING_PROMOTED):
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
            elif op.rc_code == OCF_NOT_RUNNING:
                state.role = Role.STOPPED
            else:
                state.role = Role.UNPROMOTED
        is_probe = op.task == "monitor" and op.interval_ms == 0
        if role == Role.PROMOTED:
            state.role = Role.PROMOTED
        if is_probe and op.rc_code == OCF_NOT_INSTALLED:
            state.role = Role.STOPPED
        elif state.role < Role.STARTED:
            _set_active(state, inputs)
        if status == EXEC_ERROR_HARD:
            state.bans.append((inputs.node, "hard-error"))
        elif status == EXEC_ERROR_FATAL:
            state.bans.append((None, "fatal-error"))
        elif status == EXEC_NOT_INSTALLED and not is_probe:
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
            if op.interval_ms == 0 or op.op_status == EXEC_PENDING:
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
