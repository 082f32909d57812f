"""Live migration of primitives (``allow-migrate``): migrate_to / migrate_from."""

from __future__ import annotations

from pengine.working import RscState
from pengine.workset import WorkingSet


def can_migrate(ws: WorkingSet, rsc: RscState, current: str) -> bool:
    """``pcmk__rsc_can_migrate``: not yet supported, so resources move by stop and start."""
    return False


def create_migration_actions(ws: WorkingSet, rsc: RscState, current: str | None) -> None:
    """Nothing to add while migration is not supported."""
    return None
