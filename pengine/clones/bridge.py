"""The clone code over the scheduler's working set (``pengine.working`` / ``pengine.workset``).

Everything the core pipeline calls for a clone, in one place: the clone's method table and the
clone-only steps (``pengine.variants``) point here, so the stages never import this module:

* :func:`expanded_history` - the op history with anonymous instances re-keyed;
* :func:`build_clone_instances`, :func:`build_clone_children` - instance states (``child:N``)
  with their clone meta;
* :func:`assign_clone_state`, :func:`colocate_with_clone`, :func:`clone_merge_weights`,
  :func:`promoted_locations` - assignment (see ``pengine.clones.assign``);
* :func:`clone_create_actions`, :func:`clone_internal_constraints` - actions and orderings;
* :func:`clone_action_flags` - ``summary_action_flags`` for clone pseudo actions;
* :func:`clone_expand` - notifications, once action flags are final.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from crm.common.scores import INFINITY, MINUS_INFINITY, parse_score
from pengine.actions import create_actions, internal_constraints
from pengine.bundles.nodes import nodes_when_unpacked
from pengine.clones.actions import (
    COMPLETION,
    ActionRef,
    CloneActions,
    NotifyData,
    OrderFlags,
    clone_internal_orderings,
    create_clone_actions,
    create_notifications,
    notify_key,
    op_key,
)
from pengine.clones.assign import assign_clone
from pengine.clones.colocation import colocate_with_clone as _colocate_with_clone
from pengine.clones.config import unpack_clone_config
from pengine.clones.expand import CloneExpansion, ExpandedClone, Instance, expand_clones
from pengine.model import Clone, Cluster, ColocationConstraint, Group, OpRecord, Primitive, Role, RscHistory
from pengine.ordering import action_flags, rsc_update_ordered, update_ordered_actions
from pengine.placement_context import PlacementState
from pengine.rules import RuleContext, evaluate_rule
from pengine.setup import build_resource
from pengine.working import Action, AFlag, Order, RscState
from pengine.workset import WorkingSet, order_actions

_FLAG_MAP = {
    OrderFlags.OPTIONAL: Order.OPTIONAL,
    OrderFlags.IMPLIES_THEN: Order.IMPLIES_THEN,
    OrderFlags.IMPLIES_FIRST: Order.IMPLIES_FIRST,
    OrderFlags.RUNNABLE_LEFT: Order.RUNNABLE_LEFT,
    OrderFlags.IMPLIES_FIRST_PRINTED: Order.IMPLIES_FIRST_PRINTED,
    OrderFlags.IMPLIES_THEN_PRINTED: Order.IMPLIES_THEN_PRINTED,
}


def to_order(flags: OrderFlags) -> Order:
    """Map the clone code's ordering flags onto the working set's."""
    out = Order.NONE
    for flag, order in _FLAG_MAP.items():
        if flags & flag:
            out |= order
    return out


# ---------------------------------------------------------------------------------------------
# Building instance states


def expanded_history(cluster: Cluster) -> tuple[RscHistory, ...]:
    """The op history with anonymous clone entries re-keyed to their instances (``rsc`` on
    the second node -> ``rsc:1``); the scheduler uses it instead of ``cluster.history``."""
    return expand_clones(cluster).history


def build_clone_instances(ws: WorkingSet, rsc: RscState) -> None:
    """Create the instance states of the clone ``rsc``."""
    expansion = expand_clones(ws.cluster)
    clone = expansion.clones.get(rsc.id)
    if clone is not None:
        build_clone_children(ws, rsc, clone, expansion)


def _instance_primitives(inst: Instance) -> Sequence[Primitive]:
    return inst.members


def build_clone_children(ws: WorkingSet, rsc: RscState, clone: ExpandedClone,
                         expansion: CloneExpansion) -> None:
    """Create the states of ``clone``'s instances under ``rsc`` (the clone's state)."""
    config = clone.config
    rsc.unique = config.globally_unique
    rsc.extra_meta.update(config.graph_meta())
    for inst in clone.instances:
        child = build_resource(ws, inst.resource, rsc)
        child.orphan = inst.orphan
        states = [child] if inst.group is None else list(child.children)
        if inst.group is not None:
            child.unique = config.globally_unique
            child.extra_meta.update(config.graph_meta())
            child.extra_meta["clone"] = str(inst.number)
        for state, prim in zip(states, _instance_primitives(inst), strict=True):
            state.unique = config.globally_unique
            state.orphan = inst.orphan
            state.history_id = expansion.history_names.get(state.id)
            state.extra_meta.update(config.graph_meta())
            state.extra_meta["clone"] = str(inst.number)
            if "resource-stickiness" not in prim.meta and "resource-stickiness" not in clone.clone.meta:
                state.stickiness = 1
            if not config.globally_unique:
                base = prim.id.rsplit(":", 1)[0]
                if inst.orphan and state.history_id is not None:
                    state.graph_primitive_id = state.history_id
                    state.graph_long_id = state.id
                else:
                    state.graph_primitive_id = base
                    named = state.history_id is not None and state.history_id != base
                    state.graph_long_id = state.history_id if named else state.id
            if inst.orphan:
                state.next_role = Role.STOPPED
                state.next_role_reason = "orphan"
        rsc.children.append(child)


def expanded_from_state(ws: WorkingSet, rsc: RscState) -> ExpandedClone:
    """Rebuild the :class:`ExpandedClone` view of a clone state (config + instances)."""
    model = rsc.model
    assert isinstance(model, Clone)
    config = unpack_clone_config(model.id, model.child.id, model.meta,
                                 node_count=nodes_when_unpacked(ws.cluster, model.id),
                                 legacy_master=model.promotable,
                                 child_classes=_child_classes(model)).config
    instances: list[Instance] = []
    for child in rsc.children:
        number = int(child.id.rsplit(":", 1)[1])
        if child.variant == "group":
            members = tuple(m.model for m in child.children if isinstance(m.model, Primitive))
            group = child.model if isinstance(child.model, Group) else None
            instances.append(Instance(model.id, number, child.id, members, group, child.orphan))
        else:
            assert isinstance(child.model, Primitive)
            instances.append(Instance(model.id, number, child.id, (child.model,), None, child.orphan))
    return ExpandedClone(model, config, tuple(instances))


def _child_classes(model: Clone) -> frozenset[str]:
    child = model.child
    prims = child.members if isinstance(child, Group) else (child,)
    return frozenset(p.rclass for p in prims)


# ---------------------------------------------------------------------------------------------
# Assignment


def assign_clone_state(placement: PlacementState, rsc: RscState) -> None:
    """``pcmk__clone_allocate`` for a clone state."""
    clone = expanded_from_state(placement.ws, rsc)
    assign_clone(placement, clone, assigning=placement.clone_assigning,
                 promoted_banned=_promoted_role_banned(placement.ws, rsc.id),
                 started_instances=_started_instances(rsc) if clone.config.promotable else frozenset(),
                 unpromoted_instances=_unpromoted_target(rsc) if clone.config.promotable else frozenset())
    for child in rsc.children:
        if child.provisional:
            # banned by clone-max: it stays provisional while the other resources are assigned
            # (colocations with it have no influence), then is assigned nowhere
            placement.left_provisional.append(child)
            placement.left_provisional.extend(member for member in child.children if member.provisional)


def _started_instances(rsc: RscState) -> frozenset[str]:
    """The clone's primitive instances whose role after unpacking is Started.

    Replays each history as Pacemaker's ``update_resource_state`` does: a successful start
    (or ``migrate_from``) sets Started, promote / a monitor returning "promoted" sets
    Promoted, demote sets Unpromoted, stop sets Stopped, and a successful monitor of an
    inactive resource sets Unpromoted (``set_active``); see :func:`_replay_op` for failures.
    A history with a pending or cancelled operation, or a failed demote or migration, is
    left out."""
    started: set[str] = set()
    for child in rsc.children:
        if child.variant != "primitive" or not child.history:
            continue
        roles: list[Role] = []
        for hist in child.history.values():
            role: Role | None = Role.STOPPED
            for op in hist.ops:
                role = _replay_op(role, op) if role is not None else None
            if role is None:
                break
            roles.append(role)
        else:
            active = [r for r in roles if r != Role.STOPPED]
            if active and all(r == Role.STARTED for r in active):
                started.add(child.id)
    return frozenset(started)


def _replay_op(role: Role, op: OpRecord) -> Role | None:
    """The role after ``op`` (``update_resource_state`` on success, ``unpack_rsc_op_failure``
    on failure: a failed operation other than promote leaves an active role unchanged and
    makes an inactive resource Unpromoted); None when the replay gives up."""
    if op.op_status != 0:
        return None
    expected = op.target_rc if op.target_rc is not None else 0
    task, rc = op.task, op.rc_code
    if task == "monitor" and rc == 8 and expected == 8:
        return Role.PROMOTED
    if task == "monitor" and rc == 7 and (expected == 7 or op.interval_ms == 0):
        return Role.STOPPED
    if rc == expected == 0:
        if task in ("start", "migrate_from"):
            return Role.STARTED
        if task == "promote":
            return Role.PROMOTED
        if task == "demote":
            return Role.UNPROMOTED
        if task == "stop":
            return Role.STOPPED
        if task == "monitor":
            return Role.UNPROMOTED if role in (Role.STOPPED, Role.UNKNOWN) else role
        return None
    if task == "monitor" and rc == 0 and expected == 7:
        return Role.UNPROMOTED if role in (Role.STOPPED, Role.UNKNOWN) else role
    # a failure
    if task == "promote":
        return Role.PROMOTED
    if task in ("demote", "migrate_to", "migrate_from"):
        return None
    return Role.UNPROMOTED if role in (Role.STOPPED, Role.UNKNOWN) else role


def _unpromoted_target(rsc: RscState) -> frozenset[str]:
    """The clone's primitive instances whose ``target-role`` (their own, or inherited from
    the clone or cloned group) is Unpromoted: ``unpack_lrm_resource`` makes it their next
    role, so they cannot be promoted."""
    out: set[str] = set()
    for child in rsc.children:
        for prim in [child] if child.variant == "primitive" else list(child.children):
            cur: RscState | None = prim
            value: str | None = None
            while cur is not None and value is None:
                value = cur.model.meta.get("target-role")
                cur = cur.parent
            if value is None:
                continue
            try:
                role = Role.parse(value)
            except (KeyError, ValueError):
                continue
            if role == Role.UNPROMOTED:
                out.add(prim.id)
    return frozenset(out)


def _promoted_role_banned(ws: WorkingSet, clone_id: str) -> bool:
    """A ticket that the clone's promoted role depends on is not granted (or in standby)."""
    for con in ws.cluster.ticket_constraints:
        if con.rsc != clone_id or con.role != Role.PROMOTED:
            continue
        ticket = ws.cluster.tickets.get(con.ticket)
        if ticket is None or not ticket.granted or ticket.standby:
            return True
    return False


