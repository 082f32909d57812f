"""A batch of the attribute writer, applied to a CIB document (pure; no I/O).

The layout is Pacemaker's (``attrd_cib.c``)::

    <status>
      <node_state id="NODEID" uname="NAME">
        <transient_attributes id="NODEID">
          <instance_attributes id="status-NODEID">
            <nvpair id="status-NODEID-NAME" name="NAME" value="VALUE"/>

with ``-s SET`` naming the set and utilization attributes in a ``utilization`` element.  A
missing ``node_state`` is created with only ``id`` and ``uname`` (the controller fills in the
rest).  A removed value removes its pairs; a purge removes the node's
``transient_attributes``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from crm.attrd.machine import Purge, WriteCib, WriteItem
from crm.attributes.store import node_uuid, sanitize_id

__all__ = ["WriteReport", "apply_write"]


@dataclass
class WriteReport:
    set: int = 0
    removed: int = 0
    purged: int = 0
    skipped: list[str] | None = None


def _node_id(root: etree._Element, node: str, nodeid: int | None) -> str | None:
    if nodeid is not None:
        return str(nodeid)
    return node_uuid(root, node)


def _status(root: etree._Element) -> etree._Element:
    status = root.find("status")
    if status is None:
        status = etree.SubElement(root, "status")
    return status


def _node_state(root: etree._Element, node_id: str, uname: str, create: bool) -> etree._Element | None:
    status = root.find("status") if not create else _status(root)
    if status is None:
        return None
    for state in status.iterfind("node_state"):
        if state.get("id") == node_id:
            if create and state.get("uname") is None:
                state.set("uname", uname)
            return state
    if not create:
        return None
    return etree.SubElement(status, "node_state", id=node_id, uname=uname)


def _set_item(root: etree._Element, node_id: str, item: WriteItem) -> None:
    state = _node_state(root, node_id, item.node, create=True)
    assert state is not None
    transient = next((t for t in state.iterfind("transient_attributes") if t.get("id") == node_id), None)
    if transient is None:
        transient = etree.SubElement(state, "transient_attributes", id=node_id)
    tag = "utilization" if item.utilization else "instance_attributes"
    set_id = item.set_id or (f"status-{node_id}-utilization" if item.utilization else f"status-{node_id}")
    attr_set = next((s for s in transient.iterfind(tag) if s.get("id") == set_id), None)
    if attr_set is None:
        attr_set = etree.SubElement(transient, tag, id=set_id)
    pairs = [p for p in attr_set.iterfind("nvpair") if p.get("name") == item.name]
    if not pairs:
        etree.SubElement(attr_set, "nvpair", id=sanitize_id(f"{set_id}-{item.name}"), name=item.name,
                         value=str(item.value))
        return
    for pair in pairs:
        pair.set("value", str(item.value))


def _remove_item(root: etree._Element, node_id: str, item: WriteItem) -> int:
    state = _node_state(root, node_id, item.node, create=False)
    if state is None:
        return 0
    removed = 0
    tag = "utilization" if item.utilization else "instance_attributes"
    for transient in state.iterfind("transient_attributes"):
        for attr_set in transient.iterfind(tag):
            if item.set_id is not None and attr_set.get("id") != item.set_id:
                continue
            for pair in list(attr_set.iterfind("nvpair")):
                if pair.get("name") == item.name:
                    attr_set.remove(pair)
                    removed += 1
    return removed


def _purge(root: etree._Element, node_id: str, purge: Purge) -> int:
    state = _node_state(root, node_id, purge.node, create=False)
    if state is None:
        return 0
    found = list(state.iterfind("transient_attributes"))
    for transient in found:
        state.remove(transient)
    return len(found)


def apply_write(root: etree._Element, batch: WriteCib | Sequence[WriteItem]) -> WriteReport:
    """Apply ``batch`` to the CIB ``root`` in place; items whose node has no id are skipped."""
    items = batch.items if isinstance(batch, WriteCib) else tuple(batch)
    purges = batch.purges if isinstance(batch, WriteCib) else ()
    report = WriteReport(skipped=[])
    assert report.skipped is not None
    for purge in purges:
        node_id = _node_id(root, purge.node, purge.nodeid)
        if node_id is None:
            report.skipped.append(f"purge of {purge.node} (unknown node)")
            continue
        report.purged += _purge(root, node_id, purge)
    for item in items:
        node_id = _node_id(root, item.node, item.nodeid)
        if node_id is None:
            report.skipped.append(f"{item.name} for {item.node} (unknown node)")
            continue
        if item.value is None:
            report.removed += _remove_item(root, node_id, item)
        else:
            _set_item(root, node_id, item)
            report.set += 1
    return report
