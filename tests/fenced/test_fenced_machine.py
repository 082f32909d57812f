"""The fencer's protocol machine, driven through a simulated cluster (no I/O)."""

from __future__ import annotations

from fenced_sim import Cluster, config, device_xml

from crm.fenced.machine import RC_NO_DEVICE, RC_TIMEOUT, RunAgent

ALL = "node1 node2 node3"


def test_fence_runs_on_the_initiator_and_every_fencer_records_it() -> None:
    cluster = Cluster(config(device_xml("f1", pcmk_host_list=ALL)))
    replies = cluster.request("node1", {"op": "fence", "target": "node3", "action": "reboot", "timeout": 30,
                                         "origin": "node1", "client": "test"})
    assert replies == [{"rc": 0, "device": "f1", "executioner": "node1"}]
    assert [(node, run.device.id, run.action, run.target) for node, run in cluster.runs] == [
        ("node1", "f1", "reboot", "node3")
    ]
    for name in cluster.alive:
        [event] = cluster.events[name]
        assert event["target"] == "node3" and event["rc"] == 0 and event["executioner"] == "node1"
        assert event["origin"] == "node1" and event["action"] == "reboot"
        [entry] = cluster.request(name, {"op": "history", "target": "node3"})[0]["history"]
        assert entry["state"] == "done" and entry["client"] == "test" and entry["initiator"] == "node1"


def test_the_target_never_fences_itself_when_another_node_can() -> None:
    # node3 asks for its own fencing: node1 (lowest other member) executes
    cluster = Cluster(config(device_xml("f1", pcmk_host_list=ALL)))
    replies = cluster.request("node3", {"op": "fence", "target": "node3", "action": "off", "timeout": 30})
    assert replies[0]["rc"] == 0 and replies[0]["executioner"] == "node1"
    assert cluster.runs[0][0] == "node1"


def test_a_banned_node_does_not_run_the_device() -> None:
    constraint = '<rsc_location id="ban" rsc="f1" node="node1" score="-INFINITY"/>'
    cluster = Cluster(config(device_xml("f1", pcmk_host_list=ALL), constraint))
    replies = cluster.request("node1", {"op": "fence", "target": "node3", "action": "reboot", "timeout": 30})
    assert replies[0] == {"rc": 0, "device": "f1", "executioner": "node2"}


def test_only_the_target_can_run_the_device_then_it_fences_itself() -> None:
    constraints = "".join(
        f'<rsc_location id="ban{k}" rsc="f1" node="node{k}" score="-INFINITY"/>' for k in (1, 2)
    )
    cluster = Cluster(config(device_xml("f1", pcmk_host_list=ALL), constraints))
    replies = cluster.request("node1", {"op": "fence", "target": "node3", "action": "off", "timeout": 30})
    assert replies[0]["executioner"] == "node3"


def test_no_device_fails_with_105_and_is_in_the_history() -> None:
    cluster = Cluster(config(device_xml("f1", pcmk_host_list="node1 node2")))
    replies = cluster.request("node2", {"op": "fence", "target": "node3", "action": "reboot", "timeout": 30})
    assert replies[0]["rc"] == RC_NO_DEVICE and "node3" in replies[0]["error"]
    assert cluster.runs == []
    entry = cluster.request("node1", {"op": "history"})[0]["history"][0]
    assert entry["state"] == "failed" and entry["rc"] == RC_NO_DEVICE and entry["executioner"] is None
    assert cluster.events["node3"][0]["rc"] == RC_NO_DEVICE


def test_no_device_at_all_with_stonith_disabled() -> None:
    cluster = Cluster(config())
    replies = cluster.request("node1", {"op": "fence", "target": "node2", "action": "off", "timeout": 5})
    assert replies[0]["rc"] == RC_NO_DEVICE


def test_topology_levels_in_index_order_and_all_devices_of_a_level() -> None:
    resources = "".join(device_xml(d, pcmk_host_list=ALL) for d in ("ipmi", "psu1", "psu2", "last"))
    topology = """<fencing-topology>
      <fencing-level id="l3" target="node3" index="3" devices="last"/>
      <fencing-level id="l1" target="node3" index="1" devices="ipmi"/>
      <fencing-level id="l2" target="node3" index="2" devices="psu1,psu2"/>
    </fencing-topology>"""
    failing = {"ipmi", "psu2"}

    def agent(node: str, run: RunAgent) -> tuple[int, str]:
        return (1, "boom") if run.device.id in failing else (0, "")

    cluster = Cluster(config(resources, topology=topology), agent=agent)
    replies = cluster.request("node1", {"op": "fence", "target": "node3", "action": "off", "timeout": 30})
    # level 1 fails, level 2 fails at psu2 (psu1 ran), level 3 succeeds
    assert [run.device.id for _, run in cluster.runs] == ["ipmi", "psu1", "psu2", "last"]
    assert replies[0] == {"rc": 0, "device": "last", "executioner": "node1"}


