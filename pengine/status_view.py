"""The "Current cluster status" view of a CIB, laid out as Pacemaker 2.1.5's crm_simulate prints it.

:func:`cluster_status` returns a tree of :class:`Block` (a titled list) and :class:`Entry`
(one line); front ends render it (``crm_simulate`` in the "fancy" text layout with headers and
bullets, or the plain one).  The node and resource states are read from the CIB status section:
membership from ``node_state``, resource roles from the ``lrm_rsc_op`` history.

This view replays the history itself, following what Pacemaker's status unpacking shows (which
differs in places from what its scheduler acts on: e.g. a failure on a node about to be fenced is
not displayed as FAILED); it is checked against the suite's summaries (with the expected graphs)
and against Debian's crm_simulate on generated clusters.  Known gaps: some orphaned clone and
bundle instances, multi-instance counts of bundles in the DISABLED/BLOCKED preamble.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from lxml import etree

from crm.common.booleans import is_true
from crm.common.durations import parse_seconds
from crm.common.scores import INFINITY, parse_score
from pengine.bundles.unpack import RUNTIMES, BundleError, bundle_xml, taken_before


@dataclass(frozen=True)
class Entry:
    """One line; ``label`` is shown as ``label: text`` in the fancy layout only."""

    text: str
    label: str | None = None


@dataclass(frozen=True)
class Spacer:
    """A blank line between two lists."""


@dataclass(frozen=True)
class Block:
    """A titled list (the title is shown in the fancy layout only)."""

    title: str
    items: tuple[Entry | Block | Spacer, ...] = ()


Item = Entry | Block | Spacer


class Role(enum.IntEnum):
    UNKNOWN = 0
    STOPPED = 1
    STARTED = 2
    UNPROMOTED = 3
    PROMOTED = 4


ROLE_TEXT = {
    Role.UNKNOWN: "Unknown",
    Role.STOPPED: "Stopped",
    Role.STARTED: "Started",
    Role.UNPROMOTED: "Unpromoted",
    Role.PROMOTED: "Promoted",
}

PENDING_TEXT = {
    "start": "Starting",
    "stop": "Stopping",
    "migrate_to": "Migrating",
    "migrate_from": "Migrating",
    "promote": "Promoting",
    "demote": "Demoting",
}


def natural_key(name: str) -> list[object]:
    """Sort key comparing digit runs as numbers, case-insensitively (node2 < node10)."""
    return [int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", name)]


def _nvpairs(elem: etree._Element | None, tag: str) -> dict[str, str]:
    """Name/value pairs of every ``tag`` set directly under ``elem`` (rules are not evaluated)."""
    out: dict[str, str] = {}
    if elem is None:
        return out
    for aset in elem.iterfind(tag):
        for nv in aset.iterfind("nvpair"):
            name = nv.get("name")
            if name is not None and name not in out:
                out[name] = nv.get("value", "")
    return out


# ---------------------------------------------------------------------------------------------
# Nodes


@dataclass
class NodeView:
    name: str
    uuid: str
    kind: str = "cluster"  # cluster | remote | guest
    online: bool = False
    unclean: bool = False
    pending: bool = False
    standby: bool = False
    maintenance: bool = False
    shutdown: bool = False
    health: int = 1  # 1 green, 0 yellow, -1 red (only with a node-health-strategy)
    running: int = 0
    connection: str | None = None  # remote / guest nodes: the connection resource id
    container: str | None = None  # guest nodes: the resource the guest runs in
    born: int = -1  # position among the resources after which other resources may use the node
    created_at: int = -1  # bundle nodes: position of their bundle among the resources
    orphaned: bool = False  # the node of a connection resource no longer configured


def _cluster_options(cib: etree._Element) -> dict[str, str]:
    return _nvpairs(cib.find("configuration/crm_config"), "cluster_property_set")


def _node_online_fencing(state: etree._Element, node: NodeView, terminate: bool) -> bool:
    join = state.get("join")
    in_cluster = state.get("in_ccm")
    crmd_online = (state.get("crmd") or "").lower() == "online"
    exp_state = state.get("expected") or "down"
    online = is_true(in_cluster)
    if node.shutdown:
        return crmd_online
    if in_cluster is None or (join or "").lower() == "banned":
        node.unclean = True
    elif not terminate and exp_state.lower() == "down":
        if is_true(in_cluster) or crmd_online:
            node.standby = node.pending = True
    elif terminate and (join or "").lower() == "down" and not is_true(in_cluster) and not crmd_online:
        online = False
    elif not is_true(in_cluster) or not crmd_online or terminate:
        node.unclean = True
    elif (join or "").lower() == "member":
        pass
    elif (join or "").lower() in ("pending", "down"):
        node.standby = node.pending = True
    else:
        node.unclean = True
    return online


def _node_online_no_fencing(state: etree._Element, node: NodeView) -> bool:
    if not is_true(state.get("in_ccm")):
        return False
    if (state.get("crmd") or "").lower() == "online":
        return (state.get("join") or "").lower() == "member"
    if (state.get("expected") or "").lower() == "member":
        node.unclean = True
    return False


@dataclass(frozen=True)
class BundleReplica:
    index: int
    container: str  # "<bundle>-docker-<i>"
    remote: str | None  # connection resource and guest node name "<bundle>-<i>" (with a child only)
    ip: str | None
    address: str | None = None


@dataclass(frozen=True)
class BundleInfo:
    id: str
    image: str
    runtime: str  # docker | podman | rkt
    replicas: tuple[BundleReplica, ...]
    child: etree._Element | None
    promotable: bool


def bundle_info(bundle: etree._Element) -> BundleInfo:
    """The implicit resources of a ``<bundle>`` (containers, connections, addresses), named as
    the scheduler names them (``pengine.bundles.unpack``); none when the bundle cannot be
    unpacked."""
    bid = str(bundle.get("id"))
    child = bundle.find("primitive")
    try:
        layout = bundle_xml(bundle, taken_before(bundle))
    except BundleError:
        runtime_elem = next((c for c in bundle if isinstance(c.tag, str) and c.tag in RUNTIMES), None)
        runtime = str(runtime_elem.tag) if runtime_elem is not None else "docker"
        image = runtime_elem.get("image", "") if runtime_elem is not None else ""
        promotable = runtime_elem is not None and _int(
            runtime_elem.get("promoted-max") or runtime_elem.get("masters"), 0) > 0
        return BundleInfo(bid, image, runtime, (), child, promotable)
    replicas = tuple(
        BundleReplica(
            member.index,
            str(member.container.get("id")),
            str(member.remote.get("id")) if member.remote is not None else None,
            str(member.ip.get("id")) if member.ip is not None else None,
            member.address,
        )
        for member in layout.members
    )
    return BundleInfo(bid, layout.image, layout.runtime, replicas, child, layout.promoted_max > 0)


def _health(attrs: dict[str, str]) -> int:
    """Pacemaker's node health from ``#health*`` attributes: 1 green, 0 yellow, -1 red."""
    rc = 1
    for name, value in attrs.items():
        if not name.startswith("#health"):
            continue
        low = value.strip().lower()
        if low == "red":
            return -1
        if low == "yellow":
            rc = 0
            continue
        if low in ("green", ""):
            continue
        text = low.upper()
        score = -INFINITY if text == "-INFINITY" else _int(text, 0) if text.lstrip("+-").isdigit() else 0
        if score <= -INFINITY:
            return -1
        if score < 0:
            rc = 0
    return rc


