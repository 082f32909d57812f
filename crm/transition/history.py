"""Edits of the CIB status section that record what happened to nodes and resources.

Pure XML manipulation on an lxml ``<cib>`` tree, shared by the simulated effect of
``crm_simulate`` and by whatever records real results: node membership changes,
``lrm_resource`` / ``lrm_rsc_op`` history entries written the way Pacemaker's controller
writes them, fail counts.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from crm.common.digest import op_digest
from crm.common.results import ExecStatus
from crm.common.scores import parse_score, score_text

FEATURE_SET = "3.16.1"
FAKE_TE_ID = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
OP_STATUS_DONE = int(ExecStatus.DONE)
OP_STATUS_PENDING = int(ExecStatus.PENDING)
OP_STATUS_CANCELLED = int(ExecStatus.CANCELLED)
RESOURCE_CLASSES = ("ocf", "stonith", "service", "upstart", "systemd", "lsb", "heartbeat", "nagios")


class HistoryError(ValueError):
    """A status edit that cannot be done (message says what and why)."""


class NodeChange(enum.Enum):
    """Membership changes that can be injected into a node_state."""

    UP = "up"
    DOWN = "down"
    FAIL = "fail"  # still a member of the cluster layer, lost by the controller: needs fencing


@dataclass(frozen=True)
class OpResult:
    """One executed (or injected) operation, as the executor reports it."""

    rsc_id: str
    task: str
    interval_ms: int
    rc: int
    op_status: int = OP_STATUS_DONE
    call_id: int = 0
    transition_key: str | None = None
    exit_reason: str = ""
    run_time: int = 0  # epoch seconds
    exec_time: int = 0
    queue_time: int = 0
    params: Mapping[str, str] | None = None
    origin: str = "crm_simulate"


def status_section(cib: etree._Element) -> etree._Element:
    status = cib.find("status")
    if status is None:
        status = etree.SubElement(cib, "status")
    return status


def _xpath_literal(text: str) -> str:
    if "'" not in text:
        return f"'{text}'"
    return '"' + text.replace('"', "") + '"'


def find_node_state(cib: etree._Element, uname: str) -> etree._Element | None:
    found = cib.xpath(f"./status/node_state[@uname={_xpath_literal(uname)}]")
    assert isinstance(found, list)
    return found[0] if found else None  # type: ignore[return-value]


def _node_id(cib: etree._Element, uname: str) -> str | None:
    found = cib.xpath(f"./configuration/nodes/node[@uname={_xpath_literal(uname)}]/@id")
    assert isinstance(found, list)
    return str(found[0]) if found else None


def ensure_node(
    cib: etree._Element, uname: str, uuid: str | None = None, *, configure: bool = True
) -> etree._Element:
    """The node_state of ``uname``, created if missing (with a configuration node entry too,
    unless ``configure`` is false: results of actions do not add nodes to the configuration)."""
    config = cib.find("configuration")
    if configure and config is not None and _node_id(cib, uname) is None:
        nodes = config.find("nodes")
        if nodes is None:
            nodes = etree.SubElement(config, "nodes")
        etree.SubElement(nodes, "node", id=uuid or uname, uname=uname)
    state = find_node_state(cib, uname)
    if state is None:
        node_id = _node_id(cib, uname) or uuid or uname
        state = etree.SubElement(status_section(cib), "node_state", id=node_id, uname=uname)
    return state


def change_node(cib: etree._Element, uname: str, change: NodeChange, origin: str = "crm_simulate") -> etree._Element:
    """Record that ``uname`` came up, went down cleanly or failed."""
    state = ensure_node(cib, uname)
    up = change is not NodeChange.DOWN
    state.set("in_ccm", "true" if up else "false")
    state.set("crmd", "online" if up else "offline")
    state.set("join", "member" if up else "down")
    state.set("expected", "member" if up else "down")
    if change is NodeChange.FAIL:
        state.set("in_ccm", "false")
    state.set("crm-debug-origin", origin)
    return state


def clear_node_history(state: etree._Element) -> None:
    """Forget a node's resource history and transient attributes (after it was fenced or left)."""
    for child in list(state):
        if child.tag in ("lrm", "transient_attributes"):
            state.remove(child)


