"""CIB XML -> immutable ``Cluster`` model (see ``pengine.model``)."""

from __future__ import annotations

import functools
import re
from dataclasses import replace
from datetime import UTC, datetime

from lxml import etree

from crm.common.booleans import is_true
from crm.common.durations import parse_interval_ms, parse_seconds
from crm.common.scores import MINUS_INFINITY, add_scores, parse_score
from pengine.model import (
    Bundle,
    Clone,
    Cluster,
    ClusterOptions,
    Group,
    Node,
    NodeKind,
    OnFail,
    OpRecord,
    Primitive,
    Resource,
    RscHistory,
    Ticket,
)
from pengine.result import CibError
from pengine.rules import RuleContext, parse_datetime
from pengine.unpack.constraints import ConstraintUnpacker
from pengine.unpack.history import ON_FAIL_NAMES, HistoryInputs, parse_op_record, unpack_history
from pengine.unpack.nvpairs import unpack_sets
from pengine.unpack.resources import ResourceUnpacker

__all__ = ["HistoryBans", "UnpackResult", "iter_primitives", "unpack_cib"]

EPOCH = datetime(1970, 1, 1)
HistoryBans = list[tuple[str, str | None, str]]  # (rsc id, node or None, reason)


def iter_primitives(resources: tuple[Resource, ...] | list[Resource]) -> list[Primitive]:
    """Every primitive of the configuration (group members, clone children), in CIB order."""
    out: list[Primitive] = []
    for rsc in resources:
        if isinstance(rsc, Primitive):
            out.append(rsc)
        else:
            out.extend(iter_primitives(list(rsc.children())))
    return out


def _cib_time(root: etree._Element, options: dict[str, str]) -> datetime:
    text = root.get("execution-date") or options.get("execution-date")
    if text:
        if text.isdigit():
            return datetime.fromtimestamp(int(text), tz=UTC).replace(tzinfo=None)
        parsed = parse_datetime(text)
        if parsed is not None:
            return parsed.replace(tzinfo=None)
    return EPOCH


class UnpackResult:
    """The model plus the location bans derived from history (kept out of the frozen model)."""

    def __init__(self, cluster: Cluster, history_bans: HistoryBans) -> None:
        self.cluster = cluster
        self.history_bans = history_bans


