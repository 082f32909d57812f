"""Recovery on a live sandbox, through the commands a user has, on both transports:
failing monitors, standby, maintenance, clean stops, partitions and a rolling restart."""

from __future__ import annotations

import time

from sandbox_harness import DUMMY, Cluster, cluster, copies, eventually, sampled_copies, sandbox

__all__ = ["cluster"]

THRESHOLD = DUMMY.replace(
    '<nvpair id="d1-s" name="resource-stickiness" value="100"/>',
    '<nvpair id="d1-s" name="resource-stickiness" value="100"/>'
    '<nvpair id="d1-mt" name="migration-threshold" value="2"/>',
)


def setup(cluster: Cluster, xml: str = DUMMY) -> str:
    assert cluster.on(1, "crm_attribute", "-t", "crm_config", "-n", "stonith-enabled", "-v", "false").returncode == 0
    assert cluster.on(1, "cibadmin", "-C", "-o", "resources", "-X", xml).returncode == 0
    return cluster.wait_running()[0]


def fail_count(cluster: Cluster, node: str) -> str:
    out = cluster.on(cluster.any_alive(), "crm_failcount", "-G", "-r", "d1", "-N", node).stdout
    return out.rsplit("value=", 1)[-1].strip() if "value=" in out else ""


def test_a_failing_monitor_restarts_the_resource_then_moves_it_at_the_threshold(cluster: Cluster) -> None:
    holder = setup(cluster, THRESHOLD)
    state = f"{cluster.directory}/{holder}/state/rsctmp/Dummy-d1.state"
    import os

    os.remove(state)  # the service dies behind the cluster's back
    eventually("the restart in place", lambda: fail_count(cluster, holder) == "1" and os.path.exists(state))
    assert cluster.locate(cluster.any_alive()) == [holder]
    os.remove(state)
    eventually("the move at migration-threshold=2",
               lambda: (where := cluster.locate(cluster.any_alive())) != [] and where != [holder])
    assert fail_count(cluster, holder) == "2"
    # cleanup forgets the failures; the resource may come back by its stickiness rules only
    assert cluster.on(1, "crm_resource", "--cleanup", "-r", "d1").returncode == 0
    eventually("the fail count cleared", lambda: fail_count(cluster, holder) in ("", "0"))
    assert len(copies(cluster)) == 1


def test_standby_online_and_maintenance(cluster: Cluster) -> None:
    holder = setup(cluster)
    assert cluster.on(1, "crm_standby", "-N", holder, "-v", "on").returncode == 0
    eventually("the move away from the standby node",
               lambda: (where := cluster.locate(1)) != [] and holder not in where)
    assert cluster.on(1, "crm_standby", "-N", holder, "-v", "off").returncode == 0
    now = cluster.locate(1)
    # maintenance mode: the cluster stops managing; a resource stopped behind its back stays stopped
    assert cluster.on(1, "crm_attribute", "-t", "crm_config", "-n", "maintenance-mode", "-v", "true").returncode == 0
    time.sleep(1)
    k = int(now[0][-1])
    import os

    os.remove(f"{cluster.directory}/node{k}/state/rsctmp/Dummy-d1.state")
    time.sleep(3)
    assert copies(cluster) == []
    assert cluster.on(1, "crm_attribute", "-t", "crm_config", "-n", "maintenance-mode", "-v", "false").returncode == 0
    eventually("the resource started again after maintenance", lambda: len(copies(cluster)) == 1)


def test_a_clean_stop_moves_the_resources_first_and_never_runs_two_copies(cluster: Cluster) -> None:
    holder = setup(cluster)
    with sampled_copies(cluster) as seen:
        sandbox("stop", "--dir", cluster.directory, holder[-1])
        cluster.alive.discard(int(holder[-1]))
        eventually("the resource elsewhere", lambda: len(copies(cluster)) == 1 and
                   copies(cluster)[0] != int(holder[-1]))
    assert max(len(c) for c in seen) == 1
    cluster.restart(int(holder[-1]))


def test_partitions_with_and_without_quorum(cluster: Cluster) -> None:
    holder = setup(cluster)
    k = int(holder[-1])
    others = sorted({1, 2, 3} - {k})
    sandbox("partition", "--dir", cluster.directory, ",".join(map(str, others)), str(k))
    try:
        # the majority (quorate) starts it; the minority (no quorum, no-quorum-policy=stop) stops it
        eventually("the majority runs the resource and the minority stopped it",
                   lambda: copies(cluster) != [] and all(c in others for c in copies(cluster)), timeout=40)
    finally:
        sandbox("heal", "--dir", cluster.directory)
    eventually("one copy after the heal", lambda: len(copies(cluster)) == 1, timeout=40)
    eventually("every node sees all three", lambda: all(
        len(cluster.on(n, "crm_node", "-p").stdout.split()) == 3 for n in (1, 2, 3)), timeout=40)


