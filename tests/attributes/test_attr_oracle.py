"""Differential tests: our crm_attribute, crm_standby and crm_failcount against Debian's
Pacemaker 2.1.5 tools, on copies of the same CIB files: same exit code, stdout, stderr and
resulting CIB (compared structurally, without clock-set attributes); a failing command
leaves the file byte-identical."""

from __future__ import annotations

from pathlib import Path

import pytest
from attr_harness import DATA, Harness, RunResult, canonical

pytestmark = pytest.mark.oracle

A = "10-a-then-bm-b-move-a-clone.xml"  # nodes f20node1 (standby, id 1), f20node2; vm, myclone
B = "1484.xml"  # hb1, hb2 with status; hb3 without node_state; odd transient ids
C = "1494.xml"  # rsc_defaults with its own set id, node sets with generated ids
R = "nested-remote-recovery.xml"  # remote nodes and bundle guest nodes
P = "promoted-1.xml"
FAILCOUNTS = "<fail counts>"

ATTRIBUTE_CASES: list[tuple[str, list[str]]] = [
    (A, ["-n", "foo", "-v", "bar"]),
    (A, ["-n", "foo", "-G"]),
    (A, ["-n", "foo"]),
    (A, ["-n", "stonith-enabled", "-G"]),
    (A, ["-n", "stonith-enabled", "-G", "-q"]),
    (A, ["-n", "stonith-enabled", "-v", "false"]),
    (A, ["-n", "stonith-enabled", "-G", "-v", "1"]),
    (A, ["-n", "stonith-enabled", "-v", "1", "-G"]),
    (A, ["-n", "stonith-enabled", "-D"]),
    (A, ["-n", "stonith-enabled", "-D", "-q"]),
    (A, ["-n", "nothere", "-D"]),
    (A, ["-G"]),
    (A, ["-D"]),
    (A, ["-n"]),
    (A, ["-v"]),
    (A, ["--bogus"]),
    (A, ["--version"]),
    (A, ["-n", "foo", "-v", "bar", "-s", "myset"]),
    (A, ["-n", "foo", "-v", "bar", "-i", "myid"]),
    (A, ["-n", "foo", "-G", "-d", "7"]),
    (A, ["-n", "foo", "-G", "-d", "7", "-q"]),
    (A, ["-i", "cib-bootstrap-options-stonith-enabled", "-G"]),
    (A, ["-n", "stonith-enabled", "-G", "-i", "cib-bootstrap-options-stonith-enabled"]),
    (A, ["-N", "f20node2", "-n", "foo", "-v", "bar"]),
    (A, ["-N", "f20node2", "-n", "foo", "-v", "bar", "-l", "reboot"]),
    (A, ["-N", "f20node2", "-n", "foo", "-v", "bar", "-l", "forever"]),
    (A, ["-N", "f20node2", "-n", "foo", "-G", "-l", "reboot"]),
    (A, ["-N", "f20node2", "-n", "foo", "-G", "-d", "7"]),
    (A, ["-N", "f20node1", "-n", "standby", "-G"]),
    (A, ["-N", "f20node1", "-n", "standby", "-v", "off"]),
    (A, ["-N", "f20node1", "-n", "standby", "-D"]),
    (A, ["-N", "f20node1", "-n", "standby", "-D", "-l", "reboot"]),
    (A, ["-N", "f20node1", "-n", "standby", "-G", "-t", "nodes", "-l", "reboot"]),
    (A, ["-N", "f20node1", "-n", "x", "-v", "1", "-t", "status", "-l", "forever"]),
    (A, ["-N", "f20node1", "-n", "x", "-v", "1", "-l", "forever", "-t", "status"]),
    (A, ["-N", "f20node1", "-n", "x", "-v", "1", "-t", "crm_config"]),
    (A, ["-N", "f20node1", "-n", "fail-count-vm#monitor_0", "-v", "3", "-l", "reboot"]),
    (A, ["-N", "f20node1", "-n", "a b/c@d", "-v", "3", "-l", "reboot"]),
    (A, ["-N", "nonode", "-n", "standby", "-G"]),
    (A, ["-N", "nonode", "-n", "standby", "-v", "on"]),
    (A, ["-N", "f20node1", "-n", "standby", "-G", "-l", "bogus"]),
    (A, ["-N", "f20node1", "-n", "standby", "-G", "-t", "bogus"]),
    (A, ["-t", "bogus", "-n", "foo", "-G"]),
    (A, ["-N", "f20node1", "-t", "rsc_defaults", "-n", "resource-stickiness", "-v", "100"]),
    (A, ["-N", "f20node1", "-t", "op_defaults", "-n", "timeout", "-v", "100"]),
    (A, ["-N", "f20node1", "-t", "op_defaults", "-n", "timeout", "-G"]),
    (A, ["-N", "f20node1", "-t", "rsc_defaults", "-n", "x", "-v", "1", "-s", "s1", "-i", "i1"]),
    (A, ["-N", "f20node1", "-p", "-v", "10"]),
    (B, ["-N", "hb3", "-n", "x", "-v", "1", "-l", "reboot"]),
    (B, ["-N", "hb1", "-n", "x", "-v", "1", "-l", "reboot"]),
    (B, ["-N", "hb1", "-n", "probe_complete", "-G", "-l", "reboot"]),
    (B, ["-N", "hb1", "-n", "probe_complete", "-D", "-l", "reboot"]),
    (C, ["-N", "hb1", "-n", "standby", "-v", "on"]),
    (C, ["-N", "hb1", "-n", "db_in_sync", "-D"]),
    (C, ["-N", "hb2", "-G"]),
    (C, ["-N", "hb1", "-t", "rsc_defaults", "-n", "resource-stickiness", "-v", "5"]),
    (C, ["-N", "hb1", "-t", "rsc_defaults", "-n", "foo", "-v", "5"]),
    (C, ["-N", "hb1", "-t", "rsc_defaults", "-n", "foo", "-v", "5", "-s", "rsc_defaults-meta_attributes"]),
    (R, ["-N", "database-0", "-n", "x", "-v", "1", "-l", "reboot"]),
    (R, ["-N", "database-0", "-n", "x", "-v", "1"]),
    (R, ["-N", "galera-bundle-0", "-n", "x", "-v", "1"]),
    (R, ["-N", "galera-bundle-0", "-n", "x", "-v", "1", "-l", "reboot"]),
    (R, ["-N", "galera-bundle-1", "-G", "-l", "reboot"]),
    (R, ["-N", "galera-bundle-9", "-G", "-l", "reboot"]),
    (R, ["-N", "controller-0", "-G"]),
    (A, ["-N", "f20node1", "-z", "-n", "cpu", "-v", "2"]),
    (A, ["-N", "f20node1", "-z", "-n", "cpu", "-v", "2", "-l", "reboot"]),
    (A, ["-N", "f20node1", "-l", "reboot", "-z", "-n", "cpu", "-v", "2"]),
    (A, ["-N", "f20node1", "-z", "-n", "standby", "-G"]),
    (A, ["-N", "f20node1", "-z", "-n", "cpu", "-v", "2", "-s", "s1"]),
    (A, ["-N", "f20node1", "-z", "-t", "crm_config", "-n", "cpu", "-v", "2"]),
    (A, ["-z", "-n", "x", "-v", "1"]),
    (P, ["-N", "node1", "-n", "master-child_rsc1:0", "-v", "10", "-l", "reboot"]),
]

