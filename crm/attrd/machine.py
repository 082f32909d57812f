"""The attribute daemon's state machine, without I/O.

Every node runs one attrd; all of them join the transport group ``attrd``.  This module
decides everything they do; :mod:`crm.attrd.daemon` only moves bytes, arms timers and runs
CIB writes.  Inputs are method calls, outputs are lists of :data:`Output` values.

=========================  ===============================================================
input                      method
=========================  ===============================================================
client request             :meth:`AttrdMachine.client_request` (JSON dict from ``attrd.sock``)
delivered group message    :meth:`AttrdMachine.deliver`
view change                :meth:`AttrdMachine.view_change`
timer expiry               :meth:`AttrdMachine.timer_fired`
CIB write finished         :meth:`AttrdMachine.write_done`
=========================  ===============================================================

Outputs: :class:`Multicast` (send to the group), :class:`Reply` (answer a local client),
:class:`ArmTimer` / :class:`CancelTimer`, :class:`WriteCib` (one ``modify`` of the status
section, applied with :func:`crm.attrd.cibwrite.apply_write`).

**Replicated table.**  A client's update is not applied where it arrives: it is multicast,
and every attrd (the sender included) applies it on delivery.  Total order makes every
table identical, and makes ``name++`` / ``name+=N`` increments atomic (they are expanded on
delivery, against the agreed current value).  The client gets its reply once its update is
delivered locally, so a query on the same node right after sees it.

**One writer, no election.**  The writer is the member with the lowest node id among the
*synced* members of the view (a joiner is synced once it has received the table, below).
Every member computes it from the same views and messages, so there are no votes, no
election timeout and never two writers in one view.  Only the writer writes the status
section.  Every value carries ``current`` (the agreed value) and ``written`` (what the CIB is
known to hold, or *unknown*); after a successful write the writer multicasts ``written``, so
every member knows what the CIB holds.  A new writer therefore writes only the values whose
``current`` differs from ``written`` (Pacemaker's new writer rewrites every attribute,
pacemaker#1659); after a write that is lost with its writer (the writer died before
multicasting ``written``) the value is still unknown/different, and is written again.

**Dampening: at most one write per window, last value wins.**  Pacemaker restarts an
attribute's dampening timer on every change, so a value that keeps changing faster than
the dampening (a flapping ping target) is *never* written.  Here the first change of an
attribute that is not yet dampened arms its timer; later changes do not touch it.  When the
timer fires the writer writes the *current* values that differ from what the CIB holds
(a value changed back to the written one within the window is not written at all).
So N changes inside one window give at most one write, of the last value, ``dampen`` after
the first change; a steady stream of changes is written once per window instead of never.
A change of the dampening itself (``-B``/``-Y`` with a new delay) writes the attribute at once,
as in Pacemaker.  A new writer does not inherit the old writer's timers: it writes what is
unwritten at once.

**Batches.**  Everything due at one moment (all attributes, all nodes, plus the removal of
left nodes' attributes) goes into one CIB ``modify``; one write is in flight at a time and
what becomes due meanwhile goes into the next batch.  A failed write is retried after
:data:`RETRY_MS` (growing to :data:`RETRY_MAX_MS`).  Private attributes are never written.

**Sync to a joiner.**  On a view change that brings members that do not have the table
(joined processes; after a merge, each side considers the other side's members so), the
lowest synced member multicasts ``sync``: the whole table *as of that view change*, with the
view id and its recipients.  Every member keeps the table as of the view change (its *base*)
and the messages delivered since (applied as usual).  A sync from another side is merged
into the base, then the base plus the replayed messages becomes the table, which gives
exactly the sender's current state to a joiner, whatever was delivered before the sync.
Merge conflicts (after a partition) are decided by a rank every member computes alike: the
value from the side the value's node is in wins, then the side with the lowest node id; so
all members end with the same table whichever syncs they merge.  A sync built for an
older view is ignored by everyone (the next view's sync supersedes it).  A joiner then
re-announces its *own node's* values where the table differs (for its own node the local
value wins, as in Pacemaker); an attrd that restarted has no own values and simply takes
the table.  Queries on a joiner wait until it has the table.  After a merge of partitions
what the CIB holds is unknown (each side wrote its own copy and purged the other side's
nodes), so the writer rewrites every value, in one batch.

**Left nodes.**  When the last attrd of a node leaves the view, every member drops that
node's values; the writer removes the node's ``transient_attributes`` from the status
section (what Pacemaker's controller does), so a crashed attrd's node starts again clean.

Node attributes that outlive a reboot (``crm_attribute -l forever``, the ``nodes`` section)
do not go through attrd; the tools write them to the CIB directly, as in Pacemaker.
"""

