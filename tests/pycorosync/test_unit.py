"""pycorosync without corosync: error mapping, TRY_AGAIN backoff, import without the libraries,
and the callback/dispatch machinery driven through real cffi callbacks by a fake libcpg."""

from __future__ import annotations

import asyncio
import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import pycorosync as pc
from pycorosync import _ffi, errors
from pycorosync._ffi import ffi

REPO = Path(__file__).resolve().parents[2]

OK, LIBRARY, TRY_AGAIN = 1, 2, 6


# --------------------------------------------------------------------------- errors
def test_every_cs_error_has_its_class() -> None:
    for code in pc.CsError:
        if code is pc.CsError.OK:
            continue
        err = pc.error_for(code, "cpg_join")
        assert type(err).code_for_class == code
        assert err.code == int(code)
        assert err.name == "CS_" + code.name
        assert err.function == "cpg_join"
        assert str(err) == f"cpg_join: CS_{code.name} ({int(code)})"
        assert isinstance(err, pc.CorosyncError)


def test_error_classes() -> None:
    assert type(pc.error_for(6)) is pc.TryAgain
    assert type(pc.error_for(2)) is pc.LibraryError
    assert type(pc.error_for(12)) is pc.NotExist
    assert type(pc.error_for(11)) is pc.AccessError
    assert isinstance(pc.error_for(11), PermissionError)
    assert isinstance(pc.error_for(5), TimeoutError)
    assert isinstance(pc.error_for(7), ValueError)
    unknown = pc.error_for(99, "cmap_get")
    assert type(unknown) is pc.CorosyncError and unknown.name == "CS_ERR_99"
    assert issubclass(pc.HandleClosed, pc.BadHandle) and issubclass(pc.UsedAfterFork, pc.BadHandle)
    assert pc.HandleClosed("cpg_join").code == 9
    copy = pickle.loads(pickle.dumps(pc.error_for(14, "cpg_join")))
    assert type(copy) is pc.Exist and copy.code == 14 and copy.function == "cpg_join"
    assert str(pc.error_for(17, "x")) == "x: CS_ERR_NAME_NOT_FOUND (17)"  # not KeyError's repr
    with pytest.raises(pc.TryAgain):
        errors.check(6, "cpg_mcast_joined")
    errors.check(1)


# --------------------------------------------------------------------------- retry
class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_try_again_backoff_then_success() -> None:
    codes = iter([TRY_AGAIN] * 5 + [OK])
    t = FakeClock()
    rc = errors.call_with_retry(lambda: next(codes), sleep=t.sleep, clock=t.clock)
    assert rc == OK
    assert t.sleeps == [0.001, 0.002, 0.004, 0.008, 0.016]


def test_try_again_bounded() -> None:
    calls = 0

    def always_busy() -> int:
        nonlocal calls
        calls += 1
        return TRY_AGAIN

    t = FakeClock()
    rc = errors.call_with_retry(always_busy, timeout=5.0, sleep=t.sleep, clock=t.clock)
    assert rc == TRY_AGAIN
    assert sum(t.sleeps) == pytest.approx(5.0)
    assert max(t.sleeps) == 0.1  # capped
    assert t.sleeps[:3] == [0.001, 0.002, 0.004]
    assert calls == len(t.sleeps) + 1


def test_other_errors_are_not_retried() -> None:
    t = FakeClock()
    assert errors.call_with_retry(lambda: LIBRARY, sleep=t.sleep, clock=t.clock) == LIBRARY
    assert t.sleeps == []


# --------------------------------------------------------------------------- no libraries
def test_import_without_the_libraries() -> None:
    code = """
import cffi
def refuse(self, name, *a, **k):
    raise OSError(f"{name}: cannot open shared object file")
cffi.FFI.dlopen = refuse
import pycorosync, pycorosync._ffi
assert pycorosync._ffi._libs == {}
for cls in (pycorosync.Cpg, pycorosync.Quorum, pycorosync.VoteQuorum, pycorosync.Cmap, pycorosync.Cfg):
    try:
        cls()
    except pycorosync.CorosyncUnavailable as e:
        print(e.soname)
    else:
        raise SystemExit("no error")
"""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["libcpg.so.4", "libquorum.so.5", "libvotequorum.so.8", "libcmap.so.4", "libcfg.so.7"]


