"""ocf:pacer:ldirectord on real IPVS: a director guest, real HTTP servers in another, a client.

The LVS article's flat LVS-NAT network on the shared guests: node1 is the director (the
virtual address 10.99.0.100 brought up by pacer's IPaddr2 agent, ip_forward on, ICMP
redirects off), node2 holds two real servers (busybox httpd on 10.99.0.2 and 10.99.0.12,
and a "sorry" server on port 8080) and routes its replies to the client
through the director, node3 is the client.  The agent runs in node1 from this checkout
with Debian's ipvsadm on the guest's stock kernel; the table it builds is read back with
``ipvsadm -S -n`` and compared with what :mod:`lvs_rules` computes, and requests through
the virtual address show where the kernel sends them.  The module undoes its changes to
the guests when it finishes.
"""

from __future__ import annotations

import random
import shlex
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from vm_harness import Guest, VMSet

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "agents" / "lib"))
from lvs_config import parse_config  # noqa: E402
from lvs_rules import desired_table, health_key, parse_saved  # noqa: E402

from crm.migrate.lvs_director import convert_lvs  # noqa: E402

pytestmark = [pytest.mark.vm, pytest.mark.xdist_group("vm")]

VIP = "10.99.0.100"
REAL_A, REAL_B = "10.99.0.2", "10.99.0.12"
SORRY_PORT = 8080
AGENT = REPO / "agents" / "ldirectord"
IPADDR2 = REPO / "agents" / "IPaddr2"
CONFIG = "/run/ldirectord-test.cf"
STATE_DIR = "/run/ldirectord-test"


@dataclass
class Lab:
    director: Guest
    servers: Guest
    client: Guest
    pids: dict[str, int]

    # -- real servers

    def serve(self, name: str, address: str, port: int, text: str) -> None:
        root = f"/run/www-{name}"
        self.servers.write_file(f"{root}/index.html", text + "\n")
        self.pids[name] = self.servers.spawn(f"exec busybox httpd -f -p {address}:{port} -h {root}",
                                             log=f"/run/www-{name}.log")
        self.servers.wait_for(f"bash -c 'exec 3<>/dev/tcp/{address}/{port}' 2>/dev/null", timeout=60)

    def halt(self, name: str) -> None:
        pid = self.pids.pop(name)
        self.servers.run(f"kill {pid}; while kill -0 {pid} 2>/dev/null; do sleep 0.1; done", timeout=30)

    # -- the agent

    def agent(self, action: str, config: str = CONFIG, instance: str = "lvs") -> tuple[int, str]:
        env = {
            "OCF_ROOT": "/usr/lib/ocf", "OCF_RESOURCE_INSTANCE": instance, "OCF_RESKEY_configfile": config,
            "HA_RSCTMP": STATE_DIR, "OCF_RESKEY_CRM_meta_timeout": "60000",
        }
        prefix = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        res = self.director.run(f"mkdir -p {STATE_DIR}; env {prefix} {AGENT} {action}", timeout=90)
        return res.rc, res.out + res.err

    def configure(self, text: str) -> None:
        self.director.write_file(CONFIG, text)

    def table(self) -> dict[str, object]:
        return dict(parse_saved(self.director.check("ipvsadm -S -n")))

    def service_stats(self, service: str, timeout: float = 10) -> tuple[int, int, int, str]:
        """(connections, packets in, packets out, the listing) of a virtual service.  The
        kernel folds its per-CPU counters into these every 2 seconds, so requests just
        answered may not show yet: wait until some connection does (or the timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            stats = self.director.check(f"ipvsadm -L -n --stats {service}")
            row = next(line.split() for line in stats.splitlines() if line.startswith(("TCP", "UDP", "FWM")))
            conns, in_packets, out_packets = int(row[2]), int(row[3]), int(row[4])
            if conns >= 1 or time.monotonic() >= deadline:
                return conns, in_packets, out_packets, stats
            time.sleep(0.5)

    def wait_table(self, predicate: object, timeout: float = 60) -> dict[str, object]:
        assert callable(predicate)
        deadline = time.monotonic() + timeout
        while True:
            table = self.table()
            if predicate(table):
                return table
            if time.monotonic() > deadline:
                log = self.director.run(f"cat {STATE_DIR}/*.log").out
                raise AssertionError(f"IPVS table not as expected after {timeout}s: {table}\nchecker log:\n{log}")
            time.sleep(0.5)

    # -- the client

    def fetch(self, count: int) -> list[str]:
        """``count`` requests to the virtual address from the client; the answers' last lines."""
        script = (
            f"for i in $(seq {count}); do "
            f"timeout 8 bash -c 'exec 3<>/dev/tcp/{VIP}/80 && printf \"GET /index.html HTTP/1.0\\r\\n\\r\\n\" >&3 "
            "&& tail -n1 <&3' 2>/dev/null || echo FAILED; done"
        )
        return self.client.check(script, timeout=15 * count).split()


