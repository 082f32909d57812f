"""Configuration changes seen in the op history (``pcmk__handle_rsc_config_changes``).

For each resource active on a node, every operation since its last start is compared with
the configuration: recurring operations no longer configured are cancelled, changed
parameters (op digests, ``crm.common.digest``) force a restart, a reload or a rescheduled monitor,
and a fail count of an operation whose definition changed is cleared.
"""

from __future__ import annotations

from crm.common.digest import filter_for_digest, op_digest, secure_digest_from_list, xml_digest
from pengine.bundles.probes import remote_address
from pengine.model import OpRecord, RscHistory
from pengine.setup import effective_fail_count
from pengine.unpack.history import EXPIRED_FAILURE_DIGEST, active_op_indexes
from pengine.working import F, O, RscState
from pengine.workset import WorkingSet, clear_failcount, new_cancel_action, op_key, stop_action


def _digest_params(ws: WorkingSet, rsc: RscState, task: str, interval: int) -> dict[str, str]:
    prim = rsc.primitive
    assert prim is not None
    op = ws.find_op_config(rsc, task, interval)
    params: dict[str, str] = dict(prim.params)
    address = remote_address(ws, rsc)
    if address is not None:
        params["addr"] = address
    if op is not None:
        params.update(op.params)
    for key, value in ws._action_meta(rsc, task, interval, op).items():
        params["CRM_meta_" + key.replace("-", "_")] = value
    return params


def digest_state(ws: WorkingSet, rsc: RscState, op: OpRecord) -> str:
    """``rsc_action_digest_cmp``: match / restart / all / unknown."""
    task = op.task
    if op.interval_ms == 0 and task in ("monitor", "migrate_from", "migrate_to", "promote"):
        task = "monitor" if task == "monitor" else task
    params = _digest_params(ws, rsc, task, op.interval_ms)
    calc_all = op_digest(params)
    element = op.element
    force = element.get("op-force-restart") if element is not None else None
    if op.restart_digest == EXPIRED_FAILURE_DIGEST:
        return "restart"  # a digest nothing computes: reschedule the monitor
    if op.restart_digest and force is not None:
        names = set(force.split())

        kept = {k: v for k, v in filter_for_digest(params).items() if k in names}
        if xml_digest(kept) != op.restart_digest:
            return "restart"
    if op.op_digest is None:
        return "unknown"
    prim = rsc.primitive
    agent_class = prim.rclass if prim is not None else "ocf"
    if op.op_digest != calc_all and _only_private_changed(op, params, agent_class):
        return "match"
    if op.op_digest != calc_all:
        configured = ws.find_op_config(rsc, task, op.interval_ms)
        if op.interval_ms == 0 and configured is not None and configured.params:
            # extra operation parameters: restart rather than reload so the digests are right
            return "restart"
        return "all"
    return "match"


def _only_private_changed(op: OpRecord, params: dict[str, str], agent_class: str) -> bool:
    """``only_sanitized_changed``: the non-private digest still matches (sanitized inputs)."""
    element = op.element
    if element is None or op.secure_digest is None:
        return False
    secure_list = element.get("op-secure-params") or ""
    if not secure_list.strip():
        return False
    feature_set = element.get("crm_feature_set") or "3.16.0"
    return secure_digest_from_list(params, secure_list, feature_set, agent_class) == op.secure_digest


def schedule_cancel(ws: WorkingSet, rsc: RscState, op: OpRecord, node: str) -> None:
    """``pcmk__schedule_cancel``."""
    cancel = new_cancel_action(ws, rsc, op.task, op.interval_ms, node)
    cancel.meta["call_id"] = str(op.call_id)
    ws.new_ordering(rsc, op_key(rsc.id, "stop"), None, rsc, None, cancel, O.OPTIONAL)


