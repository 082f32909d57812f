"""What a scheduler run takes besides the CIB and gives back, and the error for invalid input."""

from __future__ import annotations

from dataclasses import dataclass


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
