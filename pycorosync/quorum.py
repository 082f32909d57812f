"""Quorum state and node list (``libquorum.so.5``, ``QUORUM_MODEL_V1``)."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pycorosync._cdef import ABI_CONSTANTS
from pycorosync._ffi import ffi
from pycorosync._handle import Handle
from pycorosync.cpg import RingId

QUORUM_MODEL_V1 = 1


class Track(enum.IntFlag):
    """``CS_TRACK_*`` flags for ``trackstart``."""

    CURRENT = ABI_CONSTANTS["CS_TRACK_CURRENT"]
    CHANGES = ABI_CONSTANTS["CS_TRACK_CHANGES"]
    CHANGES_ONLY = ABI_CONSTANTS["CS_TRACK_CHANGES_ONLY"]


@dataclass(frozen=True, slots=True)
class QuorumChange:
    """Quorum notification: whether the partition is quorate, and its member nodes."""

    quorate: bool
    ring_id: RingId
    members: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class NodeListChange:
    """Node list notification: the member nodes of the new ring, who joined and who left."""

    ring_id: RingId
    members: tuple[int, ...]
    joined: tuple[int, ...]
    left: tuple[int, ...]


QuorumEvent = QuorumChange | NodeListChange


def _ids(array: Any, count: int) -> tuple[int, ...]:
    return tuple(int(array[i]) for i in range(count))


def _on_quorum(handle: int, quorate: int, ring_id: Any, member_entries: int, member_list: Any) -> None:
    q = Quorum._lookup(handle)
    if q is None:
        return
    try:
        event = QuorumChange(bool(quorate), RingId(int(ring_id.nodeid), int(ring_id.seq)), _ids(member_list, int(member_entries)))
    except BaseException as exc:
        q._callback_failed(exc)
        return
    q._deliver_event(event)


def _on_nodelist(
    handle: int, ring_id: Any,
    member_entries: int, member_list: Any,
    joined_entries: int, joined_list: Any,
    left_entries: int, left_list: Any,
) -> None:
    q = Quorum._lookup(handle)
    if q is None:
        return
    try:
        event = NodeListChange(
            RingId(int(ring_id.nodeid), int(ring_id.seq)),
            _ids(member_list, int(member_entries)),
            _ids(joined_list, int(joined_entries)),
            _ids(left_list, int(left_entries)),
        )
    except BaseException as exc:
        q._callback_failed(exc)
        return
    q._deliver_event(event)


def _ignore_error(*_exc: object) -> None:
    return None


_QUORUM_CB = ffi.callback("quorum_v1_quorum_notification_fn_t", _on_quorum, onerror=_ignore_error)
_NODELIST_CB = ffi.callback("quorum_v1_nodelist_notification_fn_t", _on_nodelist, onerror=_ignore_error)


class Quorum(Handle[QuorumEvent]):
    """A quorum connection.  Call :meth:`trackstart` to receive :class:`QuorumChange` and
    :class:`NodeListChange` events on dispatch."""

    _LIB = "quorum"
    _PREFIX = "quorum_"

    def __init__(
        self,
        on_quorum: Callable[[QuorumChange], object] | None = None,
        on_nodelist: Callable[[NodeListChange], object] | None = None,
    ) -> None:
        super().__init__()
        self._on(QuorumChange, on_quorum)
        self._on(NodeListChange, on_nodelist)
        model = ffi.new("quorum_model_v1_data_t *")
        model.model = QUORUM_MODEL_V1
        model.quorum_notify_fn = _QUORUM_CB
        model.nodelist_notify_fn = _NODELIST_CB
        handle = ffi.new("quorum_handle_t *")
        quorum_type = ffi.new("uint32_t *")
        self._open_call(
            "quorum_model_initialize", handle, QUORUM_MODEL_V1, ffi.cast("quorum_model_data_t *", model),
            quorum_type, ffi.NULL,
        )
        #: ``QUORUM_SET`` (1) when a quorum provider is configured, ``QUORUM_FREE`` (0) otherwise
        self.quorum_type = int(quorum_type[0])
        self._opened(handle[0])

    @property
    def has_provider(self) -> bool:
        """True when corosync runs a quorum provider (votequorum)."""
        return self.quorum_type == ABI_CONSTANTS["QUORUM_SET"]

    def getquorate(self) -> bool:
        """Whether this node's partition is quorate now."""
        quorate = ffi.new("int *")
        self._call("quorum_getquorate", quorate)
        return bool(quorate[0])

    def trackstart(self, flags: int = Track.CHANGES | Track.CURRENT) -> None:
        """Start notifications (``CURRENT``: one right away; ``CHANGES``: on every change)."""
        self._call("quorum_trackstart", int(flags))

    def trackstop(self) -> None:
        self._call("quorum_trackstop")