def colocate_with_clone(placement: PlacementState, dependent: RscState, primary: RscState,
                        con: ColocationConstraint) -> None:
    """``clone_rsc_colocation_rh`` (dependent: a primitive or clone instance)."""
    ws = placement.ws
    dep_clone = ws.rsc_by_id.get(con.dependent)
    interleave = False
    same_per_node = False
    if dep_clone is not None and dep_clone.variant == "clone":
        interleave = (dep_clone.model.meta.get("interleave") or "").strip().lower() in (
            "true", "on", "yes", "y", "1")
        same_per_node = _per_node(dep_clone) == _per_node(primary)
    model = primary.model
    promotable = isinstance(model, Clone) and model.promotable

    def apply(dep_id: str, prim_id: str, c: ColocationConstraint) -> None:
        placement.apply_coloc_score(ws.rsc_by_id[dep_id], ws.rsc_by_id[prim_id], c)

    priority = _colocate_with_clone(placement, dependent.id, primary.id, con,
                                    dependent_interleave=interleave, same_instances_per_node=same_per_node,
                                    promotable_primary=promotable, apply=apply)
    if priority is not None:
        dependent.priority = priority


def _per_node(rsc: RscState) -> int:
    model = rsc.model
    if not isinstance(model, Clone):
        return 1
    unique = (model.meta.get("globally-unique") or "").strip().lower() in ("true", "on", "yes", "y", "1")
    if not unique:
        return 1
    return max(1, parse_score(model.meta.get("clone-node-max"), 1))


