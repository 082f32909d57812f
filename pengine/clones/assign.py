"""Placing clone instances on nodes (Pacemaker 2.1.5 ``pcmk__clone_allocate``).

The algorithm is Pacemaker's, step by step (see DESIGN.md section 3):

1. assign the primaries of colocations in which the clone is the dependent;
2. merge the scores of the clone's dependents into the clone's table (positive, rollback);
3. show ``pcmk__clone_allocate`` scores for the clone and each instance;
4. sort the instances (:func:`pengine.clones.context.compare_instances`);
5. keep active instances where they are when possible, then assign the rest
   (:func:`distribute_instances`);
6. promotable clones: choose the promoted instances (``pengine.clones.promotion``).

The scheduler's assignment stage is mutable by nature (score tables change while resources
are placed), so this module works through :class:`pengine.clones.context.AssignContext`.
"""

from __future__ import annotations

from collections.abc import Sequence

from crm.common.scores import INFINITY, MINUS_INFINITY, add_scores
from pengine.clones.context import AssignContext, sort_instances
from pengine.clones.expand import ExpandedClone, Instance
from pengine.clones.promotion import add_promotion_scores, set_instance_roles

# ---------------------------------------------------------------------------------------------
# Distribution (distribute_children, allocate_instance, can_run_instance)


def _inherit_colocations(ctx: AssignContext, clone: ExpandedClone, inst: Instance, all_coloc: bool) -> None:
    """``append_parent_colocation``."""
    for coloc in ctx.colocations_as_dependent(clone.id):
        if all_coloc or coloc.score < 0 or coloc.score == INFINITY:
            ctx.add_colocation_as_dependent(inst.id, coloc)
    for coloc in ctx.colocations_as_primary(clone.id):
        if not ctx.colocation_has_influence(coloc, inst.id):
            continue
        if all_coloc or coloc.score < 0:
            ctx.add_colocation_as_primary(inst.id, coloc)


def _update_score(ctx: AssignContext, inst: Instance, node: str, score: int) -> None:
    """``common_update_score`` on the instance and its members."""
    for rsc_id in (inst.id, *(m.id for m in inst.members if m.id != inst.id)):
        table = ctx.scores(rsc_id)
        if node in table:
            table[node] = add_scores(table[node], score)


def _limit_instance_nodes(ctx: AssignContext, clone: ExpandedClone, inst: Instance, limit: int,
                          counts: dict[str, int]) -> None:
    """``can_run_instance`` for every node of the instance's table."""
    clone_table = ctx.scores(clone.id)
    for node in list(ctx.scores(inst.id)):
        if not ctx.can_run_resources(node) or inst.orphan:
            _update_score(ctx, inst, node, MINUS_INFINITY)
            continue
        parent_score = clone_table.get(node)
        if parent_score is None:
            _update_score(ctx, inst, node, MINUS_INFINITY)
        elif parent_score < 0:
            # the parent's score is added, then the node is banned as any unavailable node
            _update_score(ctx, inst, node, parent_score)
            _update_score(ctx, inst, node, MINUS_INFINITY)
        elif counts.get(node, 0) >= limit:
            _update_score(ctx, inst, node, MINUS_INFINITY)


def _assign_instance(ctx: AssignContext, clone: ExpandedClone, inst: Instance, prefer: str | None,
                     all_coloc: bool, limit: int, counts: dict[str, int]) -> bool:
    """``allocate_instance``: returns whether the instance got a node."""
    if not ctx.is_provisional(inst.id):
        return ctx.assigned_node(inst.id) is not None
    _inherit_colocations(ctx, clone, inst, all_coloc)
    if prefer is not None:
        score = ctx.scores(inst.id).get(prefer)
        if score is None or score < 0:
            return False
    _limit_instance_nodes(ctx, clone, inst, limit, counts)
    backup = {rid: dict(ctx.scores(rid)) for rid in (inst.id, *(m.id for m in inst.members))}
    chosen = ctx.assign(inst.id, prefer)
    if chosen is not None and prefer is not None and chosen != prefer:
        for rid, table in backup.items():
            ctx.set_scores(rid, table)
        ctx.unassign(inst.id)
        chosen = None
    if chosen is not None and chosen in ctx.scores(clone.id):
        counts[chosen] = counts.get(chosen, 0) + 1
    return chosen is not None


