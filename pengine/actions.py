"""Action creation: history monitors, probes, role transitions, recurring monitors, groups,
fencing and shutdowns (Pacemaker 2.1.5 ``pcmk_sched_primitive.c``, ``pcmk_sched_group.c``,
``pcmk_sched_probes.c``, ``pcmk_sched_recurring.c``, ``pcmk_sched_fencing.c``)."""

from __future__ import annotations

from crm.common.booleans import is_true
from crm.common.scores import INFINITY, MINUS_INFINITY
from pengine.bundles.probes import is_bundle_node, order_container_probe
from pengine.config_changes import digest_state
from pengine.load import create_utilization_constraints
from pengine.migration import abort_dangling_migrations, can_migrate, create_migration_actions
from pengine.model import Clone, ColocationConstraint, OnFail, OpRecord, Role
from pengine.setup import add_colocation, effective_fail_count, raw_fail_count
from pengine.unpack import EPOCH
from pengine.working import Action, F, O, RscState
from pengine.workset import (
    WorkingSet,
    clear_failcount,
    new_cancel_action,
    op_key,
    order_actions,
    start_action,
    stop_action,
)

# rsc_state_matrix[current][target] -> next role
_S, _T, _U, _P, _X = Role.STOPPED, Role.STARTED, Role.UNPROMOTED, Role.PROMOTED, Role.UNKNOWN
STATE_MATRIX: dict[Role, dict[Role, Role]] = {
    _X: {_X: _X, _S: _S, _T: _S, _U: _S, _P: _S},
    _S: {_X: _S, _S: _S, _T: _T, _U: _U, _P: _U},
    _T: {_X: _S, _S: _S, _T: _T, _U: _U, _P: _P},
    _U: {_X: _S, _S: _S, _T: _S, _U: _U, _P: _P},
    _P: {_X: _S, _S: _U, _T: _U, _U: _U, _P: _P},
}
# rsc_action_matrix[current][next] -> transition ("error" stops the walk)
ACTION_MATRIX: dict[Role, dict[Role, str]] = {
    _X: {_X: "error", _S: "stop", _T: "error", _U: "error", _P: "error"},
    _S: {_X: "error", _S: "null", _T: "start", _U: "start", _P: "error"},
    _T: {_X: "error", _S: "stop", _T: "null", _U: "null", _P: "promote"},
    _U: {_X: "error", _S: "stop", _T: "stop", _U: "null", _P: "promote"},
    _P: {_X: "error", _S: "demote", _T: "demote", _U: "demote", _P: "null"},
}


def set_reason(action: Action, reason: str | None, overwrite: bool) -> None:
    if reason is None:
        if overwrite:
            action.reason = None
        return
    if action.reason is None or overwrite:
        action.reason = reason


# ----------------------------------------------------------------------------------------------
# From the op history (done while unpacking in Pacemaker)


def history_actions(ws: WorkingSet) -> None:
    """Optional actions for the recurring ops already running, and stops for failed resources."""
    stop_needed: list[RscState] = []
    for rsc in ws.all_primitives():
        for node_name in ws.node_order:
            hist = rsc.history.get(node_name)
            if hist is None:
                continue
            node = ws.nodes[node_name]
            if node.online:
                for op in hist.active_recurring:
                    ws.custom_action(rsc, op_key(rsc.id, op.task, op.interval_ms), op.task, node_name, True)
            active = hist.role not in (Role.STOPPED, Role.UNKNOWN)

            if active and hist.failed and hist.on_fail in (OnFail.RESTART, OnFail.RESET_REMOTE) and not node.unclean:
                stop_action(ws, rsc, node_name, False)
            elif active and hist.failed and hist.on_fail == OnFail.RESTART_CONTAINER and not node.unclean:
                # process_rsc_state: the container is restarted (the failed resource with it)
                container = rsc.container
                if container is not None and rsc.top().variant == "bundle":
                    # a bundle's connection may run elsewhere than its container: the
                    # container stops where it runs, once all the history is read (stop_needed)
                    if container not in stop_needed:
                        stop_needed.insert(0, container)
                elif container is not None and container.role not in (Role.STOPPED, Role.UNKNOWN):
                    stop_action(ws, container, node_name, False)
                elif container is None:
                    stop_action(ws, rsc, node_name, False)
            elif active and hist.on_fail == OnFail.DEMOTE and hist.failed:
                ws.custom_action(rsc, op_key(rsc.id, "demote"), "demote", node_name, False)
    for container in stop_needed:
        if container.running_on:
            stop_action(ws, container, container.running_on[0], False)


def clear_expired_failcounts(ws: WorkingSet) -> None:
    """Fail counts whose failures all expired (``check_operation_expiry``) and of orphans."""
    now = ws.cluster.now
    nowts = int((now - EPOCH).total_seconds()) if now.tzinfo is None else int(now.timestamp())
    for rsc in ws.all_primitives():
        if rsc.failure_timeout <= 0:
            continue
        for node_name, hist in rsc.history.items():
            for op in hist.ops:
                if op.last_rc_change is None or nowts < op.last_rc_change + rsc.failure_timeout:
                    continue
                if raw_fail_count(ws, rsc, node_name) > 0 and effective_fail_count(ws, rsc, node_name) == 0:
                    clear_failcount(ws, rsc, node_name, "it expired")
                    break
    for rsc in ws.all_primitives():
        if rsc.top().variant == "bundle":
            continue  # pe__bundle_needs_remote_name: checked only once assigned
        for node_name, hist in rsc.history.items():
            if rsc.actions_by_key_node.get((op_key(rsc.id, "clear_failcount"), node_name)):
                continue
            if any(_params_changed_since_failure(ws, rsc, op) for op in hist.ops):
                clear_failcount(ws, rsc, node_name, "resource parameters have changed")