def test_reboot_through_a_level_of_two_devices_is_off_then_on() -> None:
    resources = "".join(device_xml(d, pcmk_host_list=ALL) for d in ("psu1", "psu2"))
    topology = '<fencing-topology><fencing-level id="l1" target-pattern="node[0-9]" index="1" devices="psu1,psu2"/></fencing-topology>'
    cluster = Cluster(config(resources, topology=topology))
    replies = cluster.request("node2", {"op": "fence", "target": "node1", "action": "reboot", "timeout": 30})
    assert replies[0]["rc"] == 0
    assert [(run.device.id, run.action) for _, run in cluster.runs] == [
        ("psu1", "off"), ("psu2", "off"), ("psu1", "on"), ("psu2", "on")
    ]
    assert {node for node, _ in cluster.runs} == {"node2"}


def test_target_attribute_levels() -> None:
    resources = device_xml("rack", pcmk_host_list=ALL) + device_xml("other", pcmk_host_list=ALL)
    topology = ('<fencing-topology><fencing-level id="l1" target-attribute="rack" target-value="r1" index="1"'
                ' devices="rack"/></fencing-topology>')
    cfg = config(resources, topology=topology)
    cfg = type(cfg)(devices=cfg.devices, levels=cfg.levels, node_attributes={"node2": {"rack": "r1"}})
    cluster = Cluster(cfg)
    assert cluster.request("node1", {"op": "fence", "target": "node2", "action": "off"})[0]["device"] == "rack"
    # node3 matches no level: every capable device is a level of its own, in order
    assert cluster.request("node1", {"op": "fence", "target": "node3", "action": "off"})[0]["device"] == "other"


def test_without_topology_each_capable_device_is_tried() -> None:
    resources = device_xml("a", pcmk_host_list=ALL) + device_xml("b", pcmk_host_list=ALL)
    cluster = Cluster(config(resources), agent=lambda node, run: (1, "no") if run.device.id == "a" else (0, ""))
    assert cluster.request("node1", {"op": "fence", "target": "node2", "action": "off"})[0]["device"] == "b"


def test_all_devices_failing_gives_the_last_error() -> None:
    cluster = Cluster(config(device_xml("a", pcmk_host_list=ALL)), agent=lambda node, run: (1, "power switch says no"))
    reply = cluster.request("node1", {"op": "fence", "target": "node2", "action": "off"})[0]
    assert reply == {"rc": 1, "error": "power switch says no"}
    assert cluster.machines["node3"].history[next(iter(cluster.machines["node3"].history))].state == "failed"


def test_dynamic_list_devices_are_checked_by_the_agents() -> None:
    # f1 has no host list: each node asks its agent; only node2's agent lists node3
    cluster = Cluster(config(device_xml("f1")), check=lambda node, device, target: node == "node2")
    reply = cluster.request("node1", {"op": "fence", "target": "node3", "action": "reboot"})[0]
    assert reply["executioner"] == "node2"
    assert cluster.request("node3", {"op": "list", "target": "node3"}) == [{"rc": 0, "devices": ["f1"]}]


def test_list_and_registered_devices() -> None:
    resources = device_xml("a", pcmk_host_list="node1") + device_xml("b", pcmk_host_map="node2:vm2;node3:vm3")
    cluster = Cluster(config(resources))
    assert cluster.request("node1", {"op": "list"}) == [{"rc": 0, "devices": ["a", "b"]}]
    assert cluster.request("node1", {"op": "list", "target": "node3"}) == [{"rc": 0, "devices": ["b"]}]
    assert cluster.request("node1", {"op": "list", "target": "node9"}) == [{"rc": 0, "devices": []}]


def test_executor_timeout_then_next_level() -> None:
    resources = device_xml("slow", pcmk_host_list=ALL) + device_xml("fast", pcmk_host_list=ALL)
    topology = ('<fencing-topology><fencing-level id="l1" target="node3" index="1" devices="slow"/>'
                '<fencing-level id="l2" target="node3" index="2" devices="fast"/></fencing-topology>')
    cluster = Cluster(config(resources, topology=topology), auto_agents=False)
    assert cluster.request("node1", {"op": "fence", "target": "node3", "action": "off", "timeout": 10}) == []
    cluster.advance(16)  # the step timer (timeout + margin) fires: level 2
    assert [run.device.id for _, run in cluster.runs] == ["slow", "fast"]
    cluster.pending_runs.pop(0)
    cluster.finish_run(0)
    assert cluster.replies[-1][2] == {"rc": 0, "device": "fast", "executioner": "node1"}
    # a late answer of the first step changes nothing
    assert len([r for r in cluster.replies if r[2].get("rc") == 0]) == 1


def test_single_device_timeout_reports_124() -> None:
    cluster = Cluster(config(device_xml("slow", pcmk_host_list=ALL)), auto_agents=False)
    cluster.request("node1", {"op": "fence", "target": "node3", "action": "off", "timeout": 10})
    cluster.advance(20)
    assert cluster.replies[-1][2]["rc"] == RC_TIMEOUT


