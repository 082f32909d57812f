"""Ordering: user order constraints, their application to actions, and flag propagation.

``apply_orderings`` turns ordering constraints into edges between actions
(``pcmk__apply_orderings``); ``update_all_actions`` then propagates "required" and
"unrunnable" along the edges until nothing changes (``pcmk__update_action_for_orderings``).
"""

from __future__ import annotations

from collections import deque

from crm.common.scores import INFINITY
from pengine.migration import order_migration_equivalents
from pengine.model import Role
from pengine.working import Action, F, O, OrderingConstraint, RscState, Wrapper
from pengine.workset import WorkingSet, op_key, order_actions, parse_op_key

INVERSE = {
    "start": "stop",
    "stop": "start",
    "promote": "demote",
    "demote": "promote",
    "promoted": "demoted",
    "demoted": "promoted",
    "running": "stopped",
    "stopped": "running",
}


def _kind_flags(kind: str, first_task: str, symmetry: str) -> int:
    flags = O.OPTIONAL
    if kind == "Optional":
        return flags
    if kind == "Serialize":
        return flags | O.SERIALIZE_ONLY
    if symmetry == "asymmetric":
        return flags | O.ASYMMETRICAL
    if symmetry == "symmetric":
        flags |= O.IMPLIES_THEN
        if first_task in ("start", "promote"):
            flags |= O.RUNNABLE_LEFT
        return flags
    return flags | O.IMPLIES_FIRST


def unpack_user_orders(ws: WorkingSet) -> None:
    """``unpack_rsc_order`` for every ordering constraint of the configuration."""
    for con in ws.cluster.orders:
        first = ws.rsc_by_id.get(con.first)
        then = ws.rsc_by_id.get(con.then)
        if first is None or then is None or first is then:
            continue
        kind = con.kind if con.kind in ("Mandatory", "Optional", "Serialize") else "Mandatory"
        symmetric = con.symmetrical and kind != "Serialize"
        symmetry = "inverse" if con.inverse else "symmetric" if symmetric else "asymmetric"
        flags = _kind_flags(kind, con.first_action, symmetry)
        # deprecated restart-type=restart upgrades an optional ordering ("Upgrade : recovery -
        # implies right", and "implies left" for the inverse)
        restart_type = then.variant == "primitive" and (then.model.meta.get("restart-type") or "") == "restart" \
            and kind == "Optional" and not con.inverse
        if restart_type:
            flags |= O.IMPLIES_THEN
        if ws.clone_steps.min_ordering(ws, first, con.first_action, then, con.then_action, flags, order_id=con.id,
                                       require_all=con.require_all):
            pass
        else:
            ws.new_ordering(first, op_key(first.id, con.first_action), None, then, op_key(then.id, con.then_action),
                            None, flags)
        if symmetric:
            inv_first = INVERSE.get(con.first_action)
            inv_then = INVERSE.get(con.then_action)
            if inv_first is None or inv_then is None:
                continue
            flags = _kind_flags(kind, inv_then, "inverse")
            if kind == "Optional":
                flags = O.OPTIONAL | (O.IMPLIES_FIRST if restart_type else 0)
            ws.new_ordering(then, op_key(then.id, inv_then), None, first, op_key(first.id, inv_first), None, flags)


def unpack_one_or_more(ws: WorkingSet) -> None:
    """Orderings from ``require-all="false"`` sets through a ``one-or-more:<set>`` pseudo action."""
    for con in ws.cluster.one_or_more:
        firsts = [ws.rsc_by_id[r] for r in con.firsts if r in ws.rsc_by_id]
        thens = [ws.rsc_by_id[r] for r in con.thens if r in ws.rsc_by_id]
        if not firsts or not thens:
            continue
        kind = con.kind if con.kind in ("Mandatory", "Optional", "Serialize") else "Mandatory"
        symmetry = "symmetric" if con.symmetrical and kind != "Serialize" else "asymmetric"
        flags = _kind_flags(kind, con.first_action, symmetry)
        key = f"one-or-more:{con.id}"
        pseudo = ws.singletons.get(key)
        if pseudo is None:
            pseudo = ws.custom_action(None, key, key, None, True)
            pseudo.set(F.PSEUDO | F.RUNNABLE)
            ws.singletons[key] = pseudo
        pseudo.set(F.REQUIRES_ANY)
        for first in firsts:
            ws.new_ordering(first, op_key(first.id, con.first_action), None, None, None, pseudo,
                            O.ONE_OR_MORE | O.IMPLIES_THEN_PRINTED)
        for then in thens:
            ws.new_ordering(None, None, pseudo, then, op_key(then.id, con.then_action), None, flags | O.RUNNABLE_LEFT)


