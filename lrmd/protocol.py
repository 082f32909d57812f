"""The lrmd wire protocol: JSON lines over a unix stream socket.

Every message is one JSON object on one line (UTF-8, ``\\n``-terminated, at most
``MAX_LINE`` bytes).  The socket (default ``/run/pacer/lrmd.sock``) has mode 0600
and only root (or the daemon's own user) may connect.

Requests carry a client-chosen ``id`` (echoed in the reply) and a ``cmd``:

==============  ==========================================================================
``cmd``         fields -> reply fields
==============  ==========================================================================
``ping``        -> ``version``
``register``    ``rsc_id``, ``class`` (ocf/lsb/heartbeat/stonith), ``type``, ``provider`` (ocf) -> -
``unregister``  ``rsc_id`` (cancels its recurring ops) -> -
``exec``        ``rsc_id``, ``action``, ``interval_ms`` (0), ``timeout_ms`` (20000),
                ``params`` {str: str}, ``start_delay_ms`` (0), ``transition_key``,
                ``notify_changes_only`` (false), ``wait`` (true)
                -> ``call_id``, and ``result`` when ``wait`` (first result of a recurring op)
``cancel``      ``rsc_id``, ``action``, ``interval_ms`` -> ``cancelled`` (bool)
``list``        -> ``resources``: [{rsc_id, class, provider, type, recurring: [...]}]
``history``     ``rsc_id``, ``format`` ("json" or "xml") -> ``history`` (list of
                {id, result}) or ``xml`` (an ``lrm_resource`` element with ``lrm_rsc_op``s)
``metadata``    ``class``, ``type``, ``provider`` -> ``rc``, ``op_status``, ``metadata``
``agents``      ``class``, ``provider`` -> ``agents`` (names); ``providers`` for ocf
``subscribe``   -> - ; from then on the connection also receives events
==============  ==========================================================================

A reply is ``{"id": ..., "ok": true, ...}`` or ``{"id": ..., "ok": false, "error":
"<what went wrong>"}``.  Events are ``{"event": "result", "result": {...}}`` where
the result has the fields of :class:`lrmd.operation.OpResult` (rc, op_status,
exit_reason, call_id, t_run, exec_time_ms, ...) plus ``operation_key``.  Replies to
requests that wait may arrive out of order: match them by ``id``.  A malformed line
gets an error reply with ``id`` null and the connection stays open.
"""

from __future__ import annotations

import json
from typing import Any

PROTOCOL_VERSION = 1
MAX_LINE = 4 * 1024 * 1024
DEFAULT_SOCKET = "/run/pacer/lrmd.sock"
COMMANDS = frozenset(
    {"ping", "register", "unregister", "exec", "cancel", "list", "history", "metadata", "agents", "subscribe"}
)


class ProtocolError(ValueError):
    """A message could not be decoded or is not a valid request."""


def encode(message: dict[str, Any]) -> bytes:
    return (json.dumps(message, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8")


def decode(line: bytes) -> dict[str, Any]:
    try:
        message = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProtocolError(f"not a JSON line: {exc}") from None
    if not isinstance(message, dict):
        raise ProtocolError(f"a message must be a JSON object, not {type(message).__name__}")
    return message


def parse_request(line: bytes) -> tuple[Any, str, dict[str, Any]]:
    """Split a request line into (id, cmd, message), or raise ProtocolError."""
    message = decode(line)
    request_id = message.get("id")
    cmd = message.get("cmd")
    if not isinstance(cmd, str):
        raise ProtocolError("request has no 'cmd' string")
    if cmd not in COMMANDS:
        raise ProtocolError(f"unknown command {cmd!r} (known: {', '.join(sorted(COMMANDS))})")
    return request_id, cmd, message


def error_reply(request_id: Any, error: str) -> dict[str, Any]:
    return {"id": request_id, "ok": False, "error": error}


def ok_reply(request_id: Any, **fields: Any) -> dict[str, Any]:
    return {"id": request_id, "ok": True, **fields}
