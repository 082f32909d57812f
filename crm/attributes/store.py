"""Find, update and delete name/value pairs as Pacemaker's ``cib__*_node_attr`` calls do."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from crm.attributes.errors import MultipleMatches, NoSuchState
from crm.attributes.match import Match
from crm.attributes.sections import Section

__all__ = ["AttrTarget", "Match", "delete", "find", "node_uuid", "sanitize_id", "update"]


@dataclass(frozen=True, slots=True)
class AttrTarget:
    """Which name/value pairs an operation is about.

    ``node_id`` is required for the per-node sections; ``set_id`` and ``attr_id`` narrow the
    search (and name what is created); ``name`` may be None only when ``attr_id`` is given.
    """

    section: Section
    name: str | None
    node_id: str | None = None
    set_id: str | None = None
    attr_id: str | None = None
    utilization: bool = False  # node utilization (``<utilization>`` sets) instead of attributes

    @property
    def set_tag(self) -> str:
        return "utilization" if self._node_utilization else self.section.set_tag

    @property
    def _node_utilization(self) -> bool:
        return self.utilization and self.section.per_node

    def default_set_id(self) -> str:
        base = self.section.default_set_id(self.node_id)
        return f"{base}-utilization" if self._node_utilization else base

    @property
    def label(self) -> str:
        return self.name if self.name is not None else str(self.attr_id)


def sanitize_id(text: str) -> str:
    """``crm_xml_sanitize_id``: the characters XML ids may not contain (``:`` and ``#``) -> ``.``."""
    return text.replace(":", ".").replace("#", ".")


def node_uuid(root: etree._Element, uname: str) -> str | None:
    """The id of the node called ``uname``: a cluster node from the nodes section, else a remote
    node (an ``ocf:pacemaker:remote`` primitive) or guest node (``remote-node`` meta attribute),
    whose id is its name; None when there is no such node."""
    nodes = root.find("configuration/nodes")
    if nodes is not None:
        for node in nodes.iterfind("node"):
            if node.get("uname") == uname and node.get("id"):
                return node.get("id")
    resources = root.find("configuration/resources")
    if resources is not None:
        for prim in resources.iter("primitive"):
            if prim.get("id") == uname and prim.get("type") == "remote" and prim.get("provider") == "pacemaker":
                return uname
        for pair in resources.iter("nvpair"):
            if pair.get("name") == "remote-node" and pair.get("value") == uname:
                return uname
        for bundle in resources.iter("bundle"):
            if uname in bundle_guest_nodes(bundle):
                return uname
    return None


def _count(text: str | None) -> int:
    try:
        return max(int(text or 0), 0)
    except ValueError:
        return 0


def bundle_guest_nodes(bundle: etree._Element) -> list[str]:
    """The guest nodes ``<bundle>-<i>`` of a bundle that contains a resource (none otherwise)."""
    if bundle.find("primitive") is None:
        return []
    runtime = next((c for c in bundle if c.tag in ("docker", "podman", "rkt")), None)
    replicas = 1
    if runtime is not None:
        promoted = _count(runtime.get("promoted-max") or runtime.get("masters"))
        replicas = _count(runtime.get("replicas")) or max(promoted, 1)
    return [f"{bundle.get('id')}-{i}" for i in range(replicas)]


def _node_state(root: etree._Element, node_id: str | None) -> etree._Element | None:
    status = root.find("status")
    if status is None:
        return None
    for state in status.iterfind("node_state"):
        if state.get("id") == node_id:
            return state
    return None


def _config_node(root: etree._Element, node_id: str | None) -> etree._Element | None:
    nodes = root.find("configuration/nodes")
    if nodes is None:
        return None
    for node in nodes.iterfind("node"):
        if node.get("id") == node_id:
            return node
    return None


def _scopes(root: etree._Element, target: AttrTarget) -> list[etree._Element]:
    """The elements under which the target's sets live (none when they do not exist)."""
    section = target.section
    if section is Section.NODES:
        node = _config_node(root, target.node_id)
        return [] if node is None else [node]
    if section is Section.STATUS:
        state = _node_state(root, target.node_id)
        return [] if state is None else list(state.iterfind("transient_attributes"))
    found = root.find(f"configuration/{section.value}")
    return [] if found is None else [found]


def _pairs(root: etree._Element, target: AttrTarget) -> list[tuple[etree._Element, etree._Element]]:
    found: list[tuple[etree._Element, etree._Element]] = []
    seen: set[int] = set()
    for scope in _scopes(root, target):
        for attr_set in scope.iter(target.set_tag):
            if target.set_id is not None and attr_set.get("id") != target.set_id:
                continue
            for pair in attr_set.iter("nvpair"):
                if id(pair) in seen:
                    continue
                if target.attr_id is not None and pair.get("id") != target.attr_id:
                    continue
                if target.name is not None and pair.get("name") != target.name:
                    continue
                seen.add(id(pair))
                found.append((attr_set, pair))
    return found


def _match(attr_set: etree._Element, pair: etree._Element) -> Match:
    return Match(pair.get("id", ""), pair.get("name", ""), pair.get("value", ""), attr_set.get("id", ""))


def find(root: etree._Element, target: AttrTarget) -> list[Match]:
    """Every name/value pair ``target`` designates, in document order."""
    return [_match(attr_set, pair) for attr_set, pair in _pairs(root, target)]


def update(root: etree._Element, target: AttrTarget, value: str) -> Match:
    """Set the target's value, creating the pair (and its set) with Pacemaker's ids if needed.

    Raises :class:`MultipleMatches` when several pairs match and :class:`NoSuchState` when a
    status attribute is set for a node without a ``node_state``."""
    pairs = _pairs(root, target)
    if len(pairs) > 1:
        raise MultipleMatches(target.label, [_match(s, p) for s, p in pairs])
    if pairs:
        attr_set, pair = pairs[0]
        pair.set("value", value)
        return _match(attr_set, pair)
    set_id = target.set_id or target.default_set_id()
    name = target.name if target.name is not None else str(target.attr_id)
    parent = _set_parent(root, target, set_id, name, value)
    found_set = next((s for s in parent.iterfind(target.set_tag) if s.get("id") == set_id), None)
    attr_set = etree.SubElement(parent, target.set_tag, id=set_id) if found_set is None else found_set
    pair_id = target.attr_id or sanitize_id(f"{set_id}-{name}")
    pair = etree.SubElement(attr_set, "nvpair", id=pair_id, name=name, value=value)
    return _match(attr_set, pair)


def _set_parent(root: etree._Element, target: AttrTarget, set_id: str, name: str, value: str) -> etree._Element:
    section = target.section
    if section is Section.STATUS:
        state = _node_state(root, target.node_id)
        if state is None:
            raise NoSuchState(
                f"Error setting {name}={value} (section={section.value}, set={set_id}): "
                "No such device or address"
            )
        transient = next((t for t in state.iterfind("transient_attributes") if t.get("id") == target.node_id), None)
        if transient is None:
            transient = etree.SubElement(state, "transient_attributes", id=str(target.node_id))
        return transient
    if section is Section.NODES:
        node = _config_node(root, target.node_id)
        if node is None:
            nodes = root.find("configuration/nodes")
            if nodes is None:
                nodes = etree.SubElement(_configuration(root), "nodes")
            node = etree.SubElement(nodes, "node", type="remote", id=str(target.node_id), uname=str(target.node_id))
        return node
    configuration = _configuration(root)
    parent = configuration.find(section.value)
    if parent is None:
        parent = etree.SubElement(configuration, section.value)
    return parent


def _configuration(root: etree._Element) -> etree._Element:
    configuration = root.find("configuration")
    if configuration is None:
        configuration = etree.SubElement(root, "configuration")
    return configuration


def delete(root: etree._Element, target: AttrTarget) -> Match | None:
    """Remove the one pair ``target`` designates (its set stays, possibly empty).

    None when nothing matches; :class:`MultipleMatches` (nothing removed) when several do."""
    pairs = _pairs(root, target)
    if len(pairs) > 1:
        raise MultipleMatches(target.label, [_match(s, p) for s, p in pairs])
    if not pairs:
        return None
    attr_set, pair = pairs[0]
    found = _match(attr_set, pair)
    attr_set.remove(pair)
    return found