def unpack_cib(root: etree._Element, now: datetime | None = None) -> UnpackResult:
    """Unpack a whole CIB."""
    if root.tag != "cib":
        raise CibError(f"root element is <{root.tag}>, not <cib>")
    idmap: dict[str, etree._Element] = {}
    config = root.find("configuration")
    if config is None:
        raise CibError("<cib> has no <configuration>")
    for elem in config.iter():
        if isinstance(elem.tag, str):
            eid = elem.get("id")
            if eid and elem.get("id-ref") is None:
                idmap.setdefault(eid, elem)

    # -- options ---------------------------------------------------------------------------
    crm_config = config.find("crm_config")
    raw_probe: dict[str, str] = {}
    unpack_sets(crm_config, "cluster_property_set", None, into=raw_probe, first_id="cib-bootstrap-options",
                idmap=idmap)
    if now is None:
        now = _cib_time(root, raw_probe)
    ctx = RuleContext(now=now)
    raw: dict[str, str] = {}
    unpack_sets(crm_config, "cluster_property_set", ctx, into=raw, first_id="cib-bootstrap-options", idmap=idmap)
    options = _options(root, raw)

    # -- nodes -----------------------------------------------------------------------------
    status = root.find("status")
    node_states: dict[str, etree._Element] = {}
    if status is not None:
        for ns in status.findall("node_state"):
            if ns.get("id"):
                node_states[ns.get("id", "")] = ns

    res_unpacker = ResourceUnpacker(root, now, config.find("rsc_defaults"), config.find("op_defaults"), idmap)
    resources = res_unpacker.all(root)
    resources = resources + _guest_connections(res_unpacker, resources)
    primitives = {p.id: p for p in iter_primitives(resources)}
    all_ids: dict[str, Resource] = {}

    def index(rs: tuple[Resource, ...] | list[Resource]) -> None:
        for r in rs:
            all_ids[r.id] = r
            index(list(r.children()))

    index(resources)

    nodes: list[Node] = []
    nodes_el = config.find("nodes")
    remote_names: dict[str, str] = {}
    for p in primitives.values():
        if p.rclass == "ocf" and p.provider == "pacemaker" and p.type == "remote":
            remote_names[p.id] = p.id
        guest_name = p.meta.get("remote-node")
        if guest_name and guest_name in all_ids:
            remote_names[guest_name] = guest_name
    if nodes_el is not None:
        for n in nodes_el.findall("node"):
            nodes.append(_node(n, node_states.get(n.get("id", "")), options, now, idmap, remote_names))
    seen = {n.uname for n in nodes}
    # create_fake_resource: an orphaned remote connection still running somewhere keeps its
    # remote node, which is shutting down
    orphan_remotes: set[str] = set()
    for ns in node_states.values():
        for entry in ns.iterfind("lrm/lrm_resources/lrm_resource"):
            rid = entry.get("id", "")
            if (entry.get("class"), entry.get("provider"), entry.get("type")) == ("ocf", "pacemaker", "remote") \
                    and rid not in all_ids and rid not in remote_names and rid not in seen \
                    and not any(rid.startswith(f"{b}-") for b, r in all_ids.items() if r.kind == "bundle"):
                orphan_remotes.add(rid)
    for rid in sorted(orphan_remotes):
        remote_names[rid] = rid
    for name, rsc_id in remote_names.items():
        if name in seen:
            continue
        state = None
        for ns in node_states.values():
            if ns.get("uname") == name or ns.get("id") == name:
                state = ns
        remote_node = _remote_node(name, rsc_id, state, now, idmap)
        nodes.append(replace(remote_node, shutdown=True) if name in orphan_remotes else remote_node)

    # bundle nodes (create_remote_resource): no resource may run there but the replica's own,
    # and the node is of the "container" kind
    bundle_nodes = {r.remote.id for b in resources if isinstance(b, Bundle) for r in b.replicas
                    if r.remote is not None}
    nodes = [replace(n, weight=MINUS_INFINITY, attributes={**n.attributes, "#kind": "container"})
             if n.uname in bundle_nodes else n for n in nodes]

    # -- tickets ---------------------------------------------------------------------------
    tickets: dict[str, Ticket] = {}
    if status is not None:
        ts = status.find("tickets")
        if ts is not None:
            for st in ts.findall("ticket_state"):
                tid = st.get("id", "")
                tickets[tid] = Ticket(tid, is_true(st.get("granted")), is_true(st.get("standby")),
                                      int(st.get("last-granted", "0") or 0) or None)

    # -- constraints -----------------------------------------------------------------------
    tags: dict[str, list[str]] = {}
    tags_el = config.find("tags")
    if tags_el is not None:
        for tag in tags_el.findall("tag"):
            tags[tag.get("id", "")] = [r.get("id", "") for r in tag.findall("obj_ref")]

    def expand(name: str) -> list[str]:
        if name in all_ids:
            return [name]
        if name in tags:
            out: list[str] = []
            for member in tags[name]:
                out.extend(expand(member))
            return out
        if name in res_unpacker.templates:
            return [p.id for p in primitives.values() if p.template == name]
        return []

    cons = ConstraintUnpacker(expand, idmap)
    cons.unpack(config.find("constraints"))

    # -- history ---------------------------------------------------------------------------
    history: list[RscHistory] = []
    bans: HistoryBans = []
    fence_nodes: dict[str, str] = {}
    node_by_id = {n.id: n for n in nodes}
    node_by_name = {n.uname: n for n in nodes}
    fail_counts: dict[tuple[str, str], tuple[int, int]] = {}
    timeout_blocked: set[str] = set()  # primitives whose failure-timeout on-fail=block cancels
    for ns in node_states.values():
        node = node_by_id.get(ns.get("id", "")) or node_by_name.get(ns.get("uname", ""))
        if node is None:
            continue
        for key, value in node.attributes.items():
            m = re.match(r"^fail-count-(.+?)(?:#(.+))?$", key)
            if m:
                rid = m.group(1)
                count = parse_score(value, 0)
                last = 0
                for lkey in (f"last-failure-{rid}#{m.group(2)}" if m.group(2) else f"last-failure-{rid}",):
                    last = int(node.attributes.get(lkey, "0") or 0) if node.attributes.get(lkey, "0").isdigit() else 0
                prev = fail_counts.get((rid, node.uname), (0, 0))
                fail_counts[(rid, node.uname)] = (add_scores(prev[0], count), max(prev[1], last))
        lrm = ns.find("lrm/lrm_resources")
        if lrm is None:
            continue
        if (not options.stonith_enabled and not options.shutdown_lock and not node.online
                and node.kind == NodeKind.MEMBER):
            continue  # unpack_node_history never reads them
        for lr in lrm.findall("lrm_resource"):
            rid = lr.get("id", "")
            ops = [parse_op_record(o) for o in lr.findall("lrm_rsc_op")]
            prim = primitives.get(rid) or primitives.get(rid.split(":")[0])
            top = _top(all_ids, prim) if prim is not None else None
            promotable = isinstance(top, Clone) and top.promotable
            meta = prim.meta if prim is not None else {}
            managed = is_true(meta.get("is-managed"), True) and not options.maintenance_mode
            failure_timeout = parse_seconds(meta.get("failure-timeout"), 0)
            if prim is not None and prim.id in timeout_blocked:
                failure_timeout = 0
            raw_count, last_failure = 0, 0
            for fid in {rid, rid.split(":")[0]}:
                c, lf = fail_counts.get((fid, node.uname), (0, 0))
                raw_count = add_scores(raw_count, c)
                last_failure = max(last_failure, lf)
            if (failure_timeout > 0 and raw_count > 0 and prim is not None
                    and any(o.last_rc_change is not None for o in ops) and _block_failure(prim, ops)):
                # pe_get_failcount: "Ignoring failure timeout ... because it conflicts with
                # on-fail=block" (rsc->failure_timeout is cleared for good)
                timeout_blocked.add(prim.id)
                failure_timeout = 0

            def expired(op: OpRecord, ft: int = failure_timeout, count: int = raw_count,
                        last: int = last_failure) -> bool:
                """``check_operation_expiry``: old enough, and no unexpired fail count."""
                if ft <= 0 or op.last_rc_change is None:
                    return False
                nowts = int((now - EPOCH).total_seconds()) if now.tzinfo is None else int(now.timestamp())
                if nowts < op.last_rc_change + ft:
                    return False
                # an unexpired fail count keeps the operation (pe_fc_effective: now > last + timeout)
                return not (count > 0 and not (last > 0 and nowts > last + ft))

            inputs = HistoryInputs(
                rsc_id=rid,
                node=node.uname,
                node_online=node.online or node.kind == NodeKind.REMOTE,
                promotable=promotable,
                managed=managed,
                stonith_enabled=options.stonith_enabled,
                on_fail_for=functools.partial(_on_fail, prim, options=options),
                expired=expired,
            )
            hist, hbans, fence, _ = unpack_history(ops, inputs, lr.get("class"), lr.get("provider"), lr.get("type"))
            if prim is None:
                hist = replace(hist, orphan=True, container=lr.get("container"))
            history.append(hist)
            for where, reason in hbans:
                bans.append((rid, where, reason))
            if fence and node.uname not in fence_nodes:
                fence_nodes[node.uname] = f"{rid} failed there"

    # Resources active on nodes that are down must be fenced there
    for hist in history:
        node = node_by_name.get(hist.node)
        if node is None:
            continue
        if hist.role.value > 1 and not node.online and not node.unclean and node.kind == NodeKind.MEMBER:
            prim = primitives.get(hist.rsc_id)
            managed = prim is None or (is_true(prim.meta.get("is-managed"), True) and not options.maintenance_mode)
            if managed and options.stonith_enabled and not node.maintenance:
                fence_nodes.setdefault(node.uname, f"{hist.rsc_id} is thought to be active there")
    fence_order = [n.uname for n in nodes if n.unclean and n.fence_reason not in (None, "node is unclean")]
    fence_order += [uname for uname in fence_nodes if uname not in fence_order
                    and any(n.uname == uname and not n.unclean for n in nodes)]
    if fence_nodes:
        nodes = [
            replace(n, unclean=True, fence_reason=fence_nodes[n.uname]) if n.uname in fence_nodes and not n.unclean
            else n
            for n in nodes
        ]

    op_defaults: dict[str, str] = {}
    unpack_sets(config.find("op_defaults"), "meta_attributes", ctx, into=op_defaults, idmap=idmap)
    rsc_defaults: dict[str, str] = {}
    unpack_sets(config.find("rsc_defaults"), "meta_attributes", ctx, into=rsc_defaults, idmap=idmap)

    cluster = Cluster(
        options=options,
        now=now,
        nodes=tuple(nodes),
        resources=resources,
        locations=tuple(cons.locations),
        colocations=tuple(cons.colocations),
        orders=tuple(cons.orders),
        ticket_constraints=tuple(cons.tickets),
        tickets=tickets,
        history=tuple(history),
        fail_counts=fail_counts,
        op_defaults=op_defaults,
        rsc_defaults=rsc_defaults,
        messages=tuple(res_unpacker.messages + cons.messages),
        one_or_more=tuple(cons.one_or_more),
        failure_timeout_blocked=frozenset(timeout_blocked),
        fence_order=tuple(fence_order),
    )
    return UnpackResult(cluster, bans)