def unpack_nodes(cib: etree._Element) -> dict[str, NodeView]:
    """Cluster nodes by name with their membership state."""
    options = _cluster_options(cib)
    fencing = is_true(options.get("stonith-enabled", "true"))
    nodes: dict[str, NodeView] = {}
    config_attrs: dict[str, dict[str, str]] = {}
    for elem in cib.iterfind("configuration/nodes/node"):
        name = elem.get("uname") or elem.get("id") or ""
        kind = "remote" if (elem.get("type") or "") == "remote" else "cluster"
        node = NodeView(name=name, uuid=elem.get("id") or name, kind=kind)
        nodes[name] = node
        config_attrs[name] = _nvpairs(elem, "instance_attributes")
    for state in cib.iterfind("status/node_state"):
        found = nodes.get(state.get("uname") or "")
        if found is None or found.kind != "cluster":
            continue
        node = found
        # Node attributes (standby, maintenance) count only for nodes the status knows.
        attrs = config_attrs.get(node.name, {})
        node.standby = is_true(attrs.get("standby"))
        node.maintenance = is_true(attrs.get("maintenance"))
        transient = _nvpairs(state.find("transient_attributes"), "instance_attributes")
        if "standby" in transient:
            node.standby = is_true(transient["standby"])
        if "maintenance" in transient:
            node.maintenance = is_true(transient["maintenance"])
        shutdown = transient.get("shutdown", "0")
        node.shutdown = shutdown not in ("", "0")
        term = transient.get("terminate", "")
        terminate = is_true(term) or (term[:1].isdigit() and term[:1] != "0")
        if fencing:
            node.online = _node_online_fencing(state, node, terminate)
        else:
            node.online = _node_online_no_fencing(state, node)
    strategy = (options.get("node-health-strategy") or "none").lower()
    if strategy != "none":
        transient_of = {
            st.get("uname"): _nvpairs(st.find("transient_attributes"), "instance_attributes")
            for st in cib.iterfind("status/node_state")
        }
        for node in nodes.values():
            attrs = {**config_attrs.get(node.name, {}), **(transient_of.get(node.name) or {})}
            node.health = _health(attrs)
    seen = {s.get("uname") for s in cib.iterfind("status/node_state")}
    startup_fencing = fencing and is_true(options.get("startup-fencing", "true"))
    for node in nodes.values():
        if node.kind == "cluster" and node.name not in seen:
            node.online = False
            node.unclean = startup_fencing  # never seen: fenced before resources may start
    for prim in cib.iterfind("configuration/resources//primitive"):
        rid = str(prim.get("id"))
        if (prim.get("class"), prim.get("provider"), prim.get("type")) == ("ocf", "pacemaker", "remote"):
            node = nodes.get(rid) or NodeView(name=rid, uuid=rid)
            node.kind, node.connection = "remote", rid
            nodes[rid] = node
        guest = _nvpairs(prim, "meta_attributes").get("remote-node")
        if guest:
            node = nodes.get(guest) or NodeView(name=guest, uuid=guest)
            node.kind, node.connection, node.container = "guest", guest, rid
            nodes[guest] = node
    tops = [e for e in cib.iterfind("configuration/resources/*") if isinstance(e.tag, str)]
    for position, bundle in enumerate(tops):
        if bundle.tag != "bundle":
            continue
        for replica in bundle_info(bundle).replicas:
            if replica.remote is not None:
                found = nodes.get(replica.remote)
                # Bundle nodes not declared in <nodes> are banned from every other resource.
                node = found if found is not None else NodeView(
                    replica.remote, replica.remote, born=1 << 30, created_at=position
                )
                node.kind, node.connection, node.container = "guest", replica.remote, replica.container
                nodes[replica.remote] = node
    # create_fake_resource: an orphaned connection still has its node (a guest node when its
    # history names a container), made only while the status is read
    configured = _configured_ids(cib.find("configuration/resources"))
    for entry in cib.iterfind("status/node_state/lrm/lrm_resources/lrm_resource"):
        rid = str(entry.get("id"))
        if (entry.get("class"), entry.get("provider"), entry.get("type")) != ("ocf", "pacemaker", "remote") \
                or rid in configured or rid in nodes:
            continue
        node = NodeView(rid, rid, kind="remote", connection=rid, born=1 << 30, created_at=1 << 30, orphaned=True)
        if entry.get("container"):
            node.kind, node.container = "guest", entry.get("container")
        nodes[rid] = node
    for state in cib.iterfind("status/node_state"):
        found = nodes.get(state.get("uname") or "")
        if found is None or found.kind == "cluster":
            continue
        transient = _nvpairs(state.find("transient_attributes"), "instance_attributes")
        attrs = {**config_attrs.get(found.name, {}), **transient}
        found.standby = is_true(attrs.get("standby"))
        found.maintenance = is_true(attrs.get("maintenance"))
    return nodes


# ---------------------------------------------------------------------------------------------
# Resource history


