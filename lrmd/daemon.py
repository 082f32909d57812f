"""The lrmd daemon: an :class:`~lrmd.executor.Executor` behind a unix socket.

See :mod:`lrmd.protocol` for the wire protocol.  ``main()`` is the ``lrmd``
console script::

    lrmd [--socket PATH] [--node-name NAME] [--max-parallel N] [--rsctmp DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.metadata
import logging
import os
import signal
import socket
import struct
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lxml import etree

from lrmd.agent_paths import AgentLocator
from lrmd.codes import AgentClass
from lrmd.executor import Executor, ExecutorConfig
from lrmd.operation import OpRequest, OpResult, RequestError, ResourceSpec
from lrmd.protocol import (
    DEFAULT_SOCKET,
    MAX_LINE,
    PROTOCOL_VERSION,
    ProtocolError,
    decode,
    encode,
    error_reply,
    ok_reply,
    parse_request,
)

log = logging.getLogger("lrmd")
MAX_PENDING_OUTPUT = 16 * 1024 * 1024  # bytes queued for one client before it is dropped


def peer_uid(sock: socket.socket) -> int | None:
    """The uid of the process at the other end of a unix socket (SO_PEERCRED)."""
    try:
        creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    except OSError:
        return None
    _pid, uid, _gid = struct.unpack("3i", creds)
    return uid


class _Connection:
    def __init__(self, server: LrmdServer, writer: asyncio.StreamWriter) -> None:
        self.server = server
        self.writer = writer
        self.unsubscribe: Any = None
        self.tasks: set[asyncio.Task[None]] = set()

    def send(self, message: dict[str, Any]) -> None:
        if self.writer.is_closing():
            return
        if self.writer.transport.get_write_buffer_size() > MAX_PENDING_OUTPUT:
            log.warning("dropping a client that does not read its replies and events")
            self.close()
            self.writer.close()
            return
        with contextlib.suppress(ConnectionError, RuntimeError):
            self.writer.write(encode(message))

    def on_result(self, result: OpResult) -> None:
        self.send({"event": "result", "result": result.to_dict()})

    def close(self) -> None:
        if self.unsubscribe is not None:
            self.unsubscribe()
            self.unsubscribe = None
        for task in self.tasks:
            task.cancel()


class LrmdServer:
    """Serves one executor on a unix socket."""

    def __init__(self, executor: Executor, socket_path: str | os.PathLike[str]) -> None:
        self.executor = executor
        self.socket_path = Path(socket_path)
        self._server: asyncio.base_events.Server | None = None
        self._allowed_uids = {0, os.geteuid()}

    async def start(self) -> None:
        self.socket_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(FileNotFoundError):
            if self.socket_path.is_socket():
                self.socket_path.unlink()
        old_umask = os.umask(0o177)
        try:
            self._server = await asyncio.start_unix_server(self._serve, path=str(self.socket_path), limit=MAX_LINE)
        finally:
            os.umask(old_umask)
        os.chmod(self.socket_path, 0o600)
        log.info("listening on %s", self.socket_path)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        await self.executor.shutdown()
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        uid = peer_uid(sock) if sock is not None else None
        conn = _Connection(self, writer)
        if uid not in self._allowed_uids:
            conn.send(error_reply(None, f"permission denied for uid {uid}"))
            writer.close()
            return
        try:
            while True:
                try:
                    line = await reader.readuntil(b"\n")
                except asyncio.IncompleteReadError:
                    break
                except asyncio.LimitOverrunError:
                    conn.send(error_reply(None, f"request longer than {MAX_LINE} bytes"))
                    break
                if not line.strip():
                    continue
                self._dispatch(conn, line)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            conn.close()
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    def _dispatch(self, conn: _Connection, line: bytes) -> None:
        try:
            request_id, cmd, message = parse_request(line)
        except ProtocolError as exc:
            request_id = None
            with contextlib.suppress(ProtocolError):
                request_id = decode(line).get("id")
            conn.send(error_reply(request_id, str(exc)))
            return
        task = asyncio.get_running_loop().create_task(self._handle(conn, request_id, cmd, message))
        conn.tasks.add(task)
        task.add_done_callback(conn.tasks.discard)

    async def _handle(self, conn: _Connection, request_id: Any, cmd: str, message: dict[str, Any]) -> None:
        try:
            fields = await self._command(conn, cmd, message)
        except (RequestError, ProtocolError) as exc:
            conn.send(error_reply(request_id, str(exc)))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("request %s failed", cmd)
            conn.send(error_reply(request_id, f"internal error: {exc}"))
        else:
            conn.send(ok_reply(request_id, **fields))

    async def _command(self, conn: _Connection, cmd: str, message: dict[str, Any]) -> dict[str, Any]:
        ex = self.executor
        if cmd == "ping":
            return {"version": PROTOCOL_VERSION, "node": ex.config.node_name}
        if cmd == "register":
            ex.register(ResourceSpec.from_dict(message))
            return {}
        if cmd == "unregister":
            ex.unregister(_field(message, "rsc_id"))
            return {}
        if cmd == "exec":
            request = OpRequest.from_dict(message)
            wait = message.get("wait", True)
            call_id, future = ex.submit(request)
            if not wait:
                return {"call_id": call_id}
            result = await asyncio.shield(future)
            return {"call_id": call_id, "result": result.to_dict()}
        if cmd == "cancel":
            interval = message.get("interval_ms", 0)
            if not isinstance(interval, int):
                raise RequestError("field 'interval_ms' must be an integer")
            return {"cancelled": ex.cancel(_field(message, "rsc_id"), _field(message, "action"), interval)}
        if cmd == "list":
            return {
                "resources": [
                    {**spec.to_dict(), "recurring": [r.to_dict() for r in ex.recurring_ops(spec.rsc_id)]}
                    for spec in ex.resources()
                ]
            }
        if cmd == "history":
            rsc_id = _field(message, "rsc_id")
            if message.get("format", "json") == "xml":
                element = await ex.history_xml(rsc_id)
                return {"xml": etree.tostring(element, encoding="unicode")}
            return {"history": [{"id": hid, "result": res.to_dict()} for hid, res in ex.history(rsc_id)]}
        if cmd == "metadata":
            spec = ResourceSpec(
                "metadata", _field(message, "class"), _field(message, "type"), message.get("provider")
            )
            outcome = await ex.metadata_text(spec.agent_class, spec.provider, spec.agent_type)
            return {
                "rc": outcome.rc,
                "op_status": outcome.op_status,
                "exit_reason": outcome.exit_reason,
                "metadata": outcome.stdout,
            }
        if cmd == "agents":
            agent_class = _field(message, "class")
            provider = message.get("provider")
            reply: dict[str, Any] = {"agents": ex.locator.list_agents(agent_class, provider)}
            if agent_class == AgentClass.OCF:
                reply["providers"] = ex.locator.list_providers()
            return reply
        if cmd == "subscribe":
            if conn.unsubscribe is None:
                conn.unsubscribe = ex.subscribe(conn.on_result)
            return {}
        raise ProtocolError(f"unknown command {cmd!r}")


def _field(message: dict[str, Any], name: str) -> str:
    value = message.get(name)
    if not isinstance(value, str) or not value:
        raise RequestError(f"field {name!r} must be a non-empty string")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lrmd", description="pacer local resource daemon")
    parser.add_argument("--version", action="version",
                        version=f"%(prog)s (pacer {importlib.metadata.version('pacer')})")
    parser.add_argument("--socket", default=os.environ.get("PACER_LRMD_SOCKET", DEFAULT_SOCKET))
    parser.add_argument("--node-name", default=os.uname().nodename)
    parser.add_argument("--max-parallel", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--rsctmp", default=os.environ.get("HA_RSCTMP"), help="HA_RSCTMP for agents")
    parser.add_argument("--kill-grace", type=float, default=1.0, help="seconds between SIGTERM and SIGKILL")
    parser.add_argument("--netns", help="run agents inside this network namespace (ip netns exec)")
    parser.add_argument("--log-level", default="info")
    parser.add_argument(
        "--run-dir",
        help="a pacer node's run directory: socket RUN_DIR/lrmd.sock, node name and HA_RSCTMP "
        "(STATE_DIR/rsctmp) from RUN_DIR/node.json, as pacerd starts it",
    )
    return parser


def _apply_run_dir(args: argparse.Namespace) -> None:
    """Take the socket, node name and agent temporary directory from the node's config."""
    from crm.cluster.node import NodeConfig

    config = NodeConfig.load(Path(args.run_dir))
    args.socket = str(config.socket("lrmd"))
    args.node_name = config.name
    rsctmp = config.state_dir / "rsctmp"
    rsctmp.mkdir(parents=True, exist_ok=True)
    args.rsctmp = str(rsctmp)


