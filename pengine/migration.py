"""Live migration of primitives (``allow-migrate``): migrate_to / migrate_from.

Covers Pacemaker 2.1.5 ``pcmk_sched_migration.c``: whether a moving resource can migrate, the
migrate_to / migrate_from / pseudo start actions and their orderings, orderings between
migrating resources (``pcmk__order_migration_equivalents``), and the partial and dangling
migrations found in the op history (``unpack_migrate_to_success``).
"""

from __future__ import annotations

from collections.abc import Sequence

from pengine.model import OpRecord, Role
from pengine.working import F, O, OrderingConstraint, RscState
from pengine.workset import WorkingSet, op_key, parse_op_key, start_action, stop_action


def can_migrate(ws: WorkingSet, rsc: RscState, current: str | None) -> bool:
    """``pcmk__rsc_can_migrate``."""
    if not rsc.allow_migrate or not rsc.managed or rsc.failed or rsc.start_pending:
        return False
    if current is None or ws.nodes[current].unclean:
        return False
    return not (rsc.assigned is None or ws.nodes[rsc.assigned].unclean)


def create_migration_actions(ws: WorkingSet, rsc: RscState, current: str | None) -> None:
    """``pcmk__create_migration_actions``."""
    assert current is not None and rsc.assigned is not None
    start = start_action(ws, rsc, rsc.assigned, True)
    stop = stop_action(ws, rsc, current, True)
    migrate_to = None
    if rsc.partial_migration_target is None:
        migrate_to = ws.custom_action(rsc, op_key(rsc.id, "migrate_to"), "migrate_to", current, True)
    migrate_from = ws.custom_action(rsc, op_key(rsc.id, "migrate_from"), "migrate_from", rsc.assigned, True)
    start.set(F.MIGRATE_RUNNABLE)
    stop.set(F.MIGRATE_RUNNABLE)
    start.set(F.PSEUDO)
    if migrate_to is not None:
        migrate_from.set(F.MIGRATE_RUNNABLE)
        migrate_to.set(F.MIGRATE_RUNNABLE)
        migrate_to.needs = start.needs
        ws.new_ordering(rsc, op_key(rsc.id, "monitor"), None, rsc, op_key(rsc.id, "migrate_to"), None,
                        O.OPTIONAL)
        ws.new_ordering(rsc, op_key(rsc.id, "migrate_to"), None, rsc, op_key(rsc.id, "migrate_from"), None,
                        O.OPTIONAL | O.IMPLIES_FIRST_MIGRATABLE)
    else:
        migrate_from.set(F.MIGRATE_RUNNABLE)
        migrate_from.needs = start.needs
        ws.new_ordering(rsc, op_key(rsc.id, "monitor"), None, rsc, op_key(rsc.id, "migrate_from"), None,
                        O.OPTIONAL)
    ws.new_ordering(rsc, op_key(rsc.id, "migrate_from"), None, rsc, op_key(rsc.id, "stop"), None,
                    O.OPTIONAL | O.IMPLIES_FIRST_MIGRATABLE)
    ws.new_ordering(rsc, op_key(rsc.id, "migrate_from"), None, rsc, op_key(rsc.id, "start"), None,
                    O.OPTIONAL | O.IMPLIES_FIRST_MIGRATABLE | O.PSEUDO_LEFT)
    if migrate_to is not None:
        migrate_to.meta["migrate_source"] = current
        migrate_to.meta["migrate_target"] = rsc.assigned
        if not rsc.is_remote:
            migrate_to.meta["record_pending"] = "true"
    migrate_from.meta["migrate_source"] = current
    migrate_from.meta["migrate_target"] = rsc.assigned


def abort_dangling_migrations(ws: WorkingSet, rsc: RscState) -> None:
    """``pcmk__abort_dangling_migration``: stop on the source of a completed migration."""
    for source in rsc.dangling_migrations:
        stop = stop_action(ws, rsc, source, False)
        stop.set(F.DANGLE)


def _task(order_task: str | None) -> str | None:
    if order_task is None:
        return None
    parsed = parse_op_key(order_task)
    return parsed[1] if parsed else None


def _is_parent(a: RscState, b: RscState) -> bool:
    cur = a.parent
    while cur is not None:
        if cur is b:
            return True
        cur = cur.parent
    return False


