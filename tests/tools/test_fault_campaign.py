"""tools/fault_campaign.py: the invariant checks on synthetic inputs, the fault plans, and a
short campaign on a live 3-node embedded sandbox that must pass."""

from __future__ import annotations

import importlib.util
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "fault_campaign.py"


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fault_campaign", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fault_campaign"] = module
    spec.loader.exec_module(module)
    return module


fc = load()


# ---- one copy --------------------------------------------------------------------------


def test_two_state_files_on_two_live_nodes_is_a_violation() -> None:
    files = {1: ["Dummy-d1.state"], 2: ["Dummy-d1.state", "Dummy-c:1.state"], 3: []}
    assert fc.dual_active(files, up=[1, 2, 3]) == {"d1": [1, 2]}


def test_a_dead_nodes_files_do_not_count() -> None:
    files = {1: ["Dummy-d1.state"], 2: ["Dummy-d1.state"], 3: ["Dummy-d1.state"]}
    assert fc.dual_active(files, up=[1]) == {}
    assert fc.dual_active(files, up=[1, 3]) == {"d1": [1, 3]}


def test_clone_instances_and_other_files_are_not_copies() -> None:
    files = {1: ["Dummy-c:0.state", "Dummy-d2.state", "other.txt"], 2: ["Dummy-c:1.state", "Dummy-d1.state"],
             3: ["Dummy-c.state", "Dummy-.state"]}
    assert fc.dual_active(files, up=[1, 2, 3]) == {}
    assert fc.state_file_resource("Dummy-c:2.state") == "c"
    assert fc.state_file_resource("Dummy-ga.state") == "ga"
    assert fc.state_file_resource("pidfile") is None


def test_the_sampler_flags_an_instant(tmp_path: Path) -> None:
    cluster = fc.Cluster(tmp_path, 3, "embedded")
    for k in (1, 2, 3):
        cluster.rsctmp(k).mkdir(parents=True)
    (cluster.rsctmp(1) / "Dummy-d1.state").write_text("dummy\n")
    (cluster.rsctmp(3) / "Dummy-d1.state").write_text("dummy\n")
    cluster.pacerd_up = lambda k: k in (1, 3)  # type: ignore[method-assign]
    sampler = fc.Sampler(cluster)
    sampler.sample()
    assert sampler.violations and sampler.violations[0][1:] == ("d1", [1, 3])
    assert "d1 on node1 and node3" in (sampler.summary() or "")
    cluster.pacerd_up = lambda k: k in (1, 2)  # type: ignore[method-assign]
    quiet = fc.Sampler(cluster)
    quiet.sample()
    assert quiet.summary() is None


# ---- same CIB, no crash ------------------------------------------------------------------


def test_configurations_compared_ignoring_layout() -> None:
    a = "<configuration><crm_config/><nodes/></configuration>\n"
    b = "<configuration>\n  <crm_config/>\n  <nodes/>\n</configuration>"
    c = '<configuration><crm_config><cluster_property_set id="x"/></crm_config><nodes/></configuration>'
    assert fc.config_differences({1: a, 2: b, 3: a}) == []
    problems = fc.config_differences({1: a, 2: c, 3: None})
    assert problems[0] == "node3: configuration not readable"
    assert problems[1].startswith("configuration differs: node1 (digest ") and " vs node2 (digest " in problems[1]


def test_log_problems() -> None:
    clean = {"node1/controld.log": "2026 INFO: transition 3 complete\n",
             "node2/pacerd.log": "2026 WARNING: lrmd killed by signal 9; starting it again in 0.5s\n"}
    assert fc.log_problems(clean, caused=["node2/lrmd"]) == []
    # the same death, not caused by the round, is a crash
    assert fc.log_problems(clean) == ["node2/pacerd.log: 2026 WARNING: lrmd killed by signal 9; starting it again in 0.5s"]
    # the controller exits when the round killed its lrmd or CIB daemon: expected, on that node only
    cascade = {"node1/pacerd.log": "W: lrmd killed by signal 9; starting it again in 0.5s\n"
                                   "W: controld exited with code 1; starting it again in 0.5s\n"}
    assert fc.log_problems(cascade, caused=["node1/lrmd", "node1/controld!exit"]) == []
    assert len(fc.log_problems(cascade, caused=["node1/lrmd", "node2/controld!exit"])) == 1
    crashed = {"node3/attrd.log": "ok\nTraceback (most recent call last):\n  File \"x.py\"\nKeyError: 'a'\n",
               "node1/pacerd.log": "W: controld exited with code 1; starting it again in 0.5s\n",
               "node2/based.log": "ERROR: internal error: no such node\n"}
    problems = fc.log_problems(crashed)
    assert problems[0].startswith("node1/pacerd.log: W: controld exited with code 1")
    assert problems[1] == "node2/based.log: ERROR: internal error: no such node"
    assert problems[2].startswith("node3/attrd.log: Traceback (most recent call last): | File \"x.py\" | KeyError: 'a'")


# ---- back -------------------------------------------------------------------------------


def _op(rsc: str, op: str, rc: int, suffix: str = "_last_0") -> str:
    return (f'<lrm_rsc_op id="{rsc}{suffix}" operation="{op}" rc-code="{rc}" op-status="0" call-id="1" '
            f'last-rc-change="1"/>')


def _status(where: dict[str, list[tuple[str, str, int]]], offline: tuple[str, ...] = ()) -> etree._Element:
    states = []
    for k in (1, 2, 3):
        node = f"node{k}"
        rscs = "".join(f'<lrm_resource id="{rid}" type="Dummy" class="ocf">{_op(rid, op, rc)}</lrm_resource>'
                       for rid, op, rc in where.get(node, []))
        ccm = "false" if node in offline else "true"
        states.append(f'<node_state id="{k}" uname="{node}" in_ccm="{ccm}" crmd="online"><lrm><lrm_resources>'
                      f"{rscs}</lrm_resources></lrm></node_state>")
    return etree.fromstring(f"<cib><configuration/><status>{''.join(states)}</status></cib>")


