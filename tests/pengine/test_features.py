"""Migration, tickets, utilization, configuration changes, order sets, probes of clones."""

from __future__ import annotations

from lxml import etree
from pengine_cibs import Cib, dummy, node_state, parse_graph, run, running

from pengine import ScheduleOptions, schedule


def test_allow_migrate_moves_by_migration() -> None:
    cib = Cib(resources=dummy("vm", {"allow-migrate": "true"}),
              constraints='<rsc_location id="l" rsc="vm" node="node2" score="100"/>',
              states={"node1": node_state("node1", lrm=running("vm"))})
    graph, _, summary = run(cib)
    assert {"vm_migrate_to_0 node1", "vm_migrate_from_0 node2", "vm_stop_0 node1", "vm_start_0"} <= graph.actions
    assert ("vm_migrate_to_0 node1", "vm_migrate_from_0 node2") in graph.edges
    assert ("vm_migrate_from_0 node2", "vm_stop_0 node1") in graph.edges
    assert summary == ("  * Migrate    vm      ( node1 -> node2 )",)


def test_ticket_not_granted_stops_the_resource() -> None:
    cib = Cib(nodes=["node1"], resources=dummy("rsc1"),
              constraints='<rsc_ticket id="t" rsc="rsc1" ticket="ticketA" loss-policy="stop"/>',
              states={"node1": node_state("node1", lrm=running("rsc1"))})
    graph, scores, _ = run(cib, scores=True)
    assert graph.actions == frozenset({"rsc1_stop_0 node1"})
    assert "pcmk__primitive_assign: rsc1 allocation score on node1: -INFINITY" in scores


def test_granted_ticket_lets_the_resource_run() -> None:
    cib = Cib(nodes=["node1"], resources=dummy("rsc1"),
              constraints='<rsc_ticket id="t" rsc="rsc1" ticket="ticketA"/>')
    root = cib.xml()
    status = root.find("status")
    assert status is not None
    status.append(etree.fromstring(
        '<tickets><ticket_state id="ticketA" granted="true"/></tickets>'))


    graph = parse_graph(schedule(root).graph_xml)
    assert graph.has("rsc1_start_0 node1")


def test_utilization_respects_capacity() -> None:
    def with_util(rid: str, cpu: int) -> str:
        return dummy(rid).replace("</primitive>", f'<utilization id="{rid}-u"><nvpair id="{rid}-cpu" name="cpu" '
                                                  f'value="{cpu}"/></utilization></primitive>')

    cib = Cib(options={"stonith-enabled": "false", "no-quorum-policy": "ignore", "placement-strategy": "utilization"},
              resources=with_util("big", 3) + with_util("small", 2))
    root = cib.xml()
    for node in root.iter("node"):
        node.append(etree.fromstring(
            f'<utilization id="{node.get("id")}-u"><nvpair id="{node.get("id")}-cpu" name="cpu" value="4"/>'
            "</utilization>"))


    result = schedule(root, options=ScheduleOptions(show_utilization=True))
    graph = parse_graph(result.graph_xml)
    starts = {a.split()[0]: a.split()[1] for a in graph.actions if "_start_0" in a}
    assert starts["big_start_0"] != starts["small_start_0"]
    assert "Original: node1 capacity: cpu=4" in result.utilization
    remaining = {line for line in result.utilization if line.startswith("Remaining:")}
    assert remaining == {"Remaining: node1 capacity: cpu=1", "Remaining: node2 capacity: cpu=2"} or \
        remaining == {"Remaining: node1 capacity: cpu=2", "Remaining: node2 capacity: cpu=1"}


def test_changed_parameters_restart_the_resource() -> None:
    stale = running("rsc1").replace('op-digest="', 'op-digest="0')
    cib = Cib(nodes=["node1"], resources=dummy("rsc1"), states={"node1": node_state("node1", lrm=stale)})
    graph, _, summary = run(cib)
    assert ("rsc1_stop_0 node1", "rsc1_start_0 node1") in graph.edges
    assert summary == ("  * Restart    rsc1    ( node1 )  due to resource definition change",)


def test_orphan_is_stopped_and_forgotten() -> None:
    cib = Cib(nodes=["node1"], resources="", states={"node1": node_state("node1", lrm=running("gone"))})
    graph, _, _ = run(cib)
    assert ("gone_stop_0 node1", "gone_delete_0 node1") in graph.edges


def test_one_or_more_set() -> None:
    constraints = ('<rsc_order id="o"><resource_set id="s1" sequential="false" require-all="false">'
                   '<resource_ref id="a"/><resource_ref id="b"/></resource_set>'
                   '<resource_set id="s2"><resource_ref id="c"/></resource_set></rsc_order>'
                   '<rsc_location id="ban" rsc="a" node="node1" score="-INFINITY"/>')
    cib = Cib(nodes=["node1"], resources=dummy("a") + dummy("b") + dummy("c"), constraints=constraints)
    graph, _, _ = run(cib)
    assert ("b_start_0 node1", "one-or-more:s1") in graph.edges
    assert ("one-or-more:s1", "c_start_0 node1") in graph.edges


def test_anonymous_clone_is_probed_once_per_node() -> None:
    cib = Cib(resources='<clone id="cl">' + dummy("c") + "</clone>")
    graph, _, _ = run(cib)
    probes = sorted(a for a in graph.actions if "_monitor_0" in a)
    assert len(probes) == 2
    assert {"cl_start_0", "cl_running_0"} <= graph.actions


def test_shutdown_waits_for_stops() -> None:
    cib = Cib(resources=dummy("rsc1"),
              states={"node1": node_state("node1", attrs={"shutdown": "1234"}, lrm=running("rsc1"))})
    graph, _, _ = run(cib)
    assert ("rsc1_stop_0 node1", "do_shutdown-node1 node1") in graph.edges
    assert graph.has("rsc1_start_0 node2")


def test_remote_node_actions_follow_the_connection() -> None:
    remote = ('<primitive id="remote1" class="ocf" provider="pacemaker" type="remote">'
              '<operations><op id="r-m" name="monitor" interval="30s"/></operations></primitive>')
    loc = '<rsc_location id="l" rsc="svc" node="remote1" score="100"/>'
    cib = Cib(nodes=["node1"], resources=remote + dummy("svc"), constraints=loc)
    graph, _, _ = run(cib)
    assert graph.has("remote1_start_0 node1")
    assert graph.has("svc_start_0 remote1")
    assert ("remote1_start_0 node1", "svc_start_0 remote1") in graph.edges
    assert ("remote1_start_0 node1", "svc_monitor_0 remote1") in graph.edges
