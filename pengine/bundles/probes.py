"""Orderings of a bundle container's probes (``pcmk__bundle_create_probe``)."""

from __future__ import annotations

from pengine.model import Bundle
from pengine.working import Action, O, RscState
from pengine.workset import WorkingSet, op_key


def replica_members(rsc: RscState) -> list[RscState]:
    """Per replica: address, container, connection, inner instance (the order Pacemaker
    outputs a bundle's actions in)."""
    model = rsc.model
    assert isinstance(model, Bundle)
    clone = next((c for c in rsc.children if c.variant == "clone"), None)
    by_id = {c.id: c for c in rsc.children}
    out: list[RscState] = []
    for replica in model.replicas:
        for prim in (replica.ip, replica.container, replica.remote):
            if prim is not None and prim.id in by_id:
                out.append(by_id[prim.id])
        if clone is not None and replica.remote is not None and replica.index < len(clone.children):
            out.append(clone.children[replica.index])
    return out


def order_container_probe(ws: WorkingSet, rsc: RscState, probe: Action) -> None:
    """(One replica per host) a container's probe comes before the other containers start on
    that node: no copy may already run there."""
    bundle = rsc.parent
    if bundle is None or bundle.variant != "bundle":
        return
    model = bundle.model
    assert isinstance(model, Bundle)
    containers = [r.container.id for r in model.replicas]
    if rsc.id not in containers:
        return
    if model.replicas_per_host == 1:
        for other in containers:
            if other != rsc.id:
                other_rsc = ws.rsc_by_id[other]
                ws.new_ordering(rsc, None, probe, other_rsc, op_key(other, "start"), None,
                                O.OPTIONAL | O.SAME_NODE)


def remote_address(ws: WorkingSet, rsc: RscState) -> str | None:
    """``pe__add_bundle_remote_name``: for a bundle's connection configured with the address
    ``#uname``, the node its container is assigned to (or else runs on); None otherwise."""
    prim = rsc.primitive
    if prim is None or not rsc.is_remote or rsc.container is None or prim.params.get("addr") != "#uname":
        return None
    if rsc.parent is None or rsc.parent.variant != "bundle":
        return None
    return rsc.container.assigned or rsc.container.current_node()


def is_bundle_node(ws: WorkingSet, node: str) -> bool:
    """Whether ``node`` is a bundle's guest node (resource discovery "never" there but for
    the replica's own instance)."""
    state = ws.nodes.get(node)
    conn = ws.rsc_by_id.get(state.model.remote_rsc or "") if state is not None else None
    return conn is not None and conn.parent is not None and conn.parent.variant == "bundle"
