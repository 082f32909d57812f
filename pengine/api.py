"""Public API of the scheduler: ``schedule(cib) -> Result``.

The scheduler is a pure function: the CIB, the time and the options are arguments; it does no
I/O and keeps no global state, so the same input always gives the same output.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree


class CibError(Exception):
    """Invalid scheduler input: the message names the element and the reason."""


@dataclass(frozen=True)
class ScheduleOptions:
    """What to compute besides the transition graph."""

    show_scores: bool = False  # fill Result.scores
    show_utilization: bool = False  # fill Result.utilization


@dataclass(frozen=True)
class Result:
    """Everything one scheduler run produces."""

    graph_xml: str  # <transition_graph ...> exactly as `crm_simulate -G` writes it
    dot: str  # as `crm_simulate -D` writes it
    scores: tuple[str, ...]  # score lines as in crm_simulate -s
    utilization: tuple[str, ...]  # utilization lines (-U)
    transition_summary: tuple[str, ...]  # lines under "Transition Summary:"
    messages: tuple[str, ...]  # configuration errors and warnings


def schedule(
    cib: etree._Element,
    *,
    now: datetime | None = None,
    options: ScheduleOptions = ScheduleOptions(),
) -> Result:
    """Compute the transition graph (and optional views) for ``cib``.

    ``now=None`` means the time recorded in the CIB (``execution-date`` in crm_config or the
    ``cib-last-written`` stamp) or, failing that, a fixed epoch; never the wall clock.
    """
    from pengine.scheduler import run_scheduler

    return run_scheduler(cib, now=now, options=options)
