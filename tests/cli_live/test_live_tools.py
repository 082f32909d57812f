"""The command-line tools on a live 3-node cluster (embedded bus, one CIB daemon per node):
writes from any node reach every node, the status view follows the membership, and
``crm_node`` answers from it."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import threading
from pathlib import Path

import pytest
from live_cluster import BIN, LiveCluster, live_cluster, needs_attrd, needs_based, wait_for
from lxml import etree

pytestmark = needs_based

DUMMY = '<primitive id="{id}" class="ocf" provider="pacemaker" type="Dummy"/>'


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _queries(cluster: LiveCluster) -> list[str]:
    return [cluster.ok(k, ["cibadmin", "-Q"]) for k in range(1, cluster.size + 1)]


def converged(cluster: LiveCluster, timeout: float = 10) -> str:
    """The CIB once every node's ``cibadmin -Q`` prints the same text."""

    def same() -> str | None:
        texts = _queries(cluster)
        return texts[0] if len({_digest(t) for t in texts}) == 1 else None

    return wait_for("every node's cibadmin -Q to agree", same, timeout)


def _root(text: str) -> etree._Element:
    return etree.fromstring(text.encode())


def _nvpair(root: etree._Element, xpath: str) -> str | None:
    found = root.xpath(xpath)
    assert isinstance(found, list)
    if not found:
        return None
    element = found[0]
    assert isinstance(element, etree._Element)
    return element.get("value")


# -- cibadmin ---------------------------------------------------------------------------------


def test_a_write_on_one_node_is_queried_identically_on_every_node(shared_cluster: LiveCluster) -> None:
    c = shared_cluster
    c.ok(1, ["cibadmin", "-C", "-o", "resources", "-X", DUMMY.format(id="q1")])
    text = converged(c)
    assert 'id="q1"' in text
    for k in (2, 3):
        scoped = c.ok(k, ["cibadmin", "-Q", "-o", "resources"])
        assert scoped.startswith("<resources>") and 'id="q1"' in scoped
        by_xpath = c.ok(k, ["cibadmin", "-Q", "-A", "//primitive[@id='q1']"])
        assert by_xpath.startswith("<primitive")
    missing = c.run(3, ["cibadmin", "-Q", "-A", "//primitive[@id='nope']"])
    assert missing.returncode == 105


def test_cibadmin_replace_and_sync(shared_cluster: LiveCluster, tmp_path: Path) -> None:
    c = shared_cluster
    # the classic edit cycle: query on one node, edit, replace on another
    root = _root(c.ok(2, ["cibadmin", "-Q"]))
    crm_config = root.find("configuration/crm_config")
    assert crm_config is not None
    props = etree.SubElement(crm_config, "cluster_property_set", id="replaced-set")
    etree.SubElement(props, "nvpair", id="replaced-opt", name="replaced-opt", value="yes")
    edited = tmp_path / "edited.xml"
    edited.write_bytes(etree.tostring(root))
    c.ok(3, ["cibadmin", "--replace", "--xml-file", str(edited)])
    text = converged(c)
    assert _nvpair(_root(text), "//nvpair[@name='replaced-opt']") == "yes"
    # the same copy again is older than the cluster's now: refused, nothing changed
    stale = c.run(1, ["cibadmin", "--replace", "--xml-file", str(edited)])
    assert stale.returncode == 103, stale.stderr
    # a section replaced by scope
    c.ok(1, ["cibadmin", "--replace", "-o", "constraints", "-X", "<constraints/>"])
    # --sync, and the bare -S of Pacemaker 1.1
    c.ok(2, ["cibadmin", "--sync"])
    c.ok(3, ["cibadmin", "-S"])
    assert converged(c) == c.ok(1, ["cibadmin", "-Q"])


# -- configuration changes from every node ------------------------------------------------------


