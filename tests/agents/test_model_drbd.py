"""DRBD-model tests: ocf:pacer:drbd (ours) and Debian's ocf:linbit:drbd against the same
modelled DRBD 9 (tests/agents/drbd_model: drbdadm/drbdsetup stand-ins, not a kernel).

Each scenario runs once per agent on a fresh two-node model (alice, bob) and records the
rc of every action (a run killed at its timeout counts as rc 1, as the executor records
it) and the resulting roles; both agents must agree, except where ours is deliberately
stricter (split brain), which is asserted explicitly.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pacer_agent_fixtures import AGENTS_DIR, agent_env

pytestmark = pytest.mark.model

MODEL_DIR = Path(__file__).parent / "drbd_model"
MODEL_BIN = MODEL_DIR / "bin"
LINBIT = Path("/usr/lib/ocf/resource.d/linbit/drbd")
NODES = ("alice", "bob")
TIMEOUT_RC = 1  # what the executor records for an agent killed at its timeout
T = TypeVar("T")


@dataclass
class DrbdCluster:
    """Two simulated nodes sharing one modelled DRBD resource r0."""

    root: Path
    agent: str  # "pacer" | "linbit"

    @property
    def state(self) -> Path:
        return self.root / "model.json"

    @property
    def attrs(self) -> Path:
        return self.root / "attrs.json"

    def base_env(self) -> dict[str, str]:
        return {
            "DRBD_MODEL_STATE": str(self.state),
            "DRBD_MODEL_ATTRS": str(self.attrs),
            "DRBD_MODEL_CALLS": str(self.root / "calls.jsonl"),
            "DRBD_MODEL_DEV_DIR": str(self.root / "dev"),
            "PATH": f"{MODEL_BIN}:/usr/sbin:/usr/bin:/sbin:/bin",
        }

    def ctl(self, *args: str) -> None:
        subprocess.run(["/usr/bin/python3", "-IS", str(MODEL_DIR / "model.py"), "ctl", *args],
                       env={**os.environ, **self.base_env()}, check=True, capture_output=True)

    def admin(self, node: str, *args: str) -> int:
        """drbdadm run by hand on ``node`` (not through an agent)."""
        return subprocess.run([str(MODEL_BIN / "drbdadm"), *args], capture_output=True, check=False,
                              env={**os.environ, **self.base_env(), "DRBD_MODEL_NODE": node}).returncode

    def env(self, node: str, interval_ms: int | None, promoted: list[str], extra: dict[str, str]) -> dict[str, str]:
        meta = {
            "CRM_meta_on_node": node, "CRM_meta_notify": "true", "CRM_meta_clone_max": "2",
            "CRM_meta_clone_node_max": "1", "CRM_meta_master_max": "1", "CRM_meta_master_node_max": "1",
            "CRM_meta_promoted_max": "1", "CRM_meta_promoted_node_max": "1",
            "CRM_meta_notify_promoted_uname": " ".join(promoted) or " ",
            "CRM_meta_notify_master_uname": " ".join(promoted) or " ",
        }
        params = {"drbd_resource": "r0", **meta}
        if self.agent == "linbit":
            params["fail_promote_early_if_peer_primary"] = "true"
        env = agent_env("drbd_r0", params, interval_ms=interval_ms,
                        extra={**self.base_env(), "DRBD_MODEL_NODE": node,
                               "DRBD_MODEL_PROMOTED": " ".join(promoted),
                               "HA_SBIN_DIR": str(MODEL_BIN), "BASH_ENV": str(MODEL_DIR / "bash_env.sh"),
                               "HA_RSCTMP": str(self.root / f"rsc-{node}"), **extra})
        return env

    def run(self, node: str, action: str, *, interval_ms: int | None = None, timeout: float = 20,
            promoted: list[str] | None = None, extra_env: dict[str, str] | None = None, **extra: str) -> int:
        """Run one action; ``promoted`` is the cluster's view (default: the model's Primaries)."""
        if promoted is None:
            promoted = [n for n in NODES if self.role(n) == "Primary"]
        env = self.env(node, interval_ms, promoted, {**(extra_env or {}), **extra})
        env["OCF_RESKEY_CRM_meta_timeout"] = str(int(timeout * 1000))
        path = AGENTS_DIR / "drbd" if self.agent == "pacer" else LINBIT
        proc = subprocess.Popen([str(path), action], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, start_new_session=True, cwd=self.root)
        try:
            proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return TIMEOUT_RC
        return proc.returncode

    def model(self) -> dict:
        return json.loads(self.state.read_text())["resources"]["r0"]

    def role(self, node: str) -> str:
        if not self.state.exists():
            return "Stopped"
        n = self.model()["node"][node]
        return str(n["role"]) if n["up"] else "Stopped"

    def roles(self) -> dict[str, str]:
        return {n: self.role(n) for n in NODES}

    def score(self, node: str) -> int | None:
        if not self.attrs.exists():
            return None
        value = json.loads(self.attrs.read_text()).get(node, {}).get("master-drbd_r0")
        return None if value is None else int(value)


AGENTS = ["pacer", "linbit"]


@pytest.fixture(params=AGENTS)
def cluster(request: pytest.FixtureRequest, tmp_path: Path) -> DrbdCluster:
    if request.param == "linbit" and not LINBIT.exists():
        pytest.skip("drbd-utils (ocf:linbit:drbd) not installed")
    c = DrbdCluster(tmp_path, request.param)
    (tmp_path / "dev").mkdir()
    c.ctl("init", "r0", *NODES)
    return c


def make(tmp_path: Path, agent: str, *init_flags: str) -> DrbdCluster:
    if agent == "linbit" and not LINBIT.exists():
        pytest.skip("drbd-utils (ocf:linbit:drbd) not installed")
    root = tmp_path / agent
    (root / "dev").mkdir(parents=True)
    c = DrbdCluster(root, agent)
    c.ctl("init", "r0", *NODES, *init_flags)
    return c


def both(tmp_path: Path, scenario: Callable[[DrbdCluster], T], *init_flags: str) -> dict[str, T]:
    """Run ``scenario(cluster) -> result`` for both agents; return the results by agent."""
    return {agent: scenario(make(tmp_path, agent, *init_flags)) for agent in AGENTS}


# ---------------------------------------------------------------- scenarios run by both agents


def lifecycle(c: DrbdCluster) -> list[object]:
    return [
        c.run("alice", "validate-all"),
        c.run("alice", "monitor"),  # probe
        c.run("alice", "start"), c.score("alice"),  # peer not there yet: 1000
        c.run("bob", "start"),
        c.run("alice", "monitor", interval_ms=31000), c.score("alice"), c.score("bob"),
        c.run("alice", "promote"), c.run("alice", "monitor", interval_ms=29000), c.roles(),
        c.run("bob", "monitor", interval_ms=31000),
        c.run("alice", "demote"), c.run("bob", "promote"), c.roles(),
        c.run("bob", "stop"), c.roles(), c.score("bob"),
        c.run("alice", "stop"), c.run("alice", "monitor"), c.roles(),
    ]


def test_model_lifecycle_agrees(tmp_path: Path) -> None:
    results = both(tmp_path, lifecycle)
    assert results["pacer"] == results["linbit"]
    trace = results["pacer"]
    assert isinstance(trace, list)
    assert trace[:5] == [0, 7, 0, 1000, 0]
    assert trace[5:8] == [0, 10000, 10000]
    assert trace[8:10] == [0, 8]
    assert trace[10] == {"alice": "Primary", "bob": "Secondary"}
    assert trace[14] == {"alice": "Secondary", "bob": "Primary"}
    assert trace[16:18] == [{"alice": "Secondary", "bob": "Stopped"}, None]
    assert trace[18:] == [0, 7, {"alice": "Stopped", "bob": "Stopped"}]


def promote_while_peer_primary(c: DrbdCluster) -> list[object]:
    return [c.run("alice", "start"), c.run("bob", "start"), c.run("alice", "promote"),
            c.run("bob", "promote", timeout=3), c.roles()]


def test_model_promote_refused_while_peer_is_primary(tmp_path: Path) -> None:
    results = both(tmp_path, promote_while_peer_primary)
    assert results["pacer"] == results["linbit"]
    assert results["pacer"] == [0, 0, 0, 1, {"alice": "Primary", "bob": "Secondary"}]


def failover_after_primary_crash(c: DrbdCluster) -> list[object]:
    trace: list[object] = [c.run("alice", "start"), c.run("bob", "start"), c.run("alice", "promote")]
    c.ctl("write", "alice")
    c.ctl("crash", "alice")
    trace += [c.run("bob", "monitor", interval_ms=31000), c.score("bob"), c.run("bob", "promote"),
              c.run("bob", "monitor", interval_ms=29000), c.score("bob"), c.roles()]
    # alice comes back: resyncs from bob and stays Secondary
    trace += [c.run("alice", "monitor"), c.run("alice", "start"), c.run("alice", "monitor", interval_ms=31000),
              c.score("alice"), c.roles()]
    return trace


def test_model_failover_after_primary_crash(tmp_path: Path) -> None:
    results = both(tmp_path, failover_after_primary_crash)
    assert results["pacer"] == results["linbit"]
    assert results["pacer"] == [0, 0, 0, 0, 1000, 0, 8, 10000, {"alice": "Stopped", "bob": "Primary"},
                                7, 0, 0, 10000, {"alice": "Secondary", "bob": "Primary"}]


def inconsistent_disk(c: DrbdCluster) -> list[object]:
    c.ctl("disk", "bob", "Inconsistent")
    return [c.run("bob", "start"), c.run("bob", "monitor", interval_ms=31000), c.score("bob"),
            c.run("bob", "promote"), c.roles()]


def test_model_inconsistent_disk_is_never_promoted(tmp_path: Path) -> None:
    results = both(tmp_path, inconsistent_disk)
    assert results["pacer"] == results["linbit"]
    assert results["pacer"] == [0, 0, None, 1, {"alice": "Stopped", "bob": "Secondary"}]


def fenced_peer(c: DrbdCluster) -> list[object]:
    trace: list[object] = [c.run("alice", "start"), c.run("bob", "start"), c.run("alice", "promote")]
    c.ctl("link", "down")  # resource-only fencing outdates bob
    trace += [c.run("bob", "monitor", interval_ms=31000), c.score("bob"), c.run("bob", "promote"),
              c.roles()]
    c.ctl("link", "up")  # resync: bob UpToDate again
    trace += [c.run("bob", "monitor", interval_ms=31000), c.score("bob")]
    return trace


def test_model_outdated_peer_after_link_loss(tmp_path: Path) -> None:
    results = both(tmp_path, fenced_peer, "--fencing=resource-only")
    assert results["pacer"] == results["linbit"]
    assert results["pacer"] == [0, 0, 0, 0, None, 1, {"alice": "Primary", "bob": "Secondary"}, 0, 10000]


def test_model_missing_kernel_and_resource(tmp_path: Path) -> None:
    """Without DRBD in the kernel or the resource in the configuration: probes say "not
    running" (linbit answers 5 to the first probe, which Pacemaker masks to 7), starts 5."""
    def scenario(c: DrbdCluster) -> list[int]:
        return [c.run("alice", "monitor", DRBD_MODEL_NO_KERNEL="1"),
                c.run("alice", "start", DRBD_MODEL_NO_KERNEL="1"),
                c.run("alice", "monitor", OCF_RESKEY_drbd_resource="r9"),
                c.run("alice", "start", OCF_RESKEY_drbd_resource="r9")]

    masked = {agent: [7 if i in (0, 2) and rc == 5 else rc for i, rc in enumerate(trace)]
              for agent, trace in both(tmp_path, scenario).items()}
    assert masked["pacer"] == masked["linbit"] == [7, 5, 7, 5]