def _guest_connections(res_unpacker: ResourceUnpacker, resources: tuple[Resource, ...]) -> tuple[Resource, ...]:
    """``expand_remote_rsc_meta``: the implicit connection resource of each guest node."""
    existing = {p.id for p in iter_primitives(resources)} | {r.id for r in resources}
    created: list[Resource] = []
    candidates: list[Primitive] = []
    for rsc in resources:
        if isinstance(rsc, Primitive):
            candidates.append(rsc)
        elif isinstance(rsc, Group):
            candidates.extend(rsc.members)
    for prim in candidates:
        name = prim.meta.get("remote-node")
        if not name or name in existing:
            continue
        meta = {"internal_rsc": "true", "container": prim.id}
        if prim.meta.get("remote-allow-migrate") is not None:
            meta["allow-migrate"] = prim.meta["remote-allow-migrate"]
        if prim.meta.get("is-managed") is not None:
            meta["is-managed"] = prim.meta["is-managed"]
        elem = etree.Element("primitive", id=name, attrib={"class": "ocf", "provider": "pacemaker", "type": "remote"})
        ms = etree.SubElement(elem, "meta_attributes", id=f"{name}-meta_attributes")
        for key, value in meta.items():
            etree.SubElement(ms, "nvpair", id=f"{name}-meta_attributes-{key}", name=key, value=value)
        server = prim.meta.get("remote-addr")
        port = prim.meta.get("remote-port")
        if server or port:
            inst = etree.SubElement(elem, "instance_attributes", id=f"{name}-instance_attributes")
            if server:
                etree.SubElement(inst, "nvpair", id=f"{name}-instance_attributes-addr", name="addr", value=server)
            if port:
                etree.SubElement(inst, "nvpair", id=f"{name}-instance_attributes-port", name="port", value=port)
        ops = etree.SubElement(elem, "operations")
        etree.SubElement(ops, "op", id=f"{name}-monitor-interval-30s", name="monitor", interval="30s",
                         timeout="30s")
        etree.SubElement(ops, "op", id=f"{name}-start-interval-0", name="start", interval="0",
                         timeout=prim.meta.get("remote-connect-timeout") or "60s")
        created.append(res_unpacker.primitive(elem, None, None))
        existing.add(name)
    return tuple(created)