PROMOTION_CASES: list[tuple[str, list[str]]] = [
    (A, ["-N", "f20node1", "-p", "-v", "10"]),
    (A, ["-N", "f20node1", "-p", "-G"]),
    (A, ["-N", "f20node1", "-p", "-D"]),
    (A, ["-N", "f20node1", "-p", "10"]),
    (A, ["-N", "f20node1", "-p", "-l", "forever", "-v", "5"]),
    (A, ["-N", "f20node1", "--promotion=other", "-v", "5"]),
]

STANDBY_CASES: list[tuple[str, list[str]]] = [
    (A, ["-N", "f20node1", "-G"]),
    (A, ["-N", "f20node2", "-G"]),
    (A, ["-N", "f20node1", "-q"]),
    (A, ["-N", "f20node2", "-v", "on"]),
    (A, ["-N", "f20node2", "-v", "on", "-l", "reboot"]),
    (A, ["-N", "f20node1", "-D"]),
    (A, ["-N", "f20node2", "-D"]),
    (A, ["-N", "f20node1", "-v", "bogus"]),
    (A, ["-N", "f20node1", "-i", "foo", "-v", "on"]),
    (A, ["-N", "nonode", "-G"]),
    (A, ["-G"]),
    (A, ["-N"]),
    (A, ["--node"]),
    (A, ["-x"]),
    (A, ["--bogus"]),
    (A, ["--help"]),
    (A, ["--version"]),
    (C, ["-N", "hb3", "-G"]),
    (C, ["-N", "hb3", "-v", "on"]),
]

