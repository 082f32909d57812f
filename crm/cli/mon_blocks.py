"""The blocks of ``crm_mon``'s text output that do not depend on the sections chosen: the
summary header (stack, DC, times, counts), node attributes, the migration summary and the
failed actions, as Pacemaker 2.1.5 prints them (also used by ``crm_simulate``)."""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from crm.cli import crm_mon_xml
from crm.cli.mon_ops import epoch_text, masked_probe
from crm.cli.mon_ops import failed_op as _failed
from crm.cli.mon_ops import int_attr as _int
from crm.common.booleans import is_true
from crm.common.scores import INFINITY, parse_score
from pengine.status_view import (
    Block,
    Entry,
    Item,
    instance_counts,
    natural_key,
    unpack_nodes,
)

INACTIVE_STATES = ("Stopped",)
HIDDEN_ATTRIBUTE_PREFIXES = ("fail-count-", "last-failure-", "shutdown", "terminate", "standby", "#")

# ---------------------------------------------------------------------------------------------
# Small formatting helpers


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# ---------------------------------------------------------------------------------------------
# Header


def summary(cib: etree._Element, now: float, stack: str | None = None) -> Block:
    """The ``Cluster Summary`` block; ``stack`` is the fallback when the CIB does not name
    the cluster layer (``cluster-infrastructure``)."""
    props = crm_mon_xml.cluster_properties(cib)
    items: list[Item] = [Entry(f"Stack: {props.get('cluster-infrastructure') or stack or 'unknown'}")]
    dc_uuid = cib.get("dc-uuid")
    nodes = unpack_nodes(cib)
    dc = next((n for n in nodes.values() if dc_uuid is not None and n.uuid == dc_uuid), None)
    if dc is None:
        items.append(Entry("Current DC: NONE"))
    else:
        quorum = "with" if is_true(cib.get("have-quorum")) else "WITHOUT"
        version = props.get("dc-version") or "unknown"
        items.append(Entry(f"Current DC: {dc.name} (version {version}) - partition {quorum} quorum"))
    items.append(Entry(f"Last updated: {epoch_text(now)}"))
    change = cib.get("cib-last-written", "")
    for word, attr in (("by", "update-user"), ("via", "update-client"), ("on", "update-origin")):
        value = cib.get(attr)
        if value:
            change += f" {word} {value}"
    items.append(Entry(f"Last change:  {change}"))
    items.append(Entry(f"{_plural(len(nodes), 'node')} configured"))
    disabled, total, blocked = instance_counts(cib, int(now))
    line = f"{_plural(total, 'resource instance')} configured"
    if disabled and blocked:
        line += f" ({disabled} DISABLED, {blocked} BLOCKED from further action due to failure)"
    elif disabled:
        line += f" ({disabled} DISABLED)"
    elif blocked:
        line += f" ({blocked} BLOCKED from further action due to failure)"
    items.append(Entry(line))
    return Block("Cluster Summary", tuple(items))


# ---------------------------------------------------------------------------------------------
# Resources


def _inactive(entry: Entry) -> bool:
    if entry.label is not None:
        return entry.label.startswith(INACTIVE_STATES)
    state = entry.text.rsplit("\t", 1)[-1].strip()
    return state.startswith(INACTIVE_STATES)


def _unique_clone(block: Block) -> bool:
    return block.title.startswith("Clone Set:") and "unique" in block.title


def active_only(items: Sequence[Item]) -> tuple[Item, ...]:
    """The resource list without inactive resources, as ``crm_mon`` without ``-r``: lists left
    empty are dropped, a group with inactive members says how many, and a unique clone with
    an active instance keeps all its instances."""
    kept: list[Item] = []
    for item in items:
        if isinstance(item, Entry):
            if not _inactive(item):
                kept.append(item)
        elif isinstance(item, Block):
            inner = active_only(item.items)
            if not inner:
                continue
            if _unique_clone(item):
                kept.append(item)
                continue
            title = item.title
            if title.startswith("Resource Group:"):
                hidden = sum(1 for i in item.items if isinstance(i, Entry) and _inactive(i))
                if hidden:
                    title += f" ({hidden} member{'' if hidden == 1 else 's'} inactive)"
            kept.append(Block(title, inner))
        else:
            kept.append(item)
    return tuple(kept)


# ---------------------------------------------------------------------------------------------
# Failed resource actions