@dataclass
class Placement:
    """What the history says about one resource instance on one node."""

    role: Role = Role.STOPPED
    failed: bool = False
    pending: str | None = None
    failed_probe_rc: int | None = None
    failure_ignored: bool = False
    blocked: bool = False
    fence_node: bool = False  # the failure makes the node unclean (it must be fenced)
    migrated_to: str | None = None  # last state change: a successful migrate_to towards this node


def _int(text: str | None, default: int = 0) -> int:
    try:
        return int(text or "")
    except ValueError:
        return default


def _expected_rc(op: etree._Element) -> int:
    key = op.get("transition-key") or ""
    parts = key.split(":")
    if len(parts) >= 3:
        return _int(parts[2], 0)
    return 0


_DEGRADED_AS = {190: 0, 191: 8}  # OCF_DEGRADED and OCF_DEGRADED_PROMOTED count as their successes


def _rc(op: etree._Element) -> int:
    """The operation's effective exit status (``pcmk__effective_rc``: degraded results are successes)."""
    rc = _int(op.get("rc-code"), 0)
    return _DEGRADED_AS.get(rc, rc)


def _call_id(op: etree._Element) -> int:
    return _int(op.get("call-id"), -1)


def _sorted_ops(ops: Iterable[etree._Element]) -> list[etree._Element]:
    """Operations by call id; pending ones without a call id are the newest."""
    return sorted(ops, key=lambda o: _call_id(o) if _call_id(o) >= 0 else 1 << 40)


def _active_window(ops: list[etree._Element]) -> list[etree._Element] | None:
    """The operations since the last start (None: stopped since), as Pacemaker's unpacking does."""
    start = stop = implied_monitor = implied_clone = -1
    for i, op in enumerate(ops):
        task = op.get("operation") or ""
        if task == "stop" and op.get("op-status") == "0" and op.get("rc-code", "0") == "0":
            stop = i
        elif task in ("start", "migrate_from"):
            start = i
        elif implied_monitor <= stop and task == "monitor" and op.get("rc-code") in ("0", "8"):
            implied_monitor = i
        elif task in ("promote", "demote"):
            implied_clone = i
    if start == -1:
        start = implied_clone if implied_clone != -1 else implied_monitor
    if start < stop:
        return None
    return ops[max(start, 0):]


def _op_failed(op: etree._Element) -> bool:
    status = _int(op.get("op-status"), 0)
    if status in (-1, 1):
        return False
    return status != 0 or _rc(op) != _expected_rc(op)


def replay_history(
    ops: Iterable[etree._Element],
    on_fail: dict[str, str],
    expired: Callable[[etree._Element], bool] = lambda op: False,
) -> Placement:
    """Replay one resource's operations on one node (ordered by call id) into a placement.

    Failed operations for which ``expired`` is true (failure-timeout elapsed) are ignored.
    """
    place = Placement()
    ordered = [op for op in _sorted_ops(ops) if not (_op_failed(op) and expired(op))]
    window = _active_window(ordered)
    if window is None:
        return place
    for op in window:
        task = op.get("operation") or ""
        interval = _int(op.get("interval"))
        rc = _rc(op)
        status = _int(op.get("op-status"), 0)
        target = _expected_rc(op)
        if status == -1:  # pending
            if place.pending is None and (interval != 0 or task != "monitor"):
                place.pending = task
            if task == "start":
                place.role = max(place.role, Role.STARTED)
            elif task == "promote":
                place.role = Role.PROMOTED
            continue
        if task in ("notify", "meta-data", "cancel", "delete"):
            continue
        if status == 1:  # cancelled
            continue
        ok = status == 0 and rc == target
        if task == "monitor" and interval == 0:  # probe
            if rc == 0:
                place.role = Role.STARTED
            elif rc == 8:
                place.role = Role.PROMOTED
            elif rc == 7:
                place.role = Role.STOPPED
            elif rc == 5:
                place.role = Role.STOPPED
                if (op.get("id") or "").endswith("_last_failure_0"):
                    place.failed_probe_rc = rc
            else:
                place.failed = True
                place.role = max(place.role, Role.STARTED)  # a failed probe may have left it running
                if (op.get("id") or "").endswith("_last_failure_0"):
                    place.failed_probe_rc = rc
            continue
        if task == "monitor":
            if ok or rc == target:
                if rc in (0, 8) and place.role < Role.STARTED:
                    place.role = Role.PROMOTED if rc == 8 else Role.STARTED
                elif rc == 7:
                    place.role = Role.STOPPED  # a monitor of the stopped role found it stopped
                continue
            if rc == 7:
                place.failed = True
            elif rc == 8:
                place.role = Role.PROMOTED
            elif rc == 9:
                place.role = Role.PROMOTED
                place.failed = True
            else:
                place.failed = True
            if place.failed and on_fail.get("monitor") == "ignore":
                place.failed = False
                place.failure_ignored = True
            elif place.failed and on_fail.get("monitor") == "block":
                place.blocked = True
            continue
        if not ok and on_fail.get(task) == "ignore":
            place.failure_ignored = True
            ok = True  # an ignored failure counts as the operation's success
        if not ok:
            place.failed = True
            place.blocked = place.blocked or (task != "stop" and on_fail.get(task) == "block")
            if task == "stop":
                if place.role == Role.STOPPED:
                    place.role = Role.STARTED
                policy = on_fail.get("stop", "block")
                if policy == "block":
                    place.blocked = True
                elif policy == "fence":
                    place.fence_node = True
            elif task in ("start", "migrate_from"):
                place.role = Role.STARTED
            elif task in ("promote", "demote"):
                place.role = Role.PROMOTED
            continue
        place.migrated_to = op.get("migrate_target") if task == "migrate_to" else None
        if task in ("start", "migrate_from", "reload", "reload-agent"):
            place.role = Role.STARTED
        elif task in ("stop", "migrate_to"):
            place.role = Role.STOPPED
        elif task == "promote":
            place.role = Role.PROMOTED
        elif task == "demote":
            place.role = Role.UNPROMOTED
    return place


@dataclass
class History:
    """Placements by history id (``rsc`` or ``rsc:N``) and node."""

    by_rsc: dict[str, dict[str, Placement]] = field(default_factory=dict)

    def on(self, rsc_id: str) -> dict[str, Placement]:
        return self.by_rsc.get(rsc_id, {})