def _top(all_ids: dict[str, Resource], rsc: Resource) -> Resource:
    current = rsc
    while current.parent is not None and current.parent in all_ids:
        current = all_ids[current.parent]
    return current


def _block_failure(prim: Primitive, ops: list[OpRecord]) -> bool:
    """``block_failure``: a failure in this history of an op configured with on-fail="block".

    As Pacemaker, only an ``on-fail`` attribute set on the ``<op>`` element itself counts.
    """
    if prim.element is None:
        return False
    base = prim.id.split(":")[0]
    for conf in prim.element.iter("op"):
        if conf.get("on-fail") != "block":
            continue
        name = conf.get("name", "")
        interval = parse_interval_ms(conf.get("interval"))
        for op in ops:
            if op.task != name or op.interval_ms != interval:
                continue
            if op.id == f"{base}_last_failure_0":
                return True
            target = op.target_rc if op.target_rc is not None else 0
            if op.id == f"{base}_{name}_{interval}" and op.rc_code != target:
                return True
    return False


def _on_fail(prim: Primitive | None, task: str, interval: int, *, options: ClusterOptions) -> OnFail:
    remote_conn = prim is not None and prim.rclass == "ocf" and prim.provider == "pacemaker" \
        and prim.type == "remote"
    if prim is not None:
        for op in prim.ops:
            if op.name == task and op.interval_ms == interval:
                text = op.meta.get("on-fail")
                if text and text.lower() in ON_FAIL_NAMES:
                    value = ON_FAIL_NAMES[text.lower()]
                    if value == OnFail.FENCE and not options.stonith_enabled:
                        # "Resetting on-fail to stop because fence is not valid when fencing is disabled"
                        return OnFail.BLOCK if task == "stop" else OnFail.STOP
                    if value == OnFail.DEMOTE and task != "monitor" and task != "promote":
                        return OnFail.RESTART
                    return value
        if task == "demote":
            # unpack_operation_on_fail: a demote without its own on-fail takes the promoted
            # role's recurring monitor's (unless that is demote)
            for op in prim.ops:
                text = (op.meta.get("on-fail") or "").lower()
                if op.name == "monitor" and op.interval_ms > 0 and op.enabled and text in ON_FAIL_NAMES \
                        and text != "demote" and (op.meta.get("role") or "").lower() in ("promoted", "master"):
                    value = ON_FAIL_NAMES[text]
                    if value == OnFail.FENCE and not options.stonith_enabled:
                        return OnFail.STOP
                    return value
        if prim.meta.get("container"):
            return OnFail.RESTART_CONTAINER
        if remote_conn and not (task == "monitor" and interval == 0) and task != "start":
            # a failure dropping an active connection resets the remote node; probes and
            # starts do not (no connection existed yet)
            return OnFail.RESET_REMOTE
        if task == "stop":
            return OnFail.FENCE if options.stonith_enabled else OnFail.BLOCK
    elif task == "stop":
        return OnFail.FENCE if options.stonith_enabled else OnFail.BLOCK
    return OnFail.RESTART


