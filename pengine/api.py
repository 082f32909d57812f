"""Public API of the scheduler: ``schedule(cib) -> Result``.

The scheduler is a pure function: the CIB, the time and the options are arguments; it does no
I/O and keeps no global state, so the same input always gives the same output.
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from pengine.result import CibError, Result, ScheduleOptions
from pengine.scheduler import run_scheduler

__all__ = ["CibError", "Result", "ScheduleOptions", "schedule"]

_DEFAULTS = ScheduleOptions()


def schedule(
    cib: etree._Element,
    *,
    now: datetime | None = None,
    options: ScheduleOptions = _DEFAULTS,
) -> Result:
    """Compute the transition graph (and optional views) for ``cib``.

    ``now=None`` means the time recorded in the CIB (``execution-date`` in crm_config or the
    ``cib-last-written`` stamp) or, failing that, a fixed epoch; never the wall clock.
    """
    return run_scheduler(cib, now=now, options=options)
