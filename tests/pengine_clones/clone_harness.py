"""A small reference assignment state implementing the clone code's ``AssignContext``.

It supports what the clone unit tests need and no more: primitives and primitive clones,
node-based location constraints (no rules), stickiness, standby/offline nodes, node
attributes, no colocations. Placement follows Pacemaker's ``native_choose_node`` (score, then
fewest assigned resources, then the current node, then node name).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from crm.common.scores import INFINITY, MINUS_INFINITY, add_scores, parse_score
from pengine.clones.assign import assign_clone
from pengine.clones.expand import CloneExpansion, ExpandedClone, expand_clones
from pengine.model import Cluster, ColocationConstraint, Primitive, Role


@dataclass
class RscState:
    rsc_id: str
    table: dict[str, int]
    running_on: list[str] = field(default_factory=list)
    role: Role = Role.STOPPED
    next_role: Role = Role.UNKNOWN
    provisional: bool = True
    assigned: str | None = None
    failed: bool = False
    known_on: list[str] = field(default_factory=list)
    history_name: str | None = None
    colocs_dep: list[ColocationConstraint] = field(default_factory=list)
    colocs_pri: list[ColocationConstraint] = field(default_factory=list)
    stickiness: int = 0
    priority: int = 0
    managed: bool = True


def _score_line(function: str, rsc_id: str, node: str, score: int) -> str:
    if score >= INFINITY:
        text = "INFINITY"
    elif score <= MINUS_INFINITY:
        text = "-INFINITY"
    else:
        text = str(score)
    return f"{function}: {rsc_id} allocation score on {node}: {text}"


def _score_text(score: int) -> str:
    if score >= INFINITY:
        return "INFINITY"
    if score <= MINUS_INFINITY:
        return "-INFINITY"
    return str(score)


class ReferenceState:
    """Assignment state for one cluster; ``run()`` assigns everything and keeps score lines."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.expansion: CloneExpansion = expand_clones(cluster)
        self.nodes = {n.uname: n for n in cluster.nodes}
        self.lines: list[str] = []
        self.rsc: dict[str, RscState] = {}
        self.num_resources: dict[str, int] = {n: 0 for n in self.nodes}
        self.order: list[str] = []
        self.instance_order: dict[str, list[str]] = {}
        symmetric = cluster.options.symmetric_cluster

        def base_table() -> dict[str, int]:
            return {n: 0 for n in self.nodes} if symmetric else {}

        def add(rsc_id: str, meta: dict[str, str], inside_clone: bool) -> RscState:
            sticky_text = meta.get("resource-stickiness", cluster.rsc_defaults.get("resource-stickiness"))
            stickiness = parse_score(sticky_text, 1 if inside_clone else 0)
            state = RscState(rsc_id, base_table(), stickiness=stickiness,
                             priority=parse_score(meta.get("priority"), 0))
            self.rsc[rsc_id] = state
            return state

        for top in cluster.resources:
            self.order.append(top.id)
            if isinstance(top, Primitive):
                add(top.id, dict(top.meta), False)
        for clone in self.expansion.clones.values():
            add(clone.id, dict(clone.clone.meta), False)
            for inst in clone.instances:
                prim = inst.members[0]
                state = add(inst.id, dict(prim.meta), True)
                state.managed = prim.meta.get("is-managed", "true") != "false"

        for loc in cluster.locations:
            if loc.node is None or loc.score is None or loc.rsc is None \
                    or loc.role not in (Role.UNKNOWN, Role.STARTED, Role.UNPROMOTED):
                continue
            targets = [loc.rsc]
            constrained = self.expansion.clones.get(loc.rsc)
            if constrained is not None:
                targets += [i.id for i in constrained.instances]
            for rsc_id in targets:
                table = self.rsc[rsc_id].table
                table[loc.node] = add_scores(table.get(loc.node, 0), loc.score)

        for hist in self.expansion.history:
            found = self.rsc.get(hist.rsc_id)
            if found is None:
                continue
            state = found
            state.known_on.append(hist.node)
            if hist.role not in (Role.STOPPED, Role.UNKNOWN):
                state.running_on.append(hist.node)
                self.num_resources[hist.node] = self.num_resources.get(hist.node, 0) + 1
                state.role = max(state.role, hist.role)
            if hist.failed:
                state.failed = True

        for state in self.rsc.values():
            if state.managed and state.stickiness and len(state.running_on) == 1:
                node = state.running_on[0]
                if node in state.table or symmetric:
                    state.table[node] = add_scores(state.table.get(node, 0), state.stickiness)

    # -- AssignContext ---------------------------------------------------------------------
    def node_names(self) -> Sequence[str]:
        return list(self.nodes)

    def can_run_resources(self, node: str) -> bool:
        n = self.nodes[node]
        return n.online and not (n.unclean or n.standby or n.maintenance or n.shutdown)

    def node_available(self, node: str) -> bool:
        return self.can_run_resources(node)

    def guest_container_placed(self, node: str) -> bool:
        return True  # this model has cluster nodes only, no guest nodes

    def scores(self, rsc_id: str) -> dict[str, int]:
        return self.rsc[rsc_id].table

    def set_scores(self, rsc_id: str, table: dict[str, int]) -> None:
        self.rsc[rsc_id].table = table

    def running_on(self, rsc_id: str) -> Sequence[str]:
        return self.rsc[rsc_id].running_on

    def is_provisional(self, rsc_id: str) -> bool:
        return self.rsc[rsc_id].provisional

    def is_failed(self, rsc_id: str) -> bool:
        return self.rsc[rsc_id].failed

    def is_blocked(self, rsc_id: str) -> bool:
        return False

    def is_managed(self, rsc_id: str) -> bool:
        return self.rsc[rsc_id].managed

    def priority(self, rsc_id: str) -> int:
        return self.rsc[rsc_id].priority

    def assigned_node(self, rsc_id: str) -> str | None:
        return self.rsc[rsc_id].assigned

    def assigned_node_of_any(self, rsc_id: str) -> str | None:
        return self.rsc[rsc_id].assigned

    def _clone(self, rsc_id: str) -> ExpandedClone | None:
        return self.expansion.clones.get(rsc_id)

    def assign(self, rsc_id: str, prefer: str | None) -> str | None:
        clone = self._clone(rsc_id)
        if clone is not None:
            assign_clone(self, clone, assigning=set())
            return None
        state = self.rsc[rsc_id]
        if not state.provisional:
            return state.assigned
        owner = self.expansion.clone_of(rsc_id)
        inst = owner.instance(rsc_id) if owner is not None else None
        if inst is None or not inst.orphan:
            for node, score in state.table.items():
                self.lines.append(_score_line("pcmk__primitive_assign", rsc_id, node, score))
        candidates = sorted(
            state.table.items(),
            key=lambda item: (
                -(item[1] if self.can_run_resources(item[0]) else MINUS_INFINITY),
                self.num_resources[item[0]],
                0 if state.running_on[:1] == [item[0]] else 1,
                item[0],
            ),
        )
        chosen: str | None = None
        if candidates:
            best_node, best_score = candidates[0]
            if prefer is not None and prefer in state.table and state.table[prefer] >= best_score \
                    and self.can_run_resources(prefer):
                chosen = prefer
            else:
                chosen = best_node
                unique = owner is not None and owner.config.globally_unique
                current = state.running_on[0] if state.running_on else None
                if not unique and current is not None and self.can_run_resources(current):
                    for node, score in candidates[1:]:
                        if score != best_score:
                            break
                        if node == current:
                            chosen = node
        if chosen is not None and (state.table.get(chosen, MINUS_INFINITY) < 0
                                   or not self.can_run_resources(chosen)):
            chosen = None
        state.provisional = False
        state.assigned = chosen
        state.next_role = Role.STARTED if chosen is not None else Role.STOPPED
        if chosen is not None:
            self.num_resources[chosen] += 1
        return chosen

    def unassign(self, rsc_id: str) -> None:
        state = self.rsc[rsc_id]
        if state.assigned is not None:
            self.num_resources[state.assigned] -= 1
        state.assigned = None
        state.provisional = True
        state.next_role = Role.UNKNOWN

    def ban(self, rsc_id: str, reason: str) -> None:
        table = self.rsc[rsc_id].table
        for node in table:
            table[node] = MINUS_INFINITY

    def show_scores(self, function: str, rsc_id: str, table: dict[str, int]) -> None:
        for node, score in table.items():
            self.lines.append(_score_line(function, rsc_id, node, score))

    def colocations_as_dependent(self, rsc_id: str) -> list[ColocationConstraint]:
        return self.rsc[rsc_id].colocs_dep

    def colocations_as_primary(self, rsc_id: str) -> list[ColocationConstraint]:
        return self.rsc[rsc_id].colocs_pri

    def add_colocation_as_dependent(self, rsc_id: str, coloc: ColocationConstraint) -> None:
        self.rsc[rsc_id].colocs_dep.insert(0, coloc)

    def add_colocation_as_primary(self, rsc_id: str, coloc: ColocationConstraint) -> None:
        self.rsc[rsc_id].colocs_pri.insert(0, coloc)

    def colocation_has_influence(self, coloc: ColocationConstraint, rsc_id: str | None) -> bool:
        return coloc.influence

    def merge_scores(self, rsc_id: str, primary_id: str, table: dict[str, int], attribute: str,
                     factor: float, *, positive: bool, rollback: bool, init: bool = False) -> dict[str, int]:
        return table

    def node_attribute(self, node: str, name: str) -> str | None:
        if name == "#uname":
            return node
        return self.nodes[node].attributes.get(name)

    def next_role(self, rsc_id: str) -> Role:
        return self.rsc[rsc_id].next_role

    def current_role(self, rsc_id: str) -> Role:
        return self.rsc[rsc_id].role

    def known_on(self, rsc_id: str) -> Sequence[str]:
        return self.rsc[rsc_id].known_on

    def history_name(self, rsc_id: str) -> str | None:
        return self.expansion.history_names.get(rsc_id)

    def promoted_locations(self, rsc_id: str) -> list[dict[str, int]]:
        out: list[dict[str, int]] = []
        for loc in self.cluster.locations:
            owner = self.expansion.clone_of(rsc_id)
            ids = {rsc_id} | ({owner.id} if owner is not None else set())
            if loc.role == Role.PROMOTED and loc.node is not None and loc.score is not None \
                    and loc.rsc in ids:
                out.append({loc.node: loc.score})
        return out

    def set_next_role(self, rsc_id: str, role: Role) -> None:
        self.rsc[rsc_id].next_role = role

    def set_current_role(self, rsc_id: str, role: Role) -> None:
        self.rsc[rsc_id].role = role

    def show_promotion_score(self, rsc_id: str, node: str | None, score: int) -> None:
        self.lines.append(f"{rsc_id} promotion score on {node or 'none'}: {_score_text(score)}")

    def is_clone(self, rsc_id: str) -> bool:
        return rsc_id in self.expansion.clones

    def clone_instances(self, rsc_id: str) -> Sequence[str]:
        ids = [i.id for i in self.expansion.clones[rsc_id].instances]
        order = self.instance_order.get(rsc_id, [])
        return [*(i for i in order if i in ids), *(i for i in ids if i not in order)]

    def set_instance_order(self, rsc_id: str, instance_ids: Sequence[str]) -> None:
        self.instance_order[rsc_id] = list(instance_ids)

    # -- driver ----------------------------------------------------------------------------
    def run(self) -> list[str]:
        for rsc_id in sorted(self.order, key=lambda r: -self.rsc[r].priority):
            self.assign(rsc_id, None)
        return sorted(self.lines)
