"""The functions ``pengine/clones_bridge.py`` looks up (the core pipeline's clone hooks).

Each one forwards to the implementation in :mod:`pengine.clones.bridge`; see there and
``REQUESTS.md`` for the semantics.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pengine.clones import bridge
from pengine.clones.expand import expand_clones
from pengine.model import Cluster, ColocationConstraint, RscHistory
from pengine.working import Action, AFlag, Order, RscState
from pengine.workset import WorkingSet

if TYPE_CHECKING:
    from pengine.placement import Placement


def history(cluster: Cluster) -> tuple[RscHistory, ...]:
    """The op history with anonymous clone entries re-keyed to their instances (``rsc`` on
    the second node -> ``rsc:1``); use it instead of ``cluster.history``."""
    return expand_clones(cluster).history


def build_children(ws: WorkingSet, rsc: RscState) -> None:
    """Create the instance states of the clone ``rsc``."""
    expansion = expand_clones(ws.cluster)
    clone = expansion.clones.get(rsc.id)
    if clone is not None:
        bridge.build_clone_children(ws, rsc, clone, expansion)


def assign_clone(placement: Placement, rsc: RscState) -> None:
    bridge.assign_clone_state(placement, rsc)


def colocate_with_clone(placement: Placement, dependent: RscState, primary: RscState,
                        con: ColocationConstraint) -> None:
    bridge.colocate_with_clone(placement, dependent, primary, con)


def clone_merge_weights(placement: Placement, rsc: RscState, primary_id: str, nodes: dict[str, int] | None,
                        attr: str, factor: float, *, rollback: bool, positive: bool, forward: bool = False,
                        init: bool = False) -> dict[str, int]:
    return bridge.clone_merge_weights(placement, rsc, primary_id, nodes, attr, factor, rollback=rollback,
                                      positive=positive, forward=forward, init=init)


def create_actions(ws: WorkingSet, rsc: RscState) -> None:
    bridge.clone_create_actions(ws, rsc)


def internal_constraints(ws: WorkingSet, rsc: RscState) -> None:
    bridge.clone_internal_constraints(ws, rsc)


def action_flags(ws: WorkingSet, action: Action, node: str | None) -> AFlag:
    return bridge.clone_action_flags(ws, action, node)


def update_ordered_actions(ws: WorkingSet, first: Action, then: Action, node: str | None, flags: AFlag,
                           filt: AFlag, otype: Order) -> tuple[bool, bool]:
    return bridge.clone_update_ordered(ws, first, then, node, flags, filt, otype)


def notify_remap(rsc: RscState, rid: str, task: str) -> str | None:
    return bridge.notify_remap(rsc, rid, task)


def clone_min_ordering(ws: WorkingSet, first: RscState, first_action: str, then: RscState, then_action: str,
                       flags: Order, *, order_id: str | None = None, require_all: bool = True) -> bool:
    return bridge.clone_min_ordering(ws, first, first_action, then, then_action, flags, order_id=order_id,
                                     require_all=require_all)


def expand(ws: WorkingSet, rsc: RscState) -> None:
    """``clone_expand``: instance notifications, once action flags are final."""
    bridge.clone_expand(ws, rsc)


def order_notifs_after_fencing(ws: WorkingSet, stop: Action, rsc: RscState, stonith: Action) -> None:
    """Call for each stop of a clone instance that fencing makes a pseudo action."""
    bridge.order_notifs_after_fencing(ws, stop, rsc, stonith)


def order_probes_before_restarts(ws: WorkingSet) -> None:
    """Call in ``apply_orderings`` after the orderings are applied and before
    ``add_probe_orderings_for_stops`` (Pacemaker's ``pcmk__order_probes``)."""
    bridge.order_probes_before_restarts(ws)