def fence_node(cib: etree._Element, uname: str, action: str, origin: str = "simulate_fencing_action") -> None:
    """The effect of a successful fencing ``action`` ('reboot', 'off', 'on') on ``uname``."""
    if action.lower() == "on":
        return
    state = change_node(cib, uname, NodeChange.DOWN)
    state.set("crm-debug-origin", origin)
    clear_node_history(state)


def find_resource_history(state: etree._Element, rsc_id: str) -> etree._Element | None:
    for rsc in state.iterfind("lrm/lrm_resources/lrm_resource"):
        if rsc.get("id") == rsc_id:
            return rsc
    return None


def ensure_resource_history(
    state: etree._Element,
    rsc_id: str,
    preferred_id: str,
    rsc_class: str | None,
    rsc_type: str | None,
    provider: str | None,
) -> etree._Element:
    """The ``lrm_resource`` entry of a resource on a node, created if needed."""
    for name in dict.fromkeys((rsc_id, preferred_id)):
        found = find_resource_history(state, name)
        if found is not None:
            return found
    if not rsc_class or not rsc_type:
        raise HistoryError(
            f"resource {rsc_id} not found in the status section of {state.get('id')}: "
            "its class and type are needed to create a history entry"
        )
    if rsc_class.lower() not in RESOURCE_CLASSES:
        raise HistoryError(f"invalid class for {rsc_id}: {rsc_class}")
    if rsc_class.lower() == "ocf" and not provider:
        raise HistoryError(f"resource {rsc_id} of class ocf has no provider")
    lrm = state.find("lrm")
    if lrm is None:
        lrm = etree.SubElement(state, "lrm", id=state.get("id", ""))
    container = lrm.find("lrm_resources")
    if container is None:
        container = etree.SubElement(lrm, "lrm_resources")
    entry = etree.SubElement(container, "lrm_resource", id=preferred_id)
    entry.set("class", rsc_class)
    if provider:
        entry.set("provider", provider)
    entry.set("type", rsc_type)
    return entry


def next_call_id(entry: etree._Element) -> int:
    """A call id above every one recorded for this resource on this node."""
    best = 0
    for op in entry.iterfind("lrm_rsc_op"):
        try:
            best = max(best, int(op.get("call-id", "0")))
        except ValueError:
            continue
    return best + 1


def op_key(rsc_id: str, task: str, interval_ms: int) -> str:
    return f"{rsc_id}_{task}_{interval_ms}"


def transition_key(action_id: int, transition_id: int, target_rc: int, te_uuid: str) -> str:
    return f"{action_id}:{transition_id}:{target_rc}:{te_uuid}"


def op_failed(result: OpResult, target_rc: int) -> bool:
    if result.op_status in (OP_STATUS_CANCELLED, OP_STATUS_PENDING):
        return False
    return result.op_status != OP_STATUS_DONE or result.rc != target_rc


