"""Colocations whose primary is a clone (Pacemaker 2.1.5 ``clone_rsc_colocation_rh``).

Called while a dependent primitive (possibly itself a clone instance) is being placed, or,
for promotable clones, while the dependent's promotion priority is computed:

* promotable primary and a role in the colocation: the dependent goes where instances in that
  role will be (``pcmk__update_dependent_with_promotable``), or its promotion priority follows
  them (``pcmk__update_promotable_dependent_priority``);
* ``interleave=true`` on a dependent clone: each dependent instance follows the primary
  instance on the same node (``find_compatible_child``);
* mandatory colocation: the dependent may only run where some primary instance runs;
* optional colocation: the colocation is applied with each primary instance in turn.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from crm.common.scores import INFINITY, MINUS_INFINITY, add_scores
from pengine.clones.context import AssignContext, planned_role
from pengine.model import ColocationConstraint, Role

#: apply a colocation between a dependent and one primary primitive/instance
#: (the primitive's ``rsc_colocation_rh``): (dependent id, primary id, constraint)
ApplyColocation = Callable[[str, str, ColocationConstraint], None]


def _sorted_nodes(ctx: AssignContext, table: dict[str, int]) -> list[str]:
    """``pcmk__sort_nodes(nodes, NULL)`` by score (unavailable nodes last), then name."""
    def key(node: str) -> tuple[int, str]:
        score = table[node] if ctx.can_run_resources(node) else MINUS_INFINITY
        return (-score, node)

    return sorted(table, key=key)


def any_role_when_started(con: ColocationConstraint) -> ColocationConstraint:
    """A colocation role of ``Started`` behaves as no role at all (checked against Pacemaker
    2.1.5: ``with-rsc-role="Started"`` with a promotable primary places the dependent as a
    role-less colocation would)."""
    if con.primary_role != Role.STARTED and con.dependent_role != Role.STARTED:
        return con
    return dataclasses.replace(
        con,
        primary_role=Role.UNKNOWN if con.primary_role == Role.STARTED else con.primary_role,
        dependent_role=Role.UNKNOWN if con.dependent_role == Role.STARTED else con.dependent_role,
    )


def compatible_primary_instance(ctx: AssignContext, dependent_id: str, primary_clone_id: str,
                                role: Role = Role.UNKNOWN) -> str | None:
    """``find_compatible_child`` (current=FALSE): the primary instance that will be on the node
    of the dependent instance (or, while the dependent is unplaced, on its best node)."""
    local = ctx.assigned_node(dependent_id)
    nodes = [local] if local is not None else _sorted_nodes(ctx, ctx.scores(dependent_id))
    for node in nodes:
        for inst in ctx.clone_instances(primary_clone_id):
            if role != Role.UNKNOWN and planned_role(ctx, inst) != role:
                continue
            if ctx.is_blocked(inst):
                continue
            if ctx.assigned_node_of_any(inst) == node:
                return inst
    return None


def _exclude_other_nodes(ctx: AssignContext, dependent_id: str, allowed_nodes: Sequence[str],
                         merge: dict[str, int] | None = None) -> None:
    """``node_list_exclude``: -INFINITY everywhere except ``allowed_nodes``; with ``merge``,
    add those nodes' scores."""
    table = ctx.scores(dependent_id)
    for node in table:
        if node not in allowed_nodes:
            table[node] = MINUS_INFINITY
        elif merge is not None and node in merge:
            table[node] = add_scores(table[node], merge[node])
    for node in allowed_nodes:
        # a node the dependent had no score on joins its table, banned
        if node not in table:
            table[node] = MINUS_INFINITY


def _update_dependent_with_promotable(ctx: AssignContext, primary_clone_id: str, dependent_id: str,
                                      con: ColocationConstraint) -> None:
    """``pcmk__update_dependent_with_promotable``."""
    affected: list[str] = []
    affected_scores: dict[str, int] = {}
    for inst in ctx.clone_instances(primary_clone_id):
        node = ctx.assigned_node_of_any(inst)
        if node is None:
            continue
        if planned_role(ctx, inst) == con.primary_role:
            if con.score < INFINITY:
                primary_value = ctx.node_attribute(node, con.node_attribute)
                table = ctx.scores(dependent_id)
                for other in table:
                    if ctx.node_attribute(other, con.node_attribute) == primary_value and primary_value is not None:
                        table[other] = add_scores(table[other], con.score)
            affected.append(node)
            # node_list_exclude merges the score the instance had where it was placed
            affected_scores[node] = ctx.scores(inst).get(node, 0)
    if con.score >= INFINITY and (con.dependent_role != Role.PROMOTED or con.primary_role != Role.PROMOTED):
        _exclude_other_nodes(ctx, dependent_id, affected, affected_scores)


def colocate_with_clone(ctx: AssignContext, dependent_id: str, primary_clone_id: str, con: ColocationConstraint,
                        *, dependent_interleave: bool, same_instances_per_node: bool,
                        promotable_primary: bool, apply: ApplyColocation) -> int | None:
    """``clone_rsc_colocation_rh`` with a clone primary and a primitive (or instance) dependent.

    ``dependent_interleave``: the constraint's dependent is a clone with ``interleave=true``;
    ``same_instances_per_node``: both clones allow the same number of instances per node.
    Returns a new promotion priority for the dependent when the colocation affects it
    (``pcmk__update_promotable_dependent_priority``), else None.
    """
    con = any_role_when_started(con)
    if promotable_primary:
        if ctx.is_provisional(primary_clone_id):
            return None
        if con.primary_role != Role.UNKNOWN:
            if ctx.is_provisional(dependent_id):
                _update_dependent_with_promotable(ctx, primary_clone_id, dependent_id, con)
                return None
            if con.dependent_role == Role.PROMOTED:
                priority = ctx.priority(dependent_id)
                match = compatible_primary_instance(ctx, dependent_id, primary_clone_id, con.primary_role)
                if match is not None:
                    return add_scores(priority, con.score)
                if con.score >= INFINITY:
                    return MINUS_INFINITY
                return None

    if ctx.is_provisional(primary_clone_id):
        return None

    if dependent_interleave and same_instances_per_node:
        match = compatible_primary_instance(ctx, dependent_id, primary_clone_id)
        if match is not None:
            apply(dependent_id, match, con)
        elif con.score >= INFINITY:
            ctx.ban(dependent_id, "cannot pair with instance of " + primary_clone_id)
        return None

    if con.score >= INFINITY:
        nodes = []
        for inst in ctx.clone_instances(primary_clone_id):
            node = ctx.assigned_node_of_any(inst)
            if node is not None and not ctx.is_blocked(inst):
                nodes.append(node)
        _exclude_other_nodes(ctx, dependent_id, nodes)
        return None

    for inst in ctx.clone_instances(primary_clone_id):
        apply(dependent_id, inst, con)
    return None
