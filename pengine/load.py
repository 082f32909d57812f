"""Load orderings for utilization placement (``pcmk__create_utilization_constraints``)."""

from __future__ import annotations

from pengine.working import Action, F, O, RscState
from pengine.workset import WorkingSet, op_key


def _load_stopped(ws: WorkingSet, node: str) -> Action:
    """``new_load_stopped_op``: the pseudo action ``load_stopped_<node>``, required once it has a node."""
    key = f"load_stopped_{node}"
    load = ws.singletons.get(key)
    if load is None:
        load = ws.custom_action(None, key, key, None, True)
        load.set(F.PSEUDO | F.RUNNABLE)
        ws.singletons[key] = load
    if load.node is None:
        load.node = node
        load.clear(F.OPTIONAL)
    return load


def create_utilization_constraints(ws: WorkingSet, rsc: RscState) -> None:
    """Order the resource's stops (on the nodes it is active on) before ``load_stopped_<node>``,
    and its starts (on the nodes it is allowed on) after it."""
    for node in ws.node_order:  # running_on in the order the status was read
        if node not in rsc.running_on:
            continue
        load = _load_stopped(ws, node)
        ws.new_ordering(rsc, op_key(rsc.id, "stop"), None, None, load.key, load, O.LOAD)
    for node in sorted(rsc.allowed):
        load = _load_stopped(ws, node)
        ws.new_ordering(None, load.key, load, rsc, op_key(rsc.id, "start"), None, O.LOAD)
        ws.new_ordering(None, load.key, load, rsc, op_key(rsc.id, "migrate_to"), None, O.LOAD)