def _op_on_fail(prim: etree._Element | None) -> dict[str, str]:
    out: dict[str, str] = {}
    if prim is None:
        return out
    for op in prim.iterfind("operations/op"):
        name, value = op.get("name"), op.get("on-fail")
        if name and value and name not in out:
            out[name] = value
    return out


def _managed(prim: etree._Element | None, defaults: dict[str, str]) -> bool:
    cur = prim
    while cur is not None and cur.tag in ("primitive", "group", "clone", "master", "bundle"):
        meta = _nvpairs(cur, "meta_attributes")
        if "is-managed" in meta:
            return is_true(meta["is-managed"])
        cur = cur.getparent()
    return is_true(defaults.get("is-managed", "true"))


def _failure_timeout(prim: etree._Element | None, defaults: dict[str, str]) -> int:
    cur = prim
    while cur is not None and cur.tag in ("primitive", "group", "clone", "master", "bundle"):
        meta = _nvpairs(cur, "meta_attributes")
        if "failure-timeout" in meta:
            return parse_seconds(meta["failure-timeout"], 0)
        cur = cur.getparent()
    return parse_seconds(defaults.get("failure-timeout"), 0)


def _expiry(
    state: etree._Element, rid: str, timeout: int, now: int | None
) -> Callable[[etree._Element], bool]:
    """Whether a failed operation of ``rid`` on this node has expired (failure-timeout elapsed)."""
    if timeout <= 0 or now is None:
        return lambda op: False
    attrs = _nvpairs(state.find("transient_attributes"), "instance_attributes")
    base = rid.split(":", 1)[0]
    counts = [
        (name, value) for name, value in attrs.items()
        if name.startswith((f"fail-count-{rid}", f"fail-count-{base}"))
        and name[len("fail-count-"):].split("#", 1)[0] in (rid, base)
    ]
    last_failures = [
        _int(value, 0) for name, value in attrs.items()
        if name.startswith("last-failure-") and name[len("last-failure-"):].split("#", 1)[0] in (rid, base)
    ]
    has_count = any(parse_score(v) > 0 for _, v in counts)
    count_expired = not last_failures or max(last_failures) + timeout <= now

    def expired(op: etree._Element) -> bool:
        last_run = op.get("last-rc-change")
        if last_run is None or not last_run.lstrip("-").isdigit():
            return False
        if now < int(last_run) + timeout:
            return False
        return count_expired if has_count else True

    return expired


def unpack_history(
    cib: etree._Element,
    nodes: dict[str, NodeView],
    prims: dict[str, etree._Element],
    now: int | None = None,
) -> History:
    """Placements of every history entry, and the node uncleanliness that history implies.

    Cluster nodes first; then Pacemaker Remote and guest nodes, whose being online depends on
    their connection resource (and container) running on a cluster node.
    """
    history = History()
    options = _cluster_options(cib)
    fencing = is_true(options.get("stonith-enabled", "true"))
    maintenance_mode = is_true(options.get("maintenance-mode"))
    defaults = _nvpairs(cib.find("configuration/rsc_defaults"), "meta_attributes")
    unclean_before = {name for name, node in nodes.items() if node.unclean}
    states = [s for s in cib.iterfind("status/node_state") if (s.get("uname") or "") in nodes]

    # Containers failed for a guest's resources: unpacked after their host's fencing, they stay failed.
    recovered_containers: list[Placement] = []

    def unpack_state(state: etree._Element) -> None:
        name = state.get("uname") or ""
        node = nodes[name]
        for entry in state.iterfind("lrm/lrm_resources/lrm_resource"):
            rid = entry.get("id") or ""
            prim = prims.get(rid.split(":", 1)[0])
            on_fail = _op_on_fail(prim)
            on_fail.setdefault("stop", "fence" if fencing else "block")
            if on_fail["stop"] == "fence" and not fencing:
                on_fail["stop"] = "block"
            if not node.online and not fencing and node.kind == "cluster":
                continue  # without fencing, the history of a node that is down is not trusted
            # A failure timeout is ignored when it conflicts with on-fail=block.
            timeout = 0 if "block" in on_fail.values() and any(
                op.get("on-fail") == "block" for op in (prim.iterfind("operations/op") if prim is not None else ())
            ) else _failure_timeout(prim, defaults)
            expired = _expiry(state, rid, timeout, now)
            place = replay_history(entry.iterfind("lrm_rsc_op"), on_fail, expired)
            if node.kind == "cluster" and node.unclean and node.online:
                # The node is to be fenced already (for a resource unpacked before): this failure
                # needs no recovery of its own.
                place.failed = False
            if place.fence_node and node.kind != "guest":
                node.unclean = True
            active_on_lost_node = (
                place.role > Role.STOPPED
                and not node.online
                and not node.maintenance
                and not maintenance_mode
                and _managed(prim, defaults)
            )
            if active_on_lost_node and node.kind == "guest":
                place.failed = True  # recovered by restarting the guest's container
                if node.container is not None:
                    for cplace in _active(history.by_rsc.get(node.container, {})).values():
                        cplace.failed = True
                        recovered_containers.append(cplace)
            elif active_on_lost_node and fencing:
                node.unclean = True  # thought to be active on a lost node: it must be fenced
            history.by_rsc.setdefault(rid, {})[name] = place

    def settle(kind: str) -> None:
        for node in nodes.values():
            if node.kind != kind or node.connection is None:
                continue
            conn = _active(history.by_rsc.get(node.connection, {}))
            node.online = bool(conn) and not any(p.failed for p in conn.values())
            if node.container is not None:
                cont = _active(history.by_rsc.get(node.container, {}))
                hosts = [nodes[h] for h in cont if h in nodes]
                if not cont or any(p.failed for p in cont.values()) or not conn:
                    node.online = False
                elif any(not h.online and h.unclean for h in hosts):
                    node.online = False  # its host must be fenced

    # Cluster nodes first, then remote nodes (connections run on cluster nodes), then guests
    # (whose containers may run on remote nodes).
    for kind in ("cluster", "remote", "guest"):
        if kind != "cluster":
            settle(kind)
        for state in states:
            if nodes[state.get("uname") or ""].kind == kind:
                unpack_state(state)
    # A migration whose migrate_from has not run yet: active on the source and on the target.
    for rid, places in history.by_rsc.items():
        for place in list(places.values()):
            target = place.migrated_to
            if target is None:
                continue
            target_state = next((st for st in states if st.get("uname") == target), None)
            entry = None
            if target_state is not None:
                entry = next((e for e in target_state.iterfind("lrm/lrm_resources/lrm_resource")
                              if e.get("id") == rid), None)
            migrate_from = [op for op in entry.iterfind("lrm_rsc_op") if op.get("operation") == "migrate_from"] \
                if entry is not None else []
            if migrate_from:
                if any(_op_failed(op) for op in migrate_from):
                    place.role = Role.STARTED  # the migration failed: it may still run on the source
                    place.failed = True
                continue
            place.role = Role.STARTED
            target_node = nodes.get(target)
            if target_node is None or not target_node.online:
                place.failed = True  # running on the source, the migration cannot complete: recover it
            elif target not in places or places[target].role <= Role.STOPPED:
                # Pacemaker adds the target while unpacking the source's migrate_to, before the source.
                reordered = {target: Placement(role=Role.STARTED)}
                reordered.update((name, p) for name, p in places.items() if name != target)
                places.clear()
                places.update(reordered)

    # Failures on a node that must be fenced need no recovery of their own.
    for places in history.by_rsc.values():
        for name, place in places.items():
            node = nodes[name]
            if node.kind == "cluster" and node.unclean and (
                name in unclean_before
            ):
                place.failed = False
    for place in recovered_containers:
        place.failed = True
    return history