def _params_changed_since_failure(ws: WorkingSet, rsc: RscState, op: OpRecord) -> bool:
    """``should_clear_for_param_change`` of a start or monitor ``_last_failure_0`` entry."""
    if not op.id.endswith("_last_failure_0") or op.task not in ("start", "monitor"):
        return False
    return digest_state(ws, rsc, op) not in ("match", "unknown")


def clear_orphan_failcounts(ws: WorkingSet) -> None:
    for rsc in ws.resources:
        if not rsc.orphan:
            continue
        for node_name in ws.node_order:
            if not ws.nodes[node_name].online:
                continue
            if effective_fail_count(ws, rsc, node_name) == 0:
                continue
            clear = clear_failcount(ws, rsc, node_name, "it is orphaned")
            ws.new_ordering(rsc, None, clear, rsc, op_key(rsc.id, "stop"), None, O.OPTIONAL)


# ----------------------------------------------------------------------------------------------
# Probes


def schedule_probes(ws: WorkingSet) -> None:
    for node_name in ws.node_order:
        node = ws.nodes[node_name]
        if not node.online or node.unclean or not node.model.rsc_discovery:
            continue
        probed = node.model.attributes.get("probe_complete")
        if probed is not None and not is_true(probed):
            action = ws.singleton(f"probe_complete-{node_name}", "probe_complete", node_name, False)
            action.meta["op_no_wait"] = "true"
            continue
        for rsc in ws.resources:
            probe_rsc(ws, rsc, node_name)


def probe_rsc(ws: WorkingSet, rsc: RscState, node_name: str) -> bool:
    node = ws.nodes[node_name]
    prim = rsc.primitive
    if node.model.is_remote:
        if prim is not None and prim.rclass == "stonith":
            return False
        if rsc.is_remote:
            return False
    if rsc.variant == "clone" and rsc.children:
        return _probe_clone(ws, rsc, node_name)
    if rsc.variant == "bundle":  # pcmk__bundle_create_probe: the replicas' members
        any_probe = False
        for child in rsc.children:
            any_probe = probe_rsc(ws, child, node_name) or any_probe
        return any_probe
    if node.model.is_remote:
        conn = ws.rsc_by_id.get(node.model.remote_rsc or "")
        guest = conn.container if conn is not None else None
        if guest is not None and _contains_guest_node(ws, rsc):
            return False
    if rsc.children:
        any_probe = False
        for child in rsc.children:
            any_probe = probe_rsc(ws, child, node_name) or any_probe
        return any_probe
    if rsc.variant != "primitive":
        return False
    if rsc.orphan or node_name in rsc.known_on:
        return False
    if rsc.container is not None and not rsc.is_remote:
        return False
    top = rsc  # uber_parent: a bundle's members are their own top
    while top.parent is not None and top.parent.variant != "bundle":
        top = top.parent
    allowed = rsc.allowed.get(node_name)
    if rsc.discover_exclusive or top.discover_exclusive:
        if allowed is None:
            return False
        if node_name not in rsc.discover_nodes and node_name not in top.discover_nodes:
            return False
    if node_name in rsc.discover_never or node_name in top.discover_never:
        return False
    if node_name not in rsc.discover_nodes and is_bundle_node(ws, node_name):
        return False  # the node has discovery disabled
    if node.model.is_remote and not _guest_allows_probe(ws, rsc, node_name):
        return False
    bundled_container = rsc.container if rsc.is_remote and rsc.parent is not None \
        and rsc.parent.variant == "bundle" else None
    probe = ws.custom_action(rsc, op_key(rsc.id, "monitor"), "monitor", node_name, False)
    probe.clear(F.OPTIONAL)
    order_vs_unfence(ws, rsc, node_name, probe, O.OPTIONAL)
    if bundled_container is not None:
        # pcmk__bundle_create_probe: after the container's start (pe_order_probe), so not at
        # all when the container cannot start
        if bundled_container.assigned is None and not bundled_container.running_on:
            probe.clear(F.RUNNABLE)
        ws.new_ordering(bundled_container, op_key(bundled_container.id, "start"), None, rsc, None, probe,
                        O.PROBE)
    if node_name not in rsc.running_on:
        probe.meta["op_target_rc"] = "7"
    elif rsc.role == Role.PROMOTED:
        probe.meta["op_target_rc"] = "8"
    order_top = top if top.variant == "clone" else rsc
    flags = O.OPTIONAL
    if not probe.runnable and not order_top.running_on:
        flags |= O.RUNNABLE_LEFT
    ws.new_ordering(rsc, None, probe, order_top, op_key(order_top.id, "start"), None, flags)
    ws.new_ordering(rsc, None, probe, order_top, op_key(order_top.id, "reload-agent"), None, O.OPTIONAL)
    order_container_probe(ws, rsc, probe)
    return True


