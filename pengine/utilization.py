"""Utilization-based placement (``placement-strategy`` utilization / minimal / balanced)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pengine.scores import MINUS_INFINITY, parse_score
from pengine.working import NodeState, RscState
from pengine.workset import WorkingSet

if TYPE_CHECKING:
    from pengine.placement import Placement


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
    for k, v in need.items():
        if v <= 0:
            continue
        if node.remaining.get(k, 0) < v:
            return False
    return True


def _group_need(rsc: RscState) -> dict[str, int]:
    """Utilization of a primitive plus, when it is first in a group, the rest of the group."""
    parent = rsc.parent
    if parent is not None and parent.variant == "group" and parent.children and parent.children[0] is rsc:
        total: dict[str, int] = {}
        for member in parent.children:
            if member.provisional:
                for k, v in _rsc_utilization(member).items():
                    total[k] = total.get(k, 0) + v
        return total
    return _rsc_utilization(rsc)


def process_utilization(ws: WorkingSet, placement: Placement, rsc: RscState) -> None:
    """``process_utilization``: forbid nodes without enough remaining capacity."""
    if not _enabled(ws):
        return
    need = _group_need(rsc)
    if not any(v > 0 for v in need.values()):
        return
    for node in list(rsc.allowed):
        ns = ws.nodes[node]
        if not _has_capacity(ns, need):
            rsc.allowed[node] = MINUS_INFINITY


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