# --------------------------------------------------------------------------- fake libcpg
class FakeCpgLib:
    """Just enough of libcpg: events queued by mcast/join are delivered on dispatch through the
    C function pointers the binding registered (so the real cffi callbacks run)."""

    HANDLE = 0x1234_5678_9ABC

    def __init__(self) -> None:
        self.model: Any = None
        self.queue: list[tuple[str, tuple[Any, ...]]] = []
        self.mcast_codes: list[int] = []
        self.dispatch_code = OK
        self.finalized = 0
        self.rfd, self.wfd = os.pipe()

    def close(self) -> None:
        os.close(self.rfd)
        os.close(self.wfd)

    def cpg_model_initialize(self, handle: Any, model: int, data: Any, context: Any) -> int:
        v1 = ffi.cast("cpg_model_v1_data_t *", data)
        assert model == 1 and v1.flags == 1
        self.model = ffi.new("cpg_model_v1_data_t *", v1[0])  # copy, as libcpg does
        handle[0] = self.HANDLE
        return OK

    def _notify(self, kind: str, *args: Any) -> None:
        self.queue.append((kind, args))
        os.write(self.wfd, b"x")

    def cpg_join(self, handle: int, name: Any) -> int:
        assert handle == self.HANDLE
        self._notify("confchg", bytes(ffi.buffer(name.value, name.length)))
        return OK

    def cpg_mcast_joined(self, handle: int, guarantee: int, iov: Any, n: int) -> int:
        if self.mcast_codes:
            rc = self.mcast_codes.pop(0)
            if rc != OK:
                return rc
        data = b"".join(bytes(ffi.buffer(ffi.cast("char *", iov[i].iov_base), iov[i].iov_len)) for i in range(n))
        self._notify("deliver", data)
        return OK

    def cpg_fd_get(self, handle: int, fd: Any) -> int:
        fd[0] = self.rfd
        return OK

    def cpg_local_get(self, handle: int, nodeid: Any) -> int:
        nodeid[0] = 7
        return OK

    def cpg_dispatch(self, handle: int, flags: int) -> int:
        if self.dispatch_code != OK:
            return self.dispatch_code
        if not self.queue:
            return TRY_AGAIN if flags == 4 else OK
        todo = self.queue[:1] if flags == 4 else self.queue[:]
        del self.queue[: len(todo)]
        os.read(self.rfd, len(todo))
        for kind, args in todo:
            name = ffi.new("struct cpg_name *", {"length": 3, "value": b"grp"})
            if kind == "deliver":
                buf = ffi.from_buffer(args[0])
                self.model.cpg_deliver_fn(handle, name, 7, 4242, buf, len(args[0]))
            else:
                members = ffi.new("struct cpg_address[]", [(7, 4242, 0), (8, 1, 0)])
                joined = ffi.new("struct cpg_address[]", [(7, 4242, 1)])
                self.model.cpg_confchg_fn(handle, name, members, 2, ffi.NULL, 0, joined, 1)
                ring = ffi.new("struct cpg_ring_id *", (7, 99))
                ids = ffi.new("uint32_t[]", [7, 8])
                self.model.cpg_totem_confchg_fn(handle, ring[0], 2, ids)
        return OK

    def cpg_finalize(self, handle: int) -> int:
        self.finalized += 1
        return OK


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeCpgLib]:
    lib = FakeCpgLib()
    real_load = _ffi.load
    monkeypatch.setattr(_ffi, "load", lambda name: lib if name == "cpg" else real_load(name))
    monkeypatch.setattr(errors, "RETRY_TIMEOUT", 0.05)
    yield lib
    lib.close()


def test_events_are_typed_and_copied(fake: FakeCpgLib) -> None:
    got: list[pc.CpgEvent] = []
    with pc.Cpg(on_deliver=got.append, on_confchg=got.append, on_totem_confchg=got.append) as cpg:
        assert cpg.local_get() == 7
        cpg.join("grp")
        cpg.mcast_joined([b"ab", bytearray(b"cd"), memoryview(b"ef")])
        assert cpg.run_once(1.0)
    assert got == [
        pc.ConfChg("grp", (pc.CpgAddress(7, 4242), pc.CpgAddress(8, 1)), (), (pc.CpgAddress(7, 4242, pc.CpgReason.JOIN),)),
        pc.TotemConfChg(pc.RingId(7, 99), (7, 8)),
        pc.Deliver("grp", 7, 4242, b"abcdef"),
    ]
    assert isinstance(got[2], pc.Deliver) and type(got[2].data) is bytes
    assert fake.finalized == 1


def test_dispatch_one_and_empty(fake: FakeCpgLib) -> None:
    got: list[pc.CpgEvent] = []
    with pc.Cpg(on_deliver=got.append) as cpg:
        assert cpg.dispatch_one() is False
        cpg.mcast_joined(b"1")
        cpg.mcast_joined(b"2")
        assert cpg.dispatch_one() is True
        assert [d.data for d in got if isinstance(d, pc.Deliver)] == [b"1"]
        cpg.dispatch(blocking=True)
        assert [d.data for d in got if isinstance(d, pc.Deliver)] == [b"1", b"2"]
        assert not cpg.run_once(0)


