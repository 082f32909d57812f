"""asyncio client for a running lrmd (see :mod:`lrmd.protocol`)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Mapping
from types import TracebackType
from typing import Any

from lrmd.operation import OpRequest, OpResult
from lrmd.protocol import DEFAULT_SOCKET, MAX_LINE, decode, encode


class LrmdError(RuntimeError):
    """The daemon refused a request (the message says why)."""


class LrmdClient:
    """One connection to the daemon; safe to use from concurrent tasks."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._events: asyncio.Queue[OpResult | None] = asyncio.Queue()
        self._reader_task = asyncio.get_running_loop().create_task(self._read_loop())

    @classmethod
    async def connect(cls, path: str = DEFAULT_SOCKET) -> LrmdClient:
        reader, writer = await asyncio.open_unix_connection(path, limit=MAX_LINE)
        return cls(reader, writer)

    async def __aenter__(self) -> LrmdClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        self._reader_task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._reader_task
        self._writer.close()
        with contextlib.suppress(Exception):
            await self._writer.wait_closed()

    async def _read_loop(self) -> None:
        error: BaseException = ConnectionError("lrmd closed the connection")
        try:
            while True:
                line = await self._reader.readline()
                if not line:
                    break
                message = decode(line)
                if "event" in message:
                    result = message.get("result")
                    if isinstance(result, dict):
                        self._events.put_nowait(OpResult.from_dict(result))
                    continue
                future = self._pending.pop(message.get("id"), None)  # type: ignore[arg-type]
                if future is not None and not future.done():
                    future.set_result(message)
        except asyncio.CancelledError:
            error = ConnectionError("client closed")
            raise
        except Exception as exc:
            error = exc
        finally:
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(error)
            self._pending.clear()
            self._events.put_nowait(None)

    async def request(self, cmd: str, **fields: Any) -> dict[str, Any]:
        """Send one request and return the reply; raise LrmdError on an error reply."""
        request_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        self._writer.write(encode({"id": request_id, "cmd": cmd, **fields}))
        await self._writer.drain()
        reply = await future
        if not reply.get("ok"):
            raise LrmdError(str(reply.get("error", "unknown error")))
        return reply

    async def ping(self) -> dict[str, Any]:
        return await self.request("ping")

    async def register(
        self, rsc_id: str, agent_class: str, agent_type: str, provider: str | None = None
    ) -> None:
        await self.request("register", rsc_id=rsc_id, type=agent_type, provider=provider, **{"class": agent_class})

    async def unregister(self, rsc_id: str) -> None:
        await self.request("unregister", rsc_id=rsc_id)

    async def exec(self, request: OpRequest) -> OpResult:
        """Run an operation and wait for its (first) result."""
        reply = await self.request("exec", wait=True, **request.to_dict())
        return OpResult.from_dict(reply["result"])

    async def submit(self, request: OpRequest) -> int:
        """Start an operation without waiting; returns its call-id."""
        reply = await self.request("exec", wait=False, **request.to_dict())
        return int(reply["call_id"])

    async def run(
        self,
        rsc_id: str,
        action: str,
        *,
        interval_ms: int = 0,
        timeout_ms: int = 20000,
        params: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> OpResult:
        return await self.exec(
            OpRequest(rsc_id, action, interval_ms, timeout_ms, dict(params or {}), **extra)
        )

    async def cancel(self, rsc_id: str, action: str, interval_ms: int) -> bool:
        reply = await self.request("cancel", rsc_id=rsc_id, action=action, interval_ms=interval_ms)
        return bool(reply["cancelled"])

    async def resources(self) -> list[dict[str, Any]]:
        return list((await self.request("list"))["resources"])

    async def history(self, rsc_id: str) -> list[tuple[str, OpResult]]:
        reply = await self.request("history", rsc_id=rsc_id)
        return [(item["id"], OpResult.from_dict(item["result"])) for item in reply["history"]]

    async def history_xml(self, rsc_id: str) -> str:
        return str((await self.request("history", rsc_id=rsc_id, format="xml"))["xml"])

    async def metadata(self, agent_class: str, agent_type: str, provider: str | None = None) -> dict[str, Any]:
        return await self.request("metadata", type=agent_type, provider=provider, **{"class": agent_class})

    async def agents(self, agent_class: str, provider: str | None = None) -> dict[str, Any]:
        return await self.request("agents", provider=provider, **{"class": agent_class})

    async def subscribe(self) -> None:
        await self.request("subscribe")

    async def events(self) -> AsyncIterator[OpResult]:
        """Results pushed by the daemon after :meth:`subscribe` (ends when the connection does)."""
        while True:
            item = await self._events.get()
            if item is None:
                return
            yield item

    async def next_event(self, timeout: float | None = None) -> OpResult:
        item = await asyncio.wait_for(self._events.get(), timeout)
        if item is None:
            raise ConnectionError("lrmd closed the connection")
        return item
