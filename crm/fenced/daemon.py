"""The fencer: a thin asyncio shell around :class:`crm.fenced.machine.FencerMachine`.

``python -m crm.fenced --run-dir DIR`` reads ``DIR/node.json``, joins the transport group
``stonith-ng``, follows the CIB (query, then a re-read whenever a change notification
touches the configuration), serves ``DIR/fenced.sock`` and runs fence agents.  It exits
non-zero when the transport goes away; ``pacerd`` restarts it.

Local API (JSON requests with ``op``; replies have ``rc``, 0 on success, ``error`` otherwise):

=============  ======================================================================
``fence``      ``target``, ``action`` (``reboot``, ``off``, ``on``), ``timeout``
               (seconds), ``origin`` (node or client), optional ``client`` (a name for
               the history) -> when done: ``{"rc": 0, "device", "executioner"}`` or
               ``{"rc": N, "error"}`` (105: no device can fence the target, 124: timeout)
``list``       optional ``target`` -> ``{"devices": [...]}``: the devices that can fence
               the target (asked of every fencer), or those registered on this node
``history``    optional ``target`` (``*`` or none: all) -> ``{"history": [entry, ...]}``,
               pending first, then newest first; an entry has ``id target action state
               (pending|done|failed) rc executioner device initiator origin client started
               completed error``
``confirm``    ``target``: declare it fenced (manual confirmation, an ``off`` done by
               "a human") -> ``{"rc": 0}``
``subscribe``  -> ``{"rc": 0}``, then ``{"event": "fenced", "target", "action", "rc",
               "executioner", "origin", "time", "device", "id", "initiator", "client",
               "error"}`` for every fencing completed anywhere in the cluster
``status``     membership, devices, levels, operations in flight
=============  ======================================================================
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
from typing import Any, cast

from lxml import etree

from crm.cib import patchset
from crm.cib.errors import CibError
from crm.cib.live import BASED_SOCKET, LiveCibSource
from crm.cib.version import CibVersion, CibVersionError
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
from crm.fenced.agents import listed_targets, run_agent, run_with_retries
from crm.fenced.devices import Device, FencingConfig, read_config
from crm.fenced.machine import (
    ArmTimer,
    CancelTimer,
    CheckDevices,
    FencerMachine,
    Log,
    Multicast,
    Notify,
    Output,
    Peer,
    Reply,
    RunAgent,
)
from crm.ipc.frames import FrameError, decode_json, encode_json, read_frame
from crm.ipc.server import Connection, JsonServer, error_reply

__all__ = ["FencerDaemon", "main"]

log = logging.getLogger("pacer.fenced")
GROUP = "stonith-ng"
LIST_CACHE_S = 60.0
CHECK_TIMEOUT_S = 20.0
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "notice": logging.INFO, "warning": logging.WARNING,
           "error": logging.ERROR}


def _peer(member: Member) -> Peer:
    return Peer(member.nodeid, member.name, member.pid)


class FencerDaemon:
    def __init__(self, config: NodeConfig, transport: Transport | None = None) -> None:
        self.config = config
        self.transport = transport if transport is not None else open_transport(config, GROUP)
        self.machine: FencerMachine | None = None
        self.cib = LiveCibSource(config.run_dir)
        self.server = JsonServer(config.socket("fenced"), self._handle, on_close=self._closed)
        self.subscribers: dict[int, Connection] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._sends: asyncio.Queue[bytes] = asyncio.Queue()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._failed: BaseException | None = None
        self._stop = asyncio.Event()
        self._reload = asyncio.Event()
        # the CIB as last read and brought forward by the changes since (None: to be read);
        # the changes that came while it was being read
        self._copy: etree._Element | None = None
        self._reading = False
        self._during: list[str] = []
        self._configured = asyncio.Event()
        self._list_cache: dict[tuple[object, ...], tuple[float, set[str]]] = {}
        self._signature: tuple[object, ...] | None = None

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
            elif isinstance(output, Notify):
                for conn in list(self.subscribers.values()):
                    conn.send_nowait(output.event)
            elif isinstance(output, ArmTimer):
                self._cancel(output.key)
                loop = asyncio.get_running_loop()
                self._timers[output.key] = loop.call_later(output.delay_s, self._fire, output.key)
            elif isinstance(output, CancelTimer):
                self._cancel(output.key)
            elif isinstance(output, CheckDevices):
                self._spawn(self._check(output))
            elif isinstance(output, RunAgent):
                self._spawn(self._run(output))
            elif isinstance(output, Log):
                log.log(_LEVELS.get(output.level, logging.INFO), "%s", output.text)

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
        self._perform(self.machine.timer_fired(key, time.time()))

    async def _check(self, check: CheckDevices) -> None:
        able: list[str] = []
        results = await asyncio.gather(
            *(self._can_fence(device, check.target) for device in check.devices), return_exceptions=True
        )
        for device, ok in zip(check.devices, results, strict=True):
            if ok is True:
                able.append(device.id)
            elif isinstance(ok, BaseException):
                log.error("checking %s for %s failed: %r", device.id, check.target, ok)
        if self.machine is not None:
            self._perform(self.machine.devices_checked(check.op_id, able))

    async def _can_fence(self, device: Device, target: str) -> bool:
        if device.host_check == "status":
            result = await run_agent(device, "status", target, CHECK_TIMEOUT_S)
            return result.rc in (0, 2)
        key = (device.id, device.agent, tuple(sorted(device.params.items())))
        cached = self._list_cache.get(key)
        now = time.monotonic()
        if cached is None or now - cached[0] > LIST_CACHE_S or not device.can_fence(target, cached[1]):
            result = await run_agent(device, "list", None, CHECK_TIMEOUT_S)
            if result.rc != 0:
                log.warning("%s (%s): 'list' failed (rc %d): %s", device.id, device.agent, result.rc, result.reason)
                self._list_cache.pop(key, None)
                return False
            cached = (now, listed_targets(result.stdout))
            self._list_cache[key] = cached
        return device.can_fence(target, cached[1])

    async def _run(self, run: RunAgent) -> None:
        log.info("running %s (%s) %s %s, timeout %gs", run.device.id, run.device.agent, run.action, run.target,
                 run.timeout_s)
        try:
            result = await run_with_retries(
                run.device, run.action, run.target, run.timeout_s, nodeid=run.nodeid, delay=run.delay
            )
        except Exception as err:  # the daemon must survive any agent failure
            log.exception("running %s failed", run.device.id)
            rc, error = 1, repr(err)
        else:
            rc = result.rc
            if result.timed_out:
                error = f"Fence agent did not complete within {run.timeout_s:g}s"
            elif rc != 0:
                error = result.reason or f"Fence agent exited with status {rc}"
            else:
                error = ""
            log.info("%s %s %s: rc %d%s", run.device.id, run.action, run.target, rc, f" ({error})" if error else "")
        if self.machine is not None:
            self._perform(self.machine.agent_done(run.op_id, run.step, run.device.id, rc, error, time.time()))

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

    # -- the CIB ------------------------------------------------------------------------
    async def _cib_follower(self) -> None:
        """Subscribe to the local CIB daemon's changes; reconnect when it goes away."""
        path = self.config.run_dir / BASED_SOCKET
        while True:
            try:
                reader, writer = await asyncio.open_unix_connection(str(path), limit=1 << 20)
            except OSError:
                await asyncio.sleep(0.5)
                continue
            try:
                writer.write(encode_json({"op": "subscribe", "id": 1}))
                await writer.drain()
                self._reload.set()  # read it once subscribed: no change is missed
                while True:
                    body = await read_frame(reader)
                    if body is None:
                        break
                    message = decode_json(body)
                    if message.get("event") == "diff":
                        self._follow(str(message.get("patch", "")))
            except (OSError, FrameError, ConnectionError) as err:
                log.info("lost the CIB daemon (%s); reconnecting", err)
            finally:
                writer.close()
            await asyncio.sleep(0.5)

    def _follow(self, text: str) -> None:
        """A change of the CIB: applied to our copy, as Pacemaker's fencer does, so the
        whole CIB is read only when a change cannot be (none read yet, or one missed)."""
        if self._copy is None:
            if self._reading:
                self._during.append(text)  # applied once the read is in
            else:
                self._reload.set()
            return
        if self._apply_change(text):
            if _touches_configuration(text):
                self._configure(self._copy)
        else:
            self._copy = None
            self._reload.set()

    def _apply_change(self, text: str) -> bool:
        """Bring our copy forward by one change; False when it cannot be (not at the
        change's source version, or unreadable).  A change our copy already has is
        skipped."""
        assert self._copy is not None
        try:
            patch = etree.fromstring(text.encode())
            source, target = patchset.patch_versions(patch)
            current = CibVersion.of(self._copy)
            if target <= current:
                return True
            if source != current:
                return False
            self._copy = patchset.apply(patch, self._copy)
        except (etree.XMLSyntaxError, patchset.PatchError, ValueError, CibVersionError):
            return False
        return True

    def _configure(self, root: etree._Element) -> None:
        config = read_config(root)
        signature = config.signature()
        if signature != self._signature:
            self._signature = signature
            self._describe(config)
            if self.machine is not None:
                self._perform(self.machine.set_config(config))
        self._configured.set()

    async def _cib_reader(self) -> None:
        while True:
            await self._reload.wait()
            self._reload.clear()
            self._copy = None
            self._reading = True
            self._during = []
            try:
                doc = await asyncio.to_thread(self.cib.read)
            except CibError as err:
                log.info("cannot read the CIB yet: %s", err)
                await asyncio.sleep(0.5)
                self._reload.set()
                continue
            except Exception:
                log.exception("reading the CIB failed")
                await asyncio.sleep(1.0)
                self._reload.set()
                continue
            finally:
                self._reading = False
            self._copy = doc.root
            during, self._during = self._during, []
            if not all(self._apply_change(text) for text in during):
                self._copy = None
                self._reload.set()
                continue
            self._configure(self._copy)

    def _describe(self, config: FencingConfig) -> None:
        here = [d.id for d in config.devices.values() if d.runnable_on(self.config.name)]
        log.info(
            "fencing configuration: %d device(s)%s, %d level(s)%s",
            len(config.devices), f" ({', '.join(here)} usable here)" if here else "", len(config.levels),
            "" if config.stonith_enabled else "; stonith-enabled=false",
        )

    # -- inputs -------------------------------------------------------------------------
    def _closed(self, conn: Connection) -> None:
        self.subscribers.pop(conn.id, None)

    async def _handle(self, conn: Connection, request: dict[str, Any]) -> dict[str, Any] | None:
        if self.machine is None:
            return error_reply(1, "the fencer is not ready yet", request)
        op = request.get("op")
        if op == "subscribe":
            self.subscribers[conn.id] = conn
            return {"rc": 0}
        if op == "status":
            machine = self.machine
            return {
                "rc": 0,
                "node": self.config.name,
                "members": [m.name for m in machine.members],
                "devices": sorted(machine.config.devices),
                "local_devices": sorted(d.id for d in machine.local_devices()),
                "levels": len(machine.config.levels),
                "stonith_enabled": machine.config.stonith_enabled,
                "operations": sorted(machine.ops),
            }
        if op in ("fence", "list"):
            # decisions need the devices: wait (briefly) for the first CIB read
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._configured.wait(), 10)
        self._perform(self.machine.client_request((conn.id, request.get("id")), request, time.time()))
        return None

    def _event(self, event: Delivery | ViewChange | QuorumChange) -> None:
        assert self.machine is not None
        if isinstance(event, Delivery):
            self._perform(self.machine.deliver(_peer(event.sender), event.payload, time.time()))
        elif isinstance(event, ViewChange):
            log.info("view %d: %s", event.view, ", ".join(f"{m.name}/{m.pid}" for m in event.members))
            self._perform(self.machine.view_change(
                event.view,
                [_peer(m) for m in event.members],
                [_peer(m) for m in event.joined],
                [_peer(m) for m in event.left],
                time.time(),
            ))

    async def _receiver(self) -> None:
        while True:
            try:
                event = await self.transport.next_event()
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
        self.machine = FencerMachine(Peer(self.config.nodeid, self.config.name, self.transport.local.pid))
        await self.server.start()
        log.info("fencer of %s (node %d) serving %s", self.config.name, self.config.nodeid, self.server.path)
        workers = [
            loop.create_task(self._receiver()),
            loop.create_task(self._sender()),
            loop.create_task(self._cib_follower()),
            loop.create_task(self._cib_reader()),
        ]
        try:
            await self._stop.wait()
        finally:
            for task in workers + list(self._tasks):
                task.cancel()
            for task in self._tasks:
                with contextlib.suppress(BaseException):
                    await task
            for handle in self._timers.values():
                handle.cancel()
            await self.server.close()
            with contextlib.suppress(Exception):
                await self.transport.close()
        if self._failed is not None:
            log.error("the cluster transport is gone (%s); exiting", self._failed)
            return 1
        return 0


def _touches_configuration(patch: str) -> bool:
    """Whether a v2 patchset may change what the fencer reads (the configuration)."""
    if "/cib/configuration" in patch:
        return True
    try:
        root = etree.fromstring(patch.encode())
    except etree.XMLSyntaxError:
        return True
    return any(change.get("path") in ("/cib", "") and change.get("operation") != "modify"
               for change in root.iter("change"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pacer-fenced", description="pacer's fencer.")
    parser.add_argument("--run-dir", required=True, type=Path, help="the node's run directory (node.json)")
    parser.add_argument("-V", "--verbose", action="count", default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose > 1 else logging.INFO,
        format="%(asctime)s pacer-fenced[%(process)d]: %(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        config = NodeConfig.load(args.run_dir)
    except NodeConfigError as err:
        log.error("%s", err)
        return 1
    try:
        daemon = FencerDaemon(config)
    except TransportError as err:
        log.error("%s", err)
        return 1
    return asyncio.run(daemon.run())
