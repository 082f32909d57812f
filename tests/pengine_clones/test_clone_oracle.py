"""Clone scenarios compared with Debian's Pacemaker 2.1.5 scheduler (``/usr/sbin/crm_simulate``).

Hypothesis draws small clusters (2-4 nodes, standby and offline nodes, bans) and clones
(anonymous or unique, promotable or not, clone-max, clone-node-max, notify, ordered) with
instances already running or promoted; our transition graph must have the same actions and
the same orderings as Pacemaker's.
"""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from clone_cibs import Running, Scenario, build_cib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from pengine import schedule

ORACLE = "/usr/sbin/crm_simulate"

pytestmark = [
    pytest.mark.oracle,
    pytest.mark.skipif(shutil.which(ORACLE) is None, reason="Debian's crm_simulate is not installed"),
]


def graph_shape(graph_xml: str) -> tuple[Counter[str], set[str]]:
    """(actions, edges) of a transition graph, numbering removed (edges as a set, like the
    conformance comparator)."""
    root = etree.fromstring(graph_xml.encode())

    def key(elem: etree._Element) -> str:
        node = elem.get("on_node")
        return f"{elem.get('operation_key')} {node}" if node else str(elem.get("operation_key"))

    actions: Counter[str] = Counter()
    edges: set[str] = set()
    for synapse in root.findall("synapse"):
        action_set = synapse.find("action_set")
        assert action_set is not None
        action = action_set[0]
        actions[key(action)] += 1
        inputs = synapse.find("inputs")
        for trigger in inputs if inputs is not None else []:
            edges.add(f"{key(trigger[0])} -> {key(action)}")
    return actions, edges


def oracle_graph(cib_text: str, tmp_path: Path) -> str:
    cib = tmp_path / "cib.xml"
    out = tmp_path / "graph.xml"
    cib.write_text(cib_text)
    subprocess.run([ORACLE, "-x", str(cib), "-G", str(out), "-Q"], check=True, capture_output=True,
                   timeout=60)
    return out.read_text()


def ours(cib_text: str) -> str:
    return schedule(etree.fromstring(cib_text.encode())).graph_xml


def assert_same_graph(scenario: Scenario, tmp_path: Path) -> None:
    text = build_cib(scenario)
    exp_actions, exp_edges = graph_shape(oracle_graph(text, tmp_path))
    got_actions, got_edges = graph_shape(ours(text))
    assert sorted((exp_actions - got_actions).elements()) == [], "missing actions"
    assert sorted((got_actions - exp_actions).elements()) == [], "extra actions"
    assert sorted(exp_edges - got_edges) == [], "missing orderings"
    assert sorted(got_edges - exp_edges) == [], "extra orderings"


NODES = ("n1", "n2", "n3", "n4")


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    count = draw(st.integers(min_value=2, max_value=4))
    nodes = NODES[:count]
    unique = draw(st.booleans())
    promotable = draw(st.booleans())
    clone_max = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=count + 1)))
    clone_node_max = draw(st.integers(min_value=1, max_value=2)) if unique else 1
    # the last node may be standby, offline or banned
    special = draw(st.sampled_from(["none", "standby", "offline", "ban"]))
    last = nodes[-1]
    where = draw(st.lists(st.sampled_from(nodes), max_size=count, unique=True))
    running: list[Running] = []
    limit = clone_max if clone_max is not None else count
    for number, node in enumerate(where[:limit]):
        rsc_id = f"r:{number}" if unique else "r"
        promoted = promotable and number == 0 and draw(st.booleans())
        running.append(Running(node, rsc_id, promoted, failed=draw(st.booleans()) and number == 1))
    second = draw(st.booleans())
    second_running: tuple[str, ...] = ()
    if second:
        second_running = tuple(draw(st.lists(st.sampled_from(nodes), max_size=count, unique=True)))
    scores = {}
    if promotable:
        scores = {n: draw(st.sampled_from([5, 10, 50])) for n in nodes if draw(st.booleans())}
    return Scenario(
        nodes=nodes,
        clone_max=clone_max,
        clone_node_max=clone_node_max,
        unique=unique,
        promotable=promotable,
        notify=draw(st.booleans()),
        ordered=draw(st.booleans()),
        standby=frozenset({last}) if special == "standby" else frozenset(),
        offline=frozenset({last}) if special == "offline" else frozenset(),
        bans=(last,) if special == "ban" else (),
        running=tuple(running),
        promotion_scores=scores,
        second=second,
        second_running=second_running,
        interleave=second and draw(st.booleans()),
        colocated=second and draw(st.booleans()),
        ordered_after=second and draw(st.booleans()),
    )


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios())
def test_random_clone_scenarios_match_pacemaker(scenario: Scenario, tmp_path: Path) -> None:
    assert_same_graph(scenario, tmp_path)


@pytest.mark.parametrize(
    "scenario",
    [
        # a new anonymous instance starts on the free node
        Scenario(nodes=("n1", "n2"), running=(Running("n1", "r"),)),
        # clone-max below the number of nodes: the running instance stays
        Scenario(nodes=("n1", "n2", "n3"), clone_max=1, running=(Running("n2", "r"),)),
        # a standby node loses its instance
        Scenario(nodes=("n1", "n2"), standby=frozenset({"n2"}),
                 running=(Running("n1", "r"), Running("n2", "r"))),
        # unique instances, two per node
        Scenario(nodes=("n1", "n2"), clone_max=4, clone_node_max=2, unique=True,
                 running=(Running("n1", "r:0"), Running("n1", "r:1"), Running("n1", "r:2"))),
        # notifications around a start and a stop
        Scenario(nodes=("n1", "n2", "n3"), notify=True, bans=("n3",),
                 running=(Running("n1", "r"), Running("n3", "r"))),
        # promotion by score, then the promoted instance keeps its role
        Scenario(nodes=("n1", "n2"), promotable=True, promotion_scores={"n2": 10},
                 running=(Running("n1", "r"), Running("n2", "r"))),
        Scenario(nodes=("n1", "n2"), promotable=True, notify=True, promotion_scores={"n1": 5, "n2": 10},
                 running=(Running("n1", "r", promoted=True), Running("n2", "r"))),
        # ordered clone: starts one after the other
        Scenario(nodes=("n1", "n2", "n3"), ordered=True),
    ],
)
def test_clone_examples_match_pacemaker(scenario: Scenario, tmp_path: Path) -> None:
    assert_same_graph(scenario, tmp_path)
