"""Clone-level actions and orderings (Pacemaker 2.1.5 ``pcmk_sched_clone.c``,
``pcmk_sched_promotable.c``, ``pcmk_sched_notif.c``).

The scheduler's action stage creates the instances' own actions (they are primitives); then
it calls, for each clone:

1. :func:`create_clone_actions` (``clone_create_pseudo_actions`` +
   ``pcmk__create_promotable_actions``): the pseudo actions ``<clone>_start_0``,
   ``_running_0``, ``_stop_0``, ``_stopped_0`` (promotable: ``_promote_0``, ``_promoted_0``,
   ``_demote_0``, ``_demoted_0``) and, with ``notify=true``, the notification pseudo actions
   around each of them;
2. :func:`clone_internal_orderings` (``clone_internal_constraints`` +
   ``pcmk__order_promotable_instances``);
3. when the graph is built, after runnable/optional flags are final,
   :func:`create_notifications` (``pe__create_notifications``): the per-instance
   ``<inst>_pre_notify_<op>_0`` / ``_post_notify_`` actions and their meta attributes.

:func:`completion_task` gives the action that stands for a clone in an ordering where the
clone is "first" (``convert_non_atomic_uuid``), and :func:`interleave_applies` /
:func:`compatible_instance` implement interleaved orderings between two clones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Flag, auto
from typing import Protocol

from crm.common.scores import INFINITY
from pengine.clones.expand import ExpandedClone, Instance
from pengine.model import Role


class OrderFlags(Flag):
    """The ``pe_ordering`` flags the clone code uses."""

    OPTIONAL = auto()
    IMPLIES_THEN = auto()
    IMPLIES_FIRST = auto()
    RUNNABLE_LEFT = auto()
    IMPLIES_FIRST_PRINTED = auto()
    IMPLIES_THEN_PRINTED = auto()


class ActionRef(Protocol):
    """An action of the scheduler's action stage, as much as the clone code reads of it."""

    @property
    def task(self) -> str: ...

    @property
    def node(self) -> str | None: ...

    @property
    def optional(self) -> bool: ...

    @property
    def runnable(self) -> bool: ...

    @property
    def pseudo(self) -> bool: ...

    @property
    def interval_ms(self) -> int: ...


class ActionContext(Protocol):
    """What clone action creation needs from the scheduler's action stage."""

    def actions_of(self, rsc_id: str) -> Sequence[ActionRef]:
        """The actions created for a primitive (``rsc->actions``), in creation order."""

    def running_on(self, rsc_id: str) -> Sequence[str]:
        """Nodes where the primitive is active now."""

    def assigned_node(self, rsc_id: str) -> str | None:
        """Where the primitive (or instance group) will run."""

    def current_role(self, rsc_id: str) -> Role:
        """``rsc->role``."""

    def next_role(self, rsc_id: str) -> Role:
        """``rsc->next_role``."""

    def node_online(self, node: str) -> bool:
        """Is the node online?"""

    def node_unclean(self, node: str) -> bool:
        """Is the node unclean (or a remote node requiring reset)?"""

    def new_pseudo(self, rsc_id: str, key: str, task: str, *, optional: bool, runnable: bool,
                   priority: int = 0, meta: dict[str, str] | None = None) -> ActionRef:
        """``custom_action`` of a pseudo action belonging to the clone."""

    def new_notify(self, rsc_id: str, key: str, node: str, *, optional: bool,
                   priority: int, meta: dict[str, str]) -> ActionRef:
        """A ``notify`` resource action of an instance primitive on ``node``."""

    def set_meta(self, action: ActionRef, meta: dict[str, str]) -> None:
        """Add meta attributes to an action (existing names are kept)."""

    def make_required(self, action: ActionRef) -> None:
        """Clear the action's optional flag."""

    def order_actions(self, first: ActionRef, then: ActionRef, flags: OrderFlags) -> None:
        """``order_actions``: a direct ordering between two existing actions."""

    def order_resource_actions(self, first_rsc: str, first_task: str, then_rsc: str, then_task: str,
                               flags: OrderFlags) -> None:
        """``pcmk__order_resource_actions``: ordering by resource and task (``rsc_task_0``)."""

    def clone_allowed_nodes(self, clone_id: str) -> Sequence[str]:
        """The node names in the clone's allowed-node table (``notify_available_uname``)."""

    def all_node_names(self) -> Sequence[str]:
        """Every node name (``notify_all_uname``)."""


