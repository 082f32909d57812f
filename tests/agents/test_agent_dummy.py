"""ocf:pacer:Dummy: lifecycle, failure knobs, environment capture and an idempotence law."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pacer_agent_fixtures import agent_env, run_agent


def env_for(tmp_path: Path, **params: str) -> dict[str, str]:
    params.setdefault("state", str(tmp_path / "d.state"))
    return agent_env("d1", params, extra={"HA_RSCTMP": str(tmp_path / "rsctmp")})


def test_lifecycle_and_idempotence(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    assert run_agent("Dummy", "monitor", env).rc == 7
    assert run_agent("Dummy", "stop", env).rc == 0  # stopping a stopped resource succeeds
    assert run_agent("Dummy", "start", env).rc == 0
    assert (tmp_path / "d.state").exists()
    assert run_agent("Dummy", "start", env).rc == 0  # starting a started resource succeeds
    assert run_agent("Dummy", "monitor", env).rc == 0
    assert run_agent("Dummy", "stop", env).rc == 0
    assert not (tmp_path / "d.state").exists()
    assert run_agent("Dummy", "monitor", env).rc == 7


def test_default_state_file_lives_in_ha_rsctmp(tmp_path: Path) -> None:
    env = agent_env("dflt", {}, extra={"HA_RSCTMP": str(tmp_path / "rsc")})
    assert run_agent("Dummy", "start", env).rc == 0
    assert (tmp_path / "rsc" / "Dummy-dflt.state").exists()
    assert run_agent("Dummy", "stop", env).rc == 0
    assert not (tmp_path / "rsc" / "Dummy-dflt.state").exists()


def test_fail_start_gives_rc1_and_exit_reason(tmp_path: Path) -> None:
    res = run_agent("Dummy", "start", env_for(tmp_path, fail_start="true"))
    assert res.rc == 1
    assert "fail_start" in res.exit_reason
    assert run_agent("Dummy", "monitor", env_for(tmp_path)).rc == 7


def test_fail_start_on_matches_only_the_named_node(tmp_path: Path) -> None:
    env = env_for(tmp_path, fail_start_on="node2 node3")
    env["OCF_RESKEY_CRM_meta_on_node"] = "node1"
    assert run_agent("Dummy", "start", env).rc == 0
    env["OCF_RESKEY_CRM_meta_on_node"] = "node3"
    res = run_agent("Dummy", "start", {**env, "OCF_RESKEY_state": str(tmp_path / "other.state")})
    assert res.rc == 1 and "node3" in res.exit_reason


def test_fail_monitor_only_when_running(tmp_path: Path) -> None:
    env = env_for(tmp_path, fail_monitor="yes")
    assert run_agent("Dummy", "monitor", env).rc == 7
    assert run_agent("Dummy", "start", env).rc == 0
    assert run_agent("Dummy", "monitor", env).rc == 1


def test_fail_stop(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    assert run_agent("Dummy", "start", env).rc == 0
    assert run_agent("Dummy", "stop", env_for(tmp_path, fail_stop="1")).rc == 1
    assert run_agent("Dummy", "monitor", env).rc == 0


def test_op_sleep_delays_the_action(tmp_path: Path) -> None:
    t0 = time.monotonic()
    assert run_agent("Dummy", "start", env_for(tmp_path, op_sleep="0.6")).rc == 0
    assert time.monotonic() - t0 >= 0.6


def test_envfile_records_the_ocf_environment(tmp_path: Path) -> None:
    envfile = tmp_path / "env.txt"
    env = env_for(tmp_path, envfile=str(envfile), fake="abc")
    env["OCF_RESKEY_CRM_meta_interval"] = "10000"
    assert run_agent("Dummy", "monitor", env).rc == 7
    text = envfile.read_text()
    assert "==== monitor" in text
    assert "OCF_RESKEY_fake=abc" in text
    assert "OCF_RESKEY_CRM_meta_interval=10000" in text
    assert "OCF_RESOURCE_INSTANCE=d1" in text


def test_reload_rewrites_state_with_new_fake(tmp_path: Path) -> None:
    assert run_agent("Dummy", "start", env_for(tmp_path, fake="one")).rc == 0
    assert run_agent("Dummy", "reload", env_for(tmp_path, fake="two")).rc == 0
    assert (tmp_path / "d.state").read_text().strip() == "two"


def test_migration_moves_the_state(tmp_path: Path) -> None:
    src = env_for(tmp_path, state=str(tmp_path / "src.state"))
    dst = env_for(tmp_path, state=str(tmp_path / "dst.state"))
    assert run_agent("Dummy", "start", src).rc == 0
    assert run_agent("Dummy", "migrate_to", src).rc == 0
    assert run_agent("Dummy", "migrate_from", dst).rc == 0
    assert run_agent("Dummy", "monitor", src).rc == 7
    assert run_agent("Dummy", "monitor", dst).rc == 0


@pytest.mark.parametrize(("params", "action", "rc"), [
    ({"op_sleep": "abc"}, "validate-all", 6),
    ({"op_sleep": "-1"}, "start", 6),
    ({"state": "/nonexistent-dir-pacer/x.state"}, "start", 2),
    ({"state": "/nonexistent-dir-pacer/x.state"}, "monitor", 7),
])
def test_validation(tmp_path: Path, params: dict[str, str], action: str, rc: int) -> None:
    res = run_agent("Dummy", action, env_for(tmp_path, **params))
    assert res.rc == rc
    if rc in (2, 6):
        assert res.exit_reason


def test_unknown_action_and_bad_arguments(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    assert run_agent("Dummy", "promote", env).rc == 3
    assert run_agent("Dummy", "frobnicate", env).rc == 3


@settings(max_examples=15, deadline=None)
@given(st.lists(st.sampled_from(["start", "stop", "monitor"]), min_size=1, max_size=6))
def test_monitor_reflects_last_start_or_stop(tmp_path_factory: pytest.TempPathFactory,
                                             actions: list[str]) -> None:
    tmp = tmp_path_factory.mktemp("dprop")
    env = env_for(tmp)
    running = False
    for action in actions:
        res = run_agent("Dummy", action, env)
        if action == "monitor":
            assert res.rc == (0 if running else 7)
        else:
            assert res.rc == 0
            running = action == "start"


def test_unexpected_errors_still_answer_in_ocf_terms(tmp_path: Path) -> None:
    res = run_agent("Dummy", "start", env_for(tmp_path, envfile=str(tmp_path / "missing-dir" / "env")))
    assert res.rc == 1
    assert "FileNotFoundError" in res.exit_reason
    res = run_agent("Dummy", "start", agent_env("d2", {}, extra={"HA_RSCTMP": "/proc/pacer-no-such-dir"}))
    assert res.rc == 4
    assert "state directory" in res.exit_reason