def _find_actions_by_task(ws: WorkingSet, rsc: RscState, key: str) -> list[Action]:
    found = ws.find_actions(rsc, key, None)
    if not found:
        parsed = parse_op_key(key)
        if parsed is not None:
            found = ws.find_actions(rsc, op_key(rsc.id, parsed[1], parsed[2]), None)
    return found


def _rsc_state_role(rsc: RscState) -> Role:
    if rsc.variant == "primitive":
        return rsc.role
    roles = [_rsc_state_role(c) for c in rsc.children]
    return max(roles, default=Role.STOPPED, key=lambda r: r.value) if roles else rsc.role


def _order_first(ws: WorkingSet, order: OrderingConstraint) -> None:
    first_rsc = order.first_rsc
    assert first_rsc is not None
    then_rsc = order.then_rsc
    if order.first_action is not None:
        first_actions = [order.first_action]
    else:
        first_actions = _find_actions_by_task(ws, first_rsc, order.first_task or "")
    if not first_actions and first_rsc is then_rsc:
        return
    if not first_actions:
        parsed = parse_op_key(order.first_task or "")
        if parsed is None:
            return
        _, task, interval = parsed
        key = op_key(first_rsc.id, task, interval)
        state = _rsc_state_role(first_rsc)
        if state == Role.STOPPED and task == "stop":
            return
        if state == Role.UNPROMOTED and task == "demote":
            return
        first_actions = [ws.custom_action(first_rsc, key, task, None, True)]
    if then_rsc is None:
        if order.then_action is None:
            return
        then_rsc = order.then_action.rsc
    for first in first_actions:
        if then_rsc is None:
            assert order.then_action is not None
            order_actions(first, order.then_action, order.type)
        else:
            _order_after(ws, first, then_rsc, order)


def _order_after(ws: WorkingSet, first: Action | None, rsc: RscState, order: OrderingConstraint) -> None:
    flags = order.type
    if order.then_action is not None:
        then_actions = [order.then_action]
    else:
        then_actions = _find_actions_by_task(ws, rsc, order.then_task or "")
    if not then_actions:
        return
    if first is not None and first.rsc is rsc and first.flags & F.DANGLE:
        flags &= ~O.IMPLIES_THEN
    if first is None and not (flags & O.IMPLIES_THEN):
        return
    for then in then_actions:
        if first is not None:
            order_actions(first, then, flags)
        else:
            then.clear(F.RUNNABLE)


def apply_orderings(ws: WorkingSet) -> None:
    for order in list(ws.orderings):
        order_migration_equivalents(ws, order)
    for order in ws.orderings:
        if order.first_rsc is not None:
            _order_first(ws, order)
        elif order.then_rsc is not None:
            _order_after(ws, order.first_action, order.then_rsc, order)
        elif order.first_action is not None and order.then_action is not None:
            order_actions(order.first_action, order.then_action, order.type)
    # probes before restarts (add_start_restart_orderings_for_rsc), one mechanism for every
    # resource: it follows clone actions to their instances, so it lives with the clone code
    ws.clone_steps.order_probes_before_restarts(ws)
    add_probe_orderings_for_stops(ws)
    update_all_actions(ws)