@dataclass
class NotifyData:
    """The four pseudo actions around one kind of operation (``notify_data_t``)."""

    action: str  # start, stop, promote, demote
    pre: ActionRef | None = None
    pre_done: ActionRef | None = None
    post: ActionRef | None = None
    post_done: ActionRef | None = None
    keys: dict[str, str] = field(default_factory=dict)


@dataclass
class CloneActions:
    """The clone-level pseudo actions of one clone (and its notification wrappers)."""

    clone_id: str
    start: ActionRef
    running: ActionRef
    stop: ActionRef
    stopped: ActionRef
    promote: ActionRef | None = None
    promoted: ActionRef | None = None
    demote: ActionRef | None = None
    demoted: ActionRef | None = None
    notify: dict[str, NotifyData] = field(default_factory=dict)


#: task of a clone-level action -> the instance task it summarises
CHILD_TASK = {
    "start": "start", "running": "start", "stop": "stop", "stopped": "stop",
    "promote": "promote", "promoted": "promote", "demote": "demote", "demoted": "demote",
}
#: task -> its completion task (``task + 1`` in Pacemaker's ``action_tasks``)
COMPLETION = {"start": "running", "stop": "stopped", "promote": "promoted", "demote": "demoted"}


def op_key(rsc_id: str, task: str, interval_ms: int = 0) -> str:
    """``pcmk__op_key``."""
    return f"{rsc_id}_{task}_{interval_ms}"


def notify_key(rsc_id: str, notify_type: str, operation: str) -> str:
    """``pcmk__notify_key``: ``rsc_pre_notify_start_0``."""
    return f"{rsc_id}_{notify_type}_notify_{operation}_0"


def completion_task(clone: ExpandedClone, task: str) -> str:
    """The key of the action that stands for ``clone``'s ``task`` when the clone is the
    "first" of an ordering (``convert_non_atomic_uuid``): start -> running, etc.; with
    ``notify=true`` the confirmation of the post-notification instead."""
    if task not in COMPLETION:
        return op_key(clone.id, task)
    done = COMPLETION[task]
    if clone.config.notify:
        return notify_key(clone.id, "confirmed-post", done)
    return op_key(clone.id, done)


# ---------------------------------------------------------------------------------------------
# Pseudo actions


def _primitives(clone: ExpandedClone) -> list[str]:
    return [m.id for inst in clone.instances for m in inst.members]


def _instance_activity(ctx: ActionContext, clone: ExpandedClone) -> tuple[bool, bool, bool, bool]:
    """``clone_update_pseudo_status`` over all instances: (active, starting, stopping,
    allow dependent migrations)."""
    active = starting = stopping = False
    allow_migrations = True
    for inst in clone.instances:
        inst_starting = inst_stopping = False
        for prim in (m.id for m in inst.members):
            if ctx.running_on(prim):
                active = True
            for action in ctx.actions_of(prim):
                if inst_starting and inst_stopping:
                    break
                if action.optional:
                    continue
                if not (action.pseudo or action.runnable):
                    continue
                if action.task == "stop":
                    inst_stopping = True
                elif action.task == "start" and action.runnable:
                    inst_starting = True
        if inst_starting and inst_stopping:
            allow_migrations = False
        starting |= inst_starting
        stopping |= inst_stopping
    return active, starting, stopping, allow_migrations


def _role_changes(ctx: ActionContext, clone: ExpandedClone) -> tuple[bool, bool]:
    """``check_for_role_change``: (any demoting, any promoting)."""
    demoting = promoting = False
    for prim in _primitives(clone):
        for action in ctx.actions_of(prim):
            if action.optional:
                continue
            if action.task == "demote":
                demoting = True
            elif action.task == "promote":
                promoting = True
    return demoting, promoting