def test_callback_exception_kept_and_reraised(fake: FakeCpgLib) -> None:
    seen: list[bytes] = []

    def on_deliver(d: pc.Deliver) -> None:
        seen.append(d.data)
        raise KeyError(d.data)

    with pc.Cpg(on_deliver=on_deliver) as cpg:
        cpg.mcast_joined(b"a")
        cpg.mcast_joined(b"b")
        with pytest.raises(KeyError) as info:
            cpg.dispatch()
        assert seen == [b"a", b"b"]  # the second callback still ran
        assert info.value.args == (b"a",)
        assert "1 more exception" in "".join(getattr(info.value, "__notes__", []))
        cpg.dispatch()  # nothing pending, nothing re-raised twice
        assert not cpg.closed


def test_mcast_try_again_retried_then_raised(fake: FakeCpgLib) -> None:
    got: list[pc.CpgEvent] = []
    with pc.Cpg(on_deliver=got.append) as cpg:
        fake.mcast_codes = [TRY_AGAIN, TRY_AGAIN, OK]
        cpg.mcast_joined(b"eventually")
        cpg.dispatch()
        assert [d.data for d in got if isinstance(d, pc.Deliver)] == [b"eventually"]
        fake.mcast_codes = [TRY_AGAIN] * 10_000
        with pytest.raises(pc.TryAgain):  # after RETRY_TIMEOUT (0.05 s here)
            cpg.mcast_joined(b"never")
        fake.mcast_codes = [TRY_AGAIN, OK]
        with pytest.raises(pc.TryAgain):
            cpg.mcast_joined(b"no retry", retry=False)
        assert not cpg.closed


def test_async_mcast_backs_off_without_blocking(fake: FakeCpgLib) -> None:
    async def main() -> None:
        with pc.Cpg() as cpg:
            fake.mcast_codes = [TRY_AGAIN] * 3 + [OK]
            await cpg.mcast_joined_async(iter([b"a", b"b"]))
            assert fake.queue == [("deliver", (b"ab",))]
            fake.mcast_codes = [TRY_AGAIN] * 10_000
            with pytest.raises(pc.TryAgain):
                await cpg.mcast_joined_async(b"never", timeout=0.02)

    asyncio.run(main())


def test_library_error_closes_handle(fake: FakeCpgLib) -> None:
    cpg = pc.Cpg()
    fake.dispatch_code = LIBRARY
    with pytest.raises(pc.LibraryError):
        cpg.dispatch()
    assert cpg.closed and isinstance(cpg.dead, pc.LibraryError)
    assert fake.finalized == 1
    with pytest.raises(pc.HandleClosed):
        cpg.local_get()
    cpg.finalize()
    cpg.finalize()
    assert fake.finalized == 1
    assert pc.Cpg._lookup(FakeCpgLib.HANDLE) is None


def test_asyncio_stream_and_death(fake: FakeCpgLib) -> None:
    async def main() -> list[pc.CpgEvent]:
        got: list[pc.CpgEvent] = []
        cpg = pc.Cpg()
        stream = cpg.events()
        cpg.join("grp")
        cpg.mcast_joined(b"x")
        async with asyncio.timeout(5):
            async for ev in stream:
                got.append(ev)
                if isinstance(ev, pc.Deliver):
                    break
            assert cpg.attached
            fake.dispatch_code = LIBRARY
            fake._notify("deliver", b"lost")
            with pytest.raises(pc.LibraryError):
                await stream.__anext__()
        assert cpg.closed and not cpg.attached
        return got

    got = asyncio.run(main())
    assert [type(e) for e in got] == [pc.ConfChg, pc.TotemConfChg, pc.Deliver]


def test_callback_error_goes_to_stream_and_on_error(fake: FakeCpgLib) -> None:
    async def main() -> list[BaseException]:
        errs: list[BaseException] = []

        def bad(_: pc.Deliver) -> None:
            raise RuntimeError("in callback")

        with pc.Cpg(on_deliver=bad) as cpg:
            await cpg.attach(on_error=errs.append)
            stream = cpg.events()
            cpg.mcast_joined(b"x")
            async with asyncio.timeout(5):
                assert isinstance(await stream.__anext__(), pc.Deliver)
                with pytest.raises(RuntimeError, match="in callback"):
                    await stream.__anext__()
            await cpg.detach()
        return errs

    errs = asyncio.run(main())
    assert [str(e) for e in errs] == ["in callback"]


def test_name_too_long_is_checked_locally(fake: FakeCpgLib) -> None:
    with pc.Cpg() as cpg, pytest.raises(pc.NameTooLong):
        cpg.join("g" * 129)