def add_probe_orderings_for_stops(ws: WorkingSet) -> None:
    """For "first stop then X", probe the first resource before X (``order_first_probes_imply_stops``)."""
    for order in ws.orderings:
        if order.type == O.NONE:
            continue
        first_rsc, then_rsc = order.first_rsc, order.then_rsc
        if first_rsc is None or then_rsc is None or first_rsc is then_rsc:
            continue
        if order.first_action is None and order.first_task is None:
            continue
        if order.then_action is None and order.then_task is None:
            continue
        if order.first_action is not None and order.first_action.task != "stop":
            continue
        if order.first_action is None and not (order.first_task or "").endswith("_stop_0"):
            continue
        if first_rsc.container is then_rsc and (
                (order.then_action is not None and order.then_action.task == "stop")
                or (order.then_action is None and (order.then_task or "").endswith("_stop_0"))):
            # no probe of a resource inside a stopping container before that stop (it could be
            # scheduled after the container starts again: a loop)
            continue
        flags = O.OPTIONAL
        if order.type & O.APPLY_FIRST_NON_MIGRATABLE:
            flags |= O.APPLY_FIRST_NON_MIGRATABLE
        if order.type & O.SAME_NODE:
            flags |= O.SAME_NODE
        if order.type in (O.ANTI_COLOCATION, O.LOAD):
            flags = order.type
        probes = ws.find_actions(first_rsc, op_key(first_rsc.id, "monitor"), None)
        if not probes:
            continue
        if order.then_action is not None:
            thens = [order.then_action]
        else:
            thens = ws.find_actions(then_rsc, order.then_task or "", None)
        for probe in probes:
            for then in thens:
                if then.task == "stonith" and probe.node == then.node and then.meta.get("stonith_action") == "on":
                    continue
                if then.task == "do_shutdown" and probe.node != then.node:
                    continue
                order_actions(probe, then, flags)


# ----------------------------------------------------------------------------------------------
# Flag propagation


def _complex_task(rsc: RscState, task: str) -> str:
    if rsc.variant == "primitive":
        return {"stopped": "stop", "running": "start", "demoted": "demote", "promoted": "promote"}.get(task, task)
    return task


def action_flags(ws: WorkingSet, action: Action, node: str | None) -> int:
    """``rsc->cmds->action_flags``."""
    rsc = action.rsc
    if rsc is None:
        return action.flags
    return ws.methods[rsc.variant].action_flags(ws, action, node)


def primitive_action_flags(ws: WorkingSet, action: Action, node: str | None) -> int:
    """A primitive's action has its own flags."""
    return action.flags


def collective_action_flags(ws: WorkingSet, action: Action, node: str | None) -> int:
    """``group_action_flags``: a group's (or bundle's) pseudo action from its members'."""
    rsc = action.rsc
    assert rsc is not None
    flags = F.OPTIONAL | F.RUNNABLE | F.PSEUDO
    for member in rsc.children:
        task = _complex_task(member, action.task)
        member_action = ws.find_first_action(member.actions, None, task, node)
        if member_action is not None:
            mflags = action_flags(ws, member_action, node)
            if flags & F.OPTIONAL and not (mflags & F.OPTIONAL):
                flags &= ~F.OPTIONAL
                action.clear(F.OPTIONAL)
            if task != action.task and flags & F.RUNNABLE and not (mflags & F.RUNNABLE):
                flags &= ~F.RUNNABLE
                action.clear(F.RUNNABLE)
        elif task not in ("stop", "demote"):
            flags &= ~F.RUNNABLE
    return flags


def clear_because(action: Action, flag: int, reason: Action | None) -> None:
    """``clear_action_flag_because``: clear a flag and record why (for the summary)."""
    if not (action.flags & flag):
        return
    action.clear(flag)
    change = "unrunnable" if flag & F.RUNNABLE else "required" if flag & F.OPTIONAL else \
        "unrunnable" if flag & F.MIGRATE_RUNNABLE else None
    if change is None or reason is None:
        return
    if reason.rsc is None:
        text = f"{change} {reason.task}"
    else:
        text = f"{change} {reason.rsc.id} {reason.task}"
    if action.rsc is not reason.rsc:
        overwrite = bool(flag & F.MIGRATE_RUNNABLE) and not (flag & (F.RUNNABLE | F.OPTIONAL))
        if action.reason is None or overwrite:
            action.reason = text