from __future__ import annotations

import copy
import enum
import json
import logging
import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "PROTOCOL",
    "RETRY_MAX_MS",
    "RETRY_MS",
    "ArmTimer",
    "AttrdMachine",
    "Attribute",
    "CancelTimer",
    "Multicast",
    "Output",
    "Peer",
    "Purge",
    "Reply",
    "Value",
    "WriteCib",
    "WriteItem",
    "Written",
    "expand_value",
    "parse_dampen",
]

log = logging.getLogger("pacer.attrd")

PROTOCOL = 1
RETRY_MS = 1000
RETRY_MAX_MS = 30_000
LOG_KEEP = 1000  # deliveries kept for a late sync once every member is synced
INFINITY = 1_000_000

# reply codes (Pacemaker exit codes)
RC_OK = 0
RC_INVALID = 2  # CRM_EX_INVALID_PARAM
RC_PROTOCOL = 76  # CRM_EX_PROTOCOL

UPDATE_KINDS = ("value", "both", "delay")


class Written(enum.Enum):
    """``written`` when nobody knows what the CIB holds for a value."""

    UNKNOWN = "unknown"


WrittenValue = str | None | Literal[Written.UNKNOWN]


@dataclass(frozen=True, order=True, slots=True)
class Peer:
    """An attrd process: its node's id and name and its process id."""

    nodeid: int
    name: str
    pid: int = 0


@dataclass(slots=True)
class Value:
    """One node's value of one attribute (None: deleted)."""

    current: str | None
    written: WrittenValue = Written.UNKNOWN


@dataclass(slots=True)
class Attribute:
    name: str
    dampen_ms: int = 0
    set_id: str | None = None
    private: bool = False
    utilization: bool = False
    values: dict[str, Value] = field(default_factory=dict)


# -- outputs ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Multicast:
    payload: bytes


@dataclass(frozen=True, slots=True)
class Reply:
    client: Hashable
    message: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ArmTimer:
    key: str
    delay_ms: int


@dataclass(frozen=True, slots=True)
class CancelTimer:
    key: str


@dataclass(frozen=True, slots=True)
class WriteItem:
    """Set (or, with ``value`` None, remove) one node's value of one attribute."""

    name: str
    node: str
    nodeid: int | None  # None: look the node up in the CIB's nodes section
    value: str | None
    set_id: str | None = None
    utilization: bool = False


@dataclass(frozen=True, slots=True)
class Purge:
    """Remove every transient attribute of a node that left."""

    node: str
    nodeid: int | None


@dataclass(frozen=True, slots=True)
class WriteCib:
    id: int
    items: tuple[WriteItem, ...]
    purges: tuple[Purge, ...] = ()


Output = Multicast | Reply | ArmTimer | CancelTimer | WriteCib


# -- helpers -----------------------------------------------------------------------------

_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")
_UNITS = {"": 1000, "s": 1000, "sec": 1000, "secs": 1000, "ms": 1, "msec": 1, "msecs": 1,
          "us": 0.001, "usec": 0.001, "m": 60_000, "min": 60_000, "mins": 60_000,
          "h": 3_600_000, "hr": 3_600_000, "hrs": 3_600_000}


def parse_dampen(text: str | int | float | None) -> int | None:
    """Milliseconds in a dampening as ``attrd_updater -d`` takes it (``5``, ``5s``, ``500ms``,
    ``1min``; a bare number is seconds, as Pacemaker's ``crm_get_msec``); None if invalid."""
    if text is None or isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        return int(text * 1000) if text >= 0 else None
    m = _SPAN.match(text)
    if not m or m.group(2).lower() not in _UNITS:
        return None
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def _score(text: str | None) -> int:
    if text is None:
        return 0
    t = text.strip()
    if t.upper() in ("INFINITY", "+INFINITY"):
        return INFINITY
    if t.upper() == "-INFINITY":
        return -INFINITY
    try:
        return max(-INFINITY, min(INFINITY, int(t)))
    except ValueError:
        return 0


