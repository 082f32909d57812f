"""The embedded bus's state machine: views, partitions, quorum (no sockets)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm.cluster import bus
from crm.cluster.transport import Member


def _decode(body: bytes) -> tuple[int, object]:
    return body[0], json.loads(body[1:]) if body[0] in (bus.VIEW, bus.QUORUM) else body


def m(k: int) -> Member:
    return Member(k, f"node{k}", 100 + k)


def test_quorum_rule() -> None:
    assert not bus.quorate(1, 3) and bus.quorate(2, 3) and bus.quorate(3, 3)
    assert not bus.quorate(2, 4) and bus.quorate(3, 4)
    assert bus.quorate(1, 2, two_node=True) and not bus.quorate(1, 2)
    assert bus.quorate(4, 3)  # more nodes than expected raise the expectation


def test_joins_and_leaves_produce_views_for_the_members() -> None:
    state = bus.BusState(expected_votes=3)
    out = state.connect(1, "cib", m(1))
    views = [json.loads(b[1:]) for cid, b in out if b[0] == bus.VIEW]
    assert views[0]["members"] == [[1, "node1", 101]] and views[0]["joined"] == [[1, "node1", 101]]
    quorum = [json.loads(b[1:]) for cid, b in out if b[0] == bus.QUORUM]
    assert quorum == [{"quorate": False, "nodes": [1]}]
    out = state.connect(2, "cib", m(2))
    assert {cid for cid, b in out if b[0] == bus.VIEW} == {1, 2}
    assert [json.loads(b[1:])["quorate"] for cid, b in out if b[0] == bus.QUORUM] == [True, True]
    out = state.disconnect(2)
    views = [json.loads(b[1:]) for cid, b in out if b[0] == bus.VIEW]
    assert views == [{"view": 3, "members": [[1, "node1", 101]], "joined": [], "left": [[2, "node2", 102]]}]


def test_messages_go_to_the_senders_group_and_partition_only() -> None:
    state = bus.BusState(expected_votes=3)
    for cid, k in ((1, 1), (2, 2), (3, 3)):
        state.connect(cid, "cib", m(k))
    state.connect(4, "attrd", m(1))
    assert {cid for cid, _ in state.mcast(1, b"x")} == {1, 2, 3}
    state.partition([[1, 2], [3]])
    assert {cid for cid, _ in state.mcast(1, b"x")} == {1, 2}
    assert {cid for cid, _ in state.mcast(3, b"x")} == {3}
    with pytest.raises(bus.BusError):
        state.mcast(99, b"x")


def test_a_heal_reports_each_side_the_other_side_as_joined() -> None:
    state = bus.BusState(expected_votes=3)
    for cid, k in ((1, 1), (2, 2), (3, 3)):
        state.connect(cid, "cib", m(k))
    out = state.partition([[1, 2], [3]])
    split = {cid: json.loads(b[1:]) for cid, b in out if b[0] == bus.VIEW}
    assert split[1]["left"] == [[3, "node3", 103]] and split[3]["left"] == [[1, "node1", 101], [2, "node2", 102]]
    quorum = {cid: json.loads(b[1:])["quorate"] for cid, b in out if b[0] == bus.QUORUM}
    assert quorum == {1: True, 2: True, 3: False}
    out = state.heal()
    merged = {cid: json.loads(b[1:]) for cid, b in out if b[0] == bus.VIEW}
    assert merged[1]["joined"] == [[3, "node3", 103]] and merged[3]["joined"] == [[1, "node1", 101], [2, "node2", 102]]
    assert len({v["view"] for v in merged.values()}) == 1


@given(st.lists(st.tuples(st.sampled_from(["connect", "disconnect", "mcast"]), st.integers(1, 5)), max_size=40))
def test_every_member_of_a_group_sees_the_same_stream(ops: list[tuple[str, int]]) -> None:
    """Members that stay connected see identical sequences of messages and views from the
    moment both are in the group (total order and virtual synchrony)."""
    state = bus.BusState(expected_votes=5)
    streams: dict[int, list[bytes]] = {}
    live: set[int] = set()
    for op, k in ops:
        if op == "connect" and k not in live:
            live.add(k)
            streams[k] = []
            out = state.connect(k, "g", m(k))
        elif op == "disconnect" and k in live:
            live.discard(k)
            out = state.disconnect(k)
        elif op == "mcast" and k in live:
            out = state.mcast(k, str(len(ops)).encode())
        else:
            continue
        for cid, body in out:
            if body[0] != bus.QUORUM:
                streams[cid].append(body)
    for a in live:
        for b in live:
            # b joined while a was there: from b's first view on, a saw exactly what b saw
            first = streams[b][0]
            if a != b and first in streams[a]:
                assert streams[a][streams[a].index(first):] == streams[b]
