"""Placing clone instances on nodes (Pacemaker 2.1.5 ``pcmk__clone_allocate``).

The algorithm is Pacemaker's, step by step (see DESIGN.md section 3):

1. assign the primaries of colocations in which the clone is the dependent;
2. merge the scores of the clone's dependents into the clone's table (positive, rollback);
3. show ``pcmk__clone_allocate`` scores for the clone and each instance;
4. sort the instances (:func:`compare_instances`);
5. keep active instances where they are when possible, then assign the rest
   (:func:`distribute_instances`);
6. promotable clones: choose the promoted instances (``pengine.clones.promotion``).

The scheduler's assignment stage is mutable by nature (score tables change while resources
are placed), so this module works through :class:`AssignContext`, which the core assignment
stage implements over its working state. Every method mirrors a libpacemaker primitive and
is named after it in its docstring.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Protocol

from crm.common.scores import INFINITY, MINUS_INFINITY, add_scores
from pengine.clones.expand import ExpandedClone, Instance
from pengine.model import ColocationConstraint, Role


class AssignContext(Protocol):
    """What clone assignment needs from the scheduler's assignment state.

    Resource ids are the ids of the model after clone expansion: the clone (``clone``),
    instances (``prim:N`` or ``grp:N``) and instance members (``member:N``). Score tables
    map node names to scores and are the live tables (mutations are visible).
    """

    def node_names(self) -> Sequence[str]:
        """All node names, in configuration order."""

    def can_run_resources(self, node: str) -> bool:
        """``can_run_resources``: online, clean, not standby/maintenance/shutting down."""

    def node_available(self, node: str) -> bool:
        """``pcmk__node_available(node, false, false)``: may the node host resources now?"""

    def scores(self, rsc_id: str) -> dict[str, int]:
        """The live allowed-node table of a resource (``rsc->allowed_nodes``)."""

    def set_scores(self, rsc_id: str, table: dict[str, int]) -> None:
        """Replace a resource's allowed-node table (after a merge)."""

    def running_on(self, rsc_id: str) -> Sequence[str]:
        """Nodes where the resource (or, for a group, any member) is active now."""

    def is_provisional(self, rsc_id: str) -> bool:
        """Not yet assigned (``pe_rsc_provisional``)."""

    def is_failed(self, rsc_id: str) -> bool:
        """``pe_rsc_failed`` on the resource or (for groups) any member."""

    def is_blocked(self, rsc_id: str) -> bool:
        """``pe_rsc_block`` on the resource or any member (failed stop, on-fail=block)."""

    def is_managed(self, rsc_id: str) -> bool:
        """``pe_rsc_managed``."""

    def priority(self, rsc_id: str) -> int:
        """The ``priority`` meta attribute of the resource."""

    def assigned_node(self, rsc_id: str) -> str | None:
        """``rsc->allocated_to`` (``fns->location(rsc, NULL, FALSE)``)."""

    def assign(self, rsc_id: str, prefer: str | None) -> str | None:
        """``rsc->cmds->allocate``: assign a primitive, group or clone; returns the node."""

    def unassign(self, rsc_id: str) -> None:
        """``native_deallocate``: forget the assignment, become provisional again."""

    def ban(self, rsc_id: str, reason: str) -> None:
        """``resource_location(rsc, NULL, -INFINITY, reason)``: -INFINITY on every node."""

    def show_scores(self, function: str, rsc_id: str, table: dict[str, int]) -> None:
        """Record ``<function>: <rsc> allocation score on <node>: <score>`` lines."""

    def colocations_as_dependent(self, rsc_id: str) -> list[ColocationConstraint]:
        """``rsc->rsc_cons``: colocations in which the resource is the dependent."""

    def colocations_as_primary(self, rsc_id: str) -> list[ColocationConstraint]:
        """``rsc->rsc_cons_lhs``: colocations in which the resource is the primary."""

    def add_colocation_as_dependent(self, rsc_id: str, coloc: ColocationConstraint) -> None:
        """Prepend ``coloc`` to the resource's ``rsc_cons`` (clone -> instance inheritance)."""

    def add_colocation_as_primary(self, rsc_id: str, coloc: ColocationConstraint) -> None:
        """Prepend ``coloc`` to the resource's ``rsc_cons_lhs``."""

    def colocation_has_influence(self, coloc: ColocationConstraint, rsc_id: str | None) -> bool:
        """``pcmk__colocation_has_influence``."""

    def merge_scores(self, rsc_id: str, primary_id: str, table: dict[str, int], attribute: str,
                     factor: float, *, positive: bool, rollback: bool, init: bool = False) -> dict[str, int]:
        """``rsc->cmds->merge_weights`` (``pcmk__native_merge_weights`` for primitives)."""

    def node_attribute(self, node: str, name: str) -> str | None:
        """A node attribute (``#uname``, ``#id`` included)."""

    def next_role(self, rsc_id: str) -> Role:
        """``rsc->next_role`` (``fns->state(rsc, FALSE)``)."""

    def current_role(self, rsc_id: str) -> Role:
        """``rsc->role`` (``fns->state(rsc, TRUE)``)."""

    def known_on(self, rsc_id: str) -> Sequence[str]:
        """Nodes where the primitive has op history (``rsc->known_on``)."""

    def history_name(self, rsc_id: str) -> str | None:
        """The id the primitive has in the op history when it differs (``clone_name``)."""

    def promoted_locations(self, rsc_id: str) -> list[dict[str, int]]:
        """Node scores of ``role=Promoted`` location constraints on the resource or its parents."""

    def set_next_role(self, rsc_id: str, role: Role) -> None:
        """``pe__set_next_role`` on the resource (and its members)."""

    def set_current_role(self, rsc_id: str, role: Role) -> None:
        """Change ``rsc->role`` (Started becomes Unpromoted for promotable instances)."""

    def show_promotion_score(self, rsc_id: str, node: str | None, score: int) -> None:
        """Record ``<rsc> promotion score on <node|none>: <score>``."""

    def is_clone(self, rsc_id: str) -> bool:
        """Is this resource id a clone?"""

    def clone_instances(self, rsc_id: str) -> Sequence[str]:
        """Instance ids of a clone (for colocations with a promotable primary)."""

    def assigned_node_of_any(self, rsc_id: str) -> str | None:
        """``allocated_to`` of a primitive or group (``fns->location``)."""