def _active(placements: dict[str, Placement]) -> dict[str, Placement]:
    return {n: p for n, p in placements.items() if p.role > Role.STOPPED or p.failed}


# ---------------------------------------------------------------------------------------------
# Resources


@dataclass
class Context:
    cib: etree._Element
    nodes: dict[str, NodeView]
    history: History
    defaults: dict[str, str]
    maintenance_mode: bool
    stop_all: bool
    symmetric: bool = True
    show_pending: bool = True


def _meta(elem: etree._Element) -> dict[str, str]:
    return _nvpairs(elem, "meta_attributes")


def _rule_matches(rule: etree._Element, rsc: etree._Element) -> bool | None:
    """Evaluate a rule made of ``rsc_expression``s for ``rsc``; None when it has other tests."""
    results: list[bool] = []
    for expr in rule:
        if not isinstance(expr.tag, str):
            continue
        if expr.tag == "rsc_expression":
            ok = all(
                expr.get(attr) is None or expr.get(attr) == _agent_attr(rsc, attr)
                for attr in ("class", "provider", "type")
            ) and rsc.tag == "primitive"
            results.append(ok)
        elif expr.tag == "rule":
            sub = _rule_matches(expr, rsc)
            if sub is None:
                return None
            results.append(sub)
        else:
            return None
    if (rule.get("boolean-op") or "and").lower() == "or":
        return any(results)
    return all(results)


def _defaults(ctx: Context, rsc: etree._Element) -> dict[str, str]:
    out: dict[str, str] = {}
    section = ctx.cib.find("configuration/rsc_defaults")
    if section is None:
        return out
    for aset in section.iterfind("meta_attributes"):
        rule = aset.find("rule")
        if rule is not None and not _rule_matches(rule, rsc):
            continue
        for nv in aset.iterfind("nvpair"):
            name = nv.get("name")
            if name is not None and name not in out:
                out[name] = nv.get("value", "")
    return out


def _inherited_meta(elem: etree._Element, name: str, ctx: Context) -> str | None:
    cur: etree._Element | None = elem
    while cur is not None and cur.tag in ("primitive", "group", "clone", "master", "bundle"):
        value = _meta(cur).get(name)
        if value is not None:
            return value
        if cur.tag == "primitive":
            tmpl = _template(cur)
            if tmpl is not None and name in _meta(tmpl):
                return _meta(tmpl)[name]
        cur = cur.getparent()
    return _defaults(ctx, elem).get(name)


def _disabled(elem: etree._Element, ctx: Context) -> bool:
    target = _inherited_meta(elem, "target-role", ctx)
    return target is not None and target.lower() == "stopped"


def _unmanaged(elem: etree._Element, ctx: Context) -> bool:
    """Not managed: is-managed=false, or the whole cluster in maintenance mode."""
    if ctx.maintenance_mode:
        return True
    managed = _inherited_meta(elem, "is-managed", ctx)
    return managed is not None and not is_true(managed)


def _in_maintenance(elem: etree._Element, ctx: Context) -> bool:
    return is_true(_inherited_meta(elem, "maintenance", ctx))


def _template(prim: etree._Element) -> etree._Element | None:
    name = prim.get("template")
    if not name:
        return None
    root = prim.getroottree().getroot()
    for tmpl in root.iterfind("configuration/resources/template"):
        if tmpl.get("id") == name:
            return tmpl
    return None


def _agent_attr(prim: etree._Element, name: str) -> str | None:
    value = prim.get(name)
    if value is None:
        tmpl = _template(prim)
        if tmpl is not None:
            value = tmpl.get(name)
    return value


def _agent(prim: etree._Element) -> str:
    cls = _agent_attr(prim, "class") or "unknown"
    provider = _agent_attr(prim, "provider")
    kind = _agent_attr(prim, "type") or "unknown"
    if cls == "ocf":
        return f"{cls}:{provider or ''}:{kind}"
    return f"{cls}:{kind}"


def _flags(words: Iterable[str]) -> str:
    words = list(words)
    return f" ({', '.join(words)})" if words else ""


def _display_role(place: Placement, promotable: bool) -> Role:
    if promotable and place.role == Role.STARTED:
        return Role.UNPROMOTED
    return place.role


