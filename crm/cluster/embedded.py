"""The embedded transport: one bus process per machine, every daemon of every node a
client of it over a unix socket.  No root and no Corosync; the ordering and view
guarantees come from :mod:`crm.cluster.bus` (one sequence per partition).

* ``python -m crm.cluster.embedded --socket PATH [--expected N] [--two-node]`` runs the bus.
* :class:`EmbeddedTransport` is a :class:`~crm.cluster.transport.Transport` on it.
* :func:`control` asks a running bus for its status, or to partition or heal (tests).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

from crm.cluster import bus as wire
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
from crm.ipc.frames import FrameError, encode, read_frame, recv_frame

__all__ = ["MAX_MESSAGE", "EmbeddedTransport", "control", "main", "serve"]

MAX_MESSAGE = 64 * 1024 * 1024
log = logging.getLogger("pacer.bus")


def _member(item: list[Any]) -> Member:
    return Member(int(item[0]), str(item[1]), int(item[2]))


class EmbeddedTransport(Transport):
    def __init__(self, bus_path: Path | str, group: str, nodeid: int, name: str) -> None:
        self.bus_path = Path(bus_path)
        self.group = group
        self.local = Member(nodeid, name, os.getpid())
        self.quorate = False
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._names: dict[tuple[int, int], Member] = {}
        self._closed = False

    async def join(self) -> None:
        try:
            self._reader, self._writer = await asyncio.open_unix_connection(str(self.bus_path), limit=1 << 20)
        except OSError as err:
            raise TransportClosed(f"cannot reach the cluster bus at {self.bus_path}: {err.strerror or err}") from None
        hello = {"group": self.group, "nodeid": self.local.nodeid, "name": self.local.name, "pid": self.local.pid}
        self._writer.write(encode(bytes([wire.HELLO]) + json.dumps(hello).encode()))
        await self._writer.drain()

    async def send(self, payload: bytes) -> None:
        if self._writer is None or self._closed:
            raise TransportClosed("not connected to the cluster bus")
        if len(payload) > MAX_MESSAGE:
            raise TransportError(f"message of {len(payload)} bytes exceeds the maximum of {MAX_MESSAGE}")
        try:
            self._writer.write(encode(bytes([wire.MCAST]) + payload))
            await self._writer.drain()
        except (ConnectionError, OSError) as err:
            raise TransportClosed(f"lost the cluster bus: {err}") from None

    async def next_event(self) -> Event:
        if self._reader is None:
            raise TransportClosed("not connected to the cluster bus")
        while True:
            try:
                body = await read_frame(self._reader, MAX_MESSAGE + 64)
            except (FrameError, ConnectionError, OSError) as err:
                raise TransportClosed(f"lost the cluster bus: {err}") from None
            if body is None or not body:
                self._closed = True
                raise TransportClosed("the cluster bus closed the connection")
            kind = body[0]
            if kind == wire.DELIVER:
                nodeid, pid, payload = wire.parse_deliver(body)
                sender = self._names.get((nodeid, pid), Member(nodeid, "", pid))
                return Delivery(sender, payload)
            if kind == wire.VIEW:
                data = json.loads(body[1:])
                members = tuple(_member(m) for m in data["members"])
                for m in members:
                    self._names[(m.nodeid, m.pid)] = m
                return ViewChange(
                    int(data["view"]),
                    members,
                    tuple(_member(m) for m in data["joined"]),
                    tuple(_member(m) for m in data["left"]),
                )
            if kind == wire.QUORUM:
                data = json.loads(body[1:])
                self.quorate = bool(data["quorate"])
                return QuorumChange(self.quorate, tuple(int(n) for n in data["nodes"]))
            if kind == wire.ERROR:
                raise TransportError(body[1:].decode(errors="replace"))
            log.warning("ignoring an unknown frame of type %d from the bus", kind)

    def pending(self) -> int:
        # bytes already read from the bus: at least the start of another frame
        buffered = getattr(self._reader, "_buffer", None) if self._reader is not None else None
        return 1 if buffered else 0

    def max_message_size(self) -> int:
        return MAX_MESSAGE

    async def close(self) -> None:
        self._closed = True
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(Exception):
                await self._writer.wait_closed()
            self._writer = None


# -- the bus process -----------------------------------------------------------------


class _Server:
    def __init__(self, state: wire.BusState) -> None:
        self.state = state
        self.writers: dict[int, asyncio.StreamWriter] = {}
        self.next_id = 1

    def emit(self, outputs: list[wire.Output]) -> None:
        for cid, body in outputs:
            writer = self.writers.get(cid)
            if writer is not None and not writer.is_closing():
                writer.write(encode(body))

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        cid = self.next_id
        self.next_id += 1
        self.writers[cid] = writer
        try:
            while True:
                try:
                    body = await read_frame(reader, MAX_MESSAGE + 64)
                except FrameError as err:
                    writer.write(encode(bytes([wire.ERROR]) + str(err).encode()))
                    break
                if not body:
                    break
                try:
                    self._dispatch(cid, body, writer)
                except (wire.BusError, ValueError, KeyError, TypeError) as err:
                    writer.write(encode(bytes([wire.ERROR]) + str(err).encode()))
                    break
                if writer.transport.get_write_buffer_size() > 4 * MAX_MESSAGE:
                    await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self.writers.pop(cid, None)
            self.emit(self.state.disconnect(cid))
            writer.close()

    def _dispatch(self, cid: int, body: bytes, writer: asyncio.StreamWriter) -> None:
        kind = body[0]
        if kind == wire.HELLO:
            data = json.loads(body[1:])
            member = Member(int(data["nodeid"]), str(data["name"]), int(data.get("pid", 0)))
            self.emit(self.state.connect(cid, str(data["group"]), member))
        elif kind == wire.MCAST:
            self.emit(self.state.mcast(cid, body[1:]))
        elif kind == wire.CONTROL:
            data = json.loads(body[1:])
            command = data.get("command")
            if command == "partition":
                self.emit(self.state.partition([[int(n) for n in g] for g in data["groups"]]))
            elif command == "heal":
                self.emit(self.state.heal())
            elif command != "status":
                raise wire.BusError(f"unknown control command {command!r}")
            writer.write(encode(bytes([wire.REPLY]) + json.dumps(self.state.status()).encode()))
        else:
            raise wire.BusError(f"unknown frame type {kind}")


async def serve(path: Path, expected_votes: int, two_node: bool, ready: asyncio.Event | None = None) -> None:
    server_state = _Server(wire.BusState(expected_votes=expected_votes, two_node=two_node))
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    server = await asyncio.start_unix_server(server_state.handle, str(path), limit=1 << 20)
    os.chmod(path, 0o660)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if ready is not None:
        ready.set()
    log.info("cluster bus listening on %s (expected votes %d)", path, expected_votes)
    async with server:
        await stop.wait()
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def control(path: Path | str, command: str, groups: list[list[int]] | None = None, timeout: float = 5.0) -> dict[str, Any]:
    """Ask the bus at ``path``: ``status``, ``partition`` (with node-id groups) or ``heal``."""
    message: dict[str, Any] = {"command": command}
    if groups is not None:
        message["groups"] = groups
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(str(path))
        sock.sendall(encode(bytes([wire.CONTROL]) + json.dumps(message).encode()))
        body = recv_frame(sock)
    if not body:
        raise TransportClosed("the cluster bus closed the connection")
    if body[0] == wire.ERROR:
        raise TransportError(body[1:].decode(errors="replace"))
    result: dict[str, Any] = json.loads(body[1:])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pacer-bus", description="The embedded transport's bus for one machine.")
    parser.add_argument("--socket", required=True, type=Path)
    parser.add_argument("--expected", type=int, default=1, help="expected votes (one per node)")
    parser.add_argument("--two-node", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s pacer-bus: %(message)s", stream=sys.stderr)
    asyncio.run(serve(args.socket, args.expected, args.two_node))
    return 0


if __name__ == "__main__":
    sys.exit(main())