def reals_of(table: dict[str, object], key: str) -> dict[str, tuple[str, int]]:
    service = table.get(key)
    if service is None:
        return {}
    return {r: (d.forwarding, d.weight) for r, d in service.reals.items()}  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def lab(vms: VMSet) -> Iterator[Lab]:
    director, servers, client = vms["node1"], vms["node2"], vms["node3"]
    lab = Lab(director, servers, client, {})
    director.check("modprobe ip_vs && ipvsadm -C && sysctl -q -w net.ipv4.ip_forward=1 "
                   "net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0 "
                   "net.ipv4.conf.eth0.send_redirects=0")
    rc = director.run(f"env OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=vip HA_RSCTMP={STATE_DIR} "
                      f"OCF_RESKEY_ip={VIP} OCF_RESKEY_cidr_netmask=24 OCF_RESKEY_nic=eth0 {IPADDR2} start",
                      timeout=60)
    assert rc.rc == 0, rc.out + rc.err
    servers.check(f"ip addr add {REAL_B}/24 dev eth0 && ip route add 10.99.0.3/32 via 10.99.0.1")
    try:
        lab.serve("a", REAL_A, 80, "real-A")
        lab.serve("b", REAL_B, 80, "real-B")
        lab.serve("sorry", REAL_A, SORRY_PORT, "sorry")
        yield lab
    finally:
        director.run(f"for f in {STATE_DIR}/ldirectord-*.pid; do [ -e \"$f\" ] && kill $(cat \"$f\"); done; "
                     "ipvsadm -C; sysctl -q -w net.ipv4.ip_forward=0 net.ipv4.conf.all.send_redirects=1 "
                     "net.ipv4.conf.default.send_redirects=1 net.ipv4.conf.eth0.send_redirects=1")
        director.run(f"env OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=vip HA_RSCTMP={STATE_DIR} "
                     f"OCF_RESKEY_ip={VIP} OCF_RESKEY_cidr_netmask=24 OCF_RESKEY_nic=eth0 {IPADDR2} stop; "
                     f"rm -rf {STATE_DIR} {CONFIG}", timeout=60)
        for name in list(lab.pids):
            lab.halt(name)
        servers.run(f"ip route del 10.99.0.3/32 via 10.99.0.1; ip addr del {REAL_B}/24 dev eth0; "
                    "rm -rf /run/www-*")


NAT_CONFIG = f"""# two NAT real servers, round robin, checked over HTTP
checkinterval = 1
checktimeout = 2
quiescent = {{quiescent}}

virtual = {VIP}:80
\treal = {REAL_A}:80 masq 1
\treal = {REAL_B}:80 masq 1
{{fallback}}\tscheduler = rr
\tprotocol = tcp
\tchecktype = negotiate
\tservice = http
\trequest = "index.html"
\treceive = "real-"
"""


def nat_config(quiescent: str = "no", fallback: str | None = None) -> str:
    line = f"\tfallback = {fallback}\n" if fallback else ""
    return NAT_CONFIG.format(quiescent=quiescent, fallback=line)


@pytest.fixture
def running(lab: Lab) -> Iterator[Lab]:
    """The agent started on the NAT configuration (quiescent = no); stopped afterwards."""
    lab.configure(nat_config())
    rc, out = lab.agent("start")
    assert rc == 0, out
    try:
        yield lab
    finally:
        rc, out = lab.agent("stop")
        assert rc == 0, out
        for name, address in (("a", REAL_A), ("b", REAL_B)):
            if name not in lab.pids:
                lab.serve(name, address, 80, f"real-{name.upper()}")


