"""Orderings of actions on Pacemaker Remote nodes against their connection resource
(``pcmk__order_remote_connection_actions``)."""

from __future__ import annotations

from enum import Enum

from pengine.model import Role
from pengine.working import Action, O, RscState
from pengine.workset import WorkingSet, op_key


class ConnState(Enum):
    UNKNOWN = "unknown"
    ALIVE = "alive"
    RESTING = "resting"
    FAILED = "failed"
    STOPPED = "stopped"


def _state(ws: WorkingSet, remote: RscState) -> ConnState:
    """``get_remote_node_state``."""
    cluster_node = remote.current_node()
    if remote.next_role == Role.STOPPED or remote.assigned is None:
        if cluster_node is not None and ws.nodes[cluster_node].unclean:
            return ConnState.FAILED
        if not remote.failed:
            return ConnState.STOPPED
        return ConnState.FAILED
    if cluster_node is None:
        return ConnState.UNKNOWN
    cn = ws.nodes[cluster_node]
    if cn.unclean or not cn.online:
        return ConnState.RESTING
    if len(remote.running_on) > 1 and remote.partial_migration_source and remote.partial_migration_target:
        return ConnState.RESTING
    return ConnState.ALIVE


def _start_then(ws: WorkingSet, remote: RscState, action: Action, extra: int) -> None:
    ws.new_ordering(remote, op_key(remote.id, "start"), None, action.rsc, None, action,
                    O.PRESERVE | O.RUNNABLE_LEFT | extra)


def _then_stop(ws: WorkingSet, action: Action, remote: RscState, extra: int) -> None:
    ws.new_ordering(action.rsc, None, action, remote, op_key(remote.id, "stop"), None, O.PRESERVE | extra)


def order_remote_connection_actions(ws: WorkingSet) -> None:
    if not any(n.model.is_remote for n in ws.nodes.values()):
        return
    for action in list(ws.actions):
        rsc = action.rsc
        if rsc is None:
            continue
        if rsc.is_remote and action.task == "clear_failcount":
            ws.new_ordering(rsc, None, action, rsc, op_key(rsc.id, "start"), None, O.OPTIONAL)
            continue
        if action.node is None:
            continue
        node = ws.nodes.get(action.node)
        if node is None or not node.model.is_remote or action.pseudo:
            continue
        remote = ws.rsc_by_id.get(node.model.remote_rsc or "")
        if remote is None:
            continue
        if action.task == "start":
            for other in list(rsc.actions):
                if other.node is not None and other.node != action.node and other.task == "stop":
                    ws.new_ordering(remote, op_key(remote.id, "start"), None, rsc, None, other, O.OPTIONAL)
        if remote.container is not None:
            _apply_container_ordering(ws, action, remote, remote.container)
        else:
            _apply_remote_ordering(ws, action, remote)


def _apply_container_ordering(ws: WorkingSet, action: Action, remote: RscState, container: RscState) -> None:
    """``apply_container_ordering``: actions on a guest node follow its container and connection."""
    if container.failed:
        assert action.node is not None
        ws.fence_node(action.node, "container failed")
    task = action.task
    if task in ("migrate_to", "migrate_from"):
        task = "stop"
    if task in ("start", "promote"):
        _start_then(ws, container, action, O.IMPLIES_THEN)
        _start_then(ws, remote, action, O.NONE)
    elif task in ("stop", "demote"):
        if not container.failed:
            _then_stop(ws, action, remote, O.NONE)
    elif action.interval_ms > 0:
        _start_then(ws, remote, action, O.IMPLIES_THEN)
    else:
        _start_then(ws, remote, action, O.NONE)


def _apply_remote_ordering(ws: WorkingSet, action: Action, remote: RscState) -> None:
    state = _state(ws, remote)
    task = action.task
    if task in ("migrate_to", "migrate_from"):
        task = "stop"
    if task in ("start", "promote"):
        _start_then(ws, remote, action, O.IMPLIES_THEN if state == ConnState.FAILED else O.NONE)
    elif task == "stop":
        if state == ConnState.ALIVE:
            _then_stop(ws, action, remote, O.IMPLIES_FIRST)
        elif state == ConnState.FAILED:
            assert action.node is not None
            ws.fence_node(action.node, "resources are active but connection is unrecoverable")
        elif remote.next_role == Role.STOPPED:
            _then_stop(ws, action, remote, O.IMPLIES_FIRST)
        else:
            _start_then(ws, remote, action, O.NONE)
    elif task == "demote":
        if state in (ConnState.RESTING, ConnState.UNKNOWN):
            _start_then(ws, remote, action, O.NONE)
    elif action.interval_ms > 0:
        _start_then(ws, remote, action, O.IMPLIES_THEN)
    else:
        cluster_node = remote.current_node()
        if task == "monitor" and state == ConnState.FAILED:
            assert action.node is not None
            ws.fence_node(action.node, "resources are in unknown state and connection is unrecoverable")
        if cluster_node is not None and state == ConnState.STOPPED:
            _then_stop(ws, action, remote, O.RUNNABLE_LEFT)
        else:
            _start_then(ws, remote, action, O.NONE)