def _options(root: etree._Element, raw: dict[str, str]) -> ClusterOptions:
    have_quorum = is_true(root.get("have-quorum"), False)
    nqp = raw.get("no-quorum-policy", "stop").lower()
    stonith = is_true(raw.get("stonith-enabled"), True)
    if nqp == "suicide" and not stonith:
        nqp = "stop"
    return ClusterOptions(
        stonith_enabled=stonith,
        stonith_action=(raw.get("stonith-action") or "reboot").replace("poweroff", "off"),
        stonith_timeout=raw.get("stonith-timeout", "60s"),
        symmetric_cluster=is_true(raw.get("symmetric-cluster"), True),
        no_quorum_policy=nqp,
        have_quorum=have_quorum,
        maintenance_mode=is_true(raw.get("maintenance-mode"), False),
        stop_orphan_resources=is_true(raw.get("stop-orphan-resources"), True),
        stop_orphan_actions=is_true(raw.get("stop-orphan-actions"), True),
        stop_all_resources=is_true(raw.get("stop-all-resources"), False),
        start_failure_is_fatal=is_true(raw.get("start-failure-is-fatal"), True),
        startup_fencing=is_true(raw.get("startup-fencing"), True),
        cluster_delay=raw.get("cluster-delay", "60s"),
        batch_limit=int(raw.get("batch-limit", "0") or 0) if (raw.get("batch-limit", "0") or "0").isdigit() else 0,
        migration_limit=int(raw.get("migration-limit", "-1")) if raw.get("migration-limit", "-1").lstrip("-").isdigit()
        else -1,
        placement_strategy=raw.get("placement-strategy", "default"),
        node_health_strategy=raw.get("node-health-strategy", "none"),
        node_health_red=parse_score(raw.get("node-health-red"), MINUS_INFINITY),
        node_health_yellow=parse_score(raw.get("node-health-yellow"), 0),
        node_health_green=parse_score(raw.get("node-health-green"), 0),
        shutdown_lock=is_true(raw.get("shutdown-lock"), False),
        concurrent_fencing=is_true(raw.get("concurrent-fencing"), False),
        priority_fencing_delay=raw.get("priority-fencing-delay", "0"),
        dc_uuid=root.get("dc-uuid"),
        raw=dict(raw),
    )


def _node_attrs(n: etree._Element | None, state: etree._Element | None, now: datetime,
                idmap: dict[str, etree._Element]) -> dict[str, str]:
    attrs: dict[str, str] = {}
    if state is not None:
        transient = state.find("transient_attributes")
        if transient is not None:
            unpack_sets(transient, "instance_attributes", RuleContext(now=now), into=attrs, idmap=idmap)
    if n is not None:
        unpack_sets(n, "instance_attributes", RuleContext(now=now, node_attrs=dict(attrs)), into=attrs, idmap=idmap)
    return attrs


