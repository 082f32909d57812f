"""What utilization and the clone bridge need of the core assignment stage
(:class:`pengine.placement.Placement` implements it), so that neither imports that stage."""

from __future__ import annotations

from typing import Protocol

from pengine.clones.context import AssignContext
from pengine.model import ColocationConstraint
from pengine.working import RscState
from pengine.workset import WorkingSet


class PlacementState(AssignContext, Protocol):
    """The assignment state over a working set, as the clones' :class:`AssignContext` and more."""

    ws: WorkingSet
    clone_assigning: set[str]
    left_provisional: list[RscState]

    def apply_coloc_score(self, dependent: RscState, primary: RscState, con: ColocationConstraint) -> None:
        """``rsc_colocation_lh`` -> the primary's ``rsc_colocation_rh``."""

    def filter_colocation(self, dependent: RscState, primary: RscState, con: ColocationConstraint,
                          preview: bool) -> str:
        """``filter_colocation_constraint``: ``"nothing"``, ``"priority"`` or ``"location"``."""

    def native_merge_weights(self, rsc: RscState, primary_id: str, nodes: dict[str, int] | None, attr: str,
                             factor: float, *, rollback: bool, positive: bool, forward: bool,
                             init: bool = False) -> dict[str, int]:
        """``pcmk__native_merge_weights``: the node table merged along colocations."""

    def sort_nodes(self, rsc: RscState, current: str | None) -> list[str]:
        """``pcmk__sort_nodes``: the resource's allowed nodes, best first."""

    def finalize(self, rsc: RscState, chosen: str | None, force: bool) -> bool:
        """``pcmk__finalize_assignment`` (``chosen`` None: assigned nowhere)."""