def _notification_boundaries(ctx: ActionContext, clone: ExpandedClone, action: str,
                             start: ActionRef | None, end: ActionRef | None) -> NotifyData | None:
    """``create_notification_boundaries``: pre -> confirmed-pre -> start, end -> post ->
    confirmed-post."""
    if not clone.config.notify:
        return None
    data = NotifyData(action)
    if start is not None:
        meta = {"notify_type": "pre", "notify_operation": action,
                "notify_key_type": "pre", "notify_key_operation": start.task}
        data.pre = ctx.new_pseudo(clone.id, notify_key(clone.id, "pre", start.task), "notify",
                                  optional=start.optional, runnable=True, meta=meta)
        done_meta = dict(meta, notify_key_type="confirmed-pre")
        data.pre_done = ctx.new_pseudo(clone.id, notify_key(clone.id, "confirmed-pre", start.task), "notified",
                                       optional=start.optional, runnable=True, meta=done_meta)
        ctx.order_actions(data.pre_done, start, OrderFlags.OPTIONAL)
        ctx.order_actions(data.pre, data.pre_done, OrderFlags.OPTIONAL)
    if end is not None:
        meta = {"notify_type": "post", "notify_operation": action,
                "notify_key_type": "post", "notify_key_operation": end.task}
        data.post = ctx.new_pseudo(clone.id, notify_key(clone.id, "post", end.task), "notify",
                                   optional=end.optional, runnable=end.runnable, priority=INFINITY, meta=meta)
        done_meta = dict(meta, notify_key_type="confirmed-post")
        data.post_done = ctx.new_pseudo(clone.id, notify_key(clone.id, "confirmed-post", end.task), "notified",
                                        optional=end.optional, runnable=end.runnable, priority=INFINITY,
                                        meta=done_meta)
        ctx.order_actions(end, data.post, OrderFlags.IMPLIES_THEN)
        ctx.order_actions(data.post, data.post_done, OrderFlags.IMPLIES_THEN)
    if data.pre_done is not None and data.post is not None:
        ctx.order_actions(data.pre_done, data.post, OrderFlags.OPTIONAL)
    return data


def create_clone_actions(ctx: ActionContext, clone: ExpandedClone) -> CloneActions:
    """Create the clone-level pseudo actions once the instances' actions exist."""
    cid = clone.id
    active, starting, stopping, _ = _instance_activity(ctx, clone)

    start = ctx.new_pseudo(cid, op_key(cid, "start"), "start", optional=not starting, runnable=True)
    running = ctx.new_pseudo(cid, op_key(cid, "running"), "running", optional=not starting,
                             runnable=active or starting, priority=INFINITY)
    result_start_notify = _notification_boundaries(ctx, clone, "start", start, running)

    stop = ctx.new_pseudo(cid, op_key(cid, "stop"), "stop", optional=not stopping, runnable=True)
    stopped = ctx.new_pseudo(cid, op_key(cid, "stopped"), "stopped", optional=not stopping, runnable=True,
                             priority=INFINITY)
    result_stop_notify = _notification_boundaries(ctx, clone, "stop", stop, stopped)
    actions = CloneActions(cid, start, running, stop, stopped)
    if result_start_notify is not None and result_stop_notify is not None:
        assert result_stop_notify.post_done is not None and result_start_notify.pre is not None
        ctx.order_actions(result_stop_notify.post_done, result_start_notify.pre, OrderFlags.OPTIONAL)
    if result_start_notify is not None:
        actions.notify["start"] = result_start_notify
    if result_stop_notify is not None:
        actions.notify["stop"] = result_stop_notify

    if clone.config.promotable:
        demoting, promoting = _role_changes(ctx, clone)
        actions.promote = ctx.new_pseudo(cid, op_key(cid, "promote"), "promote", optional=not promoting,
                                         runnable=True)
        actions.promoted = ctx.new_pseudo(cid, op_key(cid, "promoted"), "promoted", optional=not promoting,
                                          runnable=True, priority=INFINITY)
        promote_notify = _notification_boundaries(ctx, clone, "promote", actions.promote, actions.promoted)
        actions.demote = ctx.new_pseudo(cid, op_key(cid, "demote"), "demote", optional=not demoting,
                                        runnable=True)
        actions.demoted = ctx.new_pseudo(cid, op_key(cid, "demoted"), "demoted", optional=not demoting,
                                         runnable=True, priority=INFINITY)
        demote_notify = _notification_boundaries(ctx, clone, "demote", actions.demote, actions.demoted)
        if promote_notify is not None and demote_notify is not None:
            actions.notify["promote"] = promote_notify
            actions.notify["demote"] = demote_notify
            pairs = (
                (actions.notify["stop"].post_done, promote_notify.pre),
                (actions.notify["start"].post_done, promote_notify.pre),
                (demote_notify.post_done, promote_notify.pre),
                (demote_notify.post_done, actions.notify["start"].pre),
                (demote_notify.post_done, actions.notify["stop"].pre),
            )
            for first, then in pairs:
                if first is not None and then is not None:
                    ctx.order_actions(first, then, OrderFlags.OPTIONAL)
    return actions


