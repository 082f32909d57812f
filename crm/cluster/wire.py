"""How the daemons' group messages travel: JSON, compressed with zlib when large."""

from __future__ import annotations

import json
import zlib
from typing import Any

__all__ = ["WireError", "decode", "encode"]

_COMPRESS_FROM = 32 * 1024


class WireError(ValueError):
    pass


def encode(message: dict[str, Any]) -> bytes:
    data = json.dumps(message, separators=(",", ":")).encode()
    if len(data) >= _COMPRESS_FROM:
        return b"Z" + zlib.compress(data, 3)
    return b"J" + data


def decode(payload: bytes) -> dict[str, Any]:
    if not payload:
        raise WireError("empty message")
    kind, body = payload[:1], payload[1:]
    try:
        if kind == b"Z":
            body = zlib.decompress(body)
        elif kind != b"J":
            raise WireError(f"unknown message encoding {kind!r}")
        value = json.loads(body)
    except (zlib.error, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise WireError(f"undecodable message: {err}") from None
    if not isinstance(value, dict):
        raise WireError("a message must be a JSON object")
    return value
