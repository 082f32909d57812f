"""ping: the pingd node attribute through a recording attrd_updater/crm_attribute stand-in."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pacer_agent_fixtures import AgentResult, NetnsPair, Recorder, agent_env, make_recorder, run_agent


def ping_run(rec: Recorder, tmp_path: Path, action: str, *, netns: str | None = None,
             interval_ms: int | None = None, params: dict[str, str] | None = None, **kw: str) -> AgentResult:
    params = {**(params or {}), **kw}
    params.setdefault("attempts", "1")
    params.setdefault("timeout", "1")
    env = agent_env("ping1", params, interval_ms=interval_ms, path_prefix=rec.bin_dir,
                    extra={"HA_RSCTMP": str(tmp_path / "rsctmp"), "OCF_RESKEY_CRM_meta_on_node": "node1"})
    return run_agent("ping", action, env, netns=netns)


def updates(rec: Recorder) -> list[list[str]]:
    return rec.calls("attrd_updater")


def test_loopback_counts_once_times_multiplier(recorder: Recorder, tmp_path: Path) -> None:
    assert ping_run(recorder, tmp_path, "monitor", host_list="127.0.0.1").rc == 7
    assert recorder.calls() == []  # a probe of a stopped instance touches nothing
    assert ping_run(recorder, tmp_path, "start", host_list="127.0.0.1", multiplier="100",
                    dampen="3s").rc == 0
    assert updates(recorder) == [["-n", "pingd", "-U", "100", "-N", "node1", "-d", "3s"]]
    recorder.clear()
    assert ping_run(recorder, tmp_path, "monitor", interval_ms=10000, host_list="127.0.0.1 127.0.0.2",
                    multiplier="100", name="connectivity").rc == 0
    assert updates(recorder) == [["-n", "connectivity", "-U", "200", "-N", "node1", "-d", "5s"]]
    recorder.clear()
    assert ping_run(recorder, tmp_path, "stop", host_list="127.0.0.1").rc == 0
    assert updates(recorder) == [["-n", "pingd", "-D", "-N", "node1", "-d", "5s"]]
    assert ping_run(recorder, tmp_path, "monitor", host_list="127.0.0.1").rc == 7


def test_crm_attribute_is_used_when_attrd_updater_is_absent(tmp_path: Path) -> None:
    rec = make_recorder(tmp_path / "bin", tools=("crm_attribute",))
    # hide Debian's attrd_updater: PATH = stand-ins + a directory with only ping
    only_ping = tmp_path / "ping-only"
    only_ping.mkdir()
    (only_ping / "ping").symlink_to("/usr/bin/ping")
    params = {"host_list": "127.0.0.1", "multiplier": "7", "attempts": "1", "timeout": "1"}
    env = agent_env("ping1", params, extra={"HA_RSCTMP": str(tmp_path / "rsctmp"),
                                            "OCF_RESKEY_CRM_meta_on_node": "node9",
                                            "PATH": f"{rec.bin_dir}:{only_ping}"})
    assert run_agent("ping", "start", env).rc == 0
    assert rec.calls("crm_attribute") == [["-N", "node9", "-n", "pingd", "-l", "reboot", "-v", "7"]]


@pytest.mark.root
def test_reachable_and_unreachable_hosts_in_a_namespace(netns_pair: NetnsPair, tmp_path: Path) -> None:
    rec = make_recorder(tmp_path / "bin")
    pair = netns_pair
    hosts = f"{pair.addr_b} {pair.prefix}.222 {pair.addr_a}"  # peer, nobody, ourselves
    assert ping_run(rec, tmp_path, "start", netns=pair.ns_a, host_list=hosts, multiplier="10").rc == 0
    assert updates(rec)[-1][:4] == ["-n", "pingd", "-U", "20"]
    # the peer goes away: its link is taken down
    subprocess.run(["ip", "-n", pair.ns_b, "link", "set", pair.if_b, "down"], check=True)
    assert ping_run(rec, tmp_path, "monitor", netns=pair.ns_a, interval_ms=10000, host_list=hosts,
                    multiplier="10").rc == 0
    assert updates(rec)[-1][:4] == ["-n", "pingd", "-U", "10"]
    res = ping_run(rec, tmp_path, "monitor", netns=pair.ns_a, interval_ms=10000, host_list=hosts,
                   multiplier="10", failure_score="20")
    assert res.rc == 1
    assert "below failure_score" in res.exit_reason


@pytest.mark.parametrize(("params", "rc"), [
    ({"host_list": ""}, 6),
    ({"host_list": "127.0.0.1; reboot"}, 6),
    ({"host_list": "127.0.0.1", "multiplier": "x"}, 6),
    ({"host_list": "127.0.0.1", "dampen": "soon"}, 6),
    ({"host_list": "127.0.0.1", "attempts": "0"}, 6),
])
def test_bad_parameters(recorder: Recorder, tmp_path: Path, params: dict[str, str], rc: int) -> None:
    res = ping_run(recorder, tmp_path, "validate-all", params=params)
    assert res.rc == rc
    assert res.exit_reason
    assert recorder.calls() == []


@pytest.mark.root
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reachable=st.integers(min_value=0, max_value=3), unreachable=st.integers(min_value=0, max_value=2),
       multiplier=st.integers(min_value=0, max_value=1000))
def test_score_is_multiplier_times_reachable_hosts(netns_pair: NetnsPair, tmp_path: Path, reachable: int,
                                                   unreachable: int, multiplier: int) -> None:
    pair = netns_pair
    if not reachable and not unreachable:
        unreachable = 1
    good = [pair.addr_a, pair.addr_b, "127.0.0.1"][:reachable]
    bad = [f"192.0.2.{i + 1}" for i in range(unreachable)]  # TEST-NET-1: no route inside the namespace
    rec = make_recorder(tmp_path / f"bin-{reachable}-{unreachable}-{multiplier}")
    res = ping_run(rec, tmp_path, "start", netns=pair.ns_a, host_list=" ".join(good + bad),
                   multiplier=str(multiplier))
    assert res.rc == 0
    assert updates(rec)[-1][:4] == ["-n", "pingd", "-U", str(multiplier * reachable)]
    assert ping_run(rec, tmp_path, "stop", netns=pair.ns_a, host_list=" ".join(good + bad)).rc == 0