def _guest_allows_probe(ws: WorkingSet, rsc: RscState, node_name: str) -> bool:
    """Nothing is probed on a guest node whose container is stopped or will stop: nothing can
    be active there (``pcmk__probe_rsc_on_node``, with the orderings it adds for safety)."""
    conn = ws.rsc_by_id.get(ws.nodes[node_name].model.remote_rsc or "")
    guest = conn.container if conn is not None else None
    if guest is None:
        return True
    top = rsc  # uber_parent: a bundle's members are their own top
    while top.parent is not None and top.parent.variant != "bundle":
        top = top.parent
    if guest.role == Role.STOPPED:
        # probe_then_start: start after the container's probe where it will run
        if guest.assigned is not None and guest.assigned not in guest.known_on:
            ws.new_ordering(guest, op_key(guest.id, "monitor"), None, top, op_key(top.id, "start"), None,
                            O.OPTIONAL)
        return False
    if _guest_will_stop(ws, node_name, guest):
        # start after the container's stop, in case it is restarting
        ws.new_ordering(guest, op_key(guest.id, "stop"), None, top, op_key(top.id, "start"), None, O.OPTIONAL)
        return False
    return True


def _guest_will_stop(ws: WorkingSet, node_name: str, guest: RscState) -> bool:
    """``guest_resource_will_stop`` (an approximation made before actions exist)."""
    node = ws.nodes[node_name]
    return (node.remote_requires_reset or node.unclean or guest.failed or guest.next_role == Role.STOPPED
            or (guest.role > Role.STOPPED and guest.assigned is not None
                and guest.assigned not in guest.running_on))


def _contains_guest_node(ws: WorkingSet, rsc: RscState) -> bool:
    """``pe__resource_contains_guest_node``: is ``rsc`` (or a child) the container of a guest?"""
    containers = {r.container.id for r in ws.rsc_by_id.values() if r.is_remote and r.container is not None}
    stack = [rsc]
    while stack:
        cur = stack.pop()
        if cur.id in containers:
            return True
        stack.extend(cur.children)
    return False


def _probe_clone(ws: WorkingSet, rsc: RscState, node_name: str) -> bool:
    """``clone_create_probe``: every unique instance, or one anonymous instance per node."""
    if rsc.discover_exclusive and node_name in rsc.allowed and node_name not in rsc.discover_nodes:
        del rsc.allowed[node_name]
        return False
    if rsc.unique:
        any_probe = False
        for child in rsc.children:
            any_probe = probe_rsc(ws, child, node_name) or any_probe
        return any_probe
    chosen: RscState | None = None
    for child in rsc.children:
        if _known_here(child, node_name):
            chosen = child
            break
    if chosen is None:
        for child in rsc.children:
            if _assigned_here(child, node_name):
                chosen = child
                break
    if chosen is None:
        chosen = rsc.children[0]
    return probe_rsc(ws, chosen, node_name)


def _known_here(rsc: RscState, node_name: str) -> bool:
    if rsc.variant == "primitive":
        return node_name in rsc.known_on
    return any(_known_here(c, node_name) for c in rsc.children)


def _assigned_here(rsc: RscState, node_name: str) -> bool:
    if rsc.variant == "primitive":
        return rsc.assigned == node_name
    return any(_assigned_here(c, node_name) for c in rsc.children)


# ----------------------------------------------------------------------------------------------
# Primitive actions


def _is_expected_node(rsc: RscState, node: str | None) -> bool:
    return rsc.stop_unexpected and rsc.assigned is not None and node == rsc.assigned and \
        rsc.recovery == "stop_unexpected"


def do_stop(ws: WorkingSet, rsc: RscState, next_node: str | None, optional: bool) -> None:
    for current in list(rsc.running_on):
        opt = optional
        if rsc.partial_migration_target:
            if current == rsc.partial_migration_target and rsc.assigned == rsc.partial_migration_target:
                continue
            opt = False
        if rsc.stop_unexpected and rsc.restarting and rsc.assigned is not None and current == rsc.assigned:
            continue
        stop = stop_action(ws, rsc, current, opt)
        if rsc.assigned is None:
            set_reason(stop, "node availability", True)
        elif rsc.restarting and rsc.stop_unexpected:
            set_reason(stop, "being multiply active", False)
        if not rsc.managed:
            stop.clear(F.RUNNABLE)


def do_start(ws: WorkingSet, rsc: RscState, next_node: str | None, optional: bool) -> None:
    start = start_action(ws, rsc, next_node, True)
    if next_node is not None:
        order_vs_unfence(ws, rsc, next_node, start, O.IMPLIES_THEN)
    if start.runnable and not optional:
        start.clear(F.OPTIONAL)
    if _is_expected_node(rsc, next_node):
        start.set(F.PSEUDO)


def do_promote(ws: WorkingSet, rsc: RscState, next_node: str | None, optional: bool) -> None:
    runnable = True
    for start in ws.resource_actions(rsc, next_node, "start", True):
        if not start.runnable:
            runnable = False
    if runnable:
        promote = ws.custom_action(rsc, op_key(rsc.id, "promote"), "promote", next_node, optional)
        if _is_expected_node(rsc, next_node):
            promote.set(F.PSEUDO)
    else:
        # promote_resource: the promote is cancelled, not scheduled, so no node or quorum
        # reason is recorded for it ("Promote ... blocked")
        promote = ws.custom_action(rsc, op_key(rsc.id, "promote"), "promote", next_node, True)
        promote.clear(F.RUNNABLE)
        promote.reason = None


