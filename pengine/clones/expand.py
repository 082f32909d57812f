"""Clone instances: ``child:0 .. child:(clone-max - 1)`` plus orphans found in the status.

:func:`expand_clones` turns every :class:`~pengine.model.Clone` of a cluster into its
instances (primitives, or groups of primitives, with ``:N`` ids) and re-keys the op history
of anonymous clones from the id written in the CIB (``child``) to the instance it describes
(``child:N``), the way Pacemaker's status unpacking does (``find_anonymous_clone``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pengine.bundles.nodes import bundle_instance_numbers, nodes_when_unpacked
from pengine.clones.config import CloneConfig, unpack_clone_config
from pengine.clones.instances import AnonymousInstances, Resolution, instance_number, strip_instance
from pengine.model import Clone, Cluster, Group, Node, NodeKind, Primitive, Resource, Role, RscHistory


@dataclass(frozen=True)
class Instance:
    """One clone instance: a primitive ``prim:N`` or a group ``grp:N`` of ``member:N``."""

    clone_id: str
    number: int
    id: str
    members: tuple[Primitive, ...]
    group: Group | None
    orphan: bool = False

    @property
    def resource(self) -> Primitive | Group:
        """The instance as a resource of the model (the group, or the single primitive)."""
        return self.group if self.group is not None else self.members[0]


@dataclass(frozen=True)
class ExpandedClone:
    """A clone, its settings and its instances (configured first, then orphans)."""

    clone: Clone
    config: CloneConfig
    instances: tuple[Instance, ...]

    @property
    def id(self) -> str:
        return self.clone.id

    def instance(self, instance_id: str) -> Instance | None:
        for inst in self.instances:
            if inst.id == instance_id:
                return inst
        return None


@dataclass(frozen=True)
class CloneExpansion:
    """All clones of a cluster, expanded, and the op history re-keyed to instance ids."""

    clones: Mapping[str, ExpandedClone]
    history: tuple[RscHistory, ...]
    #: instance primitive id -> clone id, for every instance member
    owner: Mapping[str, str]
    messages: tuple[str, ...]
    #: instance primitive id -> the id its op history uses when different (``clone_name``)
    history_names: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def clone_of(self, rsc_id: str) -> ExpandedClone | None:
        """The expanded clone an instance primitive (or instance group) belongs to."""
        clone_id = self.owner.get(rsc_id)
        return self.clones.get(clone_id) if clone_id is not None else None


def _instance_primitive(prim: Primitive, number: int, parent: str) -> Primitive:
    return dataclasses.replace(prim, id=f"{prim.id}:{number}", parent=parent)


def make_instance(clone: Clone, number: int, *, orphan: bool = False) -> Instance:
    """Build instance ``number`` of ``clone`` from its template child."""
    child = clone.child
    if isinstance(child, Group):
        group_id = f"{child.id}:{number}"
        members = tuple(_instance_primitive(m, number, group_id) for m in child.members)
        meta = dict(child.meta)
        if clone.promotable:
            # groups in a promotable clone get promote/demote pseudo actions
            meta["stateful"] = "true"
        group = dataclasses.replace(child, id=group_id, members=members, parent=clone.id, meta=meta)
        return Instance(clone.id, number, group_id, members, group, orphan)
    prim = _instance_primitive(child, number, clone.id)
    return Instance(clone.id, number, prim.id, (prim,), None, orphan)


def _child_classes(clone: Clone) -> frozenset[str]:
    child = clone.child
    prims = child.members if isinstance(child, Group) else (child,)
    return frozenset(p.rclass for p in prims)


def _member_ids(clone: Clone) -> tuple[str, ...]:
    child = clone.child
    return tuple(m.id for m in child.members) if isinstance(child, Group) else (child.id,)


def _requires_fencing(clone: Clone, cluster: Cluster) -> bool:
    requires = clone.child.meta.get("requires") or clone.meta.get("requires")
    if requires is None:
        return cluster.options.stonith_enabled
    return requires.strip().lower() in ("fencing", "unfencing")


def _is_active(hist: RscHistory) -> bool:
    return hist.role not in (Role.STOPPED, Role.UNKNOWN)


def _pending_not_probe(hist: RscHistory) -> bool:
    """A pending operation other than a probe (pending probes leave no pending node)."""
    for op in reversed(hist.ops):
        if op.op_status == -1:
            return not (op.task == "monitor" and op.interval_ms == 0)
    return False


def unpack_order(cluster: Cluster, history: Iterable[RscHistory]) -> list[RscHistory]:
    """Order histories as Pacemaker unpacks them: cluster nodes in status order, then remote
    and guest nodes (whose histories wait until their connection is known). Histories of
    offline cluster nodes count only when fencing or shutdown locks are enabled."""
    entries = list(history)
    nodes = {n.uname: n for n in cluster.nodes}
    keep_offline = cluster.options.stonith_enabled or cluster.options.shutdown_lock

    def wanted(h: RscHistory) -> bool:
        node = nodes.get(h.node)
        if node is None:
            return False
        return node.online or keep_offline or node.kind != NodeKind.MEMBER

    members = [h for h in entries if wanted(h) and nodes[h.node].kind == NodeKind.MEMBER]
    others = [h for h in entries if wanted(h) and nodes[h.node].kind != NodeKind.MEMBER]
    return members + others


def expand_clones(cluster: Cluster) -> CloneExpansion:
    """Create the instances of every clone and attach the op history to them."""
    node_count = len(cluster.nodes)
    nodes: dict[str, Node] = {n.uname: n for n in cluster.nodes}
    messages: list[str] = []
    clones: list[Clone] = [r for r in _walk(cluster.resources) if isinstance(r, Clone)]

    configs: dict[str, CloneConfig] = {}
    instances: dict[str, list[Instance]] = {}
    trackers: dict[str, AnonymousInstances] = {}
    member_to_clone: dict[str, str] = {}
    for clone in clones:
        clone_nodes = nodes_when_unpacked(cluster, clone.id)
        unpacked = unpack_clone_config(
            clone.id, clone.child.id, clone.meta, node_count=clone_nodes,
            legacy_master=clone.promotable, child_classes=_child_classes(clone),
        )
        config = unpacked.config
        messages.extend(unpacked.messages)
        configs[clone.id] = config
        instances[clone.id] = [make_instance(clone, n) for n in range(config.clone_max)]
        for member in _member_ids(clone):
            member_to_clone[member] = clone.id
        if not config.globally_unique:
            trackers[clone.id] = AnonymousInstances(
                clone_max=config.clone_max,
                requires_fencing=_requires_fencing(clone, cluster),
                universal=config.clone_max >= node_count,
            )
    clone_by_id = {c.id: c for c in clones}

    replaced: dict[int, RscHistory] = {}
    history_names: dict[str, str] = {}
    replica_numbers = bundle_instance_numbers(cluster)
    for hist in unpack_order(cluster, cluster.history):
        base = strip_instance(hist.rsc_id)
        clone_id = member_to_clone.get(base)
        if clone_id is None:
            continue
        if not hist.ops and not cluster.options.shutdown_lock:
            # unpack_lrm_resource: a history without operations names no instance (no orphan)
            continue
        config = configs[clone_id]
        tracker = trackers.get(clone_id)
        if tracker is None:
            number = instance_number(hist.rsc_id)
            if number is not None and number >= config.clone_max:
                # unique instances beyond clone-max stay orphans of their own
                replaced[id(hist)] = dataclasses.replace(hist, orphan=True)
            continue
        node = nodes.get(hist.node)
        replica = replica_numbers.get(clone_id, {}).get(hist.node)
        if replica is not None:
            # pe__find_bundle_replica: a bundle's instance is the one of the replica whose
            # guest node this is
            resolution = Resolution(replica, False)
        else:
            resolution = tracker.resolve(
                hist.node, base,
                node_online=node.online if node else False,
                node_unclean=node.unclean if node else False,
                guest_node=bool(node and node.remote_rsc and node.is_remote is False),
            )
        if resolution.orphan:
            instances[clone_id].append(make_instance(clone_by_id[clone_id], resolution.number, orphan=True))
        if _is_active(hist):
            tracker.mark_active(resolution.number, hist.node, base)
        elif _pending_not_probe(hist):
            tracker.mark_pending(resolution.number, hist.node)
        new_id = f"{base}:{resolution.number}"
        if new_id != hist.rsc_id and history_names.get(new_id) != hist.rsc_id:
            history_names[new_id] = hist.rsc_id
        name = history_names.get(new_id)
        if not _is_active(hist) and name is not None and ":" in name:
            # process_rsc_state: a stopped instance forgets an old numbered name
            del history_names[new_id]
        replaced[id(hist)] = dataclasses.replace(hist, rsc_id=new_id, orphan=resolution.orphan)

    rekeyed: list[RscHistory] = []
    for hist in cluster.history:
        if id(hist) in replaced:
            rekeyed.append(replaced[id(hist)])
        elif member_to_clone.get(strip_instance(hist.rsc_id)) is None \
                or configs[member_to_clone[strip_instance(hist.rsc_id)]].globally_unique:
            rekeyed.append(hist)
        # else: history Pacemaker never unpacks (offline node without fencing)

    expanded = {
        cid: ExpandedClone(clone_by_id[cid], configs[cid], tuple(instances[cid])) for cid in configs
    }
    owner: dict[str, str] = {}
    for cid, exp in expanded.items():
        for inst in exp.instances:
            owner[inst.id] = cid
            for prim in inst.members:
                owner[prim.id] = cid
    return CloneExpansion(expanded, tuple(rekeyed), owner, tuple(messages), history_names)


def _walk(resources: Iterable[Resource]) -> Iterable[Resource]:
    for rsc in resources:
        yield rsc
        yield from _walk(rsc.children())