def clone_merge_weights(placement: PlacementState, rsc: RscState, primary_id: str, nodes: dict[str, int] | None,
                        attr: str, factor: float, *, rollback: bool, positive: bool, forward: bool = False,
                        init: bool = False) -> dict[str, int]:
    """Clones merge colocation scores like primitives do (``pcmk__native_merge_weights``)."""
    return placement.native_merge_weights(rsc, primary_id, nodes, attr, factor, rollback=rollback,
                                           positive=positive, forward=forward, init=init)


def promoted_locations(placement: PlacementState, rsc_id: str) -> list[dict[str, int]]:
    """Node scores of ``role=Promoted`` location constraints on ``rsc_id`` or its parents."""
    ws = placement.ws
    out: list[dict[str, int]] = []
    ids = set()
    cur: RscState | None = ws.rsc_by_id[rsc_id]
    while cur is not None:
        ids.add(cur.id)
        cur = cur.parent
    for con in ws.cluster.locations:
        if con.rsc not in ids:
            continue
        if con.node is not None and not con.rules:
            if con.role == Role.PROMOTED and con.node in ws.nodes:
                out.append({con.node: con.score if con.score is not None else 0})
            continue
        for ruleref in con.rules:
            rule = ruleref.element
            role_attr = rule.get("role")
            role = Role.parse(role_attr) if role_attr else con.role
            if role != Role.PROMOTED:
                continue
            scores: dict[str, int] = {}
            for uname in ws.node_order:
                node = ws.nodes[uname]
                ctx = RuleContext(now=ws.cluster.now, node_attrs=node.model.attributes)
                if not evaluate_rule(rule, ctx):
                    continue
                attr = rule.get("score-attribute")
                if attr:
                    value = node.model.attributes.get(attr)
                    scores[uname] = parse_score(value, 0) if value is not None else MINUS_INFINITY
                else:
                    scores[uname] = parse_score(rule.get("score"), 0)
            out.append(scores)
    return out


