"""The embedded transport's sequencer, as a state machine without I/O.

Every process of every node connects to one bus (a unix socket on the machine).  The bus
puts all messages of a group into one sequence per partition and writes each to every
member's connection in that sequence, view changes included, which gives total order and
virtual synchrony by construction.  A process leaves the views when its connection drops;
a node is up while it has at least one connection.  Partitions (for tests) split the nodes
into groups that do not see each other until healed.

Inputs are calls (:meth:`BusState.connect`, :meth:`mcast`, :meth:`disconnect`,
:meth:`partition`, :meth:`heal`); outputs are ``(connection id, frame body)`` pairs to
write, in order.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from crm.cluster.transport import Member

__all__ = [
    "CONTROL",
    "DELIVER",
    "ERROR",
    "HELLO",
    "MCAST",
    "QUORUM",
    "REPLY",
    "VIEW",
    "BusError",
    "BusState",
    "Output",
    "deliver_body",
    "parse_deliver",
    "quorate",
]

# frame types (first byte of a frame body)
HELLO = 1
MCAST = 2
VIEW = 3
DELIVER = 4
QUORUM = 5
CONTROL = 6
REPLY = 7
ERROR = 8

_SENDER = struct.Struct(">II")

Output = tuple[int, bytes]


class BusError(ValueError):
    """A request the bus refuses."""


def quorate(up: int, expected: int, two_node: bool = False) -> bool:
    """Votequorum's rule with one vote per node: more than half of the expected votes
    (``two_node``: one of two is enough)."""
    expected = max(expected, up)
    if two_node and expected == 2:
        return up >= 1
    return up * 2 > expected


def deliver_body(sender: Member, payload: bytes) -> bytes:
    return bytes([DELIVER]) + _SENDER.pack(sender.nodeid, sender.pid) + payload


def parse_deliver(body: bytes) -> tuple[int, int, bytes]:
    nodeid, pid = _SENDER.unpack_from(body, 1)
    return nodeid, pid, body[1 + _SENDER.size :]


def _json(kind: int, value: object) -> bytes:
    return bytes([kind]) + json.dumps(value, separators=(",", ":")).encode()


def _members(members: Iterable[Member]) -> list[list[object]]:
    return [[m.nodeid, m.name, m.pid] for m in members]


@dataclass
class _Conn:
    group: str
    member: Member


@dataclass
class BusState:
    expected_votes: int = 1
    two_node: bool = False
    conns: dict[int, _Conn] = field(default_factory=dict)
    # node id -> partition number; nodes not listed are in partition 0
    partitions: dict[int, int] = field(default_factory=dict)
    view_seq: int = 0
    _last_quorum: dict[int, tuple[bool, tuple[int, ...]]] = field(default_factory=dict)

    # -- queries ---------------------------------------------------------------
    def partition_of(self, nodeid: int) -> int:
        return self.partitions.get(nodeid, 0)

    def _group_members(self, group: str, part: int) -> list[tuple[int, Member]]:
        found = [
            (cid, c.member)
            for cid, c in self.conns.items()
            if c.group == group and self.partition_of(c.member.nodeid) == part
        ]
        return sorted(found, key=lambda item: item[1])

    def up_nodes(self, part: int) -> tuple[int, ...]:
        return tuple(sorted({c.member.nodeid for c in self.conns.values() if self.partition_of(c.member.nodeid) == part}))

    def status(self) -> dict[str, object]:
        groups: dict[str, list[list[object]]] = {}
        for c in self.conns.values():
            groups.setdefault(c.group, []).append([c.member.nodeid, c.member.name, c.member.pid])
        return {
            "groups": {g: sorted(v) for g, v in sorted(groups.items())},
            "partitions": {str(k): v for k, v in sorted(self.partitions.items())},
            "expected_votes": self.expected_votes,
        }

    # -- views and quorum ------------------------------------------------------
    def _view(self, group: str, part: int, joined: Sequence[Member], left: Sequence[Member]) -> list[Output]:
        members = self._group_members(group, part)
        if not members:
            return []
        self.view_seq += 1
        body = _json(
            VIEW,
            {
                "view": self.view_seq,
                "members": _members(m for _, m in members),
                "joined": _members(joined),
                "left": _members(left),
            },
        )
        return [(cid, body) for cid, _ in members]

    def _quorum(self, parts: Iterable[int]) -> list[Output]:
        out: list[Output] = []
        for part in sorted(set(parts)):
            nodes = self.up_nodes(part)
            state = (quorate(len(nodes), self.expected_votes, self.two_node), nodes)
            body = _json(QUORUM, {"quorate": state[0], "nodes": list(nodes)})
            for cid, conn in sorted(self.conns.items()):
                if self.partition_of(conn.member.nodeid) != part:
                    continue
                if self._last_quorum.get(cid) != state:
                    self._last_quorum[cid] = state
                    out.append((cid, body))
        return out

    # -- inputs ----------------------------------------------------------------
    def connect(self, cid: int, group: str, member: Member) -> list[Output]:
        if cid in self.conns:
            raise BusError("this connection has already joined a group")
        if not group or member.nodeid <= 0:
            raise BusError("a member needs a group and a positive node id")
        for c in self.conns.values():
            if c.group == group and c.member.nodeid == member.nodeid and c.member.pid == member.pid:
                raise BusError(f"{member} (pid {member.pid}) is already in group {group}")
        self.conns[cid] = _Conn(group, member)
        part = self.partition_of(member.nodeid)
        out = self._view(group, part, [member], [])
        return out + self._quorum([part])

    def disconnect(self, cid: int) -> list[Output]:
        conn = self.conns.pop(cid, None)
        self._last_quorum.pop(cid, None)
        if conn is None:
            return []
        part = self.partition_of(conn.member.nodeid)
        return self._view(conn.group, part, [], [conn.member]) + self._quorum([part])

    def mcast(self, cid: int, payload: bytes) -> list[Output]:
        conn = self.conns.get(cid)
        if conn is None:
            raise BusError("send before joining a group")
        body = deliver_body(conn.member, payload)
        part = self.partition_of(conn.member.nodeid)
        return [(other, body) for other, _ in self._group_members(conn.group, part)]

    def _regroup(self, new: dict[int, int]) -> list[Output]:
        """Move nodes between partitions; each member whose view changed gets the new view
        with joined/left relative to the view it had (as Corosync reports a merge)."""
        old_view: dict[int, frozenset[Member]] = {}
        for cid, conn in self.conns.items():
            part = self.partition_of(conn.member.nodeid)
            old_view[cid] = frozenset(m for _, m in self._group_members(conn.group, part))
        old_parts = set(self.partitions.values()) | {0}
        self.partitions = dict(new)
        out: list[Output] = []
        keys = sorted({(c.group, self.partition_of(c.member.nodeid)) for c in self.conns.values()})
        for group, part in keys:
            members = self._group_members(group, part)
            now = frozenset(m for _, m in members)
            changed = [(cid, old_view[cid]) for cid, _ in members if old_view[cid] != now]
            if not changed:
                continue
            self.view_seq += 1
            for cid, before in changed:
                body = _json(
                    VIEW,
                    {
                        "view": self.view_seq,
                        "members": _members(sorted(now)),
                        "joined": _members(sorted(now - before)),
                        "left": _members(sorted(before - now)),
                    },
                )
                out.append((cid, body))
        parts = old_parts | {self.partition_of(c.member.nodeid) for c in self.conns.values()}
        return out + self._quorum(parts)

    def partition(self, groups: Sequence[Sequence[int]]) -> list[Output]:
        """Split the nodes: each listed group of node ids is one partition; unlisted
        nodes stay together in partition 0."""
        new: dict[int, int] = {}
        for index, nodes in enumerate(groups, start=1):
            for nodeid in nodes:
                if nodeid in new:
                    raise BusError(f"node {nodeid} is listed in two partitions")
                new[nodeid] = index
        return self._regroup(new)

    def heal(self) -> list[Output]:
        return self._regroup({})
