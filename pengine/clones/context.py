"""What the clone stages share: the :class:`AssignContext` they work through (implemented by
the core assignment stage over its working state, each method named after the libpacemaker
primitive it mirrors), a resource's planned role, and the order of instances
(``sort_clone_instance``), which both assignment and promotion use."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Protocol

from crm.common.scores import INFINITY
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

    def guest_container_placed(self, node: str) -> bool:
        """Whether a guest node's container is assigned somewhere (true for other nodes)."""

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
        """Instance ids of a clone in the clone's current order (``rsc->children``): once the
        clone is assigned, the order of assignment, then of promotion (see
        :meth:`set_instance_order`)."""

    def set_instance_order(self, rsc_id: str, instance_ids: Sequence[str]) -> None:
        """``rsc->children = g_list_sort(...)``: the clone's instances are kept in the order
        they were last sorted in (for assignment, then for promotion), which is the order in
        which colocations with the clone are later applied instance by instance."""

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
