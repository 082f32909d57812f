"""Which clone instance an operation-history entry belongs to (``find_anonymous_clone``).

A globally-unique clone records each instance under its own id (``child:N``). An anonymous
clone records every instance under the child's plain id (``child``, or ``child:N`` from older
versions), so the scheduler decides which instance number each node's history describes.
Pacemaker does this while it unpacks the status section, node by node, and so does
:class:`AnonymousInstances`: call :meth:`AnonymousInstances.resolve` for each
``lrm_resource`` in unpacking order, then :meth:`AnonymousInstances.mark_active` once the
history shows the instance active (or pending) on that node.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def strip_instance(rsc_id: str) -> str:
    """``child:3`` -> ``child`` (Pacemaker's ``clone_strip``); other ids unchanged."""
    base, sep, number = rsc_id.rpartition(":")
    if sep and number.isdigit():
        return base
    return rsc_id


def instance_number(rsc_id: str) -> int | None:
    """``child:3`` -> 3; ``None`` when the id has no instance suffix."""
    _, sep, number = rsc_id.rpartition(":")
    if sep and number.isdigit():
        return int(number)
    return None


@dataclass(frozen=True)
class Resolution:
    """Outcome of resolving one history entry: instance number and whether it is an orphan."""

    number: int
    orphan: bool

    def instance_id(self, child_id: str) -> str:
        return f"{child_id}:{self.number}"


@dataclass
class AnonymousInstances:
    """Instance-number bookkeeping of one anonymous clone during status unpacking.

    ``clone_max`` is the number of configured instances; orphans get the next numbers.
    ``requires_fencing`` is false when the child has ``requires`` quorum or nothing, in which
    case history on an offline or unclean node is not given a configured instance number.
    ``universal`` is true when the clone has an instance for every node (clone-max >= nodes).
    For a cloned group, ``member`` names the group member whose history is unpacked; for a
    cloned primitive it is the primitive's id.
    """

    clone_max: int
    requires_fencing: bool = True
    universal: bool = False
    #: instance number -> node -> members known active (or pending) there, in order seen
    active: dict[int, dict[str, set[str]]] = field(default_factory=dict)
    #: instance number -> node where an action on it is pending
    pending: dict[int, str] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)
    orphans: int = 0

    def _new_orphan(self) -> Resolution:
        number = self.clone_max + self.orphans
        self.orphans += 1
        return Resolution(number, True)

    def resolve(self, node: str, member: str, *, node_online: bool = True,
                node_unclean: bool = False, guest_node: bool = False) -> Resolution:
        """Pick the instance whose history of ``member`` on ``node`` is being unpacked now."""
        chosen: int | None = None
        inactive: int | None = None
        skip_inactive = False
        for number in range(self.clone_max + self.orphans):
            locations = self.active.get(number, {})
            if locations:
                if next(iter(locations)) == node:
                    if member in locations[node]:
                        # a second history entry for an instance already active on this
                        # node (globally-unique was switched off): treat it as an orphan
                        skip_inactive = True
                        continue
                    chosen = number
                    break
            elif not skip_inactive and inactive is None and number not in self.blocked:
                pending = self.pending.get(number)
                if pending is None or pending == node:
                    inactive = number
        if chosen is None and not skip_inactive and inactive is not None:
            chosen = inactive
        if chosen is not None and not self.requires_fencing \
                and (not node_online or node_unclean) and not guest_node and not self.universal:
            chosen = None
        return Resolution(chosen, False) if chosen is not None else self._new_orphan()

    def mark_active(self, number: int, node: str, member: str) -> None:
        """Record that the history shows ``member`` of instance ``number`` active on ``node``."""
        self.active.setdefault(number, {}).setdefault(node, set()).add(member)

    def mark_pending(self, number: int, node: str) -> None:
        """Record that instance ``number`` has an action pending on ``node``."""
        self.pending[number] = node
