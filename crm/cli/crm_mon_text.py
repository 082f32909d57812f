"""``crm_mon``'s text output, section by section as Pacemaker 2.1.5 prints it: the summary, the
maintenance banner, nodes (optionally with their resources), resources, node attributes,
operations or fail counts, failed actions, tickets and bans.  Which sections appear is the
:class:`~crm.cli.mon_sections.Selection`; ``--node`` and ``--resource`` limit each section to
what concerns the named nodes and resources (tags expanded).

Node attributes, operation history, tickets and bans are read with the XML output's code
(:mod:`crm.cli.crm_mon_xml`), so both formats always list the same facts."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from io import StringIO

from lxml import etree

from crm.cli import crm_mon_xml, mon_blocks
from crm.cli.mon_resources import (
    RESOURCE_TAGS,
    Scope,
    _brief_lines,
    fully_active,
    in_promotable,
    resource_items,
    running_on,
)
from crm.cli.mon_sections import Section, Selection, select
from crm.cli.output_format import XmlResult
from crm.common.booleans import is_true
from pengine.status_view import (
    Block,
    Context,
    Entry,
    Item,
    NodeView,
    _active,
    _context,
    _primitive_line,
    natural_key,
    node_status_text,
)

__all__ = ["View", "render_sections"]


@dataclass(frozen=True)
class View:
    selection: Selection = field(default_factory=lambda: select([]))
    inactive: bool = False
    detail: bool = False
    brief: bool = False
    by_node: bool = False
    timing: bool = False
    only_node: str | None = None
    only_rsc: str | None = None


def _tags(cib: etree._Element) -> dict[str, list[str]]:
    return {str(t.get("id")): [str(r.get("id")) for r in t.iterfind("obj_ref")]
            for t in cib.iterfind("configuration/tags/tag")}


def _node_names(ctx: Context, spec: str | None) -> frozenset[str] | None:
    """``--node``: a node name or a tag of nodes (tags name nodes by id)."""
    if spec is None:
        return None
    ids = _tags(ctx.cib).get(spec)
    if ids is None:
        return frozenset({spec})
    by_id = {n.uuid: n.name for n in ctx.nodes.values()}
    return frozenset(by_id.get(i, i) for i in ids)


def _resource_names(cib: etree._Element, spec: str | None) -> frozenset[str] | None:
    if spec is None:
        return None
    return frozenset(_tags(cib).get(spec, [spec]))


# ---------------------------------------------------------------------------------------------
# Nodes


def _host(ctx: Context, node: NodeView) -> str:
    if node.container is None:
        return ""
    return next(iter(_active(ctx.history.on(node.container))), "")


def display_name(ctx: Context, node: NodeView, detail: bool) -> str:
    """``pe__node_display_name``: with details, ``name (id)`` or, for a guest, ``name@host``."""
    if not detail:
        return node.name
    if node.kind == "guest":
        return f"{node.name}@{_host(ctx, node)}"
    if node.uuid != node.name:
        return f"{node.name} ({node.uuid})"
    return node.name


def _in_maintenance(ctx: Context, node: NodeView) -> bool:
    """A remote or guest node is in maintenance with the whole cluster (its connection is)."""
    return node.maintenance or (node.kind != "cluster" and ctx.maintenance_mode)


PREFIX = {"cluster": "Node", "remote": "RemoteNode", "guest": "GuestNode"}


def _node_line(ctx: Context, node: NodeView, view: View) -> str:
    if _in_maintenance(ctx, node) and not node.maintenance:
        node = dataclasses.replace(node, maintenance=True)
    text = f"{PREFIX[node.kind]} {display_name(ctx, node, view.detail)}: {node_status_text(node)}"
    if view.detail:
        state = ctx.cib.find(f"status/node_state[@uname='{node.name}']") if "'" not in node.name else None
        feature_set = crm_mon_xml._feature_set(node, state)
        if feature_set:
            text += f", feature set {feature_set}"
    return text


def _node_resources(ctx: Context, node: NodeView, view: View, scope: Scope) -> list[Item]:
    running = running_on(ctx, node.name)
    if scope.resources is not None:
        running = [r for r in running if r[0].get("id") in scope.resources or r[1] in scope.resources
                   or any(str(a.get("id")) in scope.resources for a in r[0].iterancestors()
                          if a.tag in RESOURCE_TAGS)]
    if view.brief:
        return _brief_lines(ctx, [(elem, {node.name: place}) for elem, _, place in running], False,
                            with_node=False)
    items: list[Item] = []
    for elem, name, place in running:
        if elem.get("implicit-connection") and not view.detail:
            continue
        line = _primitive_line(ctx, elem, name, {node.name: place}, promotable=in_promotable(elem))
        head, sep, tail = line.rpartition("\t")
        tail = tail.replace(f" {node.name}", "", 1)
        items.append(Entry(head + sep + tail))
    return items


def _node_section(ctx: Context, view: View, scope: Scope) -> Block | None:
    items: list[Item] = []
    grouped: dict[str, list[str]] = {}
    for node in sorted(ctx.nodes.values(), key=lambda n: natural_key(n.name)):
        if scope.nodes is not None and node.name not in scope.nodes:
            continue
        if view.by_node:
            resources = _node_resources(ctx, node, view, scope)
            if view.brief and not resources:
                continue  # brief: only the nodes something runs on
            items.append(Block(_node_line(ctx, node, view), (Block("Resources", tuple(resources)),)))
            continue
        if node.kind == "guest" and not node.online and not node.unclean and not view.detail:
            continue  # offline guest nodes are listed only with details
        individual = view.detail or node.unclean or node.pending or node.standby or _in_maintenance(ctx, node) \
            or node.health <= 0
        if individual:
            items.append(Entry(_node_line(ctx, node, view)))
            continue
        if node.online:
            label = {"cluster": "Online", "remote": "RemoteOnline", "guest": "GuestOnline"}[node.kind]
        elif node.kind == "guest":
            continue
        else:
            label = "OFFLINE" if node.kind == "cluster" else "RemoteOFFLINE"
        grouped.setdefault(label, []).append(node.name)
    for label in ("Online", "OFFLINE", "RemoteOnline", "RemoteOFFLINE", "GuestOnline"):
        if label in grouped:
            items.append(Entry(f"[ {' '.join(grouped[label])} ]", label=label))
    return Block("Node List", tuple(items)) if items else None


# ---------------------------------------------------------------------------------------------
# Resources


def _resource_section(ctx: Context, view: View, scope: Scope) -> Block | None:
    if view.by_node and not view.inactive:
        return None
    items = list(resource_items(ctx, scope, summary=not view.by_node))
    if view.by_node:
        keep_ids = {str(e.get("id")) for e in ctx.cib.iterfind("configuration/resources/*")
                    if isinstance(e.tag, str) and not fully_active(ctx, e)}
        items = [i for i in items if _item_id(i) in keep_ids]
        title = "Inactive Resources"
        empty = "No inactive resources"
    elif view.inactive:
        title, empty = "Full List of Resources", "No resources"
    else:
        title, empty = "Active Resources", "No active resources"
    return Block(title, tuple(items) or (Entry(empty),))


def _item_id(item: Item) -> str:
    if isinstance(item, Entry):
        return item.text.split("\t", 1)[0]
    if isinstance(item, Block):
        words = item.title.split(": ", 1)[-1].split(" ", 1)
        return words[0]
    return ""


# ---------------------------------------------------------------------------------------------
# Summary


def _summary(ctx: Context, view: View, now: float, stack: str | None) -> Block | None:
    shown = view.selection
    whole = mon_blocks.summary(ctx.cib, now, stack)
    keep: list[Item] = []
    for item in whole.items:
        assert isinstance(item, Entry)
        text = item.text
        if text.startswith("Stack:") and Section.STACK in shown:
            keep.append(item)
        elif text.startswith("Current DC:") and (Section.DC in shown or text == "Current DC: NONE"):
            if view.detail:
                dc = next((n for n in ctx.nodes.values() if n.uuid == ctx.cib.get("dc-uuid")), None)
                if dc is not None:
                    text = text.replace(f"Current DC: {dc.name} ", f"Current DC: {display_name(ctx, dc, True)} ", 1)
            if crm_mon_xml.mixed_versions(ctx):
                text = text.replace(" - partition ", " - MIXED-VERSION partition ", 1)
            keep.append(Entry(text))
        elif (text.startswith(("Last updated:", "Last change:")) and Section.TIMES in shown) or ((text.endswith("configured") or " configured (" in text) and Section.COUNTS in shown):
            keep.append(item)
    if Section.OPTIONS in shown:
        keep += [Entry(t) for t in _options(ctx)]
    if not keep:
        return None
    return Block("Cluster Summary", tuple(keep))


NO_QUORUM = {
    "freeze": "Freeze resources", "stop": "Stop ALL resources", "ignore": "Ignore",
    "demote": "Demote promotable resources and stop all other resources", "suicide": "Suicide",
}


def _cluster_property(cib: etree._Element, name: str, default: str) -> str:
    for pair in cib.iterfind("configuration/crm_config/cluster_property_set/nvpair"):
        if pair.get("name") == name:
            return pair.get("value", default)
    return default


def _options(ctx: Context) -> list[str]:
    fencing = is_true(_cluster_property(ctx.cib, "stonith-enabled", "true"))
    symmetric = is_true(_cluster_property(ctx.cib, "symmetric-cluster", "true"))
    policy = _cluster_property(ctx.cib, "no-quorum-policy", "stop")
    lines = [f"STONITH of failed nodes {'enabled' if fencing else 'disabled'}",
             f"Cluster is {'symmetric' if symmetric else 'asymmetric'}",
             f"No quorum policy: {NO_QUORUM.get(policy, NO_QUORUM['stop'])}"]
    if ctx.maintenance_mode:
        lines.append("Resource management: DISABLED (maintenance mode)")
    elif ctx.stop_all:
        lines.append("Resource management: STOPPED (the stop-all-resources option is set)")
    return lines


def _banner(ctx: Context) -> str | None:
    if ctx.maintenance_mode:
        return ("              *** Resource management is DISABLED ***\n"
                "  The cluster will not attempt to start, stop or recover services\n")
    if ctx.stop_all:
        return "    *** Resource management is DISABLED ***\n  The cluster will keep all resources stopped\n"
    return None


# ---------------------------------------------------------------------------------------------
# Node attributes, operations, tickets, bans (from the XML output's data)


def _xml_sections(ctx: Context, view: View, now: int) -> etree._Element:
    result = XmlResult("crm_mon")
    ctx.output_filter = crm_mon_xml.Filter(ctx.cib, view.only_rsc, None)  # type: ignore[attr-defined]
    flt = ctx.output_filter  # type: ignore[attr-defined]
    flt.nodes = set(_node_names(ctx, view.only_node) or ()) if view.only_node else None
    shown = view.selection
    if Section.ATTRIBUTES in shown:
        crm_mon_xml._node_attributes(result, ctx)
    if shown.sections & (Section.OPERATIONS | Section.FAILCOUNTS):
        crm_mon_xml._node_history(result, ctx)
    if Section.TICKETS in shown:
        crm_mon_xml._tickets(result, ctx)
    if Section.BANS in shown:
        crm_mon_xml._bans(result, ctx, now)
    return result.root


def _node_by_name(ctx: Context, name: str) -> NodeView | None:
    return ctx.nodes.get(name)


def _attributes(ctx: Context, view: View, data: etree._Element) -> Block | None:
    items: list[Item] = []
    for node in data.iterfind("node_attributes/node"):
        view_node = _node_by_name(ctx, str(node.get("name")))
        name = display_name(ctx, view_node, view.detail) if view_node else str(node.get("name"))
        lines: list[Item] = []
        for attr in node.iterfind("attribute"):
            value = str(attr.get("value"))
            text = f"{attr.get('name'):<32}\t: {value:<10}"
            expected = attr.get("expected")
            if expected is not None:
                number = int(value) if value.lstrip("-").isdigit() else 0
                if number <= 0:
                    text += "\t: Connectivity is lost"
                elif number < int(expected):
                    text += f"\t: Connectivity is degraded (Expected={expected})"
            lines.append(Entry(text))
        items.append(Block(f"Node: {name}", tuple(lines)))
    return Block("Node Attributes", tuple(items)) if items else None


def _op_line(op: etree._Element, timing: bool) -> str:
    text = f"({op.get('call')}) {op.get('task')}"
    interval = op.get("interval")
    if timing:
        text += ":"
        if interval:
            text += f' interval="{interval}"'
        if op.get("last-rc-change"):
            text += f' last-rc-change="{op.get("last-rc-change")}"'
        for name in ("exec-time", "queue-time"):
            if op.get(name) is not None:
                text += f' {name}="{op.get(name)}"'
        text += f" rc={op.get('rc')} ({op.get('rc_text')})"
    elif interval:
        text += f': interval="{interval}"'
    return text


def _failcounts(ctx: Context, view: View, scope: Scope) -> Block:
    """``Migration Summary``: the fail counts of each node (from its transient attributes)."""
    whole = mon_blocks._migration_summary(ctx.cib)
    items: list[Item] = []
    for block in whole.items:
        assert isinstance(block, Block)
        name = block.title.removeprefix("Node: ")
        if scope.nodes is not None and name not in scope.nodes:
            continue
        lines = tuple(e for e in block.items if isinstance(e, Entry) and (
            scope.resources is None or e.text.split(":", 2)[0] in scope.resources
            or e.text.split(":", 1)[0] in scope.resources))
        node = ctx.nodes.get(name)
        if lines:
            items.append(Block(f"Node: {display_name(ctx, node, view.detail) if node else name}", lines))
    return Block(whole.title, tuple(items))


def _history(ctx: Context, view: View, data: etree._Element, scope: Scope) -> Block | None:
    operations = Section.OPERATIONS in view.selection
    if not operations:
        return _failcounts(ctx, view, scope)
    items: list[Item] = []
    for node in data.iterfind("node_history/node"):
        view_node = _node_by_name(ctx, str(node.get("name")))
        name = display_name(ctx, view_node, view.detail) if view_node else str(node.get("name"))
        rscs: list[Item] = []
        for rsc in node.iterfind("resource_history"):
            count, last = rsc.get("fail-count"), rsc.get("last-failure")
            if not operations and not count and not last:
                continue
            if rsc.get("orphan") == "true":
                head = f"{rsc.get('id')}: orphan"
            else:
                head = f"{rsc.get('id')}: migration-threshold={rsc.get('migration-threshold')}"
                if count:
                    head += f" fail-count={count}"
                if last:
                    head += f" last-failure='{last}'"
            if operations:
                ops = tuple(Entry(_op_line(op, view.timing)) for op in rsc.iterfind("operation_history"))
                rscs.append(Block(head, ops))
            else:
                rscs.append(Entry(head))
        if rscs:
            items.append(Block(f"Node: {name}", tuple(rscs)))
    # the heading comes with the first online node shown, even if nothing ran there
    nodes = _node_names(ctx, view.only_node)
    if not items and not any(n.online and (nodes is None or n.name in nodes) for n in ctx.nodes.values()):
        return None
    return Block("Operations", tuple(items))


def _tickets_section(data: etree._Element) -> Block | None:
    items: list[Item] = []
    for ticket in data.iterfind("tickets/ticket"):
        text = f"{ticket.get('id')}: {ticket.get('status')}"
        if ticket.get("standby") == "true":
            text += " [standby]"
        if ticket.get("last-granted"):
            text += f' last-granted="{ticket.get("last-granted")}"'
        items.append(Entry(text))
    return Block("Tickets", tuple(items)) if items else None


def _bans_section(ctx: Context, view: View, data: etree._Element) -> Block | None:
    items: list[Item] = []
    prefix = view.selection.ban_prefix
    for ban in data.iterfind("bans/ban"):
        if prefix and not str(ban.get("id")).startswith(prefix):
            continue
        node = _node_by_name(ctx, str(ban.get("node")))
        name = display_name(ctx, node, view.detail) if node else str(ban.get("node"))
        role = "in Promoted role " if ban.get("promoted-only") == "true" else ""
        items.append(Entry(f"{ban.get('id')}\tprevents {ban.get('resource')} from running {role}on {name}"))
    return Block("Negative Location Constraints", tuple(items)) if items else None


# ---------------------------------------------------------------------------------------------
# Putting it together


def _write(items: Sequence[Item], out: StringIO, depth: int = 0) -> None:
    for item in items:
        pad = "  " * depth + ("* " if depth else "")
        if isinstance(item, Entry):
            text = f"{item.label}: {item.text}" if item.label is not None else item.text
            out.write(f"{pad}{text}\n")
        elif isinstance(item, Block):
            # A bundle replica's title has no colon in Pacemaker's output; an untitled list
            # only indents its items
            colon = "" if item.title.startswith("Replica[") else ":"
            if item.title:
                out.write(f"{pad}{item.title}{colon}\n")
            _write(item.items, out, depth + 1)
        else:
            out.write("\n")


def render_sections(cib: etree._Element, view: View, now: float, stack: str | None,
                    failures: Sequence[Entry]) -> str:
    """The whole text output; ``failures`` are the ``Failed Resource Actions`` lines."""
    ctx = _context(cib, int(now))
    shown = view.selection
    nodes = _node_names(ctx, view.only_node)
    scope = Scope(inactive=view.inactive, detail=view.detail, brief=view.brief, nodes=nodes,
                  resources=_resource_names(cib, view.only_rsc))
    parts: list[Block | str] = []
    summary = _summary(ctx, view, now, stack)
    if summary is not None:
        parts.append(summary)
    if Section.MAINT_MODE in shown:
        banner = _banner(ctx)
        if banner is not None:
            parts.append(banner)
    if Section.NODES in shown:
        node_block = _node_section(ctx, view, scope)
        if node_block is not None:
            parts.append(node_block)
    if Section.RESOURCES in shown:
        resources = _resource_section(ctx, view, scope)
        if resources is not None:
            parts.append(resources)
    data = _xml_sections(ctx, view, int(now))
    if Section.ATTRIBUTES in shown:
        block = _attributes(ctx, view, data)
        if block is not None:
            parts.append(block)
    if shown.sections & (Section.OPERATIONS | Section.FAILCOUNTS):
        block = _history(ctx, view, data, scope)
        if block is not None:
            parts.append(block)
    if Section.FAILURES in shown and failures:
        parts.append(Block("Failed Resource Actions", tuple(failures)))
    if Section.TICKETS in shown:
        block = _tickets_section(data)
        if block is not None:
            parts.append(block)
    if Section.BANS in shown:
        block = _bans_section(ctx, view, data)
        if block is not None:
            parts.append(block)
    out = StringIO()
    for index, part in enumerate(parts):
        if index:
            out.write("\n")
        if isinstance(part, str):
            out.write(part)
        else:
            _write([part], out)
    return out.getvalue()
