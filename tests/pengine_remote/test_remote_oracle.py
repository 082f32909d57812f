"""Remote and guest node scenarios: our graphs against Debian's Pacemaker 2.1.5 ``crm_simulate``,
and the properties each scenario is about, checked on our graph alone."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree
from remote_cibs import Cib, Graph, fencing_device, lrm_resource, node_state, op, parse_graph, primitive

from pengine import schedule

CRM_SIMULATE = "/usr/sbin/crm_simulate"
MON = '<op id="{0}-mon" name="monitor" interval="10s"/>'


def _fence_on(node: str, call_id: int = 1) -> str:
    return lrm_resource("fence", op("fence", "start", call_id=call_id), provider="", rtype="fence_dummy") \
        .replace('class="ocf" provider=""', 'class="stonith"')


def remote_start_failed() -> Cib:
    """The connection failed to start on node1: it is recovered, the remote node is not fenced."""
    remote_ops = op("remote1", "start", rc=1, status=2, call_id=2)
    return Cib(resources=fencing_device() + primitive("remote1", provider="pacemaker", rtype="remote"),
               states=[node_state("node1", _fence_on("node1") + lrm_resource("remote1", remote_ops, **_rp())),
                       node_state("node2"), node_state("remote1", remote=True)])


def _rp() -> dict[str, str]:
    return {"provider": "pacemaker", "rtype": "remote"}


def remote_monitor_failed() -> Cib:
    """The connection's monitor failed: the connection is recovered and the remote node fenced."""
    remote_ops = op("remote1", "start", call_id=2) + op("remote1", "monitor", rc=1, interval_ms=60000, call_id=3)
    svc_ops = op("svc", "start", call_id=4)
    return Cib(resources=fencing_device() + primitive("remote1", provider="pacemaker", rtype="remote",
                                                      ops='<op id="r-mon" name="monitor" interval="60s"/>')
               + primitive("svc"),
               constraints='<rsc_location id="l" rsc="svc" node="remote1" score="100"/>',
               states=[node_state("node1", _fence_on("node1") + lrm_resource("remote1", remote_ops, **_rp())),
                       node_state("node2"), node_state("remote1", lrm_resource("svc", svc_ops), remote=True)])


def guest_container_failed() -> Cib:
    """The container of guest node guest1 failed: the guest is "fenced" by recovering it, and
    nothing is probed on the guest meanwhile."""
    vm_ops = op("vm", "start", call_id=2) + op("vm", "monitor", rc=1, interval_ms=10000, call_id=3)
    return Cib(resources=fencing_device() + primitive("vm", meta={"remote-node": "guest1"},
                                                      ops=MON.format("vm")) + primitive("svc") + primitive("other"),
               constraints='<rsc_location id="l" rsc="svc" node="guest1" score="100"/>',
               states=[node_state("node1", _fence_on("node1") + lrm_resource("vm", vm_ops)
                                  + lrm_resource("guest1", op("guest1", "start", call_id=4), **_rp())),
                       node_state("node2"),
                       node_state("guest1", lrm_resource("svc", op("svc", "start", call_id=5)), remote=True)])


def contained_resource_failed() -> Cib:
    """A resource with a ``container`` failed: its container is restarted (on-fail=restart-container)."""
    rsc_ops = op("rsc1", "start", call_id=3) + op("rsc1", "monitor", rc=1, interval_ms=10000, call_id=4)
    return Cib(options={"stonith-enabled": "false", "no-quorum-policy": "ignore"},
               resources=primitive("ct", ops=MON.format("ct"))
               + primitive("rsc1", meta={"container": "ct"}, ops=MON.format("rsc1")),
               states=[node_state("node1", lrm_resource("ct", op("ct", "start", call_id=2))
                                  + lrm_resource("rsc1", rsc_ops)),
                       node_state("node2")])


