"""Scheduling decisions on small CIBs: placement, constraints, groups, failures, fencing."""

from __future__ import annotations

import pytest
from lxml import etree
from pengine_cibs import Cib, dummy, node_state, run, running

from pengine import CibError, schedule


def test_stopped_resource_is_probed_then_started() -> None:
    graph, _, summary = run(Cib(resources=dummy("rsc1")))
    assert graph.has("rsc1_start_0 node1")
    for node in ("node1", "node2"):
        assert ("rsc1_monitor_0 " + node, "rsc1_start_0 node1") in graph.edges
    assert summary == ("  * Start      rsc1    ( node1 )",)


def test_resources_spread_over_nodes() -> None:
    graph, _, _ = run(Cib(resources=dummy("a") + dummy("b")))
    assert graph.has("a_start_0 node1")
    assert graph.has("b_start_0 node2")


def test_location_preference_and_ban() -> None:
    cib = Cib(resources=dummy("rsc1") + dummy("rsc2"),
              constraints='<rsc_location id="l1" rsc="rsc1" node="node2" score="100"/>'
                          '<rsc_location id="l2" rsc="rsc2" node="node2" score="-INFINITY"/>')
    graph, scores, _ = run(cib, scores=True)
    assert graph.has("rsc1_start_0 node2")
    assert graph.has("rsc2_start_0 node1")
    assert "pcmk__primitive_assign: rsc2 allocation score on node2: -INFINITY" in scores


def test_location_rule_with_node_attribute() -> None:
    cib = Cib(resources=dummy("rsc1"), node_attrs={"node2": {"kind": "db"}},
              constraints='<rsc_location id="l1" rsc="rsc1"><rule id="r1" score="50">'
                          '<expression id="e1" attribute="kind" operation="eq" value="db"/></rule></rsc_location>')
    graph, _, _ = run(cib)
    assert graph.has("rsc1_start_0 node2")


def test_stickiness_keeps_a_running_resource() -> None:
    cib = Cib(resources=dummy("rsc1", {"resource-stickiness": "100"}),
              constraints='<rsc_location id="l1" rsc="rsc1" node="node1" score="50"/>',
              states={"node2": node_state("node2", lrm=running("rsc1"))})
    graph, _, summary = run(cib)
    assert not graph.actions - {"rsc1_monitor_0 node1"}
    assert summary == ()


def test_move_orders_stop_before_start() -> None:
    cib = Cib(resources=dummy("rsc1"), constraints='<rsc_location id="l1" rsc="rsc1" node="node1" score="50"/>',
              states={"node2": node_state("node2", lrm=running("rsc1"))})
    graph, _, summary = run(cib)
    assert ("rsc1_stop_0 node2", "rsc1_start_0 node1") in graph.edges
    assert summary == ("  * Move       rsc1    ( node2 -> node1 )",)


def test_mandatory_colocation_follows_primary() -> None:
    cib = Cib(resources=dummy("web") + dummy("ip"),
              constraints='<rsc_location id="l1" rsc="ip" node="node2" score="100"/>'
                          '<rsc_colocation id="c1" rsc="web" with-rsc="ip" score="INFINITY"/>')
    graph, _, _ = run(cib)
    assert graph.has("ip_start_0 node2")
    assert graph.has("web_start_0 node2")


def test_anti_colocation_separates() -> None:
    cib = Cib(resources=dummy("a") + dummy("b"),
              constraints='<rsc_location id="l1" rsc="a" node="node1" score="100"/>'
                          '<rsc_location id="l2" rsc="b" node="node1" score="50"/>'
                          '<rsc_colocation id="c1" rsc="b" with-rsc="a" score="-INFINITY"/>')
    graph, _, _ = run(cib)
    assert graph.has("a_start_0 node1")
    assert graph.has("b_start_0 node2")


def test_mandatory_order_edge_between_starts() -> None:
    cib = Cib(nodes=["node1"], resources=dummy("db") + dummy("app"),
              constraints='<rsc_order id="o1" first="db" then="app" kind="Mandatory"/>')
    graph, _, _ = run(cib)
    assert ("db_start_0 node1", "app_start_0 node1") in graph.edges