# ---------------------------------------------------------------------------------------------
# Actions


class WorkingSetActions:
    """``pengine.clones.actions.ActionContext`` over a working set."""

    def __init__(self, ws: WorkingSet) -> None:
        self.ws = ws

    def _rsc(self, rsc_id: str) -> RscState:
        return self.ws.rsc_by_id[rsc_id]

    def actions_of(self, rsc_id: str) -> Sequence[Action]:
        return self._rsc(rsc_id).actions

    def running_on(self, rsc_id: str) -> Sequence[str]:
        return self._rsc(rsc_id).running_on

    def assigned_node(self, rsc_id: str) -> str | None:
        return self._rsc(rsc_id).assigned

    def current_role(self, rsc_id: str) -> Role:
        return self._rsc(rsc_id).role

    def next_role(self, rsc_id: str) -> Role:
        return self._rsc(rsc_id).next_role

    def node_online(self, node: str) -> bool:
        state = self.ws.nodes.get(node)
        return state is not None and state.online

    def node_unclean(self, node: str) -> bool:
        state = self.ws.nodes.get(node)
        return state is not None and (state.unclean or state.remote_requires_reset)

    def new_pseudo(self, rsc_id: str, key: str, task: str, *, optional: bool, runnable: bool,
                   priority: int = 0, meta: dict[str, str] | None = None) -> Action:
        action = self.ws.pseudo_action(self._rsc(rsc_id), key, task, optional)
        if not runnable:
            action.clear(AFlag.RUNNABLE)
        if priority:
            action.priority = priority
        if meta:
            for name, value in meta.items():
                action.meta.setdefault(name, value)
        return action

    def new_notify(self, rsc_id: str, key: str, node: str, *, optional: bool, priority: int,
                   meta: dict[str, str]) -> Action:
        action = self.ws.custom_action(self._rsc(rsc_id), key, "notify", node, optional)
        if priority:
            action.priority = priority
        for name, value in meta.items():
            action.meta.setdefault(name, value)
        return action

    def set_meta(self, action: ActionRef, meta: dict[str, str]) -> None:
        assert isinstance(action, Action)
        for name, value in meta.items():
            action.meta.setdefault(name, value)

    def make_required(self, action: ActionRef) -> None:
        assert isinstance(action, Action)
        action.clear(AFlag.OPTIONAL)

    def order_actions(self, first: ActionRef, then: ActionRef, flags: OrderFlags) -> None:
        assert isinstance(first, Action) and isinstance(then, Action)
        order_actions(first, then, to_order(flags))

    def order_resource_actions(self, first_rsc: str, first_task: str, then_rsc: str, then_task: str,
                               flags: OrderFlags) -> None:
        self.ws.order_rsc_actions(self._rsc(first_rsc), first_task, self._rsc(then_rsc), then_task,
                                  to_order(flags))

    def clone_allowed_nodes(self, clone_id: str) -> Sequence[str]:
        return list(self._rsc(clone_id).allowed)

    def all_node_names(self) -> Sequence[str]:
        return list(self.ws.node_order)


def clone_create_actions(ws: WorkingSet, rsc: RscState) -> None:
    """``clone_create_actions``: the instances' actions, then the clone's pseudo actions."""
    for child in rsc.children:
        create_actions(ws, child)
    create_clone_actions(WorkingSetActions(ws), expanded_from_state(ws, rsc))


def clone_internal_constraints(ws: WorkingSet, rsc: RscState) -> None:
    """``clone_internal_constraints`` (instances' own internal orderings included)."""
    for child in rsc.children:
        internal_constraints(ws, child)
    clone_internal_orderings(WorkingSetActions(ws), expanded_from_state(ws, rsc))


