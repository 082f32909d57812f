"""Build the working set from the model: resource tree, current state, and node scores.

Covers Pacemaker's ``unpack_resources`` flags, ``process_rsc_state`` and
``apply_node_criteria`` (symmetric default, location constraints, stickiness, failure
thresholds, exclusive discovery) and the colocation lists of every resource.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from crm.common.booleans import is_true
from crm.common.durations import parse_seconds
from crm.common.scores import INFINITY, MINUS_INFINITY, add_scores, parse_score
from pengine.bundles.probes import is_bundle_node
from pengine.migration import unpack_migrations
from pengine.model import (
    Bundle,
    Clone,
    ColocationConstraint,
    Group,
    OnFail,
    Primitive,
    Resource,
    Role,
    RscHistory,
)
from pengine.rules import RuleContext, evaluate_rule
from pengine.unpack import EPOCH, HistoryBans
from pengine.unpack.nvpairs import unpack_sets
from pengine.working import NodeState, O, RscState
from pengine.workset import WorkingSet

VARIANT_RANK = {"primitive": 0, "group": 1, "clone": 2, "bundle": 3}


def build_nodes(ws: WorkingSet) -> None:
    for n in ws.cluster.nodes:
        ws.nodes[n.uname] = NodeState(
            model=n, online=n.online, unclean=n.unclean, standby=n.standby, maintenance=n.maintenance,
            shutdown=n.shutdown, pending=n.pending, fence_reason=n.fence_reason,
            remaining={k: parse_score(v, 0) for k, v in n.utilization.items()},
        )
        ws.node_order.append(n.uname)


def _primitive_state(ws: WorkingSet, prim: Primitive, parent: RscState | None) -> RscState:
    meta = prim.meta
    rsc = RscState(id=prim.id, variant="primitive", model=prim, parent=parent)
    _common_flags(ws, rsc, meta)
    if prim.rclass == "stonith":
        ws.have_stonith_resource = True
        rsc.fence_device = True
    requires = (meta.get("requires") or "").lower()
    if not requires:
        if prim.rclass == "stonith" or (prim.rclass == "ocf" and prim.provider == "pacemaker"
                                        and prim.type == "remote"):
            # fencing devices and remote connections (xml_contains_remote_node) need only quorum
            requires = "quorum"
        elif ws.enable_unfencing and ws.stonith_enabled:
            requires = "unfencing"
        elif ws.stonith_enabled:
            requires = "fencing"
        else:
            # unpack_requires: with fencing off, nothing is needed when quorum is ignored
            requires = "nothing" if ws.no_quorum_policy == "ignore" else "quorum"
    if requires in ("fencing", "unfencing") and not ws.stonith_enabled:
        requires = "quorum"
    if requires == "unfencing" and rsc.fence_device:
        requires = "quorum"  # fencing devices cannot require unfencing (unpack_requires)
    rsc.needs_fencing = requires in ("fencing", "unfencing")
    rsc.needs_unfencing = requires == "unfencing"
    rsc.needs_quorum = requires != "nothing"
    rsc.is_remote = prim.rclass == "ocf" and prim.provider == "pacemaker" and prim.type == "remote"
    # remote connections migrate unless told otherwise
    rsc.allow_migrate = is_true(meta.get("allow-migrate"), rsc.is_remote)
    return rsc


def _common_flags(ws: WorkingSet, rsc: RscState, meta: Mapping[str, str]) -> None:
    m = dict(meta)
    rsc.priority = parse_score(m.get("priority"), 0)
    rsc.managed = is_true(m.get("is-managed"), True)
    if is_true(m.get("maintenance"), False):
        rsc.managed = False
        rsc.maintenance = True
    if ws.options.maintenance_mode:
        rsc.managed = False
        rsc.maintenance = True
    sticky = m.get("resource-stickiness")
    if sticky is None:
        sticky = ws.options.raw.get("default-resource-stickiness")
    rsc.stickiness = parse_score(sticky, 0)
    threshold = m.get("migration-threshold")
    rsc.migration_threshold = parse_score(threshold, INFINITY) if threshold is not None else INFINITY
    if rsc.migration_threshold < 0:
        rsc.migration_threshold = 0
    rsc.failure_timeout = parse_seconds(m.get("failure-timeout"), 0)
    if rsc.model.id in ws.cluster.failure_timeout_blocked:
        rsc.failure_timeout = 0
    rsc.recovery = (m.get("multiple-active") or "stop_start").lower()
    rsc.critical = is_true(m.get("critical"), True)
    target = m.get("target-role")
    if target is not None:
        role = Role.parse(target)
        if role == Role.STOPPED:
            rsc.next_role = Role.STOPPED
            rsc.next_role_reason = "target-role"


def build_resource(ws: WorkingSet, model: Resource, parent: RscState | None) -> RscState:
    """Create the working state for one configured resource (recursively)."""
    if isinstance(model, Primitive):
        rsc = _primitive_state(ws, model, parent)
    elif isinstance(model, Group):
        rsc = RscState(id=model.id, variant="group", model=model, parent=parent)
        _common_flags(ws, rsc, model.meta)
        rsc.is_ordered = is_true(model.meta.get("ordered"), True)
        rsc.is_colocated = is_true(model.meta.get("collocated"), True)
        for member in model.members:
            rsc.children.append(build_resource(ws, member, rsc))
    elif isinstance(model, Clone):
        rsc = RscState(id=model.id, variant="clone", model=model, parent=parent)
        _common_flags(ws, rsc, model.meta)
        rsc.unique = is_true(model.meta.get("globally-unique"), False)
    else:
        assert isinstance(model, Bundle)
        rsc = RscState(id=model.id, variant="bundle", model=model, parent=parent)
        _common_flags(ws, rsc, model.meta)
        if not model.replicas:
            rsc.managed = False  # a bundle Pacemaker refuses to unpack
        rsc.unique = model.replicas_per_host > 1
        for child in model.children():
            rsc.children.append(build_resource(ws, child, rsc))
    ws.rsc_by_id[rsc.id] = rsc
    return rsc


def orphan_state(ws: WorkingSet, rsc_id: str, rclass: str | None, provider: str | None,
                 rtype: str | None) -> RscState:
    """A resource found in the status but not in the configuration."""
    prim = Primitive(id=rsc_id, rclass=rclass or "ocf", provider=provider, type=rtype or "unknown", meta={},
                     params={}, ops=(), utilization={})
    rsc = _primitive_state(ws, prim, None)
    rsc.orphan = True
    if ws.options.stop_orphan_resources:
        rsc.next_role = Role.STOPPED
        rsc.next_role_reason = "orphan"
    else:
        rsc.managed = False
    ws.rsc_by_id[rsc_id] = rsc
    return rsc


def apply_history(ws: WorkingSet, history: Iterable[RscHistory], history_bans: HistoryBans) -> None:
    """``process_rsc_state``: current role, active nodes, failures and their consequences.

    ``history`` is the cluster's op history with anonymous clone instances re-keyed to their
    instance ids."""
    # A node fenced for a failure becomes unclean while its resources are read (in the order of
    # its status section): failures read before that, and the one that fences it, still count
    fenced_by = {name: (node.fence_reason or "").removesuffix(" failed there")
                 for name, node in ws.nodes.items() if (node.fence_reason or "").endswith(" failed there")}
    for hist in history:
        base = hist.rsc_id.partition(":")[0]
        if base != hist.rsc_id and fenced_by.get(hist.node) == base:
            # an anonymous clone's history, read as the instance it was found for: the node is
            # fenced because that instance failed there
            fenced_by[hist.node] = hist.rsc_id
            ws.nodes[hist.node].fence_reason = f"{hist.rsc_id} failed there"
        rsc = ws.rsc_by_id.get(hist.rsc_id)
        if rsc is None or rsc.variant != "primitive":
            rsc = orphan_state(ws, hist.rsc_id, hist.rclass, hist.provider, hist.type)
            ws.resources.append(rsc)
        if rsc.orphan and rsc.container is None and hist.container:
            # handle_orphaned_container_fillers: an orphan keeps the container it was recorded with
            container = ws.rsc_by_id.get(hist.container)
            if container is not None and container is not rsc:
                rsc.container = container
        apply_one_history(ws, rsc, hist, unclean_yet=hist.node not in fenced_by)
        if fenced_by.get(hist.node) == hist.rsc_id:
            del fenced_by[hist.node]

    for rsc in list(ws.rsc_by_id.values()):
        if rsc.variant == "primitive" and rsc.history:
            unpack_migrations(ws, rsc)
    for rid, node, reason in history_bans:
        rsc = ws.rsc_by_id.get(rid)
        if rsc is None:
            base = rid.split(":")[0]
            owner = next((r for r in ws.rsc_by_id.values() if r.variant == "primitive" and r.parent is not None
                          and r.id.split(":")[0] == base and r.top().variant == "clone"), None)
            if owner is None:
                continue
            rsc = owner.top()
        elif rsc.parent is not None and rsc.top().variant == "clone" and not rsc.top().unique:
            rsc = rsc.top()
        target = rsc
        if node is None:
            resource_location(ws, target, None, MINUS_INFINITY, reason)
        else:
            resource_location(ws, target, node, MINUS_INFINITY, reason)


def apply_one_history(ws: WorkingSet, rsc: RscState, hist: object, unclean_yet: bool = True) -> None:
    """``unclean_yet``: whether the node, if unclean, already was when this history is read."""
    assert isinstance(hist, RscHistory)
    node = ws.node(hist.node)
    if node is None:
        return
    rsc.history[hist.node] = hist
    if hist.failure_ignored:
        rsc.failure_ignored = True
    if hist.role_known:
        rsc.known_on.add(hist.node)
    if hist.pending_task == "start" or hist.pending_task == "migrate_from":
        rsc.start_pending = True
    active = hist.role not in (Role.STOPPED, Role.UNKNOWN)
    if node.maintenance and active:
        rsc.managed = False
        rsc.maintenance = True
    if not active:
        return
    if hist.role > rsc.role or rsc.role in (Role.STOPPED, Role.UNKNOWN):
        rsc.role = hist.role
    if hist.node not in rsc.running_on:
        rsc.running_on.append(hist.node)
    on_fail = hist.on_fail
    if node.unclean and unclean_yet:
        on_fail = OnFail.IGNORE
    # process_rsc_state: no failed flag on a node that was already unclean (its failures are
    # ignored)
    if hist.failed and on_fail != OnFail.IGNORE:
        rsc.failed = True
    if on_fail == OnFail.BLOCK:
        rsc.managed = False
        rsc.blocked = True
    elif on_fail == OnFail.STOP:
        rsc.next_role = Role.STOPPED
        rsc.next_role_reason = "on-fail=stop"
        # process_rsc_state: banned everywhere while it is read, not only when assigned
        resource_location(ws, rsc, None, MINUS_INFINITY, "__action_migration_auto__")
    elif on_fail == OnFail.STANDBY:
        node.standby = True
    elif on_fail == OnFail.FENCE:
        ws.fence_node(hist.node, f"{rsc.id} failed there")
    elif on_fail == OnFail.RESET_REMOTE and ws.stonith_enabled and rsc.is_remote:
        remote = ws.nodes.get(rsc.id)
        if remote is not None and remote.model.is_remote:
            ws.fence_node(rsc.id, "remote connection is unrecoverable")
    if on_fail.value > rsc.on_fail.value:
        rsc.on_fail = on_fail
    if not rsc.managed:
        # native_add_running: an unmanaged resource stays where it is active
        resource_location(ws, rsc, hist.node, INFINITY, "not_managed_default")


def link_containers(ws: WorkingSet) -> None:
    """Resolve the ``container`` meta attribute of primitives."""
    for rsc in ws.all_primitives():
        name = rsc.model.meta.get("container")
        if name and name in ws.rsc_by_id and name != rsc.id:
            rsc.container = ws.rsc_by_id[name]


def determine_remote_online(ws: WorkingSet) -> None:
    """``determine_remote_online_status``: a remote node is up while its connection runs."""
    for node in ws.nodes.values():
        if not node.model.is_remote:
            continue
        conn = ws.rsc_by_id.get(node.model.remote_rsc or "")
        if conn is None:
            node.online = False
            continue
        node.online = conn.role == Role.STARTED
        if node.model.shutdown and conn.container is None and not conn.orphan and conn.managed:
            # a remote node asked to shut down: its connection stops
            conn.next_role = Role.STOPPED
        if conn.role == Role.STARTED and conn.next_role == Role.STOPPED:
            node.shutdown = True
        container = conn.container
        if container is not None and container.failed:
            node.online = False
            node.remote_requires_reset = True
        elif conn.failed:
            node.online = False
        elif conn.role == Role.STOPPED or (container is not None and container.role == Role.STOPPED):
            node.online = False
            node.remote_requires_reset = False
        elif container is not None and len(conn.running_on) == 1:
            host = ws.nodes.get(conn.running_on[0])
            if host is not None and not host.online and host.unclean:
                # a guest whose host is unclean is unclean too
                node.online = False
                node.remote_requires_reset = True
    # process_rsc_state: a managed resource active on a remote node that is down fences the node (a
    # guest node by recovering its container, the resource then failed)
    for rsc in ws.all_primitives():
        if not rsc.managed:
            continue
        for uname in rsc.running_on:
            node = ws.nodes[uname]
            if node.online or node.maintenance or not node.model.is_remote:
                continue
            hist = rsc.history.get(uname)
            if hist is not None and hist.role in (Role.STOPPED, Role.UNKNOWN):
                continue
            if ws.guest_container(uname) is not None:
                rsc.failed = True
                ws.fence_node(uname, f"{rsc.id} is thought to be active there")
            elif ws.stonith_enabled:
                conn = ws.rsc_by_id.get(node.model.remote_rsc or "")
                if conn is not None and not conn.failed:
                    # fencing is revoked if the connection can be re-established elsewhere
                    node.unseen = True
                ws.fence_node(uname, f"{rsc.id} is active there")


# ----------------------------------------------------------------------------------------------
# Node scores


def resource_location(ws: WorkingSet, rsc: RscState, node: str | None, score: int, tag: str) -> None:
    """``resource_location``: add ``score`` for ``node`` (every node when None), recursively."""
    names = ws.node_order if node is None else [node]
    for name in names:
        if name not in ws.nodes:
            continue
        _resource_node_score(ws, rsc, name, score, tag)


def _resource_node_score(ws: WorkingSet, rsc: RscState, node: str, score: int, tag: str) -> None:
    if tag == "symmetric_default" and (rsc.discover_exclusive or node in rsc.discover_never):
        return
    for child in rsc.children:
        _resource_node_score(ws, child, node, score, tag)
    if node not in rsc.allowed:
        rsc.allowed[node] = ws.nodes[node].model.weight
    rsc.allowed[node] = add_scores(rsc.allowed[node], score)


def _bundle_connection(conn: RscState) -> bool:
    """Whether ``conn`` connects a bundle node (whose resource discovery is "never": it gets
    no symmetric default score)."""
    return conn.parent is not None and conn.parent.variant == "bundle"


def apply_symmetric_default(ws: WorkingSet, rsc: RscState) -> None:
    if ws.options.symmetric_cluster:
        for uname in ws.node_order:
            # the remote node of an orphaned connection appears only while the status is read,
            # after the resources got their nodes
            remote_rsc = ws.nodes[uname].model.remote_rsc
            conn = ws.rsc_by_id.get(remote_rsc or "")
            if remote_rsc is None or (conn is not None and not _bundle_connection(conn)):
                resource_location(ws, rsc, uname, 0, "symmetric_default")
    for child in rsc.children:
        apply_symmetric_default(ws, child)


def _location_targets(ws: WorkingSet, con_rsc: str | None, pattern: str | None) -> list[tuple[RscState, tuple[str, ...]]]:
    if con_rsc is not None:
        rsc = ws.rsc_by_id.get(con_rsc)
        return [(rsc, ())] if rsc is not None else []
    out: list[tuple[RscState, tuple[str, ...]]] = []
    if pattern is None:
        return out
    invert = pattern.startswith("!")
    regex = re.compile(pattern[1:] if invert else pattern)
    for rsc in ws.resources:
        m = regex.search(rsc.id)
        if invert and m is None:
            out.append((rsc, ()))
        elif not invert and m is not None:
            out.append((rsc, (m.group(0), *[g or "" for g in m.groups()])))
    return out


def apply_location(ws: WorkingSet, rsc: RscState, node_scores: dict[str, int], role: Role, discovery: str) -> None:
    """``pcmk__apply_location`` on a resource and (for groups and clones) its children."""
    if role != Role.UNKNOWN and role != rsc.next_role:
        pass  # role-specific constraints are applied by promotion
    else:
        for node, score in node_scores.items():
            if node not in rsc.allowed:
                rsc.allowed[node] = score
            else:
                rsc.allowed[node] = add_scores(rsc.allowed[node], score)
            # the most restrictive mode wins: always < never < exclusive
            if discovery == "exclusive":
                rsc.discover_exclusive = True
                rsc.discover_nodes.add(node)
                rsc.discover_never.discard(node)
            elif discovery == "never" and node not in rsc.discover_nodes:
                rsc.discover_never.add(node)
    if rsc.variant == "group" and rsc.is_colocated:
        # pcmk__group_apply_location: the first member's scores already incorporate the later
        # members', which get the constraint's nodes with their scores reset to 0
        reset = {node: 0 for node in node_scores}
        for i, child in enumerate(rsc.children):
            apply_location(ws, child, node_scores if i == 0 else reset, role, discovery)
    elif rsc.variant in ("group", "clone"):
        for child in rsc.children:
            apply_location(ws, child, node_scores, role, discovery)
    elif rsc.variant == "bundle":
        # pcmk__bundle_apply_location: the containers and addresses; the inner clone only for
        # a constraint on the promoted or unpromoted role
        for child in rsc.children:
            container_or_ip = child.variant == "primitive" and not child.is_remote
            if container_or_ip or (child.variant == "clone" and role in (Role.PROMOTED, Role.UNPROMOTED)):
                apply_location(ws, child, node_scores, role, discovery)


def _rule_node_weight(node: NodeState) -> int:
    model = node.model
    if not model.is_remote and (not model.online or model.shutdown):
        return MINUS_INFINITY
    return model.weight


def _node_params(ws: WorkingSet, prim: Primitive, node: NodeState) -> dict[str, str]:
    """``pe_rsc_params``: the instance attributes as evaluated for ``node`` (their rules may
    test node attributes)."""
    elem = prim.element
    if elem is None or prim.template is not None or elem.find("instance_attributes/rule") is None \
            or any(s.get("id-ref") for s in elem.findall("instance_attributes")):
        return dict(prim.params)

    ctx = RuleContext(now=ws.cluster.now, node_attrs=node.model.attributes, rsc_class=prim.rclass,
                      rsc_provider=prim.provider, rsc_type=prim.type)
    return unpack_sets(elem, "instance_attributes", ctx)


def apply_locations(ws: WorkingSet) -> None:
    for con in ws.cluster.locations:
        for rsc, groups in _location_targets(ws, con.rsc, con.rsc_pattern):
            scores: dict[str, int] = {}
            if con.node is not None and not con.rules:
                if con.node in ws.nodes:
                    scores[con.node] = con.score if con.score is not None else 0
                if scores:
                    apply_location(ws, rsc, scores, con.role, con.resource_discovery)
                continue
            for ruleref in con.rules:
                rule = ruleref.element
                role_attr = rule.get("role")
                role = Role.parse(role_attr) if role_attr else con.role
                scores = {}
                for uname in ws.node_order:
                    node = ws.nodes[uname]
                    prim = rsc.primitive
                    ctx = RuleContext(now=ws.cluster.now, node_attrs=node.model.attributes,
                                      rsc_class=prim.rclass if prim else None,
                                      rsc_provider=prim.provider if prim else None,
                                      rsc_type=prim.type if prim else None, regex_groups=groups,
                                      params=_node_params(ws, prim, node) if prim else {},
                                      meta=dict(rsc.model.meta))
                    if not evaluate_rule(rule, ctx):
                        continue
                    attr = rule.get("score-attribute")
                    if attr:
                        value = node.model.attributes.get(attr)
                        score = parse_score(value, 0) if value is not None else MINUS_INFINITY
                    else:
                        score = parse_score(rule.get("score"), 0)
                    if (rule.get("boolean-op") or "and").lower() == "or":
                        # generate_location_rule: an "or" rule copies each accepted node with its
                        # weight (-INFINITY for offline or shutting-down nodes), an "and" rule
                        # starts from a copy of the node list with weights reset to 0
                        score = add_scores(_rule_node_weight(node), score)
                    scores[uname] = score
                apply_location(ws, rsc, scores, role, con.resource_discovery)


def apply_stickiness(ws: WorkingSet, rsc: RscState) -> None:
    if rsc.children:
        for child in rsc.children:
            apply_stickiness(ws, child)
        return
    if not rsc.managed or rsc.stickiness < 1 or len(rsc.running_on) != 1:
        return
    node = rsc.running_on[0]
    if not ws.options.symmetric_cluster and node not in rsc.allowed:
        return
    resource_location(ws, rsc, node, rsc.stickiness, "stickiness")


def raw_fail_count(ws: WorkingSet, rsc: RscState, node: str) -> int:
    """``pe_get_failcount`` without expiry."""
    base = rsc.id.split(":")[0] if not rsc.unique or rsc.parent is not None else rsc.id
    count = 0
    for rid in {rsc.id, base, rsc.history_id or rsc.id}:
        count = add_scores(count, ws.cluster.fail_counts.get((rid, node), (0, 0))[0])
    return count


def effective_fail_count(ws: WorkingSet, rsc: RscState, node: str) -> int:
    """``pe_get_failcount`` with expiry of old failures."""
    base = rsc.id.split(":")[0] if not rsc.unique or rsc.parent is not None else rsc.id
    count = 0
    last = 0
    for rid in {rsc.id, base, rsc.history_id or rsc.id}:
        c, lf = ws.cluster.fail_counts.get((rid, node), (0, 0))
        count = add_scores(count, c)
        last = max(last, lf)
    if count > 0 and rsc.failure_timeout > 0 and last > 0:
        now = ws.cluster.now

        nowts = int((now - EPOCH).total_seconds()) if now.tzinfo is None else int(now.timestamp())
        if last + rsc.failure_timeout < nowts:  # pe_get_failcount: now > last + timeout
            return 0
    return count


def check_failure_threshold(ws: WorkingSet, rsc: RscState, node: str,
                            contained: list[RscState] | None = None) -> None:
    """``contained``: the primitives that have a container, when the caller has listed them once."""
    if contained is None:
        contained = [p for p in ws.all_primitives() if p.container is not None]
    if rsc.children:
        for child in rsc.children:
            check_failure_threshold(ws, child, node, contained)
        return
    if rsc.migration_threshold == 0 or rsc.failure_ignored:
        # pcmk__threshold_reached: ignoring failures also ignores the migration threshold
        return
    if rsc.actions_by_key_node.get((f"{rsc.id}_clear_failcount_0", node)):
        return  # failcount_clear_action_exists: not forced away by a fail count being cleared
    fails = effective_fail_count(ws, rsc, node)
    if rsc.top().variant != "bundle":
        # pe_fc_fillers: a container's fail count includes the resources it contains
        for filler in contained:
            if filler.container is rsc:
                fails = add_scores(fails, effective_fail_count(ws, filler, node))
    if fails <= 0:
        return
    if rsc.migration_threshold - fails <= 0:
        target = rsc
        top = rsc.top()
        if top.variant == "clone" and not top.unique:
            target = top
        resource_location(ws, target, node, MINUS_INFINITY, "__fail_limit__")


def apply_exclusive_discovery(ws: WorkingSet, rsc: RscState, node: str) -> None:
    if rsc.top().variant == "bundle":
        _bundle_exclusive_discovery(ws, rsc, node)
        return
    exclusive = rsc.discover_exclusive or (rsc.parent is not None and rsc.parent.discover_exclusive)
    if exclusive and node not in rsc.discover_nodes and not (rsc.parent and node in rsc.parent.discover_nodes) \
            and (node in rsc.allowed or not is_bundle_node(ws, node)):  # (no bundle node added)
        resource_location(ws, rsc, node, MINUS_INFINITY, "exclusive discovery")
    for child in rsc.children:
        apply_exclusive_discovery(ws, child, node)


def _bundle_exclusive_discovery(ws: WorkingSet, rsc: RscState, node: str) -> None:
    """``apply_exclusive_discovery`` inside a bundle: exclusive when the resource or its uber
    parent (the bundle's members are their own) is; only a node already allowed is banned."""
    uber = rsc
    while uber.parent is not None and uber.parent.variant != "bundle":
        uber = uber.parent
    if (rsc.discover_exclusive or uber.discover_exclusive) and node in rsc.allowed \
            and node not in rsc.discover_nodes and node not in uber.discover_nodes:
        rsc.allowed[node] = MINUS_INFINITY
    for child in rsc.children:
        _bundle_exclusive_discovery(ws, child, node)


# ----------------------------------------------------------------------------------------------
# Colocations


def _cmp_key_primary(ws: WorkingSet, c: ColocationConstraint) -> tuple[int, int, int, str]:
    p = ws.rsc_by_id[c.primary]
    promotable = 1 if isinstance(p.model, Clone) and p.model.promotable else 0
    return (-p.priority, -VARIANT_RANK[p.variant], -promotable, p.id)


def _cmp_key_dependent(ws: WorkingSet, c: ColocationConstraint) -> tuple[int, int, int, str]:
    d = ws.rsc_by_id[c.dependent]
    promotable = 1 if isinstance(d.model, Clone) and d.model.promotable else 0
    return (-d.priority, -VARIANT_RANK[d.variant], -promotable, d.id)


def _insert_sorted(lst: list[ColocationConstraint], item: ColocationConstraint, key) -> None:  # type: ignore[no-untyped-def]
    """``g_list_insert_sorted``: before the first element that is not smaller."""
    k = key(item)
    for i, existing in enumerate(lst):
        if not (k > key(existing)):
            lst.insert(i, item)
            return
    lst.append(item)


def add_colocation(ws: WorkingSet, con: ColocationConstraint) -> None:
    """``pcmk__new_colocation``."""
    if con.score == 0:
        return
    dep = ws.rsc_by_id.get(con.dependent)
    prim = ws.rsc_by_id.get(con.primary)
    if dep is None or prim is None:
        return
    _insert_sorted(dep.rsc_cons, con, lambda c: _cmp_key_primary(ws, c))
    _insert_sorted(prim.rsc_cons_lhs, con, lambda c: _cmp_key_dependent(ws, c))
    if con.score <= MINUS_INFINITY:
        _anti_colocation_order(ws, dep, con.dependent_role, prim, con.primary_role)
        _anti_colocation_order(ws, prim, con.primary_role, dep, con.dependent_role)


def _anti_colocation_order(ws: WorkingSet, first: RscState, first_role: Role, then: RscState,
                           then_role: Role) -> None:
    """``anti_colocation_order``: what makes ``first`` lose its role precedes ``then`` gaining its own."""

    if first_role == Role.PROMOTED:
        first_tasks = ["demote"]
    else:
        first_tasks = ["stop"] + (["promote"] if first_role == Role.UNPROMOTED else [])
    if then_role == Role.PROMOTED:
        then_tasks = ["promote"]
    else:
        then_tasks = ["start"] + (["demote"] if then_role == Role.UNPROMOTED else [])
    for ft in first_tasks:
        for tt in then_tasks:
            ws.order_rsc_actions(first, ft, then, tt, O.ANTI_COLOCATION)


# ----------------------------------------------------------------------------------------------
# Tickets


def _ticket_constraint(ws: WorkingSet, rsc: RscState, ticket_id: str, role: Role, loss_policy: str) -> None:
    """``rsc_ticket_constraint``."""
    ticket = ws.cluster.tickets.get(ticket_id)
    granted = ticket.granted if ticket is not None else False
    standby = ticket.standby if ticket is not None else False
    if granted and not standby:
        return
    if rsc.children:
        for child in rsc.children:
            _ticket_constraint(ws, child, ticket_id, role, loss_policy)
        return
    if not granted and rsc.running_on:
        if loss_policy == "stop":
            resource_location(ws, rsc, None, MINUS_INFINITY, "__loss_of_ticket__")
        elif loss_policy == "demote":
            if role != Role.PROMOTED:
                resource_location(ws, rsc, None, MINUS_INFINITY, "__loss_of_ticket__")
        elif loss_policy == "fence":
            if role != Role.UNKNOWN and rsc.role != role:
                return
            resource_location(ws, rsc, None, MINUS_INFINITY, "__loss_of_ticket__")
            for node in rsc.running_on:
                ws.fence_node(node, "deadman ticket was lost")
        elif loss_policy == "freeze":
            if role != Role.UNKNOWN and rsc.role != role:
                return
            rsc.managed = False
            rsc.blocked = True
    elif not granted:
        if role != Role.PROMOTED or loss_policy == "stop":
            resource_location(ws, rsc, None, MINUS_INFINITY, "__no_ticket__")
    elif standby and (role != Role.PROMOTED or loss_policy == "stop"):
        resource_location(ws, rsc, None, MINUS_INFINITY, "__ticket_standby__")


def apply_tickets(ws: WorkingSet) -> None:
    for con in ws.cluster.ticket_constraints:
        rsc = ws.rsc_by_id.get(con.rsc)
        if rsc is None:
            continue
        policy = con.loss_policy.lower()
        if policy == "demote" and con.role != Role.PROMOTED:
            policy = "stop"
        if policy == "fence" and not ws.stonith_enabled:
            # rsc_ticket_new: "Resetting 'loss-policy' ... to 'stop' because fencing is not configured"
            policy = "stop"
        _ticket_constraint(ws, rsc, con.ticket, con.role, policy)


# ----------------------------------------------------------------------------------------------
# Node health


def apply_node_health(ws: WorkingSet) -> None:
    """``pcmk__apply_node_health``: ``#health*`` node attributes as location scores."""
    raw = ws.options.raw
    strategy = (raw.get("node-health-strategy") or "none").lower()
    if strategy == "none":
        return
    red = parse_score(raw.get("node-health-red"), MINUS_INFINITY)
    yellow = parse_score(raw.get("node-health-yellow"), 0)
    green = parse_score(raw.get("node-health-green"), 0)
    if strategy == "migrate-on-red":
        red, yellow, green = MINUS_INFINITY, 0, 0
    elif strategy == "only-green":
        red, yellow, green = MINUS_INFINITY, MINUS_INFINITY, 0
    base = parse_score(raw.get("node-health-base"), 0) if strategy == "progressive" else 0
    for uname in ws.node_order:
        node = ws.nodes[uname]
        health = base
        for name, value in node.model.attributes.items():
            if name.startswith("#health"):
                health = add_scores(parse_score(value, 0, red=red, yellow=yellow, green=green), health)
        if health == 0:
            continue
        for rsc in ws.resources:
            if health < 0 and is_true(rsc.model.meta.get("allow-unhealthy-nodes"), False):
                continue
            apply_location(ws, rsc, {uname: health}, Role.UNKNOWN, "always")
