"""Dispatch points from the core pipeline to the clone code (``pengine.clones``).

Every place where Pacemaker calls a clone method of its resource-variant table goes through a
function of this module, so the clone package can be wired in (or evolve) without touching the
core stages.  Until a hook is provided by ``pengine.clones``, the fallback here keeps the core
consistent (a clone without its own logic is placed instance by instance as primitives).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crm.common.scores import INFINITY, MINUS_INFINITY, parse_score
from pengine.model import Cluster, ColocationConstraint, Role, RscHistory
from pengine.rules import RuleContext, evaluate_rule
from pengine.working import Action, RscState
from pengine.workset import WorkingSet

if TYPE_CHECKING:
    from pengine.placement import Placement


def _hooks() -> Any:
    try:
        from pengine.clones import core_hooks  # type: ignore[attr-defined]
    except ImportError:
        return None
    return core_hooks


def assign_clone_state(placement: Placement, rsc: RscState) -> None:
    hooks = _hooks()
    if hooks is not None and hasattr(hooks, "assign_clone"):
        hooks.assign_clone(placement, rsc)
        return
    for child in rsc.children:
        placement.assign_rsc(child, None)


def colocate_with_clone(placement: Placement, dependent: RscState, primary: RscState,
                        con: ColocationConstraint) -> None:
    hooks = _hooks()
    if hooks is not None and hasattr(hooks, "colocate_with_clone"):
        hooks.colocate_with_clone(placement, dependent, primary, con)
        return
    # Fallback: the dependent may run where any instance runs
    nodes = {c.assigned for c in primary.children if c.assigned is not None}
    if con.score >= INFINITY:
        for node in list(dependent.allowed):
            if node not in nodes:
                dependent.allowed[node] = MINUS_INFINITY
    elif con.score <= MINUS_INFINITY:
        for node in nodes:
            if node in dependent.allowed:
                dependent.allowed[node] = MINUS_INFINITY


def clone_merge_weights(placement: Placement, rsc: RscState, primary_id: str, nodes: dict[str, int] | None,
                        attr: str, factor: float, *, rollback: bool, positive: bool, forward: bool,
                        init: bool) -> dict[str, int]:
    hooks = _hooks()
    if hooks is not None and hasattr(hooks, "clone_merge_weights"):
        result: dict[str, int] = hooks.clone_merge_weights(placement, rsc, primary_id, nodes, attr, factor,
                                                           rollback=rollback, positive=positive, forward=forward,
                                                           init=init)
        return result
    return placement._native_merge_weights(rsc, primary_id, nodes, attr, factor, rollback=rollback,
                                           positive=positive, forward=forward, init=init)


def promoted_locations(placement: Placement, rsc_id: str) -> list[dict[str, int]]:
    ws = placement.ws
    out: list[dict[str, int]] = []
    rsc = ws.rsc_by_id[rsc_id]
    ids = {rsc.id}
    cur = rsc.parent
    while cur is not None:
        ids.add(cur.id)
        cur = cur.parent
    for con in ws.cluster.locations:
        if con.rsc not in ids:
            continue

        if con.node is not None and not con.rules:
            if con.role == Role.PROMOTED and con.node in ws.nodes:
                out.append({con.node: con.score or 0})
            continue
        for ruleref in con.rules:
            rule = ruleref.element
            role = Role.parse(rule.get("role")) if rule.get("role") else con.role
            if role != Role.PROMOTED:
                continue
            table: dict[str, int] = {}
            for uname in ws.node_order:
                node = ws.nodes[uname]
                if not evaluate_rule(rule, RuleContext(now=ws.cluster.now, node_attrs=node.model.attributes)):
                    continue
                attr = rule.get("score-attribute")
                if attr:
                    value = node.model.attributes.get(attr)
                    table[uname] = parse_score(value, 0) if value is not None else MINUS_INFINITY
                else:
                    table[uname] = parse_score(rule.get("score"), 0)
            out.append(table)
    return out


def clone_create_actions(ws: WorkingSet, rsc: RscState) -> None:
    hooks = _hooks()
    if hooks is not None and hasattr(hooks, "create_actions"):
        hooks.create_actions(ws, rsc)
        return
    from pengine.actions import create_actions

    for child in rsc.children:
        create_actions(ws, child)


def clone_internal_constraints(ws: WorkingSet, rsc: RscState) -> None:
    hooks = _hooks()
    if hooks is not None and hasattr(hooks, "internal_constraints"):
        hooks.internal_constraints(ws, rsc)
        return
    from pengine.actions import internal_constraints

    for child in rsc.children:
        internal_constraints(ws, child)


def clone_action_flags(ws: WorkingSet, action: Action, node: str | None) -> int:
    hooks = _hooks()
    if hooks is not None and hasattr(hooks, "action_flags"):
        flags: int = hooks.action_flags(ws, action, node)
        return flags
    return action.flags


def clone_update_ordered(ws: WorkingSet, first: Action, then: Action, node: str | None, flags: int,
                         filt: int, otype: int) -> tuple[bool, bool]:
    hooks = _hooks()
    if hooks is not None and hasattr(hooks, "update_ordered_actions"):
        result: tuple[bool, bool] = hooks.update_ordered_actions(ws, first, then, node, flags, filt, otype)
        return result
    from pengine.ordering import update_ordered_actions

    return update_ordered_actions(ws, first, then, node, flags, filt, otype)


def notify_remap(rsc: RscState, rid: str, task: str) -> str | None:
    """The notification key to order against instead of ``<rid>_<task>_0`` (clones with notify)."""
    hooks = _hooks()
    if hooks is not None and hasattr(hooks, "notify_remap"):
        result: str | None = hooks.notify_remap(rsc, rid, task)
        return result
    return None


def clone_min_ordering(ws: WorkingSet, first: RscState, first_action: str, then: RscState, then_action: str,
                       flags: int, *, order_id: str, require_all: bool) -> bool:
    """Orderings after a clone with ``clone-min``; returns True when handled."""
    hooks = _hooks()
    if hooks is not None and hasattr(hooks, "clone_min_ordering"):
        import inspect

        params = inspect.signature(hooks.clone_min_ordering).parameters
        if "order_id" in params:
            handled: bool = hooks.clone_min_ordering(ws, first, first_action, then, then_action, flags,
                                                     order_id=order_id, require_all=require_all)
        else:
            handled = hooks.clone_min_ordering(ws, first, first_action, then, then_action, flags)
        return handled
    return False


def expanded_history(cluster: Cluster) -> tuple[RscHistory, ...]:
    """The op history with anonymous clone instances re-keyed to their instance ids."""
    hooks = _hooks()
    if hooks is not None and hasattr(hooks, "history"):
        result: tuple[RscHistory, ...] = hooks.history(cluster)
        return result
    return cluster.history


def order_notifs_after_fencing(ws: WorkingSet, stop: Action, rsc: RscState, stonith: Action) -> None:
    """``pe__order_notifs_after_fencing`` for a clone instance whose stop fencing implies."""
    hooks = _hooks()
    if hooks is not None and hasattr(hooks, "order_notifs_after_fencing"):
        hooks.order_notifs_after_fencing(ws, stop, rsc, stonith)


def order_probes_before_restarts(ws: WorkingSet) -> None:
    """``add_start_restart_orderings_for_rsc`` over every resource (probe before restarts)."""
    hooks = _hooks()
    if hooks is not None and hasattr(hooks, "order_probes_before_restarts"):
        hooks.order_probes_before_restarts(ws)


def expand_clone(ws: WorkingSet, rsc: RscState) -> None:
    """``clone_expand``: instance notifications, once action flags are final."""
    hooks = _hooks()
    if hooks is not None and hasattr(hooks, "expand"):
        hooks.expand(ws, rsc)


def build_clone_children(ws: WorkingSet, rsc: RscState) -> None:
    """Create the instance states of a clone (``pengine.clones.expand``)."""
    hooks = _hooks()
    if hooks is not None and hasattr(hooks, "build_children"):
        hooks.build_children(ws, rsc)