def do_demote(ws: WorkingSet, rsc: RscState, next_node: str | None, optional: bool) -> None:
    for current in list(rsc.running_on):
        ws.custom_action(rsc, op_key(rsc.id, "demote"), "demote", current, optional)


TRANSITIONS = {"stop": do_stop, "start": do_start, "promote": do_promote, "demote": do_demote}


def _run_transition(ws: WorkingSet, name: str, rsc: RscState, node: str | None, optional: bool) -> bool:
    if name == "error":
        return False
    if name == "null":
        return True
    TRANSITIONS[name](ws, rsc, node, optional)
    return True


def schedule_restart_actions(ws: WorkingSet, rsc: RscState, current: str | None, need_stop: bool,
                             need_promote: bool) -> None:
    role = rsc.role
    rsc.restarting = True
    while role != Role.STOPPED:
        nxt = STATE_MATRIX[role][Role.STOPPED]
        if not _run_transition(ws, ACTION_MATRIX[role][nxt], rsc, current, not need_stop):
            break
        role = nxt
    while rsc.role <= rsc.next_role and role != rsc.role and not rsc.blocked:
        required = need_stop
        nxt = STATE_MATRIX[role][rsc.role]
        if nxt == Role.PROMOTED and need_promote:
            required = True
        if not _run_transition(ws, ACTION_MATRIX[role][nxt], rsc, rsc.assigned, not required):
            break
        role = nxt
    rsc.restarting = False


def schedule_role_transition_actions(ws: WorkingSet, rsc: RscState) -> None:
    role = rsc.role
    while role != rsc.next_role:
        nxt = STATE_MATRIX[role][rsc.next_role]
        if not _run_transition(ws, ACTION_MATRIX[role][nxt], rsc, rsc.assigned, False):
            break
        role = nxt


def primitive_create_actions(ws: WorkingSet, rsc: RscState) -> None:
    """``pcmk__primitive_create_actions``."""
    need_stop = False
    need_promote = False
    is_moving = False
    allow_migrate = False
    current = rsc.current_node()

    num_all_active = len(rsc.running_on)
    num_clean_active = sum(1 for n in rsc.running_on if not ws.nodes[n].unclean)
    if rsc.next_role == Role.UNKNOWN:
        rsc.next_role = Role.STARTED if rsc.assigned is not None else Role.STOPPED
    abort_dangling_migrations(ws, rsc)
    if current is not None and rsc.assigned is not None and current != rsc.assigned and \
            rsc.next_role >= Role.STARTED:
        is_moving = True

        allow_migrate = can_migrate(ws, rsc, current)
        need_stop = True
    if rsc.partial_migration_source is not None and rsc.partial_migration_target is not None and \
            allow_migrate and num_all_active == 2 and current == rsc.partial_migration_source and \
            rsc.assigned == rsc.partial_migration_target:
        pass
    elif rsc.partial_migration_source is not None or rsc.partial_migration_target is not None:
        need_stop = True
        rsc.partial_migration_source = rsc.partial_migration_target = None
        allow_migrate = False
    else:
        multiply_active = num_all_active > 1 if rsc.needs_fencing else num_clean_active > 1
        if multiply_active:
            ws.messages.append(
                f"{rsc.primitive.rclass if rsc.primitive else 'Untyped'} resource {rsc.id} might be active on "
                f"{num_all_active} nodes")
            if rsc.recovery == "stop_start":
                need_stop = True
            elif rsc.recovery == "stop_unexpected":
                need_stop = True
                rsc.stop_unexpected = True
        else:
            rsc.stop_unexpected = False
    if rsc.start_pending:
        start_action(ws, rsc, rsc.assigned, True).set(F.PRINT_ALWAYS)
    if is_moving:
        pass
    elif rsc.failed:
        if rsc.on_fail.name != "DEMOTE":
            need_stop = True
        elif rsc.next_role == Role.PROMOTED:
            need_promote = True
    elif rsc.blocked:
        need_stop = True
    elif rsc.role > Role.STARTED and current is not None and rsc.assigned is not None:
        start = start_action(ws, rsc, rsc.assigned, True)
        if not start.optional:
            need_stop = True
    schedule_restart_actions(ws, rsc, current, need_stop, need_promote)
    schedule_role_transition_actions(ws, rsc)
    create_recurring_actions(ws, rsc)
    if allow_migrate:
        create_migration_actions(ws, rsc, current)


def create_recurring_actions(ws: WorkingSet, rsc: RscState) -> None:
    """``pcmk__create_recurring_actions``."""
    if rsc.blocked or rsc.maintenance:
        return
    prim = rsc.primitive
    if prim is None:
        return
    start: Action | None = None
    if rsc.assigned is None or ws.nodes[rsc.assigned].maintenance:
        pass
    elif rsc.next_role != Role.STOPPED or not rsc.managed:
        start = start_action(ws, rsc, rsc.assigned, True)
    counts: dict[tuple[str, int], int] = {}
    for op in prim.ops:
        counts[(op.name, op.interval_ms)] = counts.get((op.name, op.interval_ms), 0) + 1
    for op in prim.ops:
        if op.interval_ms <= 0 or not op.enabled:
            continue
        if counts[(op.name, op.interval_ms)] > 1:
            continue  # duplicate name and interval: a configuration error, both ignored (is_op_dup)
        key = op_key(rsc.id, op.name, op.interval_ms)
        if start is not None:
            _recurring_for_active(ws, rsc, start, rsc.assigned, op.role, op.name, op.interval_ms, key)
        _recurring_for_inactive(ws, rsc, rsc.assigned, op.role, op.name, op.interval_ms, key)


