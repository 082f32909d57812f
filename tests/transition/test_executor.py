"""Graph executor: firing order, confirmation, failure handling, async driver."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.transition.executor import (
    ActionResult,
    ExecutorError,
    GraphRun,
    RunStatus,
    run_graph,
    run_graph_async,
)
from crm.transition.graph import (
    INFINITY,
    ActionKind,
    GraphAction,
    GraphError,
    Synapse,
    TransitionGraph,
    parse_graph,
)


def _graph(spec: list[tuple[int, str, list[int]]], priority: dict[int, int] | None = None,
           attrs: dict[str, str] | None = None) -> TransitionGraph:
    """(action id, kind, inputs) triples -> graph; kinds: 'p' pseudo, 'r' resource, 'c' cluster."""
    kinds = {"p": ActionKind.PSEUDO, "r": ActionKind.RESOURCE, "c": ActionKind.CLUSTER}
    synapses = []
    for n, (aid, kind, inputs) in enumerate(spec):
        action = GraphAction(id=aid, kind=kinds[kind], operation="start", operation_key=f"a{aid}_start_0",
                             on_node="n1")
        synapses.append(Synapse(id=n, priority=(priority or {}).get(aid, 0), action=action, inputs=tuple(inputs)))
    from types import MappingProxyType

    return TransitionGraph(transition_id=1, synapses=tuple(synapses), attributes=MappingProxyType(attrs or {}))


def ok_effect(action: GraphAction) -> ActionResult:
    return ActionResult(action.id, ok=True)


def test_fires_in_graph_order_when_inputs_confirmed() -> None:
    # synapse order: 3 depends on 1, 1 on 2; 2 has no inputs
    g = _graph([(3, "r", [1]), (1, "r", [2]), (2, "r", [])])
    outcome = run_graph(g, ok_effect)
    assert outcome.status is RunStatus.COMPLETE
    assert outcome.fired == (2, 1, 3)


def test_immediate_confirmation_lets_later_synapses_fire_in_the_same_pass() -> None:
    g = _graph([(1, "r", []), (2, "p", [1]), (3, "r", [2])])
    run = GraphRun(g)
    seen: list[int] = []

    def effect(action: GraphAction) -> ActionResult:
        seen.append(action.id)
        return ActionResult(action.id, ok=True)

    assert run.run_pass(effect) is RunStatus.ACTIVE
    assert seen == [1, 2, 3]
    assert run.run_pass(effect) is RunStatus.COMPLETE


def test_failure_aborts_but_pseudo_actions_still_fire() -> None:
    # 1 fails; 2 (independent resource action) is skipped after the abort; 4 (pseudo) still fires
    g = _graph([(1, "r", []), (2, "r", [5]), (5, "p", [1]), (4, "p", [])])
    outcome = run_graph(g, lambda a: ActionResult(a.id, ok=a.id != 1, rc=1 if a.id == 1 else 0))
    assert outcome.status is RunStatus.ABORTED
    assert outcome.failed == (1,)
    assert 4 in outcome.fired
    assert 5 not in outcome.fired  # its input failed
    assert 2 not in outcome.fired


def test_failure_releases_synapses_of_infinity_priority() -> None:
    g = _graph([(1, "r", []), (2, "r", [1])], priority={2: INFINITY})
    outcome = run_graph(g, lambda a: ActionResult(a.id, ok=a.id != 1))
    assert outcome.fired == (1, 2)


def test_can_fail_action_does_not_abort() -> None:
    from types import MappingProxyType

    action = GraphAction(id=1, kind=ActionKind.RESOURCE, operation="stop", operation_key="r_stop_0",
                         on_node="n1", attributes=MappingProxyType({"CRM_meta_can_fail": "true"}))
    follow = GraphAction(id=2, kind=ActionKind.RESOURCE, operation="start", operation_key="r_start_0", on_node="n1")
    g = TransitionGraph(1, (Synapse(0, 0, action, ()), Synapse(1, 0, follow, (1,))))
    outcome = run_graph(g, lambda a: ActionResult(a.id, ok=False))
    assert outcome.fired == (1, 2)


def test_missing_input_terminates() -> None:
    g = _graph([(1, "r", [99])])
    assert run_graph(g, ok_effect).status is RunStatus.TERMINATED


def test_batch_limit_bounds_actions_in_flight() -> None:
    g = _graph([(i, "r", []) for i in range(1, 6)], attrs={"batch-limit": "2"})
    run = GraphRun(g)
    started: list[int] = []

    def later(action: GraphAction) -> None:
        started.append(action.id)
        return None

    assert run.run_pass(later) is RunStatus.ACTIVE
    assert started == [1, 2]
    run.confirm(ActionResult(1, ok=True))
    run.run_pass(later)
    assert started == [1, 2, 3]


def test_node_action_limit_bounds_actions_in_flight_per_node() -> None:
    from dataclasses import replace

    g = _graph([(i, "r", []) for i in range(1, 6)] + [(6, "p", [])])
    # actions 1-3 on n1, 4-5 on n2; the pseudo action 6 counts on no node
    synapses = tuple(replace(s, action=replace(s.action, on_node="n2")) if s.action.id in (4, 5) else s
                     for s in g.synapses)
    g = replace(g, synapses=synapses)
    run = GraphRun(g, node_action_limit=1)
    started: list[int] = []

    def later(action: GraphAction) -> None:
        if action.kind is not ActionKind.PSEUDO:
            started.append(action.id)
        return None

    assert run.run_pass(later) is RunStatus.ACTIVE
    assert started == [1, 4]  # one per node; the rest wait
    run.confirm(ActionResult(4, ok=True))
    run.run_pass(later)
    assert started == [1, 4, 5]
    run.confirm(ActionResult(1, ok=True))
    run.confirm(ActionResult(5, ok=True))
    run.run_pass(later)
    assert started == [1, 4, 5, 2]
    run.confirm(ActionResult(2, ok=True))
    run.run_pass(later)
    run.confirm(ActionResult(3, ok=True))
    assert run.run_pass(later) is RunStatus.COMPLETE
    unlimited = GraphRun(g)
    started.clear()
    unlimited.run_pass(later)
    assert started == [1, 2, 3, 4, 5]


def test_confirming_twice_is_an_error() -> None:
    g = _graph([(1, "r", [])])
    run = GraphRun(g)
    run.run_pass(ok_effect)
    with pytest.raises(ExecutorError):
        run.confirm(ActionResult(1, ok=True))


def test_synchronous_driver_rejects_effects_that_defer() -> None:
    g = _graph([(1, "r", [])])
    with pytest.raises(ExecutorError):
        run_graph(g, lambda a: None)


def test_async_driver_runs_independent_actions_concurrently() -> None:
    g = _graph([(1, "r", []), (2, "r", []), (3, "p", [1, 2]), (4, "r", [3])])
    running: set[int] = set()
    overlap: list[bool] = []

    async def execute(action: GraphAction) -> ActionResult:
        running.add(action.id)
        await asyncio.sleep(0.01)
        overlap.append(len(running) > 1)
        running.discard(action.id)
        return ActionResult(action.id, ok=True)

    outcome = asyncio.run(run_graph_async(g, execute))
    assert outcome.status is RunStatus.COMPLETE
    assert outcome.fired.index(4) > outcome.fired.index(3)
    assert any(overlap)


def test_async_driver_turns_exceptions_into_failures() -> None:
    g = _graph([(1, "r", []), (2, "r", [1])])

    async def execute(action: GraphAction) -> ActionResult:
        raise RuntimeError("agent crashed")

    outcome = asyncio.run(run_graph_async(g, execute))
    assert outcome.failed == (1,)
    assert outcome.status is RunStatus.ABORTED


@st.composite
def dags(draw: st.DrawFn) -> list[tuple[int, str, list[int]]]:
    n = draw(st.integers(1, 15))
    spec = []
    for i in range(1, n + 1):
        inputs = draw(st.lists(st.integers(1, i - 1), unique=True, max_size=3)) if i > 1 else []
        spec.append((i, draw(st.sampled_from("prc")), inputs))
    order = draw(st.permutations(list(range(n))))
    return [spec[k] for k in order]


@settings(max_examples=60, deadline=None)
@given(dags())
def test_every_action_fires_once_after_its_inputs(spec: list[tuple[int, str, list[int]]]) -> None:
    outcome = run_graph(_graph(spec), ok_effect)
    assert outcome.status is RunStatus.COMPLETE
    assert sorted(outcome.fired) == sorted(a for a, _, _ in spec)
    position = {a: i for i, a in enumerate(outcome.fired)}
    for aid, _, inputs in spec:
        assert all(position[i] < position[aid] for i in inputs)


@settings(max_examples=60, deadline=None)
@given(dags(), st.data())
def test_nothing_depending_on_a_failure_fires(spec: list[tuple[int, str, list[int]]], data: st.DataObject) -> None:
    failing = data.draw(st.sampled_from([a for a, _, _ in spec]))
    outcome = run_graph(_graph(spec), lambda a: ActionResult(a.id, ok=a.id != failing))
    deps = {a: set(i) for a, _, i in spec}
    # every transitive dependent of the failed action never fires
    downstream = {failing}
    changed = True
    while changed:
        changed = False
        for a, ins in deps.items():
            if a not in downstream and ins & downstream:
                downstream.add(a)
                changed = True
    kind = {a: k for a, k, _ in spec}
    if kind[failing] != "p":  # pseudo actions cannot fail
        assert not (set(outcome.fired) & (downstream - {failing}))
        assert outcome.status is RunStatus.ABORTED


def test_parse_graph_reads_actions_and_inputs() -> None:
    g = parse_graph(
        """<transition_graph transition_id="3" batch-limit="5">
          <synapse id="0" priority="1000000">
            <action_set><rsc_op id="4" operation="start" operation_key="r_start_0" on_node="n1" on_node_uuid="1">
              <primitive id="r" long-id="r:0" class="ocf" provider="heartbeat" type="Dummy"/>
              <attributes CRM_meta_timeout="20000" CRM_meta_interval="0" fake="x"/>
            </rsc_op></action_set>
            <inputs><trigger><pseudo_event id="7" operation="stop" operation_key="g_stop_0"/></trigger></inputs>
          </synapse>
          <synapse id="1"><action_set><pseudo_event id="7" operation="stop" operation_key="g_stop_0"/></action_set>
            <inputs/></synapse>
        </transition_graph>"""
    )
    assert g.transition_id == 3 and g.batch_limit == 5
    s = g.synapses[0]
    assert s.priority == INFINITY and s.inputs == (7,)
    assert s.action.resource is not None and s.action.resource.long_id == "r:0"
    assert s.action.params == {"fake": "x"} and s.action.timeout_ms == 20000


@pytest.mark.parametrize(
    "text",
    [
        "<nope/>",
        "<transition_graph><synapse id='0'><action_set/></synapse></transition_graph>",
        "<transition_graph><synapse id='0'><action_set><rsc_op operation='x'/></action_set></synapse></transition_graph>",
        "<transition_graph",
    ],
)
def test_parse_graph_rejects_bad_input(text: str) -> None:
    with pytest.raises(GraphError):
        parse_graph(text)


def test_async_failure_lets_in_flight_actions_finish_but_starts_nothing_new() -> None:
    # 1 and 2 start together; 1 fails fast, 2 is slow; 3 waits for 2 and must not start.
    g = _graph([(1, "r", []), (2, "r", []), (3, "r", [2])])
    finished: list[int] = []

    async def execute(action: GraphAction) -> ActionResult:
        await asyncio.sleep(0.0 if action.id == 1 else 0.05)
        finished.append(action.id)
        return ActionResult(action.id, ok=action.id != 1)

    outcome = asyncio.run(run_graph_async(g, execute))
    assert outcome.status is RunStatus.ABORTED
    assert finished == [1, 2]  # the slow action completed and was confirmed
    assert 3 not in outcome.fired and 3 in outcome.skipped