def order_migration_equivalents(ws: WorkingSet, order: OrderingConstraint) -> None:
    """``pcmk__order_migration_equivalents``."""
    first, then = order.first_rsc, order.then_rsc
    if first is None or then is None or first is then or _is_parent(first, then) or _is_parent(then, first):
        return
    first_m, then_m = first.allow_migrate, then.allow_migrate
    if not first_m and not then_m:
        return
    ft = order.first_action.task if order.first_action is not None else _task(order.first_task)
    tt = order.then_action.task if order.then_action is not None else _task(order.then_task)
    if ft == "start" and tt == "start":
        flags = O.OPTIONAL
        if first_m and then_m:
            ws.new_ordering(first, op_key(first.id, "migrate_from"), None, then, op_key(then.id, "migrate_to"),
                            None, flags)
        if then_m:
            if first_m:
                flags |= O.APPLY_FIRST_NON_MIGRATABLE
            ws.new_ordering(first, op_key(first.id, "start"), None, then, op_key(then.id, "migrate_to"), None,
                            flags)
    elif then_m and ft == "stop" and tt == "stop":
        flags = O.OPTIONAL
        if first_m:
            flags |= O.APPLY_FIRST_NON_MIGRATABLE
        ws.new_ordering(first, op_key(first.id, "stop"), None, then, op_key(then.id, "migrate_to"), None, flags)
        if then.partial_migration_target:
            ws.new_ordering(first, op_key(first.id, "stop"), None, then, op_key(then.id, "migrate_from"), None,
                            flags)
    elif ft == "promote" and tt == "start":
        if then_m:
            ws.new_ordering(first, op_key(first.id, "promote"), None, then, op_key(then.id, "migrate_to"), None,
                            O.OPTIONAL)
    elif ft == "demote" and tt == "stop" and then_m:
        ws.new_ordering(first, op_key(first.id, "demote"), None, then, op_key(then.id, "migrate_to"), None,
                        O.OPTIONAL)
        if then.partial_migration_target:
            ws.new_ordering(first, op_key(first.id, "demote"), None, then, op_key(then.id, "migrate_from"), None,
                            O.OPTIONAL)


def _newer_than_migrate_to(ops: Sequence[OpRecord]) -> bool:
    """Is there an operation other than a monitor after the last migrate_to?"""
    last = max((i for i, op in enumerate(ops) if op.task == "migrate_to"), default=None)
    return last is not None and any(op.task != "monitor" for op in ops[last + 1:])


def unpack_migrations(ws: WorkingSet, rsc: RscState) -> None:
    """Partial and dangling migrations from the op history (``unpack_migrate_to_success``)."""
    for source, hist in list(rsc.history.items()):
        target = hist.migrating_to
        if target is None:
            continue
        target_hist = rsc.history.get(target)
        migrate_from = None
        if target_hist is not None:
            for op in target_hist.ops:
                if op.task == "migrate_from" and (op.migrate_source in (None, source)):
                    migrate_from = op
        target_node = ws.nodes.get(target)
        source_node = ws.nodes.get(source)
        if migrate_from is not None and migrate_from.rc_code == 0 and migrate_from.op_status == 0:
            # dangling: the resource left the source, which still needs a stop
            if source in rsc.running_on:
                rsc.running_on.remove(source)
            rsc.dangling_migrations.append(source)
            if not rsc.running_on:
                rsc.role = Role.STOPPED
            continue
        target_newer = target_hist is not None and any(
            op.task not in ("monitor", "migrate_from") for op in target_hist.ops)
        if migrate_from is not None and migrate_from.op_status != -1:
            if not target_newer and target_node is not None and target_node.online:
                if target not in rsc.running_on:
                    rsc.running_on.append(target)
            else:
                rsc.failed = True
                rsc.allow_migrate = False
            if migrate_from.rc_code != 0 and source in rsc.running_on and target in rsc.running_on \
                    and rsc.running_on.index(source) > rsc.running_on.index(target) \
                    and source_node is not None and source_node.online and not _newer_than_migrate_to(hist.ops):
                # unpack_migrate_from_failure: reading the target's failed migrate_from adds
                # the source (still active there) before the target itself
                rsc.running_on.remove(source)
                rsc.running_on.insert(rsc.running_on.index(target), source)
            continue
        if target_node is not None and target_node.online and (
                target_hist is None or all(op.rc_code == 193 for op in target_hist.ops)):
            # no history at all on an online target: it was likely cleaned, a probe will tell
            # (unknown_on_node)
            continue
        if not target_newer and target_node is not None and target_node.online:
            if target not in rsc.running_on:
                rsc.running_on.append(target)
            if source_node is not None and source_node.online:
                rsc.partial_migration_target = target
                rsc.partial_migration_source = source
        else:
            rsc.failed = True
            rsc.allow_migrate = False
