"""The attrd machine, driven directly through a simulated cluster (no I/O)."""

from __future__ import annotations

import json
from itertools import pairwise

import pytest
from attrd_sim import Sim
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.attrd.machine import AttrdMachine, Multicast, Peer, Reply, WriteCib, expand_value, parse_dampen


def cluster(n: int = 3, **kwargs: object) -> Sim:
    sim = Sim(**kwargs)  # type: ignore[arg-type]
    for nodeid in range(1, n + 1):
        sim.start(nodeid)
    sim.run()
    return sim


# -- replication and the writer ------------------------------------------------------------


def test_update_is_replicated_and_written_once_by_the_lowest_node() -> None:
    sim = cluster(3)
    assert sim.writers() == {sim.node(1)}
    client = sim.request(1, op="update", name="pingd", value="100", node="node2")
    assert sim.reply(client) is None  # answered on delivery, not on send
    sim.run()
    assert sim.reply(client) == {"rc": 0}
    assert all(t == {"pingd": {"node2": "100"}} for t in sim.tables())
    assert [w.writer for w in sim.writes] == [sim.node(1)]
    assert sim.cib_value(2, "pingd") == "100"
    state = sim.cib.find("status/node_state[@id='2']")
    assert state is not None and state.get("uname") == "node2"
    pair = state.find("transient_attributes[@id='2']/instance_attributes[@id='status-2']/nvpair")
    assert pair is not None and pair.get("id") == "status-2-pingd"


def test_query_one_node_and_all_nodes() -> None:
    sim = cluster(3)
    sim.request(1, op="update", name="a", value="1")  # local node: node1
    sim.request(2, op="update", name="a", value="2", node="localhost")
    sim.run()
    one = sim.request(3, op="query", name="a", node="node2")
    assert sim.reply(one) == {"rc": 0, "name": "a", "values": [{"node": "node2", "value": "2"}]}
    mine = sim.request(3, op="query", name="a")
    assert sim.reply(mine) == {"rc": 0, "name": "a", "values": []}
    every = sim.request(3, op="query", name="a", all=True)
    reply = sim.reply(every)
    assert reply is not None
    assert reply["values"] == [{"node": "node1", "value": "1"}, {"node": "node2", "value": "2"}]
    missing = sim.request(3, op="query", name="nope", all=True)
    assert sim.reply(missing) == {"rc": 0, "name": "nope", "values": []}


def test_delete_removes_the_pair_and_leaves_an_empty_value() -> None:
    sim = cluster(2)
    sim.request(2, op="update", name="x", value="5")
    sim.run()
    assert sim.cib_value(2, "x") == "5"
    sim.request(1, op="delete", name="x", node="node2")
    sim.run()
    assert sim.cib_value(2, "x") is None
    q = sim.request(2, op="query", name="x")
    assert sim.reply(q) == {"rc": 0, "name": "x", "values": [{"node": "node2", "value": None}]}


def test_increments_are_expanded_on_delivery_so_they_are_atomic() -> None:
    sim = cluster(3)
    for nodeid in (1, 2, 3, 1, 2, 3):
        sim.request(nodeid, op="update", name="fail-count-r", value="fail-count-r++", node="node2")
    sim.run()
    assert all(t == {"fail-count-r": {"node2": "6"}} for t in sim.tables())
    sim.request(3, op="update", name="fail-count-r", value="fail-count-r+=INFINITY", node="node2")
    sim.run()
    assert sim.machine(1).value("fail-count-r", "node2") == "INFINITY"


def test_all_values_due_at_once_go_in_one_cib_write() -> None:
    sim = cluster(3, auto_write=False)
    for nodeid in (1, 2, 3):
        sim.request(nodeid, op="update", name="a", value=str(nodeid))
        sim.request(nodeid, op="update", name="b", value=str(nodeid))
    sim.run()
    # the first write is in flight; everything else waits for the next batch
    assert len(sim.writes) == 1
    sim.complete_writes()
    sim.complete_writes()
    assert len(sim.writes) == 2
    assert len(sim.written_items()) == 6
    assert {sim.cib_value(n, "b") for n in (1, 2, 3)} == {"1", "2", "3"}


