"""The "Current cluster status" view of a CIB, laid out as Pacemaker 2.1.5's crm_simulate prints it.

:func:`cluster_status` returns a tree of :class:`Block` (a titled list) and :class:`Entry`
(one line); front ends render it (``crm_simulate`` in the "fancy" text layout with headers and
bullets, or the plain one).  The node and resource states are read from the CIB status section:
membership from ``node_state``, resource roles from the ``lrm_rsc_op`` history.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from lxml import etree

INFINITY = 1_000_000


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
    "monitor": "Monitoring",
    "notify": "Notifying",
}


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "yes", "y", "on", "1")


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
    health: str | None = None
    running: int = 0


def _cluster_options(cib: etree._Element) -> dict[str, str]:
    return _nvpairs(cib.find("configuration/crm_config"), "cluster_property_set")


def _node_online_fencing(state: etree._Element, node: NodeView, terminate: bool) -> bool:
    join = state.get("join")
    in_cluster = state.get("in_ccm")
    crmd_online = (state.get("crmd") or "").lower() == "online"
    exp_state = state.get("expected") or "down"
    online = _true(in_cluster)
    if node.shutdown:
        return crmd_online
    if in_cluster is None or (join or "").lower() == "banned":
        node.unclean = True
    elif not terminate and exp_state.lower() == "down":
        if _true(in_cluster) or crmd_online:
            node.standby = node.pending = True
    elif terminate and (join or "").lower() == "down" and not _true(in_cluster) and not crmd_online:
        online = False
    elif not _true(in_cluster) or not crmd_online or terminate:
        node.unclean = True
    elif (join or "").lower() == "member":
        pass
    elif (join or "").lower() in ("pending", "down"):
        node.standby = node.pending = True
    else:
        node.unclean = True
    return online


def _node_online_no_fencing(state: etree._Element, node: NodeView) -> bool:
    if not _true(state.get("in_ccm")):
        return False
    if (state.get("crmd") or "").lower() == "online":
        return (state.get("join") or "").lower() == "member"
    if (state.get("expected") or "").lower() == "member":
        node.unclean = True
    return False


def unpack_nodes(cib: etree._Element) -> dict[str, NodeView]:
    """Cluster nodes by name with their membership state."""
    options = _cluster_options(cib)
    fencing = _true(options.get("stonith-enabled", "true"))
    nodes: dict[str, NodeView] = {}
    for elem in cib.iterfind("configuration/nodes/node"):
        name = elem.get("uname") or elem.get("id") or ""
        kind = "remote" if (elem.get("type") or "") == "remote" else "cluster"
        node = NodeView(name=name, uuid=elem.get("id") or name, kind=kind)
        attrs = _nvpairs(elem, "instance_attributes")
        node.standby = _true(attrs.get("standby"))
        node.maintenance = _true(attrs.get("maintenance"))
        nodes[name] = node
    for state in cib.iterfind("status/node_state"):
        found = nodes.get(state.get("uname") or "")
        if found is None or found.kind != "cluster":
            continue
        node = found
        transient = _nvpairs(state.find("transient_attributes"), "instance_attributes")
        if "standby" in transient:
            node.standby = _true(transient["standby"])
        if "maintenance" in transient:
            node.maintenance = _true(transient["maintenance"])
        shutdown = transient.get("shutdown", "0")
        node.shutdown = shutdown not in ("", "0")
        term = transient.get("terminate", "")
        terminate = _true(term) or (term[:1].isdigit() and term[:1] != "0")
        if fencing:
            node.online = _node_online_fencing(state, node, terminate)
        else:
            node.online = _node_online_no_fencing(state, node)
    if cib.find("status") is not None:
        for node in nodes.values():
            if node.kind == "cluster" and not any(
                s.get("uname") == node.name for s in cib.iterfind("status/node_state")
            ):
                node.online = False
    if _true(options.get("maintenance-mode")):
        for node in nodes.values():
            node.maintenance = node.maintenance or False
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


def replay_history(ops: Iterable[etree._Element], on_fail: dict[str, str]) -> Placement:
    """Replay one resource's operations on one node (ordered by call id) into a placement."""
    place = Placement()
    ordered = sorted(ops, key=lambda o: (_int(o.get("call-id"), -1) if _int(o.get("call-id"), -1) >= 0 else 1 << 40))
    for op in ordered:
        task = op.get("operation") or ""
        interval = _int(op.get("interval"))
        rc = _int(op.get("rc-code"), 0)
        status = _int(op.get("op-status"), 0)
        target = _expected_rc(op)
        if status == -1:  # pending
            place.pending = task
            if task in ("start", "migrate_from"):
                place.role = Role.STARTED
            elif task == "promote":
                place.role = Role.PROMOTED
            elif task == "demote":
                place.role = Role.UNPROMOTED
            continue
        if task in ("notify", "meta-data", "cancel"):
            continue
        if status == 1 or task == "delete":  # cancelled
            continue
        ok = status == 0 and rc == target
        if task == "monitor" and interval == 0:  # probe
            if rc == 0:
                place.role = Role.STARTED
                place.failed = place.failed and status == 0 and target == 0
            elif rc == 8:
                place.role = Role.PROMOTED
            elif rc == 7:
                place.role = Role.STOPPED
                place.failed = False
            else:
                place.failed = True
                place.failed_probe_rc = rc
                if rc == 5:
                    place.role = Role.STOPPED
                    place.failed = False
            continue
        if task == "monitor":
            if ok:
                continue
            if rc == 7:
                place.role = Role.STOPPED if status == 0 else place.role
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
            continue
        if not ok:
            if on_fail.get(task) == "ignore":
                place.failure_ignored = True
            else:
                place.failed = True
            if task == "stop":
                place.role = Role.STARTED if place.role == Role.STOPPED else place.role
                if on_fail.get("stop", "block") in ("block", "fence"):
                    place.blocked = on_fail.get("stop", "block") == "block"
            elif task in ("start", "migrate_from"):
                place.role = Role.STARTED
            elif task == "promote" or task == "demote":
                place.role = Role.PROMOTED
            continue
        place.failed = False
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