def test_running_nodes_and_placement() -> None:
    root = _status({
        "node1": [("d1", "start", 0), ("c:0", "monitor", 0), ("ga", "stop", 0)],
        "node2": [("d2", "monitor", 0), ("c:1", "start", 0), ("ga", "start", 0), ("gb", "start", 0)],
        "node3": [("c:2", "start", 0), ("d1", "monitor", 7), ("fence1", "start", 0)],
    })
    running = fc.running_nodes(root)
    assert running == {"d1": ["node1"], "c": ["node1", "node2", "node3"], "d2": ["node2"], "ga": ["node2"],
                       "gb": ["node2"], "fence1": ["node3"]}
    files = {1: ["Dummy-d1.state", "Dummy-c:0.state"], 2: ["Dummy-d2.state", "Dummy-c:1.state", "Dummy-ga.state",
                                                           "Dummy-gb.state"], 3: ["Dummy-c:2.state"]}
    assert fc.placement_problems(running, files, 3, fencing=True) == []
    # a primitive missing, one the status does not know about on disk, an offline node
    files[3].append("Dummy-d2.state")
    running = fc.running_nodes(_status({"node1": [("d1", "start", 0), ("c:0", "start", 0)],
                                        "node2": [("d2", "start", 0), ("c:1", "start", 0)],
                                        "node3": [("c:2", "start", 0), ("ga", "start", 0)]}, offline=("node3",)))
    problems = fc.placement_problems(running, files, 3, fencing=False)
    assert "ga runs on no node (status), expected one node" in problems
    assert "clone cl runs on ['node1', 'node2'] (status), expected ['node1', 'node2', 'node3']" in problems
    assert "d2: state files on ['node2', 'node3'] but the status says ['node2']" in problems


def test_fault_plans_are_seeded_and_keep_a_majority() -> None:
    for nodes in (3, 4, 5):
        for seed in range(200):
            plan = fc.plan_round(random.Random(seed), nodes)
            assert plan == fc.plan_round(random.Random(seed), nodes)
            assert 1 <= len(plan) <= 3 and len({f.kind for f in plan}) == len(plan)
            for fault in plan:
                if fault.kind in ("node_kill", "partition"):
                    assert 1 <= len(fault.nodes) <= (nodes - 1) // 2
                if fault.kind == "daemon_kill":
                    assert fault.daemon in fc.DAEMONS
    kinds = {f.kind for seed in range(200) for f in fc.plan_round(random.Random(seed), 3)}
    assert kinds == set(fc.FAULTS)


def test_resources_xml_is_valid() -> None:
    from crm.cib.document import CibDocument  # noqa: F401  (the package imports)

    root = etree.fromstring(fc.resources_xml(Path("/tmp/x")))
    assert [e.get("id") for e in root] == ["d1", "d2", "g1", "cl", "fence1"]
    assert etree.fromstring(fc.resources_xml(None)).find("primitive[@id='fence1']") is None


# ---- the campaign ----------------------------------------------------------------

# the test run's campaign: 200 rounds (PACER_CAMPAIGN_ROUNDS sets another count)
CAMPAIGN_ROUNDS = int(os.environ.get("PACER_CAMPAIGN_ROUNDS", "200"))
# the first round of sandbox c has seed SEED + c*1000 (so the 20 rounds here are not the
# first ones of the 200: seeds 20261217.., 20262217.., 20263217.., 20264217..)
CAMPAIGN_SEED = int(os.environ.get("PACER_CAMPAIGN_SEED", "20261217"))
CLUSTERS = 4  # independent sandboxes side by side: a round mostly waits, so they share the cores


@pytest.mark.slow
def test_campaign_breaks_no_invariant(tmp_path: Path) -> None:
    """CAMPAIGN_ROUNDS rounds at the fast pace, split over four 3-node sandboxes run at once (round i of
    sandbox c has seed SEED + c*1000 + i - 1: replay it with ``--seed``)."""
    share = [CAMPAIGN_ROUNDS // CLUSTERS + (1 if c < CAMPAIGN_ROUNDS % CLUSTERS else 0) for c in range(CLUSTERS)]
    runs = []
    for c, rounds in enumerate(share):
        if rounds == 0:
            continue
        out = tmp_path / f"rounds-{c}.json"
        argv = [sys.executable, str(TOOL), "--rounds", str(rounds), "--nodes", "3", "--pace", "fast",
                "--seed", str(CAMPAIGN_SEED + c * 1000), "--json", str(out)]
        log = open(tmp_path / f"campaign-{c}.log", "w+")  # noqa: SIM115 (closed below)
        runs.append((c, rounds, out, log, subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, text=True,
                                                           cwd=ROOT)))
    failures = []
    for c, rounds, out, log, proc in runs:
        try:
            code = proc.wait(timeout=3600)
        except subprocess.TimeoutExpired:
            proc.terminate()
            code = proc.wait(timeout=300)
        log.seek(0)
        text = log.read()
        log.close()
        lines = text.strip().splitlines()
        results = json.loads(out.read_text()) if out.exists() else []
        passed = [r for r in results if r["problems"] == [] and r["settle_seconds"] is not None]
        if code != 0 or len(passed) != rounds or not lines or lines[-1] != f"{rounds} passed, 0 failed":
            failures.append(f"sandbox {c} (exit {code}):\n" + "\n".join(lines[-40:]))
    assert not failures, "\n\n".join(failures)
