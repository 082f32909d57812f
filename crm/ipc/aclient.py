"""An asyncio client of a daemon's JSON socket, for daemons talking to each other
(the controller to the CIB daemon and attrd)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from pathlib import Path
from typing import Any

from crm.ipc.client import DaemonError, DaemonNotRunning
from crm.ipc.frames import FrameError, decode_json, encode_json, read_frame

__all__ = ["AsyncIpcClient"]


class AsyncIpcClient:
    def __init__(self, path: Path, what: str = "daemon") -> None:
        self.path = path
        self.what = what
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.events: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def connect(self, attempts: int = 1, delay: float = 0.2) -> AsyncIpcClient:
        for attempt in range(attempts):
            try:
                self._reader, self._writer = await asyncio.open_unix_connection(str(self.path), limit=1 << 20)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if attempt + 1 == attempts:
                    raise DaemonNotRunning(self.what, self.path) from None
                await asyncio.sleep(delay)
        self._task = asyncio.create_task(self._read_loop())
        return self

    async def _read_loop(self) -> None:
        assert self._reader is not None
        try:
            while True:
                body = await read_frame(self._reader)
                if body is None:
                    break
                message = decode_json(body)
                ident = message.get("id")
                future = self._pending.pop(ident, None) if isinstance(ident, int) else None
                if future is not None:
                    if not future.done():
                        future.set_result(message)
                else:
                    self.events.put_nowait(message)
        except (FrameError, ConnectionError, OSError):
            pass
        finally:
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(DaemonError(f"lost the connection to the {self.what}"))
            self._pending.clear()
            self.events.put_nowait(None)

    @property
    def connected(self) -> bool:
        return self._task is not None and not self._task.done()

    async def call(self, request: dict[str, Any], timeout: float | None = 120.0) -> dict[str, Any]:
        if self._writer is None or not self.connected:
            raise DaemonError(f"not connected to the {self.what}")
        ident = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[ident] = future
        try:
            self._writer.write(encode_json(dict(request, id=ident)))
            await self._writer.drain()
        except (ConnectionError, OSError) as err:
            self._pending.pop(ident, None)
            raise DaemonError(f"lost the connection to the {self.what}: {err}") from None
        try:
            reply = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            self._pending.pop(ident, None)
            raise DaemonError(f"the {self.what} did not answer in time", 124) from None
        rc = int(reply.get("rc", 0))
        if rc != 0:
            raise DaemonError(str(reply.get("error", "request failed")), rc)
        return reply

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(Exception):
                await self._writer.wait_closed()
        if self._task is not None:
            self._task.cancel()