def unpack_history(cib: etree._Element, nodes: dict[str, NodeView], prims: dict[str, etree._Element]) -> History:
    history = History()
    for state in cib.iterfind("status/node_state"):
        name = state.get("uname") or ""
        node = nodes.get(name)
        if node is None:
            continue
        for entry in state.iterfind("lrm/lrm_resources/lrm_resource"):
            rid = entry.get("id") or ""
            prim = prims.get(rid.split(":", 1)[0])
            place = replay_history(entry.iterfind("lrm_rsc_op"), _op_on_fail(prim))
            if not node.online and not node.unclean and place.role > Role.STOPPED:
                continue  # a node that left cleanly runs nothing
            history.by_rsc.setdefault(rid, {})[name] = place
    return history


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


def _meta(elem: etree._Element) -> dict[str, str]:
    return _nvpairs(elem, "meta_attributes")


def _inherited_meta(elem: etree._Element, name: str, ctx: Context) -> str | None:
    cur: etree._Element | None = elem
    while cur is not None and cur.tag in ("primitive", "group", "clone", "master", "bundle"):
        value = _meta(cur).get(name)
        if value is not None:
            return value
        cur = cur.getparent()
    return ctx.defaults.get(name)


def _agent(prim: etree._Element) -> str:
    cls = prim.get("class") or "unknown"
    provider = prim.get("provider")
    kind = prim.get("type") or "unknown"
    if cls == "ocf" and provider:
        return f"{cls}:{provider}:{kind}"
    return f"{cls}:{kind}"


def _flags(words: Iterable[str]) -> str:
    words = list(words)
    return f" ({', '.join(words)})" if words else ""


