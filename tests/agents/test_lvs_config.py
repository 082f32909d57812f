"""ldirectord.cf parsing (agents/lib/lvs_config.py): values, defaults, errors, and a round trip."""

from __future__ import annotations

import ipaddress
import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "agents" / "lib"))
from lvs_config import SCHEDULERS, ConfigError, RealServer, parse_config


def no_dns(host: str) -> str:
    raise OSError(f"no DNS in tests ({host})")


def parse(text: str, **kwargs: object) -> object:
    return parse_config(text, file="ld.cf", resolve=kwargs.pop("resolve", no_dns), **kwargs)  # type: ignore[arg-type]


EXAMPLE = """\
# global
checktimeout = 3
checkinterval = 4
quiescent = no
fallback = 127.0.0.1:80

virtual = 192.168.71.205:80
\treal = 192.168.71.220:80 masq 1
\treal = 192.168.71.150:80 masq 2 "alive.html", "OK"  # a comment
\tscheduler = rr
\tservice = http
\trequest = "index.html"
\treceive = "Welcome #1"
\tquiescent = yes

virtual = 192.168.71.205:https
\treal=192.168.71.220 gate
\tchecktype = connect
\tcheckinterval = 9
\tpersistent = 600
\tnetmask = 255.255.255.0
"""


def test_parses_the_example_with_its_overrides_and_defaults() -> None:
    config = parse(EXAMPLE)
    http, https = config.virtuals  # type: ignore[attr-defined]
    assert http.key == "-t 192.168.71.205:80"
    assert http.reals == (
        RealServer("192.168.71.220", 80, "masq", 1, None, None, 8),
        RealServer("192.168.71.150", 80, "masq", 2, "alive.html", "OK", 9),
    )
    assert (http.scheduler, http.service, http.request, http.receive) == ("rr", "http", "index.html", "Welcome #1")
    assert (http.checktimeout, http.negotiatetimeout, http.checkinterval, http.quiescent) == (3.0, 3.0, 4.0, True)
    assert http.fallback == RealServer("127.0.0.1", 80, "gate", 1, None, None, 5)
    assert https.key == "-t 192.168.71.205:443"
    assert (https.scheduler, https.checktype, https.service) == ("wrr", "connect", "https")  # defaults by port
    assert (https.checkinterval, https.quiescent, https.persistent, https.netmask) == (9.0, False, 600,
                                                                                       "255.255.255.0")
    assert https.reals[0].port is None and https.real_port(https.reals[0]) == 443
    assert config.cleanstop and config.warnings == ()  # type: ignore[attr-defined]


def test_firewall_marks_udp_ranges_and_ipv6() -> None:
    config = parse(
        "virtual = 7\n\treal = 10.0.0.1->10.0.0.3 gate 5\n\tchecktype = on\n"
        "virtual = 10.0.0.9:53\n\tprotocol = udp\n\treal = 10.0.0.1:53 masq\n\tchecktype = ping\n"
        "virtual = [2001:db8::1]:80\n\treal = [2001:db8::2]:8080 masq 1\n\tchecktype = connect\n"
    )
    fwm, udp, six = config.virtuals  # type: ignore[attr-defined]
    assert fwm.key == "-f 7" and fwm.protocol == "fwm"
    assert [r.address for r in fwm.reals] == ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
    assert {r.weight for r in fwm.reals} == {5}
    assert udp.key == "-u 10.0.0.9:53"
    assert six.key == "-t [2001:db8::1]:80" and str(six.real_endpoint(six.reals[0])) == "[2001:db8::2]:8080"


def test_gate_and_ipip_use_the_service_port_but_check_the_real_one() -> None:
    config = parse("virtual = 10.0.0.9:80\n\treal = 10.0.0.1:8080 gate\n\tchecktype = connect\n")
    virtual = config.virtuals[0]  # type: ignore[attr-defined]
    real = virtual.reals[0]
    assert virtual.real_port(real) == 80 and virtual.check_port(real) == 8080
    assert any("used for checks only" in w for w in config.warnings)  # type: ignore[attr-defined]


