"""Requested modifications of a CIB before scheduling (``crm_simulate -u/-d/-f/-i``, tickets).

Each function edits the ``<cib>`` tree in place and returns the report lines it produced,
worded as Pacemaker's ``crm_simulate`` words them.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from crm.transition.history import (
    HistoryError,
    NodeChange,
    OpResult,
    change_node,
    clear_node_history,
    count_failure,
    ensure_node,
    ensure_resource_history,
    next_call_id,
    parse_op_key,
    record_op,
)


@dataclass(frozen=True)
class InjectSpec:
    """``rsc_task_interval@node=rc``: record this result in the history before scheduling."""

    rsc: str
    task: str
    interval_ms: int
    node: str
    rc: int
    text: str

    @classmethod
    def parse(cls, spec: str) -> InjectSpec:
        key, at, rest = spec.partition("@")
        node, eq, rc_text = rest.partition("=")
        if not at or not eq or not key or not node:
            raise ValueError(f"invalid operation spec {spec!r}: expected <resource>_<task>_<interval>@<node>=<rc>")
        try:
            rc = int(rc_text)
        except ValueError:
            raise ValueError(f"invalid operation spec {spec!r}: result code {rc_text!r} is not an integer") from None
        try:
            rsc, task, interval = parse_op_key(key)
        except HistoryError as exc:
            raise ValueError(f"invalid operation spec {spec!r}: {exc}") from None
        return cls(rsc, task, interval, node, rc, spec)


def node_up(cib: etree._Element, uname: str) -> list[str]:
    change_node(cib, uname, NodeChange.UP)
    return [f"Bringing node {uname} online"]


def node_down(cib: etree._Element, uname: str) -> list[str]:
    state = change_node(cib, uname, NodeChange.DOWN)
    clear_node_history(state)
    return [f"Taking node {uname} offline"]


def node_fail(cib: etree._Element, uname: str) -> list[str]:
    change_node(cib, uname, NodeChange.FAIL)
    return [f"Failing node {uname}"]


def _find_primitive(cib: etree._Element, rsc: str) -> etree._Element | None:
    """The primitive ``rsc`` names, as Pacemaker resolves it.

    A cloned primitive is named by an instance (``rsc:N``), or by its own id only once the
    status knows an instance under that name.
    """
    base, sep, instance = rsc.partition(":")
    known = {str(e.get("id")) for e in cib.iterfind("status/node_state/lrm/lrm_resources/lrm_resource")}
    for prim in cib.iterfind("configuration/resources//primitive"):
        if prim.get("id") != base:
            continue
        cloned = any(a.tag in ("clone", "master", "bundle") for a in prim.iterancestors())
        if not cloned:
            return prim if not sep else None
        if sep:
            return prim if instance.isdigit() else None
        return prim if rsc in known else None
    return None


def inject_op(cib: etree._Element, spec: InjectSpec, now: int) -> list[str]:
    """Record ``spec`` as if the operation had run (raising the fail count when it failed)."""
    prim = _find_primitive(cib, spec.rsc)
    if prim is None:
        raise HistoryError(f"Invalid resource name: {spec.rsc}")
    lines = [f"Injecting {spec.text} into the configuration"]
    state = ensure_node(cib, spec.node)
    for name, value in count_failure(state, spec.rsc, spec.task, spec.interval_ms, spec.rc, now):
        lines.append(f"Injecting attribute {name}={value} into /node_state '{state.get('id')}'")
    entry = ensure_resource_history(
        state, spec.rsc, spec.rsc, prim.get("class"), prim.get("type"), prim.get("provider")
    )
    result = OpResult(
        rsc_id=str(entry.get("id")),
        task=spec.task,
        interval_ms=spec.interval_ms,
        rc=spec.rc,
        call_id=next_call_id(entry),
        exit_reason="Simulated action result",
        run_time=now,
    )
    record_op(entry, result, 0)
    return lines


def set_ticket(cib: etree._Element, ticket: str, name: str, value: str) -> None:
    status = cib.find("status")
    if status is None:
        status = etree.SubElement(cib, "status")
    tickets = status.find("tickets")
    if tickets is None:
        tickets = etree.SubElement(status, "tickets")
    state = None
    for candidate in tickets.iterfind("ticket_state"):
        if candidate.get("id") == ticket:
            state = candidate
    if state is None:
        state = etree.SubElement(tickets, "ticket_state", id=ticket)
    state.set(name, value)


def ticket_grant(cib: etree._Element, ticket: str) -> list[str]:
    set_ticket(cib, ticket, "granted", "true")
    return [f"Making ticket {ticket} granted"]


def ticket_revoke(cib: etree._Element, ticket: str) -> list[str]:
    set_ticket(cib, ticket, "granted", "false")
    return [f"Making ticket {ticket} revoked"]


def ticket_standby(cib: etree._Element, ticket: str) -> list[str]:
    set_ticket(cib, ticket, "standby", "true")
    return [f"Making ticket {ticket} standby"]


def ticket_activate(cib: etree._Element, ticket: str) -> list[str]:
    set_ticket(cib, ticket, "standby", "false")
    return [f"Making ticket {ticket} active"]


def set_quorum(cib: etree._Element, value: str) -> list[str]:
    cib.set("have-quorum", value)
    return [f"Setting quorum: {value}"]


def set_watchdog(cib: etree._Element, value: str) -> list[str]:
    config = cib.find("configuration")
    if config is None:
        config = etree.SubElement(cib, "configuration")
    crm_config = config.find("crm_config")
    if crm_config is None:
        crm_config = etree.SubElement(config, "crm_config")
    props = crm_config.find("cluster_property_set")
    if props is None:
        props = etree.SubElement(crm_config, "cluster_property_set", id="cib-bootstrap-options")
    for nv in props.iterfind("nvpair"):
        if nv.get("name") == "have-watchdog":
            nv.set("value", value)
            break
    else:
        etree.SubElement(props, "nvpair", id=f"{props.get('id')}-have-watchdog", name="have-watchdog", value=value)
    return [f"Setting watchdog: {value}"]