# ---------------------------------------------------------------------------------------------
# Internal orderings


def _instance_order(clone: ExpandedClone) -> list[Instance]:
    if clone.config.ordered:
        return sorted(clone.instances, key=lambda i: i.number)
    return list(clone.instances)


def clone_internal_orderings(ctx: ActionContext, clone: ExpandedClone) -> None:
    """``clone_internal_constraints`` (and the promotable instance orderings)."""
    cid = clone.id
    ordered = clone.config.ordered
    ctx.order_resource_actions(cid, "stopped", cid, "start", OrderFlags.OPTIONAL)
    ctx.order_resource_actions(cid, "start", cid, "running", OrderFlags.RUNNABLE_LEFT)
    ctx.order_resource_actions(cid, "stop", cid, "stopped", OrderFlags.RUNNABLE_LEFT)
    if clone.config.promotable:
        ctx.order_resource_actions(cid, "demoted", cid, "stop", OrderFlags.OPTIONAL)
        ctx.order_resource_actions(cid, "running", cid, "promote", OrderFlags.RUNNABLE_LEFT)

    last: Instance | None = None
    for inst in _instance_order(clone):
        ctx.order_resource_actions(cid, "start", inst.id, "start",
                                   OrderFlags.RUNNABLE_LEFT | OrderFlags.IMPLIES_FIRST_PRINTED)
        ctx.order_resource_actions(inst.id, "start", cid, "running", OrderFlags.IMPLIES_THEN_PRINTED)
        if ordered and last is not None:
            ctx.order_resource_actions(last.id, "start", inst.id, "start", OrderFlags.OPTIONAL)
        ctx.order_resource_actions(cid, "stop", inst.id, "stop", OrderFlags.IMPLIES_FIRST_PRINTED)
        ctx.order_resource_actions(inst.id, "stop", cid, "stopped", OrderFlags.IMPLIES_THEN_PRINTED)
        if ordered and last is not None:
            ctx.order_resource_actions(inst.id, "stop", last.id, "stop", OrderFlags.OPTIONAL)
        last = inst

    if clone.config.promotable:
        _promotable_orderings(ctx, clone)


def _promotable_orderings(ctx: ActionContext, clone: ExpandedClone) -> None:
    """``pcmk__order_promotable_instances`` with ``pcmk__promotable_restart_ordering``."""
    cid = clone.id
    opt = OrderFlags.OPTIONAL
    ctx.order_resource_actions(cid, "stopped", cid, "start", opt)
    ctx.order_resource_actions(cid, "stopped", cid, "promote", opt)
    ctx.order_resource_actions(cid, "demoted", cid, "stop", opt)
    ctx.order_resource_actions(cid, "demoted", cid, "start", opt)
    ctx.order_resource_actions(cid, "demoted", cid, "promote", opt)
    ctx.order_resource_actions(cid, "running", cid, "promote", opt)
    ctx.order_resource_actions(cid, "demote", cid, "demoted", opt)

    previous: Instance | None = None
    for inst in clone.instances:
        ctx.order_resource_actions(inst.id, "demote", inst.id, "promote", opt)
        ctx.order_resource_actions(cid, "promote", inst.id, "promote", opt)
        ctx.order_resource_actions(inst.id, "promote", cid, "promoted", opt)
        if previous is not None and clone.config.ordered:
            ctx.order_resource_actions(previous.id, "promote", inst.id, "promote", opt)
        ctx.order_resource_actions(cid, "demote", inst.id, "demote", OrderFlags.IMPLIES_FIRST_PRINTED)
        ctx.order_resource_actions(inst.id, "demote", cid, "demoted", OrderFlags.IMPLIES_THEN_PRINTED)
        if previous is not None and clone.config.ordered:
            ctx.order_resource_actions(inst.id, "demote", previous.id, "demote", opt)
        previous = inst


# ---------------------------------------------------------------------------------------------
# Notifications (expanded when the graph is written)