def update_ordered_actions(ws: WorkingSet, first: Action, then: Action, node: str | None, flags: int,
                           filt: int, otype: int) -> tuple[bool, bool]:
    """``pcmk__update_ordered_actions`` (primitive semantics). Returns (then changed, first changed)."""
    then_flags = then.flags
    first_flags = first.flags
    if otype & O.ASYMMETRICAL:
        _handle_asymmetric(first, then)
    if otype & O.IMPLIES_FIRST and not (then_flags & F.OPTIONAL):
        if filt & F.OPTIONAL and not (flags & F.OPTIONAL) and first_flags & F.OPTIONAL:
            clear_because(first, F.OPTIONAL, then)
        if flags & F.MIGRATE_RUNNABLE and not (then.flags & F.MIGRATE_RUNNABLE):
            clear_because(first, F.MIGRATE_RUNNABLE, then)
    if otype & (O.IMPLIES_FIRST | O.IMPLIES_THEN) and not (then.flags & F.OPTIONAL) \
            and first.rsc is not None and not first.rsc.managed and first.rsc.blocked \
            and not (first.flags & F.RUNNABLE) and first.task == "stop":
        # the stop that must come first is blocked (unmanaged after a failure): so is then
        # ("Disabled ... because ... is blocked", no reason recorded)
        then.clear(F.RUNNABLE)
    if otype & O.PROMOTED_IMPLIES_FIRST and then.rsc is not None and then.rsc.role == Role.PROMOTED \
            and filt & F.OPTIONAL and not (then.flags & F.OPTIONAL):
        clear_because(first, F.OPTIONAL, then)
        if first.flags & F.MIGRATE_RUNNABLE and not (then.flags & F.MIGRATE_RUNNABLE):
            clear_because(first, F.MIGRATE_RUNNABLE, then)
    if otype & O.IMPLIES_FIRST_MIGRATABLE and filt & F.OPTIONAL:
        if not (then.flags & F.MIGRATE_RUNNABLE and then.flags & F.RUNNABLE):
            clear_because(first, F.RUNNABLE, then)
        if not (then.flags & F.OPTIONAL):
            clear_because(first, F.OPTIONAL, then)
    if otype & O.PSEUDO_LEFT and filt & F.OPTIONAL and not (first.flags & F.RUNNABLE):
        clear_because(then, F.MIGRATE_RUNNABLE, first)
        then.clear(F.PSEUDO)
    if otype & O.RUNNABLE_LEFT and filt & F.RUNNABLE and then.flags & F.RUNNABLE \
            and not (flags & F.RUNNABLE):
        clear_because(then, F.RUNNABLE, first)
        clear_because(then, F.MIGRATE_RUNNABLE, first)
    if otype & O.PROBE and not (first.flags & F.RUNNABLE) and then.flags & F.RUNNABLE \
            and not (first.rsc is not None and first.rsc.running_on):
        then.clear(F.RUNNABLE)  # a connection's probe waits for a container start that cannot run
    if otype & O.IMPLIES_THEN and filt & F.OPTIONAL and then.flags & F.OPTIONAL \
            and not (flags & F.OPTIONAL) and not (first.flags & F.MIGRATE_RUNNABLE):
        clear_because(then, F.OPTIONAL, first)
    if otype & O.RESTART:
        _handle_restart(first, then, filt)
    # print_always for the clone and one-or-more pseudo actions (groups get theirs from action_flags)
    if otype & O.IMPLIES_FIRST_PRINTED and filt & F.OPTIONAL and not (then.flags & F.OPTIONAL) \
            and first.rsc is not None and first.rsc.variant in ("clone", "bundle"):
        first.set(F.PRINT_ALWAYS)
    # (update_action_for_ordering_flags: "then will be in graph because first is required" needs a
    # runnable first: an unrunnable required instance start never prints clone-one-or-more:*)
    if otype & O.IMPLIES_THEN_PRINTED and filt & F.OPTIONAL and not (first.flags & F.OPTIONAL) \
            and first.flags & F.RUNNABLE \
            and ((then.rsc is not None and then.rsc.variant in ("clone", "bundle"))
                 or then.key.startswith("clone-one-or-more:")
                 or then.key.startswith("one-or-more:")):
        then.set(F.PRINT_ALWAYS)

    return then.flags != then_flags, first.flags != first_flags


