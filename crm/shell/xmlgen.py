"""From the syntax tree to CIB XML, with ids generated as crmsh 4.4.1 generates them.

An id is derived from the nearest enclosing id (the *prefix*): ``P-NAME`` for an nvpair,
``P-NAME-INTERVAL`` for an op, ``P-instance_attributes`` (``meta_attributes``,
``utilization``, ``rule``, ``expression``...) for the rest, or ``P`` itself; when taken,
``-0``, ``-1``... are tried.  When a definition replaces an existing object, the ids of
matching old elements are kept (same tag and the same key attributes), so editing an object
does not renumber it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree

from crm.shell.ast import REF, Node
from crm.shell.xpath import xs

__all__ = ["IdStore", "assign_ids", "to_element"]

SUBPREFIX = {
    "instance_attributes": "instance_attributes",
    "meta_attributes": "meta_attributes",
    "utilization": "utilization",
    "operations": "ops",
    "rule": "rule",
    "expression": "expression",
    "date_expression": "expression",
    "duration": "duration",
    "date_spec": "date_spec",
    "read": "read",
    "write": "write",
    "deny": "deny",
}
HINTS = {
    "node": "node",
    "primitive": "rsc",
    "template": "rsc",
    "master": "grp",
    "group": "grp",
    "clone": "grp",
    "rsc_location": "location",
    "fencing-topology": "fencing",
    "tags": "tag",
    "alerts": "alert",
}
IDLESS = {
    "operations",
    "fencing-topology",
    "network",
    "docker",
    "rkt",
    "storage",
    "select",
    "select_attributes",
    "select_fencing",
    "select_nodes",
    "select_resources",
}
REFS = {"resource_ref", "obj_ref", REF, "role"}
MATCH_KEYS: dict[str, tuple[str, ...]] = {
    "node": ("uname",),
    "nvpair": ("name",),
    "op": ("name", "interval"),
    "rule": ("score", "score-attribute", "role"),
    "expression": ("attribute", "operation", "value"),
    "fencing-level": ("target", "devices"),
    "alert": ("path",),
    "recipient": ("value",),
}


class IdStore:
    """The ids in use in a configuration."""

    def __init__(self, ids: Iterable[str] = ()) -> None:
        self.used: set[str] = set(ids)

    @classmethod
    def of(cls, root: etree._Element) -> IdStore:
        return cls(xs(root, "//@id"))

    def save(self, ident: str | None) -> None:
        if ident:
            self.used.add(ident)

    def remove(self, ident: str | None) -> None:
        self.used.discard(ident or "")

    def free(self, ident: str) -> str:
        if ident not in self.used:
            return ident
        for count in range(99):
            candidate = f"{ident}-{count}"
            if candidate not in self.used:
                return candidate
        return ident

    def new(self, elem: etree._Element, prefix: str) -> str:
        if re.fullmatch(r"\d+", prefix) and elem.tag != "node":
            prefix = f"num-{prefix}"
        name = elem.get("name")
        if elem.tag == "nvpair":
            ident = f"{prefix}-{name}"
        elif elem.tag == "op":
            interval = elem.get("interval")
            ident = f"{prefix}-{name}-{interval}" if interval else f"{prefix}-{name}"
        else:
            sub = SUBPREFIX.get(str(elem.tag), "")
            ident = f"{prefix}-{sub}" if sub else prefix
        ident = self.free(ident)
        self.save(ident)
        return ident


def to_element(node: Node) -> etree._Element:
    elem = etree.Element(node.tag)
    for name, value in node.attrs.items():
        elem.set(name, value)
    for text in node.comments:
        elem.append(etree.Comment(text))
    for child in node.children:
        elem.append(to_element(child))
    return elem


def _lookup(elem: etree._Element, old: etree._Element | None, taken: dict[int, etree._Element]) -> etree._Element | None:
    if old is None:
        return None
    keys = list(MATCH_KEYS.get(str(elem.tag), ()))
    if elem.get("id"):
        keys.append("id")
    for candidate in old:
        if not isinstance(candidate.tag, str) or id(candidate) in taken:
            continue
        if candidate.tag == elem.tag and all(elem.get(k) == candidate.get(k) for k in keys):
            return candidate
    return None


def assign_ids(
    elem: etree._Element, store: IdStore, old: etree._Element | None = None, prefix: str | None = None
) -> None:
    """Give every element of ``elem`` that needs one an id (in document order)."""
    # old elements already matched, by id() of their proxy; the proxies are kept alive in the
    # values, as lxml may otherwise give a freed proxy's id() to a new one
    taken: dict[int, etree._Element] = {}

    def recurse(node: etree._Element, oldnode: etree._Element | None, prefix: str) -> None:
        ref = _lookup(node, oldnode, taken)
        if ref is not None:
            taken[id(ref)] = ref
        tag = str(node.tag)
        if tag not in REFS and "id-ref" not in node.attrib and tag not in IDLESS:
            old_id = ref.get("id") if ref is not None else None
            new_id = node.get("id") or old_id or node.get("uname")
            if new_id:
                store.save(new_id)
            else:
                new_id = store.new(node, prefix)
            node.set("id", new_id)
        if tag == "node" and node.get("uname"):
            prefix = node.get("uname") or prefix
        elif node.get("id"):
            prefix = node.get("id") or prefix
        for child in node:
            if isinstance(child.tag, str):
                recurse(child, ref if ref is not None else oldnode, prefix)

    recurse(elem, old, prefix if prefix is not None else HINTS.get(str(elem.tag), ""))