OCF_RC_TEXT = {
    0: "ok", 1: "error", 2: "invalid parameter", 3: "unimplemented feature", 4: "insufficient privileges",
    5: "not installed", 6: "not configured", 7: "not running", 8: "promoted", 9: "promoted (failed)",
    190: "degraded", 191: "promoted (degraded)",
}
EXEC_STATUS_TEXT = {
    -1: "pending", 0: "complete", 1: "Cancelled", 2: "Timed Out", 3: "NOT SUPPORTED", 4: "Error",
    5: "Hard error", 6: "Fatal error", 7: "Not installed", 8: "Internal communication failure",
    9: "Cannot execute now", 10: "No fence device", 11: "CIB secrets unavailable",
}


def readable_interval(ms: int) -> str:
    """``pcmk__readable_interval`` (2.1.5: a unit is used only for strictly larger values)."""
    text = ""
    for unit, size in (("d", 86400000), ("h", 3600000), ("m", 60000)):
        if ms > size:
            text += f"{ms // size}{unit}"
            ms -= (ms // size) * size
    if ms > 1000:
        text += f"{ms // 1000}"
        if ms % 1000:
            text += f".{ms % 1000:03d}"
        text += "s"
    elif ms > 0:
        text += f"{ms}ms"
    return text or "0s"


def _failure_technical(op: etree._Element, node: str) -> str:
    """``failed_action_technical`` (with ``--show-detail``): the operation key and raw fields."""
    parent = op.getparent()
    rsc = (parent.get("id") if parent is not None else None) or "unknown"
    key = op.get("operation_key") or f"{rsc}_{op.get('operation')}_{_int(op.get('interval'))}"
    rc = _int(op.get("rc-code"))
    status = EXEC_STATUS_TEXT.get(_int(op.get("op-status")), "UNKNOWN")
    text = (f"{key} on {node} '{OCF_RC_TEXT.get(rc, 'unknown')}' ({rc}): call={op.get('call-id') or 'unknown'}, "
            f"status='{status}'")
    if op.get("exit-reason"):
        text += f", exitreason='{op.get('exit-reason')}'"
    change = op.get("last-rc-change")
    if change is not None and change.strip().isdigit():
        text += f", last-rc-change='{epoch_text(int(change))}'"
    if op.get("queue-time"):
        text += f", queued={op.get('queue-time')}ms"
    if op.get("exec-time"):
        text += f", exec={op.get('exec-time')}ms"
    return text


def _failure_text(op: etree._Element, node: str) -> str:
    parent = op.getparent()
    rsc = (parent.get("id") if parent is not None else None) or "unknown resource"
    key, task_name = op.get("operation_key") or "", op.get("operation") or ""
    head, _, interval_text = key.rpartition("_")
    if interval_text.isdigit() and task_name and head.endswith("_" + task_name) and len(head) > len(task_name) + 1:
        rsc = head[:-len(task_name) - 1]  # Pacemaker names the resource as the operation key does
    task = op.get("operation") or "unknown action"
    interval = _int(op.get("interval"))
    text = rsc
    if interval:
        text += f" {readable_interval(interval)}-interval"
    text += f" {'probe' if task == 'monitor' and interval == 0 else task} on {node}"
    status = _int(op.get("op-status"))
    reason = op.get("exit-reason") or ""
    if status == 0:
        text += f" returned '{OCF_RC_TEXT.get(_int(op.get('rc-code')), 'unknown')}'"
        if reason:
            text += f" ({reason})"
    else:
        text += f" could not be executed ({EXEC_STATUS_TEXT.get(status, 'UNKNOWN')}"
        text += f": {reason})" if reason else ")"
    change = op.get("last-rc-change")
    if change is not None and change.strip().isdigit():
        text += f" at {epoch_text(int(change))}"
    exec_time = _int(op.get("exec-time"))
    if exec_time > 0:
        text += f" after {readable_interval(exec_time)}"
    return text


def failed_actions(cib: etree._Element, only: crm_mon_xml.Filter | None = None,
                   detail: bool = False) -> tuple[Entry, ...]:
    """One line per failed operation in the status section (node and resource order), on the
    nodes and resources ``only`` lets through; probes that found nothing to run are not
    failures (:func:`~crm.cli.mon_ops.masked_probe`)."""
    lines: list[Entry] = []
    seen: set[tuple[str, str]] = set()
    for state in cib.iterfind("status/node_state"):
        node = state.get("uname") or state.get("id") or ""
        for resource in state.iterfind("lrm/lrm_resources/lrm_resource"):
            ops = sorted(resource.iterfind("lrm_rsc_op"), key=lambda o: _int(o.get("call-id"), -1))
            for op in ops:
                if not _failed(op) or masked_probe(op):
                    continue
                if only is not None and not (only.node_ok(node) and only.failure_ok(str(resource.get("id")))):
                    continue
                key = op.get("operation_key") or (
                    f"{resource.get('id')}_{op.get('operation')}_{_int(op.get('interval'))}")
                if (key, node) in seen:
                    continue
                seen.add((key, node))
                lines.append(Entry(_failure_technical(op, node) if detail else _failure_text(op, node)))
    return tuple(lines)


# ---------------------------------------------------------------------------------------------
# Node attributes and fail counts


def _transient(cib: etree._Element) -> dict[str, dict[str, str]]:
    by_node: dict[str, dict[str, str]] = {}
    for state in cib.iterfind("status/node_state"):
        uname = state.get("uname") or state.get("id") or ""
        attrs = by_node.setdefault(uname, {})
        for pair in state.iterfind("transient_attributes/instance_attributes/nvpair"):
            name = pair.get("name")
            if name is not None and name not in attrs:
                attrs[name] = pair.get("value", "")
    return by_node


def _node_attributes(cib: etree._Element) -> Block:
    nodes = unpack_nodes(cib)
    transient = _transient(cib)
    items: list[Item] = []
    for node in sorted(nodes.values(), key=lambda n: natural_key(n.name)):
        if not node.online:
            continue
        config: dict[str, str] = {}
        for elem in cib.iterfind("configuration/nodes/node"):
            if (elem.get("uname") or elem.get("id")) == node.name:
                for pair in elem.iterfind("instance_attributes/nvpair"):
                    config.setdefault(pair.get("name", ""), pair.get("value", ""))
        attrs = {**config, **transient.get(node.name, {})}
        shown = sorted(name for name in attrs if name and not name.startswith(HIDDEN_ATTRIBUTE_PREFIXES))
        lines = tuple(Entry(f"{name:<32}\t: {attrs[name]:<10}") for name in shown)
        if lines:
            items.append(Block(f"Node: {node.name}", lines))
    return Block("Node Attributes", tuple(items))


def _migration_threshold(cib: etree._Element, rsc: str) -> str:
    base = rsc.split(":", 1)[0]
    for prim in cib.iter("primitive"):
        if prim.get("id") != base:
            continue
        element: etree._Element | None = prim
        while element is not None and element.tag != "resources":
            for pair in element.iterfind("meta_attributes/nvpair"):
                if pair.get("name") == "migration-threshold":
                    return pair.get("value", "")
            element = element.getparent()
    for pair in cib.iterfind("configuration/rsc_defaults/meta_attributes/nvpair"):
        if pair.get("name") == "migration-threshold":
            return pair.get("value", "")
    return str(INFINITY)


def _migration_summary(cib: etree._Element) -> Block:
    nodes = unpack_nodes(cib)
    transient = _transient(cib)
    items: list[Item] = []
    for node in sorted(nodes.values(), key=lambda n: natural_key(n.name)):
        counts: dict[str, int] = {}
        last: dict[str, int] = {}
        for name, value in transient.get(node.name, {}).items():
            for prefix, table in (("fail-count-", counts), ("last-failure-", last)):
                if name.startswith(prefix):
                    rsc = name[len(prefix):].split("#", 1)[0]
                    if table is counts:
                        table[rsc] = min(table.get(rsc, 0) + parse_score(value), INFINITY)
                    else:  # seconds since the epoch, not a score (no INFINITY cap)
                        table[rsc] = max(table.get(rsc, 0), int(value) if value.strip().isdigit() else 0)
        lines: list[Item] = []
        for rsc in sorted(r for r, c in counts.items() if c > 0):
            count = "INFINITY" if counts[rsc] >= INFINITY else str(counts[rsc])
            line = f"{rsc}: migration-threshold={_migration_threshold(cib, rsc)} fail-count={count}"
            if last.get(rsc):
                line += f" last-failure='{epoch_text(last[rsc])}'"
            lines.append(Entry(line))
        if lines:
            items.append(Block(f"Node: {node.name}", tuple(lines)))
    return Block("Migration Summary", tuple(items))