def test_private_attributes_are_never_written() -> None:
    sim = cluster(2)
    sim.request(2, op="update", name="secret", value="1", private=True)
    sim.request(2, op="update", name="secret", value="2")  # private sticks from creation
    sim.request(1, op="refresh")
    sim.run()
    sim.stop(sim.node(1))  # a new writer
    sim.run()
    assert sim.written_items("secret") == []
    assert sim.cib_value(2, "secret") is None
    assert sim.machine(2).value("secret", "node2") == "2"


def test_failed_write_is_retried() -> None:
    sim = cluster(2)
    sim.fail_writes = True
    sim.request(2, op="update", name="x", value="1")
    sim.run()
    assert sim.cib_value(2, "x") is None
    sim.fail_writes = False
    sim.advance(1000)
    assert sim.cib_value(2, "x") == "1"


def test_refresh_rewrites_everything() -> None:
    sim = cluster(2)
    sim.request(1, op="update", name="x", value="1")
    sim.request(2, op="update", name="y", value="2")
    sim.run()
    before = len(sim.written_items())
    sim.request(2, op="refresh")
    sim.run()
    assert len(sim.written_items()) == before + 2


# -- dampening -----------------------------------------------------------------------------


def test_dampening_writes_the_last_value_once_per_window() -> None:
    sim = cluster(3)
    sim.request(2, op="update", name="pingd", value="100", dampen="5s")
    sim.run()
    assert sim.written_items("pingd") == []
    sim.advance(1000)
    sim.request(3, op="update", name="pingd", value="200", node="node2")
    sim.advance(1000)
    sim.request(2, op="update", name="pingd", value="300")
    sim.advance(2999)
    assert sim.written_items("pingd") == []  # the later changes did not restart the timer...
    sim.advance(1)
    assert sim.written_items("pingd") == [(5000, "pingd", "node2", "300")]  # ...and the last won
    assert sim.cib_value(2, "pingd") == "300"


def test_flapping_value_is_still_written_every_window() -> None:
    """Pacemaker restarts the timer on each change: a value changing every 2 s with a 5 s
    dampening is never written.  Here it is written once per window."""
    sim = cluster(2)
    sim.request(2, op="update-both", name="pingd", value="0", dampen="5s")
    for i in range(1, 16):
        sim.advance(2000)
        sim.request(2, op="update", name="pingd", value=str(i % 2))
    sim.advance(10_000)
    times = [t for t, *_ in sim.written_items("pingd")]
    assert len(times) >= 5
    assert all(b - a >= 5000 for a, b in pairwise(times))
    assert sim.cib_value(2, "pingd") == sim.machine(1).value("pingd", "node2")


def test_value_changed_back_within_the_window_is_not_written() -> None:
    sim = cluster(2)
    sim.request(2, op="update", name="pingd", value="100", dampen="5s")
    sim.advance(6000)
    assert len(sim.written_items("pingd")) == 1
    sim.request(2, op="update", name="pingd", value="0")
    sim.advance(1000)
    sim.request(2, op="update", name="pingd", value="100")
    sim.advance(10_000)
    assert len(sim.written_items("pingd")) == 1


def test_dampening_change_writes_at_once_and_flush_writes_now() -> None:
    sim = cluster(2)
    sim.request(2, op="update", name="p", value="1", dampen="60s")
    sim.advance(1000)
    assert sim.written_items("p") == []
    sim.request(1, op="update-delay", name="p", dampen="30s")
    sim.run()
    assert sim.written_items("p") == [(1000, "p", "node2", "1")]
    sim.request(2, op="update", name="p", value="2")
    sim.advance(1000)
    assert len(sim.written_items("p")) == 1
    sim.request(1, op="flush")
    sim.run()
    assert sim.written_items("p")[-1] == (2000, "p", "node2", "2")
    sim.advance(60_000)
    assert len(sim.written_items("p")) == 2  # the cancelled timer wrote nothing more