def test_ldirectord_ipvs_nat_round_robin_through_the_vip(running: Lab) -> None:
    lab = running
    table = lab.table()
    config = parse_config(nat_config(), resolve=lambda h: h)
    up = {health_key(v, r): True for v in config.virtuals for r in v.reals}
    assert table == desired_table(config, up)
    assert reals_of(table, f"-t {VIP}:80") == {f"{REAL_A}:80": ("masq", 1), f"{REAL_B}:80": ("masq", 1)}
    answers = lab.fetch(6)
    assert Counter(answers) == {"real-A": 3, "real-B": 3}, answers
    assert all(answers[i] != answers[i + 1] for i in range(5)), answers  # rr alternates
    rc, out = lab.agent("monitor")
    assert rc == 0, out


def test_ldirectord_ipvs_removes_a_failed_real_server_and_adds_it_back(running: Lab) -> None:
    lab = running
    key = f"-t {VIP}:80"
    lab.halt("a")
    table = lab.wait_table(lambda t: f"{REAL_A}:80" not in reals_of(t, key))
    assert reals_of(table, key) == {f"{REAL_B}:80": ("masq", 1)}
    assert set(lab.fetch(4)) == {"real-B"}
    lab.serve("a", REAL_A, 80, "real-A")
    lab.wait_table(lambda t: f"{REAL_A}:80" in reals_of(t, key))
    assert Counter(lab.fetch(4)) == {"real-A": 2, "real-B": 2}


def test_ldirectord_ipvs_quiescent_keeps_a_failed_server_with_weight_zero(lab: Lab) -> None:
    key = f"-t {VIP}:80"
    lab.configure(nat_config(quiescent="yes"))
    rc, out = lab.agent("start")
    assert rc == 0, out
    try:
        lab.halt("b")
        table = lab.wait_table(lambda t: reals_of(t, key).get(f"{REAL_B}:80") == ("masq", 0))
        assert reals_of(table, key) == {f"{REAL_A}:80": ("masq", 1), f"{REAL_B}:80": ("masq", 0)}
        assert set(lab.fetch(4)) == {"real-A"}
        lab.serve("b", REAL_B, 80, "real-B")
        lab.wait_table(lambda t: reals_of(t, key).get(f"{REAL_B}:80") == ("masq", 1))
        assert Counter(lab.fetch(4)) == {"real-A": 2, "real-B": 2}
    finally:
        rc, out = lab.agent("stop")
        assert rc == 0, out
        if "b" not in lab.pids:
            lab.serve("b", REAL_B, 80, "real-B")


def test_ldirectord_ipvs_fallback_serves_while_every_real_server_is_down(lab: Lab) -> None:
    key = f"-t {VIP}:80"
    sorry = f"{REAL_A}:{SORRY_PORT}"
    lab.configure(nat_config(fallback=f"{sorry} masq"))
    rc, out = lab.agent("start")
    assert rc == 0, out
    try:
        assert sorry not in reals_of(lab.table(), key)
        lab.halt("a")
        lab.halt("b")
        table = lab.wait_table(lambda t: set(reals_of(t, key)) == {sorry})
        assert reals_of(table, key) == {sorry: ("masq", 1)}
        assert set(lab.fetch(3)) == {"sorry"}
        lab.serve("b", REAL_B, 80, "real-B")
        lab.wait_table(lambda t: set(reals_of(t, key)) == {f"{REAL_B}:80"})
        assert set(lab.fetch(3)) == {"real-B"}
    finally:
        rc, out = lab.agent("stop")
        assert rc == 0, out
        for name, address in (("a", REAL_A), ("b", REAL_B)):
            if name not in lab.pids:
                lab.serve(name, address, 80, f"real-{name.upper()}")


