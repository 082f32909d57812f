"""Choosing promoted instances (Pacemaker 2.1.5 ``pcmk_sched_promotable.c``).

* :func:`add_promotion_scores` (``pcmk__add_promotion_scores``): before placement, each
  instance's positive promotion score is added to its score on every available node.
* :func:`set_instance_roles` (``pcmk__set_instance_roles``): after placement, compute each
  instance's promotion priority (promotion score on its node, ``role=Promoted`` location
  constraints, role colocations), merge priorities per node into the clone's table
  (``promotion_order``), sort, and promote the first ``promoted-max`` instances, at most
  ``promoted-node-max`` per node.

Promotion scores come from the node attribute ``master-<name>`` where ``name`` is the id the
instance has in the op history (``clone_name``) or its own id, then (anonymous clones without
history) the id without instance number.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from crm.common.scores import INFINITY, MINUS_INFINITY, add_scores, parse_score
from pengine.clones.colocation import any_role_when_started
from pengine.clones.context import AssignContext, compare_instances, planned_role
from pengine.clones.expand import ExpandedClone, Instance
from pengine.clones.instances import strip_instance
from pengine.model import ColocationConstraint, Role


def _state(ctx: AssignContext, inst: Instance, *, current: bool) -> Role:
    """``fns->state``: a primitive instance's role, or for a cloned group the highest role of
    its members (an unplaced member makes an open group role Stopped)."""
    if inst.group is None:
        return ctx.current_role(inst.id) if current else ctx.next_role(inst.id)
    roles = [ctx.current_role(m.id) if current else ctx.next_role(m.id) for m in inst.members]
    return max(roles, key=lambda r: r.value) if roles else Role.UNKNOWN


def _primitive_ids(inst: Instance) -> list[str]:
    return [m.id for m in inst.members]


def _score_applies(ctx: AssignContext, clone: ExpandedClone, rsc_id: str, node: str) -> bool:
    """``promotion_score_applies``."""
    base = strip_instance(rsc_id)
    allowed = ctx.scores(rsc_id).get(node)

    def is_allowed() -> bool:
        return allowed is not None and allowed >= 0

    if not clone.config.globally_unique:
        active = None
        for inst in clone.instances:
            for member in inst.members:
                if strip_instance(member.id) == base and node in ctx.running_on(member.id):
                    active = member.id
                    break
            if active is not None:
                break
        if active == rsc_id:
            return is_allowed()
        if active is None:
            known = any(strip_instance(m.id) == base and node in ctx.known_on(m.id)
                        for inst in clone.instances for m in inst.members)
            if known:
                return is_allowed()
    if not ctx.running_on(rsc_id) and not ctx.known_on(rsc_id):
        return is_allowed()
    if node in ctx.known_on(rsc_id) or node in ctx.running_on(rsc_id):
        return is_allowed()
    return False


def promotion_score(ctx: AssignContext, clone: ExpandedClone, rsc_id: str, node: str | None) -> tuple[int, bool]:
    """``promotion_score``: (score, is_default) of a primitive instance (or a cloned group
    instance: the sum over its members) on ``node``."""
    if node is None:
        return 0, True
    inst = clone.instance(rsc_id)
    if inst is not None and inst.group is not None:
        total = 0
        default = True
        for member in inst.members:
            score, member_default = promotion_score(ctx, clone, member.id, node)
            default = default and member_default
            total += score
        return total, default
    if not _score_applies(ctx, clone, rsc_id, node):
        return 0, True
    name = ctx.history_name(rsc_id) or rsc_id
    value = ctx.node_attribute(node, f"master-{name}")
    if value is not None:
        return parse_score(value), False
    if ctx.history_name(rsc_id) is None and not clone.config.globally_unique:
        value = ctx.node_attribute(node, f"master-{strip_instance(rsc_id)}")
        if value is not None:
            return parse_score(value), False
    return 0, True


def add_promotion_scores(ctx: AssignContext, clone: ExpandedClone) -> dict[str, int]:
    """``pcmk__add_promotion_scores``: positive promotion scores raise placement scores, and
    each instance's priority becomes its best promotion score (returned, by instance id)."""
    priorities: dict[str, int] = {}
    for inst in clone.instances:
        priority = ctx.priority(inst.id)
        table = ctx.scores(inst.id)
        for node in list(table):
            if not ctx.node_available(node):
                continue
            score, _ = promotion_score(ctx, clone, inst.id, node)
            if score > 0:
                table[node] = add_scores(table[node], score)
            priority = max(priority, score)
        priorities[inst.id] = priority
    return priorities


def _promoted_locations_priority(ctx: AssignContext, rsc_id: str, chosen: str | None, priority: int) -> int:
    if chosen is None:
        return priority
    for table in ctx.promoted_locations(rsc_id):
        if chosen in table:
            priority = add_scores(priority, table[chosen])
    return priority


def _same_location(ctx: AssignContext, node_a: str, node_b: str, attribute: str) -> bool:
    value_a = ctx.node_attribute(node_a, attribute)
    value_b = ctx.node_attribute(node_b, attribute)
    return value_a is not None and value_a == value_b


