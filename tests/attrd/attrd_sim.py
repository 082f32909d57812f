"""A simulated cluster of attrd machines: a total-order bus, views, a virtual clock and one
shared CIB, all in memory, so tests drive :class:`crm.attrd.machine.AttrdMachine` directly."""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from crm.attrd.cibwrite import apply_write
from crm.attrd.machine import (
    ArmTimer,
    AttrdMachine,
    CancelTimer,
    Multicast,
    Output,
    Peer,
    Reply,
    WriteCib,
)

EMPTY_CIB = """<cib admin_epoch="0" epoch="1" num_updates="0">
  <configuration><crm_config/><nodes>
    <node id="1" uname="node1"/><node id="2" uname="node2"/><node id="3" uname="node3"/>
    <node id="4" uname="node4"/>
  </nodes><resources/><constraints/></configuration>
  <status/>
</cib>"""


@dataclass
class WriteRecord:
    time: int
    writer: Peer
    batch: WriteCib


@dataclass
class Sim:
    """``auto_write``: CIB writes complete (successfully) as soon as they are emitted."""

    auto_write: bool = True
    now: int = 0
    machines: dict[Peer, AttrdMachine] = field(default_factory=dict)
    members: list[Peer] = field(default_factory=list)
    queue: deque[tuple[tuple[Peer, ...], str, Any]] = field(default_factory=deque)
    timers: dict[tuple[Peer, str], int] = field(default_factory=dict)
    replies: dict[Hashable, list[dict[str, Any]]] = field(default_factory=dict)
    writes: list[WriteRecord] = field(default_factory=list)
    in_flight: list[tuple[Peer, WriteCib]] = field(default_factory=list)
    fail_writes: bool = False
    view_id: int = 0
    cib: etree._Element = field(default_factory=lambda: etree.fromstring(EMPTY_CIB))
    parts: dict[int, int] = field(default_factory=dict)  # node id -> partition (default 0)
    _pids: int = 100
    _clients: int = 0

    # -- membership ---------------------------------------------------------------------
    def start(self, nodeid: int) -> Peer:
        """Start an attrd on node ``nodeid`` (a new process: a new pid) and let it join."""
        self._pids += 1
        peer = Peer(nodeid, f"node{nodeid}", self._pids)
        self.machines[peer] = AttrdMachine(peer)
        self.members.append(peer)
        self.members.sort()
        self._view(joined=(peer,), left=())
        return peer

    def stop(self, peer: Peer) -> None:
        """The process dies (or is cut off): it leaves the view."""
        self.members.remove(peer)
        self.machines.pop(peer, None)
        self.in_flight = [(p, b) for p, b in self.in_flight if p != peer]
        for key in [k for k in self.timers if k[0] == peer]:
            del self.timers[key]
        self._view(joined=(), left=(peer,))

    def visible(self, peer: Peer) -> tuple[Peer, ...]:
        part = self.parts.get(peer.nodeid, 0)
        return tuple(p for p in self.members if self.parts.get(p.nodeid, 0) == part)

    def _view(self, joined: tuple[Peer, ...], left: tuple[Peer, ...]) -> None:
        self.view_id += 1
        members = self.visible((joined or left)[0])
        data = (self.view_id, members, joined, left)
        self.queue.append((members, "view", data))

    def partition(self, groups: list[list[int]]) -> None:
        """Split the nodes (lists of node ids; unlisted nodes stay in partition 0); ``[]`` heals."""
        before = {p: set(self.visible(p)) for p in self.members}
        self.parts = {nodeid: index for index, nodes in enumerate(groups, start=1) for nodeid in nodes}
        self.view_id += 1
        for peer in self.members:
            now = set(self.visible(peer))
            if now == before[peer]:
                continue
            data = (self.view_id, tuple(sorted(now)), tuple(sorted(now - before[peer])),
                    tuple(sorted(before[peer] - now)))
            self.queue.append(((peer,), "view", data))

    def node(self, nodeid: int) -> Peer:
        return next(p for p in self.members if p.nodeid == nodeid)

    def machine(self, nodeid: int) -> AttrdMachine:
        return self.machines[self.node(nodeid)]

    # -- driving --------------------------------------------------------------------------
    def request(self, nodeid: int, **request: Any) -> Hashable:
        """A client request on node ``nodeid``; returns the client handle (see :meth:`reply`)."""
        self._clients += 1
        client = ("client", self._clients)
        peer = self.node(nodeid)
        self._perform(peer, self.machines[peer].client_request(client, request))
        return client

    def reply(self, client: Hashable) -> dict[str, Any] | None:
        got = self.replies.get(client)
        return got[-1] if got else None

    def run(self) -> None:
        """Deliver everything queued (and what that causes)."""
        while self.queue:
            recipients, kind, data = self.queue.popleft()
            for peer in recipients:
                machine = self.machines.get(peer)
                if machine is None:
                    continue
                if kind == "view":
                    view_id, members, joined, left = data
                    outputs = machine.view_change(view_id, members, joined, left)
                else:
                    sender, payload = data
                    outputs = machine.deliver(sender, payload)
                self._perform(peer, outputs)

    def advance(self, ms: int) -> None:
        """Let ``ms`` of virtual time pass, firing timers in order."""
        end = self.now + ms
        self.run()
        while True:
            due = sorted((t, k) for k, t in self.timers.items() if t <= end)
            if not due:
                break
            when, key = due[0]
            del self.timers[key]
            self.now = max(self.now, when)
            peer, name = key
            machine = self.machines.get(peer)
            if machine is not None:
                self._perform(peer, machine.timer_fired(name))
            self.run()
        self.now = end

    def complete_writes(self, ok: bool = True) -> None:
        pending, self.in_flight = self.in_flight, []
        for peer, batch in pending:
            self._finish(peer, batch, ok)
        self.run()

    def _finish(self, peer: Peer, batch: WriteCib, ok: bool) -> None:
        if ok:
            apply_write(self.cib, batch)
        machine = self.machines.get(peer)
        if machine is not None:
            self._perform(peer, machine.write_done(batch.id, ok, None if ok else "simulated failure"))

    def _perform(self, peer: Peer, outputs: list[Output]) -> None:
        for output in outputs:
            if isinstance(output, Multicast):
                if peer in self.members:
                    self.queue.append((self.visible(peer), "deliver", (peer, output.payload)))
            elif isinstance(output, Reply):
                self.replies.setdefault(output.client, []).append(output.message)
            elif isinstance(output, ArmTimer):
                self.timers[(peer, output.key)] = self.now + output.delay_ms
            elif isinstance(output, CancelTimer):
                self.timers.pop((peer, output.key), None)
            elif isinstance(output, WriteCib):
                self.writes.append(WriteRecord(self.now, peer, output))
                if self.auto_write and not self.fail_writes:
                    self._finish(peer, output, True)
                elif self.auto_write and self.fail_writes:
                    self._finish(peer, output, False)
                else:
                    self.in_flight.append((peer, output))

    # -- observing ---------------------------------------------------------------------------
    def tables(self) -> list[dict[str, dict[str, str | None]]]:
        return [self.machines[p].table() for p in self.members]

    def writers(self) -> set[Peer | None]:
        return {self.machines[p].writer for p in self.members}

    def cib_value(self, nodeid: int, name: str) -> str | None:
        found = self.cib.xpath(
            f"status/node_state[@id='{nodeid}']/transient_attributes/instance_attributes/nvpair[@name='{name}']/@value"
        )
        return str(found[0]) if found else None

    def written_items(self, name: str | None = None) -> list[tuple[int, str, str, str | None]]:
        """(time, attribute, node, value) of every write item, in order."""
        return [
            (w.time, item.name, item.node, item.value)
            for w in self.writes
            for item in w.batch.items
            if name is None or item.name == name
        ]