def test_ldirectord_ipvs_stop_monitor_and_a_dead_checker(lab: Lab) -> None:
    lab.configure(nat_config())
    rc, out = lab.agent("start")
    assert rc == 0, out
    assert lab.agent("start")[0] == 0  # started already: success, nothing changes
    other = lab.director.check("ipvsadm -A -t 10.99.0.200:25 -s lc && echo ok")  # not ours: never touched
    assert "ok" in other
    try:
        pid = int(lab.director.check(f"cat {STATE_DIR}/ldirectord-lvs.pid"))
        lab.director.check(f"kill -9 {pid}")
        rc, out = lab.agent("monitor")
        assert rc == 1, out
        assert "checker process is gone" in out
        rc, out = lab.agent("stop")
        assert rc == 0, out
        assert set(lab.table()) == {"-t 10.99.0.200:25"}
        assert lab.agent("monitor")[0] == 7
        assert lab.agent("stop")[0] == 0  # stopping a stopped director succeeds
    finally:
        lab.agent("stop")
        lab.director.run("ipvsadm -D -t 10.99.0.200:25")


def test_ldirectord_ipvs_bad_configuration_is_refused_and_changes_nothing(lab: Lab) -> None:
    lab.configure(f"virtual = {VIP}:80\n\treal = {REAL_A}:80 masq 1\n\tscheduler = fastest\n")
    rc, out = lab.agent("start")
    assert rc == 6, out
    assert "unknown scheduler 'fastest'" in out
    assert lab.table() == {}
    assert lab.agent("monitor")[0] == 7


DR_TUN_CONFIG = f"""checkinterval = 2
virtual = {VIP}:80
\treal = {REAL_A}:80 gate 2
\tscheduler = wlc
\tchecktype = connect

virtual = {VIP}:443
\treal = {REAL_A}:443 ipip 3
\treal = {REAL_B}:443 gate 0
\tscheduler = sh
\tpersistent = 600
\tnetmask = 255.255.255.0
\tchecktype = on

virtual = 7
\treal = {REAL_A} gate 1
\treal = {REAL_B}:8080 masq 4
\tscheduler = lblc
\tchecktype = on

virtual = {VIP}:53
\treal = {REAL_A}:53 masq 1
\tprotocol = udp
\tscheduler = dh
\tchecktype = on
"""


def test_ldirectord_ipvs_direct_routing_tunnelling_fwmark_udp_match_ipvsadm(lab: Lab) -> None:
    """Every kind of service the format can say, built by the kernel as lvs_rules computes it;
    then real traffic over direct routing (the reply goes straight from the real server)."""
    lab.configure(DR_TUN_CONFIG)
    rc, out = lab.agent("start")
    assert rc == 0, out
    servers = lab.servers
    try:
        config = parse_config(DR_TUN_CONFIG, resolve=lambda h: h)
        up = {health_key(v, r): True for v in config.virtuals for r in v.reals}
        table = lab.table()
        assert table == desired_table(config, up)
        assert reals_of(table, f"-t {VIP}:443") == {f"{REAL_A}:443": ("ipip", 3), f"{REAL_B}:443": ("gate", 0)}
        assert reals_of(table, "-f 7") == {f"{REAL_A}:0": ("gate", 1), f"{REAL_B}:8080": ("masq", 4)}
        # direct routing: the real server holds the VIP on lo and does not answer ARP for it
        servers.check(f"sysctl -q -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 && "
                      f"ip addr add {VIP}/32 dev lo && ip route del 10.99.0.3/32 via 10.99.0.1")
        try:
            lab.serve("dr", VIP, 80, "direct-routed")
            assert set(lab.fetch(3)) == {"direct-routed"}
            # the director saw the requests but none of the answers
            conns, in_packets, out_packets, stats = lab.service_stats(f"-t {VIP}:80")
            assert conns >= 1 and in_packets > 0 and out_packets == 0, stats
        finally:
            if "dr" in lab.pids:
                lab.halt("dr")
            servers.run(f"ip addr del {VIP}/32 dev lo; ip route add 10.99.0.3/32 via 10.99.0.1; sysctl -q -w "
                        "net.ipv4.conf.all.arp_ignore=0 net.ipv4.conf.all.arp_announce=0")
    finally:
        rc, out = lab.agent("stop")
        assert rc == 0, out
    assert lab.table() == {}


