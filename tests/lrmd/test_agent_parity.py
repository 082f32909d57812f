"""Debian's agents and pacer's agents run through the executor give the same outcomes.

Real resources: Dummy anywhere, IPaddr2 inside network namespaces, Filesystem on a
loop device, apache on 127.0.0.1 (fixtures from tests/agents/fixtures.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from lrmd_helpers import executor_for, run, write_script

from lrmd.agent_paths import AgentLocator
from lrmd.operation import OpRequest, ResourceSpec

REPO = Path(__file__).resolve().parents[2]
OURS = REPO / "agents"
DEBIAN = Path("/usr/lib/ocf/resource.d/heartbeat")


def _need(agent: str) -> None:
    if not (DEBIAN / agent).exists():
        pytest.skip(f"Debian's {agent} agent is not installed")
    if not (OURS / agent).exists():
        pytest.skip(f"pacer's {agent} agent does not exist yet")


def sequence(
    tmp_path: Path,
    provider: str,
    agent: str,
    steps: list[tuple[str, dict[str, str]]],
    params: dict[str, str],
    *,
    prefix: tuple[str, ...] = (),
    between: Callable[[int], None] | None = None,
    path_prefix: Path | None = None,
) -> list[int]:
    locator = AgentLocator(ocf_root=Path("/usr/lib/ocf"), pacer_dirs=(OURS,))
    work = tmp_path / provider
    work.mkdir(exist_ok=True)
    search = os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
    if path_prefix is not None:
        search = f"{path_prefix}:{search}"
    ex = executor_for(locator, work, command_prefix=prefix, base_env={"PATH": search})

    async def go() -> list[int]:
        ex.register(ResourceSpec("r1", "ocf", agent, provider))
        rcs = []
        for index, (action, extra) in enumerate(steps):
            interval = int(extra.pop("interval", "0"))
            result = await ex.execute(OpRequest("r1", action, interval, 60000, {**params, **extra}))
            if interval:
                ex.cancel("r1", action, interval)
            rcs.append(result.rc)
            if between is not None:
                between(index)
        return rcs

    return run(go, timeout=240)


LIFECYCLE: list[tuple[str, dict[str, str]]] = [
    ("monitor", {}),
    ("stop", {}),
    ("start", {}),
    ("start", {}),
    ("monitor", {"interval": "10000"}),
    ("stop", {}),
    ("monitor", {}),
]


def test_dummy_parity(tmp_path: Path) -> None:
    _need("Dummy")
    results = {}
    for provider in ("heartbeat", "pacer"):
        params = {"state": str(tmp_path / f"{provider}.state")}
        results[provider] = sequence(tmp_path, provider, "Dummy", [*LIFECYCLE, ("validate-all", {})], params)
    assert results["heartbeat"] == results["pacer"] == [7, 0, 0, 0, 0, 0, 7, 0]


@pytest.mark.root
def test_ipaddr2_parity_in_network_namespaces(tmp_path: Path, netns_pair) -> None:  # type: ignore[no-untyped-def]
    _need("IPaddr2")
    pair = netns_pair
    results = {}
    for index, provider in enumerate(("heartbeat", "pacer")):
        vip = f"{pair.prefix}.{50 + index}"
        params = {"ip": vip, "cidr_netmask": "24", "nic": pair.if_a}
        seen: list[bool] = []

        def check(step: int, vip: str = vip, seen: list[bool] = seen) -> None:
            if step == 4:  # after the recurring monitor: the VIP is up and answers
                seen.append(f"{vip}/24" in pair.addresses(pair.ns_a) and pair.ping(pair.ns_b, vip))

        rcs = sequence(
            tmp_path, provider, "IPaddr2", LIFECYCLE, params,
            prefix=("ip", "netns", "exec", pair.ns_a), between=check,
        )
        results[provider] = (rcs, seen)
        assert f"{vip}/24" not in pair.addresses(pair.ns_a)
    assert results["heartbeat"] == results["pacer"] == ([7, 0, 0, 0, 0, 0, 7], [True])


@pytest.mark.root
def test_filesystem_parity_on_a_loop_device(tmp_path: Path, loop_ext4) -> None:  # type: ignore[no-untyped-def]
    _need("Filesystem")
    fs = loop_ext4
    # Debian's agent insists on modprobe (kmod); this kernel cannot load modules anyway.
    shims = tmp_path / "shims"
    if shutil.which("modprobe") is None:
        write_script(shims / "modprobe", "exit 0\n")
    params = {"device": fs.device, "directory": str(fs.mountpoint), "fstype": "ext4"}
    results = {}
    for provider in ("heartbeat", "pacer"):
        mounted: list[bool] = []

        def check(step: int, mounted: list[bool] = mounted) -> None:
            if step in (2, 5):
                mounted.append(fs.mounted())

        steps = [*LIFECYCLE[:4], ("monitor", {"interval": "20000", "OCF_CHECK_LEVEL": "20"}), *LIFECYCLE[5:]]
        rcs = sequence(tmp_path, provider, "Filesystem", steps, params, between=check, path_prefix=shims)
        results[provider] = (rcs, mounted)
    assert results["heartbeat"] == results["pacer"] == ([7, 0, 0, 0, 0, 0, 7], [True, False])


@pytest.mark.slow
def test_apache_parity_on_loopback(tmp_path: Path, apache_site) -> None:  # type: ignore[no-untyped-def]
    _need("apache")
    site = apache_site
    params = {"configfile": str(site.config), "statusurl": site.statusurl, "pid": str(site.pidfile)}
    steps: list[tuple[str, dict[str, str]]] = [
        ("monitor", {}),
        ("start", {}),
        ("monitor", {"interval": "10000"}),
        ("stop", {}),
        ("monitor", {}),
    ]
    results = {}
    for provider in ("heartbeat", "pacer"):
        up: list[bool] = []

        def check(step: int, up: list[bool] = up) -> None:
            if step == 2:
                answer = subprocess.run(
                    ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", site.statusurl],
                    capture_output=True, text=True, check=False, timeout=10,
                )
                up.append(answer.stdout == "200")

        results[provider] = (sequence(tmp_path, provider, "apache", steps, params, between=check), up)
    assert results["heartbeat"] == results["pacer"] == ([7, 0, 0, 0, 7], [True])


@pytest.mark.root
def test_failure_outcomes_match_for_ipaddr2(tmp_path: Path, netns_pair) -> None:  # type: ignore[no-untyped-def]
    _need("IPaddr2")
    pair = netns_pair
    outcomes = {}
    for index, provider in enumerate(("heartbeat", "pacer")):
        vip = f"{pair.prefix}.{70 + index}"
        good = {"ip": vip, "cidr_netmask": "24", "nic": pair.if_a}

        def drop(step: int, vip: str = vip) -> None:
            if step == 0:  # the address disappears behind the cluster's back
                subprocess.run(["ip", "-n", pair.ns_a, "addr", "del", f"{vip}/24", "dev", pair.if_a], check=True)

        lost = sequence(
            tmp_path, provider, "IPaddr2", [("start", {}), ("monitor", {"interval": "10000"}), ("stop", {})],
            good, prefix=("ip", "netns", "exec", pair.ns_a), between=drop,
        )
        bad_nic = sequence(
            tmp_path, provider, "IPaddr2", [("start", {})], {**good, "nic": "nosuchnic0"},
            prefix=("ip", "netns", "exec", pair.ns_a),
        )
        outcomes[provider] = (lost, bad_nic)
    assert outcomes["heartbeat"] == outcomes["pacer"]
    assert outcomes["pacer"][0] == [0, 7, 0]
    assert outcomes["pacer"][1][0] != 0


@pytest.mark.root
def test_failure_outcomes_match_for_filesystem(tmp_path: Path, loop_ext4) -> None:  # type: ignore[no-untyped-def]
    _need("Filesystem")
    fs = loop_ext4
    shims = tmp_path / "shims"
    if shutil.which("modprobe") is None:
        write_script(shims / "modprobe", "exit 0\n")
    missing = {"device": "/dev/nonexistent-pacer", "directory": str(fs.mountpoint), "fstype": "ext4"}
    good = {"device": fs.device, "directory": str(fs.mountpoint), "fstype": "ext4"}
    outcomes = {}
    for provider in ("heartbeat", "pacer"):
        absent = sequence(tmp_path, provider, "Filesystem", [("monitor", {}), ("start", {})], missing, path_prefix=shims)

        def unmount(step: int) -> None:
            if step == 0:
                subprocess.run(["umount", str(fs.mountpoint)], check=True)

        external = sequence(
            tmp_path, provider, "Filesystem", [("start", {}), ("monitor", {"interval": "20000"}), ("stop", {})],
            good, path_prefix=shims, between=unmount,
        )
        outcomes[provider] = (absent, external)
    assert outcomes["heartbeat"] == outcomes["pacer"] == ([7, 5], [0, 7, 0])