def _active_recurring_optional(ws: WorkingSet, rsc: RscState, node: str | None, key: str, start: Action) -> bool:
    if node is None:
        return False
    if not start.optional:
        return False
    matches = ws.find_actions_exact(rsc, key, node)
    if not matches:
        return False
    return all(not (m.flags & F.RESCHEDULE) for m in matches)


def _recurring_for_active(ws: WorkingSet, rsc: RscState, start: Action, node: str | None, role: Role,
                          name: str, interval: int, key: str) -> None:
    if role == Role.STOPPED:
        return
    is_optional = _active_recurring_optional(ws, rsc, node, key, start)
    if (role != Role.UNKNOWN and rsc.next_role != role) or (role == Role.UNKNOWN and rsc.next_role == Role.PROMOTED):
        if is_optional and node is not None:
            cancel = new_cancel_action(ws, rsc, name, interval, node)
            after_key: str | None = None
            if rsc.role in (Role.UNPROMOTED, Role.STARTED):
                if rsc.next_role == Role.PROMOTED:
                    after_key = op_key(rsc.id, "promote")
                elif rsc.next_role == Role.STOPPED:
                    after_key = op_key(rsc.id, "stop")
            elif rsc.role == Role.PROMOTED:
                after_key = op_key(rsc.id, "demote")
            if after_key is not None:
                ws.new_ordering(rsc, None, cancel, rsc, after_key, None, O.RUNNABLE_LEFT)
        return
    mon = ws.custom_action(rsc, key, name, node, is_optional)
    if not start.runnable or node is None or not ws.nodes[node].online or ws.nodes[node].unclean:
        mon.clear(F.RUNNABLE)
    if rsc.next_role == Role.PROMOTED:
        mon.meta["op_target_rc"] = "8"
    if node is None or rsc.managed:
        flags = O.IMPLIES_THEN | O.RUNNABLE_LEFT
        ws.new_ordering(rsc, op_key(rsc.id, "start"), None, None, mon.key, mon, flags)
        ws.new_ordering(rsc, op_key(rsc.id, "reload-agent"), None, None, mon.key, mon, flags)
        if rsc.next_role == Role.PROMOTED:
            ws.new_ordering(rsc, op_key(rsc.id, "promote"), None, rsc, None, mon, O.OPTIONAL | O.RUNNABLE_LEFT)
        elif rsc.role == Role.PROMOTED:
            ws.new_ordering(rsc, op_key(rsc.id, "demote"), None, rsc, None, mon, O.OPTIONAL | O.RUNNABLE_LEFT)


def _recurring_for_inactive(ws: WorkingSet, rsc: RscState, node: str | None, role: Role, name: str,
                            interval: int, key: str) -> None:
    """``recurring_op_for_inactive``: monitors with ``role="Stopped"`` where the resource won't run."""
    if role != Role.STOPPED:
        return
    top = rsc.top()
    if top.variant == "clone" and not top.unique:
        return
    for stop_node in ws.node_order:
        ns = ws.nodes[stop_node]
        if node is not None and stop_node == node:
            if ws.find_actions_exact(rsc, key, stop_node):
                cancel = new_cancel_action(ws, rsc, name, interval, stop_node)
                if rsc.next_role in (Role.STARTED, Role.UNPROMOTED):
                    ws.new_ordering(rsc, None, cancel, rsc, op_key(rsc.id, "start"), None, O.RUNNABLE_LEFT)
            continue
        is_optional = bool(ws.find_actions_exact(rsc, key, stop_node))
        mon = ws.custom_action(rsc, key, name, stop_node, is_optional)
        mon.meta["op_target_rc"] = "7"
        if rsc.managed:
            for probe in ws.resource_actions(rsc, stop_node, "monitor", False):
                order_actions(probe, mon, O.RUNNABLE_LEFT)
        for stop in ws.resource_actions(rsc, stop_node, "stop", True):
            if not stop.optional and not mon.optional and not rsc.managed:
                mon.set(F.OPTIONAL)
            if not stop.runnable:
                mon.clear(F.RUNNABLE)
            if rsc.managed:
                ws.new_ordering(rsc, op_key(rsc.id, "stop"), stop, None, None, mon,
                                O.IMPLIES_THEN | O.RUNNABLE_LEFT)
        if not ns.online or ns.unclean:
            mon.clear(F.RUNNABLE)


# ----------------------------------------------------------------------------------------------
# Groups


def group_create_actions(ws: WorkingSet, rsc: RscState) -> None:
    for child in rsc.children:
        create_actions(ws, child)
    ws.pseudo_action(rsc, op_key(rsc.id, "start"), "start", True)
    ws.pseudo_action(rsc, op_key(rsc.id, "running"), "running", True)
    ws.pseudo_action(rsc, op_key(rsc.id, "stop"), "stop", True)
    ws.pseudo_action(rsc, op_key(rsc.id, "stopped"), "stopped", True)
    if (rsc.model.meta.get("stateful") or "").lower() == "true":
        for task in ("demote", "demoted", "promote", "promoted"):
            ws.pseudo_action(rsc, op_key(rsc.id, task), task, True)


