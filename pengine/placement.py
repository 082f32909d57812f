"""Assignment of resources to nodes (Pacemaker 2.1.5 ``pcmk__primitive_assign`` and friends).

Colocations are applied as Pacemaker does: a resource first assigns the primaries it depends
on and takes their placement into its scores (``colocation_match``), then merges in the
preferences of the resources that depend on it (``pcmk__native_merge_weights``), then picks
the best node, preferring the current one on ties.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cmp_to_key

from crm.common.scores import INFINITY, MINUS_INFINITY, add_scores, parse_score, score_text
from pengine.bundles.assign import assign_bundle, attribute_node, bundle_apply_coloc_score
from pengine.clones.bridge import (
    assign_clone_state,
    clone_merge_weights,
    colocate_with_clone,
    promoted_locations,
)
from pengine.model import Clone, ColocationConstraint, Role
from pengine.setup import resource_location
from pengine.utilization import compare_capacity, consume, process_utilization, release, sort_resources
from pengine.working import F, RscState
from pengine.workset import WorkingSet

INFINITY_HACK = INFINITY * -100


def node_can_run(ws: WorkingSet, node: str) -> bool:
    n = ws.nodes.get(node)
    return n is not None and n.available()


def any_node_available(ws: WorkingSet, table: dict[str, int]) -> bool:
    """``can_run_any``: some node that can run resources has a non-negative score."""
    return any(score >= 0 and node_can_run(ws, node) for node, score in table.items())


class Placement:
    """Assignment state and algorithms over a working set; also the clones' AssignContext."""

    def __init__(self, ws: WorkingSet) -> None:
        self.ws = ws
        self.clone_assigning: set[str] = set()
        # clone instances banned by clone-max: provisional until every resource is assigned
        self.left_provisional: list[RscState] = []
        self.expansion: object | None = None
        # clone id -> its instances in the order they were last sorted in (assignment, then
        # promotion), as Pacemaker keeps rsc->children until probes sort them by number again
        self.instance_order: dict[str, list[str]] = {}

    # -- printing ---------------------------------------------------------------------------
    def show_scores(self, function: str, rsc_id: str, table: dict[str, int]) -> None:
        rsc = self.ws.rsc_by_id.get(rsc_id)
        if rsc is not None and rsc.orphan:
            return
        for node in sorted(table):
            self.ws.scores.append(f"{function}: {rsc_id} allocation score on {node}: {score_text(table[node])}")

    def _show_tree(self, function: str, rsc: RscState) -> None:
        self.show_scores(function, rsc.id, rsc.allowed)
        for child in rsc.children:
            self._show_tree(function, child)

    def show_promotion_score(self, rsc_id: str, node: str | None, score: int) -> None:
        self.ws.scores.append(f"{rsc_id} promotion score on {node or 'none'}: {score_text(score)}")

    # -- assignment dispatch ----------------------------------------------------------------
    def assign_rsc(self, rsc: RscState, prefer: str | None) -> str | None:
        if rsc.variant == "primitive":
            return self.assign_primitive(rsc, prefer)
        if rsc.variant == "group":
            return self.assign_group(rsc, prefer)
        if rsc.variant == "clone":
            return self.assign_clone(rsc, prefer)
        if rsc.variant == "bundle":
            assign_bundle(self, rsc, prefer)
            return None
        rsc.provisional = False
        return None

    def assign_clone(self, rsc: RscState, prefer: str | None) -> str | None:
        assign_clone_state(self, rsc)
        rsc.provisional = False
        return None

    # -- groups -----------------------------------------------------------------------------
    def assign_group(self, rsc: RscState, prefer: str | None) -> str | None:
        if not rsc.provisional:
            return rsc.assigned
        if rsc.allocating:
            return None
        if not rsc.children:
            rsc.provisional = False
            return None
        rsc.allocating = True
        first = rsc.children[0]
        last = rsc.children[-1]
        rsc.role = first.role
        first.rsc_cons.extend(rsc.rsc_cons)
        # expand_group_colocations: members after an unmanaged one are not placed through the
        # first member, so they get the group's colocations too (a member that its own
        # assignment makes unmanaged, for want of a fencing device, is still managed here)
        any_unmanaged = False
        for member in rsc.children:
            if any_unmanaged:
                member.rsc_cons.extend(rsc.rsc_cons)
            elif not member.managed and member.id not in self.ws.unmanaged_at_assignment:
                any_unmanaged = True
        rsc.rsc_cons = []
        last.rsc_cons_lhs.extend(rsc.rsc_cons_lhs)
        rsc.rsc_cons_lhs = []
        self._show_tree("pcmk__group_assign", rsc)
        group_node: str | None = None
        for member in rsc.children:
            node = self.assign_rsc(member, prefer)
            if group_node is None:
                group_node = node
        rsc.next_role = first.next_role
        rsc.allocating = False
        rsc.provisional = False
        if not rsc.is_colocated:
            return None
        rsc.assigned = group_node
        return group_node

    # -- primitives -------------------------------------------------------------------------
    def assign_primitive(self, rsc: RscState, prefer: str | None) -> str | None:
        ws = self.ws
        if not rsc.provisional:
            return rsc.assigned
        if rsc.allocating:
            return None
        rsc.allocating = True
        for con in list(rsc.rsc_cons):
            primary = ws.rsc_by_id[con.primary]
            archive: dict[str, int] | None = None
            if con.dependent_role >= Role.PROMOTED or (MINUS_INFINITY < con.score < 0):
                archive = dict(rsc.allowed)
            self.assign_rsc(primary, None)
            self.apply_coloc_score(rsc, primary, con)
            if archive is not None and not any_node_available(ws, rsc.allowed):
                rsc.allowed = archive
        for con in list(rsc.rsc_cons_lhs):
            if not self.colocation_has_influence_rsc(con, None):
                continue
            dependent = ws.rsc_by_id[con.dependent]
            rsc.allowed = self.merge_weights(dependent, rsc.id, rsc.allowed, con.node_attribute,
                                             con.score / INFINITY, rollback=True, positive=False, forward=False)
        if rsc.next_role == Role.STOPPED:
            resource_location(ws, rsc, None, MINUS_INFINITY, "target-role")
        elif rsc.next_role > rsc.role and not ws.have_quorum and ws.no_quorum_policy == "freeze":
            rsc.next_role = rsc.role
        self.show_scores("pcmk__primitive_assign", rsc.id, rsc.allowed)
        if not rsc.managed:
            rsc.next_role = rsc.role
            self.finalize(rsc, rsc.current_node(), force=True)
        elif ws.options.stop_all_resources:
            self.finalize(rsc, None, force=True)
        elif rsc.provisional:
            self.assign_best_node(rsc, prefer)
        rsc.allocating = False
        if rsc.is_remote:
            self._remote_connection_assigned(rsc)
        return rsc.assigned

    def _remote_connection_assigned(self, rsc: RscState) -> None:
        """``remote_connection_assigned``: the remote node will be up where its connection runs."""
        node = self.ws.nodes.get(rsc.id)
        if node is None:
            return
        if rsc.assigned is not None and rsc.next_role != Role.STOPPED:
            node.online = True
            if node.model.unseen or node.unseen:
                node.unclean = False
        else:
            node.shutdown = True

    def sort_nodes(self, rsc: RscState, current: str | None) -> list[str]:
        ws = self.ws
        strategy = ws.options.placement_strategy.lower()

        def weight(n: str) -> int:
            return rsc.allowed[n] if node_can_run(ws, n) else MINUS_INFINITY

        def cmp(a: str, b: str) -> int:
            wa, wb = weight(a), weight(b)
            if wa != wb:
                return -1 if wa > wb else 1
            if strategy != "minimal":
                if strategy == "balanced":
                    r = compare_capacity(ws, a, b)
                    if r:
                        return r
                ca, cb = ws.nodes[a].num_resources, ws.nodes[b].num_resources
                if ca != cb:
                    return -1 if ca < cb else 1
                if current is not None:
                    if a == current:
                        return -1
                    if b == current:
                        return 1
            return (a > b) - (a < b)

        return sorted(rsc.allowed, key=cmp_to_key(cmp))

    def assign_best_node(self, rsc: RscState, prefer: str | None) -> bool:
        ws = self.ws

        util_prefer = process_utilization(ws, self, rsc)
        if prefer is None:
            prefer = util_prefer
        current = rsc.current_node()
        nodes = self.sort_nodes(rsc, current)
        best = nodes[0] if nodes else None
        chosen: str | None = None
        if prefer is not None and prefer in rsc.allowed and node_can_run(ws, prefer) \
                and rsc.allowed[prefer] >= 0 \
                and (best is None or rsc.allowed[prefer] >= rsc.allowed.get(best, MINUS_INFINITY)):
            chosen = prefer
        if chosen is None:
            chosen = best
        return self.finalize(rsc, chosen, force=False)

    def finalize(self, rsc: RscState, chosen: str | None, force: bool) -> bool:
        """``pcmk__finalize_assignment``."""
        ws = self.ws
        if not force and chosen is not None and (
                rsc.allowed.get(chosen, MINUS_INFINITY) < 0 or not node_can_run(ws, chosen)):
            rsc.next_role = Role.STOPPED
            rsc.next_role_reason = rsc.next_role_reason or "node availability"
            chosen = None
        self.unassign(rsc.id)
        rsc.provisional = False
        if chosen is None:
            if rsc.next_role != Role.STOPPED or rsc.next_role_reason is None:
                rsc.next_role_reason = rsc.next_role_reason or "unable to allocate"
            rsc.next_role = Role.STOPPED
            for op in rsc.actions:
                if op.task == "stop":
                    op.clear(F.OPTIONAL)
                elif op.task == "start":
                    op.clear(F.RUNNABLE)
                else:
                    interval = op.meta.get("interval")
                    if interval and interval != "0" and op.meta.get("op_target_rc") != "7":
                        op.clear(F.RUNNABLE)
            return False
        rsc.assigned = chosen
        node = ws.nodes[chosen]
        node.num_resources += 1

        consume(ws, node, rsc)
        prim = rsc.primitive
        if prim is not None:
            used = {k: parse_score(v, 0) for k, v in prim.utilization.items()}
            ws.utilization.append(f"pcmk__finalize_assignment: {rsc.id} utilization on {chosen}:"
                                  f"{_utilization_text(used)}")
        return True

    # -- colocation -------------------------------------------------------------------------
    def colocation_has_influence_rsc(self, con: ColocationConstraint, rsc: RscState | None) -> bool:
        if rsc is None:
            rsc = self.ws.rsc_by_id[con.primary]
        dependent = self.ws.rsc_by_id.get(con.dependent)
        if dependent is not None and dependent.is_remote and dependent.parent is not None \
                and dependent.parent.variant == "bundle" and not rsc.failed and len(rsc.running_on) == 1:
            return False  # a bundle connection does not move its clean, active container
        return con.influence or not rsc.running_on

    def apply_coloc_score(self, dependent: RscState, primary: RscState, con: ColocationConstraint) -> None:
        """``rsc_colocation_lh`` -> the primary's ``rsc_colocation_rh``."""
        if primary.variant == "group":
            if primary.provisional:
                return
            if primary.is_colocated and primary.children:
                member = primary.children[-1] if con.score >= INFINITY else primary.children[0]
                self.apply_coloc_score(dependent, member, con)
            return
        if primary.variant == "clone":
            colocate_with_clone(self, dependent, primary, con)
            return
        if primary.variant == "bundle":
            bundle_apply_coloc_score(self, dependent, primary, con)
            return
        self.primitive_coloc_rh(dependent, primary, con)

    def filter_colocation(self, dependent: RscState, primary: RscState, con: ColocationConstraint,
                          preview: bool) -> str:
        if not preview and primary.provisional:
            return "nothing"
        top = dependent.parent
        if (con.dependent_role >= Role.UNPROMOTED and top is not None and isinstance(top.model, Clone)
                and top.model.promotable and not dependent.provisional):
            return "priority"
        if not preview and not dependent.provisional:
            return "nothing"
        if con.score > 0 and con.dependent_role != Role.UNKNOWN and con.dependent_role != dependent.next_role:
            return "nothing"
        if con.score > 0 and con.primary_role != Role.UNKNOWN and con.primary_role != primary.next_role:
            return "nothing"
        if con.score < 0 and con.dependent_role != Role.UNKNOWN and con.dependent_role == dependent.next_role:
            return "nothing"
        if con.score < 0 and con.primary_role != Role.UNKNOWN and con.primary_role == primary.next_role:
            return "nothing"
        return "location"

    def primitive_coloc_rh(self, dependent: RscState, primary: RscState, con: ColocationConstraint) -> None:
        result = self.filter_colocation(dependent, primary, con, False)
        if result == "location":
            self.colocation_match(dependent, primary, con)

    def colocation_match(self, dependent: RscState, primary: RscState, con: ColocationConstraint) -> None:
        ws = self.ws
        attribute = con.node_attribute or "#uname"
        value: str | None = None
        if primary.assigned is not None:
            value = ws.nodes[primary.assigned].model.attributes.get(attribute)
        elif con.score < 0:
            return
        work = dict(dependent.allowed)
        for node in work:
            if primary.assigned is None:
                work[node] = add_scores(-con.score, work[node])
            elif ws.nodes[node].model.attributes.get(attribute) == value and value is not None:
                if con.score < INFINITY:
                    work[node] = add_scores(con.score, work[node])
            elif con.score >= INFINITY:
                work[node] = add_scores(-con.score, work[node])
        if con.score <= MINUS_INFINITY or con.score >= INFINITY or any_node_available(ws, work):
            dependent.allowed = work

    def best_score_matching(self, rsc: RscState, attr: str, value: str | None) -> int:
        ws = self.ws
        best = MINUS_INFINITY
        for node, score in rsc.allowed.items():
            if score > best and node_can_run(ws, node) and value is not None and \
                    ws.nodes[node].model.attributes.get(attr) == value:
                best = score
        return best

    def add_scores_matching_attr(self, work: dict[str, int], rsc: RscState, attr: str, factor: float,
                                 only_positive: bool) -> None:
        ws = self.ws
        attr = attr or "#uname"
        # best_score_matching for every value at once: one pass over the allowed nodes, not one per node
        best_by_value: dict[str, int] = {}
        for other, other_score in rsc.allowed.items():
            if node_can_run(ws, other):
                other_value = ws.nodes[other].model.attributes.get(attr)
                if other_value is not None and other_score > best_by_value.get(other_value, MINUS_INFINITY):
                    best_by_value[other_value] = other_score
        for node in list(work):
            value = ws.nodes[node].model.attributes.get(attr)
            score = MINUS_INFINITY if value is None else best_by_value.get(value, MINUS_INFINITY)
            if factor < 0 and score < 0:
                continue
            if work[node] == INFINITY_HACK:
                continue
            weight_f = factor * score
            weight = int(weight_f - 0.5) if weight_f < 0 else int(weight_f + 0.5)
            if weight == 0 and score != 0:
                weight = 1 if factor > 0 else -1 if factor < 0 else 0
            new_score = add_scores(weight, work[node])
            if only_positive and new_score < 0 and work[node] > 0:
                work[node] = INFINITY_HACK
                continue
            if only_positive and new_score < 0 and work[node] == 0:
                continue
            work[node] = new_score

    def merge_weights(self, rsc: RscState, primary_id: str, nodes: dict[str, int] | None, attr: str,
                      factor: float, *, rollback: bool, positive: bool, forward: bool = False,
                      init: bool = False) -> dict[str, int]:
        """``rsc->cmds->merge_weights``."""
        if rsc.variant == "group":
            return self._group_merge_weights(rsc, primary_id, nodes, attr, factor, rollback=rollback,
                                             positive=positive, forward=forward, init=init)
        if rsc.variant == "clone":
            return clone_merge_weights(self, rsc, primary_id, nodes, attr, factor, rollback=rollback,
                                       positive=positive, forward=forward, init=init)
        return self.native_merge_weights(rsc, primary_id, nodes, attr, factor, rollback=rollback,
                                          positive=positive, forward=forward, init=init)

    def _group_merge_weights(self, rsc: RscState, primary_id: str, nodes: dict[str, int] | None, attr: str,
                             factor: float, *, rollback: bool, positive: bool, forward: bool,
                             init: bool) -> dict[str, int]:
        if rsc.merging:
            return nodes if nodes is not None else {}
        if not rsc.children:
            return nodes if nodes is not None else dict(rsc.allowed)
        rsc.merging = True
        member = rsc.children[0]
        result = self.merge_weights(member, primary_id, nodes, attr, factor, rollback=rollback,
                                    positive=positive, forward=forward, init=init)
        for con in rsc.rsc_cons_lhs:
            if con.score == 0:
                continue
            dep = self.ws.rsc_by_id[con.dependent]
            result = self.native_merge_weights(dep, rsc.id, result, con.node_attribute, con.score / INFINITY,
                                                rollback=rollback, positive=positive, forward=forward)
        rsc.merging = False
        return result

    def native_merge_weights(self, rsc: RscState, primary_id: str, nodes: dict[str, int] | None, attr: str,
                              factor: float, *, rollback: bool, positive: bool, forward: bool,
                              init: bool = False) -> dict[str, int]:
        ws = self.ws
        if rsc.merging:
            return nodes if nodes is not None else {}
        rsc.merging = True
        is_group = rsc.variant == "group" and bool(rsc.children)
        if init or nodes is None:
            if is_group:
                work = self.native_merge_weights(rsc.children[-1], primary_id, None, attr, factor,
                                                  rollback=rollback, positive=positive, forward=forward, init=True)
            else:
                work = dict(rsc.allowed)
        elif is_group:
            work = self.native_merge_weights(rsc.children[-1], primary_id, nodes, attr, factor,
                                              rollback=rollback, positive=positive, forward=forward)
        else:
            work = dict(nodes)
            self.add_scores_matching_attr(work, rsc, attr, factor, positive)
        if any_node_available(ws, work):
            multiplier = -1 if factor < 0 else 1
            if forward:
                cons = list(rsc.rsc_cons)
            elif is_group:
                cons = list(rsc.children[-1].rsc_cons_lhs)
            else:
                cons = list(rsc.rsc_cons_lhs)
            for con in cons:
                if forward:
                    other = ws.rsc_by_id[con.primary]
                elif not self.colocation_has_influence_rsc(con, None):
                    continue
                else:
                    other = ws.rsc_by_id[con.dependent]
                work = self.merge_weights(other, primary_id, work, con.node_attribute,
                                          multiplier * con.score / INFINITY, rollback=True, positive=positive,
                                          forward=forward)
        elif rollback:
            rsc.merging = False
            return nodes if nodes is not None else {}
        if positive:
            for node in work:
                if work[node] == INFINITY_HACK:
                    work[node] = 1
        rsc.merging = False
        return work

    # ==================================================================================
    # AssignContext protocol (pengine.clones.assign)

    def node_names(self) -> Sequence[str]:
        return list(self.ws.node_order)

    def can_run_resources(self, node: str) -> bool:
        n = self.ws.nodes.get(node)
        return n is not None and n.online and not n.unclean and not n.shutdown and not n.standby \
            and not n.maintenance and not n.pending

    def node_available(self, node: str) -> bool:
        return node_can_run(self.ws, node)

    def guest_container_placed(self, node: str) -> bool:
        """``pcmk__node_available(.., consider_guest)``: a guest node can host resources only
        if its container is assigned somewhere (true for other nodes)."""
        container = self.ws.guest_container(node)
        return container is None or container.assigned is not None

    def scores(self, rsc_id: str) -> dict[str, int]:
        return self.ws.rsc_by_id[rsc_id].allowed

    def set_scores(self, rsc_id: str, table: dict[str, int]) -> None:
        self.ws.rsc_by_id[rsc_id].allowed = table

    def running_on(self, rsc_id: str) -> Sequence[str]:
        rsc = self.ws.rsc_by_id[rsc_id]
        if rsc.variant == "primitive":
            return list(rsc.running_on)
        out: list[str] = []
        for child in rsc.children:
            for n in self.running_on(child.id):
                if n not in out:
                    out.append(n)
        return out

    def is_provisional(self, rsc_id: str) -> bool:
        return self.ws.rsc_by_id[rsc_id].provisional

    def is_failed(self, rsc_id: str) -> bool:
        rsc = self.ws.rsc_by_id[rsc_id]
        return rsc.failed or any(self.is_failed(c.id) for c in rsc.children)

    def is_blocked(self, rsc_id: str) -> bool:
        rsc = self.ws.rsc_by_id[rsc_id]
        return rsc.blocked or any(self.is_blocked(c.id) for c in rsc.children)

    def is_managed(self, rsc_id: str) -> bool:
        return self.ws.rsc_by_id[rsc_id].managed

    def priority(self, rsc_id: str) -> int:
        return self.ws.rsc_by_id[rsc_id].priority

    def assigned_node(self, rsc_id: str) -> str | None:
        return self.ws.rsc_by_id[rsc_id].assigned

    def assign(self, rsc_id: str, prefer: str | None) -> str | None:
        return self.assign_rsc(self.ws.rsc_by_id[rsc_id], prefer)

    def unassign(self, rsc_id: str) -> None:
        rsc = self.ws.rsc_by_id[rsc_id]
        for child in rsc.children:
            self.unassign(child.id)
        if rsc.assigned is not None:
            node = self.ws.nodes.get(rsc.assigned)
            if node is not None:
                node.num_resources -= 1

                release(self.ws, node, rsc)
            rsc.assigned = None
        rsc.provisional = True

    def ban(self, rsc_id: str, reason: str) -> None:
        resource_location(self.ws, self.ws.rsc_by_id[rsc_id], None, MINUS_INFINITY, reason)

    def colocations_as_dependent(self, rsc_id: str) -> list[ColocationConstraint]:
        return self.ws.rsc_by_id[rsc_id].rsc_cons

    def colocations_as_primary(self, rsc_id: str) -> list[ColocationConstraint]:
        return self.ws.rsc_by_id[rsc_id].rsc_cons_lhs

    def add_colocation_as_dependent(self, rsc_id: str, coloc: ColocationConstraint) -> None:
        self.ws.rsc_by_id[rsc_id].rsc_cons.insert(0, coloc)

    def add_colocation_as_primary(self, rsc_id: str, coloc: ColocationConstraint) -> None:
        self.ws.rsc_by_id[rsc_id].rsc_cons_lhs.insert(0, coloc)

    def colocation_has_influence(self, coloc: ColocationConstraint, rsc_id: str | None) -> bool:
        return self.colocation_has_influence_rsc(coloc, self.ws.rsc_by_id[rsc_id] if rsc_id else None)

    def merge_scores(self, rsc_id: str, primary_id: str, table: dict[str, int], attribute: str,
                     factor: float, *, positive: bool, rollback: bool, init: bool = False) -> dict[str, int]:
        return self.merge_weights(self.ws.rsc_by_id[rsc_id], primary_id, table, attribute, factor,
                                  rollback=rollback, positive=positive, init=init)

    def node_attribute(self, node: str, name: str) -> str | None:
        where = attribute_node(self.ws, node)
        n = self.ws.nodes.get(where) if where is not None else None
        return n.model.attributes.get(name) if n else None

    def next_role(self, rsc_id: str) -> Role:
        return self.ws.rsc_by_id[rsc_id].next_role

    def current_role(self, rsc_id: str) -> Role:
        return self.ws.rsc_by_id[rsc_id].role

    def known_on(self, rsc_id: str) -> Sequence[str]:
        return sorted(self.ws.rsc_by_id[rsc_id].known_on)

    def history_name(self, rsc_id: str) -> str | None:
        return self.ws.rsc_by_id[rsc_id].history_id

    def promoted_locations(self, rsc_id: str) -> list[dict[str, int]]:
        return promoted_locations(self, rsc_id)

    def set_next_role(self, rsc_id: str, role: Role) -> None:
        rsc = self.ws.rsc_by_id[rsc_id]
        rsc.next_role = role
        for child in rsc.children:
            self.set_next_role(child.id, role)

    def set_current_role(self, rsc_id: str, role: Role) -> None:
        self.ws.rsc_by_id[rsc_id].role = role

    def is_clone(self, rsc_id: str) -> bool:
        return self.ws.rsc_by_id[rsc_id].variant == "clone"

    def clone_instances(self, rsc_id: str) -> Sequence[str]:
        ids = [c.id for c in self.ws.rsc_by_id[rsc_id].children]
        order = self.instance_order.get(rsc_id)
        if order is None:
            return ids
        return [*(i for i in order if i in ids), *(i for i in ids if i not in order)]

    def set_instance_order(self, rsc_id: str, instance_ids: Sequence[str]) -> None:
        self.instance_order[rsc_id] = list(instance_ids)

    def assigned_node_of_any(self, rsc_id: str) -> str | None:
        rsc = self.ws.rsc_by_id[rsc_id]
        if rsc.variant == "group":
            return rsc.children[0].assigned if rsc.children and not rsc.provisional else rsc.assigned
        return rsc.assigned


def assign_all(ws: WorkingSet, placement: Placement) -> None:
    """``allocate_resources``: remote connections first, then everything in priority order."""
    if ws.options.placement_strategy.lower() != "default":
        sort_resources(ws, placement)
    _show_capacities(ws, "Original")
    for rsc in ws.resources:
        if rsc.is_remote:
            placement.assign_rsc(rsc, None)
    for rsc in ws.resources:
        if not rsc.is_remote:
            placement.assign_rsc(rsc, None)
    for rsc in placement.left_provisional:
        if rsc.provisional:
            # assigned nowhere, scores not shown (as in Pacemaker)
            placement.finalize(rsc, None, force=True)
    _show_capacities(ws, "Remaining")


def _utilization_text(values: dict[str, int]) -> str:
    return "".join(f" {k}={v}" for k, v in sorted(values.items()))


def _show_capacities(ws: WorkingSet, label: str) -> None:
    """``pcmk__show_node_capacities``: the -U lines for every node."""
    for node in ws.node_order:
        ws.utilization.append(f"{label}: {node} capacity:{_utilization_text(ws.nodes[node].remaining)}")
