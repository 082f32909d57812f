"""Hypothesis strategies for synthetic CIBs (tools/cibgen.py) and helpers to simulate graphs."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

from hypothesis import strategies as st
from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))

import cibgen  # noqa: E402

from crm.transition.executor import ActionResult, GraphRun, RunStatus  # noqa: E402
from crm.transition.graph import ActionKind, GraphAction, TransitionGraph, parse_graph  # noqa: E402
from crm.transition.simulation import SimulatedEffect  # noqa: E402
from pengine import ScheduleOptions, schedule  # noqa: E402
from pengine.status_view import Role, unpack_history, unpack_nodes  # noqa: E402

NOW = None  # the CIB's own execution date


@st.composite
def specs(draw: st.DrawFn) -> tuple[cibgen.Spec, int]:
    spec = cibgen.Spec(
        nodes=draw(st.integers(1, 4)),
        resources=draw(st.integers(0, 10)),
        grouped=draw(st.sampled_from([0.0, 0.0, 0.5])),
        group_size=draw(st.integers(2, 3)),
        colocations=draw(st.sampled_from([0.0, 0.1, 0.3])),
        orders=draw(st.sampled_from([0.0, 0.1, 0.3])),
        locations=draw(st.sampled_from([0.0, 0.1, 0.3])),
        clones=draw(st.integers(0, 1)),
        status=draw(st.sampled_from(cibgen.STATUS_KINDS)),
        stonith=draw(st.booleans()),
    )
    return spec, draw(st.integers(0, 2**16))


def run_schedule(cib: etree._Element, scores: bool = False):  # type: ignore[no-untyped-def]
    return schedule(copy.deepcopy(cib), now=NOW, options=ScheduleOptions(show_scores=scores))


EXECUTABLE = (ActionKind.RESOURCE, ActionKind.CLUSTER)


def executable_actions(graph: TransitionGraph) -> list[GraphAction]:
    return [s.action for s in graph.synapses if s.action.kind in EXECUTABLE]


def simulate(cib: etree._Element, graph_xml: str, stop_after: int | None = None) -> RunStatus:
    """Run ``graph_xml`` on ``cib`` (in place) as crm_simulate does; optionally abort after N actions."""
    graph = parse_graph(graph_xml)
    run = GraphRun(graph)
    effect = SimulatedEffect(cib, clock=lambda: 1700000100)
    executed = 0

    def initiate(action: GraphAction) -> ActionResult | None:
        nonlocal executed
        result = effect(action)
        if action.kind is not ActionKind.PSEUDO:
            executed += 1
            if stop_after is not None and executed >= stop_after:
                run.abort(reason="aborted by the test")
        return result

    while True:
        status = run.run_pass(initiate)
        if status is not RunStatus.ACTIVE:
            return status


def placements(cib: etree._Element) -> dict[str, set[str]]:
    """Resource (history id) -> nodes where the status says it is active."""
    nodes = unpack_nodes(cib)
    prims = {str(p.get("id")): p for p in cib.iterfind("configuration/resources//primitive")}
    history = unpack_history(cib, nodes, prims)
    out: dict[str, set[str]] = {}
    for rid, places in history.by_rsc.items():
        for node, place in places.items():
            if place.role > Role.STOPPED and nodes[node].online:
                out.setdefault(rid, set()).add(node)
    return out