def _handle_asymmetric(first: Action, then: Action) -> None:
    """``handle_asymmetric_ordering``: an unrunnable first makes then unrunnable and required."""
    if then.rsc is None or first.flags & F.RUNNABLE:
        return
    if then.flags & F.OPTIONAL:
        role = _rsc_state_role(then.rsc)
        if role == Role.STOPPED and then.task == "stop":
            return
        if role >= Role.STARTED and then.task == "start" and then.rsc.running_on == [then.node]:
            return
    clear_because(then, F.OPTIONAL, first)
    clear_because(then, F.RUNNABLE, first)


def _handle_restart(first: Action, then: Action, filt: int) -> None:
    reason = None
    if filt & F.OPTIONAL and not (then.flags & F.OPTIONAL):
        reason = "restart"
    if filt & F.RUNNABLE and not (then.flags & F.RUNNABLE) and then.rsc is not None and \
            then.rsc.managed and first.rsc is then.rsc:
        reason = "stop"
    if reason is None:
        return
    if first.flags & F.RUNNABLE:
        clear_because(first, F.OPTIONAL, then)
    if not (then.flags & F.OPTIONAL):
        clear_because(first, F.OPTIONAL, then)
    if not (then.flags & F.MIGRATE_RUNNABLE):
        clear_because(first, F.MIGRATE_RUNNABLE, then)
    if not (first.flags & F.OPTIONAL) and not (first.flags & F.RUNNABLE):
        clear_because(then, F.RUNNABLE, first)


def group_update_ordered(ws: WorkingSet, first: Action, then: Action, node: str | None, flags: int,
                         filt: int, otype: int) -> tuple[bool, bool]:
    assert then.rsc is not None
    tc, fc = update_ordered_actions(ws, first, then, node, flags, filt, otype)
    for member in then.rsc.children:
        member_action = ws.find_first_action(member.actions, None, then.task, node)
        if member_action is not None:
            a, b = rsc_update_ordered(ws, first, member_action, node, flags, filt, otype)
            tc = tc or a
            fc = fc or b
    return tc, fc


def rsc_update_ordered(ws: WorkingSet, first: Action, then: Action, node: str | None, flags: int,
                       filt: int, otype: int) -> tuple[bool, bool]:
    rsc = then.rsc
    if rsc is None:
        return update_ordered_actions(ws, first, then, node, flags, filt, otype)
    return ws.methods[rsc.variant].update_ordered_actions(ws, first, then, node, flags, filt, otype)


def _remap_uuid(ws: WorkingSet, first: Action) -> str | None:
    rsc = first.rsc
    if rsc is None or rsc.variant == "primitive" or "notify" in first.key:
        return None
    parsed = parse_op_key(first.key)
    if parsed is None:
        return None
    rid, task, interval = parsed
    if interval > 0:
        return None
    remap = {"stop": "stopped", "start": "running", "promote": "promoted", "demote": "demoted",
             "stopped": "stopped", "running": "running", "promoted": "promoted", "demoted": "demoted"}.get(task)
    if remap is None:
        return None
    notified = ws.clone_steps.notify_remap(rsc, rid, remap)
    return notified if notified is not None else op_key(rid, remap)


def action_for_ordering(ws: WorkingSet, action: Action) -> Action:
    rsc = action.rsc
    if rsc is None or rsc.variant == "primitive":
        return action
    uuid = _remap_uuid(ws, action)
    if uuid is None:
        return action
    found = ws.find_first_action(rsc.actions, uuid, None, None)
    return found if found is not None else action


def _is_parent(child: RscState | None, rsc: RscState | None) -> bool:
    if child is None or rsc is None:
        return False
    cur = child.parent
    while cur is not None:
        if cur is rsc:
            return True
        cur = cur.parent
    return False


def _group_location(ws: WorkingSet, rsc: RscState) -> str | None:
    if rsc.variant == "group":
        if not rsc.children:
            return None
        return rsc.children[0].assigned if rsc.is_colocated else None
    return rsc.assigned


FILTER = F.OPTIONAL | F.RUNNABLE

