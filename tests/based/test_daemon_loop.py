"""The CIB daemon's event handling in one process, on an in-memory transport: a backlog of
deliveries does not keep the event loop from running, and subscribers get one diff per
burst of changes (each diff continuing the previous one) but an isolated change at once."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sim import properties, set_property

from crm.based import daemon as based
from crm.based.daemon import CibDaemon
from crm.cib import patchset
from crm.cib.document import CibDocument, same_xml
from crm.cib.store import CibStore
from crm.cib.version import CibVersion
from crm.cluster import wire
from crm.cluster.node import NodeConfig
from crm.cluster.transport import Delivery, Event, Member, Transport, ViewChange

LOCAL = Member(1, "node1", 4242)


class QueueTransport(Transport):
    """A one-member group: what is sent is delivered back, after what is already queued."""

    def __init__(self) -> None:
        self.local = LOCAL
        self.queue: asyncio.Queue[Event] = asyncio.Queue()

    async def join(self) -> None:
        self.queue.put_nowait(ViewChange(1, (LOCAL,), (LOCAL,), ()))

    async def send(self, payload: bytes) -> None:
        self.queue.put_nowait(Delivery(LOCAL, payload))

    async def next_event(self) -> Event:
        return await self.queue.get()

    def pending(self) -> int:
        return self.queue.qsize()

    def max_message_size(self) -> int:
        return 1 << 20

    async def close(self) -> None:
        pass


class Subscriber:
    """Stands for a subscribed connection: keeps what the daemon sends it."""

    def __init__(self) -> None:
        self.id = 999
        self.events: list[dict[str, Any]] = []

    def send_nowait(self, message: dict[str, Any]) -> None:
        self.events.append(message)

    def diffs(self) -> list[etree._Element]:
        return [etree.fromstring(e["patch"].encode()) for e in self.events if e.get("event") == "diff"]


async def _started(tmp_path: Path) -> tuple[CibDaemon, QueueTransport, asyncio.Task[None]]:
    config = NodeConfig(name="node1", nodeid=1, run_dir=tmp_path / "run", state_dir=tmp_path / "state")
    transport = QueueTransport()
    await transport.join()
    daemon = CibDaemon(config, transport, CibStore(tmp_path / "cib"))
    task = asyncio.create_task(daemon.events())
    await asyncio.wait_for(daemon.ready.wait(), 10)
    await _drained(transport)
    return daemon, transport, task


async def _drained(transport: QueueTransport) -> None:
    while transport.queue.qsize():
        await asyncio.sleep(0.001)
    await asyncio.sleep(0.01)


def _writes(daemon: CibDaemon, count: int) -> list[bytes]:
    """``count`` write messages as the bench's writers send them: one patch made once,
    only the value changed."""
    before = daemon.machine.doc
    after = before.copy()
    set_property(after, "counter", "@@VALUE@@")
    template = etree.tostring(patchset.diff(before.root, after.root), encoding="unicode")
    return [
        wire.encode({"t": "write", "patch": template.replace("@@VALUE@@", str(i)), "config": True, "time": 0})
        for i in range(1, count + 1)
    ]


def _first_write(daemon: CibDaemon) -> None:
    """Make the property exist, so that later patches only change its value."""
    doc = daemon.machine.doc.copy()
    set_property(doc, "counter", "0")
    daemon.machine.doc = CibDocument(doc.root)


def test_a_backlog_of_deliveries_lets_the_loop_run_between_them(tmp_path: Path) -> None:
    async def scenario() -> tuple[int, int, dict[str, str]]:
        daemon, transport, task = await _started(tmp_path)
        _first_write(daemon)
        messages = _writes(daemon, 300)
        for payload in messages:
            transport.queue.put_nowait(Delivery(LOCAL, payload))
        turns = 0
        while transport.queue.qsize():  # another task of the loop: it must get turns meanwhile
            turns += 1
            await asyncio.sleep(0)
        await _drained(transport)
        task.cancel()
        return turns, len(messages), properties(daemon.machine.doc)

    turns, count, final = asyncio.run(scenario())
    assert final["counter"] == str(count)
    # one turn per delivery (or close to it); without yielding the loop had none until drained
    assert turns >= count // 2


def test_a_burst_of_changes_is_announced_as_one_chain_of_diffs(tmp_path: Path) -> None:
    async def scenario() -> tuple[CibDocument, CibDocument, Subscriber]:
        daemon, transport, task = await _started(tmp_path)
        _first_write(daemon)
        subscriber = Subscriber()
        daemon.subscribers[subscriber.id] = subscriber  # type: ignore[assignment]
        start = daemon.machine.doc
        for payload in _writes(daemon, 200):
            transport.queue.put_nowait(Delivery(LOCAL, payload))
        await _drained(transport)
        await asyncio.sleep(based.ANNOUNCE_WITHIN + based.ANNOUNCE_INTERVAL + 0.05)
        task.cancel()
        return start, daemon.machine.doc, subscriber

    start, end, subscriber = asyncio.run(scenario())
    diffs = subscriber.diffs()
    assert 1 <= len(diffs) < 50, f"{len(diffs)} diffs for 200 writes queued together"
    versions = [patchset.patch_versions(d) for d in diffs]
    assert versions[0][0] == start.version and versions[-1][1] == end.version
    for (_, target), (source, _) in itertools.pairwise(versions):
        assert target == source  # no change left out between two diffs
    # the diffs together turn the first CIB into the last one
    root = start.root
    for d in diffs:
        root = patchset.apply(d, root)
    assert properties(CibDocument(root)) == properties(end) == {"counter": "200"}
    assert CibVersion.of(root) == end.version


def test_a_change_after_a_quiet_interval_is_announced_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(based, "ANNOUNCE_INTERVAL", 0.5)

    async def scenario() -> tuple[int, int, int]:
        daemon, transport, task = await _started(tmp_path)
        _first_write(daemon)
        subscriber = Subscriber()
        daemon.subscribers[subscriber.id] = subscriber  # type: ignore[assignment]
        await asyncio.sleep(0.6)  # nothing announced lately
        first, second = _writes(daemon, 2)
        transport.queue.put_nowait(Delivery(LOCAL, first))
        await _drained(transport)
        at_once = len(subscriber.diffs())  # with the delivery, not on a timer
        transport.queue.put_nowait(Delivery(LOCAL, second))
        await _drained(transport)
        held = len(subscriber.diffs())  # within the interval: held back
        await asyncio.sleep(0.6)
        task.cancel()
        return at_once, held, len(subscriber.diffs())

    assert asyncio.run(scenario()) == (1, 1, 2)


def _mixed_writes(doc: CibDocument, count: int) -> list[bytes]:
    """``count`` writes of several kinds made against ``doc`` (as writers that read it at
    the same time): create, change and delete configuration elements, change the status."""
    messages = []
    for i in range(count):
        work = doc.copy()
        kind = i % 4
        if kind == 0:
            resources = work.ensure_section("resources")
            etree.SubElement(resources, "primitive", id=f"r{i}", **{"class": "ocf", "provider": "pacer", "type": "Dummy"})
        elif kind == 1:
            set_property(work, f"p{i % 8}", str(i))
        elif kind == 2:
            state = work.root.find("status/node_state")
            assert state is not None
            state.set("crm-debug-origin", f"w{i}")
            etree.SubElement(state, "transient_attributes", id=f"t{i}")
        else:
            props = work.root.find("configuration/crm_config/cluster_property_set")
            if props is not None and len(props):
                props.remove(props[0])
            else:
                set_property(work, "gone", str(i))
        patch = etree.tostring(patchset.diff(doc.root, work.root), encoding="unicode")
        messages.append(wire.encode({"t": "write", "patch": patch, "validate": False, "time": 0}))
    return messages


def test_the_diffs_announced_for_a_burst_of_mixed_writes_make_exactly_the_new_cib(tmp_path: Path) -> None:
    """The daemon diffs only where the writes touched the CIB: the announced diffs applied
    one after the other to the first CIB give the last one, element for element."""

    async def scenario() -> tuple[CibDocument, CibDocument, Subscriber]:
        daemon, transport, task = await _started(tmp_path)
        _first_write(daemon)
        subscriber = Subscriber()
        daemon.subscribers[subscriber.id] = subscriber  # type: ignore[assignment]
        start = daemon.machine.doc
        for payload in _mixed_writes(start, 60):
            transport.queue.put_nowait(Delivery(LOCAL, payload))
        await _drained(transport)
        await asyncio.sleep(based.ANNOUNCE_WITHIN + based.ANNOUNCE_INTERVAL + 0.05)
        task.cancel()
        return start, daemon.machine.doc, subscriber

    start, end, subscriber = asyncio.run(scenario())
    diffs = subscriber.diffs()
    assert diffs and end.version > start.version
    root = start.root
    for d in diffs:
        root = patchset.apply(d, root)
    assert same_xml(root, end.root, ordered=True)
    assert etree.tostring(root) == etree.tostring(end.root)
    assert len(end.root.findall("configuration/resources/primitive")) == 15