changes = st.lists(st.tuples(st.integers(0, 3000), st.sampled_from(["0", "100", "200"])), min_size=1, max_size=30)


@settings(max_examples=150, deadline=None)
@given(changes=changes, dampen=st.sampled_from([1000, 2500, 5000]))
def test_dampening_law(changes: list[tuple[int, str]], dampen: int) -> None:
    """Whatever the changes: writes of one attribute are at least ``dampen`` apart, each
    writes the value current at that moment, none is caused by a change back to the
    written value, and the CIB ends with the last value."""
    sim = cluster(2)
    history: list[tuple[int, int, str]] = []  # (time, writes before the change, value)
    for gap, value in changes:
        sim.advance(gap)
        before = len(sim.written_items("pingd"))
        sim.request(2, op="update", name="pingd", value=value, dampen=f"{dampen}ms")
        sim.run()
        history.append((sim.now, before, value))
    sim.advance(dampen + 1)
    writes = sim.written_items("pingd")
    times = [t for t, *_ in writes]
    assert all(b - a >= dampen for a, b in pairwise(times))
    for index, (_, _, _, value) in enumerate(writes):
        current = [v for _, before, v in history if before <= index][-1]
        assert value == current
    for (_, _, _, a), (_, _, _, b) in pairwise(writes):
        assert a != b
    assert sim.cib_value(2, "pingd") == history[-1][2]
    # at most one write per window, the first one window after the first change
    first = history[0][0]
    assert not writes or writes[0][0] == first + dampen
    assert len(writes) <= (sim.now - first) // dampen


# -- membership: writer handover, joiners, left nodes ----------------------------------------


def test_writer_handover_writes_only_what_is_not_known_written() -> None:
    sim = cluster(3)
    for nodeid in (1, 2, 3):
        sim.request(nodeid, op="update", name="a", value=str(nodeid))
    sim.run()
    assert len(sim.written_items()) == 3
    sim.stop(sim.node(1))
    sim.run()
    assert sim.writers() == {sim.node(2)}
    # node1's value leaves with it; the new writer purges it and rewrites nothing
    assert len(sim.written_items()) == 3
    assert sim.writes[-1].writer == sim.node(2) and sim.writes[-1].batch.purges
    assert sim.cib_value(1, "a") is None
    assert sim.cib_value(2, "a") == "2"


def test_new_writer_rewrites_a_write_lost_with_the_old_writer() -> None:
    sim = cluster(3, auto_write=False)
    sim.request(3, op="update", name="a", value="x")
    sim.run()
    assert len(sim.in_flight) == 1 and sim.in_flight[0][0] == sim.node(1)
    sim.stop(sim.node(1))  # dies with the write in flight, before any "written"
    sim.run()
    assert [p for p, _ in sim.in_flight] == [sim.node(2)]
    assert [i.name for i in sim.in_flight[0][1].items] == ["a"]
    sim.complete_writes()
    assert sim.cib_value(3, "a") == "x"


def test_dampened_value_pending_on_a_dead_writer_is_written_by_the_next() -> None:
    sim = cluster(3)
    sim.request(3, op="update", name="p", value="1", dampen="10s")
    sim.advance(1000)
    sim.stop(sim.node(1))
    sim.run()
    assert sim.cib_value(3, "p") == "1"


def test_restarted_attrd_gets_the_table_back() -> None:
    sim = cluster(3)
    sim.request(1, op="update", name="a", value="1", node="node2")
    sim.request(1, op="update", name="b", value="7", node="node1")
    sim.run()
    writes = len(sim.writes)
    sim.stop(sim.node(3))
    sim.run()
    peer = sim.start(3)
    # a query before the table arrives waits for it
    q = sim.request(3, op="query", name="a", node="node2")
    assert sim.reply(q) is None
    sim.run()
    assert sim.reply(q) == {"rc": 0, "name": "a", "values": [{"node": "node2", "value": "1"}]}
    assert sim.machines[peer].synced
    tables = sim.tables()
    assert all(t == tables[0] for t in tables)
    assert len(sim.writes) == writes + 1  # only the purge of node3 (it had no values)


