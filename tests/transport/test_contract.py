"""One contract for every transport (embedded bus and Corosync): first event, total order
with self-delivery, views on join, leave and death, size limit, quorum reported."""

from __future__ import annotations

import signal

from transport_harness import Group, events, read_until


def _views(evs: list[dict[str, object]]) -> list[dict[str, object]]:
    return [e for e in evs if e["e"] == "view"]


def test_the_first_event_is_a_view_with_the_member_itself(group: Group) -> None:
    proc = group.spawn("--members", "1", "--send", "1", "--expect", "1")
    evs = events(proc)
    me = evs[0]["me"]
    assert evs[1]["e"] == "view" and me in evs[1]["members"]  # type: ignore[operator]
    assert [e["data"] for e in evs if e["e"] == "msg"] == [f"{me[1]}:0"]  # type: ignore[index]


def test_every_member_receives_all_messages_in_the_same_order(group: Group) -> None:
    n, per = 3, 60
    procs = [group.spawn("--members", str(n), "--send", str(per), "--expect", str(n * per), nodeid=k + 1) for k in range(n)]
    orders = []
    for proc in procs:
        evs = events(proc)
        msgs = [e for e in evs if e["e"] == "msg"]
        orders.append([(tuple(e["sender"]), e["data"]) for e in msgs])  # type: ignore[arg-type]
        me = evs[0]["me"]
        own = [d for s, d in orders[-1] if list(s) == me]
        assert own == [f"{me[1]}:{i}" for i in range(per)]  # type: ignore[index]
    assert orders[0] == orders[1] == orders[2]
    assert len(orders[0]) == n * per


def test_views_report_joins_clean_leaves_and_deaths(group: Group) -> None:
    watcher = group.spawn("--members", "99", "--linger")
    first = read_until(watcher, lambda e: e["e"] == "view")
    me = first[0]["me"]
    leaver = group.spawn("--members", "1", "--send", "1", "--expect", "1", nodeid=2)
    joined = read_until(watcher, lambda e: e["e"] == "view" and len(e["members"]) == 2)  # type: ignore[arg-type]
    other = next(m for m in _views(joined)[-1]["members"] if m != me)  # type: ignore[union-attr]
    assert _views(joined)[-1]["joined"] == [other]
    events(leaver)  # it exits cleanly after its own message
    left = read_until(watcher, lambda e: e["e"] == "view" and len(e["members"]) == 1)  # type: ignore[arg-type]
    assert _views(left)[-1]["left"] == [other]
    victim = group.spawn("--members", "99", "--linger", nodeid=3)
    seen = read_until(watcher, lambda e: e["e"] == "view" and len(e["members"]) == 2)  # type: ignore[arg-type]
    dead = next(m for m in _views(seen)[-1]["members"] if m != me)  # type: ignore[union-attr]
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    gone = read_until(watcher, lambda e: e["e"] == "view" and len(e["members"]) == 1)  # type: ignore[arg-type]
    assert _views(gone)[-1]["left"] == [dead]


def test_an_oversized_message_is_refused_and_quorum_is_reported(group: Group) -> None:
    proc = group.spawn("--members", "1", "--send", "1", "--expect", "1", "--oversized")
    evs = events(proc)
    assert {"e": "oversized", "refused": True} in evs
    quorum = [e for e in evs if e["e"] == "quorum"]
    assert quorum and quorum[-1]["quorate"] is True
