"""Utilization-based placement (``placement-strategy`` utilization / minimal / balanced)."""

from __future__ import annotations

from functools import cmp_to_key

from crm.common.scores import INFINITY, MINUS_INFINITY, parse_score
from pengine.placement_context import PlacementState
from pengine.setup import resource_location
from pengine.working import NodeState, RscState
from pengine.workset import WorkingSet


def _rsc_utilization(rsc: RscState) -> dict[str, int]:
    prim = rsc.primitive
    if prim is None:
        total: dict[str, int] = {}
        for child in rsc.children:
            for k, v in _rsc_utilization(child).items():
                total[k] = total.get(k, 0) + v
        return total
    return {k: parse_score(v, 0) for k, v in prim.utilization.items()}


def _enabled(ws: WorkingSet) -> bool:
    return ws.options.placement_strategy.lower() != "default"


def consume(ws: WorkingSet, node: NodeState, rsc: RscState) -> None:
    if rsc.primitive is None:
        return
    for k, v in _rsc_utilization(rsc).items():
        node.remaining[k] = node.remaining.get(k, 0) - v


def release(ws: WorkingSet, node: NodeState, rsc: RscState) -> None:
    if rsc.primitive is None:
        return
    for k, v in _rsc_utilization(rsc).items():
        node.remaining[k] = node.remaining.get(k, 0) + v


def _has_capacity(node: NodeState, need: dict[str, int]) -> bool:
    return all(v <= node.remaining.get(k, 0) for k, v in need.items())


def _colocated(placement: PlacementState, rsc: RscState, found: list[RscState]) -> list[RscState]:
    """``find_colocated_rscs``: resources tied to ``rsc`` by INFINITY colocations."""
    ws = placement.ws
    if rsc in found:
        return found
    found.append(rsc)
    for con in rsc.rsc_cons:
        primary = ws.rsc_by_id.get(con.primary)
        if primary is None:
            continue
        if con.score >= INFINITY and placement.filter_colocation(rsc, primary, con, True) == "location":
            _colocated(placement, primary, found)
    for con in rsc.rsc_cons_lhs:
        dependent = ws.rsc_by_id.get(con.dependent)
        if dependent is None:
            continue
        if rsc.variant == "clone" and dependent.variant != "clone":
            continue
        if con.score >= INFINITY and placement.filter_colocation(dependent, rsc, con, True) == "location":
            _colocated(placement, dependent, found)
    return found


def _own_utilization(rsc: RscState) -> dict[str, int]:
    prim = rsc.primitive
    if prim is None:
        if rsc.variant == "group":
            return {k: parse_score(v, 0) for k, v in getattr(rsc.model, "utilization", {}).items()}
        return {}
    return {k: parse_score(v, 0) for k, v in prim.utilization.items()}


def _node_ok(ws: WorkingSet, rsc: RscState, node: str) -> bool:
    ns = ws.nodes[node]
    return ns.available() and not ns.pending and rsc.allowed[node] >= 0


def process_utilization(ws: WorkingSet, placement: PlacementState, rsc: RscState) -> str | None:
    """``process_utilization``: ban nodes without room; returns the most capable node as a
    preference when no node has room for the resource and its colocated resources."""
    if not _enabled(ws):
        return None
    prefer: str | None = None
    any_capable = False
    colocated = _colocated(placement, rsc, [])
    if colocated:
        total: dict[str, int] = {}
        for other in colocated:
            if not other.provisional:
                continue
            for k, v in _own_utilization(other).items():
                total[k] = total.get(k, 0) + v
        most: str | None = None
        for node in list(rsc.allowed):
            if not _node_ok(ws, rsc, node):
                continue
            if _has_capacity(ws.nodes[node], total):
                any_capable = True
            if most is None or compare_capacity(ws, node, most) < 0:
                most = node
        if any_capable:
            for node in list(rsc.allowed):
                if _node_ok(ws, rsc, node) and not _has_capacity(ws.nodes[node], total):
                    resource_location(ws, rsc, node, MINUS_INFINITY, "__limit_utilization__")
        else:
            prefer = most
    if not any_capable:
        need = _own_utilization(rsc)
        for node in list(rsc.allowed):
            if _node_ok(ws, rsc, node) and not _has_capacity(ws.nodes[node], need):
                resource_location(ws, rsc, node, MINUS_INFINITY, "__limit_utilization__")
    return prefer


def sort_resources(ws: WorkingSet, placement: PlacementState) -> None:
    """``pcmk__sort_resources``: order of assignment for non-default placement strategies."""
    def node_cmp(a: str, b: str) -> int:
        return _cmp_nodes_plain(ws, a, b)

    nodes = sorted(ws.node_order, key=cmp_to_key(node_cmp))
    tables: dict[str, dict[str, int]] = {}

    def table(r: RscState) -> dict[str, int]:
        if r.id not in tables:
            # pcmk__native_merge_weights whatever the variant (a group starts from its last member)
            tables[r.id] = placement.native_merge_weights(r, r.id, None, "#uname", 1.0, rollback=False,
                                                          positive=False, forward=True, init=True)
        return tables[r.id]

    def cmp(r1: RscState, r2: RscState) -> int:
        if r1.priority != r2.priority:
            return -1 if r1.priority > r2.priority else 1
        t1, t2 = table(r1), table(r2)
        w1 = w2 = MINUS_INFINITY
        n1, n2 = _current_node(r1), _current_node(r2)
        if n1 is not None:
            w1 = t1.get(n1, MINUS_INFINITY)
        if n2 is not None:
            w2 = t2.get(n2, MINUS_INFINITY)
        if w1 != w2:
            return -1 if w1 > w2 else 1
        for node in nodes:
            a, b = t1.get(node, MINUS_INFINITY), t2.get(node, MINUS_INFINITY)
            if a != b:
                return -1 if a > b else 1
        return 0

    ws.resources.sort(key=cmp_to_key(cmp))


def _current_node(rsc: RscState) -> str | None:
    """``pe__current_node``: a collective is active where its members are (Pacemaker adds every
    node a primitive runs on to its parents' ``running_on`` as well)."""
    if rsc.running_on:
        return rsc.running_on[0]
    for child in rsc.children:
        node = _current_node(child)
        if node is not None:
            return node
    return None


def _cmp_nodes_plain(ws: WorkingSet, a: str, b: str) -> int:
    na, nb = ws.nodes[a], ws.nodes[b]
    wa = na.model.weight if na.available() else MINUS_INFINITY
    wb = nb.model.weight if nb.available() else MINUS_INFINITY
    if wa != wb:
        return -1 if wa > wb else 1
    strategy = ws.options.placement_strategy.lower()
    if strategy == "minimal":
        return (a > b) - (a < b)
    if strategy == "balanced":
        r = compare_capacity(ws, a, b)
        if r:
            return -1 if r < 0 else 1
    if na.num_resources != nb.num_resources:
        return -1 if na.num_resources < nb.num_resources else 1
    return (a > b) - (a < b)


def compare_capacity(ws: WorkingSet, a: str, b: str) -> int:
    """``pcmk__compare_node_capacities``: negative when ``a`` has more room."""
    ua = ws.nodes[a].remaining
    ub = ws.nodes[b].remaining
    result = 0
    for key in list(ua) + [k for k in ub if k not in ua]:
        va, vb = ua.get(key, 0), ub.get(key, 0)
        if va < vb:
            result += 1
        elif va > vb:
            result -= 1
    return result
