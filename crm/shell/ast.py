"""The syntax tree of configure-language definitions.

Every definition parses to a :class:`Definition`: its kind (``primitive``, ``location``...),
and a tree of :class:`Node` shaped like the CIB element it stands for, without generated ids
(those depend on the ids already in use: see :mod:`crm.shell.xmlgen`).  ``Ref`` nodes stand
for resources named by the definition (group members, the child of a clone) that are taken
from the configuration when the definition is applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Definition", "Node"]


@dataclass(slots=True)
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)

    def set(self, name: str, value: str | None) -> None:
        if value is not None:
            self.attrs[name] = value

    def get(self, name: str) -> str | None:
        return self.attrs.get(name)

    def add(self, tag: str, **attrs: str) -> Node:
        child = Node(tag, dict(attrs))
        self.children.append(child)
        return child

    def find(self, tag: str) -> Node | None:
        for child in self.children:
            if child.tag == tag:
                return child
        return None


REF = "crmsh-ref"
"""Tag of a reference to an existing resource, replaced by that resource on apply."""


@dataclass(slots=True)
class Definition:
    kind: str
    """The crm word: node, primitive, rsc_template, group, clone, ms, location, colocation,
    order, rsc_ticket, property, rsc_defaults, op_defaults, tag, fencing_topology, monitor,
    role, acl_target, acl_group, xml."""
    node: Node
    line: int = 0