def test_model_stop_of_unknown_resource_succeeds(tmp_path: Path) -> None:
    """Ours: nothing to stop is success (linbit tries "drbdsetup down" and may fail the stop,
    which Pacemaker escalates to fencing)."""
    c = make(tmp_path, "pacer")
    assert c.run("alice", "stop", OCF_RESKEY_drbd_resource="r9") == 0
    assert c.run("alice", "stop", DRBD_MODEL_NO_KERNEL="1") == 0


def test_model_meta_attribute_validation(tmp_path: Path) -> None:
    def scenario(c: DrbdCluster) -> list[object]:
        return [c.run("alice", "start", OCF_RESKEY_CRM_meta_clone_node_max="2"),
                c.run("alice", "start", OCF_RESKEY_CRM_meta_master_max="2", OCF_RESKEY_CRM_meta_promoted_max="2"),
                c.roles()]

    results = both(tmp_path, scenario)
    assert results["pacer"] == results["linbit"]
    assert results["pacer"] == [6, 6, {"alice": "Stopped", "bob": "Stopped"}]


def test_model_two_primaries_when_allowed(tmp_path: Path) -> None:
    def scenario(c: DrbdCluster) -> list[object]:
        two = {"OCF_RESKEY_CRM_meta_master_max": "2", "OCF_RESKEY_CRM_meta_promoted_max": "2"}
        return [c.run("alice", "start", extra_env=two), c.run("bob", "start", extra_env=two),
                c.run("alice", "promote", extra_env=two), c.run("bob", "promote", extra_env=two), c.roles()]

    results = both(tmp_path, scenario, "--allow-two-primaries")
    assert results["pacer"] == results["linbit"]
    assert results["pacer"] == [0, 0, 0, 0, {"alice": "Primary", "bob": "Primary"}]