def create_actions(ws: WorkingSet, rsc: RscState) -> None:
    """``rsc->cmds->create_actions``."""
    ws.methods[rsc.variant].create_actions(ws, rsc)


# ----------------------------------------------------------------------------------------------
# Internal constraints


def primitive_internal_constraints(ws: WorkingSet, rsc: RscState) -> None:
    if not rsc.managed:
        return
    top = rsc.top()
    ws.new_ordering(rsc, op_key(rsc.id, "stop"), None, rsc, op_key(rsc.id, "start"), None,
                    O.OPTIONAL | O.IMPLIES_THEN | O.RESTART)

    promotable = isinstance(top.model, Clone) and top.model.promotable
    if promotable or rsc.role > Role.UNPROMOTED:
        ws.new_ordering(rsc, op_key(rsc.id, "demote"), None, rsc, op_key(rsc.id, "stop"), None,
                        O.PROMOTED_IMPLIES_FIRST)
        ws.new_ordering(rsc, op_key(rsc.id, "start"), None, rsc, op_key(rsc.id, "promote"), None,
                        O.RUNNABLE_LEFT)
    ws.new_ordering(rsc, op_key(rsc.id, "delete"), None, rsc, op_key(rsc.id, "monitor"), None,
                    O.SAME_NODE | O.THEN_CANCELS_FIRST)
    if rsc.needs_unfencing and not rsc.fence_device and ws.enable_unfencing:
        # pcmk__order_restart_vs_unfence, on each allowed node (by name)
        for node_name in sorted(rsc.allowed, key=ws.node_order.index):
            unfence = fence_op(ws, node_name, "on", True, None)
            ws.new_ordering(rsc, op_key(rsc.id, "stop"), None, None, unfence.key, unfence,
                            O.OPTIONAL | O.SAME_NODE)
            ws.new_ordering(None, unfence.key, unfence, rsc, op_key(rsc.id, "start"), None,
                            O.IMPLIES_THEN | O.SAME_NODE)
    if rsc.container is not None:
        _container_constraints(ws, rsc, rsc.container)
    if rsc.is_remote or rsc.fence_device:
        # remote connections and fencing devices never run on remote nodes
        for node in list(rsc.allowed):
            if ws.nodes[node].model.remote_rsc is not None:
                rsc.allowed[node] = MINUS_INFINITY
    if ws.options.placement_strategy.lower() != "default" and rsc.primitive and rsc.primitive.utilization:
        create_utilization_constraints(ws, rsc)


def _container_constraints(ws: WorkingSet, rsc: RscState, container: RscState) -> None:
    """A resource with a ``container``: started after it, stopped before it, on the same node."""
    # a bundle's connection may run on a remote node (pe_rsc_allow_remote_remotes), and then
    # only prefers its container's node
    remote_remotes = rsc.is_remote and rsc.parent is not None and rsc.parent.variant == "bundle"
    if rsc.is_remote:
        if not remote_remotes:
            # guest node connection: the container never runs on a remote node
            for node in list(container.allowed):
                if ws.nodes[node].model.remote_rsc is not None:
                    container.allowed[node] = MINUS_INFINITY
        ws.order_rsc_actions(container, "monitor", rsc, "stop", O.OPTIONAL)
    ws.order_rsc_actions(container, "start", rsc, "start", O.IMPLIES_THEN | O.RUNNABLE_LEFT)
    ws.order_rsc_actions(rsc, "stop", container, "stop", O.IMPLIES_FIRST)
    add_colocation(ws, ColocationConstraint("resource-with-container", rsc.id, container.id,
                                            10000 if remote_remotes else INFINITY,
                                            Role.UNKNOWN, Role.UNKNOWN, "#uname", True))


