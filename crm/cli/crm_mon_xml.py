"""``crm_mon --output-as=xml``: the cluster status as Pacemaker 2.1.5's XML API (``crm_mon``
schema 2.25): summary, nodes, resources, node attributes, node history, failures and bans,
in the envelope of :mod:`crm.cli.output_format`.

The status is read with the same unpacking as the text output (:mod:`pengine.status_view`),
so both formats always agree on roles, failures and node states.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from crm.cli.mon_ops import epoch_text, failed_op, masked_probe
from crm.cli.mon_resources import Scope, fully_active, in_promotable, passes_node, running_on
from crm.cli.mon_sections import Section, SectionError, select
from crm.cli.output_format import XmlResult
from crm.common.booleans import is_true
from crm.common.results import ExitCode, rc_text
from crm.common.scores import INFINITY, parse_score
from pengine.status_view import (
    ROLE_TEXT,
    Context,
    NodeView,
    Placement,
    Role,
    _active,
    _agent,
    _clone_max,
    _context,
    _disabled,
    _display_role,
    _in_maintenance,
    _inherited_meta,
    _instance_places,
    _meta,
    _unmanaged,
    bundle_info,
    instance_counts,
    natural_key,
)

__all__ = ["SECTIONS", "Filter", "build", "sections_from"]

SECTIONS = ("summary", "nodes", "resources", "attributes", "history", "failures", "tickets", "bans")
NO_FEATURE_SET = "<3.15.1"
HIDDEN_ATTRIBUTE_PREFIXES = ("fail-count-", "last-failure-", "shutdown", "terminate", "standby", "#")
EXEC_STATUS_TEXT = {
    -1: "pending", 0: "complete", 1: "Cancelled", 2: "Timed Out", 3: "NOT SUPPORTED", 4: "Error",
    5: "Hard error", 6: "Fatal error", 7: "Not installed", 8: "Internal communication failure",
    9: "Cannot execute now", 10: "No fence device", 11: "CIB secrets unavailable",
}


# The XML sections and the section flags that show them
XML_SECTIONS = {
    "summary": Section.STACK | Section.DC | Section.TIMES | Section.COUNTS | Section.OPTIONS,
    "nodes": Section.NODES, "resources": Section.RESOURCES, "attributes": Section.ATTRIBUTES,
    "history": Section.OPERATIONS | Section.FAILCOUNTS, "failures": Section.FAILURES, "tickets": Section.TICKETS,
    "bans": Section.BANS,
}


def sections_from(specs: list[tuple[str, str]]) -> set[str]:
    """The XML sections to show: every section, then each ``(include|exclude, LIST)`` applied in
    order (:func:`crm.cli.mon_sections.select`)."""
    try:
        shown = select(specs, xml=True)
    except SectionError as exc:
        raise SectionError(str(exc)) from None
    return {name for name, flags in XML_SECTIONS.items() if shown.sections & flags}


class Filter:
    """``--resource`` and ``--node``: what the output is limited to (tags expanded)."""

    def __init__(self, cib: etree._Element, resource: str | None = None, node: str | None = None) -> None:
        tags = {str(t.get("id")): [str(r.get("id")) for r in t.iterfind("obj_ref")]
                for t in cib.iterfind("configuration/tags/tag")}
        self.resources = set(tags.get(resource, [resource])) if resource else None
        # a tag names nodes by id
        names = {str(n.get("id")): str(n.get("uname") or n.get("id")) for n in cib.iterfind("configuration/nodes/node")}
        self.nodes = {names.get(i, i) for i in tags[node]} if node in tags else ({node} if node else None)
        self.primitives = {str(p.get("id")): p for p in cib.iterfind("configuration/resources//primitive")}
        # what names a top-level resource as a whole, by the id of each primitive in it: a group
        # by its own id only, a clone by its id, its child's and its instances', a bundle by
        # any of its parts (Pacemaker's ``is_filtered`` of each variant)
        self.tops: dict[str, tuple[set[str], bool]] = {}
        resources = cib.find("configuration/resources")
        for top in resources if resources is not None else ():
            if not isinstance(top.tag, str):
                continue
            ids = {str(top.get("id"))}
            instances = False
            if top.tag in ("clone", "master"):
                child = next((c for c in top if isinstance(c.tag, str) and c.tag in ("primitive", "group")), None)
                if child is not None:
                    ids.add(str(child.get("id")))
                    instances = True
            elif top.tag == "bundle":
                ids |= {str(e.get("id")) for e in top.iter("primitive")}
                for replica in bundle_info(top).replicas:
                    ids |= {x for x in (replica.ip, replica.container, replica.remote) if x}
            for prim in top.iter("primitive"):
                self.tops[str(prim.get("id"))] = (ids, instances)
            if top.tag == "bundle":
                for rid in ids:
                    self.tops[rid] = (ids, False)

    def history_ok(self, rid: str) -> bool:
        """Whether the history of ``rid`` is shown: it is named, or its top-level resource is."""
        if self.resources is None:
            return True
        base = rid.split(":", 1)[0]
        if rid in self.resources or base in self.resources:
            return True
        if any(r.split(":", 1)[0] == base for r in self.resources):  # an instance of it is named
            return True
        ids, instances = self.tops.get(base, ({base}, False))
        return any(r in ids or (instances and r.split(":", 1)[0] in ids) for r in self.resources)

    def failure_ok(self, rid: str) -> bool:
        """Failed actions are shown for the named resources themselves."""
        return self.resources is None or rid in self.resources or rid.split(":", 1)[0] in self.resources

    def node_ok(self, name: str) -> bool:
        return self.nodes is None or name in self.nodes

    def resource_ids(self, rid: str) -> bool:
        """Whether history of ``rid`` (``rsc`` or ``rsc:N``) is shown."""
        if self.resources is None or rid in self.resources or rid.split(":", 1)[0] in self.resources:
            return True
        prim = self.primitives.get(rid.split(":", 1)[0])
        return prim is not None and self.whole(prim)

    def subtree(self, elem: etree._Element) -> bool:
        """Whether ``elem`` (a resource element) is shown at all: it, an ancestor or a descendant
        is named."""
        if self.resources is None:
            return True
        ids = {str(elem.get("id"))}
        ids |= {str(a.get("id")) for a in elem.iterancestors() if a.tag in ("group", "clone", "master", "bundle")}
        ids |= {str(d.get("id")) for d in elem.iter("primitive", "group")}
        if elem.tag == "bundle":
            for replica in bundle_info(elem).replicas:
                ids |= {x for x in (replica.ip, replica.container, replica.remote) if x}
        return bool(ids & {r.split(":", 1)[0] for r in self.resources} or ids & self.resources)

    def whole(self, elem: etree._Element) -> bool:
        """Whether ``elem`` is shown with all its children (it or an ancestor is named)."""
        if self.resources is None:
            return True
        ids = {str(elem.get("id"))}
        ids |= {str(a.get("id")) for a in elem.iterancestors() if a.tag in ("group", "clone", "master", "bundle")}
        return bool(ids & self.resources)


ALL = Filter(etree.Element("cib"))


def _int(text: str | None, default: int = 0) -> int:
    try:
        return int(text or "")
    except ValueError:
        return default


def cluster_properties(cib: etree._Element) -> dict[str, str]:
    """The cluster options (``crm_config``), the first value of each name winning."""
    values: dict[str, str] = {}
    for attr_set in cib.iterfind("configuration/crm_config/cluster_property_set"):
        for pair in attr_set.iterfind("nvpair"):
            name = pair.get("name")
            if name and name not in values:
                values[name] = pair.get("value", "")
    return values


def _ms(text: str | None, default: int) -> int:
    from crm.common.durations import parse_ms

    value = parse_ms(text) if text else None
    return default if value is None else value


# -- summary -----------------------------------------------------------------------------------


def _summary(result: XmlResult, ctx: Context, now_text: str, stack: str | None, now: int) -> None:
    cib = ctx.cib
    props = cluster_properties(cib)
    summary = result.add("summary")
    result.add("stack", summary, {"type": props.get("cluster-infrastructure") or stack or "unknown"})
    dc_uuid = cib.get("dc-uuid")
    dc = next((n for n in ctx.nodes.values() if dc_uuid is not None and n.uuid == dc_uuid), None)
    if dc is None:
        result.add("current_dc", summary, {"present": False})
    else:
        result.add("current_dc", summary, {
            "present": True, "version": props.get("dc-version") or "", "name": dc.name, "id": dc.uuid,
            "with_quorum": is_true(cib.get("have-quorum")), "mixed_version": mixed_versions(ctx),
        })
    result.add("last_update", summary, {"time": now_text})
    written = cib.get("cib-last-written")
    result.add("last_change", summary, {
        "time": written or "", "user": cib.get("update-user") or "", "client": cib.get("update-client") or "",
        "origin": cib.get("update-origin") or "",
    })
    result.add("nodes_configured", summary, {"number": len(ctx.nodes)})
    disabled, total, blocked = instance_counts(cib, now)
    result.add("resources_configured", summary, {"number": total, "disabled": disabled, "blocked": blocked})
    result.add("cluster_options", summary, {
        "stonith-enabled": is_true(props.get("stonith-enabled", "true")),
        "symmetric-cluster": is_true(props.get("symmetric-cluster", "true")),
        "no-quorum-policy": props.get("no-quorum-policy") or "stop",
        "maintenance-mode": is_true(props.get("maintenance-mode")),
        "stop-all-resources": is_true(props.get("stop-all-resources")),
        "stonith-timeout-ms": _ms(props.get("stonith-timeout"), 60000),
        "priority-fencing-delay-ms": _ms(props.get("priority-fencing-delay"), 0),
    })


# -- nodes -------------------------------------------------------------------------------------


def _states(cib: etree._Element) -> dict[str, etree._Element]:
    return {str(s.get("uname") or s.get("id")): s for s in cib.iterfind("status/node_state")}


def _feature_set(node: NodeView, state: etree._Element | None) -> str | None:
    """Only online cluster nodes say which feature set they run (their ``#feature-set``
    attribute; ``<3.15.1``: too old to say)."""
    if node.kind != "cluster" or not node.online:
        return None
    attribute = _transient(state).get("#feature-set") if state is not None else None
    return attribute or (state.get("crm-feature-set") if state is not None else None) or NO_FEATURE_SET


def mixed_versions(ctx: Context) -> bool:
    """Whether the online cluster nodes run different feature sets."""
    states = _states(ctx.cib)
    sets = {_feature_set(n, states.get(n.name)) for n in ctx.nodes.values()}
    return len(sets - {None}) > 1


def _node_type(node: NodeView) -> str:
    return {"cluster": "member", "remote": "remote", "guest": "remote"}[node.kind]


def _nodes(result: XmlResult, ctx: Context) -> None:
    section = result.add("nodes")
    states = _states(ctx.cib)
    dc_uuid = ctx.cib.get("dc-uuid")
    flt: Filter = getattr(ctx, "output_filter", ALL)
    for node in sorted(ctx.nodes.values(), key=lambda n: natural_key(n.name)):
        if not flt.node_ok(node.name):
            continue
        state = states.get(node.name)
        health = "green" if node.health > 0 else ("yellow" if node.health == 0 else "red")
        attrs: dict[str, str | int | bool | None] = {
            "name": node.name, "id": node.uuid, "online": node.online, "standby": node.standby and not False,
            "standby_onfail": False, "maintenance": node.maintenance, "pending": node.pending,
            "unclean": node.unclean, "health": health,
            "feature_set": _feature_set(node, state),
            "shutdown": node.shutdown,
            "expected_up": state is not None and state.get("expected") == "member",
            "is_dc": dc_uuid is not None and node.uuid == dc_uuid,
            "resources_running": node.running, "type": _node_type(node),
        }
        if node.kind != "cluster" and node.connection:
            attrs["id_as_resource"] = node.container or node.connection
        elem = result.add("node", section, attrs)
        if getattr(ctx, "by_node", False):
            bundles = {str(b.get("id")): b for b in ctx.cib.iterfind("configuration/resources/bundle")}
            for prim, name, place in running_on(ctx, node.name):
                bundle = bundles.get(prim.get("implicit-of") or "")
                if bundle is not None:  # an implicit resource inherits its bundle's meta-attributes
                    bundle.append(prim)
                try:
                    _primitive(result, elem, ctx, prim, name, {node.name: place}, promotable=in_promotable(prim),
                               in_replica=True)
                finally:
                    if bundle is not None:
                        bundle.remove(prim)


# -- resources ---------------------------------------------------------------------------------


def _node_ref(result: XmlResult, parent: etree._Element, ctx: Context, name: str) -> None:
    node = ctx.nodes.get(name)
    # "cached": the node's state is known (it is online)
    result.add("node", parent, {"name": name, "id": node.uuid if node else name,
                                "cached": node.online if node else True})


def _primitive(result: XmlResult, parent: etree._Element, ctx: Context, prim: etree._Element, rid: str,
               places: dict[str, Placement], *, promotable: bool = False, orphan: bool = False,
               in_replica: bool = False, instance: str | None = None) -> None:
    """``instance``: a name that also selects this resource for ``--resource`` (the clone
    instance it is, ``rsc:N``, or the group instance it belongs to)."""
    active = _active(places)
    flt: Filter = getattr(ctx, "output_filter", ALL)
    if not in_replica and flt.nodes is not None and active and not any(n in flt.nodes for n in active):
        return
    if flt.resources is not None and not (flt.whole(prim) or flt.resource_ids(rid)
                                          or (instance is not None and instance in flt.resources)):
        return
    role = max((_display_role(p, promotable) for p in active.values()), default=Role.STOPPED)
    failed = any(p.failed for p in active.values())
    target = _inherited_meta(prim, "target-role", ctx) if not orphan else None
    on_maintenance_node = any(n in ctx.nodes and ctx.nodes[n].maintenance for n in active)
    managed = not (_unmanaged(prim, ctx) or _in_maintenance(prim, ctx) or on_maintenance_node)
    blocked = any(p.blocked and p.failed for p in active.values())
    pending = next((p.pending for p in active.values() if p.pending), None)
    attrs: dict[str, str | int | bool | None] = {
        "id": rid, "resource_agent": _agent(prim), "role": ROLE_TEXT[role],
        "target_role": target, "active": bool(active), "orphaned": orphan, "blocked": blocked,
        "managed": managed, "failed": failed,
        "failure_ignored": any(p.failure_ignored for p in places.values()),
        "nodes_running_on": len(active),
    }
    if pending:
        attrs["pending"] = pending
    elem = result.add("resource", parent, attrs)
    for name in active:
        _node_ref(result, elem, ctx, name)


def _group(result: XmlResult, parent: etree._Element, ctx: Context, group: etree._Element, suffix: str = "",
           promotable: bool = False, only_node: str | None = None) -> None:
    members = list(group.iterfind("primitive"))
    elem = result.add("group", parent, {
        "id": str(group.get("id")) + suffix, "number_resources": len(members),
        "managed": not (_unmanaged(group, ctx) or _in_maintenance(group, ctx)),
        "disabled": _disabled(group, ctx),
    })
    flt: Filter = getattr(ctx, "output_filter", ALL)
    named = flt.resources is not None and bool(suffix) and str(group.get("id")) + suffix in flt.resources
    for prim in members:
        rid = str(prim.get("id"))
        if only_node is not None:
            places = {n: p for n, p in _instance_places(ctx, rid).items() if n == only_node}
            name = rid
        else:
            places = ctx.history.on(rid + suffix)
            name = rid + suffix
        _primitive(result, elem, ctx, prim, name, places, promotable=promotable,
                   instance=str(group.get("id")) + suffix if named else rid + suffix)


def _clone(result: XmlResult, parent: etree._Element, ctx: Context, clone: etree._Element) -> None:
    meta = _meta(clone)
    promotable = clone.tag == "master" or is_true(meta.get("promotable"))
    unique = is_true(meta.get("globally-unique"))
    child = next((c for c in clone if isinstance(c.tag, str) and c.tag in ("primitive", "group")), None)
    target = _inherited_meta(clone, "target-role", ctx)
    if target is None and child is not None:
        target = _meta(child).get("target-role")
    members = [] if child is None else ([child] if child.tag == "primitive" else list(child.iterfind("primitive")))
    any_failed = False
    for m in members:
        places = ctx.history.by_rsc
        mid = str(m.get("id"))
        any_failed = any_failed or any(
            p.failed for hid, nodes in places.items() if hid == mid or hid.startswith(mid + ":")
            for p in nodes.values())
    elem = result.add("clone", parent, {
        "id": clone.get("id"), "multi_state": promotable, "unique": unique,
        "managed": not (_unmanaged(clone, ctx) or _in_maintenance(clone, ctx)),
        "disabled": _disabled(clone, ctx), "failed": any_failed, "failure_ignored": False,
        "target_role": target,
    })
    if child is None:
        return
    child_id = str(child.get("id"))
    clone_max = _clone_max(ctx, meta, clone)
    if unique:
        for n in range(clone_max):
            if child.tag == "group":
                _group(result, elem, ctx, child, f":{n}", promotable)
            else:
                rid = f"{child_id}:{n}"
                _primitive(result, elem, ctx, child, rid, ctx.history.on(rid), promotable=promotable)
        return
    per_member = {str(m.get("id")): _instance_places(ctx, str(m.get("id"))) for m in members}
    active_nodes = {n for places in per_member.values() for n in _active(places)}
    doc_order = {str(st.get("uname")): i for i, st in enumerate(ctx.cib.iterfind("status/node_state"))}
    numbered = sorted(active_nodes, key=lambda n: (doc_order.get(n, len(doc_order)), natural_key(n)))
    for index, node in enumerate(numbered):
        if child.tag == "group":
            _group(result, elem, ctx, child, f":{index}", promotable, only_node=node)
        else:
            _primitive(result, elem, ctx, child, child_id, {node: per_member[child_id][node]},
                       promotable=promotable, instance=f"{child_id}:{index}")
    for index in range(len(numbered), clone_max):
        if child.tag == "group":
            _group(result, elem, ctx, child, f":{index}", promotable, only_node="")
        else:
            _primitive(result, elem, ctx, child, child_id, {}, promotable=promotable, instance=f"{child_id}:{index}")


def _bundle(result: XmlResult, parent: etree._Element, ctx: Context, bundle: etree._Element) -> None:
    info = bundle_info(bundle)
    places_all = [ctx.history.on(r.container) for r in info.replicas]
    elem = result.add("bundle", parent, {
        "id": info.id, "type": info.runtime, "image": info.image,
        "unique": is_true(_meta(bundle).get("globally-unique")),
        "managed": not (_unmanaged(bundle, ctx) or _in_maintenance(bundle, ctx)),
        "failed": any(p.failed for places in places_all for p in places.values()),
    })
    flt: Filter = getattr(ctx, "output_filter", ALL)
    for index, replica in enumerate(info.replicas):
        container = _active(ctx.history.on(replica.container))
        if flt.nodes is not None and container and not any(n in flt.nodes for n in container):
            continue
        rep = result.add("replica", elem, {"id": index})
        if replica.ip is not None:
            fake = _fake_primitive(bundle, replica.ip, "IPaddr2")
            _primitive(result, rep, ctx, fake, replica.ip, ctx.history.on(replica.ip), in_replica=True)
            bundle.remove(fake)
        if info.child is not None and replica.remote is not None:
            child_id = str(info.child.get("id"))
            place = _instance_places(ctx, child_id).get(replica.remote)
            shown = {replica.remote: place} if place is not None and (place.role > Role.STOPPED or place.failed) else {}
            _primitive(result, rep, ctx, info.child, child_id, shown, promotable=info.promotable, in_replica=True)
        fake = _fake_primitive(bundle, replica.container, info.runtime)
        _primitive(result, rep, ctx, fake, replica.container, ctx.history.on(replica.container), in_replica=True)
        bundle.remove(fake)
        if replica.remote is not None:
            fake = _fake_primitive(bundle, replica.remote, "remote", "pacemaker")
            _primitive(result, rep, ctx, fake, replica.remote, ctx.history.on(replica.remote), in_replica=True)
            bundle.remove(fake)


def _fake_primitive(bundle: etree._Element, rid: str, kind: str, provider: str = "heartbeat") -> etree._Element:
    fake = etree.SubElement(bundle, "primitive", id=rid, type=kind, provider=provider)
    fake.set("class", "ocf")
    return fake


def _priority(elem: etree._Element) -> int:
    return parse_score(_meta(elem).get("priority"))


def _resources(result: XmlResult, ctx: Context) -> None:
    section = result.add("resources")
    resources = ctx.cib.find("configuration/resources")
    if resources is None:
        return
    tops = [e for e in resources if isinstance(e.tag, str)
            and e.tag in ("primitive", "group", "clone", "master", "bundle")]
    tops.sort(key=lambda e: -_priority(e))
    flt: Filter = getattr(ctx, "output_filter", ALL)
    scope = Scope(nodes=frozenset(flt.nodes) if flt.nodes is not None else None)
    for elem in tops:
        if not flt.subtree(elem) or not passes_node(ctx, scope, elem):
            continue
        if getattr(ctx, "by_node", False) and fully_active(ctx, elem):
            continue  # already listed under the nodes it runs on
        if elem.tag == "primitive":
            rid = str(elem.get("id"))
            _primitive(result, section, ctx, elem, rid, ctx.history.on(rid))
        elif elem.tag == "group":
            _group(result, section, ctx, elem)
        elif elem.tag == "bundle":
            _bundle(result, section, ctx, elem)
        else:
            _clone(result, section, ctx, elem)
    configured = {str(e.get("id")) for e in resources.iter("primitive", "group", "clone", "master", "bundle")}
    for bundle in resources.iterfind("bundle"):
        for replica in bundle_info(bundle).replicas:
            configured |= {x for x in (replica.container, replica.remote, replica.ip) if x}
    configured |= {n.name for n in ctx.nodes.values() if n.kind == "guest"}
    seen: set[str] = set()
    for state in ctx.cib.iterfind("status/node_state"):
        for entry in state.iterfind("lrm/lrm_resources/lrm_resource"):
            hid = str(entry.get("id"))
            if hid.split(":", 1)[0] in configured or hid in seen:
                continue
            seen.add(hid)
            places = ctx.history.on(hid)
            if not _active(places) or getattr(ctx, "by_node", False):
                continue
            fake = etree.Element("primitive", id=hid)
            for name in ("class", "provider", "type"):
                value = entry.get(name)
                if value is not None:
                    fake.set(name, value)
            _primitive(result, section, ctx, fake, hid, places, orphan=True)
    if flt.resources is not None or flt.nodes is not None:
        for empty in [e for e in section.iter("group", "clone", "bundle", "replica") if not len(e)]:
            holder = empty.getparent()
            if holder is not None:
                holder.remove(empty)
        for replica_holder in [e for e in section.iter("bundle") if not len(e)]:
            section.remove(replica_holder)


# -- node attributes, history, failures, bans ----------------------------------------------------


def _transient(state: etree._Element) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for pair in state.iterfind("transient_attributes/instance_attributes/nvpair"):
        name = pair.get("name")
        if name is not None and name not in attrs:
            attrs[name] = pair.get("value", "")
    return attrs


def _ping_expected(ctx: Context, node: str) -> dict[str, str]:
    """The score a ``ocf:pacemaker:ping`` resource active on ``node`` gives when every host
    answers, by the name of the attribute it sets (``multiplier`` times the number of hosts in
    ``host_list``)."""
    out: dict[str, str] = {}
    for prim in ctx.cib.iterfind("configuration/resources//primitive"):
        if (prim.get("class"), prim.get("provider"), prim.get("type")) != ("ocf", "pacemaker", "ping"):
            continue
        if node not in _active(_instance_places(ctx, str(prim.get("id")))):
            continue
        params: dict[str, str] = {}
        for pair in prim.iterfind("instance_attributes/nvpair"):
            params.setdefault(pair.get("name", ""), pair.get("value", ""))
        hosts = len(params.get("host_list", "").split())
        multiplier = _int(params.get("multiplier"), 1)
        out.setdefault(params.get("name") or "pingd", str(multiplier * hosts))
    return out


def _node_attributes(result: XmlResult, ctx: Context) -> None:
    states = _states(ctx.cib)
    section: etree._Element | None = None
    flt: Filter = getattr(ctx, "output_filter", ALL)
    for node in sorted(ctx.nodes.values(), key=lambda n: natural_key(n.name)):
        if not node.online or not flt.node_ok(node.name):
            continue
        config: dict[str, str] = {}
        for elem in ctx.cib.iterfind("configuration/nodes/node"):
            if (elem.get("uname") or elem.get("id")) == node.name:
                for pair in elem.iterfind("instance_attributes/nvpair"):
                    config.setdefault(pair.get("name", ""), pair.get("value", ""))
        state = states.get(node.name)
        attrs = {**config, **(_transient(state) if state is not None else {})}
        shown = sorted(n for n in attrs if n and not n.startswith(HIDDEN_ATTRIBUTE_PREFIXES))
        if not shown:
            continue
        if section is None:
            section = result.add("node_attributes")
        elem = result.add("node", section, {"name": node.name})
        for name in shown:
            result.add("attribute", elem, {"name": name, "value": attrs[name],
                                           "expected": _ping_expected(ctx, node.name).get(name)})


def _migration_threshold(ctx: Context, rsc: str) -> str:
    base = rsc.split(":", 1)[0]
    for prim in ctx.cib.iter("primitive"):
        if prim.get("id") == base:
            value = _inherited_meta(prim, "migration-threshold", ctx)
            if value is not None:
                return str(min(parse_score(value), INFINITY))
    return str(INFINITY)


def _history_ops(entry: etree._Element) -> list[etree._Element]:
    ops = [op for op in entry.iterfind("lrm_rsc_op")
           if not (op.get("operation") == "monitor" and _int(op.get("interval")) == 0
                   and _int(op.get("rc-code")) == 7)
           and op.get("operation") != "notify"]
    # pending operations (call -1) come after the finished ones
    return sorted(ops, key=lambda o: (_int(o.get("call-id"), -1) == -1, _int(o.get("call-id"), -1)))


def _op_history(result: XmlResult, parent: etree._Element, op: etree._Element) -> None:

    task = op.get("operation")
    if task == "monitor" and _int(op.get("interval")) == 0:
        task = "probe"
    attrs: dict[str, str | int | bool | None] = {
        "call": op.get("call-id"), "task": task,
        "rc": op.get("rc-code"), "rc_text": rc_text(_int(op.get("rc-code"))),
    }
    interval = _int(op.get("interval"))
    if interval:
        attrs["interval"] = f"{interval}ms"
    change = op.get("last-rc-change")
    if change and change.strip().lstrip("-").isdigit() and int(change) > 0:
        attrs["last-rc-change"] = epoch_text(int(change))
    for name in ("exec-time", "queue-time"):
        value = op.get(name)
        if value is not None:
            attrs[name] = f"{_int(value)}ms"
    result.add("operation_history", parent, attrs)


def _node_history(result: XmlResult, ctx: Context) -> None:
    configured = {str(p.get("id")) for p in ctx.cib.iter("primitive")}
    for bundle in ctx.cib.iterfind("configuration/resources/bundle"):
        for replica in bundle_info(bundle).replicas:
            configured |= {x for x in (replica.container, replica.remote, replica.ip) if x}
    unique = {str(p.get("id")) for p in ctx.cib.iter("primitive")
              if not any(a.tag in ("clone", "master") and not is_true(_meta(a).get("globally-unique"))
                         for a in p.iterancestors())}
    section: etree._Element | None = None
    flt: Filter = getattr(ctx, "output_filter", ALL)
    for state in ctx.cib.iterfind("status/node_state"):
        name = str(state.get("uname") or state.get("id"))
        node = ctx.nodes.get(name)
        if node is None or not node.online or not flt.node_ok(name):
            continue
        transient = _transient(state)
        if section is None:
            section = result.add("node_history")
        node_elem: etree._Element | None = None
        for entry in state.iterfind("lrm/lrm_resources/lrm_resource"):
            rid = str(entry.get("id"))
            ops = _history_ops(entry)
            if not ops or not flt.history_ok(rid):
                continue
            if node_elem is None:
                node_elem = result.add("node", section, {"name": name})
            attrs: dict[str, str | int | bool | None] = {
                "id": rid if rid.split(":", 1)[0] in unique else rid.split(":", 1)[0], "orphan": rid.split(":", 1)[0] not in configured,
                "migration-threshold": _migration_threshold(ctx, rid),
            }
            count = sum(parse_score(v) for k, v in transient.items()
                        if k.startswith("fail-count-") and k[len("fail-count-"):].split("#", 1)[0] == rid)
            if count > 0:
                attrs["fail-count"] = "INFINITY" if count >= INFINITY else str(count)
                last = max((_int(v) for k, v in transient.items()
                            if k.startswith("last-failure-") and k[len("last-failure-"):].split("#", 1)[0] == rid),
                           default=0)
                if last:

                    attrs["last-failure"] = epoch_text(last)
            rsc_elem = result.add("resource_history", node_elem, attrs)
            for op in ops:
                _op_history(result, rsc_elem, op)


def _iso_time(seconds: int) -> str:
    import time

    return time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(seconds))


def _failures(result: XmlResult, ctx: Context) -> None:

    section: etree._Element | None = None
    flt: Filter = getattr(ctx, "output_filter", ALL)
    seen: set[tuple[str, str]] = set()
    for state in ctx.cib.iterfind("status/node_state"):
        node = str(state.get("uname") or state.get("id"))
        for entry in state.iterfind("lrm/lrm_resources/lrm_resource"):
            for op in sorted(entry.iterfind("lrm_rsc_op"), key=lambda o: _int(o.get("call-id"), -1)):
                if not failed_op(op) or masked_probe(op) or not flt.node_ok(node) \
                        or not flt.failure_ok(str(entry.get("id"))):
                    continue
                key = op.get("operation_key") or f"{entry.get('id')}_{op.get('operation')}_{_int(op.get('interval'))}"
                if (key, node) in seen:
                    continue
                seen.add((key, node))
                if section is None:
                    section = result.add("failures")
                status = _int(op.get("op-status"))
                rc = _int(op.get("rc-code"))
                change = op.get("last-rc-change")
                dated = bool(change and change.strip().isdigit())
                attrs: dict[str, str | int | bool | None] = {
                    "op_key" if dated else "id": key, "node": node, "exitstatus": rc_text(rc),
                    "exitreason": op.get("exit-reason", "none"), "exitcode": rc,
                    "call": op.get("call-id"), "status": EXEC_STATUS_TEXT.get(status, "UNKNOWN"),
                }
                if change and dated:
                    attrs["last-rc-change"] = _iso_time(int(change))
                    attrs["queued"] = _int(op.get("queue-time"))
                    attrs["exec"] = _int(op.get("exec-time"))
                    attrs["interval"] = _int(op.get("interval"))
                    attrs["task"] = op.get("operation")
                result.add("failure", section, attrs)


def _node_rule_attrs(ctx: Context) -> dict[str, dict[str, str]]:
    states = _states(ctx.cib)
    out: dict[str, dict[str, str]] = {}
    for node in ctx.nodes.values():
        attrs: dict[str, str] = {}
        for elem in ctx.cib.iterfind("configuration/nodes/node"):
            if (elem.get("uname") or elem.get("id")) == node.name:
                for pair in elem.iterfind("instance_attributes/nvpair"):
                    attrs.setdefault(pair.get("name", ""), pair.get("value", ""))
        state = states.get(node.name)
        if state is not None:
            attrs.update(_transient(state))
        attrs.update({"#uname": node.name, "#id": node.uuid,
                      "#kind": {"cluster": "cluster", "remote": "remote", "guest": "container"}[node.kind],
                      "#is_dc": "true" if node.uuid == ctx.cib.get("dc-uuid") else "false"})
        out[node.name] = attrs
    return out


def _bans(result: XmlResult, ctx: Context, now: int) -> None:
    """Location constraints keeping a resource off a node (negative scores), rules evaluated."""
    from datetime import UTC, datetime

    from pengine.rules import RuleContext, rule_score

    section: etree._Element | None = None
    flt: Filter = getattr(ctx, "output_filter", ALL)
    node_attrs: dict[str, dict[str, str]] | None = None
    bans: list[dict[str, str | int | bool | None]] = []
    for loc in ctx.cib.iterfind("configuration/constraints/rsc_location"):
        if loc.get("rsc") is None:
            continue
        promoted = (loc.get("role") or "").lower() in ("promoted", "master")
        found: list[tuple[str, str, int, bool]] = []
        if loc.get("node") is not None and loc.get("score") is not None:
            found.append((str(loc.get("id")), str(loc.get("node")), parse_score(loc.get("score")), promoted))
        for rule in loc.iterfind("rule"):
            if node_attrs is None:
                node_attrs = _node_rule_attrs(ctx)
            role = (rule.get("role") or loc.get("role") or "").lower() in ("promoted", "master")
            for name in sorted(node_attrs, key=natural_key):
                score = rule_score(rule, RuleContext(now=datetime.fromtimestamp(now, UTC),
                                                     node_attrs=node_attrs[name]))
                if score is not None:
                    found.append((str(rule.get("id")), name, score, role))
        for ban_id, node, score, role in found:
            if score >= 0 or not flt.resource_ids(str(loc.get("rsc"))):  # bans are not limited by node
                continue
            bans.append({
                "id": ban_id, "resource": loc.get("rsc"), "node": node, "weight": score,
                "promoted-only": role, "master_only": role,
            })
    # Pacemaker keeps its constraints, and the nodes each one bans, last first
    for ban in reversed(bans):
        if section is None:
            section = result.add("bans")
        result.add("ban", section, ban)


def _tickets(result: XmlResult, ctx: Context) -> None:
    """Tickets the status knows or the constraints name (revoked until granted)."""
    tickets: dict[str, etree._Element | None] = {}
    for ticket_state in ctx.cib.iterfind("status/tickets/ticket_state"):
        if ticket_state.get("id"):
            tickets.setdefault(str(ticket_state.get("id")), ticket_state)
    for constraint in ctx.cib.iterfind("configuration/constraints/rsc_ticket"):
        if constraint.get("ticket"):
            tickets.setdefault(str(constraint.get("ticket")), None)
    if not tickets:
        return
    section = result.add("tickets")
    for ticket_id in sorted(tickets):
        state = tickets[ticket_id]
        granted = state is not None and is_true(state.get("granted"))
        attrs: dict[str, str | int | bool | None] = {
            "id": ticket_id, "status": "granted" if granted else "revoked",
            "standby": state is not None and is_true(state.get("standby")),
        }
        if state is not None and state.get("last-granted", "").isdigit():

            attrs["last-granted"] = epoch_text(int(state.get("last-granted", "0")))
        result.add("ticket", section, attrs)


def build(result: XmlResult, cib: etree._Element, now: int, now_text: str, stack: str | None = None,
          sections: Iterable[str] = SECTIONS, resource: str | None = None, node: str | None = None,
          by_node: bool = False) -> int:
    """Fill ``result`` with the status of ``cib``; the exit code to report.  ``by_node``: each
    node lists the resources active on it (``--group-by-node``)."""
    ctx = _context(cib, now)
    ctx.by_node = by_node  # type: ignore[attr-defined]
    ctx.output_filter = Filter(cib, resource, node)  # type: ignore[attr-defined]
    wanted = set(sections)
    if "summary" in wanted:
        _summary(result, ctx, now_text, stack, now)
    if "nodes" in wanted:
        _nodes(result, ctx)
    if "resources" in wanted:
        _resources(result, ctx)
    if "attributes" in wanted:
        _node_attributes(result, ctx)
    if "history" in wanted:
        _node_history(result, ctx)
    if "failures" in wanted:
        _failures(result, ctx)
    if "tickets" in wanted:
        _tickets(result, ctx)
    if "bans" in wanted:
        _bans(result, ctx, now)
    return ExitCode.OK