@dataclass(frozen=True)
class NotifyEntry:
    """One ``notify_entry_t``: an instance and a node."""

    rsc: str
    node: str | None


def _entries_to_strings(entries: list[NotifyEntry], with_nodes: bool) -> tuple[str, str]:
    """``notify_entries_to_strings``: sorted, one entry per instance, ``" "`` when empty."""
    ordered = sorted(entries, key=lambda e: (e.rsc, "" if e.node is None else e.node))
    names: list[str] = []
    nodes: list[str] = []
    last: str | None = None
    for entry in ordered:
        if with_nodes and entry.node is None:
            continue
        if entry.rsc == last:
            continue
        last = entry.rsc
        names.append(entry.rsc)
        if with_nodes and entry.node is not None:
            nodes.append(entry.node)
    return (" ".join(names) or " ", " ".join(nodes) or " ")


def notification_keys(ctx: ActionContext, clone: ExpandedClone) -> dict[str, str]:
    """``collect_notification_data`` + ``add_notif_keys``: the ``notify_*`` meta lists."""
    lists: dict[str, list[NotifyEntry]] = {
        k: [] for k in ("active", "inactive", "promoted", "unpromoted", "start", "stop", "promote", "demote")
    }
    for prim in _primitives(clone):
        running = list(ctx.running_on(prim))
        entry = NotifyEntry(prim, running[0] if running else None)
        role = ctx.current_role(prim)
        if role == Role.STOPPED or role == Role.UNKNOWN:
            lists["inactive"].append(entry)
        elif role == Role.STARTED:
            lists["active"].append(entry)
        elif role == Role.UNPROMOTED:
            lists["unpromoted"].append(entry)
            lists["active"].append(entry)
        elif role == Role.PROMOTED:
            lists["promoted"].append(entry)
            lists["active"].append(entry)
        for action in ctx.actions_of(prim):
            if action.optional or action.node is None:
                continue
            if action.task == "stop" and ctx.node_unclean(action.node):
                pass
            elif not action.runnable:
                continue
            if action.task in ("start", "stop", "promote", "demote"):
                lists[action.task].append(NotifyEntry(prim, action.node))

    keys: dict[str, str] = {}
    for kind in ("stop", "start", "demote", "promote", "active"):
        names, nodes = _entries_to_strings(lists[kind], True)
        keys[f"notify_{kind}_resource"] = names
        keys[f"notify_{kind}_uname"] = nodes
    for kind, aliases in (("unpromoted", ("slave", "unpromoted")), ("promoted", ("master", "promoted"))):
        names, nodes = _entries_to_strings(lists[kind], True)
        for alias in aliases:
            keys[f"notify_{alias}_resource"] = names
            keys[f"notify_{alias}_uname"] = nodes
    names, _ = _entries_to_strings(lists["inactive"], False)
    keys["notify_inactive_resource"] = names
    keys["notify_available_uname"] = " ".join(sorted(ctx.clone_allowed_nodes(clone.id))) or " "
    keys["notify_all_uname"] = " ".join(sorted(ctx.all_node_names())) or " "
    return keys


def _notify(ctx: ActionContext, prim: str, node: str, op: ActionRef | None, confirm: ActionRef | None,
            data: NotifyData, op_meta: dict[str, str], *, post: bool) -> ActionRef | None:
    """``pe_notify``: one instance notification between the clone's notify pseudo actions."""
    if op is None or confirm is None:
        return None
    if not ctx.node_online(node) or not op.runnable:
        return None
    key = notify_key(prim, op_meta["notify_type"], op_meta["notify_operation"])
    meta = dict(op_meta)
    meta.update(data.keys)
    trigger = ctx.new_notify(prim, key, node, optional=op.optional, priority=INFINITY if post else 0, meta=meta)
    ctx.order_actions(op, trigger, OrderFlags.OPTIONAL)
    ctx.order_actions(trigger, confirm, OrderFlags.OPTIONAL)
    return trigger


def _meta_of(kind: str, action: str, key_task: str) -> dict[str, str]:
    return {"notify_type": kind, "notify_operation": action, "notify_key_type": kind,
            "notify_key_operation": key_task}