#: ``update_action_for_ordering_flags``: the variant's ``update_ordered_actions`` is called once
#: per ordering flag, in this order, each with its own filter (and, for the flags that only
#: concern optionality, the first action's flags reduced to ``optional``). The order matters
#: for the summary: the first flag that changes an action records why.
_PER_FLAG: tuple[tuple[int, int, int], ...] = (
    (O.IMPLIES_THEN, F.OPTIONAL, F.OPTIONAL),
    (O.RESTART, F.OPTIONAL | F.RUNNABLE, ~0),
    (O.IMPLIES_FIRST, F.OPTIONAL, ~0),
    (O.PROMOTED_IMPLIES_FIRST, F.OPTIONAL, F.OPTIONAL),
    (O.ONE_OR_MORE, F.RUNNABLE, ~0),
    (O.PROBE, F.RUNNABLE, ~0),
    (O.RUNNABLE_LEFT, F.RUNNABLE, ~0),
    (O.IMPLIES_FIRST_MIGRATABLE, F.OPTIONAL, ~0),
    (O.PSEUDO_LEFT, F.OPTIONAL, ~0),
    (O.OPTIONAL, F.RUNNABLE, ~0),
    (O.ASYMMETRICAL, F.RUNNABLE, ~0),
)
_PRINTED = O.IMPLIES_FIRST_PRINTED | O.IMPLIES_THEN_PRINTED


def _update_for_ordering_flags(ws: WorkingSet, first: Action, then: Action, first_node: str | None,
                               first_flags: int, otype: int) -> tuple[bool, bool]:
    """``update_action_for_ordering_flags``: returns (then changed, first changed)."""
    then_changed = first_changed = False
    for flag, filt, mask in _PER_FLAG:
        if not otype & flag:
            continue
        if then.rsc is not None:
            tc, fc = rsc_update_ordered(ws, first, then, then.node, first_flags & mask, filt, flag)
        else:
            tc, fc = update_ordered_actions(ws, first, then, first_node, first_flags & mask, filt, flag)
        then_changed = then_changed or tc
        first_changed = first_changed or fc
    if otype & _PRINTED:
        if then.rsc is not None:
            tc, fc = rsc_update_ordered(ws, first, then, then.node, first_flags, FILTER, otype & _PRINTED)
        else:
            tc, fc = update_ordered_actions(ws, first, then, first_node, first_flags, FILTER, otype & _PRINTED)
        then_changed = then_changed or tc
        first_changed = first_changed or fc
    return then_changed, first_changed


def update_action(ws: WorkingSet, then: Action) -> tuple[bool, list[Action]]:
    """Process the inputs of ``then``; returns (then changed, firsts that changed)."""
    last_flags = then.flags
    changed_then = False
    changed_firsts: list[Action] = []
    if then.flags & F.REQUIRES_ANY:
        then.runnable_before = 0
        if then.required_runnable_before == 0:
            then.required_runnable_before = 1
        then.clear(F.RUNNABLE)
    for other in list(then.before):
        first = other.action
        then_node = then.node
        first_node = first.node
        if first.rsc is not None and first.rsc.variant == "group" and first.task == "start":
            first_node = _group_location(ws, first.rsc)
        if then.rsc is not None and then.rsc.variant == "group" and then.task == "start":
            then_node = _group_location(ws, then.rsc)
        if other.type & O.SAME_NODE and first_node is not None and then_node is not None \
                and first_node != then_node:
            other.type = O.NONE
            continue
        if first.rsc is not None and other.type & O.THEN_CANCELS_FIRST and not then.optional:
            first.set(F.OPTIONAL)
        if first.rsc is not None and then.rsc is not None and first.rsc is not then.rsc and \
                not _is_parent(then.rsc, first.rsc):
            first = action_for_ordering(ws, first)
        if first is other.action:
            flag_node = then_node if first.rsc is not None and first.rsc.variant == "clone" else None
            first_flags = action_flags(ws, first, flag_node)
            # computed for its side effect on group actions (action_flags_for_ordering(then))
            action_flags(ws, then, first_node if then.rsc is not None and then.rsc.variant == "clone" else None)
            if then.flags & F.REQUIRES_ANY:
                if first_flags & F.RUNNABLE and other.type != O.NONE:
                    then.runnable_before += 1
                    if then.runnable_before >= then.required_runnable_before:
                        then.set(F.RUNNABLE)
                first_flags |= F.RUNNABLE
            tc, fc = _update_for_ordering_flags(ws, first, then, first_node, first_flags, other.type)
            if tc:
                changed_then = True
            if fc:
                changed_firsts.append(first)
        elif order_actions(first, then, other.type):
            changed_then = True
            other.type = O.NONE
    if then.flags & F.REQUIRES_ANY:
        changed_then = last_flags != then.flags
    if then.flags != last_flags:
        changed_then = True
    return changed_then, changed_firsts


