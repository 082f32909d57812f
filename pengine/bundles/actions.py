"""A bundle's actions and orderings (Pacemaker 2.1.5 ``pcmk__bundle_create_actions``,
``pcmk__bundle_internal_constraints``, ``pcmk__bundle_action_flags``).

The bundle has the start / running / stop / stopped pseudo actions of a collective over its
containers (promote / promoted / demote / demoted too when the inner resource is
promotable); it is started before its containers and inner clone, and is running after them.
"""

from __future__ import annotations

from crm.common.scores import INFINITY
from pengine.actions import create_actions, internal_constraints
from pengine.bundles.assign import containers_as_clone, inner_clone
from pengine.clones.actions import create_clone_actions
from pengine.clones.bridge import WorkingSetActions, multi_update_actions
from pengine.model import Bundle, ColocationConstraint, Role
from pengine.setup import add_colocation
from pengine.working import Action, AFlag, O, RscState
from pengine.workset import WorkingSet, op_key

_CHILD_TASKS = ("notify", "notified", "promote", "promoted", "demote", "demoted")


def _model(rsc: RscState) -> Bundle:
    assert isinstance(rsc.model, Bundle)
    return rsc.model


def _replica_states(ws: WorkingSet, rsc: RscState) -> list[tuple[RscState | None, RscState, RscState | None]]:
    """(address, container, connection) of each replica."""
    out = []
    for replica in _model(rsc).replicas:
        ip = ws.rsc_by_id.get(replica.ip.id) if replica.ip is not None else None
        remote = ws.rsc_by_id.get(replica.remote.id) if replica.remote is not None else None
        out.append((ip, ws.rsc_by_id[replica.container.id], remote))
    return out


def _containers(ws: WorkingSet, rsc: RscState) -> list[RscState]:
    return [container for _, container, _ in _replica_states(ws, rsc)]


def bundle_create_actions(ws: WorkingSet, rsc: RscState) -> None:
    """``pcmk__bundle_create_actions``."""
    model = _model(rsc)
    for ip, container, remote in _replica_states(ws, rsc):
        for member in (ip, container, remote):
            if member is not None:
                create_actions(ws, member)
    if model.replicas:
        create_clone_actions(WorkingSetActions(ws), containers_as_clone(rsc)[0])
    clone = inner_clone(rsc)
    if clone is None:
        return
    create_actions(ws, clone)
    if model.promoted_max > 0:
        for task in ("promote", "promoted", "demote", "demoted"):
            action = ws.pseudo_action(rsc, op_key(rsc.id, task), task, True)
            if task in ("promoted", "demoted"):
                action.priority = INFINITY


def bundle_internal_constraints(ws: WorkingSet, rsc: RscState) -> None:
    """``pcmk__bundle_internal_constraints``."""
    model = _model(rsc)
    clone = inner_clone(rsc)
    if clone is not None:
        ws.order_rsc_actions(rsc, "start", clone, "start", O.IMPLIES_FIRST_PRINTED)
        ws.order_rsc_actions(rsc, "stop", clone, "stop", O.IMPLIES_FIRST_PRINTED)
        ws.order_rsc_actions(clone, "running", rsc, "running", O.IMPLIES_THEN_PRINTED)
        ws.order_rsc_actions(clone, "stopped", rsc, "stopped", O.IMPLIES_THEN_PRINTED)
    for ip, container, remote in _replica_states(ws, rsc):
        internal_constraints(ws, container)
        ws.order_rsc_actions(rsc, "start", container, "start", O.RUNNABLE_LEFT | O.IMPLIES_FIRST_PRINTED)
        ws.order_rsc_actions(rsc, "stop", container, "stop", O.IMPLIES_FIRST_PRINTED)
        ws.order_rsc_actions(container, "start", rsc, "running", O.IMPLIES_THEN_PRINTED)
        ws.order_rsc_actions(container, "stop", rsc, "stopped", O.IMPLIES_THEN_PRINTED)
        if ip is not None:
            internal_constraints(ws, ip)
            ws.order_rsc_actions(ip, "start", container, "start", O.RUNNABLE_LEFT | O.PRESERVE)
            ws.order_rsc_actions(container, "stop", ip, "stop", O.IMPLIES_FIRST | O.PRESERVE)
            add_colocation(ws, ColocationConstraint("ip-with-docker", ip.id, container.id, INFINITY,
                                                    Role.UNKNOWN, Role.UNKNOWN, "#uname", True))
        if remote is not None:
            internal_constraints(ws, remote)
    if clone is not None:
        internal_constraints(ws, clone)
        for instance in clone.children:
            ws.order_rsc_actions(rsc, "stop", instance, "stop", O.IMPLIES_FIRST_PRINTED)
        if model.promoted_max > 0:
            _promotable_restart_ordering(ws, rsc)
            ws.order_rsc_actions(clone, "demoted", rsc, "demoted", O.IMPLIES_THEN_PRINTED)
            ws.order_rsc_actions(rsc, "demote", clone, "demote", O.IMPLIES_FIRST_PRINTED)
            ws.order_rsc_actions(clone, "promoted", rsc, "promoted", O.IMPLIES_THEN_PRINTED)
            ws.order_rsc_actions(rsc, "promote", clone, "promote", O.IMPLIES_FIRST_PRINTED)


def _promotable_restart_ordering(ws: WorkingSet, rsc: RscState) -> None:
    """``pcmk__promotable_restart_ordering``: start and promote after every instance stopped,
    stop, start and promote after every instance demoted, promote after all started."""
    for first, then in (("stopped", "start"), ("stopped", "promote"), ("demoted", "stop"), ("demoted", "start"),
                        ("demoted", "promote"), ("running", "promote"), ("demote", "demoted")):
        ws.order_rsc_actions(rsc, first, rsc, then, O.OPTIONAL)


def bundle_action_flags(ws: WorkingSet, action: Action, node: str | None) -> int:
    """``pcmk__bundle_action_flags``: the summary over the containers, or over the inner
    instances for promotion and notification tasks."""
    rsc = action.rsc
    assert rsc is not None
    clone = inner_clone(rsc)
    if clone is not None and action.task in _CHILD_TASKS:
        members = clone.children
    else:
        members = _containers(ws, rsc)
    task = {"running": "start", "stopped": "stop", "promoted": "promote", "demoted": "demote"}.get(action.task,
                                                                                                  action.task)
    flags = AFlag.OPTIONAL | AFlag.RUNNABLE | AFlag.PSEUDO
    any_runnable = False
    for member in members:
        found = next((a for a in member.actions if a.task == task and (node is None or a.node == node)), None)
        if found is None:
            continue
        if flags & AFlag.OPTIONAL and not found.flags & AFlag.OPTIONAL:
            flags &= ~AFlag.OPTIONAL
            action.clear(AFlag.OPTIONAL)
        if found.flags & AFlag.RUNNABLE:
            any_runnable = True
    if not any_runnable:
        flags &= ~AFlag.RUNNABLE
        if node is None:
            action.clear(AFlag.RUNNABLE)
    return int(flags)


def bundle_update_ordered(ws: WorkingSet, first: Action, then: Action, node: str | None, flags: int,
                          filt: int, otype: int) -> tuple[bool, bool]:
    """``pcmk__multi_update_actions`` for a bundle "then": the bundle's own action, then the
    same task of each container (``get_containers_or_children``) that can run. Returns
    (then changed, first changed)."""
    rsc = then.rsc
    assert rsc is not None
    return multi_update_actions(ws, first, then, node, flags, filt, otype, _containers(ws, rsc))
