"""``resource trace``/``untrace``: resource agent tracing switched on and off in the CIB, as
crmsh 4.4.1 does it.

Tracing is the ``trace_ra=1`` parameter (and ``trace_dir``) of an operation.  crmsh edits an
operation by rebuilding it: the attributes that the schema allows on ``<op>`` stay attributes,
everything else (the operation's parameters and the new one) goes in a fresh
``instance_attributes`` set, the op gets its generated id back and is moved to the end of
``operations`` (its ``meta_attributes`` are lost on the way).  Tracing an operation that is
not configured adds a bare one with interval 0; untracing removes such a bare op again.
"""

from __future__ import annotations

from lxml import etree

from crm.common.durations import parse_interval_ms
from crm.shell.xmlgen import IdStore
from crm.shell.xpath import xp, xs

__all__ = ["OP_ATTRIBUTES", "TRACE_DIR", "TRACE_RA", "TraceError", "trace", "untrace"]

TRACE_RA = "trace_ra"
TRACE_DIR = "trace_dir"
OP_ATTRIBUTES = frozenset(
    {"id", "name", "interval", "description", "start-delay", "interval-origin", "timeout", "enabled", "record-pending", "role", "on-fail"}
)
"""Attributes of ``<op>`` in the schema; other names are the operation's parameters."""


class TraceError(ValueError):
    """The command cannot be carried out (crmsh's message)."""


def _ops(prim: etree._Element, name: str | None = None) -> list[etree._Element]:
    found: list[etree._Element] = []
    for ops in prim.iterchildren("operations"):
        found.extend(op for op in ops.iterchildren("op") if name is None or op.get("name") == name)
    return found


def find_operation(prim: etree._Element, name: str, interval: str | None = None) -> etree._Element | None:
    """crmsh's find_operation: the only op of that name, else the one with that interval."""
    matching = _ops(prim, name)
    if interval is None and len(matching) == 1:
        return matching[0]
    want = parse_interval_ms(interval or "0")
    for op in matching:
        if parse_interval_ms(op.get("interval") or "0") == want:
            return op
    return None


def _operations(prim: etree._Element) -> etree._Element:
    found = prim.find("operations")
    if found is None:
        found = etree.SubElement(prim, "operations")
    return found


def _forget_ids(elem: etree._Element, ids: IdStore) -> None:
    for e in elem.iter():
        if isinstance(e.tag, str):
            ids.remove(e.get("id"))


def _build(prim: etree._Element, attrs: dict[str, str], ids: IdStore) -> etree._Element:
    """A new op from crmsh's attribute dictionary, appended to the operations."""
    op = etree.Element("op")
    params: dict[str, str] = {}
    for name, value in attrs.items():
        if name in OP_ATTRIBUTES:
            op.set(name, value)
        else:
            params[name] = value
    op.set("id", ids.new(op, prim.get("id") or ""))
    if params:
        inst = etree.SubElement(op, "instance_attributes")
        inst.set("id", ids.new(inst, op.get("id") or ""))
        for name, value in params.items():
            nvp = etree.SubElement(inst, "nvpair")
            nvp.set("name", name)
            nvp.set("value", value)
            nvp.set("id", ids.new(nvp, inst.get("id") or ""))
    _operations(prim).append(op)
    return op


def _rebuild(prim: etree._Element, op: etree._Element, ids: IdStore, set_attr: tuple[str, str] | None, del_attr: str | None) -> etree._Element:
    attrs: dict[str, str] = {"name": op.get("name") or ""}
    for name, value in op.attrib.items():
        if name != "id":
            attrs[str(name)] = str(value)
    for nvp in xp(op, "instance_attributes/nvpair"):
        if nvp.get("name") is not None and nvp.get("value") is not None:
            attrs[str(nvp.get("name"))] = str(nvp.get("value"))
    if set_attr is not None:
        attrs[set_attr[0]] = set_attr[1]
    if del_attr is not None:
        attrs.pop(del_attr, None)
    parent = op.getparent()
    if parent is not None:
        parent.remove(op)
    _forget_ids(op, ids)
    return _build(prim, attrs, ids)


