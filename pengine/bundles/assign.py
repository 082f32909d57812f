"""Placement of bundle replicas (Pacemaker 2.1.5 ``pcmk__bundle_allocate``).

The containers are distributed as clone instances are (``replicas``, ``replicas-per-host``),
then each replica's address and connection follow its container (their "with container"
colocations), and each instance of the inner resource may run only on its replica's guest
node.
"""

from __future__ import annotations

from crm.common.scores import INFINITY, MINUS_INFINITY
from pengine.clones.assign import distribute_instances
from pengine.clones.config import CloneConfig
from pengine.clones.context import sort_instances
from pengine.clones.expand import ExpandedClone, Instance
from pengine.model import Bundle, Clone, ColocationConstraint, Role
from pengine.placement_context import PlacementState
from pengine.setup import add_colocation
from pengine.working import RscState
from pengine.workset import WorkingSet

REPLICA_NODE_SCORE = 500  # replica->node->weight: the inner instance on its own guest node


def inner_clone(rsc: RscState) -> RscState | None:
    """The clone wrapping a bundle's inner primitive."""
    return next((c for c in rsc.children if c.variant == "clone"), None)


def replica_nodes(rsc: RscState) -> list[tuple[int, str]]:
    """(replica index, guest node name) of each replica with a connection."""
    model = rsc.model
    assert isinstance(model, Bundle)
    return [(r.index, r.remote.id) for r in model.replicas if r.remote is not None]


def prepare_bundle(ws: WorkingSet, rsc: RscState) -> None:
    """What ``create_remote_resource`` sets while unpacking: each inner instance is allowed
    only on its guest node (discovered there exclusively), where the clone itself is banned."""
    model = rsc.model
    assert isinstance(model, Bundle)
    for replica in model.replicas:
        conn = ws.rsc_by_id.get(replica.remote.id) if replica.remote is not None else None
        if conn is not None:
            # connections run on cluster nodes only (allowed nodes as at unpacking)
            for name in conn.allowed:
                if ws.nodes[name].model.is_remote:
                    conn.allowed[name] = MINUS_INFINITY
    clone = inner_clone(rsc)
    if clone is None:
        return
    for index, node in replica_nodes(rsc):
        if node not in ws.nodes or index >= len(clone.children):
            continue
        inst = clone.children[index]
        for member in (inst, *inst.children):
            member.allowed = {node: REPLICA_NODE_SCORE}
            member.discover_exclusive = True
            member.discover_nodes.add(node)
        clone.allowed[node] = MINUS_INFINITY


def containers_as_clone(rsc: RscState) -> tuple[ExpandedClone, list[Instance]]:
    """The containers seen as the instances of a clone (``pcmk__assign_instances`` and
    ``pcmk__create_instance_actions`` treat them so)."""
    model = rsc.model
    assert isinstance(model, Bundle) and model.replicas
    first = model.replicas[0].container
    pseudo = Clone(id=rsc.id, meta=model.meta, child=first, promotable=False)
    config = CloneConfig(clone_id=rsc.id, child_id=first.id, clone_max=len(model.replicas),
                         clone_node_max=model.replicas_per_host, globally_unique=model.replicas_per_host > 1)
    instances = [Instance(rsc.id, r.index, r.container.id, (r.container,), None) for r in model.replicas]
    expanded = ExpandedClone(pseudo, config, tuple(instances))
    return expanded, instances


def _show_tree(placement: PlacementState, rsc: RscState) -> None:
    placement.show_scores("pcmk__bundle_allocate", rsc.id, rsc.allowed)
    for child in rsc.children:
        _show_tree(placement, child)


