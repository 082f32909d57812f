"""Length-prefixed frames: a 4-byte big-endian length, then that many bytes.

A frame longer than the reader's limit is refused before it is read (the peer is told and
the connection closed), so a client cannot make a daemon allocate without bound.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
from typing import Any

__all__ = [
    "DEFAULT_LIMIT",
    "FrameError",
    "FrameTooLarge",
    "decode_json",
    "encode",
    "encode_json",
    "read_frame",
    "recv_frame",
]

DEFAULT_LIMIT = 64 * 1024 * 1024
_HEADER = struct.Struct(">I")


class FrameError(ValueError):
    """A frame could not be read or decoded."""


class FrameTooLarge(FrameError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"message of {size} bytes is larger than the limit of {limit} bytes")
        self.size = size
        self.limit = limit


def encode(body: bytes) -> bytes:
    return _HEADER.pack(len(body)) + body


def encode_json(message: dict[str, Any]) -> bytes:
    return encode(json.dumps(message, separators=(",", ":")).encode())


def decode_json(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise FrameError(f"message is not JSON: {err}") from None
    if not isinstance(value, dict):
        raise FrameError("message is not a JSON object")
    return value


async def read_frame(reader: asyncio.StreamReader, limit: int = DEFAULT_LIMIT) -> bytes | None:
    """The next frame's body, or None at a clean end of stream (EOF between frames)."""
    try:
        header = await reader.readexactly(_HEADER.size)
    except asyncio.IncompleteReadError as err:
        if err.partial:
            raise FrameError("connection closed inside a frame header") from None
        return None
    (size,) = _HEADER.unpack(header)
    if size > limit:
        raise FrameTooLarge(size, limit)
    try:
        return await reader.readexactly(size)
    except asyncio.IncompleteReadError:
        raise FrameError("connection closed inside a frame") from None


def _recv_exactly(sock: socket.socket, size: int) -> bytes | None:
    chunks: list[bytes] = []
    got = 0
    while got < size:
        chunk = sock.recv(min(size - got, 1 << 20))
        if not chunk:
            if got == 0:
                return None
            raise FrameError("connection closed inside a frame")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def recv_frame(sock: socket.socket, limit: int = DEFAULT_LIMIT) -> bytes | None:
    """Blocking read of the next frame's body; None at end of stream."""
    header = _recv_exactly(sock, _HEADER.size)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    if size > limit:
        raise FrameTooLarge(size, limit)
    body = _recv_exactly(sock, size)
    if body is None:
        raise FrameError("connection closed inside a frame")
    return body