def article_rules(names: bool) -> str:
    """The LVS article's HA_CONFIG.sh for this network: two NAT services, rr, weight 1."""
    http, https = ("http", "https") if names else ("80", "443")
    lines = ["#!/bin/sh", f"VIRTUAL_CLUSTER_ADDRESS={VIP}", f"REAL_SERVER_IP_1={REAL_A}", f"REAL_SERVER_IP_2={REAL_B}",
             'echo "1" >/proc/sys/net/ipv4/ip_forward', 'echo "0" >/proc/sys/net/ipv4/conf/all/send_redirects',
             "/sbin/ipvsadm -C", f"/sbin/ipvsadm -A -t $VIRTUAL_CLUSTER_ADDRESS:{http} -s rr",
             f"/sbin/ipvsadm -A -t $VIRTUAL_CLUSTER_ADDRESS:{https} -s rr"]
    for n in (1, 2):
        lines += [f"/sbin/ipvsadm -a -t $VIRTUAL_CLUSTER_ADDRESS:{http} -r $REAL_SERVER_IP_{n}:{http} -m -w 1",
                  f"/sbin/ipvsadm -a -t $VIRTUAL_CLUSTER_ADDRESS:{https} -r $REAL_SERVER_IP_{n}:{https} -m -w 1"]
    return "\n".join([*lines, "/sbin/ipvsadm"]) + "\n"


ARTICLE_MON = f"""alertdir = /usr/lib/mon/alert.d

hostgroup litstat1 {REAL_A}

hostgroup litstat2 {REAL_B}

watch litstat1
    service http
        interval 1s
        monitor http.monitor -p 80 -u /index.html
        alert dowem.down.alert -h
        upalert dowem.up.alert -h
        alertafter 1

watch litstat2
    service http
        interval 1s
        monitor http.monitor -p 80 -u /index.html
        alert dowem.down.alert -h
        upalert dowem.up.alert -h
        alertafter 1
"""


def test_lvs_migrated_article_setup_builds_the_scripts_table_on_real_ipvs(lab: Lab) -> None:
    """The rules script run by the real ipvsadm, then the converted setup run by the agent:
    the kernel holds the same table, and mon's removal on failure is the checker's."""
    names = "http" in Path("/etc/services").read_text() if Path("/etc/services").exists() else False
    rules = article_rules(names)
    lab.director.write_file("/run/HA_CONFIG.sh", rules, mode=0o755)
    lab.director.check("sh /run/HA_CONFIG.sh >/dev/null")
    built_by_script = lab.table()
    assert len(built_by_script) == 2
    lab.director.check("ipvsadm -C")
    result = convert_lvs(f"node1 {VIP}/24/eth0\n", "node node1\nnode node2\n", rules, ARTICLE_MON,
                         rules_name="HA_CONFIG.sh")
    assert result.cib.xpath("//group/primitive/@type") == ["IPaddr2", "ldirectord"]
    migrated = "/run/ldirectord-migrated.cf"
    lab.director.write_file(migrated, result.ldirectord_cf)
    rc, out = lab.agent("start", config=migrated)
    assert rc == 0, out
    try:
        assert lab.table() == built_by_script
        assert Counter(lab.fetch(4)) == {"real-A": 2, "real-B": 2}
        lab.halt("b")  # mon's down alert deleted the host from both services; so does the checker
        table = lab.wait_table(lambda t: all(f"{REAL_B}:" not in r for k in t for r in reals_of(t, k)))
        assert {k: set(reals_of(table, k)) for k in table} == {f"-t {VIP}:80": {f"{REAL_A}:80"},
                                                              f"-t {VIP}:443": {f"{REAL_A}:443"}}
        lab.serve("b", REAL_B, 80, "real-B")
        assert lab.wait_table(lambda t: t == built_by_script) == built_by_script
    finally:
        rc, out = lab.agent("stop", config=migrated)
        assert rc == 0, out
        if "b" not in lab.pids:
            lab.serve("b", REAL_B, 80, "real-B")
    assert lab.table() == {}


TUNNEL_CONFIG = f"""virtual = {VIP}:80
\treal = {REAL_A}:80 ipip 1
\tscheduler = rr
\tchecktype = connect
\tcheckinterval = 2
"""