def test_executor_leaving_fails_its_step() -> None:
    constraint = '<rsc_location id="ban" rsc="f1" node="node1" score="-INFINITY"/>'
    resources = device_xml("f1", pcmk_host_list=ALL) + device_xml("f2", pcmk_host_list=ALL)
    cluster = Cluster(config(resources, constraint), auto_agents=False)
    cluster.request("node1", {"op": "fence", "target": "node3", "action": "off"})
    assert cluster.pending_runs[0][0] == "node2"
    cluster.set_view(["node1", "node3"])  # node2 dies while running f1
    assert cluster.pending_runs[-1][0] == "node1" and cluster.pending_runs[-1][1].device.id == "f2"


def test_identical_requests_are_merged() -> None:
    cluster = Cluster(config(device_xml("f1", pcmk_host_list=ALL)), auto_agents=False)
    cluster.request("node1", {"op": "fence", "target": "node3", "action": "reboot"}, client="a")
    cluster.request("node1", {"op": "fence", "target": "node3", "action": "reboot"}, client="b")
    cluster.finish_run(0)
    assert len(cluster.runs) == 1
    assert sorted(client for _, client, message in cluster.replies if message.get("rc") == 0) == ["a", "b"]


def test_confirm_is_an_off_by_a_human_everywhere() -> None:
    cluster = Cluster(config())
    assert cluster.request("node2", {"op": "confirm", "target": "node3", "client": "stonith_admin.1"}) == [
        {"rc": 0, "device": None, "executioner": "a human"}
    ]
    for name in cluster.alive:
        event = cluster.events[name][0]
        assert (event["target"], event["action"], event["rc"], event["executioner"]) == ("node3", "off", 0, "a human")


def test_history_is_synced_to_a_joiner_and_after_a_partition() -> None:
    cluster = Cluster(config(device_xml("f1", pcmk_host_list=ALL)))
    cluster.request("node1", {"op": "fence", "target": "node3", "action": "reboot"})
    # node3 restarts: empty history, then joins and receives it
    cluster.set_view(["node1", "node2"])
    cluster.restart("node3")
    assert cluster.machines["node3"].history == {}
    cluster.set_view(["node1", "node2", "node3"])
    assert list(cluster.machines["node3"].history) == list(cluster.machines["node1"].history)
    # a partition: each side fences something; after the heal every node has both
    cluster.set_view(["node1"])
    cluster.alive = ["node1"]
    cluster.request("node1", {"op": "confirm", "target": "node2"})
    for name in ("node2", "node3"):
        cluster.perform(name, cluster.machines[name].view_change(99, [cluster.peer("node2"), cluster.peer("node3")],
                                                                   [], [cluster.peer("node1")], cluster.now))
    cluster.alive = ["node2", "node3"]
    cluster.request("node3", {"op": "confirm", "target": "node1"})
    cluster.alive = ["node1", "node2", "node3"]
    members = [cluster.peer(n) for n in cluster.alive]
    cluster.perform("node1", cluster.machines["node1"].view_change(
        100, members, [cluster.peer("node2"), cluster.peer("node3")], [], cluster.now))
    for name in ("node2", "node3"):
        cluster.perform(name, cluster.machines[name].view_change(100, members, [cluster.peer("node1")], [], cluster.now))
    cluster.settle()
    histories = [sorted(cluster.machines[n].history) for n in cluster.alive]
    assert histories[0] == histories[1] == histories[2] and len(histories[0]) == 3


def test_pending_operations_of_a_dead_initiator_fail() -> None:
    cluster = Cluster(config(device_xml("f1", pcmk_host_list=ALL)), auto_agents=False)
    cluster.request("node1", {"op": "fence", "target": "node3", "action": "reboot"})
    entry = next(iter(cluster.machines["node2"].history.values()))
    assert entry.state == "pending"
    cluster.set_view(["node2", "node3"])
    entry = next(iter(cluster.machines["node2"].history.values()))
    assert entry.state == "failed" and "node1 left" in entry.error


def test_bad_requests_and_messages() -> None:
    cluster = Cluster(config())
    assert cluster.request("node1", {"op": "fence", "target": "node2", "action": "explode"})[0]["rc"] == 2
    assert cluster.request("node1", {"op": "fence", "action": "off"})[0]["rc"] == 2
    assert cluster.request("node1", {"op": "frobnicate"})[0]["rc"] == 2
    outputs = cluster.machines["node1"].deliver(cluster.peer("node2"), b"not json", cluster.now)
    assert outputs and outputs[0].__class__.__name__ == "Log"


def test_a_target_that_asked_for_its_own_fencing_is_reported_fenced_by_the_executor() -> None:
    cluster = Cluster(config(device_xml("f1", pcmk_host_list=ALL)), auto_agents=False)
    cluster.request("node1", {"op": "fence", "target": "node1", "action": "reboot"})
    assert cluster.pending_runs[0][0] == "node2"
    cluster.set_view(["node2", "node3"])  # the agent killed node1 (the initiator)
    cluster.finish_run(0)
    for name in ("node2", "node3"):
        [entry] = cluster.machines[name].history.values()
        assert (entry.state, entry.executioner, entry.target) == ("done", "node2", "node1")
        assert cluster.events[name][-1]["rc"] == 0 and cluster.events[name][-1]["target"] == "node1"