def expand_value(name: str, value: str | None, old: str | None) -> str | None:
    """Pacemaker's ``name++`` and ``name+=N`` (against the old value, capped at INFINITY)."""
    if value is None or not value.startswith(name) or len(value) <= len(name) + 1:
        return value
    rest = value[len(name):]
    if rest == "++":
        delta = 1
    elif rest.startswith("+="):
        delta = _score(rest[2:])
    else:
        return value
    total = _score(old) + delta
    if total >= INFINITY:
        return "INFINITY"
    return str(max(total, -INFINITY))


def _encode(message: Mapping[str, Any]) -> bytes:
    return json.dumps({"v": PROTOCOL, **message}, separators=(",", ":"), sort_keys=True).encode()


def _peer(item: Any) -> Peer:
    if not isinstance(item, list) or len(item) != 3:
        raise ValueError(f"bad peer {item!r}")
    nodeid, name, pid = item
    if not isinstance(nodeid, int) or not isinstance(name, str) or not isinstance(pid, int):
        raise ValueError(f"bad peer {item!r}")
    return Peer(nodeid, name, pid)


def _peer_json(peer: Peer) -> list[Any]:
    return [peer.nodeid, peer.name, peer.pid]


class BadMessage(ValueError):
    pass


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise BadMessage(f"{key!r} must be a string")


def _flag(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key, False)
    if isinstance(value, bool):
        return value
    raise BadMessage(f"{key!r} must be true or false")


@dataclass(frozen=True, slots=True)
class UpdateOp:
    """One update as multicast: ``kind`` is value, both (value and dampening) or delay."""

    name: str
    node: str
    value: str | None
    kind: str = "value"
    dampen_ms: int | None = None
    set_id: str | None = None
    private: bool = False
    utilization: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "node": self.node, "value": self.value, "kind": self.kind,
                "dampen": self.dampen_ms, "set": self.set_id, "private": self.private,
                "util": self.utilization}

    @classmethod
    def from_json(cls, data: Any) -> UpdateOp:
        if not isinstance(data, dict):
            raise BadMessage("an update op must be an object")
        name, node = data.get("name"), data.get("node")
        if not isinstance(name, str) or not name or not isinstance(node, str) or not node:
            raise BadMessage("an update op needs a name and a node")
        kind = data.get("kind", "value")
        if kind not in UPDATE_KINDS:
            raise BadMessage(f"unknown update kind {kind!r}")
        dampen = data.get("dampen")
        if dampen is not None and (not isinstance(dampen, int) or isinstance(dampen, bool) or dampen < 0):
            raise BadMessage("'dampen' must be a number of milliseconds")
        return cls(name, node, _opt_str(data, "value"), kind, dampen, _opt_str(data, "set"),
                   _flag(data, "private"), _flag(data, "util"))


# -- the machine --------------------------------------------------------------------------


Rank = tuple[int, int]  # who wins a merge conflict: the smaller (see AttrdMachine._rank)