def _colocation_priority(ctx: AssignContext, inst_id: str, coloc: ColocationConstraint,
                         chosen: str | None, priority: int, interleave: bool = False) -> int:
    """``rsc_colocation_lh`` for an assigned promotable instance (role effects only)."""
    coloc = any_role_when_started(coloc)
    if coloc.dependent_role < Role.UNPROMOTED and coloc.dependent_role != Role.UNKNOWN:
        return priority
    if ctx.is_clone(coloc.primary):
        primary_clone = coloc.primary
        if ctx.is_provisional(primary_clone):
            return priority
        if coloc.primary_role == Role.UNKNOWN:
            # clone_rsc_colocation_rh's generic path: each primary instance (the compatible
            # one when interleaved) as a primitive primary (apply_coloc_to_priority)
            if coloc.dependent_role == Role.UNKNOWN or chosen is None:
                return priority
            if not interleave and coloc.score >= INFINITY:
                return priority
            multiplier = -1 if coloc.dependent_role == Role.UNPROMOTED else 1
            for other in ctx.clone_instances(primary_clone):
                other_node = ctx.assigned_node_of_any(other)
                if other_node is None:
                    continue
                if not _same_location(ctx, chosen, other_node, coloc.node_attribute):
                    continue
                priority = add_scores(multiplier * coloc.score, priority)
                if interleave:
                    break
            return priority
        if coloc.dependent_role != Role.PROMOTED:
            return priority
        # pcmk__update_promotable_dependent_priority
        found = False
        if chosen is not None:
            for other in ctx.clone_instances(primary_clone):
                if ctx.is_blocked(other):
                    continue
                if planned_role(ctx, other) != coloc.primary_role:
                    continue
                if ctx.assigned_node_of_any(other) == chosen:
                    found = True
                    break
        if found:
            return add_scores(priority, coloc.score)
        if coloc.score >= INFINITY:
            return MINUS_INFINITY
        return priority
    if coloc.dependent_role == Role.UNKNOWN:
        return priority
    # apply_coloc_to_priority with a primitive (or group) primary
    primary_node = ctx.assigned_node_of_any(coloc.primary)
    if primary_node is None or chosen is None:
        return priority
    if not _same_location(ctx, chosen, primary_node, coloc.node_attribute):
        if coloc.score >= INFINITY and coloc.dependent_role == Role.PROMOTED:
            return MINUS_INFINITY
        return priority
    if coloc.primary_role != Role.UNKNOWN and coloc.primary_role != planned_role(ctx, coloc.primary):
        return priority
    multiplier = -1 if coloc.dependent_role == Role.UNPROMOTED else 1
    return add_scores(multiplier * coloc.score, priority)


def _promotable_node(ctx: AssignContext, clone: ExpandedClone, inst: Instance, priority: int,
                     counts: dict[str, int]) -> str | None:
    """``node_to_be_promoted_on``."""
    node = ctx.assigned_node(inst.id)
    if node is None:
        return None
    for member in inst.members:
        if member.id != inst.id and ctx.assigned_node(member.id) is None:
            return None
    if not ctx.is_managed(inst.id):
        if _state(ctx, inst, current=True) != Role.PROMOTED:
            return None
    elif priority < 0 or not ctx.can_run_resources(node) or not ctx.guest_container_placed(node):
        return None
    if node not in ctx.scores(clone.id):
        return None
    if counts.get(node, 0) >= clone.config.promoted_node_max and ctx.is_managed(inst.id):
        return None
    return node