def test_group_members_colocated_and_ordered() -> None:
    cib = Cib(resources='<group id="g">' + dummy("m1") + dummy("m2") + "</group>")
    graph, _, _ = run(cib)
    assert {"m1_start_0 node1", "m2_start_0 node1", "g_start_0", "g_running_0"} <= graph.actions
    assert ("m1_start_0 node1", "m2_start_0 node1") in graph.edges
    assert ("g_start_0", "m1_start_0 node1") in graph.edges
    assert ("m2_start_0 node1", "g_running_0") in graph.edges


def test_failed_resource_is_recovered_in_place() -> None:
    lrm = running("rsc1", 1) + ""
    failed = lrm.replace('operation="start" interval="0" op-status="0" rc-code="0"',
                         'operation="start" interval="0" op-status="0" rc-code="0"')
    failed = failed.replace("</lrm_resource>",
                            '<lrm_rsc_op id="rsc1_monitor_10000" operation="monitor" interval="10000" '
                            'op-status="0" rc-code="1" call-id="2" transition-key="2:1:0:abc"/></lrm_resource>')
    cib = Cib(nodes=["node1"], resources=dummy("rsc1", ops='<op id="m" name="monitor" interval="10s"/>'),
              states={"node1": node_state("node1", lrm=failed)})
    graph, _, summary = run(cib)
    assert ("rsc1_stop_0 node1", "rsc1_start_0 node1") in graph.edges
    assert ("rsc1_start_0 node1", "rsc1_monitor_10000 node1") in graph.edges
    assert summary == ("  * Recover    rsc1    ( node1 )",)


def test_migration_threshold_bans_the_failed_node() -> None:
    cib = Cib(resources=dummy("rsc1", {"migration-threshold": "1"}),
              states={"node1": node_state("node1", attrs={"fail-count-rsc1": "1"}, lrm=running("rsc1"))})
    graph, scores, _ = run(cib, scores=True)
    assert "pcmk__primitive_assign: rsc1 allocation score on node1: -INFINITY" in scores
    assert ("rsc1_stop_0 node1", "rsc1_start_0 node2") in graph.edges


def test_standby_node_is_evacuated() -> None:
    cib = Cib(resources=dummy("rsc1"),
              states={"node1": node_state("node1", attrs={"standby": "on"}, lrm=running("rsc1"))})
    graph, _, _ = run(cib)
    assert graph.has("rsc1_stop_0 node1")
    assert graph.has("rsc1_start_0 node2")


def test_target_role_stopped_stops() -> None:
    cib = Cib(nodes=["node1"], resources=dummy("rsc1", {"target-role": "Stopped"}),
              states={"node1": node_state("node1", lrm=running("rsc1"))})
    graph, _, summary = run(cib)
    assert graph.actions == frozenset({"rsc1_stop_0 node1"})
    assert summary == ("  * Stop       rsc1    ( node1 )  due to node availability",)


def test_unclean_node_is_fenced_before_recovery() -> None:
    fence = '<primitive id="fence" class="stonith" type="fence_dummy"/>'
    lost = ('<node_state id="node2" uname="node2" in_ccm="false" crmd="offline" join="down" expected="member">'
            f'<lrm id="node2"><lrm_resources>{running("rsc1")}</lrm_resources></lrm></node_state>')
    cib = Cib(options={"stonith-enabled": "true", "no-quorum-policy": "ignore"},
              resources=fence + dummy("rsc1"), states={"node2": lost})
    graph, _, _ = run(cib)
    assert graph.has("stonith-node2-reboot node2")
    assert ("stonith-node2-reboot node2", "rsc1_start_0 node1") in graph.edges
    assert graph.has("rsc1_stop_0")  # implied by the fencing: a pseudo action


def test_optional_order_is_not_required() -> None:
    cib = Cib(nodes=["node1"], resources=dummy("a") + dummy("b"),
              constraints='<rsc_order id="o1" first="a" then="b" kind="Optional"/>',
              states={"node1": node_state("node1", lrm=running("b"))})
    graph, _, _ = run(cib)
    assert "b_start_0 node1" not in graph.actions


def test_bad_input_is_reported() -> None:
    with pytest.raises(CibError):
        schedule(etree.fromstring("<configuration/>"))


def test_pure_and_deterministic() -> None:
    cib = Cib(resources=dummy("a") + dummy("b") + '<group id="g">' + dummy("c") + "</group>")
    first = schedule(cib.xml())
    second = schedule(cib.xml())
    assert first == second