class AttrdMachine:
    """One node's attrd.  ``local`` is this process (node id, node name, pid)."""

    def __init__(self, local: Peer) -> None:
        self.local = local
        self.attrs: dict[str, Attribute] = {}
        self.node_ids: dict[str, int] = {local.name: local.nodeid}
        self.view_id: int | None = None
        self.members: tuple[Peer, ...] = ()
        self.synced_peers: set[Peer] = set()
        self.writer: Peer | None = None
        # the table as of the last view change (merged with that view's syncs), who each of
        # its values came from, and what was delivered since: a sync rebuilds the table as
        # base + syncs, then replays the log
        self._base: dict[str, Attribute] = {}
        self._ranks: dict[tuple[str, str], Rank] = {}
        self._attr_ranks: dict[str, Rank] = {}
        self._side: frozenset[Peer] = frozenset()  # the synced members of our side at the view change
        self._log: list[tuple[Peer, dict[str, Any]]] | None = []  # None: no sync expected any more
        self._replaying = False
        self._seq = 0
        self._pending: dict[int, Hashable] = {}  # own update seq -> client waiting for delivery
        self._queries: list[tuple[Hashable, dict[str, Any]]] = []  # waiting for the table
        # writer state
        self._armed: set[str] = set()  # attributes whose dampening timer runs
        self._due: set[tuple[str, str]] = set()  # (attribute, node) to write in the next batch
        self._purges: dict[str, Purge] = {}
        self._in_flight: WriteCib | None = None
        self._write_ids = 0
        self._retry_ms = 0  # 0: no retry timer armed
        self._retry_next = RETRY_MS
        self._timer_ops: list[ArmTimer | CancelTimer] = []  # emitted by the next _flush
        self.writes = 0  # CIB writes emitted (for tests and status)

    # -- derived state ----------------------------------------------------------------
    @property
    def synced(self) -> bool:
        return self.local in self.synced_peers

    @property
    def is_writer(self) -> bool:
        return self.writer == self.local

    def value(self, name: str, node: str) -> str | None:
        attr = self.attrs.get(name)
        v = None if attr is None else attr.values.get(node)
        return None if v is None else v.current

    def table(self) -> dict[str, dict[str, str | None]]:
        """``{attribute: {node: value}}`` (for tests and ``status``)."""
        return {name: {node: v.current for node, v in sorted(a.values.items())} for name, a in sorted(self.attrs.items())}

    # -- inputs -------------------------------------------------------------------------
    def client_request(self, client: Hashable, request: Mapping[str, Any]) -> list[Output]:
        """A request from a local client (``attrd_updater``, ``crm_attribute``, the controller)."""
        out: list[Output] = []
        op = request.get("op") if isinstance(request, Mapping) else None
        try:
            if op in ("update", "update-both", "update-delay", "delete"):
                self._client_update(client, request, out)
            elif op == "query":
                self._client_query(client, request, out)
            elif op in ("refresh", "flush"):
                self._seq += 1
                self._pending[self._seq] = client
                out.append(Multicast(_encode({"t": op, "seq": self._seq})))
            elif op == "status":
                out.append(Reply(client, {"rc": RC_OK, **self.status()}))
            else:
                out.append(Reply(client, {"rc": RC_PROTOCOL, "error": f"unknown operation {op!r}"}))
        except BadMessage as err:
            out.append(Reply(client, {"rc": RC_INVALID, "error": str(err)}))
        return out

    def deliver(self, sender: Peer, payload: bytes) -> list[Output]:
        """A group message, in the agreed order."""
        out: list[Output] = []
        try:
            message = json.loads(payload)
            if not isinstance(message, dict):
                raise BadMessage("not an object")
        except (ValueError, UnicodeDecodeError) as err:
            log.warning("ignoring an undecodable message from %s: %s", sender.name, err)
            return out
        if message.get("v") != PROTOCOL:
            log.warning("ignoring a message of protocol %r from %s", message.get("v"), sender.name)
            return out
        kind = message.get("t")
        try:
            if kind == "sync":
                self._on_sync(sender, message, out)
            else:
                self._apply(sender, message, out)
                self._keep(sender, message)
        except (BadMessage, ValueError, TypeError, KeyError) as err:
            log.warning("ignoring a bad %r message from %s: %s", kind, sender.name, err)
        return out

    def view_change(self, view_id: int, members: Sequence[Peer], joined: Sequence[Peer],
                    left: Sequence[Peer]) -> list[Output]:
        out: list[Output] = []
        members = tuple(sorted(members))
        first = self.view_id is None or self.local in joined
        self.view_id = view_id
        self.members = members
        for peer in members:
            self.node_ids[peer.name] = peer.nodeid
        current = set(members)
        if first:
            joiners = set(joined) & current
            # nobody had the table before (cluster start): everyone is synced
            self.synced_peers = current if joiners == current else current - joiners
        else:
            self.synced_peers &= current
        if not self.synced_peers:
            # whoever had the table is gone: those left start from what they have
            self.synced_peers = set(current)
        # nodes whose last attrd left: their values leave every table
        gone_nodes = {p.name for p in left} - {p.name for p in members}
        for node in sorted(gone_nodes):
            self._drop_node(node)
        # a new base for this view's syncs (a sync built for an older view is ignored)
        self._side = frozenset(self.synced_peers) if self.synced else frozenset()
        self._base = copy.deepcopy(self.attrs)
        self._ranks = {(name, node): self._rank(self._side, node) for name, attr in self.attrs.items()
                       for node in attr.values}
        self._attr_ranks = {name: self._rank(self._side, None) for name in self.attrs}
        self._log = []
        self._elect(out)
        if self.is_writer:
            for node in sorted(gone_nodes):
                self._purges[node] = Purge(node, self.node_ids.get(node))
            self._flush(out)
        unsynced = [p for p in members if p not in self.synced_peers]
        if unsynced and self.synced and self.local == min(self.synced_peers):
            out.append(Multicast(self._sync_message(unsynced)))
        if self.synced:
            self._answer_queries(out)
        return out

    def timer_fired(self, key: str) -> list[Output]:
        out: list[Output] = []
        if key == "retry":
            self._retry_ms = 0
            self._flush(out)
        elif key.startswith("dampen:"):
            name = key.removeprefix("dampen:")
            self._armed.discard(name)
            if self.is_writer:
                self._mark_unwritten(name)
                self._flush(out)
        return out

    def write_done(self, write_id: int, ok: bool, error: str | None = None) -> list[Output]:
        """The CIB write ``write_id`` finished."""
        out: list[Output] = []
        batch = self._in_flight
        if batch is None or batch.id != write_id:
            return out
        self._in_flight = None
        if ok:
            self._retry_next = RETRY_MS
            done: list[list[Any]] = []
            for item in batch.items:
                v = self._get(item.name, item.node)
                if v is not None:
                    v.written = item.value
                    done.append([item.name, item.node, item.value])
            if done:
                out.append(Multicast(_encode({"t": "written", "items": done})))
        else:
            log.warning("writing %d attribute value(s) to the CIB failed: %s", len(batch.items), error)
            if self.is_writer:
                self._due.update((item.name, item.node) for item in batch.items)
                for purge in batch.purges:
                    self._purges.setdefault(purge.node, purge)
                if not self._retry_ms:
                    self._retry_ms = self._retry_next
                    self._retry_next = min(self._retry_next * 2, RETRY_MAX_MS)
                    out.append(ArmTimer("retry", self._retry_ms))
                return out
        self._flush(out)
        return out

    # -- status -------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        return {
            "local": self.local.name,
            "nodeid": self.local.nodeid,
            "view": self.view_id,
            "members": [p.name for p in self.members],
            "writer": None if self.writer is None else self.writer.name,
            "synced": self.synced,
            "writes": self.writes,
            "table": self.table(),
        }

    # -- client requests -------------------------------------------------------------------
    def _node(self, request: Mapping[str, Any]) -> str:
        node = _opt_str(request, "node")
        return self.local.name if node in (None, "", "localhost", "auto") else str(node)

    def _client_update(self, client: Hashable, request: Mapping[str, Any], out: list[Output]) -> None:
        name = request.get("name")
        if not isinstance(name, str) or not name:
            raise BadMessage("an update needs an attribute name")
        op = str(request["op"])
        kind = {"update": "value", "update-both": "both", "update-delay": "delay", "delete": "value"}[op]
        value = None if op == "delete" else _opt_str(request, "value")
        if op in ("update", "update-both") and value is None:
            raise BadMessage("an update needs a value (use delete to remove one)")
        raw = request.get("dampen")
        dampen = None
        if raw is not None:
            if not isinstance(raw, str | int | float):
                raise BadMessage("'dampen' must be a time span")
            dampen = parse_dampen(raw)
            if dampen is None:
                raise BadMessage(f"invalid dampening {raw!r}")
        if kind in ("both", "delay") and dampen is None:
            raise BadMessage(f"{op} needs a dampening")
        update = UpdateOp(name, self._node(request), value, kind, dampen, _opt_str(request, "set"),
                          _flag(request, "private"), _flag(request, "utilization"))
        self._seq += 1
        self._pending[self._seq] = client
        out.append(Multicast(_encode({"t": "update", "seq": self._seq, "ops": [update.to_json()]})))

    def _client_query(self, client: Hashable, request: Mapping[str, Any], out: list[Output]) -> None:
        name = request.get("name")
        if not isinstance(name, str) or not name:
            raise BadMessage("a query needs an attribute name")
        _flag(request, "all")
        self._node(request)
        if not self.synced:
            self._queries.append((client, dict(request)))
            return
        out.append(Reply(client, self._query_reply(request)))

    def _query_reply(self, request: Mapping[str, Any]) -> dict[str, Any]:
        name = str(request["name"])
        attr = self.attrs.get(name)
        values: list[dict[str, Any]] = []
        if attr is not None:
            nodes = sorted(attr.values) if request.get("all") else [self._node(request)]
            for node in nodes:
                v = attr.values.get(node)
                if v is not None:
                    values.append({"node": node, "value": v.current})
        return {"rc": RC_OK, "name": name, "values": values}

    def _answer_queries(self, out: list[Output]) -> None:
        queries, self._queries = self._queries, []
        for client, request in queries:
            out.append(Reply(client, self._query_reply(request)))

    # -- delivered messages -----------------------------------------------------------
    def _apply(self, sender: Peer, message: dict[str, Any], out: list[Output]) -> None:
        kind = message.get("t")
        if kind == "update":
            ops = message.get("ops")
            if not isinstance(ops, list):
                raise BadMessage("'ops' must be a list")
            parsed = [UpdateOp.from_json(op) for op in ops]
            for op in parsed:
                self._apply_update(op)
        elif kind == "written":
            self._apply_written(sender, message)
        elif kind == "refresh":
            for attr in self.attrs.values():
                for v in attr.values.values():
                    v.written = Written.UNKNOWN
            if self.is_writer:
                for name in self.attrs:
                    self._mark_unwritten(name)
        elif kind == "flush":
            if self.is_writer:
                for name in sorted(self._armed):
                    out.append(CancelTimer(f"dampen:{name}"))
                    self._mark_unwritten(name)
                self._armed.clear()
        else:
            raise BadMessage(f"unknown message type {kind!r}")
        if self._replaying:
            return
        if self.is_writer:
            self._flush(out)
        self._reply_to_own(sender, message, out)

    def _reply_to_own(self, sender: Peer, message: dict[str, Any], out: list[Output]) -> None:
        if sender != self.local:
            return
        seq = message.get("seq")
        client = self._pending.pop(seq, None) if isinstance(seq, int) else None
        if client is not None:
            out.append(Reply(client, {"rc": RC_OK}))

    def _apply_update(self, op: UpdateOp) -> None:
        attr = self.attrs.get(op.name)
        if attr is None:
            if op.kind == "delay":
                log.info("ignoring a new dampening for %s: no such attribute", op.name)
                return
            attr = Attribute(op.name, op.dampen_ms or 0, op.set_id, op.private, op.utilization)
            self.attrs[op.name] = attr
        dampen_changed = False
        if op.kind in ("both", "delay") and op.dampen_ms is not None and op.dampen_ms != attr.dampen_ms:
            attr.dampen_ms = op.dampen_ms
            dampen_changed = True
        changed = False
        if op.kind in ("value", "both"):
            v = attr.values.get(op.node)
            if v is None:
                v = attr.values[op.node] = Value(None)
                changed = True
            new = expand_value(op.name, op.value, v.current)
            if new != v.current:
                v.current = new
                changed = True
        if not self.is_writer or self._replaying or attr.private:
            return
        if dampen_changed:
            if op.name in self._armed:
                self._armed.discard(op.name)
                self._timer_ops.append(CancelTimer(f"dampen:{op.name}"))
            self._mark_unwritten(op.name)
        elif changed:
            self._changed(attr, op.node)

    def _apply_written(self, sender: Peer, message: dict[str, Any]) -> None:
        items = message.get("items")
        if not isinstance(items, list):
            raise BadMessage("'items' must be a list")
        if sender == self.local:
            return  # applied when the write finished
        for item in items:
            if not isinstance(item, list) or len(item) != 3:
                raise BadMessage("bad written item")
            name, node, value = item
            if not isinstance(name, str) or not isinstance(node, str) or not (value is None or isinstance(value, str)):
                raise BadMessage("bad written item")
            v = self._get(name, node)
            if v is None:
                continue
            v.written = value
            attr = self.attrs[name]
            if self.is_writer and not self._replaying and not attr.private and v.current != value:
                # an older writer's write landed: ours is due again
                self._changed(attr, node)

    # -- sync -------------------------------------------------------------------------------
    def _sync_message(self, recipients: Iterable[Peer]) -> bytes:
        table = []
        for name, attr in sorted(self.attrs.items()):
            values = []
            for node, v in sorted(attr.values.items()):
                entry: dict[str, Any] = {"node": node, "value": v.current}
                if v.written is not Written.UNKNOWN:
                    entry["written"] = v.written
                values.append(entry)
            table.append({"name": name, "dampen": attr.dampen_ms, "set": attr.set_id, "private": attr.private,
                          "util": attr.utilization, "values": values})
        return _encode({
            "t": "sync",
            "view": self.view_id,
            "to": [_peer_json(p) for p in sorted(recipients)],
            "nodes": dict(sorted(self.node_ids.items())),
            "table": table,
        })

    def _on_sync(self, sender: Peer, message: dict[str, Any], out: list[Output]) -> None:
        if message.get("view") != self.view_id:
            log.info("ignoring a sync from %s for view %r (now %r)", sender.name, message.get("view"), self.view_id)
            return
        to_raw = message.get("to")
        if not isinstance(to_raw, list):
            raise BadMessage("'to' must be a list")
        recipients = {_peer(p) for p in to_raw}
        incoming = self._parse_table(message.get("table"))
        nodes = message.get("nodes", {})
        if not isinstance(nodes, dict):
            raise BadMessage("'nodes' must be an object")
        if self._log is None:
            log.warning("ignoring a late sync from %s: this view's log is gone", sender.name)
            return
        was_synced = self.synced
        side = frozenset(self.members) - recipients
        if not side:
            raise BadMessage("a sync for every member")
        if self.local in recipients or side != self._side:
            for name, nodeid in nodes.items():
                if isinstance(name, str) and isinstance(nodeid, int):
                    self.node_ids.setdefault(name, nodeid)
            mine = self._own_values()
            self._merge(incoming, side, merge=was_synced)
            self.attrs = copy.deepcopy(self._base)
            self._replay()
            self._reannounce(mine, out)
        # (a sync from our own side holds what our base holds: nothing to do)
        self.synced_peers |= recipients & set(self.members)
        old_writer = self.writer
        self._elect(out)
        if self.is_writer and (old_writer != self.local or self.local in recipients):
            for name in self.attrs:
                self._mark_unwritten(name)
            self._flush(out)
        if self.synced and not was_synced:
            log.info("received the attribute table from %s (%d attributes)", sender.name, len(self.attrs))
        if self.synced:
            self._answer_queries(out)

    @staticmethod
    def _parse_table(raw: Any) -> dict[str, Attribute]:
        if not isinstance(raw, list):
            raise BadMessage("'table' must be a list")
        table: dict[str, Attribute] = {}
        for entry in raw:
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                raise BadMessage("bad table entry")
            dampen = entry.get("dampen", 0)
            if not isinstance(dampen, int) or dampen < 0:
                raise BadMessage("bad dampening in table entry")
            attr = Attribute(entry["name"], dampen, _opt_str(entry, "set"), _flag(entry, "private"),
                             _flag(entry, "util"))
            values = entry.get("values")
            if not isinstance(values, list):
                raise BadMessage("bad values in table entry")
            for item in values:
                if not isinstance(item, dict) or not isinstance(item.get("node"), str):
                    raise BadMessage("bad value in table entry")
                written: WrittenValue = Written.UNKNOWN
                if "written" in item:
                    written = _opt_str(item, "written")
                attr.values[item["node"]] = Value(_opt_str(item, "value"), written)
            table[attr.name] = attr
        return table

    def _keep(self, sender: Peer, message: dict[str, Any]) -> None:
        """Log a delivery for the replay after a sync; once everybody is synced and the log
        is long, the syncs of this view are long done: stop keeping it."""
        if self._log is None:
            return
        self._log.append((sender, message))
        if len(self._log) > LOG_KEEP and all(p in self.synced_peers for p in self.members):
            self._log = None
            self._base, self._ranks, self._attr_ranks = {}, {}, {}

    def _rank(self, side: frozenset[Peer], node: str | None) -> Rank:
        """Who wins a conflict in a merge, smaller first: the side the value's node is in,
        then the side with the lowest node id; a joiner without the table loses to all.  The
        order does not depend on who merges or in which order the syncs come, so every
        member computes the same table."""
        if not side:
            return (2, 0)
        return (0 if node is not None and node in {p.name for p in side} else 1, min(p.nodeid for p in side))

    def _merge(self, incoming: Mapping[str, Attribute], side: frozenset[Peer], merge: bool) -> None:
        """Merge a sync from ``side`` into the base: union of the entries, conflicts by rank.
        After a merge of partitions (``merge``) what the CIB holds is unknown: each side wrote
        (and purged) its own copy, and the CIB daemons kept one of them."""
        for name, new in incoming.items():
            rank = self._rank(side, None)
            attr = self._base.get(name)
            if attr is None:
                attr = self._base[name] = Attribute(name, new.dampen_ms, new.set_id, new.private, new.utilization)
                self._attr_ranks[name] = rank
            elif rank < self._attr_ranks.get(name, (3, 0)):
                attr.dampen_ms, attr.set_id = new.dampen_ms, new.set_id
                attr.private, attr.utilization = new.private, new.utilization
                self._attr_ranks[name] = rank
            for node, v in new.values.items():
                rank = self._rank(side, node)
                old = attr.values.get(node)
                if old is None or rank < self._ranks.get((name, node), (3, 0)):
                    attr.values[node] = Value(v.current, v.written)
                    self._ranks[(name, node)] = rank
        if merge:
            for attr in self._base.values():
                for v in attr.values.values():
                    v.written = Written.UNKNOWN

    def _own_values(self) -> dict[str, tuple[str, Attribute]]:
        own: dict[str, tuple[str, Attribute]] = {}
        for name, attr in self.attrs.items():
            v = attr.values.get(self.local.name)
            if v is not None and v.current is not None:
                own[name] = (v.current, copy.deepcopy(attr))
        return own

    def _reannounce(self, mine: Mapping[str, tuple[str, Attribute]], out: list[Output]) -> None:
        ops = []
        for name, (value, attr) in sorted(mine.items()):
            if self.value(name, self.local.name) != value:
                ops.append(UpdateOp(name, self.local.name, value, "value", attr.dampen_ms, attr.set_id,
                                    attr.private, attr.utilization).to_json())
        if ops:
            log.info("re-announcing %d value(s) of this node that the table lacked", len(ops))
            out.append(Multicast(_encode({"t": "update", "ops": ops})))

    def _replay(self) -> None:
        """Apply again what was delivered in this view (no replies, no writer work)."""
        self._replaying = True
        try:
            for sender, message in self._log or ():
                self._apply(sender, message, [])
        finally:
            self._replaying = False

    # -- membership and writer -------------------------------------------------------------
    def _drop_node(self, node: str) -> None:
        for name in list(self.attrs):
            attr = self.attrs[name]
            attr.values.pop(node, None)
            self._due.discard((name, node))

    def _elect(self, out: list[Output]) -> None:
        candidates = self.synced_peers & set(self.members)
        new = min(candidates) if candidates else None
        old, self.writer = self.writer, new
        if new == old:
            return
        log.info("attribute writer: %s", "none" if new is None else f"{new.name} (node {new.nodeid})")
        if old == self.local:
            # no longer the writer: our timers and queue are the new writer's business now
            for name in sorted(self._armed):
                out.append(CancelTimer(f"dampen:{name}"))
            self._armed.clear()
            self._due.clear()
            self._purges.clear()
        if new == self.local:
            for name in self.attrs:
                self._mark_unwritten(name)

    # -- writing ----------------------------------------------------------------------------
    def _get(self, name: str, node: str) -> Value | None:
        attr = self.attrs.get(name)
        return None if attr is None else attr.values.get(node)

    def _mark_unwritten(self, name: str) -> None:
        attr = self.attrs.get(name)
        if attr is None or attr.private:
            return
        for node, v in attr.values.items():
            if v.current != v.written:
                self._due.add((name, node))

    def _changed(self, attr: Attribute, node: str) -> None:
        if attr.dampen_ms <= 0:
            self._due.add((attr.name, node))
        elif attr.name not in self._armed:
            self._armed.add(attr.name)
            self._timer_ops.append(ArmTimer(f"dampen:{attr.name}", attr.dampen_ms))

    def _flush(self, out: list[Output]) -> None:
        """Emit armed timers, and the next batch if none is in flight."""
        out.extend(self._take_timers())
        if not self.is_writer or self._in_flight is not None or self._retry_ms:
            return
        items = []
        for name, node in sorted(self._due):
            attr = self.attrs.get(name)
            v = None if attr is None else attr.values.get(node)
            if attr is None or v is None or attr.private or v.current == v.written:
                continue
            items.append(WriteItem(name, node, self.node_ids.get(node), v.current, attr.set_id, attr.utilization))
        self._due.clear()
        purges = tuple(self._purges[n] for n in sorted(self._purges))
        self._purges.clear()
        if not items and not purges:
            return
        self._write_ids += 1
        self.writes += 1
        self._in_flight = WriteCib(self._write_ids, tuple(items), purges)
        out.append(self._in_flight)

    def _take_timers(self) -> list[ArmTimer | CancelTimer]:
        timers, self._timer_ops = self._timer_ops, []
        return timers