def fencing_in_name_order() -> Cib:
    """Several unclean nodes are fenced one after the other in node name order (node9 before
    node10), whatever the order of the configuration."""
    nodes = ["node1", "node10", "node2", "node9"]
    return Cib(nodes=nodes, resources=fencing_device() + primitive("a"),
               states=[node_state("node1", _fence_on("node1"))]
               + [node_state(n, lrm_resource("a", op("a", "start", call_id=2)) if n == "node9" else "",
                             online=False) for n in nodes[1:]])


def orphaned_remote_connection() -> Cib:
    """A connection no longer configured but still running: its remote node shuts down, what ran
    there stops before the connection does."""
    return Cib(resources=fencing_device() + primitive("svc"),
               states=[node_state("node1", _fence_on("node1")
                                  + lrm_resource("remote1", op("remote1", "start", call_id=2), **_rp())),
                       node_state("node2"),
                       node_state("remote1", lrm_resource("svc", op("svc", "start", call_id=3)), remote=True)])


SCENARIOS = {f.__name__: f for f in (remote_start_failed, remote_monitor_failed, guest_container_failed,
                                     contained_resource_failed, fencing_in_name_order,
                                     orphaned_remote_connection)}


def ours(cib: Cib) -> Graph:
    return parse_graph(schedule(cib.xml()).graph_xml)


def test_failed_connection_start_does_not_fence_the_remote_node() -> None:
    graph = ours(remote_start_failed())
    assert not any(a.startswith("stonith-remote1") for a in graph.actions)
    assert "remote1_start_0 node1" in graph.actions


def test_failed_connection_monitor_fences_the_remote_node() -> None:
    graph = ours(remote_monitor_failed())
    assert "stonith-remote1-reboot remote1" in graph.actions
    # the stop of what ran there is implied by the fencing
    assert ("stonith-remote1-reboot remote1", "svc_stop_0") in graph.edges


def test_failed_container_fences_its_guest_without_probes() -> None:
    graph = ours(guest_container_failed())
    assert "stonith-guest1-reboot guest1" in graph.actions
    assert ("vm_stop_0 node1", "stonith-guest1-reboot guest1") in graph.edges
    assert not any(a.endswith(" guest1") and "_monitor_0" in a for a in graph.actions)


def test_contained_failure_restarts_the_container() -> None:
    graph = ours(contained_resource_failed())
    assert {"ct_stop_0 node1", "ct_start_0 node1", "rsc1_stop_0 node1", "rsc1_start_0 node1"} <= graph.actions
    assert ("rsc1_stop_0 node1", "ct_stop_0 node1") in graph.edges


def test_fencing_is_chained_in_node_name_order() -> None:
    graph = ours(fencing_in_name_order())
    chain = [("stonith-node2-reboot node2", "stonith-node9-reboot node9"),
             ("stonith-node9-reboot node9", "stonith-node10-reboot node10")]
    assert all(edge in graph.edges for edge in chain)


def test_orphaned_connection_stops_after_what_ran_on_its_node() -> None:
    graph = ours(orphaned_remote_connection())
    assert {"svc_stop_0 remote1", "remote1_stop_0 node1"} <= graph.actions
    assert ("svc_stop_0 remote1", "remote1_stop_0 node1") in graph.edges


def _oracle(cib: Cib, tmp_path: Path) -> Graph:
    xml = tmp_path / "cib.xml"
    out = tmp_path / "graph.xml"
    xml.write_bytes(etree.tostring(cib.xml()))
    subprocess.run([CRM_SIMULATE, "-x", str(xml), "-G", str(out), "-S", "-Q"], check=True, capture_output=True,
                   timeout=60)
    return parse_graph(out.read_text())


@pytest.mark.oracle
@pytest.mark.skipif(shutil.which(CRM_SIMULATE) is None, reason="Debian crm_simulate not installed")
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_same_graph_as_pacemaker(name: str, tmp_path: Path) -> None:
    cib = SCENARIOS[name]()
    expected = _oracle(cib, tmp_path)
    graph = ours(cib)
    assert graph.actions == expected.actions
    assert graph.edges == expected.edges