# ---------------------------------------------------------------- split brain: ours is stricter


def split_brain(c: DrbdCluster) -> None:
    """Both sides were made Primary by hand while apart and wrote: on reconnect, split brain."""
    assert c.run("alice", "start") == 0 and c.run("bob", "start") == 0
    c.ctl("link", "down")
    for node in NODES:
        assert c.admin(node, "primary", "r0") == 0
        c.ctl("write", node)
        assert c.admin(node, "secondary", "r0") == 0
    c.ctl("link", "up")
    assert all(n["split_brain"] for n in c.model()["node"].values())


def test_model_split_brain_never_gives_two_primaries(tmp_path: Path) -> None:
    ours = make(tmp_path, "pacer")
    split_brain(ours)
    assert ours.run("alice", "monitor", interval_ms=31000) == 0
    assert ours.score("alice") is None  # StandAlone: no promotion score
    assert ours.run("alice", "promote") == 1
    assert ours.run("bob", "promote") == 1
    assert ours.roles() == {"alice": "Secondary", "bob": "Secondary"}
    # the administrator discards bob's changes; replication resumes and promotion works again
    ours.ctl("resolve", "bob")
    assert ours.run("alice", "monitor", interval_ms=31000) == 0
    assert ours.score("alice") == 10000
    assert ours.run("alice", "promote") == 0
    assert ours.run("bob", "promote", timeout=4) == 1
    assert ours.roles() == {"alice": "Primary", "bob": "Secondary"}