def test_changes_from_different_nodes_converge(shared_cluster: LiveCluster) -> None:
    c = shared_cluster
    c.ok(1, ["cibadmin", "-C", "-o", "resources", "-X", DUMMY.format(id="conv")])
    jobs: list[tuple[int, list[str]]] = [
        (1, ["crm_attribute", "-t", "crm_config", "-n", "cluster-recheck-interval", "-v", "3min"]),
        (2, ["crm_standby", "-v", "on"]),  # node2 itself
        (3, ["crm_standby", "-N", "node1", "-v", "off"]),
        (1, ["crm_resource", "-r", "conv", "-p", "fake", "-v", "abc"]),
        (2, ["crm_resource", "-r", "conv", "--meta", "-p", "resource-stickiness", "-v", "7"]),
        (3, ["crm_resource", "-r", "conv", "--ban", "-N", "node3"]),
        (1, ["crm_attribute", "-N", "node3", "-n", "fail-count-conv#monitor_10000", "-v", "2", "-l", "reboot"]),
        (2, ["crm_attribute", "-N", "node2", "-n", "site", "-v", "east"]),
    ]
    failures: list[str] = []

    def run(k: int, argv: list[str]) -> None:
        result = c.run(k, argv)
        if result.returncode != 0:
            failures.append(f"node{k} {argv}: {result.returncode} {result.stderr}")

    threads = [threading.Thread(target=run, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    root = _root(converged(c))
    assert _nvpair(root, "//crm_config//nvpair[@name='cluster-recheck-interval']") == "3min"
    assert _nvpair(root, "//node[@uname='node2']//nvpair[@name='standby']") == "on"
    assert _nvpair(root, "//node[@uname='node1']//nvpair[@name='standby']") == "off"
    assert _nvpair(root, "//node[@uname='node2']//nvpair[@name='site']") == "east"
    assert _nvpair(root, "//primitive[@id='conv']/instance_attributes/nvpair[@name='fake']") == "abc"
    assert _nvpair(root, "//primitive[@id='conv']/meta_attributes/nvpair[@name='resource-stickiness']") == "7"
    assert root.xpath("//rsc_location[@id='cli-ban-conv-on-node3'][@score='-INFINITY']")
    # read back through the tools, from other nodes than the writers
    assert c.ok(3, ["crm_standby", "-G", "-N", "node2", "-q"]).strip() == "on"
    assert c.ok(1, ["crm_standby", "-G", "-q"]).strip() == "off"  # node1 itself
    assert c.ok(3, ["crm_resource", "-r", "conv", "-g", "fake"]).strip() == "abc"
    assert c.ok(2, ["crm_failcount", "-G", "-r", "conv", "-N", "node3", "-q"]).strip() == "2"
    # clear them again, from yet other nodes
    assert "Removing constraint: cli-ban-conv-on-node3" in c.ok(1, ["crm_resource", "-r", "conv", "--clear"])
    assert "Cleaned up conv on node3" in c.ok(2, ["crm_failcount", "-D", "-r", "conv", "-N", "node3"])
    c.ok(3, ["crm_resource", "-r", "conv", "-d", "fake"])
    c.ok(1, ["crm_standby", "-D", "-N", "node2"])
    root = _root(converged(c))
    assert not root.xpath("//rsc_location[@id='cli-ban-conv-on-node3']")
    assert not root.xpath("//nvpair[starts-with(@name, 'fail-count-conv')]")
    assert not root.xpath("//primitive[@id='conv']//nvpair[@name='fake']")
    assert not root.xpath("//node[@uname='node2']//nvpair[@name='standby']")
    assert c.ok(3, ["crm_failcount", "-G", "-r", "conv", "-N", "node3", "-q"]).strip() == "0"


def test_crm_resource_reads_from_status_and_refuses_agent_actions(shared_cluster: LiveCluster) -> None:
    c = shared_cluster
    c.ok(2, ["cibadmin", "-C", "-o", "resources", "-X", DUMMY.format(id="agentless")])
    converged(c)
    assert "agentless\t(ocf:pacemaker:Dummy):\t Stopped" in c.ok(1, ["crm_resource", "--list"])
    located = c.run(3, ["crm_resource", "--locate", "-r", "agentless"])
    assert (located.returncode, located.stderr) == (0, "resource agentless is NOT running\n")
    for argv in (["--cleanup", "-r", "agentless"], ["--refresh", "-r", "agentless"], ["--cleanup"],
                 ["--force-start", "-r", "agentless"], ["--force-check", "-r", "agentless"]):
        result = c.run(1, ["crm_resource", *argv])
        assert result.returncode == 102, (argv, result.stderr)
        assert result.stderr.count("\n") == 1 and "controller" in result.stderr, result.stderr
    unknown = c.run(1, ["crm_resource", "--cleanup", "-r", "ghost"])
    assert unknown.returncode == 105


# -- crm_verify, crm_simulate -----------------------------------------------------------------


def test_crm_verify_and_crm_simulate_read_the_live_cib(shared_cluster: LiveCluster) -> None:
    c = shared_cluster
    c.ok(1, ["crm_attribute", "-t", "crm_config", "-n", "stonith-enabled", "-D"])
    converged(c)
    # fencing enabled without any fencing device: an error in the configuration
    broken = c.run(2, ["crm_verify", "-L"])
    assert broken.returncode == 78, broken.stderr
    assert "crm_verify: Errors found during check: config not valid" in broken.stderr
    c.ok(1, ["crm_attribute", "-t", "crm_config", "-n", "stonith-enabled", "-v", "false"])
    converged(c)
    for k in (1, 2, 3):
        result = c.run(k, ["crm_verify", "-L", "-V"])
        assert result.returncode == 0, result.stderr
    result = c.run(2, ["crm_simulate", "-L", "-S"])
    assert result.returncode == 0, result.stderr
    assert "Current cluster status:" in result.stdout
    assert re.search(r"Online: \[ node1 node2 node3 \]", result.stdout), result.stdout
    scores = c.run(3, ["crm_simulate", "-Ls"])
    assert scores.returncode == 0, scores.stderr
    before = c.ok(1, ["cibadmin", "-Q"])
    c.ok(1, ["crm_simulate", "-L", "-S", "-d", "node2"])  # simulated only: the cluster is untouched
    assert c.ok(1, ["cibadmin", "-Q"]) == before


# -- crm_mon ----------------------------------------------------------------------------------


def test_crm_mon_follows_the_membership(cluster: LiveCluster) -> None:
    c = cluster
    # without fencing a crashed node is simply offline (with it, it is UNCLEAN until fenced)
    c.ok(1, ["crm_attribute", "-t", "crm_config", "-n", "stonith-enabled", "-v", "false"])
    for k in (1, 2, 3):
        out = c.ok(k, ["crm_mon", "-1"])
        assert "Stack: pacer-embedded" in out
        assert "Current DC: NONE" in out
        assert "3 nodes configured" in out
        assert "Online: [ node1 node2 node3 ]" in out
    assert c.ok(2, ["crm_mon", "-s"]).startswith("CLUSTER OK: 3 nodes online")
    c.kill(3)

    def offline() -> str | None:
        out = c.ok(1, ["crm_mon", "-1"])
        return out if "OFFLINE: [ node3 ]" in out else None

    out = wait_for("crm_mon to show node3 OFFLINE", offline, timeout=10)
    assert "Online: [ node1 node2 ]" in out
    simple = c.run(2, ["crm_mon", "-s"])
    assert (simple.returncode, simple.stdout) == (1, "CLUSTER WARN: offline node: node3\n")
    dead = c.run(3, ["crm_mon", "-1"])
    assert dead.returncode == 102 and "pacer is not running on this node" in dead.stderr


# -- crm_node ---------------------------------------------------------------------------------


def test_crm_node_answers_from_the_membership(cluster: LiveCluster) -> None:
    c = cluster
    for k in (1, 2, 3):
        assert c.ok(k, ["crm_node", "-l"]) == "1 node1 member\n2 node2 member\n3 node3 member\n"
        assert c.ok(k, ["crm_node", "-p"]).split() == ["node1", "node2", "node3"]
        assert c.ok(k, ["crm_node", "-q"]) == "1\n"
        assert c.ok(k, ["crm_node", "-n"]) == f"node{k}\n"
        assert c.ok(k, ["crm_node", "-i"]) == f"{k}\n"
        assert c.ok(k, ["crm_node", "-N", "2"]) == "node2\n"
    unknown = c.run(1, ["crm_node", "-N", "9"])
    assert (unknown.returncode, unknown.stdout, unknown.stderr) == (68, "", "Node is not known to cluster\n")
    # called from a resource agent, the node the action runs for
    env_named = c.run(1, ["crm_node", "-n"], extra_env={"OCF_RESKEY_CRM_meta_on_node": "node2"})
    assert env_named.stdout == "node2\n"

    # -R: dangerous without --force, refused for a member, then a lost node is forgotten
    unforced = c.run(1, ["crm_node", "-R", "node3"])
    assert unforced.returncode == 64 and "--force" in unforced.stderr
    member = c.run(1, ["crm_node", "-R", "node3", "--force"])
    assert member.returncode == 107 and "member" in member.stderr
    c.kill(3)
    wait_for("node3 to be lost", lambda: "3 node3 lost\n" in c.ok(1, ["crm_node", "-l"]))
    assert c.ok(2, ["crm_node", "-p"]).split() == ["node1", "node2"]
    assert c.ok(2, ["crm_node", "-q"]) == "1\n"  # 2 of 3 votes
    c.ok(2, ["crm_node", "-R", "node3", "--force"])
    root = _root(converged_pair(c))
    assert not root.xpath("//node[@uname='node3']") and not root.xpath("//node_state[@uname='node3']")
    assert c.ok(1, ["crm_node", "-l"]) == "1 node1 member\n2 node2 member\n"
    assert "2 nodes configured" in c.ok(1, ["crm_mon", "-1"])
    # forgetting it again, or by id, is not an error
    c.ok(1, ["crm_node", "-R", "3", "--force"])


def test_crm_node_reports_lost_quorum(cluster: LiveCluster) -> None:
    c = cluster
    c.kill(2)
    c.kill(3)
    wait_for("node1 alone", lambda: c.members_seen(1) == {"node1"})
    result = wait_for("quorum to be lost", lambda: (r := c.run(1, ["crm_node", "-q"])).stdout == "0\n" and r)
    assert result.returncode == 106  # CRM_EX_QUORUM, as Pacemaker 2.1.5
    assert c.ok(1, ["crm_node", "-p"]).split() == ["node1"]


def converged_pair(c: LiveCluster, timeout: float = 10) -> str:
    """The CIB once nodes 1 and 2 agree (node3 down)."""

    def same() -> str | None:
        a, b = c.ok(1, ["cibadmin", "-Q"]), c.ok(2, ["cibadmin", "-Q"])
        return a if a == b else None

    return wait_for("nodes 1 and 2 to agree", same, timeout)


@pytest.mark.parametrize("tool", ["crm_standby", "crm_failcount"])
def test_wrappers_default_to_the_local_node(shared_cluster: LiveCluster, tool: str) -> None:
    c = shared_cluster
    c.ok(1, ["cibadmin", "-C", "-o", "resources", "-X", DUMMY.format(id=f"local-{tool}")])
    if tool == "crm_standby":
        c.ok(3, ["crm_standby", "-v", "on"])
        converged(c)
        assert c.ok(1, ["crm_standby", "-G", "-N", "node3", "-q"]).strip() == "on"
        c.ok(3, ["crm_standby", "-D"])
        converged(c)
        assert c.ok(1, ["crm_standby", "-G", "-N", "node3", "-q"]).strip() == "off"
    else:
        c.ok(2, ["crm_attribute", "-N", "node2", "-n", f"fail-count-local-{tool}#start_0", "-v", "INFINITY",
                 "-l", "reboot"])
        converged(c)
        assert c.ok(2, ["crm_failcount", "-G", "-r", f"local-{tool}", "-q"]).strip() == "INFINITY"
        assert c.ok(1, ["crm_failcount", "-G", "-r", f"local-{tool}", "-q"]).strip() == "0"


def test_crm_mon_without_one_shot_shows_each_change(shared_cluster: LiveCluster, tmp_path: Path) -> None:
    c = shared_cluster
    output = tmp_path / "crm_mon.out"
    with output.open("w") as sink:
        proc = subprocess.Popen([str(BIN / "crm_mon"), "-r", "-i", "30"], env=c.env(1), stdout=sink,
                                stderr=subprocess.STDOUT)
    try:
        wait_for("the first status", lambda: "Node List:" in output.read_text())
        assert "watched" not in output.read_text()
        c.ok(2, ["cibadmin", "-C", "-o", "resources", "-X", DUMMY.format(id="watched")])
        # shown again at the change, long before the 30 s interval
        wait_for("the new resource", lambda: "watched\t(ocf:pacemaker:Dummy):\t Stopped" in output.read_text())
        assert output.read_text().count("Cluster Summary:") >= 2
        assert proc.poll() is None
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(10)


@needs_attrd
def test_fail_counts_with_the_attribute_daemon() -> None:
    """With attrd running, transient attributes go through it; crm_failcount -D clears them
    there too, so attrd does not write them back."""
    with live_cluster(3, attrd=True) as c:
        c.ok(1, ["cibadmin", "-C", "-o", "resources", "-X", DUMMY.format(id="fc")])
        c.ok(2, ["crm_attribute", "-N", "node3", "-n", "fail-count-fc#start_0", "-v", "3", "-l", "reboot"])
        c.ok(1, ["crm_attribute", "-N", "node3", "-n", "last-failure-fc#start_0", "-v", "1700000000", "-l", "reboot"])
        wait_for("the count in every CIB", lambda: all(
            "fail-count-fc#start_0" in t for t in _queries(c)))
        assert c.ok(3, ["crm_failcount", "-G", "-r", "fc", "-q"]).strip() == "3"
        assert "Cleaned up fc on node3" in c.ok(1, ["crm_failcount", "-D", "-r", "fc", "-N", "node3"])
        wait_for("the count gone from every CIB", lambda: not any("fail-count-fc" in t for t in _queries(c)))
        assert c.ok(2, ["crm_failcount", "-G", "-r", "fc", "-N", "node3", "-q"]).strip() == "0"
        root = _root(converged(c))
        assert not root.xpath("//nvpair[starts-with(@name, 'last-failure-fc')]")