def _node(n: etree._Element, state: etree._Element | None, options: ClusterOptions, now: datetime,
          idmap: dict[str, etree._Element], remote_names: dict[str, str]) -> Node:
    nid = n.get("id", "")
    uname = n.get("uname") or nid
    ntype = (n.get("type") or "member").lower()
    kind = NodeKind.REMOTE if ntype == "remote" else NodeKind.PING if ntype == "ping" else NodeKind.MEMBER
    attrs = _node_attrs(n, state, now, idmap)
    attrs["#uname"] = uname
    attrs["#id"] = nid
    attrs["#kind"] = "remote" if kind == NodeKind.REMOTE else "cluster"
    attrs["#is_dc"] = "true" if options.dc_uuid == nid else "false"
    utilization: dict[str, str] = {}
    unpack_sets(n, "utilization", RuleContext(now=now), into=utilization, idmap=idmap)
    standby = is_true(attrs.get("standby"))
    maintenance = is_true(attrs.get("maintenance"))
    rsc_discovery = is_true(attrs.get("resource-discovery-enabled"), True)
    shutdown_attr = attrs.get("shutdown", "0")
    shutdown = bool(shutdown_attr) and shutdown_attr != "0"
    online = False
    unclean = False
    pending = False
    unseen = state is None
    expected_up = False
    fence_reason: str | None = None
    if kind == NodeKind.REMOTE:
        # remote nodes are online when their connection resource runs (decided after history)
        return Node(nid, uname, kind, False, False, standby, False, maintenance, shutdown, False, unseen, False,
                    False, remote_names.get(uname), attrs, utilization, parse_score(n.get("score"), 0),
                    rsc_discovery)
    if state is None:
        unclean = options.startup_fencing
        fence_reason = "node is unclean" if unclean else None
        # unseen nodes are offline
    else:
        in_ccm = state.get("in_ccm")
        crmd = state.get("crmd")
        join = state.get("join")
        expected = state.get("expected") or "down"
        expected_up = expected == "member"
        crmd_online = crmd == "online"
        terminate = attrs.get("terminate", "")
        do_terminate = is_true(terminate) or (bool(terminate) and terminate[0].isdigit() and terminate[0] != "0")
        if not options.stonith_enabled:
            if not is_true(in_ccm):
                pass
            elif crmd_online:
                online = join == "member"
            elif not expected_up:
                pass
            else:
                unclean = True
                fence_reason = "peer is unexpectedly down"
        elif shutdown:
            online = crmd_online
        elif in_ccm is None:
            unclean = True
            fence_reason = "peer has not been seen by the cluster"
        elif join == "banned":  # CRMD_JOINSTATE_NACK
            unclean = True
            fence_reason = "peer failed Pacemaker membership criteria"
        elif not do_terminate and expected == "down":
            if is_true(in_ccm) or crmd_online:
                standby = True
                pending = True
        elif do_terminate and join == "down" and not is_true(in_ccm) and not crmd_online:
            online = False
        elif not is_true(in_ccm):
            unclean = True
            fence_reason = "peer is no longer part of the cluster"
        elif not crmd_online:
            unclean = True
            fence_reason = "peer process is no longer available"
        elif do_terminate:
            unclean = True
            fence_reason = "termination was requested"
        elif join == "member":
            online = True
        elif join in ("pending", "down"):
            standby = True
            pending = True
        else:
            unclean = True
            fence_reason = "peer was in an unknown state"
    if kind == NodeKind.PING:
        unclean = False
        online = False
    return Node(
        id=nid, uname=uname, kind=kind, online=online and not unclean, unclean=unclean, standby=standby,
        standby_onfail=False, maintenance=maintenance, shutdown=shutdown, pending=pending, unseen=unseen,
        expected_up=expected_up, is_dc=options.dc_uuid == nid, remote_rsc=None, attributes=attrs,
        utilization=utilization, weight=parse_score(n.get("score"), 0), rsc_discovery=rsc_discovery,
        fence_reason=fence_reason,
    )


def _remote_node(name: str, rsc_id: str, state: etree._Element | None, now: datetime,
                 idmap: dict[str, etree._Element]) -> Node:
    attrs = _node_attrs(None, state, now, idmap)
    attrs["#uname"] = name
    attrs["#id"] = name
    attrs["#kind"] = "container" if rsc_id != name else "remote"
    return Node(name, name, NodeKind.REMOTE, False, False, is_true(attrs.get("standby")), False,
                is_true(attrs.get("maintenance")), False, False, state is None, False, False, rsc_id, attrs, {}, 0)


def group_of(cluster: Cluster, rsc_id: str) -> Group | None:
    """The group a primitive belongs to, if any."""
    for rsc in cluster.resources:
        if isinstance(rsc, Group) and any(m.id == rsc_id for m in rsc.members):
            return rsc
    return None