def clone_action_flags(ws: WorkingSet, action: Action, node: str | None) -> AFlag:
    """The flags of a clone action as an ordering sees them (``get_action_flags``): the
    summary over all instances, then over the instances on ``node``; an ordering only needs
    the clone to be runnable somewhere."""
    flags = summary_action_flags(ws, action, None)
    if node is None:
        return flags
    on_node = summary_action_flags(ws, action, node)
    if not on_node & AFlag.RUNNABLE and flags & AFlag.RUNNABLE:
        on_node |= AFlag.RUNNABLE
    return on_node


def _first_action(rsc: RscState, task: str, node: str | None) -> Action | None:
    for action in rsc.actions:
        if action.task == task and (node is None or action.node == node):
            return action
    return None


def _find(rsc: RscState, key: str) -> Action | None:
    for action in rsc.actions:
        if action.key == key:
            return action
    return None


def _notify_data(rsc: RscState, task: str) -> NotifyData | None:
    done = COMPLETION[task]
    pre = _find(rsc, notify_key(rsc.id, "pre", task))
    post = _find(rsc, notify_key(rsc.id, "post", done))
    if pre is None and post is None:
        return None
    return NotifyData(task, pre, _find(rsc, notify_key(rsc.id, "confirmed-pre", task)), post,
                      _find(rsc, notify_key(rsc.id, "confirmed-post", done)))


def clone_expand(ws: WorkingSet, rsc: RscState) -> None:
    """``clone_expand``: create the instance notifications (when ``notify=true``)."""
    clone = expanded_from_state(ws, rsc)
    if not clone.config.notify:
        return
    start = _find(rsc, op_key(rsc.id, "start"))
    running = _find(rsc, op_key(rsc.id, "running"))
    stop = _find(rsc, op_key(rsc.id, "stop"))
    stopped = _find(rsc, op_key(rsc.id, "stopped"))
    if start is None or running is None or stop is None or stopped is None:
        return
    actions = CloneActions(rsc.id, start, running, stop, stopped)
    for task in ("start", "stop", "promote", "demote"):
        data = _notify_data(rsc, task)
        if data is not None:
            actions.notify[task] = data
    create_notifications(WorkingSetActions(ws), clone, actions)


# ---------------------------------------------------------------------------------------------
# Orderings involving clones (pcmk__multi_update_actions)

_NON_ATOMIC = {"running": "start", "stopped": "stop", "promoted": "promote", "demoted": "demote"}


def child_task(action: Action) -> str:
    """``clone_child_action``: the instance task a clone-level action stands for (for a
    notification, the operation notified about); completion tasks map to the instance's own
    task for primitive instances and stay as they are for cloned groups."""
    rsc = action.rsc
    assert rsc is not None
    task = action.task
    if task in ("notify", "notified"):
        # <clone>_<type>_notify_<task>_0: the word before the interval
        parts = action.key.rsplit("_", 2)
        task = parts[1] if len(parts) == 3 else task
    first_child = rsc.children[0] if rsc.children else None
    if first_child is None or first_child.variant == "primitive":
        return _NON_ATOMIC.get(task, task)
    return task


def summary_action_flags(ws: WorkingSet, action: Action, node: str | None) -> AFlag:
    """``summary_action_flags`` (``clone_action_flags``)."""
    rsc = action.rsc
    assert rsc is not None

    task = child_task(action)
    flags = AFlag.OPTIONAL | AFlag.RUNNABLE | AFlag.PSEUDO
    any_runnable = False
    for child in rsc.children:
        found = _first_action(child, task, None if child.children else node)
        if found is None:
            continue
        # the instance's own view of its action on that node (a cloned group looks at its
        # members there: child->cmds->action_flags(child_action, node))
        child_flags = action_flags(ws, found, node) if child.children else found.flags
        if flags & AFlag.OPTIONAL and not child_flags & AFlag.OPTIONAL:
            flags &= ~AFlag.OPTIONAL
            action.clear(AFlag.OPTIONAL)
        if child_flags & AFlag.RUNNABLE:
            any_runnable = True
    if not any_runnable:
        flags &= ~AFlag.RUNNABLE
        if node is None:
            action.clear(AFlag.RUNNABLE)
    return flags


def can_interleave(ws: WorkingSet, first: Action, then: Action) -> bool:
    """``can_interleave_actions``."""
    if first.rsc is None or then.rsc is None or first.rsc is then.rsc:
        return False
    if first.rsc.variant != "clone" or then.rsc.variant != "clone":
        return False
    side = first.rsc if then.key.endswith(("_stop_0", "_demote_0")) else then.rsc
    value = (side.model.meta.get("interleave") or "").strip().lower()
    return value in ("true", "on", "yes", "y", "1")


