"""What every Corosync handle shares: open/closed state, fork detection, error checking with
TRY_AGAIN retry, dispatch (blocking, non-blocking, ``run_once``), exceptions from user
callbacks, asyncio integration and event streams.

A C callback (created once per module with ``ffi.callback``) finds its Python object with
:meth:`Handle._lookup` (a per-class ``handle -> object`` table), builds a typed event and
hands it to :meth:`Handle._deliver_event`, which never lets an exception escape into C: the
exception is kept and re-raised by :meth:`Handle.dispatch` once the C dispatch returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

import pycorosync._ffi as _ffi
from pycorosync.errors import (
    CorosyncError,
    CsError,
    HandleClosed,
    LibraryError,
    UsedAfterFork,
    call_with_retry,
    error_for,
)

E = TypeVar("E")
H = TypeVar("H", bound="Handle[Any]")

CS_DISPATCH_ONE = 1
CS_DISPATCH_ALL = 2
CS_DISPATCH_BLOCKING = 3
CS_DISPATCH_ONE_NONBLOCKING = 4

ErrorHandler = Callable[[BaseException], object]


class _StreamEnd:
    """Queue marker: the handle was closed."""


_END = _StreamEnd()


class EventStream(Generic[E]):
    """An async iterator over a handle's events (``async for ev in cpg.events(): ...``).

    The stream is registered when it is created, so no event dispatched after
    ``handle.events()`` returns is missed.  The first ``__anext__`` attaches the handle to the
    running loop if it is not attached yet.  Iteration ends when the handle is finalized; it
    raises :class:`LibraryError` if corosync died, and re-raises (then continues after) an
    exception raised by a user callback during dispatch.  Use ``async with`` or ``close()`` to
    unregister early.
    """

    def __init__(self, handle: Handle[E]) -> None:
        self._handle: Handle[E] | None = handle
        self._items: deque[E | BaseException | _StreamEnd] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._done = False
        handle._streams.add(self)

    def _put(self, item: E | BaseException | _StreamEnd) -> None:
        if self._done:
            return
        self._items.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def __aiter__(self) -> EventStream[E]:
        return self

    async def __anext__(self) -> E:
        while not self._items:
            if self._done:
                raise StopAsyncIteration
            handle = self._handle
            if handle is not None and not handle.closed and not handle.attached:
                await handle.attach()
            loop = asyncio.get_running_loop()
            self._waiter = loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        item = self._items.popleft()
        if isinstance(item, _StreamEnd):
            self.close()
            raise StopAsyncIteration
        if isinstance(item, BaseException):
            if isinstance(item, LibraryError):
                self.close()
            raise item
        return item

    def pending(self) -> int:
        """Number of queued events."""
        return len(self._items)

    def close(self) -> None:
        """Unregister from the handle; queued events are dropped."""
        self._done = True
        self._items.clear()
        if self._handle is not None:
            self._handle._streams.discard(self)
            self._handle = None
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def aclose(self) -> None:
        self.close()

    async def __aenter__(self) -> EventStream[E]:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


class Handle(Generic[E]):
    """Base class of :class:`Cpg`, :class:`Quorum`, :class:`VoteQuorum`, :class:`Cmap`,
    :class:`Cfg`.  Not thread-safe (use one handle per thread) and not fork-safe (a child
    process must open its own handles; using an inherited one raises :class:`UsedAfterFork`)."""

    #: library short name for :func:`pycorosync._ffi.load`
    _LIB: ClassVar[str] = ""
    #: C function prefix: ``{prefix}dispatch``, ``{prefix}fd_get``, ``{prefix}finalize``
    _PREFIX: ClassVar[str] = ""
    #: per-class ``C handle -> Python object`` table used by the C callbacks
    _registry: ClassVar[weakref.WeakValueDictionary[int, Any]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._registry = weakref.WeakValueDictionary()

    def __init__(self) -> None:
        # set first so that __del__/finalize work even if initialization fails
        self._handle: int = 0
        self._closed = True
        self._dead: CorosyncError | None = None
        self._pid = os.getpid()
        self._pending: list[BaseException] = []
        self._callbacks: dict[type, Callable[[Any], object]] = {}
        self._streams: weakref.WeakSet[EventStream[E]] = weakref.WeakSet()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reader_fd: int | None = None
        self._on_error: ErrorHandler | None = None
        self._lib: Any = _ffi.load(self._LIB)

    # ------------------------------------------------------------------ lifecycle
    def _open_call(self, name: str, *args: Any) -> None:
        """Call an ``*_initialize`` function (TRY_AGAIN retried); raise on error."""
        fn = getattr(self._lib, name)
        rc = call_with_retry(lambda: fn(*args))
        if rc != CsError.OK:
            raise error_for(rc, name)

    def _opened(self, handle: int) -> None:
        self._handle = int(handle)
        self._closed = False
        type(self)._registry[self._handle] = self

    @classmethod
    def _lookup(cls: type[H], handle: int) -> H | None:
        return cls._registry.get(int(handle))

    @property
    def handle(self) -> int:
        """The raw C handle (a ``uint64_t``)."""
        return self._handle

    @property
    def closed(self) -> bool:
        """True after :meth:`finalize` or once corosync went away (``CS_ERR_LIBRARY``)."""
        return self._closed

    @property
    def dead(self) -> CorosyncError | None:
        """The error that killed the handle (``LibraryError``), if it died."""
        return self._dead

    def finalize(self) -> None:
        """Close the handle.  Idempotent; also safe on a dead handle.  The fd is removed from
        the event loop first.  In a forked child the parent's connection is left alone."""
        if self._closed:
            return
        self._closed = True
        self._detach_reader()
        type(self)._registry.pop(self._handle, None)
        if os.getpid() == self._pid:
            self._c_finalize()
        self._end_streams(None)

    def _c_finalize(self) -> None:
        # best effort: the result is of no use (the handle may already be dead)
        with contextlib.suppress(Exception):
            getattr(self._lib, self._PREFIX + "finalize")(self._handle)

    close = finalize

    def __enter__(self: H) -> H:
        return self

    def __exit__(self, *exc: object) -> None:
        self.finalize()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # e.g. at interpreter shutdown
            if not self._closed:
                self.finalize()

    def __repr__(self) -> str:
        state = "dead" if self._dead else "closed" if self._closed else f"handle={self._handle:#x}"
        return f"<{type(self).__name__} {state}>"

    # ------------------------------------------------------------------ calls
    def _check_usable(self, what: str) -> None:
        if os.getpid() != self._pid:
            raise UsedAfterFork(what, self._pid)
        if self._closed:
            raise HandleClosed(what) from self._dead

    def _call(self, name: str, *args: Any, retry: bool = True, handle_first: bool = True) -> None:
        """Call C function ``name`` with the handle (unless ``handle_first`` is false) and
        ``args``; retry ``CS_ERR_TRY_AGAIN`` (bounded) if ``retry``; raise on error."""
        self._check_usable(name)
        fn = getattr(self._lib, name)
        full = (self._handle, *args) if handle_first else args
        if retry:
            rc = call_with_retry(lambda: fn(*full))
        else:
            rc = fn(*full)
        if rc != CsError.OK:
            raise self._failed(rc, name)

    def _failed(self, rc: int, name: str) -> CorosyncError:
        """The exception for ``rc``; after ``CS_ERR_LIBRARY`` the handle is closed."""
        err = error_for(rc, name)
        if isinstance(err, LibraryError):
            self._die(err)
        return err

    def _die(self, err: CorosyncError) -> None:
        if self._closed:
            return
        self._dead = err
        self._closed = True
        self._detach_reader()
        type(self)._registry.pop(self._handle, None)
        self._c_finalize()
        self._end_streams(err)

    def fd_get(self) -> int:
        """The file descriptor that becomes readable when events are pending."""
        fd = _ffi.ffi.new("int *")
        self._call(self._PREFIX + "fd_get", fd, retry=False)
        return int(fd[0])

    def fileno(self) -> int:
        """Same as :meth:`fd_get`, so a handle can be given to ``select``/``selectors``."""
        return self.fd_get()

    # ------------------------------------------------------------------ dispatch
    def _dispatch_raw(self, flags: int) -> int:
        name = self._PREFIX + "dispatch"
        self._check_usable(name)
        pending, self._pending = self._pending, []
        try:
            rc = int(getattr(self._lib, name)(self._handle, flags))
        finally:
            raised, self._pending = self._pending, pending
        if rc not in (CsError.OK, CsError.ERR_TRY_AGAIN):
            err = self._failed(rc, name)
            if raised:
                raise err from raised[0]
            raise err
        if raised:
            first = raised[0]
            if len(raised) > 1:
                first.add_note(f"({len(raised) - 1} more exception(s) from callbacks in the same dispatch)")
            raise first
        return rc

    def dispatch(self, blocking: bool = False) -> None:
        """Run the callbacks of all pending events (``CS_DISPATCH_ALL``).  With ``blocking``,
        first wait (interruptibly, with ``poll``) until at least one event is pending.

        An exception raised by a user callback is re-raised here, after the C dispatch
        returned; :class:`LibraryError` means corosync went away and the handle is closed."""
        if blocking:
            self.wait_readable(None)
        self._dispatch_raw(CS_DISPATCH_ALL)

    def dispatch_one(self) -> bool:
        """Dispatch at most one pending event without blocking
        (``CS_DISPATCH_ONE_NONBLOCKING``); False if there was none."""
        return self._dispatch_raw(CS_DISPATCH_ONE_NONBLOCKING) == CsError.OK

    def wait_readable(self, timeout: float | None) -> bool:
        """Wait up to ``timeout`` seconds (``None``: forever) for the fd to become readable."""
        poller = select.poll()
        poller.register(self.fd_get(), select.POLLIN | select.POLLPRI | select.POLLHUP | select.POLLERR)
        ms = None if timeout is None else max(0, int(timeout * 1000))
        return bool(poller.poll(ms))

    def run_once(self, timeout: float | None = 0.0) -> bool:
        """Wait up to ``timeout`` seconds for events, dispatch them all; True if the fd was
        readable."""
        if not self.wait_readable(timeout):
            return False
        self._dispatch_raw(CS_DISPATCH_ALL)
        return True

    # ------------------------------------------------------------------ events
    def _on(self, event_type: type, callback: Callable[[Any], object] | None) -> None:
        if callback is not None:
            self._callbacks[event_type] = callback

    def _deliver_event(self, event: E) -> None:
        """Called from C callbacks: queue ``event`` on every stream, then run the user's
        callback for its type.  Exceptions are kept for :meth:`dispatch`, never propagated."""
        try:
            for stream in list(self._streams):
                stream._put(event)
            callback = self._callbacks.get(type(event))
            if callback is not None:
                callback(event)
        except BaseException as exc:
            self._pending.append(exc)

    def _callback_failed(self, exc: BaseException) -> None:
        self._pending.append(exc)

    def events(self) -> EventStream[E]:
        """A new :class:`EventStream` of this handle's events (async iteration)."""
        self._check_usable("events")
        return EventStream(self)

    def _end_streams(self, err: BaseException | None) -> None:
        for stream in list(self._streams):
            stream._put(err if err is not None else _END)

    # ------------------------------------------------------------------ asyncio
    @property
    def attached(self) -> bool:
        """True while the fd is registered with an event loop."""
        return self._loop is not None

    async def attach(
        self, loop: asyncio.AbstractEventLoop | None = None, *, on_error: ErrorHandler | None = None
    ) -> None:
        """Dispatch from ``loop`` (default: the running loop): ``loop.add_reader(fd, ...)``.

        Errors raised while dispatching from the loop (user callback exceptions, corosync
        death) go to every event stream, then to ``on_error`` if given, else (when no stream
        is open) to the loop's exception handler."""
        self.attach_loop(loop or asyncio.get_running_loop(), on_error=on_error)

    def attach_loop(self, loop: asyncio.AbstractEventLoop, *, on_error: ErrorHandler | None = None) -> None:
        """Synchronous form of :meth:`attach`."""
        self._check_usable("attach")
        if self._loop is not None:
            if self._loop is not loop:
                raise RuntimeError(f"{self!r} is already attached to another event loop")
            self._on_error = on_error or self._on_error
            return
        fd = self.fd_get()
        loop.add_reader(fd, self._on_readable)
        self._loop, self._reader_fd, self._on_error = loop, fd, on_error

    async def detach(self) -> None:
        """Stop dispatching from the event loop (the handle stays open)."""
        self._detach_reader()

    def _detach_reader(self) -> None:
        loop, fd = self._loop, self._reader_fd
        self._loop = self._reader_fd = None
        if loop is not None and fd is not None and not loop.is_closed():
            with contextlib.suppress(Exception):  # loop shutting down
                loop.remove_reader(fd)

    def _on_readable(self) -> None:
        try:
            self._dispatch_raw(CS_DISPATCH_ALL)
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            streams = list(self._streams)
            if not isinstance(exc, LibraryError):  # already pushed by _die
                for stream in streams:
                    stream._put(exc)
            if self._on_error is not None:
                self._on_error(exc)
            elif not streams and self._loop is not None:
                self._loop.call_exception_handler(
                    {"message": f"error while dispatching {self!r}", "exception": exc}
                )
            elif not streams:
                # the handle died (loop already detached): report on the running loop
                try:
                    asyncio.get_running_loop().call_exception_handler(
                        {"message": f"error while dispatching {self!r}", "exception": exc}
                    )
                except RuntimeError:
                    raise exc from None