def planned_role(ctx: AssignContext, rsc_id: str) -> Role:
    """``fns->state(rsc, FALSE)`` once placement is done: a resource assigned to a node whose
    next role is still open will be Started (Pacemaker sets it when assigning)."""
    role = ctx.next_role(rsc_id)
    if role == Role.UNKNOWN and not ctx.is_provisional(rsc_id):
        return Role.STARTED if ctx.assigned_node_of_any(rsc_id) is not None else Role.STOPPED
    return role


# ---------------------------------------------------------------------------------------------
# Instance order (pcmk__cmp_instance / sort_clone_instance)


def _merged_current_score(ctx: AssignContext, clone: ExpandedClone, inst: Instance, node: str) -> int:
    """The score of ``node`` for ``inst`` after the clone's colocations are merged in."""
    # a copy of the current node (its own base weight, 0), then the clone's colocations
    table = {node: 0}
    for coloc in ctx.colocations_as_dependent(clone.id):
        if coloc.score == 0:
            continue
        table = ctx.merge_scores(coloc.primary, inst.id, table, coloc.node_attribute,
                                 coloc.score / INFINITY, positive=False, rollback=False)
    for coloc in ctx.colocations_as_primary(clone.id):
        if not ctx.colocation_has_influence(coloc, inst.id):
            continue
        table = ctx.merge_scores(coloc.dependent, inst.id, table, coloc.node_attribute,
                                 coloc.score / INFINITY, positive=True, rollback=False)
    return table.get(node, 0)


def compare_instances(ctx: AssignContext, clone: ExpandedClone, counts: dict[str, int],
                      a: Instance, b: Instance, priorities: dict[str, int] | None = None) -> int:
    """``sort_clone_instance``: negative when ``a`` should be assigned before ``b``.

    ``priorities`` overrides the instances' ``priority`` (promotable clones raise it to the
    best promotion score before placement, and to the promotion priority afterwards)."""
    running_a = list(ctx.running_on(a.id))
    running_b = list(ctx.running_on(b.id))
    if running_a and running_b and len(running_a) != len(running_b):
        return -1 if len(running_a) < len(running_b) else 1

    node_a = running_a[0] if running_a else None
    node_b = running_b[0] if running_b else None
    can_a = can_b = True
    if node_a is not None:
        score = ctx.scores(a.id).get(node_a)
        if score is None or score < 0:
            node_a, can_a = None, False
    if node_b is not None:
        score = ctx.scores(b.id).get(node_b)
        if score is None or score < 0:
            node_b, can_b = None, False
    if can_a != can_b:
        return -1 if can_a else 1

    known = priorities or {}
    prio_a = known.get(a.id, ctx.priority(a.id))
    prio_b = known.get(b.id, ctx.priority(b.id))
    if prio_a != prio_b:
        return -1 if prio_a > prio_b else 1

    if node_a is None and node_b is None:
        return 0
    if node_a is None:
        return 1
    if node_b is None:
        return -1

    can_a = ctx.node_available(node_a)
    can_b = ctx.node_available(node_b)
    if can_a != can_b:
        return -1 if can_a else 1

    clone_table = ctx.scores(clone.id)
    allowed_a = node_a in clone_table
    allowed_b = node_b in clone_table
    if not allowed_a and not allowed_b:
        return 0
    if not allowed_a:
        return 1
    if not allowed_b:
        return -1

    count_a, count_b = counts.get(node_a, 0), counts.get(node_b, 0)
    if count_a != count_b:
        return -1 if count_a < count_b else 1

    failed_a, failed_b = ctx.is_failed(a.id), ctx.is_failed(b.id)
    if failed_a != failed_b:
        return -1 if failed_a else 1

    score_a = _merged_current_score(ctx, clone, a, node_a)
    score_b = _merged_current_score(ctx, clone, b, node_b)
    if score_a < score_b:
        return -1 if score_a < 0 else 1
    if score_a > score_b:
        return -1
    return 0


def sort_instances(ctx: AssignContext, clone: ExpandedClone, instances: Sequence[Instance],
                   counts: dict[str, int] | None = None,
                   priorities: dict[str, int] | None = None) -> list[Instance]:
    """Instances in assignment order (stable, like ``g_list_sort``)."""
    table = counts or {}

    def compare(x: Instance, y: Instance) -> int:
        return compare_instances(ctx, clone, table, x, y, priorities)

    return sorted(instances, key=functools.cmp_to_key(compare))


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
            _update_score(ctx, inst, node, parent_score)
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
        from pengine.clones.promotion import add_promotion_scores

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
        distribute_instances(ctx, clone, ordered)
        if clone.config.promotable:
            from pengine.clones.promotion import set_instance_roles

            set_instance_roles(ctx, clone, ordered, priorities, promoted_banned=promoted_banned,
                               started_instances=started_instances,
                               unpromoted_instances=unpromoted_instances)
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
