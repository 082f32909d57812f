"""``pacerd``: the per-node launcher (supervision machine, system-mode configuration,
asyncio shell).  ``pacerd [--run-dir DIR]``; see :mod:`crm.pacerd.daemon`."""

from __future__ import annotations

from crm.pacerd.daemon import main

__all__ = ["main"]