def group_internal_constraints(ws: WorkingSet, rsc: RscState) -> None:
    ws.order_rsc_actions(rsc, "stop", rsc, "stopped", O.OPTIONAL)
    ws.order_rsc_actions(rsc, "stopped", rsc, "start", O.OPTIONAL)
    ws.order_rsc_actions(rsc, "start", rsc, "running", O.OPTIONAL)
    ordered = rsc.is_ordered
    colocated = rsc.is_colocated
    top = rsc.top()
    promotable = isinstance(top.model, Clone) and top.model.promotable
    previous: RscState | None = None
    last_active: RscState | None = None
    for member in rsc.children:
        down_flags = O.IMPLIES_FIRST_PRINTED
        post_down_flags = O.IMPLIES_THEN_PRINTED
        internal_constraints(ws, member)
        if previous is None:
            if ordered:
                down_flags |= O.OPTIONAL
                post_down_flags = O.IMPLIES_THEN
        elif colocated:
            add_colocation(ws, ColocationConstraint("group:internal_colocation", member.id, previous.id,
                                                    INFINITY, Role.UNKNOWN, Role.UNKNOWN, "#uname", member.critical))
        if promotable:
            ws.order_rsc_actions(rsc, "demote", member, "demote", down_flags)
            ws.order_rsc_actions(member, "demote", rsc, "demoted", post_down_flags)
            ws.order_rsc_actions(member, "promote", rsc, "promoted",
                                 O.RUNNABLE_LEFT | O.IMPLIES_THEN | O.IMPLIES_THEN_PRINTED)
            ws.order_rsc_actions(rsc, "promote", member, "promote", O.IMPLIES_FIRST_PRINTED)
        ws.order_rsc_actions(rsc, "stop", member, "stop", down_flags)
        ws.order_rsc_actions(member, "stop", rsc, "stopped", post_down_flags)
        ws.order_rsc_actions(rsc, "start", member, "start", O.IMPLIES_FIRST_PRINTED)
        ws.order_rsc_actions(member, "start", rsc, "running",
                             O.RUNNABLE_LEFT | O.IMPLIES_THEN | O.IMPLIES_THEN_PRINTED)
        if not ordered:
            ws.order_rsc_actions(rsc, "start", member, "start",
                                 O.IMPLIES_THEN | O.RUNNABLE_LEFT | O.IMPLIES_FIRST_PRINTED)
            if promotable:
                ws.order_rsc_actions(rsc, "promote", member, "promote",
                                     O.IMPLIES_THEN | O.RUNNABLE_LEFT | O.IMPLIES_FIRST_PRINTED)
        elif previous is None:
            ws.order_rsc_actions(rsc, "start", member, "start", O.NONE)
            if promotable:
                ws.order_rsc_actions(rsc, "promote", member, "promote", O.NONE)
        else:
            ws.order_rsc_actions(previous, "start", member, "start", O.IMPLIES_THEN | O.RUNNABLE_LEFT)
            # Pacemaker 2.1.5 orders nothing more here: a member active after an inactive one
            # only keeps the stop ordering with the last active member (below)
            ws.order_rsc_actions(member, "stop", previous, "stop", O.OPTIONAL | O.RESTART)
            if promotable:
                ws.order_rsc_actions(previous, "promote", member, "promote", O.IMPLIES_THEN | O.RUNNABLE_LEFT)
                ws.order_rsc_actions(member, "demote", previous, "demote", O.OPTIONAL)
        if member.running_on:
            if ordered and previous is not None and not previous.running_on and last_active is not None \
                    and last_active.running_on:
                ws.order_rsc_actions(member, "stop", last_active, "stop", O.OPTIONAL)
            last_active = member
        previous = member


def internal_constraints(ws: WorkingSet, rsc: RscState) -> None:
    """``rsc->cmds->internal_constraints``."""
    ws.methods[rsc.variant].internal_constraints(ws, rsc)


# ----------------------------------------------------------------------------------------------
# Fencing and shutdown


def fence_op(ws: WorkingSet, node_name: str, op: str | None, optional: bool, reason: str | None) -> Action:
    """``pe_fence_op``."""
    op = op or ws.stonith_action
    key = f"stonith-{node_name}-{op}"
    action = ws.singletons.get(key)
    if action is None:
        action = ws.custom_action(None, key, "stonith", node_name, True)
        ws.singletons[key] = action
        node = ws.nodes[node_name]
        action.meta["on_node"] = node_name
        action.meta["on_node_uuid"] = node.id
        action.meta["stonith_action"] = op
    if not optional and ws.can_fence(node_name):
        action.clear(F.OPTIONAL)
        set_reason(action, reason, False)
    elif reason and action.reason is None:
        action.reason = reason
    return action


def _unfencing_applies(ws: WorkingSet, rsc: RscState) -> bool:
    """Unfencing comes before probes and starts of fencing devices (when a device provides
    unfencing) and of resources that require it (``pcmk__order_vs_unfence``)."""
    return (rsc.fence_device and ws.enable_unfencing) or rsc.needs_unfencing


def node_unfenced(ws: WorkingSet, node_name: str) -> bool:
    """``pcmk__node_unfenced``: the node's ``#node-unfenced`` attribute is set and not 0."""
    return ws.nodes[node_name].model.attributes.get("#node-unfenced", "0") != "0"


def order_vs_unfence(ws: WorkingSet, rsc: RscState, node_name: str, action: Action, flags: int) -> None:
    """``pcmk__order_vs_unfence``: an optional unfencing before ``action``, required when the
    node has never been unfenced."""
    if not _unfencing_applies(ws, rsc):
        return
    unfence = fence_op(ws, node_name, "on", True, None)
    order_actions(unfence, action, flags)
    if not node_unfenced(ws, node_name):
        trigger_unfencing(ws, node_name, f"required by {rsc.id} {action.task}")


def trigger_unfencing(ws: WorkingSet, node_name: str, reason: str) -> None:
    """``trigger_unfencing`` for a node: unfence it if it is up."""
    if not ws.enable_unfencing:
        return
    node = ws.nodes[node_name]
    if node.online and not node.unclean and not node.shutdown:
        fence_op(ws, node_name, "on", False, reason)


def order_vs_fence(ws: WorkingSet, stonith: Action) -> None:
    for rsc in ws.resources:
        _rsc_stonith_ordering(ws, rsc, stonith)


