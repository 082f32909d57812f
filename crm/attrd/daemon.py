"""The attribute daemon: a thin asyncio shell around :class:`crm.attrd.machine.AttrdMachine`.

``python -m crm.attrd --run-dir DIR`` reads ``DIR/node.json``, joins the transport group
``attrd``, serves ``DIR/attrd.sock`` (JSON requests, :mod:`crm.ipc`) and writes the status
section through the local CIB daemon.  It exits non-zero when the transport goes away;
``pacerd`` restarts it.

Local API (``op``; every reply has ``rc``, 0 on success, and ``error`` otherwise):

================  ==================================================================
``update``        ``name``, ``value``, optional ``node`` (default: this node),
                  ``dampen`` (``5s``, ``500ms``, seconds as a number; used when the
                  attribute is created), ``set``, ``private``, ``utilization``
``update-both``   the same, and ``dampen`` (required) changes the attribute's dampening
``update-delay``  ``name``, ``dampen``: change the dampening only
``delete``        ``name``, optional ``node``: remove the value (the CIB pair goes too)
``query``         ``name``, ``node`` or ``all: true`` -> ``{"values": [{"node", "value"}]}``
``refresh``       the writer rewrites every value to the CIB
``flush``         the writer writes dampened values now
``status``        membership, writer, table
================  ==================================================================

Replies to updates come once the update is delivered back to this node (and so applied to
its table).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path
from typing import Any, cast

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
from crm.cib.document import CibDocument
from crm.cib.errors import CibError
from crm.cib.live import LiveCibSource
from crm.cluster.factory import open_transport
from crm.cluster.node import NodeConfig, NodeConfigError
from crm.cluster.transport import (
    Delivery,
    Member,
    QuorumChange,
    Transport,
    TransportClosed,
    TransportError,
    ViewChange,
)
from crm.ipc.server import Connection, JsonServer

__all__ = ["AttrdDaemon", "main"]

log = logging.getLogger("pacer.attrd")
GROUP = "attrd"


def _peer(member: Member) -> Peer:
    return Peer(member.nodeid, member.name, member.pid)


class AttrdDaemon:
    def __init__(self, config: NodeConfig, transport: Transport | None = None) -> None:
        self.config = config
        self.transport = transport if transport is not None else open_transport(config, GROUP)
        self.machine: AttrdMachine | None = None
        self.cib = LiveCibSource(config.run_dir)
        self.server = JsonServer(config.socket("attrd"), self._handle)
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._sends: asyncio.Queue[bytes] = asyncio.Queue()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._failed: BaseException | None = None
        self._stop = asyncio.Event()

    # -- outputs ------------------------------------------------------------------------
    def _perform(self, outputs: list[Output]) -> None:
        for output in outputs:
            if isinstance(output, Multicast):
                self._sends.put_nowait(output.payload)
            elif isinstance(output, Reply):
                conn_id, request_id = cast(tuple[int, Any], output.client)
                conn = self.server.connections.get(conn_id)
                if conn is not None:
                    message = dict(output.message)
                    if request_id is not None:
                        message["id"] = request_id
                    conn.send_nowait(message)
            elif isinstance(output, ArmTimer):
                self._cancel(output.key)
                loop = asyncio.get_running_loop()
                self._timers[output.key] = loop.call_later(output.delay_ms / 1000, self._fire, output.key)
            elif isinstance(output, CancelTimer):
                self._cancel(output.key)
            elif isinstance(output, WriteCib):
                self._spawn(self._write(output))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _cancel(self, key: str) -> None:
        handle = self._timers.pop(key, None)
        if handle is not None:
            handle.cancel()

    def _fire(self, key: str) -> None:
        self._timers.pop(key, None)
        assert self.machine is not None
        self._perform(self.machine.timer_fired(key))

    async def _write(self, batch: WriteCib) -> None:
        def change(doc: CibDocument) -> None:
            report = apply_write(doc.root, batch)
            for skipped in report.skipped or ():
                log.warning("not written: %s", skipped)

        try:
            await asyncio.to_thread(self.cib.modify, change, validate=False)
        except CibError as err:
            result = self.machine.write_done(batch.id, False, str(err)) if self.machine else []
        except Exception as err:  # the daemon must survive any write failure
            log.exception("CIB write %d failed", batch.id)
            result = self.machine.write_done(batch.id, False, repr(err)) if self.machine else []
        else:
            log.info("wrote %d value(s), %d purge(s) to the CIB", len(batch.items), len(batch.purges))
            result = self.machine.write_done(batch.id, True) if self.machine else []
        self._perform(result)

    async def _sender(self) -> None:
        while True:
            payload = await self._sends.get()
            try:
                await self.transport.send(payload)
            except TransportClosed as err:
                self._fail(err)
                return
            except TransportError as err:
                log.error("could not multicast %d bytes: %s", len(payload), err)

    def _fail(self, err: BaseException) -> None:
        if self._failed is None:
            self._failed = err
        self._stop.set()

    # -- inputs -------------------------------------------------------------------------
    async def _handle(self, conn: Connection, request: dict[str, Any]) -> dict[str, Any] | None:
        if self.machine is None:
            return {"rc": 1, "error": "attrd is not ready yet"}
        self._perform(self.machine.client_request((conn.id, request.get("id")), request))
        return None

    def _event(self, event: Delivery | ViewChange | QuorumChange) -> None:
        assert self.machine is not None
        if isinstance(event, Delivery):
            self._perform(self.machine.deliver(_peer(event.sender), event.payload))
        elif isinstance(event, ViewChange):
            log.info("view %d: %s", event.view, ", ".join(f"{m.name}/{m.pid}" for m in event.members))
            self._perform(self.machine.view_change(
                event.view,
                [_peer(m) for m in event.members],
                [_peer(m) for m in event.joined],
                [_peer(m) for m in event.left],
            ))

    async def _receiver(self) -> None:
        while True:
            try:
                event = await self.transport.next_event()
            except TransportClosed as err:
                self._fail(err)
                return
            except TransportError as err:
                self._fail(err)
                return
            try:
                self._event(event)
            except Exception:  # never crash on a message
                log.exception("failed to handle %s", type(event).__name__)

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._stop.set)
        try:
            await self.transport.join()
        except TransportError as err:
            log.error("cannot join the cluster: %s", err)
            return 1
        self.machine = AttrdMachine(Peer(self.config.nodeid, self.config.name, self.transport.local.pid))
        await self.server.start()
        log.info("attrd of %s (node %d) serving %s", self.config.name, self.config.nodeid, self.server.path)
        workers = [loop.create_task(self._receiver()), loop.create_task(self._sender())]
        try:
            await self._stop.wait()
        finally:
            for task in workers:
                task.cancel()
            for handle in self._timers.values():
                handle.cancel()
            await self.server.close()
            with contextlib.suppress(Exception):
                await self.transport.close()
        if self._failed is not None:
            log.error("the cluster transport is gone (%s); exiting", self._failed)
            return 1
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pacer-attrd", description="pacer's node attribute daemon.")
    parser.add_argument("--run-dir", required=True, type=Path, help="the node's run directory (node.json)")
    parser.add_argument("-V", "--verbose", action="count", default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose > 1 else logging.INFO,
        format="%(asctime)s pacer-attrd[%(process)d]: %(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        config = NodeConfig.load(args.run_dir)
    except NodeConfigError as err:
        log.error("%s", err)
        return 1
    try:
        daemon = AttrdDaemon(config)
    except TransportError as err:
        log.error("%s", err)
        return 1
    return asyncio.run(daemon.run())