FAILCOUNT_CASES: list[tuple[str, list[str]]] = [
    (FAILCOUNTS, ["-r", "vm", "-N", "f20node1", "-G"]),
    (FAILCOUNTS, ["-r", "vm", "-N", "f20node2", "-G"]),
    (FAILCOUNTS, ["-r", "myclone", "-N", "f20node2", "-G"]),
    (FAILCOUNTS, ["-r", "myclone", "-N", "f20node2", "-G", "-q"]),
    (FAILCOUNTS, ["-r", "myclone:0", "-N", "f20node2", "-G"]),
    (FAILCOUNTS, ["-r", "vm", "-N", "f20node1", "-G", "-n", "monitor", "-I", "10s"]),
    (FAILCOUNTS, ["-r", "vm", "-N", "f20node1", "-G", "-n", "monitor", "-I", "10"]),
    (FAILCOUNTS, ["-r", "vm", "-N", "f20node1", "-G", "-n", "monitor", "-I", "10000ms"]),
    (FAILCOUNTS, ["-r", "vm", "-N", "f20node1", "-G", "-n", "start"]),
    (FAILCOUNTS, ["-r", "vm", "-N", "f20node1", "-G", "-n", "start", "-I", "bogus"]),
    (FAILCOUNTS, ["-r", "vm", "-N", "f20node2", "-G", "-n", "monitor", "-I", "PT10S"]),
    (FAILCOUNTS, ["-r", "vm", "-N", "nonode", "-G"]),
    (FAILCOUNTS, ["-r", "vm", "-G"]),
    (FAILCOUNTS, ["-N", "f20node1", "-G"]),
    (FAILCOUNTS, ["-r", "vm", "-N", "f20node1"]),
    (FAILCOUNTS, ["-r", "vm", "-N", "f20node1", "-G", "-l", "x"]),
    (FAILCOUNTS, ["-r", "vm", "-N", "f20node1", "-G", "-v", "3"]),
    (FAILCOUNTS, ["--bogus"]),
    (FAILCOUNTS, ["--help"]),
    (A, ["-r", "vm", "-N", "f20node1", "-G"]),
]


def _source(name: str, fail_counts_cib: Path) -> Path:
    return fail_counts_cib if name == FAILCOUNTS else DATA / name


def _same(ours: RunResult, theirs: RunResult) -> None:
    assert ours.rc == theirs.rc, (ours.stderr, theirs.stderr)
    assert ours.stdout == theirs.stdout
    assert ours.stderr == theirs.stderr
    if ours.rc != 0 or theirs.after == theirs.before:
        assert ours.after == ours.before, "the file changed although the command changed nothing"
    else:
        assert canonical(ours.after) == canonical(theirs.after)


def _compare(harness: Harness, tool: str, source: Path, args: list[str], env: dict[str, str] | None = None) -> None:
    theirs = harness.oracle(tool, source, args, env)
    ours = harness.ours(tool, source, args, env)
    _same(ours, theirs)


@pytest.mark.parametrize(("cib", "args"), ATTRIBUTE_CASES, ids=lambda v: " ".join(v) if isinstance(v, list) else v)
def test_crm_attribute_like_pacemaker(harness: Harness, fail_counts_cib: Path, cib: str, args: list[str]) -> None:
    _compare(harness, "crm_attribute", _source(cib, fail_counts_cib), args)


@pytest.mark.parametrize(("cib", "args"), PROMOTION_CASES, ids=lambda v: " ".join(v) if isinstance(v, list) else v)
def test_promotion_score_like_pacemaker(harness: Harness, fail_counts_cib: Path, cib: str, args: list[str]) -> None:
    _compare(harness, "crm_attribute", _source(cib, fail_counts_cib), args, {"OCF_RESOURCE_INSTANCE": "myclone:0"})


@pytest.mark.parametrize(("cib", "args"), STANDBY_CASES, ids=lambda v: " ".join(v) if isinstance(v, list) else v)
def test_crm_standby_like_pacemaker(harness: Harness, fail_counts_cib: Path, cib: str, args: list[str]) -> None:
    _compare(harness, "crm_standby", _source(cib, fail_counts_cib), args)


@pytest.mark.parametrize(("cib", "args"), FAILCOUNT_CASES, ids=lambda v: " ".join(v) if isinstance(v, list) else v)
def test_crm_failcount_query_like_pacemaker(harness: Harness, fail_counts_cib: Path, cib: str, args: list[str]) -> None:
    _compare(harness, "crm_failcount", _source(cib, fail_counts_cib), args)


def test_several_matches_like_pacemaker(harness: Harness, tmp_path: Path) -> None:
    """A property in two sets: queries list both, updates refuse (109), deletions list them."""
    base = harness.ours("crm_attribute", DATA / A, ["-n", "stonith-enabled", "-s", "other", "-v", "1"])
    assert base.rc == 0
    source = tmp_path / "two-sets.xml"
    source.write_bytes(base.after)
    for args in (
        ["-n", "stonith-enabled", "-G"],
        ["-n", "stonith-enabled", "-v", "5"],
        ["-n", "stonith-enabled", "-v", "5", "-q"],
        ["-n", "stonith-enabled", "-D"],
        ["-n", "stonith-enabled", "-D", "-s", "other"],
        ["-n", "stonith-enabled", "-v", "5", "-i", "other-stonith-enabled"],
    ):
        _compare(harness, "crm_attribute", source, args)