def _schedule_reload(ws: WorkingSet, rsc: RscState, node: str) -> None:
    if not rsc.managed or rsc.failed:
        return
    if rsc.start_pending:
        stop_action(ws, rsc, node, False)
        return
    rsc.reload = True
    reload = ws.custom_action(rsc, op_key(rsc.id, "reload-agent"), "reload-agent", node, False)
    if reload.reason is None:
        reload.reason = "resource definition change"
    ws.new_ordering(None, None, reload, rsc, op_key(rsc.id, "stop"), None,
                    O.OPTIONAL | O.THEN_CANCELS_FIRST)
    ws.new_ordering(None, None, reload, rsc, op_key(rsc.id, "demote"), None,
                    O.OPTIONAL | O.THEN_CANCELS_FIRST)


def check_action_config(ws: WorkingSet, rsc: RscState, node: str, op: OpRecord) -> bool:
    """``pcmk__check_action_config``: True when the operation's definition changed."""
    if op.interval_ms > 0:
        configured = ws.find_op_config(rsc, op.task, op.interval_ms)
        if configured is None or not configured.enabled:
            if ws.options.stop_orphan_actions:
                schedule_cancel(ws, rsc, op, node)
            return True
    state = digest_state(ws, rsc, op)
    if state == "restart":
        required = ws.custom_action(rsc, op_key(rsc.id, op.task, op.interval_ms), op.task, None, False)
        required.reason = "resource definition change"
        return True
    if state in ("all", "unknown"):
        if op.interval_ms > 0:
            mon = ws.custom_action(rsc, op_key(rsc.id, op.task, op.interval_ms), op.task, node, True)
            mon.set(F.RESCHEDULE)
        elif op.restart_digest is not None:
            _schedule_reload(ws, rsc, node)
        else:
            required = ws.custom_action(rsc, op_key(rsc.id, op.task, op.interval_ms), op.task, None, False)
            required.reason = "resource definition change"
        return True
    return False


def delete_rsc(ws: WorkingSet, rsc: RscState, node: str, optional: bool) -> bool:
    """``DeleteRsc``: forget the resource's history on a node (after stopping it there)."""
    ns = ws.nodes.get(node)
    if rsc.failed or ns is None or ns.unclean or not ns.online:
        return False
    ws.custom_action(rsc, op_key(rsc.id, "delete"), "delete", node, optional)
    # a required clean-up's orderings are optional (they matter only if both actions are
    # required); an optional one's make then required when first becomes required
    flags = O.IMPLIES_THEN if optional else O.OPTIONAL
    ws.order_rsc_actions(rsc, "stop", rsc, "delete", flags)
    ws.order_rsc_actions(rsc, "delete", rsc, "start", flags)
    return True


def _agent_changed(rsc: RscState, hist: object) -> bool:
    assert isinstance(hist, RscHistory)
    prim = rsc.primitive
    if prim is None:
        return False
    return any(recorded is not None and recorded != configured for recorded, configured in
               ((hist.rclass, prim.rclass), (hist.provider, prim.provider), (hist.type, prim.type)))


def handle_config_changes(ws: WorkingSet) -> None:
    for rsc in ws.all_primitives():
        for node_name in ws.node_order:
            hist = rsc.history.get(node_name)
            node = ws.nodes[node_name]
            if hist is None or not (node.maintenance or node.available()):
                continue
            if rsc.orphan:
                top = rsc.top()
                if not (top.variant == "clone" and not top.unique):
                    delete_rsc(ws, rsc, node_name, False)
                continue
            if node_name not in rsc.running_on:
                if _agent_changed(rsc, hist):
                    delete_rsc(ws, rsc, node_name, False)
                continue
            if _agent_changed(rsc, hist):
                delete_rsc(ws, rsc, node_name, False)
            ops = list(hist.ops)
            start_index, stop_index = active_op_indexes(ops)
            if start_index < stop_index:
                continue
            for i, op in enumerate(ops):
                if i < start_index:
                    continue
                if op.interval_ms > 0 and (rsc.maintenance or node.maintenance):
                    schedule_cancel(ws, rsc, op, node_name)
                elif (op.interval_ms > 0 or op.task in ("monitor", "start", "promote", "migrate_from")) \
                        and check_action_config(ws, rsc, node_name, op) and effective_fail_count(ws, rsc, node_name):
                    clear_failcount(ws, rsc, node_name, "action definition changed")