def _location(rsc: RscState, current: bool) -> str | None:
    if current:
        if rsc.variant == "primitive":
            return rsc.running_on[0] if rsc.running_on else None
        for child in rsc.children:
            node = _location(child, True)
            if node is not None:
                return node
        return None
    if rsc.variant == "group":
        if rsc.provisional:
            return None
        return rsc.assigned if rsc.assigned is not None else (
            rsc.children[0].assigned if rsc.children else None)
    return rsc.assigned


def _blocked(rsc: RscState) -> bool:
    return rsc.blocked or any(_blocked(c) for c in rsc.children)


def find_compatible_child(ws: WorkingSet, local: RscState, other: RscState, role: Role,
                          current: bool) -> RscState | None:
    """``find_compatible_child``: the instance of ``other`` on ``local``'s node."""
    local_node = _location(local, current)
    if local_node is not None:
        candidates = [local_node]
    else:
        def key(node: str) -> tuple[int, int, str]:
            state = ws.nodes.get(node)
            usable = state is not None and state.available()
            score = local.allowed[node] if usable else MINUS_INFINITY
            return (-score, state.num_resources if state else 0, node)

        candidates = sorted(local.allowed, key=key)
    for node in candidates:
        for child in other.children:
            child_role = child.role if current else child.next_role
            if role != Role.UNKNOWN and child_role != role:
                continue
            where = None if _blocked(child) else _location(child, current)
            if where is not None and where == node:
                return child
    return None


def _assign_nowhere(ws: WorkingSet, rsc: RscState) -> None:
    """``assign_node(rsc, NULL, TRUE)``: the instance will not run anywhere."""
    for child in rsc.children:
        _assign_nowhere(ws, child)
    if rsc.assigned is not None:
        state = ws.nodes.get(rsc.assigned)
        if state is not None:
            state.num_resources -= 1
    rsc.assigned = None
    rsc.provisional = False
    rsc.next_role = Role.STOPPED
    for action in rsc.actions:
        if action.task == "stop":
            action.clear(AFlag.OPTIONAL)
        elif action.task == "start":
            action.clear(AFlag.RUNNABLE)


# ---------------------------------------------------------------------------------------------
# Adapters with the signatures pengine/ordering.py uses


def clone_update_ordered(ws: WorkingSet, first: Action, then: Action, node: str | None, flags: AFlag,
                         filt: AFlag, otype: Order) -> tuple[bool, bool]:
    """``pcmk__multi_update_actions`` returning (then changed, first changed)."""
    assert then.rsc is not None
    if can_interleave(ws, first, then):
        assert first.rsc is not None
        then_changed = first_changed = False
        current = first.key.endswith(("_stopped_0", "_demoted_0"))
        first_task = child_task(first)
        for then_child in then.rsc.children:
            first_child = find_compatible_child(ws, then_child, first.rsc, Role.UNKNOWN, current)
            if first_child is None:
                if current:
                    continue
                mandatory = bool(otype & (Order.RUNNABLE_LEFT | Order.IMPLIES_THEN))
                if mandatory and (then_child.assigned is not None or then_child.provisional):
                    _assign_nowhere(ws, then_child)
                    then_changed = True
                continue
            first_action = _first_action(first_child, first_task, node)
            then_action = _first_action(then_child, then.task, node)
            if first_action is None or then_action is None:
                continue
            if order_actions(first_action, then_action, otype):
                then_changed = first_changed = True
            a, b = rsc_update_ordered(ws, first_action, then_action, node,
                                      action_flags(ws, first_action, node), filt, otype)
            then_changed = then_changed or a
            first_changed = first_changed or b
            if a:
                _requeue(ws, then_action)
            if b:
                _requeue(ws, first_action)
        return then_changed, first_changed

    # the clone-level "then" has no node: every instance's matching action is concerned
    return multi_update_actions(ws, first, then, node, flags, filt, otype, then.rsc.children)


