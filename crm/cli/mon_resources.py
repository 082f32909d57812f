"""The resource list of ``crm_mon``'s text output, as Pacemaker 2.1.5 prints it with its display
options: inactive resources (``-r``), every clone instance and bundle part (``-R``), a count per
agent instead of a line per primitive (``-b``), and the limits of ``--resource`` and ``--node``.

The lines themselves (role, node, flags) come from :mod:`pengine.status_view`, shared with
``crm_simulate``; this module decides which resources and instances are listed and how.

Filtering follows Pacemaker: a resource is listed when it, one of its parents or one of its
descendants is named (``rsc``, or ``rsc:N`` for one instance); when a resource is named, all
of it is listed, else only the named parts.  A resource active on no node of ``--node`` is
left out; inactive ones are not (they run nowhere)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from lxml import etree

from crm.common.booleans import is_true
from pengine.status_view import (
    Block,
    Context,
    Entry,
    Item,
    Placement,
    Role,
    _active,
    _agent,
    _agent_attr,
    _bundle_block,
    _clone_block,
    _clone_max,
    _disabled,
    _in_maintenance,
    _instance_places,
    _meta,
    _orphans,
    _primitive_line,
    _priority,
    _unmanaged,
    bundle_info,
    natural_key,
)

__all__ = ["Scope", "fully_active", "in_promotable", "passes_node", "resource_items", "resource_section", "running_on"]

RESOURCE_TAGS = ("primitive", "group", "clone", "master", "bundle")


@dataclass(frozen=True)
class Scope:
    """What the resource list shows."""

    inactive: bool = False
    detail: bool = False
    brief: bool = False
    nodes: frozenset[str] | None = None  # --node, tags expanded
    resources: frozenset[str] | None = None  # --resource, tags expanded

    def named(self, *ids: str) -> bool:
        return self.resources is None or any(i in self.resources for i in ids)

    def on_node(self, places: dict[str, Placement]) -> bool:
        """Whether a resource with these placements passes ``--node`` (inactive ones do)."""
        active = _active(places)
        return self.nodes is None or not active or any(n in self.nodes for n in active)


# ---------------------------------------------------------------------------------------------
# What runs where


def _members(elem: etree._Element) -> list[etree._Element]:
    return [c for c in elem if isinstance(c.tag, str) and c.tag in RESOURCE_TAGS]


def _clone_child(clone: etree._Element) -> etree._Element | None:
    return next((c for c in clone if isinstance(c.tag, str) and c.tag in ("primitive", "group")), None)


def _unique(clone: etree._Element) -> bool:
    child = _clone_child(clone)
    unique = is_true(_meta(clone).get("globally-unique"))
    if child is not None and child.tag == "primitive" and (_agent_attr(child, "class") or "").lower() not in (
            "ocf", "stonith"):
        return False
    return unique


def _promotable(clone: etree._Element) -> bool:
    return clone.tag == "master" or is_true(_meta(clone).get("promotable"))


def _all_places(ctx: Context, elem: etree._Element) -> list[dict[str, Placement]]:
    """Placements of every primitive instance inside ``elem``."""
    if elem.tag == "bundle":
        out = []
        for replica in bundle_info(elem).replicas:
            out += [ctx.history.on(x) for x in (replica.ip, replica.container, replica.remote) if x]
        child = bundle_info(elem).child
        if child is not None:
            out.append(_instance_places(ctx, str(child.get("id"))))
        return out
    if elem.tag == "primitive":
        rid = str(elem.get("id"))
        in_clone = any(a.tag in ("clone", "master") for a in elem.iterancestors())
        return [_instance_places(ctx, rid) if in_clone else ctx.history.on(rid)]
    return [p for child in _members(elem) for p in _all_places(ctx, child)]


def _partially_active(ctx: Context, elem: etree._Element) -> bool:
    return any(_active(p) for p in _all_places(ctx, elem))


def _running_nodes(ctx: Context, elem: etree._Element) -> set[str]:
    return {n for p in _all_places(ctx, elem) for n in _active(p)}


def passes_node(ctx: Context, scope: Scope, elem: etree._Element) -> bool:
    if scope.nodes is None or not _partially_active(ctx, elem):
        return True
    return bool(_running_nodes(ctx, elem) & scope.nodes)


# ---------------------------------------------------------------------------------------------
# Which resources are named by --resource


def _bundle_ids(bundle: etree._Element) -> set[str]:
    info = bundle_info(bundle)
    ids = {info.id}
    for replica in info.replicas:
        ids |= {x for x in (replica.ip, replica.container, replica.remote) if x}
    if info.child is not None:
        ids.add(str(info.child.get("id")))
    return ids


def _subtree_named(scope: Scope, elem: etree._Element) -> bool:
    """Whether ``elem`` or something inside it is named (instances ``rsc:N`` count)."""
    if scope.resources is None:
        return True
    if elem.tag == "bundle":
        ids = _bundle_ids(elem)
    else:
        ids = {str(e.get("id")) for e in elem.iter(*RESOURCE_TAGS)}
    return any(r in ids or r.split(":", 1)[0] in ids for r in scope.resources)


def _whole(scope: Scope, elem: etree._Element) -> bool:
    """Whether ``elem`` or one of its parents is named (it is then listed whole)."""
    if scope.resources is None:
        return True
    chain = [elem, *(a for a in elem.iterancestors() if a.tag in RESOURCE_TAGS)]
    return any(str(e.get("id")) in scope.resources for e in chain)


# ---------------------------------------------------------------------------------------------
# Primitives and groups


def _primitive(ctx: Context, scope: Scope, prim: etree._Element, name: str, places: dict[str, Placement],
               *, promotable: bool = False) -> Entry:
    return Entry(_primitive_line(ctx, prim, name, places, promotable=promotable))


def _group(ctx: Context, scope: Scope, group: etree._Element, suffix: str = "", promotable: bool = False,
           only_node: str | None = None, everything: bool = False) -> Block | None:
    """A group (or one instance ``suffix`` of a cloned group, running on ``only_node``)."""
    gid = str(group.get("id"))
    everything = everything or (scope.named(gid) and scope.resources is not None) or (
        bool(suffix) and scope.named(gid + suffix) and scope.resources is not None)
    items: list[Item] = []
    inactive = 0
    for prim in group.iterfind("primitive"):
        rid = str(prim.get("id"))
        if only_node is not None:
            places = {n: p for n, p in _instance_places(ctx, rid).items() if n == only_node}
        else:
            places = ctx.history.on(rid + suffix)
        if not _active(places):
            inactive += 1
        if not everything and not scope.named(rid, rid + suffix):
            continue
        if not scope.inactive and not _active(places):
            continue
        if not scope.on_node(places):
            continue
        items.append(_primitive(ctx, scope, prim, rid if only_node is not None or not suffix else rid + suffix,
                                places, promotable=promotable))
    if not items:
        return None
    return Block(_group_title(ctx, scope, group, gid + suffix, inactive), tuple(items))


def _group_title(ctx: Context, scope: Scope, group: etree._Element, name: str, inactive: int) -> str:
    """``Resource Group: NAME (N members inactive, disabled, unmanaged)``."""
    flags: list[str] = []
    if not scope.inactive and 0 < inactive < len(group.findall("primitive")):
        flags.append(f"{inactive} member{'' if inactive == 1 else 's'} inactive")
    if _in_maintenance(group, ctx) or _unmanaged(group, ctx):
        flags.append("unmanaged")
    if _disabled(group, ctx):
        flags.append("disabled")
    return f"Resource Group: {name}" + (f" ({', '.join(flags)})" if flags else "")


# ---------------------------------------------------------------------------------------------
# Clones


def _clone_title(ctx: Context, clone: etree._Element) -> str:
    child = _clone_child(clone)
    flags: list[str] = []
    if _promotable(clone):
        flags.append("promotable")
    if _unique(clone):
        flags.append("unique")
    if _in_maintenance(clone, ctx) or _unmanaged(clone, ctx):
        flags.append("unmanaged")
    if _disabled(clone, ctx):
        flags.append("disabled")
    title = f"Clone Set: {clone.get('id')}" + (f" [{child.get('id')}]" if child is not None else "")
    return title + (f" ({', '.join(flags)})" if flags else "")


def _instances(ctx: Context, clone: etree._Element) -> list[tuple[str, str | None]]:
    """The instances of a clone in Pacemaker's order: ``(suffix, node)`` (``node`` is where an
    anonymous instance runs, None for an unique instance or a stopped one)."""
    child = _clone_child(clone)
    if child is None:
        return []
    clone_max = _clone_max(ctx, _meta(clone), clone)
    if _unique(clone):
        return [(f":{n}", None) for n in range(clone_max)]
    members = [child] if child.tag == "primitive" else list(child.iterfind("primitive"))
    active_nodes = {n for m in members for n in _active(_instance_places(ctx, str(m.get("id"))))}
    order = {str(st.get("uname")): i for i, st in enumerate(ctx.cib.iterfind("status/node_state"))}
    numbered = sorted(active_nodes, key=lambda n: (order.get(n, len(order)), natural_key(n)))
    out: list[tuple[str, str | None]] = [(f":{i}", node) for i, node in enumerate(numbered)]
    return out + [(f":{i}", "") for i in range(len(numbered), clone_max)]


def _clone_detail(ctx: Context, scope: Scope, clone: etree._Element, everything: bool) -> list[Item]:
    """Every instance on a line (or as a group) of its own."""
    child = _clone_child(clone)
    assert child is not None
    child_id = str(child.get("id"))
    promotable = _promotable(clone)
    unique = _unique(clone)
    items: list[Item] = []
    probed = [] if child.tag != "primitive" or unique else [
        (n, p) for n, p in _instance_places(ctx, child_id).items()
        if not _active({n: p}) and p.failed_probe_rc is not None]
    for suffix, node in _instances(ctx, clone):
        named = everything or scope.named(child_id + suffix) or (unique and scope.named(child_id))
        if child.tag == "group":
            block = _group(ctx, scope, child, suffix, promotable, only_node=None if unique else node,
                           everything=named or scope.named(child_id))
            if block is not None:
                items.append(block)
            continue
        if unique:
            places = ctx.history.on(child_id + suffix)
        elif node:
            places = {node: _instance_places(ctx, child_id)[node]}
        else:
            places = dict([probed.pop(0)]) if probed else {}
        if not (named or (not unique and scope.named(child_id))):
            continue
        if not scope.on_node(places):
            continue
        items.append(_primitive(ctx, scope, child, child_id + suffix if unique else child_id, places,
                                promotable=promotable))
    return items


def _stopped_line(entry: Item) -> bool:
    if not isinstance(entry, Entry):
        return False
    state = entry.text.rsplit("\t", 1)[-1].strip()
    return state.startswith("Stopped")


def _active_members(ctx: Context, scope: Scope, group: etree._Element, block: Block) -> Block:
    """An instance of a cloned group without its inactive members (counted in its title)."""
    kept = tuple(i for i in block.items if not _stopped_line(i))
    name = block.title.removeprefix("Resource Group: ").split(" (", 1)[0]
    return Block(_group_title(ctx, scope, group, name, len(block.items) - len(kept)), kept)


def _narrow_clone(block: Block, nodes: frozenset[str]) -> Block:
    """A collapsed clone with its node lists limited to ``nodes``."""
    items: list[Item] = []
    for item in block.items:
        if isinstance(item, Entry) and item.text.endswith(" ]") and ": [ " in item.text:
            label, names = item.text.split(": [ ", 1)
            kept = [n for n in names[:-2].split() if n in nodes]
            if kept:
                items.append(Entry(f"{label}: [ {' '.join(kept)} ]"))
        elif isinstance(item, Entry):
            last = item.text.rsplit(" ", 1)[-1]
            if "\t" not in item.text or last in nodes or (not any(n in item.text for n in nodes) and \
                    "Started" not in item.text and "Promoted" not in item.text):
                items.append(item)
        elif isinstance(item, Block):
            items.append(item)
    return Block(block.title, tuple(items))


def _clone(ctx: Context, scope: Scope, clone: etree._Element) -> Block | None:
    child = _clone_child(clone)
    cid = str(clone.get("id"))
    everything = scope.resources is None or cid in scope.resources
    if child is None:
        return Block(_clone_title(ctx, clone))
    child_id = str(child.get("id"))
    narrowed = scope.resources is not None and not everything and child_id not in scope.resources
    if scope.detail or narrowed or (child.tag == "group" and scope.resources is not None and not everything
                                    and child_id not in scope.resources):
        items = _clone_detail(ctx, scope, clone, everything or child_id in scope.resources if scope.resources
                              else True)
        if not items:
            return None
        return Block(_clone_title(ctx, clone), tuple(items))
    block = _clone_block(ctx, clone)
    block = Block(_clone_title(ctx, clone), block.items)
    if not scope.inactive:
        kept: list[Item] = []
        for item in block.items:
            if isinstance(item, Entry) and item.text.startswith("Stopped"):
                continue
            if isinstance(item, Block) and child.tag == "group":
                item = _active_members(ctx, scope, child, item)
                if not item.items:
                    continue
            kept.append(item)
        block = Block(block.title, tuple(kept))
    if scope.nodes is not None:
        block = _narrow_clone(block, scope.nodes)
    return block if block.items else None


# ---------------------------------------------------------------------------------------------
# Bundles


def _fake(bundle: etree._Element, rid: str, kind: str, provider: str = "heartbeat") -> etree._Element:
    fake = etree.Element("primitive", id=rid, type=kind, provider=provider)
    fake.set("class", "ocf")
    return fake


def _bundle(ctx: Context, scope: Scope, bundle: etree._Element) -> Block | None:
    info = bundle_info(bundle)
    everything = scope.resources is None or info.id in scope.resources
    summary = _bundle_block(ctx, bundle)
    items: list[Item] = []
    child_id = str(info.child.get("id")) if info.child is not None else None
    for replica, line in zip(info.replicas, summary.items, strict=False):
        container = ctx.history.on(replica.container)
        if not scope.on_node(container):
            continue
        show_ip = replica.ip is not None and (everything or scope.named(replica.ip))
        show_ctnr = everything or scope.named(replica.container)
        # a bundle without a primitive shows its containers in their place
        show_child = (everything or scope.named(child_id)) if child_id is not None else show_ctnr
        show_remote = replica.remote is not None and (everything or scope.named(replica.remote))
        if not (show_ip or show_child or show_ctnr or show_remote):
            continue
        if scope.detail or not everything:
            parts: list[Item] = []
            if show_ip and replica.ip is not None:
                bundle.append(fake := _fake(bundle, replica.ip, "IPaddr2"))
                parts.append(_primitive(ctx, scope, fake, replica.ip, ctx.history.on(replica.ip)))
                bundle.remove(fake)
            if show_child and info.child is not None and replica.remote is not None:
                place = _instance_places(ctx, str(child_id)).get(replica.remote)
                shown = {replica.remote: place} if place is not None and (
                    place.role > Role.STOPPED or place.failed) else {}
                parts.append(_primitive(ctx, scope, info.child, str(child_id), shown, promotable=info.promotable))
            if show_ctnr:
                bundle.append(fake := _fake(bundle, replica.container, info.runtime))
                parts.append(_primitive(ctx, scope, fake, replica.container, container))
                bundle.remove(fake)
            if show_remote and replica.remote is not None:
                bundle.append(fake := _fake(bundle, replica.remote, "remote", "pacemaker"))
                parts.append(_primitive(ctx, scope, fake, replica.remote, ctx.history.on(replica.remote)))
                bundle.remove(fake)
            # a bundle of one replica lists its parts without a replica heading
            items.append(Block(f"Replica[{replica.index}]" if len(info.replicas) > 1 else "", tuple(parts)))
        elif show_child:
            items.append(line)
    if not items:
        return None
    return Block(summary.title, tuple(items))


# ---------------------------------------------------------------------------------------------
# Brief output: one line per agent with a count


def _brief_lines(ctx: Context, prims: Iterable[tuple[etree._Element, dict[str, Placement]]],
                 inactive: bool, with_node: bool = True) -> list[Item]:
    """``pe__rscs_brief_output``: primitives counted by agent (and by node when active)."""
    totals: dict[str, int] = {}
    active_counts: dict[str, dict[str, int]] = {}
    for prim, places in prims:
        agent = _agent(prim)
        totals[agent] = totals.get(agent, 0) + 1
        per_node = active_counts.setdefault(agent, {})
        for node in _active(places):
            per_node[node] = per_node.get(node, 0) + 1
    items: list[Item] = []
    for agent in sorted(totals):
        per_node = active_counts.get(agent, {})
        if not per_node:
            if inactive:
                items.append(Entry(f"0/{totals[agent]}\t({agent}):\tActive"))
            continue
        if not with_node:
            items.append(Entry(f"{sum(per_node.values())}\t({agent}):\tActive "))
            continue
        for node, count in per_node.items():
            text = f"{count}/{totals[agent]}" if inactive else str(count)
            items.append(Entry(f"{text}\t({agent}):\tActive {node}"))
    return items


# ---------------------------------------------------------------------------------------------
# The section


def _top(ctx: Context, scope: Scope, elem: etree._Element) -> Item | None:
    if elem.tag == "primitive":
        rid = str(elem.get("id"))
        return _primitive(ctx, scope, elem, rid, ctx.history.on(rid))
    if elem.tag == "group":
        return _group(ctx, scope, elem, everything=_whole(scope, elem))
    if elem.tag == "bundle":
        return _bundle(ctx, scope, elem)
    return _clone(ctx, scope, elem)


def _tops(ctx: Context) -> list[etree._Element]:
    resources = ctx.cib.find("configuration/resources")
    if resources is None:
        return []
    tops = [e for e in resources if isinstance(e.tag, str) and e.tag in RESOURCE_TAGS]
    tops.sort(key=lambda e: -_priority(e))
    return tops


def _listed(ctx: Context, scope: Scope, elem: etree._Element) -> bool:
    if not _subtree_named(scope, elem):
        return False
    if not scope.inactive and not _partially_active(ctx, elem):
        return False
    return passes_node(ctx, scope, elem)


def resource_items(ctx: Context, scope: Scope, summary: bool = True) -> Iterator[Item]:
    """The entries of the resource list (without its heading); with ``--brief``, primitives
    are counted by agent first unless ``summary`` is false (resources already listed by node)."""
    tops = _tops(ctx)
    if scope.brief and summary:
        prims = [(e, ctx.history.on(str(e.get("id")))) for e in tops
                 if e.tag == "primitive" and _subtree_named(scope, e)]
        if scope.nodes is not None:
            prims = [(e, {n: p for n, p in places.items() if n in scope.nodes}) for e, places in prims]
        yield from _brief_lines(ctx, prims, scope.inactive)
    for elem in tops:
        if scope.brief and summary and elem.tag == "primitive":
            continue
        if not _listed(ctx, scope, elem):
            continue
        if scope.brief and elem.tag == "group":
            group_prims = [(p, ctx.history.on(str(p.get("id")))) for p in elem.iterfind("primitive")
                           if _whole(scope, elem) or scope.named(str(p.get("id")))]
            lines = _brief_lines(ctx, group_prims, True)
            if lines:
                yield Block(_group_title(ctx, scope, elem, str(elem.get("id")), 0), tuple(lines))
            continue
        item = _top(ctx, scope, elem)
        if item is not None:
            yield item
    if scope.resources is None:
        resources = ctx.cib.find("configuration/resources")
        if resources is not None:
            yield from _orphans(ctx, resources)


def resource_section(ctx: Context, scope: Scope) -> Block:
    """``Active Resources`` or, with ``-r``, ``Full List of Resources``."""
    items = tuple(resource_items(ctx, scope))
    title = "Full List of Resources" if scope.inactive else "Active Resources"
    if not items:
        items = (Entry("No resources" if scope.inactive else "No active resources"),)
    return Block(title, items)


# ---------------------------------------------------------------------------------------------
# What runs on a node


def running_on(ctx: Context, node: str) -> list[tuple[etree._Element, str, Placement]]:
    """Primitive instances active on ``node``, in the order of its history: (agent element,
    name shown, placement)."""
    prims = {str(p.get("id")): p for p in ctx.cib.iterfind("configuration/resources//primitive")}
    implicit: dict[str, etree._Element] = {}
    for bundle in ctx.cib.iterfind("configuration/resources/bundle"):
        info = bundle_info(bundle)
        for replica in info.replicas:
            for rid, kind, provider in ((replica.ip, "IPaddr2", "heartbeat"),
                                        (replica.container, info.runtime, "heartbeat"),
                                        (replica.remote, "remote", "pacemaker")):
                if rid is None:
                    continue
                fake = etree.Element("primitive", id=rid, type=kind, provider=provider)
                fake.set("class", "ocf")
                fake.set("implicit-of", info.id)  # the bundle it belongs to
                if kind == "remote":
                    fake.set("implicit-connection", "true")
                implicit[rid] = fake
    out: list[tuple[etree._Element, str, Placement]] = []
    state = next((s for s in ctx.cib.iterfind("status/node_state")
                  if (s.get("uname") or s.get("id")) == node), None)
    if state is None:
        return out
    for entry in state.iterfind("lrm/lrm_resources/lrm_resource"):
        hid = str(entry.get("id"))
        place = ctx.history.on(hid).get(node)
        if place is None or not _active({node: place}):
            continue
        base = hid.split(":", 1)[0]
        elem = prims.get(base)
        if elem is None:
            elem = implicit.get(hid)
        if elem is None:
            elem = etree.Element("primitive", id=hid)
            for name in ("class", "provider", "type"):
                if entry.get(name) is not None:
                    elem.set(name, str(entry.get(name)))
        out.append((elem, base if _anonymous_instance(elem) else hid, place))
    return out


def _anonymous_instance(prim: etree._Element) -> bool:
    return any(a.tag in ("clone", "master") and not is_true(_meta(a).get("globally-unique"))
               for a in prim.iterancestors())


def in_promotable(prim: etree._Element) -> bool:
    return any(a.tag == "master" or (a.tag == "clone" and is_true(_meta(a).get("promotable")))
               for a in prim.iterancestors())


def fully_active(ctx: Context, elem: etree._Element) -> bool:
    """Pacemaker's ``active(rsc, all=TRUE)``: every instance of every part is active."""
    if elem.tag == "primitive":
        return bool(_active(ctx.history.on(str(elem.get("id")))))
    if elem.tag == "group":
        return all(fully_active(ctx, p) for p in elem.iterfind("primitive"))
    if elem.tag == "bundle":
        return all(_active(ctx.history.on(r.container)) for r in bundle_info(elem).replicas)
    child = _clone_child(elem)
    if child is None:
        return False
    return all(node for _, node in _instances(ctx, elem))