def test_restarted_lowest_node_becomes_writer_without_rewriting() -> None:
    sim = cluster(3)
    for nodeid in (1, 2, 3):
        sim.request(nodeid, op="update", name="a", value=str(nodeid))
    sim.run()
    sim.stop(sim.node(1))
    sim.run()
    items = len(sim.written_items())
    sim.start(1)
    sim.run()
    assert sim.writers() == {sim.node(1)}
    assert len(sim.written_items()) == items  # the synced table says what is written
    sim.request(2, op="update", name="a", value="22")
    sim.run()
    assert sim.writes[-1].writer == sim.node(1)
    assert sim.cib_value(2, "a") == "22"


def test_updates_sent_while_the_joiner_waits_for_the_table_are_not_lost() -> None:
    sim = cluster(2)
    sim.request(1, op="update", name="n", value="5", node="node2")
    sim.run()
    sim.start(3)
    # before anyone processes the join: increments from the joiner and from others
    c = sim.request(3, op="update", name="n", value="n++", node="node2")
    sim.request(1, op="update", name="n", value="n++", node="node2")
    sim.request(3, op="update", name="other", value="z", node="node4")
    sim.run()
    assert sim.reply(c) == {"rc": 0}
    tables = sim.tables()
    assert tables[0]["n"] == {"node2": "7"}
    assert all(t == tables[0] for t in tables)


def test_left_node_values_leave_every_table_and_the_cib() -> None:
    sim = cluster(3)
    sim.request(3, op="update", name="a", value="3")
    sim.request(3, op="update", name="b", value="3", set="custom")
    sim.request(2, op="update", name="a", value="2")
    sim.run()
    assert sim.cib_value(3, "a") == "3"
    sim.stop(sim.node(3))
    sim.run()
    assert all(t == {"a": {"node2": "2"}, "b": {}} for t in sim.tables())
    assert sim.cib.find("status/node_state[@id='3']/transient_attributes") is None
    assert sim.cib_value(2, "a") == "2"


def test_values_for_nodes_outside_the_view_stay() -> None:
    sim = cluster(2)
    sim.request(1, op="update", name="a", value="4", node="node4")
    sim.run()
    assert sim.cib_value(4, "a") == "4"  # node id looked up in the CIB's nodes section
    sim.stop(sim.node(2))
    sim.run()
    assert sim.machine(1).value("a", "node4") == "4"


def test_partition_and_merge_converge_and_own_values_win() -> None:
    sim = cluster(4)
    sim.request(1, op="update", name="a", value="1")
    sim.request(4, op="update", name="a", value="4")
    sim.run()
    sim.partition([[1, 2], [3, 4]])
    sim.run()
    assert sim.machine(3).writer == sim.node(3)
    assert sim.machine(1).writer == sim.node(1)
    sim.request(4, op="update", name="a", value="44")
    sim.request(2, op="update", name="a", value="22")
    sim.request(1, op="update", name="a", value="40", node="node4")  # stale view of node4
    sim.run()
    sim.partition([])
    sim.run()
    tables = sim.tables()
    assert all(t == tables[0] for t in tables)
    assert tables[0]["a"]["node4"] == "44"  # node4's own value wins
    assert tables[0]["a"]["node2"] == "22"
    assert sim.writers() == {sim.node(1)}
    sim.advance(10)
    assert sim.cib_value(4, "a") == "44"
    assert sim.cib_value(2, "a") == "22"