def multi_update_actions(ws: WorkingSet, first: Action, then: Action, node: str | None, flags: int, filt: int,
                         otype: int, children: Iterable[RscState]) -> tuple[bool, bool]:
    """``pcmk__multi_update_actions``: ``then`` itself, then the same task of each of
    ``children`` (a clone's instances, a bundle's containers) that can run.  Returns (then
    changed, first changed)."""
    then_changed, first_changed = update_ordered_actions(ws, first, then, node, flags, filt, otype)
    child_node = then.node
    for child in children:
        child_action = _first_action(child, then.task, child_node)
        if child_action is None:
            continue
        if action_flags(ws, child_action, child_node) & AFlag.RUNNABLE:
            a, b = rsc_update_ordered(ws, first, child_action, child_node, flags, filt, otype)
            then_changed = then_changed or a
            first_changed = first_changed or b
            if a:
                # Pacemaker re-runs the orderings of the changed instance action and of what
                # follows it (pcmk__update_action_for_orderings)
                _requeue(ws, child_action)
    return then_changed, first_changed


def _requeue(ws: WorkingSet, action: Action) -> None:
    """Ask the update pass to process ``action`` (and its successors) again, when the working
    set offers a queue for that (``ws.requeue``)."""
    queue = getattr(ws, "requeue", None)
    if isinstance(queue, list):
        queue.append(action)
        queue.extend(w.action for w in action.after)


def notify_remap(rsc: RscState, rid: str, completion: str) -> str | None:
    """``convert_non_atomic_uuid`` with notifications: a top-level clone with
    ``notify=true`` is represented in orderings by its confirmed post-notification."""
    if rsc.variant != "clone" or (rsc.parent is not None and rsc.parent.variant != "bundle"):
        return None  # (a bundle's inner clone counts as top-level)
    value = (rsc.model.meta.get("notify") or "").strip().lower()
    if value not in ("true", "on", "yes", "y", "1"):
        return None
    return notify_key(rid, "confirmed-post", completion)


def clone_min_ordering(ws: WorkingSet, first: RscState, first_action: str, then: RscState, then_action: str,
                       flags: Order, *, order_id: str | None = None, require_all: bool = True) -> bool:
    """``clone_min_ordering`` for an ordering whose first resource is a clone with
    ``clone-min`` (or ``require-all=false``): "then" waits for a pseudo action
    ``clone-one-or-more:<order id>`` that needs that many first instances runnable.
    Returns False (nothing done) when it does not apply."""
    if first.variant != "clone":
        return False
    min_text = first.model.meta.get("clone-min")
    needed = 0
    if min_text is not None:
        needed = parse_score(min_text, 0)
    elif not require_all:
        needed = 1
    if needed <= 0:
        return False
    if order_id is None:
        for con in ws.cluster.orders:
            if con.first == first.id and con.then == then.id and con.first_action == first_action \
                    and con.then_action == then_action:
                order_id = con.id
                break
    if order_id is None:
        return False
    key = f"clone-one-or-more:{order_id}"
    met = ws.singleton(key, key, None, True)
    met.set(AFlag.PSEUDO | AFlag.RUNNABLE | AFlag.REQUIRES_ANY)
    met.required_runnable_before = needed
    for child in first.children:
        ws.new_ordering(child, op_key(child.id, first_action), None, None, None, met,
                        Order.ONE_OR_MORE | Order.IMPLIES_THEN_PRINTED)
    ws.new_ordering(None, None, met, then, op_key(then.id, then_action), None, flags | Order.RUNNABLE_LEFT)
    return True


# ---------------------------------------------------------------------------------------------
# Notifications after fencing (pe__order_notifs_after_fencing)


def _notify_enabled(rsc: RscState) -> bool:
    value = (rsc.model.meta.get("notify") or "").strip().lower()
    return value in ("true", "on", "yes", "y", "1")


