"""Fence agents: the stdin protocol, exit codes, timeouts that kill the process group,
the agent search path, Debian's fence_dummy and our fence_pacer_sandbox."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fenced_sim import config, device_xml

from crm.fenced.agents import find_agent, listed_targets, run_agent, run_with_retries
from crm.fenced.devices import Device, agent_input

ROOT = Path(__file__).resolve().parents[2]
SANDBOX_AGENT = ROOT / "agents" / "fence_pacer_sandbox"

TEST_AGENT = """#!/bin/sh
input=$(cat)
printf '%s\\n' "$input" >> "$(dirname "$0")/calls"
case "$input" in
  *action=list*) echo "node1,n1"; echo "node2"; exit 0 ;;
  *action=hang*) sleep 60 & echo $! > "$(dirname "$0")/child"; wait ;;
  *rc=3*) echo "bad things" >&2; exit 3 ;;
esac
echo "Success"
"""


@pytest.fixture
def agent_dir(tmp_path: Path) -> Path:
    path = tmp_path / "fence_test"
    path.write_text(TEST_AGENT)
    path.chmod(0o755)
    return tmp_path


def env_for(directory: Path) -> dict[str, str]:
    return dict(os.environ, PACER_FENCE_AGENT_PATH=str(directory))


def test_stdin_has_the_action_the_target_its_alias_and_the_device_parameters() -> None:
    device = Device("f1", "fence_test", {
        "pcmk_host_map": "node1:vm-one", "pcmk_reboot_action": "off", "ip": "10.0.0.1", "pcmk_delay_max": "3",
    })
    text = agent_input(device, "reboot", "node1", nodeid=1).decode()
    assert text.splitlines() == ["action=off", "nodename=node1", "nodeid=1", "port=vm-one", "ip=10.0.0.1"]
    other = Device("f2", "fence_test", {"pcmk_host_argument": "plug", "login": "admin"})
    assert agent_input(other, "off", "node2").decode().splitlines() == [
        "action=off", "nodename=node2", "plug=node2", "login=admin"
    ]
    none = Device("f3", "fence_test", {"pcmk_host_argument": "none"})
    assert agent_input(none, "on", "node2").decode().splitlines() == ["action=on", "nodename=node2"]
    assert agent_input(none, "list", None).decode() == "action=list\n"


def test_run_agent_passes_stdin_and_returns_the_exit_code(agent_dir: Path) -> None:
    device = Device("f1", "fence_test", {"rc": "0"})
    result = asyncio.run(run_agent(device, "off", "node2", 10, env=env_for(agent_dir)))
    assert result.rc == 0 and "Success" in result.stdout
    assert "action=off\nnodename=node2\nport=node2\nrc=0" in (agent_dir / "calls").read_text()
    failing = Device("f1", "fence_test", {"rc": "3"})
    result = asyncio.run(run_agent(failing, "off", "node2", 10, env=env_for(agent_dir)))
    assert result.rc == 3 and result.reason == "bad things"


def test_retries_until_the_attempts_are_used(agent_dir: Path) -> None:
    failing = Device("f1", "fence_test", {"rc": "3", "pcmk_off_retries": "1"})
    result = asyncio.run(run_with_retries(failing, "off", "node2", 10, env=env_for(agent_dir)))
    assert result.rc == 3
    assert (agent_dir / "calls").read_text().count("action=off") == 2


def test_timeout_kills_the_process_group(agent_dir: Path) -> None:
    device = Device("f1", "fence_test", {"pcmk_hang_action": "hang"})
    started = time.monotonic()
    result = asyncio.run(run_agent(device, "hang", "node2", 1.0, env=env_for(agent_dir)))
    assert result.rc == 124 and result.timed_out
    assert time.monotonic() - started < 5
    child = int((agent_dir / "child").read_text())
    deadline = time.monotonic() + 3
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{child}").exists() or "Z" in Path(f"/proc/{child}/stat").read_text().split()[2]


def test_missing_agent_is_not_installed(tmp_path: Path) -> None:
    result = asyncio.run(run_agent(Device("f", "fence_nothere", {}), "off", "n", 5, env=env_for(tmp_path)))
    assert result.rc == 5 and "not installed" in result.stderr


def test_search_path(agent_dir: Path) -> None:
    assert find_agent("fence_test", env_for(agent_dir)) == agent_dir / "fence_test"
    assert find_agent("fence_pacer_sandbox", {}) is not None  # the source tree, or an install
    assert find_agent("../etc/passwd", {}) is None and find_agent("bash", {}) is None


def test_list_output() -> None:
    assert listed_targets("node1,n1\nnode2\n\n  node3 , x\n") == {"node1", "n1", "node2", "node3", "x"}


def test_host_checks_from_the_cib() -> None:
    cfg = config(device_xml("static", pcmk_host_list="node1,node2") + device_xml("map", pcmk_host_map="node3=vm3")
                 + device_xml("dyn") + device_xml("any", pcmk_host_check="none")
                 + device_xml("st", pcmk_host_check="status"))
    static, mapped, dyn, anyone, status = (cfg.devices[n] for n in ("static", "map", "dyn", "any", "st"))
    assert static.can_fence("node2") and not static.can_fence("node3")
    assert mapped.can_fence("node3") and mapped.alias("node3") == "vm3"
    assert dyn.host_check == "dynamic-list" and not dyn.can_fence("node1") and dyn.can_fence("node1", ["node1"])
    assert anyone.can_fence("whatever")
    assert status.can_fence("node1", status_ok=True) and not status.can_fence("node1", status_ok=False)


def test_disabled_devices_and_stonith_options() -> None:
    primitive = device_xml("off").replace(
        "</primitive>", '<meta_attributes id="m"><nvpair id="m1" name="target-role" value="Stopped"/></meta_attributes></primitive>'
    )
    cfg = config(primitive)
    assert cfg.devices["off"].disabled and not cfg.devices["off"].runnable_on("node1")
    assert cfg.stonith_enabled


@pytest.mark.skipif(not Path("/usr/sbin/fence_dummy").exists(), reason="Debian's fence-agents is not installed")
def test_debian_fence_dummy_works_unchanged(tmp_path: Path) -> None:
    status = tmp_path / "status"
    device = Device("d", "fence_dummy", {"status_file": str(status), "pcmk_host_list": "node2"})
    env = dict(os.environ)
    status.write_text("on")
    assert asyncio.run(run_agent(device, "off", "node2", 30, env=env)).rc == 0
    assert status.read_text() == "off"
    assert asyncio.run(run_agent(device, "status", "node2", 30, env=env)).rc == 2
    assert asyncio.run(run_agent(device, "on", "node2", 30, env=env)).rc == 0
    assert asyncio.run(run_agent(device, "status", "node2", 30, env=env)).rc == 0
    assert asyncio.run(run_agent(device, "reboot", "node2", 30, env=env)).rc == 0


def sandbox_agent(stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SANDBOX_AGENT)], input=stdin, capture_output=True, text=True, timeout=30, check=False)


def test_fence_pacer_sandbox_metadata_and_errors(tmp_path: Path) -> None:
    meta = sandbox_agent("action=metadata\n")
    assert meta.returncode == 0 and '<resource-agent name="fence_pacer_sandbox"' in meta.stdout
    from lxml import etree

    etree.fromstring(meta.stdout.encode())
    assert sandbox_agent(f"action=off\nsandbox_dir={tmp_path}\nport=node1\n").returncode == 1
    assert sandbox_agent("action=off\nport=node1\n").returncode == 1
    (tmp_path / "sandbox.json").write_text('{"transport": "embedded", "nodes": 3}')
    listed = sandbox_agent(f"action=list\nsandbox_dir={tmp_path}\n")
    assert listed.returncode == 0 and listed.stdout.split() == ["node1,node1", "node2,node2", "node3,node3"]
    status = sandbox_agent(f"action=status\nsandbox_dir={tmp_path}\nnodename=node2\n")
    assert status.returncode == 2 and "OFF" in status.stdout
    assert sandbox_agent(f"action=status\nsandbox_dir={tmp_path}\nport=node7\n").returncode == 1
    assert sandbox_agent(f"action=monitor\nsandbox_dir={tmp_path}\n").returncode == 0
    cli = subprocess.run([sys.executable, str(SANDBOX_AGENT), "-o", "status", "-n", "3", "--sandbox-dir", str(tmp_path)],
                         capture_output=True, text=True, check=False)
    assert cli.returncode == 2
