"""The CIB daemon's asyncio shell: the transport group ``cib``, the local socket
(``RUN_DIR/based.sock``, protocol in :mod:`crm.cib.live`), the disk copy, and the
:class:`~crm.based.machine.Machine` in between.

``python -m crm.based --run-dir DIR`` (``pacerd`` starts it).  It exits 1 when the
transport goes away (its launcher restarts it) and 0 on SIGTERM, after the last
configuration change is on disk.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
import time
from pathlib import Path
from typing import Any

from lxml import etree

from crm.based.machine import Changed, Effect, Log, Machine, Multicast, Persist, Reply, Synced
from crm.cib import patchset
from crm.cib.document import CibDocument
from crm.cib.errors import CorruptCib
from crm.cib.store import CibStore
from crm.cib.touched import Touched
from crm.cluster import wire
from crm.cluster.factory import open_transport
from crm.cluster.node import NodeConfig, NodeConfigError
from crm.cluster.transport import (
    Delivery,
    QuorumChange,
    Transport,
    TransportClosed,
    TransportError,
    ViewChange,
)
from crm.ipc.server import RC_INVALID, Connection, JsonServer, error_reply

__all__ = ["CibDaemon", "load_initial", "main"]

log = logging.getLogger("pacer.based")

# Subscribers get one diff for several changes when changes come faster than this: at most
# one diff per ANNOUNCE_INTERVAL seconds (a change after a quiet interval is announced at
# once), and a burst of deliveries already queued is announced as one diff when it is
# drained, or ANNOUNCE_WITHIN seconds after its first change.  Diffing the whole CIB costs
# several times more than applying a write, so a replica that fell behind the stream can
# only catch up if it does not diff once per write.
ANNOUNCE_INTERVAL = 0.03
ANNOUNCE_WITHIN = 0.1
# The disk copy is written at most once per PERSIST_INTERVAL seconds, the newest CIB then
# (a write is acknowledged once every replica has it in memory, as Pacemaker's is before its
# disk write: under a stream of changes a copy that is stale at once is not written each time).
PERSIST_INTERVAL = 0.5
_LEVELS = {"info": logging.INFO, "notice": logging.WARNING, "warning": logging.WARNING, "error": logging.ERROR}


def _without_status(doc: CibDocument) -> CibDocument:
    copy = doc.copy()
    status = copy.root.find("status")
    if status is not None:
        for child in list(status):
            status.remove(child)
    return copy


def load_initial(store: CibStore) -> tuple[CibDocument, CibDocument | None]:
    """The CIB to start from (status discarded) and, when the disk copy is corrupt, the
    newest good backup to fall back on if no peer has a copy."""
    if not store.exists():
        log.info("no CIB on disk in %s: starting from an empty one", store.directory)
        return _empty(), None
    try:
        return _without_status(store.load()), None
    except CorruptCib as err:
        log.error("the CIB on disk is corrupt (%s): restoring it from the peers", err.detail or err)
        backup = store.newest_good_backup()
        fallback = _without_status(store.load_backup(backup)) if backup is not None else None
        return _empty(), fallback


def _empty() -> CibDocument:
    doc = CibDocument.empty(epoch=0)
    doc.ensure_section("status")
    return doc


class CibDaemon:
    def __init__(self, config: NodeConfig, transport: Transport, store: CibStore) -> None:
        self.config = config
        self.transport = transport
        self.store = store
        doc, fallback = load_initial(store)
        self.machine = Machine(local=transport.local, doc=doc, fallback=fallback)
        self.server = JsonServer(config.socket("based"), self.handle, on_close=self._closed)
        self.subscribers: dict[int, Connection] = {}
        self.ready = asyncio.Event()
        self._to_persist: CibDocument | None = None
        self._persist_wanted = asyncio.Event()
        self._persist_idle = asyncio.Event()
        self._persist_idle.set()
        # changes not yet announced to subscribers: the CIB before the first of them, after
        # the last, when the first came, and where they touched it (one diff covers a
        # burst: see events())
        self._unannounced: tuple[etree._Element, etree._Element, float, Touched | None] | None = None
        self._announced_at = 0.0
        self._announce_timer: asyncio.TimerHandle | None = None
        self._query_text: tuple[CibDocument, str] | None = None
        self._send_timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # ---------------------------------------------------------------- effects
    async def execute(self, effects: list[Effect]) -> None:
        for effect in effects:
            if isinstance(effect, Multicast):
                try:
                    await self.transport.send(wire.encode(effect.message))
                except TransportClosed:
                    raise
                except TransportError as err:
                    log.error("could not multicast a %s message: %s", effect.message.get("t"), err)
                    entries = effect.message.get("writes") or [effect.message]
                    for entry in entries:
                        client = entry.get("client")
                        if client is not None:
                            self._reply((int(client[0]), int(client[1])), error_reply(1, f"could not send the update: {err}"))
                    await self.execute(self.machine.unsent(effect.message))
            elif isinstance(effect, Reply):
                self._reply(effect.client, effect.reply)
            elif isinstance(effect, Persist):
                self._to_persist = effect.document
                self._persist_idle.clear()
                self._persist_wanted.set()
            elif isinstance(effect, Changed):
                if self.subscribers:
                    first = self._unannounced
                    if first is None:
                        touched = None
                        if effect.touched is not None:
                            touched = Touched()
                            touched.update(effect.touched)
                        self._unannounced = (effect.before, effect.after, time.monotonic(), touched)
                    else:
                        touched = first[3]
                        if touched is not None:
                            if effect.touched is None:
                                touched = None
                            else:
                                touched.update(effect.touched)
                        self._unannounced = (first[0], effect.after, first[2], touched)
            elif isinstance(effect, Synced):
                self.announce()  # the changes before the end of the round come first
                for conn in list(self.subscribers.values()):
                    conn.send_nowait({"event": "synced", "tag": effect.tag})
            elif isinstance(effect, Log):
                log.log(_LEVELS.get(effect.level, logging.INFO), "%s", effect.text)

    def _reply(self, client: tuple[int, int], reply: dict[str, Any]) -> None:
        conn = self.server.connections.get(client[0])
        if conn is None:
            return  # the client went away; the write happened all the same
        conn.send_nowait(dict(reply, id=client[1]))

    def announce(self) -> None:
        """Send subscribers one diff for the changes not announced yet."""
        if self._announce_timer is not None:
            self._announce_timer.cancel()
            self._announce_timer = None
        pending, self._unannounced = self._unannounced, None
        if pending is not None:
            self._announced_at = time.monotonic()
            self._notify(pending[0], pending[1], pending[3])

    def _announce_soon(self) -> None:
        """Announce now, or arm the timer that will (see ANNOUNCE_INTERVAL)."""
        unannounced = self._unannounced
        if unannounced is None:
            return
        now = time.monotonic()
        due = self._announced_at + ANNOUNCE_INTERVAL
        if self.transport.pending():
            due = max(due, unannounced[2] + ANNOUNCE_WITHIN)  # more of the burst is queued
        if due <= now:
            self.announce()
        elif self._announce_timer is None or self._announce_timer.when() > asyncio.get_running_loop().time() + (due - now):
            if self._announce_timer is not None:
                self._announce_timer.cancel()
            self._announce_timer = asyncio.get_running_loop().call_later(due - now, self.announce)

    def _notify(self, before: etree._Element, after: etree._Element, touched: Touched | None = None) -> None:
        if not self.subscribers:
            return
        try:
            text = etree.tostring(patchset.diff(before, after, touched=touched), encoding="unicode")
        except patchset.PatchError as err:
            log.warning("no change notification: %s", err)
            return
        for conn in list(self.subscribers.values()):
            conn.send_nowait({"event": "diff", "patch": text})

    async def persister(self) -> None:
        last = -PERSIST_INTERVAL
        while True:
            await self._persist_wanted.wait()
            await asyncio.sleep(max(0.0, last + PERSIST_INTERVAL - time.monotonic()))
            self._persist_wanted.clear()
            doc, self._to_persist = self._to_persist, None
            if doc is not None:
                last = time.monotonic()
                try:
                    await asyncio.to_thread(self.store.save, _without_status(doc))
                except OSError as err:
                    log.error("could not write the CIB to %s: %s", self.store.directory, err)
            if self._to_persist is None:
                self._persist_idle.set()

    # ---------------------------------------------------------------- clients
    def _closed(self, conn: Connection) -> None:
        self.subscribers.pop(conn.id, None)

    async def handle(self, conn: Connection, request: dict[str, Any]) -> dict[str, Any] | None:
        op = request.get("op")
        ident = request.get("id", 0)
        if not isinstance(ident, int):
            return error_reply(RC_INVALID, "request id must be an integer", request)
        await self.ready.wait()
        machine = self.machine
        if op == "query":
            return {"rc": 0, "cib": self._text_of(machine.doc)}
        if op == "ping":
            return {"rc": 0, "version": str(machine.version()), "digest": machine.digest(),
                    "round": machine.synced_tag, "in_sync": machine.in_sync and machine.awaiting is None,
                    "settled": machine.round is None and machine.outstanding is None and machine.awaiting is None,
                    "members": [m.name for m in machine.members]}
        if op == "membership":
            return machine.membership(self.transport.quorate)
        if op == "patch":
            machine.backlog = self.transport.pending()
            await self.execute(machine.client_write((conn.id, ident), request))
            self._arm_send_timer()
            return None
        if op == "sync":
            await self.execute(machine.client_sync((conn.id, ident)))
            return None
        if op == "subscribe":
            self.subscribers[conn.id] = conn
            return {"rc": 0}
        return error_reply(RC_INVALID, f"unknown operation {op!r}", request)

    def _arm_send_timer(self) -> None:
        """Writes held for a member behind the stream, or corked, go at the latest at
        their deadline (see the machine's "Pacing" and "Corking")."""
        deadline = self.machine.send_deadline()
        if deadline is None:
            return
        delay = max(0.0, deadline - self.machine.clock())
        loop = asyncio.get_running_loop()
        timer = self._send_timer
        if timer is not None:
            if timer.when() <= loop.time() + delay:
                return
            timer.cancel()
        self._send_timer = loop.call_later(delay, self._send_due)

    def _send_due(self) -> None:
        self._send_timer = None
        task = asyncio.get_running_loop().create_task(self._release_held())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _release_held(self) -> None:
        try:
            await self.execute(self.machine.paced(self.transport.pending()))
        except TransportError as err:  # the event loop's next read reports a dead transport
            log.warning("could not send held writes: %s", err)
        self._arm_send_timer()

    def _text_of(self, doc: CibDocument) -> str:
        """The CIB as text for queries, made once per version: subscribers read the CIB
        again after a change, and writing it out is the costliest part of a query (the
        machine never changes a document it adopted: it replaces it)."""
        cached = self._query_text
        if cached is None or cached[0] is not doc:
            cached = self._query_text = (doc, doc.to_text())
        return cached[1]

    # ---------------------------------------------------------------- transport
    async def events(self) -> None:
        while True:
            event = await self.transport.next_event()
            self.machine.backlog = self.transport.pending()
            if isinstance(event, Delivery):
                try:
                    message = wire.decode(event.payload)
                except wire.WireError as err:
                    log.warning("ignoring a message from %s: %s", event.sender, err)
                    continue
                effects = self.machine.deliver(event.sender, message)
            elif isinstance(event, ViewChange):
                log.info(
                    "membership view %d: %s%s%s",
                    event.view,
                    " ".join(event.names()),
                    f" (joined: {' '.join(m.name for m in event.joined)})" if event.joined else "",
                    f" (left: {' '.join(m.name for m in event.left)})" if event.left else "",
                )
                effects = self.machine.view_change(event)
            elif isinstance(event, QuorumChange):
                effects = self.machine.quorum_change(event)
            else:
                continue
            await self.execute(effects)
            await self.execute(self.machine.paced(self.transport.pending()))
            self._arm_send_timer()
            if self.machine.in_sync and not self.ready.is_set():
                log.info("CIB in sync (version %s): serving clients on %s", self.machine.version(), self.server.path)
                self.ready.set()
            self._announce_soon()
            # Let the loop run between two events: a backlog of deliveries (a replica that
            # fell behind, Corosync handing over everything it queued meanwhile) must not
            # keep the local clients' requests unread and the transport undispatched until
            # it is drained (asyncio's Queue.get and StreamReader return at once while
            # something is buffered, so without this the loop stalls for the whole backlog).
            await asyncio.sleep(0)

    async def run(self) -> int:
        await self.server.start()
        persister = asyncio.create_task(self.persister())
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        events = asyncio.create_task(self.events())
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({events, stopper}, return_when=asyncio.FIRST_COMPLETED)
        code = 0
        if events in done:
            err = events.exception()
            log.error("lost the cluster transport: %s", err)
            code = 1
        # the last configuration change goes to disk before we leave
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._persist_idle.wait(), 30)
        for task in (events, stopper, persister):
            task.cancel()
        await self.server.close()
        await self.transport.close()
        return code


async def _main(config: NodeConfig) -> int:
    transport = open_transport(config, "cib")
    try:
        await transport.join()
    except TransportError as err:
        log.error("cannot join the cluster: %s", err)
        return 1
    config.cib_dir.mkdir(parents=True, exist_ok=True)
    daemon = CibDaemon(config, transport, CibStore(config.cib_dir))
    return await daemon.run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pacer-based", description="pacer's CIB daemon (one per node)")
    parser.add_argument("--run-dir", type=Path, default=None, help="the node's run directory (node.json, sockets)")
    args = parser.parse_args(argv)
    from crm.cluster.node import run_dir_from_environment

    run_dir = args.run_dir or run_dir_from_environment()
    try:
        config = NodeConfig.load(run_dir)
    except NodeConfigError as err:
        print(f"pacer-based: {err}", file=sys.stderr)
        return 6
    logging.basicConfig(
        level=logging.INFO,
        format=f"%(asctime)s {config.name} pacer-based[%(process)d]: %(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    return asyncio.run(_main(config))