def distribute_instances(ctx: AssignContext, clone: ExpandedClone, instances: Sequence[Instance]) -> int:
    """``distribute_children``: place instances, current locations first; returns how many."""
    config = clone.config
    max_total, per_node = config.clone_max, config.clone_node_max
    counts: dict[str, int] = {}
    clone_table = ctx.scores(clone.id)
    available = sum(1 for node in clone_table if ctx.can_run_resources(node))
    all_coloc = max_total < available
    optimal = max(1, max_total // available) if available else 1

    assigned = 0
    for inst in instances:
        if assigned >= max_total:
            break
        running = list(ctx.running_on(inst.id))
        if not running or not ctx.is_provisional(inst.id) or ctx.is_failed(inst.id):
            continue
        node = running[0]
        if not ctx.can_run_resources(node):
            continue
        if node in clone_table and counts.get(node, 0) >= optimal:
            continue
        if _assign_instance(ctx, clone, inst, node, all_coloc, per_node, counts):
            assigned += 1

    for inst in instances:
        if not ctx.is_provisional(inst.id):
            continue
        if assigned >= max_total:
            ctx.ban(inst.id, "clone:limit_reached")
        elif _assign_instance(ctx, clone, inst, None, all_coloc, per_node, counts):
            assigned += 1
    return assigned


# ---------------------------------------------------------------------------------------------
# Entry point


def assign_clone(ctx: AssignContext, clone: ExpandedClone, *, assigning: set[str],
                 promoted_banned: bool = False, started_instances: frozenset[str] = frozenset(),
                 unpromoted_instances: frozenset[str] = frozenset()) -> None:
    """``pcmk__clone_allocate``: assign every instance of ``clone``.

    ``assigning`` is the set of clones whose assignment is in progress (dependency loops);
    ``promoted_banned`` is true when a ticket the promoted role depends on is revoked or in
    standby (``rsc_ticket`` with ``rsc-role=Promoted``); ``started_instances`` are the
    instances whose unpacked role is Started, ``unpromoted_instances`` those whose target
    role is Unpromoted (see :func:`set_instance_roles`).
    """
    if not ctx.is_provisional(clone.id) or clone.id in assigning:
        return
    priorities: dict[str, int] = {}
    if clone.config.promotable:
        priorities = add_promotion_scores(ctx, clone)
    assigning.add(clone.id)
    try:
        for coloc in ctx.colocations_as_dependent(clone.id):
            ctx.assign(coloc.primary, None)
        for coloc in ctx.colocations_as_primary(clone.id):
            if not ctx.colocation_has_influence(coloc, None):
                continue
            merged = ctx.merge_scores(coloc.dependent, clone.id, ctx.scores(clone.id), coloc.node_attribute,
                                      coloc.score / INFINITY, positive=True, rollback=True)
            ctx.set_scores(clone.id, merged)
        show_clone_scores(ctx, clone, "pcmk__clone_allocate")
        ordered = sort_instances(ctx, clone, clone.instances, priorities=priorities)
        ctx.set_instance_order(clone.id, [inst.id for inst in ordered])
        distribute_instances(ctx, clone, ordered)
        if clone.config.promotable:
            by_promotion = set_instance_roles(ctx, clone, ordered, priorities, promoted_banned=promoted_banned,
                                              started_instances=started_instances,
                                              unpromoted_instances=unpromoted_instances)
            ctx.set_instance_order(clone.id, [inst.id for inst in by_promotion])
    finally:
        assigning.discard(clone.id)


def show_clone_scores(ctx: AssignContext, clone: ExpandedClone, function: str) -> None:
    """``pe__show_node_weights`` on a clone: the clone, then each non-orphan instance (and its
    members, for cloned groups)."""
    ctx.show_scores(function, clone.id, ctx.scores(clone.id))
    for inst in clone.instances:
        if inst.orphan:
            continue
        ctx.show_scores(function, inst.id, ctx.scores(inst.id))
        if inst.group is not None:
            for member in inst.members:
                ctx.show_scores(function, member.id, ctx.scores(member.id))