def _primitive_line(
    ctx: Context,
    prim: etree._Element,
    name: str,
    placements: dict[str, Placement],
    *,
    orphan: bool = False,
) -> str:
    active = {n: p for n, p in placements.items() if p.role > Role.STOPPED or p.failed}
    running = sorted(active, key=natural_key)
    failed = any(p.failed for p in active.values())
    role = max((p.role for p in active.values()), default=Role.STOPPED)
    pending = next((p.pending for p in active.values() if p.pending), None)
    text = f"{name}\t({_agent(prim)}):\t"
    if orphan:
        text += " ORPHANED"
    if failed:
        text += " FAILED"
        if role > Role.UNPROMOTED:
            text += " " + ROLE_TEXT[role]
    elif pending and pending in PENDING_TEXT and pending != "monitor":
        text += " " + PENDING_TEXT[pending]
    else:
        text += " " + ROLE_TEXT[role]
    node = running[0] if len(running) == 1 else None
    if node:
        text += " " + node
    if role == Role.STOPPED and not failed:
        probe = next((p.failed_probe_rc for p in placements.values() if p.failed_probe_rc is not None), None)
        if probe is not None:
            text += f" ({_OCF_TEXT.get(probe, 'error')}) "
    flags: list[str] = []
    if node and not ctx.nodes[node].online and ctx.nodes[node].unclean:
        flags.append("UNCLEAN")
    if pending == "monitor":
        flags.append("Monitoring")
    target = _inherited_meta(prim, "target-role", ctx)
    if (target is not None and target.lower() == "stopped") or ctx.stop_all:
        flags.append("disabled")
    managed = _inherited_meta(prim, "is-managed", ctx)
    maint = _inherited_meta(prim, "maintenance", ctx)
    blocked = any(p.blocked for p in active.values())
    if blocked:
        flags.append("blocked")
    elif _true(maint) or ctx.maintenance_mode:
        flags.append("maintenance")
    elif managed is not None and not _true(managed):
        flags.append("unmanaged")
    if any(p.failure_ignored for p in active.values()):
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


def _group_items(ctx: Context, group: etree._Element, suffix: str = "") -> list[Item]:
    out: list[Item] = []
    for prim in group.iterfind("primitive"):
        rid = str(prim.get("id")) + suffix
        out.append(Entry(_primitive_line(ctx, prim, rid, ctx.history.on(rid))))
    return out


def _clone_items(ctx: Context, clone: etree._Element) -> Block:
    cid = str(clone.get("id"))
    child = next((c for c in clone if isinstance(c.tag, str) and c.tag in ("primitive", "group")), None)
    meta = _meta(clone)
    promotable = clone.tag == "master" or _true(meta.get("promotable"))
    unique = _true(meta.get("globally-unique"))
    flags: list[str] = []
    if promotable:
        flags.append("promotable")
    if unique:
        flags.append("unique")
    target = meta.get("target-role")
    if target is not None and target.lower() == "stopped":
        flags.append("disabled")
    managed = meta.get("is-managed")
    if managed is not None and not _true(managed):
        flags.append("unmanaged")
    if child is None:
        return Block(f"Clone Set: {cid}" + _flags(flags))
    child_id = str(child.get("id"))
    title = f"Clone Set: {cid} [{child_id}]" + _flags(flags)
    online = [n for n in ctx.nodes.values() if n.kind == "cluster"]
    max_instances = _int(meta.get("clone-max"), len(online)) if meta.get("clone-max") else len(online)
    # instance history ids: "child", "child:N"
    instances: dict[str, dict[str, Placement]] = {}
    if child.tag == "primitive":
        for rid, places in ctx.history.by_rsc.items():
            if rid == child_id or rid.startswith(child_id + ":"):
                instances[rid] = places
    items: list[Item] = []
    if child.tag == "group":
        for n in range(max_instances):
            items.append(Block(f"Resource Group: {child_id}:{n}", tuple(_group_items(ctx, child, f":{n}"))))
        return Block(title, tuple(items))
    if unique:
        for n in range(max_instances):
            rid = f"{child_id}:{n}"
            items.append(Entry(_primitive_line(ctx, child, rid, instances.get(rid, {}))))
        return Block(title, tuple(items))
    by_role: dict[Role, list[str]] = {}
    active_nodes: set[str] = set()
    for rid, places in sorted(instances.items()):
        for node, place in places.items():
            if place.role <= Role.STOPPED and not place.failed:
                continue
            active_nodes.add(node)
            if place.failed or place.pending or place.failure_ignored or place.blocked:
                items.append(Entry(_primitive_line(ctx, child, rid, {node: place})))
                continue
            by_role.setdefault(place.role, []).append(node)
    for role in (Role.PROMOTED, Role.STARTED, Role.UNPROMOTED):
        names = by_role.get(role)
        if names:
            label = ROLE_TEXT[role]
            items.append(Entry(f"{label}: [ {' '.join(sorted(names, key=natural_key))} ]"))
    stopped = [n.name for n in sorted(online, key=lambda v: natural_key(v.name)) if n.name not in active_nodes]
    if stopped:
        disabled = target is not None and target.lower() == "stopped"
        label = "Stopped (disabled)" if disabled else "Stopped"
        items.append(Entry(f"{label}: [ {' '.join(stopped)} ]"))
    return Block(title, tuple(items))


