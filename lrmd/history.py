"""Operation history as Pacemaker's ``lrm_rsc_op`` records (CIB status section).

Follows ``pcmk__create_history_xml`` (Pacemaker 2.1.5): the history id is
``<rsc>_last_0`` for the latest non-recurring op, ``<rsc>_last_failure_0`` for the
latest failed op (a failed non-recurring op updates both), ``<rsc>_<op>_<ms>``
for recurring and migrate ops, ``<rsc>_<pre|post>_notify_<op>_0`` for notify
results (forced to success); reloads are recorded as ``start`` when successful
and as ``monitor`` otherwise.  An op without a transition key gets a fake one
``<call-id>:-1:<target-rc>:<FAKE_TE_ID>``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from lxml import etree

from crm.common.digest import op_digest as compute_op_digest
from crm.common.digest import restart_digest, secure_digest
from lrmd.codes import AgentClass, ExecStatus, OcfRc
from lrmd.metadata import AgentMetadata
from lrmd.operation import OpResult

CRM_FEATURE_SET = "3.16.1"
FAKE_TE_ID = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
DEFAULT_ORIGIN = "do_update_resource"
_DIGEST_ACTIONS = frozenset(
    {
        "start",
        "stop",
        "monitor",
        "promote",
        "demote",
        "reload",
        "reload-agent",
        "migrate_to",
        "migrate_from",
        "notify",
    }
)


def recorded_task(result: OpResult) -> str:
    if result.action in ("reload", "reload-agent"):
        return "start" if result.op_status == ExecStatus.DONE else "monitor"
    return result.action


def history_ids(result: OpResult) -> list[str]:
    """The ``lrm_rsc_op`` ids this result is written under (one or two)."""
    rsc = result.rsc_id
    task = recorded_task(result)
    if result.action == "notify":
        n_type = result.params.get("CRM_meta_notify_type", "")
        n_op = result.params.get("CRM_meta_notify_operation", "")
        return [f"{rsc}_{n_type}_notify_{n_op}_0"]
    if result.action in ("migrate_to", "migrate_from"):
        return [f"{rsc}_{task}_{result.interval_ms}"]
    if result.failed:
        ids = [f"{rsc}_last_failure_0"]
        if result.interval_ms == 0:
            ids.append(f"{rsc}_last_0")
        return ids
    if result.interval_ms > 0:
        return [f"{rsc}_{task}_{result.interval_ms}"]
    return [f"{rsc}_last_0"]


def transition_key(result: OpResult) -> str:
    if result.transition_key:
        return result.transition_key
    return f"{result.call_id}:-1:{result.target_rc}:{FAKE_TE_ID}"


@dataclass(frozen=True)
class HistoryContext:
    """What the record needs beyond the result itself."""

    node: str
    origin: str = DEFAULT_ORIGIN
    feature_set: str = CRM_FEATURE_SET
    metadata: AgentMetadata | None = None


def lrm_rsc_op_attrs(result: OpResult, history_id: str, ctx: HistoryContext) -> dict[str, str]:
    """The attributes of one ``lrm_rsc_op`` element, in Pacemaker's order."""
    if result.action == "notify" and result.op_status != ExecStatus.PENDING:
        result = replace(result, rc=int(OcfRc.OK), op_status=int(ExecStatus.DONE), exit_reason="")
    task = recorded_task(result)
    key = transition_key(result)
    attrs: dict[str, str] = {
        "id": history_id,
        "operation_key": f"{result.rsc_id}_{task}_{result.interval_ms}",
        "operation": task,
        "crm-debug-origin": ctx.origin,
        "crm_feature_set": ctx.feature_set,
        "transition-key": key,
        "transition-magic": f"{result.op_status}:{result.rc};{key}",
        "exit-reason": result.exit_reason if result.failed else "",
        "on_node": ctx.node,
        "call-id": str(result.call_id),
        "rc-code": str(result.rc),
        "op-status": str(result.op_status),
        "interval": str(result.interval_ms),
    }
    if result.interval_ms and result.t_rcchange:
        attrs["last-rc-change"] = str(int(result.t_rcchange))
    else:
        attrs["last-rc-change"] = str(int(result.t_run))
    attrs["exec-time"] = str(result.exec_time_ms)
    attrs["queue-time"] = str(result.queue_time_ms)
    if result.action in ("migrate_to", "migrate_from"):
        attrs["migrate_source"] = result.params.get("CRM_meta_migrate_source", "")
        attrs["migrate_target"] = result.params.get("CRM_meta_migrate_target", "")
    params = result.params
    attrs["op-digest"] = compute_op_digest(params)
    if ctx.metadata is not None and result.agent_class == AgentClass.OCF and result.action in _DIGEST_ACTIONS:
        restart = restart_digest(params, ctx.metadata.params, ctx.metadata.reload, result.interval_ms)
        if restart is not None:
            attrs["op-force-restart"] = restart.force_restart
            attrs["op-restart-digest"] = restart.digest
        secure = secure_digest(params, ctx.metadata.params)
        if secure is not None:
            attrs["op-secure-params"] = secure.secure_params
            attrs["op-secure-digest"] = secure.digest
    return attrs


def lrm_rsc_op_elements(result: OpResult, ctx: HistoryContext) -> list[etree._Element]:
    """One element per history id of ``result``."""
    return [
        etree.Element("lrm_rsc_op", lrm_rsc_op_attrs(result, history_id, ctx))
        for history_id in history_ids(result)
    ]


def record_result(entries: dict[str, OpResult], result: OpResult) -> None:
    """Update a resource's history table (history id -> latest result)."""
    if result.op_status == ExecStatus.CANCELLED:
        # A cancelled recurring op leaves the history, as the controller deletes it.
        entries.pop(f"{result.rsc_id}_{result.action}_{result.interval_ms}", None)
        return
    for history_id in history_ids(result):
        entries[history_id] = result
    if result.interval_ms > 0 and not result.failed:
        return
    if result.action == "stop" and not result.failed:
        # A successful stop makes the recurring entries obsolete.
        for history_id in [k for k, v in entries.items() if v.interval_ms > 0]:
            del entries[history_id]


def lrm_resource_element(
    rsc_id: str,
    agent_class: str,
    provider: str | None,
    agent_type: str,
    entries: Iterable[tuple[str, OpResult]],
    ctx: HistoryContext,
) -> etree._Element:
    """``<lrm_resource>`` holding the records, sorted by call-id."""
    attrs = {"id": rsc_id, "type": agent_type, "class": agent_class}
    if provider:
        attrs["provider"] = provider
    element = etree.Element("lrm_resource", attrs)
    for history_id, result in sorted(entries, key=lambda item: (item[1].call_id, item[0])):
        element.append(etree.Element("lrm_rsc_op", lrm_rsc_op_attrs(result, history_id, ctx)))
    return element
