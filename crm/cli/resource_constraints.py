"""``crm_resource --constraints`` (``-a``) and ``--stack`` (``-A``, i.e. ``--constraints
--recursive``): the location constraints and colocations that apply to a resource, as
Pacemaker 2.1.5 prints them in text and in XML.

Three lists: the resource's locations; the resources colocated with it (each with its own
locations, and with ``--recursive`` the resources colocated with those, and so on); the
resources it is colocated with (the same, in the other direction).  A resource met again in a
chain is a loop and is not followed.  A member of a group, clone or bundle stands for its
collective resource unless ``--force`` is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from lxml import etree

from crm.cli.output_format import XmlResult
from crm.common.scores import parse_score, score_text
from pengine.rules import RuleContext, rule_score

__all__ = ["Report", "collective", "constraints"]


@dataclass
class Location:
    id: str
    rsc: str
    node: str
    score: int
    role: str | None = None


@dataclass
class Colocation:
    id: str
    rsc: str
    with_rsc: str
    score: str
    rsc_role: str | None = None
    with_rsc_role: str | None = None


@dataclass
class Report:
    """What was found, in the order Pacemaker prints it."""

    lines: list[str] = field(default_factory=list)
    elements: list[Location | Colocation] = field(default_factory=list)

    def text(self) -> str:
        return "".join(f"{line}\n" for line in self.lines)

    def xml(self, result: XmlResult) -> None:
        section = result.add("constraints")
        for item in self.elements:
            if isinstance(item, Location):
                result.add("rsc_location", section, {"node": item.node, "rsc": item.rsc, "id": item.id,
                                                     "score": score_text(item.score), "role": item.role})
            else:
                result.add("rsc_colocation", section, {
                    "id": item.id, "rsc": item.rsc, "with-rsc": item.with_rsc, "score": item.score,
                    "rsc-role": item.rsc_role, "with-rsc-role": item.with_rsc_role})


def collective(root: etree._Element, element: etree._Element) -> etree._Element:
    """The outermost resource containing ``element`` (Pacemaker's ``uber_parent``)."""
    top = element
    for ancestor in element.iterancestors():
        if ancestor.tag in ("group", "clone", "master", "bundle"):
            top = ancestor
    return top


def _node_attrs(root: etree._Element) -> dict[str, dict[str, str]]:
    nodes: dict[str, dict[str, str]] = {}
    for node in root.iterfind("configuration/nodes/node"):
        name = node.get("uname") or node.get("id") or ""
        attrs = {"#uname": name, "#id": node.get("id") or name, "#kind": "cluster"}
        for pair in node.iterfind("instance_attributes/nvpair"):
            attrs.setdefault(pair.get("name", ""), pair.get("value", ""))
        nodes[name] = attrs
    for state in root.iterfind("status/node_state"):
        known = nodes.get(state.get("uname") or "")
        if known is not None:
            for pair in state.iterfind("transient_attributes/instance_attributes/nvpair"):
                known[pair.get("name", "")] = pair.get("value", "")
    return nodes


def _locations(root: etree._Element) -> dict[str, list[Location]]:
    found: dict[str, list[Location]] = {}
    nodes: dict[str, dict[str, str]] | None = None
    now = datetime.now(UTC)
    for loc in root.iterfind("configuration/constraints/rsc_location"):
        rsc = loc.get("rsc")
        if not rsc:
            continue
        items = found.setdefault(rsc, [])
        if loc.get("node") is not None and loc.get("score") is not None:
            items.append(Location(str(loc.get("id")), rsc, str(loc.get("node")), parse_score(loc.get("score")),
                                  loc.get("role")))
        for rule in loc.iterfind("rule"):
            if nodes is None:
                nodes = _node_attrs(root)
            for name, attrs in nodes.items():
                score = rule_score(rule, RuleContext(now=now, node_attrs=attrs))
                if score is not None:
                    items.append(Location(str(rule.get("id")), rsc, name, score, rule.get("role")))
    return found


def _colocations(root: etree._Element) -> list[Colocation]:
    found = []
    for col in root.iterfind("configuration/constraints/rsc_colocation"):
        rsc, with_rsc = col.get("rsc"), col.get("with-rsc")
        if not rsc or not with_rsc:
            continue  # colocation sets are not listed
        found.append(Colocation(str(col.get("id")), rsc, with_rsc, score_text(parse_score(col.get("score"))),
                                col.get("rsc-role"), col.get("with-rsc-role")))
    return found


def _item(indent: int) -> str:
    return "  " * indent + "* "


def _header(indent: int, text: str) -> str:
    return text + ":" if indent == 0 else "  " * indent + "* " + text + ":"


def constraints(root: etree._Element, rsc_id: str, recursive: bool = False) -> Report:
    """The report for the resource ``rsc_id`` (already resolved to its collective if needed)."""
    report = Report()
    locations = _locations(root)
    colocations = _colocations(root)

    def location_list(rsc: str, indent: int) -> None:
        items = list(reversed(locations.get(rsc, [])))  # Pacemaker prepends each one it unpacks
        if not items:
            return
        report.lines.append(_header(indent, "Locations"))
        for loc in items:
            report.lines.append(f"{_item(indent + 1)}Node {loc.node} (score={score_text(loc.score)}, "
                                f"id={loc.id}, rsc={loc.rsc})")
            report.elements.append(loc)

    def chain(rsc: str, indent: int, seen: set[str], dependents: bool) -> None:
        if rsc in seen:
            return
        seen.add(rsc)
        if dependents:
            found = [c for c in colocations if c.with_rsc == rsc]
            found.sort(key=lambda c: c.rsc)
            title = f"Resources colocated with {rsc}"
        else:
            found = [c for c in colocations if c.rsc == rsc]
            found.sort(key=lambda c: c.with_rsc)
            title = f"Resources {rsc} is colocated with"
        if not found:
            return
        report.lines.append(_header(indent, title))
        for col in found:
            peer = col.rsc if dependents else col.with_rsc
            report.elements.append(col)
            if peer in seen:
                report.lines.append(f"{_item(indent + 1)}{peer} (id={col.id} - loop)")
                continue
            role = col.rsc_role if dependents else col.with_rsc_role
            with_role = f"with role={role}, " if role else ""
            report.lines.append(f"{_item(indent + 1)}{peer} (score={col.score}, {with_role}id={col.id})")
            location_list(peer, indent + 2)
            if recursive:
                chain(peer, indent + 2, seen, dependents)

    location_list(rsc_id, 0)
    chain(rsc_id, 0, set(), True)
    chain(rsc_id, 0, set(), False)
    return report