# -- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_",
    [
        {},
        {"op": 3},
        {"op": "frobnicate"},
        {"op": "update"},
        {"op": "update", "name": ""},
        {"op": "update", "name": "x"},
        {"op": "update", "name": "x", "value": 5},
        {"op": "update", "name": "x", "value": "1", "dampen": "soon"},
        {"op": "update", "name": "x", "value": "1", "dampen": [1]},
        {"op": "update", "name": "x", "value": "1", "node": 7},
        {"op": "update", "name": "x", "value": "1", "private": "yes"},
        {"op": "update-both", "name": "x", "value": "1"},
        {"op": "update-delay", "name": "x"},
        {"op": "query"},
        {"op": "query", "name": "x", "all": 1},
    ],
)
def test_bad_requests_get_error_replies(request_: dict[str, object]) -> None:
    sim = cluster(1)
    client = sim.request(1, **request_)
    reply = sim.reply(client)
    assert reply is not None and reply["rc"] != 0 and reply["error"]
    sim.run()
    assert sim.writes == []


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"\xff\xfe",
        b"[]",
        b'{"t": "update"}',
        b'{"v": 99, "t": "update", "ops": []}',
        b'{"v": 1, "t": "nonsense"}',
        b'{"v": 1, "t": "update", "ops": 3}',
        b'{"v": 1, "t": "update", "ops": [{"name": "a"}]}',
        b'{"v": 1, "t": "update", "ops": [{"name": "a", "node": "n", "kind": "zap"}]}',
        b'{"v": 1, "t": "update", "ops": [{"name": "a", "node": "n", "dampen": -1}]}',
        b'{"v": 1, "t": "written", "items": [[1, 2]]}',
        b'{"v": 1, "t": "written", "items": "x"}',
        b'{"v": 1, "t": "sync", "view": 1, "to": "all", "table": []}',
        b'{"v": 1, "t": "sync", "view": 1, "to": [[1, "node1", 1]], "table": [{"name": 1}]}',
        b'{"v": 1, "t": "sync", "view": 1, "to": [[1, "node1"]], "table": []}',
    ],
)
def test_bad_messages_are_ignored(payload: bytes) -> None:
    local = Peer(1, "node1", 1)
    machine = AttrdMachine(local)
    machine.view_change(1, [local], [local], [])
    before = machine.table()
    assert machine.deliver(Peer(2, "node2", 5), payload) == []
    assert machine.table() == before
    client = ("c", 1)
    outputs = machine.client_request(client, {"op": "update", "name": "x", "value": "1"})
    assert [type(o) for o in outputs] == [Multicast]


def test_one_bad_op_rejects_the_whole_message() -> None:
    local = Peer(1, "node1", 1)
    machine = AttrdMachine(local)
    machine.view_change(1, [local], [local], [])
    message = {"v": 1, "t": "update", "ops": [{"name": "a", "node": "n", "value": "1"}, {"name": 2}]}
    machine.deliver(local, json.dumps(message).encode())
    assert machine.table() == {}


def test_lone_node_writes_its_own_values() -> None:
    local = Peer(1, "node1", 1)
    machine = AttrdMachine(local)
    machine.view_change(1, [local], [local], [])
    assert machine.is_writer and machine.synced
    (mcast,) = machine.client_request("c", {"op": "update", "name": "x", "value": "1"})
    assert isinstance(mcast, Multicast)
    outputs = machine.deliver(local, mcast.payload)
    writes = [o for o in outputs if isinstance(o, WriteCib)]
    replies = [o for o in outputs if isinstance(o, Reply)]
    assert len(writes) == 1 and writes[0].items[0].nodeid == 1
    assert replies == [Reply("c", {"rc": 0})]
    status = machine.client_request("s", {"op": "status"})
    assert isinstance(status[0], Reply) and status[0].message["writer"] == "node1"


# -- helpers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ms"),
    [("5", 5000), ("5s", 5000), ("500ms", 500), ("1min", 60_000), ("0", 0), (2, 2000), ("2.5s", 2500),
     ("x", None), ("-1", None), ("5 parsecs", None), (None, None)],
)
def test_parse_dampen(text: str | int | None, ms: int | None) -> None:
    assert parse_dampen(text) == ms


