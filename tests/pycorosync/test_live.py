"""pycorosync against a real single-node corosync 3 (see conftest.py for how it runs).

Each test body runs in a thread inside the corosync's network namespace
(``corosync.run(body)``); other client processes are started with ``corosync.spawn``.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
import select
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import pycorosync as pc

if TYPE_CHECKING:  # conftest.py beside this file (not importable by name under importlib mode)
    from conftest import CorosyncNode

pytestmark = pytest.mark.root


def dispatch_until(handle: pc.Handle[Any], done: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError("timed out waiting for events")
        handle.run_once(min(remaining, 0.5))


# --------------------------------------------------------------------------- cpg
def test_cpg_join_local_get_membership(corosync: CorosyncNode) -> None:
    def body() -> None:
        events: list[pc.CpgEvent] = []
        with pc.Cpg(on_confchg=events.append, on_totem_confchg=events.append) as cpg:
            assert cpg.local_get() == 1
            cpg.join("pyc-join")
            assert cpg.group == "pyc-join"
            dispatch_until(cpg, lambda: any(isinstance(e, pc.TotemConfChg) for e in events)
                           and any(isinstance(e, pc.ConfChg) for e in events))
            me = pc.CpgAddress(1, os.getpid())
            conf = next(e for e in events if isinstance(e, pc.ConfChg))
            assert conf.group == "pyc-join"
            assert me in conf.members
            assert pc.CpgAddress(1, os.getpid(), pc.CpgReason.JOIN) in conf.joined
            assert conf.left == ()
            totem = next(e for e in events if isinstance(e, pc.TotemConfChg))
            assert totem.members == (1,)
            assert totem.ring_id.nodeid == 1 and totem.ring_id.seq > 0
            assert me in cpg.membership_get("pyc-join")
            assert pc.GroupMember("pyc-join", 1, os.getpid()) in cpg.iter_groups()
            assert cpg.iter_groups("pyc-join") == [pc.GroupMember("pyc-join", 1, os.getpid())]
        assert cpg.closed

    corosync.run(body)


def test_cpg_agreed_mcast_delivered_in_order(corosync: CorosyncNode) -> None:
    def body() -> None:
        got: list[pc.Deliver] = []
        with pc.Cpg(on_deliver=got.append) as cpg:
            cpg.join("pyc-order")
            sent = [f"message {i}".encode() * (1 + i % 7) for i in range(200)]
            for i, msg in enumerate(sent):
                if i % 2:
                    cpg.mcast_joined(msg)
                else:  # several buffers make one message
                    cpg.mcast_joined([msg[:3], msg[3:]], pc.Guarantee.AGREED)
            dispatch_until(cpg, lambda: len(got) >= 200)
            assert [d.data for d in got] == sent
            assert {(d.group, d.nodeid, d.pid) for d in got} == {("pyc-order", 1, os.getpid())}

    corosync.run(body)


def test_cpg_big_message_and_info(corosync: CorosyncNode) -> None:
    def body() -> None:
        got: list[pc.Deliver] = []
        with pc.Cpg(on_deliver=got.append) as cpg:
            size = cpg.max_atomic_msgsize_get()
            assert size > 0
            assert cpg.flow_control_state_get() is pc.FlowControl.DISABLED
            assert cpg.fd_get() == cpg.fileno() >= 0
            cpg.context = {"owner": "test"}
            assert cpg.context == {"owner": "test"}
            cpg.join("pyc-big")
            big = os.urandom(size + 12345)  # fragmented by libcpg, delivered whole
            cpg.mcast_joined(big)
            cpg.mcast_joined(b"")
            dispatch_until(cpg, lambda: len(got) >= 2)
            assert got[0].data == big and got[1].data == b""

    corosync.run(body)


CHILD = """
import os, sys, time
import pycorosync as pc
cpg = pc.Cpg()
cpg.join("pyc-two")
print(os.getpid(), flush=True)
if sys.stdin.readline().strip() == "leave":
    cpg.leave()
    print("left", flush=True)
