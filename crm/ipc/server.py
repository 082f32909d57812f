"""An asyncio server of JSON requests on a unix socket, shared by the daemons.

Each request is a JSON object with an ``op`` and an optional ``id`` that the reply echoes.
The handler returns the reply (or None when it will answer later through
:meth:`Connection.send`, as the CIB daemon does once a write is delivered).  Bad input
never stops the server: undecodable JSON or an unknown operation gets an error reply; an
oversized frame gets an error reply and the connection is closed; a client that dies in the
middle of a request is forgotten.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from crm.ipc.access import Peer, allowed, peer_of, secure_socket_file
from crm.ipc.frames import DEFAULT_LIMIT, FrameError, FrameTooLarge, decode_json, encode_json, read_frame

__all__ = ["Connection", "Handler", "JsonServer", "error_reply"]

log = logging.getLogger("pacer.ipc")

# replies carry Pacemaker's exit codes in "rc"
RC_INVALID = 2  # CRM_EX_INVALID_PARAM
RC_PROTOCOL = 76  # CRM_EX_PROTOCOL
RC_NOPERM = 77  # CRM_EX_INSUFFICIENT_PRIV in spirit (access denied)


def error_reply(rc: int, message: str, request: dict[str, Any] | None = None) -> dict[str, Any]:
    reply: dict[str, Any] = {"rc": rc, "error": message}
    if request is not None and "id" in request:
        reply["id"] = request["id"]
    return reply


class Connection:
    def __init__(self, cid: int, writer: asyncio.StreamWriter, peer: Peer) -> None:
        self.id = cid
        self.peer = peer
        self._writer = writer
        self.closed = False

    async def send(self, message: dict[str, Any]) -> None:
        if self.closed:
            return
        try:
            self._writer.write(encode_json(message))
            await self._writer.drain()
        except (ConnectionError, OSError):
            self.closed = True

    def send_nowait(self, message: dict[str, Any]) -> None:
        if self.closed or self._writer.is_closing():
            return
        try:
            self._writer.write(encode_json(message))
        except (ConnectionError, OSError):
            self.closed = True


Handler = Callable[[Connection, dict[str, Any]], Awaitable[dict[str, Any] | None]]


class JsonServer:
    def __init__(
        self,
        path: Path,
        handler: Handler,
        *,
        on_close: Callable[[Connection], None] | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> None:
        self.path = path
        self.handler = handler
        self.on_close = on_close
        self.limit = limit
        self._server: asyncio.AbstractServer | None = None
        self._next = 1
        self.connections: dict[int, Connection] = {}

    async def start(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self._server = await asyncio.start_unix_server(self._serve, str(self.path), limit=1 << 20)
        secure_socket_file(self.path)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock: socket.socket = writer.get_extra_info("socket")
        try:
            peer = peer_of(sock)
        except OSError:
            writer.close()
            return
        conn = Connection(self._next, writer, peer)
        self._next += 1
        if not allowed(peer):
            # answer the first request (so the client reads a reason, not a reset), then close
            request: dict[str, Any] | None = None
            with contextlib.suppress(FrameError, asyncio.TimeoutError, ConnectionError, OSError):
                body = await asyncio.wait_for(read_frame(reader, self.limit), 5)
                request = decode_json(body) if body else None
            denied = "access denied: only root and the haclient group may connect"
            await conn.send(error_reply(RC_NOPERM, denied, request))
            writer.close()
            return
        self.connections[conn.id] = conn
        try:
            while True:
                try:
                    body = await read_frame(reader, self.limit)
                except FrameTooLarge as err:
                    await conn.send(error_reply(RC_PROTOCOL, str(err)))
                    break
                except FrameError as err:
                    log.info("client %d: %s", conn.id, err)
                    break
                if body is None:
                    break
                try:
                    request = decode_json(body)
                except FrameError as err:
                    await conn.send(error_reply(RC_PROTOCOL, str(err)))
                    continue
                try:
                    reply = await self.handler(conn, request)
                except Exception as err:  # a handler bug must not take the daemon down
                    log.exception("request %r failed", request.get("op"))
                    reply = error_reply(RC_PROTOCOL, f"internal error: {err}", request)
                if reply is not None:
                    if "id" in request and "id" not in reply:
                        reply["id"] = request["id"]
                    await conn.send(reply)
        except (ConnectionError, OSError):
            pass
        finally:
            conn.closed = True
            self.connections.pop(conn.id, None)
            if self.on_close is not None:
                self.on_close(conn)
            writer.close()