def _use_pidfd_child_watcher() -> None:
    """Python 3.11 watches each child with a thread; pidfds are cheaper (the 3.12+ default)."""
    if sys.version_info >= (3, 12) or not hasattr(os, "pidfd_open"):
        return
    try:
        os.close(os.pidfd_open(os.getpid()))
    except OSError:
        return
    watcher = asyncio.PidfdChildWatcher()
    watcher.attach_loop(asyncio.get_running_loop())
    asyncio.set_child_watcher(watcher)


async def serve(args: argparse.Namespace) -> None:
    _use_pidfd_child_watcher()
    config = ExecutorConfig(
        node_name=args.node_name,
        max_parallel=args.max_parallel,
        kill_grace_s=args.kill_grace,
        rsctmp=args.rsctmp,
        base_env={k: v for k, v in os.environ.items() if not k.startswith("OCF_")},
        command_prefix=("ip", "netns", "exec", args.netns) if args.netns else (),
    )
    executor = Executor(AgentLocator.from_env(), config)
    server = LrmdServer(executor, args.socket)
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signo in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signo, stop.set)
    print(f"lrmd: ready on {args.socket}", file=sys.stderr, flush=True)
    await stop.wait()
    await server.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.run_dir:
        _apply_run_dir(args)
    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.INFO),
        format="%(asctime)s lrmd[%(process)d] %(levelname)s: %(message)s",
    )
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