def test_a_rolling_restart_keeps_the_service_running(cluster: Cluster) -> None:
    setup(cluster)
    for k in (1, 2, 3):
        sandbox("stop", "--dir", cluster.directory, str(k))
        cluster.alive.discard(k)
        eventually(f"the service while node{k} is down", lambda: len(copies(cluster)) == 1, timeout=40)
        assert len(copies(cluster)) == 1
        cluster.restart(k)
    eventually("the service at the end", lambda: len(cluster.locate(1)) == 1)
    assert len(copies(cluster)) == 1


SLOW = DUMMY.replace(
    '<operations>',
    '<instance_attributes id="d1-i"><nvpair id="d1-sleep" name="op_sleep" value="3"/></instance_attributes>'
    '<operations>',
)


def test_an_action_in_flight_is_recorded_as_pending(cluster: Cluster) -> None:
    """record-pending (true by default): the start is in the status before it ends, as
    Pacemaker records it (op-status -1, call-id -1, rc-code 193), then the result replaces it."""
    from lxml import etree

    assert cluster.on(1, "crm_attribute", "-t", "crm_config", "-n", "stonith-enabled", "-v", "false").returncode == 0
    assert cluster.on(1, "cibadmin", "-C", "-o", "resources", "-X", SLOW).returncode == 0

    def ops() -> list[etree._Element]:
        out = cluster.on(1, "cibadmin", "-Q", "-o", "status").stdout
        return etree.fromstring(out.encode()).xpath("//lrm_resource[@id='d1']/lrm_rsc_op") if out.strip() else []

    found: list[etree._Element] = []

    def pending_start() -> bool:
        # kept as seen: the start may be over by the next query on a loaded machine
        found[:] = [op for op in ops() if op.get("operation") == "start" and op.get("op-status") == "-1"]
        return bool(found)

    eventually("the start recorded as pending", pending_start, timeout=30)
    pending = found[0]
    assert (pending.get("call-id"), pending.get("rc-code")) == ("-1", "193")
    assert pending.get("id") == "d1_last_0" and pending.get("op-digest")
    holder = cluster.wait_running(timeout=60)[0]
    eventually("the result in place of the pending record",
               lambda: any(op.get("operation") == "start" and op.get("op-status") == "0"
                           and op.get("on_node") == holder for op in ops()), timeout=30)



def test_a_dc_taking_over_sees_a_start_in_flight_and_starts_no_second_copy(cluster: Cluster) -> None:
    """node1 is cut away; the majority's DC starts d1 on node3 (a start of 6 s) and the
    placement changes to node1; then the partition heals and node1 becomes the DC.  Every
    node publishes its history to it: node3's includes the start in flight (pending), so the
    new DC stops d1 there before it starts it on node1, instead of starting a second copy
    while the first start still runs."""
    from lxml import etree

    assert cluster.on(1, "crm_attribute", "-t", "crm_config", "-n", "stonith-enabled", "-v", "false").returncode == 0
    prefer = '<rsc_location id="d1-where" rsc="d1" node="{node}" score="200"/>'
    slow = SLOW.replace('name="op_sleep" value="3"', 'name="op_sleep" value="6"').replace(
        '<nvpair id="d1-s"', '<nvpair id="d1-r" name="target-role" value="Stopped"/><nvpair id="d1-s"')
    assert cluster.on(1, "cibadmin", "-C", "-o", "resources", "-X", slow).returncode == 0
    assert cluster.on(1, "cibadmin", "-C", "-o", "constraints", "-X", prefer.format(node="node3")).returncode == 0

    def ops(k: int, xpath: str) -> list[etree._Element]:
        out = cluster.on(k, "cibadmin", "-Q", "-o", "status").stdout
        return etree.fromstring(out.encode()).xpath(xpath) if out.strip() else []

    eventually("the probes on every node", lambda: len(ops(
        1, "//lrm_resource[@id='d1']/lrm_rsc_op[@operation='monitor' and @rc-code='7']")) == 3, timeout=60)
    sandbox("partition", "--dir", cluster.directory, "1", "2,3")
    with sampled_copies(cluster) as seen:
        try:
            assert cluster.on(2, "crm_resource", "-r", "d1", "--meta", "-p", "target-role", "-v",
                              "Started").returncode == 0
            eventually("the start running on node3", lambda: bool(ops(
                2, "//node_state[@uname='node3']//lrm_resource[@id='d1']"
                   "/lrm_rsc_op[@operation='start' and @op-status='-1']")), timeout=30)
            assert cluster.on(2, "cibadmin", "-M", "-o", "constraints",
                              "-X", prefer.format(node="node1")).returncode == 0
        finally:
            sandbox("heal", "--dir", cluster.directory)
        eventually("the resource on node1", lambda: copies(cluster) == [1], timeout=60)
    assert max(len(c) for c in seen) == 1, [c for c in seen if len(c) > 1][:3]
    assert [3] in seen, "the start on node3 finished"
