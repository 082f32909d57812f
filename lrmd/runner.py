"""Run one agent process: own session, captured output, timeout with group kill.

The child starts in a new session (so in its own process group).  On timeout or
abort the whole group gets SIGTERM, then SIGKILL after a grace period.  Output is
read until the agent exits; pipes still held open by daemons the agent left
behind are not waited for beyond a short drain period.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

OUTPUT_LIMIT = 1 << 20  # bytes kept per stream
DRAIN_SECONDS = 0.2


@dataclass(frozen=True)
class RawOutcome:
    """What happened to the process, before any class-specific mapping."""

    exit_code: int | None
    signal: int | None
    timed_out: bool
    aborted: bool
    stdout: str
    stderr: str
    elapsed_ms: int
    spawn_error: OSError | None = None


async def _read_stream(stream: asyncio.StreamReader | None, sink: bytearray) -> None:
    if stream is None:
        return
    while True:
        chunk = await stream.read(65536)
        if not chunk:
            return
        room = OUTPUT_LIMIT - len(sink)
        if room > 0:
            sink += chunk[:room]


def _signal_group(pgid: int, signo: int) -> bool:
    try:
        os.killpg(pgid, signo)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    return True


def group_alive(pgid: int) -> bool:
    """True while any process of the group exists."""
    return _signal_group(pgid, 0)


class _AgentProtocol(asyncio.subprocess.SubprocessStreamProtocol):
    """Knows when the process exits, even while daemons it left hold its pipes open.

    (``Process.wait()`` only returns once every pipe is closed.)
    """

    def __init__(self, limit: int, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(limit=limit, loop=loop)
        self.exited: asyncio.Future[None] = loop.create_future()

    def process_exited(self) -> None:
        super().process_exited()
        if not self.exited.done():
            self.exited.set_result(None)


async def _kill_group(pgid: int, exited: asyncio.Future[None], grace_s: float) -> None:
    _signal_group(pgid, signal.SIGTERM)
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(asyncio.shield(exited), grace_s)
    deadline = time.monotonic() + grace_s
    while group_alive(pgid) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    _signal_group(pgid, signal.SIGKILL)
    await exited
    # Members of the group may need a moment to disappear after SIGKILL.
    for _ in range(50):
        if not group_alive(pgid):
            break
        _signal_group(pgid, signal.SIGKILL)
        await asyncio.sleep(0.01)


async def run_process(
    argv: Sequence[str],
    env: Mapping[str, str],
    timeout_s: float,
    *,
    cwd: str | None = None,
    kill_grace_s: float = 1.0,
    abort: asyncio.Event | None = None,
    stdin_data: bytes | None = None,
) -> RawOutcome:
    """Run ``argv`` and wait for it, its timeout, or ``abort``; ``stdin_data`` is its input."""
    loop = asyncio.get_running_loop()
    started = time.monotonic()
    try:
        transport, protocol = await loop.subprocess_exec(
            lambda: _AgentProtocol(65536, loop),
            *argv,
            stdin=subprocess.DEVNULL if stdin_data is None else subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
        )
    except OSError as exc:
        return RawOutcome(None, None, False, False, "", "", 0, spawn_error=exc)

    pid = transport.get_pid()
    if stdin_data is not None:
        pipe = transport.get_pipe_transport(0)
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.write(stdin_data)  # type: ignore[attr-defined]
                pipe.write_eof()  # type: ignore[attr-defined]
    out = bytearray()
    err = bytearray()
    readers = [
        asyncio.ensure_future(_read_stream(protocol.stdout, out)),
        asyncio.ensure_future(_read_stream(protocol.stderr, err)),
    ]
    exited = protocol.exited
    abort_waiter = asyncio.ensure_future(abort.wait()) if abort is not None else None
    timed_out = aborted = False
    try:
        watched: set[asyncio.Future[object]] = {exited}  # type: ignore[arg-type]
        if abort_waiter is not None:
            watched.add(abort_waiter)  # type: ignore[arg-type]
        done, _ = await asyncio.wait(watched, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
        if exited not in done:
            if abort_waiter is not None and abort_waiter in done:
                aborted = True
            else:
                timed_out = True
            await _kill_group(pid, exited, kill_grace_s)
        ended = time.monotonic()
    except BaseException:
        # Our caller was cancelled: never leave the agent behind.
        await asyncio.shield(_kill_group(pid, exited, kill_grace_s))
        raise
    finally:
        if abort_waiter is not None:
            abort_waiter.cancel()
        _, pending = await asyncio.wait(readers, timeout=DRAIN_SECONDS)
        for reader in pending:
            reader.cancel()
        transport.close()
    returncode = transport.get_returncode()
    elapsed_ms = int((ended - started) * 1000)
    exit_code = returncode if returncode is not None and returncode >= 0 else None
    signo = -returncode if returncode is not None and returncode < 0 else None
    return RawOutcome(
        exit_code=exit_code,
        signal=signo,
        timed_out=timed_out,
        aborted=aborted,
        stdout=out.decode("utf-8", errors="replace"),
        stderr=err.decode("utf-8", errors="replace"),
        elapsed_ms=elapsed_ms,
    )
