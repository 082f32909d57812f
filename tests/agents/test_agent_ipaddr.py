"""IPaddr2 and IPaddr on a real veth pair between two network namespaces (root)."""

from __future__ import annotations

import ipaddress
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pacer_agent_fixtures import AgentResult, NetnsPair, agent_env, run_agent

pytestmark = pytest.mark.root

DEBIAN_IPADDR2 = Path("/usr/lib/ocf/resource.d/heartbeat/IPaddr2")


def vip(pair: NetnsPair, host: int = 50) -> str:
    return f"{pair.prefix}.{host}"


def run_in_a(pair: NetnsPair, agent: str | Path, action: str, tmp_path: Path, **params: str) -> AgentResult:
    env = agent_env("vip1", params, extra={"HA_RSCTMP": str(tmp_path / "rsctmp")})
    return run_agent(agent, action, env, netns=pair.ns_a)


@pytest.mark.parametrize("agent", ["IPaddr2", "IPaddr"])
def test_start_ping_fail_stop(netns_pair: NetnsPair, tmp_path: Path, agent: str) -> None:
    pair, ip = netns_pair, vip(netns_pair)
    params = {"ip": ip, "cidr_netmask": "24", "nic": pair.if_a}
    assert run_in_a(pair, agent, "monitor", tmp_path, **params).rc == 7
    assert run_in_a(pair, agent, "start", tmp_path, **params).rc == 0
    assert f"{ip}/24" in pair.addresses(pair.ns_a)
    assert pair.ping(pair.ns_b, ip)
    assert run_in_a(pair, agent, "monitor", tmp_path, **params).rc == 0
    assert run_in_a(pair, agent, "start", tmp_path, **params).rc == 0  # idempotent

    # failure injection: the address disappears behind the agent's back
    subprocess.run(["ip", "-n", pair.ns_a, "addr", "del", f"{ip}/24", "dev", pair.if_a], check=True)
    assert run_in_a(pair, agent, "monitor", tmp_path, **params).rc == 7
    assert not pair.ping(pair.ns_b, ip)

    assert run_in_a(pair, agent, "start", tmp_path, **params).rc == 0
    assert run_in_a(pair, agent, "stop", tmp_path, **params).rc == 0
    assert f"{ip}/24" not in pair.addresses(pair.ns_a)
    assert run_in_a(pair, agent, "stop", tmp_path, **params).rc == 0
    assert run_in_a(pair, agent, "monitor", tmp_path, **params).rc == 7


def test_nic_and_netmask_are_found_from_the_subnet(netns_pair: NetnsPair, tmp_path: Path) -> None:
    pair, ip = netns_pair, vip(netns_pair, 60)
    assert run_in_a(pair, "IPaddr2", "start", tmp_path, ip=ip).rc == 0
    assert f"{ip}/24" in pair.addresses(pair.ns_a)
    assert pair.ping(pair.ns_b, ip)
    assert run_in_a(pair, "IPaddr2", "stop", tmp_path, ip=ip).rc == 0


def test_legacy_ipaddr_parameters(netns_pair: NetnsPair, tmp_path: Path) -> None:
    """haresources2cib-style: dotted netmask, nic with a :label suffix, explicit broadcast."""
    pair, ip = netns_pair, vip(netns_pair, 70)
    params = {"ip": ip, "netmask": "255.255.255.0", "nic": f"{pair.if_a}:0",
              "broadcast": f"{pair.prefix}.255"}
    assert run_in_a(pair, "IPaddr", "start", tmp_path, **params).rc == 0
    out = subprocess.run(["ip", "-n", pair.ns_a, "-o", "-4", "addr", "show", "dev", pair.if_a],
                         capture_output=True, text=True, check=True).stdout
    line = next(ln for ln in out.splitlines() if f"{ip}/24" in ln)
    assert f"brd {pair.prefix}.255" in line
    assert f"{pair.if_a}:0" in line
    assert pair.ping(pair.ns_b, ip)
    assert run_in_a(pair, "IPaddr", "monitor", tmp_path, **params).rc == 0
    assert run_in_a(pair, "IPaddr", "stop", tmp_path, **params).rc == 0
    assert f"{ip}/24" not in pair.addresses(pair.ns_a)