def _set_trace(prim: etree._Element, op: etree._Element, ids: IdStore, trace_dir: str | None) -> None:
    op = _rebuild(prim, op, ids, (TRACE_RA, "1"), None)
    if trace_dir is not None:
        _rebuild(prim, op, ids, (TRACE_DIR, trace_dir), None)


def _add(prim: etree._Element, name: str, interval: str, ids: IdStore, trace_dir: str | None) -> None:
    rsc = prim.get("id")
    if find_operation(prim, name, interval) is not None:
        raise TraceError(f"Failed to add trace for {rsc}:{name}")
    attrs = {"name": name, "interval": interval, TRACE_RA: "1"}
    if trace_dir is not None:
        attrs[TRACE_DIR] = trace_dir
    _build(prim, attrs, ids)


def _promotable(prim: etree._Element) -> bool:
    parent = prim.getparent()
    if parent is not None and parent.tag == "group":
        parent = parent.getparent()
    if parent is None:
        return False
    if parent.tag == "master":
        return True
    if parent.tag != "clone":
        return False
    values = xs(parent, "meta_attributes/nvpair[@name='promotable']/@value")
    return bool(values) and values[0].lower() in ("true", "yes", "on", "1", "y")


def trace(prim: etree._Element, op_name: str | None, interval: str | None, trace_dir: str | None, ids: IdStore) -> None:
    """Switch tracing on for the resource, one of its operations, or one op and interval."""
    rsc = prim.get("id")
    if op_name == "probe":
        op_name = "monitor"
        interval = interval if interval is not None else "0"
    if op_name is None:
        existing = _ops(prim)
        names = {op.get("name") for op in existing}
        wanted = ["start", "stop"] + (["promote", "demote"] if _promotable(prim) else [])
        for name in wanted:
            if name not in names:
                _add(prim, name, "0", ids, trace_dir)
        for op in existing:
            _set_trace(prim, op, ids, trace_dir)
        return
    if interval is None:
        existing = _ops(prim, op_name)
        if not existing:
            if op_name == "monitor":
                raise TraceError(f"No monitor operation configured for {rsc}")
            _add(prim, op_name, "0", ids, trace_dir)
        for op in existing:
            _set_trace(prim, op, ids, trace_dir)
        return
    found = find_operation(prim, op_name, interval)
    if found is None and parse_interval_ms(interval) != 0:
        raise TraceError(f"Operation {op_name} with interval {interval} not found in {rsc}")
    if found is None:
        _add(prim, op_name, interval, ids, trace_dir)
    else:
        _set_trace(prim, found, ids, trace_dir)


def _is_bare(op: etree._Element) -> bool:
    return len(op) == 0 and parse_interval_ms(op.get("interval") or "0") == 0 and set(op.attrib.keys()) == {"id", "name", "interval"}


def _remove_trace(prim: etree._Element, op: etree._Element, ids: IdStore) -> None:
    op = _rebuild(prim, op, ids, None, TRACE_RA)
    op = _rebuild(prim, op, ids, None, TRACE_DIR)
    if _is_bare(op):
        ops = op.getparent()
        assert ops is not None
        ops.remove(op)
        _forget_ids(op, ids)
        if len(ops) == 0:
            parent = ops.getparent()
            assert parent is not None
            parent.remove(ops)


def untrace(prim: etree._Element, op_name: str | None, interval: str | None, ids: IdStore) -> None:
    """Switch tracing off for the resource, one of its operations, or one op and interval."""
    rsc = prim.get("id")
    if op_name == "probe":
        op_name = "monitor"
        interval = interval if interval is not None else "0"
    if op_name is None:
        for op in xp(prim, f"operations/op[instance_attributes/nvpair[@name='{TRACE_RA}']]"):
            _remove_trace(prim, op, ids)
        return
    if interval is None:
        existing = _ops(prim, op_name)
        if not existing:
            raise TraceError(f"Operation {op_name} not found in {rsc}")
        for op in existing:
            _remove_trace(prim, op, ids)
        return
    found = find_operation(prim, op_name, interval)
    if found is None:
        raise TraceError(f"Operation {op_name} with interval {interval} not found in {rsc}")
    _remove_trace(prim, found, ids)
