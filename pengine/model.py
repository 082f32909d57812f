"""The unpacked cluster model: immutable dataclasses built from a CIB by ``pengine.unpack``.

Reading guide (for the scheduler stages, the clone code and the status display):

* ``Cluster`` is the root: options, nodes (in CIB order), resources (top level, in CIB order),
  constraints, tickets, and the op history of every resource on every node.
* ``Node`` carries the node's derived state (online, unclean, standby, maintenance, shutdown,
  pending) and its node attributes (configured + transient, plus ``#uname``/``#id``/``#kind``).
* Resources are ``Primitive``, ``Group``, ``Clone`` (``promotable`` flag; its ``child`` is the
  template primitive or group; instances are created by the clone code) or ``Bundle``
  (placeholder: kept so it can be displayed and reported unsupported).  Every resource has
  ``meta`` (rsc_defaults merged under its own meta_attributes, rules evaluated) and ``parent``.
* ``RscHistory`` is the op history of one resource on one node (``lrm_resource``) with the state
  Pacemaker derives from it: ``role``, ``failed``, ``pending_task``, ``last_failure`` and which
  recurring operations are active.  Instance histories of anonymous clones are stored under the
  id written in the CIB (e.g. ``rsc`` or ``rsc:0``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from lxml import etree

from crm.common.scores import MINUS_INFINITY


class Role(Enum):
    """Resource roles, ordered as Pacemaker orders them."""

    UNKNOWN = 0
    STOPPED = 1
    STARTED = 2
    UNPROMOTED = 3
    PROMOTED = 4

    @property
    def text(self) -> str:
        return _ROLE_TEXT[self]

    @classmethod
    def parse(cls, text: str | None) -> Role:
        """Parse a role name (accepts the legacy Master/Slave spellings)."""
        if text is None:
            return cls.UNKNOWN
        return _ROLE_BY_NAME.get(text.strip().lower(), cls.UNKNOWN)

    def __lt__(self, other: Role) -> bool:
        return self.value < other.value

    def __le__(self, other: Role) -> bool:
        return self.value <= other.value

    def __gt__(self, other: Role) -> bool:
        return self.value > other.value

    def __ge__(self, other: Role) -> bool:
        return self.value >= other.value


_ROLE_TEXT = {
    Role.UNKNOWN: "Unknown",
    Role.STOPPED: "Stopped",
    Role.STARTED: "Started",
    Role.UNPROMOTED: "Unpromoted",
    Role.PROMOTED: "Promoted",
}
_ROLE_BY_NAME = {
    "unknown": Role.UNKNOWN,
    "stopped": Role.STOPPED,
    "started": Role.STARTED,
    "unpromoted": Role.UNPROMOTED,
    "slave": Role.UNPROMOTED,
    "promoted": Role.PROMOTED,
    "master": Role.PROMOTED,
}


class OnFail(Enum):
    """What to do when an operation fails (``on-fail``), in Pacemaker's severity order."""

    IGNORE = 0
    DEMOTE = 1
    RESTART = 2  # "restart" / recover
    RESET_REMOTE = 3
    RESTART_CONTAINER = 4
    MIGRATE = 5  # "migrate": ban from the node
    BLOCK = 6
    STOP = 7
    STANDBY = 8
    FENCE = 9


@dataclass(frozen=True)
class ClusterOptions:
    """Cluster-wide options from crm_config (defaults as Pacemaker's)."""

    stonith_enabled: bool = True
    stonith_action: str = "reboot"
    stonith_timeout: str = "60s"
    symmetric_cluster: bool = True
    no_quorum_policy: str = "stop"
    have_quorum: bool = True
    maintenance_mode: bool = False
    stop_orphan_resources: bool = True
    stop_orphan_actions: bool = True
    stop_all_resources: bool = False
    start_failure_is_fatal: bool = True
    startup_fencing: bool = True
    cluster_delay: str = "60s"
    batch_limit: int = 0
    migration_limit: int = -1
    placement_strategy: str = "default"
    node_health_strategy: str = "none"
    node_health_red: int = MINUS_INFINITY
    node_health_yellow: int = 0
    node_health_green: int = 0
    shutdown_lock: bool = False
    concurrent_fencing: bool = False
    priority_fencing_delay: str = "0"
    dc_uuid: str | None = None
    raw: Mapping[str, str] = field(default_factory=dict)