def _rsc_stonith_ordering(ws: WorkingSet, rsc: RscState, stonith: Action) -> None:
    if rsc.children:
        for child in rsc.children:
            _rsc_stonith_ordering(ws, child, stonith)
        return
    if not rsc.managed:
        return
    target = stonith.node
    assert target is not None
    for action in list(rsc.actions):
        if action.needs == "fencing":
            order_actions(stonith, action, O.OPTIONAL)
        elif action.needs == "quorum" and action.task == "start" and target in rsc.allowed \
                and target not in rsc.known_on:
            order_actions(stonith, action, O.OPTIONAL | O.RUNNABLE_LEFT)
    # order_stop_vs_fencing: stops and demotes on a guest node are always after its "fencing"
    # (the container's stop); inside a bundle, only through the parent's stop
    order_implicit = rsc.needs_fencing or ws.guest_container(target) is not None
    bundled = rsc.top().variant == "bundle"
    stops = ws.resource_actions(rsc, target, "stop", False)
    parent_stop = ws.find_first_action(rsc.uber_parent().actions, None, "stop", None) \
        if (stops and order_implicit) else None
    for action in stops:
        action.set(F.PSEUDO | F.RUNNABLE)
        ws.clone_steps.order_notifs_after_fencing(ws, action, rsc, stonith)
        if order_implicit:
            action.set(F.IMPLIED_BY_STONITH)
            if not bundled:
                order_actions(stonith, action, O.PRESERVE)
            if parent_stop is not None:
                order_actions(stonith, parent_stop, O.PRESERVE)
    for action in ws.resource_actions(rsc, target, "demote", False):
        node = ws.node(action.node)
        if node is None or not node.online or node.unclean or rsc.failed:
            action.set(F.PSEUDO | F.RUNNABLE)
            if order_implicit and not bundled:
                order_actions(stonith, action, O.PRESERVE | O.OPTIONAL)


def order_stops_before_shutdown(ws: WorkingSet, node_name: str, shutdown: Action) -> None:
    """``pcmk__order_stops_before_shutdown``."""
    node = ws.nodes[node_name]
    for action in list(ws.actions):
        if action.rsc is None or action.node != node_name or action.task != "stop":
            continue
        rsc = action.rsc
        if rsc.maintenance or node.maintenance:
            continue
        if not rsc.managed and not rsc.blocked:
            continue
        action.clear(F.OPTIONAL)
        ws.new_ordering(rsc, None, action, None, "do_shutdown", shutdown, O.OPTIONAL | O.RUNNABLE_LEFT)


def fence_guest(ws: WorkingSet, node_name: str) -> None:
    """``pcmk__fence_guest``: a pseudo fencing event implied by the container's recovery."""
    container = ws.guest_container(node_name)
    stop = None
    fence_action = "off"
    if container is not None:
        stop = ws.find_first_action(container.actions, None, "stop", None)
        if ws.find_first_action(container.actions, None, "start", None) is not None:
            fence_action = "reboot"
    stonith = fence_op(ws, node_name, fence_action, False, "guest is unclean")
    stonith.set(F.PSEUDO | F.RUNNABLE)
    if stop is not None and stop.pseudo and stop.node is not None:
        parent = fence_op(ws, stop.node, None, False, None)
        order_actions(parent, stonith, O.RUNNABLE_LEFT | O.IMPLIES_THEN)
    elif stop is not None:
        order_actions(stop, stonith, O.RUNNABLE_LEFT | O.IMPLIES_THEN)
    else:
        conn = ws.rsc_by_id.get(ws.nodes[node_name].model.remote_rsc or "")
        conn_stop = ws.find_first_action(conn.actions, None, "stop", None) if conn is not None else None
        if conn_stop is not None:
            order_actions(conn_stop, stonith, O.OPTIONAL)
    order_vs_fence(ws, stonith)


def any_managed_resources(ws: WorkingSet) -> bool:
    return any(r.managed for r in ws.rsc_by_id.values())


def schedule_fencing_and_shutdowns(ws: WorkingSet) -> None:
    have_managed = any_managed_resources(ws)
    fencing_ops: list[Action] = []
    shutdown_ops: list[Action] = []
    dc_down: Action | None = None
    for node_name in ws.node_order:
        node = ws.nodes[node_name]
        fencing: Action | None = None
        if ws.guest_container(node_name) is not None:
            if node.remote_requires_reset and have_managed and ws.can_fence(node_name):
                fence_guest(ws, node_name)
            continue
        if have_managed and node.unclean and ws.can_fence(node_name):
            fencing = fence_op(ws, node_name, None, False, node.fence_reason or "node is unclean")
            order_vs_fence(ws, fencing)
            if node.model.is_dc:
                dc_down = fencing
            else:
                if not ws.options.concurrent_fencing and fencing_ops:
                    order_actions(fencing_ops[0], fencing, O.OPTIONAL)
                fencing_ops.insert(0, fencing)
        elif node.online and node.shutdown and not node.unclean and not node.model.is_remote:
            down = ws.custom_action(None, f"do_shutdown-{node_name}", "do_shutdown", node_name, False)
            ws.singletons[down.key] = down
            order_stops_before_shutdown(ws, node_name, down)
            down.meta["op_no_wait"] = "true"
            if node.model.is_dc:
                dc_down = down
            else:
                shutdown_ops.insert(0, down)
        if fencing is None and node.unclean:
            ws.messages.append(f"Node {node_name} is unclean but cannot be fenced")
    if dc_down is not None:
        if dc_down.task == "do_shutdown":
            for op in shutdown_ops:
                order_actions(op, dc_down, O.OPTIONAL)
        if ws.options.concurrent_fencing:
            for op in fencing_ops:
                order_actions(op, dc_down, O.OPTIONAL)
        elif fencing_ops:
            order_actions(fencing_ops[0], dc_down, O.OPTIONAL)
