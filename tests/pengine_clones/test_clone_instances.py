"""Anonymous clone instance numbering during status unpacking."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pengine.clones.instances import AnonymousInstances, instance_number, strip_instance


def test_strip_and_number() -> None:
    assert strip_instance("rsc:12") == "rsc"
    assert strip_instance("rsc") == "rsc"
    assert strip_instance("a:b") == "a:b"
    assert instance_number("rsc:3") == 3
    assert instance_number("rsc") is None


def test_each_node_gets_next_free_instance() -> None:
    tracker = AnonymousInstances(clone_max=3)
    first = tracker.resolve("n1", "rsc")
    tracker.mark_active(first.number, "n1", "rsc")
    second = tracker.resolve("n2", "rsc")
    tracker.mark_active(second.number, "n2", "rsc")
    assert (first.number, second.number) == (0, 1)
    assert not first.orphan and not second.orphan


def test_inactive_history_does_not_consume_a_number() -> None:
    tracker = AnonymousInstances(clone_max=2)
    assert tracker.resolve("n1", "rsc").number == 0  # stopped: not marked active
    assert tracker.resolve("n2", "rsc").number == 0


def test_more_active_nodes_than_instances_makes_orphans() -> None:
    tracker = AnonymousInstances(clone_max=1)
    tracker.mark_active(tracker.resolve("n1", "rsc").number, "n1", "rsc")
    extra = tracker.resolve("n2", "rsc")
    assert extra.orphan and extra.number == 1
    tracker.mark_active(extra.number, "n2", "rsc")
    assert tracker.resolve("n3", "rsc").number == 2  # nothing free: a new orphan


def test_cloned_group_members_share_the_instance() -> None:
    tracker = AnonymousInstances(clone_max=2)
    tracker.mark_active(tracker.resolve("n1", "a").number, "n1", "a")
    assert tracker.resolve("n1", "b").number == 0
    assert tracker.resolve("n2", "a").number == 1


def test_second_history_of_same_member_on_node_is_orphan() -> None:
    tracker = AnonymousInstances(clone_max=3)
    tracker.mark_active(tracker.resolve("n1", "rsc").number, "n1", "rsc")
    dup = tracker.resolve("n1", "rsc")
    assert dup.orphan and dup.number == 3


def test_requires_quorum_offline_node_gets_orphan() -> None:
    tracker = AnonymousInstances(clone_max=2, requires_fencing=False)
    res = tracker.resolve("n1", "rsc", node_online=False)
    assert res.orphan


@given(st.lists(st.sampled_from(["n1", "n2", "n3", "n4"]), min_size=1, max_size=8, unique=True),
       st.integers(min_value=0, max_value=5))
def test_active_instances_are_distinct(nodes: list[str], clone_max: int) -> None:
    tracker = AnonymousInstances(clone_max=clone_max)
    seen = []
    for node in nodes:
        res = tracker.resolve(node, "rsc")
        tracker.mark_active(res.number, node, "rsc")
        seen.append(res)
    numbers = [r.number for r in seen]
    assert len(set(numbers)) == len(numbers)
    assert [r.number for r in seen if not r.orphan] == list(range(min(clone_max, len(nodes))))
    assert all(r.orphan == (r.number >= clone_max) for r in seen)
