"""Property tests: any well-formed Heartbeat configuration gives a consistent CIB."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from migrate_support import AgentTree

from crm.migrate import Mode, convert, corosync_conf
from crm.migrate.agents import historical_ip_slots, parse_ip_spec
from crm.migrate.corosync_parse import parse_corosync_conf
from crm.migrate.minidom_format import minidom_pretty

SCHEMA = Path("/usr/share/pacemaker/pacemaker-3.9.rng")
NODES = ["alpha", "beta", "gamma"]
settings.register_profile("migrate", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture])
settings.load_profile("migrate")

names = st.from_regex(r"[a-z][a-z0-9]{0,7}", fullmatch=True)


@st.composite
def resource_words(draw: st.DrawFn, ip_host: int) -> str:
    kind = draw(st.sampled_from(["ip", "IPaddr", "IPaddr2", "drbd", "fs", "apache", "lsb", "dummy", "mail"]))
    if kind in ("ip", "IPaddr", "IPaddr2"):
        spec = f"10.{ip_host // 250}.{ip_host % 250}.1"
        if draw(st.booleans()):
            spec += "/24"
        if draw(st.booleans()):
            spec += "/eth" + str(draw(st.integers(0, 3)))
        return spec if kind == "ip" else f"{kind}::{spec}"
    if kind == "drbd":
        return f"drbddisk::r{draw(st.integers(0, 3))}"
    if kind == "fs":
        return f"Filesystem::/dev/drbd{draw(st.integers(0, 3))}::/srv/{draw(names)}::ext4"
    if kind == "apache":
        return draw(st.sampled_from(["apache", "apache::/etc/apache2/apache2.conf"]))
    if kind == "lsb":
        return draw(st.sampled_from(["httpd", "mysqld", "vsftpd"]))
    if kind == "mail":
        return f"MailTo::{draw(names)}@example.com"
    return f"Dummy::/run/{draw(names)}"


@st.composite
def haresources(draw: st.DrawFn) -> str:
    lines = []
    count = draw(st.integers(1, 6))
    used_ids: set[str] = set()
    for number in range(count):
        words = [draw(resource_words(number * 10 + i)) for i in range(draw(st.integers(1, 4)))]
        line = f"{draw(st.sampled_from(NODES))} " + " \\\n   ".join(words)
        suffix = draw(st.sampled_from(["", "id", "clone"]))
        if suffix == "id":
            name = f"svc_{draw(names)}"
            if name not in used_ids:
                used_ids.add(name)
                line += f" #{name}"
        elif suffix == "clone" and len(words) == 1 and not words[0].startswith(("drbddisk", "IP", "10.")):
            line += f" #clone:cl_{number}"
        lines.append(line)
        if draw(st.booleans()):
            lines.append("# a comment\n")
    return "\n".join(lines) + "\n"


@st.composite
def hacf(draw: st.DrawFn) -> str:
    nodes = NODES[: draw(st.integers(2, 3))]
    lines = [f"node {' '.join(nodes)}", f"auto_failback {draw(st.sampled_from(['on', 'off', 'legacy']))}"]
    if draw(st.booleans()):
        lines += ["ping 10.255.0.1", "respawn hacluster /usr/lib/heartbeat/pingd -m 100 -d 5s"]
    if draw(st.booleans()):
        lines.append("stonith_host * external/ssh " + ",".join(nodes))
    return "\n".join(lines) + "\n"


def schema() -> etree.RelaxNG | None:
    return etree.RelaxNG(etree.parse(str(SCHEMA))) if SCHEMA.exists() else None


RNG = schema()


@given(haresources(), hacf())
def test_default_cib_is_consistent(agents: AgentTree, text: str, config: str) -> None:
    cib = convert(text, config, resource_dir=agents.resource_dir, initd_dir=agents.initd_dir).cib
    ids = [e.get("id") for e in cib.iter() if isinstance(e.tag, str) and e.get("id") and e.tag != "node"]
    assert len(ids) == len(set(ids))
    resources = {e.get("id") for e in cib.xpath("//resources//*[self::primitive or self::group or self::clone]")}
    for constraint in cib.xpath("//constraints/*"):
        for attribute in ("rsc", "with-rsc", "first", "then"):
            if constraint.get(attribute) is not None:
                assert constraint.get(attribute) in resources
    # Every haresources line is placed: one preference per non-clone line.
    assert cib.xpath("//rsc_location[@node or rule/expression[@attribute='#uname']]")
    if RNG is not None:
        assert RNG.validate(etree.ElementTree(cib)), RNG.error_log


@given(haresources(), hacf())
def test_compat_output_round_trips(agents: AgentTree, text: str, config: str) -> None:
    result = convert(text, config, mode=Mode.COMPAT, resource_dir=agents.resource_dir, initd_dir=agents.initd_dir)
    printed = result.to_xml()
    assert printed.startswith('<?xml version="1.0" ?>\n<cib ')
    reparsed = etree.fromstring(printed.split("\n", 1)[1].encode(), etree.XMLParser(remove_blank_text=True))
    assert etree.tostring(reparsed, method="c14n") == etree.tostring(result.cib, method="c14n")
    assert minidom_pretty(reparsed) == printed


@given(
    st.ip_addresses(v=4),
    st.one_of(st.none(), st.integers(1, 32)),
    st.one_of(st.none(), st.from_regex(r"eth[0-9]|bond[0-9]|ens[0-9]{1,3}", fullmatch=True)),
    st.booleans(),
    st.booleans(),
)
def test_ip_spec_fields_parse_in_any_order(
    ip: ipaddress.IPv4Address, bits: int | None, nic: str | None, swap: bool, with_broadcast: bool
) -> None:
    fields = [str(bits) if bits is not None else None, nic]
    if swap:
        fields.reverse()
    broadcast = None
    if with_broadcast and bits is not None:
        broadcast = str(ipaddress.IPv4Network(f"{ip}/{bits}", strict=False).broadcast_address)
    spec = "/".join([str(ip), *[f for f in fields if f], *([broadcast] if broadcast else [])])
    parsed = parse_ip_spec(spec)
    assert (parsed.ip, parsed.cidr_netmask, parsed.nic, parsed.broadcast) == (str(ip), bits, nic, broadcast)
    slots = historical_ip_slots(spec)
    assert slots.get(0) == str(ip) and slots.get(1) == nic and slots.get(3) == broadcast
    assert slots.get(2) == (str(bits) if bits is not None else None)


@given(
    st.lists(st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True), min_size=1, max_size=8, unique=True),
    st.lists(st.sampled_from(["bcast eth0", "bcast eth1", "ucast eth2 10.9.9.9", "serial /dev/ttyS0"]), max_size=4),
    st.one_of(st.none(), st.integers(1, 60)),
)
def test_corosync_conf_parses_back(nodes: list[str], media: list[str], deadtime: int | None) -> None:
    text = "\n".join([*media, f"node {' '.join(nodes)}", *([f"deadtime {deadtime}"] if deadtime else [])]) + "\n"
    conf = parse_corosync_conf(corosync_conf(text, None, key=bytes(256)).text)
    listed = [n.values for n in conf.section("nodelist").all("node")]
    assert [n["name"] for n in listed] == nodes
    assert sorted(int(n["nodeid"]) for n in listed) == list(range(1, len(nodes) + 1))
    assert all(set(n) == {"name", "nodeid", "ring0_addr"} for n in listed)
    assert (conf.section("quorum").values.get("two_node") == "1") == (len(nodes) == 2)
    assert conf.section("totem").values.get("token") == (str(deadtime * 1000) if deadtime else None)


@pytest.fixture
def agents(tmp_path_factory: pytest.TempPathFactory) -> AgentTree:
    return AgentTree(tmp_path_factory.mktemp("agents"))
