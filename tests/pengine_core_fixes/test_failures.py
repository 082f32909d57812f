"""Failure handling: on-fail=ignore and migration-threshold, failure-timeout and on-fail=block.

Each scenario is checked for the behaviour Pacemaker 2.1.5 documents, and, where Debian's
``crm_simulate`` is installed, against its transition graph for the same CIB and time.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from failure_cibs import NOW_SPEC, NOW_TS, Op, Scenario, graph_actions, run
from lxml import etree

ORACLE = "/usr/sbin/crm_simulate"


def _running(*, failure_age: int, rc: int = 1, stale: bool = False) -> tuple[Op, ...]:
    """Started on node1, its 10s monitor last failed ``failure_age`` seconds ago."""
    return (Op("start", 0, 2, suffix="last_0"),
            Op("monitor", 10000, 3, rc=rc, last_rc_change=NOW_TS - failure_age, stale=stale),
            Op("monitor", 10000, 3, rc=rc, suffix="last_failure_0", last_rc_change=NOW_TS - failure_age,
               stale=stale))


def _ignored_over_threshold(on_fail: str | None) -> Scenario:
    return Scenario(monitor_on_fail=on_fail, meta={"migration-threshold": "2"}, fail_count=3,
                    last_failure=NOW_TS - 100, ops=_running(failure_age=100, rc=7))


def test_on_fail_ignore_also_ignores_the_migration_threshold() -> None:
    actions, scores = run(_ignored_over_threshold("ignore"))
    assert "pcmk__primitive_assign: rsc allocation score on node1: 0" in scores
    assert not any(a.startswith(("rsc_stop_0", "rsc_start_0")) for a in actions)


def test_without_on_fail_ignore_the_threshold_moves_the_resource() -> None:
    actions, scores = run(_ignored_over_threshold(None))
    assert "pcmk__primitive_assign: rsc allocation score on node1: -INFINITY" in scores
    assert {"rsc_stop_0 node1", "rsc_start_0 node2"} <= actions


def _changed_since_failure() -> Scenario:
    return Scenario(meta={"migration-threshold": "2"}, fail_count=3, last_failure=NOW_TS - 100,
                    ops=_running(failure_age=100, rc=7, stale=True))


def test_changed_parameters_clear_the_fail_count_before_the_threshold() -> None:
    # should_clear_for_param_change: the fail count will be cleared, so it does not ban node1
    actions, scores = run(_changed_since_failure())
    assert "rsc_clear_failcount_0 node1" in actions
    assert "pcmk__primitive_assign: rsc allocation score on node1: 0" in scores
    assert "rsc_start_0 node2" not in actions


def _expired(on_fail: str | None) -> Scenario:
    # failure 1000s ago, failure-timeout 60s: the failure and the fail count expired
    return Scenario(monitor_on_fail=on_fail, meta={"failure-timeout": "60"}, fail_count=1,
                    last_failure=NOW_TS - 1000, ops=_running(failure_age=1000))


def test_expired_monitor_failure_clears_the_fail_count_and_reschedules_the_monitor() -> None:
    actions, _ = run(_expired(None))
    assert {"rsc_clear_failcount_0 node1", "rsc_monitor_10000 node1"} <= actions
    assert not any(a.startswith(("rsc_stop_0", "rsc_start_0")) for a in actions)


def test_on_fail_block_cancels_the_failure_timeout() -> None:
    actions, scores = run(_expired("block"))
    # still failed and blocked: nothing is done with it, its fail count stays
    assert not any(a.startswith("rsc_") and not a.startswith("rsc_monitor_0") for a in actions)
    assert "pcmk__primitive_assign: rsc allocation score on node1: INFINITY" in scores


def test_unexpired_fail_count_keeps_an_old_failure() -> None:
    # the operation is old but the fail count was raised 10s ago: the failure counts (recovery)
    scn = Scenario(meta={"failure-timeout": "60"}, fail_count=1, last_failure=NOW_TS - 10,
                   ops=_running(failure_age=1000))
    actions, _ = run(scn)
    assert {"rsc_stop_0 node1", "rsc_start_0 node1"} <= actions
    assert "rsc_clear_failcount_0 node1" not in actions


def test_fail_count_expires_only_after_the_timeout() -> None:
    # last failure exactly failure-timeout seconds ago: pe_get_failcount needs now > last + timeout
    scn = Scenario(meta={"failure-timeout": "60", "migration-threshold": "1"}, fail_count=1,
                   last_failure=NOW_TS - 60, ops=(Op("start", 0, 2, suffix="last_0"),
                                                  Op("monitor", 10000, 3, rc=0)))
    _, scores = run(scn)
    assert "pcmk__primitive_assign: rsc allocation score on node1: -INFINITY" in scores


SCENARIOS = {
    "ignore-over-threshold": _ignored_over_threshold("ignore"),
    "restart-over-threshold": _ignored_over_threshold(None),
    "expired": _expired(None),
    "changed-since-failure": _changed_since_failure(),
    "expired-block": _expired("block"),
    "unexpired-count": Scenario(meta={"failure-timeout": "60"}, fail_count=1, last_failure=NOW_TS - 10,
                                ops=_running(failure_age=1000)),
}


@pytest.mark.skipif(shutil.which(ORACLE) is None, reason="Debian crm_simulate not installed")
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_same_actions_as_pacemaker(name: str, tmp_path: Path) -> None:
    scn = SCENARIOS[name]
    xml = tmp_path / "cib.xml"
    out = tmp_path / "graph.xml"
    xml.write_bytes(etree.tostring(scn.xml()))
    subprocess.run([ORACLE, "-x", str(xml), "-t", NOW_SPEC, "-G", str(out), "-Q"], check=True,
                   capture_output=True, timeout=60)
    expected = graph_actions(out.read_text())
    actions, _ = run(scn)
    assert actions == expected
