"""Closed Process Groups: membership and totally ordered messaging (``libcpg.so.4``)."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pycorosync.errors as errors
from pycorosync._cdef import ABI_CONSTANTS
from pycorosync._ffi import buffer_bytes, ffi
from pycorosync._handle import Handle
from pycorosync.errors import CsError, NameTooLong, NotExist, TryAgain

CPG_MAX_NAME_LENGTH = ABI_CONSTANTS["CPG_MAX_NAME_LENGTH"]
CPG_MEMBERS_MAX = ABI_CONSTANTS["CPG_MEMBERS_MAX"]
CPG_MODEL_V1 = 1
CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF = ABI_CONSTANTS["CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF"]


class Guarantee(enum.IntEnum):
    """``cpg_guarantee_t``: Corosync implements AGREED (total order); FIFO is the same."""

    UNORDERED = 0
    FIFO = 1
    AGREED = 2
    SAFE = 3


class CpgReason(enum.IntEnum):
    """``cpg_reason_t``: why a process joined or left a group."""

    UNDEFINED = 0
    JOIN = 1
    LEAVE = 2
    NODEDOWN = 3
    NODEUP = 4
    PROCDOWN = 5


class FlowControl(enum.IntEnum):
    """``cpg_flow_control_state_t``."""

    DISABLED = 0
    ENABLED = 1


def _reason(value: int) -> CpgReason:
    try:
        return CpgReason(value)
    except ValueError:
        return CpgReason.UNDEFINED


@dataclass(frozen=True, slots=True)
class CpgAddress:
    """A process in a group (``struct cpg_address``); ``reason`` is meaningful in the
    left/joined lists of a :class:`ConfChg`."""

    nodeid: int
    pid: int
    reason: CpgReason = CpgReason.UNDEFINED


@dataclass(frozen=True, slots=True)
class RingId:
    """A totem ring (membership) identifier: the representative node and a sequence number."""

    nodeid: int
    seq: int


@dataclass(frozen=True, slots=True)
class Deliver:
    """A message multicast to ``group`` by process ``pid`` on node ``nodeid`` (our own
    messages included, in the total order)."""

    group: str
    nodeid: int
    pid: int
    data: bytes


@dataclass(frozen=True, slots=True)
class ConfChg:
    """The membership of ``group`` changed: the full new member list, who left, who joined."""

    group: str
    members: tuple[CpgAddress, ...]
    left: tuple[CpgAddress, ...]
    joined: tuple[CpgAddress, ...]


@dataclass(frozen=True, slots=True)
class TotemConfChg:
    """The totem (node-level) membership changed: the nodes of the new ring."""

    ring_id: RingId
    members: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class GroupMember:
    """An entry of :meth:`Cpg.iter_groups`."""

    group: str
    nodeid: int
    pid: int


CpgEvent = Deliver | ConfChg | TotemConfChg

BytesLike = bytes | bytearray | memoryview


def _encode_group(group: str | bytes, function: str) -> Any:
    raw = group.encode("utf-8", "surrogateescape") if isinstance(group, str) else bytes(group)
    if len(raw) > CPG_MAX_NAME_LENGTH:
        raise NameTooLong(CsError.ERR_NAME_TOO_LONG, function, f"group name is {len(raw)} bytes, max {CPG_MAX_NAME_LENGTH}")
    name = ffi.new("struct cpg_name *")
    name.length = len(raw)
    ffi.memmove(name.value, raw, len(raw))
    return name


def _decode_group(name: Any) -> str:
    length = min(int(name.length), CPG_MAX_NAME_LENGTH)
    return bytes(ffi.buffer(name.value, length)).decode("utf-8", "surrogateescape")


def _addresses(array: Any, count: int) -> tuple[CpgAddress, ...]:
    return tuple(CpgAddress(int(array[i].nodeid), int(array[i].pid), _reason(int(array[i].reason))) for i in range(count))


# ------------------------------------------------------------------ C callbacks (module level)
def _on_deliver(handle: int, group_name: Any, nodeid: int, pid: int, msg: Any, msg_len: int) -> None:
    cpg = Cpg._lookup(handle)
    if cpg is None:
        return
    try:
        event = Deliver(_decode_group(group_name), int(nodeid), int(pid), buffer_bytes(msg, int(msg_len)))
    except BaseException as exc:
        cpg._callback_failed(exc)
        return
    cpg._deliver_event(event)


def _on_confchg(
    handle: int, group_name: Any,
    member_list: Any, member_entries: int,
    left_list: Any, left_entries: int,
    joined_list: Any, joined_entries: int,
) -> None:
    cpg = Cpg._lookup(handle)
    if cpg is None:
        return
    try:
        event = ConfChg(
            _decode_group(group_name),
            _addresses(member_list, int(member_entries)),
            _addresses(left_list, int(left_entries)),
            _addresses(joined_list, int(joined_entries)),
        )
    except BaseException as exc:
        cpg._callback_failed(exc)
        return
    cpg._deliver_event(event)


def _on_totem_confchg(handle: int, ring_id: Any, member_entries: int, member_list: Any) -> None:
    cpg = Cpg._lookup(handle)
    if cpg is None:
        return
    try:
        event = TotemConfChg(
            RingId(int(ring_id.nodeid), int(ring_id.seq)),
            tuple(int(member_list[i]) for i in range(int(member_entries))),
        )
    except BaseException as exc:
        cpg._callback_failed(exc)
        return
    cpg._deliver_event(event)


def _ignore_error(*_exc: object) -> None:
    return None


_DELIVER_CB = ffi.callback("cpg_deliver_fn_t", _on_deliver, onerror=_ignore_error)
_CONFCHG_CB = ffi.callback("cpg_confchg_fn_t", _on_confchg, onerror=_ignore_error)
_TOTEM_CONFCHG_CB = ffi.callback("cpg_totem_confchg_fn_t", _on_totem_confchg, onerror=_ignore_error)


class Cpg(Handle[CpgEvent]):
    """A CPG connection (``cpg_model_initialize`` with ``CPG_MODEL_V1``).

    Callbacks receive :class:`Deliver`, :class:`ConfChg` and :class:`TotemConfChg`; they run
    only inside :meth:`dispatch` / :meth:`run_once` / the event loop reader, on the calling
    thread.  With ``initial_totem_conf`` (default) a :class:`TotemConfChg` with the current
    ring is delivered right after joining.

    >>> with Cpg(on_deliver=print) as cpg:
    ...     cpg.join("pacer")
    ...     cpg.mcast_joined(b"hello")
    ...     cpg.run_once(1.0)
    """

    _LIB = "cpg"
    _PREFIX = "cpg_"

    def __init__(
        self,
        on_deliver: Callable[[Deliver], object] | None = None,
        on_confchg: Callable[[ConfChg], object] | None = None,
        on_totem_confchg: Callable[[TotemConfChg], object] | None = None,
        *,
        initial_totem_conf: bool = True,
    ) -> None:
        super().__init__()
        self._on(Deliver, on_deliver)
        self._on(ConfChg, on_confchg)
        self._on(TotemConfChg, on_totem_confchg)
        self._group: str | None = None
        self._context_handle: Any = None
        model = ffi.new("cpg_model_v1_data_t *")
        model.model = CPG_MODEL_V1
        model.cpg_deliver_fn = _DELIVER_CB
        model.cpg_confchg_fn = _CONFCHG_CB
        model.cpg_totem_confchg_fn = _TOTEM_CONFCHG_CB
        model.flags = CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF if initial_totem_conf else 0
        handle = ffi.new("cpg_handle_t *")
        self._open_call("cpg_model_initialize", handle, CPG_MODEL_V1, ffi.cast("cpg_model_data_t *", model), ffi.NULL)
        self._opened(handle[0])

    # ------------------------------------------------------------------ groups
    @property
    def group(self) -> str | None:
        """The group joined with this handle (one per handle), if any."""
        return self._group

    def join(self, group: str | bytes) -> None:
        """Join ``group`` (``cpg_join``); a :class:`ConfChg` follows on dispatch.  A handle
        joins one group at a time (:class:`Exist` otherwise)."""
        name = _encode_group(group, "cpg_join")
        self._call("cpg_join", name)
        self._group = _decode_group(name)

    def leave(self, group: str | bytes | None = None) -> None:
        """Leave ``group`` (default: the joined one) with ``cpg_leave``.  Raises
        :class:`NotExist` if this handle has not joined it.  (Corosync 3.1 itself accepts
        leaving a group other than the joined one and then corrupts the joined group's
        membership, so that case is refused here without calling corosync.)"""
        if group is None:
            group = self._group if self._group is not None else ""
        name = _encode_group(group, "cpg_leave")
        if self._group is not None and _decode_group(name) != self._group:
            self._check_usable("cpg_leave")
            raise NotExist(CsError.ERR_NOT_EXIST, "cpg_leave", f"not joined to {_decode_group(name)!r}")
        self._call("cpg_leave", name)
        self._group = None

    def mcast_joined(
        self,
        data: BytesLike | Iterable[BytesLike],
        guarantee: Guarantee = Guarantee.AGREED,
        *,
        retry: bool = True,
    ) -> None:
        """Multicast ``data`` (one buffer, or several sent as one message) to the joined group.

        ``CS_ERR_TRY_AGAIN`` (flow control) is retried with backoff for up to ~5 s; with
        ``retry=False`` :class:`TryAgain` is raised at once (for callers with their own
        backoff, e.g. ``await asyncio.sleep``)."""
        parts: list[BytesLike]
        if isinstance(data, bytes | bytearray | memoryview):
            parts = [data]
        else:
            parts = list(data)
        iov = ffi.new("struct iovec[]", max(1, len(parts)))
        keep = []
        for i, part in enumerate(parts):
            buf = ffi.from_buffer(part)
            keep.append(buf)
            iov[i].iov_base = buf
            iov[i].iov_len = len(buf)
        self._call("cpg_mcast_joined", int(guarantee), iov, len(parts), retry=retry)
        del keep

    async def mcast_joined_async(
        self,
        data: BytesLike | Iterable[BytesLike],
        guarantee: Guarantee = Guarantee.AGREED,
        *,
        timeout: float | None = None,
    ) -> None:
        """:meth:`mcast_joined` for asyncio code: ``CS_ERR_TRY_AGAIN`` is retried with the same
        backoff but with ``await asyncio.sleep``, so the loop (and this handle's dispatch) keeps
        running; :class:`TryAgain` after ``timeout`` (default ``errors.RETRY_TIMEOUT``) s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (errors.RETRY_TIMEOUT if timeout is None else timeout)
        delay = errors.RETRY_FIRST_DELAY
        if not isinstance(data, bytes | bytearray | memoryview):
            data = list(data)  # may be a one-shot iterator
        while True:
            try:
                self.mcast_joined(data, guarantee, retry=False)
                return
            except TryAgain:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise
                await asyncio.sleep(min(delay, remaining))
                delay = min(delay * 2, errors.RETRY_MAX_DELAY)

    def membership_get(self, group: str | bytes) -> tuple[CpgAddress, ...]:
        """The current members of ``group`` (as known to this process: join it first)."""
        name = _encode_group(group, "cpg_membership_get")
        members = ffi.new("struct cpg_address[]", CPG_MEMBERS_MAX)
        count = ffi.new("int *", CPG_MEMBERS_MAX)
        self._call("cpg_membership_get", name, members, count)
        return _addresses(members, int(count[0]))

    def local_get(self) -> int:
        """This node's id."""
        nodeid = ffi.new("unsigned int *")
        self._call("cpg_local_get", nodeid)
        return int(nodeid[0])

    def flow_control_state_get(self) -> FlowControl:
        """Whether corosync asks senders to pause (``ENABLED``)."""
        state = ffi.new("cpg_flow_control_state_t *")
        self._call("cpg_flow_control_state_get", state)
        return FlowControl(int(state[0]))

    def max_atomic_msgsize_get(self) -> int:
        """Largest message delivered without fragmentation (larger ones are still accepted)."""
        size = ffi.new("uint32_t *")
        self._call("cpg_max_atomic_msgsize_get", size)
        return int(size[0])

    def iter_groups(self, group: str | bytes | None = None) -> list[GroupMember]:
        """All processes of all groups cluster-wide (``CPG_ITERATION_ALL``), or of one group
        (``CPG_ITERATION_ONE_GROUP``)."""
        iteration = ffi.new("cpg_iteration_handle_t *")
        if group is None:
            self._call("cpg_iteration_initialize", 3, ffi.NULL, iteration)
        else:
            self._call("cpg_iteration_initialize", 2, _encode_group(group, "cpg_iteration_initialize"), iteration)
        result: list[GroupMember] = []
        desc = ffi.new("struct cpg_iteration_description_t *")
        try:
            while True:
                self._check_usable("cpg_iteration_next")
                rc = self._lib.cpg_iteration_next(iteration[0], desc)
                if rc == CsError.ERR_NO_SECTIONS:
                    break
                if rc != CsError.OK:
                    raise self._failed(rc, "cpg_iteration_next")
                result.append(GroupMember(_decode_group(desc.group), int(desc.nodeid), int(desc.pid)))
        finally:
            if not self._closed:
                self._lib.cpg_iteration_finalize(iteration[0])
        return result

    # ------------------------------------------------------------------ context
    @property
    def context(self) -> Any:
        """Any Python object attached to the handle (``cpg_context_set``/``cpg_context_get``)."""
        ptr = ffi.new("void **")
        self._call("cpg_context_get", ptr, retry=False)
        if ptr[0] == ffi.NULL:
            return None
        return ffi.from_handle(ptr[0])

    @context.setter
    def context(self, value: Any) -> None:
        cdata = ffi.new_handle(value) if value is not None else ffi.NULL
        self._call("cpg_context_set", cdata, retry=False)
        self._context_handle = cdata  # keeps the object alive while C holds the pointer
