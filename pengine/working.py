"""Working state of one scheduler run: resources, nodes, actions and orderings.

The model (``pengine.model``) is immutable; placement and action scheduling are by nature a
sequence of refinements (scores change while resources are assigned, actions become required
or unrunnable as orderings are applied), so each run builds this working state from the model
and discards it afterwards.  Nothing here outlives one ``schedule()`` call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntFlag

from crm.common.scores import INFINITY
from pengine.model import ColocationConstraint, Node, OnFail, OpConfig, Primitive, Resource, Role, RscHistory


class Order(IntFlag):
    """Ordering relation flags (Pacemaker's ``pe_order_*``)."""

    NONE = 0
    OPTIONAL = 0x1
    APPLY_FIRST_NON_MIGRATABLE = 0x2
    IMPLIES_FIRST = 0x10
    IMPLIES_THEN = 0x20
    PROMOTED_IMPLIES_FIRST = 0x40
    IMPLIES_FIRST_MIGRATABLE = 0x80
    RUNNABLE_LEFT = 0x100
    PSEUDO_LEFT = 0x200
    IMPLIES_THEN_ON_NODE = 0x400
    PROBE = 0x800
    RESTART = 0x1000
    STONITH_STOP = 0x2000
    SERIALIZE_ONLY = 0x4000
    SAME_NODE = 0x8000
    IMPLIES_FIRST_PRINTED = 0x10000
    IMPLIES_THEN_PRINTED = 0x20000
    ASYMMETRICAL = 0x100000
    LOAD = 0x200000
    ONE_OR_MORE = 0x400000
    ANTI_COLOCATION = 0x800000
    PRESERVE = 0x1000000
    THEN_CANCELS_FIRST = 0x2000000


class AFlag(IntFlag):
    """Action flags (Pacemaker's ``pe_action_*``)."""

    NONE = 0
    PSEUDO = 0x1
    RUNNABLE = 0x2
    OPTIONAL = 0x4
    PRINT_ALWAYS = 0x8
    HAVE_NODE_ATTRS = 0x10
    IMPLIED_BY_STONITH = 0x40
    MIGRATE_RUNNABLE = 0x80
    DUMPED = 0x100
    PROCESSED = 0x200
    CLEAR = 0x400
    DANGLE = 0x800
    REQUIRES_ANY = 0x1000
    RESCHEDULE = 0x2000
    TRACKING = 0x4000
    DC = 0x8000


class F:
    """``AFlag`` values as plain ints (fast bit operations on the hot paths)."""

    NONE = 0x0
    PSEUDO = 0x1
    RUNNABLE = 0x2
    OPTIONAL = 0x4
    PRINT_ALWAYS = 0x8
    HAVE_NODE_ATTRS = 0x10
    IMPLIED_BY_STONITH = 0x40
    MIGRATE_RUNNABLE = 0x80
    DUMPED = 0x100
    PROCESSED = 0x200
    CLEAR = 0x400
    DANGLE = 0x800
    REQUIRES_ANY = 0x1000
    RESCHEDULE = 0x2000
    TRACKING = 0x4000
    DC = 0x8000


class O:  # noqa: E742 - mirrors Order
    """``Order`` values as plain ints (fast bit operations on the hot paths)."""

    NONE = 0x0
    OPTIONAL = 0x1
    APPLY_FIRST_NON_MIGRATABLE = 0x2
    IMPLIES_FIRST = 0x10
    IMPLIES_THEN = 0x20
    PROMOTED_IMPLIES_FIRST = 0x40
    IMPLIES_FIRST_MIGRATABLE = 0x80
    RUNNABLE_LEFT = 0x100
    PSEUDO_LEFT = 0x200
    IMPLIES_THEN_ON_NODE = 0x400
    PROBE = 0x800
    RESTART = 0x1000
    STONITH_STOP = 0x2000
    SERIALIZE_ONLY = 0x4000
    SAME_NODE = 0x8000
    IMPLIES_FIRST_PRINTED = 0x10000
    IMPLIES_THEN_PRINTED = 0x20000
    ASYMMETRICAL = 0x100000
    LOAD = 0x200000
    ONE_OR_MORE = 0x400000
    ANTI_COLOCATION = 0x800000
    PRESERVE = 0x1000000
    THEN_CANCELS_FIRST = 0x2000000


@dataclass(eq=False)
class Wrapper:
    """One edge end: the other action and the relation flags."""

    action: Action
    type: int
    dumped: bool = False


@dataclass(eq=False)
class Action:
    """A scheduled action (``pe_action_t``)."""

    id: int
    rsc: RscState | None
    task: str
    key: str
    node: str | None
    flags: int
    meta: dict[str, str] = field(default_factory=dict)
    needs: str = "nothing"  # nothing / quorum / fencing
    reason: str | None = None
    before: list[Wrapper] = field(default_factory=list)
    after: list[Wrapper] = field(default_factory=list)
    after_map: dict[int, list[Wrapper]] = field(default_factory=dict, repr=False)
    interval_ms: int = 0
    op: OpConfig | None = None
    required_runnable_before: int = 0
    runnable_before: int = 0
    priority: int = 0

    @property
    def optional(self) -> bool:
        return bool(int(self.flags) & 0x4)

    @property
    def runnable(self) -> bool:
        return bool(int(self.flags) & 0x2)

    @property
    def pseudo(self) -> bool:
        return bool(int(self.flags) & 0x1)

    def set(self, flag: int) -> None:
        self.flags = int(self.flags) | int(flag)

    def clear(self, flag: int) -> None:
        self.flags = int(self.flags) & ~int(flag)

    def __repr__(self) -> str:
        return f"<Action {self.key} {self.node} {self.flags!r}>"


@dataclass(eq=False)
class NodeState:
    """Mutable per-run node state (``pe_node_t`` details that change while scheduling)."""

    model: Node
    online: bool
    unclean: bool
    standby: bool
    maintenance: bool
    shutdown: bool
    pending: bool
    num_resources: int = 0
    remaining: dict[str, int] = field(default_factory=dict)
    fence_reason: str | None = None
    remote_requires_reset: bool = False
    unseen: bool = False  # a remote node whose fencing is revoked if its connection can start

    @property
    def uname(self) -> str:
        return self.model.uname

    @property
    def id(self) -> str:
        return self.model.id

    def available(self) -> bool:
        """``pcmk__node_available(node, false, false)``."""
        return self.online and not self.shutdown and not self.unclean and not self.standby and not self.maintenance


@dataclass(eq=False)
class RscState:
    """Mutable per-run resource state (``pe_resource_t``)."""

    id: str
    variant: str  # primitive / group / clone / bundle
    model: Resource
    parent: RscState | None = None
    children: list[RscState] = field(default_factory=list)
    allowed: dict[str, int] = field(default_factory=dict)
    running_on: list[str] = field(default_factory=list)
    role: Role = Role.STOPPED
    next_role: Role = Role.UNKNOWN
    next_role_reason: str | None = None
    assigned: str | None = None
    provisional: bool = True
    allocating: bool = False
    merging: bool = False
    managed: bool = True
    failed: bool = False
    orphan: bool = False
    blocked: bool = False
    start_pending: bool = False
    needs_fencing: bool = False
    needs_unfencing: bool = False  # requires=unfencing (pe_rsc_needs_unfencing)
    needs_quorum: bool = True
    unique: bool = True
    stop_unexpected: bool = False
    maintenance: bool = False
    restarting: bool = False
    critical: bool = True
    is_remote: bool = False
    fence_device: bool = False
    priority: int = 0
    stickiness: int = 0
    migration_threshold: int = INFINITY
    failure_timeout: int = 0
    failure_ignored: bool = False  # pe_rsc_failure_ignored: failures ignored, threshold too
    recovery: str = "stop_start"
    rsc_cons: list[ColocationConstraint] = field(default_factory=list)
    rsc_cons_lhs: list[ColocationConstraint] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)  # newest first, as Pacemaker prepends
    actions_by_key: dict[str, list[Action]] = field(default_factory=dict, repr=False)
    actions_by_key_node: dict[tuple[str, str | None], list[Action]] = field(default_factory=dict, repr=False)
    known_on: set[str] = field(default_factory=set)
    history: dict[str, RscHistory] = field(default_factory=dict)  # node -> history
    on_fail: OnFail = OnFail.IGNORE
    discover_exclusive: bool = False
    discover_never: set[str] = field(default_factory=set)
    discover_nodes: set[str] = field(default_factory=set)
    partial_migration_source: str | None = None
    partial_migration_target: str | None = None
    dangling_migrations: list[str] = field(default_factory=list)
    allow_migrate: bool = False
    is_ordered: bool = True
    is_colocated: bool = True
    history_id: str | None = None
    reload: bool = False
    container: RscState | None = None  # "container" meta: runs inside / with that resource
    extra_meta: dict[str, str] = field(default_factory=dict)  # CRM_meta_* added to every action
    graph_long_id: str | None = None
    graph_primitive_id: str | None = None

    @property
    def primitive(self) -> Primitive | None:
        return self.model if isinstance(self.model, Primitive) else None

    @property
    def meta(self) -> dict[str, str]:
        return dict(self.model.meta)

    def top(self) -> RscState:
        cur = self
        while cur.parent is not None:
            cur = cur.parent
        return cur

    def uber_parent(self) -> RscState:
        """``uber_parent``: the topmost ancestor below any bundle (a bundle's members are
        their own top)."""
        cur = self
        while cur.parent is not None and cur.parent.variant != "bundle":
            cur = cur.parent
        return cur

    def current_node(self) -> str | None:
        """``pe__current_node``: the first node the resource is active on."""
        return self.running_on[0] if self.running_on else None

    def __repr__(self) -> str:
        return f"<RscState {self.id}>"


@dataclass(eq=False)
class OrderingConstraint:
    """An ordering between resource tasks or concrete actions (``pe__ordering_t``)."""

    id: int
    first_rsc: RscState | None
    first_task: str | None  # an operation key
    first_action: Action | None
    then_rsc: RscState | None
    then_task: str | None
    then_action: Action | None
    type: int
