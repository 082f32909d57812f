"""Votequorum details: votes, expected votes, flags (``libvotequorum.so.8``)."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pycorosync._cdef import ABI_CONSTANTS
from pycorosync._ffi import ffi
from pycorosync._handle import Handle
from pycorosync.cpg import RingId
from pycorosync.quorum import Track

#: ``votequorum_getinfo`` nodeid meaning "this node"
LOCAL_NODE = 0


class VoteQuorumFlags(enum.IntFlag):
    """``VOTEQUORUM_INFO_*``."""

    TWONODE = ABI_CONSTANTS["VOTEQUORUM_INFO_TWONODE"]
    QUORATE = ABI_CONSTANTS["VOTEQUORUM_INFO_QUORATE"]
    WAIT_FOR_ALL = ABI_CONSTANTS["VOTEQUORUM_INFO_WAIT_FOR_ALL"]
    LAST_MAN_STANDING = ABI_CONSTANTS["VOTEQUORUM_INFO_LAST_MAN_STANDING"]
    AUTO_TIE_BREAKER = ABI_CONSTANTS["VOTEQUORUM_INFO_AUTO_TIE_BREAKER"]
    ALLOW_DOWNSCALE = ABI_CONSTANTS["VOTEQUORUM_INFO_ALLOW_DOWNSCALE"]
    QDEVICE_REGISTERED = ABI_CONSTANTS["VOTEQUORUM_INFO_QDEVICE_REGISTERED"]
    QDEVICE_ALIVE = ABI_CONSTANTS["VOTEQUORUM_INFO_QDEVICE_ALIVE"]
    QDEVICE_CAST_VOTE = ABI_CONSTANTS["VOTEQUORUM_INFO_QDEVICE_CAST_VOTE"]
    QDEVICE_MASTER_WINS = ABI_CONSTANTS["VOTEQUORUM_INFO_QDEVICE_MASTER_WINS"]


class NodeState(enum.IntEnum):
    """``VOTEQUORUM_NODESTATE_*`` (0 when unknown)."""

    UNKNOWN = 0
    MEMBER = ABI_CONSTANTS["VOTEQUORUM_NODESTATE_MEMBER"]
    DEAD = ABI_CONSTANTS["VOTEQUORUM_NODESTATE_DEAD"]
    LEAVING = ABI_CONSTANTS["VOTEQUORUM_NODESTATE_LEAVING"]


def _state(value: int) -> NodeState:
    try:
        return NodeState(value)
    except ValueError:
        return NodeState.UNKNOWN


@dataclass(frozen=True, slots=True)
class VoteQuorumInfo:
    """``struct votequorum_info``."""

    node_id: int
    node_state: NodeState
    node_votes: int
    node_expected_votes: int
    highest_expected: int
    total_votes: int
    quorum: int
    flags: VoteQuorumFlags
    qdevice_votes: int
    qdevice_name: str

    @property
    def quorate(self) -> bool:
        return VoteQuorumFlags.QUORATE in self.flags


@dataclass(frozen=True, slots=True)
class VoteQuorumNode:
    nodeid: int
    state: NodeState


@dataclass(frozen=True, slots=True)
class VoteQuorumChange:
    """Quorum notification: quorate or not, and every known node with its state."""

    context: int
    quorate: bool
    nodes: tuple[VoteQuorumNode, ...]


@dataclass(frozen=True, slots=True)
class VoteQuorumNodeList:
    """Node list notification: the member nodes of the new ring."""

    context: int
    ring_id: RingId
    members: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ExpectedVotesChange:
    context: int
    expected_votes: int


VoteQuorumEvent = VoteQuorumChange | VoteQuorumNodeList | ExpectedVotesChange


def _emit(handle: int, build: Callable[[], VoteQuorumEvent]) -> None:
    vq = VoteQuorum._lookup(handle)
    if vq is None:
        return
    try:
        event = build()
    except BaseException as exc:
        vq._callback_failed(exc)
        return
    vq._deliver_event(event)


def _on_quorum(handle: int, context: int, quorate: int, entries: int, nodes: Any) -> None:
    _emit(handle, lambda: VoteQuorumChange(
        int(context), bool(quorate),
        tuple(VoteQuorumNode(int(nodes[i].nodeid), _state(int(nodes[i].state))) for i in range(int(entries))),
    ))


def _on_nodelist(handle: int, context: int, ring_id: Any, entries: int, nodes: Any) -> None:
    _emit(handle, lambda: VoteQuorumNodeList(
        int(context), RingId(int(ring_id.nodeid), int(ring_id.seq)), tuple(int(nodes[i]) for i in range(int(entries)))
    ))


def _on_expected(handle: int, context: int, expected: int) -> None:
    _emit(handle, lambda: ExpectedVotesChange(int(context), int(expected)))


def _ignore_error(*_exc: object) -> None:
    return None


_QUORUM_CB = ffi.callback("votequorum_quorum_notification_fn_t", _on_quorum, onerror=_ignore_error)
_NODELIST_CB = ffi.callback("votequorum_nodelist_notification_fn_t", _on_nodelist, onerror=_ignore_error)
_EXPECTED_CB = ffi.callback("votequorum_expectedvotes_notification_fn_t", _on_expected, onerror=_ignore_error)


class VoteQuorum(Handle[VoteQuorumEvent]):
    """A votequorum connection."""

    _LIB = "votequorum"
    _PREFIX = "votequorum_"

    def __init__(
        self,
        on_quorum: Callable[[VoteQuorumChange], object] | None = None,
        on_nodelist: Callable[[VoteQuorumNodeList], object] | None = None,
        on_expected_votes: Callable[[ExpectedVotesChange], object] | None = None,
    ) -> None:
        super().__init__()
        self._on(VoteQuorumChange, on_quorum)
        self._on(VoteQuorumNodeList, on_nodelist)
        self._on(ExpectedVotesChange, on_expected_votes)
        callbacks = ffi.new("votequorum_callbacks_t *")
        callbacks.votequorum_quorum_notify_fn = _QUORUM_CB
        callbacks.votequorum_expectedvotes_notify_fn = _EXPECTED_CB
        callbacks.votequorum_nodelist_notify_fn = _NODELIST_CB
        handle = ffi.new("votequorum_handle_t *")
        self._open_call("votequorum_initialize", handle, callbacks)
        self._opened(handle[0])

    def getinfo(self, nodeid: int = LOCAL_NODE) -> VoteQuorumInfo:
        """Votequorum's view of node ``nodeid`` (default: this node)."""
        info = ffi.new("struct votequorum_info *")
        self._call("votequorum_getinfo", int(nodeid), info)
        return VoteQuorumInfo(
            node_id=int(info.node_id),
            node_state=_state(int(info.node_state)),
            node_votes=int(info.node_votes),
            node_expected_votes=int(info.node_expected_votes),
            highest_expected=int(info.highest_expected),
            total_votes=int(info.total_votes),
            quorum=int(info.quorum),
            flags=VoteQuorumFlags(int(info.flags)),
            qdevice_votes=int(info.qdevice_votes),
            qdevice_name=ffi.string(info.qdevice_name, 255).decode("utf-8", "replace"),
        )

    def setexpected(self, expected_votes: int) -> None:
        """Set the expected votes cluster-wide (like ``corosync-quorumtool -e``)."""
        self._call("votequorum_setexpected", int(expected_votes))

    def setvotes(self, nodeid: int, votes: int) -> None:
        self._call("votequorum_setvotes", int(nodeid), int(votes))

    def trackstart(self, flags: int = Track.CHANGES | Track.CURRENT, context: int = 0) -> None:
        """Start notifications; ``context`` comes back in every event."""
        self._call("votequorum_trackstart", int(context), int(flags))

    def trackstop(self) -> None:
        self._call("votequorum_trackstop")
