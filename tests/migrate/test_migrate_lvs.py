"""LVS director migration: ipvsadm rules script + mon.cf + haresources -> ldirectord.cf + CIB.

The converted configuration is read back by the agent's own parser and must give the IPVS
table that the script's commands build when played on the ipvsadm model (two separate
readings of the same commands); Debian's crm_verify must accept the CIB.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import ipaddress
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.cli.lvs2cib import main as lvs2cib
from crm.migrate import MigrationError
from crm.migrate.ipvsadm_script import parse_ipvsadm_script
from crm.migrate.lvs_director import convert_lvs
from crm.migrate.mon_cf import parse_mon_cf

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "agents" / "lib"))
from lvs_config import parse_config  # noqa: E402
from lvs_rules import desired_table, health_key  # noqa: E402


def load_model() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pacer_ipvsadm_model_m", REPO / "tests" / "agents" / "ipvsadm_model.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MODEL = load_model()

# ---------------------------------------------------------------- the LVS article's setup

VIP = "192.168.71.205"
REALS = ("192.168.71.220", "192.168.71.150", "192.168.71.121", "192.168.71.145", "192.168.71.185",
         "192.168.71.186")


def article_rules() -> str:
    """HA_CONFIG.sh as the article builds it: variables, sysctls, -C, two rr services, six NAT servers."""
    lines = ["#!/bin/sh", f"VIRTUAL_CLUSTER_ADDRESS={VIP}"]
    lines += [f"REAL_SERVER_IP_{n}={ip}" for n, ip in enumerate(REALS, 1)]
    lines += ['echo "1" >/proc/sys/net/ipv4/ip_forward', 'echo "0" >/proc/sys/net/ipv4/conf/all/send_redirects',
              "/sbin/ipvsadm -C", "/sbin/ipvsadm -A -t $VIRTUAL_CLUSTER_ADDRESS:http -s rr",
              "/sbin/ipvsadm -A -t $VIRTUAL_CLUSTER_ADDRESS:https -s rr"]
    for n in range(1, len(REALS) + 1):
        lines += [f"# Forward HTTP to REAL_SERVER_IP_{n} using LVS-NAT (-m), with weight=1",
                  f"/sbin/ipvsadm -a -t $VIRTUAL_CLUSTER_ADDRESS:http -r $REAL_SERVER_IP_{n}:http -m -w 1",
                  f"/sbin/ipvsadm -a -t $VIRTUAL_CLUSTER_ADDRESS:https -r $REAL_SERVER_IP_{n}:https -m -w 1"]
    lines += ['echo "NEW IPVSADM TABLE:"', "/sbin/ipvsadm"]
    return "\n".join(lines) + "\n"


def article_mon(blank_lines: bool = True) -> str:
    text = "alertdir = /usr/lib64/mon/alert.d\nmondir = /usr/lib64/mon/mon.d\nrandstart = 60s\ndtlogging = yes\n\n"
    text += "".join(f"hostgroup litstat{n} {ip}\n" for n, ip in enumerate(REALS, 1))
    for n in range(1, len(REALS) + 1):
        text += "\n" if blank_lines else ""
        text += (f"watch litstat{n}\nservice http\ndescription http check servers\ninterval 6s\n"
                 "monitor http.monitor -p 80 -u /index.html\nallow_empty_group\nperiod wd {Mon-Sun}\n"
                 "alert dowem.down.alert -h\nupalert dowem.up.alert -h\nalertevery 600s\nalertafter 1\n")
    return text


HACF = ("use_logd on\nnode litsha22\nnode litsha23\nnode litsha21\nkeepalive 3\ndeadtime 10\n"
        "ucast eth1 192.168.68.201\nrespawn hacluster /usr/lib/heartbeat/pingd -m 100 -d 5s\n"
        "ping litrout71_vip\ncrm yes\n")
HARESOURCES = f"litsha21 {VIP}/24/eth0/192.168.71.255\n"


def verify(xml: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    crm_verify = Path("/usr/sbin/crm_verify")
    if not crm_verify.exists():
        pytest.skip("Debian's crm_verify is not installed")
    path = tmp_path / "cib.xml"
    path.write_text(xml)
    return subprocess.run([str(crm_verify), "-V", "-x", str(path)], capture_output=True, text=True, timeout=60)


def test_the_article_setup_converts() -> None:
    result = convert_lvs(HARESOURCES, HACF, article_rules(), article_mon(), rules_name="HA_CONFIG.sh")
    config = parse_config(result.ldirectord_cf, resolve=lambda h: h)
    http, https = config.virtuals
    assert (http.key, https.key) == (f"-t {VIP}:80", f"-t {VIP}:443")
    for virtual, port in ((http, 80), (https, 443)):
        assert [(r.address, r.port, r.forwarding, r.weight) for r in virtual.reals] == [
            (ip, port, "masq", 1) for ip in REALS]
        assert (virtual.scheduler, virtual.checktype, virtual.service, virtual.request) == (
            "rr", "negotiate", "http", "/index.html")
        assert (virtual.checkinterval, virtual.failurecount, virtual.quiescent) == (6.0, 1, False)
    assert https.checkport == 80 and http.checkport is None  # mon's http watch decided for both
    group = result.cib.find("configuration/resources/group")
    assert group is not None
    assert [(p.get("class"), p.get("provider"), p.get("type")) for p in group.iter("primitive")] == [
        ("ocf", "heartbeat", "IPaddr2"), ("ocf", "pacer", "ldirectord")]
    assert result.cib.xpath("//primitive[@type='ldirectord']/instance_attributes/nvpair/@value") == [
        "/etc/ha.d/ldirectord.cf"]
    messages = [str(w) for w in result.warnings]
    assert any("net.ipv4.ip_forward" in m for m in messages)
    assert any("checked over http on port 80" in m for m in messages)


def test_mon_files_without_blank_lines_read_the_same() -> None:
    def checks(text: str) -> list[object]:
        return [dataclasses.replace(c, line=0) for c in parse_mon_cf(text).checks]

    assert checks(article_mon(True)) == checks(article_mon(False))
    assert len(checks(article_mon(False))) == len(REALS)


@pytest.mark.oracle
@pytest.mark.parametrize("haresources", [
    HARESOURCES,
    f"litsha21 {VIP}/24/eth0/192.168.71.255 ldirectord::ldirectord.cf\n",
    f"litsha21 {VIP}/24/eth0 \\\n  ldirectord::/etc/lvs/director.cf\n",
    f"litsha21 {VIP}/24/eth0\nlitsha22 ldirectord\n",
    f"litsha21 IPaddr2::{VIP}/24/eth0 #vip\nlitsha22 10.0.0.9 ldirectord::ld.cf #director\n",
])
def test_crm_verify_accepts_the_cib(haresources: str, tmp_path: Path) -> None:
    result = convert_lvs(haresources, HACF, article_rules(), article_mon())
    done = verify(result.to_xml(), tmp_path)
    assert done.returncode == 0, done.stderr
    director = result.cib.xpath("//primitive[@type='ldirectord']")[0]
    ip = next(p for p in result.cib.xpath("//primitive[@type='IPaddr2']")
              if p.xpath("instance_attributes/nvpair[@name='ip']/@value") == [VIP])
    parent = director.getparent()
    if parent.tag == "group" and ip.getparent() is parent:  # together, address first
        members = list(parent.iter("primitive"))
        assert members.index(ip) < members.index(director)
    else:
        anchor = parent.get("id") if parent.tag == "group" else director.get("id")
        ip_anchor = ip.getparent().get("id") if ip.getparent().tag == "group" else ip.get("id")
        assert result.cib.xpath(f"//rsc_colocation[@rsc='{anchor}'][@with-rsc='{ip_anchor}'][@score='INFINITY']")
        assert result.cib.xpath(f"//rsc_order[@first='{ip_anchor}'][@then='{anchor}']")


def test_configuration_file_named_in_haresources() -> None:
    result = convert_lvs(f"n1 {VIP} ldirectord::ld.cf\n", "node n1\n", article_rules())
    assert result.configfile == "/etc/ha.d/ld.cf"
    assert convert_lvs(f"n1 {VIP} ldirectord::ld.cf\n", "node n1\n", article_rules(),
                       configfile="/srv/lvs.cf").configfile == "/srv/lvs.cf"


def test_without_mon_nothing_is_checked_and_that_is_said() -> None:
    result = convert_lvs(HARESOURCES, HACF, article_rules())
    config = parse_config(result.ldirectord_cf, resolve=lambda h: h)
    assert {v.checktype for v in config.virtuals} == {"on"}
    assert any("never checked" in str(w) for w in result.warnings)


@pytest.mark.parametrize(("rules", "mon", "haresources", "message"), [
    ("for h in 1 2; do ipvsadm -a -t 1.2.3.4:80 -r 10.0.0.$h; done\n", None, HARESOURCES,
     "rules:1: an ipvsadm command inside a shell construct"),
    ("ipvsadm -a -t 1.2.3.4:80 -r 10.0.0.1 -m\n", None, HARESOURCES, "rules:1: ipvsadm -a: no service tcp 1.2.3.4:80"),
    ("ipvsadm -A -t 1.2.3.4:80\nipvsadm -A -t 1.2.3.4:80\n", None, HARESOURCES, "rules:2: ipvsadm -A: service tcp "
     "1.2.3.4:80 already exists (line 1)"),
    ("ipvsadm -A -t 1.2.3.4 -s rr\n", None, HARESOURCES, "rules:1: '1.2.3.4' needs a port"),
    ("ipvsadm -A -t 1.2.3.4:80 --frobnicate\n", None, HARESOURCES, "ipvsadm option '--frobnicate' is not understood"),
    ("echo hello\n", None, HARESOURCES, "rules: the script defines no virtual service"),
    (None, "watch nosuch\nservice http\nmonitor http.monitor\n", HARESOURCES, "mon.cf:1: watch nosuch: no such hostgroup"),
    (None, None, "n1 10.9.9.9\n", "no haresources line holds a virtual address (192.168.71.205)"),
    (None, "hostgroup a 192.168.71.220\nhostgroup b 192.168.71.150\n\nwatch a\nservice http\n"
           "monitor http.monitor -u /a\n\nwatch b\nservice http\nmonitor tcp.monitor -p 80\n", HARESOURCES,
     "are watched differently by mon"),
])
def test_bad_input_is_a_clear_error(rules: str | None, mon: str | None, haresources: str, message: str) -> None:
    with pytest.raises(MigrationError) as info:
        convert_lvs(haresources, HACF, rules or article_rules(), mon, rules_name="rules")
    assert any(message in str(d) for d in info.value.diagnostics), [str(d) for d in info.value.diagnostics]


# ---------------------------------------------------------------- generated scripts


ip_numbers = st.integers(min_value=0x0A000101, max_value=0x0A0001FE)


@st.composite
def scripts(draw: st.DrawFn) -> tuple[str, list[list[str]]]:
    """A rules script and the same commands spelled out for the ipvsadm model."""
    lines = ["#!/bin/sh", "/sbin/ipvsadm -C"]
    model: list[list[str]] = [["-C"]]
    variables: dict[str, str] = {}
    services: list[tuple[str, str, int]] = []  # (flag, address or mark, port)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["-t", "-u", "-f"]))
        if kind == "-f":
            mark = draw(st.integers(1, 99))
            spec, model_spec, port = str(mark), str(mark), 0
        else:
            address = str(ipaddress.IPv4Address(draw(ip_numbers)))
            port = draw(st.sampled_from([80, 443, 8080, 53]))
            name = f"VIP{len(variables)}"
            variables[name] = address
            lines.append(f'{name}="{address}"')
            spec, model_spec = f"${{{name}}}:{ {80: 'http', 443: 'https'}.get(port, port)}", f"{address}:{port}"
        if any(s[0] == kind and s[1] == model_spec for s in services):
            continue
        services.append((kind, model_spec, port))
        scheduler = draw(st.sampled_from(["rr", "wrr", "lc", "wlc", "sh", "dh"]))
        extra, model_extra = [], []
        persistent = draw(st.one_of(st.none(), st.integers(1, 900), st.just(0)))
        if persistent is not None:
            extra = ["-p"] + ([str(persistent)] if persistent else [])
            model_extra = ["-p", str(persistent or 360)]
        lines.append(" ".join(["ipvsadm", "-A", kind, spec, "-s", scheduler, *extra]))
        model.append(["-A", kind, model_spec, "-s", scheduler, *model_extra])
        used: set[str] = set()
        for _ in range(draw(st.integers(0, 4))):
            real = str(ipaddress.IPv4Address(draw(ip_numbers)))
            fwd = draw(st.sampled_from(["-m", "-g", "-i"]))
            rport = draw(st.sampled_from([80, 8080, 443])) if fwd == "-m" else port
            if real in used:
                continue
            used.add(real)
            weight = draw(st.integers(0, 65535))
            target = f"{real}:{rport}" if rport else real
            lines.append(f"/sbin/ipvsadm --add-server {kind} {spec} -r {target} {fwd} -w {weight}")
            model.append(["-a", kind, model_spec, "-r", f"{real}:{rport}", fwd, "-w", str(weight)])
            if draw(st.integers(0, 4)) == 0:
                weight = draw(st.integers(0, 100))
                lines.append(f"ipvsadm -e {kind} {spec} -r {target} {fwd} -w {weight}  # reweigh")
                model.append(["-e", kind, model_spec, "-r", f"{real}:{rport}", fwd, "-w", str(weight)])
            elif draw(st.integers(0, 5)) == 0:
                lines.append(f"ipvsadm -d {kind} {spec} -r {target}")
                model.append(["-d", kind, model_spec, "-r", f"{real}:{rport}"])
    return "\n".join(lines) + "\n", model


@settings(max_examples=120, deadline=None)
@given(scripts())
def test_the_director_builds_the_table_the_script_built(case: tuple[str, list[list[str]]]) -> None:
    script, commands = case
    table: dict[str, object] = {}
    for argv in commands:
        table = MODEL.apply(table, argv)
    vips = sorted({t.split()[1].rsplit(":", 1)[0] for t in table if not t.startswith("-f")})
    haresources = "n1 " + " ".join(vips or ["10.0.9.9 ldirectord"]) + "\n"
    result = convert_lvs(haresources, "node n1\n", script)
    config = parse_config(result.ldirectord_cf, resolve=lambda h: h)
    up = {health_key(v, r): True for v in config.virtuals for r in v.reals}
    assert desired_table(config, up) == table
    assert parse_ipvsadm_script(script).services  # the script reader agrees there is something


@pytest.mark.oracle
def test_crm_verify_accepts_a_generated_setup(tmp_path: Path) -> None:
    script = ("VIP=10.0.1.1\nipvsadm -A -t $VIP:80 -s wlc -p\nipvsadm -a -t $VIP:80 -r 10.0.1.2:80 -g -w 3\n"
              "ipvsadm -A -u $VIP:53 -s rr\nipvsadm -a -u $VIP:53 -r 10.0.1.3 -m\n")
    result = convert_lvs("n1 10.0.1.1/24/eth0 ldirectord\n", "node n1\nnode n2\n", script)
    done = verify(result.to_xml(), tmp_path)
    assert done.returncode == 0, done.stderr


# ---------------------------------------------------------------- the command


def write_inputs(tmp_path: Path) -> list[str]:
    (tmp_path / "haresources").write_text(HARESOURCES)
    (tmp_path / "ha.cf").write_text(HACF)
    (tmp_path / "HA_CONFIG.sh").write_text(article_rules())
    (tmp_path / "mon.cf").write_text(article_mon())
    return [str(tmp_path / "haresources"), "-c", str(tmp_path / "ha.cf"), "-r", str(tmp_path / "HA_CONFIG.sh"),
            "-m", str(tmp_path / "mon.cf")]


def test_lvs2cib_writes_both_files_and_never_half(tmp_path: Path) -> None:
    args = write_inputs(tmp_path)
    cf, cib = tmp_path / "ldirectord.cf", tmp_path / "cib.xml"
    outputs = ["--ldirectord-out", str(cf), "-o", str(cib)]
    done = CliRunner().invoke(lvs2cib, [*args, *outputs])
    assert done.exit_code == 0, done.output
    assert parse_config(cf.read_text(), resolve=lambda h: h).virtuals
    assert 'provider="pacer" type="ldirectord"' in cib.read_text()
    again = CliRunner().invoke(lvs2cib, [*args, *outputs])
    assert again.exit_code == 1 and "exists; use --force" in again.output
    cf.unlink()
    cib.unlink()
    (tmp_path / "HA_CONFIG.sh").write_text("ipvsadm -a -t 1.2.3.4:80 -r 10.0.0.1\n")
    bad = CliRunner().invoke(lvs2cib, [*args, *outputs])
    assert bad.exit_code == 1 and "no service tcp 1.2.3.4:80" in bad.output
    assert not cf.exists() and not cib.exists()


def test_lvs2cib_stdout(tmp_path: Path) -> None:
    args = write_inputs(tmp_path)
    done = CliRunner().invoke(lvs2cib, [*args, "--stdout", "--quiescent", "--fallback", "127.0.0.1:80"])
    assert done.exit_code == 0, done.output
    assert "<cib" in done.output and "not written" in done.output
    cf = tmp_path / "ld.cf"
    done = CliRunner().invoke(lvs2cib, [*args, "--stdout", "--quiescent", "--fallback", "127.0.0.1:80",
                                        "--ldirectord-out", str(cf)])
    config = parse_config(cf.read_text(), resolve=lambda h: h)
    assert all(v.quiescent and v.fallback is not None for v in config.virtuals)
