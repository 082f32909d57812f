"""The working set of one run: lookup tables plus the action and ordering factories.

``custom_action`` and ``new_ordering`` reproduce Pacemaker's ``custom_action`` and
``pcmk__new_ordering``: an action is identified by (resource, key, node); asking again for an
existing action returns it (and can make it required).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC

from crm.common.durations import parse_interval_ms
from pengine.model import Cluster, OpConfig, Primitive, Resource, Role
from pengine.rules import RuleContext, parse_datetime
from pengine.unpack.nvpairs import unpack_sets
from pengine.working import Action, F, NodeState, O, OrderingConstraint, RscState, Wrapper


def op_key(rsc_id: str, task: str, interval_ms: int = 0) -> str:
    return f"{rsc_id}_{task}_{interval_ms}"


def parse_op_key(key: str) -> tuple[str, str, int] | None:
    """(resource id, task, interval) from ``rsc_task_interval`` (tasks may contain ``_``)."""
    head, sep, interval = key.rpartition("_")
    if not sep or not interval.isdigit():
        return None
    for task in ("migrate_to", "migrate_from", "clear_failcount", "cancel"):
        if head.endswith("_" + task):
            return head[: -len(task) - 1], task, int(interval)
    rsc, sep, task = head.rpartition("_")
    if not sep:
        return None
    return rsc, task, int(interval)


@dataclass(frozen=True, slots=True)
class VariantMethods:
    """What the stages ask of a resource, by variant: Pacemaker's ``resource_alloc_functions_t``
    for the methods dispatched through it so far (the others are still chosen by ``variant``).
    The scheduler builds the tables (``pengine.variants``) and gives them to the working set, so
    the stage modules never import the variant code."""

    create_actions: Callable[[WorkingSet, RscState], None]
    internal_constraints: Callable[[WorkingSet, RscState], None]
    action_flags: Callable[..., int]  # (ws, action, node) -> flags
    update_ordered_actions: Callable[..., tuple[bool, bool]]  # (ws, first, then, node, flags, filter, type)


@dataclass(frozen=True, slots=True)
class CloneSteps:
    """The clone-only steps the stages call for every resource (they follow clone actions to
    their instances); the scheduler gives them to the working set with the method tables."""

    min_ordering: Callable[..., bool]  # clone-min orderings; True when it handled the ordering
    notify_remap: Callable[[RscState, str, str], str | None]
    order_probes_before_restarts: Callable[[WorkingSet], None]
    order_notifs_after_fencing: Callable[[WorkingSet, Action, RscState, Action], None]


def _primitives(resources: Iterable[Resource]) -> Iterable[Primitive]:
    for rsc in resources:
        if isinstance(rsc, Primitive):
            yield rsc
        else:
            yield from _primitives(rsc.children())


class WorkingSet:
    """Everything one scheduler run mutates."""

    def __init__(self, cluster: Cluster, methods: Mapping[str, VariantMethods], clone_steps: CloneSteps) -> None:
        self.cluster = cluster
        self.methods = methods  # variant -> its method table
        self.clone_steps = clone_steps
        self.options = cluster.options
        self.nodes: dict[str, NodeState] = {}
        self.node_order: list[str] = []
        self.resources: list[RscState] = []  # top level, in assignment order
        self.rsc_by_id: dict[str, RscState] = {}
        self.actions: list[Action] = []  # newest first
        self.orderings: list[OrderingConstraint] = []
        self.action_id = 0
        self.order_id = 0
        self.singletons: dict[str, Action] = {}
        self.requeue: list[Action] = []  # actions changed behind the update loop's back
        self.scores: list[str] = []
        self.utilization: list[str] = []
        self.messages: list[str] = []
        self.have_stonith_resource = False
        # pe_flag_enable_unfencing: a fencing device provides unfencing
        self.enable_unfencing = any(
            p.rclass == "stonith" and (p.meta.get("provides") or "").lower() == "unfencing"
            for p in _primitives(cluster.resources))
        # resources that pcmk__primitive_assign makes unmanaged (fencing enabled without a device)
        self.unmanaged_at_assignment: set[str] = set()
        self.stonith_enabled = cluster.options.stonith_enabled
        self.have_quorum = cluster.options.have_quorum
        self.no_quorum_policy = cluster.options.no_quorum_policy
        self.default_timeout_ms = parse_interval_ms(cluster.options.raw.get("default-action-timeout"), 20000)
        self.stonith_action = cluster.options.stonith_action

    # -- nodes ------------------------------------------------------------------------------
    def node(self, uname: str | None) -> NodeState | None:
        return self.nodes.get(uname) if uname is not None else None

    def all_primitives(self) -> list[RscState]:
        out: list[RscState] = []

        def walk(r: RscState) -> None:
            if r.variant == "primitive":
                out.append(r)
            for c in r.children:
                walk(c)

        for r in self.resources:
            walk(r)
        return out

    def guest_container(self, uname: str | None) -> RscState | None:
        """The container resource of a guest node (None for other nodes)."""
        node = self.node(uname)
        if node is None or not node.model.is_remote:
            return None
        conn = self.rsc_by_id.get(node.model.remote_rsc or "")
        return conn.container if conn is not None else None

    def fence_node(self, uname: str, reason: str) -> None:
        """``pe_fence_node``: mark a node unclean (it will be fenced if fencing is possible)."""
        node = self.nodes.get(uname)
        if node is None:
            return
        container = self.guest_container(uname)
        if container is not None:
            # guest nodes are "fenced" by recovering their container
            if not container.failed and container.managed:
                node.remote_requires_reset = True
                container.failed = True
                if node.fence_reason is None:
                    node.fence_reason = reason
            return
        if not node.unclean:
            node.unclean = True
            node.online = False if not node.model.is_remote else node.online
            node.fence_reason = reason

    def can_fence(self, uname: str | None) -> bool:
        """``pe_can_fence``."""
        container = self.guest_container(uname)
        if container is not None:
            return all(self.nodes[n].online or self.can_fence(n) for n in container.running_on)
        if not self.stonith_enabled or not self.have_stonith_resource:
            return False
        if self.have_quorum or self.no_quorum_policy == "ignore":
            return True
        node = self.node(uname)
        return node is not None and node.online

    # -- actions ----------------------------------------------------------------------------
    def find_actions(self, rsc: RscState, key: str, node: str | None) -> list[Action]:
        """``find_actions`` (the node-less action gets the node, as in Pacemaker)."""
        if node is None:
            return list(reversed(rsc.actions_by_key.get(key, ())))
        unassigned = rsc.actions_by_key_node.get((key, None))
        if unassigned:
            exact = rsc.actions_by_key_node.setdefault((key, node), [])
            for action in list(unassigned):
                action.node = node
                exact.insert(0, action)
            unassigned.clear()
        return list(reversed(rsc.actions_by_key_node.get((key, node), ())))

    def find_actions_exact(self, rsc: RscState, key: str, node: str | None) -> list[Action]:
        if node is None:
            return []
        return list(reversed(rsc.actions_by_key_node.get((key, node), ())))

    def find_first_action(self, actions: Iterable[Action], key: str | None, task: str | None,
                          node: str | None) -> Action | None:
        for a in actions:
            if key is not None and a.key != key:
                continue
            if task is not None and a.task != task:
                continue
            if node is not None and a.node != node:
                continue
            return a
        return None

    def resource_actions(self, rsc: RscState, node: str | None, task: str, require_node: bool) -> list[Action]:
        """``pe__resource_actions``."""
        key = op_key(rsc.id, task, 0)
        if require_node:
            return self.find_actions_exact(rsc, key, node)
        return self.find_actions(rsc, key, node)

    def find_op_config(self, rsc: RscState, task: str, interval_ms: int) -> OpConfig | None:
        prim = rsc.primitive
        if prim is None:
            return None
        for op in prim.ops:
            if op.name == task and op.interval_ms == interval_ms:
                return op
        return None

    @staticmethod
    def _promoted_monitor_on_fail(prim: Primitive) -> str | None:
        """The on-fail of the first enabled recurring monitor for the promoted role (not demote)."""
        for op in prim.ops:
            on_fail = op.meta.get("on-fail")
            if not on_fail or not op.enabled or op.name != "monitor" or op.interval_ms <= 0:
                continue
            if (op.meta.get("role") or "").lower() not in ("promoted", "master"):
                continue
            if on_fail.lower() == "demote":
                continue
            return on_fail.lower()
        return None

    def _action_meta(self, rsc: RscState, task: str, interval_ms: int, op: OpConfig | None) -> dict[str, str]:
        prim = rsc.primitive
        meta: dict[str, str] = {}
        if op is not None:
            meta.update(op.meta)
        else:
            ctx = RuleContext(now=self.cluster.now, rsc_class=prim.rclass if prim else None,
                              rsc_provider=prim.provider if prim else None, rsc_type=prim.type if prim else None,
                              op_name=task, op_interval_ms=interval_ms)
            unpack_sets(self.cluster_op_defaults_el(), "meta_attributes", ctx, into=meta)
        meta.pop("interval", None)
        if interval_ms > 0:
            meta["interval"] = str(interval_ms)
        if task == "demote" and "on-fail" not in meta and prim is not None \
                and self._promoted_monitor_on_fail(prim) == "block":
            # unpack_operation_on_fail: a demote's on-fail is the promoted monitor's, and
            # "block" is recorded in the action's meta
            meta["on-fail"] = "block"
        timeout_text = op.meta.get("timeout") if op is not None else meta.get("timeout")
        if task == "monitor" and interval_ms == 0 and (op is None or "timeout" not in op.meta) and prim:
            best: OpConfig | None = None
            for cand in prim.ops:
                if cand.name == "monitor" and cand.interval_ms > 0 and cand.enabled and (
                        best is None or cand.interval_ms < best.interval_ms):
                    best = cand
            if best is not None and best.own_timeout is not None:
                timeout_text = best.own_timeout
        if timeout_text is None:
            timeout_text = meta.get("timeout")
        timeout = parse_interval_ms(timeout_text, self.default_timeout_ms) if timeout_text else self.default_timeout_ms
        meta["timeout"] = str(timeout)
        if "start-delay" in meta:
            meta["start-delay"] = str(parse_interval_ms(meta["start-delay"], 0))
        origin = meta.get("interval-origin")
        if origin and interval_ms > 0:
            delay = self._origin_delay_ms(origin, interval_ms)
            if delay is not None:
                meta["start-delay"] = str(delay)
        for drop in ("enabled", "interval-origin", "requires"):
            meta.pop(drop, None)
        if "role" in meta:
            role = Role.parse(meta["role"])
            if role != Role.UNKNOWN:
                meta["role"] = role.text
        return meta

    def _origin_delay_ms(self, origin_text: str, interval_ms: int) -> int | None:
        """``unpack_interval_origin``: delay until the next multiple of the interval since the origin."""
        origin = parse_datetime(origin_text)
        if origin is None:
            return None
        now = self.cluster.now
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        interval_s = interval_ms // 1000
        if interval_s <= 0:
            return None
        elapsed = int(now.timestamp()) - int(origin.timestamp())
        remainder = abs(elapsed) % interval_s * (1 if elapsed >= 0 else -1)  # C's truncating %
        result = (interval_s if remainder > 0 else 0) - remainder
        return result * 1000

    _op_defaults_el: object = None

    def cluster_op_defaults_el(self):  # type: ignore[no-untyped-def]
        return self._op_defaults_el

    def custom_action(self, rsc: RscState | None, key: str, task: str, node: str | None, optional: bool,
                      save: bool = True) -> Action:
        """``custom_action``: find or create an action and work out whether it can run."""
        action: Action | None = None
        if rsc is not None and save:
            matches = self.find_actions(rsc, key, node)
            if matches:
                action = matches[0]
        if action is None:
            flags = F.RUNNABLE | (F.OPTIONAL if optional else F.NONE)
            parsed = parse_op_key(key)
            interval = parsed[2] if parsed else 0
            action = Action(id=self.action_id if save else 0, rsc=rsc, task=task, key=key, node=node, flags=flags,
                            interval_ms=interval)
            if save:
                self.action_id += 1
                self.actions.append(action)
                if rsc is not None:
                    rsc.actions.insert(0, action)
                    rsc.actions_by_key.setdefault(key, []).insert(0, action)
                    rsc.actions_by_key_node.setdefault((key, node), []).insert(0, action)
            if rsc is not None:
                op = self.find_op_config(rsc, task, interval)
                if op is None and "_notify_" in key:
                    # find_rsc_op_entry: any notification key falls back to the notify operation
                    op = self.find_op_config(rsc, "notify", 0)
                action.op = op
                action.meta = self._action_meta(rsc, task, interval, op)
                if task in ("start", "promote"):
                    if rsc.needs_fencing:
                        action.needs = "fencing"
                    elif rsc.needs_quorum:
                        action.needs = "quorum"
                    else:
                        action.needs = "nothing"
                action.priority = rsc.priority
        if not optional and action.optional:
            action.clear(F.OPTIONAL)
        if rsc is not None:
            self._update_runnable(action, rsc, save)
        return action

    def _quorum_policy(self, rsc: RscState) -> str:
        """``effective_quorum_policy``: with "demote", a resource whose current role is promoted
        or unpromoted is left alone (and promoted no further); any other is treated as "stop"."""
        if self.no_quorum_policy != "demote":
            return self.no_quorum_policy
        if rsc.role in (Role.PROMOTED, Role.UNPROMOTED):
            if rsc.next_role > Role.UNPROMOTED:
                rsc.next_role = Role.UNPROMOTED
            return "ignore"
        return "stop"

    def _update_runnable(self, action: Action, rsc: RscState, save: bool) -> None:
        node = self.node(action.node)
        if action.pseudo:
            return
        if action.node is None or node is None:
            action.clear(F.RUNNABLE)
            return
        if not rsc.managed and "interval" not in action.meta:
            # optional, and still runnable only as the node and quorum allow (a monitor of an
            # unmanaged resource waits for its start like any other)
            action.set(F.OPTIONAL)
        if not node.online and not node.model.is_remote:
            action.clear(F.RUNNABLE)
            if rsc.managed and save and action.task == "stop" and not node.unclean:
                self.fence_node(node.uname, "stop is unrunnable")
        elif (not node.online and node.model.is_remote) or node.pending:
            action.clear(F.RUNNABLE)
        elif action.needs == "nothing":
            action.set(F.RUNNABLE)
        elif not self.have_quorum and self._quorum_policy(rsc) == "stop":
            action.clear(F.RUNNABLE)
            if action.reason is None:
                action.reason = "no quorum"
        elif not self.have_quorum and self.no_quorum_policy == "freeze":
            if not rsc.running_on or rsc.next_role > rsc.role:
                action.clear(F.RUNNABLE)
                if action.reason is None:
                    action.reason = "quorum freeze"
        else:
            action.set(F.RUNNABLE)

    def pseudo_action(self, rsc: RscState | None, key: str, task: str, optional: bool) -> Action:
        action = self.custom_action(rsc, key, task, None, optional)
        action.set(F.PSEUDO | F.RUNNABLE)
        return action

    def singleton(self, key: str, task: str, node: str | None, optional: bool) -> Action:
        """A non-resource action (fencing, shutdown, ...), created once per key."""
        action = self.singletons.get(key)
        if action is None:
            action = self.custom_action(None, key, task, node, optional)
            self.singletons[key] = action
        elif not optional:
            action.clear(F.OPTIONAL)
        return action

    # -- orderings --------------------------------------------------------------------------
    def new_ordering(self, first_rsc: RscState | None, first_task: str | None, first_action: Action | None,
                     then_rsc: RscState | None, then_task: str | None, then_action: Action | None,
                     flags: int) -> None:
        """``pcmk__new_ordering``."""
        if first_rsc is None and first_action is not None:
            first_rsc = first_action.rsc
        if then_rsc is None and then_action is not None:
            then_rsc = then_action.rsc
        self.orderings.append(OrderingConstraint(self.order_id, first_rsc, first_task, first_action, then_rsc,
                                                 then_task, then_action, flags))
        self.order_id += 1

    def order_rsc_actions(self, first: RscState, first_task: str, then: RscState, then_task: str,
                          flags: int) -> None:
        """``pcmk__order_resource_actions``."""
        self.new_ordering(first, op_key(first.id, first_task), None, then, op_key(then.id, then_task), None, flags)


def order_actions(first: Action, then: Action, order: int) -> bool:
    """``order_actions``: add the edge first -> then unless an equivalent one exists."""
    if order == O.NONE or first is then:
        return False
    for after in first.after_map.get(id(then), ()):
        if after.type & order:
            return False
    wrapper = Wrapper(then, order)
    first.after.append(wrapper)
    first.after_map.setdefault(id(then), []).append(wrapper)
    then.before.append(Wrapper(first, order))
    return True


# ----------------------------------------------------------------------------------------------
# Action constructors shared by the stages


def start_action(ws: WorkingSet, rsc: RscState, node: str | None, optional: bool) -> Action:
    return ws.custom_action(rsc, op_key(rsc.id, "start"), "start", node, optional)


def stop_action(ws: WorkingSet, rsc: RscState, node: str | None, optional: bool) -> Action:
    return ws.custom_action(rsc, op_key(rsc.id, "stop"), "stop", node, optional)


def clear_failcount(ws: WorkingSet, rsc: RscState, node: str, reason: str) -> Action:
    """``pe__clear_failcount``."""
    clear = ws.custom_action(rsc, op_key(rsc.id, "clear_failcount"), "clear_failcount", node, False)
    clear.meta["op_no_wait"] = "true"
    return clear


def new_cancel_action(ws: WorkingSet, rsc: RscState, task: str, interval: int, node: str) -> Action:
    """``pcmk__new_cancel_action``."""
    key = op_key(rsc.id, task, interval)
    # keyed by the operation it cancels (an existing action with that key becomes the cancel)
    cancel = ws.custom_action(rsc, key, "cancel", node, False)
    cancel.task = "cancel"
    cancel.meta["operation"] = task
    cancel.meta["interval"] = str(interval)
    return cancel
