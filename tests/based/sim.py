"""A model of N CIB replicas on the embedded bus, without processes or sockets: the bus
state machine orders the messages, each replica's frames wait in its own queue, and the
test decides which replica runs next (model tests: the real daemons are tested elsewhere)."""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field

from lxml import etree

from crm.based.machine import Effect, Machine, Multicast, Persist, Reply
from crm.cib import patchset
from crm.cib.document import CibDocument
from crm.cib.transaction import perform
from crm.cluster import bus, wire
from crm.cluster.transport import Delivery, Member, QuorumChange, ViewChange


def set_property(doc: CibDocument, name: str, value: str) -> None:
    config = doc.ensure_section("crm_config")
    props = config.find("cluster_property_set[@id='cib-bootstrap-options']")
    if props is None:
        props = etree.SubElement(config, "cluster_property_set", id="cib-bootstrap-options")
    nvpair = props.find(f"nvpair[@name='{name}']")
    if nvpair is None:
        nvpair = etree.SubElement(props, "nvpair", id=f"cib-bootstrap-options-{name}", name=name)
    nvpair.set("value", value)


def properties(doc: CibDocument) -> dict[str, str]:
    return {n.get("name", ""): n.get("value", "") for n in doc.root.iterfind(".//crm_config//nvpair")}


def _member(item: list[object]) -> Member:
    return Member(int(item[0]), str(item[1]), int(item[2]))  # type: ignore[call-overload]


@dataclass
class Node:
    nodeid: int
    pid: int
    machine: Machine
    cid: int
    inbox: deque[bytes] = field(default_factory=deque)
    names: dict[tuple[int, int], Member] = field(default_factory=dict)


@dataclass
class Cluster:
    size: int
    bus: bus.BusState = field(init=False)
    nodes: dict[int, Node] = field(default_factory=dict)
    disks: dict[int, CibDocument] = field(default_factory=dict)
    acked: dict[str, str] = field(default_factory=dict)
    pending: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)
    failed: list[dict[str, object]] = field(default_factory=list)
    conflicts: int = 0
    multicasts: list[dict[str, object]] = field(default_factory=list)
    senders: list[int] = field(default_factory=list)  # who sent each of multicasts
    next_pid: int = 100
    next_cid: int = 1
    next_req: int = 1
    now: float = 0.0  # every machine's clock; drain() moves it on to the next send deadline

    def __post_init__(self) -> None:
        self.bus = bus.BusState(expected_votes=self.size)

    def route(self, outputs: list[bus.Output]) -> None:
        by_cid = {n.cid: n for n in self.nodes.values()}
        for cid, body in outputs:
            if cid in by_cid:
                by_cid[cid].inbox.append(body)

    def start(self, nodeid: int) -> None:
        assert nodeid not in self.nodes
        self.next_pid += 1
        member = Member(nodeid, f"node{nodeid}", self.next_pid)
        doc = self.disks.get(nodeid)
        doc = doc.copy() if doc is not None else CibDocument.empty(epoch=0)
        status = doc.ensure_section("status")
        for child in list(status):
            status.remove(child)
        node = Node(nodeid, member.pid, Machine(local=member, doc=doc, clock=lambda: self.now), self.next_cid)
        self.next_cid += 1
        self.nodes[nodeid] = node
        self.route(self.bus.connect(node.cid, "cib", member))

    def kill(self, nodeid: int) -> None:
        node = self.nodes.pop(nodeid)
        self.pending = {k: v for k, v in self.pending.items() if k[0] != node.pid}
        self.route(self.bus.disconnect(node.cid))

    def partition(self, groups: list[list[int]]) -> None:
        self.route(self.bus.partition(groups))

    def heal(self) -> None:
        self.route(self.bus.heal())

    def effects(self, node: Node, effects: list[Effect]) -> None:
        for effect in effects:
            if isinstance(effect, Multicast):
                self.multicasts.append(effect.message)
                self.senders.append(node.nodeid)
                self.route(self.bus.mcast(node.cid, wire.encode(effect.message)))
            elif isinstance(effect, Persist):
                self.disks[node.nodeid] = effect.document
            elif isinstance(effect, Reply):
                key = (node.pid, effect.client[1])
                name, value = self.pending.pop(key)
                if effect.reply["rc"] == 0:
                    self.acked[name] = value
                elif effect.reply["rc"] == 75:  # conflict: the client re-reads and retries
                    self.conflicts += 1
                    self.write(node.nodeid, name, value)
                else:
                    self.failed.append(effect.reply)

    def write(self, nodeid: int, name: str, value: str) -> None:
        node = self.nodes[nodeid]
        before = node.machine.doc
        _, outcome = perform(before, lambda d: set_property(d, name, value), validate=False)
        patch = etree.tostring(patchset.diff(before.root, outcome.document.root), encoding="unicode")
        req = self.next_req
        self.next_req += 1
        self.pending[(node.pid, req)] = (name, value)
        node.machine.backlog = len(node.inbox)
        self.effects(node, node.machine.client_write((node.cid, req), {"patch": patch, "validate": False}))

    def step(self, nodeid: int) -> bool:
        node = self.nodes.get(nodeid)
        if node is None or not node.inbox:
            return False
        body = node.inbox.popleft()
        kind = body[0]
        machine = node.machine
        machine.backlog = len(node.inbox)  # as the daemon does: what is queued behind
        if kind == bus.DELIVER:
            sender_id, pid, payload = bus.parse_deliver(body)
            sender = node.names.get((sender_id, pid), Member(sender_id, f"node{sender_id}", pid))
            event = Delivery(sender, payload)
            self.effects(node, machine.deliver(event.sender, wire.decode(event.payload)))
        elif kind == bus.VIEW:
            data = json.loads(body[1:])
            members = tuple(_member(m) for m in data["members"])
            for m in members:
                node.names[(m.nodeid, m.pid)] = m
            view = ViewChange(
                int(data["view"]), members, tuple(_member(m) for m in data["joined"]), tuple(_member(m) for m in data["left"])
            )
            self.effects(node, machine.view_change(view))
        elif kind == bus.QUORUM:
            data = json.loads(body[1:])
            self.effects(node, machine.quorum_change(QuorumChange(bool(data["quorate"]), tuple(data["nodes"]))))
        if nodeid in self.nodes:
            self.effects(node, machine.paced(len(node.inbox)))
        return True

    def drain(self) -> None:
        """Deliver everything; when nothing is left to deliver and writes wait for a time
        (held or corked), move the clock on to their deadline as the daemon's timer does."""
        while True:
            while any(self.step(n) for n in list(self.nodes)):
                pass
            waiting = [(d, k) for k, n in self.nodes.items() if (d := n.machine.send_deadline()) is not None]
            if not waiting:
                return
            deadline, k = min(waiting)
            self.now = max(self.now, deadline)
            node = self.nodes[k]
            self.effects(node, node.machine.paced(len(node.inbox)))
            assert node.machine.send_deadline() != deadline, "writes still wait past their deadline"

    def digests(self) -> set[str]:
        return {n.machine.digest() for n in self.nodes.values()}
