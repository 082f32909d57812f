"""Where a resource runs, as ``crm_resource --locate`` (Pacemaker 2.1.5's ``cli_resource_search``)
and ``crm_resource -L``/``-q`` in XML read it.

Pacemaker's search: a clone lists the nodes of each of its instances; the common id of an
anonymous clone's primitive (``rsc`` for ``rsc:0``, ``rsc:1``...) lists the nodes of every
instance of the clone it belongs to; anything else lists its own nodes.  Each entry says
whether the instance there is promoted (only for promotable clones).  Pacemaker builds the list
by prepending, so it comes out in the reverse of the order the resources and nodes were
unpacked (instances in order, each instance's nodes in the order of the status section).

Anonymous clone instances are numbered as Pacemaker numbers them when it reads the history:
in the order of the nodes in the status section where the clone's members are active, unless
the history names the instance (``rsc:N``).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from crm.common.booleans import is_true
from pengine.status_view import Context, Placement, Role, _active, _clone_max, _context, _meta

__all__ = ["Located", "find_element", "instance_count", "locate"]

CLONE_TAGS = ("clone", "master")
RESOURCE_TAGS = ("primitive", "group", "clone", "master", "bundle")


@dataclass(frozen=True)
class Located:
    node: str
    promoted: bool = False


def find_element(root: etree._Element, rsc_id: str) -> tuple[etree._Element, int | None] | None:
    """The configured resource named ``rsc_id`` (or ``id:N``, a clone instance) and the instance."""
    resources = root.find("configuration/resources")
    if resources is None:
        return None
    for element in resources.iter(*RESOURCE_TAGS):
        if element.get("id") == rsc_id:
            return element, None
    base, sep, number = rsc_id.rpartition(":")
    if sep and number.isdigit():
        for element in resources.iter(*RESOURCE_TAGS):
            if element.get("id") == base:
                return element, int(number)
    return None


def _clone_of(element: etree._Element) -> etree._Element | None:
    for ancestor in element.iterancestors(*CLONE_TAGS):
        return ancestor
    return None


def _promotable(clone: etree._Element) -> bool:
    return clone.tag == "master" or is_true(_meta(clone).get("promotable"))


def _members(child: etree._Element) -> list[etree._Element]:
    return [child] if child.tag == "primitive" else list(child.iterfind("primitive"))


def _status_order(ctx: Context) -> dict[str, int]:
    return {str(st.get("uname") or st.get("id")): i for i, st in enumerate(ctx.cib.iterfind("status/node_state"))}


def _ordered(ctx: Context, places: dict[str, Placement]) -> list[tuple[str, Placement]]:
    order = _status_order(ctx)
    return sorted(places.items(), key=lambda item: order.get(item[0], len(order)))


@dataclass
class _Instance:
    """One clone instance: per member primitive, where it is active."""

    number: int
    members: dict[str, dict[str, Placement]]

    def nodes(self, ctx: Context) -> list[tuple[str, Role]]:
        """The instance's nodes in unpacking order (members in order, then nodes), with its role."""
        seen: dict[str, Role] = {}
        for places in self.members.values():
            for node, place in _ordered(ctx, places):
                seen[node] = max(seen.get(node, Role.STOPPED), place.role)
        return list(seen.items())


def clone_instances(ctx: Context, clone: etree._Element) -> list[_Instance]:
    """The instances of a clone, numbered as Pacemaker numbers them."""
    child = next((c for c in clone if isinstance(c.tag, str) and c.tag in ("primitive", "group")), None)
    if child is None:
        return []
    members = [str(m.get("id")) for m in _members(child)]
    count = _clone_max(ctx, _meta(clone), clone)
    instances = [_Instance(n, {m: {} for m in members}) for n in range(count)]
    anonymous: dict[str, dict[str, Placement]] = {}
    for member in members:
        for hid, places in ctx.history.by_rsc.items():
            base, sep, number = hid.rpartition(":")
            if hid == member:
                for node, place in _active(places).items():
                    anonymous.setdefault(node, {})[member] = place
            elif sep and base == member and number.isdigit():
                index = int(number)
                if index >= len(instances):
                    instances.extend(_Instance(n, {m: {} for m in members})
                                     for n in range(len(instances), index + 1))
                instances[index].members[member].update(_active(places))
    used = {n for inst in instances for places in inst.members.values() for n in places}
    free = (inst for inst in instances if not any(inst.members.values()))
    order = _status_order(ctx)
    for node in sorted(anonymous, key=lambda n: order.get(n, len(order))):
        if node in used:
            continue
        inst = next(free, None)
        if inst is None:
            inst = _Instance(len(instances), {m: {} for m in members})
            instances.append(inst)
        for member, place in anonymous[node].items():
            inst.members[member][node] = place
    return instances


def instance_count(root: etree._Element, clone: etree._Element) -> int:
    """How many instances a clone has (its clone-max, or more when its history names more)."""
    return len(clone_instances(_context(root), clone))


def _own_nodes(ctx: Context, element: etree._Element) -> list[tuple[str, Role]]:
    seen: dict[str, Role] = {}
    for prim in _members(element) if element.tag in ("primitive", "group") else list(element.iter("primitive")):
        for node, place in _ordered(ctx, _active(ctx.history.on(str(prim.get("id"))))):
            seen[node] = max(seen.get(node, Role.STOPPED), place.role)
    return list(seen.items())


def locate(root: etree._Element, rsc_id: str, ctx: Context | None = None) -> list[Located] | None:
    """Pacemaker's ``cli_resource_search`` for ``rsc_id``: None when there is no such resource."""
    found = find_element(root, rsc_id)
    if found is None:
        return None
    element, number = found
    ctx = ctx or _context(root)
    clone = element if element.tag in CLONE_TAGS else _clone_of(element)
    inside = clone is not None and clone is not element
    if number is not None and not inside:
        return None  # only clone members have numbered instances
    if inside and clone is not None:
        unique = is_true(_meta(clone).get("globally-unique"))
        if unique and number is None:
            return None  # a unique clone's member exists only as its numbered instances
        if number is not None and number >= len(clone_instances(ctx, clone)):
            return None
    entries: list[Located] = []
    if clone is None or element.tag == "bundle":
        entries = [Located(node) for node, _ in _own_nodes(ctx, element)]
    else:
        promotable = _promotable(clone)
        instances = clone_instances(ctx, clone)
        anonymous = not is_true(_meta(clone).get("globally-unique"))
        if element is clone or (anonymous and number is None and element.tag == "primitive"):
            chosen = instances
        else:
            # a group's common id, or a numbered instance: that one instance
            index = number or 0
            chosen = [i for i in instances if i.number == index][:1]
        for inst in chosen:
            if element.tag == "primitive" and element is not clone and number is not None:
                places = inst.members.get(str(element.get("id")), {})
                nodes = [(node, place.role) for node, place in _ordered(ctx, places)]
            else:
                nodes = inst.nodes(ctx)
            entries += [Located(node, promotable and role == Role.PROMOTED) for node, role in nodes]
    return list(reversed(entries))
