"""The transport interface every daemon talks to.

A transport is one process's membership of one named group (``cib``, ``attrd``, ...).
Its guarantees, identical for every implementation (the contract tests check them):

* **Total order**: every member of a view receives the messages sent in that view in the
  same order, its own messages included (a sender sees its message only on delivery, so
  state changes are applied on delivery, never on send).
* **Virtual synchrony**: view changes are events in the same stream; two processes that
  both pass from view V to view V' have received the same messages in V.
* **Views**: the first event after :meth:`Transport.join` is a :class:`ViewChange` that
  contains the local member.  A member that dies or is cut off leaves the next view.
* **Quorum**: :class:`QuorumChange` events report whether this node's partition is
  quorate; :attr:`Transport.quorate` holds the last value.

Events come from :meth:`Transport.next_event`; it raises :class:`TransportClosed` once the
transport is gone (the daemon then exits and its launcher restarts it).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

__all__ = [
    "Delivery",
    "Event",
    "Member",
    "QuorumChange",
    "Transport",
    "TransportClosed",
    "TransportError",
    "ViewChange",
]


class TransportError(Exception):
    """The transport refused an operation (message too large, not joined, ...)."""


class TransportClosed(TransportError):
    """The transport is gone: the connection to the bus or to Corosync dropped."""


@dataclass(frozen=True, order=True, slots=True)
class Member:
    """A process in a group: its node's id and name, and its own process id."""

    nodeid: int
    name: str
    pid: int = 0

    def __str__(self) -> str:
        return self.name or f"node{self.nodeid}"


@dataclass(frozen=True, slots=True)
class Delivery:
    """A message, delivered in the agreed order."""

    sender: Member
    payload: bytes


@dataclass(frozen=True, slots=True)
class ViewChange:
    """A new membership view of the group (members sorted by node id)."""

    view: int
    members: tuple[Member, ...]
    joined: tuple[Member, ...]
    left: tuple[Member, ...]

    def names(self) -> list[str]:
        return [m.name for m in self.members]


@dataclass(frozen=True, slots=True)
class QuorumChange:
    """Quorum of this node's partition, with the node ids it counts."""

    quorate: bool
    nodes: tuple[int, ...]


Event = Delivery | ViewChange | QuorumChange


class Transport(abc.ABC):
    """One process's membership of one group."""

    local: Member
    quorate: bool = False

    @abc.abstractmethod
    async def join(self) -> None:
        """Connect and join the group; the first event is then the view with us in it."""

    @abc.abstractmethod
    async def send(self, payload: bytes) -> None:
        """Multicast ``payload`` to the group (ourselves included), in the agreed order."""

    @abc.abstractmethod
    async def next_event(self) -> Event:
        """The next delivery, view change or quorum change."""

    def pending(self) -> int:
        """How many events :meth:`next_event` can return without waiting (a hint for
        batching: 0 when nothing is known to be waiting)."""
        return 0

    @abc.abstractmethod
    def max_message_size(self) -> int:
        """The largest payload :meth:`send` accepts."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Leave the group and release the connection (idempotent)."""