def block_colocation_dependents(ws: WorkingSet, action: Action) -> list[Action]:
    """``pcmk__block_colocation_dependents``: an unrunnable start (or promote) of a whole primary
    blocks the same action of its mandatory colocation dependents. Returns the actions changed."""
    if action.runnable or action.task not in ("start", "promote") or action.rsc is None:
        return []
    is_start = action.task == "start"
    rsc = action.rsc.top()
    for child in rsc.children:
        child_action = ws.find_first_action(child.actions, None, action.task, None)
        if child_action is None or child_action.runnable:
            return []
    colocations = list(rsc.rsc_cons_lhs)
    if rsc.variant == "group" and rsc.children:
        colocations += [c for c in rsc.children[-1].rsc_cons_lhs if c.id != "group:internal_colocation"]
    changed: list[Action] = []
    for con in colocations:
        if con.score < INFINITY:
            continue
        if not is_start and con.primary_role != Role.PROMOTED:
            continue
        dependent = ws.rsc_by_id.get(con.dependent)
        if dependent is None:
            continue
        task = "promote" if con.dependent_role == Role.PROMOTED else "start"
        _mark_blocked(ws, dependent, task, action.rsc, changed)
    return changed


def _mark_blocked(ws: WorkingSet, rsc: RscState, task: str, reason: RscState, changed: list[Action]) -> None:
    for action in list(rsc.actions):
        if action.runnable and action.task == task:
            action.clear(F.RUNNABLE)
            if action.reason is None:
                action.reason = f"colocation with {reason.id}"
            changed.append(action)
            changed.extend(block_colocation_dependents(ws, action))
    for child in rsc.children:
        _mark_blocked(ws, child, task, reason, changed)


def update_all_actions(ws: WorkingSet) -> None:
    """Propagate flags until nothing changes, depth first like Pacemaker's recursion.

    The queue holds (token, action); re-queuing an action moves it to the front by giving it a
    new token, older entries are skipped when they surface.
    """
    queue: deque[tuple[int, Action]] = deque()
    tokens: dict[int, int] = {}
    counter = 0
    for action in reversed(ws.actions):  # newest first, as data_set->actions
        counter += 1
        tokens[id(action)] = counter
        queue.append((counter, action))
    guard = 0
    limit = 200 * (len(ws.actions) + 10)
    while queue and guard < limit:
        token, then = queue.popleft()
        if tokens.get(id(then)) != token:
            continue
        del tokens[id(then)]
        guard += 1
        was_runnable = then.runnable
        changed, firsts = update_action(ws, then)
        to_queue: list[Action] = []
        if was_runnable and not then.runnable:
            for blocked in block_colocation_dependents(ws, then):
                to_queue.append(blocked)
                to_queue.extend(w.action for w in blocked.after)
        if ws.requeue:
            for extra in ws.requeue:
                to_queue.append(extra)
                to_queue.extend(w.action for w in extra.after)
            ws.requeue.clear()
        for first in firsts:
            to_queue.append(first)
            to_queue.extend(w.action for w in first.after)
        if changed:
            to_queue.append(then)
            to_queue.extend(w.action for w in then.after)
        for action in reversed(to_queue):
            counter += 1
            tokens[id(action)] = counter
            queue.appendleft((counter, action))


__all__ = ["Wrapper", "apply_orderings", "unpack_user_orders", "update_all_actions"]