def test_model_linbit_promotes_both_sides_of_a_split_brain(tmp_path: Path) -> None:
    """The reference agent cannot see split brain (it leaves that to fencing constraints):
    documents why ours refuses to promote from StandAlone."""
    linbit = make(tmp_path, "linbit")
    split_brain(linbit)
    assert linbit.run("alice", "promote") == 0
    assert linbit.run("bob", "promote") == 0
    assert linbit.roles() == {"alice": "Primary", "bob": "Primary"}


def test_model_replication_link_loss_with_cluster_knowing_the_primary(tmp_path: Path) -> None:
    """Only the replication link fails (no fencing); the cluster still sees alice promoted."""
    results = {}
    for agent in AGENTS:
        c = make(tmp_path, agent)
        assert c.run("alice", "start") == 0 and c.run("bob", "start") == 0 and c.run("alice", "promote") == 0
        c.ctl("link", "down")
        results[agent] = (c.run("bob", "promote", promoted=["alice"], timeout=6), c.roles())
    assert results["pacer"] == (1, {"alice": "Primary", "bob": "Secondary"})
    assert results["linbit"] == (0, {"alice": "Primary", "bob": "Primary"})


def test_model_replication_link_loss_while_the_cluster_runs_both(tmp_path: Path) -> None:
    """Only the replication link fails while both are Secondary; the cluster still runs an
    instance on each node and asks both to promote.  Ours refuses on both (the peer is alive,
    either could be Primary); linbit promotes both."""
    results = {}
    for agent in AGENTS:
        c = make(tmp_path, agent)
        assert c.run("alice", "start") == 0 and c.run("bob", "start") == 0
        c.ctl("link", "down")
        view = {"OCF_RESKEY_CRM_meta_notify_active_uname": "alice bob"}
        results[agent] = [c.run(n, "promote", promoted=[], timeout=6, extra_env=view) for n in NODES] + [c.roles()]
    assert results["pacer"] == [1, 1, {"alice": "Secondary", "bob": "Secondary"}]
    assert results["linbit"] == [0, 0, {"alice": "Primary", "bob": "Primary"}]


# ---------------------------------------------------------------- property: never two Primaries

STEP = st.one_of(
    st.tuples(st.sampled_from(["start", "stop", "promote", "demote", "monitor"]), st.sampled_from(NODES)),
    st.tuples(st.sampled_from(["link-down", "link-up"]), st.just("")),
    st.tuples(st.sampled_from(["crash", "write"]), st.sampled_from(NODES)),
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(STEP, min_size=3, max_size=8))
def test_model_ours_never_yields_two_primaries(tmp_path_factory: pytest.TempPathFactory,
                                               steps: list[tuple[str, str]]) -> None:
    c = make(tmp_path_factory.mktemp("prop"), "pacer")
    for step, node in steps:
        if step == "link-down":
            c.ctl("link", "down")
        elif step == "link-up":
            c.ctl("link", "up")
        elif step == "crash":
            c.ctl("crash", node)
        elif step == "write":
            if c.role(node) == "Primary":
                c.ctl("write", node)
        else:
            c.run(node, step, interval_ms=31000 if step == "monitor" else None, timeout=6)
        primaries = [n for n in NODES if c.role(n) == "Primary"]
        assert len(primaries) <= 1, (steps, c.model())
        if primaries:
            assert c.model()["node"][primaries[0]]["disk"] == "UpToDate"


def test_model_promotion_score_goes_through_crm_attribute(tmp_path: Path) -> None:
    c = make(tmp_path, "pacer")
    assert c.run("alice", "start") == 0
    assert c.run("alice", "stop") == 0
    calls = [json.loads(line) for line in (c.root / "calls.jsonl").read_text().splitlines()]
    attr_calls = [call["args"] for call in calls if call["tool"] == "crm_attribute"]
    assert attr_calls == [["-N", "alice", "-n", "master-drbd_r0", "-l", "reboot", "-v", "1000"],
                          ["-N", "alice", "-n", "master-drbd_r0", "-l", "reboot", "-D"]]
    assert c.score("alice") is None
