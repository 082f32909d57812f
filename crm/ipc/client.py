"""A blocking client of a daemon's JSON socket, for command-line tools."""

from __future__ import annotations

import itertools
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from crm.ipc.frames import FrameError, decode_json, encode_json, recv_frame

__all__ = ["DaemonError", "DaemonNotRunning", "IpcClient"]

HOW_TO_START = "start it with 'systemctl start pacer' (or 'pacerd'), or use CIB_file=FILE to work on a file"


class DaemonError(Exception):
    """The daemon answered with an error, or the connection broke."""

    def __init__(self, message: str, rc: int = 1) -> None:
        super().__init__(message)
        self.rc = rc


class DaemonNotRunning(DaemonError):
    def __init__(self, what: str, path: Path) -> None:
        super().__init__(f"pacer is not running on this node (no {what} at {path}): {HOW_TO_START}", 102)


class IpcClient:
    def __init__(self, path: Path, what: str = "daemon", timeout: float | None = 120.0) -> None:
        self.path = path
        self.what = what
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(timeout)
        self._ids = itertools.count(1)
        try:
            self._sock.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError):
            self._sock.close()
            raise DaemonNotRunning(what, path) from None
        except PermissionError:
            self._sock.close()
            raise DaemonError(f"permission denied on {path}: run as root or as a member of haclient", 4) from None

    def __enter__(self) -> IpcClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._sock.close()

    def send(self, request: dict[str, Any]) -> int:
        ident = next(self._ids)
        request = dict(request, id=ident)
        try:
            self._sock.sendall(encode_json(request))
        except OSError as err:
            raise DaemonError(f"lost the connection to the {self.what}: {err}") from None
        return ident

    def receive(self) -> dict[str, Any]:
        try:
            body = recv_frame(self._sock)
        except TimeoutError:
            raise DaemonError(f"the {self.what} did not answer in time", 124) from None
        except (FrameError, OSError) as err:
            raise DaemonError(f"lost the connection to the {self.what}: {err}") from None
        if body is None:
            raise DaemonError(f"the {self.what} closed the connection")
        return decode_json(body)

    def call(self, request: dict[str, Any]) -> dict[str, Any]:
        """Send ``request`` and return its reply (events that arrive first are skipped);
        raises :class:`DaemonError` for an error reply."""
        ident = self.send(request)
        while True:
            reply = self.receive()
            if "id" not in reply and "error" in reply:  # about the connection itself
                raise DaemonError(str(reply["error"]), int(reply.get("rc", 1)))
            if reply.get("id") != ident:
                continue
            rc = int(reply.get("rc", 0))
            if rc != 0:
                raise DaemonError(str(reply.get("error", "request failed")), rc)
            return reply

    def events(self) -> Iterator[dict[str, Any]]:
        while True:
            yield self.receive()