class NodeKind(Enum):
    MEMBER = "member"
    REMOTE = "remote"
    PING = "ping"


@dataclass(frozen=True)
class Node:
    """A cluster node and its state as derived from ``node_state``."""

    id: str
    uname: str
    kind: NodeKind
    online: bool
    unclean: bool
    standby: bool
    standby_onfail: bool
    maintenance: bool
    shutdown: bool
    pending: bool
    unseen: bool
    expected_up: bool
    is_dc: bool
    remote_rsc: str | None  # connection resource of a remote / guest node
    attributes: Mapping[str, str]
    utilization: Mapping[str, str]
    weight: int = 0  # configured node score
    rsc_discovery: bool = True
    fence_reason: str | None = None

    @property
    def is_remote(self) -> bool:
        return self.kind == NodeKind.REMOTE


@dataclass(frozen=True)
class OpConfig:
    """A configured operation (``<op>``) with op_defaults merged in."""

    id: str
    name: str
    interval_ms: int
    role: Role
    meta: Mapping[str, str]  # every attribute of <op> and its meta_attributes (resolved)
    params: Mapping[str, str]  # the op's instance_attributes
    enabled: bool = True
    own_timeout: str | None = None  # timeout set on the op itself (not from op_defaults)

    @property
    def key_suffix(self) -> str:
        return f"{self.name}_{self.interval_ms}"


@dataclass(frozen=True)
class Primitive:
    """A primitive resource (possibly a clone/group child)."""

    id: str
    rclass: str
    provider: str | None
    type: str
    meta: Mapping[str, str]
    params: Mapping[str, str]
    ops: tuple[OpConfig, ...]
    utilization: Mapping[str, str]
    parent: str | None = None
    template: str | None = None
    element: etree._Element | None = field(default=None, compare=False, repr=False)

    kind = "primitive"

    @property
    def agent(self) -> str:
        """``class:provider:type`` (or ``class:type``)."""
        if self.provider:
            return f"{self.rclass}:{self.provider}:{self.type}"
        return f"{self.rclass}:{self.type}"

    def children(self) -> tuple[Resource, ...]:
        return ()


@dataclass(frozen=True)
class Group:
    """A group: its primitives, in order, are colocated and ordered with each other."""

    id: str
    meta: Mapping[str, str]
    members: tuple[Primitive, ...]
    parent: str | None = None

    kind = "group"

    def children(self) -> tuple[Resource, ...]:
        return self.members


@dataclass(frozen=True)
class Clone:
    """A clone or promotable clone; ``child`` is the template the instances are made from."""

    id: str
    meta: Mapping[str, str]
    child: Primitive | Group
    promotable: bool
    parent: str | None = None

    kind = "clone"

    def children(self) -> tuple[Resource, ...]:
        return (self.child,)


@dataclass(frozen=True)
class BundleReplica:
    """One replica of a bundle: its container, address and guest node connection."""

    index: int
    container: Primitive
    ip: Primitive | None
    remote: Primitive | None  # its id is the guest node's name
    address: str | None = None


@dataclass(frozen=True)
class Bundle:
    """A bundle: per replica a container (+ address, + guest node connection), and the inner
    primitive wrapped in ``clone`` (one instance per replica); see ``pengine.bundles``."""

    id: str
    meta: Mapping[str, str]
    child: Primitive | None
    parent: str | None = None
    element: etree._Element | None = field(default=None, compare=False, repr=False)
    replicas: tuple[BundleReplica, ...] = ()
    clone: Clone | None = None
    runtime: str = "docker"
    image: str = ""
    replicas_per_host: int = 1
    promoted_max: int = 0

    kind = "bundle"

    def children(self) -> tuple[Resource, ...]:
        """Per replica address, container, connection (the order Pacemaker creates their
        actions and probes in); then the clone."""
        out: list[Resource] = []
        for replica in self.replicas:
            out.extend(r for r in (replica.ip, replica.container, replica.remote) if r is not None)
        if self.clone is not None:
            out.append(self.clone)
        elif not self.replicas and self.child is not None:
            out.append(self.child)
        return tuple(out)


Resource = Primitive | Group | Clone | Bundle