def _resource_items(ctx: Context) -> Iterator[Item]:
    resources = ctx.cib.find("configuration/resources")
    if resources is None:
        return
    for elem in resources:
        if not isinstance(elem.tag, str):
            continue
        if elem.tag == "primitive":
            rid = str(elem.get("id"))
            yield Entry(_primitive_line(ctx, elem, rid, ctx.history.on(rid)))
        elif elem.tag == "group":
            yield Block(f"Resource Group: {elem.get('id')}", tuple(_group_items(ctx, elem)))
        elif elem.tag in ("clone", "master"):
            yield _clone_items(ctx, elem)


def _node_items(ctx: Context) -> list[Item]:
    items: list[Item] = []
    online: list[str] = []
    offline: list[str] = []
    for node in sorted(ctx.nodes.values(), key=lambda n: natural_key(n.name)):
        if node.kind != "cluster":
            continue
        if node.unclean or node.pending or node.maintenance or (node.standby and node.online) or (
            node.standby and not node.online
        ):
            if node.unclean:
                status = "UNCLEAN (online)" if node.online else "UNCLEAN (offline)"
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
            if node.standby and not node.online and not node.unclean and not node.pending:
                offline.append(node.name)
                continue
            items.append(Entry(f"Node {node.name}: {status}"))
        elif node.online:
            online.append(node.name)
        else:
            offline.append(node.name)
    if online:
        items.append(Entry(f"[ {' '.join(online)} ]", label="Online"))
    if offline:
        items.append(Entry(f"[ {' '.join(offline)} ]", label="OFFLINE"))
    return items


def _context(cib: etree._Element) -> Context:
    nodes = unpack_nodes(cib)
    prims = _primitives(cib)
    history = unpack_history(cib, nodes, prims)
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
        maintenance_mode=_true(options.get("maintenance-mode")),
        stop_all=_true(options.get("stop-all-resources")),
    )


def cluster_status(cib: etree._Element) -> tuple[Item, ...]:
    """The Node List and Full List of Resources blocks of ``cib``."""
    ctx = _context(cib)
    resources = tuple(_resource_items(ctx))
    nodes = tuple(_node_items(ctx))
    out: list[Item] = [Block("Node List", nodes), Spacer()]
    out.append(Block("Full List of Resources", resources or (Entry("No resources"),)))
    return tuple(out)


def instance_counts(cib: etree._Element) -> tuple[int, int, int]:
    """(disabled, total, blocked) resource instances, for the crm_simulate preamble."""
    ctx = _context(cib)
    n_nodes = sum(1 for n in ctx.nodes.values() if n.kind == "cluster")
    total = disabled = 0
    resources = cib.find("configuration/resources")
    if resources is None:
        return (0, 0, 0)
    for prim in resources.iter("primitive"):
        copies = 1
        parent = prim.getparent()
        while parent is not None and parent is not resources:
            if parent.tag in ("clone", "master"):
                cmax = _meta(parent).get("clone-max")
                copies *= _int(cmax, n_nodes) if cmax else n_nodes
            parent = parent.getparent()
        total += copies
        target = _inherited_meta(prim, "target-role", ctx)
        if (target is not None and target.lower() == "stopped") or ctx.stop_all:
            disabled += copies
    blocked = sum(
        1 for places in ctx.history.by_rsc.values() for p in places.values() if p.blocked and p.failed
    )
    return (disabled, total, blocked)
