"""Bundle nodes: the guest nodes of bundle replicas, which Pacemaker creates only while it
unpacks their bundle (``create_remote_resource``)."""

from __future__ import annotations

from pengine.model import Bundle, Cluster, Resource


def nodes_when_unpacked(cluster: Cluster, rsc_id: str) -> int:
    """How many nodes the cluster had when the top-level resource holding ``rsc_id`` was
    unpacked (the default ``clone-max`` of a clone): the nodes of bundles configured after
    it did not exist yet."""
    later: set[str] = set()
    seen = False
    for top in cluster.resources:
        if not seen and _holds(top, rsc_id):
            seen = True
            continue
        if seen and isinstance(top, Bundle):
            later.update(r.remote.id for r in top.replicas if r.remote is not None)
    if not seen:
        return len(cluster.nodes)
    # the remote node of an orphaned connection appears only while the status is read
    configured: set[str] = set()
    for top in cluster.resources:
        _collect_ids(top, configured)
    later.update(n.uname for n in cluster.nodes
                 if n.is_remote and n.remote_rsc is not None and n.remote_rsc not in configured)
    return sum(1 for n in cluster.nodes if n.uname not in later)


def _collect_ids(rsc: Resource, into: set[str]) -> None:
    into.add(rsc.id)
    for child in rsc.children():
        _collect_ids(child, into)


def _holds(rsc: Resource, rsc_id: str) -> bool:
    return rsc.id == rsc_id or any(_holds(c, rsc_id) for c in rsc.children())


def bundle_instance_numbers(cluster: Cluster) -> dict[str, dict[str, int]]:
    """Inner clone id -> {guest node name: replica number} for every bundle."""
    out: dict[str, dict[str, int]] = {}
    for rsc in cluster.resources:
        if isinstance(rsc, Bundle) and rsc.clone is not None:
            out[rsc.clone.id] = {r.remote.id: r.index for r in rsc.replicas if r.remote is not None}
    return out