def assign_bundle(placement: PlacementState, rsc: RscState, prefer: str | None) -> None:
    """``pcmk__bundle_allocate``."""
    ws = placement.ws
    model = rsc.model
    assert isinstance(model, Bundle)
    if rsc.allocating:
        return  # (no check of pe_rsc_provisional: each call shows the scores again)
    rsc.allocating = True
    _show_tree(placement, rsc)
    if model.replicas:
        expanded, instances = containers_as_clone(rsc)
        ordered = sort_instances(placement, expanded, instances)
        distribute_instances(placement, expanded, ordered)
    clone = inner_clone(rsc)
    for replica in model.replicas:
        if replica.ip is not None:
            placement.assign(replica.ip.id, prefer)
        container = ws.rsc_by_id[replica.container.id]
        host = ws.nodes.get(container.assigned or "")
        if replica.remote is not None and host is not None and host.model.is_remote \
                and host.model.remote_rsc is not None:
            # pacemaker-remoted takes one connection: a nested connection runs where the
            # connection of its container's node does
            add_colocation(ws, ColocationConstraint("child-remote-with-docker-remote", replica.remote.id,
                                                    host.model.remote_rsc, INFINITY, Role.UNKNOWN,
                                                    Role.UNKNOWN, "#uname", True))
        if replica.remote is not None:
            placement.assign(replica.remote.id, prefer)
        if clone is not None and replica.remote is not None and replica.index < len(clone.children):
            inst = clone.children[replica.index]
            node = replica.remote.id
            for name in list(inst.allowed):
                if name != node:
                    inst.allowed[name] = MINUS_INFINITY
                elif not _threshold_reached(ws, inst, name):
                    inst.allowed[name] = INFINITY
            clone.allocating = True
            placement.assign(inst.id, node)
            clone.allocating = False
    if clone is not None:
        guest_nodes = {node for _, node in replica_nodes(rsc)}
        for name in list(clone.allowed):
            clone.allowed[name] = 0 if name in guest_nodes else MINUS_INFINITY
        placement.assign(clone.id, prefer)
    rsc.allocating = False
    rsc.provisional = False


def _threshold_reached(ws: WorkingSet, rsc: RscState, node: str) -> bool:
    """``pcmk__threshold_reached`` as far as a bundle instance needs it: its fail count on
    ``node`` reached its migration threshold."""
    count = 0
    for (rid, where), (failures, _) in ws.cluster.fail_counts.items():
        if where == node and rid.split(":")[0] == rsc.id.split(":")[0]:
            count += failures
    return rsc.migration_threshold > 0 and count >= rsc.migration_threshold


def bundle_apply_coloc_score(placement: PlacementState, dependent: RscState, primary: RscState,
                             con: ColocationConstraint) -> None:
    """``pcmk__bundle_apply_coloc_score``: ``dependent`` (a primitive) with the bundle
    ``primary``."""
    ws = placement.ws
    if primary.provisional:
        return
    model = primary.model
    assert isinstance(model, Bundle)
    containers = [ws.rsc_by_id[r.container.id] for r in model.replicas]
    con_dependent = ws.rsc_by_id.get(con.dependent)
    if con_dependent is not None and con_dependent.variant in ("clone", "bundle"):
        pair = _compatible_replica(placement, dependent, containers)
        if pair is not None:
            placement.apply_coloc_score(dependent, pair, con)
        elif con.score >= INFINITY:
            placement.finalize(dependent, None, force=True)
        return
    clone = inner_clone(primary)
    allowed: set[str] = set()
    for replica, container in zip(model.replicas, containers, strict=True):
        if con.score < INFINITY:
            placement.apply_coloc_score(dependent, container, con)
            continue
        if container.assigned is None or _blocked(container):
            continue
        if con.primary_role >= Role.PROMOTED:
            inst = clone.children[replica.index] if clone is not None and replica.index < len(clone.children) \
                else None
            if inst is None or inst.next_role < Role.PROMOTED:
                continue
        allowed.add(container.assigned)
    if con.score >= INFINITY:
        for node in dependent.allowed:
            if node not in allowed:
                dependent.allowed[node] = MINUS_INFINITY


def _blocked(rsc: RscState) -> bool:
    return rsc.blocked or any(_blocked(c) for c in rsc.children)


def _compatible_replica(placement: PlacementState, dependent: RscState,
                        containers: list[RscState]) -> RscState | None:
    """``compatible_replica``: the container on the dependent's node (its assigned node, or
    else the best of its allowed nodes that has one)."""
    if dependent.assigned is not None:
        candidates = [dependent.assigned]
    else:
        candidates = placement.sort_nodes(dependent, None)
    for node in candidates:
        for container in containers:
            if container.assigned is not None and container.assigned == node:
                return container
    return None


def attribute_node(ws: WorkingSet, node: str) -> str | None:
    """``pe_node_attribute_calculated``: the node whose attributes a resource on ``node`` reads.
    On a bundle node whose inner resource has ``container-attribute-target=host``, the node
    its container runs on (None while the container is inactive); otherwise ``node``."""
    state = ws.nodes.get(node)
    conn = ws.rsc_by_id.get(state.model.remote_rsc or "") if state is not None else None
    if conn is None or conn.parent is None or conn.parent.variant != "bundle":
        return node
    model = conn.parent.model
    assert isinstance(model, Bundle)
    target = model.clone.child.meta.get("container-attribute-target") if model.clone is not None else None
    if (target or "").strip().lower() != "host":
        return node
    container = conn.container
    return container.running_on[0] if container is not None and container.running_on else None