def _primitive_line(
    ctx: Context,
    prim: etree._Element,
    name: str,
    placements: dict[str, Placement],
    *,
    promotable: bool = False,
    orphan: bool = False,
    at_node: str | None = None,
) -> str:
    active = _active(placements)
    running = list(active)  # in the order the status section made them active
    failed = any(p.failed for p in active.values())
    role = max((_display_role(p, promotable) for p in active.values()), default=Role.STOPPED)
    pending = next((p.pending for p in active.values() if p.pending), None) if ctx.show_pending else None
    text = f"{name}\t({_agent(prim)}):\t"
    if orphan:
        text += " ORPHANED"
    if failed:
        text += " FAILED"
        if role > Role.UNPROMOTED:
            text += " " + ROLE_TEXT[role]
    elif pending in PENDING_TEXT:
        text += " " + PENDING_TEXT[pending]
    else:
        text += " " + ROLE_TEXT[role]
    node = running[0] if len(running) == 1 else None
    if at_node is not None and len(running) <= 1:
        node = at_node
    if node:
        text += " " + node
    if role == Role.STOPPED:
        probe = next((p.failed_probe_rc for p in placements.values() if p.failed_probe_rc is not None), None)
        if probe is not None:
            text += f" ({_OCF_TEXT.get(probe, 'error')}) "
    flags: list[str] = []
    if node and node in ctx.nodes and not ctx.nodes[node].online and ctx.nodes[node].unclean:
        flags.append("UNCLEAN")
    if pending == "monitor":
        flags.append("Monitoring")
    target = _inherited_meta(prim, "target-role", ctx)
    if target is not None and target.lower() == "stopped":
        flags.append("disabled")
    elif promotable and target is not None and target.lower() in ("unpromoted", "slave"):
        flags.append("target-role:" + target)
    on_maintenance_node = any(n in ctx.nodes and ctx.nodes[n].maintenance for n in active)
    if any(p.blocked and p.failed for p in active.values()):
        flags.append("blocked")
    elif _in_maintenance(prim, ctx) or _unmanaged(prim, ctx) or on_maintenance_node:
        flags.append("unmanaged")  # Pacemaker 2.1.5 words resource maintenance this way too
    if any(p.failure_ignored for p in placements.values()):
        flags.append("failure ignored")
    text += _flags(flags)
    if len(running) > 1:
        text += " [ " + " ".join(running) + " ]"
    return text


_OCF_TEXT = {
    1: "error",
    2: "invalid parameter",
    3: "unimplemented feature",
    4: "insufficient privileges",
    5: "not installed",
    6: "not configured",
    7: "not running",
    8: "promoted",
    9: "promoted (failed)",
}


def _primitives(cib: etree._Element) -> dict[str, etree._Element]:
    return {str(p.get("id")): p for p in cib.iterfind("configuration/resources//primitive")}


def _group_header(ctx: Context, group: etree._Element, name: str) -> str:
    flags: list[str] = []
    if _disabled(group, ctx):
        flags.append("disabled")
    if _in_maintenance(group, ctx) or _unmanaged(group, ctx):
        flags.append("unmanaged")
    return f"Resource Group: {name}" + _flags(flags)


def _group_block(ctx: Context, group: etree._Element, suffix: str = "", promotable: bool = False,
                 only_node: str | None = None) -> Block:
    items: list[Item] = []
    for prim in group.iterfind("primitive"):
        rid = str(prim.get("id"))
        places = ctx.history.on(rid + suffix) if suffix else ctx.history.on(rid)
        name = rid + suffix
        if only_node is not None:
            places = {n: p for n, p in _instance_places(ctx, rid).items() if n == only_node}
            name = rid
        items.append(Entry(_primitive_line(ctx, prim, name, places, promotable=promotable)))
    return Block(_group_header(ctx, group, str(group.get("id")) + suffix), tuple(items))


def _instance_places(ctx: Context, rid: str) -> dict[str, Placement]:
    """Placements of every instance of an anonymous clone member, by node."""
    out: dict[str, Placement] = {}
    for hid, places in ctx.history.by_rsc.items():
        if hid == rid or (hid.startswith(rid + ":") and hid[len(rid) + 1:].isdigit()):
            for node, place in places.items():
                if node not in out or place.role > out[node].role or place.failed:
                    out[node] = place
    return out


def _top_position(ctx: Context, rsc: etree._Element) -> int:
    top = rsc
    while top.getparent() is not None and top.getparent().tag != "resources":  # type: ignore[union-attr]
        top = top.getparent()  # type: ignore[assignment]
    tops = [e for e in ctx.cib.iterfind("configuration/resources/*") if isinstance(e.tag, str)]
    return tops.index(top) if top in tops else len(tops)


def _clone_max(ctx: Context, meta: dict[str, str], clone: etree._Element) -> int:
    """clone-max, by default the number of nodes known when the clone is unpacked."""
    position = _top_position(ctx, clone)
    default = sum(1 for n in ctx.nodes.values() if n.created_at < position)
    return _int(meta.get("clone-max"), default) if meta.get("clone-max") else default


def _allowed_nodes(ctx: Context, known: Iterable[str], rsc: etree._Element) -> list[str]:
    """Nodes a resource may run on before constraints: every node known when it was unpacked."""
    if ctx.symmetric:
        parent = rsc
        while parent.getparent() is not None and parent.getparent().tag != "resources":  # type: ignore[union-attr]
            parent = parent.getparent()  # type: ignore[assignment]
        tops = [e for e in ctx.cib.iterfind("configuration/resources/*") if isinstance(e.tag, str)]
        position = tops.index(parent) if parent in tops else len(tops)
        names = [n.name for n in ctx.nodes.values() if n.born < position]
    else:
        names = list(known)
    return sorted(names, key=natural_key)


