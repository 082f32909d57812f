"""Load orderings for utilization placement (``pcmk__create_utilization_constraints``)."""

from __future__ import annotations

from pengine.working import F, O, RscState
from pengine.workset import WorkingSet, op_key


def create_utilization_constraints(ws: WorkingSet, rsc: RscState) -> None:
    """Order the resource's stop before, and start after, ``load_stopped_<node>`` of each node."""
    for node in sorted(rsc.allowed):
        key = f"load_stopped_{node}"
        load = ws.singletons.get(key)
        if load is None:
            load = ws.custom_action(None, key, key, None, True)
            load.set(F.PSEUDO | F.RUNNABLE)
            ws.singletons[key] = load
        if load.node is None:
            load.node = node
            load.clear(F.OPTIONAL)
        ws.new_ordering(rsc, op_key(rsc.id, "stop"), None, None, load.key, load, O.LOAD)
        ws.new_ordering(None, load.key, load, rsc, op_key(rsc.id, "start"), None, O.LOAD)
        ws.new_ordering(None, load.key, load, rsc, op_key(rsc.id, "migrate_to"), None, O.LOAD)