@pytest.mark.parametrize(
    ("value", "old", "new"),
    [("a++", None, "1"), ("a++", "4", "5"), ("a+=10", "5", "15"), ("a+=INFINITY", "3", "INFINITY"),
     ("a++", "INFINITY", "INFINITY"), ("a++", "junk", "1"), ("b++", "1", "b++"), ("7", "1", "7"),
     (None, "1", None), ("a+", "1", "a+")],
)
def test_expand_value(value: str | None, old: str | None, new: str | None) -> None:
    assert expand_value("a", value, old) == new


def test_joiner_whose_sync_sender_dies_is_synced_by_the_next_and_answers_its_clients() -> None:
    sim = cluster(3)
    sim.request(2, op="update", name="a", value="1", node="node2")
    sim.run()
    sim.stop(sim.node(3))
    sim.run()
    peer = sim.start(3)
    # the joiner's update is sent before anyone sees the join; node1 (the sync sender) dies
    # before processing the view, so its sync never comes
    c = sim.request(3, op="update", name="b", value="x")
    sim.machines.pop(sim.node(1))
    sim.stop(sim.node(1))
    sim.run()
    assert sim.machines[peer].synced
    assert sim.reply(c) == {"rc": 0}
    tables = sim.tables()
    assert tables[0] == {"a": {"node2": "1"}, "b": {"node3": "x"}}
    assert all(t == tables[0] for t in tables)


step = st.one_of(
    st.tuples(st.just("update"), st.integers(1, 4), st.integers(1, 4), st.sampled_from(["a", "b", "p"]),
              st.sampled_from(["1", "2", "a++", None])),
    st.tuples(st.just("restart"), st.integers(1, 4)),
    st.tuples(st.just("partition"), st.sampled_from([[[1, 2], [3, 4]], [[1], [2, 3, 4]], [[1, 3]], []])),
    st.tuples(st.just("wait"), st.integers(0, 3000)),
)


@settings(max_examples=200, deadline=None)
@given(steps=st.lists(step, max_size=25))
def test_tables_converge_and_the_cib_follows_them(steps: list[tuple]) -> None:  # type: ignore[type-arg]
    """Any mix of updates, attrd restarts, partitions and time: once healed and quiet, every
    table is the same, there is one writer, and the CIB holds exactly the non-private values
    of every node in the view."""
    sim = cluster(4)
    for item in steps:
        if item[0] == "update":
            _, origin, target, name, value = item
            request = {"op": "delete" if value is None else "update", "name": name, "node": f"node{target}"}
            if value is not None:
                request["value"] = value.replace("a", name)
                request["dampen"] = "2s" if name == "b" else "0"
                request["private"] = name == "p"
            sim.request(origin, **request)
        elif item[0] == "restart":
            sim.stop(sim.node(item[1]))
            sim.run()
            sim.start(item[1])
        elif item[0] == "partition":
            sim.partition(item[1])
        else:
            sim.advance(item[1])
        sim.run()
    sim.partition([])
    sim.advance(5000)
    tables = sim.tables()
    assert all(t == tables[0] for t in tables)
    assert len(sim.writers()) == 1
    attrs = sim.machines[sim.members[0]].attrs
    for name, values in tables[0].items():
        for node, value in values.items():
            nodeid = int(node.removeprefix("node"))
            assert sim.cib_value(nodeid, name) == (None if attrs[name].private else value), (name, node)


def test_the_replay_log_is_dropped_in_a_long_quiet_view() -> None:
    from crm.attrd.machine import LOG_KEEP

    sim = cluster(2)
    for i in range(LOG_KEEP + 5):
        sim.request(1 + i % 2, op="update", name="n", value="n++")
    sim.run()
    assert all(t == {"n": {"node1": "503", "node2": "502"}} for t in sim.tables())
    machine = sim.machine(1)
    assert machine._log is None and machine._base == {}
    sim.start(3)
    sim.run()
    tables = sim.tables()
    assert all(t == tables[0] for t in tables) and len(tables) == 3