def _clone_block(ctx: Context, clone: etree._Element) -> Block:
    cid = str(clone.get("id"))
    child = next((c for c in clone if isinstance(c.tag, str) and c.tag in ("primitive", "group")), None)
    meta = _meta(clone)
    promotable = clone.tag == "master" or is_true(meta.get("promotable"))
    unique = is_true(meta.get("globally-unique"))
    if child is not None and child.tag == "primitive" and (_agent_attr(child, "class") or "").lower() not in (
        "ocf", "stonith"
    ):
        unique = False  # only OCF and fencing agents can run as distinct instances
    flags: list[str] = []
    if promotable:
        flags.append("promotable")
    if unique:
        flags.append("unique")
    if _disabled(clone, ctx):
        flags.append("disabled")
    if _in_maintenance(clone, ctx) or _unmanaged(clone, ctx):
        flags.append("unmanaged")
    if child is None:
        return Block(f"Clone Set: {cid}" + _flags(flags))
    child_id = str(child.get("id"))
    title = f"Clone Set: {cid} [{child_id}]" + _flags(flags)
    clone_max = _clone_max(ctx, meta, clone)
    items: list[Item] = []
    if unique:
        for n in range(clone_max):
            if child.tag == "group":
                items.append(_group_block(ctx, child, f":{n}", promotable))
            else:
                rid = f"{child_id}:{n}"
                items.append(Entry(_primitive_line(ctx, child, rid, ctx.history.on(rid), promotable=promotable)))
        return Block(title, tuple(items))

    members = [child] if child.tag == "primitive" else list(child.iterfind("primitive"))
    per_member = {str(m.get("id")): _instance_places(ctx, str(m.get("id"))) for m in members}
    known = {n for places in per_member.values() for n in places}
    active_nodes = sorted(
        {n for places in per_member.values() for n, p in _active(places).items()}, key=natural_key
    )
    # Instances are numbered in the order the status lists the nodes running them.
    doc_order = {str(st.get("uname")): i for i, st in enumerate(ctx.cib.iterfind("status/node_state"))}
    numbered = sorted(active_nodes, key=lambda n: (doc_order.get(n, len(doc_order)), natural_key(n)))
    instance_of = {node: i for i, node in enumerate(numbered)}
    by_role: dict[Role, list[str]] = {}
    for node in numbered:
        places = [per_member[str(m.get("id"))].get(node) for m in members]
        if instance_of[node] >= clone_max:  # more instances active than allowed: orphans
            if child.tag == "primitive" and places[0] is not None:
                items.append(Entry(_primitive_line(ctx, child, child_id, {node: places[0]}, promotable=promotable,
                                                   orphan=True)))
            continue
        fully = all(p is not None and p.role > Role.STOPPED for p in places)
        troubled = any(
            p is not None and (p.failed or p.blocked or (ctx.show_pending and p.pending in PENDING_TEXT))
            for p in places
        ) or _unmanaged(child, ctx) or _in_maintenance(child, ctx) or (node in ctx.nodes and ctx.nodes[node].maintenance)
        roles = {_display_role(p, promotable) for p in places if p is not None}
        unclean = not ctx.nodes[node].online and ctx.nodes[node].unclean if node in ctx.nodes else False
        if fully and not troubled and len(roles) == 1 and not unclean:
            by_role.setdefault(roles.pop(), []).append(node)
            continue
        if child.tag == "group":
            items.append(_group_block(ctx, child, f":{instance_of[node]}", promotable, only_node=node))
        else:
            p = per_member[child_id][node]
            items.append(Entry(_primitive_line(ctx, child, child_id, {node: p}, promotable=promotable)))
    active_count = 0
    for role, label in ((Role.PROMOTED, "Promoted"), (Role.UNPROMOTED, "Unpromoted"), (Role.STARTED, "Started")):
        names = by_role.get(role)
        if names:
            active_count += len(names)
            if role == Role.UNPROMOTED and not promotable:
                label = "Started"
            items.append(Entry(f"{label}: [ {' '.join(sorted(names, key=natural_key))} ]"))
    if clone_max > active_count:
        state = "Stopped (disabled)" if _disabled(clone, ctx) else "Stopped"
        stopped: dict[str, list[str]] = {}
        for node in _allowed_nodes(ctx, known, clone):
            if node in active_nodes:
                continue
            probe = next(
                (p.failed_probe_rc for places in per_member.values() for n, p in places.items()
                 if n == node and p.failed_probe_rc is not None),
                None,
            )
            label = f"Stopped ({_OCF_TEXT.get(probe, 'error')})" if probe is not None else state
            stopped.setdefault(label, []).append(node)
        for label in sorted(stopped):
            items.append(Entry(f"{label}: [ {' '.join(stopped[label])} ]"))
    return Block(title, tuple(items))


def _bundle_block(ctx: Context, bundle: etree._Element) -> Block:
    info = bundle_info(bundle)
    flags: list[str] = []
    if is_true(_meta(bundle).get("globally-unique")):
        flags.append("unique")
    if _in_maintenance(bundle, ctx) or _unmanaged(bundle, ctx):
        flags.append("unmanaged")
    kind = "Container bundle set" if len(info.replicas) > 1 else "Container bundle"
    title = f"{kind}: {info.id} [{info.image}]" + _flags(flags)
    items: list[Item] = []
    for replica in info.replicas:
        container_places = ctx.history.on(replica.container)
        if info.child is not None and replica.remote is not None:
            child_id = str(info.child.get("id"))
            child_place = _instance_places(ctx, child_id).get(replica.remote)
            hosts = sorted(_active(container_places), key=natural_key)
            shown: dict[str, Placement] = {}
            if child_place is not None and (child_place.role > Role.STOPPED or child_place.failed):
                shown = {replica.remote: child_place}
            name = replica.remote + (f" ({replica.address})" if replica.address else "")
            items.append(Entry(_primitive_line(ctx, info.child, name, shown, promotable=info.promotable,
                                               at_node=hosts[0] if len(hosts) == 1 else None)))
        else:
            fake = etree.Element("primitive", id=replica.container, type=info.runtime, provider="heartbeat")
            fake.set("class", "ocf")
            bundle.append(fake)
            try:
                items.append(Entry(_primitive_line(ctx, fake, replica.container, container_places)))
            finally:
                bundle.remove(fake)
    return Block(title, tuple(items))


def _priority(elem: etree._Element) -> int:
    return parse_score(_meta(elem).get("priority"))


def _configured_ids(resources: etree._Element | None) -> set[str]:
    if resources is None:
        return set()
    ids = {str(e.get("id")) for e in resources.iter("primitive", "group", "clone", "master", "bundle")}
    for bundle in resources.iterfind("bundle"):
        for replica in bundle_info(bundle).replicas:
            ids |= {x for x in (replica.container, replica.remote, replica.ip) if x}
    return ids


