"""Shrink a CIB on which the two schedulers disagree, keeping the disagreement.

Greedy deletion to a fixed point: whole resources (with the constraints that name them and
their op history), constraints, nodes (with their status), history entries of a resource on a
node, single operations, transient and configured attributes. A deletion is kept when the
schedulers still disagree on at least one of the views they disagreed on at first.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator

from lxml import etree

Still = Callable[[etree._Element], bool]


def _resource_ids(elem: etree._Element) -> set[str]:
    return {str(e.get("id")) for e in elem.iter("primitive", "group", "clone", "master", "bundle")}


def _mentions(constraint: etree._Element, ids: set[str]) -> bool:
    for attr in ("rsc", "with-rsc", "first", "then"):
        if constraint.get(attr) in ids:
            return True
    return any(ref.get("id") in ids for ref in constraint.iter("resource_ref"))


def _remove(elem: etree._Element) -> None:
    parent = elem.getparent()
    if parent is not None:
        parent.remove(elem)


def _drop_resource(cib: etree._Element, rsc: etree._Element) -> None:
    ids = _resource_ids(rsc)
    for c in list(cib.iterfind("configuration/constraints/*")):
        if _mentions(c, ids):
            _remove(c)
    for entry in list(cib.iterfind("status/node_state/lrm/lrm_resources/lrm_resource")):
        if entry.get("id", "").split(":")[0] in ids:
            _remove(entry)
    _remove(rsc)


def _drop_node(cib: etree._Element, node: etree._Element) -> None:
    uname = node.get("uname")
    for state in list(cib.iterfind("status/node_state")):
        if state.get("uname") == uname:
            _remove(state)
    for c in list(cib.iterfind("configuration/constraints/rsc_location")):
        if c.get("node") == uname:
            _remove(c)
    _remove(node)


def _paths(cib: etree._Element) -> Iterator[tuple[str, Callable[[etree._Element, etree._Element], None]]]:
    """(xpath of one element, how to delete it) in the order tried: biggest first."""
    tree = cib.getroottree()
    config = "configuration/resources"
    for rsc in cib.iterfind(f"{config}/*"):
        yield tree.getpath(rsc), _drop_resource
    for rsc in cib.iterfind(f"{config}/*/primitive"):
        yield tree.getpath(rsc), _drop_resource
    for c in cib.iterfind("configuration/constraints/*"):
        yield tree.getpath(c), lambda _cib, e: _remove(e)
    for n in cib.iterfind("configuration/nodes/node"):
        yield tree.getpath(n), _drop_node
    for entry in cib.iterfind("status/node_state/lrm/lrm_resources/lrm_resource"):
        yield tree.getpath(entry), lambda _cib, e: _remove(e)
    for op in cib.iterfind("status/node_state/lrm/lrm_resources/lrm_resource/lrm_rsc_op"):
        yield tree.getpath(op), lambda _cib, e: _remove(e)
    for nv in cib.iter("nvpair"):
        yield tree.getpath(nv), lambda _cib, e: _remove(e)
    for other in cib.iter("op", "expression", "date_expression", "resource_ref", "utilization"):
        yield tree.getpath(other), lambda _cib, e: _remove(e)


def minimise(cib: etree._Element, still_differs: Still, max_rounds: int = 6) -> etree._Element:
    """The smallest CIB found by greedy deletion on which ``still_differs`` holds."""
    best = copy.deepcopy(cib)
    for _ in range(max_rounds):
        changed = False
        for path, drop in list(_paths(best)):
            trial = copy.deepcopy(best)
            found = trial.getroottree().xpath(path)
            if not found or not isinstance(found, list) or not isinstance(found[0], etree._Element):
                continue
            drop(trial, found[0])
            if still_differs(trial):
                best = trial
                changed = True
        if not changed:
            break
    return best
