"""ocf:pacer:drbd and Debian's ocf:linbit:drbd on real DRBD 8.4 (Debian's kernel, drbd-utils 9.22).

Every scenario runs once per agent on a fresh resource r0 between node1 and node2 (see
drbd_bench.py) and records the rc of each action, the promotion scores the agent set and
the roles DRBD reports.  Both agents must agree, except where ours is deliberately
stricter (a replication link that is down while the cluster still sees the peer, and a
split brain), which is asserted explicitly on the outcomes of both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest
from drbd_bench import NODES, DrbdBench
from vm_harness import VMSet

pytestmark = [pytest.mark.vm, pytest.mark.xdist_group("vm")]
T = TypeVar("T")
ALL = ["node1", "node2"]


@pytest.fixture(scope="module")
def benches(vms: VMSet) -> Iterator[dict[str, DrbdBench]]:
    made = {agent: DrbdBench(vms, agent) for agent in ("pacer", "linbit")}
    made["pacer"].install()
    try:
        yield made
    finally:
        vms.net.heal()
        for node in NODES:
            if not vms[node].alive():
                vms[node].start()
        made["pacer"].teardown()


def both(benches: dict[str, DrbdBench], scenario: Callable[[DrbdBench], T]) -> dict[str, T]:
    results = {}
    for agent, bench in benches.items():
        bench.vms.net.heal()
        bench.fresh()
        results[agent] = scenario(bench)
    return results


def primaries(roles: dict[str, str]) -> list[str]:
    return [n for n, r in roles.items() if r == "Primary"]


# ---------------------------------------------------------------- life cycle and scores


def lifecycle(b: DrbdBench) -> list[object]:
    t: list[object] = [b.run("node1", "validate-all"), b.run("node1", "monitor")]  # probe: not running
    t += [b.run("node1", "start"), b.run("node2", "start")]
    b.connected()
    # fresh meta data: Inconsistent on both sides, so no score and no promotion
    t += [b.run("node1", "monitor", interval_ms=31000), b.score("node1")]
    t += [b.run("node1", "promote", timeout=10), b.roles()]
    b.initial_sync()
    t += [b.run("node1", "monitor", interval_ms=31000), b.run("node2", "monitor", interval_ms=31000),
          b.score("node1"), b.score("node2")]
    t += [b.run("node1", "promote"), b.run("node1", "monitor", interval_ms=29000),
          b.run("node2", "monitor", interval_ms=31000), b.roles()]
    # the peer is Primary: refused
    t += [b.run("node2", "promote", timeout=10), b.roles()]
    data = b.write_data("node1", b.agent)
    t += [b.run("node1", "demote"), b.run("node2", "promote"), b.roles(), b.read_data("node2") == data]
    t += [b.run("node2", "demote"), b.run("node2", "stop"), b.score("node2"), b.roles()]
    # node1 alone: its data is UpToDate but the peer's is unknown
    t += [b.run("node1", "monitor", interval_ms=31000), b.score("node1")]
    t += [b.run("node1", "stop"), b.run("node1", "monitor"), b.roles(), b.score("node1")]
    b.attribute_calls = [c for c in b.calls("node1") if c.startswith("crm_attribute")]
    return t


def test_drbd_lifecycle_and_scores_agree_with_linbit(benches: dict[str, DrbdBench]) -> None:
    results = both(benches, lifecycle)
    assert results["pacer"] == results["linbit"], results
    t = results["pacer"]
    assert t[:4] == [0, 7, 0, 0]
    assert t[4:6] == [0, None]  # Inconsistent: no promotion score
    assert t[6:8] == [1, {"node1": "Secondary", "node2": "Secondary"}]
    assert t[8:12] == [0, 0, 10000, 10000]
    assert t[12:16] == [0, 8, 0, {"node1": "Primary", "node2": "Secondary"}]
    assert t[16:18] == [1, {"node1": "Primary", "node2": "Secondary"}]
    assert t[18:22] == [0, 0, {"node1": "Secondary", "node2": "Primary"}, True]
    assert t[22:26] == [0, 0, None, {"node1": "Secondary", "node2": "Stopped"}]
    assert t[26:28] == [0, 1000]
    assert t[28:] == [0, 7, {"node1": "Stopped", "node2": "Stopped"}, None]
    # how the scores were published: ours calls crm_attribute for the node's transient
    # (reboot) attribute; linbit goes through crm_master, which ends there too
    ours, linbit = benches["pacer"].attribute_calls, benches["linbit"].attribute_calls
    assert ours[-2:] == ["crm_attribute -N node1 -n master-drbd_r0 -l reboot -v 1000",
                         "crm_attribute -N node1 -n master-drbd_r0 -l reboot -D"]
    assert "crm_attribute -N node1 -n master-drbd_r0 -l reboot -v 10000" in ours
    assert any(" -n master-drbd_r0 " in c and "-l reboot" in c and c.endswith("-v 10000") for c in linbit)
    assert "-D" in linbit[-1].split() and "master-drbd_r0" in linbit[-1]


# ---------------------------------------------------------------- refusing to promote


def outdated_peer(b: DrbdBench) -> list[object]:
    """node1 is Primary; the link goes; node2 is outdated (what resource-level fencing does)
    and the cluster lost node1: node2 must still not be promoted on its stale data."""
    assert b.run("node1", "start") == 0 and b.run("node2", "start") == 0
    b.initial_sync()
    assert b.run("node1", "promote") == 0
    b.vms.net.cut("node1", "node2")
    b.disconnected()
    b.guest("node2").check("drbdadm outdate r0")
    t: list[object] = [b.state("node2")["disk"], b.run("node2", "monitor", interval_ms=31000), b.score("node2")]
    t += [b.run("node2", "promote", timeout=8, active=["node2"], promoted=[]), b.roles()]
    b.vms.net.heal()
    b.wait("node2", "disk:UpToDate", timeout=60)
    t += [b.run("node2", "monitor", interval_ms=31000), b.score("node2")]
    return t


def test_drbd_outdated_disk_is_never_promoted(benches: dict[str, DrbdBench]) -> None:
    results = both(benches, outdated_peer)
    assert results["pacer"] == results["linbit"], results
    assert results["pacer"] == ["Outdated", 0, None, 1, {"node1": "Primary", "node2": "Secondary"}, 0, 10000]


# ---------------------------------------------------------------- split brain


def link_cut_both_promote(b: DrbdBench) -> list[object]:
    """The replication link goes while the cluster still sees both nodes, and both are asked
    to promote at the same time."""
    assert b.run("node1", "start") == 0 and b.run("node2", "start") == 0
    b.initial_sync()
    b.vms.net.cut("node1", "node2")
    b.disconnected()
    rcs = b.run_both("promote", timeout=40, active=ALL, promoted=[])
    return [rcs, b.roles()]


def test_drbd_split_brain_link_cut_never_two_primaries(benches: dict[str, DrbdBench]) -> None:
    results = both(benches, link_cut_both_promote)
    rcs, roles = results["pacer"]
    assert isinstance(roles, dict)
    assert primaries(roles) == [], results
    assert rcs == {"node1": 1, "node2": 1}
    # the reference agent does what it is asked: two Primaries, diverging data
    assert results["linbit"] == [{"node1": 0, "node2": 0}, {"node1": "Primary", "node2": "Primary"}]


def diverged(b: DrbdBench) -> list[object]:
    """Both sides were made Primary by hand while apart and wrote: on reconnect DRBD finds
    the split brain and both go StandAlone.  Then both are asked to promote."""
    assert b.run("node1", "start") == 0 and b.run("node2", "start") == 0
    b.initial_sync()
    b.vms.net.cut("node1", "node2")
    b.disconnected()
    for node in NODES:
        b.guest(node).check("drbdadm primary r0")
        b.written[node] = b.write_data(node, node)
        b.guest(node).check("drbdadm secondary r0")
    b.vms.net.heal()
    for node in NODES:
        b.wait(node, "connection:StandAlone", timeout=60)
    t: list[object] = [b.run("node1", "monitor", interval_ms=31000), b.score("node1")]
    t += [b.run_both("promote", timeout=40), b.roles()]
    return t


def test_drbd_split_brain_after_divergence_is_not_promoted(benches: dict[str, DrbdBench]) -> None:
    results = both(benches, diverged)
    ours = results["pacer"]
    assert ours == [0, None, {"node1": 1, "node2": 1}, {"node1": "Secondary", "node2": "Secondary"}], results
    assert results["linbit"][2:] == [{"node1": 0, "node2": 0}, {"node1": "Primary", "node2": "Primary"}]
    # the administrator discards node2's changes; replication resumes and promotion works again
    b = benches["pacer"]
    for node in NODES:
        b.guest(node).check("drbdadm secondary r0")
    b.guest("node2").check("drbdadm -- --discard-my-data connect r0")
    b.guest("node1").check("drbdadm connect r0")
    b.connected()
    b.wait("node2", "disk:UpToDate", timeout=60)
    assert b.run("node1", "monitor", interval_ms=31000) == 0 and b.score("node1") == 10000
    assert b.run("node1", "promote") == 0
    assert b.roles() == {"node1": "Primary", "node2": "Secondary"}
    assert b.read_data("node1") == b.written["node1"]
    assert b.run("node1", "demote") == 0 and b.run("node2", "promote") == 0
    assert b.read_data("node2") == b.written["node1"]  # node2's changes were discarded


# ---------------------------------------------------------------- hard kill of the Primary


def failover(b: DrbdBench) -> list[object]:
    """node1 (Primary, with data) loses power; the cluster lost it and promotes node2; node1
    comes back, is started again, resyncs and stays Secondary."""
    assert b.run("node1", "start") == 0 and b.run("node2", "start") == 0
    b.initial_sync()
    assert b.run("node1", "promote") == 0
    data = b.write_data("node1", f"{b.agent} before the crash")
    b.guest("node1").kill()
    b.wait("node2", "connection:(Connecting|WFConnection)", timeout=60)
    t: list[object] = [b.run("node2", "monitor", interval_ms=31000, active=["node2"], promoted=[]),
                       b.score("node2")]
    t += [b.run("node2", "promote", active=["node2"], promoted=[]), b.read_data("node2") == data]
    data2 = b.write_data("node2", f"{b.agent} after the crash")
    b.guest("node1").start()
    b.install()
    t += [b.run("node1", "monitor"), b.run("node1", "start")]
    b.connected()
    b.wait("node1", "disk:UpToDate", timeout=60)
    t += [b.run("node1", "monitor", interval_ms=31000), b.score("node1"), b.roles()]
    assert b.run("node2", "demote") == 0 and b.run("node1", "promote") == 0
    t += [b.read_data("node1") == data2]
    return t


def test_drbd_failover_after_hard_kill_of_the_primary(benches: dict[str, DrbdBench]) -> None:
    results = both(benches, failover)
    assert results["pacer"] == results["linbit"], results
    assert results["pacer"] == [0, 1000, 0, True, 7, 0, 0, 10000, {"node1": "Secondary", "node2": "Primary"},
                                True]
