"""The Corosync transport: a CPG group for messages and views, the quorum service for
quorum, cmap for node names, all through :mod:`pycorosync` on the asyncio loop.

View identifiers: a CPG configuration change carries no ring id, so the view number is a
digest of the member list (node id and pid of every member), the same on every member.
(The CIB daemon's sync rounds also number themselves within a view, so a member list that
comes back after a partition heals cannot be confused with the earlier one.)
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from typing import Any

from crm.cluster.transport import (
    Delivery,
    Event,
    Member,
    QuorumChange,
    Transport,
    TransportClosed,
    TransportError,
    ViewChange,
)

__all__ = ["CorosyncTransport", "node_names"]

log = logging.getLogger("pacer.corosync")

# libcpg fragments messages above the atomic size (about 1 MiB); this is our own limit
MAX_MESSAGE = 64 * 1024 * 1024


def node_names() -> dict[int, str]:
    """Node id -> name from Corosync's node list (``name``, else ``ring0_addr``)."""
    import pycorosync

    names: dict[int, str] = {}
    with pycorosync.Cmap() as cmap:
        entries: dict[str, dict[str, Any]] = {}
        for key, value in cmap.items("nodelist.node."):
            parts = key.split(".")
            if len(parts) == 4:
                entries.setdefault(parts[2], {})[parts[3]] = value
        for entry in entries.values():
            if "nodeid" in entry:
                names[int(entry["nodeid"])] = str(entry.get("name") or entry.get("ring0_addr") or f"node{entry['nodeid']}")
    return names


def view_id(members: tuple[Member, ...]) -> int:
    text = ",".join(f"{m.nodeid}:{m.pid}" for m in members)
    return int.from_bytes(hashlib.sha1(text.encode()).digest()[:6], "big")


class CorosyncTransport(Transport):
    def __init__(self, group: str, nodeid: int = 0, name: str = "") -> None:
        self.group = group
        self.local = Member(nodeid, name, os.getpid())
        self.quorate = False
        self._queue: asyncio.Queue[Event | BaseException] = asyncio.Queue()
        self._names: dict[int, str] = {}
        self._cpg: Any = None
        self._quorum: Any = None
        self._members: tuple[Member, ...] = ()
        self._closed = False
        self._viewed = False  # quorum events wait for the first view (the contract's first event)
        self._held: QuorumChange | None = None

    def _name(self, nodeid: int) -> str:
        if nodeid not in self._names:
            try:
                self._names.update(node_names())
            except Exception as err:  # corosync gone: the CPG handle reports it
                log.debug("cannot read the node list: %s", err)
        return self._names.get(nodeid, f"node{nodeid}")

    def _member(self, nodeid: int, pid: int) -> Member:
        return Member(nodeid, self._name(nodeid), pid)

    # pycorosync callbacks (they run inside dispatch, on the loop)
    def _on_deliver(self, event: Any) -> None:
        self._queue.put_nowait(Delivery(self._member(event.nodeid, event.pid), bytes(event.data)))

    def _on_confchg(self, event: Any) -> None:
        members = tuple(sorted(self._member(a.nodeid, a.pid) for a in event.members))
        self._members = members
        self._queue.put_nowait(
            ViewChange(
                view_id(members),
                members,
                tuple(sorted(self._member(a.nodeid, a.pid) for a in event.joined)),
                tuple(sorted(self._member(a.nodeid, a.pid) for a in event.left)),
            )
        )
        if not self._viewed:
            self._viewed = True
            if self._held is not None:
                self._queue.put_nowait(self._held)
                self._held = None

    def _on_quorum(self, event: Any) -> None:
        self.quorate = bool(event.quorate)
        change = QuorumChange(self.quorate, tuple(sorted(int(n) for n in event.members)))
        if self._viewed:
            self._queue.put_nowait(change)
        else:
            self._held = change

    def _on_error(self, exc: BaseException) -> None:
        self._queue.put_nowait(exc)

    async def join(self) -> None:
        try:
            import pycorosync
        except ImportError as err:  # pragma: no cover - the package ships with pacer
            raise TransportClosed(f"pycorosync is not available: {err}") from None
        try:
            self._cpg = pycorosync.Cpg(on_deliver=self._on_deliver, on_confchg=self._on_confchg, initial_totem_conf=False)
            local = self._cpg.local_get()
            if self.local.nodeid and local != self.local.nodeid:
                raise TransportError(f"corosync says this is node {local}, the configuration says {self.local.nodeid}")
            self._names.update(node_names())
            self.local = Member(local, self.local.name or self._name(local), os.getpid())
            self._names[local] = self.local.name
            self._quorum = pycorosync.Quorum(on_quorum=self._on_quorum)
            self._quorum.trackstart(pycorosync.Track.CHANGES | pycorosync.Track.CURRENT)
            await self._quorum.attach(on_error=self._on_error)
            await self._cpg.attach(on_error=self._on_error)
            self._cpg.join(self.group)
        except (pycorosync.CorosyncError, pycorosync.CorosyncUnavailable) as err:
            await self.close()
            raise TransportClosed(f"cannot use corosync: {err} (is corosync running?)") from None

    async def send(self, payload: bytes) -> None:
        import pycorosync

        if self._cpg is None or self._closed:
            raise TransportClosed("not connected to corosync")
        if len(payload) > MAX_MESSAGE:
            raise TransportError(f"message of {len(payload)} bytes exceeds the maximum of {MAX_MESSAGE}")
        delay = 0.001
        while True:
            try:
                self._cpg.mcast_joined(payload, retry=False)
                return
            except pycorosync.TryAgain:
                await asyncio.sleep(delay)  # flow control: back off without blocking the loop
                delay = min(delay * 2, 0.1)
            except pycorosync.CorosyncError as err:
                if isinstance(err, pycorosync.LibraryError):
                    raise TransportClosed(f"corosync went away: {err}") from None
                raise TransportError(f"cannot send: {err}") from None

    async def next_event(self) -> Event:
        item = await self._queue.get()
        if isinstance(item, BaseException):
            self._closed = True
            raise TransportClosed(f"corosync went away: {item}")
        return item

    def pending(self) -> int:
        return self._queue.qsize()

    def max_message_size(self) -> int:
        return MAX_MESSAGE

    async def close(self) -> None:
        self._closed = True
        for handle in (self._cpg, self._quorum):
            if handle is None:
                continue
            try:
                await handle.detach()
                handle.finalize()
            except Exception as err:  # already dead
                log.debug("closing a corosync handle: %s", err)
        self._cpg = self._quorum = None