def create_notifications(ctx: ActionContext, clone: ExpandedClone, actions: CloneActions) -> None:
    """``pe__create_notifications`` for every kind of operation that has notifications."""
    keys = notification_keys(ctx, clone)
    for data in actions.notify.values():
        data.keys = keys
        if keys.get(f"notify_{data.action}_resource", " ") != " ":
            # add_notif_keys: some instance really does it, so the notifications are required
            for pseudo in (data.pre, data.pre_done, data.post, data.post_done):
                if pseudo is not None:
                    ctx.make_required(pseudo)
        _create_for(ctx, clone, data)


def _create_for(ctx: ActionContext, clone: ExpandedClone, data: NotifyData) -> None:
    task = data.action
    pre_meta = _meta_of("pre", task, data.pre.task if data.pre is not None else task)
    pre_meta["notify_key_operation"] = task
    post_key = COMPLETION.get(task, task)
    post_meta = _meta_of("post", task, post_key)
    for prim in _primitives(clone):
        prim_actions = list(ctx.actions_of(prim))
        for action in prim_actions:
            if not action.optional and action.node is not None and action.task in COMPLETION:
                ctx.set_meta(action, data.keys)
        if task in ("start", "promote", "demote") and data.keys.get(f"notify_{task}_resource", " ") == " ":
            continue  # create_notify_actions: no instance really does it (a stop may be implied)
        stop = next((a for a in prim_actions if a.task == "stop"), None)
        start = next((a for a in prim_actions if a.task == "start"), None)
        if ctx.current_role(prim) != Role.STOPPED and task in ("stop", "demote"):
            for node in ctx.running_on(prim):
                if stop is not None and stop.pseudo and ctx.node_unclean(node):
                    continue
                _notify(ctx, prim, node, data.pre, data.pre_done, data, pre_meta, post=False)
                if task == "demote" or stop is None or stop.optional:
                    _post_notify(ctx, prim, node, data, post_meta, prim_actions)
        if ctx.next_role(prim) != Role.STOPPED and task in ("start", "promote"):
            target = ctx.assigned_node(prim)
            if target is None:
                continue
            if start is not None and not start.runnable:
                continue  # no notifications for an instance whose start cannot run
            if task != "start" or start is None or start.optional:
                _notify(ctx, prim, target, data.pre, data.pre_done, data, pre_meta, post=False)
            _post_notify(ctx, prim, target, data, post_meta, prim_actions)


def _post_notify(ctx: ActionContext, prim: str, node: str, data: NotifyData, meta: dict[str, str],
                 prim_actions: list[ActionRef]) -> None:
    """``pe_post_notify``: the post notification, and recurring monitors after its
    confirmation."""
    if data.post is None:
        return
    _notify(ctx, prim, node, data.post, data.post_done, data, meta, post=True)
    if data.post_done is not None:
        for mon in prim_actions:
            if mon.interval_ms == 0 or mon.task == "cancel":
                continue
            ctx.order_actions(data.post_done, mon, OrderFlags.OPTIONAL)


# ---------------------------------------------------------------------------------------------
# Interleaving


def interleave_applies(first_clone: ExpandedClone | None, then_clone: ExpandedClone | None,
                       then_task: str) -> bool:
    """``can_interleave_actions``: both sides clones, and ``interleave`` set on the side that
    matters (the first clone for stop/demote, else the then clone)."""
    if first_clone is None or then_clone is None or first_clone.id == then_clone.id:
        return False
    side = first_clone if then_task in ("stop", "demote") else then_clone
    return side.config.interleave


def compatible_instance(ctx: ActionContext, local: Instance, other: ExpandedClone,
                        role: Role = Role.UNKNOWN, *, current: bool = False,
                        allowed_nodes: Sequence[str] = ()) -> Instance | None:
    """``find_compatible_child``: the instance of ``other`` on the node of ``local`` (current or
    assigned); ``allowed_nodes`` (best first) are tried when ``local`` has no node."""
    def location(inst: Instance) -> str | None:
        if current:
            running = list(ctx.running_on(inst.members[0].id))
            return running[0] if running else None
        return ctx.assigned_node(inst.id)

    local_node = location(local)
    candidates = [local_node] if local_node is not None else list(allowed_nodes)
    for node in candidates:
        for inst in other.instances:
            if role != Role.UNKNOWN:
                inst_role = ctx.current_role(inst.id) if current else ctx.next_role(inst.id)
                if inst_role != role:
                    continue
            if location(inst) == node:
                return inst
    return None