def test_host_names_are_resolved() -> None:
    names = {"web1": "10.1.0.1", "vip": "10.1.0.100"}
    config = parse("virtual = vip:http\n\treal = web1:http masq\n\tchecktype = connect\n", resolve=names.__getitem__)
    assert config.virtuals[0].key == "-t 10.1.0.100:80"  # type: ignore[attr-defined]
    assert config.virtuals[0].reals[0].address == "10.1.0.1"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("text", "message"), [
    ("virtual = 10.0.0.1:80\n\treal = 10.0.0.2:80 nat\n", "ld.cf:2: real: forwarding method must be gate, masq or ipip"),
    ("virtual = 10.0.0.1:80\n\treal = 10.0.0.2:80 masq 70000\n", "ld.cf:2: real: weight 70000 is out of range 0..65535"),
    ("virtual = 10.0.0.1:80\n\tscheduler = fastest\n", "ld.cf:2: unknown scheduler 'fastest'"),
    ("virtual = 10.0.0.1:80\n\tfrobnicate = 1\n", "ld.cf:2: unknown directive 'frobnicate'"),
    ("\treal = 10.0.0.2:80 masq\n", "ld.cf:1: indented 'real' outside a 'virtual =' section"),
    ("scheduler = rr\nvirtual = 10.0.0.1:80\n", "ld.cf:1: 'scheduler' belongs in a 'virtual =' section"),
    ("virtual = 10.0.0.1:80\nvirtual = 10.0.0.1:80\n", "ld.cf:2: virtual service -t 10.0.0.1:80 already defined (line 1)"),
    ("virtual = 10.0.0.1\n", "ld.cf:1: virtual: expected IP:PORT or a firewall mark"),
    ("virtual = 10.0.0.1:99999\n", "ld.cf:1: virtual: port 99999 is out of range"),
    ("virtual = nowhere:80\n", "ld.cf:1: virtual: cannot resolve host name 'nowhere'"),
    ("virtual = 10.0.0.1:80\n\treal = 10.0.0.2:80 masq\n\treal = 10.0.0.2:80 masq\n", "ld.cf:3: real server 10.0.0.2 is listed twice"),
    ("virtual = 10.0.0.1:80\n\treceive = \"(\"\n", "ld.cf:2: receive '(' is not a valid regular expression"),
    ("virtual = 10.0.0.1:80\n\tchecktype = external\n", "checktype external (external check commands) is not supported"),
    ("virtual = 10.0.0.1:25\n\tservice = smtp\n", "ld.cf:2: service smtp: negotiate checks of smtp are not supported"),
    ("virtual = 5\n\treal = 10.0.0.2 masq\n", "a masq real server of a firewall-mark service needs a port"),
    ("virtual = 10.0.0.1:80\n\tprotocol = fwm\n", "protocol fwm needs a firewall mark"),
    ("virtual = 10.0.0.1:80\n\tcheckinterval = soon\n", "ld.cf:2: checkinterval: expected a number of seconds"),
    ("virtual = 10.0.0.1:80\n\tquiescent = maybe\n", "ld.cf:2: quiescent: expected yes or no"),
    ("virtual = 10.0.0.1:80\n\treal = 10.0.0.9->10.0.0.2 gate\n", "bad address range"),
    ("checkinterval = 1\n", "ld.cf: no 'virtual =' section"),
    ("virtual 10.0.0.1:80\n", "ld.cf:1: expected 'name = value'"),
])
def test_bad_configuration_is_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse(text)
    assert any(message in problem for problem in info.value.problems), info.value.problems


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as info:
        parse("virtual = 10.0.0.1:80\n\treal = 10.0.0.2:80 nat\n\tscheduler = x\nbogus = 1\n")
    assert [p.split(":")[1] for p in info.value.problems] == ["2", "3", "4"]


def test_ignored_directives_are_warnings() -> None:
    config = parse("emailalert = root@localhost\nvirtual = 10.0.0.1:80\n\tchecktype = connect\n\treal = 10.0.0.2:80 masq\n")
    assert config.warnings == ("ld.cf:1: 'emailalert' has no effect here; ignored",)  # type: ignore[attr-defined]


# ---------------------------------------------------------------- round trip

ipv4 = st.integers(min_value=0x0A000001, max_value=0x0AFFFFFE).map(lambda n: str(ipaddress.IPv4Address(n)))
ports = st.integers(min_value=1, max_value=65535)
reals = st.lists(st.tuples(ipv4, ports, st.sampled_from(["gate", "masq", "ipip"]),
                           st.integers(min_value=0, max_value=65535)),
                 min_size=0, max_size=5, unique_by=lambda r: r[0])
virtuals = st.lists(
    st.tuples(ipv4, ports, st.sampled_from(sorted(SCHEDULERS)), reals, st.booleans(),
              st.sampled_from(["connect", "ping", "on", "off", "negotiate"]),
              st.integers(min_value=1, max_value=3600), st.integers(min_value=1, max_value=10)),
    min_size=1, max_size=4, unique_by=lambda v: (v[0], v[1]),
)


@settings(max_examples=150, deadline=None)
@given(virtuals)
def test_what_is_written_is_what_is_read(specs: list[tuple]) -> None:  # type: ignore[type-arg]
    text = ""
    for address, port, scheduler, real_list, quiescent, checktype, interval, failures in specs:
        text += f"virtual = {address}:{port}\n"
        for raddr, rport, fwd, weight in real_list:
            text += f"    real = {raddr}:{rport} {fwd} {weight}\n"
        text += (f"\tscheduler = {scheduler}\n\tquiescent = {'yes' if quiescent else 'no'}\n"
                 f"\tchecktype = {checktype}\n\tcheckinterval = {interval}\n\tfailurecount = {failures}\n")
        if checktype == "negotiate":
            text += '\tservice = http\n\trequest = "/alive"\n\treceive = "ok|OK"\n'
    config = parse(text)
    assert len(config.virtuals) == len(specs)  # type: ignore[attr-defined]
    for virtual, (address, port, scheduler, real_list, quiescent, checktype, interval, failures) in zip(
            config.virtuals, specs, strict=True):  # type: ignore[attr-defined]
        assert (virtual.address, virtual.port, virtual.scheduler, virtual.quiescent) == (address, port, scheduler,
                                                                                         quiescent)
        assert (virtual.checktype, virtual.checkinterval, virtual.failurecount) == (checktype, interval, failures)
        assert [(r.address, r.port, r.forwarding, r.weight) for r in virtual.reals] == real_list
        if checktype == "negotiate":
            assert (virtual.service, virtual.request, virtual.receive) == ("http", "/alive", "ok|OK")
        assert re.match(r"^-t \S+:\d+$", virtual.key)