def test_ldirectord_ipvs_tunnelling_carries_requests_to_the_real_server(lab: Lab) -> None:
    """LVS-TUN: the director wraps each request in IPIP; the real server unwraps it on tunl0,
    where it holds the VIP, and answers the client directly."""
    servers = lab.servers
    lab.configure(TUNNEL_CONFIG)
    rc, out = lab.agent("start")
    assert rc == 0, out
    try:
        assert reals_of(lab.table(), f"-t {VIP}:80") == {f"{REAL_A}:80": ("ipip", 1)}
        servers.check(f"modprobe ipip && ip link set tunl0 up && ip addr add {VIP}/32 dev tunl0 && "
                      "sysctl -q -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 "
                      "net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.tunl0.rp_filter=0 && "
                      "ip route del 10.99.0.3/32 via 10.99.0.1")
        try:
            lab.serve("tun", VIP, 80, "tunnelled")
            assert set(lab.fetch(3)) == {"tunnelled"}
            assert int(servers.check("cat /sys/class/net/tunl0/statistics/rx_packets")) > 0
            conns, in_packets, out_packets, stats = lab.service_stats(f"-t {VIP}:80")
            assert conns >= 1 and in_packets > 0 and out_packets == 0, stats  # the answers did not come back this way
        finally:
            if "tun" in lab.pids:
                lab.halt("tun")
            servers.run(f"ip addr del {VIP}/32 dev tunl0; ip link set tunl0 down; "
                        "ip route add 10.99.0.3/32 via 10.99.0.1; sysctl -q -w net.ipv4.conf.all.arp_ignore=0 "
                        "net.ipv4.conf.all.arp_announce=0")
    finally:
        rc, out = lab.agent("stop")
        assert rc == 0, out


SCHEDULER_NAMES = ("rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq")


def generated_config(rng: random.Random) -> str:
    """A configuration with every kind of service, forwarding and option, checks off or on."""
    text = ""
    used: set[str] = set()
    for index in range(rng.randint(1, 4)):
        kind = rng.choice(["tcp", "udp", "fwm"])
        if kind == "fwm":
            head = f"virtual = {rng.randint(1, 50)}"
        else:
            head = f"virtual = 10.99.1.{rng.randint(1, 20)}:{rng.choice([80, 443, 53, 8080])}"
        if head in used:
            continue
        used.add(head)
        text += head + "\n"
        if kind == "udp":
            text += "\tprotocol = udp\n"
        for n in rng.sample(range(1, 60), rng.randint(0, 4)):
            fwd = rng.choice(["gate", "masq", "ipip"])
            port = f":{rng.choice([80, 81, 8443])}" if fwd == "masq" or rng.random() < 0.3 else ""
            text += f"\treal = 10.99.2.{n}{port} {fwd} {rng.randint(0, 65535)}\n"
        text += f"\tscheduler = {rng.choice(SCHEDULER_NAMES)}\n"
        if rng.random() < 0.4:
            text += f"\tpersistent = {rng.randint(1, 3600)}\n"
            if rng.random() < 0.5:
                text += f"\tnetmask = {rng.choice(['255.255.255.0', '255.255.0.0', '255.255.255.255'])}\n"
        text += f"\tchecktype = {rng.choice(['on', 'on', 'off'])}\n"
        if rng.random() < 0.3:
            text += f"\tfallback = 10.99.3.{index + 1}:80 masq {rng.randint(1, 9)}\n"
    return text


@pytest.mark.parametrize("seed", range(4))
def test_ldirectord_ipvs_generated_configurations_build_the_computed_table(lab: Lab, seed: int) -> None:
    """Differential on generated configurations: the table the real kernel holds after start
    is the one lvs_rules computes (ipvsadm's port, persistence and netmask rules included)."""
    text = generated_config(random.Random(seed))
    config = parse_config(text, resolve=lambda h: h)
    lab.configure(text)
    rc, out = lab.agent("start")
    assert rc == 0, out + text
    try:
        assert lab.table() == desired_table(config, {}), text
    finally:
        rc, out = lab.agent("stop")
        assert rc == 0, out
    assert lab.table() == {}
