"""The controller's decisions, without I/O.

DC choice
    The DC is the member of the controllers' group (``crmd``) with the lowest node id.  Every
    member sees the same views in the same order, so every member names the same DC at the
    same point, with no votes, no election timeout and no ``dc-deadtime`` wait; a partition
    has exactly one DC (its lowest member).  When the DC dies, the next lowest takes over at
    the view change that removes it: it reads the CIB, whose status holds every node's
    operation history, so healthy resources are left alone.

Join
    A controller that enters a view publishes its node's operation history (from its
    lrmd, which re-probes after its own restart) into the status section, then multicasts
    ``joined``.  The DC schedules only when every node the CIB shows online has joined in
    the current view, so it never acts on a stale history of a node that just came back.

Transitions
    :class:`TransitionState` keeps the DC's bookkeeping for one graph run: which actions
    were sent to which node, the CIB version their results were written at (the DC waits
    until its own CIB copy has them before scheduling again), and whether a new run is
    wanted when this one ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from crm.cluster.transport import Member

__all__ = ["JoinState", "TransitionState", "choose_dc", "expected_result_ok"]


def choose_dc(members: Iterable[Member]) -> Member | None:
    """The DC of a view: its member with the lowest node id (then pid)."""
    ordered = sorted(members)
    return ordered[0] if ordered else None


@dataclass
class JoinState:
    """Which nodes' controllers have published their history since the CIB's last sync round.

    A sync round of the CIB daemons (:class:`crm.based.machine.Synced`, tagged alike on every
    node) may replace the status with another partition's copy; a history written before it
    may be gone after it.  So joins count only for the current round's tag: the DC forgets
    every join when its CIB finishes a round, and each controller publishes again when its
    own does."""

    view: int = 0
    members: tuple[Member, ...] = ()
    tag: str = ""
    # node -> the round its last join was made in (a join may arrive before the DC learns
    # of the round it belongs to; it counts once the DC is in that round too)
    rounds: dict[str, str] = field(default_factory=dict)

    def new_view(self, view: int, members: tuple[Member, ...]) -> None:
        # nodes that stayed keep their join: their history stayed current; new ones must join
        names = {m.name for m in members}
        stayed = {m.name for m in self.members} & names
        self.view = view
        self.members = members
        self.rounds = {node: tag for node, tag in self.rounds.items() if node in stayed}

    def new_round(self, tag: str) -> None:
        self.tag = tag

    def join(self, node: str, tag: str) -> bool:
        """Record a join; True when it counts in the current round."""
        if node not in {m.name for m in self.members}:
            return False
        self.rounds[node] = tag
        return tag == self.tag

    @property
    def joined(self) -> set[str]:
        return {node for node, tag in self.rounds.items() if tag == self.tag}

    def missing(self, online: Iterable[str]) -> set[str]:
        """Nodes the CIB shows online whose controller has not joined (yet)."""
        return set(online) - self.joined


@dataclass
class TransitionState:
    transition_id: int = 0
    running: bool = False
    wanted: bool = False  # something changed: schedule again when possible
    reasons: list[str] = field(default_factory=list)
    # action id -> node it was sent to
    in_flight: dict[int, str] = field(default_factory=dict)
    # the CIB must be at least at this version before the next scheduler run
    min_version: tuple[int, int, int] = (0, 0, 0)

    def want(self, reason: str) -> None:
        self.wanted = True
        if len(self.reasons) < 20:
            self.reasons.append(reason)

    def take_reasons(self) -> list[str]:
        reasons, self.reasons = self.reasons, []
        self.wanted = False
        return reasons

    def saw_version(self, version: tuple[int, int, int]) -> None:
        self.min_version = max(self.min_version, version)

    def lost_node(self, node: str) -> list[int]:
        """Actions in flight on a node that left: they will never report."""
        lost = [aid for aid, target in self.in_flight.items() if target == node]
        for aid in lost:
            del self.in_flight[aid]
        return lost


def expected_result_ok(rc: int, op_status: int, target_rc: int, interval_ms: int, action: str) -> bool:
    """Whether an operation's result is what the transition expected."""
    # not "done" (timed out, error, not supported) is a failure; so is any other rc, a
    # probe's included: a probe that finds the resource running is information, not a
    # failure, but the graph was computed on the opposite and must be recomputed
    return op_status == 0 and rc == target_rc