def record_op(entry: etree._Element, result: OpResult, target_rc: int) -> etree._Element:
    """Write ``result`` under ``entry`` (an lrm_resource) as Pacemaker's controller does."""
    task = result.task
    rc, op_status = result.rc, result.op_status
    if task in ("reload", "reload-agent"):
        task = "start" if op_status == OP_STATUS_DONE else "monitor"
    key = op_key(result.rsc_id, task, result.interval_ms)
    exit_reason = ""
    extra_id: str | None = None
    if task == "notify":
        params = result.params or {}
        n_type = params.get("CRM_meta_notify_type", "")
        n_task = params.get("CRM_meta_notify_operation", "")
        op_id = f"{result.rsc_id}_{n_type}_notify_{n_task}_0"
        if op_status != OP_STATUS_PENDING:
            rc, op_status = 0, OP_STATUS_DONE
    elif task in ("migrate_to", "migrate_from"):
        op_id = key
    elif op_failed(result, target_rc):
        op_id = f"{result.rsc_id}_last_failure_0"
        if result.interval_ms == 0:
            extra_id = f"{result.rsc_id}_last_0"
        exit_reason = result.exit_reason
    elif result.interval_ms > 0:
        op_id = key
    else:
        op_id = f"{result.rsc_id}_last_0"
    tkey = result.transition_key or transition_key(result.call_id, -1, target_rc, FAKE_TE_ID)
    magic = f"{op_status}:{rc};{tkey}"
    last: etree._Element | None = None
    for ident in (op_id, extra_id):
        if ident is None:
            continue
        op = None
        for existing in entry.iterfind("lrm_rsc_op"):
            if existing.get("id") == ident:
                op = existing
                break
        if op is None:
            op = etree.SubElement(entry, "lrm_rsc_op")
        values: dict[str, str] = {
            "id": ident,
            "operation_key": key,
            "operation": task,
            "crm-debug-origin": result.origin,
            "crm_feature_set": FEATURE_SET,
            "transition-key": tkey,
            "transition-magic": magic,
            "exit-reason": exit_reason,
            "call-id": str(result.call_id),
            "rc-code": str(rc),
            "op-status": str(op_status),
            "interval": str(result.interval_ms),
        }
        if result.run_time or result.exec_time or result.queue_time:
            values["last-rc-change"] = str(result.run_time)
            values["exec-time"] = str(result.exec_time)
            values["queue-time"] = str(result.queue_time)
        params = result.params or {}
        if task in ("migrate_to", "migrate_from"):
            for name in ("migrate_source", "migrate_target"):
                value = params.get("CRM_meta_" + name)
                if value is not None:
                    values[name] = value
        if result.params is not None:
            values["op-digest"] = op_digest(dict(result.params))
        for name, value in values.items():
            op.set(name, value)
        last = op
    assert last is not None
    return last


def failcount_name(rsc_id: str, task: str, interval_ms: int) -> str:
    return f"fail-count-{rsc_id}#{task}_{interval_ms}"


def last_failure_name(rsc_id: str, task: str, interval_ms: int) -> str:
    return f"last-failure-{rsc_id}#{task}_{interval_ms}"


_ID_BAD = re.compile(r"[^A-Za-z0-9_.-]")


def set_transient_attr(state: etree._Element, name: str, value: str) -> None:
    """Set a transient node attribute; ``value++`` increments the current value (or sets 1)."""
    node_id = state.get("id", "")
    attrs = state.find("transient_attributes")
    if attrs is None:
        attrs = etree.SubElement(state, "transient_attributes", id=node_id)
    iattrs = attrs.find("instance_attributes")
    if iattrs is None:
        iattrs = etree.SubElement(attrs, "instance_attributes", id=node_id)
    nvpair = None
    for candidate in iattrs.iterfind("nvpair"):
        if candidate.get("name") == name:
            nvpair = candidate
    if value.endswith("++"):
        current = 0
        if nvpair is not None:
            current = parse_score(nvpair.get("value"))
        value = score_text(current + 1)
    if nvpair is None:
        nvpair = etree.SubElement(iattrs, "nvpair", id=_ID_BAD.sub(".", f"{iattrs.get('id')}-{name}"), name=name)
    nvpair.set("value", value)


def count_failure(state: etree._Element, rsc_id: str, task: str, interval_ms: int, rc: int, now: int) -> list[tuple[str, str]]:
    """Raise the fail count of a failed operation; returns the (name, value) pairs injected.

    A successful result and a "not running" probe are not failures.
    """
    if rc == 0 or (rc == 7 and interval_ms == 0):
        return []
    injected = [
        (failcount_name(rsc_id, task, interval_ms), "value++"),
        (last_failure_name(rsc_id, task, interval_ms), str(now)),
    ]
    for name, value in injected:
        set_transient_attr(state, name, value)
    return injected


def parse_op_key(key: str) -> tuple[str, str, int]:
    """Split ``rsc_task_interval`` (the resource id may itself contain underscores)."""
    m = re.fullmatch(r"(.+)_([^_]+)_(\d+)", key)
    if m is None:
        # tasks with an underscore: migrate_to, migrate_from, ...
        raise HistoryError(f"invalid operation key {key!r}: expected <resource>_<task>_<interval>")
    rsc, task, interval = m.group(1), m.group(2), int(m.group(3))
    for joined in ("migrate_to", "migrate_from", "clear_failcount"):
        head, _, tail = joined.partition("_")
        if task == tail and rsc.endswith("_" + head):
            rsc, task = rsc[: -len(head) - 1], joined
    return rsc, task, interval