def _orphans(ctx: Context, resources: etree._Element) -> Iterator[Item]:
    configured = _configured_ids(resources) | {n.name for n in ctx.nodes.values()
                                               if n.kind == "guest" and not n.orphaned}
    seen: set[str] = set()
    for state in ctx.cib.iterfind("status/node_state"):
        for entry in state.iterfind("lrm/lrm_resources/lrm_resource"):
            hid = str(entry.get("id"))
            base = hid.split(":", 1)[0]
            if base in configured or hid in seen:
                continue
            seen.add(hid)
            places = ctx.history.on(hid)
            if not _active(places):
                continue
            fake = etree.Element("primitive", id=hid)
            for name in ("class", "provider", "type"):
                value = entry.get(name)
                if value is not None:
                    fake.set(name, value)
            yield Entry(_primitive_line(ctx, fake, hid, places, orphan=True))


def _resource_items(ctx: Context) -> Iterator[Item]:
    resources = ctx.cib.find("configuration/resources")
    if resources is None:
        return
    tops = [e for e in resources if isinstance(e.tag, str)
            and e.tag in ("primitive", "group", "clone", "master", "bundle")]
    tops.sort(key=lambda e: -_priority(e))
    for elem in tops:
        if elem.tag == "primitive":
            rid = str(elem.get("id"))
            yield Entry(_primitive_line(ctx, elem, rid, ctx.history.on(rid)))
        elif elem.tag == "group":
            yield _group_block(ctx, elem)
        elif elem.tag == "bundle":
            yield _bundle_block(ctx, elem)
        else:
            yield _clone_block(ctx, elem)
    yield from _orphans(ctx, resources)


def node_status_text(node: NodeView) -> str:
    """A node's state as Pacemaker's status output words it (``online``, ``standby (with
    active resources)``, ``UNCLEAN (offline)``, ...), with its health colour if not green."""
    if node.unclean:
        status = "UNCLEAN (online)" if node.online else ("UNCLEAN (pending)" if node.pending else "UNCLEAN (offline)")
    elif node.pending:
        status = "pending"
    elif node.standby:
        if node.online:
            status = "standby (with active resources)" if node.running else "standby"
        else:
            status = "OFFLINE (standby)"
    elif node.maintenance:
        status = "maintenance" if node.online else "OFFLINE (maintenance)"
    else:
        status = "online" if node.online else "OFFLINE"
    if node.health < 0:
        status += " (health is RED)"
    elif node.health == 0:
        status += " (health is YELLOW)"
    return status


def _node_items(ctx: Context) -> list[Item]:
    items: list[Item] = []
    groups: dict[str, list[str]] = {}
    prefix = {"cluster": "Node", "remote": "RemoteNode", "guest": "GuestNode"}
    for node in sorted(ctx.nodes.values(), key=lambda n: natural_key(n.name)):
        individual = node.unclean or node.pending or node.standby or node.maintenance or node.health <= 0
        if not individual:
            if node.online:
                label = {"cluster": "Online", "remote": "RemoteOnline", "guest": "GuestOnline"}[node.kind]
            elif node.kind == "guest":
                continue  # offline guest nodes are not listed
            else:
                label = "OFFLINE" if node.kind == "cluster" else "RemoteOFFLINE"
            groups.setdefault(label, []).append(node.name)
            continue
        items.append(Entry(f"{prefix[node.kind]} {node.name}: {node_status_text(node)}"))
    for label in ("Online", "OFFLINE", "RemoteOnline", "RemoteOFFLINE", "GuestOnline"):
        if label in groups:
            items.append(Entry(f"[ {' '.join(groups[label])} ]", label=label))
    return items


def _context(cib: etree._Element, now: int | None = None) -> Context:
    nodes = unpack_nodes(cib)
    prims = _primitives(cib)
    history = unpack_history(cib, nodes, prims, now)
    for places in history.by_rsc.values():
        for node, place in places.items():
            if place.role > Role.STOPPED:
                nodes[node].running += 1
    options = _cluster_options(cib)
    defaults = _nvpairs(cib.find("configuration/rsc_defaults"), "meta_attributes")
    return Context(
        cib=cib,
        nodes=nodes,
        history=history,
        defaults=defaults,
        maintenance_mode=is_true(options.get("maintenance-mode")),
        stop_all=is_true(options.get("stop-all-resources")),
        symmetric=is_true(options.get("symmetric-cluster", "true")),
    )


def cluster_status(
    cib: etree._Element, *, show_pending: bool = True, now: int | None = None
) -> tuple[Item, ...]:
    """The Node List and Full List of Resources blocks of ``cib``.

    ``show_pending``: show operations in progress ("Starting", "(Monitoring)"), as crm_simulate
    does for the current status but not for the revised one.  ``now`` (epoch seconds) lets
    failures older than their resource's failure-timeout expire; None keeps every failure.
    """
    ctx = _context(cib, now)
    ctx.show_pending = show_pending
    resources = tuple(_resource_items(ctx))
    nodes = tuple(_node_items(ctx))
    out: list[Item] = [Block("Node List", nodes), Spacer()]
    out.append(Block("Full List of Resources", resources or (Entry("No resources"),)))
    return tuple(out)


def instance_counts(cib: etree._Element, now: int | None = None) -> tuple[int, int, int]:
    """(disabled, total, blocked) resource instances, for the crm_simulate preamble."""
    ctx = _context(cib, now)
    total = disabled = 0
    resources = cib.find("configuration/resources")
    if resources is None:
        return (0, 0, 0)
    for bundle in resources.iterfind("bundle"):
        info = bundle_info(bundle)
        for replica in info.replicas:
            total += 1 + (replica.ip is not None) + 2 * (replica.remote is not None)
    for prim in resources.iter("primitive"):
        if any(a.tag == "bundle" for a in prim.iterancestors()):
            continue
        copies = 1
        promotable = False
        parent = prim.getparent()
        while parent is not None and parent is not resources:
            if parent.tag in ("clone", "master"):
                meta = _meta(parent)
                copies *= _clone_max(ctx, meta, parent)
                promotable = promotable or parent.tag == "master" or is_true(meta.get("promotable"))
            parent = parent.getparent()
        total += copies
        target = (_inherited_meta(prim, "target-role", ctx) or "").lower()
        if target == "stopped" or (promotable and target in ("unpromoted", "slave")):
            disabled += copies
    blocked = sum(
        1 for places in ctx.history.by_rsc.values()
        if any(p.blocked and p.failed and p.role > Role.STOPPED for p in places.values())
    )
    return (disabled, total, blocked)