def order_notifs_after_fencing(ws: WorkingSet, stop: Action, rsc: RscState, stonith: Action) -> None:
    """A stop implied by fencing of a clone instance with notifications: a second post-stop
    notification, delivered as soon as the node is fenced, to the instances that stay active
    elsewhere (``pe__order_notifs_after_fencing``)."""
    if not _notify_enabled(rsc) or rsc.parent is None or stop.node is None:
        return
    top = rsc.top()
    if top.variant != "clone":
        return
    base_meta = {"notify_type": "post", "notify_operation": "stop", "notify_key_type": "post",
                 "notify_key_operation": stonith.task}
    post = ws.pseudo_action(rsc, notify_key(rsc.id, "post", stonith.task), "notify", stonith.optional)
    post.priority = INFINITY
    if not stonith.runnable:
        post.clear(AFlag.RUNNABLE)
    for name, value in base_meta.items():
        post.meta.setdefault(name, value)
    done = ws.pseudo_action(rsc, notify_key(rsc.id, "confirmed-post", stonith.task), "notified", stonith.optional)
    done.priority = INFINITY
    if not stonith.runnable:
        done.clear(AFlag.RUNNABLE)
    for name, value in dict(base_meta, notify_key_type="confirmed-post").items():
        done.meta.setdefault(name, value)
    order_actions(stonith, post, Order.IMPLIES_THEN)
    order_actions(post, done, Order.IMPLIES_THEN)
    keys = {"notify_stop_resource": rsc.id, "notify_stop_uname": stop.node}
    for instance in _primitive_states(top):
        if instance.role == Role.STOPPED or not instance.running_on:
            continue
        inst_stop = _first_action(instance, "stop", None)
        for node in instance.running_on:
            if inst_stop is not None and inst_stop.pseudo:
                state = ws.nodes.get(node)
                if state is not None and (state.unclean or state.remote_requires_reset):
                    continue
            if inst_stop is not None and not inst_stop.optional:
                continue
            state = ws.nodes.get(node)
            if state is None or not state.online or not post.runnable:
                continue
            notify = ws.custom_action(instance, notify_key(instance.id, "post", "stop"), "notify", node,
                                      post.optional)
            for name, value in post.meta.items():
                notify.meta.setdefault(name, value)
            for name, value in keys.items():
                notify.meta.setdefault(name, value)
            notify.priority = INFINITY
            order_actions(post, notify, Order.OPTIONAL)
            order_actions(notify, done, Order.OPTIONAL)
            for mon in instance.actions:
                if mon.interval_ms > 0 and mon.task != "cancel":
                    order_actions(done, mon, Order.OPTIONAL)


def _primitive_states(rsc: RscState) -> list[RscState]:
    if rsc.variant == "primitive":
        return [rsc]
    out: list[RscState] = []
    for child in rsc.children:
        out.extend(_primitive_states(child))
    return out


# ---------------------------------------------------------------------------------------------
# Probes before restarts (pcmk__order_probes: add_start_restart_orderings_for_rsc)


def order_probes_before_restarts(ws: WorkingSet) -> None:
    """``add_start_restart_orderings_for_rsc`` for every resource: when a probe is ordered
    before a start (or promote) that may be part of a restart, order it before the matching
    stop (demote) too, following the orderings that make later actions required
    (``pe_order_implies_then``) and, for groups and clones, down to their members (for an
    interleaved clone only to the instance paired with the probed one)."""
    for rsc in ws.resources:
        _restart_orderings_for_rsc(ws, rsc)


def _restart_orderings_for_rsc(ws: WorkingSet, rsc: RscState) -> None:
    if rsc.variant != "primitive":
        for child in rsc.children:
            _restart_orderings_for_rsc(ws, child)
        return
    probe_key = op_key(rsc.id, "monitor")
    for probe in [a for a in rsc.actions if a.key == probe_key]:
        for wrapper in list(probe.after):
            _restart_orderings_for_probe(ws, probe, wrapper.action, set())


def _is_collective(rsc: RscState | None) -> bool:
    return rsc is not None and rsc.variant in ("clone", "bundle")


def _restart_orderings_for_probe(ws: WorkingSet, probe: Action, after: Action, tracking: set[int]) -> None:
    probe_rsc = probe.rsc
    if probe_rsc is None or probe_rsc.variant != "primitive" or probe.task != "monitor":
        return
    if id(after) in tracking:
        return
    tracking.add(id(after))
    after_rsc = after.rsc
    if after_rsc is not None and after_rsc.variant == "primitive" and probe_rsc is not after_rsc:
        then_task = {"start": "stop", "promote": "demote"}.get(after.task)
        if then_task is not None:
            for then in ws.resource_actions(after_rsc, None, then_task, False):
                if not then.pseudo:
                    order_actions(probe, then, Order.OPTIONAL)
    interleave = False
    compatible: RscState | None = None
    if after_rsc is not None and _is_collective(after_rsc):
        value = (after_rsc.model.meta.get("interleave") or "").strip().lower()
        interleave = value in ("true", "on", "yes", "y", "1")
        if interleave:
            compatible = find_compatible_child(ws, probe_rsc, after_rsc, Role.UNKNOWN, False)
    for wrapper in list(after.after):
        nxt = wrapper.action
        if not wrapper.type & Order.IMPLIES_THEN:
            if after_rsc is None or after_rsc.variant == "primitive" or probe_rsc.parent is after_rsc \
                    or nxt.rsc is None or _is_collective(nxt.rsc) or after_rsc is not nxt.rsc.parent:
                continue
            if _is_collective(after_rsc) and interleave and (compatible is None or compatible is not nxt.rsc):
                continue
        _restart_orderings_for_probe(ws, probe, nxt, tracking)