@dataclass(frozen=True)
class OpRecord:
    """One ``lrm_rsc_op`` of the status section."""

    id: str
    task: str
    interval_ms: int
    call_id: int
    rc_code: int
    op_status: int
    op_digest: str | None
    restart_digest: str | None
    secure_digest: str | None
    target_rc: int | None  # from transition-key
    last_rc_change: int | None
    migrate_source: str | None
    migrate_target: str | None
    exit_reason: str | None
    element: etree._Element | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> str:
        return f"{self.task}_{self.interval_ms}"


@dataclass(frozen=True)
class RscHistory:
    """Op history of one resource on one node, and the state derived from it."""

    rsc_id: str
    node: str  # node uname
    rclass: str | None
    provider: str | None
    type: str | None
    ops: tuple[OpRecord, ...]  # sorted by call id
    role: Role
    failed: bool
    on_fail: OnFail
    pending_task: str | None
    last_failure: OpRecord | None
    active_recurring: tuple[OpRecord, ...]  # recurring ops running since the last start
    migrating_to: str | None = None  # a migrate_to that succeeded but not yet completed
    stop_failed: bool = False
    start_failed: bool = False
    orphan: bool = False  # resource no longer in the configuration
    role_known: bool = True  # False when only pending probes were recorded
    failure_ignored: bool = False  # a failure was treated as success (on-fail=ignore)
    container: str | None = None  # an orphan's container, as its lrm_resource records it


@dataclass(frozen=True)
class RuleRef:
    """A rule kept as XML for evaluation in context (node attributes, resource meta)."""

    element: etree._Element = field(compare=False)


@dataclass(frozen=True)
class LocationConstraint:
    id: str
    rsc: str | None
    rsc_pattern: str | None
    node: str | None
    score: int | None
    rules: tuple[RuleRef, ...]
    role: Role
    resource_discovery: str  # always / never / exclusive


@dataclass(frozen=True)
class ColocationConstraint:
    id: str
    dependent: str
    primary: str
    score: int
    dependent_role: Role
    primary_role: Role
    node_attribute: str = "#uname"
    influence: bool = True


@dataclass(frozen=True)
class OrderConstraint:
    id: str
    first: str
    then: str
    first_action: str
    then_action: str
    kind: str  # Mandatory / Optional / Serialize
    symmetrical: bool
    score: int | None = None
    require_all: bool = True
    inverse: bool = False  # the inverse half of a symmetrical set ordering, made at unpacking


@dataclass(frozen=True)
class OrderOneOrMore:
    """An ordering from a ``require-all="false"`` set: any one first member lets the thens run."""

    id: str  # the set id (pseudo action "one-or-more:<id>")
    firsts: tuple[str, ...]
    first_action: str
    thens: tuple[str, ...]
    then_action: str
    kind: str
    symmetrical: bool


@dataclass(frozen=True)
class TicketConstraint:
    id: str
    rsc: str
    ticket: str
    role: Role
    loss_policy: str


@dataclass(frozen=True)
class Ticket:
    id: str
    granted: bool
    standby: bool
    last_granted: int | None = None


@dataclass(frozen=True)
class Cluster:
    """Everything the scheduler knows, as unpacked from one CIB."""

    options: ClusterOptions
    now: datetime
    nodes: tuple[Node, ...]
    resources: tuple[Resource, ...]
    locations: tuple[LocationConstraint, ...]
    colocations: tuple[ColocationConstraint, ...]
    orders: tuple[OrderConstraint, ...]
    ticket_constraints: tuple[TicketConstraint, ...]
    tickets: Mapping[str, Ticket]
    history: tuple[RscHistory, ...]
    fail_counts: Mapping[tuple[str, str], tuple[int, int]]  # (rsc id, node) -> (count, last failure)
    op_defaults: Mapping[str, str]
    rsc_defaults: Mapping[str, str]
    messages: tuple[str, ...] = ()
    one_or_more: tuple[OrderOneOrMore, ...] = ()
    failure_timeout_blocked: frozenset[str] = frozenset()  # failure-timeout cancelled by on-fail=block
    # nodes in the order unpacking found them unclean (``pe_fence_node``, which creates their
    # fencing action then): node states first, then the histories that fence
    fence_order: tuple[str, ...] = ()

    def node(self, uname: str) -> Node | None:
        for n in self.nodes:
            if n.uname == uname:
                return n
        return None