def set_instance_roles(ctx: AssignContext, clone: ExpandedClone, instances: Sequence[Instance],
                       priorities: dict[str, int] | None = None, *, promoted_banned: bool = False,
                       started_instances: frozenset[str] = frozenset(),
                       unpromoted_instances: frozenset[str] = frozenset()) -> list[Instance]:
    """``pcmk__set_instance_roles``: decide which instances are promoted; returns the
    instances in promotion order (``sort_promotable_instances``).

    ``priorities`` are the instances' priorities so far (from :func:`add_promotion_scores`);
    they are updated in place to the promotion priorities. ``started_instances`` are the
    instances whose role after unpacking is Started rather than Unpromoted (their last
    role-setting operation was a start: Pacemaker's ``update_resource_state`` sets Started,
    only a probe or demote sets Unpromoted). An unmanaged one keeps that role as its next
    role (``pcmk__primitive_assign``), so its priority is its promotion score (-1 without
    one), not -INFINITY. ``unpromoted_instances`` (primitive instances, or members of cloned
    groups) have ``target-role=Unpromoted``: that is their next role, so they cannot be
    promoted."""
    if priorities is None:
        priorities = {}
    sort_index: dict[str, int] = {}
    for inst in instances:
        if ctx.current_role(inst.id) == Role.STARTED:
            ctx.set_current_role(inst.id, Role.UNPROMOTED)
        priorities.setdefault(inst.id, ctx.priority(inst.id))
        sort_index[inst.id] = 0
        chosen = ctx.assigned_node(inst.id)
        if chosen is None:
            continue
        next_role = _state(ctx, inst, current=False)
        if (next_role == Role.UNPROMOTED and inst.group is None and inst.id in started_instances
                and not ctx.is_managed(inst.id)):
            next_role = Role.STARTED
        if next_role in (Role.STARTED, Role.UNKNOWN, Role.PROMOTED) and ctx.is_managed(inst.id) and any(
                m.id in unpromoted_instances for m in inst.members):
            next_role = Role.UNPROMOTED
        priority = priorities[inst.id]
        if next_role in (Role.STARTED, Role.UNKNOWN):
            priority, is_default = promotion_score(ctx, clone, inst.id, chosen)
            if is_default:
                # no promotion score: only location constraints can make it promotable
                priority = -1
        elif next_role in (Role.UNPROMOTED, Role.STOPPED):
            priority = MINUS_INFINITY
        # role=Promoted location constraints on the instance and on the clone
        priority = _promoted_locations_priority(ctx, inst.id, chosen, priority)
        for coloc in ctx.colocations_as_dependent(inst.id):
            priority = _colocation_priority(ctx, inst.id, coloc, chosen, priority, clone.config.interleave)
        priorities[inst.id] = priority
        sort_index[inst.id] = INFINITY if next_role == Role.PROMOTED else priority

    ordered = _promotion_order(ctx, clone, instances, priorities, sort_index, promoted_banned)

    counts: dict[str, int] = {}
    promoted = 0
    for inst in ordered:
        chosen = ctx.assigned_node(inst.id)
        ctx.show_promotion_score(inst.id, chosen, sort_index[inst.id])
        target: str | None = None
        if sort_index[inst.id] >= 0 and (promoted < clone.config.promoted_max or not ctx.is_managed(inst.id)):
            target = _promotable_node(ctx, clone, inst, priorities[inst.id], counts)
        if target is None:
            # an assigned instance whose role is still open runs unpromoted (Pacemaker sets
            # next role Started at assignment, then Unpromoted here)
            if ctx.next_role(inst.id) == Role.STARTED or (
                    ctx.next_role(inst.id) == Role.UNKNOWN and chosen is not None):
                ctx.set_next_role(inst.id, Role.UNPROMOTED)
            continue
        counts[target] = counts.get(target, 0) + 1
        ctx.set_next_role(inst.id, Role.PROMOTED)
        promoted += 1
    return ordered


def _promotion_order(ctx: AssignContext, clone: ExpandedClone, instances: Sequence[Instance],
                     priorities: dict[str, int], sort_index: dict[str, int],
                     promoted_banned: bool = False) -> list[Instance]:
    """``promotion_order``: merge instance priorities into the clone's table and sort."""
    table = ctx.scores(clone.id)
    for inst in instances:
        chosen = ctx.assigned_node(inst.id)
        if chosen is None or sort_index[inst.id] < 0:
            continue
        if chosen in table:
            table[chosen] = add_scores(sort_index[inst.id], table[chosen])

    for coloc in ctx.colocations_as_dependent(clone.id):
        if coloc.dependent_role == Role.PROMOTED:
            merged = ctx.merge_scores(coloc.primary, clone.id, ctx.scores(clone.id), coloc.node_attribute,
                                      coloc.score / INFINITY, positive=False,
                                      rollback=coloc.score != INFINITY)
            ctx.set_scores(clone.id, merged)
    for coloc in ctx.colocations_as_primary(clone.id):
        if not ctx.colocation_has_influence(coloc, None):
            continue
        if coloc.primary_role == Role.PROMOTED:
            merged = ctx.merge_scores(coloc.dependent, clone.id, ctx.scores(clone.id), coloc.node_attribute,
                                      coloc.score / INFINITY, positive=True, rollback=True)
            ctx.set_scores(clone.id, merged)

    if promoted_banned:
        # __stateful_without_ticket__: -INFINITY everywhere, for the clone and its instances
        for rsc_id in (clone.id, *(i.id for i in instances), *(m.id for i in instances for m in i.members)):
            scores = ctx.scores(rsc_id)
            for node in scores:
                scores[node] = MINUS_INFINITY

    table = ctx.scores(clone.id)
    for inst in instances:
        chosen = ctx.assigned_node(inst.id)
        if not ctx.is_managed(inst.id) and _state(ctx, inst, current=False) == Role.PROMOTED:
            sort_index[inst.id] = INFINITY
        elif chosen is None or sort_index[inst.id] < 0:
            pass
        elif chosen in table:
            sort_index[inst.id] = table[chosen]

    def compare(a: Instance, b: Instance) -> int:
        ia, ib = sort_index[a.id], sort_index[b.id]
        if ia != ib:
            return -1 if ia > ib else 1
        ra, rb = _state(ctx, a, current=True), _state(ctx, b, current=True)
        if ra != rb:
            return -1 if ra > rb else 1
        return compare_instances(ctx, clone, {}, a, b, priorities)

    return sorted(instances, key=functools.cmp_to_key(compare))