def test_gratuitous_arp_reaches_the_peer(netns_pair: NetnsPair, tmp_path: Path) -> None:
    pair, ip = netns_pair, vip(netns_pair, 80)
    for key in ("all", pair.if_b):
        subprocess.run(["ip", "netns", "exec", pair.ns_b, "sysctl", "-qw",
                        f"net.ipv4.conf.{key}.arp_accept=1"], check=True)
    link = subprocess.run(["ip", "-n", pair.ns_a, "-o", "link", "show", pair.if_a], capture_output=True,
                          text=True, check=True).stdout
    mac_a = link.split("link/ether")[1].split()[0]
    assert run_in_a(pair, "IPaddr2", "start", tmp_path, ip=ip, nic=pair.if_a, cidr_netmask="24",
                    arp_sender="builtin", arp_count="3", arp_interval="100").rc == 0
    deadline = time.monotonic() + 3
    neigh = ""
    while time.monotonic() < deadline:
        neigh = subprocess.run(["ip", "-n", pair.ns_b, "neigh", "show", ip], capture_output=True, text=True,
                               check=True).stdout
        if mac_a in neigh:
            break
        time.sleep(0.1)
    assert mac_a in neigh, f"peer did not learn {ip} from gratuitous ARP: {neigh!r}"
    assert run_in_a(pair, "IPaddr2", "stop", tmp_path, ip=ip, nic=pair.if_a, cidr_netmask="24").rc == 0


@pytest.mark.parametrize(("params", "action", "rc", "reason"), [
    ({"ip": "bogus"}, "validate-all", 6, "not an IPv4 address"),
    ({"ip": "{vip}", "nic": "nosuchif0"}, "start", 6, "does not exist"),
    ({"ip": "{vip}", "cidr_netmask": "40"}, "start", 6, "out of range"),
    ({"ip": "10.250.250.1"}, "start", 1, "no interface"),
    ({"ip": "10.250.250.1"}, "monitor", 7, ""),
    ({"ip": "10.250.250.1"}, "stop", 0, ""),
    ({}, "validate-all", 6, "ip is required"),
])
def test_bad_parameters(netns_pair: NetnsPair, tmp_path: Path, params: dict[str, str], action: str,
                        rc: int, reason: str) -> None:
    params = {k: v.format(vip=vip(netns_pair)) for k, v in params.items()}
    res = run_in_a(netns_pair, "IPaddr2", action, tmp_path, **params)
    assert res.rc == rc, res.stderr
    assert reason in res.exit_reason
    assert f"{vip(netns_pair)}/24" not in netns_pair.addresses(netns_pair.ns_a)


@pytest.mark.oracle
def test_agrees_with_debian_ipaddr2(netns_pair: NetnsPair, tmp_path: Path) -> None:
    """Same scenario through ocf:heartbeat:IPaddr2 and ours: same rc at every step."""
    if not DEBIAN_IPADDR2.exists():
        pytest.skip("resource-agents not installed")
    pair = netns_pair
    steps = ["monitor", "start", "monitor", "start", "@remove", "monitor", "stop", "stop", "monitor"]
    results: dict[str, list[int]] = {}
    for agent, host in (("ours", 90), ("debian", 91)):
        ip = vip(pair, host)
        params = {"ip": ip, "cidr_netmask": "24", "nic": pair.if_a}
        path: str | Path = "IPaddr2" if agent == "ours" else DEBIAN_IPADDR2
        rcs = []
        for step in steps:
            if step == "@remove":
                subprocess.run(["ip", "-n", pair.ns_a, "addr", "del", f"{ip}/24", "dev", pair.if_a], check=True)
                continue
            rcs.append(run_in_a(pair, path, step, tmp_path / agent, **params).rc)
        results[agent] = rcs
    assert results["ours"] == results["debian"]
    assert results["ours"] == [7, 0, 0, 0, 7, 0, 0, 7]


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prefix=st.integers(min_value=8, max_value=30))
def test_legacy_netmask_equals_cidr_netmask(netns_pair: NetnsPair, tmp_path: Path, prefix: int) -> None:
    """IPaddr with netmask=<dotted quad> configures what IPaddr2 with cidr_netmask=<bits> does."""
    pair = netns_pair
    dotted = str(ipaddress.IPv4Network(f"0.0.0.0/{prefix}").netmask)
    legacy = {"ip": vip(pair, 101), "netmask": dotted, "nic": pair.if_a}
    modern = {"ip": vip(pair, 102), "cidr_netmask": str(prefix), "nic": pair.if_a}
    try:
        assert run_in_a(pair, "IPaddr", "start", tmp_path, **legacy).rc == 0
        assert run_in_a(pair, "IPaddr2", "start", tmp_path, **modern).rc == 0
        addrs = pair.addresses(pair.ns_a)
        assert f"{legacy['ip']}/{prefix}" in addrs
        assert f"{modern['ip']}/{prefix}" in addrs
    finally:
        assert run_in_a(pair, "IPaddr", "stop", tmp_path, **legacy).rc == 0
        assert run_in_a(pair, "IPaddr2", "stop", tmp_path, **modern).rc == 0
    assert not {f"{legacy['ip']}/{prefix}", f"{modern['ip']}/{prefix}"} & set(pair.addresses(pair.ns_a))