time.sleep(60)
"""


def _second_process(corosync: CorosyncNode, how: str) -> None:
    def body() -> None:
        events: list[pc.ConfChg] = []
        with pc.Cpg(on_confchg=events.append) as cpg:
            cpg.join("pyc-two")
            child = corosync.spawn(CHILD)
            try:
                assert child.stdout is not None and child.stdin is not None
                ready, _, _ = select.select([child.stdout], [], [], 20)
                assert ready, child.stderr.read() if child.stderr else "child hung"
                line = child.stdout.readline()
                assert line.strip().isdigit(), line + (child.stderr.read() if child.stderr else "")
                pid = int(line)
                dispatch_until(cpg, lambda: any(pc.CpgAddress(1, pid, pc.CpgReason.JOIN) in e.joined for e in events))
                joined = next(e for e in events if pc.CpgAddress(1, pid, pc.CpgReason.JOIN) in e.joined)
                assert {m.pid for m in joined.members} == {os.getpid(), pid}
                events.clear()
                if how == "kill":
                    child.kill()
                    expected = pc.CpgReason.PROCDOWN
                else:
                    child.stdin.write("leave\n")
                    child.stdin.flush()
                    expected = pc.CpgReason.LEAVE
                dispatch_until(cpg, lambda: any(e.left for e in events))
                left = next(e for e in events if e.left)
                assert left.left == (pc.CpgAddress(1, pid, expected),)
                assert left.members == (pc.CpgAddress(1, os.getpid()),)
            finally:
                child.kill()
                child.wait(10)

    corosync.run(body)


def test_cpg_confchg_second_process_dies(corosync: CorosyncNode) -> None:
    _second_process(corosync, "kill")


def test_cpg_confchg_second_process_leaves(corosync: CorosyncNode) -> None:
    _second_process(corosync, "leave")


def test_cpg_errors_carry_codes(corosync: CorosyncNode) -> None:
    def body() -> None:
        with pc.Cpg() as cpg:
            with pytest.raises(pc.NotExist) as info:
                cpg.leave("pyc-never-joined")
            assert info.value.code == 12 and info.value.name == "CS_ERR_NOT_EXIST"
            assert info.value.function == "cpg_leave"
            assert isinstance(info.value, pc.CorosyncError)
            with pytest.raises(pc.NameTooLong):
                cpg.join("x" * 129)
            cpg.join("pyc-err")
            with pytest.raises(pc.NotExist):  # refused locally: would corrupt corosync's state
                cpg.leave("pyc-other")
            cpg.leave("pyc-err")
            assert cpg.group is None
            assert not cpg.closed  # an error other than CS_ERR_LIBRARY leaves the handle usable
            assert cpg.local_get() == 1

    corosync.run(body)


def test_callback_exception_reraised_from_dispatch(corosync: CorosyncNode) -> None:
    def body() -> None:
        seen: list[bytes] = []

        def on_deliver(d: pc.Deliver) -> None:
            seen.append(d.data)
            if d.data == b"bad":
                raise ValueError("callback failed")

        with pc.Cpg(on_deliver=on_deliver) as cpg:
            cpg.join("pyc-raise")
            for msg in (b"one", b"bad", b"two"):
                cpg.mcast_joined(msg)
            with pytest.raises(ValueError, match="callback failed"):
                dispatch_until(cpg, lambda: len(seen) >= 3)
            dispatch_until(cpg, lambda: len(seen) >= 3)  # nothing lost, handle still usable
            assert seen == [b"one", b"bad", b"two"]
            assert not cpg.closed

    corosync.run(body)


def test_asyncio_event_stream(corosync: CorosyncNode) -> None:
    async def main() -> list[pc.CpgEvent]:
        got: list[pc.CpgEvent] = []
        with pc.Cpg() as cpg:
            async with cpg.events() as events:
                cpg.join("pyc-async")
                for i in range(3):
                    cpg.mcast_joined(b"async %d" % i)
                async with asyncio.timeout(10):
                    async for ev in events:
                        got.append(ev)
                        if sum(isinstance(e, pc.Deliver) for e in got) == 3:
                            break
                assert cpg.attached
            await cpg.detach()
            assert not cpg.attached
            # attach explicitly, with callbacks only
            await cpg.attach()
            fut: asyncio.Future[pc.Deliver] = asyncio.get_running_loop().create_future()
            cpg._on(pc.Deliver, fut.set_result)
            await cpg.mcast_joined_async(b"via callback")
            assert (await asyncio.wait_for(fut, 10)).data == b"via callback"
            stream = cpg.events()
        assert not cpg.attached and cpg.closed
        with pytest.raises(StopAsyncIteration):  # finalize ends open streams
            await stream.__anext__()
        return got

    got = corosync.run(lambda: asyncio.run(main()))
    delivered = [e.data for e in got if isinstance(e, pc.Deliver)]
    assert delivered == [b"async 0", b"async 1", b"async 2"]
    assert any(isinstance(e, pc.ConfChg) and e.group == "pyc-async" for e in got)
    assert any(isinstance(e, pc.TotemConfChg) for e in got)


def test_fork_detected(corosync: CorosyncNode) -> None:
    def body() -> int:
        with pc.Cpg() as cpg:
            cpg.local_get()
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    cpg.local_get()
                except pc.UsedAfterFork:
                    code = 0
                except BaseException:
                    code = 2
                cpg.finalize()  # must not touch the parent's connection
                os._exit(code)
            _, status = os.waitpid(pid, 0)
            assert cpg.local_get() == 1  # the parent's handle still works
            return os.waitstatus_to_exitcode(status)

    assert corosync.run(body) == 0


# --------------------------------------------------------------------------- quorum
def test_quorum(corosync: CorosyncNode) -> None:
    def body() -> None:
        events: list[pc.QuorumEvent] = []
        with pc.Quorum(on_quorum=events.append, on_nodelist=events.append) as q:
            assert q.has_provider
            assert q.getquorate() is True
            q.trackstart()
            dispatch_until(q, lambda: any(isinstance(e, pc.QuorumChange) for e in events))
            change = next(e for e in events if isinstance(e, pc.QuorumChange))
            assert change.quorate and change.members == (1,) and change.ring_id.nodeid == 1
            q.trackstop()

    corosync.run(body)


def test_votequorum(corosync: CorosyncNode) -> None:
    def body() -> None:
        events: list[pc.VoteQuorumEvent] = []
        with pc.VoteQuorum(on_quorum=events.append, on_nodelist=events.append) as vq:
            info = vq.getinfo()
            assert info == vq.getinfo(1)
            assert info.node_id == 1
            assert info.node_state is pc.NodeState.MEMBER
            assert (info.node_votes, info.node_expected_votes, info.highest_expected) == (1, 1, 1)
            assert (info.total_votes, info.quorum) == (1, 1)
            assert info.quorate and pc.VoteQuorumFlags.QUORATE in info.flags
            assert info.qdevice_votes == 0 and info.qdevice_name == ""
            with pytest.raises(pc.NotExist):
                vq.getinfo(99)
            vq.trackstart(context=42)
            dispatch_until(vq, lambda: any(isinstance(e, pc.VoteQuorumChange) for e in events))
            change = next(e for e in events if isinstance(e, pc.VoteQuorumChange))
            assert change.context == 42 and change.quorate
            assert change.nodes == (pc.VoteQuorumNode(1, pc.NodeState.MEMBER),)
            vq.setexpected(1)
            vq.trackstop()

    corosync.run(body)


# --------------------------------------------------------------------------- cmap
def test_cmap_get_and_iterate(corosync: CorosyncNode) -> None:
    def body() -> None:
        with pc.Cmap() as cmap:
            assert cmap.get("totem.cluster_name") == corosync.name
            assert cmap.get_string("totem.cluster_name") == corosync.name
            assert cmap.get_with_type("nodelist.node.0.nodeid") == (1, pc.CmapType.UINT32)
            assert cmap.get_uint32("nodelist.node.0.nodeid") == 1
            assert cmap.get("nodelist.node.0.ring0_addr") == "127.0.0.1"
            with pytest.raises(pc.NotExist):
                cmap.get("pacer.no.such.key")
            keys = list(cmap.iterate("totem."))
            assert keys and all(k.key.startswith("totem.") for k in keys)
            name = next(k for k in keys if k.key == "totem.cluster_name")
            assert name.type is pc.CmapType.STRING and name.value_len == len(corosync.name) + 1
            items = dict(cmap.items("totem."))
            assert items["totem.cluster_name"] == corosync.name
        with pc.Cmap(pc.CmapMap.STATS) as stats:
            assert any(k.key.startswith("stats.") for k in stats.iterate("stats."))

    corosync.run(body)


def test_cmap_set_get_track(corosync: CorosyncNode) -> None:
    def body() -> None:
        events: list[pc.CmapTrackEvent] = []
        with pc.Cmap() as cmap:
            track = cmap.track_add("pacer.test", events.append, prefix=True)
            cmap.set_uint32("pacer.test.u32", 7)
            assert cmap.get_uint32("pacer.test.u32") == 7
            cmap.inc("pacer.test.u32")
            assert cmap.get("pacer.test.u32") == 8
            cmap.set_string("pacer.test.s", "héllo")
            assert cmap.get_string("pacer.test.s") == "héllo"
            cmap.set("pacer.test.i64", -5, pc.CmapType.INT64)
            assert cmap.get_with_type("pacer.test.i64") == (-5, pc.CmapType.INT64)
            cmap.set("pacer.test.bin", b"\x00\x01", pc.CmapType.BINARY)
            assert cmap.get("pacer.test.bin") == b"\x00\x01"
            cmap.set_double("pacer.test.d", 2.5)
            assert cmap.get_double("pacer.test.d") == 2.5
            cmap.delete("pacer.test.s")
            dispatch_until(cmap, lambda: any(e.event is pc.TrackType.DELETE for e in events))
            first = events[0]
            assert (first.track_handle, first.event, first.key) == (track, pc.TrackType.ADD, "pacer.test.u32")
            assert first.new_value == pc.CmapValue(pc.CmapType.UINT32, 7) and first.old_value is None
            modify = next(e for e in events if e.event is pc.TrackType.MODIFY)
            assert modify.old_value == pc.CmapValue(pc.CmapType.UINT32, 7)
            assert modify.new_value == pc.CmapValue(pc.CmapType.UINT32, 8)
            deleted = events[-1]
            assert deleted.key == "pacer.test.s" and deleted.old_value == pc.CmapValue(pc.CmapType.STRING, "héllo")
            cmap.track_delete(track)
            events.clear()
            cmap.set_uint32("pacer.test.u32", 9)
            assert not cmap.run_once(0.3) or not events
            for key in ("pacer.test.u32", "pacer.test.i64", "pacer.test.bin", "pacer.test.d"):
                cmap.delete(key)

    corosync.run(body)


# --------------------------------------------------------------------------- cfg
def test_cfg_local_get(corosync: CorosyncNode) -> None:
    def body() -> None:
        with pc.Cfg() as cfg:
            assert cfg.local_get() == 1

    corosync.run(body)


def test_cfg_shutdown_vetoed(private_corosync: CorosyncNode) -> None:
    node = private_corosync

    def body() -> str:
        requests: list[pc.ShutdownRequest] = []

        def on_shutdown(req: pc.ShutdownRequest) -> None:
            requests.append(req)
            cfg.replyto_shutdown(False)

        with pc.Cfg(on_shutdown=on_shutdown) as cfg:
            cfg.trackstart()
            tool = subprocess.Popen(
                ["ip", "netns", "exec", node.ns, "corosync-cfgtool", "-H"],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            )
            dispatch_until(cfg, lambda: bool(requests))
            out, _ = tool.communicate(timeout=20)
            assert requests == [pc.ShutdownRequest(pc.ShutdownFlags.REQUEST)]
            assert cfg.local_get() == 1
            return out

    out = node.run(body)
    assert "error = 10" in out  # CS_ERR_BUSY: vetoed
    assert node.alive()


# --------------------------------------------------------------------------- corosync dies
def test_corosync_killed_handles_die(private_corosync: CorosyncNode) -> None:
    node = private_corosync

    async def stream_sees_death(cpg: pc.Cpg) -> None:
        async with cpg.events() as events:
            with pytest.raises(pc.LibraryError):
                async with asyncio.timeout(10):
                    async for _ in events:
                        pass
        assert cpg.closed and not cpg.attached

    def body() -> None:
        cpg = pc.Cpg()
        cpg.join("pyc-kill")
        quorum = pc.Quorum()
        quorum.trackstart()
        watched = pc.Cpg()
        watched.join("pyc-kill-async")
        cpg.dispatch()
        node.kill(signal.SIGKILL)
        with pytest.raises(pc.LibraryError) as info:
            dispatch_until(cpg, lambda: False, timeout=10)
        assert info.value.code == 2 and info.value.name == "CS_ERR_LIBRARY"
        assert cpg.closed and isinstance(cpg.dead, pc.LibraryError)
        with pytest.raises(pc.HandleClosed):
            cpg.mcast_joined(b"too late")
        cpg.finalize()
        cpg.finalize()  # idempotent
        with pytest.raises(pc.LibraryError):
            quorum.getquorate()
        assert quorum.closed
        asyncio.run(stream_sees_death(watched))
        with pytest.raises(pc.LibraryError):
            pc.Cpg()  # corosync not running

    node.run(body)


# --------------------------------------------------------------------------- docs
def test_readme_examples_run(corosync: CorosyncNode) -> None:
    readme = Path(pc.__file__).with_name("README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert len(blocks) == 2

    def body() -> None:
        namespace: dict[str, Any] = {}
        with contextlib.redirect_stdout(io.StringIO()) as out:
            exec(blocks[0], namespace)
            exec(blocks[1], namespace)
            asyncio.run(namespace["main"]())
        text = out.getvalue()
        assert "[b'hello 0', b'hello 1', b'hello 2']" in text
        assert "quorate now: True" in text and f"{corosync.name}\n" in text
        assert text.rstrip().endswith("1 b'hi'")

    corosync.run(body)
